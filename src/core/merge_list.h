/* merge_list.h - reading the merge journal for the screens (issue 13 item
 * 4): the list of merges HIM undoes a merge from (merge id, when, who,
 * both MRNs, in force or undone), and the "merged into" redirect the chart
 * lookup and the chart use: a chart merged away by a merge in force leads
 * to the chart it was merged into.
 *
 * Both read each merge's row with its MACs checked (core/merge.c's
 * merge_check): a merges row written or changed outside Chartroom is an
 * integrity error, never a redirect. Merging and undoing are core/merge.h. */
#ifndef CHARTROOM_MERGE_LIST_H
#define CHARTROOM_MERGE_LIST_H

#include <stdint.h>

#include "base/tz.h"
#include "core/session.h"

/* The most merges merge_list hands out (the newest). */
#define MERGE_LIST_MAX 1000

typedef struct merge_entry {
	int64_t id;                  /* the merge's number (for `unmerge`) */
	int64_t moved;               /* records it moved */
	char merged_at[TZ_TEXT_MAX]; /* clinic time, "2026-03-08 03:00 CDT" */
	char merged_by[72];
	char keep_mrn[32], retire_mrn[32];
	int undone;
	char undone_at[TZ_TEXT_MAX], undone_by[72];
	int intact;        /* its MACs hold; 0: problem says why */
	char problem[200]; /* "" when intact */
} merge_entry_t;

/* The newest MERGE_LIST_MAX merges, newest first, in force and undone:
 * fn(entry) for each (non-zero stops). Needs chart_merge (HIM) and the
 * demo key (the MRNs). A merge whose MACs fail is listed with intact 0 and
 * the reason in problem (and the failure recorded in the audit trail);
 * it cannot be undone (merge_undo refuses it). The list is audited before
 * anything is handed out (action merge_list), with both charts of every
 * merge listed, so each chart's access report shows it. */
status_t merge_list(session_t *s, int (*fn)(const merge_entry_t *e, void *arg), void *arg,
                    msg_t *m);

typedef struct merge_redirect {
	int64_t id;           /* the merge in force; 0: the chart was not merged away */
	char survivor_id[33]; /* the chart it was merged into */
	char survivor_mrn[32];
	char retired_mrn[32];        /* the chart asked for */
	char merged_on[TZ_TEXT_MAX]; /* the clinic's date of the merge */
} merge_redirect_t;

/* Was chart `key` (an MRN or a patient id) merged into another by a merge
 * in force? out->id non-zero and the survivor named when so, else out->id
 * 0. Needs the demo key only (every role that opens a chart); the chart
 * then opened (the survivor) is audited by patient_open as any open is.
 * STATUS_INTEGRITY (recorded in the audit trail) when the merge's row does
 * not match its MAC: nothing is redirected. */
status_t merge_redirect(session_t *s, const char *key, merge_redirect_t *out, msg_t *m);
/* The same for the chart with row number prow (a search result's). */
status_t merge_redirect_prow(session_t *s, int64_t prow, merge_redirect_t *out, msg_t *m);

#endif
