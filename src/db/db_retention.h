/* db_retention.h - the SQL of retention and destruction (core/retention.h):
 * the charts whose last activity is older than a date (clear columns
 * only), the retention_events table (legal holds and destruction
 * proposals, append only), destruction certificates, and the destruction
 * of a chart itself, driven by DB_PATIENT_REGISTRY (db_ptables.h): the
 * one list of every table holding rows that belong to a patient. MACs and ciphertexts stay
 * opaque here. */
#ifndef CHARTROOM_DB_RETENTION_H
#define CHARTROOM_DB_RETENTION_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "db/db.h"
#include "db/db_ptables.h"

/* The tables whose rows belong to a patient, and which rows of each the
 * destruction of a chart removes, are db/db_ptables.h DB_PATIENT_REGISTRY
 * (the same list the merge plan is built from). */

/* Tables that look patient-bound (a prow or erow column, or a foreign key
 * to patients or encounters) but are not in DB_PATIENT_REGISTRY: their
 * names, comma-separated, into out ("" when none). */
status_t db_patient_tables_unlisted(db_t *db, char *out, size_t size, msg_t *m);

/* Charts whose last activity (latest date of service, or registration
 * when there is none) is before `before` (UTC, core_now's form), by prow:
 * fn(prow, id, first activity, last activity). fn returns nonzero to
 * stop. */
typedef int (*db_ret_candidate_fn)(int64_t prow, const char *id, const char *first,
                                   const char *last, void *arg);
status_t db_retention_candidates(db_t *db, const char *before, db_ret_candidate_fn fn, void *arg,
                                 msg_t *m);
/* The first and last activity of one chart. */
status_t db_retention_span(db_t *db, int64_t prow, char first[24], char last[24], msg_t *m);

#define DB_RET_REASON_MAX 2048
#define DB_RET_MAC_MAX    64

typedef struct db_ret_event {
	int64_t rrow, prow, ref;
	char kind[12];
	char due[12];
	char at[24], by[72];
	unsigned char reason[DB_RET_REASON_MAX];
	size_t reason_len;
	unsigned char mac[DB_RET_MAC_MAX];
	size_t mac_len;
	int toolong; /* a column longer than its buffer: only by tampering */
} db_ret_event_t;

typedef int (*db_ret_event_fn)(const db_ret_event_t *e, void *arg);
/* A chart's events, oldest first (prow > 0), or every chart's, by chart
 * then oldest first (prow 0). */
status_t db_retention_events(db_t *db, int64_t prow, db_ret_event_fn fn, void *arg, msg_t *m);
/* The charts that have events of this kind, by prow (fn's e is the first
 * such event; the caller reads the whole chain). */
status_t db_retention_prows_with(db_t *db, const char *kind, int (*fn)(int64_t prow, void *arg),
                                 void *arg, msg_t *m);
/* Every chart that has events (by prow), and every audit target with an
 * entry of a retention action: a chart in neither has no events to read
 * (the list of charts due skips reading them). */
status_t db_retention_event_prows(db_t *db, int (*fn)(int64_t prow, void *arg), void *arg,
                                  msg_t *m);
status_t db_retention_audited(db_t *db, int (*fn)(const char *target, void *arg), void *arg,
                              msg_t *m);
/* The chart an event belongs to (STATUS_NOTFOUND if none). */
status_t db_retention_event_prow(db_t *db, int64_t rrow, int64_t *prow, msg_t *m);
status_t db_retention_next(db_t *db, int64_t *rrow, msg_t *m);
status_t db_retention_insert(db_t *db, const db_ret_event_t *e, msg_t *m);
/* A key rotation: an event's reason and MAC made anew. */
status_t db_retention_reseal(db_t *db, const db_ret_event_t *e, msg_t *m);
/* How many audit entries about target record retention events (the
 * actions core names), to find an event deleted outside Chartroom. */
status_t db_retention_audit_count(db_t *db, const char *target, int64_t *n, msg_t *m);

typedef struct db_ret_cert {
	int64_t n;
	char patient_id[33];
	unsigned char mrn_token[32];
	size_t mrn_token_len;
	int key_version;
	char first_date[12], last_date[12], rule[12], due[12];
	char method[160];
	int64_t proposal;
	char proposed_by[72], proposed_at[24], approved_by[72], destroyed_at[24];
	int64_t rows_removed;
	int audit_version;
	unsigned char mac[DB_RET_MAC_MAX];
	size_t mac_len;
	int toolong;
} db_ret_cert_t;

status_t db_cert_next(db_t *db, int64_t *n, msg_t *m);
/* Is there certificate n for the patient id? (*found 0/1) */
status_t db_cert_exists(db_t *db, int64_t n, const char *patient_id, int *found, msg_t *m);
status_t db_cert_insert(db_t *db, const db_ret_cert_t *c, msg_t *m);
/* Every certificate, by number (n 0), or number n only. */
status_t db_cert_each(db_t *db, int64_t n, int (*fn)(const db_ret_cert_t *c, void *arg), void *arg,
                      msg_t *m);
/* The certificates whose MRN token is tok (a handful at most). */
status_t db_cert_by_token(db_t *db, const unsigned char *tok, size_t len,
                          int (*fn)(const db_ret_cert_t *c, void *arg), void *arg, msg_t *m);

/* Remove every row of the chart from every table of DB_PATIENT_REGISTRY
 * (inside the write transaction; the append-only tables let it through
 * only while meta chart_destroying is set, which this sets and removes).
 * *rows gets how many rows went. With secure_delete on (checked), their
 * bytes are overwritten in the database pages; the caller checkpoints
 * the WAL after the commit (db_checkpoint). */
status_t db_chart_destroy(db_t *db, int64_t prow, int64_t *rows, msg_t *m);

#endif
