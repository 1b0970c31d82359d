package local_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/blob"
	"github.com/steward-privacy/steward/blob/blobtest"
	"github.com/steward-privacy/steward/blob/local"
)

func newStore(t *testing.T) blob.Store {
	s, err := local.Open(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { assertClean(t, s.Root()) })
	return s
}

func TestConformance(t *testing.T) { blobtest.Run(t, newStore) }

// assertClean checks, after every conformance test, that no temporary file was
// left behind and that modes are 0700 for directories and 0600 for files.
func assertClean(t *testing.T, root string) {
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		info, _ := d.Info()
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %04o; want %04o", p, info.Mode().Perm(), want)
		}
		if strings.HasPrefix(d.Name(), ".") {
			t.Errorf("temporary file %s left behind", p)
		}
		return nil
	})
}

func TestLayoutIsSharded(t *testing.T) {
	s, err := local.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobtest.MustPut(t, s, "t1/files/f1", []byte("x"))
	matches, _ := filepath.Glob(filepath.Join(s.Root(), "t1", "files", "@??", "f1"))
	if len(matches) != 1 {
		t.Fatalf("object not stored under a shard directory: %v", matches)
	}
	// Stray files that are not objects are ignored by List.
	_ = os.WriteFile(filepath.Join(s.Root(), "t1", "files", "stray"), []byte("?"), 0o600)
	var keys []string
	_ = s.List(context.Background(), "", func(i blob.Info) error { keys = append(keys, i.Key); return nil })
	if len(keys) != 1 || keys[0] != "t1/files/f1" {
		t.Errorf("List = %v; want [t1/files/f1]", keys)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := local.Open(""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	_ = os.WriteFile(file, []byte("x"), 0o600)
	if _, err := local.Open(file); err == nil {
		t.Error("Open(a regular file) succeeded")
	}
	if _, err := local.Open(filepath.Join(file, "sub")); err == nil {
		t.Error("Open(below a regular file) succeeded")
	}
}

// TestLeftovers: the temporary file of a Put that a crash interrupted is
// removed by RemoveLeftovers.
func TestLeftovers(t *testing.T) {
	blobtest.RunLeftovers(t, newStore, func(t *testing.T, bs blob.Store) string {
		s := bs.(*local.Store)
		dir := filepath.Join(s.Root(), "t1", "files", "@7f")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".tmp-123456"), []byte("partial ciphertext"), 0o600); err != nil {
			t.Fatal(err)
		}
		return "t1/files"
	})
}
