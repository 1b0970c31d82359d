//go:build unix

package keyfile

import (
	"os"
	"syscall"

	"github.com/steward-privacy/steward"
)

// lockFile takes an exclusive advisory lock on path+".lock" so that a rotation
// by `steward keys rotate` and one by a running server do not interleave. The
// lock file is never deleted (deleting it would let two holders lock different
// inodes).
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, steward.Errorf(steward.EINTERNAL, "open lock file for %s: %v", path, unwrapPathError(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, steward.Errorf(steward.EINTERNAL, "lock %s.lock: %v", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
