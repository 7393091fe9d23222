/* test_fhir.c - core/fhir.h: the mapping of a chart's records to FHIR R4
 * resources (vital signs to Observations with their LOINC codes and UCUM
 * units, the blood pressure panel, "no known allergy" as its own
 * statement, statuses, ICD-10-CM, HCPCS with its diagnoses, notes and
 * addenda, the patient with its confidentiality), then, on a clinic
 * database, the export's permission and audit, and the import's
 * validation: bad resources named by place, nothing written, references
 * followed, and a chart written through core with its vitals' times. */
#include "testutil.h"

#include <math.h>

#include <jansson.h>

#include "core/clinical.h"
#include "core/fhir.h"
#include "core/policy.h"

/* The string at a '.'-separated path (array indexes as numbers). */
static const char *S(json_t *j, const char *path)
{
	char buf[200], *save = NULL, *tok;
	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save))
		j = (*tok >= '0' && *tok <= '9') ? json_array_get(j, (size_t)atoi(tok))
						 : json_object_get(j, tok);
	return json_string_value(j);
}

static double D(json_t *j, const char *path)
{
	char buf[200], *save = NULL, *tok;
	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save))
		j = (*tok >= '0' && *tok <= '9') ? json_array_get(j, (size_t)atoi(tok))
						 : json_object_get(j, tok);
	assert_true(json_is_number(j));
	return json_number_value(j);
}

static json_t *find_code(json_t *arr, const char *loinc)
{
	size_t i;
	json_t *r;
	json_array_foreach(arr, i, r)
	{
		const char *c = S(r, "code.coding.0.code");
		if (c && strcmp(c, loinc) == 0)
			return r;
	}
	return NULL;
}

static void test_vitals_observations(void **state)
{
	vitals_row_t v;
	json_t *out = json_array(), *o;
	(void)state;
	memset(&v, 0, sizeof v);
	v.vrow = 7;
	v.erow = 3;
	strcpy(v.taken, "2025-11-03T14:20:00Z");
	v.systolic = 128;
	v.diastolic = 84;
	v.pulse = 72;
	v.resp = 16;
	v.spo2 = 98;
	v.temp_c = 37.0000001;
	v.height_cm = 167.64;
	v.weight_kg = 68.0388555;
	v.bmi = 24.2;
	assert_int_equal(fhir_vitals(&v, "p1", out), 0);
	assert_int_equal(json_array_size(out), 8); /* bp panel + 7 */
	{
		static const struct {
			const char *loinc, *unit;
		} want[] = {{"8867-4", "/min"}, {"9279-1", "/min"}, {"8310-5", "Cel"},
			    {"59408-5", "%"},   {"8302-2", "cm"},   {"29463-7", "kg"},
			    {"39156-5", "kg/m2"}};
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
			o = find_code(out, want[i].loinc);
			assert_non_null(o);
			assert_string_equal(S(o, "code.coding.0.system"), "http://loinc.org");
			assert_string_equal(S(o, "valueQuantity.code"), want[i].unit);
			assert_string_equal(S(o, "valueQuantity.unit"), want[i].unit);
			assert_string_equal(S(o, "valueQuantity.system"), "http://unitsofmeasure.org");
			assert_string_equal(S(o, "category.0.coding.0.code"), "vital-signs");
			assert_string_equal(S(o, "status"), "final");
			assert_string_equal(S(o, "subject.reference"), "Patient/p1");
			assert_string_equal(S(o, "encounter.reference"), "Encounter/enc-3");
			assert_string_equal(S(o, "effectiveDateTime"), "2025-11-03T14:20:00Z");
		}
	}
	assert_true(D(find_code(out, "8310-5"), "valueQuantity.value") == 37.0);
	assert_true(D(find_code(out, "8867-4"), "valueQuantity.value") == 72);
	assert_true(fabs(D(find_code(out, "29463-7"), "valueQuantity.value") - 68.039) < 1e-9);
	o = find_code(out, "85354-9");
	assert_non_null(o);
	assert_null(json_object_get(o, "valueQuantity"));
	assert_string_equal(S(o, "component.0.code.coding.0.code"), "8480-6");
	assert_string_equal(S(o, "component.1.code.coding.0.code"), "8462-4");
	assert_true(D(o, "component.0.valueQuantity.value") == 128);
	assert_true(D(o, "component.1.valueQuantity.value") == 84);
	assert_string_equal(S(o, "component.0.valueQuantity.code"), "mm[Hg]");
	assert_string_equal(S(o, "id"), "vit-7-bp");
	json_decref(out);

	/* Only what was taken: a weight alone is one Observation. */
	out = json_array();
	memset(&v, 0, sizeof v);
	v.systolic = v.diastolic = v.pulse = v.resp = v.spo2 = -1;
	v.temp_c = v.height_cm = v.bmi = -1;
	v.weight_kg = 70;
	strcpy(v.taken, "2025-11-03T14:20:00Z");
	assert_int_equal(fhir_vitals(&v, "p1", out), 0);
	assert_int_equal(json_array_size(out), 1);
	assert_string_equal(S(json_array_get(out, 0), "code.coding.0.code"), "29463-7");
	json_decref(out);
}

static void test_allergies(void **state)
{
	chart_item_t it;
	json_t *r;
	(void)state;
	r = fhir_nka("p1");
	assert_non_null(r);
	assert_string_equal(S(r, "resourceType"), "AllergyIntolerance");
	assert_string_equal(S(r, "code.coding.0.system"), "http://snomed.info/sct");
	assert_string_equal(S(r, "code.coding.0.code"), "716186003");
	assert_string_equal(S(r, "clinicalStatus.coding.0.code"), "active");
	assert_string_equal(S(r, "verificationStatus.coding.0.code"), "confirmed");
	assert_string_equal(S(r, "patient.reference"), "Patient/p1");
	assert_string_equal(S(r, "id"), "nka-p1");
	json_decref(r);

	memset(&it, 0, sizeof it);
	it.kind = CHART_ALLERGY;
	it.row = 4;
	strcpy(it.text, "Penicillin");
	strcpy(it.text2, "hives");
	strcpy(it.code, "severe");
	strcpy(it.status, "inactive");
	r = fhir_chart_item(&it, "p1");
	assert_string_equal(S(r, "code.text"), "Penicillin");
	assert_string_equal(S(r, "reaction.0.manifestation.0.text"), "hives");
	assert_string_equal(S(r, "reaction.0.severity"), "severe");
	assert_string_equal(S(r, "clinicalStatus.coding.0.code"), "inactive");
	json_decref(r);

	/* A severity without a reaction keeps the severity; "unknown" and no
	 * reaction: no reaction at all. Entered in error: no clinicalStatus. */
	it.text2[0] = 0;
	strcpy(it.code, "mild");
	strcpy(it.status, "entered-in-error");
	r = fhir_chart_item(&it, "p1");
	assert_string_equal(S(r, "reaction.0.manifestation.0.text"), FHIR_NO_REACTION);
	assert_string_equal(S(r, "reaction.0.severity"), "mild");
	assert_null(json_object_get(r, "clinicalStatus"));
	assert_string_equal(S(r, "verificationStatus.coding.0.code"), "entered-in-error");
	json_decref(r);
	strcpy(it.code, "unknown");
	r = fhir_chart_item(&it, "p1");
	assert_null(json_object_get(r, "reaction"));
	json_decref(r);
}

static void test_medication_problem(void **state)
{
	chart_item_t it;
	json_t *r;
	(void)state;
	memset(&it, 0, sizeof it);
	it.kind = CHART_MEDICATION;
	it.row = 2;
	strcpy(it.text, "Lisinopril");
	strcpy(it.text2, "10 mg");
	strcpy(it.code, "PO");
	strcpy(it.extra, "daily");
	strcpy(it.date1, "2024-01-01");
	strcpy(it.status, "stopped");
	r = fhir_chart_item(&it, "p1");
	assert_string_equal(S(r, "resourceType"), "MedicationStatement");
	assert_string_equal(S(r, "status"), "stopped");
	assert_string_equal(S(r, "medicationCodeableConcept.text"), "Lisinopril");
	assert_string_equal(S(r, "dosage.0.text"), "10 mg");
	assert_string_equal(S(r, "dosage.0.route.text"), "PO");
	assert_string_equal(S(r, "dosage.0.timing.code.text"), "daily");
	assert_string_equal(S(r, "effectiveDateTime"), "2024-01-01");
	assert_string_equal(S(r, "subject.reference"), "Patient/p1");
	json_decref(r);

	memset(&it, 0, sizeof it);
	it.kind = CHART_PROBLEM;
	it.row = 9;
	strcpy(it.text, "Essential hypertension");
	strcpy(it.code, "I10");
	strcpy(it.date1, "2019-06-01");
	strcpy(it.status, "resolved");
	r = fhir_chart_item(&it, "p1");
	assert_string_equal(S(r, "resourceType"), "Condition");
	assert_string_equal(S(r, "id"), "prb-9");
	assert_string_equal(S(r, "code.coding.0.system"), "http://hl7.org/fhir/sid/icd-10-cm");
	assert_string_equal(S(r, "code.coding.0.code"), "I10");
	assert_string_equal(S(r, "code.text"), "Essential hypertension");
	assert_string_equal(S(r, "category.0.coding.0.code"), "problem-list-item");
	assert_string_equal(S(r, "clinicalStatus.coding.0.code"), "resolved");
	assert_string_equal(S(r, "onsetDateTime"), "2019-06-01");
	json_decref(r);
	/* No code: the description alone. */
	it.code[0] = 0;
	r = fhir_chart_item(&it, "p1");
	assert_null(json_object_get(json_object_get(r, "code"), "coding"));
	json_decref(r);
	/* A SNOMED CT problem (as Synthea codes them): its own system. */
	strcpy(it.code, "SNOMED 44054006");
	r = fhir_chart_item(&it, "p1");
	assert_string_equal(S(r, "code.coding.0.system"), "http://snomed.info/sct");
	assert_string_equal(S(r, "code.coding.0.code"), "44054006");
	json_decref(r);
}

static void test_coding_and_notes(void **state)
{
	coding_t c;
	note_info_t n;
	json_t *r;
	(void)state;
	memset(&c, 0, sizeof c);
	c.erow = 5;
	strcpy(c.date, "2025-11-03");
	c.ndx = 2;
	strcpy(c.dx[0].code, "J45.909");
	strcpy(c.dx[1].code, "I10");
	c.npx = 1;
	strcpy(c.px[0].system, "hcpcs");
	strcpy(c.px[0].code, "G0008");
	c.px[0].npointers = 2;
	c.px[0].pointers[0] = 1;
	c.px[0].pointers[1] = 2;
	r = fhir_encounter_dx(&c, 2, "p1");
	assert_string_equal(S(r, "id"), "dx-5-2");
	assert_string_equal(S(r, "code.coding.0.code"), "I10");
	assert_string_equal(S(r, "code.coding.0.system"), FHIR_SYS_ICD10CM);
	assert_string_equal(S(r, "category.0.coding.0.code"), "encounter-diagnosis");
	assert_string_equal(S(r, "encounter.reference"), "Encounter/enc-5");
	json_decref(r);
	r = fhir_procedure(&c, 1, "p1");
	assert_string_equal(S(r, "code.coding.0.system"), FHIR_SYS_HCPCS);
	assert_string_equal(S(r, "performedDateTime"), "2025-11-03");
	assert_string_equal(S(r, "reasonReference.0.reference"), "Condition/dx-5-1");
	assert_string_equal(S(r, "reasonReference.1.reference"), "Condition/dx-5-2");
	json_decref(r);
	strcpy(c.px[0].system, "cpt");
	r = fhir_procedure(&c, 1, "p1");
	assert_string_equal(S(r, "code.coding.0.system"), FHIR_SYS_CPT);
	json_decref(r);

	memset(&n, 0, sizeof n);
	n.nrow = 12;
	n.erow = 5;
	n.addendum_of = 11;
	n.body = (char *)"Line one.\nLine two.\n";
	n.body_len = strlen(n.body);
	r = fhir_document(&n, "p1");
	assert_string_equal(S(r, "content.0.attachment.data"), "TGluZSBvbmUuCkxpbmUgdHdvLgo=");
	assert_true(D(r, "content.0.attachment.size") == 20);
	assert_string_equal(S(r, "relatesTo.0.code"), "appends");
	assert_string_equal(S(r, "relatesTo.0.target.reference"), "DocumentReference/doc-11");
	assert_string_equal(S(r, "context.encounter.0.reference"), "Encounter/enc-5");
	assert_string_equal(S(r, "docStatus"), "final");
	json_decref(r);
}

static void test_patient(void **state)
{
	patient_t p;
	json_t *r;
	(void)state;
	memset(&p, 0, sizeof p);
	strcpy(p.id, "abc");
	strcpy(p.f[PF_MRN], "CR00000018");
	strcpy(p.f[PF_LAST], "Okafor");
	strcpy(p.f[PF_FIRST], "Chidi");
	strcpy(p.f[PF_DOB], "1980-03-04");
	strcpy(p.f[PF_SEX], "X");
	strcpy(p.f[PF_SSN], "123-45-6789");
	strcpy(p.f[PF_PHONE_MOBILE], "617-555-0199");
	p.confidential = 1;
	r = fhir_patient(&p);
	assert_string_equal(S(r, "gender"), "other");
	assert_string_equal(S(r, "identifier.0.system"), FHIR_SYS_MRN);
	assert_string_equal(S(r, "identifier.0.value"), "CR00000018");
	assert_null(json_array_get(json_object_get(r, "identifier"), 1)); /* no SSN */
	assert_string_equal(S(r, "name.0.family"), "Okafor");
	assert_string_equal(S(r, "telecom.0.use"), "mobile");
	assert_string_equal(S(r, "meta.security.0.code"), "R");
	assert_null(json_object_get(r, "address"));
	{
		char *dump = json_dumps(r, 0);
		assert_false(tu_has(dump, "6789"));
		free(dump);
	}
	json_decref(r);
	/* Text that is not UTF-8 cannot become JSON: no resource, no crash. */
	strcpy(p.f[PF_LAST], "Ok\xff");
	assert_null(fhir_patient(&p));
}

/* ---- on a clinic database ---- */

typedef struct fixture {
	tu_clinic_t t;
} fixture_t;

static int group_setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	msg_t m;
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_HIM);
	tu_add_user(f->t.admin, "prov1", "provider", TU_PROV_PW);
	/* The importing clerk records what the file holds. */
	if (policy_role_set(f->t.admin, "him", "+encounter_checkin +vitals_record", &m) != STATUS_OK)
		fail_msg("policy_role_set: %s", m.text);
	*state = f;
	return 0;
}

typedef struct bads {
	int n;
	char where[8][96], why[8][256];
} bads_t;

static void on_bad(const char *where, const char *why, void *arg)
{
	bads_t *b = arg;
	if (b->n < 8) {
		snprintf(b->where[b->n], sizeof b->where[0], "%s", where);
		snprintf(b->why[b->n], sizeof b->why[0], "%s", why);
	}
	b->n++;
}

static const char chart_json[] =
    "[{\"resourceType\":\"Patient\",\"id\":\"p\",\"name\":[{\"family\":\"Vantongeren\","
    "\"given\":[\"Ilse\"]}],\"gender\":\"female\",\"birthDate\":\"1970-05-06\"},"
    "{\"resourceType\":\"Encounter\",\"id\":\"e\",\"status\":\"in-progress\",\"class\":{\"code\":"
    "\"AMB\"},\"type\":[{\"text\":\"office visit\"}],\"subject\":{\"reference\":\"Patient/p\"},"
    "\"participant\":[{\"individual\":{\"display\":\"prov1\"}}],\"location\":[{\"location\":"
    "{\"display\":\"Room 1\"}}],\"period\":{\"start\":"
    "\"2025-03-04T10:00:00-05:00\"}},"
    "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"category\":[{"
    "\"coding\":[{\"code\":\"vital-signs\"}]}],\"code\":{\"coding\":[{\"system\":"
    "\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":{\"reference\":\"Patient/p\"},"
    "\"encounter\":{\"reference\":\"Encounter/e\"},\"effectiveDateTime\":"
    "\"2025-03-04T10:05:00-05:00\",\"valueQuantity\":{\"value\":64,\"code\":\"/min\"}},"
    "{\"resourceType\":\"Observation\",\"id\":\"o2\",\"status\":\"final\",\"category\":[{"
    "\"coding\":[{\"code\":\"vital-signs\"}]}],\"code\":{\"coding\":[{\"system\":"
    "\"http://loinc.org\",\"code\":\"8310-5\"}]},\"subject\":{\"reference\":\"Patient/p\"},"
    "\"encounter\":{\"reference\":\"Encounter/e\"},\"effectiveDateTime\":"
    "\"2025-03-04T10:05:00-05:00\",\"valueQuantity\":{\"value\":98.6,\"code\":\"[degF]\"}}]";

static fhir_item_t *items_of(json_t *arr, int *n)
{
	fhir_item_t *it = calloc(json_array_size(arr), sizeof *it);
	assert_non_null(it);
	*n = (int)json_array_size(arr);
	for (int i = 0; i < *n; i++) {
		it[i].res = json_array_get(arr, (size_t)i);
		snprintf(it[i].where, sizeof it[i].where, "t.ndjson:%d", i + 1);
	}
	return it;
}

static int64_t count(fixture_t *f, const char *table)
{
	char sql[80];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	return tu_sql_int(f->t.db, sql);
}

static void test_import_refuses_by_place(void **state)
{
	fixture_t *f = *state;
	json_error_t e;
	json_t *arr = json_loads(chart_json, 0, &e);
	fhir_item_t *it;
	fhir_import_report_t rep;
	bads_t b;
	msg_t m;
	int n;
	int64_t before = count(f, "patients");
	assert_non_null(arr);
	/* The pulse in furlongs; the encounter of an unknown type. */
	json_object_set_new(json_object_get(json_array_get(arr, 2), "valueQuantity"), "code",
			    json_string("furlongs"));
	json_object_set_new(json_array_get(json_object_get(json_array_get(arr, 1), "type"), 0),
			    "text", json_string("seance"));
	it = items_of(arr, &n);
	memset(&b, 0, sizeof b);
	assert_int_equal(fhir_import(f->t.him, it, n, 0, on_bad, &b, &rep, &m), STATUS_INVALID);
	assert_int_equal(b.n, 3); /* the encounter, and both observations (one its own, one by it) */
	assert_string_equal(b.where[0], "t.ndjson:2");
	assert_true(tu_has(b.why[0], "encounter types"));
	assert_true(tu_has(b.why[1], "refused") || tu_has(b.why[1], "valueQuantity"));
	assert_true(tu_has(m.text, "nothing was imported"));
	assert_int_equal(count(f, "patients"), before);
	/* The front desk may not import at all. */
	assert_int_equal(fhir_import(f->t.fd, it, n, 0, on_bad, &b, &rep, &m), STATUS_DENIED);
	free(it);
	json_decref(arr);
}

static void test_import_writes_a_chart(void **state)
{
	fixture_t *f = *state;
	json_error_t e;
	json_t *arr = json_loads(chart_json, 0, &e);
	fhir_item_t *it;
	fhir_import_report_t rep;
	bads_t b;
	msg_t m;
	int n;
	char taken[32], start[32];
	assert_non_null(arr);
	it = items_of(arr, &n);
	memset(&b, 0, sizeof b);
	if (fhir_import(f->t.him, it, n, 0, on_bad, &b, &rep, &m) != STATUS_OK)
		fail_msg("fhir_import: %s (%s: %s)", m.text, b.where[0], b.why[0]);
	assert_int_equal(rep.charts_new, 1);
	assert_int_equal(rep.count[FHIR_OBSERVATION], 2);
	/* Two observations at one time are one vitals row, at that time. */
	assert_int_equal(count(f, "vitals"), 1);
	tu_sql_text(f->t.db, "SELECT taken FROM vitals", taken, sizeof taken);
	assert_string_equal(taken, "2025-03-04T15:05:00Z");
	assert_int_equal(tu_sql_int(f->t.db, "SELECT pulse FROM vitals"), 64);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT round(temp_c * 10) FROM vitals"), 370);
	tu_sql_text(f->t.db, "SELECT start FROM encounters", start, sizeof start);
	assert_string_equal(start, "2025-03-04T15:00:00Z");
	assert_int_equal(tu_audit_count(f->t.db, "fhir_import", "him1"), 1);
	/* No name in the file in the clear. */
	{
		size_t len;
		unsigned char *db = tu_read_file(f->t.db, &len);
		assert_false(tu_contains(db, len, "Vantongeren", 11));
		free(db);
	}
	free(it);
	json_decref(arr);
}

int main(void)
{
	const struct CMUnitTest plain[] = {
	    cmocka_unit_test(test_vitals_observations), cmocka_unit_test(test_allergies),
	    cmocka_unit_test(test_medication_problem), cmocka_unit_test(test_coding_and_notes),
	    cmocka_unit_test(test_patient)};
	const struct CMUnitTest db[] = {cmocka_unit_test(test_import_refuses_by_place),
					cmocka_unit_test(test_import_writes_a_chart)};
	int r = cmocka_run_group_tests(plain, NULL, NULL);
	return r | cmocka_run_group_tests(db, group_setup, tu_clinic_teardown);
}
