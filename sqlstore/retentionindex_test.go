package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/sqlstore"
)

// TestExpiryFollowsTheRetentionIndex: on SQLite the retention job's query
// reads records in the retention index's order, with no sort of every
// expired record for each batch (its order, retention_hour then
// updated_at, is the index's: migration 0077).
func TestExpiryFollowsTheRetentionIndex(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		if b.Name != "sqlite" {
			t.Skip("PostgreSQL's index holds the hour only (HOT updates); its plan depends on its statistics")
		}
		db := b.Open(t)
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
