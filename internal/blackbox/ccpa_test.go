package blackbox

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
)

// awaitRequest polls a rights request until it leaves the open statuses
// and returns it.
func awaitRequest(t *testing.T, s *server, key, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		v := s.do("GET", "/v1/requests/"+id, key, nil).JSON(t)
		if st := v["status"]; st != "unverified" && st != "verified" && st != "in_progress" && st != "awaiting_approval" {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %s still %v", id, v["status"])
		}
	}
}

// TestCCPAOptOutOfSale: under the content studio policy (whose GPC uses
// include marketing communications), a CCPA opt-out of sale or sharing
// completes by itself and the person's marketing email, allowed before
// under their consent, is denied afterwards (objected), while the service
// itself still reads; a request to limit sensitive information completes
// too (the policy uses no sensitive category beyond the service).
func TestCCPAOptOutOfSale(t *testing.T) {
	s := start(t, testdb.Backends()[0], "--policy", "../../examples/content-studio.yaml")
	key := s.appKey("records:write", "records:read", "requests:write", "requests:verify", "consents:write")
	id := s.subject(key, map[string]any{"external_id": "ccpa-1"})
	expect(t, s.do("PUT", "/v1/subjects/"+id+"/data/user.contact.email", key, map[string]any{"value": "ccpa@example.org"}), 204)
	expect(t, s.do("POST", "/v1/subjects/"+id+"/consents", key, map[string]any{"purpose": "marketing.communications.email",
		"granted": true, "channel": "web", "proof": map[string]any{"notice_version": "2026-06", "form": "signup", "text_sha256": textHash}}), 201)
	read := func(purpose string) *response {
		return s.do("GET", "/v1/subjects/"+id+"/data/user.contact.email?purpose="+purpose, key, nil)
	}
	expect(t, read("marketing.communications.email"), 200)

	for _, typ := range []string{"opt_out_of_sale_or_sharing", "limit_sensitive"} {
		r := s.do("POST", "/v1/requests", key, map[string]any{"type": typ, "jurisdiction": "ccpa", "subject": map[string]any{"id": id},
			"verified_by": "application"})
		expect(t, r, 201)
		if v := awaitRequest(t, s, key, r.JSON(t)["id"].(string)); v["status"] != "completed" {
			t.Fatalf("%s: %v", typ, v)
		}
	}
	r := read("marketing.communications.email")
	if r.Status != 403 || !strings.Contains(string(r.Body), "objected") {
		t.Fatalf("marketing after the opt-out: %d %s", r.Status, r.Body)
	}
	expect(t, read("essential.service"), 200)
	sub := s.do("GET", "/v1/subjects/"+id, key, nil).JSON(t)
	if !strings.Contains(fmt.Sprint(sub["objections"]), "marketing.communications.email") {
		t.Fatalf("objections: %v", sub["objections"])
	}
}
