package backup

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/steward-privacy/steward"
	"github.com/steward-privacy/steward/blob"
)

// Target is where a backup lives: a folder (Dir) or a bucket (any
// blob.Store, such as blob/s3 under a prefix). Names are blob keys:
// "manifest.json", "steward.db", "audit-journal/…", "files/TENANT/files/ID".
type Target interface {
	Put(ctx context.Context, name string, r io.Reader) (int64, error)
	Get(ctx context.Context, name string) (io.ReadCloser, error)
	List(ctx context.Context, prefix string, fn func(blob.Info) error) error
}

// Dir is a backup folder with a plain layout (manifest.json at its top), so
// an operator can read it with ordinary tools.
type Dir struct{ Root string }

var _ Target = Dir{}

func (d Dir) path(name string) string { return filepath.Join(d.Root, filepath.FromSlash(name)) }

// Put writes name through a temporary file, fsynced and renamed into place
// (mode 0600, folders 0700).
func (d Dir) Put(ctx context.Context, name string, r io.Reader) (n int64, err error) {
	if err := blob.ValidateKey(name); err != nil {
		return 0, err
	}
	p := d.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if n, err = io.Copy(f, blob.ContextReader(ctx, r)); err != nil {
		return n, err
	}
	if err := f.Sync(); err != nil {
		return n, err
	}
	if err := f.Close(); err != nil {
		return n, err
	}
	return n, os.Rename(f.Name(), p)
}

// Get opens name; ENOTFOUND if it is missing.
func (d Dir) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := blob.ValidateKey(name); err != nil {
		return nil, err
	}
	f, err := os.Open(d.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, steward.Errorf(steward.ENOTFOUND, "%s is missing from the backup", name)
	}
	return f, err
}

// List calls fn for every file under prefix (temporary files skipped).
func (d Dir) List(ctx context.Context, prefix string, fn func(blob.Info) error) error {
	err := filepath.WalkDir(d.Root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == d.Root {
				return fs.SkipAll
			}
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".tmp-") {
			return nil
		}
		rel, err := filepath.Rel(d.Root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		return fn(blob.Info{Key: key, Size: info.Size(), Modified: info.ModTime()})
	})
	return err
}

// Empty reports whether t holds nothing (a backup is written only to an
// empty place, so two backups never mix).
func Empty(ctx context.Context, t Target) (bool, error) {
	stop := errors.New("stop")
	err := t.List(ctx, "", func(blob.Info) error { return stop })
	if errors.Is(err, stop) {
		return false, nil
	}
	return err == nil, err
}
