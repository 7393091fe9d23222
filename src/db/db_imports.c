/* db_imports.c - SQL for the imports table. */
#include "db/db_imports.h"

#include <string.h>

#include "db/db_internal.h"

status_t db_import_find(db_t *db, const unsigned char digest[DB_IMPORT_DIGEST_LEN],
			db_import_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT id, rows_total, rows_done, started, started_by, finished "
				  "FROM imports WHERE digest = ?1 ORDER BY id DESC LIMIT 1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	memset(out, 0, sizeof *out);
	db_bind_blob(st, 1, digest, DB_IMPORT_DIGEST_LEN);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		memcpy(out->digest, digest, DB_IMPORT_DIGEST_LEN);
		out->rows_total = sqlite3_column_int64(st, 1);
		out->rows_done = sqlite3_column_int64(st, 2);
		db_col_text(st, 3, out->started, sizeof out->started);
		db_col_text(st, 4, out->started_by, sizeof out->started_by);
		db_col_text(st, 5, out->finished, sizeof out->finished);
	} else if (rc == SQLITE_DONE) {
		ret = msg_fail(m, STATUS_NOTFOUND, "No import of this file.");
	} else {
		ret = db_fail(db, rc, "reading the imports", m);
	}
	sqlite3_finalize(st);
	return ret;
}

status_t db_import_add(db_t *db, db_import_t *imp, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO imports(digest, rows_total, rows_done, started, "
				  "started_by) VALUES (?1, ?2, ?3, ?4, ?5)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_blob(st, 1, imp->digest, DB_IMPORT_DIGEST_LEN);
	sqlite3_bind_int64(st, 2, imp->rows_total);
	sqlite3_bind_int64(st, 3, imp->rows_done);
	db_bind_text(st, 4, imp->started);
	db_bind_text(st, 5, imp->started_by);
	if ((ret = db_exec_stmt(db, st, "recording the import", m)) == STATUS_OK)
		imp->id = sqlite3_last_insert_rowid(db->conn);
	return ret;
}

status_t db_import_progress(db_t *db, int64_t id, int64_t from, int64_t to,
			    const char *finished, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "UPDATE imports SET rows_done = ?3, finished = ?4 "
				  "WHERE id = ?1 AND rows_done = ?2 AND finished IS NULL",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	db_bind_text(st, 4, finished);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "recording the import's progress", m);
	else if (sqlite3_changes(db->conn) != 1)
		ret = msg_fail(m, STATUS_CONFLICT,
			       "Import %lld moved on in another process (or was finished there); "
			       "this run stops.",
			       (long long)id);
	sqlite3_finalize(st);
	return ret;
}
