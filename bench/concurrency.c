/* bench/concurrency.c - many users at once (README "Many users at once").
 *
 * 20 processes, each one staff member signed on once through the real
 * core (7 front desk, 7 nurses, 6 HIM clerks), do mixed work: search,
 * open a chart, register, check in, record vitals, write a note, code an
 * encounter. First alone for BENCH_SECONDS, then while another process
 * imports BENCH_IMPORT patients from a CSV file. Printed: commands per
 * second, p50/p99 per kind, errors, lost updates (every success each
 * process reported is in the database), audit entries missing or doubled
 * (each process's own count of audited actions against the trail), and
 * the searches' p99 during the import.
 *
 *   build/bench/concurrency
 *   BENCH_SECONDS=10 BENCH_IMPORT=30000 BENCH_BASE=5000 build/bench/concurrency
 *
 * Exits non-zero when there are errors, lost updates or audit
 * mismatches. Argon2id stays at its floor cost (the configured default):
 * each process pays it once, at its sign-on. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "core/audit.h"
#include "core/clinical.h"
#include "core/coding.h"
#include "core/import.h"
#include "core/patient.h"
#include "core/patient_search.h"
#include "core/pindex.h"
#include "core/synth.h"

#define NPROC 20
#define NFD 7
#define NNURSE 7
#define NHIM (NPROC - NFD - NNURSE)
#define HIM_ENC 10 /* encounters each HIM clerk codes */
#define SEED 1
#define PW "bench-staff-password-long-enough"

enum { K_SIGNON, K_SEARCH, K_OPEN, K_REGISTER, K_CHECKIN, K_VITALS, K_NOTE, K_CODING, NKIND };
static const char *const kind_name[NKIND] = {"sign-on",  "search", "open chart", "register",
					     "check in", "vitals", "note",	 "coding"};
/* Latency histogram: bucket i holds times up to 2^(i/16) us (4 % apart). */
#define NB 512
typedef struct hist {
	uint64_t n;
	uint64_t b[NB];
} hist_t;

enum { R_FD, R_NURSE, R_HIM };

typedef struct child {
	char user[16];
	int role;
	hist_t h[2][NKIND];
	uint64_t errors[2];
	char first_error[600];
	/* what it saved (checked against the database at the end) */
	int64_t registered, checkins, vitals, notes;
	int64_t nurse_erow;
	int64_t erow[HIM_ENC];
	int dx[HIM_ENC];
	int removing[HIM_ENC];
	/* what it did that the audit trail must hold, once each */
	int64_t a_login, a_logout, a_search, a_open, a_register, a_checkin, a_vitals, a_note,
		a_coding;
	volatile int ready, done;
} child_t;

typedef struct shared {
	volatile int phase; /* 0 sign on, 1 alone, 2 between, 3 during the import, 4 end */
	volatile int import_started, import_done;
	double import_secs;
	int64_t import_count;
	char import_err[600];
	child_t ch[NPROC];
} shared_t;

static shared_t *sh;
static const char *const codes[] = {"B34.9", "D64.9", "E03.9", "E11.21", "E11.9",
				    "E78.5", "F17.210", "E55.9"};
#define NCODES (int)(sizeof codes / sizeof codes[0])

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/concurrency: %s: %s\n", what, why);
	exit(1);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	return v && *v && atol(v) > 0 ? atol(v) : dflt;
}

static void hist_add(hist_t *h, double secs)
{
	double us = secs * 1e6;
	int i = us <= 1 ? 0 : (int)ceil(log2(us) * 16);
	if (i >= NB)
		i = NB - 1;
	h->b[i]++;
	h->n++;
}

/* The q-quantile in milliseconds (the bucket's upper bound). */
static double hist_q(const hist_t *h, double q)
{
	uint64_t want = (uint64_t)ceil(q * (double)h->n), seen = 0;
	if (!h->n)
		return 0;
	if (want < 1)
		want = 1;
	for (int i = 0; i < NB; i++) {
		seen += h->b[i];
		if (seen >= want)
			return pow(2.0, i / 16.0) / 1000.0;
	}
	return pow(2.0, (NB - 1) / 16.0) / 1000.0;
}

static uint64_t xs(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

static void fail_op(child_t *c, int phase, const char *what, const msg_t *m)
{
	c->errors[phase]++;
	if (!c->first_error[0])
		snprintf(c->first_error, sizeof c->first_error, "%s: %s", what, m->text);
}

/* ---- one staff member ---------------------------------------------------- */

typedef struct work {
	child_t *c;
	session_t *s;
	uint64_t r;
	int64_t base;
	char ids[16][33]; /* charts seen in searches (not confidential) */
	int nids;
	int64_t made;
} work_t;

static void query_text(work_t *w, char *q, size_t size)
{
	patient_t p;
	char last[128], first[128];
	int64_t k = (int64_t)(xs(&w->r) % (uint64_t)w->base);
	synth_patient(SEED, k, &p);
	pindex_fold(p.f[PF_LAST], last, sizeof last);
	pindex_fold(p.f[PF_FIRST], first, sizeof first);
	switch (xs(&w->r) % 3) {
	case 0:
		snprintf(q, size, "%.3s", last);
		break;
	case 1:
		snprintf(q, size, "%s", p.f[PF_DOB]);
		break;
	default:
		snprintf(q, size, "%s, %.2s", last, first);
	}
}

static void do_search(work_t *w, int ph)
{
	char q[160];
	patient_list_t *l = NULL;
	msg_t m;
	double t0;
	query_text(w, q, sizeof q);
	t0 = now_s();
	if (patient_search(w->s, q, 50, &l, &m) != STATUS_OK) {
		fail_op(w->c, ph, "search", &m);
		return;
	}
	hist_add(&w->c->h[ph][K_SEARCH], now_s() - t0);
	w->c->a_search++;
	for (int i = 0; i < patient_list_count(l) && i < 4; i++) {
		const patient_row_t *row = patient_list_row(l, i);
		if (row->confidential)
			continue;
		snprintf(w->ids[w->nids % 16], sizeof w->ids[0], "%s", row->id);
		w->nids++;
	}
	patient_list_free(l);
}

static const char *some_chart(work_t *w, int ph)
{
	while (w->nids == 0)
		do_search(w, ph);
	return w->ids[xs(&w->r) % (uint64_t)(w->nids < 16 ? w->nids : 16)];
}

static void do_open(work_t *w, int ph)
{
	patient_t p;
	msg_t m;
	const char *id = some_chart(w, ph);
	double t0 = now_s();
	status_t st = patient_open(w->s, id, NULL, &p, &m);
	memset(&p, 0, sizeof p);
	if (st != STATUS_OK) {
		fail_op(w->c, ph, "open chart", &m);
		return;
	}
	hist_add(&w->c->h[ph][K_OPEN], now_s() - t0);
	w->c->a_open++;
}

static void do_register(work_t *w, int ph, int idx)
{
	patient_t p;
	pfield_t bad;
	msg_t m;
	double t0;
	/* Its own synthetic people (another seed per process). */
	synth_patient(1000 + (uint64_t)idx, w->made++, &p);
	p.confidential = 0;
	t0 = now_s();
	if (patient_register(w->s, &p, 1, &bad, &m) != STATUS_OK) {
		fail_op(w->c, ph, "register", &m);
		return;
	}
	hist_add(&w->c->h[ph][K_REGISTER], now_s() - t0);
	w->c->registered++;
	w->c->a_register++;
}

static void do_checkin(work_t *w, int ph)
{
	int64_t erow = 0;
	msg_t m;
	const char *id = some_chart(w, ph);
	double t0 = now_s();
	if (encounter_checkin(w->s, id, "office visit", "prov", "Room 2", "", &erow, &m) !=
	    STATUS_OK) {
		fail_op(w->c, ph, "check in", &m);
		return;
	}
	hist_add(&w->c->h[ph][K_CHECKIN], now_s() - t0);
	w->c->checkins++;
	w->c->a_checkin++;
}

static void do_vitals(work_t *w, int ph)
{
	vitals_input_t in = {"118/76", "72", "16", "98.6F", "98", NULL, NULL};
	const char *bad = NULL;
	msg_t m;
	double t0 = now_s();
	if (vitals_record(w->s, w->c->nurse_erow, &in, &bad, &m) != STATUS_OK) {
		fail_op(w->c, ph, "vitals", &m);
		return;
	}
	hist_add(&w->c->h[ph][K_VITALS], now_s() - t0);
	w->c->vitals++;
	w->c->a_vitals++;
}

static void do_note(work_t *w, int ph)
{
	int64_t nrow = 0;
	msg_t m;
	double t0 = now_s();
	if (note_create(w->s, w->c->nurse_erow, 0,
			"Resting comfortably. Vitals stable. Call light within reach.", &nrow,
			&m) != STATUS_OK) {
		fail_op(w->c, ph, "note", &m);
		return;
	}
	hist_add(&w->c->h[ph][K_NOTE], now_s() - t0);
	w->c->notes++;
	w->c->a_note++;
}

/* Add its encounter's diagnoses one by one up to eight, then remove them
 * one by one; the count it keeps must be the database's at the end. */
static void do_coding(work_t *w, int ph)
{
	child_t *c = w->c;
	int e = (int)(xs(&w->r) % HIM_ENC);
	msg_t m;
	status_t st;
	double t0 = now_s();
	if (!c->removing[e] && c->dx[e] < NCODES)
		st = coding_add_dx(w->s, c->erow[e], codes[c->dx[e]], &m);
	else
		st = coding_remove_dx(w->s, c->erow[e], c->dx[e], &m);
	if (st != STATUS_OK) {
		fail_op(c, ph, "coding", &m);
		return;
	}
	hist_add(&c->h[ph][K_CODING], now_s() - t0);
	c->a_coding++;
	if (!c->removing[e]) {
		if (++c->dx[e] == NCODES)
			c->removing[e] = 1;
	} else if (--c->dx[e] == 0) {
		c->removing[e] = 0;
	}
}

static void one_command(work_t *w, int ph, int idx)
{
	unsigned d = (unsigned)(xs(&w->r) % 100);
	switch (w->c->role) {
	case R_FD:
		if (d < 60)
			do_search(w, ph);
		else if (d < 80)
			do_open(w, ph);
		else if (d < 94)
			do_register(w, ph, idx);
		else
			do_checkin(w, ph);
		break;
	case R_NURSE:
		if (d < 40)
			do_search(w, ph);
		else if (d < 60)
			do_open(w, ph);
		else if (d < 85)
			do_vitals(w, ph);
		else
			do_note(w, ph);
		break;
	default:
		if (d < 30)
			do_search(w, ph);
		else if (d < 50)
			do_open(w, ph);
		else
			do_coding(w, ph);
	}
}

static void run_child(const char *db, const config_t *cfg, int idx, int64_t base)
{
	child_t *c = &sh->ch[idx];
	clinic_t *clinic = NULL;
	login_info_t info;
	work_t w;
	msg_t m;
	double t0;

	memset(&w, 0, sizeof w);
	w.c = c;
	w.base = base;
	w.r = 0x9E3779B97F4A7C15ull * (uint64_t)(idx + 1);
	if (clinic_open(db, cfg, &clinic, &m) != STATUS_OK)
		die("clinic_open", m.text);
	t0 = now_s();
	if (session_login(clinic, c->user, PW, &w.s, &info, &m) != STATUS_OK) {
		fail_op(c, 0, "sign-on", &m);
		c->ready = 1;
		c->done = 1;
		clinic_close(clinic);
		_exit(0);
	}
	hist_add(&c->h[0][K_SIGNON], now_s() - t0);
	c->a_login++;
	c->ready = 1;
	while (sh->phase == 0)
		usleep(1000);
	while (sh->phase == 1)
		one_command(&w, 0, idx);
	while (sh->phase == 2)
		usleep(1000);
	while (sh->phase == 3)
		one_command(&w, 1, idx);
	session_logout(w.s);
	c->a_logout++;
	if (clinic_flush_audit(clinic, &m) != STATUS_OK)
		fail_op(c, 1, "sign-off", &m);
	clinic_close(clinic);
	c->done = 1;
	_exit(0);
}

static void run_importer(const char *db, const config_t *cfg, const char *csv)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	login_info_t info;
	import_report_t rep;
	msg_t m;
	double t0;
	if (clinic_open(db, cfg, &clinic, &m) != STATUS_OK ||
	    session_login(clinic, "imp", PW, &s, &info, &m) != STATUS_OK) {
		snprintf(sh->import_err, sizeof sh->import_err, "%s", m.text);
		sh->import_done = 1;
		_exit(1);
	}
	sh->import_started = 1;
	t0 = now_s();
	if (import_patients(s, csv, 0, &rep, NULL, NULL, NULL, &m) != STATUS_OK)
		snprintf(sh->import_err, sizeof sh->import_err, "%s", m.text);
	sh->import_secs = now_s() - t0;
	sh->import_count = rep.imported;
	session_logout(s);
	clinic_close(clinic);
	sh->import_done = 1;
	_exit(0);
}

/* ---- set-up ------------------------------------------------------------- */

static void write_import_csv(const char *path, long n)
{
	FILE *f = fopen(path, "w");
	patient_t p;
	if (!f)
		die("import file", strerror(errno));
	fprintf(f, "last_name,first_name,middle_name,dob,sex,address1,city,state,zip,"
		   "phone_home,phone_mobile,email\n");
	for (long i = 0; i < n; i++) {
		synth_patient(424242, i, &p);
		fprintf(f, "\"%s\",\"%s\",\"%s\",%s,%s,\"%s\",\"%s\",%s,%s,%s,%s,%s\n", p.f[PF_LAST],
			p.f[PF_FIRST], p.f[PF_MIDDLE], p.f[PF_DOB], p.f[PF_SEX], p.f[PF_ADDR1],
			p.f[PF_CITY], p.f[PF_STATE], p.f[PF_ZIP], p.f[PF_PHONE_HOME],
			p.f[PF_PHONE_MOBILE], p.f[PF_EMAIL]);
	}
	if (fclose(f) != 0)
		die("import file", strerror(errno));
}

static void must(status_t st, const char *what, const msg_t *m)
{
	if (st != STATUS_OK)
		die(what, m->text);
}

static void setup(const char *db, const config_t *cfg, long base, const char *root)
{
	clinic_t *c = NULL;
	session_t *admin, *fd, *prov, *him;
	login_info_t info;
	int64_t made;
	msg_t m;
	char codefile[4200];
	codes_import_report_t crep;

	must(clinic_init(db, cfg, "admin", BENCH_ADMIN_PW, "Bench Clinic", codefile, &m), "init", &m);
	must(clinic_open(db, cfg, &c, &m), "open", &m);
	must(session_login(c, "admin", BENCH_ADMIN_PW, &admin, &info, &m), "sign-on", &m);
	for (int i = 0; i < NPROC; i++) {
		child_t *ch = &sh->ch[i];
		ch->role = i < NFD ? R_FD : i < NFD + NNURSE ? R_NURSE : R_HIM;
		snprintf(ch->user, sizeof ch->user, "%s%02d",
			 ch->role == R_FD ? "fd" : ch->role == R_NURSE ? "nu" : "him", i + 1);
		must(users_add(admin, ch->user,
			       ch->role == R_FD ? "frontdesk" : ch->role == R_NURSE ? "nurse" : "him",
			       PW, &m),
		     "user add", &m);
	}
	must(users_add(admin, "prov", "provider", PW, &m), "user add", &m);
	must(users_add(admin, "imp", "him", PW, &m), "user add", &m);
	must(users_add(admin, "loader", "him", PW, &m), "user add", &m);
	must(users_add(admin, "auditor", "privacy", PW, &m), "user add", &m);
	session_logout(admin);

	must(session_login(c, "loader", PW, &him, &info, &m), "sign-on", &m);
	must(synth_patients(him, base, SEED, &made, &m), "base patients", &m);
	snprintf(codefile, sizeof codefile, "%s/assets/codes/icd10cm-sample.txt", root);
	must(codes_import(him, CS_ICD10CM, codefile, "SAMPLE", "2020-10-01", &crep, &m),
	     "code set", &m);
	session_logout(him);

	/* Encounters: one open for each nurse, ten closed for each clerk. */
	must(session_login(c, "prov", PW, &prov, &info, &m), "sign-on", &m);
	must(session_login(c, "fd01", PW, &fd, &info, &m), "sign-on", &m);
	for (int i = 0; i < NPROC; i++) {
		child_t *ch = &sh->ch[i];
		int n = ch->role == R_NURSE ? 1 : ch->role == R_HIM ? HIM_ENC : 0;
		for (int k = 0; k < n; k++) {
			patient_t p;
			pfield_t bad;
			int64_t erow;
			synth_patient(99, i * 100 + k, &p);
			p.confidential = 0;
			must(patient_register(fd, &p, 1, &bad, &m), "register", &m);
			must(encounter_checkin(fd, p.id, "office visit", "prov", "Room 1", "", &erow,
					       &m),
			     "check in", &m);
			if (ch->role == R_NURSE) {
				ch->nurse_erow = erow;
			} else {
				must(encounter_close(prov, erow, &m), "close", &m);
				ch->erow[k] = erow;
			}
		}
	}
	session_logout(fd);
	session_logout(prov);
	clinic_close(c);
}

/* ---- checks at the end ---------------------------------------------------- */

static int64_t sql_count(sqlite3 *db, const char *sql, const char *a, int64_t b)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		die("check", sqlite3_errmsg(db));
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, b);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

struct tokens {
	const char *user;
	int64_t n;
};

static int count_tokens(const audit_entry_t *e, void *arg)
{
	struct tokens *t = arg;
	if (strcmp(e->action, "patient_search") == 0 && strcmp(e->user_name, t->user) == 0)
		for (const char *p = e->detail; (p = strchr(p, ':')) != NULL; p++)
			t->n++;
	return 0;
}

static void diff(int64_t want, int64_t have, int64_t *missing, int64_t *doubled,
		 const char *user, const char *what)
{
	if (have != want)
		printf("  %s: %s audited %" PRId64 " times, done %" PRId64 " times\n", user, what,
		       have, want);
	if (have < want)
		*missing += want - have;
	else
		*doubled += have - want;
}

int main(void)
{
	config_t cfg;
	msg_t m;
	char dir[] = "/tmp/chartroom-bench-conc.XXXXXX", db[256], csv[256], root[4000];
	long secs = env_long("BENCH_SECONDS", 60), nimport = env_long("BENCH_IMPORT", 300000),
	     base = env_long("BENCH_BASE", 20000);
	pid_t pids[NPROC], imp;
	double t_a0, t_a1, t_b0, t_b1;
	int64_t lost = 0, missing = 0, doubled = 0, errors = 0, count;
	int64_t bad_seq;
	const char *tmp = getenv("TMPDIR");

	if (crypto_init(&m) != STATUS_OK || config_defaults(&cfg, &m) != STATUS_OK)
		die("start", m.text);
	if (!getcwd(root, sizeof root))
		die("start", strerror(errno));
	if (getenv("BENCH_ROOT"))
		snprintf(root, sizeof root, "%s", getenv("BENCH_ROOT"));
	(void)tmp;
	if (!mkdtemp(dir))
		die("mkdtemp", strerror(errno));
	snprintf(db, sizeof db, "%s/clinic.db", dir);
	snprintf(csv, sizeof csv, "%s/import.csv", dir);
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap", strerror(errno));
	memset(sh, 0, sizeof *sh);

	printf("Many users at once: %d processes (%d front desk, %d nurses, %d HIM clerks), "
	       "each signed on once\n",
	       NPROC, NFD, NNURSE, NHIM);
	printf("%ld patients to start with; %ld s alone, then during an import of %ld patients\n",
	       base, secs, nimport);
	fflush(stdout);
	setup(db, &cfg, base, root);
	write_import_csv(csv, nimport);

	for (int i = 0; i < NPROC; i++) {
		fflush(NULL);
		if ((pids[i] = fork()) < 0)
			die("fork", strerror(errno));
		if (pids[i] == 0)
			run_child(db, &cfg, i, base);
	}
	for (int i = 0; i < NPROC; i++)
		while (!sh->ch[i].ready)
			usleep(10000);

	/* Alone. */
	t_a0 = now_s();
	sh->phase = 1;
	sleep((unsigned)secs);
	sh->phase = 2;
	t_a1 = now_s();

	/* During the import: from its start to its end. */
	fflush(NULL);
	if ((imp = fork()) < 0)
		die("fork", strerror(errno));
	if (imp == 0)
		run_importer(db, &cfg, csv);
	while (!sh->import_started && !sh->import_done)
		usleep(1000);
	t_b0 = now_s();
	sh->phase = 3;
	while (!sh->import_done)
		usleep(10000);
	t_b1 = now_s();
	sh->phase = 4;
	waitpid(imp, NULL, 0);
	for (int i = 0; i < NPROC; i++)
		waitpid(pids[i], NULL, 0);

	/* Figures. */
	for (int ph = 0; ph < 2; ph++) {
		uint64_t total = 0, errs = 0;
		double dur = ph ? t_b1 - t_b0 : t_a1 - t_a0;
		for (int i = 0; i < NPROC; i++) {
			for (int k = 1; k < NKIND; k++)
				total += sh->ch[i].h[ph][k].n;
			errs += sh->ch[i].errors[ph];
		}
		errors += (int64_t)errs;
		if (ph == 0)
			printf("\n== alone, %.0f s: %" PRIu64 " commands, %.0f commands/s, errors %" PRIu64
			       "\n",
			       dur, total, (double)total / dur, errs);
		else
			printf("\n== during the import of %" PRId64 " patients (%.1f s, %.0f patients/s): "
			       "%" PRIu64 " commands, %.0f commands/s, errors %" PRIu64 "\n",
			       sh->import_count, sh->import_secs,
			       sh->import_secs > 0 ? (double)sh->import_count / sh->import_secs : 0,
			       total, (double)total / dur, errs);
		printf("  %-12s %8s %10s %10s\n", "", "count", "p50 ms", "p99 ms");
		for (int k = ph ? 1 : 0; k < NKIND; k++) {
			hist_t all;
			memset(&all, 0, sizeof all);
			for (int i = 0; i < NPROC; i++) {
				all.n += sh->ch[i].h[ph][k].n;
				for (int b = 0; b < NB; b++)
					all.b[b] += sh->ch[i].h[ph][k].b[b];
			}
			printf("  %-12s %8" PRIu64 " %10.2f %10.2f\n", kind_name[k], all.n,
			       hist_q(&all, 0.5), hist_q(&all, 0.99));
		}
	}
	for (int i = 0; i < NPROC; i++)
		if (sh->ch[i].first_error[0])
			printf("  %s: first error: %s\n", sh->ch[i].user, sh->ch[i].first_error);
	if (sh->import_err[0]) {
		printf("  import: %s\n", sh->import_err);
		errors++;
	}

	/* Lost updates: every success each process reported is there. */
	{
		sqlite3 *q = NULL;
		if (sqlite3_open_v2(db, &q, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
			die("check", "cannot open the database");
		for (int i = 0; i < NPROC; i++) {
			child_t *c = &sh->ch[i];
			const char *u = c->user;
			int64_t n;
			/* fd01 also registered and checked in the set-up's patients. */
			n = sql_count(q, "SELECT count(*) FROM patients WHERE created_by = ?1", u, 0);
			if (i == 0)
				n -= NNURSE + NHIM * HIM_ENC;
			lost += llabs(n - c->registered);
			if (c->role == R_FD) {
				n = sql_count(q, "SELECT count(*) FROM encounters WHERE created_by = ?1",
					      u, 0);
				if (i == 0)
					n -= NNURSE + NHIM * HIM_ENC;
				lost += llabs(n - c->checkins);
			}
			if (c->role == R_NURSE) {
				n = sql_count(q, "SELECT count(*) FROM vitals WHERE recorded_by = ?1",
					      u, 0);
				lost += llabs(n - c->vitals);
				n = sql_count(q, "SELECT count(*) FROM notes WHERE author = ?1", u, 0);
				lost += llabs(n - c->notes);
			}
			if (c->role == R_HIM)
				for (int e = 0; e < HIM_ENC; e++) {
					n = sql_count(q,
						      "SELECT count(*) FROM encounter_dx WHERE erow = ?1",
						      NULL, c->erow[e]);
					lost += llabs(n - c->dx[e]);
				}
		}
		count = sql_count(q, "SELECT count(*) FROM patients WHERE created_by = ?1", "imp", 0);
		lost += llabs(count - sh->import_count);
		if (sh->import_count != nimport)
			lost += llabs(nimport - sh->import_count);
		sqlite3_close(q);
	}

	/* The audit trail: each process's audited actions, once each. */
	{
		clinic_t *c = NULL;
		session_t *s = NULL;
		login_info_t info;
		sqlite3 *q = NULL;
		must(clinic_open(db, &cfg, &c, &m), "open", &m);
		must(session_login(c, "auditor", PW, &s, &info, &m), "sign-on", &m);
		must(audit_flush(s, &m), "audit flush", &m);
		if (sqlite3_open_v2(db, &q, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
			die("check", "cannot open the database");
		for (int i = 0; i < NPROC; i++) {
			child_t *ch = &sh->ch[i];
			const char *u = ch->user;
			struct tokens t = {u, 0};
			audit_query_t aq;
#define ACTION(a) "SELECT count(*) FROM audit WHERE user_name = ?1 AND action " a
			diff(ch->a_login + (i == 0 ? 1 : 0), sql_count(q, ACTION("= 'login'"), u, 0),
			     &missing, &doubled, u, "login");
			diff(ch->a_logout + (i == 0 ? 1 : 0), sql_count(q, ACTION("= 'logout'"), u, 0),
			     &missing, &doubled, u, "logout");
			diff(ch->a_open, sql_count(q, ACTION("= 'chart_open'"), u, 0), &missing, &doubled, u, "chart_open");
			diff(ch->a_register + (i == 0 ? NNURSE + NHIM * HIM_ENC : 0),
			     sql_count(q, ACTION("= 'patient_register'"), u,
				       0),
			     &missing, &doubled, u, "register");
			diff(ch->a_checkin + (i == 0 ? NNURSE + NHIM * HIM_ENC : 0),
			     sql_count(q, ACTION("= 'encounter_checkin'"), u, 0), &missing, &doubled, u, "checkin");
			diff(ch->a_vitals, sql_count(q, ACTION("= 'vitals_record'"), u, 0), &missing, &doubled, u, "vitals");
			diff(ch->a_note, sql_count(q, ACTION("= 'note_create'"), u, 0), &missing, &doubled, u, "note");
			diff(ch->a_coding, sql_count(q, ACTION("= 'coding_change'"), u, 0), &missing, &doubled, u, "coding");
#undef ACTION
			memset(&aq, 0, sizeof aq);
			aq.user_name = u;
			must(audit_list(s, &aq, count_tokens, &t, &m), "audit list", &m);
			diff(ch->a_search, t.n, &missing, &doubled, u, "search");
		}
		sqlite3_close(q);
		if (audit_verify(s, NULL, &count, &bad_seq, &m) != STATUS_OK) {
			printf("  audit verify: %s\n", m.text);
			errors++;
		}
		printf("\n%s\n", m.text);
		session_logout(s);
		clinic_close(c);
	}

	{
		hist_t all;
		memset(&all, 0, sizeof all);
		for (int i = 0; i < NPROC; i++) {
			all.n += sh->ch[i].h[1][K_SEARCH].n;
			for (int b = 0; b < NB; b++)
				all.b[b] += sh->ch[i].h[1][K_SEARCH].b[b];
		}
		printf("errors: %" PRId64 " (target 0)\n", errors);
		printf("lost updates: %" PRId64 " (target 0)\n", lost);
		printf("audit entries missing: %" PRId64 ", doubled: %" PRId64 " (target 0)\n", missing,
		       doubled);
		printf("search p99 during the import: %.1f ms (target under 200 ms)%s\n",
		       hist_q(&all, 0.99), hist_q(&all, 0.99) < 200 ? "" : "  MISSED");
	}
	{
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench/concurrency: could not remove %s\n", dir);
	}
	return errors || lost || missing || doubled ? 1 : 0;
}
