package crypt_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/crypt/keyfile"
)

func TestKeyHierarchy(t *testing.T) {
	ctx := context.Background()
	p, err := keyfile.Open(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	tk, wrappedTK, err := crypt.NewTenantKey(ctx, p, "t1", 1)
	if err != nil || tk.ID() != 1 {
		t.Fatalf("NewTenantKey = %v", err)
	}
	dk, wrappedDK, err := crypt.NewDataKey(tk, "t1", "s1", 1)
	if err != nil {
		t.Fatal(err)
	}
	record := crypt.Seal(dk, []byte("alice@example.com"), recordAAD.Bytes())

	// Read path: unwrap tenant key, unwrap data key, open the record.
	read := func(wrappedTK, wrappedDK []byte) (string, error) {
		tk, err := crypt.OpenTenantKey(ctx, p, "t1", 1, wrappedTK)
		if err != nil {
			return "", err
		}
		dk, err := crypt.OpenDataKey(lookupOf(tk), "t1", "s1", 1, wrappedDK)
		if err != nil {
			return "", err
		}
		pt, err := crypt.Open(dk, record, recordAAD.Bytes())
		return string(pt), err
	}
	if got, err := read(wrappedTK, wrappedDK); err != nil || got != "alice@example.com" {
		t.Fatalf("read = %q, %v", got, err)
	}

	// A wrapped key moved to another tenant or subject does not open.
	if _, err := crypt.OpenTenantKey(ctx, p, "t2", 1, wrappedTK); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("tenant key of t1 opened as t2's: %v", err)
	}
	if _, err := crypt.OpenTenantKey(ctx, p, "t1", 2, wrappedTK); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("tenant key version 1 opened as version 2: %v", err)
	}
	if _, err := crypt.OpenDataKey(lookupOf(tk), "t1", "s2", 1, wrappedDK); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("data key of s1 opened as s2's: %v", err)
	}
	// A data key cannot be opened as a tenant key (kinds differ).
	if _, err := crypt.Open(tk, wrappedDK, crypt.TenantKeyAAD("t1", 1).Bytes()); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("data key opened with a tenant-key AAD: %v", err)
	}

	// Master rotation: rewrap the tenant key; reads keep working, then retire.
	if _, err := p.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := p.WrappedVersion(wrappedTK); v != 1 {
		t.Fatalf("wrapped tenant key names master version %d; want 1", v)
	}
	rewrappedTK, err := crypt.RewrapTenantKey(ctx, p, "t1", 1, wrappedTK)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := p.WrappedVersion(rewrappedTK); v != 2 {
		t.Errorf("rewrapped tenant key names master version %d; want 2", v)
	}
	if err := p.Retire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got, err := read(rewrappedTK, wrappedDK); err != nil || got != "alice@example.com" {
		t.Errorf("read after master rotation = %q, %v", got, err)
	}
	if _, err := read(wrappedTK, wrappedDK); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("read with the tenant key wrapped under a retired master = %v; want ENOTFOUND", err)
	}

	// Tenant key rotation: rewrap the data key under tenant key version 2.
	tk2, _, err := crypt.NewTenantKey(ctx, p, "t1", 2)
	if err != nil {
		t.Fatal(err)
	}
	rewrappedDK, err := crypt.RewrapDataKey(lookupOf(tk), tk2, "t1", "s1", 1, wrappedDK)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := crypt.EnvelopeKeyID(rewrappedDK); v != 2 {
		t.Errorf("rewrapped data key names tenant key version %d; want 2", v)
	}
	dk2, err := crypt.OpenDataKey(lookupOf(tk2), "t1", "s1", 1, rewrappedDK)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := crypt.Open(dk2, record, recordAAD.Bytes()); err != nil || string(got) != "alice@example.com" {
		t.Errorf("record after tenant key rotation = %q, %v", got, err)
	}
	if _, err := crypt.OpenDataKey(lookupOf(tk2), "t1", "s1", 1, wrappedDK); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("old wrapped data key without tenant key 1 = %v; want ENOTFOUND", err)
	}
}
