/* date.c - the one date parser: shapes, the calendar, bounds. */
#include "base/date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int date_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int date_days_in(int year, int month)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month < 1 || month > 12)
		return 0;
	return month == 2 && date_leap(year) ? 29 : d[month - 1];
}

/* Read exactly `lo` to `hi` digits at *p into *v; advance *p. */
static int digits(const char **p, int lo, int hi, int *v)
{
	int n = 0;
	*v = 0;
	while (n < hi && **p >= '0' && **p <= '9') {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n >= lo && !(**p >= '0' && **p <= '9');
}

int date_split_iso(const char *iso, int *year, int *month, int *day)
{
	const char *p = iso;
	if (!p || !digits(&p, 4, 4, year) || *p++ != '-' || !digits(&p, 2, 2, month) ||
	    *p++ != '-' || !digits(&p, 2, 2, day) || *p)
		return -1;
	return 0;
}

static int split_us(const char *in, int *year, int *month, int *day)
{
	const char *p = in;
	if (!digits(&p, 1, 2, month) || *p++ != '/' || !digits(&p, 1, 2, day) || *p++ != '/' ||
	    !digits(&p, 4, 4, year) || *p)
		return -1;
	return 0;
}

date_result_t date_parse(const char *in, const char *min, const char *max, char out[DATE_ISO_SIZE])
{
	int y, mo, d;
	char iso[DATE_ISO_SIZE];
	if (out)
		out[0] = '\0';
	if (!in || (date_split_iso(in, &y, &mo, &d) != 0 && split_us(in, &y, &mo, &d) != 0))
		return DATE_SHAPE;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > date_days_in(y, mo))
		return DATE_NOT_REAL;
	snprintf(iso, sizeof iso, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)mo % 100u,
	         (unsigned)d % 100u); /* all in range here; the modulos tell the compiler */
	if (min && strcmp(iso, min) < 0)
		return DATE_TOO_EARLY;
	if (max && strcmp(iso, max) > 0)
		return DATE_TOO_LATE;
	if (out)
		memcpy(out, iso, sizeof iso);
	return DATE_OK;
}

void date_today(char out[DATE_ISO_SIZE])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, DATE_ISO_SIZE, "%Y-%m-%d", &tm);
}

status_t date_parse_msg(const char *label, const char *in, const char *min, const char *max,
                        char out[DATE_ISO_SIZE], msg_t *m)
{
	char today[DATE_ISO_SIZE];
	const char *s = in ? in : "";
	switch (date_parse(in, min, max, out)) {
	case DATE_OK:
		return STATUS_OK;
	case DATE_SHAPE:
		return msg_fail(m, STATUS_INVALID,
		                "%s: '%.40s' is not a date; use YYYY-MM-DD or MM/DD/YYYY.", label,
		                s);
	case DATE_NOT_REAL:
		return msg_fail(m, STATUS_INVALID, "%s: %s is not a real date.", label, s);
	case DATE_TOO_EARLY:
		return msg_fail(m, STATUS_INVALID, "%s %s is before %s.", label, s, min);
	case DATE_TOO_LATE:
		date_today(today);
		if (strcmp(max, today) == 0)
			return msg_fail(m, STATUS_INVALID, "%s %s is in the future.", label, s);
		return msg_fail(m, STATUS_INVALID, "%s %s is after %s.", label, s, max);
	}
	return msg_fail(m, STATUS_INVALID, "%s: '%.40s' is not a date.", label, s);
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm, exact
 * over the proleptic Gregorian calendar). */
static long days_from_civil(long y, unsigned mo, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;
	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *mo, unsigned *d)
{
	long era;
	unsigned doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*mo = mp < 10 ? mp + 3 : mp - 9;
	*y += *mo <= 2;
}

static int real_iso(const char *iso, long *z)
{
	int y, mo, d;
	if (!iso || date_split_iso(iso, &y, &mo, &d) != 0 || y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > date_days_in(y, mo))
		return -1;
	*z = days_from_civil(y, (unsigned)mo, (unsigned)d);
	return 0;
}

int date_add_days(const char *iso, long days, char out[DATE_ISO_SIZE])
{
	long z, y;
	unsigned mo, d;
	out[0] = '\0';
	if (real_iso(iso, &z) != 0 || days > 4000000 || days < -4000000)
		return -1;
	civil_from_days(z + days, &y, &mo, &d);
	if (y < 1 || y > 9999)
		return -1;
	snprintf(out, DATE_ISO_SIZE, "%04d-%02d-%02d", (int)y, (int)(mo % 13), (int)(d % 32));
	return 0;
}

long date_diff_days(const char *a, const char *b, int *ok)
{
	long za, zb;
	if (real_iso(a, &za) != 0 || real_iso(b, &zb) != 0) {
		if (ok)
			*ok = 0;
		return 0;
	}
	if (ok)
		*ok = 1;
	return zb - za;
}
