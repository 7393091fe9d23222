/* status.h - the one status enum of Chartroom and the message buffer that
 * carries a user-readable explanation next to it.
 *
 * Every core and db function returns a status_t and, on failure, fills a
 * msg_t with a sentence a clinic's staff can act on. Messages never hold
 * PHI, keys or passwords. */
#ifndef CHARTROOM_STATUS_H
#define CHARTROOM_STATUS_H

#include <stddef.h>

/* X(ID, exit code, short text). Exit codes are the command line's:
 * 0 ok, 1 error, 2 usage, 3 authentication failed, 4 permission denied,
 * 5 integrity failure. */
#define STATUS_CODES(X)                                        \
	X(OK, 0, "ok")                                         \
	X(ERR, 1, "error")                                     \
	X(NOMEM, 1, "out of memory")                           \
	X(USAGE, 2, "usage error")                             \
	X(INVALID, 1, "invalid input")                         \
	X(CONFIG, 1, "configuration error")                    \
	X(DB, 1, "database error")                             \
	X(BUSY, 1, "waited too long for another change")       \
	X(READONLY, 1, "database read-only")                   \
	X(SCHEMA, 1, "database schema not supported")          \
	X(EXISTS, 1, "already exists")                         \
	X(NOTFOUND, 1, "not found")                            \
	X(CONFLICT, 1, "changed by someone else")              \
	X(CRYPTO, 1, "cryptography error")                     \
	X(AUTH, 3, "authentication failed")                    \
	X(ACCOUNT_LOCKED, 3, "account locked")                 \
	X(ACCOUNT_DISABLED, 3, "account disabled")             \
	X(DENIED, 4, "permission denied")                      \
	X(BTG_REQUIRED, 4, "break-the-glass reason required")  \
	X(INTEGRITY, 5, "integrity failure")

typedef enum {
#define STATUS_ENUM(id, code, text) STATUS_##id,
	STATUS_CODES(STATUS_ENUM)
#undef STATUS_ENUM
	STATUS_COUNT
} status_t;

/* A message for the user. Long enough for any sentence we write; a longer
 * one is cut at a character boundary with "..." so the cut is visible. */
typedef struct msg {
	char text[512];
} msg_t;

/* Short English text of a status ("permission denied"). Never NULL. */
const char *status_str(status_t st);

/* The command-line exit code for a status (see README "Exit codes"). */
int status_exit_code(status_t st);

/* Set the message (printf-style). NULL m is allowed and ignored. */
void msg_set(msg_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set the message and return st: `return msg_fail(m, STATUS_INVALID, ...)`. */
status_t msg_fail(msg_t *m, status_t st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clear the message. */
void msg_clear(msg_t *m);

#endif
