-- Notices of policy changes, hardened: the version each campaign announces
-- the changes from (so the mail says the same changes whenever it is sent,
-- even after the new version came into force), and the number of attempts
-- per notice (a failed send is retried up to a bound, then stays failed).
ALTER TABLE policy_campaigns ADD COLUMN from_version TEXT NOT NULL DEFAULT '';
ALTER TABLE policy_notices ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
