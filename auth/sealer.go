package auth

import (
	"github.com/steward-privacy/steward/crypt"
)

// KeySealer is the production Sealer: AES-256-GCM under one server-derived
// key, blind indexes under another.
type KeySealer struct {
	key   *crypt.Key
	index crypt.Secret
}

// NewKeySealer returns a sealer from two 32-byte secrets (derived from the
// master key provider, never stored).
func NewKeySealer(sealKey, indexKey crypt.Secret) (*KeySealer, error) {
	k, err := crypt.NewKey(1, sealKey)
	if err != nil {
		return nil, err
	}
	return &KeySealer{key: k, index: indexKey.Clone()}, nil
}

// Seal encrypts plaintext bound to aad.
func (s *KeySealer) Seal(plaintext, aad []byte) ([]byte, error) {
	return crypt.Seal(s.key, plaintext, aad), nil
}

// Open decrypts what Seal returned for the same aad.
func (s *KeySealer) Open(ciphertext, aad []byte) ([]byte, error) {
	return crypt.Open(s.key, ciphertext, aad)
}

// BlindIndex returns the keyed hash used to find a value again.
func (s *KeySealer) BlindIndex(kind, value string) []byte {
	return crypt.BlindIndex(s.index, kind, value)
}
