/* test_audit.c - core/audit.h on real databases: the chain verifies, and
 * every way of tampering with the file that an attacker holding it could
 * try (edit a field, delete, reorder, insert, renumber, truncate) is
 * caught at the right sequence number. Also permissions, listing with
 * decrypted details, and failed sign-ons chained after the next login.
 *
 * One database is initialised for the group (admin + a nurse); each test
 * tampers with its own copy of that file. */
#include "testutil.h"

#include <inttypes.h>

#include "base/lpbuf.h"
#include "core/audit.h"
#include "core/internal.h"
#include "core/users.h"

#define NURSE "nina"
#define NURSE_PW "nurse password for unit tests"

typedef struct fixture {
	char dir[PATH_MAX];
	char base[PATH_MAX];
	config_t *cfg;
	int64_t base_rows;
	int copies;
} fixture_t;

static int group_setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	clinic_t *c;
	session_t *s;
	msg_t m;
	tu_crypto_init();
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_config(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->base, f->dir, "base.db");
	tu_clinic_init(f->base, f->cfg, NULL);
	c = tu_clinic_open(f->base, f->cfg);
	s = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	if (users_add(s, NURSE, "nurse", NURSE_PW, &m) != STATUS_OK)
		fail_msg("users_add: %s", m.text);
	session_logout(s);
	clinic_close(c);
	f->base_rows = tu_sql_int(f->base, "SELECT count(*) FROM audit");
	/* init (6 rows), login, user_add; the sign-off waits in the audit
	 * journal (base.db.audit-journal, not copied with the database) */
	assert_true(f->base_rows >= 8);
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	fixture_t *f = *state;
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

/* A private copy of the group's database. */
static void fresh_copy(fixture_t *f, char out[PATH_MAX])
{
	char name[64];
	snprintf(name, sizeof name, "copy%d.db", ++f->copies);
	tu_path(out, f->dir, name);
	tu_copy_file(f->base, out);
}

typedef struct opened {
	clinic_t *c;
	session_t *s;
} opened_t;

static void open_as(fixture_t *f, const char *path, const char *user, const char *pw,
		    opened_t *o)
{
	o->c = tu_clinic_open(path, f->cfg);
	o->s = tu_login(o->c, user, pw);
}

static void close_all(opened_t *o)
{
	session_logout(o->s);
	clinic_close(o->c);
}

/* Open path as the admin, verify, and expect st (and bad_seq when the
 * chain is broken). */
static void verify_file(fixture_t *f, const char *path, const char *anchor, status_t want,
			int64_t want_bad)
{
	opened_t o;
	int64_t count = -1, bad = -1;
	msg_t m;
	status_t st;
	open_as(f, path, TU_ADMIN, TU_ADMIN_PW, &o);
	msg_clear(&m);
	st = audit_verify(o.s, anchor, &count, &bad, &m);
	if (st != want)
		fail_msg("audit_verify: expected %s, got %s (%s)", status_str(want), status_str(st),
			 m.text);
	if (want == STATUS_INTEGRITY) {
		char seqtext[48];
		assert_int_equal(bad, want_bad);
		snprintf(seqtext, sizeof seqtext, "sequence %" PRId64, want_bad);
		if (!tu_has(m.text, seqtext))
			fail_msg("message does not name %s: %s", seqtext, m.text);
		assert_true(tu_has(m.text, "BROKEN"));
	} else if (want == STATUS_OK) {
		assert_int_equal(bad, 0);
		assert_int_equal(count, tu_sql_int(path, "SELECT count(*) FROM audit"));
	}
	close_all(&o);
}

/* Tamper with a fresh copy using sql, then expect the chain to break at
 * want_bad. */
static void expect_broken_at(fixture_t *f, const char *sql, int64_t want_bad)
{
	char path[PATH_MAX];
	fresh_copy(f, path);
	tu_sql(path, sql);
	verify_file(f, path, NULL, STATUS_INTEGRITY, want_bad);
}

/* Every stored field of audit row 3 as one text. */
static void row3_print(const char *path, char *buf, size_t size)
{
	tu_sql_text(path,
		    "SELECT quote(ts) || quote(user_id) || quote(user_name) || quote(os_user) ||"
		    " quote(source) || quote(action) || quote(target) || quote(outcome) ||"
		    " quote(detail) || quote(key_version) || quote(mac) FROM audit WHERE seq = 3",
		    buf, size);
}

/* Edit row 3 of a fresh copy with sql, check the edit really changed the
 * row (so the test cannot pass on a no-op), and expect the chain to
 * break at 3. */
static void expect_edit_breaks(fixture_t *f, const char *sql)
{
	char path[PATH_MAX], before[2048], after[2048];
	fresh_copy(f, path);
	row3_print(path, before, sizeof before);
	tu_sql(path, sql);
	row3_print(path, after, sizeof after);
	assert_true(strlen(before) > 0);
	if (strcmp(before, after) == 0)
		fail_msg("the edit changed nothing: %s", sql);
	verify_file(f, path, NULL, STATUS_INTEGRITY, 3);
}

static void test_fresh_chain_verifies(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	opened_t o;
	int64_t count = -1, bad = -1;
	msg_t m;
	fresh_copy(f, path);
	open_as(f, path, TU_ADMIN, TU_ADMIN_PW, &o);
	assert_int_equal(audit_verify(o.s, NULL, &count, &bad, &m), STATUS_OK);
	/* Everything so far plus this sign-on. */
	assert_int_equal(count, f->base_rows + 1);
	assert_int_equal(bad, 0);
	assert_true(tu_has(m.text, "OK"));
	/* Sequence numbers are 1..count with no gaps. */
	assert_int_equal(tu_sql_int(path, "SELECT min(seq) FROM audit"), 1);
	assert_int_equal(tu_sql_int(path, "SELECT max(seq) FROM audit"), count);
	close_all(&o);
	/* The same again through the helper the tamper tests use, so a
	 * broken result there means the tampering, not the helper. */
	fresh_copy(f, path);
	verify_file(f, path, NULL, STATUS_OK, 0);
}

static void test_edit_action(void **state)
{
	expect_edit_breaks(*state, "UPDATE audit SET action = 'key_view' WHERE seq = 3");
}

static void test_edit_ts(void **state)
{
	expect_edit_breaks(*state, "UPDATE audit SET ts = '2020-01-01T00:00:00Z' WHERE seq = 3");
}

static void test_edit_user_name(void **state)
{
	expect_edit_breaks(*state, "UPDATE audit SET user_name = 'mallory' WHERE seq = 3");
}

static void test_edit_outcome(void **state)
{
	expect_edit_breaks(*state, "UPDATE audit SET outcome = 'denied' WHERE seq = 3");
}

static void test_edit_other_fields(void **state)
{
	static const char *const edits[] = {
		"UPDATE audit SET target = 'demo' WHERE seq = 3",
		"UPDATE audit SET user_id = 'ffffffffffffffffffffffffffffffff' WHERE seq = 3",
		"UPDATE audit SET os_user = 'mallory-os' WHERE seq = 3",
		"UPDATE audit SET source = '10.0.0.66' WHERE seq = 3",
		"UPDATE audit SET key_version = 2 WHERE seq = 3",
		"UPDATE audit SET detail = NULL WHERE seq = 3",
		"UPDATE audit SET mac = substr(mac, 1, 31) WHERE seq = 3",
		"UPDATE audit SET mac = randomblob(33) WHERE seq = 3",
	};
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++)
		expect_edit_breaks(*state, edits[i]);
}

/* Keep the detail of entry 3. */
static int keep_detail(const audit_entry_t *e, void *arg)
{
	if (e->seq == 3)
		snprintf(arg, 512, "%s", e->detail);
	return 0;
}

static void test_edit_detail_byte(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	size_t len;
	assert_int_equal(tu_sql_int(f->base, "SELECT detail IS NOT NULL FROM audit WHERE seq = 3"),
			 1);
	fresh_copy(f, path);
	len = tu_sql_flip_blob(path, "audit", "detail", "seq = 3", 30);
	assert_true(len > 30);
	verify_file(f, path, NULL, STATUS_INTEGRITY, 3);
	/* A reviewer listing the trail sees the damage named, not garbage. */
	{
		opened_t o;
		audit_query_t q;
		char detail[512] = "";
		msg_t m;
		memset(&q, 0, sizeof q);
		q.limit = 3;
		open_as(f, path, TU_ADMIN, TU_ADMIN_PW, &o);
		assert_int_equal(audit_list(o.s, &q, keep_detail, detail, &m), STATUS_OK);
		assert_true(tu_has(detail, "integrity"));
		close_all(&o);
	}
}

static void test_edit_mac_byte(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	fresh_copy(f, path);
	assert_int_equal(tu_sql_flip_blob(path, "audit", "mac", "seq = 3", 31), 32);
	verify_file(f, path, NULL, STATUS_INTEGRITY, 3);
}

static void test_delete_row(void **state)
{
	expect_broken_at(*state, "DELETE FROM audit WHERE seq = 4", 4);
}

static void test_delete_row_and_renumber(void **state)
{
	/* Closing the gap does not help: each MAC covers its sequence and
	 * the previous MAC. */
	expect_broken_at(*state,
			 "DELETE FROM audit WHERE seq = 4;"
			 "UPDATE audit SET seq = seq + 1000 WHERE seq > 4;"
			 "UPDATE audit SET seq = seq - 1001 WHERE seq > 1000;",
			 4);
}

static void test_reorder_rows(void **state)
{
	/* Swap the contents of rows 3 and 5, keeping their sequence numbers. */
	expect_broken_at(*state,
			 "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (3, 5);"
			 "UPDATE audit SET (ts, user_id, user_name, os_user, source, action, target,"
			 " outcome, detail, key_version, mac) = (SELECT ts, user_id, user_name,"
			 " os_user, source, action, target, outcome, detail, key_version, mac"
			 " FROM t WHERE t.seq = 5) WHERE seq = 3;"
			 "UPDATE audit SET (ts, user_id, user_name, os_user, source, action, target,"
			 " outcome, detail, key_version, mac) = (SELECT ts, user_id, user_name,"
			 " os_user, source, action, target, outcome, detail, key_version, mac"
			 " FROM t WHERE t.seq = 3) WHERE seq = 5;",
			 3);
}

static void test_insert_forged_row(void **state)
{
	/* Make room at 4 and put a forged entry there. */
	expect_broken_at(*state,
			 "UPDATE audit SET seq = seq + 1000 WHERE seq >= 4;"
			 "UPDATE audit SET seq = seq - 999 WHERE seq >= 1000;"
			 "INSERT INTO audit SELECT 4, ts, user_id, user_name, os_user, source,"
			 " 'user_add', 'mallory', 'ok', NULL, key_version, randomblob(32), NULL, NULL"
			 " FROM audit WHERE seq = 3;",
			 4);
}

static void test_append_forged_row(void **state)
{
	fixture_t *f = *state;
	char sql[512];
	/* A forged entry at the end (no key to compute its MAC). */
	snprintf(sql, sizeof sql,
		 "INSERT INTO audit SELECT seq + 1, ts, user_id, user_name, os_user, source,"
		 " 'logout', target, 'ok', NULL, key_version, randomblob(32), NULL, NULL"
		 " FROM audit WHERE seq = %" PRId64,
		 f->base_rows);
	expect_broken_at(f, sql, f->base_rows + 1);
}

static void test_truncation_caught_with_anchor(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX], anchor[128], sql[128];
	opened_t o;
	int64_t count = -1, bad = -1, anchor_seq;
	msg_t m;
	fresh_copy(f, path);
	open_as(f, path, TU_ADMIN, TU_ADMIN_PW, &o);
	assert_int_equal(audit_anchor(o.s, anchor, sizeof anchor, &m), STATUS_OK);
	/* "SEQ:64 hex digits", and the anchor request itself is its last entry. */
	anchor_seq = strtoll(anchor, NULL, 10);
	assert_int_equal(anchor_seq, tu_sql_int(path, "SELECT max(seq) FROM audit"));
	assert_non_null(strchr(anchor, ':'));
	assert_int_equal(strlen(strchr(anchor, ':') + 1), 64);
	{
		char action[40];
		char q[96];
		snprintf(q, sizeof q, "SELECT action FROM audit WHERE seq = %" PRId64, anchor_seq);
		tu_sql_text(path, q, action, sizeof action);
		assert_string_equal(action, "audit_anchor");
	}
	assert_int_equal(audit_verify(o.s, anchor, &count, &bad, &m), STATUS_OK);
	assert_int_equal(count, anchor_seq);

	/* Cut the last two entries off. */
	snprintf(sql, sizeof sql, "DELETE FROM audit WHERE seq >= %" PRId64, anchor_seq - 1);
	tu_sql(path, sql);
	/* On its own a truncated chain is consistent: that is what anchors
	 * are for. */
	assert_int_equal(audit_verify(o.s, NULL, &count, &bad, &m), STATUS_OK);
	assert_int_equal(count, anchor_seq - 2);
	assert_int_equal(audit_verify(o.s, anchor, &count, &bad, &m), STATUS_INTEGRITY);
	assert_int_equal(bad, anchor_seq - 1);
	assert_true(tu_has(m.text, "truncated"));
	close_all(&o);
}

static int count_entries(const audit_entry_t *e, void *arg)
{
	(void)e;
	(*(int64_t *)arg)++;
	return 0;
}

static void test_restored_copy_caught_with_anchor(void **state)
{
	fixture_t *f = *state;
	char a[PATH_MAX], b[PATH_MAX], anchor[128];
	opened_t o;
	int64_t count = 0, bad;
	msg_t m;
	/* The anchor is taken on one timeline ... */
	fresh_copy(f, a);
	open_as(f, a, TU_ADMIN, TU_ADMIN_PW, &o);
	assert_int_equal(audit_anchor(o.s, anchor, sizeof anchor, &m), STATUS_OK);
	close_all(&o);
	/* ... and checked against another one grown from an old copy to the
	 * same length (a restored backup with new entries on top). */
	fresh_copy(f, b);
	open_as(f, b, TU_ADMIN, TU_ADMIN_PW, &o);
	assert_int_equal(audit_list(o.s, NULL, count_entries, &count, &m), STATUS_OK);
	/* b is now as long as a was at its anchor, and whole on its own. */
	assert_int_equal(tu_sql_int(b, "SELECT max(seq) FROM audit"), strtoll(anchor, NULL, 10));
	assert_int_equal(audit_verify(o.s, NULL, &count, &bad, &m), STATUS_OK);
	assert_int_equal(audit_verify(o.s, anchor, &count, &bad, &m), STATUS_INTEGRITY);
	assert_int_equal(bad, strtoll(anchor, NULL, 10));
	assert_true(tu_has(m.text, "anchor"));
	close_all(&o);
}

static void test_bad_anchor_text(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	opened_t o;
	int64_t count, bad;
	msg_t m;
	fresh_copy(f, path);
	open_as(f, path, TU_ADMIN, TU_ADMIN_PW, &o);
	assert_int_equal(audit_verify(o.s, "not an anchor", &count, &bad, &m), STATUS_USAGE);
	assert_int_equal(audit_verify(o.s, "5:abcd", &count, &bad, &m), STATUS_USAGE);
	assert_int_equal(audit_verify(o.s, "0:", &count, &bad, &m), STATUS_USAGE);
	close_all(&o);
}

static void test_verify_requires_permission(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX], anchor[128];
	opened_t o;
	int64_t count = -1, bad = -1, denied_before;
	msg_t m;
	fresh_copy(f, path);
	denied_before = tu_audit_count(path, "denied", NULL);
	open_as(f, path, NURSE, NURSE_PW, &o);
	assert_int_equal(audit_verify(o.s, NULL, &count, &bad, &m), STATUS_DENIED);
	assert_int_equal(count, 0);
	assert_int_equal(audit_anchor(o.s, anchor, sizeof anchor, &m), STATUS_DENIED);
	assert_int_equal(audit_list(o.s, NULL, NULL, NULL, &m), STATUS_DENIED);
	close_all(&o);
	/* Each refusal is itself recorded (in the journal, without the write
	 * lock, until the next change chains it), by the nurse, and the chain
	 * is still whole. */
	assert_int_equal(tu_audit_count(path, "denied", NURSE), denied_before + 3);
	verify_file(f, path, NULL, STATUS_OK, 0);
}

typedef struct listed {
	int n;
	int64_t last_seq;
	int ordered;
	int saw_init, saw_login, saw_clin_key, saw_recovery;
	char first_action[40];
} listed_t;

static int on_entry(const audit_entry_t *e, void *arg)
{
	listed_t *l = arg;
	if (l->n == 0)
		snprintf(l->first_action, sizeof l->first_action, "%s", e->action);
	else if (e->seq <= l->last_seq)
		l->ordered = 0;
	l->last_seq = e->seq;
	l->n++;
	if (strcmp(e->action, "db_init") == 0 && strcmp(e->detail, TU_CLINIC) == 0)
		l->saw_init = 1;
	if (strcmp(e->action, "login") == 0 && tu_has(e->detail, "role=admin"))
		l->saw_login = 1;
	if (strcmp(e->action, "key_create") == 0 && strcmp(e->target, "clin") == 0 &&
	    strcmp(e->detail, "version 1") == 0)
		l->saw_clin_key = 1;
	if (strcmp(e->action, "recovery_key_create") == 0 && e->detail[0] == '\0')
		l->saw_recovery = 1;
	return 0;
}

static void test_list_decrypts_details(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	opened_t o;
	listed_t l;
	audit_query_t q;
	msg_t m;
	fresh_copy(f, path);
	open_as(f, path, TU_ADMIN, TU_ADMIN_PW, &o);

	memset(&l, 0, sizeof l);
	l.ordered = 1;
	assert_int_equal(audit_list(o.s, NULL, on_entry, &l, &m), STATUS_OK);
	/* Everything, including the audit_view entry for this very review. */
	assert_int_equal(l.n, tu_sql_int(path, "SELECT count(*) FROM audit"));
	assert_true(l.ordered);
	assert_string_equal(l.first_action, "db_init");
	assert_true(l.saw_init);
	assert_true(l.saw_login);
	assert_true(l.saw_clin_key);
	assert_true(l.saw_recovery);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM audit WHERE action = 'audit_view'"),
			 1);

	/* Filters: one user, newest first, a limit. */
	memset(&q, 0, sizeof q);
	q.user_name = NURSE;
	memset(&l, 0, sizeof l);
	assert_int_equal(audit_list(o.s, &q, on_entry, &l, &m), STATUS_OK);
	assert_int_equal(l.n, 0); /* the nurse has done nothing yet */
	memset(&q, 0, sizeof q);
	q.newest_first = 1;
	q.limit = 1;
	memset(&l, 0, sizeof l);
	assert_int_equal(audit_list(o.s, &q, on_entry, &l, &m), STATUS_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.first_action, "audit_view");
	close_all(&o);
	verify_file(f, path, NULL, STATUS_OK, 0);
}

typedef struct pending_seen {
	int nurse_failed;
	int unknown;
	int unreadable;
	int leaked_password;
	int late_note;
	int64_t first_failed_seq, login_seq;
} pending_seen_t;

static int on_pending(const audit_entry_t *e, void *arg)
{
	pending_seen_t *p = arg;
	if (strcmp(e->action, "login_failed") == 0) {
		if (strcmp(e->user_name, NURSE) == 0 && strcmp(e->outcome, "denied") == 0)
			p->nurse_failed++;
		if (strcmp(e->user_name, "nosuchuser") == 0 &&
		    strcmp(e->outcome, "unknown user") == 0)
			p->unknown++;
		if (strcmp(e->user_name, "(unreadable name)") == 0)
			p->unreadable++;
		if (strcmp(e->detail, "recorded while no one was signed on") == 0)
			p->late_note++;
		if (!p->first_failed_seq)
			p->first_failed_seq = e->seq;
	}
	if (strcmp(e->action, "login") == 0)
		p->login_seq = e->seq;
	if (tu_has(e->user_name, "battery") || tu_has(e->target, "battery") ||
	    tu_has(e->detail, "battery"))
		p->leaked_password = 1;
	return 0;
}

static void test_pending_failures_chained_after_login(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	clinic_t *c;
	session_t *s = NULL;
	login_info_t info;
	pending_seen_t p;
	int64_t count, bad;
	msg_t m;
	fresh_copy(f, path);
	c = tu_clinic_open(path, f->cfg);
	/* Nobody holding the audit key is signed on for any of these. */
	assert_int_equal(session_login(c, NURSE, "wrong password, first try", &s, &info, &m),
			 STATUS_AUTH);
	assert_int_equal(session_login(c, NURSE, "wrong password, second try", &s, &info, &m),
			 STATUS_AUTH);
	assert_int_equal(session_login(c, "nosuchuser", "some password here", &s, &info, &m),
			 STATUS_AUTH);
	/* A password typed into the name field must not reach the trail. */
	assert_int_equal(session_login(c, "correct horse battery", "x", &s, &info, &m), STATUS_AUTH);
	assert_null(s);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM audit_pending"), 4);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM audit"), f->base_rows);

	/* The administrator's sign-on writes nothing (no failures of its
	 * own wait); the review chains them first. */
	s = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM audit_pending"), 4);
	memset(&p, 0, sizeof p);
	assert_int_equal(audit_list(s, NULL, on_pending, &p, &m), STATUS_OK);
	assert_int_equal(tu_sql_int(path, "SELECT count(*) FROM audit_pending"), 0);
	assert_int_equal(p.nurse_failed, 2);
	assert_int_equal(p.unknown, 1);
	assert_int_equal(p.unreadable, 1);
	assert_int_equal(p.late_note, 4);
	assert_false(p.leaked_password);
	/* Chained once each, after the sign-on they waited behind. */
	assert_true(p.first_failed_seq > f->base_rows);
	assert_true(p.first_failed_seq > p.login_seq);
	assert_int_equal(audit_verify(s, NULL, &count, &bad, &m), STATUS_OK);
	assert_int_equal(count, tu_sql_int(path, "SELECT count(*) FROM audit"));
	session_logout(s);
	clinic_close(c);
}

/* Room reserved ahead (the journal event's MAC reserves it) changes none
 * of the bytes a MAC covers: the same fields give the same bytes whether
 * the buffer grew field by field, was reserved first, or was reserved too
 * short and grew after. */
static void test_lpbuf_reserve_same_bytes(void **state)
{
	lpbuf_t grown = {0}, reserved = {0}, short_res = {0};
	unsigned char blob[300];
	(void)state;
	for (size_t i = 0; i < sizeof blob; i++)
		blob[i] = (unsigned char)(i * 7);
	lpbuf_reserve(&reserved, 1024);
	lpbuf_str(&short_res, "chartroom-journal:1");
	lpbuf_reserve(&short_res, 8);
	lpbuf_str(&grown, "chartroom-journal:1");
	lpbuf_str(&reserved, "chartroom-journal:1");
	for (int k = 0; k < 3; k++) {
		lpbuf_t *b[] = {&grown, &reserved, &short_res};
		for (int j = 0; j < 3; j++) {
			lpbuf_str(b[j], "patient_search");
			lpbuf_put(b[j], blob, sizeof blob);
			lpbuf_put(b[j], "", 0);
		}
	}
	assert_false(grown.bad || reserved.bad || short_res.bad);
	assert_int_equal(reserved.len, grown.len);
	assert_int_equal(short_res.len, grown.len);
	assert_memory_equal(reserved.p, grown.p, grown.len);
	assert_memory_equal(short_res.p, grown.p, grown.len);
	/* The first field: its 4-byte big-endian length, then its bytes. */
	assert_int_equal(grown.p[3], 19);
	assert_memory_equal(grown.p + 4, "chartroom-journal:1", 19);
	lpbuf_free(&grown);
	lpbuf_free(&reserved);
	lpbuf_free(&short_res);
	assert_null(grown.p);
}

/* Audit timestamps are made once a second and copied in between: two
 * stamps taken together agree, in the trail's format. */
static void test_core_now_format(void **state)
{
	char a[24], b[24];
	time_t t0, t1;
	(void)state;
	do {
		t0 = time(NULL);
		core_now(a);
		core_now(b);
		t1 = time(NULL);
	} while (t0 != t1);
	assert_int_equal(strlen(a), 20);
	assert_true(a[4] == '-' && a[7] == '-' && a[10] == 'T' && a[13] == ':' && a[19] == 'Z');
	assert_string_equal(a, b);
	{
		struct tm tm;
		char want[24];
		gmtime_r(&t0, &tm);
		strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
		assert_string_equal(a, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lpbuf_reserve_same_bytes),
		cmocka_unit_test(test_core_now_format),
		cmocka_unit_test(test_fresh_chain_verifies),
		cmocka_unit_test(test_edit_action),
		cmocka_unit_test(test_edit_ts),
		cmocka_unit_test(test_edit_user_name),
		cmocka_unit_test(test_edit_outcome),
		cmocka_unit_test(test_edit_other_fields),
		cmocka_unit_test(test_edit_detail_byte),
		cmocka_unit_test(test_edit_mac_byte),
		cmocka_unit_test(test_delete_row),
		cmocka_unit_test(test_delete_row_and_renumber),
		cmocka_unit_test(test_reorder_rows),
		cmocka_unit_test(test_insert_forged_row),
		cmocka_unit_test(test_append_forged_row),
		cmocka_unit_test(test_truncation_caught_with_anchor),
		cmocka_unit_test(test_restored_copy_caught_with_anchor),
		cmocka_unit_test(test_bad_anchor_text),
		cmocka_unit_test(test_verify_requires_permission),
		cmocka_unit_test(test_list_decrypts_details),
		cmocka_unit_test(test_pending_failures_chained_after_login),
	};
	return cmocka_run_group_tests_name("audit", tests, group_setup, group_teardown);
}
