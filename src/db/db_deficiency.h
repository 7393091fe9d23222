/* db_deficiency.h - the SQL behind chart deficiencies (core/deficiency.h):
 * the scan that finds them in the chart tables, the closed encounters
 * (discharges) per provider and month for the delinquency report, and the
 * deficiency_reminders table. No judgement here: core checks every row's
 * MAC and decides. */
#ifndef CHARTROOM_DB_DEFICIENCY_H
#define CHARTROOM_DB_DEFICIENCY_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "db/db.h"

/* One candidate: kind 'D' draft note, 'A' unsigned addendum, 'O' encounter
 * open too long, 'X' closed encounter without a diagnosis, 'C' signed note
 * by a countersign role without a countersignature. row is the note (D A
 * C) or the encounter (O X). who: the author (D A) or the encounter's
 * provider (O X C). since: when the cause began (created, start,
 * closed_at, signed_at). */
typedef struct db_deficiency {
	char kind;
	int64_t row, erow, prow;
	char who[72], since[24];
} db_deficiency_t;

typedef struct db_deficiency_query {
	const char *drafts_before; /* drafts created before this are deficient */
	const char *open_before;   /* encounters started before this and still open */
	const char *cosign_roles;  /* ",nurse,student," ("" or NULL: none) */
	const char *who;           /* only those assigned to this user (NULL: all) */
} db_deficiency_query_t;

typedef int (*db_deficiency_fn)(const db_deficiency_t *d, void *arg);

/* Every candidate, by patient (prow) then kind and row; fn returns
 * nonzero to stop. */
status_t db_deficiency_scan(db_t *db, const db_deficiency_query_t *q, db_deficiency_fn fn,
			    void *arg, msg_t *m);

/* Closed encounters per provider and month ("YYYY-MM" of closed_at) with
 * closed_at in [from, to). */
typedef int (*db_discharge_fn)(const char *provider, const char *month, int64_t n, void *arg);
status_t db_discharges(db_t *db, const char *from, const char *to, db_discharge_fn fn, void *arg,
		       msg_t *m);

#define DB_REMINDER_MAC_MAX 64
typedef struct db_reminder {
	int64_t rrow, prow;
	char deficiency[24], to_user[72], sent_at[24], sent_by[72], seen_at[24];
	unsigned char mac[DB_REMINDER_MAC_MAX];
	size_t mac_len;
	int toolong; /* a text column longer than its buffer: only by tampering */
} db_reminder_t;
typedef int (*db_reminder_fn)(const db_reminder_t *r, void *arg);

/* The next reminder number (inside the writing transaction). */
status_t db_reminder_next(db_t *db, int64_t *rrow, msg_t *m);
status_t db_reminder_insert(db_t *db, const db_reminder_t *r, msg_t *m);
/* Reminders to to_user (NULL: everyone's), only those not yet seen when
 * unseen, oldest first. */
status_t db_reminder_list(db_t *db, const char *to_user, int unseen, db_reminder_fn fn, void *arg,
			  msg_t *m);
/* Reminders about chart prow, oldest first (a key rotation). */
status_t db_reminder_list_chart(db_t *db, int64_t prow, db_reminder_fn fn, void *arg, msg_t *m);
/* Mark seen, with the row's new MAC. */
status_t db_reminder_seen(db_t *db, int64_t rrow, const char *seen_at, const unsigned char *mac,
			  size_t mac_len, msg_t *m);
/* A key rotation: the row's MAC made anew. */
status_t db_reminder_set_mac(db_t *db, int64_t rrow, const unsigned char *mac, size_t mac_len,
			     msg_t *m);

#endif
