/* test_degrade.c - a full disk does not lock anyone out (core/degrade.h,
 * db/db_journal.h; README "When the disk is full or the database is
 * read-only").
 *
 * The disk fills up through a VFS of this test's own, registered as
 * SQLite's default in front of the "unix" one: while `disk_full` is set,
 * every write SQLite makes to a file answers SQLITE_FULL, as a file
 * system without space does (ENOSPC). Nothing in the library knows about
 * it. The checks: sign-on still works, read-only, and says why; searches
 * and audit verify work; every change is refused before it is made with
 * a message naming what was not saved; a disk filling under an open
 * session is found at the commit and nothing is half-saved; what was
 * read meanwhile is audited through the journal, chained once when the
 * disk has room again, even if the emptying of the journal is cut short;
 * with no room in the journal only audit roles sign on, unaudited. */
#include "testutil.h"
#include "testvfs.h"

#include <fcntl.h>

#include "core/internal.h"
#include "core/patient_search.h"
#include "db/db_internal.h"

/* ---- a VFS whose disk can fill up (testvfs.h) ---------------------------- */

static int disk_full;

static int full_hook(int op, int named)
{
	(void)named;
	return op == TV_WRITE && disk_full ? SQLITE_FULL : 0;
}

/* ---- fixture -------------------------------------------------------------- */

#define FRONT_PW "front desk password for the full disk"
#define PRIV_PW "privacy officer password for the full disk"

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	char journal[PATH_MAX + 16];
	config_t *cfg;
	clinic_t *c;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	session_t *s;
	patient_t p;
	tu_crypto_init();
	tv_install("full-disk-test", full_hook);
	disk_full = 0;
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_config(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	snprintf(f->journal, sizeof f->journal, "%s.audit-journal", f->db);
	tu_clinic_init(f->db, f->cfg, NULL);
	f->c = tu_clinic_open(f->db, f->cfg);
	s = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	tu_add_user(s, "front", "frontdesk", FRONT_PW);
	tu_add_user(s, "priv", "privacy", PRIV_PW);
	session_logout(s);
	s = tu_login(f->c, "front", FRONT_PW);
	tu_patient(&p, "Quillfeather", "Ottoline", "1975-03-14", "F");
	tu_register(s, &p, 1);
	session_logout(s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	disk_full = 0;
	clinic_close(f->c);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

static int found(session_t *s, const char *query)
{
	patient_list_t *l = NULL;
	msg_t m;
	int n;
	status_t st = patient_search(s, query, 50, &l, &m);
	if (st != STATUS_OK)
		fail_msg("search: %s", m.text);
	n = patient_list_count(l);
	patient_list_free(l);
	return n;
}

static status_t register_one(session_t *s, const char *last, msg_t *m)
{
	patient_t p;
	pfield_t bad = PF_COUNT;
	tu_patient(&p, last, "Barnaby", "1971-07-02", "M");
	return patient_register(s, &p, 1, &bad, m);
}

/* ---- tests ---------------------------------------------------------------- */

static int count_note(const audit_entry_t *e, void *arg)
{
	if (strstr(e->detail, "recorded while the database was read-only"))
		(*(int *)arg)++;
	return 0;
}

/* Entries chained from the journal, counted by an auditor (who signs on
 * and off: those entries are not from the journal). */
static int from_journal(fixture_t *f)
{
	session_t *s = tu_login(f->c, "priv", PRIV_PW);
	audit_query_t q;
	msg_t m;
	int n = 0;
	memset(&q, 0, sizeof q);
	assert_int_equal(audit_list(s, &q, count_note, &n, &m), STATUS_OK);
	session_logout(s);
	return n;
}

static void test_full_disk_signs_on_read_only(void **state)
{
	fixture_t *f = *state;
	session_t *s;
	msg_t m;
	int64_t count = 0, bad = 0;
	int64_t patients = tu_sql_int(f->db, "SELECT count(*) FROM patients");
	int64_t audit_rows = tu_sql_int(f->db, "SELECT count(*) FROM audit");

	/* A disk that fills (this VFS answers every write SQLITE_FULL; a
	 * file system's own free space is also looked at by each sign-on):
	 * a sign-on writes nothing (it reads; its event is in the journal's
	 * reserved space), so the first change finds the disk full. */
	disk_full = 1;
	s = tu_login(f->c, "front", FRONT_PW);
	assert_false(session_unaudited(s));
	assert_int_equal(found(s, "quill"), 1);
	assert_int_equal(register_one(s, "Quillfeather", &m), STATUS_READONLY);
	assert_string_equal(m.text, "The disk is full: the patient was not registered; nothing was "
				    "lost.");
	assert_string_equal(session_readonly(s), "the disk is full");
	/* Reading works. */
	assert_int_equal(found(s, "quill"), 1);
	/* Changes are refused before any work, naming what was not saved. */
	assert_false(session_can(s, ACT_PATIENT_REGISTER));
	assert_true(session_can(s, ACT_PATIENT_SEARCH));
	assert_int_equal(register_one(s, "Quillfeather", &m), STATUS_READONLY);
	assert_string_equal(m.text, "The disk is full: the patient was not registered; nothing was "
				    "lost.");
	/* The idle lock and the way back. */
	assert_int_equal(session_lock(s, &m), STATUS_OK);
	assert_int_equal(session_unlock(s, FRONT_PW, &m), STATUS_OK);
	assert_int_equal(found(s, "quill"), 1);
	session_logout(s);
	/* Audit verify, for those who may. */
	s = tu_login(f->c, "priv", PRIV_PW);
	assert_int_equal(audit_verify(s, NULL, &count, &bad, &m), STATUS_OK);
	session_logout(s);
	/* A wrong password is still just a failed sign-on. */
	{
		session_t *none = NULL;
		login_info_t info;
		assert_int_equal(session_login(f->c, "front", "not the password at all", &none, &info,
					       &m),
				 STATUS_AUTH);
	}
	/* Nothing reached the database... */
	disk_full = 0;
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), patients);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit"), audit_rows);
	/* ... and with room again, the next sign-on (same process, as the
	 * full-screen app) writes, and chains what was journaled: two
	 * sign-ons and sign-offs, the search, the failed sign-on. */
	s = tu_login(f->c, "front", FRONT_PW);
	assert_null(session_readonly(s));
	assert_int_equal(register_one(s, "Stonebridge", &m), STATUS_OK);
	session_logout(s);
	/* Marked as recorded while read-only: the searches after the disk
	 * was found full (one entry), the lock, the unlock, the sign-off, the
	 * privacy officer's sign-off and the failed sign-on. (Each sign-on
	 * tries writing again, so the privacy officer's is not marked: its
	 * audit verify found the disk full again.) */
	assert_int_equal(from_journal(f), 6);
	assert_int_equal(tu_audit_count(f->db, "login_failed", "front"), 1);
	s = tu_login(f->c, "priv", PRIV_PW);
	assert_int_equal(audit_verify(s, NULL, &count, &bad, &m), STATUS_OK);
	session_logout(s);
}

static void test_disk_fills_during_a_session(void **state)
{
	fixture_t *f = *state;
	session_t *s = tu_login(f->c, "front", FRONT_PW);
	int64_t patients = tu_sql_int(f->db, "SELECT count(*) FROM patients");
	msg_t m;

	assert_null(session_readonly(s));
	disk_full = 1;
	/* Found at the commit: rolled back whole, and named. */
	assert_int_equal(register_one(s, "Stonebridge", &m), STATUS_READONLY);
	assert_string_equal(m.text, "The disk is full: the patient was not registered; nothing was "
				    "lost.");
	assert_string_equal(session_readonly(s), "the disk is full");
	assert_false(session_can(s, ACT_PATIENT_REGISTER));
	assert_int_equal(found(s, "quill"), 1);
	session_logout(s);
	disk_full = 0;
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), patients);
	s = tu_login(f->c, "front", FRONT_PW);
	assert_int_equal(register_one(s, "Stonebridge", &m), STATUS_OK);
	session_logout(s);
}

static void test_journal_is_chained_exactly_once(void **state)
{
	fixture_t *f = *state;
	session_t *s;
	size_t len = 0;
	unsigned char *saved;
	int first;

	msg_t m;

	/* A spell: the disk found full by a change, then a search and the
	 * sign-off recorded while read-only. */
	disk_full = 1;
	s = tu_login(f->c, "front", FRONT_PW);
	assert_int_equal(register_one(s, "Stonebridge", &m), STATUS_READONLY);
	assert_int_equal(found(s, "quill"), 1);
	session_logout(s);
	disk_full = 0;
	/* The journal as it stands before the drain, kept to put back: as if
	 * the process died between the commit that chained it and the
	 * emptying of the journal, or an old copy of it were put back. */
	saved = tu_read_file(f->journal, &len);
	assert_non_null(saved);
	first = from_journal(f); /* this sign-on drains */
	assert_int_equal(first, 2);
	tu_write_file(f->journal, saved, len, 0640);
	free(saved);
	assert_int_equal(from_journal(f), first);
	assert_int_equal(from_journal(f), first);
	/* A later spell is chained too, once. */
	disk_full = 1;
	s = tu_login(f->c, "front", FRONT_PW);
	assert_int_equal(register_one(s, "Stonebridge", &m), STATUS_READONLY);
	assert_int_equal(found(s, "quill"), 1);
	session_logout(s);
	disk_full = 0;
	assert_int_equal(from_journal(f), first + 2);
	assert_int_equal(from_journal(f), first + 2);
}

/* The journal full (as after a long read-only spell): nowhere to record
 * an access, so only audit roles sign on, unaudited; others are refused
 * with the reason. */
static uint32_t fnv1a(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void test_no_room_to_audit_admits_only_audit_roles(void **state)
{
	fixture_t *f = *state;
	/* The journal's header (db/db_journal.c): two slots, at 0 and 512,
	 * each a magic, a counter, start, used, capacity and an FNV-1a sum of
	 * the 48 bytes before it; the higher valid counter is in force. A
	 * slot saying it is full at its largest size (64 MiB), nothing of it
	 * to read, put in force. */
	unsigned char saved[1024], slot[52];
	uint64_t counter_a, counter_b, counter, full = 64u * 1024 * 1024;
	uint32_t sum;
	session_t *s = NULL;
	login_info_t info;
	msg_t m;
	int fd = open(f->journal, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, saved, sizeof saved, 0), (ssize_t)sizeof saved);
	memcpy(&counter_a, saved + 8, 8);
	memcpy(&counter_b, saved + 512 + 8, 8);
	counter = (counter_a > counter_b ? counter_a : counter_b) + 1;
	memset(slot, 0, sizeof slot);
	memcpy(slot, saved, 8); /* the magic */
	memcpy(slot + 8, &counter, 8);
	memcpy(slot + 16, &full, 8);
	memcpy(slot + 24, &full, 8);
	memcpy(slot + 32, &full, 8);
	sum = fnv1a(slot, 48);
	memcpy(slot + 48, &sum, 4);
	assert_int_equal(pwrite(fd, slot, sizeof slot, (counter & 1) ? 512 : 0), (ssize_t)sizeof slot);

	disk_full = 1;
	assert_int_equal(session_login(f->c, "front", FRONT_PW, &s, &info, &m), STATUS_READONLY);
	assert_null(s);
	assert_true(tu_has(m.text, "read-only (the disk is full)"));
	assert_true(tu_has(m.text, "only the privacy officer or an administrator"));
	s = tu_login(f->c, "priv", PRIV_PW);
	assert_true(session_unaudited(s));
	{
		int64_t count = 0, bad = 0;
		assert_int_equal(audit_verify(s, NULL, &count, &bad, &m), STATUS_OK);
	}
	session_logout(s);
	disk_full = 0;
	assert_int_equal(pwrite(fd, saved, sizeof saved, 0), (ssize_t)sizeof saved);
	close(fd);
}

static void test_db_errors_name_the_cause(void **state)
{
	msg_t m;
	(void)state;
	assert_int_equal(db_fail(NULL, SQLITE_FULL, "saving the note", &m), STATUS_READONLY);
	assert_string_equal(m.text, "The disk is full: the change was not saved; nothing was lost.");
	assert_int_equal(db_fail(NULL, SQLITE_READONLY, "saving the note", &m), STATUS_READONLY);
	assert_true(tu_has(m.text, "read-only"));
	assert_int_equal(db_fail(NULL, SQLITE_IOERR_WRITE, "saving the note", &m), STATUS_DB);
	assert_true(tu_has(m.text, "disk error stopped saving the note"));
	assert_int_equal(db_fail(NULL, SQLITE_CANTOPEN, "opening the database", &m), STATUS_DB);
	assert_true(tu_has(m.text, "could not be opened"));
	assert_int_equal(db_fail(NULL, SQLITE_READONLY_DBMOVED, "x", &m), STATUS_READONLY);
	assert_true(tu_has(m.text, "moved or deleted"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_disk_signs_on_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_fills_during_a_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_is_chained_exactly_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_room_to_audit_admits_only_audit_roles, setup,
						teardown),
		cmocka_unit_test(test_db_errors_name_the_cause),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
