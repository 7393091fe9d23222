/* db.c - connection, pragmas, migrations, transactions, meta table. */
#include "db/db_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/embedded.h"
#include "base/privsep.h"

status_t db_fail(db_t *db, int rc, const char *what, msg_t *m)
{
	int prim = rc & 0xff;
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return msg_fail(m, STATUS_BUSY,
				"The database is busy %s; another user is saving. Try again.", what);
	if (prim == SQLITE_CONSTRAINT)
		return msg_fail(m, STATUS_EXISTS, "Could not complete %s: %s.", what,
				db && db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
	if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT)
		return msg_fail(m, STATUS_INTEGRITY,
				"The database file is damaged or not a Chartroom database (%s).",
				what);
	return msg_fail(m, STATUS_DB, "Database error %s: %s.", what,
			db && db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc));
}

status_t db_prepare(db_t *db, const char *sql, sqlite3_stmt **st, msg_t *m)
{
	int rc = sqlite3_prepare_v2(db->conn, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_fail(db, rc, "preparing a query", m);
	}
	return STATUS_OK;
}

int db_bind_text(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

int db_bind_blob(sqlite3_stmt *st, int idx, const void *p, size_t n)
{
	if (!p)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_blob(st, idx, p, (int)n, SQLITE_TRANSIENT);
}

void db_col_text(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	if (!size)
		return;
	if (!t) {
		buf[0] = '\0';
		return;
	}
	size_t n = strlen((const char *)t);
	if (n >= size)
		n = size - 1;
	memcpy(buf, t, n);
	buf[n] = '\0';
}

void db_col_text_fit(sqlite3_stmt *st, int col, char *buf, size_t size, int *toolong)
{
	db_col_text(st, col, buf, size);
	if (size && (size_t)sqlite3_column_bytes(st, col) >= size)
		*toolong = 1;
}

status_t db_exec_stmt(db_t *db, sqlite3_stmt *st, const char *what, msg_t *m)
{
	status_t ret = STATUS_OK;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = db_fail(db, rc, what, m);
	sqlite3_finalize(st);
	return ret;
}

static status_t db_exec(db_t *db, const char *sql, const char *what, msg_t *m)
{
	char *err = NULL;
	int rc = sqlite3_exec(db->conn, sql, NULL, NULL, &err);
	sqlite3_free(err);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, what, m);
	return STATUS_OK;
}

static int pragma_int(db_t *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int db_schema_latest(void)
{
	int n = 0;
	while (embedded_migrations[n].name)
		n++;
	return n;
}

int db_schema_version(db_t *db)
{
	return pragma_int(db, "PRAGMA user_version");
}

status_t db_migrate_to(db_t *db, int target, msg_t *m)
{
	status_t ret = STATUS_OK;
	int have = db_schema_version(db);
	int latest = db_schema_latest();
	char pragma[64];

	if (have < 0)
		return msg_fail(m, STATUS_INTEGRITY,
				"%s is not a Chartroom database (its schema cannot be read).",
				db->path);
	if (have > latest)
		return msg_fail(m, STATUS_SCHEMA,
				"%s was written by a newer Chartroom (schema %d; this program knows "
				"up to %d). Upgrade Chartroom before opening it.",
				db->path, have, latest);
	if (target > latest)
		target = latest;
	/* Each migration runs in its own transaction together with the version
	 * bump, so a crash leaves the database at a whole version. */
	for (int v = have + 1; v <= target; v++) {
		if ((ret = db_begin(db, m)) != STATUS_OK)
			return ret;
		ret = db_exec(db, embedded_migrations[v - 1].text, "upgrading the schema", m);
		if (ret == STATUS_OK) {
			snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
			ret = db_exec(db, pragma, "recording the schema version", m);
		}
		if (ret == STATUS_OK)
			ret = db_commit(db, m);
		if (ret != STATUS_OK) {
			db_rollback(db);
			return ret;
		}
	}
	return STATUS_OK;
}

/* In a shared install the whole of db_open runs with the chartroom group
 * (base/privsep.h): the path check inside the data directory, the create,
 * sqlite3_open_v2, and the first reads and the journal-mode switch, which
 * make SQLite open the -wal and -shm files. SQLite keeps all three open for
 * the connection's life, so nothing after db_open needs the group until
 * db_close. */
status_t db_open(const char *path, db_open_mode_t mode, int busy_timeout_ms, db_t **out,
		 msg_t *m)
{
	status_t ret = STATUS_OK;
	db_t *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	struct stat sb;
	char real[PATH_MAX];
	int rc, raised = 0, created = 0;

	*out = NULL;
	/* Personal mode: the path as given. Shared mode: its canonical form
	 * inside the data directory, or a refusal. */
	if ((ret = privsep_db_path(path, mode == DB_OPEN_CREATE, real, sizeof real, m)) !=
	    STATUS_OK)
		return ret;
	path = real;
	if ((ret = privsep_raise(m)) != STATUS_OK)
		return ret;
	raised = 1;
	if (mode == DB_OPEN_CREATE) {
		/* O_EXCL: never overwrite, even if the file appears between checks. */
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
		if (fd < 0) {
			if (errno == EEXIST)
				ret = msg_fail(m, STATUS_EXISTS,
					       "%s already exists; Chartroom will not overwrite a "
					       "database. Choose another path.",
					       path);
			else
				ret = msg_fail(m, STATUS_ERR, "Cannot create %s: %s.", path,
					       strerror(errno));
			goto cleanup;
		}
		created = 1;
		/* Shared mode: the program's group, read and write for it, nothing
		 * for others, whatever the directory's set-group-ID bit says. The
		 * -wal and -shm files SQLite makes copy this mode. */
		if (privsep_shared() &&
		    (fchown(fd, (uid_t)-1, privsep_group()) != 0 || fchmod(fd, 0660) != 0)) {
			ret = msg_fail(m, STATUS_ERR, "Cannot give %s to the program's group: %s.",
				       path, strerror(errno));
			close(fd);
			goto cleanup;
		}
		close(fd);
	} else if (stat(path, &sb) != 0) {
		ret = msg_fail(m, STATUS_NOTFOUND,
			       "No database at %s. Create one with 'chartroom init --db %s --admin "
			       "NAME'.",
			       path, path);
		goto cleanup;
	}
	if ((ret = privsep_check_db_file(path, m)) != STATUS_OK)
		goto cleanup;

	db = calloc(1, sizeof *db);
	if (!db || !(db->path = strdup(path))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory opening the database.");
		goto cleanup;
	}
	rc = sqlite3_open_v2(path, &db->conn, flags, NULL);
	if (rc != SQLITE_OK) {
		ret = db_fail(db, rc, "opening the database", m);
		goto cleanup;
	}
	/* SQLite quietly opens a file it may not write read-only; in a shared
	 * install that means a broken group or mode: say so now. */
	if (privsep_shared() && sqlite3_db_readonly(db->conn, "main") != 0) {
		ret = msg_fail(m, STATUS_ERR,
			       "%s cannot be written by the program's group; check the data "
			       "directory's owner and mode (README, Two modes).",
			       path);
		goto cleanup;
	}
	sqlite3_extended_result_codes(db->conn, 1);
	db->busy_ms = busy_timeout_ms;
	if ((rc = sqlite3_busy_timeout(db->conn, busy_timeout_ms)) != SQLITE_OK) {
		ret = db_fail(db, rc, "setting the busy timeout", m);
		goto cleanup;
	}
	/* Reading the schema first tells a non-database file apart early. */
	ret = db_exec(db,
		      "PRAGMA foreign_keys = ON;"
		      "PRAGMA secure_delete = ON;"
		      "PRAGMA synchronous = NORMAL;"
		      "PRAGMA temp_store = MEMORY;"
		      /* Reads through a 32 MiB memory map: no copy per hot page read,
		       * and a bounded resident size for a search session. */
		      "PRAGMA mmap_size = 33554432;",
		      "setting up the connection", m);
	if (ret != STATUS_OK)
		goto cleanup;
	if (pragma_int(db, "PRAGMA foreign_keys") != 1 ||
	    pragma_int(db, "PRAGMA secure_delete") != 1) {
		ret = msg_fail(m, STATUS_DB, "SQLite refused foreign_keys or secure_delete.");
		goto cleanup;
	}
	if (mode == DB_OPEN_EXISTING && db_schema_version(db) == 0) {
		ret = msg_fail(m, STATUS_NOTFOUND,
			       "%s is not a Chartroom database. Create one with 'chartroom init'.",
			       path);
		goto cleanup;
	}
	/* A new file: its page size is set before anything is written. */
	if (mode == DB_OPEN_CREATE) {
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA page_size = %d;", DB_PAGE_SIZE);
		if ((ret = db_exec(db, sql, "setting up the database", m)) != STATUS_OK)
			goto cleanup;
	}
	/* Only now: switching to WAL rewrites the file header, and a file that
	 * is not ours must be refused untouched. */
	ret = db_exec(db, "PRAGMA journal_mode = WAL;", "setting up the connection", m);
	if (ret == STATUS_OK)
		ret = db_migrate_to(db, db_schema_latest(), m);
	/* A read in WAL mode: by now SQLite has opened (or created) the -wal
	 * and mapped the -shm, while the group is still held. */
	if (ret == STATUS_OK && pragma_int(db, "SELECT count(*) FROM sqlite_master") < 0)
		ret = msg_fail(m, STATUS_DB, "The database cannot be read.");

cleanup:
	if (ret != STATUS_OK) {
		db_close(db);
		/* We made the file; a failed create leaves nothing behind. */
		if (created)
			unlink(path);
	}
	if (raised)
		privsep_lower();
	if (ret != STATUS_OK)
		return ret;
	*out = db;
	return STATUS_OK;
}

status_t db_cached(db_t *db, const char *sql, sqlite3_stmt **st, msg_t *m)
{
	int free_slot = -1;
	status_t ret;
	for (int i = 0; i < DB_STMT_CACHE; i++) {
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].st);
			sqlite3_clear_bindings(db->cache[i].st);
			*st = db->cache[i].st;
			return STATUS_OK;
		}
		if (!db->cache[i].sql && free_slot < 0)
			free_slot = i;
	}
	if ((ret = db_prepare(db, sql, st, m)) != STATUS_OK)
		return ret;
	if (free_slot >= 0) {
		db->cache[free_slot].sql = sql;
		db->cache[free_slot].st = *st;
		return STATUS_OK;
	}
	/* Cache full: a programming error, but not worth failing for. */
	sqlite3_finalize(*st);
	*st = NULL;
	return msg_fail(m, STATUS_DB, "Too many cached statements.");
}

void db_close(db_t *db)
{
	if (!db)
		return;
	for (int i = 0; i < DB_STMT_CACHE; i++)
		if (db->cache[i].st)
			sqlite3_finalize(db->cache[i].st);
	if (db->conn) {
		/* The last connection checkpoints and deletes the -wal and -shm:
		 * in a shared install that needs the group on the directory. */
		int raised = privsep_raise(NULL) == STATUS_OK;
		sqlite3_close(db->conn);
		if (raised)
			privsep_lower();
	}
	free(db->path);
	free(db);
}

status_t db_begin(db_t *db, msg_t *m)
{
	return db_exec(db, "BEGIN IMMEDIATE", "starting a change", m);
}

status_t db_begin_nowait(db_t *db, msg_t *m)
{
	status_t ret;
	int rc = sqlite3_busy_timeout(db->conn, 0);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "starting a change", m);
	ret = db_begin(db, m);
	rc = sqlite3_busy_timeout(db->conn, db->busy_ms);
	if (rc != SQLITE_OK && ret == STATUS_OK) {
		db_rollback(db);
		ret = db_fail(db, rc, "starting a change", m);
	}
	return ret;
}

status_t db_commit(db_t *db, msg_t *m)
{
	return db_exec(db, "COMMIT", "saving the change", m);
}

void db_rollback(db_t *db)
{
	if (db && db->conn && !sqlite3_get_autocommit(db->conn))
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
}

static const char SQL_READ_BEGIN[] = "BEGIN DEFERRED";
static const char SQL_READ_END[] = "COMMIT";

status_t db_read_begin(db_t *db, int *began, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret;
	*began = 0;
	if (!sqlite3_get_autocommit(db->conn))
		return STATUS_OK;
	/* Cached: a search runs this on every keystroke. */
	if ((ret = db_cached(db, SQL_READ_BEGIN, &st, m)) != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, "starting to read", m);
	*began = 1;
	return STATUS_OK;
}

void db_read_end(db_t *db, int began)
{
	sqlite3_stmt *st;
	msg_t ignore;
	int rc = SQLITE_ERROR;
	if (!began || sqlite3_get_autocommit(db->conn))
		return;
	if (db_cached(db, SQL_READ_END, &st, &ignore) == STATUS_OK) {
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	/* Nothing was written, so nothing can be lost: if COMMIT did not
	 * end it, ROLLBACK does. */
	if (rc != SQLITE_DONE)
		db_rollback(db);
}

status_t db_meta_set(db_t *db, const char *key, const char *value, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
		db, "INSERT INTO meta(key, value) VALUES (?1, ?2) "
		    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
		&st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	return db_exec_stmt(db, st, "saving a setting", m);
}

status_t db_meta_delete(db_t *db, const char *key, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "DELETE FROM meta WHERE key = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, key);
	return db_exec_stmt(db, st, "saving a setting", m);
}

status_t db_meta_get(db_t *db, const char *key, char *buf, size_t size, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "SELECT value FROM meta WHERE key = ?1", &st, m);
	int rc;
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		db_col_text(st, 0, buf, size);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "No setting %s in the database.", key);
	else
		ret = db_fail(db, rc, "reading a setting", m);
	sqlite3_finalize(st);
	return ret;
}

int db_in_transaction(const db_t *db)
{
	return !sqlite3_get_autocommit(db->conn);
}

const char *db_path(const db_t *db)
{
	return db->path;
}

status_t db_checkpoint(db_t *db, msg_t *m)
{
	int rc = sqlite3_wal_checkpoint_v2(db->conn, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "checkpointing the log", m);
	return STATUS_OK;
}
