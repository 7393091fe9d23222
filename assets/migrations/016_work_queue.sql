-- 016_work_queue.sql (issue 13 item 1, the HIM work queue; assigned 020,
-- numbered 016 on its branch so that the Nth migration is numbered N as
-- test_db requires: renumber at merge. Nothing in it depends on another
-- new migration.)
--
-- Partial indexes over clear columns so the work queue (core/queue.h)
-- and the deficiency rules (core/deficiency.h) read the few waiting rows
-- instead of every encounter: at 300,000 encounters each full scan took
-- 200-350 ms, the queue's target is 100 ms for all of it.
--   encounters_backlog: closed and not final, by closing time (the coding
--     queue, db_coding_queue, reads it in that order; and a closed
--     encounter without a diagnosis is never final, so the deficiency rule
--     X searches these only).
--   encounters_open: still open, by start (deficiency rule O).
-- IF NOT EXISTS: the tests that fake an older schema may leave them.
CREATE INDEX IF NOT EXISTS encounters_backlog ON encounters(closed_at)
    WHERE status = 'closed' AND coding_status != 'final';
CREATE INDEX IF NOT EXISTS encounters_open ON encounters(start) WHERE status = 'open';
