-- 0067's index of the audit trail by subject cost SQLite's audit append
-- 3.4x (165,000 → 48,000 events/s, BenchmarkAppend, 1,024 callers): every
-- event of a subject inserted at a random place of a second b-tree. The
-- append budget (≥ 100,000/s) comes first; pages that show one person's
-- trail read a window of the newest events instead (console, PersonWindow).
DROP INDEX IF EXISTS audit_events_subject;
