-- The audit trail about one person (the console's person page, the audit
-- filter by subject, export packages): without it, a million events are
-- scanned. Partial, as on PostgreSQL since 0002: events about no subject
-- are not indexed; queries say subject_id <> '' so the planner may use it.
CREATE INDEX audit_events_subject ON audit_events (tenant_id, subject_id, seq) WHERE subject_id <> '';
