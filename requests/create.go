package requests

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
)

// NewRequest is a rights request as an application files it.
type NewRequest struct {
	Type         string          `json:"type" doc:"access, portability, rectification, erasure, restriction, objection, consent_withdrawal, opt_out_of_sale_or_sharing or limit_sensitive"`
	Subject      RequestSubject  `json:"subject" doc:"exactly one of id, external_id or email"`
	Jurisdiction string          `json:"jurisdiction,omitempty" doc:"gdpr (default), ccpa (default for the CCPA types) or other"`
	Details      json.RawMessage `json:"details,omitempty" doc:"per type: rectification {values: {category: value}}; objection and consent_withdrawal {purposes: [...]} (all when left out); restriction {until}; nothing for the others"`
	VerifiedBy   string          `json:"verified_by,omitempty" doc:"application: the application authenticated the person (needs requests:verify); otherwise a code is mailed to the address on file"`
}

// RequestSubject names the person by one identifier. The value is only looked
// up, never stored or echoed.
type RequestSubject struct {
	ID         string `json:"id,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	Email      string `json:"email,omitempty"`
}

// RectificationDetails are the corrected values, per declared category.
type RectificationDetails struct {
	Values map[string]json.RawMessage `json:"values"`
}

// PurposeDetails name the purposes an objection or a consent withdrawal
// covers; none means all.
type PurposeDetails struct {
	Purposes []string `json:"purposes,omitempty"`
}

// RestrictionDetails give an optional end to a restriction.
type RestrictionDetails struct {
	Until *time.Time `json:"until,omitempty"`
}

// ccpaOnly are the types only the CCPA knows.
var ccpaOnly = []string{steward.RequestOptOutSale, steward.RequestLimitSensitive}

// strict decodes raw into dst, refusing unknown fields (another type's
// details) and trailing data.
func strict(raw json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil || dec.More() {
		return steward.Invalid("details", "do not fit this request type (see the type's details)")
	}
	return nil
}

// check validates n under the policy in force and returns the normalized
// details to seal (nil for none).
func (n *NewRequest) check(pol *policy.Decider, now time.Time) ([]byte, error) {
	if !slices.Contains(steward.RequestTypes, n.Type) {
		return nil, steward.Invalid("type", "must be one of access, portability, rectification, erasure, restriction, objection, "+
			"consent_withdrawal, opt_out_of_sale_or_sharing, limit_sensitive")
	}
	switch n.Jurisdiction {
	case "":
		n.Jurisdiction = steward.JurisdictionGDPR
		if slices.Contains(ccpaOnly, n.Type) {
			n.Jurisdiction = steward.JurisdictionCCPA
		}
	case steward.JurisdictionGDPR, steward.JurisdictionCCPA, steward.JurisdictionOther:
	default:
		return nil, steward.Invalid("jurisdiction", "must be gdpr, ccpa or other")
	}
	if slices.Contains(ccpaOnly, n.Type) && n.Jurisdiction != steward.JurisdictionCCPA {
		return nil, steward.Invalid("jurisdiction", "this request type exists under the CCPA only: ccpa")
	}
	if n.VerifiedBy != "" && n.VerifiedBy != steward.VerifiedByApplication {
		return nil, steward.Invalid("verified_by", "must be application, or left out")
	}
	ids := 0
	for _, v := range []string{n.Subject.ID, n.Subject.ExternalID, n.Subject.Email} {
		if v != "" {
			ids++
		}
	}
	if ids != 1 {
		return nil, steward.Invalid("subject", "give exactly one of id, external_id or email")
	}
	raw := n.Details
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		raw = json.RawMessage(`{}`)
	}
	var out any
	switch n.Type {
	case steward.RequestRectification:
		var d RectificationDetails
		if err := strict(raw, &d); err != nil {
			return nil, err
		}
		if len(d.Values) == 0 {
			return nil, steward.Invalid("details.values", "is required: the corrected value per category")
		}
		for k, v := range d.Values {
			if !pol.CategoryDeclared(k) {
				return nil, steward.Invalid("details.values", "names a category the policy does not declare")
			}
			if !json.Valid(v) {
				return nil, steward.Invalid("details.values", "must hold JSON values")
			}
		}
		out = d
	case steward.RequestObjection, steward.RequestConsentWithdrawal:
		var d PurposeDetails
		if err := strict(raw, &d); err != nil {
			return nil, err
		}
		for _, p := range d.Purposes {
			basis, ok := pol.PurposeBasis(p)
			if !ok {
				return nil, steward.Invalid("details.purposes", "names a purpose the policy does not declare")
			}
			if n.Type == steward.RequestConsentWithdrawal && basis != policy.BasisConsent {
				return nil, steward.Invalid("details.purposes", "names a purpose not based on consent: nothing to withdraw")
			}
		}
		out = d
	case steward.RequestRestriction:
		var d RestrictionDetails
		if err := strict(raw, &d); err != nil {
			return nil, err
		}
		if d.Until != nil && !d.Until.After(now) {
			return nil, steward.Invalid("details.until", "must be in the future")
		}
		out = d
	default:
		var d struct{}
		if err := strict(raw, &d); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return json.Marshal(out)
}

// rightKind is the policy right whose deadline governs a type.
func rightKind(typ string) policy.RightKind { return policy.RightKind(typ) }

// Create files a request (scope requests:write; verified_by application
// needs requests:verify too). The subject is resolved in the caller's
// tenant; an unknown one is ENOTFOUND without the value. An unverified
// request gets a code mailed to the address on file. Nothing is stored on
// error.
func (s *Service) Create(ctx context.Context, n *NewRequest) (*RequestView, error) {
	c, err := steward.Require(ctx, steward.ScopeRequestsWrite)
	if err != nil {
		return nil, err
	}
	if n.VerifiedBy == steward.VerifiedByApplication && !c.Scopes.Has(steward.ScopeRequestsVerify) {
		return nil, steward.Errorf(steward.EFORBIDDEN, "verified_by application needs the %q scope", steward.ScopeRequestsVerify)
	}
	now := s.now().UTC()
	pol := s.pols.Policy()
	details, err := n.check(pol, now)
	if err != nil {
		return nil, err
	}
	kind, value := "id", n.Subject.ID
	switch {
	case n.Subject.ExternalID != "":
		kind, value = steward.IndexExternalID, n.Subject.ExternalID
	case n.Subject.Email != "":
		kind, value = steward.IndexEmail, n.Subject.Email
	}
	subjectID, err := s.subjects.LookupSubject(ctx, c.TenantID, kind, value)
	if err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND || steward.ErrorCode(err) == steward.EINVALID {
			return nil, steward.Errorf(steward.ENOTFOUND, "no subject of this tenant has this %s", kind)
		}
		return nil, err
	}
	var policyDeadline time.Duration
	if r, ok := pol.Right(rightKind(n.Type)); ok {
		policyDeadline = r.Deadline.Duration()
	}
	r := &steward.RightsRequest{ID: steward.NewID("req"), TenantID: c.TenantID, SubjectID: subjectID, Type: n.Type,
		Jurisdiction: n.Jurisdiction, Status: steward.RequestUnverified, ReceivedAt: now,
		Deadline: Deadline(n.Jurisdiction, n.Type, now, policyDeadline), UpdatedAt: now}
	if details != nil {
		if r.DetailsSealed, err = s.sealer.Seal(details, []byte("steward.request.details/"+r.ID)); err != nil {
			return nil, err
		}
	}
	actor := c.Actor()
	r.History = []steward.RequestStatusChange{{To: r.Status, At: now, Actor: actor, Reason: "received"}}
	if n.VerifiedBy == steward.VerifiedByApplication {
		r.History = append(r.History, s.markVerified(r, now, actor, steward.VerifiedByApplication)...)
	}
	// The code is stored with the request: one write.
	var code, to string
	if r.Status == steward.RequestUnverified {
		if code, to, err = s.newCodeFor(ctx, r); err != nil {
			return nil, err
		}
	}
	ev, err := steward.NewEvent(c.TenantID, steward.EventRequestCreated, now, changed{RequestID: r.ID, SubjectID: subjectID,
		Type: r.Type, Status: r.Status, Deadline: r.Due().Format(time.RFC3339)})
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateRequest(ctx, r, ev); err != nil {
		return nil, err
	}
	if err := s.auditEvent(ctx, c.TenantID, actor, steward.AuditEvent{Action: steward.ActionRequestCreate, SubjectID: subjectID,
		Target: r.ID, Reasons: []string{"type:" + r.Type, "jurisdiction:" + r.Jurisdiction, "status:" + r.Status}}); err != nil {
		return nil, err
	}
	if code != "" {
		if err := s.mailCode(ctx, r, actor, code, to); err != nil {
			s.log.Warn("request code not sent", "request", r.ID, "error_code", steward.ErrorCode(err))
		}
	}
	return s.view(r, true), nil
}

// markVerified sets r verified by how and returns the status changes:
// to verified, then to awaiting_approval when its type needs a staff
// approval. The caller stores them.
func (s *Service) markVerified(r *steward.RightsRequest, now time.Time, actor, how string) []steward.RequestStatusChange {
	at := now
	r.VerifiedBy, r.VerifiedAt = how, &at
	r.CodeHash, r.CodeExpires = nil, nil
	changes := []steward.RequestStatusChange{{From: r.Status, To: steward.RequestVerified, At: now, Actor: actor,
		Reason: "verified_by_" + how}}
	r.Status = steward.RequestVerified
	if s.needsApproval(r.Type) {
		changes = append(changes, steward.RequestStatusChange{From: r.Status, To: steward.RequestAwaitingApproval, At: now,
			Actor: actor, Reason: "approval_required"})
		r.Status = steward.RequestAwaitingApproval
	}
	return changes
}

// Internal is a request steward files itself under a rule, for another
// package (a child found below the policy's minimum age is erased): it
// needs no verification and no approval. Reason is a code (e.g. "child")
// recorded in the history and the audit log; Actor is who triggered it
// ("staff:stf_...", "system:age").
type Internal struct {
	TenantID     string
	SubjectID    string
	Type         string
	Jurisdiction string // default gdpr
	Reason       string
	Actor        string
}

// FileInternal files and verifies an internal request at once; the runner
// then runs it like any other. It checks no scope: callers are packages
// that authorized their own caller. ENOTFOUND for an unknown subject.
func (s *Service) FileInternal(ctx context.Context, in Internal) (*RequestView, error) {
	if !slices.Contains(steward.RequestTypes, in.Type) || in.Reason == "" || in.Actor == "" {
		return nil, steward.Errorf(steward.EINVALID, "an internal request needs a known type, a reason code and an actor")
	}
	if in.Jurisdiction == "" {
		in.Jurisdiction = steward.JurisdictionGDPR
	}
	if _, err := s.subjects.LookupSubject(ctx, in.TenantID, "id", in.SubjectID); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	r := &steward.RightsRequest{ID: steward.NewID("req"), TenantID: in.TenantID, SubjectID: in.SubjectID, Type: in.Type,
		Jurisdiction: in.Jurisdiction, Status: steward.RequestVerified, ReceivedAt: now, VerifiedBy: steward.VerifiedBySystem,
		VerifiedAt: &now, Deadline: Deadline(in.Jurisdiction, in.Type, now, 0), UpdatedAt: now,
		History: []steward.RequestStatusChange{{To: steward.RequestUnverified, At: now, Actor: in.Actor, Reason: in.Reason},
			{From: steward.RequestUnverified, To: steward.RequestVerified, At: now, Actor: in.Actor, Reason: "verified_by_system"}}}
	ev, err := steward.NewEvent(in.TenantID, steward.EventRequestCreated, now, changed{RequestID: r.ID, SubjectID: r.SubjectID,
		Type: r.Type, Status: r.Status, Deadline: r.Due().Format(time.RFC3339)})
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateRequest(ctx, r, ev); err != nil {
		return nil, err
	}
	if err := s.auditEvent(ctx, in.TenantID, in.Actor, steward.AuditEvent{Action: steward.ActionRequestCreate, SubjectID: r.SubjectID,
		Target: r.ID, Reasons: []string{"type:" + r.Type, "status:" + r.Status, "reason:" + in.Reason}}); err != nil {
		return nil, err
	}
	return s.view(r, true), nil
}
