package crypt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// BlindIndexSize is the length of a blind index in bytes.
const BlindIndexSize = sha256.Size

// blindIndexDomain separates blind indexes from every other HMAC computed with
// the same key.
const blindIndexDomain = "steward blind index v1"

// BlindIndex returns a keyed, deterministic digest of a normalized value (an
// email address lower-cased, a phone number in E.164) so that a subject can be
// looked up by that value without the value being stored: the index is
// HMAC-SHA-256(key, domain | len(kind) | kind | value), with kind naming what the
// value is ("email", "phone", ...) so equal strings of different kinds never
// collide. Use one key per tenant so indexes cannot be joined across tenants.
// Compare indexes with Equal.
func BlindIndex(key []byte, kind, normalizedValue string) []byte {
	return AppendBlindIndex(make([]byte, 0, BlindIndexSize), key, kind, normalizedValue)
}

// AppendBlindIndex is BlindIndex appending the index to dst.
func AppendBlindIndex(dst, key []byte, kind, normalizedValue string) []byte {
	m := hmac.New(sha256.New, key)
	var n [4]byte
	m.Write([]byte(blindIndexDomain))
	binary.BigEndian.PutUint32(n[:], uint32(len(kind)))
	m.Write(n[:])
	m.Write([]byte(kind))
	m.Write([]byte(normalizedValue))
	return m.Sum(dst)
}
