/* test_keymap.c - ui/keymap.h, the one action table: the defaults bind
 * each key to one action, the configuration's [ui] key overrides rebind
 * them, and keymap_check (what `chartroom config check` runs) refuses what
 * would stop the full-screen app at start: a key bound to two actions,
 * named with the setting, the key and both actions. keymap.c needs no
 * terminal, so it is tested here with the library. */
#include "testutil.h"

#include "core/config.h"
#include "ui/curses.h"
#include "ui/keymap.h"

typedef struct fixture {
	char dir[PATH_MAX];
	char file[PATH_MAX];
	config_t *cfg;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->file, f->dir, "keys.ini");
	/* As main() does: every binding is checked on its own at load. */
	config_set_key_check(keymap_check_binding);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	config_set_key_check(NULL);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

/* Load text as a trusted file; returns the status, message in m. */
static status_t load(fixture_t *f, const char *text, msg_t *m)
{
	tu_write_text(f->file, text);
	return config_load_file(f->file, f->cfg, m);
}

/* text loads (each binding is fine on its own) but keymap_check refuses
 * it with a message holding every one of the NULL-terminated words. */
static void expect_clash(fixture_t *f, const char *text, ...)
{
	msg_t m;
	va_list ap;
	const char *w;
	assert_int_equal(load(f, text, &m), STATUS_OK);
	assert_int_equal(keymap_check(f->cfg, &m), STATUS_CONFIG);
	va_start(ap, text);
	while ((w = va_arg(ap, const char *)) != NULL)
		if (!tu_has(m.text, w)) {
			va_end(ap);
			fail_msg("'%s' not in: %s", w, m.text);
		}
	va_end(ap);
}

/* The built-in table binds no key twice (or the app could not start), and
 * the Users screen's keys are there. */
static void test_defaults(void **state)
{
	fixture_t *f = *state;
	keymap_t *km = NULL;
	char keys[64];
	msg_t m;
	assert_int_equal(keymap_check(NULL, &m), STATUS_OK);
	assert_int_equal(config_defaults(f->cfg, &m), STATUS_OK);
	assert_int_equal(keymap_check(f->cfg, &m), STATUS_OK);
	assert_int_equal(keymap_new(f->cfg, &km, &m), STATUS_OK);
	assert_int_equal(keymap_action(km, 0, L'a'), KA_ADD);
	assert_int_equal(keymap_action(km, 0, L'x'), KA_SET_STATUS);
	assert_int_equal(keymap_action(km, 0, L'r'), KA_ROLE);
	assert_int_equal(keymap_action(km, 0, L'u'), KA_UNLOCK);
	assert_int_equal(keymap_action(km, 0, L'w'), KA_NEW_PASSWORD);
	assert_int_equal(keymap_action(km, 1, KEY_F(1)), KA_HELP);
	assert_int_equal(keymap_action(km, 0, L'?'), KA_HELP);
	assert_int_equal(keymap_action(km, 0, L'\r'), KA_SELECT);
	assert_int_equal(keymap_action(km, 0, L'Z'), KA_NONE);
	assert_string_equal(keymap_keys(km, KA_HELP, keys, sizeof keys), "F1 ?");
	assert_string_equal(keymap_keys(km, KA_SELECT, keys, sizeof keys), "Enter");
	assert_string_equal(keymap_name(KA_NEW_PASSWORD), "new_password");
	keymap_free(km);
}

/* An override onto a key another action has by default: the check fails
 * naming the setting (file and key.ACTION), the key and both actions. */
static void test_clash_with_default(void **state)
{
	fixture_t *f = *state;
	expect_clash(f, "[ui]\nkey.add = q\n", "keys.ini:ui:key.add", "key 'q'",
	             "both quit and add", NULL);
	/* A Ctrl key and a named key are compared as the codes they send. */
	expect_clash(f, "[ui]\nkey.lock = ^U\n", "key.lock", "key '^U'", "clear_field", "lock",
	             NULL);
	expect_clash(f, "[ui]\nkey.role = Enter\n", "key.role", "key 'Enter'", "select", "role",
	             NULL);
	expect_clash(f, "[ui]\nkey.help = F5\n", "key.help", "'F5'", "help", "reload", NULL);
}

/* Two overrides onto one key. */
static void test_clash_between_overrides(void **state)
{
	fixture_t *f = *state;
	expect_clash(f, "[ui]\nkey.role = F7\nkey.unlock = F7\n", "key 'F7'", "role", "unlock",
	             NULL);
	expect_clash(f, "[ui]\nkey.edit = z\nkey.sign = Z z\n", "key 'z'", "edit", "sign", NULL);
}

/* Rebinding moves a key: the action's default keys are freed, so another
 * action may take them; the same key listed twice for one action is no
 * clash. */
static void test_rebinding_frees_the_old_key(void **state)
{
	fixture_t *f = *state;
	keymap_t *km = NULL;
	msg_t m;
	assert_int_equal(load(f, "[ui]\nkey.quit = Q\nkey.add = q\nkey.role = R r R\n", &m),
	                 STATUS_OK);
	assert_int_equal(keymap_check(f->cfg, &m), STATUS_OK);
	assert_int_equal(keymap_new(f->cfg, &km, &m), STATUS_OK);
	assert_int_equal(keymap_action(km, 0, L'q'), KA_ADD);
	assert_int_equal(keymap_action(km, 0, L'Q'), KA_QUIT);
	assert_int_equal(keymap_action(km, 0, L'a'), KA_NONE);
	assert_int_equal(keymap_action(km, 0, L'r'), KA_ROLE);
	keymap_free(km);
}

/* What each binding's own check refuses at load (an unknown key name or
 * action) never reaches the keymap: the configuration is refused. */
static void test_bad_names_refused_at_load(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	assert_int_equal(load(f, "[ui]\nkey.role = F13\n", &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "ui:key.role: 'F13' is not a key"));
	assert_int_equal(load(f, "[ui]\nkey.frobnicate = x\n", &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "ui:key.frobnicate: no such action"));
	assert_int_equal(keymap_check_binding("unlock", "Ctrl-U", "where", &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "where: 'Ctrl-U' is not a key"));
	assert_int_equal(keymap_check_binding("new-password", "F9", "where", &m), STATUS_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clash_with_default, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clash_between_overrides, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rebinding_frees_the_old_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_names_refused_at_load, setup, teardown),
	};
	tu_crypto_init();
	return cmocka_run_group_tests_name("keymap", tests, NULL, NULL);
}
