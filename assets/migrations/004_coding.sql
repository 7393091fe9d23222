-- 004_coding.sql: code sets by version and effective date, full-text code
-- search, and the diagnoses and procedures coded on encounters. Codes are
-- public reference data and stay in the clear.

CREATE TABLE code_versions (
    vid          INTEGER PRIMARY KEY,
    system       TEXT NOT NULL CHECK (system IN ('icd10cm', 'hcpcs', 'cpt')),
    version      TEXT NOT NULL,
    effective    TEXT NOT NULL,          -- YYYY-MM-DD; the next version's start ends it
    imported     TEXT NOT NULL,
    imported_by  TEXT NOT NULL,
    codes        INTEGER NOT NULL,
    billable     INTEGER NOT NULL,
    digest       TEXT NOT NULL,          -- of the file, to make re-imports idempotent
    UNIQUE (system, version)
) STRICT;

CREATE TABLE codes (
    vid          INTEGER NOT NULL REFERENCES code_versions(vid),
    code         TEXT NOT NULL,          -- without the dot, upper case
    billable     INTEGER NOT NULL,
    short_desc   TEXT NOT NULL,
    long_desc    TEXT NOT NULL,
    PRIMARY KEY (vid, code)
) STRICT, WITHOUT ROWID;

-- Word search over descriptions and codes (SQLite's FTS5). rowid is the
-- code's code_rows.rid; vid holds a token "v<vid>" so a search names its
-- version inside the MATCH expression.
CREATE TABLE code_rows (
    rid   INTEGER PRIMARY KEY,
    vid   INTEGER NOT NULL,
    code  TEXT NOT NULL,
    UNIQUE (vid, code)
) STRICT;
CREATE VIRTUAL TABLE code_fts USING fts5(
    code, words, vid,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3 4'
);

CREATE TABLE encounter_dx (
    erow   INTEGER NOT NULL REFERENCES encounters(erow),
    seq    INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 12),  -- 1 = primary
    code   TEXT NOT NULL,
    PRIMARY KEY (erow, seq)
) STRICT;

CREATE TABLE encounter_px (
    erow       INTEGER NOT NULL REFERENCES encounters(erow),
    line       INTEGER NOT NULL,
    system     TEXT NOT NULL CHECK (system IN ('hcpcs', 'cpt')),
    code       TEXT NOT NULL,
    modifiers  TEXT NOT NULL DEFAULT '',  -- up to 4, comma-separated
    units      INTEGER NOT NULL DEFAULT 1,
    pointers   TEXT NOT NULL,             -- diagnosis sequence numbers, comma-separated
    PRIMARY KEY (erow, line)
) STRICT;
