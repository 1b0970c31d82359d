package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/postgres"
	"github.com/steward-privacy/steward/sqlite"
	"github.com/steward-privacy/steward/sqlstore"
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
		f := &ledgerFixture{t: t, tenantID: tn.ID, subjects: []string{"sub_a", "sub_b", "sub_c"}}
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
				if i%len(f.subjects) == 1 {
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
				events = append(events, f.next())
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
		if blocks != 2*len(f.subjects) {
			t.Errorf("%d ledger blocks after two moves of %d subjects' rows; want %d", blocks, len(f.subjects), 2*len(f.subjects))
		}
	})
}

// ledgerFixture builds disclosure events for three subjects of a tenant
// and checks sub_b's listing against the events appended so far.
type ledgerFixture struct {
	t        *testing.T
	tenantID string
	subjects []string
	total    int // events built so far
}

func (f *ledgerFixture) next() *steward.AuditEvent {
	i := f.total
	f.total++
	d := &steward.Disclosure{ID: fmt.Sprintf("dsc_%05d", i), TenantID: f.tenantID, SubjectID: f.subjects[i%len(f.subjects)],
		Processor: "quill-text", Purpose: "essential.service.generation", Categories: []string{"user.content.prompt"},
		Files: []string{}, PolicyVersion: "1", Retention: "not-retained", Obligations: []string{},
		At: t0.Add(time.Duration(i/7) * time.Millisecond)} // several rows share a time
	reasons, _ := d.LedgerReasons(nil)
	return &steward.AuditEvent{TenantID: f.tenantID, Time: d.At, Actor: "api_key:key_1", Action: steward.ActionDisclose,
		SubjectID: d.SubjectID, Purpose: d.Purpose, Categories: d.Categories, Target: d.ID,
		Decision: steward.DecisionAllow, Reasons: reasons}
}

// append appends n disclosure events (and, every fifth, a read event
// that carries no row) in one call.
func (f *ledgerFixture) append(db *sqlstore.DB, n int) {
	f.t.Helper()
	var events []*steward.AuditEvent
	for i := range n {
		events = append(events, f.next())
		if i%5 == 0 {
			events = append(events, &steward.AuditEvent{TenantID: f.tenantID, Time: t0, Actor: "api_key:key_1",
				Action: steward.ActionRecordRead, SubjectID: "sub_b", Decision: steward.DecisionAllow})
		}
	}
	if err := db.AppendAudit(context.Background(), events, chainSeal, nil); err != nil {
		f.t.Fatal(err)
	}
}

// check lists sub_b with several limits: every row once, newest first.
func (f *ledgerFixture) check(db *sqlstore.DB, when string) {
	f.t.Helper()
	var all []string
	for i := f.total - 1; i >= 0; i-- {
		if i%len(f.subjects) == 1 {
			all = append(all, fmt.Sprintf("dsc_%05d", i))
		}
	}
	for _, limit := range []int{1, 7, 1000, 1 << 20} {
		got, err := db.Disclosures(context.Background(), f.tenantID, "sub_b", limit)
		if err != nil {
			f.t.Fatal(err)
		}
		want := all[:min(len(all), limit)]
		ids := make([]string, len(got))
		for i, d := range got {
			ids[i] = d.ID
		}
		if diff := cmp.Diff(want, ids); diff != "" {
			f.t.Fatalf("%s (%d disclosures), sub_b's ledger, limit %d (-want +got):\n%s", when, f.total, limit, diff)
		}
	}
}

// count returns a table's rows.
func count(t *testing.T, db *sqlstore.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Writer().QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// movedOnce fails the test when a disclosure id stands in more than one
// line of the ledger's blocks.
func movedOnce(t *testing.T, db *sqlstore.DB, when string) {
	t.Helper()
	rows, err := db.Writer().QueryContext(context.Background(), `SELECT tenant_id, ledger FROM disclosure_blocks`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var tenant, ledger string
		if err := rows.Scan(&tenant, &ledger); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(ledger, "\n") {
			id, _, _ := strings.Cut(line, "\t")
			id = tenant + "/" + id // the fixtures' ids repeat across tenants
			if seen[id] {
				t.Fatalf("%s: %s is in the ledger's blocks twice", when, id)
			}
			seen[id] = true
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestLedgerInMemory: with the recent tier in memory, no row is written per
// disclosure; rows move into blocks at each bound (rows of a tenant,
// events since its mark, rows in memory in all); a new process reads the
// rows after each mark back from the audit events, so a listing is the
// same before and after a restart, and rows an earlier process left in
// disclosures_recent are neither lost nor doubled.
func TestLedgerInMemory(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		sqlstore.SetLedgerBounds(t, 100, 1000, 250)
		ctx := context.Background()
		dsn := b.Database(t)
		open := func() *sqlstore.DB {
			var db *sqlstore.DB
			var err error
			if b.Name == "sqlite" {
				db, err = sqlite.Open(ctx, dsn)
			} else {
				db, err = postgres.Open(ctx, dsn)
			}
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
		db := open()
		tn := mustTenant(t, db, "Remembered")
		f := &ledgerFixture{t: t, tenantID: tn.ID, subjects: []string{"sub_a", "sub_b", "sub_c"}}
		f.append(db, 40) // without the memory tier: into disclosures_recent
		if n := count(t, db, "disclosures_recent"); n != 40 {
			t.Fatalf("%d rows in disclosures_recent; want 40", n)
		}
		// Marked as migration 0076 marks the tenants of an older database:
		// these rows' events are not after the mark, so they move into
		// blocks.
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO ledger_marks (tenant_id, seq) SELECT tenant_id, seq FROM audit_heads`); err != nil {
			t.Fatal(err)
		}
		if err := db.LedgerInMemory(ctx); err != nil {
			t.Fatal(err)
		}
		f.check(db, "after the table's rows moved")
		if n := count(t, db, "disclosures_recent"); n != 0 {
			t.Errorf("%d rows left in disclosures_recent once the tier is in memory", n)
		}
		blocks := count(t, db, "disclosure_blocks")
		if blocks != 3 {
			t.Errorf("%d blocks after the table's rows moved; want one per subject", blocks)
		}
		// A restart before any move, after a process without the tier
		// projected rows into the table: those rows follow the mark, so
		// they are held in memory and leave the table; the blocks are read
		// back from no event again.
		db.Close()
		db = open()
		f.append(db, 5)
		if err := db.LedgerInMemory(ctx); err != nil {
			t.Fatal(err)
		}
		f.check(db, "after a restart before any move")
		if n := count(t, db, "disclosures_recent"); n != 0 || count(t, db, "disclosure_blocks") != blocks {
			t.Errorf("%d rows left in disclosures_recent (want 0), %d blocks (want %d)", n, count(t, db, "disclosure_blocks"), blocks)
		}
		for _, n := range []int{1, 30, 93} { // the third reaches 100 rows (with the 5): one move
			f.append(db, n)
			f.check(db, "in memory")
		}
		if n := count(t, db, "disclosure_blocks"); n != blocks+3 || count(t, db, "disclosures_recent") != 0 {
			t.Errorf("%d blocks after a move of 3 subjects' rows; want %d", n, blocks+3)
		}
		movedOnce(t, db, "after the first move")
		f.append(db, 20)
		db.Close()

		// A restart reads the 20 rows after the mark back from the events.
		db = open()
		defer db.Close()
		if b.Name == "sqlite" { // a CLI command beside the server (PostgreSQL keeps the recent table)
			f.check(db, "after a restart, before the memory tier")
		}
		if err := db.LedgerInMemory(ctx); err != nil {
			t.Fatal(err)
		}
		f.check(db, "after a restart")
		blocks = count(t, db, "disclosure_blocks")
		f.append(db, 10)
		f.check(db, "after a restart, appended")

		// Many events without a row: past 1,000 since the mark, the
		// rows move, however few.
		var reads []*steward.AuditEvent
		for range 1000 {
			reads = append(reads, &steward.AuditEvent{TenantID: tn.ID, Time: t0, Actor: "api_key:key_1",
				Action: steward.ActionRecordRead, SubjectID: "sub_c", Decision: steward.DecisionAllow})
		}
		if err := db.AppendAudit(ctx, reads, chainSeal, nil); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "disclosure_blocks"); n != blocks+3 {
			t.Errorf("%d blocks after 1,000 events past the mark; want %d (the 30 held rows moved)", n, blocks+3)
		}
		f.check(db, "after the gap moved the rows")
		movedOnce(t, db, "after the gap moved the rows")

		// A second tenant's rows count towards the bound of 250 in all.
		other := &ledgerFixture{t: t, tenantID: mustTenant(t, db, "Other").ID, subjects: []string{"sub_x", "sub_b", "sub_y"}}
		f.append(db, 90)
		blocks = count(t, db, "disclosure_blocks")
		other.append(db, 99)
		other.append(db, 70) // 259 held: both tenants' rows move
		if n := count(t, db, "disclosure_blocks"); n != blocks+6 {
			t.Errorf("%d blocks after the memory bound; want %d (both tenants' three subjects)", n, blocks+6)
		}
		f.check(db, "after the memory bound")
		other.check(db, "after the memory bound")
		movedOnce(t, db, "after the memory bound")
		db.Close()
		db = open()
		if err := db.LedgerInMemory(ctx); err != nil {
			t.Fatal(err)
		}
		f.check(db, "after a second restart")
		other.check(db, "after a second restart")
	})
}
