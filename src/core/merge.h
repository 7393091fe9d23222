/* merge.h - merging a duplicate chart into the one kept, and undoing it
 * (issue 13 item 4; README "Merging duplicate charts"; the tables and what
 * happens to each are core/merge_plan.h).
 *
 * A merge moves every clinical row of the retired chart (encounters with
 * their coding, vitals, allergies, medications, problems, notes signed or
 * not, the procedure history, identifiers of other systems except one the
 * survivor holds already, and the allergy review when the survivor has
 * none) to the survivor
 * in one transaction: each row's patient column is set to the survivor,
 * its ciphertexts are re-bound to the survivor's id (the same text: a
 * signed note's content is unchanged) and its MAC recomputed; both chart
 * heads are rewritten and both audit entries record them. The merge
 * journal (merges, merge_rows; MAC'd, the reason encrypted) keeps every
 * moved row whole as it was, so an unmerge puts each one back byte for
 * byte when it is unchanged since, and re-binds the current row back when
 * later work changed it; rows added to the survivor after the merge stay
 * with it, except vitals and notes added to a visit that came from the
 * retired chart, which go back with their visit. Append-only rows (disclosures, rights requests, paper-chart
 * events, break-the-glass accesses) are never rewritten: they stay with
 * the retired chart, which keeps its id, MRN and index tokens, so its MRN
 * finds it and says where it went (merge_into); the survivor's lists of
 * them (ROI, amendments, paper-chart history, the access report, the
 * accounting of disclosures) read the retired chart's rows too, marked. A
 * merge whose charts were destroyed (core/retention.c) leaves the journal
 * and cannot be undone (db_merge_destroyed names the certificate).
 *
 * Both need chart_merge (HIM) and the demo and clin keys, checked here. */
#ifndef CHARTROOM_MERGE_H
#define CHARTROOM_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/session.h"

#define MERGE_REASON_MAX 500

typedef struct merge_result {
	int64_t id;           /* the merge's number */
	int64_t moved;        /* rows moved (merge) or put back (unmerge) */
	int64_t rebound;      /* unmerge: rows changed since the merge, re-bound back */
	int64_t followed;     /* unmerge: vitals and notes added since to a moved visit */
	int64_t review_kept;  /* merge: 1 when both charts had an allergy review */
	int64_t ids_kept;     /* merge: external identifiers the survivor held already (the
			       * same system and value), left with the retired chart */
	char keep_mrn[32], retire_mrn[32];
} merge_result_t;

/* Merge chart retire (MRN or id) into keep. reason required (text, at
 * most MERGE_REASON_MAX characters). */
status_t merge_charts(session_t *s, const char *keep, const char *retire, const char *reason,
		      merge_result_t *out, msg_t *m);

/* Undo merge `id`. */
status_t merge_undo(session_t *s, int64_t id, const char *reason, merge_result_t *out, msg_t *m);

/* If chart prow was merged into another (a merge in force): *into the
 * survivor's row, keep_mrn its MRN and *id the merge; else *into 0. Needs
 * only the demo key (every role that opens a chart). */
status_t merge_into(session_t *s, int64_t prow, int64_t *into, char keep_mrn[32], int64_t *id,
		    msg_t *m);

/* A demo key rotation (core/rotate.c), for each patient: every merge
 * that retired chart prow (in force or undone) is checked, its reasons
 * re-sealed and its MACs and its journal rows' MACs made under the newest
 * demo version. *rows counts what was rewritten. The moved rows' stored
 * forms in the journal are kept as they were: the rotation re-MACs every
 * moved row on the kept chart, so an unmerge after it re-binds each row
 * as it is then rather than putting old bytes back. */
status_t merge_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m);

/* For showing a chart found by MRN or id: "Merged into MRN X on DATE
 * (merge N): its records are on that chart." into out when the chart was
 * merged away, else "" (out has at least 160 bytes). */
status_t merge_notice(session_t *s, const char *key, char *out, size_t size, msg_t *m);

#endif
