-- A tenant's slug names it in public URLs (its privacy center at
-- /privacy-center/{slug}/); existing tenants get one from their id, which
-- the operator may change (PATCH /v1/tenants/{id}).
ALTER TABLE tenants ADD COLUMN slug TEXT;
UPDATE tenants SET slug = lower(replace(id, '_', '-'));
CREATE UNIQUE INDEX tenants_slug ON tenants (slug);
