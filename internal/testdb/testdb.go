// Package testdb gives tests a fresh, migrated store on each backend: SQLite
// always, PostgreSQL when STEWARD_TEST_POSTGRES holds a DSN (each test gets a
// schema of its own, dropped afterwards).
package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema set-up

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/postgres"
	"github.com/steward-privacy/steward/sqlite"
	"github.com/steward-privacy/steward/sqlstore"
)

// Backend names a storage backend and opens fresh stores on it.
type Backend struct {
	Name string
	// Open returns a fresh, migrated, empty store, closed at the end of the test.
	Open func(t testing.TB) *sqlstore.DB
	// Database returns the `database` setting for a fresh, empty database
	// (a file path or a postgres DSN), for tests that start the binary.
	Database func(t testing.TB) string
}

// Backends returns SQLite, and PostgreSQL when STEWARD_TEST_POSTGRES is set.
func Backends() []Backend {
	b := []Backend{{Name: "sqlite", Open: SQLite, Database: func(t testing.TB) string {
		return filepath.Join(t.TempDir(), "steward.db")
	}}}
	if os.Getenv("STEWARD_TEST_POSTGRES") != "" {
		b = append(b, Backend{Name: "postgres", Open: Postgres, Database: PostgresDSN})
	}
	return b
}

// ForEach runs fn as a subtest on every available backend.
func ForEach(t *testing.T, fn func(t *testing.T, b Backend)) {
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

// SQLite opens a fresh SQLite store in a temporary folder.
func SQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Postgres opens a fresh PostgreSQL store in a new schema; it skips the test
// when STEWARD_TEST_POSTGRES is not set.
func Postgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresDSN creates a new empty schema and returns a DSN whose search_path
// selects it; the schema is dropped when the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("STEWARD_TEST_POSTGRES")
	if base == "" {
		t.Skip("STEWARD_TEST_POSTGRES not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	schema := strings.ReplaceAll(steward.NewID("t"), "_", "")
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("STEWARD_TEST_POSTGRES is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
