-- The column the retention queries narrow and order by first, as on
-- PostgreSQL (where the index holds it instead of updated_at, so that
-- rewriting a record is a HOT update). SQLite rewrites an index entry at
-- every update either way, so its index keeps updated_at after the hour:
-- the queries' order (retention_hour, updated_at) is then the index's, with
-- no sort however many records have expired.
ALTER TABLE records ADD COLUMN retention_hour INTEGER GENERATED ALWAYS AS (updated_at / 3600000000) VIRTUAL;
DROP INDEX records_retention;
CREATE INDEX records_retention ON records (category, retention_hour, updated_at);
