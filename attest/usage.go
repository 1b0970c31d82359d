package attest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/policy"
)

// reads are the audit actions that use a subject's data.
var reads = []string{steward.ActionRecordRead, steward.ActionFileRead, steward.ActionDisclose}

// checkConsent: every read or disclosure allowed in the period under a
// purpose whose basis is consent had an effective consent at its time,
// from the audit log and the consent ledger.
func checkConsent(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "consent", Says: "data is used for consent-based purposes only with the person's consent"}
	// The ledger of an erased person is erased with them: their reads can
	// no longer be re-checked, and are counted apart.
	gone := map[string]bool{}
	if err := r.c.Store.ScanAudit(ctx, r.tenant, 0, func(e *steward.AuditEvent) error {
		if e.Action == steward.ActionSubjectErase && e.SubjectID != "" {
			gone[e.SubjectID] = true
		}
		return nil
	}); err != nil {
		return l, err
	}
	histories := map[string][]*steward.ConsentRecord{}
	checked, erased := 0, 0
	var bad []string
	err := r.c.Store.ScanAudit(ctx, r.tenant, 0, func(e *steward.AuditEvent) error {
		if e.Time.Before(r.since) || e.Decision != steward.DecisionAllow || e.SubjectID == "" || !slices.Contains(reads, e.Action) {
			return nil
		}
		if basis, ok := r.dec.PurposeBasis(e.Purpose); !ok || basis != policy.BasisConsent {
			return nil
		}
		h, ok := histories[e.SubjectID]
		if !ok {
			var err error
			if h, err = r.c.Store.ConsentHistory(ctx, r.tenant, e.SubjectID); err != nil {
				return err
			}
			histories[e.SubjectID] = h
		}
		if len(h) == 0 && gone[e.SubjectID] {
			erased++
			return nil
		}
		checked++
		if !consentedAt(r.dec, h, e) {
			bad = append(bad, "audit:"+strconv.FormatInt(e.Seq, 10))
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	l.Status, l.Broken, l.Breaking = verdict(len(bad)), len(bad), bad
	l.Evidence = fmt.Sprintf("%d reads and disclosures under consent purposes since %s checked against the consent ledger; %d without an effective consent at their time",
		checked, r.since.Format("2006-01-02"), len(bad))
	if erased > 0 {
		l.Evidence += fmt.Sprintf("; %d of erased people not checkable (their ledger is erased with them)", erased)
	}
	return l, nil
}

// consentedAt replays the subject's consent ledger up to the event's time
// and asks the Decider whether the consent was effective then.
func consentedAt(d *policy.Decider, history []*steward.ConsentRecord, e *steward.AuditEvent) bool {
	latest := map[[2]string]*steward.ConsentRecord{}
	for _, c := range history {
		if c.At.After(e.Time) {
			continue
		}
		k := [2]string{c.Purpose, c.Processor}
		if prev, ok := latest[k]; !ok || !c.At.Before(prev.At) {
			latest[k] = c
		}
	}
	var s policy.SubjectState
	for _, c := range latest {
		s.Consents = append(s.Consents, policy.Consent{Purpose: c.Purpose, Processor: c.Processor, Granted: c.Granted})
	}
	processor := strings.TrimPrefix(e.Target, "processor:")
	if e.Action != steward.ActionDisclose || !strings.HasPrefix(e.Target, "processor:") {
		processor = ""
	}
	return d.ConsentStatus(&s, e.Purpose, processor)&^policy.ReasonGPCOptOut == 0
}

// checkProcessors: every disclosure in the period was allowed by the
// policy version in force when it was made (processor declared, serving
// the purpose, allowed the categories, from the subject's region).
func checkProcessors(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "processors", Says: "data goes only to the declared sub-processors, only what each may receive"}
	versions := map[string]*policy.Decider{}
	n := 0
	var bad []string
	err := r.c.Store.ScanDisclosures(ctx, r.tenant, r.since, func(d *steward.Disclosure) error {
		n++
		dec, ok := versions[d.PolicyVersion]
		if !ok {
			v, err := r.c.Store.PolicyVersion(ctx, d.PolicyVersion)
			if err != nil {
				return err
			}
			if _, dec, err = policies.Compile("policy "+d.PolicyVersion, v.Source); err != nil {
				return err
			}
			versions[d.PolicyVersion] = dec
		}
		dd := dec.Decide(&policy.Request{Purpose: d.Purpose, Categories: d.Categories, Actor: policy.ActorService, Processor: d.Processor})
		if dd.Reasons&processorReasons != 0 {
			bad = append(bad, d.ID)
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	l.Status, l.Broken, l.Breaking = verdict(len(bad)), len(bad), bad
	l.Evidence = fmt.Sprintf("%d disclosures since %s checked against the policy version in force at each; %d not allowed by it", n, r.since.Format("2006-01-02"), len(bad))
	if n == 0 {
		l.Status = NotApplicable
		l.Evidence = "no disclosure to a processor in the period"
	}
	return l, nil
}

// processorReasons are the reasons that make a disclosure one the policy
// never allowed, whatever the person's choices.
const processorReasons = policy.ReasonProcessorNotAllowed | policy.ReasonProcessorPurposeNotAllowed | policy.ReasonProcessorCategoryNotAllowed |
	policy.ReasonPurposeNotDeclared | policy.ReasonCategoryNotAllowed | policy.ReasonProhibited

// checkStaffAccess: every read in clear by staff invoked a justification
// the policy accepts and, where the justification needs approval, named an
// access grant that a second person approved for that staff member and
// subject and that was in force at the time of the read.
func checkStaffAccess(ctx context.Context, r *run) (Line, error) {
	l := Line{Promise: "staff_access", Says: "no human reads personal data in clear without an accepted reason and, where required, a second person's approval"}
	accepted := map[string]bool{}
	approval := map[string]bool{}
	for _, j := range r.dec.Justifications() {
		accepted[j.Key] = true
		approval[j.Key] = j.Approval == policy.ApprovalRequired
	}
	n, masked := 0, 0
	var bad []string
	err := r.c.Store.ScanAudit(ctx, r.tenant, 0, func(e *steward.AuditEvent) error {
		if e.Time.Before(r.since) || e.Decision != steward.DecisionAllow || !strings.HasPrefix(e.Actor, string(steward.ActorStaff)+":") ||
			!slices.Contains(reads, e.Action) {
			return nil
		}
		n++
		if slices.ContainsFunc(e.Reasons, maskingReason) {
			masked++
			return nil
		}
		ok := accepted[e.Justification]
		if ok && approval[e.Justification] {
			var err error
			if ok, err = approvedGrant(ctx, r, e); err != nil {
				return err
			}
		}
		if !ok {
			bad = append(bad, "audit:"+strconv.FormatInt(e.Seq, 10))
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	l.Status, l.Broken, l.Breaking = verdict(len(bad)), len(bad), bad
	l.Evidence = fmt.Sprintf("%d staff reads since %s: %d masked, %d in clear with an accepted justification, %d in clear without one",
		n, r.since.Format("2006-01-02"), masked, n-masked-len(bad), len(bad))
	return l, nil
}

// approvedGrant reports whether the access grant a staff read names
// ("grant:ID" among its reasons) was approved by someone other than the
// requester, for the reader, subject and justification, and in force at
// the read's time.
func approvedGrant(ctx context.Context, r *run, e *steward.AuditEvent) (bool, error) {
	var id string
	for _, x := range e.Reasons {
		if g, ok := strings.CutPrefix(x, "grant:"); ok {
			id = g
		}
	}
	if id == "" {
		return false, nil
	}
	g, err := r.c.Store.AccessGrant(ctx, r.tenant, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return g.DecidedAt != nil && g.Status != steward.GrantRefused && g.DecidedBy != "" && g.DecidedBy != g.RequestedBy &&
		e.Actor == string(steward.ActorStaff)+":"+g.RequestedBy && e.SubjectID == g.SubjectID &&
		e.Justification == g.Justification && !e.Time.Before(*g.DecidedAt) && e.Time.Before(g.ExpiresAt), nil
}

func maskingReason(code string) bool {
	switch code {
	case "justification_required", "agreement_missing", "human_access_not_allowed", "approval_required":
		return true
	}
	return false
}
