//go:build pkcs11

package pkcs11_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ThalesGroup/crypto11"
	p11 "github.com/miekg/pkcs11"

	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/crypt/pkcs11"
	"github.com/steward-privacy/steward/crypt/providertest"
)

// settings returns the test token (STEWARD_TEST_PKCS11, set by .ci/run
// with a SoftHSM2 token) or skips.
func settings(t *testing.T) pkcs11.Settings {
	t.Helper()
	s, ok := pkcs11.FromTestEnv()
	if !ok {
		t.Skip("STEWARD_TEST_PKCS11 is not set (MODULE|TOKEN_LABEL|PIN); .ci/run sets it with SoftHSM2")
	}
	return s
}

// wipe destroys every key object of the token, so a test starts empty.
func wipe(t *testing.T, s pkcs11.Settings) {
	t.Helper()
	c, err := crypto11.Configure(&crypto11.Config{Path: s.Module, TokenLabel: s.TokenLabel, Pin: string(s.PIN)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	keys, err := c.FindAllKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := k.Delete(); err != nil {
			t.Fatal(err)
		}
	}
}

func open(t *testing.T, s pkcs11.Settings) pkcs11.KeyStore {
	t.Helper()
	p, err := pkcs11.Open(s, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestConformance runs the key provider conformance suite on the token.
func TestConformance(t *testing.T) {
	s := settings(t)
	providertest.Run(t, func(t *testing.T) providertest.Opener {
		wipe(t, s)
		return func(t *testing.T) providertest.Provider { return open(t, s) }
	})
}

// TestMasterKeyNeverLeavesTheToken: the master key objects are sensitive
// and not extractable; reading their value fails.
func TestMasterKeyNeverLeavesTheToken(t *testing.T) {
	s := settings(t)
	wipe(t, s)
	open(t, s)
	c, err := crypto11.Configure(&crypto11.Config{Path: s.Module, TokenLabel: s.TokenLabel, Pin: string(s.PIN)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	keys, err := c.FindAllKeys()
	if err != nil || len(keys) != 2 {
		t.Fatalf("token holds %d keys, %v; want the root and version 1", len(keys), err)
	}
	for _, k := range keys {
		a, err := c.GetAttributes(k, []crypto11.AttributeType{p11.CKA_EXTRACTABLE, p11.CKA_SENSITIVE})
		if err != nil {
			t.Fatal(err)
		}
		if a[p11.CKA_EXTRACTABLE].Value[0] != 0 || a[p11.CKA_SENSITIVE].Value[0] != 1 {
			t.Fatalf("a key object is extractable or not sensitive: %v", a)
		}
		if _, err := c.GetAttribute(k, p11.CKA_VALUE); err == nil {
			t.Fatal("the token gave out a key's value")
		}
	}
}

// TestWrongPINIsRefusedClearly: a wrong PIN fails Open with a message that
// says so and does not contain the PIN.
func TestWrongPINIsRefusedClearly(t *testing.T) {
	s := settings(t)
	s.PIN = crypt.Secret("wrong-pin-0000")
	_, err := pkcs11.Open(s, time.Now)
	if err == nil {
		t.Fatal("Open with a wrong PIN succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "refused the PIN") || strings.Contains(msg, "wrong-pin-0000") {
		t.Fatalf("error = %q; want it to say the PIN was refused, without the PIN", msg)
	}
}
