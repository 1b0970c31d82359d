package steward

import (
	"context"
	"time"
)

// Tenant is an isolated workspace: one customer organisation of the AI
// service, or the service itself. Nothing crosses tenants.
type Tenant struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	HomeRegion string    `json:"home_region"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate checks the fields a caller supplies.
func (t *Tenant) Validate() error {
	if err := ValidateName("name", t.Name); err != nil {
		return err
	}
	return ValidateRegion("home_region", t.HomeRegion)
}

// TenantStore keeps tenants.
//
// CreateTenant returns ECONFLICT if the name is taken. Tenant returns
// ENOTFOUND for an unknown id.
type TenantStore interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	Tenant(ctx context.Context, id string) (*Tenant, error)
	Tenants(ctx context.Context) ([]*Tenant, error)
}
