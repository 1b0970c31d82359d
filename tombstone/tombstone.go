// Package tombstone keeps erasures erased across a restore. Every erasure
// first appends a tombstone, a keyed hash of the tenant and subject id
// (HMAC-SHA-256 under a key derived from the master key, so the file holds
// no personal value and cannot be tested against guessed ids without the
// key), to a file that backups never contain and a restore never
// overwrites. Restoring an older backup then replays the file: every
// subject in the restored database whose hash is in it is erased again.
//
// The file is text: a header line, then one line of 64 hex digits per
// erasure, each appended with one write and fsynced before the erasure
// proceeds. A last line cut short by a crash is ignored; any other damage
// is refused with the line number.
package tombstone

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/crypt"
)

// KeyLabel is the crypt.KeyDeriver label of the tombstone key. A derived
// key does not change when the master key is rotated, so old tombstones
// keep matching.
const KeyLabel = "erasure-tombstones"

// header is the file's first line.
const header = "steward erasure tombstones v1\n"

// lineLen is the length of a tombstone line with its newline.
const lineLen = 2*sha256.Size + 1

// Hash is a tombstone: the keyed hash of a tenant and subject id.
type Hash [sha256.Size]byte

// Hasher computes tombstones under one key.
type Hasher struct{ key crypt.Secret }

// NewHasher returns a hasher for key (see KeyLabel); EINVALID if the key is
// shorter than 32 bytes.
func NewHasher(key crypt.Secret) (*Hasher, error) {
	if len(key) < 32 {
		return nil, steward.Errorf(steward.EINVALID, "tombstone key must be at least 32 bytes")
	}
	return &Hasher{key: key}, nil
}

// Sum returns the tombstone of a subject of a tenant. The ids are
// length-prefixed, so no two pairs share an input.
func (h *Hasher) Sum(tenantID, subjectID string) Hash {
	m := hmac.New(sha256.New, h.key)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(tenantID)))
	m.Write(n[:])
	m.Write([]byte(tenantID))
	m.Write([]byte(subjectID))
	var out Hash
	m.Sum(out[:0])
	return out
}

// Set is a set of tombstones.
type Set map[Hash]struct{}

// File is an open tombstone file. It is safe for concurrent use by one
// process; several processes (replicas) each keep their own file.
type File struct {
	mu   sync.Mutex
	f    *os.File
	h    *Hasher
	path string
	have Set // what the file holds, so Merge adds only what is new
}

// Open opens the tombstone file at path for appending, creating it (mode
// 0600, its folder 0700) with its header if it does not exist, and reads what
// it holds. Errors name the file and, for damage, the line.
func Open(path string, h *Hasher) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("tombstones: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("tombstones: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("tombstones: %w", err)
	}
	if info.Size() == 0 {
		if err := writeSync(f, []byte(header)); err != nil {
			f.Close()
			return nil, fmt.Errorf("tombstones %s: %w", path, err)
		}
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, fmt.Errorf("tombstones %s: %w", path, err)
		}
	}
	set, torn, err := read(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	if torn > 0 {
		// A crash cut the last append short: drop the fragment so the next
		// line starts where it should. That erasure never reported success.
		if err := f.Truncate(info.Size() - torn); err != nil {
			f.Close()
			return nil, fmt.Errorf("tombstones %s: %w", path, err)
		}
	}
	return &File{f: f, h: h, path: path, have: set}, nil
}

// Path returns the file's path.
func (t *File) Path() string { return t.path }

// Len returns how many tombstones the file holds.
func (t *File) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.have)
}

// Set returns a copy of the tombstones the file holds.
func (t *File) Set() Set {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(Set, len(t.have))
	for h := range t.have {
		out[h] = struct{}{}
	}
	return out
}

// Hasher returns the file's hasher.
func (t *File) Hasher() *Hasher { return t.h }

// Append records the erasure of a subject and returns once the tombstone is
// on disk (fsynced). Call it before erasing: a tombstone of a subject that
// still exists is replayed harmlessly, an erasure without one would come
// back with an older backup. Errors are EINTERNAL.
func (t *File) Append(ctx context.Context, tenantID, subjectID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := t.add([]Hash{t.h.Sum(tenantID, subjectID)}, false)
	return err
}

// Merge appends the tombstones of set the file does not hold yet (a restore
// carries an old server's tombstones over to the new file) and returns how
// many it added.
func (t *File) Merge(set Set) (int, error) {
	hs := make([]Hash, 0, len(set))
	for h := range set {
		hs = append(hs, h)
	}
	return t.add(hs, true)
}

// add appends hs; with skipKnown, only those the file does not hold (an
// erasure retried appends its tombstone again, which is harmless).
func (t *File) add(hs []Hash, skipKnown bool) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	buf := make([]byte, 0, len(hs)*lineLen)
	var added []Hash
	for _, h := range hs {
		if _, ok := t.have[h]; ok && skipKnown {
			continue
		}
		buf = hex.AppendEncode(buf, h[:])
		buf = append(buf, '\n')
		added = append(added, h)
	}
	if len(added) == 0 {
		return 0, nil
	}
	if err := writeSync(t.f, buf); err != nil {
		return 0, &steward.Error{Code: steward.EINTERNAL, Message: "tombstone file: write failed", Cause: err}
	}
	for _, h := range added {
		t.have[h] = struct{}{}
	}
	return len(added), nil
}

// Close closes the file.
func (t *File) Close() error { return t.f.Close() }

// Read reads the tombstones of the file at path (ignoring a last line cut
// short). A missing file is an error that wraps fs.ErrNotExist.
func Read(path string) (Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tombstones: %w", err)
	}
	defer f.Close()
	set, _, err := read(f, path)
	return set, err
}

// read parses a tombstone file from its start and returns its set and the
// length of a torn last line (0 if none).
func read(f *os.File, path string) (Set, int64, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, fmt.Errorf("tombstones %s: %w", path, err)
	}
	r := bufio.NewReader(f)
	first, err := r.ReadString('\n')
	if err != nil || first != header {
		return nil, 0, fmt.Errorf("tombstones %s: line 1: not a steward tombstone file", path)
	}
	set := Set{}
	for line := 2; ; line++ {
		b, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return set, int64(len(b)), nil // a torn last append, or nothing
		}
		if err != nil {
			return nil, 0, fmt.Errorf("tombstones %s: %w", path, err)
		}
		var h Hash
		if len(b) != lineLen {
			return nil, 0, fmt.Errorf("tombstones %s: line %d: want %d hex digits", path, line, 2*sha256.Size)
		}
		if _, err := hex.Decode(h[:], b[:lineLen-1]); err != nil {
			return nil, 0, fmt.Errorf("tombstones %s: line %d: not hex", path, line)
		}
		set[h] = struct{}{}
	}
}

// Replay finds the subjects that have a tombstone in set, listing every
// subject with each (tenant and id; ids only, nothing is decrypted), and
// calls erase for each one found, after the listing ends. It returns how
// many it erased. Its cost grows with the number of subjects: one HMAC each.
func Replay(ctx context.Context, set Set, h *Hasher,
	each func(ctx context.Context, fn func(tenantID, subjectID string) error) error,
	erase func(ctx context.Context, tenantID, subjectID string) error) (int, error) {
	if len(set) == 0 {
		return 0, nil
	}
	type subject struct{ tenant, id string }
	var found []subject
	err := each(ctx, func(tenantID, subjectID string) error {
		if _, ok := set[h.Sum(tenantID, subjectID)]; ok {
			found = append(found, subject{tenantID, subjectID})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for i, s := range found {
		if err := erase(ctx, s.tenant, s.id); err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return i, err
		}
	}
	return len(found), nil
}

// IsNotExist reports whether err says a tombstone file does not exist.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func writeSync(f *os.File, b []byte) error {
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
