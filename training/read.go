package training

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Export returns one of the tenant's exports (scope training:export).
func (s *Service) Export(ctx context.Context, id string) (*steward.TrainingExport, error) {
	c, err := steward.Require(ctx, steward.ScopeTrainingExport)
	if err != nil {
		return nil, err
	}
	return s.c.Store.TrainingExport(ctx, c.TenantID, id)
}

// Data opens a completed export's JSON Lines (audited as training.read).
func (s *Service) Data(ctx context.Context, id string) (io.ReadCloser, error) {
	return s.open(ctx, id, func(e *steward.TrainingExport) (sealed, error) {
		return sealed{label: "export", blob: blobKey(e), aad: exportAAD(e), reason: "rows:" + strconv.Itoa(e.Rows)}, nil
	})
}

// Files opens a completed export's files as a zip (ENOTFOUND when it has
// none), audited as training.read.
func (s *Service) Files(ctx context.Context, id string) (io.ReadCloser, error) {
	return s.open(ctx, id, func(e *steward.TrainingExport) (sealed, error) {
		if e.Files == 0 {
			return sealed{}, steward.Errorf(steward.ENOTFOUND, "the export holds no file")
		}
		return sealed{label: "export-files", blob: filesKey(e), aad: filesAAD(e), reason: "files:" + strconv.Itoa(e.Files)}, nil
	})
}

// sealed names one stored part of an export: the label of its key, its
// blob, its AAD and the audit reason of reading it.
type sealed struct {
	label, blob, reason string
	aad                 []byte
}

// open opens a part of a completed export of the caller's tenant.
func (s *Service) open(ctx context.Context, id string, part func(*steward.TrainingExport) (sealed, error)) (io.ReadCloser, error) {
	c, err := steward.Require(ctx, steward.ScopeTrainingExport)
	if err != nil {
		return nil, err
	}
	e, err := s.c.Store.TrainingExport(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	if e.Status != steward.ExportCompleted {
		return nil, steward.Errorf(steward.ECONFLICT, "the export is %s", e.Status)
	}
	p, err := part(e)
	if err != nil {
		return nil, err
	}
	k, err := crypt.NewKey(1, s.keyed(p.label, e.ID))
	if err != nil {
		return nil, err
	}
	raw, err := s.c.Files.Get(ctx, p.blob)
	if err != nil {
		return nil, err
	}
	plain, err := crypt.NewDecryptReader(raw, func(uint32) (*crypt.Key, error) { return k, nil }, p.aad)
	if err != nil {
		raw.Close()
		return nil, err
	}
	if err := s.record(ctx, c, steward.ActionTrainingRead, e.ID, p.reason); err != nil {
		raw.Close()
		return nil, err
	}
	return readCloser{plain, raw}, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// RunEvent is an OpenLineage RunEvent (https://openlineage.io/spec/2-0-2/OpenLineage.json).
type RunEvent struct {
	EventType string         `json:"eventType" doc:"START, COMPLETE or FAIL"`
	EventTime time.Time      `json:"eventTime"`
	Producer  string         `json:"producer"`
	SchemaURL string         `json:"schemaURL"`
	Run       LineageRun     `json:"run"`
	Job       LineageJob     `json:"job"`
	Inputs    []LineageSet   `json:"inputs"`
	Outputs   []LineageSet   `json:"outputs"`
	Shards    map[string]int `json:"shards,omitempty" doc:"steward's extension: how many subjects each shard holds"`
}

// LineageRun is the run of an OpenLineage event.
type LineageRun struct {
	RunID  string         `json:"runId"`
	Facets map[string]any `json:"facets,omitempty"`
}

// LineageJob is the job of an OpenLineage event.
type LineageJob struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// LineageSet is a dataset of an OpenLineage event.
type LineageSet struct {
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Facets    map[string]any `json:"facets,omitempty"`
}

// SchemaURL is the OpenLineage schema the events follow.
const SchemaURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"

// Lineage returns the OpenLineage RunEvents of an export: START, then
// COMPLETE or FAIL; the subjects are counted per shard, never named.
func (s *Service) Lineage(ctx context.Context, id string) ([]RunEvent, error) {
	c, err := steward.Require(ctx, steward.ScopeTrainingExport)
	if err != nil {
		return nil, err
	}
	e, err := s.c.Store.TrainingExport(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	counts, err := s.c.Store.LineageCount(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	ns := "steward://" + e.TenantID
	job := LineageJob{Namespace: ns, Name: "training-export." + e.Purpose}
	in := []LineageSet{{Namespace: ns, Name: "vault", Facets: map[string]any{"categories": e.Categories, "policyVersion": e.PolicyVersion}}}
	out := []LineageSet{{Namespace: ns, Name: "training-export/" + e.ID, Facets: map[string]any{"deidentify": e.Deidentify,
		"purpose": e.Purpose, "model": e.ModelID, "rows": e.Rows}}}
	run := LineageRun{RunID: e.RunID}
	events := []RunEvent{{EventType: "START", EventTime: e.CreatedAt, Producer: s.c.Producer, SchemaURL: SchemaURL, Run: run, Job: job,
		Inputs: in, Outputs: []LineageSet{}}}
	if e.CompletedAt != nil {
		end := RunEvent{EventType: "COMPLETE", EventTime: *e.CompletedAt, Producer: s.c.Producer, SchemaURL: SchemaURL, Run: run, Job: job,
			Inputs: in, Outputs: out, Shards: map[string]int{}}
		if e.Status == steward.ExportFailed {
			end.EventType, end.Outputs = "FAIL", []LineageSet{}
		}
		for shard, n := range counts {
			end.Shards[strconv.Itoa(shard)] = n
		}
		events = append(events, end)
	}
	return events, nil
}

// SubjectErased turns the lineage of an erased subject into retrain
// obligations of the models trained on their shards (model.affected in the
// outbox, with model, export and shard, never the subject) and deletes
// the lineage rows. The vault calls it before the subject's keys are
// destroyed (the lineage key is the service's, not the subject's).
func (s *Service) SubjectErased(ctx context.Context, tenantID, subjectID string) ([]*steward.AffectedModel, error) {
	return s.affect(ctx, tenantID, subjectID, "erasure", nil)
}

// SubjectWithdrew does the same for the exports whose purpose a person
// objected to or withdrew their consent for (cause "objection" or
// "withdrawal"; purposes as objected, "*" for every one): they may no
// longer be trained on.
func (s *Service) SubjectWithdrew(ctx context.Context, tenantID, subjectID, cause string, purposes []string) error {
	_, err := s.affect(ctx, tenantID, subjectID, cause, func(p string) bool {
		for _, o := range purposes {
			if o == "*" || p == o || strings.HasPrefix(p, o+".") {
				return true
			}
		}
		return false
	})
	return err
}

func (s *Service) affect(ctx context.Context, tenantID, subjectID, cause string, purpose func(string) bool) ([]*steward.AffectedModel, error) {
	now := s.c.Now().UTC()
	affected, err := s.c.Store.AffectModels(ctx, tenantID, s.subjectHash(tenantID, subjectID), cause, now, purpose,
		func(a *steward.AffectedModel) (*steward.Event, error) {
			return steward.NewEvent(tenantID, steward.EventModelAffected, now, map[string]any{"model": a.ModelID, "export": a.ExportID,
				"shard": a.Shard, "cause": a.Cause, "obligation": a.ID})
		})
	if err != nil {
		return nil, err
	}
	for _, a := range affected {
		e := &steward.AuditEvent{TenantID: tenantID, Actor: "system:" + Actor, Action: steward.ActionModelAffected, Time: now,
			Target: a.ModelID, Decision: steward.DecisionAllow, Reasons: []string{"export:" + a.ExportID, "shard:" + strconv.Itoa(a.Shard),
				"cause:" + cause}}
		if err := s.c.Audit.Append(ctx, e); err != nil {
			return nil, err
		}
	}
	return affected, nil
}

// Affected lists a model's retrain obligations (pending ones only, unless
// all).
func (s *Service) Affected(ctx context.Context, modelID string, all bool) ([]*steward.AffectedModel, error) {
	c, err := steward.Require(ctx, steward.ScopeModelsManage)
	if err != nil {
		return nil, err
	}
	if _, err := s.c.Store.Model(ctx, c.TenantID, modelID); err != nil {
		return nil, err
	}
	return s.c.Store.AffectedModels(ctx, c.TenantID, modelID, !all)
}

// Resolution records what was done about a retrain obligation.
type Resolution struct {
	Resolution string `json:"resolution" doc:"a code: retrained, or why not (e.g. model_retired, shard_dropped)"`
}

// Resolve records what was done about an obligation (audited).
func (s *Service) Resolve(ctx context.Context, modelID, id string, in *Resolution) (*steward.AffectedModel, error) {
	c, err := steward.Require(ctx, steward.ScopeModelsManage)
	if err != nil {
		return nil, err
	}
	if len(in.Resolution) > 64 || !isCode(in.Resolution) {
		return nil, steward.Invalid("resolution", "a code of letters, digits, dots, dashes and underscores, such as retrained")
	}
	a, err := s.c.Store.ResolveAffected(ctx, c.TenantID, modelID, id, in.Resolution, s.c.Now().UTC())
	if err != nil {
		return nil, err
	}
	return a, s.record(ctx, c, steward.ActionAffectedResolve, a.ID, "model:"+modelID, "resolution:"+in.Resolution)
}

func isCode(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return s != ""
}
