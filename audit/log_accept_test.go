package audit_test

import (
	"context"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/internal/testdb"
)

// withAcceptMode runs fn with newFixture making accepting logs.
func withAcceptMode(t *testing.T, fn func()) {
	acceptMode = true
	t.Cleanup(func() { acceptMode = false })
	fn()
}

// TestAcceptedEventsWaitForTheSequencer: an accepting log's Append returns
// before the event is in the chain (no sequence number yet); verification
// of the store says how many are pending and how far the chain is
// integrated; Integrate chains them all, with their checkpoints.
func TestAcceptedEventsWaitForTheSequencer(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		withAcceptMode(t, func() {
			f := newFixture(t, b.Open(t), 10)
			ctx := context.Background()
			if !f.log.Accepting() {
				t.Fatal("the log does not accept events")
			}
			appendConcurrently(t, f.log, 5, 5, func(c, i int) *steward.AuditEvent {
				e := f.event(c*5 + i)
				return e
			})
			keys, err := audit.TrustedKeys(ctx, f.db, f.wrapper)
			if err != nil {
				t.Fatal(err)
			}
			r, err := audit.Verify(ctx, f.db, f.tenant, keys, audit.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK || r.LastSeq != 0 || r.Pending != 25 {
				t.Fatalf("before integration: %+v; want nothing integrated, 25 pending", r)
			}
			n, err := f.log.Integrate(ctx)
			if err != nil || n != 25 {
				t.Fatalf("integrated %d, %v; want 25", n, err)
			}
			r, err = audit.Verify(ctx, f.db, f.tenant, keys, audit.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK || r.LastSeq != 25 || r.Pending != 0 || r.LastCheckpoint == nil || r.LastCheckpoint.Seq != 20 {
				t.Fatalf("after integration: %+v; want 25 events, checkpoint at 20, none pending", r)
			}
		})
	})
}

// TestReadsThroughTheLogSeeAcceptedEvents: a read of the log right after
// an append (Events, Verify) sees the event: the log integrates first.
// AppendChained returns with the sequence number, after the events
// accepted before it.
func TestReadsThroughTheLogSeeAcceptedEvents(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		withAcceptMode(t, func() {
			f := newFixture(t, b.Open(t), 10)
			ctx := context.Background()
			f.appendN(t, 3)
			events, err := f.log.Events(ctx, steward.AuditFilter{TenantID: f.tenant})
			if err != nil || len(events) != 3 || events[0].Seq != 3 {
				t.Fatalf("events right after the appends: %d, %v", len(events), err)
			}
			f.appendN(t, 2)
			e := f.event(99)
			if err := f.log.AppendChained(ctx, e); err != nil {
				t.Fatal(err)
			}
			if e.Seq != 6 {
				t.Fatalf("chained event has seq %d; want 6 (after the 5 accepted before it)", e.Seq)
			}
			if r := f.verify(t, audit.VerifyOptions{}); !r.OK || r.Events != 6 || r.Pending != 0 {
				t.Fatalf("report: %+v", r)
			}
		})
	})
}

// TestOneBadTenantFailsAloneWhenAccepting: as TestOneBadTenantFailsAlone,
// with events accepted for a sequencer.
func TestOneBadTenantFailsAloneWhenAccepting(t *testing.T) {
	withAcceptMode(t, func() { TestOneBadTenantFailsAlone(t) })
}

// TestTamperingAcceptedEvents: every tampering case is detected on chains
// built by the sequencer from accepted events too.
func TestTamperingAcceptedEvents(t *testing.T) {
	withAcceptMode(t, func() { TestTampering(t) })
}
