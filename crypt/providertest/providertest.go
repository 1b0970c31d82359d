// Package providertest is the conformance suite every master key provider
// (crypt.KeyProvider and crypt.KeyDeriver) passes: the key file and the
// PKCS#11 token run the same tests, so a server behaves the same on either.
package providertest

import (
	"bytes"
	"context"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Provider is what the suite tests.
type Provider interface {
	crypt.KeyProvider
	crypt.KeyDeriver
}

// Opener opens a provider. Calls after the first open the same store again
// (the same key file, the same token), as another process would.
type Opener func(t *testing.T) Provider

// Run runs the suite. fresh makes a new, empty store (a key file in a new
// folder, a newly initialised token) and returns an opener of it; each call
// of the opener opens that same store again, as another process would.
func Run(t *testing.T, fresh func(t *testing.T) Opener) {
	ctx := context.Background()
	t.Run("WrapUnwrap", func(t *testing.T) {
		p := fresh(t)(t)
		key := mustKey(t)
		w, err := p.Wrap(ctx, key, []byte("tenant-a"))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(w, key) {
			t.Fatal("the wrapped blob holds the key in clear")
		}
		got, err := p.Unwrap(ctx, w, []byte("tenant-a"))
		if err != nil || !got.Equal(key) {
			t.Fatalf("Unwrap = %v; want the wrapped key", err)
		}
		if _, err := p.Unwrap(ctx, w, []byte("tenant-b")); err == nil {
			t.Fatal("Unwrap with another aad succeeded")
		}
		bad := bytes.Clone(w)
		bad[len(bad)-1] ^= 1
		if _, err := p.Unwrap(ctx, bad, []byte("tenant-a")); err == nil {
			t.Fatal("Unwrap of an altered blob succeeded")
		}
		if _, err := p.Wrap(ctx, key[:16], nil); steward.ErrorCode(err) != steward.EINVALID {
			t.Fatalf("Wrap of a 16-byte key: %v; want EINVALID", err)
		}
		if _, err := p.WrappedVersion([]byte("junk")); err == nil {
			t.Fatal("WrappedVersion of junk succeeded")
		}
	})
	t.Run("RotateAndRetire", func(t *testing.T) {
		p := fresh(t)(t)
		key := mustKey(t)
		old, err := p.Wrap(ctx, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		v1, _ := p.WrappedVersion(old)
		v2, err := p.Rotate(ctx)
		if err != nil || v2 <= v1 {
			t.Fatalf("Rotate = %d, %v; want a version after %d", v2, err, v1)
		}
		vs, err := p.Versions(ctx)
		if err != nil || len(vs) != 2 || vs[0].Version != v1 || vs[1].Version != v2 || !vs[1].Current || vs[0].Current {
			t.Fatalf("Versions = %+v, %v", vs, err)
		}
		fresh, err := p.Wrap(ctx, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := p.WrappedVersion(fresh); v != v2 {
			t.Fatalf("a new wrap names version %d; want %d", v, v2)
		}
		if got, err := p.Unwrap(ctx, old, nil); err != nil || !got.Equal(key) {
			t.Fatalf("a blob of the old version no longer unwraps: %v", err)
		}
		if err := p.Retire(ctx, v2); steward.ErrorCode(err) != steward.ECONFLICT {
			t.Fatalf("Retire(current) = %v; want ECONFLICT", err)
		}
		if err := p.Retire(ctx, v2+100); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("Retire(unknown) = %v; want ENOTFOUND", err)
		}
		if err := p.Retire(ctx, v1); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Unwrap(ctx, old, nil); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("Unwrap under a retired version = %v; want ENOTFOUND", err)
		}
		if got, err := p.Unwrap(ctx, fresh, nil); err != nil || !got.Equal(key) {
			t.Fatalf("the current version no longer unwraps: %v", err)
		}
	})
	t.Run("SeenByAnotherOpener", func(t *testing.T) {
		open := fresh(t)
		a, b := open(t), open(t)
		key := mustKey(t)
		w, err := a.Wrap(ctx, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := b.Unwrap(ctx, w, nil); err != nil || !got.Equal(key) {
			t.Fatalf("another opener cannot unwrap: %v", err)
		}
		v, err := b.Rotate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The first opener wraps under the version the second created.
		w2, err := a.Wrap(ctx, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := a.WrappedVersion(w2); got != v {
			t.Fatalf("after another process rotated, Wrap used version %d; want %d", got, v)
		}
		if got, err := b.Unwrap(ctx, w2, nil); err != nil || !got.Equal(key) {
			t.Fatalf("unwrap across openers after rotation: %v", err)
		}
		da, err := a.DeriveKey(ctx, "api-key-hmac")
		if err != nil {
			t.Fatal(err)
		}
		db, err := b.DeriveKey(ctx, "api-key-hmac")
		if err != nil || !da.Equal(db) {
			t.Fatalf("two openers derive different secrets: %v", err)
		}
	})
	t.Run("DeriveKey", func(t *testing.T) {
		p := fresh(t)(t)
		a1, err := p.DeriveKey(ctx, "label-a")
		if err != nil || len(a1) != crypt.KeySize {
			t.Fatalf("DeriveKey = %d bytes, %v", len(a1), err)
		}
		if _, err := p.Rotate(ctx); err != nil {
			t.Fatal(err)
		}
		a2, _ := p.DeriveKey(ctx, "label-a")
		b, _ := p.DeriveKey(ctx, "label-b")
		if !a1.Equal(a2) {
			t.Fatal("a derived secret changed with the master version")
		}
		if a1.Equal(b) {
			t.Fatal("two labels derive the same secret")
		}
		for _, bad := range []string{"", "tab\tlabel", string(make([]byte, 129))} {
			if _, err := p.DeriveKey(ctx, bad); steward.ErrorCode(err) != steward.EINVALID {
				t.Errorf("DeriveKey(%q) = %v; want EINVALID", bad, err)
			}
		}
	})
}

func mustKey(t *testing.T) crypt.Secret {
	t.Helper()
	k, err := crypt.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}
