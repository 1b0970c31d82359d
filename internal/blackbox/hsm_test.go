package blackbox

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The HSM tests run a build of steward with the pkcs11 tag (cgo) against a
// SoftHSM2 token. They need STEWARD_TEST_PKCS11 (set by .ci/run through
// .ci/softhsm.sh, with SOFTHSM2_CONF) and softhsm2-util to make a fresh
// token per test.

var (
	hsmBuild    sync.Once
	hsmBinary   string
	hsmBuildErr error
)

// hsmSteward builds steward with -tags pkcs11 once, or skips the test.
func hsmSteward(t *testing.T) string {
	t.Helper()
	parts := strings.Split(os.Getenv("STEWARD_TEST_PKCS11"), "|")
	if len(parts) != 3 {
		t.Skip("STEWARD_TEST_PKCS11 is not set; .ci/run sets it with a SoftHSM2 token")
	}
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		t.Skip("softhsm2-util is not installed")
	}
	hsmBuild.Do(func() {
		hsmBinary = filepath.Join(filepath.Dir(binary), "steward-pkcs11")
		out, err := exec.Command("go", "build", "-tags", "pkcs11", "-o", hsmBinary, "github.com/steward-privacy/steward/cmd/steward").CombinedOutput()
		if err != nil {
			hsmBuildErr = &buildError{out: string(out), err: err}
		}
	})
	if hsmBuildErr != nil {
		t.Fatal(hsmBuildErr)
	}
	return hsmBinary
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build -tags pkcs11: " + e.err.Error() + "\n" + e.out }

// freshToken initialises a new token in the SoftHSM2 of the environment and
// returns the environment that makes steward use it (the PIN through
// STEWARD_PKCS11_PIN, never a flag).
func freshToken(t *testing.T) []string {
	t.Helper()
	module := strings.Split(os.Getenv("STEWARD_TEST_PKCS11"), "|")[0]
	var b [6]byte
	_, _ = rand.Read(b[:])
	label, pin := "stw-"+hex.EncodeToString(b[:3]), hex.EncodeToString(b[3:])+"1234"
	out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", pin).CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return []string{"STEWARD_MASTER_KEY_PROVIDER=pkcs11", "STEWARD_PKCS11_MODULE=" + module,
		"STEWARD_PKCS11_TOKEN_LABEL=" + label, "STEWARD_PKCS11_PIN=" + pin}
}

// TestKeyRotationWhileServingOnHSM: with the master key in a PKCS#11
// token, a server serves reads while the CLI rotates a tenant key and the
// master key (a new key object in the token, everything rewrapped, the old
// object destroyed); a restart reads everything; no key file exists.
func TestKeyRotationWhileServingOnHSM(t *testing.T) {
	bin := hsmSteward(t)
	env := freshToken(t)
	data := filepath.Join(t.TempDir(), "data")
	s, err := tryStartWith(t, bin, env, data, "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	rotationWhileServing(t, s, func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, append([]string{"keys", "rotate", "--data", data}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		return cmd
	}, func() *server {
		s2, err := tryStartWith(t, bin, env, data, "--data", data)
		if err != nil {
			t.Fatal(err)
		}
		return s2
	})
	if _, err := os.Stat(filepath.Join(data, "master.key")); err == nil {
		t.Fatal("a master key file exists although the master key is in the HSM")
	}
}

// TestHSMWrongPINRefusesToStart: a wrong PIN stops the start with a clear
// message that does not repeat the PIN.
func TestHSMWrongPINRefusesToStart(t *testing.T) {
	bin := hsmSteward(t)
	env := freshToken(t)
	env[len(env)-1] = "STEWARD_PKCS11_PIN=wrong-pin-0000"
	data := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", data)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("steward started with a wrong PIN")
	}
	if !strings.Contains(string(out), "refused the PIN") || strings.Contains(string(out), "wrong-pin-0000") {
		t.Fatalf("output with a wrong PIN:\n%s", out)
	}
	// And the default build says how to get PKCS#11 support.
	cmd = exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--data", data)
	cmd.Env = append(os.Environ(), env...)
	out, _ = cmd.CombinedOutput()
	if !strings.Contains(string(out), "-tags pkcs11") {
		t.Fatalf("the default build with master_key_provider: pkcs11:\n%s", out)
	}
}
