-- 018_external_ids.sql (issue 14): a patient's identifiers in other systems (issue 14:
-- Synthea's patient Id, a FHIR Patient.identifier), kept so a re-run of an
-- import finds the chart by them (core/extid.h, README "Importing a Synthea
-- export").
--
-- A chart table like the others (007): each row belongs to its patient's
-- chart head (table 10) and carries a row MAC over its number, random id,
-- the patient's id, the system, the ciphertext, when and by whom; so a row
-- edited, moved to another patient, deleted or put back from an old copy
-- is an integrity error. The system (a URI naming the issuer, never PHI)
-- is clear; the value is encrypted under the demo key, bound to the row
-- and its patient. token is a blind index of "system|value" with the demo
-- key's own subkey for this column (token_version: the demo key version
-- it was made with), for the lookup; it is outside the MAC (a changed token
-- only fails to find; what it finds is decrypted and checked).
CREATE TABLE IF NOT EXISTS patient_identifiers (
    xrow          INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    prow          INTEGER NOT NULL REFERENCES patients(prow),
    system        TEXT NOT NULL,
    value_ct      BLOB NOT NULL,
    token         BLOB NOT NULL,
    token_version INTEGER NOT NULL,
    created       TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    mac           BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS patient_identifiers_patient ON patient_identifiers(prow);
CREATE INDEX IF NOT EXISTS patient_identifiers_token ON patient_identifiers(token);

-- Procedures of the patient's history coded in SNOMED CT (Synthea's
-- procedures.csv, a FHIR Procedure with a SNOMED CT code): what was done
-- and when, kept as the history it is. Coding (encounter_px) takes only
-- HCPCS/CPT, the codes a claim is made of; these are not billed here.
-- A chart item like a problem (chart table 11): the description encrypted
-- under the clin key, bound to the row and patient, the row MAC'd and in
-- the chart head.
CREATE TABLE IF NOT EXISTS procedure_history (
    phrow       INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    prow        INTEGER NOT NULL REFERENCES patients(prow),
    code        TEXT NOT NULL,              -- SNOMED CT concept id
    description BLOB NOT NULL,
    performed   TEXT,                       -- YYYY-MM-DD
    status      TEXT NOT NULL CHECK (status IN ('completed', 'entered-in-error')),
    recorded    TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    mac         BLOB
) STRICT;
CREATE INDEX IF NOT EXISTS procedure_history_patient ON procedure_history(prow);

-- The clinic's site an encounter took place at, in the clear for `report
-- visits --by location`: only a name from the policy's list of
-- non-sensitive site names ([clinic] sites) that the check-in location
-- begins with; NULL otherwise (the location itself stays encrypted). Part
-- of the encounter's row MAC when set.
ALTER TABLE encounters ADD COLUMN site TEXT;
