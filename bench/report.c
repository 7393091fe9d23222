/* bench/report.c - the reports (core/report.h) over 1,000,000 encounters:
 * each report timed against the bare GROUP BY a person would type into
 * sqlite3 over the same tables in the same run, the ratio printed, and
 * the report's answers checked against the bare query's.
 *
 *   build/bench/report [ENCOUNTERS]   (default 1000000)
 *
 * Each figure is the better of two runs, the report's and the bare
 * query's alternating (the first run of either would otherwise pay for
 * reading the file into the page cache). CHARTROOM_BENCH_KEEP=1 keeps the
 * database.
 *
 * The data goes in with SQL straight into the file (the bulk path, not the
 * CLI): 50,000 patients (opaque blobs; report flags spread over the bits),
 * the encounters over three years with types, providers, statuses and
 * final coding times, 1.5 diagnoses per coded encounter, vitals on a third,
 * break-the-glass rows and refusals. Reports read clear columns only, so
 * the blobs need not open. Target: every report under 2 s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/tz.h"
#include "core/clinic.h"
#include "core/config.h"
#include "core/report.h"
#include "core/session.h"

#include "benchutil.h"

static const char *prog = "bench/report";

#define VISIT_COLS "count(*), sum(status = 'closed'), sum(coding_status = 'final')"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, why);
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die(sql, err ? err : "?");
}

static void seed(const char *path, long n)
{
	sqlite3 *db = NULL;
	char sql[2048];
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open", sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	exec(db, "PRAGMA synchronous = OFF; BEGIN");
	exec(db,
	     "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 50000) "
	     "INSERT INTO patients(id, ident, details, created, created_by, updated, updated_by, "
	     "quality) SELECT printf('p%031d', i), x'00', x'00', '2024-01-01T00:00:00Z', 'bench', "
	     "'2024-01-01T00:00:00Z', 'bench', CASE WHEN i % 11 = 0 THEN i % 16 ELSE 0 END "
	     "FROM k");
	snprintf(
	    sql, sizeof sql,
	    "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %ld) "
	    "INSERT INTO encounters(id, prow, start, type, provider, location, status, "
	    "coding_status, created, created_by, final_at, final_by) SELECT printf('e%%031d', "
	    "i), 1 + i %% 50000, strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', '2024-01-01', '+' || ((i * "
	    "7919) %% 1576800) || ' minutes') AS s, CASE i %% 6 WHEN 0 THEN 'office visit' WHEN "
	    "1 THEN 'telephone' WHEN 2 THEN 'procedure' WHEN 3 THEN 'nurse visit' WHEN 4 THEN "
	    "'follow-up' ELSE 'annual exam' END, 'prov' || (i %% 12), '', CASE WHEN i %% 10 = 0 "
	    "THEN 'open' ELSE 'closed' END, CASE WHEN i %% 10 = 0 THEN 'uncoded' WHEN i %% 10 < 3 "
	    "THEN 'coded' WHEN i %% 10 = 3 THEN 'verified' ELSE 'final' END, "
	    "'2024-01-01T00:00:00Z', "
	    "'bench', NULL, NULL FROM k",
	    n);
	exec(db, sql);
	exec(db, "UPDATE encounters SET final_at = strftime('%Y-%m-%dT%H:%M:%SZ', start, '+' || "
	         "((erow * 31) % 700) || ' hours'), final_by = 'coder' || (erow % 5) WHERE "
	         "coding_status = 'final'");
	exec(db, "INSERT INTO encounter_dx(erow, seq, code) SELECT erow, 1, CASE erow % 9 WHEN 0 "
	         "THEN 'E119' WHEN 1 THEN 'I10' WHEN 2 THEN 'J069' WHEN 3 THEN 'Z0000' WHEN 4 THEN "
	         "'M545' WHEN 5 THEN 'F419' WHEN 6 THEN 'E785' WHEN 7 THEN 'N390' ELSE 'R0789' END "
	         "FROM encounters WHERE coding_status != 'uncoded'");
	exec(db,
	     "INSERT INTO encounter_dx(erow, seq, code) SELECT erow, 2, CASE erow % 4 WHEN 0 "
	     "THEN 'I10' WHEN 1 THEN 'E785' ELSE 'Z23' END FROM encounters WHERE coding_status != "
	     "'uncoded' AND erow % 2 = 0");
	exec(db, "INSERT INTO vitals(erow, prow, taken, recorded_by) SELECT erow, prow, start, "
	         "'nurse' FROM encounters WHERE erow % 3 != 0");
	exec(db,
	     "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 5000) "
	     "INSERT INTO btg_queue(audit_seq, user_name, prow, ts) SELECT 1, 'prov' || (i % 12), "
	     "1 + i % 50000, strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01', '+' || (i * 311) || ' "
	     "minutes') FROM k");
	exec(db,
	     "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 20000) "
	     "INSERT INTO audit(ts, user_id, user_name, os_user, source, action, target, outcome, "
	     "key_version, mac) SELECT strftime('%Y-%m-%dT%H:%M:%SZ', '2024-01-01', '+' || (i * "
	     "73) || ' minutes'), 'u', 'nurse' || (i % 7), 'bench', 'bench', CASE i % 4 WHEN 0 "
	     "THEN 'login_failed' ELSE 'denied' END, '', 'denied', 1, x'00' FROM k");
	exec(db, "COMMIT; ANALYZE");
	sqlite3_close(db);
}

/* The bare query: its time and its rows (key, count). */
typedef struct bare {
	double secs;
	int n;
	char key[400][80];
	double v[400][6];
} bare_t;

static void bare(const char *path, const char *sql, bare_t *b)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	double t0;
	memset(b, 0, sizeof *b);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		die("open", sqlite3_errmsg(db));
	t0 = now_s();
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die(sql, sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW && b->n < 400) {
		const unsigned char *k = sqlite3_column_text(st, 0);
		snprintf(b->key[b->n], sizeof b->key[b->n], "%s", k ? (const char *)k : "");
		for (int c = 0; c < 6 && c + 1 < sqlite3_column_count(st); c++)
			b->v[b->n][c] = sqlite3_column_double(st, c + 1);
		b->n++;
	}
	b->secs = now_s() - t0;
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static int failures;

/* Run the report, time it, and check its columns col..col+ncmp-1 of
 * each row against the bare query's columns 1..ncmp of the row with the
 * same key (ncmp 0: compare the report's column col totalled, over the
 * rows labelled match_label if given, with the bare query's counts
 * totalled). */
static void one(session_t *s, const char *path, const char *name, const char *by, int col, int ncmp,
                const char *bare_sql, const char *match_label)
{
	int sum = ncmp == 0;
	report_req_t q = {name, NULL, NULL, by};
	report_t *r = NULL;
	bare_t *b = malloc(sizeof *b);
	msg_t m;
	double t0, secs, total = 0;
	int bad = 0, checked = 0;
	if (!b)
		die("memory", "out of memory");
	/* The better of two runs each, alternating, so that neither gains
	 * from the other warming the page cache. */
	secs = 1e9;
	for (int k = 0; k < 2; k++) {
		double bs;
		bare(path, bare_sql, b);
		bs = b->secs;
		report_free(r);
		t0 = now_s();
		if (report_run(s, &q, &r, &m) != STATUS_OK)
			die(name, m.text);
		if (now_s() - t0 < secs)
			secs = now_s() - t0;
		if (k && bs < b->secs)
			b->secs = bs;
	}
	if (sum) {
		for (int i = 0; i < r->nrows; i++)
			if (!match_label || strcmp(r->rows[i].label, match_label) == 0)
				total += r->rows[i].v[col];
		double want = 0;
		for (int i = 0; i < b->n; i++)
			want += b->v[i][0];
		bad = fabs(total - want) > 1e-6;
		checked = 1;
	} else {
		for (int i = 0; i < b->n; i++) {
			int found = 0;
			for (int j = 0; j < r->nrows; j++)
				if (strcmp(r->rows[j].key, b->key[i]) == 0) {
					found = 1;
					for (int c = 0; c < ncmp; c++)
						bad |=
						    fabs(r->rows[j].v[col + c] - b->v[i][c]) > 1e-6;
				}
			bad |= !found;
			checked++;
		}
	}
	printf("%-10s by %-8s %7.3f s   bare GROUP BY %7.3f s   ratio %5.2f   %s (%d rows checked)"
	       "%s\n",
	       name, r->by, secs, b->secs, b->secs > 0 ? secs / b->secs : 0,
	       bad ? "ANSWERS DIFFER" : "answers equal", checked,
	       secs > 2.0 ? "   OVER the 2 s target" : "");
	if (bad)
		failures++;
	report_free(r);
	free(b);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/chartroom-bench-report.XXXXXX", path[256];
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	config_t cfg;
	clinic_t *c = NULL;
	session_t *s = NULL, *admin = NULL;
	login_info_t info;
	msg_t m;
	double t0;
	setvbuf(stdout, NULL, _IOLBF, 0); /* figures as they come, into a file too */
	if (n < 1000)
		die("usage", "build/bench/report [ENCOUNTERS >= 1000]");
	if (!mkdtemp(dir))
		die("mkdtemp", "failed");
	snprintf(path, sizeof path, "%s/clinic.db", dir);
	if (crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("set-up", m.text);
	snprintf(cfg.clinic_tz, sizeof cfg.clinic_tz, "America/Chicago");
	bench_clinic(prog, path, &cfg, &c, &s);
	/* The bare queries' 'localtime' in the clinic's zone too, from the
	 * first run (the report sets it when it runs). */
	tz_apply(cfg.clinic_tz);
	t0 = now_s();
	seed(path, n);
	printf("seeded %ld encounters, 50000 patients in %.1f s (SQL bulk insert); clinic zone "
	       "America/Chicago; loadavg at start: ",
	       n, now_s() - t0);
	{
		FILE *f = fopen("/proc/loadavg", "r");
		char la[64] = "?";
		if (f) {
			if (!fgets(la, sizeof la, f))
				snprintf(la, sizeof la, "?");
			fclose(f);
		}
		printf("%s", la);
		if (!strchr(la, '\n'))
			putchar('\n');
	}
	/* The bare queries compute the same columns as the report, the way
	 * one would type them into sqlite3 (a local date per row, the
	 * percentiles with window functions). */
	one(s, path, "visits", "type", 0, 3,
	    "SELECT type, " VISIT_COLS " FROM encounters GROUP BY 1", NULL);
	one(s, path, "visits", "provider", 0, 3,
	    "SELECT provider, " VISIT_COLS " FROM encounters GROUP BY 1", NULL);
	one(s, path, "visits", "month", 0, 3,
	    "SELECT strftime('%Y-%m', start, 'localtime'), " VISIT_COLS
	    " FROM encounters GROUP BY 1",
	    NULL);
	one(s, path, "visits", "week", 0, 3,
	    "SELECT date(start, 'localtime', 'weekday 0', '-6 days'), " VISIT_COLS
	    " FROM encounters GROUP BY 1",
	    NULL);
	one(s, path, "diagnoses", "code", 0, 2,
	    "SELECT code, count(*), sum(seq = 1) FROM encounter_dx GROUP BY 1", NULL);
	one(s, path, "diagnoses", "chapter", 0, 0,
	    "SELECT substr(code, 1, 1), count(*) FROM encounter_dx GROUP BY 1", NULL);
	one(s, path, "turnaround", "coder", 0, 4,
	    "WITH t AS (SELECT final_by AS g, max(0, CAST(round((julianday(final_at) - "
	    "julianday(start)) * 24) AS INTEGER)) AS h FROM encounters WHERE final_at IS NOT "
	    "NULL), "
	    "r AS (SELECT g, h, row_number() OVER (PARTITION BY g ORDER BY h) AS rn, count(*) OVER "
	    "(PARTITION BY g) AS n FROM t) SELECT g, n, max(CASE WHEN rn = (n * 50 + 99) / 100 "
	    "THEN "
	    "h END) / 24.0, max(CASE WHEN rn = (n * 90 + 99) / 100 THEN h END) / 24.0, avg(h) / "
	    "24.0 FROM r GROUP BY g",
	    NULL);
	one(s, path, "backlog", "age", 0, 4,
	    "SELECT CASE WHEN a <= 3 THEN '0-3 days' WHEN a <= 7 THEN '4-7 days' WHEN a <= 14 THEN "
	    "'8-14 days' WHEN a <= 30 THEN '15-30 days' ELSE 'over 30 days' END, count(*), sum(s = "
	    "'uncoded'), sum(s = 'coded'), sum(s = 'verified') FROM (SELECT julianday(date('now', "
	    "'localtime')) - julianday(date(start, 'localtime')) AS a, coding_status AS s FROM "
	    "encounters WHERE status = 'closed' AND coding_status != 'final') GROUP BY 1",
	    NULL);
	one(s, path, "quality", NULL, 0, 0,
	    "SELECT 'all', count(*) FROM encounters e WHERE NOT EXISTS (SELECT 1 FROM vitals v "
	    "WHERE v.erow = e.erow)",
	    "no_vitals");
	session_logout(s);
	if (session_login(c, "admin", BENCH_ADMIN_PW, &admin, &info, &m) != STATUS_OK)
		die("admin sign-on", m.text);
	one(admin, path, "access", "user", 0, 3,
	    "SELECT u, sum(b), sum(r), sum(f) FROM (SELECT user_name AS u, 1 AS b, 0 AS r, 0 AS f "
	    "FROM btg_queue UNION ALL SELECT user_name, 0, action = 'denied', action = "
	    "'login_failed' FROM audit WHERE action IN ('denied', 'login_failed')) GROUP BY u",
	    NULL);
	session_logout(admin);
	clinic_close(c);
	if (!getenv("CHARTROOM_BENCH_KEEP")) {
		char cmd[400];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "%s: could not remove %s\n", prog, dir);
	} else {
		printf("kept %s\n", path);
	}
	if (failures) {
		fprintf(stderr, "%s: %d report(s) differ from the bare query\n", prog, failures);
		return 1;
	}
	return 0;
}
