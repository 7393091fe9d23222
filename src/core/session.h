/* session.h - who is acting: sign-on, idle lock and unlock, sign-off, and
 * the permission check every core entry point makes.
 *
 * A session holds the user's domain keys in guarded memory; they are wiped
 * on lock and logout. session_t is opaque. */
#ifndef CHARTROOM_SESSION_H
#define CHARTROOM_SESSION_H

#include "base/status.h"
#include "core/clinic.h"
#include "core/perm.h"

typedef struct session session_t;

/* What the sign-on banner shows (VistA style). */
typedef struct login_info {
	char last_login[24];    /* UTC "YYYY-MM-DDTHH:MM:SSZ", "" if first */
	char last_from[64];     /* where from, "" if first */
	int failures_since;     /* failed attempts since that last sign-on */
} login_info_t;

/* The one answer to every refused sign-on: wrong password, unknown name,
 * locked or disabled account (NIST SP 800-63B: the reason is not told to
 * whoever is signing on; it is in the audit trail). */
#define SESSION_SIGNON_FAILED                                                                  \
	"Sign-on failed. Check the user name and password, or ask an administrator."

/* Sign on. On a database that cannot be written (a full disk, a
 * read-only file), the session is read-only: its sign-on and what it
 * reads are recorded in the audit journal; where there is none, only
 * roles holding audit_verify sign on (unaudited, session_unaudited) and
 * the others get STATUS_READONLY with the reason.
 * A wrong name, a wrong password, a locked and a disabled
 * account all return STATUS_AUTH with SESSION_SIGNON_FAILED, after the
 * same Argon2id work (the account's own parameters, or the configured
 * ones for an unknown name); the precise reason is audited. Wrong
 * passwords count towards lockout. On success *out is owned by the caller
 * (session_logout) and info is filled: the last sign-on, and the exact
 * number of failed attempts (wrong passwords, refusals of a locked or
 * disabled account, wrong passwords at the lock screen) since it. */
status_t session_login(clinic_t *c, const char *name, const char *password, session_t **out,
		       login_info_t *info, msg_t *m);

/* Idle lock: audit it, wipe the keys. The session stays, locked. */
status_t session_lock(session_t *s, msg_t *m);
/* Unlock with the same user's password, after the same key derivation as
 * a sign-on. A wrong password counts as a failed sign-on: STATUS_AUTH, or
 * STATUS_ACCOUNT_LOCKED when it locked the account; an account locked or
 * disabled meanwhile gives STATUS_ACCOUNT_LOCKED / _DISABLED. Every
 * refusal carries SESSION_SIGNON_FAILED. */
status_t session_unlock(session_t *s, const char *password, msg_t *m);
int session_is_locked(const session_t *s);
/* The signed-on user's password typed again before an act that needs it
 * (signing a note under [clinical] sign_password): the full key
 * derivation; a wrong one counts as a failed sign-on (STATUS_AUTH, or
 * STATUS_ACCOUNT_LOCKED when it locked the account). Changes nothing in
 * the session. */
status_t session_confirm_password(session_t *s, const char *password, msg_t *m);

/* Sign off: audit, wipe keys, free. NULL allowed. */
void session_logout(session_t *s);

const char *session_user_name(const session_t *s);
role_t session_role(const session_t *s);
clinic_t *session_clinic(const session_t *s);

/* The user has paused (the screen calls this after a second or two
 * without a key): write what waits for the audit trail (events this
 * process could not write when they happened, e.g. on a full disk).
 * Searches, sign-ons and views are in the audit journal before their
 * results are shown; nothing else is held in memory. */
status_t session_idle(session_t *s, msg_t *m);

/* May this session do action a now? A pure question for drawing menus; it
 * writes nothing. On a read-only database only the actions that read
 * (core/degrade.h) are possible. */
int session_can(const session_t *s, action_t a);

/* Why the database cannot be written ("the disk is full", "file mode",
 * "read-only file system", "read-only directory", "read-only copy"), or
 * NULL when it can. Screens show "READ-ONLY: <this>". */
const char *session_readonly(const session_t *s);

/* 1 if nothing this session does is recorded: a read-only database with
 * no audit journal that can be written, where only roles holding
 * audit_verify may sign on (README "When the disk is full or the database
 * is read-only"). */
int session_unaudited(const session_t *s);

/* The check every core entry point makes: STATUS_OK, or STATUS_DENIED
 * with a message (and the refusal audited), or, for an action that
 * changes something on a read-only database, STATUS_READONLY with "The
 * disk is full: the note was not saved; nothing was lost." (not audited:
 * nothing was refused to the person). Call outside a transaction. */
status_t session_require(session_t *s, action_t a, msg_t *m);

/* session_require for a caller holding a read snapshot (db_read_begin,
 * *reading as it set it): the same check, made by reading only, so a hot
 * path such as search takes the database's locks once. When the check
 * fails the snapshot is ended (*reading = 0) and session_require runs, so
 * the refusal is audited and the session locked as usual. */
status_t session_require_reading(session_t *s, action_t a, int *reading, msg_t *m);

#endif
