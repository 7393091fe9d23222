/* db_rights.h - the SQL of patients' rights (core/disclosure.h,
 * core/rights.h): the append-only disclosures and rights_requests tables
 * (migration 014). Rows go in and come out; MACs and ciphertexts stay
 * opaque here. A triggers refuses every UPDATE and DELETE of both. */
#ifndef CHARTROOM_DB_RIGHTS_H
#define CHARTROOM_DB_RIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db_clinical.h"

typedef struct db_disclosure {
	char id[33];
	int64_t n, prow;
	char disclosed_on[11], category[24], source[12];
	int64_t roi, strikes;
	char suspended_until[11], recorded_at[24], recorded_by[72];
	db_blob_t body, mac; /* valid during the callback only */
	int toolong;         /* a text column longer than Chartroom writes */
} db_disclosure_t;

/* The next number (inside the write transaction that inserts it). */
status_t db_disclosure_next(db_t *db, int64_t *n, msg_t *m);
status_t db_disclosure_add(db_t *db, const db_disclosure_t *d, msg_t *m);
/* A patient's entries (prow > 0) or everyone's (prow 0), by number;
 * n > 0: that entry only. fn returns non-zero to stop. */
status_t db_disclosure_list(db_t *db, int64_t prow, int64_t n,
			    int (*fn)(const db_disclosure_t *d, void *arg), void *arg, msg_t *m);

typedef struct db_request {
	char id[33], kind[12];
	int64_t req, seq, prow;
	char ev[16], at[24], by_user[72], status[24];
	char received[11], due[11];
	int extended;
	char closed_on[11], category[24], parts[160], from_date[11], to_date[11];
	char auth[16], auth_signed[11], auth_expires[11], code[24];
	int64_t fee_cents, disclosure;
	db_blob_t body, mac;
	int toolong;
} db_request_t;

/* The next request number of a kind ("roi", "amendment"). */
status_t db_request_next(db_t *db, const char *kind, int64_t *req, msg_t *m);
status_t db_request_add(db_t *db, const db_request_t *r, msg_t *m);
/* Every event of requests of `kind`: of one request (req > 0), of one
 * patient (prow > 0), or all; ordered by request, then seq. */
status_t db_request_events(db_t *db, const char *kind, int64_t req, int64_t prow,
			   int (*fn)(const db_request_t *r, void *arg), void *arg, msg_t *m);

/* A demo key rotation (core/rotate.c): mark (on 1) or unmark the
 * transaction as re-keying, which the triggers let rewrite body and mac;
 * and rewrite them. */
status_t db_rights_rekeying(db_t *db, int on, msg_t *m);
status_t db_disclosure_rekey(db_t *db, const char *id, const db_blob_t *body,
			     const db_blob_t *mac, msg_t *m);
status_t db_request_rekey(db_t *db, const char *id, const db_blob_t *body, const db_blob_t *mac,
			  msg_t *m);

#endif
