/* db_audit.h - the audit and audit_pending tables. The db layer stores and
 * returns rows; computing and checking the chain's MACs is core's job
 * (core/audit.c). */
#ifndef CHARTROOM_DB_AUDIT_H
#define CHARTROOM_DB_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_AUDIT_MAC_LEN 32
#define DB_AUDIT_DETAIL_MAX 4096
/* Patients one trail entry may record as listed (the searches of one
 * session chained together: core/audit_journal.c), and the room their
 * text takes ("PROW PROW ...", decimal, ascending). */
#define DB_AUDIT_LISTED_MAX 512
#define DB_AUDIT_LISTED_TEXT (DB_AUDIT_LISTED_MAX * 21)

typedef struct db_audit_row {
	int64_t seq;
	char ts[24];
	char user_id[40];
	char user_name[72];
	char os_user[40];
	char source[72];
	char action[40];
	char target[72];
	char outcome[24];
	unsigned char detail[DB_AUDIT_DETAIL_MAX]; /* ciphertext, or empty */
	size_t detail_len;
	int has_detail; /* 0: SQL NULL */
	int key_version;
	unsigned char mac[DB_AUDIT_MAC_LEN];
	size_t mac_len; /* as stored; a tampered row may have another length */
	char chart_head[80]; /* "SEQ:MACHEX" of the chart head the change left, or "" */
	/* The patients a search listed, as stored (audit.listed, migration
	 * 016): "" or row numbers in decimal, ascending, one space apart. A
	 * tampered value longer than this is cut, so its MAC fails. */
	char listed[DB_AUDIT_LISTED_TEXT];
} db_audit_row_t;

/* The last row's sequence and MAC; seq 0 and a zero MAC when empty. */
status_t db_audit_last(db_t *db, int64_t *seq, unsigned char mac[DB_AUDIT_MAC_LEN], msg_t *m);

/* Append a row (row->seq must be the last seq + 1). */
status_t db_audit_insert(db_t *db, const db_audit_row_t *row, msg_t *m);

/* Filters for db_audit_each; empty strings mean "any". */
typedef struct db_audit_filter {
	const char *user_name;
	const char *since; /* ts >= since, "YYYY-MM-DD..." */
	const char *target;
	int64_t limit;     /* 0: no limit */
	int newest_first;
} db_audit_filter_t;

/* Call fn for rows in sequence order (or newest first); NULL filter: all. */
status_t db_audit_each(db_t *db, const db_audit_filter_t *f,
		       int (*fn)(const db_audit_row_t *row, void *arg), void *arg, msg_t *m);

/* The chart head recorded by the latest entry about target that recorded
 * one ("" if none). */
status_t db_audit_chart_head(db_t *db, const char *target, char *out, size_t size, msg_t *m);
/* For every target that has one, its latest recorded chart head, by
 * target. */
status_t db_audit_chart_heads(db_t *db, int (*fn)(const char *target, const char *head, void *arg),
			      void *arg, msg_t *m);
/* The first entry whose action is `action`, one of 'integrity_on' and
 * 'integrity_migration_start' (indexed): *seq, or 0 if none. */
status_t db_audit_mark(db_t *db, const char *action, int64_t *seq, msg_t *m);

/* Number of rows in the chain. */
status_t db_audit_count(db_t *db, int64_t *out, msg_t *m);

/* Pending (unchained) events: add one; move all out in order through fn,
 * deleting each one fn accepts (returns 0). */
status_t db_audit_pending_add(db_t *db, const db_audit_row_t *row, msg_t *m);
status_t db_audit_pending_drain(db_t *db, int (*fn)(const db_audit_row_t *row, void *arg),
				void *arg, msg_t *m);

/* Failed sign-on attempts (login_failed, login_refused) chained after the
 * user's last successful sign-on (all of them before a first sign-on).
 * Pending rows are not counted: drain them first. */
status_t db_audit_failures_since_login(db_t *db, const char *user_id, const char *user_name,
				       int *out, msg_t *m);

/* Events chained from the audit journal (core/audit_journal.c): was
 * event_id chained already (in this transaction's view)? Record that it
 * was, as trail entry seq; forget the ids of entries before `below`. */
status_t db_audit_event_seen(db_t *db, const char *event_id, int *seen, msg_t *m);
status_t db_audit_event_add(db_t *db, const char *event_id, int64_t seq, msg_t *m);
status_t db_audit_events_prune(db_t *db, int64_t below, msg_t *m);

/* Failed sign-ons (login_failed, login_refused) of a user waiting in the
 * pending table. */
status_t db_audit_pending_count(db_t *db, const char *user_id, const char *user_name,
				int64_t *out, msg_t *m);

/* ---- access reports (core/access.h) ---- */

/* Entries about target (a patient's id), newest first, ts in [from,
 * until) (either NULL: open), at most limit (0: all); fn returns non-zero
 * to stop. Uses the index audit_target. */
status_t db_audit_for_target(db_t *db, const char *target, const char *from, const char *until,
			     int64_t limit, int (*fn)(const db_audit_row_t *row, void *arg),
			     void *arg, msg_t *m);
/* A user's entries whose target is a patient's id, newest first, with the
 * patient's row number; filters as db_audit_for_target. */
status_t db_audit_user_charts(db_t *db, const char *user_name, const char *from,
			      const char *until, int64_t limit,
			      int (*fn)(const db_audit_row_t *row, int64_t prow, void *arg),
			      void *arg, msg_t *m);
/* The ids of the patients at rows prows[0..n-1] into ids ("" for a row
 * with no patient now, as after a destruction). */
status_t db_audit_patient_ids(db_t *db, const int64_t *prows, int n, char (*ids)[33], msg_t *m);
/* Entries about a patient: those whose target is the patient's id and
 * those that listed the patient's row (audit_listed), newest first, as
 * db_audit_for_target. */
status_t db_audit_for_patient(db_t *db, const char *target, int64_t prow, const char *from,
			      const char *until, int64_t limit,
			      int (*fn)(const db_audit_row_t *row, void *arg), void *arg,
			      msg_t *m);

/* ---- audit_listed: the patients each search entry listed, by patient ---- */

/* Record that entry seq listed these patient rows (inside the entry's
 * transaction). */
status_t db_audit_listed_add(db_t *db, int64_t seq, const int64_t *prows, int n, msg_t *m);
/* Is (prow, seq) recorded? */
status_t db_audit_listed_has(db_t *db, int64_t prow, int64_t seq, int *found, msg_t *m);
/* The pairs recorded for entries up to seq `upto`. */
status_t db_audit_listed_count(db_t *db, int64_t upto, int64_t *out, msg_t *m);

/* One entry by sequence number (STATUS_NOTFOUND if none). */
status_t db_audit_get(db_t *db, int64_t seq, db_audit_row_t *out, msg_t *m);
/* Every 'btg_review' entry's sequence and target, oldest first. */
status_t db_audit_btg_reviews(db_t *db, int (*fn)(int64_t seq, const char *target, void *arg),
			      void *arg, msg_t *m);
/* Every 'break_the_glass' entry's sequence and target, oldest first. */
status_t db_audit_btg_accesses(db_t *db, int (*fn)(int64_t seq, const char *target, void *arg),
			       void *arg, msg_t *m);

#endif
