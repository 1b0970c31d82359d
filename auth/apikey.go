// Package auth authenticates callers: API keys (bearer tokens stored only as
// HMAC-SHA-256 under a server secret) and staff accounts (argon2id passwords,
// TOTP, sessions, lockout). It turns a credential into a *steward.Caller.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"hash"
	"hash/crc32"
	"strings"
	"sync"

	"github.com/steward-privacy/steward"
)

// KeyPrefix starts every steward API key, so that secret scanners can spot a
// leaked key: stw_ followed by 58 lower-case base32 characters that encode
// 256 random bits and a CRC-32 checksum of them.
const KeyPrefix = "stw_"

const (
	keyRandomBytes = 32
	keyBodyLen     = 58 // base32 of 36 bytes, unpadded
)

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewAPIKeySecret returns a fresh API key secret. It is shown to its owner
// once and never stored.
func NewAPIKeySecret() string {
	var b [keyRandomBytes + 4]byte
	_, _ = rand.Read(b[:keyRandomBytes])
	binary.BigEndian.PutUint32(b[keyRandomBytes:], crc32.ChecksumIEEE(b[:keyRandomBytes]))
	return KeyPrefix + keyEncoding.EncodeToString(b[:])
}

// WellFormedAPIKey reports whether s has the shape and a valid checksum of a
// steward API key; it lets the server reject garbage without a database
// lookup and lets scanners confirm a match offline.
func WellFormedAPIKey(s string) bool {
	body, ok := strings.CutPrefix(s, KeyPrefix)
	if !ok || len(body) != keyBodyLen {
		return false
	}
	var b [keyRandomBytes + 4]byte
	n, err := keyEncoding.Decode(b[:], []byte(body))
	if err != nil || n != len(b) {
		return false
	}
	return crc32.ChecksumIEEE(b[:keyRandomBytes]) == binary.BigEndian.Uint32(b[keyRandomBytes:])
}

// KeyHashAlgorithm names how API keys are stored, as a policy's
// security.api_key_hashing names it.
const KeyHashAlgorithm = "hmac-sha256"

// Hasher computes the keyed hashes under which API keys and session tokens
// are stored: HMAC-SHA-256 under a server secret, so that a stolen database
// alone does not let anyone test guesses.
type Hasher struct {
	secret []byte
	macs   sync.Pool // of hash.Hash: HMAC states keyed once, Reset between uses
}

// NewHasher returns a Hasher for the given secret (at least 32 bytes).
func NewHasher(secret []byte) (*Hasher, error) {
	if len(secret) < 32 {
		return nil, steward.Errorf(steward.EINTERNAL, "hash secret must be at least 32 bytes")
	}
	return &Hasher{secret: append([]byte(nil), secret...)}, nil
}

// Hash returns the keyed hash of a credential, with a domain label so that
// an API key and a session token never share a hash space.
func (h *Hasher) Hash(domain, credential string) []byte {
	m, _ := h.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, h.secret)
	}
	m.Write([]byte(domain))
	m.Write([]byte{0})
	m.Write([]byte(credential))
	sum := m.Sum(nil)
	m.Reset()
	h.macs.Put(m)
	return sum
}

// Equal compares two hashes in constant time.
func Equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// Hash domains.
const (
	domainAPIKey  = "steward api key v1"
	domainSession = "steward staff session v1"
)
