/* db_journal.h - the audit side journal: a small SQLite database beside
 * the clinic's (PATH-events) where reads that must be audited (sign-on,
 * searches, views, sign-off, idle lock, refusals) append their audit events
 * without the clinic database's write lock. Its own write lock is held for
 * one insert and its commit, so appending never waits behind an import.
 * Core chains the events into the audit trail inside the next write
 * transaction on the clinic database (core/audit.c, README "Many users at
 * once"). The db layer stores and returns rows; MACs and encryption are
 * core's. */
#ifndef CHARTROOM_DB_JOURNAL_H
#define CHARTROOM_DB_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "db/db.h"
#include "db/db_audit.h"

typedef struct db_journal db_journal_t;

/* The encrypted detail a journal event may carry (searches, views). */
#define DB_JOURNAL_DETAIL_MAX 1024

typedef struct db_jevent {
	int64_t id; /* journal order */
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
	unsigned char mac[DB_AUDIT_MAC_LEN];
	size_t mac_len;
} db_jevent_t;

/* Open (creating it if missing) the journal of the clinic database db:
 * the file db_path(db) + "-events", WAL, synchronous FULL (an appended
 * event survives a power cut), the same waiting in line as db. In shared
 * mode it is made like the database (the group, mode 0660) with the group
 * raised for the open only. *out is owned by the caller. */
status_t db_journal_open(db_t *db, db_journal_t **out, msg_t *m);
void db_journal_close(db_journal_t *j);

/* Its path (for messages and tests). */
const char *db_journal_path(const db_journal_t *j);

/* Append one event in a transaction of its own, durable on return. An
 * event whose event_id is already there counts as appended (a retry). */
status_t db_journal_append(db_journal_t *j, const db_jevent_t *e, msg_t *m);

/* Under the journal's write lock: call fn for the first `limit` events in
 * journal order. fn returns 1 to delete the event (it is already in the
 * trail), 0 to keep it, -1 to stop with an error (*m set by fn). The
 * deletions commit before this returns; *more is set when events beyond
 * `limit` remain. */
status_t db_journal_take(db_journal_t *j, int limit, int (*fn)(const db_jevent_t *e, void *arg),
			 void *arg, int *more, msg_t *m);

/* Read-only: call fn for each event (fn returns non-zero to stop); for a
 * user id only (NULL: all), newest first when newest_first. */
status_t db_journal_each(db_journal_t *j, const char *user_id, const char *action,
			 int newest_first, int (*fn)(const db_jevent_t *e, void *arg), void *arg,
			 msg_t *m);

/* Events waiting in the journal. */
status_t db_journal_count(db_journal_t *j, int64_t *out, msg_t *m);

/* The wait notice, as db_set_wait_notice. */
void db_journal_set_wait_notice(db_journal_t *j, db_wait_fn fn, void *arg);

#endif
