package steward

import (
	"context"
	"time"
)

// Incident statuses (GDPR Art. 33/34). An incident is open until the
// regulator is notified (regulator_notified) or the controller records why
// no notification is owed (not_notifiable, Art. 33(5)); a high-risk one then
// moves to subjects_notified once the affected people were told (Art. 34);
// every one ends closed.
const (
	IncidentOpen              = "open"
	IncidentRegulatorNotified = "regulator_notified"
	IncidentSubjectsNotified  = "subjects_notified"
	IncidentClosed            = "closed"
	IncidentNotNotifiable     = "not_notifiable"
)

// Incident risk levels: high risk to the rights and freedoms of the people
// affected obliges the controller to tell them (Art. 34).
const (
	RiskLow  = "low"
	RiskHigh = "high"
)

// IncidentDeadline is how long after becoming aware of a breach the
// controller has to notify the regulator (Art. 33(1)).
const IncidentDeadline = 72 * time.Hour

// Audit actions and outbox event types of the breach register. Their audit
// events carry the incident id as Target and codes only ("risk:high",
// "status:regulator_notified", "late"); never the summary, consequences,
// measures, reasons or reasoning staff write.
const (
	ActionIncidentCreate   = "incident.create"
	ActionIncidentStatus   = "incident.status"
	ActionIncidentRead     = "incident.read"
	ActionIncidentSubjects = "incident.subjects"
	ActionIncidentNotice   = "incident.notice"
	ActionIncidentNotify   = "incident.notify"
	ActionIncidentOverdue  = "incident.overdue"
	// ActionSubjectContactRead: the system read a subject's email address
	// to inform them (Target: what for, e.g. the incident id).
	ActionSubjectContactRead = "subject.contact_read"

	EventIncidentCreated  = "incident.created"
	EventIncidentOverdue  = "incident.overdue"
	EventIncidentStatus   = "incident.status_changed"
	EventIncidentNotified = "incident.subjects_notified"
)

// IncidentCount is how many people and records of a category an incident
// affects.
type IncidentCount struct {
	Category string `json:"category"`
	Subjects int    `json:"subjects"`
	Records  int    `json:"records"`
}

// Incident is one personal data breach in the register. Summary,
// Consequences, Measures, DelayReasons and Reasoning are free text written
// by staff: stored here and shown in the notices, never copied into the
// audit log or the outbox.
type Incident struct {
	ID           string
	TenantID     string
	Status       string
	Risk         string
	AwareAt      time.Time
	DetectedAt   *time.Time
	Deadline     time.Time // AwareAt + 72 hours
	WindowFrom   *time.Time
	WindowTo     *time.Time
	Actors       []string // key_... and stf_... ids
	Categories   []string
	Summary      string
	Consequences string
	Measures     string
	DelayReasons string // why the regulator was notified after the deadline
	Reasoning    string // why no notification is owed, or why the people are not told
	Subjects     int
	Records      int
	Counts       []IncidentCount
	CreatedBy    string // the actor, "kind:id"
	CreatedAt    time.Time
	UpdatedAt    time.Time

	RegulatorNotifiedAt *time.Time
	SubjectsNotifiedAt  *time.Time
	ClosedAt            *time.Time
	OverdueAt           *time.Time // when incident.overdue was emitted
	NotifyRequestedAt   *time.Time // subject notices being sent since
}

// Results of a subject notice.
const (
	NoticePending = ""         // not attempted yet
	NoticeSent    = "sent"     // the mail server accepted it
	NoticeNoEmail = "no_email" // no email address on file
	NoticeErased  = "erased"   // the subject was erased since
	NoticeFailed  = "failed"   // sending failed; retried when asked again
)

// IncidentSubject is one affected subject and whether they were told.
type IncidentSubject struct {
	SubjectID  string     `json:"subject_id"`
	Result     string     `json:"result,omitempty"`
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
}

// NoticeProgress counts an incident's subjects by notice result.
type NoticeProgress struct {
	Total   int `json:"total"`
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	NoEmail int `json:"no_email"`
	Erased  int `json:"erased"`
	Failed  int `json:"failed"`
}

// CategoryHolding is one stored item (a record or a file) of a subject
// under a category, for finding who holds data of given categories.
type CategoryHolding struct {
	SubjectID string
	Category  string
	FileID    string // "" for a record
}

// IncidentStore keeps the breach register.
//
// CreateIncident stores an incident, its affected subjects and the events in
// one transaction. UpdateIncident stores inc if its status is still from
// (ECONFLICT otherwise), with the events. Incidents lists a tenant's
// incidents newest first (status "" for all). IncidentSubjects pages the
// affected subjects by id after a cursor. PendingNotices returns up to limit
// subjects of incidents whose notices were requested and not yet attempted;
// RecordNotices stores their results. RetryNotices makes failed notices
// pending again. DueIncidents returns open incidents past their deadline
// without an overdue mark; MarkOverdue sets it with the events (false when
// another replica did first). CountIncidents counts incidents not closed.
// Holdings calls fn for each record and file of the tenant under one of the
// categories or below one.
type IncidentStore interface {
	CreateIncident(ctx context.Context, inc *Incident, subjects []string, events ...*Event) error
	Incident(ctx context.Context, tenantID, id string) (*Incident, error)
	Incidents(ctx context.Context, tenantID, status string, limit int) ([]*Incident, error)
	UpdateIncident(ctx context.Context, inc *Incident, from string, events ...*Event) error
	IncidentSubjects(ctx context.Context, tenantID, id, after string, limit int) ([]*IncidentSubject, error)
	NoticeProgress(ctx context.Context, tenantID, id string) (NoticeProgress, error)
	PendingNotices(ctx context.Context, tenantID, id string, limit int) ([]string, error)
	RecordNotices(ctx context.Context, tenantID, id string, done []*IncidentSubject) error
	RetryNotices(ctx context.Context, tenantID, id string) error
	NotifyingIncidents(ctx context.Context, limit int) ([]*Incident, error)
	DueIncidents(ctx context.Context, now time.Time, limit int) ([]*Incident, error)
	MarkOverdue(ctx context.Context, inc *Incident, at time.Time, events ...*Event) (bool, error)
	CountIncidents(ctx context.Context) (int, error)
	Holdings(ctx context.Context, tenantID string, categories []string, fn func(CategoryHolding) error) error
}
