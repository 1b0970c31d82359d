package client

import (
	"context"
	"time"
)

// ProcessorEndpoint sets where a processor's deletion tasks are delivered.
type ProcessorEndpoint struct {
	URL string `json:"url"` // https://...; plain http only to a loopback host
}

// ProcessorEndpointSet is SetProcessorEndpoint's answer: Secret (whsec_...)
// signs the deletion webhooks to the endpoint; it is shown only now.
type ProcessorEndpointSet struct {
	Processor string    `json:"processor"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Processor is a processor of the policy and its endpoint, never its
// secret.
type Processor struct {
	Key      string `json:"key"`
	Name     string `json:"name,omitempty"`
	Declared bool   `json:"declared"` // false: no longer in the policy, but it has an endpoint
	Endpoint bool   `json:"endpoint"` // whether an endpoint is set
	URL      string `json:"url,omitempty"`
	Status   string `json:"status,omitempty"` // active or disabled
}

// DeletionTask asks one processor to delete what it received of a subject.
type DeletionTask struct {
	ID          string     `json:"id"`
	RequestID   string     `json:"request_id"`
	SubjectID   string     `json:"subject_id"`
	Processor   string     `json:"processor"`
	State       string     `json:"state"`    // pending or confirmed
	Delivery    string     `json:"delivery"` // none, pending, delivered or failed
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	LastAttempt *time.Time `json:"last_attempt,omitempty"`
	EventID     string     `json:"event_id"` // the webhook-id of its deliveries
	Disclosures []string   `json:"disclosures"`
	Categories  []string   `json:"categories"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// DeletionRequested is the data of a deletion webhook (event type
// deletion.requested): Event.Data of what the processor's endpoint
// receives.
type DeletionRequested struct {
	Task struct {
		ID         string `json:"id"`
		Token      string `json:"token"` // one-time: pass it to ConfirmTask
		ConfirmURL string `json:"confirm_url"`
	} `json:"task"`
	Processor   string `json:"processor"`
	Disclosures []struct {
		ID         string    `json:"id"`
		At         time.Time `json:"at"`
		Purpose    string    `json:"purpose"`
		Categories []string  `json:"categories"`
	} `json:"disclosures"`
	Categories []string `json:"categories"`
}

type taskConfirmation struct {
	Token string `json:"token"`
}

type processorList struct {
	Processors []Processor `json:"processors"`
}

func (l *processorList) items() []Processor { return l.Processors }

type taskList struct {
	Tasks []DeletionTask `json:"tasks"`
}

func (l *taskList) items() []DeletionTask { return l.Tasks }

var (
	routeSetProcessorEndpoint    = jsonRoute[ProcessorEndpoint, ProcessorEndpointSet]("SetProcessorEndpoint", "PUT", "/v1/processors/{key}/endpoint")
	routeListProcessors          = jsonRoute[none, processorList]("ListProcessors", "GET", "/v1/processors")
	routeDeleteProcessorEndpoint = jsonRoute[none, none]("DeleteProcessorEndpoint", "DELETE", "/v1/processors/{key}/endpoint")
	routeConfirmTask             = jsonRoute[taskConfirmation, DeletionTask]("ConfirmTask", "POST", "/v1/tasks/{id}/confirm")
	routeListTasks               = jsonRoute[none, taskList]("ListTasks", "GET", "/v1/tasks")
)

// SetProcessorEndpoint sets the endpoint a declared processor's deletion
// tasks are delivered to and returns its new signing secret, shown once
// (needs processors:manage). Setting it again replaces URL and secret and
// retries its pending tasks.
func (c *Client) SetProcessorEndpoint(ctx context.Context, processor string, in ProcessorEndpoint) (*ProcessorEndpointSet, error) {
	return routeSetProcessorEndpoint.call(ctx, c, in, nil, processor)
}

// ListProcessors lists the policy's processors and whether each has an
// endpoint (needs processors:manage).
func (c *Client) ListProcessors(ctx context.Context) ([]Processor, error) {
	return itemsOf(routeListProcessors.call(ctx, c, none{}, nil))
}

// DeleteProcessorEndpoint removes a processor's endpoint; its tasks wait
// for a new one (needs processors:manage).
func (c *Client) DeleteProcessorEndpoint(ctx context.Context, processor string) error {
	_, err := routeDeleteProcessorEndpoint.call(ctx, c, none{}, nil, processor)
	return err
}

// ConfirmTask confirms a deletion task with the one-time token its webhook
// carried; no key is needed (a processor calls it). Confirming again is
// fine; a wrong id or token is ENOTFOUND.
func (c *Client) ConfirmTask(ctx context.Context, taskID, token string) (*DeletionTask, error) {
	return routeConfirmTask.call(ctx, c, taskConfirmation{Token: token}, nil, taskID)
}

// ListTasks lists the deletion tasks of an erasure request (or of a
// direct erasure's ErasureID) with their delivery (needs requests:manage).
func (c *Client) ListTasks(ctx context.Context, requestID string) ([]DeletionTask, error) {
	return itemsOf(routeListTasks.call(ctx, c, none{}, values("request", requestID)))
}

// EraseOption changes what EraseSubject does.
type EraseOption int

// Cascade makes EraseSubject the direct path of an erasure request: the
// ledger's processors are read before the erasure, and the evidence comes
// with the erasure's id (ListTasks) and one deletion task per processor
// that received the subject's data.
const Cascade EraseOption = 1
