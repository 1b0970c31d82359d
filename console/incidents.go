package console

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/steward-privacy/steward/incidents"
)

// incidentsView is the incidents page: the register with the 72-hour
// clocks, and the form to declare one.
type incidentsView struct {
	Incidents []*incidents.View
	Now       time.Time
}

func (h *Handler) incidentsPage(w http.ResponseWriter, r *http.Request) {
	h.incidents(w, r, http.StatusOK, "")
}

func (h *Handler) incidents(w http.ResponseWriter, r *http.Request, status int, msg string) {
	list, err := h.c.Incidents.List(r.Context(), "", 200)
	if err != nil && msg == "" {
		msg, status = problem(err), statusOf(err)
	}
	h.render(w, r, status, "incidents", &view{Title: "Incidents", Nav: "incidents", Data: &incidentsView{Incidents: list, Now: h.c.Now()}, Error: msg})
}

// declareIncident creates an incident from the form; steward derives the
// people affected from the audit log.
func (h *Handler) declareIncident(w http.ResponseWriter, r *http.Request) {
	in := &incidents.NewIncident{Summary: r.PostFormValue("summary"), Risk: r.PostFormValue("risk"),
		Consequences: r.PostFormValue("consequences"), Measures: r.PostFormValue("measures"),
		Actors: fields(r.PostFormValue("actors")), Categories: fields(r.PostFormValue("categories"))}
	var bad string
	parse := func(name string) *time.Time {
		v := r.PostFormValue(name)
		if v == "" {
			return nil
		}
		t, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			bad = "Times are written 2026-12-31T23:59 (UTC). (invalid)"
			return nil
		}
		return &t
	}
	in.AwareAt = parse("aware_at")
	if from, to := parse("from"), parse("to"); from != nil || to != nil {
		in.Window = &incidents.Window{}
		if from != nil {
			in.Window.From = *from
		}
		if to != nil {
			in.Window.To = *to
		}
	}
	if bad != "" {
		h.incidents(w, r, http.StatusBadRequest, bad)
		return
	}
	v, err := h.c.Incidents.Create(r.Context(), in)
	if err != nil {
		h.incidents(w, r, statusOf(err), problem(err))
		return
	}
	http.Redirect(w, r, Prefix+"incidents/"+v.ID, http.StatusSeeOther)
}

// fields splits a list typed with spaces or commas.
func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
}

// incidentView is one incident's page with its notices.
type incidentView struct {
	Incident  *incidents.View
	Regulator template.HTML // the rendered notice, escaped by the incidents package
	Subjects  template.HTML
	HoursLeft int
}

func (h *Handler) incidentPage(w http.ResponseWriter, r *http.Request) {
	h.incident(w, r, http.StatusOK, "", "")
}

func (h *Handler) incident(w http.ResponseWriter, r *http.Request, status int, msg, notice string) {
	ctx := r.Context()
	v, err := h.c.Incidents.Get(ctx, r.PathValue("id"))
	if err != nil {
		h.render(w, r, statusOf(err), "error", &view{Title: "Incident", Nav: "incidents", Error: problem(err)})
		return
	}
	d := &incidentView{Incident: v, HoursLeft: int(time.Until(v.Deadline).Hours())}
	if n, err := h.c.Incidents.Notice(ctx, v.ID, "regulator", "html"); err == nil {
		d.Regulator = template.HTML(n.Body) // #nosec: html/template output of the incidents package
	}
	if n, err := h.c.Incidents.Notice(ctx, v.ID, "subjects", "html"); err == nil {
		d.Subjects = template.HTML(n.Body)
	}
	h.render(w, r, status, "incident", &view{Title: "Incident " + v.ID, Nav: "incidents", Data: d, Error: msg, Notice: notice})
}

// incidentStatus moves an incident on (regulator notified, not
// notifiable, closed) with the reasons the rules ask for.
func (h *Handler) incidentStatus(w http.ResponseWriter, r *http.Request) {
	ch := &incidents.StatusChange{Status: r.PostFormValue("status"), DelayReasons: r.PostFormValue("delay_reasons"),
		Reasoning: r.PostFormValue("reasoning")}
	if _, err := h.c.Incidents.SetStatus(r.Context(), r.PathValue("id"), ch); err != nil {
		h.incident(w, r, statusOf(err), problem(err), "")
		return
	}
	h.incident(w, r, http.StatusOK, "", "Status changed to "+ch.Status+".")
}

// notifySubjects starts sending the subject notice to the people affected.
func (h *Handler) notifySubjects(w http.ResponseWriter, r *http.Request) {
	if _, err := h.c.Incidents.NotifySubjects(r.Context(), r.PathValue("id")); err != nil {
		h.incident(w, r, statusOf(err), problem(err), "")
		return
	}
	h.incident(w, r, http.StatusAccepted, "", "The notice is being sent to the people affected; this page shows the progress.")
}
