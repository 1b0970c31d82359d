package blackbox

import (
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// The seed policies' promises about consent and sharing, driven through the
// real binary with each example policy (examples/*.yaml), not through the
// Decider alone. One test per example; each promise is quoted in words of
// the example's notice. Other black-box tests go deeper into single rules
// (TestConsentLedger, TestConsentGPC, TestDisclosureGate,
// TestDisclosureResidency, TestReconsentAfterMaterialChange); these show
// that each example's own promises hold end to end.

// examplePromises starts a server with an example policy and returns it
// and an application key that may read, write, consent and disclose.
func examplePromises(t *testing.T, b testdb.Backend, example string, extra ...string) (*server, string) {
	t.Helper()
	s := start(t, b, append([]string{"--policy", examplePolicy(t, example)}, extra...)...)
	key := s.appKey(append(strings.Fields(shareScopes), "consents:read", "consents:write")...)
	return s, key
}

// holds stores a value of a category for a subject.
func (s *server) holds(key, subject, category string, value any) {
	s.t.Helper()
	expect(s.t, s.do("PUT", "/v1/subjects/"+subject+"/data/"+category, key, map[string]any{"value": value}), 204)
}

// obliged checks an allowed disclosure names an obligation.
func obliged(t *testing.T, r *response, obligation string) map[string]any {
	t.Helper()
	expect(t, r, 200)
	d := r.JSON(t)
	obl, _ := d["obligations"].([]any)
	if !slices.Contains(obl, any(obligation)) {
		t.Fatalf("disclosure lacks obligation %s: %s", obligation, r.Body)
	}
	return d
}

// TestAdAssetStudioPromises (the starter policy): "we send your prompts and
// product images to our AI model partners only with your explicit consent",
// "you may revoke permission for downstream AI processing at any time",
// "our partners may not train on your data", "never used to train".
func TestAdAssetStudioPromises(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s, key := examplePromises(t, b, "ad-asset-studio.yaml")
		id := s.subject(key, map[string]any{"external_id": "brand-owner"})
		s.holds(key, id, "user.content.prompt", "a red sneaker on a beach")
		send := map[string]any{"processor": "kestrel-video", "purpose": "essential.service.generation",
			"categories": []string{"user.content.prompt"}}
		deniedNoLeak(t, s.disclose(key, id, send), "consent_required")
		consents := "/v1/subjects/" + id + "/consents"
		expect(t, s.do("POST", consents, key, consentBody("essential.service.generation", "", true)), 201)
		d := obliged(t, s.disclose(key, id, send), "no_training")
		if d["values"].([]any)[0].(map[string]any)["value"] != "a red sneaker on a beach" {
			t.Fatalf("the consented prompt did not leave as stored: %v", d["values"])
		}
		// Revoked: nothing more leaves, at once.
		expect(t, s.do("POST", consents, key, map[string]any{"purpose": "essential.service.generation", "granted": false, "channel": "app"}), 201)
		deniedNoLeak(t, s.disclose(key, id, send), "consent_withdrawn")
		// Never trained on, consent or not.
		denied(t, s.do("GET", "/v1/subjects/"+id+"/data/user.content.prompt?purpose=train_ai_system", key, nil), "prohibited")
		if n := len(s.ledger(key, id)); n != 1 {
			t.Fatalf("ledger: %d disclosures; want the one consented", n)
		}
	})
}

// TestContentStudioPromises: "personalisation only with your consent",
// "marketing email only with your consent, and Global Privacy Control stops
// it", "our AI providers receive your prompts, never your contact details,
// and may not keep or train on them".
func TestContentStudioPromises(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s, key := examplePromises(t, b, "content-studio.yaml")
		id := s.subject(key, map[string]any{"external_id": "creator"})
		s.holds(key, id, "user.behavior", map[string]any{"styles": []string{"watercolour"}})
		s.holds(key, id, "user.contact.email", canaryEmail)
		s.holds(key, id, "user.content.prompt", "a lighthouse at dusk")
		personal := "/v1/subjects/" + id + "/data/user.behavior?purpose=personalize.content"
		consents := "/v1/subjects/" + id + "/consents"
		denied(t, s.do("GET", personal, key, nil), "consent_required")
		expect(t, s.do("POST", consents, key, consentBody("personalize.content", "", true)), 201)
		expect(t, s.do("GET", personal, key, nil), 200)

		mail := "/v1/subjects/" + id + "/data/user.contact.email?purpose=marketing.communications.email"
		denied(t, s.do("GET", mail, key, nil), "consent_required")
		expect(t, s.do("POST", consents, key, consentBody("marketing.communications.email", "", true)), 201)
		expect(t, s.do("GET", mail, key, nil), 200)
		expect(t, s.do("POST", "/v1/subjects/"+id+"/signals", key, map[string]any{"gpc": true}), 201)
		denied(t, s.do("GET", mail, key, nil), "gpc_opt_out")
		expect(t, s.do("GET", personal, key, nil), 200) // GPC is about sale, sharing and ads, not personalisation

		send := map[string]any{"processor": "quill-text", "purpose": "essential.service.generation"}
		send["categories"] = []string{"user.content.prompt"}
		obliged(t, s.disclose(key, id, send), "no_training")
		send["categories"] = []string{"user.contact.email"}
		deniedNoLeak(t, s.disclose(key, id, send), "processor_category_not_allowed")
	})
}

// TestEnterpriseWorkspacePromises: "your data stays in the region you
// choose", "payment details go only to our payment provider, in the US and
// EU", "nothing else reaches it".
func TestEnterpriseWorkspacePromises(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s, key := examplePromises(t, b, "enterprise-workspace.yaml")
		expect(t, s.do("POST", "/v1/subjects", key, map[string]any{"external_id": "nowhere", "region": "mars"}), 400)
		eu := s.subject(key, map[string]any{"external_id": "eu-member", "region": "eu"})
		s.holds(key, eu, "user.payment", map[string]any{"last4": "4242"})
		s.holds(key, eu, "user.content.prompt", "quarterly plan")
		pay := map[string]any{"processor": "tollgate", "purpose": "essential.service.payment_processing",
			"categories": []string{"user.payment"}}
		expect(t, s.do("POST", "/v1/subjects/"+eu+"/disclosures", key, pay), 200)
		pay["categories"] = []string{"user.content.prompt"}
		deniedNoLeak(t, s.disclose(key, eu, pay), "processor_category_not_allowed")
	})
}

// TestImageAPIPromises: "images go only to our hosting provider, from the
// EU under standard contractual clauses, and it may not train on them",
// "payment details go only to our payment provider", "we train only on
// aggregated data, never on one person's images".
func TestImageAPIPromises(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s, key := examplePromises(t, b, "image-api.yaml", "--region", "eu")
		id := s.subject(key, map[string]any{"external_id": "api-user"})
		file := s.upload(key, id, "user.content.self_image", false, []byte("\x89PNG a face"))["id"].(string)
		s.holds(key, id, "user.payment", map[string]any{"last4": "4242"})
		host := map[string]any{"processor": "nimbus", "purpose": "essential.service", "files": []string{file}}
		d := obliged(t, s.disclose(key, id, host), "no_training")
		if links, _ := d["files"].([]any); len(links) != 1 {
			t.Fatalf("the image did not leave as a one-time link: %v", d)
		}
		pay := map[string]any{"processor": "tollgate", "purpose": "essential.service", "files": []string{file}}
		deniedNoLeak(t, s.disclose(key, id, pay), "processor_purpose_not_allowed")
		pay = map[string]any{"processor": "tollgate", "purpose": "essential.service.payment_processing",
			"categories": []string{"user.payment"}}
		expect(t, s.disclose(key, id, pay), 200)
		denied(t, s.do("GET", "/v1/files/"+file+"?purpose=train_ai_system", key, nil), "aggregate_only")
	})
}

// TestVideoSearchAPIPromises: "analytics cookies only with your consent,
// turned off at any time", "queries used to improve our models have personal
// data removed first, and no person reads them".
func TestVideoSearchAPIPromises(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s, key := examplePromises(t, b, "video-search-api.yaml")
		id := s.subject(key, map[string]any{"external_id": "developer"})
		s.holds(key, id, "user.device.cookie_id", "ga-1.2.3")
		s.holds(key, id, "user.content.search_query", "keynotes by "+canaryName+" "+canaryEmail)
		cookies := "/v1/subjects/" + id + "/data/user.device.cookie_id?purpose=analytics.reporting"
		consents := "/v1/subjects/" + id + "/consents"
		denied(t, s.do("GET", cookies, key, nil), "consent_required")
		expect(t, s.do("POST", consents, key, consentBody("analytics.reporting", "", true)), 201)
		expect(t, s.do("GET", cookies, key, nil), 200)
		expect(t, s.do("POST", consents, key, map[string]any{"purpose": "analytics.reporting", "granted": false, "channel": "web"}), 201)
		denied(t, s.do("GET", cookies, key, nil), "consent_withdrawn")

		r := s.do("GET", "/v1/subjects/"+id+"/data/user.content.search_query?purpose=train_ai_system", key, nil)
		expect(t, r, 200)
		if l := leaks(r.Body); len(l) > 0 || !strings.Contains(string(r.Body), "keynotes by") {
			t.Fatalf("a query read for training carries %v: %s", l, r.Body)
		}
	})
}
