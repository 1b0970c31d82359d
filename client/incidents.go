package client

import (
	"context"
	"strconv"
	"time"
)

// IncidentWindow is a period of time, From inclusive, To exclusive.
type IncidentWindow struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// NewIncident declares a personal data breach. AwareAt starts the 72-hour
// clock. Actors (key_... and stf_... ids) with Window: every subject whose
// data they read, disclosed or exported in the window is affected;
// Categories without actors: every subject holding them; with actors, they
// narrow the exposure. Risk is low or high; Summary, Consequences and
// Measures are free text for the notices (never audited).
type NewIncident struct {
	AwareAt      *time.Time      `json:"aware_at"`
	DetectedAt   *time.Time      `json:"detected_at,omitempty"`
	Summary      string          `json:"summary"`
	Window       *IncidentWindow `json:"window,omitempty"`
	Actors       []string        `json:"actors,omitempty"`
	Categories   []string        `json:"categories,omitempty"`
	Risk         string          `json:"risk"`
	Consequences string          `json:"consequences"`
	Measures     string          `json:"measures"`
}

// IncidentCount is how many people and records of a category an incident
// affects.
type IncidentCount struct {
	Category string `json:"category"`
	Subjects int    `json:"subjects"`
	Records  int    `json:"records"`
}

// NoticeProgress counts an incident's subject notices by result.
type NoticeProgress struct {
	Total   int `json:"total"`
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	NoEmail int `json:"no_email"`
	Erased  int `json:"erased"`
	Failed  int `json:"failed"`
}

// Incident is one breach in the register. Status is open,
// regulator_notified, subjects_notified, closed or not_notifiable;
// Deadline is AwareAt + 72 hours.
type Incident struct {
	ID                  string          `json:"id"`
	Status              string          `json:"status"`
	Risk                string          `json:"risk"`
	AwareAt             time.Time       `json:"aware_at"`
	DetectedAt          *time.Time      `json:"detected_at,omitempty"`
	Deadline            time.Time       `json:"deadline"`
	Overdue             bool            `json:"overdue"`
	Window              *IncidentWindow `json:"window,omitempty"`
	Actors              []string        `json:"actors"`
	Categories          []string        `json:"categories"`
	Summary             string          `json:"summary"`
	Consequences        string          `json:"consequences"`
	Measures            string          `json:"measures"`
	DelayReasons        string          `json:"delay_reasons,omitempty"`
	Reasoning           string          `json:"reasoning,omitempty"`
	Subjects            int             `json:"subjects"`
	Records             int             `json:"records"`
	Counts              []IncidentCount `json:"counts"`
	CreatedBy           string          `json:"created_by"`
	CreatedAt           time.Time       `json:"created_at"`
	UpdatedAt           time.Time       `json:"updated_at"`
	RegulatorNotifiedAt *time.Time      `json:"regulator_notified_at,omitempty"`
	SubjectsNotifiedAt  *time.Time      `json:"subjects_notified_at,omitempty"`
	ClosedAt            *time.Time      `json:"closed_at,omitempty"`
	NotifyRequestedAt   *time.Time      `json:"notify_requested_at,omitempty"`
	Notices             *NoticeProgress `json:"notices,omitempty"`
}

// IncidentStatus moves an incident on: Status regulator_notified (with
// DelayReasons after the 72 hours), not_notifiable (with Reasoning),
// subjects_notified or closed.
type IncidentStatus struct {
	Status       string `json:"status"`
	DelayReasons string `json:"delay_reasons,omitempty"`
	Reasoning    string `json:"reasoning,omitempty"`
}

// IncidentSubject is one affected subject and whether they were told.
type IncidentSubject struct {
	SubjectID  string     `json:"subject_id"`
	Result     string     `json:"result,omitempty"`
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
}

// IncidentSubjects is one page of an incident's affected subjects; Next is
// the cursor of the next page ("" at the end).
type IncidentSubjects struct {
	Subjects []IncidentSubject `json:"subjects"`
	Next     string            `json:"next,omitempty"`
}

// IncidentNotice is a rendered breach notice.
type IncidentNotice struct {
	IncidentID string `json:"incident_id"`
	Audience   string `json:"audience"`
	Format     string `json:"format"`
	Title      string `json:"title"`
	Body       string `json:"body"`
}

type incidentList struct {
	Incidents []Incident `json:"incidents"`
}

var (
	routeCreateIncident    = jsonRoute[NewIncident, Incident]("CreateIncident", "POST", "/v1/incidents")
	routeListIncidents     = jsonRoute[none, incidentList]("ListIncidents", "GET", "/v1/incidents")
	routeGetIncident       = jsonRoute[none, Incident]("GetIncident", "GET", "/v1/incidents/{id}")
	routeIncidentSubjects  = jsonRoute[none, IncidentSubjects]("IncidentSubjects", "GET", "/v1/incidents/{id}/subjects")
	routeSetIncidentStatus = jsonRoute[IncidentStatus, Incident]("SetIncidentStatus", "POST", "/v1/incidents/{id}/status")
	routeIncidentNotice    = jsonRoute[none, IncidentNotice]("IncidentNotice", "GET", "/v1/incidents/{id}/notice")
	routeNotifySubjects    = jsonRoute[none, Incident]("NotifyIncidentSubjects", "POST", "/v1/incidents/{id}/notify-subjects")
)

// CreateIncident declares a breach and returns it with the people and
// records steward found it affects (needs incidents:manage).
func (c *Client) CreateIncident(ctx context.Context, in NewIncident) (*Incident, error) {
	return routeCreateIncident.call(ctx, c, in, nil)
}

// ListIncidents returns the register, newest first; status "" for every
// incident, limit 0 for the default.
func (c *Client) ListIncidents(ctx context.Context, status string, limit int) ([]Incident, error) {
	q := values("status", status)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	out, err := routeListIncidents.call(ctx, c, none{}, q)
	if err != nil {
		return nil, err
	}
	return out.Incidents, nil
}

// GetIncident returns one incident with its notice progress.
func (c *Client) GetIncident(ctx context.Context, id string) (*Incident, error) {
	return routeGetIncident.call(ctx, c, none{}, nil, id)
}

// IncidentSubjects pages the ids of the subjects an incident affects;
// after is the Next of the previous page ("" for the start).
func (c *Client) IncidentSubjects(ctx context.Context, id, after string, limit int) (*IncidentSubjects, error) {
	q := values("after", after)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return routeIncidentSubjects.call(ctx, c, none{}, q, id)
}

// SetIncidentStatus moves an incident on.
func (c *Client) SetIncidentStatus(ctx context.Context, id string, in IncidentStatus) (*Incident, error) {
	return routeSetIncidentStatus.call(ctx, c, in, nil, id)
}

// IncidentNotice renders the notice for audience regulator or subjects
// (high risk only) in format markdown or html.
func (c *Client) IncidentNotice(ctx context.Context, id, audience, format string) (*IncidentNotice, error) {
	return routeIncidentNotice.call(ctx, c, none{}, values("audience", audience, "format", format), id)
}

// NotifyIncidentSubjects asks for the subject notice to be emailed to every
// affected person with an address on file; the server sends it in the
// background (see Incident.Notices). A server without mail settings answers
// EUNAVAILABLE with the reason email_not_configured.
func (c *Client) NotifyIncidentSubjects(ctx context.Context, id string) (*Incident, error) {
	return routeNotifySubjects.call(ctx, c, none{}, nil, id)
}
