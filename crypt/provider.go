package crypt

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
)

// KeyProvider holds the master key, which never leaves it: callers hand it a key
// to wrap (a tenant key) and get back bytes that are safe to store anywhere. The
// default provider is a key file in the data folder (package crypt/keyfile); an
// HSM over PKCS#11, a cloud KMS or Vault transit implement the same interface.
//
// The master key has versions. Wrap always uses the current version and the
// wrapped bytes name it, so Unwrap works for every version not yet retired, and a
// rewrap job can find blobs under old versions with WrappedVersion. All methods
// are safe for concurrent use.
//
// Error codes: ENOTFOUND when a wrapped blob names a version the provider does
// not have (never created, or retired); EINTERNAL wrapped in ErrAuthFailed or
// ErrMalformed when a wrapped blob or its aad was altered; ECONFLICT when asked to
// retire the current version; EINVALID for bad arguments (a key of the wrong
// size); EUNAVAILABLE when a remote provider cannot be reached.
type KeyProvider interface {
	// Wrap encrypts key under the current master key version, bound to aad.
	Wrap(ctx context.Context, key Secret, aad []byte) ([]byte, error)
	// Unwrap decrypts what Wrap returned, given the same aad.
	Unwrap(ctx context.Context, wrapped, aad []byte) (Secret, error)
	// WrappedVersion returns the master key version a wrapped blob was made
	// with, without decrypting it (ErrMalformed if it is not a wrapped blob).
	WrappedVersion(wrapped []byte) (uint32, error)
	// Rotate creates a new master key version, makes it current and returns it.
	// Blobs wrapped under older versions still unwrap until those are retired.
	Rotate(ctx context.Context) (uint32, error)
	// Versions lists the versions the provider holds, oldest first.
	Versions(ctx context.Context) ([]KeyVersion, error)
	// Retire destroys a version: blobs wrapped under it can no longer be
	// unwrapped. It refuses the current version (ECONFLICT) and an unknown one
	// (ENOTFOUND). Rewrap everything first (see RewrapTenantKey).
	Retire(ctx context.Context, version uint32) error
}

// KeyVersion describes one version of a master key.
type KeyVersion struct {
	Version uint32
	Created time.Time
	Current bool
}

// KeyDeriver derives independent server-wide secrets from the root secret the
// provider guards, such as the HMAC key of API-key hashes or the key of blind
// indexes. Deriving them (HKDF-SHA-256, one label per use) instead of storing
// each in its own file leaves one file, or one HSM object, to protect and back
// up. A derived secret depends only on the label, never on the current master
// version, so rotating the master key does not invalidate API keys or indexes.
//
// Error codes: EINVALID for an empty or overlong label or one with characters
// outside printable ASCII.
type KeyDeriver interface {
	DeriveKey(ctx context.Context, label string) (Secret, error)
}

// CheckLabel checks a DeriveKey label: 1 to 128 printable ASCII characters
// (EINVALID otherwise). Every KeyDeriver applies it.
func CheckLabel(label string) error {
	if len(label) == 0 || len(label) > 128 {
		return steward.Errorf(steward.EINVALID, "key label must be 1 to 128 characters")
	}
	for i := 0; i < len(label); i++ {
		if label[i] < 0x20 || label[i] > 0x7e {
			return steward.Errorf(steward.EINVALID, "key label must be printable ASCII")
		}
	}
	return nil
}
