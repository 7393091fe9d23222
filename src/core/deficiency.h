/* deficiency.h - chart deficiencies (incomplete records) and the
 * delinquency measure, HIM's reminders about them, and what a provider is
 * told at sign-on.
 *
 * A deficiency is computed from the chart every time it is asked for,
 * never stored, so it is resolved the moment its cause is gone and none
 * goes stale. The rules, N from the clinic's policy ([clinical], which a
 * user's own configuration file never sets, core/config.h):
 *   D  a draft note older than draft_deficiency_days      -> its author
 *   A  an addendum unsigned as long                         -> its author
 *   O  an encounter open more than open_encounter_days      -> its provider
 *   X  a closed encounter without a diagnosis               -> its provider
 *   C  a signed note whose author's role is in countersign_roles, with no
 *      signed addendum (a countersignature, note_countersign) by someone
 *      outside those roles                                  -> the encounter's provider
 * Its id is the kind and the note or encounter number ("D123", "O45"): the
 * same deficiency keeps its id while it lasts. Its age counts days since
 * the cause began (the draft written, the visit started, the encounter
 * closed, the note signed); older than delinquent_days it makes its record
 * (the encounter) delinquent.
 *
 * Every row a deficiency is computed from is checked against its chart
 * (core/integrity.h) before it is listed: a row changed outside Chartroom
 * is STATUS_INTEGRITY, never a silently missing or extra deficiency. */
#ifndef CHARTROOM_DEFICIENCY_H
#define CHARTROOM_DEFICIENCY_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

typedef struct deficiency {
	char id[24];          /* "D123" */
	char kind;            /* D A O X C */
	const char *what;     /* "Draft note not signed", ... (static) */
	int64_t note;         /* the note (D A C), 0 for O X */
	int64_t erow;         /* the encounter */
	char patient_id[33];
	char mrn[24];
	char name[160];       /* "Last, First" */
	char assigned[72];    /* the user who must act */
	char since[24];       /* UTC, when the cause began */
	int age_days;
	int delinquent;       /* age_days > delinquent_days */
	int reminders;        /* reminders HIM sent about it */
} deficiency_t;

/* The deficiencies assigned to `assignee` (NULL or "": everyone's),
 * oldest first. HIM (ACT_HIM_RECORDS) sees anyone's; a user who writes or
 * signs notes sees only their own (another assignee is STATUS_DENIED).
 * Audited as a view (the list shows MRNs and names). fn returns nonzero
 * to stop. */
status_t deficiency_list(session_t *s, const char *assignee,
			 int (*fn)(const deficiency_t *d, void *arg), void *arg, msg_t *m);

/* One deficiency by id (the same permissions); STATUS_NOTFOUND when it
 * does not exist (any more: it was resolved). */
status_t deficiency_get(session_t *s, const char *id, deficiency_t *out, msg_t *m);

/* How many deficiencies the session's own user has, and how many of them
 * are delinquent (for "You have N deficiencies" at sign-on; not audited:
 * it shows no patient). Needs ACT_NOTE_WRITE or ACT_NOTE_SIGN; others
 * get 0. */
status_t deficiency_count_mine(session_t *s, int *count, int *delinquent, msg_t *m);

/* HIM reminds the assigned user of deficiency id (ACT_HIM_RECORDS): a
 * reminder row (MAC'd, bound to the chart) and its audit entry, together.
 * The user sees it at their next sign-on. */
status_t deficiency_remind(session_t *s, const char *id, msg_t *m);

/* The reminders waiting for the session's user, marked seen now: *count
 * of them, and up to `size` bytes of their deficiency ids ("D12, O4") in
 * ids. A reminder whose deficiency was resolved meanwhile is marked seen
 * but not counted. A reminder row changed outside Chartroom is
 * STATUS_INTEGRITY. */
status_t deficiency_reminders_take(session_t *s, int *count, char *ids, size_t size, msg_t *m);

/* Inside core (the work queue, core/queue.c): every deficiency now from
 * the clear columns of the scan alone, not checked against its chart and
 * with no patient decrypted (the queue checks and decrypts only the rows
 * it shows), through fn with the deficiency's kind text. No permission
 * check and no audit: the caller does both. fn returns nonzero to stop. */
struct db_deficiency;
status_t deficiency_scan_clear(session_t *s,
			       int (*fn)(const struct db_deficiency *d, const char *what, void *arg),
			       void *arg, msg_t *m);

/* Key rotation of the demo key (core/rotate.c, inside its transaction):
 * the reminders about chart prow under another version than the newest
 * held are checked, then MAC'd anew. *rows (may be NULL) counts them. */
status_t deficiency_reminders_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m);

/* Counts by provider and month for reports (the reports helper's
 * `deficiencies` report calls this): for each (assigned user, month of
 * the cause "YYYY-MM"): deficiencies, and records (encounters) with at
 * least one delinquent deficiency. ACT_HIM_RECORDS or ACT_REPORTS_VIEW.
 * Rows come sorted by user then month. */
typedef struct deficiency_month {
	char user[72];
	char month[8];
	int deficiencies;
	int delinquent_records;
} deficiency_month_t;
status_t deficiency_by_month(session_t *s, int (*fn)(const deficiency_month_t *r, void *arg),
			     void *arg, msg_t *m);

/* The delinquency rate (the Joint Commission measure): per provider, the
 * records delinquent now against the average monthly discharges (closed
 * encounters) over the last `months` full months (1 to 24); rate is
 * delinquent / average * 100, -1 when there were no discharges.
 * ACT_HIM_RECORDS or ACT_REPORTS_VIEW. */
typedef struct delinquency_row {
	char provider[72];
	int deficiencies;
	int delinquent_records;
	double avg_discharges;
	double rate; /* percent, -1: no discharges */
} delinquency_row_t;
status_t deficiency_delinquency(session_t *s, int months,
				int (*fn)(const delinquency_row_t *r, void *arg), void *arg,
				msg_t *m);

#endif
