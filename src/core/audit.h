/* audit.h - the tamper-evident audit chain (SECURITY.md "Audit trail").
 *
 * audit_append is called by core inside the same transaction as the change
 * it records. Actions that change nothing (sign-on, searches, views,
 * sign-off, idle lock, refusals) write their events to the audit journal
 * beside the database instead, without its write lock; events that happen
 * with no key holder signed on (failed sign-ons, lockouts) go to a pending
 * table. Both are chained into the trail by the next write transaction,
 * each exactly once (core/internal.h, README "Many users at once"). */
#ifndef CHARTROOM_AUDIT_H
#define CHARTROOM_AUDIT_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

/* One audit entry as shown to a reviewer (detail decrypted). */
typedef struct audit_entry {
	int64_t seq;
	char ts[24];
	char user_name[72];
	char os_user[40];
	char source[72];
	char action[40];
	char target[72];
	char outcome[24];
	char detail[512];
} audit_entry_t;

/* The action of the entry that ends a key rotation (target: the domain).
 * For the audit key it is also where the chain's verification stops
 * accepting the retired version (core/rotate.h). */
#define AUDIT_KEY_RETIRED "key_rotate_done"

/* Append an entry for session s (must hold the audit key; call inside a
 * transaction). detail may be NULL; it is stored encrypted. */
status_t audit_append(session_t *s, const char *action, const char *target,
		      const char *outcome, const char *detail, msg_t *m);

/* Chain every event waiting in the journal and the pending table into
 * the trail now, in transactions of their own (waits in line for the
 * write lock). STATUS_OK when nothing is left waiting. audit_verify,
 * audit_list and audit_anchor do this first; so should a backup. */
status_t audit_flush(session_t *s, msg_t *m);

/* The events waiting in the audit journal of the database at db_path
 * (read without opening the database; a test and inspection aid):
 * fn(event id, action, user name, flags of db/db_journal.h, arg) for
 * each, oldest first. STATUS_NOTFOUND when there is no journal. */
status_t audit_journal_scan(const char *db_path,
			    int (*fn)(const char *event_id, const char *action,
				      const char *user_name, int flags, void *arg),
			    void *arg, msg_t *m);

/* Recompute the chain (after audit_flush; if that fails, the events left
 * in the journal have their MACs checked and are counted in the message).
 * STATUS_OK with *count entries, or STATUS_INTEGRITY
 * with *bad_seq the first bad sequence number and a message naming it.
 * With anchor ("SEQ:MACHEX" from audit_anchor), also check the chain
 * still contains that entry unchanged (detects truncation and restored old
 * copies). Requires ACT_AUDIT_VERIFY. */
status_t audit_verify(session_t *s, const char *anchor, int64_t *count, int64_t *bad_seq,
		      msg_t *m);

/* The latest entry as "SEQ:MACHEX" (buf >= 80 bytes). Requires
 * ACT_AUDIT_VERIFY; the request itself is audited first. */
status_t audit_anchor(session_t *s, char *buf, size_t size, msg_t *m);

/* Filters for audit_list. Empty or NULL fields mean any. */
typedef struct audit_query {
	const char *user_name;
	const char *since; /* YYYY-MM-DD */
	const char *target;
	int64_t limit;
	int newest_first;
} audit_query_t;

/* Call fn for each matching entry. Requires ACT_AUDIT_VIEW; the review is
 * itself audited. */
status_t audit_list(session_t *s, const audit_query_t *q,
		    int (*fn)(const audit_entry_t *e, void *arg), void *arg, msg_t *m);

#endif
