/* test_config.c - core/config.h: compiled-in defaults, loading a file over
 * them, the "file:section:key: problem" error messages, security floors,
 * refusing world-writable files, [roles] and [ui] overrides, and the
 * lookup order. */
#include "testutil.h"

#include <iniparser.h>

#include "core/config.h"
#include "core/perm.h"

typedef struct fixture {
	char dir[PATH_MAX];
	char file[PATH_MAX]; /* scratch config file path */
	config_t *cfg;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->file, f->dir, "test.ini");
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

/* The source tree: $CHARTROOM_ROOT (tests/run.sh sets it), else three
 * levels up from this binary (BUILD/tests/test_config). */
static void source_root(char out[PATH_MAX])
{
	const char *env = getenv("CHARTROOM_ROOT");
	char exe[PATH_MAX];
	ssize_t n;
	if (env && *env) {
		snprintf(out, PATH_MAX, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	for (int i = 0; i < 3; i++) {
		char *slash = strrchr(exe, '/');
		assert_non_null(slash);
		*slash = '\0';
	}
	snprintf(out, PATH_MAX, "%s", exe);
}

/* Write text to the scratch file and load it; returns the status, with
 * the message in m. */
static status_t load_text(fixture_t *f, const char *text, msg_t *m)
{
	tu_write_text(f->file, text);
	msg_clear(m);
	return config_load_file(f->file, f->cfg, m);
}

/* The message must start with "FILE:section:key: ". */
static void expect_error(fixture_t *f, const char *text, const char *where, const char *problem)
{
	msg_t m;
	char prefix[PATH_MAX + 128];
	status_t st = load_text(f, text, &m);
	if (st != STATUS_CONFIG)
		fail_msg("expected a config error for [%s], got %s", where, status_str(st));
	snprintf(prefix, sizeof prefix, "%s:%s: ", f->file, where);
	if (strncmp(m.text, prefix, strlen(prefix)) != 0)
		fail_msg("message does not start with '%s': %s", prefix, m.text);
	if (!tu_has(m.text, problem))
		fail_msg("message does not say '%s': %s", problem, m.text);
}

static void test_defaults_match_assets_ini(void **state)
{
	fixture_t *f = *state;
	config_t *cfg = f->cfg;
	char root[PATH_MAX], ini[PATH_MAX + 32];
	dictionary *d;
	perm_matrix_t pm;
	msg_t m;
	const char *s;

	source_root(root);
	snprintf(ini, sizeof ini, "%s/assets/chartroom.ini", root);
	d = iniparser_load(ini);
	if (!d)
		fail_msg("cannot parse %s", ini);
	assert_int_equal(config_defaults(cfg, &m), STATUS_OK);
	assert_string_equal(cfg->source, "built-in defaults");

	assert_string_equal(cfg->db_path, iniparser_getstring(d, "database:path", "?"));
	assert_int_equal(cfg->busy_timeout_ms, iniparser_getint(d, "database:busy_timeout_ms", -1));
	assert_int_equal(cfg->idle_lock_seconds,
			 iniparser_getint(d, "security:idle_lock_seconds", -1));
	assert_int_equal(cfg->lockout_after, iniparser_getint(d, "security:lockout_after", -1));
	assert_int_equal(cfg->password_min_length,
			 iniparser_getint(d, "security:password_min_length", -1));
	assert_int_equal(cfg->password_max_length,
			 iniparser_getint(d, "security:password_max_length", -1));
	assert_int_equal(cfg->argon2_passes, iniparser_getint(d, "security:argon2_passes", -1));
	assert_int_equal(cfg->argon2_memory_mib,
			 iniparser_getint(d, "security:argon2_memory_mib", -1));
	assert_int_equal(cfg->blind_index_bytes,
			 iniparser_getint(d, "security:blind_index_bytes", -1));
	assert_string_equal(cfg->mrn_prefix, iniparser_getstring(d, "mrn:prefix", "?"));
	assert_int_equal(cfg->mrn_digits, iniparser_getint(d, "mrn:digits", -1));
	assert_int_equal(cfg->late_after_days, iniparser_getint(d, "codes:late_after_days", -1));
	s = iniparser_getstring(d, "ui:date_format", "?");
	assert_int_equal(cfg->date_format, strcmp(s, "MM/DD/YYYY") == 0 ? DATE_US : DATE_ISO);
	assert_true(strcmp(s, "YYYY-MM-DD") == 0 || strcmp(s, "MM/DD/YYYY") == 0);
	s = iniparser_getstring(d, "ui:color", "?");
	assert_int_equal(cfg->color, strcmp(s, "never") == 0    ? COLOR_NEVER
				     : strcmp(s, "always") == 0 ? COLOR_ALWAYS
								: COLOR_AUTO);
	/* The documented file leaves every role at the built-in matrix. */
	perm_defaults(&pm);
	for (int r = 0; r < ROLE_COUNT; r++) {
		char key[64];
		snprintf(key, sizeof key, "roles:%s", perm_role_name((role_t)r));
		assert_string_equal(iniparser_getstring(d, key, "?"), "");
		assert_int_equal(cfg->perms.allowed[r], pm.allowed[r]);
	}
	assert_int_equal(cfg->nkeys, 0);
	/* And the documented values sit at or above the floors the loader
	 * enforces (the floors themselves are tested below). */
	assert_true(cfg->password_min_length >= 8);
	assert_true(cfg->argon2_memory_mib >= 64 && cfg->argon2_passes >= 2);
	iniparser_freedict(d);
}

static void test_file_overrides_defaults(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	assert_int_equal(load_text(f,
				   "[security]\n"
				   "lockout_after = 5\n"
				   "password_min_length = 20\n"
				   "[database]\n"
				   "path = /srv/clinic/records.db\n"
				   "[mrn]\n"
				   "prefix = ABC\n"
				   "[ui]\n"
				   "date_format = MM/DD/YYYY\n"
				   "color = never\n",
				   &m),
			 STATUS_OK);
	assert_int_equal(f->cfg->lockout_after, 5);
	assert_int_equal(f->cfg->password_min_length, 20);
	assert_string_equal(f->cfg->db_path, "/srv/clinic/records.db");
	assert_string_equal(f->cfg->mrn_prefix, "ABC");
	assert_int_equal(f->cfg->date_format, DATE_US);
	assert_int_equal(f->cfg->color, COLOR_NEVER);
	assert_string_equal(f->cfg->source, f->file);
	/* Untouched settings keep their defaults. */
	assert_int_equal(f->cfg->idle_lock_seconds, 600);
	assert_int_equal(f->cfg->argon2_memory_mib, 64);
	assert_int_equal(f->cfg->mrn_digits, 7);
}

static void test_error_bad_number(void **state)
{
	fixture_t *f = *state;
	expect_error(f, "[security]\nlockout_after = ten\n", "security:lockout_after",
		     "not a whole number");
	expect_error(f, "[security]\nlockout_after = 5x\n", "security:lockout_after",
		     "not a whole number");
	expect_error(f, "[security]\nlockout_after =\n", "security:lockout_after",
		     "not a whole number");
}

static void test_error_out_of_range(void **state)
{
	fixture_t *f = *state;
	expect_error(f, "[security]\nlockout_after = 99\n", "security:lockout_after",
		     "out of range");
	expect_error(f, "[security]\nidle_lock_seconds = 7200\n", "security:idle_lock_seconds",
		     "out of range");
	expect_error(f, "[mrn]\ndigits = 2\n", "mrn:digits", "out of range");
	/* A range error that is not a security floor does not claim to be one. */
	{
		msg_t m;
		assert_int_equal(load_text(f, "[security]\nlockout_after = 2\n", &m), STATUS_CONFIG);
		assert_false(tu_has(m.text, "security floor"));
	}
}

static void test_error_unknown_key_and_section(void **state)
{
	fixture_t *f = *state;
	expect_error(f, "[security]\nlockout = 5\n", "security:lockout", "unknown setting");
	expect_error(f, "[database]\npath = x.db\nbusy_timeout = 100\n", "database:busy_timeout",
		     "unknown setting");
	expect_error(f, "[secuirty]\nlockout_after = 5\n", "secuirty", "unknown section");
	/* A setting above the first [section] belongs to no section: it must
	 * not be dropped silently (the clinic would think lockout is 3). */
	expect_error(f, "lockout_after = 3\n[security]\nidle_lock_seconds = 60\n", "lockout_after",
		     "section");
}

static void test_error_unknown_role_and_action(void **state)
{
	fixture_t *f = *state;
	expect_error(f, "[roles]\ndoctor = +clinical_view\n", "roles:doctor", "unknown role");
	expect_error(f, "[roles]\nnurse = +fly_to_the_moon\n", "roles:nurse",
		     "unknown action 'fly_to_the_moon'");
	expect_error(f, "[roles]\nnurse = clinical_view, -vitals_record\n", "roles:nurse", "mix");
}

static void test_error_bad_enum_and_string(void **state)
{
	fixture_t *f = *state;
	expect_error(f, "[ui]\ncolor = purple\n", "ui:color", "not one of");
	expect_error(f, "[ui]\ndate_format = DD.MM.YYYY\n", "ui:date_format", "not one of");
	expect_error(f, "[security]\njournal_sync = sometimes\n", "security:journal_sync",
		     "not one of");
	expect_error(f, "[mrn]\nprefix = ab\n", "mrn:prefix", "capital letters");
	expect_error(f, "[mrn]\nprefix = ABCDE\n", "mrn:prefix", "too long");
}

static void test_security_floors_refused(void **state)
{
	fixture_t *f = *state;
	expect_error(f, "[security]\npassword_min_length = 6\n", "security:password_min_length",
		     "security floor");
	expect_error(f, "[security]\nargon2_memory_mib = 32\n", "security:argon2_memory_mib",
		     "security floor");
	expect_error(f, "[security]\nargon2_passes = 1\n", "security:argon2_passes",
		     "security floor");
	/* Right at the floor is accepted. */
	{
		msg_t m;
		assert_int_equal(load_text(f,
					   "[security]\npassword_min_length = 8\n"
					   "argon2_memory_mib = 64\nargon2_passes = 2\n",
					   &m),
				 STATUS_OK);
		assert_int_equal(f->cfg->password_min_length, 8);
	}
}

static void test_max_shorter_than_min_refused(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	assert_int_equal(load_text(f,
				   "[security]\npassword_min_length = 64\n"
				   "password_max_length = 64\n",
				   &m),
			 STATUS_OK);
	/* 64 is the least max and the most min; anything else is in range. */
	assert_int_equal(load_text(f, "[security]\npassword_max_length = 63\n", &m), STATUS_CONFIG);
}

static void test_world_writable_refused(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	tu_write_text(f->file, "[security]\nlockout_after = 5\n");
	assert_int_equal(chmod(f->file, 0666), 0);
	assert_int_equal(config_load_file(f->file, f->cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, f->file));
	assert_true(tu_has(m.text, "others may write"));
	/* Also through config_load (the path every caller takes). */
	assert_int_equal(config_load(f->file, f->cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "others may write"));
	/* A trusted (system) file sets policy: not even a group may write it. */
	assert_int_equal(chmod(f->file, 0660), 0);
	assert_int_equal(config_load_file(f->file, f->cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "group or others may write"));
	assert_int_equal(chmod(f->file, 0644), 0);
	assert_int_equal(config_load_file(f->file, f->cfg, &m), STATUS_OK);
	assert_int_equal(f->cfg->lockout_after, 5);
	/* A user's own file with preferences only may be group-writable. */
	tu_write_text(f->file, "[ui]\ncolor = never\n");
	assert_int_equal(chmod(f->file, 0660), 0);
	assert_int_equal(config_load(f->file, f->cfg, &m), STATUS_OK);
	assert_int_equal(f->cfg->color, COLOR_NEVER);
}

static void test_syntax_error_names_file(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	assert_int_equal(load_text(f,
				   "[security]\n"
				   "lockout_after = 5\n"
				   "this line is not a setting\n",
				   &m),
			 STATUS_CONFIG);
	assert_true(tu_has(m.text, f->file));
	assert_true(tu_has(m.text, "syntax error"));
	/* It names the line, too. */
	assert_true(tu_has(m.text, ":3:"));
}

static void test_missing_file(void **state)
{
	fixture_t *f = *state;
	char missing[PATH_MAX];
	msg_t m;
	tu_path(missing, f->dir, "nope.ini");
	assert_int_equal(config_load_file(missing, f->cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, missing));
	/* A directory is not a configuration file. */
	assert_int_equal(config_load_file(f->dir, f->cfg, &m), STATUS_CONFIG);
}

static void test_roles_overrides(void **state)
{
	fixture_t *f = *state;
	perm_matrix_t def;
	msg_t m;
	perm_defaults(&def);

	assert_int_equal(load_text(f, "[roles]\nnurse = +encounter_checkin\n", &m), STATUS_OK);
	assert_true(perm_allowed(&f->cfg->perms, ROLE_NURSE, ACT_ENCOUNTER_CHECKIN));
	assert_true(perm_allowed(&f->cfg->perms, ROLE_NURSE, ACT_VITALS_RECORD));
	assert_int_equal(f->cfg->perms.allowed[ROLE_NURSE],
			 def.allowed[ROLE_NURSE] | (1ull << ACT_ENCOUNTER_CHECKIN));

	assert_int_equal(load_text(f, "[roles]\nnurse = -vitals_record\n", &m), STATUS_OK);
	assert_false(perm_allowed(&f->cfg->perms, ROLE_NURSE, ACT_VITALS_RECORD));
	assert_true(perm_allowed(&f->cfg->perms, ROLE_NURSE, ACT_CLINICAL_VIEW));

	assert_int_equal(load_text(f, "[roles]\nnurse = patient_search, patient_view\n", &m),
			 STATUS_OK);
	assert_int_equal(f->cfg->perms.allowed[ROLE_NURSE],
			 (1ull << ACT_PATIENT_SEARCH) | (1ull << ACT_PATIENT_VIEW));

	assert_int_equal(load_text(f, "[roles]\nprivacy = none\n", &m), STATUS_OK);
	assert_int_equal(f->cfg->perms.allowed[ROLE_PRIVACY], 0);
	/* Each load starts from the defaults: the nurse is back to normal. */
	assert_int_equal(f->cfg->perms.allowed[ROLE_NURSE], def.allowed[ROLE_NURSE]);
}

static void test_ui_key_override(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	assert_int_equal(load_text(f, "[ui]\nkey.quit = ^X\nkey.help = F1\n", &m), STATUS_OK);
	assert_int_equal(f->cfg->nkeys, 2);
	for (int i = 0; i < f->cfg->nkeys; i++) {
		if (strcmp(f->cfg->keys[i].action, "quit") == 0)
			assert_string_equal(f->cfg->keys[i].key, "^X");
		else if (strcmp(f->cfg->keys[i].action, "help") == 0)
			assert_string_equal(f->cfg->keys[i].key, "F1");
		else
			fail_msg("unexpected key override %s", f->cfg->keys[i].action);
	}
	assert_int_equal(load_text(f, "[ui]\nkey.quit = Q\n", &m), STATUS_OK);
	assert_int_equal(f->cfg->nkeys, 1);
	assert_string_equal(f->cfg->keys[0].action, "quit");
	assert_string_equal(f->cfg->keys[0].key, "Q"); /* case kept */
	assert_string_equal(config_key_file(f->cfg, 0), f->file);
	expect_error(f, "[ui]\nkey.quit =\n", "ui:key.quit", "not a key");
}

/* A key given twice in a section is an error naming both lines, whatever
 * the case or spacing; the same name in two sections is not. */
static void test_duplicate_keys_refused(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	expect_error(f, "[ui]\nkey.quit = Q\nkey.help = F1\nkey.quit = ^X\n", "ui:key.quit",
		     "given twice (lines 2 and 4)");
	expect_error(f, "[security]\nlockout_after = 5\n  LOCKOUT_AFTER=6\n",
		     "security:lockout_after", "given twice");
	/* A section opened twice is still one section. */
	expect_error(f, "[mrn]\ndigits = 6\n[ui]\ncolor = never\n[mrn]\ndigits = 7\n",
		     "mrn:digits", "given twice");
	/* Comments, continuation lines and other sections do not count. */
	assert_int_equal(load_text(f,
				   "[ui]\ncolor = never\n; color = always\n"
				   "[clinical]\nencounter_types = office visit, \\\n"
				   "  color = telephone\n[database]\npath = a.db\n",
				   &m),
			 STATUS_OK);
	assert_int_equal(load_text(f, "[matching]\nzip = 1\n[ui]\ncolor = never\n", &m),
			 STATUS_OK);
}

/* What the UI registers: every key binding is checked at load, with the
 * configuration's "file:ui:key.ACTION:" in front of the problem. */
static status_t fake_key_check(const char *action, const char *keys, const char *where,
			       msg_t *m)
{
	if (strcmp(action, "quit") != 0)
		return msg_fail(m, STATUS_CONFIG, "%s: no such action", where);
	if (strcmp(keys, "F99") == 0)
		return msg_fail(m, STATUS_CONFIG, "%s: 'F99' is not a key", where);
	return STATUS_OK;
}

static void test_key_check_callback(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	config_set_key_check(fake_key_check);
	expect_error(f, "[ui]\nkey.quit = F99\n", "ui:key.quit", "'F99' is not a key");
	expect_error(f, "[ui]\nkey.nosuchaction = Q\n", "ui:key.nosuchaction", "no such action");
	assert_int_equal(load_text(f, "[ui]\nkey.quit = Q\n", &m), STATUS_OK);
	/* A user's file is checked the same way. */
	tu_write_text(f->file, "[ui]\nkey.quit = F99\n");
	assert_int_equal(config_load(f->file, f->cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "ui:key.quit: 'F99'"));
	config_set_key_check(NULL);
}

/* explicit path > $CHARTROOM_CONFIG > ./chartroom.ini, for the user's file
 * (its [ui] and [database]); the system file is read too. */
static void test_lookup_order(void **state)
{
	fixture_t *f = *state;
	char cwd[PATH_MAX], explicit_path[PATH_MAX], env_path[PATH_MAX], local[PATH_MAX];
	const char *old_env = getenv("CHARTROOM_CONFIG");
	char *saved_env = old_env ? strdup(old_env) : NULL;
	msg_t m;

	assert_non_null(getcwd(cwd, sizeof cwd));
	tu_path(explicit_path, f->dir, "explicit.ini");
	tu_path(env_path, f->dir, "env.ini");
	tu_path(local, f->dir, "chartroom.ini");
	tu_write_text(explicit_path, "[database]\nbusy_timeout_ms = 4000\n");
	tu_write_text(env_path, "[database]\nbusy_timeout_ms = 5000\n");
	tu_write_text(local, "[database]\nbusy_timeout_ms = 6000\n");
	assert_int_equal(chdir(f->dir), 0);
	assert_int_equal(setenv("CHARTROOM_CONFIG", env_path, 1), 0);

	assert_int_equal(config_load(explicit_path, f->cfg, &m), STATUS_OK);
	assert_int_equal(f->cfg->busy_timeout_ms, 4000);
	assert_string_equal(f->cfg->source, explicit_path);
	assert_string_equal(f->cfg->user_file, explicit_path);

	assert_int_equal(config_load(NULL, f->cfg, &m), STATUS_OK);
	assert_int_equal(f->cfg->busy_timeout_ms, 5000);
	assert_string_equal(f->cfg->source, env_path);
	assert_int_equal(config_load("", f->cfg, &m), STATUS_OK); /* empty = not given */
	assert_int_equal(f->cfg->busy_timeout_ms, 5000);

	assert_int_equal(unsetenv("CHARTROOM_CONFIG"), 0);
	assert_int_equal(config_load(NULL, f->cfg, &m), STATUS_OK);
	assert_int_equal(f->cfg->busy_timeout_ms, 6000);
	assert_string_equal(f->cfg->source, "./chartroom.ini");

	/* A named file that is missing is an error, not a silent default. */
	assert_int_equal(setenv("CHARTROOM_CONFIG", "/nonexistent/chartroom.ini", 1), 0);
	assert_int_equal(config_load(NULL, f->cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "/nonexistent/chartroom.ini"));
	assert_int_equal(unsetenv("CHARTROOM_CONFIG"), 0);
	assert_int_equal(config_load("/nonexistent/explicit.ini", f->cfg, &m), STATUS_CONFIG);

	/* With no file at all, the defaults (or the system-wide file). */
	assert_int_equal(unlink(local), 0);
	assert_int_equal(config_load(NULL, f->cfg, &m), STATUS_OK);
	assert_string_equal(f->cfg->user_file, "");
	if (access(config_system_path(), F_OK) == 0)
		assert_string_equal(f->cfg->source, config_system_path());
	else {
		assert_string_equal(f->cfg->source, "built-in defaults");
		assert_int_equal(f->cfg->busy_timeout_ms, 300000);
	}

	assert_int_equal(chdir(cwd), 0);
	if (saved_env)
		setenv("CHARTROOM_CONFIG", saved_env, 1);
	free(saved_env);
}

/* The reproduction, in core: a user's file granting the nurse
 * user_manage or the front desk view_confidential grants nothing, and
 * every policy section of it is reported as ignored; its [ui] applies. */
static void test_user_file_policy_ignored(void **state)
{
	fixture_t *f = *state;
	perm_matrix_t def;
	msg_t m;
	perm_defaults(&def);
	tu_write_text(f->file, "[roles]\nnurse = +user_manage\nfrontdesk = +view_confidential\n"
			       "[security]\nlockout_after = 50\npassword_min_length = 8\n"
			       "journal_sync = normal\n[matching]\nthreshold = 200\n[mrn]\nprefix = ZZ\n"
			       "[clinical]\ntemperature_unit = C\n[codes]\nlate_after_days = 365\n"
			       "[ui]\ncolor = never\n[database]\npath = mine.db\n");
	assert_int_equal(config_load_from(NULL, 0, f->file, 1, f->cfg, &m), STATUS_OK);
	for (int r = 0; r < ROLE_COUNT; r++) {
		assert_int_equal(f->cfg->perms.allowed[r], def.allowed[r]);
		assert_int_equal(f->cfg->role_origin[r].from, CONFIG_FROM_DEFAULT);
	}
	assert_false(perm_allowed(&f->cfg->perms, ROLE_NURSE, ACT_USER_MANAGE));
	assert_false(perm_allowed(&f->cfg->perms, ROLE_FRONTDESK, ACT_VIEW_CONFIDENTIAL));
	assert_int_equal(f->cfg->lockout_after, 10);
	assert_int_equal(f->cfg->password_min_length, 15);
	assert_int_equal(f->cfg->journal_sync, 0); /* full */
	assert_int_equal(f->cfg->match_threshold, 8);
	assert_string_equal(f->cfg->mrn_prefix, "CR");
	assert_int_equal(f->cfg->temp_fahrenheit, 1);
	assert_int_equal(f->cfg->late_after_days, 30);
	/* Preferences apply. */
	assert_int_equal(f->cfg->color, COLOR_NEVER);
	assert_string_equal(f->cfg->db_path, "mine.db");
	assert_int_equal(f->cfg->setting_origin[config_setting_index("ui:color")].from,
			 CONFIG_FROM_USER);
	/* Each ignored section is reported once, naming the file. */
	{
		const char *secs[] = {"roles", "security", "matching", "mrn", "clinical", "codes"};
		char want[PATH_MAX + 160];
		for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
			snprintf(want, sizeof want,
				 "%s:%s: ignored: policy comes only from the database or %s\n",
				 f->file, secs[i], config_system_path());
			assert_true(tu_has(f->cfg->warnings, want));
			assert_null(strstr(strstr(f->cfg->warnings, want) + 1, want));
		}
		assert_false(tu_has(f->cfg->warnings, ":ui:"));
		assert_false(tu_has(f->cfg->warnings, ":database:"));
	}
	/* An unknown section is still an error in a user's file. */
	tu_write_text(f->file, "[rolez]\nnurse = +user_manage\n");
	assert_int_equal(config_load_from(NULL, 0, f->file, 1, f->cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "rolez: unknown section"));
}

/* The system file sets policy, only if its owner and mode are right; the
 * user's file wins for preferences; the same file named as both is read
 * once, as the system file. */
static void test_system_file(void **state)
{
	fixture_t *f = *state;
	char sys[PATH_MAX], user[PATH_MAX];
	msg_t m;
	tu_path(sys, f->dir, "system.ini");
	tu_path(user, f->dir, "user.ini");
	tu_write_text(sys, "[roles]\nnurse = +encounter_checkin\n[security]\nlockout_after = 4\n"
			   "[ui]\ncolor = always\ndate_format = MM/DD/YYYY\n");
	assert_int_equal(chmod(sys, 0644), 0);
	tu_write_text(user, "[ui]\ncolor = never\n[security]\nlockout_after = 40\n");
	assert_int_equal(config_load_from(sys, geteuid(), user, 1, f->cfg, &m), STATUS_OK);
	assert_true(perm_allowed(&f->cfg->perms, ROLE_NURSE, ACT_ENCOUNTER_CHECKIN));
	assert_int_equal(f->cfg->role_origin[ROLE_NURSE].from, CONFIG_FROM_SYSTEM);
	assert_int_equal(f->cfg->role_origin[ROLE_HIM].from, CONFIG_FROM_DEFAULT);
	assert_int_equal(f->cfg->lockout_after, 4);
	assert_int_equal(
	    f->cfg->setting_origin[config_setting_index("security:lockout_after")].from,
	    CONFIG_FROM_SYSTEM);
	assert_int_equal(f->cfg->color, COLOR_NEVER);   /* the user's preference */
	assert_int_equal(f->cfg->date_format, DATE_US); /* the system's, not overridden */
	assert_string_equal(f->cfg->system_file, sys);
	assert_string_equal(f->cfg->user_file, user);
	assert_true(tu_has(f->cfg->warnings, ":security: ignored"));

	/* Group- or world-writable: refused, never quietly skipped (it may be
	 * the file that takes permissions away). */
	assert_int_equal(chmod(sys, 0664), 0);
	assert_int_equal(config_load_from(sys, geteuid(), NULL, 0, f->cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "group or others may write"));
	assert_int_equal(chmod(sys, 0646), 0);
	assert_int_equal(config_load_from(sys, geteuid(), NULL, 0, f->cfg, &m), STATUS_CONFIG);
	assert_int_equal(chmod(sys, 0644), 0);
	/* Owned by someone else: refused. */
	assert_int_equal(config_load_from(sys, geteuid() + 1, NULL, 0, f->cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "owned by uid"));
	if (geteuid() == 0) {
		/* As root: a file another user owns is not root's. */
		assert_int_equal(chown(sys, 1, 1), 0);
		assert_int_equal(config_load_from(sys, 0, NULL, 0, f->cfg, &m), STATUS_CONFIG);
		assert_true(tu_has(m.text, "not root"));
		assert_int_equal(chown(sys, 0, 0), 0);
	}
	/* A missing system file is no error: the defaults apply. */
	assert_int_equal(unlink(sys), 0);
	assert_int_equal(config_load_from(sys, geteuid(), NULL, 0, f->cfg, &m), STATUS_OK);
	assert_string_equal(f->cfg->system_file, "");
	assert_int_equal(f->cfg->lockout_after, 10);
	/* Named as the user's file too, it is read once, with its policy. */
	tu_write_text(sys, "[security]\nlockout_after = 4\n");
	assert_int_equal(chmod(sys, 0644), 0);
	assert_int_equal(config_load_from(sys, geteuid(), sys, 1, f->cfg, &m), STATUS_OK);
	assert_int_equal(f->cfg->lockout_after, 4);
	assert_string_equal(f->cfg->warnings, "");
}

/* Setting one value by name, as the database policy does: the same range
 * and floor checks as a file, the origin recorded. */
static void test_config_set(void **state)
{
	fixture_t *f = *state;
	config_origin_t o;
	msg_t m;
	int i = config_setting_index("security:idle_lock_seconds");
	char buf[64];
	assert_int_equal(config_defaults(f->cfg, &m), STATUS_OK);
	memset(&o, 0, sizeof o);
	o.from = CONFIG_FROM_DB;
	snprintf(o.by, sizeof o.by, "admin");
	assert_true(i >= 0);
	assert_true(config_setting_is_policy(i));
	assert_false(config_setting_is_policy(config_setting_index("ui:color")));
	assert_int_equal(config_set(f->cfg, "security:idle_lock_seconds", "120", &o, "database", &m),
			 STATUS_OK);
	assert_int_equal(f->cfg->idle_lock_seconds, 120);
	assert_int_equal(f->cfg->setting_origin[i].from, CONFIG_FROM_DB);
	assert_string_equal(f->cfg->setting_origin[i].by, "admin");
	config_setting_value(f->cfg, i, buf, sizeof buf);
	assert_string_equal(buf, "120");
	config_setting_value(f->cfg, config_setting_index("clinical:temperature_unit"), buf,
			     sizeof buf);
	assert_string_equal(buf, "F");
	assert_int_equal(config_set(f->cfg, "security:password_min_length", "6", &o, "database", &m),
			 STATUS_CONFIG);
	assert_true(tu_has(m.text, "database:security:password_min_length: "));
	assert_true(tu_has(m.text, "security floor"));
	assert_int_equal(config_set(f->cfg, "security:nope", "6", &o, "database", &m), STATUS_CONFIG);
	assert_int_equal(config_set_role(f->cfg, ROLE_NURSE, "+encounter_checkin", &o, "database", &m),
			 STATUS_OK);
	assert_true(perm_allowed(&f->cfg->perms, ROLE_NURSE, ACT_ENCOUNTER_CHECKIN));
	assert_int_equal(f->cfg->role_origin[ROLE_NURSE].from, CONFIG_FROM_DB);
	assert_int_equal(config_set_role(f->cfg, ROLE_NURSE, "+warp", &o, "database", &m),
			 STATUS_CONFIG);
	assert_true(tu_has(m.text, "database:roles:nurse: unknown action 'warp'"));
}

/* [clinic] timezone: a zone this server has, from a file or the database;
 * an unknown one refused from a file, but one the database's policy named
 * before its file went away is kept (times then show in UTC) rather than
 * stopping every sign-on; a name that is no zone's is refused from both. */
static void test_timezone(void **state)
{
	fixture_t *f = *state;
	config_origin_t o;
	msg_t m;
	memset(&o, 0, sizeof o);
	o.from = CONFIG_FROM_DB;
	assert_int_equal(config_defaults(f->cfg, &m), STATUS_OK);
	assert_string_equal(f->cfg->clinic_tz, "UTC");
	assert_true(config_setting_is_policy(config_setting_index("clinic:timezone")));
	assert_int_equal(load_text(f, "[clinic]\ntimezone = America/Chicago\n", &m), STATUS_OK);
	assert_string_equal(f->cfg->clinic_tz, "America/Chicago");
	assert_int_equal(load_text(f, "[clinic]\ntimezone = America/Chicgo\n", &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "clinic:timezone: 'America/Chicgo' is not a time zone"));
	assert_int_equal(load_text(f, "[clinic]\ntimezone = /etc/passwd\n", &m), STATUS_CONFIG);
	assert_int_equal(config_defaults(f->cfg, &m), STATUS_OK);
	assert_int_equal(config_set(f->cfg, "clinic:timezone", "Europe/London", &o, "database", &m),
	                 STATUS_OK);
	assert_string_equal(f->cfg->clinic_tz, "Europe/London");
	assert_int_equal(config_set(f->cfg, "clinic:timezone", "Legacy/Gone_Away", &o, "database", &m),
	                 STATUS_OK);
	assert_string_equal(f->cfg->clinic_tz, "Legacy/Gone_Away");
	assert_int_equal(config_set(f->cfg, "clinic:timezone", "../../etc/shadow", &o, "database", &m),
	                 STATUS_CONFIG);
	o.from = CONFIG_FROM_SYSTEM;
	assert_int_equal(config_set(f->cfg, "clinic:timezone", "Legacy/Gone_Away", &o, "file", &m),
	                 STATUS_CONFIG);
}

static void test_argon_cost_units(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	assert_int_equal(load_text(f, "[security]\nargon2_passes = 3\nargon2_memory_mib = 128\n", &m),
			 STATUS_OK);
	assert_int_equal(config_argon_ops(f->cfg), 3);
	assert_int_equal(config_argon_mem(f->cfg), 128ull * 1024 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_match_assets_ini, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_overrides_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_bad_number, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_unknown_key_and_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_unknown_role_and_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_bad_enum_and_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_security_floors_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_shorter_than_min_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_world_writable_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error_names_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_key_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_keys_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_check_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_file_policy_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_system_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timezone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argon_cost_units, setup, teardown),
	};
	tu_crypto_init();
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
