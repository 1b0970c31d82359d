package audit

// JournalWrites reports, for tests, how many journal writes l has made and
// how many of them are known to be on disk (Options.JournalSync).
func JournalWrites(l *Log) (written, synced int64) {
	l.jmu.Lock()
	defer l.jmu.Unlock()
	return l.jwritten, l.jsynced
}
