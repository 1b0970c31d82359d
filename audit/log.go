package audit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/settle"
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
	// Journal, if set, is a folder in which Append makes events durable
	// (one write per group of appends) before it returns; the appender
	// chains them into the store within JournalDelay or once
	// MaxBatch are waiting, in one transaction. Only one process may use a
	// journal (it is locked); Open replays what a crash left in it. Use it
	// where the store commits without syncing anyway (SQLite in WAL mode
	// with synchronous=NORMAL): it makes audited reads several times
	// cheaper at the same durability. See journal.go.
	Journal string
	// JournalDelay bounds how long a journaled event waits to be chained
	// into the store. Default 50ms: longer transfers are cheaper per event
	// (measured: 10ms → 50ms made audited reads over HTTP ~10 % faster);
	// readers of the log through Events, Verify and Export see journaled
	// events at once, since those store them first.
	JournalDelay time.Duration
	// Accept, for replicas sharing one database (PostgreSQL): Append stores
	// events in the store's table of accepted events (the store must be a
	// steward.AuditPendingStore), where no lock shared by replicas is
	// taken, and returns once they are committed; Integrate, run by one
	// sequencer every few tens of milliseconds (JournalDelay), chains
	// them. Readers through Events, Verify and Export integrate first. See
	// log_accept.go. With a Journal, Append writes to the journal (each
	// replica has its own, in its data folder) and Accept only makes
	// Integrate chain the events other processes accepted (command-line
	// tools).
	Accept bool
	// JournalSync makes Append return only once its event's journal write
	// is on disk (fdatasync, shared by the appends waiting at that moment),
	// so that a journaled event survives a crash of the machine, not only
	// of the process. Use it where the store syncs its commits
	// (PostgreSQL); SQLite in WAL mode with synchronous=NORMAL does not.
	JournalSync bool
}

// DefaultJournalDelay is the default Options.JournalDelay.
const DefaultJournalDelay = 50 * time.Millisecond

// maxPendingBatches bounds the journaled events not yet in the store, in
// MaxBatch units: while the store refuses them (say, its disk is full),
// new appends stop being journaled and fail like direct appends do,
// rather than the journal growing without bound.
const maxPendingBatches = 16

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

	// With a journal (see log_journal.go); journal is set before the
	// appender starts.
	journal        *journal              // nil: every append is stored directly
	jmu            sync.Mutex            // guards pending and the journal's current file
	pending        []*steward.AuditEvent // journaled, not yet in the store
	jclosed        bool                  // the log is closing: no more journal writes
	journalFailing atomic.Bool           // appends fall back to direct stores
	storeMu        sync.Mutex            // one transfer of pending events at a time
	due            chan struct{}         // (capacity 1) tells the storer pending is not empty
	full           chan struct{}         // (capacity 1) tells the storer pending is large
	stop           chan struct{}         // closed by the appender when it stops
	stored         chan struct{}         // closed when the storer has stopped

	// With Options.JournalSync (see runSyncer), under jmu: the journal
	// writes made so far, those known to be on disk, and the round the
	// next sync ends (the appends since the last sync wait on it).
	jwritten int64
	jsynced  int64
	round    *syncRound
	syncWake chan struct{} // (capacity 1) an append waits for a sync
	syncStop chan struct{} // closed by the appender when it stops
	synced   chan struct{} // closed when the syncer has stopped

	// With Options.Accept (see log_accept.go); set before the appender
	// starts.
	accepting steward.AuditPendingStore // nil: events are chained at once (or journaled)
	others    steward.AuditPendingStore // with a journal: events other processes accepted, for Integrate
	inflight  sync.WaitGroup            // accepting batches being committed
	slots     chan struct{}             // bounds the batches in flight
}

var _ steward.AuditLog = (*Log)(nil)

// batch is a group of appends committed together. Its callers wait on done;
// err is the outcome for all of them, or per tenant when the batch had to be
// split (see commit).
type batch struct {
	events  []*steward.AuditEvent
	chained bool // a caller needs its event in the chain before it returns
	done    chan struct{}
	err     error
	errs    map[string]error
}

func newBatch(capacity int) *batch {
	return &batch{events: make([]*steward.AuditEvent, 0, capacity), done: make(chan struct{})}
}

// New returns a Log writing to store and signing checkpoints with signer,
// and starts its appender. Close stops it. It ignores o.Journal: use Open
// for a journaled log.
func New(store steward.AuditStore, signer *Signer, o Options) *Log {
	l := newLog(store, signer, o)
	go l.run()
	return l
}

// Open is New with an optional journal (o.Journal): it locks the journal,
// stores the events a crash left in it, and starts the appender.
func Open(ctx context.Context, store steward.AuditStore, signer *Signer, o Options) (*Log, error) {
	l := newLog(store, signer, o)
	var ps steward.AuditPendingStore
	if o.Accept {
		var ok bool
		if ps, ok = store.(steward.AuditPendingStore); !ok {
			return nil, steward.Errorf(steward.EINTERNAL, "audit: this store cannot accept events for a sequencer")
		}
	}
	if o.Journal != "" {
		j, err := openJournal(o.Journal)
		if err != nil {
			return nil, err
		}
		j.sync = o.JournalSync
		if err := l.replay(ctx, j); err != nil {
			j.close(false)
			return nil, err
		}
		l.journal, l.others = j, ps
		if o.JournalSync {
			l.round = newSyncRound()
			go l.runSyncer()
		}
		go l.runStorer()
	} else {
		l.accepting = ps
	}
	go l.run()
	return l, nil
}

func newLog(store steward.AuditStore, signer *Signer, o Options) *Log {
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 4096
	}
	if o.JournalDelay <= 0 {
		o.JournalDelay = DefaultJournalDelay
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Log{store: store, signer: signer, opts: o, cur: newBatch(64), wake: make(chan struct{}, 1),
		done: make(chan struct{}), due: make(chan struct{}, 1), full: make(chan struct{}, 1),
		stop: make(chan struct{}), stored: make(chan struct{}), syncWake: make(chan struct{}, 1), syncStop: make(chan struct{}),
		synced: make(chan struct{}), slots: make(chan struct{}, maxAcceptsInFlight)}
}

// Append validates e, fills in its time (if zero), and returns once it is
// durable: committed to the store (with Seq and the hashes filled in) or,
// with a journal, written to the journal (Seq stays 0). Without a journal,
// concurrent appends share one transaction. If ctx ends first, Append returns its error and the
// event may or may not be stored.
func (l *Log) Append(ctx context.Context, e *steward.AuditEvent) error {
	return l.enqueue(ctx, e, false)
}

// AppendChained is Append that returns only once e is in the chain, with
// Seq and the hashes filled in (after every event appended before it).
func (l *Log) AppendChained(ctx context.Context, e *steward.AuditEvent) error {
	return l.enqueue(ctx, e, true)
}

// Sync returns once every event appended before it is in the store, so that
// reads of the store see them.
func (l *Log) Sync(ctx context.Context) error {
	if l.journal == nil && l.accepting == nil {
		return nil
	}
	return l.enqueue(ctx, nil, true)
}

func (l *Log) enqueue(ctx context.Context, e *steward.AuditEvent, chained bool) error {
	if e != nil {
		if err := l.prepare(e); err != nil {
			return err
		}
	}
	if e != nil && !chained && l.journal != nil {
		// The caller writes its event to the journal itself: a handoff to
		// the appender goroutine and back cost more than the write.
		round, err := l.journalEvent(e)
		// Load first: a CompareAndSwap on every append would take the
		// flag's cache line from the other cores each time.
		if err == nil && l.journalFailing.Load() && l.journalFailing.CompareAndSwap(true, false) {
			l.opts.Logger.Info("audit journal: writing again")
		}
		if err == nil && round != nil {
			// Written, so not to be stored directly as well: a failed
			// sync fails the append.
			signal(l.syncWake)
			select {
			case <-round.done:
				return round.err
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err == nil || errors.Is(err, errJournalClosed) {
			return err
		}
		// The journal is full or failing: store the event directly instead
		// (said once, not for every event).
		if !l.journalFailing.Swap(true) {
			l.opts.Logger.Error("audit journal: cannot journal; storing events directly until it can", "error", err.Error())
		}
		chained = true
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return steward.Errorf(steward.EUNAVAILABLE, "the audit log is closed")
	}
	b := l.cur
	if e != nil {
		b.events = append(b.events, e)
	}
	b.chained = b.chained || chained
	select { // under mu, so that Close cannot close wake in between
	case l.wake <- struct{}{}:
	default: // the appender is already told
	}
	l.mu.Unlock()
	select {
	case <-b.done:
		if e == nil {
			return b.err
		}
		if err, ok := b.errs[e.TenantID]; ok {
			return err
		}
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting events, stores those queued or journaled and stops
// the appender. Events that cannot be stored stay in the journal for the
// next Open.
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
// (every append queued since the last write) and writes it (to the journal,
// or in one transaction to the store) and releases its callers; appends that
// arrive meanwhile form the next batch. Batches are bounded by the number of
// concurrent callers, each of which waits for its own event; MaxBatch
// bounds one transaction.
func (l *Log) run() {
	defer close(l.done)
	for range l.wake {
		// Let appenders that are runnable (typically the callers just
		// released by the previous write) queue their next events first:
		// it costs nothing when idle and makes batches far larger.
		settle.Queue(l.queued)
		l.flush()
	}
	l.flush() // what was appended before Close
	if l.accepting != nil {
		l.closeAccepting()
	}
	if l.journal != nil {
		l.jmu.Lock()
		l.jclosed = true // no more direct journal writes
		l.jmu.Unlock()
		if l.round != nil {
			close(l.syncStop)
			<-l.synced // every append's sync is done
		}
		close(l.stop)
		<-l.stored
		err := l.storePending()
		l.journal.close(err == nil)
	}
}

// queued is the number of events in the current batch.
func (l *Log) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.cur.events)
}

// flush stores the current batch, if it holds anything or a caller waits
// for the journal: journaled events first, to keep the order.
func (l *Log) flush() {
	l.mu.Lock()
	b := l.cur
	if len(b.events) == 0 && !b.chained {
		l.mu.Unlock()
		return
	}
	l.cur = newBatch(cap(b.events))
	l.mu.Unlock()
	if l.accepting != nil {
		l.flushAccepted(b)
		return
	}
	defer close(b.done)
	if l.journal != nil {
		if err := l.storePending(); err != nil {
			b.err = err
			return
		}
	}
	if b.chained && l.others != nil {
		// A reader or a caller that reports its sequence number: what
		// other processes accepted is chained first.
		if _, err := l.Integrate(context.Background()); err != nil {
			b.err = err
			return
		}
	}
	l.commit(b, l.chain)
}

// commit writes a batch with write, at most MaxBatch events per
// transaction. If a transaction fails and holds several tenants, each
// tenant's events are retried alone, so that one bad event (say, of a tenant
// that does not exist) fails only its own tenant.
func (l *Log) commit(b *batch, write func([]*steward.AuditEvent) error) {
	for start := 0; start < len(b.events); start += l.opts.MaxBatch {
		part := b.events[start:min(start+l.opts.MaxBatch, len(b.events))]
		err := write(part)
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
			if err := write(es); err != nil {
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

// chain stores events in their chains in one transaction.
func (l *Log) chain(events []*steward.AuditEvent) error { return l.write(events, nil) }

// write stores events in one transaction, with the journal mark if any.
func (l *Log) write(events []*steward.AuditEvent, mark *steward.AuditJournalMark) error {
	return l.storeOp(len(events), func(ctx context.Context) error { return l.store.AppendAudit(ctx, events, l.seal, mark) })
}

// storeOp runs one write of n events to the store with a time limit; a
// failure is logged and, unless it is a coded error of the caller's
// (EINVALID, ENOTFOUND...), reported as EUNAVAILABLE.
func (l *Log) storeOp(n int, op func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := op(ctx)
	if err != nil {
		l.opts.Logger.Error("audit append failed", "events", n, "error", err.Error())
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
