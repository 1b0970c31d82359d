package vault

import (
	"context"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
)

// Access names why and how data is read: the purpose (required), for
// staff the justification they invoke, and for a disclosure the processor
// the data is sent to.
type Access struct {
	Purpose       string
	Justification string
	Processor     string
}

// actorOf maps the caller to the policy's notion of actor.
func actorOf(c *steward.Caller) policy.Actor {
	switch c.Kind {
	case steward.ActorStaff:
		return policy.ActorStaff
	case steward.ActorSubject:
		return policy.ActorSubject
	case steward.ActorAPIKey, steward.ActorSystem:
		return policy.ActorService
	}
	return 0
}

// decide asks the policy whether the caller may use categories of subject s
// for the access. Consents are loaded only when the first answer says a
// consent is needed, so most reads cost no extra query.
func (v *Vault) decide(ctx context.Context, c *steward.Caller, s *steward.Subject, a Access, categories []string) (policy.Decision, error) {
	req := policy.Request{Purpose: a.Purpose, Categories: categories, Actor: actorOf(c), Justification: a.Justification,
		Processor: a.Processor, Region: s.Region, Subject: policy.SubjectState{Restricted: s.Restricted, Objected: s.Objected,
			BelowMinimumAge: s.BelowMinimumAge, StaffAccessAgreed: s.StaffAccessAgreed}}
	d := v.Policy().Decide(&req)
	if d.Allowed || !d.Reasons.Has(policy.ReasonConsentRequired) {
		return d, nil
	}
	stored, err := v.store.Consents(ctx, s.TenantID, s.ID)
	if err != nil || len(stored) == 0 {
		return d, err
	}
	req.Subject.Consents = make([]policy.Consent, len(stored))
	for i, cr := range stored {
		req.Subject.Consents[i] = policy.Consent{Purpose: cr.Purpose, Processor: cr.Processor, Granted: cr.Granted}
	}
	return v.Policy().Decide(&req), nil
}

// denied records a denial and returns the 403 error that explains it.
func (v *Vault) denied(ctx context.Context, c *steward.Caller, e steward.AuditEvent, d policy.Decision) error {
	e.Decision, e.Reasons = steward.DecisionDeny, d.Codes()
	if _, err := v.record(ctx, c, e); err != nil {
		return err
	}
	return &steward.Error{Code: steward.EFORBIDDEN, Message: d.Sentence(), Reasons: d.Codes()}
}

// checkPurpose validates the purpose parameter.
func checkPurpose(a Access) error {
	if a.Purpose == "" {
		return steward.Invalid("purpose", "every read must name a purpose (a data-use key such as essential.service)")
	}
	if len(a.Purpose) > 200 {
		return steward.Invalid("purpose", "is too long")
	}
	return nil
}
