// Package pkcs11 keeps steward's master key in a hardware security module
// (or any PKCS#11 token: SoftHSM2 in tests, a network HSM, a cloud HSM).
// It implements crypt.KeyProvider and crypt.KeyDeriver like the key file
// provider, so the rest of steward does not know which one it runs on.
//
// In the token: one non-extractable, sensitive AES-256 key object per master
// key version (CKA_ID "steward-master-%08x"), which wraps and unwraps tenant
// keys with AES-GCM inside the token (the tenant key crosses the PKCS#11
// boundary, the master key never does); and one non-extractable HMAC key
// ("steward-root") from which server-wide secrets are derived with
// HMAC-SHA-256 inside the token. Rotation creates a new key object and makes
// it current; retiring destroys the object.
//
// The provider needs cgo and the PKCS#11 module, so it is compiled only with
// the build tag pkcs11 (`go build -tags pkcs11 ./cmd/steward`); the default
// binary stays pure Go and static, and Open says how to get a build with it.
package pkcs11

import (
	"os"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Settings locate the token. The PIN comes from a file or the environment,
// never from a command-line flag, which other users can read in the
// process list.
type Settings struct {
	// Module is the path of the PKCS#11 library, e.g.
	// /usr/lib/softhsm/libsofthsm2.so.
	Module string
	// TokenLabel selects the token.
	TokenLabel string
	// PIN is the user PIN.
	PIN crypt.Secret
}

// Validate names the first missing setting.
func (s Settings) Validate() error {
	switch {
	case s.Module == "":
		return steward.Invalid("pkcs11_module", "is required with master_key_provider: pkcs11 (the path of the PKCS#11 library)")
	case s.TokenLabel == "":
		return steward.Invalid("pkcs11_token_label", "is required with master_key_provider: pkcs11")
	case len(s.PIN) == 0:
		return steward.Invalid("pkcs11_pin_file", "is required with master_key_provider: pkcs11 (a file holding the user PIN, or STEWARD_PKCS11_PIN)")
	}
	return nil
}

// ReadPIN reads a PIN file, trimming one trailing newline.
func ReadPIN(path string) (crypt.Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, steward.Errorf(steward.EINVALID, "pkcs11_pin_file: cannot read %s", path)
	}
	return crypt.Secret(strings.TrimRight(string(b), "\r\n")), nil
}

// FromTestEnv parses STEWARD_TEST_PKCS11, "MODULE|TOKEN_LABEL|PIN", the
// token the tests use; ok is false when it is not set.
func FromTestEnv() (s Settings, ok bool) {
	v := os.Getenv("STEWARD_TEST_PKCS11")
	parts := strings.Split(v, "|")
	if len(parts) != 3 {
		return Settings{}, false
	}
	return Settings{Module: parts[0], TokenLabel: parts[1], PIN: crypt.Secret(parts[2])}, true
}

// KeyStore is the master key provider Open returns.
type KeyStore interface {
	crypt.KeyProvider
	crypt.KeyDeriver
	// Close logs out and unloads the module.
	Close() error
}
