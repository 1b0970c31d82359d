package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSnapshotIsTheStateAtHold: while another connection keeps committing,
// the copy holds exactly the rows committed when hold ran (no commit can
// land in between), and the source keeps working after.
func TestSnapshotIsTheStateAtHold(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "steward.db")
	db, err := Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := db.Writer()
	if _, err := w.ExecContext(ctx, `CREATE TABLE t (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			if _, err := w.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, i); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()
	r, _ := openPool(src, true)
	defer r.Close()
	// Let the writer commit first, so that the copy has rows to get right.
	for n := 0; n == 0; {
		if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	var atHold int
	dst := filepath.Join(dir, "copy.db")
	calls := 0
	err = Snapshot(ctx, src, dst, func() error {
		return r.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&atHold)
	}, func(done, total int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	// The writer goes on after the snapshot (given time on a busy machine).
	var now int
	for deadline := time.Now().Add(10 * time.Second); now <= atHold && time.Now().Before(deadline); {
		_ = r.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&now)
	}
	stop.Store(true)
	wg.Wait()
	c, _ := openPool(dst, true)
	defer c.Close()
	var inCopy int
	if err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&inCopy); err != nil {
		t.Fatal(err)
	}
	if inCopy != atHold || atHold == 0 || calls == 0 {
		t.Errorf("copy holds %d rows; %d were committed when hold ran (%d progress calls)", inCopy, atHold, calls)
	}
	if now <= atHold {
		t.Errorf("the writer did not go on after the snapshot: %d rows now, %d at hold", now, atHold)
	}
}
