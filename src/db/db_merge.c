/* db_merge.c - SQL of the merge journal and of moving chart rows
 * (db_merge.h). */
#include "db/db_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/lpbuf.h"
#include "db/db_internal.h"

/* The chart tables a merge moves: table and the column that numbers its
 * rows (allergy_review is numbered by its patient). */
static const struct {
	const char *table, *key;
} moved[DB_CT_END] = {
	[DB_CT_ENCOUNTERS] = {"encounters", "erow"},  [DB_CT_VITALS] = {"vitals", "vrow"},
	[DB_CT_ALLERGIES] = {"allergies", "arow"},    [DB_CT_ALLERGY_REVIEW] = {"allergy_review", "prow"},
	[DB_CT_MEDICATIONS] = {"medications", "mrow"}, [DB_CT_PROBLEMS] = {"problems", "pbrow"},
	[DB_CT_NOTES] = {"notes", "nrow"},
	[DB_CT_IDENTIFIERS] = {"patient_identifiers", "xrow"},
	[DB_CT_PROCEDURES] = {"procedure_history", "phrow"},
};

static status_t table_of(db_chart_table_t t, const char **table, const char **key, msg_t *m)
{
	if ((unsigned)t >= DB_CT_END || !moved[t].table)
		return msg_fail(m, STATUS_INTEGRITY,
				"Integrity check failed: the merge journal names a table a merge "
				"never moves (changed outside Chartroom).");
	*table = moved[t].table;
	*key = moved[t].key;
	return STATUS_OK;
}

status_t db_merge_next(db_t *db, int64_t *mrow, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT coalesce(max(mrow), 0) + 1 FROM merges", &st, m);
	if (ret != STATUS_OK)
		return ret;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*mrow = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "numbering the merge", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_merge_insert(db_t *db, const db_merge_t *g, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO merges(mrow, keep_prow, retire_prow, merged_at, "
				  "merged_by, reason, moved, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
				  "?8)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, g->mrow);
	sqlite3_bind_int64(st, 2, g->keep_prow);
	sqlite3_bind_int64(st, 3, g->retire_prow);
	db_bind_text(st, 4, g->merged_at);
	db_bind_text(st, 5, g->merged_by);
	db_bind_blob(st, 6, g->reason, g->reason_len);
	sqlite3_bind_int64(st, 7, g->moved);
	db_bind_blob(st, 8, g->mac, g->mac_len);
	return db_exec_stmt(db, st, "recording the merge", m);
}

static void blob_fit(sqlite3_stmt *st, int col, unsigned char *buf, size_t cap, size_t *len,
		     int *toolong)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	if (n > cap) {
		*toolong = 1;
		n = cap;
	}
	if (n && p)
		memcpy(buf, p, n);
	*len = n;
}

#define MERGE_COLS                                                                           \
	"SELECT mrow, keep_prow, retire_prow, merged_at, merged_by, reason, moved, mac, "    \
	"undone_at, undone_by, undo_reason, undo_mac FROM merges "

static void read_merge(sqlite3_stmt *st, db_merge_t *g)
{
	memset(g, 0, sizeof *g);
	g->mrow = sqlite3_column_int64(st, 0);
	g->keep_prow = sqlite3_column_int64(st, 1);
	g->retire_prow = sqlite3_column_int64(st, 2);
	db_col_text_fit(st, 3, g->merged_at, sizeof g->merged_at, &g->toolong);
	db_col_text_fit(st, 4, g->merged_by, sizeof g->merged_by, &g->toolong);
	blob_fit(st, 5, g->reason, sizeof g->reason, &g->reason_len, &g->toolong);
	g->moved = sqlite3_column_int64(st, 6);
	blob_fit(st, 7, g->mac, sizeof g->mac, &g->mac_len, &g->toolong);
	g->undone = sqlite3_column_type(st, 8) != SQLITE_NULL;
	db_col_text_fit(st, 8, g->undone_at, sizeof g->undone_at, &g->toolong);
	db_col_text_fit(st, 9, g->undone_by, sizeof g->undone_by, &g->toolong);
	blob_fit(st, 10, g->undo_reason, sizeof g->undo_reason, &g->undo_reason_len, &g->toolong);
	blob_fit(st, 11, g->undo_mac, sizeof g->undo_mac, &g->undo_mac_len, &g->toolong);
}

status_t db_merge_each_retired(db_t *db, int64_t prow, int (*fn)(const db_merge_t *g, void *arg),
			       void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_merge_t *g = malloc(sizeof *g);
	int rc;
	status_t ret;
	if (!g)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_prepare(db, MERGE_COLS "WHERE retire_prow = ?1 ORDER BY mrow", &st, m)) !=
	    STATUS_OK) {
		free(g);
		return ret;
	}
	sqlite3_bind_int64(st, 1, prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_merge(st, g);
		if (fn(g, arg))
			goto cleanup;
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the merges", m);
cleanup:
	sqlite3_finalize(st);
	free(g);
	return ret;
}

status_t db_merge_each(db_t *db, int limit, int (*fn)(const db_merge_t *g, void *arg), void *arg,
		       msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_merge_t *g = malloc(sizeof *g);
	int rc;
	status_t ret;
	if (!g)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_prepare(db, MERGE_COLS "ORDER BY mrow DESC LIMIT ?1", &st, m)) != STATUS_OK) {
		free(g);
		return ret;
	}
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_merge(st, g);
		if (fn(g, arg))
			goto cleanup;
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the merges", m);
cleanup:
	sqlite3_finalize(st);
	free(g);
	return ret;
}

status_t db_merge_rekey(db_t *db, const db_merge_t *g, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE merges SET reason = ?2, mac = ?3, undo_reason = ?4, "
				  "undo_mac = ?5 WHERE mrow = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, g->mrow);
	db_bind_blob(st, 2, g->reason, g->reason_len);
	db_bind_blob(st, 3, g->mac, g->mac_len);
	if (g->undone) {
		db_bind_blob(st, 4, g->undo_reason, g->undo_reason_len);
		db_bind_blob(st, 5, g->undo_mac, g->undo_mac_len);
	}
	return db_exec_stmt(db, st, "re-sealing the merge", m);
}

status_t db_merge_row_set_mac(db_t *db, int64_t mrow, db_chart_table_t t, int64_t row,
			      const unsigned char *mac, size_t len, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
		db, "UPDATE merge_rows SET mac = ?4 WHERE mrow = ?1 AND tbl = ?2 AND row = ?3", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, mrow);
	sqlite3_bind_int(st, 2, (int)t);
	sqlite3_bind_int64(st, 3, row);
	db_bind_blob(st, 4, mac, len);
	return db_exec_stmt(db, st, "re-sealing the merge journal", m);
}

static status_t get_where(db_t *db, const char *where, int64_t v, db_merge_t *g, msg_t *m)
{
	char sql[400];
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret;
	snprintf(sql, sizeof sql, MERGE_COLS "WHERE %s ORDER BY mrow DESC LIMIT 1", where);
	if ((ret = db_prepare(db, sql, &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, v);
	memset(g, 0, sizeof *g);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_merge(st, g);
	else if (rc == SQLITE_DONE)
		ret = STATUS_NOTFOUND;
	else
		ret = db_fail(db, rc, "reading the merge", m);
	sqlite3_finalize(st);
	if (ret == STATUS_NOTFOUND)
		msg_set(m, "No such merge.");
	return ret;
}

status_t db_merge_get(db_t *db, int64_t mrow, db_merge_t *out, msg_t *m)
{
	return get_where(db, "mrow = ?1", mrow, out, m);
}

status_t db_merge_in_force(db_t *db, int64_t retire_prow, db_merge_t *out, msg_t *m)
{
	return get_where(db, "retire_prow = ?1 AND undone_at IS NULL", retire_prow, out, m);
}

/* *yes: whether sql (SELECT EXISTS ..., ?1 the chart) holds for prow. */
static status_t exists_for(db_t *db, const char *sql, int64_t prow, int *yes, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, sql, &st, m);
	*yes = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*yes = sqlite3_column_int(st, 0);
	else
		ret = db_fail(db, rc, "reading the merges", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_merge_is_retired(db_t *db, int64_t prow, int *yes, msg_t *m)
{
	return exists_for(db,
			  "SELECT EXISTS (SELECT 1 FROM merges WHERE undone_at IS NULL AND "
			  "retire_prow = ?1)",
			  prow, yes, m);
}

status_t db_merge_involved(db_t *db, int64_t prow, int *yes, msg_t *m)
{
	return exists_for(db,
			  "SELECT EXISTS (SELECT 1 FROM merges WHERE undone_at IS NULL AND "
			  "(keep_prow = ?1 OR retire_prow = ?1))",
			  prow, yes, m);
}

status_t db_merge_retired_into(db_t *db, int64_t keep_prow, int64_t *out, int max, int *n,
			       msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT retire_prow FROM merges WHERE keep_prow = ?1 AND undone_at "
				  "IS NULL ORDER BY mrow",
				  &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, keep_prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		out[(*n)++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the merges", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_merge_set_undone(db_t *db, const db_merge_t *g, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE merges SET undone_at = ?2, undone_by = ?3, undo_reason = ?4, "
				  "undo_mac = ?5 WHERE mrow = ?1 AND undone_at IS NULL",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, g->mrow);
	db_bind_text(st, 2, g->undone_at);
	db_bind_text(st, 3, g->undone_by);
	db_bind_blob(st, 4, g->undo_reason, g->undo_reason_len);
	db_bind_blob(st, 5, g->undo_mac, g->undo_mac_len);
	if ((ret = db_exec_stmt(db, st, "recording the unmerge", m)) == STATUS_OK &&
	    sqlite3_changes(db->conn) != 1)
		ret = msg_fail(m, STATUS_CONFLICT, "That merge was undone already.");
	return ret;
}

status_t db_merge_row_insert(db_t *db, int64_t mrow, db_chart_table_t t, int64_t row,
			     const unsigned char *before, size_t before_len,
			     const unsigned char *after_mac, size_t after_len,
			     const unsigned char *mac, size_t mac_len, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO merge_rows(mrow, tbl, row, before, after_mac, mac) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, mrow);
	sqlite3_bind_int(st, 2, (int)t);
	sqlite3_bind_int64(st, 3, row);
	db_bind_blob(st, 4, before, before_len);
	db_bind_blob(st, 5, after_mac, after_len);
	db_bind_blob(st, 6, mac, mac_len);
	return db_exec_stmt(db, st, "recording the merge", m);
}

status_t db_merge_rows(db_t *db, int64_t mrow, db_merge_row_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT tbl, row, before, after_mac, mac FROM merge_rows WHERE "
				  "mrow = ?1 ORDER BY tbl, row",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, mrow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_blob(st, 2);
		size_t bn = (size_t)sqlite3_column_bytes(st, 2);
		const unsigned char *a = sqlite3_column_blob(st, 3);
		size_t an = (size_t)sqlite3_column_bytes(st, 3);
		const unsigned char *c = sqlite3_column_blob(st, 4);
		size_t cn = (size_t)sqlite3_column_bytes(st, 4);
		if (fn((db_chart_table_t)sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1), b,
		       bn, a, an, c, cn, arg))
			goto cleanup;
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the merge journal", m);
cleanup:
	sqlite3_finalize(st);
	return ret;
}

/* ---- a row taken whole and put back whole ---------------------------------- */

/* Each column: its name, a type letter (n, i, r, t, b) and its value
 * (integers and reals as text). */
status_t db_merge_snapshot(db_t *db, db_chart_table_t t, int64_t row, unsigned char **out,
			   size_t *len, msg_t *m)
{
	const char *table = NULL, *key = NULL;
	char sql[160], num[40];
	sqlite3_stmt *st = NULL;
	lpbuf_t b = {0};
	int rc;
	status_t ret;
	*out = NULL;
	*len = 0;
	if ((ret = table_of(t, &table, &key, m)) != STATUS_OK)
		return ret;
	snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE %s = ?1", table, key);
	if ((ret = db_prepare(db, sql, &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, row);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = msg_fail(m, STATUS_NOTFOUND, "%s record %lld is gone.", table, (long long)row);
		goto cleanup;
	}
	if (rc != SQLITE_ROW) {
		ret = db_fail(db, rc, "reading the row to move", m);
		goto cleanup;
	}
	for (int i = 0; i < sqlite3_column_count(st); i++) {
		int ty = sqlite3_column_type(st, i);
		lpbuf_str(&b, sqlite3_column_name(st, i));
		switch (ty) {
		case SQLITE_NULL:
			lpbuf_str(&b, "n");
			lpbuf_put(&b, "", 0);
			break;
		case SQLITE_INTEGER:
			lpbuf_str(&b, "i");
			snprintf(num, sizeof num, "%lld", (long long)sqlite3_column_int64(st, i));
			lpbuf_str(&b, num);
			break;
		case SQLITE_FLOAT:
			lpbuf_str(&b, "r");
			snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, i));
			lpbuf_str(&b, num);
			break;
		case SQLITE_TEXT:
			lpbuf_str(&b, "t");
			lpbuf_put(&b, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
			break;
		default:
			lpbuf_str(&b, "b");
			lpbuf_put(&b, sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
		}
	}
	if (b.bad) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	*out = b.p;
	*len = b.len;
	b.p = NULL;
cleanup:
	sqlite3_finalize(st);
	lpbuf_free(&b);
	return ret;
}

/* The next field of a snapshot: 0 at a malformed one. */
static int field(const unsigned char *s, size_t len, size_t *o, const unsigned char **p, size_t *n)
{
	uint32_t l;
	if (len - *o < 4)
		return 0;
	l = (uint32_t)s[*o] << 24 | (uint32_t)s[*o + 1] << 16 | (uint32_t)s[*o + 2] << 8 |
	    s[*o + 3];
	*o += 4;
	if (len - *o < l)
		return 0;
	*p = s + *o;
	*n = l;
	*o += l;
	return 1;
}

static int name_ok(const unsigned char *p, size_t n)
{
	if (!n || n > 40)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
			return 0;
	return 1;
}

#define SNAP_COLS 32

status_t db_merge_restore(db_t *db, db_chart_table_t t, int64_t now_key,
			  const unsigned char *snap, size_t len, msg_t *m)
{
	const char *table = NULL, *key = NULL;
	const unsigned char *np[SNAP_COLS], *tp[SNAP_COLS], *vp[SNAP_COLS];
	size_t nn[SNAP_COLS], tn[SNAP_COLS], vn[SNAP_COLS];
	char sql[2048];
	size_t o = 0, k;
	int ncol = 0;
	sqlite3_stmt *st = NULL;
	status_t ret;
	if ((ret = table_of(t, &table, &key, m)) != STATUS_OK)
		return ret;
	while (o < len) {
		if (ncol == SNAP_COLS || !field(snap, len, &o, &np[ncol], &nn[ncol]) ||
		    !field(snap, len, &o, &tp[ncol], &tn[ncol]) ||
		    !field(snap, len, &o, &vp[ncol], &vn[ncol]) || !name_ok(np[ncol], nn[ncol]) ||
		    tn[ncol] != 1)
			return msg_fail(m, STATUS_INTEGRITY,
					"Integrity check failed: a merge journal row is malformed "
					"(changed outside Chartroom).");
		ncol++;
	}
	k = (size_t)snprintf(sql, sizeof sql, "UPDATE %s SET ", table);
	for (int i = 0; i < ncol && k < sizeof sql; i++)
		k += (size_t)snprintf(sql + k, sizeof sql - k, "%s%.*s = ?%d", i ? ", " : "",
				      (int)nn[i], (const char *)np[i], i + 1);
	if (k < sizeof sql)
		k += (size_t)snprintf(sql + k, sizeof sql - k, " WHERE %s = ?%d", key, ncol + 1);
	if (k >= sizeof sql || !ncol)
		return msg_fail(m, STATUS_INTEGRITY,
				"Integrity check failed: a merge journal row is malformed.");
	if (t == DB_CT_NOTES &&
	    (ret = db_meta_set(db, "resealing_signed_notes", "1", m)) != STATUS_OK)
		return ret;
	if ((ret = db_prepare(db, sql, &st, m)) != STATUS_OK)
		return ret;
	for (int i = 0; i < ncol; i++) {
		char num[48];
		size_t n = vn[i] < sizeof num - 1 ? vn[i] : sizeof num - 1;
		switch (tp[i][0]) {
		case 'n':
			sqlite3_bind_null(st, i + 1);
			break;
		case 'i':
			memcpy(num, vp[i], n);
			num[n] = '\0';
			sqlite3_bind_int64(st, i + 1, strtoll(num, NULL, 10));
			break;
		case 'r':
			memcpy(num, vp[i], n);
			num[n] = '\0';
			sqlite3_bind_double(st, i + 1, strtod(num, NULL));
			break;
		case 't':
			sqlite3_bind_text(st, i + 1, (const char *)vp[i], (int)vn[i], SQLITE_TRANSIENT);
			break;
		default:
			sqlite3_bind_blob(st, i + 1, vp[i], (int)vn[i], SQLITE_TRANSIENT);
		}
	}
	sqlite3_bind_int64(st, ncol + 1, now_key);
	ret = db_exec_stmt(db, st, "putting the row back", m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) != 1)
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "Integrity check failed: %s record %lld, moved by the merge, is "
			       "gone (changed outside Chartroom).",
			       table, (long long)now_key);
	if (t == DB_CT_NOTES) {
		status_t r2 = db_meta_delete(db, "resealing_signed_notes", m);
		if (ret == STATUS_OK)
			ret = r2;
	}
	return ret;
}

status_t db_merge_followers(db_t *db, db_chart_table_t t, int64_t prow, int64_t other,
			    int (*fn)(int64_t row, void *arg), void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	const char *sql =
		t == DB_CT_VITALS ? "SELECT vrow FROM vitals WHERE prow = ?1 AND erow IN (SELECT erow "
				    "FROM encounters WHERE prow = ?2) ORDER BY vrow"
		: t == DB_CT_NOTES ? "SELECT nrow FROM notes WHERE prow = ?1 AND erow IN (SELECT erow "
				     "FROM encounters WHERE prow = ?2) ORDER BY nrow"
				   : NULL;
	status_t ret;
	if (!sql)
		return msg_fail(m, STATUS_ERR, "Only vitals and notes follow an encounter.");
	if ((ret = db_prepare(db, sql, &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	sqlite3_bind_int64(st, 2, other);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), arg))
			goto cleanup;
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the rows of an encounter", m);
cleanup:
	sqlite3_finalize(st);
	return ret;
}

status_t db_merge_set_prow(db_t *db, db_chart_table_t t, int64_t row, int64_t prow, msg_t *m)
{
	const char *table = NULL, *key = NULL;
	char sql[160];
	sqlite3_stmt *st = NULL;
	status_t ret;
	if ((ret = table_of(t, &table, &key, m)) != STATUS_OK)
		return ret;
	snprintf(sql, sizeof sql, "UPDATE %s SET prow = ?2 WHERE %s = ?1", table, key);
	if (t == DB_CT_NOTES &&
	    (ret = db_meta_set(db, "resealing_signed_notes", "1", m)) != STATUS_OK)
		return ret;
	if ((ret = db_prepare(db, sql, &st, m)) == STATUS_OK) {
		sqlite3_bind_int64(st, 1, row);
		sqlite3_bind_int64(st, 2, prow);
		ret = db_exec_stmt(db, st, "moving the row", m);
	}
	if (t == DB_CT_NOTES) {
		status_t r2 = db_meta_delete(db, "resealing_signed_notes", m);
		if (ret == STATUS_OK)
			ret = r2;
	}
	return ret;
}

status_t db_merge_nka_mac(db_t *db, int64_t prow, const unsigned char *mac, size_t len,
			  msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE allergy_review SET mac = ?2 WHERE prow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	db_bind_blob(st, 2, mac, len);
	return db_exec_stmt(db, st, "moving the allergy review", m);
}

status_t db_merge_forget(db_t *db, int64_t prow, int64_t cert, int64_t *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int64_t rows[64];
	int nrows = 0, rc;
	status_t ret;
	if (n)
		*n = 0;
	do {
		nrows = 0;
		if ((ret = db_prepare(db,
				      "SELECT mrow FROM merges WHERE keep_prow = ?1 OR retire_prow = ?1 "
				      "ORDER BY mrow LIMIT 64",
				      &st, m)) != STATUS_OK)
			return ret;
		sqlite3_bind_int64(st, 1, prow);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			rows[nrows++] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return db_fail(db, rc, "reading the merges", m);
		for (int i = 0; i < nrows; i++) {
			char key[48], val[24];
			snprintf(key, sizeof key, "merge_destroyed:%lld", (long long)rows[i]);
			snprintf(val, sizeof val, "%lld", (long long)cert);
			if ((ret = db_meta_set(db, key, val, m)) != STATUS_OK)
				return ret;
			if ((ret = db_prepare(db, "DELETE FROM merge_rows WHERE mrow = ?1", &st, m)) !=
			    STATUS_OK)
				return ret;
			sqlite3_bind_int64(st, 1, rows[i]);
			if ((ret = db_exec_stmt(db, st, "removing the merge journal", m)) != STATUS_OK)
				return ret;
			if ((ret = db_prepare(db, "DELETE FROM merges WHERE mrow = ?1", &st, m)) !=
			    STATUS_OK)
				return ret;
			sqlite3_bind_int64(st, 1, rows[i]);
			if ((ret = db_exec_stmt(db, st, "removing the merge journal", m)) != STATUS_OK)
				return ret;
			if (n)
				(*n)++;
		}
	} while (nrows == 64);
	return STATUS_OK;
}

status_t db_merge_destroyed(db_t *db, int64_t mrow, int64_t *cert, msg_t *m)
{
	char key[48], val[24];
	status_t ret;
	snprintf(key, sizeof key, "merge_destroyed:%lld", (long long)mrow);
	*cert = 0;
	if ((ret = db_meta_get(db, key, val, sizeof val, m)) == STATUS_OK)
		*cert = strtoll(val, NULL, 10);
	return ret;
}
