package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.RequestStore = (*DB)(nil)

const requestColumns = `id, tenant_id, subject_id, type, jurisdiction, status, received_at, deadline, extended_deadline,
	extension_reason, verified_by, verified_at, approved_by, details, result, reason, overdue_notified, code_hash, code_expires,
	code_attempts, code_sent_at, codes_sent, evidence, evidence_key_id, evidence_sig, held, updated_at, version`

func scanRequest(row rowScanner) (*steward.RightsRequest, error) {
	r := &steward.RightsRequest{}
	var received, deadline, updated, overdue, held int64
	var extended, verified, expires, sent sql.NullInt64
	var result string
	if err := row.Scan(&r.ID, &r.TenantID, &r.SubjectID, &r.Type, &r.Jurisdiction, &r.Status, &received, &deadline, &extended,
		&r.ExtensionReason, &r.VerifiedBy, &verified, &r.ApprovedBy, &r.DetailsSealed, &result, &r.Reason, &overdue,
		&r.CodeHash, &expires, &r.CodeAttempts, &sent, &r.CodesSent, &r.Evidence, &r.EvidenceKeyID, &r.EvidenceSig, &held, &updated, &r.Version); err != nil {
		return nil, err
	}
	r.ReceivedAt, r.Deadline, r.UpdatedAt = fromMicros(received), fromMicros(deadline), fromMicros(updated)
	r.ExtendedDeadline, r.VerifiedAt, r.CodeExpires, r.CodeSentAt = timePtr(extended), timePtr(verified), timePtr(expires), timePtr(sent)
	r.OverdueNotified, r.Held = overdue != 0, held != 0
	if result != "" {
		r.Result = []byte(result)
	}
	return r, nil
}

// requestArgs are the values of every column but id, tenant and subject
// (which never change), in requestColumns order from type on.
func requestArgs(r *steward.RightsRequest) []any {
	return []any{r.Type, r.Jurisdiction, r.Status, micros(r.ReceivedAt), micros(r.Deadline), nullMicros(r.ExtendedDeadline),
		micros(r.Due()), r.ExtensionReason, r.VerifiedBy, nullMicros(r.VerifiedAt), r.ApprovedBy, r.DetailsSealed, string(r.Result),
		r.Reason, boolInt(r.OverdueNotified), r.CodeHash, nullMicros(r.CodeExpires), r.CodeAttempts, nullMicros(r.CodeSentAt),
		r.CodesSent, r.Evidence, r.EvidenceKeyID, r.EvidenceSig, boolInt(r.Held), micros(r.UpdatedAt)}
}

// CreateRequest stores a new request, its history and the events in one
// transaction (shared with concurrent writes on SQLite).
func (db *DB) CreateRequest(ctx context.Context, r *steward.RightsRequest, events ...*steward.Event) error {
	r.Version = 1
	args := append([]any{r.ID, r.TenantID, r.SubjectID}, requestArgs(r)...)
	args = append(args, r.Version)
	return db.execTx(ctx, func(tx *sql.Tx) error { // requests only: nothing the subject cache holds
		if _, err := db.w.txExec(ctx, tx, `INSERT INTO rights_requests (id, tenant_id, subject_id, type, jurisdiction, status,
			received_at, deadline, extended_deadline, due_at, extension_reason, verified_by, verified_at, approved_by, details, result,
			reason, overdue_notified, code_hash, code_expires, code_attempts, code_sent_at, codes_sent, evidence, evidence_key_id,
			evidence_sig, held, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
			$18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)`, args...); err != nil {
			return db.translate(err, "a request with this id exists")
		}
		if err := db.addHistory(ctx, tx, r, r.History, 0); err != nil {
			return err
		}
		return db.translate(insertEvents(ctx, txRows{db, tx}, events), "")
	})
}

// addHistory appends changes to r's history after the after entries it
// already has.
func (db *DB) addHistory(ctx context.Context, tx *sql.Tx, r *steward.RightsRequest, changes []steward.RequestStatusChange, after int) error {
	for i, c := range changes {
		if _, err := db.w.txExec(ctx, tx, `INSERT INTO rights_request_history (request_id, seq, at, from_status, to_status, actor,
			reason) VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, after+i+1, micros(c.At), c.From, c.To, c.Actor, c.Reason); err != nil {
			return db.translate(err, "the request changed concurrently; try again")
		}
	}
	return nil
}

// UpdateRequest stores r's mutable fields if its stored version is still
// r.Version, appends changes to its history and stores the events, in one
// transaction; ECONFLICT (nothing written) when another writer came first.
func (db *DB) UpdateRequest(ctx context.Context, r *steward.RightsRequest, changes []steward.RequestStatusChange, events ...*steward.Event) error {
	args := append(requestArgs(r)[1:], r.Version+1, r.ID, r.Version)
	err := db.execTx(ctx, func(tx *sql.Tx) error { // requests only
		res, err := db.w.txExec(ctx, tx, `UPDATE rights_requests SET jurisdiction = $1, status = $2, received_at = $3, deadline = $4,
			extended_deadline = $5, due_at = $6, extension_reason = $7, verified_by = $8, verified_at = $9, approved_by = $10,
			details = $11, result = $12, reason = $13, overdue_notified = $14, code_hash = $15, code_expires = $16,
			code_attempts = $17, code_sent_at = $18, codes_sent = $19, evidence = $20, evidence_key_id = $21, evidence_sig = $22,
			held = $23, updated_at = $24, version = $25 WHERE id = $26 AND version = $27`, args...)
		if err != nil {
			return db.translate(err, "")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return steward.Errorf(steward.ECONFLICT, "the request changed concurrently; read it again")
		}
		if len(changes) > 0 {
			var n int
			if err := db.w.txQueryRow(ctx, tx, `SELECT COUNT(*) FROM rights_request_history WHERE request_id = $1`, r.ID).Scan(&n); err != nil {
				return db.translate(err, "")
			}
			if err := db.addHistory(ctx, tx, r, changes, n); err != nil {
				return err
			}
		}
		return db.translate(insertEvents(ctx, txRows{db, tx}, events), "")
	})
	if err == nil {
		r.Version++
		r.History = append(r.History, changes...)
	}
	return err
}

// Request returns a tenant's request with its history.
func (db *DB) Request(ctx context.Context, tenantID, id string) (*steward.RightsRequest, error) {
	return db.requestWhere(ctx, `tenant_id = $1 AND id = $2`, tenantID, id)
}

// RequestByID returns a request of any tenant with its history.
func (db *DB) RequestByID(ctx context.Context, id string) (*steward.RightsRequest, error) {
	return db.requestWhere(ctx, `id = $1`, id)
}

func (db *DB) requestWhere(ctx context.Context, where string, args ...any) (*steward.RightsRequest, error) {
	r, err := scanRequest(db.r.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM rights_requests WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("request")
	}
	if err != nil {
		return nil, db.translate(err, "")
	}
	r.History, err = collect(ctx, db, db.r, func(row rowScanner) (steward.RequestStatusChange, error) {
		var c steward.RequestStatusChange
		var at int64
		err := row.Scan(&at, &c.From, &c.To, &c.Actor, &c.Reason)
		c.At = fromMicros(at)
		return c, err
	}, `SELECT at, from_status, to_status, actor, reason FROM rights_request_history WHERE request_id = $1 ORDER BY seq`, r.ID)
	return r, err
}

// Requests lists a tenant's requests, newest first, without history.
func (db *DB) Requests(ctx context.Context, tenantID string, f steward.RequestFilter) ([]*steward.RightsRequest, error) {
	q := `SELECT ` + requestColumns + ` FROM rights_requests WHERE tenant_id = $1`
	args := []any{tenantID}
	if f.SubjectID != "" {
		args = append(args, f.SubjectID)
		q += ` AND subject_id = $` + strconv.Itoa(len(args))
	}
	if f.Status != "" {
		args = append(args, f.Status)
		q += ` AND status = $` + strconv.Itoa(len(args))
	}
	if f.Type != "" {
		args = append(args, f.Type)
		q += ` AND type = $` + strconv.Itoa(len(args))
	}
	if f.Overdue {
		args = append(args, micros(f.Now))
		q += ` AND due_at < $` + strconv.Itoa(len(args)) + ` AND status IN ('unverified', 'verified', 'awaiting_approval', 'in_progress')`
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	args = append(args, limit)
	q += ` ORDER BY received_at DESC, id DESC LIMIT $` + strconv.Itoa(len(args))
	return collect(ctx, db, db.r, scanRequest, q, args...)
}

// DueRequests lists requests of every tenant in one of the statuses,
// oldest first, without history.
func (db *DB) DueRequests(ctx context.Context, statuses []string, limit int) ([]*steward.RightsRequest, error) {
	var out []*steward.RightsRequest
	for _, s := range statuses {
		rs, err := collect(ctx, db, db.r, scanRequest, `SELECT `+requestColumns+` FROM rights_requests WHERE status = $1
			ORDER BY received_at, id LIMIT $2`, s, limit)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// HeldRequests lists the partially completed requests of every tenant that
// legal holds keep (held), oldest first, without history.
func (db *DB) HeldRequests(ctx context.Context, limit int) ([]*steward.RightsRequest, error) {
	return collect(ctx, db, db.r, scanRequest, `SELECT `+requestColumns+` FROM rights_requests WHERE held = 1
		AND status = 'partially_completed' ORDER BY received_at, id LIMIT $1`, limit)
}

// RequestCounts counts open requests of every tenant, and those past due.
func (db *DB) RequestCounts(ctx context.Context, now time.Time) (open, overdue int, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END), 0) FROM rights_requests
		WHERE status IN ('unverified', 'verified', 'awaiting_approval', 'in_progress')`, micros(now)).Scan(&open, &overdue)
	return open, overdue, db.translate(err, "")
}

// SetRequestProgress records a running request's progress (an upsert).
func (db *DB) SetRequestProgress(ctx context.Context, tenantID, id string, p steward.RequestProgress) error {
	_, err := db.w.execKeep(ctx, `INSERT INTO request_progress (request_id, tenant_id, done, total, at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (request_id) DO UPDATE SET done = excluded.done, total = excluded.total, at = excluded.at`,
		id, tenantID, p.Done, p.Total, micros(p.At))
	return db.translate(err, "")
}

// RequestProgress returns a request's recorded progress.
func (db *DB) RequestProgress(ctx context.Context, tenantID, id string) (steward.RequestProgress, bool, error) {
	var p steward.RequestProgress
	var at int64
	err := db.r.QueryRowContext(ctx, `SELECT done, total, at FROM request_progress WHERE tenant_id = $1 AND request_id = $2`,
		tenantID, id).Scan(&p.Done, &p.Total, &at)
	if err == sql.ErrNoRows {
		return p, false, nil
	}
	if err != nil {
		return p, false, db.translate(err, "")
	}
	p.At = fromMicros(at)
	return p, true, nil
}
