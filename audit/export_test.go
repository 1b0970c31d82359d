package audit

// SetSegments makes Verify cut chains into segments of size events, up to
// n of them, whatever the number of CPUs; it returns a function restoring
// the defaults.
func SetSegments(size int64, n int) (restore func()) {
	oldSize, oldN := segmentSize, maxSegments
	segmentSize, maxSegments = size, n
	return func() { segmentSize, maxSegments = oldSize, oldN }
}
