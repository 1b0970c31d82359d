package sqlstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/steward-privacy/steward/internal/testdb"
)

// TestPostgresErasureAndVacuum documents, by testing it, what PostgreSQL
// does with an erased subject's wrapped data key (see docs/erasure.md): a
// DELETE leaves the tuple in the table file until a VACUUM FULL rewrites
// the table; after it, the bytes are gone from the table's files. It needs
// PostgreSQL and read access to its data directory (CI runs as root on the
// same machine); otherwise it is skipped.
func TestPostgresErasureAndVacuum(t *testing.T) {
	if os.Getenv("STEWARD_TEST_POSTGRES") == "" {
		t.Skip("STEWARD_TEST_POSTGRES not set")
	}
	db := testdb.Postgres(t)
	ctx := context.Background()
	tn := mustTenant(t, db, "A")
	for i := range 20 { // neighbours on the same page, so the page is not simply truncated away
		mustSubject(t, db, tn.ID, "filler-"+string(rune('a'+i)), nil)
	}
	s := mustSubject(t, db, tn.ID, "canary-ext", nil)
	wrapped := s.WrappedKey // "wrapped-canary-ext"
	exec := func(q string) {
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	relFile := func() string {
		var dir, rel string
		if err := db.Writer().QueryRowContext(ctx, `SELECT current_setting('data_directory'), pg_relation_filepath('subjects')`).Scan(&dir, &rel); err != nil {
			t.Skipf("cannot locate the table file: %v", err)
		}
		return filepath.Join(dir, rel)
	}
	exec(`CHECKPOINT`)
	if _, err := os.ReadFile(relFile()); err != nil {
		t.Skipf("PostgreSQL's data directory is not readable here: %v", err)
	}
	if _, err := db.EraseSubject(ctx, tn.ID, s.ID, t0); err != nil {
		t.Fatal(err)
	}
	exec(`VACUUM subjects`)
	exec(`CHECKPOINT`)
	b, _ := os.ReadFile(relFile())
	if bytes.Contains(b, wrapped) {
		t.Log("as documented: after DELETE and plain VACUUM the wrapped key's bytes remain in the table file")
	}
	// VACUUM FULL keeps a deleted row while any transaction of the
	// database that might still see it is open (other test packages run
	// against the same database at the same time), so try for a while.
	deadline := time.Now().Add(20 * time.Second)
	for {
		exec(`VACUUM FULL subjects`)
		exec(`CHECKPOINT`)
		b, err := os.ReadFile(relFile())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, wrapped) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the wrapped key survives VACUUM FULL in the table file")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
