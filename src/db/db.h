/* db.h - the SQLite connection: opening with Chartroom's pragmas, numbered
 * migrations compiled in from assets/migrations, transactions and the meta
 * table. Only src/db/ speaks SQL; callers above see functions and structs.
 *
 * Every write goes in db_begin() (BEGIN IMMEDIATE) ... db_commit(); on any
 * failure the caller calls db_rollback(). */
#ifndef CHARTROOM_DB_H
#define CHARTROOM_DB_H

#include <stdint.h>

#include "base/status.h"

typedef struct db db_t;

/* Page size of databases this binary creates. 16 KiB rather than SQLite's
 * 4 KiB: a bulk load of a million patients writes and checkpoints ~850 MB,
 * and four times fewer pages is four times fewer reads and writes of the
 * log (measured: 18 s instead of 21 s); lookups read the same number of
 * pages. A database created with another page size keeps it. */
#define DB_PAGE_SIZE 16384

/* How db_open treats the file. */
typedef enum {
	DB_OPEN_EXISTING, /* the file must exist and be a Chartroom database */
	DB_OPEN_CREATE,   /* the file must not exist; it is created (mode 0660) */
} db_open_mode_t;

/* Open (or create) the database at path, set WAL, synchronous=FULL (a
 * commit is on disk when db_commit returns), busy_timeout, foreign_keys
 * and secure_delete, and bring the schema up to date.
 * In shared mode (base/privsep.h) the path must lie in the data directory
 * (a relative one names a file there), only root may create, and the group
 * privilege is held for the open only; db_path() is then the canonical
 * path.
 * A database whose schema is newer than this binary is refused with
 * STATUS_SCHEMA. On success *out is owned by the caller (db_close). */
status_t db_open(const char *path, db_open_mode_t mode, int busy_timeout_ms, db_t **out,
		 msg_t *m);

/* Close the connection. NULL is allowed. */
void db_close(db_t *db);

/* The schema version the database is at, and the newest this binary knows. */
int db_schema_version(db_t *db);
int db_schema_latest(void);

/* Apply migrations up to `target` (used by tests; db_open applies all). */
status_t db_migrate_to(db_t *db, int target, msg_t *m);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Rollback is safe to call when no
 * transaction is open. A db_begin that meets another connection's write
 * waits in line for it (db_set_wait_notice) up to the busy timeout; only
 * then STATUS_BUSY. */
status_t db_begin(db_t *db, msg_t *m);
status_t db_commit(db_t *db, msg_t *m);
void db_rollback(db_t *db);

/* Told while a statement waits for another connection's write: seconds
 * waited so far (from DB_WAIT_NOTICE_MS on, about once a second), then 0
 * once the wait is over. The UI shows it; the db layer never prints. */
typedef void (*db_wait_fn)(void *arg, int seconds);
#define DB_WAIT_NOTICE_MS 2000
void db_set_wait_notice(db_t *db, db_wait_fn fn, void *arg);

/* How many transactions db_begin has started on this connection: a value
 * that changes with every new transaction (core chains the audit journal
 * once per transaction). */
unsigned long db_txn_serial(const db_t *db);

/* Between the batches of a long writer (a bulk import): while another
 * connection's db_begin is waiting for the write lock, sleep (at most
 * max_ms) so that it gets the lock first. Returns at once when nobody
 * waits. SQLite's lock is not a queue: without this, a writer that begins
 * again right after its commit would take the lock before any waiter. */
void db_yield_to_writers(db_t *db, int max_ms);
/* Is another connection's db_begin waiting for the write lock now? (A
 * long writer ends its batch early when one is.) */
int db_writers_waiting(db_t *db);

/* A read snapshot around several statements (a search, a chart page):
 * they see one state of the database and take SQLite's locks once instead
 * of once each. When a transaction is already open nothing is started and
 * *began is 0. Nothing may be written in between: db_begin() would fail
 * inside it. db_read_end(db, began) ends what db_read_begin started. */
status_t db_read_begin(db_t *db, int *began, msg_t *m);
void db_read_end(db_t *db, int began);

/* Is a transaction (read or write) open on this connection? */
int db_in_transaction(const db_t *db);

/* meta table: small clinic-wide settings (clinic name, creation time).
 * db_meta_get copies the value into buf (cut to size) or returns
 * STATUS_NOTFOUND. */
status_t db_meta_set(db_t *db, const char *key, const char *value, msg_t *m);
status_t db_meta_get(db_t *db, const char *key, char *buf, size_t size, msg_t *m);
/* Remove a setting (nothing if absent). */
status_t db_meta_delete(db_t *db, const char *key, msg_t *m);

/* Path the database was opened from. */
const char *db_path(const db_t *db);

/* Run a checkpoint that truncates the WAL (used before backups and by tests
 * that inspect the file). */
status_t db_checkpoint(db_t *db, msg_t *m);

/* ---- read-only databases (README "When the disk is full or the database
 * is read-only") --------------------------------------------------------
 *
 * A database that cannot be written is still opened, read-only, with the
 * reason kept: a file whose mode forbids writing, a read-only file system,
 * a copy in a directory where SQLite cannot make its -shm (opened as an
 * unchanging file, SQLite's "immutable": possible only when no -wal holds
 * changes), an explicit copy (db_copy_open). A full disk is found when a
 * write fails with SQLITE_FULL (or at open, when the -shm cannot be made):
 * the change is rolled back, and from then on the connection only reads
 * (PRAGMA query_only) until db_retry_writes.
 *
 * On a read-only database db_begin starts a read transaction, so code that
 * writes only audit entries (which go to the audit journal, db_journal.h)
 * runs unchanged, and any real write fails with STATUS_READONLY and the
 * message "The disk is full: <loss>; nothing was lost." or "This database
 * is read-only (<cause>): <loss>; nothing was lost.", <loss> being what
 * db_set_loss last named. */
typedef enum {
	DB_RW = 0,
	DB_RO_DISK_FULL,  /* the disk is full */
	DB_RO_FILE_MODE,  /* the file's mode (or owner, or an attribute) forbids writing */
	DB_RO_FILESYSTEM, /* the file system is mounted read-only */
	DB_RO_DIRECTORY,  /* its directory cannot be written (no -shm can be made) */
	DB_RO_COPY,       /* a copy opened to be checked or restored from */
} db_ro_t;

/* Why this database cannot be written; DB_RW when it can. */
db_ro_t db_readonly(const db_t *db);

/* The cause in a few words for "READ-ONLY: <cause>": "the disk is full",
 * "file mode", "read-only file system", "read-only directory",
 * "read-only copy"; "" for DB_RW. */
const char *db_readonly_text(db_ro_t why);

/* What a change that cannot be saved loses, in words for the user ("the
 * note was not saved"); NULL: "the change was not saved". Core names it
 * before each action (the string must outlive the change); the next
 * commit or rollback forgets it. */
void db_set_loss(db_t *db, const char *loss);

/* The refusal of a change on a database that cannot be written:
 * STATUS_READONLY with "The disk is full: <loss>; nothing was lost." or
 * "This database is read-only (<cause>): <loss>; nothing was lost." */
status_t db_refuse_write(db_t *db, msg_t *m);

/* After a full disk: let the connection try writing again (a new
 * sign-on). Does nothing for the other causes. */
void db_retry_writes(db_t *db);

/* How db_copy_open opens a copy. */
typedef enum {
	DB_COPY_CHECK, /* read-only, to be checked: its schema must be this program's */
	DB_COPY_ANY,   /* read-only, only to be copied (db_backup): any schema */
	DB_COPY_INTO,  /* an empty file to copy into (db_backup), read-write */
} db_copy_mode_t;

/* Open a copy of a database that is not the clinic's live file (a
 * backup being checked, restored from or written): through fd, an open
 * descriptor of it (opened with the user's own ids for a user's path), so
 * the file checked is the file that was opened, whatever its name points
 * to later. The db takes fd: db_close closes it (also on failure). name
 * is the path for messages. Read-only copies are opened as unchanging
 * files (no -wal, -shm or journal is looked for; a file with a non-empty
 * NAME-wal beside it is refused, since its last changes would be missed)
 * and must be Chartroom databases. */
status_t db_copy_open(const char *name, int fd, db_copy_mode_t mode, db_t **out, msg_t *m);

#endif
