-- A subject's data key may only be wrapped by a tenant key version that
-- exists, and a version may only be destroyed when no subject needs it. A
-- server whose cached keys are older than a rotation's grace would
-- otherwise store a new subject under a version the rotation is about to
-- destroy, losing it. SQLite has one writer at a time, so these checks
-- cannot race; PostgreSQL gets a foreign key instead. The messages name
-- subjects_key_version so that the store can recognise them on both.
CREATE TRIGGER subjects_key_version_insert BEFORE INSERT ON subjects
WHEN NOT EXISTS (SELECT 1 FROM tenant_keys WHERE tenant_id = NEW.tenant_id AND version = NEW.key_version)
BEGIN
	SELECT RAISE(ABORT, 'subjects_key_version: the tenant key version does not exist');
END;

CREATE TRIGGER subjects_key_version_update BEFORE UPDATE OF key_version ON subjects
WHEN NOT EXISTS (SELECT 1 FROM tenant_keys WHERE tenant_id = NEW.tenant_id AND version = NEW.key_version)
BEGIN
	SELECT RAISE(ABORT, 'subjects_key_version: the tenant key version does not exist');
END;

CREATE TRIGGER subjects_key_version_delete BEFORE DELETE ON tenant_keys
WHEN EXISTS (SELECT 1 FROM subjects WHERE tenant_id = OLD.tenant_id AND key_version = OLD.version)
BEGIN
	SELECT RAISE(ABORT, 'subjects_key_version: the tenant key version is in use');
END;
