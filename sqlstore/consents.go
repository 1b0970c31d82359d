package sqlstore

import (
	"context"

	"github.com/steward-privacy/steward"
)

// AddConsent appends a consent decision for a subject of the tenant.
func (db *DB) AddConsent(ctx context.Context, c *steward.ConsentRecord) error {
	res, err := db.w.ExecContext(ctx, `INSERT INTO consents (tenant_id, subject_id, purpose, processor, granted, policy_version, channel, at)
		SELECT tenant_id, id, $1, $2, $3, $4, $5, $6 FROM subjects WHERE tenant_id = $7 AND id = $8`,
		c.Purpose, c.Processor, boolInt(c.Granted), c.PolicyVersion, c.Channel, micros(c.At), c.TenantID, c.SubjectID)
	if err != nil {
		return db.translate(err, "")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("subject")
	}
	return nil
}

// Consents returns the current consent decisions of a subject: the latest
// per purpose and processor.
func (db *DB) Consents(ctx context.Context, tenantID, subjectID string) ([]*steward.ConsentRecord, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT purpose, processor, granted, policy_version, channel, at FROM consents c
		WHERE tenant_id = $1 AND subject_id = $2 AND id = (SELECT MAX(id) FROM consents c2
			WHERE c2.subject_id = c.subject_id AND c2.purpose = c.purpose AND c2.processor = c.processor)
		ORDER BY purpose, processor`, tenantID, subjectID)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var out []*steward.ConsentRecord
	for rows.Next() {
		c := &steward.ConsentRecord{TenantID: tenantID, SubjectID: subjectID}
		var granted, at int64
		if err := rows.Scan(&c.Purpose, &c.Processor, &granted, &c.PolicyVersion, &c.Channel, &at); err != nil {
			return nil, db.translate(err, "")
		}
		c.Granted, c.At = granted != 0, fromMicros(at)
		out = append(out, c)
	}
	return out, db.translate(rows.Err(), "")
}

// PutSecret inserts or replaces a tenant secret.
func (db *DB) PutSecret(ctx context.Context, s *steward.StoredSecret) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO secrets (tenant_id, name, sealed, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
		s.TenantID, s.Name, s.Sealed, micros(s.UpdatedAt))
	return db.translate(err, "")
}

// Secret returns a tenant secret.
func (db *DB) Secret(ctx context.Context, tenantID, name string) (*steward.StoredSecret, error) {
	s := &steward.StoredSecret{TenantID: tenantID, Name: name}
	var updated int64
	if err := db.r.QueryRowContext(ctx, `SELECT sealed, updated_at FROM secrets WHERE tenant_id = $1 AND name = $2`, tenantID, name).
		Scan(&s.Sealed, &updated); err != nil {
		return nil, db.missing(err, "secret")
	}
	s.UpdatedAt = fromMicros(updated)
	return s, nil
}

// SecretNames lists the names (never the values) of a tenant's secrets.
func (db *DB) SecretNames(ctx context.Context, tenantID string) ([]string, error) {
	return collect(ctx, db, db.r, scanString, `SELECT name FROM secrets WHERE tenant_id = $1 ORDER BY name`, tenantID)
}

// DeleteSecret deletes a tenant secret; ENOTFOUND if there is none.
func (db *DB) DeleteSecret(ctx context.Context, tenantID, name string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM secrets WHERE tenant_id = $1 AND name = $2`, tenantID, name)
	if err != nil {
		return db.translate(err, "")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("secret")
	}
	return nil
}
