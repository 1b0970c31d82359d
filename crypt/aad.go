package crypt

import "encoding/binary"

// Kinds of ciphertext, used as AAD.Kind so that a value of one kind can never be
// decrypted as another (a wrapped data key passed off as a record, say).
const (
	KindRecord    = "record"
	KindFile      = "file"
	KindDataKey   = "datakey"
	KindTenantKey = "tenantkey"
	KindSecret    = "secret"
)

// aadVersion is the first byte of every AAD encoding; a new layout gets a new
// version, so two layouts never produce the same bytes.
const aadVersion = 0x01

// AAD names the place a ciphertext belongs to. Its canonical encoding (Bytes) is
// passed as additional authenticated data, so a ciphertext copied to another row,
// subject, tenant, kind or name fails to decrypt. Fields are free-form strings;
// the encoding is injective (length-prefixed), so no choice of field values can
// make two different AADs encode alike.
type AAD struct {
	// Tenant is the tenant id; empty only for server-wide secrets.
	Tenant string
	// Subject is the subject id; empty for tenant-level values.
	Subject string
	// Kind is one of the Kind constants.
	Kind string
	// Name is what the value is within the subject: the category key of a
	// record, the file id of a file, the key version of a wrapped key.
	Name string
	// Ref optionally pins the ciphertext to one row, such as a record id or
	// version, so two values of the same name cannot be swapped.
	Ref string
}

// Bytes returns the canonical encoding of a:
//
//	0x01 | len(Tenant) | Tenant | len(Subject) | Subject | len(Kind) | Kind |
//	len(Name) | Name | len(Ref) | Ref
//
// where each len is 4 bytes, big endian.
func (a AAD) Bytes() []byte {
	n := 1 + 5*4 + len(a.Tenant) + len(a.Subject) + len(a.Kind) + len(a.Name) + len(a.Ref)
	return a.Append(make([]byte, 0, n))
}

// Append appends the canonical encoding of a (see Bytes) to dst.
func (a AAD) Append(dst []byte) []byte {
	dst = append(dst, aadVersion)
	for _, f := range [...]string{a.Tenant, a.Subject, a.Kind, a.Name, a.Ref} {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(f)))
		dst = append(dst, f...)
	}
	return dst
}
