package sqlstore

import (
	"context"

	"github.com/steward-privacy/steward"
)

var _ steward.TenantStore = (*DB)(nil)

// CreateTenant inserts t, assigning its ID if empty.
func (db *DB) CreateTenant(ctx context.Context, t *steward.Tenant) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if t.ID == "" {
		t.ID = steward.NewID("ten")
	}
	_, err := db.w.ExecContext(ctx, `INSERT INTO tenants (id, name, home_region, created_at) VALUES ($1, $2, $3, $4)`,
		t.ID, t.Name, t.HomeRegion, micros(t.CreatedAt))
	return db.translate(err, "a tenant with this name already exists")
}

// Tenant returns the tenant with the given id.
func (db *DB) Tenant(ctx context.Context, id string) (*steward.Tenant, error) {
	t := &steward.Tenant{ID: id}
	var created int64
	err := db.r.QueryRowContext(ctx, `SELECT name, home_region, created_at FROM tenants WHERE id = $1`, id).
		Scan(&t.Name, &t.HomeRegion, &created)
	if err != nil {
		return nil, db.translate(err, "")
	}
	t.CreatedAt = fromMicros(created)
	return t, nil
}

// Tenants lists all tenants, oldest first.
func (db *DB) Tenants(ctx context.Context) ([]*steward.Tenant, error) {
	return collect(ctx, db, db.r, func(r rowScanner) (*steward.Tenant, error) {
		t := &steward.Tenant{}
		var created int64
		err := r.Scan(&t.ID, &t.Name, &t.HomeRegion, &created)
		t.CreatedAt = fromMicros(created)
		return t, err
	}, `SELECT id, name, home_region, created_at FROM tenants ORDER BY created_at, id`)
}
