/* test_backup.c - online backup and restore (core/backup.h).
 *
 * The restore drill: 20 writer processes register patients through the
 * library while an administrator backs the database up; every
 * registration reported before the backup started must be in the
 * restored database, which passes its integrity check and its audit
 * chain check. Then the refusals: an existing file, a backup older than
 * the anchor given, an existing database; and what --force does. */
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "core/backup.h"
#include "core/internal.h"
#include "core/synth.h"
#include "db/db.h"

#define WRITERS 20
#define WRITES 20
#define FRONT_PW "front desk password for the drill"

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	clinic_t *c;
	session_t *admin;
	tu_crypto_init();
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_config(f->cfg);
	f->cfg->busy_timeout_ms = 20000; /* twenty writers wait in line */
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	tu_clinic_init(f->db, f->cfg, NULL);
	c = tu_clinic_open(f->db, f->cfg);
	admin = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	tu_add_user(admin, "front", "frontdesk", FRONT_PW);
	session_logout(admin);
	clinic_close(c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

/* One writer process: sign on as the front desk, register WRITES
 * patients, and after each commit write its MRN, one line, to out (a
 * pipe shared by all writers: lines shorter than PIPE_BUF never mix). */
static void writer(const fixture_t *f, int id, int out)
{
	clinic_t *c = NULL;
	session_t *s = NULL;
	login_info_t info;
	patient_t *p = calloc(1, sizeof *p);
	msg_t m;
	status_t st;
	int tries = 0;

	if (!p || clinic_open(f->db, f->cfg, &c, &m) != STATUS_OK)
		_exit(2);
	while ((st = session_login(c, "front", FRONT_PW, &s, &info, &m)) == STATUS_BUSY &&
	       tries++ < 100)
		usleep(20000);
	if (st != STATUS_OK) {
		fprintf(stderr, "writer %d: sign-on: %s\n", id, m.text);
		_exit(3);
	}
	for (int i = 0; i < WRITES; i++) {
		char line[160];
		pfield_t bad = PF_COUNT;
		synth_patient(20261207u, (int64_t)id * 1000 + i, p);
		tries = 0;
		while ((st = patient_register(s, p, 1, &bad, &m)) == STATUS_BUSY && tries++ < 100)
			usleep(10000);
		if (st != STATUS_OK) {
			fprintf(stderr, "writer %d: register: %s\n", id, m.text);
			_exit(4);
		}
		/* Reported only now, after the commit. */
		snprintf(line, sizeof line, "%s\n", p->f[PF_MRN]);
		if (write(out, line, strlen(line)) != (ssize_t)strlen(line))
			_exit(5);
		usleep((useconds_t)(10000 + (id * 7 + i * 13) % 20 * 1000));
	}
	session_logout(s);
	clinic_close(c);
	_exit(0);
}

/* Read whole lines from fd into mrns until `want` are there (or the pipe
 * ends); returns how many. */
static int read_mrns(int fd, char (*mrns)[32], int have, int want, char *buf, size_t *blen)
{
	while (have < want) {
		char *nl;
		ssize_t n;
		while (have < want && (nl = memchr(buf, '\n', *blen)) != NULL) {
			size_t len = (size_t)(nl - buf);
			assert_true(len < 32);
			memcpy(mrns[have], buf, len);
			mrns[have][len] = '\0';
			have++;
			memmove(buf, nl + 1, *blen - len - 1);
			*blen -= len + 1;
		}
		if (have >= want)
			break;
		n = read(fd, buf + *blen, 4096 - *blen);
		if (n <= 0)
			break;
		*blen += (size_t)n;
	}
	return have;
}

static void test_restore_drill_during_twenty_writers(void **state)
{
	fixture_t *f = *state;
	static char mrns[WRITERS * WRITES][32];
	char buf[4096], out[PATH_MAX], restored[PATH_MAX];
	size_t blen = 0;
	pid_t pids[WRITERS];
	int pipefd[2], before, total, status;
	clinic_t *c, *rc;
	session_t *admin, *s;
	backup_report_t rep, check;
	patient_t *p = calloc(1, sizeof *p);
	msg_t m;
	status_t st;

	assert_non_null(p);
	tu_path(out, f->dir, "drill-backup.db");
	tu_path(restored, f->dir, "restored.db");
	assert_int_equal(pipe(pipefd), 0);
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(pipefd[0]);
			writer(f, i, pipefd[1]);
		}
	}
	close(pipefd[1]);
	c = tu_clinic_open(f->db, f->cfg);
	admin = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	/* The changes committed and reported before the backup starts. */
	before = read_mrns(pipefd[0], mrns, 0, WRITERS * WRITES / 4, buf, &blen);
	assert_int_equal(before, WRITERS * WRITES / 4);
	st = backup_take(admin, out, 0, &rep, &m);
	if (st != STATUS_OK)
		fail_msg("backup during the writers: %s", m.text);
	total = read_mrns(pipefd[0], mrns, before, WRITERS * WRITES, buf, &blen);
	close(pipefd[0]);
	for (int i = 0; i < WRITERS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(total, WRITERS * WRITES);
	session_logout(admin);
	clinic_close(c);

	/* The backup: mode 0600, made while the writers wrote (the live
	 * database went on past it), integrity and chain checked. */
	{
		struct stat sb;
		assert_int_equal(stat(out, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
	assert_true(tu_sql_int(f->db, "SELECT count(*) FROM patients") == WRITERS * WRITES);

	/* Restore it and find every change reported before it began. */
	st = backup_restore(f->cfg, out, restored, TU_ADMIN, TU_ADMIN_PW, rep.anchor, 0, &rep, &m);
	if (st != STATUS_OK)
		fail_msg("restore: %s", m.text);
	assert_string_equal(rep.aside, "");
	{
		int64_t n = tu_sql_int(restored, "SELECT count(*) FROM patients");
		assert_true(n >= before);
		assert_true(n < WRITERS * WRITES); /* a moment in the middle, not the end */
	}
	rc = tu_clinic_open(restored, f->cfg);
	s = tu_login(rc, "front", FRONT_PW);
	for (int i = 0; i < before; i++) {
		st = patient_open(s, mrns[i], NULL, p, &m);
		if (st == STATUS_BTG_REQUIRED) /* a confidential one: found */
			st = patient_open(s, mrns[i], "restore drill: is it there", p, &m);
		if (st != STATUS_OK)
			fail_msg("%s, committed before the backup, is not in the restore: %s", mrns[i],
				 m.text);
		sodium_memzero(p, sizeof *p);
	}
	session_logout(s);
	clinic_close(rc);
	assert_int_equal(tu_audit_count(restored, "restore", TU_ADMIN), 1);

	/* The restored file as a whole: integrity and the chain. */
	assert_int_equal(clinic_open_copy(restored, f->cfg, &rc, &m), STATUS_OK);
	s = tu_login(rc, TU_ADMIN, TU_ADMIN_PW);
	st = backup_check(s, rep.restored_anchor, &check, &m);
	if (st != STATUS_OK)
		fail_msg("restored database: %s", m.text);
	/* ... which holds the restore's anchor, with the chart opens above after it */
	assert_true(check.entries > atoll(rep.restored_anchor));
	session_logout(s);
	clinic_close(rc);
	free(p);
}

/* Take a backup as admin; the status. */
static status_t take(fixture_t *f, const char *out, int force, backup_report_t *rep, msg_t *m)
{
	clinic_t *c = tu_clinic_open(f->db, f->cfg);
	session_t *s = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	status_t st = backup_take(s, out, force, rep, m);
	session_logout(s);
	clinic_close(c);
	return st;
}

static void test_backup_refuses_to_overwrite_and_is_audited(void **state)
{
	fixture_t *f = *state;
	char out[PATH_MAX], man[PATH_MAX + 16];
	backup_report_t rep, rep2;
	size_t len1 = 0, len2 = 0;
	unsigned char *a, *b;
	msg_t m;
	clinic_t *c;
	session_t *s;

	tu_path(out, f->dir, "b.db");
	snprintf(man, sizeof man, "%s.manifest", out);
	assert_int_equal(take(f, out, 0, &rep, &m), STATUS_OK);
	assert_true(tu_has(m.text, rep.anchor));
	assert_int_equal(access(man, F_OK), 0);
	a = tu_read_file(out, &len1);
	/* Again without --force: refused, the file untouched. */
	assert_int_equal(take(f, out, 0, &rep2, &m), STATUS_EXISTS);
	assert_true(tu_has(m.text, "--force"));
	b = tu_read_file(out, &len2);
	assert_true(len1 == len2 && memcmp(a, b, len1) == 0);
	free(b);
	/* With --force: replaced by a newer, checked copy. */
	assert_int_equal(take(f, out, 1, &rep2, &m), STATUS_OK);
	assert_string_not_equal(rep.anchor, rep2.anchor);
	free(a);
	/* Each backup is in the live trail; the refused one is not a backup. */
	assert_int_equal(tu_audit_count(f->db, "backup", TU_ADMIN), 2);
	/* No partial files left behind. */
	{
		DIR *d = opendir(f->dir);
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			assert_null(strstr(e->d_name, ".partial-"));
		closedir(d);
	}
	/* Only the backup permission takes one. */
	c = tu_clinic_open(f->db, f->cfg);
	s = tu_login(c, "front", FRONT_PW);
	tu_path(out, f->dir, "front.db");
	assert_int_equal(backup_take(s, out, 0, &rep, &m), STATUS_DENIED);
	assert_int_equal(access(out, F_OK), -1);
	session_logout(s);
	clinic_close(c);
}

static void test_verify_finds_a_damaged_copy(void **state)
{
	fixture_t *f = *state;
	char out[PATH_MAX], bare[PATH_MAX];
	backup_report_t rep;
	clinic_t *c;
	session_t *s;
	msg_t m;
	size_t len = 0;
	unsigned char *bytes;
	int64_t root, page;
	size_t flip = 0;

	tu_path(out, f->dir, "v.db");
	tu_path(bare, f->dir, "bare.db");
	assert_int_equal(take(f, out, 0, &rep, &m), STATUS_OK);
	/* A byte flipped anywhere: the manifest finds it. Anywhere opening the
	 * copy does not read itself (the audit trail's pages are checked at
	 * open and refuse it sooner): the first of a few places that opens. */
	bytes = tu_read_file(out, &len);
	{
		const size_t at[] = {len / 2, len / 3, len / 4, len / 3 * 2, len / 4 * 3};
		int opened = 0;
		for (size_t i = 0; !opened && i < sizeof at / sizeof at[0]; i++) {
			flip = at[i];
			bytes[flip] ^= 0x01;
			tu_write_file(out, bytes, len, 0600);
			if (clinic_open_copy(out, f->cfg, &c, &m) == STATUS_OK)
				opened = 1;
			else
				bytes[flip] ^= 0x01;
		}
		assert_true(opened);
	}
	s = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	assert_int_equal(backup_check(s, NULL, &rep, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "does not match its manifest"));
	session_logout(s);
	clinic_close(c);
	/* Without a manifest (a copy made by hand): an index page damaged is
	 * found by the integrity check. */
	bytes[flip] ^= 0x01;
	tu_write_file(bare, bytes, len, 0600);
	root = tu_sql_int(bare, "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND "
				"tbl_name = 'patients' ORDER BY rootpage LIMIT 1");
	page = tu_sql_int(bare, "PRAGMA page_size");
	assert_true(root > 1 && page > 0);
	free(bytes);
	bytes = tu_read_file(bare, &len);
	bytes[(root - 1) * page] = 0x05; /* an index leaf (0x0a) made an interior table page */
	tu_write_file(bare, bytes, len, 0600);
	free(bytes);
	assert_int_equal(clinic_open_copy(bare, f->cfg, &c, &m), STATUS_OK);
	s = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	assert_int_equal(backup_check(s, NULL, &rep, &m), STATUS_INTEGRITY);
	session_logout(s);
	clinic_close(c);
}

static void test_restore_refuses_an_older_copy_and_keeps_what_it_replaces(void **state)
{
	fixture_t *f = *state;
	char out[PATH_MAX], anchor[96], aside_text[PATH_MAX + 64];
	backup_report_t rep;
	clinic_t *c;
	session_t *s;
	patient_t p;
	msg_t m;
	int64_t patients_now;

	tu_path(out, f->dir, "old.db");
	assert_int_equal(take(f, out, 0, &rep, &m), STATUS_OK);
	/* Life goes on after the backup: a patient, and an anchor kept. */
	c = tu_clinic_open(f->db, f->cfg);
	s = tu_login(c, "front", FRONT_PW);
	tu_patient(&p, "Quillfeather", "Ottoline", "1975-03-14", "F");
	tu_register(s, &p, 1);
	session_logout(s);
	s = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	assert_int_equal(audit_anchor(s, anchor, sizeof anchor, &m), STATUS_OK);
	session_logout(s);
	clinic_close(c);
	patients_now = tu_sql_int(f->db, "SELECT count(*) FROM patients");

	/* The database exists: refused without --force. */
	assert_int_equal(backup_restore(f->cfg, out, f->db, TU_ADMIN, TU_ADMIN_PW, NULL, 0, &rep,
					&m),
			 STATUS_EXISTS);
	/* Still refused first because it exists (with an anchor too). */
	assert_int_equal(backup_restore(f->cfg, out, f->db, TU_ADMIN, TU_ADMIN_PW, anchor, 0, &rep,
					&m),
			 STATUS_EXISTS);
	{
		char fresh[PATH_MAX];
		tu_path(fresh, f->dir, "fresh.db");
		assert_int_equal(backup_restore(f->cfg, out, fresh, TU_ADMIN, TU_ADMIN_PW, anchor, 0,
						&rep, &m),
				 STATUS_INTEGRITY);
		assert_true(tu_has(m.text, "older"));
		assert_int_equal(access(fresh, F_OK), -1);
	}
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), patients_now);
	/* --force: restored over the live file, which is kept aside whole. */
	assert_int_equal(backup_restore(f->cfg, out, f->db, TU_ADMIN, TU_ADMIN_PW, anchor, 1, &rep,
					&m),
			 STATUS_OK);
	assert_true(rep.forced);
	assert_true(rep.aside[0] != '\0');
	snprintf(aside_text, sizeof aside_text, "%s", rep.aside);
	assert_int_equal(tu_sql_int(aside_text, "SELECT count(*) FROM patients"), patients_now);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), patients_now - 1);
	assert_int_equal(tu_audit_count(f->db, "restore", TU_ADMIN), 1);
	{
		struct stat sb;
		assert_int_equal(stat(f->db, &sb), 0);
		assert_int_equal(sb.st_mode & 0007, 0); /* never open to others */
	}
	/* The restored database works and its chain holds. */
	c = tu_clinic_open(f->db, f->cfg);
	s = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	{
		int64_t count = 0, bad = 0;
		assert_int_equal(audit_verify(s, NULL, &count, &bad, &m), STATUS_OK);
	}
	session_logout(s);
	clinic_close(c);
}

static void test_restore_refuses_a_database_in_use(void **state)
{
	fixture_t *f = *state;
	char out[PATH_MAX];
	backup_report_t rep;
	clinic_t *c;
	session_t *s;
	msg_t m;

	tu_path(out, f->dir, "u.db");
	assert_int_equal(take(f, out, 0, &rep, &m), STATUS_OK);
	c = tu_clinic_open(f->db, f->cfg);
	s = tu_login(c, "front", FRONT_PW);
	assert_int_equal(backup_restore(f->cfg, out, f->db, TU_ADMIN, TU_ADMIN_PW, NULL, 1, &rep, &m),
			 STATUS_BUSY);
	assert_true(tu_has(m.text, "in use"));
	session_logout(s);
	clinic_close(c);
	assert_int_equal(backup_restore(f->cfg, out, f->db, TU_ADMIN, TU_ADMIN_PW, NULL, 1, &rep, &m),
			 STATUS_OK);
}

/* A backup made by the release before (its last migration undone, its
 * version set back): --verify cannot upgrade it read-only and says so;
 * restore upgrades it, checked, and it works. */
static void test_restore_upgrades_a_backup_from_an_older_chartroom(void **state)
{
	fixture_t *f = *state;
	char out[PATH_MAX], man[PATH_MAX + 16], restored[PATH_MAX];
	backup_report_t rep;
	clinic_t *c;
	session_t *s;
	patient_t p;
	msg_t m;

	c = tu_clinic_open(f->db, f->cfg);
	s = tu_login(c, "front", FRONT_PW);
	tu_patient(&p, "Quillfeather", "Ottoline", "1975-03-14", "F");
	tu_register(s, &p, 1);
	session_logout(s);
	clinic_close(c);
	tu_path(out, f->dir, "older.db");
	tu_path(restored, f->dir, "upgraded.db");
	assert_int_equal(take(f, out, 0, &rep, &m), STATUS_OK);
	snprintf(man, sizeof man, "%s.manifest", out);
	unlink(man); /* the file is about to change */
	/* As the release before migration 009 left it (a restore of a
	 * backup from before integrity, 007, is tests/e2e/test_reseal.sh's). */
	tu_sql(out, "DROP TABLE audit_events; DROP TABLE imports;"
		    "DROP INDEX patients_sort_rank; ALTER TABLE patients DROP COLUMN sort_rank;" /* 011 */
		    "DROP INDEX audit_target; DROP INDEX audit_btg_reviews; DROP INDEX audit_btg_accesses; DROP TABLE btg_review;" /* 013 */
		    "DROP TABLE patient_identifiers; DROP TABLE procedure_history;"
		    "ALTER TABLE encounters DROP COLUMN site;" /* 018 */
		    "DROP TABLE audit_listed; ALTER TABLE audit DROP COLUMN listed;" /* 019 (listed), undone */
		    "DROP TABLE providers; ALTER TABLE encounters DROP COLUMN provider_ref;"
		    "ALTER TABLE encounters DROP COLUMN source;" /* 022, undone */
		    "PRAGMA user_version = 8;");

	/* and the reports migration's columns and indexes (012) undone too */
	tu_sql(out, "DROP INDEX encounters_start; DROP INDEX audit_action_ts; "
		    "ALTER TABLE patients DROP COLUMN quality; "
		    "ALTER TABLE encounters DROP COLUMN final_at; "
		    "ALTER TABLE encounters DROP COLUMN final_by;");

	assert_int_equal(clinic_open_copy(out, f->cfg, &c, &m), STATUS_SCHEMA);
	assert_true(tu_has(m.text, "older Chartroom"));
	assert_int_equal(backup_restore(f->cfg, out, restored, TU_ADMIN, TU_ADMIN_PW, NULL, 0, &rep,
					&m),
			 STATUS_OK);
	assert_int_equal(tu_sql_int(restored, "PRAGMA user_version"), db_schema_latest());
	c = tu_clinic_open(restored, f->cfg);
	s = tu_login(c, "front", FRONT_PW);
	{
		char mrn[sizeof p.f[PF_MRN]];
		snprintf(mrn, sizeof mrn, "%s", p.f[PF_MRN]);
		assert_int_equal(patient_open(s, mrn, NULL, &p, &m), STATUS_OK);
		assert_string_equal(p.f[PF_LAST], "Quillfeather");
	}
	session_logout(s);
	clinic_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_restore_drill_during_twenty_writers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backup_refuses_to_overwrite_and_is_audited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_finds_a_damaged_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_restore_refuses_an_older_copy_and_keeps_what_it_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_refuses_a_database_in_use, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_restore_upgrades_a_backup_from_an_older_chartroom,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
