/* bench/codes.c - code search per keystroke over the full ICD-10-CM FY2026
 * set (98,186 codes): Chartroom's word-prefix search (SQLite FTS5) against
 * the substring search many EHRs use (LIKE '%word%' per word), on the same
 * codes in the same run.
 *
 * Each query is "typed" a character at a time; every prefix of two or more
 * characters is searched, as the screen does on each key. Prints p50/p99
 * per keystroke for both, their ratio, and the import time.
 *
 *   build/bench/codes [ORDER-FILE]  (default ../shared/data/icd10cm/icd10cm_order_2026.txt)
 *
 * The baseline writes its SQL here: it is what we compare against, not
 * part of Chartroom. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/clinic.h"
#include "core/coding.h"
#include "core/crypto.h"
#include "core/session.h"
#include "core/users.h"

#include "benchutil.h"

static const char *const queries[] = {
	"diab 2 kidn",         "essential hypert",   "e11.9",            "i10",
	"z00.00",              "acute bronch",       "low back pain",    "urinary tract infect",
	"major depress",       "gastro-esoph reflux", "otitis media",    "hyperlipid",
	"copd exac",           "asthma mild persist", "chest pain",       "covid",
	"encounter immuniz",   "general adult exam", "sprain left ankle", "fracture radius",
	"migraine",            "anxiety disorder",   "vitamin d defic",  "atrial fib",
	"heart failure",       "pneumonia unsp",     "sinusitis acute",  "dermatitis",
	"obesity",             "insomnia",
};
#define NQ (sizeof queries / sizeof queries[0])
#define ROUNDS 5

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/codes: %s: %s\n", what, why);
	exit(1);
}

static int count_hit(const code_hit_t *h, void *arg)
{
	(void)h;
	(*(long *)arg)++;
	return 0;
}

/* Baseline: one plain table, substring match per word, like OpenEMR. */
static void build_plain(sqlite3 *db, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[1024];
	sqlite3_stmt *st;
	char *err = NULL;
	if (!f)
		die("open", file);
	if (sqlite3_exec(db, "CREATE TABLE codes(code TEXT PRIMARY KEY, billable INT, descr TEXT);"
			     "BEGIN",
			 NULL, NULL, &err) != SQLITE_OK)
		die("create", err);
	sqlite3_prepare_v2(db, "INSERT INTO codes VALUES (?1, ?2, ?3)", -1, &st, NULL);
	while (fgets(line, sizeof line, f)) {
		char code[16];
		size_t n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n < 78)
			continue;
		sscanf(line + 6, "%15s", code);
		sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, line[14] == '1');
		sqlite3_bind_text(st, 3, line + 77, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	fclose(f);
}

static long plain_search(sqlite3 *db, const char *q)
{
	char sql[1024] = "SELECT code, billable, descr FROM codes WHERE 1";
	char words[8][64];
	int nw = 0;
	long rows = 0;
	sqlite3_stmt *st;
	const char *p = q;
	while (*p && nw < 8) {
		size_t n;
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (!n)
			break;
		snprintf(words[nw], sizeof words[nw], "%%%.*s%%", (int)(n < 60 ? n : 60), p);
		strcat(sql, " AND (descr LIKE ? OR code LIKE ?)");
		nw++;
		p += n;
	}
	strcat(sql, " ORDER BY code LIMIT 50");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	for (int i = 0; i < nw; i++) {
		sqlite3_bind_text(st, 2 * i + 1, words[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2 * i + 2, words[i], -1, SQLITE_STATIC);
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		rows++;
	sqlite3_finalize(st);
	return rows;
}

int main(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : "../shared/data/icd10cm/icd10cm_order_2026.txt";
	char dir[] = "/tmp/chartroom-codes.XXXXXX", path[256];
	config_t cfg;
	msg_t m;
	clinic_t *c = NULL;
	session_t *s = NULL;
	codes_import_report_t rep;
	sqlite3 *plain;
	double *cl, *pl, t0, import_s = 0;
	int n = 0, cap = 0;
	long crows = 0, prows = 0;

	if (access(file, R_OK) != 0) {
		fprintf(stderr, "bench/codes: %s not found: the ICD-10-CM reference files live in "
				"../shared/data (see its README); skipping.\n",
			file);
		return 0;
	}
	if (crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("start", m.text);
	if (!mkdtemp(dir))
		die("mkdtemp", dir);
	snprintf(path, sizeof path, "%s/codes.db", dir);
	bench_clinic("bench/codes", path, &cfg, &c, &s);
	{
		double i0 = now_us();
		if (codes_import(s, CS_ICD10CM, file, "FY2026", "2025-10-01", &rep, &m) != STATUS_OK)
			die("import", m.text);
		import_s = (now_us() - i0) / 1e6;
	}
	if (sqlite3_open(":memory:", &plain) != SQLITE_OK)
		die("baseline", "open");
	build_plain(plain, file);

	for (size_t q = 0; q < NQ; q++)
		cap += (int)strlen(queries[q]);
	cap *= ROUNDS;
	cl = calloc((size_t)cap, sizeof *cl);
	pl = calloc((size_t)cap, sizeof *pl);
	if (!cl || !pl)
		die("start", "out of memory");
	for (int r = 0; r < ROUNDS; r++)
		for (size_t q = 0; q < NQ; q++) {
			char typed[64];
			size_t len = strlen(queries[q]);
			for (size_t k = 2; k <= len; k++) {
				long rows = 0;
				snprintf(typed, sizeof typed, "%.*s", (int)k, queries[q]);
				if (typed[k - 1] == ' ')
					continue; /* a space alone changes nothing */
				t0 = now_us();
				if (codes_search(s, CS_ICD10CM, typed, "2025-11-01", 50, count_hit, &rows,
						 &m) != STATUS_OK)
					die("search", m.text);
				cl[n] = now_us() - t0;
				t0 = now_us();
				prows += plain_search(plain, typed);
				pl[n] = now_us() - t0;
				crows += rows;
				n++;
			}
		}
	qsort(cl, (size_t)n, sizeof *cl, dcmp);
	qsort(pl, (size_t)n, sizeof *pl, dcmp);
	printf("Code search per keystroke over ICD-10-CM FY2026 (%lld codes, %lld billable)\n",
	       (long long)rep.codes, (long long)rep.billable);
	printf("import: %.2f s (%.0f codes/s), one transaction, with the full-text index\n",
	       import_s, (double)rep.codes / import_s);
	printf("%d keystrokes (%zu queries typed %d times, at most 50 results each)\n\n", n, NQ,
	       ROUNDS);
	printf("  %-34s %10s %10s\n", "", "p50", "p99");
	printf("  %-34s %8.0f us %8.0f us\n", "chartroom (FTS5 word prefixes)", cl[n / 2],
	       cl[(int)(0.99 * (n - 1))]);
	printf("  %-34s %8.0f us %8.0f us\n", "substring LIKE '%word%' baseline", pl[n / 2],
	       pl[(int)(0.99 * (n - 1))]);
	printf("  %-34s %10.2f %10.2f\n", "ratio chartroom/baseline", cl[n / 2] / pl[n / 2],
	       cl[(int)(0.99 * (n - 1))] / pl[(int)(0.99 * (n - 1))]);
	printf("  results per keystroke: chartroom %.1f, baseline %.1f\n", (double)crows / n,
	       (double)prows / n);
	free(cl);
	free(pl);
	sqlite3_close(plain);
	session_logout(s);
	clinic_close(c);
	unlink(path);
	{
		char side[300];
		snprintf(side, sizeof side, "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", path);
		unlink(side);
	}
	rmdir(dir);
	return 0;
}
