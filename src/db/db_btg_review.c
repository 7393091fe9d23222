/* db_btg_review.c - SQL for the break-the-glass review queue and its
 * append-only findings (db_btg_review.h). */
#include "db/db_btg_review.h"

#include <string.h>

#include "db/db_internal.h"

#define BTG_COLS                                                                                   \
	"q.id, q.audit_seq, q.user_name, q.prow, q.ts, q.reviewed, "                               \
	"coalesce(q.reviewed_by, ''), coalesce(q.reviewed_at, ''), q.mac, p.id"

static void btg_from_stmt(sqlite3_stmt *st, db_btg_t *b, char pid[33])
{
	sqlite3_int64 rv = sqlite3_column_int64(st, 5);
	const void *p;
	size_t n;
	memset(b, 0, sizeof *b);
	b->id = sqlite3_column_int64(st, 0);
	b->audit_seq = sqlite3_column_int64(st, 1);
	db_col_text_fit(st, 2, b->user_name, sizeof b->user_name, &b->toolong);
	b->prow = sqlite3_column_int64(st, 3);
	db_col_text_fit(st, 4, b->ts, sizeof b->ts, &b->toolong);
	if (rv != 0 && rv != 1)
		b->toolong = 1;
	b->reviewed = (int)(rv & 1);
	db_col_text_fit(st, 6, b->reviewed_by, sizeof b->reviewed_by, &b->toolong);
	db_col_text_fit(st, 7, b->reviewed_at, sizeof b->reviewed_at, &b->toolong);
	p = sqlite3_column_blob(st, 8);
	n = (size_t)sqlite3_column_bytes(st, 8);
	if (n > sizeof b->mac) {
		b->toolong = 1;
		n = sizeof b->mac;
	}
	if (p && n)
		memcpy(b->mac, p, n);
	b->mac_len = n;
	db_col_text(st, 9, pid, 33);
}

status_t db_btg_all(db_t *db, int (*fn)(const db_btg_t *b, const char *patient_id, void *arg),
                    void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_btg_t b;
	char pid[33];
	int rc;
	status_t ret =
	    db_prepare(db,
	               "SELECT " BTG_COLS " FROM btg_queue q JOIN patients p ON p.prow = "
	               "q.prow ORDER BY q.id DESC",
	               &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		btg_from_stmt(st, &b, pid);
		if (fn(&b, pid, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the break-the-glass queue", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_btg_get(db_t *db, int64_t id, db_btg_t *out, char patient_id[33], msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret =
	    db_prepare(db,
	               "SELECT " BTG_COLS " FROM btg_queue q JOIN patients p ON p.prow = "
	               "q.prow WHERE q.id = ?1",
	               &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		btg_from_stmt(st, out, patient_id);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "No break-the-glass access number %lld.",
		               (long long)id);
	else
		ret = db_fail(db, rc, "reading the break-the-glass queue", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_btg_review_next(db_t *db, int64_t *id, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT coalesce(max(id), 0) + 1 FROM btg_review", &st, m);
	if (ret != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "numbering the review", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_btg_review_add(db_t *db, const db_btg_review_t *r, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret =
	    db_prepare(db,
	               "INSERT INTO btg_review(id, btg_id, prow, reviewer, ts, finding, "
	               "audit_seq, key_version, mac) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
	               &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, r->btg_id);
	sqlite3_bind_int64(st, 3, r->prow);
	db_bind_text(st, 4, r->reviewer);
	db_bind_text(st, 5, r->ts);
	db_bind_text(st, 6, r->finding);
	sqlite3_bind_int64(st, 7, r->audit_seq);
	sqlite3_bind_int(st, 8, r->key_version);
	db_bind_blob(st, 9, r->mac, r->mac_len);
	return db_exec_stmt(db, st, "saving the review", m);
}

status_t db_btg_review_each(db_t *db, int64_t btg_id,
                            int (*fn)(const db_btg_review_t *r, void *arg), void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_btg_review_t r;
	int rc;
	status_t ret = db_prepare(db,
	                          "SELECT id, btg_id, prow, reviewer, ts, finding, audit_seq, "
	                          "key_version, mac FROM btg_review WHERE ?1 = 0 OR btg_id = ?1 "
	                          "ORDER BY id",
	                          &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, btg_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 8);
		size_t n = (size_t)sqlite3_column_bytes(st, 8);
		memset(&r, 0, sizeof r);
		r.id = sqlite3_column_int64(st, 0);
		r.btg_id = sqlite3_column_int64(st, 1);
		r.prow = sqlite3_column_int64(st, 2);
		db_col_text_fit(st, 3, r.reviewer, sizeof r.reviewer, &r.toolong);
		db_col_text_fit(st, 4, r.ts, sizeof r.ts, &r.toolong);
		db_col_text_fit(st, 5, r.finding, sizeof r.finding, &r.toolong);
		r.audit_seq = sqlite3_column_int64(st, 6);
		r.key_version = sqlite3_column_int(st, 7);
		if (n > sizeof r.mac) {
			r.toolong = 1;
			n = sizeof r.mac;
		}
		if (p && n)
			memcpy(r.mac, p, n);
		r.mac_len = n;
		if (fn(&r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the reviews", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_btg_unreviewed(db_t *db, const char *before, int64_t *count, int64_t *overdue, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret =
	    db_prepare(db,
	               "SELECT count(*), coalesce(sum(q.ts < ?1), 0) FROM btg_queue q "
	               "WHERE NOT EXISTS (SELECT 1 FROM btg_review r WHERE r.btg_id = q.id)",
	               &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, before);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*overdue = sqlite3_column_int64(st, 1);
	} else {
		ret = db_fail(db, rc, "counting the break-the-glass queue", m);
	}
	sqlite3_finalize(st);
	return ret;
}
