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
#include "db/db_audit.h"
#include "db/db_journal.h"
#include "db/db_users.h"

struct clinic {
	db_t *db;
	/* The configuration in force: `eff` once opened (trusted plus the
	 * database's verified policy, refreshed at each sign-on and unlock),
	 * `trusted` itself during init. */
	const config_t *cfg;
	const config_t *trusted; /* defaults and the system file, the caller's */
	config_t *eff;           /* owned; NULL during init */
	char name[128];
	/* Every chart row is sealed (core/integrity.h): a row without a MAC,
	 * or a ciphertext of the older form, is an integrity error. 0 while
	 * an old database still has rows to re-seal (core/reseal.h). */
	int sealed;
	/* The search index still has rows of generation 1 to re-make
	 * (core/reindex.h): read at open, cleared once seen done. */
	int reindexing;
	/* Patients from before migration 011 have no name order rank yet
	 * (core/porder.h): read at open, cleared once seen done. */
	int rank_pending;
	/* Events this process could not write to the audit journal when they
	 * happened: kept, with their ids, and sent again before the next one,
	 * chained by the next write of this process, or sent at close. */
	db_jevent_t *unsent;
	int nunsent, unsent_cap;
};

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
	/* This session's id in the audit journal (its searches are grouped
	 * by it), and the transaction the journal was last chained in. */
	char sid[CRYPTO_ID_HEX + 1];
	unsigned long chained_txn;
	/* The account's secret key (guarded memory; NULL in sessions made
	 * without a password: init, recovery), kept from sign-on to lock or
	 * sign-off so that a key version granted while the session is open (a
	 * rotation, core/rotate.h) can be taken in without the password. */
	secret_t sk;
	/* meta key_epoch as of this session's keys: a rotation moves it
	 * (session_keys_fresh). */
	long long key_epoch;
	/* The keys were found fresh inside the snapshot of the read now ending
	 * (session_require_reading): its audit event (audit_note) need not look
	 * again. Cleared by the event. A rotation that retires the audit key
	 * version meanwhile is still caught, under the journal's lock. */
	int keys_checked;
	/* Confidential charts this session opened by break-the-glass: their
	 * clinical sections are open to it until sign-off. */
	int nbtg;
	int64_t btg[32];
};

/* How this clinic's ciphertexts are opened: an older-form (format 1) one
 * only while the database is not sealed (core/integrity.h). */
#define CLINIC_OPEN_FLAGS(c) ((c)->sealed ? 0u : CRYPTO_OPEN_LEGACY)

/* Find a patient by id or MRN: row number, id, confidential flag. */
status_t patient_locate(session_t *s, const char *key, int64_t *prow, char id[33],
			int *confidential, msg_t *m);

/* The keyed hash a destruction certificate keeps of a chart's MRN
 * (core/retention.h): a MAC under the demo key's integrity subkey
 * (version; 0 the newest held, *used gets it) with a label of its own,
 * so it is no search token. */
#define PATIENT_DESTROYED_TOKEN_LEN 16
status_t patient_destroyed_token(const keyring_t *kr, int version, const char *mrn,
				 unsigned char out[PATIENT_DESTROYED_TOKEN_LEN], int *used, msg_t *m);

/* An MRN (normalised) no chart has: was its chart destroyed? STATUS_NOTFOUND
 * with "MRN X: this chart was destroyed on DATE (destruction certificate
 * N)." in m, or STATUS_OK (m untouched). */
status_t patient_destroyed_notice(session_t *s, const char *mrn, msg_t *m);

/* May this session see a confidential patient's chart now? (permission,
 * or break-the-glass earlier in this session) */
int session_may_see(session_t *s, int64_t prow, int confidential);
void session_broke_glass(session_t *s, int64_t prow);

/* ---- the audit side journal (core/audit_journal.c) ----
 *
 * An action that changes nothing in the database (a sign-on, a search, a
 * view, a sign-off, an idle lock, a refusal) records its audit event with
 * audit_note: appended, durably, to the journal, whose lock is held only
 * for that append. Every write transaction chains waiting events into the
 * trail before its own entries (audit_append calls audit_chain), each
 * event once: its id goes into audit_events in the same transaction as
 * its trail entry, and the journal row is deleted only when a later chain
 * step finds the id there. README "Many users at once" has the argument. */

/* Record an event for session s (audit key held; outside any
 * transaction). STATUS_OK once it is durable in the journal, or, when
 * there is no journal or it cannot be written, in the trail itself (a
 * write of its own, waiting in line). If neither can be written: with
 * `keep`, the event is kept by the clinic and sent or chained later (an
 * idle lock or a sign-off goes ahead whatever the disk says), and the
 * failure is still returned; without it, nothing is kept and the caller
 * must not go ahead (a search shows nothing). */
status_t audit_note(session_t *s, const char *action, const char *target, const char *outcome,
		    const char *detail, int keep, msg_t *m);

/* audit_note for an event that lists patients (a search): the row
 * numbers of the n patients shown (n <= DB_JOURNAL_LISTED_MAX), covered
 * by the event's MAC and, once chained, by the trail entry's (audit.listed),
 * and indexed by patient in audit_listed (migration 019). */
status_t audit_note_listed(session_t *s, const char *action, const char *target,
			   const char *outcome, const char *detail, const int64_t *listed, int n,
			   int keep, msg_t *m);

/* audit.listed's text: prows sorted ascending, each once, non-positive
 * ones left out, in decimal one space apart, into out. Returns how many,
 * or -1 (out "") when they do not fit or memory ran out. */
int audit_listed_format(const int64_t *prows, int n, char *out, size_t size);
/* The reverse, accepting only that form (one text per set): how many
 * into out (at most max), or -1. */
int audit_listed_parse(const char *text, int64_t *out, int max);

/* audit_append recording the chart head a change left ("SEQ:MACHEX",
 * core/integrity.h) with the change. */
status_t audit_append_head(session_t *s, const char *action, const char *target,
			   const char *outcome, const char *detail, const char *chart_head,
			   msg_t *m);
/* Inside a write transaction: chain the journal's waiting events (and
 * the clinic's unsent ones, and the failed sign-ons in audit_pending)
 * into the trail, once per transaction (later calls in the same one do
 * nothing). Journal trouble leaves the events for a later step and is not
 * an error here; a failure to write the trail is. */
status_t audit_chain(session_t *s, msg_t *m);

/* audit_chain for a retirement of an audit key version (core/rotate.c),
 * under the journal's lock (db_journal_hold) taken after db_begin: every
 * event the journal holds, in one step whatever their number, so that
 * none made under the version being retired is left behind. */
status_t audit_chain_all(session_t *s, msg_t *m);

/* Append a filled row to the chain (seq, MAC and key version set here);
 * detail is the plaintext, encrypted here. Inside a transaction. */
status_t audit_chain_row(session_t *s, db_audit_row_t *r, const char *detail, msg_t *m);

/* Check the MAC of every event still in the journal (read only): *ok and
 * *bad counted. For audit verify when the events could not be chained. */
status_t audit_journal_check(session_t *s, int64_t *ok, int64_t *bad, msg_t *m);

/* While the database cannot be written: record the audit row r (its
 * detail in plaintext) as an event in the journal, held until the
 * transaction commits (audit_append does this through chain_row). */
status_t audit_journal_row(session_t *s, const db_audit_row_t *r, const char *detail, msg_t *m);
/* The same for a pending row (no key holder: a failed sign-on). */
status_t audit_journal_pending(clinic_t *c, const db_audit_row_t *r, msg_t *m);

/* At clinic_close: send what is unsent, forget it. */
void audit_journal_close(clinic_t *c);
/* Send the clinic's unsent events to the journal. STATUS_CONFLICT when
 * some were made under an audit key version retired since (a rotation,
 * core/rotate.h), which the journal refuses: they stay with the clinic
 * for a chain step of this process (audit_chain_kept) to take from
 * memory; the others are sent. */
status_t audit_resend(clinic_t *c, msg_t *m);
/* Chain the clinic's unsent events into the trail now, through s, in a
 * write of its own (nothing if s cannot write: locked, no audit key, a
 * read-only database, inside a transaction). */
void audit_chain_kept(session_t *s);

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

/* The audit chain's first bad entry (*bad_seq 0 if none) and why, with
 * no permission check: for explaining another integrity failure. */
status_t audit_chain_check(session_t *s, int64_t *bad_seq, char *why, size_t size, msg_t *m);

/* Chain all pending events (inside a transaction; audit_chain does). */
status_t audit_drain_pending(session_t *s, msg_t *m);

/* Recompute the audit chain of db (the clinic's, or a copy of it) with
 * s's audit key, as audit_verify does, without its permission check. */
status_t audit_verify_db(session_t *s, db_t *db, const char *anchor, int64_t *count,
			 int64_t *bad_seq, msg_t *m);

/* The last entry of db's chain as "SEQ:MACHEX" (buf >= 80 bytes), "0:00..."
 * when empty; nothing is written. */
status_t audit_last_anchor(db_t *db, char *buf, size_t size, msg_t *m);

/* Publish the clin key's public sealing half (meta clin_seal_pk) if this
 * session holds the clin key and it is not there yet (inside a
 * transaction). */
status_t clinical_publish_seal_key(session_t *s, msg_t *m);
/* Write the clin key's public sealing half of key version `version` to
 * meta (a rotation, at its start). */
status_t clinical_seal_key_write(db_t *db, const unsigned char pk[32], int version, msg_t *m);

/* Bring the session's keys up to date when a key rotation started or
 * ended since they were loaded (meta key_epoch moved): key versions
 * granted to the account since are taken in (with the account's secret
 * key), the keys kept under others reloaded, retired versions wiped.
 * *stale (may be NULL) is set when the session could not take in the
 * newest version of a key it holds, and, called inside a transaction,
 * when a version it was writing with is retired now (what it wrote in
 * that transaction must not be kept). Cheap when nothing changed (one
 * read). */
status_t session_keys_fresh(session_t *s, int *stale, msg_t *m);

/* The clinic-wide counter a key rotation moves at its start and end
 * (meta key_epoch, 0 when absent), and moving it (inside a transaction). */
status_t session_key_epoch(db_t *db, long long *epoch, msg_t *m);
status_t session_key_epoch_bump(db_t *db, long long *epoch, msg_t *m);

/* Check the signed-on user's password again (as before a password
 * change). A wrong one counts towards lockout. */
status_t session_verify_password(session_t *s, const char *password, msg_t *m);

/* ---- policy.c ---- */

/* Verify the database's policy with the session's audit key and apply it
 * over the trusted configuration into the clinic's configuration in force
 * (sealing a database that was never sealed: init, or the first sign-on
 * after the upgrade). STATUS_INTEGRITY when anything fails its check.
 * Inside a transaction. */
status_t policy_load(session_t *s, msg_t *m);
/* The same without writing unless may_seal: a policy never sealed sets
 * *needs_seal and leaves the trusted configuration in force. In a read
 * snapshot or a transaction. */
status_t policy_load_read(session_t *s, int may_seal, int *needs_seal, msg_t *m);

/* Verify the database's policy with the session's (newest) audit key,
 * without applying it; and recompute every policy MAC with it (an audit
 * key rotation, after policy_check passed under the older key). */
status_t policy_check(session_t *s, msg_t *m);
status_t policy_remac(session_t *s, msg_t *m);

/* Seal a database's (empty) policy and every account row without a MAC;
 * audited. Inside a transaction. */
status_t policy_seal_new(session_t *s, msg_t *m);

/* The lockout threshold before anyone has signed on (nothing can check
 * the policy's MACs yet): the database's value only where it is lower. */
int policy_lockout_before_signon(clinic_t *c);

/* ---- users.c: the MAC over an account's id, name, role, disabled flag
 * and public key (a subkey of the audit key) ---- */

status_t users_row_mac(const keyring_t *kr, const db_user_t *u, unsigned char mac[32], msg_t *m);
/* STATUS_INTEGRITY, naming the account, unless u's MAC matches. */
status_t users_row_check(const keyring_t *kr, const db_user_t *u, msg_t *m);
/* Recompute and store the MAC of account user_id as it is in the
 * database now (inside the transaction that changed it). */
status_t users_row_seal(clinic_t *c, const keyring_t *kr, const char *user_id, msg_t *m);

/* Right after a sign-on committed (the grants taken in, the policy in
 * force): if the policy's Argon2id cost ([security] argon2_passes,
 * argon2_memory_mib) is above the account's, derive a new KEK with the
 * higher cost and a fresh salt from the password (outside any
 * transaction), then in a transaction of its own re-wrap the account's
 * secret key and every key it holds under it; audited "kdf_upgrade".
 * Nothing happens if the password changed meanwhile. *upgraded says
 * whether it did. */
status_t users_kdf_upgrade(session_t *s, const char *password, const unsigned char *old_kek,
			   const unsigned char *sk, int *upgraded, msg_t *m);

/* ---- keys.c ---- */

/* Which keys an account holds, wrapped and granted (DOMAIN_BIT masks). */
status_t keys_held(db_t *db, const char *user_id, unsigned *wrapped, unsigned *granted,
		   msg_t *m);

/* After the policy is loaded (inside the transaction): grant what this
 * session holds to accounts that need it, drop this account's wraps its
 * role does not need where others hold them; at sign-on also reduce the
 * session's keyring to what the role needs (and keys only it holds). */
status_t keys_settle(session_t *s, int at_signon, msg_t *m);
/* keys_settle at sign-on without writing (a sign-on that only reads):
 * the keyring reduced as it would be; *writes set when a grant or a drop
 * is due (the caller then takes the path that writes). */
status_t keys_settle_read(session_t *s, int *writes, msg_t *m);

/* Versions of one domain's key looked at: every one a domain can have
 * (versions are 1 to 255, never reused). Two are active while a key is
 * rotated, but every retired audit version is kept (to verify the entries
 * made with it), one more per rotation of the audit key, and none of them
 * may be dropped by a cap. */
#define KEYS_VERSIONS_MAX 256

/* The holder name of keys kept under version `version` of d
 * (crypto_wrap_under): "demo:2". */
void keys_under_holder(domain_t d, int version, char out[40]);

/* Active (not retired) versions of d, newest first (at most max); -1 on
 * a database error (m says). keys_wrappable: those of them kr holds, the
 * versions a holder hands on. */
int keys_versions_active(db_t *db, domain_t d, int *out, int max, msg_t *m);
int keys_wrappable(db_t *db, const keyring_t *kr, domain_t d, int *out, int max, msg_t *m);

/* Seal version `version` of d (which kr holds) to account u's public key
 * as a grant (taken in at u's next sign-on). Not audited here. */
status_t keys_grant_one(db_t *db, const keyring_t *kr, const db_user_t *u, domain_t d,
			int version, msg_t *m);

/* With the domain keys in kr, load the keys kept under them: each version
 * of the blind-index key (wrapped under the demo key; version 0, the demo
 * key itself, in a database from before the index key or until its first
 * rotation ends) and the retired audit keys (wrapped under the current
 * audit key, to verify the entries made with them). */
status_t keys_load_derived(db_t *db, keyring_t *kr, msg_t *m);

/* Wipe from kr every version the database has retired (but audit ones). */
status_t keys_drop_retired(db_t *db, keyring_t *kr, msg_t *m);

/* ---- clinic.c ---- */

/* The recovery key's public half, vouched for by each active key version
 * kr holds (a key_wraps row 'recovery-pk' per domain and version), so that
 * a rotation can seal a new version to it (recovery_seal). */
status_t recovery_publish(db_t *db, const keyring_t *kr, const unsigned char *rk, msg_t *m);
/* Seal version new_version of d (in kr) to the recovery key's public half
 * as vouched for by version trusted_version of d (which kr holds), and
 * vouch for it under the new version too. STATUS_NOTFOUND when the
 * database has none (made before rotation: the recovery key itself is
 * needed once), STATUS_INTEGRITY when the stored half fails its tag. */
status_t recovery_seal(db_t *db, const keyring_t *kr, domain_t d, int trusted_version,
		       int new_version, msg_t *m);
/* Wrap every active key version kr holds under the recovery key rk, and
 * publish its public half (recovery_publish). */
status_t recovery_wrap_all(db_t *db, const keyring_t *kr, const unsigned char *rk, msg_t *m);

/* Create version `version` of the blind-index key (random), record it,
 * keep it wrapped under each demo version kr holds, and put it in kr. */
status_t index_key_create(db_t *db, keyring_t *kr, int version, const char *when, msg_t *m);

/* The keys the recovery key unlocks (all of them, every version, and the
 * keys kept under them), in a new keyring the caller frees. STATUS_AUTH
 * for a wrong recovery key. */
status_t clinic_recovery_keyring(clinic_t *c, const char *recovery_text, keyring_t **out,
				 msg_t *m);

#endif
