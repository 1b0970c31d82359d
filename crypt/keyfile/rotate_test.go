package keyfile_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/crypt/keyfile"
)

func TestRotateAndRetire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	p, err := keyfile.Open(path, fixedClock(now))
	if err != nil {
		t.Fatal(err)
	}
	key := crypt.Secret(make([]byte, 32))
	old := mustWrap(t, p, key, "a")
	v, err := p.Rotate(ctx)
	if err != nil || v != 2 {
		t.Fatalf("Rotate = %d, %v; want 2", v, err)
	}
	vs, _ := p.Versions(ctx)
	if len(vs) != 2 || vs[0].Current || !vs[1].Current || vs[1].Version != 2 || !vs[1].Created.Equal(now) {
		t.Fatalf("Versions after rotate = %+v", vs)
	}
	fresh := mustWrap(t, p, key, "a")
	for blob, want := range map[string]uint32{string(old): 1, string(fresh): 2} {
		if got, err := p.WrappedVersion([]byte(blob)); got != want || err != nil {
			t.Errorf("WrappedVersion = %d, %v; want %d", got, err, want)
		}
		if _, err := p.Unwrap(ctx, []byte(blob), []byte("a")); err != nil {
			t.Errorf("Unwrap of a version-%d blob after rotation: %v", want, err)
		}
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode after rotate = %04o; want 0600", info.Mode().Perm())
	}
	assertNoTempFiles(t, filepath.Dir(path))

	tests := []struct {
		version  uint32
		wantCode string
	}{
		{2, steward.ECONFLICT}, // current
		{7, steward.ENOTFOUND}, // never existed
		{1, ""},
		{1, steward.ENOTFOUND}, // already retired
	}
	for _, tt := range tests {
		if err := p.Retire(ctx, tt.version); steward.ErrorCode(err) != tt.wantCode {
			t.Errorf("Retire(%d) = %v; want code %q", tt.version, err, tt.wantCode)
		}
	}
	if _, err := p.Unwrap(ctx, old, []byte("a")); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("Unwrap of a blob under a retired version = %v; want ENOTFOUND", err)
	}
	if _, err := keyfile.Open(path); err != nil {
		t.Errorf("reopen after retire: %v", err)
	}
	if v, _ := p.Rotate(ctx); v != 3 {
		t.Errorf("Rotate after retiring 1 = %d; want 3 (numbers are never reused)", v)
	}
}

func TestRotationSeenByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	server, cli := mustOpen(t, path), mustOpen(t, path)
	if _, err := cli.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	key := crypt.Secret(make([]byte, 32))
	if v, _ := server.WrappedVersion(mustWrap(t, server, key, "")); v != 2 {
		t.Errorf("server wraps with version %d after another process rotated; want 2", v)
	}
	if _, err := cli.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Unwrap(ctx, mustWrap(t, cli, key, ""), nil); err != nil {
		t.Errorf("server cannot unwrap a blob under the version another process created: %v", err)
	}
}

func TestConcurrentRotationsDoNotLoseVersions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	provs := []*keyfile.Provider{mustOpen(t, path), mustOpen(t, path), mustOpen(t, path)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[uint32]bool{}
	for i := 0; i < 12; i++ {
		wg.Go(func() {
			v, err := provs[i%3].Rotate(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[v] {
				t.Errorf("version %d handed out twice", v)
			}
			seen[v] = true
		})
	}
	wg.Wait()
	vs, err := mustOpen(t, path).Versions(ctx)
	if err != nil || len(vs) != 13 {
		t.Fatalf("after 12 concurrent rotations the file has %d versions (%v); want 13", len(vs), err)
	}
}

func TestDeriveKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	p := mustOpen(t, path)
	a, err := p.DeriveKey(ctx, "api-key-hmac")
	if err != nil || len(a) != 32 {
		t.Fatalf("DeriveKey = %d bytes, %v", len(a), err)
	}
	b, _ := p.DeriveKey(ctx, "blind-index")
	if a.Equal(b) {
		t.Error("two labels derive the same key")
	}
	_, _ = p.Rotate(ctx)
	_ = p.Retire(ctx, 1)
	again, err := mustOpen(t, path).DeriveKey(ctx, "api-key-hmac")
	if err != nil || !again.Equal(a) {
		t.Errorf("derived key changed after reopen, rotation and retirement: %v", err)
	}
	other, _ := mustOpen(t, "").DeriveKey(ctx, "api-key-hmac")
	if other.Equal(a) {
		t.Error("two key files derive the same key")
	}
	for _, label := range []string{"", "tab\there", "é", string(make([]byte, 129))} {
		if _, err := p.DeriveKey(ctx, label); steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("DeriveKey(%q) = %v; want EINVALID", label, err)
		}
	}
}
