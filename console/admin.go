package console

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/audit"
	"github.com/steward-privacy/steward/auth"
	"github.com/steward-privacy/steward/policy/diff"
	"github.com/steward-privacy/steward/policy/ropa"
)

// readAudit lists audit events; reading the audit log is itself audited,
// as over the API (audit.Log.Read).
// AuditWindow is how many of the newest events a filtered audit page
// searches: the events are indexed by sequence only (an index by subject
// cost the append path 3.4x on SQLite), so a filter scans; the window
// keeps a page fast (about 20 ms) with any number of events. The audit
// export holds them all.
const AuditWindow = 100_000

// window returns the sequence number after which the newest AuditWindow
// events of the tenant lie (0 for all).
func (h *Handler) window(r *http.Request, tenantID string) int64 {
	st, err := h.c.Audit.Status(r.Context(), tenantID)
	if err != nil || st.Head.Seq <= AuditWindow {
		return 0
	}
	return st.Head.Seq - AuditWindow
}

func (h *Handler) readAudit(r *http.Request, f steward.AuditFilter) ([]*steward.AuditEvent, error) {
	return h.c.Audit.Read(r.Context(), steward.CallerFrom(r.Context()), f)
}

// policyView is the policy page.
type policyView struct {
	Version  string
	Versions []*steward.PolicyVersion
	From, To string
	Changes  []diff.Change
	Material int
}

func (h *Handler) policyPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cur := h.c.Policies.Current()
	v := &policyView{Version: cur.Version.Version}
	vs, err := h.c.Policies.Versions(ctx)
	if err != nil {
		h.render(w, r, statusOf(err), "policy", &view{Title: "Policy", Nav: "policy", Error: problem(err), Data: v})
		return
	}
	v.Versions = vs
	var msg string
	if from := r.URL.Query().Get("from"); from != "" {
		v.From, v.To = from, r.URL.Query().Get("to")
		if v.To == "" {
			v.To = v.Version
		}
		if v.Changes, err = h.c.Policies.Diff(ctx, v.From, v.To); err != nil {
			msg = problem(err)
		}
		v.Material = len(diff.Material(v.Changes))
	}
	h.render(w, r, http.StatusOK, "policy", &view{Title: "Policy", Nav: "policy", Data: v, Error: msg})
}

// ropaCSV downloads the record of processing of the policy in force.
func (h *Handler) ropaCSV(w http.ResponseWriter, r *http.Request) {
	b, err := ropa.CSV(h.c.Policies.Current().Policy)
	if err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Record of processing", Error: problem(err)})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="record-of-processing.csv"`)
	_, _ = w.Write(b)
}

// auditView is the audit page: filters by ids and codes (never personal
// values, so they may sit in the URL), the events, and a verification.
type auditView struct {
	Subject, Actor, Action, Since, Until string
	Events                               []*steward.AuditEvent
	Verified                             *audit.Report
}

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request) {
	c := steward.CallerFrom(r.Context())
	q := r.URL.Query()
	v := &auditView{Subject: q.Get("subject"), Actor: q.Get("actor"), Action: q.Get("action"), Since: q.Get("since"), Until: q.Get("until")}
	f := steward.AuditFilter{TenantID: c.TenantID, SubjectID: v.Subject, Actor: v.Actor, Action: v.Action, Limit: 200}
	if f.SubjectID != "" || f.Actor != "" || f.Action != "" {
		f.After = h.window(r, c.TenantID)
	}
	var msg string
	for _, t := range []struct {
		in  string
		out *time.Time
	}{{v.Since, &f.Since}, {v.Until, &f.Until}} {
		if t.in == "" {
			continue
		}
		d, err := time.Parse("2006-01-02", t.in)
		if err != nil {
			msg = "Dates are written 2026-12-31. (invalid)"
			continue
		}
		*t.out = d
	}
	if r.Method == http.MethodPost {
		rep, err := h.c.Audit.Verify(r.Context(), c.TenantID, audit.VerifyOptions{})
		if err != nil {
			msg = problem(err)
		} else {
			v.Verified = rep
			e := steward.NewAuditEvent(r.Context(), c, steward.ActionAuditVerify, h.c.Now())
			e.Decision = steward.DecisionAllow
			_ = h.c.Audit.Append(r.Context(), e)
		}
	}
	if msg == "" {
		var err error
		if v.Events, err = h.readAudit(r, f); err != nil {
			msg = problem(err)
		}
	}
	h.render(w, r, http.StatusOK, "audit", &view{Title: "Audit log", Nav: "audit", Data: v, Error: msg})
}

// auditExport streams the tenant's chain as JSON Lines (audited first).
func (h *Handler) auditExport(w http.ResponseWriter, r *http.Request) {
	c := steward.CallerFrom(r.Context())
	e := steward.NewAuditEvent(r.Context(), c, steward.ActionAuditExport, h.c.Now())
	e.Decision = steward.DecisionAllow
	if err := h.c.Audit.Append(r.Context(), e); err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Audit export", Error: problem(err)})
		return
	}
	w.Header().Set("Content-Type", "application/jsonl")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+c.TenantID+`.jsonl"`)
	_ = h.c.Audit.Export(r.Context(), w, c.TenantID)
}

// keysView is the keys page.
type keysView struct {
	Keys    []*steward.APIKey
	Scopes  []steward.Scope
	Created *auth.NewKey
}

func (h *Handler) keysPage(w http.ResponseWriter, r *http.Request) {
	h.keys(w, r, http.StatusOK, nil, "", "")
}

func (h *Handler) keys(w http.ResponseWriter, r *http.Request, status int, created *auth.NewKey, msg, notice string) {
	c := steward.CallerFrom(r.Context())
	v := &keysView{Created: created}
	for _, sc := range steward.AllScopes {
		if c.Scopes.Has(sc) { // offer only what the caller can grant
			v.Scopes = append(v.Scopes, sc)
		}
	}
	keys, err := h.c.Auth.ListAPIKeys(r.Context())
	if err != nil && msg == "" {
		msg, status = problem(err), statusOf(err)
	}
	v.Keys = keys
	h.render(w, r, status, "keys", &view{Title: "API keys", Nav: "keys", Data: v, Error: msg, Notice: notice})
}

func (h *Handler) createKey(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	scopes, err := steward.ValidateScopes("scopes", r.PostForm["scopes"])
	if err == nil {
		var nk *auth.NewKey
		if nk, err = h.c.Auth.CreateAPIKey(r.Context(), strings.TrimSpace(r.PostFormValue("name")), scopes); err == nil {
			h.keys(w, r, http.StatusCreated, nk, "", "")
			return
		}
	}
	h.keys(w, r, statusOf(err), nil, problem(err), "")
}

func (h *Handler) revokeKey(w http.ResponseWriter, r *http.Request) {
	if err := h.c.Auth.RevokeAPIKey(r.Context(), r.PathValue("id")); err != nil {
		h.keys(w, r, statusOf(err), nil, problem(err), "")
		return
	}
	h.keys(w, r, http.StatusOK, nil, "", "Key "+r.PathValue("id")+" revoked.")
}

// staffView is the staff page.
type staffView struct {
	Staff []*steward.StaffAccount
	Roles []steward.Role
}

func (h *Handler) staffPage(w http.ResponseWriter, r *http.Request) {
	h.staff(w, r, http.StatusOK, "", "")
}

func (h *Handler) staff(w http.ResponseWriter, r *http.Request, status int, msg, notice string) {
	c := steward.CallerFrom(r.Context())
	v := &staffView{}
	for role, scopes := range steward.RoleScopes {
		if c.Scopes.Covers(scopes) {
			v.Roles = append(v.Roles, role)
		}
	}
	slices.Sort(v.Roles)
	list, err := h.c.Auth.ListStaff(r.Context())
	if err != nil && msg == "" {
		msg, status = problem(err), statusOf(err)
	}
	v.Staff = list
	h.render(w, r, status, "staff", &view{Title: "Staff", Nav: "staff", Data: v, Error: msg, Notice: notice})
}

func (h *Handler) createStaff(w http.ResponseWriter, r *http.Request) {
	st, err := h.c.Auth.CreateStaff(r.Context(), r.PostFormValue("email"), r.PostFormValue("password"), "", steward.Role(r.PostFormValue("role")))
	if err != nil {
		h.staff(w, r, statusOf(err), problem(err), "")
		return
	}
	h.staff(w, r, http.StatusCreated, "", "Staff account "+st.ID+" created.")
}
