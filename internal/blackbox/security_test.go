package blackbox

import (
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/steward-privacy/steward/examples"
)

// examplePolicy writes an example policy, with edits (old → new), to a
// temporary file and returns its path.
func examplePolicy(t *testing.T, name string, edits ...string) string {
	t.Helper()
	src, err := examples.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("%s has no %q to edit", name, edits[i])
		}
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUnkeptSecurityPromiseStopsTheStart (G8): a policy whose notice would
// promise a security measure this steward does not take is refused, at
// start and by `steward policy check`, with FILE:LINE:COL and the fix.
func TestUnkeptSecurityPromiseStopsTheStart(t *testing.T) {
	bad := examplePolicy(t, "content-studio.yaml", "api_key_hashing: hmac-sha256", "api_key_hashing: sha256")
	want := regexp.MustCompile(regexp.QuoteMeta(bad) + `:\d+:3: the notice would promise sha256 hashes of API keys, but steward stores them as hmac-sha256`)
	if out := refusedStart(t, "--data", filepath.Join(t.TempDir(), "data"), "--policy", bad, "--listen", "127.0.0.1:0"); !want.MatchString(out) {
		t.Fatalf("serve with an unkept promise:\n%s", out)
	}
	out, err := exec.Command(binary, "policy", "check", bad).CombinedOutput()
	if err == nil || !want.Match(out) || !strings.Contains(string(out), "hint: set it to hmac-sha256") {
		t.Fatalf("policy check of an unkept promise: %v\n%s", err, out)
	}
}

// TestTLSMinimumFromPolicy: a policy promising TLS 1.3 gets a server that
// refuses TLS 1.2.
func TestTLSMinimumFromPolicy(t *testing.T) {
	cert, key := selfSigned(t)
	data := filepath.Join(t.TempDir(), "data")
	s := startArgs(t, data, "--data", data, "--tls-cert", cert, "--tls-key", key,
		"--policy", examplePolicy(t, "content-studio.yaml")) // tls_minimum: "1.3"
	addr := strings.TrimPrefix(s.URL, "https://")
	if conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12}); err == nil {
		conn.Close()
		t.Fatal("a TLS 1.2 handshake succeeded though the policy promises 1.3")
	}
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil || conn.ConnectionState().Version != tls.VersionTLS13 {
		t.Fatalf("TLS 1.3 handshake: %v", err)
	}
	conn.Close()
}

// TestStaffMFAFromPolicy: when the policy promises that staff sign in with
// multi-factor authentication, a staff member without TOTP can only enrol;
// after confirming a code the same session has the role's access.
func TestStaffMFAFromPolicy(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := startArgs(t, data, "--data", data, "--policy", examplePolicy(t, "content-studio.yaml")) // staff_mfa: true
	const email, pass = "auditor@example.org", "a long passphrase"
	expect(t, s.do("POST", "/v1/staff", s.Key, map[string]any{"email": email, "password": pass, "role": "auditor"}), 201)
	tenant := s.do("GET", "/v1/whoami", s.Key, nil).JSON(t)["tenant_id"].(string)
	resp, cookie := s.login(map[string]any{"tenant_id": tenant, "email": email, "password": pass})
	expect(t, resp, 200)
	r := s.doCookie("GET", "/v1/audit", cookie, nil)
	if r.Status != 403 || !strings.Contains(string(r.Body), "two-factor") {
		t.Fatalf("audit read before enrolling: %d %s; want 403 naming two-factor sign-in", r.Status, r.Body)
	}
	expect(t, s.doCookie("GET", "/v1/whoami", cookie, nil), 200)
	en := s.doCookie("POST", "/v1/staff/totp", cookie, nil)
	expect(t, en, 201)
	code, _ := totp.GenerateCode(en.JSON(t)["secret"].(string), time.Now())
	expect(t, s.doCookie("POST", "/v1/staff/totp/confirm", cookie, map[string]any{"code": code}), 204)
	expect(t, s.doCookie("GET", "/v1/audit", cookie, nil), 200)
}

// TestBcryptPasswordsFromPolicy: the starter policy promises bcrypt
// password hashes, and staff passwords are stored as bcrypt hashes.
func TestBcryptPasswordsFromPolicy(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := startArgs(t, data, "--data", data) // the starter policy: password_hashing: bcrypt
	const email, pass = "support@example.org", "a long passphrase"
	expect(t, s.do("POST", "/v1/staff", s.Key, map[string]any{"email": email, "password": pass, "role": "support"}), 201)
	tenant := s.do("GET", "/v1/whoami", s.Key, nil).JSON(t)["tenant_id"].(string)
	resp, _ := s.login(map[string]any{"tenant_id": tenant, "email": email, "password": pass})
	expect(t, resp, 200)
	s.stop()
	hashes := column(t, filepath.Join(data, "steward.db"), `SELECT password_hash FROM staff`)
	if len(hashes) != 1 || !strings.HasPrefix(hashes[0], "$2a$12$") {
		t.Fatalf("stored password hashes %q; want one bcrypt hash of cost 12", hashes)
	}
}
