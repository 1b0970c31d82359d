package sqlstore

import "context"

// Exec1 exposes exec1 (batched single-statement writes) to the tests.
func (db *DB) Exec1(ctx context.Context, q string, args ...any) (int64, error) {
	return db.exec1(ctx, q, args...)
}

// SetLedgerBounds sets the bounds of the ledger's recent tier (see
// ledger_memory.go) until the test ends.
func SetLedgerBounds(t interface{ Cleanup(func()) }, mergeRows, maxGap int64, memoryRows int) {
	old1, old2, old3 := ledgerMergeRows, ledgerMaxGap, ledgerMemoryRows
	ledgerMergeRows, ledgerMaxGap, ledgerMemoryRows = mergeRows, maxGap, memoryRows
	t.Cleanup(func() { ledgerMergeRows, ledgerMaxGap, ledgerMemoryRows = old1, old2, old3 })
}

// FailRecordGroups makes every grouped record statement fail with err
// until the test ends (the writes are then retried alone).
func FailRecordGroups(t interface{ Cleanup(func()) }, err error) {
	groupFault = func() error { return err }
	t.Cleanup(func() { groupFault = nil })
}

// PutRecordGroupSQL is the statement of a group of record writes on
// PostgreSQL, for a test of its plan.
const PutRecordGroupSQL = putRecordGroupSQL

// PutRecordSQL is the statement of one record write alone.
const PutRecordSQL = putRecordSQL

// ExpireRecordsSQL is the retention job's query, for a test of its plan.
var ExpireRecordsSQL = expireRecordsSQL
