// Package password hashes passwords with argon2id (RFC 9106) in PHC string
// format, or with bcrypt where a service's published policy promises it,
// verifies them in constant time, and also verifies bcrypt and argon2i
// hashes imported from other systems, reporting through NeedsRehash that they
// should be replaced by a hash of the configured kind at the next successful
// login.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/steward-privacy/steward"
)

// Params are argon2id parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes of hash output
	// BcryptCost, when set (10 to 16), makes new hashes bcrypt with this
	// cost instead of argon2id, for a service whose published policy
	// promises bcrypt (security.password_hashing). bcrypt hashes only 72
	// bytes, so longer passwords are then refused rather than truncated.
	BcryptCost int
}

// Algorithm names the function new hashes use: "argon2id" or "bcrypt".
func (p Params) Algorithm() string {
	if p.BcryptCost != 0 {
		return "bcrypt"
	}
	return "argon2id"
}

// Algorithms lists the functions new hashes can use, the default first.
func Algorithms() []string { return []string{"argon2id", "bcrypt"} }

// DefaultBcryptCost is the cost used when a policy asks for bcrypt: 2^12
// rounds, about 250 ms on this project's reference machine, above OWASP's
// minimum of 10.
const DefaultBcryptCost = 12

// bcryptMaxPassword is the most bcrypt hashes of a password.
const bcryptMaxPassword = 72

// DefaultParams is RFC 9106's second recommended option (section 4): 64 MiB,
// 3 passes, 4 lanes, 16-byte salt, 32-byte hash. It is well above OWASP's
// minimum (19 MiB, 2 passes, 1 lane), takes about 67 ms on this project's
// 2-core reference machine, and bounds memory at 64 MiB per hash in flight,
// which Hasher caps. A server that logs staff and subjects in is not a
// password-cracking target that can afford seconds per login, so this trades
// a guessing cost of ~67 ms of two cores per guess against login latency.
var DefaultParams = Params{Memory: 64 << 10, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}

// TestParams are cheap parameters for tests only: never use them in
// production.
var TestParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// MaxLength is the longest password accepted, in bytes.
const MaxLength = 1024

// maxBcryptCost bounds the cost of imported bcrypt hashes (2^16 rounds takes
// about 5 s), so a crafted hash cannot stall Verify.
const maxBcryptCost = 16

// Validate returns an EINVALID error naming the first bad parameter.
func (p Params) Validate() error {
	if p.BcryptCost != 0 {
		if p.BcryptCost < 10 || p.BcryptCost > maxBcryptCost {
			return steward.Invalid("bcrypt_cost", "bcrypt cost must be 10 to 16")
		}
		return nil
	}
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return steward.Invalid("time", "argon2 time must be 1 to 64")
	case p.Threads < 1:
		return steward.Invalid("threads", "argon2 threads must be 1 to 255")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		return steward.Invalid("memory", "argon2 memory must be 8*threads to 1048576 KiB")
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return steward.Invalid("salt_len", "salt length must be 8 to 64 bytes")
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return steward.Invalid("key_len", "hash length must be 16 to 64 bytes")
	}
	return nil
}

// Hash returns the argon2id hash of password under p, with a fresh random
// salt, in PHC string format, or its bcrypt hash when p.BcryptCost is set.
// Errors: EINVALID for bad parameters or a password that is empty or longer
// than MaxLength (72 bytes for bcrypt).
func Hash(password []byte, p Params) (string, error) {
	if err := checkPassword(password); err != nil {
		return "", err
	}
	if err := p.Validate(); err != nil {
		return "", err
	}
	if p.BcryptCost != 0 {
		if len(password) > bcryptMaxPassword {
			return "", steward.Errorf(steward.EINVALID, "password is longer than %d bytes, the most bcrypt hashes", bcryptMaxPassword)
		}
		h, err := bcrypt.GenerateFromPassword(password, p.BcryptCost)
		if err != nil {
			return "", steward.Errorf(steward.EINTERNAL, "bcrypt hashing failed")
		}
		return string(h), nil
	}
	salt := make([]byte, p.SaltLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails
	h := &phc{variant: "argon2id", params: p, salt: salt,
		hash: argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)}
	return h.String(), nil
}

// Verify reports whether password matches encoded, an argon2id or argon2i
// PHC string or a bcrypt hash ($2a$, $2b$, $2y$). The comparison is constant
// time. A wrong password is (false, nil); an error (EINVALID) means encoded
// is malformed or its parameters are out of bounds, or the password is longer
// than MaxLength. No error contains the password or the hash.
func Verify(password []byte, encoded string) (bool, error) {
	if len(password) > MaxLength {
		return false, steward.Errorf(steward.EINVALID, "password is longer than %d bytes", MaxLength)
	}
	if isBcrypt(encoded) {
		return verifyBcrypt(password, encoded)
	}
	h, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	var got []byte
	if h.variant == "argon2id" {
		got = argon2.IDKey(password, h.salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	} else {
		got = argon2.Key(password, h.salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	}
	return subtle.ConstantTimeCompare(got, h.hash) == 1, nil
}

// NeedsRehash reports whether encoded should be replaced by Hash(password, p)
// after a successful Verify: it was made by another function than p's, or
// with other parameters (an argon2i hash always). Errors: EINVALID for a
// malformed hash.
func NeedsRehash(encoded string, p Params) (bool, error) {
	if isBcrypt(encoded) {
		cost, err := bcryptCost(encoded)
		if err != nil {
			return false, err
		}
		return cost != p.BcryptCost, nil
	}
	h, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	hp := h.params
	return p.BcryptCost != 0 || h.variant != "argon2id" || hp.Memory != p.Memory || hp.Time != p.Time ||
		hp.Threads != p.Threads || hp.KeyLen != p.KeyLen || hp.SaltLen != p.SaltLen, nil
}

func checkPassword(password []byte) error {
	switch {
	case len(password) == 0:
		return steward.Errorf(steward.EINVALID, "password is empty")
	case len(password) > MaxLength:
		return steward.Errorf(steward.EINVALID, "password is longer than %d bytes", MaxLength)
	}
	return nil
}

func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

// bcryptCost returns the cost of a bcrypt hash, checking its shape.
func bcryptCost(encoded string) (int, error) {
	if len(encoded) != 60 {
		return 0, malformed("bcrypt hash must be 60 characters")
	}
	cost, err := bcrypt.Cost([]byte(encoded))
	if err != nil || encoded[6] != '$' {
		return 0, malformed("bad bcrypt cost")
	}
	for _, c := range encoded[7:] { // 22 characters of salt, 31 of hash
		if !(c == '.' || c == '/' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return 0, malformed("bcrypt hash has a character outside its alphabet")
		}
	}
	if cost > maxBcryptCost {
		return 0, malformed("bcrypt cost above 16")
	}
	return cost, nil
}

// verifyBcrypt checks a bcrypt hash. Like every bcrypt implementation, it uses
// only the first 72 bytes of the password, so hashes imported from systems
// that silently truncated keep working.
func verifyBcrypt(password []byte, encoded string) (bool, error) {
	if _, err := bcryptCost(encoded); err != nil {
		return false, err
	}
	err := bcrypt.CompareHashAndPassword([]byte(encoded), password)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, malformed("invalid bcrypt hash")
	}
}

// Hasher hashes and verifies with fixed parameters, running at most a given
// number of hashes at once, so that a burst of logins cannot exhaust memory
// (each argon2id hash holds Params.Memory KiB while it runs).
type Hasher struct {
	params Params
	slots  chan struct{}
}

// NewHasher returns a Hasher using p with at most maxConcurrent hashes in
// flight. Errors: EINVALID for bad parameters or maxConcurrent < 1.
func NewHasher(p Params, maxConcurrent int) (*Hasher, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if maxConcurrent < 1 {
		return nil, steward.Invalid("max_concurrent", "at least one concurrent hash is needed")
	}
	return &Hasher{params: p, slots: make(chan struct{}, maxConcurrent)}, nil
}

// Params returns the parameters new hashes use.
func (h *Hasher) Params() Params { return h.params }

// acquire waits for a free slot or for ctx to end.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Hash is Hash with h's parameters, waiting for a slot.
func (h *Hasher) Hash(ctx context.Context, password []byte) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-h.slots }()
	return Hash(password, h.params)
}

// Verify is Verify, waiting for a slot.
func (h *Hasher) Verify(ctx context.Context, password []byte, encoded string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer func() { <-h.slots }()
	return Verify(password, encoded)
}

// NeedsRehash is NeedsRehash with h's parameters.
func (h *Hasher) NeedsRehash(encoded string) (bool, error) { return NeedsRehash(encoded, h.params) }
