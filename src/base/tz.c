/* tz.c - stored UTC times shown in the clinic's zone, and local times typed
 * stored in UTC (see tz.h). The C library does the zone arithmetic from
 * the zone file (transitions, and the rule for the years after them); this
 * file chooses the zone, checks names and formats. */
#include "base/tz.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/date.h"

/* The zone the process's TZ is set for ("" until the first use). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char current[TZ_NAME_MAX];

/* A regular file that starts as a zone file does ("TZif"). */
static int zone_file(const char *path)
{
	char magic[4];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, magic, sizeof magic) : -1;
	close(fd);
	return n == (ssize_t)sizeof magic && memcmp(magic, "TZif", 4) == 0;
}

static int is_utc(const char *zone)
{
	return !zone || !*zone || strcmp(zone, "UTC") == 0;
}

/* The shape of an IANA name: no way out of TZ_ZONEINFO. */
static int name_shape(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n >= TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return 0;
	for (const char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
			return 0; /* no '.', so no ".." either */
		if (*p == '/' && p[1] == '/')
			return 0;
	}
	return strncmp(name, "right/", 6) != 0;
}

int tz_name_shape(const char *name)
{
	return name && (is_utc(name) || strcmp(name, "system") == 0 || name_shape(name));
}

status_t tz_check(const char *name, msg_t *m)
{
	char path[sizeof TZ_ZONEINFO + TZ_NAME_MAX + 1];
	if (!name || !*name)
		return msg_fail(
		    m, STATUS_INVALID,
		    "no time zone given: use an IANA name such as America/Chicago, UTC, "
		    "or system");
	if (is_utc(name) || strcmp(name, "system") == 0)
		return STATUS_OK;
	if (name_shape(name)) {
		snprintf(path, sizeof path, "%s/%s", TZ_ZONEINFO, name);
		if (zone_file(path))
			return STATUS_OK;
	}
	return msg_fail(m, STATUS_INVALID,
	                "'%.*s' is not a time zone: use an IANA name such as America/Chicago (the "
	                "names under %s), UTC, or system (the server's own zone)",
	                TZ_NAME_MAX, name, TZ_ZONEINFO);
}

/* Point TZ at zone (lock held); once per change of zone. A zone whose file
 * has gone since it was checked is shown as UTC, which says so. */
static void use(const char *zone)
{
	char env[sizeof TZ_ZONEINFO + TZ_NAME_MAX + 8];
	const char *want = is_utc(zone) ? "UTC" : zone;
	if (strcmp(want, current) == 0)
		return;
	snprintf(env, sizeof env, "UTC0");
	if (strcmp(want, "system") == 0) {
		if (zone_file("/etc/localtime"))
			snprintf(env, sizeof env, ":/etc/localtime");
	} else if (strcmp(want, "UTC") != 0 && strlen(want) < TZ_NAME_MAX && name_shape(want)) {
		char path[sizeof TZ_ZONEINFO + TZ_NAME_MAX + 1];
		snprintf(path, sizeof path, "%s/%s", TZ_ZONEINFO, want);
		if (zone_file(path))
			snprintf(env, sizeof env, ":%s", path);
	}
	setenv("TZ", env, 1);
	tzset();
	snprintf(current, sizeof current, "%s", want);
}

/* "YYYY-MM-DDTHH:MM:SSZ" -> seconds since the epoch; -1 if not so. */
static int parse_stored(const char *utc, time_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, s, n = 0;
	if (!utc || sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
	    n != 20 || utc[n] != '\0' || mo < 1 || mo > 12 || d < 1 || d > date_days_in(y, mo) ||
	    h > 23 || mi > 59 || s > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	*t = timegm(&tm);
	return 0;
}

/* t in zone: the local fields and the abbreviation (its copy: the C
 * library's string lives only until the zone changes). */
static void local(const char *zone, time_t t, struct tm *tm, char *abbr, size_t size)
{
	pthread_mutex_lock(&lock);
	use(zone);
	localtime_r(&t, tm);
	snprintf(abbr, size, "%s", tm->tm_zone ? tm->tm_zone : "");
	pthread_mutex_unlock(&lock);
}

int tz_format(const char *zone, const char *utc, int flags, char *out, size_t size)
{
	struct tm tm;
	time_t t;
	char abbr[16], date[40], clock[40];
	long off;
	if (!size)
		return -1;
	if (parse_stored(utc, &t) != 0) {
		snprintf(out, size, "%s", utc ? utc : "");
		return -1;
	}
	local(zone, t, &tm, abbr, sizeof abbr);
	if ((flags & TZ_US) && !(flags & (TZ_ISO | TZ_DATE)))
		snprintf(date, sizeof date, "%02d/%02d/%04d", tm.tm_mon + 1, tm.tm_mday,
		         tm.tm_year + 1900);
	else
		snprintf(date, sizeof date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		         tm.tm_mday);
	if (flags & TZ_DATE) {
		snprintf(out, size, "%s", date);
		return 0;
	}
	if (flags & (TZ_SECONDS | TZ_ISO))
		snprintf(clock, sizeof clock, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(clock, sizeof clock, "%02d:%02d", tm.tm_hour, tm.tm_min);
	if (flags & TZ_ISO) {
		off = tm.tm_gmtoff;
		snprintf(out, size, "%sT%s%c%02ld:%02ld", date, clock, off < 0 ? '-' : '+',
		         labs(off) / 3600 % 100, labs(off) / 60 % 60);
		return 0;
	}
	/* A zone without an abbreviation of letters has its offset as one
	 * ("+0530", "-03"): shown as it is. */
	snprintf(out, size, "%s %s %s", date, clock, abbr[0] ? abbr : "UTC");
	return 0;
}

status_t tz_to_utc(const char *zone, const char *date_iso, int hour, int minute, char out[24],
                   msg_t *m)
{
	struct tm tm, u;
	time_t t;
	int y, mo, d;
	out[0] = '\0';
	if (date_split_iso(date_iso, &y, &mo, &d) != 0 || mo < 1 || mo > 12 || d < 1 ||
	    d > date_days_in(y, mo) || hour < 0 || hour > 23 || minute < 0 || minute > 59)
		return msg_fail(m, STATUS_INVALID, "'%.10s %02d:%02d' is not a date and time.",
		                date_iso ? date_iso : "", hour % 100, minute % 100);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_isdst = -1; /* the zone's rules decide */
	pthread_mutex_lock(&lock);
	use(zone);
	t = mktime(&tm);
	pthread_mutex_unlock(&lock);
	if (t == (time_t)-1 || !gmtime_r(&t, &u))
		return msg_fail(m, STATUS_INVALID, "'%.10s %02d:%02d' is out of range.", date_iso,
		                hour, minute);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &u);
	return STATUS_OK;
}

void tz_today(const char *zone, char out[11])
{
	/* Every search asks (ages as of today): within the same second and
	 * zone the answer is the one just worked out. */
	static _Thread_local struct {
		time_t t;
		char zone[TZ_NAME_MAX];
		char day[11];
	} last;
	struct tm tm;
	char abbr[16], day[40];
	time_t now = time(NULL);
	const char *z = zone ? zone : "";
	if (last.day[0] && last.t == now && strncmp(last.zone, z, sizeof last.zone) == 0) {
		memcpy(out, last.day, 11);
		return;
	}
	local(zone, now, &tm, abbr, sizeof abbr);
	snprintf(day, sizeof day, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	snprintf(out, 11, "%.10s", day);
	if (strlen(z) < sizeof last.zone) {
		last.t = now;
		memcpy(last.zone, z, strlen(z) + 1);
		memcpy(last.day, out, 11);
	}
}

void tz_apply(const char *zone)
{
	pthread_mutex_lock(&lock);
	use(zone ? zone : "UTC");
	pthread_mutex_unlock(&lock);
}
