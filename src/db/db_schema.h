/* db_schema.h - reading the database's own schema: which columns of which
 * tables tie a row to a patient (core/merge_plan.h checks that the merge
 * knows every one). */
#ifndef CHARTROOM_DB_SCHEMA_H
#define CHARTROOM_DB_SCHEMA_H

#include "db/db.h"

/* fn(table, column, what) for every column of every table (SQLite's own
 * and FTS shadow tables left out) that ties a row to a patient: a foreign
 * key to patients (what "patients") or to encounters (what "encounters",
 * the row follows its encounter's patient), or a column named prow, prow_a
 * or prow_b without one (what "prow": an index or a convenience table
 * that names the patient's row number without declaring it). In table,
 * then column order. fn returns non-zero to stop. */
status_t db_schema_patient_columns(db_t *db,
				   int (*fn)(const char *table, const char *column,
					     const char *what, void *arg),
				   void *arg, msg_t *m);

#endif
