package steward

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID returns a new random identifier with a type prefix, e.g.
// "sub_3kq...": 128 random bits, lower-case base32. Ids carry no meaning
// and no personal data, so they may appear in logs, audit events and file
// names.
func NewID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	var enc [26]byte       // idEncoding.EncodedLen(16)
	idEncoding.Encode(enc[:], b[:])
	var id strings.Builder // one allocation
	id.Grow(len(prefix) + 1 + len(enc))
	id.WriteString(prefix)
	id.WriteByte('_')
	id.Write(enc[:])
	return id.String()
}
