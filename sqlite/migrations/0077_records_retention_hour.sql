-- The column the retention queries narrow by first, as on PostgreSQL (where
-- it is indexed instead of updated_at so that rewriting a record is a HOT
-- update). SQLite keeps its index on (category, updated_at): it rewrites
-- index entries at every update either way.
ALTER TABLE records ADD COLUMN retention_hour INTEGER GENERATED ALWAYS AS (updated_at / 3600000000) VIRTUAL;
