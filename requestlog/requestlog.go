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

// Writer batches entries into a RequestLogStore.
type Writer struct {
	store   steward.RequestLogStore
	ch      chan steward.RequestLogEntry
	log     *slog.Logger
	dropped prometheus.Counter
	flush   time.Duration
	done    chan struct{}
	once    sync.Once
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

// maxBatch bounds one write.
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
	w := &Writer{store: store, ch: make(chan steward.RequestLogEntry, o.Buffer), log: o.Logger, flush: o.Flush,
		done: make(chan struct{}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "steward_request_log_dropped_total",
			Help: "Request log entries dropped because the writer could not keep up."})}
	if o.Registry != nil {
		o.Registry.MustRegister(w.dropped)
	}
	go w.run()
	return w
}

// Log queues an entry without blocking.
func (w *Writer) Log(e steward.RequestLogEntry) {
	select {
	case w.ch <- e:
	default:
		w.dropped.Inc()
	}
}

// Close writes what is queued and stops the writer.
func (w *Writer) Close() {
	w.once.Do(func() { close(w.ch) })
	<-w.done
}

func (w *Writer) run() {
	defer close(w.done)
	t := time.NewTicker(w.flush)
	defer t.Stop()
	batch := make([]steward.RequestLogEntry, 0, maxBatch)
	write := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := w.store.AppendRequests(ctx, batch); err != nil {
			w.log.Warn("request log write failed", "entries", len(batch), "error", err.Error())
		}
		cancel()
		batch = batch[:0]
	}
	for {
		select {
		case e, ok := <-w.ch:
			if !ok {
				write()
				return
			}
			batch = append(batch, e)
			if len(batch) == maxBatch {
				write()
			}
		case <-t.C:
			write()
		}
	}
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
