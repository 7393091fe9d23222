/* porder.h - the name order of patients (issue 11 item 2): search results
 * in name order, the first page the alphabetically first matches, later
 * pages from where the last one ended, as a plaintext index on
 * (last, first, date of birth) would give them.
 *
 * Each patient has an order rank (patients.sort_rank, 64-bit, with gaps;
 * 0 = none yet): sorting patients by rank sorts them by their order key,
 * folded last name, first name and middle name, then date of birth, then
 * MRN (unique, so the order is total). The rank is carried on every one of
 * the patient's blind-index token rows, so that (token, rank) gives the
 * patients of a token in name order with one range scan.
 *
 * Ranks are found by comparing decrypted names, never stored ones: a
 * registration or an edit looks for its place by a binary search over the
 * ranked patients' values (about log2 N records opened), takes the middle
 * of the gap it falls in, and renumbers a window of neighbours evenly when
 * the gap has run out; a bulk load sorts its batch and merges it with the
 * ranked patients (read once per load), spacing each run evenly in its
 * gap. What the rank reveals is the alphabetical order of all patients:
 * README "What the name order reveals". */
#ifndef CHARTROOM_PORDER_H
#define CHARTROOM_PORDER_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "core/patient.h"
#include "core/session.h"

/* Ranks lie strictly between 0 and PORDER_TOP. */
#define PORDER_TOP (INT64_C(1) << 62)
#define PORDER_KEY_MAX (3 * PATIENT_FIELD_MAX + 40)

/* p's order key: "last first middle" folded (core/pindex.h), then \1,
 * date of birth, \1, MRN. PHI: callers wipe it. */
void porder_key(const patient_t *p, char *out, size_t size);

/* A rank for the patient whose key is `key` among the ranked patients
 * other than self_prow, inside the caller's write transaction; may
 * renumber neighbours (their token rows too). The caller stores it
 * (db_patient_set_rank) before placing another. */
status_t porder_place(session_t *s, const char *key, int64_t self_prow, int64_t *rank, msg_t *m);

/* A bulk load's rows, ranked at each batch's commit. */
typedef struct porder_run porder_run_t;
porder_run_t *porder_run_new(void);
void porder_run_free(porder_run_t *r); /* wipes the keys */
/* Row prow (added in ascending prow order within a batch) has key. */
status_t porder_run_add(porder_run_t *r, int64_t prow, const char *key, msg_t *m);
/* Rank the batch's rows inside the batch's write transaction, before
 * they are stored: sorted and merged with the order kept in memory, so
 * each row is inserted with its rank (no second write). *known is 1 when
 * every row has its rank (porder_run_rank_of); 0 when they must be placed
 * one by one through the database instead (a few rows among many
 * patients, another connection changed the order since, or a gap too
 * small): the caller then stores them with rank 0 and calls
 * porder_run_place. */
status_t porder_run_rank(session_t *s, porder_run_t *r, int *known, msg_t *m);
/* Place the batch's rows, stored unranked, each through the database
 * (porder_place; may renumber neighbours); afterwards porder_run_rank_of
 * gives each one's rank as stored. */
status_t porder_run_place(session_t *s, porder_run_t *r, msg_t *m);
int64_t porder_run_rank_of(const porder_run_t *r, int64_t prow);
/* The batch is written: its rows join the known order. */
void porder_run_next(porder_run_t *r);

/* Place up to max (at most 64) patients saved without a rank (a
 * registration mid-rotation by a session that could not open its
 * neighbours), in one write transaction. Sign-on runs it. */
status_t porder_fix(session_t *s, int max, int *fixed, msg_t *m);

/* Does the database still have patients without a rank (made before
 * migration 011)? Read in the caller's snapshot; once seen done,
 * remembered. */
int porder_pending(session_t *s);

/* Rank every patient afresh and rewrite the token rows' ranks (`keys
 * reindex` after migration 011), in one write transaction. */
status_t porder_rank_all(session_t *s, int64_t *ranked, msg_t *m);

#endif
