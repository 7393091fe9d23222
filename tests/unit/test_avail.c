/* test_avail.c - many users at once (README "Many users at once"): reads
 * never wait for a writer (sign-on, search, a chart section, sign-off
 * while another connection holds the write lock), their audit events are
 * chained into the trail exactly once, and every action is recorded
 * exactly once even when the writes around it fail (issue 15 item 6).
 *
 * Write failures are injected below SQLite for the clinic database: a VFS
 * of this test's own, registered as the default, passes every call to the
 * real one but makes writes, syncs and truncations fail with SQLITE_IOERR
 * while armed; and for the audit journal (PATH.audit-journal, a file of
 * the db layer's own) by putting /dev/full in place of every descriptor of
 * it this process holds, and back. */
#include "testutil.h"
#include "testvfs.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>

#include "core/clinical.h"
#include "core/import.h"
#include "core/internal.h"
#include "core/policy.h"
#include "core/patient_search.h"
#include "core/rotate.h"

#define FD_PW "front desk password for avail"
#define NURSE_PW "nurse password for avail tests"

/* ---- the failing VFS (testvfs.h) ---------------------------------------- */

static int fail_main; /* armed: the named files' writes, syncs and truncations fail */
static int failures;  /* refused so far */

static int fail_hook(int op, int named)
{
	if (!named || !fail_main)
		return 0;
	failures++;
	return op == TV_WRITE ? SQLITE_IOERR_WRITE
	       : op == TV_SYNC ? SQLITE_IOERR_FSYNC
			       : SQLITE_IOERR_TRUNCATE;
}

/* ---- the failing journal ------------------------------------------------ */

/* The descriptors of audit journals this process holds, and copies of
 * them kept while /dev/full stands in their place (writes fail ENOSPC,
 * reads see zeros: the journal cannot be read or written). */
static struct {
	int fd, saved;
} jfds[16];
static int njfds;

static void journal_fail(int on)
{
	if (on && !njfds) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *de;
		int full = open("/dev/full", O_RDWR | O_CLOEXEC);
		assert_non_null(d);
		assert_true(full >= 0);
		while ((de = readdir(d)) != NULL && njfds < 16) {
			char link[300], target[PATH_MAX];
			ssize_t n;
			int fd = atoi(de->d_name);
			snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
			n = readlink(link, target, sizeof target - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (!tu_has(target, ".audit-journal"))
				continue;
			jfds[njfds].fd = fd;
			jfds[njfds].saved = dup(fd);
			assert_true(jfds[njfds].saved >= 0);
			assert_true(dup2(full, fd) == fd);
			njfds++;
		}
		closedir(d);
		close(full);
		assert_true(njfds > 0);
	} else if (!on) {
		for (int i = 0; i < njfds; i++) {
			assert_true(dup2(jfds[i].saved, jfds[i].fd) == jfds[i].fd);
			close(jfds[i].saved);
		}
		njfds = 0;
	}
}

/* ---- fixture ------------------------------------------------------------ */

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	clinic_t *c;
	session_t *admin;
	patient_t p;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	tu_crypto_init();
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_config(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	tu_clinic_init(f->db, f->cfg, NULL);
	f->c = tu_clinic_open(f->db, f->cfg);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	tu_add_user(f->admin, "fd", "frontdesk", FD_PW);
	tu_add_user(f->admin, "nurse", "nurse", NURSE_PW);
	{
		session_t *s = tu_login(f->c, "fd", FD_PW);
		tu_patient(&f->p, "Availworth", "Ada", "1970-04-04", "F");
		tu_register(s, &f->p, 1);
		session_logout(s);
	}
	tu_audit_flush(f->admin);
	journal_fail(0);
	fail_main = failures = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	journal_fail(0);
	fail_main = 0;
	session_logout(f->admin);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

/* Trail entries (chained) with this action by user. */
static int64_t chained(fixture_t *f, const char *action, const char *user)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM audit WHERE action = '%s' AND user_name = '%s'", action,
		 user);
	return tu_sql_int(f->db, sql);
}

static int count_tokens(const audit_entry_t *e, void *arg)
{
	int64_t *n = arg;
	if (strcmp(e->action, "patient_search") == 0)
		for (const char *p = e->detail; (p = strchr(p, ':')) != NULL; p++)
			(*n)++;
	return 0;
}

/* Searches by user in the trail (each kind:token once), after chaining. */
static int64_t searches_chained(fixture_t *f, const char *user)
{
	audit_query_t q;
	int64_t n = 0;
	msg_t m;
	memset(&q, 0, sizeof q);
	q.user_name = user;
	assert_int_equal(audit_list(f->admin, &q, count_tokens, &n, &m), STATUS_OK);
	return n;
}

static void verify_ok(fixture_t *f)
{
	int64_t count, bad;
	msg_t m;
	status_t st = audit_verify(f->admin, NULL, &count, &bad, &m);
	if (st != STATUS_OK)
		fail_msg("audit verify: %s", m.text);
	assert_true(tu_has(m.text, "audit chain OK"));
}

/* ---- reads never wait for a writer -------------------------------------- */

static int no_vitals(const vitals_row_t *v, void *arg)
{
	(void)v;
	(void)arg;
	return 0;
}

/* Another connection holds the write lock the whole time, and this
 * clinic would give up a wait after 300 ms: signing on, searching,
 * reading a chart section, locking, unlocking and signing off all work
 * and show their results; their events are recorded, and chained exactly
 * once when the lock is free and someone writes. */
static void test_reads_while_a_writer_holds_the_lock(void **state)
{
	fixture_t *f = *state;
	config_t *quick = malloc(sizeof *quick);
	clinic_t *c2;
	session_t *s, *n;
	sqlite3 *other;
	patient_list_t *l = NULL;
	login_info_t info;
	patient_t p;
	msg_t m;

	assert_non_null(quick);
	*quick = *f->cfg;
	quick->busy_timeout_ms = 300;
	tu_audit_flush(f->admin);
	assert_int_equal(clinic_open(f->db, quick, &c2, &m), STATUS_OK);
	other = tu_sql_open(f->db);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	/* Sign-on, a search with its results, a clinical section, a lock
	 * and an unlock, sign-off: none of them waits. */
	assert_int_equal(session_login(c2, "fd", FD_PW, &s, &info, &m), STATUS_OK);
	assert_int_equal(patient_search(s, "availw", 10, &l, &m), STATUS_OK);
	assert_int_equal(patient_list_count(l), 1);
	assert_string_equal(patient_list_row(l, 0)->id, f->p.id);
	patient_list_free(l);
	assert_int_equal(patient_search(s, "1970-04-04", 10, &l, &m), STATUS_OK);
	assert_int_equal(patient_list_count(l), 1);
	patient_list_free(l);
	assert_int_equal(session_lock(s, &m), STATUS_OK);
	assert_int_equal(session_unlock(s, FD_PW, &m), STATUS_OK);
	session_logout(s);
	assert_int_equal(session_login(c2, "nurse", NURSE_PW, &n, &info, &m), STATUS_OK);
	assert_int_equal(vitals_list(n, f->p.id, 10, no_vitals, NULL, &m), STATUS_OK);
	session_logout(n);
	assert_int_equal(clinic_flush_audit(c2, &m), STATUS_OK);

	/* A change meanwhile cannot go through (it waits, here only 300 ms)
	 * and records nothing. */
	s = tu_login(c2, "fd", FD_PW);
	tu_patient(&p, "Lockedout", "Lee", "1971-01-01", "M");
	{
		pfield_t bad;
		assert_int_equal(patient_register(s, &p, 1, &bad, &m), STATUS_BUSY);
		assert_false(tu_has(m.text, "busy"));
	}
	session_logout(s);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);

	/* Everything was recorded while the lock was held... */
	assert_int_equal(tu_audit_count(f->db, "login", "fd"), 2 + 1);
	assert_int_equal(tu_audit_count(f->db, "patient_search", "fd"), 2);
	assert_int_equal(tu_audit_count(f->db, "idle_lock", "fd"), 1);
	assert_int_equal(tu_audit_count(f->db, "unlock", "fd"), 1);
	assert_int_equal(tu_audit_count(f->db, "chart_view", "nurse"), 1);
	assert_int_equal(tu_audit_count(f->db, "patient_register", "fd"), 1); /* setup's only */
	/* ... and the next change chains it, once. */
	tu_audit_flush(f->admin);
	tu_audit_flush(f->admin);
	assert_int_equal(chained(f, "idle_lock", "fd"), 1);
	assert_int_equal(chained(f, "unlock", "fd"), 1);
	assert_int_equal(chained(f, "chart_view", "nurse"), 1);
	assert_int_equal(chained(f, "logout", "nurse"), 1);
	assert_int_equal(searches_chained(f, "fd"), 2);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), 1);
	verify_ok(f);
	clinic_close(c2);
	free(quick);
}

/* ---- every action once, whatever fails around it ------------------------ */

/* Sign-off when the audit journal cannot be written: the sign-off goes
 * ahead and its event is kept; a search cannot be recorded, so it shows
 * nothing; a change that fails (the database refuses its writes) records
 * nothing, its own entry included, and chains nothing; the next change
 * that succeeds records the sign-off and the searches before it, once
 * each; later writes add nothing. */
static void test_signoff_when_writes_fail(void **state)
{
	fixture_t *f = *state;
	session_t *s, *w;
	patient_list_t *l;
	patient_t p;
	pfield_t bad;
	msg_t m;
	int64_t logouts = chained(f, "logout", "fd");

	s = tu_login(f->c, "fd", FD_PW);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(patient_search(s, i == 1 ? "1970-04-04" : "availworth", 10, &l, &m),
				 STATUS_OK);
		patient_list_free(l);
	}
	w = tu_login(f->c, "fd", FD_PW);

	journal_fail(1);
	fail_main = 1;
	session_logout(s); /* its journal write fails: kept by the clinic */
	assert_true(failures > 0);
	assert_int_equal(f->c->nunsent, 1);
	/* A search now could not be recorded: it shows nothing, keeps nothing. */
	l = (patient_list_t *)1;
	assert_int_not_equal(patient_search(w, "availworth", 10, &l, &m), STATUS_OK);
	assert_null(l);
	assert_int_equal(f->c->nunsent, 1);

	/* A change while the database refuses writes: nothing of it stays,
	 * not its audit entry, and nothing waiting is chained by it. */
	tu_patient(&p, "Failedwrite", "Fay", "1972-02-02", "F");
	assert_int_not_equal(patient_register(w, &p, 1, &bad, &m), STATUS_OK);
	fail_main = 0;
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), 1);
	assert_int_equal(chained(f, "patient_register", "fd"), 1); /* the setup's */
	assert_int_equal(chained(f, "logout", "fd"), logouts);
	assert_int_equal(chained(f, "patient_search", "fd"), 0);

	/* The journal still refuses; the database takes writes again. A
	 * successful change chains what waits in the journal and what this
	 * process kept: the searches and the sign-off, once each. */
	tu_patient(&p, "Goodwrite", "Gus", "1973-03-03", "M");
	assert_int_equal(patient_register(w, &p, 1, &bad, &m), STATUS_OK);
	assert_int_equal(chained(f, "patient_register", "fd"), 2);
	assert_int_equal(chained(f, "logout", "fd"), logouts + 1);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), 2);
	journal_fail(0);

	/* The kept sign-off goes to the journal at the next chance, and is
	 * cleared there as already chained: no second copy, ever. */
	session_logout(w);
	assert_int_equal(f->c->nunsent, 0);
	tu_audit_flush(f->admin);
	tu_audit_flush(f->admin);
	assert_int_equal(chained(f, "logout", "fd"), logouts + 2);
	assert_int_equal(searches_chained(f, "fd"), 3);
	assert_int_equal(tu_audit_count(f->db, "logout", "fd"), logouts + 2);
	verify_ok(f);
}

/* The journal cannot be cleared after its events were chained (as if the
 * process died between the commit and the delete): the next step finds
 * them chained and deletes them; none is chained twice. */
static void test_chained_but_not_cleared(void **state)
{
	fixture_t *f = *state;
	session_t *s = tu_login(f->c, "fd", FD_PW);
	patient_list_t *l;
	msg_t m;
	int64_t waiting = 0, entries;

	for (int i = 0; i < 5; i++) {
		assert_int_equal(patient_search(s, "availworth", 10, &l, &m), STATUS_OK);
		patient_list_free(l);
	}
	/* Chained: in the trail, and (until a later step) still in the journal. */
	tu_audit_flush(s);
	entries = chained(f, "patient_search", "fd");
	assert_true(entries >= 1);
	assert_int_equal(db_journal_count(f->c->db, &waiting, &m), STATUS_OK);
	assert_true(waiting >= 5);
	/* Now the journal cannot be written: the step that would clear them
	 * fails, and chains nothing again. */
	journal_fail(1);
	assert_int_not_equal(audit_flush(s, &m), STATUS_OK);
	journal_fail(0);
	assert_int_equal(chained(f, "patient_search", "fd"), entries);
	tu_audit_flush(f->admin);
	tu_audit_flush(f->admin);
	assert_int_equal(chained(f, "patient_search", "fd"), entries);
	assert_int_equal(searches_chained(f, "fd"), 5);
	/* What is left in the journal is chained, and known to be. */
	assert_int_equal(db_journal_count(f->c->db, &waiting, &m), STATUS_OK);
	assert_true(waiting < 5);
	assert_int_equal(tu_audit_count(f->db, "patient_search", "fd"),
			 chained(f, "patient_search", "fd"));
	session_logout(s);
	verify_ok(f);
}

/* Locking when the journal refuses: the event goes straight into the
 * trail (a write of its own). When the database refuses too, the keys
 * are wiped all the same, the event is kept and written at the next
 * pause; recorded once either way. */
static void test_lock_when_the_journal_fails(void **state)
{
	fixture_t *f = *state;
	session_t *s;
	msg_t m;
	char before[32], after[32];
	tu_sql_text(f->db, "SELECT coalesce(last_login, '') FROM users WHERE name = 'nurse'", before,
		    sizeof before);
	journal_fail(1);
	/* A sign-on too: into the trail, and it is the account's last. */
	s = tu_login(f->c, "nurse", NURSE_PW);
	assert_int_equal(chained(f, "login", "nurse"), 1);
	tu_sql_text(f->db, "SELECT last_login FROM users WHERE name = 'nurse'", after, sizeof after);
	assert_true(strcmp(after, before) > 0);
	assert_int_equal(session_lock(s, &m), STATUS_OK);
	assert_true(session_is_locked(s));
	assert_int_equal(chained(f, "idle_lock", "nurse"), 1);
	assert_int_equal(session_unlock(s, NURSE_PW, &m), STATUS_OK);
	assert_int_equal(chained(f, "unlock", "nurse"), 1);

	fail_main = 1;
	assert_int_not_equal(session_lock(s, &m), STATUS_OK);
	assert_true(session_is_locked(s));
	assert_true(tu_has(m.text, "kept"));
	assert_int_equal(tu_audit_count(f->db, "idle_lock", "nurse"), 1);
	journal_fail(0);
	fail_main = 0;
	assert_int_equal(session_idle(s, &m), STATUS_OK); /* the pause's write */
	assert_int_equal(tu_audit_count(f->db, "idle_lock", "nurse"), 2);
	tu_audit_flush(f->admin);
	tu_audit_flush(f->admin);
	assert_int_equal(chained(f, "idle_lock", "nurse"), 2);
	session_logout(s);
	verify_ok(f);
}

/* A forged or altered event in the journal file is not taken as it
 * claims: the trail records that it was rejected, and the chain holds. */
static uint32_t fnv1a(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* In every record of the journal at path (its layout: db/db_journal.c,
 * records from byte 4096, each a length, an FNV-1a sum and the payload),
 * replace the bytes `from` by `to` (as long) and sum it again, as someone
 * editing the file would. The number of records changed. */
static int journal_edit(const char *path, const void *from, const void *to, size_t n)
{
	size_t len = 0, o = 4096;
	unsigned char *b = tu_read_file(path, &len);
	int changed = 0;
	assert_non_null(b);
	while (o + 8 <= len) {
		uint32_t rl, sum;
		int hit = 0;
		memcpy(&rl, b + o, 4);
		if (rl == 0 || o + 8 + rl > len)
			break;
		for (size_t i = o + 8; i + n <= o + 8 + rl; i++)
			if (memcmp(b + i, from, n) == 0) {
				memcpy(b + i, to, n);
				hit = 1;
			}
		if (hit) {
			sum = fnv1a(b + o + 8, rl);
			memcpy(b + o + 4, &sum, 4);
			changed++;
		}
		o += 8 + rl;
	}
	{
		int fd = open(path, O_WRONLY);
		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, b, len, 0), (ssize_t)len);
		close(fd);
	}
	free(b);
	return changed;
}

static void test_altered_journal_event_rejected(void **state)
{
	fixture_t *f = *state;
	session_t *s = tu_login(f->c, "fd", FD_PW);
	char jpath[PATH_MAX + 16];
	msg_t m;
	patient_list_t *l;
	static const char from[] = "\x0epatient_search\x00\x02ok", to[] = "\x0epatient_search\x00\x02no";
	assert_int_equal(patient_search(s, "availworth", 10, &l, &m), STATUS_OK);
	patient_list_free(l);
	snprintf(jpath, sizeof jpath, "%s.audit-journal", f->db);
	/* The search's outcome changed in the file, its record's sum made
	 * good: only its MAC can tell. */
	assert_int_equal(journal_edit(jpath, from, to, sizeof from - 1), 1);
	tu_audit_flush(f->admin);
	assert_int_equal(chained(f, "audit_journal_rejected", "fd"), 1);
	assert_int_equal(chained(f, "patient_search", "fd"), 0);
	session_logout(s);
	verify_ok(f);
}

/* No journal (its file could not be made: a directory is in the way):
 * the reads' events go straight into the trail, each in a write of its
 * own; nothing is lost and nothing refused. */
static void test_without_a_journal(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX], jdir[PATH_MAX + 16];
	clinic_t *c;
	session_t *s;
	patient_list_t *l;
	login_info_t info;
	msg_t m;
	int64_t count, bad;
	tu_path(path, f->dir, "nojournal.db");
	tu_clinic_init(path, f->cfg, NULL);
	snprintf(jdir, sizeof jdir, "%s.audit-journal", path);
	assert_int_equal(unlink(jdir), 0); /* made by init */
	assert_int_equal(mkdir(jdir, 0700), 0);
	c = tu_clinic_open(path, f->cfg);
	assert_true(db_journal_why(c->db)[0] != '\0');
	assert_int_equal(session_login(c, TU_ADMIN, TU_ADMIN_PW, &s, &info, &m), STATUS_OK);
	tu_add_user(s, "fdx", "frontdesk", FD_PW);
	session_logout(s);
	s = tu_login(c, "fdx", FD_PW);
	assert_int_equal(patient_search(s, "smith", 10, &l, &m), STATUS_OK);
	patient_list_free(l);
	assert_int_equal(session_lock(s, &m), STATUS_OK);
	session_logout(s);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM audit WHERE user_name = 'fdx' "
					  "AND action IN ('login', 'patient_search', 'idle_lock')"),
			 3);
	s = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	assert_int_equal(audit_verify(s, NULL, &count, &bad, &m), STATUS_OK);
	assert_true(tu_has(m.text, "audit chain OK") && !tu_has(m.text, "wait"));
	session_logout(s);
	clinic_close(c);
	rmdir(jdir);
}

/* ---- an import lets other writers in -------------------------------------- */

typedef struct writer {
	const char *db;
	const config_t *cfg;
	volatile status_t saved;
	char id[33];
} writer_t;

/* Once the import has its id (its row is committed), register a patient
 * on a connection of its own: the write waits for the import's current
 * chunk, not for the whole import. */
static void *write_during_import(void *arg)
{
	writer_t *w = arg;
	clinic_t *c = NULL;
	session_t *s = NULL;
	login_info_t info;
	patient_t p;
	pfield_t bad;
	msg_t m;
	while (tu_sql_int(w->db, "SELECT count(*) FROM imports") < 1)
		usleep(1000);
	w->saved = STATUS_ERR;
	if (clinic_open(w->db, w->cfg, &c, &m) != STATUS_OK)
		return NULL;
	if (session_login(c, "fd", FD_PW, &s, &info, &m) == STATUS_OK) {
		tu_patient(&p, "Midimport", "Mia", "1979-09-09", "F");
		w->saved = patient_register(s, &p, 1, &bad, &m);
		snprintf(w->id, sizeof w->id, "%s", p.id);
		session_logout(s);
	}
	clinic_close(c);
	return NULL;
}

static void test_import_lets_writers_in(void **state)
{
	fixture_t *f = *state;
	char csv[PATH_MAX], sql[256];
	FILE *out;
	session_t *him;
	import_report_t rep;
	writer_t w;
	pthread_t th;
	msg_t m;
	int64_t first, last, mine;

	tu_add_user(f->admin, "him", "him", NURSE_PW);
	tu_path(csv, f->dir, "many.csv");
	out = fopen(csv, "w");
	assert_non_null(out);
	fprintf(out, "last_name,first_name,dob,sex\n");
	for (int i = 0; i < 6 * IMPORT_BATCH_ROWS; i++)
		fprintf(out, "Bulkrow%c%c%c,Bo,1960-%02d-%02d,M\n", 'a' + i % 26, 'a' + i / 26 % 26,
			'a' + i / 676 % 26, 1 + i % 12, 1 + i % 28);
	assert_int_equal(fclose(out), 0);
	memset(&w, 0, sizeof w);
	w.db = f->db;
	w.cfg = f->cfg;
	w.saved = STATUS_COUNT;
	/* The rows are look-alikes on purpose (the same first name, dates of
	 * birth that repeat): the duplicate check, which would hold them
	 * back, is not what this tests. */
	assert_int_equal(policy_set(f->admin, "matching.threshold", "200", &m), STATUS_OK);
	assert_int_equal(pthread_create(&th, NULL, write_during_import, &w), 0);
	him = tu_login(f->c, "him", NURSE_PW);
	assert_int_equal(import_patients(him, csv, 0, &rep, NULL, NULL, NULL, &m), STATUS_OK);
	pthread_join(th, NULL);
	assert_int_equal(w.saved, STATUS_OK);
	assert_int_equal(rep.imported, 6 * IMPORT_BATCH_ROWS);
	/* The registration's entry lies between two of the import's batches. */
	first = tu_sql_int(f->db, "SELECT min(seq) FROM audit WHERE action = 'patient_import'");
	last = tu_sql_int(f->db, "SELECT max(seq) FROM audit WHERE action = 'patient_import'");
	snprintf(sql, sizeof sql,
		 "SELECT seq FROM audit WHERE action = 'patient_register' AND target = '%s'", w.id);
	mine = tu_sql_int(f->db, sql);
	assert_true(first < mine && mine < last);
	session_logout(him);
	verify_ok(f);
}

/* ---- journal_sync ----------------------------------------------------------- */

/* Every fdatasync(2) the library makes goes through here (the Makefile
 * links this test with -Wl,--wrap=fdatasync). */
int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);
static int syncs;
int __wrap_fdatasync(int fd)
{
	syncs++;
	return __real_fdatasync(fd);
}

/* full (the default): a search's event is synced before its results come
 * back. normal: it is in the journal file before they come back, with no
 * sync, and chained exactly once like any other. */
static void test_journal_sync(void **state)
{
	fixture_t *f = *state;
	session_t *s;
	patient_list_t *l;
	msg_t m;
	int before;
	int64_t waiting;

	s = tu_login(f->c, "fd", FD_PW);
	before = syncs;
	waiting = tu_audit_count(f->db, "patient_search", "fd");
	assert_int_equal(patient_search(s, "availw", 10, &l, &m), STATUS_OK);
	assert_int_equal(patient_list_count(l), 1);
	patient_list_free(l);
	assert_true(syncs >= before + 1);
	assert_int_equal(tu_audit_count(f->db, "patient_search", "fd"), waiting + 1);
	session_logout(s);

	f->cfg->journal_sync = 1; /* taken in at the next sign-on */
	s = tu_login(f->c, "fd", FD_PW);
	before = syncs;
	waiting = tu_audit_count(f->db, "patient_search", "fd");
	assert_int_equal(patient_search(s, "availw", 10, &l, &m), STATUS_OK);
	patient_list_free(l);
	assert_int_equal(syncs, before);
	assert_int_equal(tu_audit_count(f->db, "patient_search", "fd"), waiting + 1);
	session_logout(s);
	f->cfg->journal_sync = 0;

	tu_audit_flush(f->admin);
	assert_int_equal(searches_chained(f, "fd"), 2);
	assert_int_equal(tu_audit_count(f->db, "patient_search", "fd"), 2);
	verify_ok(f);
}

/* A sign-off the journal could not take (kept in memory) whose audit key
 * version is retired, by a rotation in another process, before it can be
 * written: the journal refuses it now (no event under a retired version
 * joins it), so the next session of this process chains it from memory,
 * in a write of its own, at its sign-on: once, verified, not rejected. */
static void test_kept_event_across_audit_rotation(void **state)
{
	fixture_t *f = *state;
	session_t *s = tu_login(f->c, "fd", FD_PW), *w, *a2;
	clinic_t *c2;
	char sql[160];
	rotate_opts_t o;
	rotate_progress_t p;
	msg_t m;
	int64_t logouts = chained(f, "logout", "fd");

	journal_fail(1);
	fail_main = 1;
	session_logout(s); /* kept by the clinic, under audit key version 1 */
	fail_main = 0;
	journal_fail(0);
	assert_int_equal(f->c->nunsent, 1);
	assert_int_equal(f->c->unsent[0].key_version, 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_events WHERE event_id = '%s'",
		 f->c->unsent[0].event_id);

	/* Another process rotates the audit key: version 1 is retired. */
	c2 = tu_clinic_open(f->db, f->cfg);
	a2 = tu_login(c2, TU_ADMIN, TU_ADMIN_PW);
	memset(&o, 0, sizeof o);
	assert_int_equal(rotate_key(a2, DOMAIN_AUDIT, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	session_logout(a2);
	/* fd takes version 2 in there (its grant), so the next sign-on here
	 * only reads. */
	session_logout(tu_login(c2, "fd", FD_PW));
	clinic_close(c2);
	assert_int_equal(chained(f, "logout", "fd"), logouts);

	/* The sign-on records itself in the journal; the kept sign-off the
	 * journal refuses goes into the trail from memory first. */
	assert_int_equal(tu_sql_int(f->db, sql), 0);
	w = tu_login(f->c, "fd", FD_PW);
	assert_int_equal(f->c->nunsent, 0);
	assert_int_equal(tu_sql_int(f->db, sql), 1);
	assert_int_equal(chained(f, "logout", "fd"), logouts + 2); /* and c2's */
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = "
					   "'audit_journal_rejected'"),
			 0);
	session_logout(w);
	tu_audit_flush(f->admin);
	tu_audit_flush(f->admin);
	assert_int_equal(chained(f, "logout", "fd"), logouts + 3);
	verify_ok(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads_while_a_writer_holds_the_lock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signoff_when_writes_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chained_but_not_cleared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_event_across_audit_rotation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_when_the_journal_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_altered_journal_event_rejected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_without_a_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_lets_writers_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_sync, setup, teardown),
	};
	tv_install("failing", fail_hook);
	return cmocka_run_group_tests_name("avail", tests, NULL, NULL);
}
