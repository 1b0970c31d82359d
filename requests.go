package steward

import (
	"context"
	"encoding/json"
	"time"
)

// Types of rights requests: the GDPR rights (Art. 15–21, and the withdrawal
// of consent of Art. 7(3)) and the CCPA's opt-out of sale or sharing and
// limit on the use of sensitive personal information. Access under the
// CCPA is its "right to know".
const (
	RequestAccess            = "access"
	RequestPortability       = "portability"
	RequestRectification     = "rectification"
	RequestErasure           = "erasure"
	RequestRestriction       = "restriction"
	RequestObjection         = "objection"
	RequestConsentWithdrawal = "consent_withdrawal"
	RequestOptOutSale        = "opt_out_of_sale_or_sharing"
	RequestLimitSensitive    = "limit_sensitive"
)

// RequestTypes lists every request type.
var RequestTypes = []string{RequestAccess, RequestPortability, RequestRectification, RequestErasure, RequestRestriction,
	RequestObjection, RequestConsentWithdrawal, RequestOptOutSale, RequestLimitSensitive}

// Statuses of a rights request. Unverified, verified, awaiting approval and
// in progress are open; the others are final.
const (
	RequestUnverified         = "unverified"
	RequestVerified           = "verified"
	RequestAwaitingApproval   = "awaiting_approval"
	RequestInProgress         = "in_progress"
	RequestCompleted          = "completed"
	RequestPartiallyCompleted = "partially_completed"
	RequestDenied             = "denied"
	RequestExpired            = "expired"
)

// RequestStatuses lists every status; OpenRequestStatuses those not final.
var (
	RequestStatuses = []string{RequestUnverified, RequestVerified, RequestAwaitingApproval, RequestInProgress,
		RequestCompleted, RequestPartiallyCompleted, RequestDenied, RequestExpired}
	OpenRequestStatuses = []string{RequestUnverified, RequestVerified, RequestAwaitingApproval, RequestInProgress}
)

// Jurisdictions whose rules set a request's deadline.
const (
	JurisdictionGDPR  = "gdpr"
	JurisdictionCCPA  = "ccpa"
	JurisdictionOther = "other"
)

// How a request's requester was verified to be the subject.
const (
	VerifiedByApplication = "application" // the application had authenticated the person
	VerifiedByEmailCode   = "email_code"  // a one-time code mailed to the address on file
	VerifiedByStaff       = "staff"       // a staff member verified the person another way
	VerifiedBySystem      = "system"      // filed by steward itself under a rule (a child's erasure)
)

// Audit actions of rights requests: ids and codes only (the request id as
// Target, "type:erasure", "status:verified" as Reasons), never details,
// codes, emails or reasons in words.
const (
	ActionRequestCreate   = "request.create"
	ActionRequestVerify   = "request.verify"
	ActionRequestCode     = "request.code"
	ActionRequestApprove  = "request.approve"
	ActionRequestDeny     = "request.deny"
	ActionRequestExtend   = "request.extend"
	ActionRequestStatus   = "request.status"
	ActionRequestComplete = "request.complete"
	ActionRequestRead     = "request.read"
	ActionRequestEvidence = "request.evidence"
)

// Outbox events of rights requests: data holds ids and codes only.
const (
	EventRequestCreated   = "request.created"
	EventRequestChanged   = "request.status_changed"
	EventRequestOverdue   = "request.overdue"
	EventRequestCompleted = "request.completed"
)

// RightsRequest is a data subject's request to use a right, from receipt
// to its answer. Deadline is the legal (or the policy's stricter)
// deadline; ExtendedDeadline, once extended with a reason, replaces it.
// DetailsSealed holds the type's details (they may hold personal values,
// e.g. corrected values) sealed under a server key; Result is what the
// answer gives the person (ids, counts, links). The one-time code exists
// only as a keyed hash. Version counts updates (optimistic concurrency).
type RightsRequest struct {
	ID               string // req_...
	TenantID         string
	SubjectID        string
	Type             string
	Jurisdiction     string
	Status           string
	ReceivedAt       time.Time
	Deadline         time.Time
	ExtendedDeadline *time.Time
	ExtensionReason  string // shown to the person; never audited
	VerifiedBy       string
	VerifiedAt       *time.Time
	ApprovedBy       string // the actor who approved, when an approval was needed
	DetailsSealed    []byte
	Result           json.RawMessage
	Reason           string // a denial's or partial completion's reason, shown to the person
	OverdueNotified  bool
	CodeHash         []byte
	CodeExpires      *time.Time
	CodeAttempts     int
	CodeSentAt       *time.Time
	CodesSent        int    // codes sent in all (bounded: each allows only a few guesses)
	Evidence         []byte // the signed completion record (JSON)
	EvidenceKeyID    int
	EvidenceSig      []byte
	// Held marks an erasure partially completed because legal holds keep
	// some or all of the data: the runner resumes it once they are
	// released, and clears it when the erasure completes.
	Held      bool
	UpdatedAt time.Time
	Version   int64
	History   []RequestStatusChange
}

// Due returns the deadline in force: the extended one if any.
func (r *RightsRequest) Due() time.Time {
	if r.ExtendedDeadline != nil {
		return *r.ExtendedDeadline
	}
	return r.Deadline
}

// Open reports whether the request still awaits its answer.
func (r *RightsRequest) Open() bool {
	for _, s := range OpenRequestStatuses {
		if r.Status == s {
			return true
		}
	}
	return false
}

// RequestStatusChange is one entry of a request's history. Reason is a
// code (e.g. "code_verified", "approved", "expired"); the words of a
// denial stay on the request.
type RequestStatusChange struct {
	From   string
	To     string
	At     time.Time
	Actor  string
	Reason string
}

// RequestFilter selects a tenant's requests; empty fields match all.
// Overdue selects open requests past their deadline at Now.
type RequestFilter struct {
	SubjectID string // "" for every subject
	Status    string
	Type      string
	Overdue   bool
	Now       time.Time
	Limit     int
}

// RequestStore keeps rights requests and their history.
//
// CreateRequest stores a new request with its history and the events, in
// one transaction. UpdateRequest stores every mutable field of r, appends
// the changes to its history and stores the events, all in one
// transaction, only if the stored Version is still r.Version (else
// ECONFLICT, nothing written); it then increments r.Version. Request and
// RequestByID return ENOTFOUND for an unknown id (RequestByID looks in
// every tenant: for the person's public verification routes). DueRequests
// lists, across tenants, requests in one of the statuses, oldest first.
type RequestStore interface {
	CreateRequest(ctx context.Context, r *RightsRequest, events ...*Event) error
	Request(ctx context.Context, tenantID, id string) (*RightsRequest, error)
	RequestByID(ctx context.Context, id string) (*RightsRequest, error)
	Requests(ctx context.Context, tenantID string, f RequestFilter) ([]*RightsRequest, error)
	UpdateRequest(ctx context.Context, r *RightsRequest, changes []RequestStatusChange, events ...*Event) error
	DueRequests(ctx context.Context, statuses []string, limit int) ([]*RightsRequest, error)
	// HeldRequests lists, across tenants, the partially completed
	// requests marked Held (legal holds keep what they did not do), oldest
	// first, without history.
	HeldRequests(ctx context.Context, limit int) ([]*RightsRequest, error)
	// RequestCounts returns, across tenants, how many requests are open
	// and how many of them are past their deadline at now.
	RequestCounts(ctx context.Context, now time.Time) (open, overdue int, err error)
	// SetRequestProgress records how far a running request's work is
	// (bytes of an export package, say); RequestProgress reads it back
	// (ok false while none was recorded).
	SetRequestProgress(ctx context.Context, tenantID, id string, p RequestProgress) error
	RequestProgress(ctx context.Context, tenantID, id string) (p RequestProgress, ok bool, err error)
}

// RequestProgress is how far a running request's work is: Done of Total
// units (bytes for an export package), at At.
type RequestProgress struct {
	Done  int64     `json:"done"`
	Total int64     `json:"total"`
	At    time.Time `json:"at"`
}
