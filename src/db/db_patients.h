/* db_patients.h - the patients table (ciphertext and bookkeeping only),
 * the blind-index token table, recently opened charts, the break-the-glass
 * queue and the MRN sequence. Knows nothing of what the blobs contain. */
#ifndef CHARTROOM_DB_PATIENTS_H
#define CHARTROOM_DB_PATIENTS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_PATIENT_BLOB_MAX 4096
#define DB_PATIENT_MATCH_MAX 256

typedef struct db_patient_row {
	int64_t prow;
	char id[33];
	int version;
	int confidential;
	unsigned char ident[DB_PATIENT_BLOB_MAX];
	size_t ident_len;
	unsigned char details[DB_PATIENT_BLOB_MAX];
	size_t details_len;
	/* The match set (core/pindex.h); empty (stored NULL) on rows written
	 * before it existed. Opaque here. */
	unsigned char match[DB_PATIENT_MATCH_MAX];
	size_t match_len;
	/* Report flags (core/precord.h PQ_*), computed by core when it seals
	 * the record; -1: not computed yet (stored NULL). */
	int quality;
	char created[24];
	char created_by[72];
	char updated[24];
	char updated_by[72];
	int toolong; /* id longer than any written (only by tampering): never verifies */
} db_patient_row_t;

/* Insert; sets row->prow. */
status_t db_patient_insert(db_t *db, db_patient_row_t *row, msg_t *m);

/* For a bulk load inside its write transaction: the row number the next
 * insert would get (one past the highest), so a batch can number its rows
 * before it inserts them; and the insert of row->prow with its name-order
 * rank already known (no second write to set it). */
status_t db_patient_next_prow(db_t *db, int64_t *prow, msg_t *m);
status_t db_patient_insert_ranked(db_t *db, const db_patient_row_t *row, int64_t rank, msg_t *m);

/* Update ident, details, match, confidential and who/when where prow matches and
 * the version is still `expect_version`; the version becomes +1.
 * STATUS_CONFLICT if someone else saved in between (row unchanged). */
status_t db_patient_update(db_t *db, const db_patient_row_t *row, int expect_version, msg_t *m);

/* Replace a row's two ciphertexts and its report flags, nothing else
 * (re-sealing old rows in the current form). */
status_t db_patient_reseal(db_t *db, const db_patient_row_t *row, msg_t *m);

/* Set a row's report flags only (the backfill of the re-index pass). */
status_t db_patient_set_quality(db_t *db, int64_t prow, int quality, msg_t *m);

/* Replace a row's match set, nothing else (the index key's rotation). */
status_t db_patient_set_match(db_t *db, int64_t prow, const unsigned char *match, size_t len,
			      msg_t *m);

/* Fetch one row by prow or by id (STATUS_NOTFOUND if absent). */
status_t db_patient_get(db_t *db, int64_t prow, db_patient_row_t *out, msg_t *m);
status_t db_patient_get_by_id(db_t *db, const char *id, db_patient_row_t *out, msg_t *m);

/* Fetch only what a search list needs (prow, id, confidential, ident). */
status_t db_patient_get_ident(db_t *db, int64_t prow, db_patient_row_t *out, msg_t *m);

/* The rows of up to DB_PATIENT_EACH_MAX prows, given in ascending order
 * (missing ones skipped), in that order: fn(row, arg) for each until it
 * returns non-zero. More than DB_PATIENT_EACH_FEW are read by one
 * statement. Only what a search list needs is read (as
 * db_patient_get_ident) unless `full`. buf holds each row during its call;
 * it is the caller's (and may hold decrypted-to-be data: wipe it). */
#define DB_PATIENT_EACH_MAX 64
#define DB_PATIENT_EACH_FEW 4
typedef int (*db_patient_fn)(const db_patient_row_t *row, void *arg);
status_t db_patient_each(db_t *db, const int64_t *prows, int n, int full, db_patient_row_t *buf,
			 db_patient_fn fn, void *arg, msg_t *m);

/* Fetch a row's match set into set (up to cap bytes; *len 0 when the row
 * has none). STATUS_NOTFOUND if there is no such row. */
status_t db_patient_get_match(db_t *db, int64_t prow, unsigned char *set, size_t cap,
			      size_t *len, msg_t *m);

status_t db_patient_count(db_t *db, int64_t *out, msg_t *m);

/* The ids of the patients after row `after`, in row order: up to max into
 * ids (33 bytes each) and prows; *n how many (0 at the end). For a walk
 * over every chart a page at a time (core/fhir.c's bulk export). */
status_t db_patient_page(db_t *db, int64_t after, char (*ids)[33], int64_t *prows, int max,
			 int *n, msg_t *m);

/* Tokens. */
status_t db_token_insert(db_t *db, int64_t token, int64_t prow, msg_t *m);
/* Insert n (token, prow) pairs laid out as token0, prow0, token1, ... */
status_t db_token_insert_many(db_t *db, const int64_t *pairs, size_t n, msg_t *m);
status_t db_token_delete(db_t *db, int64_t token, int64_t prow, msg_t *m);
status_t db_token_exists(db_t *db, int64_t token, int64_t prow, int *exists, msg_t *m);
/* Up to `max` prows holding token, in name order (rank, then prow).
 * *n gets the count found. */
status_t db_token_lookup(db_t *db, int64_t token, int64_t *prows, int max, int *n, msg_t *m);
/* Insert n (token, rank, prow) triples laid out as token0, rank0, prow0, ... */
status_t db_token_insert_ranked(db_t *db, const int64_t *triples, size_t n, msg_t *m);
/* The token row (token, from, prow) gets rank `to` (none there: nothing). */
status_t db_token_rerank(db_t *db, int64_t token, int64_t prow, int64_t from, int64_t to,
			 msg_t *m);
/* The patients holding token after (after_rank, after_prow), in name
 * order (rank, prow), at most max of them, read by one statement that
 * walks the (token, rank) index and joins each index row to its patient
 * (an index row whose patient is gone gives nothing): fn(row, rank, arg)
 * for each until it returns non-zero. Only what a search list needs is
 * read (as db_patient_get_ident) unless `full`. *n counts the rows given
 * to fn, and (*last_rank, *last_prow) is the place of the last of them
 * (unchanged when none). buf holds each row during its call; it is the
 * caller's. */
typedef int (*db_ranked_fn)(const db_patient_row_t *row, int64_t rank, void *arg);
status_t db_token_rows(db_t *db, int64_t token, int64_t after_rank, int64_t after_prow, int max,
		       int full, db_patient_row_t *buf, db_ranked_fn fn, void *arg, int *n,
		       int64_t *last_rank, int64_t *last_prow, msg_t *m);
/* Every token row's rank set to its patient's, in one rewrite of the
 * table (`keys reindex` after ranking every patient). */
status_t db_token_ranks_refresh(db_t *db, msg_t *m);

/* The name order (core/porder.h): a patient's rank (0: none yet). */
status_t db_patient_rank(db_t *db, int64_t prow, int64_t *rank, msg_t *m);
status_t db_patient_set_rank(db_t *db, int64_t prow, int64_t rank, msg_t *m);
/* Up to max ranked patients (rank > 0, not exclude) nearest `rank`: with
 * after, those at or above it, ascending; else at or below, descending. */
status_t db_rank_near(db_t *db, int64_t rank, int after, int64_t exclude, int max, int64_t *prows,
		      int64_t *ranks, int *n, msg_t *m);
/* SQLite's data_version: it changes when another connection commits. */
status_t db_data_version(db_t *db, int64_t *v, msg_t *m);
/* Up to max patients without a rank (sort_rank 0). */
status_t db_rank_unplaced(db_t *db, int64_t *prows, int max, int *n, msg_t *m);
/* Every ranked patient (prow, id, version, confidential, ident; its rank
 * into *rank) in rank order, to fn until it returns nonzero. */
status_t db_patient_each_ranked(db_t *db, db_patient_row_t *buf, int64_t *rank,
				db_patient_fn fn, void *arg, msg_t *m);

/* Recently opened charts. */
status_t db_recent_touch(db_t *db, const char *user_id, int64_t prow, const char *when,
			 msg_t *m);
status_t db_recent_list(db_t *db, const char *user_id, int64_t *prows, int max, int *n,
			msg_t *m);

/* Break-the-glass queue. Rows carry a MAC (core/integrity.h) over their
 * number and columns; id is chosen by the caller (db_row_next). */
typedef struct db_btg {
	int64_t id, audit_seq, prow;
	char user_name[72], ts[24];
	int reviewed;
	char reviewed_by[72], reviewed_at[24];
	unsigned char mac[64];
	size_t mac_len;
	int toolong; /* a column holds what Chartroom never writes: only by tampering */
} db_btg_t;
status_t db_btg_add(db_t *db, const db_btg_t *b, msg_t *m);
/* A patient's rows, by id. */
status_t db_btg_list(db_t *db, int64_t prow, int (*fn)(const db_btg_t *b, void *arg), void *arg,
		     msg_t *m);
status_t db_btg_set_mac(db_t *db, int64_t id, const unsigned char *mac, size_t len, msg_t *m);
status_t db_btg_pending_count(db_t *db, int64_t *out, msg_t *m);

/* Take the next MRN sequence number, or reserve `count` consecutive ones
 * starting at *first (inside a transaction). */
status_t db_mrn_next(db_t *db, int64_t *seq, msg_t *m);
status_t db_mrn_reserve(db_t *db, int64_t count, int64_t *first, msg_t *m);

/* Bulk loads: a larger page cache while on. */
status_t db_bulk_mode(db_t *db, int on, msg_t *m);

/* A load into a database nobody else has open writes the database file
 * directly, through SQLite's rollback journal, instead of writing every
 * page to the log and then copying it into the file (README, "A first
 * load writes the file once"). on = 1, outside a transaction: switch to
 * the rollback journal; *direct is 1 when it did, 0 when another
 * connection has the file open (it never waits for one). on = 0: back to
 * the log (if another connection holds the file at that moment, its own
 * open already switched it back: every read-write open sets the log).
 * A crash meanwhile leaves a journal that SQLite rolls back at the next
 * open, which sets the log again. */
status_t db_direct_write(db_t *db, int on, int *direct, msg_t *m);

/* A bulk load's checkpoints, on a connection and thread of their own, so
 * that the load's writer goes on with its next batch while the log of the
 * last one is copied into the database (a crash at any moment is as safe
 * as SQLite's own checkpoint). db_ckpt_start stops the writer's automatic
 * checkpoints (*out NULL: none could be set up, they stay as they were);
 * db_ckpt_kick asks for one after each commit; db_ckpt_stop runs a last
 * one, waits for it, and gives the writer its automatic ones back. */
typedef struct db_ckpt db_ckpt_t;
status_t db_ckpt_start(db_t *db, db_ckpt_t **out);
void db_ckpt_kick(db_ckpt_t *c);
void db_ckpt_stop(db_ckpt_t *c);

#endif
