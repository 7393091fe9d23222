-- 015_him_records.sql: reminders HIM sends about chart deficiencies.
--
-- Deficiencies themselves are not stored: they are computed from the chart
-- each time (core/deficiency.h), so one resolves the moment its cause is
-- gone and none can go stale. What is stored is a reminder: which
-- deficiency ("D123": draft note 123), about which chart, to whom, who sent
-- it and when, and when its recipient saw it at sign-on. No free text, no
-- PHI. mac: a keyed MAC (the demo key's integrity subkey) over the row's
-- number, the patient's id (so a row moved to another chart fails), the
-- deficiency, recipient, sender and both times: a row edited outside
-- Chartroom is shown as an integrity error, never as a reminder.
CREATE TABLE IF NOT EXISTS deficiency_reminders (
    rrow        INTEGER PRIMARY KEY,
    prow        INTEGER NOT NULL REFERENCES patients(prow),
    deficiency  TEXT NOT NULL,
    to_user     TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    sent_by     TEXT NOT NULL,
    seen_at     TEXT,
    mac         BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS deficiency_reminders_to ON deficiency_reminders(to_user, seen_at);

-- Paper-chart tracking (core/chart_track.h): the history of each physical
-- record volume of a patient, one row per event, never changed: 'home'
-- (the volume registered or its home location changed: place = the home
-- location), 'out' (charged out: place = the person or department it went
-- to, due = the date it is due back), 'in' (returned home). Where a volume
-- is now is its latest event. place is encrypted under the demo key, bound
-- to this table, column, row and patient. mac: a keyed MAC (the demo key's
-- integrity subkey) over the row number, the patient's id, every column
-- and the previous event's mac of the same chart, so an event edited,
-- moved to another chart, or put back from an old copy breaks the chain.
CREATE TABLE IF NOT EXISTS chart_tracking (
    trow        INTEGER PRIMARY KEY,
    prow        INTEGER NOT NULL REFERENCES patients(prow),
    volume      INTEGER NOT NULL CHECK (volume BETWEEN 1 AND 99),
    event       TEXT NOT NULL CHECK (event IN ('home', 'out', 'in')),
    place       BLOB,
    due         TEXT,
    at          TEXT NOT NULL,
    by          TEXT NOT NULL,
    mac         BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS chart_tracking_patient ON chart_tracking(prow, trow);
-- Only a key rotation rewrites an event, and only its ciphertext and MAC.
CREATE TRIGGER IF NOT EXISTS chart_tracking_append_only
BEFORE UPDATE OF trow, prow, volume, event, due, at, by ON chart_tracking
BEGIN
    SELECT RAISE(ABORT, 'chart tracking events are never changed');
END;
CREATE TRIGGER IF NOT EXISTS chart_tracking_never_deleted BEFORE DELETE ON chart_tracking
BEGIN
    SELECT RAISE(ABORT, 'chart tracking events are never deleted');
END;
