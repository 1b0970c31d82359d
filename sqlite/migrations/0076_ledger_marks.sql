-- The ledger's recent tier moves into memory on a server (see
-- sqlstore/ledger_memory.go): a tenant's mark is the audit sequence number
-- up to which the ledger rows its events carry are in blocks or tables; the
-- rows after it are read back from the audit events at start. Every
-- existing tenant starts marked at its chain head: its rows so far are in
-- disclosures, disclosures_recent or disclosure_blocks already.
CREATE TABLE ledger_marks (
	tenant_id TEXT PRIMARY KEY,
	seq       BIGINT NOT NULL
);
INSERT INTO ledger_marks (tenant_id, seq) SELECT tenant_id, seq FROM audit_heads;
