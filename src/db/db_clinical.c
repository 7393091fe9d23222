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
	"closed_by, coding_status, created, created_by"

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
	db_col_text(st, 1, e.id, sizeof e.id);
	e.prow = sqlite3_column_int64(st, 2);
	db_col_text(st, 3, e.start, sizeof e.start);
	db_col_text(st, 4, e.type, sizeof e.type);
	db_col_text(st, 5, e.provider, sizeof e.provider);
	db_col_text(st, 6, e.location, sizeof e.location);
	e.reason = col_blob(st, 7);
	db_col_text(st, 8, e.status, sizeof e.status);
	db_col_text(st, 9, e.closed_at, sizeof e.closed_at);
	db_col_text(st, 10, e.closed_by, sizeof e.closed_by);
	db_col_text(st, 11, e.coding_status, sizeof e.coding_status);
	db_col_text(st, 12, e.created, sizeof e.created);
	db_col_text(st, 13, e.created_by, sizeof e.created_by);
	c->found = 1;
	return c->fn(&e, c->arg);
}

status_t db_encounter_insert(db_t *db, db_encounter_t *e, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO encounters(id, prow, start, type, provider, location, "
				  "reason, created, created_by) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, e->id);
	sqlite3_bind_int64(st, 2, e->prow);
	db_bind_text(st, 3, e->start);
	db_bind_text(st, 4, e->type);
	db_bind_text(st, 5, e->provider);
	db_bind_text(st, 6, e->location);
	db_bind_blob(st, 7, e->reason.n ? e->reason.p : NULL, e->reason.n);
	db_bind_text(st, 8, e->created);
	db_bind_text(st, 9, e->created_by);
	if ((ret = db_exec_stmt(db, st, "saving the encounter", m)) == STATUS_OK)
		e->erow = sqlite3_last_insert_rowid(db->conn);
	return ret;
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

status_t db_encounter_close(db_t *db, int64_t erow, const char *when, const char *by, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE encounters SET status = 'closed', closed_at = ?2, "
				  "closed_by = ?3 WHERE erow = ?1 AND status = 'open'",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, erow);
	db_bind_text(st, 2, when);
	db_bind_text(st, 3, by);
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

status_t db_vitals_insert(db_t *db, db_vitals_t *v, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO vitals(erow, prow, taken, systolic, diastolic, pulse, "
				  "resp, temp_c, spo2, height_cm, weight_kg, bmi, recorded_by) VALUES "
				  "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, v->erow);
	sqlite3_bind_int64(st, 2, v->prow);
	db_bind_text(st, 3, v->taken);
	bind_int_or_null(st, 4, v->systolic);
	bind_int_or_null(st, 5, v->diastolic);
	bind_int_or_null(st, 6, v->pulse);
	bind_int_or_null(st, 7, v->resp);
	bind_real_or_null(st, 8, v->temp_c);
	bind_int_or_null(st, 9, v->spo2);
	bind_real_or_null(st, 10, v->height_cm);
	bind_real_or_null(st, 11, v->weight_kg);
	bind_real_or_null(st, 12, v->bmi);
	db_bind_text(st, 13, v->recorded_by);
	if ((ret = db_exec_stmt(db, st, "saving vitals", m)) == STATUS_OK)
		v->vrow = sqlite3_last_insert_rowid(db->conn);
	return ret;
}

struct vit_cb {
	db_vitals_fn fn;
	void *arg;
};

static int int_or(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int(st, col);
}

static double real_or(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_double(st, col);
}

static int vit_row(sqlite3_stmt *st, void *arg)
{
	struct vit_cb *c = arg;
	db_vitals_t v;
	memset(&v, 0, sizeof v);
	v.vrow = sqlite3_column_int64(st, 0);
	v.erow = sqlite3_column_int64(st, 1);
	v.prow = sqlite3_column_int64(st, 2);
	db_col_text(st, 3, v.taken, sizeof v.taken);
	v.systolic = int_or(st, 4);
	v.diastolic = int_or(st, 5);
	v.pulse = int_or(st, 6);
	v.resp = int_or(st, 7);
	v.temp_c = real_or(st, 8);
	v.spo2 = int_or(st, 9);
	v.height_cm = real_or(st, 10);
	v.weight_kg = real_or(st, 11);
	v.bmi = real_or(st, 12);
	db_col_text(st, 13, v.recorded_by, sizeof v.recorded_by);
	return c->fn(&v, c->arg);
}

status_t db_vitals_list(db_t *db, int64_t prow, int limit, db_vitals_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	struct vit_cb c = {fn, arg};
	status_t ret = db_prepare(db,
				  "SELECT vrow, erow, prow, taken, systolic, diastolic, pulse, resp, "
				  "temp_c, spo2, height_cm, weight_kg, bmi, recorded_by FROM vitals "
				  "WHERE prow = ?1 ORDER BY taken DESC, vrow DESC LIMIT ?2",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	sqlite3_bind_int(st, 2, limit);
	return each_row(db, st, vit_row, &c, "reading vitals", m);
}

status_t db_vitals_last_height(db_t *db, int64_t prow, double *cm, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT height_cm FROM vitals WHERE prow = ?1 AND height_cm IS NOT "
				  "NULL ORDER BY taken DESC, vrow DESC LIMIT 1",
				  &st, m);
	*cm = -1;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*cm = sqlite3_column_double(st, 0);
	else if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading vitals", m);
	sqlite3_finalize(st);
	return ret;
}

/* ---- allergies, medications, problems ---------------------------------- */

static const struct {
	const char *insert, *select, *status, *what;
} item_sql[] = {
	[DB_ALLERGY] = {"INSERT INTO allergies(id, prow, substance, reaction, severity, status, "
			"recorded, recorded_by, updated, updated_by) VALUES (?1,?2,?3,?4,?5,?6,?9,"
			"?10,?9,?10)",
			"SELECT arow, id, prow, substance, reaction, severity, '', '', '', status, "
			"recorded, recorded_by FROM allergies",
			"UPDATE allergies SET status = ?2, updated = ?3, updated_by = ?4 WHERE arow = "
			"?1",
			"allergy"},
	[DB_MEDICATION] = {"INSERT INTO medications(id, prow, name, dose, route, frequency, start, "
			   "stop, status, recorded, recorded_by) VALUES (?1,?2,?3,?4,?5,?11,?7,?8,"
			   "?6,?9,?10)",
			   "SELECT mrow, id, prow, name, dose, route, frequency, coalesce(start, ''), "
			   "coalesce(stop, ''), status, recorded, recorded_by FROM medications",
			   "UPDATE medications SET status = ?2, stop = CASE WHEN ?2 = 'stopped' AND "
			   "stop IS NULL THEN substr(?3, 1, 10) ELSE stop END WHERE mrow = ?1 AND ?4 "
			   "IS NOT NULL",
			   "medication"},
	[DB_PROBLEM] = {"INSERT INTO problems(id, prow, description, code, onset, status, recorded, "
			"recorded_by) VALUES (?1,?2,?3,nullif(?5,''),nullif(?7,''),?6,?9,?10)",
			"SELECT pbrow, id, prow, description, NULL, coalesce(code, ''), '', "
			"coalesce(onset, ''), '', status, recorded, recorded_by FROM problems",
			"UPDATE problems SET status = ?2 WHERE pbrow = ?1 AND ?3 IS NOT NULL AND ?4 IS "
			"NOT NULL",
			"problem"},
};

static const char *const item_key[] = {"arow", "mrow", "pbrow"};

status_t db_item_insert(db_t *db, db_item_t *it, const unsigned char *a, size_t an,
			const unsigned char *b, size_t bn, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	char what[64];
	status_t ret = db_prepare(db, item_sql[it->kind].insert, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, it->id);
	sqlite3_bind_int64(st, 2, it->prow);
	db_bind_blob(st, 3, a, an);
	db_bind_blob(st, 4, bn ? b : NULL, bn);
	db_bind_text(st, 5, it->code);
	db_bind_text(st, 6, it->status);
	db_bind_text(st, 7, it->date1[0] ? it->date1 : NULL);
	db_bind_text(st, 8, it->date2[0] ? it->date2 : NULL);
	db_bind_text(st, 9, it->recorded);
	db_bind_text(st, 10, it->recorded_by);
	db_bind_text(st, 11, it->extra);
	snprintf(what, sizeof what, "saving the %s", item_sql[it->kind].what);
	if ((ret = db_exec_stmt(db, st, what, m)) == STATUS_OK)
		it->row = sqlite3_last_insert_rowid(db->conn);
	return ret;
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
	db_col_text(st, 1, it.id, sizeof it.id);
	it.prow = sqlite3_column_int64(st, 2);
	it.a = col_blob(st, 3);
	it.b = col_blob(st, 4);
	db_col_text(st, 5, it.code, sizeof it.code);
	db_col_text(st, 6, it.extra, sizeof it.extra);
	db_col_text(st, 7, it.date1, sizeof it.date1);
	db_col_text(st, 8, it.date2, sizeof it.date2);
	db_col_text(st, 9, it.status, sizeof it.status);
	db_col_text(st, 10, it.recorded, sizeof it.recorded);
	db_col_text(st, 11, it.recorded_by, sizeof it.recorded_by);
	c->found = 1;
	return c->fn(&it, c->arg);
}

static status_t item_query(db_t *db, db_item_kind_t kind, const char *where, int64_t key,
			   db_item_fn fn, void *arg, int *found, msg_t *m)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	struct item_cb c = {kind, fn, arg, 0};
	status_t ret;
	snprintf(sql, sizeof sql, "%s WHERE %s ORDER BY status = 'active' DESC, %s DESC",
		 item_sql[kind].select, where, item_key[kind]);
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
	snprintf(where, sizeof where, "%s = ?1", item_key[kind]);
	ret = item_query(db, kind, where, row, fn, arg, &found, m);
	if (ret == STATUS_OK && !found)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no %s %lld.", item_sql[kind].what,
			       (long long)row);
	return ret;
}

status_t db_item_set_status(db_t *db, db_item_kind_t kind, int64_t row, const char *status,
			    const char *when, const char *by, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, item_sql[kind].status, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, row);
	db_bind_text(st, 2, status);
	db_bind_text(st, 3, when);
	db_bind_text(st, 4, by);
	ret = db_exec_stmt(db, st, "changing the status", m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) == 0)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no %s %lld.", item_sql[kind].what,
			       (long long)row);
	return ret;
}

status_t db_nka_set(db_t *db, int64_t prow, int nka, const char *when, const char *by, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO allergy_review(prow, nka, reviewed, reviewed_by) VALUES "
				  "(?1,?2,?3,?4) ON CONFLICT(prow) DO UPDATE SET nka = excluded.nka, "
				  "reviewed = excluded.reviewed, reviewed_by = excluded.reviewed_by",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	sqlite3_bind_int(st, 2, nka);
	db_bind_text(st, 3, when);
	db_bind_text(st, 4, by);
	return db_exec_stmt(db, st, "saving the allergy review", m);
}

status_t db_nka_get(db_t *db, int64_t prow, int *nka, char when[24], char by[72], msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(
		db, "SELECT nka, reviewed, reviewed_by FROM allergy_review WHERE prow = ?1", &st, m);
	*nka = -1;
	when[0] = by[0] = '\0';
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*nka = sqlite3_column_int(st, 0);
		db_col_text(st, 1, when, 24);
		db_col_text(st, 2, by, 72);
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, rc, "reading the allergy review", m);
	}
	sqlite3_finalize(st);
	return ret;
}

/* ---- notes ------------------------------------------------------------ */

#define NOTE_COLS                                                                          \
	"nrow, id, erow, prow, coalesce(addendum_of, 0), author, created, updated, body, " \
	"status, coalesce(signed_by, ''), coalesce(signed_at, ''), version"

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
	db_col_text(st, 1, n.id, sizeof n.id);
	n.erow = sqlite3_column_int64(st, 2);
	n.prow = sqlite3_column_int64(st, 3);
	n.addendum_of = sqlite3_column_int64(st, 4);
	db_col_text(st, 5, n.author, sizeof n.author);
	db_col_text(st, 6, n.created, sizeof n.created);
	db_col_text(st, 7, n.updated, sizeof n.updated);
	n.body = col_blob(st, 8);
	db_col_text(st, 9, n.status, sizeof n.status);
	db_col_text(st, 10, n.signed_by, sizeof n.signed_by);
	db_col_text(st, 11, n.signed_at, sizeof n.signed_at);
	n.version = sqlite3_column_int(st, 12);
	c->found = 1;
	return c->fn(&n, c->arg);
}

status_t db_note_insert(db_t *db, db_note_t *n, const unsigned char *body, size_t len, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO notes(id, erow, prow, addendum_of, author, created, "
				  "updated, body, status) VALUES (?1,?2,?3,nullif(?4,0),?5,?6,?6,?7,"
				  "'draft')",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, n->id);
	sqlite3_bind_int64(st, 2, n->erow);
	sqlite3_bind_int64(st, 3, n->prow);
	sqlite3_bind_int64(st, 4, n->addendum_of);
	db_bind_text(st, 5, n->author);
	db_bind_text(st, 6, n->created);
	db_bind_blob(st, 7, body, len);
	if ((ret = db_exec_stmt(db, st, "saving the note", m)) == STATUS_OK) {
		n->nrow = sqlite3_last_insert_rowid(db->conn);
		n->version = 1;
	}
	return ret;
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

status_t db_note_update(db_t *db, int64_t nrow, const unsigned char *body, size_t len,
			int expect_version, const char *when, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE notes SET body = ?2, updated = ?4, version = version + 1 "
				  "WHERE nrow = ?1 AND version = ?3 AND status = 'draft'",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, nrow);
	db_bind_blob(st, 2, body, len);
	sqlite3_bind_int(st, 3, expect_version);
	db_bind_text(st, 4, when);
	ret = db_exec_stmt(db, st, "saving the note", m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) == 0)
		ret = msg_fail(m, STATUS_CONFLICT,
			       "The note was changed or signed since you opened it; not saved.");
	return ret;
}

status_t db_note_sign(db_t *db, int64_t nrow, int expect_version, const char *by,
		      const char *when, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE notes SET status = 'signed', signed_by = ?3, signed_at = ?4, "
				  "version = version + 1 WHERE nrow = ?1 AND version = ?2 AND status = "
				  "'draft'",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, nrow);
	sqlite3_bind_int(st, 2, expect_version);
	db_bind_text(st, 3, by);
	db_bind_text(st, 4, when);
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
