/* db.c - connection, pragmas, migrations, transactions, meta table. */
#include "db/db_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "base/embedded.h"
#include "base/privsep.h"
#include "db/db_journal.h"
#include "db/db_testhook.h"

static const char *loss_text(const db_t *db)
{
	return db && db->loss ? db->loss : "the change was not saved";
}

/* The refusal of a write on a database that cannot be written (full: the
 * disk is full, whatever the connection knew). */
static status_t readonly_fail(const db_t *db, int full, msg_t *m)
{
	if (full || (db && db->ro == DB_RO_DISK_FULL))
		return msg_fail(m, STATUS_READONLY, "The disk is full: %s; nothing was lost.",
				loss_text(db));
	return msg_fail(m, STATUS_READONLY, "This database is read-only (%s): %s; nothing was lost.",
			db && db->ro != DB_RW ? db_readonly_text(db->ro) : "it cannot be written",
			loss_text(db));
}

status_t db_fail(db_t *db, int rc, const char *what, msg_t *m)
{
	int prim = rc & 0xff;
	const char *why = db && db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc);
	/* Reached only after waiting in line for the whole busy timeout
	 * (minutes by default): say how long, and that nothing was saved. */
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return msg_fail(m, STATUS_BUSY,
				"Gave up %s after waiting %d s for another user's change to "
				"finish; nothing was saved. Try again, or ask your administrator "
				"what is holding the database.",
				what, db ? (db->busy_ms + 999) / 1000 : 0);
	if (prim == SQLITE_CONSTRAINT)
		return msg_fail(m, STATUS_EXISTS, "Could not complete %s: %s.", what, why);
	if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT)
		return msg_fail(m, STATUS_INTEGRITY,
				"The database file is damaged or not a Chartroom database (%s).",
				what);
	/* A full disk: SQLite rolls the change back; from now on this
	 * connection only reads (db_rollback sets query_only). A copy being
	 * written is not the clinic's database: it just fails. */
	if (prim == SQLITE_FULL) {
		if (db && db->ro == DB_RW && db->copy_fd < 0)
			db->ro = DB_RO_DISK_FULL;
		if (db && db->copy_fd >= 0)
			return msg_fail(m, STATUS_READONLY, "The disk is full: %s failed.", what);
		return readonly_fail(db, 1, m);
	}
	if (rc == SQLITE_READONLY_DBMOVED)
		return msg_fail(m, STATUS_READONLY,
				"The database file was moved or deleted while in use: %s; nothing was "
				"lost. Sign on again.",
				loss_text(db));
	if (prim == SQLITE_READONLY)
		return readonly_fail(db, 0, m);
	if (prim == SQLITE_IOERR)
		return msg_fail(m, STATUS_DB,
				"A disk error stopped %s (%s); a change in progress was rolled back.",
				what, why);
	if (prim == SQLITE_CANTOPEN)
		return msg_fail(m, STATUS_DB,
				"The database or its -wal or -shm file could not be opened (%s: %s).",
				what, why);
	return msg_fail(m, STATUS_DB, "Database error %s: %s.", what, why);
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

/* Is the file system holding path full, or so nearly that a change could
 * not be saved (less than DB_FULL_BYTES, or no inode, left)? */
#define DB_FULL_BYTES (256 * 1024)
static int disk_full_at(const char *path)
{
	struct statvfs vf;
	if (statvfs(path, &vf) != 0)
		return 0;
	return (unsigned long long)vf.f_bavail * vf.f_frsize < DB_FULL_BYTES || vf.f_favail == 0;
}

/* The first read of a connection: for a WAL database it opens the -wal
 * and maps the -shm. The SQLite result code. */
static int probe(db_t *db)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->conn, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
		else
			rc = sqlite3_extended_errcode(db->conn);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Why a database that opened read-only (or could not be opened for
 * writing) cannot be written. Run with db_open's ids (the group raised in
 * shared mode): faccessat with the effective ids, as the open was. */
static db_ro_t ro_cause(const char *path)
{
	struct statvfs vf;
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fs = statvfs(path, &vf) == 0;

	if (fs && (vf.f_flag & ST_RDONLY))
		return DB_RO_FILESYSTEM;
	if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0)
		return DB_RO_FILE_MODE;
	if (fs && (vf.f_bavail == 0 || vf.f_favail == 0))
		return DB_RO_DISK_FULL;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
	if (faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) != 0)
		return DB_RO_DIRECTORY;
	return DB_RO_FILE_MODE;
}

/* "file:" URI for path (percent-encoded) with a query. 0, or -1 if it
 * does not fit. */
static int file_uri(const char *path, const char *query, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	int n = snprintf(out, size, "file:");
	if (n < 0 || (size_t)n >= size)
		return -1;
	o = (size_t)n;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (o + 4 >= size)
			return -1;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '/' || *p == '.' || *p == '_' || *p == '-') {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	n = snprintf(out + o, size - o, "?%s", query);
	return n < 0 || (size_t)n >= size - o ? -1 : 0;
}

/* Size of a file, 0 if it does not exist. */
static off_t file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* SQLite's process-wide settings, before its first use: no memory
 * statistics (nothing here reads them, and keeping them takes a global
 * mutex on every allocation: 2-3 % of a bulk load's writing). Fails
 * harmlessly (SQLITE_MISUSE) if SQLite was already initialised. */
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void lib_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Open the connection: SQLite's flags and the settings every connection
 * gets. */
static status_t open_conn(db_t *db, const char *name, int flags, msg_t *m)
{
	int rc;
	pthread_once(&lib_once, lib_setup);
	rc = sqlite3_open_v2(name, &db->conn, flags, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "opening the database", m);
	sqlite3_extended_result_codes(db->conn, 1);
	/* Waiting in line for another connection's write (db_busy_wait),
	 * up to the busy timeout. */
	db->wait.limit_ms = db->busy_ms;
	if ((rc = sqlite3_busy_handler(db->conn, db_busy_wait, &db->wait)) != SQLITE_OK)
		return db_fail(db, rc, "setting the busy timeout", m);
	return STATUS_OK;
}

/* The database opened, but its first read failed because SQLite could not
 * make or map the -shm (a full disk, a read-only file system or
 * directory). With no changes waiting in a -wal, the main file is the
 * whole database: reopen it read-only as an unchanging file (SQLite's
 * "immutable": no -shm, no locks; what others change later is not seen
 * until the next sign-on). With changes in a -wal, refuse: they would be
 * missed. */
static status_t open_unchanging(db_t *db, const char *path, int first_rc, msg_t *m)
{
	char side[PATH_MAX + 8], uri[PATH_MAX * 3 + 32];
	db_ro_t why = ro_cause(path);
	snprintf(side, sizeof side, "%s-wal", path);
	if (file_size(side) > 0)
		return msg_fail(m, STATUS_READONLY,
				"%s cannot be read here: its log %s holds changes that SQLite can "
				"read only with a -shm file, which cannot be made (%s; %s). Free some "
				"space, or copy the database with its -wal to a directory that can be "
				"written.",
				path, side, why == DB_RO_FILE_MODE ? "the file cannot be written"
								  : db_readonly_text(why),
				sqlite3_errstr(first_rc));
	if (file_uri(path, "immutable=1", uri, sizeof uri) != 0)
		return msg_fail(m, STATUS_USAGE, "The database path is too long.");
	sqlite3_close(db->conn);
	db->conn = NULL;
	db->ro = why;
	return open_conn(db, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, m);
}

/* Can a failed first read be worked around by reading the file alone? */
static int shm_problem(int rc)
{
	int prim = rc & 0xff;
	return prim == SQLITE_CANTOPEN || prim == SQLITE_IOERR || prim == SQLITE_FULL ||
	       prim == SQLITE_READONLY;
}

/* The schema of a database that cannot be written must be this
 * program's: it cannot be upgraded. */
static status_t check_schema_readonly(db_t *db, msg_t *m)
{
	int have = db_schema_version(db), latest = db_schema_latest();
	if (have < 0)
		return msg_fail(m, STATUS_INTEGRITY,
				"%s is not a Chartroom database (its schema cannot be read).",
				db->path);
	if (have > latest)
		return msg_fail(m, STATUS_SCHEMA,
				"%s was written by a newer Chartroom (schema %d; this program knows "
				"up to %d). Upgrade Chartroom before opening it.",
				db->path, have, latest);
	if (have < latest)
		return msg_fail(m, STATUS_SCHEMA,
				"%s was written by an older Chartroom (schema %d) and cannot be "
				"upgraded to schema %d while it is read-only (%s). Copy it to a "
				"place that can be written, or restore it ('chartroom restore').",
				db->path, have, latest, db_readonly_text(db->ro));
	return STATUS_OK;
}

/* Reads through plain read(2), not the memory map, while the database
 * cannot be written: on a full file system (tmpfs above all) or a file
 * that shrinks under us, a page read through the map can fault with
 * SIGBUS instead of returning an error (SQLite's documentation on
 * mmap_size). A failure here only costs speed. */
#define DB_MAP_BYTES "33554432" /* 32 MiB */

static void no_map(db_t *db)
{
	if (db->conn)
		(void)sqlite3_exec(db->conn, "PRAGMA mmap_size = 0", NULL, NULL, NULL);
}

/* The settings of every connection. */
static status_t setup(db_t *db, msg_t *m)
{
	status_t ret = db_exec(db,
			       "PRAGMA foreign_keys = ON;"
			       "PRAGMA secure_delete = ON;"
			       /* FULL: every commit syncs the WAL before it returns,
				* so a change reported saved survives a power cut;
				* NORMAL syncs only at checkpoints and loses reported
				* commits (tests/crash shows both; README, Crash and
				* power-loss safety, gives the cost). */
			       "PRAGMA synchronous = FULL;"
			       "PRAGMA temp_store = MEMORY;"
			       /* Reads through a 32 MiB memory map: no copy per hot
				* page read, and a bounded resident size for a search
				* session. */
			       "PRAGMA mmap_size = " DB_MAP_BYTES ";",
			       "setting up the connection", m);
	if (ret != STATUS_OK)
		return ret;
	if (pragma_int(db, "PRAGMA foreign_keys") != 1 ||
	    pragma_int(db, "PRAGMA secure_delete") != 1)
		return msg_fail(m, STATUS_DB, "SQLite refused foreign_keys or secure_delete.");
	if (db->ro != DB_RW)
		no_map(db);
	return STATUS_OK;
}

/* Into (or back to) WAL mode. A first load that writes the file directly
 * (db_direct_write) holds it until its commit, and SQLite then refuses the
 * switch at once, without its busy handler: wait in line here as for any
 * other writer's lock (the same waits and notices, up to the busy
 * timeout) instead of failing at once with a message about a wait that
 * never happened. */
static status_t set_wal(db_t *db, msg_t *m)
{
	int rc, count = 0;
	for (;;) {
		rc = sqlite3_exec(db->conn, "PRAGMA journal_mode = WAL;", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		if (!db_busy_wait(&db->wait, count++))
			break;
	}
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "setting up the connection", m);
	return STATUS_OK;
}

static db_t *db_new(void)
{
	db_t *db = calloc(1, sizeof *db);
	if (db) {
		db->copy_fd = -1;
		db->jfd = -1;
		db->wait.lock_fd = -1;
	}
	return db;
}

/* The directory holding path, opened for the waiting lock (-1 if not). */
static int open_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (!slash)
		return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (n == 0)
		n = 1; /* "/file" */
	if (n >= sizeof dir)
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* In a shared install the whole of db_open runs with the chartroom group
 * (base/privsep.h): the path check inside the data directory, the create,
 * sqlite3_open_v2, and the first reads and the journal-mode switch, which
 * make SQLite open the -wal and -shm files, and the audit journal's open.
 * SQLite keeps all three open for the connection's life, so nothing after
 * db_open needs the group until db_close. */
status_t db_open(const char *path, db_open_mode_t mode, int busy_timeout_ms, db_t **out,
		 msg_t *m)
{
	status_t ret = STATUS_OK;
	db_t *db = NULL;
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

	if (!(db = db_new()) || !(db->path = strdup(path))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory opening the database.");
		goto cleanup;
	}
#ifdef CHARTROOM_TEST_HOOKS
	if ((ret = db_testhook_install(m)) != STATUS_OK)
		goto cleanup;
#endif
	db->busy_ms = busy_timeout_ms;
	db->wait.lock_fd = open_dir_of(path);
	if ((ret = open_conn(db, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, m)) != STATUS_OK)
		goto cleanup;
	/* Reading first tells a non-database file apart early, and shows
	 * whether SQLite can keep its -wal and -shm here. */
	rc = probe(db);
	if (rc != SQLITE_OK && mode == DB_OPEN_EXISTING && shm_problem(rc)) {
		if ((ret = open_unchanging(db, path, rc, m)) != STATUS_OK)
			goto cleanup;
		rc = probe(db);
	}
	if (rc != SQLITE_OK) {
		ret = db_fail(db, rc, "opening the database", m);
		goto cleanup;
	}
	/* SQLite quietly opens a file it may not write read-only: say why,
	 * and go on reading (README "When the disk is full or the database is
	 * read-only"). */
	if (db->ro == DB_RW && sqlite3_db_readonly(db->conn, "main") == 1)
		db->ro = ro_cause(path);
	/* A full disk: read only from the start (db_retry_writes). */
	if (db->ro == DB_RW && mode == DB_OPEN_EXISTING && disk_full_at(path))
		db->ro = DB_RO_DISK_FULL;
	if ((ret = setup(db, m)) != STATUS_OK)
		goto cleanup;
	if (mode == DB_OPEN_EXISTING && db_schema_version(db) == 0) {
		ret = msg_fail(m, STATUS_NOTFOUND,
			       "%s is not a Chartroom database. Create one with 'chartroom init'.",
			       path);
		goto cleanup;
	}
	if (db->ro != DB_RW) {
		ret = check_schema_readonly(db, m);
		goto journal;
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
	ret = set_wal(db, m);
	if (ret == STATUS_OK) {
		db_set_loss(db, "the database was not upgraded to this version of Chartroom");
		ret = db_migrate_to(db, db_schema_latest(), m);
		db_set_loss(db, NULL);
	}
	/* A read in WAL mode: by now SQLite has opened (or created) the -wal
	 * and mapped the -shm, while the group is still held. */
	if (ret == STATUS_OK && pragma_int(db, "SELECT count(*) FROM sqlite_master") < 0)
		ret = msg_fail(m, STATUS_DB, "The database cannot be read.");
journal:
	if (ret == STATUS_OK)
		db_journal_open(db);

cleanup:
	if (ret != STATUS_OK) {
		db_close(db);
		/* We made the file; a failed create leaves nothing behind. */
		if (created) {
			char side[PATH_MAX + 16];
			unlink(path);
			db_journal_path(path, side, sizeof side);
			unlink(side);
		}
	}
	if (raised)
		privsep_lower();
	if (ret != STATUS_OK)
		return ret;
	*out = db;
	return STATUS_OK;
}

status_t db_copy_open(const char *name, int fd, db_copy_mode_t mode, db_t **out, msg_t *m)
{
	int writable = mode == DB_COPY_INTO;
	status_t ret = STATUS_OK;
	db_t *db = NULL;
	char proc[64], uri[128], side[PATH_MAX + 8];
	int rc;

	*out = NULL;
	if (!writable && snprintf(side, sizeof side, "%s-wal", name) < (int)sizeof side &&
	    file_size(side) > 0) {
		close(fd);
		return msg_fail(m, STATUS_INTEGRITY,
				"%s has a log beside it (%s) holding changes that are not in the file "
				"itself: it is a copy of a database in use, not a backup. Make "
				"backups with 'chartroom backup'.",
				name, side);
	}
	if (!(db = db_new()) || !(db->path = strdup(name))) {
		free(db);
		close(fd);
		return msg_fail(m, STATUS_NOMEM, "Out of memory opening %s.", name);
	}
	db->copy_fd = fd;
	db->busy_ms = 0;
	snprintf(db->jwhy, sizeof db->jwhy, "a copy has no audit journal");
	/* The file behind the descriptor, whatever its name now points to. */
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (!writable) {
		db->ro = DB_RO_COPY;
		if (file_uri(proc, "immutable=1", uri, sizeof uri) != 0) {
			ret = msg_fail(m, STATUS_ERR, "Cannot name %s.", name);
			goto cleanup;
		}
		ret = open_conn(db, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
			      m);
	} else {
		ret = open_conn(db, proc, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, m);
	}
	if (ret != STATUS_OK)
		goto cleanup;
	if ((rc = probe(db)) != SQLITE_OK) {
		ret = db_fail(db, rc, "opening the copy", m);
		goto cleanup;
	}
	if (!writable) {
		ret = setup(db, m);
		if (ret == STATUS_OK && db_schema_version(db) <= 0)
			ret = msg_fail(m, STATUS_INTEGRITY, "%s is not a Chartroom database.", name);
		if (ret == STATUS_OK && mode == DB_COPY_CHECK)
			ret = check_schema_readonly(db, m);
		else if (ret == STATUS_OK && db_schema_version(db) > db_schema_latest())
			ret = msg_fail(m, STATUS_SCHEMA,
				       "%s was written by a newer Chartroom (schema %d; this program "
				       "knows up to %d). Upgrade Chartroom first.",
				       name, db_schema_version(db), db_schema_latest());
	}
cleanup:
	if (ret != STATUS_OK) {
		db_close(db);
		return ret;
	}
	*out = db;
	return STATUS_OK;
}

db_ro_t db_readonly(const db_t *db)
{
	return db ? db->ro : DB_RW;
}

const char *db_readonly_text(db_ro_t why)
{
	switch (why) {
	case DB_RO_DISK_FULL:
		return "the disk is full";
	case DB_RO_FILE_MODE:
		return "file mode";
	case DB_RO_FILESYSTEM:
		return "read-only file system";
	case DB_RO_DIRECTORY:
		return "read-only directory";
	case DB_RO_COPY:
		return "read-only copy";
	case DB_RW:
		break;
	}
	return "";
}

status_t db_refuse_write(db_t *db, msg_t *m)
{
	return readonly_fail(db, 0, m);
}

void db_set_loss(db_t *db, const char *loss)
{
	if (db)
		db->loss = loss;
}

/* After a full disk, once no transaction is open: reads only, and not
 * through the memory map (no_map). */
static void settle_readonly(db_t *db)
{
	if (db->ro == DB_RO_DISK_FULL && !db->query_only && db->conn &&
	    sqlite3_get_autocommit(db->conn) &&
	    sqlite3_exec(db->conn, "PRAGMA query_only = 1", NULL, NULL, NULL) == SQLITE_OK) {
		db->query_only = 1;
		no_map(db);
	}
}

void db_retry_writes(db_t *db)
{
	if (!db || !db->conn || !sqlite3_get_autocommit(db->conn))
		return;
	/* A full disk is seen before anything tries to write: a sign-on then
	 * reads only, with the reason shown. */
	if (db->ro == DB_RW && db->copy_fd < 0 && disk_full_at(db->path)) {
		db->ro = DB_RO_DISK_FULL;
		settle_readonly(db);
		return;
	}
	/* A connection opened read-only (the -shm could not be made) stays
	 * so: only a new open can write. */
	if (db->ro != DB_RO_DISK_FULL || sqlite3_db_readonly(db->conn, "main") != 0 ||
	    disk_full_at(db->path))
		return;
	if (!db->query_only ||
	    sqlite3_exec(db->conn, "PRAGMA query_only = 0", NULL, NULL, NULL) == SQLITE_OK) {
		db->query_only = 0;
		db->ro = DB_RW;
		(void)sqlite3_exec(db->conn, "PRAGMA mmap_size = " DB_MAP_BYTES, NULL, NULL, NULL);
	}
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

status_t db_cached_int64(db_t *db, const char *sql, int64_t *v, const char *what, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, sql, &st, m);
	*v = 0;
	if (ret != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, rc, what, m);
	return STATUS_OK;
}

void db_close(db_t *db)
{
	if (!db)
		return;
	for (int i = 0; i < DB_STMT_CACHE; i++)
		if (db->cache[i].st)
			sqlite3_finalize(db->cache[i].st);
	db_journal_close(db);
	if (db->conn && db->copy_fd >= 0) {
		sqlite3_close(db->conn); /* a user's file: no group needed */
	} else if (db->conn) {
		/* The last connection checkpoints and deletes the -wal and -shm:
		 * in a shared install that needs the group on the directory. */
		int raised = privsep_raise(NULL) == STATUS_OK;
		sqlite3_close(db->conn);
		if (raised)
			privsep_lower();
	}
	if (db->copy_fd >= 0)
		close(db->copy_fd);
	if (db->wait.lock_fd >= 0)
		close(db->wait.lock_fd);
	free(db->path);
	free(db);
}

status_t db_begin(db_t *db, msg_t *m)
{
	status_t ret;
	/* Read-only: a read transaction; what it writes to the audit goes to
	 * the journal at commit, and any other write is refused. */
	if (db->ro != DB_RW) {
		settle_readonly(db);
		ret = db_exec(db, "BEGIN DEFERRED", "starting a change", m);
	} else {
		/* A wait for the write lock is announced (db_yield_to_writers). */
		db->wait.announce = 1;
		ret = db_exec(db, "BEGIN IMMEDIATE", "starting a change", m);
		db->wait.announce = 0;
		db_wait_over(&db->wait);
	}
	if (ret == STATUS_OK)
		db->txn_serial++;
	return ret;
}

/* ---- waiting in line ---------------------------------------------------- */

/* A connection waiting in db_begin holds a shared flock on the database's
 * directory (its own open description of it), which a long writer tests
 * between batches (db_yield_to_writers). Not a lock on the database file:
 * SQLite never flocks directories, and closing a descriptor of the
 * database file itself would drop this process's POSIX locks on it. */
static long long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int db_busy_wait(void *arg, int count)
{
	/* Short sleeps: a waiter must notice a free lock within the gap a long
	 * writer leaves between batches. Polling every few milliseconds costs
	 * a system call each time, nothing more. */
	static const int delay_ms[] = {1, 1, 2, 2, 3, 5};
	db_waiter_t *w = arg;
	long long now = mono_ms(), waited;
	struct timespec ts;
	int d;
	if (count == 0)
		w->start_ms = now;
	/* Tried at each call: it can miss while a long writer is testing. */
	if (w->announce && !w->announced && w->lock_fd >= 0 &&
	    flock(w->lock_fd, LOCK_SH | LOCK_NB) == 0)
		w->announced = 1;
	waited = now - w->start_ms;
	if (waited >= w->limit_ms)
		return 0;
	if (w->fn && waited >= DB_WAIT_NOTICE_MS && waited / 1000 != w->noticed_s) {
		w->noticed_s = (int)(waited / 1000);
		w->fn(w->arg, w->noticed_s);
	}
	d = count < (int)(sizeof delay_ms / sizeof delay_ms[0]) ? delay_ms[count] : 5;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)d * 1000000L;
	nanosleep(&ts, NULL);
	return 1;
}

void db_wait_over(db_waiter_t *w)
{
	if (w->announced) {
		flock(w->lock_fd, LOCK_UN);
		w->announced = 0;
	}
	if (w->noticed_s) {
		w->noticed_s = 0;
		if (w->fn)
			w->fn(w->arg, 0);
	}
}

void db_set_wait_notice(db_t *db, db_wait_fn fn, void *arg)
{
	db->wait.fn = fn;
	db->wait.arg = arg;
}

unsigned long db_txn_serial(const db_t *db)
{
	return db->txn_serial;
}

int db_writers_waiting(db_t *db)
{
	/* Nobody holds the shared lock when the exclusive one is granted. */
	if (db->wait.lock_fd < 0 || flock(db->wait.lock_fd, LOCK_EX | LOCK_NB) == 0) {
		if (db->wait.lock_fd >= 0)
			flock(db->wait.lock_fd, LOCK_UN);
		return 0;
	}
	return 1;
}

void db_yield_to_writers(db_t *db, int max_ms)
{
	long long until = mono_ms() + max_ms;
	struct timespec ts = {0, 1000000L};
	while (db_writers_waiting(db) && mono_ms() < until)
		nanosleep(&ts, NULL);
}

status_t db_commit(db_t *db, msg_t *m)
{
	status_t ret = db_exec(db, "COMMIT", "saving the change", m);
	if (ret == STATUS_OK)
		ret = db_journal_commit(db, m);
	if (ret == STATUS_OK)
		db->loss = NULL; /* named for this change only */
	return ret;
}

void db_rollback(db_t *db)
{
	if (!db || !db->conn)
		return;
	if (!sqlite3_get_autocommit(db->conn))
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	db_journal_rollback(db);
	settle_readonly(db);
	db->loss = NULL;
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
	 * end it, ROLLBACK does. Audit events recorded during the snapshot
	 * (held by the journal until a transaction ends) are written now: a
	 * read happened. */
	if (rc != SQLITE_DONE) {
		size_t held = db->jlen;
		db->jlen = 0;
		db_rollback(db);
		db->jlen = held;
	}
	if (db->jlen)
		db_journal_commit(db, &ignore);
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

/* Cached: every search reads a setting or two (the key epoch). */
static const char SQL_META_GET[] = "SELECT value FROM meta WHERE key = ?1";

status_t db_meta_get(db_t *db, const char *key, char *buf, size_t size, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_cached(db, SQL_META_GET, &st, m);
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
	sqlite3_reset(st);
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
