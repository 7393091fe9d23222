-- 022_providers.sql (issue 14 item 4): providers who are not user accounts
-- (a Synthea export's providers.csv, a FHIR Practitioner), so an imported
-- visit names the clinician who saw the patient rather than the Chartroom
-- user the import was run with (core/provider.h, README "Provider records").
--
-- Reference data, not patient PHI: every column is clear. Each row carries
-- a MAC under the audit key's reference-row subkey (as the policy rows and
-- the accounts), over its number, random id and every field, so a row
-- edited, renumbered or swapped with sqlite3 is an integrity error when it
-- is read; the audit key's rotation re-makes them (core/rotate.c).
-- (system, value) is the provider's identifier in the system that named it
-- (Synthea's provider Id, an NPI): a re-import finds the record by it.
CREATE TABLE IF NOT EXISTS providers (
    prvrow       INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    system       TEXT NOT NULL,
    value        TEXT NOT NULL,
    name         TEXT NOT NULL,
    gender       TEXT NOT NULL DEFAULT '',
    speciality   TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT '',
    location     TEXT NOT NULL DEFAULT '',
    created      TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    mac          BLOB NOT NULL,
    UNIQUE (system, value)
) STRICT;

-- An encounter's provider record (providers.id) when the visit names one,
-- and where the visit came from: 'synthea' or 'fhir' for an imported
-- history, NULL for a visit checked in here. Both are in the encounter's
-- row MAC when set (core/integrity.c), so marking a visit imported with
-- sqlite3 (which takes it out of the deficiency rules O, X and C) is an
-- integrity error.
ALTER TABLE encounters ADD COLUMN provider_ref TEXT;
ALTER TABLE encounters ADD COLUMN source TEXT;
