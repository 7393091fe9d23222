/* test_secrets.c - nothing secret reaches the database file: after init,
 * adding a user of every role, sign-ons (good and bad), a password change
 * and a checkpoint, the main file and the WAL hold none of the passwords,
 * none of the raw domain keys (taken from a session's keyring), neither
 * the recovery key nor a user's password-derived KEK, and no audit detail
 * in clear. */
#include "testutil.h"

#include "core/audit.h"
#include "core/internal.h"
#include "core/users.h"

static const struct {
	const char *name, *role, *password;
} staff[] = {
	{"front", "frontdesk", "front desk secret phrase 1"},
	{"nurse", "nurse", "nurse secret phrase number 2"},
	{"prov", "provider", "provider secret phrase no 3"},
	{"him", "him", "him clerk secret phrase no 4"},
	{"priv", "privacy", "privacy officer phrase no 5"},
};
#define NSTAFF (sizeof staff / sizeof staff[0])
#define WRONG_PW "a wrong password that was typed"
#define CHANGED_PW "the nurse's changed password 6"

typedef struct secret_set {
	unsigned char keys[DOMAIN_COUNT][CRYPTO_KEY_LEN];
	unsigned char recovery_key[CRYPTO_KEY_LEN];
	char recovery_text[CRYPTO_RECOVERY_TEXT];
	unsigned char admin_kek[CRYPTO_KEY_LEN];
} secret_set_t;

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	secret_set_t *sec;
} fixture_t;

/* Look for needle as raw bytes and as lower/upper-case hex. */
static void expect_absent(const unsigned char *hay, size_t len, const void *needle, size_t n,
			  const char *what, const char *file)
{
	char hex[2 * 64 + 1];
	if (tu_contains(hay, len, needle, n))
		fail_msg("%s found in %s", what, file);
	if (n <= 64) {
		sodium_bin2hex(hex, sizeof hex, needle, n);
		if (tu_contains(hay, len, hex, 2 * n))
			fail_msg("%s (hex) found in %s", what, file);
		for (size_t i = 0; hex[i]; i++)
			hex[i] = (char)toupper((unsigned char)hex[i]);
		if (tu_contains(hay, len, hex, 2 * n))
			fail_msg("%s (HEX) found in %s", what, file);
	}
}

/* Check one file (missing is fine: nothing in it). Returns its size. */
static size_t check_file(const fixture_t *f, const char *path)
{
	size_t len = 0;
	unsigned char *buf = tu_read_file(path, &len);
	const secret_set_t *s = f->sec;
	if (!buf)
		return 0;
	expect_absent(buf, len, TU_ADMIN_PW, strlen(TU_ADMIN_PW), "the admin password", path);
	for (size_t i = 0; i < NSTAFF; i++)
		expect_absent(buf, len, staff[i].password, strlen(staff[i].password), staff[i].name,
			      path);
	expect_absent(buf, len, WRONG_PW, strlen(WRONG_PW), "a mistyped password", path);
	expect_absent(buf, len, CHANGED_PW, strlen(CHANGED_PW), "a changed password", path);
	for (int d = 0; d < DOMAIN_COUNT; d++)
		expect_absent(buf, len, s->keys[d], CRYPTO_KEY_LEN, crypto_domain_name((domain_t)d),
			      path);
	/* Half a key is still too much. */
	for (int d = 0; d < DOMAIN_COUNT; d++)
		expect_absent(buf, len, s->keys[d] + 8, 16, "part of a domain key", path);
	expect_absent(buf, len, s->recovery_key, CRYPTO_KEY_LEN, "the recovery key", path);
	expect_absent(buf, len, s->recovery_text, strlen(s->recovery_text), "the recovery text",
		      path);
	expect_absent(buf, len, s->admin_kek, CRYPTO_KEY_LEN, "the admin's KEK", path);
	/* Audit details are stored encrypted. */
	expect_absent(buf, len, "failures_since", 14, "an audit detail", path);
	expect_absent(buf, len, "role=frontdesk", 14, "an audit detail", path);
	free(buf);
	return len;
}

static void check_all_files(const fixture_t *f, int expect_wal_data)
{
	char side[PATH_MAX + 8];
	size_t main_len, wal_len;
	main_len = check_file(f, f->db);
	assert_true(main_len > 0);
	snprintf(side, sizeof side, "%s-wal", f->db);
	wal_len = check_file(f, side);
	if (expect_wal_data)
		assert_true(wal_len > 0); /* we did look at real WAL pages */
	snprintf(side, sizeof side, "%s-shm", f->db);
	check_file(f, side);
}

static void derive_admin_kek(fixture_t *f)
{
	sqlite3 *raw = tu_sql_open(f->db);
	sqlite3_stmt *st = NULL;
	secret_t kek = {0};
	msg_t m;
	assert_int_equal(sqlite3_prepare_v2(raw,
					    "SELECT kdf_salt, kdf_ops, kdf_mem FROM users WHERE "
					    "name = 'admin'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(st, 0), CRYPTO_SALT_LEN);
	assert_int_equal(secret_new(&kek, 0, &m), STATUS_OK);
	assert_int_equal(crypto_kek_derive(&kek, TU_ADMIN_PW, sqlite3_column_blob(st, 0),
					   (uint64_t)sqlite3_column_int64(st, 1),
					   (uint64_t)sqlite3_column_int64(st, 2), &m),
			 STATUS_OK);
	memcpy(f->sec->admin_kek, kek.bytes, CRYPTO_KEY_LEN);
	secret_free(&kek);
	sqlite3_finalize(st);
	sqlite3_close(raw);
}

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	tu_crypto_init();
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	f->sec = sodium_malloc(sizeof *f->sec);
	assert_non_null(f->cfg);
	assert_non_null(f->sec);
	tu_config(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	tu_rmtree(f->dir);
	sodium_free(f->sec);
	free(f->cfg);
	free(f);
	return 0;
}

static void test_no_secrets_in_database_files(void **state)
{
	fixture_t *f = *state;
	clinic_t *c;
	session_t *admin, *s = NULL;
	login_info_t info;
	msg_t m;

	tu_clinic_init(f->db, f->cfg, f->sec->recovery_text);
	assert_int_equal(crypto_recovery_parse(f->sec->recovery_text, f->sec->recovery_key, &m),
			 STATUS_OK);
	c = tu_clinic_open(f->db, f->cfg);
	admin = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	assert_int_equal(keyring_domains(admin->kr), DOMAIN_ALL);
	for (int d = 0; d < DOMAIN_COUNT; d++)
		memcpy(f->sec->keys[d], keyring_key(admin->kr, (domain_t)d), CRYPTO_KEY_LEN);
	derive_admin_kek(f);

	for (size_t i = 0; i < NSTAFF; i++)
		if (users_add(admin, staff[i].name, staff[i].role, staff[i].password, &m) != STATUS_OK)
			fail_msg("users_add %s: %s", staff[i].name, m.text);
	for (size_t i = 0; i < NSTAFF; i++) {
		s = tu_login(c, staff[i].name, staff[i].password);
		session_logout(s);
	}
	assert_int_equal(session_login(c, "nurse", WRONG_PW, &s, &info, &m), STATUS_AUTH);
	assert_int_equal(session_login(c, WRONG_PW, WRONG_PW, &s, &info, &m), STATUS_AUTH);
	s = tu_login(c, "nurse", staff[1].password);
	assert_int_equal(users_passwd(s, "nurse", CHANGED_PW, &m), STATUS_OK);
	assert_int_equal(session_lock(s, &m), STATUS_OK);
	assert_int_equal(session_unlock(s, CHANGED_PW, &m), STATUS_OK);
	session_logout(s);
	assert_int_equal(users_set_role(admin, "front", "nurse", &m), STATUS_OK);

	/* Before the checkpoint the recent pages are only in the WAL ... */
	check_all_files(f, 1);
	/* ... after it, in the main file. */
	assert_int_equal(db_checkpoint(c->db, &m), STATUS_OK);
	check_all_files(f, 0);
	session_logout(admin);
	clinic_close(c);
	check_all_files(f, 0);
	/* The checks looked at the right things: the file does hold wrapped
	 * keys and encrypted details. */
	assert_true(tu_sql_int(f->db, "SELECT count(*) FROM key_wraps") >= (int64_t)(2 * NSTAFF + 6));
	assert_true(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE detail IS NOT NULL") > 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_secrets_in_database_files, setup, teardown),
	};
	return cmocka_run_group_tests_name("secrets", tests, NULL, NULL);
}
