package vault_test

import (
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/vault"
)

// staleFor marks consents to one purpose given under version "1" stale.
type staleFor string

func (p staleFor) ConsentStale(givenUnder, purpose, processor string) bool {
	return givenUnder == "1" && purpose == string(p)
}

func TestSubjectConsentsMarksStaleGrants(t *testing.T) {
	st := &steward.ConsentState{GPC: true, Consents: []*steward.ConsentRecord{
		{Purpose: "marketing", Granted: true, PolicyVersion: "1"},       // changed since: stale
		{Purpose: "analytics", Granted: true, PolicyVersion: "1"},       // unchanged purpose: kept
		{Purpose: "marketing.email", Granted: true, PolicyVersion: "2"}, // given under the current version
		{Purpose: "marketing", Processor: "mailer", PolicyVersion: "1"}, // a withdrawal is never stale
	}}
	var s policy.SubjectState
	vault.SubjectConsents(&s, st, "2", staleFor("marketing"))
	want := []policy.Consent{
		{Purpose: "marketing", Granted: true, Stale: true},
		{Purpose: "analytics", Granted: true},
		{Purpose: "marketing.email", Granted: true},
		{Purpose: "marketing", Processor: "mailer"},
	}
	if !s.GPCOptOut || len(s.Consents) != len(want) {
		t.Fatalf("state = %+v", s)
	}
	for i := range want {
		if s.Consents[i] != want[i] {
			t.Errorf("consent %d = %+v; want %+v", i, s.Consents[i], want[i])
		}
	}
}
