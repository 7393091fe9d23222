/* db_schema.c - SQL over sqlite_master and the table pragmas (db_schema.h). */
#include "db/db_schema.h"

#include "db/db_internal.h"

status_t db_schema_patient_columns(db_t *db,
				   int (*fn)(const char *table, const char *column,
					     const char *what, void *arg),
				   void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	/* A column counts once: its foreign key if it has one to patients
	 * or encounters, else its name. */
	status_t ret = db_prepare(
		db,
		"SELECT t.name, c.name, "
		"       coalesce((SELECT f.\"table\" FROM pragma_foreign_key_list(t.name) f "
		"                 WHERE f.\"from\" = c.name AND f.\"table\" IN "
		"                 ('patients', 'encounters') LIMIT 1), 'prow') "
		"FROM sqlite_master t, pragma_table_info(t.name) c "
		"WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
		"  AND t.sql NOT LIKE 'CREATE VIRTUAL%' "
		"  AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.sql LIKE 'CREATE VIRTUAL%' "
		"                  AND t.name LIKE v.name || '\\_%' ESCAPE '\\') "
		"  AND (c.name IN ('prow', 'prow_a', 'prow_b') OR EXISTS "
		"       (SELECT 1 FROM pragma_foreign_key_list(t.name) f WHERE f.\"from\" = c.name "
		"        AND f.\"table\" IN ('patients', 'encounters'))) "
		"ORDER BY t.name, c.cid",
		&st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		const char *c = (const char *)sqlite3_column_text(st, 1);
		const char *w = (const char *)sqlite3_column_text(st, 2);
		if (!t || !c || !w) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the schema.");
			goto cleanup;
		}
		if (fn(t, c, w, arg))
			goto cleanup;
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the schema", m);
cleanup:
	sqlite3_finalize(st);
	return ret;
}
