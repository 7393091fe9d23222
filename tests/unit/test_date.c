/* test_date.c - the one date parser (src/base/date.c): both shapes, the
 * real calendar (leap years), bounds, and the messages. */
#include "testutil.h"

#include "base/date.h"

static void expect_ok(const char *in, const char *iso)
{
	char out[DATE_ISO_SIZE];
	date_result_t r = date_parse(in, NULL, NULL, out);
	if (r != DATE_OK)
		fail_msg("'%s' refused (%d)", in, r);
	assert_string_equal(out, iso);
}

static void expect(const char *in, date_result_t want)
{
	char out[DATE_ISO_SIZE] = "junk";
	date_result_t r = date_parse(in, NULL, NULL, out);
	if (r != want)
		fail_msg("'%s': %d, expected %d", in, r, want);
	assert_string_equal(out, "");
}

static void test_shapes(void **state)
{
	(void)state;
	expect_ok("2025-10-01", "2025-10-01");
	expect_ok("10/01/2025", "2025-10-01");
	expect_ok("3/5/1990", "1990-03-05");
	expect_ok("03/5/1990", "1990-03-05");
	expect_ok("0001-01-01", "0001-01-01");
	expect_ok("9999-12-31", "9999-12-31");
	expect("", DATE_SHAPE);
	expect(NULL, DATE_SHAPE);
	expect("2025/10/01", DATE_SHAPE);
	expect("2025-1-01", DATE_SHAPE);
	expect("2025-01-1", DATE_SHAPE);
	expect("25-01-01", DATE_SHAPE);
	expect("02025-01-01", DATE_SHAPE);
	expect("2025-01-01 ", DATE_SHAPE);
	expect(" 2025-01-01", DATE_SHAPE);
	expect("2025-01-01T10:00", DATE_SHAPE);
	expect("+025-01-01", DATE_SHAPE);
	expect("-2025-01-01", DATE_SHAPE);
	expect("10/01/25", DATE_SHAPE);
	expect("10/01/02025", DATE_SHAPE);
	expect("100/01/2025", DATE_SHAPE);
	expect("10/001/2025", DATE_SHAPE);
	expect(" 3/ 5/1990", DATE_SHAPE);
	expect("+3/5/1990", DATE_SHAPE);
	expect("10-01-2025", DATE_SHAPE);
	expect("yesterday", DATE_SHAPE);
	expect("2025-10-0x", DATE_SHAPE);
}

static void test_calendar(void **state)
{
	(void)state;
	expect_ok("2024-02-29", "2024-02-29");
	expect("2023-02-29", DATE_NOT_REAL);
	expect("2025-02-30", DATE_NOT_REAL);
	expect("02/30/2025", DATE_NOT_REAL);
	expect_ok("2000-02-29", "2000-02-29"); /* divisible by 400 */
	expect("1900-02-29", DATE_NOT_REAL);   /* by 100, not 400 */
	expect("2100-02-29", DATE_NOT_REAL);
	expect_ok("2025-01-31", "2025-01-31");
	expect("2025-04-31", DATE_NOT_REAL);
	expect("2025-06-31", DATE_NOT_REAL);
	expect("2025-09-31", DATE_NOT_REAL);
	expect("2025-11-31", DATE_NOT_REAL);
	expect_ok("2025-12-31", "2025-12-31");
	expect("2025-13-01", DATE_NOT_REAL);
	expect("2025-00-10", DATE_NOT_REAL);
	expect("2025-01-00", DATE_NOT_REAL);
	expect("2025-01-32", DATE_NOT_REAL);
	expect("0000-01-01", DATE_NOT_REAL);
	expect("13/01/1990", DATE_NOT_REAL);
	assert_int_equal(date_days_in(2024, 2), 29);
	assert_int_equal(date_days_in(2023, 2), 28);
	assert_int_equal(date_days_in(2023, 13), 0);
	assert_true(date_leap(2024));
	assert_false(date_leap(1900));
}

static void test_bounds(void **state)
{
	char out[DATE_ISO_SIZE];
	(void)state;
	assert_int_equal(date_parse("1879-12-31", "1880-01-01", NULL, out), DATE_TOO_EARLY);
	assert_int_equal(date_parse("1880-01-01", "1880-01-01", NULL, out), DATE_OK);
	assert_int_equal(date_parse("2030-01-02", NULL, "2030-01-01", out), DATE_TOO_LATE);
	assert_string_equal(out, "");
	assert_int_equal(date_parse("01/01/2030", NULL, "2030-01-01", out), DATE_OK);
	assert_string_equal(out, "2030-01-01");
	/* The calendar is checked before the bounds. */
	assert_int_equal(date_parse("2030-02-30", NULL, "2020-01-01", out), DATE_NOT_REAL);
}

static void test_messages(void **state)
{
	char out[DATE_ISO_SIZE], today[DATE_ISO_SIZE];
	msg_t m;
	(void)state;
	assert_int_equal(date_parse_msg("Start date", "soon", NULL, NULL, out, &m), STATUS_INVALID);
	assert_string_equal(m.text,
	                    "Start date: 'soon' is not a date; use YYYY-MM-DD or MM/DD/YYYY.");
	assert_int_equal(date_parse_msg("Effective date", "2025-02-30", NULL, NULL, out, &m),
	                 STATUS_INVALID);
	assert_string_equal(m.text, "Effective date: 2025-02-30 is not a real date.");
	date_today(today);
	assert_int_equal(date_parse_msg("Onset date", "9999-01-01", NULL, today, out, &m),
	                 STATUS_INVALID);
	assert_string_equal(m.text, "Onset date 9999-01-01 is in the future.");
	assert_int_equal(date_parse_msg("X", "2020-01-02", NULL, "2020-01-01", out, &m),
	                 STATUS_INVALID);
	assert_string_equal(m.text, "X 2020-01-02 is after 2020-01-01.");
	assert_int_equal(date_parse_msg("X", "1850-01-01", "1880-01-01", NULL, out, &m),
	                 STATUS_INVALID);
	assert_string_equal(m.text, "X 1850-01-01 is before 1880-01-01.");
	assert_int_equal(date_parse_msg("X", "2/29/2024", NULL, today, out, &m), STATUS_OK);
	assert_string_equal(out, "2024-02-29");
	/* today is itself a date the parser accepts */
	assert_int_equal(date_parse(today, NULL, NULL, out), DATE_OK);
	assert_string_equal(out, today);
}

static void test_split_iso(void **state)
{
	int y, mo, d;
	(void)state;
	assert_int_equal(date_split_iso("2026-11-25", &y, &mo, &d), 0);
	assert_int_equal(y, 2026);
	assert_int_equal(mo, 11);
	assert_int_equal(d, 25);
	assert_int_equal(date_split_iso("11/25/2026", &y, &mo, &d), -1);
	assert_int_equal(date_split_iso("2026-11-25T10:00:00Z", &y, &mo, &d), -1);
	assert_int_equal(date_split_iso(NULL, &y, &mo, &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shapes),    cmocka_unit_test(test_calendar),
	    cmocka_unit_test(test_bounds),    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_split_iso),
	};
	return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
