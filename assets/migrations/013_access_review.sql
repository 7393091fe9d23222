-- 013_access_review.sql (issue 12 items 1-2; 011 on its branch, renumbered
-- at merge): who opened a chart, and the privacy
-- officer's review of break-the-glass accesses.
--
-- audit_target: every entry about a patient has the patient's random id as
-- its target, so a chart's access report ("who opened this chart") is one
-- index range, newest first, whatever the size of the trail.
CREATE INDEX audit_target ON audit(target, seq);

-- The privacy officer's findings on break-the-glass accesses (btg_queue).
-- Append-only: a later finding on the same access supersedes the earlier
-- one on screen, neither is ever changed or removed. The comment is not
-- here: it is the encrypted detail of the review's audit entry (audit_seq),
-- on the chain. mac: keyed BLAKE2b (the audit key, version key_version,
-- kept for as long as the trail) over the patient's id, the row's fields
-- and its audit entry's sequence number, so a row edited, moved to another
-- patient or access, or copied is an integrity error; a row deleted is
-- missed against its audit entry (core/btg_review.c).
CREATE TABLE btg_review (
    id           INTEGER PRIMARY KEY,
    btg_id       INTEGER NOT NULL REFERENCES btg_queue(id),
    prow         INTEGER NOT NULL REFERENCES patients(prow),
    reviewer     TEXT NOT NULL,
    ts           TEXT NOT NULL,
    finding      TEXT NOT NULL,
    audit_seq    INTEGER NOT NULL,
    key_version  INTEGER NOT NULL,
    mac          BLOB NOT NULL
) STRICT;
CREATE INDEX btg_review_by_btg ON btg_review(btg_id, id);
CREATE TRIGGER btg_review_no_update BEFORE UPDATE ON btg_review
BEGIN
    SELECT RAISE(ABORT, 'btg_review is append-only');
END;
CREATE TRIGGER btg_review_no_delete BEFORE DELETE ON btg_review
BEGIN
    SELECT RAISE(ABORT, 'btg_review is append-only');
END;
-- The review entries themselves, to find a review row that went missing,
-- and the break-the-glass entries, to find a queue row that went missing.
CREATE INDEX audit_btg_reviews ON audit(seq) WHERE action = 'btg_review';
CREATE INDEX audit_btg_accesses ON audit(seq) WHERE action = 'break_the_glass';
