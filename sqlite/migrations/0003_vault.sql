-- The vault: tenant keys, subjects, records, files, consents, secrets.
-- Only ciphertext, wrapped keys and keyed blind indexes are stored.
CREATE TABLE tenant_keys (
	tenant_id  TEXT NOT NULL REFERENCES tenants (id),
	version    INTEGER NOT NULL,
	wrapped    BLOB NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, version)
);

CREATE TABLE subjects (
	id                  TEXT PRIMARY KEY,
	tenant_id           TEXT NOT NULL REFERENCES tenants (id),
	external_index      BLOB NOT NULL,
	email_index         BLOB,
	phone_index         BLOB,
	sealed              BLOB NOT NULL,
	region              TEXT NOT NULL,
	below_minimum_age   INTEGER NOT NULL DEFAULT 0,
	restricted          INTEGER NOT NULL DEFAULT 0,
	objected            INTEGER NOT NULL DEFAULT 0,
	staff_access_agreed INTEGER NOT NULL DEFAULT 0,
	wrapped_key         BLOB NOT NULL,
	key_version         INTEGER NOT NULL,
	created_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX subjects_external ON subjects (tenant_id, external_index);
CREATE UNIQUE INDEX subjects_email ON subjects (tenant_id, email_index);
CREATE UNIQUE INDEX subjects_phone ON subjects (tenant_id, phone_index);
CREATE INDEX subjects_key_version ON subjects (tenant_id, key_version);

CREATE TABLE records (
	subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
	category   TEXT NOT NULL,
	tenant_id  TEXT NOT NULL,
	sealed     BLOB NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (subject_id, category)
);
CREATE INDEX records_retention ON records (category, updated_at);

CREATE TABLE files (
	id         TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
	category   TEXT NOT NULL,
	size       BIGINT NOT NULL,
	sealed_sha BLOB NOT NULL,
	ephemeral  INTEGER NOT NULL,
	blob_key   TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT
);
CREATE INDEX files_subject ON files (subject_id);
CREATE INDEX files_expiry ON files (expires_at);

CREATE TABLE consents (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id      TEXT NOT NULL,
	subject_id     TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
	purpose        TEXT NOT NULL,
	processor      TEXT NOT NULL,
	granted        INTEGER NOT NULL,
	policy_version TEXT NOT NULL,
	channel        TEXT NOT NULL,
	at             BIGINT NOT NULL
);
CREATE INDEX consents_subject ON consents (subject_id, id);

CREATE TABLE secrets (
	tenant_id  TEXT NOT NULL REFERENCES tenants (id),
	name       TEXT NOT NULL,
	sealed     BLOB NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, name)
);

-- Blobs whose deletion from the file store is still owed (after an erasure
-- or a file delete whose store call failed); a job retries them.
CREATE TABLE blob_deletions (
	blob_key   TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	queued_at  BIGINT NOT NULL
);
