package incidents_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/incidents"
)

// notifiedIncident declares a high-risk incident over three subjects (one
// with an address, one without, one erased since) and notifies the
// regulator.
func notifiedIncident(t *testing.T, f *fixture) (*incidents.View, []string) {
	t.Helper()
	subs := []string{f.subject(t, "user.name"), f.subject(t, "user.name"), f.subject(t, "user.name")}
	f.contact.email[subs[0]] = "ada@example.org"
	f.contact.email[subs[1]] = ""
	inc, err := declare(f, incidents.NewIncident{Categories: []string{"user.name"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetStatus(f.ctx, inc.ID, &incidents.StatusChange{Status: steward.IncidentRegulatorNotified}); err != nil {
		t.Fatal(err)
	}
	return inc, subs
}

// drainNotices runs the notice job until it finds nothing to do.
func drainNotices(t *testing.T, f *fixture) {
	t.Helper()
	for range 10 {
		n, err := f.svc.SendNotices(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the notice job did not finish")
}

// TestNotifySubjects: without a mailer nothing changes (503
// email_not_configured); with one, the job sends the subject notice in
// batches to each subject with an address, records the result per subject
// (ids, times, codes) and moves the incident to subjects_notified; failed
// sends wait for a retry.
func TestNotifySubjects(t *testing.T) {
	t.Run("no mailer", func(t *testing.T) {
		f := newFixture(t, false)
		inc, _ := notifiedIncident(t, f)
		_, err := f.svc.NotifySubjects(f.ctx, inc.ID)
		var se *steward.Error
		if !errorsAs(err, &se) || se.Code != steward.EUNAVAILABLE || !slices.Contains(se.Reasons, incidents.ReasonEmailNotConfigured) {
			t.Fatalf("error = %v", err)
		}
		if got, _ := f.svc.Get(f.ctx, inc.ID); got.NotifyRequestedAt != nil || got.Notices.Pending != 3 {
			t.Fatalf("changed: %+v", got)
		}
	})
	t.Run("sent", func(t *testing.T) {
		f := newFixture(t, true)
		inc, subs := notifiedIncident(t, f)
		f.mailer.fail = map[string]bool{"ada@example.org": true}
		if got, err := f.svc.NotifySubjects(f.ctx, inc.ID); err != nil || got.NotifyRequestedAt == nil {
			t.Fatalf("requested: %+v, %v", got, err)
		}
		drainNotices(t, f)
		got, _ := f.svc.Get(f.ctx, inc.ID)
		if got.Status != steward.IncidentRegulatorNotified || *got.Notices != (steward.NoticeProgress{Total: 3, NoEmail: 1, Erased: 1, Failed: 1}) {
			t.Fatalf("after a failure: %s %+v", got.Status, got.Notices)
		}
		_, err := f.svc.SetStatus(f.ctx, inc.ID, &incidents.StatusChange{Status: steward.IncidentSubjectsNotified})
		wantCode(t, err, steward.ECONFLICT) // the job moves it on

		f.mailer.fail = nil
		if _, err := f.svc.NotifySubjects(f.ctx, inc.ID); err != nil { // a retry
			t.Fatal(err)
		}
		drainNotices(t, f)
		got, _ = f.svc.Get(f.ctx, inc.ID)
		if got.Status != steward.IncidentSubjectsNotified || got.SubjectsNotifiedAt == nil || got.Notices.Sent != 1 {
			t.Fatalf("after the retry: %s %+v", got.Status, got.Notices)
		}
		if len(f.mailer.sent) != 1 || f.mailer.sent[0].to != "ada@example.org" || !strings.Contains(f.mailer.sent[0].subject, "Glimmer Forge") ||
			!strings.Contains(f.mailer.sent[0].text, "The key was revoked.") {
			t.Fatalf("sent = %+v", f.mailer.sent)
		}
		page, _ := f.svc.Subjects(f.ctx, inc.ID, "", 10)
		for _, s := range page.Subjects {
			if s.SubjectID == subs[0] && (s.Result != steward.NoticeSent || s.NotifiedAt == nil) {
				t.Fatalf("subject told: %+v", s)
			}
		}
		for _, e := range f.audit.all() {
			if strings.Contains(strings.Join(append(e.Reasons, e.Target), " "), "@") {
				t.Fatalf("an address in the audit log: %+v", e)
			}
		}
	})
	t.Run("refused", func(t *testing.T) {
		f := newFixture(t, true)
		f.subject(t, "user.name")
		inc, err := declare(f, incidents.NewIncident{Categories: []string{"user.name"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.NotifySubjects(f.ctx, inc.ID) // the regulator first
		wantCode(t, err, steward.ECONFLICT)
		low, _ := declare(f, incidents.NewIncident{Categories: []string{"user.name"}, Risk: steward.RiskLow})
		_, err = f.svc.NotifySubjects(f.ctx, low.ID)
		wantCode(t, err, steward.ECONFLICT)
	})
}
