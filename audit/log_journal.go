package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/settle"
)

// In a journaled Log (Options.Journal) each Append writes its event to the
// journal itself, under a mutex, and returns; the storer goroutine moves
// the journaled events into the store (chaining them) a few milliseconds
// later, in one transaction per transfer. AppendChained goes through the
// appender, which stores the journaled events first, to keep the order.

var (
	// errPendingFull makes Append store an event directly while the store
	// is not taking journaled events.
	errPendingFull = errors.New("too many journaled events wait for the store")
	// errJournalClosed is returned by appends racing with Close.
	errJournalClosed = steward.Errorf(steward.EUNAVAILABLE, "the audit log is closed")
	// errJournalSync fails the appends a failed journal sync was to cover.
	errJournalSync = steward.Errorf(steward.EUNAVAILABLE, "the audit log could not be written")
)

// journalEvent writes e to the journal and queues it for the storer; with
// Options.JournalSync it returns the round whose sync will cover the write.
func (l *Log) journalEvent(e *steward.AuditEvent) (*syncRound, error) {
	l.jmu.Lock()
	defer l.jmu.Unlock()
	if l.jclosed {
		return nil, errJournalClosed
	}
	if len(l.pending) >= maxPendingBatches*l.opts.MaxBatch {
		return nil, errPendingFull
	}
	if err := l.journal.write(e); err != nil {
		return nil, err
	}
	l.jwritten++
	if len(l.pending) == 0 {
		signal(l.due)
	}
	l.pending = append(l.pending, e)
	if len(l.pending) >= l.opts.MaxBatch {
		signal(l.full)
	}
	return l.round, nil
}

// A syncRound is one fdatasync of the journal, shared by the appends
// written since the one before (group commit, as a database's WAL flush):
// they wait on done, closed once their writes are on disk or err is set.
// Closing a channel wakes them all at once, so they are soon back with
// their next appends, which makes the next round large.
type syncRound struct {
	done chan struct{}
	err  error
}

func newSyncRound() *syncRound { return &syncRound{done: make(chan struct{})} }

// runSyncer syncs the journal whenever appends wait (Options.JournalSync),
// one round after another, until the log closes; it ends the rounds still
// open then.
func (l *Log) runSyncer() {
	defer close(l.synced)
	for {
		select {
		case <-l.syncWake:
			l.syncRounds()
		case <-l.syncStop:
			l.syncRounds()
			return
		}
	}
}

// syncRounds syncs until every journal write is on disk, or a sync fails
// (its appends fail; the next append's wake retries).
func (l *Log) syncRounds() {
	for {
		// Let the appends that are runnable write first: they share this
		// round.
		settle.Queue(l.journalWrites)
		l.jmu.Lock()
		if l.jsynced >= l.jwritten {
			l.jmu.Unlock()
			return
		}
		r, f, upto := l.round, l.journal.f, l.jwritten
		l.round = newSyncRound()
		l.jmu.Unlock()
		err := f.Sync()
		l.jmu.Lock()
		if err != nil && l.jsynced >= upto {
			err = nil // a rotation synced the file and closed it meanwhile
		}
		if err == nil {
			l.jsynced = max(l.jsynced, upto)
		}
		l.jmu.Unlock()
		if err != nil {
			l.opts.Logger.Error("audit journal: sync failed", "error", err.Error())
			r.err = errJournalSync
		}
		close(r.done)
		if err != nil {
			return
		}
	}
}

// journalWrites is the number of journal writes so far.
func (l *Log) journalWrites() int {
	l.jmu.Lock()
	defer l.jmu.Unlock()
	return int(l.jwritten)
}

// signal wakes a goroutine waiting on a capacity-1 channel, if not yet woken.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// runStorer stores journaled events JournalDelay after the first of them
// was journaled, or at once when MaxBatch are waiting; after a failure it
// retries with back-off (up to 5 s), the events staying in the journal.
func (l *Log) runStorer() {
	defer close(l.stored)
	backoff := 100 * time.Millisecond
	for {
		select {
		case <-l.stop:
			return
		case <-l.due:
		}
		wait := time.NewTimer(l.opts.JournalDelay)
		select {
		case <-l.stop:
			wait.Stop()
			return
		case <-wait.C:
		case <-l.full:
			wait.Stop()
		}
		if err := l.storePending(); err != nil {
			select {
			case <-l.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			signal(l.due)
			continue
		}
		backoff = 100 * time.Millisecond
	}
}

// storePending chains the journaled events into the store in one
// transaction that also marks their journal files as stored, then deletes
// those files. On failure the events stay pending, ahead of newer ones.
func (l *Log) storePending() error {
	l.storeMu.Lock()
	defer l.storeMu.Unlock()
	l.jmu.Lock()
	events := l.pending
	if len(events) == 0 {
		l.jmu.Unlock()
		return nil
	}
	// Every taken event is in a file up to done, every later one in a
	// newer file: the mark below covers exactly the taken events.
	done, unsynced, err := l.journal.rotate()
	if err != nil {
		l.jmu.Unlock()
		return err
	}
	if l.round != nil {
		// rotate synced the file it ended: its appends need no other
		// sync. If that sync failed they fail, as when the syncer's does
		// (their events are stored below all the same).
		l.jsynced = l.jwritten
		if unsynced != nil {
			l.opts.Logger.Error("audit journal: sync failed", "error", unsynced.Error())
			l.round.err = errJournalSync
		}
		close(l.round.done)
		l.round = newSyncRound()
	}
	l.pending = nil
	l.jmu.Unlock()

	err = l.write(events, &steward.AuditJournalMark{Journal: l.journal.id, Done: done})
	if err != nil {
		l.opts.Logger.Error("audit journal: storing journaled events failed; will retry", "events", len(events), "error", err.Error())
		l.jmu.Lock()
		l.pending = append(events, l.pending...)
		l.jmu.Unlock()
		return err
	}
	if err := l.journal.remove(done); err != nil {
		l.opts.Logger.Warn("audit journal: removing stored files failed", "error", err.Error())
	}
	return nil
}

// replay stores the events of journal files not yet marked as stored (a
// crash left them), one transaction per file, removes the stored files
// and starts a new generation.
func (l *Log) replay(ctx context.Context, j *journal) error {
	gens, err := j.generations()
	if err != nil {
		return err
	}
	done, err := l.store.AuditJournalDone(ctx, j.id)
	if err != nil {
		return err
	}
	last, replayed := done, 0
	for _, g := range gens {
		last = max(last, g)
		if g <= done {
			continue
		}
		events, torn, err := readJournal(j.path(g))
		if err != nil {
			return fmt.Errorf("%w; the journal was not replayed and steward did not start: keep a copy of the file before moving it aside", err)
		}
		if torn {
			l.opts.Logger.Warn("audit journal: the last write of a file was cut short (a crash of the machine); the events before it are replayed",
				"file", j.path(g))
		}
		for _, e := range events {
			if err := e.Validate(); err != nil {
				return fmt.Errorf("audit journal: %s holds an invalid event: %w", j.path(g), err)
			}
		}
		if err := l.write(events, &steward.AuditJournalMark{Journal: j.id, Done: g}); err != nil {
			return fmt.Errorf("audit journal: storing the events of %s: %w", j.path(g), err)
		}
		replayed += len(events)
	}
	if err := j.remove(last); err != nil {
		return err
	}
	if replayed > 0 {
		l.opts.Logger.Info("audit journal replayed", "events", replayed)
	}
	return j.start(last + 1)
}
