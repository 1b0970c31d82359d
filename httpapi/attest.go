package httpapi

import (
	"net/http"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/attest"
)

func (s *Server) routeAttest(a *attest.Attester) {
	s.route(Route{Method: "GET", Path: "/v1/attestation", Summary: "A signed report that the policy in force is kept: each promise kept, broken (with ids) or not applicable",
		Tag: "audit", Scope: steward.ScopeAuditRead, Out: attest.Signed{},
		Query: []Param{{Name: "since", Description: "the period covered, back from now, e.g. 720h (default) or 24h"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			since := 720 * time.Hour
			if v := r.URL.Query().Get("since"); v != "" {
				d, err := time.ParseDuration(v)
				if err != nil || d <= 0 || d > 10*365*24*time.Hour {
					return steward.Invalid("since", "must be a duration such as 720h, up to ten years")
				}
				since = d
			}
			c := steward.CallerFrom(r.Context())
			rep, err := a.Attest(r.Context(), c.TenantID, since)
			if err != nil {
				return err
			}
			e := steward.NewAuditEvent(r.Context(), c, attest.ActionAttest, time.Now())
			e.Decision, e.Reasons = steward.DecisionAllow, rep.Codes()
			if err := s.opts.Audit.Append(r.Context(), e); err != nil {
				return err
			}
			signed, err := attest.Sign(rep, s.opts.Audit)
			if err != nil {
				return err
			}
			w.Header().Set("Cache-Control", "no-store")
			return respond(w, http.StatusOK, signed)
		})
}
