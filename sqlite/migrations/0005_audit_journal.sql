-- How far each audit journal has been chained into the store. A server on
-- SQLite makes events durable in a journal file first (one write per group
-- of events) and chains them into audit_events in larger transactions; the
-- transaction that stores a journal's events records the last journal
-- generation it covers, so that a replay after a crash skips those files.
CREATE TABLE audit_journal (
	id   TEXT PRIMARY KEY,
	done BIGINT NOT NULL
);

-- audit_events without its foreign key to tenants: checking it cost about a
-- tenth of an audited read (measured over HTTP), and it adds nothing, since
-- events are only stored through their tenant's chain head, audit_heads,
-- whose foreign key is checked when a chain starts. SQLite cannot drop a
-- constraint, so the table is rebuilt.
CREATE TABLE audit_events_new (
	tenant_id     TEXT NOT NULL,
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
	prev_hash     BLOB NOT NULL,
	hash          BLOB NOT NULL,
	PRIMARY KEY (tenant_id, seq)
) WITHOUT ROWID;
INSERT INTO audit_events_new SELECT tenant_id, seq, at, actor, action, subject_id, categories, purpose, decision, reasons,
	justification, request_id, client_ip, target, prev_hash, hash FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_new RENAME TO audit_events;
