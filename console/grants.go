package console

import (
	"net/http"
	"strconv"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/grants"
)

// grantsView is the break-glass page: the grants awaiting a privacy
// officer, and the latest ones.
type grantsView struct {
	Waiting []*grants.GrantView
	Recent  []*grants.GrantView
	Me      string
}

func (h *Handler) grantsPage(w http.ResponseWriter, r *http.Request) {
	h.grants(w, r, http.StatusOK, "", "")
}

func (h *Handler) grants(w http.ResponseWriter, r *http.Request, status int, msg, notice string) {
	ctx := r.Context()
	d := &grantsView{Me: steward.CallerFrom(ctx).ID}
	var err error
	if d.Waiting, err = h.c.Grants.List(ctx, string(steward.GrantRequested)); err == nil {
		d.Recent, err = h.c.Grants.List(ctx, "")
	}
	if err != nil && msg == "" {
		msg, status = problem(err), statusOf(err)
	}
	if len(d.Recent) > 50 {
		d.Recent = d.Recent[:50]
	}
	h.render(w, r, status, "grants", &view{Title: "Access grants", Nav: "grants", Data: d, Error: msg, Notice: notice})
}

// askGrant asks for break-glass access from a person's page.
func (h *Handler) askGrant(w http.ResponseWriter, r *http.Request) {
	minutes, _ := strconv.Atoi(r.PostFormValue("minutes"))
	g, err := h.c.Grants.Request(r.Context(), &grants.NewGrant{Subject: r.PostFormValue("subject"),
		Justification: r.PostFormValue("justification"), Note: r.PostFormValue("note"), Minutes: minutes})
	if err != nil {
		h.grants(w, r, statusOf(err), problem(err), "")
		return
	}
	h.grants(w, r, http.StatusCreated, "", "Asked for access ("+g.ID+"): a privacy officer other than you must approve it.")
}

// decideGrant approves or refuses a grant (a privacy officer other than
// the requester; the service enforces it).
func (h *Handler) decideGrant(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), r.PathValue("id")
	var err error
	var done string
	switch r.PathValue("action") {
	case "approve":
		_, err = h.c.Grants.Approve(ctx, id)
		done = "Approved: the requester can read this person's data in clear for the minutes asked."
	case "refuse":
		_, err = h.c.Grants.Refuse(ctx, id)
		done = "Refused."
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.grants(w, r, statusOf(err), problem(err), "")
		return
	}
	h.grants(w, r, http.StatusOK, "", done)
}
