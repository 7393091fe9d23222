/* test_reindex.c - core/reindex.h: a database whose search tokens the
 * index's first generation made (before schema 010; tu_index.h makes
 * them so) is searched truthfully meanwhile, re-made in batches that
 * resume, at sign-on for a few seconds, or by `keys reindex` to the end
 * (key_manage); an edit before its turn leaves no stale token; a record
 * that does not open is on record and skipped; afterwards every row holds
 * exactly this generation's tokens and the new kinds of query work. */
#include "testutil.h"

#include "core/internal.h"
#include "core/patient_search.h"
#include "core/reindex.h"
#include "core/synth.h"
#include "db/db_integrity.h"
#include "tu_index.h"

#define FD_PW "front desk password for reindex"
#define HIM_PW "him clerk password for reindex"
#define NSYNTH 120

enum { ZAMORA, NUNEZ, WANG, SMITH, CRUZ, NPAT };

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	clinic_t *c;
	session_t *admin, *fd;
	patient_t p[NPAT];
} fixture_t;

static int setup(void **state)
{
	static const char *const names[NPAT][2] = {
		{"Martin-Zamora", "Juan"}, {"Núñez", "José"}, {"王", "小明"}, {"Smith", "John"},
		{"de la Cruz", "Ana"},
	};
	fixture_t *f = calloc(1, sizeof *f);
	session_t *him;
	int64_t made = 0;
	msg_t m;
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
	him = tu_login(f->c, "him", HIM_PW);
	assert_int_equal(synth_patients(him, NSYNTH, 11, &made, &m), STATUS_OK);
	session_logout(him);
	/* Registered after the synthetic ones: the last rows re-made. */
	for (int i = 0; i < NPAT; i++) {
		char dob[48];
		snprintf(dob, sizeof dob, "19%02d-0%d-1%d", 50 + i, 1 + i, i);
		tu_patient(&f->p[i], names[i][0], names[i][1], dob, "F");
		tu_register(f->fd, &f->p[i], 1);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	session_logout(f->fd);
	session_logout(f->admin);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

static int64_t q(fixture_t *f, const char *sql)
{
	return tu_sql_int(f->db, sql);
}

/* Every patient's tokens as generation 1 made them; the first synthetic
 * one as a row from before match sets. */
static void make_legacy(fixture_t *f)
{
	int64_t prows[NSYNTH + NPAT + 8];
	int n = 0;
	msg_t m;
	assert_int_equal(db_patients_after(f->c->db, 0, prows, NSYNTH + NPAT + 8, &n, &m),
			 STATUS_OK);
	assert_int_equal(n, NSYNTH + NPAT);
	for (int i = 0; i < n; i++)
		tu_index_legacy(f->fd, prows[i], i == 0);
	assert_int_equal(reindex_pending(f->c), 1);
}

static void all_current(fixture_t *f)
{
	int64_t prows[NSYNTH + NPAT + 8];
	int n = 0;
	msg_t m;
	assert_int_equal(db_patients_after(f->c->db, 0, prows, NSYNTH + NPAT + 8, &n, &m),
			 STATUS_OK);
	for (int i = 0; i < n; i++)
		tu_index_current(f->fd, prows[i]);
}

/* The query finds exactly patient `want` (one row). */
static void finds(fixture_t *f, const char *query, int want)
{
	patient_list_t *l = NULL;
	msg_t m;
	if (patient_search(f->fd, query, 50, &l, &m) != STATUS_OK)
		fail_msg("search '%s': %s", query, m.text);
	if (patient_list_count(l) != 1 || strcmp(patient_list_row(l, 0)->id, f->p[want].id) != 0)
		fail_msg("'%s' found %d (%s)", query, patient_list_count(l), m.text);
	patient_list_free(l);
}

static int count(fixture_t *f, const char *query)
{
	patient_list_t *l = NULL;
	msg_t m;
	int n;
	if (patient_search(f->fd, query, 50, &l, &m) != STATUS_OK)
		fail_msg("search '%s': %s", query, m.text);
	n = patient_list_count(l);
	patient_list_free(l);
	return n;
}

/* Every kind of query; the generation-1 rows are found meanwhile through
 * the tokens they have (a longer name through its 6-letter prefix). */
static void the_queries(fixture_t *f, int cjk)
{
	finds(f, "martin-zamora", ZAMORA);
	finds(f, "martin zamora, juan", ZAMORA);
	finds(f, "zamora, juan", ZAMORA);
	finds(f, "nunez", NUNEZ);
	finds(f, "núñez, jose", NUNEZ);
	finds(f, "de la cruz", CRUZ);
	finds(f, "cruz, ana", CRUZ);
	finds(f, f->p[SMITH].f[PF_MRN], SMITH);
	assert_true(count(f, "smith, john") >= 1);
	if (cjk)
		finds(f, "王", WANG);
}

static void test_searches_meanwhile_and_batches(void **state)
{
	fixture_t *f = *state;
	reindex_progress_t p;
	msg_t m;
	char buf[32];
	int64_t legacy_tokens;
	make_legacy(f);
	legacy_tokens = q(f, "SELECT count(*) FROM patient_tokens");
	/* Meanwhile: every query but the one-character one (generation 1 had
	 * no 1-letter tokens; it is found once its row is re-made). */
	the_queries(f, 0);
	assert_int_equal(count(f, "王"), 0);
	/* One batch of 50: the rows up to the 50th re-made, the rest not. */
	assert_int_equal(reindex_run(f->fd, 50, 1, 0, &p, &m), STATUS_OK);
	assert_false(p.done);
	assert_int_equal(p.patients, 50);
	assert_int_equal(p.changed, 50);
	tu_sql_text(f->db, "SELECT value FROM meta WHERE key = 'reindex_after'", buf, sizeof buf);
	assert_int_equal(strtoll(buf, NULL, 10), p.after);
	assert_int_equal(tu_audit_count(f->db, "index_rebuild_start", NULL), 1);
	the_queries(f, 0);
	/* An edit before its row's turn: its generation-1 tokens go with it. */
	{
		patient_t e;
		pfield_t bad;
		assert_int_equal(patient_open(f->fd, f->p[ZAMORA].id, NULL, &e, &m), STATUS_OK);
		snprintf(e.f[PF_CITY], sizeof e.f[PF_CITY], "Springfield");
		assert_int_equal(patient_update(f->fd, &e, &bad, &m), STATUS_OK);
		tu_index_current(f->fd, f->p[ZAMORA].prow);
	}
	/* The rest, by the command's call: key_manage, the front desk has not. */
	assert_int_equal(reindex_all(f->fd, 0, 0, &p, &m), STATUS_DENIED);
	assert_int_equal(reindex_all(f->admin, 0, 0, &p, &m), STATUS_OK);
	assert_true(p.done);
	assert_int_equal(p.changed, NSYNTH + NPAT - 50 - 1); /* the edited one was done */
	assert_int_equal(q(f, "SELECT count(*) FROM meta WHERE key = 'reindex_after'"), 0);
	assert_false(reindex_pending(f->c));
	assert_int_equal(tu_audit_count(f->db, "index_rebuild_start", NULL), 1);
	assert_int_equal(tu_audit_count(f->db, "index_rebuild_done", NULL), 1);
	all_current(f);
	assert_true(q(f, "SELECT count(*) FROM patient_tokens") > legacy_tokens);
	the_queries(f, 1);
	/* Again: nothing to do. */
	assert_int_equal(reindex_all(f->admin, 0, 0, &p, &m), STATUS_OK);
	assert_true(p.done);
	assert_int_equal(p.patients, 0);
}

/* A sign-on holding the keys re-makes them (a few seconds' worth: all of
 * these); one without the demo key (none here) would leave them. */
static void test_sign_on_remakes(void **state)
{
	fixture_t *f = *state;
	session_t *s;
	make_legacy(f);
	s = tu_login(f->c, "fd", FD_PW);
	assert_false(reindex_pending(f->c));
	assert_int_equal(tu_audit_count(f->db, "index_rebuild_done", NULL), 1);
	all_current(f);
	the_queries(f, 1);
	session_logout(s);
}

/* A row that does not open is on record (integrity_fail) and left; the
 * others are re-made; searching for it is an integrity error, as before. */
static void test_bad_record_skipped(void **state)
{
	fixture_t *f = *state;
	reindex_progress_t p;
	msg_t m;
	char where[64];
	make_legacy(f);
	snprintf(where, sizeof where, "prow = %lld", (long long)f->p[NUNEZ].prow);
	assert_true(tu_sql_flip_blob(f->db, "patients", "ident", where, 40) > 0);
	assert_int_equal(reindex_all(f->admin, 0, 0, &p, &m), STATUS_OK);
	assert_true(p.done);
	assert_int_equal(p.failed, 1);
	assert_true(tu_audit_count(f->db, "integrity_fail", NULL) >= 1);
	finds(f, "martin-zamora", ZAMORA);
	finds(f, "王", WANG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_searches_meanwhile_and_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sign_on_remakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_record_skipped, setup, teardown),
	};
	return cmocka_run_group_tests_name("reindex", tests, NULL, NULL);
}
