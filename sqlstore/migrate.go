package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Migration is one versioned schema change, from a file NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations reads the migration files of fsys in version order. File names
// must be NNNN_name.sql with unique versions.
func Migrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, n := range names {
		num, rest, ok := strings.Cut(n, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", n)
		}
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: strings.TrimSuffix(rest, ".sql"), SQL: string(body)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migration version %d appears twice", out[i].Version)
		}
	}
	return out, nil
}

// Migrate applies every migration not yet applied, in one transaction, under
// the dialect's lock, so that several replicas starting together apply each
// migration exactly once. It returns the versions it applied.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	all, err := Migrations(db.dialect.Migrations())
	if err != nil {
		return nil, err
	}
	// The bookkeeping tables are created outside the lock; replicas racing
	// here all succeed thanks to IF NOT EXISTS (retried, because PostgreSQL's
	// catalog can report a duplicate under a race).
	for _, create := range []string{
		`CREATE TABLE IF NOT EXISTS steward_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS steward_migration_lock (id INTEGER PRIMARY KEY)`,
	} {
		var err error
		for range 3 {
			if _, err = db.w.ExecContext(ctx, create); err == nil {
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("create migration bookkeeping: %w", err)
		}
	}
	var applied []int
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.dialect.LockMigrations(ctx, tx); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
		done := map[int]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT version FROM steward_migrations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			done[v] = true
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, m := range all {
			if done[m.Version] {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO steward_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, micros(time.Now())); err != nil {
				return err
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	return applied, err
}
