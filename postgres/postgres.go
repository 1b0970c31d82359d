// Package postgres opens steward's scale-out store on PostgreSQL through
// pgx's database/sql driver. Several stateless replicas share one database;
// migrations are serialised by a row lock (SELECT ... FOR UPDATE on a lock
// row), which CockroachDB supports too, rather than by session advisory locks.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/steward-privacy/steward/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open connects to the database named by dsn (postgres://...), applies the
// migrations and returns the store.
func Open(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(32)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot connect: %w", redact(err))
	}
	db := sqlstore.New(pool, pool, Dialect{})
	// Concurrent record writes share one statement and commit.
	db.GroupRecordWrites()
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return db, nil
}

// redact keeps only the class of a connection error: pgconn errors can quote
// the DSN, which may hold a password.
func redact(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return errors.New("connection refused or authentication failed")
	}
	return err
}

// Dialect is PostgreSQL's sqlstore.Dialect.
type Dialect struct{}

// Name returns "postgres".
func (Dialect) Name() string { return "postgres" }

// IsUniqueViolation reports SQLSTATE 23505.
func (Dialect) IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// IsForeignKeyViolation reports SQLSTATE 23503.
func (Dialect) IsForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// LockMigrations takes a row lock that concurrent migrators queue on.
func (Dialect) LockMigrations(ctx context.Context, tx *sql.Tx) error {
	stmts := []string{
		`INSERT INTO steward_migration_lock (id) VALUES (1) ON CONFLICT DO NOTHING`,
		`SELECT id FROM steward_migration_lock WHERE id = 1 FOR UPDATE`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// Migrations returns the embedded PostgreSQL migrations.
func (Dialect) Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}
