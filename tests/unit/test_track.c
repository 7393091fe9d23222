/* test_track.c - core/chart_track.h: a volume's home, charged out with a
 * due date, refused while out, returned; the out and overdue lists by
 * this test's clock; the history; HIM only; bad input refused naming the
 * field; who has it not in the file in plaintext; an event edited, moved
 * to another chart or replayed with SQL is an integrity error. */
#include "testutil.h"

#include <time.h>

#include "core/chart_track.h"
#include "core/internal.h"

static int days_ahead;

void core_now(char buf[24])
{
	time_t t = time(NULL) + (time_t)days_ahead * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct fixture {
	tu_clinic_t t;
	char a[33], b[33];
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	patient_t p;
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_HIM);
	tu_patient(&p, "Foliant", "Ada", "1950-01-02", "F");
	tu_register(f->t.fd, &p, 1);
	snprintf(f->a, sizeof f->a, "%s", p.id);
	tu_patient(&p, "Quarto", "Ben", "1960-03-04", "M");
	tu_register(f->t.fd, &p, 1);
	snprintf(f->b, sizeof f->b, "%s", p.id);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	days_ahead = 0;
	tu_clinic_down(&f->t);
	free(f);
	return 0;
}

static void date_in(int days, char out[11])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

typedef struct outs {
	track_out_t v[8];
	int n;
} outs_t;

static int take_out(const track_out_t *o, void *arg)
{
	outs_t *l = arg;
	if (l->n < 8)
		l->v[l->n++] = *o;
	return 0;
}

static int count_events(const track_event_t *e, void *arg)
{
	(void)e;
	(*(int *)arg)++;
	return 0;
}

static void test_out_in_overdue(void **state)
{
	fixture_t *f = *state;
	char due[11], today[11], past[11];
	outs_t l;
	msg_t m;
	int n = 0;
	date_in(3, due);
	date_in(0, today);
	date_in(-1, past);
	assert_int_equal(track_home(f->t.him, f->a, 1, "Shelf 9", &m), STATUS_OK);
	assert_int_equal(track_out(f->t.him, f->a, 1, "Dr Folio", due, &m), STATUS_OK);
	assert_int_equal(track_out(f->t.him, f->a, 1, "Billing", due, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "already out to Dr Folio"));
	assert_int_equal(track_out(f->t.him, f->b, 2, "Billing", today, &m), STATUS_OK);
	/* Refused, naming the field, changing nothing. */
	assert_int_equal(track_out(f->t.him, f->b, 1, "X", past, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "Due date"));
	assert_int_equal(track_out(f->t.him, f->b, 1, "", due, &m), STATUS_INVALID);
	assert_int_equal(track_out(f->t.him, f->b, 1, "Dr\x1b[2J", due, &m), STATUS_INVALID);
	assert_int_equal(track_out(f->t.him, f->b, 0, "X", due, &m), STATUS_INVALID);
	assert_int_equal(track_in(f->t.him, f->b, 1, &m), STATUS_INVALID);
	/* HIM only. */
	assert_int_equal(track_out(f->t.nurse, f->b, 1, "X", due, &m), STATUS_DENIED);
	memset(&l, 0, sizeof l);
	assert_int_equal(track_list_out(f->t.nurse, 0, take_out, &l, &m), STATUS_DENIED);
	/* Out today; overdue only later. */
	assert_int_equal(track_list_out(f->t.him, 0, take_out, &l, &m), STATUS_OK);
	assert_int_equal(l.n, 2);
	memset(&l, 0, sizeof l);
	assert_int_equal(track_list_out(f->t.him, 1, take_out, &l, &m), STATUS_OK);
	assert_int_equal(l.n, 0);
	days_ahead = 5;
	memset(&l, 0, sizeof l);
	assert_int_equal(track_list_out(f->t.him, 1, take_out, &l, &m), STATUS_OK);
	days_ahead = 0;
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].days_overdue, 5); /* the most overdue first */
	assert_string_equal(l.v[0].to, "Billing");
	assert_int_equal(l.v[0].volume, 2);
	assert_string_equal(l.v[0].home, "File room");
	assert_int_equal(l.v[1].days_overdue, 2);
	assert_string_equal(l.v[1].home, "Shelf 9");
	assert_true(tu_has(l.v[1].name, "Foliant"));
	assert_int_equal(track_in(f->t.him, f->a, 1, &m), STATUS_OK);
	memset(&l, 0, sizeof l);
	assert_int_equal(track_list_out(f->t.him, 0, take_out, &l, &m), STATUS_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(track_history(f->t.him, f->a, count_events, &n, &m), STATUS_OK);
	assert_int_equal(n, 3);
	assert_int_equal(tu_audit_count(f->t.db, "chart_out", "him1"), 2);
	assert_int_equal(tu_audit_count(f->t.db, "chart_in", "him1"), 1);
	{
		size_t len = 0;
		unsigned char *file = tu_read_file(f->t.db, &len);
		assert_false(tu_contains(file, len, "Dr Folio", 8));
		free(file);
	}
}

static void test_tampering(void **state)
{
	fixture_t *f = *state;
	char due[11];
	outs_t l;
	msg_t m;
	int n = 0;
	date_in(3, due);
	assert_int_equal(track_out(f->t.him, f->a, 1, "Dr Folio", due, &m), STATUS_OK);
	assert_int_equal(track_in(f->t.him, f->a, 1, &m), STATUS_OK);
	assert_int_equal(track_out(f->t.him, f->b, 1, "Ward 3", due, &m), STATUS_OK);
	tu_sql(f->t.db, "DROP TRIGGER chart_tracking_append_only");
	/* The due date edited. */
	tu_sql(f->t.db, "UPDATE chart_tracking SET due = '2099-01-01' WHERE event = 'out' AND "
		      "prow = (SELECT max(prow) FROM chart_tracking)");
	memset(&l, 0, sizeof l);
	assert_int_equal(track_list_out(f->t.him, 0, take_out, &l, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "chart_tracking"));
	{
		char sql[160];
		snprintf(sql, sizeof sql,
			 "UPDATE chart_tracking SET due = '%s' WHERE due = '2099-01-01'", due);
		tu_sql(f->t.db, sql);
	}
	memset(&l, 0, sizeof l);
	assert_int_equal(track_list_out(f->t.him, 0, take_out, &l, &m), STATUS_OK); /* put back */
	/* The first chart's "out" moved to the second chart. */
	tu_sql(f->t.db, "UPDATE chart_tracking SET prow = (SELECT max(prow) FROM chart_tracking) "
		      "WHERE trow = 2");
	assert_int_equal(track_history(f->t.him, f->b, count_events, &n, &m), STATUS_INTEGRITY);
	assert_int_equal(track_history(f->t.him, f->a, count_events, &n, &m), STATUS_INTEGRITY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_out_in_overdue, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
