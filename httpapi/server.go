// Package httpapi is steward's JSON API over HTTP: routes under /v1 on the
// standard library mux, RFC 9457 problem+json errors, authentication by API
// key or staff session, an OpenAPI 3.1 document generated from the routes,
// health, readiness and Prometheus metrics.
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/attest"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/cascade"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/disclose"
	"github.com/steward-privacy/steward/export"
	"github.com/steward-privacy/steward/grants"
	"github.com/steward-privacy/steward/holds"
	"github.com/steward-privacy/steward/incidents"
	"github.com/steward-privacy/steward/notices"
	"github.com/steward-privacy/steward/outbox"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/ratelimit"
	"github.com/steward-privacy/steward/requestlog"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/training"
	"github.com/steward-privacy/steward/vault"
)

// Options configures a Server.
type Options struct {
	Auth   *auth.StaffAuth
	Logger *slog.Logger
	// Ready reports whether the server can serve (database reachable,
	// migrations applied); /readyz calls it.
	Ready func(ctx context.Context) error
	// Registry receives the HTTP metrics and is served on /metrics.
	Registry *prometheus.Registry
	// Issuer names the service in TOTP apps.
	Issuer string
	// Vault serves the subject, record, file and secret routes; nil leaves
	// them out.
	Vault *vault.Vault
	// MasterKeyUsers hold secrets wrapped by the master key outside the
	// vault (the audit signing keys); a master rotation rewraps them too.
	MasterKeyUsers []vault.MasterKeyUser
	// PII serves /v1/pii/*; nil leaves them out.
	PII *PIIOptions
	// RequestLog receives one entry per request (the private request log);
	// nil logs nothing.
	RequestLog func(steward.RequestLogEntry)
	// KeyLimit limits authenticated callers per API key or staff account;
	// IPLimit limits unauthenticated requests and failed authentications per
	// client address. Nil means no limit.
	KeyLimit, IPLimit *ratelimit.Limiter
	// Jobs lists the background jobs for GET /v1/jobs; nil leaves it out.
	Jobs func(context.Context) ([]*steward.JobState, error)
	// Audit serves /v1/audit*; nil leaves them out.
	Audit *audit.Log
	// Policies serves /v1/policy*, the public notice (/privacy*) and
	// /.well-known/gpc.json; nil leaves them out.
	Policies *policies.Service
	// Consent serves the consent ledger, GPC signals and receipts, and
	// records Sec-GPC: 1 on subject routes; nil leaves them out.
	Consent *consent.Service
	// Disclose serves the sharing gate: /v1/subjects/{id}/disclosures and
	// the one-time links /v1/downloads/{token}; nil leaves them out.
	Disclose *disclose.Service
	// Outbox serves /v1/events and /v1/webhooks*; nil leaves them out.
	Outbox *outbox.Service
	// Attest serves GET /v1/attestation (with Audit, which signs it); nil
	// leaves it out.
	Attest *attest.Attester
	// Exports serves the export packages' links, /v1/exports/{token}; nil
	// leaves it out.
	Exports *export.Service
	// Console is the staff web console, mounted at /console/ (it sets its
	// own headers and sessions); nil leaves it out.
	Console http.Handler
	// PrivacyCenter is the people's privacy center, mounted at
	// /privacy-center/; nil leaves it out.
	PrivacyCenter http.Handler
	// Incidents serves the breach register, /v1/incidents*; nil leaves
	// them out.
	Incidents *incidents.Service
	// Requests serves the rights requests /v1/requests*; nil leaves them
	// out.
	Requests *requests.Service
	// Cascade serves /v1/processors*, /v1/tasks* and DELETE
	// /v1/subjects/{id}?cascade=true; nil leaves them out.
	Cascade *cascade.Service
	// Holds serves /v1/holds*; nil leaves them out.
	Holds *holds.Service
	// Grants serves the break-glass /v1/access-grants*; nil leaves them
	// out.
	Grants *grants.Service
	// Rotations tracks key rotations started through the API (shared with
	// the console's dashboard); nil makes one.
	Rotations *vault.Rotations
	// Notices serves /v1/policy/upcoming; nil leaves it out.
	Notices *notices.Service
	// Training serves /v1/models* and /v1/training-exports*; nil leaves
	// them out.
	Training *training.Service
}

// Server is the HTTP API.
type Server struct {
	mux     *http.ServeMux
	routes  []Route
	log     *slog.Logger
	auth    *auth.StaffAuth
	ready   func(ctx context.Context) error
	opts    Options
	metrics *httpMetrics

	specOnce sync.Once
	spec     []byte
}

// New builds the server and registers every route.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.Issuer == "" {
		o.Issuer = "steward"
	}
	s := &Server{mux: http.NewServeMux(), log: o.Logger, auth: o.Auth, ready: o.Ready, opts: o,
		metrics: newHTTPMetrics(o.Registry)}
	s.routeSystem(o.Registry)
	s.routeKeys()
	s.routeStaff()
	if o.Vault != nil {
		s.routeVault()
		s.routeSubjectState(o.Vault)
		s.routeStaffAgreement(o.Vault)
		rot := o.Rotations
		if rot == nil {
			rot = vault.NewRotations(o.Vault)
		}
		s.routeRotation(rot, o.MasterKeyUsers)
	}
	if o.PII != nil {
		s.routePII(o.PII)
	}
	if o.Jobs != nil {
		s.routeJobs(o.Jobs)
	}
	if o.Audit != nil {
		s.routeAudit(o.Audit)
	}
	if o.Policies != nil {
		s.routePolicy(o.Policies)
	}
	if o.Consent != nil {
		s.routeConsent(o.Consent)
	}
	if o.Disclose != nil {
		s.routeDisclosures(o.Disclose)
	}
	if o.Outbox != nil {
		s.routeEvents(o.Outbox)
	}
	if o.Attest != nil && o.Audit != nil {
		s.routeAttest(o.Attest)
	}
	if o.Exports != nil {
		s.routeExports(o.Exports)
	}
	if o.Console != nil {
		s.mux.Handle("/console/", o.Console)
	}
	if o.PrivacyCenter != nil {
		s.mux.Handle("/privacy-center/", o.PrivacyCenter)
		s.mux.Handle("/privacy-center-assets/", o.PrivacyCenter)
	}
	if o.Incidents != nil {
		s.routeIncidents(o.Incidents)
	}
	if o.Requests != nil {
		s.routeRequests(o.Requests)
	}
	if o.Cascade != nil {
		s.routeProcessors(o.Cascade)
		s.routeTasks(o.Cascade)
	}
	if o.Holds != nil {
		s.routeHolds(o.Holds)
	}
	if o.Grants != nil {
		s.routeGrants(o.Grants)
	}
	if o.Notices != nil {
		s.routeNotices(o.Notices)
	}
	if o.Training != nil {
		s.routeTraining(o.Training)
	}
	s.mux.HandleFunc("/", s.notFoundHandler)
	return s
}

// ServeHTTP serves a request through the common middleware.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, info := withRequestInfo(r.Context())
	ip := clientIP(r)
	ctx = steward.WithRequest(ctx, &steward.RequestInfo{ID: info.id, ClientIP: ip})
	r = r.WithContext(ctx)
	body := &countingBody{ReadCloser: r.Body}
	r.Body = body
	h := w.Header()
	h["X-Request-Id"] = []string{info.id}
	h["X-Content-Type-Options"] = headerNoSniff
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.LogAttrs(ctx, slog.LevelError, "panic serving request", slog.String("request_id", info.id),
				slog.String("route", r.Pattern), slog.Any("panic", p))
			if !rec.wrote {
				writeError(rec, r, s.log, steward.Errorf(steward.EINTERNAL, "internal error"))
			}
		}
		elapsed := time.Since(start)
		s.metrics.observe(r.Pattern, rec.status, elapsed)
		if s.opts.RequestLog != nil {
			s.opts.RequestLog(steward.RequestLogEntry{At: start.UTC(), Method: r.Method, Route: routeOf(r.Pattern),
				Status: rec.status, Latency: elapsed, ReqBytes: body.n, RespBytes: rec.size, ClientIP: ip,
				UAFamily: requestlog.UAFamily(r.UserAgent()), APIKeyID: info.apiKeyID()})
		}
	}()
	if !cleanPath(r.URL.Path) {
		// The mux would redirect an unclean path (.., //, /./) to its
		// clean form: steward answers 404 instead, never a redirect.
		s.notFoundHandler(rec, r)
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// cleanPath reports whether p is already in the form path.Clean gives (a
// trailing slash aside, which no route has and thus finds no route).
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	trimmed := strings.TrimSuffix(p, "/")
	return p == "/" || path.Clean(trimmed) == trimmed
}

// routeSystem registers the unauthenticated operational endpoints.
func (s *Server) routeSystem(reg *prometheus.Registry) {
	s.route(Route{Method: "GET", Path: "/healthz", Summary: "Liveness: the process serves HTTP", Tag: "system", Public: true, Out: Status{}},
		func(w http.ResponseWriter, r *http.Request) error {
			return respond(w, http.StatusOK, Status{Status: "ok"})
		})
	s.route(Route{Method: "GET", Path: "/readyz", Summary: "Readiness: database reachable and migrated", Tag: "system", Public: true, Out: Status{}},
		func(w http.ResponseWriter, r *http.Request) error {
			if s.ready != nil {
				ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
				defer cancel()
				if err := s.ready(ctx); err != nil {
					return &steward.Error{Code: steward.EUNAVAILABLE, Message: "not ready: database unreachable or not migrated", Cause: err}
				}
			}
			return respond(w, http.StatusOK, Status{Status: "ready"})
		})
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	s.route(Route{Method: "GET", Path: "/metrics", Summary: "Prometheus metrics", Tag: "system", Public: true, RawOut: "text/plain"},
		func(w http.ResponseWriter, r *http.Request) error {
			metrics.ServeHTTP(w, r)
			return nil
		})
	s.route(Route{Method: "GET", Path: "/openapi.json", Summary: "This API's OpenAPI 3.1 document", Tag: "system", Public: true, RawOut: "application/json"},
		func(w http.ResponseWriter, r *http.Request) error {
			s.specOnce.Do(func() { s.spec, _ = json.MarshalIndent(s.openAPI(), "", "  ") })
			w.Header().Set("Content-Type", "application/json")
			_, err := w.Write(s.spec)
			return err
		})
	s.route(Route{Method: "GET", Path: "/v1/whoami", Summary: "The caller's tenant, identity and scopes", Tag: "auth", Out: WhoAmI{}},
		func(w http.ResponseWriter, r *http.Request) error {
			c := steward.CallerFrom(r.Context())
			return respond(w, http.StatusOK, WhoAmI{TenantID: c.TenantID, Kind: string(c.Kind), ID: c.ID, Scopes: scopeNames(c.Scopes)})
		})
}

// Status is the body of /healthz and /readyz.
type Status struct {
	Status string `json:"status"`
}

// WhoAmI describes the caller.
type WhoAmI struct {
	TenantID string   `json:"tenant_id"`
	Kind     string   `json:"kind" doc:"api_key or staff"`
	ID       string   `json:"id" doc:"the API key id or staff account id"`
	Scopes   []string `json:"scopes"`
}

func scopeNames(s steward.Scopes) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}

// authenticate finds the caller from a bearer API key or a session cookie.
func (s *Server) authenticate(r *http.Request) (*steward.Caller, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, steward.Errorf(steward.EUNAUTHORIZED, "Authorization must be \"Bearer <API key>\"")
		}
		return s.auth.AuthenticateKey(r.Context(), strings.TrimSpace(token))
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return s.auth.AuthenticateSession(r.Context(), c.Value)
	}
	return nil, steward.Errorf(steward.EUNAUTHORIZED, "authentication required: send \"Authorization: Bearer <API key>\"")
}
