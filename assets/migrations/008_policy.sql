-- 008_policy.sql: the clinic's policy in the database, and the integrity of
-- who holds which role.
--
-- policy: one row per setting an administrator changed through the app
-- ('roles.nurse', 'security.idle_lock_seconds', ...), overriding the
-- compiled-in defaults and the root-owned system file. mac is a keyed
-- BLAKE2b (a subkey of the audit key) over key, value, set_by and set_at.
-- The row with key '*' seals the whole set: its mac covers every other
-- row's key and mac, and its value is the sequence number of the audit
-- entry of the last change, so a deleted, added or replayed row is an
-- integrity error at the next sign-on.
CREATE TABLE policy (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    set_by  TEXT NOT NULL,
    set_at  TEXT NOT NULL,
    mac     BLOB NOT NULL
) STRICT;

-- users.mac: keyed BLAKE2b (another subkey of the audit key) over the
-- account's id, name, role, disabled flag and public key. Rows written
-- before this are sealed at the first sign-on after the upgrade.
ALTER TABLE users ADD COLUMN mac BLOB;

-- The latest policy change is found without reading the whole trail.
CREATE INDEX audit_policy ON audit(seq) WHERE action IN ('policy_set', 'policy_sealed');
