package httpapi

import (
	"context"
	"net/http"

	"github.com/steward-privacy/steward"
)

// JobList is the state of every background job.
type JobList struct {
	Jobs []*steward.JobState `json:"jobs"`
}

func (s *Server) routeJobs(list func(context.Context) ([]*steward.JobState, error)) {
	s.route(Route{Method: "GET", Path: "/v1/jobs", Summary: "Background jobs: last run, next run, last error", Tag: "system",
		Scope: steward.ScopeAdmin, Out: JobList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			js, err := list(r.Context())
			if err != nil {
				return err
			}
			if js == nil {
				js = []*steward.JobState{}
			}
			return respond(w, http.StatusOK, JobList{Jobs: js})
		})
}
