-- 001_foundation.sql: clinic metadata, users, key wraps, audit chain.
-- Row ids are random 128-bit ids (32 hex characters) made by the application.
-- No column here holds PHI in the clear: user names are staff log-in names,
-- key material is only ever stored wrapped, and audit details that could hold
-- PHI are stored encrypted.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per domain key version (demo, clin, audit). The key itself is only
-- stored wrapped, in key_wraps.
CREATE TABLE domain_keys (
    domain   TEXT NOT NULL,
    version  INTEGER NOT NULL,
    created  TEXT NOT NULL,
    active   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (domain, version)
) STRICT;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    locked        INTEGER NOT NULL DEFAULT 0,
    failed_count  INTEGER NOT NULL DEFAULT 0,
    last_login    TEXT,
    last_from     TEXT,
    kdf_salt      BLOB NOT NULL,
    kdf_ops       INTEGER NOT NULL,
    kdf_mem       INTEGER NOT NULL,
    public_key    BLOB NOT NULL,
    secret_wrap   BLOB NOT NULL,
    created       TEXT NOT NULL,
    updated       TEXT NOT NULL
) STRICT;

-- A domain key wrapped for one holder: a user id, or 'recovery' for the
-- recovery key. XChaCha20-Poly1305 under the holder's KEK; AAD names the
-- holder, domain and version.
CREATE TABLE key_wraps (
    holder   TEXT NOT NULL,
    domain   TEXT NOT NULL,
    version  INTEGER NOT NULL,
    wrap     BLOB NOT NULL,
    PRIMARY KEY (holder, domain, version)
) STRICT;

-- A domain key granted to a user by someone who does not know the user's
-- password (a role change): sealed to the user's public key, converted into a
-- key_wraps row at the user's next sign-on.
CREATE TABLE key_grants (
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    domain   TEXT NOT NULL,
    version  INTEGER NOT NULL,
    sealed   BLOB NOT NULL,
    PRIMARY KEY (user_id, domain, version)
) STRICT;

-- The audit chain. mac = keyed BLAKE2b over this row's fields and the
-- previous row's mac. Never updated or deleted by the application.
CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY,
    ts           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    user_name    TEXT NOT NULL,
    os_user      TEXT NOT NULL,
    source       TEXT NOT NULL,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    detail       BLOB,
    key_version  INTEGER NOT NULL,
    mac          BLOB NOT NULL
) STRICT;
CREATE INDEX audit_user ON audit(user_name, seq);
CREATE INDEX audit_ts ON audit(ts);

-- Events that happen when nobody holding the audit key is signed on (failed
-- sign-ons, lockouts). The next successful sign-on moves them into the chain,
-- in order, and deletes them here.
CREATE TABLE audit_pending (
    id         INTEGER PRIMARY KEY,
    ts         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    os_user    TEXT NOT NULL,
    source     TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    outcome    TEXT NOT NULL
) STRICT;
