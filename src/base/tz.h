/* tz.h - the clinic's time zone: the one place where a stored time becomes
 * a shown one, and a local date and time typed by a user a stored one.
 *
 * Chartroom stores every time in UTC, "YYYY-MM-DDTHH:MM:SSZ" (core_now).
 * It shows them in the zone of the policy's [clinic] timezone (core/
 * config.h), with the zone's abbreviation ("CST", "CDT") or, where the
 * zone has none, its offset ("+0530"): never in the zone of whoever runs
 * the program (the user's TZ is not consulted; in a set-group-ID install
 * privsep.c cleans it anyway).
 *
 * A zone is "UTC", "system" (the server's own zone, /etc/localtime, as
 * `date` shows it; UTC where there is none) or an IANA name with a zone
 * file under /usr/share/zoneinfo ("America/Chicago"); DST and its edges
 * are the zone file's (the C library reads it). Not thread-safe with other
 * threads reading the environment: the zone is set in the process's TZ,
 * under a lock, only when it changes, which the program does from its
 * main thread (a sign-on) before any worker starts. */
#ifndef CHARTROOM_TZ_H
#define CHARTROOM_TZ_H

#include <stddef.h>

#include "base/status.h"

#define TZ_NAME_MAX 64 /* a zone name and its NUL */
#define TZ_TEXT_MAX 40 /* the longest text tz_format writes, and its NUL */
#define TZ_ZONEINFO "/usr/share/zoneinfo"

/* How tz_format writes a time. */
enum {
	TZ_US = 1,      /* MM/DD/YYYY instead of YYYY-MM-DD */
	TZ_SECONDS = 2, /* HH:MM:SS instead of HH:MM */
	TZ_ISO = 4,     /* ISO 8601 with the offset, for scripts:
	                   "2026-03-08T03:00:00-05:00" (ignores TZ_US) */
	TZ_DATE = 8     /* the local date only, "YYYY-MM-DD" */
};

/* Is `name` a zone: "UTC", "system", or the name of a zone file under
 * TZ_ZONEINFO (letters, digits, '/', '_', '-', '+'; no "..", no leading
 * '/'; not "right/...", whose clocks count leap seconds)? STATUS_OK, or
 * STATUS_INVALID with the sentence for the user in m. */
status_t tz_check(const char *name, msg_t *m);

/* Has name the shape tz_check asks for (whether or not its file is
 * there)? 1 or 0. */
int tz_name_shape(const char *name);

/* The stored time `utc` in zone `zone` (NULL or "": UTC), as flags say:
 * "2026-03-08 03:00 CDT", "03/08/2026 03:00:00 CDT",
 * "2026-03-08T03:00:00-05:00", "2026-03-08". Returns 0; -1 when utc is
 * not a stored time (then out holds utc as it was, for the caller to show
 * escaped, and "" for NULL). */
int tz_format(const char *zone, const char *utc, int flags, char *out, size_t size);

/* A local date ("YYYY-MM-DD") and time of day in zone as a stored time.
 * A time the clock skips (the hour DST starts) is read as the time after
 * the skip; one it repeats (the hour DST ends), as either. STATUS_OK, or
 * STATUS_INVALID for a date or time out of range. */
status_t tz_to_utc(const char *zone, const char *date_iso, int hour, int minute, char out[24],
                   msg_t *m);

/* Make zone the process's local time (TZ), as tz_format does before it
 * formats: for SQLite's 'localtime' modifier, which the reports use to
 * turn stored UTC times into the clinic's dates (db/db_report.h). */
void tz_apply(const char *zone);

/* Today's date in zone, "YYYY-MM-DD". */
void tz_today(const char *zone, char out[11]);

#endif
