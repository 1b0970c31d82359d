// Package local is a blob.Store in a directory on local disk.
//
// Layout: the object under key "a/b/name" is the file
// <root>/a/b/@<xx>/name, where xx is the first byte of SHA-256(key) in hex. The
// shard directories ("@" never occurs in keys) keep any one directory to a few
// thousand entries even with millions of objects under one prefix, while a
// prefix still maps to one subtree for List.
//
// Put writes to a temporary file (".tmp-*", mode 0600) in the object's own
// directory, fsyncs it, renames it over the object and fsyncs the directory, so
// a reader sees the old object or the new one, never a mix, and a crash loses
// at most the upload in progress. A failed or cancelled Put removes its
// temporary file. Directories are created with mode 0700, files 0600. The
// files hold only what callers write, which in steward is ciphertext.
package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
)

// Store is a blob.Store in a directory. It is safe for concurrent use.
type Store struct {
	root string
}

var _ blob.Store = (*Store)(nil)

// Open returns a store rooted at dir, creating it with mode 0700 if needed.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, steward.Errorf(steward.EINVALID, "blob directory is not set")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, steward.Errorf(steward.EINVALID, "blob directory %s: %v", dir, err)
	}
	if err := mkdirs(abs); err != nil {
		return nil, err
	}
	return &Store{root: abs}, nil
}

// Root returns the store's directory.
func (s *Store) Root() string { return s.root }

// path returns the file of key, which must be valid.
func (s *Store) path(key string) string {
	dir, name := "", key
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		dir, name = key[:i], key[i+1:]
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(s.root, filepath.FromSlash(dir), "@"+hex.EncodeToString(sum[:1]), name)
}

// copyBufs recycles the buffers Put copies through.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	if err := blob.ValidateKey(key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	final := s.path(key)
	dir := filepath.Dir(final)
	if err := mkdirs(dir); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(dir, ".tmp-*") // mode 0600
	if err != nil {
		return 0, ioError("create temp file", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bp := copyBufs.Get().(*[]byte)
	n, err = io.CopyBuffer(onlyWriter{f}, blob.ContextReader(ctx, r), *bp)
	copyBufs.Put(bp)
	if err != nil {
		return n, err
	}
	if err := f.Sync(); err != nil {
		return n, ioError("sync", err)
	}
	if err := f.Close(); err != nil {
		return n, ioError("close", err)
	}
	if err := ctx.Err(); err != nil {
		return n, err
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return n, ioError("rename", err)
	}
	return n, syncDir(dir)
}

// onlyWriter hides *os.File's ReadFrom so that io.CopyBuffer uses our buffer
// and the context check on every read.
type onlyWriter struct{ io.Writer }

// Get implements blob.Store. The returned reader is the file itself.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := blob.ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, steward.Errorf(steward.ENOTFOUND, "blob not found")
	}
	if err != nil {
		return nil, ioError("open", err)
	}
	return f, nil
}

// Delete implements blob.Store: it removes the file and fsyncs its directory,
// so an erasure is durable when Delete returns.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := s.path(key)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return ioError("remove", err)
	}
	return syncDir(filepath.Dir(p))
}

// List implements blob.Store by walking the subtree named by prefix.
func (s *Store) List(ctx context.Context, prefix string, fn func(blob.Info) error) error {
	if err := blob.ValidatePrefix(prefix); err != nil {
		return err
	}
	base := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		base = prefix[:i]
	}
	start := filepath.Join(s.root, filepath.FromSlash(base))
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == start {
				return fs.SkipAll // nothing under this prefix
			}
			return ioError("list", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		key, ok := s.keyOf(p, d)
		if !ok || !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while listing
		} else if err != nil {
			return ioError("stat", err)
		}
		return fn(blob.Info{Key: key, Size: info.Size(), Modified: info.ModTime()})
	})
	return err
}

// RemoveLeftovers implements blob.Store: it removes the ".tmp-*" files of
// Puts that a crash interrupted, last written before before, and fsyncs
// their folders.
func (s *Store) RemoveLeftovers(ctx context.Context, before time.Time, fn func(blob.Leftover) error) error {
	return filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return ioError("walk", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || !strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // renamed into place meanwhile
		} else if err != nil {
			return ioError("stat", err)
		}
		if !info.ModTime().Before(before) {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return ioError("remove", err)
		}
		if err := syncDir(filepath.Dir(p)); err != nil {
			return err
		}
		if fn == nil {
			return nil
		}
		return fn(blob.Leftover{Key: s.prefixOf(filepath.Dir(p)), Size: info.Size()})
	})
}

// prefixOf returns the key prefix of a shard folder: <root>/t1/files/@ab
// gives "t1/files".
func (s *Store) prefixOf(dir string) string {
	rel, err := filepath.Rel(s.root, dir)
	if err != nil || rel == "." {
		return ""
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if strings.HasPrefix(parts[len(parts)-1], "@") {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, "/")
}

// keyOf returns the key an object file at p stores, and false for anything
// that is not an object (directories, temporary files).
func (s *Store) keyOf(p string, d fs.DirEntry) (string, bool) {
	if d.IsDir() || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
		return "", false
	}
	rel, err := filepath.Rel(s.root, p)
	if err != nil {
		return "", false
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if len(parts) < 2 || !strings.HasPrefix(parts[len(parts)-2], "@") {
		return "", false
	}
	return strings.Join(append(parts[:len(parts)-2:len(parts)-2], parts[len(parts)-1]), "/"), true
}

// mkdirs creates dir and its missing parents with mode 0700, fsyncing each
// parent that gained an entry, so a new object's path survives a crash.
func mkdirs(dir string) error {
	info, err := os.Stat(dir)
	if err == nil {
		if !info.IsDir() {
			return steward.Errorf(steward.EINTERNAL, "blob store: %s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return ioError("stat", err)
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirs(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return ioError("mkdir", err)
	}
	return syncDir(parent)
}

// syncDir fsyncs a directory so that entries created, renamed or removed in it
// are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return ioError("open directory", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return ioError("sync directory", err)
	}
	return nil
}

// ioError wraps a file system error with EINTERNAL; paths hold only keys,
// which never contain personal data.
func ioError(op string, err error) error {
	return &steward.Error{Code: steward.EINTERNAL, Message: fmt.Sprintf("blob store: %s failed", op), Cause: err}
}
