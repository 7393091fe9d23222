/* db_providers.c - SQL for the providers table (db_providers.h). */
#include "db/db_providers.h"

#include <string.h>

#include "db/db_internal.h"

#define COLS                                                                                \
	"prvrow, id, system, value, name, gender, speciality, organization, location, "     \
	"created, created_by, mac"

status_t db_provider_next(db_t *db, int64_t *prvrow, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT coalesce(max(prvrow), 0) + 1 FROM providers", &st, m);
	if (ret != STATUS_OK)
		return ret;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*prvrow = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "numbering the provider record", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_provider_insert(db_t *db, const db_provider_t *p, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO providers(" COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
				  "?7, ?8, ?9, ?10, ?11, ?12)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, p->prvrow);
	db_bind_text(st, 2, p->id);
	db_bind_text(st, 3, p->system);
	db_bind_text(st, 4, p->value);
	db_bind_text(st, 5, p->name);
	db_bind_text(st, 6, p->gender);
	db_bind_text(st, 7, p->speciality);
	db_bind_text(st, 8, p->organization);
	db_bind_text(st, 9, p->location);
	db_bind_text(st, 10, p->created);
	db_bind_text(st, 11, p->created_by);
	db_bind_blob(st, 12, p->mac, p->mac_len);
	return db_exec_stmt(db, st, "saving the provider record", m);
}

static void row(sqlite3_stmt *st, db_provider_t *p)
{
	const void *b;
	size_t n;
	memset(p, 0, sizeof *p);
	p->prvrow = sqlite3_column_int64(st, 0);
	db_col_text_fit(st, 1, p->id, sizeof p->id, &p->toolong);
	db_col_text_fit(st, 2, p->system, sizeof p->system, &p->toolong);
	db_col_text_fit(st, 3, p->value, sizeof p->value, &p->toolong);
	db_col_text_fit(st, 4, p->name, sizeof p->name, &p->toolong);
	db_col_text_fit(st, 5, p->gender, sizeof p->gender, &p->toolong);
	db_col_text_fit(st, 6, p->speciality, sizeof p->speciality, &p->toolong);
	db_col_text_fit(st, 7, p->organization, sizeof p->organization, &p->toolong);
	db_col_text_fit(st, 8, p->location, sizeof p->location, &p->toolong);
	db_col_text_fit(st, 9, p->created, sizeof p->created, &p->toolong);
	db_col_text_fit(st, 10, p->created_by, sizeof p->created_by, &p->toolong);
	b = sqlite3_column_blob(st, 11);
	n = (size_t)sqlite3_column_bytes(st, 11);
	if (n > sizeof p->mac) {
		n = sizeof p->mac;
		p->toolong = 1;
	}
	if (b && n)
		memcpy(p->mac, b, n);
	p->mac_len = n;
}

static status_t one(db_t *db, sqlite3_stmt *st, db_provider_t *out, msg_t *m)
{
	int rc = sqlite3_step(st);
	status_t ret = STATUS_OK;
	if (rc == SQLITE_ROW)
		row(st, out);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no such provider record.");
	else
		ret = db_fail(db, rc, "reading the provider record", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_provider_find(db_t *db, const char *system, const char *value, db_provider_t *out,
			  msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
	    db, "SELECT " COLS " FROM providers WHERE system = ?1 AND value = ?2", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, system);
	db_bind_text(st, 2, value);
	return one(db, st, out, m);
}

status_t db_provider_get(db_t *db, const char *id, db_provider_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "SELECT " COLS " FROM providers WHERE id = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, id);
	return one(db, st, out, m);
}

status_t db_provider_each(db_t *db, db_provider_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_provider_t p;
	int rc;
	status_t ret = db_prepare(db, "SELECT " COLS " FROM providers ORDER BY name, prvrow", &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row(st, &p);
		if (fn(&p, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the provider records", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_provider_set_mac(db_t *db, int64_t prvrow, const unsigned char *mac, size_t len,
			     msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE providers SET mac = ?2 WHERE prvrow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prvrow);
	db_bind_blob(st, 2, mac, len);
	return db_exec_stmt(db, st, "saving the provider record's MAC", m);
}
