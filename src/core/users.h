/* users.h - staff accounts: add, list, disable, enable, unlock, change
 * password, change role. Every call checks the acting session's permission
 * (ACT_USER_MANAGE; a user may change their own password) and is audited.
 * Key wraps follow the role: a user only ever holds the domain keys their
 * role needs. */
#ifndef CHARTROOM_USERS_H
#define CHARTROOM_USERS_H

#include "base/status.h"
#include "core/session.h"

typedef struct user_info {
	char name[72];
	char role[24];
	int disabled;
	int locked;
	int failed_count;
	char last_login[24];
	char last_from[64];
	char created[24];
	unsigned domains; /* DOMAIN_BIT mask of keys wrapped or granted to the user */
	unsigned missing; /* keys the role needs that the user holds in no form yet */
	int damaged;      /* the account record fails its integrity check */
} user_info_t;

/* Is this an acceptable log-in name? (2-32 of a-z 0-9 . _ -, starting
 * with a letter) */
int users_name_valid(const char *name);

/* The password policy for a new password of user `name`: see
 * password_check in core/password.h (the CLI and the screens reach it
 * through this and the calls below). */
status_t users_password_check(const config_t *cfg, const char *name, const char *password,
			      msg_t *m);

status_t users_add(session_t *s, const char *name, const char *role, const char *password,
		   msg_t *m);
status_t users_list(session_t *s, int (*fn)(const user_info_t *u, void *arg), void *arg,
		    msg_t *m);
status_t users_disable(session_t *s, const char *name, msg_t *m);
/* Re-enable with a new password (disabling removed the user's keys). */
status_t users_enable(session_t *s, const char *name, const char *new_password, msg_t *m);
status_t users_unlock(session_t *s, const char *name, msg_t *m);
status_t users_passwd(session_t *s, const char *name, const char *new_password, msg_t *m);
status_t users_set_role(session_t *s, const char *name, const char *role, msg_t *m);
/* Change one's own password, proving the current one first (NIST SP
 * 800-63B). A wrong current password counts towards lockout. */
status_t users_passwd_self(session_t *s, const char *current, const char *new_password,
			   msg_t *m);

#endif
