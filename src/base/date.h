/* date.h - the one parser of dates typed or read by Chartroom (dates of
 * birth and death, medication start and problem onset, dates of service,
 * code-set effective dates, `audit list --since`, `codes ... --date`).
 *
 * Accepted: YYYY-MM-DD, and MM/DD/YYYY (the month and day may have one
 * digit: 3/5/1990). Nothing else: no two-digit years, no other
 * separators, no surrounding text. The date must exist in the proleptic
 * Gregorian calendar (2024-02-29 yes, 2023-02-29 and 2025-02-30 no;
 * 1900 is not a leap year, 2000 is). Years 0001-9999. The result is the
 * ISO form YYYY-MM-DD, which sorts and compares as text. */
#ifndef CHARTROOM_DATE_H
#define CHARTROOM_DATE_H

#include "base/status.h"

#define DATE_ISO_SIZE 11 /* "YYYY-MM-DD" and its NUL */

typedef enum date_result {
	DATE_OK,
	DATE_SHAPE,     /* not YYYY-MM-DD or MM/DD/YYYY */
	DATE_NOT_REAL,  /* the right shape, but no such day (2025-02-30) */
	DATE_TOO_EARLY, /* before the lower bound */
	DATE_TOO_LATE   /* after the upper bound */
} date_result_t;

/* 1 for a leap year of the Gregorian calendar. */
int date_leap(int year);

/* Days in a month (1-12) of a year; 0 for a month out of range. */
int date_days_in(int year, int month);

/* Parse in. min and max, when not NULL, are ISO dates that bound it
 * (inclusive). On DATE_OK the ISO form is in out (which may be NULL);
 * otherwise out is "". */
date_result_t date_parse(const char *in, const char *min, const char *max, char out[DATE_ISO_SIZE]);

/* date_parse with the sentence for the user in m, naming the field:
 *   "Start date: 'soon' is not a date; use YYYY-MM-DD or MM/DD/YYYY."
 *   "Start date: 2025-02-30 is not a real date."
 *   "Start date 2030-01-01 is in the future." (max is today)
 *   "Start date 2030-01-01 is after 2029-12-31." (another max)
 *   "Start date 1850-01-01 is before 1880-01-01."
 * Returns STATUS_OK or STATUS_INVALID. */
status_t date_parse_msg(const char *label, const char *in, const char *min, const char *max,
                        char out[DATE_ISO_SIZE], msg_t *m);

/* Today's date (UTC) as YYYY-MM-DD. */
void date_today(char out[DATE_ISO_SIZE]);

/* Split an ISO date "YYYY-MM-DD" (only that form, a real date or not)
 * into numbers; 0 on success, -1 if it is not that shape. */
int date_split_iso(const char *iso, int *year, int *month, int *day);

/* Calendar arithmetic on ISO dates (proleptic Gregorian, leap years
 * counted): iso plus `days` (may be negative) into out; 0, or -1 when iso
 * is not a real date or the result leaves years 0001-9999 (out ""). */
int date_add_days(const char *iso, long days, char out[DATE_ISO_SIZE]);
/* Days from a to b (b - a; negative when b is earlier); 0 and *ok 0 when
 * either is not a real ISO date. */
long date_diff_days(const char *a, const char *b, int *ok);

#endif
