// Package blob defines steward's file store: a flat namespace of keys naming
// byte streams, written and read whole, of any size. The vault puts only
// ciphertext (the crypt stream format) into a Store, so a store never sees
// plaintext; adapters are a local directory (blob/local) and S3-compatible
// object storage (blob/s3), both checked by one conformance suite
// (blob/blobtest).
//
// Keys are paths of segments separated by "/", such as "t1/files/f8a3c9": they
// become file and object names, so they must never contain personal data (use
// ids). See ValidateKey for the rules.
package blob

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

// Store is a file store. Implementations are safe for concurrent use. Put and
// Get stream: memory use does not grow with the object size.
type Store interface {
	// Put stores everything r yields under key, replacing any previous object
	// atomically, and returns the number of bytes stored. If r fails, ctx is
	// cancelled or the store fails, Put returns an error and leaves no trace of
	// the new object: a reader sees either the old object or nothing.
	// Errors: EINVALID for a bad key; r's error; EUNAVAILABLE or EINTERNAL
	// from the store.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Get opens the object under key for reading; the caller closes it.
	// Errors: EINVALID for a bad key; ENOTFOUND when there is no such object.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object under key. Deleting a missing object succeeds
	// (so an interrupted erasure can simply be retried). Errors: EINVALID for a
	// bad key; EUNAVAILABLE or EINTERNAL from the store.
	Delete(ctx context.Context, key string) error
	// List calls fn for every object whose key starts with prefix ("" for all),
	// in no particular order, stopping at fn's first error, which it returns.
	// Errors: EINVALID for a bad prefix (see ValidatePrefix).
	List(ctx context.Context, prefix string, fn func(Info) error) error
	// RemoveLeftovers deletes what Puts interrupted by a crash left behind
	// (the local store's ".tmp-*" files, S3's incomplete multipart uploads)
	// that were started before before, calling fn (which may be nil) for each
	// one removed; a Put in progress is younger than any sensible before.
	// It never touches a stored object. Errors: EUNAVAILABLE or EINTERNAL
	// from the store, or fn's first error.
	RemoveLeftovers(ctx context.Context, before time.Time, fn func(Leftover) error) error
}

// Info describes a stored object.
type Info struct {
	Key  string
	Size int64
	// Modified is when the object was last written (stored whole).
	Modified time.Time
}

// Leftover describes a partial upload removed by RemoveLeftovers.
type Leftover struct {
	// Key is the key the upload was for (S3), or the prefix of the folder
	// its temporary file was in (local store: "t1/files"); either way its
	// first segment is the tenant id in steward's layout.
	Key  string
	Size int64
}

// MaxKeyLen is the longest key accepted, in bytes.
const MaxKeyLen = 512

// ValidateKey returns an EINVALID error unless key is 1 to MaxKeyLen bytes of
// segments separated by single slashes, each segment made of ASCII letters,
// digits, '-', '_', '.' and '=', and not starting with '.' (which rules out
// "." and ".." and the stores' temporary files). So no key is absolute, climbs
// out of a directory, or needs escaping in a file or object name. The error
// never repeats the key.
func ValidateKey(key string) error {
	if key == "" {
		return invalid("is empty")
	}
	if err := checkPath(key); err != nil {
		return err
	}
	if strings.HasSuffix(key, "/") {
		return invalid("ends with '/'")
	}
	return nil
}

// ValidatePrefix returns an EINVALID error unless prefix is "" or could begin
// a valid key: the rules of ValidateKey, except that it may end with "/" or in
// the middle of a segment.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return checkPath(prefix)
}

// checkPath applies the rules shared by keys and prefixes.
func checkPath(s string) error {
	if len(s) > MaxKeyLen {
		return invalid("is longer than 512 bytes")
	}
	segStart := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/':
			if segStart {
				return invalid("has an empty segment (leading '/' or '//')")
			}
			segStart = true
			continue
		case c == '.' && segStart:
			return invalid("has a segment starting with '.'")
		case !keyChar(c):
			return invalid("contains a character other than letters, digits, '-', '_', '.', '=' and '/'")
		}
		segStart = false
	}
	return nil
}

func keyChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '='
}

func invalid(why string) error {
	return &steward.Error{Code: steward.EINVALID, Message: "invalid blob key: " + why,
		Fields: []steward.FieldError{{Path: "key", Message: why}}}
}

// ContextReader returns a reader that fails with ctx's error once ctx is done,
// checked before every read, so that copying a slow or endless source stops
// on cancellation.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return &ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
