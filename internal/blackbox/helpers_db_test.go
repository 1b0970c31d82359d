package blackbox

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"testing"

	_ "modernc.org/sqlite" // to read the server's database file directly

	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/blob/s3"
)

// readOnly opens the server's SQLite file for reading, closed with the test.
func readOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// wrappedKey reads a subject's wrapped data key straight from the SQLite file.
func wrappedKey(t *testing.T, path, subject string) []byte {
	t.Helper()
	db := readOnly(t, path)
	var k []byte
	if err := db.QueryRow(`SELECT wrapped_key FROM subjects WHERE id = ?`, subject).Scan(&k); err != nil {
		t.Fatal(err)
	}
	return k
}

// column reads a text column's values straight from the SQLite file.
func column(t *testing.T, path, query string) []string {
	t.Helper()
	rows, err := readOnly(t, path).Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// scanS3 fails if any canary appears in any object of the bucket.
func scanS3(t *testing.T, dsn string, canaries map[string]string) {
	t.Helper()
	store, err := s3.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = store.List(context.Background(), "", func(info blob.Info) error {
		n++
		r, err := store.Get(context.Background(), info.Key)
		if err != nil {
			return err
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		for what, c := range canaries {
			if bytes.Contains(b, []byte(c)) {
				t.Errorf("%s found in plaintext in S3 object %s", what, info.Key)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no objects in the bucket: the files did not go to S3")
	}
}
