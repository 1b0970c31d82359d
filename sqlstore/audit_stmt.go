package sqlstore

import (
	"context"
	"database/sql"
	"runtime"
	"sync"
	"weak"
)

// Long bulk statements are prepared once per store and reused: SQLite
// re-parses a statement on every Exec, and parsing a 256-row INSERT cost a
// quarter of the audit appender's time (pgx caches prepared statements by
// itself, so this only matters for SQLite but is harmless for both).
//
// The cache lives beside DB rather than in it, keyed by a weak pointer to
// the store: an entry is closed and dropped when its store is collected, and
// a later store at the same address can never meet a stale statement.

type stmtKey struct {
	db    weak.Pointer[DB]
	query string
}

var (
	stmtCache   sync.Map // stmtKey -> *sql.Stmt (on db.w)
	stmtPending sync.Map // stmtKey -> struct{}: being prepared for the cache
)

// prepared returns query prepared on the writer's connection, bound to tx.
// It is prepared within tx the first time (SQLite's writer pool has a
// single connection, which tx holds), and kept: database/sql re-uses a
// statement prepared on the pool for every transaction on that connection.
func (db *DB) prepared(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	k := stmtKey{db: weak.Make(db), query: query}
	if s, ok := stmtCache.Load(k); ok {
		return tx.StmtContext(ctx, s.(*sql.Stmt)), nil
	}
	// A transaction's own statements die with it: use one now, and prepare
	// the query on the pool in the background, once tx has let go of the
	// connection, for the transactions that follow.
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, busy := stmtPending.LoadOrStore(k, struct{}{}); !busy {
		go db.keepPrepared(k)
	}
	return st, nil
}

// keepPrepared prepares k's query on the writer pool (waiting for the
// connection to be free) and caches it for later transactions.
func (db *DB) keepPrepared(k stmtKey) {
	defer stmtPending.Delete(k)
	s, err := db.w.PrepareContext(context.Background(), k.query)
	if err != nil {
		return
	}
	if _, loaded := stmtCache.LoadOrStore(k, s); loaded {
		s.Close()
		return
	}
	runtime.AddCleanup(db, func(k stmtKey) {
		if s, ok := stmtCache.LoadAndDelete(k); ok {
			s.(*sql.Stmt).Close()
		}
	}, k)
}
