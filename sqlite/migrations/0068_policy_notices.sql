-- Notices of policy changes (issue 13): a staged version's campaign, and
-- one row per subject told (ids and result codes, never an address), so
-- that sending resumes after a restart and nobody is mailed twice.
CREATE TABLE policy_campaigns (
	version    TEXT PRIMARY KEY,
	effective  BIGINT NOT NULL,
	material   INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	created_by TEXT NOT NULL,
	done_at    BIGINT
);
CREATE TABLE policy_notices (
	version     TEXT NOT NULL,
	tenant_id   TEXT NOT NULL,
	subject_id  TEXT NOT NULL,
	result      TEXT NOT NULL DEFAULT '',
	notified_at BIGINT,
	PRIMARY KEY (version, tenant_id, subject_id)
);
CREATE INDEX policy_notices_pending ON policy_notices (version, result);
