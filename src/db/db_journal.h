/* db_journal.h - the audit journal: one file beside the database,
 * PATH.audit-journal, where audit events wait to be chained into the
 * audit trail. Two kinds of writer use it, in one format:
 *
 *  - reads (sign-on, searches, chart views, sign-off, idle lock,
 *    refusals) append their events without the database's write lock, so
 *    they never wait behind a writer (core/audit_journal.c);
 *  - while the database cannot be written (a full disk, a read-only file:
 *    db.h), every audit event goes here, the failed sign-ons too.
 *
 * Every event carries a random id. Core chains waiting events into the
 * trail inside a write transaction on the database and records each id
 * in audit_events (migration 009) in that same transaction; an event
 * whose id is there already is never chained again, and only then is it
 * removed from the journal (a later chain step trims it). So an event is
 * in the trail exactly once, whatever crashes in between.
 *
 * The file is made when the database is opened (inside db_open's raised
 * window in shared mode: the group's, mode 0660) with 1 MiB reserved by
 * posix_fallocate, so it can still be written when the disk has filled
 * up; it grows while there is room and shrinks back to the reserve when
 * emptied. Layout: two header slots (in different 512-byte sectors, each
 * with a counter and a checksum: a torn header write leaves the other),
 * then records (a 32-bit length, a 32-bit checksum, the payload). An
 * append writes and syncs its records first, then the header that
 * includes them, under flock(2); a crash in between leaves the journal as
 * it was. The MACs and the encryption of the detail are core's. */
#ifndef CHARTROOM_DB_JOURNAL_H
#define CHARTROOM_DB_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "db/db.h"
#include "db/db_audit.h"

/* The encrypted detail an event may carry. */
#define DB_JOURNAL_DETAIL_MAX DB_AUDIT_DETAIL_MAX
/* Space reserved when the journal is made (the disk-full reserve). */
#define DB_JOURNAL_RESERVE (1024 * 1024)

/* Patients one event may record as listed (a search's page; a longer
 * list goes in several events: core/patient_search.c). */
#define DB_JOURNAL_LISTED_MAX 200

/* Event flags. */
#define DB_JEV_PENDING 1  /* no key holder present (a failed sign-on): no MAC */
#define DB_JEV_READONLY 2 /* recorded while the database could not be written */

typedef struct db_jevent {
	char event_id[33];
	char session_id[33];
	char ts[24];
	char user_id[40];
	char user_name[72];
	char os_user[40];
	char source[72];
	char action[40];
	char target[72];
	char outcome[24];
	unsigned char detail[DB_JOURNAL_DETAIL_MAX];
	size_t detail_len;
	int has_detail;
	int key_version;
	int flags;
	unsigned char mac[DB_AUDIT_MAC_LEN];
	size_t mac_len;
	/* The row numbers of the patients a search listed (covered by the
	 * MAC; records with any are written in the journal's format 2). */
	int64_t listed[DB_JOURNAL_LISTED_MAX];
	int nlisted;
} db_jevent_t;

/* The journal's path for a database path (buf >= PATH_MAX + 16). */
void db_journal_path(const char *db_path, char *buf, size_t size);

/* 1 if events can be recorded in the journal now: it is open and has
 * room for a sign-on and some reading after it. */
int db_journal_ready(db_t *db);

/* journal_sync (config.h): full (1, the default) syncs each append and its
 * header before returning; 0 writes them unsynced (they survive a crash of
 * the process, not of the machine). Trims and chaining always sync. */
void db_journal_set_sync(db_t *db, int full);

/* Record an event. Outside a transaction: appended and synced before
 * this returns. Inside one (db_begin): held until db_commit writes it
 * (and syncs it) or db_rollback drops it, so only what happened is
 * recorded. STATUS_READONLY when there is no journal, it is full, or it
 * cannot be written (the message says which). STATUS_CONFLICT, nothing
 * written, when an event's key_version is an audit key version the
 * database has retired (domain_keys): checked under the journal's lock,
 * which a retirement holds from chaining what waits to its commit
 * (db_journal_hold), so nothing under a retired version joins the
 * journal after its retirement; the caller makes the event anew under
 * the version in use (core/audit_journal.c). */
status_t db_journal_add(db_t *db, const db_jevent_t *e, msg_t *m);

/* Hold the journal's exclusive lock until db_journal_release (calls nest):
 * nobody else appends or chains meanwhile, and this process's own journal
 * calls go ahead under it. Take it after db_begin (every chain step
 * locks the journal inside its write transaction: the other order could
 * deadlock) and release it after the commit or the rollback. For the
 * retirement of an audit key version (core/rotate.c): taking it moves the
 * header's retirement generation on (synced), which tells every appender
 * that found its key version in use before to look again (db_journal_add
 * reads the database only then). */
status_t db_journal_hold(db_t *db, msg_t *m);
void db_journal_release(db_t *db);

/* Under the journal's lock: call fn for the first `limit` events in the
 * order they were recorded. fn returns 1 when the event is in the trail
 * already (it may be removed), 0 to keep it, -1 to stop with an error
 * (*m set by fn: STATUS_ERR is returned). The events at the start that fn
 * returned 1 for are removed (durably) before this returns, *trimmed
 * saying how many: the first *trimmed events fn returned 1 for; *more is
 * set when events beyond `limit` remain. A damaged record is passed as an event
 * with action "audit_journal_damaged", flag DB_JEV_PENDING and an id
 * derived from its place, and what follows it is read if its length can
 * be trusted. */
status_t db_journal_take(db_t *db, int limit, int (*fn)(const db_jevent_t *e, void *arg),
			 void *arg, int *more, int *trimmed, msg_t *m);

/* Read only: call fn for each event waiting (fn returns non-zero to
 * stop); only those of user_id and action when not NULL; newest first
 * when newest_first. */
status_t db_journal_each(db_t *db, const char *user_id, const char *action, int newest_first,
			 int (*fn)(const db_jevent_t *e, void *arg), void *arg, msg_t *m);

/* The same for the journal of the database at db_path, without opening
 * the database (tests, and tools that inspect a copy). STATUS_NOTFOUND
 * when there is no journal. */
status_t db_journal_scan(const char *db_path, int (*fn)(const db_jevent_t *e, void *arg),
			 void *arg, msg_t *m);

/* Events waiting. */
status_t db_journal_count(db_t *db, int64_t *out, msg_t *m);

/* Why there is no journal to write to ("" when there is one). */
const char *db_journal_why(const db_t *db);

#endif
