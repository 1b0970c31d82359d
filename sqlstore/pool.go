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
	mu      sync.RWMutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool // being prepared in the background
	// written, if set, is called after every ExecContext (not execKeep)
	// and every transaction of DB.tx (not txKeep): the subject cache's
	// invalidation, safe by default for new write paths.
	written func()
}

func newPool(db *sql.DB) *pool {
	return &pool{DB: db, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// stmt returns the prepared statement for q, or nil to run it unprepared
// (cache full, or the statement cannot be prepared yet). The lock is never
// held while preparing: on a one-connection pool that wait can be long.
func (p *pool) stmt(ctx context.Context, q string) *sql.Stmt {
	p.mu.RLock()
	s, full := p.stmts[q], len(p.stmts) >= maxCachedStmts
	p.mu.RUnlock()
	if s != nil || full {
		return s
	}
	s, err := p.DB.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	return p.keep(q, s)
}

// keep caches s for q, or closes it when another caller cached q first or
// the pool is closed; it returns the statement to use (nil if closed).
func (p *pool) keep(q string, s *sql.Stmt) *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stmts == nil {
		s.Close()
		return nil
	}
	if prev := p.stmts[q]; prev != nil {
		s.Close()
		return prev
	}
	p.stmts[q] = s
	return s
}

// stmtInTx returns q prepared for use in tx. A cached statement is bound to
// tx; otherwise q is prepared within tx for this use, and on the pool in the
// background for the transactions that follow (tx holds a one-connection
// pool's only connection, so preparing on the pool now would wait for tx).
func (p *pool) stmtInTx(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	p.mu.Lock()
	s := p.stmts[q]
	start := s == nil && !p.pending[q] && p.stmts != nil && len(p.stmts) < maxCachedStmts
	if start {
		p.pending[q] = true
	}
	p.mu.Unlock()
	if s != nil {
		return tx.StmtContext(ctx, s), nil
	}
	if start {
		go func() {
			if s, err := p.DB.PrepareContext(context.Background(), q); err == nil {
				p.keep(q, s)
			}
			p.mu.Lock()
			delete(p.pending, q)
			p.mu.Unlock()
		}()
	}
	return tx.PrepareContext(ctx, q)
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

// ExecContext runs a cached statement, then tells written (if set).
func (p *pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := p.execKeep(ctx, q, args...)
	if p.written != nil {
		p.written()
	}
	return res, err
}

// execKeep is ExecContext for statements that cannot change a row the
// subject cache holds (say so at the call): written is not called.
func (p *pool) execKeep(ctx context.Context, q string, args ...any) (sql.Result, error) {
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

// txExec runs q in tx as a cached prepared statement.
func (p *pool) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	s, err := p.stmtInTx(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// txQueryRow runs q in tx as a cached prepared statement.
func (p *pool) txQueryRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	s, err := p.stmtInTx(ctx, tx, q)
	if err != nil {
		return tx.QueryRowContext(ctx, q, args...) // reports the same error through Scan
	}
	return s.QueryRowContext(ctx, args...)
}
