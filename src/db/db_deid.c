/* db_deid.c - SQL of the de-identified export: clear columns only. */
#include "db/db_deid.h"

#include <string.h>

#include "db/db_internal.h"

/* The day of a stored UTC time between ?1 and ?2 (inclusive). */
#define IN_RANGE(col) "substr(" col ", 1, 10) BETWEEN ?1 AND ?2"
/* A REAL column as text with one decimal, NULL kept NULL. */
#define DEC1(col) "CASE WHEN " col " IS NULL THEN NULL ELSE printf('%.1f', " col ") END"

static const char *const SQL[] = {
    [DB_DEID_ENCOUNTERS] = "SELECT erow, prow, start, type, status, coding_status "
                           "FROM encounters WHERE " IN_RANGE("start") " ORDER BY erow",
    [DB_DEID_DX] = "SELECT d.erow, d.seq, d.code FROM encounter_dx d "
                   "JOIN encounters e ON e.erow = d.erow WHERE " IN_RANGE("e.start")
                   " ORDER BY d.erow, d.seq",
    [DB_DEID_PX] = "SELECT p.erow, p.line, p.system, p.code, p.modifiers, p.units "
                   "FROM encounter_px p JOIN encounters e ON e.erow = p.erow WHERE " IN_RANGE(
                       "e.start") " ORDER BY p.erow, p.line",
    [DB_DEID_VITALS] = "SELECT v.erow, v.prow, v.taken, v.systolic, v.diastolic, v.pulse, v.resp, "
                       DEC1("v.temp_c") ", v.spo2, " DEC1("v.height_cm") ", " DEC1(
                           "v.weight_kg") ", " DEC1("v.bmi") " FROM vitals v "
                                                            "JOIN encounters e ON e.erow = v.erow "
                                                            "WHERE " IN_RANGE(
                                                                "e.start") " ORDER BY v.vrow",
    [DB_DEID_PROBLEMS] = "SELECT pbrow, prow, code, onset, status, recorded FROM problems "
                         "WHERE status <> 'entered-in-error' AND code IS NOT NULL AND code <> '' "
                         "AND ?1 IS NOT NULL AND ?2 IS NOT NULL ORDER BY pbrow",
    [DB_DEID_MEDS] = "SELECT mrow, prow, route, start, stop, status, recorded FROM medications "
                     "WHERE status <> 'entered-in-error' AND ?1 IS NOT NULL AND ?2 IS NOT NULL "
                     "ORDER BY mrow",
    [DB_DEID_ALLERGIES] = "SELECT arow, prow, severity, status, recorded FROM allergies "
                          "WHERE status <> 'entered-in-error' AND ?1 IS NOT NULL AND ?2 IS NOT "
                          "NULL ORDER BY arow",
    [DB_DEID_NKA] = "SELECT prow, prow, reviewed FROM allergy_review WHERE nka = 1 "
                    "AND ?1 IS NOT NULL AND ?2 IS NOT NULL ORDER BY prow",
};

status_t db_deid_each(db_t *db, db_deid_set_t set, const char *from, const char *to,
		      int (*fn)(const db_deid_row_t *r, void *arg), void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_deid_row_t r;
	status_t ret;
	int rc, ncol;

	if ((unsigned)set >= sizeof SQL / sizeof SQL[0])
		return msg_fail(m, STATUS_ERR, "No such export set.");
	if ((ret = db_prepare(db, SQL[set], &st, m)) != STATUS_OK)
		return ret;
	if (db_bind_text(st, 1, from && *from ? from : "0000-00-00") != SQLITE_OK ||
	    db_bind_text(st, 2, to && *to ? to : "9999-99-99") != SQLITE_OK) {
		sqlite3_finalize(st);
		return db_fail(db, SQLITE_ERROR, "reading for the export", m);
	}
	ncol = sqlite3_column_count(st) - 2;
	if (ncol > DB_DEID_COLS)
		ncol = DB_DEID_COLS;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof r);
		r.a = sqlite3_column_int64(st, 0);
		r.b = sqlite3_column_int64(st, 1);
		for (int i = 0; i < DB_DEID_COLS; i++) {
			const unsigned char *t =
			    i < ncol ? sqlite3_column_text(st, i + 2) : NULL;
			r.t[i] = t ? (const char *)t : "";
		}
		if (fn(&r, arg))
			break;
	}
	ret = rc == SQLITE_ROW || rc == SQLITE_DONE ? STATUS_OK
						    : db_fail(db, rc, "reading for the export", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_deid_patient_page(db_t *db, int64_t after, int64_t *prows, int max, int *n,
			      msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret;
	int rc;

	*n = 0;
	if ((ret = db_prepare(db, "SELECT prow FROM patients WHERE prow > ?1 ORDER BY prow LIMIT ?2",
			      &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		prows[(*n)++] = sqlite3_column_int64(st, 0);
	ret = rc == SQLITE_ROW || rc == SQLITE_DONE ? STATUS_OK
						    : db_fail(db, rc, "reading the patients", m);
	sqlite3_finalize(st);
	return ret;
}
