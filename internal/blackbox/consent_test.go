package blackbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/client"
	"github.com/steward-privacy/steward/internal/testdb"
)

// textHash is a SHA-256 in hex, as a consent proof carries it.
const textHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

var proof = map[string]any{"notice_version": "2026-05-21", "form": "settings.ai-partners", "text_sha256": textHash}

// consentBody is a POST /v1/subjects/{id}/consents body.
func consentBody(purpose, processor string, granted bool) map[string]any {
	b := map[string]any{"purpose": purpose, "granted": granted, "channel": "web", "proof": proof}
	if processor != "" {
		b["processor"] = processor
	}
	return b
}

// consentSubject makes a subject with one record of category.
func (s *server) consentSubject(key, category string, value any) (id, readPath string) {
	s.t.Helper()
	id = s.subject(key, map[string]any{"external_id": "person-" + time.Now().Format("150405.000000000")})
	readPath = "/v1/subjects/" + id + "/data/" + category
	expect(s.t, s.do("PUT", readPath, key, map[string]any{"value": value}), 204)
	return id, readPath
}

// denied checks a 403 names reason.
func denied(t *testing.T, r *response, reason string) {
	t.Helper()
	expect(t, r, 403)
	if !slices.Contains(reasons(t, r), reason) {
		t.Fatalf("denial lacks %s: %s", reason, r.Body)
	}
}

// history returns the number of consent decisions on record.
func (s *server) history(key, subject string) int {
	s.t.Helper()
	r := s.do("GET", "/v1/subjects/"+subject+"/consents?history=true", key, nil)
	expect(s.t, r, 200)
	h, _ := r.JSON(s.t)["history"].([]any)
	return len(h)
}

// TestConsentLedger: the starter policy's consent-based purpose
// (essential.service.generation) is denied without consent, allowed once
// granted, denied at once with consent_withdrawn after a withdrawal; the
// state and history say so; every write is audited without the proof; bad
// input is 400 naming the field and writes nothing; a receipt verifies with
// `steward consent verify-receipt` and with openssl, and a changed byte
// fails it.
func TestConsentLedger(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b)
		key := s.appKey("records:read", "records:write", "consents:read", "consents:write")
		id, read := s.consentSubject(key, "user.content.prompt", "a red sneaker on a beach")
		gen := read + "?purpose=essential.service.generation"
		consents := "/v1/subjects/" + id + "/consents"

		denied(t, s.do("GET", gen, key, nil), "consent_required")
		r := s.do("POST", consents, key, consentBody("essential.service.generation", "", true))
		expect(t, r, 201)
		grant := r.JSON(t)
		if !strings.HasPrefix(grant["id"].(string), "cns_") || grant["effective"] != true || grant["policy_version"] != "2026-05-21" ||
			grant["subject_id"] != id || grant["at"] == "" {
			t.Fatalf("recorded grant: %s", r.Body)
		}
		expect(t, s.do("GET", gen, key, nil), 200)

		r = s.do("POST", consents, key, map[string]any{"purpose": "essential.service.generation", "granted": false, "channel": "app"})
		expect(t, r, 201)
		if w := r.JSON(t); w["effective"] != false || w["reason"] != "withdrawn" {
			t.Fatalf("recorded withdrawal: %s", r.Body)
		}
		denied(t, s.do("GET", gen, key, nil), "consent_withdrawn") // the very next read

		// A processor-specific grant covers that processor only.
		r = s.do("POST", consents, key, consentBody("essential.service.generation", "lumen-prompt", true))
		expect(t, r, 201)

		r = s.do("GET", consents, key, nil)
		expect(t, r, 200)
		st := r.JSON(t)
		cur := st["consents"].([]any)
		if len(cur) != 2 || st["history"] != nil {
			t.Fatalf("current state: %s", r.Body)
		}
		for _, c := range cur {
			c := c.(map[string]any)
			switch c["processor"] {
			case nil:
				if c["effective"] != false || c["reason"] != "withdrawn" {
					t.Fatalf("purpose-wide state: %v", c)
				}
			case "lumen-prompt":
				if c["effective"] != true {
					t.Fatalf("processor state: %v", c)
				}
			}
		}
		r = s.do("GET", consents+"?history=true", key, nil)
		expect(t, r, 200)
		hist := r.JSON(t)["history"].([]any)
		if len(hist) != 3 || hist[0].(map[string]any)["id"] != grant["id"] || hist[1].(map[string]any)["granted"] != false {
			t.Fatalf("history, oldest first: %s", r.Body)
		}

		// Bad input: 400 naming the field, nothing written.
		for _, c := range []struct {
			name  string
			body  any
			field string
		}{
			{"unknown purpose", consentBody("marketing.advertising", "", true), "purpose"},
			{"contract purpose", consentBody("essential.service", "", true), "purpose"},
			{"undeclared processor", consentBody("essential.service.generation", "nobody-ai", true), "processor"},
			{"missing granted", map[string]any{"purpose": "essential.service.generation", "channel": "web", "proof": proof}, "granted"},
			{"unknown channel", map[string]any{"purpose": "essential.service.generation", "granted": true, "channel": "fax", "proof": proof}, "channel"},
			{"grant without proof", map[string]any{"purpose": "essential.service.generation", "granted": true, "channel": "web"}, "proof"},
			{"proof hash not a hash", map[string]any{"purpose": "essential.service.generation", "granted": true, "channel": "web",
				"proof": map[string]any{"notice_version": "1", "form": "f", "text_sha256": "I agree to everything"}}, "proof.text_sha256"},
			{"proof form free text", map[string]any{"purpose": "essential.service.generation", "granted": true, "channel": "web",
				"proof": map[string]any{"notice_version": "1", "form": "Jane Doe, 1 Main St", "text_sha256": textHash}}, "proof.form"},
			{"wrong type", map[string]any{"purpose": "essential.service.generation", "granted": "yes", "channel": "web"}, "granted"},
			{"unknown field", map[string]any{"purpose": "essential.service.generation", "granted": true, "channel": "web", "proof": proof, "note": "x"}, ""},
			{"not JSON", "{purpose:", ""},
		} {
			r := s.do("POST", consents, key, c.body)
			expect(t, r, 400)
			if c.field != "" && !strings.Contains(string(r.Body), `"path":"`+c.field+`"`) {
				t.Errorf("%s: the problem does not name %s: %s", c.name, c.field, r.Body)
			}
		}
		if n := s.history(key, id); n != 3 {
			t.Fatalf("bad input changed the history: %d decisions; want 3", n)
		}
		expect(t, s.do("POST", "/v1/subjects/sub_nobody/consents", key, consentBody("essential.service.generation", "", true)), 404)
		expect(t, s.do("GET", "/v1/subjects/sub_nobody/consents", key, nil), 404)
		// Scopes: a records key can neither read nor write consents.
		rec := s.appKey("records:read", "records:write")
		expect(t, s.do("POST", consents, rec, consentBody("essential.service.generation", "", true)), 403)
		expect(t, s.do("GET", consents, rec, nil), 403)

		// Audited: purpose, processor, decision and channel; no proof.
		r = s.do("GET", "/v1/audit?subject="+id, s.Key, nil)
		expect(t, r, 200)
		var page struct {
			Events []struct {
				Action, Purpose, Target string
				Reasons                 []string
			}
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		var grants, withdrawals int
		for _, e := range page.Events {
			switch e.Action {
			case "consent.grant":
				grants++
				if e.Purpose != "essential.service.generation" || !slices.Contains(e.Reasons, "channel:web") || !strings.HasPrefix(e.Target, "cns_") {
					t.Errorf("grant event: %+v", e)
				}
			case "consent.withdraw":
				withdrawals++
				if !slices.Contains(e.Reasons, "channel:app") {
					t.Errorf("withdrawal event: %+v", e)
				}
			}
		}
		if grants != 2 || withdrawals != 1 || !bytes.Contains(r.Body, []byte("processor:lumen-prompt")) {
			t.Fatalf("consent writes not audited (%d grants, %d withdrawals): %s", grants, withdrawals, r.Body)
		}
		for _, secret := range []string{textHash, "settings.ai-partners", "sneaker"} {
			if bytes.Contains(r.Body, []byte(secret)) {
				t.Fatalf("the audit log holds %q", secret)
			}
		}

		verifyReceipt(t, s, key, grant["id"].(string), id)
	})
}

// verifyReceipt fetches a receipt, checks its content, verifies it offline
// with the CLI and with openssl (the procedure of docs/consent.md), then
// changes one byte and expects both to fail.
func verifyReceipt(t *testing.T, s *server, key, consentID, subject string) {
	r := s.do("GET", "/v1/consents/"+consentID+"/receipt", key, nil)
	expect(t, r, 200)
	var env struct {
		Receipt, Signature []byte
		KeyID              int `json:"key_id"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(env.Receipt, &rec); err != nil {
		t.Fatalf("receipt: %v: %s", err, env.Receipt)
	}
	want := map[string]string{"receipt_id": consentID, "legal_basis": "dpv:Consent"}
	for k, v := range want {
		if rec[k] != v {
			t.Fatalf("receipt %s = %v; want %s: %s", k, rec[k], v, env.Receipt)
		}
	}
	if rec["data_subject"].(map[string]any)["id"] != subject || rec["consent"].(map[string]any)["status"] != "dpv:ConsentGiven" ||
		rec["controller"].(map[string]any)["name"] == "" || len(rec["recipients"].([]any)) == 0 ||
		rec["notice"].(map[string]any)["url"] != "/privacy/versions/2026-05-21" {
		t.Fatalf("receipt content: %s", env.Receipt)
	}
	if bytes.Contains(env.Receipt, []byte("sneaker")) || bytes.Contains(env.Receipt, []byte("person-")) {
		t.Fatalf("the receipt holds a personal value: %s", env.Receipt)
	}
	expect(t, s.do("GET", "/v1/consents/cns_nobody/receipt", key, nil), 404)

	dir := t.TempDir()
	keys := s.do("GET", "/v1/audit/public-key", "", nil)
	expect(t, keys, 200)
	keysFile, file := filepath.Join(dir, "keys.json"), filepath.Join(dir, "receipt.json")
	write(t, keysFile, keys.Body)
	write(t, file, r.Body)
	if out, code := runCLI(t, "consent", "verify-receipt", "--public-keys", keysFile, file); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("verify-receipt = %d: %s", code, out)
	}
	withOpenSSL(t, dir, keys.Body, env.KeyID, env.Receipt, env.Signature, true)

	// One changed byte of the receipt fails both.
	changed := bytes.Replace(env.Receipt, []byte("dpv:ConsentGiven"), []byte("dpv:ConsentGivem"), 1)
	var m map[string]any
	json.Unmarshal(r.Body, &m)
	m["receipt"] = base64.StdEncoding.EncodeToString(changed)
	forged, _ := json.Marshal(m)
	write(t, file, forged)
	if out, code := runCLI(t, "consent", "verify-receipt", file, "--public-keys", keysFile); code != 1 || !strings.Contains(out, "signature") {
		t.Fatalf("verify-receipt of a changed receipt = %d: %s", code, out)
	}
	withOpenSSL(t, dir, keys.Body, env.KeyID, changed, env.Signature, false)
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// withOpenSSL verifies a receipt the way docs/consent.md tells someone
// without steward to: the raw public key in a SubjectPublicKeyInfo PEM,
// then openssl pkeyutl -verify -rawin.
func withOpenSSL(t *testing.T, dir string, keysJSON []byte, keyID int, doc, sig []byte, want bool) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Log("openssl not installed: the procedure without steward is not checked")
		return
	}
	var list struct {
		Keys []struct {
			ID  int    `json:"id"`
			Key []byte `json:"ed25519"`
		}
	}
	if err := json.Unmarshal(keysJSON, &list); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for _, k := range list.Keys {
		if k.ID == keyID {
			raw = k.Key
		}
	}
	// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410).
	der := append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}, raw...)
	pem := "-----BEGIN PUBLIC KEY-----\n" + base64.StdEncoding.EncodeToString(der) + "\n-----END PUBLIC KEY-----\n"
	write(t, filepath.Join(dir, "pub.pem"), []byte(pem))
	write(t, filepath.Join(dir, "receipt.bin"), doc)
	write(t, filepath.Join(dir, "sig.bin"), sig)
	cmd := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "receipt.bin", "-sigfile", "sig.bin")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if (err == nil) != want {
		t.Fatalf("openssl verify = %v (want success %v): %s", err, want, out)
	}
}

// TestConsentGPC runs on the content-studio example, whose GPC uses cover
// marketing email (a consent-based purpose): an earlier consent is
// overridden by Sec-GPC: 1 on a read (recorded before the read is decided)
// and by POST /signals; ending the opt-out restores it; purposes outside
// the GPC uses are unaffected. A policy with gpc: ignored records the
// signal and decides nothing on it.
func TestConsentGPC(t *testing.T) {
	policyFile, _ := filepath.Abs("../../examples/content-studio.yaml")
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b, "--policy", policyFile)
		key := s.appKey("records:read", "records:write", "consents:read", "consents:write")
		id, read := s.consentSubject(key, "user.contact.email", "someone@example.org")
		mail := read + "?purpose=marketing.communications.email"
		consents := "/v1/subjects/" + id + "/consents"
		body := consentBody("marketing.communications.email", "", true)
		body["proof"] = map[string]any{"notice_version": "2026-05-01", "form": "signup", "text_sha256": textHash}
		expect(t, s.do("POST", consents, key, body), 201)
		expect(t, s.do("GET", mail, key, nil), 200)
		// A processor of another purpose is refused.
		r := s.do("POST", consents, key, consentBody("marketing.communications.email", "quill-text", true))
		expect(t, r, 400)
		if !strings.Contains(string(r.Body), `"path":"processor"`) {
			t.Fatalf("processor of another purpose: %s", r.Body)
		}

		// The browser's signal, forwarded on a read: recorded, then decided.
		denied(t, s.doGPC("GET", mail, key), "gpc_opt_out")
		denied(t, s.do("GET", mail, key, nil), "gpc_opt_out") // durable: no header needed any more
		expect(t, s.do("GET", read+"?purpose=essential.service", key, nil), 200)
		r = s.do("GET", consents, key, nil)
		expect(t, r, 200)
		st := r.JSON(t)
		c := st["consents"].([]any)[0].(map[string]any)
		if st["gpc"] != true || st["gpc_honored"] != true || c["effective"] != false || c["reason"] != "gpc" {
			t.Fatalf("state under GPC: %s", r.Body)
		}
		// The API: off restores the earlier consent, on denies again.
		r = s.do("POST", "/v1/subjects/"+id+"/signals", key, map[string]any{"gpc": false})
		expect(t, r, 201)
		if v := r.JSON(t); v["channel"] != "gpc" || v["source"] != "api" || v["honored"] != true {
			t.Fatalf("signal: %s", r.Body)
		}
		expect(t, s.do("GET", mail, key, nil), 200)
		expect(t, s.do("POST", "/v1/subjects/"+id+"/signals", key, map[string]any{"gpc": true}), 201)
		denied(t, s.do("GET", mail, key, nil), "gpc_opt_out")
		r = s.do("POST", "/v1/subjects/"+id+"/signals", key, map[string]any{"gpc": "yes"})
		expect(t, r, 400)
		expect(t, s.do("POST", "/v1/subjects/"+id+"/signals", key, map[string]any{}), 400)
		expect(t, s.do("POST", "/v1/subjects/sub_nobody/signals", key, map[string]any{"gpc": true}), 404)

		r = s.do("GET", "/v1/audit?subject="+id+"&action=signal.record", s.Key, nil)
		expect(t, r, 200)
		for _, want := range []string{"source:header", "source:api", "gpc:on", "gpc:off"} {
			if !bytes.Contains(r.Body, []byte(want)) {
				t.Fatalf("signal audit events lack %s: %s", want, r.Body)
			}
		}
	})

	// gpc: ignored: recorded, decides nothing.
	src, err := os.ReadFile(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	ignored := filepath.Join(t.TempDir(), "ignored.yaml")
	write(t, ignored, bytes.Replace(src, []byte("gpc: honored"), []byte("gpc: ignored"), 1))
	s := start(t, testdb.Backends()[0], "--policy", ignored)
	key := s.appKey("records:read", "records:write", "consents:read", "consents:write")
	id, read := s.consentSubject(key, "user.contact.email", "someone@example.org")
	expect(t, s.do("POST", "/v1/subjects/"+id+"/consents", key, consentBody("marketing.communications.email", "", true)), 201)
	r := s.do("POST", "/v1/subjects/"+id+"/signals", key, map[string]any{"gpc": true})
	expect(t, r, 201)
	if r.JSON(t)["honored"] != false {
		t.Fatalf("signal under gpc: ignored: %s", r.Body)
	}
	expect(t, s.doGPC("GET", read+"?purpose=marketing.communications.email", key), 200)
	if st := s.do("GET", "/v1/subjects/"+id+"/consents", key, nil).JSON(t); st["gpc"] != true ||
		st["consents"].([]any)[0].(map[string]any)["effective"] != true {
		t.Fatalf("state under gpc: ignored: %v", st)
	}
}

// doGPC sends a request carrying Sec-GPC: 1.
func (s *server) doGPC(method, path, key string) *response {
	s.t.Helper()
	req, _ := http.NewRequestWithContext(withTest(context.Background(), s.t), method, s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Sec-GPC", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: buf.Bytes()}
}

// TestConsentAcrossReplicas: two servers on one PostgreSQL database. A
// grant on A allows the read on B; a withdrawal on A is denied by B within
// one second (B reads consent state fresh: no cache across replicas).
func TestConsentAcrossReplicas(t *testing.T) {
	if os.Getenv("STEWARD_TEST_POSTGRES") == "" {
		t.Skip("STEWARD_TEST_POSTGRES not set")
	}
	dsn := testdb.PostgresDSN(t)
	keyFile := filepath.Join(t.TempDir(), "master.key")
	d1, d2 := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	a := startArgs(t, d1, "--data", d1, "--database", dsn, "--master-key-file", keyFile)
	bsrv := startArgs(t, d2, "--data", d2, "--database", dsn, "--master-key-file", keyFile)
	bsrv.Key = a.Key
	key := a.appKey("records:read", "records:write", "consents:read", "consents:write")
	id, read := a.consentSubject(key, "user.content.prompt", "a blue kettle")
	gen := read + "?purpose=essential.service.generation"
	consents := "/v1/subjects/" + id + "/consents"
	denied(t, bsrv.do("GET", gen, key, nil), "consent_required")
	for round := range 3 {
		expect(t, a.do("POST", consents, key, consentBody("essential.service.generation", "", true)), 201)
		// B hears of the grant within the same bound (until then it
		// still denies: the safe side); the read caches the state on B.
		within(t, time.Second, "B allows the read after the grant on A", func() bool { return bsrv.do("GET", gen, key, nil).Status == 200 })
		expect(t, bsrv.do("GET", gen, key, nil), 200)
		expect(t, a.do("POST", consents, key, consentBody("essential.service.generation", "", false)), 201)
		withdrawn := time.Now()
		for {
			r := bsrv.do("GET", gen, key, nil)
			if r.Status == 403 {
				denied(t, r, "consent_withdrawn")
				break
			}
			if time.Since(withdrawn) > time.Second {
				t.Fatalf("round %d: replica B still allows the read %v after the withdrawal on A", round, time.Since(withdrawn))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// clientConsents drives the consent routes through the Go client (for
// TestClientDrivesEveryRoute), the GPC header included.
func clientConsents(ctx context.Context, t *testing.T, c *client.Client, sub string) {
	if err := c.PutRecord(ctx, sub, "user.content.prompt", "a green lamp"); err != nil {
		t.Fatal(err)
	}
	gen := client.Access{Purpose: "essential.service.generation"}
	cur := got(c.RecordConsent(ctx, sub, client.NewConsent{Purpose: gen.Purpose, Granted: client.Grant(true), Channel: "api",
		Proof: &client.ConsentProof{NoticeVersion: "2026-05-21", Form: "api.onboarding", TextSHA256: textHash}})).must(t)
	if !cur.Effective || cur.ID == "" {
		t.Fatalf("recorded consent: %+v", cur)
	}
	if _, err := c.GetRecord(ctx, sub, "user.content.prompt", gen); err != nil {
		t.Fatalf("read with consent: %v", err)
	}
	st := got(c.Consents(ctx, sub, true)).must(t)
	if len(st.Consents) != 1 || len(st.History) != 1 || st.History[0].ID != cur.ID {
		t.Fatalf("consent state: %+v", st)
	}
	rc := got(c.ConsentReceipt(ctx, cur.ID)).must(t)
	var doc map[string]any
	if err := rc.Decode(&doc); err != nil || doc["receipt_id"] != cur.ID || len(rc.Signature) != 64 {
		t.Fatalf("receipt: %v %+v", err, doc)
	}
	// The starter policy's GPC uses do not cover generation: the header is
	// recorded and the read still allowed.
	if _, err := c.GetRecord(client.WithGPC(ctx), sub, "user.content.prompt", gen); err != nil {
		t.Fatalf("read with Sec-GPC: %v", err)
	}
	if st := got(c.Consents(ctx, sub, false)).must(t); !st.GPC {
		t.Fatalf("Sec-GPC was not recorded: %+v", st)
	}
	if sig := got(c.RecordSignal(ctx, sub, false)).must(t); sig.GPC || sig.Source != "api" {
		t.Fatalf("signal: %+v", sig)
	}
	_, err := c.RecordConsent(ctx, sub, client.NewConsent{Purpose: "essential.service", Granted: client.Grant(true), Channel: "api"})
	wantCode(t, err, client.EINVALID)
}
