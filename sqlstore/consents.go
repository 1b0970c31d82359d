package sqlstore

import (
	"context"
	"database/sql"

	"github.com/steward-privacy/steward"
)

var _ steward.ConsentStore = (*DB)(nil)

// consentColumns are what a ConsentRecord is read from.
const consentColumns = `consent_id, purpose, processor, granted, policy_version, channel, notice_version, form, text_sha256, at`

func scanConsent(row rowScanner, c *steward.ConsentRecord) error {
	var granted, at int64
	if err := row.Scan(&c.ID, &c.Purpose, &c.Processor, &granted, &c.PolicyVersion, &c.Channel,
		&c.Proof.NoticeVersion, &c.Proof.Form, &c.Proof.TextSHA256, &at); err != nil {
		return err
	}
	c.Granted, c.At = granted != 0, fromMicros(at)
	return nil
}

// AddConsent appends a consent decision for a subject of the tenant, with
// the events given, in one transaction; it sets c.ID (cns_...) when empty.
// It evicts only that subject from the subject cache.
func (db *DB) AddConsent(ctx context.Context, c *steward.ConsentRecord, events ...*steward.Event) error {
	if c.ID == "" {
		c.ID = steward.NewID("cns")
	}
	// Only this subject's consent state changes: evicted below, after the
	// commit, so no reader can cache the state from before it. On SQLite
	// the write shares a transaction with concurrent ones (group commit).
	err := db.insertForSubject(ctx, c.TenantID, c.SubjectID, events, `INSERT INTO consents (consent_id, tenant_id, subject_id, purpose, processor, granted, policy_version,
			channel, notice_version, form, text_sha256, at)
			SELECT $1, tenant_id, id, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM subjects WHERE tenant_id = $11 AND id = $12`,
		c.ID, c.Purpose, c.Processor, boolInt(c.Granted), c.PolicyVersion, c.Channel, c.Proof.NoticeVersion, c.Proof.Form,
		c.Proof.TextSHA256, micros(c.At), c.TenantID, c.SubjectID)
	db.evictSubject(c.TenantID, c.SubjectID)
	return err
}

// insertForSubject runs q, an INSERT ... SELECT from the subject's row,
// and stores the events with it in one transaction (shared with concurrent
// writes on SQLite); ENOTFOUND when q inserted nothing (no such subject in
// the tenant), and then nothing is stored. Other replicas hear of the
// change when it commits (notifyTx).
func (db *DB) insertForSubject(ctx context.Context, tenantID, subjectID string, events []*steward.Event, q string, args ...any) error {
	return db.execTx(ctx, func(tx *sql.Tx) error {
		res, err := db.w.txExec(ctx, tx, q, args...)
		if err != nil {
			return db.translate(err, "")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("subject")
		}
		if err := db.notifyTx(ctx, tx, tenantID, subjectID); err != nil {
			return db.translate(err, "")
		}
		return db.translate(insertEvents(ctx, txRows{db, tx}, events), "")
	})
}

// txRows runs insertEvents' statements in tx as cached prepared statements.
type txRows struct {
	db *DB
	tx *sql.Tx
}

func (t txRows) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.db.w.txQueryRow(ctx, t.tx, q, args...)
}

// Consents returns the current consent decisions of a subject: the latest
// per purpose and processor, by purpose then processor.
func (db *DB) Consents(ctx context.Context, tenantID, subjectID string) ([]*steward.ConsentRecord, error) {
	// The latest id per purpose and processor comes from the covering index
	// consents_current, without reading the history's rows.
	return db.consents(ctx, tenantID, subjectID, `SELECT `+consentColumns+` FROM consents
		WHERE tenant_id = $1 AND id IN (SELECT MAX(id) FROM consents WHERE subject_id = $2 GROUP BY purpose, processor)
		ORDER BY purpose, processor`)
}

// ConsentHistory returns every consent decision of a subject, oldest first.
func (db *DB) ConsentHistory(ctx context.Context, tenantID, subjectID string) ([]*steward.ConsentRecord, error) {
	return db.consents(ctx, tenantID, subjectID, `SELECT `+consentColumns+` FROM consents
		WHERE tenant_id = $1 AND subject_id = $2 ORDER BY id`)
}

func (db *DB) consents(ctx context.Context, tenantID, subjectID, q string) ([]*steward.ConsentRecord, error) {
	return collect(ctx, db, db.r, func(row rowScanner) (*steward.ConsentRecord, error) {
		c := &steward.ConsentRecord{TenantID: tenantID, SubjectID: subjectID}
		return c, scanConsent(row, c)
	}, q, tenantID, subjectID)
}

// Consent returns one consent decision by its id; ENOTFOUND if the tenant
// has none with that id.
func (db *DB) Consent(ctx context.Context, tenantID, id string) (*steward.ConsentRecord, error) {
	c := &steward.ConsentRecord{TenantID: tenantID}
	row := db.r.QueryRowContext(ctx, `SELECT subject_id, `+consentColumns+` FROM consents WHERE tenant_id = $1 AND consent_id = $2`, tenantID, id)
	var subject string
	if err := scanConsent(scanPrefix{row, &subject}, c); err != nil {
		return nil, db.missing(err, "consent")
	}
	c.SubjectID = subject
	return c, nil
}

// scanPrefix scans leading columns into dest before the row's others.
type scanPrefix struct {
	row  rowScanner
	dest *string
}

func (p scanPrefix) Scan(dest ...any) error { return p.row.Scan(append([]any{p.dest}, dest...)...) }

// AddSignal records a GPC signal for a subject of the tenant, with the
// events given, in one transaction, and evicts that subject from the cache.
func (db *DB) AddSignal(ctx context.Context, s *steward.Signal, events ...*steward.Event) error {
	// Only this subject's consent state changes: evicted below.
	err := db.insertForSubject(ctx, s.TenantID, s.SubjectID, events, `INSERT INTO signals (tenant_id, subject_id, gpc, source, policy_version, at)
			SELECT tenant_id, id, $1, $2, $3, $4 FROM subjects WHERE tenant_id = $5 AND id = $6`,
		boolInt(s.GPC), s.Source, s.PolicyVersion, micros(s.At), s.TenantID, s.SubjectID)
	db.evictSubject(s.TenantID, s.SubjectID)
	return err
}

// ConsentState returns the subject's current consents and GPC signal, from
// the subject cache when it is on (filled on a miss, evicted by AddConsent
// and AddSignal and by every write that evicts the subject).
func (db *DB) ConsentState(ctx context.Context, tenantID, subjectID string) (*steward.ConsentState, error) {
	var mark uint64
	if db.cache != nil {
		if st, ok := db.cache.getConsents(tenantID, subjectID); ok {
			return st, nil
		}
		mark = db.cache.evicted.Load()
	}
	cs, err := db.Consents(ctx, tenantID, subjectID)
	if err != nil {
		return nil, err
	}
	st := &steward.ConsentState{Consents: cs}
	var gpc, at int64
	err = db.r.QueryRowContext(ctx, `SELECT gpc, at FROM signals WHERE tenant_id = $1 AND subject_id = $2 ORDER BY id DESC LIMIT 1`,
		tenantID, subjectID).Scan(&gpc, &at)
	switch {
	case err == nil:
		st.GPC, st.GPCAt = gpc != 0, fromMicros(at)
	case err != sql.ErrNoRows:
		return nil, db.translate(err, "")
	}
	if db.cache != nil {
		db.cache.fillConsents(mark, tenantID, subjectID, st)
	}
	return st, nil
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
