// Package requestlog keeps the private request log the policies promise:
// time, endpoint (the route pattern, never the raw path), status, latency,
// request and response sizes, the client address truncated (IPv4 /24, IPv6
// /48), the user-agent family and the API key id. It exists for security and
// rate limiting only and is purged after the policy's retention for
// system.operations.request_log.
//
// Entries are written in batches by a background writer so that logging
// never adds a database write to a request; under overload entries are
// dropped (and counted) rather than slowing the service.
package requestlog

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-privacy/steward"
)

// Writer batches entries into a RequestLogStore. Requests append to a
// queue under a mutex; the writer goroutine wakes on its timer or when a
// batch is full, never once per request (a channel send per entry woke it
// for every request, which cost more than the entry).
type Writer struct {
	store   steward.RequestLogStore
	log     *slog.Logger
	dropped prometheus.Counter
	flush   time.Duration
	limit   int

	mu     sync.Mutex
	queue  []steward.RequestLogEntry
	spare  []steward.RequestLogEntry // the other buffer, swapped in by write
	closed bool

	full chan struct{} // (capacity 1) a batch is waiting
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Options tunes a Writer.
type Options struct {
	// Buffer is how many entries may wait; more are dropped. Default 65536.
	Buffer int
	// Flush is the longest an entry waits before it is written. Default 1s.
	Flush    time.Duration
	Logger   *slog.Logger
	Registry *prometheus.Registry
}

// maxBatch is how many waiting entries wake the writer before its timer.
const maxBatch = 1000

// New starts a writer; Close flushes and stops it.
func New(store steward.RequestLogStore, o Options) *Writer {
	if o.Buffer <= 0 {
		o.Buffer = 65536
	}
	if o.Flush <= 0 {
		o.Flush = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Writer{store: store, log: o.Logger, flush: o.Flush, limit: o.Buffer,
		full: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "steward_request_log_dropped_total",
			Help: "Request log entries dropped because the writer could not keep up."})}
	if o.Registry != nil {
		o.Registry.MustRegister(w.dropped)
	}
	go w.run()
	return w
}

// Log queues an entry without blocking; past Options.Buffer waiting
// entries (or after Close) it is dropped and counted.
func (w *Writer) Log(e steward.RequestLogEntry) {
	w.mu.Lock()
	if w.closed || len(w.queue) >= w.limit {
		w.mu.Unlock()
		w.dropped.Inc()
		return
	}
	w.queue = append(w.queue, e)
	n := len(w.queue)
	w.mu.Unlock()
	if n == maxBatch {
		select {
		case w.full <- struct{}{}:
		default:
		}
	}
}

// Close writes what is queued and stops the writer.
func (w *Writer) Close() {
	w.once.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(w.stop)
	})
	<-w.done
}

func (w *Writer) run() {
	defer close(w.done)
	t := time.NewTicker(w.flush)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			w.write()
			return
		case <-t.C:
		case <-w.full:
		}
		w.write()
	}
}

// write stores every queued entry in one call.
func (w *Writer) write() {
	w.mu.Lock()
	batch := w.queue
	w.queue, w.spare = w.spare[:0], nil
	w.mu.Unlock()
	if len(batch) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := w.store.AppendRequests(ctx, batch); err != nil {
			w.log.Warn("request log write failed", "entries", len(batch), "error", err.Error())
		}
		cancel()
	}
	clear(batch) // entries hold client addresses and key ids: do not keep them
	w.mu.Lock()
	w.spare = batch[:0]
	w.mu.Unlock()
}

// Purge deletes entries older than retention; the scheduler runs it.
func Purge(store steward.RequestLogStore, retention time.Duration, now func() time.Time) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := store.PurgeRequests(ctx, now().Add(-retention))
		return err
	}
}

// UAFamily reduces a User-Agent header to its family, so the log keeps no
// fingerprint: curl, wget, go, python, node, java, browser, bot or other.
func UAFamily(ua string) string {
	l := strings.ToLower(ua)
	switch {
	case l == "":
		return "none"
	case strings.HasPrefix(l, "curl/"):
		return "curl"
	case strings.HasPrefix(l, "wget/"):
		return "wget"
	case strings.HasPrefix(l, "go-http-client/"):
		return "go"
	case strings.Contains(l, "python"):
		return "python"
	case strings.Contains(l, "node") || strings.Contains(l, "axios") || strings.Contains(l, "undici"):
		return "node"
	case strings.Contains(l, "java") || strings.Contains(l, "okhttp"):
		return "java"
	case strings.Contains(l, "bot") || strings.Contains(l, "crawler") || strings.Contains(l, "spider"):
		return "bot"
	case strings.HasPrefix(l, "mozilla/"):
		return "browser"
	}
	return "other"
}
