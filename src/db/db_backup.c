/* db_backup.c - SQLite's online backup, the integrity check, and the file
 * steps of a restore (db_backup.h). */
#include "db/db_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/privsep.h"
#include "db/db_internal.h"

status_t db_backup(db_t *src, db_t *dest, msg_t *m)
{
	sqlite3_backup *b;
	int rc, tries = 0;
	char *err = NULL;

	/* A new file needs no rollback journal while it is filled: if the
	 * copy fails, the caller deletes it. */
	rc = sqlite3_exec(dest->conn, "PRAGMA journal_mode = OFF", NULL, NULL, &err);
	sqlite3_free(err);
	if (rc != SQLITE_OK)
		return db_fail(dest, rc, "preparing the copy", m);
	if (!(b = sqlite3_backup_init(dest->conn, "main", src->conn, "main")))
		return db_fail(dest, sqlite3_extended_errcode(dest->conn), "starting the copy", m);
	/* -1: every page in one step, under one read transaction of the
	 * source. Busy only while another connection recovers the WAL: wait
	 * a little and try again. */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (++tries > 50)
			break;
		sqlite3_sleep(100);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return db_fail((rc & 0xff) == SQLITE_BUSY ? src : dest,
			       rc == SQLITE_DONE ? SQLITE_ERROR : rc, "copying the database", m);
	/* A single file: rollback-journal mode in its header (the backup
	 * copied the source's WAL marks only if the destination were WAL). */
	rc = sqlite3_exec(dest->conn, "PRAGMA journal_mode = DELETE", NULL, NULL, &err);
	sqlite3_free(err);
	if (rc != SQLITE_OK)
		return db_fail(dest, rc, "finishing the copy", m);
	if (dest->copy_fd >= 0 && fsync(dest->copy_fd) != 0)
		return msg_fail(m, STATUS_ERR, "Cannot write %s to disk: %s.", dest->path,
				strerror(errno));
	return STATUS_OK;
}

status_t db_integrity_check(db_t *db, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "PRAGMA integrity_check", &st, m);
	char first[256] = "";
	int rc, problems = 0;
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (t && strcmp((const char *)t, "ok") == 0)
			continue;
		if (!problems++)
			snprintf(first, sizeof first, "%s", t ? (const char *)t : "?");
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "checking the database's integrity", m);
	else if (problems)
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "%s failed its integrity check: %s%s (the file is damaged).", db->path,
			       first, problems > 1 ? ", and more" : "");
	sqlite3_finalize(st);
	return ret;
}

status_t db_size(db_t *db, int64_t *bytes, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "SELECT page_count * page_size FROM pragma_page_count, "
				      "pragma_page_size",
				  &st, m);
	int rc;
	if (ret != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*bytes = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "reading the database's size", m);
	sqlite3_finalize(st);
	return ret;
}

static int exists(const char *path);
static status_t check_unused(const char *path, msg_t *m);

status_t db_restore_file(const char *target, int replace, char *real, size_t real_size,
			 char *tmp, size_t tmp_size, int *fd, msg_t *m)
{
	status_t ret;
	uint32_t r;
	int n;

	*fd = -1;
	if ((ret = privsep_db_path(target, 1, real, real_size, m)) != STATUS_OK)
		return ret;
	if ((ret = privsep_raise(m)) != STATUS_OK)
		return ret;
	if (exists(real) && !replace) {
		ret = msg_fail(m, STATUS_EXISTS,
			       "%s exists; restoring would replace it. Nothing was changed: add "
			       "--force to restore over it (it is then kept beside it as %s.replaced-"
			       "TIME, never deleted).",
			       real, real);
		goto cleanup;
	}
	if ((ret = check_unused(real, m)) != STATUS_OK)
		goto cleanup;
	for (int tries = 0; tries < 10 && *fd < 0; tries++) {
		sqlite3_randomness(sizeof r, &r);
		n = snprintf(tmp, tmp_size, "%s.restore-%08x", real, r);
		if (n < 0 || (size_t)n >= tmp_size) {
			ret = msg_fail(m, STATUS_USAGE, "The database path is too long.");
			goto cleanup;
		}
		*fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0660);
		if (*fd < 0 && errno != EEXIST) {
			ret = msg_fail(m, STATUS_ERR, "Cannot create %s: %s.", tmp, strerror(errno));
			goto cleanup;
		}
	}
	if (*fd < 0) {
		ret = msg_fail(m, STATUS_ERR, "Cannot create a new file beside %s.", real);
		goto cleanup;
	}
	/* Shared mode: the program's group, as db_open gives a new database. */
	if (privsep_shared() &&
	    (fchown(*fd, (uid_t)-1, privsep_group()) != 0 || fchmod(*fd, 0660) != 0)) {
		ret = msg_fail(m, STATUS_ERR, "Cannot give %s to the program's group: %s.", tmp,
			       strerror(errno));
		close(*fd);
		*fd = -1;
		unlink(tmp);
	}
cleanup:
	privsep_lower();
	return ret;
}

static int exists(const char *path)
{
	struct stat sb;
	return lstat(path, &sb) == 0;
}

/* Call raised. */
static status_t check_unused(const char *path, msg_t *m)
{
	sqlite3 *c = NULL;
	status_t ret = STATUS_OK;
	int rc;

	if (!exists(path))
		return STATUS_OK;
	if (sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(c);
		return STATUS_OK; /* cannot even be opened: nobody uses it */
	}
	sqlite3_busy_timeout(c, 0);
	/* Exclusive locking: refused while any other connection has the
	 * database open (each holds a lock on it, even between reads). */
	rc = sqlite3_exec(c,
			  "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT; "
			  "PRAGMA wal_checkpoint(TRUNCATE);",
			  NULL, NULL, NULL);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		ret = msg_fail(m, STATUS_BUSY,
			       "%s is in use (someone is signed on or a command is running). Ask "
			       "everyone to sign off, then restore again; nothing was changed.",
			       path);
	sqlite3_close(c);
	return ret;
}

status_t db_check_unused(const char *path, msg_t *m)
{
	status_t ret;
	if ((ret = privsep_raise(m)) != STATUS_OK)
		return ret;
	ret = check_unused(path, m);
	privsep_lower();
	return ret;
}

static int sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) + (slash == path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static const char *const sides[] = {"-wal", "-shm", ".audit-journal"};

status_t db_restore_install(const char *tmp, const char *target, char *aside, size_t size,
			    msg_t *m)
{
	status_t ret;
	char from[PATH_MAX + 32], to[PATH_MAX + 64], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int moved = 0;

	aside[0] = '\0';
	if ((ret = privsep_raise(m)) != STATUS_OK)
		return ret;
	if (exists(target)) {
		if ((ret = check_unused(target, m)) != STATUS_OK)
			goto cleanup;
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
		for (int i = 0; i < 100; i++) {
			int n = i ? snprintf(aside, size, "%s.replaced-%s-%d", target, stamp, i)
				  : snprintf(aside, size, "%s.replaced-%s", target, stamp);
			if (n < 0 || (size_t)n >= size) {
				ret = msg_fail(m, STATUS_USAGE, "The database path is too long.");
				goto cleanup;
			}
			if (!exists(aside))
				break;
		}
		/* Kept, never deleted: the database first, then what goes with
		 * it, each under the same new name. */
		if (renameat2(AT_FDCWD, target, AT_FDCWD, aside, RENAME_NOREPLACE) != 0) {
			ret = msg_fail(m, STATUS_ERR, "Cannot move %s aside to %s: %s; nothing was "
						      "changed.",
				       target, aside, strerror(errno));
			aside[0] = '\0';
			goto cleanup;
		}
		moved = 1;
		for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
			snprintf(from, sizeof from, "%s%s", target, sides[i]);
			snprintf(to, sizeof to, "%s%s", aside, sides[i]);
			if (exists(from))
				rename(from, to);
		}
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) != 0) {
		ret = msg_fail(m, STATUS_ERR, "Cannot put the restored database at %s: %s.", target,
			       strerror(errno));
		if (moved && renameat2(AT_FDCWD, aside, AT_FDCWD, target, RENAME_NOREPLACE) == 0)
			aside[0] = '\0'; /* back where it was */
		goto cleanup;
	}
	snprintf(from, sizeof from, "%s.audit-journal", tmp);
	snprintf(to, sizeof to, "%s.audit-journal", target);
	if (exists(from) && renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) != 0)
		unlink(from); /* new and empty: made again at the next open */
	if (sync_dir_of(target) != 0)
		ret = msg_fail(m, STATUS_ERR, "The restored database is in place, but its directory "
					      "could not be synced to disk: %s.",
			       strerror(errno));
cleanup:
	privsep_lower();
	return ret;
}

void db_remove_files(const char *path)
{
	char side[PATH_MAX + 32];
	int raised = privsep_raise(NULL) == STATUS_OK;
	unlink(path);
	for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
		snprintf(side, sizeof side, "%s%s", path, sides[i]);
		unlink(side);
	}
	if (raised)
		privsep_lower();
}
