package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/steward-privacy/steward"
)

var _ steward.APIKeyStore = (*DB)(nil)

const apiKeyColumns = `id, tenant_id, name, scopes, hash, created_at, created_by, last_used_at, revoked_at`

// CreateAPIKey inserts k, assigning its ID if empty.
func (db *DB) CreateAPIKey(ctx context.Context, k *steward.APIKey) error {
	if k.ID == "" {
		k.ID = steward.NewID("key")
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		k.ID, k.TenantID, k.Name, k.Scopes.String(), k.Hash, micros(k.CreatedAt), k.CreatedBy,
		nullMicros(k.LastUsedAt), nullMicros(k.RevokedAt))
	return db.translate(err, "an API key with this hash already exists")
}

// APIKeyByHash finds a key by the keyed hash of its secret.
func (db *DB) APIKeyByHash(ctx context.Context, hash []byte) (*steward.APIKey, error) {
	k, err := scanAPIKey(db.r.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if err != nil {
		return nil, db.translate(err, "")
	}
	return k, nil
}

// APIKeys lists a tenant's keys, newest first.
func (db *DB) APIKeys(ctx context.Context, tenantID string) ([]*steward.APIKey, error) {
	return collect(ctx, db, db.r, scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id`, tenantID)
}

// RevokeAPIKey marks a key of the tenant revoked. Revoking twice keeps the
// first time.
func (db *DB) RevokeAPIKey(ctx context.Context, tenantID, id string, at time.Time) error {
	res, err := db.w.ExecContext(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE tenant_id = $2 AND id = $3`,
		micros(at), tenantID, id)
	if err != nil {
		return db.translate(err, "")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("API key")
	}
	return nil
}

// TouchAPIKey records the key's last use.
func (db *DB) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := db.w.execKeep(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, micros(at), id)
	return db.translate(err, "")
}

type rowScanner interface{ Scan(dest ...any) error }

func scanAPIKey(row rowScanner) (*steward.APIKey, error) {
	k := &steward.APIKey{}
	var scopes string
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&k.ID, &k.TenantID, &k.Name, &scopes, &k.Hash, &created, &k.CreatedBy, &used, &revoked); err != nil {
		return nil, err
	}
	for _, s := range strings.Fields(scopes) {
		k.Scopes = append(k.Scopes, steward.Scope(s))
	}
	k.CreatedAt = fromMicros(created)
	k.LastUsedAt = timePtr(used)
	k.RevokedAt = timePtr(revoked)
	return k, nil
}
