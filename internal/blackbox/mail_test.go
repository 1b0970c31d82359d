package blackbox

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/mailpit"
	"github.com/steward-privacy/steward/internal/testdb"
)

// TestBreachNoticeByEmail: a high-risk incident's notice reaches each
// affected person with an email on file through a real SMTP server
// (Mailpit), once, naming nobody else; the incident then says so.
func TestBreachNoticeByEmail(t *testing.T) {
	mp := mailpit.FromEnv(t)
	s := start(t, testdb.Backends()[0], "--smtp-url", mp.SMTP+"?tls=none", "--mail-from", "privacy@steward.test", "--job-interval", "1s")
	app := s.appKey("records:write", "records:read")
	stamp := time.Now().Format("150405.000")
	a := "breach-a-" + stamp + "@example.org"
	b := "breach-b-" + stamp + "@example.org"
	subA := s.subject(app, map[string]any{"external_id": "breach-a-" + stamp, "email": a})
	s.subject(app, map[string]any{"external_id": "breach-b-" + stamp, "email": b})
	expect(t, s.do("PUT", "/v1/subjects/"+subA+"/data/user.contact.email", app, map[string]any{"value": a}), 204)
	r := s.do("POST", "/v1/incidents", s.Key, map[string]any{"aware_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"summary": "a backup disk was lost", "categories": []string{"user.contact.email"}, "risk": "high",
		"consequences": "phishing", "measures": "the disk was encrypted"})
	expect(t, r, 201)
	id := r.JSON(t)["id"].(string)
	expect(t, s.do("POST", "/v1/incidents/"+id+"/status", s.Key, map[string]any{"status": "regulator_notified"}), 200)
	expect(t, s.do("POST", "/v1/incidents/"+id+"/notify-subjects", s.Key, nil), 202)
	got := mp.WaitFor(t, a, 1)
	if !strings.Contains(got[0].Text, "a backup disk was lost") || strings.Contains(got[0].Text, b) {
		t.Fatalf("notice: %+v", got[0])
	}
	if n := len(mp.Messages(t, b)); n != 0 {
		t.Fatalf("%d notices reached a person not affected", n)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if st := s.do("GET", "/v1/incidents/"+id, s.Key, nil).JSON(t)["status"]; st == "subjects_notified" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("incident status %v after the notices", st)
		}
	}
	if n := len(mp.Messages(t, a)); n != 1 {
		t.Fatalf("%d notices to one person", n)
	}
}

// codeIn returns the 6-digit code of the message about request id among
// msgs.
func codeIn(t *testing.T, msgs []mailpit.Message, id string) string {
	t.Helper()
	for _, m := range msgs {
		if !strings.Contains(m.Text, id) {
			continue
		}
		if c := codeLine.FindStringSubmatch(m.Text); c != nil {
			return c[1]
		}
		t.Fatalf("no code in the message of %s: %q", id, m.Text)
	}
	t.Fatalf("no message about %s among %d", id, len(msgs))
	return ""
}

// TestRequestCodeByEmail: identity verification by a one-time code mailed
// through a real SMTP server (Mailpit) to the address on file. Five wrong
// codes lock the request: the right code then fails too (problem+json),
// until a new one is sent; a code of another request fails; the right code
// verifies the request, which runs and completes; a code for a completed
// request is refused. No code and no address reaches the server's output.
func TestRequestCodeByEmail(t *testing.T) {
	mp := mailpit.FromEnv(t)
	s := start(t, testdb.Backends()[0], "--smtp-url", mp.SMTP+"?tls=none", "--mail-from", "privacy@steward.test", "--job-interval", "1s")
	app := s.appKey("records:read", "records:write", "consents:read", "consents:write", "requests:write")
	stamp := strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	email := "code-person-" + stamp + "@example.org"
	sub := s.subject(app, map[string]any{"external_id": "code-person-" + stamp, "email": email})
	create := func(typ string) string {
		t.Helper()
		r := s.do("POST", "/v1/requests", app, map[string]any{"type": typ, "subject": map[string]any{"id": sub}})
		expect(t, r, 201)
		body := r.JSON(t)
		if body["status"] != "unverified" {
			t.Fatalf("created: %v", body)
		}
		return body["id"].(string)
	}
	verify := func(id, code string) *response {
		t.Helper()
		return s.do("POST", "/v1/requests/"+id+"/verify", "", map[string]any{"code": code})
	}
	problem := func(r *response, status int, what string) {
		t.Helper()
		expect(t, r, status)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("%s: %d %s %s", what, r.Status, ct, r.Body)
		}
	}

	locked, other, good := create("access"), create("access"), create("consent_withdrawal")
	msgs := mp.WaitFor(t, email, 3)
	for _, m := range msgs {
		if len(m.To) != 1 || m.To[0] != email {
			t.Fatalf("a code went elsewhere: %+v", m.To)
		}
	}
	lockedCode, otherCode, goodCode := codeIn(t, msgs, locked), codeIn(t, msgs, other), codeIn(t, msgs, good)
	if lockedCode == otherCode || otherCode == goodCode {
		t.Skip("two requests drew the same code (one chance in a million)")
	}

	// Five wrong codes lock the request: the right one then fails too.
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, lockedCode)+1)%1_000_000)
	for i := range 5 {
		problem(verify(locked, wrong), 400, fmt.Sprintf("wrong code %d", i+1))
	}
	problem(verify(locked, lockedCode), 409, "the right code after five wrong ones")
	if st := s.do("GET", "/v1/requests/"+locked, app, nil).JSON(t)["status"]; st != "unverified" {
		t.Fatalf("locked request: %v", st)
	}

	// A code of another request fails (and uses an attempt of this one).
	problem(verify(good, otherCode), 400, "a code of another request")
	r := verify(good, goodCode)
	expect(t, r, 200)
	if st := r.JSON(t)["status"]; st != "verified" && st != "in_progress" {
		t.Fatalf("verified: %s", r.Body)
	}
	done := s.waitStatus(t, app, good, "completed")
	if done["verified_by"] != "email_code" {
		t.Fatalf("completed: %v", done)
	}
	// A code for a completed request is refused; the request stays as it is.
	problem(verify(good, goodCode), 409, "a code for a completed request")
	if st := s.do("GET", "/v1/requests/"+good, app, nil).JSON(t)["status"]; st != "completed" {
		t.Fatalf("after a late code: %v", st)
	}

	s.stop()
	out := s.stdout.String() + s.stderr.String()
	for _, secret := range []string{email, lockedCode, otherCode, goodCode, wrong} {
		if strings.Contains(out, secret) {
			t.Errorf("%q appears in the server's output", secret)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
