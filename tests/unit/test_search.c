/* test_search.c - core/patient_search.h and pindex.h: what each kind of
 * query finds (name prefix, part of a compound name, accents folded,
 * "last, first", MRN, date of birth in both formats, phone and its last
 * four), incomplete queries, the limit and "more", recently opened charts,
 * false matches from a colliding token filtered after decryption, and
 * searches audited by their token (never their text). Also folding and
 * Soundex on their own.
 *
 * One clinic database for the group; the front desk registers a fixed set
 * of patients in the group setup, and tests that change the index put it
 * back. */
#include "testutil.h"

#include <inttypes.h>

#include "core/internal.h"
#include "core/patient_search.h"
#include "core/pindex.h"
#include "core/synth.h"
#include "db/db_patients.h"

#define FD_PW "front desk password for search"
#define FDR_PW "front desk recents password"
#define PROV_PW "provider password for search"

enum { SMITH_JOHN, SMITH_MARY, SMITH_JONES, NUNEZ, JOHNSON, SMITHERS, VEXLEY, NPAT };
#define NLIMIT 25

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	clinic_t *c;
	session_t *admin, *fd, *fdr, *prov;
	patient_t p[NPAT];
	char limit_ids[NLIMIT][33];
} fixture_t;

static void person(patient_t *p, const char *last, const char *first, const char *dob,
		   const char *sex, const char *home, const char *mobile)
{
	tu_patient(p, last, first, dob, sex);
	snprintf(p->f[PF_PHONE_HOME], sizeof p->f[PF_PHONE_HOME], "%s", home);
	snprintf(p->f[PF_PHONE_MOBILE], sizeof p->f[PF_PHONE_MOBILE], "%s", mobile);
}

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
	tu_add_user(f->admin, "fd", "frontdesk", FD_PW);
	tu_add_user(f->admin, "fdr", "frontdesk", FDR_PW);
	tu_add_user(f->admin, "prov", "provider", PROV_PW);
	f->fd = tu_login(f->c, "fd", FD_PW);
	f->fdr = tu_login(f->c, "fdr", FDR_PW);
	f->prov = tu_login(f->c, "prov", PROV_PW);

	person(&f->p[SMITH_JOHN], "Smith", "John", "1980-01-15", "M", "617-555-0101", "");
	person(&f->p[SMITH_MARY], "Smith", "Mary", "1982-02-20", "F", "", "508-555-0202");
	person(&f->p[SMITH_JONES], "Smith-Jones", "Alice", "1990-03-03", "F", "", "");
	person(&f->p[NUNEZ], "Núñez", "José", "1975-05-05", "M", "", "");
	person(&f->p[JOHNSON], "Johnson", "Robert", "1966-06-06", "M", "413-555-0303", "");
	person(&f->p[SMITHERS], "Smithers", "Joan", "1970-07-07", "F", "", "");
	person(&f->p[VEXLEY], "Vexley", "Ursula", "1958-08-08", "F", "", "");
	f->p[VEXLEY].confidential = 1;
	for (int i = 0; i < NPAT; i++)
		tu_register(f->fd, &f->p[i], 1);
	/* 25 of one family for the limit, first names Testa..Testy. */
	for (int i = 0; i < NLIMIT; i++) {
		patient_t p;
		char first[16], dob[24];
		snprintf(first, sizeof first, "Test%c", 'a' + i);
		snprintf(dob, sizeof dob, "%04d-02-02", 1950 + i);
		tu_patient(&p, "Limitson", first, dob, i % 2 ? "F" : "M");
		tu_register(f->fd, &p, 1);
		snprintf(f->limit_ids[i], sizeof f->limit_ids[i], "%s", p.id);
	}
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	fixture_t *f = *state;
	session_logout(f->prov);
	session_logout(f->fdr);
	session_logout(f->fd);
	session_logout(f->admin);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

/* Search as s; returns the list (caller frees) after checking the status. */
static patient_list_t *search(session_t *s, const char *q, int limit, msg_t *m)
{
	patient_list_t *l = NULL;
	status_t st = patient_search(s, q, limit, &l, m);
	if (st != STATUS_OK)
		fail_msg("search '%s': %s (%s)", q, status_str(st), m->text);
	assert_non_null(l);
	return l;
}

/* The search finds exactly these patients (indexes into f->p), in this
 * order, and was understood as `kind`. */
static void expect_found(fixture_t *f, const char *q, pquery_kind_t kind, int n, ...)
{
	msg_t m;
	patient_list_t *l = search(f->fd, q, 50, &m);
	va_list ap;
	if (patient_list_kind(l) != kind)
		fail_msg("'%s' understood as kind %d, expected %d", q, patient_list_kind(l), kind);
	if (patient_list_count(l) != n) {
		for (int i = 0; i < patient_list_count(l); i++)
			print_message("  got %s, %s\n", patient_list_row(l, i)->last,
				      patient_list_row(l, i)->first);
		fail_msg("'%s' found %d, expected %d (%s)", q, patient_list_count(l), n, m.text);
	}
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		int want = va_arg(ap, int);
		const patient_row_t *r = patient_list_row(l, i);
		if (strcmp(r->id, f->p[want].id) != 0)
			fail_msg("'%s' row %d is %s, %s; expected %s, %s", q, i, r->last, r->first,
				 f->p[want].f[PF_LAST], f->p[want].f[PF_FIRST]);
	}
	va_end(ap);
	assert_false(patient_list_more(l));
	patient_list_free(l);
}

static void test_name_prefix(void **state)
{
	fixture_t *f = *state;
	/* Sorted by folded last, first: "smith john" < "smith mary" <
	 * "smithers joan" < "smithjones alice". */
	expect_found(f, "smi", PQ_NAME, 4, SMITH_JOHN, SMITH_MARY, SMITHERS, SMITH_JONES);
	expect_found(f, "SMI", PQ_NAME, 4, SMITH_JOHN, SMITH_MARY, SMITHERS, SMITH_JONES);
	expect_found(f, "  Smi  ", PQ_NAME, 4, SMITH_JOHN, SMITH_MARY, SMITHERS, SMITH_JONES);
	expect_found(f, "smith", PQ_NAME, 4, SMITH_JOHN, SMITH_MARY, SMITHERS, SMITH_JONES);
	expect_found(f, "smithe", PQ_NAME, 1, SMITHERS);
	/* Longer than the 6-letter prefix token: the rest is filtered. */
	expect_found(f, "smithers", PQ_NAME, 1, SMITHERS);
	expect_found(f, "smithjo", PQ_NAME, 1, SMITH_JONES);
	expect_found(f, "smith-jones", PQ_NAME, 1, SMITH_JONES);
	expect_found(f, "smithz", PQ_NAME, 0);
	expect_found(f, "smithersz", PQ_NAME, 0);
	expect_found(f, "jo", PQ_NAME, 2, JOHNSON, SMITH_JONES);
	expect_found(f, "zz", PQ_NAME, 0);
}

static void test_part_of_compound_name(void **state)
{
	fixture_t *f = *state;
	expect_found(f, "jones", PQ_NAME, 1, SMITH_JONES);
	expect_found(f, "jon", PQ_NAME, 1, SMITH_JONES);
	expect_found(f, "Jones, Al", PQ_LAST_FIRST, 1, SMITH_JONES);
	expect_found(f, "jonesy", PQ_NAME, 0);
}

static void test_accents_folded(void **state)
{
	fixture_t *f = *state;
	expect_found(f, "nunez", PQ_NAME, 1, NUNEZ);
	expect_found(f, "Núñez", PQ_NAME, 1, NUNEZ);
	expect_found(f, "NÚÑEZ", PQ_NAME, 1, NUNEZ);
	expect_found(f, "nu", PQ_NAME, 1, NUNEZ);
	expect_found(f, "nunez, jose", PQ_LAST_FIRST, 1, NUNEZ);
	expect_found(f, "Nunez, José", PQ_LAST_FIRST, 1, NUNEZ);
	expect_found(f, "nunez, ja", PQ_LAST_FIRST, 0);
}

static void test_last_first(void **state)
{
	fixture_t *f = *state;
	expect_found(f, "smith, jo", PQ_LAST_FIRST, 1, SMITH_JOHN);
	expect_found(f, "Smith,John", PQ_LAST_FIRST, 1, SMITH_JOHN);
	expect_found(f, "smith, john", PQ_LAST_FIRST, 1, SMITH_JOHN);
	expect_found(f, "smith, m", PQ_LAST_FIRST, 1, SMITH_MARY);
	expect_found(f, "smith, johnny", PQ_LAST_FIRST, 0);
	/* No Smi exactly: a last-name prefix with a first-name prefix. */
	expect_found(f, "smi, jo", PQ_LAST_FIRST, 2, SMITH_JOHN, SMITHERS);
	expect_found(f, "smithers, jo", PQ_LAST_FIRST, 1, SMITHERS);
	/* An empty first part is a plain name search. */
	expect_found(f, "smithers,", PQ_NAME, 1, SMITHERS);
}

static void test_mrn(void **state)
{
	fixture_t *f = *state;
	char lower[32];
	expect_found(f, f->p[SMITH_MARY].f[PF_MRN], PQ_MRN, 1, SMITH_MARY);
	snprintf(lower, sizeof lower, "%.16s", f->p[JOHNSON].f[PF_MRN]);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	expect_found(f, lower, PQ_MRN, 1, JOHNSON);
	/* A well-formed MRN nobody has. */
	patient_mrn_format(f->cfg, 7777777, lower, sizeof lower);
	expect_found(f, lower, PQ_MRN, 0);
}

static void test_dob_both_formats(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	patient_list_t *l;
	expect_found(f, "1980-01-15", PQ_DOB, 1, SMITH_JOHN);
	expect_found(f, "01/15/1980", PQ_DOB, 1, SMITH_JOHN);
	expect_found(f, "1/15/1980", PQ_DOB, 1, SMITH_JOHN);
	expect_found(f, "1975-05-05", PQ_DOB, 1, NUNEZ);
	l = search(f->fd, "1980-01-16", 50, &m);
	assert_int_equal(patient_list_kind(l), PQ_DOB);
	assert_int_equal(patient_list_count(l), 0);
	assert_string_equal(m.text, "No patient found by date of birth.");
	patient_list_free(l);
	/* The row carries the age, computed today. */
	l = search(f->fd, "1980-01-15", 50, &m);
	assert_int_equal(patient_list_row(l, 0)->age, patient_age("1980-01-15", NULL));
	assert_string_equal(patient_list_row(l, 0)->dob, "1980-01-15");
	assert_string_equal(patient_list_row(l, 0)->mrn, f->p[SMITH_JOHN].f[PF_MRN]);
	assert_string_equal(patient_list_row(l, 0)->sex, "M");
	assert_string_equal(m.text, "1 match by date of birth");
	patient_list_free(l);
}

static void test_phone_and_last_four(void **state)
{
	fixture_t *f = *state;
	expect_found(f, "617-555-0101", PQ_PHONE, 1, SMITH_JOHN);
	expect_found(f, "(617) 555-0101", PQ_PHONE, 1, SMITH_JOHN);
	expect_found(f, "6175550101", PQ_PHONE, 1, SMITH_JOHN);
	expect_found(f, "1-617-555-0101", PQ_PHONE, 1, SMITH_JOHN);
	expect_found(f, "617.555.0101", PQ_PHONE, 1, SMITH_JOHN);
	expect_found(f, "0101", PQ_PHONE4, 1, SMITH_JOHN);
	/* Mobile numbers too. */
	expect_found(f, "508-555-0202", PQ_PHONE, 1, SMITH_MARY);
	expect_found(f, "0202", PQ_PHONE4, 1, SMITH_MARY);
	expect_found(f, "617-555-0202", PQ_PHONE, 0);
	expect_found(f, "9999", PQ_PHONE4, 0);
}

static void test_incomplete_queries(void **state)
{
	fixture_t *f = *state;
	static const char *const letters[] = {"s", "S", "é", " j ", "-", "1a", NULL};
	static const char *const digits[] = {"1", "12", "123", "12345", "123456789", NULL};
	msg_t m;
	for (int i = 0; letters[i]; i++) {
		patient_list_t *l = search(f->fd, letters[i], 50, &m);
		if (patient_list_kind(l) != PQ_INCOMPLETE)
			fail_msg("'%s' was understood as kind %d", letters[i], patient_list_kind(l));
		assert_int_equal(patient_list_count(l), 0);
		assert_true(tu_has(m.text, "at least 2 letters"));
		patient_list_free(l);
	}
	for (int i = 0; digits[i]; i++) {
		patient_list_t *l = search(f->fd, digits[i], 50, &m);
		if (patient_list_kind(l) != PQ_INCOMPLETE)
			fail_msg("'%s' was understood as kind %d", digits[i], patient_list_kind(l));
		assert_int_equal(patient_list_count(l), 0);
		assert_true(tu_has(m.text, "last 4 digits"));
		patient_list_free(l);
	}
	/* An MRN being typed, or mistyped, lists no names ("CR0" is not the
	 * Craigs): it says what an MRN looks like, or why this one is not. */
	{
		static const char *const partial[] = {"C1", "CR", "CR0", "cr0001", "CR0000123", NULL};
		char bad[PATIENT_FIELD_MAX], good[PATIENT_FIELD_MAX];
		patient_list_t *l;
		for (int i = 0; partial[i]; i++) {
			l = search(f->fd, partial[i], 50, &m);
			if (i == 1) { /* "CR" alone is a name prefix */
				assert_int_equal(patient_list_kind(l), PQ_NAME);
				patient_list_free(l);
				continue;
			}
			if (patient_list_kind(l) != PQ_INCOMPLETE)
				fail_msg("'%s' was understood as kind %d", partial[i], patient_list_kind(l));
			assert_int_equal(patient_list_count(l), 0);
			assert_true(tu_has(m.text, "Keep typing: an MRN is CR and 8 digits"));
			patient_list_free(l);
		}
		/* A whole MRN with a wrong check digit is named as such. */
		snprintf(good, sizeof good, "%s", f->p[SMITH_JOHN].f[PF_MRN]);
		snprintf(bad, sizeof bad, "%s", good);
		bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '9' ? '0' : (char)(bad[strlen(bad) - 1] + 1);
		l = search(f->fd, bad, 50, &m);
		assert_int_equal(patient_list_kind(l), PQ_INCOMPLETE);
		assert_int_equal(patient_list_count(l), 0);
		assert_true(tu_has(m.text, "is not valid here"));
		assert_true(tu_has(m.text, bad));
		patient_list_free(l);
		l = search(f->fd, good, 50, &m);
		assert_int_equal(patient_list_kind(l), PQ_MRN);
		assert_int_equal(patient_list_count(l), 1);
		patient_list_free(l);
	}
	/* NULL and NULL lists are harmless. */
	assert_int_equal(patient_list_count(NULL), 0);
	assert_null(patient_list_row(NULL, 0));
	assert_int_equal(patient_list_more(NULL), 0);
	patient_list_free(NULL);
}

static void test_limit_and_more(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	patient_list_t *l = search(f->fd, "limitson", 10, &m);
	assert_int_equal(patient_list_kind(l), PQ_NAME);
	assert_int_equal(patient_list_count(l), 10);
	assert_true(patient_list_more(l));
	assert_string_equal(m.text, "More than 10 matches by name - type more to narrow.");
	assert_null(patient_list_row(l, 10));
	assert_null(patient_list_row(l, -1));
	patient_list_free(l);

	l = search(f->fd, "limitson", 100, &m);
	assert_int_equal(patient_list_count(l), NLIMIT);
	assert_false(patient_list_more(l));
	assert_string_equal(m.text, "25 matches by name");
	/* Sorted by first name within the family, every one of them there. */
	for (int i = 0; i < NLIMIT; i++) {
		char first[16];
		snprintf(first, sizeof first, "Test%c", 'a' + i);
		assert_string_equal(patient_list_row(l, i)->first, first);
		assert_string_equal(patient_list_row(l, i)->id, f->limit_ids[i]);
	}
	patient_list_free(l);

	/* Exactly as many as the limit: no "more". */
	l = search(f->fd, "limitson", NLIMIT, &m);
	assert_int_equal(patient_list_count(l), NLIMIT);
	assert_false(patient_list_more(l));
	patient_list_free(l);

	/* A narrower query gets under the limit. */
	l = search(f->fd, "limitson, testq", 10, &m);
	assert_int_equal(patient_list_count(l), 1);
	assert_false(patient_list_more(l));
	patient_list_free(l);
	/* A limit below 1 is taken as 1. */
	l = search(f->fd, "limitson", 0, &m);
	assert_int_equal(patient_list_count(l), 1);
	assert_true(patient_list_more(l));
	patient_list_free(l);
}

static void test_recently_opened(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	patient_t out;
	patient_list_t *l = search(f->fdr, "", 50, &m);
	assert_int_equal(patient_list_kind(l), PQ_RECENT);
	assert_int_equal(patient_list_count(l), 0);
	patient_list_free(l);

	assert_int_equal(patient_open(f->fdr, f->p[SMITH_MARY].id, NULL, &out, &m), STATUS_OK);
	assert_int_equal(patient_open(f->fdr, f->p[NUNEZ].f[PF_MRN], NULL, &out, &m), STATUS_OK);
	l = search(f->fdr, "   ", 50, &m);
	assert_int_equal(patient_list_kind(l), PQ_RECENT);
	assert_int_equal(patient_list_count(l), 2);
	/* Newest first. */
	assert_string_equal(patient_list_row(l, 0)->id, f->p[NUNEZ].id);
	assert_string_equal(patient_list_row(l, 0)->last, "Núñez");
	assert_string_equal(patient_list_row(l, 1)->id, f->p[SMITH_MARY].id);
	patient_list_free(l);
	/* Each user has their own list; a limit applies. */
	l = search(f->fdr, "", 1, &m);
	assert_int_equal(patient_list_count(l), 1);
	assert_string_equal(patient_list_row(l, 0)->id, f->p[NUNEZ].id);
	patient_list_free(l);
	l = search(f->prov, NULL, 50, &m);
	assert_int_equal(patient_list_kind(l), PQ_RECENT);
	assert_int_equal(patient_list_count(l), 0);
	patient_list_free(l);
}

static void put_token(fixture_t *f, pfamily_t fam, const char *value, int64_t prow, int add)
{
	int64_t tok;
	char sql[160];
	msg_t m;
	assert_int_equal(pindex_token(f->fd->kr, f->cfg->blind_index_bytes, fam, value, &tok, &m),
			 STATUS_OK);
	if (add)
		snprintf(sql, sizeof sql,
			 "INSERT INTO patient_tokens(token, rank, prow) SELECT %" PRId64 ", sort_rank, "
			 "prow FROM patients WHERE prow = %" PRId64,
			 tok, prow);
	else
		snprintf(sql, sizeof sql,
			 "DELETE FROM patient_tokens WHERE token = %" PRId64 " AND prow = %" PRId64,
			 tok, prow);
	tu_sql(f->db, sql);
}

/* How many patients the index lists under a token. */
static int holders(fixture_t *f, pfamily_t fam, const char *value)
{
	int64_t tok, prows[16];
	int n = 0;
	msg_t m;
	assert_int_equal(pindex_token(f->fd->kr, f->cfg->blind_index_bytes, fam, value, &tok, &m),
			 STATUS_OK);
	assert_int_equal(db_token_lookup(f->c->db, tok, prows, 16, &n, &m), STATUS_OK);
	return n;
}

static void test_colliding_token_filtered(void **state)
{
	fixture_t *f = *state;
	int64_t johnson = f->p[JOHNSON].prow, john = f->p[SMITH_JOHN].prow;
	patient_t out;
	msg_t m;

	/* Someone with the file makes tokens of other values point at Johnson
	 * (the effect of a truncated-hash collision). */
	assert_int_equal(holders(f, PFAM_LAST_PREFIX, "smi"), 4);
	put_token(f, PFAM_LAST_PREFIX, "smi", johnson, 1);
	put_token(f, PFAM_LAST_FIRST, "smith|j", johnson, 1);
	put_token(f, PFAM_DOB, "1980-01-15", johnson, 1);
	put_token(f, PFAM_PHONE4, "0101", johnson, 1);
	put_token(f, PFAM_PHONE, "6175550101", johnson, 1);
	/* ... and Johnson's MRN token at John Smith, whose row comes first. */
	put_token(f, PFAM_MRN, f->p[JOHNSON].f[PF_MRN], john, 1);
	assert_int_equal(holders(f, PFAM_LAST_PREFIX, "smi"), 5);
	assert_int_equal(holders(f, PFAM_DOB, "1980-01-15"), 2);
	assert_int_equal(holders(f, PFAM_MRN, f->p[JOHNSON].f[PF_MRN]), 2);

	/* Every search decrypts the candidates and drops the false ones. */
	expect_found(f, "smi", PQ_NAME, 4, SMITH_JOHN, SMITH_MARY, SMITHERS, SMITH_JONES);
	expect_found(f, "smith, j", PQ_LAST_FIRST, 1, SMITH_JOHN);
	expect_found(f, "1980-01-15", PQ_DOB, 1, SMITH_JOHN);
	expect_found(f, "0101", PQ_PHONE4, 1, SMITH_JOHN);
	expect_found(f, "617-555-0101", PQ_PHONE, 1, SMITH_JOHN);
	expect_found(f, f->p[JOHNSON].f[PF_MRN], PQ_MRN, 1, JOHNSON);
	/* Opening by MRN checks the decrypted MRN, not just the token. */
	assert_int_equal(patient_open(f->fd, f->p[JOHNSON].f[PF_MRN], NULL, &out, &m), STATUS_OK);
	assert_string_equal(out.id, f->p[JOHNSON].id);
	assert_string_equal(out.f[PF_LAST], "Johnson");

	put_token(f, PFAM_LAST_PREFIX, "smi", johnson, 0);
	put_token(f, PFAM_LAST_FIRST, "smith|j", johnson, 0);
	put_token(f, PFAM_DOB, "1980-01-15", johnson, 0);
	put_token(f, PFAM_PHONE4, "0101", johnson, 0);
	put_token(f, PFAM_PHONE, "6175550101", johnson, 0);
	put_token(f, PFAM_MRN, f->p[JOHNSON].f[PF_MRN], john, 0);
	assert_int_equal(holders(f, PFAM_LAST_PREFIX, "smi"), 4);
}

/* audit_list callback: add up the searches (kind:token pairs) in the
 * patient_search entries. */
static int count_search_tokens(const audit_entry_t *e, void *arg)
{
	int64_t *n = arg;
	if (strcmp(e->action, "patient_search") != 0)
		return 0;
	for (const char *p = e->detail; (p = strchr(p, ':')) != NULL; p++)
		(*n)++;
	return 0;
}

/* The newest patient_search entry by `user` (decrypted by the admin). */
static int search_entries(fixture_t *f, const char *user, char *detail, size_t size)
{
	return tu_audit_find(f->admin, "patient_search", NULL, user, detail, size);
}

static void test_searches_audited_by_token(void **state)
{
	fixture_t *f = *state;
	const char *pw = "front desk audit password";
	session_t *s;
	msg_t m;
	patient_t out;
	patient_list_t *l;
	char detail[512], want[64], sql[200], jpath[PATH_MAX + 16];
	int64_t tok, before;
	unsigned char *bytes;
	size_t len;

	tu_add_user(f->admin, "fda", "frontdesk", pw);
	s = tu_login(f->c, "fda", pw);
	tu_audit_flush(f->admin);
	before = tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'patient_search' "
				   "AND user_name = 'fda'");

	l = search(s, "Zanzibarton", 20, &m);
	assert_int_equal(patient_list_count(l), 0);
	patient_list_free(l);
	l = search(s, "1980-01-15", 20, &m);
	assert_int_equal(patient_list_count(l), 1);
	patient_list_free(l);
	/* Each in the journal before its results came back... */
	assert_int_equal(tu_audit_count(f->db, "patient_search", "fda"), before + 2);
	/* ... with its detail encrypted there too. */
	snprintf(jpath, sizeof jpath, "%s.audit-journal", f->db);
	bytes = tu_read_file(jpath, &len);
	assert_non_null(bytes);
	assert_true(tu_contains(bytes, len, "patient_search", 14));
	assert_false(tu_contains(bytes, len, "name:", 5));
	assert_false(tu_contains(bytes, len, "Zanz", 4));
	assert_false(tu_contains(bytes, len, "1980-01-15", 10));
	free(bytes);
	/* The next write chains them: one trail entry for the session's
	 * searches, in front of the write's own entry. */
	assert_int_equal(patient_open(s, f->p[SMITH_JOHN].id, NULL, &out, &m), STATUS_OK);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = "
					   "'patient_search' AND user_name = 'fda'"),
			 before + 1);
	assert_int_equal(tu_audit_count(f->db, "patient_search", "fda"), before + 1);

	/* The entry holds each search's kind and blind token, not the text. */
	assert_int_equal(search_entries(f, "fda", detail, sizeof detail), (int)before + 1);
	assert_int_equal(pindex_token(s->kr, f->cfg->blind_index_bytes, PFAM_LAST_PREFIX,
				      "zanzibarton", &tok, &m),
			 STATUS_OK);
	snprintf(want, sizeof want, "name:%016" PRIx64, (uint64_t)tok);
	assert_true(tu_has(detail, want));
	assert_int_equal(pindex_token(s->kr, f->cfg->blind_index_bytes, PFAM_DOB, "1980-01-15",
				      &tok, &m),
			 STATUS_OK);
	snprintf(want, sizeof want, "date of birth:%016" PRIx64, (uint64_t)tok);
	assert_true(tu_has(detail, want));
	assert_false(tu_has(detail, "anzibar"));
	assert_false(tu_has(detail, "Zanz"));
	assert_false(tu_has(detail, "1980"));
	/* ... and is itself stored encrypted. */
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM audit WHERE action = 'patient_search' AND instr(detail, "
		 "CAST('name:' AS BLOB)) > 0");
	assert_int_equal(tu_sql_int(f->db, sql), 0);

	/* Signing off loses nothing: the search is in the journal already. */
	l = search(s, "Quagmireton", 20, &m);
	patient_list_free(l);
	session_logout(s);
	tu_audit_flush(f->admin);
	assert_int_equal(search_entries(f, "fda", detail, sizeof detail), (int)before + 2);
	assert_false(tu_has(detail, "uagmire"));
	assert_true(tu_has(detail, "name:"));
}

/* Many searches: chained as few entries (one session's searches grouped,
 * at most what one entry's detail holds), every search exactly once, and
 * chaining again changes nothing. */
static void test_searches_chained_once_in_groups(void **state)
{
	fixture_t *f = *state;
	const char *pw = "front desk group password";
	session_t *s;
	msg_t m;
	patient_list_t *l;
	int64_t entries, tokens = 0;

	tu_add_user(f->admin, "fdp", "frontdesk", pw);
	s = tu_login(f->c, "fdp", pw);
	for (int i = 0; i < 300; i++) {
		l = search(s, i % 2 ? "1980-01-15" : "johnson", 10, &m);
		patient_list_free(l);
	}
	assert_int_equal(tu_audit_count(f->db, "patient_search", "fdp"), 300);
	tu_audit_flush(s);
	entries = tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'patient_search' "
				    "AND user_name = 'fdp'");
	assert_true(entries >= 10 && entries <= 30);
	tu_audit_flush(s);
	tu_audit_flush(f->admin);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = "
					   "'patient_search' AND user_name = 'fdp'"),
			 entries);
	/* Every search once: count the kind:token pairs in the entries. */
	{
		audit_query_t q;
		memset(&q, 0, sizeof q);
		q.user_name = "fdp";
		assert_int_equal(audit_list(f->admin, &q, count_search_tokens, &tokens, &m), STATUS_OK);
	}
	assert_int_equal(tokens, 300);
	/* The journal was emptied as the ids were found chained. */
	tu_audit_flush(f->admin);
	assert_int_equal(tu_audit_count(f->db, "patient_search", "fdp"), entries);
	session_logout(s);
}
/* If the account cannot be read, a search is refused (fail closed), the
 * session is not locked, and searching works again once it can. */
static void test_search_refused_when_account_unreadable(void **state)
{
	fixture_t *f = *state;
	const char *pw = "front desk unreadable password";
	session_t *s;
	msg_t m;
	patient_list_t *l = (patient_list_t *)1;
	tu_add_user(f->admin, "fdu", "frontdesk", pw);
	s = tu_login(f->c, "fdu", pw);
	tu_sql(f->db, "ALTER TABLE users RENAME TO users_away");
	assert_int_not_equal(patient_search(s, "smith", 10, &l, &m), STATUS_OK);
	assert_null(l);
	assert_true(tu_has(m.text, "could not be checked"));
	tu_sql(f->db, "ALTER TABLE users_away RENAME TO users");
	assert_false(session_is_locked(s));
	l = search(s, "smith", 10, &m);
	assert_true(patient_list_count(l) > 0);
	patient_list_free(l);
	session_logout(s);
}

/* "last, first": the last name is a whole name (or part) when some
 * patient has it; only when none has is it a prefix. No budget: every
 * candidate of the token is checked, whatever the limit. */
static void test_last_first_prefix_only_without_that_last_name(void **state)
{
	fixture_t *f = *state;
	patient_t p, want;
	msg_t m;
	patient_list_t *l;
	tu_patient(&want, "Budgetsonne", "Abcdefa", "1972-02-02", "F");
	tu_register(f->fd, &want, 1);
	for (int i = 0; i < 25; i++) {
		char first[16];
		snprintf(first, sizeof first, "Abce%c", 'a' + i);
		tu_patient(&p, "Budgetson", first, "1971-01-01", "F");
		tu_register(f->fd, &p, 1);
	}
	/* Nobody is called "Budgetso": a prefix, with the first name's. At
	 * limit 1, after 25 candidates that do not match (the old budget
	 * was 20 per row shown). */
	l = search(f->fd, "budgetso, abcd", 1, &m);
	assert_int_equal(patient_list_count(l), 1);
	assert_string_equal(patient_list_row(l, 0)->id, want.id);
	assert_false(patient_list_more(l));
	assert_string_equal(m.text, "1 match by last, first");
	patient_list_free(l);
	/* Budgetsons exist: "budgetson, abcd" means them, and none is Abcd. */
	l = search(f->fd, "budgetson, abcd", 1, &m);
	assert_int_equal(patient_list_count(l), 0);
	assert_false(patient_list_more(l));
	assert_string_equal(m.text, "No patient found by last, first.");
	patient_list_free(l);
	l = search(f->fd, "budgetson, abcey", 50, &m);
	assert_int_equal(patient_list_count(l), 1);
	patient_list_free(l);
}

static void test_search_permission_and_confidential(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	patient_list_t *l = (patient_list_t *)1;
	/* The administrator has no chart lookup. */
	assert_int_equal(patient_search(f->admin, "smith", 10, &l, &m), STATUS_DENIED);
	assert_null(l);
	/* A confidential chart is listed, marked; opening it is what needs a
	 * reason. */
	l = search(f->fd, "vexley", 10, &m);
	assert_int_equal(patient_list_count(l), 1);
	assert_int_equal(patient_list_row(l, 0)->confidential, 1);
	patient_list_free(l);
	l = search(f->fd, "smith, john", 10, &m);
	assert_int_equal(patient_list_row(l, 0)->confidential, 0);
	patient_list_free(l);
}

/* Search checks the account inside its read snapshot: an account
 * disabled or moved to another role while signed on is refused at its
 * next search, the session is locked, and no transaction is left open on
 * the clinic's connection (the administrator's next change goes through). */
static void test_search_refused_after_account_change(void **state)
{
	fixture_t *f = *state;
	const char *pw = "front desk soon disabled password";
	const char *pw2 = "front desk soon moved password";
	session_t *s;
	msg_t m;
	patient_list_t *l;

	tu_add_user(f->admin, "fdd", "frontdesk", pw);
	s = tu_login(f->c, "fdd", pw);
	l = search(s, "smith", 10, &m);
	assert_true(patient_list_count(l) > 0);
	patient_list_free(l);
	assert_int_equal(users_disable(f->admin, "fdd", &m), STATUS_OK);
	l = (patient_list_t *)1;
	assert_int_equal(patient_search(s, "smith", 10, &l, &m), STATUS_DENIED);
	assert_null(l);
	assert_true(tu_has(m.text, "disabled"));
	/* The session was locked, and that is in the audit trail (written
	 * after the snapshot ended: a write inside it would fail). */
	assert_int_equal(tu_audit_count(f->db, "idle_lock", "fdd"), 1);
	assert_int_equal(patient_search(s, "smith", 10, &l, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "locked"));
	session_logout(s);

	tu_add_user(f->admin, "fdm", "frontdesk", pw2);
	s = tu_login(f->c, "fdm", pw2);
	assert_int_equal(users_set_role(f->admin, "fdm", "nurse", &m), STATUS_OK);
	assert_int_equal(patient_search(s, "1980-01-15", 10, &l, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "role was changed"));
	assert_int_equal(tu_audit_count(f->db, "idle_lock", "fdm"), 1);
	session_logout(s);
	/* Nothing was left open: a write on the same connection works. */
	assert_int_equal(users_unlock(f->admin, "fdm", &m), STATUS_OK);
}

static void test_fold_and_soundex(void **state)
{
	char out[64], sdx[5];
	(void)state;
	pindex_fold("Núñez", out, sizeof out);
	assert_string_equal(out, "nunez");
	pindex_fold("O'Brien-Smith Jr", out, sizeof out);
	assert_string_equal(out, "obriensmithjr");
	pindex_fold("Straße", out, sizeof out);
	assert_string_equal(out, "strasse");
	pindex_fold("ÆRØ Œuvre Łódź", out, sizeof out);
	assert_string_equal(out, "aerooeuvrelodz");
	pindex_fold("O\xe2\x80\x99" "Neil", out, sizeof out);
	assert_string_equal(out, "oneil");
	pindex_fold("Иванов", out, sizeof out); /* other scripts: case folded too */
	assert_string_equal(out, "иванов");
	pindex_fold("123 !?", out, sizeof out);
	assert_string_equal(out, "");
	pindex_fold("Zoë", out, 3); /* cut to fit, never overrun */
	assert_string_equal(out, "zo");

	static const char *const names[][2] = {
		{"robert", "r163"}, {"rupert", "r163"}, {"ashcraft", "a261"}, {"tymczak", "t522"},
		{"pfister", "p236"}, {"lee", "l000"},   {"honeyman", "h555"}, {"jackson", "j250"},
		{"johnson", "j525"}, {"jonson", "j525"}, {"smith", "s530"},   {"smyth", "s530"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		pindex_soundex(names[i][0], sdx);
		assert_string_equal(sdx, names[i][1]);
	}
	pindex_soundex("", sdx);
	assert_string_equal(sdx, "");
	pindex_soundex("Иванов", sdx);
	assert_string_equal(sdx, "");
	pindex_digits("(617) 555-0123", out, sizeof out);
	assert_string_equal(out, "6175550123");
	pindex_digits("6175550123", out, 5);
	assert_string_equal(out, "6175");
}

static void test_tokens_of_a_patient(void **state)
{
	fixture_t *f = *state;
	ptokens_t t;
	int64_t tok;
	msg_t m;
	int have;
	const patient_t *p = &f->p[SMITH_JONES];
	assert_int_equal(pindex_patient(f->fd->kr, f->cfg->blind_index_bytes, p, &t, &m),
			 STATUS_OK);
	assert_true(t.n > 10 && t.n <= PINDEX_TOKENS_MAX);
	/* The tokens that find patients are in the index for this patient;
	 * those only compared by the duplicate check are not, but are in the
	 * row's match set, which is sorted (its order says nothing of which
	 * token is which). */
	{
		char sql[200], hex[2 * PINDEX_MATCH_MAX + 1];
		unsigned char set[PINDEX_MATCH_MAX];
		size_t len = pindex_match_set(&t, set, sizeof set);
		int indexed = 0, matched = 0;
		assert_true(len > 0 && len % 8 == 0);
		for (size_t i = 8; i < len; i += 8)
			assert_true(memcmp(set + i - 8, set + i, 8) < 0);
		snprintf(sql, sizeof sql, "SELECT hex(match) FROM patients WHERE prow = %" PRId64,
			 p->prow);
		tu_sql_text(f->db, sql, hex, sizeof hex);
		for (size_t i = 0; i < len; i++) {
			char two[3];
			snprintf(two, sizeof two, "%02X", set[i]);
			assert_memory_equal(hex + 2 * i, two, 2);
		}
		assert_int_equal(strlen(hex), 2 * len);
		for (int i = 0; i < t.n; i++) {
			int in_set = pindex_match_has(set, len, t.tok[i]);
			snprintf(sql, sizeof sql,
				 "SELECT count(*) FROM patient_tokens WHERE token = %" PRId64
				 " AND prow = %" PRId64,
				 t.tok[i], p->prow);
			assert_int_equal(tu_sql_int(f->db, sql),
					 pindex_family_indexed((pfamily_t)t.fam[i]));
			assert_int_equal(in_set, pindex_family_matched((pfamily_t)t.fam[i]));
			indexed += pindex_family_indexed((pfamily_t)t.fam[i]);
			matched += in_set;
		}
		assert_true(indexed >= 8 && matched >= 8);
		assert_false(pindex_match_has(set, len, 12345));
		assert_false(pindex_match_has(set, len - 1, t.tok[0])); /* malformed */
	}
	/* The part "jones" has its own prefixes; the whole name its own. */
	have = 0;
	assert_int_equal(pindex_token(f->fd->kr, f->cfg->blind_index_bytes, PFAM_LAST_PREFIX,
				      "jones", &tok, &m),
			 STATUS_OK);
	for (int i = 0; i < t.n; i++)
		have |= t.tok[i] == tok && t.fam[i] == PFAM_LAST_PREFIX;
	assert_true(have);
	have = 0;
	assert_int_equal(pindex_token(f->fd->kr, f->cfg->blind_index_bytes, PFAM_LAST,
				      "smithjones", &tok, &m),
			 STATUS_OK);
	for (int i = 0; i < t.n; i++)
		have |= t.tok[i] == tok && t.fam[i] == PFAM_LAST;
	assert_true(have);
	/* A token is never the same for two families of one value. */
	{
		int64_t a, b;
		assert_int_equal(pindex_token(f->fd->kr, 8, PFAM_LAST, "smith", &a, &m), STATUS_OK);
		assert_int_equal(pindex_token(f->fd->kr, 8, PFAM_FIRST, "smith", &b, &m), STATUS_OK);
		assert_true(a != b);
	}
}

/* The bulk loader's memo gives exactly the tokens computed afresh, for
 * many patients sharing names and dates, through slot collisions, and
 * starts afresh for another token length. */
static void test_memo_gives_the_same_tokens(void **state)
{
	fixture_t *f = *state;
	pindex_memo_t *memo = pindex_memo_new();
	patient_t *p = malloc(sizeof *p);
	ptokens_t a, b;
	msg_t m;
	assert_non_null(memo);
	assert_non_null(p);
	for (int round = 0; round < 2; round++) {
		int bytes = round ? 5 : f->cfg->blind_index_bytes;
		for (int64_t i = 0; i < 30000; i++) {
			synth_patient(99, i, p);
			snprintf(p->f[PF_MRN], sizeof p->f[PF_MRN], "CR%08lld", (long long)i);
			assert_int_equal(pindex_patient(f->fd->kr, bytes, p, &a, &m), STATUS_OK);
			assert_int_equal(pindex_patient_memo(f->fd->kr, bytes, p, memo, &b, &m),
					 STATUS_OK);
			assert_int_equal(a.n, b.n);
			assert_memory_equal(a.tok, b.tok, (size_t)a.n * sizeof a.tok[0]);
			assert_memory_equal(a.fam, b.fam, (size_t)a.n);
		}
	}
	/* Values waiting for their tokens (the memo's lookups are batched):
	 * a name of many parts (more values than wait at once), values too
	 * long for the memo between short ones, each patient twice (the
	 * second time from the memo); the same tokens in the same order. */
	{
		static const char *const lasts[] = {
		    "de la Cruz-Villanueva y Montenegro-Santisteban van der Berg",
		    "Abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz-Lee",
		    "Oyelaran-Mbeki Fitzgerald-Nakamura O'Connell-Ruiz de Souza"};
		static const char *const firsts[] = {
		    "Maria", "Bartholomewtheodorealexandermaximilianfrederick", "Jo"};
		for (int k = 0; k < 2 * 9; k++) {
			tu_patient(p, lasts[k % 3], firsts[(k / 3) % 3], "1961-07-08", "F");
			snprintf(p->f[PF_MRN], sizeof p->f[PF_MRN], "CR%08d", 900000 + k);
			snprintf(p->f[PF_PHONE_HOME], sizeof p->f[PF_PHONE_HOME], "617-555-01%02d", k);
			assert_int_equal(pindex_patient(f->fd->kr, 5, p, &a, &m), STATUS_OK);
			assert_int_equal(pindex_patient_memo(f->fd->kr, 5, p, memo, &b, &m), STATUS_OK);
			assert_true(a.n > (k % 3 == 1 ? 20 : 64));
			assert_int_equal(a.n, b.n);
			assert_memory_equal(a.tok, b.tok, (size_t)a.n * sizeof a.tok[0]);
			assert_memory_equal(a.fam, b.fam, (size_t)a.n);
		}
	}
	pindex_memo_free(memo);
	pindex_memo_free(NULL);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_prefix),
		cmocka_unit_test(test_part_of_compound_name),
		cmocka_unit_test(test_accents_folded),
		cmocka_unit_test(test_last_first),
		cmocka_unit_test(test_mrn),
		cmocka_unit_test(test_dob_both_formats),
		cmocka_unit_test(test_phone_and_last_four),
		cmocka_unit_test(test_incomplete_queries),
		cmocka_unit_test(test_limit_and_more),
		cmocka_unit_test(test_recently_opened),
		cmocka_unit_test(test_colliding_token_filtered),
		cmocka_unit_test(test_searches_audited_by_token),
		cmocka_unit_test(test_searches_chained_once_in_groups),
		cmocka_unit_test(test_search_refused_when_account_unreadable),
		cmocka_unit_test(test_last_first_prefix_only_without_that_last_name),
		cmocka_unit_test(test_search_permission_and_confidential),
		cmocka_unit_test(test_search_refused_after_account_change),
		cmocka_unit_test(test_fold_and_soundex),
		cmocka_unit_test(test_tokens_of_a_patient),
		cmocka_unit_test(test_memo_gives_the_same_tokens),
	};
	return cmocka_run_group_tests_name("search", tests, group_setup, group_teardown);
}
