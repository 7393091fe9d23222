/* db_report.c - the reports' SQL (db/db_report.h). Every statement is put
 * together here from fixed fragments chosen by enums; nothing the user
 * typed is ever part of the text (the range is bound). */
#include "db/db_report.h"

#include <stdio.h>
#include <string.h>

#include "db/db_internal.h"

/* The range over column col, ?1 and ?2 (NULL: open at that end). With
 * both ends open, a term without the column, which SQLite evaluates once
 * instead of per row; else one an index on col can serve. */
static void range_sql(char *buf, size_t size, const char *col, const db_report_range_t *q)
{
	if (!q->from_utc && !q->to_utc)
		snprintf(buf, size, "(?1 IS NULL AND ?2 IS NULL)");
	else
		snprintf(buf, size, "%s >= coalesce(?1, '') AND %s < coalesce(?2, '9999')", col,
		         col);
}

/* A period of the local date of stored time column col: the date, its
 * week's Monday, or "YYYY-MM" (one date function call per row). */
static void period_sql(char *buf, size_t size, db_group_t g, const char *col)
{
	if (g == DBR_WEEK)
		snprintf(buf, size, "date(%s, 'localtime', '-6 days', 'weekday 1')", col);
	else if (g == DBR_MONTH)
		snprintf(buf, size, "strftime('%%Y-%%m', %s, 'localtime')", col);
	else
		snprintf(buf, size, "date(%s, 'localtime')", col);
}

static int is_time(db_group_t g)
{
	return g == DBR_DAY || g == DBR_WEEK || g == DBR_MONTH;
}

/* Run sql with the range bound; one row per group: column 0 the key,
 * then (label_col) a label, then n numbers. */
static status_t run(db_t *db, const char *sql, const db_report_range_t *q, int label_col, int n,
                    db_report_fn fn, void *arg, const char *what, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_report_row_t r;
	int rc, c;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, q->from_utc);
	db_bind_text(st, 2, q->to_utc);
	if (sqlite3_bind_parameter_count(st) >= 3)
		db_bind_text(st, 3, q->today);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof r);
		db_col_text(st, 0, r.key, sizeof r.key);
		c = 1;
		if (label_col)
			db_col_text(st, c++, r.label, sizeof r.label);
		for (int i = 0; i < n && i < DBR_VALUES; i++)
			r.v[i] = sqlite3_column_double(st, c + i);
		if (fn(&r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, what, m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_report_visits(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                          void *arg, msg_t *m)
{
	char sql[1024], rg[128], per[160];
	range_sql(rg, sizeof rg, "start", q);
	if (is_time(g)) {
		period_sql(per, sizeof per, g, "start");
		snprintf(sql, sizeof sql,
		         "SELECT %s AS p, count(*), sum(status = 'closed'), sum(coding_status = "
		         "'final') "
		         "FROM encounters WHERE %s GROUP BY p ORDER BY p",
		         per, rg);
	} else {
		/* By provider: a visit naming a provider record (an imported
		 * history, migration 022) goes under the record's name; any
		 * other under its provider user, as before. */
		const char *col = g == DBR_PROVIDER
				      ? "coalesce((SELECT p.name FROM providers p WHERE p.id = "
					"provider_ref), provider)"
				  : g == DBR_SITE   ? "coalesce(site, '(not a listed site)')"
						    : "type";
		snprintf(sql, sizeof sql,
		         "SELECT %s, count(*) AS n, sum(status = 'closed'), sum(coding_status = "
		         "'final') "
		         "FROM encounters WHERE %s GROUP BY 1 ORDER BY n DESC, 1",
		         col, rg);
	}
	return run(db, sql, q, 0, 3, fn, arg, "counting visits", m);
}

/* ICD-10-CM's chapters by the first three characters of a code. */
static const struct {
	const char *lo, *hi, *chapter;
} chapters[] = {
    {"A00", "B99", "01"}, {"C00", "D49", "02"}, {"D50", "D89", "03"}, {"E00", "E89", "04"},
    {"F01", "F99", "05"}, {"G00", "G99", "06"}, {"H00", "H59", "07"}, {"H60", "H95", "08"},
    {"I00", "I99", "09"}, {"J00", "J99", "10"}, {"K00", "K95", "11"}, {"L00", "L99", "12"},
    {"M00", "M99", "13"}, {"N00", "N99", "14"}, {"O00", "O9A", "15"}, {"P00", "P96", "16"},
    {"Q00", "Q99", "17"}, {"R00", "R99", "18"}, {"S00", "T88", "19"}, {"V00", "Y99", "20"},
    {"Z00", "Z99", "21"}, {"U00", "U85", "22"},
};

status_t db_report_diagnoses(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                             void *arg, msg_t *m)
{
	char sql[3072], rg[128], inner[512], key[1600];
	size_t o;
	int ranged = q->from_utc || q->to_utc;
	range_sql(rg, sizeof rg, "e.start", q);
	/* Without a range the encounters need not be read at all. */
	if (ranged)
		snprintf(inner, sizeof inner,
		         "encounter_dx d JOIN encounters e ON e.erow = d.erow WHERE %s", rg);
	else
		snprintf(inner, sizeof inner, "encounter_dx d WHERE ?1 IS NULL AND ?2 IS NULL");
	if (g == DBR_CHAPTER) {
		o = (size_t)snprintf(key, sizeof key, "CASE");
		for (size_t i = 0; i < sizeof chapters / sizeof chapters[0] && o < sizeof key; i++)
			o += (size_t)snprintf(
			    key + o, sizeof key - o,
			    " WHEN substr(c, 1, 3) BETWEEN '%s' AND '%s' THEN '%s'", chapters[i].lo,
			    chapters[i].hi, chapters[i].chapter);
		if (o < sizeof key)
			snprintf(key + o, sizeof key - o, " ELSE '--' END");
		snprintf(
		    sql, sizeof sql,
		    "SELECT %s AS k, '', sum(n), sum(p) FROM (SELECT d.code AS c, count(*) AS n, "
		    "sum(d.seq = 1) AS p FROM %s GROUP BY d.code) GROUP BY k ORDER BY k",
		    key, inner);
	} else {
		snprintf(
		    sql, sizeof sql,
		    "SELECT g.code, coalesce((SELECT c.short_desc FROM codes c JOIN code_versions "
		    "v "
		    "ON v.vid = c.vid WHERE v.system = 'icd10cm' AND c.code = g.code ORDER BY "
		    "v.effective DESC LIMIT 1), ''), g.n, g.p FROM (SELECT d.code AS code, "
		    "count(*) "
		    "AS n, sum(d.seq = 1) AS p FROM %s GROUP BY d.code) AS g ORDER BY g.n DESC, "
		    "g.code",
		    inner);
	}
	return run(db, sql, q, 1, 2, fn, arg, "counting diagnoses", m);
}

status_t db_report_turnaround(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                              void *arg, msg_t *m)
{
	char sql[1024], rg[128], per[160];
	const char *hours =
	    "max(0, CAST(round((julianday(final_at) - julianday(start)) * 24) AS INTEGER))";
	range_sql(rg, sizeof rg, "start", q);
	if (is_time(g)) {
		period_sql(per, sizeof per, g, "start");
		snprintf(
		    sql, sizeof sql,
		    "SELECT %s AS p, %s AS h, count(*) FROM encounters WHERE final_at IS NOT NULL "
		    "AND %s GROUP BY p, h ORDER BY p, h",
		    per, hours, rg);
	} else {
		const char *col = g == DBR_PROVIDER ? "provider"
		                  : g == DBR_TYPE   ? "type"
		                  : g == DBR_CODER  ? "final_by"
		                                    : "''";
		snprintf(
		    sql, sizeof sql,
		    "SELECT %s AS k, %s AS h, count(*) FROM encounters WHERE final_at IS NOT NULL "
		    "AND %s GROUP BY k, h ORDER BY k, h",
		    col, hours, rg);
	}
	return run(db, sql, q, 0, 2, fn, arg, "measuring the coding turnaround", m);
}

status_t db_report_backlog(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                           void *arg, msg_t *m)
{
	char sql[1536], rg[128];
	const char *col = g == DBR_PROVIDER ? "provider" : g == DBR_TYPE ? "type" : NULL;
	const char *bucket = "CASE WHEN a <= 3 THEN '1' WHEN a <= 7 THEN '2' WHEN a <= 14 THEN '3' "
	                     "WHEN a <= 30 THEN '4' ELSE '5' END";
	range_sql(rg, sizeof rg, "start", q);
	snprintf(
	    sql, sizeof sql,
	    "SELECT %s, %s, count(*), sum(s = 'uncoded'), sum(s = 'coded'), sum(s = 'verified') "
	    "FROM (SELECT julianday(?3) - julianday(date(start, 'localtime')) AS a, %s AS k, "
	    "coding_status AS s FROM encounters WHERE status = 'closed' AND coding_status != "
	    "'final' AND source IS NULL AND %s) GROUP BY 1, 2 ORDER BY 1, 2",
	    col ? "k" : bucket, col ? bucket : "''", col ? col : "''", rg);
	return run(db, sql, q, 1, 4, fn, arg, "counting the coding backlog", m);
}

static status_t one(db_t *db, const char *sql, const db_report_range_t *q, const char *const *keys,
                    int nkeys, const int (*pairs)[2], db_report_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_report_row_t r;
	int rc;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	if (sqlite3_bind_parameter_count(st) >= 2) {
		db_bind_text(st, 1, q->from_utc);
		db_bind_text(st, 2, q->to_utc);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		for (int i = 0; i < nkeys; i++) {
			memset(&r, 0, sizeof r);
			snprintf(r.key, sizeof r.key, "%s", keys[i]);
			r.v[0] = sqlite3_column_double(st, pairs[i][0]);
			r.v[1] = pairs[i][1] >= 0 ? sqlite3_column_double(st, pairs[i][1]) : 0;
			if (fn(&r, arg))
				break;
		}
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the quality measures", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_report_quality(db_t *db, const db_report_range_t *q, db_report_fn fn, void *arg,
                           msg_t *m)
{
	char sql[1024], rg[128];
	status_t ret;
	static const char *const pk[] = {"patients",   "unchecked",        "no_phone",
	                                 "no_address", "bad_zip",          "bad_phone",
	                                 "duplicates", "no_allergy_status"};
	/* (count column, among column) for each key */
	static const int pc[][2] = {{0, 0}, {1, 0}, {2, 7}, {3, 7}, {4, 7}, {5, 7}, {6, 0}, {8, 0}};
	static const char *const ek[] = {"no_vitals"};
	static const int ec[][2] = {{1, 0}};
	ret =
	    one(db,
	        "SELECT count(*), sum(quality IS NULL), sum((quality & 1) != 0), "
	        "sum((quality & 2) != 0), sum((quality & 4) != 0), sum((quality & 8) != 0), "
	        "(SELECT count(DISTINCT a.target) FROM audit a WHERE a.action = "
	        "'patient_register_anyway' AND a.target IN (SELECT id FROM patients)), "
	        "count(quality), "
	        "sum(NOT EXISTS (SELECT 1 FROM allergies a WHERE a.prow = p.prow AND a.status != "
	        "'entered-in-error') AND NOT EXISTS (SELECT 1 FROM allergy_review r WHERE r.prow = "
	        "p.prow AND r.nka = 1)) FROM patients p",
	        q, pk, 8, pc, fn, arg, m);
	if (ret != STATUS_OK)
		return ret;
	/* Encounters in the range less those with vitals, counted from the
	 * vitals' index (every vitals row's encounter exists: a foreign key),
	 * rather than a probe per encounter. */
	range_sql(rg, sizeof rg, "e.start", q);
	if (q->from_utc || q->to_utc)
		snprintf(
		    sql, sizeof sql,
		    "SELECT (SELECT count(*) FROM encounters e WHERE %s), (SELECT count(*) FROM "
		    "encounters e WHERE %s) - (SELECT count(DISTINCT v.erow) FROM vitals v JOIN "
		    "encounters e ON e.erow = v.erow WHERE %s)",
		    rg, rg, rg);
	else
		snprintf(
		    sql, sizeof sql,
		    "SELECT (SELECT count(*) FROM encounters), (SELECT count(*) FROM encounters) "
		    "- (SELECT count(DISTINCT erow) FROM vitals) WHERE ?1 IS NULL AND ?2 IS NULL");
	return one(db, sql, q, ek, 1, ec, fn, arg, m);
}

status_t db_report_access(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                          void *arg, msg_t *m)
{
	char sql[1024], rb[128], ra[128], per[160];
	range_sql(rb, sizeof rb, "ts", q);
	range_sql(ra, sizeof ra, "ts", q);
	if (is_time(g))
		period_sql(per, sizeof per, g, "ts");
	else
		snprintf(per, sizeof per, "u");
	snprintf(
	    sql, sizeof sql,
	    "SELECT %s AS k, sum(b), sum(r), sum(f) FROM (SELECT user_name AS u, ts, 1 AS b, 0 "
	    "AS r, 0 AS f FROM btg_queue WHERE %s UNION ALL SELECT user_name, ts, 0, action = "
	    "'denied', action = 'login_failed' FROM audit WHERE action IN ('denied', "
	    "'login_failed') AND %s) GROUP BY k ORDER BY k",
	    per, rb, ra);
	return run(db, sql, q, 0, 3, fn, arg, "counting accesses", m);
}
