package tombstone

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

var ctx = context.Background()

func mustHasher(t *testing.T, seed byte) *Hasher {
	t.Helper()
	h, err := NewHasher(crypt.Secret(bytes.Repeat([]byte{seed}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustOpen(t *testing.T, path string, h *Hasher) *File {
	t.Helper()
	f, err := Open(path, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestAppendSurvivesReopenAndHoldsNoId(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "erasure-tombstones")
	h := mustHasher(t, 1)
	f := mustOpen(t, path, h)
	for _, s := range []string{"sub_alice", "sub_bob"} {
		if err := f.Append(ctx, "ten_1", s); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	raw, _ := os.ReadFile(path)
	for _, id := range []string{"sub_alice", "sub_bob", "ten_1"} {
		if bytes.Contains(raw, []byte(id)) {
			t.Errorf("tombstone file holds the id %q in clear", id)
		}
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("tombstone file mode %04o; want 0600", info.Mode().Perm())
	}
	set, err := Read(path)
	if err != nil || len(set) != 2 {
		t.Fatalf("Read = %d tombstones, %v; want 2", len(set), err)
	}
	if _, ok := set[h.Sum("ten_1", "sub_alice")]; !ok {
		t.Error("alice's tombstone missing")
	}
	if _, ok := set[mustHasher(t, 2).Sum("ten_1", "sub_alice")]; ok {
		t.Error("a tombstone matches under another key")
	}
	if h.Sum("ten_1", "sub_x") == h.Sum("ten_1s", "ub_x") {
		t.Error("tenant and subject ids are not separated in the hash")
	}
	if g := mustOpen(t, path, h); g.Len() != 2 {
		t.Errorf("reopened file holds %d tombstones; want 2", g.Len())
	}
}

func TestTornLastLineIsDroppedDamageRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t")
	h := mustHasher(t, 1)
	f := mustOpen(t, path, h)
	_ = f.Append(ctx, "ten_1", "sub_a")
	f.Close()
	// A crash in the middle of the next append.
	w, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	w.WriteString("abcdef")
	w.Close()
	g := mustOpen(t, path, h)
	if g.Len() != 1 {
		t.Fatalf("after a torn append the file holds %d tombstones; want 1", g.Len())
	}
	if err := g.Append(ctx, "ten_1", "sub_b"); err != nil {
		t.Fatal(err)
	}
	g.Close()
	if set, err := Read(path); err != nil || len(set) != 2 {
		t.Fatalf("after append past a torn line: %d, %v; want 2 tombstones", len(set), err)
	}
	// Damage in the middle is refused, naming the line.
	raw, _ := os.ReadFile(path)
	raw[len(header)+3] = 'x'
	_ = os.WriteFile(path, raw, 0o600)
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("Read of a damaged file = %v; want an error naming line 2", err)
	}
	_ = os.WriteFile(path, []byte("something else\n"), 0o600)
	if _, err := Open(path, h); err == nil || !strings.Contains(err.Error(), "not a steward tombstone file") {
		t.Errorf("Open of a foreign file = %v", err)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing")); !IsNotExist(err) {
		t.Errorf("Read of a missing file = %v; want not-exist", err)
	}
}

func TestMergeAddsOnlyNew(t *testing.T) {
	dir := t.TempDir()
	h := mustHasher(t, 1)
	a := mustOpen(t, filepath.Join(dir, "a"), h)
	b := mustOpen(t, filepath.Join(dir, "b"), h)
	_ = a.Append(ctx, "t", "s1")
	_ = a.Append(ctx, "t", "s2")
	_ = b.Append(ctx, "t", "s2")
	n, err := b.Merge(a.Set())
	if err != nil || n != 1 || b.Len() != 2 {
		t.Errorf("Merge = %d, %v, file holds %d; want 1 added, 2 held", n, err, b.Len())
	}
	if n, _ := b.Merge(a.Set()); n != 0 {
		t.Errorf("a second Merge added %d", n)
	}
}

func TestReplayErasesOnlyTombstoned(t *testing.T) {
	h := mustHasher(t, 1)
	set := Set{h.Sum("t1", "a"): {}, h.Sum("t2", "gone"): {}}
	subjects := [][2]string{{"t1", "a"}, {"t1", "b"}, {"t2", "a"}}
	each := func(ctx context.Context, fn func(string, string) error) error {
		for _, s := range subjects {
			if err := fn(s[0], s[1]); err != nil {
				return err
			}
		}
		return nil
	}
	var erased []string
	n, err := Replay(ctx, set, h, each, func(ctx context.Context, tenant, id string) error {
		erased = append(erased, tenant+"/"+id)
		return nil
	})
	if err != nil || n != 1 || len(erased) != 1 || erased[0] != "t1/a" {
		t.Errorf("Replay = %d, %v, erased %v; want only t1/a", n, err, erased)
	}
	// A subject erased meanwhile (ENOTFOUND) does not stop the replay.
	n, err = Replay(ctx, set, h, each, func(context.Context, string, string) error {
		return steward.Errorf(steward.ENOTFOUND, "subject not found")
	})
	if err != nil || n != 1 {
		t.Errorf("Replay with a vanished subject = %d, %v", n, err)
	}
}

// BenchmarkSum is the cost per subject of the replay at every start.
func BenchmarkSum(b *testing.B) {
	h, _ := NewHasher(crypt.Secret(bytes.Repeat([]byte{1}, 32)))
	for b.Loop() {
		_ = h.Sum("ten_7trc3rp7l5ua5zhenaffcp5f7e", "sub_ldwcxcqipreqz6droth2v3ra3a")
	}
}
