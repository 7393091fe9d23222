/* test_access.c - core/access.h and core/btg_review.h: who opened a chart
 * (newest first, the break-the-glass reason, role and origin, filters by
 * range and user, nothing of other charts), the charts a user opened with
 * the patients' names, audit targets in words, permissions by role, every
 * report view audited; the break-the-glass queue (reason, what the user
 * did afterwards, overdue past [privacy] btg_review_days with the clock
 * moved), findings checked on input, append-only, MAC'd and matched with
 * their audit entries: edited, moved, replayed or deleted with SQL they
 * are integrity errors; their comments never in the file in plaintext. */
#include "testutil.h"

#include <time.h>

#include "core/access.h"
#include "core/btg_review.h"
#include "core/internal.h"
#include "core/users.h"

/* The clock records are stamped with (core/clock.c's, replaced here so a
 * break-the-glass access can be made "days ago"). */
static int days_back;

void core_now(char buf[24])
{
	time_t t = time(NULL) - (time_t)days_back * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct fixture {
	tu_clinic_t t;
	patient_t p, q; /* p confidential, q not */
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_HIM | TU_R_PRIV);
	tu_patient(&f->p, "Vantablack", "Celeste", "1966-06-06", "F");
	f->p.confidential = 1;
	tu_register(f->t.fd, &f->p, 1);
	tu_patient(&f->q, "Quarrington", "Ottilie", "1971-04-04", "F");
	tu_register(f->t.fd, &f->q, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	days_back = 0;
	tu_clinic_down(&f->t);
	free(f);
	return 0;
}

/* The nurse opens p with a reason (break-the-glass), then q plainly. */
static void nurse_breaks_glass(fixture_t *f, const char *reason)
{
	patient_t *out = malloc(sizeof *out);
	msg_t m;
	assert_non_null(out);
	assert_int_equal(patient_open(f->t.nurse, f->p.f[PF_MRN], NULL, out, &m),
	                 STATUS_BTG_REQUIRED);
	assert_int_equal(patient_open(f->t.nurse, f->p.f[PF_MRN], reason, out, &m), STATUS_OK);
	assert_int_equal(patient_open(f->t.nurse, f->q.f[PF_MRN], NULL, out, &m), STATUS_OK);
	free(out);
}

typedef struct got {
	access_entry_t e[64];
	int n;
} got_t;

static int collect(const access_entry_t *e, void *arg)
{
	got_t *g = arg;
	if (g->n < 64)
		g->e[g->n++] = *e;
	return 0;
}

static void test_who_opened_this_chart(void **state)
{
	fixture_t *f = *state;
	got_t *g = calloc(1, sizeof *g);
	char label[200];
	access_query_t q = {NULL, NULL, 0, NULL};
	int btg = -1, reg = -1;
	msg_t m;
	assert_non_null(g);
	nurse_breaks_glass(f, "patient in triage with chest pain");
	assert_int_equal(
	    access_patient(f->t.priv, f->p.f[PF_MRN], &q, collect, g, label, sizeof label, &m),
	    STATUS_OK);
	assert_true(tu_has(label, f->p.f[PF_MRN]));
	assert_true(tu_has(label, "Vantablack, Celeste"));
	assert_true(g->n >= 4);
	/* Newest first: the report's own view on top. */
	assert_string_equal(g->e[0].action, "access_report");
	for (int i = 1; i < g->n; i++)
		assert_true(g->e[i].seq < g->e[i - 1].seq);
	for (int i = 0; i < g->n; i++) {
		if (strcmp(g->e[i].action, "break_the_glass") == 0)
			btg = i;
		if (strcmp(g->e[i].action, "patient_register") == 0)
			reg = i;
		/* Nothing of the other patient's chart. */
		assert_false(tu_has(g->e[i].what, "Quarrington"));
	}
	assert_true(btg >= 0 && reg > btg);
	assert_string_equal(g->e[btg].user_name, "nurse1");
	assert_string_equal(g->e[btg].role, "nurse");
	assert_string_equal(g->e[btg].reason, "patient in triage with chest pain");
	assert_string_equal(g->e[btg].source, "local");
	assert_string_equal(g->e[reg].user_name, "fd1");
	assert_string_equal(g->e[reg].what, "registered the patient");
	/* Viewing it is audited, with the patient's id as the target. */
	tu_audit_flush(f->t.admin);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM audit WHERE action = "
	                                   "'access_report' AND user_name = 'priv1'"),
	                 1);
	/* HIM reads it too. */
	g->n = 0;
	assert_int_equal(
	    access_patient(f->t.him, f->p.f[PF_MRN], &q, collect, g, label, sizeof label, &m),
	    STATUS_OK);
	assert_true(g->n >= 4);
	/* A limit. */
	g->n = 0;
	q.limit = 2;
	assert_int_equal(access_patient(f->t.priv, f->p.f[PF_MRN], &q, collect, g, NULL, 0, &m),
	                 STATUS_OK);
	assert_int_equal(g->n, 2);
	free(g);
}

/* The role shown is the one the user held at the time (the trail's
 * user_add and user_role entries), not the role now. */
static void test_role_at_the_time(void **state)
{
	fixture_t *f = *state;
	got_t *g = calloc(1, sizeof *g);
	access_query_t q = {NULL, NULL, 0, "nurse1"};
	patient_t *out = malloc(sizeof *out);
	session_t *again;
	int btg = -1, later = -1;
	msg_t m;
	assert_non_null(g);
	assert_non_null(out);
	nurse_breaks_glass(f, "patient in triage with chest pain");
	assert_int_equal(users_set_role(f->t.admin, "nurse1", "provider", &m), STATUS_OK);
	again = tu_login(f->t.c, "nurse1", TU_NURSE_PW);
	assert_int_equal(patient_open(again, f->p.f[PF_MRN], NULL, out, &m), STATUS_OK);
	session_logout(again);
	assert_int_equal(access_patient(f->t.priv, f->p.f[PF_MRN], &q, collect, g, NULL, 0, &m),
	                 STATUS_OK);
	for (int i = 0; i < g->n; i++) {
		if (strcmp(g->e[i].action, "break_the_glass") == 0)
			btg = i;
		if (strcmp(g->e[i].action, "chart_open") == 0 && later < 0)
			later = i;
	}
	assert_true(btg >= 0 && later >= 0 && later < btg);
	assert_string_equal(g->e[btg].role, "nurse");
	assert_string_equal(g->e[later].role, "provider");
	free(out);
	free(g);
}

static void test_filters(void **state)
{
	fixture_t *f = *state;
	got_t *g = calloc(1, sizeof *g);
	char today[16], later[16];
	time_t t = time(NULL);
	struct tm tm;
	access_query_t q = {NULL, NULL, 0, NULL};
	msg_t m;
	assert_non_null(g);
	nurse_breaks_glass(f, "covering the front desk today");
	gmtime_r(&t, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	t += 3 * 86400;
	gmtime_r(&t, &tm);
	strftime(later, sizeof later, "%Y-%m-%d", &tm);
	/* Today, both ends included (the clinic's zone is UTC here). */
	q.since = today;
	q.until = today;
	assert_int_equal(access_patient(f->t.priv, f->p.f[PF_MRN], &q, collect, g, NULL, 0, &m),
	                 STATUS_OK);
	assert_true(g->n >= 4);
	g->n = 0;
	q.since = later;
	q.until = NULL;
	assert_int_equal(access_patient(f->t.priv, f->p.f[PF_MRN], &q, collect, g, NULL, 0, &m),
	                 STATUS_OK);
	assert_int_equal(g->n, 0);
	/* One user's accesses only. */
	q.since = NULL;
	q.user = "nurse1";
	assert_int_equal(access_patient(f->t.priv, f->p.f[PF_MRN], &q, collect, g, NULL, 0, &m),
	                 STATUS_OK);
	assert_true(g->n >= 2);
	for (int i = 0; i < g->n; i++)
		assert_string_equal(g->e[i].user_name, "nurse1");
	/* Bad input: named, nothing shown. */
	g->n = 0;
	q.user = NULL;
	q.since = "2024-13-45";
	assert_int_equal(access_patient(f->t.priv, f->p.f[PF_MRN], &q, collect, g, NULL, 0, &m),
	                 STATUS_INVALID);
	assert_true(tu_has(m.text, "Since"));
	q.since = later;
	q.until = today;
	assert_int_equal(access_patient(f->t.priv, f->p.f[PF_MRN], &q, collect, g, NULL, 0, &m),
	                 STATUS_INVALID);
	q.since = q.until = NULL;
	q.user = "bad\033[2Jname";
	assert_int_equal(access_patient(f->t.priv, f->p.f[PF_MRN], &q, collect, g, NULL, 0, &m),
	                 STATUS_INVALID);
	q.user = NULL;
	assert_int_equal(access_patient(f->t.priv, "CR99999999", &q, collect, g, NULL, 0, &m),
	                 STATUS_NOTFOUND);
	assert_int_equal(g->n, 0);
	free(g);
}

static void test_user_report_and_labels(void **state)
{
	fixture_t *f = *state;
	got_t *g = calloc(1, sizeof *g);
	access_query_t q = {NULL, NULL, 0, NULL};
	char label[200], want[200];
	int saw_p = 0, saw_q = 0;
	msg_t m;
	assert_non_null(g);
	nurse_breaks_glass(f, "patient in triage with chest pain");
	assert_int_equal(access_user(f->t.priv, "nurse1", &q, collect, g, &m), STATUS_OK);
	for (int i = 0; i < g->n; i++) {
		assert_string_equal(g->e[i].user_name, "nurse1");
		if (strcmp(g->e[i].mrn, f->p.f[PF_MRN]) == 0 &&
		    strcmp(g->e[i].name, "Vantablack, Celeste") == 0)
			saw_p = 1;
		if (strcmp(g->e[i].mrn, f->q.f[PF_MRN]) == 0)
			saw_q = 1;
	}
	assert_true(saw_p && saw_q);
	assert_int_equal(access_user(f->t.priv, "nobody", &q, collect, g, &m), STATUS_NOTFOUND);
	tu_audit_flush(f->t.admin);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM audit WHERE action = "
	                                   "'access_report_user' AND target = 'nurse1'"),
	                 1);
	/* Targets in words: for a role that may see patients, not for the
	 * administrator (no patient access). */
	snprintf(want, sizeof want, "%s Vantablack, Celeste", f->p.f[PF_MRN]);
	access_target_label(f->t.priv, f->p.id, label, sizeof label);
	assert_string_equal(label, want);
	access_target_label(f->t.admin, f->p.id, label, sizeof label);
	assert_string_equal(label, f->p.id);
	access_target_label(f->t.priv, "nurse1", label, sizeof label);
	assert_string_equal(label, "nurse1");
	free(g);
}

static void test_permissions(void **state)
{
	fixture_t *f = *state;
	got_t *g = calloc(1, sizeof *g);
	access_query_t q = {NULL, NULL, 0, NULL};
	btg_item_t *it = calloc(1, sizeof *it);
	int64_t n, o;
	msg_t m;
	session_t *no[] = {f->t.fd, f->t.nurse, f->t.admin};
	assert_non_null(g);
	assert_non_null(it);
	nurse_breaks_glass(f, "patient in triage with chest pain");
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		assert_int_equal(access_patient(no[i], f->p.f[PF_MRN], &q, collect, g, NULL, 0, &m),
		                 STATUS_DENIED);
		assert_int_equal(access_user(no[i], "nurse1", &q, collect, g, &m), STATUS_DENIED);
	}
	assert_int_equal(g->n, 0);
	/* The review queue is the privacy officer's alone. */
	session_t *nob[] = {f->t.fd, f->t.nurse, f->t.him, f->t.admin};
	for (size_t i = 0; i < sizeof nob / sizeof nob[0]; i++) {
		assert_int_equal(btg_get(nob[i], 1, it, &m), STATUS_DENIED);
		assert_int_equal(btg_review(nob[i], 1, "appropriate", "", &m), STATUS_DENIED);
		assert_int_equal(btg_unreviewed(nob[i], &n, &o, &m), STATUS_DENIED);
	}
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM btg_review"), 0);
	free(it);
	free(g);
}

typedef struct items {
	btg_item_t v[8];
	int n;
} items_t;

static int take_item(const btg_item_t *it, void *arg)
{
	items_t *l = arg;
	if (l->n < 8)
		l->v[l->n++] = *it;
	return 0;
}

static void test_btg_review(void **state)
{
	fixture_t *f = *state;
	items_t *l = calloc(1, sizeof *l);
	int64_t n = 0, o = 0;
	msg_t m;
	assert_non_null(l);
	nurse_breaks_glass(f, "patient in triage with chest pain");
	assert_int_equal(btg_unreviewed(f->t.priv, &n, &o, &m), STATUS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(o, 0);
	assert_int_equal(btg_list(f->t.priv, 1, take_item, l, &m), STATUS_OK);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0].user_name, "nurse1");
	assert_string_equal(l->v[0].mrn, f->p.f[PF_MRN]);
	assert_string_equal(l->v[0].name, "Vantablack, Celeste");
	assert_string_equal(l->v[0].reason, "patient in triage with chest pain");
	assert_true(tu_has(l->v[0].after, "opened the chart"));
	assert_string_equal(l->v[0].finding, "");
	/* Bad input changes nothing. */
	assert_int_equal(btg_review(f->t.priv, 1, "maybe", "", &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "Finding"));
	assert_int_equal(btg_review(f->t.priv, 1, "inappropriate", "", &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "Comment"));
	assert_int_equal(btg_review(f->t.priv, 1, "follow-up", "bad\033]0;x\atext", &m),
	                 STATUS_INVALID);
	assert_int_equal(btg_review(f->t.priv, 99, "appropriate", "", &m), STATUS_NOTFOUND);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM btg_review"), 0);
	/* A finding, then a later one that supersedes it; both kept. */
	assert_int_equal(btg_review(f->t.priv, 1, "follow_up", "CANARYREVIEW ask the manager", &m),
	                 STATUS_OK);
	assert_int_equal(btg_review(f->t.priv, 1, "appropriate", "manager confirmed the triage", &m),
	                 STATUS_OK);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM btg_review"), 2);
	l->n = 0;
	assert_int_equal(btg_list(f->t.priv, 0, take_item, l, &m), STATUS_OK);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->v[0].finding, "appropriate");
	assert_string_equal(l->v[0].reviewer, "priv1");
	assert_string_equal(l->v[0].comment, "manager confirmed the triage");
	assert_int_equal(l->v[0].reviews, 2);
	l->n = 0;
	assert_int_equal(btg_list(f->t.priv, 1, take_item, l, &m), STATUS_OK);
	assert_int_equal(l->n, 0);
	assert_int_equal(btg_unreviewed(f->t.priv, &n, &o, &m), STATUS_OK);
	assert_int_equal(n, 0);
	/* The comment is encrypted (in the audit entry's detail). */
	{
		char wal[PATH_MAX + 8];
		const char *paths[2];
		snprintf(wal, sizeof wal, "%s-wal", f->t.db);
		paths[0] = f->t.db;
		paths[1] = wal;
		for (int i = 0; i < 2; i++) {
			size_t len = 0;
			unsigned char *buf = tu_read_file(paths[i], &len);
			if (buf)
				assert_false(tu_contains(buf, len, "CANARYREVIEW", 12));
			free(buf);
		}
	}
	/* Audited, on the chain. */
	assert_int_equal(
	    tu_sql_int(f->t.db, "SELECT count(*) FROM audit WHERE action = 'btg_review'"), 2);
	free(l);
}

static void test_btg_review_tampering(void **state)
{
	fixture_t *f = *state;
	items_t *l = calloc(1, sizeof *l);
	char err[256];
	msg_t m;
	assert_non_null(l);
	nurse_breaks_glass(f, "patient in triage with chest pain");
	assert_int_equal(btg_review(f->t.priv, 1, "inappropriate", "not on the care team", &m),
	                 STATUS_OK);
	/* Append-only in the file itself. */
	assert_int_not_equal(
	    tu_sql_try(f->t.db, "UPDATE btg_review SET finding = 'appropriate'", err, sizeof err), 0);
	assert_true(tu_has(err, "append-only"));
	assert_int_not_equal(tu_sql_try(f->t.db, "DELETE FROM btg_review", err, sizeof err), 0);
	/* Past the triggers: an edited finding. */
	tu_sql(f->t.db, "DROP TRIGGER btg_review_no_update; DROP TRIGGER btg_review_no_delete;"
	              "UPDATE btg_review SET finding = 'appropriate'");
	assert_int_equal(btg_list(f->t.priv, 0, take_item, l, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "btg_review record 1"));
	/* Moved to another patient's chart. */
	tu_sql(f->t.db, "UPDATE btg_review SET finding = 'inappropriate';"
	              "UPDATE btg_review SET prow = (SELECT max(prow) FROM patients)");
	assert_int_equal(btg_list(f->t.priv, 0, take_item, l, &m), STATUS_INTEGRITY);
	tu_sql(f->t.db, "UPDATE btg_review SET prow = (SELECT prow FROM btg_queue WHERE id = 1)");
	assert_int_equal(btg_list(f->t.priv, 0, take_item, l, &m), STATUS_OK);
	/* Replayed: a copy under a new number. */
	tu_sql(f->t.db, "INSERT INTO btg_review SELECT 2, btg_id, prow, reviewer, ts, finding, "
	              "audit_seq, key_version, mac FROM btg_review WHERE id = 1");
	assert_int_equal(btg_list(f->t.priv, 0, take_item, l, &m), STATUS_INTEGRITY);
	/* Deleted: its audit entry still says it was made. */
	tu_sql(f->t.db, "DELETE FROM btg_review");
	assert_int_equal(btg_list(f->t.priv, 0, take_item, l, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "missing"));
	/* And a new finding is refused while the record is damaged. */
	assert_int_equal(btg_review(f->t.priv, 1, "appropriate", "", &m), STATUS_INTEGRITY);

	free(l);
}

/* A nurse deletes her queue row to hide the access: the trail still has
 * the break_the_glass entry. */
static void test_btg_queue_row_deleted(void **state)
{
	fixture_t *f = *state;
	items_t *l = calloc(1, sizeof *l);
	msg_t m;
	assert_non_null(l);
	nurse_breaks_glass(f, "patient in triage with chest pain");
	assert_int_equal(btg_list(f->t.priv, 0, take_item, l, &m), STATUS_OK);
	assert_int_equal(l->n, 1);
	tu_sql(f->t.db, "DELETE FROM btg_queue");
	l->n = 0;
	assert_int_equal(btg_list(f->t.priv, 0, take_item, l, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "missing from btg_queue"));
	assert_int_equal(l->n, 0);
	free(l);
}

static void test_overdue(void **state)
{
	fixture_t *f = *state;
	items_t *l = calloc(1, sizeof *l);
	int64_t n = 0, o = 0;
	msg_t m;
	assert_non_null(l);
	assert_int_equal(f->t.c->cfg->btg_review_days, 14);
	/* An access 15 days ago, and one today. */
	days_back = 15;
	nurse_breaks_glass(f, "old access two weeks back");
	days_back = 0;
	session_logout(f->t.nurse);
	f->t.nurse = tu_login(f->t.c, "nurse1", TU_NURSE_PW); /* a new session breaks the glass again */
	{
		patient_t *out = malloc(sizeof *out);
		assert_non_null(out);
		assert_int_equal(
		    patient_open(f->t.nurse, f->p.f[PF_MRN], "a fresh access today", out, &m),
		    STATUS_OK);
		free(out);
	}
	assert_int_equal(btg_unreviewed(f->t.priv, &n, &o, &m), STATUS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(o, 1);
	assert_int_equal(btg_list(f->t.priv, 1, take_item, l, &m), STATUS_OK);
	assert_int_equal(l->n, 2);
	/* Newest first. */
	assert_string_equal(l->v[0].reason, "a fresh access today");
	assert_int_equal(l->v[0].overdue, 0);
	assert_string_equal(l->v[1].reason, "old access two weeks back");
	assert_int_equal(l->v[1].overdue, 1);
	/* A finding ends it being overdue. */
	assert_int_equal(btg_review(f->t.priv, l->v[1].id, "appropriate", "", &m), STATUS_OK);
	assert_int_equal(btg_unreviewed(f->t.priv, &n, &o, &m), STATUS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(o, 0);
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_who_opened_this_chart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_role_at_the_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_user_report_and_labels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_btg_review, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_btg_review_tampering, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_btg_queue_row_deleted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_overdue, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
