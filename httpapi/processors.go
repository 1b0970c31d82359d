package httpapi

import (
	"net/http"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/cascade"
)

// ProcessorList lists the policy's processors and their endpoints.
type ProcessorList struct {
	Processors []cascade.ProcessorView `json:"processors"`
}

// routeProcessors serves the endpoints deletion tasks are delivered to.
func (s *Server) routeProcessors(c *cascade.Service) {
	s.route(Route{Method: "PUT", Path: "/v1/processors/{key}/endpoint",
		Summary: "Set the endpoint a processor's deletion tasks are delivered to (its secret is shown once)", Tag: "cascade",
		Scope: steward.ScopeProcessorsManage, In: cascade.EndpointInput{}, Out: cascade.EndpointSet{}, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[cascade.EndpointInput](w, r)
			if err != nil {
				return err
			}
			out, err := c.SetEndpoint(r.Context(), r.PathValue("key"), *in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/processors", Summary: "List the policy's processors and whether each has an endpoint (never its secret)",
		Tag: "cascade", Scope: steward.ScopeProcessorsManage, Out: ProcessorList{}},
		func(w http.ResponseWriter, r *http.Request) error {
			ps, err := c.Processors(r.Context())
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, ProcessorList{Processors: ps})
		})
	s.route(Route{Method: "DELETE", Path: "/v1/processors/{key}/endpoint",
		Summary: "Remove a processor's endpoint (its tasks wait for a new one)", Tag: "cascade",
		Scope: steward.ScopeProcessorsManage, Status: http.StatusNoContent},
		func(w http.ResponseWriter, r *http.Request) error {
			if err := c.DeleteEndpoint(r.Context(), r.PathValue("key")); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		})
}
