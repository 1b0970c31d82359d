-- Accepted audit events, not yet integrated into their chain (docs/audit.md,
-- "Replicas on PostgreSQL"). Requests of any replica insert here, taking no
-- lock that another replica waits for; one sequencer (under the job lease)
-- moves them into audit_events in id order, chaining them under the
-- tenant's head, and deletes them in the same transaction, so that every
-- event is integrated exactly once. Same columns as audit_events without
-- the chain position; the foreign key refuses an unknown tenant when the
-- event is accepted (the sequencer could not chain it).
CREATE TABLE audit_pending (
	id            BIGSERIAL PRIMARY KEY,
	tenant_id     TEXT NOT NULL REFERENCES tenants (id),
	at            BIGINT NOT NULL,
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

-- Accepted events are never changed, only integrated (deleted); the
-- function is 0009's.
CREATE TRIGGER audit_pending_append_only BEFORE UPDATE ON audit_pending
	FOR EACH ROW EXECUTE FUNCTION steward_append_only();
