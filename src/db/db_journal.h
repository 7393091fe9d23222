/* db_journal.h - the audit journal: where audit entries wait while the
 * database cannot be written (a full disk, a read-only file; db.h).
 *
 * It is a small file beside the database, PATH.audit-journal, made when
 * the database is opened for writing, with its space reserved then
 * (posix_fallocate, 1 MiB), so that it can still be written when the disk
 * has filled up. Entries are held in memory during a transaction and
 * written, and synced, by db_commit; db_rollback drops them: an entry is
 * journaled only for something that happened. At the next sign-on on a
 * database that can be written again, core chains them into the audit
 * trail (db_journal_drain) in the sign-on's transaction, exactly once: the
 * transaction records how far the journal was drained, and the journal is
 * emptied after the commit.
 *
 * There is no journal for a copy opened read-only, on a read-only file
 * system, or where the file could not be made: db_journal_ready says so,
 * and core decides what may be done unaudited (README "When the disk is
 * full or the database is read-only"). */
#ifndef CHARTROOM_DB_JOURNAL_H
#define CHARTROOM_DB_JOURNAL_H

#include "db/db.h"
#include "db/db_audit.h"

/* Hold an entry until db_commit writes it to the journal. row->seq is the
 * entry's own id (core's; detail is encrypted under it), pending 1: an
 * event with no key holder (a failed sign-on), chained as such.
 * STATUS_READONLY when there is no journal to write to. */
status_t db_journal_add(db_t *db, const db_audit_row_t *row, int pending, msg_t *m);

/* The journal's path for a database path (buf >= PATH_MAX + 16). */
void db_journal_path(const char *db_path, char *buf, size_t size);

/* 1 if entries can be journaled now: a journal is open and not full. */
int db_journal_ready(db_t *db);

/* Inside a write transaction (db_begin on a database that can be written):
 * call fn for each journaled entry not yet chained, oldest first, with the
 * row as journaled (row->seq its id) and its pending flag; fn returns
 * non-zero to stop (the caller's error then stands and it rolls back).
 * The journal stays locked until db_commit, which empties it, or
 * db_rollback. A damaged entry ends the reading with one row whose action
 * is "audit_journal_damaged". */
status_t db_journal_drain(db_t *db, int (*fn)(const db_audit_row_t *row, int pending, void *arg),
			  void *arg, msg_t *m);

#endif
