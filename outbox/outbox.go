// Package outbox hands the events of the outbox to applications: pages of
// GET /v1/events, and webhooks signed per Standard Webhooks (webhook-id,
// webhook-timestamp, webhook-signature v1), delivered at least once, with
// the same webhook-id on every retry, under a job lease so that one replica
// delivers, retried on a schedule and disabled when an endpoint fails for a
// whole schedule. Subscriptions keep their URL and signing secret sealed.
package outbox

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Store is what the outbox keeps its events and webhooks in.
type Store interface {
	steward.EventStore
	steward.WebhookStore
}

// Config wires a Service.
type Config struct {
	Store Store
	Audit steward.AuditLog
	// SealKey seals webhook URLs and secrets; IndexKey makes the keyed hash
	// that finds a URL again. Both are 32-byte secrets derived from the
	// master key provider.
	SealKey, IndexKey crypt.Secret
	Now               func() time.Time
	Logger            *slog.Logger
	// Timeout bounds one delivery attempt (default 10s).
	Timeout time.Duration
	// RetryScale multiplies the retry schedule (default 1; tests compress
	// it).
	RetryScale float64
	// AllowPrivate lets webhooks reach loopback, private and link-local
	// addresses (an application beside steward; tests).
	AllowPrivate bool
	// Concurrency bounds the attempts made at once (default 8).
	Concurrency int
}

// Service manages subscriptions and delivers events.
type Service struct {
	cfg    Config
	seal   *crypt.Key
	client *http.Client
	render renderers
}

// New returns the service.
func New(c Config) (*Service, error) {
	key, err := crypt.NewKey(1, c.SealKey)
	if err != nil {
		return nil, err
	}
	if len(c.IndexKey) < 32 {
		return nil, steward.Errorf(steward.EINVALID, "outbox: the index key must have 32 bytes")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.RetryScale <= 0 {
		c.RetryScale = 1
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	return &Service{cfg: c, seal: key, client: newClient(c.Timeout, c.AllowPrivate)}, nil
}

// EventPage is one page of the outbox, oldest first.
type EventPage struct {
	Events []*steward.Event `json:"events"`
	// NextCursor continues after this page: pass it as ?after= (it is the
	// given cursor again when no event came).
	NextCursor string `json:"next_cursor" doc:"pass as ?after= to continue; the same cursor again when the page is empty"`
}

// Events returns the caller's tenant's events after a cursor (scope
// events:read). after is "" for the start or a NextCursor; limit is 1 to
// 1000 (0: 100).
func (s *Service) Events(ctx context.Context, after string, limit int) (*EventPage, error) {
	c, err := steward.Require(ctx, steward.ScopeEventsRead)
	if err != nil {
		return nil, err
	}
	cur, err := parseCursor(after)
	if err != nil {
		return nil, err
	}
	if limit, err = checkLimit(limit); err != nil {
		return nil, err
	}
	events, err := s.cfg.Store.Events(ctx, c.TenantID, cur, limit)
	if err != nil {
		return nil, err
	}
	if events == nil {
		events = []*steward.Event{}
	}
	page := &EventPage{Events: events, NextCursor: after}
	if n := len(events); n > 0 {
		page.NextCursor = formatCursor(events[n-1].Seq)
	}
	return page, nil
}

// checkLimit returns a page size: 100 for 0, else 1 to 1000.
func checkLimit(limit int) (int, error) {
	if limit == 0 {
		return 100, nil
	}
	if limit < 1 || limit > 1000 {
		return 0, steward.Invalid("limit", "must be 1 to 1000")
	}
	return limit, nil
}

// record appends an audit event of a webhook change: the webhook's id
// only, never its URL.
func (s *Service) record(ctx context.Context, c *steward.Caller, action, webhookID string) error {
	e := steward.NewAuditEvent(ctx, c, action, s.cfg.Now())
	e.Target, e.Decision = webhookID, steward.DecisionAllow
	return s.cfg.Audit.Append(ctx, e)
}
