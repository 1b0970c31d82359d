package crypt

import (
	"crypto/rand"
	"encoding/binary"
	"sync"

	"github.com/steward-privacy/steward"
)

// Envelope format, version 1, for small values (records, wrapped keys, secrets):
//
//	offset  size  field
//	0       1     format version, 0x01
//	1       4     key id, big endian (names the key version that sealed it)
//	5       12    random nonce
//	17      n+16  AES-256-GCM ciphertext of the n-byte plaintext, then the tag
//
// The GCM additional data is the 5-byte header followed by the caller's AAD, so
// changing the version byte, the key id, the nonce, the ciphertext, the tag or the
// AAD makes Open fail.
// Algorithm names the cipher of every envelope and stream, as a policy's
// security.encryption_at_rest names it.
const Algorithm = "aes-256-gcm"

const (
	envelopeVersion = 0x01
	envelopeHeader  = 5
	nonceSize       = 12
	tagSize         = 16
	// EnvelopeOverhead is how many bytes Seal adds to a plaintext.
	EnvelopeOverhead = envelopeHeader + nonceSize + tagSize
)

// adPool recycles the buffers that hold header || aad, so Seal and Open allocate
// nothing but their output.
var adPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func withAD(header, aad []byte, f func(ad []byte)) {
	p := adPool.Get().(*[]byte)
	ad := append(append((*p)[:0], header...), aad...)
	f(ad)
	if cap(ad) <= 4096 { // do not keep huge buffers alive
		*p = ad[:0]
		adPool.Put(p)
	}
}

// Seal encrypts plaintext under k, binding it to aad (build aad with AAD.Bytes),
// and returns the envelope. It allocates only the result.
func Seal(k *Key, plaintext, aad []byte) []byte {
	return AppendSeal(make([]byte, 0, len(plaintext)+EnvelopeOverhead), k, plaintext, aad)
}

// AppendSeal is Seal appending the envelope to dst and returning the extended
// slice; with enough capacity in dst it allocates nothing. dst must not overlap
// plaintext.
func AppendSeal(dst []byte, k *Key, plaintext, aad []byte) []byte {
	start := len(dst)
	dst = append(dst, envelopeVersion, 0, 0, 0, 0)
	binary.BigEndian.PutUint32(dst[start+1:], k.id)
	dst = append(dst, make([]byte, nonceSize)...)
	nonce := dst[start+envelopeHeader : start+envelopeHeader+nonceSize]
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (it aborts the program instead)
	withAD(dst[start:start+envelopeHeader], aad, func(ad []byte) {
		dst = k.aead.Seal(dst, nonce, plaintext, ad)
	})
	return dst
}

// EnvelopeKeyID returns the key id named in an envelope's header, so the caller
// can fetch that key version, or a rewrap job can find envelopes sealed under an
// old version. It returns ErrMalformed if ciphertext is not a version 1 envelope.
func EnvelopeKeyID(ciphertext []byte) (uint32, error) {
	if len(ciphertext) < EnvelopeOverhead || ciphertext[0] != envelopeVersion {
		return 0, ErrMalformed
	}
	return binary.BigEndian.Uint32(ciphertext[1:envelopeHeader]), nil
}

// Open decrypts an envelope made by Seal with the same key and aad. Any change
// to the envelope or aad gives ErrAuthFailed; a short or unknown envelope gives
// ErrMalformed; an envelope naming another key id gives an EINTERNAL error
// saying which version it needs.
func Open(k *Key, ciphertext, aad []byte) ([]byte, error) {
	return AppendOpen(nil, k, ciphertext, aad)
}

// AppendOpen is Open appending the plaintext to dst; with enough capacity in dst
// it allocates nothing. dst must not overlap ciphertext.
func AppendOpen(dst []byte, k *Key, ciphertext, aad []byte) ([]byte, error) {
	id, err := EnvelopeKeyID(ciphertext)
	if err != nil {
		return dst, err
	}
	if id != k.id {
		return dst, steward.Errorf(steward.EINTERNAL, "ciphertext needs key version %d, not %d", id, k.id)
	}
	nonce := ciphertext[envelopeHeader : envelopeHeader+nonceSize]
	var out []byte
	withAD(ciphertext[:envelopeHeader], aad, func(ad []byte) {
		out, err = k.aead.Open(dst, nonce, ciphertext[envelopeHeader+nonceSize:], ad)
	})
	if err != nil {
		return dst, ErrAuthFailed
	}
	return out, nil
}

// OpenWith reads the key id from the envelope, asks lookup for that key and
// opens the envelope with it. Errors are those of lookup and Open.
func OpenWith(lookup KeyLookup, ciphertext, aad []byte) ([]byte, error) {
	id, err := EnvelopeKeyID(ciphertext)
	if err != nil {
		return nil, err
	}
	k, err := lookup(id)
	if err != nil {
		return nil, err
	}
	return Open(k, ciphertext, aad)
}
