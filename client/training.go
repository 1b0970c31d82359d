package client

import (
	"context"
	"time"
)

// NewModel registers a model for a training purpose of the policy.
type NewModel struct {
	Name    string `json:"name"`
	Purpose string `json:"purpose"` // train_ai_system or a purpose under it
	Owner   string `json:"owner"`   // tenant or service
}

// Model is a registered model.
type Model struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Purpose   string    `json:"purpose"`
	Owner     string    `json:"owner"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

type modelList struct {
	Models []Model `json:"models"`
}

func (l *modelList) items() []Model { return l.Models }

// NewTrainingExport asks for a training export.
type NewTrainingExport struct {
	Model      string   `json:"model,omitempty"`
	Purpose    string   `json:"purpose,omitempty"`
	Categories []string `json:"categories"`
	Deidentify string   `json:"deidentify"` // pseudonymize, redact or aggregate
	Shards     int      `json:"shards,omitempty"`
	K          int      `json:"k,omitempty"`
}

// TrainingExport is an export of de-identified training data.
type TrainingExport struct {
	ID            string     `json:"id"`
	Model         string     `json:"model,omitempty"`
	Purpose       string     `json:"purpose"`
	Categories    []string   `json:"categories"`
	Deidentify    string     `json:"deidentify"`
	Shards        int        `json:"shards"`
	K             int        `json:"k,omitempty"`
	Status        string     `json:"status"`
	Subjects      int        `json:"subjects"`
	Skipped       int        `json:"skipped"`
	Rows          int        `json:"rows"`
	Files         int        `json:"files"`
	Bytes         int64      `json:"bytes"`
	Suppressed    int        `json:"suppressed,omitempty"`
	PolicyVersion string     `json:"policy_version"`
	RunID         string     `json:"run_id"`
	CreatedAt     time.Time  `json:"created_at"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
	Error         string     `json:"error,omitempty"`
}

// LineageEvent is an OpenLineage RunEvent of an export.
type LineageEvent struct {
	EventType string         `json:"eventType"` // START, COMPLETE or FAIL
	EventTime time.Time      `json:"eventTime"`
	Producer  string         `json:"producer"`
	SchemaURL string         `json:"schemaURL"`
	Run       LineageRun     `json:"run"`
	Job       LineageJob     `json:"job"`
	Inputs    []LineageSet   `json:"inputs"`
	Outputs   []LineageSet   `json:"outputs"`
	Shards    map[string]int `json:"shards,omitempty"` // people per shard, never named
}

// LineageRun is the run of a RunEvent.
type LineageRun struct {
	RunID  string         `json:"runId"`
	Facets map[string]any `json:"facets,omitempty"`
}

// LineageJob is the job of a RunEvent.
type LineageJob struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// LineageSet is a dataset of a RunEvent.
type LineageSet struct {
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Facets    map[string]any `json:"facets,omitempty"`
}

type lineageList struct {
	Events []LineageEvent `json:"events"`
}

func (l *lineageList) items() []LineageEvent { return l.Events }

// AffectedModel is a retrain obligation: a shard that lost a person.
type AffectedModel struct {
	ID         string     `json:"id"`
	Model      string     `json:"model"`
	Export     string     `json:"export"`
	Shard      int        `json:"shard"`
	Cause      string     `json:"cause"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
}

type affectedList struct {
	Affected []AffectedModel `json:"affected"`
}

func (l *affectedList) items() []AffectedModel { return l.Affected }

type resolution struct {
	Resolution string `json:"resolution"`
}

var (
	routeCreateModel     = jsonRoute[NewModel, Model]("CreateModel", "POST", "/v1/models")
	routeModels          = jsonRoute[none, modelList]("Models", "GET", "/v1/models")
	routeModel           = jsonRoute[none, Model]("Model", "GET", "/v1/models/{id}")
	routeAffected        = jsonRoute[none, affectedList]("AffectedModels", "GET", "/v1/models/{id}/affected")
	routeResolveAffected = jsonRoute[resolution, AffectedModel]("ResolveAffected", "POST", "/v1/models/{id}/affected/{aid}/resolve")
	routeTrainingExport  = jsonRoute[NewTrainingExport, TrainingExport]("CreateTrainingExport", "POST", "/v1/training-exports")
	routeGetTraining     = jsonRoute[none, TrainingExport]("TrainingExport", "GET", "/v1/training-exports/{id}")
	routeTrainingData    = rawRoute("TrainingData", "GET", "/v1/training-exports/{id}/data")
	routeTrainingLineage = jsonRoute[none, lineageList]("TrainingLineage", "GET", "/v1/training-exports/{id}/lineage")
	routeTrainingFiles   = rawRoute("TrainingFiles", "GET", "/v1/training-exports/{id}/files")
)

// CreateModel registers a model (needs models:manage).
func (c *Client) CreateModel(ctx context.Context, in NewModel) (*Model, error) {
	return routeCreateModel.call(ctx, c, in, nil)
}

// Models lists the tenant's models.
func (c *Client) Models(ctx context.Context) ([]Model, error) {
	return itemsOf(routeModels.call(ctx, c, none{}, nil))
}

// Model returns one model; another tenant's is ENOTFOUND.
func (c *Client) Model(ctx context.Context, id string) (*Model, error) {
	return routeModel.call(ctx, c, none{}, nil, id)
}

// AffectedModels lists a model's retrain obligations (all: resolved too).
func (c *Client) AffectedModels(ctx context.Context, modelID string, all bool) ([]AffectedModel, error) {
	q := values()
	if all {
		q = values("all", "true")
	}
	return itemsOf(routeAffected.call(ctx, c, none{}, q, modelID))
}

// ResolveAffected records what was done about a retrain obligation (a
// code such as retrained).
func (c *Client) ResolveAffected(ctx context.Context, modelID, id, res string) (*AffectedModel, error) {
	return routeResolveAffected.call(ctx, c, resolution{Resolution: res}, nil, modelID, id)
}

// CreateTrainingExport exports de-identified training data (needs
// training:export).
func (c *Client) CreateTrainingExport(ctx context.Context, in NewTrainingExport) (*TrainingExport, error) {
	return routeTrainingExport.call(ctx, c, in, nil)
}

// TrainingExport returns an export.
func (c *Client) TrainingExport(ctx context.Context, id string) (*TrainingExport, error) {
	return routeGetTraining.call(ctx, c, none{}, nil, id)
}

// TrainingData streams an export's JSON Lines; close it.
func (c *Client) TrainingData(ctx context.Context, id string) (*Download, error) {
	resp, err := c.send(ctx, request{route: routeTrainingData, path: []string{id}})
	if err != nil {
		return nil, err
	}
	return checkedDownload(resp), nil
}

// TrainingLineage returns an export's OpenLineage RunEvents.
func (c *Client) TrainingLineage(ctx context.Context, id string) ([]LineageEvent, error) {
	return itemsOf(routeTrainingLineage.call(ctx, c, none{}, nil, id))
}

// TrainingFiles streams an export's files as a zip (images without their
// metadata); ENOTFOUND when it holds none. Close it.
func (c *Client) TrainingFiles(ctx context.Context, id string) (*Download, error) {
	resp, err := c.send(ctx, request{route: routeTrainingFiles, path: []string{id}})
	if err != nil {
		return nil, err
	}
	return checkedDownload(resp), nil
}

// WaitTrainingExport polls an export through c until it is no longer
// running and returns it (completed or failed), or the context's error.
func WaitTrainingExport(ctx context.Context, c *Client, id string) (*TrainingExport, error) {
	for {
		x, err := c.TrainingExport(ctx, id)
		if err != nil || x.Status != "running" {
			return x, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
