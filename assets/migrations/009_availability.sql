-- 009_availability.sql: many users at once (README "Many users at once").
--
-- audit_events: the id of every event chained into the audit trail from the
-- audit journal (the file DB.audit-journal beside the database, where
-- sign-ons, searches, sign-offs and other reads write their audit events
-- without the database's write lock, and every event goes while the
-- database cannot be written). The chainer inserts the id in the same
-- transaction as the audit row (seq), so an event that is in the journal
-- and here is already in the trail: it is removed from the journal, never
-- chained twice. Ids are kept for the last 100,000 trail entries, long
-- after their journal records are gone, so even an old copy of the
-- journal put back is not chained again.
CREATE TABLE audit_events (
    event_id  TEXT PRIMARY KEY,
    seq       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_events_seq ON audit_events(seq);

-- One row per patient import: which file (its BLAKE2b digest, never its
-- name or content), how many good rows it has and how many are committed.
-- rows_done moves in the same transaction as each batch of patients, so a
-- run killed after any batch resumes exactly after it.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    digest      BLOB NOT NULL,
    rows_total  INTEGER NOT NULL,
    rows_done   INTEGER NOT NULL DEFAULT 0,
    started     TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    finished    TEXT
) STRICT;
CREATE INDEX imports_digest ON imports(digest);
