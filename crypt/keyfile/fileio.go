package keyfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/steward-privacy/steward"
)

// maxFileSize bounds what Open reads: a key file with thousands of versions is
// still far below it.
const maxFileSize = 1 << 20

// readFile checks the permissions and type of the key file and reads it. It
// returns fs.ErrNotExist (wrapped) when there is no file.
func readFile(path string) ([]byte, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		return nil, nil, steward.Errorf(steward.EINVALID, "open key file %s: %v", path, unwrapPathError(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, steward.Errorf(steward.EINTERNAL, "stat key file %s: %v", path, unwrapPathError(err))
	}
	if err := checkMode(path, info); err != nil {
		return nil, nil, err
	}
	if info.Size() > maxFileSize {
		return nil, nil, steward.Errorf(steward.EINVALID, "key file %s is malformed: larger than %d bytes", path, maxFileSize)
	}
	data := make([]byte, info.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, nil, steward.Errorf(steward.EINTERNAL, "read key file %s: %v", path, unwrapPathError(err))
	}
	return data, info, nil
}

// checkMode refuses a key file that is not a regular file or on which group
// or others have any permission (like ssh with private keys).
func checkMode(path string, info os.FileInfo) error {
	if !info.Mode().IsRegular() {
		return steward.Errorf(steward.EINVALID, "key file %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return steward.Errorf(steward.EINVALID,
			"key file %s has mode %04o: group or others have access to it; fix it with: chmod 600 %s",
			path, perm, path)
	}
	return nil
}

// writeNew publishes data at path only if no file exists there: it writes a
// 0600 temp file (O_EXCL), syncs it, hard-links it to path (which fails if path
// exists, so two starting processes cannot both create a key) and syncs the
// directory. It reports fs.ErrExist if another process won.
func writeNew(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		return steward.Errorf(steward.EINTERNAL, "create key file %s: %v", path, unwrapPathError(err))
	}
	return syncDir(filepath.Dir(path))
}

// replace atomically replaces path with data: temp file, sync, rename, sync dir.
func replace(path string, data []byte) error {
	tmp, err := writeTemp(path, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return steward.Errorf(steward.EINTERNAL, "replace key file %s: %v", path, unwrapPathError(err))
	}
	return syncDir(filepath.Dir(path))
}

// writeTemp writes data to a new 0600 file beside path and syncs it.
func writeTemp(path string, data []byte) (string, error) {
	var r [8]byte
	_, _ = rand.Read(r[:])
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(r[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", steward.Errorf(steward.EINTERNAL, "create temp key file in %s: %v", filepath.Dir(path), unwrapPathError(err))
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return "", steward.Errorf(steward.EINTERNAL, "write temp key file in %s: %v", filepath.Dir(path), err)
	}
	return tmp, nil
}

// syncDir makes a rename or link in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return steward.Errorf(steward.EINTERNAL, "open directory %s: %v", dir, unwrapPathError(err))
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return steward.Errorf(steward.EINTERNAL, "sync directory %s: %v", dir, err)
	}
	return nil
}

// unwrapPathError drops the path from an *fs.PathError, which the callers
// already name.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
