/* test_textinput.c - every text input path refuses what base/text.h calls
 * unsafe (C0 controls, DEL, C1 controls, bidi overrides and isolates,
 * broken UTF-8), naming the field, and stores nothing: clinical free text
 * (substance, reaction, medication name, dose and frequency, problem,
 * note, reason for visit, location), break-the-glass and coding-reopen
 * reasons, modifiers, code-set imports (a bad description or a NUL byte
 * refuses the file with FILE:LINE and loads nothing), the CSV reader and
 * patient import (a NUL byte refuses the row instead of cutting it), the
 * clinic name, user names and text configuration values. Valid UTF-8
 * (accents, CJK) passes intact. Demographics are in test_patient.c, dates
 * in test_date.c and the classes themselves in test_text.c. */
#include "testutil.h"

#include "core/clinical.h"
#include "core/coding.h"
#include "core/csv.h"
#include "core/import.h"

/* Hostile samples: one of each class. */
#define ESC_TXT "Hives\x1b[2J\x1b]0;owned\x07"
#define C1_TXT                                                                                     \
	"Rash\xc2\x9b"                                                                             \
	"31m"
#define RAW_C1_TXT                                                                                 \
	"Rash\x9b"                                                                                 \
	"31m"
#define BIDI_TXT                                                                                   \
	"Penicillin\xe2\x80\xae"                                                                   \
	"nilloma"
#define BAD_TXT "Caf\xc3"

typedef struct fixture {
	tu_clinic_t t;
	char pid[33];
	int64_t erow;
} fixture_t;

static int group_setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	patient_t p;
	msg_t m;
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_PROV | TU_R_HIM);
	tu_patient(&p, "Textinput", "Tess", "1970-05-06", "F");
	tu_register(f->t.fd, &p, 1);
	snprintf(f->pid, sizeof f->pid, "%s", p.id);
	if (encounter_checkin(f->t.fd, f->pid, "office visit", "prov1", "Room 3", "", &f->erow, &m) !=
	    STATUS_OK)
		fail_msg("check-in: %s", m.text);
	*state = f;
	return 0;
}

static int64_t rows(fixture_t *f, const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	return tu_sql_int(f->t.db, sql);
}

/* st must be STATUS_INVALID and m say exactly want. */
static void refused(status_t st, const msg_t *m, const char *want);

/* The same for a bad line of file path: "PATH" followed by tail. */
static void refused_in(status_t st, const msg_t *m, const char *path, const char *tail)
{
	char want[PATH_MAX + 256];
	snprintf(want, sizeof want, "%s%s", path, tail);
	refused(st, m, want);
}

static void refused(status_t st, const msg_t *m, const char *want)
{
	if (st != STATUS_INVALID)
		fail_msg("accepted (%s), expected: %s", status_str(st), want);
	if (strcmp(m->text, want) != 0)
		fail_msg("message '%s', expected '%s'", m->text, want);
}

static void test_allergy_fields(void **state)
{
	fixture_t *f = *state;
	int64_t row = 0, before = rows(f, "allergies");
	msg_t m;
	refused(allergy_add(f->t.nurse, f->pid, ESC_TXT, "", "mild", &row, &m), &m,
	        "Substance contains a control character (U+001B).");
	refused(allergy_add(f->t.nurse, f->pid, "Latex", ESC_TXT, "mild", &row, &m), &m,
	        "Reaction contains a control character (U+001B).");
	refused(allergy_add(f->t.nurse, f->pid, "Latex", C1_TXT, "mild", &row, &m), &m,
	        "Reaction contains a control character (U+009B).");
	refused(allergy_add(f->t.nurse, f->pid, "Latex", RAW_C1_TXT, "mild", &row, &m), &m,
	        "Reaction is not valid UTF-8 text (byte 0x9B).");
	refused(allergy_add(f->t.nurse, f->pid, BIDI_TXT, "", "mild", &row, &m), &m,
	        "Substance contains a bidirectional control character (U+202E).");
	refused(allergy_add(f->t.nurse, f->pid, "Latex", BAD_TXT, "mild", &row, &m), &m,
	        "Reaction is not valid UTF-8 text (byte 0xC3).");
	refused(allergy_add(f->t.nurse, f->pid, "Latex", "hives\nwheeze", "mild", &row, &m), &m,
	        "Reaction contains a line break (U+000A); it must be one line.");
	assert_int_equal(rows(f, "allergies"), before);
	/* Accents and CJK are text. */
	assert_int_equal(
	    allergy_add(f->t.nurse, f->pid, "Pénicilline 青霉素", "urticária", "mild", &row, &m),
	    STATUS_OK);
	assert_int_equal(rows(f, "allergies"), before + 1);
}

static void test_medication_and_problem_fields(void **state)
{
	fixture_t *f = *state;
	int64_t row = 0, meds = rows(f, "medications"), probs = rows(f, "problems");
	msg_t m;
	refused(medication_add(f->t.nurse, f->pid, ESC_TXT, "5 mg", "PO", "daily", "", &row, &m), &m,
	        "Medication contains a control character (U+001B).");
	refused(medication_add(f->t.nurse, f->pid, "Lisinopril", "5\xe2\x81\xa6mg", "PO", "daily", "",
	                       &row, &m),
	        &m, "Dose contains a bidirectional control character (U+2066).");
	/* Frequency is stored in the clear: the same check applies. */
	refused(medication_add(f->t.nurse, f->pid, "Lisinopril", "5 mg", "PO", "daily\x1b[8m", "",
	                       &row, &m),
	        &m, "Frequency contains a control character (U+001B).");
	refused(
	    medication_add(f->t.nurse, f->pid, "Lisinopril", "5 mg", "PO", "da\x7fily", "", &row, &m),
	    &m, "Frequency contains a control character (U+007F).");
	refused(medication_add(f->t.nurse, f->pid, "Lisinopril", "5 mg", "PO", "daily\tbid", "", &row,
	                       &m),
	        &m, "Frequency contains a tab (U+0009).");
	assert_int_equal(rows(f, "medications"), meds);
	refused(problem_add(f->t.prov, f->pid, "", "Hypertension\xc2\x85", "", &row, &m), &m,
	        "Problem contains a control character (U+0085).");
	refused(problem_add(f->t.prov, f->pid, "", "Asthma\xe2\x80\xab", "", &row, &m), &m,
	        "Problem contains a bidirectional control character (U+202B).");
	assert_int_equal(rows(f, "problems"), probs);
}

static void test_note_bodies(void **state)
{
	fixture_t *f = *state;
	int64_t nrow = 0, before = rows(f, "notes");
	note_info_t info;
	msg_t m;
	refused(note_create(f->t.prov, f->erow, 0, "Seen today.\n\x1b[2JAll well.", &nrow, &m), &m,
	        "The note contains a control character (U+001B).");
	refused(note_create(f->t.prov, f->erow, 0, "Plan:\rHidden", &nrow, &m), &m,
	        "The note contains a control character (U+000D).");
	refused(note_create(f->t.prov, f->erow, 0,
	                    "A \xe2\x81\xa7"
	                    "b",
	                    &nrow, &m),
	        &m, "The note contains a bidirectional control character (U+2067).");
	assert_int_equal(rows(f, "notes"), before);
	/* Line breaks and tabs are a note's own; a Windows line end becomes
	 * a plain one. */
	assert_int_equal(
	    note_create(f->t.prov, f->erow, 0, "S:\tcough\r\nO:\tclear\nA/P: 休息", &nrow, &m),
	    STATUS_OK);
	assert_int_equal(note_get(f->t.prov, nrow, &info, &m), STATUS_OK);
	assert_string_equal(info.body, "S:\tcough\nO:\tclear\nA/P: 休息");
	note_info_clear(&info);
	/* Saving a draft is checked the same way. */
	refused(note_save(f->t.prov, nrow, "edited\xc2\x90", 1, &m), &m,
	        "The note contains a control character (U+0090).");
}

static void test_checkin_fields(void **state)
{
	fixture_t *f = *state;
	int64_t erow = 0, before = rows(f, "encounters");
	msg_t m;
	refused(encounter_checkin(f->t.fd, f->pid, "office visit", "prov1", "Room\x1b[1;31m 3", "",
	                          &erow, &m),
	        &m, "Location contains a control character (U+001B).");
	refused(encounter_checkin(f->t.fd, f->pid, "office visit", "prov1", "Room 3",
	                          "Cough \xe2\x80\xad"
	                          "xx",
	                          &erow, &m),
	        &m, "Reason for visit contains a bidirectional control character (U+202D).");
	assert_int_equal(rows(f, "encounters"), before);
}

static void test_reasons_and_modifiers(void **state)
{
	fixture_t *f = *state;
	patient_t p, *open = calloc(1, sizeof *open);
	int64_t btg_before;
	msg_t m;
	assert_non_null(open);
	tu_patient(&p, "Confidentia", "Cora", "1980-02-03", "F");
	p.confidential = 1;
	tu_register(f->t.fd, &p, 1);
	btg_before = tu_audit_count(f->t.db, "break_the_glass", NULL);
	/* A nurse has no view_confidential: the reason is audited, so it must
	 * be safe text. */
	refused(patient_open(f->t.nurse, p.id, "Patient\x1b[2J in clinic now", open, &m), &m,
	        "The reason for access contains a control character (U+001B).");
	refused(patient_open(f->t.nurse, p.id, "Patient is \xe2\x80\xae here now", open, &m), &m,
	        "The reason for access contains a bidirectional control character (U+202E).");
	assert_int_equal(tu_audit_count(f->t.db, "break_the_glass", NULL), btg_before);
	assert_int_equal(patient_open(f->t.nurse, p.id, "Patient is in clinic now", open, &m),
	                 STATUS_OK);
	assert_int_equal(tu_audit_count(f->t.db, "break_the_glass", NULL), btg_before + 1);
	sodium_memzero(open, sizeof *open);
	free(open);

	refused(coding_reopen(f->t.him, f->erow, "Payer asked\x1b[8m to recode", &m), &m,
	        "The reason for reopening contains a control character (U+001B).");
	refused(coding_add_px(f->t.him, f->erow, CS_HCPCS, "G0008", "25\xc2\x85", 1, "1", &m), &m,
	        "Rule 'modifiers': the modifiers contains a control character (U+0085).");
}

/* Import a code file written from text (n bytes); returns the status. */
static status_t import_file(fixture_t *f, codesys_t cs, const char *name, const char *text,
                            size_t n, const char *version, msg_t *m, char path[PATH_MAX])
{
	codes_import_report_t rep;
	tu_path(path, f->t.dir, name);
	tu_write_file(path, text, n, 0600);
	msg_clear(m);
	return codes_import(f->t.him, cs, path, version, "2025-10-01", &rep, m);
}

/* An ICD-10-CM order-file line: fixed columns. */
static void icd_line(char *out, size_t size, int order, const char *code, int billable,
                     const char *shortd, const char *longd)
{
	snprintf(out, size, "%05d %-7s %d %-60s %s\n", order, code, billable, shortd, longd);
}

static int hit_desc(const code_hit_t *h, void *arg)
{
	snprintf(arg, 256, "%s", h->desc);
	return 1;
}

static void test_code_imports(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX], file[2048], l1[300], l2[300], desc[256];
	int64_t versions = rows(f, "code_versions"), codes = rows(f, "codes");
	size_t n;
	status_t st;
	msg_t m;

	/* A description with an escape sequence: the file is refused by line. */
	icd_line(l1, sizeof l1, 1, "E11", 0, "Type 2 diabetes mellitus",
	         "Type 2 diabetes mellitus");
	icd_line(l2, sizeof l2, 2, "E119", 1, "Type 2 diabetes w/o complications",
	         "Type 2 diabetes\x1b]8;;http://x\x1b\\ without complications");
	snprintf(file, sizeof file, "%s%s", l1, l2);
	st = import_file(f, CS_ICD10CM, "esc.txt", file, strlen(file), "T1", &m, path);
	refused_in(st, &m, path, ":2: The long description contains a control character (U+001B).");
	/* A bidi override in the short description. */
	icd_line(l2, sizeof l2, 2, "E119", 1,
	         "Type 2 \xe2\x80\xae"
	         "setebaid",
	         "Type 2 diabetes without complications");
	snprintf(file, sizeof file, "%s%s", l1, l2);
	st = import_file(f, CS_ICD10CM, "bidi.txt", file, strlen(file), "T2", &m, path);
	refused_in(st, &m, path,
	           ":2: The short description contains a bidirectional control "
	           "character (U+202E).");
	/* A NUL byte inside a line refuses it (fgets/strlen would have cut
	 * the description short and loaded it). */
	icd_line(l2, sizeof l2, 2, "E119", 1, "Type 2 diabetes w/o complications",
	         "Type 2 diabetes without complications");
	n = strlen(l1);
	memcpy(file, l1, n);
	memcpy(file + n, l2, strlen(l2));
	file[n + 90] = '\0'; /* inside the long description of line 2 */
	st = import_file(f, CS_ICD10CM, "nul.txt", file, n + strlen(l2), "T3", &m, path);
	refused_in(st, &m, path, ":2: contains a NUL byte (U+0000); the line is refused");
	/* HCPCS: a raw C1 byte in a description. */
	snprintf(file, sizeof file, "%-5s%-5s%c%-80s%-28s\n", "G0008", "00100", '3',
	         "Administration of influenza virus vaccine\x9b"
	         "2J",
	         "Admin influenza virus vac");
	st = import_file(f, CS_HCPCS, "c1.txt", file, strlen(file), "T4", &m, path);
	refused_in(st, &m, path, ":1: The long description is not valid UTF-8 text (byte 0x9B).");
	/* CPT: a NUL byte inside a CSV field refuses the row. */
	memcpy(file, "code,description\n99213,Office visit\0est\n", 41);
	st = import_file(f, CS_CPT, "nul.csv", file, 41, "T5", &m, path);
	refused_in(st, &m, path, ":2: field 2 contains a NUL byte (U+0000)");
	snprintf(file, sizeof file, "code,description\n99213,\"Office visit\xe2\x81\xa8 est\"\n");
	st = import_file(f, CS_CPT, "bidi.csv", file, strlen(file), "T6", &m, path);
	refused_in(st, &m, path,
	           ":2: The description contains a bidirectional control character "
	           "(U+2068).");
	/* A version name is shown on screens too. */
	snprintf(file, sizeof file, "code,description\n99213,Office visit\n");
	refused(import_file(f, CS_CPT, "ok.csv", file, strlen(file), "2026\x1b[2J", &m, path), &m,
	        "The version contains a control character (U+001B).");
	/* Nothing of any of them was loaded. */
	assert_int_equal(rows(f, "code_versions"), versions);
	assert_int_equal(rows(f, "codes"), codes);

	/* Valid UTF-8 descriptions load intact. */
	snprintf(file, sizeof file,
	         "code,description\n99213,Consulta — médico (受診)\n99214,Office visit\n");
	assert_int_equal(import_file(f, CS_CPT, "good.csv", file, strlen(file), "2026", &m, path),
	                 STATUS_OK);
	assert_int_equal(codes_search(f->t.him, CS_CPT, "99213", "2025-11-01", 5, hit_desc, desc, &m),
	                 STATUS_OK);
	assert_string_equal(desc, "Consulta — médico (受診)");
}

struct bad_rows {
	int n;
	long line[8];
	char why[8][200];
};

static void on_bad(long line, const char *reason, void *arg)
{
	struct bad_rows *b = arg;
	if (b->n < 8) {
		b->line[b->n] = line;
		snprintf(b->why[b->n], sizeof b->why[0], "%s", reason);
	}
	b->n++;
}

static void test_csv_nul_and_patient_import(void **state)
{
	fixture_t *f = *state;
	static const char csv[] = "last_name,first_name,dob,sex,city\n"
	                          "Okafor,Ada,1960-01-02,F,Boston\n"
	                          "\"Nul\0ler\",Ned,1961-02-03,M,Salem\n"
	                          "Reyes,Rosa,1962-03-04,F,Lynn\x1b[2J\n"
	                          "Chen,Wei,1963-04-05,M,\"Quincy\xe2\x80\xae\"\n"
	                          "Mbeki,Thabo,1964-05-06,M,Worcester\n";
	char path[PATH_MAX];
	struct bad_rows b = {0};
	import_report_t rep;
	FILE *fp;
	csv_t *c;
	char **v;
	int nf;
	long line;
	msg_t m;

	/* The reader: the record with a NUL is refused whole, the next one
	 * is read intact. */
	tu_path(path, f->t.dir, "patients.csv");
	tu_write_file(path, csv, sizeof csv - 1, 0600);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	c = csv_new(fp);
	assert_int_equal(csv_next(c, &v, &nf, &line, &m), STATUS_OK); /* header */
	assert_int_equal(csv_next(c, &v, &nf, &line, &m), STATUS_OK);
	assert_string_equal(v[0], "Okafor");
	assert_int_equal(csv_next(c, &v, &nf, &line, &m), STATUS_INVALID);
	assert_string_equal(m.text, "line 3: field 1 contains a NUL byte (U+0000)");
	assert_int_equal(csv_next(c, &v, &nf, &line, &m), STATUS_OK);
	assert_int_equal(line, 4);
	assert_string_equal(v[0], "Reyes");
	csv_free(c);
	fclose(fp);

	/* The import: every bad row named, nothing imported. */
	assert_int_equal(import_patients(f->t.him, path, 0, &rep, on_bad, NULL, &b, &m), STATUS_INVALID);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.line[0], 3);
	assert_string_equal(b.why[0], "field 1 contains a NUL byte (U+0000)");
	assert_int_equal(b.line[1], 4);
	assert_string_equal(b.why[1], "City contains a control character (U+001B).");
	assert_int_equal(b.line[2], 5);
	assert_string_equal(b.why[2], "City contains a bidirectional control character (U+202E).");
	assert_int_equal(rep.imported, 0);
}

static void test_clinic_and_user_names(void **state)
{
	fixture_t *f = *state;
	char db2[PATH_MAX], rk[CRYPTO_RECOVERY_TEXT];
	msg_t m;
	tu_path(db2, f->t.dir, "other.db");
	refused(clinic_init(db2, f->t.cfg, "admin", TU_ADMIN_PW, "Harbor\x1b]0;x\x07 Clinic", rk, &m),
	        &m, "The clinic name contains a control character (U+001B).");
	refused(
	    clinic_init(db2, f->t.cfg, "admin", TU_ADMIN_PW, "Harbor \xe2\x80\xae Clinic", rk, &m),
	    &m, "The clinic name contains a bidirectional control character (U+202E).");
	assert_int_not_equal(access(db2, F_OK), 0);
	assert_false(users_name_valid("bob\x1b[2J"));
	assert_false(users_name_valid("b\xc2\x85ob"));
	assert_int_equal(users_add(f->t.admin, "eve\x1b[2J", "nurse", "a long enough password 1", &m),
	                 STATUS_INVALID);
	assert_int_equal(users_add(f->t.admin,
	                           "ev\xe2\x80\xae"
	                           "e",
	                           "nurse", "a long enough password 1", &m),
	                 STATUS_INVALID);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM users WHERE name LIKE 'ev%'"), 0);
}

static void test_config_text_values(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	config_t *cfg = calloc(1, sizeof *cfg);
	msg_t m;
	assert_non_null(cfg);
	tu_path(path, f->t.dir, "bad.ini");
	tu_write_text(path, "[clinical]\nencounter_types = office visit, tele\x1b[2Jphone\n");
	assert_int_equal(config_load_file(path, cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "clinical:encounter_types: The value contains a control "
	                           "character (U+001B)."));
	tu_write_text(path, "[clinical]\nencounter_types = office visit, \xe2\x81\xa6x\n");
	assert_int_equal(config_load_file(path, cfg, &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "bidirectional control character (U+2066)"));
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allergy_fields),
	    cmocka_unit_test(test_medication_and_problem_fields),
	    cmocka_unit_test(test_note_bodies),
	    cmocka_unit_test(test_checkin_fields),
	    cmocka_unit_test(test_reasons_and_modifiers),
	    cmocka_unit_test(test_code_imports),
	    cmocka_unit_test(test_csv_nul_and_patient_import),
	    cmocka_unit_test(test_clinic_and_user_names),
	    cmocka_unit_test(test_config_text_values),
	};
	return cmocka_run_group_tests_name("textinput", tests, group_setup, tu_clinic_teardown);
}
