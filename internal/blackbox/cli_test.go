package blackbox

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward/auth"
)

// TestAPIKeyCommand: `steward apikey create|list|revoke` work on the same
// data folder as the server, and a key revoked offline stops working at once.
func TestAPIKeyCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := startArgs(t, data, "--data", data)
	run := func(args ...string) (string, error) {
		cmd := append([]string{"apikey", args[0], "--data", data}, args[1:]...)
		out, err := exec.Command(binary, cmd...).CombinedOutput()
		return string(out), err
	}
	out, err := run("create", "--name", "cli key", "--scopes", "records:read,policy:read")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	secret := regexp.MustCompile(`stw_[a-z2-7]{58}`).FindString(out)
	id := regexp.MustCompile(`key_[a-z2-7]+`).FindString(out)
	if secret == "" || id == "" {
		t.Fatalf("create printed no key:\n%s", out)
	}
	expect(t, s.do("GET", "/v1/whoami", secret, nil), 200)
	out, err = run("list")
	if err != nil || !strings.Contains(out, id) || !strings.Contains(out, "cli key") || strings.Contains(out, secret) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err := run("create", "--name", "x", "--scopes", "root"); err == nil || !strings.Contains(out, "scope") {
		t.Fatalf("an unknown scope was accepted:\n%s", out)
	}
	if out, err := run("revoke", id, "--data", data); err == nil || !strings.Contains(out, "flags come first") {
		t.Fatalf("flags after the key id were not refused clearly:\n%s", out)
	}
	if out, err := run("revoke", "key_nosuchkey"); err == nil {
		t.Fatalf("revoking an unknown key succeeded:\n%s", out)
	}
	if out, err := run("revoke", id); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	// Revoked offline, the key stops working within the server's key cache
	// lifetime (auth.KeyCacheTTL, one second).
	deadline := time.Now().Add(auth.KeyCacheTTL + time.Second)
	for s.do("GET", "/v1/whoami", secret, nil).Status != 401 {
		if time.Now().After(deadline) {
			t.Fatal("a key revoked offline still works after the cache lifetime")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
