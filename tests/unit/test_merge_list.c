/* test_merge_list.c - core/merge_list.h: the list of merges (id, when,
 * who, both MRNs, in force or undone) for HIM only, refused in core to a
 * front desk clerk, a nurse and a provider; the "merged into" redirect
 * leads from a chart merged away to the survivor while the merge is in
 * force and not after it is undone; a merges row edited with SQL is
 * marked in the list and never redirects. */
#include "testutil.h"

#include "core/clinical.h"
#include "core/merge.h"
#include "core/merge_list.h"

typedef struct fixture {
	tu_clinic_t t;
	patient_t keep, retire;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	msg_t m;
	int64_t row;
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_PROV | TU_R_HIM);
	tu_patient(&f->keep, "Thistlewood", "Marisol", "1971-05-02", "F");
	tu_register(f->t.fd, &f->keep, 1);
	tu_patient(&f->retire, "Thistlewood", "Marisol", "1971-05-02", "F");
	tu_register(f->t.fd, &f->retire, 1);
	assert_int_equal(encounter_checkin(f->t.fd, f->retire.f[PF_MRN], "office visit", "prov1",
					   "Room 2", "list visit", &row, &m),
			 STATUS_OK);
	*state = f;
	return 0;
}

typedef struct got {
	merge_entry_t e[8];
	int n;
} got_t;

static int take(const merge_entry_t *e, void *arg)
{
	got_t *g = arg;
	if (g->n < 8)
		g->e[g->n++] = *e;
	return 0;
}

static void test_list_and_redirect(void **state)
{
	fixture_t *f = *state;
	merge_result_t r;
	merge_redirect_t rd;
	got_t g;
	msg_t m;
	const char *k = f->keep.f[PF_MRN], *rt = f->retire.f[PF_MRN];

	memset(&g, 0, sizeof g);
	assert_int_equal(merge_list(f->t.him, take, &g, &m), STATUS_OK);
	assert_int_equal(g.n, 0);
	assert_int_equal(merge_redirect(f->t.fd, rt, &rd, &m), STATUS_OK);
	assert_int_equal(rd.id, 0);

	assert_int_equal(merge_charts(f->t.him, k, rt, "Same person", &r, &m), STATUS_OK);
	memset(&g, 0, sizeof g);
	assert_int_equal(merge_list(f->t.him, take, &g, &m), STATUS_OK);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.e[0].id, r.id);
	assert_string_equal(g.e[0].keep_mrn, k);
	assert_string_equal(g.e[0].retire_mrn, rt);
	assert_string_equal(g.e[0].merged_by, "him1");
	assert_int_equal(g.e[0].undone, 0);
	assert_int_equal(g.e[0].intact, 1);
	assert_int_equal(g.e[0].moved, 1);
	assert_true(strlen(g.e[0].merged_at) >= 16);

	/* the retired chart, by MRN and by id, leads to the survivor; the
	 * survivor leads nowhere */
	assert_int_equal(merge_redirect(f->t.fd, rt, &rd, &m), STATUS_OK);
	assert_int_equal(rd.id, r.id);
	assert_string_equal(rd.survivor_mrn, k);
	assert_string_equal(rd.retired_mrn, rt);
	assert_string_equal(rd.survivor_id, f->keep.id);
	assert_int_equal(strlen(rd.merged_on), 10);
	assert_int_equal(merge_redirect(f->t.nurse, f->retire.id, &rd, &m), STATUS_OK);
	assert_int_equal(rd.id, r.id);
	assert_int_equal(merge_redirect(f->t.fd, k, &rd, &m), STATUS_OK);
	assert_int_equal(rd.id, 0);

	/* undone: listed as undone, and no redirect */
	assert_int_equal(merge_undo(f->t.him, r.id, "Different people", &r, &m), STATUS_OK);
	memset(&g, 0, sizeof g);
	assert_int_equal(merge_list(f->t.him, take, &g, &m), STATUS_OK);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.e[0].undone, 1);
	assert_int_equal(g.e[0].intact, 1);
	assert_string_equal(g.e[0].undone_by, "him1");
	assert_int_equal(merge_redirect(f->t.fd, rt, &rd, &m), STATUS_OK);
	assert_int_equal(rd.id, 0);

	/* a second merge: newest first */
	assert_int_equal(merge_charts(f->t.him, k, rt, "Same person after all", &r, &m), STATUS_OK);
	memset(&g, 0, sizeof g);
	assert_int_equal(merge_list(f->t.him, take, &g, &m), STATUS_OK);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.e[0].id, r.id);
	assert_int_equal(g.e[0].undone, 0);
	assert_int_equal(g.e[1].undone, 1);
	/* the list is audited, both charts of each merge listed */
	assert_int_equal(problem_add(f->t.prov, k, "I10", "Hypertension", "", &r.id, &m), STATUS_OK);
	assert_true(tu_audit_count(f->t.db, "merge_list", "him1") >= 1);
	assert_true(tu_sql_int(f->t.db, "SELECT count(*) FROM audit_listed WHERE seq IN (SELECT seq "
				      "FROM audit WHERE action = 'merge_list')") >= 2);
}

static void test_refused_to_other_roles(void **state)
{
	fixture_t *f = *state;
	got_t g;
	msg_t m;
	memset(&g, 0, sizeof g);
	assert_int_equal(merge_list(f->t.fd, take, &g, &m), STATUS_DENIED);
	assert_int_equal(merge_list(f->t.nurse, take, &g, &m), STATUS_DENIED);
	assert_int_equal(merge_list(f->t.prov, take, &g, &m), STATUS_DENIED);
	assert_int_equal(g.n, 0);
	/* nor undo one */
	{
		merge_result_t r;
		int64_t id;
		assert_int_equal(merge_charts(f->t.him, f->keep.f[PF_MRN], f->retire.f[PF_MRN], "dup",
					      &r, &m),
				 STATUS_OK);
		id = r.id;
		assert_int_equal(merge_undo(f->t.fd, id, "undo", &r, &m), STATUS_DENIED);
		assert_int_equal(merge_undo(f->t.nurse, id, "undo", &r, &m), STATUS_DENIED);
		assert_int_equal(merge_list(f->t.nurse, take, &g, &m), STATUS_DENIED);
		assert_int_equal(g.n, 0);
		assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM merges WHERE undone_at IS "
						   "NULL"),
				 1);
	}
}

static void test_tampered_row_marked_never_redirects(void **state)
{
	fixture_t *f = *state;
	merge_result_t r;
	merge_redirect_t rd;
	got_t g;
	msg_t m;
	const char *k = f->keep.f[PF_MRN], *rt = f->retire.f[PF_MRN];
	assert_int_equal(merge_charts(f->t.him, k, rt, "Same person", &r, &m), STATUS_OK);
	tu_sql(f->t.db, "UPDATE merges SET merged_by = 'nurse1'");
	memset(&g, 0, sizeof g);
	assert_int_equal(merge_list(f->t.him, take, &g, &m), STATUS_OK);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.e[0].intact, 0);
	assert_true(tu_has(g.e[0].problem, "Integrity check failed"));
	assert_int_equal(merge_redirect(f->t.fd, rt, &rd, &m), STATUS_INTEGRITY);
	assert_int_equal(rd.id, 0);
	tu_sql(f->t.db, "UPDATE merges SET merged_by = 'him1'");
	/* a forged merge of the survivor into another chart: no redirect */
	tu_sql(f->t.db, "INSERT INTO merges(mrow, keep_prow, retire_prow, merged_at, merged_by, "
		      "reason, moved, mac) SELECT mrow + 1, retire_prow, keep_prow, merged_at, "
		      "merged_by, reason, 0, mac FROM merges");
	assert_int_equal(merge_redirect(f->t.fd, k, &rd, &m), STATUS_INTEGRITY);
	assert_int_equal(rd.id, 0);
	memset(&g, 0, sizeof g);
	assert_int_equal(merge_list(f->t.him, take, &g, &m), STATUS_OK);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.e[0].intact, 0);
	assert_int_equal(g.e[1].intact, 1);
	assert_int_equal(tu_audit_count(f->t.db, "integrity_fail", NULL) >= 1, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_and_redirect, setup, tu_clinic_teardown),
		cmocka_unit_test_setup_teardown(test_refused_to_other_roles, setup, tu_clinic_teardown),
		cmocka_unit_test_setup_teardown(test_tampered_row_marked_never_redirects, setup,
						tu_clinic_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
