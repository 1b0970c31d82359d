//go:build unix

package filelock

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an flock on f. flock locks belong to the open file, so a second
// Acquire of the same path in one process is refused too.
func lock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}
