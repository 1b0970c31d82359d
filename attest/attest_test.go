package attest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/examples"
	"github.com/steward-privacy/steward/policies"
)

// fakeStore serves audit events, consent histories and staff; the other
// methods are not called by the checks under test.
type fakeStore struct {
	Store
	events   []*steward.AuditEvent
	consents map[string][]*steward.ConsentRecord
	staff    []*steward.StaffAccount
	grants   map[string]*steward.AccessGrant
}

func (f *fakeStore) AccessGrant(_ context.Context, _, id string) (*steward.AccessGrant, error) {
	if g, ok := f.grants[id]; ok {
		return g, nil
	}
	return nil, steward.Errorf(steward.ENOTFOUND, "access grant not found")
}

func (f *fakeStore) ScanAudit(_ context.Context, _ string, _ int64, fn func(*steward.AuditEvent) error) error {
	for _, e := range f.events {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) ConsentHistory(_ context.Context, _, subject string) ([]*steward.ConsentRecord, error) {
	return f.consents[subject], nil
}

func (f *fakeStore) StaffList(context.Context, string) ([]*steward.StaffAccount, error) {
	return f.staff, nil
}

func newRun(t *testing.T, st *fakeStore, s Settings) *run {
	t.Helper()
	src, err := examples.FS.ReadFile("content-studio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, d, err := policies.Compile("content-studio.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	a := New(Config{Store: st, Settings: s, Now: func() time.Time { return now }})
	return &run{Attester: a, tenant: "ten_1", since: now.Add(-24 * time.Hour), now: now, dec: d, pol: p}
}

func TestConsentAtTheTimeOfTheRead(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	read := func(seq int64, subject string, at time.Time) *steward.AuditEvent {
		return &steward.AuditEvent{Seq: seq, Action: steward.ActionRecordRead, SubjectID: subject, Purpose: "personalize.content",
			Decision: steward.DecisionAllow, Time: at}
	}
	st := &fakeStore{
		events: []*steward.AuditEvent{
			read(1, "sub_a", t0.Add(time.Hour)),   // after the grant: kept
			read(2, "sub_a", t0.Add(3*time.Hour)), // after the withdrawal: broken
			read(3, "sub_b", t0.Add(time.Hour)),   // never consented: broken
			read(4, "sub_c", t0.Add(-time.Hour)),  // before the grant: broken
			{Seq: 5, Action: steward.ActionRecordRead, SubjectID: "sub_b", Purpose: "essential.service", Decision: steward.DecisionAllow, Time: t0},
		},
		consents: map[string][]*steward.ConsentRecord{
			"sub_a": {{Purpose: "personalize.content", Granted: true, At: t0}, {Purpose: "personalize.content", Granted: false, At: t0.Add(2 * time.Hour)}},
			"sub_c": {{Purpose: "personalize.content", Granted: true, At: t0}},
		},
	}
	l, err := checkConsent(context.Background(), newRun(t, st, Settings{}))
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != Broken || len(l.Breaking) != 3 || l.Breaking[0] != "audit:2" || l.Breaking[1] != "audit:3" || l.Breaking[2] != "audit:4" {
		t.Fatalf("consent line: %+v", l)
	}
}

func TestStaffAccessAndMFA(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	staffRead := func(seq int64, justification string, reasons ...string) *steward.AuditEvent {
		return &steward.AuditEvent{Seq: seq, Actor: "staff:stf_1", Action: steward.ActionRecordRead, SubjectID: "sub_a",
			Purpose: "essential.service", Decision: steward.DecisionAllow, Justification: justification, Reasons: reasons, Time: at}
	}
	decided, self := at.Add(-time.Hour), at.Add(-time.Hour)
	late := staffRead(8, "legal-obligation", "grant:grant_ok")
	late.Time = at.Add(2 * time.Hour) // after the grant's end
	st := &fakeStore{
		events: []*steward.AuditEvent{staffRead(1, "security-investigation"), staffRead(2, "", "justification_required"), staffRead(3, ""),
			// legal-obligation needs approval: under an approved grant, without
			// one (masked: fine; in clear: broken), under a self-approved or
			// refused grant, after the grant's end.
			staffRead(4, "legal-obligation", "grant:grant_ok"), staffRead(5, "legal-obligation", "approval_required"),
			staffRead(6, "legal-obligation"), staffRead(7, "legal-obligation", "grant:grant_self"), late,
			staffRead(9, "legal-obligation", "grant:grant_refused")},
		staff: []*steward.StaffAccount{{ID: "stf_1", TOTPEnabled: true}, {ID: "stf_2"}, {ID: "stf_3", DisabledAt: &at}},
		grants: map[string]*steward.AccessGrant{
			"grant_ok": {ID: "grant_ok", SubjectID: "sub_a", Justification: "legal-obligation", Status: steward.GrantExpired,
				RequestedBy: "stf_1", DecidedBy: "stf_2", DecidedAt: &decided, ExpiresAt: at.Add(time.Hour)},
			"grant_self": {ID: "grant_self", SubjectID: "sub_a", Justification: "legal-obligation", Status: steward.GrantApproved,
				RequestedBy: "stf_1", DecidedBy: "stf_1", DecidedAt: &self, ExpiresAt: at.Add(time.Hour)},
			"grant_refused": {ID: "grant_refused", SubjectID: "sub_a", Justification: "legal-obligation", Status: steward.GrantRefused,
				RequestedBy: "stf_1", DecidedBy: "stf_2", DecidedAt: &decided, ExpiresAt: at.Add(time.Hour)},
		},
	}
	r := newRun(t, st, Settings{})
	l, err := checkStaffAccess(context.Background(), r)
	if err != nil || l.Status != Broken || !slices.Equal(l.Breaking, []string{"audit:3", "audit:6", "audit:7", "audit:8", "audit:9"}) {
		t.Fatalf("staff access: %+v, %v", l, err)
	}
	l, err = checkStaffMFA(context.Background(), r)
	if err != nil || l.Status != Broken || len(l.Breaking) != 1 || l.Breaking[0] != "stf_2" {
		t.Fatalf("staff MFA: %+v, %v", l, err)
	}
}

func TestTLS(t *testing.T) {
	for _, c := range []struct {
		s    Settings
		want Status
	}{
		{Settings{TLS: true, TLSMinimum: "1.3"}, Kept},
		{Settings{TLS: true, TLSMinimum: "1.2"}, Broken},
		{Settings{InsecureHTTP: true}, NotApplicable},
		{Settings{}, NotApplicable},
	} {
		l, _ := checkTLS(context.Background(), newRun(t, &fakeStore{}, c.s))
		if l.Status != c.want {
			t.Errorf("%+v: %s; want %s", c.s, l.Status, c.want)
		}
	}
}
