-- Accepted audit events, not yet integrated into their chain (see the
-- PostgreSQL migration; a server on SQLite uses its journal instead, but
-- the table exists on both so that the same store code runs on both).
CREATE TABLE audit_pending (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id     TEXT NOT NULL REFERENCES tenants (id),
	at            INTEGER NOT NULL,
	actor         TEXT NOT NULL,
	action        TEXT NOT NULL,
	subject_id    TEXT NOT NULL,
	categories    TEXT NOT NULL,
	purpose       TEXT NOT NULL,
	decision      TEXT NOT NULL,
	reasons       TEXT NOT NULL,
	justification TEXT NOT NULL,
	request_id    TEXT NOT NULL,
	client_ip     TEXT NOT NULL,
	target        TEXT NOT NULL
);

CREATE TRIGGER audit_pending_append_only BEFORE UPDATE ON audit_pending
BEGIN
	SELECT RAISE(ABORT, 'accepted audit events are append-only');
END;
