package blackbox

import (
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// attestScenario runs a server that keeps every promise: people with
// values, a consent-based read with consent, a disclosure to a declared
// processor, staff with a second factor. It returns the stopped server's
// data folder.
func attestScenario(t *testing.T) (data string, keysFile string) {
	s := start(t, testdb.Backends()[0], "--policy", examplePolicy(t, "content-studio.yaml"))
	ctx := s.ctx()
	c := s.api(s.appKey(strings.Fields(shareScopes)...))
	sub := got(c.CreateSubject(ctx, client.NewSubject{ExternalID: "attested"})).must(t)
	if err := c.PutRecord(ctx, sub.ID, "user.content.prompt", "a lighthouse at dusk"); err != nil {
		t.Fatal(err)
	}
	expect(t, s.do("PUT", "/v1/subjects/"+sub.ID+"/data/user.device.ip_address", s.Key, map[string]any{"value": "203.0.113.9"}), 204)
	got(c.Disclose(ctx, sub.ID, client.NewDisclosure{Processor: "quill-text", Purpose: "essential.service.generation",
		Categories: []string{"user.content.prompt"}})).must(t)
	expect(t, s.do("GET", "/v1/subjects/"+sub.ID+"/data?purpose=essential.service.generation", s.Key, nil), 200)
	// A read under a consent purpose, with the consent on record.
	expect(t, s.do("PUT", "/v1/subjects/"+sub.ID+"/data/user.behavior.browsing_history", s.Key, map[string]any{"value": "templates"}), 204)
	expect(t, s.do("POST", "/v1/subjects/"+sub.ID+"/consents", s.Key, consentBody("personalize.content", "", true)), 201)
	expect(t, s.do("GET", "/v1/subjects/"+sub.ID+"/data/user.behavior.browsing_history?purpose=personalize.content", s.Key, nil), 200)
	// A file, kept within its limits.
	got(c.UploadFile(ctx, sub.ID, client.Upload{Category: "user.content.prompt"}, strings.NewReader("a sketch"))).must(t)
	// A rights request, open within its deadline.
	expect(t, s.do("POST", "/v1/requests", s.Key, map[string]any{"type": "access", "subject": map[string]any{"id": sub.ID},
		"jurisdiction": "gdpr", "verified_by": "application"}), 201)
	// Requests are logged: the request log has entries to attest.
	att := got(s.api(s.Key).Attestation(ctx, 0)).must(t)
	rep := got(att.Decode()).must(t)
	for _, l := range rep.Lines {
		if l.Status == "broken" {
			t.Fatalf("a clean scenario attests %s broken: %s %v", l.Promise, l.Evidence, l.Breaking)
		}
	}
	keys := s.do("GET", "/v1/audit/public-key", "", nil)
	keysFile = filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(keysFile, keys.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	signed, _ := json.Marshal(att)
	signedFile := filepath.Join(t.TempDir(), "attestation.json")
	if err := os.WriteFile(signedFile, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := runCLI(t, "attest", "verify", "--public-keys", keysFile, signedFile); code != 0 || !strings.Contains(out, "OK, signature valid") {
		t.Fatalf("attest verify: %d\n%s", code, out)
	}
	// One byte changed: the signature fails.
	tampered := strings.Replace(string(signed), `"report":"`, `"report":"x`, 1)
	if err := os.WriteFile(signedFile, []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, code := runCLI(t, "attest", "verify", "--public-keys", keysFile, signedFile); code == 0 {
		t.Fatal("a changed attestation verifies")
	}
	s.stop()
	return s.Data, keysFile
}

// TestAttestationKeptAndBroken: a scenario that keeps every promise
// attests clean (`steward attest`, exit 0, signed); each promise broken by
// writing to the database directly attests broken, naming what breaks it
// (exit 1).
func TestAttestationKeptAndBroken(t *testing.T) {
	data, keysFile := attestScenario(t)
	rep, code, _ := attestCLI(t, data, keysFile)
	if code != 0 || rep.Broken != 0 {
		t.Fatalf("clean scenario: exit %d, %+v", code, rep)
	}
	for _, c := range []struct {
		promise, sql string
	}{
		{"encryption_at_rest", `UPDATE records SET sealed = X'7468652076616c756520696e20636c656172' WHERE category = 'user.content.prompt'`},
		{"retention", `UPDATE records SET updated_at = 0 WHERE category = 'user.device.ip_address'`},
		// A ledger row naming a processor the policy does not declare
		// (the server's recent rows are its audit events: changing one
		// would break the chain instead).
		{"processors", `INSERT INTO disclosures (id, tenant_id, subject_id, processor, purpose, categories, files, text,
			policy_version, retention, obligations, at) SELECT 'dsc_rogue', tenant_id, id, 'rogue-ai', 'essential.service.generation',
			'user.content.prompt', '', 0, (SELECT max(version) FROM policy_versions), 'not-retained', '', CAST(strftime('%s', 'now') AS INTEGER) * 1000000 FROM subjects LIMIT 1`},
		{"request_logs", `UPDATE request_log SET at = 0`},
		{"consent", `DELETE FROM consents`},
		{"audit_chain", `UPDATE audit_events SET action = 'record.write' WHERE seq = 3`},
		{"rights", `UPDATE rights_requests SET deadline = 1, due_at = 1`},
		{"ephemeral_files", `UPDATE files SET ephemeral = 1, created_at = 0`},
	} {
		t.Run(c.promise, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if out, err := exec.Command("cp", "-r", data, dir).CombinedOutput(); err != nil {
				t.Fatalf("copy: %v %s", err, out)
			}
			db, err := sql.Open("sqlite", filepath.Join(dir, "steward.db"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(c.sql); err != nil {
				t.Fatal(err)
			}
			db.Close()
			rep, code, out := attestCLI(t, dir, keysFile)
			if code != 1 {
				t.Fatalf("exit %d; want 1\n%s", code, out)
			}
			for _, l := range rep.Lines {
				if (l.Status == "broken") != (l.Promise == c.promise) {
					t.Errorf("%s: %s (%s %v)", l.Promise, l.Status, l.Evidence, l.Breaking)
				}
			}
		})
	}
}

// attestCLI runs `steward attest` on a data folder and verifies its signed
// report.
func attestCLI(t *testing.T, data, keysFile string) (*client.Attestation, int, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(binary, "attest", "--data", data, "--since", "24h", "--out", out, "--policy", "")
	cmd.Env = append(os.Environ(), "STEWARD_DATA=")
	msg, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	b, rerr := os.ReadFile(out)
	if rerr != nil {
		t.Fatalf("no report (exit %d): %s", code, msg)
	}
	var signed client.SignedAttestation
	if err := json.Unmarshal(b, &signed); err != nil {
		t.Fatal(err)
	}
	if v, c := runCLI(t, "attest", "verify", "--public-keys", keysFile, out); c != 0 {
		t.Fatalf("the CLI's report does not verify: %s", v)
	}
	return got(signed.Decode()).must(t), code, string(msg)
}

// TestAttestationIncidents: a breach the tenant became aware of 100 hours
// ago and never notified breaks the incidents promise; notifying the
// regulator with the reasons for the delay keeps it.
func TestAttestationIncidents(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	aware := time.Now().Add(-100 * time.Hour).UTC().Format(time.RFC3339)
	r := s.do("POST", "/v1/incidents", s.Key, map[string]any{"aware_at": aware, "summary": "a laptop was lost",
		"categories": []string{"user.contact.email"}, "risk": "low", "consequences": "none likely", "measures": "remote wipe"})
	expect(t, r, 201)
	id := r.JSON(t)["id"].(string)
	line := func() client.AttestationLine {
		rep := got(got(s.api(s.Key).Attestation(s.ctx(), 0)).must(t).Decode()).must(t)
		for _, l := range rep.Lines {
			if l.Promise == "incidents" {
				return l
			}
		}
		t.Fatal("no incidents line")
		return client.AttestationLine{}
	}
	if l := line(); l.Status != "broken" || len(l.Breaking) != 1 || l.Breaking[0] != id {
		t.Fatalf("an unnotified overdue incident: %+v", l)
	}
	expect(t, s.do("POST", "/v1/incidents/"+id+"/status", s.Key, map[string]any{"status": "regulator_notified",
		"delay_reasons": "the loss was reported late by the employee"}), 200)
	if l := line(); l.Status != "kept" {
		t.Fatalf("notified late with reasons: %+v", l)
	}
}
