/* db_queue.c - the work queue's reads (db_queue.h). */
#include "db/db_queue.h"

#include <string.h>

#include "db/db_internal.h"

status_t db_queue_charts_out(db_t *db, int (*fn)(const db_queue_out_t *o, void *arg), void *arg,
			     msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT t.trow, t.prow, t.volume, coalesce(t.due, ''), t.at, t.by "
				  "FROM chart_tracking t WHERE t.event = 'out' AND t.trow = "
				  "(SELECT max(u.trow) FROM chart_tracking u WHERE u.prow = t.prow "
				  "AND u.volume = t.volume)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_queue_out_t o;
		memset(&o, 0, sizeof o);
		o.trow = sqlite3_column_int64(st, 0);
		o.prow = sqlite3_column_int64(st, 1);
		o.volume = sqlite3_column_int(st, 2);
		db_col_text(st, 3, o.due, sizeof o.due);
		db_col_text(st, 4, o.at, sizeof o.at);
		db_col_text(st, 5, o.by, sizeof o.by);
		if (fn(&o, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the charts out", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_queue_requests(db_t *db, const char *kind,
			   int (*fn)(const db_queue_req_t *r, void *arg), void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(
	    db,
	    "SELECT r.req, r.prow, r.status, r.received, r.due, r.by_user FROM rights_requests r "
	    "WHERE r.kind = ?1 AND r.seq = (SELECT max(x.seq) FROM rights_requests x "
	    "WHERE x.kind = r.kind AND x.req = r.req) "
	    "AND r.status NOT IN ('released', 'denied', 'withdrawn', 'accepted')",
	    &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, kind);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_queue_req_t r;
		memset(&r, 0, sizeof r);
		r.req = sqlite3_column_int64(st, 0);
		r.prow = sqlite3_column_int64(st, 1);
		db_col_text(st, 2, r.status, sizeof r.status);
		db_col_text(st, 3, r.received, sizeof r.received);
		db_col_text(st, 4, r.due, sizeof r.due);
		db_col_text(st, 5, r.by_user, sizeof r.by_user);
		if (fn(&r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the open requests", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_queue_btg(db_t *db, int (*fn)(const db_queue_btg_t *b, void *arg), void *arg,
		      msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT q.id, q.prow, q.ts, q.user_name FROM btg_queue q "
				  "WHERE NOT EXISTS (SELECT 1 FROM btg_review r WHERE r.btg_id = q.id)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_queue_btg_t b;
		memset(&b, 0, sizeof b);
		b.id = sqlite3_column_int64(st, 0);
		b.prow = sqlite3_column_int64(st, 1);
		db_col_text(st, 2, b.ts, sizeof b.ts);
		db_col_text(st, 3, b.user_name, sizeof b.user_name);
		if (fn(&b, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the break-the-glass queue", m);
	sqlite3_finalize(st);
	return ret;
}
