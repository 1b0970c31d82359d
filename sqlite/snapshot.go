package sqlite

import (
	"context"
	"errors"
	"fmt"

	"modernc.org/sqlite"
)

// Snapshot writes a consistent copy of the database file src to the new
// file dst (SQLite's online backup API) while servers keep using src. It
// briefly takes the database's write lock, so that no transaction commits
// in between, opens the read snapshot the copy is made from, and runs hold
// (the caller copies files that must match this state, such as the audit
// journal); then it releases the lock and copies the pages, chunk by chunk
// (progress, if not nil, gets pages done and total), from that snapshot.
// Writers wait only for hold; the copy runs beside them. A WAL checkpoint
// that must truncate the log (after an erasure) waits for the copy, at most
// the busy timeout. The copy holds what the database holds: sealed values,
// no plaintext.
func Snapshot(ctx context.Context, src, dst string, hold func() error, progress func(done, total int)) (err error) {
	w, err := openPool(src, false)
	if err != nil {
		return err
	}
	defer w.Close()
	r, err := openPool(src, true)
	if err != nil {
		return err
	}
	defer r.Close()
	rconn, err := r.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite snapshot: %w", err)
	}
	defer rconn.Close()
	lock, err := w.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock): the write lock
	if err != nil {
		return fmt.Errorf("sqlite snapshot: take the write lock: %w", err)
	}
	// A read transaction pins the snapshot at its first read.
	_, err = rconn.ExecContext(ctx, `BEGIN`)
	if err == nil {
		var n int
		err = rconn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema`).Scan(&n)
	}
	if err == nil {
		err = hold()
	}
	_ = lock.Rollback()
	if err != nil {
		return fmt.Errorf("sqlite snapshot: %w", err)
	}
	defer func() {
		if _, cerr := rconn.ExecContext(context.WithoutCancel(ctx), `COMMIT`); err == nil && cerr != nil {
			err = fmt.Errorf("sqlite snapshot: %w", cerr)
		}
	}()
	return rconn.Raw(func(dc any) error {
		bk, ok := dc.(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		if !ok {
			return errors.New("sqlite snapshot: driver has no backup API")
		}
		b, err := bk.NewBackup(dst)
		if err != nil {
			return fmt.Errorf("sqlite snapshot: %w", err)
		}
		for more := true; more; {
			if err := ctx.Err(); err != nil {
				_ = b.Finish()
				return err
			}
			if more, err = b.Step(1024); err != nil {
				_ = b.Finish()
				return fmt.Errorf("sqlite snapshot: copy: %w", err)
			}
			if progress != nil {
				total := b.PageCount()
				progress(total-b.Remaining(), total)
			}
		}
		if err := b.Finish(); err != nil {
			return fmt.Errorf("sqlite snapshot: %w", err)
		}
		return nil
	})
}
