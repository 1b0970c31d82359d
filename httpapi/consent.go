package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/consent"
)

func (s *Server) routeConsent(cs *consent.Service) {
	s.route(Route{Method: "POST", Path: "/v1/subjects/{id}/consents", Summary: "Record a consent decision (append-only)", Tag: "consent",
		Scope: steward.ScopeConsentsWrite, In: consent.NewConsent{}, Out: consent.Current{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[consent.NewConsent](w, r)
			if err != nil {
				return err
			}
			out, err := cs.Record(r.Context(), r.PathValue("id"), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/subjects/{id}/consents", Summary: "A subject's current consents, each with whether it is effective",
		Tag: "consent", Scope: steward.ScopeConsentsRead, Out: consent.State{},
		Query: []Param{{Name: "history", Type: "boolean", Description: "true: add every decision, oldest first"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			history := false
			if h := r.URL.Query().Get("history"); h != "" {
				b, err := strconv.ParseBool(h)
				if err != nil {
					return steward.Invalid("history", "must be true or false")
				}
				history = b
			}
			out, err := cs.State(r.Context(), r.PathValue("id"), history)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/consents/{id}/receipt", Summary: "A signed consent receipt (ISO/IEC TS 27560 shape, detached Ed25519)",
		Tag: "consent", Scope: steward.ScopeConsentsRead, Out: consent.SignedReceipt{}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := cs.Receipt(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			w.Header().Set("Cache-Control", "no-store")
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "POST", Path: "/v1/subjects/{id}/signals", Summary: "Record a Global Privacy Control signal", Tag: "consent",
		Scope: steward.ScopeConsentsWrite, In: consent.SignalRequest{}, Out: consent.SignalView{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[consent.SignalRequest](w, r)
			if err != nil {
				return err
			}
			out, err := cs.Signal(r.Context(), r.PathValue("id"), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, out)
		})
}

// headerGPC records a Sec-GPC: 1 header on a request about a subject: every
// route under /v1/subjects/{id} but the erasure (DELETE /v1/subjects/{id}),
// before the route runs, so the request is itself decided under the
// opt-out. Other routes ignore the header.
func (s *Server) headerGPC(rt Route, r *http.Request) error {
	if s.opts.Consent == nil || r.Header.Get("Sec-GPC") != "1" || !strings.HasPrefix(rt.Path, "/v1/subjects/{id}") ||
		(rt.Method == http.MethodDelete && rt.Path == "/v1/subjects/{id}") {
		return nil
	}
	return s.opts.Consent.HeaderGPC(r.Context(), r.PathValue("id"))
}
