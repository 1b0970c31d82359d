package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestLedgerFromAuditEvents: an allowed disclosure whose audit event
// carries its ledger row is in the ledger exactly when the event is stored,
// with every field; events without the marker (a denial, another action,
// an allow without it) add nothing.
func TestLedgerFromAuditEvents(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		tn := mustTenant(t, db, "Ledgered")
		d := &steward.Disclosure{ID: "dsc_1", TenantID: tn.ID, SubjectID: "sub_1", Processor: "quill-text",
			Purpose: "essential.service.generation", Categories: []string{"user.content.prompt"}, Files: []string{},
			Text: true, PolicyVersion: "3", Retention: "not-retained", Obligations: []string{"no_training", "user_visible_only"}, At: t0}
		reasons, fits := d.LedgerReasons([]string{"consent_given"})
		if !fits {
			t.Fatal("a small disclosure does not fit its audit event")
		}
		carrying := &steward.AuditEvent{TenantID: tn.ID, Time: t0, Actor: "api_key:key_1", Action: steward.ActionDisclose,
			SubjectID: d.SubjectID, Purpose: d.Purpose, Categories: d.Categories, Target: d.ID,
			Decision: steward.DecisionAllow, Reasons: reasons}
		denied := *carrying
		denied.Decision, denied.Target = steward.DecisionDeny, "processor:quill-text"
		unmarked := *carrying
		unmarked.Target, unmarked.Reasons = "dsc_2", []string{"processor:quill-text"}
		other := *carrying
		other.Action, other.Target = steward.ActionRecordRead, "dsc_3"
		for _, e := range []*steward.AuditEvent{carrying, &denied, &unmarked, &other} {
			if err := e.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.AppendAudit(ctx, []*steward.AuditEvent{&denied, carrying, &unmarked, &other}, chainSeal, nil); err != nil {
			t.Fatal(err)
		}
		got, err := db.Disclosures(ctx, tn.ID, d.SubjectID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("ledger has %d rows; want only the one the allowed, marked event carries", len(got))
		}
		if diff := cmp.Diff(d, got[0]); diff != "" {
			t.Errorf("ledger row differs from the disclosure (-want +got):\n%s", diff)
		}
	})
}
