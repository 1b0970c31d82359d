-- Tenants, API keys, staff accounts and their sessions.
-- Times are unix microseconds (BIGINT); secrets are stored only as keyed
-- hashes or ciphertext (BYTEA).
CREATE TABLE tenants (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	home_region TEXT NOT NULL,
	created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
	id           TEXT PRIMARY KEY,
	tenant_id    TEXT NOT NULL REFERENCES tenants (id),
	name         TEXT NOT NULL,
	scopes       TEXT NOT NULL,
	hash         BYTEA NOT NULL UNIQUE,
	created_at   BIGINT NOT NULL,
	created_by   TEXT NOT NULL,
	last_used_at BIGINT,
	revoked_at   BIGINT
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE staff (
	id              TEXT PRIMARY KEY,
	tenant_id       TEXT NOT NULL REFERENCES tenants (id),
	email_index     BYTEA NOT NULL,
	email_sealed    BYTEA NOT NULL,
	password_hash   TEXT NOT NULL,
	role            TEXT NOT NULL,
	totp_sealed     BYTEA,
	totp_enabled    INTEGER NOT NULL DEFAULT 0,
	failed_attempts INTEGER NOT NULL DEFAULT 0,
	locked_until    BIGINT,
	created_at      BIGINT NOT NULL,
	disabled_at     BIGINT,
	UNIQUE (tenant_id, email_index)
);

CREATE TABLE staff_sessions (
	hash       BYTEA PRIMARY KEY,
	staff_id   TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	tenant_id  TEXT NOT NULL REFERENCES tenants (id),
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);

-- A single-row lock table: the migrator and leases lock rows here.
CREATE TABLE steward_locks (
	name TEXT PRIMARY KEY
);
