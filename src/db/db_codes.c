/* db_codes.c - SQL for code sets, code search and encounter coding. */
#include "db/db_codes.h"

#include <stdio.h>
#include <string.h>

#include "db/db_internal.h"

#define SET_COLS                                                                  \
	"vid, system, version, effective, imported, imported_by, codes, billable, " \
	"digest, rid_lo, rid_hi"

static void set_from(sqlite3_stmt *st, db_codeset_t *v)
{
	memset(v, 0, sizeof *v);
	v->vid = sqlite3_column_int64(st, 0);
	db_col_text(st, 1, v->system, sizeof v->system);
	db_col_text(st, 2, v->version, sizeof v->version);
	db_col_text(st, 3, v->effective, sizeof v->effective);
	db_col_text(st, 4, v->imported, sizeof v->imported);
	db_col_text(st, 5, v->imported_by, sizeof v->imported_by);
	v->codes = sqlite3_column_int64(st, 6);
	v->billable = sqlite3_column_int64(st, 7);
	db_col_text(st, 8, v->digest, sizeof v->digest);
	v->rid_lo = sqlite3_column_int64(st, 9);
	v->rid_hi = sqlite3_column_int64(st, 10);
}

static status_t set_one(db_t *db, const char *sql, const char *a, const char *b,
			db_codeset_t *out, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, a);
	db_bind_text(st, 2, b);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		set_from(st, out);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "No %s code set for %s is loaded.", a, b);
	else
		ret = db_fail(db, rc, "reading code sets", m);
	sqlite3_reset(st);
	return ret;
}

static const char SQL_SET_GET[] =
	"SELECT " SET_COLS " FROM code_versions WHERE system = ?1 AND version = ?2";
static const char SQL_SET_ON[] = "SELECT " SET_COLS " FROM code_versions WHERE system = ?1 AND "
				 "effective <= ?2 ORDER BY effective DESC LIMIT 1";

status_t db_codeset_get(db_t *db, const char *system, const char *version, db_codeset_t *out,
			msg_t *m)
{
	return set_one(db, SQL_SET_GET, system, version, out, m);
}

status_t db_codeset_on(db_t *db, const char *system, const char *date, db_codeset_t *out,
		       msg_t *m)
{
	return set_one(db, SQL_SET_ON, system, date, out, m);
}

status_t db_codeset_create(db_t *db, db_codeset_t *v, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO code_versions(system, version, effective, imported, "
				  "imported_by, codes, billable, digest) VALUES (?1,?2,?3,?4,?5,0,0,?6)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, v->system);
	db_bind_text(st, 2, v->version);
	db_bind_text(st, 3, v->effective);
	db_bind_text(st, 4, v->imported);
	db_bind_text(st, 5, v->imported_by);
	db_bind_text(st, 6, v->digest);
	if ((ret = db_exec_stmt(db, st, "recording the code set", m)) == STATUS_OK)
		v->vid = sqlite3_last_insert_rowid(db->conn);
	return ret;
}

status_t db_codeset_set_counts(db_t *db, int64_t vid, int64_t codes, int64_t billable, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE code_versions SET codes = ?2, billable = ?3, "
				  "rid_lo = (SELECT min(rid) FROM code_rows WHERE vid = ?1), "
				  "rid_hi = (SELECT max(rid) FROM code_rows WHERE vid = ?1) WHERE vid = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_int64(st, 2, codes);
	sqlite3_bind_int64(st, 3, billable);
	return db_exec_stmt(db, st, "recording the code set", m);
}

status_t db_codeset_each(db_t *db, db_codeset_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_codeset_t v;
	int rc;
	status_t ret = db_prepare(db, "SELECT " SET_COLS " FROM code_versions ORDER BY system, effective",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		set_from(st, &v);
		if (fn(&v, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading code sets", m);
	sqlite3_finalize(st);
	return ret;
}

static const char SQL_CODE_INS[] = "INSERT INTO codes(vid, code, billable, short_desc, long_desc) "
				   "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_ROW_INS[] = "INSERT INTO code_rows(vid, code) VALUES (?1, ?2)";
static const char SQL_FTS_INS[] = "INSERT INTO code_fts(rowid, code, words, vid) VALUES (?1, ?2, ?3, ?4)";

status_t db_code_insert(db_t *db, int64_t vid, const char *code, int billable, const char *shortd,
			const char *longd, const char *words, msg_t *m)
{
	sqlite3_stmt *st;
	status_t ret;
	char vtok[32];
	int rc;
	int64_t rid;
	if ((ret = db_cached(db, SQL_CODE_INS, &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, billable);
	sqlite3_bind_text(st, 4, shortd, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, longd, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "saving a code", m);
	if ((ret = db_cached(db, SQL_ROW_INS, &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "saving a code", m);
	rid = sqlite3_last_insert_rowid(db->conn);
	/* The version is an indexed token ("v12") so a search can name it in
	 * the MATCH expression instead of filtering afterwards. */
	snprintf(vtok, sizeof vtok, "v%lld", (long long)vid);
	if ((ret = db_cached(db, SQL_FTS_INS, &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, words, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, vtok, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "indexing a code", m);
	return STATUS_OK;
}

static status_t code_rows(db_t *db, sqlite3_stmt *st, db_code_fn fn, void *arg, int *found,
			  msg_t *m)
{
	int rc;
	db_code_t c;
	status_t ret = STATUS_OK;
	*found = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof c);
		db_col_text(st, 0, c.code, sizeof c.code);
		c.billable = sqlite3_column_int(st, 1);
		c.desc = (const char *)sqlite3_column_text(st, 2);
		if (!c.desc)
			c.desc = "";
		(*found)++;
		if (fn(&c, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading codes", m);
	sqlite3_reset(st);
	return ret;
}

static const char SQL_CODE_GET[] =
	"SELECT code, billable, long_desc FROM codes WHERE vid = ?1 AND code = ?2";
static const char SQL_CODE_PREFIX[] =
	"SELECT code, billable, long_desc FROM codes WHERE vid = ?1 AND code >= ?2 AND "
	"code < ?2 || '~' ORDER BY code LIMIT ?3";
/* The rowid range keeps the match inside one version, and ORDER BY rowid
 * (code order, as imported) lets FTS5 stop after the first `limit`
 * matches instead of ranking every match of a short prefix. */
static const char SQL_CODE_SEARCH[] =
	"SELECT c.code, c.billable, c.long_desc FROM code_fts f "
	"JOIN code_rows r ON r.rid = f.rowid "
	"JOIN codes c ON c.vid = r.vid AND c.code = r.code "
	"WHERE code_fts MATCH ?1 AND f.rowid BETWEEN ?2 AND ?3 ORDER BY f.rowid LIMIT ?4";

status_t db_code_get(db_t *db, int64_t vid, const char *code, db_code_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st;
	int found;
	status_t ret = db_cached(db, SQL_CODE_GET, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_TRANSIENT);
	ret = code_rows(db, st, fn, arg, &found, m);
	if (ret == STATUS_OK && !found)
		ret = msg_fail(m, STATUS_NOTFOUND, "No such code.");
	return ret;
}

status_t db_code_prefix(db_t *db, int64_t vid, const char *prefix, int limit, db_code_fn fn,
			void *arg, msg_t *m)
{
	sqlite3_stmt *st;
	int found;
	status_t ret = db_cached(db, SQL_CODE_PREFIX, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, limit);
	return code_rows(db, st, fn, arg, &found, m);
}

status_t db_code_search(db_t *db, const db_codeset_t *v, const char *fts, int limit,
			db_code_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st;
	int found;
	status_t ret = db_cached(db, SQL_CODE_SEARCH, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, v->rid_lo);
	sqlite3_bind_int64(st, 3, v->rid_hi);
	sqlite3_bind_int(st, 4, limit);
	return code_rows(db, st, fn, arg, &found, m);
}

status_t db_dx_load(db_t *db, int64_t erow, db_dx_t *out, int max, int *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc, bad = 0;
	status_t ret = db_prepare(db, "SELECT seq, code FROM encounter_dx WHERE erow = ?1 ORDER BY seq",
				  &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, erow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == max) {
			bad = 1;
			break;
		}
		out[*n].seq = sqlite3_column_int(st, 0);
		db_col_text_fit(st, 1, out[*n].code, sizeof out[*n].code, &bad);
		(*n)++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the coding", m);
	else if (bad)
		*n = max + 1;
	sqlite3_finalize(st);
	return ret;
}

status_t db_px_load(db_t *db, int64_t erow, db_px_t *out, int max, int *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc, bad = 0;
	status_t ret = db_prepare(db,
				  "SELECT line, system, code, modifiers, units, pointers FROM "
				  "encounter_px WHERE erow = ?1 ORDER BY line",
				  &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, erow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_px_t *p = &out[*n];
		sqlite3_int64 units;
		if (*n == max) {
			bad = 1;
			break;
		}
		memset(p, 0, sizeof *p);
		if (sqlite3_column_int64(st, 0) < 1 || sqlite3_column_int64(st, 0) > 9999)
			bad = 1;
		p->line = sqlite3_column_int(st, 0);
		db_col_text_fit(st, 1, p->system, sizeof p->system, &bad);
		db_col_text_fit(st, 2, p->code, sizeof p->code, &bad);
		db_col_text_fit(st, 3, p->modifiers, sizeof p->modifiers, &bad);
		units = sqlite3_column_int64(st, 4);
		if (units < 0 || units > 9999)
			bad = 1;
		else
			p->units = (int)units;
		db_col_text_fit(st, 5, p->pointers, sizeof p->pointers, &bad);
		(*n)++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the coding", m);
	else if (bad)
		*n = max + 1;
	sqlite3_finalize(st);
	return ret;
}

status_t db_coding_store(db_t *db, int64_t erow, const db_dx_t *dx, int ndx, const db_px_t *px,
			 int npx, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret;
	const char *dels[] = {"DELETE FROM encounter_dx WHERE erow = ?1",
			      "DELETE FROM encounter_px WHERE erow = ?1"};
	for (int i = 0; i < 2; i++) {
		if ((ret = db_prepare(db, dels[i], &st, m)) != STATUS_OK)
			return ret;
		sqlite3_bind_int64(st, 1, erow);
		if ((ret = db_exec_stmt(db, st, "saving the coding", m)) != STATUS_OK)
			return ret;
	}
	for (int i = 0; i < ndx; i++) {
		if ((ret = db_prepare(db, "INSERT INTO encounter_dx(erow, seq, code) VALUES (?1,?2,?3)",
				      &st, m)) != STATUS_OK)
			return ret;
		sqlite3_bind_int64(st, 1, erow);
		sqlite3_bind_int(st, 2, i + 1);
		db_bind_text(st, 3, dx[i].code);
		if ((ret = db_exec_stmt(db, st, "saving the coding", m)) != STATUS_OK)
			return ret;
	}
	for (int i = 0; i < npx; i++) {
		if ((ret = db_prepare(db,
				      "INSERT INTO encounter_px(erow, line, system, code, modifiers, "
				      "units, pointers) VALUES (?1,?2,?3,?4,?5,?6,?7)",
				      &st, m)) != STATUS_OK)
			return ret;
		sqlite3_bind_int64(st, 1, erow);
		sqlite3_bind_int(st, 2, i + 1);
		db_bind_text(st, 3, px[i].system);
		db_bind_text(st, 4, px[i].code);
		db_bind_text(st, 5, px[i].modifiers);
		sqlite3_bind_int(st, 6, px[i].units);
		db_bind_text(st, 7, px[i].pointers);
		if ((ret = db_exec_stmt(db, st, "saving the coding", m)) != STATUS_OK)
			return ret;
	}
	return STATUS_OK;
}

status_t db_coding_status_set(db_t *db, int64_t erow, const char *status,
			      const unsigned char *coding_mac, size_t mac_len, const char *final_at,
			      const char *final_by, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE encounters SET coding_status = ?2, coding_mac = ?3, "
				  "final_at = ?4, final_by = ?5 WHERE erow = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, erow);
	db_bind_text(st, 2, status);
	db_bind_blob(st, 3, coding_mac, mac_len);
	db_bind_text(st, 4, final_at);
	db_bind_text(st, 5, final_by);
	return db_exec_stmt(db, st, "saving the coding status", m);
}

status_t db_coding_queue(db_t *db, int (*fn)(const db_queue_row_t *q, void *arg), void *arg,
			 msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_queue_row_t q;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT erow, prow, start, closed_at, type, provider, coding_status "
				  "FROM encounters WHERE status = 'closed' AND coding_status != 'final' "
				  "AND source IS NULL ORDER BY start, erow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&q, 0, sizeof q);
		q.erow = sqlite3_column_int64(st, 0);
		q.prow = sqlite3_column_int64(st, 1);
		db_col_text(st, 2, q.start, sizeof q.start);
		db_col_text(st, 3, q.closed_at, sizeof q.closed_at);
		db_col_text(st, 4, q.type, sizeof q.type);
		db_col_text(st, 5, q.provider, sizeof q.provider);
		db_col_text(st, 6, q.coding_status, sizeof q.coding_status);
		if (fn(&q, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the coding queue", m);
	sqlite3_finalize(st);
	return ret;
}
