package sqlstore

import (
	"context"
	"database/sql"

	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.PolicyStore = (*DB)(nil)

const policyColumns = `seq, version, sha256, source, effective, imported_at, enforced_at`

func scanPolicyVersion(r rowScanner) (*steward.PolicyVersion, error) {
	v := &steward.PolicyVersion{}
	var effective, imported int64
	var enforced sql.NullInt64
	if err := r.Scan(&v.Seq, &v.Version, &v.SHA256, &v.Source, &effective, &imported, &enforced); err != nil {
		return nil, err
	}
	v.Effective, v.ImportedAt, v.EnforcedAt = fromMicros(effective), fromMicros(imported), timePtr(enforced)
	return v, nil
}

// ImportPolicyVersion stores a new policy version, staged (not enforced).
func (db *DB) ImportPolicyVersion(ctx context.Context, v *steward.PolicyVersion) error {
	if err := steward.ValidatePolicyVersion("organisation.version", v.Version); err != nil {
		return err
	}
	err := db.w.QueryRowContext(ctx, `INSERT INTO policy_versions (version, sha256, source, effective, imported_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
		v.Version, v.SHA256, v.Source, micros(v.Effective), micros(v.ImportedAt)).Scan(&v.Seq)
	return db.translate(err, "this policy version is stored already")
}

// PolicyVersion returns one stored version.
func (db *DB) PolicyVersion(ctx context.Context, version string) (*steward.PolicyVersion, error) {
	v, err := scanPolicyVersion(db.r.QueryRowContext(ctx, `SELECT `+policyColumns+` FROM policy_versions WHERE version = $1`, version))
	if err != nil {
		if err == sql.ErrNoRows {
			return nil, notFound("policy version")
		}
		return nil, db.translate(err, "")
	}
	return v, nil
}

// PolicyVersions lists every stored version, oldest import first.
func (db *DB) PolicyVersions(ctx context.Context) ([]*steward.PolicyVersion, error) {
	return collect(ctx, db, db.r, scanPolicyVersion, `SELECT `+policyColumns+` FROM policy_versions ORDER BY seq`)
}

// PolicyHead returns the version in force, its generation, and the latest
// staged version imported after it whose effective date has come. It is
// one indexed query on two small tables: what every replica polls.
func (db *DB) PolicyHead(ctx context.Context, now time.Time) (steward.PolicyHead, error) {
	var h steward.PolicyHead
	err := db.r.QueryRowContext(ctx, `SELECT s.version, s.gen, COALESCE((SELECT v.version FROM policy_versions v
			WHERE v.enforced_at IS NULL AND v.effective <= $1
				AND v.seq > (SELECT c.seq FROM policy_versions c WHERE c.version = s.version)
			ORDER BY v.seq DESC LIMIT 1), '')
		FROM policy_state s WHERE s.id = 1`, micros(now)).Scan(&h.Version, &h.Gen, &h.Due)
	if err == sql.ErrNoRows {
		return h, notFound("policy in force")
	}
	return h, db.translate(err, "")
}

// EnforcePolicyVersion makes a version the one in force, if the head is
// still at gen, with one copy of event per tenant, in one transaction.
func (db *DB) EnforcePolicyVersion(ctx context.Context, to string, gen int64, at time.Time, event *steward.Event) ([]string, error) {
	var tenants []string
	// No subject or record changes here: the subject cache stays valid.
	err := db.txKeep(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if gen == 0 {
			res, err = tx.ExecContext(ctx, `INSERT INTO policy_state (id, version, gen, changed_at) VALUES (1, $1, 1, $2)`, to, micros(at))
			if err != nil && db.dialect.IsUniqueViolation(err) {
				return steward.Errorf(steward.ECONFLICT, "another replica put a policy in force first")
			}
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE policy_state SET version = $1, gen = gen + 1, changed_at = $2 WHERE id = 1 AND gen = $3`,
				to, micros(at), gen)
		}
		if err != nil {
			return db.translate(err, "")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return steward.Errorf(steward.ECONFLICT, "another replica changed the policy in force first")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE policy_versions SET enforced_at = $1 WHERE version = $2 AND enforced_at IS NULL`,
			micros(at), to); err != nil {
			return db.translate(err, "")
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM tenants ORDER BY id`)
		if err != nil {
			return db.translate(err, "")
		}
		for rows.Next() {
			id, err := scanString(rows)
			if err != nil {
				rows.Close()
				return db.translate(err, "")
			}
			tenants = append(tenants, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return db.translate(err, "")
		}
		if event == nil {
			return nil
		}
		events := make([]*steward.Event, len(tenants))
		for i, t := range tenants {
			e := *event
			e.ID, e.TenantID = steward.NewID("evt"), t
			events[i] = &e
		}
		return db.translate(insertEvents(ctx, tx, events), "")
	})
	if err != nil {
		return nil, err
	}
	return tenants, nil
}
