/* db_btg_review.h - SQL for the break-the-glass review: the whole queue
 * (btg_queue, every patient) and the privacy officer's findings
 * (btg_review, append-only: triggers refuse UPDATE and DELETE). MACs stay
 * opaque here; core/btg_review.c computes and checks them. */
#ifndef CHARTROOM_DB_BTG_REVIEW_H
#define CHARTROOM_DB_BTG_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db_patients.h"

/* Every break-the-glass access, newest first, with its patient's id. */
status_t db_btg_all(db_t *db, int (*fn)(const db_btg_t *b, const char *patient_id, void *arg),
                    void *arg, msg_t *m);
/* One access by number (STATUS_NOTFOUND if none), with its patient's id. */
status_t db_btg_get(db_t *db, int64_t id, db_btg_t *out, char patient_id[33], msg_t *m);

typedef struct db_btg_review {
	int64_t id, btg_id, prow, audit_seq;
	char reviewer[72], ts[24], finding[24];
	int key_version;
	unsigned char mac[64];
	size_t mac_len;
	int toolong; /* a column holds what Chartroom never writes */
} db_btg_review_t;

/* The next review row number (inside the write transaction). */
status_t db_btg_review_next(db_t *db, int64_t *id, msg_t *m);
status_t db_btg_review_add(db_t *db, const db_btg_review_t *r, msg_t *m);
/* Every finding, oldest first (btg_id 0), or those on one access. */
status_t db_btg_review_each(db_t *db, int64_t btg_id,
                            int (*fn)(const db_btg_review_t *r, void *arg), void *arg, msg_t *m);
/* Accesses with no finding yet, and of them those made before `before`
 * (a UTC time, "YYYY-MM-DDTHH:MM:SSZ"). */
status_t db_btg_unreviewed(db_t *db, const char *before, int64_t *count, int64_t *overdue,
                           msg_t *m);

#endif
