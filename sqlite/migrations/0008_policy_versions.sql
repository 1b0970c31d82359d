-- Every policy the server has enforced, or staged to enforce on its
-- effective date: the file byte for byte, its hash, its version (a version
-- names one text) and when it first came into force (NULL while staged).
CREATE TABLE policy_versions (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	version     TEXT NOT NULL UNIQUE,
	sha256      BLOB NOT NULL,
	source      BLOB NOT NULL,
	effective   BIGINT NOT NULL,
	imported_at BIGINT NOT NULL,
	enforced_at BIGINT
);

-- The one row naming the version in force. Replicas poll it; gen grows with
-- every change, so a change is a conditional update (first writer wins).
CREATE TABLE policy_state (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	version    TEXT NOT NULL REFERENCES policy_versions (version),
	gen        BIGINT NOT NULL,
	changed_at BIGINT NOT NULL
);
