// Package sqlite opens steward's embedded default store: a SQLite database
// file (pure Go, modernc.org/sqlite) in WAL mode with foreign keys, a busy
// timeout and secure_delete on, so that deleted rows are overwritten with
// zeros rather than left in free pages.
//
// Writes go through one connection (SQLite has one writer at a time; queuing
// in Go instead of in SQLite's busy handler means no "database is locked"
// errors under many concurrent writers); reads use a pool of read-only
// connections that WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/steward-privacy/steward/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// pragmas are applied to every connection.
var pragmas = []string{
	"journal_mode(WAL)",
	"busy_timeout(10000)",
	"foreign_keys(1)",
	"secure_delete(1)",
	"synchronous(NORMAL)",
	// Statement journals and temporary tables stay in memory: no temporary
	// file ever holds a page of personal data, and a multi-row statement
	// inside a batch does not write its journal through the file system.
	"temp_store(MEMORY)",
}

// Open opens (creating if needed) the database file at path, applies the
// migrations and returns the store.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	w, err := openPool(path, false)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := openPool(path, true)
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db := sqlstore.New(w, r, Dialect{})
	// One writer connection: concurrent record writes share its transactions.
	db.BatchWrites()
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return db, nil
}

func openPool(path string, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// Take the write lock at BEGIN, so a transaction that reads first
		// never fails to upgrade its lock (another process may hold the file).
		q.Set("_txlock", "immediate")
		// The one writer's cache holds every page a group commit dirties,
		// so a batch never spills pages to the WAL before its commit
		// (32 MiB; SQLite allocates it as pages are used).
		q.Add("_pragma", "cache_size(-32768)")
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	return db, nil
}

// Checkpoint copies the WAL into the database file and truncates the WAL, so
// that erased data (zeroed by secure_delete) does not linger in the log.
func Checkpoint(ctx context.Context, db *sqlstore.DB) error {
	_, err := db.Writer().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// Dialect is SQLite's sqlstore.Dialect.
type Dialect struct{}

// Name returns "sqlite".
func (Dialect) Name() string { return "sqlite" }

// IsUniqueViolation reports a UNIQUE or PRIMARY KEY constraint failure.
func (Dialect) IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports a FOREIGN KEY constraint failure.
func (Dialect) IsForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// LockMigrations needs nothing: all writes share one connection and the
// database file admits one writing transaction at a time, across processes too.
func (Dialect) LockMigrations(ctx context.Context, tx *sql.Tx) error { return nil }

// Migrations returns the embedded SQLite migrations.
func (Dialect) Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}
