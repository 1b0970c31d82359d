package blackbox

import (
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
