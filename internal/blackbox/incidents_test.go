package blackbox

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestIncidents declares a breach through the real binary: a key reads two
// people's data, the incident names that key and the window, and steward
// finds exactly those people, counted per category; the notices render;
// the status rules hold; bad declarations are refused as problem+json and
// change nothing.
func TestIncidents(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b)
		ctx := s.ctx()
		admin := s.api(s.Key)
		key := got(admin.CreateAPIKey(ctx, client.NewAPIKey{Name: "leaked", Scopes: []string{"records:read", "records:write"}})).must(t)
		app := s.api(key.Secret)
		from := time.Now().Add(-time.Minute)
		var subs []string
		for i, ext := range []string{"u1", "u2", "u3"} {
			sub := got(app.CreateSubject(ctx, client.NewSubject{ExternalID: ext, Email: ext + "@example.org"})).must(t)
			subs = append(subs, sub.ID)
			if err := app.PutRecord(ctx, sub.ID, "user.content.prompt", "a prompt"); err != nil {
				t.Fatal(err)
			}
			if i < 2 { // the key reads two of the three
				got(app.GetRecord(ctx, sub.ID, "user.content.prompt", client.Access{Purpose: "essential.service"})).must(t)
			}
		}
		window := &client.IncidentWindow{From: from, To: time.Now().Add(time.Minute)}
		aware := time.Now().Add(-time.Hour)
		inc := got(admin.CreateIncident(ctx, client.NewIncident{AwareAt: &aware, Actors: []string{key.ID}, Window: window,
			Risk: "high", Summary: "The key <leaked> in a public repository.", Consequences: "Prompts may be read.",
			Measures: "The key was revoked."})).must(t)
		if inc.Status != "open" || inc.Subjects != 2 || inc.Records != 2 || len(inc.Counts) != 1 ||
			inc.Counts[0] != (client.IncidentCount{Category: "user.content.prompt", Subjects: 2, Records: 2}) ||
			!inc.Deadline.Equal(inc.AwareAt.Add(72*time.Hour)) {
			t.Fatalf("incident: %+v", inc)
		}
		page := got(admin.IncidentSubjects(ctx, inc.ID, "", 0)).must(t)
		var ids []string
		for _, x := range page.Subjects {
			ids = append(ids, x.SubjectID)
		}
		slices.Sort(ids)
		want := slices.Clone(subs[:2])
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("affected %v; want %v", ids, want)
		}
		n := got(admin.IncidentNotice(ctx, inc.ID, "regulator", "html")).must(t)
		if !strings.Contains(n.Body, "Approximately 2 people and 2 personal data records") || !strings.Contains(n.Body, "&lt;leaked&gt;") {
			t.Fatalf("regulator notice:\n%s", n.Body)
		}
		if m := got(admin.Metrics(ctx)).must(t); !strings.Contains(string(m), "steward_incidents_open 1") {
			t.Fatal("metrics lack steward_incidents_open 1")
		}

		// Status rules.
		_, err := admin.SetIncidentStatus(ctx, inc.ID, client.IncidentStatus{Status: "closed"})
		wantCode(t, err, client.ECONFLICT)
		got(admin.SetIncidentStatus(ctx, inc.ID, client.IncidentStatus{Status: "regulator_notified"})).must(t)
		_, err = admin.NotifyIncidentSubjects(ctx, inc.ID)
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Status != 503 || !slices.Contains(ce.Reasons, "email_not_configured") {
			t.Fatalf("notify without mail settings: %v", err)
		}
		if cur := got(admin.GetIncident(ctx, inc.ID)).must(t); cur.NotifyRequestedAt != nil || cur.Notices == nil || cur.Notices.Pending != 2 {
			t.Fatalf("a refused notify changed the incident: %+v", cur)
		}

		// Bad declarations and a late notification without reasons.
		base := map[string]any{"aware_at": aware, "summary": "s", "risk": "high", "consequences": "c", "measures": "m"}
		with := func(kv ...any) map[string]any {
			m := map[string]any{}
			for k, v := range base {
				m[k] = v
			}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		for _, bad := range []map[string]any{
			with("actors", []string{key.ID}, "window", map[string]any{"from": time.Now(), "to": time.Now().Add(-time.Hour)}),
			with("actors", []string{"jane.doe@example.org"}, "window", window),
			with("categories", []string{"user.diary"}),
			with("risk", "medium", "categories", []string{"user.content.prompt"}),
		} {
			r := s.do("POST", "/v1/incidents", s.Key, bad)
			expect(t, r, 400)
			if strings.Contains(string(r.Body), "jane.doe") || strings.Contains(string(r.Body), "user.diary") {
				t.Fatalf("the error echoes the input: %s", r.Body)
			}
		}
		lateAware := time.Now().Add(-100 * time.Hour)
		late := got(admin.CreateIncident(ctx, client.NewIncident{AwareAt: &lateAware, Categories: []string{"user.content.prompt"},
			Risk: "low", Summary: "s", Consequences: "c", Measures: "m"})).must(t)
		if !late.Overdue || late.Subjects != 3 {
			t.Fatalf("late incident: %+v", late)
		}
		expect(t, s.do("POST", "/v1/incidents/"+late.ID+"/status", s.Key, map[string]any{"status": "regulator_notified"}), 400)
		if cur := got(admin.GetIncident(ctx, late.ID)).must(t); cur.Status != "open" {
			t.Fatalf("a refused notification changed the status: %+v", cur)
		}
		if list := got(admin.ListIncidents(ctx, "", 0)).must(t); len(list) != 2 {
			t.Fatalf("%d incidents; want 2", len(list))
		}
		done := got(admin.SetIncidentStatus(ctx, late.ID, client.IncidentStatus{Status: "regulator_notified",
			DelayReasons: "found during a holiday"})).must(t)
		if done.Status != "regulator_notified" || done.DelayReasons == "" {
			t.Fatalf("late notification: %+v", done)
		}
		_, err = admin.IncidentNotice(ctx, late.ID, "subjects", "markdown") // low risk: no subject notice
		wantCode(t, err, client.ECONFLICT)

		// A key without the scope is refused.
		_, err = app.ListIncidents(ctx, "", 0)
		wantCode(t, err, client.EFORBIDDEN)
	})
}

// TestIncidentOverdueEvent: the job under the lease emits incident.overdue
// once for an open incident whose 72 hours have passed, and
// incident.created when it is declared.
func TestIncidentOverdueEvent(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--job-interval", "1s", "--job-lease", "3s")
	ctx := s.ctx()
	admin := s.api(s.Key)
	aware := time.Now().Add(-73 * time.Hour)
	inc := got(admin.CreateIncident(ctx, client.NewIncident{AwareAt: &aware, Categories: []string{"user.content.prompt"},
		Risk: "low", Summary: "s", Consequences: "c", Measures: "m"})).must(t)
	count := func() (created, overdue int) {
		page := got(admin.ListEvents(ctx, "", 1000)).must(t)
		for _, e := range page.Events {
			if !strings.Contains(string(e.Data), inc.ID) {
				continue
			}
			switch e.Type {
			case "incident.created":
				created++
			case "incident.overdue":
				overdue++
			}
		}
		return
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, overdue := count(); overdue > 0 || time.Now().After(deadline) {
			break
		}
	}
	time.Sleep(2500 * time.Millisecond) // two more runs of the job
	if created, overdue := count(); created != 1 || overdue != 1 {
		t.Fatalf("incident.created %d, incident.overdue %d; want 1, 1", created, overdue)
	}
}
