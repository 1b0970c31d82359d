package crypt_test

import (
	"bytes"
	"io"
	"testing"

	"pgregory.net/rapid"

	"github.com/steward-privacy/steward/crypt"
)

// genAAD draws an AAD whose fields may contain separators, length-like bytes and
// each other's contents, to look for encoding collisions.
func genAAD() *rapid.Generator[crypt.AAD] {
	field := rapid.StringOfN(rapid.SampledFrom([]rune{'a', 'b', '/', ':', 0, 1, 2}), 0, 6, -1)
	return rapid.Custom(func(t *rapid.T) crypt.AAD {
		return crypt.AAD{Tenant: field.Draw(t, "tenant"), Subject: field.Draw(t, "subject"),
			Kind: field.Draw(t, "kind"), Name: field.Draw(t, "name"), Ref: field.Draw(t, "ref")}
	})
}

func TestPropertyAADInjective(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genAAD().Draw(t, "a"), genAAD().Draw(t, "b")
		if a != b && bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("%+v and %+v encode alike", a, b)
		}
		if !bytes.Equal(a.Append([]byte("x")), append([]byte("x"), a.Bytes()...)) {
			t.Fatal("Append differs from Bytes")
		}
	})
}

func TestPropertyEnvelope(t *testing.T) {
	k := newTestKey(t, 9)
	rapid.Check(t, func(t *rapid.T) {
		pt := rapid.SliceOf(rapid.Byte()).Draw(t, "plaintext")
		a, b := genAAD().Draw(t, "aad"), genAAD().Draw(t, "other aad")
		ct := crypt.Seal(k, pt, a.Bytes())
		got, err := crypt.Open(k, ct, a.Bytes())
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("round trip: %v", err)
		}
		if _, err := crypt.Open(k, ct, b.Bytes()); (err == nil) != (a == b) {
			t.Fatalf("Open with AAD %+v of a ciphertext sealed with %+v: err = %v", b, a, err)
		}
		i := rapid.IntRange(0, len(ct)-1).Draw(t, "flip")
		ct[i] ^= byte(rapid.IntRange(1, 255).Draw(t, "mask"))
		if _, err := crypt.Open(k, ct, a.Bytes()); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	})
}

func TestPropertyStream(t *testing.T) {
	k := newTestKey(t, 4)
	rapid.Check(t, func(t *rapid.T) {
		size := rapid.IntRange(0, 4*seg).Draw(t, "size")
		pt := pseudoRandom(size, uint64(size))
		var out bytes.Buffer
		w, err := crypt.NewEncryptWriter(&out, k, fileAAD)
		if err != nil {
			t.Fatal(err)
		}
		for p := pt; len(p) > 0; { // random write sizes, mixing Write and ReadFrom
			n := min(len(p), rapid.IntRange(1, 2*seg+2).Draw(t, "write"))
			var err error
			if rapid.Bool().Draw(t, "readFrom") {
				var m int64
				m, err = w.(io.ReaderFrom).ReadFrom(bytes.NewReader(p[:n]))
				if m != int64(n) {
					t.Fatalf("ReadFrom consumed %d of %d bytes", m, n)
				}
			} else {
				_, err = w.Write(p[:n])
			}
			if err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		ct := out.Bytes()
		if got, err := decrypt(ct, lookupOf(k), fileAAD, true); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("round trip of %d bytes: %v", size, err)
		}
		switch rapid.IntRange(0, 1).Draw(t, "tamper") {
		case 0:
			i := rapid.IntRange(0, len(ct)-1).Draw(t, "flip")
			ct[i] ^= 0x40
		case 1:
			ct = ct[:rapid.IntRange(0, len(ct)-1).Draw(t, "truncate")]
		}
		got, err := decrypt(ct, lookupOf(k), fileAAD, true)
		if err == nil {
			t.Fatalf("tampered stream of %d bytes decrypted", size)
		}
		if !bytes.Equal(got, pt[:len(got)]) || len(got)%seg != 0 {
			t.Fatalf("%d bytes returned before the error are not whole authenticated segments", len(got))
		}
	})
}
