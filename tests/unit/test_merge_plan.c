/* test_merge_plan.c - core/merge_plan.h: the merge's one list of
 * patient-bound tables matches the schema every migration builds, and a
 * migration that adds a table tied to a patient (or to an encounter, or
 * naming a prow) without a decision in the list fails this test. */
#include "testutil.h"

#include "core/merge_plan.h"
#include "db/db.h"

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	db_t *db = NULL;
	msg_t m = {0};
	assert_non_null(f);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "merge.db");
	assert_int_equal(db_open(f->db, DB_OPEN_CREATE, 2000, &db, &m), STATUS_OK);
	db_close(db);
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

static status_t check(fixture_t *f, msg_t *m)
{
	db_t *db = NULL;
	status_t st;
	assert_int_equal(db_open(f->db, DB_OPEN_EXISTING, 2000, &db, m), STATUS_OK);
	st = merge_plan_check(db, m);
	db_close(db);
	return st;
}

/* Every migration's patient-bound columns are in the list, and nothing
 * listed is gone. */
static void test_plan_matches_schema(void **state)
{
	fixture_t *f = *state;
	msg_t m = {0};
	db_t *db = NULL;
	status_t st;
	assert_int_equal(db_open(f->db, DB_OPEN_EXISTING, 2000, &db, &m), STATUS_OK);
	assert_int_equal(db_schema_version(db), db_schema_latest());
	st = merge_plan_check(db, &m);
	db_close(db);
	if (st != STATUS_OK)
		fail_msg("%s", m.text);
}

/* A table added later with a foreign key to patients is caught and named. */
static void test_new_patient_table_fails(void **state)
{
	fixture_t *f = *state;
	msg_t m = {0};
	tu_sql(f->db, "CREATE TABLE referrals (rrow INTEGER PRIMARY KEY, "
		      "prow INTEGER NOT NULL REFERENCES patients(prow), body BLOB)");
	assert_int_equal(check(f, &m), STATUS_ERR);
	assert_true(tu_has(m.text, "referrals"));
	assert_true(tu_has(m.text, "prow"));
}

/* Tied through an encounter, or a bare prow column without a declared
 * key: caught as well. */
static void test_new_encounter_table_fails(void **state)
{
	fixture_t *f = *state;
	msg_t m = {0};
	tu_sql(f->db, "CREATE TABLE orders (orow INTEGER PRIMARY KEY, "
		      "erow INTEGER NOT NULL REFERENCES encounters(erow))");
	assert_int_equal(check(f, &m), STATUS_ERR);
	assert_true(tu_has(m.text, "orders"));
	tu_sql(f->db, "DROP TABLE orders");
	assert_int_equal(check(f, &m), STATUS_OK);
	tu_sql(f->db, "CREATE TABLE scratch (prow INTEGER, note TEXT)");
	assert_int_equal(check(f, &m), STATUS_ERR);
	assert_true(tu_has(m.text, "scratch"));
}

/* A listed table that a migration dropped is reported too. */
static void test_listed_table_gone_fails(void **state)
{
	fixture_t *f = *state;
	msg_t m = {0};
	tu_sql(f->db, "DROP TABLE recent_patients");
	assert_int_equal(check(f, &m), STATUS_ERR);
	assert_true(tu_has(m.text, "recent_patients"));
}

/* Every entry says why, and the moved clinical tables are the ones the
 * chart heads list. */
static void test_plan_entries(void **state)
{
	size_t n = 0;
	const merge_table_t *t = merge_plan_tables(&n);
	(void)state;
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].why);
		assert_true(strlen(t[i].why) > 5);
		assert_string_not_equal(merge_plan_how_name(t[i].how), "?");
	}
	assert_int_equal(merge_plan_find("notes", "prow")->how, MERGE_MOVE);
	assert_int_equal(merge_plan_find("disclosures", "prow")->how, MERGE_STAYS_LINKED);
	assert_int_equal(merge_plan_find("allergy_review", "prow")->how, MERGE_ONE_PER_PATIENT);
	assert_null(merge_plan_find("audit", "target"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plan_matches_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_patient_table_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_encounter_table_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listed_table_gone_fails, setup, teardown),
		cmocka_unit_test(test_plan_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
