/* test_deficiency.c - core/deficiency.h: each rule (draft note, unsigned
 * addendum, encounter open too long, closed without a diagnosis, a
 * countersignature by role), assigned to the author or provider, aged,
 * delinquent past delinquent_days, resolved as soon as the cause is gone;
 * who may list whose; HIM's reminders (seen once, a row edited in the file
 * refused); the counts by provider and month and the delinquency rate;
 * note_countersign's rules. The clock is this test's own core_now. */
#include "testutil.h"

#include <time.h>

#include "core/clinical.h"
#include "core/deficiency.h"
#include "core/internal.h"

#define PROV2_PW "provider two password deficiency"

/* Records stamped `days_back` days ago: old drafts and old visits without
 * editing rows in the file (their MACs would refuse that). */
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
	session_t *prov2;
	int npatients;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_clinic_prepare(&f->t);
	snprintf(f->t.cfg->countersign_roles, sizeof f->t.cfg->countersign_roles, "nurse");
	f->t.cfg->draft_deficiency_days = 3;
	f->t.cfg->open_encounter_days = 7;
	f->t.cfg->delinquent_days = 30;
	tu_clinic_start(&f->t, TU_R_FD | TU_R_NURSE | TU_R_PROV | TU_R_HIM);
	tu_add_user(f->t.admin, "prov2", "provider", PROV2_PW);
	f->prov2 = tu_login(f->t.c, "prov2", PROV2_PW);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	days_back = 0;
	session_logout(f->prov2);
	tu_clinic_down(&f->t);
	free(f);
	return 0;
}

static void new_patient(fixture_t *f, const char *last, char id[33])
{
	patient_t p;
	char dob[16];
	snprintf(dob, sizeof dob, "19%02d-04-%02d", 40 + f->npatients % 50, 1 + f->npatients % 28);
	f->npatients++;
	tu_patient(&p, last, "Pat", dob, "F");
	tu_register(f->t.fd, &p, 1);
	snprintf(id, 33, "%s", p.id);
}

/* A visit `days` ago with provider prov (checked in then). */
static int64_t visit(fixture_t *f, const char *pid, const char *prov, int days)
{
	int64_t erow = 0;
	msg_t m;
	days_back = days;
	if (encounter_checkin(f->t.fd, pid, "office visit", prov, "Room 1", "", &erow, &m) !=
	    STATUS_OK)
		fail_msg("check-in: %s", m.text);
	days_back = 0;
	return erow;
}

static int64_t note_at(session_t *s, int64_t erow, int64_t addendum_of, int days)
{
	int64_t nrow = 0;
	msg_t m;
	days_back = days;
	if (note_create(s, erow, addendum_of, "Seen today.", &nrow, &m) != STATUS_OK)
		fail_msg("note: %s", m.text);
	days_back = 0;
	return nrow;
}

typedef struct got {
	deficiency_t v[64];
	int n;
} got_t;

static int take(const deficiency_t *d, void *arg)
{
	got_t *g = arg;
	if (g->n < 64)
		g->v[g->n++] = *d;
	return 0;
}

static const deficiency_t *find(const got_t *g, const char *id)
{
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->v[i].id, id) == 0)
			return &g->v[i];
	return NULL;
}

static void list(session_t *s, const char *who, got_t *g, status_t want)
{
	msg_t m;
	memset(g, 0, sizeof *g);
	status_t st = deficiency_list(s, who, take, g, &m);
	if (st != want)
		fail_msg("deficiency_list: %d (%s)", st, m.text);
}

static void idf(char out[24], char k, int64_t row)
{
	snprintf(out, 24, "%c%lld", k, (long long)row);
}

static void test_rules_assignment_and_resolution(void **state)
{
	fixture_t *f = *state;
	char pid[33], id[24];
	got_t g;
	msg_t m;
	const deficiency_t *d;
	int64_t e_old, e_new, e_mid, d_old, d_new, add, nn;
	new_patient(f, "Rulebook", pid);
	e_old = visit(f, pid, "prov1", 40);  /* open 40 days: O, delinquent */
	e_mid = visit(f, pid, "prov1", 8);   /* open 8 days: O, not delinquent */
	e_new = visit(f, pid, "prov2", 0);   /* today: nothing */
	d_old = note_at(f->t.nurse, e_new, 0, 5); /* a draft 5 days old: D, nurse's */
	d_new = note_at(f->t.nurse, e_new, 0, 1); /* 1 day: not yet */
	nn = note_at(f->t.nurse, e_new, 0, 0);
	assert_int_equal(note_sign(f->t.nurse, nn, 0, &m), STATUS_OK); /* needs prov2's countersignature */
	add = note_at(f->prov2, 0, nn, 4);     /* an addendum unsigned 4 days: A */

	list(f->t.him, NULL, &g, STATUS_OK);
	idf(id, 'O', e_old);
	assert_non_null(d = find(&g, id));
	assert_string_equal(d->assigned, "prov1");
	assert_string_equal(d->what, "Encounter still open");
	assert_true(d->age_days >= 39 && d->age_days <= 41);
	assert_true(d->delinquent);
	assert_int_equal(d->erow, e_old);
	assert_int_equal(d->note, 0);
	assert_string_equal(d->patient_id, pid);
	assert_true(d->mrn[0] != '\0');
	assert_true(tu_has(d->name, "Rulebook"));
	idf(id, 'O', e_mid);
	assert_non_null(d = find(&g, id));
	assert_false(d->delinquent);
	idf(id, 'O', e_new);
	assert_null(find(&g, id));
	idf(id, 'D', d_old);
	assert_non_null(d = find(&g, id));
	assert_string_equal(d->assigned, "nurse1");
	assert_int_equal(d->note, d_old);
	idf(id, 'D', d_new);
	assert_null(find(&g, id));
	idf(id, 'C', nn);
	assert_non_null(d = find(&g, id));
	assert_string_equal(d->assigned, "prov2"); /* the encounter's provider */
	idf(id, 'A', add);
	assert_non_null(d = find(&g, id));
	assert_string_equal(d->assigned, "prov2");
	/* Oldest first. */
	for (int i = 1; i < g.n; i++)
		assert_true(strcmp(g.v[i - 1].since, g.v[i].since) <= 0);

	/* The cause gone, the deficiency gone; closing brings "no diagnosis". */
	assert_int_equal(note_sign(f->t.nurse, d_old, 0, &m), STATUS_OK);
	assert_int_equal(encounter_close(f->t.prov, e_old, &m), STATUS_OK);
	assert_int_equal(note_sign(f->prov2, add, 0, &m), STATUS_OK);
	list(f->t.him, NULL, &g, STATUS_OK);
	idf(id, 'D', d_old);
	assert_null(find(&g, id));
	idf(id, 'O', e_old);
	assert_null(find(&g, id));
	idf(id, 'A', add);
	assert_null(find(&g, id));
	idf(id, 'X', e_old);
	assert_non_null(d = find(&g, id));
	assert_string_equal(d->assigned, "prov1");
	/* prov2's signed addendum was a countersignature by a provider. */
	idf(id, 'C', nn);
	assert_null(find(&g, id));

	/* A diagnosis slipped in with SQL to clear "no diagnosis": the chart
	 * no longer matches its head, and nothing is listed as resolved. */
	{
		char sql[128];
		snprintf(sql, sizeof sql,
			 "INSERT INTO encounter_dx(erow, seq, code) VALUES (%lld, 1, 'I10')",
			 (long long)e_old);
		tu_sql(f->t.db, sql);
	}
	list(f->t.him, NULL, &g, STATUS_INTEGRITY);
}

static void test_countersign(void **state)
{
	fixture_t *f = *state;
	char pid[33], id[24];
	got_t g;
	msg_t m;
	int64_t e, nn, pn, draft, add = 0;
	new_patient(f, "Cosign", pid);
	e = visit(f, pid, "prov1", 0);
	nn = note_at(f->t.nurse, e, 0, 0);
	assert_int_equal(note_countersign(f->t.prov, nn, &add, &m), STATUS_INVALID); /* a draft */
	assert_int_equal(note_sign(f->t.nurse, nn, 0, &m), STATUS_OK);
	/* A nurse's own addendum is no countersignature. */
	add = note_at(f->t.nurse, 0, nn, 0);
	assert_int_equal(note_sign(f->t.nurse, add, 0, &m), STATUS_OK);
	list(f->t.him, NULL, &g, STATUS_OK);
	idf(id, 'C', nn);
	assert_non_null(find(&g, id));
	assert_int_equal(note_countersign(f->t.nurse, nn, &add, &m), STATUS_DENIED);
	pn = note_at(f->t.prov, e, 0, 0);
	assert_int_equal(note_sign(f->t.prov, pn, 0, &m), STATUS_OK);
	assert_int_equal(note_countersign(f->t.prov, pn, &add, &m), STATUS_INVALID); /* own note */
	assert_true(tu_has(m.text, "You wrote note"));
	list(f->t.him, NULL, &g, STATUS_OK);
	idf(id, 'C', pn);
	assert_null(find(&g, id)); /* a provider's note needs none */
	assert_int_equal(note_countersign(f->t.prov, nn, &add, &m), STATUS_OK);
	assert_true(add > 0);
	list(f->t.him, NULL, &g, STATUS_OK);
	idf(id, 'C', nn);
	assert_null(find(&g, id));
	/* A provider can neither edit nor sign another author's draft. */
	draft = note_at(f->t.nurse, e, 0, 0);
	assert_int_equal(note_save(f->t.prov, draft, "Changed by prov", 1, &m), STATUS_DENIED);
	assert_int_equal(note_sign(f->t.prov, draft, 0, &m), STATUS_DENIED);
	assert_int_equal(note_sign(f->t.nurse, draft, 0, &m), STATUS_OK);
}

static void test_permissions(void **state)
{
	fixture_t *f = *state;
	char pid[33], id[24];
	got_t g;
	deficiency_t d;
	msg_t m;
	int n = 0, del = 0;
	int64_t e, dn;
	new_patient(f, "Permit", pid);
	e = visit(f, pid, "prov1", 10);
	dn = note_at(f->t.nurse, e, 0, 6);
	list(f->t.prov, NULL, &g, STATUS_OK);
	for (int i = 0; i < g.n; i++)
		assert_string_equal(g.v[i].assigned, "prov1");
	idf(id, 'O', e);
	assert_non_null(find(&g, id));
	list(f->t.nurse, NULL, &g, STATUS_OK);
	idf(id, 'D', dn);
	assert_non_null(find(&g, id));
	for (int i = 0; i < g.n; i++)
		assert_string_equal(g.v[i].assigned, "nurse1");
	list(f->t.nurse, "prov1", &g, STATUS_DENIED);
	list(f->t.fd, NULL, &g, STATUS_DENIED);
	list(f->t.him, "nurse1", &g, STATUS_OK);
	assert_true(g.n >= 1);
	for (int i = 0; i < g.n; i++)
		assert_string_equal(g.v[i].assigned, "nurse1");
	idf(id, 'O', e);
	assert_int_equal(deficiency_get(f->t.nurse, id, &d, &m), STATUS_DENIED);
	assert_int_equal(deficiency_get(f->t.prov, id, &d, &m), STATUS_OK);
	assert_int_equal(deficiency_get(f->t.prov, "Z1", &d, &m), STATUS_INVALID);
	assert_int_equal(deficiency_get(f->t.prov, "O999999", &d, &m), STATUS_NOTFOUND);
	assert_int_equal(deficiency_count_mine(f->t.prov, &n, &del, &m), STATUS_OK);
	assert_true(n >= 1);
	assert_int_equal(deficiency_count_mine(f->t.fd, &n, &del, &m), STATUS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(tu_audit_count(f->t.db, "deficiency_list", "prov1") >= 1, 1);
}

static void test_reminders(void **state)
{
	fixture_t *f = *state;
	char pid[33], id[24], ids[64];
	got_t g;
	msg_t m;
	int n = -1;
	int64_t e;
	new_patient(f, "Remindme", pid);
	e = visit(f, pid, "prov1", 12);
	idf(id, 'O', e);
	assert_int_equal(deficiency_remind(f->t.prov, id, &m), STATUS_DENIED);
	assert_int_equal(deficiency_remind(f->t.him, "O999999", &m), STATUS_NOTFOUND);
	assert_int_equal(deficiency_remind(f->t.him, id, &m), STATUS_OK);
	assert_true(tu_has(m.text, "prov1 will be reminded"));
	assert_int_equal(tu_audit_count(f->t.db, "deficiency_remind", "him1"), 1);
	list(f->t.him, NULL, &g, STATUS_OK);
	assert_int_equal(find(&g, id)->reminders, 1);
	/* Another's reminder is not mine. */
	assert_int_equal(deficiency_reminders_take(f->prov2, &n, ids, sizeof ids, &m), STATUS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(deficiency_reminders_take(f->t.prov, &n, ids, sizeof ids, &m), STATUS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ids, id);
	assert_int_equal(deficiency_reminders_take(f->t.prov, &n, ids, sizeof ids, &m), STATUS_OK);
	assert_int_equal(n, 0); /* seen once */
	/* A reminder edited in the file: an integrity error, not a reminder. */
	assert_int_equal(deficiency_remind(f->t.him, id, &m), STATUS_OK);
	tu_sql(f->t.db, "UPDATE deficiency_reminders SET to_user = 'prov2' WHERE seen_at IS NULL");
	assert_int_equal(deficiency_reminders_take(f->prov2, &n, ids, sizeof ids, &m),
			 STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "deficiency_reminders"));
	list(f->t.him, NULL, &g, STATUS_INTEGRITY);
	tu_sql(f->t.db, "UPDATE deficiency_reminders SET to_user = 'prov1' WHERE seen_at IS NULL");
	list(f->t.him, NULL, &g, STATUS_OK);
}

struct month_ctx {
	int rows, prov1_def, prov1_delinq;
};

static int take_month(const deficiency_month_t *r, void *arg)
{
	struct month_ctx *c = arg;
	c->rows++;
	if (strcmp(r->user, "prov1") == 0) {
		c->prov1_def += r->deficiencies;
		c->prov1_delinq += r->delinquent_records;
	}
	return 0;
}

struct rate_ctx {
	delinquency_row_t prov1;
	int seen;
};

static int take_rate(const delinquency_row_t *r, void *arg)
{
	struct rate_ctx *c = arg;
	if (strcmp(r->provider, "prov1") == 0) {
		c->prov1 = *r;
		c->seen = 1;
	}
	return 0;
}

static void test_reports(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	msg_t m;
	struct month_ctx mc = {0, 0, 0};
	struct rate_ctx rc;
	int64_t e1, e2;
	new_patient(f, "Reportable", pid);
	e1 = visit(f, pid, "prov1", 50); /* open 50 days: delinquent */
	e2 = visit(f, pid, "prov1", 45);
	/* e2 closed 40 days ago without a diagnosis: delinquent as well;
	 * e1 and e2 are two delinquent records. */
	days_back = 40;
	assert_int_equal(encounter_close(f->t.prov, e2, &m), STATUS_OK);
	days_back = 0;
	assert_int_equal(deficiency_by_month(f->t.prov, take_month, &mc, &m), STATUS_DENIED);
	assert_int_equal(deficiency_by_month(f->t.him, take_month, &mc, &m), STATUS_OK);
	assert_int_equal(mc.prov1_def, 2);
	assert_int_equal(mc.prov1_delinq, 2);
	memset(&rc, 0, sizeof rc);
	assert_int_equal(deficiency_delinquency(f->t.him, 0, take_rate, &rc, &m), STATUS_INVALID);
	assert_int_equal(deficiency_delinquency(f->t.him, 3, take_rate, &rc, &m), STATUS_OK);
	assert_true(rc.seen);
	assert_int_equal(rc.prov1.delinquent_records, 2);
	assert_int_equal(rc.prov1.deficiencies, 2);
	/* The closing 40 days ago falls in the last 3 full months, or in this
	 * month (then no discharges: no rate). */
	if (rc.prov1.avg_discharges > 0) {
		assert_true(rc.prov1.avg_discharges > 0.33 && rc.prov1.avg_discharges < 0.34);
		assert_true(rc.prov1.rate > 599.0 && rc.prov1.rate < 601.0);
	} else {
		assert_true(rc.prov1.rate < 0);
	}
	(void)e1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rules_assignment_and_resolution, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_countersign, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reminders, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reports, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
