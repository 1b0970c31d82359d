package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/steward-privacy/steward"
)

var _ steward.AuditStore = (*DB)(nil)

// auditColumns are the stored fields of an event, in insert order.
const auditColumns = `tenant_id, seq, at, actor, action, subject_id, categories, purpose, decision, reasons,
	justification, request_id, client_ip, target, prev_hash, hash`

// auditColumnCount is the number of auditColumns.
const auditColumnCount = 16

// auditChunk is how many events one INSERT statement carries: 16 columns
// each keeps a statement well under SQLite's and PostgreSQL's parameter
// limits while amortising the per-statement cost.
const auditChunk = 256

// argsPool recycles the argument slices of appends (16 per event), which
// were a tenth of the appender's allocations.
var argsPool = sync.Pool{New: func() any { s := make([]any, 0, 1024*auditColumnCount); return &s }}

// insertAuditSQL caches the INSERT text for each chunk size.
var insertAuditSQL = newAllOrNothingValuesCache(`INSERT INTO audit_events (`+auditColumns+`) VALUES `, auditColumnCount, auditChunk)

// AppendAudit stores events in one transaction, tenant by tenant under each
// tenant's locked chain head.
func (db *DB) AppendAudit(ctx context.Context, events []*steward.AuditEvent, seal steward.AuditSealFunc,
	mark *steward.AuditJournalMark) error {
	if len(events) == 0 && mark == nil {
		return nil
	}
	var change *ledgerChange
	ledger := db.ledger.Load()
	if ledger != nil {
		change = ledger.begin()
	}
	// Audit tables only: the subject cache stays.
	err := db.txKeep(ctx, func(tx *sql.Tx) error {
		if change != nil {
			clear(change.added)
			clear(change.moved)
		}
		if err := db.chainEvents(ctx, tx, events, seal, change); err != nil {
			return err
		}
		if mark != nil {
			_, err := db.w.txExec(ctx, tx, `INSERT INTO audit_journal (id, done) VALUES ($1, $2)
				ON CONFLICT (id) DO UPDATE SET done = excluded.done`, mark.Journal, mark.Done)
			return db.translate(err, "")
		}
		return nil
	})
	if change != nil {
		ledger.end(change, err == nil)
	}
	return err
}

// AuditJournalDone returns the last mark stored for a journal, 0 if none.
func (db *DB) AuditJournalDone(ctx context.Context, journal string) (int64, error) {
	var done int64
	err := db.r.QueryRowContext(ctx, `SELECT done FROM audit_journal WHERE id = $1`, journal).Scan(&done)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return done, db.translate(err, "")
}

// chainEvents stores events in tx, tenant by tenant (in tenant id order, so
// that concurrent writers cannot deadlock; each tenant's events in the
// order given) under each tenant's locked chain head. The ledger rows the
// events carry go to the memory tier through change when it is not nil.
func (db *DB) chainEvents(ctx context.Context, tx *sql.Tx, events []*steward.AuditEvent, seal steward.AuditSealFunc,
	change *ledgerChange) error {
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b *steward.AuditEvent) int { return cmp.Compare(a.TenantID, b.TenantID) })
	args := argsPool.Get().(*[]any)
	defer func() { clear(*args); argsPool.Put(args) }()
	for start := 0; start < len(sorted); {
		end := start + 1
		for end < len(sorted) && sorted[end].TenantID == sorted[start].TenantID {
			end++
		}
		group := sorted[start:end]
		start = end
		head, err := db.lockAuditHead(ctx, tx, group[0].TenantID)
		if err != nil {
			return err
		}
		cps, err := seal(head, group)
		if err != nil {
			return err
		}
		*args = (*args)[:0]
		for _, e := range group {
			*args = append(*args, e.TenantID, e.Seq, micros(e.Time), e.Actor, e.Action, e.SubjectID,
				strings.Join(e.Categories, " "), e.Purpose, e.Decision, strings.Join(e.Reasons, " "),
				e.Justification, e.RequestID, e.ClientIP, e.Target, e.PrevHash, e.Hash)
		}
		if err := insertAuditSQL.exec(ctx, db, tx, *args); err != nil {
			return db.translate(err, "audit sequence number already used")
		}
		if change != nil {
			err = db.projectInMemory(ctx, tx, change, group)
		} else {
			err = db.projectLedger(ctx, tx, group)
		}
		if err != nil {
			return db.translate(err, "")
		}
		last := group[len(group)-1]
		cpSeq := head.CheckpointSeq
		for _, cp := range cps {
			if err := db.saveCheckpoint(ctx, tx, cp); err != nil {
				return err
			}
			cpSeq = max(cpSeq, cp.Seq)
		}
		if _, err := db.w.txExec(ctx, tx, `UPDATE audit_heads SET seq = $1, hash = $2, checkpoint_seq = $3 WHERE tenant_id = $4`,
			last.Seq, last.Hash, cpSeq, last.TenantID); err != nil {
			return db.translate(err, "")
		}
	}
	return nil
}

// lockAuditHead returns the tenant's chain head, creating it on the first
// event. The no-op UPDATE takes the row lock on PostgreSQL (SQLite has a
// single writer already), so concurrent appenders chain one after another.
func (db *DB) lockAuditHead(ctx context.Context, tx *sql.Tx, tenantID string) (steward.AuditHead, error) {
	var h steward.AuditHead
	for attempt := 0; ; attempt++ {
		err := db.w.txQueryRow(ctx, tx, `UPDATE audit_heads SET seq = seq WHERE tenant_id = $1 RETURNING seq, hash, checkpoint_seq`,
			tenantID).Scan(&h.Seq, &h.Hash, &h.CheckpointSeq)
		if err != sql.ErrNoRows || attempt > 0 {
			if err == sql.ErrNoRows {
				return h, notFound("tenant")
			}
			return h, db.translate(err, "")
		}
		if _, err := db.w.txExec(ctx, tx, `INSERT INTO audit_heads (tenant_id, seq, hash, checkpoint_seq) VALUES ($1, 0, $2, 0)
			ON CONFLICT (tenant_id) DO NOTHING`, tenantID, make([]byte, 32)); err != nil {
			return h, db.translate(err, "")
		}
	}
}

// saveCheckpoint inserts a checkpoint or replaces the one at the same
// sequence number (a periodic re-signing of an idle chain).
func (db *DB) saveCheckpoint(ctx context.Context, tx *sql.Tx, cp *steward.AuditCheckpoint) error {
	_, err := db.w.txExec(ctx, tx, `INSERT INTO audit_checkpoints (tenant_id, seq, hash, at, every, key_id, signature)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant_id, seq) DO UPDATE SET hash = excluded.hash, at = excluded.at, every = excluded.every,
			key_id = excluded.key_id, signature = excluded.signature`,
		cp.TenantID, cp.Seq, cp.Hash, micros(cp.Time), cp.Every, cp.KeyID, cp.Signature)
	return db.translate(err, "")
}

// CheckpointAudit stores the checkpoint fn makes from the tenant's locked head.
func (db *DB) CheckpointAudit(ctx context.Context, tenantID string, fn func(steward.AuditHead) (*steward.AuditCheckpoint, error)) error {
	// Audit tables only: the subject cache stays.
	return db.txKeep(ctx, func(tx *sql.Tx) error {
		var h steward.AuditHead
		err := db.w.txQueryRow(ctx, tx, `UPDATE audit_heads SET seq = seq WHERE tenant_id = $1 RETURNING seq, hash, checkpoint_seq`,
			tenantID).Scan(&h.Seq, &h.Hash, &h.CheckpointSeq)
		if err == sql.ErrNoRows {
			return notFound("audit chain")
		}
		if err != nil {
			return db.translate(err, "")
		}
		cp, err := fn(h)
		if err != nil || cp == nil {
			return err
		}
		if err := db.saveCheckpoint(ctx, tx, cp); err != nil {
			return err
		}
		_, err = db.w.txExec(ctx, tx, `UPDATE audit_heads SET checkpoint_seq = $1 WHERE tenant_id = $2`, max(h.CheckpointSeq, cp.Seq), tenantID)
		return db.translate(err, "")
	})
}

// AuditCheckpoints lists a tenant's checkpoints in sequence order.
func (db *DB) AuditCheckpoints(ctx context.Context, tenantID string) ([]*steward.AuditCheckpoint, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT tenant_id, seq, hash, at, every, key_id, signature FROM audit_checkpoints
		WHERE tenant_id = $1 ORDER BY seq`, tenantID)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var out []*steward.AuditCheckpoint
	for rows.Next() {
		cp := &steward.AuditCheckpoint{}
		var at int64
		if err := rows.Scan(&cp.TenantID, &cp.Seq, &cp.Hash, &at, &cp.Every, &cp.KeyID, &cp.Signature); err != nil {
			return nil, db.translate(err, "")
		}
		cp.Time = fromMicros(at)
		out = append(out, cp)
	}
	return out, db.translate(rows.Err(), "")
}

// AuditTenants lists the tenants that have an audit chain.
func (db *DB) AuditTenants(ctx context.Context) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT tenant_id FROM audit_heads ORDER BY tenant_id`)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, db.translate(err, "")
		}
		out = append(out, t)
	}
	return out, db.translate(rows.Err(), "")
}

// AuditHead returns the end of the tenant's chain (zero when it has none).
func (db *DB) AuditHead(ctx context.Context, tenantID string) (steward.AuditHead, error) {
	var h steward.AuditHead
	err := db.r.QueryRowContext(ctx, `SELECT seq, hash, checkpoint_seq FROM audit_heads WHERE tenant_id = $1`, tenantID).
		Scan(&h.Seq, &h.Hash, &h.CheckpointSeq)
	if err == sql.ErrNoRows {
		return steward.AuditHead{}, nil
	}
	return h, db.translate(err, "")
}
