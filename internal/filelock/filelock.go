// Package filelock takes exclusive advisory locks on files, so that two
// steward processes cannot own the same data at once (an audit journal, a
// single-server SQLite database whose rows the server caches). The lock is
// released when the Lock is closed or the process ends, even by kill -9.
package filelock

import (
	"errors"
	"fmt"
	"os"
)

// ErrLocked is returned when another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock is a held lock.
type Lock struct {
	f *os.File
}

// Acquire creates path (mode 0600) if needed and locks it exclusively
// without waiting. It returns an error wrapping ErrLocked when another
// process (or another Lock in this process) holds it.
func Acquire(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filelock: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Close releases the lock.
func (l *Lock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
