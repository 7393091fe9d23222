/* db_extid.c - SQL for patient_identifiers (db_extid.h). */
#include "db/db_extid.h"

#include <string.h>

#include "db/db_internal.h"

#define COLS                                                                                \
	"xrow, id, prow, system, value_ct, token, token_version, created, created_by, mac"

status_t db_extid_insert(db_t *db, const db_extid_t *x, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO patient_identifiers(" COLS ") VALUES (?1, ?2, ?3, ?4, "
				  "?5, ?6, ?7, ?8, ?9, ?10)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, x->xrow);
	db_bind_text(st, 2, x->id);
	sqlite3_bind_int64(st, 3, x->prow);
	db_bind_text(st, 4, x->system);
	db_bind_blob(st, 5, x->value_ct, x->value_len);
	db_bind_blob(st, 6, x->token, x->token_len);
	sqlite3_bind_int(st, 7, x->token_version);
	db_bind_text(st, 8, x->created);
	db_bind_text(st, 9, x->created_by);
	db_bind_blob(st, 10, x->mac, x->mac_len);
	return db_exec_stmt(db, st, "recording the identifier", m);
}

static void blob_fit(sqlite3_stmt *st, int col, unsigned char *dst, size_t cap, size_t *len,
		     int *toolong)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	if (n > cap) {
		n = cap;
		*toolong = 1;
	}
	if (p && n)
		memcpy(dst, p, n);
	*len = n;
}

static status_t each(db_t *db, sqlite3_stmt *st, int (*fn)(const db_extid_t *x, void *arg),
		     void *arg, msg_t *m)
{
	db_extid_t *x = sqlite3_malloc(sizeof *x);
	status_t ret = STATUS_OK;
	int rc;
	if (!x) {
		sqlite3_finalize(st);
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(x, 0, sizeof *x);
		x->xrow = sqlite3_column_int64(st, 0);
		db_col_text_fit(st, 1, x->id, sizeof x->id, &x->toolong);
		x->prow = sqlite3_column_int64(st, 2);
		db_col_text_fit(st, 3, x->system, sizeof x->system, &x->toolong);
		blob_fit(st, 4, x->value_ct, sizeof x->value_ct, &x->value_len, &x->toolong);
		blob_fit(st, 5, x->token, sizeof x->token, &x->token_len, &x->toolong);
		x->token_version = sqlite3_column_int(st, 6);
		db_col_text_fit(st, 7, x->created, sizeof x->created, &x->toolong);
		db_col_text_fit(st, 8, x->created_by, sizeof x->created_by, &x->toolong);
		blob_fit(st, 9, x->mac, sizeof x->mac, &x->mac_len, &x->toolong);
		if (fn(x, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading identifiers", m);
	memset(x, 0, sizeof *x);
	sqlite3_free(x);
	sqlite3_finalize(st);
	return ret;
}

status_t db_extid_list(db_t *db, int64_t prow, int (*fn)(const db_extid_t *x, void *arg),
		       void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "SELECT " COLS " FROM patient_identifiers WHERE prow = ?1 ORDER BY xrow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	return each(db, st, fn, arg, m);
}

status_t db_extid_find(db_t *db, const char *system, const unsigned char *tok, int ntok,
		       int (*fn)(const db_extid_t *x, void *arg), void *arg, msg_t *m)
{
	status_t ret = STATUS_OK;
	for (int i = 0; i < ntok && ret == STATUS_OK; i++) {
		sqlite3_stmt *st = NULL;
		if ((ret = db_prepare(db,
				      "SELECT " COLS " FROM patient_identifiers WHERE token = ?1 AND "
				      "system = ?2 ORDER BY xrow",
				      &st, m)) != STATUS_OK)
			return ret;
		db_bind_blob(st, 1, tok + (size_t)i * DB_EXTID_TOKEN_LEN, DB_EXTID_TOKEN_LEN);
		db_bind_text(st, 2, system);
		ret = each(db, st, fn, arg, m);
	}
	return ret;
}

status_t db_extid_reseal(db_t *db, const db_extid_t *x, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE patient_identifiers SET value_ct = ?2, token = ?3, "
				  "token_version = ?4, mac = ?5 WHERE xrow = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, x->xrow);
	db_bind_blob(st, 2, x->value_ct, x->value_len);
	db_bind_blob(st, 3, x->token, x->token_len);
	sqlite3_bind_int(st, 4, x->token_version);
	db_bind_blob(st, 5, x->mac, x->mac_len);
	return db_exec_stmt(db, st, "re-sealing an identifier", m);
}
