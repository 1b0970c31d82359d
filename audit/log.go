package audit

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
)

// Options tunes a Log.
type Options struct {
	// Every is the checkpoint interval in events: the event that completes a
	// run of Every events since the last checkpoint gets one, in the same
	// transaction. Default 1000.
	Every int64
	// MaxBatch bounds how many queued appends share one transaction.
	// Default 4096.
	MaxBatch int
	// Now is the clock. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultEvery is the default checkpoint interval in events.
const DefaultEvery = 1000

// Log is the audit log: it appends events with group commit, checkpoints the
// chains and verifies them. It implements steward.AuditLog.
type Log struct {
	store  steward.AuditStore
	signer *Signer
	opts   Options

	mu     sync.Mutex
	cur    *batch        // the batch Append adds to; the appender swaps it out
	wake   chan struct{} // (capacity 1) tells the appender cur is not empty
	closed bool
	done   chan struct{} // closed when the appender has stopped
}

var _ steward.AuditLog = (*Log)(nil)

// batch is a group of appends committed together. Its callers wait on done;
// err is the outcome for all of them, or per tenant when the batch had to be
// split (see commit).
type batch struct {
	events []*steward.AuditEvent
	done   chan struct{}
	err    error
	errs   map[string]error
}

func newBatch(capacity int) *batch {
	return &batch{events: make([]*steward.AuditEvent, 0, capacity), done: make(chan struct{})}
}

// New returns a Log writing to store and signing checkpoints with signer,
// and starts its appender. Close stops it.
func New(store steward.AuditStore, signer *Signer, o Options) *Log {
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 4096
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Log{store: store, signer: signer, opts: o, cur: newBatch(64), wake: make(chan struct{}, 1),
		done: make(chan struct{})}
	go l.run()
	return l
}

// Append validates e, fills in its time (if zero), sequence number and
// hashes, and returns once it is committed. Concurrent appends are batched
// into one transaction. If ctx ends first, Append returns its error and the
// event may or may not be stored.
func (l *Log) Append(ctx context.Context, e *steward.AuditEvent) error {
	if e.Time.IsZero() {
		e.Time = l.opts.Now()
	}
	if err := e.Validate(); err != nil {
		return err
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return steward.Errorf(steward.EUNAVAILABLE, "the audit log is closed")
	}
	b := l.cur
	b.events = append(b.events, e)
	select { // under mu, so that Close cannot close wake in between
	case l.wake <- struct{}{}:
	default: // the appender is already told
	}
	l.mu.Unlock()
	select {
	case <-b.done:
		if err, ok := b.errs[e.TenantID]; ok {
			return err
		}
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting events, commits those queued and stops the appender.
func (l *Log) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.wake)
	}
	l.mu.Unlock()
	<-l.done
	return nil
}

// run is the appender: each time it is woken it takes the current batch
// (every append queued since the last commit), commits it in one
// transaction and releases its callers; appends that arrive meanwhile form
// the next batch. Batches are bounded by the number of concurrent callers,
// each of which waits for its own event; MaxBatch bounds one transaction.
func (l *Log) run() {
	defer close(l.done)
	for range l.wake {
		// Let appenders that are runnable (typically the callers just
		// released by the previous commit) queue their next events first:
		// it costs nothing when idle and makes batches far larger.
		l.settle()
		l.flush()
	}
	l.flush() // what was appended before Close
}

// settle yields to runnable appenders until the current batch stops growing
// (a few rounds at most).
func (l *Log) settle() {
	n := -1
	for range 4 {
		l.mu.Lock()
		m := len(l.cur.events)
		l.mu.Unlock()
		if m == n {
			return
		}
		n = m
		runtime.Gosched()
	}
}

// flush commits the current batch, if it holds anything.
func (l *Log) flush() {
	l.mu.Lock()
	b := l.cur
	if len(b.events) == 0 {
		l.mu.Unlock()
		return
	}
	l.cur = newBatch(cap(b.events))
	l.mu.Unlock()
	l.commit(b)
	close(b.done)
}

// commit writes a batch, at most MaxBatch events per transaction. If a
// transaction fails and holds several tenants, each tenant's events are
// retried alone, so that one bad event (say, of a tenant that does not
// exist) fails only its own tenant.
func (l *Log) commit(b *batch) {
	for start := 0; start < len(b.events); start += l.opts.MaxBatch {
		part := b.events[start:min(start+l.opts.MaxBatch, len(b.events))]
		err := l.write(part)
		if err == nil {
			continue
		}
		if !mixedTenants(part) {
			b.setErr(part[0].TenantID, err)
			continue
		}
		byTenant := map[string][]*steward.AuditEvent{}
		for _, e := range part {
			byTenant[e.TenantID] = append(byTenant[e.TenantID], e)
		}
		for t, es := range byTenant {
			if err := l.write(es); err != nil {
				b.setErr(t, err)
			}
		}
	}
}

// setErr records a failure for one tenant's appends.
func (b *batch) setErr(tenantID string, err error) {
	if b.errs == nil {
		b.errs = map[string]error{}
	}
	b.errs[tenantID] = err
}

func (l *Log) write(events []*steward.AuditEvent) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := l.store.AppendAudit(ctx, events, l.seal)
	if err != nil {
		l.opts.Logger.Error("audit append failed", "events", len(events), "error", err.Error())
		if code := steward.ErrorCode(err); code == steward.EINTERNAL || errors.Is(err, context.DeadlineExceeded) {
			err = &steward.Error{Code: steward.EUNAVAILABLE, Message: "the audit log could not be written", Cause: err}
		}
	}
	return err
}

func mixedTenants(events []*steward.AuditEvent) bool {
	for _, e := range events[1:] {
		if e.TenantID != events[0].TenantID {
			return true
		}
	}
	return false
}

// seal chains one tenant's events onto its head and makes a checkpoint each
// time a run of Every events since the last one is complete.
func (l *Log) seal(head steward.AuditHead, events []*steward.AuditEvent) ([]*steward.AuditCheckpoint, error) {
	h := newHasher()
	hashes := make([]byte, 0, len(events)*HashSize)
	prev, seq, cpSeq := head.Hash, head.Seq, head.CheckpointSeq
	var cps []*steward.AuditCheckpoint
	for _, e := range events {
		seq++
		e.Seq, e.PrevHash = seq, prev
		start := len(hashes)
		hashes = h.sum(hashes, prev, e)
		e.Hash = hashes[start:len(hashes):len(hashes)]
		prev = e.Hash
		if seq-cpSeq >= l.opts.Every {
			cps = append(cps, l.checkpoint(e.TenantID, seq, e.Hash))
			cpSeq = seq
		}
	}
	return cps, nil
}

// checkpoint makes a signed checkpoint of a chain at seq.
func (l *Log) checkpoint(tenantID string, seq int64, hash []byte) *steward.AuditCheckpoint {
	cp := &steward.AuditCheckpoint{TenantID: tenantID, Seq: seq, Hash: hash,
		Time: l.opts.Now().Truncate(time.Microsecond).UTC(), Every: l.opts.Every}
	l.signer.Sign(cp)
	return cp
}
