-- 005_code_ranges.sql: each version's codes occupy one contiguous range of
-- code_rows ids (they are imported in one go), so a search limits the
-- full-text index to that range instead of matching a version token.
ALTER TABLE code_versions ADD COLUMN rid_lo INTEGER NOT NULL DEFAULT 0;
ALTER TABLE code_versions ADD COLUMN rid_hi INTEGER NOT NULL DEFAULT -1;
UPDATE code_versions SET
    rid_lo = coalesce((SELECT min(rid) FROM code_rows r WHERE r.vid = code_versions.vid), 0),
    rid_hi = coalesce((SELECT max(rid) FROM code_rows r WHERE r.vid = code_versions.vid), -1);
