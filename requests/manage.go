package requests

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-privacy/steward"
)

// readable returns the caller if it may read requests: requests:write
// (the application that files them) or requests:manage (staff).
func readable(ctx context.Context) (*steward.Caller, error) {
	c := steward.CallerFrom(ctx)
	if c != nil && !c.MFAPending && c.Scopes.Has(steward.ScopeRequestsWrite) {
		return c, nil
	}
	return steward.Require(ctx, steward.ScopeRequestsManage)
}

// Get returns a request of the caller's tenant with its history (scope
// requests:write or requests:manage).
func (s *Service) Get(ctx context.Context, id string) (*RequestView, error) {
	c, err := readable(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.store.Request(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	if err := s.auditEvent(ctx, c.TenantID, c.Actor(), steward.AuditEvent{Action: steward.ActionRequestRead, SubjectID: r.SubjectID,
		Target: r.ID, Decision: steward.DecisionAllow}); err != nil {
		return nil, err
	}
	v := s.view(r, true)
	if r.Status != steward.RequestUnverified && r.Status != steward.RequestAwaitingApproval {
		p, ok, err := s.store.RequestProgress(ctx, c.TenantID, r.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			v.Progress = &p
		}
	}
	return v, nil
}

// Filter selects requests for List.
type Filter struct {
	SubjectID string // one person's requests; "" for everyone's
	Status    string
	Type      string
	Overdue   bool
	Limit     int
}

// List returns the tenant's requests, newest first (scope requests:write
// or requests:manage).
func (s *Service) List(ctx context.Context, f Filter) ([]*RequestView, error) {
	c, err := readable(ctx)
	if err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains(steward.RequestStatuses, f.Status) {
		return nil, steward.Invalid("status", "is not a request status")
	}
	if f.Type != "" && !slices.Contains(steward.RequestTypes, f.Type) {
		return nil, steward.Invalid("type", "is not a request type")
	}
	rs, err := s.store.Requests(ctx, c.TenantID, steward.RequestFilter{SubjectID: f.SubjectID, Status: f.Status, Type: f.Type, Overdue: f.Overdue,
		Now: s.now().UTC(), Limit: f.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]*RequestView, len(rs))
	for i, r := range rs {
		out[i] = s.view(r, false)
	}
	return out, nil
}

// manage loads a request of the caller's tenant for a staff decision.
func (s *Service) manage(ctx context.Context, id string) (*steward.Caller, *steward.RightsRequest, error) {
	c, err := steward.Require(ctx, steward.ScopeRequestsManage)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.store.Request(ctx, c.TenantID, id)
	return c, r, err
}

// Approve lets a request run (scope requests:manage): one awaiting a
// staff approval, or an unverified one whose requester staff verified
// another way (then verified_by staff). Other statuses are ECONFLICT.
func (s *Service) Approve(ctx context.Context, id string) (*RequestView, error) {
	c, r, err := s.manage(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var changes []steward.RequestStatusChange
	switch r.Status {
	case steward.RequestUnverified:
		changes = s.markVerified(r, now, c.Actor(), steward.VerifiedByStaff)
	case steward.RequestAwaitingApproval:
	default:
		return nil, steward.Errorf(steward.ECONFLICT, "only an unverified request or one awaiting approval can be approved; it is %s", r.Status)
	}
	changes = append(changes, steward.RequestStatusChange{From: r.Status, To: steward.RequestInProgress, At: now, Actor: c.Actor(),
		Reason: "approved"})
	r.Status, r.ApprovedBy, r.UpdatedAt = steward.RequestInProgress, c.Actor(), now
	if err := s.save(ctx, r, changes); err != nil {
		return nil, err
	}
	if err := s.auditEvent(ctx, c.TenantID, c.Actor(), steward.AuditEvent{Action: steward.ActionRequestApprove, SubjectID: r.SubjectID,
		Target: r.ID, Reasons: []string{"type:" + r.Type, "status:" + r.Status}}); err != nil {
		return nil, err
	}
	return s.view(r, true), nil
}

// RequestReason is the body of deny and extend: the reasons in words, told to the
// person (never audited); Until, for extend, the new deadline (the
// jurisdiction's bound when left out).
type RequestReason struct {
	Reason string     `json:"reason" doc:"the reasons, in words, told to the person (up to 2,000 characters)"`
	Until  *time.Time `json:"until,omitempty" doc:"extend only: the new deadline; default the latest the jurisdiction allows"`
}

// reasonText checks a reason in words.
func reasonText(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > 2000 || !utf8.ValidString(s) {
		return "", steward.Invalid("reason", "is required: 1 to 2,000 characters told to the person")
	}
	return s, nil
}

// Deny refuses an open request with the reasons told to the person (scope
// requests:manage). A final request is ECONFLICT.
func (s *Service) Deny(ctx context.Context, id string, in *RequestReason) (*RequestView, error) {
	text, err := reasonText(in.Reason)
	if err != nil {
		return nil, err
	}
	if in.Until != nil {
		return nil, steward.Invalid("until", "belongs to an extension, not a denial")
	}
	c, r, err := s.manage(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.Open() {
		return nil, steward.Errorf(steward.ECONFLICT, "the request is %s already", r.Status)
	}
	r.Reason, r.CodeHash, r.CodeExpires, r.DetailsSealed = text, nil, nil, nil
	if err := s.transition(ctx, r, c.Actor(), steward.ActionRequestDeny, "denied", steward.RequestDenied); err != nil {
		return nil, err
	}
	return s.view(r, true), nil
}

// Extend extends an open request's deadline once, with the reasons told
// to the person, within the jurisdiction's bound (scope requests:manage):
// EINVALID beyond it or once the first period has ended.
func (s *Service) Extend(ctx context.Context, id string, in *RequestReason) (*RequestView, error) {
	text, err := reasonText(in.Reason)
	if err != nil {
		return nil, err
	}
	c, r, err := s.manage(ctx, id)
	if err != nil {
		return nil, err
	}
	if !r.Open() {
		return nil, steward.Errorf(steward.ECONFLICT, "the request is %s already", r.Status)
	}
	var until time.Time
	if in.Until != nil {
		until = *in.Until
	}
	now := s.now().UTC()
	due, err := CheckExtension(r, until, now, text)
	if err != nil {
		return nil, err
	}
	r.ExtendedDeadline, r.ExtensionReason, r.UpdatedAt = &due, text, now
	change := steward.RequestStatusChange{From: r.Status, To: r.Status, At: now, Actor: c.Actor(), Reason: "extended"}
	if err := s.save(ctx, r, []steward.RequestStatusChange{change}); err != nil {
		return nil, err
	}
	if err := s.auditEvent(ctx, c.TenantID, c.Actor(), steward.AuditEvent{Action: steward.ActionRequestExtend, SubjectID: r.SubjectID,
		Target: r.ID, Reasons: []string{"type:" + r.Type, "jurisdiction:" + r.Jurisdiction, "until:" + due.Format(time.DateOnly)}}); err != nil {
		return nil, err
	}
	return s.view(r, true), nil
}
