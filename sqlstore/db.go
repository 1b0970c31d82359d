// Package sqlstore implements steward's storage interfaces once, on
// database/sql, for every SQL dialect steward supports. The sqlite and
// postgres packages open connections, supply their dialect and migrations,
// and hand back a *DB; the SQL here is written to run unchanged on both
// (numbered $n parameters, BIGINT unix-microsecond times, no vendor
// functions), and to be CockroachDB-friendly where that costs little.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"

	"github.com/steward-privacy/steward"
)

// Dialect is what differs between the SQL databases.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// IsUniqueViolation reports whether err is a unique-constraint violation.
	IsUniqueViolation(err error) bool
	// LockMigrations is run inside the migration transaction, before the
	// applied versions are read, and must serialise concurrent migrators.
	LockMigrations(ctx context.Context, tx *sql.Tx) error
	// Migrations holds NNNN_name.sql files applied in order.
	Migrations() fs.FS
}

// DB is a steward store on a SQL database. Writes go through w; reads that
// need no transaction go through r (on SQLite a separate read-only pool, so
// readers never wait for the single writer; on PostgreSQL the same pool).
type DB struct {
	w, r    *pool
	dialect Dialect
	cache   *subjectCache // nil unless CacheSubjects
	shared  *sharedCache  // nil unless CacheSubjectsShared
	batcher *writeBatcher // nil unless BatchWrites
	records *recordGroup  // nil unless GroupRecordWrites
	// recentLedger counts the rows of disclosures_recent, as a hint of when
	// to merge them into the ledger (-1 until read from the table).
	recentLedger atomic.Int64
	// ledger is the ledger's recent tier in memory (nil unless
	// LedgerInMemory).
	ledger atomic.Pointer[ledgerMemory]
}

// New wraps the given pools. It does not migrate; call Migrate.
func New(w, r *sql.DB, d Dialect) *DB {
	db := &DB{w: newPool(w), dialect: d}
	db.recentLedger.Store(-1)
	db.r = db.w
	if r != nil && r != w {
		db.r = newPool(r)
	}
	return db
}

// Dialect returns the dialect name.
func (db *DB) Dialect() string { return db.dialect.Name() }

// Writer returns the pool used for writes (for adapters' own maintenance
// statements such as a WAL checkpoint). Statements run through it bypass
// the subject cache's invalidation: never change subjects or records there.
func (db *DB) Writer() *sql.DB { return db.w.DB }

// Close closes both pools.
func (db *DB) Close() error {
	if db.shared != nil {
		db.shared.close()
	}
	if db.batcher != nil {
		db.batcher.close()
	}
	if db.records != nil {
		db.records.close()
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks that the database answers and that migrations are applied.
func (db *DB) Ping(ctx context.Context) error {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM steward_migrations`).Scan(&n); err != nil {
		return steward.Errorf(steward.EUNAVAILABLE, "database not ready")
	}
	if n == 0 {
		return steward.Errorf(steward.EUNAVAILABLE, "migrations not applied")
	}
	return nil
}

// tx runs fn in a write transaction, committing if fn returns nil, then
// empties the subject cache (if on).
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	err := db.txKeep(ctx, fn)
	if db.w.written != nil {
		db.w.written()
	}
	return err
}

// txKeep is tx for transactions that cannot change a row the subject cache
// holds (say so at the call).
func (db *DB) txKeep(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return db.translate(err, "")
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return db.translate(tx.Commit(), "")
}

// translate maps driver errors to coded steward errors: a unique violation
// becomes ECONFLICT with the given message, sql.ErrNoRows ENOTFOUND; others
// are wrapped as internal errors (shown as "internal error", logged).
func (db *DB) translate(err error, conflict string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return steward.Errorf(steward.ENOTFOUND, "not found")
	case db.dialect.IsUniqueViolation(err):
		if conflict == "" {
			conflict = "already exists"
		}
		return &steward.Error{Code: steward.ECONFLICT, Message: conflict, Cause: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &steward.Error{Code: steward.EUNAVAILABLE, Message: "request cancelled or timed out", Cause: err}
	}
	var se *steward.Error
	if errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("sqlstore: %w", err)
}

// notFound returns ENOTFOUND naming the kind of thing that was missing.
func notFound(what string) error {
	return steward.Errorf(steward.ENOTFOUND, "%s not found", what)
}

// micros converts a time to the stored form.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts the stored form back, in UTC.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// nullMicros converts an optional time.
func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// timePtr converts an optional stored time.
func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// collect runs a query and scans every row with scan, translating errors.
func collect[T any](ctx context.Context, db *DB, p queryer, scan func(rowScanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := p.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.translate(err, "")
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, db.translate(err, "")
		}
		out = append(out, v)
	}
	return out, db.translate(rows.Err(), "")
}

// scanString scans a one-column row of text.
func scanString(r rowScanner) (string, error) {
	var s string
	err := r.Scan(&s)
	return s, err
}
