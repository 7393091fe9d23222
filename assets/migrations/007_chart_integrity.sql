-- 007_chart_integrity.sql: every row of a chart bound to its chart
-- (SECURITY.md "Encrypted fields", README "Security model").
--
-- mac: a keyed MAC (the demo key's integrity subkey) over the row's table,
-- number, random id, the patient's and encounter's ids (so a row moved to
-- another chart fails), every clear column that carries meaning and the
-- ciphertexts. encounters.coding_mac covers coding_status and the ordered
-- diagnoses and procedures of the encounter. chart_heads holds, for each
-- chart that has rows, a counter and the list of its rows' MACs under a MAC
-- of their own; every change writes the head's counter and MAC into its
-- audit entry (audit.chart_head), so a row put back from an old copy, a
-- deleted row or a whole chart rolled back no longer matches.
--
-- Rows written before this migration have no mac (NULL) and ciphertexts of
-- the older form: the first sign-on of a user holding the demo and clin
-- keys re-seals them (core/reseal.c), a batch at a time, its progress in
-- meta. Until that has finished such rows are still read; after it, a row
-- without a valid mac is an integrity error.

-- The location typed at check-in and a medication's frequency are free
-- text: from now on encrypted (location under the demo key, which the front
-- desk that writes it holds; frequency under clin). The old clear columns
-- stay for the schema's sake and hold '' once re-sealed.
ALTER TABLE encounters ADD COLUMN location_ct BLOB;
ALTER TABLE encounters ADD COLUMN mac BLOB;
ALTER TABLE encounters ADD COLUMN coding_mac BLOB;

-- Vitals had no stable id of their own: the MAC and the ciphertext binding
-- need one.
ALTER TABLE vitals ADD COLUMN id TEXT;
CREATE UNIQUE INDEX vitals_id ON vitals(id);
ALTER TABLE vitals ADD COLUMN mac BLOB;
CREATE INDEX vitals_encounter ON vitals(erow);

ALTER TABLE allergies ADD COLUMN mac BLOB;
ALTER TABLE allergy_review ADD COLUMN mac BLOB;
ALTER TABLE medications ADD COLUMN frequency_ct BLOB;
ALTER TABLE medications ADD COLUMN mac BLOB;
ALTER TABLE problems ADD COLUMN mac BLOB;
ALTER TABLE notes ADD COLUMN mac BLOB;
CREATE INDEX notes_patient ON notes(prow);
ALTER TABLE btg_queue ADD COLUMN mac BLOB;
CREATE INDEX btg_patient ON btg_queue(prow);

-- One per chart that has rows (or was edited): seq counts its changes;
-- rows is the sorted list of (table, row number, MAC prefix) of every row
-- of the chart; mac covers the patient's id, seq, the patients row's
-- version, flag and ciphertexts, and rows.
CREATE TABLE chart_heads (
    prow  INTEGER PRIMARY KEY REFERENCES patients(prow),
    seq   INTEGER NOT NULL,
    rows  BLOB NOT NULL,
    mac   BLOB NOT NULL
) STRICT;

-- "SEQ:MACHEX" of the chart head a change left, in the audit entry that
-- records the change (covered by the entry's chain MAC). NULL otherwise.
ALTER TABLE audit ADD COLUMN chart_head TEXT;
CREATE INDEX audit_chart_heads ON audit(target, seq) WHERE chart_head IS NOT NULL;
-- The entries that say rows are sealed ('integrity_on': a database made
-- sealed, or the migration finished) and that the migration started.
CREATE INDEX audit_integrity_marks ON audit(action, seq)
    WHERE action IN ('integrity_on', 'integrity_migration_start');

-- Re-sealing a signed note rewrites its ciphertext (same text, new
-- binding) and adds its MAC: the migration marks that in meta inside its
-- own transaction and removes the mark before committing. Everything else
-- is refused as before.
DROP TRIGGER notes_signed_are_final;
CREATE TRIGGER notes_signed_are_final BEFORE UPDATE ON notes
WHEN OLD.status = 'signed'
     AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'resealing_signed_notes')
BEGIN
    SELECT RAISE(ABORT, 'a signed note cannot be changed; add an addendum');
END;
