package crypt_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/steward-privacy/steward/crypt"
)

func BenchmarkEnvelope(b *testing.B) {
	k := newTestKey(b, 1)
	aad := recordAAD.Bytes()
	for _, size := range []int{64, 1024} {
		pt := pseudoRandom(size, 1)
		ct := crypt.Seal(k, pt, aad)
		dst := make([]byte, 0, size+crypt.EnvelopeOverhead)
		b.Run("Seal/"+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				dst = crypt.AppendSeal(dst[:0], k, pt, aad)
			}
		})
		b.Run("Open/"+strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if dst, err = crypt.AppendOpen(dst[:0], k, ct, aad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("UnwrapDataKey", func(b *testing.B) { // the per-read cost without a key cache
		wrapped := crypt.Seal(k, make([]byte, 32), crypt.DataKeyAAD("t1", "s1", 1).Bytes())
		b.ReportAllocs()
		for b.Loop() {
			if _, err := crypt.OpenDataKey(lookupOf(k), "t1", "s1", 1, wrapped); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// rawGCM seals or opens buf in 64 KiB chunks with AES-256-GCM directly: the
// machine's raw speed, the yardstick for the stream format.
type rawGCM struct {
	aead  cipher.AEAD
	nonce [12]byte
	out   []byte
}

func newRawGCM(b *testing.B) *rawGCM {
	block, err := aes.NewCipher(pseudoRandom(32, 9))
	if err != nil {
		b.Fatal(err)
	}
	aead, _ := cipher.NewGCM(block)
	return &rawGCM{aead: aead, out: make([]byte, 0, seg+16)}
}

func (r *rawGCM) seal(src, ad []byte) {
	for i := 0; i < len(src); i += seg {
		binary.BigEndian.PutUint32(r.nonce[7:], uint32(i/seg))
		r.out = r.aead.Seal(r.out[:0], r.nonce[:], src[i:min(i+seg, len(src))], ad)
	}
}

// sealAll returns the chunks sealed, for open.
func (r *rawGCM) sealAll(src, ad []byte) []byte {
	var all []byte
	for i := 0; i < len(src); i += seg {
		binary.BigEndian.PutUint32(r.nonce[7:], uint32(i/seg))
		all = r.aead.Seal(all, r.nonce[:], src[i:min(i+seg, len(src))], ad)
	}
	return all
}

func (r *rawGCM) open(ct, ad []byte) {
	var err error
	for i := 0; i < len(ct); i += seg + 16 {
		binary.BigEndian.PutUint32(r.nonce[7:], uint32(i/(seg+16)))
		if r.out, err = r.aead.Open(r.out[:0], r.nonce[:], ct[i:min(i+seg+16, len(ct))], ad); err != nil {
			panic(err)
		}
	}
}

func streamEncrypt(b *testing.B, k *crypt.Key, src []byte, viaReadFrom bool) {
	w, err := crypt.NewEncryptWriter(io.Discard, k, fileAAD)
	if err != nil {
		b.Fatal(err)
	}
	var r io.Reader = bytes.NewReader(src) // io.Copy uses its WriteTo: one big Write
	if viaReadFrom {
		r = struct{ io.Reader }{r} // hides WriteTo: io.Copy uses the writer's ReadFrom
	}
	if _, err := io.Copy(w, r); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func streamDecrypt(b *testing.B, k *crypt.Key, ct []byte) {
	r, err := crypt.NewDecryptReader(bytes.NewReader(ct), lookupOf(k), fileAAD)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStream measures each direction on its own, with B/op showing that
// memory does not grow with the file size.
func BenchmarkStream(b *testing.B) {
	k := newTestKey(b, 1)
	for _, size := range []int{1 << 20, 64 << 20} {
		src := pseudoRandom(size, 3)
		ct := encrypt(b, k, src, 0, fileAAD)
		raw := newRawGCM(b)
		rawCT := raw.sealAll(src, fileAAD)
		name := strconv.Itoa(size>>20) + "MiB"
		run := func(op string, f func()) {
			b.Run(op+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					f()
				}
			})
		}
		run("RawGCMSeal", func() { raw.seal(src, fileAAD) })
		run("Encrypt", func() { streamEncrypt(b, k, src, false) })
		run("EncryptReadFrom", func() { streamEncrypt(b, k, src, true) })
		run("RawGCMOpen", func() { raw.open(rawCT, fileAAD) })
		run("Decrypt", func() { streamDecrypt(b, k, ct) })
	}
}

// BenchmarkStreamVsRawGCM interleaves the stream format and raw GCM on the same
// 64 MiB in every iteration and reports the stream's speed as a percentage of
// raw GCM, so that noise from other processes hits both alike.
func BenchmarkStreamVsRawGCM(b *testing.B) {
	const size = 64 << 20
	k := newTestKey(b, 1)
	src := pseudoRandom(size, 4)
	ct := encrypt(b, k, src, 0, fileAAD)
	raw := newRawGCM(b)
	rawCT := raw.sealAll(src, fileAAD)
	timeIt := func(f func()) time.Duration { t := time.Now(); f(); return time.Since(t) }
	var rawSeal, enc, encRF, rawOpen, dec time.Duration
	for b.Loop() {
		rawSeal += timeIt(func() { raw.seal(src, fileAAD) })
		enc += timeIt(func() { streamEncrypt(b, k, src, false) })
		encRF += timeIt(func() { streamEncrypt(b, k, src, true) })
		rawOpen += timeIt(func() { raw.open(rawCT, fileAAD) })
		dec += timeIt(func() { streamDecrypt(b, k, ct) })
	}
	mbps := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / 1e6 }
	b.ReportMetric(mbps(rawSeal), "raw-seal-MB/s")
	b.ReportMetric(mbps(enc), "encrypt-MB/s")
	b.ReportMetric(mbps(rawOpen), "raw-open-MB/s")
	b.ReportMetric(mbps(dec), "decrypt-MB/s")
	b.ReportMetric(100*rawSeal.Seconds()/enc.Seconds(), "encrypt-%-of-raw")
	b.ReportMetric(100*rawSeal.Seconds()/encRF.Seconds(), "encrypt-readfrom-%-of-raw")
	b.ReportMetric(100*rawOpen.Seconds()/dec.Seconds(), "decrypt-%-of-raw")
	b.ReportMetric(0, "ns/op")
}
