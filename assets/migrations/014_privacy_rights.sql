-- 014_privacy_rights.sql: patients' rights under HIPAA (issue 12 items 3-5):
-- the accounting of disclosures (45 CFR 164.528), release-of-information
-- requests and amendment requests (164.524, 164.526). README "Release of
-- information, disclosures and amendments".
--
-- Both tables are append-only: a trigger refuses UPDATE and DELETE, as for
-- signed notes. A disclosure recorded by mistake is struck by a later entry
-- (strikes = its number); a request changes by a new event row carrying
-- the whole request as it is after the change (seq 1, 2, ...), so its
-- history is kept and nothing is rewritten.
--
-- Every row is bound to its chart: body is the row's free text (names,
-- addresses, purposes, descriptions, the amendment's text, reasons),
-- encrypted under the demo key and bound to the table, row id and
-- patient's id; mac is a keyed MAC (the demo key's integrity subkey) over
-- the row's id, number, the patient's id, every clear column and body,
-- and, for a request event, the MAC of the event before it. A row edited,
-- moved to another patient, or put in with sqlite3 is an integrity error.
-- Dates a person gives or a clock counts (disclosed_on, received, due) are
-- clinic-local calendar dates, YYYY-MM-DD; recorded_at/at are UTC.
-- (IF NOT EXISTS: a test that takes a database back to an older schema
-- version by hand runs the later migrations again over these tables.)

CREATE TABLE IF NOT EXISTS disclosures (
    id              TEXT PRIMARY KEY,          -- random 128-bit id (hex)
    n               INTEGER NOT NULL UNIQUE,   -- the number staff use
    prow            INTEGER NOT NULL REFERENCES patients(prow),
    disclosed_on    TEXT NOT NULL,
    category        TEXT NOT NULL,             -- core/disclosure.h
    source          TEXT NOT NULL,             -- manual, roi, export
    roi             INTEGER NOT NULL DEFAULT 0, -- the ROI request it came from (0: none)
    strikes         INTEGER NOT NULL DEFAULT 0, -- the entry this one strikes (0: none)
    suspended_until TEXT NOT NULL DEFAULT '',   -- 164.528(a)(2): hidden until this date
    recorded_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    body            BLOB NOT NULL,
    mac             BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS disclosures_patient ON disclosures(prow, disclosed_on);

-- The one exception: a rotation of the demo key re-encrypts and re-MACs
-- the rows (same text, same fields), marking it in meta inside its own
-- transaction and removing the mark before it commits (core/rotate.c), as
-- the re-sealing of signed notes does.
CREATE TRIGGER IF NOT EXISTS disclosures_no_update BEFORE UPDATE ON disclosures
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'rights_rekeying')
BEGIN
    SELECT RAISE(ABORT, 'disclosures are append-only: record an entry that strikes it');
END;
CREATE TRIGGER IF NOT EXISTS disclosures_no_delete BEFORE DELETE ON disclosures
BEGIN
    SELECT RAISE(ABORT, 'disclosures are append-only: record an entry that strikes it');
END;

-- kind: 'roi' or 'amendment'. For ROI: category is the requester kind,
-- parts the sections requested (comma-separated), auth how the release is
-- authorised. For an amendment: category is the part of the record (a
-- chart section), parts its record number ('' for the whole section), code
-- the denial reason.
CREATE TABLE IF NOT EXISTS rights_requests (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('roi', 'amendment')),
    req          INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    prow         INTEGER NOT NULL REFERENCES patients(prow),
    ev           TEXT NOT NULL,
    at           TEXT NOT NULL,
    by_user      TEXT NOT NULL,
    status       TEXT NOT NULL,
    received     TEXT NOT NULL,
    due          TEXT NOT NULL,
    extended     INTEGER NOT NULL,
    closed_on    TEXT NOT NULL,
    category     TEXT NOT NULL,
    parts        TEXT NOT NULL,
    from_date    TEXT NOT NULL,
    to_date      TEXT NOT NULL,
    auth         TEXT NOT NULL,
    auth_signed  TEXT NOT NULL,
    auth_expires TEXT NOT NULL,
    code         TEXT NOT NULL,
    fee_cents    INTEGER NOT NULL,
    disclosure   INTEGER NOT NULL,
    body         BLOB NOT NULL,
    mac          BLOB NOT NULL,
    UNIQUE (kind, req, seq)
) STRICT;
CREATE INDEX IF NOT EXISTS rights_requests_patient ON rights_requests(prow, kind);

CREATE TRIGGER IF NOT EXISTS rights_requests_no_update BEFORE UPDATE ON rights_requests
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'rights_rekeying')
BEGIN
    SELECT RAISE(ABORT, 'requests are append-only: a change is a new event');
END;
CREATE TRIGGER IF NOT EXISTS rights_requests_no_delete BEFORE DELETE ON rights_requests
BEGIN
    SELECT RAISE(ABORT, 'requests are append-only: a change is a new event');
END;
