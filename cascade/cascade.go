// Package cascade carries an erasure to every processor that received the
// subject's data. The tenant gives each declared processor an endpoint
// (its URL and whsec_ signing secret sealed by the outbox, as webhooks'
// are); before the vault erases a subject, Plan reads the disclosure
// ledger (ids and codes, which outlive the erasure) for the processors
// that received something, and Start creates one deletion task per such
// processor: a deletion.requested event in the durable outbox and a
// delivery to the processor's endpoint, which the outbox's job delivers
// signed per Standard Webhooks, at least once, with back-off and the same
// webhook-id on every retry, until the processor confirms the task with
// its one-time token (POST /v1/tasks/{id}/confirm). A confirmed task is
// never sent again.
//
// The token is never stored: it is an HMAC of the task under a server
// secret (TokenKey), recomputed when a delivery is sent and added to the
// body then, so the outbox holds no credential; the task keeps only the
// token's SHA-256, compared in constant time on confirmation.
package cascade

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/outbox"
	"github.com/steward-privacy/steward/policy"
)

// Store is what the cascade keeps its endpoints and tasks in, and reads
// the disclosure ledger from.
type Store interface {
	steward.CascadeStore
	Disclosures(ctx context.Context, tenantID, subjectID string, limit int) ([]*steward.Disclosure, error)
}

// Config wires a Service.
type Config struct {
	Store Store
	// Outbox seals endpoints and delivers the tasks.
	Outbox *outbox.Service
	Audit  steward.AuditLog
	// Policy returns the policy in force: its processors are those an
	// endpoint may be set for.
	Policy func() *policy.Decider
	// TokenKey (at least 32 bytes) derives the tasks' one-time tokens.
	TokenKey []byte
	// PublicURL is the base of the confirmation URL (no trailing slash).
	PublicURL string
	Now       func() time.Time
	Logger    *slog.Logger
	// OnConfirmed, if set, is called when a task is confirmed for the
	// first time (the requests runner finishes an erasure early when
	// every task of it is).
	OnConfirmed func(ctx context.Context, tenantID, requestID string)
}

// Service manages processor endpoints and deletion tasks.
type Service struct {
	cfg       Config
	confirmed atomic.Pointer[func(ctx context.Context, tenantID, requestID string)]
}

// New returns the service and registers how its deliveries are made.
func New(c Config) (*Service, error) {
	if c.Store == nil || c.Outbox == nil || c.Audit == nil || c.Policy == nil {
		return nil, steward.Errorf(steward.EINVALID, "cascade: store, outbox, audit and policy are required")
	}
	if len(c.TokenKey) < 32 {
		return nil, steward.Errorf(steward.EINVALID, "cascade: the token key must have 32 bytes")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	s := &Service{cfg: c}
	if c.OnConfirmed != nil {
		s.SetOnConfirmed(c.OnConfirmed)
	}
	c.Outbox.Render(steward.EventDeletionRequested, s.render)
	return s, nil
}

// SetOnConfirmed replaces Config.OnConfirmed: for a requests runner built
// after the service it uses (the two need each other).
func (s *Service) SetOnConfirmed(fn func(ctx context.Context, tenantID, requestID string)) {
	s.confirmed.Store(&fn)
}

// record appends an audit event: ids and codes only.
func (s *Service) record(ctx context.Context, tenantID, action, subjectID, target string, reasons ...string) error {
	e := steward.NewAuditEvent(ctx, steward.CallerFrom(ctx), action, s.cfg.Now())
	if e.Actor == "" {
		e.Actor = "system:cascade"
	}
	e.TenantID, e.SubjectID, e.Target, e.Reasons, e.Decision = tenantID, subjectID, target, reasons, steward.DecisionAllow
	return s.cfg.Audit.Append(ctx, e)
}
