-- The breach register (GDPR Art. 33/34): incidents with their 72-hour
-- deadline, and the subjects each affects with whether they were told.
--
-- summary, consequences, measures, delay_reasons and reasoning are free
-- text written by staff for the notices; they never enter the audit log.
-- counts is a JSON list of {category, subjects, records}. actors and
-- categories are space-separated ids and codes. incident_subjects holds ids
-- only: never an address; result is '' (pending), sent, no_email, erased or
-- failed.
CREATE TABLE incidents (
	id                    TEXT PRIMARY KEY,
	tenant_id             TEXT NOT NULL,
	status                TEXT NOT NULL,
	risk                  TEXT NOT NULL,
	aware_at              BIGINT NOT NULL,
	detected_at           BIGINT,
	deadline              BIGINT NOT NULL,
	window_from           BIGINT,
	window_to             BIGINT,
	actors                TEXT NOT NULL,
	categories            TEXT NOT NULL,
	summary               TEXT NOT NULL,
	consequences          TEXT NOT NULL,
	measures              TEXT NOT NULL,
	delay_reasons         TEXT NOT NULL,
	reasoning             TEXT NOT NULL,
	subjects              BIGINT NOT NULL,
	records               BIGINT NOT NULL,
	counts                TEXT NOT NULL,
	created_by            TEXT NOT NULL,
	created_at            BIGINT NOT NULL,
	updated_at            BIGINT NOT NULL,
	regulator_notified_at BIGINT,
	subjects_notified_at  BIGINT,
	closed_at             BIGINT,
	overdue_at            BIGINT,
	notify_requested_at   BIGINT
);
CREATE INDEX incidents_tenant ON incidents (tenant_id, created_at);
CREATE INDEX incidents_due ON incidents (status, deadline);

CREATE TABLE incident_subjects (
	incident_id TEXT NOT NULL,
	subject_id  TEXT NOT NULL,
	tenant_id   TEXT NOT NULL,
	result      TEXT NOT NULL,
	notified_at BIGINT,
	PRIMARY KEY (incident_id, subject_id)
);
CREATE INDEX incident_subjects_result ON incident_subjects (incident_id, result, subject_id);
