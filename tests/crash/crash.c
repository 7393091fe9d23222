/* crash.c - crash and power-loss tests (make crashtest; a short run in
 * make check as build/tests/test_crash). TAP output.
 *
 * For each kind of work (a bulk import, single writes: register, edit,
 * vitals, allergy; note signing; coding; reads: searches whose audit
 * events go to the audit journal, chained by registrations between them)
 * a child process signs on and does
 * the work through the library, writing one line to a report file only
 * after each call has returned success (that is, after its commit). The
 * parent kills it with SIGKILL, either after a random delay or, through
 * the VFS shim (crashvfs.h), on entering its N-th write/sync. After every
 * kill the parent opens the database as the next user would and checks:
 *
 *  - every success the child reported is in the database;
 *  - nothing half-done is visible: every change has its audit entry and
 *    every audit entry its change (rows per patient against audit entries
 *    per patient, a patient's version against its edits, an encounter's
 *    coding rows and status against its last coding entry, imported rows
 *    against the import's entries), every patient has its index tokens
 *    and no token points nowhere, an allergy withdrew "no known
 *    allergies";
 *  - at most one commit per kill went unreported (none doubled); every
 *    reported search is in the trail once (at most one more per kill);
 *  - PRAGMA integrity_check and foreign_key_check pass, and the audit
 *    chain verifies (audit_verify, as `chartroom audit verify`).
 *
 * Power loss: the same checks after the shim cuts the power at a random
 * write/sync, dropping (or tearing, or scrambling) everything not yet
 * synced; and a demonstration that synchronous=NORMAL loses a reported
 * commit at a power cut where FULL, the setting db_open makes, keeps it.
 *
 * And the checks' own test: a child that commits a vitals row without its
 * audit entry on purpose and is killed must be reported.
 *
 * Key rotation (kind "rotation"): the child rotates the demo, clin, index
 * and audit keys in turn (core/rotate.h; two patients a batch, so each
 * rotation is many transactions), first finishing a rotation a killed run
 * left half-done, as `chartroom keys rotate` run again does. After every
 * kill, besides the checks above: every rotation reported is complete
 * (its new version in use, every older one retired, their wraps and
 * grants gone); at most one rotation is under way and only its two
 * versions are active; every value reads (each patient's demographics,
 * encounters with their reasons for visit and locations, allergies,
 * vitals, every note) through a provider's session, and the front desk's
 * search finds every patient by MRN and by last name. At the end one more
 * run, not interrupted, leaves no rotation under way.
 *
 * Merges (kind "merge"): the child merges the template's second patient
 * into its first and undoes it, in turn (core/merge.h; each one
 * transaction). After every kill, besides the checks above (the chain and
 * every chart head, so a half-moved chart would fail): every merge and
 * unmerge reported is in the journal, and at most one merge is in force.
 *
 *   test_crash [--iterations N] [--power N] [--kind NAME] [--seed S] [--keep]
 *
 * Tests reach into core and db internals only to set synchronous=NORMAL
 * for the demonstration and to read the pragma back. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "core/audit.h"
#include "core/clinic.h"
#include "core/clinical.h"
#include "core/coding.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/import.h"
#include "core/internal.h"
#include "core/merge.h"
#include "core/patient.h"
#include "core/patient_search.h"
#include "core/rotate.h"
#include "core/session.h"
#include "core/synth.h"
#include "core/users.h"
#include "db/db.h"
#include "db/db_clinical.h"
#include "db/db_internal.h"

#include "crashvfs.h"

#define ADMIN_PW "crash-test-admin-password"
#define FRONT_PW "crash-test-frontdesk-password"
#define NURSE_PW "crash-test-nurse-password"
#define PROV_PW "crash-test-provider-password"
#define HIM_PW "crash-test-him-clerk-password"
#define PRIV_PW "crash-test-privacy-password"

#define NP 12     /* patients in the template */
#define NOPEN 6   /* open encounters (vitals, notes) */
#define NCODE 16  /* closed encounters to code */
#define IMPORT_ROWS 120
#define MAX_EROW 256

/* ---- the template every kind starts from ---- */

static struct {
	char dir[1024];
	char template_db[PATH_MAX];
	char report[PATH_MAX];
	char pid[NP][33];
	int64_t open_enc[NOPEN];
	int64_t code_enc[NCODE];
	config_t cfg;
	char recovery[CRYPTO_RECOVERY_TEXT]; /* the template's (the clin key's rotation) */
	int keep;
} fx;

static int tap_n, tap_failed;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - ", ok ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void bail(const char *what, const char *why)
{
	printf("Bail out! %s: %s\n", what, why);
	exit(1);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void copy_file(const char *src, const char *dst)
{
	char buf[65536];
	ssize_t n;
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in < 0 || out < 0)
		bail("copy", strerror(errno));
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			bail("copy", strerror(errno));
	close(in);
	close(out);
}

static void remove_db(const char *path)
{
	char p[PATH_MAX + 8];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

static session_t *login(clinic_t *c, const char *user, const char *pw)
{
	session_t *s = NULL;
	login_info_t info;
	msg_t m;
	if (session_login(c, user, pw, &s, &info, &m) != STATUS_OK)
		return NULL;
	return s;
}

static const char *user_pw(const char *user)
{
	return !strcmp(user, "front")  ? FRONT_PW
	       : !strcmp(user, "nurse") ? NURSE_PW
	       : !strcmp(user, "prov")  ? PROV_PW
	       : !strcmp(user, "him")   ? HIM_PW
	       : !strcmp(user, "priv")  ? PRIV_PW
					: ADMIN_PW;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		bail("writing a fixture", path);
}

/* A few ICD-10-CM codes in the CMS order-file layout, and HCPCS codes in
 * the CMS fixed-width layout: enough to code encounters. */
static void write_code_files(char icd[PATH_MAX], char hcpcs[PATH_MAX])
{
	static const struct {
		const char *code, *desc;
		int billable;
	} dx[] = {{"E11", "Type 2 diabetes mellitus", 0},
		  {"E119", "Type 2 diabetes mellitus without complications", 1},
		  {"I10", "Essential (primary) hypertension", 1},
		  {"J06", "Acute upper respiratory infections of multiple sites", 0},
		  {"J069", "Acute upper respiratory infection, unspecified", 1}};
	static const struct {
		const char *code, *desc;
	} px[] = {{"G0008", "Administration of influenza virus vaccine"},
		  {"G0009", "Administration of pneumococcal vaccine"}};
	char text[4096];
	size_t o = 0;
	for (size_t i = 0; i < sizeof dx / sizeof dx[0]; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "%05zu %-7s %d %-60.60s %s\n", i + 1,
				      dx[i].code, dx[i].billable, dx[i].desc, dx[i].desc);
	snprintf(icd, PATH_MAX, "%s/icd.txt", fx.dir);
	write_text(icd, text);
	o = 0;
	for (size_t i = 0; i < sizeof px / sizeof px[0]; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "%-5s%05d3%-80.80s%-28.28s\n",
				      px[i].code, 100, px[i].desc, px[i].desc);
	snprintf(hcpcs, PATH_MAX, "%s/hcpcs.txt", fx.dir);
	write_text(hcpcs, text);
}

/* The database every kind copies: users of every role, a tiny code set,
 * NP patients, NOPEN open encounters and NCODE closed ones. */
static void make_template(void)
{
	static const char *const users[][2] = {{"front", "frontdesk"}, {"nurse", "nurse"},
					       {"prov", "provider"},   {"him", "him"},
					       {"priv", "privacy"}};
	char rk[CRYPTO_RECOVERY_TEXT], icd[PATH_MAX], hcpcs[PATH_MAX], type[48];
	clinic_t *c = NULL;
	session_t *s;
	codes_import_report_t crep;
	msg_t m;
	patient_t *p = calloc(1, sizeof *p);
	pfield_t bad;
	int sync;

	snprintf(fx.template_db, sizeof fx.template_db, "%s/template.db", fx.dir);
	if (!p || clinic_init(fx.template_db, &fx.cfg, "admin", ADMIN_PW, "Crash Clinic", rk, &m) !=
			  STATUS_OK ||
	    clinic_open(fx.template_db, &fx.cfg, &c, &m) != STATUS_OK)
		bail("template", m.text);
	memcpy(fx.recovery, rk, sizeof fx.recovery);
	sodium_memzero(rk, sizeof rk);
	/* What every connection runs with (db_open). */
	sync = -1;
	{
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(c->db->conn, "PRAGMA synchronous", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			sync = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	tap(sync == 2, "connections run with synchronous=FULL (2), got %d", sync);
	if (!(s = login(c, "admin", ADMIN_PW)))
		bail("template", "admin sign-on");
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
		if (users_add(s, users[i][0], users[i][1], user_pw(users[i][0]), &m) != STATUS_OK)
			bail("template: user add", m.text);
	session_logout(s);

	write_code_files(icd, hcpcs);
	if (!(s = login(c, "him", HIM_PW)) ||
	    codes_import(s, CS_ICD10CM, icd, "T1", "2020-01-01", &crep, &m) != STATUS_OK ||
	    codes_import(s, CS_HCPCS, hcpcs, "T1", "2020-01-01", &crep, &m) != STATUS_OK)
		bail("template: codes", m.text);
	session_logout(s);

	if (!(s = login(c, "front", FRONT_PW)))
		bail("template", "front sign-on");
	for (int i = 0; i < NP; i++) {
		synth_patient(7, i, p);
		if (patient_register(s, p, 1, &bad, &m) != STATUS_OK)
			bail("template: register", m.text);
		snprintf(fx.pid[i], sizeof fx.pid[i], "%s", p->id);
	}
	encounter_type(&fx.cfg, 0, type, sizeof type);
	for (int i = 0; i < NOPEN; i++)
		if (encounter_checkin(s, fx.pid[i], type, "prov", "Room 1", NULL, &fx.open_enc[i],
				      &m) != STATUS_OK)
			bail("template: check-in", m.text);
	for (int i = 0; i < NCODE; i++)
		if (encounter_checkin(s, fx.pid[i % NP], type, "prov", "Room 2", NULL,
				      &fx.code_enc[i], &m) != STATUS_OK)
			bail("template: check-in", m.text);
	session_logout(s);
	if (!(s = login(c, "prov", PROV_PW)))
		bail("template", "prov sign-on");
	for (int i = 0; i < NCODE; i++)
		if (encounter_close(s, fx.code_enc[i], &m) != STATUS_OK)
			bail("template: close", m.text);
	session_logout(s);
	clinic_close(c);
	sodium_memzero(p, sizeof *p);
	free(p);
}

/* ---- the child: work, and a report line after each success ---- */

typedef struct child {
	clinic_t *c;
	session_t *s[5]; /* front, nurse, prov, him, admin (as kind_t.users says) */
	int fd;          /* the report file */
	int iter;
	int units;
	uint64_t rng;
	patient_t *p;
	coding_t *coding;
} child_t;

enum { U_FRONT, U_NURSE, U_PROV, U_HIM, U_ADMIN, U_COUNT };
static const char *const unames[U_COUNT] = {"front", "nurse", "prov", "him", "admin"};

static void report(child_t *ch, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof line - 1)
		n = (int)sizeof line - 2;
	line[n++] = '\n';
	/* One write: the line is whole in the file the moment it returns. */
	if (write(ch->fd, line, (size_t)n) != n)
		_exit(3);
}

static int failed(child_t *ch, const char *what, const msg_t *m)
{
	report(ch, "error %s: %s", what, m->text);
	return -1;
}

static int do_register(child_t *ch)
{
	msg_t m;
	pfield_t bad;
	synth_patient(99, (int64_t)(ch->iter + 1) * 1000 + (int64_t)(rng_next(&ch->rng) % 1000), ch->p);
	if (patient_register(ch->s[U_FRONT], ch->p, 1, &bad, &m) != STATUS_OK)
		return failed(ch, "register", &m);
	report(ch, "reg %s", ch->p->id);
	return 0;
}

static int do_edit(child_t *ch)
{
	msg_t m;
	pfield_t bad;
	const char *pid = fx.pid[rng_next(&ch->rng) % NP];
	if (patient_open(ch->s[U_FRONT], pid, NULL, ch->p, &m) != STATUS_OK)
		return failed(ch, "open", &m);
	snprintf(ch->p->f[PF_PHONE_HOME], sizeof ch->p->f[PF_PHONE_HOME], "617-555-%04d",
		 (int)(rng_next(&ch->rng) % 10000));
	if (patient_update(ch->s[U_FRONT], ch->p, &bad, &m) != STATUS_OK)
		return failed(ch, "edit", &m);
	report(ch, "edit %s %d", ch->p->id, ch->p->version);
	return 0;
}

static int do_vitals(child_t *ch)
{
	msg_t m;
	const char *bad = NULL;
	int64_t erow = fx.open_enc[rng_next(&ch->rng) % NOPEN];
	vitals_input_t in = {.bp = "118/76", .pulse = "70", .temp = "98.4F"};
	if (vitals_record(ch->s[U_NURSE], erow, &in, &bad, &m) != STATUS_OK)
		return failed(ch, "vitals", &m);
	report(ch, "vit %" PRId64, erow);
	return 0;
}

static int do_allergy(child_t *ch)
{
	msg_t m;
	int64_t row = 0;
	const char *pid = fx.pid[rng_next(&ch->rng) % NP];
	if (allergy_add(ch->s[U_NURSE], pid, "Penicillin", "Hives", "moderate", &row, &m) !=
	    STATUS_OK)
		return failed(ch, "allergy", &m);
	report(ch, "alg %" PRId64, row);
	return 0;
}

static int do_sign(child_t *ch)
{
	msg_t m;
	int64_t nrow = 0;
	int64_t erow = fx.open_enc[rng_next(&ch->rng) % NOPEN];
	if (note_create(ch->s[U_PROV], erow, 0, "Seen today. Doing well; follow up in a month.",
			&nrow, &m) != STATUS_OK)
		return failed(ch, "note", &m);
	report(ch, "note %" PRId64, nrow);
	if (note_sign(ch->s[U_PROV], nrow, 0, &m) != STATUS_OK)
		return failed(ch, "sign", &m);
	report(ch, "sign %" PRId64, nrow);
	return 0;
}

/* One coding step chosen at random among those the encounter's state
 * allows, so the encounters wander through every status and shape. */
static int do_coding(child_t *ch)
{
	static const char *const dxs[] = {"I10", "E11.9", "J06.9"};
	static const char *const pxs[] = {"G0008", "G0009"};
	const char *ops[8];
	int nops = 0;
	msg_t m;
	status_t st;
	coding_t *k = ch->coding;
	session_t *s = ch->s[U_HIM];
	int64_t erow = fx.code_enc[rng_next(&ch->rng) % NCODE];
	const char *op;

	if (coding_get(s, erow, k, &m) != STATUS_OK)
		return failed(ch, "coding get", &m);
	if (!strcmp(k->status, "final")) {
		ops[nops++] = "reopen";
	} else if (!strcmp(k->status, "verified")) {
		ops[nops++] = "finalize";
		ops[nops++] = "reopen";
	} else {
		if (!strcmp(k->status, "coded")) {
			ops[nops++] = "verify";
			ops[nops++] = "finalize";
		} else if (k->ndx > 0) {
			ops[nops++] = "complete";
		}
		if (k->ndx < 3)
			ops[nops++] = "add-dx";
		if (k->ndx > 1)
			ops[nops++] = "remove-dx";
		if (k->ndx > 0 && k->npx < 2)
			ops[nops++] = "add-px";
		if (k->npx > 0)
			ops[nops++] = "remove-px";
	}
	op = ops[rng_next(&ch->rng) % (uint64_t)nops];
	if (!strcmp(op, "reopen")) {
		st = coding_reopen(s, erow, "Coder review found a missing code", &m);
	} else if (!strcmp(op, "finalize")) {
		st = coding_finalize(s, erow, &m);
	} else if (!strcmp(op, "verify")) {
		st = coding_verify(s, erow, &m);
	} else if (!strcmp(op, "complete")) {
		st = coding_complete(s, erow, &m);
	} else if (!strcmp(op, "add-dx")) {
		const char *code = NULL;
		for (int i = 0; i < 3 && !code; i++) {
			int used = 0;
			for (int j = 0; j < k->ndx; j++)
				used |= !strcmp(k->dx[j].code, dxs[i]);
			if (!used)
				code = dxs[i];
		}
		st = coding_add_dx(s, erow, code, &m);
	} else if (!strcmp(op, "remove-dx")) {
		/* the last: procedures point at diagnosis 1 */
		st = coding_remove_dx(s, erow, k->ndx, &m);
	} else if (!strcmp(op, "add-px")) {
		st = coding_add_px(s, erow, CS_HCPCS, pxs[k->npx], NULL, 1, "1", &m);
	} else {
		st = coding_remove_px(s, erow, k->npx, &m);
	}
	if (st != STATUS_OK)
		return failed(ch, op, &m);
	report(ch, "code %" PRId64 " %s", erow, op);
	return 0;
}

static void csv_put(FILE *f, const char *v, int last)
{
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
	fputc(last ? '\n' : ',', f);
}

/* A CSV of `rows` synthetic patients, Chartroom's import columns. */
static int write_import(child_t *ch, const char *path, int64_t first, int rows)
{
	static const pfield_t cols[] = {PF_LAST, PF_FIRST, PF_MIDDLE, PF_DOB,  PF_SEX,
					PF_ADDR1, PF_CITY, PF_STATE, PF_ZIP, PF_PHONE_HOME};
	const size_t nc = sizeof cols / sizeof cols[0];
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (size_t i = 0; i < nc; i++)
		fprintf(f, "%s%c", patient_field_name(cols[i]), i + 1 == nc ? '\n' : ',');
	for (int r = 0; r < rows; r++) {
		synth_patient(4242, first + r, ch->p);
		for (size_t i = 0; i < nc; i++)
			csv_put(f, ch->p->f[cols[i]], i + 1 == nc);
	}
	return fclose(f);
}

static int do_import(child_t *ch, int rows)
{
	static int serial;
	char path[PATH_MAX];
	import_report_t rep;
	msg_t m;
	const char *base;
	snprintf(path, sizeof path, "%s/imp-%d-%d.csv", fx.dir, ch->iter, serial++);
	base = strrchr(path, '/') + 1;
	if (write_import(ch, path, (int64_t)(ch->iter + 1) * 100000 + serial * 1000, rows) != 0) {
		report(ch, "error writing %s", path);
		return -1;
	}
	if (import_patients(ch->s[U_HIM], path, 0, &rep, NULL, NULL, NULL, &m) != STATUS_OK)
		return failed(ch, "import", &m);
	report(ch, "imp %s %ld", base, rep.imported);
	return 0;
}

static int work_import(child_t *ch)
{
	for (int u = 0; u < ch->units; u++)
		if (do_import(ch, IMPORT_ROWS) != 0)
			return -1;
	return 0;
}

#define WORK_LOOP(name, fn)                                                                    \
	static int name(child_t *ch)                                                           \
	{                                                                                      \
		for (int u = 0; u < ch->units; u++)                                            \
			if (fn(ch) != 0)                                                       \
				return -1;                                                     \
		return 0;                                                              \
	}
/* A search: its audit event goes to the audit journal (no database
 * write) before the results come back; reported after. */
static int do_search(child_t *ch)
{
	static const char *const q[] = {"smi", "joh", "wil", "bro", "mar"};
	patient_list_t *l = NULL;
	msg_t m;
	if (patient_search(ch->s[U_FRONT], q[rng_next(&ch->rng) % 5], 20, &l, &m) != STATUS_OK)
		return failed(ch, "search", &m);
	patient_list_free(l);
	report(ch, "search");
	return 0;
}

/* Reads, with a registration now and then: the registrations' writes
 * chain the journal's waiting searches into the trail while the process
 * may be killed at any point. */
static int work_reads(child_t *ch)
{
	for (int u = 0; u < ch->units; u++)
		if ((u % 6 == 5 ? do_register(ch) : do_search(ch)) != 0)
			return -1;
	return 0;
}

WORK_LOOP(work_register, do_register)
WORK_LOOP(work_edit, do_edit)
WORK_LOOP(work_vitals, do_vitals)
WORK_LOOP(work_allergy, do_allergy)
WORK_LOOP(work_sign, do_sign)
WORK_LOOP(work_coding, do_coding)

/* ---- key rotation ---- */

static const domain_t rot_order[] = {DOMAIN_DEMO, DOMAIN_CLIN, DOMAIN_INDEX, DOMAIN_AUDIT};

static int64_t conn_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The key to rotate now: the one a killed run left under way (meta
 * rotate_job), else the next in turn (every finished rotation retires
 * exactly one version). */
static domain_t rot_next(child_t *ch)
{
	char job[96], dom[16] = "";
	msg_t m;
	if (db_meta_get(ch->c->db, "rotate_job", job, sizeof job, &m) == STATUS_OK &&
	    sscanf(job, "%15s", dom) == 1)
		return strcmp(dom, "index") == 0 ? DOMAIN_INDEX : crypto_domain_from_name(dom);
	return rot_order[conn_int(ch->c->db->conn, "SELECT count(*) FROM domain_keys WHERE active = 0") %
			 4];
}

/* One rotation to its end, as `chartroom keys rotate DOMAIN` (the clin key
 * with the recovery key: the administrator holds no clinical key). */
static int do_rotate(child_t *ch)
{
	rotate_opts_t o;
	rotate_progress_t p;
	msg_t m;
	domain_t d = rot_next(ch);
	memset(&o, 0, sizeof o);
	o.batch = 2;
	o.recovery = d == DOMAIN_CLIN ? fx.recovery : NULL;
	if (d == DOMAIN_COUNT) {
		report(ch, "error the rotation under way names no key");
		return -1;
	}
	if (rotate_key(ch->s[U_ADMIN], d, &o, &p, &m) != STATUS_OK)
		return failed(ch, "rotate", &m);
	if (!p.done) {
		report(ch, "error the %s rotation stopped before its end", p.domain);
		return -1;
	}
	report(ch, "rot %s %d", p.domain, p.to);
	return 0;
}

WORK_LOOP(work_rotation, do_rotate)

/* Merge patient 1 into patient 0, or undo the merge in force. */
static int do_merge(child_t *ch)
{
	msg_t m;
	merge_result_t r;
	int64_t prow = 0, into = 0, id = 0;
	char pid[33], mrn[32];
	int conf = 0;
	session_t *s = ch->s[U_HIM];
	if (patient_locate(s, fx.pid[1], &prow, pid, &conf, &m) != STATUS_OK ||
	    merge_into(s, prow, &into, mrn, &id, &m) != STATUS_OK)
		return failed(ch, "merge", &m);
	if (into) {
		if (merge_undo(s, id, "crash test: undone", &r, &m) != STATUS_OK)
			return failed(ch, "unmerge", &m);
		report(ch, "unmerge %" PRId64, id);
	} else {
		if (merge_charts(s, fx.pid[0], fx.pid[1], "crash test: the same person", &r, &m) !=
		    STATUS_OK)
			return failed(ch, "merge", &m);
		report(ch, "merge %" PRId64, r.id);
	}
	return 0;
}
WORK_LOOP(work_merge, do_merge)

/* What the rotations re-encrypt beyond the template: reasons for visit
 * (sealed to the clinical key), allergies, vitals, signed notes. */
static void prepare_rotation(const char *db)
{
	clinic_t *c = NULL;
	session_t *front = NULL, *nurse = NULL, *prov = NULL;
	char type[48];
	msg_t m;
	if (clinic_open(db, &fx.cfg, &c, &m) != STATUS_OK || !(front = login(c, "front", FRONT_PW)) ||
	    !(nurse = login(c, "nurse", NURSE_PW)) || !(prov = login(c, "prov", PROV_PW)))
		bail("rotation: prepare", m.text);
	encounter_type(&fx.cfg, 0, type, sizeof type);
	for (int i = 0; i < NP; i++) {
		int64_t row = 0;
		const char *bad = NULL;
		vitals_input_t in = {.bp = "124/78", .pulse = "66", .weight = "70kg"};
		if (i % 2 == 0 && encounter_checkin(front, fx.pid[i], type, "prov", "East wing",
						    "Cough for a week, worse at night", &row,
						    &m) != STATUS_OK)
			bail("rotation: check-in", m.text);
		if (i % 3 == 0 &&
		    allergy_add(nurse, fx.pid[i], "Sulfonamides", "Rash", "mild", &row, &m) != STATUS_OK)
			bail("rotation: allergy", m.text);
		if (i < NOPEN && vitals_record(nurse, fx.open_enc[i], &in, &bad, &m) != STATUS_OK)
			bail("rotation: vitals", m.text);
		if (i < NOPEN &&
		    (note_create(prov, fx.open_enc[i], 0, "Chest clear. Reassured; review in a week.",
				 &row, &m) != STATUS_OK ||
		     note_sign(prov, row, 0, &m) != STATUS_OK))
			bail("rotation: note", m.text);
	}
	session_logout(prov);
	session_logout(nurse);
	session_logout(front);
	clinic_close(c);
}

/* The power-loss workload: every kind of write, mixed. */
static int work_mixed(child_t *ch)
{
	for (int u = 0; u < ch->units; u++) {
		int r = 0;
		switch (rng_next(&ch->rng) % 7) {
		case 0: r = do_register(ch); break;
		case 1: r = do_edit(ch); break;
		case 2: r = do_vitals(ch); break;
		case 3: r = do_allergy(ch); break;
		case 4: r = do_sign(ch); break;
		case 5: r = do_coding(ch); break;
		default: r = do_import(ch, 40); break;
		}
		if (r != 0)
			return -1;
	}
	return 0;
}

/* The NORMAL/FULL demonstration: one registration, reported, then the
 * power goes at once. */
static int work_one_then_cut(child_t *ch)
{
	if (do_register(ch) != 0)
		return -1;
	crashvfs_power_cut();
	return 0;
}

/* The checks' own test: vitals saved the wrong way, the row committed in
 * a transaction of its own with its audit entry left for a second one,
 * and the process killed between the two. The checks must see it. */
static int work_split(child_t *ch)
{
	session_t *s = ch->s[U_NURSE];
	db_vitals_t v;
	char id[33];
	int conf = 0;
	msg_t m;
	memset(&v, 0, sizeof v);
	v.erow = fx.open_enc[0];
	v.systolic = 120;
	v.diastolic = 80;
	v.pulse = v.resp = v.spo2 = -1;
	v.temp_c = v.height_cm = v.weight_kg = v.bmi = -1;
	core_now(v.taken);
	snprintf(v.recorded_by, sizeof v.recorded_by, "nurse");
	if (patient_locate(s, fx.pid[0], &v.prow, id, &conf, &m) != STATUS_OK ||
	    db_begin(ch->c->db, &m) != STATUS_OK || db_vitals_insert(ch->c->db, &v, &m) != STATUS_OK ||
	    db_commit(ch->c->db, &m) != STATUS_OK)
		return failed(ch, "split vitals", &m);
	raise(SIGKILL);
	return -1;
}

/* ---- kinds ---- */

struct ledger;
struct verdict;

typedef struct kind {
	const char *name;
	const char *what;
	int (*work)(child_t *ch); /* NULL: not built yet */
	unsigned users;           /* bit per U_* */
	int units;
	/* May be NULL. prepare: on the fresh copy, before anything else.
	 * check: after the common checks of each run; settled when the run
	 * before was not interrupted (the last one, when settle is set: one
	 * more run, not interrupted, after the interrupted ones). */
	void (*prepare)(const char *db);
	void (*check)(const char *db, struct ledger *l, struct verdict *v, int settled);
	int settle;
} kind_t;

static void check_rotation(const char *db, struct ledger *l, struct verdict *v, int settled);

#define B(u) (1u << (u))
static const kind_t kinds[] = {
	{"import", "bulk import of patients (CSV, 120 rows each)", work_import, B(U_HIM), 2, NULL, NULL, 0},
	{"register", "registering patients", work_register, B(U_FRONT), 8, NULL, NULL, 0},
	{"edit", "editing demographics", work_edit, B(U_FRONT), 8, NULL, NULL, 0},
	{"vitals", "recording vitals", work_vitals, B(U_NURSE), 8, NULL, NULL, 0},
	{"allergy", "recording allergies", work_allergy, B(U_NURSE), 8, NULL, NULL, 0},
	{"sign", "writing and signing notes", work_sign, B(U_PROV), 4, NULL, NULL, 0},
	{"coding", "coding encounters (dx, px, complete, verify, finalize, reopen)", work_coding,
	 B(U_HIM), 10, NULL, NULL, 0},
	{"reads", "searches recorded in the audit journal, registrations chaining them", work_reads,
	 B(U_FRONT), 24, NULL, NULL, 0},
	{"rotation", "key rotation (demo, clin, index, audit in turn, 2 patients a batch)",
	 work_rotation, B(U_ADMIN), 4, prepare_rotation, check_rotation, 1},
	{"merge", "merging duplicate charts and undoing the merges", work_merge, B(U_HIM), 4, NULL,
	 NULL, 0},
};
static const kind_t kind_power = {"power", "mixed writes under power loss", work_mixed,
				  B(U_FRONT) | B(U_NURSE) | B(U_PROV) | B(U_HIM), 10,
				  NULL, NULL, 0};
static const kind_t kind_split = {"split", "vitals committed apart from their audit entry",
				  work_split, B(U_NURSE), 1, NULL, NULL, 0};
static const kind_t kind_cut = {"cut", "one registration, then the power cut", work_one_then_cut,
				B(U_FRONT), 1, NULL, NULL, 0};

/* How a run ends. */
typedef enum { END_DONE, END_KILLED, END_CUT, END_ERROR } end_t;

typedef struct run {
	crashvfs_mode_t mode;
	long at;                /* KILL/POWER: operation number */
	int64_t delay_us;       /* >= 0: the parent kills after this long */
	crashvfs_fate_t fate;
	int normal;             /* synchronous=NORMAL for this child */
	uint64_t seed;
	int iter;
} run_t;

static void child_main(const kind_t *k, const char *db, const run_t *r, int ready_fd)
{
	child_t ch;
	msg_t m;
	int64_t t0;
	int rc;
	memset(&ch, 0, sizeof ch);
	ch.iter = r->iter;
	ch.units = k->units;
	ch.rng = r->seed | 1;
	ch.p = calloc(1, sizeof *ch.p);
	ch.coding = calloc(1, sizeof *ch.coding);
	ch.fd = open(fx.report, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (!ch.p || !ch.coding || ch.fd < 0)
		_exit(2);
	if (crashvfs_install() != 0)
		_exit(2);
	crashvfs_arm(CRASHVFS_COUNT, 0, r->fate, r->seed);
	if (clinic_open(db, &fx.cfg, &ch.c, &m) != STATUS_OK) {
		failed(&ch, "open", &m);
		_exit(1);
	}
	for (int u = 0; u < U_COUNT; u++)
		if ((k->users & B(u)) && !(ch.s[u] = login(ch.c, unames[u], user_pw(unames[u])))) {
			report(&ch, "error sign-on %s", unames[u]);
			_exit(1);
		}
	if (r->normal &&
	    sqlite3_exec(ch.c->db->conn, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK)
		_exit(2);
	/* Signed on: the parent's clock starts, and so does the count. */
	crashvfs_arm(r->mode, r->at, r->fate, r->seed);
	if (write(ready_fd, "r", 1) != 1)
		_exit(2);
	close(ready_fd);
	t0 = now_us();
	rc = k->work(&ch);
	report(&ch, "ops %ld us %" PRId64, crashvfs_ops(), now_us() - t0);
	/* No clean-up: a process that ends is as good as one that dies. */
	_exit(rc == 0 ? 0 : 1);
}

static end_t run_child(const kind_t *k, const char *db, const run_t *r)
{
	int pfd[2], status = 0;
	pid_t pid;
	char b;
	if (pipe(pfd) != 0)
		bail("pipe", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail("fork", strerror(errno));
	if (pid == 0) {
		close(pfd[0]);
		child_main(k, db, r, pfd[1]);
		_exit(2);
	}
	close(pfd[1]);
	if (read(pfd[0], &b, 1) == 1 && r->delay_us >= 0) {
		struct timespec ts = {(time_t)(r->delay_us / 1000000),
				      (long)(r->delay_us % 1000000) * 1000};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			bail("waitpid", strerror(errno));
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return END_KILLED;
	if (WIFEXITED(status) && WEXITSTATUS(status) == CRASHVFS_CUT_EXIT)
		return END_CUT;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return END_DONE;
	return END_ERROR;
}

/* ---- what the children reported, kept across runs on one database ---- */

typedef struct ledger {
	char (*reg)[33];
	size_t nreg;
	struct edit_rep {
		char id[33];
		int version;
	} *edit;
	size_t nedit;
	int64_t *alg, *note, *sign;
	size_t nalg, nnote, nsign;
	long vit[MAX_EROW];  /* vitals reported per encounter */
	long code[MAX_EROW]; /* coding steps reported per encounter */
	struct imp_rep {
		char file[64];
		long n;
	} *imp;
	size_t nimp;
	struct rot_rep {
		char domain[16];
		int to;
	} *rot;
	size_t nrot;
	int64_t *mrg, *umrg; /* merges and unmerges reported */
	size_t nmrg, numrg;
	long reported;      /* single writes reported (imports not counted) */
	long searches;      /* searches reported */
	long interruptions; /* kills and power cuts */
	long ops;           /* from the last finished run */
	int64_t us;
	char error[512];
} ledger_t;

#define PUSH(arr, n, val)                                                                      \
	do {                                                                                   \
		void *np_ = realloc((arr), ((n) + 1) * sizeof *(arr));                         \
		if (!np_)                                                                      \
			bail("ledger", "out of memory");                                       \
		(arr) = np_;                                                                   \
		(arr)[(n)++] = (val);                                                          \
	} while (0)

static void ledger_free(ledger_t *l)
{
	free(l->reg);
	free(l->edit);
	free(l->alg);
	free(l->note);
	free(l->sign);
	free(l->imp);
	free(l->rot);
	free(l->mrg);
	free(l->umrg);
	memset(l, 0, sizeof *l);
}

static void erow_add(long *arr, int64_t erow)
{
	if (erow > 0 && erow < MAX_EROW)
		arr[erow]++;
}

/* Read the report file of the run just ended; start it afresh. */
static void ledger_read(ledger_t *l)
{
	FILE *f = fopen(fx.report, "r");
	char line[512];
	l->error[0] = '\0';
	if (!f)
		bail("report", strerror(errno));
	while (fgets(line, sizeof line, f)) {
		char a[128];
		int64_t x;
		long n;
		int v;
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "reg %32s", a) == 1) {
			char (*np)[33] = realloc(l->reg, (l->nreg + 1) * sizeof *l->reg);
			if (!np)
				bail("ledger", "out of memory");
			l->reg = np;
			snprintf(l->reg[l->nreg++], 33, "%.32s", a);
			l->reported++;
		} else if (sscanf(line, "edit %32s %d", a, &v) == 2) {
			struct edit_rep e;
			snprintf(e.id, sizeof e.id, "%.32s", a);
			e.version = v;
			PUSH(l->edit, l->nedit, e);
			l->reported++;
		} else if (sscanf(line, "vit %" SCNd64, &x) == 1) {
			erow_add(l->vit, x);
			l->reported++;
		} else if (sscanf(line, "alg %" SCNd64, &x) == 1) {
			PUSH(l->alg, l->nalg, x);
			l->reported++;
		} else if (sscanf(line, "note %" SCNd64, &x) == 1) {
			PUSH(l->note, l->nnote, x);
			l->reported++;
		} else if (sscanf(line, "sign %" SCNd64, &x) == 1) {
			PUSH(l->sign, l->nsign, x);
			l->reported++;
		} else if (sscanf(line, "code %" SCNd64, &x) == 1) {
			erow_add(l->code, x);
			l->reported++;
		} else if (sscanf(line, "imp %63s %ld", a, &n) == 2) {
			struct imp_rep ir;
			snprintf(ir.file, sizeof ir.file, "%.63s", a);
			ir.n = n;
			PUSH(l->imp, l->nimp, ir);
		} else if (sscanf(line, "rot %15s %d", a, &v) == 2) {
			struct rot_rep rr;
			snprintf(rr.domain, sizeof rr.domain, "%.15s", a);
			rr.to = v;
			PUSH(l->rot, l->nrot, rr);
		} else if (sscanf(line, "merge %" SCNd64, &x) == 1) {
			PUSH(l->mrg, l->nmrg, x);
		} else if (sscanf(line, "unmerge %" SCNd64, &x) == 1) {
			PUSH(l->umrg, l->numrg, x);
		} else if (strcmp(line, "search") == 0) {
			l->searches++;
		} else if (sscanf(line, "ops %ld us %" SCNd64, &n, &x) == 2) {
			l->ops = n;
			l->us = x;
		} else if (strncmp(line, "error ", 6) == 0) {
			snprintf(l->error, sizeof l->error, "%s", line + 6);
		}
	}
	fclose(f);
	f = fopen(fx.report, "w");
	if (!f || fclose(f) != 0)
		bail("report", strerror(errno));
}

/* ---- the checks ---- */

typedef struct verdict {
	int lost;  /* reported successes missing */
	int other; /* anything else wrong */
	int shown; /* diagnostics printed (capped) */
} verdict_t;

static void wrong(verdict_t *v, int lost, const char *fmt, ...)
{
	va_list ap;
	if (lost)
		v->lost++;
	else
		v->other++;
	char buf[2048];
	if (v->shown++ >= 12)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* A message of several lines (audit verify's report) stays a TAP
	 * comment on each. */
	for (const char *line = buf; *line;) {
		size_t n = strcspn(line, "\n");
		printf("#   %.*s\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
}

static int64_t sql_int(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		bail(sql, sqlite3_errmsg(db));
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int64_t sql_int64(sqlite3 *db, const char *sql, int64_t a)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		bail(sql, sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Rows of `table` (filtered by `where`) per patient against audit entries
 * with `action` per patient: the number of patients where they differ. */
static int64_t pair_mismatch(sqlite3 *db, const char *table, const char *where,
			     const char *action)
{
	char sql[1024];
	/* A chart merged into another (a merge in force) has its rows on
	 * the kept chart: their entries count there. */
	snprintf(sql, sizeof sql,
		 "WITH r AS (SELECT prow, count(*) n FROM %s WHERE %s GROUP BY prow),"
		 " a AS (SELECT coalesce((SELECT g.keep_prow FROM merges g WHERE g.retire_prow ="
		 " q.prow AND g.undone_at IS NULL), q.prow) grp, count(*) n FROM audit"
		 " JOIN patients q ON q.id = audit.target WHERE action = ?1 GROUP BY grp)"
		 " SELECT count(*) FROM patients p LEFT JOIN r ON r.prow = p.prow"
		 " LEFT JOIN a ON a.grp = p.prow WHERE coalesce(r.n, 0) <> coalesce(a.n, 0)",
		 table, where);
	return sql_int(db, sql, action);
}

/* The single-write changes committed: the audit entries that record them. */
static const char SQL_CHANGES[] =
	"SELECT count(*) FROM audit WHERE action IN ('patient_register', 'patient_edit', "
	"'vitals_record', 'chart_add', 'note_create', 'note_sign') OR action LIKE 'coding\\_%' "
	"ESCAPE '\\'";

/* Decrypted audit entries the checks need (imports and coding). */
typedef struct coding_last {
	long count;
	char to[16];
	char after[160];
} coding_last_t;

typedef struct audit_seen {
	coding_last_t enc[MAX_EROW];
	struct imp_entry {
		char file[64];
		long n;
		int64_t lo, hi;
	} *imp;
	size_t nimp;
	int bad_detail;
	long searches; /* searches in the trail (an entry may hold several) */
} audit_seen_t;

static int collect(const audit_entry_t *e, void *arg)
{
	audit_seen_t *a = arg;
	if (!strcmp(e->action, "patient_search")) {
		/* "kind:TOKEN kind:TOKEN ...", one per search */
		for (const char *p = e->detail; (p = strchr(p, ':')) != NULL; p++)
			a->searches++;
	} else if (!strncmp(e->action, "coding_", 7)) {
		long long erow;
		char to[16];
		const char *after = strstr(e->detail, "after [");
		if (sscanf(e->detail, "encounter %lld %*s -> %15[^;];", &erow, to) != 2 || !after ||
		    erow <= 0 || erow >= MAX_EROW) {
			a->bad_detail++;
			return 0;
		}
		after += 7;
		a->enc[erow].count++;
		snprintf(a->enc[erow].to, sizeof a->enc[erow].to, "%s", to);
		snprintf(a->enc[erow].after, sizeof a->enc[erow].after, "%.*s",
			 (int)strcspn(after, "]"), after);
	} else if (!strcmp(e->action, "patient_import")) {
		/* "import ID of FILE: N patients, rows A..B", one per committed
		 * batch of import ID */
		struct imp_entry ie;
		const char *colon = strstr(e->detail, ": "), *of = strstr(e->detail, " of ");
		long long lo, hi, id;
		int used = 0;
		memset(&ie, 0, sizeof ie);
		if (sscanf(e->detail, "import %lld%n", &id, &used) != 1 || !of || !colon ||
		    e->detail + used != of || of > colon ||
		    sscanf(colon, ": %ld patients, rows %lld..%lld", &ie.n, &lo, &hi) != 3) {
			a->bad_detail++;
			return 0;
		}
		snprintf(ie.file, sizeof ie.file, "%.*s", (int)(colon - of - 4), of + 4);
		ie.lo = lo;
		ie.hi = hi;
		PUSH(a->imp, a->nimp, ie);
	}
	return 0;
}

/* An encounter's coding as the coding audit entry prints it. */
static void coding_summary(sqlite3 *db, int64_t erow, char *out, size_t size)
{
	sqlite3_stmt *st = NULL;
	size_t o = (size_t)snprintf(out, size, "dx:");
	int i = 0;
	if (sqlite3_prepare_v2(db, "SELECT code FROM encounter_dx WHERE erow = ?1 ORDER BY seq", -1,
			       &st, NULL) != SQLITE_OK)
		bail("dx", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, erow);
	while (sqlite3_step(st) == SQLITE_ROW && o < size) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		o += (size_t)snprintf(out + o, size - o, "%s%.3s%s%s", i++ ? "," : " ", c,
				      strlen(c) > 3 ? "." : "", strlen(c) > 3 ? c + 3 : "");
	}
	sqlite3_finalize(st);
	if (o < size)
		o += (size_t)snprintf(out + o, size - o, " px:");
	i = 0;
	if (sqlite3_prepare_v2(db, "SELECT code, modifiers FROM encounter_px WHERE erow = ?1 "
				   "ORDER BY line",
			       -1, &st, NULL) != SQLITE_OK)
		bail("px", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, erow);
	while (sqlite3_step(st) == SQLITE_ROW && o < size) {
		const char *mods = (const char *)sqlite3_column_text(st, 1);
		o += (size_t)snprintf(out + o, size - o, "%s%s", i++ ? "," : " ",
				      (const char *)sqlite3_column_text(st, 0));
		for (const char *q = mods; q && *q && o < size;) {
			size_t n = strcspn(q, ",");
			o += (size_t)snprintf(out + o, size - o, "-%.*s", (int)n, q);
			q += n + (q[n] == ',');
		}
	}
	sqlite3_finalize(st);
}

static void check_reports(sqlite3 *db, const ledger_t *l, verdict_t *v)
{
	for (size_t i = 0; i < l->nreg; i++)
		if (sql_int(db, "SELECT count(*) FROM patients WHERE id = ?1", l->reg[i]) != 1)
			wrong(v, 1, "reported registration %s is missing", l->reg[i]);
	for (size_t i = 0; i < l->nedit; i++)
		if (sql_int(db, "SELECT version FROM patients WHERE id = ?1", l->edit[i].id) <
		    l->edit[i].version)
			wrong(v, 1, "reported edit of %s to version %d is missing", l->edit[i].id,
			      l->edit[i].version);
	for (size_t i = 0; i < l->nalg; i++)
		if (sql_int64(db, "SELECT count(*) FROM allergies WHERE arow = ?1", l->alg[i]) != 1)
			wrong(v, 1, "reported allergy %" PRId64 " is missing", l->alg[i]);
	for (size_t i = 0; i < l->nnote; i++)
		if (sql_int64(db, "SELECT count(*) FROM notes WHERE nrow = ?1", l->note[i]) != 1)
			wrong(v, 1, "reported note %" PRId64 " is missing", l->note[i]);
	for (size_t i = 0; i < l->nsign; i++)
		if (sql_int64(db, "SELECT count(*) FROM notes WHERE nrow = ?1 AND status = 'signed'",
			      l->sign[i]) != 1)
			wrong(v, 1, "reported signature of note %" PRId64 " is missing", l->sign[i]);
	for (size_t i = 0; i < l->nmrg; i++)
		if (sql_int64(db, "SELECT count(*) FROM merges WHERE mrow = ?1", l->mrg[i]) != 1)
			wrong(v, 1, "reported merge %" PRId64 " is missing", l->mrg[i]);
	for (size_t i = 0; i < l->numrg; i++)
		if (sql_int64(db, "SELECT count(*) FROM merges WHERE mrow = ?1 AND undone_at IS NOT NULL",
			      l->umrg[i]) != 1)
			wrong(v, 1, "reported unmerge of %" PRId64 " is missing", l->umrg[i]);
	if (l->nmrg && sql_int64(db, "SELECT count(*) FROM merges WHERE undone_at IS NULL AND ?1 > 0",
				 1) > 1)
		wrong(v, 1, "more than one merge in force");
	for (int64_t e = 1; e < MAX_EROW; e++)
		if (l->vit[e] &&
		    sql_int64(db, "SELECT count(*) FROM vitals WHERE erow = ?1", e) < l->vit[e])
			wrong(v, 1, "encounter %" PRId64 ": %ld vitals reported, fewer saved", e,
			      l->vit[e]);
}

/* Every check on the database at path; the number of problems found. */
static verdict_t check_db(const char *path, const ledger_t *l, int64_t changes_base)
{
	verdict_t v = {0, 0, 0};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	clinic_t *c = NULL;
	session_t *s = NULL;
	audit_seen_t *a = calloc(1, sizeof *a);
	audit_query_t q;
	int64_t n, bad_seq = 0, count = 0;
	msg_t m;

	if (!a)
		bail("check", "out of memory");
	/* The first open after the crash: SQLite recovers the WAL here. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix") != SQLITE_OK)
		bail("open", sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		bail("integrity_check", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);
		if (strcmp(r, "ok") != 0)
			wrong(&v, 0, "integrity_check: %s", r);
	}
	sqlite3_finalize(st);
	if ((n = sql_int(db, "SELECT count(*) FROM pragma_foreign_key_check", NULL)) != 0)
		wrong(&v, 0, "foreign_key_check: %" PRId64 " rows point nowhere", n);

	/* Patients and their index tokens, written together. */
	if ((n = sql_int(db, "SELECT (SELECT count(*) FROM patients) - "
			     "(SELECT count(DISTINCT prow) FROM patient_tokens)",
			 NULL)) != 0)
		wrong(&v, 0, "%" PRId64 " patients without index tokens", n);
	if ((n = sql_int(db, "SELECT count(*) FROM (SELECT DISTINCT prow FROM patient_tokens) t "
			     "WHERE NOT EXISTS (SELECT 1 FROM patients p WHERE p.prow = t.prow)",
			 NULL)) != 0)
		wrong(&v, 0, "%" PRId64 " patients' worth of index tokens without a patient", n);
	if ((n = sql_int(db, "SELECT count(*) FROM patients WHERE match IS NULL", NULL)) != 0)
		wrong(&v, 0, "%" PRId64 " patients without their match set", n);
	/* Each change and its audit entry, written together. */
	if ((n = sql_int(db, "WITH a AS (SELECT target, count(*) n FROM audit WHERE action = "
			     "'patient_register' GROUP BY target) SELECT count(*) FROM patients p "
			     "LEFT JOIN a ON a.target = p.id WHERE p.created_by <> 'him' AND "
			     "coalesce(a.n, 0) <> 1",
			 NULL)) != 0)
		wrong(&v, 0, "%" PRId64 " registered patients without exactly one registration entry",
		      n);
	if ((n = sql_int(db, "SELECT count(*) FROM audit WHERE action = 'patient_register' AND "
			     "target NOT IN (SELECT id FROM patients)",
			 NULL)) != 0)
		wrong(&v, 0, "%" PRId64 " registration entries without their patient", n);
	if ((n = sql_int(db, "WITH a AS (SELECT target, count(*) n FROM audit WHERE action = "
			     "'patient_edit' GROUP BY target) SELECT count(*) FROM patients p LEFT "
			     "JOIN a ON a.target = p.id WHERE p.version - 1 <> coalesce(a.n, 0)",
			 NULL)) != 0)
		wrong(&v, 0, "%" PRId64 " patients whose version disagrees with their edit entries", n);
	{
		static const char *const pairs[][3] = {
			{"encounters", "1", "encounter_checkin"},
			{"encounters", "status = 'closed'", "encounter_close"},
			{"vitals", "1", "vitals_record"},
			{"allergies", "1", "chart_add"},
			{"notes", "1", "note_create"},
			{"notes", "status = 'signed'", "note_sign"},
		};
		for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
			if ((n = pair_mismatch(db, pairs[i][0], pairs[i][1], pairs[i][2])) != 0)
				wrong(&v, 0, "%" PRId64 " patients whose %s (%s) disagree with their %s "
					     "entries",
				      n, pairs[i][0], pairs[i][1], pairs[i][2]);
	}
	if ((n = sql_int(db, "SELECT count(*) FROM (SELECT DISTINCT prow FROM allergies) x LEFT "
			     "JOIN allergy_review r ON r.prow = x.prow WHERE r.nka IS NOT 0",
			 NULL)) != 0)
		wrong(&v, 0, "%" PRId64 " patients with allergies still marked no known allergies", n);
	/* Every reported success is there. */
	check_reports(db, l, &v);
	/* At most one commit per interruption went unreported; none doubled. */
	n = sql_int(db, SQL_CHANGES, NULL) - changes_base;
	if (n < l->reported)
		wrong(&v, 1, "%" PRId64 " changes audited, %ld reported", n, l->reported);
	else if (n > l->reported + l->interruptions)
		wrong(&v, 0, "%" PRId64 " changes audited for %ld reported and %ld interruptions", n,
		      l->reported, l->interruptions);

	/* Through the program: the chain, and the entries' decrypted details. */
	if (clinic_open(path, &fx.cfg, &c, &m) != STATUS_OK || !(s = login(c, "priv", PRIV_PW))) {
		wrong(&v, 0, "cannot sign on after the crash: %s", m.text);
		goto cleanup;
	}
	if (audit_verify(s, NULL, &count, &bad_seq, &m) != STATUS_OK)
		wrong(&v, 0, "audit verify: %s", m.text);
	memset(&q, 0, sizeof q);
	if (audit_list(s, &q, collect, a, &m) != STATUS_OK)
		wrong(&v, 0, "audit list: %s", m.text);
	if (a->bad_detail)
		wrong(&v, 0, "%d coding or import entries in an unknown form", a->bad_detail);
	/* Searches: each reported one in the trail (through the journal),
	 * at most one more per interruption, none twice. */
	if (a->searches < l->searches)
		wrong(&v, 1, "%ld searches reported, %ld in the audit trail", l->searches,
		      a->searches);
	else if (a->searches > l->searches + l->interruptions)
		wrong(&v, 0, "%ld searches in the audit trail for %ld reported and %ld interruptions",
		      a->searches, l->searches, l->interruptions);
	/* Coding: the rows and status are what the last entry says. */
	{
		sqlite3_stmt *e = NULL;
		if (sqlite3_prepare_v2(db, "SELECT erow, coding_status FROM encounters", -1, &e,
				       NULL) != SQLITE_OK)
			bail("encounters", sqlite3_errmsg(db));
		while (sqlite3_step(e) == SQLITE_ROW) {
			int64_t erow = sqlite3_column_int64(e, 0);
			const char *status = (const char *)sqlite3_column_text(e, 1);
			char sum[160];
			const coding_last_t *last;
			if (erow <= 0 || erow >= MAX_EROW)
				continue;
			last = &a->enc[erow];
			coding_summary(db, erow, sum, sizeof sum);
			if (!last->count && (strcmp(status, "uncoded") || strcmp(sum, "dx: px:")))
				wrong(&v, 0, "encounter %" PRId64 " is %s [%s] with no coding entry",
				      erow, status, sum);
			else if (last->count && (strcmp(status, last->to) || strcmp(sum, last->after)))
				wrong(&v, 0, "encounter %" PRId64 " is %s [%s]; its last entry says %s "
					     "[%s]",
				      erow, status, sum, last->to, last->after);
			if (last->count < l->code[erow])
				wrong(&v, 1, "encounter %" PRId64 ": %ld coding steps reported, %ld "
					     "audited",
				      erow, l->code[erow], last->count);
		}
		sqlite3_finalize(e);
	}
	/* Imports: each entry's rows are there and are the only imported ones. */
	{
		int64_t total = 0;
		for (size_t i = 0; i < a->nimp; i++) {
			char sql[160];
			snprintf(sql, sizeof sql,
				 "SELECT count(*) FROM patients WHERE created_by = 'him' AND prow "
				 "BETWEEN %" PRId64 " AND %" PRId64,
				 a->imp[i].lo, a->imp[i].hi);
			if (sql_int(db, sql, NULL) != a->imp[i].n)
				wrong(&v, 0, "import of %s: %ld patients audited, rows %" PRId64
					     "..%" PRId64 " hold another number",
				      a->imp[i].file, a->imp[i].n, a->imp[i].lo, a->imp[i].hi);
			total += a->imp[i].n;
		}
		n = sql_int(db, "SELECT count(*) FROM patients WHERE created_by = 'him'", NULL);
		if (n != total)
			wrong(&v, 0, "%" PRId64 " imported patients, %" PRId64 " in import entries", n,
			      total);
		for (size_t i = 0; i < l->nimp; i++) {
			long got = 0;
			for (size_t j = 0; j < a->nimp; j++)
				if (!strcmp(a->imp[j].file, l->imp[i].file))
					got += a->imp[j].n;
			if (got != l->imp[i].n)
				wrong(&v, 1, "import of %s reported %ld patients, %ld saved",
				      l->imp[i].file, l->imp[i].n, got);
		}
	}
cleanup:
	session_logout(s);
	clinic_close(c);
	sqlite3_close(db);
	free(a->imp);
	free(a);
	return v;
}

/* ---- the rotation's own checks ---- */

/* The key versions: every rotation reported is complete; at most one is
 * under way, and then only its two versions are active. */
static void check_versions(sqlite3 *db, const ledger_t *l, verdict_t *v, int settled)
{
	static const char *const doms[] = {"demo", "clin", "index", "audit"};
	char job[96] = "", jdom[16] = "";
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'rotate_job'", -1, &st,
			       NULL) != SQLITE_OK)
		bail("meta", sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(job, sizeof job, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (job[0] && sscanf(job, "%15s", jdom) != 1)
		wrong(v, 0, "the rotation under way is recorded as '%s'", job);
	if (settled && job[0])
		wrong(v, 0, "a rotation is still under way after a run that was not interrupted: %s",
		      job);
	for (size_t i = 0; i < sizeof doms / sizeof doms[0]; i++) {
		int64_t active = sql_int(db, "SELECT count(*) FROM domain_keys WHERE domain = ?1 AND "
					     "active = 1",
					 doms[i]);
		int64_t want = strcmp(doms[i], jdom) == 0 ? 2 : 1;
		if (active != want)
			wrong(v, 0, "%s key: %" PRId64 " active versions (%s)", doms[i], active,
			      job[0] ? job : "no rotation under way");
	}
	for (size_t i = 0; i < l->nrot; i++) {
		char sql[512];
		const char *d = l->rot[i].domain;
		int to = l->rot[i].to;
		snprintf(sql, sizeof sql,
			 "SELECT (SELECT count(*) FROM domain_keys WHERE domain = ?1 AND version = %d) "
			 "|| ' ' || (SELECT count(*) FROM domain_keys WHERE domain = ?1 AND version < %d "
			 "AND active = 1) || ' ' || ((SELECT count(*) FROM key_wraps WHERE domain = ?1 "
			 "AND version < %d AND holder NOT LIKE 'audit:%%') + (SELECT count(*) FROM "
			 "key_grants WHERE domain = ?1 AND version < %d))",
			 to, to, to, to);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			bail("rotation check", sqlite3_errmsg(db));
		sqlite3_bind_text(st, 1, d, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(st, 0), "1 0 0") != 0)
			wrong(v, 1, "the %s key's reported rotation to version %d is not complete "
				    "(version recorded, older ones active, their wraps and grants: %s)",
			      d, to,
			      sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0)
							 : "?");
		sqlite3_finalize(st);
	}
}

struct count_ctx {
	int n;
};

static int count_item(const chart_item_t *it, void *arg)
{
	(void)it;
	((struct count_ctx *)arg)->n++;
	return 0;
}

static int count_enc(const encounter_info_t *e, void *arg)
{
	(void)e;
	((struct count_ctx *)arg)->n++;
	return 0;
}

static int count_vitals(const vitals_row_t *r, void *arg)
{
	(void)r;
	((struct count_ctx *)arg)->n++;
	return 0;
}

/* Every value reads through a provider's session (demographics,
 * encounters with reason and location, allergies, vitals, notes: each
 * decrypted and its MAC and chart head checked), and the front desk's
 * search finds every patient by MRN and by last name. */
static void check_values(const char *path, sqlite3 *db, ledger_t *l, verdict_t *v)
{
	clinic_t *c = NULL;
	session_t *prov = NULL, *front = NULL;
	sqlite3_stmt *st = NULL;
	patient_t *p = calloc(1, sizeof *p);
	msg_t m;
	if (!p)
		bail("check", "out of memory");
	if (clinic_open(path, &fx.cfg, &c, &m) != STATUS_OK || !(prov = login(c, "prov", PROV_PW)) ||
	    !(front = login(c, "front", FRONT_PW))) {
		wrong(v, 0, "cannot sign on to read after the crash: %s", m.text);
		goto cleanup;
	}
	if (sqlite3_prepare_v2(db, "SELECT id, prow FROM patients ORDER BY prow", -1, &st, NULL) !=
	    SQLITE_OK)
		bail("patients", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		char id[33], mrn[PATIENT_FIELD_MAX], last[PATIENT_FIELD_MAX];
		int64_t prow = sqlite3_column_int64(st, 1);
		struct count_ctx n = {0};
		patient_list_t *found = NULL;
		int hit = 0;
		snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(st, 0));
		if (patient_open(prov, id, NULL, p, &m) != STATUS_OK) {
			wrong(v, 0, "patient %s does not read: %s", id, m.text);
			continue;
		}
		snprintf(mrn, sizeof mrn, "%s", p->f[PF_MRN]);
		snprintf(last, sizeof last, "%s", p->f[PF_LAST]);
		if (encounter_list(prov, id, count_enc, &n, &m) != STATUS_OK ||
		    n.n != sql_int64(db, "SELECT count(*) FROM encounters WHERE prow = ?1", prow))
			wrong(v, 0, "patient %s: encounters do not read whole: %s", id, m.text);
		n.n = 0;
		if (chart_items(prov, id, CHART_ALLERGY, count_item, &n, &m) != STATUS_OK ||
		    n.n != sql_int64(db, "SELECT count(*) FROM allergies WHERE prow = ?1", prow))
			wrong(v, 0, "patient %s: allergies do not read whole: %s", id, m.text);
		n.n = 0;
		if (vitals_list(prov, id, 1000, count_vitals, &n, &m) != STATUS_OK ||
		    n.n != sql_int64(db, "SELECT count(*) FROM vitals WHERE prow = ?1", prow))
			wrong(v, 0, "patient %s: vitals do not read whole: %s", id, m.text);
		/* Searches: by MRN exactly that patient; by last name among them. */
		if (patient_search(front, mrn, 5, &found, &m) != STATUS_OK ||
		    patient_list_count(found) != 1 || strcmp(patient_list_row(found, 0)->id, id) != 0)
			wrong(v, 0, "patient %s is not found by MRN %s: %s", id, mrn, m.text);
		else
			l->searches++;
		patient_list_free(found);
		found = NULL;
		if (patient_search(front, last, 500, &found, &m) == STATUS_OK) {
			l->searches++;
			for (int i = 0; i < patient_list_count(found) && !hit; i++)
				hit = strcmp(patient_list_row(found, i)->id, id) == 0;
		}
		if (!hit)
			wrong(v, 0, "patient %s is not found by last name: %s", id, m.text);
		patient_list_free(found);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT nrow FROM notes", -1, &st, NULL) != SQLITE_OK)
		bail("notes", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		note_info_t n;
		memset(&n, 0, sizeof n);
		if (note_get(prov, sqlite3_column_int64(st, 0), &n, &m) != STATUS_OK)
			wrong(v, 0, "note %" PRId64 " does not read: %s", sqlite3_column_int64(st, 0),
			      m.text);
		note_info_clear(&n);
	}
	sqlite3_finalize(st);
cleanup:
	session_logout(front);
	session_logout(prov);
	clinic_close(c);
	sodium_memzero(p, sizeof *p);
	free(p);
}

static void check_rotation(const char *path, ledger_t *l, verdict_t *v, int settled)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, "unix") != SQLITE_OK)
		bail("open", sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	check_versions(db, l, v, settled);
	check_values(path, db, l, v);
	sqlite3_close(db);
}

/* ---- driving a kind ---- */

static int64_t changes_now(const char *path)
{
	sqlite3 *db = NULL;
	int64_t n;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, "unix") != SQLITE_OK)
		bail("open", path);
	n = sql_int(db, SQL_CHANGES, NULL);
	sqlite3_close(db);
	return n;
}

static const char *end_name(end_t e)
{
	return e == END_DONE ? "finished" : e == END_KILLED ? "killed" : e == END_CUT ? "cut" : "failed";
}

/* Run `iters` interrupted runs of kind k on a fresh copy of the template
 * (after one uninterrupted run that measures the work): with power = 0,
 * kill -9 after a random delay (odd runs) or at a random write/sync (even
 * runs); with power, cut the power at a random write/sync with a random
 * fate. normal: synchronous=NORMAL in the children. Returns the verdict
 * summed over every run. */
static verdict_t drive(const kind_t *k, int iters, int power, int normal, uint64_t seed,
		       int *lossy_runs)
{
	char db[PATH_MAX];
	ledger_t l;
	verdict_t total = {0, 0, 0};
	int64_t base;
	long w_ops;
	int64_t w_us;
	int ends[4] = {0, 0, 0, 0}, at_runs = 0, delay_runs = 0;
	uint64_t rng = seed | 1;
	run_t r;

	memset(&l, 0, sizeof l);
	snprintf(db, sizeof db, "%s/%s%s.db", fx.dir, k->name, normal ? "-normal" : "");
	remove_db(db);
	copy_file(fx.template_db, db);
	if (k->prepare)
		k->prepare(db);
	base = changes_now(db);
	if (lossy_runs)
		*lossy_runs = 0;

	/* The measuring run: no interruption. */
	memset(&r, 0, sizeof r);
	r.mode = CRASHVFS_COUNT;
	r.delay_us = -1;
	r.seed = rng_next(&rng);
	r.normal = normal;
	ends[run_child(k, db, &r)]++;
	ledger_read(&l);
	w_ops = l.ops > 0 ? l.ops : 1;
	w_us = l.us > 0 ? l.us : 1000;
	if (l.error[0])
		wrong(&total, 0, "%s: the uninterrupted run failed: %s", k->name, l.error);
	{
		verdict_t v = check_db(db, &l, base);
		if (k->check)
			k->check(db, &l, &v, 1);
		total.lost += v.lost;
		total.other += v.other;
	}

	for (int it = 1; it <= iters + (k->settle ? 1 : 0); it++) {
		int settle = it > iters;
		end_t e;
		verdict_t v;
		memset(&r, 0, sizeof r);
		r.iter = it;
		r.seed = rng_next(&rng);
		r.normal = normal;
		r.delay_us = -1;
		r.at = 1 + (long)(rng_next(&rng) % (uint64_t)w_ops);
		if (settle) {
			r.mode = CRASHVFS_COUNT; /* the last run: to its end */
		} else if (power) {
			r.mode = CRASHVFS_POWER;
			r.fate = (crashvfs_fate_t)(rng_next(&rng) % 3);
		} else if (it % 2) {
			r.mode = CRASHVFS_COUNT;
			r.delay_us = (int64_t)(rng_next(&rng) % (uint64_t)(w_us + w_us / 5 + 1));
			delay_runs++;
		} else {
			r.mode = CRASHVFS_KILL;
			at_runs++;
		}
		e = run_child(k, db, &r);
		ends[e]++;
		ledger_read(&l);
		if (e == END_KILLED || e == END_CUT)
			l.interruptions++;
		if (e == END_ERROR || l.error[0])
			wrong(&total, 0, "%s run %d: the child failed: %s", k->name, it,
			      l.error[0] ? l.error : "(no message)");
		v = check_db(db, &l, base);
		if (k->check)
			k->check(db, &l, &v, e == END_DONE);
		if (settle && e != END_DONE)
			wrong(&v, 0, "%s: the last run, not interrupted, %s", k->name, end_name(e));
		if ((v.lost || v.other) && r.delay_us >= 0)
			diag("%s run %d (%s after %.1f ms of ~%.1f): %d lost, %d other", k->name, it,
			     end_name(e), (double)r.delay_us / 1000, (double)w_us / 1000, v.lost,
			     v.other);
		else if (v.lost || v.other)
			diag("%s run %d (%s at write/sync %ld of ~%ld, seed %" PRIu64 "): %d lost, "
			     "%d other",
			     k->name, it, end_name(e), r.at, w_ops, r.seed, v.lost, v.other);
		if (v.lost && lossy_runs)
			(*lossy_runs)++;
		total.lost += v.lost;
		total.other += v.other;
	}
	if (power)
		diag("%s%s: %d runs of ~%ld writes/syncs: %d power cuts, %d finished first; %ld "
		     "successes reported",
		     k->name, normal ? " (synchronous=NORMAL)" : "", iters, w_ops, ends[END_CUT],
		     ends[END_DONE] - 1, l.reported + (long)l.nimp);
	else
		diag("%s: %d runs (%d after a random delay up to %.0f ms, %d at a random one of ~%ld "
		     "writes/syncs): %d killed, %d finished first%s; %ld successes reported",
		     k->name, iters, delay_runs, (double)w_us * 1.2 / 1000, at_runs, w_ops,
		     ends[END_KILLED], ends[END_DONE] - 1 - (k->settle ? 1 : 0),
		     k->settle ? "; then one run to the end" : "",
		     l.reported + (long)l.nimp + l.searches + (long)l.nrot);
	ledger_free(&l);
	if (!fx.keep)
		remove_db(db);
	return total;
}

/* The demonstration: register, report, cut the power at once. Returns 1
 * if the reported patient survived. */
static int cut_after_report(int normal, uint64_t seed)
{
	char db[PATH_MAX];
	ledger_t l;
	run_t r;
	end_t e;
	int survived = 0;
	memset(&l, 0, sizeof l);
	memset(&r, 0, sizeof r);
	snprintf(db, sizeof db, "%s/cut%s.db", fx.dir, normal ? "-normal" : "");
	remove_db(db);
	copy_file(fx.template_db, db);
	r.mode = CRASHVFS_COUNT;
	r.fate = CRASHVFS_LOSE_ALL;
	r.delay_us = -1;
	r.seed = seed;
	r.normal = normal;
	e = run_child(&kind_cut, db, &r);
	ledger_read(&l);
	if (e != END_CUT || l.nreg != 1) {
		diag("cut: the child %s (%s)", end_name(e), l.error);
	} else {
		sqlite3 *h = NULL;
		verdict_t v;
		if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, "unix") != SQLITE_OK)
			bail("open", db);
		survived = sql_int(h, "SELECT count(*) FROM patients WHERE id = ?1", l.reg[0]) == 1;
		sqlite3_close(h);
		/* Lost or not, what is there must be whole. */
		l.reported = 0;
		l.nreg = 0;
		l.interruptions = 1;
		v = check_db(db, &l, changes_now(db) - (survived ? 1 : 0));
		if (v.other)
			diag("cut%s: %d other problems", normal ? " (NORMAL)" : "", v.other);
		if (v.other)
			survived = -1;
	}
	ledger_free(&l);
	if (!fx.keep)
		remove_db(db);
	return survived;
}

/* Run the split child once on a fresh copy: 1 if the checks object. */
static int checks_catch_split(uint64_t seed)
{
	char db[PATH_MAX];
	ledger_t l;
	run_t r;
	end_t e;
	int caught = 0;
	memset(&l, 0, sizeof l);
	memset(&r, 0, sizeof r);
	snprintf(db, sizeof db, "%s/split.db", fx.dir);
	remove_db(db);
	copy_file(fx.template_db, db);
	r.mode = CRASHVFS_COUNT;
	r.delay_us = -1;
	r.seed = seed;
	e = run_child(&kind_split, db, &r);
	ledger_read(&l);
	if (e != END_KILLED) {
		diag("split: the child %s (%s)", end_name(e), l.error);
	} else {
		verdict_t v;
		l.interruptions = 1;
		diag("split: what the checks say (expected):");
		v = check_db(db, &l, changes_now(db));
		caught = v.other > 0;
	}
	ledger_free(&l);
	if (!fx.keep)
		remove_db(db);
	return caught;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"iterations", required_argument, NULL, 'i'},
					     {"power", required_argument, NULL, 'p'},
					     {"normal", required_argument, NULL, 'n'},
					     {"kind", required_argument, NULL, 'k'},
					     {"seed", required_argument, NULL, 's'},
					     {"keep", no_argument, NULL, 'K'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int iters = 6, power_iters = 6, normal_iters = 0, opt;
	const char *only = NULL;
	uint64_t seed = (uint64_t)time(NULL);
	const char *tmp = getenv("TMPDIR");
	msg_t m;

	while ((opt = getopt_long(argc, argv, "i:p:n:k:s:Kh", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': iters = atoi(optarg); break;
		case 'p': power_iters = atoi(optarg); break;
		case 'n': normal_iters = atoi(optarg); break;
		case 'k': only = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'K': fx.keep = 1; break;
		default:
			printf("usage: test_crash [--iterations N] [--power N] [--normal N] "
			       "[--kind NAME] [--seed S] [--keep]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	diag("seed %" PRIu64 " (rerun with --seed %" PRIu64 ")", seed, seed);
	if (crypto_init(&m) != STATUS_OK)
		bail("crypto_init", m.text);
	if (config_defaults(&fx.cfg, &m) != STATUS_OK)
		bail("config", m.text);
	fx.cfg.busy_timeout_ms = 5000;
	snprintf(fx.dir, sizeof fx.dir, "%s/chartroom-crash.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx.dir))
		bail("mkdtemp", strerror(errno));
	snprintf(fx.report, sizeof fx.report, "%s/report.txt", fx.dir);
	{
		FILE *f = fopen(fx.report, "w");
		if (!f || fclose(f) != 0)
			bail("report", strerror(errno));
	}
	make_template();

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const kind_t *k = &kinds[i];
		verdict_t v;
		if (only && strcmp(only, k->name) != 0)
			continue;
		if (!k->work) {
			tap_n++;
			printf("ok %d - kill -9 during %s # SKIP not built yet\n", tap_n, k->what);
			continue;
		}
		v = drive(k, iters, 0, 0, seed + i, NULL);
		tap(!v.lost && !v.other,
		    "kill -9 during %s, %d times: no reported success lost (%d), nothing half-done, "
		    "integrity_check and audit verify pass (%d other problems)",
		    k->what, iters, v.lost, v.other);
	}
	if (!only || !strcmp(only, "power")) {
		verdict_t v = drive(&kind_power, power_iters, 1, 0, seed + 100, NULL);
		tap(!v.lost && !v.other,
		    "power cut at a random write/sync (unsynced writes lost, torn or scrambled) "
		    "during mixed writes, %d times, synchronous=FULL: no reported success lost "
		    "(%d), nothing half-done, integrity_check and audit verify pass (%d other)",
		    power_iters, v.lost, v.other);
	}
	if (!only || !strcmp(only, "split"))
		tap(checks_catch_split(seed + 400),
		    "the checks can fail: a vitals row committed without its audit entry (made on "
		    "purpose, then killed) is reported");
	if (!only || !strcmp(only, "cut")) {
		int full = cut_after_report(0, seed + 200);
		int normal = cut_after_report(1, seed + 201);
		tap(full == 1, "synchronous=FULL (as db_open sets it): a registration reported just "
			       "before the power cut is still there");
		tap(normal == 0, "synchronous=NORMAL would lose it: the same registration is gone "
				 "after the same cut (why Chartroom runs FULL)");
	}
	if (normal_iters > 0 && (!only || !strcmp(only, "power"))) {
		int lossy = 0;
		verdict_t v = drive(&kind_power, normal_iters, 1, 1, seed + 300, &lossy);
		diag("synchronous=NORMAL: %d of %d random power cuts lost reported successes", lossy,
		     normal_iters);
		tap(!v.other, "synchronous=NORMAL under the same power cuts: what survives is whole "
			      "(integrity_check, audit verify, no half-done change); %d of %d cuts "
			      "lost reported work",
		    lossy, normal_iters);
	}
	printf("1..%d\n", tap_n);
	if (!fx.keep && tap_failed == 0) {
		char cmd[PATH_MAX + 16];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx.dir);
		if (system(cmd) != 0)
			diag("could not remove %s", fx.dir);
	} else {
		diag("files kept in %s", fx.dir);
	}
	return tap_failed ? 1 : 0;
}
