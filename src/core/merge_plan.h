/* merge_plan.h - every patient-bound table and what a chart merge (issue
 * 13 item 4) does with its rows, built from the one registry
 * db/db_ptables.h DB_PATIENT_REGISTRY (which destruction walks too).
 * The merge and the unmerge walk this list; merge_plan_check compares it with the schema of
 * an open database so that a migration that adds a table tied to a
 * patient (a foreign key to patients or encounters, or a prow column)
 * fails the unit test test_merge_plan until the table is placed in the
 * registry with a decision. See README "Merging duplicate charts" for the
 * design. */
#ifndef CHARTROOM_MERGE_PLAN_H
#define CHARTROOM_MERGE_PLAN_H

#include <stddef.h>

#include "base/status.h"
#include "db/db.h"

typedef enum {
	/* The row moves to the survivor: its patient column is set to the
	 * survivor, its ciphertexts are re-bound to the survivor's id (same
	 * text), its MAC is recomputed and the two chart heads are
	 * rewritten. The merge journal keeps its row number and the stored
	 * bytes it had, so an unmerge puts them back exactly. */
	MERGE_MOVE,
	/* Tied through an encounter (erow): goes where its encounter goes;
	 * the encounter's coding MAC or the row's own MAC is recomputed with
	 * the encounter. */
	MERGE_FOLLOWS_ENCOUNTER,
	/* One row per patient (allergy_review): moves only when the survivor
	 * has none; otherwise the survivor's stays and the retired one stays
	 * with the retired chart (the journal says which). */
	MERGE_ONE_PER_PATIENT,
	/* Append-only by design or law: never rewritten. The row stays bound
	 * to the retired chart; every reader of the survivor (the accounting
	 * of disclosures, rights requests, paper-chart volumes) also reads
	 * the charts merged into it through the merge journal, so nothing of
	 * the patient is left out, and an unmerge has nothing to put back. */
	MERGE_STAYS_LINKED,
	/* Derived from other rows and rewritten by the merge itself (chart
	 * heads), or an index that must keep finding the retired chart so
	 * that its MRN and name lead to the "merged into" notice (blind-index
	 * tokens, recently opened charts). */
	MERGE_DERIVED,
	/* The patients row itself: the retired row is kept unchanged (its id
	 * binds every row that stays linked); the journal marks it merged. */
	MERGE_PATIENT_ROW,
	/* A row naming both charts of a pair (the duplicate worklist, the
	 * do-not-link list): the merged pair's worklist row is taken off (kept
	 * in the journal), other pairs stay and are shown through the link. */
	MERGE_PAIR,
	/* The merge journal itself (merges): names both charts of a merge. */
	MERGE_JOURNAL,
} merge_how_t;

typedef struct merge_table {
	const char *table;
	const char *column; /* the column that ties it to a patient or encounter */
	merge_how_t how;
	const char *why;    /* one line for the README and the report */
} merge_table_t;

/* The list, in the registry's order; *n gets its length. */
const merge_table_t *merge_plan_tables(size_t *n);

/* The entry for (table, column), or NULL. */
const merge_table_t *merge_plan_find(const char *table, const char *column);

/* "move", "follows encounter", ... */
const char *merge_plan_how_name(merge_how_t how);

/* Compare the list with the schema of db: STATUS_OK when every column
 * that ties a row to a patient or an encounter has an entry and every
 * entry names a column that exists; otherwise STATUS_ERR with m naming
 * the first table and column missing from the list (or listed but gone). */
status_t merge_plan_check(db_t *db, msg_t *m);

#endif
