package blackbox

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// auditEvent is one event of GET /v1/audit with the fields these tests
// check.
type auditEvent struct {
	Actor    string   `json:"actor"`
	Action   string   `json:"action"`
	Target   string   `json:"target"`
	Decision string   `json:"decision"`
	Reasons  []string `json:"reasons"`
}

// actionEvents returns the events of an action in the key's tenant.
func (s *server) actionEvents(key, action string) []auditEvent {
	s.t.Helper()
	r := s.do("GET", "/v1/audit?limit=1000&action="+action, key, nil)
	expect(s.t, r, 200)
	var p struct {
		Events []auditEvent `json:"events"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		s.t.Fatal(err)
	}
	return p.Events
}

// TestLeastPrivilege: a key grants and revokes only what it holds; admin
// holds no dedicated scope; the last key that can create tenants stays;
// every grant, revocation and refusal is audited.
func TestLeastPrivilege(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	admin := s.appKey("admin")
	auditor := s.appKey("audit:read")

	// admin cannot mint the dedicated scopes it does not hold.
	for _, sc := range []string{"secrets:read", "tenants:write"} {
		expect(t, s.do("POST", "/v1/apikeys", admin, map[string]any{"name": "x", "scopes": []string{sc}}), 403)
	}
	r := s.do("POST", "/v1/apikeys", admin, map[string]any{"name": "reader", "scopes": []string{"records:read"}})
	expect(t, r, 201)
	reader := r.JSON(t)["id"].(string)
	// The bootstrap key holds secrets:read and can grant it.
	r = s.do("POST", "/v1/apikeys", s.Key, map[string]any{"name": "vault-reader", "scopes": []string{"secrets:read"}})
	expect(t, r, 201)
	secretsKey := r.JSON(t)["id"].(string)

	// Revocation: not a key with scopes the caller lacks.
	expect(t, s.do("DELETE", "/v1/apikeys/"+secretsKey, admin, nil), 403)
	keys := s.do("GET", "/v1/apikeys", s.Key, nil)
	var list struct {
		Keys []struct {
			ID     string   `json:"id"`
			Scopes []string `json:"scopes"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(keys.Body, &list); err != nil {
		t.Fatal(err)
	}
	var bootstrap string
	for _, k := range list.Keys {
		if slices.Contains(k.Scopes, "tenants:write") {
			bootstrap = k.ID
		}
	}
	expect(t, s.do("DELETE", "/v1/apikeys/"+bootstrap, admin, nil), 403)
	// The last key that can create tenants cannot be revoked...
	expect(t, s.do("DELETE", "/v1/apikeys/"+bootstrap, s.Key, nil), 409)
	expect(t, s.do("DELETE", "/v1/apikeys/"+reader, admin, nil), 204)
	// ...until another exists.
	r = s.do("POST", "/v1/apikeys", s.Key, map[string]any{"name": "operator-2", "scopes": []string{"admin", "secrets:read", "tenants:write"}})
	expect(t, r, 201)
	operator2 := r.JSON(t)["secret"].(string)
	expect(t, s.do("DELETE", "/v1/apikeys/"+bootstrap, operator2, nil), 204)

	// A new tenant's first key holds admin and secrets:read.
	r = s.do("POST", "/v1/tenants", operator2, map[string]any{"name": "acme", "home_region": "us"})
	expect(t, r, 201)
	first := r.JSON(t)["admin_key"].(map[string]any)["scopes"]
	if got, _ := json.Marshal(first); string(got) != `["admin","secrets:read"]` {
		t.Fatalf("first key of a new tenant holds %s", got)
	}

	// Audited: grants (with their scopes), refusals and revocations, by id.
	creates := s.actionEvents(auditor, "apikey.create")
	var denied, granted int
	for _, e := range creates {
		switch e.Decision {
		case "deny":
			denied++
		case "allow":
			granted++
			if e.Target == "" || !strings.HasPrefix(e.Reasons[0], "scope:") {
				t.Fatalf("apikey.create event without target or scopes: %+v", e)
			}
		}
	}
	if denied != 2 || granted < 5 {
		t.Fatalf("apikey.create events: %d denied, %d granted; want 2 and at least 5: %+v", denied, granted, creates)
	}
	revokes := s.actionEvents(auditor, "apikey.revoke")
	var revokedOK []string
	for _, e := range revokes {
		if e.Decision == "allow" {
			revokedOK = append(revokedOK, e.Target)
		}
	}
	slices.Sort(revokedOK)
	want := []string{bootstrap, reader}
	slices.Sort(want)
	if !slices.Equal(revokedOK, want) || len(revokes) != 5 {
		t.Fatalf("apikey.revoke events: %+v", revokes)
	}
	// The operator tenant's own creation at the first start, and acme's.
	if n := len(s.actionEvents(auditor, "tenant.create")); n != 2 {
		t.Fatalf("%d tenant.create events in the operator tenant; want 2", n)
	}
}

// TestRefusalsAreAuditedAggregated: failed authentications and refused
// calls leave events, one per origin and minute with a count, never the
// credential that was tried.
func TestRefusalsAreAuditedAggregated(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	auditor := s.appKey("audit:read")
	app := s.appKey("records:read")
	bad := "stw_" + strings.Repeat("A", 43)
	for range 5 {
		expect(t, s.do("GET", "/v1/whoami", bad, nil), 401)
		expect(t, s.do("GET", "/v1/audit", app, nil), 403)
		expect(t, s.do("GET", "/v1/subjects/sub_doesnotexist", app, nil), 404)
	}
	failed := s.actionEvents(auditor, "auth.failed")
	if len(failed) != 1 || failed[0].Reasons[1] != "count:1" || failed[0].Actor != "system:anonymous" ||
		failed[0].Target != "route:getWhoami" {
		t.Fatalf("auth.failed events: %+v", failed)
	}
	denied := s.actionEvents(auditor, "authz.denied")
	if len(denied) != 2 {
		t.Fatalf("authz.denied events: %+v; want one per route within the minute", denied)
	}
	raw := s.do("GET", "/v1/audit?limit=1000", auditor, nil)
	if strings.Contains(string(raw.Body), bad) || strings.Contains(string(raw.Body), "doesnotexist") {
		t.Fatal("the audit log holds a tried credential or path value")
	}
	if len(s.actionEvents(auditor, "server.start")) != 1 {
		t.Fatal("the start is not audited")
	}
}

// TestAuditHoldsOnlyCodes: what a caller types never reaches the audit log
// or an error: an undeclared purpose is recorded as "undeclared" (with a
// hash), a justification is a policy key invoked by staff only, and field
// names that are not the API's are not echoed.
func TestAuditHoldsOnlyCodes(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	app := s.appKey("records:read", "records:write")
	auditor := s.appKey("audit:read")
	sub := s.subject(app, map[string]any{"external_id": "codes-1"})
	expect(t, s.do("PUT", "/v1/subjects/"+sub+"/data/user.contact.email", app, map[string]any{"value": "x@example.org"}), 204)

	const personal = "jane.doe.1985-03-02"
	r := s.do("GET", "/v1/subjects/"+sub+"/data?purpose="+personal, app, nil)
	expect(t, r, 403)
	if strings.Contains(string(r.Body), personal) {
		t.Fatalf("the 403 echoes the purpose: %s", r.Body)
	}
	r = s.do("GET", "/v1/subjects/"+sub+"/data?purpose=essential.service&justification=John_Smith.DOB-1985-03-02", app, nil)
	expect(t, r, 403) // an application cannot read "for staff"
	if strings.Contains(string(r.Body), "John_Smith") {
		t.Fatalf("the error echoes the justification: %s", r.Body)
	}
	r = s.do("POST", "/v1/apikeys", s.Key, `{"name": "x", "scopes": ["records:read"], "jane.doe@example.org": 1}`)
	expect(t, r, 400)
	if strings.Contains(string(r.Body), "jane.doe") {
		t.Fatalf("the error echoes an unknown field name: %s", r.Body)
	}

	reads := s.actionEvents(auditor, "record.read")
	if len(reads) != 1 || reads[0].Decision != "deny" {
		t.Fatalf("record.read events: %+v", reads)
	}
	raw := s.do("GET", "/v1/audit?limit=1000", auditor, nil)
	for _, leak := range []string{personal, "John_Smith", "jane.doe"} {
		if strings.Contains(string(raw.Body), leak) {
			t.Fatalf("the audit log holds %q: %s", leak, raw.Body)
		}
	}
	if !strings.Contains(string(raw.Body), `"purpose":"undeclared"`) || !strings.Contains(string(raw.Body), "purpose_sha256:") {
		t.Fatalf("the undeclared purpose is not recorded as a code: %s", raw.Body)
	}
}
