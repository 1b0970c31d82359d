package sqlstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/steward-privacy/steward/internal/testdb"
)

// TestBatchedWritesFailAlone: concurrent single-statement writes share
// transactions on SQLite; a statement that fails (here a duplicate key)
// fails alone and every other one is stored.
func TestBatchedWritesFailAlone(t *testing.T) {
	db := testdb.SQLite(t)
	ctx := context.Background()
	if _, err := db.Writer().Exec(`CREATE TABLE batch_probe (k INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	const writes, distinct = 400, 300
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for i := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := db.Exec1(ctx, `INSERT INTO batch_probe (k) VALUES ($1)`, i%distinct)
			switch {
			case err == nil && n == 1:
				ok.Add(1)
			case err != nil && n == 0:
				failed.Add(1)
			default:
				t.Errorf("write %d: %d rows, %v", i, n, err)
			}
		}()
	}
	wg.Wait()
	var rows int64
	if err := db.Writer().QueryRow(`SELECT COUNT(*) FROM batch_probe`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if ok.Load() != distinct || failed.Load() != writes-distinct || rows != distinct {
		t.Fatalf("%d stored, %d failed, %d rows; want %d, %d, %d", ok.Load(), failed.Load(), rows, distinct, writes-distinct, distinct)
	}
}
