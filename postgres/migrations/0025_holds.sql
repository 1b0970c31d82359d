-- Legal holds, per-person retention, and the subject's restriction end and
-- objections (issue 13).
--
-- restricted_until ends a restriction (0: open-ended while restricted = 1);
-- objections are the purpose keys the subject objected to, space-separated
-- (objected = 1 is an objection to everything not essential).
ALTER TABLE subjects ADD COLUMN restricted_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE subjects ADD COLUMN objections TEXT NOT NULL DEFAULT '';

-- A legal hold on one subject or on one category (and the categories below
-- it) of every subject of the tenant: while active (not released, before
-- until) retention and erasure leave what it covers alone. The reason is
-- free text, sealed under a server-derived key; it never reaches the audit
-- log. Released holds are kept as evidence.
CREATE TABLE holds (
	id            TEXT PRIMARY KEY,
	tenant_id     TEXT NOT NULL,
	subject_id    TEXT,
	category      TEXT,
	reason_sealed BYTEA NOT NULL,
	until_at      BIGINT,
	created_by    TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	released_at   BIGINT,
	released_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX holds_tenant ON holds (tenant_id, created_at);
CREATE INDEX holds_subject ON holds (tenant_id, subject_id);

-- A retention a person chose for one category of their data, shorter than
-- the policy's; the retention job deletes their records past it.
CREATE TABLE subject_retention (
	subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
	category   TEXT NOT NULL,
	tenant_id  TEXT NOT NULL,
	seconds    BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (subject_id, category)
);
