package outbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Schedule is the wait before each retry of a failed delivery: the first
// attempt is made at once, then after 5s, 5m, 30m, 2h, 5h, 10h and 10h
// (about 27.6 hours in all, eight attempts). Config.RetryScale multiplies it.
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 10 * time.Hour}

// batch is how many deliveries one pass claims.
const batch = 100

// Error codes a failed attempt records.
const (
	ErrTimeout     = "timeout"
	ErrConnection  = "connection"
	ErrRedirect    = "redirect"
	ErrStatus      = "status"
	ErrDestination = "destination_refused"
)

// newClient returns the HTTP client of deliveries: no proxy, no redirects
// followed, a timeout, and only the destinations guard allows.
func newClient(timeout time.Duration, allowPrivate bool) *http.Client {
	t := &http.Transport{
		Proxy:                 nil, // never through a proxy from the environment
		DialContext:           dialer(allowPrivate).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       time.Minute,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: t, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Deliver makes one pass: it turns new events into deliveries, then makes
// one attempt of each delivery that is due (at most batch), several at
// once, and records each outcome. It returns how many events and attempts
// it handled, so a job can repeat it until there is nothing left. Run it
// under the job lease: two passes at once only risk a duplicate, which
// at-least-once delivery allows.
func (s *Service) Deliver(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	scanned, err := s.cfg.Store.EnqueueDeliveries(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	// A claim outlives an attempt: if this replica dies meanwhile, another
	// retries once it expires.
	due, err := s.cfg.Store.ClaimDeliveries(ctx, now, now.Add(2*s.cfg.Timeout+time.Second), batch)
	if err != nil {
		return scanned, err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.cfg.Concurrency)
	errs := make([]error, len(due))
	p := &pass{}
	if b, ok := s.cfg.Store.(batchRecorder); ok {
		p.batch = b
	}
	for i, x := range due {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = s.attempt(ctx, p, x)
		}()
	}
	wg.Wait()
	if len(p.delivered) > 0 {
		errs = append(errs, p.batch.RecordDelivered(context.WithoutCancel(ctx), p.delivered, s.cfg.Now().UTC()))
	}
	return scanned + len(due), errors.Join(errs...)
}

// batchRecorder is a store that records a pass's successful attempts in
// one transaction. Until they are recorded they stay claimed: a pass cut
// short (the process killed) sends them again once the claim expires,
// which at-least-once delivery allows.
type batchRecorder interface {
	RecordDelivered(ctx context.Context, ds []*steward.WebhookDelivery, at time.Time) error
}

// pass gathers the successful attempts of one pass, when the store
// records them in one go.
type pass struct {
	batch     batchRecorder
	mu        sync.Mutex
	delivered []*steward.WebhookDelivery
}

// add keeps a successful attempt for the pass's record, reporting
// false when the store records one at a time.
func (p *pass) add(d *steward.WebhookDelivery, status int) bool {
	if p.batch == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	d.LastStatus = status
	p.delivered = append(p.delivered, d)
	return true
}

// attempt sends one delivery and records the outcome (a success with the
// pass's others, when the store can). An attempt cut short
// by the pass's end (the server stopping) before an answer came records
// nothing: the claim expires and the delivery is retried.
func (s *Service) attempt(ctx context.Context, p *pass, x *steward.DueDelivery) error {
	w, e := &x.Webhook, &x.Event
	url, err := crypt.Open(s.seal, w.URLSealed, aad(w.TenantID, w.ID, "url"))
	if err != nil {
		return err
	}
	key, err := crypt.Open(s.seal, w.SecretSealed, aad(w.TenantID, w.ID, "secret"))
	if err != nil {
		return err
	}
	defer crypt.Wipe(key)
	body, skip, err := s.body(ctx, x)
	if err != nil {
		return err
	}
	if skip { // a targeted delivery no longer wanted: never sent again
		o := steward.DeliveryOutcome{At: s.cfg.Now().UTC(), Delivered: true}
		_, err := s.cfg.Store.RecordDelivery(context.WithoutCancel(ctx), &x.Delivery, o)
		return err
	}
	at := s.cfg.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, string(url), bytes.NewReader(body))
	if err != nil {
		return err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "steward-webhooks/1")
	h.Set("webhook-id", e.ID)
	h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	h.Set("webhook-signature", Sign(key, e.ID, at, body))
	status, code := s.send(req)
	if ctx.Err() != nil && status == 0 {
		return nil // cut short by the stop, not the endpoint's answer
	}
	o := s.outcome(x.Delivery.Attempts+1, status, code)
	if o.Delivered && p.add(&x.Delivery, status) {
		return nil
	}
	disabled, err := s.cfg.Store.RecordDelivery(context.WithoutCancel(ctx), &x.Delivery, o)
	if err != nil {
		return err
	}
	log := s.cfg.Logger.With("webhook", w.ID, "event", e.ID, "attempt", x.Delivery.Attempts+1)
	if code != "" {
		log.Info("webhook delivery failed", "status", status, "error", code, "exhausted", o.Exhausted)
	}
	if disabled {
		log.Warn("webhook disabled after failing for a whole retry schedule")
		return s.cfg.Audit.Append(context.WithoutCancel(ctx), &steward.AuditEvent{TenantID: w.TenantID, Actor: "system:webhooks",
			Action: steward.ActionWebhookDisable, Target: w.ID, Time: s.cfg.Now().UTC()})
	}
	return nil
}

// send posts req and returns the status and, for a failure, its code. The
// response body is read (a little, to reuse the connection) and dropped:
// nothing of it is stored.
func (s *Service) send(req *http.Request) (int, string) {
	resp, err := s.client.Do(req)
	if err != nil {
		var ne net.Error
		switch {
		case errors.Is(err, errRefused):
			return 0, ErrDestination
		case errors.As(err, &ne) && ne.Timeout():
			return 0, ErrTimeout
		}
		return 0, ErrConnection
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp.StatusCode, ""
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return resp.StatusCode, ErrRedirect
	}
	return resp.StatusCode, ErrStatus
}

// outcome is the result of attempt n (1 for the first): delivered, retried
// after the schedule's wait, or exhausted after the last.
func (s *Service) outcome(n, status int, code string) steward.DeliveryOutcome {
	now := s.cfg.Now().UTC()
	o := steward.DeliveryOutcome{At: now, Status: status, Error: code, Delivered: code == ""}
	switch {
	case o.Delivered:
	case n > len(Schedule):
		o.Exhausted = true
	default:
		o.NextAttempt = now.Add(time.Duration(float64(Schedule[n-1]) * s.cfg.RetryScale))
	}
	return o
}
