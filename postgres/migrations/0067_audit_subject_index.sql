-- PostgreSQL has had audit_events_subject since 0002; this version exists
-- so both dialects keep one numbering (SQLite gains the index here).
SELECT 1;
