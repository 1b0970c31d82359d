-- AI training governance (issue 15): models, training exports, their
-- lineage (which shard each subject went to, as a keyed hash of the
-- subject id: the lineage names nobody) and retrain obligations after an
-- erasure (model, export, shard; never a subject).
CREATE TABLE models (
	id         TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	name       TEXT NOT NULL,
	purpose    TEXT NOT NULL,
	owner      TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	created_by TEXT NOT NULL
);
CREATE INDEX models_tenant ON models (tenant_id, created_at);
CREATE TABLE training_exports (
	id             TEXT PRIMARY KEY,
	tenant_id      TEXT NOT NULL,
	model_id       TEXT NOT NULL,
	purpose        TEXT NOT NULL,
	categories     TEXT NOT NULL,
	deidentify     TEXT NOT NULL,
	shards         INTEGER NOT NULL,
	k              INTEGER NOT NULL,
	status         TEXT NOT NULL,
	subjects       INTEGER NOT NULL,
	skipped        INTEGER NOT NULL,
	rows_out       INTEGER NOT NULL,
	files          INTEGER NOT NULL DEFAULT 0,
	bytes_out      BIGINT NOT NULL,
	suppressed     INTEGER NOT NULL,
	policy_version TEXT NOT NULL,
	run_id         TEXT NOT NULL,
	created_at     BIGINT NOT NULL,
	completed_at   BIGINT,
	error          TEXT NOT NULL
);
CREATE INDEX training_exports_tenant ON training_exports (tenant_id, created_at);
CREATE TABLE training_lineage (
	subject_hash BLOB NOT NULL,
	tenant_id    TEXT NOT NULL,
	export_id    TEXT NOT NULL,
	shard        INTEGER NOT NULL,
	PRIMARY KEY (subject_hash, export_id)
);
CREATE INDEX training_lineage_export ON training_lineage (export_id, shard);
CREATE TABLE affected_models (
	id          TEXT PRIMARY KEY,
	tenant_id   TEXT NOT NULL,
	model_id    TEXT NOT NULL,
	export_id   TEXT NOT NULL,
	shard       INTEGER NOT NULL,
	cause       TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	resolved_at BIGINT,
	resolution  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX affected_models_model ON affected_models (tenant_id, model_id, created_at);
