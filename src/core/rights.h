/* rights.h - what the patients'-rights modules share (core/disclosure.h,
 * core/roi.h, core/amendment.h): the legal clocks, and, inside core only,
 * the sealing of a row's free text and the row MACs.
 *
 * Clocks (issue 12 item 6): every date a clock counts from or to is a
 * calendar date in the clinic's zone ([clinic] timezone, base/tz.h):
 * "today" is core_now's UTC instant in that zone, so a request received at
 * 23:59 local time counts from that local day, whatever UTC says. Due
 * dates are plain calendar arithmetic (base/date.h: leap years counted).
 * Day N of a clock is the Nth day after receipt (the day of receipt is day
 * 0); a request due on day 30 is overdue from day 31. Tests inject the
 * time by linking their own core_now (core/clock.c); the test binary
 * reads CHARTROOM_TEST_NOW. */
#ifndef CHARTROOM_RIGHTS_H
#define CHARTROOM_RIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/date.h"
#include "base/status.h"
#include "core/session.h"

#define RIGHTS_ACCESS_DAYS 30    /* 164.524(b)(2): act on an access request */
#define RIGHTS_ACCESS_EXTEND 30  /* one extension */
#define RIGHTS_AMEND_DAYS 60     /* 164.526(b)(2): act on an amendment request */
#define RIGHTS_AMEND_EXTEND 30   /* at most, once */
#define RIGHTS_ACCOUNT_YEARS 6   /* 164.528(a)(1): the accounting's reach */
#define RIGHTS_TEXT_MAX 1024     /* a free-text field */

/* Today's date in the clinic's zone, "YYYY-MM-DD". */
void rights_today(session_t *s, char out[DATE_ISO_SIZE]);
/* The clinic-local date of a stored UTC time (core_now's form). */
void rights_local_date(session_t *s, const char *utc, char out[DATE_ISO_SIZE]);
/* received + days; STATUS_INVALID if received is not a date. */
status_t rights_due(const char *received, int days, char out[DATE_ISO_SIZE], msg_t *m);
/* due - today in days: 0 on the due date, negative once overdue. */
long rights_days_left(const char *today, const char *due);
/* "12 days left", "due today", "3 days overdue" into buf. */
void rights_days_text(long left, char *buf, size_t size);

/* A date a user typed for a clock ("" or NULL: today): YYYY-MM-DD or
 * MM/DD/YYYY, not in the future unless future is set, not before 1900;
 * label names the field in the message. */
status_t rights_date(session_t *s, const char *label, const char *in, int future,
		     char out[DATE_ISO_SIZE], msg_t *m);

/* A free-text field: at most RIGHTS_TEXT_MAX bytes, no control
 * characters (newlines allowed if multiline). NULL counts as "". */
status_t rights_text(const char *label, const char *s, int multiline, msg_t *m);

/* A patient's MRN and "Last, First" for lists (decrypted with the
 * session's demo key; "?" when it cannot be read). */
void rights_patient_label(session_t *s, int64_t prow, char mrn[24], char name[128]);

/* ---- inside core only ---- */

/* Seal n text fields as one value bound to table, body column, row id
 * and patient id (demo key, padded). *out malloc'd. */
status_t rights_seal(session_t *s, const char *table, const char *row_id, const char *pid,
		     const char *const *f, int n, unsigned char **out, size_t *out_len, msg_t *m);
/* Open such a value into n malloc'd strings (wipe with rights_fields_free). */
status_t rights_open(session_t *s, const char *table, const char *row_id, const char *pid,
		     const unsigned char *blob, size_t len, char **f, int n, msg_t *m);
void rights_fields_free(char **f, int n);

#define RIGHTS_MAC_LEN 34 /* format byte, demo key version, 32 bytes */
/* A row MAC over the length-prefixed fields data/len (the caller puts a
 * label, the table, the row id and the patient id first). */
status_t rights_mac(session_t *s, const void *data, size_t len, unsigned char out[RIGHTS_MAC_LEN],
		    msg_t *m);
/* STATUS_INTEGRITY ("Integrity check failed: TABLE record N ...") unless
 * stored is the MAC of data under the version it names. */
status_t rights_mac_check(session_t *s, const void *data, size_t len, const unsigned char *stored,
			  size_t stored_len, const char *table, int64_t n, msg_t *m);

#endif
