package attest

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
)

// Store is what an attestation reads; *sqlstore.DB is one.
type Store interface {
	RecordAges(ctx context.Context, tenantID string) ([]steward.CategoryAge, error)
	RecordsOlderThan(ctx context.Context, tenantID, category string, t time.Time, limit int) ([]string, error)
	FilesCreatedBefore(ctx context.Context, tenantID string, t time.Time, ephemeral bool, limit int) ([]string, error)
	ScanSealed(ctx context.Context, tenantID string, fn func(kind, id string, sealed []byte) error) error
	SubjectKeys(ctx context.Context, tenantID string, fn func(id string, wrapped []byte) error) error
	RequestLogBefore(ctx context.Context, t time.Time) (int64, error)
	ScanDisclosures(ctx context.Context, tenantID string, since time.Time, fn func(*steward.Disclosure) error) error
	ScanAudit(ctx context.Context, tenantID string, after int64, fn func(*steward.AuditEvent) error) error
	ConsentHistory(ctx context.Context, tenantID, subjectID string) ([]*steward.ConsentRecord, error)
	PolicyVersion(ctx context.Context, version string) (*steward.PolicyVersion, error)
	StaffList(ctx context.Context, tenantID string) ([]*steward.StaffAccount, error)
	Jobs(ctx context.Context) ([]*steward.JobState, error)
	AccessGrant(ctx context.Context, tenantID, id string) (*steward.AccessGrant, error)
}
