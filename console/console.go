// Package console is the web console for staff, served by steward serve at
// /console/: server-rendered HTML from embedded templates, progressive
// enhancement with a vendored htmx, no external asset and no inline script
// or style, so a strict Content-Security-Policy holds. It calls the same
// services as the JSON API (auth, vault, audit, policies, consent,
// disclose): every decision, audit event and error is the one the API
// gives, shown as a sentence with the problem's code.
//
// Safety: CSRF tokens on every form in addition to SameSite=Strict
// cookies, sessions that expire (the staff sessions of package auth), no
// personal value in a URL (searches are POSTed; pages name people by their
// opaque id), Cache-Control: no-store on every page.
package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/disclose"
	"github.com/steward-privacy/steward/grants"
	"github.com/steward-privacy/steward/holds"
	"github.com/steward-privacy/steward/incidents"
	"github.com/steward-privacy/steward/internal/webform"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/vault"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Prefix is where the console is mounted.
const Prefix = "/console/"

// Cookie names, scoped to the console's path.
const (
	sessionCookie = "steward_console"
	csrfCookie    = "steward_console_csrf"
)

// Config holds the services the console calls; nil ones leave their pages
// out.
type Config struct {
	Auth     *auth.StaffAuth
	Vault    *vault.Vault
	Audit    *audit.Log
	Policies *policies.Service
	Consent  *consent.Service
	Disclose *disclose.Service
	// Incidents serves the breach register pages; nil leaves them out.
	Incidents *incidents.Service
	// Requests serves the rights request queue; nil leaves it out.
	Requests *requests.Service
	// Grants serves break-glass access grants; nil leaves them out.
	Grants *grants.Service
	// Holds lists the legal holds on a person (to holds:manage); nil
	// leaves them out.
	Holds *holds.Service
	// Rotations reports the latest key rotation on the dashboard (the
	// API's tracker); nil leaves it out.
	Rotations *vault.Rotations
	// CSRFKey keys the CSRF tokens (a server secret derived from the
	// master key, so replicas agree).
	CSRFKey []byte
	// Issuer names the service in TOTP apps.
	Issuer string
	// Tenants lists the tenants (the sign-in page asks for the
	// organisation only when there are several).
	Tenants func(ctx context.Context) ([]*steward.Tenant, error)
	// Jobs lists the background jobs for the dashboard.
	Jobs   func(ctx context.Context) ([]*steward.JobState, error)
	Logger *slog.Logger
	Now    func() time.Time
}

// Handler serves the console.
type Handler struct {
	c     Config
	mux   *http.ServeMux
	pages map[string]*template.Template
}

// New parses the templates and registers the pages.
func New(c Config) (*Handler, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Issuer == "" {
		c.Issuer = "steward"
	}
	pages, err := webform.Pages(templateFS, funcs)
	if err != nil {
		return nil, err
	}
	h := &Handler{c: c, mux: http.NewServeMux(), pages: pages}
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	h.mux.HandleFunc("GET /console/static/console.css", webform.ServeStyle)
	h.routes()
	return h, nil
}

var funcs = template.FuncMap{"when": when, "join": strings.Join, "daysLeft": daysLeft, "hoursLeft": hoursLeft}

// daysLeft is the whole days from now until t (negative once past).
func daysLeft(t time.Time) int { return int(time.Until(t).Hours() / 24) }

// hoursLeft is the whole hours from now until t (negative once past).
func hoursLeft(t time.Time) int { return int(time.Until(t).Hours()) }

// when formats a time for people.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ServeHTTP serves a console request with the security headers every page
// carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	webform.Headers(w.Header())
	h.mux.ServeHTTP(w, r)
}

// view is what every page template receives.
type view struct {
	Title   string
	Nav     string // the current section
	CSRF    string
	Staff   *steward.Caller
	Error   string // a sentence and the problem's code
	Notice  string
	Data    any
	Options any
}

// render writes a page; status is the HTTP status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := h.pages[page]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	v.CSRF = h.csrfToken(w, r)
	v.Staff = steward.CallerFrom(r.Context())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.Execute(w, v); err != nil {
		h.c.Logger.Warn("console page failed", "page", page, "error", err.Error())
	}
}

// problem is a service error as a sentence with its code.
func problem(err error) string { return webform.Sentence(err) }

// statusOf maps a service error to an HTTP status for the page.
func statusOf(err error) int { return webform.Status(err) }

// csrf issues and checks the console's form tokens.
func (h *Handler) csrf() webform.CSRF {
	return webform.CSRF{Key: h.c.CSRFKey, Cookie: csrfCookie, Path: Prefix, Domain: "console-csrf"}
}

// csrfToken returns the form token of this browser.
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	return h.csrf().Token(w, r)
}

// checkCSRF reports whether a POST carries this browser's token.
func (h *Handler) checkCSRF(r *http.Request) bool { return h.csrf().Check(r) }

// secure reports whether cookies can be marked Secure.
func secure(r *http.Request) bool { return webform.Secure(r) }

// asError finds a *steward.Error in err's chain.
func asError(err error, target **steward.Error) bool { return errors.As(err, target) }
