-- The consent ledger: each decision gets a public id (cns_...) and its
-- proof (the notice version shown, the form, the SHA-256 of the text agreed
-- to: no personal value). Decisions are append-only: a withdrawal is a new
-- row, and an UPDATE is refused (rows go only with their subject, on
-- erasure). Global Privacy Control signals are kept the same way.
ALTER TABLE consents ADD COLUMN consent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN notice_version TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN form TEXT NOT NULL DEFAULT '';
ALTER TABLE consents ADD COLUMN text_sha256 TEXT NOT NULL DEFAULT '';
UPDATE consents SET consent_id = 'cns_legacy_' || id WHERE consent_id = '';
CREATE UNIQUE INDEX consents_consent_id ON consents (consent_id);
CREATE INDEX consents_current ON consents (subject_id, purpose, processor, id);
DROP INDEX consents_subject; -- consents_current serves its queries; one index less to write

CREATE TRIGGER consents_append_only BEFORE UPDATE ON consents
BEGIN
	SELECT RAISE(ABORT, 'consents are append-only');
END;

CREATE TABLE signals (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id      TEXT NOT NULL,
	subject_id     TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
	gpc            INTEGER NOT NULL,
	source         TEXT NOT NULL,
	policy_version TEXT NOT NULL,
	at             BIGINT NOT NULL
);
CREATE INDEX signals_subject ON signals (subject_id, id);

CREATE TRIGGER signals_append_only BEFORE UPDATE ON signals
BEGIN
	SELECT RAISE(ABORT, 'signals are append-only');
END;
