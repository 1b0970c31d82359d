package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// TestTemporaryDataStaysInMemory: statement journals and temporary tables
// of every connection (the writer and each reader) are kept in memory
// (temp_store = 2), so no temporary file ever holds a page of personal
// data, and the writer's cache is large enough for a group commit.
func TestTemporaryDataStaysInMemory(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "steward.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reader, err := openPool(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var store, cache int
	if err := db.Writer().QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&store); err != nil || store != 2 {
		t.Fatalf("writer temp_store = %d (%v), want 2 (memory)", store, err)
	}
	if err := db.Writer().QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil || cache != -32768 {
		t.Fatalf("writer cache_size = %d (%v), want -32768", cache, err)
	}
	if err := reader.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&store); err != nil || store != 2 {
		t.Fatalf("reader temp_store = %d (%v), want 2 (memory)", store, err)
	}
}
