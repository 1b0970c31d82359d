package steward

import (
	"context"
	"time"
)

// APIKey is the stored description of an API key. The secret itself is
// shown once at creation and stored only as a keyed hash (HMAC-SHA-256
// under a server secret), never in plaintext.
type APIKey struct {
	ID         string     `json:"id"`
	TenantID   string     `json:"tenant_id"`
	Name       string     `json:"name"`
	Scopes     Scopes     `json:"scopes"`
	Hash       []byte     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the key may still be used.
func (k *APIKey) Active() bool { return k.RevokedAt == nil }

// APIKeyStore keeps API keys.
//
// CreateAPIKey returns ECONFLICT on a duplicate hash (never in practice).
// APIKeyByHash returns ENOTFOUND when no key has that hash; it returns revoked
// keys too, so the caller can tell revoked from unknown in its logs.
// RevokeAPIKey returns ENOTFOUND if the key is not in the tenant.
type APIKeyStore interface {
	CreateAPIKey(ctx context.Context, k *APIKey) error
	APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	APIKeys(ctx context.Context, tenantID string) ([]*APIKey, error)
	RevokeAPIKey(ctx context.Context, tenantID, id string, at time.Time) error
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}
