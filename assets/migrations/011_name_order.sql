-- 011_name_order.sql: search results in name order, with paging (issue 11
-- item 2; README "Finding a patient", "What the name order reveals";
-- core/porder.h). Each patient gets an order rank: a 64-bit number, with
-- gaps, such that sorting patients by rank sorts them by folded last
-- name, first name, middle name, date of birth and MRN. It is assigned
-- at registration, import and edit by comparing decrypted names (never
-- stored in the clear), and carried on the patient's blind-index token
-- rows, so that (token, rank) answers "the first 51 of this prefix in
-- name order" with one range scan. The rank reveals the alphabetical
-- order of patients, and nothing else (no letters of any name).
--
-- A database that already has patients: every rank starts at 0 (no order)
-- and meta rank_pending records that `chartroom keys reindex` must rank
-- them; until then searches sort what they find, as before.
ALTER TABLE patients ADD COLUMN sort_rank INTEGER NOT NULL DEFAULT 0;
CREATE INDEX patients_sort_rank ON patients(sort_rank);
CREATE TABLE patient_tokens_ranked (
    token  INTEGER NOT NULL,
    rank   INTEGER NOT NULL,  -- the patient's sort_rank (patients)
    prow   INTEGER NOT NULL,
    PRIMARY KEY (token, rank, prow)
) STRICT, WITHOUT ROWID;
INSERT INTO patient_tokens_ranked(token, rank, prow) SELECT token, 0, prow FROM patient_tokens;
DROP TABLE patient_tokens;
ALTER TABLE patient_tokens_ranked RENAME TO patient_tokens;
INSERT INTO meta(key, value) SELECT 'rank_pending', '1' WHERE EXISTS (SELECT 1 FROM patients);
