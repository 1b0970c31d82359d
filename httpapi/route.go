package httpapi

import (
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
)

// Route describes one endpoint: how it is matched, what it needs and what it
// takes and returns. Every route is registered through Server.route, which
// mounts it on the mux and describes it in /openapi.json, so the document
// cannot miss a route.
type Route struct {
	Method  string
	Path    string // a net/http pattern path, e.g. /v1/apikeys/{id}
	Summary string
	Tag     string
	// Scope is the scope the caller needs ("" means any authenticated
	// caller); Public routes need no credential at all.
	Scope  steward.Scope
	Public bool
	// In is the JSON request body type (nil for none); Out the response body
	// type (nil for none). RawIn/RawOut name a non-JSON media type instead.
	In     any
	Out    any
	RawIn  string
	RawOut string
	Status int // success status; 200 if zero
	Query  []Param
	// Errors names error codes the route can answer with beyond those its
	// shape implies (see errorCodes), e.g. ECONFLICT for a create.
	Errors []string
	// HTMLErrors makes the route answer errors as small HTML pages instead
	// of problem+json: for pages people read in a browser (/privacy).
	HTMLErrors bool
}

// Param documents a query parameter.
type Param struct {
	Name        string
	Description string
	Required    bool
	// Type is the JSON Schema type of the value: "" (string), "integer",
	// "boolean", or "date-time" (an RFC 3339 string).
	Type string
}

// schema is the parameter's JSON Schema.
func (p Param) schema() map[string]any {
	switch p.Type {
	case "":
		return map[string]any{"type": "string"}
	case "date-time":
		return map[string]any{"type": "string", "format": "date-time"}
	}
	return map[string]any{"type": p.Type}
}

// handlerFunc is a route handler: it writes a success response or returns an
// error, which becomes problem+json.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func typeOf(v any) reflect.Type {
	if v == nil {
		return nil
	}
	return reflect.TypeOf(v)
}

// route registers h for rt.
func (s *Server) route(rt Route, h handlerFunc) {
	if rt.Status == 0 {
		rt.Status = http.StatusOK
	}
	s.routes = append(s.routes, rt)
	s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt, h))
	if !slices.ContainsFunc(s.routes[:len(s.routes)-1], func(o Route) bool { return o.Path == rt.Path }) {
		// The same path with no method: it matches only the methods no
		// route of the path takes, and answers 405 with Allow.
		s.mux.HandleFunc(rt.Path, s.methodNotAllowed)
	}
}

// methodNotAllowed answers a known path asked with a method none of its
// routes takes: 405 problem+json with the Allow header.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	pattern := strings.TrimPrefix(r.Pattern, "/")
	var allow []string
	for _, rt := range s.routes {
		if strings.TrimPrefix(rt.Path, "/") == pattern {
			allow = append(allow, rt.Method)
			if rt.Method == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	slices.Sort(allow)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeError(w, r, s.log, steward.Errorf(steward.EMETHOD, "%s is not allowed here; allowed: %s", r.Method, strings.Join(allow, ", ")))
}

// wrap applies authentication and error rendering to one route.
// errMFAPending answers a staff session that must enable two-factor
// sign-in first.
var errMFAPending = steward.Errorf(steward.EFORBIDDEN, "the privacy policy promises that staff sign in with two-factor authentication: "+
	"enable it first (POST /v1/staff/totp, then POST /v1/staff/totp/confirm with a current code)")

func (s *Server) wrap(rt Route, h handlerFunc) http.Handler {
	writeError := writeError
	if rt.HTMLErrors {
		writeError = writeHTMLError
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Public {
			if ok, wait := s.opts.IPLimit.Allow(peerAddr(r)); !ok {
				writeError(w, r, s.log, rateLimited(wait))
				return
			}
		} else {
			c, err := s.authenticate(r)
			if err != nil {
				// Failed authentications count against the client address,
				// so guessing keys or sessions is throttled.
				if ok, wait := s.opts.IPLimit.Allow(peerAddr(r)); !ok {
					err = rateLimited(wait)
				}
				s.refused(r, nil, rt, err)
				writeError(w, r, s.log, err)
				return
			}
			if ok, wait := s.opts.KeyLimit.Allow(c.Actor()); !ok {
				writeError(w, r, s.log, rateLimited(wait))
				return
			}
			if c.MFAPending && rt.Scope != "" {
				writeError(w, r, s.log, errMFAPending)
				return
			}
			if rt.Scope != "" && !c.Scopes.Has(rt.Scope) {
				err := steward.Errorf(steward.EFORBIDDEN, "this credential lacks the %q scope", rt.Scope)
				s.refused(r, c, rt, err)
				writeError(w, r, s.log, err)
				return
			}
			r = r.WithContext(steward.WithCaller(r.Context(), c))
			setActor(r.Context(), c)
			if err := s.headerGPC(rt, r); err != nil {
				writeError(w, r, s.log, err)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.refused(r, steward.CallerFrom(r.Context()), rt, err)
			writeError(w, r, s.log, err)
		}
	})
}

// refused records a refused call in the audit log (aggregated per origin
// and minute by the auth service): a failed authentication, a 403, or a
// 404 on a route that names an id, which is what probing another tenant's
// ids looks like. The target is the route's operation id, never the path.
func (s *Server) refused(r *http.Request, c *steward.Caller, rt Route, err error) {
	if s.auth == nil {
		return
	}
	code := steward.ErrorCode(err)
	templated := strings.Contains(rt.Path, "{")
	switch {
	case rt.Public && code == steward.EUNAUTHORIZED:
		// Public routes that take credentials (staff sign-in) record their
		// own refusals, with more precise reasons.
	case rt.Public && code == steward.ENOTFOUND && templated:
		// A wrong or expired one-time token in a public link.
		s.auth.Denied(r.Context(), nil, auth.ActionAuthFailed, "route:"+operationID(rt), code)
	case code == steward.EUNAUTHORIZED:
		s.auth.Denied(r.Context(), c, auth.ActionAuthFailed, "route:"+operationID(rt), code)
	case code == steward.EFORBIDDEN, code == steward.ENOTFOUND && c != nil && templated:
		s.auth.Denied(r.Context(), c, auth.ActionAuthzDenied, "route:"+operationID(rt), code)
	}
}
