-- The event outbox: durable events (policy changed, consent changed, ...)
-- that applications page through and webhooks deliver, at least once. Data
-- holds ids and codes only, never a personal value.
CREATE TABLE events (
	seq       INTEGER PRIMARY KEY AUTOINCREMENT,
	id        TEXT NOT NULL, -- random (evt_ + 128 bits): no unique index, one b-tree less per event
	tenant_id TEXT NOT NULL,
	type      TEXT NOT NULL,
	at        BIGINT NOT NULL,
	data      TEXT NOT NULL
);
CREATE INDEX events_tenant ON events (tenant_id, seq);
