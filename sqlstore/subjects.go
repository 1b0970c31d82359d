package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.VaultStore = (*DB)(nil)

const subjectColumns = `s.id, s.tenant_id, s.external_index, s.email_index, s.phone_index, s.sealed, s.region,
	s.below_minimum_age, s.restricted, s.objected, s.staff_access_agreed, s.wrapped_key, s.key_version, s.created_at,
	s.restricted_until, s.objections`

// CreateSubject inserts s; the unique blind indexes make duplicates fail
// with ECONFLICT without a check-then-insert race.
func (db *DB) CreateSubject(ctx context.Context, s *steward.Subject) error {
	if s.ID == "" {
		s.ID = steward.NewID("sub")
	}
	// A new subject: the cache holds nothing about it (misses are not kept).
	_, err := db.w.execKeep(ctx, `INSERT INTO subjects (id, tenant_id, external_index, email_index, phone_index, sealed, region,
		below_minimum_age, restricted, objected, staff_access_agreed, wrapped_key, key_version, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		s.ID, s.TenantID, s.ExternalIndex, nullBytes(s.EmailIndex), nullBytes(s.PhoneIndex), s.Sealed, s.Region,
		boolInt(s.BelowMinimumAge), boolInt(s.Restricted), boolInt(s.Objected), boolInt(s.StaffAccessAgreed),
		s.WrappedKey, int64(s.KeyVersion), micros(s.CreatedAt))
	if isKeyVersionGuard(err) {
		return steward.ErrStaleKeyVersion
	}
	return db.translate(err, "a subject with this external id, email or phone already exists")
}

// isKeyVersionGuard reports whether err is the database refusing a subject
// whose tenant key version does not exist, or the destruction of a version
// a subject needs: the SQLite triggers and the PostgreSQL foreign key of
// migration 0006 both name subjects_key_version.
func isKeyVersionGuard(err error) bool {
	return err != nil && strings.Contains(err.Error(), "subjects_key_version")
}

// Subject returns a subject of the tenant.
func (db *DB) Subject(ctx context.Context, tenantID, id string) (*steward.Subject, error) {
	s, err := scanSubject(db.r.QueryRowContext(ctx, `SELECT `+subjectColumns+` FROM subjects s WHERE s.tenant_id = $1 AND s.id = $2`, tenantID, id))
	if err != nil {
		return nil, db.missing(err, "subject")
	}
	return s, nil
}

var indexColumn = map[string]string{
	steward.IndexExternalID: "external_index",
	steward.IndexEmail:      "email_index",
	steward.IndexPhone:      "phone_index",
}

// SubjectByIndex finds a subject by the blind index of an identifier.
func (db *DB) SubjectByIndex(ctx context.Context, tenantID, kind string, index []byte) (*steward.Subject, error) {
	col, ok := indexColumn[kind]
	if !ok {
		return nil, fmt.Errorf("sqlstore: unknown subject index %q", kind)
	}
	s, err := scanSubject(db.r.QueryRowContext(ctx, `SELECT `+subjectColumns+` FROM subjects s WHERE s.tenant_id = $1 AND s.`+col+` = $2`, tenantID, index))
	if err != nil {
		return nil, db.missing(err, "subject")
	}
	return s, nil
}

// SubjectsByKeyVersion lists up to limit subjects whose data key is wrapped
// by a tenant key version below the given one (for rewrapping).
func (db *DB) SubjectsByKeyVersion(ctx context.Context, tenantID string, below uint32, limit int) ([]*steward.Subject, error) {
	return collect(ctx, db, db.r, scanSubject, `SELECT `+subjectColumns+` FROM subjects s WHERE s.tenant_id = $1 AND s.key_version < $2
		ORDER BY s.id LIMIT $3`, tenantID, int64(below), limit)
}

// RewrapSubject replaces a subject's wrapped data key if it is still wrapped
// by oldVersion (a concurrent rewrap or erasure makes this a no-op).
func (db *DB) RewrapSubject(ctx context.Context, tenantID, id string, oldVersion uint32, wrapped []byte, newVersion uint32) error {
	_, err := db.w.execKeep(ctx, `UPDATE subjects SET wrapped_key = $1, key_version = $2 WHERE tenant_id = $3 AND id = $4 AND key_version = $5`,
		wrapped, int64(newVersion), tenantID, id, int64(oldVersion))
	db.evictSubject(tenantID, id)
	return db.translate(err, "")
}

// EraseSubject deletes the subject, its records, file rows and consents in
// one transaction, queues its blobs for deletion, and reports what went.
func (db *DB) EraseSubject(ctx context.Context, tenantID, id string, at time.Time) (*steward.Erased, error) {
	out := &steward.Erased{}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM subjects WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&one); err != nil {
			return db.missing(err, "subject")
		}
		// Other replicas forget the subject when the erasure commits.
		if err := db.notifyTx(ctx, tx, tenantID, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT blob_key FROM files WHERE tenant_id = $1 AND subject_id = $2`, tenantID, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return err
			}
			out.BlobKeys = append(out.BlobKeys, k)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		now := micros(at)
		for _, k := range out.BlobKeys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO blob_deletions (blob_key, tenant_id, queued_at) VALUES ($1, $2, $3)
				ON CONFLICT (blob_key) DO NOTHING`, k, tenantID, now); err != nil {
				return err
			}
		}
		counts := []struct {
			n     *int
			query string
		}{
			{&out.Records, `DELETE FROM records WHERE subject_id = $1`},
			{&out.Files, `DELETE FROM files WHERE subject_id = $1`},
			{&out.Consents, `DELETE FROM consents WHERE subject_id = $1`},
			{new(int), `DELETE FROM subject_retention WHERE subject_id = $1`},
		}
		for _, c := range counts {
			res, err := tx.ExecContext(ctx, c.query, id)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			*c.n = int(n)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM subjects WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		return err
	})
	if err != nil {
		return nil, db.translate(err, "")
	}
	return out, nil
}

// missing translates "no rows" into ENOTFOUND naming what was missing.
func (db *DB) missing(err error, what string) error {
	if err == sql.ErrNoRows {
		return notFound(what)
	}
	return db.translate(err, "")
}

func scanSubject(row rowScanner) (*steward.Subject, error) {
	s := &steward.Subject{}
	var below, restricted, objected, agreed, version, created, until int64
	var objections string
	if err := row.Scan(&s.ID, &s.TenantID, &s.ExternalIndex, &s.EmailIndex, &s.PhoneIndex, &s.Sealed, &s.Region,
		&below, &restricted, &objected, &agreed, &s.WrappedKey, &version, &created, &until, &objections); err != nil {
		return nil, err
	}
	s.BelowMinimumAge, s.Restricted, s.Objected, s.StaffAccessAgreed = below != 0, restricted != 0, objected != 0, agreed != 0
	setObjectionState(s, until, objections)
	s.KeyVersion = uint32(version)
	s.CreatedAt = fromMicros(created)
	return s, nil
}

func nullBytes(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// CountSubjectsByKeyVersion counts a tenant's subjects whose data key is
// wrapped by a tenant key version below the given one.
func (db *DB) CountSubjectsByKeyVersion(ctx context.Context, tenantID string, below uint32) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM subjects WHERE tenant_id = $1 AND key_version < $2`, tenantID, int64(below)).Scan(&n)
	return n, db.translate(err, "")
}

// setObjectionState fills a subject's restriction end and objections from
// their stored forms (microseconds, 0 for none; space-separated keys).
func setObjectionState(s *steward.Subject, until int64, objections string) {
	if until != 0 {
		s.RestrictedUntil = fromMicros(until)
	}
	s.Objections = strings.Fields(objections)
}
