package policy

import (
	"slices"
	"testing"
)

func TestReasonCodes(t *testing.T) {
	want := []string{
		"actor_unknown", "categories_missing", "purpose_not_declared", "category_not_declared",
		"category_not_allowed", "prohibited", "consent_required", "consent_withdrawn", "consent_stale", "restricted",
		"objected", "gpc_opt_out", "below_minimum_age", "processor_not_allowed",
		"processor_purpose_not_allowed", "processor_category_not_allowed", "region_not_allowed",
		"aggregate_only", "justification_required", "agreement_missing", "human_access_not_allowed",
		"approval_required",
	}
	if got := ReasonCodes(); !slices.Equal(got, want) {
		t.Errorf("ReasonCodes = %v; want %v", got, want)
	}
	if got := (ReasonProhibited | ReasonRestricted).Codes(); !slices.Equal(got, []string{"prohibited", "restricted"}) {
		t.Errorf("Codes = %v", got)
	}
	if !(ReasonProhibited | ReasonRestricted).Has(ReasonProhibited) || ReasonRestricted.Has(ReasonProhibited|ReasonRestricted) {
		t.Error("Has is wrong")
	}
	for _, masking := range []Reasons{ReasonJustificationRequired, ReasonAgreementMissing, ReasonHumanAccessNotAllowed, ReasonApprovalRequired} {
		if masking&denying != 0 {
			t.Errorf("%v denies; it should only mask", masking.Codes())
		}
	}
	if ReasonRegionNotAllowed&denying == 0 {
		t.Error("region_not_allowed does not deny")
	}
}

func TestObligationNames(t *testing.T) {
	all := ObligeMask | ObligeAggregateOnly | ObligeDeleteAfterUse | ObligeRedactPII | ObligeNoTraining | ObligeUserVisibleOnly | ObligeReviewAge
	want := []string{"mask", "aggregate_only", "delete_after_use", "redact_pii_before_sending", "no_training", "user_visible_only", "review_age"}
	if got := all.Names(); !slices.Equal(got, want) {
		t.Errorf("Names = %v; want %v", got, want)
	}
	if Obligations(0).Names() != nil || !all.Has(ObligeMask|ObligeNoTraining) {
		t.Error("Names or Has is wrong")
	}
}

func TestActorString(t *testing.T) {
	for a, want := range map[Actor]string{ActorService: "service", ActorStaff: "staff", ActorSubject: "subject", 0: "unknown", 9: "unknown"} {
		if got := a.String(); got != want {
			t.Errorf("Actor(%d) = %q; want %q", a, got, want)
		}
	}
}
