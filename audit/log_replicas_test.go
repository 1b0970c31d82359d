package audit_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/internal/testdb"
)

// openReplicaLog opens a second log on the fixture's store, as another
// replica would: its own journal in dir, synced, taking what command-line
// tools accepted (Options.Accept).
func (f *fixture) openReplicaLog(tb testing.TB, dir string) *audit.Log {
	tb.Helper()
	signer, err := audit.OpenSigner(context.Background(), f.db, f.wrapper, f.clock.Now)
	if err != nil {
		tb.Fatal(err)
	}
	l, err := audit.Open(context.Background(), f.db, signer, audit.Options{Every: 10, Now: f.clock.Now,
		Journal: dir, JournalDelay: 10 * time.Millisecond, JournalSync: true, Accept: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

// TestJournaledReplicasTakeNoSharedLockOnAppend is the contention test of
// replicas: two servers' logs (each with its own journal) append while
// another transaction holds the tenant's chain head — the one row every
// replica's events meet. Every append returns while the row stays locked
// (an audited request waits on nothing another replica holds), nothing
// is chained meanwhile, and once the lock is released both journals reach
// the one chain, which verifies.
func TestJournaledReplicasTakeNoSharedLockOnAppend(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b.Open(t), 10)
		ctx := context.Background()
		if err := f.log.Append(ctx, f.event(0)); err != nil { // the head row exists
			t.Fatal(err)
		}
		f.log.Close()
		logs := []*audit.Log{f.openReplicaLog(t, filepath.Join(t.TempDir(), "a")), f.openReplicaLog(t, filepath.Join(t.TempDir(), "b"))}

		tx, err := f.db.Writer().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE audit_heads SET seq = seq WHERE tenant_id = $1`, f.tenant); err != nil {
			t.Fatal(err)
		}
		const callers, each = 8, 20
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i, l := range logs {
				appendConcurrently(t, l, callers, each, func(c, j int) *steward.AuditEvent { return f.event(1000*i + c*each + j) })
			}
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("appends waited for the locked chain head: a lock shared by replicas is on the request path")
		}
		for _, l := range logs {
			if written, synced := audit.JournalWrites(l); written != callers*each || synced != written {
				t.Fatalf("journal writes %d, synced %d; want %d, all synced before the appends returned", written, synced, callers*each)
			}
		}
		if n := f.storedEvents(t); n != 1 {
			t.Fatalf("the chain holds %d events while its head is locked, want 1", n)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		for _, l := range logs {
			if err := l.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
		r := f.verify(t, audit.VerifyOptions{})
		if !r.OK || r.Events != 1+2*callers*each {
			t.Fatalf("verify: %+v; want %d events", r, 1+2*callers*each)
		}
	})
}

// TestJournaledLogChainsWhatToolsAccepted: a server's journaled log with
// Options.Accept integrates the events a command-line tool's log accepted
// into the store (its sequencer), and a chained append comes after them.
func TestJournaledLogChainsWhatToolsAccepted(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		withAcceptMode(t, func() {
			f := newFixture(t, b.Open(t), 10)
			ctx := context.Background()
			for i := range 3 {
				if err := f.log.Append(ctx, f.event(i)); err != nil {
					t.Fatal(err)
				}
			}
			server := f.openReplicaLog(t, filepath.Join(t.TempDir(), "journal"))
			if !server.Accepting() {
				t.Fatal("the journaled log does not integrate accepted events: no sequencer would run")
			}
			if err := server.Append(ctx, f.event(3)); err != nil {
				t.Fatal(err)
			}
			e := f.event(4)
			if err := server.AppendChained(ctx, e); err != nil {
				t.Fatal(err)
			}
			if e.Seq != 5 {
				t.Fatalf("chained event seq %d, want 5: after the 3 accepted and the 1 journaled", e.Seq)
			}
			if n, err := f.db.AuditPending(ctx, f.tenant); err != nil || n != 0 {
				t.Fatalf("pending %d, %v; want 0", n, err)
			}
		})
	})
}

// TestJournalWithoutSyncLeavesWritesUnsynced: without Options.JournalSync
// appends do not wait for the disk (the check above is not vacuous).
func TestJournalWithoutSyncLeavesWritesUnsynced(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t), 10)
	l := f.openJournaled(t, filepath.Join(t.TempDir(), "journal"), time.Hour)
	for i := range 3 {
		if err := l.Append(context.Background(), f.event(i)); err != nil {
			t.Fatal(err)
		}
	}
	if written, synced := audit.JournalWrites(l); written != 3 || synced != 0 {
		t.Fatalf("journal writes %d, synced %d; want 3 and 0", written, synced)
	}
}
