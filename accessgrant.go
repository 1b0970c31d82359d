package steward

import (
	"context"
	"strings"
	"time"
)

// AccessGrant is a break-glass request by one staff member to read one
// subject's data in clear under a justification whose policy entry says
// "approval: required", and the decision a second staff member (a privacy
// officer) took on it. An approved grant covers reads by the requester, of
// that subject, under that justification, until ExpiresAt.
//
// The note is free text (a ticket number, a reason): it is stored only
// sealed under the subject's data key (NoteSealed), so it is erased with
// the subject, and never written to the audit log.
type AccessGrant struct {
	ID            string
	TenantID      string
	SubjectID     string
	Justification string
	NoteSealed    []byte // nil when no note was given
	Minutes       int
	Status        GrantStatus
	RequestedBy   string // the requester's staff account id (stf_…)
	RequestedAt   time.Time
	DecidedBy     string // the approver's or refuser's staff account id
	DecidedAt     *time.Time
	// ExpiresAt is when an approved grant stops covering reads, or when a
	// request nobody decided lapses.
	ExpiresAt time.Time
}

// GrantStatus is where an access grant stands.
type GrantStatus string

// Access grant statuses: requested → approved | refused | expired;
// approved → expired.
const (
	GrantRequested GrantStatus = "requested"
	GrantApproved  GrantStatus = "approved"
	GrantRefused   GrantStatus = "refused"
	GrantExpired   GrantStatus = "expired"
)

// Covers reports whether an approved grant lets staff member staffID read
// subjectID's data under justification at t.
func (g *AccessGrant) Covers(staffID, subjectID, justification string, t time.Time) bool {
	return g.Status == GrantApproved && g.RequestedBy == staffID && g.SubjectID == subjectID &&
		g.Justification == justification && t.Before(g.ExpiresAt)
}

// AccessGrantStore keeps access grants.
//
// DecideAccessGrant moves a grant from requested to status (approved or
// refused) and sets its decider, time and expiry; ENOTFOUND when the tenant
// has no such grant, ECONFLICT when it is no longer requested (decided,
// or lapsed at `at`). ExpireAccessGrants marks at most limit grants whose
// expiry passed at `at` (requested or approved) as expired and returns
// them, so that each expiry is audited once.
type AccessGrantStore interface {
	CreateAccessGrant(ctx context.Context, g *AccessGrant) error
	AccessGrant(ctx context.Context, tenantID, id string) (*AccessGrant, error)
	AccessGrants(ctx context.Context, tenantID string, status GrantStatus, limit int) ([]*AccessGrant, error)
	DecideAccessGrant(ctx context.Context, tenantID, id string, status GrantStatus, by string, at, expires time.Time) (*AccessGrant, error)
	ExpireAccessGrants(ctx context.Context, at time.Time, limit int) ([]*AccessGrant, error)
}

// Audit actions of access grants and of the subject's agreement to staff
// access. Their events carry ids and codes only, never the note.
const (
	ActionAccessGrantRequest = "access_grant.request"
	ActionAccessGrantApprove = "access_grant.approve"
	ActionAccessGrantRefuse  = "access_grant.refuse"
	ActionAccessGrantExpire  = "access_grant.expire"
	// ActionAccessGrantNoteRead: a grant's sealed note was shown (to an
	// auditor).
	ActionAccessGrantNoteRead = "access_grant.note_read"
	// ActionStaffAgreement records the subject agreeing to staff access
	// (reason "agreed") or revoking it ("revoked").
	ActionStaffAgreement = "subject.staff_agreement"
)

// PrefixAccessGrant is the id prefix of access grants.
const PrefixAccessGrant = "grant"

// ValidID reports whether id has the form NewID(prefix) gives: the prefix,
// an underscore and 26 lower-case base32 characters.
func ValidID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix+"_")
	if !ok || len(rest) != 26 {
		return false
	}
	for _, r := range rest {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}
