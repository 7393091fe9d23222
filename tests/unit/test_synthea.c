/* test_synthea.c - the first pass over a Synthea CSV export
 * (core/synthea.h) on the fixtures in tests/fixtures/synthea (a good
 * export built from ../shared/data/synthea/HEADERS.md) and
 * tests/fixtures/synthea-bad (the same with bad rows added): counts per
 * file, every bad row reported as file:line with its reason, vital signs
 * by LOINC code and unit, other observations counted and skipped. */
#include "testutil.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "core/synthea.h"
#include "core/synthea_import.h"

static char reported[64][400];
static int nreported;

static void on_bad(const char *file, long line, const char *reason, void *arg)
{
	(void)arg;
	if (nreported < 64)
		snprintf(reported[nreported++], sizeof reported[0], "%s:%ld: %s", file, line, reason);
}

static const char *fixture(const char *name)
{
	static char path[4096];
	const char *root = getenv("CHARTROOM_ROOT");
	snprintf(path, sizeof path, "%s/tests/fixtures/%s", root && *root ? root : ".", name);
	return path;
}

static void expect_reported(const char *start, const char *part)
{
	for (int i = 0; i < nreported; i++)
		if (strncmp(reported[i], start, strlen(start)) == 0 && strstr(reported[i], part))
			return;
	for (int i = 0; i < nreported; i++)
		print_message("reported: %s\n", reported[i]);
	fail_msg("not reported: %s ... %s", start, part);
}

static void test_good_export(void **state)
{
	syn_report_t rep;
	msg_t m;
	(void)state;
	nreported = 0;
	assert_int_equal(synthea_check(fixture("synthea"), &rep, on_bad, NULL, &m), STATUS_OK);
	assert_int_equal(nreported, 0);
	assert_int_equal(rep.f[SYN_PATIENTS].good, 3);
	assert_int_equal(rep.f[SYN_PROVIDERS].good, 2);
	assert_int_equal(rep.f[SYN_ENCOUNTERS].good, 5);
	assert_int_equal(rep.f[SYN_CONDITIONS].good, 3);
	assert_int_equal(rep.f[SYN_ALLERGIES].good, 2);
	assert_int_equal(rep.f[SYN_MEDICATIONS].good, 2);
	assert_int_equal(rep.f[SYN_PROCEDURES].good, 2);
	/* 9 vital signs; an HbA1c and a smoking status are not: skipped. */
	assert_int_equal(rep.f[SYN_OBSERVATIONS].rows, 11);
	assert_int_equal(rep.f[SYN_OBSERVATIONS].good, 9);
	assert_int_equal(rep.f[SYN_OBSERVATIONS].other, 2);
	for (int f = 0; f < SYN_NFILES; f++) {
		assert_true(rep.present[f]);
		assert_int_equal(rep.f[f].bad, 0);
	}
}

static void test_bad_rows(void **state)
{
	syn_report_t rep;
	msg_t m;
	(void)state;
	nreported = 0;
	assert_int_equal(synthea_check(fixture("synthea-bad"), &rep, on_bad, NULL, &m),
			 STATUS_INVALID);
	assert_string_equal(m.text, "12 bad rows in 8 files.");
	assert_int_equal(nreported, 12);
	expect_reported("patients.csv:5: ", "Id 'not-a-uuid' is not a Synthea id");
	expect_reported("providers.csv:4: ", "appears twice");
	expect_reported("encounters.csv:6: ", "is not in patients.csv");
	expect_reported("encounters.csv:7: ", "START 'yesterday' is not a date");
	expect_reported("conditions.csv:5: ", "CODE 'E11.9' is not a SNOMED CT");
	expect_reported("conditions.csv:6: ", "is another patient's");
	expect_reported("allergies.csv:4: ", "SEVERITY1 'EXTREME'");
	expect_reported("medications.csv:4: ", "DESCRIPTION is empty");
	expect_reported("observations.csv:13: ", "VALUE 'fast' of 8867-4 is not a number");
	expect_reported("observations.csv:14: ", "UNITS '[degF]' of 8310-5: expected Cel");
	expect_reported("procedures.csv:4: ", "DESCRIPTION");
	expect_reported("procedures.csv:5: ", "has 3 fields; the header has 9");
	/* The good rows still counted as good. */
	assert_int_equal(rep.f[SYN_PATIENTS].good, 3);
	assert_int_equal(rep.f[SYN_ENCOUNTERS].good, 4);
	assert_int_equal(rep.f[SYN_OBSERVATIONS].good, 9);
}

static void test_missing(void **state)
{
	char dir[] = "/tmp/chartroom-synthea-XXXXXX", path[256];
	syn_report_t rep;
	msg_t m;
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(synthea_check(dir, &rep, on_bad, NULL, &m), STATUS_NOTFOUND);
	snprintf(path, sizeof path, "%s/patients.csv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("Id,BIRTHDATE,DEATHDATE,FIRST,LAST\n", f);
	fclose(f);
	assert_int_equal(synthea_check(dir, &rep, on_bad, NULL, &m), STATUS_INVALID);
	assert_string_equal(m.text, "patients.csv:1: column GENDER is missing (see Synthea's CSV "
				    "data dictionary)");
	unlink(path);
	rmdir(dir);
}

static void test_vitals(void **state)
{
	const char *unit;
	(void)state;
	assert_int_equal(synthea_vital("8480-6", &unit), SYN_V_SYSTOLIC);
	assert_string_equal(unit, "mm[Hg]");
	assert_int_equal(synthea_vital("8462-4", &unit), SYN_V_DIASTOLIC);
	assert_int_equal(synthea_vital("8867-4", &unit), SYN_V_PULSE);
	assert_string_equal(unit, "/min");
	assert_int_equal(synthea_vital("9279-1", NULL), SYN_V_RESP);
	assert_int_equal(synthea_vital("8310-5", &unit), SYN_V_TEMP);
	assert_string_equal(unit, "Cel");
	assert_int_equal(synthea_vital("59408-5", NULL), SYN_V_SPO2);
	assert_int_equal(synthea_vital("8302-2", NULL), SYN_V_HEIGHT);
	assert_int_equal(synthea_vital("29463-7", NULL), SYN_V_WEIGHT);
	assert_int_equal(synthea_vital("39156-5", &unit), SYN_V_BMI);
	assert_string_equal(unit, "kg/m2");
	assert_int_equal(synthea_vital("4548-4", &unit), SYN_V_NONE);
	assert_null(unit);
	assert_int_equal(synthea_vital(NULL, NULL), SYN_V_NONE);
}

/* ---- synthea_read: the good rows handed over, in the header's order ---- */

typedef struct seen {
	int rows[SYN_NFILES];
	int bad_patient_rows; /* rows naming the bad fixture's unknown patient */
	char first_state[48], first_name[48], cond_code[24];
} seen_t;

static int on_row(syn_file_t f, long line, const char *const *v, void *arg)
{
	seen_t *s = arg;
	(void)line;
	s->rows[f]++;
	if (f == SYN_PATIENTS && s->rows[f] == 1) {
		snprintf(s->first_name, sizeof s->first_name, "%s", v[3]);
		snprintf(s->first_state, sizeof s->first_state, "%s", v[8]);
	}
	if (f == SYN_CONDITIONS && s->rows[f] == 1)
		snprintf(s->cond_code, sizeof s->cond_code, "%s", v[4]);
	if (f == SYN_ENCOUNTERS && !strcmp(v[3], "11111111-2222-4333-8444-555555555555"))
		s->bad_patient_rows++;
	return 0;
}

static void test_read_rows(void **state)
{
	syn_report_t rep;
	seen_t s;
	msg_t m;
	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(synthea_read(fixture("synthea"), &rep, on_bad, on_row, &s, &m), STATUS_OK);
	for (int f = 0; f < SYN_NFILES; f++)
		assert_int_equal(s.rows[f], rep.f[f].good); /* the others are not handed */
	assert_string_equal(s.first_name, "Maria684");
	assert_string_equal(s.first_state, "Massachusetts"); /* an optional column */
	assert_string_equal(s.cond_code, "44054006");
	memset(&s, 0, sizeof s);
	assert_int_equal(synthea_read(fixture("synthea-bad"), &rep, NULL, on_row, &s, &m),
			 STATUS_INVALID);
	for (int f = 0; f < SYN_NFILES; f++)
		assert_int_equal(s.rows[f], rep.f[f].good);
	assert_int_equal(s.bad_patient_rows, 0);
}

static int stop_row(syn_file_t f, long line, const char *const *v, void *arg)
{
	(void)f, (void)line, (void)v, (void)arg;
	return -1;
}

static void test_read_stops(void **state)
{
	syn_report_t rep;
	msg_t m;
	(void)state;
	assert_int_equal(synthea_read(fixture("synthea"), &rep, NULL, stop_row, NULL, &m),
			 STATUS_NOMEM);
}

static void test_when(void **state)
{
	char out[24];
	(void)state;
	assert_true(synthea_when("2022-07-20T07:13:55Z", out));
	assert_string_equal(out, "2022-07-20T07:13:55Z");
	assert_true(synthea_when("2022-07-20", out));
	assert_string_equal(out, "2022-07-20T00:00:00Z");
	assert_false(synthea_when("2022-02-30", out));
	assert_false(synthea_when("yesterday", out));
	assert_false(synthea_when(NULL, out));
}

static void test_type_map(void **state)
{
	config_t cfg;
	msg_t m;
	char t[48];
	(void)state;
	tu_config(&cfg);
	synthea_type(&cfg, "wellness", t, sizeof t);
	assert_string_equal(t, "annual exam");
	synthea_type(&cfg, "ambulatory", t, sizeof t);
	assert_string_equal(t, "office visit");
	synthea_type(&cfg, "emergency", t, sizeof t);
	assert_string_equal(t, "office visit");
	synthea_type(&cfg, "virtual", t, sizeof t);
	assert_string_equal(t, "telephone");
	synthea_type(&cfg, "home", t, sizeof t);
	assert_string_equal(t, "nurse visit");
	synthea_type(&cfg, "no-such-class", t, sizeof t);
	assert_string_equal(t, "office visit");
	assert_int_equal(synthea_classes_check(&cfg, &m), STATUS_OK);
	/* The clinic's own map: a class listed, the default for the rest,
	 * the type in the clinic's spelling. */
	assert_int_equal(config_set(&cfg, "clinical:synthea_classes",
				    "hospice = Follow-up,snf=nurse visit, * = procedure", NULL, "t",
				    &m),
			 STATUS_OK);
	assert_int_equal(synthea_classes_check(&cfg, &m), STATUS_OK);
	synthea_type(&cfg, "hospice", t, sizeof t);
	assert_string_equal(t, "follow-up");
	synthea_type(&cfg, "snf", t, sizeof t);
	assert_string_equal(t, "nurse visit");
	synthea_type(&cfg, "wellness", t, sizeof t);
	assert_string_equal(t, "procedure");
	/* Without "*": the first encounter type. */
	assert_int_equal(config_set(&cfg, "clinical:synthea_classes", "hospice=follow-up", NULL,
				    "t", &m),
			 STATUS_OK);
	synthea_type(&cfg, "ambulatory", t, sizeof t);
	assert_string_equal(t, "office visit");
	/* A mapping to a type the clinic does not have is an error naming it. */
	assert_int_equal(config_set(&cfg, "clinical:synthea_classes",
				    "hospice = follow-up, emergency = trauma bay", NULL, "t", &m),
			 STATUS_OK);
	assert_int_equal(synthea_classes_check(&cfg, &m), STATUS_CONFIG);
	assert_non_null(strstr(m.text, "emergency = 'trauma bay' is not one of"));
	/* The encounter types changed under the shipped map: the same. */
	assert_int_equal(config_set(&cfg, "clinical:synthea_classes",
				    "wellness = annual exam, * = office visit", NULL, "t", &m),
			 STATUS_OK);
	snprintf(cfg.encounter_types, sizeof cfg.encounter_types, "clinic visit, phone call");
	assert_int_equal(synthea_classes_check(&cfg, &m), STATUS_CONFIG);
	assert_non_null(strstr(m.text, "wellness = 'annual exam'"));
	/* Shapes the setting refuses. */
	{
		static const char *const bad[] = {"wellness", "Wellness=annual exam",
						  "wellness=", "=office visit", "a b=telephone",
						  "**=telephone", "wellness=annual exam, home"};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			assert_int_equal(config_set(&cfg, "clinical:synthea_classes", bad[i],
						    NULL, "t", &m),
					 STATUS_CONFIG);
			assert_non_null(strstr(m.text, "is not CLASS = TYPE"));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_export),
	    cmocka_unit_test(test_bad_rows),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_vitals),
	    cmocka_unit_test(test_read_rows),
	    cmocka_unit_test(test_read_stops),
	    cmocka_unit_test(test_when),
	    cmocka_unit_test(test_type_map),
	};
	return cmocka_run_group_tests_name("synthea", tests, NULL, NULL);
}
