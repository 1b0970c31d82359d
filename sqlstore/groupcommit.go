package sqlstore

import (
	"context"
	"sync"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/settle"
)

// groupCommit is the queue of a group commit: callers add items and wait
// for them (each item carries its own way of telling its caller); one
// goroutine takes every item queued at once, up to max, and hands them to
// commit, while the next group forms. writeBatcher (SQLite) and
// recordGroup (PostgreSQL) are built on it.
type groupCommit[T any] struct {
	max    int
	commit func([]T)

	mu     sync.Mutex
	cur    []T
	closed bool
	wake   chan struct{} // (capacity 1) the queue is not empty
	done   chan struct{} // closed when the loop has stopped
}

// startGroupCommit starts the loop that commits groups of at most max items.
func startGroupCommit[T any](max int, commit func([]T)) *groupCommit[T] {
	g := &groupCommit[T]{max: max, commit: commit, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go g.run()
	return g
}

// add queues an item; after close it fails with EUNAVAILABLE.
func (g *groupCommit[T]) add(item T) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return steward.Errorf(steward.EUNAVAILABLE, "the database is closed")
	}
	g.cur = append(g.cur, item)
	select { // under mu, so that close cannot close wake in between
	case g.wake <- struct{}{}:
	default:
	}
	return nil
}

// wait queues an item and returns once done is closed (its group is
// committed), or with ctx's error if ctx ends first (the item may or may
// not be committed then).
func (g *groupCommit[T]) wait(ctx context.Context, item T, done <-chan struct{}) error {
	if err := g.add(item); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// queued is the number of waiting items.
func (g *groupCommit[T]) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.cur)
}

func (g *groupCommit[T]) run() {
	defer close(g.done)
	for range g.wake {
		// Let the callers the last commit released queue their next
		// items first: larger groups, at no cost when idle.
		settle.Queue(g.queued)
		for {
			g.mu.Lock()
			items := g.cur
			if len(items) > g.max {
				items, g.cur = items[:g.max], items[g.max:]
			} else {
				g.cur = nil
			}
			g.mu.Unlock()
			if len(items) == 0 {
				break
			}
			g.commit(items)
		}
	}
}

// close stops the loop after the queued items.
func (g *groupCommit[T]) close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.wake)
	}
	g.mu.Unlock()
	<-g.done
}
