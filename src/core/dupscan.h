/* dupscan.h - the duplicate-chart worklist (issue 13 item 4): a scan of
 * the whole master patient index with the duplicate check's own scorer
 * (core/pmatch.h, the one registration and imports use), the candidate
 * pairs it stores, and their listing for `duplicates list`, the
 * Duplicates screen and the HIM work queue.
 *
 * A scan decrypts every patients row and computes its blind-index tokens
 * (worker threads, each with its own copy of the keys; the database is
 * read by the calling thread only), then pairs the records through the
 * candidate-proposing tokens (date of birth, the sound-alike name pair,
 * phone, SSN last four: the blocks registration looks candidates up by,
 * at most 400 records per block), so it is not n^2. A pair is stored when
 * its score reaches [matching] threshold under the import rule and it is
 * not on the do-not-link list (core/notsame.h). The import rule, not the
 * registration warning's: like an import, a scan has nobody at the desk
 * looking the pair over, and under the registration rule a full name and
 * sex are enough, so every pair of namesakes in the clinic would fill the
 * worklist (bench/dupscan: 93,692 pairs for 2,000 real ones in 102,000
 * synthetic patients); a candidate must also share the date of birth
 * (whole, or two of its parts) or the SSN's last four.
 *
 * SECURITY: a stored pair (dup_candidates, migration 016) holds no PHI
 * (two row numbers, the score, which features matched, when found) and a
 * keyed MAC (the demo key's integrity subkey) over its number, BOTH
 * patients' ids, the score, the features and the time: a row edited,
 * moved to another chart or inserted with sqlite3 is an integrity error
 * when listed. Names and MRNs are decrypted only to show them. */
#ifndef CHARTROOM_DUPSCAN_H
#define CHARTROOM_DUPSCAN_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

typedef struct dupscan_opts {
	/* Threads that decrypt and tokenise: 0 for the default (2), 1 for
	 * none besides the caller's (the bench's baseline). At most 8. */
	int threads;
	/* Called from the calling thread as rows are done (and once at the
	 * end with done == total); may be NULL. */
	void (*progress)(int64_t done, int64_t total, void *arg);
	void *arg;
	/* 1: score as the registration warning does (names suffice), for the
	 * bench's comparison; 0: the import rule (the worklist's). */
	int name_rule;
} dupscan_opts_t;

/* A pair found: prow_a < prow_b. */
typedef struct dup_pair {
	int64_t prow_a, prow_b;
	int score;
	unsigned matched; /* feature bits (pmatch_why tells them) */
} dup_pair_t;

typedef struct dupscan_result {
	int64_t patients;  /* records scanned */
	int64_t pairs;     /* pairs at or over the threshold (before the do-not-link list) */
	int64_t kept;      /* pairs stored (dupscan_run) */
	int64_t not_same;  /* pairs left out: on the do-not-link list */
	int64_t was_listed; /* of those stored, pairs already on the worklist */
	double read_s;     /* seconds reading rows (the calling thread) */
	double tokens_s;   /* seconds reading, decrypting and tokenising */
	double pairs_s;    /* seconds pairing */
} dupscan_result_t;

/* Find every pair (writes nothing, not audited: the bench and
 * dupscan_run). *pairs is malloc'd (free()), sorted by (prow_a, prow_b).
 * ACT_CHART_MERGE. */
status_t dupscan_find(session_t *s, const dupscan_opts_t *o, dup_pair_t **pairs,
		      int64_t *npairs, dupscan_result_t *r, msg_t *m);

/* Scan and make the worklist the pairs found, less those on the
 * do-not-link list, in one transaction: a pair already listed keeps its
 * number and the time it was first found, a pair no longer found leaves.
 * Audited (dup_scan, the counts). ACT_CHART_MERGE. */
status_t dupscan_run(session_t *s, const dupscan_opts_t *o, dupscan_result_t *r, msg_t *m);

/* One open candidate as shown (after decrypting both charts' idents). */
typedef struct dup_candidate {
	int64_t id;
	int score;
	char why[200];
	char found_at[24];
	long age_days; /* since first found (clinic clock) */
	char id_a[33], mrn_a[24], name_a[160], dob_a[11], sex_a[2];
	char id_b[33], mrn_b[24], name_b[160], dob_b[11], sex_b[2];
	/* dup_candidate_get only: how many rows each chart has per table
	 * (DUP_COUNTS of them, labels by dup_count_label). */
	int64_t count_a[16], count_b[16];
} dup_candidate_t;

/* The tables counted for the preview, and their labels. */
int dup_counts(void);
const char *dup_count_label(int i);

/* THE INTERFACE FOR THE HIM WORK QUEUE: the open duplicate candidates,
 * best score first, each checked against its MAC and described (pair id,
 * score, both MRNs and names, age in days). fn returns non-zero to stop.
 * The view is audited (dup_list). ACT_CHART_MERGE. STATUS_INTEGRITY
 * naming the row when one was changed outside Chartroom. */
status_t dup_candidates_list(session_t *s, int (*fn)(const dup_candidate_t *c, void *arg),
			     void *arg, msg_t *m);

/* One candidate by id (checked, described, with both charts' counts of
 * encounters, notes, ... for a side-by-side preview; audited dup_view on
 * both charts). STATUS_NOTFOUND. ACT_CHART_MERGE. */
status_t dup_candidate_get(session_t *s, int64_t id, dup_candidate_t *out, msg_t *m);

/* How many are open (no decrypting, not audited: a count on the menu).
 * ACT_CHART_MERGE. */
status_t dup_candidates_count(session_t *s, int64_t *n, msg_t *m);

/* Inside core (the demo key's rotation, core/rotate.c): re-MAC the
 * worklist rows whose first chart is prow, and the do-not-link rows,
 * under the newest demo key version, each checked first. */
status_t dups_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m);

#endif
