-- Break-glass access grants (issue 14): a staff member asks to read one
-- subject's data in clear under a justification that needs approval; a
-- privacy officer approves or refuses. The note is free text sealed under
-- the subject's data key (gone with the subject); the audit log has ids.
CREATE TABLE access_grants (
	id            TEXT PRIMARY KEY,
	tenant_id     TEXT NOT NULL,
	subject_id    TEXT NOT NULL,
	justification TEXT NOT NULL,
	note_sealed   BYTEA,
	minutes       INTEGER NOT NULL,
	status        TEXT NOT NULL,
	requested_by  TEXT NOT NULL,
	requested_at  BIGINT NOT NULL,
	decided_by    TEXT NOT NULL DEFAULT '',
	decided_at    BIGINT,
	expires_at    BIGINT NOT NULL
);
CREATE INDEX access_grants_tenant ON access_grants (tenant_id, requested_at);
CREATE INDEX access_grants_due ON access_grants (status, expires_at);
