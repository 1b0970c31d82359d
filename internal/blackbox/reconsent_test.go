package blackbox

import (
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// TestReconsentAfterMaterialChange: consents given under one policy version
// stop counting when a later version changes their purpose materially, and
// count again once given anew; a consent that names a processor the change
// left alone keeps counting. Through the real binary: start on v1, grant,
// restart on v2 (a processor of the consent-based generation purpose now
// receives more categories), read.
func TestReconsentAfterMaterialChange(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		ps := newPolicyServer(t, b)
		v1, v2 := examplePolicy(t, "ad-asset-studio.yaml"), examplePolicy(t, "ad-asset-studio.yaml", starterV2...)

		s := ps.start(v1)
		key := s.appKey("records:read", "records:write", "consents:read", "consents:write")
		id, read := s.consentSubject(key, "user.content.prompt", "a red sneaker on a beach")
		gen := read + "?purpose=essential.service.generation"
		consents := "/v1/subjects/" + id + "/consents"
		expect(t, s.do("POST", consents, key, consentBody("essential.service.generation", "", true)), 201)
		expect(t, s.do("POST", consents, key, consentBody("essential.service.generation", "lumen-prompt", true)), 201)
		expect(t, s.do("GET", gen, key, nil), 200)
		s.stop()

		s = ps.start(v2)
		if p := policyOf(t, s); p.Version != "2026-06" {
			t.Fatalf("v2 not in force: %s", p.Version)
		}
		denied(t, s.do("GET", gen, key, nil), "consent_stale")
		r := s.do("GET", consents, key, nil)
		expect(t, r, 200)
		list := r.JSON(t)["consents"].([]any)
		if len(list) != 2 {
			t.Fatalf("consent state: %s; want the purpose-wide and the lumen-prompt consents", r.Body)
		}
		for _, c := range list {
			c := c.(map[string]any)
			switch c["processor"] {
			case nil:
				if c["effective"] != false || c["reason"] != "policy_changed" {
					t.Errorf("the purpose-wide consent under v1: %v; want not effective, policy_changed", c)
				}
			case "lumen-prompt":
				if c["effective"] != true {
					t.Errorf("the consent naming an unchanged processor: %v; want effective", c)
				}
			}
		}
		// Given again under v2, it counts again.
		grant := s.do("POST", consents, key, consentBody("essential.service.generation", "", true))
		expect(t, grant, 201)
		if g := grant.JSON(t); g["policy_version"] != "2026-06" || g["effective"] != true {
			t.Fatalf("re-consent: %s", grant.Body)
		}
		expect(t, s.do("GET", gen, key, nil), 200)
	})
}
