// Package audit is steward's tamper-evident audit log: one hash chain of
// events per tenant, appended with group commit, anchored by Ed25519-signed
// checkpoints, verified from the database or from an export, offline.
//
// Each event's hash is SHA-256(previous hash || canonical encoding of the
// event); the first event's previous hash is 32 zero bytes. Changing,
// deleting, inserting or reordering stored events breaks the chain.
// Rewriting the whole chain or cutting off its tail is caught by the signed
// checkpoints, which an attacker without the signing key cannot forge.
// docs/audit.md specifies the encoding so that auditors can re-implement
// verification.
package audit

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash"

	"github.com/steward-privacy/steward"
)

// HashSize is the size of every chain hash.
const HashSize = sha256.Size

// encodingVersion is the first byte of every canonical encoding.
const encodingVersion = 1

// checkpointDomain prefixes the signed message of a checkpoint, so that a
// signature can never be taken for one over anything else.
const checkpointDomain = "steward-audit-checkpoint\x00"

// AppendCanonical appends the canonical encoding of e to dst: a version
// byte, then every field in a fixed order, strings as a 4-byte big-endian
// length and the bytes, integers as 8-byte big-endian, lists as a 4-byte
// count and their strings. The time is in unix microseconds. Hashes are not
// part of the encoding.
func AppendCanonical(dst []byte, e *steward.AuditEvent) []byte {
	dst = append(dst, encodingVersion)
	dst = appendString(dst, e.TenantID)
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Seq))
	dst = binary.BigEndian.AppendUint64(dst, uint64(e.Time.UnixMicro()))
	dst = appendString(dst, e.Actor)
	dst = appendString(dst, e.Action)
	dst = appendString(dst, e.SubjectID)
	dst = appendList(dst, e.Categories)
	dst = appendString(dst, e.Purpose)
	dst = appendString(dst, e.Decision)
	dst = appendList(dst, e.Reasons)
	dst = appendString(dst, e.Justification)
	dst = appendString(dst, e.RequestID)
	dst = appendString(dst, e.ClientIP)
	dst = appendString(dst, e.Target)
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}

func appendList(dst []byte, l []string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(l)))
	for _, s := range l {
		dst = appendString(dst, s)
	}
	return dst
}

// CheckpointMessage is what a checkpoint's signature covers: a domain
// prefix, then the fields encoded as in AppendCanonical.
func CheckpointMessage(cp *steward.AuditCheckpoint) []byte {
	b := make([]byte, 0, 128)
	b = append(b, checkpointDomain...)
	b = append(b, encodingVersion)
	b = appendString(b, cp.TenantID)
	b = binary.BigEndian.AppendUint64(b, uint64(cp.Seq))
	b = appendString(b, string(cp.Hash))
	b = binary.BigEndian.AppendUint64(b, uint64(cp.Time.UnixMicro()))
	b = binary.BigEndian.AppendUint64(b, uint64(cp.Every))
	b = binary.BigEndian.AppendUint32(b, uint32(cp.KeyID))
	return b
}

// hasher computes chain hashes, reusing its buffers.
type hasher struct {
	h   hash.Hash
	buf []byte
}

func newHasher() *hasher { return &hasher{h: sha256.New(), buf: make([]byte, 0, 512)} }

// sum appends SHA-256(prev || canonical(e)) to dst.
func (h *hasher) sum(dst, prev []byte, e *steward.AuditEvent) []byte {
	h.buf = AppendCanonical(h.buf[:0], e)
	h.h.Reset()
	h.h.Write(prev)
	h.h.Write(h.buf)
	return h.h.Sum(dst)
}

// Hash returns the chain hash of e given the previous event's hash.
func Hash(prev []byte, e *steward.AuditEvent) []byte {
	return newHasher().sum(make([]byte, 0, HashSize), prev, e)
}

// ParseHash reads a chain hash written as 64 hex digits or as base64 (the
// form JSON reports use).
func ParseHash(s string) ([]byte, error) {
	var h []byte
	var err error
	if len(s) == 2*HashSize {
		h, err = hex.DecodeString(s)
	} else {
		h, err = base64.StdEncoding.DecodeString(s)
	}
	if err != nil || len(h) != HashSize {
		return nil, steward.Errorf(steward.EINVALID, "a hash must be 64 hex digits or 44 base64 characters")
	}
	return h, nil
}
