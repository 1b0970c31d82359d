package steward

import (
	"context"
	"time"
)

// Subject is a person whose personal data is held. Its identifiers (the
// app's external id, email, phone, birthdate) are stored only sealed under
// the subject's data key; the external id, email and phone are found again
// through keyed blind indexes. The data key is stored only wrapped by the
// tenant key; destroying it (crypto-shredding) makes everything of the
// subject unreadable.
type Subject struct {
	ID            string
	TenantID      string
	ExternalIndex []byte
	EmailIndex    []byte // nil when no email is known
	PhoneIndex    []byte // nil when no phone is known
	Sealed        []byte // the sealed identifiers
	Region        string
	// BelowMinimumAge flags a subject below the policy's minimum age (when
	// the policy says to flag rather than refuse).
	BelowMinimumAge bool
	// Restricted and Objected are set by restriction and objection requests;
	// StaffAccessAgreed records the subject's agreement to staff access.
	Restricted        bool
	Objected          bool
	StaffAccessAgreed bool
	// RestrictedUntil ends a restriction (zero: open-ended); Objections are
	// the purpose keys the subject objected to (Objected: to everything not
	// essential).
	RestrictedUntil time.Time
	Objections      []string
	WrappedKey      []byte // the data key, wrapped by tenant key version KeyVersion
	KeyVersion      uint32
	CreatedAt       time.Time
}

// Record is one value of one category for one subject, sealed under the
// subject's data key.
type Record struct {
	TenantID  string
	SubjectID string
	Category  string
	Sealed    []byte
	UpdatedAt time.Time
}

// FileMeta describes a stored file; the bytes are in a blob store under
// BlobKey, encrypted in segments under the subject's data key.
type FileMeta struct {
	ID        string
	TenantID  string
	SubjectID string
	Category  string
	Size      int64
	SealedSHA []byte // the plaintext's SHA-256, sealed (a bare hash would let anyone confirm a guess)
	Ephemeral bool
	BlobKey   string
	CreatedAt time.Time
	ExpiresAt *time.Time // set for ephemeral files and categories with a retention limit
}

// TenantKey is one version of a tenant's key, wrapped by the master key.
type TenantKey struct {
	TenantID  string
	Version   uint32
	Wrapped   []byte
	CreatedAt time.Time
}

// StoredSecret is a third-party secret a tenant must reuse (a store token,
// an OAuth refresh token), sealed under the tenant key.
type StoredSecret struct {
	TenantID  string
	Name      string
	Sealed    []byte
	UpdatedAt time.Time
}

// Erased is what an erasure removed from the database.
type Erased struct {
	Records  int
	Files    int
	Consents int
	BlobKeys []string // blobs to delete from the file store
}

// Subject lookups by blind index.
const (
	IndexExternalID = "external_id"
	IndexEmail      = "email"
	IndexPhone      = "phone"
)

// VaultStore keeps the vault's rows. Every method is scoped to a tenant.
//
// CreateSubject returns ECONFLICT when the external id, email or phone index
// is taken in the tenant (a unique index decides, race-free). Lookups return
// ENOTFOUND. EraseSubject deletes the subject row (and so its wrapped key)
// with all its records, files rows and consents in one transaction.
type VaultStore interface {
	TenantKeys(ctx context.Context, tenantID string) ([]*TenantKey, error)
	CreateTenantKey(ctx context.Context, k *TenantKey) error

	CreateSubject(ctx context.Context, s *Subject) error
	Subject(ctx context.Context, tenantID, id string) (*Subject, error)
	SubjectByIndex(ctx context.Context, tenantID, kind string, index []byte) (*Subject, error)
	SubjectsByKeyVersion(ctx context.Context, tenantID string, below uint32, limit int) ([]*Subject, error)
	RewrapSubject(ctx context.Context, tenantID, id string, oldVersion uint32, wrapped []byte, newVersion uint32) error
	EraseSubject(ctx context.Context, tenantID, id string, at time.Time) (*Erased, error)

	PutRecord(ctx context.Context, r *Record) error
	// SubjectRecord returns the subject and one record in one round trip;
	// the record is nil if the subject has no value in that category. The
	// subject carries what a read needs (region, state, wrapped key), not
	// its sealed identifiers or indexes.
	SubjectRecord(ctx context.Context, tenantID, subjectID, category string) (*Subject, *Record, error)
	// SubjectState returns the same subject fields as SubjectRecord, without
	// a record (what a record write needs).
	SubjectState(ctx context.Context, tenantID, subjectID string) (*Subject, error)
	Records(ctx context.Context, tenantID, subjectID string) ([]*Record, error)
	DeleteRecord(ctx context.Context, tenantID, subjectID, category string) error

	CreateFile(ctx context.Context, f *FileMeta) error
	File(ctx context.Context, tenantID, id string) (*FileMeta, error)
	DeleteFile(ctx context.Context, tenantID, id string, at time.Time) error
	ExpiredFiles(ctx context.Context, now time.Time, limit int) ([]*FileMeta, error)

	// ConsentState returns what decisions need of a subject's consents and
	// signals (see ConsentStore).
	ConsentState(ctx context.Context, tenantID, subjectID string) (*ConsentState, error)

	PutSecret(ctx context.Context, s *StoredSecret) error
	Secret(ctx context.Context, tenantID, name string) (*StoredSecret, error)
	SecretNames(ctx context.Context, tenantID string) ([]string, error)
	DeleteSecret(ctx context.Context, tenantID, name string) error
}
