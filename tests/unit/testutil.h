/* testutil.h - helpers shared by the cmocka unit tests (static inline only):
 * temporary directories and databases, a test configuration, raw SQL on a
 * database file (to tamper with it the way an attacker with the file would),
 * and reading files back as bytes.
 *
 * Every helper that can fail fails the current test through cmocka's
 * assertions, so callers can use results without checking them. */
#ifndef CHARTROOM_TESTUTIL_H
#define CHARTROOM_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "base/status.h"
#include "core/audit.h"
#include "core/clinic.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/patient.h"
#include "core/session.h"
#include "core/users.h"
#include "db/db_journal.h"

/* Passwords used across the tests: long enough for the default policy
 * (15), not on the common list, not the user name. */
#define TU_ADMIN "admin"
#define TU_ADMIN_PW "correct horse battery staple admin"
#define TU_CLINIC "Test Clinic"

/* Start libsodium (and the process hardening) once per test binary. */
static inline void tu_crypto_init(void)
{
	msg_t m;
	status_t st = crypto_init(&m);
	if (st != STATUS_OK)
		fail_msg("crypto_init: %s", m.text);
}

/* A fresh private directory under $TMPDIR (or /tmp). */
static inline void tu_tmpdir(char out[PATH_MAX])
{
	const char *base = getenv("TMPDIR");
	snprintf(out, PATH_MAX, "%s/chartroom-unit.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(out))
		fail_msg("mkdtemp: %s", strerror(errno));
}

/* Remove a directory made by tu_tmpdir and the files in it (one level;
 * the tests make no subdirectories except where they remove them). */
static inline void tu_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX + 256];
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int n = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (n < 0 || (size_t)n >= sizeof p)
			continue;
		if (unlink(p) != 0 && errno == EISDIR)
			tu_rmtree(p);
	}
	closedir(d);
	rmdir(dir);
}

/* dir + "/" + name into out. */
static inline void tu_path(char out[PATH_MAX], const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	assert_true(n > 0 && n < PATH_MAX);
}

/* The configuration the tests use: the compiled-in defaults (Argon2id at
 * its floor cost, as real users get), a lockout after 3 failures so lockout
 * tests stay short, and a short busy timeout. */
static inline void tu_config(config_t *cfg)
{
	msg_t m;
	status_t st = config_defaults(cfg, &m);
	if (st != STATUS_OK)
		fail_msg("config_defaults: %s", m.text);
	cfg->lockout_after = 3;
	cfg->busy_timeout_ms = 2000;
}

/* Create a clinic database at path with admin TU_ADMIN / TU_ADMIN_PW.
 * recovery may be NULL. */
static inline void tu_clinic_init(const char *path, const config_t *cfg,
				  char recovery[CRYPTO_RECOVERY_TEXT])
{
	char rk[CRYPTO_RECOVERY_TEXT];
	msg_t m;
	status_t st = clinic_init(path, cfg, TU_ADMIN, TU_ADMIN_PW, TU_CLINIC, rk, &m);
	if (st != STATUS_OK)
		fail_msg("clinic_init(%s): %s", path, m.text);
	if (recovery)
		memcpy(recovery, rk, sizeof rk);
	sodium_memzero(rk, sizeof rk);
}

static inline clinic_t *tu_clinic_open(const char *path, const config_t *cfg)
{
	clinic_t *c = NULL;
	msg_t m;
	status_t st = clinic_open(path, cfg, &c, &m);
	if (st != STATUS_OK)
		fail_msg("clinic_open(%s): %s", path, m.text);
	return c;
}

/* Sign on, failing the test if that does not work. */
static inline session_t *tu_login(clinic_t *c, const char *name, const char *password)
{
	session_t *s = NULL;
	login_info_t info;
	msg_t m;
	status_t st = session_login(c, name, password, &s, &info, &m);
	if (st != STATUS_OK)
		fail_msg("login %s: %s (%s)", name, status_str(st), m.text);
	return s;
}

/* ---- raw SQL on a database file, as someone holding the file would ---- */

static inline sqlite3 *tu_sql_open(const char *path)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		fail_msg("sqlite3_open %s: %s", path, sqlite3_errstr(rc));
	}
	sqlite3_busy_timeout(db, 2000);
	return db;
}

/* Run statements (no results) on the file; fails the test on error. */
static inline void tu_sql(const char *path, const char *sql)
{
	sqlite3 *db = tu_sql_open(path);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		char text[512];
		snprintf(text, sizeof text, "%s", err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		sqlite3_close(db);
		fail_msg("SQL failed: %s\n  %s", text, sql);
	}
	sqlite3_close(db);
}

/* The first column of the first row as an integer (-1 when no row). */
static inline int64_t tu_sql_int(const char *path, const char *sql)
{
	sqlite3 *db = tu_sql_open(path);
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		fail_msg("SQL prepare failed: %s", sql);
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* The first column of the first row as text into buf ("" when no row). */
static inline void tu_sql_text(const char *path, const char *sql, char *buf, size_t size)
{
	sqlite3 *db = tu_sql_open(path);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	buf[0] = '\0';
	if (rc != SQLITE_OK) {
		sqlite3_close(db);
		fail_msg("SQL prepare failed: %s", sql);
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Flip (xor 0x01) byte `offset` of a blob column in the row selected by
 * `where` (e.g. "seq = 3"). Returns the blob's length. */
static inline size_t tu_sql_flip_blob(const char *path, const char *table, const char *column,
				      const char *where, size_t offset)
{
	sqlite3 *db = tu_sql_open(path);
	sqlite3_stmt *st = NULL;
	char sql[512];
	unsigned char *buf = NULL;
	size_t n = 0;
	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s", column, table, where);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = (size_t)sqlite3_column_bytes(st, 0);
	assert_true(offset < n);
	buf = malloc(n);
	assert_non_null(buf);
	memcpy(buf, sqlite3_column_blob(st, 0), n);
	sqlite3_finalize(st);
	buf[offset] ^= 0x01;
	snprintf(sql, sizeof sql, "UPDATE %s SET %s = ?1 WHERE %s", table, column, where);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, buf, (int)n, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(buf);
	return n;
}

/* ---- files as bytes ---- */

/* Whole file into a malloc'd buffer; NULL (and *len 0) if it is missing. */
static inline unsigned char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;
	*len = 0;
	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	if (size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(buf);
		fail_msg("short read of %s", path);
	}
	fclose(f);
	*len = (size_t)size;
	return buf;
}

static inline void tu_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static inline void tu_write_text(const char *path, const char *text)
{
	tu_write_file(path, text, strlen(text), 0600);
}

/* Copy a closed database file (no -wal left behind by a clean close). */
static inline void tu_copy_file(const char *src, const char *dst)
{
	size_t len = 0;
	unsigned char *buf = tu_read_file(src, &len);
	assert_non_null(buf);
	unlink(dst);
	tu_write_file(dst, buf, len, 0600);
	free(buf);
}

/* Does needle (n bytes) occur in hay? */
static inline int tu_contains(const unsigned char *hay, size_t hay_len, const void *needle,
			      size_t n)
{
	return n && hay && memmem(hay, hay_len, needle, n) != NULL;
}

/* Does s contain sub (plain strstr, for readable asserts)? */
static inline int tu_has(const char *s, const char *sub)
{
	return s && sub && strstr(s, sub) != NULL;
}

/* ---- staff, patients and the audit trail (core/users.h, patient.h) ---- */

/* Add a staff account through an administrator's session. */
static inline void tu_add_user(session_t *admin, const char *name, const char *role,
			       const char *password)
{
	msg_t m;
	status_t st = users_add(admin, name, role, password, &m);
	if (st != STATUS_OK)
		fail_msg("users_add %s: %s", name, m.text);
}

/* A patient with the four required fields set and everything else empty. */
static inline void tu_patient(patient_t *p, const char *last, const char *first, const char *dob,
			      const char *sex)
{
	memset(p, 0, sizeof *p);
	snprintf(p->f[PF_LAST], sizeof p->f[PF_LAST], "%s", last);
	snprintf(p->f[PF_FIRST], sizeof p->f[PF_FIRST], "%s", first);
	snprintf(p->f[PF_DOB], sizeof p->f[PF_DOB], "%s", dob);
	snprintf(p->f[PF_SEX], sizeof p->f[PF_SEX], "%s", sex);
}

/* Register p as s (anyway: even if it looks like a duplicate); fails the
 * test unless it was saved. */
static inline void tu_register(session_t *s, patient_t *p, int anyway)
{
	pfield_t bad = PF_COUNT;
	msg_t m;
	status_t st = patient_register(s, p, anyway, &bad, &m);
	if (st != STATUS_OK)
		fail_msg("patient_register %s, %s: %s (%s)", p->f[PF_LAST], p->f[PF_FIRST],
			 status_str(st), m.text);
}

/* What tu_audit_count collects from the audit journal. */
typedef struct tu_jcount {
	const char *action, *user;
	sqlite3 *db;
	sqlite3_stmt *seen;
	int64_t n;
} tu_jcount_t;

static inline int tu_jcount_one(const db_jevent_t *e, void *arg)
{
	tu_jcount_t *j = arg;
	int chained;
	if (strcmp(e->action, j->action) != 0 || (j->user && strcmp(e->user_name, j->user) != 0))
		return 0;
	sqlite3_reset(j->seen);
	sqlite3_bind_text(j->seen, 1, e->event_id, -1, SQLITE_TRANSIENT);
	chained = sqlite3_step(j->seen) == SQLITE_ROW;
	if (!chained)
		j->n++;
	return 0;
}

/* Audit rows with this action (and, unless NULL, this user name), counted
 * with plain SQL on the file (action and user name are stored clear): the
 * trail's entries plus the events waiting to be chained, failed sign-ons
 * in audit_pending and the rest in the audit journal (PATH.audit-journal,
 * read with db_journal_scan; those whose id is in audit_events are in the
 * trail already). A chained search entry may hold several searches; each
 * search waiting in the journal counts one. */
static inline int64_t tu_audit_count(const char *path, const char *action, const char *user)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM audit WHERE action = ?1 AND "
		"(?2 IS NULL OR user_name = ?2)) + (SELECT count(*) FROM audit_pending WHERE "
		"action = ?1 AND (?2 IS NULL OR user_name = ?2))";
	tu_jcount_t j = {action, user, NULL, NULL, 0};
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	msg_t m;
	status_t ret;
	j.db = tu_sql_open(path);
	if (sqlite3_prepare_v2(j.db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(j.db, "SELECT 1 FROM audit_events WHERE event_id = ?1", -1, &j.seen,
			       NULL) != SQLITE_OK) {
		sqlite3_close(j.db);
		fail_msg("SQL prepare failed: %s", sql);
	}
	sqlite3_bind_text(st, 1, action, -1, SQLITE_TRANSIENT);
	if (user)
		sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	ret = db_journal_scan(path, tu_jcount_one, &j, &m);
	if (ret != STATUS_OK && ret != STATUS_NOTFOUND)
		fail_msg("reading the audit journal of %s: %s", path, m.text);
	sqlite3_finalize(j.seen);
	sqlite3_close(j.db);
	return v + j.n;
}

/* Everything waiting in the audit journal chained into the trail (as the
 * next change would), through session s. */
static inline void tu_audit_flush(session_t *s)
{
	msg_t m;
	status_t st = audit_flush(s, &m);
	if (st != STATUS_OK)
		fail_msg("audit_flush: %s", m.text);
}

/* What tu_audit_find collects. */
typedef struct tu_audit_hits {
	const char *action;
	int n;
	char detail[512]; /* of the newest match */
	char target[72];
} tu_audit_hits_t;

static inline int tu_audit_hit(const audit_entry_t *e, void *arg)
{
	tu_audit_hits_t *h = arg;
	if (strcmp(e->action, h->action) == 0) {
		if (h->n == 0) {
			snprintf(h->detail, sizeof h->detail, "%s", e->detail);
			snprintf(h->target, sizeof h->target, "%s", e->target);
		}
		h->n++;
	}
	return 0;
}

/* Entries with `action` (and, unless NULL, for `target` / by `user`), read
 * back decrypted through audit_list by a session allowed to review the
 * trail. Returns how many; detail gets the newest one's detail. */
static inline int tu_audit_find(session_t *auditor, const char *action, const char *target,
				const char *user, char *detail, size_t size)
{
	tu_audit_hits_t h;
	audit_query_t q;
	msg_t m;
	status_t st;
	memset(&h, 0, sizeof h);
	memset(&q, 0, sizeof q);
	h.action = action;
	q.target = target;
	q.user_name = user;
	q.newest_first = 1;
	st = audit_list(auditor, &q, tu_audit_hit, &h, &m);
	if (st != STATUS_OK)
		fail_msg("audit_list: %s", m.text);
	if (detail)
		snprintf(detail, size, "%s", h.detail);
	return h.n;
}

/* Run SQL that may fail (a trigger, a constraint): the SQLite result code,
 * and the error text into err. */
static inline int tu_sql_try(const char *path, const char *sql, char *err, size_t size)
{
	sqlite3 *db = tu_sql_open(path);
	char *e = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &e);
	snprintf(err, size, "%s", e ? e : "");
	sqlite3_free(e);
	sqlite3_close(db);
	return rc;
}

/* ---- one clinic with a session per role, for a test's setup ---- */

/* The staff tu_clinic_up adds: user names, and passwords long enough for
 * the default policy, not common, not the name. */
#define TU_FD "fd1"
#define TU_FD_PW "front desk password unit fixture"
#define TU_NURSE "nurse1"
#define TU_NURSE_PW "nurse one password unit fixture"
#define TU_PROV "prov1"
#define TU_PROV_PW "provider one password unit fixture"
#define TU_HIM "him1"
#define TU_HIM_PW "him clerk password unit fixture"
#define TU_PRIV "priv1"
#define TU_PRIV_PW "privacy officer password unit fixture"

/* Which of them tu_clinic_start adds and signs on (or'ed together). */
enum {
	TU_R_FD = 1u << 0,
	TU_R_NURSE = 1u << 1,
	TU_R_PROV = 1u << 2,
	TU_R_HIM = 1u << 3,
	TU_R_PRIV = 1u << 4,
};

/* A fresh clinic in its own directory: the admin's session and one per
 * role asked for (NULL for the others). */
typedef struct tu_clinic {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	clinic_t *c;
	session_t *admin, *fd, *nurse, *prov, *him, *priv;
	char recovery[CRYPTO_RECOVERY_TEXT];
} tu_clinic_t;

/* The first half of tu_clinic_up: the directory, the database path and
 * the test configuration, which the caller may change before
 * tu_clinic_start. */
static inline void tu_clinic_prepare(tu_clinic_t *t)
{
	tu_crypto_init();
	t->cfg = calloc(1, sizeof *t->cfg);
	assert_non_null(t->cfg);
	tu_config(t->cfg);
	tu_tmpdir(t->dir);
	tu_path(t->db, t->dir, "clinic.db");
}

static inline session_t *tu_clinic_staff(tu_clinic_t *t, unsigned roles, unsigned role,
					 const char *name, const char *kind, const char *pw)
{
	if (!(roles & role))
		return NULL;
	tu_add_user(t->admin, name, kind, pw);
	return tu_login(t->c, name, pw);
}

/* The second half: create and open the clinic (its recovery key in
 * t->recovery), sign the admin on, add the staff in `roles` and sign
 * each on. */
static inline void tu_clinic_start(tu_clinic_t *t, unsigned roles)
{
	tu_clinic_init(t->db, t->cfg, t->recovery);
	t->c = tu_clinic_open(t->db, t->cfg);
	t->admin = tu_login(t->c, TU_ADMIN, TU_ADMIN_PW);
	t->fd = tu_clinic_staff(t, roles, TU_R_FD, TU_FD, "frontdesk", TU_FD_PW);
	t->nurse = tu_clinic_staff(t, roles, TU_R_NURSE, TU_NURSE, "nurse", TU_NURSE_PW);
	t->prov = tu_clinic_staff(t, roles, TU_R_PROV, TU_PROV, "provider", TU_PROV_PW);
	t->him = tu_clinic_staff(t, roles, TU_R_HIM, TU_HIM, "him", TU_HIM_PW);
	t->priv = tu_clinic_staff(t, roles, TU_R_PRIV, TU_PRIV, "privacy", TU_PRIV_PW);
}

static inline void tu_clinic_up(tu_clinic_t *t, unsigned roles)
{
	tu_clinic_prepare(t);
	tu_clinic_start(t, roles);
}

/* Sign every session off, close the clinic, remove its directory. Other
 * sessions the test opened on t->c are the caller's to end first. */
static inline void tu_clinic_down(tu_clinic_t *t)
{
	session_logout(t->priv);
	session_logout(t->him);
	session_logout(t->prov);
	session_logout(t->nurse);
	session_logout(t->fd);
	session_logout(t->admin);
	clinic_close(t->c);
	tu_rmtree(t->dir);
	free(t->cfg);
	sodium_memzero(t->recovery, sizeof t->recovery);
	memset(t, 0, sizeof *t);
}

/* A cmocka teardown for a fixture malloc'd by its setup whose first member
 * is its tu_clinic_t and that holds nothing else to end: the clinic down
 * and the fixture freed. */
static inline int tu_clinic_teardown(void **state)
{
	tu_clinic_t *t = *state;
	tu_clinic_down(t);
	free(t);
	return 0;
}

#endif
