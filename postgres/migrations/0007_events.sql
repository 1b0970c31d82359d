-- The event outbox: durable events (policy changed, consent changed, ...)
-- that applications page through and webhooks deliver, at least once. Data
-- holds ids and codes only, never a personal value.
CREATE TABLE events (
	seq       BIGSERIAL PRIMARY KEY,
	id        TEXT NOT NULL UNIQUE,
	tenant_id TEXT NOT NULL,
	type      TEXT NOT NULL,
	at        BIGINT NOT NULL,
	data      TEXT NOT NULL
);
CREATE INDEX events_tenant ON events (tenant_id, seq);
