-- The same table as on SQLite, for one schema: on PostgreSQL the ledger's
-- recent tier stays in disclosures_recent (replicas share it), so nothing
-- writes marks here.
CREATE TABLE ledger_marks (
	tenant_id TEXT PRIMARY KEY,
	seq       BIGINT NOT NULL
);
