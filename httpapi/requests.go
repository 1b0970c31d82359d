package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/requests"
)

// RequestList is a page of rights requests, newest first.
type RequestList struct {
	Requests []*requests.RequestView `json:"requests"`
}

func (s *Server) routeRequests(rs *requests.Service) {
	s.route(Route{Method: "POST", Path: "/v1/requests", Summary: "File a rights request (verified_by application needs requests:verify)",
		Tag: "requests", Scope: steward.ScopeRequestsWrite, In: requests.NewRequest{}, Out: requests.RequestView{}, Status: http.StatusCreated,
		Errors: []string{steward.ENOTFOUND}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[requests.NewRequest](w, r)
			if err != nil {
				return err
			}
			out, err := rs.Create(r.Context(), in)
			if err != nil {
				return err
			}
			return respond(w, http.StatusCreated, out)
		})
	s.route(Route{Method: "GET", Path: "/v1/requests", Summary: "List rights requests, newest first (requests:write or requests:manage)",
		Tag: "requests", Out: RequestList{}, Query: []Param{
			{Name: "status", Description: "only requests in this status"},
			{Name: "type", Description: "only requests of this type"},
			{Name: "overdue", Type: "boolean", Description: "true: only open requests past their deadline"},
			{Name: "limit", Type: "integer", Description: "at most this many (1 to 1000, default 1000)"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			f := requests.Filter{Status: q.Get("status"), Type: q.Get("type")}
			if v := q.Get("overdue"); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return steward.Invalid("overdue", "must be true or false")
				}
				f.Overdue = b
			}
			if v := q.Get("limit"); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 1000 {
					return steward.Invalid("limit", "must be a whole number from 1 to 1000")
				}
				f.Limit = n
			}
			out, err := rs.List(r.Context(), f)
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, RequestList{Requests: out})
		})
	s.route(Route{Method: "GET", Path: "/v1/requests/{id}", Summary: "A rights request with its history (requests:write or requests:manage)",
		Tag: "requests", Out: requests.RequestView{}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := rs.Get(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "POST", Path: "/v1/requests/{id}/approve", Summary: "Approve a request awaiting approval, or one whose requester staff verified",
		Tag: "requests", Scope: steward.ScopeRequestsManage, Out: requests.RequestView{}, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := rs.Approve(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusOK, out)
		})
	for _, a := range []struct {
		path, summary string
		fn            func(context.Context, string, *requests.RequestReason) (*requests.RequestView, error)
	}{
		{"/v1/requests/{id}/deny", "Deny an open request, with the reasons told to the person", rs.Deny},
		{"/v1/requests/{id}/extend", "Extend a request's deadline once, with reasons, within the jurisdiction's bound", rs.Extend},
	} {
		s.route(Route{Method: "POST", Path: a.path, Summary: a.summary, Tag: "requests", Scope: steward.ScopeRequestsManage,
			In: requests.RequestReason{}, Out: requests.RequestView{}, Errors: []string{steward.ECONFLICT}},
			func(w http.ResponseWriter, r *http.Request) error {
				in, err := decode[requests.RequestReason](w, r)
				if err != nil {
					return err
				}
				out, err := a.fn(r.Context(), r.PathValue("id"), in)
				if err != nil {
					return err
				}
				return respond(w, http.StatusOK, out)
			})
	}
	s.route(Route{Method: "GET", Path: "/v1/requests/{id}/evidence", Summary: "The signed completion record of a request (detached Ed25519)",
		Tag: "requests", Scope: steward.ScopeRequestsManage, Out: requests.RequestEvidence{}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := rs.Evidence(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			w.Header().Set("Cache-Control", "no-store")
			return respond(w, http.StatusOK, out)
		})
	s.routeRequestsPublic(rs)
}

// routeRequestsPublic registers the person's routes: no key, the request
// id (unguessable) and the mailed code are the credentials; limited per
// request and per client address.
func (s *Server) routeRequestsPublic(rs *requests.Service) {
	s.route(Route{Method: "POST", Path: "/v1/requests/{id}/verify", Summary: "Confirm the code mailed to the person (no key; rate limited)",
		Tag: "requests", Public: true, In: requests.RequestCode{}, Out: requests.RequestStatus{}, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			in, err := decode[requests.RequestCode](w, r)
			if err != nil {
				return err
			}
			out, err := rs.Verify(r.Context(), r.PathValue("id"), in)
			if err != nil {
				return err
			}
			w.Header().Set("Cache-Control", "no-store")
			return respond(w, http.StatusOK, out)
		})
	s.route(Route{Method: "POST", Path: "/v1/requests/{id}/code", Summary: "Mail a new code to the address on file (no key; rate limited)",
		Tag: "requests", Public: true, Out: requests.RequestCodeSent{}, Status: http.StatusAccepted, Errors: []string{steward.ECONFLICT}},
		func(w http.ResponseWriter, r *http.Request) error {
			out, err := rs.SendCode(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			return respond(w, http.StatusAccepted, out)
		})
}
