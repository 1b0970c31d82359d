package policy

import (
	"strings"
)

// Decision is the answer to a Request. Allowed says whether the data may be
// used; Reasons says why not (or, for staff, why values are masked);
// Obligations are conditions the caller must apply when Allowed. The string
// fields point into the policy or the request: building a Decision never
// allocates.
type Decision struct {
	Allowed     bool
	Reasons     Reasons
	Obligations Obligations
	// Purpose is the declared purpose the request matched, or the requested
	// purpose when none matched.
	Purpose string
	// Category is the first requested category a category reason is about.
	Category string
	// Processor is the requested processor, when a processor reason applies.
	Processor string
	// Prohibition is the description of the prohibition that denied the
	// request, when ReasonProhibited is set.
	Prohibition string
}

// Reasons is a set of reason codes. Every reason but the three staff reasons
// (JustificationRequired, AgreementMissing, HumanAccessNotAllowed) denies the
// request; those three only mask values.
type Reasons uint32

// Reason codes.
const (
	ReasonActorUnknown                Reasons = 1 << iota // no valid actor
	ReasonCategoriesMissing                               // the request names no category
	ReasonPurposeNotDeclared                              // no declared purpose covers the requested one
	ReasonCategoryNotDeclared                             // a category is not declared in the policy
	ReasonCategoryNotAllowed                              // the purpose may not use a category
	ReasonProhibited                                      // a prohibition forbids it; no grant overrides this
	ReasonConsentRequired                                 // a consent-based purpose without a current grant
	ReasonConsentWithdrawn                                // the subject withdrew consent
	ReasonConsentStale                                    // the consent was given under a policy version whose purpose changed since
	ReasonRestricted                                      // the subject restricted processing
	ReasonObjected                                        // the subject objected to processing
	ReasonGPCOptOut                                       // a GPC signal opts out of this use
	ReasonBelowMinimumAge                                 // the subject is below the minimum age
	ReasonProcessorNotAllowed                             // the processor is not declared
	ReasonProcessorPurposeNotAllowed                      // the processor does not serve this purpose
	ReasonProcessorCategoryNotAllowed                     // the processor may not receive a category
	ReasonRegionNotAllowed                                // the region is not allowed (storage or transfer)
	ReasonAggregateOnly                                   // the purpose uses aggregated data only, not one subject's values
	ReasonJustificationRequired                           // staff without an accepted justification: masked
	ReasonAgreementMissing                                // subject-agreement invoked without the agreement: masked
	ReasonHumanAccessNotAllowed                           // the purpose allows no human access: masked
	ReasonApprovalRequired                                // the justification needs an approved access grant: masked
)

// denying is the set of reasons that deny a request.
const denying = ReasonJustificationRequired - 1

var reasonTable = []struct {
	r      Reasons
	code   string
	phrase string // %p purpose, %c category, %r processor, %x prohibition
}{
	{ReasonActorUnknown, "actor_unknown", "the request names no valid actor"},
	{ReasonCategoriesMissing, "categories_missing", "the request names no data category"},
	{ReasonPurposeNotDeclared, "purpose_not_declared", "purpose %p is not declared in the policy"},
	{ReasonCategoryNotDeclared, "category_not_declared", "category %c is not declared in the policy"},
	{ReasonCategoryNotAllowed, "category_not_allowed", "purpose %p may not use %c"},
	{ReasonProhibited, "prohibited", "the policy prohibits this: %x"},
	{ReasonConsentRequired, "consent_required", "purpose %p needs the person's consent, which is not on record"},
	{ReasonConsentWithdrawn, "consent_withdrawn", "the person withdrew consent for %p"},
	{ReasonConsentStale, "consent_stale", "the person consented to %p under an earlier policy that changed since, and must consent again"},
	{ReasonRestricted, "restricted", "the person restricted processing, and %p is not essential"},
	{ReasonObjected, "objected", "the person objected to processing, and %p is not essential"},
	{ReasonGPCOptOut, "gpc_opt_out", "the person opted out with Global Privacy Control"},
	{ReasonBelowMinimumAge, "below_minimum_age", "the person is below the minimum age"},
	{ReasonProcessorNotAllowed, "processor_not_allowed", "processor %r is not declared in the policy"},
	{ReasonProcessorPurposeNotAllowed, "processor_purpose_not_allowed", "processor %r does not serve %p"},
	{ReasonProcessorCategoryNotAllowed, "processor_category_not_allowed", "processor %r may not receive %c"},
	{ReasonRegionNotAllowed, "region_not_allowed", "the data's region is not allowed here"},
	{ReasonAggregateOnly, "aggregate_only", "purpose %p uses only aggregated or de-identified data, never one person's values"},
	{ReasonJustificationRequired, "justification_required", "staff need an accepted justification to see values"},
	{ReasonAgreementMissing, "agreement_missing", "the person has not agreed to staff access"},
	{ReasonHumanAccessNotAllowed, "human_access_not_allowed", "no human may see data used for %p"},
	{ReasonApprovalRequired, "approval_required", "the justification needs an access grant a privacy officer approved"},
}

// Has reports whether every reason in r is set.
func (rs Reasons) Has(r Reasons) bool { return rs&r == r }

// Codes returns the machine-readable codes of the set, in a fixed order,
// such as ["category_not_allowed", "consent_required"].
func (rs Reasons) Codes() []string {
	var out []string
	for _, e := range reasonTable {
		if rs&e.r != 0 {
			out = append(out, e.code)
		}
	}
	return out
}

// ReasonCodes lists every reason code in order, for documentation and API
// schemas.
func ReasonCodes() []string { return (^Reasons(0)).Codes() }

// Obligations is a set of conditions attached to an allowed decision.
type Obligations uint16

// Obligations.
const (
	ObligeMask            Obligations = 1 << iota // show staff masked values only
	ObligeAggregateOnly                           // use only aggregated or de-identified data
	ObligeDeleteAfterUse                          // an ephemeral category: delete right after use
	ObligeRedactPII                               // redact personal data before sending or using
	ObligeNoTraining                              // the processor may not train on the data: say so in the call
	ObligeUserVisibleOnly                         // use only for a feature the person sees
	ObligeReviewAge                               // below the minimum age, flagged for review
)

var obligationTable = []struct {
	o      Obligations
	name   string
	phrase string
}{
	{ObligeMask, "mask", "values must be masked"},
	{ObligeAggregateOnly, "aggregate_only", "only aggregated or de-identified data may be used"},
	{ObligeDeleteAfterUse, "delete_after_use", "the data must be deleted right after use"},
	{ObligeRedactPII, "redact_pii_before_sending", "personal data must be redacted first"},
	{ObligeNoTraining, "no_training", "the processor may not train on the data"},
	{ObligeUserVisibleOnly, "user_visible_only", "the result may only serve a feature the person sees"},
	{ObligeReviewAge, "review_age", "the person is below the minimum age and must be reviewed"},
}

// Has reports whether every obligation in o is set.
func (ob Obligations) Has(o Obligations) bool { return ob&o == o }

// Names returns the names of the obligations in a fixed order, such as
// ["mask", "delete_after_use"].
func (ob Obligations) Names() []string {
	var out []string
	for _, e := range obligationTable {
		if ob&e.o != 0 {
			out = append(out, e.name)
		}
	}
	return out
}

// Codes returns the decision's reason codes.
func (d Decision) Codes() []string { return d.Reasons.Codes() }

// Sentence explains the decision in one sentence for a person, e.g.
// "Denied: purpose marketing may not use user.contact.phone_number."
func (d Decision) Sentence() string {
	var parts []string
	for _, e := range reasonTable {
		if d.Reasons&e.r != 0 && (e.r&denying != 0) != d.Allowed {
			parts = append(parts, d.fill(e.phrase))
		}
	}
	if !d.Allowed {
		return "Denied: " + strings.Join(parts, "; ") + "."
	}
	s := "Allowed for " + d.Purpose
	var conds []string
	for _, e := range obligationTable {
		if d.Obligations&e.o != 0 {
			conds = append(conds, e.phrase)
		}
	}
	if len(conds) > 0 {
		s += ", with conditions: " + strings.Join(conds, "; ")
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s + "."
}

// fill puts the decision's purpose, category, processor and prohibition
// into a phrase. A purpose, category or processor the policy does not
// declare is the caller's own text (possibly a personal value sent by
// mistake): it is never repeated, only described.
func (d Decision) fill(phrase string) string {
	x := strings.TrimRight(d.Prohibition, ".")
	p, c, r := "purpose "+d.Purpose, "category "+d.Category, "processor "+d.Processor
	if d.Reasons&ReasonPurposeNotDeclared != 0 {
		p = "the purpose given"
	}
	if d.Reasons&ReasonCategoryNotDeclared != 0 {
		c = "a category given"
	}
	if d.Reasons&ReasonProcessorNotAllowed != 0 {
		r = "the processor given"
	}
	return strings.NewReplacer("purpose %p", p, "category %c", c, "processor %r", r,
		"%p", strings.TrimPrefix(p, "purpose "), "%c", strings.TrimPrefix(c, "category "), "%r", strings.TrimPrefix(r, "processor "), "%x", x).Replace(phrase)
}
