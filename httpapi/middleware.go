package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/steward-privacy/steward"
)

// requestInfo travels with a request: its id, and the actor once known (for
// the access log, which runs outside the route's context).
type requestInfo struct {
	id    string
	actor string
}

type requestInfoKey struct{}

func withRequestInfo(ctx context.Context) (context.Context, *requestInfo) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	info := &requestInfo{id: hex.EncodeToString(b[:])}
	return context.WithValue(ctx, requestInfoKey{}, info), info
}

func infoFrom(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return i
}

// requestID returns the id of the request ctx belongs to.
func requestID(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

func setActor(ctx context.Context, c *steward.Caller) {
	if i := infoFrom(ctx); i != nil {
		i.actor = c.Actor()
	}
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	size   int64
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.size += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes flushes through for streamed responses.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// httpMetrics are the Prometheus series of the HTTP layer, labelled by route
// pattern (never by raw path, which could carry identifiers).
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "steward_http_requests_total",
			Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "steward_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8)}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *httpMetrics) observe(route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// clientIP returns the peer's address truncated (IPv4 /24, IPv6 /48), or ""
// if it cannot be parsed. Forwarded headers are not trusted: a proxy in
// front must be configured to pass the address some other way.
func clientIP(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return steward.TruncateIP(ap.Addr()).String()
}

// countingBody counts the request bytes a handler read.
type countingBody struct {
	io.ReadCloser
	n int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

// apiKeyID returns the API key id of the caller, if it was one.
func (i *requestInfo) apiKeyID() string {
	id, ok := strings.CutPrefix(i.actor, string(steward.ActorAPIKey)+":")
	if !ok {
		return ""
	}
	return id
}

// routeOf names the endpoint for logs: the matched pattern, never the raw
// path (which carries ids), or "unmatched".
func routeOf(pattern string) string {
	if pattern == "" || pattern == "/" {
		return "unmatched"
	}
	return pattern
}

// rateLimited is the 429 error with its Retry-After.
func rateLimited(wait time.Duration) error {
	return steward.RateLimited("too many requests; slow down", wait)
}

// peerAddr is the full peer address, used in memory only (rate limits).
func peerAddr(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return ap.Addr().String()
}
