package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/sqlstore"
)

// TestExpiryFollowsTheRetentionIndex: on SQLite the retention job's query
// reads records in the retention index's order, with no sort of every
// expired record for each batch (its order, retention_hour then
// updated_at, is the index's: migration 0077).
func TestExpiryFollowsTheRetentionIndex(t *testing.T) {
	onBackend(t, "sqlite", "PostgreSQL's index holds the hour only (HOT updates); its plan depends on its statistics", func(t *testing.T, db *sqlstore.DB) {
		rows, err := db.Writer().QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+sqlstore.ExpireRecordsSQL, "c", 1, 2, 3, 10)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan strings.Builder
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(detail + "\n")
		}
		if p := plan.String(); !strings.Contains(p, "records_retention") || strings.Contains(p, "TEMP B-TREE FOR ORDER BY") {
			t.Fatalf("the expiry query does not follow the retention index:\n%s", p)
		}
	})
}

// TestRetentionCutOffWithinAnHour: the retention queries narrow by the hour
// of the last write (retention_hour <= the cut-off's hour) and then by the
// time, so within the cut-off's own hour a record written a minute before
// it has expired and one written at it or after has not — for the
// retention job, its count of held records and the attestation's list.
func TestRetentionCutOffWithinAnHour(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		const cat = "user.content.prompt"
		hour := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		cut := hour.Add(30 * time.Minute)
		put := func(tenant, ext string, at time.Time) string {
			s := mustSubject(t, db, tenant, ext, nil)
			if err := db.PutRecord(ctx, &steward.Record{TenantID: tenant, SubjectID: s.ID, Category: cat, Sealed: []byte("v"), UpdatedAt: at}); err != nil {
				t.Fatal(err)
			}
			return s.ID
		}
		a, held := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		before := put(a.ID, "before", cut.Add(-time.Minute))
		put(a.ID, "at", cut)
		put(a.ID, "after", cut.Add(time.Minute))
		earlier := put(a.ID, "earlier", hour.Add(-time.Minute)) // the hour before
		put(held.ID, "held", cut.Add(-time.Minute))
		if err := db.CreateHold(ctx, &steward.Hold{TenantID: held.ID, Category: cat, ReasonSealed: []byte("sealed"), CreatedBy: "api_key:k", CreatedAt: hour}); err != nil {
			t.Fatal(err)
		}
		older, err := db.RecordsOlderThan(ctx, a.ID, cat, cut, 10)
		if err != nil || !slices.Equal(older, []string{earlier, before}) {
			t.Fatalf("records older than the cut-off: %v, %v; want %v, oldest first", older, err, []string{earlier, before})
		}
		if n, err := db.HeldExpired(ctx, cat, cut, cut); err != nil || n != 1 {
			t.Fatalf("held expired records: %d, %v; want 1", n, err)
		}
		gone, err := db.ExpireRecords(ctx, cat, cut, cut, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range gone {
			ids = append(ids, r.SubjectID)
		}
		if !slices.Equal(ids, []string{earlier, before}) {
			t.Fatalf("expired %v; want %v, oldest first", ids, []string{earlier, before})
		}
	})
}
