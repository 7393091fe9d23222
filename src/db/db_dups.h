/* db_dups.h - the SQL of the duplicate-chart worklist and the do-not-link
 * list (core/dupscan.h, core/notsame.h): tables dup_candidates and
 * dup_not_same (migration 016). MACs and ciphertexts stay opaque here. */
#ifndef CHARTROOM_DB_DUPS_H
#define CHARTROOM_DB_DUPS_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "db/db.h"

#define DB_DUP_MAC_MAX 64
#define DB_DUP_REASON_MAX 1024

/* A candidate pair: prow_a < prow_b. */
typedef struct db_dup {
	int64_t crow, prow_a, prow_b;
	int score;
	int64_t matched; /* feature bits (core/pmatch.h) */
	char found_at[24];
	unsigned char mac[DB_DUP_MAC_MAX];
	size_t mac_len;
	int toolong; /* a column longer than its buffer: only by tampering */
} db_dup_t;

/* A pair marked "not the same person": prow_a < prow_b. */
typedef struct db_notsame {
	int64_t lrow, prow_a, prow_b;
	unsigned char reason[DB_DUP_REASON_MAX];
	size_t reason_len;
	char set_at[24], set_by[72];
	unsigned char mac[DB_DUP_MAC_MAX];
	size_t mac_len;
	int toolong;
} db_notsame_t;

typedef int (*db_dup_fn)(const db_dup_t *d, void *arg);
typedef int (*db_notsame_fn)(const db_notsame_t *n, void *arg);

/* Every candidate, best score first (then by number); or those of one
 * chart (prow > 0, either side). fn returns nonzero to stop. */
status_t db_dup_list(db_t *db, int64_t prow, db_dup_fn fn, void *arg, msg_t *m);
/* One candidate; STATUS_NOTFOUND. */
status_t db_dup_get(db_t *db, int64_t crow, db_dup_t *out, msg_t *m);
/* A scan's new list: every candidate removed (inside its transaction). */
status_t db_dup_clear(db_t *db, msg_t *m);
/* Insert (d->crow 0: numbered here and set). */
status_t db_dup_insert(db_t *db, db_dup_t *d, msg_t *m);
/* Remove the candidate of this pair, if any (*removed 0/1, may be NULL). */
status_t db_dup_remove_pair(db_t *db, int64_t prow_a, int64_t prow_b, int *removed, msg_t *m);
/* A key rotation: the MAC made anew. */
status_t db_dup_set_mac(db_t *db, int64_t crow, const unsigned char *mac, size_t len, msg_t *m);
status_t db_dup_count(db_t *db, int64_t *n, msg_t *m);

/* The do-not-link list, by number; or one chart's (prow > 0, either
 * side). */
status_t db_notsame_list(db_t *db, int64_t prow, db_notsame_fn fn, void *arg, msg_t *m);
/* The row of a pair (a < b); STATUS_NOTFOUND when the pair is not listed. */
status_t db_notsame_get_pair(db_t *db, int64_t prow_a, int64_t prow_b, db_notsame_t *out,
			     msg_t *m);
/* The number the next row gets (inside the writing transaction). */
status_t db_notsame_next(db_t *db, int64_t *lrow, msg_t *m);
status_t db_notsame_insert(db_t *db, const db_notsame_t *n, msg_t *m);
/* A key rotation: the reason and MAC made anew. */
status_t db_notsame_reseal(db_t *db, const db_notsame_t *n, msg_t *m);

/* How many rows chart prow has in each of its tables, for a side-by-side
 * preview (counts only): encounters, notes, problems, allergies,
 * medications, vitals, disclosures, rights requests, paper-chart events. */
#define DB_DUP_COUNTS(X)                                                        \
	X(ENCOUNTERS, "encounters", "SELECT count(*) FROM encounters WHERE prow = ?1") \
	X(NOTES, "notes", "SELECT count(*) FROM notes WHERE prow = ?1")                \
	X(PROBLEMS, "problems", "SELECT count(*) FROM problems WHERE prow = ?1")       \
	X(ALLERGIES, "allergies", "SELECT count(*) FROM allergies WHERE prow = ?1")    \
	X(MEDICATIONS, "medications", "SELECT count(*) FROM medications WHERE prow = ?1") \
	X(VITALS, "vitals", "SELECT count(*) FROM vitals WHERE prow = ?1")             \
	X(DISCLOSURES, "disclosures", "SELECT count(*) FROM disclosures WHERE prow = ?1") \
	X(REQUESTS, "rights requests", "SELECT count(*) FROM rights_requests WHERE prow = ?1") \
	X(TRACKING, "paper-chart events", "SELECT count(*) FROM chart_tracking WHERE prow = ?1")
typedef enum {
#define DB_DC_ENUM(id, label, sql) DB_DC_##id,
	DB_DUP_COUNTS(DB_DC_ENUM)
#undef DB_DC_ENUM
	DB_DC_COUNT
} db_dup_count_t;
/* The label of count i ("encounters"). */
const char *db_dup_count_label(int i);
status_t db_dup_chart_counts(db_t *db, int64_t prow, int64_t out[DB_DC_COUNT], msg_t *m);

#endif
