package blackbox

import (
	"fmt"
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

// emailRun returns count distinct addresses numbered from first, separated
// by spaces.
func emailRun(first, count int) string {
	var b strings.Builder
	for i := first; i < first+count; i++ {
		fmt.Fprintf(&b, "u%d@example.org ", i)
	}
	return b.String()
}

// TestPIIPseudonymizeBounds: placeholders numbered 10 and above are restored
// or reported; a text over 256 KiB is refused with 413 too_large; a
// conversation maps at most 20,000 distinct values, and the request that
// would exceed it is refused and changes nothing.
func TestPIIPseudonymizeBounds(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey("pii:use")
	r := s.do("POST", "/v1/pii/pseudonymize", key, map[string]any{"conversation_id": "big", "text": emailRun(1, 12)})
	expect(t, r, 200)
	answer := "Write to <EMAIL_ADDRESS_10> and [EMAIL_ADDRESS_12], not <EMAIL_ADDRESS_13> or <EMAIL_ADDRESS_100000000000>."
	r = s.do("POST", "/v1/pii/reidentify", key, map[string]any{"conversation_id": "big", "text": answer})
	expect(t, r, 200)
	out := r.JSON(t)
	if got := out["text"]; got != "Write to u10@example.org and u12@example.org, not <EMAIL_ADDRESS_13> or <EMAIL_ADDRESS_100000000000>." {
		t.Errorf("reidentified: %q", got)
	}
	if un := out["unresolved"].([]any); len(un) != 2 || un[0].(map[string]any)["placeholder"] != "<EMAIL_ADDRESS_13>" {
		t.Errorf("unresolved: %s", r.Body)
	}

	r = s.do("POST", "/v1/pii/pseudonymize", key, map[string]any{"conversation_id": "huge", "text": strings.Repeat("a", 256<<10+1)})
	expect(t, r, 413)
	if code := r.JSON(t)["code"]; code != "too_large" {
		t.Errorf("code = %v; want too_large", code)
	}

	expect(t, s.do("POST", "/v1/pii/pseudonymize", key, map[string]any{"conversation_id": "full", "text": emailRun(1, 12000)}), 200)
	r = s.do("POST", "/v1/pii/pseudonymize", key, map[string]any{"conversation_id": "full", "text": emailRun(12001, 12000)})
	expect(t, r, 413)
	if strings.Contains(string(r.Body), "example.org") {
		t.Errorf("the error names a value: %s", r.Body)
	}
	r = s.do("POST", "/v1/pii/reidentify", key, map[string]any{"conversation_id": "full", "text": "<EMAIL_ADDRESS_12000> <EMAIL_ADDRESS_12001>"})
	expect(t, r, 200)
	if got := r.JSON(t)["text"]; got != "u12000@example.org <EMAIL_ADDRESS_12001>" {
		t.Errorf("after the refused request: %q", got)
	}
	s.stop()
}
