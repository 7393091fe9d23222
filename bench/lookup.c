/* bench/lookup.c - chart lookup at 100,000 and 1,000,000 patients:
 * Chartroom (encrypted records, blind-index tokens, decrypt-and-filter)
 * against the same records in a plaintext SQLite table with ordinary
 * indexes, built and queried in the same run on the same machine.
 *
 * Prints import rates and p50/p99 latencies for MRN, date of birth,
 * 3-letter last-name prefix (first 50 rows, decrypted and sorted) and
 * "last, first" prefix, with the ratio Chartroom/plaintext, and the peak
 * resident memory of a search session (a fresh process doing only
 * searches, its resident size sampled after every query).
 *
 *   build/bench/lookup                 sizes 100000 and 1000000
 *   BENCH_SIZES="20000" build/bench/lookup
 *
 * The plaintext baseline writes SQL itself: it is the thing we compare
 * against, not part of Chartroom. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/clinic.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/patient.h"
#include "core/patient_search.h"
#include "core/pindex.h"
#include "core/session.h"
#include "core/synth.h"
#include "core/users.h"
#include "db/db.h"

#include "benchutil.h"

#define SEED 20261125ull
#define QUERIES 2000
#define WARMUP 200

enum { Q_MRN, Q_DOB, Q_PREFIX, Q_LASTFIRST, NQ };
static const char *const qnames[NQ] = {"MRN", "date of birth", "last-name prefix (3 letters)",
				       "last, first prefix"};

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

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof *v, dcmp);
	return v[(int)(p * (n - 1))];
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/lookup: %s: %s\n", what, why);
	exit(1);
}

/* The queries, derived from the synthetic population (same seed). */
typedef struct query {
	char text[NQ][160];   /* Chartroom's search box text */
	char a[NQ][128];      /* baseline parameters */
	char b[NQ][128];
} query_t;

static void lower_fold(const char *in, char *out, size_t size)
{
	pindex_fold(in, out, size);
}

static void make_queries(const config_t *cfg, int64_t n, query_t *q, int count)
{
	patient_t p;
	uint64_t r = 88172645463325252ull;
	for (int i = 0; i < count; i++) {
		int64_t k;
		char last[128], first[128];
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		k = (int64_t)(r % (uint64_t)n);
		synth_patient(SEED, k, &p);
		lower_fold(p.f[PF_LAST], last, sizeof last);
		lower_fold(p.f[PF_FIRST], first, sizeof first);
		/* MRN sequence k+1: the bulk writer numbers from 1 in order. */
		patient_mrn_format(cfg, k + 1, q[i].text[Q_MRN], sizeof q[i].text[Q_MRN]);
		snprintf(q[i].a[Q_MRN], sizeof q[i].a[Q_MRN], "%s", q[i].text[Q_MRN]);
		snprintf(q[i].text[Q_DOB], sizeof q[i].text[Q_DOB], "%s", p.f[PF_DOB]);
		snprintf(q[i].a[Q_DOB], sizeof q[i].a[Q_DOB], "%s", p.f[PF_DOB]);
		snprintf(q[i].text[Q_PREFIX], sizeof q[i].text[Q_PREFIX], "%.3s", last);
		snprintf(q[i].a[Q_PREFIX], sizeof q[i].a[Q_PREFIX], "%.3s", last);
		snprintf(q[i].text[Q_LASTFIRST], sizeof q[i].text[Q_LASTFIRST], "%s, %.2s", last, first);
		snprintf(q[i].a[Q_LASTFIRST], sizeof q[i].a[Q_LASTFIRST], "%s", last);
		snprintf(q[i].b[Q_LASTFIRST], sizeof q[i].b[Q_LASTFIRST], "%.2s", first);
	}
}

/* ---- Chartroom -------------------------------------------------------- */

static double build_chartroom(const config_t *cfg, const char *path, int64_t n)
{
	clinic_t *c = NULL;
	session_t *s = NULL;
	msg_t m;
	int64_t made = 0;
	double t0, t1;

	bench_clinic("bench/lookup", path, cfg, &c, &s);
	t0 = now_us();
	if (synth_patients(s, n, SEED, &made, &m) != STATUS_OK)
		die("synthetic patients", m.text);
	t1 = now_us();
	session_logout(s);
	clinic_close(c);
	return (double)made / ((t1 - t0) / 1e6);
}

/* Resident memory now, in kB (/proc/self/statm). Sampled after every
 * query by both search processes, the largest sample is the session's peak
 * while searching. (Resetting the kernel's own peak through clear_refs
 * instead, as this did before, left every later search ~10 us slower on
 * this machine's kernel, and only in Chartroom's process.) */
static long rss_now_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, resident = -1;
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &resident) != 2)
			resident = -1;
		fclose(f);
	}
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void rss_sample(long *peak)
{
	long kb = rss_now_kb();
	if (kb > *peak)
		*peak = kb;
}

/* Runs in a fresh process (see main): sign on, search, report. */
static int search_chartroom(const char *path, int64_t n, int journal_sync)
{
	config_t cfg;
	clinic_t *c = NULL;
	session_t *s = NULL;
	login_info_t info;
	msg_t m;
	query_t *q = calloc(QUERIES, sizeof *q);
	double *lat = calloc(QUERIES, sizeof *lat);
	struct rusage ru;
	long peak = 0;

	if (!q || !lat || crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("start", "out of memory");
	cfg.journal_sync = journal_sync;
	make_queries(&cfg, n, q, QUERIES);
	if (clinic_open(path, &cfg, &c, &m) != STATUS_OK ||
	    session_login(c, "him", BENCH_HIM_PW, &s, &info, &m) != STATUS_OK)
		die("search login", m.text);
	getrusage(RUSAGE_SELF, &ru);
	printf("login_rss %ld\n", ru.ru_maxrss);
	for (int k = 0; k < NQ; k++) {
		long rows = 0;
		for (int i = 0; i < WARMUP + QUERIES; i++) {
			patient_list_t *l = NULL;
			double t0 = now_us();
			if (patient_search(s, q[i % QUERIES].text[k], 50, &l, &m) != STATUS_OK)
				die("search", m.text);
			if (i >= WARMUP) {
				lat[i - WARMUP] = now_us() - t0;
				rows += patient_list_count(l);
			}
			patient_list_free(l);
			rss_sample(&peak);
		}
		printf("%d %.1f %.1f %.1f\n", k, pct(lat, QUERIES, 0.5), pct(lat, QUERIES, 0.99),
		       (double)rows / QUERIES);
	}
	printf("rss %ld\n", peak);
	session_logout(s);
	clinic_close(c);
	free(q);
	free(lat);
	return 0;
}

/* ---- plaintext baseline ----------------------------------------------- */

static void exec_or_die(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die(sql, err ? err : "?");
}

static double build_plain(const char *path, int64_t n)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	patient_t p;
	double t0, t1;
	char pragma[64];
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open", path);
	/* The same page size as Chartroom's databases (db/db.h). */
	snprintf(pragma, sizeof pragma, "PRAGMA page_size=%d", DB_PAGE_SIZE);
	exec_or_die(db, pragma);
	exec_or_die(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			"PRAGMA cache_size=-262144; PRAGMA mmap_size=33554432;"
			"CREATE TABLE p(id INTEGER PRIMARY KEY, mrn TEXT, last TEXT, first TEXT,"
			" middle TEXT, suffix TEXT, dob TEXT, sex TEXT, last_norm TEXT,"
			" first_norm TEXT, address1 TEXT, address2 TEXT, city TEXT, state TEXT,"
			" zip TEXT, phone_home TEXT, phone_mobile TEXT, email TEXT, ssn TEXT,"
			" language TEXT, payer TEXT, member_id TEXT, ec_name TEXT,"
			" ec_relation TEXT, ec_phone TEXT, death TEXT, confidential INTEGER);"
			"CREATE UNIQUE INDEX p_mrn ON p(mrn);"
			"CREATE INDEX p_dob ON p(dob);"
			"CREATE INDEX p_name ON p(last_norm, first_norm);"
			"CREATE INDEX p_phone ON p(phone_mobile);");
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO p VALUES (NULL,?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,"
			       "?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26)",
			       -1, &st, NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	t0 = now_us();
	exec_or_die(db, "BEGIN");
	for (int64_t i = 0; i < n; i++) {
		char mrn[32], ln[128], fn[128];
		config_t cfg;
		msg_t m;
		static int have_cfg;
		static config_t keep;
		if (!have_cfg) {
			config_defaults(&keep, &m);
			have_cfg = 1;
		}
		cfg = keep;
		synth_patient(SEED, i, &p);
		patient_mrn_format(&cfg, i + 1, mrn, sizeof mrn);
		pindex_fold(p.f[PF_LAST], ln, sizeof ln);
		pindex_fold(p.f[PF_FIRST], fn, sizeof fn);
		sqlite3_bind_text(st, 1, mrn, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, p.f[PF_LAST], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, p.f[PF_FIRST], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, p.f[PF_MIDDLE], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, p.f[PF_SUFFIX], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, p.f[PF_DOB], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, p.f[PF_SEX], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, ln, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, fn, -1, SQLITE_STATIC);
		for (int f = PF_ADDR1; f <= PF_DEATH; f++)
			sqlite3_bind_text(st, 10 + f - PF_ADDR1, p.f[f], -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 26, p.confidential);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("insert", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	exec_or_die(db, "COMMIT");
	t1 = now_us();
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (double)n / ((t1 - t0) / 1e6);
}

static int search_plain(const char *path, int64_t n)
{
	sqlite3 *db;
	sqlite3_stmt *st[NQ];
	config_t cfg;
	msg_t m;
	query_t *q = calloc(QUERIES, sizeof *q);
	double *lat = calloc(QUERIES, sizeof *lat);
	long peak = 0;
	static const char *const sql[NQ] = {
		"SELECT id, mrn, last, first, middle, dob, sex FROM p WHERE mrn = ?1",
		"SELECT id, mrn, last, first, middle, dob, sex FROM p WHERE dob = ?1 "
		"ORDER BY last_norm, first_norm LIMIT 50",
		"SELECT id, mrn, last, first, middle, dob, sex FROM p WHERE last_norm >= ?1 AND "
		"last_norm < ?1 || '{' ORDER BY last_norm, first_norm LIMIT 50",
		"SELECT id, mrn, last, first, middle, dob, sex FROM p WHERE last_norm = ?1 AND "
		"first_norm >= ?2 AND first_norm < ?2 || '{' ORDER BY last_norm, first_norm "
		"LIMIT 50"};
	if (!q || !lat || config_defaults(&cfg, &m) != STATUS_OK)
		die("start", "out of memory");
	make_queries(&cfg, n, q, QUERIES);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die("open", path);
	exec_or_die(db, "PRAGMA mmap_size=33554432"); /* as Chartroom's connection */
	for (int k = 0; k < NQ; k++)
		if (sqlite3_prepare_v2(db, sql[k], -1, &st[k], NULL) != SQLITE_OK)
			die("prepare", sqlite3_errmsg(db));
	for (int k = 0; k < NQ; k++) {
		long rows = 0;
		for (int i = 0; i < WARMUP + QUERIES; i++) {
			const query_t *x = &q[i % QUERIES];
			double t0 = now_us();
			long got = 0;
			sqlite3_bind_text(st[k], 1, x->a[k], -1, SQLITE_STATIC);
			if (k == Q_LASTFIRST)
				sqlite3_bind_text(st[k], 2, x->b[k], -1, SQLITE_STATIC);
			while (sqlite3_step(st[k]) == SQLITE_ROW) {
				/* read the row as the UI would */
				for (int col = 0; col < 7; col++)
					(void)sqlite3_column_text(st[k], col);
				got++;
			}
			sqlite3_reset(st[k]);
			if (i >= WARMUP) {
				lat[i - WARMUP] = now_us() - t0;
				rows += got;
			}
			rss_sample(&peak);
		}
		printf("%d %.1f %.1f %.1f\n", k, pct(lat, QUERIES, 0.5), pct(lat, QUERIES, 0.99),
		       (double)rows / QUERIES);
	}
	for (int k = 0; k < NQ; k++)
		sqlite3_finalize(st[k]);
	sqlite3_close(db);
	printf("rss %ld\n", peak);
	free(q);
	free(lat);
	return 0;
}

/* ---- driver ----------------------------------------------------------- */

typedef struct result {
	double p50[NQ], p99[NQ], rows[NQ];
	long rss_kb, login_kb;
} result_t;

/* Read a database file once, so that its searches start with it in the
 * page cache, as a clinic's busy database is. Both databases are read
 * this way just before their searches: without it, whichever was built
 * longer ago starts with pages the kernel has already dropped. */
static void warm(const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "rb");
	if (!f)
		die("open", path);
	while (fread(buf, 1, sizeof buf, f) == sizeof buf)
		;
	fclose(f);
}

/* Run this program again as "--search-{chartroom,plain} PATH N" in a fresh
 * process, so its peak memory is the search session's alone, after
 * reading its database once (warm). */
static void run_child(const char *self, const char *mode, const char *path, int64_t n,
		      result_t *r)
{
	char cmd[4096];
	FILE *f;
	char line[256];
	warm(path);
	snprintf(cmd, sizeof cmd, "'%s' %s '%s' %lld", self, mode, path, (long long)n);
	if (!(f = popen(cmd, "r")))
		die("popen", strerror(errno));
	memset(r, 0, sizeof *r);
	while (fgets(line, sizeof line, f)) {
		int k;
		double a, b, c;
		if (sscanf(line, "rss %ld", &r->rss_kb) == 1)
			continue;
		if (sscanf(line, "login_rss %ld", &r->login_kb) == 1)
			continue;
		if (sscanf(line, "%d %lf %lf %lf", &k, &a, &b, &c) == 4 && k >= 0 && k < NQ) {
			r->p50[k] = a;
			r->p99[k] = b;
			r->rows[k] = c;
		}
	}
	if (pclose(f) != 0)
		die("search process", mode);
}

int main(int argc, char **argv)
{
	const char *sizes = getenv("BENCH_SIZES");
	char dir[] = "/tmp/chartroom-bench.XXXXXX";
	char self[4096];
	config_t cfg;
	msg_t m;
	ssize_t sl;

	if (argc == 4 && strcmp(argv[1], "--search-chartroom") == 0)
		return search_chartroom(argv[2], atoll(argv[3]), 1);
	if (argc == 4 && strcmp(argv[1], "--search-chartroom-full") == 0)
		return search_chartroom(argv[2], atoll(argv[3]), 0);
	if (argc == 4 && strcmp(argv[1], "--search-plain") == 0)
		return search_plain(argv[2], atoll(argv[3]));
	if ((sl = readlink("/proc/self/exe", self, sizeof self - 1)) < 0)
		die("readlink", strerror(errno));
	self[sl] = '\0';
	if (crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("start", m.text);
	if (!mkdtemp(dir))
		die("mkdtemp", strerror(errno));
	if (!sizes || !*sizes)
		sizes = "100000 1000000";
	printf("Chart lookup: Chartroom (encrypted, blind index) vs plaintext SQLite, same run\n");
	printf("%d queries of each kind after %d warm-up; search box returns at most 50 rows\n\n",
	       QUERIES, WARMUP);
	for (const char *p = sizes; *p;) {
		char *end;
		long long n = strtoll(p, &end, 10);
		char cpath[4200], ppath[4200];
		double crate, prate;
		result_t cr, pr, fr;
		if (end == p)
			break;
		p = end;
		snprintf(cpath, sizeof cpath, "%s/chartroom-%lld.db", dir, n);
		snprintf(ppath, sizeof ppath, "%s/plain-%lld.db", dir, n);
		crate = build_chartroom(&cfg, cpath, n);
		prate = build_plain(ppath, n);
		run_child(self, "--search-chartroom", cpath, n, &cr);
		run_child(self, "--search-plain", ppath, n, &pr);
		run_child(self, "--search-chartroom-full", cpath, n, &fr);
		printf("== %lld patients\n", n);
		printf("  import             chartroom %9.0f patients/s   plaintext %9.0f "
		       "patients/s   ratio %.1f (time)\n",
		       crate, prate, prate / crate);
		printf("  lookups (each search's audit event written to the audit journal before its\n"
		       "  results, journal_sync = normal):\n");
		printf("  %-30s %19s %19s %13s\n", "lookup", "chartroom p50/p99", "plaintext p50/p99",
		       "ratio p50/p99");
		for (int k = 0; k < NQ; k++)
			printf("  %-30s %8.1f/%7.1f us %8.1f/%7.1f us %6.2f/%5.2f  (rows %.1f vs %.1f)\n",
			       qnames[k], cr.p50[k], cr.p99[k], pr.p50[k], pr.p99[k],
			       cr.p50[k] / pr.p50[k], cr.p99[k] / pr.p99[k], cr.rows[k], pr.rows[k]);
		printf("  the same lookups with each audit event synced to disk before the results\n"
		       "  (journal_sync = full, the default):\n");
		for (int k = 0; k < NQ; k++) {
			if (fr.rows[k] != cr.rows[k])
				die("journal_sync = full returned other rows", qnames[k]);
			printf("  %-30s %8.1f/%7.1f us  (+%.1f/%.1f us for the sync)\n", qnames[k],
			       fr.p50[k], fr.p99[k], fr.p50[k] - cr.p50[k], fr.p99[k] - cr.p99[k]);
		}
		printf("  search session peak resident memory while searching (sampled after each query):\n"
		       "    chartroom %.1f MB, plaintext %.1f "
		       "MB\n  (chartroom peak at sign-on, Argon2id's 64 MiB included: %.1f MB)\n\n",
		       cr.rss_kb / 1024.0, pr.rss_kb / 1024.0, cr.login_kb / 1024.0);
		fflush(stdout);
		unlink(cpath);
		unlink(ppath);
		{
			char side[4300];
			snprintf(side, sizeof side, "%s-wal", cpath);
			unlink(side);
			snprintf(side, sizeof side, "%s-shm", cpath);
			unlink(side);
			snprintf(side, sizeof side, "%s.audit-journal", cpath);
			unlink(side);
			snprintf(side, sizeof side, "%s-wal", ppath);
			unlink(side);
			snprintf(side, sizeof side, "%s-shm", ppath);
			unlink(side);
		}
	}
	rmdir(dir);
	return 0;
}
