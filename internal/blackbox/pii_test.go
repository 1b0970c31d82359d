package blackbox

import (
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// TestPIIOverHTTP: scan, redact, pseudonymize and re-identify through the
// binary; the mapping is stored only sealed and nothing reaches the logs.
func TestPIIOverHTTP(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey("pii:use")
	text := "Email jane.canary@example.org or call +44 20 7946 0958 about card 4111 1111 1111 1111."
	r := s.do("POST", "/v1/pii/scan", key, map[string]any{"text": text, "operator": "replace"})
	expect(t, r, 200)
	out := r.JSON(t)
	redacted := out["text"].(string)
	if strings.Contains(redacted, "jane.canary") || strings.Contains(redacted, "4111") || !strings.Contains(redacted, "<EMAIL_ADDRESS>") {
		t.Fatalf("redacted text: %q", redacted)
	}
	if len(out["entities"].([]any)) < 3 {
		t.Fatalf("entities: %s", r.Body)
	}
	expect(t, s.do("POST", "/v1/pii/scan", key, map[string]any{"text": text, "operator": "explode"}), 400)
	expect(t, s.do("POST", "/v1/pii/scan", key, map[string]any{"text": text, "entities": []string{"NOPE"}}), 400)
	expect(t, s.do("POST", "/v1/pii/scan", s.appKey("records:read"), map[string]any{"text": text}), 403)

	r = s.do("POST", "/v1/pii/pseudonymize", key, map[string]any{"conversation_id": "c1", "text": text})
	expect(t, r, 200)
	pseudo := r.JSON(t)["text"].(string)
	if strings.Contains(pseudo, "jane.canary") || !strings.Contains(pseudo, "<EMAIL_ADDRESS_1>") {
		t.Fatalf("pseudonymized: %q", pseudo)
	}
	answer := "I will write to <EMAIL_ADDRESS_1> today."
	r = s.do("POST", "/v1/pii/reidentify", key, map[string]any{"conversation_id": "c1", "text": answer})
	expect(t, r, 200)
	if got := r.JSON(t)["text"].(string); got != "I will write to jane.canary@example.org today." {
		t.Fatalf("reidentified: %q", got)
	}
	// Another tenant cannot re-identify this conversation.
	other := s.do("POST", "/v1/tenants", s.Key, map[string]any{"name": "Other", "home_region": "us"})
	otherAdmin := other.JSON(t)["admin_key"].(map[string]any)["secret"].(string)
	ok := s.do("POST", "/v1/apikeys", otherAdmin, map[string]any{"name": "p", "scopes": []string{"pii:use"}})
	otherKey := ok.JSON(t)["secret"].(string)
	expect(t, s.do("POST", "/v1/pii/reidentify", otherKey, map[string]any{"conversation_id": "c1", "text": answer}), 404)
	expect(t, s.do("POST", "/v1/pii/reidentify", key, map[string]any{"conversation_id": "", "text": answer}), 400)
	s.stop()
	scanFolder(t, s.Data, map[string]string{"email": "jane.canary", "phone": "7946 0958", "card": "4111 1111"})
	if strings.Contains(s.stderr.String(), "jane.canary") {
		t.Fatal("scanned text reached the logs")
	}
}
