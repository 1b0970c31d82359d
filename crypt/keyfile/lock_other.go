//go:build !unix

package keyfile

// lockFile is a no-op where flock is unavailable: rotations are then serialized
// within one process only (by the Provider's mutex).
func lockFile(string) (func(), error) { return func() {}, nil }
