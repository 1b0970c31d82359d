-- Sign-in challenges of the privacy center (issue 17): a one-time code
-- mailed to the address on file, stored only as a keyed hash, valid 10
-- minutes and for 5 attempts. Ids and hashes only.
CREATE TABLE pc_challenges (
	id         TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	code_hash  BYTEA NOT NULL,
	expires_at BIGINT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	used       INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX pc_challenges_subject ON pc_challenges (tenant_id, subject_id, created_at);
