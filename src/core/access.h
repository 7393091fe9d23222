/* access.h - who opened this chart, and the charts a user opened (issue
 * 12 item 1): the privacy officer's access reports over the audit trail,
 * and the words an audit target is shown with.
 *
 * Every entry about a patient has the patient's random id as its target;
 * the index audit_target makes a chart's report one index range whatever
 * the size of the trail. Reports need ACT_AUDIT_REVIEW (privacy; HIM
 * read-only), and viewing one is itself audited ("access_report", the
 * patient's id or the user's name as target) before anything is shown:
 * a report that cannot be recorded shows nothing. */
#ifndef CHARTROOM_ACCESS_H
#define CHARTROOM_ACCESS_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

/* One access as a report shows it. Times are UTC as stored (the UI shows
 * them in the clinic's zone). */
typedef struct access_entry {
	int64_t seq;
	char ts[24];
	char user_name[72];
	char role[16];    /* the user's role then (from the trail's user_add and
	                     user_role entries; the role now if none says) */
	char action[40];  /* as recorded: chart_open, chart_view, ... */
	char what[160];   /* in words: "opened the chart", "viewed allergies" */
	char reason[256]; /* the break-the-glass reason, or "" */
	char source[72];  /* terminal ("local") or the SSH client's address */
	char outcome[24];
	char mrn[24]; /* the patient (user reports; "" otherwise) */
	char name[128];
} access_entry_t;

/* Filters: days in the clinic's zone ("YYYY-MM-DD", both included; NULL
 * or "" for open), at most limit entries (0: all). */
typedef struct access_query {
	const char *since;
	const char *until;
	int64_t limit;
	const char *user; /* access_patient: only this user's accesses (NULL, "": all) */
} access_query_t;

/* Every access to the chart of the patient with this MRN (or id), newest
 * first, through fn (non-zero stops). *label gets "MRN Last, First". */
status_t access_patient(session_t *s, const char *mrn_or_id, const access_query_t *q,
                        int (*fn)(const access_entry_t *e, void *arg), void *arg, char *label,
                        size_t label_size, msg_t *m);

/* Every chart user_name touched, newest first, each with the patient's
 * MRN and name (decrypted for the reviewer). */
status_t access_user(session_t *s, const char *user_name, const access_query_t *q,
                     int (*fn)(const access_entry_t *e, void *arg), void *arg, msg_t *m);

/* An audit entry's target as a reviewer reads it: a patient's id becomes
 * "MRN Last, First" for a session allowed to see patients
 * (patient_view or audit_review, holding the demo key); anything else is
 * copied as it is. */
void access_target_label(session_t *s, const char *target, char *out, size_t size);

/* Record that the chart of patient_id (opened by s: patient_open) is being
 * printed or exported (`what`: "chart summary", a section), before its
 * text goes out: the access report shows it as "exported: ...". In the
 * audit journal; STATUS_OK once recorded (nothing may go out otherwise).
 * Requires ACT_PATIENT_VIEW. */
status_t access_note_export(session_t *s, const char *patient_id, const char *what, msg_t *m);

/* An audit action in words ("chart_view" and its detail "allergies" ->
 * "viewed allergies"). */
void access_describe(const char *action, const char *detail, char *out, size_t size);

#endif
