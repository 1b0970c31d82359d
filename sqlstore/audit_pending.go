package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/steward-privacy/steward"
)

var _ steward.AuditPendingStore = (*DB)(nil)

// pendingColumns are the stored fields of an accepted event, in insert
// order: an event's columns without its chain position.
const pendingColumns = `tenant_id, at, actor, action, subject_id, categories, purpose, decision, reasons,
	justification, request_id, client_ip, target`

// pendingColumnCount is the number of pendingColumns.
const pendingColumnCount = 13

// insertPendingSQL caches the INSERT text for each chunk size, and for
// every size up to 64 (a group of concurrent appends is usually smaller):
// one statement, autocommitted, is one round trip, where a transaction of
// several chunks takes their number plus two.
var insertPendingSQL = newExactValuesCache(`INSERT INTO audit_pending (`+pendingColumns+`) VALUES `, pendingColumnCount, auditChunk, 64)

// AcceptAudit stores events in audit_pending, without their chain
// position. A batch that one statement carries (up to 64 events, or a power
// of two up to auditChunk) is a single autocommitted INSERT, one round
// trip; larger ones share a transaction. No row another replica writes is locked.
func (db *DB) AcceptAudit(ctx context.Context, events []*steward.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	args := argsPool.Get().(*[]any)
	defer func() { clear(*args); argsPool.Put(args) }()
	*args = (*args)[:0]
	for _, e := range events {
		*args = append(*args, e.TenantID, micros(e.Time), e.Actor, e.Action, e.SubjectID,
			strings.Join(e.Categories, " "), e.Purpose, e.Decision, strings.Join(e.Reasons, " "),
			e.Justification, e.RequestID, e.ClientIP, e.Target)
	}
	var err error
	if q, ok := insertPendingSQL.single(db, len(events)); ok {
		// Audit tables only: the subject cache stays.
		_, err = db.w.execKeep(ctx, q, *args...)
	} else {
		// Audit tables only: the subject cache stays.
		err = db.txKeep(ctx, func(tx *sql.Tx) error { return insertPendingSQL.exec(ctx, db, tx, *args) })
	}
	if err != nil && db.isForeignKeyViolation(err) {
		return notFound("tenant")
	}
	return db.translate(err, "")
}

// IntegrateAudit moves up to limit accepted events, oldest first, into
// their chains in one transaction: it deletes them from audit_pending
// (RETURNING their columns) and chains them with extra after them. Two
// integrations that race take disjoint events: the second one waits for
// the first's row locks (taken in id order) and skips the rows it removed.
func (db *DB) IntegrateAudit(ctx context.Context, limit int, seal steward.AuditSealFunc, extra []*steward.AuditEvent) (int, error) {
	var taken int
	err := db.txKeep(ctx, func(tx *sql.Tx) error {
		events, err := db.takePending(ctx, tx, limit)
		if err != nil {
			return err
		}
		taken = len(events)
		if len(events)+len(extra) == 0 {
			return nil
		}
		return db.chainEvents(ctx, tx, append(events, extra...), seal, nil)
	})
	if err != nil {
		return 0, err
	}
	return taken, nil
}

// pendingEvent is an accepted event and its place in the order of
// acceptance.
type pendingEvent struct {
	id int64
	e  *steward.AuditEvent
}

// takePending deletes up to limit accepted events in tx and returns them in
// id order (RETURNING gives no order).
func (db *DB) takePending(ctx context.Context, tx *sql.Tx, limit int) ([]*steward.AuditEvent, error) {
	if limit <= 0 {
		return nil, nil
	}
	// On PostgreSQL the rows are locked in id order by the subquery before
	// any is deleted: a DELETE alone locks them in the order of whatever
	// plan it runs (a heap scan is not id order), and two integrations
	// locking the same rows in different orders deadlocked. Ordered locks
	// cannot form a cycle; a later integration waits on the lowest row and
	// then skips what the first removed. SQLite has one writer already.
	lock := ""
	if db.dialect.Name() == "postgres" {
		lock = " FOR UPDATE"
	}
	st, err := db.w.stmtInTx(ctx, tx, `DELETE FROM audit_pending WHERE id IN (SELECT id FROM audit_pending ORDER BY id LIMIT $1`+lock+`)
		RETURNING id, `+pendingColumns)
	if err != nil {
		return nil, db.translate(err, "")
	}
	rows, err := st.QueryContext(ctx, limit)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var taken []pendingEvent
	var s auditScratch
	for rows.Next() {
		p := pendingEvent{e: &steward.AuditEvent{}}
		e := p.e
		if err := rows.Scan(&p.id, &e.TenantID, &s.at, &e.Actor, &e.Action, &e.SubjectID, &s.categories, &e.Purpose,
			&e.Decision, &s.reasons, &e.Justification, &e.RequestID, &e.ClientIP, &e.Target); err != nil {
			return nil, db.translate(err, "")
		}
		e.Time = fromMicros(s.at)
		e.Categories = splitList(nil, s.categories)
		e.Reasons = splitList(nil, s.reasons)
		taken = append(taken, p)
	}
	if err := rows.Err(); err != nil {
		return nil, db.translate(err, "")
	}
	slices.SortFunc(taken, func(a, b pendingEvent) int { return cmp.Compare(a.id, b.id) })
	out := make([]*steward.AuditEvent, len(taken))
	for i, p := range taken {
		out[i] = p.e
	}
	return out, nil
}

// foreignKeyDialect is a Dialect that recognises foreign key violations.
type foreignKeyDialect interface {
	IsForeignKeyViolation(err error) bool
}

// isForeignKeyViolation reports whether err is a foreign key violation, if
// the dialect can tell.
func (db *DB) isForeignKeyViolation(err error) bool {
	d, ok := db.dialect.(foreignKeyDialect)
	return ok && d.IsForeignKeyViolation(err)
}

// AuditPending counts the tenant's accepted events not yet integrated.
func (db *DB) AuditPending(ctx context.Context, tenantID string) (int64, error) {
	var n int64
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_pending WHERE tenant_id = $1`, tenantID).Scan(&n)
	return n, db.translate(err, "")
}
