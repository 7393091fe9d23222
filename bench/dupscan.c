/* bench/dupscan.c - the duplicate-chart scan (core/dupscan.h) at scale:
 * N synthetic patients (default 100,000) with one injected duplicate for
 * every 50th (an exact copy without its phones, a last-name typo, a date
 * of birth one day off, a first name missing its last letter, in turn).
 *
 * Runs the scan's search (dupscan_find: decrypt, tokenise, pair through
 * the blocking tokens, score with the registration scorer) with two
 * threads and, as the baseline in the same run, with one; checks the two
 * answers are equal (exit 1 if not); prints the times, their ratio, the
 * pairs found, and recall and precision against the injected truth
 * (and, for comparison, under the registration warning's rule) (a
 * pair found that was not injected counts against precision even when
 * the synthetic generator made two look-alike people by chance).
 *
 *   build/bench/dupscan [N]   (the target: under 60 s at 100,000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clinic.h"
#include "core/dupscan.h"
#include "core/internal.h"
#include "core/patient.h"
#include "core/precord.h"
#include "core/session.h"
#include "core/synth.h"

#include "benchutil.h"

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/dupscan: %s: %s\n", what, why);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Make p a plausible second registration of the same person. */
static void perturb(patient_t *p, int kind)
{
	size_t n;
	switch (kind % 4) {
	case 0: /* the same again, no phones this time */
		p->f[PF_PHONE_HOME][0] = p->f[PF_PHONE_MOBILE][0] = '\0';
		break;
	case 1: /* two letters of the last name swapped */
		n = strlen(p->f[PF_LAST]);
		if (n >= 4) {
			char t = p->f[PF_LAST][n - 2];
			p->f[PF_LAST][n - 2] = p->f[PF_LAST][n - 3];
			p->f[PF_LAST][n - 3] = t;
		}
		break;
	case 2: /* the day of birth off by one */
		p->f[PF_DOB][9] = p->f[PF_DOB][9] == '1' ? '2' : '1';
		break;
	default: /* the first name cut short */
		n = strlen(p->f[PF_FIRST]);
		if (n > 3)
			p->f[PF_FIRST][n - 1] = '\0';
	}
}

typedef struct truth {
	int64_t a, b;
} truth_t;

static int has_pair(const dup_pair_t *v, int64_t n, int64_t a, int64_t b)
{
	int64_t lo = 0, hi = n;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (v[mid].prow_a < a || (v[mid].prow_a == a && v[mid].prow_b < b))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].prow_a == a && v[lo].prow_b == b;
}

int main(int argc, char **argv)
{
	int64_t n = argc > 1 ? atoll(argv[1]) : 100000, ninj = 0, saved = 0, found = 0;
	char dir[] = "/tmp/chartroom-dupscan.XXXXXX", path[256];
	config_t cfg;
	msg_t m;
	clinic_t *c = NULL;
	session_t *s = NULL;
	pbulk_t *b = NULL;
	patient_t *p = calloc(1, sizeof *p), *q = calloc(1, sizeof *q);
	truth_t *t = calloc((size_t)(n / 50 + 2), sizeof *t);
	dup_pair_t *base = NULL, *two = NULL;
	int64_t nbase = 0, ntwo = 0;
	dupscan_result_t rb, r2;
	dupscan_opts_t o1 = {1, NULL, NULL, 0}, o2 = {2, NULL, NULL, 0}, on = {2, NULL, NULL, 1};
	dup_pair_t *names = NULL;
	int64_t nnames = 0, found_names = 0;
	dupscan_result_t rn;
	double t0, tb, t2, load;
	int equal;

	if (n < 100)
		die("usage", "N is at least 100");
	if (!p || !q || !t)
		die("start", "out of memory");
	if (crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("start", m.text);
	if (!mkdtemp(dir))
		die("mkdtemp", dir);
	snprintf(path, sizeof path, "%s/dupscan.db", dir);
	bench_clinic("bench/dupscan", path, &cfg, &c, &s);

	t0 = now_s();
	if (pbulk_begin(s, "bench dupscan", &b, &m) != STATUS_OK)
		die("bulk", m.text);
	for (int64_t i = 0; i < n; i++) {
		synth_patient(20261207, i, p);
		*q = *p;
		if (pbulk_add(b, p, &m) != STATUS_OK)
			die("load", m.text);
		if (i % 50 == 0) {
			perturb(q, (int)ninj);
			if (pbulk_add(b, q, &m) != STATUS_OK)
				die("load duplicate", m.text);
			t[ninj].a = p->prow < q->prow ? p->prow : q->prow;
			t[ninj].b = p->prow < q->prow ? q->prow : p->prow;
			ninj++;
		}
	}
	if (pbulk_commit(b, &saved, &m) != STATUS_OK)
		die("commit", m.text);
	load = now_s() - t0;
	printf("dupscan: %lld patients (%lld originals, %lld injected duplicates) loaded in "
	       "%.1f s\n",
	       (long long)saved, (long long)n, (long long)ninj, load);

	/* The baseline: the same scorer over the same blocks, one thread. */
	t0 = now_s();
	if (dupscan_find(s, &o1, &base, &nbase, &rb, &m) != STATUS_OK)
		die("scan (1 thread)", m.text);
	tb = now_s() - t0;
	t0 = now_s();
	if (dupscan_find(s, &o2, &two, &ntwo, &r2, &m) != STATUS_OK)
		die("scan (2 threads)", m.text);
	t2 = now_s() - t0;
	if (dupscan_find(s, &on, &names, &nnames, &rn, &m) != STATUS_OK)
		die("scan (registration rule)", m.text);
	for (int64_t i = 0; i < ninj; i++)
		found_names += has_pair(names, nnames, t[i].a, t[i].b);
	equal = nbase == ntwo && (!ntwo || memcmp(base, two, (size_t)ntwo * sizeof *two) == 0);
	for (int64_t i = 0; i < ninj; i++)
		found += has_pair(two, ntwo, t[i].a, t[i].b);

	printf("scan, 2 threads:    %.2f s (read+decrypt+tokenise %.2f s of which reading "
	       "%.2f s, pairing %.2f s)\n",
	       t2, r2.tokens_s, r2.read_s, r2.pairs_s);
	printf("baseline, 1 thread: %.2f s (read+decrypt+tokenise %.2f s of which reading "
	       "%.2f s, pairing %.2f s)\n",
	       tb, rb.tokens_s, rb.read_s, rb.pairs_s);
	printf("ratio to baseline: %.2f (target: under 60 s at 100,000 patients)\n",
	       tb > 0 ? t2 / tb : 0.0);
	printf("pairs found: %lld; injected pairs found %lld of %lld: recall %.3f, precision "
	       "%.3f\n",
	       (long long)ntwo, (long long)found, (long long)ninj,
	       ninj ? (double)found / (double)ninj : 0.0,
	       ntwo ? (double)found / (double)ntwo : 0.0);
	printf("for comparison, the registration warning's rule (a full name and sex suffice): "
	       "%lld pairs, recall %.3f, precision %.3f\n",
	       (long long)nnames, ninj ? (double)found_names / (double)ninj : 0.0,
	       nnames ? (double)found_names / (double)nnames : 0.0);
	printf("answers equal to the baseline: %s\n", equal ? "yes" : "NO");
	printf("(machine shared with other jobs: %ld cores online; times are wall clock)\n",
	       sysconf(_SC_NPROCESSORS_ONLN));

	free(base);
	free(two);
	free(names);
	free(t);
	free(p);
	free(q);
	session_logout(s);
	clinic_close(c);
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench/dupscan: could not remove %s\n", dir);
	}
	return equal ? 0 : 1;
}
