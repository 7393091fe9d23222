/* test_import.c - core/csv.h, import.h and synth.h: the CSV reader on its
 * own (quotes, embedded commas, quotes and line breaks, CRLF, byte-order
 * mark, the line each record starts on, malformed records); importing
 * patients in Chartroom's format and Synthea's, with every bad row reported
 * by line and reason and nothing imported unless skip_bad; header errors;
 * and the synthetic patients (deterministic, all valid) written through the
 * bulk writer and found by search.
 *
 * One clinic database for the group; imports use names no other test
 * uses, and counts are compared before and after. */
#include "testutil.h"

#include "core/csv.h"
#include "core/import.h"
#include "core/internal.h"
#include "core/patient_search.h"
#include "core/precord.h"
#include "core/synth.h"

#define HIM_PW "him clerk password for import"
#define FD_PW "front desk password for import"

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	clinic_t *c;
	session_t *admin, *him, *fd;
	int files;
} fixture_t;

static int group_setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	tu_crypto_init();
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_config(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	tu_clinic_init(f->db, f->cfg, NULL);
	f->c = tu_clinic_open(f->db, f->cfg);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	tu_add_user(f->admin, "him", "him", HIM_PW);
	tu_add_user(f->admin, "fd", "frontdesk", FD_PW);
	f->him = tu_login(f->c, "him", HIM_PW);
	f->fd = tu_login(f->c, "fd", FD_PW);
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	fixture_t *f = *state;
	session_logout(f->fd);
	session_logout(f->him);
	session_logout(f->admin);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

/* ---- the CSV reader --------------------------------------------------- */

typedef struct rec {
	long line;
	int n;
	const char *v[8];
} rec_t;

/* Read all of text; compare with the expected records (NULL-terminated
 * field lists). Malformed records are expected where want[i].n < 0, with
 * want[i].v[0] a part of the message. */
static void expect_records(const char *text, size_t len, const rec_t *want, int nwant)
{
	FILE *fp = fmemopen((void *)(uintptr_t)text, len, "rb");
	csv_t *c;
	char **v;
	int n, i = 0;
	long line;
	msg_t m;
	status_t st;
	assert_non_null(fp);
	c = csv_new(fp);
	assert_non_null(c);
	while ((st = csv_next(c, &v, &n, &line, &m)) != STATUS_NOTFOUND) {
		if (i >= nwant)
			fail_msg("more records than expected (line %ld)", line);
		if (want[i].n < 0) {
			if (st != STATUS_INVALID)
				fail_msg("record %d (line %ld) was read, expected an error", i, line);
			if (!tu_has(m.text, want[i].v[0]))
				fail_msg("record %d: \"%s\" does not say \"%s\"", i, m.text,
					 want[i].v[0]);
			{
				char at[32];
				snprintf(at, sizeof at, "line %ld:", want[i].line);
				if (!tu_has(m.text, at))
					fail_msg("record %d: \"%s\" does not name %s", i, m.text, at);
			}
		} else {
			if (st != STATUS_OK)
				fail_msg("record %d: %s", i, m.text);
			assert_int_equal(line, want[i].line);
			if (n != want[i].n)
				fail_msg("record %d (line %ld): %d fields, expected %d", i, line, n,
					 want[i].n);
			for (int k = 0; k < n; k++)
				if (strcmp(v[k], want[i].v[k]) != 0)
					fail_msg("record %d field %d: '%s', expected '%s'", i, k, v[k],
						 want[i].v[k]);
		}
		i++;
	}
	assert_int_equal(i, nwant);
	csv_free(c);
	fclose(fp);
}

static void test_csv_quotes_commas_newlines(void **state)
{
	static const char text[] = "a,b,c\n"
				   "\"x, y\",\"say \"\"hi\"\"\",plain\n"
				   "\"two\nlines\",,\"\"\n"
				   "\n"
				   "last,\"q\"\n";
	static const rec_t want[] = {
		{1, 3, {"a", "b", "c"}},
		{2, 3, {"x, y", "say \"hi\"", "plain"}},
		{3, 3, {"two\nlines", "", ""}},
		{6, 2, {"last", "q"}},
	};
	(void)state;
	expect_records(text, sizeof text - 1, want, 4);
}

static void test_csv_crlf_bom_and_endings(void **state)
{
	/* BOM, CRLF ends, a CRLF inside quotes, a trailing comma, no final
	 * line end. */
	static const char text[] = "\xEF\xBB\xBFname,note\r\n"
				   "\"Ann\",\"one\r\ntwo\"\r\n"
				   "\r\n"
				   "Bob,\r\n"
				   "Cy,end";
	static const rec_t want[] = {
		{1, 2, {"name", "note"}},
		{2, 2, {"Ann", "one\r\ntwo"}},
		{5, 2, {"Bob", ""}},
		{6, 2, {"Cy", "end"}},
	};
	(void)state;
	expect_records(text, sizeof text - 1, want, 4);
	/* An empty file has no records. */
	expect_records("", 0, NULL, 0);
	expect_records("\xEF\xBB\xBF", 3, NULL, 0);
}

static void test_csv_malformed_records(void **state)
{
	static const char text[] = "ok,1\n"
				   "bad\"quote,2\n"
				   "\"closed\"extra,3\n"
				   "fine,4\n"
				   "\"never closed,5\n"
				   "more\n";
	static const rec_t want[] = {
		{1, 2, {"ok", "1"}},
		{2, -1, {"a quote in the middle of an unquoted field"}},
		{3, -1, {"text after a closing quote"}},
		{4, 2, {"fine", "4"}},
		{5, -1, {"a quoted field is never closed"}},
	};
	(void)state;
	expect_records(text, sizeof text - 1, want, 5);
}

static void test_csv_limits(void **state)
{
	/* More than CSV_MAX_FIELDS fields is an error for that record only. */
	size_t cap = CSV_MAX_FIELDS * 2 + 64, o = 0;
	char *text = malloc(cap);
	static const rec_t want[] = {
		{1, -1, {"more than 128 fields"}},
		{2, 2, {"after", "it"}},
	};
	(void)state;
	assert_non_null(text);
	for (int i = 0; i <= CSV_MAX_FIELDS; i++)
		text[o++] = ',';
	o += (size_t)snprintf(text + o, cap - o, "\nafter,it\n");
	expect_records(text, o, want, 2);
	free(text);
}

/* ---- importing patients ----------------------------------------------- */

typedef struct bads {
	int n;
	long line[16];
	char why[16][200];
} bads_t;

static void on_bad(long line, const char *reason, void *arg)
{
	bads_t *b = arg;
	if (b->n < 16) {
		b->line[b->n] = line;
		snprintf(b->why[b->n], sizeof b->why[0], "%s", reason);
	}
	b->n++;
}

static void write_csv(fixture_t *f, const char *text, char path[PATH_MAX])
{
	char name[32];
	snprintf(name, sizeof name, "import%d.csv", ++f->files);
	tu_path(path, f->dir, name);
	tu_write_text(path, text);
}

static int64_t patients(fixture_t *f)
{
	return tu_sql_int(f->db, "SELECT count(*) FROM patients");
}

/* Open the only patient found by q (as the HIM clerk, who may open
 * confidential charts). */
static void open_one(fixture_t *f, const char *q, patient_t *out)
{
	patient_list_t *l = NULL;
	msg_t m;
	assert_int_equal(patient_search(f->him, q, 10, &l, &m), STATUS_OK);
	if (patient_list_count(l) != 1)
		fail_msg("'%s' found %d patients", q, patient_list_count(l));
	assert_int_equal(patient_open(f->him, patient_list_row(l, 0)->id, NULL, out, &m),
			 STATUS_OK);
	patient_list_free(l);
}

static int found(fixture_t *f, const char *q)
{
	patient_list_t *l = NULL;
	msg_t m;
	int n;
	assert_int_equal(patient_search(f->him, q, 10, &l, &m), STATUS_OK);
	n = patient_list_count(l);
	patient_list_free(l);
	return n;
}

static void test_import_own_format(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	import_report_t rep;
	bads_t b = {0};
	patient_t p;
	msg_t m;
	int64_t before = patients(f), audits = tu_audit_count(f->db, "patient_import", "him");
	/* BOM, quoted fields with commas, doubled quotes and a line break,
	 * UTF-8 names, columns in any order, yes/no confidential. */
	write_csv(f,
		  "\xEF\xBB\xBFlast_name,first_name,dob,sex,address1,address2,city,state,zip,"
		  "phone_home,confidential\n"
		  "Zeppelinova,Ottilie,1971-08-09,F,\"12 Main St, Apt 4\",\"Building B\n"
		  "Floor 2\",Cambridge,MA,02139,(617) 555-0177,no\n"
		  "\"Núñez-Øberg\",Zoë,03/04/1985,f,\"The \"\"Annex\"\"\",,Somerville,ma,"
		  "021441234,,yes\n"
		  "O'Mallory,Séan,1990-12-31,M,,,,,,,\n",
		  path);
	assert_int_equal(import_patients(f->him, path, 0, &rep, on_bad, NULL, &b, &m), STATUS_OK);
	assert_int_equal(b.n, 0);
	assert_int_equal(rep.rows, 3);
	assert_int_equal(rep.bad, 0);
	assert_int_equal(rep.imported, 3);
	assert_int_equal(rep.synthea, 0);
	assert_int_equal(rep.ssn_dropped, 0);
	assert_true(tu_has(m.text, "Imported 3 patients (import "));
	assert_true(rep.import_id > 0);
	assert_int_equal(rep.total, 3);
	assert_int_equal(rep.resumed_from, 0);
	assert_int_equal(patients(f), before + 3);
	assert_int_equal(tu_audit_count(f->db, "patient_import", "him"), audits + 1);

	open_one(f, "zeppelinova", &p);
	assert_string_equal(p.f[PF_FIRST], "Ottilie");
	assert_string_equal(p.f[PF_ADDR1], "12 Main St, Apt 4");
	assert_string_equal(p.f[PF_ADDR2], "Building B, Floor 2"); /* fields are one line */
	assert_string_equal(p.f[PF_PHONE_HOME], "617-555-0177");
	assert_string_equal(p.f[PF_ZIP], "02139");
	assert_int_equal(p.confidential, 0);
	assert_true(patient_mrn_valid(f->cfg, p.f[PF_MRN]));
	assert_string_equal(p.created_by, "him");

	open_one(f, "nunez, zoe", &p);
	assert_string_equal(p.f[PF_LAST], "Núñez-Øberg");
	assert_string_equal(p.f[PF_FIRST], "Zoë");
	assert_string_equal(p.f[PF_DOB], "1985-03-04");
	assert_string_equal(p.f[PF_SEX], "F");
	assert_string_equal(p.f[PF_ADDR1], "The \"Annex\"");
	assert_string_equal(p.f[PF_STATE], "MA");
	assert_string_equal(p.f[PF_ZIP], "02144-1234");
	assert_int_equal(p.confidential, 1);
	assert_int_equal(found(f, "oberg"), 1); /* the second part of the name */

	open_one(f, "o'mallory", &p);
	assert_string_equal(p.f[PF_FIRST], "Séan");
	assert_string_equal(p.f[PF_CITY], "");
}

/* Bad rows: a date that does not exist (line 4, after a record spanning
 * lines 2-3), a state code, a short row, a stray quote, a digit in a name,
 * a bad confidential flag; two good rows. */
static const char bad_rows[] =
	"last_name,first_name,dob,sex,address1,state,confidential\n" /* 1 */
	"Goodfellowe,Amos,1950-05-05,M,\"1 Long\n"                    /* 2 */
	"Road\",MA,no\n"                                             /* 3 */
	"Badcasea,Date,02/30/1990,F,,MA,no\n"                         /* 4 */
	"Goodwinter,Bea,1960-06-06,F,,NH,\n"                          /* 5 */
	"Badcaseb,State,1960-06-06,F,,ZZ,no\n"                        /* 6 */
	"Badcasec,Fields,1960-06-06\n"                                /* 7 */
	"Badcased,Quote,1960-06-06,F,12 \"Main\",MA,no\n"             /* 8 */
	"Badcasee,Digit3,1960-06-06,F,,MA,no\n"                       /* 9 */
	"\n"                                                         /* 10 */
	"Badcasef,Flag,1960-06-06,F,,MA,maybe\n";                     /* 11 */

static void expect_bad_rows(const bads_t *b)
{
	static const struct {
		long line;
		const char *why;
	} want[] = {
		{4, "Date of birth: 02/30/1990 is not a real date."},
		{6, "State 'ZZ' is not a US state or territory"},
		{7, "has 3 fields; the header has 7"},
		{8, "a quote in the middle of an unquoted field"},
		{9, "First name may contain only letters"},
		{11, "confidential must be yes or no, not 'maybe'"},
	};
	assert_int_equal(b->n, 6);
	for (int i = 0; i < 6; i++) {
		if (b->line[i] != want[i].line)
			fail_msg("bad row %d reported at line %ld, expected %ld (%s)", i, b->line[i],
				 want[i].line, b->why[i]);
		if (!tu_has(b->why[i], want[i].why))
			fail_msg("line %ld: \"%s\" does not say \"%s\"", b->line[i], b->why[i],
				 want[i].why);
		/* The reason is the reason, without a second "line N:". */
		assert_false(tu_has(b->why[i], "line "));
	}
}

static void test_import_bad_rows_import_nothing(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX], mrn_before[32], mrn_after[32];
	import_report_t rep;
	bads_t b = {0};
	msg_t m;
	int64_t before = patients(f), audits = tu_audit_count(f->db, "patient_import", NULL);
	tu_sql_text(f->db, "SELECT value FROM meta WHERE key = 'mrn_next'", mrn_before,
		    sizeof mrn_before);
	write_csv(f, bad_rows, path);
	assert_int_equal(import_patients(f->him, path, 0, &rep, on_bad, NULL, &b, &m), STATUS_INVALID);
	expect_bad_rows(&b);
	assert_int_equal(rep.rows, 8);
	assert_int_equal(rep.bad, 6);
	assert_int_equal(rep.imported, 0);
	assert_true(tu_has(m.text, "6 of 8 rows are bad; nothing was imported"));
	assert_true(tu_has(m.text, "import the 2 good rows"));
	/* Nothing at all: no patients, no tokens, no MRNs used, no audit. */
	assert_int_equal(patients(f), before);
	assert_int_equal(found(f, "goodfellowe"), 0);
	assert_int_equal(found(f, "goodwinter"), 0);
	assert_int_equal(tu_audit_count(f->db, "patient_import", NULL), audits);
	tu_sql_text(f->db, "SELECT value FROM meta WHERE key = 'mrn_next'", mrn_after,
		    sizeof mrn_after);
	assert_string_equal(mrn_after, mrn_before);
}

static void test_import_skip_bad(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	import_report_t rep;
	bads_t b = {0};
	patient_t p;
	msg_t m;
	int64_t before = patients(f), audits = tu_audit_count(f->db, "patient_import", "him");
	write_csv(f, bad_rows, path);
	assert_int_equal(import_patients(f->him, path, 1, &rep, on_bad, NULL, &b, &m), STATUS_OK);
	expect_bad_rows(&b);
	assert_int_equal(rep.rows, 8);
	assert_int_equal(rep.bad, 6);
	assert_int_equal(rep.imported, 2);
	assert_true(tu_has(m.text, "Imported 2 patients (import "));
	assert_true(tu_has(m.text, "; bad rows skipped)"));
	assert_int_equal(patients(f), before + 2);
	assert_int_equal(tu_audit_count(f->db, "patient_import", "him"), audits + 1);
	open_one(f, "goodfellowe", &p);
	assert_string_equal(p.f[PF_ADDR1], "1 Long, Road");
	assert_string_equal(p.f[PF_STATE], "MA");
	open_one(f, "goodwinter", &p);
	assert_string_equal(p.f[PF_STATE], "NH");
	assert_int_equal(found(f, "badcase"), 0);
	assert_int_equal(found(f, "badcasea"), 0);
}

static void test_import_crlf(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	import_report_t rep;
	bads_t b = {0};
	patient_t p;
	msg_t m;
	int64_t before = patients(f);
	write_csv(f,
		  "last_name,first_name,dob,sex,address1\r\n"      /* 1 */
		  "Crlfington,Ada,1945-02-02,F,\"7 Bay St\r\n"      /* 2 */
		  "Unit 9\"\r\n"                                   /* 3 */
		  "Crlfbad,Bo,1945-02-31,M,\r\n"                    /* 4 */
		  "Crlfson,Cal,1946-03-03,M,\"3 Hill, Rear\"\r\n", /* 5 */
		  path);
	assert_int_equal(import_patients(f->him, path, 0, &rep, on_bad, NULL, &b, &m), STATUS_INVALID);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.line[0], 4);
	assert_true(tu_has(b.why[0], "1945-02-31 is not a real date"));
	assert_int_equal(patients(f), before);
	memset(&b, 0, sizeof b);
	assert_int_equal(import_patients(f->him, path, 1, &rep, on_bad, NULL, &b, &m), STATUS_OK);
	assert_int_equal(rep.imported, 2);
	assert_int_equal(patients(f), before + 2);
	open_one(f, "crlfington", &p);
	assert_string_equal(p.f[PF_ADDR1], "7 Bay St, Unit 9"); /* no stray \r */
	open_one(f, "crlfson", &p);
	assert_string_equal(p.f[PF_ADDR1], "3 Hill, Rear");
}

static void test_import_header_errors(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	import_report_t rep;
	bads_t b = {0};
	msg_t m;
	int64_t before = patients(f);
	static const struct {
		const char *text, *why;
	} cases[] = {
		{"last_name,first_name,dob,sex,nickname\nHdr,Ann,1950-01-01,F,Annie\n",
		 "line 1: unknown column 'nickname'"},
		{"mrn,last_name,first_name,dob,sex\nCR00000018,Hdr,Ann,1950-01-01,F\n",
		 "line 1: column 'mrn': Chartroom assigns medical record numbers"},
		{"last_name,first_name,sex\nHdr,Ann,F\n", "line 1: required column 'dob' is missing"},
		{"last_name,first_name,dob,sex,dob\nHdr,Ann,1950-01-01,F,1950-01-01\n",
		 "line 1: column 'dob' appears twice"},
		{"Last_Name,first_name,dob,sex\nHdr,Ann,1950-01-01,F\n",
		 "line 1: unknown column 'Last_Name'"},
		{"", "is empty"},
		{"last_name,first_name,dob,sex\n", "No rows to import"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_csv(f, cases[i].text, path);
		assert_int_equal(import_patients(f->him, path, 1, &rep, on_bad, NULL, &b, &m),
				 STATUS_INVALID);
		if (!tu_has(m.text, cases[i].why))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, m.text, cases[i].why);
		assert_int_equal(rep.imported, 0);
	}
	assert_int_equal(b.n, 0);
	assert_int_equal(patients(f), before);
	/* A missing file. */
	tu_path(path, f->dir, "no-such-file.csv");
	assert_int_equal(import_patients(f->him, path, 0, &rep, on_bad, NULL, &b, &m), STATUS_NOTFOUND);
	assert_true(tu_has(m.text, "Cannot open"));
}

static void test_import_synthea(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	import_report_t rep;
	bads_t b = {0};
	patient_t p;
	msg_t m;
	int64_t before = patients(f);
	write_csv(f,
		  "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,MIDDLE,LAST,SUFFIX,"
		  "MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,FIPS,"
		  "ZIP,LAT,LON,HEALTHCARE_EXPENSES,HEALTHCARE_COVERAGE,INCOME\n"
		  "b9c610cd-28a6-4636-ccb6-c7a0d2a4cb85,1968-03-14,,999-65-3251,S99933733,"
		  "X58133458X,Mr.,Abe604,Kurt412,Oberbrunnerx298,,,M,white,nonhispanic,M,"
		  "Boston Massachusetts US,1022 Kuhn Gateway Unit 3,Boston,Massachusetts,"
		  "Suffolk County,25025,02108,42.35,-71.05,1000.5,200.1,50000\n"
		  "c2d4e6f8-0000-4000-8000-123456789abc,1931-11-02,2019-01-05,123-45-6789,,,Ms.,"
		  "Cristi595,,Gusikowskiy974,,Smith12,S,black,nonhispanic,F,"
		  "Springfield Massachusetts US,55 Elm Rd,Springfield,Rhode Island,Hampden County,,"
		  "01103,42.1,-72.5,10,20,30000\n"
		  "d3e5f7a9-1111-4111-8111-abcdefabcdef,2001-07-07,,999-11-2222,,,,"
		  "Zed17,,Quaxton88,,,,,,M,,9 Side St,Nowhere,New York,,,,,,,,\n",
		  path);
	assert_int_equal(import_patients(f->him, path, 0, &rep, on_bad, NULL, &b, &m), STATUS_OK);
	assert_int_equal(b.n, 0);
	assert_int_equal(rep.synthea, 1);
	assert_int_equal(rep.rows, 3);
	assert_int_equal(rep.imported, 3);
	assert_int_equal(rep.ssn_dropped, 2);
	assert_true(tu_has(m.text, "Synthea test SSNs left blank"));
	assert_int_equal(patients(f), before + 3);

	/* Digits stripped from names, state names to codes, test SSN blank. */
	open_one(f, "oberbrunnerx, abe", &p);
	assert_string_equal(p.f[PF_LAST], "Oberbrunnerx");
	assert_string_equal(p.f[PF_FIRST], "Abe");
	assert_string_equal(p.f[PF_MIDDLE], "Kurt");
	assert_string_equal(p.f[PF_DOB], "1968-03-14");
	assert_string_equal(p.f[PF_SEX], "M");
	assert_string_equal(p.f[PF_ADDR1], "1022 Kuhn Gateway Unit 3");
	assert_string_equal(p.f[PF_CITY], "Boston");
	assert_string_equal(p.f[PF_STATE], "MA");
	assert_string_equal(p.f[PF_ZIP], "02108");
	assert_string_equal(p.f[PF_SSN], "");
	assert_string_equal(p.f[PF_DEATH], "");

	open_one(f, "gusikowskiy", &p);
	assert_string_equal(p.f[PF_FIRST], "Cristi");
	assert_string_equal(p.f[PF_STATE], "RI");
	assert_string_equal(p.f[PF_SSN], "123-45-6789"); /* a possible one is kept */
	assert_string_equal(p.f[PF_DEATH], "2019-01-05");
	assert_string_equal(p.f[PF_ZIP], "01103");

	open_one(f, "quaxton", &p);
	assert_string_equal(p.f[PF_FIRST], "Zed");
	assert_string_equal(p.f[PF_STATE], "NY");
	assert_string_equal(p.f[PF_SSN], "");
}

/* A value the registration form accepts is accepted from a file too: a
 * first name of 42 CJK characters (126 bytes, under the 60-character and
 * 127-byte limits). One byte more than a field holds is refused as too
 * long, never cut. */
static void test_import_long_utf8_values(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX], first[200] = "", longer[200], text[600], out[PATIENT_FIELD_MAX];
	import_report_t rep;
	bads_t b = {0};
	patient_t p;
	msg_t m;
	int64_t before = patients(f);
	for (int i = 0; i < 42; i++)
		strcat(first, "\xe6\xbc\xa2"); /* U+6F22 */
	assert_int_equal(strlen(first), 126);
	assert_int_equal(patient_normalize_field(f->cfg, PF_FIRST, first, out, &m), STATUS_OK);
	assert_string_equal(out, first);
	snprintf(text, sizeof text, "last_name,first_name,dob,sex\nLongnameton,%s,1950-01-01,F\n",
		 first);
	write_csv(f, text, path);
	import_patients(f->him, path, 0, &rep, on_bad, NULL, &b, &m);
	if (b.n)
		fail_msg("line %ld refused: %s", b.line[0], b.why[0]);
	assert_int_equal(rep.imported, 1);
	assert_int_equal(patients(f), before + 1);
	open_one(f, "longnameton", &p);
	assert_string_equal(p.f[PF_FIRST], first);

	/* Two lines that become one too long for the field: refused as too
	 * long, with nothing cut and saved. */
	memset(longer, 'a', 62);
	longer[62] = '\0';
	snprintf(text, sizeof text,
		 "last_name,first_name,dob,sex,address1\nLongaddr,Al,1950-01-01,M,\"%s\n%s\"\n",
		 longer, longer);
	write_csv(f, text, path);
	memset(&b, 0, sizeof b);
	assert_int_equal(import_patients(f->him, path, 0, &rep, on_bad, NULL, &b, &m), STATUS_INVALID);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.line[0], 2);
	assert_true(tu_has(b.why[0], "Address"));
	assert_true(tu_has(b.why[0], "too long"));
	assert_int_equal(patients(f), before + 1);
}

/* What on_dup heard. */
typedef struct dups {
	int n;
	struct {
		long line, other_line;
		char mrn[24];
		int imported, score;
	} d[16];
} dups_t;

static void on_dup(const import_dup_t *d, void *arg)
{
	dups_t *x = arg;
	if (x->n >= 16)
		fail_msg("too many duplicates reported");
	x->d[x->n].line = d->line;
	x->d[x->n].other_line = d->other_line;
	snprintf(x->d[x->n].mrn, sizeof x->d[x->n].mrn, "%s", d->match ? d->match->mrn : "");
	x->d[x->n].imported = d->imported;
	x->d[x->n].score = d->score;
	assert_true(d->why && d->why[0]);
	x->n++;
}

static status_t import_dups(fixture_t *f, const char *path, int anyway, dups_t *x,
			    import_report_t *rep, msg_t *m)
{
	import_opts_t o;
	memset(&o, 0, sizeof o);
	memset(x, 0, sizeof *x);
	o.register_anyway = anyway;
	o.on_dup = on_dup;
	o.arg = x;
	return import_patients_with(f->him, path, &o, rep, m);
}

/* Import runs the duplicate check: a row like a registered patient (same
 * name, date of birth and SSN) is reported with that patient's MRN, a row
 * like an earlier row of the file with that line, and neither is
 * imported; a household member (same last name, phone and ZIP, another
 * person) is. The same rows again in another file import nothing and say
 * so; --register-anyway imports them, each audited with the candidate. */
static void test_import_duplicate_check(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX], again[PATH_MAX], detail[512];
	import_report_t rep;
	dups_t x;
	patient_t p;
	msg_t m;
	int64_t before, held_audits, anyway_audits;
	static const char rows[] =
		"last_name,first_name,dob,sex,ssn,phone_home,zip\n"
		"Dupwhistle,Alma,1970-01-01,F,123-45-6789,617-555-0101,02139\n" /* 2: registered */
		"Ferncastle,Bea,1982-02-02,F,,,\n"                               /* 3 */
		"Ferncastle,Bea,02/02/1982,F,,,\n"                               /* 4: like 3 */
		"Dupwhistle,Zed,2001-05-06,M,,617-555-0101,02139\n"              /* 5: household */
		"Quillfeather,Cy,1990-09-09,M,,,\n";                             /* 6 */

	tu_patient(&p, "Dupwhistle", "Alma", "1970-01-01", "F");
	snprintf(p.f[PF_SSN], sizeof p.f[PF_SSN], "%s", "123-45-6789");
	tu_register(f->fd, &p, 0);
	before = patients(f);
	held_audits = tu_audit_count(f->db, "patient_import_duplicates", "him");
	write_csv(f, rows, path);
	assert_int_equal(import_dups(f, path, 0, &x, &rep, &m), STATUS_OK);
	assert_int_equal(rep.rows, 5);
	assert_int_equal(rep.dups, 2);
	assert_int_equal(rep.held, 2);
	assert_int_equal(rep.imported, 3);
	assert_int_equal(patients(f), before + 3);
	assert_true(tu_has(m.text, "Imported 3 patients"));
	assert_true(tu_has(m.text, "2 likely duplicates not imported"));
	assert_int_equal(x.n, 2);
	assert_int_equal(x.d[0].line, 2);
	assert_string_equal(x.d[0].mrn, p.f[PF_MRN]);
	assert_true(x.d[0].score >= f->cfg->match_threshold);
	assert_int_equal(x.d[0].imported, 0);
	assert_int_equal(x.d[1].line, 4);
	assert_string_equal(x.d[1].mrn, "");
	assert_int_equal(x.d[1].other_line, 3);
	assert_int_equal(found(f, "ferncastle"), 1);
	assert_int_equal(found(f, "dupwhistle"), 2); /* Alma (registered) and Zed */
	assert_int_equal(tu_audit_count(f->db, "patient_import_duplicates", "him"), held_audits + 1);

	/* The same file again: finished before, nothing checked or imported. */
	assert_int_equal(import_dups(f, path, 0, &x, &rep, &m), STATUS_OK);
	assert_int_equal(rep.already, 1);
	assert_int_equal(rep.imported, 0);
	assert_int_equal(x.n, 0);
	assert_true(tu_has(m.text, "nothing was imported again"));

	/* The same rows in another file (line ends changed): each is like a
	 * registered patient now; nothing is imported, and it says so. */
	{
		char crlf[sizeof rows * 2];
		size_t o = 0;
		for (const char *c = rows; *c; c++) {
			if (*c == '\n')
				crlf[o++] = '\r';
			crlf[o++] = *c;
		}
		crlf[o] = '\0';
		write_csv(f, crlf, again);
	}
	assert_int_equal(import_dups(f, again, 0, &x, &rep, &m), STATUS_OK);
	assert_int_equal(rep.imported, 0);
	assert_int_equal(rep.import_id, 0);
	assert_int_equal(rep.held, 5);
	assert_int_equal(x.n, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(x.d[i].line, 2 + i);
		assert_true(x.d[i].mrn[0] != '\0'); /* each a registered patient now */
	}
	assert_true(tu_has(m.text, "Nothing was imported"));
	assert_int_equal(patients(f), before + 3);
	assert_int_equal(tu_audit_count(f->db, "patient_import_duplicates", "him"), held_audits + 2);

	/* --register-anyway: all five, each audited with the candidate. */
	anyway_audits = tu_audit_count(f->db, "patient_register_anyway", "him");
	assert_int_equal(import_dups(f, again, 1, &x, &rep, &m), STATUS_OK);
	assert_int_equal(rep.imported, 5);
	assert_int_equal(rep.dups, 5);
	assert_int_equal(rep.held, 0);
	assert_int_equal(x.n, 5);
	assert_int_equal(x.d[0].imported, 1);
	assert_true(tu_has(m.text, "5 likely duplicates imported anyway"));
	assert_int_equal(patients(f), before + 8);
	assert_int_equal(tu_audit_count(f->db, "patient_register_anyway", "him"), anyway_audits + 5);
	assert_int_equal(tu_audit_find(f->admin, "patient_register_anyway", NULL, "him", detail,
				       sizeof detail),
			 (int)(anyway_audits + 5));
	/* The newest: line 6 (Quillfeather), like the one imported first. */
	assert_true(tu_has(detail, "line 6: registered despite likely duplicate(s): "));
	assert_int_equal(strlen(strrchr(detail, ' ') + 1), 32); /* a patient's id */
}

/* Rows of one file alike among themselves only: the first is imported,
 * the others are reported with its line. */
static void test_import_duplicates_within_file(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	import_report_t rep;
	dups_t x;
	msg_t m;
	int64_t before = patients(f);
	write_csv(f,
		  "last_name,first_name,dob,sex\n"
		  "Tintagelle,Rosa,1966-06-16,F\n"
		  "Tintagelle,Rosa,1966-06-16,F\n"
		  "Tintagell,Rosa,1966-06-16,F\n" /* a typo */
		  "Tintagelle,Rosa,1966-06-16,M\n" /* only the sex differs */
		  "Tintagelle,Mateo,1999-03-03,M\n",
		  path);
	assert_int_equal(import_dups(f, path, 0, &x, &rep, &m), STATUS_OK);
	assert_int_equal(rep.imported, 2);
	assert_int_equal(x.n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(x.d[i].line, 3 + i);
		assert_int_equal(x.d[i].other_line, 2);
		assert_string_equal(x.d[i].mrn, "");
	}
	assert_int_equal(patients(f), before + 2);
	assert_int_equal(found(f, "tintagelle, mateo"), 1);
}

/* Two different people with the same full name and sex but other dates
 * of birth are both imported, in one file and against a registered
 * namesake; a true duplicate (same name and date of birth, or two of its
 * three parts, or the SSN's last four) is held back. */
static void test_import_namesakes_not_held(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX], path2[PATH_MAX];
	import_report_t rep;
	dups_t x;
	patient_t p;
	msg_t m;
	int64_t before;
	tu_patient(&p, "Namesmith", "John", "1950-03-04", "M");
	tu_register(f->fd, &p, 0);
	before = patients(f);
	write_csv(f,
		  "last_name,first_name,dob,sex,ssn\n"
		  "Namesmith,John,1961-07-08,M,\n"  /* 2: another John: imported */
		  "Namesmith,John,1972-11-12,M,\n"  /* 3: a third: imported */
		  "Namesmith,John,1950-03-04,M,\n"  /* 4: the registered one: held */
		  "Namesmith,John,1961-07-09,M,\n"  /* 5: line 2 with a typo in the day: held */
		  "Namesmith,John,1983-01-02,M,111-22-3333\n" /* 6: imported */
		  "Namesmith,John,1990-05-05,M,234-56-3333\n", /* 7: SSN4 of line 6: held */
		  path);
	if (import_dups(f, path, 0, &x, &rep, &m) != STATUS_OK)
		fail_msg("%s", m.text);
	assert_int_equal(rep.rows, 6);
	assert_int_equal(rep.imported, 3);
	assert_int_equal(rep.held, 3);
	assert_int_equal(x.n, 3);
	assert_int_equal(x.d[0].line, 4);
	assert_string_equal(x.d[0].mrn, p.f[PF_MRN]);
	assert_int_equal(x.d[1].line, 5);
	assert_int_equal(x.d[1].other_line, 2);
	assert_int_equal(x.d[2].line, 7);
	assert_int_equal(x.d[2].other_line, 6);
	assert_int_equal(patients(f), before + 3);
	assert_int_equal(found(f, "namesmith, john"), 4);

	/* Another file of the same name, new dates: all imported. */
	write_csv(f,
		  "last_name,first_name,dob,sex\n"
		  "Namesmith,John,2001-02-03,M\n"
		  "Namesmith,John,2005-06-07,M\n",
		  path2);
	assert_int_equal(import_dups(f, path2, 0, &x, &rep, &m), STATUS_OK);
	assert_int_equal(rep.imported, 2);
	assert_int_equal(rep.held, 0);
	assert_int_equal(x.n, 0);
	assert_int_equal(found(f, "namesmith, john"), 6);
}

static void test_import_needs_permission(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX];
	import_report_t rep;
	msg_t m;
	int64_t denied = tu_audit_count(f->db, "denied", "fd");
	write_csv(f, "last_name,first_name,dob,sex\nDeniedson,Al,1950-01-01,M\n", path);
	assert_int_equal(import_patients(f->fd, path, 0, &rep, NULL, NULL, NULL, &m), STATUS_DENIED);
	assert_int_equal(tu_audit_count(f->db, "denied", "fd"), denied + 1);
	assert_int_equal(found(f, "deniedson"), 0);
	/* No callback is fine too. */
	assert_int_equal(import_patients(f->him, path, 0, &rep, NULL, NULL, NULL, &m), STATUS_OK);
	assert_int_equal(found(f, "deniedson"), 1);
}

/* ---- synthetic patients and the bulk writer ---------------------------- */

static void test_synth_deterministic_and_valid(void **state)
{
	fixture_t *f = *state;
	patient_t *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	pfield_t bad;
	msg_t m;
	int same_other_seed = 0, confidential = 0, hyphen = 0, dead = 0;
	assert_non_null(a);
	assert_non_null(b);
	for (int64_t i = 0; i < 20000; i++) {
		synth_patient(20240601, i, a);
		synth_patient(20240601, i, b);
		assert_memory_equal(a->f, b->f, sizeof a->f);
		assert_int_equal(a->confidential, b->confidential);
		assert_string_equal(a->f[PF_MRN], "");
		if (patient_validate(f->cfg, a, &bad, &m) != STATUS_OK)
			fail_msg("synthetic patient %lld is invalid: %s", (long long)i, m.text);
		/* Validation changed nothing: they were generated normalised. */
		assert_memory_equal(a->f, b->f, sizeof a->f);
		confidential += a->confidential;
		hyphen += strchr(a->f[PF_LAST], '-') != NULL;
		dead += *a->f[PF_DEATH] != '\0';
		synth_patient(20240602, i, b);
		same_other_seed += strcmp(a->f[PF_LAST], b->f[PF_LAST]) == 0 &&
				   strcmp(a->f[PF_FIRST], b->f[PF_FIRST]) == 0 &&
				   strcmp(a->f[PF_DOB], b->f[PF_DOB]) == 0;
	}
	/* Another seed, other people; the variety the generator promises. */
	assert_true(same_other_seed < 10);
	assert_true(confidential > 50 && confidential < 400);
	assert_true(hyphen > 100);
	assert_true(dead > 10);
	free(a);
	free(b);
}

static void test_synth_patients_bulk(void **state)
{
	fixture_t *f = *state;
	const uint64_t seed = 777;
	const int64_t n = 3000;
	int64_t made = 0, before = patients(f), conf_before, conf_want = 0;
	int64_t audits = tu_audit_count(f->db, "patient_import", "him");
	char mrn_before[32], mrn_after[32], q[300];
	patient_t *want = malloc(sizeof *want), *got = malloc(sizeof *got);
	patient_list_t *l = NULL;
	msg_t m;
	assert_non_null(want);
	assert_non_null(got);

	conf_before = tu_sql_int(f->db, "SELECT count(*) FROM patients WHERE confidential = 1");
	tu_sql_text(f->db, "SELECT value FROM meta WHERE key = 'mrn_next'", mrn_before,
		    sizeof mrn_before);
	assert_int_equal(synth_patients(f->fd, 10, seed, &made, &m), STATUS_DENIED);
	assert_int_equal(made, 0);

	assert_int_equal(synth_patients(f->him, n, seed, &made, &m), STATUS_OK);
	assert_int_equal(made, n);
	assert_int_equal(patients(f), before + n);
	assert_int_equal(tu_audit_count(f->db, "patient_import", "him"), audits + 1);
	for (int64_t i = 0; i < n; i++) {
		synth_patient(seed, i, want);
		conf_want += want->confidential;
	}
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients WHERE confidential = 1"),
			 conf_before + conf_want);
	/* Exactly n MRNs taken from the sequence (one each, none twice). */
	tu_sql_text(f->db, "SELECT value FROM meta WHERE key = 'mrn_next'", mrn_after,
		    sizeof mrn_after);
	assert_int_equal(strtoll(mrn_after, NULL, 10) - strtoll(mrn_before, NULL, 10), n);

	/* Some of them, found by name and by date of birth, hold exactly what
	 * was generated. */
	static const int64_t picks[] = {0, 1, 1234, 2999};
	for (size_t k = 0; k < sizeof picks / sizeof picks[0]; k++) {
		int hit = -1;
		synth_patient(seed, picks[k], want);
		snprintf(q, sizeof q, "%s, %s", want->f[PF_LAST], want->f[PF_FIRST]);
		assert_int_equal(patient_search(f->him, q, 200, &l, &m), STATUS_OK);
		for (int i = 0; i < patient_list_count(l); i++)
			if (strcmp(patient_list_row(l, i)->dob, want->f[PF_DOB]) == 0 &&
			    strcmp(patient_list_row(l, i)->middle, want->f[PF_MIDDLE]) == 0)
				hit = i;
		if (hit < 0)
			fail_msg("synthetic patient %lld (%s) not found", (long long)picks[k], q);
		assert_int_equal(patient_open(f->him, patient_list_row(l, hit)->id, NULL, got, &m),
				 STATUS_OK);
		patient_list_free(l);
		assert_true(patient_mrn_valid(f->cfg, got->f[PF_MRN]));
		for (int fld = 0; fld < PF_COUNT; fld++)
			if (fld != PF_MRN)
				assert_string_equal(got->f[fld], want->f[fld]);
		assert_int_equal(got->confidential, want->confidential);
		assert_string_equal(got->created_by, "him");
		/* And by date of birth, among others born that day. */
		assert_int_equal(patient_search(f->him, want->f[PF_DOB], 200, &l, &m), STATUS_OK);
		hit = 0;
		for (int i = 0; i < patient_list_count(l); i++)
			hit |= strcmp(patient_list_row(l, i)->id, got->id) == 0;
		assert_true(hit);
		patient_list_free(l);
	}
	free(want);
	free(got);
}

/* The bulk writer's feed: patients encrypted on worker threads (and by the
 * writer when it would otherwise wait) are written in the producer's
 * order, MRN by MRN, whatever the count (none, one, a batch's worth and
 * one over, several batches); a producer that fails stops the feed with
 * its message and leaves nothing behind. */
typedef struct feedsrc {
	int64_t next, stop_at, fail_at;
} feedsrc_t;

static void feed_first_name(int64_t i, char *out)
{
	/* Letters only: names take no digits. */
	out[0] = 'F';
	for (int k = 1; k < 5; k++) {
		out[k] = (char)('a' + i % 26);
		i /= 26;
	}
	out[5] = '\0';
}

static int feed_produce(void *arg, patient_t *p, msg_t *m)
{
	feedsrc_t *fs = arg;
	char first[8];
	if (fs->next == fs->fail_at)
		return msg_fail(m, STATUS_INVALID, "row %lld is bad", (long long)fs->next), -1;
	if (fs->next == fs->stop_at)
		return 0;
	feed_first_name(fs->next, first);
	tu_patient(p, "Feedwell", first, "1970-01-01", "F");
	fs->next++;
	return 1;
}

static void test_bulk_feed_order_and_failures(void **state)
{
	fixture_t *f = *state;
	static const int64_t counts[] = {0, 1, 64, 65, 200, 1000};
	int64_t done = 0;
	msg_t m;
	for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
		feedsrc_t fs = {done, done + counts[c], -1};
		pbulk_t *b = NULL;
		int64_t added = -1, saved = -1, before = patients(f), max_before;
		int64_t prev_mrn = 0;
		max_before = tu_sql_int(f->db, "SELECT coalesce(max(prow), 0) FROM patients");
		assert_int_equal(pbulk_begin(f->him, "feed test", &b, &m), STATUS_OK);
		/* max is more than the producer has: it ends first. */
		assert_int_equal(pbulk_feed(b, feed_produce, &fs, counts[c] + 10, &added, &m),
				 STATUS_OK);
		assert_int_equal(added, counts[c]);
		assert_int_equal(pbulk_commit(b, &saved, &m), STATUS_OK);
		assert_int_equal(saved, counts[c]);
		assert_int_equal(patients(f), before + counts[c]);
		/* Row order is the producer's order, and MRNs rise with it. */
		for (int64_t i = 0; i < counts[c]; i++) {
			db_patient_row_t *row = malloc(sizeof *row);
			patient_t *p = malloc(sizeof *p);
			char want[8];
			assert_non_null(row);
			assert_non_null(p);
			assert_int_equal(db_patient_get(f->him->c->db, max_before + 1 + i, row, &m),
					 STATUS_OK);
			assert_int_equal(precord_open(f->him->kr, row, p, 0, 0, &m), STATUS_OK);
			feed_first_name(done + i, want);
			assert_string_equal(p->f[PF_FIRST], want);
			assert_true(patient_mrn_valid(f->cfg, p->f[PF_MRN]));
			assert_true(strcmp(p->f[PF_MRN], "") != 0);
			if (i)
				assert_true(strtoll(p->f[PF_MRN] + strlen(f->cfg->mrn_prefix), NULL, 10) >
					    prev_mrn);
			prev_mrn = strtoll(p->f[PF_MRN] + strlen(f->cfg->mrn_prefix), NULL, 10);
			free(row);
			free(p);
		}
		/* And each is found through its tokens. */
		if (counts[c]) {
			char q[64], first[8];
			patient_list_t *l = NULL;
			feed_first_name(done + counts[c] - 1, first);
			snprintf(q, sizeof q, "feedwell, %s", first);
			assert_int_equal(patient_search(f->him, q, 10, &l, &m), STATUS_OK);
			assert_int_equal(patient_list_count(l), 1);
			assert_string_equal(patient_list_row(l, 0)->first, first);
			patient_list_free(l);
		}
		done += counts[c];
	}
	/* A producer failing part-way through the third batch. */
	{
		feedsrc_t fs = {done, -1, done + 150};
		pbulk_t *b = NULL;
		int64_t added = 0, before = patients(f);
		assert_int_equal(pbulk_begin(f->him, "feed test", &b, &m), STATUS_OK);
		assert_int_not_equal(pbulk_feed(b, feed_produce, &fs, 1000, &added, &m), STATUS_OK);
		assert_true(tu_has(m.text, "is bad"));
		pbulk_abort(b);
		assert_int_equal(patients(f), before);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quotes_commas_newlines),
		cmocka_unit_test(test_csv_crlf_bom_and_endings),
		cmocka_unit_test(test_csv_malformed_records),
		cmocka_unit_test(test_csv_limits),
		cmocka_unit_test(test_import_own_format),
		cmocka_unit_test(test_import_bad_rows_import_nothing),
		cmocka_unit_test(test_import_skip_bad),
		cmocka_unit_test(test_import_crlf),
		cmocka_unit_test(test_import_header_errors),
		cmocka_unit_test(test_import_synthea),
		cmocka_unit_test(test_import_long_utf8_values),
		cmocka_unit_test(test_import_duplicate_check),
		cmocka_unit_test(test_import_duplicates_within_file),
		cmocka_unit_test(test_import_namesakes_not_held),
		cmocka_unit_test(test_import_needs_permission),
		cmocka_unit_test(test_synth_deterministic_and_valid),
		cmocka_unit_test(test_synth_patients_bulk),
		cmocka_unit_test(test_bulk_feed_order_and_failures),
	};
	return cmocka_run_group_tests_name("import", tests, group_setup, group_teardown);
}
