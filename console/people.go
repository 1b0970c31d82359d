package console

import (
	"net/http"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/consent"
	"github.com/steward-privacy/steward/grants"
	"github.com/steward-privacy/steward/holds"
	"github.com/steward-privacy/steward/incidents"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/requests"
	"github.com/steward-privacy/steward/vault"
)

// dashboard shows what needs attention: open and overdue rights requests
// with the days left, open incidents with the hours left on the 72-hour
// clock, the audit chain's head and last signed checkpoint, the latest key
// rotation, and the background jobs.
type dashboard struct {
	Chain     *chainState
	Jobs      []*steward.JobState
	JobsError string
	// Requests are the open requests nearest their deadline (overdue
	// first), of OpenRequests in all.
	Files        []vault.FileSummary
	Requests     []*requests.RequestView
	OpenRequests int
	Overdue      int
	Incidents    []*incidents.View
	Rotation     *vault.RotationStatus
	Now          time.Time
}

type chainState struct {
	LastSeq        int64
	Checkpoint     int64
	CheckpointTime string
}

// dashboardRequests is how many open requests the dashboard lists.
const dashboardRequests = 10

func (h *Handler) dashboardPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c := steward.CallerFrom(ctx)
	d := &dashboard{Now: h.c.Now()}
	if h.c.Audit != nil && c.Scopes.Has(steward.ScopeAuditRead) {
		// The head and the newest checkpoint only: verifying reads the whole
		// chain, which the audit page does on request.
		if st, err := h.c.Audit.Status(ctx, c.TenantID); err == nil {
			d.Chain = &chainState{LastSeq: st.Head.Seq}
			if st.Checkpoint != nil {
				d.Chain.Checkpoint, d.Chain.CheckpointTime = st.Checkpoint.Seq, when(st.Checkpoint.Time)
			}
		}
	}
	if h.c.Requests != nil && (c.Scopes.Has(steward.ScopeRequestsManage) || c.Scopes.Has(steward.ScopeRequestsWrite)) {
		for _, st := range steward.OpenRequestStatuses {
			list, err := h.c.Requests.List(ctx, requests.Filter{Status: st, Limit: 1000})
			if err != nil {
				break
			}
			d.Requests = append(d.Requests, list...)
		}
		d.OpenRequests = len(d.Requests)
		slices.SortFunc(d.Requests, func(a, b *requests.RequestView) int { return a.Deadline.Compare(b.Deadline) })
		for _, x := range d.Requests {
			if x.Overdue {
				d.Overdue++
			}
		}
		d.Requests = d.Requests[:min(len(d.Requests), dashboardRequests)]
	}
	if h.c.Incidents != nil && c.Scopes.Has(steward.ScopeIncidentsManage) {
		d.Incidents, _ = h.c.Incidents.List(ctx, "open", 20)
	}
	if h.c.Rotations != nil && c.Scopes.Has(steward.ScopeAdmin) {
		if st, err := h.c.Rotations.Status(ctx, false); err == nil {
			d.Rotation = &st
		}
	}
	if h.c.Jobs != nil {
		jobs, err := h.c.Jobs(ctx)
		if err != nil {
			d.JobsError = problem(err)
		}
		d.Jobs = jobs
	}
	h.render(w, r, http.StatusOK, "dashboard", &view{Title: "Dashboard", Nav: "dashboard", Data: d})
}

// findKinds are the identifiers people are found by.
var findKinds = []string{steward.IndexEmail, steward.IndexPhone, steward.IndexExternalID}

func (h *Handler) peoplePage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "people", &view{Title: "People", Nav: "people", Options: findKinds})
}

// findPerson looks a person up by an identifier sent in the form body
// (never in the URL) and redirects to their page, named by opaque id.
func (h *Handler) findPerson(w http.ResponseWriter, r *http.Request) {
	kind := r.PostFormValue("kind")
	if !slices.Contains(findKinds, kind) {
		h.render(w, r, http.StatusBadRequest, "people", &view{Title: "People", Nav: "people", Options: findKinds,
			Error: "Choose email, phone or external id. (invalid)"})
		return
	}
	s, err := h.c.Vault.FindSubject(r.Context(), kind, r.PostFormValue("value"))
	if err != nil {
		h.render(w, r, statusOf(err), "people", &view{Title: "People", Nav: "people", Options: findKinds, Error: problem(err)})
		return
	}
	http.Redirect(w, r, Prefix+"people/"+s.ID, http.StatusSeeOther)
}

// person is a person's page.
type person struct {
	Subject        *vault.SubjectView
	Purpose        string
	Purposes       []string
	Justifications []string
	Values         []vault.Value
	ValuesError    string
	Revealed       bool
	Consents       *consent.State
	Disclosures    []*steward.Disclosure
	Events         []*steward.AuditEvent
	// Break-glass: the justifications that need a privacy officer's
	// approval, this staff member's grants in force for the person, and
	// whether the last read was masked for want of one.
	Files        []vault.FileSummary
	Requests     []*requests.RequestView
	Holds        []*holds.HoldView
	NeedApproval []string
	Grants       []*grants.GrantView
	Grant        string
	ApprovalMiss bool
}

// personPage shows what is held about a person, masked unless a
// justification is given (POST), with their consents, disclosures and
// the audit trail about them. Every read is the vault's, audited there.
func (h *Handler) personPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s, err := h.c.Vault.Subject(ctx, r.PathValue("id"))
	if err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Person", Nav: "people", Error: problem(err)})
		return
	}
	pol := h.c.Vault.Policy()
	p := &person{Subject: s, Purposes: pol.Purposes()}
	for _, j := range pol.Justifications() {
		p.Justifications = append(p.Justifications, j.Key)
		if j.Approval == policy.ApprovalRequired {
			p.NeedApproval = append(p.NeedApproval, j.Key)
		}
	}
	if h.c.Grants != nil && len(p.NeedApproval) > 0 {
		me := steward.CallerFrom(ctx).ID
		approved, _ := h.c.Grants.List(ctx, string(steward.GrantApproved))
		for _, g := range approved {
			if g.Subject == s.ID && g.RequestedBy == me && g.Status == string(steward.GrantApproved) {
				p.Grants = append(p.Grants, g)
			}
		}
	}
	p.Purpose = r.PostFormValue("purpose")
	if !slices.Contains(p.Purposes, p.Purpose) {
		p.Purpose = firstEssential(pol.EssentialPurposes(), p.Purposes)
	}
	a := vault.Access{Purpose: p.Purpose}
	if r.Method == http.MethodPost {
		a.Justification, a.Grant = r.PostFormValue("justification"), r.PostFormValue("grant")
		p.Grant = a.Grant
	}
	if p.Values, err = h.c.Vault.GetRecords(ctx, s.ID, a); err != nil {
		p.ValuesError = problem(err)
	}
	p.Revealed = a.Justification != "" && err == nil && !slices.ContainsFunc(p.Values, func(v vault.Value) bool { return v.Masked })
	p.ApprovalMiss = !p.Revealed && slices.Contains(p.NeedApproval, a.Justification)
	if h.c.Consent != nil {
		p.Consents, _ = h.c.Consent.State(ctx, s.ID, true)
	}
	if h.c.Disclose != nil {
		p.Disclosures, _ = h.c.Disclose.List(ctx, s.ID, 50)
	}
	c := steward.CallerFrom(ctx)
	if c.Scopes.Has(steward.ScopeFilesRead) {
		p.Files, _ = h.c.Vault.ListFiles(ctx, s.ID)
	}
	if h.c.Requests != nil && (c.Scopes.Has(steward.ScopeRequestsManage) || c.Scopes.Has(steward.ScopeRequestsWrite)) {
		p.Requests, _ = h.c.Requests.List(ctx, requests.Filter{SubjectID: s.ID, Limit: 50})
	}
	if h.c.Holds != nil && c.Scopes.Has(steward.ScopeHoldsManage) {
		all, _ := h.c.Holds.List(ctx, false)
		for _, x := range all {
			if x.Subject == s.ID {
				p.Holds = append(p.Holds, x)
			}
		}
	}
	if h.c.Audit != nil && c.Scopes.Has(steward.ScopeAuditRead) {
		p.Events, _ = h.readAudit(r, steward.AuditFilter{TenantID: c.TenantID, SubjectID: s.ID, Limit: 50, After: h.window(r, c.TenantID)})
	}
	h.render(w, r, http.StatusOK, "person", &view{Title: "Person " + s.ID, Nav: "people", Data: p})
}

func firstEssential(essential, all []string) string {
	if len(essential) > 0 {
		return essential[0]
	}
	if len(all) > 0 {
		return all[0]
	}
	return ""
}

// notFound answers an unknown console path: sign-in first, then a page
// that says so.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	if h.session(r) == nil {
		http.Redirect(w, r, Prefix+"sign-in", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusNotFound, "error", &view{Title: "Not found", Error: "There is no such page. (not_found)"})
}
