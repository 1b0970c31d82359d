package steward

import (
	"context"
	"encoding/json"
	"time"
)

// Event types of the outbox. Data holds ids and codes only, never a
// personal value, a secret or a one-time token.
const (
	EventPolicyChanged  = "policy.changed"
	EventConsentChanged = "consent.changed"
)

// Event is one durable event of the outbox, in the Standard Webhooks shape
// ({"id", "type", "timestamp", "data"}). Seq orders a tenant's events and is
// the cursor applications page with; it is assigned by the store.
type Event struct {
	Seq       int64           `json:"-"`
	ID        string          `json:"id"`
	TenantID  string          `json:"-"`
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// NewEvent returns an event of a type for a tenant, with a new id, the time
// and data (marshalled as JSON; it must hold no personal value).
func NewEvent(tenantID, typ string, at time.Time, data any) (*Event, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return &Event{ID: NewID("evt"), TenantID: tenantID, Type: typ, Timestamp: at.UTC(), Data: b}, nil
}

// EventStore keeps the outbox. A capability that changes state and emits
// an event writes both in one transaction where its store offers that (see
// the store's own methods); AppendEvents is for events on their own.
type EventStore interface {
	// AppendEvents stores events durably and sets their Seq.
	AppendEvents(ctx context.Context, events ...*Event) error
	// Events returns up to limit events of a tenant with Seq > after,
	// oldest first.
	Events(ctx context.Context, tenantID string, after int64, limit int) ([]*Event, error)
}
