-- The tamper-evident audit log (one hash chain per tenant, signed
-- checkpoints), background job leases and the private request log.
-- Times are unix microseconds (BIGINT).

-- One row per event. Every column is covered by the event's hash, so a
-- change to any of them is detected by verification. No column ever holds a
-- personal value: subjects are named by internal id, client IPs truncated.
-- The subject has an index (the question audits ask most: who touched this
-- person's data); other filters scan the tenant's events newest first.
-- (SQLite has no such index: see its migration.)
CREATE TABLE audit_events (
	tenant_id     TEXT NOT NULL REFERENCES tenants (id),
	seq           BIGINT NOT NULL,
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
	target        TEXT NOT NULL,
	prev_hash     BYTEA NOT NULL,
	hash          BYTEA NOT NULL,
	PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_events_subject ON audit_events (tenant_id, subject_id, seq) WHERE subject_id <> '';

-- The end of each tenant's chain. Appenders lock this row, so that replicas
-- append to one chain in turn.
CREATE TABLE audit_heads (
	tenant_id      TEXT PRIMARY KEY REFERENCES tenants (id),
	seq            BIGINT NOT NULL,
	hash           BYTEA NOT NULL,
	checkpoint_seq BIGINT NOT NULL
);

CREATE TABLE audit_checkpoints (
	tenant_id TEXT NOT NULL REFERENCES tenants (id),
	seq       BIGINT NOT NULL,
	hash      BYTEA NOT NULL,
	at        BIGINT NOT NULL,
	every     BIGINT NOT NULL,
	key_id    INTEGER NOT NULL,
	signature BYTEA NOT NULL,
	PRIMARY KEY (tenant_id, seq)
);

-- Ed25519 checkpoint signing keys; the private key only wrapped by the
-- master key provider.
CREATE TABLE audit_signing_keys (
	id          INTEGER PRIMARY KEY,
	public_key  BYTEA NOT NULL,
	wrapped     BYTEA NOT NULL,
	created_at  BIGINT NOT NULL
);

-- Background jobs: one row per periodic job or one-off task. The holder
-- keeps the row leased (lease_until) while it is alive; another replica may
-- claim it only once the lease has expired.
CREATE TABLE jobs (
	name        TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,
	tenant_id   TEXT NOT NULL,
	every_us    BIGINT NOT NULL,
	payload     BYTEA,
	next_run    BIGINT NOT NULL,
	holder      TEXT NOT NULL,
	lease_until BIGINT NOT NULL,
	last_holder TEXT NOT NULL,
	last_start  BIGINT,
	last_end    BIGINT,
	last_error  TEXT NOT NULL,
	failures    INTEGER NOT NULL,
	runs        BIGINT NOT NULL,
	done_at     BIGINT,
	created_at  BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (next_run) WHERE done_at IS NULL;

-- The private request log: kept for security and rate limiting only, purged
-- after the policy's retention for system.operations.request_log.
CREATE TABLE request_log (
	at         BIGINT NOT NULL,
	method     TEXT NOT NULL,
	route      TEXT NOT NULL,
	status     INTEGER NOT NULL,
	latency_us BIGINT NOT NULL,
	req_bytes  BIGINT NOT NULL,
	resp_bytes BIGINT NOT NULL,
	client_ip  TEXT NOT NULL,
	ua_family  TEXT NOT NULL,
	api_key_id TEXT NOT NULL
);
CREATE INDEX request_log_at ON request_log (at);
