package sqlstore

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.ExportStore = (*DB)(nil)

const exportColumns = `id, tenant_id, subject_id, request_id, blob_key, size, entries, manifest_sha, token_hash, created_at, expires_at, downloaded_at`

// CreateExport records a built export package.
func (db *DB) CreateExport(ctx context.Context, e *steward.Export) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO exports (`+exportColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.ID, e.TenantID, e.SubjectID, e.RequestID, e.BlobKey, e.Size, e.Entries, e.ManifestSHA, e.TokenHash,
		micros(e.CreatedAt), micros(e.ExpiresAt), nullMicros(e.DownloadedAt))
	return db.translate(err, "an export with this id already exists")
}

func scanExport(r rowScanner) (*steward.Export, error) {
	e := &steward.Export{}
	var created, expires int64
	var downloaded *int64
	err := r.Scan(&e.ID, &e.TenantID, &e.SubjectID, &e.RequestID, &e.BlobKey, &e.Size, &e.Entries, &e.ManifestSHA, &e.TokenHash,
		&created, &expires, &downloaded)
	e.CreatedAt, e.ExpiresAt = fromMicros(created), fromMicros(expires)
	if downloaded != nil {
		t := fromMicros(*downloaded)
		e.DownloadedAt = &t
	}
	return e, err
}

// ExportByToken returns the export whose download token hashes to hash.
func (db *DB) ExportByToken(ctx context.Context, hash []byte) (*steward.Export, error) {
	e, err := scanExport(db.r.QueryRowContext(ctx, `SELECT `+exportColumns+` FROM exports WHERE token_hash = $1`, hash))
	if err != nil {
		return nil, db.translate(err, "")
	}
	return e, nil
}

// MarkExportDownloaded records the first download of an export.
func (db *DB) MarkExportDownloaded(ctx context.Context, id string, at time.Time) error {
	_, err := db.w.ExecContext(ctx, `UPDATE exports SET downloaded_at = $1 WHERE id = $2 AND downloaded_at IS NULL`, micros(at), id)
	return db.translate(err, "")
}

// ExpiredExports returns up to limit exports that expired before now.
func (db *DB) ExpiredExports(ctx context.Context, now time.Time, limit int) ([]*steward.Export, error) {
	return collect(ctx, db, db.r, scanExport, `SELECT `+exportColumns+` FROM exports WHERE expires_at < $1 ORDER BY expires_at LIMIT $2`,
		micros(now), limit)
}

// DeleteExport forgets an export (its blob is deleted by the caller).
func (db *DB) DeleteExport(ctx context.Context, id string) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM exports WHERE id = $1`, id)
	return db.translate(err, "")
}

// SubjectFiles returns the files of a subject, oldest first.
func (db *DB) SubjectFiles(ctx context.Context, tenantID, subjectID string) ([]*steward.FileMeta, error) {
	return collect(ctx, db, db.r, func(r rowScanner) (*steward.FileMeta, error) { return scanFile(r) },
		`SELECT `+fileColumns+` FROM files WHERE tenant_id = $1 AND subject_id = $2 ORDER BY created_at, id`, tenantID, subjectID)
}
