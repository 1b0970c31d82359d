-- Export packages of access, portability and right-to-know requests: the
-- zip is a blob encrypted under the subject's key; the download token is
-- kept only as an HMAC.
CREATE TABLE exports (
	id            TEXT PRIMARY KEY,
	tenant_id     TEXT NOT NULL,
	subject_id    TEXT NOT NULL,
	request_id    TEXT NOT NULL,
	blob_key      TEXT NOT NULL,
	size          BIGINT NOT NULL,
	entries       INTEGER NOT NULL,
	manifest_sha  TEXT NOT NULL,
	token_hash    BLOB NOT NULL UNIQUE,
	created_at    BIGINT NOT NULL,
	expires_at    BIGINT NOT NULL,
	downloaded_at BIGINT
);
CREATE INDEX exports_expiry ON exports (expires_at);
