// Package privacycenter is the privacy center of the people whose data a
// tenant holds, served by steward serve at /privacy-center/{slug}/: the
// notice in force and its versions; sign-in with a one-time code mailed to
// the address on file; their data in words with the values, their files
// to download, who received their data; their consents as switches (and
// their browser's Global Privacy Control signal, recorded and honoured);
// their rights requests, with status, deadline and the export to
// download.
//
// It calls the same services as the JSON API as the person themselves
// (actor subject:sub_…, scopes limited to their own data), so every rule,
// audit event and error is the API's. Pages are server-rendered, work
// without JavaScript and carry the console's safety: a strict CSP, CSRF
// tokens on every form, SameSite=Strict HttpOnly cookies, sessions that
// expire (30 minutes), no personal value in a URL or a log. One tenant's
// session is worthless on another tenant's pages.
package privacycenter

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/disclose"
	"github.com/steward-privacy/steward/internal/webform"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/vault"
)

//go:embed templates/*.html
var templateFS embed.FS

// Prefix is where the privacy center is mounted; its style sheet is
// served under AssetsPrefix (apart, since any name below Prefix is a
// tenant's slug).
const (
	Prefix       = "/privacy-center/"
	AssetsPrefix = "/privacy-center-assets/"
)

// Cookie names; both are scoped to the tenant's path.
const (
	sessionCookie = "steward_pc"
	csrfCookie    = "steward_pc_csrf"
)

// SessionTTL is how long a privacy center session lasts.
const SessionTTL = 30 * time.Minute

// Store is what the privacy center reads directly: tenants by slug,
// sign-in challenges, and a subject's files (metadata).
type Store interface {
	steward.SignInStore
	TenantBySlug(ctx context.Context, slug string) (*steward.Tenant, error)
	SubjectFiles(ctx context.Context, tenantID, subjectID string) ([]*steward.FileMeta, error)
}

// Mailer sends one plain-text email.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// Config holds the services the privacy center calls.
type Config struct {
	Store    Store
	Vault    *vault.Vault
	Consent  *consent.Service
	Requests *requests.Service
	Disclose *disclose.Service
	Policies *policies.Service
	// Mailer sends sign-in codes; without it nobody can sign in (the page
	// says so) but the notice is still served.
	Mailer Mailer
	// Key keys sessions, CSRF tokens and code hashes (a server secret
	// derived from the master key, so replicas agree).
	Key    []byte
	Logger *slog.Logger
	Now    func() time.Time
}

// Handler serves the privacy center.
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
	pages, err := webform.Pages(templateFS, template.FuncMap{"when": when, "day": day, "join": strings.Join})
	if err != nil {
		return nil, err
	}
	h := &Handler{c: c, mux: http.NewServeMux(), pages: pages}
	h.mux.HandleFunc("GET "+AssetsPrefix+"pc.css", webform.ServeStyle)
	h.routes()
	return h, nil
}

func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 January 2006, 15:04 UTC")
}

func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

// ServeHTTP serves a page with the headers every page carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	webform.Headers(w.Header())
	h.mux.ServeHTTP(w, r)
}

// view is what every page template receives.
type view struct {
	Title  string
	Slug   string
	Org    string
	CSRF   string
	Signed bool
	Error  string
	Notice string
	Data   any
}

// render writes a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := h.pages[page]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	v.Slug = r.PathValue("slug")
	v.CSRF = h.csrf(v.Slug).Token(w, r)
	if v.Org == "" {
		if cur := h.c.Policies.Current(); cur != nil {
			v.Org = cur.Policy.Organisation.Name
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.Execute(w, v); err != nil {
		h.c.Logger.Warn("privacy center page failed", "page", page, "error", err.Error())
	}
}

func (h *Handler) csrf(slug string) webform.CSRF {
	return webform.CSRF{Key: h.c.Key, Cookie: csrfCookie, Path: Prefix + slug + "/", Domain: "privacy-center-csrf"}
}

// problem is a service error as a sentence with its code.
func problem(err error) string { return webform.Sentence(err) }

// statusOf maps a service error to an HTTP status for the page.
func statusOf(err error) int { return webform.Status(err) }

// session is a signed-in person: their tenant and subject.
type session struct {
	Tenant  *steward.Tenant
	Subject string
}

// caller is the person acting on their own data through the services.
func (s *session) caller() *steward.Caller {
	return &steward.Caller{TenantID: s.Tenant.ID, Kind: steward.ActorSubject, ID: s.Subject,
		Scopes: steward.Scopes{steward.ScopeRecordsRead, steward.ScopeConsentsRead, steward.ScopeConsentsWrite,
			steward.ScopeRequestsWrite, steward.ScopeRequestsVerify, steward.ScopeDisclosuresRead}}
}

// sign returns the MAC of a session value.
func (h *Handler) sign(value string) string {
	m := hmac.New(sha256.New, h.c.Key)
	m.Write([]byte("privacy-center-session\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setSession signs the person in for SessionTTL.
func (h *Handler) setSession(w http.ResponseWriter, r *http.Request, tenantID, subjectID string) {
	exp := h.c.Now().Add(SessionTTL)
	value := tenantID + "." + subjectID + "." + strconv.FormatInt(exp.Unix(), 10)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value + "." + h.sign(value), Path: Prefix + r.PathValue("slug") + "/",
		Expires: exp, HttpOnly: true, Secure: webform.Secure(r), SameSite: http.SameSiteStrictMode})
}

// clearSession signs the person out.
func (h *Handler) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix + r.PathValue("slug") + "/", MaxAge: -1,
		HttpOnly: true, Secure: webform.Secure(r), SameSite: http.SameSiteStrictMode})
}

// tenant returns the tenant of the page's slug.
func (h *Handler) tenant(r *http.Request) (*steward.Tenant, error) {
	slug := r.PathValue("slug")
	if steward.ValidateSlug("slug", slug) != nil {
		return nil, steward.Errorf(steward.ENOTFOUND, "no privacy center here")
	}
	t, err := h.c.Store.TenantBySlug(r.Context(), slug)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, steward.Errorf(steward.ENOTFOUND, "no privacy center here")
	}
	return t, err
}

// session returns the signed-in person of this tenant's pages, or nil: a
// cookie of another tenant, expired or forged is no session.
func (h *Handler) session(r *http.Request, t *steward.Tenant) *session {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(ck.Value, '.')
	if i < 0 {
		return nil
	}
	value, mac := ck.Value[:i], ck.Value[i+1:]
	if !hmac.Equal([]byte(h.sign(value)), []byte(mac)) {
		return nil
	}
	parts := strings.Split(value, ".")
	if len(parts) != 3 || parts[0] != t.ID {
		return nil
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || !h.c.Now().Before(time.Unix(exp, 0)) {
		return nil
	}
	return &session{Tenant: t, Subject: parts[1]}
}

// page is a handler of the tenant's pages.
type page func(w http.ResponseWriter, r *http.Request, t *steward.Tenant)

// public resolves the tenant and checks the CSRF token of a POST.
func (h *Handler) public(p page) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := h.tenant(r)
		if err != nil {
			h.render(w, r, statusOf(err), "error", &view{Title: "Not found", Error: problem(err)})
			return
		}
		if r.Method == http.MethodPost && !h.csrf(r.PathValue("slug")).Check(r) {
			h.render(w, r, http.StatusForbidden, "error", &view{Title: "Form expired",
				Error: "This form expired or did not come from this page; reload it and try again. (csrf)"})
			return
		}
		p(w, r, t)
	}
}

// signedIn is public for a signed-in person: others go to the sign-in
// page; the request's context carries the person as the caller.
func (h *Handler) signedIn(p func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	return h.public(func(w http.ResponseWriter, r *http.Request, t *steward.Tenant) {
		s := h.session(r, t)
		if s == nil {
			http.Redirect(w, r, Prefix+r.PathValue("slug")+"/", http.StatusSeeOther)
			return
		}
		p(w, r.WithContext(steward.WithCaller(r.Context(), s.caller())), s)
	})
}

// routes registers the pages.
func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /privacy-center/{slug}/{$}", h.public(h.home))
	m.HandleFunc("POST /privacy-center/{slug}/sign-in", h.public(h.signIn))
	m.HandleFunc("POST /privacy-center/{slug}/verify", h.public(h.verify))
	m.HandleFunc("POST /privacy-center/{slug}/sign-out", h.public(func(w http.ResponseWriter, r *http.Request, _ *steward.Tenant) {
		h.clearSession(w, r)
		http.Redirect(w, r, Prefix+r.PathValue("slug")+"/", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /privacy-center/{slug}/me", h.signedIn(h.me))
	m.HandleFunc("POST /privacy-center/{slug}/choices", h.signedIn(h.choose))
	m.HandleFunc("POST /privacy-center/{slug}/requests", h.signedIn(h.ask))
	m.HandleFunc("GET /privacy-center/{slug}/files/{id}", h.signedIn(h.download))
	m.HandleFunc("/privacy-center/", func(w http.ResponseWriter, r *http.Request) {
		h.render(w, r, http.StatusNotFound, "error", &view{Title: "Not found", Error: "There is no such page. (not_found)"})
	})
}
