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

/* Open (or create) the database at path, set WAL, busy_timeout,
 * foreign_keys and secure_delete, and bring the schema up to date.
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
 * transaction is open. */
status_t db_begin(db_t *db, msg_t *m);
/* db_begin without waiting: STATUS_BUSY at once if another connection is
 * writing (for writes that can wait for a later moment). */
status_t db_begin_nowait(db_t *db, msg_t *m);
status_t db_commit(db_t *db, msg_t *m);
void db_rollback(db_t *db);

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

#endif
