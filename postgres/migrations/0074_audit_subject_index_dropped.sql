-- PostgreSQL keeps its audit_events_subject (0002): its events are
-- integrated in batches by the sequencer. This version exists so both
-- dialects keep one numbering.
SELECT 1;
