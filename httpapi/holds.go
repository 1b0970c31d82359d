package httpapi

import (
	"net/http"
	"strconv"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/holds"
)

// HoldList is the answer of GET /v1/holds.
type HoldList struct {
	Holds []*holds.HoldView `json:"holds"`
}

func (s *Server) routeHolds(hs *holds.Service) {
	s.route(Route{Method: "POST", Path: "/v1/holds", Summary: "Place a legal hold on a subject or a category (suspends retention and erasure)",
		Tag: "holds", Scope: steward.ScopeHoldsManage, In: holds.NewHold{}, Out: holds.HoldView{}, Status: http.StatusCreated},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[holds.NewHold](w, r)
			if err != nil {
				return err
			}
			out, err := hs.Create(r.Context(), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/holds", Summary: "List the legal holds in force", Tag: "holds",
		Scope: steward.ScopeHoldsManage, Out: HoldList{},
		Query: []Param{{Name: "released", Type: "boolean", Description: "true: include released holds"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			released := false
			if v := r.URL.Query().Get("released"); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return steward.Invalid("released", "must be true or false")
				}
				released = b
			}
			out, err := hs.List(r.Context(), released)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, HoldList{Holds: out})
		})
	s.route(Route{Method: "DELETE", Path: "/v1/holds/{id}", Summary: "Release a legal hold", Tag: "holds",
		Scope: steward.ScopeHoldsManage, Out: holds.HoldView{}, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := hs.Release(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
}
