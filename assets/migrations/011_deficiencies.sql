-- 011_deficiencies.sql: reminders HIM sends about chart deficiencies.
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
CREATE TABLE deficiency_reminders (
    rrow        INTEGER PRIMARY KEY,
    prow        INTEGER NOT NULL REFERENCES patients(prow),
    deficiency  TEXT NOT NULL,
    to_user     TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    sent_by     TEXT NOT NULL,
    seen_at     TEXT,
    mac         BLOB NOT NULL
) STRICT;
CREATE INDEX deficiency_reminders_to ON deficiency_reminders(to_user, seen_at);
