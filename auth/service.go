package auth

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
)

// Sealer encrypts the few personal values the auth layer keeps (staff
// emails, TOTP secrets) and computes blind indexes to find them again.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(ciphertext, aad []byte) ([]byte, error)
	BlindIndex(kind, value string) []byte
}

// Store is what the auth service needs from storage.
type Store interface {
	steward.TenantStore
	steward.APIKeyStore
	steward.StaffStore
}

// Service issues and checks credentials. Its methods authorize from the
// caller in the context.
type Service struct {
	store  Store
	hasher *Hasher
	sealer Sealer
	now    func() time.Time
	audit  steward.AuditLog
	fails  failures
	// operator is the operator tenant's id, once known (guarded by fails.mu).
	operator string
	// Lockout tunes staff sign-in back-off.
	Lockout Lockout

	touchMu sync.Mutex
	touched map[string]time.Time // key id -> last recorded use
	keys    *keyCache
}

// NewService returns a Service. now is the clock (time.Now in production).
func NewService(store Store, hasher *Hasher, sealer Sealer, now func() time.Time) *Service {
	return &Service{store: store, hasher: hasher, sealer: sealer, now: now,
		Lockout: DefaultLockout, touched: map[string]time.Time{}, keys: newKeyCache()}
}

// touchInterval bounds how often a key's last-used time is written: at most
// once a minute per key, so reads do not turn into writes.
const touchInterval = time.Minute

// errKeyDenied is the one answer to every unknown, malformed or revoked
// API key, so that none can be told from another. Errors are never
// modified once made, so one value serves every request.
var errKeyDenied = steward.Errorf(steward.EUNAUTHORIZED, "invalid or revoked API key")

// AuthenticateKey returns the caller for a bearer API key. Unknown, malformed
// and revoked keys all give EUNAUTHORIZED with the same message.

func (s *Service) AuthenticateKey(ctx context.Context, secret string) (*steward.Caller, error) {
	if len(secret) != len(KeyPrefix)+keyBodyLen { // cheap, before hashing anything
		return nil, errKeyDenied
	}
	h := s.hasher.Hash(domainAPIKey, secret)
	now := s.now()
	if c := s.keys.get(h, now); c != nil { // only well-formed keys are ever cached
		s.touch(ctx, c.ID)
		return c, nil
	}
	if !WellFormedAPIKey(secret) {
		return nil, errKeyDenied
	}
	k, err := s.store.APIKeyByHash(ctx, h)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, errKeyDenied
	}
	if err != nil {
		return nil, err
	}
	if !Equal(k.Hash, h) || !k.Active() {
		return nil, errKeyDenied
	}
	s.touch(ctx, k.ID)
	c := &steward.Caller{TenantID: k.TenantID, Kind: steward.ActorAPIKey, ID: k.ID, Scopes: k.Scopes}
	s.keys.put(h, c, now)
	return c, nil
}

func (s *Service) touch(ctx context.Context, id string) {
	now := s.now()
	s.touchMu.Lock()
	last, ok := s.touched[id]
	due := !ok || now.Sub(last) >= touchInterval
	if due {
		s.touched[id] = now
	}
	s.touchMu.Unlock()
	if due {
		// Best effort: a failed last-used update must not fail the request.
		_ = s.store.TouchAPIKey(context.WithoutCancel(ctx), id, now)
	}
}

// NewKey is the result of creating an API key: its description and the
// secret, which is shown once.
type NewKey struct {
	Key    *steward.APIKey
	Secret string
}

// CreateAPIKey mints a key in the caller's tenant. The caller needs admin and
// may only grant scopes it holds or implies itself (a dedicated scope only
// if it holds it).
func (s *Service) CreateAPIKey(ctx context.Context, name string, scopes steward.Scopes) (*NewKey, error) {
	c, err := steward.Require(ctx, steward.ScopeAdmin)
	if err != nil {
		return nil, err
	}
	if err := steward.ValidateName("name", name); err != nil {
		return nil, err
	}
	if !c.Scopes.Covers(scopes) {
		_ = s.record(ctx, c.TenantID, c.Actor(), steward.ActionAPIKeyCreate, "", steward.DecisionDeny, "scope_not_held")
		return nil, &steward.Error{Code: steward.EFORBIDDEN, Message: "a key cannot grant scopes its creator does not hold",
			Fields: []steward.FieldError{{Path: "scopes", Message: "exceeds the caller's scopes"}}}
	}
	return s.mintKey(ctx, c.TenantID, name, scopes, c.Actor())
}

func (s *Service) mintKey(ctx context.Context, tenantID, name string, scopes steward.Scopes, by string) (*NewKey, error) {
	secret := NewAPIKeySecret()
	k := &steward.APIKey{TenantID: tenantID, Name: name, Scopes: scopes, Hash: s.hasher.Hash(domainAPIKey, secret),
		CreatedAt: s.now().UTC(), CreatedBy: by}
	if err := s.store.CreateAPIKey(ctx, k); err != nil {
		return nil, err
	}
	if err := s.record(ctx, tenantID, by, steward.ActionAPIKeyCreate, k.ID, steward.DecisionAllow, scopeReasons(scopes)...); err != nil {
		return nil, err
	}
	return &NewKey{Key: k, Secret: secret}, nil
}

// ListAPIKeys lists the caller's tenant's keys (never their secrets).
func (s *Service) ListAPIKeys(ctx context.Context) ([]*steward.APIKey, error) {
	c, err := steward.Require(ctx, steward.ScopeAdmin)
	if err != nil {
		return nil, err
	}
	return s.store.APIKeys(ctx, c.TenantID)
}

// RevokeAPIKey revokes a key of the caller's tenant, effective at once. The
// caller must hold (or imply) every scope of the key it revokes, and the
// last active key that can create tenants cannot be revoked (ECONFLICT),
// so the operator never locks itself out.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) error {
	c, err := steward.Require(ctx, steward.ScopeAdmin)
	if err != nil {
		return err
	}
	keys, err := s.store.APIKeys(ctx, c.TenantID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(keys, func(k *steward.APIKey) bool { return k.ID == id })
	if i < 0 {
		return steward.Errorf(steward.ENOTFOUND, "no such API key")
	}
	if reason := s.revocable(c, keys, keys[i]); reason != nil {
		_ = s.record(ctx, c.TenantID, c.Actor(), steward.ActionAPIKeyRevoke, id, steward.DecisionDeny, steward.ErrorCode(reason))
		return reason
	}
	if err := s.store.RevokeAPIKey(ctx, c.TenantID, id, s.now().UTC()); err != nil {
		return err
	}
	s.keys.evict(id)
	return s.record(ctx, c.TenantID, c.Actor(), steward.ActionAPIKeyRevoke, id, steward.DecisionAllow)
}

// revocable returns why the caller may not revoke k, or nil.
func (s *Service) revocable(c *steward.Caller, keys []*steward.APIKey, k *steward.APIKey) error {
	if !c.Scopes.Covers(k.Scopes) {
		return steward.Errorf(steward.EFORBIDDEN, "a key holding scopes the caller does not hold cannot be revoked by it")
	}
	if !k.Active() || !k.Scopes.HasExactly(steward.ScopeTenantsWrite) {
		return nil
	}
	for _, o := range keys {
		if o.ID != k.ID && o.Active() && o.Scopes.HasExactly(steward.ScopeTenantsWrite) {
			return nil
		}
	}
	return steward.Errorf(steward.ECONFLICT, "this is the last key that can create tenants; create another first")
}

// Bootstrap creates the operator tenant and its first admin key if no tenant
// exists yet. It returns nil when the store was already set up, so that the
// secret is printed on the first start only. Concurrent first starts are
// safe: the tenant name is unique, and the loser gets nil.
func (s *Service) Bootstrap(ctx context.Context, name, region string) (*NewKey, error) {
	ts, err := s.store.Tenants(ctx)
	if err != nil || len(ts) > 0 {
		return nil, err
	}
	t := &steward.Tenant{Name: name, HomeRegion: region, CreatedAt: s.now().UTC()}
	if err := s.store.CreateTenant(ctx, t); err != nil {
		if steward.ErrorCode(err) == steward.ECONFLICT {
			return nil, nil
		}
		return nil, err
	}
	if err := s.record(ctx, t.ID, "system:bootstrap", ActionTenantCreate, t.ID, steward.DecisionAllow); err != nil {
		return nil, err
	}
	return s.mintKey(ctx, t.ID, "bootstrap", steward.Scopes{steward.ScopeAdmin, steward.ScopeSecretsRead, steward.ScopeTenantsWrite}, "system:bootstrap")
}

// SetTenantSlug changes a tenant's slug, the name of its privacy center in
// URLs (operator only: tenants:write). Audited in the operator's chain.
func (s *Service) SetTenantSlug(ctx context.Context, id, slug string) (*steward.Tenant, error) {
	c, err := steward.Require(ctx, steward.ScopeTenantsWrite)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetTenantSlug(ctx, id, slug); err != nil {
		return nil, err
	}
	if err := s.record(ctx, c.TenantID, c.Actor(), ActionTenantSlug, id, steward.DecisionAllow); err != nil {
		return nil, err
	}
	return s.store.Tenant(ctx, id)
}

// CreateTenant creates a tenant and its first admin key. Only a caller with
// tenants:write (the operator's bootstrap key) may do it.
func (s *Service) CreateTenant(ctx context.Context, name, region string) (*steward.Tenant, *NewKey, error) {
	c, err := steward.Require(ctx, steward.ScopeTenantsWrite)
	if err != nil {
		return nil, nil, err
	}
	t := &steward.Tenant{Name: name, HomeRegion: region, CreatedAt: s.now().UTC()}
	if err := s.store.CreateTenant(ctx, t); err != nil {
		return nil, nil, err
	}
	if err := s.record(ctx, c.TenantID, c.Actor(), ActionTenantCreate, t.ID, steward.DecisionAllow); err != nil {
		return nil, nil, err
	}
	// The new tenant's first key holds admin and the dedicated secrets:read,
	// so its owner can do everything in it and grant any of it.
	k, err := s.mintKey(ctx, t.ID, "admin", steward.Scopes{steward.ScopeAdmin, steward.ScopeSecretsRead}, c.Actor())
	return t, k, err
}
