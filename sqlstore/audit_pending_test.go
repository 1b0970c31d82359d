package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/postgres"
)

// pendingChain reads a tenant's chain: request ids in sequence order, and
// whether the sequence numbers run 1, 2, 3, ... without a gap.
func pendingChain(t *testing.T, db interface {
	ScanAudit(context.Context, string, int64, func(*steward.AuditEvent) error) error
}, tenant string) ([]string, bool) {
	t.Helper()
	var ids []string
	contiguous := true
	err := db.ScanAudit(context.Background(), tenant, 0, func(e *steward.AuditEvent) error {
		ids = append(ids, e.RequestID)
		contiguous = contiguous && e.Seq == int64(len(ids))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, contiguous
}

// TestAuditAcceptThenIntegrate: accepted events are stored without a chain
// position, counted as pending, and integrated in acceptance order,
// limit at a time; events chained directly come after them.
func TestAuditAcceptThenIntegrate(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		evA, evB := auditEvents(a.ID, 10), auditEvents(other.ID, 3)
		// 3 events (one statement), then 7 mixed with B's (one statement of
		// 10 rows), then nothing chained yet.
		if err := db.AcceptAudit(ctx, evA[:3]); err != nil {
			t.Fatal(err)
		}
		if err := db.AcceptAudit(ctx, append(slices.Clone(evA[3:]), evB...)); err != nil {
			t.Fatal(err)
		}
		if n, err := db.AuditPending(ctx, a.ID); err != nil || n != 10 {
			t.Fatalf("pending %d, %v; want 10", n, err)
		}
		if h, _ := db.AuditHead(ctx, a.ID); h.Seq != 0 {
			t.Fatalf("head %d before integration", h.Seq)
		}
		n, err := db.IntegrateAudit(ctx, 4, chainSeal, nil)
		if err != nil || n != 4 {
			t.Fatalf("integrated %d, %v; want 4", n, err)
		}
		if n, err = db.IntegrateAudit(ctx, 100, chainSeal, nil); err != nil || n != 9 {
			t.Fatalf("integrated %d, %v; want 9", n, err)
		}
		ids, ok := pendingChain(t, db, a.ID)
		want := []string{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"}
		if !ok || !slices.Equal(ids, want) {
			t.Fatalf("chain %v (contiguous %v); want %v", ids, ok, want)
		}
		if n, _ := db.AuditPending(ctx, a.ID); n != 0 {
			t.Fatalf("%d still pending", n)
		}
		// Fields survive the trip through audit_pending.
		got, err := db.AuditEvents(ctx, steward.AuditFilter{TenantID: a.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		e := got[len(got)-1] // the oldest
		if e.Seq != 1 || !e.Time.Equal(evA[0].Time) || !slices.Equal(e.Categories, evA[0].Categories) ||
			!slices.Equal(e.Reasons, evA[0].Reasons) || e.Purpose != evA[0].Purpose || e.Actor != evA[0].Actor {
			t.Fatalf("event 1 = %+v; want the fields of %+v", e, evA[0])
		}
		if h, _ := db.AuditHead(ctx, a.ID); h.Seq != 10 || h.CheckpointSeq != 10 {
			t.Fatalf("head %+v; want seq 10, checkpoint 10", h)
		}
		// A directly chained event comes after the events accepted before it.
		late := auditEvents(a.ID, 13)[10:]
		if err := db.AcceptAudit(ctx, late[:2]); err != nil {
			t.Fatal(err)
		}
		if n, err := db.IntegrateAudit(ctx, 100, chainSeal, late[2:]); err != nil || n != 2 {
			t.Fatalf("integrated %d, %v", n, err)
		}
		if late[2].Seq != 13 {
			t.Fatalf("the chained event got seq %d; want 13", late[2].Seq)
		}
	})
}

// TestAuditAcceptRefusesUnknownTenant: the sequencer could not chain an
// event of a tenant that does not exist, so it is refused when accepted.
func TestAuditAcceptRefusesUnknownTenant(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		err := db.AcceptAudit(context.Background(), auditEvents("ten_nobody", 2))
		if steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("accepting an unknown tenant's event: %v; want ENOTFOUND", err)
		}
	})
}

// TestAuditPendingIsAppendOnly: an accepted event cannot be changed before
// it is integrated.
func TestAuditPendingIsAppendOnly(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		a := mustTenant(t, db, "A")
		if err := db.AcceptAudit(context.Background(), auditEvents(a.ID, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Writer().Exec(`UPDATE audit_pending SET action = 'record.delete'`); err == nil {
			t.Fatal("an accepted event was changed")
		}
	})
}

// TestRacingIntegrationsTakeEachEventOnce: integrations running at once
// (a sequencer whose lease moved while it stalled, readers integrating
// before they read) while events keep being accepted never chain an event
// twice or lose one, and the chain has no gap.
func TestRacingIntegrationsTakeEachEventOnce(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a := mustTenant(t, db, "A")
		const writers, each = 8, 40
		var wg sync.WaitGroup
		done := make(chan struct{})
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					e := auditEvents(a.ID, 1)[0]
					e.RequestID = fmt.Sprintf("w%d-%d", w, i)
					if err := db.AcceptAudit(ctx, []*steward.AuditEvent{e}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		var integrators sync.WaitGroup
		for range 3 {
			integrators.Go(func() {
				for {
					if _, err := db.IntegrateAudit(ctx, 16, chainSeal, nil); err != nil {
						t.Error(err)
						return
					}
					select {
					case <-done:
						return
					default:
					}
				}
			})
		}
		wg.Wait()
		close(done)
		integrators.Wait()
		if _, err := db.IntegrateAudit(ctx, writers*each, chainSeal, nil); err != nil {
			t.Fatal(err)
		}
		ids, ok := pendingChain(t, db, a.ID)
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("event %s chained twice", id)
			}
			seen[id] = true
		}
		if !ok || len(ids) != writers*each {
			t.Fatalf("%d events chained (contiguous %v); want %d", len(ids), ok, writers*each)
		}
	})
}

// TestAcceptTakesNoLockSharedByReplicas: while another replica holds the
// tenant's chain head row locked (a sequencer mid-transaction), a replica
// still accepts audited events at once; appending straight into the chain,
// as every request did before, waits for that lock.
func TestAcceptTakesNoLockSharedByReplicas(t *testing.T) {
	dsn := testdb.PostgresDSN(t)
	ctx := context.Background()
	open := func() interface {
		AcceptAudit(context.Context, []*steward.AuditEvent) error
	} {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	seqr, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer seqr.Close()
	tn := mustTenant(t, seqr, "A")
	if err := seqr.AppendAudit(ctx, auditEvents(tn.ID, 1), chainSeal, nil); err != nil {
		t.Fatal(err)
	}
	tx, err := seqr.Writer().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT seq FROM audit_heads WHERE tenant_id = $1 FOR UPDATE`, tn.ID); err != nil {
		t.Fatal(err)
	}
	replica := open()
	for i := range 20 {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := replica.AcceptAudit(c, auditEvents(tn.ID, 1+i%5))
		cancel()
		if err != nil {
			t.Fatalf("accept %d while the head is locked: %v", i, err)
		}
	}
	// The check has teeth: the chained append of before waits for the lock.
	other, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := other.AppendAudit(c, auditEvents(tn.ID, 1), chainSeal, nil); err == nil {
		t.Fatal("a chained append went through a locked head")
	}
}
