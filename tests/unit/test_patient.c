/* test_patient.c - core/patient.h: every kind of field with good and bad
 * values and the reason given, the rules across fields, MRN check digits
 * and ages (group "fields", no database); then, on one clinic database,
 * registration with MRNs and audit, the duplicate warning (a typo'd twin is
 * flagged, a household member is not), permissions, edits with optimistic
 * concurrency, and opening charts, including break-the-glass for
 * confidential ones (group "registry").
 *
 * The registry group shares one database and signed-on sessions; each test
 * registers patients of its own with names no other test uses. */
#include "testutil.h"

#include "base/tz.h"

#include "core/pindex.h"

#include <time.h>

#include "core/clinical.h"
#include "core/internal.h"
#include "core/patient_search.h"
#include "core/precord.h"
#include "db/db_patients.h"

/* ======================================================================
 * fields
 * ====================================================================== */

typedef struct cfg_fixture {
	config_t cfg;
} cfg_fixture_t;

static int fields_setup(void **state)
{
	cfg_fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_config(&f->cfg);
	*state = f;
	return 0;
}

static int fields_teardown(void **state)
{
	free(*state);
	return 0;
}

static void expect_ok(const config_t *cfg, pfield_t fld, const char *in, const char *want)
{
	char out[PATIENT_FIELD_MAX];
	msg_t m;
	status_t st;
	msg_clear(&m);
	st = patient_normalize_field(cfg, fld, in, out, &m);
	if (st != STATUS_OK)
		fail_msg("%s '%s' was refused: %s", patient_field_name(fld), in, m.text);
	if (strcmp(out, want) != 0)
		fail_msg("%s '%s' became '%s', expected '%s'", patient_field_name(fld), in, out,
			 want);
}

static void expect_bad(const config_t *cfg, pfield_t fld, const char *in, const char *why)
{
	char out[PATIENT_FIELD_MAX];
	msg_t m;
	status_t st;
	msg_clear(&m);
	memset(out, 'x', sizeof out);
	st = patient_normalize_field(cfg, fld, in, out, &m);
	if (st != STATUS_INVALID)
		fail_msg("%s '%s' was accepted as '%s'", patient_field_name(fld), in,
			 st == STATUS_OK ? out : status_str(st));
	assert_string_equal(out, ""); /* nothing half-normalised left behind */
	if (!tu_has(m.text, why))
		fail_msg("%s '%s': message \"%s\" does not say \"%s\"", patient_field_name(fld), in,
			 m.text, why);
}

/* A date `days` from today (UTC) as ISO and as MM/DD/YYYY. */
static void date_from_today(int days, char iso[11], char us[11])
{
	time_t t = time(NULL) + (time_t)days * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(iso, 11, "%Y-%m-%d", &tm);
	strftime(us, 11, "%m/%d/%Y", &tm);
}

static void test_field_table(void **state)
{
	(void)state;
	for (int i = 0; i < PF_COUNT; i++) {
		pfield_t fld = (pfield_t)i;
		assert_int_equal(patient_field_from_name(patient_field_name(fld)), fld);
		assert_true(patient_field_max(fld) > 0);
		assert_true(patient_field_max(fld) < PATIENT_FIELD_MAX);
		/* Exactly the four the README names are required. */
		assert_int_equal(patient_field_required(fld),
				 fld == PF_LAST || fld == PF_FIRST || fld == PF_DOB || fld == PF_SEX);
	}
	assert_int_equal(patient_field_from_name("dob"), PF_DOB);
	assert_int_equal(patient_field_from_name("last_name"), PF_LAST);
	assert_int_equal(patient_field_from_name("nickname"), PF_COUNT);
	assert_int_equal(patient_field_from_name(""), PF_COUNT);
	assert_int_equal(patient_field_from_name(NULL), PF_COUNT);
	assert_string_equal(patient_field_label(PF_DOB), "Date of birth");
	assert_string_equal(patient_field_name(PF_COUNT), "?");
	assert_int_equal(patient_field_max(PF_LAST), 60);
}

static void test_dates(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	/* Both formats, normalised to ISO. */
	expect_ok(cfg, PF_DOB, "1990-03-15", "1990-03-15");
	expect_ok(cfg, PF_DOB, "03/15/1990", "1990-03-15");
	expect_ok(cfg, PF_DOB, "3/5/1990", "1990-03-05");
	expect_ok(cfg, PF_DOB, "  1990-03-15 ", "1990-03-15");
	expect_ok(cfg, PF_DOB, "2000-02-29", "2000-02-29"); /* divisible by 400: leap */
	expect_ok(cfg, PF_DOB, "02/29/1996", "1996-02-29");
	expect_ok(cfg, PF_DEATH, "12/31/2001", "2001-12-31");
	/* Impossible dates, with the value in the reason. */
	expect_bad(cfg, PF_DOB, "02/30/1990", "Date of birth: 02/30/1990 is not a real date");
	expect_bad(cfg, PF_DOB, "1990-02-30", "1990-02-30 is not a real date");
	expect_bad(cfg, PF_DOB, "1900-02-29", "is not a real date"); /* century: not leap */
	expect_bad(cfg, PF_DOB, "1991-02-29", "is not a real date");
	expect_bad(cfg, PF_DOB, "04/31/1990", "is not a real date");
	expect_bad(cfg, PF_DOB, "13/01/1990", "is not a real date");
	expect_bad(cfg, PF_DOB, "1990-00-10", "is not a real date");
	expect_bad(cfg, PF_DOB, "1990-01-00", "is not a real date");
	/* Wrong shapes. */
	expect_bad(cfg, PF_DOB, "1990/03/15", "is not a date; use YYYY-MM-DD or MM/DD/YYYY");
	expect_bad(cfg, PF_DOB, "03/15/90", "is not a date");
	expect_bad(cfg, PF_DOB, "1990-3-15", "is not a date");
	expect_bad(cfg, PF_DOB, "15.03.1990", "is not a date");
	expect_bad(cfg, PF_DOB, "Mar 5 1990", "is not a date");
	expect_bad(cfg, PF_DOB, "March 15 1990", "Date of birth is too long (at most 10 characters)");
	expect_bad(cfg, PF_DOB, "1990-03-15T00:00", "is too long");
	expect_bad(cfg, PF_DOB, "1990-03-1x", "is not a date");
	/* Required; the date of death is not. */
	expect_bad(cfg, PF_DOB, "", "Date of birth is required.");
	expect_bad(cfg, PF_DOB, "   ", "Date of birth is required.");
	expect_ok(cfg, PF_DEATH, "", "");
}

static void test_dates_future_and_far_past(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	char iso[11], us[11], want[64];
	date_from_today(1, iso, us);
	snprintf(want, sizeof want, "Date of birth %s is in the future", iso);
	expect_bad(cfg, PF_DOB, iso, want);
	snprintf(want, sizeof want, "Date of birth %s is in the future", us);
	expect_bad(cfg, PF_DOB, us, want);
	expect_bad(cfg, PF_DEATH, iso, "Date of death");
	date_from_today(400, iso, us);
	expect_bad(cfg, PF_DOB, iso, "is in the future");
	/* Today and yesterday are fine. */
	date_from_today(0, iso, us);
	expect_ok(cfg, PF_DOB, iso, iso);
	date_from_today(-1, iso, us);
	expect_ok(cfg, PF_DOB, us, iso);
	expect_bad(cfg, PF_DOB, "1879-12-31", "Date of birth 1879-12-31 is before 1880-01-01.");
	expect_ok(cfg, PF_DEATH, "1880-01-01", "1880-01-01");
}

static void test_zip(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	expect_ok(cfg, PF_ZIP, "02139", "02139");
	expect_ok(cfg, PF_ZIP, "02139-4307", "02139-4307");
	expect_ok(cfg, PF_ZIP, "021394307", "02139-4307");
	expect_ok(cfg, PF_ZIP, " 02139 ", "02139");
	expect_ok(cfg, PF_ZIP, "", "");
	expect_bad(cfg, PF_ZIP, "2139", "ZIP '2139' must be 5 digits or ZIP+4 (12345-6789).");
	expect_bad(cfg, PF_ZIP, "021390", "must be 5 digits or ZIP+4");
	expect_bad(cfg, PF_ZIP, "02139-43", "must be 5 digits or ZIP+4");
	expect_bad(cfg, PF_ZIP, "O2139", "must be 5 digits or ZIP+4"); /* letter O */
	expect_bad(cfg, PF_ZIP, "02139-430A", "must be 5 digits or ZIP+4");
	expect_bad(cfg, PF_ZIP, "12345678901", "is too long");
}

static void test_phone(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	expect_ok(cfg, PF_PHONE_HOME, "617-555-0123", "617-555-0123");
	expect_ok(cfg, PF_PHONE_HOME, "(617) 555-0123", "617-555-0123");
	expect_ok(cfg, PF_PHONE_HOME, "617.555.0123", "617-555-0123");
	expect_ok(cfg, PF_PHONE_HOME, "6175550123", "617-555-0123");
	expect_ok(cfg, PF_PHONE_MOBILE, "1-617-555-0123", "617-555-0123");
	expect_ok(cfg, PF_PHONE_MOBILE, "+1 (617) 555 0123", "617-555-0123");
	expect_ok(cfg, PF_EC_PHONE, "212 555 0199", "212-555-0199");
	expect_ok(cfg, PF_PHONE_HOME, "", "");
	/* Area code or exchange starting with 0 or 1. */
	expect_bad(cfg, PF_PHONE_HOME, "017-555-0123",
		   "Home phone 017-555-0123 is not a valid US number (area code and exchange "
		   "cannot start with 0 or 1)");
	expect_bad(cfg, PF_PHONE_HOME, "117-555-0123", "cannot start with 0 or 1");
	expect_bad(cfg, PF_PHONE_MOBILE, "617-155-0123", "Mobile phone 617-155-0123");
	expect_bad(cfg, PF_PHONE_HOME, "617-055-0123", "cannot start with 0 or 1");
	/* Wrong number of digits; a leading 1 only as the country code. */
	expect_bad(cfg, PF_PHONE_HOME, "555-0123",
		   "Home phone must have 10 digits with the area code");
	expect_bad(cfg, PF_PHONE_HOME, "2-617-555-0123", "must have 10 digits");
	expect_bad(cfg, PF_PHONE_HOME, "617-555-01234", "must have 10 digits");
	/* Letters and other punctuation. */
	expect_bad(cfg, PF_PHONE_HOME, "617-555-0123 x12",
		   "may contain only digits, spaces and ( ) - . +");
	expect_bad(cfg, PF_EC_PHONE, "617/555/0123", "may contain only digits");
	expect_bad(cfg, PF_PHONE_HOME, "617-CALL-NOW", "may contain only digits");
}

static void test_email(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	expect_ok(cfg, PF_EMAIL, "pat.doe@example.org", "pat.doe@example.org");
	/* The domain is case-folded, the local part kept as typed. */
	expect_ok(cfg, PF_EMAIL, "Pat.Doe@Example.ORG", "Pat.Doe@example.org");
	expect_ok(cfg, PF_EMAIL, "a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk");
	static const char *const bad[] = {"pat.example.org", "@example.org",  "pat@",
					  "pat@example",     "pat@.org",      "pat@example.o",
					  "pat@@example.org", "pat@a@example.org", "pat doe@example.org",
					  "pat@example..org", NULL};
	for (int i = 0; bad[i]; i++)
		expect_bad(cfg, PF_EMAIL, bad[i], "does not look like name@example.org");
}

static void test_ssn(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	expect_ok(cfg, PF_SSN, "123-45-6789", "123-45-6789");
	expect_ok(cfg, PF_SSN, "123456789", "123-45-6789");
	expect_ok(cfg, PF_SSN, "123 45 6789", "123-45-6789");
	expect_ok(cfg, PF_SSN, "899-01-0001", "899-01-0001");
	expect_ok(cfg, PF_SSN, "665-99-9999", "665-99-9999");
	/* Numbers that cannot exist. */
	static const char *const never[] = {"000-12-3456", "666-12-3456", "900-12-3456",
					    "999-12-3456", "987-65-4321", "123-00-4567",
					    "123-45-0000", NULL};
	for (int i = 0; never[i]; i++)
		expect_bad(cfg, PF_SSN, never[i],
			   "SSN: that number cannot exist (area 000, 666 or 9xx, group 00 or serial "
			   "0000)");
	expect_bad(cfg, PF_SSN, "123-45-678", "SSN must be 9 digits (123-45-6789).");
	expect_bad(cfg, PF_SSN, "12345678901", "SSN must be 9 digits");
	expect_bad(cfg, PF_SSN, "123-45-67890", "SSN is too long (at most 11 characters)");
	expect_bad(cfg, PF_SSN, "123-45-678O", "SSN must be 9 digits");
	expect_bad(cfg, PF_SSN, "123.45.6789", "SSN must be 9 digits");
}

static void test_names(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	char s60[64], s61[64], e60[128], e61[130];
	/* Letters of any script, hyphens, apostrophes; spaces collapsed. */
	expect_ok(cfg, PF_LAST, "Núñez", "Núñez");
	expect_ok(cfg, PF_LAST, "O'Brien", "O'Brien");
	expect_ok(cfg, PF_LAST, "O\xe2\x80\x99" "Brien", "O\xe2\x80\x99" "Brien"); /* U+2019 */
	expect_ok(cfg, PF_LAST, "Smith-Jones", "Smith-Jones");
	expect_ok(cfg, PF_LAST, "  van   der  Berg ", "van der Berg");
	expect_ok(cfg, PF_LAST, "Łukaszewicz", "Łukaszewicz");
	expect_ok(cfg, PF_LAST, "Иванов", "Иванов");
	expect_ok(cfg, PF_FIRST, "Zoë", "Zoë");
	expect_ok(cfg, PF_FIRST, "Jose\xcc\x81", "Jose\xcc\x81"); /* decomposed é */
	expect_bad(cfg, PF_FIRST, "Mary\tAnn", "First name contains a tab (U+0009).");
	expect_ok(cfg, PF_FIRST, "\tMary\t", "Mary"); /* blanks at the ends are trimmed */
	expect_ok(cfg, PF_MIDDLE, "", "");
	expect_ok(cfg, PF_EC_NAME, "Dr. Ana Ruiz, Jr.", "Dr. Ana Ruiz, Jr."); /* a person */
	/* Digits, symbols, control characters, bad UTF-8. */
	expect_bad(cfg, PF_LAST, "Smith3",
		   "Last name may contain only letters, spaces, hyphens and apostrophes.");
	expect_bad(cfg, PF_FIRST, "J0hn", "First name may contain only letters");
	expect_bad(cfg, PF_LAST, "Smith.", "may contain only letters");
	expect_bad(cfg, PF_LAST, "Smith, John", "may contain only letters");
	expect_bad(cfg, PF_LAST, "Sm\x01th", "Last name contains a control character (U+0001).");
	expect_bad(cfg, PF_LAST, "Smith\nX", "Last name contains a line break (U+000A)");
	expect_bad(cfg, PF_LAST, "Smith\x1b[31m", "contains a control character (U+001B)");
	expect_bad(cfg, PF_LAST, "Smith\x7f", "contains a control character (U+007F)");
	expect_bad(cfg, PF_LAST, "Smith\xc2\x85", "contains a control character (U+0085)");
	expect_bad(cfg, PF_LAST, "Sm\xffth", "Last name is not valid UTF-8 text (byte 0xFF).");
	expect_bad(cfg, PF_LAST, "Sm\xc3", "is not valid UTF-8 text (byte 0xC3)");
	expect_bad(cfg, PF_LAST, "Sm\x9bth", "is not valid UTF-8 text (byte 0x9B)"); /* raw C1 */
	expect_bad(cfg, PF_LAST, "Smith\xe2\x80\xae", /* a bidi override */
		   "Last name contains a bidirectional control character (U+202E).");
	expect_bad(cfg, PF_LAST, "-'-", "Last name must contain letters.");
	expect_bad(cfg, PF_LAST, "", "Last name is required.");
	expect_bad(cfg, PF_FIRST, " ", "First name is required.");
	/* 60 characters (not bytes) at most. */
	memset(s60, 'a', 60);
	s60[60] = '\0';
	memset(s61, 'a', 61);
	s61[61] = '\0';
	expect_ok(cfg, PF_LAST, s60, s60);
	expect_bad(cfg, PF_LAST, s61, "Last name is too long (at most 60 characters).");
	e60[0] = e61[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(e60, "é");
	snprintf(e61, sizeof e61, "%sé", e60);
	expect_ok(cfg, PF_LAST, e60, e60);
	expect_bad(cfg, PF_LAST, e61, "is too long (at most 60 characters)");
	/* Suffixes: letters and periods. */
	expect_ok(cfg, PF_SUFFIX, "Jr.", "Jr.");
	expect_ok(cfg, PF_SUFFIX, "III", "III");
	expect_bad(cfg, PF_SUFFIX, "3rd", "may contain only letters and periods");
}

static void test_other_text_fields(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	char a81[96];
	expect_ok(cfg, PF_ADDR1, "12 Main St, Apt #4", "12 Main St, Apt #4");
	expect_ok(cfg, PF_CITY, "Winston-Salem", "Winston-Salem");
	expect_ok(cfg, PF_CITY, "St. Paul", "St. Paul");
	expect_ok(cfg, PF_LANGUAGE, "Haitian Creole", "Haitian Creole");
	expect_ok(cfg, PF_MEMBER_ID, "XJ-12345678", "XJ-12345678");
	expect_bad(cfg, PF_CITY, "Boston 2", "City may contain only letters, spaces, hyphens, "
					    "apostrophes and periods.");
	expect_bad(cfg, PF_MEMBER_ID, "XJ 123/45", "may contain only letters, digits and hyphens");
	expect_bad(cfg, PF_MEMBER_ID, "ÄB123", "may contain only letters, digits and hyphens");
	expect_bad(cfg, PF_ADDR1, "12 Main St\r\nApt 4",
		   "Address contains a control character (U+000D).");
	expect_bad(cfg, PF_ADDR1, "12 Main\x1b]0;pwned\x07", "contains a control character");
	/* Fields with no alphabet of their own (address, payer, relation)
	 * still refuse bidi controls and C1 controls. */
	expect_bad(cfg, PF_ADDR1, "12 Main St \xe2\x81\xa6x\xe2\x81\xa9",
		   "Address contains a bidirectional control character (U+2066).");
	expect_bad(cfg, PF_PAYER, "Acme\xc2\x9b" "31m", "contains a control character (U+009B)");
	expect_bad(cfg, PF_EC_RELATION, "mother\xe2\x80\xab",
		   "contains a bidirectional control character (U+202B)");
	memset(a81, 'x', 81);
	a81[81] = '\0';
	expect_bad(cfg, PF_ADDR1, a81, "Address is too long (at most 80 characters).");
	a81[80] = '\0';
	expect_ok(cfg, PF_ADDR1, a81, a81);
	/* Far past any field's limit: refused before anything is copied. */
	{
		char *huge = malloc(5000);
		assert_non_null(huge);
		memset(huge, 'a', 4999);
		huge[4999] = '\0';
		expect_bad(cfg, PF_LAST, huge, "is too long");
		expect_bad(cfg, PF_ADDR1, huge, "is too long");
		free(huge);
	}
}

static void test_state_and_sex(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	expect_ok(cfg, PF_STATE, "MA", "MA");
	expect_ok(cfg, PF_STATE, "ma", "MA");
	expect_ok(cfg, PF_STATE, "dc", "DC");
	expect_ok(cfg, PF_STATE, "PR", "PR");
	expect_ok(cfg, PF_STATE, "", "");
	/* Names, as the form, the command line and imports take them: one
	 * table for all three. */
	expect_ok(cfg, PF_STATE, "Massachusetts", "MA");
	expect_ok(cfg, PF_STATE, "  new   york ", "NY");
	expect_ok(cfg, PF_STATE, "NORTH CAROLINA", "NC");
	expect_ok(cfg, PF_STATE, "District of Columbia", "DC");
	expect_ok(cfg, PF_STATE, "Washington, D.C.", "DC");
	expect_ok(cfg, PF_STATE, "Washington", "WA");
	expect_ok(cfg, PF_STATE, "U.S. Virgin Islands", "VI");
	expect_ok(cfg, PF_STATE, "Northern Mariana Islands", "MP");
	expect_ok(cfg, PF_STATE, "Armed Forces Europe", "AE");
	expect_ok(cfg, PF_STATE, "m.a.", "MA");
	expect_bad(cfg, PF_STATE, "XX",
		   "State 'XX' is not a US state or territory (a code such as MA or a name such "
		   "as Massachusetts).");
	expect_bad(cfg, PF_STATE, "M", "is not a US state or territory");
	expect_bad(cfg, PF_STATE, "Mass", "State 'Mass' is not a US state or territory");
	expect_bad(cfg, PF_STATE, "New Yorkshire", "is not a US state or territory");
	expect_ok(cfg, PF_SEX, "F", "F");
	expect_ok(cfg, PF_SEX, "m", "M");
	expect_ok(cfg, PF_SEX, "x", "X");
	expect_ok(cfg, PF_SEX, "U", "U");
	/* The words, in any case. */
	expect_ok(cfg, PF_SEX, "female", "F");
	expect_ok(cfg, PF_SEX, "Female", "F");
	expect_ok(cfg, PF_SEX, "WOMAN", "F");
	expect_ok(cfg, PF_SEX, "male", "M");
	expect_ok(cfg, PF_SEX, "Man", "M");
	expect_ok(cfg, PF_SEX, "other", "X");
	expect_ok(cfg, PF_SEX, "another", "X");
	expect_ok(cfg, PF_SEX, "nonbinary", "X");
	expect_ok(cfg, PF_SEX, "Non-binary", "X");
	expect_ok(cfg, PF_SEX, "unknown", "U");
	expect_ok(cfg, PF_SEX, " female ", "F");
	expect_bad(cfg, PF_SEX, "Q",
		   "Sex must be F (female), M (male), X (another, non-binary) or U (unknown); 'Q' "
		   "is none of them.");
	expect_bad(cfg, PF_SEX, "FM", "Sex must be F (female)");
	expect_bad(cfg, PF_SEX, "females", "'females' is none of them");
	expect_bad(cfg, PF_SEX, "", "is required");
	/* What may be typed is longer than what is stored. */
	assert_int_equal(patient_field_max(PF_SEX), 1);
	assert_true(patient_field_typed_max(PF_SEX) >= (int)strlen("non-binary"));
	assert_true(patient_field_typed_max(PF_STATE) >= (int)strlen("Northern Mariana Islands"));
	assert_int_equal(patient_field_typed_max(PF_LAST), patient_field_max(PF_LAST));
}

/* Every refusal of a field names it first, so the message line says
 * which field was refused wherever the focus is. */
static void test_messages_name_the_field(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	static const struct {
		pfield_t f;
		const char *in;
	} bad[] = {
		{PF_LAST, "Ok4for"},       {PF_DOB, "02/30/1990"},   {PF_SEX, "Q"},
		{PF_STATE, "ZZ"},          {PF_ZIP, "123"},          {PF_PHONE_HOME, "555-0123"},
		{PF_PHONE_MOBILE, "(123) 555-0100"}, {PF_EMAIL, "bob@"}, {PF_SSN, "12"},
		{PF_SSN, "666-12-3456"},   {PF_MRN, "CR1"},          {PF_SUFFIX, "J7"},
		{PF_MEMBER_ID, "a b!"},    {PF_DEATH, "13/13/2000"}, {PF_CITY, "123"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char out[PATIENT_FIELD_MAX];
		msg_t m;
		const char *label = patient_field_label(bad[i].f);
		size_t n = strcspn(label, " (");
		msg_clear(&m);
		assert_int_equal(patient_normalize_field(cfg, bad[i].f, bad[i].in, out, &m),
				 STATUS_INVALID);
		/* "Sex (F/M/X/U)" is named "Sex". */
		if (strncmp(m.text, label, bad[i].f == PF_SEX ? n : strlen(label)) != 0)
			fail_msg("%s '%s': \"%s\" does not begin with the field's name",
				 patient_field_name(bad[i].f), bad[i].in, m.text);
	}
}

static void test_validate_record(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	patient_t p;
	pfield_t bad;
	msg_t m;
	/* Normalised in place. */
	tu_patient(&p, "  de  la Cruz ", "ana", "07/04/1976", "f");
	strcpy(p.f[PF_PHONE_HOME], "(617) 555-0142");
	strcpy(p.f[PF_STATE], "ri");
	assert_int_equal(patient_validate(cfg, &p, &bad, &m), STATUS_OK);
	assert_int_equal(bad, PF_COUNT);
	assert_string_equal(p.f[PF_LAST], "de la Cruz");
	assert_string_equal(p.f[PF_DOB], "1976-07-04");
	assert_string_equal(p.f[PF_SEX], "F");
	assert_string_equal(p.f[PF_PHONE_HOME], "617-555-0142");
	assert_string_equal(p.f[PF_STATE], "RI");
	/* Death before birth. */
	strcpy(p.f[PF_DEATH], "1975-12-31");
	assert_int_equal(patient_validate(cfg, &p, &bad, &m), STATUS_INVALID);
	assert_int_equal(bad, PF_DEATH);
	assert_string_equal(m.text, "Date of death is before the date of birth.");
	strcpy(p.f[PF_DEATH], "1976-07-04"); /* died the day they were born */
	assert_int_equal(patient_validate(cfg, &p, &bad, &m), STATUS_OK);
	/* Over 130 and alive: a mistyped year. With a date of death, history. */
	tu_patient(&p, "Elder", "Ezra", "1890-01-01", "M");
	assert_int_equal(patient_validate(cfg, &p, &bad, &m), STATUS_INVALID);
	assert_int_equal(bad, PF_DOB);
	assert_true(tu_has(m.text, "over 130"));
	strcpy(p.f[PF_DEATH], "1970-05-05");
	assert_int_equal(patient_validate(cfg, &p, &bad, &m), STATUS_OK);
	/* The first bad field is named. */
	tu_patient(&p, "Okafor", "", "1980-01-01", "M");
	assert_int_equal(patient_validate(cfg, &p, &bad, &m), STATUS_INVALID);
	assert_int_equal(bad, PF_FIRST);
	assert_string_equal(m.text, "First name is required.");
	tu_patient(&p, "Okafor", "Chidi", "1980-01-01", "M");
	strcpy(p.f[PF_EMAIL], "chidi@");
	assert_int_equal(patient_validate(cfg, &p, &bad, &m), STATUS_INVALID);
	assert_int_equal(bad, PF_EMAIL);
}

/* Luhn check digit, written out independently of the code under test. */
static int luhn(const char *digits)
{
	int sum = 0, n = (int)strlen(digits);
	for (int i = 0; i < n; i++) {
		int d = digits[n - 1 - i] - '0';
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (10 - sum % 10) % 10;
}

static void test_mrn_check_digit(void **state)
{
	const config_t *cfg = &((cfg_fixture_t *)*state)->cfg;
	char mrn[32], want[32], digits[16], bad[32];
	/* Known values: 0000001 -> 8, 0000042 -> 2. */
	patient_mrn_format(cfg, 1, mrn, sizeof mrn);
	assert_string_equal(mrn, "CR00000018");
	patient_mrn_format(cfg, 42, mrn, sizeof mrn);
	assert_string_equal(mrn, "CR00000422");
	static const int64_t seqs[] = {1, 2, 9, 10, 42, 1234, 99999, 5000000, 9999999};
	for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
		patient_mrn_format(cfg, seqs[k], mrn, sizeof mrn);
		snprintf(digits, sizeof digits, "%07lld", (long long)seqs[k]);
		snprintf(want, sizeof want, "CR%s%d", digits, luhn(digits));
		assert_string_equal(mrn, want);
		assert_true(patient_mrn_valid(cfg, mrn));
		/* Every single wrong digit, anywhere, is refused. */
		for (size_t pos = 2; pos < strlen(mrn); pos++)
			for (char d = '0'; d <= '9'; d++) {
				if (d == mrn[pos])
					continue;
				snprintf(bad, sizeof bad, "%s", mrn);
				bad[pos] = d;
				if (patient_mrn_valid(cfg, bad))
					fail_msg("MRN %s (from %s) passed its check digit", bad, mrn);
			}
	}
	patient_mrn_format(cfg, 42, mrn, sizeof mrn);
	/* The field: case-folded, checked, with the expected shape named. */
	expect_ok(cfg, PF_MRN, "cr00000422", "CR00000422");
	expect_ok(cfg, PF_MRN, "", "");
	expect_bad(cfg, PF_MRN, "CR00000423",
		   "MRN CR00000423 is not valid here: an MRN is CR and 8 digits, the last a check "
		   "digit.");
	/* The one wording of what an MRN is (the search box says the same). */
	{
		char rule[96];
		patient_mrn_rule(cfg, rule, sizeof rule);
		assert_string_equal(rule, "an MRN is CR and 8 digits, the last a check digit");
	}
	expect_bad(cfg, PF_MRN, "CR0000042", "is not valid here");
	expect_bad(cfg, PF_MRN, "XY00000422", "is not valid here");
	expect_bad(cfg, PF_MRN, "CR0000O422", "is not valid here");
	assert_false(patient_mrn_valid(cfg, "CR000004222"));
	assert_false(patient_mrn_valid(cfg, ""));
}

static void test_age(void **state)
{
	(void)state;
	assert_int_equal(patient_age("1990-06-15", "2020-06-14"), 29);
	assert_int_equal(patient_age("1990-06-15", "2020-06-15"), 30);
	assert_int_equal(patient_age("1990-06-15", "2020-07-01"), 30);
	assert_int_equal(patient_age("2000-02-29", "2021-02-28"), 20);
	assert_int_equal(patient_age("2000-02-29", "2021-03-01"), 21);
	assert_int_equal(patient_age("2020-01-01", "2020-01-01"), 0);
	assert_int_equal(patient_age("03/15/1990", "2020-01-01"), -1);
	assert_int_equal(patient_age("", "2020-01-01"), -1);
	assert_int_equal(patient_age("1990-06-15", "junk"), -1);
	{
		char iso[11], us[11];
		date_from_today(-(366 * 10 + 5), iso, us); /* a bit over ten years ago */
		assert_int_equal(patient_age(iso, NULL), 10);
	}
}

/* A deceased patient's age is the age at death ("died at 36"), whatever
 * today is; a living one's the age today. */
static void test_age_at_death(void **state)
{
	int dead = -1;
	(void)state;
	assert_int_equal(patient_shown_age("1944-05-01", "1980-06-15", "2025-01-01", &dead), 36);
	assert_int_equal(dead, 1);
	/* The day before the birthday in the year of death. */
	assert_int_equal(patient_shown_age("1944-05-01", "1980-04-30", "2025-01-01", &dead), 35);
	assert_int_equal(dead, 1);
	assert_int_equal(patient_shown_age("1944-05-01", "", "2025-01-01", &dead), 80);
	assert_int_equal(dead, 0);
	assert_int_equal(patient_shown_age("1944-05-01", NULL, "2025-06-01", &dead), 81);
	assert_int_equal(dead, 0);
	assert_int_equal(patient_shown_age("1944-05-01", "1944-05-01", "2025-01-01", NULL), 0);
	assert_int_equal(patient_shown_age("", "1980-06-15", "2025-01-01", &dead), -1);
	assert_int_equal(dead, 1);
}

static void test_date_display(void **state)
{
	config_t cfg = ((cfg_fixture_t *)*state)->cfg;
	char out[16];
	cfg.date_format = DATE_ISO;
	patient_date_display(&cfg, "1976-07-04", out, sizeof out);
	assert_string_equal(out, "1976-07-04");
	cfg.date_format = DATE_US;
	patient_date_display(&cfg, "1976-07-04", out, sizeof out);
	assert_string_equal(out, "07/04/1976");
	patient_date_display(&cfg, "", out, sizeof out);
	assert_string_equal(out, "");
}

/* ======================================================================
 * registry
 * ====================================================================== */

#define FD1_PW "front desk one password"
#define FD2_PW "front desk two password"
#define NURSE1_PW "nurse one password for tests"
#define NURSE2_PW "nurse two password for tests"
#define PROV_PW "provider password for tests"

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	clinic_t *c;
	session_t *admin, *fd1, *fd2, *nurse1, *nurse2, *prov;
} fixture_t;

static int registry_setup(void **state)
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
	tu_add_user(f->admin, "fd1", "frontdesk", FD1_PW);
	tu_add_user(f->admin, "fd2", "frontdesk", FD2_PW);
	tu_add_user(f->admin, "nurse1", "nurse", NURSE1_PW);
	tu_add_user(f->admin, "nurse2", "nurse", NURSE2_PW);
	tu_add_user(f->admin, "prov1", "provider", PROV_PW);
	f->fd1 = tu_login(f->c, "fd1", FD1_PW);
	f->fd2 = tu_login(f->c, "fd2", FD2_PW);
	f->nurse1 = tu_login(f->c, "nurse1", NURSE1_PW);
	f->nurse2 = tu_login(f->c, "nurse2", NURSE2_PW);
	f->prov = tu_login(f->c, "prov1", PROV_PW);
	*state = f;
	return 0;
}

static int registry_teardown(void **state)
{
	fixture_t *f = *state;
	session_logout(f->prov);
	session_logout(f->nurse2);
	session_logout(f->nurse1);
	session_logout(f->fd2);
	session_logout(f->fd1);
	session_logout(f->admin);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

static int64_t patient_count(fixture_t *f)
{
	return tu_sql_int(f->db, "SELECT count(*) FROM patients");
}

static int64_t mrn_seq(const char *mrn)
{
	/* "CR" + 7 digits + check digit */
	char digits[8];
	assert_int_equal(strlen(mrn), 10);
	memcpy(digits, mrn + 2, 7);
	digits[7] = '\0';
	return strtoll(digits, NULL, 10);
}

/* How many rows a search returns, and whether `id` is among them. */
static int search_has(session_t *s, const char *q, const char *id, int *count)
{
	patient_list_t *l = NULL;
	msg_t m;
	int found = 0;
	status_t st = patient_search(s, q, 100, &l, &m);
	if (st != STATUS_OK)
		fail_msg("search '%s': %s", q, m.text);
	for (int i = 0; i < patient_list_count(l); i++)
		found |= strcmp(patient_list_row(l, i)->id, id) == 0;
	if (count)
		*count = patient_list_count(l);
	patient_list_free(l);
	return found;
}

static void test_register_assigns_mrn_and_audits(void **state)
{
	fixture_t *f = *state;
	patient_t a, b, back;
	int64_t before = patient_count(f);
	int64_t audits = tu_audit_count(f->db, "patient_register", "fd1");
	msg_t m;

	tu_patient(&a, "Abernathy", "Clarence", "1961-02-03", "M");
	strcpy(a.f[PF_MRN], "CR00000018"); /* typed MRNs are ignored: core assigns */
	tu_register(f->fd1, &a, 0);
	tu_patient(&b, "Brightwater", "Delphine", "1972-09-10", "F");
	tu_register(f->fd1, &b, 0);

	assert_int_equal(patient_count(f), before + 2);
	assert_int_equal(tu_audit_count(f->db, "patient_register", "fd1"), audits + 2);
	assert_true(patient_mrn_valid(f->cfg, a.f[PF_MRN]));
	assert_true(patient_mrn_valid(f->cfg, b.f[PF_MRN]));
	assert_int_equal(mrn_seq(b.f[PF_MRN]), mrn_seq(a.f[PF_MRN]) + 1);
	assert_string_not_equal(a.f[PF_MRN], b.f[PF_MRN]);
	assert_int_equal(strlen(a.id), 32);
	assert_int_equal(strspn(a.id, "0123456789abcdef"), 32);
	assert_string_not_equal(a.id, b.id);
	assert_true(a.prow > 0 && b.prow > a.prow);
	assert_int_equal(a.version, 1);
	assert_string_equal(a.created_by, "fd1");
	assert_string_equal(a.updated_by, "fd1");
	assert_int_equal(strlen(a.created), 20); /* YYYY-MM-DDTHH:MM:SSZ */

	/* What was saved opens again, by MRN and by id, as it was typed. */
	assert_int_equal(patient_open(f->fd1, a.f[PF_MRN], NULL, &back, &m), STATUS_OK);
	assert_string_equal(back.id, a.id);
	assert_string_equal(back.f[PF_LAST], "Abernathy");
	assert_string_equal(back.f[PF_DOB], "1961-02-03");
	assert_int_equal(back.version, 1);
	assert_int_equal(patient_open(f->fd1, b.id, NULL, &back, &m), STATUS_OK);
	assert_string_equal(back.f[PF_MRN], b.f[PF_MRN]);
	assert_string_equal(back.f[PF_FIRST], "Delphine");
}

static void test_register_refuses_invalid(void **state)
{
	fixture_t *f = *state;
	patient_t p;
	pfield_t bad;
	msg_t m;
	int64_t before = patient_count(f), mrn_next;
	char buf[32];
	tu_sql_text(f->db, "SELECT value FROM meta WHERE key = 'mrn_next'", buf, sizeof buf);
	mrn_next = strtoll(buf, NULL, 10);

	tu_patient(&p, "Carrow", "Edwin", "02/30/1990", "M");
	assert_int_equal(patient_register(f->fd1, &p, 0, &bad, &m), STATUS_INVALID);
	assert_int_equal(bad, PF_DOB);
	assert_true(tu_has(m.text, "02/30/1990 is not a real date"));
	tu_patient(&p, "Carrow", "Edwin", "1990-01-30", "M");
	strcpy(p.f[PF_SSN], "666-12-3456");
	assert_int_equal(patient_register(f->fd1, &p, 1, &bad, &m), STATUS_INVALID);
	assert_int_equal(bad, PF_SSN);
	assert_true(tu_has(m.text, "cannot exist"));
	tu_patient(&p, "Carrow", "Edwin", "1990-01-30", "M");
	strcpy(p.f[PF_DEATH], "1989-01-01");
	assert_int_equal(patient_register(f->fd1, &p, 1, &bad, &m), STATUS_INVALID);
	assert_int_equal(bad, PF_DEATH);

	/* Nothing saved, no MRN used up. */
	assert_int_equal(patient_count(f), before);
	tu_sql_text(f->db, "SELECT value FROM meta WHERE key = 'mrn_next'", buf, sizeof buf);
	if (mrn_next > 0)
		assert_int_equal(strtoll(buf, NULL, 10), mrn_next);
}

static void test_register_denied_for_nurse(void **state)
{
	fixture_t *f = *state;
	patient_t p;
	pfield_t bad;
	msg_t m;
	char detail[512];
	int64_t before = patient_count(f);
	int64_t denials = tu_audit_count(f->db, "denied", "nurse1");

	tu_patient(&p, "Dunmore", "Felicity", "1985-05-05", "F");
	assert_int_equal(patient_register(f->nurse1, &p, 1, &bad, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "nurse"));
	assert_string_equal(p.id, "");
	assert_string_equal(p.f[PF_MRN], "");
	assert_int_equal(patient_count(f), before);
	/* The refusal is in the trail, naming what was tried. */
	assert_int_equal(tu_audit_count(f->db, "denied", "nurse1"), denials + 1);
	assert_true(tu_audit_find(f->admin, "denied", "nurse1", "nurse1", detail, sizeof detail) >=
		    1);
	assert_string_equal(detail, "patient_register");
	/* A nurse cannot edit demographics either. */
	tu_patient(&p, "Dunmore", "Felicity", "1985-05-05", "F");
	tu_register(f->fd1, &p, 0);
	strcpy(p.f[PF_CITY], "Boston");
	assert_int_equal(patient_update(f->nurse1, &p, &bad, &m), STATUS_DENIED);
	assert_int_equal(tu_audit_count(f->db, "denied", "nurse1"), denials + 2);
}

static void test_duplicate_typo_flagged(void **state)
{
	fixture_t *f = *state;
	patient_t orig, twin;
	patient_match_t dups[PATIENT_MATCH_MAX];
	pfield_t bad;
	msg_t m;
	int n = 0;
	int64_t before;

	tu_patient(&orig, "Featherstonehaugh", "Robert", "1975-04-12", "M");
	strcpy(orig.f[PF_PHONE_HOME], "617-555-0111");
	tu_register(f->fd1, &orig, 0);
	before = patient_count(f);

	/* The same man, last name mistyped, same date of birth. */
	tu_patient(&twin, "Featherstonhaugh", "Robert", "04/12/1975", "M");
	/* find_duplicates compares normalised records: normalise first, as
	 * registration and the UI do. */
	assert_int_equal(patient_validate(f->cfg, &twin, &bad, &m), STATUS_OK);
	assert_int_equal(patient_find_duplicates(f->fd2, &twin, dups, PATIENT_MATCH_MAX, &n, &m),
			 STATUS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(dups[0].id, orig.id);
	assert_string_equal(dups[0].mrn, orig.f[PF_MRN]);
	assert_string_equal(dups[0].name, "Featherstonehaugh, Robert");
	assert_string_equal(dups[0].dob, "1975-04-12");
	assert_string_equal(dups[0].sex, "M");
	assert_true(dups[0].score >= f->cfg->match_threshold);
	assert_true(tu_has(dups[0].why, "last name sound"));
	assert_true(tu_has(dups[0].why, "DOB"));
	assert_true(tu_has(dups[0].why, "first name"));

	/* Registration stops with a conflict; nothing is saved. */
	assert_int_equal(patient_register(f->fd2, &twin, 0, &bad, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "1 likely duplicate is already registered"));
	assert_true(tu_has(m.text, orig.f[PF_MRN]));
	assert_string_equal(twin.id, "");
	assert_int_equal(patient_count(f), before);

	/* A DOB typo (one part of three) with the right name also flags. */
	tu_patient(&twin, "Featherstonehaugh", "Robert", "1975-04-21", "M");
	assert_int_equal(patient_register(f->fd2, &twin, 0, &bad, &m), STATUS_CONFLICT);
	assert_int_equal(patient_count(f), before);
}

/* The duplicate check of twin finds one candidate, scored and explained
 * as `want`; it is left in *got. */
static void expect_one_match(session_t *s, const patient_t *twin, const patient_match_t *want,
			     patient_match_t *got)
{
	patient_match_t out[PATIENT_MATCH_MAX];
	int n = 0;
	msg_t m;
	assert_int_equal(patient_find_duplicates(s, twin, out, PATIENT_MATCH_MAX, &n, &m),
			 STATUS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].score, want->score);
	assert_string_equal(out[0].why, want->why);
	*got = out[0];
}

/* A row written before match sets (no set; its comparison tokens in the
 * index) is scored exactly as a new one; editing it moves it to the new
 * form. */
static void test_duplicate_check_on_rows_without_match_set(void **state)
{
	fixture_t *f = *state;
	patient_t orig, twin, e;
	patient_match_t before[PATIENT_MATCH_MAX], after[PATIENT_MATCH_MAX];
	pfield_t bad;
	ptokens_t t, legacy;
	msg_t m;
	char sql[256];
	int n1 = 0, compare_only = 0;

	tu_patient(&orig, "Wrexhamfold", "Cordelia", "1961-09-30", "F");
	strcpy(orig.f[PF_ZIP], "01060");
	strcpy(orig.f[PF_SSN], "123-45-6789");
	tu_register(f->fd1, &orig, 0);
	tu_patient(&twin, "Wrexhamfeld", "Cordelia", "1961-09-03", "F");
	strcpy(twin.f[PF_ZIP], "01060");
	strcpy(twin.f[PF_SSN], "123-45-6789");
	assert_int_equal(patient_validate(f->cfg, &twin, &bad, &m), STATUS_OK);
	assert_int_equal(patient_find_duplicates(f->fd2, &twin, before, PATIENT_MATCH_MAX, &n1, &m),
			 STATUS_OK);
	assert_int_equal(n1, 1);

	/* Make it look as rows did before: no set, every token indexed, as
	 * the index's first generation made them (core/reindex.h). */
	assert_int_equal(pindex_patient(f->fd1->kr, f->cfg->blind_index_bytes, &orig, &t, &m),
			 STATUS_OK);
	snprintf(sql, sizeof sql, "DELETE FROM patient_tokens WHERE prow = %lld",
		 (long long)orig.prow);
	tu_sql(f->db, sql);
	snprintf(sql, sizeof sql, "UPDATE patients SET match = NULL WHERE prow = %lld",
		 (long long)orig.prow);
	tu_sql(f->db, sql);
	assert_int_equal(pindex_patient_gen(f->fd1->kr, CRYPTO_CURRENT, f->cfg->blind_index_bytes,
					    PINDEX_GEN_LEGACY, &orig, &legacy, &m),
			 STATUS_OK);
	for (int i = 0; i < legacy.n; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO patient_tokens(token, rank, prow) SELECT %lld, sort_rank, prow "
			 "FROM patients WHERE prow = %lld",
			 (long long)legacy.tok[i], (long long)orig.prow);
		tu_sql(f->db, sql);
		if (!pindex_family_indexed((pfamily_t)legacy.fam[i])) {
			snprintf(sql, sizeof sql,
				 "INSERT INTO patient_tokens(token, rank, prow) SELECT %lld, sort_rank, prow "
				 "FROM patients WHERE prow = %lld",
				 (long long)t.tok[i], (long long)orig.prow);
			compare_only++;
		}
	}
	assert_true(compare_only >= 8);
	expect_one_match(f->fd2, &twin, &before[0], &after[0]);
	assert_true(tu_has(after[0].why, "ZIP"));
	assert_true(tu_has(after[0].why, "SSN last 4"));

	/* Saving the chart gives it a set and takes the comparison-only tokens
	 * out of the index; the score stays. */
	assert_int_equal(patient_open(f->fd1, orig.id, NULL, &e, &m), STATUS_OK);
	strcpy(e.f[PF_CITY], "Northampton");
	assert_int_equal(patient_update(f->fd1, &e, &bad, &m), STATUS_OK);
	snprintf(sql, sizeof sql, "SELECT length(match) FROM patients WHERE prow = %lld",
		 (long long)orig.prow);
	assert_true(tu_sql_int(f->db, sql) > 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM patient_tokens WHERE prow = %lld",
		 (long long)orig.prow);
	{
		int indexed = 0;
		for (int i = 0; i < t.n; i++)
			indexed += pindex_family_indexed((pfamily_t)t.fam[i]);
		assert_int_equal(tu_sql_int(f->db, sql), indexed);
	}
	expect_one_match(f->fd2, &twin, &before[0], &after[0]);
}

static void test_register_anyway_audited(void **state)
{
	fixture_t *f = *state;
	patient_t orig, twin;
	pfield_t bad;
	msg_t m;
	char detail[512];
	int64_t anyway = tu_audit_count(f->db, "patient_register_anyway", NULL);

	tu_patient(&orig, "Gallowglass", "Imogen", "1988-11-30", "F");
	tu_register(f->fd1, &orig, 0);
	/* No duplicate: no register-anyway entry even when asked to. */
	assert_int_equal(tu_audit_count(f->db, "patient_register_anyway", NULL), anyway);

	tu_patient(&twin, "Galloglass", "Imogen", "1988-11-30", "F");
	assert_int_equal(patient_register(f->fd2, &twin, 0, &bad, &m), STATUS_CONFLICT);
	assert_int_equal(patient_register(f->fd2, &twin, 1, &bad, &m), STATUS_OK);
	assert_true(patient_mrn_valid(f->cfg, twin.f[PF_MRN]));
	assert_string_not_equal(twin.id, orig.id);
	assert_int_equal(tu_audit_count(f->db, "patient_register_anyway", "fd2"), anyway + 1);
	/* The entry names the new record and the candidates' ids (not names). */
	assert_int_equal(tu_audit_find(f->admin, "patient_register_anyway", twin.id, "fd2", detail,
				       sizeof detail),
			 1);
	assert_true(tu_has(detail, orig.id));
	assert_false(tu_has(detail, "Imogen"));
	assert_false(tu_has(detail, "Gallowglass"));
}

static void test_household_not_flagged(void **state)
{
	fixture_t *f = *state;
	patient_t parent, child;
	patient_match_t dups[PATIENT_MATCH_MAX];
	pfield_t bad;
	msg_t m;
	int n = -1;

	tu_patient(&parent, "Hazelgrove", "Maria", "1970-01-01", "F");
	strcpy(parent.f[PF_PHONE_HOME], "617-555-0100");
	strcpy(parent.f[PF_ZIP], "02139");
	strcpy(parent.f[PF_ADDR1], "9 Elm St");
	tu_register(f->fd1, &parent, 0);

	/* Same last name, phone, ZIP and sex; nothing of the person. */
	tu_patient(&child, "Hazelgrove", "Sofia", "2015-07-07", "F");
	strcpy(child.f[PF_PHONE_HOME], "617-555-0100");
	strcpy(child.f[PF_ZIP], "02139");
	strcpy(child.f[PF_ADDR1], "9 Elm St");
	assert_int_equal(patient_validate(f->cfg, &child, &bad, &m), STATUS_OK);
	assert_int_equal(patient_find_duplicates(f->fd1, &child, dups, PATIENT_MATCH_MAX, &n, &m),
			 STATUS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(patient_register(f->fd1, &child, 0, &bad, &m), STATUS_OK);
	assert_true(patient_mrn_valid(f->cfg, child.f[PF_MRN]));

	/* But the parent typed in again is. */
	tu_patient(&child, "Hazelgrove", "Maria", "1970-01-01", "F");
	assert_int_equal(patient_register(f->fd1, &child, 0, &bad, &m), STATUS_CONFLICT);
}

static void test_update_conflict_names_first_user(void **state)
{
	fixture_t *f = *state;
	patient_t p, a, b, back;
	pfield_t bad;
	msg_t m;
	int64_t edits = tu_audit_count(f->db, "patient_edit", NULL);

	tu_patient(&p, "Ingleby", "Rosalind", "1955-03-03", "F");
	strcpy(p.f[PF_ADDR1], "1 Old Road");
	tu_register(f->fd1, &p, 0);

	/* Two clerks open the same record. */
	assert_int_equal(patient_open(f->fd1, p.id, NULL, &a, &m), STATUS_OK);
	assert_int_equal(patient_open(f->fd2, p.f[PF_MRN], NULL, &b, &m), STATUS_OK);
	assert_int_equal(a.version, 1);
	assert_int_equal(b.version, 1);

	/* The first saves a new address ... */
	strcpy(a.f[PF_ADDR1], "22 New Street");
	assert_int_equal(patient_update(f->fd1, &a, &bad, &m), STATUS_OK);
	assert_int_equal(a.version, 2);
	assert_string_equal(a.updated_by, "fd1");

	/* ... the second's save is refused, naming who saved and when. */
	strcpy(b.f[PF_ADDR1], "1 Old Road, Rear");
	strcpy(b.f[PF_PHONE_HOME], "617-555-0142");
	assert_int_equal(patient_update(f->fd2, &b, &bad, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "fd1"));
	{
		/* when, in the clinic's zone (base/tz.h): UTC here */
		char when[TZ_TEXT_MAX];
		assert_int_equal(tz_format("UTC", a.updated, TZ_SECONDS, when, sizeof when), 0);
		assert_true(tu_has(m.text, when));
		assert_true(tu_has(m.text, " UTC"));
	}
	assert_true(tu_has(m.text, "not written"));
	assert_int_equal(b.version, 1);

	/* The stored record holds the first clerk's change and nothing of the
	 * second's. */
	assert_int_equal(patient_open(f->fd2, p.id, NULL, &back, &m), STATUS_OK);
	assert_int_equal(back.version, 2);
	assert_string_equal(back.f[PF_ADDR1], "22 New Street");
	assert_string_equal(back.f[PF_PHONE_HOME], "");
	assert_string_equal(back.updated_by, "fd1");
	assert_int_equal(tu_audit_count(f->db, "patient_edit", NULL), edits + 1);

	/* Reopened, the second clerk's save goes through. */
	strcpy(back.f[PF_PHONE_HOME], "617-555-0142");
	assert_int_equal(patient_update(f->fd2, &back, &bad, &m), STATUS_OK);
	assert_int_equal(back.version, 3);
	assert_int_equal(patient_open(f->fd1, p.id, NULL, &back, &m), STATUS_OK);
	assert_string_equal(back.f[PF_ADDR1], "22 New Street");
	assert_string_equal(back.f[PF_PHONE_HOME], "617-555-0142");
	assert_string_equal(back.updated_by, "fd2");
	assert_int_equal(tu_audit_count(f->db, "patient_edit", NULL), edits + 2);

	/* An invalid edit is refused before anything is written. */
	strcpy(back.f[PF_ZIP], "1234");
	assert_int_equal(patient_update(f->fd1, &back, &bad, &m), STATUS_INVALID);
	assert_int_equal(bad, PF_ZIP);
	assert_int_equal(patient_open(f->fd1, p.id, NULL, &back, &m), STATUS_OK);
	assert_int_equal(back.version, 3);
	assert_string_equal(back.f[PF_ZIP], "");
	assert_int_equal(tu_audit_count(f->db, "patient_edit", NULL), edits + 2);
}

static void test_update_cannot_change_mrn(void **state)
{
	fixture_t *f = *state;
	patient_t p, e, back;
	pfield_t bad;
	msg_t m;
	char other[32];

	tu_patient(&p, "Jessamine", "Otto", "1944-04-04", "M");
	tu_register(f->fd1, &p, 0);
	assert_int_equal(patient_open(f->fd1, p.id, NULL, &e, &m), STATUS_OK);
	patient_mrn_format(f->cfg, 9999990, other, sizeof other); /* a valid, unused MRN */
	strcpy(e.f[PF_MRN], other);
	strcpy(e.f[PF_CITY], "Salem");
	assert_int_equal(patient_update(f->fd1, &e, &bad, &m), STATUS_OK);
	assert_string_equal(e.f[PF_MRN], p.f[PF_MRN]);
	assert_int_equal(patient_open(f->fd1, p.id, NULL, &back, &m), STATUS_OK);
	assert_string_equal(back.f[PF_MRN], p.f[PF_MRN]);
	assert_string_equal(back.f[PF_CITY], "Salem");
	assert_int_equal(patient_open(f->fd1, other, NULL, &back, &m), STATUS_NOTFOUND);
	assert_int_equal(patient_open(f->fd1, p.f[PF_MRN], NULL, &back, &m), STATUS_OK);
	assert_string_equal(back.id, p.id);
}

static void test_update_tokens_follow(void **state)
{
	fixture_t *f = *state;
	patient_t p, e;
	pfield_t bad;
	msg_t m;
	int n;

	tu_patient(&p, "Quimbleton", "Harold", "1950-10-10", "M");
	strcpy(p.f[PF_PHONE_MOBILE], "413-555-0177");
	tu_register(f->fd1, &p, 0);
	assert_true(search_has(f->fd1, "quimbleton", p.id, &n));
	assert_true(search_has(f->fd1, "413-555-0177", p.id, &n));

	assert_int_equal(patient_open(f->fd1, p.id, NULL, &e, &m), STATUS_OK);
	strcpy(e.f[PF_LAST], "Quentonbury");
	strcpy(e.f[PF_PHONE_MOBILE], "413-555-0188");
	assert_int_equal(patient_update(f->fd1, &e, &bad, &m), STATUS_OK);

	/* The old name and phone find nobody; the new ones find the patient. */
	assert_false(search_has(f->fd1, "quimbleton", p.id, &n));
	assert_int_equal(n, 0);
	assert_false(search_has(f->fd1, "quimb", p.id, &n));
	assert_int_equal(n, 0);
	assert_false(search_has(f->fd1, "413-555-0177", p.id, &n));
	assert_int_equal(n, 0);
	assert_true(search_has(f->fd1, "quentonbury", p.id, &n));
	assert_int_equal(n, 1);
	assert_true(search_has(f->fd1, "quentonbury, harold", p.id, &n));
	assert_true(search_has(f->fd1, "quent", p.id, &n));
	assert_true(search_has(f->fd1, "0188", p.id, &n));
	assert_true(search_has(f->fd1, p.f[PF_MRN], p.id, &n));
}

static void test_open_audited_and_unknown(void **state)
{
	fixture_t *f = *state;
	patient_t p, back;
	msg_t m;
	char missing[32], sql[160];
	int64_t opens;

	tu_patient(&p, "Kittredge", "Lavinia", "1966-06-16", "F");
	tu_register(f->fd1, &p, 0);
	opens = tu_audit_count(f->db, "chart_open", "nurse1");
	assert_int_equal(patient_open(f->nurse1, p.f[PF_MRN], NULL, &back, &m), STATUS_OK);
	assert_int_equal(tu_audit_count(f->db, "chart_open", "nurse1"), opens + 1);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM audit WHERE action = 'chart_open' AND target = '%s'", p.id);
	assert_int_equal(tu_sql_int(f->db, sql), 1);
	assert_int_equal(patient_needs_btg(f->nurse1, p.id), 0);

	patient_mrn_format(f->cfg, 8888888, missing, sizeof missing);
	assert_int_equal(patient_open(f->nurse1, missing, NULL, &back, &m), STATUS_NOTFOUND);
	assert_true(tu_has(m.text, missing));
	assert_string_equal(back.f[PF_LAST], "");
	assert_int_equal(patient_open(f->nurse1, "hello", NULL, &back, &m), STATUS_NOTFOUND);
	assert_int_equal(patient_open(f->nurse1, "0123456789abcdef0123456789abcdef", NULL, &back,
				      &m),
			 STATUS_NOTFOUND);
	assert_int_equal(tu_audit_count(f->db, "chart_open", "nurse1"), opens + 1);
	/* The administrator has no chart access at all. */
	assert_int_equal(patient_open(f->admin, p.id, NULL, &back, &m), STATUS_DENIED);
}

/* The ident-only fetch (search lists, the duplicate check, clinical
 * gates) leaves every text field of the row terminated, whatever was in
 * the buffer before: callers copy them all. */
static void test_ident_row_fully_defined(void **state)
{
	fixture_t *f = *state;
	patient_t p, *back = malloc(sizeof *back);
	db_patient_row_t *row = malloc(sizeof *row);
	msg_t m;
	assert_non_null(row);
	assert_non_null(back);
	tu_patient(&p, "Identwhistle", "Nora", "1948-08-18", "F");
	tu_register(f->fd1, &p, 0);
	memset(row, 'x', sizeof *row);
	assert_int_equal(db_patient_get_ident(f->c->db, p.prow, row, &m), STATUS_OK);
	assert_int_equal(row->prow, p.prow);
	assert_string_equal(row->id, p.id);
	assert_int_equal(row->version, 1);
	assert_int_equal(row->details_len, 0);
	assert_non_null(memchr(row->created, '\0', sizeof row->created));
	assert_non_null(memchr(row->created_by, '\0', sizeof row->created_by));
	assert_non_null(memchr(row->updated, '\0', sizeof row->updated));
	assert_non_null(memchr(row->updated_by, '\0', sizeof row->updated_by));
	memset(back, 'y', sizeof *back);
	assert_int_equal(precord_open(f->fd1->kr, row, back, 1, 0, &m), STATUS_OK);
	assert_string_equal(back->f[PF_LAST], "Identwhistle");
	assert_string_equal(back->f[PF_ADDR1], ""); /* details not opened, not garbage */
	assert_true(strlen(back->created_by) < sizeof back->created_by);
	assert_true(strlen(back->updated_by) < sizeof back->updated_by);
	free(row);
	free(back);
}

/* A deceased patient: the search list (which decrypts the ident only)
 * has the age at death and the mark, the chart the date; a living one
 * has neither. */
static void test_deceased_in_lists(void **state)
{
	fixture_t *f = *state;
	patient_t p, q, *back = malloc(sizeof *back);
	patient_list_t *l = NULL;
	db_patient_row_t *row = malloc(sizeof *row);
	msg_t m;
	int seen = 0;
	assert_non_null(back);
	assert_non_null(row);
	tu_patient(&p, "Mortlake", "Edith", "1944-05-01", "F");
	snprintf(p.f[PF_DEATH], sizeof p.f[PF_DEATH], "%s", "06/15/1980");
	tu_register(f->fd1, &p, 0);
	tu_patient(&q, "Mortlake", "Alive", "1944-05-01", "M");
	tu_register(f->fd1, &q, 1);
	assert_int_equal(patient_search(f->fd1, "mortlake", 50, &l, &m), STATUS_OK);
	for (int i = 0; i < patient_list_count(l); i++) {
		const patient_row_t *r = patient_list_row(l, i);
		if (strcmp(r->id, p.id) == 0) {
			assert_int_equal(r->age, 36);
			assert_int_equal(r->deceased, 1);
			assert_string_equal(r->death, "1980-06-15");
			seen |= 1;
		} else if (strcmp(r->id, q.id) == 0) {
			assert_true(r->age >= 80);
			assert_int_equal(r->deceased, 0);
			assert_string_equal(r->death, "");
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
	patient_list_free(l);
	/* The ident alone carries the date of death (the list needs no
	 * details); the whole record the same. */
	assert_int_equal(db_patient_get_ident(f->c->db, p.prow, row, &m), STATUS_OK);
	assert_int_equal(precord_open(f->fd1->kr, row, back, 1, 0, &m), STATUS_OK);
	assert_string_equal(back->f[PF_DEATH], "1980-06-15");
	assert_string_equal(back->f[PF_ADDR1], "");
	assert_int_equal(patient_open(f->fd1, p.id, NULL, back, &m), STATUS_OK);
	assert_string_equal(back->f[PF_DEATH], "1980-06-15");
	/* A death recorded by an edit reaches the list too. */
	assert_int_equal(patient_open(f->fd1, q.id, NULL, back, &m), STATUS_OK);
	snprintf(back->f[PF_DEATH], sizeof back->f[PF_DEATH], "%s", "2001-02-03");
	{
		pfield_t bad;
		if (patient_update(f->fd1, back, &bad, &m) != STATUS_OK)
			fail_msg("update: %s", m.text);
	}
	assert_int_equal(patient_search(f->fd1, "mortlake, alive", 50, &l, &m), STATUS_OK);
	assert_int_equal(patient_list_count(l), 1);
	assert_int_equal(patient_list_row(l, 0)->deceased, 1);
	assert_int_equal(patient_list_row(l, 0)->age, 56);
	patient_list_free(l);
	sodium_memzero(back, sizeof *back);
	free(back);
	free(row);
}

static int64_t btg_rows(fixture_t *f, const char *user, int64_t prow)
{
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM btg_queue WHERE user_name = '%s' AND prow = %lld AND "
		 "reviewed = 0",
		 user, (long long)prow);
	return tu_sql_int(f->db, sql);
}

static int count_item(const chart_item_t *it, void *arg)
{
	(void)it;
	(*(int *)arg)++;
	return 0;
}

static void test_break_the_glass(void **state)
{
	fixture_t *f = *state;
	patient_t p, back;
	msg_t m;
	char detail[512], banner[256], sql[256];
	int64_t row = 0, btg_before = tu_audit_count(f->db, "break_the_glass", NULL);
	int64_t opens;
	int items = 0;
	const char *reason = "Covering for Dr. Okafor on call tonight";

	tu_patient(&p, "Lockridge", "Marisol", "1979-09-19", "F");
	p.confidential = 1;
	tu_register(f->fd1, &p, 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT confidential FROM patients ORDER BY prow DESC "
					   "LIMIT 1"),
			 1);
	assert_int_equal(patient_needs_btg(f->nurse1, p.id), 1);
	assert_int_equal(patient_needs_btg(f->prov, p.id), 0);
	opens = tu_audit_count(f->db, "chart_open", "nurse1");

	/* No reason, one word, or too short: refused, nothing shown or queued. */
	assert_int_equal(patient_open(f->nurse1, p.id, NULL, &back, &m), STATUS_BTG_REQUIRED);
	assert_true(tu_has(m.text, "confidential"));
	assert_string_equal(back.f[PF_LAST], "");
	assert_int_equal(patient_open(f->nurse1, p.id, "", &back, &m), STATUS_BTG_REQUIRED);
	assert_int_equal(patient_open(f->nurse1, p.id, "emergency", &back, &m),
			 STATUS_BTG_REQUIRED);
	assert_int_equal(patient_open(f->nurse1, p.id, "   treatment    ", &back, &m),
			 STATUS_BTG_REQUIRED);
	assert_int_equal(patient_open(f->nurse1, p.f[PF_MRN], "er now", &back, &m),
			 STATUS_BTG_REQUIRED);
	assert_string_equal(back.f[PF_LAST], "");
	assert_int_equal(tu_audit_count(f->db, "break_the_glass", NULL), btg_before);
	assert_int_equal(tu_audit_count(f->db, "chart_open", "nurse1"), opens);
	assert_int_equal(btg_rows(f, "nurse1", p.prow), 0);

	/* The clinical chart is closed to this session too. */
	assert_int_equal(allergy_add(f->nurse1, p.id, "Peanuts", "", "mild", &row, &m),
			 STATUS_BTG_REQUIRED);
	assert_int_equal(chart_items(f->nurse1, p.id, CHART_ALLERGY, count_item, &items, &m),
			 STATUS_BTG_REQUIRED);
	assert_int_equal(clinical_banner(f->nurse1, p.id, banner, sizeof banner, &m),
			 STATUS_BTG_REQUIRED);
	assert_string_equal(banner, "");

	/* With a reason: opened, audited with the reason, queued for review. */
	assert_int_equal(patient_open(f->nurse1, p.id, reason, &back, &m), STATUS_OK);
	assert_string_equal(back.f[PF_LAST], "Lockridge");
	assert_int_equal(back.confidential, 1);
	assert_int_equal(tu_audit_count(f->db, "break_the_glass", "nurse1"), btg_before + 1);
	assert_int_equal(tu_audit_count(f->db, "chart_open", "nurse1"), opens + 1);
	assert_int_equal(tu_audit_find(f->admin, "break_the_glass", p.id, "nurse1", detail,
				       sizeof detail),
			 1);
	assert_string_equal(detail, reason);
	assert_int_equal(btg_rows(f, "nurse1", p.prow), 1);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM btg_queue q JOIN audit a ON a.seq = q.audit_seq WHERE "
		 "a.action = 'break_the_glass' AND a.target = '%s' AND q.prow = %lld",
		 p.id, (long long)p.prow);
	assert_int_equal(tu_sql_int(f->db, sql), 1);
	/* The reason is not stored in the clear. */
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM audit WHERE instr(detail, CAST('%s' AS BLOB)) > 0", "Okafor");
	assert_int_equal(tu_sql_int(f->db, sql), 0);

	/* The same session's clinical calls now work. */
	assert_int_equal(allergy_add(f->nurse1, p.id, "Peanuts", "hives", "moderate", &row, &m),
			 STATUS_OK);
	assert_int_equal(chart_items(f->nurse1, p.id, CHART_ALLERGY, count_item, &items, &m),
			 STATUS_OK);
	assert_int_equal(items, 1);
	assert_int_equal(clinical_banner(f->nurse1, p.id, banner, sizeof banner, &m), STATUS_OK);
	assert_string_equal(banner, "ALLERGIES: Peanuts (moderate)");
	/* Opening it again in this session needs no new reason. */
	assert_int_equal(patient_open(f->nurse1, p.id, NULL, &back, &m), STATUS_OK);
	assert_int_equal(tu_audit_count(f->db, "break_the_glass", NULL), btg_before + 1);

	/* Another nurse's session is not covered by the first one's reason. */
	assert_int_equal(patient_open(f->nurse2, p.id, NULL, &back, &m), STATUS_BTG_REQUIRED);
	assert_int_equal(chart_items(f->nurse2, p.id, CHART_ALLERGY, count_item, &items, &m),
			 STATUS_BTG_REQUIRED);

	/* A provider (view_confidential) opens it without a reason, and no
	 * break-the-glass is recorded. */
	assert_int_equal(patient_open(f->prov, p.id, NULL, &back, &m), STATUS_OK);
	assert_string_equal(back.f[PF_FIRST], "Marisol");
	assert_int_equal(tu_audit_count(f->db, "break_the_glass", NULL), btg_before + 1);
	assert_int_equal(btg_rows(f, "prov1", p.prow), 0);
	items = 0;
	assert_int_equal(chart_items(f->prov, p.id, CHART_ALLERGY, count_item, &items, &m),
			 STATUS_OK);
	assert_int_equal(items, 1);
}

int main(void)
{
	const struct CMUnitTest fields[] = {
		cmocka_unit_test(test_field_table),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_dates_future_and_far_past),
		cmocka_unit_test(test_zip),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_ssn),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_other_text_fields),
		cmocka_unit_test(test_state_and_sex),
		cmocka_unit_test(test_messages_name_the_field),
		cmocka_unit_test(test_validate_record),
		cmocka_unit_test(test_mrn_check_digit),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_age_at_death),
		cmocka_unit_test(test_date_display),
	};
	const struct CMUnitTest registry[] = {
		cmocka_unit_test(test_register_assigns_mrn_and_audits),
		cmocka_unit_test(test_register_refuses_invalid),
		cmocka_unit_test(test_register_denied_for_nurse),
		cmocka_unit_test(test_duplicate_typo_flagged),
		cmocka_unit_test(test_duplicate_check_on_rows_without_match_set),
		cmocka_unit_test(test_register_anyway_audited),
		cmocka_unit_test(test_household_not_flagged),
		cmocka_unit_test(test_update_conflict_names_first_user),
		cmocka_unit_test(test_update_cannot_change_mrn),
		cmocka_unit_test(test_update_tokens_follow),
		cmocka_unit_test(test_open_audited_and_unknown),
		cmocka_unit_test(test_ident_row_fully_defined),
		cmocka_unit_test(test_deceased_in_lists),
		cmocka_unit_test(test_break_the_glass),
	};
	int failed = cmocka_run_group_tests_name("patient fields", fields, fields_setup,
						 fields_teardown);
	failed += cmocka_run_group_tests_name("patient registry", registry, registry_setup,
					      registry_teardown);
	return failed;
}
