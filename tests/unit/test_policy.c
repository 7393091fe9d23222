/* test_policy.c - core/policy.h and core/keys.h, issue 10: the database's
 * policy (changes applied and audited, the checks on them, tampering with
 * its rows, its seal or an older copy detected at sign-on, the recovery
 * key's repair, the first seal after an upgrade), the MAC over each
 * account's role, disabled flag and public key, and keys that follow the
 * matrix in force: the administrator holds no clinical key once a clinical
 * account does, and keys an administrator cannot give are granted at a
 * holder's sign-on. Each test has a clinic of its own (they damage it). */
#include "testutil.h"

#include "core/internal.h"
#include "core/keys.h"
#include "core/policy.h"
#include "db/db.h"

#define NURSE_PW "nurse password for policy tests"
#define FD_PW "front desk password for policy"
#define PROV_PW "provider password for policy tests"

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	char recovery[CRYPTO_RECOVERY_TEXT];
	config_t *cfg;
	clinic_t *c;
	session_t *admin;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_crypto_init();
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_config(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	tu_clinic_init(f->db, f->cfg, f->recovery);
	f->c = tu_clinic_open(f->db, f->cfg);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	tu_add_user(f->admin, "fd1", "frontdesk", FD_PW);
	tu_add_user(f->admin, "nurse1", "nurse", NURSE_PW);
	*state = f;
	return 0;
}

static int teardown(void **state)
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

static status_t try_login(fixture_t *f, const char *name, const char *pw, msg_t *m)
{
	session_t *s = NULL;
	login_info_t info;
	status_t st = session_login(f->c, name, pw, &s, &info, m);
	if (st == STATUS_OK)
		session_logout(s);
	else
		assert_null(s);
	return st;
}

static int64_t count(fixture_t *f, const char *sql)
{
	return tu_sql_int(f->db, sql);
}

/* The domains a user has wraps of, "audit,clin,demo" sorted. */
static void wraps_of(fixture_t *f, const char *user, char *buf, size_t size)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT group_concat(domain, ',') FROM (SELECT domain FROM key_wraps WHERE holder "
		 "= (SELECT id FROM users WHERE name = '%s') ORDER BY domain)",
		 user);
	tu_sql_text(f->db, sql, buf, size);
}

/* ---- changes ---------------------------------------------------------- */

static void test_role_change_applied_and_audited(void **state)
{
	fixture_t *f = *state;
	session_t *fd;
	char detail[512];
	msg_t m;

	fd = tu_login(f->c, "fd1", FD_PW);
	assert_false(session_can(fd, ACT_VIEW_CONFIDENTIAL));
	session_logout(fd);
	assert_int_equal(policy_role_set(f->admin, "frontdesk", "+view_confidential", &m), STATUS_OK);
	assert_true(tu_has(m.text, "view_confidential"));
	/* In force at once for this process, and at the next sign-on. */
	assert_true(perm_allowed(&clinic_config(f->c)->perms, ROLE_FRONTDESK,
				 ACT_VIEW_CONFIDENTIAL));
	assert_int_equal(clinic_config(f->c)->role_origin[ROLE_FRONTDESK].from, CONFIG_FROM_DB);
	assert_string_equal(clinic_config(f->c)->role_origin[ROLE_FRONTDESK].by, TU_ADMIN);
	fd = tu_login(f->c, "fd1", FD_PW);
	assert_true(session_can(fd, ACT_VIEW_CONFIDENTIAL));
	session_logout(fd);
	/* Audited in the same transaction, with what changed. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'policy_set' AND "
				  "target = 'roles.frontdesk' AND user_name = 'admin'"),
			 1);
	assert_int_equal(tu_audit_find(f->admin, "policy_set", "roles.frontdesk", NULL, detail,
				       sizeof detail),
			 1);
	assert_true(tu_has(detail, "added: view_confidential; removed: -"));
	/* A full list replaces; reset goes back to the trusted matrix. */
	assert_int_equal(policy_role_set(f->admin, "nurse", "patient_search, patient_view", &m),
			 STATUS_OK);
	assert_int_equal(clinic_config(f->c)->perms.allowed[ROLE_NURSE],
			 (1ull << ACT_PATIENT_SEARCH) | (1ull << ACT_PATIENT_VIEW));
	assert_int_equal(policy_role_set(f->admin, "nurse", NULL, &m), STATUS_OK);
	assert_int_equal(clinic_config(f->c)->perms.allowed[ROLE_NURSE],
			 f->cfg->perms.allowed[ROLE_NURSE]);
	assert_int_equal(clinic_config(f->c)->role_origin[ROLE_NURSE].from, CONFIG_FROM_DEFAULT);
	assert_int_equal(count(f, "SELECT count(*) FROM policy WHERE key = 'roles.nurse'"), 0);
	/* Bad input changes nothing. */
	assert_int_equal(policy_role_set(f->admin, "wizard", "+note_sign", &m), STATUS_INVALID);
	assert_int_equal(policy_role_set(f->admin, "nurse", "+fly", &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "unknown action 'fly'"));
	{
		int64_t seq;
		assert_int_equal(audit_verify(f->admin, NULL, &seq, &seq, &m), STATUS_OK);
	}
}

static void test_only_policy_managers_change_it(void **state)
{
	fixture_t *f = *state;
	session_t *nurse = tu_login(f->c, "nurse1", NURSE_PW);
	msg_t m;
	assert_int_equal(policy_role_set(nurse, "nurse", "+user_manage", &m), STATUS_DENIED);
	assert_int_equal(policy_set(nurse, "security.lockout_after", "50", &m), STATUS_DENIED);
	assert_false(session_can(nurse, ACT_USER_MANAGE));
	assert_int_equal(count(f, "SELECT count(*) FROM policy WHERE key <> '*'"), 0);
	session_logout(nurse);
	/* Nobody may be left to administer the clinic. */
	assert_int_equal(policy_role_set(f->admin, "admin", "-user_manage", &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "nobody could administer"));
	assert_int_equal(policy_role_set(f->admin, "admin", "-policy_manage", &m), STATUS_INVALID);
	/* ... unless another role takes it over. */
	assert_int_equal(policy_role_set(f->admin, "privacy", "+policy_manage", &m), STATUS_OK);
	assert_int_equal(policy_role_set(f->admin, "admin", "-policy_manage", &m), STATUS_OK);
}

static void test_setting_change(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	int i = config_setting_index("security:idle_lock_seconds");
	assert_int_equal(policy_set(f->admin, "security.idle_lock_seconds", "120", &m), STATUS_OK);
	assert_int_equal(clinic_config(f->c)->idle_lock_seconds, 120);
	assert_int_equal(clinic_config(f->c)->setting_origin[i].from, CONFIG_FROM_DB);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'policy_set' AND "
				  "target = 'security.idle_lock_seconds'"),
			 1);
	/* The same checks as a file: floors, ranges, relations. */
	assert_int_equal(policy_set(f->admin, "security.password_min_length", "6", &m),
			 STATUS_CONFIG);
	assert_true(tu_has(m.text, "security floor"));
	assert_int_equal(policy_set(f->admin, "security.idle_lock_seconds", "7200", &m),
			 STATUS_CONFIG);
	assert_int_equal(policy_set(f->admin, "security.password_max_length", "64", &m), STATUS_OK);
	assert_int_equal(policy_set(f->admin, "security.password_min_length", "65", &m),
			 STATUS_CONFIG);
	/* Not policy, or not changeable in a living database. */
	assert_int_equal(policy_set(f->admin, "ui.color", "never", &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "preference"));
	assert_int_equal(policy_set(f->admin, "security.nope", "1", &m), STATUS_INVALID);
	assert_int_equal(policy_set(f->admin, "roles.nurse", "none", &m), STATUS_INVALID);
	assert_int_equal(policy_set(f->admin, "security.blind_index_bytes", "4", &m), STATUS_INVALID);
	/* Other policy sections too. */
	assert_int_equal(policy_set(f->admin, "matching:threshold", "9", &m), STATUS_OK);
	assert_int_equal(clinic_config(f->c)->match_threshold, 9);
	/* Unset: the trusted value again. */
	assert_int_equal(policy_set(f->admin, "security.idle_lock_seconds", NULL, &m), STATUS_OK);
	assert_int_equal(clinic_config(f->c)->idle_lock_seconds, f->cfg->idle_lock_seconds);
	assert_int_equal(clinic_config(f->c)->setting_origin[i].from, CONFIG_FROM_DEFAULT);
	/* Another process reads it at its next sign-on. */
	{
		clinic_t *c2 = tu_clinic_open(f->db, f->cfg);
		session_t *s2;
		assert_int_equal(clinic_config(c2)->match_threshold, f->cfg->match_threshold);
		s2 = tu_login(c2, "nurse1", NURSE_PW);
		assert_int_equal(clinic_config(c2)->match_threshold, 9);
		session_logout(s2);
		clinic_close(c2);
	}
}

/* An unlock after an idle lock reads the policy again. */
static void test_unlock_reads_policy_again(void **state)
{
	fixture_t *f = *state;
	clinic_t *c2 = tu_clinic_open(f->db, f->cfg);
	session_t *fd = tu_login(c2, "fd1", FD_PW);
	msg_t m;
	assert_false(session_can(fd, ACT_VIEW_CONFIDENTIAL));
	assert_int_equal(session_lock(fd, &m), STATUS_OK);
	assert_int_equal(policy_role_set(f->admin, "frontdesk", "+view_confidential", &m), STATUS_OK);
	assert_int_equal(session_unlock(fd, FD_PW, &m), STATUS_OK);
	assert_true(session_can(fd, ACT_VIEW_CONFIDENTIAL));
	session_logout(fd);
	clinic_close(c2);
}

/* ---- tampering ---------------------------------------------------------- */

/* Apply sql to the database, expect every sign-on to fail with
 * STATUS_INTEGRITY, then put the policy table back as it was. */
static void expect_tampered(fixture_t *f, const char *sql, const char *why)
{
	msg_t m;
	tu_sql(f->db, "CREATE TABLE bak AS SELECT * FROM policy");
	tu_sql(f->db, sql);
	if (try_login(f, "nurse1", NURSE_PW, &m) != STATUS_INTEGRITY)
		fail_msg("%s: the nurse signed on (%s)", why, m.text);
	assert_true(tu_has(m.text, "policy"));
	assert_int_equal(try_login(f, TU_ADMIN, TU_ADMIN_PW, &m), STATUS_INTEGRITY);
	/* A policy change from a session opened before is refused too. */
	assert_int_equal(policy_set(f->admin, "security.lockout_after", "4", &m), STATUS_INTEGRITY);
	tu_sql(f->db, "DELETE FROM policy; INSERT INTO policy SELECT * FROM bak; DROP TABLE bak");
	assert_int_equal(try_login(f, "nurse1", NURSE_PW, &m), STATUS_OK);
}

static void test_policy_tampering_detected(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	assert_int_equal(policy_role_set(f->admin, "frontdesk", "+view_confidential", &m), STATUS_OK);
	assert_int_equal(policy_set(f->admin, "security.lockout_after", "5", &m), STATUS_OK);
	expect_tampered(f,
			"UPDATE policy SET value = 'patient_search, view_confidential, user_manage' "
			"WHERE key = 'roles.frontdesk'",
			"value edited");
	expect_tampered(f, "UPDATE policy SET set_at = '2020-01-01T00:00:00Z' WHERE key = "
			   "'security.lockout_after'",
			"time edited");
	expect_tampered(f,
			"INSERT INTO policy SELECT 'roles.nurse', 'user_manage', set_by, set_at, mac "
			"FROM policy WHERE key = 'roles.frontdesk'",
			"row added");
	expect_tampered(f, "DELETE FROM policy WHERE key = 'roles.frontdesk'", "row deleted");
	expect_tampered(f, "DELETE FROM policy WHERE key = '*'", "seal deleted");
	expect_tampered(f, "DELETE FROM policy", "table emptied");
	expect_tampered(f, "UPDATE policy SET mac = randomblob(32) WHERE key = '*'", "seal forged");
	expect_tampered(f, "UPDATE policy SET mac = x'00' WHERE key = 'security.lockout_after'",
			"short MAC");
}

/* An older copy of the whole table, seal and all, is caught: the seal
 * names the audit entry of the last change. */
static void test_policy_replay_detected(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	assert_int_equal(policy_role_set(f->admin, "frontdesk", "+view_confidential", &m), STATUS_OK);
	tu_sql(f->db, "CREATE TABLE saved AS SELECT * FROM policy");
	assert_int_equal(policy_role_set(f->admin, "frontdesk", "-view_confidential", &m), STATUS_OK);
	assert_int_equal(try_login(f, "fd1", FD_PW, &m), STATUS_OK);
	expect_tampered(f, "DELETE FROM policy; INSERT INTO policy SELECT * FROM saved",
			"older copy");
	/* Renumbering the audit trail (a row deleted before it) does not
	 * break the policy: that is the audit chain's to report. */
	tu_sql(f->db, "DELETE FROM audit WHERE seq = 3; UPDATE audit SET seq = seq - 1 WHERE seq > 3");
	assert_int_equal(try_login(f, "fd1", FD_PW, &m), STATUS_OK);
}

static void test_recovery_resets_damaged_policy(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	assert_int_equal(policy_set(f->admin, "security.lockout_after", "5", &m), STATUS_OK);
	tu_sql(f->db, "UPDATE policy SET value = '50' WHERE key = 'security.lockout_after'");
	assert_int_equal(try_login(f, "nurse1", NURSE_PW, &m), STATUS_INTEGRITY);
	assert_int_equal(policy_reset_recovery(f->c, "00-11", TU_ADMIN, &m), STATUS_INVALID);
	assert_int_equal(policy_reset_recovery(f->c, f->recovery, "nurse1", &m), STATUS_INVALID);
	assert_int_equal(policy_reset_recovery(f->c, f->recovery, TU_ADMIN, &m), STATUS_OK);
	assert_int_equal(try_login(f, "nurse1", NURSE_PW, &m), STATUS_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM policy WHERE key <> '*'"), 0);
	{
		char detail[512];
		session_t *a = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
		assert_int_equal(tu_audit_find(a, "policy_set", "*", NULL, detail, sizeof detail), 1);
		assert_true(tu_has(detail, "security.lockout_after=50"));
		assert_int_equal(clinic_config(f->c)->lockout_after, f->cfg->lockout_after);
		session_logout(a);
	}
}

static void test_account_row_tampering(void **state)
{
	fixture_t *f = *state;
	session_t *nurse;
	int granted = 0;
	msg_t m;

	/* Another account's public key swapped in: refused, and never granted
	 * a key (the clinical key would go to whoever holds that key). */
	tu_add_user(f->admin, "prov1", "provider", PROV_PW);
	tu_sql(f->db, "UPDATE users SET public_key = (SELECT public_key FROM users WHERE name = "
		      "'fd1') WHERE name = 'prov1'");
	nurse = tu_login(f->c, "nurse1", NURSE_PW);
	assert_int_equal(keys_grant_now(nurse, &granted, &m), STATUS_OK);
	assert_int_equal(granted, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM key_grants"), 0);
	session_logout(nurse);
	assert_int_equal(try_login(f, "prov1", PROV_PW, &m), STATUS_INTEGRITY);

	/* A MAC removed after the database was sealed is no "old row". */
	tu_sql(f->db, "UPDATE users SET mac = NULL WHERE name = 'fd1'");
	assert_int_equal(try_login(f, "fd1", FD_PW, &m), STATUS_INTEGRITY);

	/* A role raised with sqlite3: the account is refused, exit 5. */
	tu_sql(f->db, "UPDATE users SET role = 'admin' WHERE name = 'nurse1'");
	assert_int_equal(try_login(f, "nurse1", NURSE_PW, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "nurse1"));
	/* ... and the refusal is on the trail. */
	assert_true(count(f, "SELECT count(*) FROM audit_pending WHERE action = "
			     "'login_refused' AND outcome = 'integrity'") >= 1);
	/* Administrators may not act on it, except disable it. */
	assert_int_equal(users_set_role(f->admin, "nurse1", "provider", &m), STATUS_INTEGRITY);
	assert_int_equal(users_passwd(f->admin, "nurse1", "a brand new nurse password", &m),
			 STATUS_INTEGRITY);
	assert_int_equal(users_disable(f->admin, "nurse1", &m), STATUS_OK);
	{
		char detail[512];
		assert_int_equal(tu_audit_find(f->admin, "user_disable", "nurse1", NULL, detail,
					       sizeof detail),
				 1);
		assert_true(tu_has(detail, "changed outside Chartroom"));
	}
}

/* ---- keys follow the matrix ------------------------------------------------ */

static void test_admin_holds_no_clinical_key(void **state)
{
	fixture_t *f = *state;
	session_t *a, *nurse, *prov;
	char buf[64];
	msg_t m;

	/* init gave the admin every key; adding nurse1 handed the clinical
	 * key on and took the admin's away, audited. */
	wraps_of(f, TU_ADMIN, buf, sizeof buf);
	assert_string_equal(buf, "audit,demo");
	wraps_of(f, "nurse1", buf, sizeof buf);
	assert_string_equal(buf, "audit,clin,demo");
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'key_drop' AND "
				  "target = 'admin'"),
			 1);
	/* This session keeps it in memory until it ends (it gave it); the
	 * next one holds what the role needs. */
	a = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	assert_false(keyring_has(a->kr, DOMAIN_CLIN));
	/* A provider added now waits for the clinical key... */
	assert_int_equal(users_add(a, "prov1", "provider", PROV_PW, &m), STATUS_OK);
	assert_true(tu_has(m.text, "clin key will be granted"));
	wraps_of(f, "prov1", buf, sizeof buf);
	assert_string_equal(buf, "audit,demo");
	session_logout(a);
	prov = tu_login(f->c, "prov1", PROV_PW);
	assert_false(keyring_has(prov->kr, DOMAIN_CLIN));
	session_logout(prov);
	/* ... which the nurse's sign-on grants, audited with both names. */
	nurse = tu_login(f->c, "nurse1", NURSE_PW);
	session_logout(nurse);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'key_grant' AND "
				  "user_name = 'nurse1' AND target = 'prov1'"),
			 1);
	prov = tu_login(f->c, "prov1", PROV_PW);
	assert_true(keyring_has(prov->kr, DOMAIN_CLIN));
	session_logout(prov);
	wraps_of(f, "prov1", buf, sizeof buf);
	assert_string_equal(buf, "audit,clin,demo");
	/* A password reset by the admin leaves the account waiting, not
	 * broken: a holder grants it again. */
	a = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	assert_int_equal(users_passwd(a, "prov1", "provider password number two", &m), STATUS_OK);
	assert_true(tu_has(m.text, "clin key will be granted"));
	session_logout(a);
}

/* An existing database where the admin held the clinical key (before
 * issue 10): the wrap goes at the admin's next sign-on, audited. */
static void test_old_admin_clin_wrap_dropped_at_signon(void **state)
{
	fixture_t *f = *state;
	char buf[64];
	session_t *a;
	char path[PATH_MAX];
	clinic_t *c;

	/* A fresh clinic: save the admin's clinical wrap from init, let it be
	 * dropped, then put it back as an old database would have it. */
	tu_path(path, f->dir, "old.db");
	tu_clinic_init(path, f->cfg, NULL);
	tu_sql(path, "CREATE TABLE saved AS SELECT * FROM key_wraps WHERE domain = 'clin' AND "
		     "holder = (SELECT id FROM users WHERE name = 'admin')");
	c = tu_clinic_open(path, f->cfg);
	a = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	/* Nobody else holds it yet: the admin keeps it, to hand it on. */
	assert_true(keyring_has(a->kr, DOMAIN_CLIN));
	tu_add_user(a, "nurse1", "nurse", NURSE_PW);
	session_logout(a);
	tu_sql(path, "INSERT INTO key_wraps SELECT * FROM saved");
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM key_wraps WHERE domain = 'clin' "
					  "AND holder = (SELECT id FROM users WHERE name = 'admin')"),
			 1);
	a = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	assert_false(keyring_has(a->kr, DOMAIN_CLIN));
	session_logout(a);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM key_wraps WHERE domain = 'clin' "
					  "AND holder = (SELECT id FROM users WHERE name = 'admin')"),
			 0);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM audit WHERE action = 'key_drop' "
					  "AND target = 'admin'"),
			 2);
	clinic_close(c);
	(void)buf;
}

/* A policy giving a role a key it did not need: its accounts get it from a
 * holder; taking the action away again drops it at their sign-on. */
static void test_keys_follow_policy(void **state)
{
	fixture_t *f = *state;
	session_t *fd, *nurse;
	msg_t m;
	assert_int_equal(policy_role_set(f->admin, "frontdesk", "+clinical_view", &m), STATUS_OK);
	fd = tu_login(f->c, "fd1", FD_PW);
	assert_false(keyring_has(fd->kr, DOMAIN_CLIN));
	session_logout(fd);
	nurse = tu_login(f->c, "nurse1", NURSE_PW);
	session_logout(nurse);
	fd = tu_login(f->c, "fd1", FD_PW);
	assert_true(keyring_has(fd->kr, DOMAIN_CLIN));
	session_logout(fd);
	assert_int_equal(policy_role_set(f->admin, "frontdesk", NULL, &m), STATUS_OK);
	fd = tu_login(f->c, "fd1", FD_PW);
	assert_false(keyring_has(fd->kr, DOMAIN_CLIN));
	session_logout(fd);
	assert_int_equal(count(f, "SELECT count(*) FROM key_wraps WHERE domain = 'clin' AND "
				  "holder = (SELECT id FROM users WHERE name = 'fd1')"),
			 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'key_drop' AND "
				  "target = 'fd1'"),
			 1);
}

/* ---- before sign-on, and the upgrade ------------------------------------- */

/* Failed sign-ons count towards the stricter of the threshold in force and
 * the database's (which nothing can check before a sign-on). */
static void test_lockout_before_signon(void **state)
{
	fixture_t *f = *state;
	config_t *loose = calloc(1, sizeof *loose);
	clinic_t *c2;
	session_t *s = NULL;
	login_info_t info;
	msg_t m;
	assert_non_null(loose);
	/* The database says 20; a process whose trusted configuration says 3
	 * locks after 3. */
	assert_int_equal(f->cfg->lockout_after, 3);
	assert_int_equal(policy_set(f->admin, "security.lockout_after", "20", &m), STATUS_OK);
	c2 = tu_clinic_open(f->db, f->cfg);
	for (int i = 0; i < 3; i++)
		session_login(c2, "fd1", "not the right password at all", &s, &info, &m);
	/* A locked account answers like a wrong password (the reason is in
	 * the audit only); the account row says it is locked. */
	assert_int_equal(session_login(c2, "fd1", FD_PW, &s, &info, &m), STATUS_AUTH);
	assert_int_equal(count(f, "SELECT locked FROM users WHERE name = 'fd1'"), 1);
	clinic_close(c2);
	/* The database says 4; a process trusting 10 locks after 4. */
	*loose = *f->cfg;
	loose->lockout_after = 10;
	assert_int_equal(policy_set(f->admin, "security.lockout_after", "4", &m), STATUS_OK);
	c2 = tu_clinic_open(f->db, loose);
	for (int i = 0; i < 4; i++)
		session_login(c2, "nurse1", "not the right password at all", &s, &info, &m);
	assert_int_equal(session_login(c2, "nurse1", NURSE_PW, &s, &info, &m), STATUS_AUTH);
	assert_int_equal(count(f, "SELECT locked FROM users WHERE name = 'nurse1'"), 1);
	clinic_close(c2);
	free(loose);
}

/* A database from before migration 008: the first sign-on seals its
 * accounts and its (empty) policy, once. */
static void test_upgrade_seals_once(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	clinic_t *c;
	session_t *a;
	msg_t m;
	int64_t n, bad;

	tu_path(path, f->dir, "legacy.db");
	tu_clinic_init(path, f->cfg, NULL);
	/* As a database made before issue 10 has it once migration 007 has
	 * run (every real upgrade comes from schema 006, and 007 sorts before
	 * 008): no policy table, no account MACs, and the trail ending at the
	 * administrator's creation, before both seals (init's 'policy_sealed'
	 * and 'integrity_on' are its last two entries, so the chain stays
	 * whole); its rows not re-sealed yet. Version 7: the one before 008
	 * (009's tables and 011's column undone too). */
	assert_int_equal(tu_sql_int(path, "SELECT group_concat(action, ',') = "
					  "'policy_sealed,integrity_on' FROM (SELECT action FROM audit "
					  "WHERE seq >= (SELECT seq FROM audit WHERE action = "
					  "'policy_sealed') ORDER BY seq)"),
			 1);
	tu_sql(path, "DELETE FROM audit WHERE seq >= (SELECT seq FROM audit WHERE action = "
		     "'policy_sealed');"
		     "DELETE FROM meta WHERE key = 'reseal_after';"
		     "DROP INDEX audit_policy; DROP TABLE policy; ALTER TABLE users DROP COLUMN mac;"
		     "DROP TABLE audit_events; DROP TABLE imports;" /* 009, undone */
		     "DROP INDEX patients_sort_rank; ALTER TABLE patients DROP COLUMN sort_rank;" /* 011 */
		     "DROP INDEX encounters_start; DROP INDEX audit_action_ts;"
		     "ALTER TABLE patients DROP COLUMN quality;"
		     "ALTER TABLE encounters DROP COLUMN final_at;"
		     "ALTER TABLE encounters DROP COLUMN final_by;" /* 012, undone */
		     "DROP INDEX audit_target; DROP INDEX audit_btg_reviews; DROP INDEX audit_btg_accesses;"
		     "DROP TABLE btg_review;" /* 013 (access review), undone */
		     "DROP TABLE patient_identifiers; DROP TABLE procedure_history;"
		     "ALTER TABLE encounters DROP COLUMN site;" /* 018, undone */
		     "DROP TABLE audit_listed; ALTER TABLE audit DROP COLUMN listed;" /* 019 (listed), undone */
		     "DROP TABLE providers; ALTER TABLE encounters DROP COLUMN provider_ref;"
		     "ALTER TABLE encounters DROP COLUMN source;" /* 022, undone */
		     "PRAGMA user_version = 7");
	c = tu_clinic_open(path, f->cfg);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM users WHERE mac IS NULL"), 1);
	a = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM users WHERE mac IS NULL"), 0);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM audit WHERE action = "
					  "'policy_sealed'"),
			 1);
	assert_int_equal(audit_verify(a, NULL, &n, &bad, &m), STATUS_OK);
	session_logout(a);
	/* From now on a missing MAC or an emptied policy is tampering. */
	tu_sql(path, "DELETE FROM policy");
	assert_int_equal(session_login(c, TU_ADMIN, TU_ADMIN_PW, &a, &(login_info_t){0}, &m),
			 STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "emptied"));
	clinic_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_role_change_applied_and_audited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_policy_managers_change_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setting_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_reads_policy_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_tampering_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_replay_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_resets_damaged_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_row_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_holds_no_clinical_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_admin_clin_wrap_dropped_at_signon, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keys_follow_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_before_signon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_seals_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
