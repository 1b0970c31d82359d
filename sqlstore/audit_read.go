package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/steward-privacy/steward"
)

// auditSelect reads the stored fields of events.
const auditSelect = `SELECT tenant_id, seq, at, actor, action, subject_id, categories, purpose, decision, reasons,
	justification, request_id, client_ip, target, prev_hash, hash FROM audit_events`

// maxAuditPage bounds one page of GET /v1/audit.
const maxAuditPage = 1000

// AuditEvents returns the tenant's events matching f, newest first.
func (db *DB) AuditEvents(ctx context.Context, f steward.AuditFilter) ([]*steward.AuditEvent, error) {
	var where strings.Builder
	args := []any{f.TenantID}
	where.WriteString(` WHERE tenant_id = $1`)
	add := func(cond string, v any) {
		args = append(args, v)
		where.WriteString(" AND " + cond + " $" + strconv.Itoa(len(args)))
	}
	for _, c := range []struct{ col, v string }{{"subject_id", f.SubjectID}, {"actor", f.Actor}, {"action", f.Action}, {"purpose", f.Purpose}} {
		if c.v != "" {
			add(c.col+" =", c.v)
		}
	}
	if f.SubjectID != "" {
		where.WriteString(` AND subject_id <> ''`) // lets PostgreSQL's planner use its partial index audit_events_subject
	}
	if !f.Since.IsZero() {
		add("at >=", micros(f.Since))
	}
	if !f.Until.IsZero() {
		add("at <", micros(f.Until))
	}
	if f.Before > 0 {
		add("seq <", f.Before)
	}
	if f.After > 0 {
		add("seq >", f.After)
	}
	limit := f.Limit
	if limit <= 0 || limit > maxAuditPage {
		limit = maxAuditPage
	}
	rows, err := db.r.QueryContext(ctx, auditSelect+where.String()+` ORDER BY seq DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var out []*steward.AuditEvent
	for rows.Next() {
		e := &steward.AuditEvent{}
		if err := scanAuditEvent(rows, e, &auditScratch{}); err != nil {
			return nil, db.translate(err, "")
		}
		out = append(out, e)
	}
	return out, db.translate(rows.Err(), "")
}

// ScanAudit streams the tenant's events after the given sequence number in
// order, reusing one event (and its slices) for every row.
func (db *DB) ScanAudit(ctx context.Context, tenantID string, after int64, fn func(*steward.AuditEvent) error) error {
	rows, err := db.r.QueryContext(ctx, auditSelect+` WHERE tenant_id = $1 AND seq > $2 ORDER BY seq`, tenantID, after)
	if err != nil {
		return db.translate(err, "")
	}
	defer rows.Close()
	var e steward.AuditEvent
	var scratch auditScratch
	for rows.Next() {
		if err := scanAuditEvent(rows, &e, &scratch); err != nil {
			return db.translate(err, "")
		}
		if err := fn(&e); err != nil {
			return err
		}
	}
	return db.translate(rows.Err(), "")
}

// auditScratch holds buffers reused across rows.
type auditScratch struct {
	at                  int64
	categories, reasons string
}

// scanAuditEvent reads one row into e. The lists are split into e's own
// slices, reused when e is.
func scanAuditEvent(row rowScanner, e *steward.AuditEvent, s *auditScratch) error {
	if err := row.Scan(&e.TenantID, &e.Seq, &s.at, &e.Actor, &e.Action, &e.SubjectID, &s.categories, &e.Purpose,
		&e.Decision, &s.reasons, &e.Justification, &e.RequestID, &e.ClientIP, &e.Target, &e.PrevHash, &e.Hash); err != nil {
		return err
	}
	e.Time = fromMicros(s.at)
	e.Categories = splitList(e.Categories[:0], s.categories)
	e.Reasons = splitList(e.Reasons[:0], s.reasons)
	return nil
}

// splitList splits a space-separated list into dst; an empty list is nil.
func splitList(dst []string, s string) []string {
	if s == "" {
		return nil
	}
	for {
		before, after, found := strings.Cut(s, " ")
		dst = append(dst, before)
		if !found {
			return dst
		}
		s = after
	}
}

// AuditSigningKeys lists the checkpoint signing keys, oldest first.
func (db *DB) AuditSigningKeys(ctx context.Context) ([]*steward.AuditSigningKey, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, public_key, wrapped, created_at FROM audit_signing_keys ORDER BY id`)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var out []*steward.AuditSigningKey
	for rows.Next() {
		k := &steward.AuditSigningKey{}
		var at int64
		if err := rows.Scan(&k.ID, &k.PublicKey, &k.Wrapped, &at); err != nil {
			return nil, db.translate(err, "")
		}
		k.CreatedAt = fromMicros(at)
		out = append(out, k)
	}
	return out, db.translate(rows.Err(), "")
}

// RewrapAuditSigningKey replaces the wrapped private half of signing key
// version id (after a master key rotation); ENOTFOUND when there is none.
func (db *DB) RewrapAuditSigningKey(ctx context.Context, id int, wrapped []byte) error {
	res, err := db.w.ExecContext(ctx, `UPDATE audit_signing_keys SET wrapped = $1 WHERE id = $2`, wrapped, id)
	if err != nil {
		return db.translate(err, "")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.translate(err, "")
	}
	if n == 0 {
		return steward.Errorf(steward.ENOTFOUND, "no audit signing key version %d", id)
	}
	return nil
}

// CreateAuditSigningKey stores a new signing key version.
func (db *DB) CreateAuditSigningKey(ctx context.Context, k *steward.AuditSigningKey) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO audit_signing_keys (id, public_key, wrapped, created_at) VALUES ($1, $2, $3, $4)`,
		k.ID, k.PublicKey, k.Wrapped, micros(k.CreatedAt))
	return db.translate(err, "this signing key version already exists")
}
