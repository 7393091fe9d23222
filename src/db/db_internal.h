/* db_internal.h - shared between the files of src/db only: the connection
 * struct and helpers to prepare and step statements with checked returns. */
#ifndef CHARTROOM_DB_INTERNAL_H
#define CHARTROOM_DB_INTERNAL_H

#include <stdint.h>

#include <sqlite3.h>

#include "db/db.h"

#define DB_STMT_CACHE 64

/* How a connection waits for another's write lock (db_busy_wait): in line,
 * up to limit_ms, telling the user after a few seconds; a waiting
 * db_begin announces itself (a shared flock on the database's directory)
 * so a long writer lets it go first (db_yield_to_writers). */
typedef struct db_waiter {
	int limit_ms;
	db_wait_fn fn; /* NULL: wait silently */
	void *arg;
	long long start_ms;
	int noticed_s;  /* seconds last told to fn; 0: nothing told */
	int announce;   /* a db_begin is waiting: take the waiting lock */
	int announced;  /* it is taken */
	int lock_fd;    /* the database's directory, for that lock; -1 none */
} db_waiter_t;

/* The busy handler of every Chartroom connection (arg: a db_waiter_t). */
int db_busy_wait(void *arg, int count);
/* After a statement that may have waited: tell fn the wait is over and
 * drop the waiting lock. */
void db_wait_over(db_waiter_t *w);

struct db {
	sqlite3 *conn;
	char *path;
	int busy_ms; /* the busy timeout it was opened with */
	db_ro_t ro;  /* why it cannot be written (db.h), DB_RW when it can */
	int query_only; /* PRAGMA query_only is set (after a full disk) */
	int copy_fd;    /* db_copy_open: the caller's descriptor, else -1 */
	const char *loss; /* db_set_loss */
	/* The audit journal (db_journal.c): its descriptor (-1: none) and
	 * the events a transaction holds until its commit. */
	int jfd;
	char jwhy[160]; /* why there is none */
	int jnosync;    /* appends not synced (journal_sync = normal) */
	unsigned char *jbuf;
	size_t jlen, jcap;
	int jhold; /* db_journal_hold: the exclusive lock is held throughout */
	/* The retired-key check (db_journal.c, names_retired): audit key
	 * version jk_version was found in use when the journal's retirement
	 * generation was jk_gen (jk_valid: found at all). */
	int jk_valid, jk_version;
	uint64_t jk_gen;
	db_waiter_t wait;
	unsigned long txn_serial; /* db_begin calls so far */
	/* Prepared statements kept for hot paths (search, bulk import),
	 * keyed by the address of their SQL string literal. */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[DB_STMT_CACHE];
};

/* A cached prepared statement for a string-literal sql: reset, bindings
 * cleared, ready to bind. Do not finalize it; db_close does. */
status_t db_cached(db_t *db, const char *sql, sqlite3_stmt **st, msg_t *m);

/* The first column of the one row a cached parameterless statement gives
 * (a count, a max, a pragma) into *v, 0 on failure; "what" names the
 * operation for db_fail. */
status_t db_cached_int64(db_t *db, const char *sql, int64_t *v, const char *what, msg_t *m);

/* Prepare sql; on failure fill m and return STATUS_DB. */
status_t db_prepare(db_t *db, const char *sql, sqlite3_stmt **st, msg_t *m);

/* Map a failed sqlite3 return to a status and message ("what" names the
 * operation, e.g. "saving the user"). SQLITE_BUSY becomes STATUS_BUSY. */
status_t db_fail(db_t *db, int rc, const char *what, msg_t *m);

/* Bind helpers that keep call sites short. Text NULL binds SQL NULL. */
int db_bind_text(sqlite3_stmt *st, int idx, const char *s);
int db_bind_blob(sqlite3_stmt *st, int idx, const void *p, size_t n);

/* Copy a text column into buf (always NUL-terminated; "" for NULL). */
void db_col_text(sqlite3_stmt *st, int col, char *buf, size_t size);

/* The same for a column of a row whose MAC core checks: a value longer
 * than the buffer (Chartroom never writes one) sets *toolong, so the cut
 * cannot hide a suffix someone appended. */
void db_col_text_fit(sqlite3_stmt *st, int col, char *buf, size_t size, int *toolong);

/* Step a statement that returns no rows; finalize it. */
status_t db_exec_stmt(db_t *db, sqlite3_stmt *st, const char *what, msg_t *m);

/* The audit journal's life with the connection (db_journal.c): open (or
 * create, with its space reserved) beside the database, inside db_open's
 * raised window; write the events the transaction held after COMMIT;
 * drop them at ROLLBACK; close. */
void db_journal_open(db_t *db);
status_t db_journal_commit(db_t *db, msg_t *m);
void db_journal_rollback(db_t *db);
void db_journal_close(db_t *db);

#endif
