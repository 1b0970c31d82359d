// Package blobtest is the conformance suite every blob.Store must pass: one
// suite, run against each adapter, so the local directory and S3 behave alike.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
)

// LargeSize is the size of the streamed object in the large-object test.
const LargeSize = 32 << 20

// Run runs the conformance suite. newStore must return an empty store for
// each call (a fresh directory, or a fresh prefix of a bucket).
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		f    func(*testing.T, blob.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"LargeStreamedObject", testLarge},
		{"Overwrite", testOverwrite},
		{"GetMissing", testGetMissing},
		{"DeleteIsIdempotent", testDelete},
		{"InvalidKeys", testInvalidKeys},
		{"List", testList},
		{"FailedPutLeavesNothing", testFailedPut},
		{"CancelledPutLeavesNothing", testCancelledPut},
		{"Concurrent", testConcurrent},
		{"ModifiedTime", testModified},
		{"RemoveLeftoversKeepsObjects", testLeftoversKeepObjects},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, newStore(t)) })
	}
}

var ctx = context.Background()

// MustPut stores data under key or fails the test.
func MustPut(tb testing.TB, s blob.Store, key string, data []byte) {
	tb.Helper()
	n, err := s.Put(ctx, key, bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		tb.Fatalf("Put(%q, %d bytes) = %d, %v", key, len(data), n, err)
	}
}

// MustGet returns the object under key or fails the test.
func MustGet(tb testing.TB, s blob.Store, key string) []byte {
	tb.Helper()
	rc, err := s.Get(ctx, key)
	if err != nil {
		tb.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatalf("reading %q: %v", key, err)
	}
	return b
}

// assertMissing fails unless Get of key gives ENOTFOUND and List does not show it.
func assertMissing(tb testing.TB, s blob.Store, key string) {
	tb.Helper()
	if rc, err := s.Get(ctx, key); steward.ErrorCode(err) != steward.ENOTFOUND {
		if rc != nil {
			rc.Close()
		}
		tb.Errorf("Get(%q) = %v; want ENOTFOUND", key, err)
	}
	if keys := listKeys(tb, s, ""); slices.Contains(keys, key) {
		tb.Errorf("List shows %q, which should not exist", key)
	}
}

func listKeys(tb testing.TB, s blob.Store, prefix string) []string {
	tb.Helper()
	var keys []string
	if err := s.List(ctx, prefix, func(i blob.Info) error { keys = append(keys, i.Key); return nil }); err != nil {
		tb.Fatalf("List(%q): %v", prefix, err)
	}
	slices.Sort(keys)
	return keys
}

// generator returns a deterministic pseudo-random stream of n bytes.
func generator(n int64, seed byte) io.Reader {
	return io.LimitReader(rand.NewChaCha8([32]byte{seed}), n)
}

// allocated returns the bytes allocated by the process while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func testRoundTrip(t *testing.T, s blob.Store) {
	for i, size := range []int{0, 1, 1000, 1<<20 + 7} {
		key := "rt/obj" + string(rune('a'+i))
		data := make([]byte, size)
		_, _ = io.ReadFull(generator(int64(size), byte(i)), data)
		MustPut(t, s, key, data)
		if got := MustGet(t, s, key); !bytes.Equal(got, data) {
			t.Errorf("Get(%q) returned %d bytes that differ from the %d put", key, len(got), size)
		}
	}
	// A key may also be the prefix of others ("x" and "x/y" coexist).
	MustPut(t, s, "x", []byte("1"))
	MustPut(t, s, "x/y", []byte("2"))
	if string(MustGet(t, s, "x")) != "1" || string(MustGet(t, s, "x/y")) != "2" {
		t.Error(`"x" and "x/y" do not coexist`)
	}
}

func testLarge(t *testing.T, s blob.Store) {
	var n int64
	var err error
	putAlloc := allocated(func() { n, err = s.Put(ctx, "large/obj", generator(LargeSize, 42)) })
	if err != nil || n != LargeSize {
		t.Fatalf("Put of a %d-byte stream = %d, %v", LargeSize, n, err)
	}
	want := sha256.New()
	_, _ = io.Copy(want, generator(LargeSize, 42))
	got := sha256.New()
	var read int64
	getAlloc := allocated(func() {
		rc, gerr := s.Get(ctx, "large/obj")
		if gerr != nil {
			t.Fatal(gerr)
		}
		defer rc.Close()
		read, err = io.Copy(got, rc)
	})
	if err != nil || read != LargeSize || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("read back %d bytes (%v), digest match %v", read, err, bytes.Equal(got.Sum(nil), want.Sum(nil)))
	}
	// Streaming: neither direction may hold the object in memory. (Total
	// allocation, garbage included, is measured: an adapter that buffers the
	// object allocates at least its size. minio-go makes ~0.16 MiB of garbage
	// per MiB on top of one part buffer, hence the object size of 32 MiB.)
	for dir, a := range map[string]uint64{"Put": putAlloc, "Get": getAlloc} {
		t.Logf("%s of %d MiB allocated %.1f MiB", dir, LargeSize>>20, float64(a)/(1<<20))
		if a > LargeSize/2 {
			t.Errorf("%s of a %d MiB object allocated %d MiB: not streaming", dir, LargeSize>>20, a>>20)
		}
	}
}

func testOverwrite(t *testing.T, s blob.Store) {
	MustPut(t, s, "ow/k", bytes.Repeat([]byte("a"), 5000))
	MustPut(t, s, "ow/k", []byte("short"))
	if got := MustGet(t, s, "ow/k"); string(got) != "short" {
		t.Errorf("after overwrite Get = %q; want %q", got, "short")
	}
	var infos []blob.Info
	_ = s.List(ctx, "ow/", func(i blob.Info) error { infos = append(infos, i); return nil })
	if len(infos) != 1 || infos[0].Key != "ow/k" || infos[0].Size != 5 {
		t.Errorf("List after overwrite = %+v; want one 5-byte object", infos)
	}
}

func testGetMissing(t *testing.T, s blob.Store) {
	assertMissing(t, s, "never/put")
	assertMissing(t, s, "never")
}

func testDelete(t *testing.T, s blob.Store) {
	MustPut(t, s, "del/k", []byte("x"))
	for i := range 2 {
		if err := s.Delete(ctx, "del/k"); err != nil {
			t.Errorf("Delete #%d = %v; want nil", i+1, err)
		}
	}
	assertMissing(t, s, "del/k")
	if err := s.Delete(ctx, "never/existed"); err != nil {
		t.Errorf("Delete of a never-stored key = %v; want nil", err)
	}
}

func testInvalidKeys(t *testing.T, s blob.Store) {
	for _, key := range []string{"", "../escape", "/abs", "a/../../b", "a//b", ".hidden", "a b"} {
		_, perr := s.Put(ctx, key, bytes.NewReader([]byte("x")))
		_, gerr := s.Get(ctx, key)
		derr := s.Delete(ctx, key)
		for op, err := range map[string]error{"Put": perr, "Get": gerr, "Delete": derr} {
			if steward.ErrorCode(err) != steward.EINVALID {
				t.Errorf("%s(%q) = %v; want EINVALID", op, key, err)
			}
		}
	}
	if err := s.List(ctx, "../", func(blob.Info) error { return nil }); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("List(%q) = %v; want EINVALID", "../", err)
	}
	if keys := listKeys(t, s, ""); len(keys) != 0 {
		t.Errorf("invalid keys left objects: %v", keys)
	}
}

func testList(t *testing.T, s blob.Store) {
	keys := []string{"a/b/1", "a/b/2", "a/c/1", "ab/1", "b/1"}
	for i, k := range keys {
		MustPut(t, s, k, bytes.Repeat([]byte("z"), i))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", keys},
		{"a/", []string{"a/b/1", "a/b/2", "a/c/1"}},
		{"a", []string{"a/b/1", "a/b/2", "a/c/1", "ab/1"}},
		{"a/b/", []string{"a/b/1", "a/b/2"}},
		{"a/b/2", []string{"a/b/2"}},
		{"zz", nil},
	}
	for _, tt := range tests {
		if got := listKeys(t, s, tt.prefix); !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %v; want %v", tt.prefix, got, tt.want)
		}
	}
	_ = s.List(ctx, "", func(i blob.Info) error {
		if want := int64(slices.Index(keys, i.Key)); i.Size != want {
			t.Errorf("List reports %q with size %d; want %d", i.Key, i.Size, want)
		}
		return nil
	})
	stop := errors.New("stop")
	calls := 0
	err := s.List(ctx, "", func(blob.Info) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List with a failing callback = %v after %d calls; want stop after 1", err, calls)
	}
}

// failingReader yields n bytes, then fails.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func testFailedPut(t *testing.T, s blob.Store) {
	boom := errors.New("upload interrupted")
	for _, size := range []int64{100 << 10, 7 << 20} {
		_, err := s.Put(ctx, "fail/new", &failingReader{generator(size, 1), boom})
		if !errors.Is(err, boom) {
			t.Errorf("Put from a reader failing after %d bytes = %v; want its error", size, err)
		}
		assertMissing(t, s, "fail/new")
	}
	MustPut(t, s, "fail/old", []byte("old"))
	if _, err := s.Put(ctx, "fail/old", &failingReader{generator(1000, 1), boom}); err == nil {
		t.Error("failing Put over an existing object succeeded")
	}
	if got := MustGet(t, s, "fail/old"); string(got) != "old" {
		t.Errorf("failed Put damaged the old object: %q", got)
	}
	if keys := listKeys(t, s, ""); !slices.Equal(keys, []string{"fail/old"}) {
		t.Errorf("after failed puts the store holds %v; want only fail/old", keys)
	}
}

// cancellingReader cancels its context after n bytes.
type cancellingReader struct {
	r      io.Reader
	n      int64
	cancel func()
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

func testCancelledPut(t *testing.T, s blob.Store) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	_, err := s.Put(cctx, "cancel/k", &cancellingReader{generator(8<<20, 2), 200 << 10, cancel})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Put cancelled midway = %v; want context.Canceled", err)
	}
	assertMissing(t, s, "cancel/k")
	if _, err := s.Put(cctx, "cancel/k2", bytes.NewReader([]byte("x"))); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
	assertMissing(t, s, "cancel/k2")
}

func testConcurrent(t *testing.T, s blob.Store) {
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			key := "conc/" + string(rune('a'+i))
			data := bytes.Repeat([]byte{byte(i)}, 10_000+i)
			if _, err := s.Put(ctx, key, bytes.NewReader(data)); err != nil {
				errs <- err
				return
			}
			rc, err := s.Get(ctx, key)
			if err != nil {
				errs <- err
				return
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err == nil && !bytes.Equal(got, data) {
				err = errors.New("concurrent object " + key + " corrupted")
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if keys := listKeys(t, s, "conc/"); len(keys) != 16 {
		t.Errorf("List after 16 concurrent puts shows %d objects", len(keys))
	}
}

func testModified(t *testing.T, s blob.Store) {
	// S3 keeps whole seconds; allow for that and a little clock skew.
	before := time.Now().Add(-2 * time.Second)
	MustPut(t, s, "mod/k", []byte("x"))
	after := time.Now().Add(2 * time.Second)
	_ = s.List(ctx, "mod/", func(i blob.Info) error {
		if i.Modified.Before(before) || i.Modified.After(after) {
			t.Errorf("List reports %q modified at %v; want between %v and %v", i.Key, i.Modified, before, after)
		}
		return nil
	})
}

func testLeftoversKeepObjects(t *testing.T, s blob.Store) {
	MustPut(t, s, "keep/a", []byte("a"))
	MustPut(t, s, "keep/b/c", bytes.Repeat([]byte("b"), 3<<20))
	err := s.RemoveLeftovers(ctx, time.Now().Add(time.Hour), func(l blob.Leftover) error {
		t.Errorf("RemoveLeftovers on a store without leftovers removed %+v", l)
		return nil
	})
	if err != nil {
		t.Fatalf("RemoveLeftovers: %v", err)
	}
	if keys := listKeys(t, s, ""); !slices.Equal(keys, []string{"keep/a", "keep/b/c"}) {
		t.Errorf("after RemoveLeftovers the store holds %v", keys)
	}
}

// RunLeftovers checks RemoveLeftovers against leftovers that leave makes the
// adapter's own way (a temporary file, an incomplete multipart upload) for
// the key "t1/files/f1"; it returns the Leftover.Key the store must report.
// A leftover younger than before stays, an older one goes, stored objects
// are untouched, and a second pass finds nothing.
func RunLeftovers(t *testing.T, newStore func(t *testing.T) blob.Store, leave func(t *testing.T, s blob.Store) string) {
	s := newStore(t)
	MustPut(t, s, "t1/files/f0", []byte("stored"))
	want := leave(t, s)
	remove := func(before time.Time) []blob.Leftover {
		t.Helper()
		var got []blob.Leftover
		if err := s.RemoveLeftovers(ctx, before, func(l blob.Leftover) error { got = append(got, l); return nil }); err != nil {
			t.Fatalf("RemoveLeftovers: %v", err)
		}
		return got
	}
	if got := remove(time.Now().Add(-time.Hour)); len(got) != 0 {
		t.Errorf("RemoveLeftovers(an hour ago) removed %+v, younger than that", got)
	}
	got := remove(time.Now().Add(time.Minute))
	if len(got) != 1 || got[0].Key != want {
		t.Errorf("RemoveLeftovers(now) removed %+v; want one leftover for %q", got, want)
	}
	if got := remove(time.Now().Add(time.Minute)); len(got) != 0 {
		t.Errorf("a second RemoveLeftovers removed %+v", got)
	}
	if string(MustGet(t, s, "t1/files/f0")) != "stored" {
		t.Error("RemoveLeftovers damaged a stored object")
	}
	if keys := listKeys(t, s, ""); !slices.Equal(keys, []string{"t1/files/f0"}) {
		t.Errorf("after RemoveLeftovers the store holds %v", keys)
	}
}
