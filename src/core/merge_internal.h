/* merge_internal.h - what core/merge.c lends the rest of core about one
 * merge's journal row: its MACs checked, and both charts named. Used by
 * core/merge_list.c (the list of merges and the "merged into" redirect);
 * the merge's MAC layout stays merge.c's alone. */
#ifndef CHARTROOM_MERGE_INTERNAL_H
#define CHARTROOM_MERGE_INTERNAL_H

#include "core/session.h"
#include "db/db_merge.h"

typedef struct merge_ids {
	char keep_pid[33], retire_pid[33];
	char keep_mrn[32], retire_mrn[32];
} merge_ids_t;

/* Both charts of merge g (ids and MRNs into *ids, needs the demo key),
 * and g's MAC checked, and its undoing's when g was undone: STATUS_OK, or
 * STATUS_INTEGRITY naming the merge when a MAC does not match (a merges
 * row written or changed outside Chartroom). Reads only. */
status_t merge_check(session_t *s, const db_merge_t *g, merge_ids_t *ids, msg_t *m);

#endif
