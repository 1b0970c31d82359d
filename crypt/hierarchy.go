package crypt

import (
	"context"
	"strconv"
)

// The key hierarchy:
//
//	master key (in a KeyProvider, versioned)
//	  └─ wraps tenant key  (one per tenant and version; AAD: tenant, "tenantkey", version)
//	       └─ wraps data key (one per subject and version; AAD: tenant, subject, "datakey", version)
//	            └─ seals records (AAD: tenant, subject, "record", category, ref)
//	               and files     (AAD: tenant, subject, "file", file id)
//
// Destroying a subject's wrapped data key (crypto-shredding) makes all of the
// subject's records and files unreadable, even with the master key.

// TenantKeyAAD is the AAD under which version v of tenant's key is wrapped.
func TenantKeyAAD(tenant string, v uint32) AAD {
	return AAD{Tenant: tenant, Kind: KindTenantKey, Name: strconv.FormatUint(uint64(v), 10)}
}

// DataKeyAAD is the AAD under which version v of a subject's data key is wrapped.
func DataKeyAAD(tenant, subject string, v uint32) AAD {
	return AAD{Tenant: tenant, Subject: subject, Kind: KindDataKey, Name: strconv.FormatUint(uint64(v), 10)}
}

// NewTenantKey generates version v of tenant's key and wraps it with the
// master key of p. It returns the usable key (with ID v) and the wrapped bytes
// to store.
func NewTenantKey(ctx context.Context, p KeyProvider, tenant string, v uint32) (*Key, []byte, error) {
	material, err := GenerateKey()
	if err != nil {
		return nil, nil, err
	}
	defer material.Wipe()
	wrapped, err := p.Wrap(ctx, material, TenantKeyAAD(tenant, v).Bytes())
	if err != nil {
		return nil, nil, err
	}
	k, err := NewKey(v, material)
	return k, wrapped, err
}

// OpenTenantKey unwraps version v of tenant's key with p.
func OpenTenantKey(ctx context.Context, p KeyProvider, tenant string, v uint32, wrapped []byte) (*Key, error) {
	material, err := p.Unwrap(ctx, wrapped, TenantKeyAAD(tenant, v).Bytes())
	if err != nil {
		return nil, err
	}
	defer material.Wipe()
	return newUnwrappedKey(v, material)
}

// RewrapTenantKey unwraps a tenant key and wraps it again under p's current
// master version. Run it for every tenant key whose p.WrappedVersion is old;
// the tenant key itself, and so everything under it, stays the same.
func RewrapTenantKey(ctx context.Context, p KeyProvider, tenant string, v uint32, wrapped []byte) ([]byte, error) {
	aad := TenantKeyAAD(tenant, v).Bytes()
	material, err := p.Unwrap(ctx, wrapped, aad)
	if err != nil {
		return nil, err
	}
	defer material.Wipe()
	return p.Wrap(ctx, material, aad)
}

// NewDataKey generates version v of a subject's data key and wraps it under
// tenantKey. It returns the usable key (with ID v) and the wrapped bytes to store.
func NewDataKey(tenantKey *Key, tenant, subject string, v uint32) (*Key, []byte, error) {
	material, err := GenerateKey()
	if err != nil {
		return nil, nil, err
	}
	defer material.Wipe()
	wrapped := Seal(tenantKey, material, DataKeyAAD(tenant, subject, v).Bytes())
	k, err := NewKey(v, material)
	return k, wrapped, err
}

// OpenDataKey unwraps version v of a subject's data key; tenantKeys returns the
// tenant key version named in the wrapped bytes.
func OpenDataKey(tenantKeys KeyLookup, tenant, subject string, v uint32, wrapped []byte) (*Key, error) {
	material, err := OpenWith(tenantKeys, wrapped, DataKeyAAD(tenant, subject, v).Bytes())
	if err != nil {
		return nil, err
	}
	defer Wipe(material)
	return newUnwrappedKey(v, material)
}

// RewrapDataKey unwraps a data key with the tenant key version it names and
// wraps it again under newTenantKey, for tenant key rotation. Find the wrapped
// data keys to rewrap with EnvelopeKeyID.
func RewrapDataKey(tenantKeys KeyLookup, newTenantKey *Key, tenant, subject string, v uint32, wrapped []byte) ([]byte, error) {
	aad := DataKeyAAD(tenant, subject, v).Bytes()
	material, err := OpenWith(tenantKeys, wrapped, aad)
	if err != nil {
		return nil, err
	}
	defer Wipe(material)
	return Seal(newTenantKey, material, aad), nil
}

// newUnwrappedKey builds a key from unwrapped material; a wrong length means
// the wrapped bytes did not hold a key, which is corruption, not a bad argument.
func newUnwrappedKey(v uint32, material []byte) (*Key, error) {
	if len(material) != KeySize {
		return nil, ErrMalformed
	}
	return NewKey(v, material)
}
