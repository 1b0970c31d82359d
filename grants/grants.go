// Package grants is break-glass access with a second person: a staff
// member asks to read one subject's data in clear under a justification
// whose policy entry says "approval: required", for a stated time; a
// different staff member with the privacy officer role approves or
// refuses; only then, for that subject, that justification and that time,
// do reads that name the grant (?grant=ID) come back in clear — the vault
// checks the grant on every read (vault.Access.Grant) and the policy's
// Decider masks values without it (approval_required).
//
// Requests, approvals, refusals, expiry and every read under a grant are
// audited with ids and codes only. The note a requester gives (a ticket
// number, a reason) is free text: it is sealed under the subject's data
// key, so it is erased with the subject, never enters the audit log, and
// is shown only to callers holding audit:read.
package grants

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
)

// Store is what the service needs from storage.
type Store interface {
	steward.AccessGrantStore
	Staff(ctx context.Context, tenantID, id string) (*steward.StaffAccount, error)
	SubjectState(ctx context.Context, tenantID, subjectID string) (*steward.Subject, error)
}

// Notes seals and opens notes under a subject's data key; *vault.Vault is
// one.
type Notes interface {
	SealNote(ctx context.Context, tenantID, subjectID, ref string, note []byte) ([]byte, error)
	OpenNote(ctx context.Context, tenantID, subjectID, ref string, sealed []byte) ([]byte, error)
}

// Policies gives the policy in force; *vault.Vault is one.
type Policies interface {
	Policy() *policy.Decider
}

// Config holds the service's dependencies.
type Config struct {
	Store    Store
	Notes    Notes
	Policies Policies
	Audit    steward.AuditLog
	Now      func() time.Time
}

// Bounds of a grant. A request nobody decides lapses after PendingFor, so
// an old request cannot be approved long after the need passed.
const (
	DefaultMinutes = 60
	MaxMinutes     = 8 * 60
	PendingFor     = 24 * time.Hour
	maxNote        = 2000
)

// Actor is the audit actor of grant expiries.
const Actor = "system:access-grants"

// Service manages access grants.
type Service struct {
	store Store
	notes Notes
	pols  Policies
	audit steward.AuditLog
	now   func() time.Time
}

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{store: c.Store, notes: c.Notes, pols: c.Policies, audit: c.Audit, now: c.Now}
}

// NewGrant is a break-glass request.
type NewGrant struct {
	Subject       string `json:"subject" doc:"the subject whose data is to be read (sub_...)"`
	Justification string `json:"justification" doc:"a key of the policy's staff.justifications whose entry requires approval"`
	Note          string `json:"note,omitempty" doc:"free text for the approver (a ticket, a reason): sealed under the subject's key, never in the audit log, shown only to audit:read"`
	Minutes       int    `json:"minutes,omitempty" doc:"how long the grant lasts once approved: 1 to 480 minutes, 60 when left out"`
}

// GrantView is an access grant as the API shows it.
type GrantView struct {
	ID            string     `json:"id"`
	Subject       string     `json:"subject"`
	Justification string     `json:"justification"`
	Note          string     `json:"note,omitempty" doc:"shown only to callers with audit:read, while the subject exists"`
	Minutes       int        `json:"minutes"`
	Status        string     `json:"status" doc:"requested, approved, refused or expired"`
	RequestedBy   string     `json:"requested_by"`
	RequestedAt   time.Time  `json:"requested_at"`
	DecidedBy     string     `json:"decided_by,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	ExpiresAt     time.Time  `json:"expires_at" doc:"approved: when reads stop being covered; requested: when the request lapses"`
}

// staff returns the caller if it is a signed-in staff member: grants are
// for humans, an API key can neither ask nor decide.
func staff(ctx context.Context) (*steward.Caller, error) {
	c := steward.CallerFrom(ctx)
	if c == nil {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "authentication required")
	}
	if c.Kind != steward.ActorStaff {
		return nil, steward.Errorf(steward.EFORBIDDEN, "only a signed-in staff member can ask for or decide an access grant")
	}
	return c, nil
}

// record appends an audit event about a grant: ids and codes only.
func (s *Service) record(ctx context.Context, c *steward.Caller, action string, g *steward.AccessGrant, reasons ...string) error {
	e := steward.NewAuditEvent(ctx, c, action, s.now())
	if c == nil {
		e.TenantID, e.Actor = g.TenantID, Actor
	}
	e.SubjectID, e.Target, e.Justification, e.Decision, e.Reasons = g.SubjectID, g.ID, g.Justification, steward.DecisionAllow, reasons
	return s.audit.Append(ctx, e)
}

// check validates a request. Errors never echo the note.
func (s *Service) check(ctx context.Context, tenant string, in *NewGrant) error {
	if !steward.ValidID(in.Subject, "sub") {
		return steward.Invalid("subject", "must be a subject id (sub_...)")
	}
	var j *policy.Justification
	for _, x := range s.pols.Policy().Justifications() {
		if x.Key == in.Justification {
			j = &x
			break
		}
	}
	switch {
	case j == nil:
		return steward.Invalid("justification", "must be a key of the policy's staff.justifications")
	case j.Approval != policy.ApprovalRequired:
		return steward.Invalid("justification", "this justification needs no approval: read with ?justification= alone")
	}
	if in.Minutes < 0 || in.Minutes > MaxMinutes {
		return steward.Invalid("minutes", "must be between 1 and 480")
	}
	if len(in.Note) > maxNote || !utf8.ValidString(in.Note) {
		return steward.Invalid("note", "must be valid text of at most 2000 bytes")
	}
	if _, err := s.store.SubjectState(ctx, tenant, in.Subject); err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return steward.Invalid("subject", "no such subject in this tenant")
		}
		return err
	}
	return nil
}

// Request asks for a grant; it waits for a privacy officer. Audited.
func (s *Service) Request(ctx context.Context, in *NewGrant) (*GrantView, error) {
	c, err := staff(ctx)
	if err != nil {
		return nil, err
	}
	if !c.Scopes.Has(steward.ScopeRecordsRead) {
		return nil, steward.Errorf(steward.EFORBIDDEN, "asking to read personal data needs the %q scope", steward.ScopeRecordsRead)
	}
	if err := s.check(ctx, c.TenantID, in); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	g := &steward.AccessGrant{ID: steward.NewID(steward.PrefixAccessGrant), TenantID: c.TenantID, SubjectID: in.Subject,
		Justification: in.Justification, Minutes: in.Minutes, Status: steward.GrantRequested, RequestedBy: c.ID,
		RequestedAt: now, ExpiresAt: now.Add(PendingFor)}
	if g.Minutes == 0 {
		g.Minutes = DefaultMinutes
	}
	if note := strings.TrimSpace(in.Note); note != "" {
		if g.NoteSealed, err = s.notes.SealNote(ctx, g.TenantID, g.SubjectID, g.ID, []byte(note)); err != nil {
			return nil, err
		}
	}
	if err := s.store.CreateAccessGrant(ctx, g); err != nil {
		return nil, err
	}
	if err := s.record(ctx, c, steward.ActionAccessGrantRequest, g, "minutes:"+strconv.Itoa(g.Minutes)); err != nil {
		return nil, err
	}
	return s.view(ctx, c, g)
}

// Approve approves a requested grant: by a privacy officer who is not the
// requester. The grant then covers reads for its minutes. Audited.
func (s *Service) Approve(ctx context.Context, id string) (*GrantView, error) {
	return s.decide(ctx, id, steward.GrantApproved, steward.ActionAccessGrantApprove)
}

// Refuse refuses a requested grant, under the same rule. Audited.
func (s *Service) Refuse(ctx context.Context, id string) (*GrantView, error) {
	return s.decide(ctx, id, steward.GrantRefused, steward.ActionAccessGrantRefuse)
}

func (s *Service) decide(ctx context.Context, id string, to steward.GrantStatus, action string) (*GrantView, error) {
	c, err := staff(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := s.store.Staff(ctx, c.TenantID, c.ID)
	if err != nil {
		return nil, err
	}
	if acct.Role != steward.RolePrivacy {
		return nil, steward.Errorf(steward.EFORBIDDEN, "only a staff member with the %s role can decide an access grant", steward.RolePrivacy)
	}
	g, err := s.store.AccessGrant(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	if g.RequestedBy == c.ID {
		return nil, steward.Errorf(steward.EFORBIDDEN, "a second person must decide: you asked for this grant")
	}
	now := s.now().UTC()
	expires := g.ExpiresAt
	if to == steward.GrantApproved {
		expires = now.Add(time.Duration(g.Minutes) * time.Minute)
	}
	g, err = s.store.DecideAccessGrant(ctx, c.TenantID, id, to, c.ID, now, expires)
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, c, action, g); err != nil {
		return nil, err
	}
	return s.view(ctx, c, g)
}

// Get returns one grant of the tenant (scope records:read).
func (s *Service) Get(ctx context.Context, id string) (*GrantView, error) {
	c, err := steward.Require(ctx, steward.ScopeRecordsRead)
	if err != nil {
		return nil, err
	}
	g, err := s.store.AccessGrant(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, c, g)
}

// List lists the tenant's grants, newest first, of one status ("" for
// any), at most 500 (scope records:read).
func (s *Service) List(ctx context.Context, status string) ([]*GrantView, error) {
	c, err := steward.Require(ctx, steward.ScopeRecordsRead)
	if err != nil {
		return nil, err
	}
	switch steward.GrantStatus(status) {
	case "", steward.GrantRequested, steward.GrantApproved, steward.GrantRefused, steward.GrantExpired:
	default:
		return nil, steward.Invalid("status", "must be requested, approved, refused or expired")
	}
	gs, err := s.store.AccessGrants(ctx, c.TenantID, steward.GrantStatus(status), 500)
	if err != nil {
		return nil, err
	}
	out := make([]*GrantView, len(gs))
	for i, g := range gs {
		if out[i], err = s.view(ctx, c, g); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Expire marks the grants whose time passed as expired, each audited
// once; the job scheduler runs it. It returns how many expired.
func (s *Service) Expire(ctx context.Context) (int, error) {
	n := 0
	for {
		gs, err := s.store.ExpireAccessGrants(ctx, s.now().UTC(), 500)
		if err != nil {
			return n, err
		}
		for _, g := range gs {
			if err := s.record(ctx, nil, steward.ActionAccessGrantExpire, g, "was:"+string(statusBefore(g))); err != nil {
				return n, err
			}
		}
		n += len(gs)
		if len(gs) < 500 {
			return n, nil
		}
	}
}

// statusBefore tells whether an expired grant had been approved (decided)
// or lapsed undecided.
func statusBefore(g *steward.AccessGrant) steward.GrantStatus {
	if g.DecidedAt != nil {
		return steward.GrantApproved
	}
	return steward.GrantRequested
}

// view shows a grant; the note only to callers with audit:read, and only
// while the subject's key exists. Showing a note is a read of free text
// that may be personal: audited (access_grant.note_read).
func (s *Service) view(ctx context.Context, c *steward.Caller, g *steward.AccessGrant) (*GrantView, error) {
	v := &GrantView{ID: g.ID, Subject: g.SubjectID, Justification: g.Justification, Minutes: g.Minutes,
		Status: string(g.Status), RequestedBy: g.RequestedBy, RequestedAt: g.RequestedAt, DecidedBy: g.DecidedBy,
		DecidedAt: g.DecidedAt, ExpiresAt: g.ExpiresAt}
	if (g.Status == steward.GrantRequested || g.Status == steward.GrantApproved) && !s.now().Before(g.ExpiresAt) {
		v.Status = string(steward.GrantExpired) // the expiry job has not passed yet
	}
	if g.NoteSealed == nil || !c.Scopes.Has(steward.ScopeAuditRead) {
		return v, nil
	}
	note, err := s.notes.OpenNote(ctx, g.TenantID, g.SubjectID, g.ID, g.NoteSealed)
	if err != nil {
		return v, nil // the subject was erased, and the note with it
	}
	if err := s.record(ctx, c, steward.ActionAccessGrantNoteRead, g); err != nil {
		return nil, err
	}
	v.Note = string(note)
	return v, nil
}
