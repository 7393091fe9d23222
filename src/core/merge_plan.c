/* merge_plan.c - the patient-bound tables and what a merge does with each
 * (merge_plan.h). */
#include "core/merge_plan.h"

#include <stdio.h>
#include <string.h>

#include "db/db_ptables.h"
#include "db/db_schema.h"

/* Built from the one registry of patient-bound tables (db/db_ptables.h),
 * which destruction walks too. */
static const merge_table_t plan[] = {
#define MP_LINE(table, column, merge, destroy, why) {table, column, MERGE_##merge, why},
	DB_PATIENT_REGISTRY(MP_LINE)
#undef MP_LINE
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
				"know it: add it to db/db_ptables.h DB_PATIENT_REGISTRY with a "
				"decision.",
				s.table, s.column);
	for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++)
		if (!s.hit[i])
			return msg_fail(m, STATUS_ERR,
					"db/db_ptables.h DB_PATIENT_REGISTRY lists %s.%s, which the "
					"schema no longer has.",
					plan[i].table, plan[i].column);
	return STATUS_OK;
}
