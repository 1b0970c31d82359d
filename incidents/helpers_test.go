package incidents_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/incidents"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/policy"
	"github.com/steward-privacy/steward/sqlstore"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// memAudit is an audit log in memory that reads its events back like the
// store does (newest first, filtered by actor and time, paged by seq).
type memAudit struct {
	mu     sync.Mutex
	events []*steward.AuditEvent
}

func (m *memAudit) Append(_ context.Context, e *steward.AuditEvent) error {
	if err := e.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *e
	c.Seq = int64(len(m.events) + 1)
	m.events = append(m.events, &c)
	return nil
}

func (m *memAudit) AppendChained(ctx context.Context, e *steward.AuditEvent) error {
	return m.Append(ctx, e)
}

func (m *memAudit) AuditEvents(_ context.Context, f steward.AuditFilter) ([]*steward.AuditEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*steward.AuditEvent
	for i := len(m.events) - 1; i >= 0 && len(out) < f.Limit; i-- {
		e := m.events[i]
		if e.TenantID != f.TenantID || (f.Actor != "" && e.Actor != f.Actor) || (f.Before > 0 && e.Seq >= f.Before) ||
			(!f.Since.IsZero() && e.Time.Before(f.Since)) || (!f.Until.IsZero() && !e.Time.Before(f.Until)) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// all returns a copy of the events.
func (m *memAudit) all() []steward.AuditEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]steward.AuditEvent, len(m.events))
	for i, e := range m.events {
		out[i] = *e
	}
	return out
}

// fixedPolicy serves one compiled example policy.
type fixedPolicy struct{ d *policy.Decider }

func (p fixedPolicy) Policy() *policy.Decider { return p.d }

func loadPolicy(t *testing.T) fixedPolicy {
	t.Helper()
	p, err := policy.Load(filepath.Join("..", "examples", "content-studio.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	return fixedPolicy{d}
}

// contacts are subjects' email addresses; a subject not in the map is
// erased.
type contacts struct {
	mu    sync.Mutex
	email map[string]string
	reads []string
}

func (c *contacts) ContactEmail(_ context.Context, _, subjectID, _ string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.email[subjectID]
	if !ok {
		return "", steward.Errorf(steward.ENOTFOUND, "subject not found")
	}
	c.reads = append(c.reads, subjectID)
	return e, nil
}

// fakeMailer records what it sent; it fails for addresses in fail.
type fakeMailer struct {
	mu   sync.Mutex
	sent []sentMail
	fail map[string]bool
}

type sentMail struct{ to, subject, text string }

func (m *fakeMailer) Send(_ context.Context, to, subject, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail[to] {
		return errors.New("smtp: 451 try later")
	}
	m.sent = append(m.sent, sentMail{to, subject, text})
	return nil
}

// fixture is a service on SQLite with an in-memory audit log.
type fixture struct {
	db      *sqlstore.DB
	audit   *memAudit
	svc     *incidents.Service
	tenant  string
	ctx     context.Context
	clock   *time.Time
	mailer  *fakeMailer
	contact *contacts
}

func newFixture(t *testing.T, withMail bool) *fixture {
	t.Helper()
	db := testdb.SQLite(t)
	tn := &steward.Tenant{Name: "A", HomeRegion: "eu", CreatedAt: now}
	if err := db.CreateTenant(context.Background(), tn); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTenantKey(context.Background(), &steward.TenantKey{TenantID: tn.ID, Version: 1, Wrapped: []byte("tk"),
		CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, audit: &memAudit{}, tenant: tn.ID, mailer: &fakeMailer{}, contact: &contacts{email: map[string]string{}}}
	clock := now
	f.clock = &clock
	cfg := incidents.Config{Store: db, Events: f.audit, Policies: loadPolicy(t), Audit: f.audit, Contacts: f.contact,
		Now: func() time.Time { return *f.clock }, Batch: 2}
	if withMail {
		cfg.Mailer = f.mailer
	}
	f.svc = incidents.New(cfg)
	f.ctx = steward.WithCaller(context.Background(), &steward.Caller{TenantID: tn.ID, Kind: steward.ActorStaff,
		ID: steward.NewID("stf"), Scopes: steward.Scopes{steward.ScopeIncidentsManage}})
	return f
}

// subject stores a subject with records in the categories.
func (f *fixture) subject(t *testing.T, cats ...string) string {
	t.Helper()
	s := &steward.Subject{TenantID: f.tenant, ExternalIndex: []byte(steward.NewID("x")), Sealed: []byte("sealed"), Region: "eu",
		WrappedKey: []byte("w"), KeyVersion: 1, CreatedAt: now}
	if err := f.db.CreateSubject(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if err := f.db.PutRecord(context.Background(), &steward.Record{TenantID: f.tenant, SubjectID: s.ID, Category: c,
			Sealed: []byte("v"), UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	return s.ID
}

// access records an audit event of actor on a subject at a time.
func (f *fixture) access(t *testing.T, actor, action, decision, subject string, at time.Time, cats ...string) {
	t.Helper()
	if err := f.audit.Append(context.Background(), &steward.AuditEvent{TenantID: f.tenant, Actor: actor, Action: action,
		Decision: decision, SubjectID: subject, Categories: cats, Time: at}); err != nil {
		t.Fatal(err)
	}
}

// subjects pages every affected subject id.
func (f *fixture) subjects(t *testing.T, id string) []string {
	t.Helper()
	var out []string
	for after := ""; ; {
		page, err := f.svc.Subjects(f.ctx, id, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Subjects {
			out = append(out, s.SubjectID)
		}
		if page.Next == "" {
			slices.Sort(out)
			return out
		}
		after = page.Next
	}
}

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error = %v; want %s", err, code)
	}
}

func errorsAs(err error, target **steward.Error) bool { return errors.As(err, target) }
