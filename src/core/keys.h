/* keys.h - who holds which domain key, following the permission matrix in
 * force (defaults, the system file, the database's policy).
 *
 * A role needs the keys of its actions (perm_role_domains). A user can
 * only hand on a key they hold: an administrator wraps for a new account
 * the keys the administrator holds (the audit and demographic keys), and
 * the others (the clinical key) become a need. At the sign-on of any user
 * who holds a needed key it is sealed to the needy account's public key (a
 * key_grants row, taken in at that account's next sign-on), audited with
 * both names, after the account's record passes its integrity check. The
 * recovery key can do the same ('chartroom recover').
 *
 * A wrap its holder's role no longer needs is deleted at their sign-on,
 * audited, once another enabled account holds that key; until then it
 * stays, so a key is never left to the recovery key alone. That is how
 * the first administrator, who holds every key after init, hands the
 * clinical key to the first clinical account and then loses it. */
#ifndef CHARTROOM_KEYS_H
#define CHARTROOM_KEYS_H

#include "base/status.h"
#include "core/session.h"

/* An account whose role needs keys it holds neither wrapped nor granted:
 * `missing` is a DOMAIN_BIT mask. */
typedef struct keys_need {
	char user[72];
	char role[24];
	unsigned missing;
} keys_need_t;

/* Call fn for every enabled account with missing keys. Requires
 * ACT_USER_MANAGE. */
status_t keys_needs(session_t *s, int (*fn)(const keys_need_t *n, void *arg), void *arg,
		    msg_t *m);

/* Grant the keys this session holds to every account that needs them,
 * now (each sign-on does this too). *granted counts the grants made.
 * Audited. Any signed-on user. */
status_t keys_grant_now(session_t *s, int *granted, msg_t *m);

#endif
