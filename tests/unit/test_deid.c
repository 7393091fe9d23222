/* test_deid.c - the Safe Harbor rules of core/deid.h: ZIP3 with the
 * seventeen restricted three-digit areas, ages over 89, years only. */
#include "testutil.h"

#include "core/deid.h"

static const char *zip3(const char *zip)
{
	static char out[4];
	deid_zip3(zip, out);
	return out;
}

static void test_zip3(void **state)
{
	static const char *const restricted[] = {"036", "059", "063", "102", "203", "556",
						 "692", "790", "821", "823", "830", "831",
						 "878", "879", "884", "890", "893"};
	char z[16], out[4];
	(void)state;
	assert_string_equal(zip3("02139"), "021");
	assert_string_equal(zip3("02139-1234"), "021");
	assert_string_equal(zip3("10001"), "100");
	for (size_t i = 0; i < sizeof restricted / sizeof restricted[0]; i++) {
		snprintf(z, sizeof z, "%s42", restricted[i]);
		assert_int_equal(deid_zip3(z, out), 1);
		assert_string_equal(out, "000");
		snprintf(z, sizeof z, "%s42-0001", restricted[i]);
		assert_string_equal(zip3(z), "000");
	}
	/* Neighbours of restricted areas are not restricted. */
	assert_int_equal(deid_zip3("03501", out), 0);
	assert_string_equal(out, "035");
	assert_string_equal(zip3("83201"), "832");
	assert_string_equal(zip3("89401"), "894");
	/* Nothing that is not a ZIP gives a ZIP3. */
	assert_string_equal(zip3(""), "");
	assert_string_equal(zip3(NULL), "");
	assert_string_equal(zip3("0213"), "");
	assert_string_equal(zip3("021390"), "");
	assert_string_equal(zip3("02139-12"), "");
	assert_string_equal(zip3("O2139"), "");
	assert_string_equal(zip3("021 39"), "");
}

static void test_age(void **state)
{
	char out[8];
	(void)state;
	deid_age(0, out, sizeof out);
	assert_string_equal(out, "0");
	deid_age(44, out, sizeof out);
	assert_string_equal(out, "44");
	deid_age(89, out, sizeof out);
	assert_string_equal(out, "89");
	deid_age(90, out, sizeof out);
	assert_string_equal(out, "90+");
	deid_age(117, out, sizeof out);
	assert_string_equal(out, "90+");
	deid_age(-1, out, sizeof out);
	assert_string_equal(out, "");
	/* Whole years, the birthday itself counting. */
	assert_int_equal(deid_age_on(1936, 12, 7, 2026, 12, 6), 89);
	assert_int_equal(deid_age_on(1936, 12, 7, 2026, 12, 7), 90);
	assert_int_equal(deid_age_on(2000, 2, 29, 2001, 2, 28), 0);
	assert_int_equal(deid_age_on(2000, 2, 29, 2001, 3, 1), 1);
	assert_int_equal(deid_age_on(2026, 1, 2, 2026, 1, 1), -1);
}

static void test_year(void **state)
{
	char out[5];
	(void)state;
	assert_int_equal(deid_year("2024-03-15", out), 2024);
	assert_string_equal(out, "2024");
	assert_int_equal(deid_year("2024-03-15T10:00:00Z", out), 2024);
	assert_string_equal(out, "2024");
	assert_int_equal(deid_year("2024", out), 2024);
	/* Never the month or the day, and nothing from other shapes. */
	assert_int_equal(deid_year("03/15/2024", out), 0);
	assert_string_equal(out, "");
	assert_int_equal(deid_year("20240315", out), 0);
	assert_string_equal(out, "");
	assert_int_equal(deid_year("", out), 0);
	assert_int_equal(deid_year(NULL, out), 0);
	assert_int_equal(deid_year("abcd-01-01", out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_zip3),
	    cmocka_unit_test(test_age),
	    cmocka_unit_test(test_year),
	};
	return cmocka_run_group_tests_name("deid", tests, NULL, NULL);
}
