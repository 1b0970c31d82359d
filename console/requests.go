package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/requests"
)

// requestsView is the queue of rights requests with its filters.
type requestsView struct {
	Requests []*requests.RequestView
	Status   string
	Type     string
	Overdue  bool
	Statuses []string
	Types    []string
	Now      time.Time
}

// requestsPage lists the tenant's requests, newest first, filtered by
// status, type and overdue (codes in the query string, never a personal
// value), with the days left before each deadline.
func (h *Handler) requestsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &requestsView{Status: q.Get("status"), Type: q.Get("type"), Overdue: q.Get("overdue") == "true",
		Statuses: steward.RequestStatuses, Types: steward.RequestTypes, Now: h.c.Now()}
	if !slices.Contains(d.Statuses, d.Status) {
		d.Status = ""
	}
	if !slices.Contains(d.Types, d.Type) {
		d.Type = ""
	}
	list, err := h.c.Requests.List(r.Context(), requests.Filter{Status: d.Status, Type: d.Type, Overdue: d.Overdue, Limit: 200})
	msg, status := "", http.StatusOK
	if err != nil {
		msg, status = problem(err), statusOf(err)
	}
	d.Requests = list
	h.render(w, r, status, "requests", &view{Title: "Requests", Nav: "requests", Data: d, Error: msg})
}

// requestView is one request's page.
type requestView struct {
	Request  *requests.RequestView
	DaysLeft int
	Result   string // the result, indented JSON: links, counts, tasks, the package's manifest hash
	Evidence string // the signed completion record, indented JSON
	CanAct   bool   // it awaits a staff decision or runs, so deny / extend apply
}

func (h *Handler) requestPage(w http.ResponseWriter, r *http.Request) {
	h.request(w, r, http.StatusOK, "", "")
}

// request shows a request with its history, its result (the deletion
// tasks per processor and their confirmations, the export package's
// manifest) and its signed completion record.
func (h *Handler) request(w http.ResponseWriter, r *http.Request, status int, msg, notice string) {
	ctx := r.Context()
	v, err := h.c.Requests.Get(ctx, r.PathValue("id"))
	if err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Request", Nav: "requests", Error: problem(err)})
		return
	}
	d := &requestView{Request: v, DaysLeft: int(time.Until(v.Deadline).Hours() / 24), CanAct: v.Status != steward.RequestCompleted &&
		v.Status != steward.RequestPartiallyCompleted && v.Status != steward.RequestDenied && v.Status != steward.RequestExpired}
	d.Result = indent(v.Result)
	if v.Evidence {
		if ev, err := h.c.Requests.Evidence(ctx, v.ID); err == nil {
			d.Evidence = indent(ev.Record)
		}
	}
	h.render(w, r, status, "request", &view{Title: "Request " + v.ID, Nav: "requests", Data: d, Error: msg, Notice: notice})
}

// indent pretty-prints JSON for a page ("" for none).
func indent(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// decideRequest approves, denies or extends a request, through the same
// service (and rules) as the API.
func (h *Handler) decideRequest(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), r.PathValue("id")
	var err error
	var done string
	switch r.PathValue("action") {
	case "approve":
		_, err = h.c.Requests.Approve(ctx, id)
		done = "Approved: the request runs now."
	case "deny":
		_, err = h.c.Requests.Deny(ctx, id, &requests.RequestReason{Reason: r.PostFormValue("reason")})
		done = "Denied; the person is told the reason."
	case "extend":
		_, err = h.c.Requests.Extend(ctx, id, &requests.RequestReason{Reason: r.PostFormValue("reason")})
		done = "Deadline extended; the person is told the reason."
	default:
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.request(w, r, statusOf(err), problem(err), "")
		return
	}
	h.request(w, r, http.StatusOK, "", done)
}
