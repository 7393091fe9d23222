/* test_tz.c - the clinic's time zone (src/base/tz.c): stored UTC times
 * shown in a zone with its abbreviation or offset, at the edges of
 * daylight saving time (both ways, both hemispheres, a half-hour shift),
 * in the years after the zone file's last transition, as ISO 8601 for
 * scripts; local times typed stored in UTC; zone names checked. */
#include "testutil.h"

#include <stdlib.h>

#include "base/tz.h"

static void expect(const char *zone, const char *utc, int flags, const char *want)
{
	char out[TZ_TEXT_MAX];
	if (tz_format(zone, utc, flags, out, sizeof out) != 0)
		fail_msg("%s in %s: not formatted", utc, zone ? zone : "(null)");
	if (strcmp(out, want) != 0)
		fail_msg("%s in %s (flags %d): '%s', expected '%s'", utc, zone ? zone : "(null)",
		         flags, out, want);
}

static void test_utc(void **state)
{
	(void)state;
	expect("UTC", "2026-03-08T07:59:59Z", 0, "2026-03-08 07:59 UTC");
	expect(NULL, "2026-03-08T07:59:59Z", TZ_SECONDS, "2026-03-08 07:59:59 UTC");
	expect("", "2026-03-08T07:59:59Z", TZ_US, "03/08/2026 07:59 UTC");
	expect("UTC", "2026-03-08T07:59:59Z", TZ_ISO, "2026-03-08T07:59:59+00:00");
	expect("Etc/UTC", "2026-12-31T23:59:59Z", TZ_SECONDS, "2026-12-31 23:59:59 UTC");
}

/* America/Chicago, 2026: CDT from 2026-03-08 02:00 CST (08:00 UTC) to
 * 2026-11-01 02:00 CDT (07:00 UTC). */
static void test_dst_edges(void **state)
{
	const char *z = "America/Chicago";
	(void)state;
	expect(z, "2026-03-08T07:59:59Z", TZ_SECONDS, "2026-03-08 01:59:59 CST");
	expect(z, "2026-03-08T08:00:00Z", TZ_SECONDS, "2026-03-08 03:00:00 CDT");
	expect(z, "2026-03-08T08:00:00Z", TZ_ISO, "2026-03-08T03:00:00-05:00");
	expect(z, "2026-03-08T07:59:59Z", TZ_ISO, "2026-03-08T01:59:59-06:00");
	expect(z, "2026-11-01T06:59:59Z", TZ_SECONDS, "2026-11-01 01:59:59 CDT");
	expect(z, "2026-11-01T07:00:00Z", TZ_SECONDS, "2026-11-01 01:00:00 CST");
	/* the local date is not the UTC date in the evening */
	expect(z, "2026-01-01T03:00:00Z", 0, "2025-12-31 21:00 CST");
	expect(z, "2026-01-01T03:00:00Z", TZ_DATE, "2025-12-31");
	expect(z, "2026-01-01T03:00:00Z", TZ_US, "12/31/2025 21:00 CST");
	/* after the last transition in the file: its rule (CST6CDT,M3.2.0,M11.1.0) */
	expect(z, "2045-07-01T12:00:00Z", 0, "2045-07-01 07:00 CDT");
	expect(z, "2045-12-01T12:00:00Z", 0, "2045-12-01 06:00 CST");
	/* Europe/London: BST from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC */
	expect("Europe/London", "2026-03-29T00:59:59Z", TZ_SECONDS, "2026-03-29 00:59:59 GMT");
	expect("Europe/London", "2026-03-29T01:00:00Z", TZ_SECONDS, "2026-03-29 02:00:00 BST");
	expect("Europe/London", "2026-10-25T00:59:59Z", TZ_SECONDS, "2026-10-25 01:59:59 BST");
	expect("Europe/London", "2026-10-25T01:00:00Z", TZ_SECONDS, "2026-10-25 01:00:00 GMT");
	/* the southern hemisphere: AEDT ends 2026-04-05 03:00 local (16:00 UTC the day before) */
	expect("Australia/Sydney", "2026-04-04T15:59:59Z", TZ_SECONDS, "2026-04-05 02:59:59 AEDT");
	expect("Australia/Sydney", "2026-04-04T16:00:00Z", TZ_SECONDS, "2026-04-05 02:00:00 AEST");
	/* a half-hour daylight saving shift */
	expect("Australia/Lord_Howe", "2026-01-15T00:00:00Z", TZ_ISO, "2026-01-15T11:00:00+11:00");
	expect("Australia/Lord_Howe", "2026-07-15T00:00:00Z", TZ_ISO, "2026-07-15T10:30:00+10:30");
}

/* Zones without letters for their abbreviation show their offset. */
static void test_offsets(void **state)
{
	(void)state;
	expect("Asia/Kathmandu", "2026-06-01T00:00:00Z", 0, "2026-06-01 05:45 +0545");
	expect("America/Sao_Paulo", "2026-06-01T00:00:00Z", 0, "2026-05-31 21:00 -03");
	expect("Asia/Kolkata", "2026-06-01T00:00:00Z", TZ_ISO, "2026-06-01T05:30:00+05:30");
}

/* Switching zones back and forth gives each its own answer. */
static void test_switching(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		expect("America/Chicago", "2026-07-01T12:00:00Z", 0, "2026-07-01 07:00 CDT");
		expect("UTC", "2026-07-01T12:00:00Z", 0, "2026-07-01 12:00 UTC");
		expect("Asia/Tokyo", "2026-07-01T12:00:00Z", 0, "2026-07-01 21:00 JST");
	}
}

/* Whatever TZ the user has is not consulted. */
static void test_ignores_user_tz(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	expect("America/Chicago", "2026-07-01T12:00:00Z", 0, "2026-07-01 07:00 CDT");
	expect("UTC", "2026-07-01T12:00:00Z", 0, "2026-07-01 12:00 UTC");
}

static void test_not_stored(void **state)
{
	char out[TZ_TEXT_MAX];
	(void)state;
	assert_int_equal(tz_format("UTC", "garbage", 0, out, sizeof out), -1);
	assert_string_equal(out, "garbage");
	assert_int_equal(tz_format("UTC", "2026-02-30T10:00:00Z", 0, out, sizeof out), -1);
	assert_int_equal(tz_format("UTC", "2026-02-03T10:00:00", 0, out, sizeof out), -1);
	assert_int_equal(tz_format("UTC", "2026-02-03T10:00:00Zx", 0, out, sizeof out), -1);
	assert_int_equal(tz_format("UTC", NULL, 0, out, sizeof out), -1);
	assert_string_equal(out, "");
	/* a short buffer is cut, never overrun */
	assert_int_equal(tz_format("UTC", "2026-02-03T10:00:00Z", 0, out, 8), 0);
	assert_string_equal(out, "2026-02");
}

static void expect_utc(const char *zone, const char *date, int h, int mi, const char *want)
{
	char out[24];
	msg_t m;
	if (tz_to_utc(zone, date, h, mi, out, &m) != STATUS_OK)
		fail_msg("%s %02d:%02d in %s: %s", date, h, mi, zone, m.text);
	if (strcmp(out, want) != 0)
		fail_msg("%s %02d:%02d in %s: %s, expected %s", date, h, mi, zone, out, want);
}

static void test_to_utc(void **state)
{
	char out[24];
	msg_t m;
	(void)state;
	expect_utc("UTC", "2026-03-08", 12, 0, "2026-03-08T12:00:00Z");
	expect_utc("America/Chicago", "2026-06-01", 14, 0, "2026-06-01T19:00:00Z");
	expect_utc("America/Chicago", "2026-12-01", 14, 0, "2026-12-01T20:00:00Z");
	expect_utc("America/Chicago", "2026-03-08", 1, 59, "2026-03-08T07:59:00Z");
	expect_utc("America/Chicago", "2026-03-08", 3, 0, "2026-03-08T08:00:00Z");
	/* 02:30 does not exist that day: read as 03:30 CDT */
	expect_utc("America/Chicago", "2026-03-08", 2, 30, "2026-03-08T08:30:00Z");
	expect_utc("America/Chicago", "2025-12-31", 21, 0, "2026-01-01T03:00:00Z");
	expect_utc("Asia/Kathmandu", "2026-06-01", 5, 45, "2026-06-01T00:00:00Z");
	/* and back: the time shown is the time typed */
	expect("America/Chicago", "2026-06-01T19:00:00Z", 0, "2026-06-01 14:00 CDT");
	assert_int_equal(tz_to_utc("UTC", "2026-02-30", 12, 0, out, &m), STATUS_INVALID);
	assert_int_equal(tz_to_utc("UTC", "2026-02-03", 24, 0, out, &m), STATUS_INVALID);
	assert_int_equal(tz_to_utc("UTC", "garbage", 1, 0, out, &m), STATUS_INVALID);
}

static void test_today(void **state)
{
	char utc[11], there[11];
	(void)state;
	tz_today("UTC", utc);
	tz_today("Pacific/Kiritimati", there); /* UTC+14: a day ahead from 10:00 UTC */
	assert_int_equal(strlen(utc), 10);
	assert_int_equal(strlen(there), 10);
	assert_true(strcmp(there, utc) >= 0);
}

/* Today is remembered for the second it was asked in, per zone: the two
 * zones 25 hours apart never share a date, asked alternately in the same
 * second or not, and asking again gives the same answer. */
static void test_today_per_zone(void **state)
{
	char a[11], b[11], a2[11], b2[11];
	(void)state;
	for (int i = 0; i < 3; i++) {
		tz_today("Pacific/Kiritimati", a); /* UTC+14 */
		tz_today("Pacific/Pago_Pago", b);  /* UTC-11 */
		tz_today("Pacific/Kiritimati", a2);
		tz_today("Pacific/Pago_Pago", b2);
		assert_string_not_equal(a, b);
		assert_true(strcmp(a, b) > 0);
		assert_true(strcmp(a2, a) >= 0);
		assert_true(strcmp(b2, b) >= 0);
		assert_string_not_equal(a2, b2);
	}
}

static void test_check(void **state)
{
	msg_t m;
	(void)state;
	assert_int_equal(tz_check("America/Chicago", &m), STATUS_OK);
	assert_int_equal(tz_check("Europe/London", &m), STATUS_OK);
	assert_int_equal(tz_check("Etc/GMT+5", &m), STATUS_OK);
	assert_int_equal(tz_check("UTC", &m), STATUS_OK);
	assert_int_equal(tz_check("system", &m), STATUS_OK);
	assert_int_equal(tz_check("America/Chicgo", &m), STATUS_INVALID);
	assert_non_null(strstr(m.text, "'America/Chicgo' is not a time zone"));
	assert_non_null(strstr(m.text, "America/Chicago"));
	assert_int_equal(tz_check("America", &m), STATUS_INVALID); /* a directory */
	assert_int_equal(tz_check("../../etc/passwd", &m), STATUS_INVALID);
	assert_int_equal(tz_check("/etc/localtime", &m), STATUS_INVALID);
	assert_int_equal(tz_check("America/../Europe/London", &m), STATUS_INVALID);
	assert_int_equal(tz_check("right/America/Chicago", &m), STATUS_INVALID);
	assert_int_equal(tz_check("America/Chicago ", &m), STATUS_INVALID);
	assert_int_equal(tz_check("zone.tab", &m), STATUS_INVALID); /* not a zone file */
	assert_int_equal(tz_check("", &m), STATUS_INVALID);
	assert_int_equal(tz_check(NULL, &m), STATUS_INVALID);
	assert_int_equal(tz_check("CST6CDT,M3.2.0,M11.1.0", &m), STATUS_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utc),
	    cmocka_unit_test(test_today_per_zone),
	    cmocka_unit_test(test_dst_edges),
	    cmocka_unit_test(test_offsets),
	    cmocka_unit_test(test_switching),
	    cmocka_unit_test(test_ignores_user_tz),
	    cmocka_unit_test(test_not_stored),
	    cmocka_unit_test(test_to_utc),
	    cmocka_unit_test(test_today),
	    cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests_name("tz", tests, NULL, NULL);
}
