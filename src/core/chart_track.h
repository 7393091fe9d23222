/* chart_track.h - paper-chart tracking (VistA's Record Tracking): the
 * physical record volumes of a patient, each with a home location, charged
 * out to a person or department with a due date, returned, the overdue
 * list, and every movement kept.
 *
 * Stored as append-only events (db/db_tracking.h): where a volume is now
 * is its latest event. The place (a home location, or who has it) is
 * encrypted under the demo key bound to its row and patient; every event
 * carries a MAC over its row number, the patient's id, its columns and the
 * previous event's MAC of the same chart, checked before anything is shown
 * (STATUS_INTEGRITY naming the record otherwise). Every change is audited
 * in its transaction; every listing is audited as a view. Requires
 * ACT_HIM_RECORDS (HIM runs the file room). Times and due dates follow
 * the clock core stamps records with (core_now). */
#ifndef CHARTROOM_CHART_TRACK_H
#define CHARTROOM_CHART_TRACK_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

#define TRACK_PLACE_MAX 80 /* characters of a place or a name */

typedef struct track_event {
	int64_t trow;
	int volume;
	char event[8];   /* home, out, in */
	char place[TRACK_PLACE_MAX * 4 + 1]; /* home location / who has it / "" */
	char due[12];    /* "YYYY-MM-DD" for out */
	char at[24], by[72];
	int days_overdue; /* track_where, an "out": > 0 when past its due date */
	char from_mrn[24]; /* track_history: "" for the chart asked for, else the MRN
			    * of a chart merged into it whose volume this is */
} track_event_t;

typedef struct track_out {
	char patient_id[33];
	char mrn[24];
	char name[160];
	int volume;
	char to[TRACK_PLACE_MAX * 4 + 1];
	char home[TRACK_PLACE_MAX * 4 + 1];
	char due[12], since[24], by[72];
	int days_overdue; /* > 0: overdue */
} track_out_t;

/* Register a volume or change its home location (volume 1-99; a new
 * volume is registered "in", at its home). */
status_t track_home(session_t *s, const char *patient, int volume, const char *home, msg_t *m);
/* Charge a volume out to a person or department, due back on `due`
 * (YYYY-MM-DD, today or later). Refused while it is out already (naming
 * who has it). A volume never registered is registered first with home
 * "File room". */
status_t track_out(session_t *s, const char *patient, int volume, const char *to, const char *due,
		   msg_t *m);
/* Return a charged-out volume to its home. */
status_t track_in(session_t *s, const char *patient, int volume, msg_t *m);
/* A chart's events, oldest first, then those of every chart merged into
 * it (a merge in force), each marked with that chart's MRN. */
status_t track_history(session_t *s, const char *patient,
		       int (*fn)(const track_event_t *e, void *arg), void *arg, msg_t *m);
/* Where each volume of a chart is now: fn per volume with its latest
 * event (event "out": place is who has it; otherwise the home). For the
 * chart screen. */
status_t track_where(session_t *s, const char *patient,
		     int (*fn)(const track_event_t *e, const char *home, void *arg), void *arg,
		     msg_t *m);
/* Every volume out now (only the overdue ones when overdue_only), the
 * most overdue first. */
status_t track_list_out(session_t *s, int overdue_only,
			int (*fn)(const track_out_t *o, void *arg), void *arg, msg_t *m);

/* Key rotation of the demo key (core/rotate.c, inside its transaction):
 * when any event of chart prow is under another version than the newest
 * held, every event's place is re-encrypted and the chain re-MAC'd under
 * it, after the chain is checked under the versions it names. *rows
 * (may be NULL) gets how many events were rewritten. */
status_t track_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m);

#endif
