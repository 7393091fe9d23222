/* bench/import.c - `import patients` with its duplicate check, on a CSV of
 * synthetic patients (every field of Chartroom's columns, as the demo
 * generator makes them), through the same core call the command line
 * makes:
 *
 *   1. into an empty clinic (rows checked against each other only);
 *   2. another file of as many other patients into that clinic (each row
 *      checked against the registered patients too);
 *   3. the first file's rows again in another file (line ends changed, so
 *      not resumed by its digest): every row a likely duplicate, nothing
 *      imported;
 *
 * 1 and 2 first with a [matching] threshold no score reaches (every row
 * checked, none held back: the check's own cost), then with the configured
 * one (BENCH_WHY=1 also prints what the held-back rows shared);
 * and, for a baseline in the same run, the bulk load without CSV or check
 * (demo --patients: the load bench/lookup measures). Prints patients (or
 * rows) per second and how many were held back as likely duplicates.
 * Synthetic people drawn from name lists include look-alikes (the same
 * name, sex and a part of the date of birth), which the check holds back
 * as it would at registration.
 *
 *   build/bench/import                  100,000 patients per file
 *   BENCH_IMPORT=20000 build/bench/import */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "core/config.h"
#include "core/import.h"
#include "core/patient.h"
#include "core/synth.h"

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/import: %s: %s\n", what, why);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put(FILE *f, const char *v, int last, const char *eol)
{
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
	fputs(last ? eol : ",", f);
}

/* n synthetic patients of `seed` as Chartroom's import CSV. */
static void write_csv(const char *path, uint64_t seed, long n, const char *eol)
{
	FILE *f = fopen(path, "w");
	patient_t *p = malloc(sizeof *p);
	if (!f || !p)
		die(path, strerror(errno));
	for (int c = 1; c < PF_COUNT; c++)
		fprintf(f, "%s%s", patient_field_name((pfield_t)c), c + 1 == PF_COUNT ? eol : ",");
	for (long i = 0; i < n; i++) {
		synth_patient(seed, i, p);
		for (int c = 1; c < PF_COUNT; c++)
			put(f, p->f[c], c + 1 == PF_COUNT, eol);
	}
	if (fclose(f) != 0)
		die(path, strerror(errno));
	free(p);
}

/* What the held-back rows shared with the patient or row they resemble:
 * the commonest few. */
#define WHYS 64
typedef struct whys {
	int n;
	struct {
		char why[200];
		long count;
	} w[WHYS];
} whys_t;

static void on_dup(const import_dup_t *d, void *arg)
{
	whys_t *x = arg;
	int i;
	for (i = 0; i < x->n && strcmp(x->w[i].why, d->why) != 0; i++)
		;
	if (i == x->n) {
		if (x->n == WHYS)
			return;
		snprintf(x->w[x->n++].why, sizeof x->w[0].why, "%s", d->why);
	}
	x->w[i].count++;
}

static void run(session_t *s, const char *what, const char *path, long n)
{
	import_report_t rep;
	import_opts_t o;
	whys_t *x = calloc(1, sizeof *x);
	msg_t m;
	double t0 = now_s(), secs;
	if (!x)
		die("whys", "out of memory");
	memset(&o, 0, sizeof o);
	o.on_dup = on_dup;
	o.arg = x;
	if (import_patients_with(s, path, &o, &rep, &m) != STATUS_OK)
		die(what, m.text);
	secs = now_s() - t0;
	printf("  %-44s %8.0f rows/s  %7.2f s  %7ld imported  %6ld held back\n", what,
	       (double)n / secs, secs, rep.imported, rep.held);
	if (getenv("BENCH_WHY"))
		for (int k = 0; k < 5; k++) {
			int best = -1;
			for (int i = 0; i < x->n; i++)
				if (x->w[i].count && (best < 0 || x->w[i].count > x->w[best].count))
					best = i;
			if (best < 0)
				break;
			printf("      %6ld  %s\n", x->w[best].count, x->w[best].why);
			x->w[best].count = 0;
		}
	fflush(stdout);
	free(x);
}

static void remove_db(const char *path)
{
	char x[300];
	unlink(path);
	snprintf(x, sizeof x, "%s-wal", path);
	unlink(x);
	snprintf(x, sizeof x, "%s-shm", path);
	unlink(x);
	snprintf(x, sizeof x, "%s.audit-journal", path);
	unlink(x);
}

int main(void)
{
	const char *env = getenv("BENCH_IMPORT");
	long n = env && atol(env) > 0 ? atol(env) : 100000;
	char dir[] = "/tmp/chartroom-bench-import.XXXXXX", db[256], a[256], b[256], a2[256],
	     db2[256];
	config_t *cfg = calloc(1, sizeof *cfg);
	clinic_t *c = NULL;
	session_t *s = NULL;
	msg_t m;
	int64_t made = 0;
	double t0, secs;
	int threshold;

	if (crypto_init(&m) != STATUS_OK)
		die("libsodium", m.text);
	if (!cfg || config_defaults(cfg, &m) != STATUS_OK)
		die("config", "defaults");
	threshold = cfg->match_threshold;
	if (!mkdtemp(dir))
		die("mkdtemp", strerror(errno));
	snprintf(db, sizeof db, "%s/import.db", dir);
	snprintf(db2, sizeof db2, "%s/load.db", dir);
	snprintf(a, sizeof a, "%s/a.csv", dir);
	snprintf(b, sizeof b, "%s/b.csv", dir);
	snprintf(a2, sizeof a2, "%s/a-crlf.csv", dir);
	write_csv(a, 11, n, "\n");
	write_csv(b, 22, n, "\n");
	write_csv(a2, 11, n, "\r\n");

	printf("Patient import with the duplicate check, %ld synthetic patients a file\n", n);
	/* The check's own cost: the same imports with a threshold no score
	 * reaches (every row checked, none held back, all written). */
	printf(" with [matching] threshold 200 (checked, nothing held back):\n");
	cfg->match_threshold = 200;
	bench_clinic("bench/import", db, cfg, &c, &s);
	run(s, "1. a file into an empty clinic", a, n);
	run(s, "2. another file into the clinic holding it", b, n);
	session_logout(s);
	clinic_close(c);
	remove_db(db);
	cfg->match_threshold = threshold;
	printf(" with the configured threshold (%d):\n", threshold);
	bench_clinic("bench/import", db, cfg, &c, &s);
	run(s, "1. a file into an empty clinic", a, n);
	run(s, "2. another file into the clinic holding it", b, n);
	run(s, "3. the first file's rows again (all alike)", a2, n);
	session_logout(s);
	clinic_close(c);

	/* The baseline: the bulk load alone (no CSV, no check). */
	bench_clinic("bench/import", db2, cfg, &c, &s);
	t0 = now_s();
	if (synth_patients(s, n, 11, &made, &m) != STATUS_OK)
		die("bulk load", m.text);
	secs = now_s() - t0;
	printf("  %-44s %8.0f rows/s  %7.2f s  %7lld loaded\n", "baseline: demo --patients (no CSV, no check)",
	       (double)n / secs, secs, (long long)made);
	session_logout(s);
	clinic_close(c);

	for (const char *f[] = {a, b, a2, NULL}, **q = f; *q; q++)
		unlink(*q);
	remove_db(db);
	remove_db(db2);
	rmdir(dir);
	free(cfg);
	return 0;
}
