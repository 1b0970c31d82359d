package keyfile_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
	"github.com/steward-privacy/steward/crypt/keyfile"
)

var ctx = context.Background()

// mustOpen opens (creating) a key file in a fresh directory.
func mustOpen(tb testing.TB, path string) *keyfile.Provider {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "data", "master.key")
	}
	p, err := keyfile.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func mustWrap(tb testing.TB, p crypt.KeyProvider, key crypt.Secret, aad string) []byte {
	tb.Helper()
	w, err := p.Wrap(ctx, key, []byte(aad))
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "master.key")
	p := mustOpen(t, path)
	for name, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		info, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %04o; want %04o", name, got, want)
		}
	}
	vs, err := p.Versions(ctx)
	if err != nil || len(vs) != 1 || vs[0].Version != 1 || !vs[0].Current {
		t.Fatalf("Versions of a new file = %+v, %v; want version 1, current", vs, err)
	}
	assertNoTempFiles(t, filepath.Dir(path))
	if s := fmt.Sprintf("%v %+v", p, p); strings.Contains(s, "root") || !strings.Contains(s, path) {
		t.Errorf("provider prints as %q", s)
	}
}

func TestReopenUsesSameKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	key := crypt.Secret(make([]byte, 32))
	wrapped := mustWrap(t, mustOpen(t, path), key, "aad")
	got, err := mustOpen(t, path).Unwrap(ctx, wrapped, []byte("aad"))
	if err != nil || !got.Equal(key) {
		t.Fatalf("Unwrap after reopen = %v", err)
	}
}

func TestConcurrentCreateAgrees(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	var wg sync.WaitGroup
	provs := make([]*keyfile.Provider, 8)
	errs := make([]error, 8)
	for i := range provs {
		wg.Go(func() { provs[i], errs[i] = keyfile.Open(path) })
	}
	wg.Wait()
	key := crypt.Secret(make([]byte, 32))
	for i, p := range provs {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		if _, err := provs[0].Unwrap(ctx, mustWrap(t, p, key, ""), nil); err != nil {
			t.Errorf("provider %d created its own key: %v", i, err)
		}
	}
}

func TestOpenRefusesLooseMode(t *testing.T) {
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o644, 0o666, 0o610, 0o601} {
		path := filepath.Join(t.TempDir(), "master.key")
		mustOpen(t, path)
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := keyfile.Open(path)
		msg := steward.ErrorMessage(err)
		if steward.ErrorCode(err) != steward.EINVALID || !strings.Contains(msg, path) ||
			!strings.Contains(msg, fmt.Sprintf("%04o", mode)) || !strings.Contains(msg, "chmod 600 "+path) {
			t.Errorf("Open of a %04o key file = %v; want EINVALID naming the path, the mode and chmod 600", mode, err)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		path := filepath.Join(t.TempDir(), "master.key")
		mustOpen(t, path)
		_ = os.Chmod(path, mode)
		if _, err := keyfile.Open(path); err != nil {
			t.Errorf("Open of a %04o key file = %v; want success", mode, err)
		}
	}
}

func TestOpenRefusesMalformed(t *testing.T) {
	k := base64.StdEncoding.EncodeToString(make([]byte, 32))
	short := base64.StdEncoding.EncodeToString(make([]byte, 31))
	head := "steward-keyfile 1\nroot " + k + "\n"
	tests := []struct{ name, content, want string }{
		{"empty", "", "missing"},
		{"wrong magic", "steward-keyfile 2\n", "line 1"},
		{"no root", "steward-keyfile 1\nkey 1 2026-11-22T00:00:00Z " + k + "\n", "missing root"},
		{"no key", head, "no key"},
		{"short root", "steward-keyfile 1\nroot " + short + "\n", "line 2"},
		{"two roots", head + "root " + k + "\n", "line 3"},
		{"bad base64", head + "key 1 2026-11-22T00:00:00Z !!!\n", "line 3"},
		{"version 0", head + "key 0 2026-11-22T00:00:00Z " + k + "\n", "line 3"},
		{"bad time", head + "key 1 yesterday " + k + "\n", "line 3"},
		{"decreasing", head + "key 2 2026-11-22T00:00:00Z " + k + "\nkey 1 2026-11-22T00:00:00Z " + k + "\n", "line 4"},
		{"duplicate", head + "key 1 2026-11-22T00:00:00Z " + k + "\nkey 1 2026-11-22T00:00:00Z " + k + "\n", "line 4"},
		{"unknown line", head + "key 1 2026-11-22T00:00:00Z " + k + "\nhello\n", "line 4"},
		{"truncated", head + "key 1 2026-11-22T00:00:00Z " + k, "truncated"},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "master.key")
		if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := keyfile.Open(path)
		msg := steward.ErrorMessage(err)
		if steward.ErrorCode(err) != steward.EINVALID || !strings.Contains(msg, path) || !strings.Contains(msg, tt.want) {
			t.Errorf("%s: Open = %v; want EINVALID naming the path and %q", tt.name, err, tt.want)
		}
		if strings.Contains(msg, k) || strings.Contains(msg, "AAAA") {
			t.Errorf("%s: error %q contains key material", tt.name, msg)
		}
	}
	dir := t.TempDir()
	if _, err := keyfile.Open(dir); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("Open(a directory) = %v; want EINVALID", err)
	}
}

func TestWrapUnwrapErrors(t *testing.T) {
	p := mustOpen(t, "")
	key := crypt.Secret(make([]byte, 32))
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := p.Wrap(ctx, make(crypt.Secret, n), nil); steward.ErrorCode(err) != steward.EINVALID {
			t.Errorf("Wrap(%d-byte key) = %v; want EINVALID", n, err)
		}
	}
	wrapped := mustWrap(t, p, key, "tenant t1")
	if _, err := p.Unwrap(ctx, wrapped, []byte("tenant t2")); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("Unwrap with another AAD = %v; want ErrAuthFailed", err)
	}
	wrapped[len(wrapped)-1] ^= 1
	if _, err := p.Unwrap(ctx, wrapped, []byte("tenant t1")); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("Unwrap of a tampered blob = %v; want ErrAuthFailed", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Wrap(cancelled, key, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Wrap with a cancelled context = %v", err)
	}
	if _, err := p.Rotate(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("Rotate with a cancelled context = %v", err)
	}
}

func assertNoTempFiles(tb testing.TB, dir string) {
	tb.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			tb.Errorf("temp file %s left behind", e.Name())
		}
	}
}

// fixedClock returns a clock stuck at t.
func fixedClock(t time.Time) keyfile.Option { return keyfile.WithClock(func() time.Time { return t }) }
