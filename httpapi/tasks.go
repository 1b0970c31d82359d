package httpapi

import (
	"net/http"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/cascade"
	"github.com/steward-privacy/steward/vault"
)

// TaskList lists an erasure's deletion tasks.
type TaskList struct {
	Tasks []*cascade.Task `json:"tasks"`
}

// Erasure is the answer to DELETE /v1/subjects/{id}: the evidence and,
// with ?cascade=true, the erasure's id and its deletion tasks.
type Erasure struct {
	vault.Evidence
	ErasureID string          `json:"erasure_id,omitempty" doc:"with ?cascade=true: the id its tasks are listed under (GET /v1/tasks?request=)"`
	Tasks     []*cascade.Task `json:"tasks,omitempty" doc:"with ?cascade=true: one deletion task per processor that received the subject's data"`
}

var cascadeParam = Param{Name: "cascade", Type: "boolean",
	Description: "true: also ask every processor that received the subject's data to delete it (the direct path of an erasure request)"}

// routeTasks serves deletion tasks: the processors' confirmations and
// their state.
func (s *Server) routeTasks(c *cascade.Service) {
	s.route(Route{Method: "POST", Path: "/v1/tasks/{id}/confirm",
		Summary: "Confirm a deletion task (no key: its one-time token is the credential)", Tag: "cascade", Public: true,
		In: cascade.ConfirmInput{}, Out: cascade.Task{}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[cascade.ConfirmInput](w, r)
			if err != nil {
				return err
			}
			t, err := c.Confirm(r.Context(), r.PathValue("id"), *in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, t)
		})
	s.route(Route{Method: "GET", Path: "/v1/tasks", Summary: "List the deletion tasks of an erasure and their delivery", Tag: "cascade",
		Scope: steward.ScopeRequestsManage, Out: TaskList{},
		Query: []Param{{Name: "request", Required: true, Description: "the erasure request's id (or a direct erasure's erasure_id)"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			ts, err := c.Tasks(r.Context(), r.URL.Query().Get("request"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, TaskList{Tasks: ts})
		})
}

// eraseCascade erases a subject with its cascade: the plan read from the
// ledger first, then the vault's erasure, then the tasks.
func (s *Server) eraseCascade(r *http.Request, v *vault.Vault, id string) (*Erasure, error) {
	c := s.opts.Cascade
	if c == nil {
		return nil, steward.Invalid("cascade", "this server has no erasure cascade")
	}
	caller, err := steward.Require(r.Context(), steward.ScopeRecordsWrite)
	if err != nil {
		return nil, err
	}
	plan, err := c.Plan(r.Context(), caller.TenantID, id)
	if err != nil {
		return nil, err
	}
	ev, err := v.Erase(r.Context(), id)
	if err != nil {
		return nil, err
	}
	out := &Erasure{Evidence: *ev, ErasureID: steward.NewID("era")}
	if out.Tasks, err = c.Start(r.Context(), caller.TenantID, out.ErasureID, id, plan); err != nil {
		return nil, err
	}
	return out, nil
}
