package httpapi

import (
	"net/http"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/grants"
	"github.com/steward-privacy/steward/vault"
)

// GrantList is the answer of GET /v1/access-grants.
type GrantList struct {
	Grants []*grants.GrantView `json:"grants"`
}

// routeGrants serves break-glass access grants: a staff member asks, a
// privacy officer (another person) approves or refuses.
func (s *Server) routeGrants(gs *grants.Service) {
	s.route(Route{Method: "POST", Path: "/v1/access-grants", Summary: "Ask for break-glass access to one subject's data under a justification that needs approval (staff only)",
		Tag: "staff", Scope: steward.ScopeRecordsRead, In: grants.NewGrant{}, Out: grants.GrantView{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[grants.NewGrant](w, r)
			if err != nil {
				return err
			}
			out, err := gs.Request(r.Context(), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/access-grants", Summary: "List access grants, newest first", Tag: "staff",
		Scope: steward.ScopeRecordsRead, Out: GrantList{},
		Query: []Param{{Name: "status", Description: "requested, approved, refused or expired"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := gs.List(r.Context(), r.URL.Query().Get("status"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, GrantList{Grants: out})
		})
	s.route(Route{Method: "GET", Path: "/v1/access-grants/{id}", Summary: "One access grant (its note only with audit:read)", Tag: "staff",
		Scope: steward.ScopeRecordsRead, Out: grants.GrantView{}, Errors: []string{steward.ENOTFOUND}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := gs.Get(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	decide := func(path, summary string, fn func(*http.Request) (*grants.GrantView, error)) {
		s.route(Route{Method: "POST", Path: path, Summary: summary, Tag: "staff", Scope: steward.ScopeRecordsRead,
			Out: grants.GrantView{}, Errors: []string{steward.ENOTFOUND, steward.ECONFLICT}},
			func(w http.ResponseWriter, r *http.Request) error {
				out, err := fn(r)
				if err != nil {
					return err
				}
				return respond(w, http.StatusOK, out)
			})
	}
	decide("/v1/access-grants/{id}/approve", "Approve an access grant (a privacy officer other than the requester)",
		func(r *http.Request) (*grants.GrantView, error) { return gs.Approve(r.Context(), r.PathValue("id")) })
	decide("/v1/access-grants/{id}/refuse", "Refuse an access grant (a privacy officer other than the requester)",
		func(r *http.Request) (*grants.GrantView, error) { return gs.Refuse(r.Context(), r.PathValue("id")) })
}

// routeStaffAgreement serves the subject's agreement to staff access,
// which the subject-agreement justification needs.
func (s *Server) routeStaffAgreement(v *vault.Vault) {
	for _, m := range []struct {
		method, summary string
		agreed          bool
	}{
		{"POST", "Record the person's agreement that staff may read their data (the subject-agreement justification)", true},
		{"DELETE", "Revoke the person's agreement to staff access", false},
	} {
		agreed := m.agreed
		s.route(Route{Method: m.method, Path: "/v1/subjects/{id}/staff-access-agreement", Summary: m.summary, Tag: "vault",
			Scope: steward.ScopeRecordsWrite, Out: vault.SubjectView{}, Errors: []string{steward.ENOTFOUND}},
			func(w http.ResponseWriter, r *http.Request) error {
				if err := v.SetStaffAccessAgreement(r.Context(), r.PathValue("id"), agreed); err != nil {
					return err
				}
				return s.subject(w, r, v)
			})
	}
}
