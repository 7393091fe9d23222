-- 002_patients.sql: patients, their blind-index tokens, recently opened
-- charts, and the break-the-glass review queue.
--
-- Every identifier is inside the two ciphertext columns (demo key, bound to
-- table, column and the random id). Only a confidential flag, a version
-- counter for optimistic concurrency and who/when of changes are clear.

CREATE TABLE patients (
    prow          INTEGER PRIMARY KEY,   -- internal row number, used by the index
    id            TEXT NOT NULL UNIQUE,  -- random 128-bit id, bound into the ciphertext
    version       INTEGER NOT NULL DEFAULT 1,
    confidential  INTEGER NOT NULL DEFAULT 0,
    ident         BLOB NOT NULL,         -- MRN, names, date of birth, sex
    details       BLOB NOT NULL,         -- address, phones, email, SSN, insurance, contacts
    created       TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    updated       TEXT NOT NULL,
    updated_by    TEXT NOT NULL
) STRICT;

-- Blind index: keyed-hash tokens of normalised values and prefixes. A
-- token is the first bytes of a keyed BLAKE2b as an integer; equal values
-- give equal tokens, nothing else can be read from them.
CREATE TABLE patient_tokens (
    token  INTEGER NOT NULL,
    prow   INTEGER NOT NULL,
    PRIMARY KEY (token, prow)
) STRICT, WITHOUT ROWID;

-- Each user's recently opened charts (the lookup screen's empty state).
CREATE TABLE recent_patients (
    user_id  TEXT NOT NULL,
    prow     INTEGER NOT NULL REFERENCES patients(prow) ON DELETE CASCADE,
    opened   TEXT NOT NULL,
    PRIMARY KEY (user_id, prow)
) STRICT;
CREATE INDEX recent_by_user ON recent_patients(user_id, opened);

-- Break-the-glass openings waiting for the privacy officer. The reason is
-- in the audit entry (encrypted detail); this row points at it.
CREATE TABLE btg_queue (
    id           INTEGER PRIMARY KEY,
    audit_seq    INTEGER NOT NULL,
    user_name    TEXT NOT NULL,
    prow         INTEGER NOT NULL REFERENCES patients(prow),
    ts           TEXT NOT NULL,
    reviewed     INTEGER NOT NULL DEFAULT 0,
    reviewed_by  TEXT,
    reviewed_at  TEXT
) STRICT;
