/* test_merge.c - core/merge.h: a merge moves every clinical record of the
 * retired chart to the kept one (signed notes read the same), the retired
 * chart says where it went, and both charts and the audit trail verify;
 * an unmerge puts back exactly what moved (the stored rows byte for byte)
 * while a record added to the kept chart since stays, and one changed
 * since goes back as it is now; the journal edited with SQL is refused and
 * nothing changes; chart_merge (HIM) only, refused in core. */
#include "testutil.h"

#include "core/clinical.h"
#include "core/extid.h"
#include "core/merge.h"

#define SYN EXTID_SYSTEM_SYNTHEA

typedef struct fixture {
	tu_clinic_t t;
	patient_t keep, retire;
	int64_t ek, er, er2, signed_note, draft_note;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	msg_t m;
	int64_t row;
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_PROV | TU_R_HIM);
	tu_patient(&f->keep, "Ravensworth", "Calloway", "1966-02-11", "M");
	tu_register(f->t.fd, &f->keep, 1);
	tu_patient(&f->retire, "Ravensworth", "Calloway", "1966-02-11", "M");
	tu_register(f->t.fd, &f->retire, 1);
	const char *k = f->keep.f[PF_MRN], *r = f->retire.f[PF_MRN];
	assert_int_equal(encounter_checkin(f->t.fd, k, "office visit", "prov1", "Room 1", "kept visit",
					   &f->ek, &m),
			 STATUS_OK);
	assert_int_equal(encounter_checkin(f->t.fd, r, "office visit", "prov1", "Room 7",
					   "wheeze zq-merge", &f->er, &m),
			 STATUS_OK);
	assert_int_equal(encounter_checkin(f->t.fd, r, "office visit", "prov1", "Room 8", "", &f->er2,
					   &m),
			 STATUS_OK);
	assert_int_equal(allergy_add(f->t.nurse, r, "Penicillin", "hives", "severe", &row, &m),
			 STATUS_OK);
	assert_int_equal(medication_add(f->t.nurse, r, "Lisinopril", "10 mg", "PO", "daily", "", &row,
					&m),
			 STATUS_OK);
	assert_int_equal(note_create(f->t.nurse, f->er, 0, "signed text canary-unit-4410", &f->signed_note,
				     &m),
			 STATUS_OK);
	assert_int_equal(note_sign(f->t.nurse, f->signed_note, 1, &m), STATUS_OK);
	assert_int_equal(note_create(f->t.nurse, f->er2, 0, "draft text", &f->draft_note, &m),
			 STATUS_OK);
	/* issue 13 item 4: the procedure history and another system's ids
	 * move too (the kept chart has its own Synthea id: both stay on it) */
	assert_int_equal(procedure_add(f->t.prov, r, "73761001", "Colonoscopy zq-proc", "2020-03-04",
				       &row, &m),
			 STATUS_OK);
	assert_int_equal(extid_add(f->t.him, r, SYN, "syn-retired-0001", NULL, &m), STATUS_OK);
	assert_int_equal(extid_add(f->t.him, k, SYN, "syn-kept-0001", NULL, &m), STATUS_OK);
	*state = f;
	return 0;
}

static void verify_all(fixture_t *f)
{
	int64_t count = 0, bad = 0;
	msg_t m;
	if (audit_verify(f->t.admin, NULL, &count, &bad, &m) != STATUS_OK)
		fail_msg("audit verify: %s", m.text);
}

static int64_t q(fixture_t *f, const char *sql)
{
	return tu_sql_int(f->t.db, sql);
}

/* Every non-audit clinical table's rows, as a text dump. */
static void dump(fixture_t *f, char *out, size_t size)
{
	tu_sql_text(f->t.db,
		    "SELECT group_concat(x, '|') FROM (SELECT 'e' || erow || prow || hex(reason) || "
		    "hex(location_ct) || hex(mac) || hex(coding_mac) AS x FROM encounters UNION ALL "
		    "SELECT 'a' || arow || prow || hex(substance) || hex(reaction) || hex(mac) FROM "
		    "allergies UNION ALL SELECT 'm' || mrow || prow || hex(name) || hex(dose) || "
		    "hex(mac) FROM medications UNION ALL SELECT 'n' || nrow || prow || status || "
		    "hex(body) || hex(mac) FROM notes UNION ALL SELECT 'r' || prow || nka || "
		    "hex(mac) FROM allergy_review UNION ALL SELECT 'x' || xrow || prow || system || "
		    "hex(value_ct) || hex(token) || hex(mac) FROM patient_identifiers UNION ALL "
		    "SELECT 'p' || phrow || prow || code || hex(description) || hex(mac) FROM "
		    "procedure_history ORDER BY 1)",
		    out, size);
}

static void test_merge_and_unmerge(void **state)
{
	fixture_t *f = *state;
	merge_result_t r;
	msg_t m;
	char before[16384], after[16384], notice[200];
	note_info_t n;

	dump(f, before, sizeof before);
	assert_int_equal(merge_charts(f->t.him, f->keep.f[PF_MRN], f->retire.f[PF_MRN],
				      "Same person, licence seen", &r, &m),
			 STATUS_OK);
	assert_true(r.id >= 1);
	/* 2 encounters, 1 allergy, 1 medication, 2 notes, the allergy review
	 * (the kept chart had none, so it moves), 1 procedure, 1 identifier: 9 */
	assert_int_equal(r.moved, 9);
	assert_int_equal(r.ids_kept, 0);
	assert_int_equal(q(f, "SELECT count(*) FROM procedure_history WHERE prow = (SELECT keep_prow "
			      "FROM merges)"),
			 1);
	assert_int_equal(q(f, "SELECT count(*) FROM patient_identifiers WHERE prow = (SELECT "
			      "keep_prow FROM merges)"),
			 2);
	{
		/* the retired chart's Synthea id now finds the survivor; both
		 * values open on it */
		char pid[33];
		assert_int_equal(extid_find(f->t.him, SYN, "syn-retired-0001", pid, &m), STATUS_OK);
		assert_string_equal(pid, f->keep.id);
		assert_int_equal(extid_find(f->t.him, SYN, "syn-kept-0001", pid, &m), STATUS_OK);
		assert_string_equal(pid, f->keep.id);
	}
	assert_int_equal(q(f, "SELECT count(*) FROM encounters WHERE prow = (SELECT retire_prow FROM "
			      "merges)"),
			 0);
	assert_int_equal(q(f, "SELECT count(*) FROM notes WHERE prow = (SELECT keep_prow FROM merges)"),
			 2);
	assert_int_equal(note_get(f->t.nurse, f->signed_note, &n, &m), STATUS_OK);
	assert_string_equal(n.body, "signed text canary-unit-4410");
	note_info_clear(&n);
	assert_int_equal(merge_notice(f->t.fd, f->retire.f[PF_MRN], notice, sizeof notice, &m),
			 STATUS_OK);
	assert_true(tu_has(notice, f->keep.f[PF_MRN]));
	assert_int_equal(merge_notice(f->t.fd, f->keep.f[PF_MRN], notice, sizeof notice, &m),
			 STATUS_OK);
	assert_string_equal(notice, "");
	assert_int_equal(tu_audit_count(f->t.db, "chart_merge", "him1"), 2);
	verify_all(f);
	{
		/* the reason is not in the file */
		size_t len = 0;
		unsigned char *file = tu_read_file(f->t.db, &len);
		assert_false(tu_contains(file, len, "licence seen", 12));
		free(file);
	}

	/* later work on the survivor: a new problem stays with it */
	int64_t row;
	assert_int_equal(problem_add(f->t.prov, f->keep.f[PF_MRN], "I10", "Hypertension", "", &row, &m),
			 STATUS_OK);
	assert_int_equal(merge_undo(f->t.him, r.id, "Different people", &r, &m), STATUS_OK);
	assert_int_equal(r.moved, 9);
	assert_int_equal(r.rebound, 0);
	dump(f, after, sizeof after);
	assert_string_equal(before, after);
	assert_int_equal(q(f, "SELECT count(*) FROM problems WHERE prow = (SELECT keep_prow FROM "
			      "merges)"),
			 1);
	assert_int_equal(merge_notice(f->t.fd, f->retire.f[PF_MRN], notice, sizeof notice, &m),
			 STATUS_OK);
	assert_string_equal(notice, "");
	assert_int_equal(tu_audit_count(f->t.db, "chart_unmerge", "him1"), 2);
	verify_all(f);
	{
		char pid[33];
		assert_int_equal(extid_find(f->t.him, SYN, "syn-retired-0001", pid, &m), STATUS_OK);
		assert_string_equal(pid, f->retire.id);
	}
	assert_int_equal(merge_undo(f->t.him, r.id, "again", &r, &m), STATUS_CONFLICT);
}

/* The same system and value on both charts (Chartroom refuses one
 * identifier on two charts, so it is made here by hiding the kept one's
 * system while the retired chart is given it): not moved, it stays with
 * the retired chart; the lookup finds the survivor; unmerge is exact. */
static void test_same_identifier_stays(void **state)
{
	fixture_t *f = *state;
	merge_result_t r;
	msg_t m;
	char before[16384], after[16384], pid[33];
	const char *k = f->keep.f[PF_MRN], *rt = f->retire.f[PF_MRN];
	assert_int_equal(extid_add(f->t.him, k, "urn:oid:1.2.3", "shared-77", NULL, &m), STATUS_OK);
	tu_sql(f->t.db, "UPDATE patient_identifiers SET system = 'urn:oid:9' WHERE system = "
		      "'urn:oid:1.2.3'");
	assert_int_equal(extid_add(f->t.him, rt, "urn:oid:1.2.3", "shared-77", NULL, &m), STATUS_OK);
	tu_sql(f->t.db, "UPDATE patient_identifiers SET system = 'urn:oid:1.2.3' WHERE system = "
		      "'urn:oid:9'");
	verify_all(f);
	dump(f, before, sizeof before);
	assert_int_equal(merge_charts(f->t.him, k, rt, "dup", &r, &m), STATUS_OK);
	assert_int_equal(r.ids_kept, 1);
	assert_int_equal(r.moved, 9);
	assert_int_equal(q(f, "SELECT count(*) FROM patient_identifiers WHERE system = "
			      "'urn:oid:1.2.3' AND prow = (SELECT retire_prow FROM merges)"),
			 1);
	assert_int_equal(extid_find(f->t.him, "urn:oid:1.2.3", "shared-77", pid, &m), STATUS_OK);
	assert_string_equal(pid, f->keep.id);
	verify_all(f);
	assert_int_equal(merge_undo(f->t.him, r.id, "undo", &r, &m), STATUS_OK);
	dump(f, after, sizeof after);
	assert_string_equal(before, after);
	verify_all(f);
}

static void test_changed_since_goes_back_as_it_is(void **state)
{
	fixture_t *f = *state;
	merge_result_t r;
	msg_t m;
	note_info_t n;
	assert_int_equal(merge_charts(f->t.him, f->keep.f[PF_MRN], f->retire.f[PF_MRN], "dup", &r, &m),
			 STATUS_OK);
	assert_int_equal(note_sign(f->t.nurse, f->draft_note, 1, &m), STATUS_OK);
	assert_int_equal(merge_undo(f->t.him, r.id, "undo", &r, &m), STATUS_OK);
	assert_int_equal(r.rebound, 1);
	assert_int_equal(q(f, "SELECT count(*) FROM notes WHERE status = 'signed' AND prow = (SELECT "
			      "retire_prow FROM merges)"),
			 2);
	assert_int_equal(note_get(f->t.nurse, f->draft_note, &n, &m), STATUS_OK);
	assert_string_equal(n.body, "draft text");
	note_info_clear(&n);
	verify_all(f);
}

static void test_journal_tamper_refused(void **state)
{
	fixture_t *f = *state;
	merge_result_t r;
	msg_t m;
	char before[16384], after[16384];
	assert_int_equal(merge_charts(f->t.him, f->keep.f[PF_MRN], f->retire.f[PF_MRN], "dup", &r, &m),
			 STATUS_OK);
	int64_t id = r.id;
	dump(f, before, sizeof before);
	/* a stored form edited: the moved note would come back different */
	tu_sql(f->t.db, "UPDATE merge_rows SET before = CAST(before || x'00' AS BLOB) WHERE tbl = 8");
	assert_int_equal(merge_undo(f->t.him, id, "undo", &r, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "Nothing was changed"));
	dump(f, after, sizeof after);
	assert_string_equal(before, after);
	tu_sql(f->t.db, "UPDATE merge_rows SET before = substr(before, 1, length(before) - 1) WHERE "
		      "tbl = 8");
	/* the merge re-pointed at another chart */
	tu_sql(f->t.db, "UPDATE merges SET keep_prow = retire_prow, retire_prow = keep_prow");
	assert_int_equal(merge_undo(f->t.him, id, "undo", &r, &m), STATUS_INTEGRITY);
	tu_sql(f->t.db, "UPDATE merges SET keep_prow = retire_prow, retire_prow = keep_prow");
	assert_int_equal(merge_undo(f->t.him, id, "undo", &r, &m), STATUS_OK);
	verify_all(f);
}

static void test_refusals(void **state)
{
	fixture_t *f = *state;
	merge_result_t r;
	msg_t m;
	const char *k = f->keep.f[PF_MRN], *rt = f->retire.f[PF_MRN];
	assert_int_equal(merge_charts(f->t.nurse, k, rt, "dup", &r, &m), STATUS_DENIED);
	assert_int_equal(merge_charts(f->t.prov, k, rt, "dup", &r, &m), STATUS_DENIED);
	assert_int_equal(merge_charts(f->t.him, k, rt, "", &r, &m), STATUS_INVALID);
	assert_int_equal(merge_charts(f->t.him, k, rt, "bad\x1b[31m", &r, &m), STATUS_INVALID);
	assert_int_equal(merge_charts(f->t.him, k, k, "dup", &r, &m), STATUS_INVALID);
	assert_int_equal(q(f, "SELECT count(*) FROM merges"), 0);
	assert_int_equal(merge_charts(f->t.him, k, rt, "dup", &r, &m), STATUS_OK);
	int64_t id = r.id;
	/* the retired chart cannot be merged again, nor kept */
	assert_int_equal(merge_charts(f->t.him, k, rt, "dup", &r, &m), STATUS_CONFLICT);
	assert_int_equal(merge_charts(f->t.him, rt, k, "dup", &r, &m), STATUS_CONFLICT);
	assert_int_equal(merge_undo(f->t.nurse, id, "undo", &r, &m), STATUS_DENIED);
	assert_int_equal(merge_undo(f->t.him, 99, "undo", &r, &m), STATUS_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_merge_and_unmerge, setup, tu_clinic_teardown),
		cmocka_unit_test_setup_teardown(test_changed_since_goes_back_as_it_is, setup, tu_clinic_teardown),
		cmocka_unit_test_setup_teardown(test_journal_tamper_refused, setup, tu_clinic_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, tu_clinic_teardown),
		cmocka_unit_test_setup_teardown(test_same_identifier_stays, setup, tu_clinic_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
