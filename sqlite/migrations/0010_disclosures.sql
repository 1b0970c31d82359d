-- The sharing gate: the ledger of disclosures to sub-processors, and the
-- one-time download links of disclosed files.
--
-- The ledger holds ids and codes only (subject id, processor and purpose
-- keys, category keys, file ids, the policy version, the processor's
-- retention code), never a personal value. It has no foreign key to the
-- subject on purpose: it outlives an erasure, because it is the list of
-- processors the erasure must reach.
CREATE TABLE disclosures (
	seq            INTEGER PRIMARY KEY, -- the rowid: no AUTOINCREMENT bookkeeping per insert (rows are never deleted)
	id             TEXT NOT NULL, -- random (dsc_ + 128 bits); no unique index: one b-tree less per disclosure
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
-- Listed newest first by time: rows ledgered through their audit events
-- are inserted when those are stored, so seq is not time order.
CREATE INDEX disclosures_subject ON disclosures (tenant_id, subject_id, at);

-- One-time links: only the keyed hash of the token is stored; a link is
-- deleted when it is used, and with its subject on erasure.
CREATE TABLE download_links (
	hash          BLOB PRIMARY KEY,
	tenant_id     TEXT NOT NULL,
	disclosure_id TEXT NOT NULL,
	subject_id    TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
	file_id       TEXT NOT NULL,
	purpose       TEXT NOT NULL,
	processor     TEXT NOT NULL,
	actor_kind    TEXT NOT NULL,
	actor_id      TEXT NOT NULL,
	expires_at    BIGINT NOT NULL
);
CREATE INDEX download_links_subject ON download_links (subject_id);
CREATE INDEX download_links_expiry ON download_links (expires_at);
