package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestAPIKeySecretShape(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k := NewAPIKeySecret()
		if !strings.HasPrefix(k, KeyPrefix) || len(k) != len(KeyPrefix)+keyBodyLen {
			t.Fatalf("key %q has the wrong shape", k)
		}
		if !WellFormedAPIKey(k) {
			t.Fatalf("WellFormedAPIKey(fresh key) = false")
		}
		if seen[k] {
			t.Fatal("duplicate key")
		}
		seen[k] = true
	}
}

func TestWellFormedAPIKeyRejects(t *testing.T) {
	good := NewAPIKeySecret()
	// Flip one character of the body: the checksum must catch it.
	body := []byte(good)
	i := len(KeyPrefix) + 5
	if body[i] == 'a' {
		body[i] = 'b'
	} else {
		body[i] = 'a'
	}
	for _, s := range []string{"", "stw_", "sk_" + good[4:], good[:len(good)-1], good + "a", string(body),
		strings.ToUpper(good), "stw_" + strings.Repeat("a", keyBodyLen)} {
		if WellFormedAPIKey(s) {
			t.Errorf("WellFormedAPIKey(%q) = true; want false", s)
		}
	}
}

func TestHasherDomainsAndSecret(t *testing.T) {
	h1, _ := NewHasher([]byte(strings.Repeat("a", 32)))
	h2, _ := NewHasher([]byte(strings.Repeat("b", 32)))
	k := NewAPIKeySecret()
	if Equal(h1.Hash(domainAPIKey, k), h2.Hash(domainAPIKey, k)) {
		t.Fatal("different secrets give the same hash")
	}
	if Equal(h1.Hash(domainAPIKey, k), h1.Hash(domainSession, k)) {
		t.Fatal("different domains give the same hash")
	}
	if !Equal(h1.Hash(domainAPIKey, k), h1.Hash(domainAPIKey, k)) {
		t.Fatal("hash is not deterministic")
	}
	if _, err := NewHasher([]byte("short")); err == nil {
		t.Fatal("NewHasher accepted a short secret")
	}
}

// TestHasherReuse: pooled HMAC states give the same hash as a fresh HMAC,
// however many goroutines share the Hasher.
func TestHasherReuse(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	h, err := NewHasher(secret)
	if err != nil {
		t.Fatal(err)
	}
	want := func(cred string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(domainAPIKey + "\x00" + cred))
		return m.Sum(nil)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				cred := fmt.Sprintf("cred-%d-%d", g, i%5)
				if got := h.Hash(domainAPIKey, cred); !bytes.Equal(got, want(cred)) {
					t.Errorf("hash of %s differs from a fresh HMAC", cred)
					return
				}
			}
		}()
	}
	wg.Wait()
}
