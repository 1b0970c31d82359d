package crypt

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// Redacted is what a Secret prints as, in every format.
const Redacted = "REDACTED"

// Secret is key material or another secret value. It never prints: String,
// GoString, Format, MarshalJSON, MarshalText and LogValue all give "REDACTED",
// so a Secret that ends up in a log line, an error or a JSON body leaks nothing.
// Compare Secrets with Equal (constant time), never with bytes.Equal.
type Secret []byte

// String returns "REDACTED".
func (Secret) String() string { return Redacted }

// GoString returns "REDACTED", so %#v does not print the bytes either.
func (Secret) GoString() string { return Redacted }

// Format prints "REDACTED" for every verb (%s, %v, %x, %q, %d, ...).
func (Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON returns the JSON string "REDACTED".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText returns "REDACTED", which also covers YAML and XML encoders.
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue makes log/slog print "REDACTED".
func (Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

// Equal reports whether s and o hold the same bytes, in time that depends only
// on their lengths.
func (s Secret) Equal(o Secret) bool { return subtle.ConstantTimeCompare(s, o) == 1 }

// Wipe overwrites the secret with zeros. Go may have copied the bytes elsewhere
// (the garbage collector moves nothing, but callers may have copied them), so
// this is best effort: it shortens the time a key stays readable in memory.
func (s Secret) Wipe() { Wipe(s) }

// Clone returns a copy of s that the caller may wipe independently.
func (s Secret) Clone() Secret {
	if s == nil {
		return nil
	}
	c := make(Secret, len(s))
	copy(c, s)
	return c
}

// Wipe overwrites b with zeros. See Secret.Wipe.
func Wipe(b []byte) { clear(b) }

// Equal reports whether a and b are equal in time that depends only on their
// lengths. Use it for MACs, tokens and hashes.
func Equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
