package console

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/auth"
)

// page is a console handler; it runs with the signed-in staff member in
// the context.
type page func(w http.ResponseWriter, r *http.Request)

// staffOnly runs p for a signed-in staff member, after checking the CSRF
// token of a POST. Without a session it redirects to the sign-in page; a
// session that must still enrol a second factor goes to enrolment.
func (h *Handler) staffOnly(p page, mfaPage bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := h.session(r)
		if c == nil {
			http.Redirect(w, r, Prefix+"sign-in", http.StatusSeeOther)
			return
		}
		if c.MFAPending && !mfaPage {
			http.Redirect(w, r, Prefix+"mfa", http.StatusSeeOther)
			return
		}
		r = r.WithContext(steward.WithCaller(r.Context(), c))
		if r.Method == http.MethodPost && !h.checkCSRF(r) {
			h.render(w, r, http.StatusForbidden, "error", &view{Title: "Form expired", Error: "This form expired or did not come from this console; reload the page and try again. (csrf)"})
			return
		}
		p(w, r)
	}
}

// session returns the caller of the console session cookie, or nil.
func (h *Handler) session(r *http.Request) *steward.Caller {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	c, err := h.c.Auth.AuthenticateSession(r.Context(), ck.Value)
	if err != nil {
		return nil
	}
	return c
}

// signInForm is what the sign-in page shows.
type signInForm struct {
	Tenant     string
	AskTenant  bool
	Email      string
	RetryAfter string
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	if h.session(r) != nil {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "signin", &view{Title: "Sign in", Data: h.signInDefaults(r.Context())})
}

// signInDefaults fills the organisation when the server has only one.
func (h *Handler) signInDefaults(ctx context.Context) *signInForm {
	f := &signInForm{AskTenant: true}
	if h.c.Tenants != nil {
		if ts, err := h.c.Tenants(ctx); err == nil && len(ts) == 1 {
			f.Tenant, f.AskTenant = ts[0].ID, false
		}
	}
	return f
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if !h.checkCSRF(r) {
		h.render(w, r, http.StatusForbidden, "signin", &view{Title: "Sign in", Data: h.signInDefaults(r.Context()),
			Error: "This form expired; reload the page and sign in again. (csrf)"})
		return
	}
	f := h.signInDefaults(r.Context())
	if t := strings.TrimSpace(r.PostFormValue("tenant")); t != "" {
		f.Tenant = t
	}
	token, _, err := h.c.Auth.Login(r.Context(), f.Tenant, r.PostFormValue("email"), r.PostFormValue("password"), r.PostFormValue("code"))
	if err != nil {
		msg := problem(err)
		var e *steward.Error
		if ok := asError(err, &e); ok {
			for _, reason := range e.Reasons {
				if wait, ok := steward.RetryAfter(reason); ok {
					msg = "Too many failed attempts: this account is locked. Try again in " + wait + " seconds. (" + steward.ERATELIMIT + ")"
				}
			}
		}
		h.render(w, r, statusOf(err), "signin", &view{Title: "Sign in", Data: f, Error: msg})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: Prefix, HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(auth.SessionTTL / time.Second)})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		_ = h.c.Auth.Logout(r.Context(), ck.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix, HttpOnly: true, Secure: secure(r),
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, Prefix+"sign-in", http.StatusSeeOther)
}

// mfaPage starts TOTP enrolment (the policy requires a second factor) and
// shows the secret to type into an authenticator app.
func (h *Handler) mfaPage(w http.ResponseWriter, r *http.Request) {
	en, err := h.c.Auth.EnrollTOTP(r.Context(), h.c.Issuer)
	if err != nil {
		h.render(w, r, statusOf(err), "mfa", &view{Title: "Two-factor sign-in", Error: problem(err)})
		return
	}
	h.render(w, r, http.StatusOK, "mfa", &view{Title: "Two-factor sign-in", Data: en})
}

func (h *Handler) mfaConfirm(w http.ResponseWriter, r *http.Request) {
	if err := h.c.Auth.ConfirmTOTP(r.Context(), r.PostFormValue("code")); err != nil {
		h.render(w, r, statusOf(err), "mfa", &view{Title: "Two-factor sign-in", Error: problem(err) + " Start again to get a new secret."})
		return
	}
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}
