package sqlstore

import (
	"context"
	"strings"

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
	derived := t.Slug == ""
	if derived {
		t.Slug = steward.SlugFor(t.Name, t.ID)
	} else if err := steward.ValidateSlug("slug", t.Slug); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		_, err := db.w.ExecContext(ctx, `INSERT INTO tenants (id, name, home_region, slug, created_at) VALUES ($1, $2, $3, $4, $5)`,
			t.ID, t.Name, t.HomeRegion, t.Slug, micros(t.CreatedAt))
		if err == nil || !derived || attempt > 0 || !db.dialect.IsUniqueViolation(err) || db.slugFree(ctx, t.Slug) {
			return db.translate(err, "a tenant with this name already exists")
		}
		// The derived slug is another tenant's: make it unique with the
		// end of the id.
		t.Slug = strings.Trim(t.Slug[:min(len(t.Slug), 33)], "-") + "-" + t.ID[len(t.ID)-6:]
	}
}

// slugFree reports whether no tenant has the slug.
func (db *DB) slugFree(ctx context.Context, slug string) bool {
	var n int
	return db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE slug = $1`, slug).Scan(&n) == nil && n == 0
}

// TenantBySlug returns the tenant with the given slug.
func (db *DB) TenantBySlug(ctx context.Context, slug string) (*steward.Tenant, error) {
	t, err := scanTenant(db.r.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE slug = $1`, slug))
	if err != nil {
		return nil, db.missing(err, "tenant")
	}
	return t, nil
}

// SetTenantSlug changes a tenant's slug.
func (db *DB) SetTenantSlug(ctx context.Context, id, slug string) error {
	if err := steward.ValidateSlug("slug", slug); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `UPDATE tenants SET slug = $1 WHERE id = $2`, slug, id)
	if err != nil {
		return db.translate(err, "another tenant has this slug")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("tenant")
	}
	return nil
}

const tenantColumns = `id, name, home_region, slug, created_at`

func scanTenant(r rowScanner) (*steward.Tenant, error) {
	t := &steward.Tenant{}
	var created int64
	err := r.Scan(&t.ID, &t.Name, &t.HomeRegion, &t.Slug, &created)
	t.CreatedAt = fromMicros(created)
	return t, err
}

// Tenant returns the tenant with the given id.
func (db *DB) Tenant(ctx context.Context, id string) (*steward.Tenant, error) {
	t, err := scanTenant(db.r.QueryRowContext(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE id = $1`, id))
	if err != nil {
		return nil, db.translate(err, "")
	}
	return t, nil
}

// Tenants lists all tenants, oldest first.
func (db *DB) Tenants(ctx context.Context) ([]*steward.Tenant, error) {
	return collect(ctx, db, db.r, scanTenant, `SELECT `+tenantColumns+` FROM tenants ORDER BY created_at, id`)
}
