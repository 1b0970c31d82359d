// Package vault is where personal data lives: subjects, their records and
// files, encrypted under a per-subject data key (wrapped by a tenant key,
// wrapped by the master key), read only for a purpose the policy allows, and
// erased by destroying the data key with the rows and files (G1, G2, G3).
//
// Every read, write, denial and erasure is an audit event, without the value.
// The service authorizes from the caller in the context; the policy decides
// through the compiled policy.Decider, never through code here.
package vault

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/policy"
)

// Store is what the vault needs from storage.
type Store interface {
	steward.TenantStore
	steward.VaultStore
	RewrapTenantKey(ctx context.Context, tenantID string, version uint32, wrapped []byte) error
	DeleteTenantKey(ctx context.Context, tenantID string, version uint32) error
	CountSubjectsByKeyVersion(ctx context.Context, tenantID string, below uint32) (int, error)
	RecordCategories(ctx context.Context) ([]string, error)
	ExpireRecords(ctx context.Context, category string, before, now time.Time, limit int) ([]*steward.Record, error)
	SubjectStateStore
	PendingBlobDeletions(ctx context.Context, limit int) ([]string, error)
	BlobDeleted(ctx context.Context, key string) error
	SubjectFiles(ctx context.Context, tenantID, subjectID string) ([]*steward.FileMeta, error)
}

// SubjectStateStore keeps what rights requests change on a subject (its
// restriction, objections, age flag, identifiers and chosen retentions)
// and answers what holds keep from retention and erasure. Every setter
// evicts the subject from the caches (every replica's).
type SubjectStateStore interface {
	SetRestriction(ctx context.Context, tenantID, subjectID string, on bool, until time.Time) error
	SetObjections(ctx context.Context, tenantID, subjectID string, all bool, purposes []string) error
	SetBelowMinimumAge(ctx context.Context, tenantID, subjectID string, below bool) error
	SetStaffAccessAgreed(ctx context.Context, tenantID, subjectID string, agreed bool) error
	// AccessGrant returns a break-glass access grant, for reads that name
	// one (Access.Grant).
	AccessGrant(ctx context.Context, tenantID, id string) (*steward.AccessGrant, error)
	UpdateIdentifiers(ctx context.Context, s *steward.Subject) error
	PutSubjectRetention(ctx context.Context, r *steward.SubjectRetention) error
	SubjectRetentions(ctx context.Context, tenantID, subjectID string) ([]*steward.SubjectRetention, error)
	ExpirePersonal(ctx context.Context, now time.Time, limit int) ([]*steward.Record, error)
	HeldPersonal(ctx context.Context, now time.Time) (int, error)
	HeldExpired(ctx context.Context, category string, before, now time.Time) (int, error)
	HoldsOn(ctx context.Context, tenantID, subjectID string, at time.Time) ([]*steward.Hold, error)
}

// Provider is the master key provider, with the deriver for index keys.
type Provider interface {
	crypt.KeyProvider
	crypt.KeyDeriver
}

// Config holds the vault's dependencies and settings.
type Config struct {
	Store  Store
	Files  blob.Store
	Keys   Provider
	Audit  steward.AuditLog
	Policy *policy.Decider
	Now    func() time.Time
	// EphemeralTTL is how long an ephemeral file that was never downloaded
	// lives before the retention job deletes it. Default 1 hour.
	EphemeralTTL time.Duration
	// AfterErase runs after an erasure committed (SQLite checkpoints its WAL
	// here so erased bytes leave the log at once). Optional.
	AfterErase func(ctx context.Context) error
	// ConsentStaleness tells which consents a material policy change made
	// stale (the policy versions service). Optional: without it no consent
	// is ever stale.
	ConsentStaleness steward.ConsentStaleness
	// Tombstones records every erasure before it happens, so that a restore
	// of an older backup can erase the subject again (package tombstone).
	// Optional: nil records nothing.
	Tombstones Tombstones
	// RetentionHeld hears, after a retention pass that found nothing more
	// to delete, how many expired records or files (job "retention.files",
	// "retention.records" or "retention.personal") legal holds kept.
	// Optional.
	RetentionHeld func(job string, n int)
	// ChildErasure is called when a subject is found below the policy's
	// minimum age and the policy says "delete": it should start an erasure
	// request with reason child. Without it the vault erases the subject at
	// once. Optional.
	ChildErasure func(ctx context.Context, tenantID, subjectID string) error
}

// Tombstones records erasures durably. Append returns once the record is
// on disk; an error stops the erasure (EINTERNAL).
type Tombstones interface {
	Append(ctx context.Context, tenantID, subjectID string) error
}

// Vault is the service.
type Vault struct {
	store   Store
	files   blob.Store
	keys    Provider
	audit   steward.AuditLog
	policy  atomic.Pointer[policy.Decider]
	stale   steward.ConsentStaleness
	now     func() time.Time
	ttl     time.Duration
	after   func(ctx context.Context) error
	tombs   Tombstones
	ring    *keyring
	indexes *indexKeys
	held    func(job string, n int)
	child   func(ctx context.Context, tenantID, subjectID string) error

	eraseHook    EraseHook
	withdrawHook WithdrawHook
}

// New returns a vault.
func New(c Config) *Vault {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.EphemeralTTL <= 0 {
		c.EphemeralTTL = time.Hour
	}
	if c.ConsentStaleness == nil {
		c.ConsentStaleness = steward.NeverStale{}
	}
	v := &Vault{store: c.Store, files: c.Files, keys: c.Keys, audit: c.Audit, now: c.Now, ttl: c.EphemeralTTL,
		after: c.AfterErase, stale: c.ConsentStaleness, tombs: c.Tombstones, held: c.RetentionHeld, child: c.ChildErasure}
	v.policy.Store(c.Policy)
	v.ring = newKeyring(c.Store, c.Keys, c.Now)
	v.indexes = newIndexKeys(c.Keys)
	return v
}

// Policy returns the policy in force: one atomic load, no lock, no
// allocation. Read it once per operation and use that Decider throughout,
// so one operation never mixes two versions.
func (v *Vault) Policy() *policy.Decider { return v.policy.Load() }

// SetPolicy switches the policy in force (the policy versions service calls
// it when a new version comes into force); operations already running
// finish under the Decider they loaded.
func (v *Vault) SetPolicy(d *policy.Decider) { v.policy.Store(d) }

// ConsentStaleness returns what tells whether a consent given under an
// earlier policy version is stale; never nil (without one configured, no
// consent is ever stale).
func (v *Vault) ConsentStaleness() steward.ConsentStaleness {
	if v == nil || v.stale == nil {
		return steward.NeverStale{}
	}
	return v.stale
}

// record appends an audit event, filling in who and the request context.
func (v *Vault) record(ctx context.Context, c *steward.Caller, e steward.AuditEvent) (int64, error) {
	return v.appendEvent(ctx, c, &e, v.audit.Append)
}

// recordChained is record for events whose sequence number is reported: it
// returns once the event is in the chain.
func (v *Vault) recordChained(ctx context.Context, c *steward.Caller, e steward.AuditEvent) (int64, error) {
	return v.appendEvent(ctx, c, &e, v.audit.AppendChained)
}

func (v *Vault) appendEvent(ctx context.Context, c *steward.Caller, e *steward.AuditEvent,
	appendFn func(context.Context, *steward.AuditEvent) error) (int64, error) {
	e.TenantID = c.TenantID
	e.Actor = c.Actor()
	e.Time = v.now().UTC()
	if info := steward.RequestFrom(ctx); info != nil {
		e.RequestID, e.ClientIP = info.ID, info.ClientIP
	}
	if err := appendFn(ctx, e); err != nil {
		return 0, err
	}
	return e.Seq, nil
}

// require returns the caller if it holds scope.
func require(ctx context.Context, scope steward.Scope) (*steward.Caller, error) {
	return steward.Require(ctx, scope)
}
