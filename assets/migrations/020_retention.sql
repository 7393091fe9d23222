-- 020_retention.sql: retention and destruction (issue 13 item 6;
-- README "Retention and destruction"; core/retention.h).
--
-- retention_events: a chart's legal holds and destruction proposals, one
-- row per event, never changed: 'hold' (a legal hold placed), 'release'
-- (hold `ref` released), 'propose' (HIM proposes destruction; due: the
-- date the chart became due), 'reject' (proposal `ref` rejected or
-- withdrawn). reason is encrypted under the demo key, bound to this
-- table, the row and the patient's id. mac: a keyed MAC (the demo key's
-- integrity subkey) over the row number, the patient's id, every column
-- and the previous event's mac of the same chart, so an event edited,
-- moved to another chart or put back from an old copy breaks the chain;
-- every event is also an audit entry, so a deleted one is missed.
-- (IF NOT EXISTS: tests that take a database back to an older schema run
-- the later migrations again.)
CREATE TABLE IF NOT EXISTS retention_events (
    rrow     INTEGER PRIMARY KEY,
    prow     INTEGER NOT NULL REFERENCES patients(prow),
    kind     TEXT NOT NULL CHECK (kind IN ('hold', 'release', 'propose', 'reject')),
    ref      INTEGER NOT NULL DEFAULT 0,
    due      TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL,
    by_user  TEXT NOT NULL,
    reason   BLOB NOT NULL,
    mac      BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS retention_events_patient ON retention_events(prow, rrow);
CREATE INDEX IF NOT EXISTS retention_events_kind ON retention_events(kind, prow);
-- Only a key rotation rewrites an event, and only its ciphertext and MAC;
-- only the destruction of its chart removes it.
CREATE TRIGGER IF NOT EXISTS retention_events_append_only
BEFORE UPDATE OF rrow, prow, kind, ref, due, at, by_user ON retention_events
BEGIN
    SELECT RAISE(ABORT, 'retention events are never changed');
END;
CREATE TRIGGER IF NOT EXISTS retention_events_kept BEFORE DELETE ON retention_events
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'chart_destroying')
BEGIN
    SELECT RAISE(ABORT, 'retention events are removed only with their chart');
END;

-- destruction_certificates: what is left of a destroyed chart, and no PHI:
-- the chart's random record id, the date range of the record (first and
-- last date of service or registration, clinic-local dates), the rule
-- and due date, how it was destroyed, who proposed and who approved, and
-- when; mrn_token is a keyed hash of the MRN under a subkey of its own
-- (demo key version key_version; not a search token), so that the MRN
-- answers "destroyed on DATE, certificate N" instead of "not found".
-- mac: keyed BLAKE2b under the audit key (version audit_version, kept as
-- long as the trail) over every column. Append-only.
CREATE TABLE IF NOT EXISTS destruction_certificates (
    n              INTEGER PRIMARY KEY,
    patient_id     TEXT NOT NULL UNIQUE,
    mrn_token      BLOB NOT NULL,
    key_version    INTEGER NOT NULL,
    first_date     TEXT NOT NULL,
    last_date      TEXT NOT NULL,
    rule           TEXT NOT NULL,
    due            TEXT NOT NULL,
    method         TEXT NOT NULL,
    proposal       INTEGER NOT NULL,
    proposed_by    TEXT NOT NULL,
    proposed_at    TEXT NOT NULL,
    approved_by    TEXT NOT NULL,
    destroyed_at   TEXT NOT NULL,
    rows_removed   INTEGER NOT NULL,
    audit_version  INTEGER NOT NULL,
    mac            BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS destruction_certificates_mrn ON destruction_certificates(mrn_token);
CREATE TRIGGER IF NOT EXISTS destruction_certificates_no_update
BEFORE UPDATE ON destruction_certificates
BEGIN
    SELECT RAISE(ABORT, 'destruction certificates are never changed');
END;
CREATE TRIGGER IF NOT EXISTS destruction_certificates_no_delete
BEFORE DELETE ON destruction_certificates
BEGIN
    SELECT RAISE(ABORT, 'destruction certificates are never deleted');
END;

-- The tables that refuse every DELETE refuse it still, except while a
-- chart is being destroyed: core/retention.c writes meta chart_destroying
-- inside the destroying transaction and removes it before it commits (as
-- the re-sealing of signed notes does with resealing_signed_notes).
DROP TRIGGER IF EXISTS notes_never_deleted;
CREATE TRIGGER notes_never_deleted BEFORE DELETE ON notes
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'chart_destroying')
BEGIN
    SELECT RAISE(ABORT, 'notes are never deleted');
END;
DROP TRIGGER IF EXISTS btg_review_no_delete;
CREATE TRIGGER btg_review_no_delete BEFORE DELETE ON btg_review
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'chart_destroying')
BEGIN
    SELECT RAISE(ABORT, 'btg_review is append-only');
END;
DROP TRIGGER IF EXISTS disclosures_no_delete;
CREATE TRIGGER disclosures_no_delete BEFORE DELETE ON disclosures
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'chart_destroying')
BEGIN
    SELECT RAISE(ABORT, 'disclosures are append-only: record an entry that strikes it');
END;
DROP TRIGGER IF EXISTS rights_requests_no_delete;
CREATE TRIGGER rights_requests_no_delete BEFORE DELETE ON rights_requests
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'chart_destroying')
BEGIN
    SELECT RAISE(ABORT, 'requests are append-only: a change is a new event');
END;
DROP TRIGGER IF EXISTS chart_tracking_never_deleted;
CREATE TRIGGER chart_tracking_never_deleted BEFORE DELETE ON chart_tracking
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'chart_destroying')
BEGIN
    SELECT RAISE(ABORT, 'chart tracking events are never deleted');
END;
