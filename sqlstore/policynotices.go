package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.PolicyNoticeStore = (*DB)(nil)

const campaignColumns = `version, effective, material, created_at, created_by, done_at`

func scanCampaign(row rowScanner) (*steward.PolicyCampaign, error) {
	c := &steward.PolicyCampaign{}
	var effective, created int64
	var done sql.NullInt64
	if err := row.Scan(&c.Version, &effective, &c.Material, &created, &c.CreatedBy, &done); err != nil {
		return nil, err
	}
	c.Effective, c.CreatedAt, c.DoneAt = fromMicros(effective), fromMicros(created), timePtr(done)
	return c, nil
}

// CreatePolicyCampaign stores a campaign with a pending notice for every
// subject with an email on file, and the events, in one transaction.
func (db *DB) CreatePolicyCampaign(ctx context.Context, c *steward.PolicyCampaign, events []*steward.Event) (int, error) {
	var n int64
	err := db.txKeep(ctx, func(tx *sql.Tx) error { // campaign tables and the outbox only
		if _, err := tx.ExecContext(ctx, `INSERT INTO policy_campaigns (`+campaignColumns+`) VALUES ($1, $2, $3, $4, $5, NULL)`,
			c.Version, micros(c.Effective), c.Material, micros(c.CreatedAt), c.CreatedBy); err != nil {
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
		return insertEvents(ctx, tx, events)
	})
	return int(n), err
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

// PendingPolicyNotices returns recipients still to be told.
func (db *DB) PendingPolicyNotices(ctx context.Context, version string, limit int) ([]steward.PolicyRecipient, error) {
	return collect(ctx, db, db.r, func(row rowScanner) (steward.PolicyRecipient, error) {
		var r steward.PolicyRecipient
		err := row.Scan(&r.TenantID, &r.SubjectID)
		return r, err
	}, `SELECT tenant_id, subject_id FROM policy_notices WHERE version = $1 AND result = '' ORDER BY tenant_id, subject_id LIMIT $2`,
		version, limit)
}

// RecordPolicyNotices stores results for recipients still pending.
func (db *DB) RecordPolicyNotices(ctx context.Context, version string, done []steward.PolicyNoticeResult) error {
	return db.txKeep(ctx, func(tx *sql.Tx) error { // campaign tables only
		for _, d := range done {
			if _, err := tx.ExecContext(ctx, `UPDATE policy_notices SET result = $1, notified_at = $2 WHERE version = $3
				AND tenant_id = $4 AND subject_id = $5 AND result = ''`, d.Result, micros(d.NotifiedAt), version, d.TenantID,
				d.SubjectID); err != nil {
				return db.translate(err, "")
			}
		}
		return nil
	})
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
