package steward

import (
	"context"
	"time"
)

// EventTypes lists every event type the outbox carries; a webhook may
// subscribe only to these. A capability that emits a new type adds it here.
var EventTypes = []string{EventPolicyChanged, EventConsentChanged,
	EventIncidentCreated, EventIncidentStatus, EventIncidentOverdue, EventIncidentNotified,
	EventRequestCreated, EventRequestChanged, EventRequestOverdue, EventRequestCompleted,
	EventDeletionRequested}

// Audit actions on webhook subscriptions. Their events name the webhook id
// only (Target), never its URL, which may carry a token.
const (
	ActionWebhookCreate  = "webhook.create"
	ActionWebhookUpdate  = "webhook.update"
	ActionWebhookDelete  = "webhook.delete"
	ActionWebhookDisable = "webhook.disable"
)

// Webhook is an application endpoint subscribed to event types of its
// tenant. Its URL and signing secret are stored sealed (URLSealed,
// SecretSealed) and found again by URLIndex, a keyed hash of the URL.
type Webhook struct {
	ID           string
	TenantID     string
	URLIndex     []byte
	URLSealed    []byte
	SecretSealed []byte
	Types        []string
	Description  string
	// Processor is set on a processor's endpoint (see CascadeStore): it
	// receives only its deletion tasks, never subscribed events.
	Processor string
	// Failures counts failed attempts since the last success;
	// FailingSince is the first of them (nil when healthy).
	Failures     int
	FailingSince *time.Time
	// DisabledAt is set when the endpoint failed for a whole retry
	// schedule; nothing is sent to it until it is subscribed again.
	DisabledAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is the state of one event's delivery to one webhook.
// LastError is a code (timeout, connection, redirect, status,
// destination_refused), never a response body.
type WebhookDelivery struct {
	WebhookID   string
	TenantID    string
	EventSeq    int64
	EventID     string
	EventType   string
	State       string
	Attempts    int
	LastStatus  int
	LastError   string
	NextAttempt time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DueDelivery is a pending delivery whose next attempt is due, with what
// an attempt needs: the webhook and the event.
type DueDelivery struct {
	Delivery WebhookDelivery
	Webhook  Webhook
	Event    Event
}

// DeliveryOutcome is the result of one attempt, for RecordDelivery.
type DeliveryOutcome struct {
	At          time.Time
	Status      int    // the HTTP status, 0 when none came back
	Error       string // "" on success, else a code
	Delivered   bool
	Exhausted   bool      // the last attempt of the schedule failed
	NextAttempt time.Time // when neither delivered nor exhausted
}

// WebhookStore keeps webhook subscriptions and their delivery state.
//
// PutWebhook creates w, or when the tenant already has a webhook with the
// same URLIndex, replaces its types and description and enables it again
// (keeping its id, secret and place); it reports whether it created one and
// fills in w's stored fields. A new webhook receives the events stored
// after it. Webhooks lists a tenant's webhooks; DeleteWebhook removes one
// and its deliveries (ENOTFOUND if the tenant has none of that id).
//
// EnqueueDeliveries turns the events every enabled webhook has not yet seen
// into pending deliveries (due at now) for the types it subscribes to,
// looking at up to limit events per webhook, and returns how many events it
// looked at. ClaimDeliveries returns up to limit deliveries due at now of
// enabled webhooks and moves their next attempt to until, so that no other
// run takes them meanwhile. RecordDelivery stores an attempt's outcome and
// the webhook's health: a success clears its failures; a failure counts,
// and an exhausted delivery disables a webhook that has failed without a
// success since before that delivery was created (a whole retry schedule).
// It reports whether the webhook was disabled now.
// Deliveries lists a webhook's deliveries, newest first.
type WebhookStore interface {
	PutWebhook(ctx context.Context, w *Webhook) (created bool, err error)
	Webhooks(ctx context.Context, tenantID string) ([]*Webhook, error)
	DeleteWebhook(ctx context.Context, tenantID, id string) error
	EnqueueDeliveries(ctx context.Context, now time.Time, limit int) (int, error)
	ClaimDeliveries(ctx context.Context, now, until time.Time, limit int) ([]*DueDelivery, error)
	RecordDelivery(ctx context.Context, d *WebhookDelivery, o DeliveryOutcome) (disabled bool, err error)
	Deliveries(ctx context.Context, tenantID, webhookID string, limit int) ([]*WebhookDelivery, error)
}
