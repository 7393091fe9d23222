/* db_keys.c - SQL for domain_keys, key_wraps and key_grants. */
#include "db/db_keys.h"

#include <string.h>

#include "db/db_internal.h"

status_t db_domain_key_add(db_t *db, const char *domain, int version, const char *when,
			   msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
		db, "INSERT INTO domain_keys(domain, version, created) VALUES (?1, ?2, ?3)", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, domain);
	sqlite3_bind_int(st, 2, version);
	db_bind_text(st, 3, when);
	return db_exec_stmt(db, st, "recording a key", m);
}

status_t db_domain_key_current(db_t *db, const char *domain, int *version, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(
		db, "SELECT max(version) FROM domain_keys WHERE domain = ?1 AND active = 1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, domain);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*version = sqlite3_column_int(st, 0);
	else if (rc == SQLITE_ROW)
		ret = msg_fail(m, STATUS_NOTFOUND, "The database has no %s key.", domain);
	else
		ret = db_fail(db, rc, "reading key versions", m);
	sqlite3_finalize(st);
	return ret;
}

static status_t put(db_t *db, const char *sql, const db_wrap_t *w, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, w->holder);
	db_bind_text(st, 2, w->domain);
	sqlite3_bind_int(st, 3, w->version);
	db_bind_blob(st, 4, w->blob, w->blob_len);
	return db_exec_stmt(db, st, "saving a key", m);
}

static status_t each(db_t *db, const char *sql, const char *holder,
		     int (*fn)(const db_wrap_t *w, void *arg), void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_wrap_t w;
	int rc;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, holder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 3);
		size_t n = (size_t)sqlite3_column_bytes(st, 3);
		memset(&w, 0, sizeof w);
		db_col_text(st, 0, w.holder, sizeof w.holder);
		db_col_text(st, 1, w.domain, sizeof w.domain);
		w.version = sqlite3_column_int(st, 2);
		if (n > sizeof w.blob)
			n = sizeof w.blob; /* too long: will fail to unwrap, as it should */
		if (p && n)
			memcpy(w.blob, p, n);
		w.blob_len = n;
		if (fn(&w, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading keys", m);
	sqlite3_finalize(st);
	return ret;
}

static status_t del(db_t *db, const char *sql, const char *holder, const char *domain,
		    msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, holder);
	db_bind_text(st, 2, domain);
	return db_exec_stmt(db, st, "removing a key", m);
}

status_t db_wrap_put(db_t *db, const db_wrap_t *w, msg_t *m)
{
	return put(db,
		   "INSERT OR REPLACE INTO key_wraps(holder, domain, version, wrap) "
		   "VALUES (?1, ?2, ?3, ?4)",
		   w, m);
}

status_t db_wrap_each(db_t *db, const char *holder, int (*fn)(const db_wrap_t *w, void *arg),
		      void *arg, msg_t *m)
{
	return each(db,
		    "SELECT holder, domain, version, wrap FROM key_wraps WHERE holder = ?1 "
		    "ORDER BY domain, version",
		    holder, fn, arg, m);
}

status_t db_wrap_delete(db_t *db, const char *holder, const char *domain, msg_t *m)
{
	return del(db, "DELETE FROM key_wraps WHERE holder = ?1 AND (?2 IS NULL OR domain = ?2)",
		   holder, domain, m);
}

status_t db_grant_put(db_t *db, const db_wrap_t *g, msg_t *m)
{
	return put(db,
		   "INSERT OR REPLACE INTO key_grants(user_id, domain, version, sealed) "
		   "VALUES (?1, ?2, ?3, ?4)",
		   g, m);
}

status_t db_grant_each(db_t *db, const char *user_id, int (*fn)(const db_wrap_t *g, void *arg),
		       void *arg, msg_t *m)
{
	return each(db,
		    "SELECT user_id, domain, version, sealed FROM key_grants WHERE user_id = ?1 "
		    "ORDER BY domain, version",
		    user_id, fn, arg, m);
}

status_t db_grant_delete(db_t *db, const char *user_id, const char *domain, msg_t *m)
{
	return del(db, "DELETE FROM key_grants WHERE user_id = ?1 AND (?2 IS NULL OR domain = ?2)",
		   user_id, domain, m);
}

status_t db_key_holders(db_t *db, const char *domain, const char *except, int *count, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT count(DISTINCT u.id) FROM users u WHERE u.disabled = 0 "
				  "AND u.id <> ?2 AND (EXISTS (SELECT 1 FROM key_wraps w WHERE "
				  "w.holder = u.id AND w.domain = ?1) OR EXISTS (SELECT 1 FROM "
				  "key_grants g WHERE g.user_id = u.id AND g.domain = ?1))",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, domain);
	db_bind_text(st, 2, except ? except : "");
	*count = 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int(st, 0);
	else
		ret = db_fail(db, rc, "reading keys", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_domain_key_each(db_t *db, int (*fn)(const db_domain_key_t *k, void *arg), void *arg,
			    msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_domain_key_t k;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT domain, version, active, created FROM domain_keys "
				  "ORDER BY domain, version",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&k, 0, sizeof k);
		db_col_text(st, 0, k.domain, sizeof k.domain);
		k.version = sqlite3_column_int(st, 1);
		k.active = sqlite3_column_int(st, 2);
		db_col_text(st, 3, k.created, sizeof k.created);
		if (fn(&k, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading key versions", m);
	sqlite3_finalize(st);
	return ret;
}

static status_t one_int(db_t *db, const char *sql, const char *text, int num, int64_t *out,
			const char *what, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, text);
	sqlite3_bind_int(st, 2, num);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, what, m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_domain_key_next(db_t *db, const char *domain, int *version, msg_t *m)
{
	int64_t v = 0;
	status_t ret = one_int(db,
			       "SELECT coalesce(max(version), 0) + 1 + 0 * ?2 FROM domain_keys "
			       "WHERE domain = ?1",
			       domain, 0, &v, "reading key versions", m);
	*version = (int)v;
	return ret;
}

status_t db_domain_key_active(db_t *db, const char *domain, int version, int *active, msg_t *m)
{
	int64_t v = 0;
	status_t ret = one_int(db,
			       "SELECT count(*) FROM domain_keys WHERE domain = ?1 AND version = ?2 "
			       "AND active = 1",
			       domain, version, &v, "reading key versions", m);
	*active = v > 0;
	return ret;
}

status_t db_domain_key_retired(db_t *db, const char *domain, int version, int *retired,
			       msg_t *m)
{
	int64_t v = 0;
	status_t ret = one_int(db,
			       "SELECT count(*) FROM domain_keys WHERE domain = ?1 AND version = ?2 "
			       "AND active = 0",
			       domain, version, &v, "reading key versions", m);
	*retired = v > 0;
	return ret;
}

status_t db_domain_key_retire(db_t *db, const char *domain, int version, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
		db, "UPDATE domain_keys SET active = 0 WHERE domain = ?1 AND version = ?2", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, domain);
	sqlite3_bind_int(st, 2, version);
	return db_exec_stmt(db, st, "retiring a key", m);
}

status_t db_key_has(db_t *db, const char *holder, const char *domain, int version, int *has,
		    msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT EXISTS (SELECT 1 FROM key_wraps WHERE holder = ?1 AND "
				  "domain = ?2 AND version = ?3) OR EXISTS (SELECT 1 FROM key_grants "
				  "WHERE user_id = ?1 AND domain = ?2 AND version = ?3)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, holder);
	db_bind_text(st, 2, domain);
	sqlite3_bind_int(st, 3, version);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*has = sqlite3_column_int(st, 0);
	else
		ret = db_fail(db, rc, "reading keys", m);
	sqlite3_finalize(st);
	return ret;
}

static status_t delete_version(db_t *db, const char *sql, const char *domain, int version,
			       int64_t *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, domain);
	sqlite3_bind_int(st, 2, version);
	ret = db_exec_stmt(db, st, "destroying a key version", m);
	if (ret == STATUS_OK && n)
		*n = sqlite3_changes(db->conn);
	return ret;
}

status_t db_key_version_delete(db_t *db, const char *domain, int version, int64_t *wraps,
			       int64_t *grants, msg_t *m)
{
	status_t ret = delete_version(db, "DELETE FROM key_wraps WHERE domain = ?1 AND version = ?2",
				      domain, version, wraps, m);
	if (ret == STATUS_OK)
		ret = delete_version(db,
				     "DELETE FROM key_grants WHERE domain = ?1 AND version = ?2",
				     domain, version, grants, m);
	return ret;
}

status_t db_key_version_holders(db_t *db, const char *domain, int version, int64_t *count,
				msg_t *m)
{
	return one_int(db,
		       "SELECT count(*) FROM users u WHERE u.disabled = 0 AND (EXISTS (SELECT 1 FROM "
		       "key_wraps w WHERE w.holder = u.id AND w.domain = ?1 AND w.version = ?2) OR "
		       "EXISTS (SELECT 1 FROM key_grants g WHERE g.user_id = u.id AND g.domain = ?1 "
		       "AND g.version = ?2))",
		       domain, version, count, "reading keys", m);
}

status_t db_key_version_count(db_t *db, const char *domain, int version, int64_t *count,
			      msg_t *m)
{
	return one_int(db,
		       "SELECT (SELECT count(*) FROM key_wraps WHERE domain = ?1 AND version = ?2) + "
		       "(SELECT count(*) FROM key_grants WHERE domain = ?1 AND version = ?2)",
		       domain, version, count, "reading keys", m);
}

/* ?1: the version as a one-byte blob (a stored value's second byte). */
static const char USES_DEMO[] =
	"SELECT (SELECT count(*) FROM patients WHERE substr(ident, 2, 1) = ?1 "
	"OR substr(details, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM encounters WHERE substr(location_ct, 2, 1) = ?1 "
	"OR substr(mac, 2, 1) = ?1 OR substr(coding_mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM vitals WHERE substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM allergies WHERE substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM allergy_review WHERE substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM medications WHERE substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM problems WHERE substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM notes WHERE substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM btg_queue WHERE substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM chart_heads WHERE substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM disclosures WHERE substr(body, 2, 1) = ?1 "
	"OR substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM rights_requests WHERE substr(body, 2, 1) = ?1 "
	"OR substr(mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM merges WHERE substr(reason, 2, 1) = ?1 "
	"OR substr(mac, 2, 1) = ?1 OR substr(undo_reason, 2, 1) = ?1 "
	"OR substr(undo_mac, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM merge_rows WHERE substr(mac, 2, 1) = ?1)";
static const char USES_CLIN[] =
	"SELECT (SELECT count(*) FROM allergies WHERE substr(substance, 2, 1) = ?1 "
	"OR substr(reaction, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM medications WHERE substr(name, 2, 1) = ?1 "
	"OR substr(dose, 2, 1) = ?1 OR substr(frequency_ct, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM problems WHERE substr(description, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM notes WHERE substr(body, 2, 1) = ?1) "
	"+ (SELECT count(*) FROM encounters WHERE substr(reason, 1, 1) = x'06' "
	"OR (substr(reason, 1, 1) = x'07' AND substr(reason, 2, 1) = ?1))";
static const char USES_INDEX[] =
	"SELECT count(*) FROM patients WHERE match IS NULL OR instr(match, ?1) = 0";

status_t db_key_version_uses(db_t *db, const char *domain, int version,
			     const unsigned char *marker, size_t marker_len, int64_t *count,
			     msg_t *m)
{
	sqlite3_stmt *st = NULL;
	unsigned char v = (unsigned char)version;
	int rc, index = strcmp(domain, "index") == 0;
	const char *sql = index ? USES_INDEX
			  : strcmp(domain, "demo") == 0 ? USES_DEMO
			  : strcmp(domain, "clin") == 0 ? USES_CLIN
							 : NULL;
	status_t ret;
	*count = 0;
	if (!sql)
		return msg_fail(m, STATUS_ERR, "No stored values are counted for the %s key.", domain);
	if ((ret = db_prepare(db, sql, &st, m)) != STATUS_OK)
		return ret;
	if (index)
		db_bind_blob(st, 1, marker, marker_len);
	else
		db_bind_blob(st, 1, &v, 1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "counting values under a key version", m);
	sqlite3_finalize(st);
	return ret;
}
