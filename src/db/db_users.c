/* db_users.c - SQL for the users table. */
#include "db/db_users.h"

#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

#define USER_COLS                                                                      \
	"id, name, role, disabled, locked, failed_count, last_login, last_from, kdf_salt, " \
	"kdf_ops, kdf_mem, public_key, secret_wrap, created, updated, mac"

static void blob_copy(sqlite3_stmt *st, int col, unsigned char *dst, size_t cap, size_t *len)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	if (n > cap)
		n = cap;
	if (p && n)
		memcpy(dst, p, n);
	if (len)
		*len = n;
}

static void user_from_row(sqlite3_stmt *st, db_user_t *u)
{
	memset(u, 0, sizeof *u);
	db_col_text(st, 0, u->id, sizeof u->id);
	db_col_text(st, 1, u->name, sizeof u->name);
	db_col_text(st, 2, u->role, sizeof u->role);
	u->disabled = sqlite3_column_int(st, 3);
	u->locked = sqlite3_column_int(st, 4);
	u->failed_count = sqlite3_column_int(st, 5);
	db_col_text(st, 6, u->last_login, sizeof u->last_login);
	db_col_text(st, 7, u->last_from, sizeof u->last_from);
	blob_copy(st, 8, u->kdf_salt, sizeof u->kdf_salt, NULL);
	u->kdf_ops = (uint64_t)sqlite3_column_int64(st, 9);
	u->kdf_mem = (uint64_t)sqlite3_column_int64(st, 10);
	blob_copy(st, 11, u->public_key, sizeof u->public_key, NULL);
	blob_copy(st, 12, u->secret_wrap, sizeof u->secret_wrap, &u->secret_wrap_len);
	db_col_text(st, 13, u->created, sizeof u->created);
	db_col_text(st, 14, u->updated, sizeof u->updated);
	/* A MAC of the wrong length is kept as "some bytes": it fails its
	 * check instead of passing for an unsealed row. */
	u->mac_len = (size_t)sqlite3_column_bytes(st, 15);
	if (u->mac_len == DB_USER_MAC_LEN)
		blob_copy(st, 15, u->mac, sizeof u->mac, NULL);
}

status_t db_user_insert(db_t *db, const db_user_t *u, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO users(" USER_COLS ") VALUES "
				  "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, u->id);
	db_bind_text(st, 2, u->name);
	db_bind_text(st, 3, u->role);
	sqlite3_bind_int(st, 4, u->disabled);
	sqlite3_bind_int(st, 5, u->locked);
	sqlite3_bind_int(st, 6, u->failed_count);
	db_bind_text(st, 7, u->last_login[0] ? u->last_login : NULL);
	db_bind_text(st, 8, u->last_from[0] ? u->last_from : NULL);
	db_bind_blob(st, 9, u->kdf_salt, sizeof u->kdf_salt);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)u->kdf_ops);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)u->kdf_mem);
	db_bind_blob(st, 12, u->public_key, sizeof u->public_key);
	db_bind_blob(st, 13, u->secret_wrap, u->secret_wrap_len);
	db_bind_text(st, 14, u->created);
	db_bind_text(st, 15, u->updated);
	if (u->mac_len == DB_USER_MAC_LEN)
		db_bind_blob(st, 16, u->mac, u->mac_len);
	ret = db_exec_stmt(db, st, "saving the user", m);
	if (ret == STATUS_EXISTS)
		msg_set(m, "A user named %s already exists.", u->name);
	return ret;
}

static status_t user_get(db_t *db, const char *sql, const char *key, db_user_t *out,
			 msg_t *m)
{
	sqlite3_stmt *st = NULL;
	/* Cached: sign-on and user screens read accounts often. */
	status_t ret = db_cached(db, sql, &st, m);
	int rc;
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		user_from_row(st, out);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "No such user.");
	else
		ret = db_fail(db, rc, "reading the user", m);
	sqlite3_reset(st);
	return ret;
}

static const char SQL_USER_BY_NAME[] = "SELECT " USER_COLS " FROM users WHERE name = ?1";
static const char SQL_USER_BY_ID[] = "SELECT " USER_COLS " FROM users WHERE id = ?1";

status_t db_user_get_by_name(db_t *db, const char *name, db_user_t *out, msg_t *m)
{
	return user_get(db, SQL_USER_BY_NAME, name, out, m);
}

status_t db_user_get_by_id(db_t *db, const char *id, db_user_t *out, msg_t *m)
{
	return user_get(db, SQL_USER_BY_ID, id, out, m);
}

static const char SQL_USER_STATUS[] = "SELECT disabled, role FROM users WHERE id = ?1";

status_t db_user_status(db_t *db, const char *id, int *disabled, char role[DB_ROLE_MAX + 1],
			msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_cached(db, SQL_USER_STATUS, &st, m);
	int rc;
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*disabled = sqlite3_column_int(st, 0);
		db_col_text(st, 1, role, DB_ROLE_MAX + 1);
	} else if (rc == SQLITE_DONE) {
		ret = msg_fail(m, STATUS_NOTFOUND, "No such user.");
	} else {
		ret = db_fail(db, rc, "reading the user", m);
	}
	sqlite3_reset(st);
	return ret;
}

static const char SQL_USER_STATUS_EPOCH[] =
	"SELECT disabled, role, (SELECT value FROM meta WHERE key = 'key_epoch') FROM users "
	"WHERE id = ?1";

status_t db_user_status_epoch(db_t *db, const char *id, int *disabled,
			      char role[DB_ROLE_MAX + 1], long long *epoch, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_cached(db, SQL_USER_STATUS_EPOCH, &st, m);
	int rc;
	*epoch = 0;
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *e = sqlite3_column_text(st, 2);
		*disabled = sqlite3_column_int(st, 0);
		db_col_text(st, 1, role, DB_ROLE_MAX + 1);
		*epoch = e ? strtoll((const char *)e, NULL, 10) : 0;
	} else if (rc == SQLITE_DONE) {
		ret = msg_fail(m, STATUS_NOTFOUND, "No such user.");
	} else {
		ret = db_fail(db, rc, "reading the user", m);
	}
	sqlite3_reset(st);
	return ret;
}

status_t db_user_each(db_t *db, int (*fn)(const db_user_t *u, void *arg), void *arg,
		      msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_user_t u;
	int rc;
	status_t ret = db_prepare(db, "SELECT " USER_COLS " FROM users ORDER BY name", &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		user_from_row(st, &u);
		if (fn(&u, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "listing users", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_user_count(db_t *db, const char *role, int *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT count(*) FROM users WHERE ?1 IS NULL OR role = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, role);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		ret = db_fail(db, rc, "counting users", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_user_login_ok(db_t *db, const char *id, const char *when, const char *from,
			  msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE users SET last_login = ?2, last_from = ?3, failed_count = 0 "
				  "WHERE id = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, when);
	db_bind_text(st, 3, from);
	return db_exec_stmt(db, st, "recording the sign-on", m);
}

status_t db_user_login_failed(db_t *db, const char *id, int lock_after, int *count_out,
			      int *locked_out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "UPDATE users SET failed_count = failed_count + 1, "
				  "locked = CASE WHEN failed_count + 1 >= ?2 THEN 1 ELSE locked END "
				  "WHERE id = ?1 RETURNING failed_count, locked",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, id);
	sqlite3_bind_int(st, 2, lock_after);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count_out = sqlite3_column_int(st, 0);
		*locked_out = sqlite3_column_int(st, 1);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "recording the failed sign-on", m);
	sqlite3_finalize(st);
	return ret;
}

static status_t user_update(db_t *db, const char *sql, const char *id, const char *text,
			    int num, const char *when, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, id);
	if (text)
		db_bind_text(st, 2, text);
	else
		sqlite3_bind_int(st, 2, num);
	db_bind_text(st, 3, when);
	ret = db_exec_stmt(db, st, "updating the user", m);
	if (ret == STATUS_OK && sqlite3_changes(db->conn) == 0)
		ret = msg_fail(m, STATUS_NOTFOUND, "No such user.");
	return ret;
}

status_t db_user_set_role(db_t *db, const char *id, const char *role, const char *when,
			  msg_t *m)
{
	return user_update(db, "UPDATE users SET role = ?2, updated = ?3 WHERE id = ?1", id, role,
			   0, when, m);
}

status_t db_user_set_disabled(db_t *db, const char *id, int disabled, const char *when,
			      msg_t *m)
{
	return user_update(db, "UPDATE users SET disabled = ?2, updated = ?3 WHERE id = ?1", id,
			   NULL, disabled, when, m);
}

status_t db_user_unlock(db_t *db, const char *id, const char *when, msg_t *m)
{
	return user_update(db,
			   "UPDATE users SET locked = 0, failed_count = ?2, updated = ?3 "
			   "WHERE id = ?1",
			   id, NULL, 0, when, m);
}

status_t db_user_set_credentials(db_t *db, const db_user_t *u, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE users SET kdf_salt = ?2, kdf_ops = ?3, kdf_mem = ?4, "
				  "public_key = ?5, secret_wrap = ?6, updated = ?7 WHERE id = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, u->id);
	db_bind_blob(st, 2, u->kdf_salt, sizeof u->kdf_salt);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)u->kdf_ops);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)u->kdf_mem);
	db_bind_blob(st, 5, u->public_key, sizeof u->public_key);
	db_bind_blob(st, 6, u->secret_wrap, u->secret_wrap_len);
	db_bind_text(st, 7, u->updated);
	return db_exec_stmt(db, st, "saving the new password", m);
}

status_t db_user_set_mac(db_t *db, const char *id, const unsigned char *mac, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, "UPDATE users SET mac = ?2 WHERE id = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, id);
	db_bind_blob(st, 2, mac, DB_USER_MAC_LEN);
	return db_exec_stmt(db, st, "saving the user", m);
}

status_t db_user_seen(db_t *db, const char *id, const char *when, const char *from, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE users SET last_login = ?2, last_from = ?3 WHERE id = ?1 "
				  "AND (last_login IS NULL OR last_login <= ?2)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, when);
	db_bind_text(st, 3, from);
	return db_exec_stmt(db, st, "recording a sign-on", m);
}
