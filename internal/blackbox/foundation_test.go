package blackbox

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/steward-privacy/steward/internal/testdb"
)

func TestAuthAndTenantIsolation(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b)
		if s.Key == "" {
			t.Fatalf("first start printed no bootstrap key:\n%s", s.stdout)
		}
		// No key, a malformed key, a well-formed unknown key: 401.
		expect(t, s.do("GET", "/v1/whoami", "", nil), 401)
		expect(t, s.do("GET", "/v1/whoami", "not-a-key", nil), 401)
		expect(t, s.do("GET", "/v1/whoami", "stw_"+strings.Repeat("a", 58), nil), 401)

		who := s.do("GET", "/v1/whoami", s.Key, nil)
		expect(t, who, 200)
		operator := who.JSON(t)["tenant_id"].(string)

		// A second tenant with its own admin key.
		r := s.do("POST", "/v1/tenants", s.Key, map[string]any{"name": "Customer A", "home_region": "us"})
		expect(t, r, 201)
		ct := r.JSON(t)
		adminB := ct["admin_key"].(map[string]any)["secret"].(string)
		tenantB := ct["tenant"].(map[string]any)["id"].(string)
		if tenantB == operator {
			t.Fatal("new tenant has the operator's id")
		}
		// The tenant admin cannot create tenants (tenants:write is never implied).
		expect(t, s.do("POST", "/v1/tenants", adminB, map[string]any{"name": "x", "home_region": "eu"}), 403)

		// A narrow key in tenant B: wrong scope -> 403.
		r = s.do("POST", "/v1/apikeys", adminB, map[string]any{"name": "reader", "scopes": []string{"records:read"}})
		expect(t, r, 201)
		reader := r.JSON(t)["secret"].(string)
		readerID := r.JSON(t)["id"].(string)
		expect(t, s.do("GET", "/v1/apikeys", reader, nil), 403)
		expect(t, s.do("POST", "/v1/apikeys", reader, map[string]any{"name": "x", "scopes": []string{"admin"}}), 403)
		// Listing never shows secrets or hashes.
		l := s.do("GET", "/v1/apikeys", adminB, nil)
		expect(t, l, 200)
		if bytes.Contains(l.Body, []byte(reader)) || bytes.Contains(l.Body, []byte("hash")) {
			t.Fatalf("key list leaks secrets: %s", l.Body)
		}

		// Another tenant's object -> 404: the operator cannot revoke B's key.
		expect(t, s.do("DELETE", "/v1/apikeys/"+readerID, s.Key, nil), 404)
		expect(t, s.do("GET", "/v1/whoami", reader, nil), 200)
		// Revoked key -> 401 at once.
		expect(t, s.do("DELETE", "/v1/apikeys/"+readerID, adminB, nil), 204)
		expect(t, s.do("GET", "/v1/whoami", reader, nil), 401)
		// Operator's key list does not contain B's keys.
		ol := s.do("GET", "/v1/apikeys", s.Key, nil)
		if bytes.Contains(ol.Body, []byte(readerID)) {
			t.Fatal("operator sees tenant B's keys")
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		s := start(t, b)
		before := s.do("GET", "/v1/apikeys", s.Key, nil).Body
		cases := []struct {
			name   string
			body   any
			status int
		}{
			{"malformed", `{"name": "x", "scopes": [`, 400},
			{"not an object", `[1,2]`, 400},
			{"empty", ``, 400},
			{"unknown field", `{"name": "x", "scopes": ["records:read"], "admin": true}`, 400},
			{"wrong type", `{"name": 5, "scopes": ["records:read"]}`, 400},
			{"two values", `{"name": "x", "scopes": ["records:read"]} {}`, 400},
			{"unknown scope", `{"name": "x", "scopes": ["root"]}`, 400},
			{"no name", `{"name": "", "scopes": ["records:read"]}`, 400},
			{"oversize", `{"name": "` + strings.Repeat("a", 2<<20) + `", "scopes": ["records:read"]}`, 413},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := s.do("POST", "/v1/apikeys", s.Key, c.body)
				expect(t, r, c.status)
			})
		}
		// Field paths are reported for validation errors.
		r := s.do("POST", "/v1/apikeys", s.Key, `{"name": "x", "scopes": ["records:read"], "admin": true}`)
		var p struct {
			Errors []struct{ Path string } `json:"errors"`
		}
		json.Unmarshal(r.Body, &p)
		if len(p.Errors) != 1 || p.Errors[0].Path != "admin" {
			t.Fatalf("unknown field error does not name the field: %s", r.Body)
		}
		// A body that is not JSON at all.
		req := s.do("POST", "/v1/apikeys", s.Key, []byte("name=x"))
		expect(t, req, 400)
		if after := s.do("GET", "/v1/apikeys", s.Key, nil).Body; !bytes.Equal(before, after) {
			t.Fatalf("bad requests changed the key list:\nbefore %s\nafter  %s", before, after)
		}
		expect(t, s.do("GET", "/v1/no-such-thing", s.Key, nil), 404)
	})
}

func TestBootstrapKeyPrintedOnce(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, b testdb.Backend) {
		data := filepath.Join(t.TempDir(), "data")
		args := []string{"--data", data}
		if b.Name == "postgres" {
			args = append(args, "--database", b.Database(t))
		}
		first := startArgs(t, data, args...)
		if first.Key == "" {
			t.Fatal("first start printed no key")
		}
		first.stop()
		second := startArgs(t, data, args...)
		if second.Key != "" || strings.Contains(second.stdout.String(), "stw_") {
			t.Fatalf("second start printed a secret:\n%s", second.stdout)
		}
		expect(t, second.do("GET", "/v1/whoami", first.Key, nil), 200)
		// Neither start logged the key.
		for _, srv := range []*server{first, second} {
			if strings.Contains(srv.stderr.String(), first.Key) {
				t.Fatal("the bootstrap key appears in the logs")
			}
		}
	})
}

func TestLooseKeyFileStopsStart(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := startArgs(t, data, "--data", data)
	s.stop()
	keyFile := filepath.Join(data, "master.key")
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	out := refusedStart(t, "--data", data, "--listen", "127.0.0.1:0") // a world-readable master key file
	if !strings.Contains(out, "chmod 600") {
		t.Fatalf("error does not say how to fix it: %s", out)
	}
}

func TestRefusesPlainHTTPOnPublicAddress(t *testing.T) {
	data := t.TempDir()
	out := refusedStart(t, "--data", data, "--listen", "0.0.0.0:0")
	if !strings.Contains(out, "listen") || !strings.Contains(out, "insecure-http") {
		t.Fatalf("plain HTTP on 0.0.0.0 was not refused clearly: %s", out)
	}
	out = refusedStart(t, "--data", data, "--log-level", "loud")
	if !strings.Contains(out, "log_level") {
		t.Fatalf("bad config does not name the field: %s", out)
	}
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	r := s.do("GET", "/openapi.json", "", nil)
	expect(t, r, 200)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("bad OpenAPI document: %v", err)
	}
	for _, want := range []string{"GET /v1/whoami", "POST /v1/apikeys", "GET /v1/apikeys", "DELETE /v1/apikeys/{id}",
		"POST /v1/tenants", "POST /v1/staff/login", "GET /healthz", "GET /readyz", "GET /metrics"} {
		m, p, _ := strings.Cut(want, " ")
		if _, ok := doc.Paths[p][strings.ToLower(m)]; !ok {
			t.Errorf("OpenAPI lacks %s", want)
		}
	}
	expect(t, s.do("GET", "/healthz", "", nil), 200)
	expect(t, s.do("GET", "/readyz", "", nil), 200)
	m := s.do("GET", "/metrics", "", nil)
	if !bytes.Contains(m.Body, []byte("steward_http_requests_total")) {
		t.Fatal("metrics lack the request counter")
	}
}

// TestNoSecretsAtRest creates keys and a staff account with TOTP, then reads
// every byte of the data folder: no API key secret, password or TOTP secret
// may appear in plaintext (G1, G6).
func TestNoSecretsAtRest(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	r := s.do("POST", "/v1/apikeys", s.Key, map[string]any{"name": "app", "scopes": []string{"records:read"}})
	expect(t, r, 201)
	appKey := r.JSON(t)["secret"].(string)
	const email, pass = "canary.staff@example.org", "canary-Passw0rd-xyzzy"
	r = s.do("POST", "/v1/staff", s.Key, map[string]any{"email": email, "password": pass, "role": "support"})
	expect(t, r, 201)
	tenant := s.do("GET", "/v1/whoami", s.Key, nil).JSON(t)["tenant_id"].(string)

	login := map[string]any{"tenant_id": tenant, "email": email, "password": pass}
	resp, cookie := s.login(login)
	expect(t, resp, 200)
	en := s.doCookie("POST", "/v1/staff/totp", cookie, nil)
	expect(t, en, 201)
	secret := en.JSON(t)["secret"].(string)
	code, _ := totp.GenerateCode(secret, time.Now())
	expect(t, s.doCookie("POST", "/v1/staff/totp/confirm", cookie, map[string]any{"code": code}), 204)
	// With TOTP enabled, a login without the code fails; with it, succeeds.
	resp, _ = s.login(login)
	expect(t, resp, 401)
	code, _ = totp.GenerateCode(secret, time.Now())
	login["code"] = code
	resp, _ = s.login(login)
	expect(t, resp, 200)

	s.stop()
	canaries := map[string]string{"bootstrap key": s.Key, "app key": appKey, "password": pass, "TOTP secret": secret,
		"staff email": email}
	scanFolder(t, s.Data, canaries)
}

// scanFolder fails if any canary appears in any file under dir.
func scanFolder(t *testing.T, dir string, canaries map[string]string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for what, c := range canaries {
			if bytes.Contains(b, []byte(c)) {
				t.Errorf("%s found in plaintext in %s", what, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Fatalf("scanned only %d files; the data folder is not where expected", n)
	}
}

// TestBadPolicyStopsTheStart: a policy with problems is refused at start,
// each problem given as FILE:LINE:COL with its hint, and nothing is served.
func TestBadPolicyStopsTheStart(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "policy.yaml")
	os.WriteFile(bad, []byte("steward: v1\norganisation:\n  nme: x\n"), 0o600)
	out := refusedStart(t, "--data", filepath.Join(dir, "data"), "--policy", bad, "--listen", "127.0.0.1:0")
	if !strings.Contains(out, bad+":3:3: unknown field") || !strings.Contains(out, `did you mean "name"`) {
		t.Fatalf("bad policy not refused clearly:\n%s", out)
	}
	if strings.Contains(out, "listening") {
		t.Fatal("the server listened with a bad policy")
	}
}

// TestDataFilesArePrivate: everything steward creates in the data folder is
// readable by its user only.
func TestDataFilesArePrivate(t *testing.T) {
	s := start(t, testdb.Backends()[0])
	key := s.appKey("records:read", "records:write", "files:write")
	id := s.subject(key, map[string]any{"external_id": "u"})
	s.upload(key, id, "user.content.product_image", false, []byte("bytes"))
	s.stop()
	filepath.WalkDir(s.Data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group or others", p, fi.Mode().Perm())
		}
		return nil
	})
}
