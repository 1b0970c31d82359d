package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

// updateSubject runs q, an UPDATE of one subject row of the tenant whose
// last two parameters are the tenant and subject ids; ENOTFOUND when no
// row changed. The subject leaves this server's cache after the commit and
// the other replicas' caches when it commits (notifyTx).
func (db *DB) updateSubject(ctx context.Context, tenantID, subjectID, q string, args ...any) error {
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // the subject is evicted below
		res, err := tx.ExecContext(ctx, q, append(args, tenantID, subjectID)...)
		if err != nil {
			return db.translate(err, "a subject with this email or phone already exists")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("subject")
		}
		return db.notifyTx(ctx, tx, tenantID, subjectID)
	})
	db.evictSubject(tenantID, subjectID)
	return err
}

// SetRestriction sets or lifts a subject's restriction; a zero until makes
// it open-ended.
func (db *DB) SetRestriction(ctx context.Context, tenantID, subjectID string, on bool, until time.Time) error {
	var end int64
	if on && !until.IsZero() {
		end = micros(until)
	}
	return db.updateSubject(ctx, tenantID, subjectID, `UPDATE subjects SET restricted = $1, restricted_until = $2
		WHERE tenant_id = $3 AND id = $4`, boolInt(on), end)
}

// SetObjections replaces a subject's objections: all marks an objection to
// everything not essential, purposes the purpose keys objected to.
func (db *DB) SetObjections(ctx context.Context, tenantID, subjectID string, all bool, purposes []string) error {
	return db.updateSubject(ctx, tenantID, subjectID, `UPDATE subjects SET objected = $1, objections = $2
		WHERE tenant_id = $3 AND id = $4`, boolInt(all), strings.Join(purposes, " "))
}

// SetBelowMinimumAge flags (or clears the flag of) a subject below the
// policy's minimum age.
func (db *DB) SetBelowMinimumAge(ctx context.Context, tenantID, subjectID string, below bool) error {
	return db.updateSubject(ctx, tenantID, subjectID, `UPDATE subjects SET below_minimum_age = $1 WHERE tenant_id = $2 AND id = $3`,
		boolInt(below))
}

// UpdateIdentifiers replaces a subject's sealed identifiers and email and
// phone indexes (nil clears one) in one statement: the old ciphertext is
// overwritten, not kept beside the new. ECONFLICT when another subject of
// the tenant has the email or phone.
func (db *DB) UpdateIdentifiers(ctx context.Context, s *steward.Subject) error {
	return db.updateSubject(ctx, s.TenantID, s.ID, `UPDATE subjects SET sealed = $1, email_index = $2, phone_index = $3
		WHERE tenant_id = $4 AND id = $5`, s.Sealed, nullBytes(s.EmailIndex), nullBytes(s.PhoneIndex))
}

// PutSubjectRetention stores a retention a subject chose for a category.
func (db *DB) PutSubjectRetention(ctx context.Context, r *steward.SubjectRetention) error {
	n, err := db.exec1(ctx, `INSERT INTO subject_retention (subject_id, category, tenant_id, seconds, updated_at)
		SELECT id, $1, tenant_id, $2, $3 FROM subjects WHERE tenant_id = $4 AND id = $5
		ON CONFLICT (subject_id, category) DO UPDATE SET seconds = excluded.seconds, updated_at = excluded.updated_at`,
		r.Category, int64(r.Retention/time.Second), micros(r.UpdatedAt), r.TenantID, r.SubjectID)
	if err != nil {
		return db.translate(err, "")
	}
	if n == 0 {
		return notFound("subject")
	}
	return nil
}

// SubjectRetentions lists the retentions a subject chose, by category.
func (db *DB) SubjectRetentions(ctx context.Context, tenantID, subjectID string) ([]*steward.SubjectRetention, error) {
	return collect(ctx, db, db.r, func(row rowScanner) (*steward.SubjectRetention, error) {
		r := &steward.SubjectRetention{TenantID: tenantID, SubjectID: subjectID}
		var secs, updated int64
		err := row.Scan(&r.Category, &secs, &updated)
		r.Retention, r.UpdatedAt = time.Duration(secs)*time.Second, fromMicros(updated)
		return r, err
	}, `SELECT category, seconds, updated_at FROM subject_retention WHERE tenant_id = $1 AND subject_id = $2 ORDER BY category`,
		tenantID, subjectID)
}

// personalExpired selects the records kept longer than their subject
// chose for their category (or one above it) and that no hold active at
// $1 covers.
const personalExpired = ` FROM records r JOIN subject_retention p ON p.subject_id = r.subject_id
	AND (r.category = p.category OR substr(r.category, 1, length(p.category) + 1) = p.category || '.')
	WHERE r.updated_at < $1 - p.seconds * 1000000 AND NOT `

// ExpirePersonal deletes up to limit records, across tenants, kept longer
// than the retention their subject chose, and returns which ones went.
func (db *DB) ExpirePersonal(ctx context.Context, now time.Time, limit int) ([]*steward.Record, error) {
	return db.expireRecords(ctx, `SELECT DISTINCT r.tenant_id, r.subject_id, r.category, r.updated_at`+personalExpired+heldBy("r", "$1")+`
		ORDER BY r.updated_at LIMIT $2`, micros(now), limit)
}

// HeldPersonal counts the records past their subject's retention that a
// hold keeps.
func (db *DB) HeldPersonal(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(DISTINCT r.subject_id || ' ' || r.category)`+strings.Replace(personalExpired, "AND NOT ", "AND ", 1)+
		heldBy("r", "$1"), micros(now)).Scan(&n)
	return n, db.translate(err, "")
}
