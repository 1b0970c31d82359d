package client

import (
	"context"
	"time"
)

// NewAPIKey asks for an API key.
type NewAPIKey struct {
	Name   string   `json:"name"`   // a label for people, e.g. the service that uses the key
	Scopes []string `json:"scopes"` // e.g. records:read, records:write, audit:read, admin
}

// APIKey describes an API key, never its secret.
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// CreatedAPIKey is a new key with its secret, which is shown only this once.
type CreatedAPIKey struct {
	APIKey
	Secret string `json:"secret"` // the API key (stw_...): store it now
}

type apiKeyList struct {
	Keys []APIKey `json:"keys"`
}

func (l *apiKeyList) items() []APIKey { return l.Keys }

// NewTenant asks for a tenant.
type NewTenant struct {
	Name       string `json:"name"`
	HomeRegion string `json:"home_region"` // where its data lives, e.g. eu, us
}

// Tenant is an isolated workspace.
type Tenant struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	HomeRegion string `json:"home_region"`
	// Slug names the tenant's privacy center: /privacy-center/{slug}/.
	Slug      string    `json:"slug"`
	CreatedAt time.Time `json:"created_at"`
}

type tenantPatch struct {
	Slug string `json:"slug"`
}

// CreatedTenant is a new tenant and its first admin key.
type CreatedTenant struct {
	Tenant   *Tenant       `json:"tenant"`
	AdminKey CreatedAPIKey `json:"admin_key"`
}

var (
	routeCreateAPIKey = jsonRoute[NewAPIKey, CreatedAPIKey]("CreateAPIKey", "POST", "/v1/apikeys")
	routeListAPIKeys  = jsonRoute[none, apiKeyList]("ListAPIKeys", "GET", "/v1/apikeys")
	routeRevokeAPIKey = jsonRoute[none, none]("RevokeAPIKey", "DELETE", "/v1/apikeys/{id}")
	routeCreateTenant = jsonRoute[NewTenant, CreatedTenant]("CreateTenant", "POST", "/v1/tenants")
	routeSetSlug      = jsonRoute[tenantPatch, Tenant]("SetTenantSlug", "PATCH", "/v1/tenants/{id}")
)

// CreateAPIKey creates a key in the caller's tenant with at most the
// caller's scopes (needs admin).
func (c *Client) CreateAPIKey(ctx context.Context, in NewAPIKey) (*CreatedAPIKey, error) {
	return routeCreateAPIKey.call(ctx, c, in, nil)
}

// ListAPIKeys lists the tenant's keys, revoked ones included (needs admin).
func (c *Client) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	return itemsOf(routeListAPIKeys.call(ctx, c, none{}, nil))
}

// RevokeAPIKey revokes a key, effective at once (needs admin).
func (c *Client) RevokeAPIKey(ctx context.Context, id string) error {
	_, err := routeRevokeAPIKey.call(ctx, c, none{}, nil, id)
	return err
}

// CreateTenant creates a tenant and its first admin key (needs tenants:write,
// which only the operator's bootstrap key holds).
func (c *Client) CreateTenant(ctx context.Context, in NewTenant) (*CreatedTenant, error) {
	return routeCreateTenant.call(ctx, c, in, nil)
}

// SetTenantSlug changes a tenant's slug (operator only: tenants:write).
func (c *Client) SetTenantSlug(ctx context.Context, tenantID, slug string) (*Tenant, error) {
	return routeSetSlug.call(ctx, c, tenantPatch{Slug: slug}, nil, tenantID)
}
