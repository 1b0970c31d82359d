package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// InvalidationStream carries subject cache invalidations between replicas
// that share one database. Package postgres implements it with LISTEN and
// NOTIFY; sqlstore decides what is sent (payloads of space-separated words:
// the sender's id, then "tenant/subject" keys, "tenant/subject/category"
// for one record, or "*" for everything).
type InvalidationStream interface {
	// NotifySQL is a statement with one text parameter, the payload, that
	// delivers it to every listener; run in a transaction, it delivers it
	// when (and only if) the transaction commits.
	NotifySQL() string
	// Listen calls receive with every payload sent by any replica, and up
	// with false when payloads may have been missed (the connection
	// dropped) and true once it listens again, until ctx ends. It starts
	// down: up(true) comes once listening has begun.
	Listen(ctx context.Context, receive func(payload string), up func(bool))
}

// SharedCacheOptions tunes CacheSubjectsShared.
type SharedCacheOptions struct {
	// TTL is how long an entry is trusted while invalidations flow (as for
	// CacheSubjects).
	TTL time.Duration
	// ShortTTL is how long an entry is trusted while the listener is down
	// (invalidations may be missed): it bounds how long another replica's
	// write can go unseen. Keep it under the promised bound (1 s).
	ShortTTL time.Duration
	Logger   *slog.Logger
}

// publishGather is how long the publisher gathers keys into one
// notification, and so the least time between two of its notifications:
// 20 ms of the bound of one second. Every notification wakes every
// listening backend and replica, so under a steady stream of writes their
// number, not their size, is the cost (5 ms, unpaced, cost two replicas
// ~500 notifications a second in the write benchmark; docs/benchmarks.md).
const publishGather = 20 * time.Millisecond

// maxPayload bounds one notification's payload (PostgreSQL's limit is
// 8000 bytes).
const maxPayload = 7000

// sharedCache is the replica side of a subject cache: the stream, this
// replica's id, the keys waiting to be published and the goroutines.
type sharedCache struct {
	db     *DB
	stream InvalidationStream
	origin string
	log    *slog.Logger

	// send delivers one payload (NotifySQL through the writer pool).
	send func(ctx context.Context, payload string) error

	mu      sync.Mutex
	queue   []string
	wake    chan struct{} // (capacity 1) the queue is not empty
	cancel  context.CancelFunc
	stopped sync.WaitGroup
}

// CacheSubjectsShared turns on the subject cache on a database that other
// replicas write too: every eviction here is published on stream (after
// the commit; consent changes and erasures in their own transaction, so the
// notification is delivered exactly when they commit), every invalidation
// from another replica evicts here, and while the stream is down (at first,
// and whenever the listener's connection drops) entries live only
// o.ShortTTL and the cache is emptied when listening resumes. Close stops
// it.
func (db *DB) CacheSubjectsShared(stream InvalidationStream, o SharedCacheOptions) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	db.CacheSubjects(o.TTL)
	var b [8]byte
	_, _ = rand.Read(b[:])
	sc := &sharedCache{db: db, stream: stream, origin: hex.EncodeToString(b[:]), log: o.Logger, wake: make(chan struct{}, 1)}
	sc.send = func(ctx context.Context, payload string) error {
		_, err := db.w.execKeep(ctx, stream.NotifySQL(), payload)
		return err
	}
	db.shared = sc
	c := db.cache
	c.shortTTL.Store(int64(o.ShortTTL))
	c.published = sc.enqueue
	ctx, cancel := context.WithCancel(context.Background())
	sc.cancel = cancel
	sc.stopped.Add(2)
	go func() {
		defer sc.stopped.Done()
		stream.Listen(ctx, sc.receive, func(up bool) {
			// Either way what is cached may have missed an invalidation.
			if up {
				c.dropAll()
				c.shortTTL.Store(0)
				return
			}
			c.shortTTL.Store(int64(o.ShortTTL))
			c.dropAll()
			if ctx.Err() != nil {
				return // closing
			}
			sc.log.Warn("subject cache: invalidations from other replicas may be missed; entries live only the short TTL",
				"short_ttl", o.ShortTTL.String())
		})
	}()
	go func() {
		defer sc.stopped.Done()
		sc.publishLoop(ctx)
	}()
}

// receive applies a payload from any replica (this one's are skipped).
func (sc *sharedCache) receive(payload string) {
	words := strings.Fields(payload)
	if len(words) == 0 || words[0] == sc.origin {
		return
	}
	c := sc.db.cache
	for _, k := range words[1:] {
		if k == "*" {
			c.dropAll()
			return
		}
		tenant, rest, _ := strings.Cut(k, "/")
		if subject, category, ok := strings.Cut(rest, "/"); ok {
			c.dropRecord(tenant, subject, category)
		} else if rest != "" {
			c.drop(tenant, rest)
		}
	}
}

// enqueue queues a key for the publisher.
func (sc *sharedCache) enqueue(key string) {
	sc.mu.Lock()
	sc.queue = append(sc.queue, key)
	sc.mu.Unlock()
	select {
	case sc.wake <- struct{}{}:
	default:
	}
}

// publishLoop sends queued keys, as many per notification as fit, at most
// one round of notifications per publishGather (what comes meanwhile waits
// for the next round), and retries (keeping them) while the database
// refuses.
func (sc *sharedCache) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sc.wake:
		}
		// Gather what more comes within a moment: one notification for
		// many writes.
		sleepCtx(ctx, publishGather)
		sc.mu.Lock()
		keys := sc.queue
		sc.queue = nil
		sc.mu.Unlock()
		for _, p := range sc.payloads(keys) {
			for ctx.Err() == nil {
				err := sc.send(ctx, p)
				if err == nil {
					break
				}
				sc.log.Warn("subject cache: publishing an invalidation failed; retrying", "error", err.Error())
				sleepCtx(ctx, 100*time.Millisecond)
			}
		}
	}
}

// payloads packs keys (deduplicated; everything if "*" is among them) into
// payloads of at most maxPayload bytes.
func (sc *sharedCache) payloads(keys []string) []string {
	seen := map[string]bool{}
	var out []string
	var b strings.Builder
	for _, k := range keys {
		if k == "*" {
			return []string{sc.origin + " *"}
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		if b.Len() > 0 && b.Len()+1+len(k) > maxPayload {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(sc.origin)
		}
		b.WriteString(" " + k)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// notifyTx publishes, in tx, that a subject changed: the other replicas
// hear it exactly when tx commits. Nothing without replicas.
func (db *DB) notifyTx(ctx context.Context, tx *sql.Tx, tenant, subject string) error {
	if db.shared == nil {
		return nil
	}
	_, err := db.w.txExec(ctx, tx, db.shared.stream.NotifySQL(), db.shared.origin+" "+tenant+"/"+subject)
	return err
}

// close publishes what is still queued (for up to two seconds: a
// command-line tool's last writes), then stops the listener and the
// publisher.
func (sc *sharedCache) close() {
	sc.mu.Lock()
	keys := sc.queue
	sc.queue = nil
	sc.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, p := range sc.payloads(keys) {
		if err := sc.send(ctx, p); err != nil {
			sc.log.Warn("subject cache: publishing an invalidation at close failed", "error", err.Error())
		}
	}
	sc.cancel()
	sc.stopped.Wait()
}

// sleepCtx waits for d or the end of ctx.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
