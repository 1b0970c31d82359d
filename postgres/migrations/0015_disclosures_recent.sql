-- The newest ledger rows projected from audit events, without an index by
-- subject: appending them costs no random index page per disclosure. When
-- this table holds enough rows, the store moves them into disclosures in
-- one statement, sorted by subject, so each index page is written once for
-- many rows (see sqlstore/disclosures.go). Listings read both tables.
CREATE TABLE disclosures_recent (
	seq            BIGSERIAL PRIMARY KEY,
	id             TEXT NOT NULL,
	tenant_id      TEXT NOT NULL,
	subject_id     TEXT NOT NULL,
	processor      TEXT NOT NULL,
	purpose        TEXT NOT NULL,
	categories     TEXT NOT NULL,
	files          TEXT NOT NULL,
	text           INTEGER NOT NULL,
	policy_version TEXT NOT NULL,
	retention      TEXT NOT NULL,
	obligations    TEXT NOT NULL,
	at             BIGINT NOT NULL
);
