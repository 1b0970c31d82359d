-- A subject's data key may only be wrapped by a tenant key version that
-- exists, and a version may only be destroyed when no subject needs it (see
-- the SQLite migration of the same name, which uses triggers). A foreign
-- key cannot race between replicas.
ALTER TABLE subjects ADD CONSTRAINT subjects_key_version_fkey
	FOREIGN KEY (tenant_id, key_version) REFERENCES tenant_keys (tenant_id, version);
