package httpapi

import (
	"net/http"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/incidents"
)

// IncidentList lists a tenant's incidents, newest first.
type IncidentList struct {
	Incidents []*incidents.View `json:"incidents"`
}

func (s *Server) routeIncidents(is *incidents.Service) {
	s.route(Route{Method: "POST", Path: "/v1/incidents", Summary: "Declare a personal data breach: steward derives whom it affects",
		Tag: "incidents", Scope: steward.ScopeIncidentsManage, In: incidents.NewIncident{}, Out: incidents.View{},
		Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[incidents.NewIncident](w, r)
			if err != nil {
				return err
			}
			out, err := is.Create(r.Context(), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/incidents", Summary: "The breach register, newest first", Tag: "incidents",
		Scope: steward.ScopeIncidentsManage, Out: IncidentList{}, Query: []Param{
			{Name: "status", Description: "only incidents with this status"}, limitParam}},
		func(w http.ResponseWriter, r *http.Request) error {
			limit, err := limitOf(r)
			if err != nil {
				return err
			}
			out, err := is.List(r.Context(), r.URL.Query().Get("status"), limit)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, IncidentList{Incidents: out})
		})
	s.route(Route{Method: "GET", Path: "/v1/incidents/{id}", Summary: "An incident: its deadline, status, counts and notice progress",
		Tag: "incidents", Scope: steward.ScopeIncidentsManage, Out: incidents.View{}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := is.Get(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/incidents/{id}/subjects", Summary: "The ids of the subjects an incident affects, paged, with whether each was told",
		Tag: "incidents", Scope: steward.ScopeIncidentsManage, Out: incidents.SubjectPage{}, Query: []Param{
			{Name: "after", Description: "the next cursor of the previous page; absent for the start"}, limitParam}},
		func(w http.ResponseWriter, r *http.Request) error {
			limit, err := limitOf(r)
			if err != nil {
				return err
			}
			out, err := is.Subjects(r.Context(), r.PathValue("id"), r.URL.Query().Get("after"), limit)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "POST", Path: "/v1/incidents/{id}/status", Summary: "Move an incident on: regulator notified, not notifiable, subjects notified, closed",
		Tag: "incidents", Scope: steward.ScopeIncidentsManage, In: incidents.StatusChange{}, Out: incidents.View{},
		Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[incidents.StatusChange](w, r)
			if err != nil {
				return err
			}
			out, err := is.SetStatus(r.Context(), r.PathValue("id"), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/incidents/{id}/notice", Summary: "The notice for the regulator (Art. 33(3)) or the people affected (Art. 34(2)), as Markdown or HTML",
		Tag: "incidents", Scope: steward.ScopeIncidentsManage, Out: incidents.Notice{}, Errors: []string{steward.ECONFLICT},
		Query: []Param{{Name: "audience", Description: "regulator or subjects (high risk only)", Required: true},
			{Name: "format", Description: "markdown (default) or html"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			out, err := is.Notice(r.Context(), r.PathValue("id"), q.Get("audience"), q.Get("format"))
			if err != nil {
				return err
			}
			w.Header().Set("Cache-Control", "no-store")
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "POST", Path: "/v1/incidents/{id}/notify-subjects", Summary: "Email the subject notice to every affected person with an address on file (in the background)",
		Tag: "incidents", Scope: steward.ScopeIncidentsManage, Out: incidents.View{}, Status: http.StatusAccepted,
		Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := is.NotifySubjects(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusAccepted, out)
		})
}
