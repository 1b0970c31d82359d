package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds how idempotent calls (GET, HEAD, PUT, DELETE) are
// retried after a network error, a 429 or a 503. POST is never retried: the
// server may have acted on a request whose answer was lost.
type RetryPolicy struct {
	// MaxAttempts is the most attempts a call makes, the first included;
	// 1 disables retries.
	MaxAttempts int
	// BaseDelay is the wait before the first retry; it doubles with each
	// retry, with jitter, up to MaxDelay.
	BaseDelay time.Duration
	// MaxDelay caps each wait. A Retry-After longer than MaxDelay is not
	// waited for: the call fails at once with the *Error, whose RetryAfter
	// says how long the server asked for.
	MaxDelay time.Duration
}

// DefaultRetry is the policy of a client made without WithRetry.
var DefaultRetry = RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 10 * time.Second}

// NoRetry makes every call a single attempt.
var NoRetry = RetryPolicy{MaxAttempts: 1}

// idempotent reports whether repeating a request with this method is safe.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryable reports whether a failed attempt may be repeated: resp is nil
// after a network error.
func retryable(req *http.Request, resp *http.Response) bool {
	if !idempotent(req.Method) || (req.Body != nil && req.Body != http.NoBody && req.GetBody == nil) {
		return false
	}
	return resp == nil || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable
}

// wait returns how long to wait before attempt number next (2 or more), and
// false when the policy allows no more attempts or the server asks for a
// longer wait than MaxDelay.
func (p RetryPolicy) wait(next int, asked time.Duration) (time.Duration, bool) {
	if next > p.MaxAttempts || asked > p.MaxDelay {
		return 0, false
	}
	d := p.BaseDelay << min(next-2, 30)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	// Equal jitter: half fixed, half random, so that clients that failed
	// together do not retry together.
	d = d/2 + rand.N(d/2+1)
	return max(d, asked), true
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
		return time.Duration(min(secs, 1<<32)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
