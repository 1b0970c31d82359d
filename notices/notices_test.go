package notices_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
	"github.com/steward-privacy/steward/internal/testpolicy"
	"github.com/steward-privacy/steward/notices"
	"github.com/steward-privacy/steward/policies"
	"github.com/steward-privacy/steward/sqlstore"
)

// contacts are the subjects' addresses; a subject not in the map was
// erased.
type contacts struct {
	mu    sync.Mutex
	email map[string]string
}

func (c *contacts) NoticeEmail(_ context.Context, _, subjectID, _ string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.email[subjectID]
	if !ok {
		return "", steward.Errorf(steward.ENOTFOUND, "subject not found")
	}
	return e, nil
}

// mailer records what it sent; an address in fail fails that many more
// times (-1: always).
type mailer struct {
	mu   sync.Mutex
	sent map[string][]string // address → texts
	fail map[string]int
}

func (m *mailer) Send(_ context.Context, to, subject, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := m.fail[to]; n != 0 {
		m.fail[to] = n - 1
		return errors.New("smtp: 451 try later")
	}
	m.sent[to] = append(m.sent[to], subject+"\n"+text)
	return nil
}

func (m *mailer) count(to string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sent[to])
}

type fixture struct {
	db       *sqlstore.DB
	pols     *policies.Service
	audit    *testpolicy.AuditLog
	clock    *testpolicy.Clock
	contacts *contacts
	mail     *mailer
	tenants  []string
	admin    context.Context // the operator's admin key
}

var start = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// newFixture is a store with the starter policy in force (changes.days_before
// 30) and two tenants.
func newFixture(t *testing.T, b testdb.Backend) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: b.Open(t), audit: &testpolicy.AuditLog{}, clock: testpolicy.NewClock(start), contacts: &contacts{email: map[string]string{}},
		mail: &mailer{sent: map[string][]string{}, fail: map[string]int{}}}
	f.pols = policies.New(policies.Options{Store: f.db, Audit: f.audit, Now: f.clock.Now})
	if _, err := f.pols.Import(ctx, "starter.yaml", testpolicy.Starter(t), policies.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pols.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Operator", "Customer"} {
		ten := &steward.Tenant{Name: name, HomeRegion: "us", CreatedAt: start}
		if err := f.db.CreateTenant(ctx, ten); err != nil {
			t.Fatal(err)
		}
		if err := f.db.CreateTenantKey(ctx, &steward.TenantKey{TenantID: ten.ID, Version: 1, Wrapped: []byte("wrapped"), CreatedAt: start}); err != nil {
			t.Fatal(err)
		}
		f.tenants = append(f.tenants, ten.ID)
	}
	f.admin = steward.WithCaller(ctx, &steward.Caller{TenantID: f.tenants[0], Kind: steward.ActorAPIKey, ID: "key_admin",
		Scopes: steward.Scopes{steward.ScopeAdmin, steward.ScopeTenantsWrite}})
	return f
}

// service is the notices service as one start of the server has it.
func (f *fixture) service(batch int, withMail bool) *notices.Service {
	c := notices.Config{Store: f.db, Policies: f.pols, Contacts: f.contacts, Audit: f.audit, PublicURL: "https://steward.test/",
		Batch: batch, Now: f.clock.Now}
	if withMail {
		c.Mailer = f.mail
	}
	return notices.New(c)
}

// subject stores a subject of a tenant, with an email index when email is
// set; erased leaves its address out of the vault (it was erased since).
func (f *fixture) subject(t *testing.T, tenant, email string, erased bool) string {
	t.Helper()
	s := &steward.Subject{TenantID: tenant, ExternalIndex: random(), Sealed: []byte("sealed"), Region: "us", WrappedKey: []byte("k"),
		KeyVersion: 1, CreatedAt: start}
	if email != "" {
		s.EmailIndex = random()
	}
	if err := f.db.CreateSubject(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if !erased {
		f.contacts.email[s.ID] = email
	}
	return s.ID
}

func random() []byte {
	b := make([]byte, 16)
	rand.Read(b)
	return b
}

// next is the starter as version v effective on date, with a material
// change (a new reason for staff to read personal data) unless minor.
func next(t testing.TB, v, date string, minor bool) string {
	edits := []string{"effective: 2026-05-21\n  version: \"2026-05-21\"", "effective: " + date + "\n  version: \"" + v + "\""}
	if minor {
		edits = append(edits, "days_before: 30", "days_before: 31")
	} else {
		edits = append(edits, "  justifications:\n", "  justifications:\n    support-ticket: Answering a support ticket you opened.\n")
	}
	return string(testpolicy.Starter(t, edits...))
}

// stage stages v2, effective in 40 days with a material change, through
// svc.
func (f *fixture) stage(t *testing.T, svc *notices.Service) *notices.Upcoming {
	t.Helper()
	up, err := svc.Stage(f.admin, &notices.StageRequest{Source: next(t, "v2", day(40), false), Effective: day(40)})
	if err != nil {
		t.Fatal(err)
	}
	return up
}

func day(days int) string { return start.AddDate(0, 0, days).Format(time.DateOnly) }

// nothingStaged fails unless the starter is the only version and no
// tenant's outbox has an event.
func (f *fixture) nothingStaged(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if vs, err := f.pols.Versions(ctx); err != nil || len(vs) != 1 {
		t.Fatalf("versions after a refusal: %d, %v", len(vs), err)
	}
	for _, ten := range f.tenants {
		if evs, err := f.db.Events(ctx, ten, 0, 10); err != nil || len(evs) != 0 {
			t.Fatalf("events after a refusal: %d, %v", len(evs), err)
		}
	}
}

// TestStageRefusals: a file sooner than the policy in force's
// changes.days_before allows, a broken file, a date that is not the
// file's, a version stored already, a caller without tenants:write, and
// material changes without mail are refused with their code, and nothing
// is staged.
func TestStageRefusals(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b)
		svc := f.service(100, true)
		// 30 days from 2026-12-01 12:00 is 2026-12-31 12:00: the first
		// whole day is 2027-01-01.
		for _, c := range []struct {
			name   string
			ctx    context.Context
			svc    *notices.Service
			in     notices.StageRequest
			code   string
			detail string
		}{
			{"too soon", f.admin, svc, notices.StageRequest{Source: next(t, "v2", day(30), false), Effective: day(30)}, steward.EINVALID, "2027-01-01"},
			{"broken file", f.admin, svc, notices.StageRequest{Source: "steward: v1\norganisation: [\n", Effective: day(40)}, steward.EINVALID, "upcoming.yaml:"},
			{"other date", f.admin, svc, notices.StageRequest{Source: next(t, "v2", day(40), false), Effective: day(41)}, steward.EINVALID, "organisation.effective"},
			{"bad date", f.admin, svc, notices.StageRequest{Source: next(t, "v2", day(40), false), Effective: "soon"}, steward.EINVALID, "YYYY-MM-DD"},
			{"stored version", f.admin, svc, notices.StageRequest{Source: next(t, "2026-05-21", day(40), false), Effective: day(40)}, steward.ECONFLICT, "stored already"},
			{"no scope", steward.WithCaller(context.Background(), &steward.Caller{TenantID: f.tenants[1], Kind: steward.ActorAPIKey, ID: "key_t",
				Scopes: steward.Scopes{steward.ScopeAdmin}}), svc, notices.StageRequest{Source: next(t, "v2", day(40), false), Effective: day(40)}, steward.EFORBIDDEN, ""},
			{"no mail", f.admin, f.service(100, false), notices.StageRequest{Source: next(t, "v2", day(40), false), Effective: day(40)}, steward.EUNAVAILABLE, "email"},
		} {
			_, err := c.svc.Stage(c.ctx, &c.in)
			if steward.ErrorCode(err) != c.code || !strings.Contains(problemText(err), c.detail) {
				t.Errorf("%s: %v; want %s with %q", c.name, err, c.code, c.detail)
			}
			f.nothingStaged(t)
		}
		// The first allowed day is staged.
		if _, err := svc.Stage(f.admin, &notices.StageRequest{Source: next(t, "v2", day(31), false), Effective: day(31)}); err != nil {
			t.Fatal(err)
		}
	})
}

// problemText is an error's message and field messages.
func problemText(err error) string {
	var e *steward.Error
	if !errors.As(err, &e) {
		return fmt.Sprint(err)
	}
	s := e.Message
	for _, f := range e.Fields {
		s += " " + f.Path + ": " + f.Message
	}
	return s + " " + strings.Join(e.Reasons, " ")
}

// TestEarliestEffective: the effective date is at least days_before whole
// days away, and never today.
func TestEarliestEffective(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		days int
		want string
	}{
		{time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), 30, "2027-01-01"},
		{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 30, "2026-12-31"},
		{time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), 0, "2026-12-02"},
		{time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 0, "2026-12-02"},
		{time.Date(2026, 12, 1, 23, 59, 0, 0, time.FixedZone("x", -3600)), 1, "2026-12-04"},
	} {
		if got := notices.EarliestEffective(c.now, c.days).Format(time.DateOnly); got != c.want {
			t.Errorf("EarliestEffective(%v, %d) = %s; want %s", c.now, c.days, got, c.want)
		}
	}
}

// TestCampaignBatchesResumes: staged with a material change, every
// subject with an email index is enrolled (the one without is not); the
// notices go out two per run; a new service on the same store (a restart)
// resumes where the first stopped; nobody is mailed twice; the erased
// subject is recorded as erased; each tenant's outbox has policy.upcoming
// and each batch one audit event per tenant with counts.
func TestCampaignBatchesResumes(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b)
		ctx := context.Background()
		var emails []string
		for i := range 5 {
			e := fmt.Sprintf("p%d@example.org", i)
			f.subject(t, f.tenants[i%2], e, false)
			emails = append(emails, e)
		}
		f.subject(t, f.tenants[0], "", false)            // no email on file
		f.subject(t, f.tenants[1], "gone@example", true) // erased since
		up := f.stage(t, f.service(2, true))
		if up.Notices == nil || up.Notices.Total != 6 || up.Notices.Pending != 6 || len(up.Material) != 1 ||
			!strings.Contains(up.Material[0], "support-ticket") || up.NoticeURL != "https://steward.test/privacy/versions/v2" {
			t.Fatalf("staged: %+v %+v", up, up.Notices)
		}
		for _, ten := range f.tenants {
			evs, err := f.db.Events(ctx, ten, 0, 10)
			if err != nil || len(evs) != 1 || evs[0].Type != steward.EventPolicyUpcoming {
				t.Fatalf("outbox of %s: %v %v", ten, evs, err)
			}
			var d struct {
				Version, Effective, From string
				Material                 int
			}
			if json.Unmarshal(evs[0].Data, &d) != nil || d.Version != "v2" || d.Effective != day(40) || d.From != "2026-05-21" || d.Material != 1 {
				t.Fatalf("policy.upcoming: %s", evs[0].Data)
			}
		}
		first := f.service(2, true)
		if n, err := first.Send(ctx); err != nil || n != 2 {
			t.Fatalf("first run: %d, %v", n, err)
		}
		// A restart: a new service on the same store.
		second := f.service(2, true)
		runs := 1
		for ; runs < 10; runs++ {
			n, err := second.Send(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		if runs != 3 { // after the first 2: 2, 2, then the run that finishes
			t.Errorf("runs = %d; want 3 (batches of 2)", runs)
		}
		for _, e := range emails {
			if n := f.mail.count(e); n != 1 {
				t.Errorf("%s got %d notices", e, n)
			}
		}
		up, err := first.Upcoming(f.admin)
		if err != nil {
			t.Fatal(err)
		}
		if p := up.Notices; !p.Done || p.Sent != 5 || p.Erased != 1 || p.Pending != 0 || p.Failed != 0 {
			t.Fatalf("progress: %+v", p)
		}
		sent := 0
		for _, e := range f.audit.Actions(steward.ActionPolicyNotices) {
			if e.Actor != notices.Actor || e.Target != "v2" {
				t.Fatalf("batch audit: %+v", e)
			}
			for _, r := range e.Reasons {
				var n int
				if _, err := fmt.Sscanf(r, "sent:%d", &n); err == nil {
					sent += n
				}
				if strings.Contains(r, "@") {
					t.Fatalf("an address in the audit: %v", e.Reasons)
				}
			}
		}
		if sent != 5 {
			t.Errorf("audited sent = %d; want 5", sent)
		}
		if st := f.audit.Actions(steward.ActionPolicyStage); len(st) != 2 {
			t.Errorf("policy.stage events: %d; want one per tenant", len(st))
		}
		text := f.mail.sent[emails[0]][0]
		for _, want := range []string{"Pictora Labs", "support-ticket", day(40), "https://steward.test/privacy/versions/v2"} {
			if !strings.Contains(text, want) {
				t.Errorf("the notice lacks %q:\n%s", want, text)
			}
		}
	})
}

// TestFailedNoticeRetried: a send that fails is retried at the next runs
// and counted in attempts; one that fails MaxNoticeAttempts times stays
// failed and the campaign finishes.
func TestFailedNoticeRetried(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b)
		ctx := context.Background()
		f.subject(t, f.tenants[0], "flaky@example.org", false)
		f.subject(t, f.tenants[0], "down@example.org", false)
		f.mail.fail["flaky@example.org"] = 2
		f.mail.fail["down@example.org"] = -1
		svc := f.service(100, true)
		f.stage(t, svc)
		// Each run tries both; the first two settle nothing (the job waits
		// for its next run), the third sends the flaky one, the fourth
		// finishes.
		for i, want := range []int{0, 0, 1, 0} {
			if n, err := svc.Send(ctx); err != nil || n != want {
				t.Fatalf("run %d: %d, %v; want %d", i, n, err, want)
			}
		}
		up, err := svc.Upcoming(f.admin)
		if err != nil {
			t.Fatal(err)
		}
		if p := up.Notices; !p.Done || p.Sent != 1 || p.Failed != 1 {
			t.Fatalf("progress: %+v", p)
		}
		if f.mail.count("flaky@example.org") != 1 {
			t.Fatal("the flaky address was not told once")
		}
		if rest, err := f.db.PendingPolicyNotices(ctx, "v2", 10); err != nil || len(rest) != 0 {
			t.Fatalf("pending after the attempts: %v %v", rest, err)
		}
	})
}

// TestRecordPolicyNoticeOnce: a result is stored only over the state it
// was read in: a replica that lost the lease cannot record a second one.
func TestRecordPolicyNoticeOnce(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b)
		ctx := context.Background()
		f.subject(t, f.tenants[0], "a@example.org", false)
		f.stage(t, f.service(100, true))
		pending, err := f.db.PendingPolicyNotices(ctx, "v2", 10)
		if err != nil || len(pending) != 1 || pending[0].Attempts != 0 {
			t.Fatalf("pending: %+v %v", pending, err)
		}
		res := steward.PolicyNoticeResult{PolicyRecipient: pending[0], Result: steward.NoticeSent, NotifiedAt: start}
		if ok, err := f.db.RecordPolicyNotice(ctx, "v2", res); !ok || err != nil {
			t.Fatalf("first record: %v %v", ok, err)
		}
		if ok, err := f.db.RecordPolicyNotice(ctx, "v2", res); ok || err != nil {
			t.Fatalf("second record of the same attempt: %v %v", ok, err)
		}
	})
}

// TestNoMaterialChangeNoCampaign: a version without material changes is
// staged (with policy.upcoming) but nobody is mailed.
func TestNoMaterialChangeNoCampaign(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b)
		f.subject(t, f.tenants[0], "a@example.org", false)
		svc := f.service(100, true)
		up, err := svc.Stage(f.admin, &notices.StageRequest{Source: next(t, "v2", day(40), true), Effective: day(40)})
		if err != nil || up.Notices != nil || len(up.Material) != 0 || up.Changes == 0 {
			t.Fatalf("staged: %+v, %v", up, err)
		}
		if n, err := svc.Send(context.Background()); n != 0 || err != nil || f.mail.count("a@example.org") != 0 {
			t.Fatalf("sent %d, %v", n, err)
		}
	})
}

// TestStagedComesIntoForce: on the effective date the policies service
// puts the staged version in force (every replica follows it), and a
// notice still sent after that announces the same changes.
func TestStagedComesIntoForce(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		f := newFixture(t, b)
		ctx := context.Background()
		f.subject(t, f.tenants[0], "late@example.org", false)
		f.stage(t, f.service(100, true))
		f.clock.Set(start.AddDate(0, 0, 39))
		if cur, err := f.pols.Sync(ctx); err != nil || cur.Version.Version != "2026-05-21" {
			t.Fatalf("the day before: %v, %v", cur.Version.Version, err)
		}
		f.clock.Set(start.AddDate(0, 0, 40).Truncate(24 * time.Hour))
		cur, err := f.pols.Sync(ctx)
		if err != nil || cur.Version.Version != "v2" {
			t.Fatalf("on the date: %v, %v", cur.Version.Version, err)
		}
		// The notices are sent late (mail was down): the changes are still
		// those from the version it replaced.
		if _, err := f.service(100, true).Send(ctx); err != nil {
			t.Fatal(err)
		}
		if f.mail.count("late@example.org") != 1 || !strings.Contains(f.mail.sent["late@example.org"][0], "support-ticket") {
			t.Fatalf("late notice: %v", f.mail.sent)
		}
		vs, _ := f.pols.Versions(ctx)
		if !slices.ContainsFunc(vs, func(v *steward.PolicyVersion) bool { return v.Version == "v2" && v.EnforcedAt != nil }) {
			t.Fatal("v2 not marked enforced")
		}
	})
}
