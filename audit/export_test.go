package audit

// SetSegments makes Verify cut chains into segments of size events, up to
// n of them, whatever the number of CPUs; it returns a function restoring
// the defaults.
func SetSegments(size int64, n int) (restore func()) {
	oldSize, oldN := segmentSize, maxSegments
	segmentSize, maxSegments = size, n
	return func() { segmentSize, maxSegments = oldSize, oldN }
}

// BreakJournal closes the journal's current file, so that its writes fail.
func BreakJournal(l *Log) {
	l.jmu.Lock()
	l.journal.f.Close()
	l.jmu.Unlock()
}

// JournalFailing reports whether appends fall back to direct stores.
func JournalFailing(l *Log) bool { return l.journalFailing.Load() }
