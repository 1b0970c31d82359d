-- How far each audit journal has been chained into the store. A server on
-- SQLite makes events durable in a journal file first (one write per group
-- of events) and chains them into audit_events in larger transactions; the
-- transaction that stores a journal's events records the last journal
-- generation it covers, so that a replay after a crash skips those files.
CREATE TABLE audit_journal (
	id   TEXT PRIMARY KEY,
	done BIGINT NOT NULL
);

-- audit_events without its foreign key to tenants (as on SQLite, where
-- checking it cost about a tenth of an audited read): events are only
-- stored through their tenant's chain head, audit_heads, whose foreign key
-- is checked when a chain starts.
ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS audit_events_tenant_id_fkey;
