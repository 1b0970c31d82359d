package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.HoldStore = (*DB)(nil)

const holdColumns = `id, tenant_id, subject_id, category, reason_sealed, until_at, created_by, created_at, released_at, released_by`

func scanHold(row rowScanner) (*steward.Hold, error) {
	h := &steward.Hold{}
	var subject, category sql.NullString
	var until, released sql.NullInt64
	var created int64
	if err := row.Scan(&h.ID, &h.TenantID, &subject, &category, &h.ReasonSealed, &until, &h.CreatedBy, &created,
		&released, &h.ReleasedBy); err != nil {
		return nil, err
	}
	h.SubjectID, h.Category = subject.String, category.String
	h.Until, h.ReleasedAt, h.CreatedAt = timePtr(until), timePtr(released), fromMicros(created)
	return h, nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// CreateHold stores a new hold.
func (db *DB) CreateHold(ctx context.Context, h *steward.Hold) error {
	if h.ID == "" {
		h.ID = steward.NewID("hold")
	}
	_, err := db.w.execKeep(ctx, `INSERT INTO holds (`+holdColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, '')`,
		h.ID, h.TenantID, nullString(h.SubjectID), nullString(h.Category), h.ReasonSealed, nullMicros(h.Until), h.CreatedBy,
		micros(h.CreatedAt))
	return db.translate(err, "")
}

// Hold returns one hold of the tenant.
func (db *DB) Hold(ctx context.Context, tenantID, id string) (*steward.Hold, error) {
	h, err := scanHold(db.r.QueryRowContext(ctx, `SELECT `+holdColumns+` FROM holds WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return nil, db.missing(err, "hold")
	}
	return h, nil
}

// Holds lists the tenant's holds, newest first; released ones only when
// asked.
func (db *DB) Holds(ctx context.Context, tenantID string, includeReleased bool) ([]*steward.Hold, error) {
	q := `SELECT ` + holdColumns + ` FROM holds WHERE tenant_id = $1`
	if !includeReleased {
		q += ` AND released_at IS NULL`
	}
	return collect(ctx, db, db.r, scanHold, q+` ORDER BY created_at DESC, id DESC`, tenantID)
}

// ReleaseHold releases an active hold (ECONFLICT if released already).
func (db *DB) ReleaseHold(ctx context.Context, tenantID, id, by string, at time.Time) (*steward.Hold, error) {
	n, err := db.exec1(ctx, `UPDATE holds SET released_at = $1, released_by = $2 WHERE tenant_id = $3 AND id = $4 AND released_at IS NULL`,
		micros(at), by, tenantID, id)
	if err != nil {
		return nil, db.translate(err, "")
	}
	h, err := db.Hold(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, steward.Errorf(steward.ECONFLICT, "the hold was released already")
	}
	return h, nil
}

// heldBy is the condition "an active hold covers the row" for a row of
// records or files aliased x, with the time as parameter $N.
func heldBy(x, now string) string {
	return `EXISTS (SELECT 1 FROM holds h WHERE h.tenant_id = ` + x + `.tenant_id AND h.released_at IS NULL
		AND (h.until_at IS NULL OR h.until_at > ` + now + `)
		AND (h.subject_id = ` + x + `.subject_id OR h.category = ` + x + `.category
			OR substr(` + x + `.category, 1, length(h.category) + 1) = h.category || '.'))`
}

// HoldsOn returns the holds active at t that cover the subject: its own,
// and category holds covering one of its records or files.
func (db *DB) HoldsOn(ctx context.Context, tenantID, subjectID string, at time.Time) ([]*steward.Hold, error) {
	covers := func(table string) string {
		return `EXISTS (SELECT 1 FROM ` + table + ` x WHERE x.tenant_id = h.tenant_id AND x.subject_id = $2
			AND (x.category = h.category OR substr(x.category, 1, length(h.category) + 1) = h.category || '.'))`
	}
	return collect(ctx, db, db.r, scanHold, `SELECT `+holdColumns+` FROM holds h WHERE h.tenant_id = $1 AND h.released_at IS NULL
		AND (h.until_at IS NULL OR h.until_at > $3)
		AND (h.subject_id = $2 OR (h.category IS NOT NULL AND (`+covers("records")+` OR `+covers("files")+`)))
		ORDER BY h.created_at, h.id`, tenantID, subjectID, micros(at))
}

// HeldExpired counts, across tenants, the records of category last written
// before the cut-off and the files whose expiry passed at now that a hold
// keeps: what the retention job skipped.
func (db *DB) HeldExpired(ctx context.Context, category string, before, now time.Time) (int, error) {
	var n int
	var err error
	if category == "" {
		err = db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM files f WHERE f.expires_at IS NOT NULL AND f.expires_at <= $1
			AND `+heldBy("f", "$1"), micros(now)).Scan(&n)
	} else {
		err = db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM records r WHERE r.category = $1 AND r.retention_hour <= $2
			AND r.updated_at < $3 AND `+heldBy("r", "$4"), category, hourOf(before), micros(before), micros(now)).Scan(&n)
	}
	return n, db.translate(err, "")
}
