/* bench/access.c - who opened this chart at scale (issue 12 item 1): a
 * clinic of 100,000 patients whose audit trail holds 1,000,000 entries
 * about their charts (opens, section views, changes; one in ten with an
 * encrypted detail), then the access report of randomly chosen patients
 * by MRN (core/access.h: the MRN resolved through its blind token and
 * checked, the view recorded in the audit journal and chained into the
 * trail, the entries read newest first through the index on the target,
 * details decrypted, each user's role looked up) against a bare indexed
 * SELECT of the same entries on the same file in the same run.
 *
 * Prints the build rates, p50/p99 of both and their ratio. Every report's
 * entries (their sequence numbers, newest first) must equal the bare
 * SELECT's, run right after it; any difference fails the bench (exit 1),
 * and so does a p99 of 100 ms or more.
 *
 *   build/bench/access                                 100000 patients, 1000000 entries
 *   BENCH_PATIENTS=10000 BENCH_ENTRIES=100000 build/bench/access
 *
 * One entry in BENCH_SEARCH_EVERY (10; 0: none) is a search that listed a
 * page of BENCH_LISTED (20) random patients (migration 016: the listing on
 * the entry, MAC'd, and indexed by patient in audit_listed): a report
 * shows each search that listed its patient ("searched and listed"), and
 * the bare SELECT unions them in the same way.
 *
 * The baseline writes SQL itself: it is the thing we compare against. The
 * trail is written through audit_append and, for the searches,
 * audit_chain_row (the real chain: MACs, encrypted details, audit_listed),
 * in transactions of 5,000 entries. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/access.h"
#include "core/audit.h"
#include "core/clinic.h"
#include "core/config.h"
#include "core/internal.h"
#include "core/patient.h"
#include "core/synth.h"
#include "db/db.h"

#include "benchutil.h"

#define SEED     20261207ull
#define REPORTS  300
#define WARMUP   30
#define BATCH    5000
#define MAXROWS  4096
#define LIMIT_MS 100.0

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/access: %s: %s\n", what, why);
	exit(1);
}

static uint64_t xs(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);
	return v[i];
}

static int64_t env_int(const char *name, int64_t def)
{
	const char *v = getenv(name);
	return v && *v ? atoll(v) : def;
}

typedef struct seqs {
	int64_t v[MAXROWS];
	int n;
} seqs_t;

static int take_seq(const access_entry_t *e, void *arg)
{
	seqs_t *s = arg;
	if (s->n < MAXROWS)
		s->v[s->n++] = e->seq;
	return 0;
}

/* The baseline: the same entries by a bare indexed SELECT, newest first. */
static void bare_select(sqlite3_stmt *st, const char *id, int64_t prow, seqs_t *out)
{
	int rc;
	out->n = 0;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* Read what a report shows: time, user, action, source, detail. */
		volatile const unsigned char *t = sqlite3_column_text(st, 1);
		volatile const unsigned char *u = sqlite3_column_text(st, 2);
		volatile const unsigned char *a = sqlite3_column_text(st, 3);
		volatile const unsigned char *src = sqlite3_column_text(st, 4);
		volatile const void *d = sqlite3_column_blob(st, 5);
		(void)t, (void)u, (void)a, (void)src, (void)d;
		if (out->n < MAXROWS)
			out->v[out->n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE)
		die("baseline", "select failed");
}

int main(void)
{
	static const char *const actions[] = {"chart_open",   "chart_view",    "chart_view",
	                                      "chart_view",   "vitals_record", "chart_add",
	                                      "patient_edit", "note_create"};
	static const char *const sections[] = {"allergies", "medications", "problems",
	                                       "notes",     "vitals",      "encounters"};
	int64_t npat = env_int("BENCH_PATIENTS", 100000), nent = env_int("BENCH_ENTRIES", 1000000);
	char dir[] = "/tmp/chartroom-bench-access.XXXXXX", path[PATH_MAX];
	config_t cfg;
	clinic_t *c = NULL;
	session_t *s = NULL;
	msg_t m;
	int64_t made = 0, i;
	char(*ids)[33] = NULL;
	int64_t *prows = NULL, every = env_int("BENCH_SEARCH_EVERY", 10),
	        nlisted = env_int("BENCH_LISTED", 20), searches = 0;
	db_audit_row_t *row = calloc(1, sizeof *row);
	uint64_t rng = SEED;
	double t0, t1, *tc, *tb;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	seqs_t *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	int bad = 0, n = 0;

	if (nlisted < 1 || nlisted > DB_JOURNAL_LISTED_MAX)
		die("set-up", "BENCH_LISTED is 1 to a search's page");
	if (!a || !b || !row || !mkdtemp(dir))
		die("set-up", "no temporary directory");
	snprintf(path, sizeof path, "%s/clinic.db", dir);
	if (crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("set-up", m.text);
	cfg.journal_sync = 1; /* normal: the bench measures reads */
	bench_clinic("bench/access", path, &cfg, &c, &s);

	t0 = now_us();
	if (synth_patients(s, npat, SEED, &made, &m) != STATUS_OK)
		die("synthetic patients", m.text);
	t1 = now_us();
	printf("patients: %" PRId64 " registered at %.0f/s\n", made,
	       (double)made / ((t1 - t0) / 1e6));
	if (!(ids = malloc((size_t)made * sizeof *ids)) ||
	    !(prows = malloc((size_t)made * sizeof *prows)))
		die("set-up", "out of memory");
	for (i = 0; i < made; i++) {
		char mrn[32];
		int conf;
		patient_mrn_format(&cfg, i + 1, mrn, sizeof mrn);
		if (patient_locate(s, mrn, &prows[i], ids[i], &conf, &m) != STATUS_OK)
			die("locating a patient", m.text);
	}

	/* The trail: nent entries about random charts, through the chain. */
	t0 = now_us();
	for (i = 0; i < nent;) {
		if (db_begin(s->c->db, &m) != STATUS_OK)
			die("trail", m.text);
		for (int k = 0; k < BATCH && i < nent; k++, i++) {
			uint64_t r = xs(&rng);
			const char *act = actions[r % 8];
			const char *detail = (r >> 8) % 10 == 0 ? sections[(r >> 16) % 6] : NULL;
			if (every > 0 && (r >> 40) % (uint64_t)every == 0) {
				/* A search that listed a page of patients. */
				int64_t page[DB_JOURNAL_LISTED_MAX];
				char what[40];
				for (int j = 0; j < nlisted; j++)
					page[j] = prows[xs(&rng) % (uint64_t)made];
				memset(row, 0, sizeof *row);
				core_now(row->ts);
				snprintf(row->user_id, sizeof row->user_id, "%s", s->user.id);
				snprintf(row->user_name, sizeof row->user_name, "%s", s->user.name);
				snprintf(row->os_user, sizeof row->os_user, "%s", s->os_user);
				snprintf(row->source, sizeof row->source, "%s", s->source);
				snprintf(row->action, sizeof row->action, "patient_search");
				snprintf(row->outcome, sizeof row->outcome, "ok");
				if (audit_listed_format(page, (int)nlisted, row->listed,
				                        sizeof row->listed) < 0)
					die("trail", "listing");
				snprintf(what, sizeof what, "name:%016" PRIx64, r);
				if (audit_chain_row(s, row, what, &m) != STATUS_OK)
					die("trail", m.text);
				searches++;
				continue;
			}
			if (audit_append(s, act, ids[(r >> 24) % (uint64_t)made], "ok", detail,
			                 &m) != STATUS_OK)
				die("trail", m.text);
		}
		if (db_commit(s->c->db, &m) != STATUS_OK)
			die("trail", m.text);
	}
	t1 = now_us();
	printf("audit trail: %" PRId64 " entries appended at %.0f/s (%" PRId64
	       " of them searches listing %" PRId64 " patients each)\n",
	       nent, (double)nent / ((t1 - t0) / 1e6), searches, nlisted);
	session_logout(s);

	/* The privacy officer's reports. */
	{
		login_info_t info;
		session_t *admin = NULL;
		if (session_login(c, "admin", BENCH_ADMIN_PW, &admin, &info, &m) != STATUS_OK ||
		    users_add(admin, "priv", "privacy", "bench-privacy-officer-pw", &m) !=
		        STATUS_OK)
			die("privacy officer", m.text);
		session_logout(admin);
		if (session_login(c, "priv", "bench-privacy-officer-pw", &s, &info, &m) !=
		    STATUS_OK)
			die("privacy officer", m.text);
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "SELECT seq, ts, user_name, action, source, detail FROM audit "
	                       "WHERE seq IN (SELECT seq FROM audit WHERE target = ?1 UNION "
	                       "SELECT seq FROM audit_listed WHERE prow = ?2) ORDER BY seq DESC",
	                       -1, &st, NULL) != SQLITE_OK)
		die("baseline", sqlite3_errmsg(db));
	tc = malloc(REPORTS * sizeof *tc);
	tb = malloc(REPORTS * sizeof *tb);
	if (!tc || !tb)
		die("set-up", "out of memory");
	for (int k = 0; k < WARMUP + REPORTS; k++) {
		int64_t p = (int64_t)(xs(&rng) % (uint64_t)made);
		char mrn[32];
		access_query_t q = {NULL, NULL, 0, NULL};
		double c0, c1, b1;
		patient_mrn_format(&cfg, p + 1, mrn, sizeof mrn);
		a->n = 0;
		c0 = now_us();
		if (access_patient(s, mrn, &q, take_seq, a, NULL, 0, &m) != STATUS_OK)
			die("report", m.text);
		c1 = now_us();
		bare_select(st, ids[p], prows[p], b);
		b1 = now_us();
		if (a->n != b->n || memcmp(a->v, b->v, (size_t)a->n * sizeof a->v[0]) != 0) {
			fprintf(stderr,
			        "bench/access: patient %s: the report has %d entries, the "
			        "bare SELECT %d (or they differ)\n",
			        mrn, a->n, b->n);
			bad++;
		}
		if (k >= WARMUP) {
			tc[n] = (c1 - c0) / 1e3;
			tb[n] = (b1 - c1) / 1e3;
			n++;
		}
	}
	qsort(tc, (size_t)n, sizeof *tc, cmp_double);
	qsort(tb, (size_t)n, sizeof *tb, cmp_double);
	printf("access report of one patient (%d reports, %.1f entries per chart on average):\n", n,
	       ((double)(nent - searches) + (double)searches * (double)nlisted) / (double)made);
	printf("  chartroom:   p50 %8.3f ms   p99 %8.3f ms\n", pct(tc, n, 0.5), pct(tc, n, 0.99));
	printf("  bare SELECT: p50 %8.3f ms   p99 %8.3f ms\n", pct(tb, n, 0.5), pct(tb, n, 0.99));
	printf("  ratio:       p50 %8.1fx     p99 %8.1fx\n", pct(tc, n, 0.5) / pct(tb, n, 0.5),
	       pct(tc, n, 0.99) / pct(tb, n, 0.99));
	printf("  answers: %s\n", bad ? "DIFFER" : "equal to the bare SELECT's for every report");
	printf("  target p99 < %.0f ms: %s\n", LIMIT_MS,
	       pct(tc, n, 0.99) < LIMIT_MS ? "met" : "NOT met");
	{
		double p99 = pct(tc, n, 0.99);
		sqlite3_finalize(st);
		sqlite3_close(db);
		session_logout(s);
		clinic_close(c);
		free(tc);
		free(tb);
		free(ids);
		free(prows);
		free(row);
		free(a);
		free(b);
		{
			char cmd[PATH_MAX + 16];
			snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
			if (system(cmd) != 0)
				fprintf(stderr, "bench/access: could not remove %s\n", dir);
		}
		return bad || p99 >= LIMIT_MS ? 1 : 0;
	}
}
