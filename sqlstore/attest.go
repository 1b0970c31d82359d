package sqlstore

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
)

// Facts read for an attestation (package attest): what the database holds,
// as counts, ids and times; never a decrypted value.

// RecordAges returns the records of a tenant per category with the oldest
// write time.
func (db *DB) RecordAges(ctx context.Context, tenantID string) ([]steward.CategoryAge, error) {
	return collect(ctx, db, db.r, func(r rowScanner) (steward.CategoryAge, error) {
		var a steward.CategoryAge
		var oldest int64
		err := r.Scan(&a.Category, &a.Count, &oldest)
		a.Oldest = fromMicros(oldest)
		return a, err
	}, `SELECT category, COUNT(*), MIN(updated_at) FROM records WHERE tenant_id = $1 GROUP BY category ORDER BY category`, tenantID)
}

// RecordsOlderThan returns up to limit subject ids holding a record of the
// category last written before t.
func (db *DB) RecordsOlderThan(ctx context.Context, tenantID, category string, t time.Time, limit int) ([]string, error) {
	return collect(ctx, db, db.r, scanString, `SELECT subject_id FROM records WHERE tenant_id = $1 AND category = $2
		AND retention_hour <= $3 AND updated_at < $4 ORDER BY retention_hour, updated_at LIMIT $5`,
		tenantID, category, hourOf(t), micros(t), limit)
}

// FilesCreatedBefore returns up to limit ids of files of a tenant created
// before t, ephemeral ones only when ephemeral is set.
func (db *DB) FilesCreatedBefore(ctx context.Context, tenantID string, t time.Time, ephemeral bool, limit int) ([]string, error) {
	q := `SELECT id FROM files WHERE tenant_id = $1 AND created_at < $2 ORDER BY created_at LIMIT $3`
	if ephemeral {
		q = `SELECT id FROM files WHERE tenant_id = $1 AND created_at < $2 AND ephemeral <> 0 ORDER BY created_at LIMIT $3`
	}
	return collect(ctx, db, db.r, scanString, q, tenantID, micros(t), limit)
}

// ScanSealed calls fn with the id and the sealed bytes of every value the
// tenant holds: records ("sub_...:category"), file digests ("fil_...") and
// subjects' wrapped data keys and identifiers ("sub_..."), so that their
// envelopes can be checked without decrypting anything.
func (db *DB) ScanSealed(ctx context.Context, tenantID string, fn func(kind, id string, sealed []byte) error) error {
	for _, q := range []struct{ kind, sql string }{
		{"record", `SELECT subject_id || ':' || category, sealed FROM records WHERE tenant_id = $1`},
		{"file", `SELECT id, sealed_sha FROM files WHERE tenant_id = $1`},
		{"identifiers", `SELECT id, sealed FROM subjects WHERE tenant_id = $1`},
	} {
		rows, err := db.r.QueryContext(ctx, q.sql, tenantID)
		if err != nil {
			return db.translate(err, "")
		}
		for rows.Next() {
			var id string
			var sealed []byte
			if err := rows.Scan(&id, &sealed); err != nil {
				rows.Close()
				return db.translate(err, "")
			}
			if err := fn(q.kind, id, sealed); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return db.translate(err, "")
		}
	}
	return nil
}

// SubjectKeys calls fn with each subject's id and wrapped data key.
func (db *DB) SubjectKeys(ctx context.Context, tenantID string, fn func(id string, wrapped []byte) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT id, wrapped_key FROM subjects WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return db.translate(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var w []byte
		if err := rows.Scan(&id, &w); err != nil {
			return db.translate(err, "")
		}
		if err := fn(id, w); err != nil {
			return err
		}
	}
	return db.translate(rows.Err(), "")
}

// RequestLogBefore counts request log entries older than t (the log is
// server-wide: it holds no tenant).
func (db *DB) RequestLogBefore(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM request_log WHERE at < $1`, micros(t)).Scan(&n)
	return n, db.translate(err, "")
}

// ScanDisclosures calls fn with every disclosure of a tenant made at or
// after since, from every tier of the ledger, oldest first.
func (db *DB) ScanDisclosures(ctx context.Context, tenantID string, since time.Time, fn func(*steward.Disclosure) error) error {
	var page []*steward.Disclosure
	subjects, err := collect(ctx, db, db.r, scanString, `SELECT DISTINCT subject_id FROM disclosures WHERE tenant_id = $1 AND at >= $2
		UNION SELECT DISTINCT subject_id FROM disclosures_recent WHERE tenant_id = $1 AND at >= $2
		UNION SELECT DISTINCT subject_id FROM disclosure_blocks WHERE tenant_id = $1 AND last_at >= $2`, tenantID, micros(since))
	if err != nil {
		return err
	}
	recent, err := db.recentSubjects(ctx, tenantID, micros(since))
	if err != nil {
		return err
	}
	listed := make(map[string]bool, len(subjects))
	for _, s := range subjects {
		listed[s] = true
	}
	for _, s := range recent {
		if !listed[s] {
			listed[s] = true
			subjects = append(subjects, s)
		}
	}
	for _, sub := range subjects {
		if page, err = db.Disclosures(ctx, tenantID, sub, 1<<20); err != nil {
			return err
		}
		for i := len(page) - 1; i >= 0; i-- { // oldest first
			if page[i].At.Before(since) {
				continue
			}
			if err := fn(page[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
