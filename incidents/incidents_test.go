package incidents_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/incidents"
)

func declare(f *fixture, n incidents.NewIncident) (*incidents.View, error) {
	if n.AwareAt == nil {
		n.AwareAt = ptr(now.Add(-time.Hour))
	}
	if n.Summary == "" {
		n.Summary = "An API key was published in a public repository."
	}
	if n.Risk == "" {
		n.Risk = steward.RiskHigh
	}
	if n.Consequences == "" {
		n.Consequences = "Prompts may have been read by a third party."
	}
	if n.Measures == "" {
		n.Measures = "The key was revoked."
	}
	return f.svc.Create(f.ctx, &n)
}

// TestDeriveFromAuditLog: the people affected are those whose data the
// named actors read, disclosed or exported in the window with an allow
// decision; counted per category, narrowed by categories when given.
func TestDeriveFromAuditLog(t *testing.T) {
	f := newFixture(t, false)
	key, otherKey, staff := steward.NewID("key"), steward.NewID("key"), steward.NewID("stf")
	s1, s2, s3, s4, s5, s6, s7 := f.subject(t), f.subject(t), f.subject(t), f.subject(t), f.subject(t), f.subject(t), f.subject(t)
	from, to := now.Add(-10*time.Hour), now.Add(-2*time.Hour)
	in := from.Add(time.Hour)
	f.access(t, "api_key:"+key, steward.ActionRecordRead, steward.DecisionAllow, s1, in, "user.contact.email")
	f.access(t, "api_key:"+key, steward.ActionRecordRead, steward.DecisionAllow, s1, in, "user.contact.email") // same item again
	f.access(t, "api_key:"+key, steward.ActionFileRead, steward.DecisionAllow, s2, in, "user.content.prompt")
	f.access(t, "api_key:"+key, steward.ActionDisclose, steward.DecisionAllow, s1, in, "user.content.prompt")
	f.access(t, "api_key:"+key, steward.ActionRecordRead, steward.DecisionDeny, s3, in, "user.content.prompt")  // refused
	f.access(t, "api_key:"+key, steward.ActionRecordRead, steward.DecisionAllow, s4, to, "user.content.prompt") // window end is exclusive
	f.access(t, "api_key:"+otherKey, steward.ActionRecordRead, steward.DecisionAllow, s5, in, "user.content.prompt")
	f.access(t, "api_key:"+key, steward.ActionSubjectRead, steward.DecisionAllow, s6, in) // describes, exposes no data
	f.access(t, "staff:"+staff, steward.ActionRecordRead, steward.DecisionAllow, s7, in, "user.name")

	inc, err := declare(f, incidents.NewIncident{Actors: []string{key, staff}, Window: &incidents.Window{From: from, To: to}})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Subjects != 3 || inc.Records != 4 {
		t.Fatalf("subjects %d, records %d; want 3, 4", inc.Subjects, inc.Records)
	}
	want := []steward.IncidentCount{{Category: "user.contact.email", Subjects: 1, Records: 1},
		{Category: "user.content.prompt", Subjects: 2, Records: 2}, {Category: "user.name", Subjects: 1, Records: 1}}
	if !slices.Equal(inc.Counts, want) {
		t.Fatalf("counts = %+v; want %+v", inc.Counts, want)
	}
	if got := f.subjects(t, inc.ID); !slices.Equal(got, sorted([]string{s1, s2, s7})) {
		t.Fatalf("subjects = %v", got)
	}
	if inc.Deadline != inc.AwareAt.Add(72*time.Hour) || inc.Status != steward.IncidentOpen {
		t.Fatalf("deadline %v, status %s", inc.Deadline, inc.Status)
	}

	// Narrowed to a category (and those below it).
	inc, err = declare(f, incidents.NewIncident{Actors: []string{key}, Categories: []string{"user.content"},
		Window: &incidents.Window{From: from, To: to}})
	if err != nil {
		t.Fatal(err)
	}
	if inc.Subjects != 2 || len(inc.Counts) != 1 || inc.Counts[0] != (steward.IncidentCount{Category: "user.content", Subjects: 2, Records: 2}) {
		t.Fatalf("narrowed: %d subjects, %+v", inc.Subjects, inc.Counts)
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }

// TestDeriveFromCategories: with categories and no actors, everyone
// holding data under them is affected.
func TestDeriveFromCategories(t *testing.T) {
	f := newFixture(t, false)
	s1 := f.subject(t, "user.contact.email", "user.name")
	s2 := f.subject(t, "user.contact.email")
	f.subject(t, "user.content.prompt")
	inc, err := declare(f, incidents.NewIncident{Categories: []string{"user.contact.email", "user.name"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []steward.IncidentCount{{Category: "user.contact.email", Subjects: 2, Records: 2}, {Category: "user.name", Subjects: 1, Records: 1}}
	if inc.Subjects != 2 || inc.Records != 3 || !slices.Equal(inc.Counts, want) {
		t.Fatalf("%d subjects, %d records, %+v", inc.Subjects, inc.Records, inc.Counts)
	}
	if got := f.subjects(t, inc.ID); !slices.Equal(got, sorted([]string{s1, s2})) {
		t.Fatalf("subjects = %v", got)
	}
}

// TestBadDeclarations are refused with the field named, and nothing is
// stored.
func TestBadDeclarations(t *testing.T) {
	f := newFixture(t, false)
	key := steward.NewID("key")
	w := &incidents.Window{From: now.Add(-time.Hour), To: now}
	for _, tc := range []struct {
		field string
		n     incidents.NewIncident
	}{
		{"window.to", incidents.NewIncident{Actors: []string{key}, Window: &incidents.Window{From: now, To: now.Add(-time.Hour)}}},
		{"actors[0]", incidents.NewIncident{Actors: []string{"jane@example.org"}, Window: w}},
		{"window", incidents.NewIncident{Actors: []string{key}}},
		{"actors", incidents.NewIncident{}},
		{"categories[0]", incidents.NewIncident{Categories: []string{"user.secret_diary"}}},
		{"risk", incidents.NewIncident{Categories: []string{"user.name"}, Risk: "medium"}},
		{"aware_at", incidents.NewIncident{Categories: []string{"user.name"}, AwareAt: ptr(now.Add(time.Hour))}},
	} {
		_, err := declare(f, tc.n)
		var se *steward.Error
		if steward.ErrorCode(err) != steward.EINVALID || !errorsAs(err, &se) || len(se.Fields) != 1 || se.Fields[0].Path != tc.field {
			t.Errorf("%s: error %v", tc.field, err)
		}
	}
	if list, _ := f.svc.List(f.ctx, "", 0); len(list) != 0 {
		t.Fatalf("stored %d incidents", len(list))
	}
}

// TestClockAndStatusRules: the deadline is aware_at + 72 hours; notifying
// the regulator after it needs delay reasons; not_notifiable needs the
// reasoning and low risk; moves the status does not allow are refused;
// incident.overdue is emitted once; no free text enters the audit log.
func TestClockAndStatusRules(t *testing.T) {
	f := newFixture(t, false)
	f.subject(t, "user.name")
	aware := now.Add(-80 * time.Hour)
	inc, err := declare(f, incidents.NewIncident{Categories: []string{"user.name"}, AwareAt: &aware,
		Summary: "Jane Doe's laptop was stolen", Consequences: "identity theft of jane@example.org", Measures: "remote wipe"})
	if err != nil {
		t.Fatal(err)
	}
	if !inc.Deadline.Equal(aware.Add(72*time.Hour)) || !inc.Overdue {
		t.Fatalf("deadline %v, overdue %v", inc.Deadline, inc.Overdue)
	}
	_, err = f.svc.SetStatus(f.ctx, inc.ID, &incidents.StatusChange{Status: steward.IncidentClosed})
	wantCode(t, err, steward.ECONFLICT)
	_, err = f.svc.SetStatus(f.ctx, inc.ID, &incidents.StatusChange{Status: steward.IncidentRegulatorNotified})
	wantCode(t, err, steward.EINVALID)
	_, err = f.svc.SetStatus(f.ctx, inc.ID, &incidents.StatusChange{Status: steward.IncidentNotNotifiable, Reasoning: "encrypted"})
	wantCode(t, err, steward.ECONFLICT) // high risk
	if got, _ := f.svc.Get(f.ctx, inc.ID); got.Status != steward.IncidentOpen || got.RegulatorNotifiedAt != nil {
		t.Fatalf("a refused change changed the incident: %+v", got)
	}

	// The overdue job: once.
	for range 2 {
		if _, err := f.svc.Overdue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := f.db.Events(context.Background(), f.tenant, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	overdue := 0
	for _, e := range evs {
		if e.Type == steward.EventIncidentOverdue {
			overdue++
		}
	}
	if overdue != 1 {
		t.Fatalf("%d incident.overdue events; want 1", overdue)
	}

	got, err := f.svc.SetStatus(f.ctx, inc.ID, &incidents.StatusChange{Status: steward.IncidentRegulatorNotified,
		DelayReasons: "The breach was found on a public holiday by Jane Doe."})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != steward.IncidentRegulatorNotified || got.DelayReasons == "" || got.Overdue {
		t.Fatalf("notified: %+v", got)
	}
	_, err = f.svc.SetStatus(f.ctx, inc.ID, &incidents.StatusChange{Status: steward.IncidentClosed})
	wantCode(t, err, steward.EINVALID) // high risk, people not told: the Art. 34(3) reasoning
	if _, err := f.svc.SetStatus(f.ctx, inc.ID, &incidents.StatusChange{Status: steward.IncidentSubjectsNotified}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetStatus(f.ctx, inc.ID, &incidents.StatusChange{Status: steward.IncidentClosed}); err != nil {
		t.Fatal(err)
	}

	// A low-risk one on time: not notifiable with the reasoning.
	low, err := declare(f, incidents.NewIncident{Categories: []string{"user.name"}, Risk: steward.RiskLow})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SetStatus(f.ctx, low.ID, &incidents.StatusChange{Status: steward.IncidentNotNotifiable})
	wantCode(t, err, steward.EINVALID)
	if got, err := f.svc.SetStatus(f.ctx, low.ID, &incidents.StatusChange{Status: steward.IncidentNotNotifiable,
		Reasoning: "The data was encrypted and the key not exposed."}); err != nil || got.Reasoning == "" {
		t.Fatalf("not notifiable: %+v, %v", got, err)
	}
	if n, _ := f.svc.OpenCount(context.Background()); n != 1 {
		t.Fatalf("open incidents = %d; want 1", n)
	}

	var late bool
	for _, e := range f.audit.all() {
		for _, v := range append(append([]string{e.Target, e.Purpose, e.Justification}, e.Reasons...), e.Categories...) {
			if strings.Contains(strings.ToLower(v), "jane") || strings.Contains(v, "holiday") || strings.Contains(v, "encrypted") {
				t.Fatalf("free text in the audit log: %+v", e)
			}
		}
		late = late || (e.Action == steward.ActionIncidentStatus && slices.Contains(e.Reasons, "late"))
	}
	if !late {
		t.Fatal("the late notification is not recorded as late")
	}
}
