/* db_merge.h - the SQL of chart merges (core/merge.h): the merge journal
 * (merges, merge_rows), a chart row's stored form taken whole and put back
 * whole, and a moved row's patient column. MACs and ciphertexts stay
 * opaque here. */
#ifndef CHARTROOM_DB_MERGE_H
#define CHARTROOM_DB_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db_integrity.h"

#define DB_MERGE_REASON_MAX 2048
#define DB_MERGE_MAC_MAX 64

typedef struct db_merge {
	int64_t mrow, keep_prow, retire_prow, moved;
	char merged_at[24], merged_by[72];
	unsigned char reason[DB_MERGE_REASON_MAX];
	size_t reason_len;
	unsigned char mac[DB_MERGE_MAC_MAX];
	size_t mac_len;
	int undone; /* undone_at is set */
	char undone_at[24], undone_by[72];
	unsigned char undo_reason[DB_MERGE_REASON_MAX];
	size_t undo_reason_len;
	unsigned char undo_mac[DB_MERGE_MAC_MAX];
	size_t undo_mac_len;
	int toolong; /* a column longer than its buffer: only by tampering */
} db_merge_t;

status_t db_merge_next(db_t *db, int64_t *mrow, msg_t *m);
status_t db_merge_insert(db_t *db, const db_merge_t *g, msg_t *m);
/* STATUS_NOTFOUND when there is no such merge. */
status_t db_merge_get(db_t *db, int64_t mrow, db_merge_t *out, msg_t *m);
/* The merge in force that retired prow (STATUS_NOTFOUND: none). */
status_t db_merge_in_force(db_t *db, int64_t retire_prow, db_merge_t *out, msg_t *m);
/* Is prow the retired chart of a merge in force? (*yes 0/1) */
status_t db_merge_is_retired(db_t *db, int64_t prow, int *yes, msg_t *m);
/* Is prow the survivor or the retired chart of a merge in force? */
status_t db_merge_involved(db_t *db, int64_t prow, int *yes, msg_t *m);
/* The charts merged into keep_prow by merges in force, by prow: up to max
 * into out, *n how many. */
status_t db_merge_retired_into(db_t *db, int64_t keep_prow, int64_t *out, int max, int *n,
			       msg_t *m);
/* The destruction of chart prow (core/retention.c, inside its
 * transaction): every merge naming it (kept or retired, in force or
 * undone) leaves the journal - its merge_rows, which hold copies of the
 * charts' rows, and its merges row, which names both charts and holds the
 * encrypted reasons - and meta "merge_destroyed:N" keeps, without PHI, the
 * number of the destruction certificate `cert`, so that an unmerge of N
 * says why it cannot be done. *n (may be NULL) gets how many merges. */
status_t db_merge_forget(db_t *db, int64_t prow, int64_t cert, int64_t *n, msg_t *m);
/* The certificate a merge's charts were destroyed under (meta
 * "merge_destroyed:N"): STATUS_NOTFOUND when none. */
status_t db_merge_destroyed(db_t *db, int64_t mrow, int64_t *cert, msg_t *m);

/* Record the undoing (undone_at, undone_by, undo_reason, undo_mac). */
status_t db_merge_set_undone(db_t *db, const db_merge_t *g, msg_t *m);

/* Every merge (in force or undone) that retired prow, oldest first. */
status_t db_merge_each_retired(db_t *db, int64_t prow, int (*fn)(const db_merge_t *g, void *arg),
			       void *arg, msg_t *m);
/* Every merge (in force or undone), newest first; at most limit (0: all).
 * fn returns non-zero to stop. For the list of merges (core/merge_list.h). */
status_t db_merge_each(db_t *db, int limit, int (*fn)(const db_merge_t *g, void *arg), void *arg,
		       msg_t *m);
/* A demo key rotation: the merge's reasons and MACs anew. */
status_t db_merge_rekey(db_t *db, const db_merge_t *g, msg_t *m);
status_t db_merge_row_set_mac(db_t *db, int64_t mrow, db_chart_table_t t, int64_t row,
			      const unsigned char *mac, size_t len, msg_t *m);

status_t db_merge_row_insert(db_t *db, int64_t mrow, db_chart_table_t t, int64_t row,
			     const unsigned char *before, size_t before_len,
			     const unsigned char *after_mac, size_t after_len,
			     const unsigned char *mac, size_t mac_len, msg_t *m);
/* fn for every journal row of the merge, in (tbl, row) order. */
typedef int (*db_merge_row_fn)(db_chart_table_t t, int64_t row, const unsigned char *before,
			       size_t before_len, const unsigned char *after_mac, size_t after_len,
			       const unsigned char *mac, size_t mac_len, void *arg);
status_t db_merge_rows(db_t *db, int64_t mrow, db_merge_row_fn fn, void *arg, msg_t *m);

/* The whole stored row (every column, typed) of table t's row `row`
 * (allergy_review: by prow) into a malloc'd buffer. */
status_t db_merge_snapshot(db_t *db, db_chart_table_t t, int64_t row, unsigned char **out,
			   size_t *len, msg_t *m);
/* Put a row back exactly as snapshot holds it (every column), the row
 * found by its current key `now_key` (the row number; allergy_review: its
 * current prow). A signed note is put back with the database's refusal
 * lifted for that statement only. */
status_t db_merge_restore(db_t *db, db_chart_table_t t, int64_t now_key,
			  const unsigned char *snap, size_t len, msg_t *m);
/* Rows of table t (vitals or notes) on chart prow whose encounter is on
 * chart other: fn(row number) for each, by number. */
status_t db_merge_followers(db_t *db, db_chart_table_t t, int64_t prow, int64_t other,
			    int (*fn)(int64_t row, void *arg), void *arg, msg_t *m);
/* Set a row's patient (allergy_review: its key `row` is the old prow). */
status_t db_merge_set_prow(db_t *db, db_chart_table_t t, int64_t row, int64_t prow, msg_t *m);
/* allergy_review's MAC (after a move). */
status_t db_merge_nka_mac(db_t *db, int64_t prow, const unsigned char *mac, size_t len,
			  msg_t *m);

#endif
