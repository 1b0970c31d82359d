-- How far a running rights request's work is (bytes of an export package),
-- written by the runner about once a second and shown with the request
-- (issue 13: "built in the background with progress").
CREATE TABLE request_progress (
	request_id TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	done       BIGINT NOT NULL,
	total      BIGINT NOT NULL,
	at         BIGINT NOT NULL
);

-- A person's requests, for the console's person page.
CREATE INDEX rights_requests_subject ON rights_requests (tenant_id, subject_id);
