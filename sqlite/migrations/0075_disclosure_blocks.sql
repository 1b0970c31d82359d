-- The ledger's older tier: one row per subject for each move out of
-- disclosures_recent (a "block"), holding that subject's ledger rows of
-- the move as text, one line per disclosure (tab-separated ids and codes,
-- see sqlstore/disclosures.go). Moving 8,192 rows into disclosures cost an
-- index entry per row, a random page each: 13 µs a row, the largest part of
-- a disclosure's cost. A block costs one index entry per subject and move.
-- disclosures keeps the rows written with their one-time links, and the
-- rows moved before this table existed; listings read all three tiers.
CREATE TABLE disclosure_blocks (
	seq        INTEGER PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	first_at   BIGINT NOT NULL,
	last_at    BIGINT NOT NULL,
	ledger     TEXT NOT NULL
);
CREATE INDEX disclosure_blocks_subject ON disclosure_blocks (tenant_id, subject_id, last_at);
