package outbox

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Subscription asks for an endpoint to receive event types.
type Subscription struct {
	URL         string   `json:"url" doc:"https://...; plain http only to a loopback host; no credentials"`
	Types       []string `json:"types" doc:"event types, e.g. consent.changed, policy.changed"`
	Description string   `json:"description,omitempty" doc:"a label for people, at most 200 characters"`
}

// WebhookView describes a webhook, never its secret.
type WebhookView struct {
	ID           string     `json:"id"`
	URL          string     `json:"url"`
	Types        []string   `json:"types"`
	Description  string     `json:"description,omitempty"`
	Status       string     `json:"status" doc:"active, or disabled after failing for a whole retry schedule (subscribe the URL again to enable it)"`
	Failures     int        `json:"failures" doc:"failed attempts since the last success"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Subscribed is the answer to a subscription: the webhook and, when it was
// created now, its signing secret, shown this once.
type Subscribed struct {
	WebhookView
	Created bool   `json:"created" doc:"true when this call created the webhook; false when it updated the one of this URL"`
	Secret  string `json:"secret,omitempty" doc:"whsec_...: the signing secret, shown only when the webhook is created; store it now"`
}

// DeliveryView is the state of one event's delivery to a webhook.
type DeliveryView struct {
	EventID     string     `json:"event_id"`
	EventType   string     `json:"event_type"`
	State       string     `json:"state" doc:"pending, delivered or failed"`
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"last_status,omitempty" doc:"the HTTP status of the last attempt"`
	LastError   string     `json:"last_error,omitempty" doc:"timeout, connection, redirect, status or destination_refused"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// maxDescription bounds a webhook's description.
const maxDescription = 200

// aadKind marks the webhook ciphertexts, so they open nowhere else.
const aadKind = "webhook"

func aad(tenant, id, what string) []byte {
	return crypt.AAD{Tenant: tenant, Kind: aadKind, Name: id, Ref: what}.Bytes()
}

// checkTypes returns the known, distinct types, sorted.
func checkTypes(types []string) ([]string, error) {
	if len(types) == 0 || len(types) > len(steward.EventTypes) {
		return nil, steward.Invalid("types", "name at least one event type, each once")
	}
	out := make([]string, 0, len(types))
	for i, t := range types {
		if !slices.Contains(steward.EventTypes, t) {
			return nil, steward.Invalid("types["+strconv.Itoa(i)+"]", "is not an event type; known: "+strings.Join(steward.EventTypes, ", "))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

func checkDescription(d string) error {
	if len(d) > maxDescription || slices.ContainsFunc([]rune(d), unicode.IsControl) {
		return steward.Invalid("description", "must be at most 200 characters, without control characters")
	}
	return nil
}

// Subscribe subscribes an endpoint of the caller's tenant to event types
// (scope admin). A URL the tenant has subscribed already keeps its id and
// secret: its types and description are replaced and it is enabled again.
// Each call is an audit event naming the webhook id only.
func (s *Service) Subscribe(ctx context.Context, in Subscription) (*Subscribed, error) {
	c, err := steward.Require(ctx, steward.ScopeAdmin)
	if err != nil {
		return nil, err
	}
	if err := checkURL(in.URL, s.cfg.AllowPrivate); err != nil {
		return nil, err
	}
	types, err := checkTypes(in.Types)
	if err != nil {
		return nil, err
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	key, secret := newSecret()
	defer crypt.Wipe(key)
	w := &steward.Webhook{ID: steward.NewID("whk"), TenantID: c.TenantID, URLIndex: crypt.BlindIndex(s.cfg.IndexKey, "webhook-url/"+c.TenantID, in.URL),
		Types: types, Description: in.Description, CreatedAt: now, UpdatedAt: now}
	w.URLSealed = crypt.Seal(s.seal, []byte(in.URL), aad(c.TenantID, w.ID, "url"))
	w.SecretSealed = crypt.Seal(s.seal, key, aad(c.TenantID, w.ID, "secret"))
	created, err := s.cfg.Store.PutWebhook(ctx, w)
	if err != nil {
		return nil, err
	}
	action := steward.ActionWebhookUpdate
	if created {
		action = steward.ActionWebhookCreate
	} else {
		secret = ""
	}
	if err := s.record(ctx, c, action, w.ID); err != nil {
		return nil, err
	}
	return &Subscribed{WebhookView: view(w, in.URL), Created: created, Secret: secret}, nil
}

func view(w *steward.Webhook, url string) WebhookView {
	status := "active"
	if w.DisabledAt != nil {
		status = "disabled"
	}
	return WebhookView{ID: w.ID, URL: url, Types: w.Types, Description: w.Description, Status: status, Failures: w.Failures,
		FailingSince: w.FailingSince, DisabledAt: w.DisabledAt, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// Webhooks lists the caller's tenant's webhooks, never their secrets
// (scope admin).
func (s *Service) Webhooks(ctx context.Context) ([]WebhookView, error) {
	c, err := steward.Require(ctx, steward.ScopeAdmin)
	if err != nil {
		return nil, err
	}
	ws, err := s.cfg.Store.Webhooks(ctx, c.TenantID)
	if err != nil {
		return nil, err
	}
	out := make([]WebhookView, 0, len(ws))
	for _, w := range ws {
		url, err := crypt.Open(s.seal, w.URLSealed, aad(w.TenantID, w.ID, "url"))
		if err != nil {
			return nil, err
		}
		out = append(out, view(w, string(url)))
	}
	return out, nil
}

// DeleteWebhook deletes a webhook of the caller's tenant and its pending
// deliveries (scope admin); an audit event names its id.
func (s *Service) DeleteWebhook(ctx context.Context, id string) error {
	c, err := steward.Require(ctx, steward.ScopeAdmin)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.DeleteWebhook(ctx, c.TenantID, id); err != nil {
		return err
	}
	return s.record(ctx, c, steward.ActionWebhookDelete, id)
}

// Deliveries lists the newest deliveries of a webhook of the caller's
// tenant (scope admin); limit is 1 to 1000 (0: 100).
func (s *Service) Deliveries(ctx context.Context, id string, limit int) ([]DeliveryView, error) {
	c, err := steward.Require(ctx, steward.ScopeAdmin)
	if err != nil {
		return nil, err
	}
	if limit, err = checkLimit(limit); err != nil {
		return nil, err
	}
	ds, err := s.cfg.Store.Deliveries(ctx, c.TenantID, id, limit)
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryView, 0, len(ds))
	for _, d := range ds {
		v := DeliveryView{EventID: d.EventID, EventType: d.EventType, State: d.State, Attempts: d.Attempts,
			LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
		if d.State == steward.DeliveryPending {
			v.NextAttempt = &d.NextAttempt
		}
		out = append(out, v)
	}
	return out, nil
}

// parseCursor reads an ?after= cursor: "" for the start, else the decimal
// sequence number of the last event seen.
func parseCursor(after string) (int64, error) {
	if after == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(after, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != after {
		return 0, steward.Invalid("after", "is not a cursor: pass the next_cursor of a previous page")
	}
	return n, nil
}

func formatCursor(seq int64) string { return strconv.FormatInt(seq, 10) }
