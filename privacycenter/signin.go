package privacycenter

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"net/http"
	"time"

	"github.com/steward-privacy/steward"
)

// Sign-in codes: 6 digits, 10 minutes, 5 attempts; at most 5 codes per
// person an hour.
const (
	codeTTL      = 10 * time.Minute
	codeAttempts = 5
	codesPerHour = 5
)

// ActionSignIn is the audit action of a privacy center sign-in (actor the
// subject; reasons "ok" or "wrong_code").
const ActionSignIn = "subject.signin"

// homeView is the home page: the notice, and sign-in or a link to one's data.
type homeView struct {
	Versions []*steward.PolicyVersion
	CanMail  bool
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request, t *steward.Tenant) {
	if h.session(r, t) != nil {
		http.Redirect(w, r, Prefix+r.PathValue("slug")+"/me", http.StatusSeeOther)
		return
	}
	d := &homeView{CanMail: h.c.Mailer != nil}
	d.Versions, _ = h.c.Policies.Versions(r.Context())
	h.render(w, r, http.StatusOK, "home", &view{Title: "Your privacy", Data: d})
}

// codeView is the page asking for the code.
type codeView struct {
	Challenge string
}

// signIn mails a one-time code to the address on file of the person whose
// email is typed, if the tenant holds it. The answer is the same either
// way (it never tells whether an address is known), as is its shape: a
// challenge id that leads nowhere when nobody was found.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, t *steward.Tenant) {
	ctx := r.Context()
	if h.c.Mailer == nil {
		h.render(w, r, http.StatusServiceUnavailable, "home", &view{Title: "Your privacy", Data: &homeView{},
			Error: "Signing in needs email, which this server does not send. (email_not_configured)"})
		return
	}
	id := steward.NewID("pcc")
	subject, err := h.c.Vault.LookupSubject(ctx, t.ID, steward.IndexEmail, r.PostFormValue("email"))
	switch {
	case steward.ErrorCode(err) == steward.EINVALID:
		h.render(w, r, http.StatusBadRequest, "home", &view{Title: "Your privacy", Data: &homeView{CanMail: true},
			Error: "Type the email address you gave us. (invalid)"})
		return
	case err == nil:
		if err := h.sendCode(ctx, t, subject, id); err != nil {
			h.c.Logger.Warn("privacy center code", "error_code", steward.ErrorCode(err))
		}
	case steward.ErrorCode(err) != steward.ENOTFOUND:
		h.render(w, r, statusOf(err), "error", &view{Title: "Sign in", Error: problem(err)})
		return
	}
	h.render(w, r, http.StatusOK, "code", &view{Title: "Check your email", Data: &codeView{Challenge: id},
		Notice: "If we hold this address, we sent a 6-digit code to it. It is valid for 10 minutes."})
}

// sendCode stores a challenge for the subject and mails its code, unless
// the person had codesPerHour codes in the last hour.
func (h *Handler) sendCode(ctx context.Context, t *steward.Tenant, subject, id string) error {
	now := h.c.Now().UTC()
	n, err := h.c.Store.RecentChallenges(ctx, t.ID, subject, now.Add(-time.Hour))
	if err != nil || n >= codesPerHour {
		return err
	}
	to, err := h.c.Vault.SignInEmail(ctx, t.ID, subject, id)
	if err != nil || to == "" {
		return err
	}
	num, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", num.Int64())
	if err := h.c.Store.CreateChallenge(ctx, &steward.SignInChallenge{ID: id, TenantID: t.ID, SubjectID: subject,
		CodeHash: h.codeHash(id, code), ExpiresAt: now.Add(codeTTL), CreatedAt: now}); err != nil {
		return err
	}
	org := h.c.Policies.Current().Policy.Organisation.Name
	return h.c.Mailer.Send(ctx, to, org+": your sign-in code", "Your code to sign in to the privacy center of "+org+" is "+code+
		".\n\nIt is valid for 10 minutes. If you did not ask for it, ignore this message: nobody can sign in without the code.\n")
}

func (h *Handler) codeHash(id, code string) []byte {
	m := hmac.New(sha256.New, h.c.Key)
	m.Write([]byte("privacy-center-code\x00" + id + "\x00" + code))
	return m.Sum(nil)
}

// verify checks a code and signs the person in.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request, t *steward.Tenant) {
	ctx := r.Context()
	id, code := r.PostFormValue("challenge"), r.PostFormValue("code")
	wrong := func() {
		h.render(w, r, http.StatusBadRequest, "code", &view{Title: "Check your email", Data: &codeView{Challenge: id},
			Error: "This code is wrong or expired. Codes are valid for 10 minutes and 5 attempts; ask for a new one from the first page. (invalid_code)"})
	}
	if !steward.ValidID(id, "pcc") || len(code) != 6 {
		wrong()
		return
	}
	ch, err := h.c.Store.AttemptChallenge(ctx, t.ID, id)
	if err != nil {
		wrong()
		return
	}
	ok := !ch.Used && ch.Attempts < codeAttempts && h.c.Now().Before(ch.ExpiresAt) && hmac.Equal(ch.CodeHash, h.codeHash(id, code))
	actx := steward.WithCaller(ctx, &steward.Caller{TenantID: t.ID, Kind: steward.ActorSubject, ID: ch.SubjectID})
	e := steward.AuditEvent{Action: ActionSignIn, SubjectID: ch.SubjectID, Target: id}
	if !ok {
		e.Decision, e.Reasons = steward.DecisionDeny, []string{"wrong_code"}
		_ = h.c.Vault.Audit(actx, e)
		wrong()
		return
	}
	if err := h.c.Store.UseChallenge(ctx, t.ID, id); err != nil {
		wrong()
		return
	}
	e.Decision, e.Reasons = steward.DecisionAllow, []string{"ok"}
	if err := h.c.Vault.Audit(actx, e); err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Sign in", Error: problem(err)})
		return
	}
	h.setSession(w, r, t.ID, ch.SubjectID)
	http.Redirect(w, r, Prefix+r.PathValue("slug")+"/me", http.StatusSeeOther)
}
