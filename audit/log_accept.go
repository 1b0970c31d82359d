package audit

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
)

// With Options.Accept (replicas on PostgreSQL), Append only accepts events:
// the appender commits each group of appends to the store's table of
// accepted events, which no replica locks, several groups in flight at
// once, and releases the callers. One sequencer per database (the replica
// holding the lease of the audit.sequencer loop, see jobs.Loop) integrates accepted events into the
// chains in large batches every few tens of milliseconds, under the
// tenants' head rows: the only rows every replica's events meet are written
// by that one transaction at a time, off the request path. AppendChained
// and Sync integrate on the caller's behalf (every accepted event first, so
// the order of appends is kept): they serve the rare callers that report a
// sequence number and the readers of the log (Events, Verify, Export).
//
// The order of the chain is the order of integration: a batch takes the
// accepted events committed when it starts, in acceptance (id) order, and
// removes them in the transaction that chains them. An event whose
// commit is still under way when a batch starts (an id lower than some it
// takes) is simply in a later batch: it is not skipped, since nothing is
// remembered but the rows still in the table. An event committed before
// another one was appended (so possibly seen by its caller) always has the
// lower id and is integrated first or in the same batch, so the chain never
// contradicts the order in which events were known.

// maxAcceptsInFlight bounds the groups of appends being committed at once:
// they take no shared lock, so a second group need not wait for the
// first's commit (on PostgreSQL most of an append's time is the WAL flush,
// which concurrent commits share).
const maxAcceptsInFlight = 4

// flushAccepted commits a batch to the accepted events, in the background
// (at most maxAcceptsInFlight at once), or, when a caller needs its event
// chained, integrates every accepted event and then the batch.
func (l *Log) flushAccepted(b *batch) {
	if b.chained {
		defer close(b.done)
		// Every batch accepted before this one is committed first.
		l.inflight.Wait()
		l.commit(b, l.chainAfterAccepted)
		if len(b.events) == 0 {
			b.err = l.storeOp(0, func(ctx context.Context) error {
				_, err := l.Integrate(ctx)
				return err
			})
		}
		return
	}
	l.slots <- struct{}{}
	l.inflight.Add(1)
	go func() {
		defer func() { <-l.slots; l.inflight.Done(); close(b.done) }()
		l.commit(b, l.accept)
	}()
}

// accept stores events as accepted, not yet chained.
func (l *Log) accept(events []*steward.AuditEvent) error {
	return l.storeOp(len(events), func(ctx context.Context) error { return l.accepting.AcceptAudit(ctx, events) })
}

// chainAfterAccepted integrates every accepted event, then chains events
// after them.
func (l *Log) chainAfterAccepted(events []*steward.AuditEvent) error {
	return l.storeOp(len(events), func(ctx context.Context) error {
		if _, err := l.Integrate(ctx); err != nil {
			return err
		}
		_, err := l.accepting.IntegrateAudit(ctx, l.opts.MaxBatch, l.seal, events)
		return err
	})
}

// Integrate chains accepted events into the store, oldest first, in
// transactions of at most Options.MaxBatch events, until it finds fewer
// than that; it returns how many it integrated. Several integrations may
// run at once (each event is integrated once), but one sequencer is
// cheapest: the audit.sequencer loop of steward serve (jobs.Loop). Without Options.Accept it does nothing.
func (l *Log) Integrate(ctx context.Context) (int, error) {
	ps := l.pendingStore()
	if ps == nil {
		return 0, nil
	}
	total := 0
	for {
		n, err := ps.IntegrateAudit(ctx, l.opts.MaxBatch, l.seal, nil)
		total += n
		if err != nil || n < l.opts.MaxBatch {
			return total, err
		}
	}
}

// prepare stamps e with the time if it has none and checks it.
func (l *Log) prepare(e *steward.AuditEvent) error {
	if e.Time.IsZero() {
		e.Time = l.opts.Now()
	}
	return e.Validate()
}

// Accepting reports whether the log's store takes accepted events
// (Options.Accept: this log's own, or, with a journal, those of other
// processes), which a sequencer then needs to Integrate periodically.
func (l *Log) Accepting() bool { return l.pendingStore() != nil }

// pendingStore is the store of accepted events Integrate chains, if any.
func (l *Log) pendingStore() steward.AuditPendingStore {
	if l.accepting != nil {
		return l.accepting
	}
	return l.others
}

// SequencerPeriod is how often the sequencer integrates accepted events
// (Options.JournalDelay, default 50ms).
func (l *Log) SequencerPeriod() time.Duration { return l.opts.JournalDelay }

// closeAccepting waits for the batches in flight and integrates what this
// process accepted, so that a command-line tool's events do not wait for a
// server's sequencer (a failure leaves them accepted, for the next
// sequencer).
func (l *Log) closeAccepting() {
	l.inflight.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := l.Integrate(ctx); err != nil {
		l.opts.Logger.Warn("audit: integrating accepted events at close failed; the next sequencer will", "error", err.Error())
	}
}
