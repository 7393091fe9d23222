/* test_report.c - core/report.h on a seeded database (patients registered
 * through core, so their report flags are core's; encounters, codes,
 * vitals and break-the-glass rows put in with SQL), the clinic in
 * America/Chicago: every report and grouping is checked against numbers
 * this test computes with its own SQL over the raw tables (local dates per
 * row with 'localtime', percentiles with window functions, chapters by
 * its own table), plus the permission rules, the audit of each run, bad
 * requests, the report flags' backfill by the re-index pass, and that no
 * report needs a key it would decrypt with. */
#include "testutil.h"

#include <math.h>
#include <time.h>

#include "base/tz.h"
#include "core/internal.h"
#include "core/precord.h"
#include "core/reindex.h"
#include "core/report.h"

#define ZONE     "America/Chicago"

typedef struct fixture {
	tu_clinic_t t;
	char pid[6][33];
} fixture_t;

static void reg(fixture_t *f, int i, const char *last, const char *first, const char *phone,
                const char *addr, const char *zip, int anyway)
{
	patient_t p;
	tu_patient(&p, last, first,
	           "1970-05-0"
	           "1",
	           "F");
	p.f[PF_DOB][9] = (char)('1' + (anyway ? 0 : i));
	snprintf(p.f[PF_PHONE_HOME], sizeof p.f[PF_PHONE_HOME], "%s", phone);
	if (addr[0]) {
		snprintf(p.f[PF_ADDR1], sizeof p.f[PF_ADDR1], "%s", addr);
		snprintf(p.f[PF_CITY], sizeof p.f[PF_CITY], "Springfield");
		snprintf(p.f[PF_STATE], sizeof p.f[PF_STATE], "IL");
		snprintf(p.f[PF_ZIP], sizeof p.f[PF_ZIP], "%s", zip);
	}
	tu_register(f->t.fd, &p, anyway);
	snprintf(f->pid[i], sizeof f->pid[i], "%s", p.id);
}

static const char SEED[] =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600) "
    "INSERT INTO encounters(id, prow, start, type, provider, location, status, coding_status, "
    "created, created_by) SELECT 'a' || i, (SELECT min(prow) FROM patients) "
    "+ i % 6, strftime('%Y-%m-%dT%H:%M:%SZ', '2025-12-25 00:00:00', '+' || (i * 251) || "
    "' minutes'), CASE i % 3 WHEN 0 THEN 'office visit' WHEN 1 THEN 'telephone' ELSE 'annual "
    "exam' END, CASE i % 4 WHEN 0 THEN 'prov2' ELSE 'prov1' END, '', CASE WHEN i % 7 = 0 THEN "
    "'open' ELSE 'closed' END, CASE WHEN i % 7 = 0 THEN 'uncoded' ELSE CASE i % 5 WHEN 0 THEN "
    "'uncoded' WHEN 1 THEN 'coded' WHEN 2 THEN 'verified' ELSE 'final' END END, "
    "'2025-12-25T00:00:00Z', 'fd1' FROM n;"
    "UPDATE encounters SET final_at = strftime('%Y-%m-%dT%H:%M:%SZ', start, '+' || ((erow * 37) "
    "% 500) || ' hours'), final_by = CASE erow % 3 WHEN 0 THEN 'him2' ELSE 'him1' END WHERE "
    "coding_status = 'final';"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 80) "
    "INSERT INTO encounters(id, prow, start, type, provider, location, status, coding_status, "
    "created, created_by) SELECT 'b' || i, (SELECT min(prow) FROM patients), "
    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || (i * 11) || ' hours'), 'office visit', "
    "CASE i % 2 WHEN 0 THEN 'prov1' ELSE 'prov2' END, '', 'closed', CASE i % 3 WHEN 0 THEN "
    "'uncoded' WHEN 1 THEN 'coded' ELSE 'verified' END, '2025-12-25T00:00:00Z', 'fd1' FROM n;"
    "INSERT INTO encounter_dx(erow, seq, code) SELECT erow, 1, CASE erow % 7 WHEN 0 THEN 'E119' "
    "WHEN 1 THEN 'I10' WHEN 2 THEN 'J069' WHEN 3 THEN 'Z0000' WHEN 4 THEN 'S52501A' WHEN 5 THEN "
    "'O9A211' ELSE 'U071' END FROM encounters WHERE erow % 2 = 0;"
    "INSERT INTO encounter_dx(erow, seq, code) SELECT erow, 2, 'I10' FROM encounters WHERE erow "
    "% 4 = 0 AND erow % 7 != 1;"
    "INSERT INTO vitals(erow, prow, taken, recorded_by) SELECT erow, prow, start, 'nurse1' FROM "
    "encounters WHERE erow % 3 = 0;"
    "INSERT INTO btg_queue(audit_seq, user_name, prow, ts) VALUES (1, 'prov1', 1, "
    "'2026-01-10T12:00:00Z'), (1, 'prov1', 1, '2026-02-10T12:00:00Z'), (1, 'nurse1', 2, "
    "'2026-01-11T05:00:00Z');";

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	char sql[512];
	assert_non_null(f);
	tu_clinic_prepare(&f->t);
	snprintf(f->t.cfg->clinic_tz, sizeof f->t.cfg->clinic_tz, "%s", ZONE);
	/* The test's own SQL reads local dates in the clinic's zone. */
	setenv("TZ", ":" TZ_ZONEINFO "/" ZONE, 1);
	tzset();
	tu_clinic_start(&f->t, TU_R_FD | TU_R_NURSE | TU_R_HIM | TU_R_PRIV);
	/* 0 complete; 1 no phone; 2 no address; 3 neither; 4 registered over
	 * a duplicate warning (0 again); 5 placeholder ZIP and phone. */
	reg(f, 0, "Abbott", "Ann", "617-555-0101", "1 Elm St", "62701", 0);
	reg(f, 1, "Baker", "Bea", "", "2 Oak St", "62702", 0);
	reg(f, 2, "Carter", "Cal", "617-555-0103", "", "", 0);
	reg(f, 3, "Dunn", "Dee", "", "", "", 0);
	reg(f, 4, "Abbott", "Ann", "617-555-0101", "1 Elm St", "62701", 1);
	reg(f, 5, "Evans", "Eve", "555-555-5555", "5 Ash St", "00000", 0);
	tu_sql(f->t.db, SEED);
	/* Allergy status: 0 no known allergies, 1 an allergy, 2 only one
	 * entered in error. */
	snprintf(
	    sql, sizeof sql,
	    "INSERT INTO allergy_review(prow, nka, reviewed, reviewed_by) SELECT prow, 1, "
	    "'2026-01-01T00:00:00Z', 'nurse1' FROM patients WHERE id = '%s';"
	    "INSERT INTO allergies(id, prow, substance, severity, status, recorded, recorded_by, "
	    "updated, updated_by) SELECT 'al1', prow, x'00', 'mild', 'active', '', '', '', '' "
	    "FROM patients WHERE id = '%s';",
	    f->pid[0], f->pid[1]);
	tu_sql(f->t.db, sql);
	snprintf(
	    sql, sizeof sql,
	    "INSERT INTO allergies(id, prow, substance, severity, status, recorded, recorded_by, "
	    "updated, updated_by) SELECT 'al2', prow, x'00', 'mild', 'entered-in-error', '', '', "
	    "'', '' FROM patients WHERE id = '%s';",
	    f->pid[2]);
	tu_sql(f->t.db, sql);
	*state = f;
	return 0;
}

static report_t *run(session_t *s, const char *name, const char *from, const char *to,
                     const char *by)
{
	report_req_t q = {name, from, to, by};
	report_t *r = NULL;
	msg_t m;
	status_t st = report_run(s, &q, &r, &m);
	if (st != STATUS_OK)
		fail_msg("report %s by %s: %s (%s)", name, by ? by : "-", status_str(st), m.text);
	return r;
}

/* The expected rows: the test's SQL, column 0 the key, then numbers. */
#define EXP_MAX 400
typedef struct exp_row {
	char key[80];
	double v[REPORT_COLS];
} exp_row_t;

static int expected(const char *db, const char *sql, exp_row_t *out, int ncols)
{
	sqlite3 *h = tu_sql_open(db);
	sqlite3_stmt *st = NULL;
	int n = 0;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_close(h);
		fail_msg("test SQL: %s", sql);
	}
	while (sqlite3_step(st) == SQLITE_ROW && n < EXP_MAX) {
		const unsigned char *k = sqlite3_column_text(st, 0);
		memset(&out[n], 0, sizeof out[n]);
		snprintf(out[n].key, sizeof out[n].key, "%s", k ? (const char *)k : "");
		for (int c = 0; c < ncols; c++)
			out[n].v[c] = sqlite3_column_double(st, c + 1);
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* Every expected row is in the report with the same numbers; every report
 * row not expected is all zeros (a period with nothing in it). */
static void compare(const report_t *r, const exp_row_t *e, int ne, int ncols)
{
	int matched = 0, nonzero_expected = 0;
	assert_true(ne > 0);
	for (int i = 0; i < ne; i++) {
		int found = -1;
		for (int j = 0; j < r->nrows; j++)
			if (strcmp(r->rows[j].key, e[i].key) == 0)
				found = j;
		if (found < 0)
			fail_msg("%s by %s: no row '%s'", r->name, r->by, e[i].key);
		for (int c = 0; c < ncols; c++)
			if (fabs(r->rows[found].v[c] - e[i].v[c]) > 1e-6)
				fail_msg("%s by %s, row '%s' column %d: report %g, SQL %g", r->name,
				         r->by, e[i].key, c, r->rows[found].v[c], e[i].v[c]);
		matched++;
		if (e[i].v[0] != 0)
			nonzero_expected++;
	}
	for (int j = 0; j < r->nrows; j++) {
		int listed = 0;
		for (int i = 0; i < ne; i++)
			listed |= strcmp(r->rows[j].key, e[i].key) == 0;
		if (!listed)
			for (int c = 0; c < ncols; c++)
				if (r->rows[j].v[c] != 0)
					fail_msg("%s by %s: unexpected row '%s'", r->name, r->by,
					         r->rows[j].key);
	}
	assert_int_equal(matched, ne);
	assert_true(nonzero_expected > 0);
}

#define RANGE "date(start, 'localtime') BETWEEN '2026-01-01' AND '2026-03-31'"

static void check(fixture_t *f, session_t *s, const char *name, const char *from, const char *to,
                  const char *by, const char *sql, int ncols)
{
	exp_row_t *e = calloc(EXP_MAX, sizeof *e);
	report_t *r = run(s, name, from, to, by);
	int ne;
	assert_non_null(e);
	ne = expected(f->t.db, sql, e, ncols);
	compare(r, e, ne, ncols);
	report_free(r);
	free(e);
}

static void test_visits(void **state)
{
	fixture_t *f = *state;
	const char *v = "count(*), sum(status = 'closed'), sum(coding_status = 'final')";
	char sql[1024];
	snprintf(sql, sizeof sql, "SELECT type, %s FROM encounters WHERE " RANGE " GROUP BY 1", v);
	check(f, f->t.him, "visits", "2026-01-01", "03/31/2026", NULL, sql, 3);
	snprintf(sql, sizeof sql, "SELECT provider, %s FROM encounters GROUP BY 1", v);
	check(f, f->t.him, "visits", NULL, NULL, "provider", sql, 3);
	snprintf(
	    sql, sizeof sql,
	    "SELECT provider, %s FROM encounters WHERE date(start, 'localtime') >= '2026-02-01' "
	    "GROUP BY 1",
	    v);
	check(f, f->t.him, "visits", "2026-02-01", NULL, "provider", sql, 3);
	snprintf(
	    sql, sizeof sql,
	    "SELECT provider, %s FROM encounters WHERE date(start, 'localtime') <= '2026-02-01' "
	    "GROUP BY 1",
	    v);
	check(f, f->t.him, "visits", NULL, "2026-02-01", "provider", sql, 3);
	snprintf(sql, sizeof sql,
	         "SELECT date(start, 'localtime'), %s FROM encounters WHERE " RANGE " GROUP BY 1",
	         v);
	check(f, f->t.him, "visits", "2026-01-01", "2026-03-31", "day", sql, 3);
	snprintf(sql, sizeof sql,
	         "SELECT date(start, 'localtime', 'weekday 0', '-6 days'), %s FROM encounters "
	         "WHERE " RANGE " GROUP BY 1",
	         v);
	check(f, f->t.him, "visits", "2026-01-01", "2026-03-31", "week", sql, 3);
	snprintf(sql, sizeof sql,
	         "SELECT strftime('%%Y-%%m', start, 'localtime'), %s FROM encounters WHERE " RANGE
	         " GROUP BY 1",
	         v);
	check(f, f->t.him, "visits", "2026-01-01", "2026-03-31", "month", sql, 3);
}

static void test_series_every_day(void **state)
{
	fixture_t *f = *state;
	report_t *r = run(f->t.him, "visits", "2026-02-01", "2026-02-28", "day");
	assert_int_equal(r->nrows, 28);
	assert_true(r->series);
	assert_string_equal(r->rows[0].key, "2026-02-01");
	assert_string_equal(r->rows[27].key, "2026-02-28");
	report_free(r);
	/* A range past the data: every day still there, zeros. */
	r = run(f->t.him, "visits", "2027-01-01", "2027-01-10", "day");
	assert_int_equal(r->nrows, 10);
	for (int i = 0; i < r->nrows; i++)
		assert_true(r->rows[i].v[0] == 0);
	report_free(r);
}

static void test_diagnoses(void **state)
{
	fixture_t *f = *state;
	report_t *r;
	exp_row_t *e = calloc(EXP_MAX, sizeof *e);
	int ne;
	double ch[23][2];
	/* Chapters by the test's own table, summed in C. */
	static const struct {
		char first;
		int lo, hi, chapter;
	} map[] = {{'E', 0, 89, 4},  {'I', 0, 99, 9},  {'J', 0, 99, 10}, {'Z', 0, 99, 21},
	           {'S', 0, 99, 19}, {'O', 0, 99, 15}, {'U', 0, 85, 22}};
	check(f, f->t.him, "diagnoses", "2026-01-01", "2026-03-31", NULL,
	      "SELECT d.code, count(*), sum(d.seq = 1) FROM encounter_dx d JOIN encounters e ON "
	      "e.erow = d.erow WHERE date(e.start, 'localtime') BETWEEN '2026-01-01' AND "
	      "'2026-03-31' GROUP BY 1",
	      2);
	check(f, f->t.him, "diagnoses", NULL, NULL, "code",
	      "SELECT code, count(*), sum(seq = 1) FROM encounter_dx GROUP BY 1", 2);
	assert_non_null(e);
	ne = expected(f->t.db, "SELECT code, count(*), sum(seq = 1) FROM encounter_dx GROUP BY 1", e,
	              2);
	memset(ch, 0, sizeof ch);
	for (int i = 0; i < ne; i++)
		for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
			if (e[i].key[0] == map[k].first) {
				ch[map[k].chapter][0] += e[i].v[0];
				ch[map[k].chapter][1] += e[i].v[1];
			}
	r = run(f->t.him, "diagnoses", NULL, NULL, "chapter");
	ne = 0;
	for (int c = 1; c <= 22; c++)
		if (ch[c][0] > 0) {
			snprintf(e[ne].key, sizeof e[ne].key, "%02d", c);
			e[ne].v[0] = ch[c][0];
			e[ne].v[1] = ch[c][1];
			ne++;
		}
	compare(r, e, ne, 2);
	assert_int_equal(r->nrows, ne);
	for (int i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].key, "15") == 0)
			assert_string_equal(r->rows[i].label, "Pregnancy and childbirth");
	report_free(r);
	free(e);
}

#define TURN_T                                                                                     \
	"WITH t AS (SELECT %s AS g, max(0, CAST(round((julianday(final_at) - julianday(start)) * " \
	"24) AS INTEGER)) AS h FROM encounters WHERE final_at IS NOT NULL AND " RANGE "), "        \
	"r AS (SELECT g, h, row_number() OVER (PARTITION BY g ORDER BY h) AS rn, count(*) OVER "   \
	"(PARTITION BY g) AS n FROM t) SELECT g, n, max(CASE WHEN rn = (n * 50 + 99) / 100 THEN "  \
	"h "                                                                                       \
	"END) / 24.0, max(CASE WHEN rn = (n * 90 + 99) / 100 THEN h END) / 24.0, avg(h) / 24.0 "   \
	"FROM r GROUP BY g"

static void test_turnaround(void **state)
{
	fixture_t *f = *state;
	char sql[2048];
	snprintf(sql, sizeof sql, TURN_T " UNION ALL SELECT * FROM (" TURN_T ")", "final_by",
	         "'All'");
	check(f, f->t.him, "turnaround", "2026-01-01", "2026-03-31", "coder", sql, 4);
	snprintf(sql, sizeof sql, TURN_T, "strftime('%Y-%m', start, 'localtime')");
	check(f, f->t.him, "turnaround", "2026-01-01", "2026-03-31", "month", sql, 4);
}

static void test_backlog(void **state)
{
	fixture_t *f = *state;
	char today[11], sql[1024];
	const char *bucket = "CASE WHEN a <= 3 THEN '%s' WHEN a <= 7 THEN '%s' WHEN a <= 14 THEN "
	                     "'%s' WHEN a <= 30 THEN '%s' ELSE '%s' END";
	char b[256];
	tz_today(ZONE, today);
	snprintf(b, sizeof b, bucket, "0-3 days", "4-7 days", "8-14 days", "15-30 days",
	         "over 30 days");
	snprintf(
	    sql, sizeof sql,
	    "SELECT %s, count(*), sum(coding_status = 'uncoded'), sum(coding_status = 'coded'), "
	    "sum(coding_status = 'verified') FROM (SELECT julianday('%s') - "
	    "julianday(date(start, 'localtime')) AS a, coding_status FROM encounters WHERE "
	    "status = 'closed' AND coding_status != 'final') GROUP BY 1",
	    b, today);
	check(f, f->t.him, "backlog", NULL, NULL, NULL, sql, 4);
	snprintf(sql, sizeof sql,
	         "SELECT provider, sum(a <= 3), sum(a > 3 AND a <= 7), sum(a > 7 AND a <= 14), "
	         "sum(a > 14 AND a <= 30), sum(a > 30), count(*) FROM (SELECT provider, "
	         "julianday('%s') - julianday(date(start, 'localtime')) AS a FROM encounters WHERE "
	         "status = 'closed' AND coding_status != 'final') GROUP BY 1",
	         today);
	check(f, f->t.him, "backlog", NULL, NULL, "provider", sql, 6);
}

static double qv(const report_t *r, const char *measure, int c)
{
	for (int i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].label, measure) == 0)
			return r->rows[i].v[c];
	fail_msg("no measure %s", measure);
	return -1;
}

static void test_quality(void **state)
{
	fixture_t *f = *state;
	report_t *r = run(f->t.him, "quality", "2026-01-01", "2026-03-31", NULL);
	exp_row_t e[2];
	/* Known from what setup registered. */
	assert_true(qv(r, "no_phone", 0) == 2 && qv(r, "no_phone", 1) == 6);
	assert_true(qv(r, "no_address", 0) == 2);
	assert_true(qv(r, "bad_zip", 0) == 1);
	assert_true(qv(r, "bad_phone", 0) == 1);
	assert_true(qv(r, "duplicates", 0) == 1);
	assert_true(qv(r, "no_allergy_status", 0) == 4 && qv(r, "no_allergy_status", 1) == 6);
	assert_int_equal(
	    expected(f->t.db,
	             "SELECT 'x', sum(erow NOT IN (SELECT erow FROM vitals)), count(*) "
	             "FROM encounters WHERE " RANGE,
	             e, 2),
	    1);
	assert_true(qv(r, "no_vitals", 0) == e[0].v[0] && qv(r, "no_vitals", 1) == e[0].v[1]);
	assert_true(fabs(qv(r, "no_vitals", 2) - 100.0 * e[0].v[0] / e[0].v[1]) < 1e-9);
	report_free(r);
}

/* The flags of a record core seals, by the rules precord.h states. */
static void test_quality_flags(void **state)
{
	patient_t p;
	(void)state;
	tu_patient(&p, "A", "B", "1970-01-01", "F");
	assert_int_equal(precord_quality(&p), PQ_NO_PHONE | PQ_NO_ADDRESS);
	snprintf(p.f[PF_PHONE_MOBILE], sizeof p.f[PF_PHONE_MOBILE], "(617) 555-0199");
	snprintf(p.f[PF_ADDR1], sizeof p.f[PF_ADDR1], "1 Main St");
	snprintf(p.f[PF_CITY], sizeof p.f[PF_CITY], "Boston");
	snprintf(p.f[PF_STATE], sizeof p.f[PF_STATE], "MA");
	snprintf(p.f[PF_ZIP], sizeof p.f[PF_ZIP], "02134-1234");
	assert_int_equal(precord_quality(&p), 0);
	snprintf(p.f[PF_ZIP], sizeof p.f[PF_ZIP], "2134");
	assert_int_equal(precord_quality(&p), PQ_BAD_ZIP);
	snprintf(p.f[PF_ZIP], sizeof p.f[PF_ZIP], "99999");
	assert_int_equal(precord_quality(&p), PQ_BAD_ZIP);
	snprintf(p.f[PF_ZIP], sizeof p.f[PF_ZIP], "02134");
	snprintf(p.f[PF_PHONE_HOME], sizeof p.f[PF_PHONE_HOME], "123-456-7890");
	assert_int_equal(precord_quality(&p), PQ_BAD_PHONE);
	snprintf(p.f[PF_PHONE_HOME], sizeof p.f[PF_PHONE_HOME], "555-1234");
	assert_int_equal(precord_quality(&p), PQ_BAD_PHONE);
	snprintf(p.f[PF_PHONE_HOME], sizeof p.f[PF_PHONE_HOME], "1-617-555-0100");
	assert_int_equal(precord_quality(&p), 0);
}

/* Rows from before the flags: counted as unchecked, then the re-index
 * pass computes them from the decrypted record. */
static void test_quality_backfill(void **state)
{
	fixture_t *f = *state;
	char sql[256];
	report_t *r;
	reindex_progress_t p;
	msg_t m;
	snprintf(sql, sizeof sql,
	         "UPDATE patients SET quality = NULL WHERE id IN ('%s', '%s');"
	         "INSERT OR REPLACE INTO meta(key, value) VALUES ('reindex_after', '0');",
	         f->pid[1], f->pid[3]);
	tu_sql(f->t.db, sql);
	r = run(f->t.him, "quality", NULL, NULL, NULL);
	assert_true(qv(r, "no_phone", 0) == 0 && qv(r, "no_phone", 1) == 4);
	assert_true(tu_has(r->note, "2 of 6 patient records"));
	report_free(r);
	assert_int_equal(reindex_run(f->t.him, 0, 0, 0, &p, &m), STATUS_OK);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM patients WHERE quality IS NULL"),
	                 0);
	r = run(f->t.him, "quality", NULL, NULL, NULL);
	assert_true(qv(r, "no_phone", 0) == 2 && qv(r, "no_phone", 1) == 6);
	assert_true(qv(r, "no_address", 0) == 2);
	assert_false(tu_has(r->note, "patient records"));
	report_free(r);
}

static void test_access_and_permissions(void **state)
{
	fixture_t *f = *state;
	report_req_t q = {"visits", NULL, NULL, NULL};
	report_t *r = NULL;
	msg_t m;
	int64_t runs;
	/* Refusals, each audited as one: front desk, nurse; HIM asking for
	 * the access report. */
	assert_int_equal(report_run(f->t.fd, &q, &r, &m), STATUS_DENIED);
	assert_int_equal(report_run(f->t.nurse, &q, &r, &m), STATUS_DENIED);
	q.name = "access";
	assert_int_equal(report_run(f->t.him, &q, &r, &m), STATUS_DENIED);
	assert_null(r);
	check(f, f->t.priv, "access", NULL, NULL, NULL,
	      "SELECT u, sum(b), sum(r), sum(l), sum(b) + sum(r) + sum(l) FROM (SELECT user_name "
	      "AS u, 1 AS b, 0 AS r, 0 AS l FROM btg_queue UNION ALL SELECT user_name, 0, action = "
	      "'denied', action = 'login_failed' FROM audit WHERE action IN ('denied', "
	      "'login_failed')) GROUP BY u",
	      4);
	/* The nurse's late-evening break-the-glass is on her local day. */
	check(f, f->t.admin, "access", "2026-01-01", "2026-02-28", "day",
	      "SELECT date(ts, 'localtime'), count(*), 0, 0, count(*) FROM btg_queue WHERE "
	      "date(ts, 'localtime') BETWEEN '2026-01-01' AND '2026-02-28' GROUP BY 1",
	      4);
	r = run(f->t.admin, "access", "2026-01-10", "2026-01-10", "day");
	assert_int_equal(r->nrows, 1);
	assert_true(r->rows[0].v[0] == 2);
	report_free(r);
	/* Every run is on the trail. */
	tu_audit_flush(f->t.priv);
	runs = tu_sql_int(f->t.db, "SELECT count(*) FROM audit WHERE action = 'report_run'");
	assert_true(runs >= 3);
	r = run(f->t.him, "visits", NULL, NULL, NULL);
	report_free(r);
	tu_audit_flush(f->t.priv);
	assert_true(tu_sql_int(f->t.db, "SELECT count(*) FROM audit WHERE action = 'report_run' "
	                              "AND target = 'visits' AND user_name = 'him1'") >= 1);
	assert_true(tu_sql_int(f->t.db, "SELECT count(*) FROM audit WHERE action = 'report_run'") ==
	            runs + 1);
}

static void test_bad_requests(void **state)
{
	report_req_t q = {"visits", NULL, NULL, "code"};
	msg_t m;
	(void)state;
	assert_int_equal(report_check(&q, &m), STATUS_USAGE);
	assert_true(tu_has(m.text, "cannot be grouped by 'code'"));
	q.by = NULL;
	q.from = "2026-02-30";
	assert_int_equal(report_check(&q, &m), STATUS_USAGE);
	assert_true(tu_has(m.text, "not a real date"));
	q.from = "2026-03-01";
	q.to = "2026-02-01";
	assert_int_equal(report_check(&q, &m), STATUS_USAGE);
	assert_true(tu_has(m.text, "ends"));
	q.to = NULL;
	q.name = "visit";
	assert_int_equal(report_check(&q, &m), STATUS_USAGE);
	assert_true(tu_has(m.text, "No report 'visit'"));
	q.name = "deficiencies";
	assert_int_equal(report_check(&q, &m), STATUS_OK);
	q.from = NULL;
	q.by = "code";
	assert_int_equal(report_check(&q, &m), STATUS_USAGE);
	assert_true(tu_has(m.text, "--by provider month"));
	q.by = "month";
	assert_int_equal(report_check(&q, &m), STATUS_OK);
	q.by = NULL;
	q.name = "visits";
	q.from = "2020-01-01";
	q.to = "2026-01-01";
	q.by = "day";
	assert_int_equal(report_check(&q, &m), STATUS_OK);
	q.from = "1990-01-01";
	assert_int_equal(report_check(&q, &m), STATUS_USAGE);
	assert_true(tu_has(m.text, "shorter range"));
	q.by = "month";
	assert_int_equal(report_check(&q, &m), STATUS_OK);
}

/* A series longer than the cap is refused, not drawn. */
static void test_long_series_refused(void **state)
{
	fixture_t *f = *state;
	report_req_t q = {"visits", "1990-01-01", "2026-01-01", "day"};
	report_t *r = NULL;
	msg_t m;
	assert_int_equal(report_run(f->t.him, &q, &r, &m), STATUS_USAGE);
	assert_null(r);
	assert_true(tu_has(m.text, "shorter range"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quality_flags),
	    cmocka_unit_test(test_bad_requests),
	    cmocka_unit_test(test_visits),
	    cmocka_unit_test(test_series_every_day),
	    cmocka_unit_test(test_diagnoses),
	    cmocka_unit_test(test_turnaround),
	    cmocka_unit_test(test_backlog),
	    cmocka_unit_test(test_quality),
	    cmocka_unit_test(test_quality_backfill),
	    cmocka_unit_test(test_access_and_permissions),
	    cmocka_unit_test(test_long_series_refused),
	};
	return cmocka_run_group_tests_name("report", tests, setup, tu_clinic_teardown);
}
