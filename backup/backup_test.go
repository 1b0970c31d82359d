package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-privacy/steward/backup"
	"github.com/steward-privacy/steward/blob/blobtest"
	"github.com/steward-privacy/steward/blob/local"
	"github.com/steward-privacy/steward/sqlite"
)

var ctx = context.Background()

// source makes a data folder with a database, a journal folder and a file.
func source(t *testing.T) (backup.Source, *local.Store) {
	t.Helper()
	data := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(data, "steward.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	journal := filepath.Join(data, "audit-journal")
	_ = os.MkdirAll(journal, 0o700)
	_ = os.WriteFile(filepath.Join(journal, "id"), []byte("0123456789abcdef0123456789abcdef\n"), 0o600)
	_ = os.WriteFile(filepath.Join(journal, "00000000000000000007.journal"), []byte("frames"), 0o600)
	_ = os.WriteFile(filepath.Join(journal, "lock"), nil, 0o600)
	files, err := local.Open(filepath.Join(data, "files"))
	if err != nil {
		t.Fatal(err)
	}
	blobtest.MustPut(t, files, "t1/files/f1", []byte("ciphertext one"))
	return backup.Source{Database: filepath.Join(data, "steward.db"), Journal: journal, Stage: data, Files: files,
		Dialect: "sqlite", MasterKeyCheck: "check"}, files
}

func TestRoundTripAndRefusals(t *testing.T) {
	src, _ := source(t)
	dir := backup.Dir{Root: filepath.Join(t.TempDir(), "b")}
	m, err := backup.Create(ctx, src, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range m.Entries {
		names[e.Name] = true
	}
	for _, want := range []string{"steward.db", "audit-journal/id", "audit-journal/00000000000000000007.journal", "files/t1/files/f1"} {
		if !names[want] {
			t.Errorf("backup lacks %s: %v", want, names)
		}
	}
	if names["audit-journal/lock"] || !m.DatabaseIncluded || m.MasterKeyCheck != "check" {
		t.Errorf("manifest %+v", m)
	}
	if _, err := backup.Create(ctx, src, dir, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second backup into the same folder = %v; want refused", err)
	}
	if left, _ := filepath.Glob(filepath.Join(src.Stage, ".backup-*")); len(left) != 0 {
		t.Errorf("staging folders left behind: %v", left)
	}

	read, err := backup.ReadManifest(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	files, _ := local.Open(filepath.Join(data, "files"))
	if err := backup.Restore(ctx, dir, read, backup.Destination{Data: data, Files: files}, nil); err != nil {
		t.Fatal(err)
	}
	if got := blobtest.MustGet(t, files, "t1/files/f1"); string(got) != "ciphertext one" {
		t.Errorf("restored file = %q", got)
	}
	if _, err := os.Stat(filepath.Join(data, "audit-journal", "00000000000000000007.journal")); err != nil {
		t.Errorf("journal not restored: %v", err)
	}

	// A damaged file is refused, named, and not stored.
	_ = os.WriteFile(filepath.Join(dir.Root, "files", "t1", "files", "f1"), []byte("ciphertext 0ne"), 0o600)
	data2 := t.TempDir()
	files2, _ := local.Open(filepath.Join(data2, "files"))
	err = backup.Restore(ctx, dir, read, backup.Destination{Data: data2, Files: files2}, nil)
	if !errors.Is(err, backup.ErrCorrupt) || !strings.Contains(err.Error(), "files/t1/files/f1") {
		t.Errorf("restore of a damaged file = %v; want ErrCorrupt naming files/t1/files/f1", err)
	}
	if _, err := files2.Get(ctx, "t1/files/f1"); err == nil {
		t.Error("the damaged file was stored")
	}
	_ = os.Remove(filepath.Join(dir.Root, "manifest.json"))
	if _, err := backup.ReadManifest(ctx, dir); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("ReadManifest without a manifest = %v", err)
	}
}
