/* test_extid.c - issue 14's new chart tables.
 * core/extid.h: a patient's identifier in another system
 * (Synthea's Id) recorded in the chart, found again by its blind index,
 * listed; the checks (shape, one value per system, one chart per value,
 * the permission); the value not in the file in plaintext; a row edited,
 * moved to another chart, deleted or put back as a copy is an integrity
 * error where it is read (and audit verify says so of a moved, deleted or
 * replayed row: it compares the stored MACs with the chart heads); a demo key rotation re-seals value,
 * token and MAC and the lookup still finds the chart.
 * The procedure history (procedure_add, CHART_PROCEDURE): recorded with
 * its SNOMED CT code, listed, its status; bad codes refused; edited,
 * moved or replayed rows are integrity errors; the clinical and demo key
 * rotations re-seal it. */
#include "testutil.h"

#include "core/extid.h"
#include "core/clinical.h"
#include "core/rotate.h"

#define SYN EXTID_SYSTEM_SYNTHEA
#define ID_A "b1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a61"
#define ID_B "c2e4d7b3-1e5f-4d6c-8b8f-2a3e4d5c6b72"

typedef struct fixture {
	tu_clinic_t t;
	char a[33], b[33];
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	patient_t p;
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_PROV | TU_R_HIM);
	tu_patient(&p, "Okonkwo", "Maria", "1958-03-14", "F");
	tu_register(f->t.fd, &p, 1);
	snprintf(f->a, sizeof f->a, "%s", p.id);
	tu_patient(&p, "Mensah", "Kwame", "1990-11-02", "M");
	tu_register(f->t.fd, &p, 1);
	snprintf(f->b, sizeof f->b, "%s", p.id);
	*state = f;
	return 0;
}

struct got {
	char system[128], value[128];
	int n;
};

static int got_one(const char *system, const char *value, void *arg)
{
	struct got *g = arg;
	snprintf(g->system, sizeof g->system, "%s", system);
	snprintf(g->value, sizeof g->value, "%s", value);
	g->n++;
	return 0;
}

static void verify_ok(fixture_t *f)
{
	int64_t n = 0, bad = 0;
	msg_t m;
	if (audit_verify(f->t.admin, NULL, &n, &bad, &m) != STATUS_OK)
		fail_msg("audit verify: %s", m.text);
}

static void verify_fails(fixture_t *f, const char *want)
{
	int64_t n = 0, bad = 0;
	msg_t m;
	assert_int_equal(audit_verify(f->t.admin, NULL, &n, &bad, &m), STATUS_INTEGRITY);
	if (want && !tu_has(m.text, want))
		fail_msg("audit verify said: %s", m.text);
}

static void add_a(fixture_t *f)
{
	int added = 0;
	msg_t m;
	assert_int_equal(extid_add(f->t.him, f->a, SYN, ID_A, &added, &m), STATUS_OK);
	assert_int_equal(added, 1);
}

static void test_add_find_list(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int added = 0;
	struct got g = {"", "", 0};
	msg_t m;
	size_t len;
	unsigned char *file;
	add_a(f);
	/* Again: held already, nothing written. */
	assert_int_equal(extid_add(f->t.him, f->a, SYN, ID_A, &added, &m), STATUS_OK);
	assert_int_equal(added, 0);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM patient_identifiers"), 1);
	assert_int_equal(extid_find(f->t.him, SYN, ID_A, pid, &m), STATUS_OK);
	assert_string_equal(pid, f->a);
	assert_int_equal(extid_find(f->t.him, SYN, ID_B, pid, &m), STATUS_NOTFOUND);
	assert_int_equal(extid_find(f->t.him, "urn:other", ID_A, pid, &m), STATUS_NOTFOUND);
	assert_int_equal(extid_list(f->t.him, f->a, got_one, &g, &m), STATUS_OK);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.system, SYN);
	assert_string_equal(g.value, ID_A);
	/* One chart per value; one value per system in a chart. */
	assert_int_equal(extid_add(f->t.him, f->b, SYN, ID_A, &added, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "Another chart holds"));
	assert_int_equal(extid_add(f->t.him, f->a, SYN, ID_B, &added, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "another"));
	/* Another system is another identifier. */
	assert_int_equal(extid_add(f->t.him, f->a, "urn:oid:1.2.3", "X-17", &added, &m), STATUS_OK);
	/* Shapes refused, naming the part, never quoting the value. */
	assert_int_equal(extid_add(f->t.him, f->b, "not a uri", ID_B, &added, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "system"));
	assert_int_equal(extid_add(f->t.him, f->b, SYN, "bad\x1b[2Jvalue", &added, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "control character") && !tu_has(m.text, "bad"));
	assert_int_equal(extid_add(f->t.him, f->b, SYN, "", &added, &m), STATUS_INVALID);
	/* The front desk does not import. */
	assert_int_equal(extid_add(f->t.fd, f->b, SYN, ID_B, &added, &m), STATUS_DENIED);
	assert_int_equal(extid_find(f->t.fd, SYN, ID_A, pid, &m), STATUS_DENIED);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM patient_identifiers"), 2);
	/* Audited with the chart's head; the value only encrypted. */
	assert_int_equal(tu_audit_count(f->t.db, "identifier_add", "him1"), 2);
	tu_sql(f->t.db, "PRAGMA wal_checkpoint(TRUNCATE)");
	file = tu_read_file(f->t.db, &len);
	assert_false(tu_contains(file, len, ID_A, strlen(ID_A)));
	assert_false(tu_contains(file, len, "X-17", 4));
	free(file);
	verify_ok(f);
}

static void test_tamper_edit(void **state)
{
	fixture_t *f = *state;
	struct got g = {"", "", 0};
	char pid[33];
	msg_t m;
	add_a(f);
	tu_sql(f->t.db, "UPDATE patient_identifiers SET system = 'urn:changed'");
	assert_int_equal(extid_list(f->t.him, f->a, got_one, &g, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "patient_identifiers record"));
	assert_int_equal(g.n, 0);
	/* (audit verify compares stored MACs with the heads, as for every
	 * chart table: an edited column is caught where it is read.) */
	tu_sql(f->t.db, "UPDATE patient_identifiers SET system = '" SYN "'");
	verify_ok(f);
	assert_int_equal(extid_list(f->t.him, f->a, got_one, &g, &m), STATUS_OK);
	/* The value's ciphertext altered is caught too. */
	tu_sql_flip_blob(f->t.db, "patient_identifiers", "value_ct", "xrow = 1", 40);
	assert_int_equal(extid_find(f->t.him, SYN, ID_A, pid, &m), STATUS_INTEGRITY);
	assert_int_equal(extid_list(f->t.him, f->a, got_one, &g, &m), STATUS_INTEGRITY);
}

static void test_tamper_move(void **state)
{
	fixture_t *f = *state;
	struct got g = {"", "", 0};
	char sql[160], pid[33];
	msg_t m;
	add_a(f);
	snprintf(sql, sizeof sql,
		 "UPDATE patient_identifiers SET prow = (SELECT prow FROM patients WHERE id = '%s')",
		 f->b);
	tu_sql(f->t.db, sql);
	/* Under the other chart it is not that chart's; gone from its own. */
	assert_int_equal(extid_list(f->t.him, f->b, got_one, &g, &m), STATUS_INTEGRITY);
	assert_int_equal(extid_list(f->t.him, f->a, got_one, &g, &m), STATUS_INTEGRITY);
	assert_int_not_equal(extid_find(f->t.him, SYN, ID_A, pid, &m), STATUS_OK);
	assert_int_equal(g.n, 0);
	verify_fails(f, NULL);
}

static void test_tamper_delete_replay(void **state)
{
	fixture_t *f = *state;
	struct got g = {"", "", 0};
	msg_t m;
	add_a(f);
	tu_sql(f->t.db, "CREATE TABLE saved AS SELECT * FROM patient_identifiers");
	tu_sql(f->t.db, "DELETE FROM patient_identifiers");
	assert_int_equal(extid_list(f->t.him, f->a, got_one, &g, &m), STATUS_INTEGRITY);
	verify_fails(f, NULL);
	/* Put back as it was: whole again. */
	tu_sql(f->t.db, "INSERT INTO patient_identifiers SELECT * FROM saved");
	verify_ok(f);
	/* A copy of it replayed as a second row. */
	tu_sql(f->t.db, "INSERT INTO patient_identifiers SELECT xrow + 1, id || 'x', prow, system, "
		      "value_ct, token, token_version, created, created_by, mac FROM saved");
	assert_int_equal(extid_list(f->t.him, f->a, got_one, &g, &m), STATUS_INTEGRITY);
	assert_int_equal(g.n, 0);
	verify_fails(f, NULL);
}

static void test_rotation(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	struct got g = {"", "", 0};
	char pid[33];
	msg_t m;
	add_a(f);
	memset(&o, 0, sizeof o);
	assert_int_equal(rotate_key(f->t.admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	if (!p.done)
		assert_int_equal(rotate_key(f->t.admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	/* Value, token and MAC under the new version. */
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM patient_identifiers WHERE "
					   "substr(value_ct, 2, 1) = x'02' AND substr(mac, 2, 1) = "
					   "x'02' AND token_version = 2"),
			 1);
	session_logout(f->t.him);
	f->t.him = tu_login(f->t.c, "him1", TU_HIM_PW);
	assert_int_equal(extid_find(f->t.him, SYN, ID_A, pid, &m), STATUS_OK);
	assert_string_equal(pid, f->a);
	assert_int_equal(extid_list(f->t.him, f->a, got_one, &g, &m), STATUS_OK);
	assert_string_equal(g.value, ID_A);
	verify_ok(f);
}

struct items {
	chart_item_t last;
	int n;
};

static int item_one(const chart_item_t *it, void *arg)
{
	struct items *x = arg;
	x->last = *it;
	x->n++;
	return 0;
}

static void test_procedure_history(void **state)
{
	fixture_t *f = *state;
	struct items x;
	int64_t row = 0, n = 0, bad = 0;
	char sql[200];
	rotate_opts_t o;
	rotate_progress_t p;
	msg_t m;
	size_t len;
	unsigned char *file;
	assert_int_equal(procedure_add(f->t.prov, f->a, "73761001", "Colonoscopy (procedure)",
				       "2023-12-01", &row, &m),
			 STATUS_OK);
	assert_int_equal(row, 1);
	/* Not a SNOMED CT concept (check digit), no description, the front desk. */
	assert_int_equal(procedure_add(f->t.prov, f->a, "73761002", "x", "", &row, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "SNOMED CT"));
	assert_int_equal(procedure_add(f->t.prov, f->a, "G0008", "x", "", &row, &m), STATUS_INVALID);
	assert_int_equal(procedure_add(f->t.prov, f->a, "73761001", "", "", &row, &m),
			 STATUS_INVALID);
	assert_int_equal(procedure_add(f->t.fd, f->a, "73761001", "x", "", &row, &m), STATUS_DENIED);
	memset(&x, 0, sizeof x);
	assert_int_equal(chart_items(f->t.nurse, f->a, CHART_PROCEDURE, item_one, &x, &m), STATUS_OK);
	assert_int_equal(x.n, 1);
	assert_string_equal(x.last.text, "Colonoscopy (procedure)");
	assert_string_equal(x.last.code, "SNOMED 73761001");
	assert_string_equal(x.last.date1, "2023-12-01");
	assert_string_equal(x.last.status, "completed");
	assert_int_equal(chart_item_set_status(f->t.prov, CHART_PROCEDURE, 1, "resolved", &m),
			 STATUS_INVALID);
	assert_int_equal(chart_item_set_status(f->t.prov, CHART_PROCEDURE, 1, "entered-in-error", &m),
			 STATUS_OK);
	assert_int_equal(chart_item_set_status(f->t.prov, CHART_PROCEDURE, 1, "completed", &m),
			 STATUS_OK);
	tu_sql(f->t.db, "PRAGMA wal_checkpoint(TRUNCATE)");
	file = tu_read_file(f->t.db, &len);
	assert_false(tu_contains(file, len, "Colonoscopy", 11));
	free(file);
	verify_ok(f);
	/* The clinical key rotated (with the recovery key), then the demo key:
	 * the description and the MAC under the new versions, still read. */
	memset(&o, 0, sizeof o);
	o.recovery = f->t.recovery;
	assert_int_equal(rotate_key(f->t.admin, DOMAIN_CLIN, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	o.recovery = NULL;
	assert_int_equal(rotate_key(f->t.admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	if (!p.done)
		assert_int_equal(rotate_key(f->t.admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM procedure_history WHERE "
					   "substr(description, 2, 1) = x'02' AND substr(mac, 2, 1) = "
					   "x'02'"),
			 1);
	session_logout(f->t.nurse);
	f->t.nurse = tu_login(f->t.c, "nurse1", TU_NURSE_PW);
	memset(&x, 0, sizeof x);
	assert_int_equal(chart_items(f->t.nurse, f->a, CHART_PROCEDURE, item_one, &x, &m), STATUS_OK);
	assert_string_equal(x.last.text, "Colonoscopy (procedure)");
	assert_int_equal(audit_verify(f->t.admin, NULL, &n, &bad, &m), STATUS_OK);
	/* Edited: the code changed. */
	tu_sql(f->t.db, "CREATE TABLE saved AS SELECT * FROM procedure_history");
	tu_sql(f->t.db, "UPDATE procedure_history SET code = '44054006'");
	memset(&x, 0, sizeof x);
	assert_int_equal(chart_items(f->t.nurse, f->a, CHART_PROCEDURE, item_one, &x, &m),
			 STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "procedure_history record 1"));
	assert_int_equal(x.n, 0);
	tu_sql(f->t.db, "DELETE FROM procedure_history; INSERT INTO procedure_history SELECT * FROM saved");
	assert_int_equal(chart_items(f->t.nurse, f->a, CHART_PROCEDURE, item_one, &x, &m), STATUS_OK);
	/* Moved to the other chart. */
	snprintf(sql, sizeof sql,
		 "UPDATE procedure_history SET prow = (SELECT prow FROM patients WHERE id = '%s')",
		 f->b);
	tu_sql(f->t.db, sql);
	assert_int_equal(chart_items(f->t.nurse, f->b, CHART_PROCEDURE, item_one, &x, &m),
			 STATUS_INTEGRITY);
	assert_int_equal(chart_items(f->t.nurse, f->a, CHART_PROCEDURE, item_one, &x, &m),
			 STATUS_INTEGRITY);
	verify_fails(f, "procedure_history");
	tu_sql(f->t.db, "DELETE FROM procedure_history; INSERT INTO procedure_history SELECT * FROM saved");
	verify_ok(f);
	/* Replayed as a second row. */
	tu_sql(f->t.db, "INSERT INTO procedure_history SELECT phrow + 1, id || 'x', prow, code, "
		      "description, performed, status, recorded, recorded_by, mac FROM saved");
	assert_int_equal(chart_items(f->t.nurse, f->a, CHART_PROCEDURE, item_one, &x, &m),
			 STATUS_INTEGRITY);
	verify_fails(f, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_add_find_list, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_edit, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_move, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_delete_replay, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_rotation, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_procedure_history, setup, tu_clinic_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
