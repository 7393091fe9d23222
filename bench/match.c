/* bench/match.c - duplicate detection quality on labelled records:
 * FEBRL dataset1 (500 originals, 500 duplicates with typos, swaps and
 * missing fields; rec-N-org and rec-N-dup-k are the same person).
 *
 * Every record is loaded into a Chartroom database; then, for each one,
 * the registration duplicate check (blind-index tokens only) scores the
 * others. A pair is flagged when its score reaches the threshold. Prints
 * precision and recall of flagged pairs at the configured threshold and
 * at its neighbours, and the time per check.
 *
 *   build/bench/match [FILE]   (default ../shared/data/febrl/dataset1.csv)
 *
 * FEBRL has no phone or sex; its postcodes are Australian (4 digits) and
 * its soc_sec_id has 7 digits: the last 4 stand in for SSN last four. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clinic.h"
#include "core/csv.h"
#include "core/internal.h"
#include "core/patient.h"
#include "core/precord.h"
#include "core/session.h"
#include "core/users.h"

#include "benchutil.h"

#define MAXREC 20000

typedef struct rec {
	int person;   /* N of rec-N-... */
	int64_t prow; /* where it was stored */
} rec_t;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/match: %s: %s\n", what, why);
	exit(1);
}

static void trim(char *s)
{
	char *a = s, *e;
	while (*a == ' ')
		a++;
	memmove(s, a, strlen(a) + 1);
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		*--e = '\0';
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : "../shared/data/febrl/dataset1.csv";
	char dir[] = "/tmp/chartroom-match.XXXXXX", path[256];
	config_t cfg;
	msg_t m;
	clinic_t *c = NULL;
	session_t *s = NULL;
	FILE *f;
	csv_t *csv;
	char **v;
	int n, nrec = 0;
	long line;
	rec_t *recs = calloc(MAXREC, sizeof *recs);
	patient_t *ps = calloc(MAXREC, sizeof *ps);
	pbulk_t *b = NULL;
	int64_t saved;
	/* flagged[score] counts pairs whose best score is exactly score */
	long tp_at[201] = {0}, fp_at[201] = {0}, true_pairs = 0;
	/* The same under the import rule: a pair counts only when it also
	 * shares the date of birth (whole or a part pair) or the SSN's last
	 * four (core/pmatch.h), as `import patients` requires. */
	long itp_at[201] = {0}, ifp_at[201] = {0};
	double t0, t1;

	if (!recs || !ps)
		die("start", "out of memory");
	if (!(f = fopen(file, "r"))) {
		fprintf(stderr, "bench/match: %s not found: the FEBRL reference data lives in "
				"../shared/data (see its README); skipping.\n",
			file);
		return 0;
	}
	if (crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("start", m.text);
	if (!mkdtemp(dir))
		die("mkdtemp", dir);
	snprintf(path, sizeof path, "%s/match.db", dir);
	bench_clinic("bench/match", path, &cfg, &c, &s);

	csv = csv_new(f);
	if (csv_next(csv, &v, &n, &line, &m) != STATUS_OK)
		die(file, "no header");
	if (pbulk_begin(s, "febrl", &b, &m) != STATUS_OK)
		die("bulk", m.text);
	while (nrec < MAXREC && csv_next(csv, &v, &n, &line, &m) == STATUS_OK) {
		patient_t *p = &ps[nrec];
		char dob[16];
		if (n < 11)
			continue;
		for (int i = 0; i < n; i++)
			trim(v[i]);
		memset(p, 0, sizeof *p);
		recs[nrec].person = atoi(v[0] + 4); /* "rec-123-org" */
		snprintf(p->f[PF_FIRST], sizeof p->f[PF_FIRST], "%s", v[1]);
		snprintf(p->f[PF_LAST], sizeof p->f[PF_LAST], "%s", v[2]);
		snprintf(p->f[PF_ADDR1], sizeof p->f[PF_ADDR1], "%s %s", v[3], v[4]);
		if (strlen(v[7]) == 4)
			snprintf(p->f[PF_ZIP], sizeof p->f[PF_ZIP], "0%s", v[7]);
		snprintf(dob, sizeof dob, "%s", v[9]);
		if (strlen(dob) == 8)
			snprintf(p->f[PF_DOB], sizeof p->f[PF_DOB], "%.4s-%.2s-%.2s", dob, dob + 4,
				 dob + 6);
		snprintf(p->f[PF_SSN], sizeof p->f[PF_SSN], "%s", v[10]);
		if (pbulk_add(b, p, &m) != STATUS_OK)
			die("load", m.text);
		recs[nrec].prow = p->prow;
		nrec++;
	}
	if (pbulk_commit(b, &saved, &m) != STATUS_OK)
		die("commit", m.text);
	csv_free(csv);
	fclose(f);

	for (int i = 0; i < nrec; i++)
		for (int j = i + 1; j < nrec; j++)
			true_pairs += recs[i].person == recs[j].person;

	/* Score every record against the rest with the threshold at 1, keep
	 * each unordered pair's score once. */
	{
		config_t *wide = (config_t *)(uintptr_t)s->c->cfg;
		int keep = wide->match_threshold;
		patient_match_t out[PATIENT_MATCH_MAX];
		wide->match_threshold = 1;
		t0 = now_ms();
		for (int i = 0; i < nrec; i++) {
			int k = 0;
			if (patient_find_duplicates(s, &ps[i], out, PATIENT_MATCH_MAX, &k, &m) !=
			    STATUS_OK)
				die("match", m.text);
			for (int x = 0; x < k; x++) {
				int j;
				for (j = 0; j < nrec && recs[j].prow != out[x].prow; j++)
					;
				if (j >= nrec || j < i)
					continue; /* count each pair from its lower index */
				int sc = out[x].score > 200 ? 200 : out[x].score;
				int imp = strstr(out[x].why, "DOB") || strstr(out[x].why, "SSN last 4");
				if (recs[i].person == recs[j].person) {
					tp_at[sc]++;
					itp_at[sc] += imp;
				} else {
					fp_at[sc]++;
					ifp_at[sc] += imp;
				}
			}
		}
		t1 = now_ms();
		wide->match_threshold = keep;
	}
	printf("Duplicate warning on FEBRL dataset1: %d records, %ld true duplicate pairs\n", nrec,
	       true_pairs);
	printf("(scored on blind-index tokens only; %.2f ms per registration check)\n\n",
	       (t1 - t0) / nrec);
	printf("  threshold   flagged   true   false   precision   recall\n");
	for (int th = cfg.match_threshold - 3; th <= cfg.match_threshold + 3; th++) {
		long tp = 0, fp = 0;
		if (th < 1)
			continue;
		for (int sc = th; sc <= 200; sc++) {
			tp += tp_at[sc];
			fp += fp_at[sc];
		}
		printf("  %9d%s %8ld %6ld %7ld   %9.3f   %6.3f\n", th,
		       th == cfg.match_threshold ? "*" : " ", tp + fp, tp, fp,
		       tp + fp ? (double)tp / (double)(tp + fp) : 0.0,
		       true_pairs ? (double)tp / (double)true_pairs : 0.0);
	}
	printf("  (* the configured [matching] threshold)\n");
	printf("\nUnder the import rule (DOB whole or two parts, or SSN last 4, also shared):\n");
	printf("  threshold   flagged   true   false   precision   recall\n");
	for (int th = cfg.match_threshold - 1; th <= cfg.match_threshold + 1; th++) {
		long tp = 0, fp = 0;
		for (int sc = th; sc <= 200; sc++) {
			tp += itp_at[sc];
			fp += ifp_at[sc];
		}
		printf("  %9d%s %8ld %6ld %7ld   %9.3f   %6.3f\n", th,
		       th == cfg.match_threshold ? "*" : " ", tp + fp, tp, fp,
		       tp + fp ? (double)tp / (double)(tp + fp) : 0.0,
		       true_pairs ? (double)tp / (double)true_pairs : 0.0);
	}
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
	free(recs);
	free(ps);
	return 0;
}
