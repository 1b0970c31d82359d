package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestIncidentRegister: an incident is stored with its subjects (ids only)
// and its event in one transaction, read back, paged, moved on only from
// the status read, marked overdue once; notices are recorded once and
// retried; holdings find records and files under and below a category.
func TestIncidentRegister(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		db := b.Open(t)
		ctx := context.Background()
		a, other := mustTenant(t, db, "A"), mustTenant(t, db, "B")
		detected := t0.Add(-time.Hour)
		inc := &steward.Incident{ID: steward.NewID("inc"), TenantID: a.ID, Status: steward.IncidentOpen, Risk: steward.RiskHigh,
			AwareAt: t0, DetectedAt: &detected, Deadline: t0.Add(steward.IncidentDeadline), Actors: []string{"key_x"},
			Categories: []string{"user.contact"}, Summary: "A key leaked <b>", Consequences: "phishing", Measures: "revoked",
			Subjects: 1201, Records: 1300, Counts: []steward.IncidentCount{{Category: "user.contact", Subjects: 1201, Records: 1300}},
			CreatedBy: "staff:stf_1", CreatedAt: t0, UpdatedAt: t0}
		var subjects []string
		for i := range 1201 {
			subjects = append(subjects, fmt.Sprintf("sub_%05d", i))
		}
		ev, _ := steward.NewEvent(a.ID, steward.EventIncidentCreated, t0, map[string]string{"incident_id": inc.ID})
		if err := db.CreateIncident(ctx, inc, subjects, ev); err != nil {
			t.Fatal(err)
		}
		if ev.Seq == 0 {
			t.Fatal("the event was not stored")
		}
		got, err := db.Incident(ctx, a.ID, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Summary != inc.Summary || !got.DetectedAt.Equal(detected) || got.WindowFrom != nil || got.Subjects != 1201 ||
			len(got.Counts) != 1 || got.Counts[0].Records != 1300 || !slices.Equal(got.Actors, inc.Actors) || !got.Deadline.Equal(inc.Deadline) {
			t.Fatalf("read back %+v", got)
		}
		if _, err := db.Incident(ctx, other.ID, inc.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("another tenant reads it: %v", err)
		}
		// Paging the subjects.
		var seen []string
		for after := ""; ; {
			page, err := db.IncidentSubjects(ctx, a.ID, inc.ID, after, 500)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				seen = append(seen, s.SubjectID)
			}
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].SubjectID
		}
		if !slices.Equal(seen, subjects) {
			t.Fatalf("paged %d subjects; want %d", len(seen), len(subjects))
		}
		if list, err := db.Incidents(ctx, a.ID, steward.IncidentClosed, 10); err != nil || len(list) != 0 {
			t.Fatalf("closed incidents: %v, %v", list, err)
		}
		if list, err := db.Incidents(ctx, a.ID, "", 10); err != nil || len(list) != 1 {
			t.Fatalf("incidents: %v, %v", list, err)
		}
		if n, err := db.CountIncidents(ctx); err != nil || n != 1 {
			t.Fatalf("count = %d, %v", n, err)
		}

		// Overdue: due once the deadline passed, marked once.
		if due, _ := db.DueIncidents(ctx, t0.Add(time.Hour), 10); len(due) != 0 {
			t.Fatal("due before the deadline")
		}
		late := t0.Add(73 * time.Hour)
		due, err := db.DueIncidents(ctx, late, 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due = %v, %v", due, err)
		}
		if ok, err := db.MarkOverdue(ctx, due[0], late); err != nil || !ok {
			t.Fatalf("mark = %v, %v", ok, err)
		}
		if ok, err := db.MarkOverdue(ctx, due[0], late); err != nil || ok {
			t.Fatalf("marked twice: %v, %v", ok, err)
		}
		if due, _ := db.DueIncidents(ctx, late, 10); len(due) != 0 {
			t.Fatal("still due after the mark")
		}

		// Status changes only from the status read.
		got.Status, got.RegulatorNotifiedAt, got.DelayReasons, got.UpdatedAt = steward.IncidentRegulatorNotified, &late, "holiday", late
		if err := db.UpdateIncident(ctx, got, steward.IncidentOpen); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateIncident(ctx, got, steward.IncidentOpen); steward.ErrorCode(err) != steward.ECONFLICT {
			t.Fatalf("a stale update: %v", err)
		}
		bogus := *got
		bogus.ID = "inc_none"
		if err := db.UpdateIncident(ctx, &bogus, steward.IncidentRegulatorNotified); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("an unknown incident: %v", err)
		}

		// Notices: requested, pending in batches, recorded once, retried.
		if list, _ := db.NotifyingIncidents(ctx, 10); len(list) != 0 {
			t.Fatal("notifying before the request")
		}
		got.NotifyRequestedAt = &late
		if err := db.UpdateIncident(ctx, got, got.Status); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.NotifyingIncidents(ctx, 10); len(list) != 1 {
			t.Fatal("not notifying after the request")
		}
		pending, err := db.PendingNotices(ctx, a.ID, inc.ID, 2)
		if err != nil || !slices.Equal(pending, subjects[:2]) {
			t.Fatalf("pending = %v, %v", pending, err)
		}
		if err := db.RecordNotices(ctx, a.ID, inc.ID, []*steward.IncidentSubject{{SubjectID: pending[0], Result: steward.NoticeSent,
			NotifiedAt: &late}, {SubjectID: pending[1], Result: steward.NoticeFailed, NotifiedAt: &late}}); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordNotices(ctx, a.ID, inc.ID, []*steward.IncidentSubject{{SubjectID: pending[0], Result: steward.NoticeNoEmail}}); err != nil {
			t.Fatal(err)
		}
		p, err := db.NoticeProgress(ctx, a.ID, inc.ID)
		if err != nil || p != (steward.NoticeProgress{Total: 1201, Pending: 1199, Sent: 1, Failed: 1}) {
			t.Fatalf("progress = %+v, %v", p, err)
		}
		if err := db.RetryNotices(ctx, a.ID, inc.ID); err != nil {
			t.Fatal(err)
		}
		if p, _ := db.NoticeProgress(ctx, a.ID, inc.ID); p.Pending != 1200 || p.Failed != 0 {
			t.Fatalf("after a retry: %+v", p)
		}
		first, _ := db.IncidentSubjects(ctx, a.ID, inc.ID, "", 1)
		if first[0].Result != steward.NoticeSent || first[0].NotifiedAt == nil || !first[0].NotifiedAt.Equal(late) {
			t.Fatalf("first subject: %+v", first[0])
		}

		// Holdings: records and files under or below the category, not
		// beside it, in the tenant only.
		s1 := mustSubject(t, db, a.ID, "h1", nil)
		s2 := mustSubject(t, db, a.ID, "h2", nil)
		s3 := mustSubject(t, db, other.ID, "h3", nil)
		for _, r := range []struct{ s, cat string }{{s1.ID, "user.contact.email"}, {s1.ID, "user.contact"}, {s2.ID, "user.contact_x"},
			{s2.ID, "user.content.prompt"}, {s3.ID, "user.contact.email"}} {
			tenant := a.ID
			if r.s == s3.ID {
				tenant = other.ID
			}
			if err := db.PutRecord(ctx, &steward.Record{TenantID: tenant, SubjectID: r.s, Category: r.cat, Sealed: []byte("x"), UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateFile(ctx, &steward.FileMeta{ID: steward.NewID("fil"), TenantID: a.ID, SubjectID: s2.ID,
			Category: "user.contact.avatar", SealedSHA: []byte("x"), BlobKey: "k", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		var held []string
		err = db.Holdings(ctx, a.ID, []string{"user.contact"}, func(h steward.CategoryHolding) error {
			held = append(held, h.SubjectID+" "+h.Category+" "+fmt.Sprint(h.FileID != ""))
			return nil
		})
		slices.Sort(held)
		want := []string{s1.ID + " user.contact false", s1.ID + " user.contact.email false", s2.ID + " user.contact.avatar true"}
		slices.Sort(want)
		if err != nil || !slices.Equal(held, want) {
			t.Fatalf("holdings = %q, %v; want %q", held, err, want)
		}
	})
}
