//go:build !unix

package filelock

import "os"

// lock is a no-op where flock is not available: steward's servers run on
// Unix; elsewhere the operator must not start two on one data folder.
func lock(*os.File) error { return nil }
