// Package holds manages legal holds: a hold on one subject, or on one
// category (and those below it) of every subject of the tenant, suspends
// the retention job's deletions and the erasure of what it covers until it
// is released or its end passes.
//
// The reason of a hold is free text; it is stored only sealed under a key
// derived from the master key provider (so it survives tenant and master
// key rotations) and never written to the audit log, whose hold events
// carry ids only. Managing holds needs the dedicated holds:manage scope,
// which admin does not imply.
package holds

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/policy"
)

// Store is what the service needs from storage: holds, and the subject row
// to refuse a hold on an unknown subject.
type Store interface {
	steward.HoldStore
	SubjectState(ctx context.Context, tenantID, subjectID string) (*steward.Subject, error)
}

// Policies gives the policy in force; *vault.Vault is one.
type Policies interface {
	Policy() *policy.Decider
}

// Config holds the service's dependencies.
type Config struct {
	Store    Store
	Policies Policies
	Audit    steward.AuditLog
	// SealKey seals hold reasons: a 32-byte secret derived from the master
	// key provider (label "hold-seal").
	SealKey crypt.Secret
	Now     func() time.Time
	// OnRelease runs after a hold is released (its Reason filled in), so
	// that an erasure the hold kept can finish. Optional; an error is
	// returned to the caller, the release stays.
	OnRelease func(ctx context.Context, h *steward.Hold) error
}

// Service manages legal holds.
type Service struct {
	store     Store
	pols      Policies
	audit     steward.AuditLog
	seal      *crypt.Key
	now       func() time.Time
	onRelease func(ctx context.Context, h *steward.Hold) error
}

// New returns a Service; it fails only on a SealKey of the wrong size.
func New(c Config) (*Service, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	k, err := crypt.NewKey(1, c.SealKey)
	if err != nil {
		return nil, err
	}
	return &Service{store: c.Store, pols: c.Policies, audit: c.Audit, seal: k, now: c.Now, onRelease: c.OnRelease}, nil
}

// SetOnRelease sets the release hook after construction (the requests
// service that needs it may be built after the holds service).
func (s *Service) SetOnRelease(fn func(ctx context.Context, h *steward.Hold) error) { s.onRelease = fn }

// require returns the caller if it holds holds:manage itself.
func require(ctx context.Context) (*steward.Caller, error) {
	c := steward.CallerFrom(ctx)
	if c == nil {
		return nil, steward.Errorf(steward.EUNAUTHORIZED, "authentication required")
	}
	if !c.Scopes.Has(steward.ScopeHoldsManage) {
		return nil, steward.Errorf(steward.EFORBIDDEN, "managing legal holds needs the %q scope", steward.ScopeHoldsManage)
	}
	return c, nil
}

// aad binds a sealed reason to its tenant and hold.
func aad(tenant, id string) []byte {
	return crypt.AAD{Tenant: tenant, Kind: crypt.KindSecret, Name: "hold." + id}.Bytes()
}

// record appends an audit event about a hold: ids only.
func (s *Service) record(ctx context.Context, c *steward.Caller, action string, h *steward.Hold) error {
	e := &steward.AuditEvent{TenantID: c.TenantID, Actor: c.Actor(), Time: s.now().UTC(), Action: action,
		SubjectID: h.SubjectID, Target: h.ID, Decision: steward.DecisionAllow}
	if h.Category != "" {
		e.Categories = []string{h.Category}
	}
	if info := steward.RequestFrom(ctx); info != nil {
		e.RequestID, e.ClientIP = info.ID, info.ClientIP
	}
	return s.audit.Append(ctx, e)
}
