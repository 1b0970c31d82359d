package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Event is one event of the outbox, in the Standard Webhooks shape: the
// body of a webhook delivery, and an item of ListEvents.
type Event struct {
	ID        string          `json:"id"`   // evt_...; the webhook-id header of its deliveries
	Type      string          `json:"type"` // e.g. consent.changed, policy.changed
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"` // ids and codes only
}

// EventPage is a page of the outbox, oldest first.
type EventPage struct {
	Events []Event `json:"events"`
	// NextCursor continues after the page; on an empty page it is the
	// cursor given, so a poller keeps calling with it.
	NextCursor string `json:"next_cursor"`
}

// NewWebhook subscribes an endpoint to event types.
type NewWebhook struct {
	URL         string   `json:"url"` // https://...; plain http only to a loopback host
	Types       []string `json:"types"`
	Description string   `json:"description,omitempty"`
}

// Webhook is a subscription, never its secret.
type Webhook struct {
	ID           string     `json:"id"`
	URL          string     `json:"url"`
	Types        []string   `json:"types"`
	Description  string     `json:"description,omitempty"`
	Status       string     `json:"status"`   // active or disabled
	Failures     int        `json:"failures"` // failed attempts since the last success
	FailingSince *time.Time `json:"failing_since,omitempty"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// SubscribedWebhook is PutWebhook's answer: Secret (whsec_...) is set only
// when the call created the webhook.
type SubscribedWebhook struct {
	Webhook
	Created bool   `json:"created"`
	Secret  string `json:"secret,omitempty"`
}

// WebhookDelivery is the state of one event's delivery to a webhook.
type WebhookDelivery struct {
	EventID     string     `json:"event_id"`
	EventType   string     `json:"event_type"`
	State       string     `json:"state"` // pending, delivered or failed
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"last_status,omitempty"`
	LastError   string     `json:"last_error,omitempty"` // timeout, connection, redirect, status, destination_refused
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

type webhookList struct {
	Webhooks []Webhook `json:"webhooks"`
}

func (l *webhookList) items() []Webhook { return l.Webhooks }

type deliveryList struct {
	Deliveries []WebhookDelivery `json:"deliveries"`
}

func (l *deliveryList) items() []WebhookDelivery { return l.Deliveries }

var (
	routeListEvents      = jsonRoute[none, EventPage]("ListEvents", "GET", "/v1/events")
	routePutWebhook      = jsonRoute[NewWebhook, SubscribedWebhook]("PutWebhook", "PUT", "/v1/webhooks")
	routeListWebhooks    = jsonRoute[none, webhookList]("ListWebhooks", "GET", "/v1/webhooks")
	routeDeleteWebhook   = jsonRoute[none, none]("DeleteWebhook", "DELETE", "/v1/webhooks/{id}")
	routeWebhookDelivers = jsonRoute[none, deliveryList]("ListWebhookDeliveries", "GET", "/v1/webhooks/{id}/deliveries")
)

// ListEvents returns the tenant's events after a cursor ("" for the start;
// else a NextCursor), oldest first, at most limit (0: 100) (needs
// events:read).
func (c *Client) ListEvents(ctx context.Context, after string, limit int) (*EventPage, error) {
	return routeListEvents.call(ctx, c, none{}, values("after", after, "limit", intParam(int64(limit))))
}

// PutWebhook subscribes an endpoint to event types (needs admin). The
// secret comes back only when the call creates the webhook; a URL already
// subscribed keeps its secret and gets the new types and description (and
// is enabled again). If a retry of this call answers Created false and the
// secret was never seen, delete the webhook and subscribe again.
func (c *Client) PutWebhook(ctx context.Context, w NewWebhook) (*SubscribedWebhook, error) {
	return routePutWebhook.call(ctx, c, w, nil)
}

// ListWebhooks lists the tenant's webhooks, never their secrets (needs
// admin).
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	return itemsOf(routeListWebhooks.call(ctx, c, none{}, nil))
}

// DeleteWebhook deletes a webhook and its pending deliveries (needs admin).
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	_, err := routeDeleteWebhook.call(ctx, c, none{}, nil, id)
	return err
}

// ListWebhookDeliveries returns a webhook's newest deliveries, at most limit
// (0: 100) (needs admin).
func (c *Client) ListWebhookDeliveries(ctx context.Context, id string, limit int) ([]WebhookDelivery, error) {
	return itemsOf(routeWebhookDelivers.call(ctx, c, none{}, values("limit", intParam(int64(limit))), id))
}

// WebhookTolerance is how far a delivery's webhook-timestamp may be from
// the receiver's clock; older or newer messages are refused as replays.
const WebhookTolerance = 5 * time.Minute

// ErrWebhookSignature is returned by VerifyWebhook for a message that is
// not signed with the secret, or is too old or too new.
var ErrWebhookSignature = errors.New("client: webhook signature does not verify")

// VerifyWebhook checks a webhook delivery the way the Standard Webhooks
// specification says: the body must be signed with the subscription's
// secret (whsec_...) in one of the webhook-signature header's "v1,<base64>"
// values, as HMAC-SHA256 over "webhook-id.webhook-timestamp.body", and the
// timestamp must be within WebhookTolerance of now. Pass the raw body, as
// received, before any JSON parsing. Deduplicate by webhook-id: a delivery
// may come more than once.
func VerifyWebhook(secret string, h http.Header, body []byte) error {
	return verifyWebhook(secret, h, body, time.Now())
}

func verifyWebhook(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return errors.New("client: a webhook secret is whsec_ and base64")
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return ErrWebhookSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrWebhookSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > WebhookTolerance || d < -WebhookTolerance {
		return ErrWebhookSignature
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	want := m.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrWebhookSignature
}
