-- 003_clinical.sql: encounters, vitals, allergies, medications, problems,
-- notes. Free text (reasons for visit, substances and reactions, drug names
-- and doses, problem descriptions, notes) is ciphertext under the clin key,
-- bound to its row's random id. Codes, dates, statuses and numbers stay in
-- the clear for reporting.

CREATE TABLE encounters (
    erow           INTEGER PRIMARY KEY,    -- the encounter number people use
    id             TEXT NOT NULL UNIQUE,
    prow           INTEGER NOT NULL REFERENCES patients(prow),
    start          TEXT NOT NULL,          -- date and time of service, UTC
    type           TEXT NOT NULL,
    provider       TEXT NOT NULL,          -- user name of the provider
    location       TEXT NOT NULL,
    reason         BLOB,                   -- sealed to the clin key (front desk may write it)
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at      TEXT,
    closed_by      TEXT,
    coding_status  TEXT NOT NULL DEFAULT 'uncoded',
    created        TEXT NOT NULL,
    created_by     TEXT NOT NULL
) STRICT;
CREATE INDEX encounters_patient ON encounters(prow, start);

CREATE TABLE vitals (
    vrow        INTEGER PRIMARY KEY,
    erow        INTEGER NOT NULL REFERENCES encounters(erow),
    prow        INTEGER NOT NULL REFERENCES patients(prow),
    taken       TEXT NOT NULL,
    systolic    INTEGER,
    diastolic   INTEGER,
    pulse       INTEGER,
    resp        INTEGER,
    temp_c      REAL,
    spo2        INTEGER,
    height_cm   REAL,
    weight_kg   REAL,
    bmi         REAL,
    recorded_by TEXT NOT NULL
) STRICT;
CREATE INDEX vitals_patient ON vitals(prow, taken);

CREATE TABLE allergies (
    arow        INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    prow        INTEGER NOT NULL REFERENCES patients(prow),
    substance   BLOB NOT NULL,
    reaction    BLOB,
    severity    TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'unknown')),
    status      TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'entered-in-error')),
    recorded    TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    updated     TEXT NOT NULL,
    updated_by  TEXT NOT NULL
) STRICT;
CREATE INDEX allergies_patient ON allergies(prow);

-- "No known allergies" is a statement someone made, distinct from nothing
-- recorded. Recording an allergy withdraws it.
CREATE TABLE allergy_review (
    prow        INTEGER PRIMARY KEY REFERENCES patients(prow),
    nka         INTEGER NOT NULL,
    reviewed    TEXT NOT NULL,
    reviewed_by TEXT NOT NULL
) STRICT;

CREATE TABLE medications (
    mrow        INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    prow        INTEGER NOT NULL REFERENCES patients(prow),
    name        BLOB NOT NULL,
    dose        BLOB,
    route       TEXT NOT NULL,
    frequency   TEXT NOT NULL,
    start       TEXT,
    stop        TEXT,
    status      TEXT NOT NULL CHECK (status IN ('active', 'stopped', 'entered-in-error')),
    recorded    TEXT NOT NULL,
    recorded_by TEXT NOT NULL
) STRICT;
CREATE INDEX medications_patient ON medications(prow);

CREATE TABLE problems (
    pbrow       INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    prow        INTEGER NOT NULL REFERENCES patients(prow),
    code        TEXT,                      -- ICD-10-CM without the dot, or NULL
    description BLOB NOT NULL,
    onset       TEXT,
    status      TEXT NOT NULL CHECK (status IN ('active', 'resolved', 'entered-in-error')),
    recorded    TEXT NOT NULL,
    recorded_by TEXT NOT NULL
) STRICT;
CREATE INDEX problems_patient ON problems(prow);

CREATE TABLE notes (
    nrow        INTEGER PRIMARY KEY,       -- the note number people use
    id          TEXT NOT NULL UNIQUE,
    erow        INTEGER NOT NULL REFERENCES encounters(erow),
    prow        INTEGER NOT NULL REFERENCES patients(prow),
    addendum_of INTEGER REFERENCES notes(nrow),
    author      TEXT NOT NULL,
    created     TEXT NOT NULL,
    updated     TEXT NOT NULL,
    body        BLOB NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'signed')),
    signed_by   TEXT,
    signed_at   TEXT,
    version     INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX notes_encounter ON notes(erow, nrow);
CREATE INDEX notes_drafts ON notes(status, created);

-- A signed note can never change: the database itself refuses.
CREATE TRIGGER notes_signed_are_final BEFORE UPDATE ON notes
WHEN OLD.status = 'signed'
BEGIN
    SELECT RAISE(ABORT, 'a signed note cannot be changed; add an addendum');
END;
CREATE TRIGGER notes_never_deleted BEFORE DELETE ON notes
BEGIN
    SELECT RAISE(ABORT, 'notes are never deleted');
END;
