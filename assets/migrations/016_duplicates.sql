-- 016_duplicates.sql: the duplicate-chart worklist and the do-not-link
-- list (core/dupscan.h, issue 13 item 4).
--
-- dup_candidates: the pairs a scan of the whole master patient index found
-- with the duplicate check's scorer (core/pmatch.h), prow_a < prow_b, each
-- once. A scan replaces the list. No PHI: the score and `matched` (which
-- features the two records share, as bits of pmatch's feature table) are
-- not identifying. mac: a keyed MAC (the demo key's integrity subkey) over
-- the row number and the ids of BOTH patients (so a row moved to another
-- chart fails), the score, the features and the time found.
CREATE TABLE IF NOT EXISTS dup_candidates (
    crow        INTEGER PRIMARY KEY,
    prow_a      INTEGER NOT NULL REFERENCES patients(prow),
    prow_b      INTEGER NOT NULL REFERENCES patients(prow),
    score       INTEGER NOT NULL,
    matched     INTEGER NOT NULL,
    found_at    TEXT NOT NULL,
    mac         BLOB NOT NULL,
    CHECK (prow_a < prow_b)
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS dup_candidates_pair ON dup_candidates(prow_a, prow_b);
CREATE INDEX IF NOT EXISTS dup_candidates_b ON dup_candidates(prow_b);

-- dup_not_same: pairs a clerk marked "not the same person". They leave
-- the worklist, later scans skip them, and the duplicate warning when a
-- chart's demographics are edited no longer names the other one. reason
-- is encrypted under the demo key, bound to this table, column, row and
-- the first patient, with the second patient's id as its state. mac: as
-- dup_candidates, over the row number, both patients' ids, who and when
-- and the ciphertext.
CREATE TABLE IF NOT EXISTS dup_not_same (
    lrow        INTEGER PRIMARY KEY,
    prow_a      INTEGER NOT NULL REFERENCES patients(prow),
    prow_b      INTEGER NOT NULL REFERENCES patients(prow),
    reason      BLOB NOT NULL,
    set_at      TEXT NOT NULL,
    set_by      TEXT NOT NULL,
    mac         BLOB NOT NULL,
    CHECK (prow_a < prow_b)
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS dup_not_same_pair ON dup_not_same(prow_a, prow_b);
CREATE INDEX IF NOT EXISTS dup_not_same_b ON dup_not_same(prow_b);
