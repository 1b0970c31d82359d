-- Rewriting a record updates it in place (a HOT update): no new entry in
-- its indexes, and the old version is pruned from the page without VACUUM.
-- The retention index on (category, updated_at) made every rewrite a new
-- tuple plus an entry in both indexes, since updated_at changes at every
-- write. The index now holds the hour of the last write instead, which
-- changes at most once an hour per record; the retention queries narrow by
-- it and then by updated_at (sqlstore.retentionHour). fillfactor leaves room
-- on each page for the new versions. Adding a stored column rewrites the
-- table once, under a lock, at this migration.
ALTER TABLE records ADD COLUMN retention_hour BIGINT GENERATED ALWAYS AS (updated_at / 3600000000) STORED;
DROP INDEX records_retention;
CREATE INDEX records_retention ON records (category, retention_hour);
ALTER TABLE records SET (fillfactor = 80);
