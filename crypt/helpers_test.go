package crypt_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// newTestKey returns a random key with the given id.
func newTestKey(tb testing.TB, id uint32) *crypt.Key {
	tb.Helper()
	m, err := crypt.GenerateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return crypt.MustKey(id, m)
}

// pseudoRandom returns n deterministic pseudo-random bytes.
func pseudoRandom(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)})
	_, _ = r.Read(b)
	return b
}

// lookupOf returns a KeyLookup knowing the given keys.
func lookupOf(keys ...*crypt.Key) crypt.KeyLookup {
	return func(id uint32) (*crypt.Key, error) {
		for _, k := range keys {
			if k.ID() == id {
				return k, nil
			}
		}
		return nil, crypt.KeyNotFound(id)
	}
}

// isRejection reports whether err is one of the errors meaning "do not trust
// this ciphertext".
func isRejection(err error) bool {
	return errors.Is(err, crypt.ErrAuthFailed) || errors.Is(err, crypt.ErrMalformed)
}

// assertNoLeak fails if the error message contains any of the secrets.
func assertNoLeak(tb testing.TB, err error, secrets ...[]byte) {
	tb.Helper()
	if err == nil {
		return
	}
	msg := []byte(err.Error() + steward.ErrorMessage(err))
	for _, s := range secrets {
		if len(s) >= 4 && bytes.Contains(msg, s) {
			tb.Fatalf("error %q contains secret bytes", msg)
		}
	}
}
