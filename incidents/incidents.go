// Package incidents is the breach register (GDPR Art. 33/34): staff declare
// a personal data breach with when they became aware of it, and steward
// derives from its own records whom it affects — every subject whose data
// the named API keys or staff read, disclosed or exported in a window (from
// the audit log), or every subject holding the named categories — counted
// per category. The regulator deadline runs 72 hours from awareness; a
// notification after it needs the reasons for the delay; an incident with
// no likely risk is recorded as not notifiable with the reasoning. Notices
// for the regulator and, for high risk, the people affected are rendered
// from the policy and the incident, and the subject notice is sent by email
// in batches by a background job.
//
// Free text staff write (summary, consequences, measures, delay reasons,
// reasoning) is stored in the register and shown in notices; the audit log
// and the outbox get ids and codes only.
package incidents

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/policy"
)

// Policies gives the policy in force; *vault.Vault is one.
type Policies interface {
	Policy() *policy.Decider
}

// AuditReader reads audit events back; the store is one.
type AuditReader interface {
	AuditEvents(ctx context.Context, f steward.AuditFilter) ([]*steward.AuditEvent, error)
}

// Contacts reads a subject's email address to inform them, as a system read
// audited by id (target names what for); "" when none is on file,
// ENOTFOUND when the subject was erased. *vault.Vault is one.
type Contacts interface {
	ContactEmail(ctx context.Context, tenantID, subjectID, target string) (string, error)
}

// Mailer sends one plain-text email. The lead adapts the mail package's
// Sender (Send(ctx, *mail.Message)) to it.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// Config holds the service's dependencies. Mailer may be nil: then subject
// notices cannot be sent (the route answers 503 email_not_configured).
type Config struct {
	Store    steward.IncidentStore
	Events   AuditReader
	Policies Policies
	Audit    steward.AuditLog
	Contacts Contacts
	Mailer   Mailer
	Now      func() time.Time
	// Batch is how many subject notices one job pass sends (default 100).
	Batch int
}

// Service is the breach register.
type Service struct {
	store    steward.IncidentStore
	events   AuditReader
	pols     Policies
	audit    steward.AuditLog
	contacts Contacts
	mailer   Mailer
	now      func() time.Time
	batch    int
}

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Batch <= 0 {
		c.Batch = 100
	}
	return &Service{store: c.Store, events: c.Events, pols: c.Policies, audit: c.Audit, contacts: c.Contacts, mailer: c.Mailer,
		now: c.Now, batch: c.Batch}
}

// Window is a period of time, From inclusive, To exclusive.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// NewIncident declares a breach. Actors (key_... or stf_... ids) name the
// credentials whose reads, disclosures and exports in Window exposed data;
// Categories, without actors, name the categories exposed (every holder is
// affected); with actors, they narrow the exposure to those categories.
type NewIncident struct {
	AwareAt      *time.Time `json:"aware_at" doc:"when the controller became aware of the breach: the 72-hour clock runs from here (Art. 33(1))"`
	DetectedAt   *time.Time `json:"detected_at,omitempty" doc:"when the breach was first detected"`
	Summary      string     `json:"summary" doc:"the nature of the breach, for the notices (free text, never audited)"`
	Window       *Window    `json:"window,omitempty" doc:"the period of the exposure; required with actors"`
	Actors       []string   `json:"actors,omitempty" doc:"API key ids (key_...) and staff ids (stf_...) whose accesses are the breach"`
	Categories   []string   `json:"categories,omitempty" doc:"declared categories exposed"`
	Risk         string     `json:"risk" doc:"low or high risk to the people's rights and freedoms; high obliges telling them (Art. 34)"`
	Consequences string     `json:"consequences" doc:"the likely consequences (Art. 33(3)(c))"`
	Measures     string     `json:"measures" doc:"the measures taken or proposed (Art. 33(3)(d))"`
}

// View is an incident as the API shows it.
type View struct {
	ID                  string                  `json:"id" doc:"inc_..."`
	Status              string                  `json:"status" doc:"open, regulator_notified, subjects_notified, closed or not_notifiable"`
	Risk                string                  `json:"risk"`
	AwareAt             time.Time               `json:"aware_at"`
	DetectedAt          *time.Time              `json:"detected_at,omitempty"`
	Deadline            time.Time               `json:"deadline" doc:"aware_at + 72 hours: the regulator must be notified by then"`
	Overdue             bool                    `json:"overdue" doc:"the deadline passed without a notification of the regulator"`
	Window              *Window                 `json:"window,omitempty"`
	Actors              []string                `json:"actors"`
	Categories          []string                `json:"categories"`
	Summary             string                  `json:"summary"`
	Consequences        string                  `json:"consequences"`
	Measures            string                  `json:"measures"`
	DelayReasons        string                  `json:"delay_reasons,omitempty"`
	Reasoning           string                  `json:"reasoning,omitempty"`
	Subjects            int                     `json:"subjects" doc:"people affected"`
	Records             int                     `json:"records" doc:"records affected: distinct (person, category) items"`
	Counts              []steward.IncidentCount `json:"counts" doc:"people and records per category"`
	CreatedBy           string                  `json:"created_by"`
	CreatedAt           time.Time               `json:"created_at"`
	UpdatedAt           time.Time               `json:"updated_at"`
	RegulatorNotifiedAt *time.Time              `json:"regulator_notified_at,omitempty"`
	SubjectsNotifiedAt  *time.Time              `json:"subjects_notified_at,omitempty"`
	ClosedAt            *time.Time              `json:"closed_at,omitempty"`
	NotifyRequestedAt   *time.Time              `json:"notify_requested_at,omitempty" doc:"subject notices being sent since"`
	Notices             *steward.NoticeProgress `json:"notices,omitempty" doc:"the subject notices by result"`
}

func (s *Service) view(inc *steward.Incident) *View {
	v := &View{ID: inc.ID, Status: inc.Status, Risk: inc.Risk, AwareAt: inc.AwareAt, DetectedAt: inc.DetectedAt,
		Deadline: inc.Deadline, Overdue: inc.Status == steward.IncidentOpen && !s.now().Before(inc.Deadline),
		Actors: nonNil(inc.Actors), Categories: nonNil(inc.Categories), Summary: inc.Summary, Consequences: inc.Consequences,
		Measures: inc.Measures, DelayReasons: inc.DelayReasons, Reasoning: inc.Reasoning, Subjects: inc.Subjects,
		Records: inc.Records, Counts: inc.Counts, CreatedBy: inc.CreatedBy, CreatedAt: inc.CreatedAt, UpdatedAt: inc.UpdatedAt,
		RegulatorNotifiedAt: inc.RegulatorNotifiedAt, SubjectsNotifiedAt: inc.SubjectsNotifiedAt, ClosedAt: inc.ClosedAt,
		NotifyRequestedAt: inc.NotifyRequestedAt}
	if v.Counts == nil {
		v.Counts = []steward.IncidentCount{}
	}
	if inc.WindowFrom != nil && inc.WindowTo != nil {
		v.Window = &Window{From: *inc.WindowFrom, To: *inc.WindowTo}
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Create declares an incident, derives the subjects and records it
// affects, stores it with them and emits incident.created. EINVALID names
// the bad field; nothing is stored then.
func (s *Service) Create(ctx context.Context, n *NewIncident) (*View, error) {
	c, err := steward.Require(ctx, steward.ScopeIncidentsManage)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	pol := s.pols.Policy()
	if err := n.check(pol, now); err != nil {
		return nil, err
	}
	inc := &steward.Incident{ID: steward.NewID("inc"), TenantID: c.TenantID, Status: steward.IncidentOpen, Risk: n.Risk,
		AwareAt: n.AwareAt.UTC(), Actors: n.Actors, Categories: n.Categories, Summary: n.Summary,
		Consequences: n.Consequences, Measures: n.Measures, CreatedBy: c.Actor(), CreatedAt: now, UpdatedAt: now}
	inc.Deadline = inc.AwareAt.Add(steward.IncidentDeadline)
	if n.DetectedAt != nil {
		d := n.DetectedAt.UTC()
		inc.DetectedAt = &d
	}
	if n.Window != nil {
		from, to := n.Window.From.UTC(), n.Window.To.UTC()
		inc.WindowFrom, inc.WindowTo = &from, &to
	}
	subjects, err := s.derive(ctx, inc)
	if err != nil {
		return nil, err
	}
	ev, err := steward.NewEvent(c.TenantID, steward.EventIncidentCreated, now, eventData{IncidentID: inc.ID, Status: inc.Status,
		Risk: inc.Risk, Deadline: &inc.Deadline, Subjects: &inc.Subjects})
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateIncident(ctx, inc, subjects, ev); err != nil {
		return nil, err
	}
	if err := s.record(ctx, c, steward.AuditEvent{Action: steward.ActionIncidentCreate, Target: inc.ID,
		Categories: auditCategories(inc.Categories), Reasons: []string{"risk:" + inc.Risk}}); err != nil {
		return nil, err
	}
	return s.view(inc), nil
}

// auditCategories keeps at most the 64 categories an audit event holds.
func auditCategories(cats []string) []string {
	if len(cats) > 64 {
		return cats[:64]
	}
	return cats
}

// eventData is the data of the register's outbox events: ids and codes.
type eventData struct {
	IncidentID string     `json:"incident_id"`
	Status     string     `json:"status"`
	Risk       string     `json:"risk,omitempty"`
	Deadline   *time.Time `json:"deadline,omitempty"`
	Subjects   *int       `json:"subjects,omitempty"`
}

// Get returns one incident with its notice progress.
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	c, err := steward.Require(ctx, steward.ScopeIncidentsManage)
	if err != nil {
		return nil, err
	}
	inc, err := s.store.Incident(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	p, err := s.store.NoticeProgress(ctx, c.TenantID, id)
	if err != nil {
		return nil, err
	}
	v := s.view(inc)
	v.Notices = &p
	return v, s.record(ctx, c, steward.AuditEvent{Action: steward.ActionIncidentRead, Target: inc.ID})
}

// maxList bounds one listing.
const maxList = 1000

// List returns the tenant's incidents, newest first; status "" for all.
func (s *Service) List(ctx context.Context, status string, limit int) ([]*View, error) {
	c, err := steward.Require(ctx, steward.ScopeIncidentsManage)
	if err != nil {
		return nil, err
	}
	switch status {
	case "", steward.IncidentOpen, steward.IncidentRegulatorNotified, steward.IncidentSubjectsNotified, steward.IncidentClosed,
		steward.IncidentNotNotifiable:
	default:
		return nil, steward.Invalid("status", "must be open, regulator_notified, subjects_notified, closed or not_notifiable")
	}
	if limit <= 0 || limit > maxList {
		limit = maxList
	}
	incs, err := s.store.Incidents(ctx, c.TenantID, status, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*View, len(incs))
	for i, inc := range incs {
		out[i] = s.view(inc)
	}
	return out, nil
}

// SubjectPage is one page of an incident's affected subjects.
type SubjectPage struct {
	Subjects []*steward.IncidentSubject `json:"subjects"`
	Next     string                     `json:"next,omitempty" doc:"the cursor of the next page (after=...); empty at the end"`
}

// Subjects pages the ids of the subjects an incident affects, with whether
// each was told; after is the last id of the previous page.
func (s *Service) Subjects(ctx context.Context, id, after string, limit int) (*SubjectPage, error) {
	c, err := steward.Require(ctx, steward.ScopeIncidentsManage)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.Incident(ctx, c.TenantID, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > maxList {
		limit = maxList
	}
	subs, err := s.store.IncidentSubjects(ctx, c.TenantID, id, after, limit)
	if err != nil {
		return nil, err
	}
	out := &SubjectPage{Subjects: subs}
	if out.Subjects == nil {
		out.Subjects = []*steward.IncidentSubject{}
	}
	if len(subs) == limit {
		out.Next = subs[len(subs)-1].SubjectID
	}
	return out, s.record(ctx, c, steward.AuditEvent{Action: steward.ActionIncidentSubjects, Target: id})
}

// record appends an audit event for the caller.
func (s *Service) record(ctx context.Context, c *steward.Caller, e steward.AuditEvent) error {
	e.TenantID, e.Actor, e.Time = c.TenantID, c.Actor(), s.now().UTC()
	if info := steward.RequestFrom(ctx); info != nil {
		e.RequestID, e.ClientIP = info.ID, info.ClientIP
	}
	return s.audit.Append(ctx, &e)
}
