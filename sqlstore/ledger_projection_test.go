package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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

// TestLedgerRecentRowsMerge: projected rows first land in the unindexed
// recent table and move into blocks (one per subject) once enough gathered;
// before, during and after the move, a subject's listing has every row
// once, newest first, also a row stored directly (with links) in between.
func TestLedgerRecentRowsMerge(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		tn := mustTenant(t, db, "Merged")
		subjects := []string{"sub_a", "sub_b", "sub_c"}
		event := func(i int) *steward.AuditEvent {
			d := &steward.Disclosure{ID: fmt.Sprintf("dsc_%05d", i), TenantID: tn.ID, SubjectID: subjects[i%len(subjects)],
				Processor: "quill-text", Purpose: "essential.service.generation", Categories: []string{"user.content.prompt"},
				Files: []string{}, PolicyVersion: "1", Retention: "not-retained", Obligations: []string{},
				At: t0.Add(time.Duration(i/7) * time.Millisecond)} // several rows share a time
			reasons, _ := d.LedgerReasons(nil)
			return &steward.AuditEvent{TenantID: tn.ID, Time: d.At, Actor: "api_key:key_1", Action: steward.ActionDisclose,
				SubjectID: d.SubjectID, Purpose: d.Purpose, Categories: d.Categories, Target: d.ID,
				Decision: steward.DecisionAllow, Reasons: reasons}
		}
		// A row stored with its links, not through an event, at the
		// time of the 301st projected row (sub_b's rows are every third).
		direct := &steward.Disclosure{ID: "dsc_direct", TenantID: tn.ID, SubjectID: "sub_b", Processor: "quill-text",
			Purpose: "essential.service.generation", Categories: []string{"user.content.prompt"}, Files: []string{"fil_1"},
			Obligations: []string{}, PolicyVersion: "1", Retention: "not-retained", At: t0.Add(301/7*time.Millisecond + 500*time.Microsecond)}
		check := func(upto int) {
			t.Helper()
			var all []string
			for i := upto - 1; i >= 0; i-- {
				if upto > 305 && i == 300 {
					all = append(all, direct.ID)
				}
				if i%len(subjects) == 1 {
					all = append(all, fmt.Sprintf("dsc_%05d", i))
				}
			}
			for _, limit := range []int{1, 7, 1000} {
				got, err := db.Disclosures(ctx, tn.ID, "sub_b", limit)
				if err != nil {
					t.Fatal(err)
				}
				want := all[:min(len(all), limit)]
				ids := make([]string, len(got))
				for i, d := range got {
					ids[i] = d.ID
				}
				if diff := cmp.Diff(want, ids); diff != "" {
					t.Fatalf("after %d disclosures, sub_b's ledger, limit %d (-want +got):\n%s", upto, limit, diff)
				}
			}
		}
		total := 0
		for j, batch := range []int{5, 300, 8000, 200, 4000, 4000, 50} { // crosses the merge threshold twice
			if j == 2 {
				if err := db.AddDisclosure(ctx, direct, nil); err != nil {
					t.Fatal(err)
				}
			}
			var events []*steward.AuditEvent
			for range batch {
				events = append(events, event(total))
				total++
			}
			if err := db.AppendAudit(ctx, events, chainSeal, nil); err != nil {
				t.Fatal(err)
			}
			check(total)
		}
		var recent int
		if err := db.Writer().QueryRowContext(ctx, `SELECT count(*) FROM disclosures_recent`).Scan(&recent); err != nil {
			t.Fatal(err)
		}
		if recent == 0 || recent >= total {
			t.Errorf("%d of %d rows are still recent; want the rows since the last merge only", recent, total)
		}
		// The moved rows are in one block per subject and move, not a row
		// each.
		var blocks int
		if err := db.Writer().QueryRowContext(ctx, `SELECT count(*) FROM disclosure_blocks`).Scan(&blocks); err != nil {
			t.Fatal(err)
		}
		if blocks != 2*len(subjects) {
			t.Errorf("%d ledger blocks after two moves of %d subjects' rows; want %d", blocks, len(subjects), 2*len(subjects))
		}
	})
}
