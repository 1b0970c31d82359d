package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"slices"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

// recordGroup is group commit for record writes on PostgreSQL: the
// PutRecord calls that wait at the same moment are written by one
// statement in one commit (one WAL flush, one round trip, one plan) instead
// of one commit each. Each caller still returns only once its own write is
// committed, with its own outcome (an unknown subject fails alone). SQLite
// has writeBatcher, which shares transactions between statements; on
// PostgreSQL a failed statement aborts its transaction, so the group is
// one statement over arrays whose RETURNING says which rows were written.
//
// Measured (docs/benchmarks.md, issue 16): record writes over HTTP on one
// PostgreSQL server, 16 clients, went from 6,750 to 10,090/s, from 1.1
// commits a write to 0.19, and PostgreSQL's CPU a write from 138 to 59 µs.
type recordGroup struct {
	db *DB
	q  *groupCommit[*groupedRecord]
	// conn is the connection groups are written on (one group at a time,
	// from the committer only), set to use PostgreSQL's generic plan of
	// the group statement: left to choose, PostgreSQL planned it anew at
	// every execution — its custom plans, which know the array lengths,
	// always look cheaper than a generic plan guessing 10 rows — and the
	// planning cost as much as the execution (pg_stat_statements: 10,839
	// plans in 10,821 calls, 1.26 s planning against 1.37 s executing).
	conn *sql.Conn
}

// genericPlans makes a connection reuse one plan per prepared statement.
const genericPlans = `SET plan_cache_mode = force_generic_plan`

// groupedRecord is one caller's write and its outcome: rows is 1 when the
// record was written, 0 when its subject does not exist in its tenant.
type groupedRecord struct {
	r    *steward.Record
	rows int64
	err  error
	done chan struct{}
}

// maxRecordGroup bounds one group's statement.
const maxRecordGroup = 512

// GroupRecordWrites makes concurrent record writes share one statement and
// commit (see recordGroup). For PostgreSQL; Close stops it.
func (db *DB) GroupRecordWrites() {
	g := &recordGroup{db: db}
	g.q = startGroupCommit(maxRecordGroup, g.write)
	db.records = g
}

// putRecordGroupSQL writes a group of records given as five parallel
// arrays; a row whose subject is not in its tenant finds no subject and is
// not written. The rows of one group have distinct keys (see write). The
// subject of each row is looked up by its primary key in a LATERAL
// subquery that LIMIT keeps from being flattened: as a plain JOIN, the
// generic plan PostgreSQL caches for a prepared statement (it guesses 10
// rows for unnest) hashed the whole subjects table for every group — a
// sequential scan per write group, growing with the number of people.
// TestRecordGroupLooksUpSubjectsByKey checks the plan.
const putRecordGroupSQL = `INSERT INTO records (subject_id, category, tenant_id, sealed, updated_at)
	SELECT s.id, v.category, s.tenant_id, v.sealed, v.updated_at
	FROM unnest($1::text[], $2::bytea[], $3::bigint[], $4::text[], $5::text[]) AS v(category, sealed, updated_at, tenant_id, subject_id)
	CROSS JOIN LATERAL (SELECT id, tenant_id FROM subjects WHERE id = v.subject_id AND tenant_id = v.tenant_id LIMIT 1) s
	ON CONFLICT (subject_id, category) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at
	RETURNING tenant_id, subject_id, category`

// put queues r and waits for its group's commit; it returns the rows
// written (0: no such subject).
func (g *recordGroup) put(ctx context.Context, r *steward.Record) (int64, error) {
	w := &groupedRecord{r: r, done: make(chan struct{})}
	if err := g.q.wait(ctx, w, w.done); err != nil {
		return 0, err
	}
	return w.rows, w.err
}

// write commits a group and releases its callers. Of several writes of one
// record in a group the last one queued is written (as if each were
// committed in turn). If the group's statement fails (a deadlock with
// another replica's group, a lost connection), each write is retried
// alone, so that it gets its own outcome.
func (g *recordGroup) write(ws []*groupedRecord) {
	defer func() {
		for _, w := range ws {
			close(w.done)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if len(ws) == 1 {
		ws[0].rows, ws[0].err = g.db.putOne(ctx, ws[0].r)
		return
	}
	// The last write of each key, in key order (so that two replicas'
	// groups lock rows in one order).
	last := make(map[recordKey]*groupedRecord, len(ws))
	for _, w := range ws {
		last[keyOf(w.r)] = w
	}
	keys := make([]recordKey, 0, len(last))
	for k := range last {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b recordKey) int {
		return cmp.Or(strings.Compare(a.subject, b.subject), strings.Compare(a.category, b.category))
	})
	n := len(keys)
	cats, sealed, at, tenants, subjects := make([]string, n), make([][]byte, n), make([]int64, n), make([]string, n), make([]string, n)
	for i, k := range keys {
		r := last[k].r
		cats[i], sealed[i], at[i], tenants[i], subjects[i] = r.Category, r.Sealed, micros(r.UpdatedAt), r.TenantID, r.SubjectID
	}
	written, err := g.putGroup(ctx, cats, sealed, at, tenants, subjects)
	if err != nil {
		g.dropConn()
		for _, w := range ws {
			w.rows, w.err = g.db.putOne(ctx, w.r)
		}
		return
	}
	for _, w := range ws {
		if _, ok := written[keyOf(w.r)]; ok {
			w.rows = 1
		}
	}
}

// groupFault, set by tests only, fails group statements before they run,
// to exercise the retry of each write alone.
var groupFault func() error

// recordKey names a record within a group.
type recordKey struct{ tenant, subject, category string }

func keyOf(r *steward.Record) recordKey {
	return recordKey{tenant: r.TenantID, subject: r.SubjectID, category: r.Category}
}

// putGroup runs putRecordGroupSQL on the group connection and returns the
// keys it wrote.
func (g *recordGroup) putGroup(ctx context.Context, cats []string, sealed [][]byte, at []int64, tenants, subjects []string) (map[recordKey]struct{}, error) {
	if groupFault != nil {
		if err := groupFault(); err != nil {
			return nil, err
		}
	}
	if g.conn == nil {
		c, err := g.db.w.DB.Conn(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := c.ExecContext(ctx, genericPlans); err != nil {
			c.Close()
			return nil, err
		}
		g.conn = c
	}
	rows, err := g.conn.QueryContext(ctx, putRecordGroupSQL, cats, sealed, at, tenants, subjects)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	written := make(map[recordKey]struct{}, len(cats))
	for rows.Next() {
		var k recordKey
		if err := rows.Scan(&k.tenant, &k.subject, &k.category); err != nil {
			return nil, err
		}
		written[k] = struct{}{}
	}
	return written, rows.Err()
}

// putOne writes one record in its own statement.
func (db *DB) putOne(ctx context.Context, r *steward.Record) (int64, error) {
	res, err := db.w.execKeep(ctx, putRecordSQL, r.Category, r.Sealed, micros(r.UpdatedAt), r.TenantID, r.SubjectID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// dropConn gives the group connection back to the pool (after a failure,
// or at close) with the planner's default restored; the next group takes
// another.
func (g *recordGroup) dropConn() {
	if g.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := g.conn.ExecContext(ctx, `RESET plan_cache_mode`); err != nil {
		// Not returned to the pool with the setting: discarded instead.
		_ = g.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	g.conn.Close()
	g.conn = nil
}

// close stops the loop after the queued writes.
func (g *recordGroup) close() {
	g.q.close()
	g.dropConn()
}
