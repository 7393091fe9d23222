/* precord.h - inside core only: a patient record to and from its stored
 * form (two ciphertexts bound to the patient's id), and the bulk writer
 * that imports and the demo generator share. */
#ifndef CHARTROOM_PRECORD_H
#define CHARTROOM_PRECORD_H

#include "core/crypto.h"
#include "core/import.h"
#include "core/patient.h"
#include "core/pindex.h"
#include "db/db_patients.h"

/* 0: ident (MRN, names, DOB, sex), 1: details. */
int precord_field_group(pfield_t f);

/* The report flags of a record (the clear patients.quality column, read
 * by core/report.h's quality report without decrypting anything). Each
 * says yes or no about one fact, never a value. No phone: neither home
 * nor mobile. No address: no street line, or no city, state or ZIP.
 * Invalid ZIP: not 5 or 9 digits, or all zeros or all nines (placeholders).
 * Invalid phone: a home or mobile number that is not a 10-digit US number
 * (area code and exchange from 2), or a placeholder (all one digit,
 * 123-456-7890). Records are validated on entry; these catch records
 * written before a rule and placeholders typed to get past one. */
#define PQ_NO_PHONE 1
#define PQ_NO_ADDRESS 2
#define PQ_BAD_ZIP 4
#define PQ_BAD_PHONE 8
int precord_quality(const patient_t *p);

/* Serialise and encrypt p's fields into row as the row's `version` (id,
 * confidential and version copied into row; row->quality computed by
 * precord_quality). SECURITY: both ciphertexts
 * are bound to the patient's id and to "c<confidential>v<version>", so the
 * clear flag and version columns cannot be changed on their own. */
status_t precord_seal(const keyring_t *kr, const patient_t *p, int version, db_patient_row_t *row,
		      msg_t *m);

/* Decrypt row into p (details too unless ident_only); flags as
 * crypto_field_open (CRYPTO_OPEN_LEGACY while an old database is being
 * re-sealed). A failed check is STATUS_INTEGRITY "Integrity check failed:
 * patients record N was altered ...", never data; a missing key
 * STATUS_DENIED. */
status_t precord_open(const keyring_t *kr, const db_patient_row_t *row, patient_t *p,
		      int ident_only, unsigned flags, msg_t *m);

/* Bulk insertion of already validated patients inside one transaction:
 * rows are sealed and numbered as they come and wait in memory (their
 * ciphertexts only) with their tokens; at the end the batch is put in
 * name order (core/porder.h), each row is inserted with its rank, and the
 * tokens are sorted and written (sorted inserts into the index B-tree are
 * many times faster than random ones). One audit entry records the
 * batch. */
typedef struct pbulk pbulk_t;
status_t pbulk_begin(session_t *s, const char *what, pbulk_t **out, msg_t *m);
/* Assigns id, row number and MRN to p and encrypts it; it is inserted at
 * the commit. */
status_t pbulk_add(pbulk_t *b, patient_t *p, msg_t *m);
/* Feed the bulk writer from a producer: the producer fills p and returns
 * 1, or 0 at the end, or -1 with msg set. It is called in order, one call
 * at a time, from worker threads (a worker for every core but one) that
 * encrypt and compute tokens while this thread writes rows in the
 * producer's order; this thread encrypts too whenever it would otherwise
 * wait. Record ids are drawn in ascending blocks. At most `max` patients
 * (MRNs are reserved for that many up front). *added counts the rows
 * taken into the batch (inserted at its commit). The producer must not
 * touch the database or the session's keys. */
typedef int (*pbulk_producer_fn)(void *arg, patient_t *p, msg_t *m);
status_t pbulk_feed(pbulk_t *b, pbulk_producer_fn producer, void *arg, int64_t max,
		    int64_t *added, msg_t *m);

/* Called on this (the writing) thread for each patient row as it is
 * inserted at the batch's commit, in the producer's order, inside the
 * batch's transaction: an import audits each row it registers despite a
 * likely duplicate. NULL to stop. */
typedef status_t (*pbulk_row_fn)(void *arg, const db_patient_row_t *row, msg_t *m);
void pbulk_on_row(pbulk_t *b, pbulk_row_fn fn, void *arg);

/* Write the tokens, audit, commit (or roll back on failure); frees b. */
status_t pbulk_commit(pbulk_t *b, int64_t *count, msg_t *m);

/* A long bulk load (imports, demo data) commits in batches: between them
 * the write lock is free for other users' changes, and an import records
 * how far it got in each batch's transaction. A batch is fed
 * PBULK_BATCH_ROWS patients at a time and committed as soon as another
 * writer waits for the lock, or at PBULK_BATCH_MAX patients. Every commit
 * rewrites much of the search index (a batch's tokens land all over it),
 * so a load that nobody waits for commits rarely and keeps its speed, and
 * one that others wait for lets them in within one chunk. */
#define PBULK_BATCH_ROWS IMPORT_BATCH_ROWS
#define PBULK_BATCH_MAX 250000
/* pbulk_load (a load whose producer can run ahead: demo and synthetic
 * patients) commits every PBULK_LOAD_MAX patients, other writers
 * waiting aside. It writes in parts of max_rows / PBULK_PARTS patients
 * (at most PBULK_PART_MAX, at least the feed's chunk), each sealed while
 * the one before is written, so its commits can be large without the
 * first part (sealed before anything is written) growing with them. The
 * index rows wait for the commit (all parts' at once, in key order), so
 * small parts cost the writer nothing more; they shorten the start (the
 * first part) and the end (the last part's rows after the last sealing):
 * 16 parts of 62,500 at a million ran at 51,500-53,400 patients/s where
 * 4 of 250,000 ran at 47,000-47,600, with 0.3 GB less memory. */
#define PBULK_LOAD_MAX 1000000
#define PBULK_PARTS 16
#define PBULK_PART_MAX 250000
/* The longest a bulk load waits between batches for writers in line. */
#define PBULK_YIELD_MS 250

/* Feed one batch of at most min(left, max_rows) patients, `chunk` at a
 * time, ending early when another connection waits for the write lock.
 * *added counts them (fewer than asked: the producer ended, or a writer
 * waits). */
status_t pbulk_feed_batch(pbulk_t *b, pbulk_producer_fn producer, void *arg, int64_t left,
			  int64_t chunk, int64_t max_rows, msg_t *m, int64_t *added);

/* For a load in batches: commit this batch as pbulk_commit does (tokens,
 * its own audit entry, commit; *count its patients) but keep b, its
 * page cache and MRN reservation; on failure it is rolled back and b can
 * only be aborted. pbulk_next_batch lets any writer that waits go first,
 * then begins the next batch's transaction. */
status_t pbulk_commit_batch(pbulk_t *b, int64_t *count, msg_t *m);
status_t pbulk_next_batch(pbulk_t *b, msg_t *m);
/* A whole load of n patients, committed every max_rows patients (and
 * whenever another connection waits for the write lock, and at the end),
 * written in parts (PBULK_PARTS above), the next part sealed on other
 * threads while one is written: the producer must be able to run ahead
 * of what is committed (a generator, not an import whose progress is
 * saved with each batch). *done counts the patients committed; on
 * failure the open transaction (if any) is rolled back, and b can only
 * be aborted. */
status_t pbulk_load(pbulk_t *b, pbulk_producer_fn producer, void *arg, int64_t n, int64_t chunk,
		    int64_t max_rows, int64_t *done, msg_t *m);
/* The last pbulk_load on b wrote the database file directly (it had no
 * patients and no other connection had it open: db_direct_write). */
int pbulk_wrote_direct(const pbulk_t *b);
/* After the last pbulk_commit_batch: free b. */
void pbulk_end(pbulk_t *b);
/* Roll back and free. NULL allowed. */
void pbulk_abort(pbulk_t *b);

#endif
