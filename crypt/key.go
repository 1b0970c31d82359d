package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"io"

	"github.com/steward-privacy/steward"
)

// KeySize is the size in bytes of every symmetric key steward uses (AES-256).
const KeySize = 32

// Errors returned when a ciphertext must not be trusted. Both carry code
// EINTERNAL: stored data that fails to decrypt is corruption or an attack, never a
// client mistake. Their messages never contain data.
var (
	// ErrAuthFailed means the ciphertext, its header or its AAD was changed, or the
	// wrong key was used.
	ErrAuthFailed = &steward.Error{Code: steward.EINTERNAL, Message: "ciphertext failed authentication"}
	// ErrMalformed means the ciphertext is too short, truncated, or of a format
	// version this binary does not know.
	ErrMalformed = &steward.Error{Code: steward.EINTERNAL, Message: "ciphertext is malformed or truncated"}
)

// Key is an AES-256-GCM key ready for use: it keeps the expanded cipher (the
// cipher.AEAD), not the raw bytes, so building it once and reusing it for many
// Seal and Open calls avoids the key schedule on every call. A Key is safe for
// concurrent use. Its ID is written into every ciphertext it makes, so the reader
// can pick the right key version.
type Key struct {
	id       uint32
	aead     cipher.AEAD
	material Secret // kept for deriving per-file keys (see NewEncryptWriter)
}

// NewKey returns a Key with the given id (a key version chosen by the caller) for
// 32 bytes of key material. It keeps its own copy of the material, so the
// caller may wipe theirs. It returns an EINVALID error if the material is not
// 32 bytes long.
func NewKey(id uint32, material []byte) (*Key, error) {
	if len(material) != KeySize {
		return nil, steward.Errorf(steward.EINVALID, "key must be %d bytes, got %d", KeySize, len(material))
	}
	block, err := aes.NewCipher(material)
	if err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "create AES cipher: %v", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "create GCM: %v", err)
	}
	return &Key{id: id, aead: aead, material: Secret(material).Clone()}, nil
}

// MustKey is NewKey for tests and constants: it panics on a bad key length.
func MustKey(id uint32, material []byte) *Key {
	k, err := NewKey(id, material)
	if err != nil {
		panic(err)
	}
	return k
}

// ID returns the key id written into ciphertexts made with k.
func (k *Key) ID() uint32 { return k.id }

// String never prints key material.
func (k *Key) String() string { return "crypt.Key(REDACTED)" }

// GoString never prints key material, even with %#v.
func (k *Key) GoString() string { return "crypt.Key(REDACTED)" }

// GenerateKey returns 32 random bytes from crypto/rand, for a new data key, tenant
// key or master key version.
func GenerateKey() (Secret, error) {
	k := make(Secret, KeySize)
	if _, err := io.ReadFull(rand.Reader, k); err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "read random key: %v", err)
	}
	return k, nil
}

// KeyLookup returns the key for a key id found in a ciphertext header, or an
// ENOTFOUND error when that version is unknown (for example retired).
type KeyLookup func(id uint32) (*Key, error)

// KeyNotFound returns the ENOTFOUND error a KeyLookup should return for an
// unknown key id.
func KeyNotFound(id uint32) error {
	return steward.Errorf(steward.ENOTFOUND, "key version %d not found", id)
}
