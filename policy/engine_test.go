package policy

import (
	"strings"
	"testing"
)

// TestCheckEngine: a security promise the engine does not keep is a problem
// at the promise's position; promises it keeps, or leaves unsaid, are not.
func TestCheckEngine(t *testing.T) {
	e := Engine{EncryptionAtRest: "aes-256-gcm", APIKeyHashing: "hmac-sha256", Passwords: []PasswordHash{"argon2id", "bcrypt"}}
	check := func(security string) Problems {
		t.Helper()
		p, err := Parse("p.yaml", []byte("steward: v1\nsecurity:\n"+security))
		if err != nil {
			t.Fatal(err)
		}
		return p.CheckEngine(e)
	}
	kept := "  encryption_at_rest: aes-256-gcm\n  api_key_hashing: hmac-sha256\n  password_hashing: bcrypt\n  tls_minimum: \"1.3\"\n  staff_mfa: true\n"
	if ps := check(kept); len(ps) != 0 {
		t.Fatalf("kept promises reported: %v", ps)
	}
	if ps := check("  tls_minimum: \"1.2\"\n"); len(ps) != 0 {
		t.Fatalf("unsaid promises reported: %v", ps)
	}
	broken := "  encryption_at_rest: chacha20-poly1305\n  api_key_hashing: bcrypt\n  password_hashing: scrypt\n"
	ps := check(broken)
	want := []string{
		"p.yaml:3:3: the notice would promise chacha20-poly1305 encryption at rest, but steward encrypts with aes-256-gcm",
		"p.yaml:4:3: the notice would promise bcrypt hashes of API keys, but steward stores them as hmac-sha256",
		"p.yaml:5:3: the notice would promise scrypt password hashes, which steward cannot make",
	}
	if len(ps) != len(want) {
		t.Fatalf("problems = %v; want %d", ps, len(want))
	}
	for i, w := range want {
		if ps[i].String() != w {
			t.Errorf("problem %d = %q; want %q", i, ps[i].String(), w)
		}
	}
	if !strings.Contains(ps[2].Hint, "argon2id or bcrypt") {
		t.Errorf("hint = %q", ps[2].Hint)
	}
}
