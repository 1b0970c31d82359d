package vault

import (
	"context"
	"sync"

	"github.com/steward-privacy/steward"
)

// Rotations runs key rotations in the background for the API, one at a
// time per tenant, and remembers the progress of the latest one.
type Rotations struct {
	v  *Vault
	mu sync.Mutex
	// latest progress per tenant ("" for the master key), and whether a
	// rotation is running.
	latest  map[string]Progress
	running map[string]bool
	errs    map[string]string
}

// NewRotations returns a tracker for v.
func NewRotations(v *Vault) *Rotations {
	return &Rotations{v: v, latest: map[string]Progress{}, running: map[string]bool{}, errs: map[string]string{}}
}

// RotationStatus is what the API reports of a rotation.
type RotationStatus struct {
	Progress
	Running bool   `json:"running"`
	Error   string `json:"error,omitempty"`
}

// StartTenant starts rotating the caller's tenant key (admin only).
func (r *Rotations) StartTenant(ctx context.Context) (RotationStatus, error) {
	c, err := require(ctx, steward.ScopeAdmin)
	if err != nil {
		return RotationStatus{}, err
	}
	return r.start(ctx, c.TenantID, func(bg context.Context, report func(Progress)) error {
		_, err := r.v.RotateTenantKey(steward.WithCaller(bg, c), c.TenantID, RetireGrace, report)
		return err
	})
}

// StartMaster starts rotating the master key (operator only: tenants:write).
// users hold other master-wrapped secrets, rewrapped along.
func (r *Rotations) StartMaster(ctx context.Context, users []MasterKeyUser) (RotationStatus, error) {
	if _, err := require(ctx, steward.ScopeTenantsWrite); err != nil {
		return RotationStatus{}, err
	}
	return r.start(ctx, "", func(bg context.Context, report func(Progress)) error {
		_, err := r.v.RotateMasterKey(bg, users, report)
		return err
	})
}

// start runs a rotation in the background, with the request's context
// values (caller, request id) but not its cancellation, so its audit
// events name the request that started it.
func (r *Rotations) start(ctx context.Context, key string, run func(context.Context, func(Progress)) error) (RotationStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[key] {
		return RotationStatus{}, steward.Errorf(steward.ECONFLICT, "a rotation of this key is already running")
	}
	r.running[key], r.errs[key] = true, ""
	r.latest[key] = Progress{Kind: kindOf(key), TenantID: key}
	go func() {
		err := run(context.WithoutCancel(ctx), func(p Progress) {
			r.mu.Lock()
			r.latest[key] = p
			r.mu.Unlock()
		})
		r.mu.Lock()
		r.running[key] = false
		if err != nil {
			r.errs[key] = steward.ErrorMessage(err)
		}
		r.mu.Unlock()
	}()
	return RotationStatus{Progress: r.latest[key], Running: true}, nil
}

func kindOf(key string) string {
	if key == "" {
		return "master"
	}
	return "tenant"
}

// Status reports the latest rotation of the caller's tenant key, or of the
// master key when master is set (operator only).
func (r *Rotations) Status(ctx context.Context, master bool) (RotationStatus, error) {
	scope := steward.ScopeAdmin
	if master {
		scope = steward.ScopeTenantsWrite
	}
	c, err := require(ctx, scope)
	if err != nil {
		return RotationStatus{}, err
	}
	key := c.TenantID
	if master {
		key = ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.latest[key]
	if !ok {
		return RotationStatus{}, steward.Errorf(steward.ENOTFOUND, "no rotation has run since the server started")
	}
	return RotationStatus{Progress: p, Running: r.running[key], Error: r.errs[key]}, nil
}
