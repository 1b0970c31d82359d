-- The erasure cascade: processor endpoints and deletion tasks.
--
-- A processor's endpoint is a row of webhooks with processor set: its URL
-- and signing secret are sealed like every webhook's, it subscribes to no
-- event type, and it receives only the deliveries of its processor's
-- deletion tasks (webhook_deliveries rows the cascade queues), so one
-- delivery machinery serves both. One endpoint per processor and tenant.
ALTER TABLE webhooks ADD COLUMN processor TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX webhooks_processor ON webhooks (tenant_id, processor) WHERE processor <> '';

-- A deletion task: one processor asked to delete what it received of one
-- subject for one erasure (request_id). Ids and codes only: the subject
-- id, the processor key, the disclosure ids and category keys (space
-- separated). token_hash is the SHA-256 of the one-time confirmation
-- token, never the token. event_seq is its deletion.requested event in
-- the outbox, whose delivery to the processor's endpoint is the row
-- (endpoint id, event_seq) of webhook_deliveries.
CREATE TABLE deletion_tasks (
	id           TEXT PRIMARY KEY,
	tenant_id    TEXT NOT NULL,
	request_id   TEXT NOT NULL,
	subject_id   TEXT NOT NULL,
	processor    TEXT NOT NULL,
	token_hash   BYTEA NOT NULL,
	event_seq    BIGINT NOT NULL,
	event_id     TEXT NOT NULL,
	state        TEXT NOT NULL,
	disclosures  TEXT NOT NULL,
	categories   TEXT NOT NULL,
	created_at   BIGINT NOT NULL,
	confirmed_at BIGINT,
	UNIQUE (tenant_id, request_id, processor)
);
CREATE INDEX deletion_tasks_pending ON deletion_tasks (tenant_id, processor, state);
