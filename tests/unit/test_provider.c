/* test_provider.c - issue 14 item 4: provider records that are not user
 * accounts (core/provider.h, migration 022).
 * The field checks; a record made once and found again by its identifier
 * (a re-import makes none), audited; the permissions (import to make,
 * reports_view to list); a row edited, its MAC removed or two rows' ids
 * swapped with sqlite3 is an integrity error where it is read; an audit
 * key rotation MACs them anew and they still check.
 * Encounters: an imported visit names its record and its source under the
 * row MAC (the mark changed with sqlite3 is caught); imported history
 * raises no deficiency while a visit checked in here does.
 * providers.csv: each bad row reported as file:line, columns found by the
 * header in any order. */
#include "testutil.h"

#include "core/clinical.h"
#include "core/deficiency.h"
#include "core/provider.h"
#include "core/rotate.h"
#include "core/synthea.h"

#define SYN PROVIDER_SYSTEM_SYNTHEA
#define ID_A "e4a6f9d5-3071-4f8e-8da1-4c5a6f7e8d94"
#define ID_B "f5b7a0e6-4182-40f9-9eb2-5d6b7a8f9ea5"

typedef struct fixture {
	tu_clinic_t t;
	char a[33];
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
	*state = f;
	return 0;
}

static provider_input_t alice(void)
{
	provider_input_t in = {SYN, ID_A, "Alice Tran", "F", "GENERAL PRACTICE", "", "Boston, MA"};
	return in;
}

static provider_input_t omar(void)
{
	provider_input_t in = {SYN, ID_B, "Omar Haddad", "M", "INTERNAL MEDICINE", "", ""};
	return in;
}

static void make(fixture_t *f, provider_input_t in, char id[33], int want_created)
{
	int created = -1;
	msg_t m;
	assert_int_equal(provider_ensure(f->t.him, &in, id, &created, &m), STATUS_OK);
	assert_int_equal(created, want_created);
}

/* ---- the field checks ---- */

static void test_input_check(void **state)
{
	provider_input_t in;
	msg_t m;
	(void)state;
	in = alice();
	assert_int_equal(provider_input_check(&in, &m), STATUS_OK);
	in.name = "";
	assert_int_equal(provider_input_check(&in, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "Name is empty"));
	in = alice();
	in.name = "Eve\x1b[2J";
	assert_int_equal(provider_input_check(&in, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "Name"));
	assert_false(tu_has(m.text, "\x1b"));
	in = alice();
	in.gender = "Q";
	assert_int_equal(provider_input_check(&in, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "Gender"));
	in = alice();
	in.value = NULL;
	assert_int_equal(provider_input_check(&in, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "Identifier"));
	in = alice();
	in.speciality = "Cardiology\nInjected";
	assert_int_equal(provider_input_check(&in, &m), STATUS_INVALID);
	in = alice();
	{
		char longname[PROVIDER_NAME_MAX + 2];
		memset(longname, 'a', sizeof longname - 1);
		longname[sizeof longname - 1] = 0;
		in.name = longname;
		assert_int_equal(provider_input_check(&in, &m), STATUS_INVALID);
		assert_true(tu_has(m.text, "longer"));
	}
}

/* ---- made once, found again ---- */

static void test_made_once(void **state)
{
	fixture_t *f = *state;
	char a[33], a2[33], b[33];
	provider_t p;
	provider_input_t in;
	int created = -1;
	msg_t m;
	make(f, alice(), a, 1);
	make(f, omar(), b, 1);
	assert_string_not_equal(a, b);
	/* The same identifier: the same record, unchanged, none made. */
	in = alice();
	in.name = "Someone Else";
	assert_int_equal(provider_ensure(f->t.him, &in, a2, &created, &m), STATUS_OK);
	assert_int_equal(created, 0);
	assert_string_equal(a, a2);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM providers"), 2);
	assert_int_equal(provider_get(f->t.nurse, a, &p, &m), STATUS_OK);
	assert_string_equal(p.name, "Alice Tran");
	assert_string_equal(p.gender, "female");
	assert_string_equal(p.speciality, "GENERAL PRACTICE");
	assert_string_equal(p.location, "Boston, MA");
	assert_string_equal(p.value, ID_A);
	assert_string_equal(p.created_by, "him1");
	/* Not a user account. */
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM users WHERE name LIKE '%Tran%'"),
			 0);
	tu_audit_flush(f->t.him);
	assert_int_equal(tu_audit_count(f->t.db, "provider_add", "him1"), 2);
	assert_int_equal(provider_get(f->t.nurse, "00000000000000000000000000000000", &p, &m),
			 STATUS_NOTFOUND);
}

struct names {
	char all[256];
};

static int take_name(const provider_t *p, void *arg)
{
	struct names *n = arg;
	size_t o = strlen(n->all);
	snprintf(n->all + o, sizeof n->all - o, "%s;", p->name);
	return 0;
}

static void test_permissions(void **state)
{
	fixture_t *f = *state;
	provider_input_t in = alice();
	struct names n = {""};
	char id[33];
	int created = -1;
	msg_t m;
	assert_int_equal(provider_ensure(f->t.nurse, &in, id, &created, &m), STATUS_DENIED);
	assert_int_equal(provider_ensure(f->t.fd, &in, id, &created, &m), STATUS_DENIED);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM providers"), 0);
	make(f, omar(), id, 1);
	make(f, alice(), id, 1);
	assert_int_equal(provider_list(f->t.fd, take_name, &n, &m), STATUS_DENIED);
	assert_int_equal(provider_list(f->t.nurse, take_name, &n, &m), STATUS_DENIED);
	assert_int_equal(provider_list(f->t.him, take_name, &n, &m), STATUS_OK);
	assert_string_equal(n.all, "Alice Tran;Omar Haddad;");
}

/* ---- edited with sqlite3 ---- */

static void test_tamper(void **state)
{
	fixture_t *f = *state;
	char a[33], b[33];
	provider_t p;
	struct names n = {""};
	msg_t m;
	make(f, alice(), a, 1);
	make(f, omar(), b, 1);

	tu_sql(f->t.db, "UPDATE providers SET name = 'Dr Mallory' WHERE prvrow = 1");
	assert_int_equal(provider_get(f->t.nurse, a, &p, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "providers record 1"));
	assert_int_equal(provider_list(f->t.him, take_name, &n, &m), STATUS_INTEGRITY);
	tu_sql(f->t.db, "UPDATE providers SET name = 'Alice Tran' WHERE prvrow = 1");
	assert_int_equal(provider_get(f->t.nurse, a, &p, &m), STATUS_OK);

	tu_sql(f->t.db, "UPDATE providers SET speciality = 'SURGERY' WHERE prvrow = 2");
	assert_int_equal(provider_get(f->t.nurse, b, &p, &m), STATUS_INTEGRITY);
	tu_sql(f->t.db, "UPDATE providers SET speciality = 'INTERNAL MEDICINE' WHERE prvrow = 2");

	/* The two records' ids swapped: each is the other's now. */
	{
		char sql[300];
		snprintf(sql, sizeof sql,
			 "UPDATE providers SET id = 'x1' WHERE prvrow = 1; UPDATE providers SET id "
			 "= '%s' WHERE prvrow = 2; UPDATE providers SET id = '%s' WHERE prvrow = 1",
			 a, b);
		tu_sql(f->t.db, sql);
	}
	assert_int_equal(provider_get(f->t.nurse, a, &p, &m), STATUS_INTEGRITY);
	assert_int_equal(provider_get(f->t.nurse, b, &p, &m), STATUS_INTEGRITY);

	/* Put back, then the MAC removed. */
	{
		char sql[300];
		snprintf(sql, sizeof sql,
			 "UPDATE providers SET id = 'x1' WHERE prvrow = 1; UPDATE providers SET id "
			 "= '%s' WHERE prvrow = 2; UPDATE providers SET id = '%s' WHERE prvrow = 1",
			 b, a);
		tu_sql(f->t.db, sql);
	}
	assert_int_equal(provider_get(f->t.nurse, a, &p, &m), STATUS_OK);
	assert_int_equal(provider_get(f->t.nurse, b, &p, &m), STATUS_OK);
	tu_sql(f->t.db, "UPDATE providers SET mac = x'00' WHERE prvrow = 2");
	assert_int_equal(provider_get(f->t.nurse, b, &p, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "no valid MAC"));
}

/* ---- the audit key's rotation MACs them anew ---- */

static void test_audit_rotation(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	provider_t pr;
	char a[33];
	unsigned char before[64], after[64];
	msg_t m;
	make(f, alice(), a, 1);
	tu_sql_text(f->t.db, "SELECT hex(mac) FROM providers", (char *)before, sizeof before);
	memset(&o, 0, sizeof o);
	assert_int_equal(rotate_key(f->t.admin, DOMAIN_AUDIT, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	tu_sql_text(f->t.db, "SELECT hex(mac) FROM providers", (char *)after, sizeof after);
	assert_string_not_equal((char *)before, (char *)after);
	session_logout(f->t.nurse);
	f->t.nurse = tu_login(f->t.c, "nurse1", TU_NURSE_PW);
	assert_int_equal(provider_get(f->t.nurse, a, &pr, &m), STATUS_OK);
	assert_string_equal(pr.name, "Alice Tran");
}

/* ---- encounters naming a record; imported history and deficiencies ---- */

static int count_def(const deficiency_t *d, void *arg)
{
	(void)d;
	(*(int *)arg)++;
	return 0;
}

static void test_encounters(void **state)
{
	fixture_t *f = *state;
	char a[33];
	int64_t e1 = 0, e2 = 0;
	encounter_info_t e;
	int n = 0;
	msg_t m;
	make(f, alice(), a, 1);
	/* An imported closed visit of 1978, without a diagnosis. */
	assert_int_equal(encounter_checkin_imported(f->t.fd, f->a, "office visit", "prov1",
						    "Synthea import", "", "1978-04-10 15:00", a,
						    "synthea", &e1, &m),
			 STATUS_OK);
	assert_int_equal(encounter_close_at(f->t.nurse, e1, "1978-04-10 16:00", &m), STATUS_OK);
	/* A source other than an import's, a record that is not there. */
	assert_int_equal(encounter_checkin_imported(f->t.fd, f->a, "office visit", "prov1", "X", "",
						    "1978-04-10 15:00", a, "manual", &e2, &m),
			 STATUS_INVALID);
	assert_int_equal(encounter_checkin_imported(f->t.fd, f->a, "office visit", "prov1", "X", "",
						    "1978-04-10 15:00",
						    "00000000000000000000000000000000", "fhir",
						    &e2, &m),
			 STATUS_NOTFOUND);
	assert_int_equal(encounter_get(f->t.nurse, e1, &e, &m), STATUS_OK);
	assert_string_equal(e.provider_name, "Alice Tran");
	assert_string_equal(e.provider_ref, a);
	assert_string_equal(e.source, "synthea");
	assert_string_equal(e.provider, "prov1");
	/* No deficiency from it. */
	assert_int_equal(deficiency_list(f->t.him, NULL, count_def, &n, &m), STATUS_OK);
	assert_int_equal(n, 0);
	/* A visit checked in here and closed without a diagnosis: X. */
	assert_int_equal(encounter_checkin(f->t.fd, f->a, "office visit", "prov1", "Main clinic", "",
					   &e2, &m),
			 STATUS_OK);
	assert_int_equal(encounter_close(f->t.nurse, e2, &m), STATUS_OK);
	assert_int_equal(encounter_get(f->t.nurse, e2, &e, &m), STATUS_OK);
	assert_string_equal(e.provider_name, "");
	assert_string_equal(e.source, "");
	n = 0;
	assert_int_equal(deficiency_list(f->t.him, NULL, count_def, &n, &m), STATUS_OK);
	assert_int_equal(n, 1);
	/* Marked imported with sqlite3 to hide it: the encounter's MAC says. */
	{
		char sql[120];
		snprintf(sql, sizeof sql, "UPDATE encounters SET source = 'fhir' WHERE erow = %lld",
			 (long long)e2);
		tu_sql(f->t.db, sql);
	}
	assert_int_equal(encounter_get(f->t.nurse, e2, &e, &m), STATUS_INTEGRITY);
	/* The imported one re-pointed to no record / its mark taken off. */
	tu_sql(f->t.db, "UPDATE encounters SET source = NULL WHERE source = 'fhir'");
	assert_int_equal(encounter_get(f->t.nurse, e2, &e, &m), STATUS_OK);
	{
		char sql[120];
		snprintf(sql, sizeof sql, "UPDATE encounters SET source = NULL WHERE erow = %lld",
			 (long long)e1);
		tu_sql(f->t.db, sql);
	}
	assert_int_equal(encounter_get(f->t.nurse, e1, &e, &m), STATUS_INTEGRITY);
	tu_sql(f->t.db, "UPDATE encounters SET source = 'synthea' WHERE erow = 1");
	assert_int_equal(encounter_get(f->t.nurse, e1, &e, &m), STATUS_OK);
	tu_sql(f->t.db, "DELETE FROM providers");
	assert_int_equal(encounter_get(f->t.nurse, e1, &e, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "provider record"));
}

/* ---- providers.csv: checked by its header, bad rows by file:line ---- */

struct bad {
	char lines[1024];
	int n;
};

static void on_bad(const char *file, long line, const char *reason, void *arg)
{
	struct bad *b = arg;
	size_t o = strlen(b->lines);
	snprintf(b->lines + o, sizeof b->lines - o, "%s:%ld %.80s|", file, line, reason);
	b->n++;
}

static void test_csv(void **state)
{
	fixture_t *f = *state;
	char dir[PATH_MAX], path[PATH_MAX];
	syn_report_t rep;
	struct bad b;
	msg_t m;
	tu_path(dir, f->t.dir, "syn");
	assert_int_equal(mkdir(dir, 0700), 0);
	tu_path(path, dir, "patients.csv");
	tu_write_text(path, "Id,BIRTHDATE,DEATHDATE,FIRST,LAST,GENDER\n"
			    "b1f3c6a2-0d4e-4c5b-9a7e-1f2d3c4b5a61,1958-03-14,,Maria,Okonkwo,F\n");
	tu_path(path, dir, "providers.csv");
	/* Columns in another order than Synthea writes them. */
	tu_write_text(path, "GENDER,SPECIALITY,NAME,Id,ORGANIZATION\n"
			    "F,GENERAL PRACTICE,Alice Tran," ID_A ",\n"
			    "Q,GENERAL PRACTICE,Quinn Lee,a1a1a1a1-0000-4000-8000-000000000002,\n"
			    "M,,Bad\x1b Name,a1a1a1a1-0000-4000-8000-000000000003,\n"
			    "M,,Ola Berg,a1a1a1a1-0000-4000-8000-000000000004,nope\n"
			    "F,GENERAL PRACTICE,Alice Again," ID_A ",\n");
	memset(&b, 0, sizeof b);
	assert_int_equal(synthea_check(dir, &rep, on_bad, &b, &m), STATUS_INVALID);
	assert_int_equal(b.n, 4);
	assert_int_equal(rep.f[SYN_PROVIDERS].rows, 5);
	assert_int_equal(rep.f[SYN_PROVIDERS].good, 1);
	assert_true(tu_has(b.lines, "providers.csv:3 GENDER 'Q' is not M or F"));
	assert_true(tu_has(b.lines, "providers.csv:4 NAME contains a control character"));
	assert_true(tu_has(b.lines, "providers.csv:5 ORGANIZATION 'nope' is not a Synthea id"));
	assert_true(tu_has(b.lines, "providers.csv:6 provider " ID_A " appears twice"));
	/* A header without a needed column: file:1 naming it. */
	tu_write_text(path, "Id,NAME,SPECIALITY\n" ID_A ",Alice Tran,\n");
	assert_int_equal(synthea_check(dir, &rep, on_bad, &b, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "providers.csv:1: column GENDER is missing"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_input_check),
	    cmocka_unit_test_setup_teardown(test_made_once, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_permissions, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_audit_rotation, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_encounters, setup, tu_clinic_teardown),
	    cmocka_unit_test_setup_teardown(test_csv, setup, tu_clinic_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
