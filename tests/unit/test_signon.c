/* test_signon.c - sign-on hardening (core/session.h): every refused
 * sign-on (unknown name, wrong password, locked, disabled; at sign-on and
 * at the lock screen) does the same Argon2id work and gives the same
 * answer, and the banner's failure count is exact.
 *
 * The work is counted, not timed: this binary is linked with
 * -Wl,--wrap=crypto_kek_derive (Makefile), so every key derivation core
 * makes goes through __wrap_crypto_kek_derive below, which records the
 * parameters and calls the real one. */
#include "testutil.h"

#include "core/internal.h"

status_t __real_crypto_kek_derive(secret_t *kek, const char *password, const unsigned char *salt,
				  uint64_t ops, uint64_t mem, msg_t *m);
status_t __wrap_crypto_kek_derive(secret_t *kek, const char *password, const unsigned char *salt,
				  uint64_t ops, uint64_t mem, msg_t *m);

static int kdf_calls;
static uint64_t kdf_ops, kdf_mem;

status_t __wrap_crypto_kek_derive(secret_t *kek, const char *password, const unsigned char *salt,
				  uint64_t ops, uint64_t mem, msg_t *m)
{
	kdf_calls++;
	kdf_ops = ops;
	kdf_mem = mem;
	return __real_crypto_kek_derive(kek, password, salt, ops, mem, m);
}

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	clinic_t *c;
	session_t *admin;
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
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	session_logout(f->admin);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

/* Sign on; the session (if any) is signed off again. */
static status_t attempt(fixture_t *f, const char *name, const char *pw, login_info_t *info,
			msg_t *m)
{
	session_t *s = NULL;
	login_info_t ignore;
	status_t st = session_login(f->c, name, pw, &s, info ? info : &ignore, m);
	if (st == STATUS_OK)
		session_logout(s);
	else
		assert_null(s);
	return st;
}

/* The account's own Argon2id parameters, as stored. */
static void params_of(fixture_t *f, const char *name, uint64_t *ops, uint64_t *mem)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT kdf_ops FROM users WHERE name = '%s'", name);
	*ops = (uint64_t)tu_sql_int(f->db, sql);
	snprintf(sql, sizeof sql, "SELECT kdf_mem FROM users WHERE name = '%s'", name);
	*mem = (uint64_t)tu_sql_int(f->db, sql);
}

/* One refused attempt: exactly one key derivation with these parameters,
 * STATUS_AUTH and the one message. */
static void refused_after_full_work(fixture_t *f, const char *name, const char *pw,
				    uint64_t ops, uint64_t mem)
{
	msg_t m;
	kdf_calls = 0;
	kdf_ops = kdf_mem = 0;
	assert_int_equal(attempt(f, name, pw, NULL, &m), STATUS_AUTH);
	assert_int_equal(kdf_calls, 1);
	assert_true(kdf_ops == ops);
	assert_true(kdf_mem == mem);
	assert_string_equal(m.text, SESSION_SIGNON_FAILED);
}

static void test_every_refusal_costs_one_derivation(void **state)
{
	fixture_t *f = *state;
	const char *pw = "a password of the right length";
	uint64_t ops, mem, cops = config_argon_ops(f->cfg), cmem = config_argon_mem(f->cfg);
	msg_t m;

	/* An account made under stronger parameters than the configuration:
	 * its refusals must cost what its real check costs. */
	tu_add_user(f->admin, "slow", "nurse", pw);
	tu_sql(f->db, "UPDATE users SET kdf_ops = kdf_ops + 1 WHERE name = 'slow'");
	params_of(f, "slow", &ops, &mem);
	assert_true(ops != cops);

	refused_after_full_work(f, "nobody-by-this-name", pw, cops, cmem); /* unknown */
	refused_after_full_work(f, "slow", "wrong password for slow", ops, mem);
	refused_after_full_work(f, "slow", "second wrong password x", ops, mem);
	refused_after_full_work(f, "slow", "third wrong password xx", ops, mem); /* locks */
	assert_int_equal(tu_sql_int(f->db, "SELECT locked FROM users WHERE name = 'slow'"), 1);
	refused_after_full_work(f, "slow", pw, ops, mem);                        /* locked */
	refused_after_full_work(f, "slow", "wrong and locked", ops, mem);

	tu_add_user(f->admin, "gone", "frontdesk", pw);
	params_of(f, "gone", &ops, &mem);
	assert_int_equal(users_disable(f->admin, "gone", &m), STATUS_OK);
	refused_after_full_work(f, "gone", pw, ops, mem); /* disabled, right password */
	refused_after_full_work(f, "gone", "wrong and disabled", ops, mem);

	/* The precise reasons are in the trail, for the privacy officer (or
	 * wait in audit_pending for the next change to chain them). */
#define PENDING_OR_CHAINED(where)                                                   \
	"SELECT (SELECT count(*) FROM audit_pending WHERE " where ") + (SELECT count(*) " \
	"FROM audit WHERE " where ")"
	assert_int_equal(tu_sql_int(f->db, PENDING_OR_CHAINED("user_name = 'slow' AND action = "
							      "'login_refused' AND outcome = "
							      "'locked'")),
			 2);
	assert_int_equal(tu_sql_int(f->db, PENDING_OR_CHAINED("user_name = 'gone' AND action = "
							      "'login_refused' AND outcome = "
							      "'disabled'")),
			 2);
	assert_int_equal(tu_sql_int(f->db, PENDING_OR_CHAINED("user_name = 'nobody-by-this-name' "
							      "AND outcome = 'unknown user'")),
			 1);
#undef PENDING_OR_CHAINED
	/* A successful sign-on costs one derivation too. */
	kdf_calls = 0;
	assert_int_equal(attempt(f, TU_ADMIN, TU_ADMIN_PW, NULL, &m), STATUS_OK);
	assert_int_equal(kdf_calls, 1);
}

static void test_lock_screen_refusals_cost_one_derivation(void **state)
{
	fixture_t *f = *state;
	const char *pw = "lock screen user password";
	session_t *s, *other;
	msg_t m;
	tu_add_user(f->admin, "lsu", "nurse", pw);
	s = tu_login(f->c, "lsu", pw);
	assert_int_equal(session_lock(s, &m), STATUS_OK);
	kdf_calls = 0;
	assert_int_equal(session_unlock(s, "wrong at the lock screen", &m), STATUS_AUTH);
	assert_int_equal(kdf_calls, 1);
	assert_string_equal(m.text, SESSION_SIGNON_FAILED);
	/* Disabled while the screen was locked: the right password still
	 * costs the full derivation and gets the same answer. */
	assert_int_equal(users_disable(f->admin, "lsu", &m), STATUS_OK);
	kdf_calls = 0;
	assert_int_equal(session_unlock(s, pw, &m), STATUS_ACCOUNT_DISABLED);
	assert_int_equal(kdf_calls, 1);
	assert_string_equal(m.text, SESSION_SIGNON_FAILED);
	assert_true(session_is_locked(s));
	session_logout(s);

	tu_add_user(f->admin, "lsv", "nurse", pw);
	s = tu_login(f->c, "lsv", pw);
	assert_int_equal(session_lock(s, &m), STATUS_OK);
	/* Locked meanwhile by someone else's failures. */
	for (int i = 0; i < 3; i++)
		attempt(f, "lsv", "someone else guessing", NULL, &m);
	assert_int_equal(tu_sql_int(f->db, "SELECT locked FROM users WHERE name = 'lsv'"), 1);
	kdf_calls = 0;
	assert_int_equal(session_unlock(s, pw, &m), STATUS_ACCOUNT_LOCKED);
	assert_int_equal(kdf_calls, 1);
	assert_string_equal(m.text, SESSION_SIGNON_FAILED);
	session_logout(s);
	other = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	tu_audit_flush(other); /* as the next change would */
	session_logout(other);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = "
					   "'login_refused' AND user_name IN ('lsu', 'lsv')"),
			 2);
	assert_int_equal(tu_audit_count(f->db, "login_refused", "lsu"), 1);
	assert_int_equal(tu_audit_count(f->db, "login_refused", "lsv"), 1);
}

/* The banner counts exactly the failed attempts since the last successful
 * sign-on: made while another session of the user was open, at the lock
 * screen, while locked, and across an administrator's unlock. */
static void test_banner_count_is_exact(void **state)
{
	fixture_t *f = *state;
	const char *pw = "banner count user password";
	session_t *s;
	login_info_t info;
	msg_t m;

	tu_add_user(f->admin, "bc", "nurse", pw);
	assert_int_equal(attempt(f, "bc", "one failure before the first", NULL, &m), STATUS_AUTH);
	assert_int_equal(attempt(f, "bc", pw, &info, &m), STATUS_OK);
	assert_int_equal(info.failures_since, 1);
	assert_string_equal(info.last_login, "");

	/* A failure while the user's own session is open (another terminal):
	 * counted at the next sign-on, not lost in the session's reset. */
	s = tu_login(f->c, "bc", pw);
	assert_int_equal(attempt(f, "bc", "guess during the session", NULL, &m), STATUS_AUTH);
	assert_int_equal(session_lock(s, &m), STATUS_OK);
	/* Two wrong passwords at the lock screen, then the right one: the
	 * unlock resets the lockout counter but not the banner's count. */
	assert_int_equal(session_unlock(s, "wrong unlock number one", &m), STATUS_AUTH);
	assert_int_equal(tu_sql_int(f->db, "SELECT locked FROM users WHERE name = 'bc'"), 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT failed_count FROM users WHERE name = 'bc'"), 2);
	assert_int_equal(session_unlock(s, pw, &m), STATUS_OK);
	assert_int_equal(tu_sql_int(f->db, "SELECT failed_count FROM users WHERE name = 'bc'"), 0);
	session_logout(s);
	assert_int_equal(attempt(f, "bc", pw, &info, &m), STATUS_OK);
	assert_int_equal(info.failures_since, 2);
	assert_true(info.last_login[0] != '\0');

	/* Locked by three failures, two more tries while locked, an
	 * administrator's unlock: the next banner shows all five. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(attempt(f, "bc", "wrong until it locks", NULL, &m), STATUS_AUTH);
	assert_int_equal(attempt(f, "bc", pw, NULL, &m), STATUS_AUTH);
	assert_int_equal(attempt(f, "bc", "wrong while locked", NULL, &m), STATUS_AUTH);
	assert_int_equal(users_unlock(f->admin, "bc", &m), STATUS_OK);
	assert_int_equal(attempt(f, "bc", pw, &info, &m), STATUS_OK);
	assert_int_equal(info.failures_since, 5);
	/* and the sign-on says so in the trail */
	assert_int_equal(attempt(f, "bc", pw, &info, &m), STATUS_OK);
	assert_int_equal(info.failures_since, 0);
	/* Another user's failures and unknown names never count. */
	assert_int_equal(attempt(f, "bcx", "no such user at all", NULL, &m), STATUS_AUTH);
	assert_int_equal(attempt(f, TU_ADMIN, "not the admin password", NULL, &m), STATUS_AUTH);
	assert_int_equal(attempt(f, "bc", pw, &info, &m), STATUS_OK);
	assert_int_equal(info.failures_since, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_refusal_costs_one_derivation),
		cmocka_unit_test(test_lock_screen_refusals_cost_one_derivation),
		cmocka_unit_test(test_banner_count_is_exact),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
