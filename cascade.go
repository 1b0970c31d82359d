package steward

import (
	"context"
	"time"
)

// EventDeletionRequested is the event of a deletion task: a processor that
// received a subject's data is asked to delete it. Its data in the outbox
// holds the task id, the confirmation URL, the processor, the disclosures
// and the categories (ids and codes); the one-time token is added only to
// the body sent to the processor's endpoint, never stored.
const EventDeletionRequested = "deletion.requested"

// Audit actions of the erasure cascade. Their events name the processor
// key or the task id (Target), never an endpoint URL or a token.
const (
	ActionProcessorEndpointSet    = "processor.endpoint.set"
	ActionProcessorEndpointDelete = "processor.endpoint.delete"
	ActionDeletionTaskCreate      = "deletion_task.create"
	ActionDeletionTaskConfirm     = "deletion_task.confirm"
	ActionDeletionTasksRead       = "deletion_task.list"
)

// Deletion task states.
const (
	TaskPending   = "pending"
	TaskConfirmed = "confirmed"
)

// DeletionTask asks one processor to delete what it received of one
// subject, for one erasure (RequestID: the rights request, or the erasure
// id of a direct erasure). Only the SHA-256 of its one-time token is kept
// (TokenHash). EventSeq is its deletion.requested event in the outbox;
// Disclosures and Categories are what the processor received (ids and
// codes). The delivery fields are filled in by DeletionTasks from the
// delivery to the processor's endpoint: Delivery is "" when no endpoint
// was set yet, else pending, delivered or failed.
type DeletionTask struct {
	ID          string
	TenantID    string
	RequestID   string
	SubjectID   string
	Processor   string
	TokenHash   []byte
	EventSeq    int64
	EventID     string
	State       string
	Disclosures []string
	Categories  []string
	CreatedAt   time.Time
	ConfirmedAt *time.Time

	Delivery    string
	Attempts    int
	LastError   string
	LastAttempt *time.Time
}

// CascadeStore keeps processor endpoints and deletion tasks. A processor
// endpoint is a Webhook with Processor set: it subscribes to no event type
// (so it is never listed with the tenant's webhooks nor fed by the
// subscription cursor) and receives only the deliveries of its processor's
// deletion tasks, through the same delivery table, claim and record as
// every webhook.
//
// PutProcessorEndpoint stores w (its id kept when the tenant's processor
// has an endpoint already, replacing URL and secret and enabling it again)
// and queues every pending task of that processor that has no delivery
// yet, and retries those whose delivery failed. ProcessorEndpoints lists a
// tenant's endpoints; DeleteProcessorEndpoint removes one and its
// deliveries (ENOTFOUND when none). AddDeletionTasks stores tasks with
// their events (one per task, in order) in one transaction, setting
// EventSeq, and queues a delivery for each task whose processor has an
// endpoint. DeletionTask finds a task by id in any tenant (ENOTFOUND).
// ConfirmDeletionTask marks a pending task confirmed and its delivery
// delivered (nothing is sent again), reporting whether it changed.
// DeletionTasks lists an erasure's tasks with their delivery state.
type CascadeStore interface {
	PutProcessorEndpoint(ctx context.Context, w *Webhook) error
	ProcessorEndpoints(ctx context.Context, tenantID string) ([]*Webhook, error)
	DeleteProcessorEndpoint(ctx context.Context, tenantID, processor string) error
	AddDeletionTasks(ctx context.Context, tasks []*DeletionTask, events []*Event) error
	DeletionTask(ctx context.Context, id string) (*DeletionTask, error)
	ConfirmDeletionTask(ctx context.Context, tenantID, id string, at time.Time) (bool, error)
	DeletionTasks(ctx context.Context, tenantID, requestID string) ([]*DeletionTask, error)
}
