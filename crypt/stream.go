package crypt

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"

	"github.com/steward-privacy/steward"
)

// Stream format, version 1, for files of any size: the STREAM construction of
// Hoang, Reyhanitabar, Rogaway and Vizár ("Online Authenticated-Encryption and
// its Nonce-Reuse Misuse-Resistance", CRYPTO 2015) with AES-256-GCM under a
// per-file key, as in Tink's AES-GCM-HKDF streaming AEAD:
//
//	header (38 bytes):
//	  0   1   format version, 0x11
//	  1   1   log2 of the segment size, 16 (64 KiB)
//	  2   4   key id, big endian (the data key version)
//	  6   32  random salt, fresh for every file
//	segments, each the GCM ciphertext of 64 KiB of plaintext plus a 16-byte tag;
//	the last one holds 0 to 64 KiB (0 only for an empty file).
//
// The file key is HKDF-SHA-256(secret: the data key, salt: the header's salt,
// info: "steward stream v1"), 32 bytes, so no two files share a GCM key and the
// number of files per data key is unbounded. The nonce of segment i is 7 zero
// bytes | i as 4 bytes big endian | 1 byte that is 0x01 for the last segment and
// 0x00 otherwise. The additional data of every segment is the header followed
// by the caller's AAD. So a reader detects a changed header, key id or AAD; a
// segment moved to another position (counter); a segment taken from another
// file (another file key); a file cut at a segment boundary (the new last
// segment was sealed as not last); data appended after the last segment (the
// last segment is then opened as not last); and any flipped bit.
const (
	streamVersion    = 0x11
	segmentShift     = 16
	streamSaltSize   = 32
	streamHeaderSize = 6 + streamSaltSize
	streamKDFInfo    = "steward stream v1"
	// SegmentSize is how many plaintext bytes each segment of a stream holds.
	SegmentSize = 1 << segmentShift
	// maxSegments is the number of distinct segment counters (4 bytes).
	maxSegments = 1 << 32
	// MaxStreamSize is the largest plaintext one stream can hold (256 TiB).
	MaxStreamSize = maxSegments * SegmentSize
)

// CiphertextSize returns the size of the stream that encrypts plaintextSize
// bytes, or -1 if plaintextSize is negative or above MaxStreamSize.
func CiphertextSize(plaintextSize int64) int64 {
	if plaintextSize < 0 || plaintextSize > MaxStreamSize {
		return -1
	}
	segments := (plaintextSize + SegmentSize - 1) / SegmentSize
	if segments == 0 {
		segments = 1
	}
	return streamHeaderSize + plaintextSize + segments*tagSize
}

// PlaintextSize returns the size of the plaintext a stream of ciphertextSize
// bytes decrypts to, for a Content-Length, or ErrMalformed if no stream has that
// size.
func PlaintextSize(ciphertextSize int64) (int64, error) {
	if ciphertextSize < streamHeaderSize+tagSize || ciphertextSize > CiphertextSize(MaxStreamSize) {
		return 0, ErrMalformed // checked first: no overflow below
	}
	body := ciphertextSize - streamHeaderSize
	const segCT = SegmentSize + tagSize
	full, rest := body/segCT, body%segCT
	switch {
	case rest == 0: // the last segment is full
		return full * SegmentSize, nil
	case rest < tagSize || (rest == tagSize && full > 0):
		return 0, ErrMalformed // an empty last segment only in an empty stream
	default:
		return full*SegmentSize + rest - tagSize, nil
	}
}

// streamState is what the encrypting and the decrypting side share: the cipher,
// the per-segment additional data (header | aad) and the nonce of the next
// segment.
type streamState struct {
	aead    cipher.AEAD
	ad      []byte
	nonce   [nonceSize]byte
	counter uint64
}

// newStreamState derives the file key from k and the header's salt and builds
// the state.
func newStreamState(k *Key, header, aad []byte) (*streamState, error) {
	fileKey, err := hkdf.Key(sha256.New, k.material, header[6:streamHeaderSize], streamKDFInfo, KeySize)
	if err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "derive file key: %v", err)
	}
	defer Wipe(fileKey)
	fk, err := NewKey(k.id, fileKey)
	if err != nil {
		return nil, err
	}
	fk.material.Wipe() // only the cipher is needed
	s := &streamState{aead: fk.aead, ad: make([]byte, 0, len(header)+len(aad))}
	s.ad = append(append(s.ad, header...), aad...)
	return s, nil
}

// segmentNonce sets the counter and last flag for the next segment, failing
// when the counter space is exhausted.
func (s *streamState) segmentNonce(last bool) ([]byte, error) {
	if s.counter >= maxSegments {
		return nil, steward.Errorf(steward.ETOOLARGE, "stream exceeds %d bytes", int64(MaxStreamSize))
	}
	binary.BigEndian.PutUint32(s.nonce[7:], uint32(s.counter))
	s.nonce[nonceSize-1] = 0
	if last {
		s.nonce[nonceSize-1] = 1
	}
	s.counter++
	return s.nonce[:], nil
}

// newStreamHeader returns a fresh header for key id with a random salt.
func newStreamHeader(id uint32) []byte {
	h := make([]byte, streamHeaderSize)
	h[0], h[1] = streamVersion, segmentShift
	binary.BigEndian.PutUint32(h[2:6], id)
	_, _ = rand.Read(h[6:]) // crypto/rand.Read never fails
	return h
}

// parseStreamHeader checks a header and returns the key id it names.
func parseStreamHeader(h []byte) (uint32, error) {
	if len(h) != streamHeaderSize || h[0] != streamVersion || h[1] != segmentShift {
		return 0, ErrMalformed
	}
	return binary.BigEndian.Uint32(h[2:6]), nil
}
