/* test_db.c - db/db.h and the small repositories: opening with the right
 * pragmas, migrations, refusing files that are not ours (newer schema,
 * random bytes, existing files on create), transactions, the meta table,
 * checkpoints, and the audit/key/user tables' SQL. */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "base/embedded.h"
#include "db/db.h"
#include "db/db_audit.h"
#include "db/db_internal.h"
#include "db/db_keys.h"
#include "db/db_users.h"

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

static db_t *create_db(const char *path)
{
	db_t *db = NULL;
	msg_t m;
	status_t st = db_open(path, DB_OPEN_CREATE, 2000, &db, &m);
	if (st != STATUS_OK)
		fail_msg("db_open create: %s", m.text);
	return db;
}

/* A statement on the db's own connection (per-connection pragmas). */
static int conn_int(db_t *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	assert_int_equal(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void conn_text(db_t *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *st = NULL;
	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* Byte-for-byte and mtime snapshot of a file. */
typedef struct snapshot {
	unsigned char *bytes;
	size_t len;
	struct timespec mtime;
	mode_t mode;
} snapshot_t;

static void snap(const char *path, snapshot_t *s)
{
	struct stat sb;
	s->bytes = tu_read_file(path, &s->len);
	assert_non_null(s->bytes);
	assert_int_equal(stat(path, &sb), 0);
	s->mtime = sb.st_mtim;
	s->mode = sb.st_mode;
}

static void expect_unchanged(const char *path, snapshot_t *before)
{
	snapshot_t now;
	snap(path, &now);
	assert_int_equal(now.len, before->len);
	assert_memory_equal(now.bytes, before->bytes, now.len);
	assert_int_equal(now.mtime.tv_sec, before->mtime.tv_sec);
	assert_int_equal(now.mtime.tv_nsec, before->mtime.tv_nsec);
	assert_int_equal(now.mode, before->mode);
	free(now.bytes);
	free(before->bytes);
	before->bytes = NULL;
}

static void test_new_db_is_at_latest_schema(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	msg_t m;
	assert_true(db_schema_latest() >= 1);
	assert_int_equal(db_schema_version(db), db_schema_latest());
	assert_string_equal(db_path(db), f->db);
	db_close(db);
	/* And it opens again as an existing database, unchanged. */
	assert_int_equal(db_open(f->db, DB_OPEN_EXISTING, 2000, &db, &m), STATUS_OK);
	assert_int_equal(db_schema_version(db), db_schema_latest());
	db_close(db);
	assert_int_equal(tu_sql_int(f->db, "PRAGMA user_version"), db_schema_latest());
	db_close(NULL);
}

/* The schema version is the migration's place in the list, and each
 * file's number is assigned to one change (007 rows, 008 policy, ...): the
 * Nth migration must be numbered N, so a gap or a number used twice (two
 * branches merged) cannot shift every later version silently. */
static void test_migrations_numbered_in_order(void **state)
{
	char want[16];
	(void)state;
	for (int v = 1; v <= db_schema_latest(); v++) {
		const char *name = embedded_migrations[v - 1].name;
		snprintf(want, sizeof want, "%03d_", v);
		if (strncmp(name, want, strlen(want)) != 0)
			fail_msg("migration %d is %s; expected a name starting %s", v, name, want);
	}
}

static void test_pragmas(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	char mode[32];
	msg_t m;
	conn_text(db, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(conn_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(conn_int(db, "PRAGMA secure_delete"), 1);
	db_close(db);
	/* Again on an existing file, with another busy timeout. */
	assert_int_equal(db_open(f->db, DB_OPEN_EXISTING, 750, &db, &m), STATUS_OK);
	conn_text(db, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(conn_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(conn_int(db, "PRAGMA secure_delete"), 1);
	db_close(db);
	/* WAL is recorded in the file itself: any connection sees it. */
	{
		char raw[32];
		tu_sql_text(f->db, "PRAGMA journal_mode", raw, sizeof raw);
		assert_string_equal(raw, "wal");
	}
}

static void test_foreign_keys_enforced(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	db_wrap_t g;
	msg_t m;
	/* key_grants.user_id references users(id): a grant for nobody fails. */
	memset(&g, 0, sizeof g);
	snprintf(g.holder, sizeof g.holder, "0123456789abcdef0123456789abcdef");
	snprintf(g.domain, sizeof g.domain, "clin");
	g.version = 1;
	g.blob_len = 80;
	assert_int_not_equal(db_grant_put(db, &g, &m), STATUS_OK);
	db_close(db);
}

static void test_created_file_not_world_accessible(void **state)
{
	fixture_t *f = *state;
	struct stat sb;
	db_t *db = create_db(f->db);
	db_close(db);
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0007, 0);
}

static void test_newer_schema_refused(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	char sql[64];
	msg_t m;
	int newer = db_schema_latest() + 1;
	db_close(db);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", newer);
	tu_sql(f->db, sql);
	db = (db_t *)&db; /* must be reset to NULL on failure */
	assert_int_equal(db_open(f->db, DB_OPEN_EXISTING, 2000, &db, &m), STATUS_SCHEMA);
	assert_null(db);
	assert_true(tu_has(m.text, "newer"));
	/* Left as it was: not "migrated" down or otherwise touched. */
	assert_int_equal(tu_sql_int(f->db, "PRAGMA user_version"), newer);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM users"), 0);
}

static void test_random_bytes_refused(void **state)
{
	fixture_t *f = *state;
	unsigned char junk[8192];
	snapshot_t before;
	db_t *db = NULL;
	msg_t m;
	status_t st;
	randombytes_buf(junk, sizeof junk);
	tu_write_file(f->db, junk, sizeof junk, 0600);
	snap(f->db, &before);
	msg_clear(&m);
	st = db_open(f->db, DB_OPEN_EXISTING, 2000, &db, &m);
	assert_int_equal(st, STATUS_INTEGRITY);
	assert_null(db);
	assert_true(tu_has(m.text, "not a Chartroom database") || tu_has(m.text, "damaged"));
	expect_unchanged(f->db, &before);
}

static void test_foreign_sqlite_db_refused(void **state)
{
	fixture_t *f = *state;
	db_t *db = NULL;
	snapshot_t before;
	msg_t m;
	char empty[PATH_MAX];
	/* Somebody else's SQLite database: user_version 0, other tables. */
	{
		sqlite3 *raw = NULL;
		assert_int_equal(sqlite3_open(f->db, &raw), SQLITE_OK);
		assert_int_equal(sqlite3_exec(raw, "CREATE TABLE recipes(name TEXT)", NULL, NULL, NULL),
				 SQLITE_OK);
		sqlite3_close(raw);
	}
	snap(f->db, &before);
	assert_int_equal(db_open(f->db, DB_OPEN_EXISTING, 2000, &db, &m), STATUS_NOTFOUND);
	assert_null(db);
	assert_true(tu_has(m.text, "not a Chartroom database"));
	/* Refused without a write: not our schema, not even WAL mode. */
	expect_unchanged(f->db, &before);
	assert_int_equal(tu_sql_int(f->db, "PRAGMA user_version"), 0);
	/* An empty file is not a Chartroom database either, and stays empty. */
	tu_path(empty, f->dir, "empty.db");
	tu_write_file(empty, "", 0, 0600);
	snap(empty, &before);
	assert_int_equal(db_open(empty, DB_OPEN_EXISTING, 2000, &db, &m), STATUS_NOTFOUND);
	assert_null(db);
	expect_unchanged(empty, &before);
}

static void test_create_refuses_existing_file(void **state)
{
	fixture_t *f = *state;
	snapshot_t before;
	db_t *db = create_db(f->db);
	char other[PATH_MAX];
	msg_t m;
	db_close(db);
	snap(f->db, &before);
	db = (db_t *)&db;
	assert_int_equal(db_open(f->db, DB_OPEN_CREATE, 2000, &db, &m), STATUS_EXISTS);
	assert_null(db);
	assert_true(tu_has(m.text, "already exists"));
	expect_unchanged(f->db, &before);
	/* Not only databases: any file at the path is left alone. */
	tu_path(other, f->dir, "notes.txt");
	tu_write_text(other, "somebody's notes\n");
	snap(other, &before);
	assert_int_equal(db_open(other, DB_OPEN_CREATE, 2000, &db, &m), STATUS_EXISTS);
	expect_unchanged(other, &before);
}

static void test_missing_path(void **state)
{
	fixture_t *f = *state;
	db_t *db = (db_t *)&db;
	msg_t m;
	assert_int_equal(db_open(f->db, DB_OPEN_EXISTING, 2000, &db, &m), STATUS_NOTFOUND);
	assert_null(db);
	assert_true(tu_has(m.text, f->db));
	assert_int_equal(access(f->db, F_OK), -1); /* not created by looking */
	assert_int_equal(db_open(NULL, DB_OPEN_EXISTING, 2000, &db, &m), STATUS_USAGE);
	assert_int_equal(db_open("", DB_OPEN_CREATE, 2000, &db, &m), STATUS_USAGE);
	/* A create in a directory that does not exist fails cleanly. */
	assert_int_not_equal(db_open("/nonexistent-dir/x.db", DB_OPEN_CREATE, 2000, &db, &m),
			     STATUS_OK);
	assert_null(db);
}

/* A db_t on a brand-new SQLite file at schema 0, which db_open never
 * hands out (it migrates at once): built by hand from db_internal.h. */
static db_t *blank_db(const char *path)
{
	db_t *db = calloc(1, sizeof *db);
	assert_non_null(db);
	db->path = strdup(path);
	assert_non_null(db->path);
	assert_int_equal(sqlite3_open_v2(path, &db->conn,
					 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
			 SQLITE_OK);
	return db;
}

/* The schema as text: every object's SQL in name order. */
static char *schema_text(const char *path)
{
	sqlite3 *raw = tu_sql_open(path);
	sqlite3_stmt *st = NULL;
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);
	assert_non_null(out);
	assert_int_equal(sqlite3_prepare_v2(raw,
					    "SELECT name || ':' || coalesce(sql, '') FROM sqlite_master "
					    "ORDER BY name",
					    -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(t);
		if (len + n + 2 > cap) {
			cap = (len + n + 2) * 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		memcpy(out + len, t, n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return out;
}

/* New databases get DB_PAGE_SIZE pages. One made with SQLite's default,
 * at schema 5 (before match sets), opens, is brought up to date (its
 * rows' match column empty) and keeps its page size: nothing rewrites a
 * clinic's file to change it. */
static void test_page_size(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	char old[PATH_MAX];
	msg_t m;
	assert_int_equal(conn_int(db, "PRAGMA page_size"), DB_PAGE_SIZE);
	db_close(db);
	tu_path(old, f->dir, "old.db");
	db = blank_db(old);
	assert_int_equal(db_migrate_to(db, 5, &m), STATUS_OK);
	assert_int_equal(conn_int(db, "PRAGMA page_size"), 4096);
	db_close(db);
	assert_int_equal(db_open(old, DB_OPEN_EXISTING, 2000, &db, &m), STATUS_OK);
	assert_int_equal(db_schema_version(db), db_schema_latest());
	assert_int_equal(conn_int(db, "PRAGMA page_size"), 4096);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM pragma_table_info('patients') "
				      "WHERE name = 'match'"),
			 1);
	db_close(db);
}

static void test_migrate_step_by_step(void **state)
{
	fixture_t *f = *state;
	char stepped[PATH_MAX];
	char *a, *b;
	db_t *db;
	msg_t m;
	int latest = db_schema_latest();

	tu_path(stepped, f->dir, "stepped.db");
	db = blank_db(stepped);
	assert_int_equal(db_schema_version(db), 0);
	for (int v = 0; v <= latest; v++) {
		assert_int_equal(db_migrate_to(db, v, &m), STATUS_OK);
		assert_int_equal(db_schema_version(db), v);
		/* The first migration makes the core tables. */
		assert_int_equal(conn_int(db, "SELECT count(*) FROM sqlite_master WHERE name='users'"),
				 v >= 1 ? 1 : 0);
	}
	/* Asking again, or for less, changes nothing; beyond latest stops at
	 * latest. */
	assert_int_equal(db_migrate_to(db, latest, &m), STATUS_OK);
	assert_int_equal(db_migrate_to(db, 0, &m), STATUS_OK);
	assert_int_equal(db_schema_version(db), latest);
	assert_int_equal(db_migrate_to(db, latest + 5, &m), STATUS_OK);
	assert_int_equal(db_schema_version(db), latest);
	db_close(db);

	/* Step by step gives the same schema as db_open in one go. */
	db = create_db(f->db);
	db_close(db);
	a = schema_text(stepped);
	b = schema_text(f->db);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_migrate_refuses_newer(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	char sql[64];
	msg_t m;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", db_schema_latest() + 2);
	assert_int_equal(sqlite3_exec(db->conn, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(db_migrate_to(db, db_schema_latest(), &m), STATUS_SCHEMA);
	assert_true(tu_has(m.text, "newer"));
	db_close(db);
}

static void test_meta(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	char buf[64], tiny[4];
	msg_t m;
	assert_int_equal(db_meta_get(db, "clinic_name", buf, sizeof buf, &m), STATUS_NOTFOUND);
	assert_int_equal(db_meta_set(db, "clinic_name", "Northside Clinic", &m), STATUS_OK);
	assert_int_equal(db_meta_get(db, "clinic_name", buf, sizeof buf, &m), STATUS_OK);
	assert_string_equal(buf, "Northside Clinic");
	assert_int_equal(db_meta_set(db, "clinic_name", "Southside", &m), STATUS_OK);
	assert_int_equal(db_meta_get(db, "clinic_name", buf, sizeof buf, &m), STATUS_OK);
	assert_string_equal(buf, "Southside");
	/* Cut to the buffer, always terminated. */
	assert_int_equal(db_meta_get(db, "clinic_name", tiny, sizeof tiny, &m), STATUS_OK);
	assert_string_equal(tiny, "Sou");
	/* Bound parameters: quotes are data. */
	assert_int_equal(db_meta_set(db, "k'); DROP TABLE meta; --", "v'v", &m), STATUS_OK);
	assert_int_equal(db_meta_get(db, "k'); DROP TABLE meta; --", buf, sizeof buf, &m),
			 STATUS_OK);
	assert_string_equal(buf, "v'v");
	db_close(db);
}

static void test_transactions(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db), *other = NULL;
	char buf[32];
	msg_t m;

	db_rollback(db); /* safe with no transaction open */
	assert_int_equal(db_begin(db, &m), STATUS_OK);
	assert_int_equal(db_meta_set(db, "a", "1", &m), STATUS_OK);
	db_rollback(db);
	assert_int_equal(db_meta_get(db, "a", buf, sizeof buf, &m), STATUS_NOTFOUND);

	assert_int_equal(db_begin(db, &m), STATUS_OK);
	assert_int_equal(db_meta_set(db, "a", "2", &m), STATUS_OK);
	/* BEGIN IMMEDIATE: a second writer waits in line, and only after its
	 * whole (here short) timeout gives up, saying so, never "busy". */
	assert_int_equal(db_open(f->db, DB_OPEN_EXISTING, 100, &other, &m), STATUS_OK);
	assert_int_equal(db_begin(other, &m), STATUS_BUSY);
	assert_true(tu_has(m.text, "waiting"));
	assert_true(tu_has(m.text, "nothing was saved"));
	assert_false(tu_has(m.text, "busy"));
	/* Readers still see the last committed state (WAL). */
	assert_int_equal(db_meta_get(other, "a", buf, sizeof buf, &m), STATUS_NOTFOUND);
	assert_int_equal(db_commit(db, &m), STATUS_OK);
	assert_int_equal(db_meta_get(other, "a", buf, sizeof buf, &m), STATUS_OK);
	assert_string_equal(buf, "2");
	assert_int_equal(db_begin(other, &m), STATUS_OK);
	db_rollback(other);
	/* COMMIT with nothing open is an error, not a crash. */
	assert_int_not_equal(db_commit(db, &m), STATUS_OK);
	db_close(other);
	db_close(db);
}

/* ---- waiting in line ---- */

typedef struct waiter {
	const char *path;
	volatile status_t begun, saved; /* read by the test's thread too */
	volatile int notices, last_notice;
	char seen[32]; /* the value found once it had the lock */
} waiter_t;

static void count_notice(void *arg, int seconds)
{
	waiter_t *w = arg;
	w->notices++;
	w->last_notice = seconds;
}

/* A second writer on its own connection: waits for the lock, then writes
 * meta "turn" = "waiter". */
static void *waiter_main(void *arg)
{
	waiter_t *w = arg;
	db_t *db = NULL;
	msg_t m;
	if (db_open(w->path, DB_OPEN_EXISTING, 60000, &db, &m) != STATUS_OK) {
		w->begun = STATUS_ERR;
		return NULL;
	}
	db_set_wait_notice(db, count_notice, w);
	w->begun = db_begin(db, &m);
	if (w->begun == STATUS_OK) {
		db_meta_get(db, "turn", w->seen, sizeof w->seen, &m);
		w->saved = db_meta_set(db, "turn", "waiter", &m);
		if (w->saved == STATUS_OK)
			w->saved = db_commit(db, &m);
		else
			db_rollback(db);
	}
	db_close(db);
	return NULL;
}

/* Is a db_begin waiting on this database's directory? (the shared flock
 * a waiting writer holds) */
static int someone_waits(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), busy;
	assert_true(fd >= 0);
	busy = flock(fd, LOCK_EX | LOCK_NB) != 0;
	if (!busy)
		flock(fd, LOCK_UN);
	close(fd);
	return busy;
}

/* A writer that meets another's lock waits in line for it (no error, a
 * notice after two seconds, then the all-clear), and a long writer that
 * yields between batches lets it go first: the waiter's change lands
 * between the two batches, although the long writer began again at once. */
static void test_writers_wait_in_line(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	waiter_t w;
	pthread_t th;
	char buf[32];
	msg_t m;

	memset(&w, 0, sizeof w);
	w.path = f->db;
	w.begun = w.saved = STATUS_COUNT;
	assert_int_equal(db_begin(db, &m), STATUS_OK);
	assert_int_equal(db_meta_set(db, "turn", "batch 1", &m), STATUS_OK);
	assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
	/* Hold the lock until the waiter has said it waits and has been told
	 * about the wait (after DB_WAIT_NOTICE_MS). */
	while (!someone_waits(f->dir) || w.notices == 0)
		usleep(10000);
	assert_true(w.last_notice >= DB_WAIT_NOTICE_MS / 1000);
	assert_int_equal(w.begun, STATUS_COUNT); /* still waiting, not failed */
	assert_int_equal(db_commit(db, &m), STATUS_OK);
	/* The next batch: first whoever waits. */
	db_yield_to_writers(db, 60000);
	assert_int_equal(db_begin(db, &m), STATUS_OK);
	assert_int_equal(db_meta_get(db, "turn", buf, sizeof buf, &m), STATUS_OK);
	assert_string_equal(buf, "waiter");
	assert_int_equal(db_meta_set(db, "turn", "batch 2", &m), STATUS_OK);
	assert_int_equal(db_commit(db, &m), STATUS_OK);
	pthread_join(th, NULL);
	assert_int_equal(w.begun, STATUS_OK);
	assert_int_equal(w.saved, STATUS_OK);
	assert_string_equal(w.seen, "batch 1");
	assert_int_equal(w.last_notice, 0); /* told the wait was over */
	/* Nobody waits: the yield returns at once. */
	db_yield_to_writers(db, 60000);
	db_close(db);
}

/* A read snapshot: the statements inside see one state (a commit by
 * another connection in between is not seen until it ends), it nests
 * into an open write transaction without ending it, and writing needs it
 * ended first. */
static void test_read_snapshot(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db), *other = NULL;
	char buf[32];
	int began = -1;
	msg_t m;

	assert_int_equal(db_meta_set(db, "a", "1", &m), STATUS_OK);
	assert_int_equal(db_open(f->db, DB_OPEN_EXISTING, 100, &other, &m), STATUS_OK);
	assert_int_equal(db_read_begin(db, &began, &m), STATUS_OK);
	assert_int_equal(began, 1);
	assert_int_equal(db_meta_get(db, "a", buf, sizeof buf, &m), STATUS_OK);
	assert_string_equal(buf, "1");
	assert_int_equal(db_meta_set(other, "a", "2", &m), STATUS_OK);
	assert_int_equal(db_meta_get(db, "a", buf, sizeof buf, &m), STATUS_OK);
	assert_string_equal(buf, "1"); /* the snapshot, not the newer commit */
	/* No write transaction starts inside it. */
	assert_int_not_equal(db_begin(db, &m), STATUS_OK);
	db_read_end(db, began);
	assert_int_equal(db_meta_get(db, "a", buf, sizeof buf, &m), STATUS_OK);
	assert_string_equal(buf, "2");
	assert_int_equal(db_begin(db, &m), STATUS_OK); /* ended: writing works */

	/* Inside a write transaction it starts nothing and ends nothing. */
	assert_int_equal(db_meta_set(db, "b", "x", &m), STATUS_OK);
	assert_int_equal(db_read_begin(db, &began, &m), STATUS_OK);
	assert_int_equal(began, 0);
	db_read_end(db, began);
	assert_int_equal(db_commit(db, &m), STATUS_OK);
	assert_int_equal(db_meta_get(other, "b", buf, sizeof buf, &m), STATUS_OK);
	assert_string_equal(buf, "x");
	db_read_end(db, 1); /* with nothing open: harmless */
	assert_int_equal(db_begin(db, &m), STATUS_OK);
	db_rollback(db);
	db_close(other);
	db_close(db);
}

static void test_checkpoint_truncates_wal(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	char wal[PATH_MAX + 8];
	struct stat sb;
	msg_t m;
	snprintf(wal, sizeof wal, "%s-wal", f->db);
	assert_int_equal(db_meta_set(db, "x", "some value", &m), STATUS_OK);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 0);
	assert_int_equal(db_checkpoint(db, &m), STATUS_OK);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	/* The data went into the main file. */
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM meta WHERE key = 'x'"), 1);
	db_close(db);
}

static void fill_user(db_user_t *u, const char *name)
{
	memset(u, 0, sizeof *u);
	crypto_random_id(u->id);
	snprintf(u->name, sizeof u->name, "%s", name);
	snprintf(u->role, sizeof u->role, "nurse");
	randombytes_buf(u->kdf_salt, sizeof u->kdf_salt);
	u->kdf_ops = 2;
	u->kdf_mem = 64u << 20;
	randombytes_buf(u->public_key, sizeof u->public_key);
	randombytes_buf(u->secret_wrap, CRYPTO_WRAP_LEN);
	u->secret_wrap_len = CRYPTO_WRAP_LEN;
	snprintf(u->created, sizeof u->created, "2026-01-01T00:00:00Z");
	snprintf(u->updated, sizeof u->updated, "2026-01-01T00:00:00Z");
}

static void test_users_table(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	db_user_t u, dup, got;
	int n = -1, count = 0, locked = 0;
	msg_t m;
	fill_user(&u, "jdoe");
	assert_int_equal(db_user_insert(db, &u, &m), STATUS_OK);
	fill_user(&dup, "jdoe");
	assert_int_equal(db_user_insert(db, &dup, &m), STATUS_EXISTS);
	assert_true(tu_has(m.text, "jdoe"));
	assert_int_equal(db_user_get_by_name(db, "jdoe", &got, &m), STATUS_OK);
	assert_string_equal(got.id, u.id);
	assert_memory_equal(got.kdf_salt, u.kdf_salt, sizeof u.kdf_salt);
	assert_int_equal(got.secret_wrap_len, CRYPTO_WRAP_LEN);
	assert_memory_equal(got.secret_wrap, u.secret_wrap, CRYPTO_WRAP_LEN);
	assert_int_equal(got.kdf_mem, 64u << 20);
	assert_string_equal(got.last_login, "");
	assert_int_equal(db_user_get_by_id(db, u.id, &got, &m), STATUS_OK);
	assert_string_equal(got.name, "jdoe");
	assert_int_equal(db_user_get_by_name(db, "nobody", &got, &m), STATUS_NOTFOUND);
	assert_int_equal(db_user_count(db, NULL, &n, &m), STATUS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(db_user_count(db, "admin", &n, &m), STATUS_OK);
	assert_int_equal(n, 0);
	/* Failed sign-ons count up and lock at the limit; a good one resets. */
	assert_int_equal(db_user_login_failed(db, u.id, 3, &count, &locked, &m), STATUS_OK);
	assert_int_equal(count, 1);
	assert_int_equal(locked, 0);
	assert_int_equal(db_user_login_failed(db, u.id, 3, &count, &locked, &m), STATUS_OK);
	assert_int_equal(db_user_login_failed(db, u.id, 3, &count, &locked, &m), STATUS_OK);
	assert_int_equal(count, 3);
	assert_int_equal(locked, 1);
	assert_int_equal(db_user_unlock(db, u.id, "2026-01-02T00:00:00Z", &m), STATUS_OK);
	assert_int_equal(db_user_get_by_id(db, u.id, &got, &m), STATUS_OK);
	assert_int_equal(got.locked, 0);
	assert_int_equal(got.failed_count, 0);
	assert_int_equal(db_user_set_role(db, "no-such-id", "admin", "t", &m), STATUS_NOTFOUND);
	db_close(db);
}

static int count_wrap(const db_wrap_t *w, void *arg)
{
	(void)w;
	(*(int *)arg)++;
	return 0;
}

static void test_key_tables(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	db_wrap_t w;
	int v = 0, n = 0;
	msg_t m;
	assert_int_equal(db_domain_key_current(db, "demo", &v, &m), STATUS_NOTFOUND);
	assert_int_equal(db_domain_key_add(db, "demo", 1, "t", &m), STATUS_OK);
	assert_int_equal(db_domain_key_add(db, "demo", 2, "t", &m), STATUS_OK);
	assert_int_equal(db_domain_key_current(db, "demo", &v, &m), STATUS_OK);
	assert_int_equal(v, 2);
	memset(&w, 0, sizeof w);
	snprintf(w.holder, sizeof w.holder, "holder1");
	w.version = 1;
	w.blob_len = CRYPTO_WRAP_LEN;
	for (int d = 0; d < DOMAIN_COUNT; d++) {
		snprintf(w.domain, sizeof w.domain, "%s", crypto_domain_name((domain_t)d));
		assert_int_equal(db_wrap_put(db, &w, &m), STATUS_OK);
	}
	/* Insert-or-replace: putting the same wrap again keeps one row. */
	assert_int_equal(db_wrap_put(db, &w, &m), STATUS_OK);
	assert_int_equal(db_wrap_each(db, "holder1", count_wrap, &n, &m), STATUS_OK);
	assert_int_equal(n, DOMAIN_COUNT);
	assert_int_equal(db_wrap_delete(db, "holder1", "clin", &m), STATUS_OK);
	n = 0;
	assert_int_equal(db_wrap_each(db, "holder1", count_wrap, &n, &m), STATUS_OK);
	assert_int_equal(n, DOMAIN_COUNT - 1);
	assert_int_equal(db_wrap_delete(db, "holder1", NULL, &m), STATUS_OK);
	n = 0;
	assert_int_equal(db_wrap_each(db, "holder1", count_wrap, &n, &m), STATUS_OK);
	assert_int_equal(n, 0);
	db_close(db);
}

struct seen {
	int64_t seqs[16];
	int n;
};

static int collect_seq(const db_audit_row_t *r, void *arg)
{
	struct seen *s = arg;
	if (s->n < 16)
		s->seqs[s->n++] = r->seq;
	return 0;
}

static void test_audit_tables(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	db_audit_row_t *r = calloc(1, sizeof *r);
	unsigned char mac[DB_AUDIT_MAC_LEN];
	int64_t seq = -1, count = -1;
	struct seen s;
	db_audit_filter_t q;
	msg_t m;
	assert_non_null(r);
	assert_int_equal(db_audit_last(db, &seq, mac, &m), STATUS_OK);
	assert_int_equal(seq, 0);
	assert_true(sodium_is_zero(mac, sizeof mac));
	for (int i = 1; i <= 5; i++) {
		memset(r, 0, sizeof *r);
		r->seq = i;
		snprintf(r->ts, sizeof r->ts, "2026-01-0%cT10:00:00Z", (char)('0' + i));
		snprintf(r->user_name, sizeof r->user_name, "%s", i % 2 ? "alice" : "bob");
		snprintf(r->action, sizeof r->action, "act%d", i);
		snprintf(r->target, sizeof r->target, "%s", i == 3 ? "chart42" : "");
		snprintf(r->outcome, sizeof r->outcome, "ok");
		memset(r->mac, i, sizeof r->mac);
		assert_int_equal(db_audit_insert(db, r, &m), STATUS_OK);
	}
	/* A sequence number is used once. */
	assert_int_not_equal(db_audit_insert(db, r, &m), STATUS_OK);
	assert_int_equal(db_audit_last(db, &seq, mac, &m), STATUS_OK);
	assert_int_equal(seq, 5);
	assert_int_equal(mac[0], 5);
	assert_int_equal(db_audit_count(db, &count, &m), STATUS_OK);
	assert_int_equal(count, 5);

	memset(&s, 0, sizeof s);
	assert_int_equal(db_audit_each(db, NULL, collect_seq, &s, &m), STATUS_OK);
	assert_int_equal(s.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(s.seqs[i], i + 1);

	memset(&q, 0, sizeof q);
	q.user_name = "alice";
	memset(&s, 0, sizeof s);
	assert_int_equal(db_audit_each(db, &q, collect_seq, &s, &m), STATUS_OK);
	assert_int_equal(s.n, 3);

	memset(&q, 0, sizeof q);
	q.since = "2026-01-04";
	q.newest_first = 1;
	memset(&s, 0, sizeof s);
	assert_int_equal(db_audit_each(db, &q, collect_seq, &s, &m), STATUS_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.seqs[0], 5);
	assert_int_equal(s.seqs[1], 4);

	memset(&q, 0, sizeof q);
	q.target = "chart42";
	memset(&s, 0, sizeof s);
	assert_int_equal(db_audit_each(db, &q, collect_seq, &s, &m), STATUS_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.seqs[0], 3);

	memset(&q, 0, sizeof q);
	q.limit = 2;
	q.newest_first = 1;
	memset(&s, 0, sizeof s);
	assert_int_equal(db_audit_each(db, &q, collect_seq, &s, &m), STATUS_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.seqs[0], 5);
	free(r);
	db_close(db);
}

struct pending_seen {
	char actions[4][40];
	int n;
	int refuse_second;
};

static int take_pending(const db_audit_row_t *r, void *arg)
{
	struct pending_seen *p = arg;
	if (p->n < 4)
		snprintf(p->actions[p->n], sizeof p->actions[0], "%s", r->action);
	p->n++;
	return p->refuse_second && p->n == 2; /* keep the second one */
}

static void test_audit_pending_drain(void **state)
{
	fixture_t *f = *state;
	db_t *db = create_db(f->db);
	db_audit_row_t *r = calloc(1, sizeof *r);
	struct pending_seen p;
	msg_t m;
	assert_non_null(r);
	for (int i = 0; i < 3; i++) {
		memset(r, 0, sizeof *r);
		snprintf(r->action, sizeof r->action, "event%d", i);
		snprintf(r->user_name, sizeof r->user_name, "u");
		assert_int_equal(db_audit_pending_add(db, r, &m), STATUS_OK);
	}
	memset(&p, 0, sizeof p);
	p.refuse_second = 1;
	assert_int_equal(db_audit_pending_drain(db, take_pending, &p, &m), STATUS_OK);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.actions[0], "event0"); /* in order */
	assert_string_equal(p.actions[2], "event2");
	/* Only the refused one is left. */
	memset(&p, 0, sizeof p);
	assert_int_equal(db_audit_pending_drain(db, take_pending, &p, &m), STATUS_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.actions[0], "event1");
	memset(&p, 0, sizeof p);
	assert_int_equal(db_audit_pending_drain(db, take_pending, &p, &m), STATUS_OK);
	assert_int_equal(p.n, 0);
	free(r);
	db_close(db);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_new_db_is_at_latest_schema),
		T(test_migrations_numbered_in_order),
		T(test_pragmas),
		T(test_page_size),
		T(test_foreign_keys_enforced),
		T(test_created_file_not_world_accessible),
		T(test_newer_schema_refused),
		T(test_random_bytes_refused),
		T(test_foreign_sqlite_db_refused),
		T(test_create_refuses_existing_file),
		T(test_missing_path),
		T(test_migrate_step_by_step),
		T(test_migrate_refuses_newer),
		T(test_meta),
		T(test_transactions),
		T(test_writers_wait_in_line),
		T(test_read_snapshot),
		T(test_checkpoint_truncates_wal),
		T(test_users_table),
		T(test_key_tables),
		T(test_audit_tables),
		T(test_audit_pending_drain),
	};
#undef T
	tu_crypto_init();
	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
