package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

const fileColumns = `id, tenant_id, subject_id, category, size, sealed_sha, ephemeral, blob_key, created_at, expires_at`

// CreateFile records a stored file of a subject of the tenant.
func (db *DB) CreateFile(ctx context.Context, f *steward.FileMeta) error {
	res, err := db.w.ExecContext(ctx, `INSERT INTO files (`+fileColumns+`)
		SELECT $1, tenant_id, id, $2, $3, $4, $5, $6, $7, $8 FROM subjects WHERE tenant_id = $9 AND id = $10`,
		f.ID, f.Category, f.Size, f.SealedSHA, boolInt(f.Ephemeral), f.BlobKey, micros(f.CreatedAt), nullMicros(f.ExpiresAt),
		f.TenantID, f.SubjectID)
	if err != nil {
		return db.translate(err, "a file with this id already exists")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("subject")
	}
	return nil
}

// File returns a file of the tenant.
func (db *DB) File(ctx context.Context, tenantID, id string) (*steward.FileMeta, error) {
	f, err := scanFile(db.r.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return nil, db.missing(err, "file")
	}
	return f, nil
}

// DeleteFile deletes a file's row and queues its blob for deletion, in one
// transaction; ENOTFOUND if it is gone already (a second download of an
// ephemeral file, a concurrent delete).
func (db *DB) DeleteFile(ctx context.Context, tenantID, id string, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var key string
		if err := tx.QueryRowContext(ctx, `SELECT blob_key FROM files WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&key); err != nil {
			return db.missing(err, "file")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_deletions (blob_key, tenant_id, queued_at) VALUES ($1, $2, $3)
			ON CONFLICT (blob_key) DO NOTHING`, key, tenantID, micros(at)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM files WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		return err
	})
}

// ExpiredFiles lists up to limit files, across tenants, whose expiry passed
// or that are older than the retention their subject chose for the
// category, and that no legal hold active at now covers.
func (db *DB) ExpiredFiles(ctx context.Context, now time.Time, limit int) ([]*steward.FileMeta, error) {
	// Two index-driven halves: by expiry (files_expiry), and from the few
	// chosen retentions to their subjects' files (files_subject); ordered
	// by created_at, the 9th column.
	return collect(ctx, db, db.r, scanFile, `SELECT `+fileColumnsF+` FROM files f WHERE f.expires_at IS NOT NULL AND f.expires_at <= $1
		AND NOT `+heldBy("f", "$1")+`
		UNION SELECT `+fileColumnsF+` FROM subject_retention p JOIN files f ON f.subject_id = p.subject_id
			AND (f.category = p.category OR substr(f.category, 1, length(p.category) + 1) = p.category || '.')
		WHERE f.created_at < $1 - p.seconds * 1000000 AND NOT `+heldBy("f", "$1")+`
		ORDER BY 9 LIMIT $2`, micros(now), limit)
}

// fileColumnsF is fileColumns qualified by the alias f.
var fileColumnsF = "f." + strings.ReplaceAll(fileColumns, ", ", ", f.")

// PendingBlobDeletions lists up to limit blobs whose deletion is owed.
func (db *DB) PendingBlobDeletions(ctx context.Context, limit int) ([]string, error) {
	return collect(ctx, db, db.r, scanString, `SELECT blob_key FROM blob_deletions ORDER BY queued_at LIMIT $1`, limit)
}

// BlobDeleted clears a blob from the owed deletions.
func (db *DB) BlobDeleted(ctx context.Context, key string) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM blob_deletions WHERE blob_key = $1`, key)
	return db.translate(err, "")
}

func scanFile(row rowScanner) (*steward.FileMeta, error) {
	f := &steward.FileMeta{}
	var eph, created int64
	var expires sql.NullInt64
	if err := row.Scan(&f.ID, &f.TenantID, &f.SubjectID, &f.Category, &f.Size, &f.SealedSHA, &eph, &f.BlobKey, &created, &expires); err != nil {
		return nil, err
	}
	f.Ephemeral, f.CreatedAt, f.ExpiresAt = eph != 0, fromMicros(created), timePtr(expires)
	return f, nil
}
