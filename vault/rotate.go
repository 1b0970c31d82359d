package vault

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// Progress reports a key rotation as it runs.
type Progress struct {
	Kind     string   `json:"kind" doc:"tenant or master"`
	TenantID string   `json:"tenant_id,omitempty"`
	Version  uint32   `json:"version" doc:"the new current key version"`
	Total    int      `json:"total" doc:"keys to rewrap"`
	Done     int      `json:"done" doc:"keys rewrapped so far"`
	Retired  []uint32 `json:"retired,omitempty" doc:"old versions destroyed because nothing uses them any more"`
	Kept     []uint32 `json:"kept,omitempty" doc:"old versions still in use, kept"`
	Finished bool     `json:"finished"`
}

// rewrapBatch is how many data keys one pass rewraps.
const rewrapBatch = 500

// RetireGrace is how long a rotation waits before destroying old tenant key
// versions, so that every replica (each caches the tenant's keys for up to
// 30 seconds) has switched to the new version; stragglers written in the
// meantime are rewrapped before anything is destroyed.
const RetireGrace = ringTTL + 5*time.Second

// RotateTenantKey makes a new version of the tenant's key current, rewraps
// every subject's data key and every secret under it, then destroys the old
// versions. Reads and writes keep working throughout: old versions stay
// readable until nothing uses them. progress (optional) is called as work
// advances.
func (v *Vault) RotateTenantKey(ctx context.Context, tenant string, grace time.Duration, progress func(Progress)) (Progress, error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	if _, err := v.store.Tenant(ctx, tenant); err != nil {
		return Progress{}, err
	}
	if _, err := v.ring.current(ctx, tenant); err != nil { // a tenant without a key gets version 1 first
		return Progress{}, err
	}
	nv, err := v.ring.rotate(ctx, tenant)
	if err != nil {
		return Progress{}, err
	}
	p := Progress{Kind: "tenant", TenantID: tenant, Version: nv}
	if err := v.auditRotation(ctx, tenant, "tenant-key:"+strconv.Itoa(int(nv))); err != nil {
		return p, err
	}
	if p.Total, err = v.store.CountSubjectsByKeyVersion(ctx, tenant, nv); err != nil {
		return p, err
	}
	names, err := v.store.SecretNames(ctx, tenant)
	if err != nil {
		return p, err
	}
	p.Total += len(names)
	progress(p)
	if err := v.rewrapTenant(ctx, tenant, nv, names, &p, progress); err != nil {
		return p, err
	}
	// Let other replicas pick up the new version, then catch stragglers.
	select {
	case <-time.After(grace):
	case <-ctx.Done():
		return p, ctx.Err()
	}
	names, err = v.store.SecretNames(ctx, tenant)
	if err != nil {
		return p, err
	}
	if err := v.rewrapTenant(ctx, tenant, nv, names, &p, progress); err != nil {
		return p, err
	}
	keys, err := v.store.TenantKeys(ctx, tenant)
	if err != nil {
		return p, err
	}
	for _, k := range keys {
		if k.Version < nv {
			err := v.store.DeleteTenantKey(ctx, tenant, k.Version)
			if errors.Is(err, steward.ErrKeyVersionInUse) {
				// A server wrapped a new subject under it after the last
				// rewrap pass (its keys were older than the grace): keep it;
				// the next rotation moves that subject and retires it.
				p.Kept = append(p.Kept, k.Version)
				continue
			}
			if err != nil {
				return p, err
			}
			p.Retired = append(p.Retired, k.Version)
		}
	}
	if _, err := v.ring.reload(ctx, tenant); err != nil {
		return p, err
	}
	p.Finished = true
	progress(p)
	return p, nil
}

// rewrapTenant moves every data key and secret of the tenant to version nv.
func (v *Vault) rewrapTenant(ctx context.Context, tenant string, nv uint32, secrets []string, p *Progress, progress func(Progress)) error {
	lookup := v.ring.lookup(ctx, tenant)
	newKey, err := lookup(nv)
	if err != nil {
		return err
	}
	for {
		batch, err := v.store.SubjectsByKeyVersion(ctx, tenant, nv, rewrapBatch)
		if err != nil || len(batch) == 0 {
			return v.resealSecrets(ctx, tenant, newKey, secrets, p, progress, err)
		}
		for _, s := range batch {
			w, err := crypt.RewrapDataKey(lookup, newKey, tenant, s.ID, 1, s.WrappedKey)
			if err != nil {
				return err
			}
			if err := v.store.RewrapSubject(ctx, tenant, s.ID, s.KeyVersion, w, nv); err != nil {
				return err
			}
			p.Done++
		}
		progress(*p)
	}
}

func (v *Vault) resealSecrets(ctx context.Context, tenant string, newKey *crypt.Key, names []string, p *Progress, progress func(Progress), err error) error {
	if err != nil {
		return err
	}
	lookup := v.ring.lookup(ctx, tenant)
	for _, name := range names {
		s, err := v.store.Secret(ctx, tenant, name)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if id, err := crypt.EnvelopeKeyID(s.Sealed); err == nil && id == newKey.ID() {
			continue
		}
		aad := secretAAD(tenant, name)
		plain, err := crypt.OpenWith(lookup, s.Sealed, aad)
		if err != nil {
			return err
		}
		s.Sealed = crypt.Seal(newKey, plain, aad)
		crypt.Wipe(plain)
		if err := v.store.PutSecret(ctx, s); err != nil {
			return err
		}
		p.Done++
	}
	progress(*p)
	return nil
}

// MasterKeyUser holds secrets outside the vault that the master key wraps
// (the audit log's checkpoint signing keys). A master rotation asks it to
// rewrap them under the new version before old versions are retired.
type MasterKeyUser interface {
	// RewrapMaster rewraps what it holds under the provider's current
	// version and returns the wrapped blobs it holds afterwards; their
	// versions are kept.
	RewrapMaster(ctx context.Context) ([][]byte, error)
}

// RotateMasterKey makes a new master key version current, rewraps every
// tenant key and what users hold under it, and retires the old master
// versions that nothing uses any more.
func (v *Vault) RotateMasterKey(ctx context.Context, users []MasterKeyUser, progress func(Progress)) (Progress, error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	nv, err := v.keys.Rotate(ctx)
	if err != nil {
		return Progress{}, err
	}
	p := Progress{Kind: "master", Version: nv}
	tenants, err := v.store.Tenants(ctx)
	if err != nil {
		return p, err
	}
	for _, t := range tenants {
		if err := v.auditRotation(ctx, t.ID, "master-key:"+strconv.Itoa(int(nv))); err != nil {
			return p, err
		}
	}
	type pending struct {
		tenant string
		key    *steward.TenantKey
	}
	var todo []pending
	for _, t := range tenants {
		keys, err := v.store.TenantKeys(ctx, t.ID)
		if err != nil {
			return p, err
		}
		for _, k := range keys {
			todo = append(todo, pending{t.ID, k})
		}
	}
	p.Total = len(todo)
	progress(p)
	for _, x := range todo {
		if mv, err := v.keys.WrappedVersion(x.key.Wrapped); err == nil && mv == nv {
			p.Done++
			continue
		}
		w, err := crypt.RewrapTenantKey(ctx, v.keys, x.tenant, x.key.Version, x.key.Wrapped)
		if err != nil {
			return p, err
		}
		if err := v.store.RewrapTenantKey(ctx, x.tenant, x.key.Version, w); err != nil {
			return p, err
		}
		p.Done++
		progress(p)
	}
	used := map[uint32]bool{nv: true}
	for _, u := range users {
		blobs, err := u.RewrapMaster(ctx)
		if err != nil {
			return p, err
		}
		for _, w := range blobs {
			if mv, err := v.keys.WrappedVersion(w); err == nil {
				used[mv] = true
			}
		}
	}
	versions, err := v.keys.Versions(ctx)
	if err != nil {
		return p, err
	}
	for _, ver := range versions {
		switch {
		case ver.Current || used[ver.Version]:
			if !ver.Current {
				p.Kept = append(p.Kept, ver.Version)
			}
		default:
			if err := v.keys.Retire(ctx, ver.Version); err != nil {
				return p, err
			}
			p.Retired = append(p.Retired, ver.Version)
		}
	}
	slices.Sort(p.Retired)
	p.Finished = true
	progress(p)
	return p, nil
}

// auditRotation records a rotation in the tenant's audit chain.
func (v *Vault) auditRotation(ctx context.Context, tenant, target string) error {
	c := &steward.Caller{TenantID: tenant, Kind: steward.ActorSystem, ID: "key-rotation"}
	if caller := steward.CallerFrom(ctx); caller != nil && caller.TenantID == tenant {
		c = caller
	}
	_, err := v.record(ctx, c, steward.AuditEvent{Action: steward.ActionKeyRotate, Target: target, Decision: steward.DecisionAllow})
	return err
}
