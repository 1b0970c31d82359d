package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.SignInStore = (*DB)(nil)

// CreateChallenge stores a sign-in challenge.
func (db *DB) CreateChallenge(ctx context.Context, c *steward.SignInChallenge) error {
	_, err := db.w.execKeep(ctx, `INSERT INTO pc_challenges (id, tenant_id, subject_id, code_hash, expires_at, attempts, used, created_at)
		VALUES ($1, $2, $3, $4, $5, 0, 0, $6)`, c.ID, c.TenantID, c.SubjectID, c.CodeHash, micros(c.ExpiresAt), micros(c.CreatedAt))
	return db.translate(err, "")
}

// AttemptChallenge counts an attempt and returns the challenge as it was.
func (db *DB) AttemptChallenge(ctx context.Context, tenantID, id string) (*steward.SignInChallenge, error) {
	c := &steward.SignInChallenge{ID: id, TenantID: tenantID}
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // challenges only
		var exp, created int64
		var used int
		if err := tx.QueryRowContext(ctx, `SELECT subject_id, code_hash, expires_at, attempts, used, created_at FROM pc_challenges
			WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&c.SubjectID, &c.CodeHash, &exp, &c.Attempts, &used, &created); err != nil {
			return db.missing(err, "sign-in challenge")
		}
		c.ExpiresAt, c.CreatedAt, c.Used = fromMicros(exp), fromMicros(created), used != 0
		_, err := tx.ExecContext(ctx, `UPDATE pc_challenges SET attempts = attempts + 1 WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		return db.translate(err, "")
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UseChallenge marks a challenge used, once.
func (db *DB) UseChallenge(ctx context.Context, tenantID, id string) error {
	res, err := db.w.execKeep(ctx, `UPDATE pc_challenges SET used = 1 WHERE tenant_id = $1 AND id = $2 AND used = 0`, tenantID, id)
	if err != nil {
		return db.translate(err, "")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return steward.Errorf(steward.ECONFLICT, "the code was used already")
	}
	return nil
}

// RecentChallenges counts a subject's challenges since a time.
func (db *DB) RecentChallenges(ctx context.Context, tenantID, subjectID string, since time.Time) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM pc_challenges WHERE tenant_id = $1 AND subject_id = $2 AND created_at >= $3`,
		tenantID, subjectID, micros(since)).Scan(&n)
	return n, db.translate(err, "")
}
