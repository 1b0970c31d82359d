package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
)

// beginTx opens a transaction that takes its transaction id at once.
func beginTx(t *testing.T, db *sql.DB) *sql.Tx {
	t.Helper()
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback() })
	if _, err := tx.Exec(`SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	return tx
}

// insertEvent stores an event of tenant in tx, as a store would.
func insertEvent(t *testing.T, tx *sql.Tx, tenant string) *steward.Event {
	t.Helper()
	e, _ := steward.NewEvent(tenant, steward.EventConsentChanged, t0, nil)
	if err := tx.QueryRow(`INSERT INTO events (id, tenant_id, type, at, data) VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
		e.ID, tenant, e.Type, t0.UnixMicro(), "null").Scan(&e.Seq); err != nil {
		t.Fatal(err)
	}
	return e
}

func ids(events []*steward.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

// TestEventsOutOfOrderCommit forces, on PostgreSQL, the case that makes
// paging by seq lose events: transaction B takes its id first, then stores
// an event (the lower seq) while A, younger, stores one (the higher seq)
// and commits first. A reader must neither see A's event before B's while B
// runs nor, once it has A's event as its cursor, ever skip B's.
func TestEventsOutOfOrderCommit(t *testing.T) {
	db := testdb.Postgres(t)
	ctx := context.Background()
	tenant := mustTenant(t, db, "A").ID

	// B takes its transaction id, then C (younger); C stores an event
	// first, then B: B's txid is lower but its seq higher.
	txB := beginTx(t, db.Writer())
	txC := beginTx(t, db.Writer())
	evC := insertEvent(t, txC, tenant)
	evB := insertEvent(t, txB, tenant)
	if evC.Seq >= evB.Seq {
		t.Fatalf("set-up: C's seq %d should be lower than B's %d", evC.Seq, evB.Seq)
	}
	// An event stored and committed meanwhile, by a third transaction.
	late, _ := steward.NewEvent(tenant, steward.EventPolicyChanged, t0, nil)
	if err := db.AppendEvents(ctx, late); err != nil {
		t.Fatal(err)
	}
	// B commits while C still runs: B's event has the higher seq.
	if err := txB.Commit(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	page, err := db.Events(ctx, tenant, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	// B is older than C, so B's event is final: it may be handed out; the
	// late event (younger than C) must wait for C.
	if got := ids(page); !slices.Equal(got, []string{evB.ID}) {
		t.Fatalf("while C runs: %v; want only B's event %s (late %s, C %s)", got, evB.ID, late.ID, evC.ID)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("Events returned in %v: it should have waited for C up to its bound", waited)
	}
	cursor := page[0].Seq
	if evC.Seq > cursor {
		t.Fatal("set-up: C's event must have a lower seq than the cursor, or the test proves nothing")
	}
	// C commits late with the lower seq: paging by seq > cursor would skip
	// it; the outbox order hands it out next, then the late event.
	if err := txC.Commit(); err != nil {
		t.Fatal(err)
	}
	next, err := db.Events(ctx, tenant, cursor, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(next); !slices.Equal(got, []string{evC.ID, late.ID}) {
		t.Fatalf("after the cursor: %v; want C's event %s then the late %s", got, evC.ID, late.ID)
	}
	var naive int
	if err := db.Writer().QueryRow(`SELECT COUNT(*) FROM events WHERE tenant_id = $1 AND seq > $2`, tenant, cursor).Scan(&naive); err != nil {
		t.Fatal(err)
	}
	if naive != 1 {
		t.Fatalf("set-up: paging by seq would have found %d events after the cursor; the test needs it to miss C's", naive)
	}
}

// TestEventsBadCursor: a cursor that is not an event of the tenant is
// EINVALID naming "after", on every backend.
func TestEventsBadCursor(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		e, _ := steward.NewEvent(other.ID, steward.EventPolicyChanged, t0, nil)
		if err := db.AppendEvents(ctx, e); err != nil {
			t.Fatal(err)
		}
		for _, after := range []int64{e.Seq, -1, 1 << 40} {
			_, err := db.Events(ctx, a.ID, after, 10)
			var se *steward.Error
			if steward.ErrorCode(err) != steward.EINVALID || !errors.As(err, &se) || len(se.Fields) != 1 || se.Fields[0].Path != "after" {
				t.Errorf("Events(after=%d) = %v; want EINVALID naming after", after, err)
			}
		}
	})
}
