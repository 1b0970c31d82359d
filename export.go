package steward

import (
	"context"
	"time"
)

// Export is the package of a person's data built for an access,
// portability or right-to-know request: a zip stored encrypted under the
// subject's key, downloadable through an unguessable link until it
// expires, then deleted.
type Export struct {
	ID           string // exp_...
	TenantID     string
	SubjectID    string
	RequestID    string
	BlobKey      string
	Size         int64
	Entries      int
	ManifestSHA  string // hex SHA-256 of manifest.json
	TokenHash    []byte // HMAC of the download token; the token is never stored
	CreatedAt    time.Time
	ExpiresAt    time.Time
	DownloadedAt *time.Time
}

// Audit actions of export packages.
const (
	ActionExportCreate   = "export.create"
	ActionExportDownload = "export.download"
	ActionExportDelete   = "export.delete"
	// ActionSubjectExport: every value of a subject decrypted for their
	// own right of access (Categories lists them).
	ActionSubjectExport = "subject.export"
)

// ExportStore keeps export packages. ExportByToken returns ENOTFOUND for an
// unknown token hash; ExpiredExports those whose ExpiresAt is before now.
type ExportStore interface {
	CreateExport(ctx context.Context, e *Export) error
	ExportByToken(ctx context.Context, hash []byte) (*Export, error)
	MarkExportDownloaded(ctx context.Context, id string, at time.Time) error
	ExpiredExports(ctx context.Context, now time.Time, limit int) ([]*Export, error)
	DeleteExport(ctx context.Context, id string) error
	SubjectFiles(ctx context.Context, tenantID, subjectID string) ([]*FileMeta, error)
}
