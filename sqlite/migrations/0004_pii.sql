-- Pseudonymization mappings: sealed (AES-256-GCM under a per-tenant key),
-- filed under a keyed hash of tenant and conversation, expiring.
CREATE TABLE pii_mappings (
	key        TEXT PRIMARY KEY,
	sealed     BLOB NOT NULL,
	version    BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX pii_mappings_expiry ON pii_mappings (expires_at);
