package blackbox

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// holdsKey is an application key with the vault scopes and holds:manage.
func (s *server) holdsKey() string {
	s.t.Helper()
	return s.appKey(append(strings.Fields(allVault), "holds:manage")...)
}

// TestHoldBlocksErasure: holds:manage is needed (admin implies it, as
// every scope but the dedicated ones); a hold without reason, on an unknown category or on nothing is 400
// and stores nothing; a held subject's DELETE is 409 with reason
// legal_hold; the list shows the hold with its reason; released, the
// erasure goes through; a second release is 409.
func TestHoldBlocksErasure(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b)
		key := s.holdsKey()
		id := s.subject(key, map[string]any{"external_id": "held-person"})
		const reason = "Matter 2026-17: litigation hold canary-reason"

		expect(t, s.do("POST", "/v1/holds", s.appKey(strings.Fields(allVault)...), map[string]any{"subject": id, "reason": reason}), 403)
		for name, body := range map[string]map[string]any{
			"no reason":        {"subject": id},
			"blank reason":     {"subject": id, "reason": "   "},
			"unknown category": {"category": "user.nothing", "reason": reason},
			"both":             {"subject": id, "category": "user.content.prompt", "reason": reason},
			"neither":          {"reason": reason},
			"unknown subject":  {"subject": "sub_nobody", "reason": reason},
			"past end":         {"subject": id, "reason": reason, "until": "2020-01-01T00:00:00Z"},
		} {
			r := s.do("POST", "/v1/holds", key, body)
			expect(t, r, 400)
			if strings.Contains(string(r.Body), "canary-reason") {
				t.Errorf("%s: the problem echoes the reason: %s", name, r.Body)
			}
		}
		if hs := got(s.api(key).ListHolds(s.ctx(), true)).must(t); len(hs) != 0 {
			t.Fatalf("bad input stored holds: %+v", hs)
		}

		h := got(s.api(key).CreateHold(s.ctx(), client.NewHold{Subject: id, Reason: reason})).must(t)
		if !strings.HasPrefix(h.ID, "hold_") || !h.Active || h.Reason != reason || h.Subject != id {
			t.Fatalf("created hold: %+v", h)
		}
		r := s.do("DELETE", "/v1/subjects/"+id, key, nil)
		expect(t, r, 409)
		if !slices.Contains(reasons(t, r), "legal_hold") {
			t.Fatalf("erasure under a hold: %s", r.Body)
		}
		expect(t, s.do("GET", "/v1/subjects/"+id, key, nil), 200)
		if hs := got(s.api(key).ListHolds(s.ctx(), false)).must(t); len(hs) != 1 || hs[0].Reason != reason {
			t.Fatalf("holds: %+v", hs)
		}
		rel := got(s.api(key).ReleaseHold(s.ctx(), h.ID)).must(t)
		if rel.Active || rel.ReleasedAt == nil {
			t.Fatalf("released hold: %+v", rel)
		}
		expect(t, s.do("DELETE", "/v1/holds/"+h.ID, key, nil), 409)
		expect(t, s.do("DELETE", "/v1/subjects/"+id, key, nil), 200)

		// The audit log names the hold, never its reason.
		ar := s.do("GET", "/v1/audit?limit=100", s.Key, nil)
		expect(t, ar, 200)
		if !bytes.Contains(ar.Body, []byte("hold.create")) || !bytes.Contains(ar.Body, []byte("hold.release")) ||
			bytes.Contains(ar.Body, []byte("canary-reason")) {
			t.Fatalf("audit of holds: %s", ar.Body)
		}
	})
}

// TestRetentionSkipsHeldFiles: an expired ephemeral file of a held
// subject stays, the job's run says how many it skipped; released, the
// next run deletes it.
func TestRetentionSkipsHeldFiles(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--ephemeral-ttl", "1s", "--job-interval", "1s", "--job-lease", "3s")
	key := s.holdsKey()
	id := s.subject(key, map[string]any{"external_id": "u"})
	h := got(s.api(key).CreateHold(s.ctx(), client.NewHold{Subject: id, Reason: "audit of 2026"})).must(t)
	eph := s.upload(key, id, "user.content.product_image", true, []byte("temp"))
	path := "/v1/files/" + eph["id"].(string) + "?purpose=essential.service"
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(s.stderr.String(), "retention skipped held data") {
		if time.Now().After(deadline) {
			t.Fatalf("the retention job never said it skipped held data; stderr:\n%s", s.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(s.stderr.String(), `"held":1`) {
		t.Fatalf("the job's log line lacks the count: %s", s.stderr)
	}
	got(s.api(key).ReleaseHold(s.ctx(), h.ID)).must(t)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		r := s.do("GET", path, key, nil)
		if r.Status == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the released file was not deleted: %d", r.Status)
		}
	}
}

// TestRestrictionDeniesMarketing: with consent to marketing on record, a
// restriction set through PUT /v1/subjects/{id}/restriction denies the
// marketing read (restricted) and allows the essential one; an objection
// denies marketing (objected); lifting both allows it again.
func TestRestrictionDeniesMarketing(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b, "--policy", examplePolicy(t, "content-studio.yaml"))
		key := s.appKey("records:read", "records:write", "consents:write")
		id, read := s.consentSubject(key, "user.contact.email", "ada@example.org")
		expect(t, s.do("POST", "/v1/subjects/"+id+"/consents", key, consentBody("marketing.communications.email", "", true)), 201)
		marketing, essential := read+"?purpose=marketing.communications.email", read+"?purpose=essential.service"
		expect(t, s.do("GET", marketing, key, nil), 200)

		restriction := "/v1/subjects/" + id + "/restriction"
		expect(t, s.do("PUT", restriction, key, map[string]any{"until": "2099-01-01T00:00:00Z"}), 400) // restricted missing
		expect(t, s.do("PUT", restriction, key, map[string]any{"restricted": true, "until": "2001-01-01T00:00:00Z"}), 400)
		expect(t, s.do("GET", marketing, key, nil), 200) // bad input changed nothing
		r := s.do("PUT", restriction, key, map[string]any{"restricted": true})
		expect(t, r, 200)
		if r.JSON(t)["restricted"] != true {
			t.Fatalf("restricted subject: %s", r.Body)
		}
		denied(t, s.do("GET", marketing, key, nil), "restricted")
		expect(t, s.do("GET", essential, key, nil), 200)
		expect(t, s.do("PUT", restriction, key, map[string]any{"restricted": false}), 200)
		expect(t, s.do("GET", marketing, key, nil), 200)

		objections := "/v1/subjects/" + id + "/objections"
		expect(t, s.do("PUT", objections, key, map[string]any{"purposes": []string{"essential.service"}}), 400)
		expect(t, s.do("PUT", objections, key, map[string]any{}), 400)
		r = s.do("PUT", objections, key, map[string]any{"purposes": []string{"marketing"}})
		expect(t, r, 200)
		denied(t, s.do("GET", marketing, key, nil), "objected")
		expect(t, s.do("GET", essential, key, nil), 200)
		expect(t, s.do("PUT", objections, key, map[string]any{"purposes": []string{}}), 200)
		expect(t, s.do("GET", marketing, key, nil), 200)
	})
}

// TestCorrectSubjectThroughPatch: PATCH /v1/subjects/{id} replaces the
// email (the lookup follows), refuses a taken one (409) and bad input
// (400), changing nothing.
func TestCorrectSubjectThroughPatch(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b)
		key := s.appKey(strings.Fields(allVault)...)
		id := s.subject(key, map[string]any{"external_id": "p", "email": "old@example.org"})
		s.subject(key, map[string]any{"external_id": "q", "email": "taken@example.org"})
		path := "/v1/subjects/" + id
		expect(t, s.do("PATCH", path, key, map[string]any{"email": "taken@example.org"}), 409)
		expect(t, s.do("PATCH", path, key, map[string]any{"email": "nope"}), 400)
		expect(t, s.do("PATCH", path, key, map[string]any{"external_id": "x"}), 400)
		expect(t, s.do("PATCH", path, key, map[string]any{"birthdate": "2020-01-01"}), 409) // below 18, policy refuses
		expect(t, s.do("GET", "/v1/subjects?email=old@example.org", key, nil), 200)
		c := got(s.api(key).CorrectSubject(s.ctx(), id, client.Correction{Email: ptr("new@example.org")})).must(t)
		if c.Subject == nil || c.Subject.ID != id || c.Below != "" {
			t.Fatalf("corrected: %+v", c)
		}
		expect(t, s.do("GET", "/v1/subjects?email=old@example.org", key, nil), 404)
		if f := got(s.api(key).FindSubject(s.ctx(), client.SubjectLookup{Email: "new@example.org"})).must(t); f.ID != id {
			t.Fatalf("found %+v", f)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestChildBelowDeleteIsErased: under children.below: delete, a birthdate
// corrected below the minimum age files an erasure request with reason
// child, which runs without verification and erases the subject; so does
// a staff age report.
func TestChildBelowDeleteIsErased(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b, "--policy", examplePolicy(t, "content-studio.yaml"), "--job-interval", "1s")
		key := s.appKey(strings.Fields(allVault)...)
		id := s.subject(key, map[string]any{"external_id": "kid", "birthdate": "1990-01-01"})
		c := got(s.api(key).CorrectSubject(s.ctx(), id, client.Correction{Birthdate: ptr(time.Now().AddDate(-8, 0, 0).Format(time.DateOnly))})).must(t)
		if c.Below != "erasure_requested" {
			t.Fatalf("child correction: %+v", c)
		}
		waitFor(t, 20*time.Second, func() bool { return s.do("GET", "/v1/subjects/"+id, key, nil).Status == 404 })
		other := s.subject(key, map[string]any{"external_id": "kid2"})
		if c := got(s.api(key).ReportAge(s.ctx(), other)).must(t); c.Below != "erasure_requested" {
			t.Fatalf("age report: %+v", c)
		}
		waitFor(t, 20*time.Second, func() bool { return s.do("GET", "/v1/subjects/"+other, key, nil).Status == 404 })
	})
}

// TestPersonalRetentionThroughBinary: a retention longer than the
// policy's or of an unknown category is 400; a one-minute retention a
// person chose deletes their record about a minute later, not another's.
func TestPersonalRetentionThroughBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("waits a minute")
	}
	t.Parallel()
	s := start(t, testdb.Backends()[0], "--job-interval", "1s", "--job-lease", "3s")
	key := s.appKey(strings.Fields(allVault)...)
	a, readA := s.consentSubject(key, "user.content.prompt", "mine")
	_, readB := s.consentSubject(key, "user.content.prompt", "theirs")
	path := "/v1/subjects/" + a + "/retention"
	expect(t, s.do("PUT", path, key, map[string]any{"category": "user.device.ip_address", "retention": "P2D"}), 400)
	expect(t, s.do("PUT", path, key, map[string]any{"category": "user.nothing", "retention": "PT1M"}), 400)
	expect(t, s.do("PUT", path, key, map[string]any{"category": "user.content.prompt", "retention": "forever"}), 400)
	if err := s.api(key).SetRetention(s.ctx(), a, "user.content.prompt", "PT1M"); err != nil {
		t.Fatal(err)
	}
	set := time.Now()
	for {
		r := s.do("GET", readA+"?purpose=essential.service", key, nil)
		if r.Status == 404 {
			break
		}
		expect(t, r, 200)
		if time.Since(set) > 75*time.Second {
			t.Fatal("the record outlived its one-minute retention by 15 s")
		}
		time.Sleep(time.Second)
	}
	if e := time.Since(set); e < 55*time.Second {
		t.Fatalf("deleted after %v; before its retention", e)
	}
	expect(t, s.do("GET", readB+"?purpose=essential.service", key, nil), 200)
}

// clientSubjectState drives the subject state and hold routes through the
// client (TestClientDrivesEveryRoute).
func clientSubjectState(ctx context.Context, t *testing.T, s *server, log *routeLog, admin *client.Client, app *client.Client, sub string) {
	key := got(admin.CreateAPIKey(ctx, client.NewAPIKey{Name: "legal", Scopes: []string{"holds:manage"}})).must(t)
	legal := newClient(t, s, log, key.Secret)
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	if st := got(app.SetRestriction(ctx, sub, client.Restriction{Restricted: ptr(true), Until: &until})).must(t); !st.Restricted ||
		st.RestrictedUntil == nil || !st.RestrictedUntil.Equal(until) {
		t.Fatalf("restricted: %+v", st)
	}
	got(app.SetRestriction(ctx, sub, client.Restriction{Restricted: ptr(false)})).must(t)
	if st := got(app.SetObjections(ctx, sub, []string{client.ObjectAll})).must(t); !st.Objected {
		t.Fatalf("objected: %+v", st)
	}
	got(app.SetObjections(ctx, sub, nil)).must(t)
	if err := app.SetRetention(ctx, sub, "user.content.prompt", "P30D"); err != nil {
		t.Fatal(err)
	}
	if rs := got(app.Retentions(ctx, sub)).must(t); len(rs) != 1 || rs[0].Category != "user.content.prompt" || rs[0].Retention != "P30D" {
		t.Fatalf("retentions: %+v", rs)
	}
	if c := got(app.CorrectSubject(ctx, sub, client.Correction{Email: ptr("ada.l@example.org")})).must(t); c.Subject == nil {
		t.Fatalf("corrected: %+v", c)
	}
	kid := got(app.CreateSubject(ctx, client.NewSubject{ExternalID: "flagged"})).must(t)
	if c := got(app.ReportAge(ctx, kid.ID)).must(t); c.Below == "" || c.Subject == nil || !c.Subject.BelowMinimumAge {
		t.Fatalf("age report: %+v", c)
	}
	h := got(legal.CreateHold(ctx, client.NewHold{Subject: sub, Reason: "pending claim"})).must(t)
	if hs := got(legal.ListHolds(ctx, false)).must(t); len(hs) != 1 || hs[0].ID != h.ID {
		t.Fatalf("holds: %+v", hs)
	}
	_, err := app.EraseSubject(ctx, sub)
	wantCode(t, err, client.ECONFLICT)
	got(legal.ReleaseHold(ctx, h.ID)).must(t)
}
