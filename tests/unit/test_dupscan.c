/* test_dupscan.c - core/dupscan.h and core/notsame.h: a scan of every
 * patient finds the duplicate pairs (and not a household), with two
 * threads exactly as with one; the worklist keeps numbers across scans;
 * "not the same person" takes a pair off the worklist, keeps it off later
 * scans and silences the duplicate warning about an existing chart;
 * chart_merge only; rows edited, moved, renumbered or forged with SQL are
 * integrity errors (a forged do-not-link row silences nothing); a demo
 * key rotation re-seals both tables. */
#include "testutil.h"

#include "core/dupscan.h"
#include "core/notsame.h"
#include "core/rotate.h"

typedef struct fixture {
	tu_clinic_t t;
	patient_t pa, pb, pc, pd, pe, pf;
} fixture_t;

static void reg(fixture_t *f, patient_t *p, const char *last, const char *first, const char *dob,
		const char *sex, const char *phone, const char *ssn)
{
	tu_patient(p, last, first, dob, sex);
	snprintf(p->f[PF_PHONE_HOME], sizeof p->f[PF_PHONE_HOME], "%s", phone);
	snprintf(p->f[PF_SSN], sizeof p->f[PF_SSN], "%s", ssn);
	tu_register(f->t.fd, p, 1);
}

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_HIM);
	reg(f, &f->pa, "Zebulon", "Marisol", "1971-04-12", "F", "617-555-0142", "");
	reg(f, &f->pb, "Zebulon", "Marisol", "1971-04-12", "F", "", "");
	reg(f, &f->pc, "Quintrell", "Adabelle", "1988-09-30", "F", "", "123-45-6789");
	reg(f, &f->pd, "Quintrel", "Adabelle", "1988-09-03", "F", "", "123-45-6789");
	/* a household: a last name, a phone and a ZIP, nothing of the person */
	reg(f, &f->pe, "Farrowdale", "Theo", "1950-01-01", "M", "617-555-0199", "");
	reg(f, &f->pf, "Farrowdale", "Ingrid", "1952-06-07", "F", "617-555-0199", "");
	*state = f;
	return 0;
}

typedef struct seen {
	int n;
	dup_candidate_t v[8];
} seen_t;

static int take(const dup_candidate_t *c, void *arg)
{
	seen_t *s = arg;
	if (s->n < 8)
		s->v[s->n] = *c;
	s->n++;
	return 0;
}

static int has(const seen_t *s, const patient_t *x, const patient_t *y)
{
	for (int i = 0; i < s->n && i < 8; i++)
		if ((strcmp(s->v[i].mrn_a, x->f[PF_MRN]) == 0 &&
		     strcmp(s->v[i].mrn_b, y->f[PF_MRN]) == 0) ||
		    (strcmp(s->v[i].mrn_a, y->f[PF_MRN]) == 0 &&
		     strcmp(s->v[i].mrn_b, x->f[PF_MRN]) == 0))
			return 1;
	return 0;
}

static void scan(fixture_t *f, dupscan_result_t *r)
{
	msg_t m;
	status_t st = dupscan_run(f->t.him, NULL, r, &m);
	if (st != STATUS_OK)
		fail_msg("dupscan_run: %s", m.text);
}

static void test_scan_finds_pairs(void **state)
{
	fixture_t *f = *state;
	dup_pair_t *one = NULL, *two = NULL;
	int64_t n1 = 0, n2 = 0, count = 0;
	dupscan_opts_t o1 = {1, NULL, NULL, 0}, o2 = {2, NULL, NULL, 0};
	dupscan_result_t r;
	seen_t s = {0};
	msg_t m;
	assert_int_equal(dupscan_find(f->t.him, &o1, &one, &n1, &r, &m), STATUS_OK);
	assert_int_equal(dupscan_find(f->t.him, &o2, &two, &n2, &r, &m), STATUS_OK);
	assert_int_equal(n1, 2);
	assert_int_equal(n2, n1);
	assert_memory_equal(one, two, (size_t)n1 * sizeof *one);
	assert_int_equal(r.patients, 6);
	for (int i = 0; i < n1; i++)
		assert_true(one[i].prow_a < one[i].prow_b);
	free(one);
	free(two);
	scan(f, &r);
	assert_int_equal(r.kept, 2);
	assert_int_equal(tu_audit_count(f->t.db, "dup_scan", "him1"), 1);
	assert_int_equal(dup_candidates_count(f->t.him, &count, &m), STATUS_OK);
	assert_int_equal(count, 2);
	assert_int_equal(dup_candidates_list(f->t.him, take, &s, &m), STATUS_OK);
	assert_int_equal(s.n, 2);
	assert_true(has(&s, &f->pa, &f->pb));
	assert_true(has(&s, &f->pc, &f->pd));
	assert_false(has(&s, &f->pe, &f->pf));
	assert_true(tu_has(s.v[0].name_a, "Zebulon, Marisol"));
	assert_true(s.v[0].score >= s.v[1].score);
	assert_true(tu_has(s.v[1].why, "SSN last 4"));
	/* A rescan keeps each pair's number and first-found time. */
	{
		int64_t before = tu_sql_int(f->t.db, "SELECT sum(crow) FROM dup_candidates");
		scan(f, &r);
		assert_int_equal(r.was_listed, 2);
		assert_int_equal(tu_sql_int(f->t.db, "SELECT sum(crow) FROM dup_candidates"), before);
	}
	/* No PHI in the table. */
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM dup_candidates WHERE "
					   "typeof(mac) <> 'blob' OR length(mac) <> 34"),
			 0);
}

static void test_permission_refused(void **state)
{
	fixture_t *f = *state;
	dupscan_result_t r;
	seen_t s = {0};
	int64_t n;
	msg_t m;
	assert_int_equal(dupscan_run(f->t.nurse, NULL, &r, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "chart_merge"));
	assert_int_equal(dupscan_run(f->t.fd, NULL, &r, &m), STATUS_DENIED);
	assert_int_equal(dup_candidates_list(f->t.fd, take, &s, &m), STATUS_DENIED);
	assert_int_equal(dup_candidates_count(f->t.nurse, &n, &m), STATUS_DENIED);
	assert_int_equal(notsame_mark(f->t.nurse, f->pc.id, f->pd.id, "not the same", &m),
			 STATUS_DENIED);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM dup_not_same"), 0);
}

static int take_ns(const notsame_entry_t *e, void *arg)
{
	notsame_entry_t *out = arg;
	*out = *e;
	return 0;
}

static void test_not_same(void **state)
{
	fixture_t *f = *state;
	dupscan_result_t r;
	patient_match_t dups[PATIENT_MATCH_MAX];
	notsame_entry_t e;
	int n = 0, yes = 0, found = 0;
	int64_t count = 0;
	msg_t m;
	scan(f, &r);
	/* The warning about an existing chart names its look-alike. */
	assert_int_equal(patient_find_duplicates(f->t.fd, &f->pd, dups, PATIENT_MATCH_MAX, &n, &m),
			 STATUS_OK);
	for (int i = 0; i < n; i++)
		found += strcmp(dups[i].id, f->pc.id) == 0;
	assert_int_equal(found, 1);
	/* Bad input changes nothing. */
	assert_int_equal(notsame_mark(f->t.him, f->pc.id, f->pd.id, "", &m), STATUS_INVALID);
	assert_int_equal(notsame_mark(f->t.him, f->pc.id, f->pd.id, "bad\x1b[31m", &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "Reason"));
	assert_int_equal(notsame_mark(f->t.him, f->pc.id, f->pc.f[PF_MRN], "one chart", &m),
			 STATUS_INVALID);
	assert_int_equal(notsame_mark(f->t.him, f->pc.id, "CR99999999", "nobody", &m),
			 STATUS_NOTFOUND);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM dup_not_same"), 0);
	/* Marked (by MRN, in either order). */
	assert_int_equal(notsame_mark(f->t.him, f->pd.f[PF_MRN], f->pc.f[PF_MRN],
				      "Mother says Tirzahvale twins", &m),
			 STATUS_OK);
	assert_true(tu_has(m.text, "left the duplicate worklist"));
	assert_int_equal(notsame_mark(f->t.him, f->pc.id, f->pd.id, "again", &m), STATUS_CONFLICT);
	assert_int_equal(dup_candidates_count(f->t.him, &count, &m), STATUS_OK);
	assert_int_equal(count, 1);
	assert_int_equal(tu_audit_count(f->t.db, "dup_not_same", "him1"), 2);
	assert_int_equal(notsame_holds(f->t.him, f->pd.prow, f->pc.prow, &yes, &m), STATUS_OK);
	assert_true(yes);
	{
		size_t len = 0;
		unsigned char *file = tu_read_file(f->t.db, &len);
		assert_false(tu_contains(file, len, "Tirzahvale", 10));
		free(file);
	}
	memset(&e, 0, sizeof e);
	assert_int_equal(notsame_list(f->t.him, take_ns, &e, &m), STATUS_OK);
	assert_string_equal(e.reason, "Mother says Tirzahvale twins");
	assert_string_equal(e.set_by, "him1");
	assert_string_equal(e.mrn_a, f->pc.f[PF_MRN]);
	/* A later scan leaves it out. */
	scan(f, &r);
	assert_int_equal(r.pairs, 2);
	assert_int_equal(r.kept, 1);
	assert_int_equal(r.not_same, 1);
	/* The warning about the chart no longer names the other. */
	n = 0;
	found = 0;
	assert_int_equal(patient_find_duplicates(f->t.fd, &f->pd, dups, PATIENT_MATCH_MAX, &n, &m),
			 STATUS_OK);
	for (int i = 0; i < n; i++)
		found += strcmp(dups[i].id, f->pc.id) == 0;
	assert_int_equal(found, 0);
}

static void test_tamper(void **state)
{
	fixture_t *f = *state;
	dupscan_result_t r;
	seen_t s = {0};
	int yes = 1;
	char keep[PATH_MAX];
	msg_t m;
	scan(f, &r);
	assert_int_equal(notsame_mark(f->t.him, f->pc.id, f->pd.id, "different people", &m), STATUS_OK);
	tu_path(keep, f->t.dir, "keep.sql");
	/* edited */
	tu_sql(f->t.db, "UPDATE dup_candidates SET score = score + 3");
	assert_int_equal(dup_candidates_list(f->t.him, take, &s, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "dup_candidates record"));
	tu_sql(f->t.db, "UPDATE dup_candidates SET score = score - 3");
	s.n = 0;
	assert_int_equal(dup_candidates_list(f->t.him, take, &s, &m), STATUS_OK);
	/* moved to another chart */
	tu_sql(f->t.db, "UPDATE dup_candidates SET prow_b = prow_b + 3");
	assert_int_equal(dup_candidates_list(f->t.him, take, &s, &m), STATUS_INTEGRITY);
	tu_sql(f->t.db, "UPDATE dup_candidates SET prow_b = prow_b - 3");
	/* renumbered (a row replayed under another number) */
	tu_sql(f->t.db, "UPDATE dup_candidates SET crow = crow + 100");
	assert_int_equal(dup_candidates_list(f->t.him, take, &s, &m), STATUS_INTEGRITY);
	tu_sql(f->t.db, "UPDATE dup_candidates SET crow = crow - 100");
	/* the do-not-link list: edited */
	tu_sql(f->t.db, "UPDATE dup_not_same SET set_by = 'admin'");
	assert_int_equal(notsame_list(f->t.him, take_ns, &(notsame_entry_t){0}, &m), STATUS_INTEGRITY);
	assert_int_equal(notsame_holds(f->t.him, f->pc.prow, f->pd.prow, &yes, &m), STATUS_OK);
	assert_false(yes); /* a row that fails its check silences nothing */
	tu_sql(f->t.db, "UPDATE dup_not_same SET set_by = 'him1'");
	assert_int_equal(notsame_holds(f->t.him, f->pc.prow, f->pd.prow, &yes, &m), STATUS_OK);
	assert_true(yes);
	/* forged: the row copied onto the other pair */
	{
		char sql[256];
		snprintf(sql, sizeof sql,
			 "INSERT INTO dup_not_same SELECT lrow + 1, %lld, %lld, reason, set_at, "
			 "set_by, mac FROM dup_not_same",
			 (long long)f->pa.prow, (long long)f->pb.prow);
		tu_sql(f->t.db, sql);
	}
	assert_int_equal(notsame_holds(f->t.him, f->pa.prow, f->pb.prow, &yes, &m), STATUS_OK);
	assert_false(yes);
	scan(f, &r);
	assert_int_equal(r.kept, 1); /* the forged row left the pair on the worklist */
	tu_sql(f->t.db, "DELETE FROM dup_not_same WHERE lrow = 2");
}

static void test_rotation_reseals(void **state)
{
	fixture_t *f = *state;
	dupscan_result_t r;
	rotate_opts_t o;
	rotate_progress_t p;
	notsame_entry_t e;
	seen_t s = {0};
	msg_t m;
	scan(f, &r);
	assert_int_equal(notsame_mark(f->t.him, f->pc.id, f->pd.id, "Vellacourt cousins", &m),
			 STATUS_OK);
	memset(&o, 0, sizeof o);
	assert_int_equal(rotate_key(f->t.admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	/* Every MAC and the reason are under version 2 now; version 1 is gone. */
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM dup_candidates WHERE "
					   "substr(mac, 2, 1) <> x'02'"),
			 0);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM dup_not_same WHERE "
					   "substr(mac, 2, 1) <> x'02' OR substr(reason, 2, 1) <> "
					   "x'02'"),
			 0);
	session_logout(f->t.him);
	f->t.him = tu_login(f->t.c, "him1", TU_HIM_PW);
	assert_int_equal(dup_candidates_list(f->t.him, take, &s, &m), STATUS_OK);
	assert_int_equal(s.n, 1);
	memset(&e, 0, sizeof e);
	assert_int_equal(notsame_list(f->t.him, take_ns, &e, &m), STATUS_OK);
	assert_string_equal(e.reason, "Vellacourt cousins");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_scan_finds_pairs, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_permission_refused, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_not_same, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_rotation_reseals, setup, tu_clinic_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
