-- 017_work_queue.sql (issue 13 item 1, the HIM work queue).
--
-- Partial covering indexes over clear columns, so that the work queue
-- (core/queue.h) and the deficiency rules (core/deficiency.h) read only
-- the few waiting rows, from the index alone, instead of every encounter
-- and note: at 300,000 encounters each full scan took 200-350 ms and the
-- queue's target is 100 ms for all of it (bench/queue).
--   encounters_backlog: closed and not final, by closing time (the coding
--     queue, db_coding_queue, reads it in that order; a closed encounter
--     without a diagnosis is never final, so deficiency rule X searches
--     these only).
--   encounters_open: still open, by start (deficiency rule O).
--   notes_draft_queue: drafts by creation (deficiency rules D and A).
-- Each holds every column its queries read (status too: SQLite does not
-- take a column's value from the index's WHERE), so no table row is read.
-- IF NOT EXISTS: the tests that fake an older schema may leave them.
CREATE INDEX IF NOT EXISTS encounters_backlog
    ON encounters(closed_at, prow, start, type, provider, coding_status, status)
    WHERE status = 'closed' AND coding_status != 'final';
CREATE INDEX IF NOT EXISTS encounters_open ON encounters(start, prow, provider, status)
    WHERE status = 'open';
CREATE INDEX IF NOT EXISTS notes_draft_queue
    ON notes(created, erow, prow, author, addendum_of, status) WHERE status = 'draft';
