/* db_dups.c - the dup_candidates and dup_not_same tables (db_dups.h). */
#include "db/db_dups.h"

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

#define DUP_COLS "crow, prow_a, prow_b, score, matched, found_at, mac"

static void dup_row(sqlite3_stmt *st, db_dup_t *d)
{
	memset(d, 0, sizeof *d);
	d->crow = sqlite3_column_int64(st, 0);
	d->prow_a = sqlite3_column_int64(st, 1);
	d->prow_b = sqlite3_column_int64(st, 2);
	d->score = sqlite3_column_int(st, 3);
	d->matched = sqlite3_column_int64(st, 4);
	db_col_text_fit(st, 5, d->found_at, sizeof d->found_at, &d->toolong);
	copy_blob(st, 6, d->mac, sizeof d->mac, &d->mac_len, &d->toolong);
}

status_t db_dup_list(db_t *db, int64_t prow, db_dup_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT " DUP_COLS " FROM dup_candidates WHERE ?1 = 0 OR prow_a = ?1 "
				  "OR prow_b = ?1 ORDER BY score DESC, crow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_dup_t d;
		dup_row(st, &d);
		if (fn(&d, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the duplicate worklist", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_dup_get(db_t *db, int64_t crow, db_dup_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret =
	    db_prepare(db, "SELECT " DUP_COLS " FROM dup_candidates WHERE crow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, crow);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		dup_row(st, out);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "No duplicate candidate %lld.", (long long)crow);
	else
		ret = db_fail(db, rc, "reading a duplicate candidate", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_dup_clear(db_t *db, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "DELETE FROM dup_candidates", &st, m);
	if (ret != STATUS_OK)
		return ret;
	return db_exec_stmt(db, st, "clearing the duplicate worklist", m);
}

status_t db_dup_insert(db_t *db, db_dup_t *d, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_cached(db,
				 "INSERT INTO dup_candidates(crow, prow_a, prow_b, score, matched, "
				 "found_at, mac) VALUES (?1,?2,?3,?4,?5,?6,?7)",
				 &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, d->crow);
	sqlite3_bind_int64(st, 2, d->prow_a);
	sqlite3_bind_int64(st, 3, d->prow_b);
	sqlite3_bind_int(st, 4, d->score);
	sqlite3_bind_int64(st, 5, d->matched);
	db_bind_text(st, 6, d->found_at);
	db_bind_blob(st, 7, d->mac, d->mac_len);
	{
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc != SQLITE_DONE)
			return db_fail(db, rc, "saving a duplicate candidate", m);
	}
	return STATUS_OK;
}

status_t db_dup_remove_pair(db_t *db, int64_t prow_a, int64_t prow_b, int *removed, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret =
	    db_prepare(db, "DELETE FROM dup_candidates WHERE prow_a = ?1 AND prow_b = ?2", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow_a);
	sqlite3_bind_int64(st, 2, prow_b);
	ret = db_exec_stmt(db, st, "removing a duplicate candidate", m);
	if (ret == STATUS_OK && removed)
		*removed = sqlite3_changes(db->conn) > 0;
	return ret;
}

status_t db_dup_set_mac(db_t *db, int64_t crow, const unsigned char *mac, size_t len, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE dup_candidates SET mac = ?2 WHERE crow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, crow);
	db_bind_blob(st, 2, mac, len);
	return db_exec_stmt(db, st, "re-sealing a duplicate candidate", m);
}

status_t db_dup_count(db_t *db, int64_t *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT count(*) FROM dup_candidates", &st, m);
	if (ret != STATUS_OK)
		return ret;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "counting duplicate candidates", m);
	sqlite3_finalize(st);
	return ret;
}

#define NS_COLS "lrow, prow_a, prow_b, reason, set_at, set_by, mac"

static void ns_row(sqlite3_stmt *st, db_notsame_t *n)
{
	memset(n, 0, sizeof *n);
	n->lrow = sqlite3_column_int64(st, 0);
	n->prow_a = sqlite3_column_int64(st, 1);
	n->prow_b = sqlite3_column_int64(st, 2);
	copy_blob(st, 3, n->reason, sizeof n->reason, &n->reason_len, &n->toolong);
	db_col_text_fit(st, 4, n->set_at, sizeof n->set_at, &n->toolong);
	db_col_text_fit(st, 5, n->set_by, sizeof n->set_by, &n->toolong);
	copy_blob(st, 6, n->mac, sizeof n->mac, &n->mac_len, &n->toolong);
}

status_t db_notsame_list(db_t *db, int64_t prow, db_notsame_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT " NS_COLS " FROM dup_not_same WHERE ?1 = 0 OR prow_a = ?1 "
				  "OR prow_b = ?1 ORDER BY lrow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_notsame_t n;
		ns_row(st, &n);
		if (fn(&n, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the do-not-link list", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_notsame_get_pair(db_t *db, int64_t prow_a, int64_t prow_b, db_notsame_t *out,
			     msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_cached(
	    db, "SELECT " NS_COLS " FROM dup_not_same WHERE prow_a = ?1 AND prow_b = ?2", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow_a);
	sqlite3_bind_int64(st, 2, prow_b);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ns_row(st, out);
	else if (rc == SQLITE_DONE)
		ret = STATUS_NOTFOUND;
	else
		ret = db_fail(db, rc, "reading the do-not-link list", m);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

status_t db_notsame_next(db_t *db, int64_t *lrow, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret =
	    db_prepare(db, "SELECT COALESCE(max(lrow), 0) + 1 FROM dup_not_same", &st, m);
	if (ret != STATUS_OK)
		return ret;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*lrow = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "numbering the do-not-link entry", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_notsame_insert(db_t *db, const db_notsame_t *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO dup_not_same(lrow, prow_a, prow_b, reason, set_at, "
				  "set_by, mac) VALUES (?1,?2,?3,?4,?5,?6,?7)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, n->lrow);
	sqlite3_bind_int64(st, 2, n->prow_a);
	sqlite3_bind_int64(st, 3, n->prow_b);
	db_bind_blob(st, 4, n->reason, n->reason_len);
	db_bind_text(st, 5, n->set_at);
	db_bind_text(st, 6, n->set_by);
	db_bind_blob(st, 7, n->mac, n->mac_len);
	return db_exec_stmt(db, st, "saving the do-not-link entry", m);
}

status_t db_notsame_reseal(db_t *db, const db_notsame_t *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE dup_not_same SET reason = ?2, mac = ?3 WHERE lrow = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, n->lrow);
	db_bind_blob(st, 2, n->reason, n->reason_len);
	db_bind_blob(st, 3, n->mac, n->mac_len);
	return db_exec_stmt(db, st, "re-sealing the do-not-link entry", m);
}

const char *db_dup_count_label(int i)
{
	static const char *const labels[] = {
#define DB_DC_LABEL(id, label, sql) label,
	    DB_DUP_COUNTS(DB_DC_LABEL)
#undef DB_DC_LABEL
	};
	return i >= 0 && i < DB_DC_COUNT ? labels[i] : "?";
}

status_t db_dup_chart_counts(db_t *db, int64_t prow, int64_t out[DB_DC_COUNT], msg_t *m)
{
	static const char *const sqls[] = {
#define DB_DC_SQL(id, label, sql) sql,
	    DB_DUP_COUNTS(DB_DC_SQL)
#undef DB_DC_SQL
	};
	status_t ret = STATUS_OK;
	for (int i = 0; i < DB_DC_COUNT && ret == STATUS_OK; i++) {
		sqlite3_stmt *st = NULL;
		int rc;
		if ((ret = db_prepare(db, sqls[i], &st, m)) != STATUS_OK)
			break;
		sqlite3_bind_int64(st, 1, prow);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			out[i] = sqlite3_column_int64(st, 0);
		else
			ret = db_fail(db, rc, "counting a chart's records", m);
		sqlite3_finalize(st);
	}
	return ret;
}
