/* internal.h - what core's modules share among themselves and never show
 * the UI: the clinic and session structs, the database handle, and helpers
 * for timestamps, provenance and credentials. */
#ifndef CHARTROOM_CORE_INTERNAL_H
#define CHARTROOM_CORE_INTERNAL_H

#include <time.h>

#include "core/clinic.h"
#include "core/crypto.h"
#include "core/session.h"
#include "db/db.h"
#include "db/db_users.h"

struct clinic {
	db_t *db;
	const config_t *cfg;
	char name[128];
};

/* Searches noted before they must be written out. The screen writes them
 * whenever the user pauses (session_idle), so this bounds memory and what a
 * scripted lookup loop holds; it is not how long a typing clerk waits. */
#define SESSION_SEARCH_LOG 512
/* ... and the longest the oldest of them waits, in seconds, when no
 * pause comes (a script): the next search writes them. */
#define SESSION_SEARCH_WAIT 30

struct session {
	clinic_t *c;
	db_user_t user; /* as read at sign-on (no secrets in it) */
	role_t role;
	keyring_t *kr;
	int locked;
	/* Signed on to a read-only database with nowhere to record what it
	 * does (session_unaudited): its audit entries are dropped. */
	int unaudited;
	/* Unix user and source of this process, read once at sign-on: every
	 * audit entry carries them, and they cannot change while it runs. */
	char os_user[40];
	char source[72];
	/* Searches not yet in the audit trail: what kind and the blind token
	 * (never the text). Written with the next audited action, when the
	 * user pauses, at lock and sign-off, or when the log fills. */
	int nsearch;
	time_t search_since; /* when the oldest of them was noted */
	int flushing;
	struct {
		char what[24];
		int64_t tok;
	} searches[SESSION_SEARCH_LOG];
	/* Confidential charts this session opened by break-the-glass: their
	 * clinical sections are open to it until sign-off. */
	int nbtg;
	int64_t btg[32];
};

/* Find a patient by id or MRN: row number, id, confidential flag. */
status_t patient_locate(session_t *s, const char *key, int64_t *prow, char id[33],
			int *confidential, msg_t *m);

/* May this session see a confidential patient's chart now? (permission,
 * or break-the-glass earlier in this session) */
int session_may_see(session_t *s, int64_t prow, int confidential);
void session_broke_glass(session_t *s, int64_t prow);

/* Before a search: make room in the search log, writing it out if it is
 * full. A failure means the search must not run (it could not be
 * audited). Call outside any transaction. */
status_t session_search_room(session_t *s, msg_t *m);

/* Note a search for the audit trail (see struct session); after
 * session_search_room. */
void session_note_search(session_t *s, const char *what, int64_t tok);

/* Write the noted searches as one audit entry (inside a transaction). */
status_t audit_flush_searches(session_t *s, msg_t *m);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ". */
void core_now(char buf[24]);

/* Unix user and SSH source ("local" when not over SSH) of this process. */
void core_provenance(char os_user[40], char source[72]);

/* Build a session for a user whose keys are already in kr (taken). */
status_t session_new_internal(clinic_t *c, const db_user_t *u, keyring_t *kr, session_t **out,
			      msg_t *m);

/* Give user u a new password: fresh salt, cost and key pair, the secret key
 * wrapped under the new KEK, and a wrap of every domain in `domains` taken
 * from kr (which must hold them). Replaces all the user's wraps and
 * grants. Writes u's credential fields and the wraps; call inside a
 * transaction after the user row exists (or before db_user_insert, with
 * insert_row set, which inserts it). */
status_t users_set_credentials(clinic_t *c, db_user_t *u, const char *password,
			       const keyring_t *kr, unsigned domains, int insert_row, msg_t *m);

/* Record an event no key holder can chain yet (failed sign-on, lockout). */
status_t audit_pending(clinic_t *c, const char *user_id, const char *user_name,
		       const char *action, const char *outcome, msg_t *m);

/* Chain all pending events (inside a transaction). */
status_t audit_drain_pending(session_t *s, msg_t *m);

/* Recompute the audit chain of db (the clinic's, or a copy of it) with
 * s's audit key, as audit_verify does, without its permission check. */
status_t audit_verify_db(session_t *s, db_t *db, const char *anchor, int64_t *count,
			 int64_t *bad_seq, msg_t *m);

/* The last entry of db's chain as "SEQ:MACHEX" (buf >= 80 bytes), "0:00..."
 * when empty; nothing is written. */
status_t audit_last_anchor(db_t *db, char *buf, size_t size, msg_t *m);

/* Chain what the audit journal holds from a read-only spell (inside the
 * sign-on's write transaction, after audit_drain_pending; exactly once,
 * db/db_journal.h). */
status_t audit_drain_journal(session_t *s, msg_t *m);

/* Publish the clin key's public sealing half (meta clin_seal_pk) if this
 * session holds the clin key and it is not there yet (inside a
 * transaction). */
status_t clinical_publish_seal_key(session_t *s, msg_t *m);

/* Check the signed-on user's password again (as before a password
 * change). A wrong one counts towards lockout. */
status_t session_verify_password(session_t *s, const char *password, msg_t *m);

#endif
