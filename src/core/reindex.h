/* reindex.h - re-making the search tokens of a database from before
 * issue 11 (core/pindex.h, generation 2), in place.
 *
 * Generation 2 folds names with Unicode case folding and diacritics
 * dropped for every script, indexes prefixes up to PINDEX_PREFIX_MAX
 * letters (one letter for Chinese, Japanese and Korean names), every part
 * of a compound last name and every run of parts, and each whole name
 * unit. Migration 010 records that a database which already had patients
 * has rows to re-make (meta reindex_after = 0). This re-makes them: for
 * each patient the generation-1 tokens (as generation 1 made them, under
 * the index key version they were made with) are deleted and this
 * generation's inserted, with a new match set carrying this generation's
 * mark; a row already made by generation 2 (registered or edited since)
 * is left alone. A batch of patients per transaction in row order, the
 * progress in meta reindex_after, so a run that is stopped or killed
 * resumes where it stopped; at the end the key is deleted. Until then
 * searches stay truthful with the generation-1 tokens (patient_search.c:
 * longer names through their 6-letter prefix and a filter).
 *
 * Needs the demo key (names are read) and the index key: every sign-on
 * holding them runs it for up to REINDEX_SIGNON_SECONDS, and `chartroom
 * patient reindex` runs it to the end. Audited: index_rebuild_start
 * before the first batch, index_rebuild_done at the end; a record that
 * does not open is recorded (integrity_fail) and left as it is. */
#ifndef CHARTROOM_REINDEX_H
#define CHARTROOM_REINDEX_H

#include <stdint.h>

#include "base/status.h"
#include "core/clinic.h"
#include "core/session.h"

#define REINDEX_BATCH 1000
#define REINDEX_SIGNON_SECONDS 3.0

/* Has the database rows of generation 1 left (as last read)? */
int reindex_pending(clinic_t *c);

typedef struct reindex_progress {
	int64_t patients; /* rows looked at in this run */
	int64_t changed;  /* rows re-made in this run */
	int64_t failed;   /* rows that did not open (on record) */
	int64_t after;    /* the last row done */
	int done;         /* nothing is left to re-make */
	int64_t ranked;   /* patients put in name order (reindex_all) */
} reindex_progress_t;

/* Re-make up to max_batches batches of `batch` patients (0: until done),
 * stopping after a batch once `seconds` have passed (0: no limit).
 * Nothing happens (STATUS_OK, p->done 0) when the session lacks the demo
 * or the index key; p->done 1 when nothing is left (now or before). */
status_t reindex_run(session_t *s, int batch, int max_batches, double seconds,
		     reindex_progress_t *p, msg_t *m);

/* `chartroom keys reindex`: the same to the end (batch 0: REINDEX_BATCH),
 * or max_batches of them; then, when the database has patients from
 * before migration 011, every patient put in name order (porder_rank_all).
 * Requires ACT_KEY_MANAGE. */
status_t reindex_all(session_t *s, int batch, int max_batches, reindex_progress_t *p, msg_t *m);

#endif
