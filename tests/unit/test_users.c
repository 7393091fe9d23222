/* test_users.c - core/clinic.h, session.h and users.h on one real
 * database: init, sign-on and its banner, wrong passwords and unknown
 * users, lockout, disabling, the key wraps that follow roles (no clin key
 * for the front desk), role changes through sealed grants, permission
 * refusals, user name and password policy, the last administrator, password
 * changes, idle lock and unlock, and the recovery key.
 *
 * The group shares one clinic and an admin session; each test makes the
 * users it changes, so tests do not depend on one another's order. */
#include "testutil.h"

#include "core/audit.h"
#include "core/internal.h"
#include "core/users.h"
#include "db/db_users.h"

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	char recovery[CRYPTO_RECOVERY_TEXT];
	config_t *cfg;
	clinic_t *c;
	session_t *admin;
} fixture_t;

static void add_user(fixture_t *f, const char *name, const char *role, const char *pw)
{
	msg_t m;
	status_t st = users_add(f->admin, name, role, pw, &m);
	if (st != STATUS_OK)
		fail_msg("users_add %s: %s", name, m.text);
}

static int group_setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	tu_crypto_init();
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_config(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	tu_clinic_init(f->db, f->cfg, f->recovery);
	f->c = tu_clinic_open(f->db, f->cfg);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	add_user(f, "fd1", "frontdesk", "front desk password one");
	add_user(f, "nurse1", "nurse", "nurse password number one");
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	fixture_t *f = *state;
	session_logout(f->admin);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	sodium_memzero(f->recovery, sizeof f->recovery);
	free(f->cfg);
	free(f);
	return 0;
}

/* The domains a user has wraps for, as "audit,clin,demo" (sorted). */
static void wraps_of(fixture_t *f, const char *user, char *buf, size_t size)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT group_concat(domain, ',') FROM (SELECT domain FROM key_wraps WHERE holder "
		 "= (SELECT id FROM users WHERE name = '%s') ORDER BY domain)",
		 user);
	tu_sql_text(f->db, sql, buf, size);
}

static int64_t count_where(fixture_t *f, const char *table, const char *user)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM %s WHERE %s = (SELECT id FROM users WHERE name = '%s')", table,
		 strcmp(table, "key_wraps") == 0 ? "holder" : "user_id", user);
	return tu_sql_int(f->db, sql);
}

static int64_t audit_count(fixture_t *f, const char *action, const char *user_name)
{
	char sql[256];
	/* Events waiting in the audit journal are chained first. */
	tu_audit_flush(f->admin);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM audit WHERE action = '%s' AND (user_name = '%s' OR target = "
		 "'%s')",
		 action, user_name, user_name);
	return tu_sql_int(f->db, sql);
}

static status_t try_login(fixture_t *f, const char *name, const char *pw, login_info_t *info,
			  msg_t *m)
{
	session_t *s = NULL;
	login_info_t ignore;
	status_t st = session_login(f->c, name, pw, &s, info ? info : &ignore, m);
	if (st == STATUS_OK) {
		assert_non_null(s);
		session_logout(s);
	} else {
		assert_null(s);
	}
	return st;
}

/* ---- clinic_init ---- */

static void test_init_made_the_clinic(void **state)
{
	fixture_t *f = *state;
	char buf[64];
	unsigned char rk[CRYPTO_KEY_LEN];
	msg_t m;
	assert_string_equal(clinic_name(f->c), TU_CLINIC);
	assert_string_equal(clinic_path(f->c), f->db);
	/* The configuration in force: the trusted one, as no database policy
	 * was set. */
	assert_non_null(clinic_config(f->c));
	assert_int_equal(clinic_config(f->c)->lockout_after, f->cfg->lockout_after);
	assert_memory_equal(&clinic_config(f->c)->perms, &f->cfg->perms, sizeof f->cfg->perms);
	/* The recovery key as printed parses, and wraps every domain key. */
	assert_int_equal(strlen(f->recovery), 71);
	assert_int_equal(crypto_recovery_parse(f->recovery, rk, &m), STATUS_OK);
	tu_sql_text(f->db,
		    "SELECT group_concat(domain, ',') FROM (SELECT domain FROM key_wraps WHERE "
		    "holder = 'recovery' ORDER BY domain)",
		    buf, sizeof buf);
	assert_string_equal(buf, "audit,clin,demo");
	/* The first administrator held every key from init until the first
	 * clinical account (nurse1) was given the clinical key; then the
	 * administrator's clinical wrap went (issue 10: least privilege). */
	wraps_of(f, TU_ADMIN, buf, sizeof buf);
	assert_string_equal(buf, "audit,demo");
	assert_int_equal(audit_count(f, "key_drop", TU_ADMIN), 1);
	tu_sql_text(f->db, "SELECT role FROM users WHERE name = 'admin'", buf, sizeof buf);
	assert_string_equal(buf, "admin");
	/* The three domains and the blind-index key (kept under the demo key). */
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM domain_keys"), DOMAIN_COUNT + 1);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM key_wraps WHERE holder = 'demo:1' "
					   "AND domain = 'index'"),
			 1);
	sodium_memzero(rk, sizeof rk);
}

static void test_init_refuses_existing_file(void **state)
{
	fixture_t *f = *state;
	char other[PATH_MAX], rk[CRYPTO_RECOVERY_TEXT];
	unsigned char *before, *after;
	size_t blen, alen;
	struct stat sb1, sb2;
	msg_t m;

	/* Any file at all ... */
	tu_path(other, f->dir, "notes.txt");
	tu_write_text(other, "not a database\n");
	assert_int_equal(stat(other, &sb1), 0);
	before = tu_read_file(other, &blen);
	assert_int_equal(clinic_init(other, f->cfg, "boss", TU_ADMIN_PW, "X", rk, &m),
			 STATUS_EXISTS);
	assert_string_equal(rk, "");
	after = tu_read_file(other, &alen);
	assert_int_equal(stat(other, &sb2), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, alen);
	assert_int_equal(sb2.st_mtim.tv_sec, sb1.st_mtim.tv_sec);
	assert_int_equal(sb2.st_mtim.tv_nsec, sb1.st_mtim.tv_nsec);
	free(before);
	free(after);

	/* ... and the clinic's own database, in use. */
	assert_int_equal(stat(f->db, &sb1), 0);
	before = tu_read_file(f->db, &blen);
	assert_int_equal(clinic_init(f->db, f->cfg, "boss", TU_ADMIN_PW, "X", rk, &m), STATUS_EXISTS);
	assert_true(tu_has(m.text, "already exists"));
	after = tu_read_file(f->db, &alen);
	assert_int_equal(stat(f->db, &sb2), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, alen);
	assert_int_equal(sb2.st_mtim.tv_nsec, sb1.st_mtim.tv_nsec);
	free(before);
	free(after);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM users WHERE name = 'boss'"), 0);
}

static void test_init_refuses_bad_input(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX], rk[CRYPTO_RECOVERY_TEXT];
	msg_t m;
	tu_path(path, f->dir, "new.db");
	assert_int_equal(clinic_init(path, f->cfg, "boss", "too short", "X", rk, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "too short"));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(clinic_init(path, f->cfg, "boss", "passwordpassword", "X", rk, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "common"));
	assert_int_equal(clinic_init(path, f->cfg, "Boss Man", TU_ADMIN_PW, "X", rk, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "not a valid user name"));
	assert_int_equal(clinic_init(path, f->cfg, "boss", TU_ADMIN_PW, "", rk, &m), STATUS_INVALID);
	assert_int_equal(access(path, F_OK), -1);
	assert_string_equal(rk, "");
}

/* ---- signing on ---- */

static void test_login_info_banner(void **state)
{
	fixture_t *f = *state;
	const char *pw = "lia has a long password";
	login_info_t info;
	char t0[24], t1[24], first_from[64];
	msg_t m;
	add_user(f, "lia", "nurse", pw);

	core_now(t0);
	assert_int_equal(try_login(f, "lia", pw, &info, &m), STATUS_OK);
	core_now(t1);
	assert_string_equal(info.last_login, "");
	assert_string_equal(info.last_from, "");
	assert_int_equal(info.failures_since, 0);
	/* That sign-on wrote nothing to the database (its event waits in the
	 * audit journal); chaining it records it as the account's last. */
	tu_sql_text(f->db, "SELECT coalesce(last_from, '') FROM users WHERE name = 'lia'",
		    first_from, sizeof first_from);
	assert_string_equal(first_from, "");
	tu_audit_flush(f->admin);
	tu_sql_text(f->db, "SELECT last_from FROM users WHERE name = 'lia'", first_from,
		    sizeof first_from);
	assert_true(strlen(first_from) > 0);

	assert_int_equal(try_login(f, "lia", "not lia's password at all", NULL, &m), STATUS_AUTH);
	assert_int_equal(try_login(f, "lia", "still not the password", NULL, &m), STATUS_AUTH);

	assert_int_equal(try_login(f, "lia", pw, &info, &m), STATUS_OK);
	/* The first sign-on's time and place, and the two failures since. */
	assert_true(strcmp(info.last_login, t0) >= 0 && strcmp(info.last_login, t1) <= 0);
	assert_int_equal(strlen(info.last_login), 20);
	assert_string_equal(info.last_from, first_from);
	assert_int_equal(info.failures_since, 2);

	assert_int_equal(try_login(f, "lia", pw, &info, &m), STATUS_OK);
	assert_int_equal(info.failures_since, 0);
	assert_true(strcmp(info.last_login, t0) >= 0);
	/* A sign-on whose predecessor is still in the journal (not chained):
	 * the banner shows that one, and no failures. */
	assert_int_equal(tu_sql_int(f->db, "SELECT failed_count FROM users WHERE name = 'lia'"), 0);
	core_now(t0);
	assert_int_equal(try_login(f, "lia", pw, &info, &m), STATUS_OK);
	assert_int_equal(try_login(f, "lia", pw, &info, &m), STATUS_OK);
	assert_true(strcmp(info.last_login, t0) >= 0);
	assert_string_equal(info.last_from, first_from);
	assert_int_equal(info.failures_since, 0);
	/* A failure after it: pending, so the next sign-on chains first and
	 * counts it. */
	assert_int_equal(try_login(f, "lia", "a wrong one after that", NULL, &m), STATUS_AUTH);
	assert_int_equal(try_login(f, "lia", pw, &info, &m), STATUS_OK);
	assert_int_equal(info.failures_since, 1);
	assert_true(strcmp(info.last_login, t0) >= 0);
}

static void test_wrong_password_and_unknown_user_look_alike(void **state)
{
	fixture_t *f = *state;
	msg_t wrong, unknown;
	session_t *s = (session_t *)&s;
	login_info_t info;
	assert_int_equal(session_login(f->c, "nurse1", "this is the wrong password", &s, &info,
				       &wrong),
			 STATUS_AUTH);
	assert_null(s);
	assert_int_equal(session_login(f->c, "nobody-here", "this is the wrong password", &s, &info,
				       &unknown),
			 STATUS_AUTH);
	assert_null(s);
	assert_string_equal(wrong.text, unknown.text);
	/* The message does not echo the password or the name. */
	assert_false(tu_has(wrong.text, "wrong password,"));
	assert_false(tu_has(unknown.text, "nobody-here"));
	/* Empty input is refused before anything else. */
	assert_int_equal(session_login(f->c, "", "x", &s, &info, &wrong), STATUS_AUTH);
	assert_int_equal(session_login(f->c, "nurse1", "", &s, &info, &wrong), STATUS_AUTH);
	assert_int_equal(session_login(f->c, NULL, NULL, &s, &info, &wrong), STATUS_AUTH);
	/* Reset nurse1's failure count for the other tests. */
	{
		session_t *n = tu_login(f->c, "nurse1", "nurse password number one");
		session_logout(n);
	}
}

static void test_lockout(void **state)
{
	fixture_t *f = *state;
	const char *pw = "locked out user password";
	msg_t m;
	assert_int_equal(f->cfg->lockout_after, 3);
	add_user(f, "lock1", "frontdesk", pw);
	assert_int_equal(try_login(f, "lock1", "wrong guess number one", NULL, &m), STATUS_AUTH);
	assert_int_equal(try_login(f, "lock1", "wrong guess number two", NULL, &m), STATUS_AUTH);
	/* The failure that locks the account, and every attempt after it
	 * (even with the right password), answers like any wrong password:
	 * the person signing on is not told the account is locked. */
	assert_int_equal(try_login(f, "lock1", "wrong guess number three", NULL, &m), STATUS_AUTH);
	assert_string_equal(m.text, SESSION_SIGNON_FAILED);
	assert_false(tu_has(m.text, "locked"));
	assert_int_equal(try_login(f, "lock1", pw, NULL, &m), STATUS_AUTH);
	assert_string_equal(m.text, SESSION_SIGNON_FAILED);
	assert_int_equal(try_login(f, "lock1", "wrong while locked", NULL, &m), STATUS_AUTH);
	assert_string_equal(m.text, SESSION_SIGNON_FAILED);
	assert_int_equal(tu_sql_int(f->db, "SELECT locked FROM users WHERE name = 'lock1'"), 1);
	/* The reason is in the trail (pending until a key holder signs on). */
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit_pending WHERE action = "
					   "'login_refused' AND outcome = 'locked' AND user_name = "
					   "'lock1'"),
			 2);
	/* The lock is written down (pending until the next change chains
	 * it; audit_count chains first). */
	assert_int_equal(audit_count(f, "account_locked", "lock1"), 1);

	assert_int_equal(users_unlock(f->admin, "lock1", &m), STATUS_OK);
	assert_int_equal(audit_count(f, "user_unlock", "lock1"), 1);
	{
		/* The banner counts every attempt since the last sign-on: three
		 * wrong passwords and two while locked, although the unlock
		 * reset the lockout counter. */
		login_info_t info;
		assert_int_equal(try_login(f, "lock1", pw, &info, &m), STATUS_OK);
		assert_int_equal(info.failures_since, 5);
	}
	/* Each chained once. */
	assert_int_equal(audit_count(f, "account_locked", "lock1"), 1);
	assert_int_equal(audit_count(f, "login_failed", "lock1"), 3);
	assert_int_equal(users_unlock(f->admin, "no-such-user", &m), STATUS_NOTFOUND);
}

static void test_disabled_user(void **state)
{
	fixture_t *f = *state;
	const char *pw = "soon to be disabled password", *pw2 = "brand new password after enable";
	char buf[64];
	msg_t m;
	add_user(f, "dis1", "nurse", pw);
	assert_int_equal(count_where(f, "key_wraps", "dis1"), 3);
	assert_int_equal(users_disable(f->admin, "dis1", &m), STATUS_OK);
	assert_int_equal(try_login(f, "dis1", pw, NULL, &m), STATUS_AUTH);
	assert_string_equal(m.text, SESSION_SIGNON_FAILED);
	assert_int_equal(try_login(f, "dis1", "and a wrong password", NULL, &m), STATUS_AUTH);
	assert_string_equal(m.text, SESSION_SIGNON_FAILED);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit_pending WHERE action = "
					   "'login_refused' AND outcome = 'disabled' AND user_name = "
					   "'dis1'"),
			 2);
	/* No keys left for the account: its old password opens nothing. */
	assert_int_equal(count_where(f, "key_wraps", "dis1"), 0);
	assert_int_equal(count_where(f, "key_grants", "dis1"), 0);
	assert_int_equal(audit_count(f, "user_disable", "dis1"), 1);
	assert_int_equal(users_disable(f->admin, "dis1", &m), STATUS_INVALID); /* already */

	/* Enabling gives a new password and the keys back. */
	assert_int_equal(users_enable(f->admin, "dis1", "short", &m), STATUS_INVALID);
	assert_int_equal(users_enable(f->admin, "dis1", pw2, &m), STATUS_OK);
	wraps_of(f, "dis1", buf, sizeof buf);
	assert_string_equal(buf, "audit,clin,demo");
	assert_int_equal(try_login(f, "dis1", pw, NULL, &m), STATUS_AUTH);
	{
		login_info_t info;
		assert_int_equal(try_login(f, "dis1", pw2, &info, &m), STATUS_OK);
		/* the two refusals while disabled, the old password after */
		assert_int_equal(info.failures_since, 3);
	}
	assert_int_equal(users_enable(f->admin, "dis1", pw2, &m), STATUS_INVALID); /* not disabled */
}

/* What every search's permission check reads in one statement: the
 * account's state and the key epoch (0 while none was ever set). */
static void test_user_status_with_epoch(void **state)
{
	fixture_t *f = *state;
	char role[DB_ROLE_MAX + 1], id[64], was[32] = "";
	int disabled = -1, had;
	long long epoch = -1;
	msg_t m;
	add_user(f, "stat1", "nurse", "status and epoch password");
	tu_sql_text(f->db, "SELECT id FROM users WHERE name = 'stat1'", id, sizeof id);
	had = (int)tu_sql_int(f->db, "SELECT count(*) FROM meta WHERE key = 'key_epoch'");
	if (had)
		tu_sql_text(f->db, "SELECT value FROM meta WHERE key = 'key_epoch'", was, sizeof was);
	tu_sql(f->db, "DELETE FROM meta WHERE key = 'key_epoch'");
	assert_int_equal(db_user_status_epoch(f->c->db, id, &disabled, role, &epoch, &m), STATUS_OK);
	assert_int_equal(disabled, 0);
	assert_string_equal(role, "nurse");
	assert_int_equal(epoch, 0);
	tu_sql(f->db, "INSERT INTO meta(key, value) VALUES ('key_epoch', '41')");
	tu_sql(f->db, "UPDATE users SET disabled = 1 WHERE name = 'stat1'");
	assert_int_equal(db_user_status_epoch(f->c->db, id, &disabled, role, &epoch, &m), STATUS_OK);
	assert_int_equal(disabled, 1);
	assert_int_equal(epoch, 41);
	assert_int_equal(db_user_status_epoch(f->c->db, "no-such-user", &disabled, role, &epoch, &m),
			 STATUS_NOTFOUND);
	tu_sql(f->db, "UPDATE users SET disabled = 0 WHERE name = 'stat1'");
	tu_sql(f->db, "DELETE FROM meta WHERE key = 'key_epoch'");
	if (had) {
		char sql[128];
		snprintf(sql, sizeof sql, "INSERT INTO meta(key, value) VALUES ('key_epoch', '%s')",
			 was);
		tu_sql(f->db, sql);
	}
}

/* ---- keys follow roles ---- */

static void test_frontdesk_has_no_clin_key(void **state)
{
	fixture_t *f = *state;
	char buf[64];
	session_t *s;
	unsigned char *blob = NULL;
	size_t len = 0;
	char *out = NULL;
	msg_t m;

	wraps_of(f, "fd1", buf, sizeof buf);
	assert_string_equal(buf, "audit,demo");
	assert_int_equal(count_where(f, "key_grants", "fd1"), 0);
	wraps_of(f, "nurse1", buf, sizeof buf);
	assert_string_equal(buf, "audit,clin,demo");

	/* Signed on, the front desk holds no clin key and cannot read
	 * clinical text written by someone who does. */
	s = tu_login(f->c, "fd1", "front desk password one");
	assert_int_equal(keyring_domains(s->kr), DOMAIN_BIT(DOMAIN_DEMO) | DOMAIN_BIT(DOMAIN_AUDIT));
	assert_int_equal(crypto_field_encrypt(f->admin->kr, DOMAIN_CLIN, "notes", "body", "r1",
					      "chest pain", 10, 1, &blob, &len, &m),
			 STATUS_OK);
	assert_int_equal(crypto_field_decrypt(s->kr, DOMAIN_CLIN, "notes", "body", "r1", blob, len,
					      &out, NULL, &m),
			 STATUS_DENIED);
	assert_null(out);
	assert_false(session_can(s, ACT_CLINICAL_VIEW));
	assert_true(session_can(s, ACT_PATIENT_REGISTER));
	session_logout(s);
	free(blob);
}

static void test_set_role_grants_and_removes_clin(void **state)
{
	fixture_t *f = *state;
	const char *pw = "role changing user password";
	char buf[64];
	session_t *s;
	msg_t m;
	add_user(f, "role1", "frontdesk", pw);
	wraps_of(f, "role1", buf, sizeof buf);
	assert_string_equal(buf, "audit,demo");

	/* Front desk -> nurse: the admin cannot wrap under the user's
	 * password, so clin is sealed to the user's public key ... */
	assert_int_equal(users_set_role(f->admin, "role1", "nurse", &m), STATUS_OK);
	wraps_of(f, "role1", buf, sizeof buf);
	assert_string_equal(buf, "audit,demo");
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM key_grants WHERE domain = 'clin' "
					   "AND user_id = (SELECT id FROM users WHERE name = 'role1')"),
			 1);
	/* ... and becomes a wrap at the next sign-on. */
	s = tu_login(f->c, "role1", pw);
	assert_int_equal(session_role(s), ROLE_NURSE);
	assert_true(keyring_has(s->kr, DOMAIN_CLIN));
	assert_memory_equal(keyring_key(s->kr, DOMAIN_CLIN), keyring_key(f->admin->kr, DOMAIN_CLIN),
			    CRYPTO_KEY_LEN);
	session_logout(s);
	wraps_of(f, "role1", buf, sizeof buf);
	assert_string_equal(buf, "audit,clin,demo");
	assert_int_equal(count_where(f, "key_grants", "role1"), 0);
	/* And from then on it is an ordinary wrap. */
	s = tu_login(f->c, "role1", pw);
	assert_true(keyring_has(s->kr, DOMAIN_CLIN));
	session_logout(s);

	/* Nurse -> front desk: the clin wrap goes at once. */
	assert_int_equal(users_set_role(f->admin, "role1", "frontdesk", &m), STATUS_OK);
	wraps_of(f, "role1", buf, sizeof buf);
	assert_string_equal(buf, "audit,demo");
	s = tu_login(f->c, "role1", pw);
	assert_int_equal(session_role(s), ROLE_FRONTDESK);
	assert_false(keyring_has(s->kr, DOMAIN_CLIN));
	session_logout(s);
	assert_int_equal(audit_count(f, "user_role", "role1"), 2);

	assert_int_equal(users_set_role(f->admin, "role1", "frontdesk", &m), STATUS_INVALID);
	assert_int_equal(users_set_role(f->admin, "role1", "wizard", &m), STATUS_INVALID);
	assert_int_equal(users_set_role(f->admin, "nobody-x", "nurse", &m), STATUS_NOTFOUND);
}

/* A role changed twice before the user signs on: the sealed grant made by
 * the first change must not outlive the second. */
static void test_role_round_trip_before_sign_on(void **state)
{
	fixture_t *f = *state;
	const char *pw = "round trip role password";
	char buf[64];
	session_t *s;
	msg_t m;
	add_user(f, "role2", "frontdesk", pw);
	assert_int_equal(users_set_role(f->admin, "role2", "nurse", &m), STATUS_OK);
	assert_int_equal(count_where(f, "key_grants", "role2"), 1);
	assert_int_equal(users_set_role(f->admin, "role2", "frontdesk", &m), STATUS_OK);
	assert_int_equal(count_where(f, "key_grants", "role2"), 0);
	s = tu_login(f->c, "role2", pw);
	assert_int_equal(session_role(s), ROLE_FRONTDESK);
	assert_false(keyring_has(s->kr, DOMAIN_CLIN));
	session_logout(s);
	wraps_of(f, "role2", buf, sizeof buf);
	assert_string_equal(buf, "audit,demo");
}

/* A grant of a key the role no longer needs (the clinic changed [roles]
 * after the grant was made) is not taken in at sign-on, just as a wrap of
 * such a key is left unused. */
static void test_grant_of_unneeded_key_not_taken(void **state)
{
	fixture_t *f = *state;
	const char *pw = "role three user password";
	config_t *cfg2 = calloc(1, sizeof *cfg2);
	clinic_t *c2;
	session_t *s;
	char buf[64];
	msg_t m;
	assert_non_null(cfg2);
	add_user(f, "role3", "frontdesk", pw);
	assert_int_equal(users_set_role(f->admin, "role3", "nurse", &m), STATUS_OK);
	assert_int_equal(count_where(f, "key_grants", "role3"), 1);
	/* The clinic now runs with nurses who see no clinical text. */
	tu_config(cfg2);
	assert_int_equal(perm_apply_override(&cfg2->perms, ROLE_NURSE, "patient_search patient_view",
					     &m),
			 STATUS_OK);
	assert_false(perm_role_domains(&cfg2->perms, ROLE_NURSE) & DOMAIN_BIT(DOMAIN_CLIN));
	c2 = tu_clinic_open(f->db, cfg2);
	s = tu_login(c2, "role3", pw);
	assert_false(keyring_has(s->kr, DOMAIN_CLIN));
	session_logout(s);
	clinic_close(c2);
	free(cfg2);
	wraps_of(f, "role3", buf, sizeof buf);
	assert_string_equal(buf, "audit,demo");
}

static void test_user_management_needs_admin(void **state)
{
	fixture_t *f = *state;
	session_t *s = tu_login(f->c, "nurse1", "nurse password number one");
	int64_t denied_before = audit_count(f, "denied", "nurse1");
	msg_t m;
	assert_int_equal(users_add(s, "sneaky", "admin", "a perfectly good password", &m),
			 STATUS_DENIED);
	assert_true(tu_has(m.text, "nurse"));
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM users WHERE name = 'sneaky'"), 0);
	/* The refusal is on the trail, by the nurse. */
	assert_int_equal(audit_count(f, "denied", "nurse1"), denied_before + 1);
	assert_int_equal(tu_sql_int(f->db, "SELECT outcome = 'denied' FROM audit WHERE action = "
					   "'denied' AND user_name = 'nurse1' ORDER BY seq DESC"),
			 1);
	assert_int_equal(users_set_role(s, "nurse1", "admin", &m), STATUS_DENIED);
	assert_int_equal(users_disable(s, "fd1", &m), STATUS_DENIED);
	assert_int_equal(users_unlock(s, "fd1", &m), STATUS_DENIED);
	assert_int_equal(users_enable(s, "fd1", "a perfectly good password", &m), STATUS_DENIED);
	assert_int_equal(users_passwd(s, "fd1", "a perfectly good password", &m), STATUS_DENIED);
	assert_int_equal(users_list(s, NULL, NULL, &m), STATUS_DENIED);
	assert_int_equal(audit_count(f, "denied", "nurse1"), denied_before + 7);
	/* Nothing about the nurse changed. */
	{
		char role[24];
		tu_sql_text(f->db, "SELECT role FROM users WHERE name = 'nurse1'", role, sizeof role);
		assert_string_equal(role, "nurse");
	}
	session_logout(s);
}

/* ---- input policy ---- */

static void test_user_names(void **state)
{
	fixture_t *f = *state;
	static const char *const good[] = {"ab", "jsmith", "j.smith", "nurse-2", "x_y",
					   "abcdefghijklmnopqrstuvwxyz012345"};
	static const char *const bad[] = {"",       "a",      "Bob",     "1abc",    "-abc",
					  "bob smith", "bob;drop", "ab\n",  "élodie", "_x",
					  "abcdefghijklmnopqrstuvwxyz0123456"};
	msg_t m;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!users_name_valid(good[i]))
			fail_msg("'%s' should be a valid name", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (users_name_valid(bad[i]))
			fail_msg("'%s' should not be a valid name", bad[i]);
		assert_int_equal(users_add(f->admin, bad[i], "nurse", "a perfectly good password", &m),
				 STATUS_INVALID);
		assert_true(tu_has(m.text, "not a valid user name"));
	}
	assert_false(users_name_valid(NULL));
	assert_int_equal(users_add(f->admin, "newbie", "wizard", "a perfectly good password", &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "not a role"));
	assert_int_equal(users_add(f->admin, "nurse1", "nurse", "a perfectly good password", &m),
			 STATUS_EXISTS);
	assert_true(tu_has(m.text, "already exists"));
}

static void test_password_policy(void **state)
{
	fixture_t *f = *state;
	char long_pw[300], ctl[32];
	msg_t m;
	assert_int_equal(users_password_check(f->cfg, "bob", "a perfectly good password", &m),
			 STATUS_OK);
	assert_int_equal(users_password_check(f->cfg, "bob", "fourteen chars", &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "too short"));
	assert_true(tu_has(m.text, "15"));
	assert_int_equal(users_password_check(f->cfg, "bob", "passwordpassword", &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "common"));
	assert_int_equal(users_password_check(f->cfg, "bob", "PasswordPassword", &m), STATUS_INVALID);
	assert_int_equal(users_password_check(f->cfg, "margaretta", "margaretta12345", &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "user name"));
	snprintf(ctl, sizeof ctl, "long enough but\x01" "bad");
	assert_int_equal(users_password_check(f->cfg, "bob", ctl, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "control"));
	for (size_t i = 0; i + 1 < sizeof long_pw; i++)
		long_pw[i] = "the quick brown fox jumps over a lazy dog "[i % 42];
	long_pw[sizeof long_pw - 1] = '\0';
	assert_int_equal(users_password_check(f->cfg, "bob", long_pw, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "too long"));
	long_pw[127] = 'z';
	long_pw[128] = '\0'; /* exactly the maximum */
	assert_int_equal(users_password_check(f->cfg, "bob", long_pw, &m), STATUS_OK);
	/* Spaces and non-ASCII are fine: no composition rules. */
	assert_int_equal(users_password_check(f->cfg, "bob", "ça va très bien merci", &m), STATUS_OK);
	assert_int_equal(users_password_check(f->cfg, "bob", NULL, &m), STATUS_INVALID);
	/* And users_add applies it. */
	assert_int_equal(users_add(f->admin, "weakpw", "nurse", "passwordpassword", &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "common"));
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM users WHERE name = 'weakpw'"), 0);
}

/* ---- administrators ---- */

static void test_last_admin_protected(void **state)
{
	fixture_t *f = *state;
	const char *pw2 = "second administrator password";
	session_t *a2;
	msg_t m;
	/* Alone: the admin cannot demote or disable themselves. */
	assert_int_equal(users_set_role(f->admin, TU_ADMIN, "nurse", &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "last active administrator"));
	assert_int_equal(users_disable(f->admin, TU_ADMIN, &m), STATUS_INVALID);

	/* With a second admin signed on: admin disables admin2, and admin2's
	 * still-open session cannot then take out the last one: the disabled
	 * account's session is refused (and locked) at its next action. */
	add_user(f, "admin2", "admin", pw2);
	a2 = tu_login(f->c, "admin2", pw2);
	assert_int_equal(users_disable(f->admin, "admin2", &m), STATUS_OK);
	assert_int_equal(users_disable(a2, TU_ADMIN, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "disabled"));
	assert_true(session_is_locked(a2));
	assert_int_equal(users_set_role(a2, TU_ADMIN, "privacy", &m), STATUS_DENIED);
	session_logout(a2);
	{
		char role[24];
		tu_sql_text(f->db, "SELECT role || disabled FROM users WHERE name = 'admin'", role,
			    sizeof role);
		assert_string_equal(role, "admin0");
	}
	/* With two active admins, demoting one is allowed. */
	assert_int_equal(users_enable(f->admin, "admin2", pw2, &m), STATUS_OK);
	assert_int_equal(users_set_role(f->admin, "admin2", "privacy", &m), STATUS_OK);
}

/* ---- passwords and keys ---- */

typedef struct keycopy {
	unsigned char k[DOMAIN_COUNT][CRYPTO_KEY_LEN];
	unsigned held;
} keycopy_t;

static void copy_keys(const session_t *s, keycopy_t *kc)
{
	memset(kc, 0, sizeof *kc);
	kc->held = keyring_domains(s->kr);
	for (int d = 0; d < DOMAIN_COUNT; d++)
		if (keyring_has(s->kr, (domain_t)d))
			memcpy(kc->k[d], keyring_key(s->kr, (domain_t)d), CRYPTO_KEY_LEN);
}

static void expect_same_keys(const session_t *s, const keycopy_t *kc)
{
	keycopy_t now;
	copy_keys(s, &now);
	assert_int_equal(now.held, kc->held);
	assert_memory_equal(now.k, kc->k, sizeof now.k);
	sodium_memzero(&now, sizeof now);
}

static void test_password_change(void **state)
{
	fixture_t *f = *state;
	const char *old_pw = "the original password", *new_pw = "a much better new password",
		   *reset_pw = "password set by the admin";
	session_t *s;
	keycopy_t before;
	char salt_before[80], salt_after[80];
	msg_t m;
	add_user(f, "pw1", "nurse", old_pw);
	s = tu_login(f->c, "pw1", old_pw);
	copy_keys(s, &before);
	assert_int_equal(before.held, DOMAIN_ALL);
	tu_sql_text(f->db, "SELECT hex(kdf_salt) FROM users WHERE name = 'pw1'", salt_before,
		    sizeof salt_before);
	/* A user changes their own password (no user_manage needed). */
	assert_int_equal(users_passwd(s, "pw1", "short", &m), STATUS_INVALID);
	assert_int_equal(users_passwd(s, "pw1", new_pw, &m), STATUS_OK);
	session_logout(s);
	tu_sql_text(f->db, "SELECT hex(kdf_salt) FROM users WHERE name = 'pw1'", salt_after,
		    sizeof salt_after);
	assert_string_not_equal(salt_before, salt_after);
	assert_int_equal(try_login(f, "pw1", old_pw, NULL, &m), STATUS_AUTH);
	s = tu_login(f->c, "pw1", new_pw);
	expect_same_keys(s, &before); /* same domain keys, rewrapped */
	/* The user cannot change someone else's. */
	assert_int_equal(users_passwd(s, "fd1", new_pw, &m), STATUS_DENIED);
	session_logout(s);

	/* An administrator resets it. */
	assert_int_equal(users_passwd(f->admin, "pw1", reset_pw, &m), STATUS_OK);
	assert_int_equal(try_login(f, "pw1", new_pw, NULL, &m), STATUS_AUTH);
	s = tu_login(f->c, "pw1", reset_pw);
	expect_same_keys(s, &before);
	session_logout(s);
	assert_int_equal(audit_count(f, "user_passwd", "pw1"), 2);
	assert_int_equal(users_passwd(f->admin, "nobody-y", reset_pw, &m), STATUS_NOTFOUND);
	sodium_memzero(&before, sizeof before);
}

static void test_lock_and_unlock(void **state)
{
	fixture_t *f = *state;
	const char *pw = "idle lock test password";
	session_t *s;
	keycopy_t before;
	msg_t m;
	add_user(f, "lk1", "provider", pw);
	s = tu_login(f->c, "lk1", pw);
	copy_keys(s, &before);
	assert_int_equal(before.held, DOMAIN_ALL);
	assert_true(session_can(s, ACT_NOTE_SIGN));

	assert_int_equal(session_lock(s, &m), STATUS_OK);
	assert_true(session_is_locked(s));
	assert_int_equal(keyring_domains(s->kr), 0);
	for (int d = 0; d < DOMAIN_COUNT; d++)
		assert_null(keyring_key(s->kr, (domain_t)d));
	assert_false(session_can(s, ACT_NOTE_SIGN));
	assert_int_equal(session_require(s, ACT_NOTE_SIGN, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "locked"));
	assert_int_equal(users_passwd(s, "lk1", "some other long password", &m), STATUS_DENIED);
	assert_int_equal(session_lock(s, &m), STATUS_OK); /* again: no-op */

	assert_int_equal(session_unlock(s, "not the right password", &m), STATUS_AUTH);
	assert_true(session_is_locked(s));
	assert_int_equal(keyring_domains(s->kr), 0);
	assert_int_equal(session_unlock(s, "", &m), STATUS_AUTH);
	assert_int_equal(session_unlock(s, pw, &m), STATUS_OK);
	assert_false(session_is_locked(s));
	expect_same_keys(s, &before);
	assert_true(session_can(s, ACT_NOTE_SIGN));
	assert_int_equal(session_unlock(s, pw, &m), STATUS_OK); /* not locked: no-op */
	session_logout(s);
	assert_int_equal(audit_count(f, "idle_lock", "lk1"), 1);
	assert_int_equal(audit_count(f, "unlock", "lk1"), 1);
	assert_int_equal(audit_count(f, "login_failed", "lk1"), 1);
	sodium_memzero(&before, sizeof before);
}

static void test_unlock_failures_lock_the_account(void **state)
{
	fixture_t *f = *state;
	const char *pw = "unlock lockout password";
	session_t *s;
	msg_t m;
	add_user(f, "lk2", "nurse", pw);
	s = tu_login(f->c, "lk2", pw);
	assert_int_equal(session_lock(s, &m), STATUS_OK);
	assert_int_equal(session_unlock(s, "guess one is wrong", &m), STATUS_AUTH);
	assert_int_equal(session_unlock(s, "guess two is wrong", &m), STATUS_AUTH);
	assert_int_equal(session_unlock(s, "guess three is wrong", &m), STATUS_ACCOUNT_LOCKED);
	assert_int_equal(session_unlock(s, pw, &m), STATUS_ACCOUNT_LOCKED);
	assert_true(session_is_locked(s));
	assert_int_equal(keyring_domains(s->kr), 0);
	session_logout(s);
	assert_int_equal(users_unlock(f->admin, "lk2", &m), STATUS_OK);
}

/* ---- recovery ---- */

static void test_recovery_key(void **state)
{
	fixture_t *f = *state;
	const char *new_pw = "recovered admin password", *rescue_pw = "rescue admin password";
	char path[PATH_MAX], rk[CRYPTO_RECOVERY_TEXT], wrong[CRYPTO_RECOVERY_TEXT];
	unsigned char random_key[CRYPTO_KEY_LEN];
	clinic_t *c;
	session_t *s = NULL;
	login_info_t info;
	msg_t m;

	tu_path(path, f->dir, "recover.db");
	tu_clinic_init(path, f->cfg, rk);
	c = tu_clinic_open(path, f->cfg);
	/* The only admin has locked themselves out. */
	for (int i = 0; i < 3; i++)
		session_login(c, TU_ADMIN, "forgot my password again", &s, &info, &m);
	assert_int_equal(session_login(c, TU_ADMIN, TU_ADMIN_PW, &s, &info, &m), STATUS_AUTH);
	assert_int_equal(tu_sql_int(path, "SELECT locked FROM users WHERE name = 'admin'"), 1);

	/* Someone else's recovery key, or junk, does nothing. */
	randombytes_buf(random_key, sizeof random_key);
	crypto_recovery_format(random_key, wrong);
	assert_int_equal(clinic_recover(c, wrong, TU_ADMIN, new_pw, &m), STATUS_AUTH);
	assert_true(tu_has(m.text, "does not open"));
	assert_int_equal(clinic_recover(c, f->recovery, TU_ADMIN, new_pw, &m), STATUS_AUTH);
	assert_int_equal(clinic_recover(c, "12-34", TU_ADMIN, new_pw, &m), STATUS_INVALID);
	assert_int_equal(clinic_recover(c, rk, TU_ADMIN, "short", &m), STATUS_INVALID);
	assert_int_equal(session_login(c, TU_ADMIN, TU_ADMIN_PW, &s, &info, &m), STATUS_AUTH);
	assert_int_equal(tu_sql_int(path, "SELECT locked FROM users WHERE name = 'admin'"), 1);

	/* The printed key resets the password, unlocking the account. */
	assert_int_equal(clinic_recover(c, rk, TU_ADMIN, new_pw, &m), STATUS_OK);
	assert_int_equal(session_login(c, TU_ADMIN, TU_ADMIN_PW, &s, &info, &m), STATUS_AUTH);
	assert_int_equal(session_login(c, TU_ADMIN, new_pw, &s, &info, &m), STATUS_OK);
	/* Nobody else holds the clinical key yet: the administrator keeps it
	 * (to hand to the first clinical account), as after init. */
	assert_int_equal(keyring_domains(s->kr), DOMAIN_ALL);
	session_logout(s);
	/* It can also create a new administrator, who holds what the role
	 * needs: the clinical key is held by another account already. */
	assert_int_equal(clinic_recover(c, rk, "rescue", rescue_pw, &m), STATUS_OK);
	s = tu_login(c, "rescue", rescue_pw);
	assert_int_equal(session_role(s), ROLE_ADMIN);
	assert_int_equal(keyring_domains(s->kr),
			 DOMAIN_BIT(DOMAIN_AUDIT) | DOMAIN_BIT(DOMAIN_DEMO));
	/* It resets administrators only, never hands a staff account admin. */
	assert_int_equal(users_add(s, "rnurse", "nurse", "recovery db nurse password", &m),
			 STATUS_OK);
	assert_int_equal(clinic_recover(c, rk, "rnurse", new_pw, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "not an administrator"));
	/* Each use is on the trail, and the trail is whole. */
	{
		int64_t count, bad;
		assert_int_equal(audit_verify(s, NULL, &count, &bad, &m), STATUS_OK);
	}
	session_logout(s);
	clinic_close(c);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM audit WHERE action = "
					  "'recovery_key_used'"),
			 2);
	sodium_memzero(rk, sizeof rk);
}

/* ---- listing and accessors ---- */

typedef struct seen_users {
	int n;
	int sorted;
	char last[72];
	unsigned fd1_domains, nurse1_domains;
	char fd1_role[24];
} seen_users_t;

static int on_user(const user_info_t *u, void *arg)
{
	seen_users_t *s = arg;
	if (s->n && strcmp(u->name, s->last) <= 0)
		s->sorted = 0;
	snprintf(s->last, sizeof s->last, "%s", u->name);
	s->n++;
	if (strcmp(u->name, "fd1") == 0) {
		s->fd1_domains = u->domains;
		snprintf(s->fd1_role, sizeof s->fd1_role, "%s", u->role);
	}
	if (strcmp(u->name, "nurse1") == 0)
		s->nurse1_domains = u->domains;
	return 0;
}

static void test_users_list(void **state)
{
	fixture_t *f = *state;
	seen_users_t s;
	msg_t m;
	memset(&s, 0, sizeof s);
	s.sorted = 1;
	assert_int_equal(users_list(f->admin, on_user, &s, &m), STATUS_OK);
	assert_int_equal(s.n, tu_sql_int(f->db, "SELECT count(*) FROM users"));
	assert_true(s.sorted);
	assert_string_equal(s.fd1_role, "frontdesk");
	assert_int_equal(s.fd1_domains, DOMAIN_BIT(DOMAIN_DEMO) | DOMAIN_BIT(DOMAIN_AUDIT));
	assert_int_equal(s.nurse1_domains, DOMAIN_ALL);
}

static void test_session_accessors(void **state)
{
	fixture_t *f = *state;
	assert_string_equal(session_user_name(f->admin), TU_ADMIN);
	assert_int_equal(session_role(f->admin), ROLE_ADMIN);
	assert_ptr_equal(session_clinic(f->admin), f->c);
	/* session_can follows the configured matrix exactly. */
	for (int a = 0; a < ACT_COUNT; a++)
		assert_int_equal(session_can(f->admin, (action_t)a),
				 perm_allowed(&f->cfg->perms, ROLE_ADMIN, (action_t)a));
	assert_false(session_can(NULL, ACT_USER_MANAGE));
	session_logout(NULL);
}

static void test_unknown_role_in_database(void **state)
{
	fixture_t *f = *state;
	const char *pw = "odd role user password";
	msg_t m;
	add_user(f, "odd1", "nurse", pw);
	tu_sql(f->db, "UPDATE users SET role = 'wizard' WHERE name = 'odd1'");
	assert_int_equal(try_login(f, "odd1", pw, NULL, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "wizard"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_made_the_clinic),
		cmocka_unit_test(test_init_refuses_existing_file),
		cmocka_unit_test(test_init_refuses_bad_input),
		cmocka_unit_test(test_login_info_banner),
		cmocka_unit_test(test_wrong_password_and_unknown_user_look_alike),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_disabled_user),
		cmocka_unit_test(test_user_status_with_epoch),
		cmocka_unit_test(test_frontdesk_has_no_clin_key),
		cmocka_unit_test(test_set_role_grants_and_removes_clin),
		cmocka_unit_test(test_role_round_trip_before_sign_on),
		cmocka_unit_test(test_grant_of_unneeded_key_not_taken),
		cmocka_unit_test(test_user_management_needs_admin),
		cmocka_unit_test(test_user_names),
		cmocka_unit_test(test_password_policy),
		cmocka_unit_test(test_last_admin_protected),
		cmocka_unit_test(test_password_change),
		cmocka_unit_test(test_lock_and_unlock),
		cmocka_unit_test(test_unlock_failures_lock_the_account),
		cmocka_unit_test(test_recovery_key),
		cmocka_unit_test(test_users_list),
		cmocka_unit_test(test_session_accessors),
		cmocka_unit_test(test_unknown_role_in_database),
	};
	return cmocka_run_group_tests_name("users", tests, group_setup, group_teardown);
}
