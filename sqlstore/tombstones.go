package sqlstore

import "context"

// EachSubject calls fn with the tenant and id of every subject, stopping at
// fn's first error, which it returns. It reads ids only (nothing is
// decrypted); a tombstone replay hashes them to find erased subjects that a
// restore brought back. fn must not write to the store.
func (db *DB) EachSubject(ctx context.Context, fn func(tenantID, id string) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT tenant_id, id FROM subjects`)
	if err != nil {
		return db.translate(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var tenant, id string
		if err := rows.Scan(&tenant, &id); err != nil {
			return db.translate(err, "")
		}
		if err := fn(tenant, id); err != nil {
			return err
		}
	}
	return db.translate(rows.Err(), "")
}
