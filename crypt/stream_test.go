package crypt_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

const (
	seg = crypt.SegmentSize
	hdr = 38 // stream header size
)

var fileAAD = crypt.AAD{Tenant: "t1", Subject: "s1", Kind: crypt.KindFile, Name: "f1"}.Bytes()

// encrypt returns the stream of pt under k, written in chunks of the given size
// (0: through io.Copy from a reader that hides WriterTo, exercising ReadFrom).
func encrypt(tb testing.TB, k *crypt.Key, pt []byte, chunk int, aad []byte) []byte {
	tb.Helper()
	var out bytes.Buffer
	w, err := crypt.NewEncryptWriter(&out, k, aad)
	if err != nil {
		tb.Fatal(err)
	}
	if chunk == 0 {
		if _, err := io.Copy(w, struct{ io.Reader }{bytes.NewReader(pt)}); err != nil {
			tb.Fatal(err)
		}
	} else {
		for p := pt; len(p) > 0; {
			n := min(chunk, len(p))
			if m, err := w.Write(p[:n]); err != nil || m != n {
				tb.Fatalf("Write(%d) = %d, %v", n, m, err)
			}
			p = p[n:]
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// decrypt reads the stream back, returning what was returned before any error.
func decrypt(ct []byte, lookup crypt.KeyLookup, aad []byte, viaWriteTo bool) ([]byte, error) {
	r, err := crypt.NewDecryptReader(bytes.NewReader(ct), lookup, aad)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if viaWriteTo {
		_, err = io.Copy(&out, r)
	} else {
		_, err = io.Copy(&out, iotest.OneByteReader(struct{ io.Reader }{r}))
		if err == nil { // also check the io.Reader contract
			r2, _ := crypt.NewDecryptReader(bytes.NewReader(ct), lookup, aad)
			err = iotest.TestReader(r2, out.Bytes())
		}
	}
	return out.Bytes(), err
}

var streamSizes = []int{0, 1, 100, seg - 1, seg, seg + 1, 2 * seg, 2*seg + 1, 3*seg + 17}

func TestStreamRoundTrip(t *testing.T) {
	k := newTestKey(t, 5)
	for _, size := range streamSizes {
		pt := pseudoRandom(size, uint64(size))
		for _, chunk := range []int{0, 1000, seg, seg + 1, 3 * seg, size + 1} {
			if chunk == 1000 && size > 2*seg {
				continue // enough small-write coverage below that
			}
			ct := encrypt(t, k, pt, chunk, fileAAD)
			if want := crypt.CiphertextSize(int64(size)); int64(len(ct)) != want {
				t.Errorf("size %d chunk %d: stream has %d bytes; CiphertextSize says %d", size, chunk, len(ct), want)
			}
			if got, err := crypt.PlaintextSize(int64(len(ct))); err != nil || got != int64(size) {
				t.Errorf("PlaintextSize(%d) = %d, %v; want %d", len(ct), got, err, size)
			}
			for _, viaWriteTo := range []bool{true, false} {
				if size > 2*seg && !viaWriteTo && chunk != 0 {
					continue // byte-at-a-time reading is slow; once per size suffices
				}
				got, err := decrypt(ct, lookupOf(k), fileAAD, viaWriteTo)
				if err != nil || !bytes.Equal(got, pt) {
					t.Errorf("size %d chunk %d writeTo %v: decrypted %d bytes, %v; want the plaintext", size, chunk, viaWriteTo, len(got), err)
				}
			}
		}
	}
}

func TestPlaintextSizeRejectsImpossibleSizes(t *testing.T) {
	const segCT = seg + 16
	for _, n := range []int64{math.MinInt64, math.MinInt64 + 5, math.MaxInt64, crypt.CiphertextSize(crypt.MaxStreamSize) + 1,
		-1, 0, hdr - 1, hdr, hdr + 15, hdr + segCT + 1, hdr + segCT + 15, hdr + segCT + 16, hdr + 2*segCT + 16} {
		if got, err := crypt.PlaintextSize(n); !errors.Is(err, crypt.ErrMalformed) {
			t.Errorf("PlaintextSize(%d) = %d, %v; want ErrMalformed", n, got, err)
		}
	}
	for _, n := range []int64{-1, crypt.MaxStreamSize + 1} {
		if got := crypt.CiphertextSize(n); got != -1 {
			t.Errorf("CiphertextSize(%d) = %d; want -1", n, got)
		}
	}
}

// tamperCase is one way of changing a valid stream; the returned data must fail,
// and no more than safePlain bytes of plaintext may be returned before failing.
type tamperCase struct {
	name      string
	data      []byte
	safePlain int
}

// segmentStart returns the offset of segment i in a stream.
func segmentStart(i int) int { return hdr + i*(seg+16) }

func tamperCases(t *testing.T, k *crypt.Key, pt, ct []byte) []tamperCase {
	other := encrypt(t, k, pt, seg, fileAAD) // same key, same plaintext, other prefix
	var cases []tamperCase
	add := func(name string, data []byte, safe int) { cases = append(cases, tamperCase{name, data, safe}) }
	nseg := (len(ct) - hdr + seg + 15) / (seg + 16)
	// Flip bits in the header, around every segment boundary and in every tag.
	var positions []int
	for i := 0; i < hdr; i++ {
		positions = append(positions, i)
	}
	for i := 0; i < nseg; i++ {
		s := segmentStart(i)
		end := min(segmentStart(i+1), len(ct))
		positions = append(positions, s, s+1, s+seg/2, end-17, end-16, end-1)
	}
	for _, p := range positions {
		if p < 0 || p >= len(ct) {
			continue
		}
		b := bytes.Clone(ct)
		b[p] ^= 0x01
		safe := 0
		if p >= hdr {
			safe = (p - hdr) / (seg + 16) * seg
		}
		add("flip byte "+strconv.Itoa(p), b, safe)
	}
	// Truncate at every segment boundary and just inside it, and inside the header.
	for _, n := range []int{0, 1, hdr - 1, hdr, hdr + 1, hdr + 15} {
		add("truncate to "+strconv.Itoa(n), ct[:n], 0)
	}
	for i := 1; i <= nseg; i++ {
		b := segmentStart(i)
		for _, n := range []int{b - 1, b, b + 1, b + 16} {
			safe := (i - 1) * seg // segment i-1 is cut or unflagged as last
			if n > b {
				safe = i * seg // segment i-1 is whole and authenticates
			}
			if n < len(ct) {
				add("truncate to "+strconv.Itoa(n), ct[:n], safe)
			}
		}
	}
	// Append data: one byte, a copy of the last segment, the other file's tail.
	add("append a byte", append(bytes.Clone(ct), 0), (nseg-1)*seg)
	add("append last segment again", append(bytes.Clone(ct), ct[segmentStart(nseg-1):]...), (nseg-1)*seg)
	add("append other file", append(bytes.Clone(ct), other[hdr:]...), (nseg-1)*seg)
	if nseg >= 2 {
		// Swap segments 0 and 1, drop segment 0, splice segment 0 of the other file.
		s0, s1, s2 := ct[hdr:segmentStart(1)], ct[segmentStart(1):min(segmentStart(2), len(ct))], ct[min(segmentStart(2), len(ct)):]
		add("swap segments 0 and 1", cat(ct[:hdr], s1, s0, s2), 0)
		add("drop segment 0", cat(ct[:hdr], s1, s2), 0)
		add("splice segment 0 of another file", cat(ct[:hdr], other[hdr:segmentStart(1)], s1, s2), 0)
		add("splice last segment of another file", cat(ct[:segmentStart(nseg-1)], other[segmentStart(nseg-1):]), (nseg-1)*seg)
		add("other file's header", cat(other[:hdr], ct[hdr:]), 0)
	}
	return cases
}

func TestStreamTamperingIsDetected(t *testing.T) {
	k := newTestKey(t, 5)
	for _, size := range []int{0, 10, seg, 2 * seg, 2*seg + 100} {
		pt := pseudoRandom(size, 1)
		ct := encrypt(t, k, pt, seg+1, fileAAD)
		for _, tc := range tamperCases(t, k, pt, ct) {
			got, err := decrypt(tc.data, lookupOf(k), fileAAD, true)
			if !isRejection(err) && steward.ErrorCode(err) != steward.ENOTFOUND {
				t.Errorf("size %d, %s: err = %v; want a rejection", size, tc.name, err)
			}
			if len(got) > tc.safePlain || !bytes.Equal(got, pt[:len(got)]) {
				t.Errorf("size %d, %s: returned %d bytes of plaintext before failing; at most %d authenticated ones allowed", size, tc.name, len(got), tc.safePlain)
			}
			assertNoLeak(t, err, pt)
		}
	}
}

func TestStreamWrongAADOrKey(t *testing.T) {
	k := newTestKey(t, 5)
	ct := encrypt(t, k, pseudoRandom(seg+3, 2), 0, fileAAD)
	other := crypt.AAD{Tenant: "t1", Subject: "s1", Kind: crypt.KindFile, Name: "f2"}.Bytes()
	if _, err := decrypt(ct, lookupOf(k), other, true); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("decrypt with another file's AAD = %v; want ErrAuthFailed", err)
	}
	if _, err := decrypt(ct, lookupOf(newTestKey(t, 5)), fileAAD, true); !errors.Is(err, crypt.ErrAuthFailed) {
		t.Errorf("decrypt with another key = %v; want ErrAuthFailed", err)
	}
	if _, err := decrypt(ct, lookupOf(newTestKey(t, 6)), fileAAD, true); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("decrypt without key 5 = %v; want ENOTFOUND", err)
	}
}

func TestStreamWriterErrors(t *testing.T) {
	k := newTestKey(t, 1)
	if _, err := crypt.NewEncryptWriter(nil, k, nil); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("NewEncryptWriter(nil dst) = %v; want EINVALID", err)
	}
	if _, err := crypt.NewDecryptReader(nil, lookupOf(k), nil); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("NewDecryptReader(nil src) = %v; want EINVALID", err)
	}
	// A failing destination makes every later call fail with its error.
	boom := errors.New("disk full")
	w, err := crypt.NewEncryptWriter(&failAfter{n: hdr, err: boom}, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 2*seg+1)); !errors.Is(err, boom) {
		t.Errorf("Write to a failing destination = %v; want %v", err, boom)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("Close after a failed write = %v; want %v", err, boom)
	}
	// Writing after Close is refused.
	w, _ = crypt.NewEncryptWriter(io.Discard, k, nil)
	_ = w.Close()
	if _, err := w.Write([]byte("x")); steward.ErrorCode(err) != steward.EINVALID {
		t.Errorf("Write after Close = %v; want EINVALID", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
	// A read error from the source during ReadFrom is passed through.
	w, _ = crypt.NewEncryptWriter(io.Discard, k, nil)
	if _, err := w.(io.ReaderFrom).ReadFrom(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("ReadFrom(failing reader) = %v; want %v", err, boom)
	}
}

// failAfter accepts n bytes and then fails.
type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, f.err
	}
	f.n -= len(p)
	return len(p), nil
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
