package vault

import (
	"context"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// ringTTL bounds how long a replica trusts its cached view of a tenant's key
// versions, so a rotation made by another replica is picked up.
const ringTTL = 30 * time.Second

// keyring caches unwrapped tenant keys. Tenant keys are few and used for
// every data key, so they are unwrapped by the master key provider once per
// replica (and again after ringTTL); data keys are never cached, so an
// erased subject's key is gone from memory as soon as its request ends.
type keyring struct {
	store Store
	keys  crypt.KeyProvider
	now   func() time.Time

	mu      sync.Mutex
	tenants map[string]*tenantRing
}

type tenantRing struct {
	keys    map[uint32]*crypt.Key
	current uint32
	loaded  time.Time
}

func newKeyring(s Store, p crypt.KeyProvider, now func() time.Time) *keyring {
	return &keyring{store: s, keys: p, now: now, tenants: map[string]*tenantRing{}}
}

// current returns the tenant's current key, creating version 1 on first use.
func (k *keyring) current(ctx context.Context, tenant string) (*crypt.Key, error) {
	r, err := k.ring(ctx, tenant, 0)
	if err != nil {
		return nil, err
	}
	if r.current == 0 {
		if _, err := k.create(ctx, tenant, 1); err != nil {
			return nil, err
		}
		if r, err = k.reload(ctx, tenant); err != nil {
			return nil, err
		}
	}
	return r.keys[r.current], nil
}

// lookup returns a crypt.KeyLookup over the tenant's key versions.
func (k *keyring) lookup(ctx context.Context, tenant string) crypt.KeyLookup {
	return func(id uint32) (*crypt.Key, error) {
		r, err := k.ring(ctx, tenant, id)
		if err != nil {
			return nil, err
		}
		if key := r.keys[id]; key != nil {
			return key, nil
		}
		return nil, crypt.KeyNotFound(id)
	}
}

// ring returns the cached ring, reloading it when stale or when it lacks
// version want (0: any).
func (k *keyring) ring(ctx context.Context, tenant string, want uint32) (*tenantRing, error) {
	k.mu.Lock()
	r := k.tenants[tenant]
	k.mu.Unlock()
	if r != nil && k.now().Sub(r.loaded) < ringTTL && (want == 0 || r.keys[want] != nil) {
		return r, nil
	}
	return k.reload(ctx, tenant)
}

func (k *keyring) reload(ctx context.Context, tenant string) (*tenantRing, error) {
	stored, err := k.store.TenantKeys(ctx, tenant)
	if err != nil {
		return nil, err
	}
	r := &tenantRing{keys: map[uint32]*crypt.Key{}, loaded: k.now()}
	for _, tk := range stored {
		key, err := crypt.OpenTenantKey(ctx, k.keys, tenant, tk.Version, tk.Wrapped)
		if err != nil {
			return nil, err
		}
		r.keys[tk.Version] = key
		r.current = max(r.current, tk.Version)
	}
	k.mu.Lock()
	k.tenants[tenant] = r
	k.mu.Unlock()
	return r, nil
}

// create stores version v of the tenant key. Losing a race to another
// replica is fine: its version is used instead.
func (k *keyring) create(ctx context.Context, tenant string, v uint32) (uint32, error) {
	_, wrapped, err := crypt.NewTenantKey(ctx, k.keys, tenant, v)
	if err != nil {
		return 0, err
	}
	err = k.store.CreateTenantKey(ctx, &steward.TenantKey{TenantID: tenant, Version: v, Wrapped: wrapped, CreatedAt: k.now().UTC()})
	if err != nil && steward.ErrorCode(err) != steward.ECONFLICT {
		return 0, err
	}
	return v, nil
}

// rotate adds a new tenant key version and makes it current.
func (k *keyring) rotate(ctx context.Context, tenant string) (uint32, error) {
	r, err := k.reload(ctx, tenant)
	if err != nil {
		return 0, err
	}
	v, err := k.create(ctx, tenant, r.current+1)
	if err != nil {
		return 0, err
	}
	_, err = k.reload(ctx, tenant)
	return v, err
}

// indexKeys derives and caches each tenant's blind-index key from the
// master key provider's root secret, so that index keys survive key
// rotation (an index must keep finding the same value).
type indexKeys struct {
	d    crypt.KeyDeriver
	mu   sync.RWMutex
	keys map[string]crypt.Secret
}

func newIndexKeys(d crypt.KeyDeriver) *indexKeys {
	return &indexKeys{d: d, keys: map[string]crypt.Secret{}}
}

func (x *indexKeys) get(ctx context.Context, tenant string) (crypt.Secret, error) {
	x.mu.RLock()
	k := x.keys[tenant]
	x.mu.RUnlock()
	if k != nil {
		return k, nil
	}
	k, err := x.d.DeriveKey(ctx, "blind-index/"+tenant)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	x.keys[tenant] = k
	x.mu.Unlock()
	return k, nil
}
