/* db_tracking.c - the chart_tracking table (db_tracking.h). */
#include "db/db_tracking.h"

#include <string.h>

#include "db/db_internal.h"

static void copy_blob(sqlite3_stmt *st, int col, unsigned char *dst, size_t cap, size_t *len,
		      int *toolong)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);
	*len = 0;
	if (n <= 0 || !p)
		return;
	if ((size_t)n > cap) {
		*toolong = 1;
		return;
	}
	memcpy(dst, p, (size_t)n);
	*len = (size_t)n;
}

status_t db_track_list(db_t *db, int64_t prow, db_track_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT trow, prow, volume, event, place, due, at, by, mac "
				  "FROM chart_tracking WHERE ?1 = 0 OR prow = ?1 ORDER BY prow, trow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_track_t t;
		memset(&t, 0, sizeof t);
		t.trow = sqlite3_column_int64(st, 0);
		t.prow = sqlite3_column_int64(st, 1);
		t.volume = sqlite3_column_int(st, 2);
		db_col_text_fit(st, 3, t.event, sizeof t.event, &t.toolong);
		copy_blob(st, 4, t.place, sizeof t.place, &t.place_len, &t.toolong);
		db_col_text_fit(st, 5, t.due, sizeof t.due, &t.toolong);
		db_col_text_fit(st, 6, t.at, sizeof t.at, &t.toolong);
		db_col_text_fit(st, 7, t.by, sizeof t.by, &t.toolong);
		copy_blob(st, 8, t.mac, sizeof t.mac, &t.mac_len, &t.toolong);
		if (fn(&t, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the chart tracking", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_track_next(db_t *db, int64_t *trow, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret =
	    db_prepare(db, "SELECT COALESCE(max(trow), 0) + 1 FROM chart_tracking", &st, m);
	if (ret != STATUS_OK)
		return ret;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*trow = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "numbering the chart tracking event", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_track_insert(db_t *db, const db_track_t *t, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO chart_tracking(trow, prow, volume, event, place, due, "
				  "at, by, mac) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, t->trow);
	sqlite3_bind_int64(st, 2, t->prow);
	sqlite3_bind_int(st, 3, t->volume);
	db_bind_text(st, 4, t->event);
	if (t->place_len)
		db_bind_blob(st, 5, t->place, t->place_len);
	else
		sqlite3_bind_null(st, 5);
	db_bind_text(st, 6, t->due[0] ? t->due : NULL);
	db_bind_text(st, 7, t->at);
	db_bind_text(st, 8, t->by);
	db_bind_blob(st, 9, t->mac, t->mac_len);
	return db_exec_stmt(db, st, "saving the chart tracking event", m);
}

status_t db_track_reseal(db_t *db, const db_track_t *t, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
	    db, "UPDATE chart_tracking SET place = ?2, mac = ?3 WHERE trow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, t->trow);
	if (t->place_len)
		db_bind_blob(st, 2, t->place, t->place_len);
	else
		sqlite3_bind_null(st, 2);
	db_bind_blob(st, 3, t->mac, t->mac_len);
	return db_exec_stmt(db, st, "re-sealing the chart tracking event", m);
}
