package sqlstore

import "context"

// Exec1 exposes exec1 (batched single-statement writes) to the tests.
func (db *DB) Exec1(ctx context.Context, q string, args ...any) (int64, error) {
	return db.exec1(ctx, q, args...)
}
