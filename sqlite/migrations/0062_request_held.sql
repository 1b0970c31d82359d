-- Erasure requests that legal holds keep (issue 13): an erasure under a
-- hold is partially completed at once, with the hold's reason, and marked
-- held; the requests runner resumes it when the holds are released and
-- clears the mark when it completes. The partial index keeps the runner's
-- look-up cheap however many requests completed partially for other
-- reasons (processors that never confirmed).
ALTER TABLE rights_requests ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
CREATE INDEX rights_requests_held ON rights_requests (received_at) WHERE held = 1;
