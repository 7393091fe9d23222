/* db_patients.c - SQL for patients, tokens, recent charts, BTG queue. */
#include "db/db_patients.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

static void blob_into(sqlite3_stmt *st, int col, unsigned char *dst, size_t cap, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	if (n > cap)
		n = cap; /* too long to be ours: decryption will reject it */
	if (p && n)
		memcpy(dst, p, n);
	*len = n;
}

/* version and confidential are bound into the ciphertexts (core/precord.c):
 * a value out of int's range, which would read back cut to another number,
 * reads as -1, which never verifies. */
static int int_col(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);
	return v < 0 || v > 2147483647 ? -1 : (int)v;
}

static const char SQL_INSERT[] =
	"INSERT INTO patients(id, version, confidential, ident, details, match, created, "
	"created_by, updated, updated_by, quality) VALUES (?1, 1, ?2, ?3, ?4, ?7, ?5, ?6, ?5, ?6, ?8)";

/* An empty match set is stored as NULL (no set). */
static void bind_match(sqlite3_stmt *st, int idx, const db_patient_row_t *row)
{
	if (row->match_len)
		sqlite3_bind_blob(st, idx, row->match, (int)row->match_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, idx);
}

/* Report flags: -1 (not computed) is stored NULL. */
static void bind_quality(sqlite3_stmt *st, int idx, int quality)
{
	if (quality >= 0)
		sqlite3_bind_int(st, idx, quality);
	else
		sqlite3_bind_null(st, idx);
}

/* A new row's columns, ?1 to ?8 of both inserts (SQL_INSERT and
 * db_patient_insert_ranked). */
static void bind_insert(sqlite3_stmt *st, const db_patient_row_t *row)
{
	sqlite3_bind_text(st, 1, row->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, row->confidential);
	sqlite3_bind_blob(st, 3, row->ident, (int)row->ident_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, row->details, (int)row->details_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->created, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row->created_by, -1, SQLITE_STATIC);
	bind_match(st, 7, row);
	bind_quality(st, 8, row->quality);
}

status_t db_patient_insert(db_t *db, db_patient_row_t *row, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, SQL_INSERT, &st, m);
	if (ret != STATUS_OK)
		return ret;
	bind_insert(st, row);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "saving the patient", m);
	row->prow = sqlite3_last_insert_rowid(db->conn);
	row->version = 1;
	snprintf(row->updated, sizeof row->updated, "%s", row->created);
	snprintf(row->updated_by, sizeof row->updated_by, "%s", row->created_by);
	return STATUS_OK;
}

status_t db_patient_next_prow(db_t *db, int64_t *prow, msg_t *m)
{
	return db_cached_int64(db, "SELECT coalesce(max(prow), 0) + 1 FROM patients", prow,
	                       "numbering the patients", m);
}

status_t db_patient_insert_ranked(db_t *db, const db_patient_row_t *row, int64_t rank, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db,
				 "INSERT INTO patients(prow, id, version, confidential, ident, details, "
				 "match, created, created_by, updated, updated_by, quality, sort_rank) "
				 "VALUES (?9, ?1, 1, ?2, ?3, ?4, ?7, ?5, ?6, ?5, ?6, ?8, ?10)",
				 &st, m);
	if (ret != STATUS_OK)
		return ret;
	bind_insert(st, row);
	sqlite3_bind_int64(st, 9, row->prow);
	sqlite3_bind_int64(st, 10, rank);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "saving the patient", m);
	return STATUS_OK;
}

status_t db_patient_update(db_t *db, const db_patient_row_t *row, int expect_version, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE patients SET ident = ?3, details = ?4, confidential = ?5, "
				  "updated = ?6, updated_by = ?7, match = ?8, quality = ?9, version = version + 1 "
				  "WHERE prow = ?1 AND version = ?2",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, row->prow);
	sqlite3_bind_int(st, 2, expect_version);
	db_bind_blob(st, 3, row->ident, row->ident_len);
	db_bind_blob(st, 4, row->details, row->details_len);
	sqlite3_bind_int(st, 5, row->confidential);
	db_bind_text(st, 6, row->updated);
	db_bind_text(st, 7, row->updated_by);
	bind_match(st, 8, row);
	bind_quality(st, 9, row->quality);
	ret = db_exec_stmt(db, st, "saving the patient", m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) == 0)
		return msg_fail(m, STATUS_CONFLICT, "The record changed since it was opened.");
	return ret;
}

status_t db_patient_reseal(db_t *db, const db_patient_row_t *row, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE patients SET ident = ?2, details = ?3, quality = ?4 WHERE prow = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, row->prow);
	db_bind_blob(st, 2, row->ident, row->ident_len);
	db_bind_blob(st, 3, row->details, row->details_len);
	bind_quality(st, 4, row->quality);
	return db_exec_stmt(db, st, "re-sealing the patient", m);
}

status_t db_patient_set_quality(db_t *db, int64_t prow, int quality, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE patients SET quality = ?2 WHERE prow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	bind_quality(st, 2, quality);
	return db_exec_stmt(db, st, "saving the patient's report flags", m);
}

status_t db_patient_set_match(db_t *db, int64_t prow, const unsigned char *match, size_t len,
			      msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE patients SET match = ?2 WHERE prow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	db_bind_blob(st, 2, len ? match : NULL, len);
	return db_exec_stmt(db, st, "re-making the patient's search tokens", m);
}

#define PATIENT_COLS                                                                         \
	"prow, id, version, confidential, ident, details, created, created_by, updated, " \
	"updated_by, match, quality"

static void row_from(sqlite3_stmt *st, db_patient_row_t *r)
{
	r->prow = sqlite3_column_int64(st, 0);
	r->toolong = 0;
	db_col_text_fit(st, 1, r->id, sizeof r->id, &r->toolong);
	r->version = int_col(st, 2);
	r->confidential = int_col(st, 3);
	blob_into(st, 4, r->ident, sizeof r->ident, &r->ident_len);
	blob_into(st, 5, r->details, sizeof r->details, &r->details_len);
	db_col_text_fit(st, 6, r->created, sizeof r->created, &r->toolong);
	db_col_text_fit(st, 7, r->created_by, sizeof r->created_by, &r->toolong);
	db_col_text_fit(st, 8, r->updated, sizeof r->updated, &r->toolong);
	db_col_text_fit(st, 9, r->updated_by, sizeof r->updated_by, &r->toolong);
	blob_into(st, 10, r->match, sizeof r->match, &r->match_len);
	r->quality = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : (int)(sqlite3_column_int64(st, 11) & 0xff);
}

/* A row read as "prow, id, version, confidential, ident[, ...]": only what
 * a search list needs, or the whole row when `full`. */
#define IDENT_COLS "prow, id, version, confidential, ident"

static void from_stmt(sqlite3_stmt *st, db_patient_row_t *r, int full)
{
	if (full) {
		row_from(st, r);
		return;
	}
	r->prow = sqlite3_column_int64(st, 0);
	r->toolong = 0;
	db_col_text_fit(st, 1, r->id, sizeof r->id, &r->toolong);
	r->version = int_col(st, 2);
	r->confidential = int_col(st, 3);
	blob_into(st, 4, r->ident, sizeof r->ident, &r->ident_len);
	r->details_len = r->match_len = 0;
	r->quality = -1;
	/* Not read here: empty, not left over (callers copy them). */
	r->created[0] = r->created_by[0] = '\0';
	r->updated[0] = r->updated_by[0] = '\0';
}

static const char SQL_GET[] = "SELECT " PATIENT_COLS " FROM patients WHERE prow = ?1";
static const char SQL_GET_ID[] = "SELECT " PATIENT_COLS " FROM patients WHERE id = ?1";
static const char SQL_GET_IDENT[] = "SELECT " IDENT_COLS " FROM patients WHERE prow = ?1";

static status_t get_one(db_t *db, const char *sql, int64_t prow, const char *id,
			db_patient_row_t *out, int full, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	if (id)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		from_stmt(st, out, full);
	} else if (rc == SQLITE_DONE) {
		ret = msg_fail(m, STATUS_NOTFOUND, "No such patient.");
	} else {
		ret = db_fail(db, rc, "reading the patient", m);
	}
	sqlite3_reset(st);
	return ret;
}

status_t db_patient_get(db_t *db, int64_t prow, db_patient_row_t *out, msg_t *m)
{
	return get_one(db, SQL_GET, prow, NULL, out, 1, m);
}

status_t db_patient_get_by_id(db_t *db, const char *id, db_patient_row_t *out, msg_t *m)
{
	return get_one(db, SQL_GET_ID, 0, id, out, 1, m);
}

status_t db_patient_get_ident(db_t *db, int64_t prow, db_patient_row_t *out, msg_t *m)
{
	return get_one(db, SQL_GET_IDENT, prow, NULL, out, 0, m);
}

static status_t count_query(db_t *db, const char *sql, int64_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "counting", m);
	sqlite3_finalize(st);
	return ret;
}

/* "... WHERE prow IN (?1, ..., ?64)": unused places are bound NULL. */
static char sql_each_full[512 + DB_PATIENT_EACH_MAX * 6];
static char sql_each_ident[512 + DB_PATIENT_EACH_MAX * 6];

static void each_sql(char *buf, size_t size, const char *cols)
{
	size_t o = (size_t)snprintf(buf, size, "SELECT %s FROM patients WHERE prow IN (", cols);
	for (int k = 1; k <= DB_PATIENT_EACH_MAX; k++)
		o += (size_t)snprintf(buf + o, size - o, "%s?%d", k > 1 ? "," : "", k);
	snprintf(buf + o, size - o, ") ORDER BY prow");
}

status_t db_patient_each(db_t *db, const int64_t *prows, int n, int full, db_patient_row_t *buf,
			 db_patient_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st;
	int rc, k;
	status_t ret;
	const char *sql = full ? sql_each_full : sql_each_ident;
	if (n > DB_PATIENT_EACH_MAX)
		return msg_fail(m, STATUS_ERR, "Too many rows asked for at once.");
	/* A few (an MRN, a rare name) one by one: an IN list of 64 places
	 * costs more than it saves then. */
	if (n <= DB_PATIENT_EACH_FEW) {
		for (k = 0; k < n; k++) {
			ret = get_one(db, full ? SQL_GET : SQL_GET_IDENT, prows[k], NULL, buf, full, m);
			if (ret == STATUS_NOTFOUND)
				continue;
			if (ret != STATUS_OK)
				return ret;
			if (fn(buf, arg))
				break;
		}
		return STATUS_OK;
	}
	if (!sql_each_full[0]) {
		each_sql(sql_each_full, sizeof sql_each_full, PATIENT_COLS);
		each_sql(sql_each_ident, sizeof sql_each_ident, IDENT_COLS);
	}
	if ((ret = db_cached(db, sql, &st, m)) != STATUS_OK)
		return ret;
	for (k = 0; k < DB_PATIENT_EACH_MAX; k++) {
		if (k < n)
			sqlite3_bind_int64(st, k + 1, prows[k]);
		else
			sqlite3_bind_null(st, k + 1);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		from_stmt(st, buf, full);
		if (fn(buf, arg))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "reading patients", m);
	return STATUS_OK;
}

static const char SQL_GET_MATCH[] = "SELECT match FROM patients WHERE prow = ?1";

status_t db_patient_get_match(db_t *db, int64_t prow, unsigned char *set, size_t cap,
			      size_t *len, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, SQL_GET_MATCH, &st, m);
	*len = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		blob_into(st, 0, set, cap, len);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "No such patient.");
	else
		ret = db_fail(db, rc, "reading the patient", m);
	sqlite3_reset(st);
	return ret;
}

status_t db_patient_count(db_t *db, int64_t *out, msg_t *m)
{
	return count_query(db, "SELECT count(*) FROM patients", out, m);
}

status_t db_patient_page(db_t *db, int64_t after, char (*ids)[33], int64_t *prows, int max,
			 int *n, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, "SELECT prow, id FROM patients WHERE prow > ?1 ORDER BY prow "
				     "LIMIT ?2",
				 &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		const unsigned char *id = sqlite3_column_text(st, 1);
		prows[*n] = sqlite3_column_int64(st, 0);
		snprintf(ids[*n], 33, "%s", id ? (const char *)id : "");
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "listing patients", m);
	return STATUS_OK;
}

/* A token row carries its patient's order rank (011_name_order.sql): an
 * insert takes the rank the patients row holds now, and a delete finds
 * the row through it (falling back to every row of the token when it is
 * not there: a rank changed outside Chartroom leaves no orphan). */
static const char SQL_TOK_INS[] =
	"INSERT OR IGNORE INTO patient_tokens(token, rank, prow) VALUES (?1, "
	"coalesce((SELECT sort_rank FROM patients WHERE prow = ?2), 0), ?2)";
static const char SQL_TOK_DEL[] =
	"DELETE FROM patient_tokens WHERE token = ?1 AND prow = ?2 AND rank = "
	"coalesce((SELECT sort_rank FROM patients WHERE prow = ?2), 0)";
static const char SQL_TOK_DEL_ANY[] = "DELETE FROM patient_tokens WHERE token = ?1 AND prow = ?2";
static const char SQL_TOK_EXISTS[] = "SELECT 1 FROM patient_tokens WHERE token = ?1 AND prow = ?2";
static const char SQL_TOK_LOOKUP[] = "SELECT prow FROM patient_tokens WHERE token = ?1 "
				     "ORDER BY rank, prow LIMIT ?2";

static status_t tok_exec(db_t *db, const char *sql, int64_t token, int64_t prow, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, token);
	sqlite3_bind_int64(st, 2, prow);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "updating the search index", m);
	return STATUS_OK;
}

status_t db_token_insert(db_t *db, int64_t token, int64_t prow, msg_t *m)
{
	return tok_exec(db, SQL_TOK_INS, token, prow, m);
}

#define TOK_BATCH 128
static char sql_tok_batch[128 + TOK_BATCH * 80];
static char sql_tok_ranked[128 + TOK_BATCH * 12];

status_t db_token_insert_many(db_t *db, const int64_t *pairs, size_t n, msg_t *m)
{
	sqlite3_stmt *st;
	status_t ret;
	size_t i = 0;
	if (!sql_tok_batch[0]) {
		size_t o = (size_t)snprintf(sql_tok_batch, sizeof sql_tok_batch,
					    "INSERT OR IGNORE INTO patient_tokens(token, rank, prow) VALUES ");
		for (int k = 0; k < TOK_BATCH; k++)
			o += (size_t)snprintf(sql_tok_batch + o, sizeof sql_tok_batch - o,
					      "%s(?%d,coalesce((SELECT sort_rank FROM patients WHERE "
					      "prow=?%d),0),?%d)",
					      k ? "," : "", 2 * k + 1, 2 * k + 2, 2 * k + 2);
	}
	/* Full batches through one statement of TOK_BATCH rows; the rest one
	 * by one. */
	for (; i + TOK_BATCH <= n; i += TOK_BATCH) {
		int rc;
		if ((ret = db_cached(db, sql_tok_batch, &st, m)) != STATUS_OK)
			return ret;
		for (int k = 0; k < TOK_BATCH * 2; k++)
			sqlite3_bind_int64(st, k + 1, pairs[i * 2 + (size_t)k]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_fail(db, rc, "updating the search index", m);
	}
	for (; i < n; i++)
		if ((ret = tok_exec(db, SQL_TOK_INS, pairs[i * 2], pairs[i * 2 + 1], m)) != STATUS_OK)
			return ret;
	return STATUS_OK;
}

status_t db_token_insert_ranked(db_t *db, const int64_t *triples, size_t n, msg_t *m)
{
	sqlite3_stmt *st;
	status_t ret;
	size_t i = 0;
	if (!sql_tok_ranked[0]) {
		size_t o = (size_t)snprintf(sql_tok_ranked, sizeof sql_tok_ranked,
					    "INSERT OR IGNORE INTO patient_tokens(token, rank, prow) VALUES ");
		for (int k = 0; k < TOK_BATCH; k++)
			o += (size_t)snprintf(sql_tok_ranked + o, sizeof sql_tok_ranked - o, "%s(?,?,?)",
					      k ? "," : "");
	}
	for (; i + TOK_BATCH <= n; i += TOK_BATCH) {
		int rc;
		if ((ret = db_cached(db, sql_tok_ranked, &st, m)) != STATUS_OK)
			return ret;
		for (int k = 0; k < TOK_BATCH * 3; k++)
			sqlite3_bind_int64(st, k + 1, triples[i * 3 + (size_t)k]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_fail(db, rc, "updating the search index", m);
	}
	for (; i < n; i++) {
		int rc;
		if ((ret = db_cached(db,
				     "INSERT OR IGNORE INTO patient_tokens(token, rank, prow) VALUES "
				     "(?1, ?2, ?3)",
				     &st, m)) != STATUS_OK)
			return ret;
		for (int k = 0; k < 3; k++)
			sqlite3_bind_int64(st, k + 1, triples[i * 3 + (size_t)k]);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_fail(db, rc, "updating the search index", m);
	}
	return STATUS_OK;
}

status_t db_token_delete(db_t *db, int64_t token, int64_t prow, msg_t *m)
{
	status_t ret = tok_exec(db, SQL_TOK_DEL, token, prow, m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) == 0)
		ret = tok_exec(db, SQL_TOK_DEL_ANY, token, prow, m);
	return ret;
}

status_t db_token_rerank(db_t *db, int64_t token, int64_t prow, int64_t from, int64_t to,
			 msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db,
				 "UPDATE patient_tokens SET rank = ?4 WHERE token = ?1 AND rank = ?3 "
				 "AND prow = ?2",
				 &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, token);
	sqlite3_bind_int64(st, 2, prow);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int64(st, 4, to);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "updating the search index", m);
	return STATUS_OK;
}

#define PATIENT_COLS_P                                                                      \
	"p.prow, p.id, p.version, p.confidential, p.ident, p.details, p.created, "        \
	"p.created_by, p.updated, p.updated_by, p.match, p.quality"
#define IDENT_COLS_P "p.prow, p.id, p.version, p.confidential, p.ident"
#define TOK_ROWS_FROM                                                                      \
	", t.rank FROM patient_tokens t JOIN patients p ON p.prow = t.prow WHERE t.token = ?1 " \
	"AND (t.rank, t.prow) > (?2, ?3) ORDER BY t.rank, t.prow LIMIT ?4"
static const char SQL_TOK_ROWS_IDENT[] = "SELECT " IDENT_COLS_P TOK_ROWS_FROM;
static const char SQL_TOK_ROWS_FULL[] = "SELECT " PATIENT_COLS_P TOK_ROWS_FROM;

status_t db_token_rows(db_t *db, int64_t token, int64_t after_rank, int64_t after_prow, int max,
		       int full, db_patient_row_t *buf, db_ranked_fn fn, void *arg, int *n,
		       int64_t *last_rank, int64_t *last_prow, msg_t *m)
{
	sqlite3_stmt *st;
	int rc, rank_col = full ? 12 : 5;
	status_t ret = db_cached(db, full ? SQL_TOK_ROWS_FULL : SQL_TOK_ROWS_IDENT, &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, token);
	sqlite3_bind_int64(st, 2, after_rank);
	sqlite3_bind_int64(st, 3, after_prow);
	sqlite3_bind_int(st, 4, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t rank = sqlite3_column_int64(st, rank_col);
		from_stmt(st, buf, full);
		(*n)++;
		*last_rank = rank;
		*last_prow = buf->prow;
		if (fn(buf, rank, arg))
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "searching", m);
	return STATUS_OK;
}

status_t db_patient_rank(db_t *db, int64_t prow, int64_t *rank, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, "SELECT sort_rank FROM patients WHERE prow = ?1", &st, m);
	*rank = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*rank = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "No such patient.");
	else
		ret = db_fail(db, rc, "reading the patient", m);
	sqlite3_reset(st);
	return ret;
}

status_t db_patient_set_rank(db_t *db, int64_t prow, int64_t rank, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, "UPDATE patients SET sort_rank = ?2 WHERE prow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	sqlite3_bind_int64(st, 2, rank);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "saving the name order", m);
	return STATUS_OK;
}

status_t db_rank_near(db_t *db, int64_t rank, int after, int64_t exclude, int max, int64_t *prows,
		      int64_t *ranks, int *n, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db,
				 after ? "SELECT prow, sort_rank FROM patients WHERE sort_rank >= ?1 AND "
					 "sort_rank > 0 AND prow != ?2 ORDER BY sort_rank LIMIT ?3"
				       : "SELECT prow, sort_rank FROM patients WHERE sort_rank <= ?1 AND "
					 "sort_rank > 0 AND prow != ?2 ORDER BY sort_rank DESC LIMIT ?3",
				 &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, rank);
	sqlite3_bind_int64(st, 2, exclude);
	sqlite3_bind_int(st, 3, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		prows[*n] = sqlite3_column_int64(st, 0);
		ranks[(*n)++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "reading the name order", m);
	return STATUS_OK;
}

status_t db_data_version(db_t *db, int64_t *v, msg_t *m)
{
	return db_cached_int64(db, "PRAGMA data_version", v,
	                       "reading the database's change counter", m);
}

status_t db_rank_unplaced(db_t *db, int64_t *prows, int max, int *n, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, "SELECT prow FROM patients WHERE sort_rank = 0 LIMIT ?1", &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int(st, 1, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		prows[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "reading the name order", m);
	return STATUS_OK;
}

status_t db_patient_each_ranked(db_t *db, db_patient_row_t *buf, int64_t *rank,
				db_patient_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT " IDENT_COLS ", sort_rank FROM patients WHERE sort_rank > 0 "
				  "ORDER BY sort_rank",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		from_stmt(st, buf, 0);
		*rank = sqlite3_column_int64(st, 5);
		if (fn(buf, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the name order", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_token_ranks_refresh(db_t *db, msg_t *m)
{
	/* The token rows again, each with its patient's rank now, written in
	 * the index's order into a table of the same shape
	 * (011_name_order.sql), which then takes the old one's place. */
	static const char sql[] =
		"CREATE TABLE patient_tokens_ranked (token INTEGER NOT NULL, rank INTEGER NOT NULL, "
		"prow INTEGER NOT NULL, PRIMARY KEY (token, rank, prow)) STRICT, WITHOUT ROWID;"
		"INSERT INTO patient_tokens_ranked(token, rank, prow) SELECT t.token, "
		"coalesce(p.sort_rank, 0), t.prow FROM patient_tokens t LEFT JOIN patients p ON "
		"p.prow = t.prow ORDER BY 1, 2, 3;"
		"DROP TABLE patient_tokens;"
		"ALTER TABLE patient_tokens_ranked RENAME TO patient_tokens;";
	char *err = NULL;
	int rc = sqlite3_exec(db->conn, sql, NULL, NULL, &err);
	sqlite3_free(err);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "ordering the search index", m);
	return STATUS_OK;
}

status_t db_token_exists(db_t *db, int64_t token, int64_t prow, int *exists, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, SQL_TOK_EXISTS, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, token);
	sqlite3_bind_int64(st, 2, prow);
	rc = sqlite3_step(st);
	*exists = rc == SQLITE_ROW;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "reading the search index", m);
	return STATUS_OK;
}

status_t db_token_lookup(db_t *db, int64_t token, int64_t *prows, int max, int *n, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, SQL_TOK_LOOKUP, &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, token);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		prows[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, "searching", m);
	return STATUS_OK;
}

status_t db_recent_touch(db_t *db, const char *user_id, int64_t prow, const char *when,
			 msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO recent_patients(user_id, prow, opened) VALUES (?1,?2,?3) "
				  "ON CONFLICT(user_id, prow) DO UPDATE SET opened = excluded.opened",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, user_id);
	sqlite3_bind_int64(st, 2, prow);
	db_bind_text(st, 3, when);
	if ((ret = db_exec_stmt(db, st, "remembering the chart", m)) != STATUS_OK)
		return ret;
	/* Keep each user's list short. */
	if ((ret = db_prepare(db,
			      "DELETE FROM recent_patients WHERE user_id = ?1 AND prow NOT IN "
			      "(SELECT prow FROM recent_patients WHERE user_id = ?1 "
			      "ORDER BY opened DESC LIMIT 50)",
			      &st, m)) != STATUS_OK)
		return ret;
	db_bind_text(st, 1, user_id);
	return db_exec_stmt(db, st, "remembering the chart", m);
}

status_t db_recent_list(db_t *db, const char *user_id, int64_t *prows, int max, int *n,
			msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT prow FROM recent_patients WHERE user_id = ?1 "
				  "ORDER BY opened DESC, rowid DESC LIMIT ?2",
				  &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, user_id);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		prows[(*n)++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading recent charts", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_btg_add(db_t *db, const db_btg_t *b, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO btg_queue(id, audit_seq, user_name, prow, ts, mac) VALUES "
				  "(?1, ?2, ?3, ?4, ?5, ?6)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, b->id);
	sqlite3_bind_int64(st, 2, b->audit_seq);
	db_bind_text(st, 3, b->user_name);
	sqlite3_bind_int64(st, 4, b->prow);
	db_bind_text(st, 5, b->ts);
	db_bind_blob(st, 6, b->mac_len ? b->mac : NULL, b->mac_len);
	return db_exec_stmt(db, st, "queueing the access for review", m);
}

status_t db_btg_list(db_t *db, int64_t prow, int (*fn)(const db_btg_t *b, void *arg), void *arg,
		     msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_btg_t b;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT id, audit_seq, user_name, prow, ts, reviewed, "
				  "coalesce(reviewed_by, ''), coalesce(reviewed_at, ''), mac FROM btg_queue "
				  "WHERE prow = ?1 ORDER BY id",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 rv = sqlite3_column_int64(st, 5);
		memset(&b, 0, sizeof b);
		b.id = sqlite3_column_int64(st, 0);
		b.audit_seq = sqlite3_column_int64(st, 1);
		db_col_text_fit(st, 2, b.user_name, sizeof b.user_name, &b.toolong);
		b.prow = sqlite3_column_int64(st, 3);
		db_col_text_fit(st, 4, b.ts, sizeof b.ts, &b.toolong);
		if (rv != 0 && rv != 1)
			b.toolong = 1;
		b.reviewed = (int)(rv & 1);
		db_col_text_fit(st, 6, b.reviewed_by, sizeof b.reviewed_by, &b.toolong);
		db_col_text_fit(st, 7, b.reviewed_at, sizeof b.reviewed_at, &b.toolong);
		blob_into(st, 8, b.mac, sizeof b.mac, &b.mac_len);
		if ((size_t)sqlite3_column_bytes(st, 8) > sizeof b.mac)
			b.toolong = 1;
		if (fn(&b, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the break-the-glass queue", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_btg_set_mac(db_t *db, int64_t id, const unsigned char *mac, size_t len, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE btg_queue SET mac = ?2 WHERE id = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	db_bind_blob(st, 2, mac, len);
	return db_exec_stmt(db, st, "re-sealing the break-the-glass queue", m);
}

status_t db_btg_pending_count(db_t *db, int64_t *out, msg_t *m)
{
	return count_query(db, "SELECT count(*) FROM btg_queue WHERE reviewed = 0", out, m);
}

static const char SQL_MRN[] =
	"INSERT INTO meta(key, value) VALUES ('mrn_next', CAST(1 + ?1 AS TEXT)) "
	"ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + ?1 AS TEXT) "
	"RETURNING CAST(value AS INTEGER) - ?1";

status_t db_mrn_reserve(db_t *db, int64_t count, int64_t *first, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, SQL_MRN, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, count);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*first = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "assigning medical record numbers", m);
	return ret;
}

status_t db_mrn_next(db_t *db, int64_t *seq, msg_t *m)
{
	return db_mrn_reserve(db, 1, seq, m);
}

status_t db_bulk_mode(db_t *db, int on, msg_t *m)
{
	/* A big page cache while a bulk load runs keeps the index B-trees in
	 * memory (a load in batches inserts into the index built by the
	 * batches before: at a million patients it is ~300 MB, and with a
	 * smaller cache each batch reads it back from the file); back to
	 * SQLite's default after. */
	char *err = NULL;
	int rc = sqlite3_exec(db->conn, on ? "PRAGMA cache_size = -524288" : "PRAGMA cache_size = -2000",
			      NULL, NULL, &err);
	sqlite3_free(err);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "setting the cache size", m);
	return STATUS_OK;
}

status_t db_direct_write(db_t *db, int on, int *direct, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = STATUS_OK;
	int rc;
	if (direct)
		*direct = 0;
	if (db->ro != DB_RW || !sqlite3_get_autocommit(db->conn))
		return on ? STATUS_OK : msg_fail(m, STATUS_ERR, "The journal cannot change now.");
	/* Never waits: a connection that has the file open keeps the log
	 * (SQLite leaves it only with the file to itself). */
	sqlite3_busy_handler(db->conn, NULL, NULL);
	rc = sqlite3_prepare_v2(db->conn,
				on ? "PRAGMA journal_mode = DELETE" : "PRAGMA journal_mode = WAL", -1,
				&st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(st, 0);
		if (direct)
			*direct = on && mode && strcmp((const char *)mode, "delete") == 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (sqlite3_busy_handler(db->conn, db_busy_wait, &db->wait) != SQLITE_OK)
		ret = db_fail(db, sqlite3_errcode(db->conn), "setting the busy timeout", m);
	else if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
		ret = db_fail(db, rc, "changing the journal", m);
	return ret;
}

/* ---- checkpoints beside a bulk load ------------------------------------ */

struct db_ckpt {
	db_t *db;
	sqlite3 *conn; /* its own connection to the same file */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int want, stop;
};

static void *ckpt_main(void *arg)
{
	db_ckpt_t *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->want && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!c->want)
			break;
		c->want = 0;
		pthread_mutex_unlock(&c->mu);
		/* PASSIVE: never waits for, nor blocks, the writer. A failure
		 * leaves the frames in the log for the next checkpoint (the
		 * last one, or the next commit's automatic one). */
		sqlite3_wal_checkpoint_v2(c->conn, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

status_t db_ckpt_start(db_t *db, db_ckpt_t **out)
{
	db_ckpt_t *c;
	const char *file = sqlite3_db_filename(db->conn, "main");
	*out = NULL;
	if (!file || !*file || !(c = calloc(1, sizeof *c)))
		return STATUS_OK; /* checkpoints stay where they were */
	c->db = db;
	/* Read once, so that the connection knows the file is in WAL mode:
	 * until it has, a checkpoint on it does nothing (and says so only
	 * through its frame counts, -1). */
	if (sqlite3_open_v2(file, &c->conn, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->conn, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) !=
		    SQLITE_OK) {
		sqlite3_close(c->conn);
		free(c);
		return STATUS_OK;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->th, NULL, ckpt_main, c) != 0) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		sqlite3_close(c->conn);
		free(c);
		return STATUS_OK;
	}
	/* The writer's commits no longer checkpoint (db_ckpt_stop restores
	 * SQLite's default). */
	sqlite3_wal_autocheckpoint(db->conn, 0);
	*out = c;
	return STATUS_OK;
}

void db_ckpt_kick(db_ckpt_t *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->want = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void db_ckpt_stop(db_ckpt_t *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->want = 1; /* a last one, for the last commit */
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->th, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	sqlite3_close(c->conn);
	sqlite3_wal_autocheckpoint(c->db->conn, 1000); /* SQLite's default */
	free(c);
}
