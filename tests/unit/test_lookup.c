/* test_lookup.c - issue 11's exact name answers (core/patient_search.h,
 * core/pindex.h): a name search never says "not found" for a patient
 * that matches, and says "more" truthfully.
 *
 *  - a whole hyphenated surname among 1,500 Martins registered before it
 *    (the old scan gave up after decrypting 20 candidates per row shown,
 *    1,000 for a list of 50, and said "No patient found");
 *  - every part of a multi-part name, and every run of parts, with the
 *    first name too (hyphens, spaces, apostrophes, particles);
 *  - one-character Chinese and Korean surnames;
 *  - case and diacritics folded in every script (NFC and NFD input,
 *    full-width letters, Greek final sigma);
 *  - a query with more candidates than one search decrypts says "type
 *    more", never "not found";
 *  - a name of very many parts keeps every token.
 *
 * One clinic for the group; the many-Martins and the cap tests import
 * their own patients (names no other test searches for). */
#include "testutil.h"

#include "core/import.h"
#include "core/internal.h"
#include "core/patient_search.h"
#include "core/pindex.h"

#define FD_PW "front desk password for lookups"
#define HIM_PW "him clerk password for lookups"

enum {
	ZAMORA,
	GARCIA_LOPEZ,
	DE_LA_CRUZ,
	VAN_DER_BERG,
	OBRIEN,
	NUNEZ,
	MULLER,
	NGUYEN,
	WANG_1,
	WANG_2,
	OUYANG,
	KIM,
	PAPADOPOULOS,
	IVANOV,
	NPAT
};

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	clinic_t *c;
	session_t *admin, *fd, *him;
	patient_t p[NPAT];
	int files;
} fixture_t;

static int group_setup(void **state)
{
	static const char *const names[NPAT][3] = {
		{"Martin-Zamora", "Juan", "1961-01-01"},  {"Garcia Lopez", "Maria", "1962-02-02"},
		{"de la Cruz", "Ana", "1963-03-03"},      {"van der Berg", "Jan", "1964-04-04"},
		{"O'Brien", "Sean", "1965-05-05"},        {"Núñez", "José", "1966-06-06"},
		{"Müller", "Jürgen", "1967-07-07"},       {"Nguyễn", "Văn", "1968-08-08"},
		{"王", "小明", "1969-09-09"},             {"王", "芳", "1970-10-10"},
		{"欧阳", "娜", "1971-11-11"},             {"김", "민준", "1972-12-12"},
		{"Παπαδόπουλος", "Γιώργος", "1973-01-13"}, {"Иванов", "Иван", "1974-02-14"},
	};
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
	tu_add_user(f->admin, "him", "him", HIM_PW);
	f->fd = tu_login(f->c, "fd", FD_PW);
	f->him = tu_login(f->c, "him", HIM_PW);
	for (int i = 0; i < NPAT; i++) {
		tu_patient(&f->p[i], names[i][0], names[i][1], names[i][2], i % 2 ? "F" : "M");
		tu_register(f->fd, &f->p[i], 1);
	}
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	fixture_t *f = *state;
	session_logout(f->him);
	session_logout(f->fd);
	session_logout(f->admin);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

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
 * order, and nothing more. */
static void expect(fixture_t *f, const char *q, int n, ...)
{
	msg_t m;
	patient_list_t *l = search(f->fd, q, 50, &m);
	va_list ap;
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
	if (n == 0 && !tu_has(m.text, "No patient found"))
		fail_msg("'%s': %s", q, m.text);
	patient_list_free(l);
}

/* Import rows (CSV lines after the header) as the HIM clerk. The crowds
 * of one surname these tests build are look-alikes on purpose: imported
 * past the duplicate check (register_anyway). */
static void import_rows(fixture_t *f, const char *rows)
{
	char path[PATH_MAX], name[32], *text;
	import_report_t rep;
	import_opts_t o = {.register_anyway = 1};
	msg_t m;
	size_t len = strlen(rows) + 64;
	snprintf(name, sizeof name, "rows%d.csv", ++f->files);
	tu_path(path, f->dir, name);
	text = malloc(len);
	assert_non_null(text);
	snprintf(text, len, "last_name,first_name,dob,sex\n%s", rows);
	tu_write_text(path, text);
	free(text);
	if (import_patients_with(f->him, path, &o, &rep, &m) != STATUS_OK)
		fail_msg("import: %s", m.text);
}

/* n rows of the given last names in turn, first names distinct ("Q" and
 * three letters, so none is Juan), dates of birth spread over 40 years. */
static char *rows_of(const char *const *lasts, int nlasts, const char *first_prefix, int n)
{
	size_t cap = (size_t)n * 64 + 1, o = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s,%s%c%c%c,%04d-%02d-%02d,%s\n",
				      lasts[i % nlasts], first_prefix, 'a' + i / 676 % 26,
				      'a' + i / 26 % 26, 'a' + i % 26, 1940 + i % 40, 1 + i % 12,
				      1 + i % 28, i % 2 ? "F" : "M");
	return out;
}

/* ---- the false negatives ------------------------------------------ */

/* 1,500 Martins first (lower rows: scanned first), then Juan
 * Martin-Zamora: found by his whole surname as typed, by its parts, with
 * his first name; a prefix of nobody's name is a miss at once; "martin"
 * has more than a page and says so. */
static void test_hyphenated_among_many_martins(void **state)
{
	fixture_t *f = *state;
	static const char *const martins[] = {"Martin", "Martinez", "Martins", "Martinson"};
	char *rows = rows_of(martins, 4, "Q", 1500);
	patient_t late;
	patient_list_t *l;
	msg_t m;
	int zamora = 0;
	import_rows(f, rows);
	free(rows);
	/* Registered after the Martins: as the patients were. */
	tu_patient(&late, "Martin-Zamora", "Lucia", "1990-01-01", "F");
	tu_register(f->fd, &late, 1);

	static const char *const whole[] = {"Martin-Zamora", "martin zamora", "MARTIN-ZAMORA",
					    "martinzamora", "martinzam", "Martin–Zamora", NULL};
	for (int i = 0; whole[i]; i++) {
		l = search(f->fd, whole[i], 50, &m);
		if (patient_list_count(l) != 2)
			fail_msg("'%s' found %d (%s)", whole[i], patient_list_count(l), m.text);
		assert_string_equal(patient_list_row(l, 0)->id, f->p[ZAMORA].id); /* Juan < Lucia */
		assert_string_equal(patient_list_row(l, 1)->id, late.id);
		assert_false(patient_list_more(l));
		assert_string_equal(m.text, "2 matches by name");
		patient_list_free(l);
	}
	expect(f, "martin-zamora, juan", 1, ZAMORA);
	expect(f, "Martin-Zamora, J", 1, ZAMORA);
	expect(f, "zamora, ju", 1, ZAMORA);
	/* A part alone: Zamora is a last name of its own here. */
	l = search(f->fd, "zamora", 50, &m);
	assert_int_equal(patient_list_count(l), 2);
	patient_list_free(l);
	/* "martin, juan": the Martins called Juan, and Martin-Zamora is one. */
	expect(f, "martin, juan", 1, ZAMORA);
	/* Misses: a prefix nobody has; a first name nobody has. */
	expect(f, "martinzz", 0);
	expect(f, "martinezz", 0);
	expect(f, "martin-zamoraz", 0);
	expect(f, "martinez, zz", 0);
	/* 1,500 and more: a page, and "more". */
	l = search(f->fd, "martin", 50, &m);
	assert_int_equal(patient_list_count(l), 50);
	assert_true(patient_list_more(l));
	assert_string_equal(m.text, "More than 50 matches by name - type more to narrow.");
	for (int i = 0; i < 50; i++)
		assert_true(strncmp(patient_list_row(l, i)->last, "Martin", 6) == 0);
	patient_list_free(l);
	/* The rows a search shows are in name order. */
	l = search(f->fd, "martinson", 400, &m);
	assert_int_equal(patient_list_count(l), 375);
	assert_false(patient_list_more(l));
	assert_string_equal(m.text, "375 matches by name"); /* written without printf */
	for (int i = 1; i < patient_list_count(l); i++) {
		const patient_row_t *a = patient_list_row(l, i - 1), *b = patient_list_row(l, i);
		assert_true(strcmp(a->first, b->first) <= 0);
		zamora += strcmp(b->last, "Martinson") != 0;
	}
	assert_int_equal(zamora, 0);
	patient_list_free(l);
}

static void test_multi_part_names(void **state)
{
	fixture_t *f = *state;
	/* Spaces and particles: every part, every run to the end, whole. */
	expect(f, "de la cruz", 1, DE_LA_CRUZ);
	expect(f, "De La Cruz", 1, DE_LA_CRUZ);
	expect(f, "delacruz", 1, DE_LA_CRUZ);
	expect(f, "dela", 1, DE_LA_CRUZ);
	expect(f, "la cruz", 1, DE_LA_CRUZ);
	expect(f, "cruz", 1, DE_LA_CRUZ);
	expect(f, "cruz, ana", 1, DE_LA_CRUZ);
	expect(f, "la cruz, an", 1, DE_LA_CRUZ);
	expect(f, "de la cruz, ana", 1, DE_LA_CRUZ);
	expect(f, "van der berg", 1, VAN_DER_BERG);
	expect(f, "vanderberg", 1, VAN_DER_BERG);
	expect(f, "der berg", 1, VAN_DER_BERG);
	expect(f, "berg", 1, VAN_DER_BERG);
	expect(f, "berg, jan", 1, VAN_DER_BERG);
	expect(f, "van der berg, j", 1, VAN_DER_BERG);
	/* Two family names, either alone, with the first name. */
	expect(f, "garcia lopez", 1, GARCIA_LOPEZ);
	expect(f, "garcia-lopez", 1, GARCIA_LOPEZ);
	expect(f, "lopez", 1, GARCIA_LOPEZ);
	expect(f, "garcia, maria", 1, GARCIA_LOPEZ);
	expect(f, "lopez, maria", 1, GARCIA_LOPEZ);
	expect(f, "garcia lopez, maria", 1, GARCIA_LOPEZ);
	/* Apostrophes: with or without, or the name after it. */
	expect(f, "o'brien", 1, OBRIEN);
	expect(f, "OBrien", 1, OBRIEN);
	expect(f, "o\xe2\x80\x99" "brien", 1, OBRIEN); /* a typographic apostrophe */
	expect(f, "brien", 1, OBRIEN);
	expect(f, "o'brien, sean", 1, OBRIEN);
	expect(f, "brien, s", 1, OBRIEN);
	/* Not a part: the middle of a part. */
	expect(f, "rien", 0);
	expect(f, "amora", 0);
}

static void test_cjk_one_character(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	patient_list_t *l;
	/* 王 is a whole family name: one character finds it. */
	expect(f, "王", 2, WANG_1, WANG_2); /* 王 小明 < 王 芳 (code point order) */
	expect(f, " 王 ", 2, WANG_1, WANG_2);
	expect(f, "王, 小", 1, WANG_1);
	expect(f, "王, 小明", 1, WANG_1);
	expect(f, "王, 芳", 1, WANG_2);
	expect(f, "欧", 1, OUYANG);
	expect(f, "欧阳", 1, OUYANG);
	expect(f, "欧阳, 娜", 1, OUYANG);
	expect(f, "김", 1, KIM);
	expect(f, "김, 민", 1, KIM);
	expect(f, "李", 0);
	/* A single Latin letter is still too short. */
	l = search(f->fd, "w", 50, &m);
	assert_int_equal(patient_list_kind(l), PQ_INCOMPLETE);
	assert_true(tu_has(m.text, "at least 2 letters"));
	patient_list_free(l);
	assert_int_equal(pindex_min_letters("王"), 1);
	assert_int_equal(pindex_min_letters("김"), 1);
	assert_int_equal(pindex_min_letters("やまだ"), 1);
	assert_int_equal(pindex_min_letters("smith"), 2);
	assert_int_equal(pindex_min_letters("иванов"), 2);
}

static void test_diacritics_and_case(void **state)
{
	fixture_t *f = *state;
	expect(f, "nunez", 1, NUNEZ);
	expect(f, "NUNEZ", 1, NUNEZ);
	expect(f, "Núñez", 1, NUNEZ);
	expect(f, "Nu\xcc\x81n\xcc\x83" "ez", 1, NUNEZ); /* decomposed (NFD) as typed */
	expect(f, "nunez, jose", 1, NUNEZ);
	expect(f, "muller", 1, MULLER);
	expect(f, "MÜLLER", 1, MULLER);
	expect(f, "Mu\xcc\x88ller, jurgen", 1, MULLER);
	expect(f, "\xef\xbc\xad\xef\xbd\x95\xef\xbd\x8c\xef\xbd\x8c\xef\xbd\x85\xef\xbd\x92", 1,
	       MULLER); /* full-width Ｍｕｌｌｅｒ */
	expect(f, "nguyen", 1, NGUYEN);
	expect(f, "Nguyễn, van", 1, NGUYEN);
	expect(f, "παπαδοπουλος", 1, PAPADOPOULOS);
	expect(f, "ΠΑΠΑΔΌΠΟΥΛΟΣ", 1, PAPADOPOULOS); /* capital sigma: final sigma folded */
	expect(f, "Παπαδ", 1, PAPADOPOULOS);
	expect(f, "παπαδοπουλος, γιωργος", 1, PAPADOPOULOS);
	expect(f, "иванов", 1, IVANOV);
	expect(f, "ИВАНОВ, иван", 1, IVANOV);
}

/* Folding on its own: NFKD, case folded, diacritics dropped, then NFC. */
static void test_fold(void **state)
{
	static const char *const cases[][2] = {
		{"Núñez", "nunez"},
		{"Nu\xcc\x81n\xcc\x83" "ez", "nunez"},
		{"MÜLLER", "muller"},
		{"Straße", "strasse"},
		{"ÆRØ Œuvre Łódź", "aerooeuvrelodz"},
		{"Þórðarson", "thordarson"},
		{"Ștefănescu", "stefanescu"}, /* comma below: generation 1 dropped the letter */
		{"Nguyễn", "nguyen"},
		{"Иванов", "иванов"},
		{"Йорк", "иорк"},
		{"ΟΔΥΣΣΕΥΣ", "οδυσσευσ"},
		{"Ｓｍｉｔｈ", "smith"},
		{"王", "王"},
		{"\xe1\x84\x80\xe1\x85\xb5\xe1\x86\xb7", "김"}, /* conjoining jamo, recomposed */
		{"が", "が"},
		{"O\xca\xbc" "Neil", "oneil"}, /* modifier-letter apostrophe */
		{"D'Angelo-Smith Jr.", "dangelosmithjr"},
		{"123 !?", ""},
	};
	char out[PATIENT_FIELD_MAX];
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pindex_fold(cases[i][0], out, sizeof out);
		if (strcmp(out, cases[i][1]) != 0)
			fail_msg("fold '%s' = '%s', expected '%s'", cases[i][0], out, cases[i][1]);
	}
	pindex_fold("Zoë", out, 3); /* cut to fit, never overrun */
	assert_string_equal(out, "zo");
	pindex_fold("王小明", out, 5); /* cut at a character */
	assert_string_equal(out, "王");
}

static void test_name_units(void **state)
{
	pname_t *n = malloc(sizeof *n);
	(void)state;
	assert_non_null(n);
	pindex_name("de la Cruz", n);
	assert_int_equal(n->nparts, 3);
	assert_string_equal(n->whole, "delacruz");
	assert_string_equal(n->part[0], "de");
	assert_string_equal(n->part[2], "cruz");
	assert_string_equal(n->run[1], "lacruz");
	assert_string_equal(n->run[2], "cruz");
	assert_true(pindex_name_has_prefix(n, "lacr"));
	assert_true(pindex_name_has_prefix(n, "dela"));
	assert_false(pindex_name_has_prefix(n, "ruz"));
	assert_true(pindex_name_has_unit(n, "la"));
	assert_true(pindex_name_has_unit(n, "lacruz"));
	assert_false(pindex_name_has_unit(n, "delacru"));
	pindex_name("Smith", n);
	assert_int_equal(n->nparts, 1);
	assert_true(pindex_name_has_unit(n, "smith"));
	/* More parts than PINDEX_PARTS_MAX: the rest is the last one. */
	pindex_name("a b c d e f g h", n);
	assert_int_equal(n->nparts, PINDEX_PARTS_MAX);
	assert_string_equal(n->part[PINDEX_PARTS_MAX - 1], "fgh");
	assert_string_equal(n->whole, "abcdefgh");
	free(n);
}

/* The names with the most tokens there can be (60 characters: every run
 * of parts long enough for all its prefixes; and twenty parts, the rest
 * of which join the sixth): every token fits, they register, and they are
 * found by their whole, their runs and with a first name. */
static void test_many_parts_fit(void **state)
{
	fixture_t *f = *state;
	patient_t a, b;
	ptokens_t t;
	msg_t m;
	patient_list_t *l;
	tu_patient(&a, "A B C D E Fbcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx", "Abcdefgh",
		   "1950-05-05", "F");
	tu_patient(&b, "Ab-Cd-Ef-Gh-Ij-Kl-Mn-Op-Qr-St-Uv-Wx-Yz-Ab-Cd-Ef-Gh-Ij-Kl-Mn", "Abcdefgh",
		   "1950-06-06", "F");
	assert_int_equal(pindex_patient(f->fd->kr, f->cfg->blind_index_bytes, &a, &t, &m),
			 STATUS_OK);
	assert_true(t.n > 140 && t.n <= PINDEX_TOKENS_MAX);
	assert_int_equal(pindex_patient(f->fd->kr, f->cfg->blind_index_bytes, &b, &t, &m),
			 STATUS_OK);
	assert_true(t.n <= PINDEX_TOKENS_MAX);
	tu_register(f->fd, &a, 1);
	tu_register(f->fd, &b, 1);
	static const char *const qa[] = {"a b c d e fbcdefghijklmnopqrstuvwxyz", "abcdefbcdefg",
					 "e fbcdefghijklmnopqrstuvwxyzab", "fbcdefghijklmnopq",
					 "d e f, abcdefgh", "d e fbc, abcdefgh", NULL};
	static const char *const qb[] = {"ab-cd-ef-gh-ij-kl-mn-op", "klmnopqrstuvwxyz",
					 "ij-kl-mn-op-qr-st-uv-wx-yz-ab-cd", "gh, abc", "kl, abc",
					 NULL};
	for (int i = 0; qa[i]; i++) {
		l = search(f->fd, qa[i], 50, &m);
		if (patient_list_count(l) != 1 || strcmp(patient_list_row(l, 0)->id, a.id) != 0)
			fail_msg("'%s' found %d (%s)", qa[i], patient_list_count(l), m.text);
		patient_list_free(l);
	}
	for (int i = 0; qb[i]; i++) {
		l = search(f->fd, qb[i], 50, &m);
		if (patient_list_count(l) != 1 || strcmp(patient_list_row(l, 0)->id, b.id) != 0)
			fail_msg("'%s' found %d (%s)", qb[i], patient_list_count(l), m.text);
		patient_list_free(l);
	}
}

/* More candidates than one search decrypts, none of which matches: the
 * answer is "type more", never "not found". */
static void test_cap_says_more(void **state)
{
	fixture_t *f = *state;
	static const char *const capsons[] = {"Capsonian"};
	char *rows = rows_of(capsons, 1, "Abxyz", 2100);
	patient_list_t *l;
	msg_t m;
	import_rows(f, rows);
	free(rows);
	/* "capsonian, abxyzq...": the last-first token holds "capsonian|abxyz"
	 * (2,100 candidates); the first name's sixth letter is then filtered. */
	l = search(f->fd, "capsonian, abxyzzz", 50, &m);
	assert_int_equal(patient_list_count(l), 0);
	assert_true(patient_list_more(l));
	assert_false(tu_has(m.text, "No patient found"));
	assert_true(tu_has(m.text, "type more"));
	patient_list_free(l);
	/* The one that matches is shown, with "there are more to check". */
	l = search(f->fd, "capsonian, abxyzaab", 50, &m);
	assert_int_equal(patient_list_count(l), 1);
	assert_true(patient_list_more(l));
	assert_true(tu_has(m.text, "1 match by last, first among the first 2000"));
	patient_list_free(l);
	/* A name that has fewer candidates than that: exact. */
	l = search(f->fd, "capsonian", 50, &m);
	assert_int_equal(patient_list_count(l), 50);
	assert_true(patient_list_more(l));
	assert_string_equal(m.text, "More than 50 matches by name - type more to narrow.");
	patient_list_free(l);
}

/* With tokens shorter than 8 bytes the "last, first" fallback checks the
 * last name's holder (a token could be another name's): the same answers. */
static void test_short_tokens(void **state)
{
	fixture_t *f = *state;
	config_t *cfg = calloc(1, sizeof *cfg);
	char db[PATH_MAX];
	clinic_t *c;
	session_t *admin, *fd;
	patient_t p;
	patient_list_t *l;
	msg_t m;
	assert_non_null(cfg);
	tu_config(cfg);
	cfg->blind_index_bytes = 4;
	tu_path(db, f->dir, "short.db");
	tu_clinic_init(db, cfg, NULL);
	c = tu_clinic_open(db, cfg);
	admin = tu_login(c, TU_ADMIN, TU_ADMIN_PW);
	tu_add_user(admin, "fd", "frontdesk", FD_PW);
	fd = tu_login(c, "fd", FD_PW);
	tu_patient(&p, "Smith-Jones", "John", "1970-01-01", "M");
	tu_register(fd, &p, 1);
	l = search(fd, "jones, zz", 50, &m);
	assert_int_equal(patient_list_count(l), 0);
	assert_string_equal(m.text, "No patient found by last, first.");
	patient_list_free(l);
	l = search(fd, "jon, jo", 50, &m);
	assert_int_equal(patient_list_count(l), 1);
	patient_list_free(l);
	l = search(fd, "jones, jo", 50, &m);
	assert_int_equal(patient_list_count(l), 1);
	patient_list_free(l);
	session_logout(fd);
	session_logout(admin);
	clinic_close(c);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_name_units),
		cmocka_unit_test(test_multi_part_names),
		cmocka_unit_test(test_cjk_one_character),
		cmocka_unit_test(test_diacritics_and_case),
		cmocka_unit_test(test_hyphenated_among_many_martins),
		cmocka_unit_test(test_many_parts_fit),
		cmocka_unit_test(test_cap_says_more),
		cmocka_unit_test(test_short_tokens),
	};
	return cmocka_run_group_tests_name("lookup", tests, group_setup, group_teardown);
}
