-- 006_match_sets.sql: the blind-index tokens the duplicate check compares
-- a candidate on (whole names and their Soundex, date of birth and its
-- parts, phones, SSN last four, ZIP, sex) are kept with the patient's row
-- as one sorted set of 8-byte tokens. patient_tokens keeps only the tokens
-- that find patients, so a registration or an import writes about nine
-- fewer index rows per patient. Rows written before this have no set
-- (NULL); their comparison tokens are still in patient_tokens, and the
-- duplicate check looks there for them.
ALTER TABLE patients ADD COLUMN match BLOB;
