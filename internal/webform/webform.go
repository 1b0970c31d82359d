// Package webform holds what steward's server-rendered web pages (the
// staff console, the privacy center) share for safety: the security
// headers of every page, CSRF tokens bound to a browser and a server
// secret, and when cookies may be marked Secure.
package webform

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed" // the style sheet
	"encoding/base64"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/steward-privacy/steward"
)

// Headers sets the headers every page carries: a strict
// Content-Security-Policy (no inline script or style, nothing from
// elsewhere), no framing, no sniffing, no referrer, no caching.
func Headers(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// CSRF issues and checks form tokens: a random cookie per browser, and
// HMAC(key, domain, cookie) in every form (double submit bound to a
// server secret, so replicas sharing the key agree).
type CSRF struct {
	Key    []byte
	Cookie string // the cookie's name
	Path   string // the cookie's path
	Domain string // separates the tokens of different pages
}

// Token returns this browser's form token, setting its cookie on first use.
func (c CSRF) Token(w http.ResponseWriter, r *http.Request) string {
	seed := ""
	if ck, err := r.Cookie(c.Cookie); err == nil && len(ck.Value) >= 32 {
		seed = ck.Value
	} else {
		var b [32]byte
		_, _ = rand.Read(b[:])
		seed = base64.RawURLEncoding.EncodeToString(b[:])
		http.SetCookie(w, &http.Cookie{Name: c.Cookie, Value: seed, Path: c.Path, HttpOnly: true, Secure: Secure(r),
			SameSite: http.SameSiteStrictMode})
		r.AddCookie(&http.Cookie{Name: c.Cookie, Value: seed})
	}
	return c.sign(seed)
}

// Check reports whether a POST carries this browser's token in its csrf
// field.
func (c CSRF) Check(r *http.Request) bool {
	ck, err := r.Cookie(c.Cookie)
	if err != nil || len(ck.Value) < 32 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.sign(ck.Value)), []byte(r.PostFormValue("csrf"))) == 1
}

func (c CSRF) sign(seed string) string {
	m := hmac.New(sha256.New, c.Key)
	m.Write([]byte(c.Domain + "\x00" + seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Secure reports whether cookies can be marked Secure: over TLS, or on a
// loopback address (which browsers treat as a secure context).
func Secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	return host == "localhost" || host == "127.0.0.1" || host == "[::1]"
}

// Sentence is a service error as a page shows it: the safe message and
// the problem's code, as the API's problem details carry them.
func Sentence(err error) string {
	return steward.ErrorMessage(err) + " (" + steward.ErrorCode(err) + ")"
}

// Status maps a service error to a page's HTTP status.
func Status(err error) int {
	switch steward.ErrorCode(err) {
	case steward.EINVALID:
		return http.StatusBadRequest
	case steward.ENOTFOUND:
		return http.StatusNotFound
	case steward.EFORBIDDEN:
		return http.StatusForbidden
	case steward.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case steward.ECONFLICT:
		return http.StatusConflict
	case steward.ERATELIMIT:
		return http.StatusTooManyRequests
	case steward.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Style is the style sheet of every page.
//
//go:embed style.css
var Style []byte

// ServeStyle serves Style as CSS.
func ServeStyle(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(Style)
}

// Pages parses the pages of templates/*.html in fsys, each with
// templates/layout.html around it, by name ("person" for
// templates/person.html).
func Pages(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return pages, nil
}
