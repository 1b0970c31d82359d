-- Rights requests (issue 13): one row per request, its history apart.
--
-- details holds the type's details sealed under a server-derived key (they
-- may hold personal values: corrected values); the one-time code exists
-- only as a keyed hash (code_hash, HMAC-SHA-256 bound to the request id).
-- due_at is the deadline in force (the extended one once extended), which
-- the overdue listing and gauge read. version counts updates: a writer
-- updates only the version it read.
CREATE TABLE rights_requests (
	id                TEXT PRIMARY KEY,
	tenant_id         TEXT NOT NULL,
	subject_id        TEXT NOT NULL,
	type              TEXT NOT NULL,
	jurisdiction      TEXT NOT NULL,
	status            TEXT NOT NULL,
	received_at       BIGINT NOT NULL,
	deadline          BIGINT NOT NULL,
	extended_deadline BIGINT,
	due_at            BIGINT NOT NULL,
	extension_reason  TEXT NOT NULL,
	verified_by       TEXT NOT NULL,
	verified_at       BIGINT,
	approved_by       TEXT NOT NULL,
	details           BLOB,
	result            TEXT NOT NULL,
	reason            TEXT NOT NULL,
	overdue_notified  INTEGER NOT NULL,
	code_hash         BLOB,
	code_expires      BIGINT,
	code_attempts     INTEGER NOT NULL,
	code_sent_at      BIGINT,
	codes_sent        INTEGER NOT NULL,
	evidence          BLOB,
	evidence_key_id   INTEGER NOT NULL,
	evidence_sig      BLOB,
	updated_at        BIGINT NOT NULL,
	version           BIGINT NOT NULL
);
CREATE INDEX rights_requests_tenant ON rights_requests (tenant_id, received_at);
CREATE INDEX rights_requests_status ON rights_requests (status, received_at);

-- Every status change of a request, in order: codes only (the words of a
-- denial stay on the request).
CREATE TABLE rights_request_history (
	request_id  TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	at          BIGINT NOT NULL,
	from_status TEXT NOT NULL,
	to_status   TEXT NOT NULL,
	actor       TEXT NOT NULL,
	reason      TEXT NOT NULL,
	PRIMARY KEY (request_id, seq)
);
