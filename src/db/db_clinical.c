/* db_clinical.c - SQL for the clinical chart. */
#include "db/db_clinical.h"

#include <stdio.h>
#include <string.h>

#include "db/db_internal.h"

static db_blob_t col_blob(sqlite3_stmt *st, int col)
{
	db_blob_t b;
	b.p = sqlite3_column_blob(st, col);
	b.n = (size_t)sqlite3_column_bytes(st, col);
	return b;
}

/* Run a prepared query, calling row() for each result row. */
typedef int (*row_fn)(sqlite3_stmt *st, void *arg);
static status_t each_row(db_t *db, sqlite3_stmt *st, row_fn row, void *arg, const char *what,
			 msg_t *m)
{
	int rc;
	status_t ret = STATUS_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(st, arg))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, what, m);
	sqlite3_finalize(st);
	return ret;
}

/* ---- encounters ------------------------------------------------------- */

#define ENC_COLS                                                                          \
	"erow, id, prow, start, type, provider, location, reason, status, closed_at, "   \
	"closed_by, coding_status, created, created_by, location_ct, mac, coding_mac, "  \
	"coalesce(site, ''), coalesce(provider_ref, ''), coalesce(source, '')"

struct enc_cb {
	db_encounter_fn fn;
	void *arg;
	int found;
};

static int enc_row(sqlite3_stmt *st, void *arg)
{
	struct enc_cb *c = arg;
	db_encounter_t e;
	memset(&e, 0, sizeof e);
	e.erow = sqlite3_column_int64(st, 0);
	db_col_text_fit(st, 1, e.id, sizeof e.id, &e.toolong);
	e.prow = sqlite3_column_int64(st, 2);
	db_col_text_fit(st, 3, e.start, sizeof e.start, &e.toolong);
	db_col_text_fit(st, 4, e.type, sizeof e.type, &e.toolong);
	db_col_text_fit(st, 5, e.provider, sizeof e.provider, &e.toolong);
	db_col_text_fit(st, 6, e.location, sizeof e.location, &e.toolong);
	e.reason = col_blob(st, 7);
	db_col_text_fit(st, 8, e.status, sizeof e.status, &e.toolong);
	db_col_text_fit(st, 9, e.closed_at, sizeof e.closed_at, &e.toolong);
	db_col_text_fit(st, 10, e.closed_by, sizeof e.closed_by, &e.toolong);
	db_col_text_fit(st, 11, e.coding_status, sizeof e.coding_status, &e.toolong);
	db_col_text_fit(st, 12, e.created, sizeof e.created, &e.toolong);
	db_col_text_fit(st, 13, e.created_by, sizeof e.created_by, &e.toolong);
	e.location_ct = col_blob(st, 14);
	e.mac = col_blob(st, 15);
	e.coding_mac = col_blob(st, 16);
	db_col_text_fit(st, 17, e.site, sizeof e.site, &e.toolong);
	db_col_text_fit(st, 18, e.provider_ref, sizeof e.provider_ref, &e.toolong);
	db_col_text_fit(st, 19, e.source, sizeof e.source, &e.toolong);
	c->found = 1;
	return c->fn(&e, c->arg);
}

status_t db_encounter_insert(db_t *db, const db_encounter_t *e, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO encounters(erow, id, prow, start, type, provider, "
				  "location, location_ct, reason, status, coding_status, created, "
				  "created_by, mac, coding_mac, site, provider_ref, source) VALUES (?1,?2,?3,"
				  "?4,?5,?6,'',?7,?8,?9,?10,?11,?12,?13,?14,nullif(?15,''),"
				  "nullif(?16,''),nullif(?17,''))",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, e->erow);
	db_bind_text(st, 2, e->id);
	sqlite3_bind_int64(st, 3, e->prow);
	db_bind_text(st, 4, e->start);
	db_bind_text(st, 5, e->type);
	db_bind_text(st, 6, e->provider);
	db_bind_blob(st, 7, e->location_ct.n ? e->location_ct.p : NULL, e->location_ct.n);
	db_bind_blob(st, 8, e->reason.n ? e->reason.p : NULL, e->reason.n);
	db_bind_text(st, 9, e->status);
	db_bind_text(st, 10, e->coding_status);
	db_bind_text(st, 11, e->created);
	db_bind_text(st, 12, e->created_by);
	db_bind_blob(st, 13, e->mac.p, e->mac.n);
	db_bind_blob(st, 14, e->coding_mac.p, e->coding_mac.n);
	db_bind_text(st, 15, e->site);
	db_bind_text(st, 16, e->provider_ref);
	db_bind_text(st, 17, e->source);
	return db_exec_stmt(db, st, "saving the encounter", m);
}

status_t db_encounter_get(db_t *db, int64_t erow, db_encounter_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	struct enc_cb c = {fn, arg, 0};
	status_t ret = db_prepare(db, "SELECT " ENC_COLS " FROM encounters WHERE erow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, erow);
	ret = each_row(db, st, enc_row, &c, "reading the encounter", m);
	if (ret == STATUS_OK && !c.found)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no encounter %lld.", (long long)erow);
	return ret;
}

status_t db_encounter_list(db_t *db, int64_t prow, db_encounter_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	struct enc_cb c = {fn, arg, 0};
	status_t ret = db_prepare(db,
				  "SELECT " ENC_COLS " FROM encounters WHERE prow = ?1 "
				  "ORDER BY start DESC, erow DESC",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	return each_row(db, st, enc_row, &c, "reading encounters", m);
}

status_t db_encounter_close(db_t *db, int64_t erow, const char *when, const char *by,
			    const unsigned char *mac, size_t mac_len, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE encounters SET status = 'closed', closed_at = ?2, "
				  "closed_by = ?3, mac = ?4 WHERE erow = ?1 AND status = 'open'",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, erow);
	db_bind_text(st, 2, when);
	db_bind_text(st, 3, by);
	db_bind_blob(st, 4, mac, mac_len);
	ret = db_exec_stmt(db, st, "closing the encounter", m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) == 0)
		ret = msg_fail(m, STATUS_CONFLICT, "Encounter %lld is not open.", (long long)erow);
	return ret;
}

static const char SQL_LAST_VISIT[] =
	"SELECT substr(max(start), 1, 10) FROM encounters WHERE prow = ?1";

status_t db_encounter_last(db_t *db, int64_t prow, char out[11], msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, SQL_LAST_VISIT, &st, m);
	out[0] = '\0';
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		db_col_text(st, 0, out, 11);
	else if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the last visit", m);
	sqlite3_reset(st);
	return ret;
}

static char sql_last_many[160 + DB_ENCOUNTER_LAST_MANY * 6];

status_t db_encounter_last_many(db_t *db, const int64_t *prows, int n, char (*out)[11],
				msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = STATUS_OK;
	if (n > DB_ENCOUNTER_LAST_MANY)
		return msg_fail(m, STATUS_ERR, "Too many patients asked for at once.");
	for (int i = 0; i < n; i++)
		out[i][0] = '\0';
	/* A few one by one: an IN list of 64 places costs more than it saves. */
	if (n <= DB_ENCOUNTER_LAST_FEW) {
		for (int i = 0; i < n && ret == STATUS_OK; i++)
			ret = db_encounter_last(db, prows[i], out[i], m);
		return ret;
	}
	if (!sql_last_many[0]) {
		size_t o = (size_t)snprintf(sql_last_many, sizeof sql_last_many,
					    "SELECT prow, substr(max(start), 1, 10) FROM encounters "
					    "WHERE prow IN (");
		for (int k = 1; k <= DB_ENCOUNTER_LAST_MANY; k++)
			o += (size_t)snprintf(sql_last_many + o, sizeof sql_last_many - o, "%s?%d",
					      k > 1 ? "," : "", k);
		snprintf(sql_last_many + o, sizeof sql_last_many - o, ") GROUP BY prow");
	}
	if ((ret = db_cached(db, sql_last_many, &st, m)) != STATUS_OK)
		return ret;
	for (int k = 0; k < DB_ENCOUNTER_LAST_MANY; k++) {
		if (k < n)
			sqlite3_bind_int64(st, k + 1, prows[k]);
		else
			sqlite3_bind_null(st, k + 1);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t prow = sqlite3_column_int64(st, 0);
		for (int i = 0; i < n; i++)
			if (prows[i] == prow)
				db_col_text(st, 1, out[i], 11);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "reading the last visits", m);
	return STATUS_OK;
}

/* ---- vitals ----------------------------------------------------------- */

static void bind_int_or_null(sqlite3_stmt *st, int i, int v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int(st, i, v);
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v)
{
	if (v < 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

status_t db_vitals_insert(db_t *db, const db_vitals_t *v, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO vitals(vrow, erow, prow, taken, systolic, diastolic, "
				  "pulse, resp, temp_c, spo2, height_cm, weight_kg, bmi, recorded_by, id, "
				  "mac) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, v->vrow);
	sqlite3_bind_int64(st, 2, v->erow);
	sqlite3_bind_int64(st, 3, v->prow);
	db_bind_text(st, 4, v->taken);
	bind_int_or_null(st, 5, v->systolic);
	bind_int_or_null(st, 6, v->diastolic);
	bind_int_or_null(st, 7, v->pulse);
	bind_int_or_null(st, 8, v->resp);
	bind_real_or_null(st, 9, v->temp_c);
	bind_int_or_null(st, 10, v->spo2);
	bind_real_or_null(st, 11, v->height_cm);
	bind_real_or_null(st, 12, v->weight_kg);
	bind_real_or_null(st, 13, v->bmi);
	db_bind_text(st, 14, v->recorded_by);
	db_bind_text(st, 15, v->id);
	db_bind_blob(st, 16, v->mac.p, v->mac.n);
	return db_exec_stmt(db, st, "saving vitals", m);
}

struct vit_cb {
	db_vitals_fn fn;
	void *arg;
};

/* An int column of a MAC'd row: a value out of int's range (only by
 * tampering: it would read back cut to a different number) sets *bad. */
static int int_fit(sqlite3_stmt *st, int col, int *bad)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);
	if (v < -2147483647 || v > 2147483647) {
		*bad = 1;
		return -1;
	}
	return (int)v;
}

/* Vitals: NULL is "not taken" (-1). Chartroom stores no negative value,
 * so one (only by tampering) would read back as "not taken": *bad. */
static int int_or(sqlite3_stmt *st, int col, int *bad)
{
	int v;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return -1;
	if ((v = int_fit(st, col, bad)) < 0)
		*bad = 1;
	return v;
}

static double real_or(sqlite3_stmt *st, int col, int *bad)
{
	double v;
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return -1;
	if ((v = sqlite3_column_double(st, col)) < 0)
		*bad = 1;
	return v;
}

static int vit_row(sqlite3_stmt *st, void *arg)
{
	struct vit_cb *c = arg;
	db_vitals_t v;
	memset(&v, 0, sizeof v);
	v.vrow = sqlite3_column_int64(st, 0);
	v.erow = sqlite3_column_int64(st, 1);
	v.prow = sqlite3_column_int64(st, 2);
	db_col_text_fit(st, 3, v.taken, sizeof v.taken, &v.toolong);
	v.systolic = int_or(st, 4, &v.toolong);
	v.diastolic = int_or(st, 5, &v.toolong);
	v.pulse = int_or(st, 6, &v.toolong);
	v.resp = int_or(st, 7, &v.toolong);
	v.temp_c = real_or(st, 8, &v.toolong);
	v.spo2 = int_or(st, 9, &v.toolong);
	v.height_cm = real_or(st, 10, &v.toolong);
	v.weight_kg = real_or(st, 11, &v.toolong);
	v.bmi = real_or(st, 12, &v.toolong);
	db_col_text_fit(st, 13, v.recorded_by, sizeof v.recorded_by, &v.toolong);
	db_col_text_fit(st, 14, v.id, sizeof v.id, &v.toolong);
	v.mac = col_blob(st, 15);
	return c->fn(&v, c->arg);
}

status_t db_vitals_get(db_t *db, int64_t vrow, db_vitals_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	struct vit_cb c = {fn, arg};
	status_t ret = db_prepare(db,
				  "SELECT vrow, erow, prow, taken, systolic, diastolic, pulse, resp, "
				  "temp_c, spo2, height_cm, weight_kg, bmi, recorded_by, id, mac FROM "
				  "vitals WHERE vrow = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, vrow);
	return each_row(db, st, vit_row, &c, "reading vitals", m);
}

status_t db_vitals_list(db_t *db, int64_t prow, int limit, db_vitals_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	struct vit_cb c = {fn, arg};
	status_t ret = db_prepare(db,
				  "SELECT vrow, erow, prow, taken, systolic, diastolic, pulse, resp, "
				  "temp_c, spo2, height_cm, weight_kg, bmi, recorded_by, id, mac FROM "
				  "vitals WHERE prow = ?1 ORDER BY taken DESC, vrow DESC LIMIT ?2",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	sqlite3_bind_int(st, 2, limit);
	return each_row(db, st, vit_row, &c, "reading vitals", m);
}

/* ---- allergies, medications, problems ---------------------------------- */

/* Every kind reads as: row, id, prow, a, b, c, code, extra, date1, date2,
 * status, recorded, recorded_by, updated, updated_by, mac. Parameters
 * are numbered alike in every statement (a statement that uses ?6 accepts
 * ?1 to ?6 bound, used or not). */
static const struct {
	const char *insert, *select, *update, *reseal, *what, *key;
} item_sql[] = {
	[DB_ALLERGY] = {"INSERT INTO allergies(arow, id, prow, substance, reaction, severity, status, "
			"recorded, recorded_by, updated, updated_by, mac) VALUES (?1,?2,?3,?4,?5,?7,"
			"?11,?12,?13,?14,?15,?16)",
			"SELECT arow, id, prow, substance, reaction, NULL, severity, '', '', '', "
			"status, recorded, recorded_by, updated, updated_by, mac FROM allergies",
			"UPDATE allergies SET status = ?2, updated = ?4, updated_by = ?5, mac = ?6 "
			"WHERE arow = ?1",
			"UPDATE allergies SET substance = ?2, reaction = ?3, mac = ?5 WHERE arow = ?1",
			"allergy", "arow"},
	[DB_MEDICATION] = {"INSERT INTO medications(mrow, id, prow, name, dose, frequency, "
			   "frequency_ct, route, start, stop, status, recorded, recorded_by, mac) "
			   "VALUES (?1,?2,?3,?4,?5,'',?6,?7,nullif(?9,''),nullif(?10,''),?11,?12,?13,"
			   "?16)",
			   "SELECT mrow, id, prow, name, dose, frequency_ct, route, frequency, "
			   "coalesce(start, ''), coalesce(stop, ''), status, recorded, recorded_by, "
			   "'', '', mac FROM medications",
			   "UPDATE medications SET status = ?2, stop = nullif(?3, ''), mac = ?6 "
			   "WHERE mrow = ?1",
			   "UPDATE medications SET name = ?2, dose = ?3, frequency_ct = ?4, "
			   "frequency = '', mac = ?5 WHERE mrow = ?1",
			   "medication", "mrow"},
	[DB_PROBLEM] = {"INSERT INTO problems(pbrow, id, prow, description, code, onset, status, "
			"recorded, recorded_by, mac) VALUES (?1,?2,?3,?4,nullif(?7,''),"
			"nullif(?9,''),?11,?12,?13,?16)",
			"SELECT pbrow, id, prow, description, NULL, NULL, coalesce(code, ''), '', "
			"coalesce(onset, ''), '', status, recorded, recorded_by, '', '', mac FROM "
			"problems",
			"UPDATE problems SET status = ?2, mac = ?6 WHERE pbrow = ?1",
			"UPDATE problems SET description = ?2, mac = ?5 WHERE pbrow = ?1",
			"problem", "pbrow"},
	[DB_PROCEDURE] = {"INSERT INTO procedure_history(phrow, id, prow, description, code, "
			  "performed, status, recorded, recorded_by, mac) VALUES (?1,?2,?3,?4,?7,"
			  "nullif(?9,''),?11,?12,?13,?16)",
			  "SELECT phrow, id, prow, description, NULL, NULL, code, '', "
			  "coalesce(performed, ''), '', status, recorded, recorded_by, '', '', mac "
			  "FROM procedure_history",
			  "UPDATE procedure_history SET status = ?2, mac = ?6 WHERE phrow = ?1",
			  "UPDATE procedure_history SET description = ?2, mac = ?5 WHERE phrow = ?1",
			  "procedure", "phrow"},
};

static void bind_opt_blob(sqlite3_stmt *st, int idx, db_blob_t b)
{
	db_bind_blob(st, idx, b.n ? b.p : NULL, b.n);
}

status_t db_item_insert(db_t *db, const db_item_t *it, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	char what[64];
	status_t ret = db_prepare(db, item_sql[it->kind].insert, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, it->row);
	db_bind_text(st, 2, it->id);
	sqlite3_bind_int64(st, 3, it->prow);
	bind_opt_blob(st, 4, it->a);
	bind_opt_blob(st, 5, it->b);
	bind_opt_blob(st, 6, it->c);
	db_bind_text(st, 7, it->code);
	db_bind_text(st, 8, it->extra);
	db_bind_text(st, 9, it->date1);
	db_bind_text(st, 10, it->date2);
	db_bind_text(st, 11, it->status);
	db_bind_text(st, 12, it->recorded);
	db_bind_text(st, 13, it->recorded_by);
	db_bind_text(st, 14, it->updated);
	db_bind_text(st, 15, it->updated_by);
	bind_opt_blob(st, 16, it->mac);
	snprintf(what, sizeof what, "saving the %s", item_sql[it->kind].what);
	return db_exec_stmt(db, st, what, m);
}

struct item_cb {
	db_item_kind_t kind;
	db_item_fn fn;
	void *arg;
	int found;
};

static int item_row(sqlite3_stmt *st, void *arg)
{
	struct item_cb *c = arg;
	db_item_t it;
	memset(&it, 0, sizeof it);
	it.kind = c->kind;
	it.row = sqlite3_column_int64(st, 0);
	db_col_text_fit(st, 1, it.id, sizeof it.id, &it.toolong);
	it.prow = sqlite3_column_int64(st, 2);
	it.a = col_blob(st, 3);
	it.b = col_blob(st, 4);
	it.c = col_blob(st, 5);
	db_col_text_fit(st, 6, it.code, sizeof it.code, &it.toolong);
	db_col_text_fit(st, 7, it.extra, sizeof it.extra, &it.toolong);
	db_col_text_fit(st, 8, it.date1, sizeof it.date1, &it.toolong);
	db_col_text_fit(st, 9, it.date2, sizeof it.date2, &it.toolong);
	db_col_text_fit(st, 10, it.status, sizeof it.status, &it.toolong);
	db_col_text_fit(st, 11, it.recorded, sizeof it.recorded, &it.toolong);
	db_col_text_fit(st, 12, it.recorded_by, sizeof it.recorded_by, &it.toolong);
	db_col_text_fit(st, 13, it.updated, sizeof it.updated, &it.toolong);
	db_col_text_fit(st, 14, it.updated_by, sizeof it.updated_by, &it.toolong);
	it.mac = col_blob(st, 15);
	c->found = 1;
	return c->fn(&it, c->arg);
}

static status_t item_query(db_t *db, db_item_kind_t kind, const char *where, int64_t key,
			   db_item_fn fn, void *arg, int *found, msg_t *m)
{
	char sql[640];
	sqlite3_stmt *st = NULL;
	struct item_cb c = {kind, fn, arg, 0};
	status_t ret;
	snprintf(sql, sizeof sql, "%s WHERE %s ORDER BY status = 'active' DESC, %s DESC",
		 item_sql[kind].select, where, item_sql[kind].key);
	if ((ret = db_prepare(db, sql, &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, key);
	ret = each_row(db, st, item_row, &c, "reading the chart", m);
	if (found)
		*found = c.found;
	return ret;
}

status_t db_item_list(db_t *db, db_item_kind_t kind, int64_t prow, db_item_fn fn, void *arg,
		      msg_t *m)
{
	return item_query(db, kind, "prow = ?1", prow, fn, arg, NULL, m);
}

status_t db_item_get(db_t *db, db_item_kind_t kind, int64_t row, db_item_fn fn, void *arg,
		     msg_t *m)
{
	char where[32];
	int found = 0;
	status_t ret;
	snprintf(where, sizeof where, "%s = ?1", item_sql[kind].key);
	ret = item_query(db, kind, where, row, fn, arg, &found, m);
	if (ret == STATUS_OK && !found)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no %s %lld.", item_sql[kind].what,
			       (long long)row);
	return ret;
}

status_t db_item_update(db_t *db, const db_item_t *it, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, item_sql[it->kind].update, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, it->row);
	db_bind_text(st, 2, it->status);
	db_bind_text(st, 3, it->date2);
	db_bind_text(st, 4, it->updated);
	db_bind_text(st, 5, it->updated_by);
	bind_opt_blob(st, 6, it->mac);
	ret = db_exec_stmt(db, st, "changing the status", m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) == 0)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no %s %lld.", item_sql[it->kind].what,
			       (long long)it->row);
	return ret;
}

status_t db_item_reseal(db_t *db, db_item_kind_t kind, int64_t row, db_blob_t a, db_blob_t b,
			db_blob_t c, db_blob_t mac, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, item_sql[kind].reseal, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, row);
	bind_opt_blob(st, 2, a);
	bind_opt_blob(st, 3, b);
	bind_opt_blob(st, 4, c);
	bind_opt_blob(st, 5, mac);
	return db_exec_stmt(db, st, "re-sealing the chart", m);
}

status_t db_nka_set(db_t *db, const db_nka_t *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO allergy_review(prow, nka, reviewed, reviewed_by, mac) "
				  "VALUES (?1,?2,?3,?4,?5) ON CONFLICT(prow) DO UPDATE SET nka = "
				  "excluded.nka, reviewed = excluded.reviewed, reviewed_by = "
				  "excluded.reviewed_by, mac = excluded.mac",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, n->prow);
	sqlite3_bind_int(st, 2, n->nka);
	db_bind_text(st, 3, n->reviewed);
	db_bind_text(st, 4, n->reviewed_by);
	db_bind_blob(st, 5, n->mac_len ? n->mac : NULL, n->mac_len);
	return db_exec_stmt(db, st, "saving the allergy review", m);
}

status_t db_nka_get(db_t *db, int64_t prow, db_nka_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(
		db, "SELECT nka, reviewed, reviewed_by, mac FROM allergy_review WHERE prow = ?1", &st,
		m);
	memset(out, 0, sizeof *out);
	out->prow = prow;
	out->nka = -1;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		db_blob_t b = col_blob(st, 3);
		out->nka = int_fit(st, 0, &out->toolong);
		db_col_text_fit(st, 1, out->reviewed, sizeof out->reviewed, &out->toolong);
		db_col_text_fit(st, 2, out->reviewed_by, sizeof out->reviewed_by, &out->toolong);
		out->mac_len = b.n > sizeof out->mac ? sizeof out->mac : b.n;
		if (b.p && out->mac_len)
			memcpy(out->mac, b.p, out->mac_len);
		if (b.n > sizeof out->mac)
			out->mac[0] ^= 0xff; /* not ours: make sure it cannot verify */
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, rc, "reading the allergy review", m);
	}
	sqlite3_finalize(st);
	return ret;
}

/* ---- notes ------------------------------------------------------------ */

#define NOTE_COLS                                                                          \
	"nrow, id, erow, prow, coalesce(addendum_of, 0), author, created, updated, body, " \
	"status, coalesce(signed_by, ''), coalesce(signed_at, ''), version, mac"

struct note_cb {
	db_note_fn fn;
	void *arg;
	int found;
};

static int note_row(sqlite3_stmt *st, void *arg)
{
	struct note_cb *c = arg;
	db_note_t n;
	memset(&n, 0, sizeof n);
	n.nrow = sqlite3_column_int64(st, 0);
	db_col_text_fit(st, 1, n.id, sizeof n.id, &n.toolong);
	n.erow = sqlite3_column_int64(st, 2);
	n.prow = sqlite3_column_int64(st, 3);
	n.addendum_of = sqlite3_column_int64(st, 4);
	db_col_text_fit(st, 5, n.author, sizeof n.author, &n.toolong);
	db_col_text_fit(st, 6, n.created, sizeof n.created, &n.toolong);
	db_col_text_fit(st, 7, n.updated, sizeof n.updated, &n.toolong);
	n.body = col_blob(st, 8);
	db_col_text_fit(st, 9, n.status, sizeof n.status, &n.toolong);
	db_col_text_fit(st, 10, n.signed_by, sizeof n.signed_by, &n.toolong);
	db_col_text_fit(st, 11, n.signed_at, sizeof n.signed_at, &n.toolong);
	n.version = int_fit(st, 12, &n.toolong);
	n.mac = col_blob(st, 13);
	c->found = 1;
	return c->fn(&n, c->arg);
}

status_t db_note_insert(db_t *db, const db_note_t *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO notes(nrow, id, erow, prow, addendum_of, author, created, "
				  "updated, body, status, version, mac) VALUES (?1,?2,?3,?4,nullif(?5,0),"
				  "?6,?7,?8,?9,'draft',?10,?11)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, n->nrow);
	db_bind_text(st, 2, n->id);
	sqlite3_bind_int64(st, 3, n->erow);
	sqlite3_bind_int64(st, 4, n->prow);
	sqlite3_bind_int64(st, 5, n->addendum_of);
	db_bind_text(st, 6, n->author);
	db_bind_text(st, 7, n->created);
	db_bind_text(st, 8, n->updated);
	db_bind_blob(st, 9, n->body.p, n->body.n);
	sqlite3_bind_int(st, 10, n->version);
	db_bind_blob(st, 11, n->mac.p, n->mac.n);
	return db_exec_stmt(db, st, "saving the note", m);
}

status_t db_note_get(db_t *db, int64_t nrow, db_note_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	struct note_cb c = {fn, arg, 0};
	status_t ret = db_prepare(db, "SELECT " NOTE_COLS " FROM notes WHERE nrow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, nrow);
	ret = each_row(db, st, note_row, &c, "reading the note", m);
	if (ret == STATUS_OK && !c.found)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no note %lld.", (long long)nrow);
	return ret;
}

status_t db_note_list(db_t *db, int64_t erow, db_note_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	struct note_cb c = {fn, arg, 0};
	status_t ret = db_prepare(db,
				  "SELECT " NOTE_COLS " FROM notes WHERE erow = ?1 "
				  "ORDER BY coalesce(addendum_of, nrow), nrow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, erow);
	return each_row(db, st, note_row, &c, "reading notes", m);
}

status_t db_note_list_patient(db_t *db, int64_t prow, db_note_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	struct note_cb c = {fn, arg, 0};
	status_t ret = db_prepare(db, "SELECT " NOTE_COLS " FROM notes WHERE prow = ?1 ORDER BY nrow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	return each_row(db, st, note_row, &c, "reading notes", m);
}

status_t db_note_update(db_t *db, int64_t nrow, const unsigned char *body, size_t len,
			int expect_version, const char *when, const unsigned char *mac,
			size_t mac_len, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE notes SET body = ?2, updated = ?4, version = version + 1, "
				  "mac = ?5 WHERE nrow = ?1 AND version = ?3 AND status = 'draft'",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, nrow);
	db_bind_blob(st, 2, body, len);
	sqlite3_bind_int(st, 3, expect_version);
	db_bind_text(st, 4, when);
	db_bind_blob(st, 5, mac, mac_len);
	ret = db_exec_stmt(db, st, "saving the note", m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) == 0)
		ret = msg_fail(m, STATUS_CONFLICT,
			       "The note was changed or signed since you opened it; not saved.");
	return ret;
}

status_t db_note_sign(db_t *db, int64_t nrow, int expect_version, const char *by,
		      const char *when, const unsigned char *mac, size_t mac_len, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE notes SET status = 'signed', signed_by = ?3, signed_at = ?4, "
				  "version = version + 1, mac = ?5 WHERE nrow = ?1 AND version = ?2 AND "
				  "status = 'draft'",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, nrow);
	sqlite3_bind_int(st, 2, expect_version);
	db_bind_text(st, 3, by);
	db_bind_text(st, 4, when);
	db_bind_blob(st, 5, mac, mac_len);
	ret = db_exec_stmt(db, st, "signing the note", m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) == 0)
		ret = msg_fail(m, STATUS_CONFLICT,
			       "The note was changed or signed since you opened it; not signed.");
	return ret;
}

status_t db_note_drafts(db_t *db, const char *before, db_note_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	struct note_cb c = {fn, arg, 0};
	status_t ret = db_prepare(db,
				  "SELECT " NOTE_COLS " FROM notes WHERE status = 'draft' AND "
				  "created < ?1 ORDER BY created",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, before);
	return each_row(db, st, note_row, &c, "reading drafts", m);
}

/* ---- re-sealing --------------------------------------------------------- */

status_t db_encounter_reseal(db_t *db, int64_t erow, db_blob_t location_ct, db_blob_t reason,
			     db_blob_t mac, db_blob_t coding_mac, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE encounters SET location = '', location_ct = ?2, reason = ?3, "
				  "mac = ?4, coding_mac = ?5 WHERE erow = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, erow);
	bind_opt_blob(st, 2, location_ct);
	bind_opt_blob(st, 3, reason);
	bind_opt_blob(st, 4, mac);
	bind_opt_blob(st, 5, coding_mac);
	return db_exec_stmt(db, st, "re-sealing the encounter", m);
}

status_t db_vitals_reseal(db_t *db, int64_t vrow, const char *id, db_blob_t mac, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE vitals SET id = ?2, mac = ?3 WHERE vrow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, vrow);
	db_bind_text(st, 2, id);
	bind_opt_blob(st, 3, mac);
	return db_exec_stmt(db, st, "re-sealing vitals", m);
}

status_t db_note_reseal(db_t *db, int64_t nrow, db_blob_t body, db_blob_t mac, msg_t *m)
{
	static const char *const steps[] = {
		"INSERT OR REPLACE INTO meta(key, value) VALUES ('resealing_signed_notes', '1')",
		"UPDATE notes SET body = ?2, mac = ?3 WHERE nrow = ?1",
		"DELETE FROM meta WHERE key = 'resealing_signed_notes'",
	};
	status_t ret = STATUS_OK;
	/* The mark and its removal go in the caller's transaction: it is never
	 * committed, and a failure in between rolls it back with the rest. */
	for (int i = 0; i < 3 && ret == STATUS_OK; i++) {
		sqlite3_stmt *st = NULL;
		if ((ret = db_prepare(db, steps[i], &st, m)) != STATUS_OK)
			break;
		if (i == 1) {
			sqlite3_bind_int64(st, 1, nrow);
			bind_opt_blob(st, 2, body);
			bind_opt_blob(st, 3, mac);
		}
		ret = db_exec_stmt(db, st, "re-sealing the note", m);
	}
	return ret;
}
