package crypt_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/steward-privacy/steward/crypt"
)

// fuzzKey is fixed so that the fuzzer's seed corpus stays meaningful across runs.
var fuzzKey = crypt.MustKey(1, bytes.Repeat([]byte{7}, 32))

func FuzzOpen(f *testing.F) {
	f.Add(crypt.Seal(fuzzKey, []byte("value"), []byte("aad")), []byte("aad"))
	f.Add(crypt.Seal(fuzzKey, nil, nil), []byte{})
	f.Add([]byte{1, 0, 0, 0, 1}, []byte{})
	f.Fuzz(func(t *testing.T, ct, aad []byte) {
		pt, err := crypt.Open(fuzzKey, ct, aad)
		if err == nil {
			// Only a genuine envelope may open; re-sealing must round-trip.
			if again, err := crypt.Open(fuzzKey, crypt.Seal(fuzzKey, pt, aad), aad); err != nil || !bytes.Equal(again, pt) {
				t.Fatalf("re-seal of an opened value failed: %v", err)
			}
		} else if !isRejection(err) && err.Error() == "" {
			t.Fatal("empty error")
		}
		_, _ = crypt.EnvelopeKeyID(ct)
	})
}

func FuzzDecryptReader(f *testing.F) {
	var buf bytes.Buffer
	w, _ := crypt.NewEncryptWriter(&buf, fuzzKey, nil)
	_, _ = w.Write(bytes.Repeat([]byte("x"), 300))
	_ = w.Close()
	f.Add(buf.Bytes())
	f.Add(append([]byte{0x11, 16, 0, 0, 0, 1}, make([]byte, 32+16)...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, ct []byte) {
		r, err := crypt.NewDecryptReader(bytes.NewReader(ct), lookupOf(fuzzKey), nil)
		if err != nil {
			return
		}
		got, err := io.ReadAll(r)
		if err == nil && int64(len(ct)) != crypt.CiphertextSize(int64(len(got))) {
			t.Fatalf("decrypted %d bytes from a %d-byte stream", len(got), len(ct))
		}
	})
}

func FuzzPlaintextSize(f *testing.F) {
	f.Add(int64(38 + 16))
	f.Add(int64(38 + 65552 + 17))
	f.Fuzz(func(t *testing.T, n int64) {
		p, err := crypt.PlaintextSize(n)
		if err == nil && crypt.CiphertextSize(p) != n {
			t.Fatalf("PlaintextSize(%d) = %d but CiphertextSize(%d) = %d", n, p, p, crypt.CiphertextSize(p))
		}
	})
}
