/* db_policy.c - SQL for the policy table. */
#include "db/db_policy.h"

#include <stdio.h>
#include <string.h>

#include "db/db_internal.h"

/* Copy a text column; note when it did not fit (a field longer than any
 * the program writes: its MAC will not match, as it should not). */
static void text_col(sqlite3_stmt *st, int col, char *buf, size_t size, int *truncated)
{
	if ((size_t)sqlite3_column_bytes(st, col) >= size)
		*truncated = 1;
	db_col_text(st, col, buf, size);
}

status_t db_policy_each(db_t *db, int (*fn)(const db_policy_row_t *r, void *arg), void *arg,
			msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_policy_row_t r;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT key, value, set_by, set_at, mac FROM policy "
				  "ORDER BY CAST(key AS BLOB)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 4);
		size_t n = (size_t)sqlite3_column_bytes(st, 4);
		memset(&r, 0, sizeof r);
		text_col(st, 0, r.key, sizeof r.key, &r.truncated);
		text_col(st, 1, r.value, sizeof r.value, &r.truncated);
		text_col(st, 2, r.set_by, sizeof r.set_by, &r.truncated);
		text_col(st, 3, r.set_at, sizeof r.set_at, &r.truncated);
		r.mac_len = n;
		if (p && n == DB_POLICY_MAC_LEN)
			memcpy(r.mac, p, n);
		if (fn(&r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the policy", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_policy_put(db_t *db, const db_policy_row_t *r, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT OR REPLACE INTO policy(key, value, set_by, set_at, mac) "
				  "VALUES (?1, ?2, ?3, ?4, ?5)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, r->key);
	db_bind_text(st, 2, r->value);
	db_bind_text(st, 3, r->set_by);
	db_bind_text(st, 4, r->set_at);
	db_bind_blob(st, 5, r->mac, DB_POLICY_MAC_LEN);
	return db_exec_stmt(db, st, "saving the policy", m);
}

status_t db_policy_delete(db_t *db, const char *key, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "DELETE FROM policy WHERE key = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, key);
	return db_exec_stmt(db, st, "saving the policy", m);
}

status_t db_policy_peek(db_t *db, const char *key, char *value, size_t size, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT value FROM policy WHERE key = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		db_col_text(st, 0, value, size);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "No such policy setting.");
	else
		ret = db_fail(db, rc, "reading the policy", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_policy_last_audit(db_t *db, db_policy_event_t *ev, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	/* The WHERE is the audit_policy index's own, so this reads the index. */
	status_t ret = db_prepare(db,
				  "SELECT seq, ts, user_name, target FROM audit "
				  "WHERE action IN ('policy_set', 'policy_sealed') "
				  "ORDER BY seq DESC LIMIT 1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	memset(ev, 0, sizeof *ev);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ev->seq = sqlite3_column_int64(st, 0);
		db_col_text(st, 1, ev->ts, sizeof ev->ts);
		db_col_text(st, 2, ev->user_name, sizeof ev->user_name);
		db_col_text(st, 3, ev->target, sizeof ev->target);
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, rc, "reading the audit trail", m);
	}
	sqlite3_finalize(st);
	if (ret != STATUS_OK || ev->seq == 0)
		return ret;
	ret = db_prepare(db,
			 "SELECT count(*) FROM audit WHERE action IN ('policy_set', 'policy_sealed')",
			 &st, m);
	if (ret != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ev->count = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "reading the audit trail", m);
	sqlite3_finalize(st);
	return ret;
}
