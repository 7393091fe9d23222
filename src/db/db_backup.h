/* db_backup.h - copies of a database: SQLite's online backup into a new
 * file, the integrity check, and the file steps of a restore (a new
 * database beside the one it replaces, the live file checked to be out
 * of use, the swap that keeps the replaced file aside).
 *
 * Core (core/backup.c) decides what is copied where and checks the audit
 * chain of every copy; everything SQLite-specific is here, so another
 * backend (ROADMAP: PostgreSQL) replaces this file and db.c's copy open. */
#ifndef CHARTROOM_DB_BACKUP_H
#define CHARTROOM_DB_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* Copy all of src into dest, an empty file opened with db_copy_open(...,
 * DB_COPY_INTO), with SQLite's online backup in one step: every page is
 * read in one read transaction of src, so the copy is the database as it
 * was at one moment, while other connections go on writing (WAL: readers
 * never block writers, and none of their commits lands half in the copy).
 * The copy is a single file in rollback-journal mode (no -wal, no -shm):
 * it can be read on a read-only medium. Its data is synced when this
 * returns. */
status_t db_backup(db_t *src, db_t *dest, msg_t *m);

/* SQLite's integrity check of the whole file (b-trees, free list, every
 * index against its table). STATUS_OK, or STATUS_INTEGRITY with the first
 * problem found. */
status_t db_integrity_check(db_t *db, msg_t *m);

/* The database's size in bytes (pages times page size). */
status_t db_size(db_t *db, int64_t *bytes, msg_t *m);

/* Restore, step 1: a new empty file beside target to copy the backup
 * into, created O_EXCL mode 0660 (the program's group in shared mode).
 * target is checked as db_open checks a database it creates (in shared
 * mode: inside the data directory, and only root); a database already
 * there is refused (STATUS_EXISTS) unless replace, and then refused while
 * in use (db_check_unused). On success real holds target's canonical
 * path, tmp the new file's path, *fd its descriptor (the caller closes
 * it). */
status_t db_restore_file(const char *target, int replace, char *real, size_t real_size,
			 char *tmp, size_t tmp_size, int *fd, msg_t *m);

/* Is the database at path in use by anyone (a session signed on, a
 * command running)? STATUS_OK: it is not (or is not there, or is not a
 * database), and its log has been checkpointed into it; STATUS_BUSY: it
 * is, with a message. */
status_t db_check_unused(const char *path, msg_t *m);

/* Restore, last step: put tmp (a closed database, its -wal folded in) in
 * target's place. A database already at target is renamed, with its
 * -wal, -shm and audit journal, to target.replaced-YYYYMMDDTHHMMSSZ (its
 * name in aside, "" when there was none), never deleted; it must not be
 * in use (db_check_unused). Then tmp becomes target (atomically; it never
 * replaces a file that appeared meanwhile) and the directory is synced. */
status_t db_restore_install(const char *tmp, const char *target, char *aside, size_t size,
			    msg_t *m);

/* Remove a database file that was being made, with its -wal, -shm and
 * audit journal (a failed restore's new file). */
void db_remove_files(const char *path);

#endif
