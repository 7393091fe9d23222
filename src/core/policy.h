/* policy.h - the clinic's policy kept in its database: the permission
 * matrix and the policy settings ([security], [mrn], [matching],
 * [clinical], [codes]) an administrator changes through the app.
 *
 * Precedence: compiled-in defaults < the root-owned system file < the
 * database (what an administrator chose in the app wins; the file is how a
 * machine's owner sets a clinic up before anyone signs on). A user's own
 * configuration file never sets policy (core/config.h).
 *
 * Every row carries a keyed MAC (a subkey of the audit key, which every
 * signed-on role holds) over its key, value, author and time; a seal row
 * covers the set and names the audit entry of the last change. The policy
 * is verified at every sign-on and unlock before it is applied: a row
 * edited, added, deleted or replayed outside the app is STATUS_INTEGRITY,
 * and nobody can sign on until it is repaired (policy_reset_recovery).
 * Every change is audited in the same transaction. */
#ifndef CHARTROOM_POLICY_H
#define CHARTROOM_POLICY_H

#include "base/status.h"
#include "core/clinic.h"
#include "core/session.h"

/* Change one policy setting, "security.idle_lock_seconds" (the section
 * and key of the configuration, '.' or ':' between them), to value, with
 * the same checks as a configuration file (ranges, security floors).
 * value NULL removes the database's setting, so the system file's or the
 * default applies again. Requires ACT_POLICY_MANAGE; audited. */
status_t policy_set(session_t *s, const char *key, const char *value, msg_t *m);

/* Change what a role may do: "+a -b" relative to what it may do now, a
 * list of action names (replaces), or "none". NULL removes the database's
 * setting for the role. Refused if no role would keep user_manage or
 * policy_manage (nobody could administer the clinic). Requires
 * ACT_POLICY_MANAGE; audited with what was added and taken away. */
status_t policy_role_set(session_t *s, const char *role, const char *list, msg_t *m);

/* Repair a damaged policy with the recovery key (the only way in when
 * every sign-on is refused because the policy fails its check): remove
 * every database policy row, seal the empty set, and audit it as the
 * administrator admin_name. The system file and defaults apply again;
 * the rows removed are listed in the audit entry. */
status_t policy_reset_recovery(clinic_t *c, const char *recovery_text, const char *admin_name,
			       msg_t *m);

#endif
