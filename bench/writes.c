/* bench/writes.c - what synchronous=FULL costs a write: single-write
 * latency (registering a patient at the front desk, recording vitals)
 * and commits per second, and the bulk load rate, with synchronous=NORMAL
 * (SQLite's usual WAL setting, which loses reported commits at a power
 * cut: tests/crash) against FULL (what db_open sets), in the same run on
 * the same database.
 *
 * The single writes alternate between the two settings in blocks of 25,
 * so a busy moment of a shared machine falls on both alike. The bulk loads
 * each start from an empty database.
 *
 *   build/bench/writes            300 of each single write, 100,000 patients bulk
 *   BENCH_WRITES=100 BENCH_BULK=20000 build/bench/writes
 *
 * It reaches into core and db internals only to switch the pragma on the
 * clinic's connection: Chartroom itself offers no such switch. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/clinic.h"
#include "core/clinical.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/internal.h"
#include "core/patient.h"
#include "core/session.h"
#include "core/synth.h"
#include "core/users.h"
#include "db/db_internal.h"

#define ADMIN_PW "bench-admin-password"
#define FRONT_PW "bench-frontdesk-password"
#define NURSE_PW "bench-nurse-password"
#define HIM_PW "bench-him-clerk-password"
#define BLOCK 25

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/writes: %s: %s\n", what, why);
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof *v, dcmp);
	return v[(int)(p * (n - 1) + 0.5)];
}

static void set_sync(clinic_t *c, int full)
{
	if (sqlite3_exec(c->db->conn, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
			 NULL, NULL, NULL) != SQLITE_OK)
		die("pragma", sqlite3_errmsg(c->db->conn));
}

static session_t *sign_on(clinic_t *c, const char *name, const char *pw)
{
	session_t *s = NULL;
	login_info_t info;
	msg_t m;
	if (session_login(c, name, pw, &s, &info, &m) != STATUS_OK)
		die(name, m.text);
	return s;
}

static clinic_t *new_clinic(const char *path, const config_t *cfg)
{
	char rk[CRYPTO_RECOVERY_TEXT];
	clinic_t *c = NULL;
	session_t *s;
	msg_t m;
	unlink(path);
	if (clinic_init(path, cfg, "admin", ADMIN_PW, "Bench Clinic", rk, &m) != STATUS_OK ||
	    clinic_open(path, cfg, &c, &m) != STATUS_OK)
		die("set-up", m.text);
	s = sign_on(c, "admin", ADMIN_PW);
	if (users_add(s, "front", "frontdesk", FRONT_PW, &m) != STATUS_OK ||
	    users_add(s, "nurse", "nurse", NURSE_PW, &m) != STATUS_OK ||
	    users_add(s, "prov", "provider", "bench-provider-password", &m) != STATUS_OK ||
	    users_add(s, "him", "him", HIM_PW, &m) != STATUS_OK)
		die("users", m.text);
	session_logout(s);
	return c;
}

typedef struct series {
	double *lat;
	int n;
	double total;
} series_t;

static void report(const char *what, series_t *s)
{
	/* [0] NORMAL, [1] FULL */
	double p50[2], p99[2], cps[2];
	for (int k = 0; k < 2; k++) {
		cps[k] = s[k].n / (s[k].total / 1e3);
		p50[k] = pct(s[k].lat, s[k].n, 0.5);
		p99[k] = pct(s[k].lat, s[k].n, 0.99);
	}
	printf("%-18s NORMAL p50 %6.2f ms p99 %6.2f ms %6.0f commits/s | FULL p50 %6.2f ms p99 "
	       "%6.2f ms %6.0f commits/s | FULL/NORMAL p50 %.2f p99 %.2f commits/s %.2f\n",
	       what, p50[0], p99[0], cps[0], p50[1], p99[1], cps[1], p50[1] / p50[0],
	       p99[1] / p99[0], cps[1] / cps[0]);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *nw = getenv("BENCH_WRITES"), *nb = getenv("BENCH_BULK");
	int n = nw ? atoi(nw) : 300;
	long long bulk = nb ? atoll(nb) : 100000;
	char dir[512], path[600], type[48];
	config_t cfg;
	clinic_t *c;
	session_t *front, *nurse;
	patient_t *p = calloc(1, sizeof *p);
	series_t reg[2], vit[2];
	int64_t erow = 0;
	double bulk_rate[2];
	msg_t m;

	if (n < BLOCK * 2)
		n = BLOCK * 2;
	if (!p || crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("init", m.text);
	snprintf(dir, sizeof dir, "%s/chartroom-bench-writes.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		die("mkdtemp", strerror(errno));
	snprintf(path, sizeof path, "%s/writes.db", dir);
	c = new_clinic(path, &cfg);
	front = sign_on(c, "front", FRONT_PW);
	nurse = sign_on(c, "nurse", NURSE_PW);
	for (int k = 0; k < 2; k++) {
		reg[k].lat = calloc((size_t)n, sizeof(double));
		vit[k].lat = calloc((size_t)n, sizeof(double));
		reg[k].n = vit[k].n = 0;
		reg[k].total = vit[k].total = 0;
		if (!reg[k].lat || !vit[k].lat)
			die("memory", "out of memory");
	}
	/* A patient checked in, for the vitals. */
	synth_patient(3, 0, p);
	encounter_type(&cfg, 0, type, sizeof type);
	{
		pfield_t bad;
		if (patient_register(front, p, 1, &bad, &m) != STATUS_OK ||
		    encounter_checkin(front, p->id, type, "prov", "Room 1", NULL, &erow, &m) !=
			    STATUS_OK)
			die("set-up", m.text);
	}

	printf("Single writes: synchronous=NORMAL vs FULL, %d of each per setting, alternating "
	       "blocks of %d\n",
	       n, BLOCK);
	for (int i = 0; i < 2 * n; i++) {
		int full = (i / BLOCK) % 2;
		double t0, t1, t2;
		pfield_t bad;
		vitals_input_t in = {.bp = "120/80", .pulse = "72"};
		const char *vbad = NULL;
		set_sync(c, full);
		synth_patient(11, i, p);
		t0 = now_ms();
		if (patient_register(front, p, 1, &bad, &m) != STATUS_OK)
			die("register", m.text);
		t1 = now_ms();
		if (vitals_record(nurse, erow, &in, &vbad, &m) != STATUS_OK)
			die("vitals", m.text);
		t2 = now_ms();
		reg[full].lat[reg[full].n++] = t1 - t0;
		reg[full].total += t1 - t0;
		vit[full].lat[vit[full].n++] = t2 - t1;
		vit[full].total += t2 - t1;
	}
	report("register patient", reg);
	report("record vitals", vit);
	session_logout(nurse);
	session_logout(front);
	clinic_close(c);

	for (int full = 0; full < 2; full++) {
		session_t *him;
		int64_t made = 0;
		double t0;
		snprintf(path, sizeof path, "%s/bulk-%d.db", dir, full);
		c = new_clinic(path, &cfg);
		set_sync(c, full);
		him = sign_on(c, "him", HIM_PW);
		t0 = now_ms();
		if (synth_patients(him, bulk, 1, &made, &m) != STATUS_OK)
			die("bulk load", m.text);
		bulk_rate[full] = (double)made / ((now_ms() - t0) / 1e3);
		session_logout(him);
		clinic_close(c);
		unlink(path);
	}
	printf("bulk load %lld patients: NORMAL %.0f patients/s | FULL %.0f patients/s | "
	       "FULL/NORMAL %.2f\n",
	       bulk, bulk_rate[0], bulk_rate[1], bulk_rate[1] / bulk_rate[0]);

	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "bench/writes: could not remove %s\n", dir);
	for (int k = 0; k < 2; k++) {
		free(reg[k].lat);
		free(vit[k].lat);
	}
	sodium_memzero(p, sizeof *p);
	free(p);
	return 0;
}
