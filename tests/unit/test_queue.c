/* test_queue.c - core/queue.h, the HIM work queue: every kind appears
 * with its patient (coding backlog, deficiencies, charts out, ROI and
 * amendment requests due, break-the-glass reviews), sorted by due date
 * with the overdue first, filtered by kind and assignee; which kinds each
 * role sees (front desk, nurse and admin refused; the privacy officer her
 * kinds only); the menu's counts equal the queue's; an item leaves when
 * its cause is gone; opening audited once; a patients row edited or moved
 * with sqlite3 is an integrity error, not a wrong name. The clock is this
 * test's own core_now. */
#include "testutil.h"

#include <time.h>

#include "core/amendment.h"
#include "core/btg_review.h"
#include "core/chart_track.h"
#include "core/clinical.h"
#include "core/internal.h"
#include "core/queue.h"
#include "core/roi.h"

/* Records stamped `days_back` days ago, or at fake_now when set. */
static int days_back;
static const char *fake_now;

void core_now(char buf[24])
{
	time_t t = time(NULL) - (time_t)days_back * 86400;
	if (fake_now) {
		snprintf(buf, 24, "%s", fake_now);
		return;
	}
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct fixture {
	tu_clinic_t t;
	char pa[33], pb[33], pc[33]; /* Alder (old open visit), Birch (closed), Cedar (confidential) */
	patient_t a, b, cc;
	int64_t old_enc, closed_enc, roi, amend;
} fixture_t;

static void visit(fixture_t *f, const char *pid, int days, int64_t *erow)
{
	msg_t m;
	days_back = days;
	if (encounter_checkin(f->t.fd, pid, "office visit", "prov1", "Room 1", "", erow, &m) !=
	    STATUS_OK)
		fail_msg("check-in: %s", m.text);
	days_back = 0;
}

static int setup_zone(void **state, const char *zone)
{
	fixture_t *f = calloc(1, sizeof *f);
	patient_t *out = malloc(sizeof *out);
	roi_input_t ri = {0};
	amendment_input_t ai = {"allergies", "", "", "Remove the latex allergy", ""};
	char due[11];
	msg_t m;
	time_t t = time(NULL) + 10 * 86400;
	struct tm tm;
	assert_non_null(f);
	tu_clinic_prepare(&f->t);
	assert_non_null(out);
	f->t.cfg->open_encounter_days = 7;
	f->t.cfg->delinquent_days = 30;
	f->t.cfg->late_after_days = 30;
	f->t.cfg->btg_review_days = 14;
	if (zone)
		snprintf(f->t.cfg->clinic_tz, sizeof f->t.cfg->clinic_tz, "%s", zone);
	tu_clinic_start(&f->t, TU_R_FD | TU_R_NURSE | TU_R_PROV | TU_R_HIM | TU_R_PRIV);
	tu_patient(&f->a, "Alder", "Ann", "1950-01-02", "F");
	tu_register(f->t.fd, &f->a, 1);
	tu_patient(&f->b, "Birch", "Bob", "1960-03-04", "M");
	tu_register(f->t.fd, &f->b, 1);
	tu_patient(&f->cc, "Cedar", "Cy", "1970-05-06", "M");
	f->cc.confidential = 1;
	tu_register(f->t.fd, &f->cc, 1);
	snprintf(f->pa, sizeof f->pa, "%s", f->a.id);
	snprintf(f->pb, sizeof f->pb, "%s", f->b.id);
	snprintf(f->pc, sizeof f->pc, "%s", f->cc.id);
	/* A visit 60 days ago still open: deficiency O, overdue. A visit
	 * today, closed without a diagnosis: coding, and deficiency X. */
	visit(f, f->pa, 60, &f->old_enc);
	visit(f, f->pb, 0, &f->closed_enc);
	assert_int_equal(encounter_close(f->t.nurse, f->closed_enc, &m), STATUS_OK);
	/* Birch's chart charged out, due in 10 days. */
	gmtime_r(&t, &tm);
	strftime(due, sizeof due, "%Y-%m-%d", &tm);
	assert_int_equal(track_out(f->t.him, f->pb, 1, "Dr Folio", due, &m), STATUS_OK);
	ri.requester_kind = "payer";
	ri.recipient_name = "Acme Insurance";
	assert_int_equal(roi_add(f->t.him, f->pa, &ri, &f->roi, &m), STATUS_OK);
	assert_int_equal(amendment_add(f->t.him, f->pb, &ai, &f->amend, &m), STATUS_OK);
	/* The nurse breaks the glass on Cedar's chart. */
	assert_int_equal(patient_open(f->t.nurse, f->pc, "triage, chest pain", out, &m), STATUS_OK);
	sodium_memzero(out, sizeof *out);
	free(out);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_zone(state, NULL);
}

static int setup_chicago(void **state)
{
	return setup_zone(state, "America/Chicago");
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	days_back = 0;
	fake_now = NULL;
	tu_clinic_down(&f->t);
	free(f);
	return 0;
}

/* Open as s with a filter; STATUS_OK expected; every patient resolved. */
static queue_t *open_q(session_t *s, int kind, const char *assignee)
{
	queue_filter_t flt = {kind, assignee};
	queue_t *q = NULL;
	msg_t m;
	if (queue_open(s, &flt, &q, &m) != STATUS_OK)
		fail_msg("queue_open: %s", m.text);
	for (int i = 0; i < queue_count(q); i++)
		if (queue_resolve(s, q, i, &m) != STATUS_OK)
			fail_msg("queue_resolve %d: %s", i, m.text);
	return q;
}

/* The item of kind k with ref, or NULL. */
static const queue_item_t *find(const queue_t *q, queue_kind_t k, const char *ref)
{
	for (int i = 0; i < queue_count(q); i++) {
		const queue_item_t *it = queue_item(q, i);
		if (it->kind == k && (!ref || strcmp(it->ref, ref) == 0))
			return it;
	}
	return NULL;
}

static void test_every_kind_with_its_patient(void **state)
{
	fixture_t *f = *state;
	queue_t *q = open_q(f->t.him, -1, NULL);
	char ref[24];
	const queue_item_t *it;
	snprintf(ref, sizeof ref, "%lld", (long long)f->closed_enc);
	it = find(q, QK_CODING, ref);
	assert_non_null(it);
	assert_string_equal(it->name, "Birch, Bob");
	assert_string_equal(it->mrn, f->b.f[PF_MRN]);
	assert_string_equal(it->patient_id, f->pb);
	assert_int_equal(it->erow, f->closed_enc);
	assert_string_equal(it->assigned, "");
	assert_int_equal(it->days_left, 30); /* late after 30 days from the date of service */
	snprintf(ref, sizeof ref, "O%lld", (long long)f->old_enc);
	it = find(q, QK_DEFICIENCY, ref);
	assert_non_null(it);
	assert_string_equal(it->name, "Alder, Ann");
	assert_string_equal(it->assigned, "prov1");
	assert_int_equal(it->age_days, 60);
	assert_int_equal(it->days_left, -30); /* delinquent after 30 days */
	assert_true(tu_has(it->what, "Encounter still open"));
	snprintf(ref, sizeof ref, "X%lld", (long long)f->closed_enc);
	assert_non_null(find(q, QK_DEFICIENCY, ref));
	it = find(q, QK_CHART_OUT, "1");
	assert_non_null(it);
	assert_string_equal(it->mrn, f->b.f[PF_MRN]);
	assert_string_equal(it->assigned, "him1");
	assert_int_equal(it->days_left, 10);
	snprintf(ref, sizeof ref, "%lld", (long long)f->roi);
	it = find(q, QK_ROI, ref);
	assert_non_null(it);
	assert_string_equal(it->name, "Alder, Ann");
	assert_int_equal(it->num, f->roi);
	assert_int_equal(it->days_left, 30);
	snprintf(ref, sizeof ref, "%lld", (long long)f->amend);
	it = find(q, QK_AMENDMENT, ref);
	assert_non_null(it);
	assert_string_equal(it->name, "Birch, Bob");
	assert_int_equal(it->days_left, 60);
	/* The break-the-glass review is the privacy officer's, not HIM's. */
	assert_null(find(q, QK_BTG, NULL));
	assert_int_equal(queue_count(q), 6);
	assert_int_equal(queue_count_kind(q, QK_DEFICIENCY), 2);
	queue_free(q);

	q = open_q(f->t.priv, -1, NULL);
	it = find(q, QK_BTG, "1");
	assert_non_null(it);
	assert_string_equal(it->name, "Cedar, Cy");
	assert_true(it && strstr(it->what, "nurse1") != NULL);
	assert_int_equal(it->days_left, 14);
	assert_non_null(find(q, QK_AMENDMENT, NULL)); /* amendment decisions are hers */
	assert_null(find(q, QK_CODING, NULL));
	assert_null(find(q, QK_DEFICIENCY, NULL));
	assert_null(find(q, QK_CHART_OUT, NULL));
	assert_null(find(q, QK_ROI, NULL));
	assert_int_equal(queue_count(q), 2);
	queue_free(q);
}

static void test_sorted_by_due_overdue_first(void **state)
{
	fixture_t *f = *state;
	queue_t *q = open_q(f->t.him, -1, NULL);
	const queue_item_t *first = queue_item(q, 0);
	assert_int_equal(first->kind, QK_DEFICIENCY);
	assert_true(first->days_left < 0);
	for (int i = 1; i < queue_count(q); i++)
		assert_true(strcmp(queue_item(q, i - 1)->due, queue_item(q, i)->due) <= 0);
	assert_null(queue_item(q, queue_count(q)));
	assert_null(queue_item(q, -1));
	queue_free(q);
}

static void test_filters(void **state)
{
	fixture_t *f = *state;
	queue_t *q = open_q(f->t.him, QK_CODING, NULL);
	queue_filter_t bad = {QK_COUNT, NULL};
	msg_t m;
	assert_int_equal(queue_count(q), 1);
	assert_int_equal(queue_item(q, 0)->kind, QK_CODING);
	queue_free(q);
	q = open_q(f->t.him, -1, "prov1");
	assert_int_equal(queue_count(q), 2);
	for (int i = 0; i < queue_count(q); i++)
		assert_string_equal(queue_item(q, i)->assigned, "prov1");
	queue_free(q);
	q = open_q(f->t.him, QK_CHART_OUT, "prov1");
	assert_int_equal(queue_count(q), 0);
	queue_free(q);
	q = open_q(f->t.him, -1, "nobody");
	assert_int_equal(queue_count(q), 0);
	queue_free(q);
	q = NULL;
	assert_int_equal(queue_open(f->t.him, &bad, &q, &m), STATUS_INVALID);
	assert_null(q);
	bad.kind = -1;
	bad.assignee = "bad\033[2Jname";
	assert_int_equal(queue_open(f->t.him, &bad, &q, &m), STATUS_INVALID);
	assert_null(q);
	assert_int_equal(queue_kind_from_name("chart-out"), QK_CHART_OUT);
	assert_int_equal(queue_kind_from_name("wizard"), QK_COUNT);
	assert_string_equal(queue_kind_names(), "coding, deficiency, chart-out, roi, amendment, btg, duplicate, retention");
}

static void test_permissions(void **state)
{
	fixture_t *f = *state;
	queue_filter_t all = {-1, NULL}, coding = {QK_CODING, NULL};
	queue_t *q = NULL;
	int counts[QK_COUNT];
	msg_t m;
	assert_int_equal(queue_open(f->t.fd, &all, &q, &m), STATUS_DENIED);
	assert_null(q);
	assert_true(tu_has(m.text, "may not open the HIM work queue"));
	assert_int_equal(queue_open(f->t.nurse, &all, &q, &m), STATUS_DENIED);
	assert_int_equal(queue_open(f->t.prov, &all, &q, &m), STATUS_DENIED);
	assert_int_equal(queue_open(f->t.admin, &all, &q, &m), STATUS_DENIED);
	assert_int_equal(queue_open(f->t.priv, &coding, &q, &m), STATUS_DENIED);
	assert_null(q);
	assert_int_equal(queue_counts(f->t.fd, counts, &m), STATUS_DENIED);
	assert_false(queue_may_open(f->t.fd));
	assert_true(queue_may_open(f->t.him));
	assert_true(queue_may_open(f->t.priv));
	/* Refusals are not views: nothing was shown. */
	assert_int_equal(tu_audit_count(f->t.db, "queue_view", "fd1"), 0);
}

static void test_counts_and_audit(void **state)
{
	fixture_t *f = *state;
	int counts[QK_COUNT];
	char text[160];
	queue_t *q;
	msg_t m;
	int64_t before = tu_audit_count(f->t.db, "queue_view", "him1");
	assert_int_equal(queue_counts(f->t.him, counts, &m), STATUS_OK);
	assert_int_equal(tu_audit_count(f->t.db, "queue_view", "him1"), before); /* counts: not audited */
	q = open_q(f->t.him, -1, NULL);
	assert_int_equal(tu_audit_count(f->t.db, "queue_view", "him1"), before + 1);
	for (int k = 0; k < QK_COUNT; k++)
		assert_int_equal(counts[k], queue_count_kind(q, (queue_kind_t)k));
	queue_free(q);
	queue_counts_text(counts, text, sizeof text);
	assert_string_equal(text, "1 coding, 2 deficiencies, 1 chart due back, 1 ROI due, "
				  "1 amendment due");
	assert_int_equal(queue_counts(f->t.priv, counts, &m), STATUS_OK);
	queue_counts_text(counts, text, sizeof text);
	assert_string_equal(text, "1 amendment due, 1 BTG review");
	memset(counts, 0, sizeof counts);
	queue_counts_text(counts, text, sizeof text);
	assert_string_equal(text, "nothing waiting");
}

static void test_items_leave_when_done(void **state)
{
	fixture_t *f = *state;
	queue_t *q;
	msg_t m;
	assert_int_equal(track_in(f->t.him, f->pb, 1, &m), STATUS_OK);
	assert_int_equal(roi_update(f->t.him, f->roi, NULL, "withdrawn", &m), STATUS_OK);
	assert_int_equal(btg_review(f->t.priv, 1, "appropriate", "", &m), STATUS_OK);
	q = open_q(f->t.him, -1, NULL);
	assert_null(find(q, QK_CHART_OUT, NULL));
	assert_null(find(q, QK_ROI, NULL));
	assert_int_equal(queue_count(q), 4);
	queue_free(q);
	q = open_q(f->t.priv, -1, NULL);
	assert_null(find(q, QK_BTG, NULL));
	queue_free(q);
}

/* A patients row's ciphertext moved to another row, or edited, with
 * sqlite3: the queue still lists (clear columns) but resolving the row is
 * STATUS_INTEGRITY, never another patient's name. */
static void test_tampered_patient(void **state)
{
	fixture_t *f = *state;
	queue_filter_t flt = {QK_CODING, NULL};
	queue_t *q = NULL;
	char sql[256];
	msg_t m;
	snprintf(sql, sizeof sql,
		 "UPDATE patients SET ident = (SELECT ident FROM patients WHERE id = '%s') "
		 "WHERE id = '%s'",
		 f->pa, f->pb);
	tu_sql(f->t.db, sql);
	assert_int_equal(queue_open(f->t.him, &flt, &q, &m), STATUS_OK);
	assert_int_equal(queue_count(q), 1);
	assert_int_equal(queue_resolve(f->t.him, q, 0, &m), STATUS_INTEGRITY);
	assert_false(queue_item(q, 0)->resolved);
	assert_string_equal(queue_item(q, 0)->name, "");
	assert_false(tu_has(m.text, "Alder"));
	assert_int_equal(queue_resolve(f->t.him, q, 5, &m), STATUS_INVALID);
	queue_free(q);
	queue_free(NULL);
}

/* Dates are the clinic's (America/Chicago here): a visit at 23:30 local
 * time is on that local date, also on the day daylight saving time
 * begins (2026-03-08, when the zone's offset changes within the UTC day);
 * ages and days left count local days. */
static void test_local_dates(void **state)
{
	fixture_t *f = *state;
	static const struct {
		const char *utc, *local;
	} cases[] = {
	    {"2026-01-10T05:30:00Z", "2026-01-09"}, /* 23:30 CST */
	    {"2026-01-10T06:00:00Z", "2026-01-10"}, /* 00:00 CST */
	    {"2026-03-08T07:59:00Z", "2026-03-08"}, /* 01:59 CST, the change day */
	    {"2026-03-08T08:00:00Z", "2026-03-08"}, /* 03:00 CDT */
	    {"2026-03-09T04:59:00Z", "2026-03-08"}, /* 23:59 CDT */
	    {"2026-07-01T04:30:00Z", "2026-06-30"}, /* 23:30 CDT */
	    {"2028-02-29T12:00:00Z", "2028-02-29"}, /* a leap day */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char pid[33], ref[24];
		patient_t p;
		int64_t erow = 0;
		queue_t *q;
		const queue_item_t *it;
		msg_t m;
		char last[32];
		snprintf(last, sizeof last, "Zoner%c", (char)('a' + i));
		tu_patient(&p, last, "Zed", "1980-01-01", "F");
		tu_register(f->t.fd, &p, 1);
		snprintf(pid, sizeof pid, "%s", p.id);
		fake_now = cases[i].utc;
		assert_int_equal(encounter_checkin(f->t.fd, pid, "office visit", "prov1", "Room 1", "",
						   &erow, &m),
				 STATUS_OK);
		assert_int_equal(encounter_close(f->t.nurse, erow, &m), STATUS_OK);
		fake_now = "2026-08-01T12:00:00Z";
		q = open_q(f->t.him, QK_CODING, NULL);
		snprintf(ref, sizeof ref, "%lld", (long long)erow);
		it = find(q, QK_CODING, ref);
		assert_non_null(it);
		if (strcmp(it->since, cases[i].local) != 0)
			fail_msg("%s: since %s, want %s", cases[i].utc, it->since, cases[i].local);
		{
			int ok;
			long age = date_diff_days(cases[i].local, "2026-08-01", &ok);
			assert_true(ok);
			assert_int_equal(it->age_days, age);
			assert_int_equal(it->days_left, 30 - age);
		}
		queue_free(q);
		fake_now = NULL;
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_every_kind_with_its_patient), T(test_sorted_by_due_overdue_first),
	    T(test_filters),                     T(test_permissions),
	    T(test_counts_and_audit),            T(test_items_leave_when_done),
	    T(test_tampered_patient),
	    cmocka_unit_test_setup_teardown(test_local_dates, setup_chicago, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
