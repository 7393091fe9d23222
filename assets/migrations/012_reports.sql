-- 012_reports.sql (issue 14's reports; numbered 013 when assigned and 011 on its branch,
-- renumbered at merge: nothing in it depends on 011).
--
-- Reports (core/report.h) run as SQL over clear columns and decrypt
-- nothing. Two facts they need are otherwise only inside ciphertext:
--
-- patients.quality: a small bit set computed by core from the decrypted
--   record each time it is sealed (registration, edit, import, re-seal,
--   key rotation) and, for rows from before this migration, by the
--   re-index pass (`chartroom keys reindex`, or a few seconds of each
--   sign-on): 1 no phone, 2 no address, 4 invalid ZIP, 8 invalid phone.
--   NULL: not computed yet. It says only yes/no per fact, never a value.
-- encounters.final_at / final_by: when and by whom coding became final
--   (the audit entry's details are encrypted and name the chart, not the
--   encounter). Encounters finalised before this migration have none.
ALTER TABLE patients ADD COLUMN quality INTEGER;
ALTER TABLE encounters ADD COLUMN final_at TEXT;
ALTER TABLE encounters ADD COLUMN final_by TEXT;
CREATE INDEX encounters_start ON encounters(start);
CREATE INDEX audit_action_ts ON audit(action, ts);
INSERT OR REPLACE INTO meta(key, value) SELECT 'reindex_after', '0'
    WHERE EXISTS (SELECT 1 FROM patients);
