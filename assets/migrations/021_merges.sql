-- 021_merges.sql: the merge journal (issue 13 item 4; core/merge.h, README
-- "Merging duplicate charts").
--
-- merges: one row per merge of chart retire_prow into keep_prow. reason
-- and undo_reason are encrypted under the demo key bound to the merge's
-- number and both charts' ids. mac: a keyed MAC (the demo key's integrity
-- subkey) over the number, both patients' ids, who, when and the reason;
-- undo_mac the same over the undoing as well. A merge with undone_at NULL
-- is in force: the retired chart's MRN leads to the survivor ("merged
-- into"), and readers of append-only tables (disclosures, rights requests,
-- paper-chart volumes) read the retired chart's rows for the survivor.
CREATE TABLE IF NOT EXISTS merges (
    mrow         INTEGER PRIMARY KEY,
    keep_prow    INTEGER NOT NULL REFERENCES patients(prow),
    retire_prow  INTEGER NOT NULL REFERENCES patients(prow),
    merged_at    TEXT NOT NULL,
    merged_by    TEXT NOT NULL,
    reason       BLOB NOT NULL,
    moved        INTEGER NOT NULL,
    mac          BLOB NOT NULL,
    undone_at    TEXT,
    undone_by    TEXT,
    undo_reason  BLOB,
    undo_mac     BLOB
) STRICT;
CREATE INDEX IF NOT EXISTS merges_retire ON merges(retire_prow) WHERE undone_at IS NULL;
CREATE INDEX IF NOT EXISTS merges_keep ON merges(keep_prow) WHERE undone_at IS NULL;

-- merge_rows: exactly which rows the merge moved. tbl is the chart table's
-- number as chart heads store it (db_integrity.h), row its row number;
-- before is the whole stored row as it was on the retired chart (every
-- column, ciphertexts bound to the retired chart as they were), after_mac
-- the row MAC the merge wrote. mac covers the merge's number, both ids,
-- tbl, row, before and after_mac, so an edited, added or dropped journal
-- row is an integrity error at unmerge (the count is in merges.moved).
CREATE TABLE IF NOT EXISTS merge_rows (
    mrow       INTEGER NOT NULL,  -- merges.mrow (written before it, in the same transaction)
    tbl        INTEGER NOT NULL,
    row        INTEGER NOT NULL,
    before     BLOB NOT NULL,
    after_mac  BLOB NOT NULL,
    mac        BLOB NOT NULL,
    PRIMARY KEY (mrow, tbl, row)
) STRICT;
