package httpapi

import (
	"io"
	"net/http"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/training"
)

// ModelList is the answer of GET /v1/models.
type ModelList struct {
	Models []*steward.Model `json:"models"`
}

// AffectedList is the answer of GET /v1/models/{id}/affected.
type AffectedList struct {
	Affected []*steward.AffectedModel `json:"affected"`
}

// LineageEvents is the answer of GET /v1/training-exports/{id}/lineage.
type LineageEvents struct {
	Events []training.RunEvent `json:"events" doc:"OpenLineage RunEvents: START, then COMPLETE or FAIL"`
}

func (s *Server) routeTraining(t *training.Service) {
	s.route(Route{Method: "POST", Path: "/v1/models", Summary: "Register a model trained for a training purpose of the policy", Tag: "training",
		Scope: steward.ScopeModelsManage, In: training.NewModel{}, Out: steward.Model{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[training.NewModel](w, r)
			if err != nil {
				return err
			}
			m, err := t.CreateModel(r.Context(), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, m)
		})
	s.route(Route{Method: "GET", Path: "/v1/models", Summary: "The tenant's models", Tag: "training", Scope: steward.ScopeModelsManage, Out: ModelList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			ms, err := t.Models(r.Context())
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, ModelList{Models: ms})
		})
	s.route(Route{Method: "GET", Path: "/v1/models/{id}", Summary: "One of the tenant's models", Tag: "training", Scope: steward.ScopeModelsManage,
		Out: steward.Model{}, Errors: []string{steward.ENOTFOUND}},
		func(w http.ResponseWriter, r *http.Request) error {
			m, err := t.Model(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, m)
		})
	s.route(Route{Method: "GET", Path: "/v1/models/{id}/affected", Summary: "A model's retrain obligations: shards that lost a person to an erasure",
		Tag: "training", Scope: steward.ScopeModelsManage, Out: AffectedList{}, Errors: []string{steward.ENOTFOUND},
		Query: []Param{{Name: "all", Type: "boolean", Description: "true: resolved ones too"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			as, err := t.Affected(r.Context(), r.PathValue("id"), r.URL.Query().Get("all") == "true")
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, AffectedList{Affected: as})
		})
	s.route(Route{Method: "POST", Path: "/v1/models/{id}/affected/{aid}/resolve", Summary: "Record what was done about a retrain obligation",
		Tag: "training", Scope: steward.ScopeModelsManage, In: training.Resolution{}, Out: steward.AffectedModel{},
		Errors: []string{steward.ENOTFOUND, steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[training.Resolution](w, r)
			if err != nil {
				return err
			}
			a, err := t.Resolve(r.Context(), r.PathValue("id"), r.PathValue("aid"), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, a)
		})
	s.route(Route{Method: "POST", Path: "/v1/training-exports", Summary: "Export de-identified training data of the subjects the policy allows, with its lineage",
		Tag: "training", Scope: steward.ScopeTrainingExport, In: training.NewExport{}, Out: steward.TrainingExport{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[training.NewExport](w, r)
			if err != nil {
				return err
			}
			e, err := t.CreateExport(r.Context(), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, e)
		})
	s.route(Route{Method: "GET", Path: "/v1/training-exports/{id}", Summary: "A training export: its status and counts", Tag: "training",
		Scope: steward.ScopeTrainingExport, Out: steward.TrainingExport{}, Errors: []string{steward.ENOTFOUND}},
		func(w http.ResponseWriter, r *http.Request) error {
			e, err := t.Export(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, e)
		})
	s.route(Route{Method: "GET", Path: "/v1/training-exports/{id}/data", Summary: "The export's rows as JSON Lines: no subject id, external id, email or phone",
		Tag: "training", Scope: steward.ScopeTrainingExport, RawOut: "application/jsonl", Errors: []string{steward.ENOTFOUND, steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			body, err := t.Data(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			defer body.Close()
			w.Header().Set("Content-Type", "application/jsonl")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			if _, err := io.Copy(w, body); err != nil {
				panic(http.ErrAbortHandler)
			}
			return nil
		})
	s.route(Route{Method: "GET", Path: "/v1/training-exports/{id}/files", Summary: "The export's files as a zip, images without their EXIF, XMP and IPTC metadata",
		Tag: "training", Scope: steward.ScopeTrainingExport, RawOut: "application/zip", Errors: []string{steward.ENOTFOUND, steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			body, err := t.Files(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			defer body.Close()
			w.Header().Set("Content-Type", "application/zip")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			if _, err := io.Copy(w, body); err != nil {
				panic(http.ErrAbortHandler)
			}
			return nil
		})
	s.route(Route{Method: "GET", Path: "/v1/training-exports/{id}/lineage", Summary: "The export's lineage as OpenLineage RunEvents (subjects counted per shard, never named)",
		Tag: "training", Scope: steward.ScopeTrainingExport, Out: LineageEvents{}, Errors: []string{steward.ENOTFOUND}},
		func(w http.ResponseWriter, r *http.Request) error {
			evs, err := t.Lineage(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, LineageEvents{Events: evs})
		})
}
