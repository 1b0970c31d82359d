package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statement cache of a pool; queries beyond it
// (there are far fewer distinct ones in steward) run unprepared.
const maxCachedStmts = 512

// pool is a connection pool that prepares each distinct query once and
// reuses it. SQLite otherwise parses every statement on every call, which
// cost a quarter of a record read's CPU; pgx caches statements itself, so on
// PostgreSQL this changes little.
type pool struct {
	*sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newPool(db *sql.DB) *pool { return &pool{DB: db, stmts: map[string]*sql.Stmt{}} }

// stmt returns the prepared statement for q, or nil to run it unprepared
// (cache full, or the statement cannot be prepared yet).
func (p *pool) stmt(ctx context.Context, q string) *sql.Stmt {
	p.mu.RLock()
	s := p.stmts[q]
	p.mu.RUnlock()
	if s != nil {
		return s
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.stmts[q]; s != nil {
		return s
	}
	if len(p.stmts) >= maxCachedStmts {
		return nil
	}
	s, err := p.DB.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	p.stmts[q] = s
	return s
}

// QueryRowContext runs a cached statement.
func (p *pool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s := p.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, q, args...)
}

// QueryContext runs a cached statement.
func (p *pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := p.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, q, args...)
}

// ExecContext runs a cached statement.
func (p *pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := p.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, q, args...)
}

// Close closes the cached statements and the pool.
func (p *pool) Close() error {
	p.mu.Lock()
	for _, s := range p.stmts {
		s.Close()
	}
	p.stmts = nil
	p.mu.Unlock()
	return p.DB.Close()
}
