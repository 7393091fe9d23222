/* db_integrity.c - SQL for chart heads, chart row sets and re-sealing. */
#include "db/db_integrity.h"

#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

static const struct {
	const char *name;
	const char *rows; /* row number and MAC of every row of a patient */
	const char *next; /* the next row number */
} tables[DB_CT_END] = {
	[DB_CT_ENCOUNTERS] = {"encounters", "SELECT erow, mac FROM encounters WHERE prow = ?1",
			      "SELECT coalesce(max(erow), 0) + 1 FROM encounters"},
	[DB_CT_CODING] = {"encounter_dx/encounter_px",
			  "SELECT erow, coding_mac FROM encounters WHERE prow = ?1", NULL},
	[DB_CT_VITALS] = {"vitals", "SELECT vrow, mac FROM vitals WHERE prow = ?1",
			  "SELECT coalesce(max(vrow), 0) + 1 FROM vitals"},
	[DB_CT_ALLERGIES] = {"allergies", "SELECT arow, mac FROM allergies WHERE prow = ?1",
			     "SELECT coalesce(max(arow), 0) + 1 FROM allergies"},
	[DB_CT_ALLERGY_REVIEW] = {"allergy_review",
				  "SELECT prow, mac FROM allergy_review WHERE prow = ?1", NULL},
	[DB_CT_MEDICATIONS] = {"medications", "SELECT mrow, mac FROM medications WHERE prow = ?1",
			       "SELECT coalesce(max(mrow), 0) + 1 FROM medications"},
	[DB_CT_PROBLEMS] = {"problems", "SELECT pbrow, mac FROM problems WHERE prow = ?1",
			    "SELECT coalesce(max(pbrow), 0) + 1 FROM problems"},
	[DB_CT_NOTES] = {"notes", "SELECT nrow, mac FROM notes WHERE prow = ?1",
			 "SELECT coalesce(max(nrow), 0) + 1 FROM notes"},
	[DB_CT_BTG] = {"btg_queue", "SELECT id, mac FROM btg_queue WHERE prow = ?1",
		       "SELECT coalesce(max(id), 0) + 1 FROM btg_queue"},
	[DB_CT_IDENTIFIERS] = {"patient_identifiers",
			       "SELECT xrow, mac FROM patient_identifiers WHERE prow = ?1",
			       "SELECT coalesce(max(xrow), 0) + 1 FROM patient_identifiers"},
	[DB_CT_PROCEDURES] = {"procedure_history",
			      "SELECT phrow, mac FROM procedure_history WHERE prow = ?1",
			      "SELECT coalesce(max(phrow), 0) + 1 FROM procedure_history"},
};

const char *db_chart_table_name(db_chart_table_t t)
{
	return t > 0 && t < DB_CT_END && tables[t].name ? tables[t].name : "?";
}

static void blob_copy(sqlite3_stmt *st, int col, unsigned char *dst, size_t cap, size_t *len,
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

status_t db_chart_head_get(db_t *db, int64_t prow, db_chart_head_t *out, msg_t *m)
{
	static const char sql[] = "SELECT seq, rows, mac FROM chart_heads WHERE prow = ?1";
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, sql, &st, m);
	memset(out, 0, sizeof *out);
	out->prow = prow;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		out->seq = sqlite3_column_int64(st, 0);
		if (!(out->rows = malloc(n ? n : 1))) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the chart.");
		} else {
			if (p && n)
				memcpy(out->rows, p, n);
			out->rows_len = n;
			blob_copy(st, 2, out->mac, sizeof out->mac, &out->mac_len, &out->toolong);
		}
	} else if (rc == SQLITE_DONE) {
		ret = STATUS_NOTFOUND;
	} else {
		ret = db_fail(db, rc, "reading the chart", m);
	}
	sqlite3_reset(st);
	return ret;
}

status_t db_chart_head_put(db_t *db, const db_chart_head_t *h, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO chart_heads(prow, seq, rows, mac) VALUES (?1,?2,?3,?4) "
				  "ON CONFLICT(prow) DO UPDATE SET seq = excluded.seq, rows = "
				  "excluded.rows, mac = excluded.mac",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, h->prow);
	sqlite3_bind_int64(st, 2, h->seq);
	/* An empty list is a zero-length blob, not NULL (the column is NOT NULL). */
	sqlite3_bind_blob(st, 3, h->rows_len ? (const void *)h->rows : "", (int)h->rows_len,
			  SQLITE_TRANSIENT);
	db_bind_blob(st, 4, h->mac, h->mac_len);
	return db_exec_stmt(db, st, "saving the chart", m);
}

status_t db_chart_head_each(db_t *db,
			    int (*fn)(const db_chart_head_t *h, const char *patient_id, void *arg),
			    void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_chart_head_t h;
	char id[40];
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT h.prow, h.seq, h.rows, h.mac, coalesce(p.id, '') FROM "
				  "chart_heads h LEFT JOIN patients p ON p.prow = h.prow ORDER BY h.prow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&h, 0, sizeof h);
		h.prow = sqlite3_column_int64(st, 0);
		h.seq = sqlite3_column_int64(st, 1);
		h.rows = (unsigned char *)(uintptr_t)sqlite3_column_blob(st, 2);
		h.rows_len = (size_t)sqlite3_column_bytes(st, 2);
		blob_copy(st, 3, h.mac, sizeof h.mac, &h.mac_len, &h.toolong);
		db_col_text(st, 4, id, sizeof id);
		if (fn(&h, id, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the charts", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_chart_head_any(db_t *db, int *any, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT EXISTS (SELECT 1 FROM chart_heads)", &st, m);
	*any = 0;
	if (ret != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*any = sqlite3_column_int(st, 0);
	else
		ret = db_fail(db, rc, "reading the charts", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_chart_rows(db_t *db, db_chart_table_t t, int64_t prow,
		       int (*fn)(int64_t row, const unsigned char *mac, size_t len, void *arg),
		       void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret;
	if (t <= 0 || t >= DB_CT_END || !tables[t].rows)
		return msg_fail(m, STATUS_ERR, "Unknown chart table.");
	if ((ret = db_prepare(db, tables[t].rows, &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
		       (size_t)sqlite3_column_bytes(st, 1), arg))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the chart", m);
	sqlite3_finalize(st);
	return ret;
}

#define ROWS_UNION                                                                       \
	"SELECT prow FROM encounters UNION SELECT prow FROM vitals UNION SELECT prow FROM " \
	"allergies UNION SELECT prow FROM allergy_review UNION SELECT prow FROM "           \
	"medications UNION SELECT prow FROM problems UNION SELECT prow FROM notes UNION "   \
	"SELECT prow FROM btg_queue UNION SELECT prow FROM patient_identifiers UNION "    \
	"SELECT prow FROM procedure_history"

status_t db_chart_patients_with_rows(db_t *db, int (*fn)(int64_t prow, void *arg), void *arg,
				     msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT prow FROM (" ROWS_UNION ") ORDER BY prow", &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), arg))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the charts", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_chart_has_rows(db_t *db, int64_t prow, int *any, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(
		db,
		"SELECT EXISTS (SELECT 1 FROM encounters WHERE prow = ?1) OR EXISTS (SELECT 1 FROM "
		"vitals WHERE prow = ?1) OR EXISTS (SELECT 1 FROM allergies WHERE prow = ?1) OR "
		"EXISTS (SELECT 1 FROM allergy_review WHERE prow = ?1) OR EXISTS (SELECT 1 FROM "
		"medications WHERE prow = ?1) OR EXISTS (SELECT 1 FROM problems WHERE prow = ?1) OR "
		"EXISTS (SELECT 1 FROM notes WHERE prow = ?1) OR EXISTS (SELECT 1 FROM btg_queue "
		"WHERE prow = ?1) OR EXISTS (SELECT 1 FROM patient_identifiers WHERE prow = ?1) OR "
		"EXISTS (SELECT 1 FROM procedure_history WHERE prow = ?1)",
		&st, m);
	*any = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*any = sqlite3_column_int(st, 0);
	else
		ret = db_fail(db, rc, "reading the chart", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_row_next(db_t *db, db_chart_table_t t, int64_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret;
	*out = 0;
	if (t <= 0 || t >= DB_CT_END || !tables[t].next)
		return msg_fail(m, STATUS_ERR, "Unknown chart table.");
	if ((ret = db_prepare(db, tables[t].next, &st, m)) != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "numbering a new row", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_patients_after(db_t *db, int64_t after, int64_t *out, int max, int *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT prow FROM patients WHERE prow > ?1 ORDER BY prow LIMIT ?2",
				  &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		out[(*n)++] = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading patients", m);
	sqlite3_finalize(st);
	return ret;
}
