package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/steward-privacy/steward"
)

// PutRecord inserts or replaces one category's value for a subject of the
// tenant; ENOTFOUND if the subject is not in the tenant.
func (db *DB) PutRecord(ctx context.Context, r *steward.Record) error {
	if db.records != nil {
		n, err := db.records.put(ctx, r)
		return db.recordPut(r, n, err)
	}
	n, err := db.exec1(ctx, putRecordSQL, r.Category, r.Sealed, micros(r.UpdatedAt), r.TenantID, r.SubjectID)
	return db.recordPut(r, n, err)
}

// recordPut ends a record write that changed n rows: the cached record is
// evicted, and no row changed means no such subject.
func (db *DB) recordPut(r *steward.Record, n int64, err error) error {
	db.evictRecord(r.TenantID, r.SubjectID, r.Category)
	if err != nil {
		return db.translate(err, "")
	}
	if n == 0 {
		return notFound("subject")
	}
	return nil
}

// putRecordSQL is PutRecord's statement; its five arguments come first.
const putRecordSQL = `INSERT INTO records (subject_id, category, tenant_id, sealed, updated_at)
	SELECT id, $1, tenant_id, $2, $3 FROM subjects WHERE tenant_id = $4 AND id = $5
	ON CONFLICT (subject_id, category) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`

// SubjectRecord returns the subject and its record of one category in one
// query; the record is nil when the subject has no value there. It is the
// hot path of every record read, so it reads only what a read needs: the
// subject's region, state flags and wrapped key (not its identifiers or
// indexes, which stay unset).
func (db *DB) SubjectRecord(ctx context.Context, tenantID, subjectID, category string) (*steward.Subject, *steward.Record, error) {
	if db.cache == nil {
		return db.subjectRecord(ctx, tenantID, subjectID, category)
	}
	if s, r, ok := db.cache.get(tenantID, subjectID, category); ok {
		return s, r, nil
	}
	mark := db.cache.evicted.Load()
	s, r, err := db.subjectRecord(ctx, tenantID, subjectID, category)
	if err == nil {
		db.cache.fill(mark, s, category, r)
	}
	return s, r, err
}

func (db *DB) subjectRecord(ctx context.Context, tenantID, subjectID, category string) (*steward.Subject, *steward.Record, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+subjectStateColumns+`, r.sealed, r.updated_at FROM subjects s
		LEFT JOIN records r ON r.subject_id = s.id AND r.category = $1 WHERE s.tenant_id = $2 AND s.id = $3`,
		category, tenantID, subjectID)
	var sealed []byte
	var updated sql.NullInt64
	s, err := scanSubjectState(row, tenantID, subjectID, &sealed, &updated)
	if err != nil {
		return nil, nil, db.missing(err, "subject")
	}
	if !updated.Valid {
		return s, nil, nil
	}
	return s, &steward.Record{TenantID: tenantID, SubjectID: subjectID, Category: category, Sealed: sealed,
		UpdatedAt: fromMicros(updated.Int64)}, nil
}

// SubjectState returns the subject fields of SubjectRecord without a
// record, from the subject cache when it is on.
func (db *DB) SubjectState(ctx context.Context, tenantID, subjectID string) (*steward.Subject, error) {
	if db.cache != nil {
		if s, ok := db.cache.getSubject(tenantID, subjectID); ok {
			return s, nil
		}
	}
	var mark uint64
	if db.cache != nil {
		mark = db.cache.evicted.Load()
	}
	row := db.r.QueryRowContext(ctx, `SELECT `+subjectStateColumns+` FROM subjects s WHERE s.tenant_id = $1 AND s.id = $2`,
		tenantID, subjectID)
	s, err := scanSubjectState(row, tenantID, subjectID)
	if err != nil {
		return nil, db.missing(err, "subject")
	}
	if db.cache != nil {
		db.cache.fillSubject(mark, s)
	}
	return s, nil
}

// subjectStateColumns are what a read or record write needs of a subject.
const subjectStateColumns = `s.region, s.below_minimum_age, s.restricted, s.objected, s.staff_access_agreed, s.wrapped_key, s.key_version,
	s.restricted_until, s.objections`

// scanSubjectState scans subjectStateColumns, then more destinations.
func scanSubjectState(row rowScanner, tenantID, subjectID string, more ...any) (*steward.Subject, error) {
	s := &steward.Subject{ID: subjectID, TenantID: tenantID}
	var below, restricted, objected, agreed, version, until int64
	var objections string
	dest := append([]any{&s.Region, &below, &restricted, &objected, &agreed, &s.WrappedKey, &version, &until, &objections}, more...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	s.BelowMinimumAge, s.Restricted, s.Objected, s.StaffAccessAgreed = below != 0, restricted != 0, objected != 0, agreed != 0
	setObjectionState(s, until, objections)
	s.KeyVersion = uint32(version)
	return s, nil
}

// Records returns all of a subject's records, by category.
func (db *DB) Records(ctx context.Context, tenantID, subjectID string) ([]*steward.Record, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT category, sealed, updated_at FROM records WHERE tenant_id = $1 AND subject_id = $2 ORDER BY category`,
		tenantID, subjectID)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var out []*steward.Record
	for rows.Next() {
		r := &steward.Record{TenantID: tenantID, SubjectID: subjectID}
		var updated int64
		if err := rows.Scan(&r.Category, &r.Sealed, &updated); err != nil {
			return nil, db.translate(err, "")
		}
		r.UpdatedAt = fromMicros(updated)
		out = append(out, r)
	}
	return out, db.translate(rows.Err(), "")
}

// DeleteRecord deletes one category's value; ENOTFOUND if there was none.
func (db *DB) DeleteRecord(ctx context.Context, tenantID, subjectID, category string) error {
	res, err := db.w.execKeep(ctx, `DELETE FROM records WHERE tenant_id = $1 AND subject_id = $2 AND category = $3`, tenantID, subjectID, category)
	db.evictRecord(tenantID, subjectID, category)
	if err != nil {
		return db.translate(err, "")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("record")
	}
	return nil
}

// TenantKeys lists a tenant's key versions, oldest first.
func (db *DB) TenantKeys(ctx context.Context, tenantID string) ([]*steward.TenantKey, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT version, wrapped, created_at FROM tenant_keys WHERE tenant_id = $1 ORDER BY version`, tenantID)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var out []*steward.TenantKey
	for rows.Next() {
		k := &steward.TenantKey{TenantID: tenantID}
		var v, created int64
		if err := rows.Scan(&v, &k.Wrapped, &created); err != nil {
			return nil, db.translate(err, "")
		}
		k.Version, k.CreatedAt = uint32(v), fromMicros(created)
		out = append(out, k)
	}
	return out, db.translate(rows.Err(), "")
}

// CreateTenantKey stores a new tenant key version; ECONFLICT if another
// replica created that version first.
func (db *DB) CreateTenantKey(ctx context.Context, k *steward.TenantKey) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO tenant_keys (tenant_id, version, wrapped, created_at) VALUES ($1, $2, $3, $4)`,
		k.TenantID, int64(k.Version), k.Wrapped, micros(k.CreatedAt))
	return db.translate(err, "this tenant key version already exists")
}

// RewrapTenantKey replaces the wrapped bytes of a tenant key version (after
// a master key rotation).
func (db *DB) RewrapTenantKey(ctx context.Context, tenantID string, version uint32, wrapped []byte) error {
	_, err := db.w.ExecContext(ctx, `UPDATE tenant_keys SET wrapped = $1 WHERE tenant_id = $2 AND version = $3`, wrapped, tenantID, int64(version))
	return db.translate(err, "")
}

// DeleteTenantKey retires a tenant key version once nothing uses it.
func (db *DB) DeleteTenantKey(ctx context.Context, tenantID string, version uint32) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM tenant_keys WHERE tenant_id = $1 AND version = $2`, tenantID, int64(version))
	if isKeyVersionGuard(err) {
		return steward.ErrKeyVersionInUse
	}
	return db.translate(err, "")
}

// RecordCategories lists the distinct categories that hold records, across
// tenants, for the retention job.
func (db *DB) RecordCategories(ctx context.Context) ([]string, error) {
	return collect(ctx, db, db.r, scanString, `SELECT DISTINCT category FROM records ORDER BY category`)
}

// retentionHourMicros is the span of records.retention_hour, the column
// the retention index holds instead of updated_at (migration 0077): the
// hour of a record's last write, updated_at / retentionHourMicros. On
// PostgreSQL a rewrite within the hour leaves every indexed column as it
// was, so it is a HOT update. A query for records written before t narrows
// by retention_hour <= hourOf(t) (the index) and then by updated_at < t.
const retentionHourMicros = 3_600_000_000

// hourOf is the retention_hour of a write at t.
func hourOf(t time.Time) int64 { return micros(t) / retentionHourMicros }

// ExpireRecords deletes up to limit records of one category last written
// before the cut-off, across tenants, oldest first, and returns which ones
// went. Records a legal hold active at now covers are left alone (see
// HeldExpired).
func (db *DB) ExpireRecords(ctx context.Context, category string, before, now time.Time, limit int) ([]*steward.Record, error) {
	return db.expireRecords(ctx, expireRecordsSQL, category, hourOf(before), micros(before), micros(now), limit)
}

// expireRecordsSQL selects ExpireRecords's records: category, hour and
// time of the cut-off, the time holds are checked at, limit.
var expireRecordsSQL = `SELECT r.tenant_id, r.subject_id, r.category, r.updated_at FROM records r
	WHERE r.category = $1 AND r.retention_hour <= $2 AND r.updated_at < $3 AND NOT ` + heldBy("r", "$4") + `
	ORDER BY r.retention_hour, r.updated_at LIMIT $5`

// expireRecords deletes the records the query selects (tenant, subject,
// category, updated_at), each only if not written again since, and
// returns them.
func (db *DB) expireRecords(ctx context.Context, q string, args ...any) ([]*steward.Record, error) {
	var out []*steward.Record
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			r := &steward.Record{}
			var updated int64
			if err := rows.Scan(&r.TenantID, &r.SubjectID, &r.Category, &updated); err != nil {
				rows.Close()
				return err
			}
			r.UpdatedAt = fromMicros(updated)
			out = append(out, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, r := range out {
			if _, err := tx.ExecContext(ctx, `DELETE FROM records WHERE subject_id = $1 AND category = $2 AND updated_at <= $3`,
				r.SubjectID, r.Category, micros(r.UpdatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	return out, db.translate(err, "")
}
