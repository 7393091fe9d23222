/* merge_plan.c - the patient-bound tables and what a merge does with each
 * (merge_plan.h). */
#include "core/merge_plan.h"

#include <stdio.h>
#include <string.h>

#include "db/db_schema.h"

static const merge_table_t plan[] = {
	{"allergies", "prow", MERGE_MOVE, "clinical rows move"},
	{"audit_listed", "prow", MERGE_STAYS_LINKED,
	 "audit data under the chain: the searches that listed the retired chart stay its own"},
	{"patient_identifiers", "prow", MERGE_MOVE,
	 "external identifiers move; one the survivor holds already (same system and value) "
	 "stays with the retired chart"},
	{"procedure_history", "prow", MERGE_MOVE, "the procedure history moves"},
	{"retention_events", "prow", MERGE_STAYS_LINKED,
	 "holds and proposals: an append-only chain per chart"},
	{"allergy_review", "prow", MERGE_ONE_PER_PATIENT,
	 "one per chart: moves only when the survivor has none"},
	{"btg_queue", "prow", MERGE_STAYS_LINKED,
	 "an access to the retired chart as it happened; reviewed as such"},
	{"btg_review", "prow", MERGE_STAYS_LINKED, "append-only findings about those accesses"},
	{"chart_heads", "prow", MERGE_DERIVED, "both charts' heads are rewritten by the merge"},
	{"chart_tracking", "prow", MERGE_STAYS_LINKED,
	 "append-only MAC chain of the retired chart's paper volumes"},
	{"deficiency_reminders", "prow", MERGE_MOVE, "reminders follow the rows they are about"},
	{"disclosures", "prow", MERGE_STAYS_LINKED,
	 "append-only by law: the survivor's accounting includes them through the link"},
	{"dup_candidates", "prow_a", MERGE_PAIR, "the merged pair leaves the worklist"},
	{"dup_candidates", "prow_b", MERGE_PAIR, "the merged pair leaves the worklist"},
	{"dup_not_same", "prow_a", MERGE_PAIR, "do-not-link decisions stay as made"},
	{"dup_not_same", "prow_b", MERGE_PAIR, "do-not-link decisions stay as made"},
	{"encounter_dx", "erow", MERGE_FOLLOWS_ENCOUNTER, "coding goes with its encounter"},
	{"encounter_px", "erow", MERGE_FOLLOWS_ENCOUNTER, "coding goes with its encounter"},
	{"encounters", "prow", MERGE_MOVE, "clinical rows move"},
	{"medications", "prow", MERGE_MOVE, "clinical rows move"},
	{"merges", "keep_prow", MERGE_JOURNAL, "the merge journal: the chart kept"},
	{"merges", "retire_prow", MERGE_JOURNAL, "the merge journal: the chart retired"},
	{"notes", "erow", MERGE_FOLLOWS_ENCOUNTER, "a note stays on its encounter"},
	{"notes", "prow", MERGE_MOVE, "signed notes move with their text unchanged"},
	{"patient_tokens", "prow", MERGE_DERIVED,
	 "the retired chart stays findable by MRN and name, to say where it went"},
	{"patients", "prow", MERGE_PATIENT_ROW, "the retired row is kept; the journal marks it"},
	{"problems", "prow", MERGE_MOVE, "clinical rows move"},
	{"recent_patients", "prow", MERGE_DERIVED,
	 "a recently opened retired chart opens with the merged-into notice"},
	{"rights_requests", "prow", MERGE_STAYS_LINKED,
	 "append-only request events; listed for the survivor through the link"},
	{"vitals", "erow", MERGE_FOLLOWS_ENCOUNTER, "vitals stay on their encounter"},
	{"vitals", "prow", MERGE_MOVE, "clinical rows move"},
};

const merge_table_t *merge_plan_tables(size_t *n)
{
	*n = sizeof plan / sizeof plan[0];
	return plan;
}

const merge_table_t *merge_plan_find(const char *table, const char *column)
{
	for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
		if (!strcmp(plan[i].table, table) && !strcmp(plan[i].column, column))
			return &plan[i];
	return NULL;
}

const char *merge_plan_how_name(merge_how_t how)
{
	switch (how) {
	case MERGE_MOVE:
		return "move";
	case MERGE_FOLLOWS_ENCOUNTER:
		return "follows encounter";
	case MERGE_ONE_PER_PATIENT:
		return "one per patient";
	case MERGE_STAYS_LINKED:
		return "stays, linked";
	case MERGE_DERIVED:
		return "derived";
	case MERGE_PATIENT_ROW:
		return "patient row";
	case MERGE_PAIR:
		return "pair";
	case MERGE_JOURNAL:
		return "merge journal";
	}
	return "?";
}

typedef struct seen {
	unsigned char hit[sizeof plan / sizeof plan[0]];
	char table[64], column[64];
	int missing;
} seen_t;

static int one(const char *table, const char *column, const char *what, void *arg)
{
	seen_t *s = arg;
	(void)what;
	for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
		if (!strcmp(plan[i].table, table) && !strcmp(plan[i].column, column)) {
			s->hit[i] = 1;
			return 0;
		}
	snprintf(s->table, sizeof s->table, "%s", table);
	snprintf(s->column, sizeof s->column, "%s", column);
	s->missing = 1;
	return 1;
}

status_t merge_plan_check(db_t *db, msg_t *m)
{
	seen_t s;
	status_t ret;
	memset(&s, 0, sizeof s);
	if ((ret = db_schema_patient_columns(db, one, &s, m)) != STATUS_OK)
		return ret;
	if (s.missing)
		return msg_fail(m, STATUS_ERR,
				"Table %s column %s ties rows to a patient but the merge does not "
				"know it: add it to core/merge_plan.c with a decision.",
				s.table, s.column);
	for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
		if (!s.hit[i])
			return msg_fail(m, STATUS_ERR,
					"core/merge_plan.c lists %s.%s, which the schema no longer "
					"has.",
					plan[i].table, plan[i].column);
	return STATUS_OK;
}
