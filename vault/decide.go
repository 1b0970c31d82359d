package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/policy/taxonomy"
)

// Access names why and how data is read: the purpose (required), for
// staff the justification they invoke, and for a disclosure the processor
// the data is sent to.
type Access struct {
	Purpose       string
	Justification string
	Processor     string
	// Grant is the id of the approved access grant a staff read invokes,
	// for a justification whose policy entry requires approval.
	Grant string
	// Aggregate marks a read of one subject's values that leaves only
	// aggregated or de-identified (a training export builder's): an
	// aggregate_only purpose allows it (policy.Request.Aggregate).
	Aggregate bool
}

// auditReasons are the reasons a read's audit event starts with: the
// access grant it invoked, if any ("grant:ID").
func (a Access) auditReasons() []string {
	if a.Grant == "" {
		return nil
	}
	return []string{"grant:" + a.Grant}
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
// for the access. The subject's consent state (its consents and GPC signal,
// cached with the subject on a single server) is loaded only when the first
// answer says a consent is needed or the purpose is one a GPC opt-out
// denies, so most reads cost nothing extra.
func (v *Vault) decide(ctx context.Context, c *steward.Caller, s *steward.Subject, a Access, categories []string) (policy.Decision, error) {
	pol := v.Policy()
	approved, err := v.granted(ctx, c, s, a)
	if err != nil {
		return policy.Decision{}, err
	}
	req := policy.Request{Purpose: a.Purpose, Categories: categories, Actor: actorOf(c), Justification: a.Justification,
		Approved: approved, Aggregate: a.Aggregate, Processor: a.Processor, Region: s.Region, At: v.now(), Subject: policy.SubjectState{Restricted: s.Restricted,
			RestrictedUntil: s.RestrictedUntil, Objected: s.Objected, Objections: s.Objections,
			BelowMinimumAge: s.BelowMinimumAge, StaffAccessAgreed: s.StaffAccessAgreed}}
	d := pol.Decide(&req)
	if !d.Reasons.Has(policy.ReasonConsentRequired) && !(d.Allowed && pol.GPCApplies(a.Purpose)) {
		return d, nil
	}
	st, err := v.store.ConsentState(ctx, s.TenantID, s.ID)
	if err != nil {
		return d, err
	}
	SubjectConsents(&req.Subject, st, pol.Version(), v.ConsentStaleness())
	return pol.Decide(&req), nil
}

// granted reports whether the access grant a staff read names covers it:
// approved by a privacy officer, for this staff member, subject and
// justification, and not expired. A grant of another tenant is not found;
// one that does not cover the read leaves the values masked
// (policy.ReasonApprovalRequired), it is not an error.
func (v *Vault) granted(ctx context.Context, c *steward.Caller, s *steward.Subject, a Access) (bool, error) {
	if a.Grant == "" || c.Kind != steward.ActorStaff {
		return false, nil
	}
	g, err := v.store.AccessGrant(ctx, c.TenantID, a.Grant)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return g.Covers(c.ID, s.ID, a.Justification, v.now()), nil
}

// SubjectConsents fills the consent part of a policy.SubjectState from a
// stored consent state: each current decision, a grant marked stale when it
// was given under another policy version and the staleness says its
// purpose changed since; and the GPC opt-out.
func SubjectConsents(dst *policy.SubjectState, st *steward.ConsentState, version string, stale steward.ConsentStaleness) {
	dst.GPCOptOut = st.GPC
	if len(st.Consents) == 0 {
		return
	}
	dst.Consents = make([]policy.Consent, len(st.Consents))
	for i, cr := range st.Consents {
		dst.Consents[i] = policy.Consent{Purpose: cr.Purpose, Processor: cr.Processor, Granted: cr.Granted,
			Stale: cr.Granted && cr.PolicyVersion != version && stale.ConsentStale(cr.PolicyVersion, cr.Purpose, cr.Processor)}
	}
}

// Undeclared is what the audit log records in place of a purpose or a
// category that neither the policy nor the standard taxonomy declares (a
// taxonomy key such as train_ai_system is a code): the caller's text may be a personal
// value sent by mistake, and the audit log is never erased. A reason
// "purpose_sha256:HEX" (the first 16 bytes of its SHA-256) lets an auditor
// correlate repeated attempts without the text.
const Undeclared = "undeclared"

// denied records a denial and returns the 403 error that explains it.
func (v *Vault) denied(ctx context.Context, c *steward.Caller, e steward.AuditEvent, d policy.Decision) error {
	e.Decision, e.Reasons = steward.DecisionDeny, append(e.Reasons, d.Codes()...)
	v.CodesOnly(&e, d)
	if _, err := v.record(ctx, c, e); err != nil {
		return err
	}
	return &steward.Error{Code: steward.EFORBIDDEN, Message: d.Sentence(), Reasons: d.Codes()}
}

// CodesOnly replaces in a denial's audit event the purpose and categories
// that the policy (and the taxonomy) does not declare by Undeclared, so
// that only codes enter the audit log.
func (v *Vault) CodesOnly(e *steward.AuditEvent, d policy.Decision) {
	if d.Reasons.Has(policy.ReasonPurposeNotDeclared) && !taxonomy.Has(taxonomy.Uses, e.Purpose) {
		sum := sha256.Sum256([]byte(e.Purpose))
		e.Purpose = Undeclared
		e.Reasons = append(e.Reasons, "purpose_sha256:"+hex.EncodeToString(sum[:16]))
	}
	if d.Reasons.Has(policy.ReasonCategoryNotDeclared) {
		pol := v.Policy()
		cats := make([]string, len(e.Categories))
		for i, k := range e.Categories {
			cats[i] = k
			if !pol.CategoryDeclared(k) && !taxonomy.Has(taxonomy.Categories, k) {
				cats[i] = Undeclared
			}
		}
		e.Categories = cats
	}
}

// checkAccess validates the purpose and justification of a read: a
// purpose is required; a justification must be a key of the policy's
// staff.justifications and only a signed-in staff member may invoke one
// (an application reading "for staff" is refused), so the audit log only
// ever holds justification codes. Errors never repeat the values.
func (v *Vault) checkAccess(c *steward.Caller, a Access) error {
	if a.Purpose == "" {
		return steward.Invalid("purpose", "every read must name a purpose (a data-use key such as essential.service)")
	}
	if len(a.Purpose) > 200 {
		return steward.Invalid("purpose", "is too long")
	}
	if a.Grant != "" && (a.Justification == "" || !steward.ValidID(a.Grant, steward.PrefixAccessGrant)) {
		return steward.Invalid("grant", "must be the id of an access grant (grant_...), given with its justification")
	}
	if a.Justification == "" {
		return nil
	}
	if c.Kind != steward.ActorStaff {
		return steward.Errorf(steward.EFORBIDDEN, "only a signed-in staff member can invoke a justification")
	}
	for _, j := range v.Policy().Justifications() {
		if j.Key == a.Justification {
			return nil
		}
	}
	return steward.Invalid("justification", "must be a key of the policy's staff.justifications")
}
