package httpapi

import (
	"net/http"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/vault"
)

// RestrictionRequest restricts or lifts the restriction of a subject's
// processing: what a restriction request does.
type RestrictionRequest struct {
	Restricted *bool      `json:"restricted" doc:"true to restrict processing to essential purposes (and legal obligations); false to lift it"`
	Until      *time.Time `json:"until,omitempty" doc:"when the restriction ends by itself; absent: until lifted"`
}

// ObjectionRequest replaces a subject's objections: what an objection
// request does.
type ObjectionRequest struct {
	Purposes []string `json:"purposes" doc:"declared, non-essential purposes objected to (each covers those below it); [\"*\"] for every non-essential purpose; [] lifts every objection"`
}

// RetentionRequest is a retention a person chooses for a category.
type RetentionRequest struct {
	Category  string `json:"category" doc:"a declared category (and those below it)"`
	Retention string `json:"retention" doc:"ISO 8601 duration such as P30D; never longer than the policy's"`
}

// RetentionList is the answer of GET /v1/subjects/{id}/retention.
type RetentionList struct {
	Retentions []vault.RetentionView `json:"retentions"`
}

func (s *Server) routeSubjectState(v *vault.Vault) {
	s.route(Route{Method: "PUT", Path: "/v1/subjects/{id}/restriction", Summary: "Restrict a subject's processing, or lift it (what a restriction request does)",
		Tag: "vault", Scope: steward.ScopeRecordsWrite, In: RestrictionRequest{}, Out: vault.SubjectView{}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[RestrictionRequest](w, r)
			if err != nil {
				return err
			}
			if in.Restricted == nil {
				return steward.Invalid("restricted", "is required")
			}
			if err := v.SetRestriction(r.Context(), r.PathValue("id"), in.Until, *in.Restricted); err != nil {
				return err
			}
			return s.subject(w, r, v)
		})
	s.route(Route{Method: "PUT", Path: "/v1/subjects/{id}/objections", Summary: "Set the purposes a subject objects to (what an objection request does)",
		Tag: "vault", Scope: steward.ScopeRecordsWrite, In: ObjectionRequest{}, Out: vault.SubjectView{}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[ObjectionRequest](w, r)
			if err != nil {
				return err
			}
			if in.Purposes == nil {
				return steward.Invalid("purposes", "is required ([] lifts every objection)")
			}
			if err := v.SetObjection(r.Context(), r.PathValue("id"), in.Purposes); err != nil {
				return err
			}
			return s.subject(w, r, v)
		})
	s.route(Route{Method: "PUT", Path: "/v1/subjects/{id}/retention", Summary: "Choose a shorter retention for a category of a subject's data",
		Tag: "vault", Scope: steward.ScopeRecordsWrite, In: RetentionRequest{}, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[RetentionRequest](w, r)
			if err != nil {
				return err
			}
			if err := v.SetRetention(r.Context(), r.PathValue("id"), in.Category, in.Retention); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
	s.route(Route{Method: "GET", Path: "/v1/subjects/{id}/retention", Summary: "The retentions a subject chose, by category",
		Tag: "vault", Scope: steward.ScopeRecordsRead, Out: RetentionList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := v.Retentions(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, RetentionList{Retentions: out})
		})
	s.route(Route{Method: "PATCH", Path: "/v1/subjects/{id}", Summary: "Correct a subject's email, phone or birthdate (what a rectification request does)",
		Tag: "vault", Scope: steward.ScopeRecordsWrite, In: vault.Correction{}, Out: vault.Corrected{}, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[vault.Correction](w, r)
			if err != nil {
				return err
			}
			out, err := v.UpdateSubject(r.Context(), r.PathValue("id"), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "POST", Path: "/v1/subjects/{id}/age", Summary: "Report a subject found below the policy's minimum age (applies children.below)",
		Tag: "vault", Scope: steward.ScopeRecordsWrite, Out: vault.Corrected{}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := v.ReportAge(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
}

// subject answers with the subject's view after a change.
func (s *Server) subject(w http.ResponseWriter, r *http.Request, v *vault.Vault) error {
	out, err := v.Subject(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return respond(w, http.StatusOK, out)
}
