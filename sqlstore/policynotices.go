package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.PolicyNoticeStore = (*DB)(nil)

const campaignColumns = `version, from_version, effective, material, created_at, created_by, done_at`

func scanCampaign(row rowScanner) (*steward.PolicyCampaign, error) {
	c := &steward.PolicyCampaign{}
	var effective, created int64
	var done sql.NullInt64
	if err := row.Scan(&c.Version, &c.From, &effective, &c.Material, &created, &c.CreatedBy, &done); err != nil {
		return nil, err
	}
	c.Effective, c.CreatedAt, c.DoneAt = fromMicros(effective), fromMicros(created), timePtr(done)
	return c, nil
}

// StagePolicyVersion stores a staged policy version, the events and, when
// c is set, its campaign with a pending notice for every subject with an
// email on file, in one transaction.
func (db *DB) StagePolicyVersion(ctx context.Context, v *steward.PolicyVersion, c *steward.PolicyCampaign, events []*steward.Event) (int, error) {
	if err := steward.ValidatePolicyVersion("organisation.version", v.Version); err != nil {
		return 0, err
	}
	var n int64
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // policy, campaign tables and the outbox only
		if err := tx.QueryRowContext(ctx, `INSERT INTO policy_versions (version, sha256, source, effective, imported_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
			v.Version, v.SHA256, v.Source, micros(v.Effective), micros(v.ImportedAt)).Scan(&v.Seq); err != nil {
			return db.translate(err, "this policy version is stored already")
		}
		if c != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO policy_campaigns (`+campaignColumns+`) VALUES ($1, $2, $3, $4, $5, $6, NULL)`,
				c.Version, c.From, micros(c.Effective), c.Material, micros(c.CreatedAt), c.CreatedBy); err != nil {
				return db.translate(err, "this version has a notice campaign already")
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO policy_notices (version, tenant_id, subject_id)
				SELECT $1, tenant_id, id FROM subjects WHERE email_index IS NOT NULL`, c.Version)
			if err != nil {
				return db.translate(err, "")
			}
			if n, err = res.RowsAffected(); err != nil {
				return db.translate(err, "")
			}
		}
		return db.translate(insertEvents(ctx, tx, events), "")
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// PolicyCampaign returns a version's campaign.
func (db *DB) PolicyCampaign(ctx context.Context, version string) (*steward.PolicyCampaign, error) {
	c, err := scanCampaign(db.r.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM policy_campaigns WHERE version = $1`, version))
	if err != nil {
		return nil, db.missing(err, "notice campaign")
	}
	return c, nil
}

// ActivePolicyCampaigns returns the campaigns still sending, oldest first.
func (db *DB) ActivePolicyCampaigns(ctx context.Context) ([]*steward.PolicyCampaign, error) {
	return collect(ctx, db, db.r, scanCampaign, `SELECT `+campaignColumns+` FROM policy_campaigns WHERE done_at IS NULL
		ORDER BY created_at`)
}

// PendingPolicyNotices returns recipients still to be told: never
// attempted, or failed fewer than MaxNoticeAttempts times, in a stable
// order (a failed one is retried at the next run).
func (db *DB) PendingPolicyNotices(ctx context.Context, version string, limit int) ([]steward.PolicyRecipient, error) {
	return collect(ctx, db, db.r, func(row rowScanner) (steward.PolicyRecipient, error) {
		var r steward.PolicyRecipient
		err := row.Scan(&r.TenantID, &r.SubjectID, &r.Attempts)
		return r, err
	}, `SELECT tenant_id, subject_id, attempts FROM policy_notices WHERE version = $1
		AND (result = '' OR (result = $2 AND attempts < $3)) ORDER BY tenant_id, subject_id LIMIT $4`,
		version, steward.NoticeFailed, steward.MaxNoticeAttempts, limit)
}

// RecordPolicyNotice stores the result of one attempt, if the recipient
// is still pending with the attempts it was read with.
func (db *DB) RecordPolicyNotice(ctx context.Context, version string, d steward.PolicyNoticeResult) (bool, error) {
	res, err := db.w.execKeep(ctx, `UPDATE policy_notices SET result = $1, notified_at = $2, attempts = attempts + 1
		WHERE version = $3 AND tenant_id = $4 AND subject_id = $5 AND attempts = $6 AND (result = '' OR result = $7)`,
		d.Result, micros(d.NotifiedAt), version, d.TenantID, d.SubjectID, d.Attempts, steward.NoticeFailed)
	if err != nil {
		return false, db.translate(err, "")
	}
	n, err := res.RowsAffected()
	return n == 1, db.translate(err, "")
}

// PolicyNoticeProgress counts a campaign's notices by result.
func (db *DB) PolicyNoticeProgress(ctx context.Context, version string) (steward.NoticeProgress, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT result, COUNT(*) FROM policy_notices WHERE version = $1 GROUP BY result`, version)
	if err != nil {
		return steward.NoticeProgress{}, db.translate(err, "")
	}
	return countNotices(db, rows)
}

// FinishPolicyCampaign marks a campaign done.
func (db *DB) FinishPolicyCampaign(ctx context.Context, version string, at time.Time) error {
	_, err := db.w.execKeep(ctx, `UPDATE policy_campaigns SET done_at = $1 WHERE version = $2 AND done_at IS NULL`, micros(at), version)
	return db.translate(err, "")
}
