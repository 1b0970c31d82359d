package sqlstore

import (
	"context"
	"time"

	"github.com/steward-privacy/steward"
)

// PIIMappings is the pseudonymization mapping store on the database, so
// that every replica can re-identify a conversation another one
// pseudonymized. It implements pii.Store; it only ever holds ciphertext.
type PIIMappings struct {
	db  *DB
	now func() time.Time
}

// PIIMappings returns the mapping store; now is the clock for expiry.
func (db *DB) PIIMappings(now func() time.Time) *PIIMappings { return &PIIMappings{db: db, now: now} }

// Get returns a live mapping and its version; ENOTFOUND if none or expired.
func (m *PIIMappings) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	var sealed []byte
	var version int64
	err := m.db.r.QueryRowContext(ctx, `SELECT sealed, version FROM pii_mappings WHERE key = $1 AND expires_at > $2`,
		key, micros(m.now())).Scan(&sealed, &version)
	if err != nil {
		return nil, 0, m.db.missing(err, "mapping")
	}
	return sealed, uint64(version), nil
}

// Put stores a mapping if the stored version is still prev (0: none, or an
// expired one), and returns the new version; ECONFLICT otherwise.
func (m *PIIMappings) Put(ctx context.Context, key string, sealed []byte, prev uint64, expires time.Time) (uint64, error) {
	next := int64(prev) + 1
	conflict := steward.Errorf(steward.ECONFLICT, "the mapping changed meanwhile")
	if prev == 0 {
		// Replace an expired row, or insert.
		res, err := m.db.w.execKeep(ctx, `INSERT INTO pii_mappings (key, sealed, version, expires_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET sealed = excluded.sealed, version = excluded.version, expires_at = excluded.expires_at
			WHERE pii_mappings.expires_at <= $5`, key, sealed, next, micros(expires), micros(m.now()))
		if err != nil {
			return 0, m.db.translate(err, "")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, conflict
		}
		return uint64(next), nil
	}
	res, err := m.db.w.execKeep(ctx, `UPDATE pii_mappings SET sealed = $1, version = $2, expires_at = $3 WHERE key = $4 AND version = $5`,
		sealed, next, micros(expires), key, int64(prev))
	if err != nil {
		return 0, m.db.translate(err, "")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, conflict
	}
	return uint64(next), nil
}

// Delete removes a mapping.
func (m *PIIMappings) Delete(ctx context.Context, key string) error {
	_, err := m.db.w.execKeep(ctx, `DELETE FROM pii_mappings WHERE key = $1`, key)
	return m.db.translate(err, "")
}

// Purge deletes expired mappings and returns how many.
func (m *PIIMappings) Purge(ctx context.Context) (int, error) {
	res, err := m.db.w.execKeep(ctx, `DELETE FROM pii_mappings WHERE expires_at <= $1`, micros(m.now()))
	if err != nil {
		return 0, m.db.translate(err, "")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
