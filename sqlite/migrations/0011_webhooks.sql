-- The outbox's reading order and webhook subscriptions.
--
-- events.txid orders the outbox on PostgreSQL (see its migration); SQLite
-- has one writer, so seq order is commit order and txid stays 0.
ALTER TABLE events ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
CREATE INDEX events_order ON events (tenant_id, txid, seq);
-- events_order serves every read by tenant (a cursor is looked up by its
-- seq, the primary key): one index less to write per event.
DROP INDEX events_tenant;

-- A subscription of an application endpoint to event types of its tenant.
-- The URL (it may carry a token) and the signing secret are sealed under a
-- server-derived key; url_index is a keyed hash that finds the URL again.
-- cursor_tx/cursor_seq is the place in the outbox up to which events were
-- turned into deliveries. failing_since is when the endpoint began failing
-- without a success since (NULL when healthy).
CREATE TABLE webhooks (
	id            TEXT PRIMARY KEY,
	tenant_id     TEXT NOT NULL,
	url_index     BLOB NOT NULL,
	url_sealed    BLOB NOT NULL,
	secret_sealed BLOB NOT NULL,
	types         TEXT NOT NULL,
	description   TEXT NOT NULL,
	cursor_tx     BIGINT NOT NULL,
	cursor_seq    BIGINT NOT NULL,
	failures      INTEGER NOT NULL,
	failing_since BIGINT,
	disabled_at   BIGINT,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL,
	UNIQUE (tenant_id, url_index)
);

-- The delivery state of one event to one subscription: survives restarts.
-- No response body is ever stored: only the status and an error code.
CREATE TABLE webhook_deliveries (
	webhook_id   TEXT NOT NULL,
	event_seq    BIGINT NOT NULL,
	tenant_id    TEXT NOT NULL,
	state        TEXT NOT NULL,
	attempts     INTEGER NOT NULL,
	last_status  INTEGER NOT NULL,
	last_error   TEXT NOT NULL,
	next_attempt BIGINT NOT NULL,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL,
	PRIMARY KEY (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt);
