/* test_coding_view.c - coding with the patient in view (core/coding.h):
 * the DNFB aging buckets at their edges; the queue's days counted from
 * the date of service in the clinic's days, not from closing, through
 * this test's own clock; the patient named in the queue and in
 * coding_get for roles that see demographics, and who may read them;
 * [codes] verify_by_other: the coder refused verifying and finalising
 * from coded, another clerk allowed, the coders counted again after a
 * verification, everything allowed with the rule off; the views audited.
 * The clock is this test's own core_now. */
#include "testutil.h"

#include <time.h>

#include "core/clinical.h"
#include "core/coding.h"
#include "core/internal.h"
#include "core/policy.h"

#define HIM2_PW "second him clerk password coding view"

/* "" : the real time; otherwise the time core sees. */
static char fake_now[24];

void core_now(char buf[24])
{
	time_t t = time(NULL);
	struct tm tm;
	if (fake_now[0]) {
		memcpy(buf, fake_now, 21);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct fixture {
	tu_clinic_t t;
	session_t *him2;
	char pid[33], mrn[24];
	int64_t e1, e2;
} fixture_t;

static const char icd[] =
    "00061 I10     1 Essential (primary) hypertension                             Essential "
    "(primary) hypertension\n"
    "00090 J45     0 Asthma                                                       Asthma\n"
    "00091 J452    0 Mild intermittent asthma                                     Mild "
    "intermittent asthma\n"
    "00092 J4520   1 Mild intermittent asthma, uncomplicated                      Mild "
    "intermittent asthma, uncomplicated\n";

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	char path[PATH_MAX];
	patient_t p;
	codes_import_report_t rep;
	msg_t m;
	assert_non_null(f);
	fake_now[0] = '\0';
	tu_clinic_up(&f->t, TU_R_FD | TU_R_PROV | TU_R_HIM);
	tu_add_user(f->t.admin, "him2", "him", HIM2_PW);
	f->him2 = tu_login(f->t.c, "him2", HIM2_PW);
	tu_path(path, f->t.dir, "icd.txt");
	tu_write_text(path, icd);
	if (codes_import(f->t.him, CS_ICD10CM, path, "T1", "2020-01-01", &rep, &m) != STATUS_OK)
		fail_msg("codes import: %s", m.text);
	tu_patient(&p, "Codewell", "Ada", "1950-02-03", "F");
	tu_register(f->t.fd, &p, 1);
	snprintf(f->pid, sizeof f->pid, "%s", p.id);
	snprintf(f->mrn, sizeof f->mrn, "%.20s", p.f[PF_MRN]);
	/* Seen on 2025-11-01 (closed much later) and on 2025-10-20. */
	if (encounter_checkin_at(f->t.fd, f->pid, "office visit", "prov1", "Room 1", "", "2025-11-01 15:00",
				 &f->e1, &m) != STATUS_OK ||
	    encounter_checkin_at(f->t.fd, f->pid, "office visit", "prov1", "Room 1", "", "2025-10-20 15:00",
				 &f->e2, &m) != STATUS_OK)
		fail_msg("check-in: %s", m.text);
	if (encounter_close(f->t.prov, f->e1, &m) != STATUS_OK ||
	    encounter_close_at(f->t.prov, f->e2, "2025-11-03", &m) != STATUS_OK)
		fail_msg("close: %s", m.text);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	fake_now[0] = '\0';
	session_logout(f->him2);
	tu_clinic_down(&f->t);
	free(f);
	return 0;
}

/* ---- buckets -------------------------------------------------------------- */

static void test_bucket_edges(void **state)
{
	static const struct {
		int days, bucket;
		const char *label;
	} edge[] = {
	    {-1, CODING_AGE_0_3, "0-3"},    {0, CODING_AGE_0_3, "0-3"},
	    {3, CODING_AGE_0_3, "0-3"},     {4, CODING_AGE_4_7, "4-7"},
	    {7, CODING_AGE_4_7, "4-7"},     {8, CODING_AGE_8_14, "8-14"},
	    {14, CODING_AGE_8_14, "8-14"},  {15, CODING_AGE_15_30, "15-30"},
	    {30, CODING_AGE_15_30, "15-30"}, {31, CODING_AGE_OVER_30, ">30"},
	    {3650, CODING_AGE_OVER_30, ">30"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
		int b = coding_age_bucket(edge[i].days);
		assert_int_equal(b, edge[i].bucket);
		assert_string_equal(coding_age_label(b), edge[i].label);
	}
	assert_string_equal(coding_age_label(CODING_AGE_BUCKETS), "?");
}

/* ---- the queue ------------------------------------------------------------ */

typedef struct got {
	coding_queue_row_t v[8];
	int n;
} got_t;

static int take(const coding_queue_row_t *q, void *arg)
{
	got_t *g = arg;
	if (g->n < 8)
		g->v[g->n++] = *q;
	return 0;
}

static const coding_queue_row_t *row_of(const got_t *g, int64_t erow)
{
	for (int i = 0; i < g->n; i++)
		if (g->v[i].erow == erow)
			return &g->v[i];
	fail_msg("encounter %lld is not in the queue", (long long)erow);
	return NULL;
}

static void queue_at(fixture_t *f, const char *now, got_t *g, int *late)
{
	msg_t m;
	memset(g, 0, sizeof *g);
	snprintf(fake_now, sizeof fake_now, "%s", now);
	if (coding_queue(f->t.him, take, g, late, &m) != STATUS_OK)
		fail_msg("queue: %s", m.text);
	fake_now[0] = '\0';
}

static void test_days_from_date_of_service(void **state)
{
	fixture_t *f = *state;
	got_t g;
	int late = 0;
	const coding_queue_row_t *r;
	static const struct {
		const char *now;
		int days, bucket;
	} at[] = {
	    {"2025-11-01T23:59:59Z", 0, CODING_AGE_0_3},  {"2025-11-04T12:00:00Z", 3, CODING_AGE_0_3},
	    {"2025-11-05T00:00:00Z", 4, CODING_AGE_4_7},  {"2025-11-08T12:00:00Z", 7, CODING_AGE_4_7},
	    {"2025-11-09T12:00:00Z", 8, CODING_AGE_8_14}, {"2025-11-15T12:00:00Z", 14, CODING_AGE_8_14},
	    {"2025-11-16T12:00:00Z", 15, CODING_AGE_15_30},
	    {"2025-12-01T12:00:00Z", 30, CODING_AGE_15_30},
	    {"2025-12-02T12:00:00Z", 31, CODING_AGE_OVER_30},
	};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		queue_at(f, at[i].now, &g, &late);
		r = row_of(&g, f->e1);
		assert_string_equal(r->date, "2025-11-01");
		assert_int_equal(r->days_waiting, at[i].days);
		assert_int_equal(r->bucket, at[i].bucket);
	}
	/* The October visit closed on 2025-11-03: on 2025-11-05 it has waited
	 * 16 days since the visit, not 2 since closing; oldest visit first. */
	queue_at(f, "2025-11-05T12:00:00Z", &g, &late);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.v[0].erow, f->e2);
	assert_string_equal(g.v[0].closed, "2025-11-03");
	assert_int_equal(g.v[0].days_waiting, 16);
	assert_int_equal(g.v[0].bucket, CODING_AGE_15_30);
	assert_int_equal(late, 0); /* late_after_days is 30 */
	queue_at(f, "2025-11-20T12:00:00Z", &g, &late);
	assert_int_equal(late, 1);
	assert_true(row_of(&g, f->e2)->late);
	assert_false(row_of(&g, f->e1)->late);
}

static void test_queue_names_the_patient(void **state)
{
	fixture_t *f = *state;
	got_t g;
	int late = 0;
	msg_t m;
	const coding_queue_row_t *r;
	int64_t before = tu_audit_count(f->t.db, "coding_queue_view", "him1");
	queue_at(f, "", &g, &late);
	r = row_of(&g, f->e1);
	assert_true(r->patient.shown);
	assert_string_equal(r->patient.mrn, f->mrn);
	assert_string_equal(r->patient.name, "Codewell, Ada");
	assert_string_equal(r->patient.dob, "1950-02-03");
	assert_string_equal(r->patient.sex, "F");
	assert_string_equal(r->patient_id, f->pid);
	assert_int_equal(tu_audit_count(f->t.db, "coding_queue_view", "him1"), before + 1);
	/* Who has no coding queue gets none, and no names. */
	memset(&g, 0, sizeof g);
	assert_int_equal(coding_queue(f->t.prov, take, &g, &late, &m), STATUS_DENIED);
	assert_int_equal(g.n, 0);
	assert_int_equal(coding_queue(f->t.fd, take, &g, &late, &m), STATUS_DENIED);
	assert_int_equal(g.n, 0);
}

static void test_coding_get_names_the_patient(void **state)
{
	fixture_t *f = *state;
	coding_t *k = calloc(1, sizeof *k);
	msg_t m;
	int64_t before = tu_audit_count(f->t.db, "coding_view", "him1");
	assert_non_null(k);
	assert_int_equal(coding_view(f->t.him, f->e1, k, &m), STATUS_OK);
	assert_true(k->patient.shown);
	assert_string_equal(k->patient.mrn, f->mrn);
	assert_string_equal(k->patient.name, "Codewell, Ada");
	assert_string_equal(k->coders, "");
	assert_int_equal(tu_audit_count(f->t.db, "coding_view", "him1"), before + 1);
	/* A provider reads their own encounter's coding, with the patient. */
	assert_int_equal(coding_view(f->t.prov, f->e1, k, &m), STATUS_OK);
	assert_string_equal(k->patient.name, "Codewell, Ada");
	/* The plain read (an export's) names nobody and records no view. */
	before = tu_audit_count(f->t.db, "coding_view", "him1");
	assert_int_equal(coding_get(f->t.him, f->e1, k, &m), STATUS_OK);
	assert_false(k->patient.shown);
	assert_string_equal(k->patient.name, "");
	assert_string_equal(k->patient_id, f->pid);
	assert_int_equal(tu_audit_count(f->t.db, "coding_view", "him1"), before);
	/* The front desk reads none. */
	assert_int_equal(coding_view(f->t.fd, f->e1, k, &m), STATUS_DENIED);
	assert_false(k->patient.shown);
	free(k);
}

/* ---- separation of duties ------------------------------------------------- */

/* [codes] verify_by_other as an administrator sets it (database policy). */
static void verify_by_other(fixture_t *f, const char *v)
{
	msg_t m;
	if (policy_set(f->t.admin, "codes.verify_by_other", v, &m) != STATUS_OK)
		fail_msg("policy set: %s", m.text);
}

static const char *status_of(fixture_t *f, int64_t erow)
{
	static coding_t k;
	msg_t m;
	if (coding_view(f->t.him, erow, &k, &m) != STATUS_OK)
		fail_msg("coding_get: %s", m.text);
	return k.status;
}

static void code_it(session_t *s, int64_t erow, const char *code)
{
	msg_t m;
	if (coding_add_dx(s, erow, code, &m) != STATUS_OK ||
	    coding_complete(s, erow, &m) != STATUS_OK)
		fail_msg("coding: %s", m.text);
}

static void test_verify_by_other_off(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	verify_by_other(f, "no");
	code_it(f->t.him, f->e1, "I10");
	assert_int_equal(coding_verify(f->t.him, f->e1, &m), STATUS_OK);
	assert_string_equal(status_of(f, f->e1), "verified");
	code_it(f->t.him, f->e2, "I10");
	assert_int_equal(coding_finalize(f->t.him, f->e2, &m), STATUS_OK);
	assert_string_equal(status_of(f, f->e2), "final");
}

static void test_verify_by_other_on(void **state)
{
	fixture_t *f = *state;
	coding_t *k = calloc(1, sizeof *k);
	msg_t m;
	assert_non_null(k);
	verify_by_other(f, "yes");
	code_it(f->t.him, f->e1, "I10");
	assert_int_equal(coding_view(f->him2, f->e1, k, &m), STATUS_OK);
	assert_string_equal(k->coders, "him1");
	/* The coder may not verify, nor finalise from coded. */
	assert_int_equal(coding_verify(f->t.him, f->e1, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "[codes] verify_by_other"));
	assert_true(tu_has(m.text, "coded by him1"));
	assert_int_equal(coding_finalize(f->t.him, f->e1, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "skip the verification"));
	assert_string_equal(status_of(f, f->e1), "coded");
	/* Another clerk verifies; then anyone with the permission finalises,
	 * the coder included. */
	assert_int_equal(coding_verify(f->him2, f->e1, &m), STATUS_OK);
	assert_int_equal(coding_view(f->him2, f->e1, k, &m), STATUS_OK);
	assert_string_equal(k->coders, "");
	assert_int_equal(coding_finalize(f->t.him, f->e1, &m), STATUS_OK);
	assert_string_equal(status_of(f, f->e1), "final");

	/* Two coders, then a third verifies; each of the two is refused. */
	assert_int_equal(coding_add_dx(f->t.him, f->e2, "I10", &m), STATUS_OK);
	code_it(f->him2, f->e2, "J45.20");
	assert_int_equal(coding_view(f->t.him, f->e2, k, &m), STATUS_OK);
	assert_string_equal(k->coders, "him2, him1");
	assert_int_equal(coding_verify(f->t.him, f->e2, &m), STATUS_DENIED);
	assert_int_equal(coding_verify(f->him2, f->e2, &m), STATUS_DENIED);
	/* A third clerk verifies and reopens it unchanged: nobody has coded
	 * it since it was verified, so a former coder may verify it again. */
	tu_add_user(f->t.admin, "him3", "him", "third him clerk password coding");
	{
		session_t *him3 = tu_login(f->t.c, "him3", "third him clerk password coding");
		assert_int_equal(coding_verify(him3, f->e2, &m), STATUS_OK);
		assert_int_equal(coding_reopen(him3, f->e2, "payer asked about the primary", &m),
				 STATUS_OK);
		assert_int_equal(coding_verify(f->t.him, f->e2, &m), STATUS_OK);
		session_logout(him3);
	}
	free(k);
}

/* A provider codes their own encounter but verifies nothing (no
 * coding_finalize); a clerk who did not code it verifies it. */
static void test_provider_cannot_verify(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	verify_by_other(f, "yes");
	code_it(f->t.prov, f->e1, "I10");
	assert_int_equal(coding_verify(f->t.prov, f->e1, &m), STATUS_DENIED);
	assert_int_equal(coding_verify(f->t.him, f->e1, &m), STATUS_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bucket_edges),
	    cmocka_unit_test_setup_teardown(test_days_from_date_of_service, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_queue_names_the_patient, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_coding_get_names_the_patient, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verify_by_other_off, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verify_by_other_on, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_provider_cannot_verify, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
