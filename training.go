package steward

import (
	"context"
	"time"
)

// Model is an AI model whose training data leaves through steward: owned
// by a tenant (a customer's custom model, trained only on that tenant's
// data and visible only to it) or by the service (trained only on the
// operator tenant's data). Nothing crosses tenants.
type Model struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"-"`
	Name      string    `json:"name"`
	Purpose   string    `json:"purpose"`
	Owner     string    `json:"owner"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// Model owners.
const (
	OwnerTenant  = "tenant"
	OwnerService = "service"
)

// TrainingExport is one export of de-identified training data: its
// purpose, categories and de-identification, the policy version it was
// decided under, how many subjects and rows it holds, and its status.
type TrainingExport struct {
	ID            string     `json:"id"`
	TenantID      string     `json:"-"`
	ModelID       string     `json:"model,omitempty"`
	Purpose       string     `json:"purpose"`
	Categories    []string   `json:"categories"`
	Deidentify    string     `json:"deidentify"`
	Shards        int        `json:"shards"`
	K             int        `json:"k,omitempty"`
	Status        string     `json:"status"`
	Subjects      int        `json:"subjects"`
	Skipped       int        `json:"skipped" doc:"subjects the policy did not allow for the purpose at export time"`
	Rows          int        `json:"rows"`
	Files         int        `json:"files" doc:"files in the export's zip (GET .../files), images without their metadata"`
	Bytes         int64      `json:"bytes"`
	Suppressed    int        `json:"suppressed,omitempty" doc:"aggregate groups below k, left out"`
	PolicyVersion string     `json:"policy_version"`
	RunID         string     `json:"run_id" doc:"the OpenLineage run id"`
	CreatedAt     time.Time  `json:"created_at"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
	Error         string     `json:"error,omitempty" doc:"why a failed export failed (a code)"`
}

// Training export statuses.
const (
	ExportRunning   = "running"
	ExportCompleted = "completed"
	ExportFailed    = "failed"
)

// AffectedModel is a retrain obligation: an erasure (or an objection or a
// withdrawal) removed a person from a shard a model was trained on. It
// names the model, export and shard, never the person.
type AffectedModel struct {
	ID         string     `json:"id"`
	TenantID   string     `json:"-"`
	ModelID    string     `json:"model"`
	ExportID   string     `json:"export"`
	Shard      int        `json:"shard"`
	Cause      string     `json:"cause" doc:"erasure"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Resolution string     `json:"resolution,omitempty" doc:"retrained, or why not (a code)"`
}

// TrainingStore keeps models, training exports, their lineage (which
// shard each subject went to, as a keyed hash of the subject id) and
// retrain obligations.
//
// AffectModels records, in one transaction, an obligation per (export,
// shard) holding the subject hash whose export's purpose matches (nil:
// every export), with the events, deletes those lineage rows, and returns
// the obligations.
type TrainingStore interface {
	CreateModel(ctx context.Context, m *Model) error
	Model(ctx context.Context, tenantID, id string) (*Model, error)
	Models(ctx context.Context, tenantID string) ([]*Model, error)
	CreateTrainingExport(ctx context.Context, e *TrainingExport) error
	UpdateTrainingExport(ctx context.Context, e *TrainingExport) error
	TrainingExport(ctx context.Context, tenantID, id string) (*TrainingExport, error)
	AddLineage(ctx context.Context, tenantID, exportID string, shard int, subjectHashes [][]byte) error
	LineageCount(ctx context.Context, tenantID, exportID string) (map[int]int, error)
	AffectModels(ctx context.Context, tenantID string, subjectHash []byte, cause string, at time.Time, purpose func(string) bool,
		events func(a *AffectedModel) (*Event, error)) ([]*AffectedModel, error)
	AffectedModels(ctx context.Context, tenantID, modelID string, pending bool) ([]*AffectedModel, error)
	ResolveAffected(ctx context.Context, tenantID, modelID, id, resolution string, at time.Time) (*AffectedModel, error)
	SubjectIDs(ctx context.Context, tenantID, after string, limit int) ([]string, error)
	// FailRunningExports marks exports left running (by a stopped server)
	// failed with error "interrupted".
	FailRunningExports(ctx context.Context, at time.Time) error
}

// Training audit actions and events.
const (
	ActionModelCreate     = "model.create"
	ActionModelRead       = "model.read"
	ActionTrainingExport  = "training.export"
	ActionTrainingRead    = "training.read"
	ActionModelAffected   = "model.affected"
	ActionAffectedResolve = "model.affected_resolve"
	// EventModelAffected tells the team that a shard a model was trained
	// on lost a person: model, export, shard; never a subject id.
	EventModelAffected = "model.affected"
)
