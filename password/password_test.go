package password_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/password"
)

// Known answers from independent implementations: argon2id from Python's
// cryptography package (OpenSSL), bcrypt from libxcrypt via Perl's crypt().
const (
	argon2idVector = "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQtMTZieXRlcw$rJ+bte3bkaGmJYx1cPybJXxv5rKzTHzRkKVIAOhprek"
	bcryptTail     = "$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2"
	bcrypt72x      = "$2b$04$abcdefghijklmnopqrstuubzadhGtS2zEF.gu0yd0opP6cVzb.e0i" // 72 or more 'x'
)

func TestVerifyKnownAnswers(t *testing.T) {
	tests := []struct {
		name, pw, hash string
		want           bool
	}{
		{"argon2id", "correct horse", argon2idVector, true},
		{"argon2id wrong", "correct horsf", argon2idVector, false},
		{"bcrypt 2a", "correct horse", "$2a" + bcryptTail, true},
		{"bcrypt 2b", "correct horse", "$2b" + bcryptTail, true},
		{"bcrypt 2y", "correct horse", "$2y" + bcryptTail, true},
		{"bcrypt wrong", "Correct horse", "$2b" + bcryptTail, false},
		{"bcrypt 72 bytes", strings.Repeat("x", 72), bcrypt72x, true},
		{"bcrypt truncates like its origin", strings.Repeat("x", 80), bcrypt72x, true},
		{"bcrypt 71 bytes", strings.Repeat("x", 71), bcrypt72x, false},
	}
	for _, tt := range tests {
		got, err := password.Verify([]byte(tt.pw), tt.hash)
		if err != nil || got != tt.want {
			t.Errorf("%s: Verify = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestHashRoundTrip(t *testing.T) {
	h, err := password.Hash([]byte("s3cret pass"), password.TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("Hash = %q; want the PHC argon2id prefix with the given parameters", h)
	}
	if strings.Contains(h, "s3cret") {
		t.Fatal("hash contains the password")
	}
	for pw, want := range map[string]bool{"s3cret pass": true, "s3cret pasS": false, "": false} {
		if got, err := password.Verify([]byte(pw), h); err != nil || got != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, got, err, want)
		}
	}
	h2, _ := password.Hash([]byte("s3cret pass"), password.TestParams)
	if h2 == h {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

func TestDefaultParamsAreValidAndStrong(t *testing.T) {
	p := password.DefaultParams
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	// OWASP's minimum for argon2id: 19 MiB and 2 passes.
	if p.Memory < 19<<10 || p.Time < 2 || p.SaltLen < 16 || p.KeyLen < 32 {
		t.Errorf("DefaultParams %+v are below the OWASP minimum", p)
	}
}

func TestMalformedHashes(t *testing.T) {
	const secretPW = "my-password-123"
	bad := []string{
		"",
		"plaintext",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$",
		"$argon2d$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$t=1,m=64,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==",
		"$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$2b$05$short",
		"$2b$31$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
		"$2b$xx$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2",
		"$2b$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy!",
	}
	for _, h := range bad {
		ok, err := password.Verify([]byte(secretPW), h)
		if ok || steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("Verify(%q) = %v, %v; want false, EINVALID", h, ok, err)
		}
		if err != nil && (strings.Contains(err.Error(), secretPW) || (len(h) > 20 && strings.Contains(err.Error(), h))) {
			t.Errorf("error for %q leaks the password or the hash: %v", h, err)
		}
		if _, err := password.NeedsRehash(h, password.DefaultParams); steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("NeedsRehash(%q) = %v; want EINVALID", h, err)
		}
	}
}

func TestHashRejects(t *testing.T) {
	tests := []struct {
		name string
		pw   []byte
		p    password.Params
	}{
		{"empty password", nil, password.TestParams},
		{"overlong password", make([]byte, password.MaxLength+1), password.TestParams},
		{"zero time", []byte("pw"), password.Params{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}},
		{"zero threads", []byte("pw"), password.Params{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32}},
		{"tiny memory", []byte("pw"), password.Params{Memory: 7, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		{"short salt", []byte("pw"), password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32}},
		{"short key", []byte("pw"), password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8}},
		{"bcrypt cost below 10", []byte("pw"), password.Params{BcryptCost: 9}},
		{"bcrypt cost above 16", []byte("pw"), password.Params{BcryptCost: 17}},
		{"longer than bcrypt hashes", make([]byte, 73), password.Params{BcryptCost: 10}},
	}
	for _, tt := range tests {
		if _, err := password.Hash(tt.pw, tt.p); steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("%s: Hash = %v; want EINVALID", tt.name, err)
		}
	}
	if _, err := password.Verify(make([]byte, password.MaxLength+1), argon2idVector); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("Verify(overlong) = %v; want EINVALID", err)
	}
}

// TestBcryptHashing: with a bcrypt cost set (a policy promising bcrypt),
// new hashes are bcrypt at that cost and verify; argon2id hashes are then
// due for a rehash, and bcrypt ones of another cost too.
func TestBcryptHashing(t *testing.T) {
	p := password.Params{BcryptCost: 10}
	if p.Algorithm() != "bcrypt" || password.TestParams.Algorithm() != "argon2id" {
		t.Fatalf("algorithms = %q, %q", p.Algorithm(), password.TestParams.Algorithm())
	}
	h, err := password.Hash([]byte("correct horse"), p)
	if err != nil || !strings.HasPrefix(h, "$2a$10$") {
		t.Fatalf("Hash = %q, %v; want a bcrypt hash of cost 10", h, err)
	}
	if ok, err := password.Verify([]byte("correct horse"), h); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	if ok, _ := password.Verify([]byte("wrong horse"), h); ok {
		t.Fatal("a wrong password verified")
	}
	argon, _ := password.Hash([]byte("pw"), password.TestParams)
	for _, tt := range []struct {
		name, hash string
		p          password.Params
		want       bool
	}{
		{"bcrypt at the cost wanted", h, p, false},
		{"bcrypt at another cost", h, password.Params{BcryptCost: 11}, true},
		{"argon2id when bcrypt is wanted", argon, p, true},
		{"bcrypt when argon2id is wanted", h, password.TestParams, true},
	} {
		if got, err := password.NeedsRehash(tt.hash, tt.p); err != nil || got != tt.want {
			t.Errorf("%s: NeedsRehash = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	current, _ := password.Hash([]byte("pw"), password.TestParams)
	stronger := password.TestParams
	stronger.Time = 2
	tests := []struct {
		name, hash string
		p          password.Params
		want       bool
	}{
		{"current argon2id", current, password.TestParams, false},
		{"weaker than wanted", current, stronger, true},
		{"bcrypt import", "$2b" + bcryptTail, password.TestParams, true},
		{"argon2i import", strings.Replace(argon2idVector, "argon2id", "argon2i", 1), password.Params{Memory: 256, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}, true},
	}
	for _, tt := range tests {
		if got, err := password.NeedsRehash(tt.hash, tt.p); err != nil || got != tt.want {
			t.Errorf("%s: NeedsRehash = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestHasherLimitsConcurrency(t *testing.T) {
	h, err := password.NewHasher(password.TestParams, 1)
	if err != nil {
		t.Fatal(err)
	}
	slow := slowHash(t)
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		close(started)
		_, _ = h.Verify(context.Background(), []byte("pw"), slow) // holds the only slot
		close(done)
	}()
	<-started
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, []byte("pw")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash with the only slot busy = %v; want to wait until the deadline", err)
	}
	<-done
	hash, err := h.Hash(context.Background(), []byte("pw"))
	if err != nil {
		t.Fatalf("Hash once the slot is free: %v", err)
	}
	if ok, err := h.Verify(context.Background(), []byte("pw"), hash); !ok || err != nil {
		t.Errorf("Verify = %v, %v", ok, err)
	}
	if n, _ := h.NeedsRehash(hash); n {
		t.Error("a hash made by the Hasher needs rehash under its own parameters")
	}
	if _, err := password.NewHasher(password.TestParams, 0); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("NewHasher(0 slots) = %v; want EINVALID", err)
	}
}

// slowHash returns a hash whose verification takes well over 30 ms (~130 ms).
func slowHash(t *testing.T) string {
	h, err := password.Hash([]byte("pw"), password.Params{Memory: 64 << 10, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	return h
}
