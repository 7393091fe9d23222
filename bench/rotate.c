/* bench/rotate.c - key rotation (core/rotate.h) on synthetic patients:
 * how many patients per second each key's rotation gets through, with a
 * share of them having charts (an encounter with a reason for visit,
 * vitals, an allergy, a medication and a signed note), in batches of the
 * default size, one process, on this machine.
 *
 *   build/bench/rotate                      100,000 patients, 1,000 charts
 *   BENCH_PATIENTS=20000 BENCH_CHARTS=200 build/bench/rotate */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clinic.h"
#include "core/clinical.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/patient.h"
#include "core/rotate.h"
#include "core/session.h"
#include "core/synth.h"
#include "core/users.h"

#define ADMIN_PW "bench-admin-password"
#define NURSE_PW "bench-nurse-password-rot"
#define PROV_PW "bench-provider-password-r"
#define FRONT_PW "bench-frontdesk-password"
#define HIM_PW "bench-him-clerk-password"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const msg_t *m)
{
	fprintf(stderr, "bench/rotate: %s: %s\n", what, m->text);
	exit(1);
}

static session_t *login(clinic_t *c, const char *name, const char *pw)
{
	session_t *s = NULL;
	login_info_t info;
	msg_t m;
	if (session_login(c, name, pw, &s, &info, &m) != STATUS_OK)
		die("sign-on", &m);
	return s;
}

static long env_num(const char *name, long def)
{
	const char *v = getenv(name);
	return v && *v ? atol(v) : def;
}

int main(void)
{
	long patients = env_num("BENCH_PATIENTS", 100000), charts = env_num("BENCH_CHARTS", 1000);
	char dir[] = "/tmp/chartroom-bench-rotate.XXXXXX", path[256], rk[CRYPTO_RECOVERY_TEXT];
	static const char *const keys[] = {"demo", "clin", "index", "audit"};
	static const domain_t doms[] = {DOMAIN_DEMO, DOMAIN_CLIN, DOMAIN_INDEX, DOMAIN_AUDIT};
	config_t cfg;
	clinic_t *c = NULL;
	session_t *admin, *front, *nurse, *prov, *him;
	int64_t made = 0;
	msg_t m;
	double t;

	if (crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("start", &m);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/bench.db", dir);
	if (clinic_init(path, &cfg, "admin", ADMIN_PW, "Bench Clinic", rk, &m) != STATUS_OK ||
	    clinic_open(path, &cfg, &c, &m) != STATUS_OK)
		die("set-up", &m);
	admin = login(c, "admin", ADMIN_PW);
	if (users_add(admin, "front", "frontdesk", FRONT_PW, &m) != STATUS_OK ||
	    users_add(admin, "nurse", "nurse", NURSE_PW, &m) != STATUS_OK ||
	    users_add(admin, "prov", "provider", PROV_PW, &m) != STATUS_OK ||
	    users_add(admin, "him", "him", HIM_PW, &m) != STATUS_OK)
		die("users", &m);
	front = login(c, "front", FRONT_PW);
	nurse = login(c, "nurse", NURSE_PW);
	prov = login(c, "prov", PROV_PW);
	him = login(c, "him", HIM_PW);
	t = now_s();
	for (long i = 0; i < charts; i++) {
		patient_t p;
		int64_t erow = 0, row = 0, nrow = 0;
		const char *bad = NULL;
		pfield_t badf = PF_COUNT;
		vitals_input_t v = {"120/80", "70", NULL, NULL, NULL, "170cm", "70kg"};
		synth_patient(99, i, &p);
		p.confidential = 0; /* no break-the-glass in the way */
		if (patient_register(front, &p, 1, &badf, &m) != STATUS_OK ||
		    encounter_checkin(front, p.id, "office visit", "prov", "Room 5",
				      "Headache since Monday", &erow, &m) != STATUS_OK ||
		    vitals_record(nurse, erow, &v, &bad, &m) != STATUS_OK ||
		    allergy_add(nurse, p.id, "Aspirin", "Wheeze", "moderate", &row, &m) != STATUS_OK ||
		    medication_add(nurse, p.id, "Sumatriptan", "50 mg", "PO", "once at onset",
				   "2025-01-02", &row, &m) != STATUS_OK ||
		    note_create(prov, erow, 0, "Migraine with photophobia; rest advised.", &nrow, &m) !=
			    STATUS_OK ||
		    note_sign(prov, nrow, 0, &m) != STATUS_OK)
			die("charts", &m);
	}
	if (synth_patients(him, patients > charts ? patients - charts : 0, 7, &made, &m) != STATUS_OK)
		die("patients", &m);
	printf("key rotation: %ld patients, %ld of them with a chart (encounter and reason for "
	       "visit, vitals, allergy, medication, signed note); set up in %.1f s\n",
	       charts + (long)made, charts, now_s() - t);
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		rotate_opts_t o;
		rotate_progress_t p;
		double secs;
		memset(&o, 0, sizeof o);
		t = now_s();
		if (rotate_key(admin, doms[k], &o, &p, &m) != STATUS_OK || !p.done)
			die(keys[k], &m);
		secs = now_s() - t;
		if (doms[k] == DOMAIN_AUDIT)
			printf("  %-5s %7.2f s  (the policy and the accounts re-MAC'd; no entry is "
			       "rewritten)\n",
			       keys[k], secs);
		else
			printf("  %-5s %7.2f s  %8.0f patients/s  (%lld patients looked at, %lld "
			       "patients rows or charts rewritten, batches of %d)\n",
			       keys[k], secs, secs > 0 ? (double)p.patients / secs : 0.0,
			       (long long)p.patients, (long long)p.changed,
			       doms[k] == DOMAIN_INDEX ? ROTATE_INDEX_BATCH : ROTATE_BATCH);
	}
	{
		char fresh[CRYPTO_RECOVERY_TEXT];
		t = now_s();
		if (rotate_recovery(admin, rk, fresh, &m) != STATUS_OK)
			die("recovery", &m);
		printf("  recovery key %.2f s\n", now_s() - t);
	}
	session_logout(him);
	session_logout(prov);
	session_logout(nurse);
	session_logout(front);
	session_logout(admin);
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
