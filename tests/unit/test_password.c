/* test_password.c - the password policy, through users_password_check (the
 * function behind user add, passwd, enable, init and recover on the
 * command line and on screen): each rule refuses what it should, with its
 * reason, and good passphrases pass. */
#include "testutil.h"

#include "core/password.h"

static config_t cfg;

static int setup(void **state)
{
	(void)state;
	tu_crypto_init();
	tu_config(&cfg);
	return 0;
}

/* Refused with STATUS_INVALID and a message containing why. */
static void refused(const char *pw, const char *why)
{
	msg_t m;
	status_t st = users_password_check(&cfg, "bob", pw, &m);
	if (st != STATUS_INVALID || !tu_has(m.text, why))
		fail_msg("'%s': %s (%s), expected a refusal saying '%s'", pw, status_str(st),
			 st == STATUS_OK ? "" : m.text, why);
}

static void accepted(const char *pw)
{
	msg_t m;
	status_t st = users_password_check(&cfg, "bob", pw, &m);
	if (st != STATUS_OK)
		fail_msg("'%s' refused: %s", pw, m.text);
}

static void test_good_passphrases_pass(void **state)
{
	(void)state;
	accepted("correct horse battery staple admin");
	accepted("a perfectly good password");
	accepted("sunflower fields forever 2024");
	accepted("ça va très bien merci");   /* non-ASCII: no composition rules */
	accepted("tuesday's gray heron 7 bridges");
}

static void test_length_follows_the_configuration(void **state)
{
	(void)state;
	refused("fourteen chars", "too short");
	refused("fourteen chars", "15");
	cfg.password_min_length = 20;
	refused("sunflower fields 24", "at least 20");
	accepted("sunflower fields 2024");
	cfg.password_min_length = 15;
	{
		char long_pw[300];
		/* 128 characters that repeat no short pattern: the maximum */
		for (int i = 0; i < 128; i++)
			long_pw[i] = "the quick brown fox jumps over a lazy dog "[i % 42];
		long_pw[128] = '\0';
		long_pw[127] = 'z';
		accepted(long_pw);
		long_pw[128] = 'x';
		long_pw[129] = '\0';
		refused(long_pw, "too long");
	}
	refused(NULL, "too short");
}

static void test_control_characters(void **state)
{
	(void)state;
	refused("long enough but\x01"
		"bad",
		"control character");
	refused("long enough but\x7f"
		"bad",
		"control character");
}

static void test_all_whitespace(void **state)
{
	(void)state;
	refused("                ", "only spaces");
	refused("                                        ", "only spaces");
}

static void test_repeated_characters(void **state)
{
	(void)state;
	refused("aaaaaaaaaaaaaaaa", "repeats");
	refused("AAAAAAAA aaaaaaaa", "repeats");
	refused("abababababababab", "repeats");
	refused("xyzxyzxyzxyzxyzxyz", "repeats");
	refused("1111111111111111", "repeats");
}

static void test_sequential_characters(void **state)
{
	(void)state;
	refused("abcdefghijklmnop", "sequential");
	refused("1234567890123456", "sequential");
	refused("ponmlkjihgfedcba", "sequential");
	refused("A B C D E F G H I J K L M N O P", "sequential");
	refused("qwertyuiopasdfghjkl", "sequential");
	refused("9876543210987654", "sequential");
}

static void test_case_and_space_variants_of_listed_words(void **state)
{
	(void)state;
	refused("passwordpassword", "commonly used");
	refused("PasswordPassword", "commonly used");
	refused("P A S S W O R D password", "commonly used");
	refused("password123456789", "commonly used");
	refused("!!Password2024!!!", "commonly used");
	refused("2024 M O N K E Y 2024!!", "commonly used");
	refused("dragon dragon dragon", "commonly used");
}

static void test_installed_list_is_read(void **state)
{
	(void)state;
	/* "snoopy" is on Openwall's list (john-data), not on the small
	 * embedded one: refused only because the installed list is read. */
	if (access(PASSWORD_SYSTEM_LIST, R_OK) != 0)
		skip();
	refused("SNOOPY 1234567890", "commonly used");
	refused("snoopysnoopysnoopy", "commonly used");
}

static void test_library_checks(void **state)
{
	(void)state;
	/* cracklib's dictionary, through libpwquality */
	if (access(PASSWORD_CRACKLIB_DICT ".pwd", R_OK) == 0)
		refused("Counterrevolutionaries", "too easy to guess");
	refused("racecar level racecar", "same backwards");
}

static void test_user_name(void **state)
{
	msg_t m;
	(void)state;
	assert_int_equal(users_password_check(&cfg, "margaretta", "margaretta12345", &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "user name"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_passphrases_pass),
		cmocka_unit_test(test_length_follows_the_configuration),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_all_whitespace),
		cmocka_unit_test(test_repeated_characters),
		cmocka_unit_test(test_sequential_characters),
		cmocka_unit_test(test_case_and_space_variants_of_listed_words),
		cmocka_unit_test(test_installed_list_is_read),
		cmocka_unit_test(test_library_checks),
		cmocka_unit_test(test_user_name),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
