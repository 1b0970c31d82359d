package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// writeBatcher runs single-statement writes of concurrent callers in shared
// transactions ("group commit"). On SQLite every write goes through the one
// writer connection, and a transaction's commit (appending to the WAL,
// updating its index) costs more than a small INSERT; sixteen callers
// writing records at once would otherwise commit sixteen times in a row
// (measured: record writes over HTTP 4,500/s → 6,300/s). A statement that
// fails on a constraint fails alone: SQLite undoes the statement and keeps
// the transaction (the default ABORT resolution; PostgreSQL would abort the
// whole transaction, which is why this is SQLite's only). If the commit
// fails, every caller of the batch gets the error, so no write is ever
// reported done that is not.
type writeBatcher struct {
	db *DB
	q  *groupCommit[*batchedWrite]
}

type batchedWrite struct {
	q    string
	args []any
	// values, when set, makes the write one row of a multi-row insert: the
	// consecutive rows of a batch for the same statement are inserted by
	// one statement (see insertRow).
	values *valuesCache
	fn     func(*sql.Tx) error // set instead of q: several statements, in a savepoint
	rows   int64
	err    error
	done   chan struct{}
}

// maxWriteBatch bounds one shared transaction.
const maxWriteBatch = 256

// BatchWrites makes the hot single-statement writes (records) share
// transactions. SQLite only (see writeBatcher); Close stops it.
func (db *DB) BatchWrites() {
	b := &writeBatcher{db: db}
	b.q = startGroupCommit(maxWriteBatch, b.commit)
	db.batcher = b
}

// exec1 runs one write statement, batched when BatchWrites is on, and
// returns the rows it affected.
func (db *DB) exec1(ctx context.Context, q string, args ...any) (int64, error) {
	if db.batcher == nil {
		res, err := db.w.execKeep(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	return db.batcher.wait(ctx, &batchedWrite{q: q, args: args, done: make(chan struct{})})
}

// insertRow inserts one row through a multi-row insert statement. With
// BatchWrites on, the rows of concurrent callers share one statement as
// well as one transaction (the statement, not each row, is what a commit
// pays for on SQLite); a failing row then fails the rows inserted with it.
// The insert must not change a row the subject cache holds.
func (db *DB) insertRow(ctx context.Context, vc *valuesCache, args ...any) error {
	if db.batcher == nil {
		return db.txKeep(ctx, func(tx *sql.Tx) error { return vc.exec(ctx, db, tx, args) })
	}
	_, err := db.batcher.wait(ctx, &batchedWrite{values: vc, args: args, done: make(chan struct{})})
	return err
}

// wait queues w and waits for its commit.
func (b *writeBatcher) wait(ctx context.Context, w *batchedWrite) (int64, error) {
	if err := b.q.wait(ctx, w, w.done); err != nil {
		return 0, err
	}
	return w.rows, w.err
}

// commit runs ops in one transaction and releases their callers.
func (b *writeBatcher) commit(ops []*batchedWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := b.db
	err := db.txKeep(ctx, func(tx *sql.Tx) error {
		for i := 0; i < len(ops); {
			// SQLite undoes a failed statement (a constraint, with the
			// default ABORT resolution) and keeps the transaction, so the
			// others in it stand; an error that ends the transaction
			// (disk full, I/O) makes the commit fail, and every op with it.
			op := ops[i]
			if op.fn != nil {
				op.err = inSavepoint(ctx, db, tx, op.fn)
				i++
				continue
			}
			if op.values == nil {
				op.rows, op.err = execRows(ctx, db, tx, op)
				i++
				continue
			}
			j, args := i, []any(nil)
			for ; j < len(ops) && ops[j].values == op.values; j++ {
				args = append(args, ops[j].args...)
			}
			err := op.values.exec(ctx, db, tx, args)
			for _, o := range ops[i:j] {
				o.rows, o.err = 1, err
			}
			i = j
		}
		return nil
	})
	for _, op := range ops {
		if op.err == nil && err != nil {
			op.err, op.rows = err, 0
		}
		close(op.done)
	}
}

func execRows(ctx context.Context, db *DB, tx *sql.Tx, op *batchedWrite) (int64, error) {
	res, err := db.w.txExec(ctx, tx, op.q, op.args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// close stops the loop after the queued writes.
func (b *writeBatcher) close() { b.q.close() }

// inSavepoint runs fn's statements in a savepoint of tx: if fn fails, they
// are undone and the rest of the shared transaction stands.
func inSavepoint(ctx context.Context, db *DB, tx *sql.Tx, fn func(*sql.Tx) error) error {
	if _, err := db.w.txExec(ctx, tx, `SAVEPOINT batched_write`); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_, _ = db.w.txExec(ctx, tx, `ROLLBACK TO batched_write`)
		_, _ = db.w.txExec(ctx, tx, `RELEASE batched_write`)
		return err
	}
	_, err := db.w.txExec(ctx, tx, `RELEASE batched_write`)
	return err
}

// execTx runs fn in a transaction: a shared one when BatchWrites is on (fn
// in a savepoint, undone alone if it fails), else its own. fn must only
// write rows the subject cache does not hold, or its caller must evict
// what it changed (as txKeep).
func (db *DB) execTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.batcher == nil {
		return db.txKeep(ctx, fn)
	}
	w := &batchedWrite{fn: fn, done: make(chan struct{})}
	_, err := db.batcher.wait(ctx, w)
	return err
}
