-- 019_audit_listed.sql (issue 12 item 1, "searched and listed"):
-- which patients a search listed.
--
-- audit.listed: on a patient_search entry, the row numbers (patients.prow)
-- of the patients the search(es) of that entry listed, in decimal,
-- ascending, one space apart (at most a page per search). It is covered by
-- the entry's MAC (core/audit.c), so a listing forged, removed or changed
-- breaks the chain.
ALTER TABLE audit ADD COLUMN listed TEXT;

-- audit_listed: the same (patient, entry) pairs, indexed by patient, so a
-- chart's access report finds the searches that listed it with one index
-- range (core/access.c). Written in the transaction that chains the entry;
-- derived from the chain and checked against it by `audit verify` (a pair
-- added, removed or moved is named there). Row numbers only: no PHI.
CREATE TABLE audit_listed (
    prow  INTEGER NOT NULL,
    seq   INTEGER NOT NULL,
    PRIMARY KEY (prow, seq)
) STRICT, WITHOUT ROWID;
