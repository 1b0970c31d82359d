package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.AccessGrantStore = (*DB)(nil)

const grantColumns = `id, tenant_id, subject_id, justification, note_sealed, minutes, status, requested_by, requested_at,
	decided_by, decided_at, expires_at`

func scanGrant(row rowScanner) (*steward.AccessGrant, error) {
	g := &steward.AccessGrant{}
	var status string
	var requested, expires int64
	var decided sql.NullInt64
	if err := row.Scan(&g.ID, &g.TenantID, &g.SubjectID, &g.Justification, &g.NoteSealed, &g.Minutes, &status,
		&g.RequestedBy, &requested, &g.DecidedBy, &decided, &expires); err != nil {
		return nil, err
	}
	g.Status, g.RequestedAt, g.DecidedAt, g.ExpiresAt = steward.GrantStatus(status), fromMicros(requested), timePtr(decided), fromMicros(expires)
	return g, nil
}

// CreateAccessGrant stores a new grant request.
func (db *DB) CreateAccessGrant(ctx context.Context, g *steward.AccessGrant) error {
	_, err := db.w.execKeep(ctx, `INSERT INTO access_grants (`+grantColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', NULL, $10)`,
		g.ID, g.TenantID, g.SubjectID, g.Justification, g.NoteSealed, g.Minutes, string(g.Status), g.RequestedBy,
		micros(g.RequestedAt), micros(g.ExpiresAt))
	return db.translate(err, "")
}

// AccessGrant returns one grant of the tenant.
func (db *DB) AccessGrant(ctx context.Context, tenantID, id string) (*steward.AccessGrant, error) {
	g, err := scanGrant(db.r.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM access_grants WHERE tenant_id = $1 AND id = $2`,
		tenantID, id))
	if err != nil {
		return nil, db.missing(err, "access grant")
	}
	return g, nil
}

// AccessGrants lists the tenant's grants, newest first, of one status
// ("" for any), at most limit.
func (db *DB) AccessGrants(ctx context.Context, tenantID string, status steward.GrantStatus, limit int) ([]*steward.AccessGrant, error) {
	return collect(ctx, db, db.r, scanGrant, `SELECT `+grantColumns+` FROM access_grants
		WHERE tenant_id = $1 AND ($2 = '' OR status = $2) ORDER BY requested_at DESC, id DESC LIMIT $3`,
		tenantID, string(status), limit)
}

// DecideAccessGrant approves or refuses a requested grant that has not
// lapsed.
func (db *DB) DecideAccessGrant(ctx context.Context, tenantID, id string, status steward.GrantStatus, by string,
	at, expires time.Time) (*steward.AccessGrant, error) {
	n, err := db.exec1(ctx, `UPDATE access_grants SET status = $1, decided_by = $2, decided_at = $3, expires_at = $4
		WHERE tenant_id = $5 AND id = $6 AND status = 'requested' AND expires_at > $3`,
		string(status), by, micros(at), micros(expires), tenantID, id)
	if err != nil {
		return nil, db.translate(err, "")
	}
	g, err := db.AccessGrant(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, steward.Errorf(steward.ECONFLICT, "the access grant is %s, not awaiting a decision", g.Status)
	}
	return g, nil
}

// ExpireAccessGrants marks grants whose expiry passed as expired, at most
// limit, and returns them.
func (db *DB) ExpireAccessGrants(ctx context.Context, at time.Time, limit int) ([]*steward.AccessGrant, error) {
	return collect(ctx, db, db.w, scanGrant, `UPDATE access_grants SET status = 'expired'
		WHERE id IN (SELECT id FROM access_grants WHERE status IN ('requested', 'approved') AND expires_at <= $1
			ORDER BY expires_at LIMIT $2)
		AND status IN ('requested', 'approved')
		RETURNING `+grantColumns, micros(at), limit)
}

// SetStaffAccessAgreed records (or revokes) a subject's agreement that
// staff may read their data under the subject-agreement justification.
func (db *DB) SetStaffAccessAgreed(ctx context.Context, tenantID, subjectID string, agreed bool) error {
	return db.updateSubject(ctx, tenantID, subjectID, `UPDATE subjects SET staff_access_agreed = $1 WHERE tenant_id = $2 AND id = $3`,
		boolInt(agreed))
}
