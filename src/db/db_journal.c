/* db_journal.c - SQL for the audit side journal (PATH-events). */
#include "db/db_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/privsep.h"
#include "db/db_internal.h"

struct db_journal {
	sqlite3 *conn;
	char *path;
	int busy_ms;
	db_waiter_t wait;
	sqlite3_stmt *ins;
};

#define JCOLS                                                                      \
	"id, event_id, session_id, ts, user_id, user_name, os_user, source, action, " \
	"target, outcome, detail, key_version, mac"

/* Version 1 of the file. The journal holds only events waiting to be
 * chained, so a future format can be a new file name. */
static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS events ("
	" id INTEGER PRIMARY KEY,"
	" event_id TEXT NOT NULL UNIQUE,"
	" session_id TEXT NOT NULL,"
	" ts TEXT NOT NULL,"
	" user_id TEXT NOT NULL,"
	" user_name TEXT NOT NULL,"
	" os_user TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" target TEXT NOT NULL,"
	" outcome TEXT NOT NULL,"
	" detail BLOB,"
	" key_version INTEGER NOT NULL,"
	" mac BLOB NOT NULL) STRICT;"
	"CREATE INDEX IF NOT EXISTS events_user ON events(user_id, action, id);";

static status_t jfail(db_journal_t *j, int rc, const char *what, msg_t *m)
{
	int prim = rc & 0xff;
	if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
		return msg_fail(m, STATUS_BUSY,
				"Gave up %s after waiting %d s for the audit journal; nothing was "
				"recorded.",
				what, (j->busy_ms + 999) / 1000);
	return msg_fail(m, prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB ? STATUS_INTEGRITY
									   : STATUS_DB,
			"The audit journal (%s) could not be written %s: %s.", j->path, what,
			j->conn ? sqlite3_errmsg(j->conn) : sqlite3_errstr(rc));
}

static status_t jexec(db_journal_t *j, const char *sql, const char *what, msg_t *m)
{
	int rc = sqlite3_exec(j->conn, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return jfail(j, rc, what, m);
	return STATUS_OK;
}

/* Make the file if it is missing: like the database, the program's group
 * and mode 0660 in shared mode. Two processes may race: EEXIST is fine. */
static status_t make_file(const char *path, msg_t *m)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);
	if (fd < 0) {
		if (errno == EEXIST)
			return STATUS_OK;
		return msg_fail(m, STATUS_DB, "Cannot create the audit journal %s: %s.", path,
				strerror(errno));
	}
	if (privsep_shared() &&
	    (fchown(fd, (uid_t)-1, privsep_group()) != 0 || fchmod(fd, 0660) != 0)) {
		int e = errno;
		close(fd);
		unlink(path);
		return msg_fail(m, STATUS_DB, "Cannot give the audit journal %s to the group: %s.",
				path, strerror(e));
	}
	close(fd);
	return STATUS_OK;
}

status_t db_journal_open(db_t *db, db_journal_t **out, msg_t *m)
{
	status_t ret;
	db_journal_t *j = calloc(1, sizeof *j);
	size_t n = strlen(db->path) + sizeof "-events";
	int rc, raised = 0;

	*out = NULL;
	if (!j || !(j->path = malloc(n))) {
		free(j);
		return msg_fail(m, STATUS_NOMEM, "Out of memory opening the audit journal.");
	}
	snprintf(j->path, n, "%s-events", db->path);
	j->busy_ms = db->busy_ms;
	j->wait.limit_ms = db->busy_ms;
	j->wait.lock_fd = -1;
	/* As db_open: the group only for the create, the open and the first
	 * read, which opens the -wal and -shm for the connection's life. */
	if ((ret = privsep_raise(m)) != STATUS_OK)
		goto cleanup;
	raised = 1;
	if ((ret = make_file(j->path, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = privsep_check_db_file(j->path, m)) != STATUS_OK)
		goto cleanup;
	rc = sqlite3_open_v2(j->path, &j->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = jfail(j, rc, "opening it", m);
		goto cleanup;
	}
	sqlite3_extended_result_codes(j->conn, 1);
	if ((rc = sqlite3_busy_handler(j->conn, db_busy_wait, &j->wait)) != SQLITE_OK) {
		ret = jfail(j, rc, "opening it", m);
		goto cleanup;
	}
	if (sqlite3_db_readonly(j->conn, "main") != 0) {
		ret = msg_fail(m, STATUS_DB, "The audit journal %s cannot be written.", j->path);
		goto cleanup;
	}
	/* FULL: an event appended is an event the user was shown results
	 * for; it must survive a power cut, not only a crash. */
	ret = jexec(j,
		    "PRAGMA journal_mode = WAL;"
		    "PRAGMA synchronous = FULL;",
		    "setting it up", m);
	if (ret == STATUS_OK)
		ret = jexec(j, SCHEMA, "setting it up", m);
	if (ret == STATUS_OK)
		ret = jexec(j, "SELECT count(*) FROM events", "reading it", m);
	if (ret == STATUS_OK &&
	    (rc = sqlite3_prepare_v2(j->conn,
				     "INSERT INTO events(event_id, session_id, ts, user_id, user_name, "
				     "os_user, source, action, target, outcome, detail, key_version, "
				     "mac) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) "
				     "ON CONFLICT(event_id) DO NOTHING",
				     -1, &j->ins, NULL)) != SQLITE_OK)
		ret = jfail(j, rc, "preparing it", m);
cleanup:
	if (ret != STATUS_OK) {
		db_journal_close(j);
		j = NULL;
	}
	if (raised)
		privsep_lower();
	*out = j;
	return ret;
}

void db_journal_close(db_journal_t *j)
{
	if (!j)
		return;
	sqlite3_finalize(j->ins);
	if (j->conn) {
		/* The last one out checkpoints and removes the -wal and -shm. */
		int raised = privsep_raise(NULL) == STATUS_OK;
		sqlite3_close(j->conn);
		if (raised)
			privsep_lower();
	}
	free(j->path);
	free(j);
}

const char *db_journal_path(const db_journal_t *j)
{
	return j->path;
}

void db_journal_set_wait_notice(db_journal_t *j, db_wait_fn fn, void *arg)
{
	j->wait.fn = fn;
	j->wait.arg = arg;
}

status_t db_journal_append(db_journal_t *j, const db_jevent_t *e, msg_t *m)
{
	sqlite3_stmt *st = j->ins;
	int rc;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	db_bind_text(st, 1, e->event_id);
	db_bind_text(st, 2, e->session_id);
	db_bind_text(st, 3, e->ts);
	db_bind_text(st, 4, e->user_id);
	db_bind_text(st, 5, e->user_name);
	db_bind_text(st, 6, e->os_user);
	db_bind_text(st, 7, e->source);
	db_bind_text(st, 8, e->action);
	db_bind_text(st, 9, e->target);
	db_bind_text(st, 10, e->outcome);
	if (e->has_detail)
		db_bind_blob(st, 11, e->detail, e->detail_len);
	else
		sqlite3_bind_null(st, 11);
	sqlite3_bind_int(st, 12, e->key_version);
	db_bind_blob(st, 13, e->mac, DB_AUDIT_MAC_LEN);
	/* One statement in autocommit: its own transaction, synced (FULL)
	 * before sqlite3_step returns. */
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	db_wait_over(&j->wait);
	if (rc != SQLITE_DONE)
		return jfail(j, rc, "recording an audit event", m);
	return STATUS_OK;
}

static void row_to_event(sqlite3_stmt *st, db_jevent_t *e)
{
	const void *p;
	size_t n;
	memset(e, 0, offsetof(db_jevent_t, detail));
	e->id = sqlite3_column_int64(st, 0);
	db_col_text(st, 1, e->event_id, sizeof e->event_id);
	db_col_text(st, 2, e->session_id, sizeof e->session_id);
	db_col_text(st, 3, e->ts, sizeof e->ts);
	db_col_text(st, 4, e->user_id, sizeof e->user_id);
	db_col_text(st, 5, e->user_name, sizeof e->user_name);
	db_col_text(st, 6, e->os_user, sizeof e->os_user);
	db_col_text(st, 7, e->source, sizeof e->source);
	db_col_text(st, 8, e->action, sizeof e->action);
	db_col_text(st, 9, e->target, sizeof e->target);
	db_col_text(st, 10, e->outcome, sizeof e->outcome);
	e->has_detail = sqlite3_column_type(st, 11) != SQLITE_NULL;
	e->detail_len = 0;
	if (e->has_detail) {
		p = sqlite3_column_blob(st, 11);
		n = (size_t)sqlite3_column_bytes(st, 11);
		if (n > sizeof e->detail)
			n = sizeof e->detail; /* cut: its MAC will not match */
		if (p && n)
			memcpy(e->detail, p, n);
		e->detail_len = n;
	}
	e->key_version = sqlite3_column_int(st, 12);
	p = sqlite3_column_blob(st, 13);
	n = (size_t)sqlite3_column_bytes(st, 13);
	e->mac_len = n;
	memset(e->mac, 0, sizeof e->mac);
	if (p)
		memcpy(e->mac, p, n < sizeof e->mac ? n : sizeof e->mac);
}

status_t db_journal_take(db_journal_t *j, int limit, int (*fn)(const db_jevent_t *e, void *arg),
			 void *arg, int *more, msg_t *m)
{
	sqlite3_stmt *st = NULL, *del = NULL;
	db_jevent_t *e = NULL;
	int64_t *gone = NULL;
	size_t ngone = 0;
	int rc, seen = 0, in_tx = 0;
	status_t ret;

	*more = 0;
	/* The write lock, so the events read are exactly those committed
	 * before this point: none older can appear after it. */
	if ((ret = jexec(j, "BEGIN IMMEDIATE", "reading the audit journal", m)) != STATUS_OK) {
		db_wait_over(&j->wait);
		return ret;
	}
	db_wait_over(&j->wait);
	in_tx = 1;
	if ((rc = sqlite3_prepare_v2(j->conn, "SELECT " JCOLS " FROM events ORDER BY id LIMIT ?1",
				     -1, &st, NULL)) != SQLITE_OK) {
		ret = jfail(j, rc, "reading it", m);
		goto cleanup;
	}
	sqlite3_bind_int(st, 1, limit + 1);
	e = malloc(sizeof *e);
	gone = malloc(((size_t)limit + 1) * sizeof *gone);
	if (!e || !gone) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit journal.");
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r;
		if (seen == limit) {
			*more = 1;
			break;
		}
		seen++;
		row_to_event(st, e);
		r = fn(e, arg);
		if (r < 0) {
			ret = STATUS_ERR;
			goto cleanup;
		}
		if (r > 0)
			gone[ngone++] = e->id;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = jfail(j, rc, "reading it", m);
		goto cleanup;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (ngone) {
		if ((rc = sqlite3_prepare_v2(j->conn, "DELETE FROM events WHERE id = ?1", -1, &del,
					     NULL)) != SQLITE_OK) {
			ret = jfail(j, rc, "clearing chained events", m);
			goto cleanup;
		}
		for (size_t i = 0; i < ngone; i++) {
			sqlite3_bind_int64(del, 1, gone[i]);
			rc = sqlite3_step(del);
			sqlite3_reset(del);
			if (rc != SQLITE_DONE) {
				ret = jfail(j, rc, "clearing chained events", m);
				goto cleanup;
			}
		}
	}
	ret = jexec(j, "COMMIT", "clearing chained events", m);
	if (ret == STATUS_OK)
		in_tx = 0;
cleanup:
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	if (in_tx && !sqlite3_get_autocommit(j->conn))
		sqlite3_exec(j->conn, "ROLLBACK", NULL, NULL, NULL);
	free(gone);
	if (e) {
		memset(e, 0, sizeof *e);
		free(e);
	}
	return ret;
}

status_t db_journal_each(db_journal_t *j, const char *user_id, const char *action,
			 int newest_first, int (*fn)(const db_jevent_t *e, void *arg), void *arg,
			 msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_jevent_t *e = NULL;
	int rc;
	status_t ret = STATUS_OK;
	rc = sqlite3_prepare_v2(
		j->conn,
		newest_first ? "SELECT " JCOLS " FROM events WHERE (?1 IS NULL OR user_id = ?1) AND "
			       "(?2 IS NULL OR action = ?2) ORDER BY id DESC"
			     : "SELECT " JCOLS " FROM events WHERE (?1 IS NULL OR user_id = ?1) AND "
			       "(?2 IS NULL OR action = ?2) ORDER BY id",
		-1, &st, NULL);
	if (rc != SQLITE_OK)
		return jfail(j, rc, "reading it", m);
	if (!(e = malloc(sizeof *e))) {
		sqlite3_finalize(st);
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit journal.");
	}
	db_bind_text(st, 1, user_id);
	db_bind_text(st, 2, action);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_event(st, e);
		if (fn(e, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = jfail(j, rc, "reading it", m);
	db_wait_over(&j->wait);
	sqlite3_finalize(st);
	free(e);
	return ret;
}

status_t db_journal_count(db_journal_t *j, int64_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(j->conn, "SELECT count(*) FROM events", -1, &st, NULL);
	status_t ret = STATUS_OK;
	if (rc != SQLITE_OK)
		return jfail(j, rc, "reading it", m);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		ret = jfail(j, rc, "reading it", m);
	sqlite3_finalize(st);
	return ret;
}
