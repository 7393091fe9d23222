/* test_rotate.c - core/rotate.h: rotating the demo, clin, index and audit
 * keys on a clinic with charts (encounters with a reason for visit,
 * vitals, allergies, medications, problems, a signed note) and synthetic
 * patients; sessions opened before a rotation keep reading and writing
 * through it; a rotation stopped between batches resumes in another
 * process without doing a chart twice or skipping one; the old version is
 * gone at the end (its wraps, its grants, and every value under it); the
 * recovery key's rotation; the Argon2id cost raised at the next sign-on.
 *
 * A fresh clinic per test. */
#include "testutil.h"

#include <inttypes.h>
#include <pthread.h>
#include <time.h>

#include "core/clinical.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/patient_search.h"
#include "core/policy.h"
#include "core/reindex.h"
#include "core/rotate.h"
#include "core/synth.h"
#include "db/db_journal.h"
#include "db/db_integrity.h"
#include "db/db_keys.h"
#include "tu_index.h"

#define FD_PW "front desk password rotation"
#define NURSE_PW "nurse password for rotation"
#define PROV_PW "provider password rotation"
#define HIM_PW "him clerk password for rotation"
#define NCHARTS 3
#define NSYNTH 40
#define NNAMES 4 /* names of the index's new token families (core/pindex.h) */

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	char recovery[CRYPTO_RECOVERY_TEXT];
	config_t *cfg;
	clinic_t *c;
	session_t *admin, *fd, *nurse, *prov;
	char pid[NCHARTS][33];
	char mrn[NCHARTS][PATIENT_FIELD_MAX];
	int64_t erow[NCHARTS];
	char nid[NNAMES][33];
} fixture_t;

static void logout_all(fixture_t *f)
{
	session_logout(f->prov);
	session_logout(f->nurse);
	session_logout(f->fd);
	session_logout(f->admin);
	f->admin = f->fd = f->nurse = f->prov = NULL;
}

static void fill(fixture_t *f)
{
	static const char *const names[NCHARTS] = {"Rotaway", "Keyturner", "Vershift"};
	session_t *him;
	int64_t made = 0;
	msg_t m;
	for (int i = 0; i < NCHARTS; i++) {
		patient_t p;
		int64_t row = 0, nrow = 0;
		const char *bad;
		vitals_input_t v = {"120/80", "70", NULL, NULL, NULL, "170cm", "70kg"};
		char dob[48];
		snprintf(dob, sizeof dob, "19%d0-0%d-1%d", 5 + i, 1 + i, i);
		tu_patient(&p, names[i], "Ivy", dob, "F");
		snprintf(p.f[PF_PHONE_HOME], sizeof p.f[PF_PHONE_HOME], "61755501%02d", 40 + i);
		tu_register(f->fd, &p, 1);
		snprintf(f->pid[i], 33, "%s", p.id);
		snprintf(f->mrn[i], sizeof f->mrn[i], "%s", p.f[PF_MRN]);
		assert_int_equal(encounter_checkin(f->fd, p.id, "office visit", "prov1", "Room 5",
						   "Headache since Monday", &f->erow[i], &m),
				 STATUS_OK);
		assert_int_equal(vitals_record(f->nurse, f->erow[i], &v, &bad, &m), STATUS_OK);
		assert_int_equal(allergy_add(f->nurse, p.id, "Aspirin", "Wheeze", "moderate", &row, &m),
				 STATUS_OK);
		assert_int_equal(medication_add(f->nurse, p.id, "Sumatriptan", "50 mg", "PO",
						"once at onset", "2025-01-02", &row, &m),
				 STATUS_OK);
		assert_int_equal(problem_add(f->prov, p.id, "G43.909", "Migraine", NULL, &row, &m),
				 STATUS_OK);
		assert_int_equal(note_create(f->prov, f->erow[i], 0, "Migraine, photophobia.", &nrow,
					     &m),
				 STATUS_OK);
		assert_int_equal(note_sign(f->prov, nrow, 0, &m), STATUS_OK);
	}
	{
		static const char *const nn[NNAMES][2] = {
			{"Martin-Zamora", "Juan"}, {"王", "小明"}, {"Müller", "Jürgen"}, {"de la Cruz", "Ana"}};
		for (int i = 0; i < NNAMES; i++) {
			patient_t p;
			tu_patient(&p, nn[i][0], nn[i][1], "1977-07-07", "M");
			tu_register(f->fd, &p, 1);
			snprintf(f->nid[i], 33, "%s", p.id);
		}
	}
	him = tu_login(f->c, "him1", HIM_PW);
	assert_int_equal(synth_patients(him, NSYNTH, 7, &made, &m), STATUS_OK);
	session_logout(him);
}

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	tu_crypto_init();
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_config(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	tu_clinic_init(f->db, f->cfg, f->recovery);
	f->c = tu_clinic_open(f->db, f->cfg);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	tu_add_user(f->admin, "fd1", "frontdesk", FD_PW);
	tu_add_user(f->admin, "nurse1", "nurse", NURSE_PW);
	tu_add_user(f->admin, "prov1", "provider", PROV_PW);
	tu_add_user(f->admin, "him1", "him", HIM_PW);
	f->fd = tu_login(f->c, "fd1", FD_PW);
	f->nurse = tu_login(f->c, "nurse1", NURSE_PW);
	f->prov = tu_login(f->c, "prov1", PROV_PW);
	fill(f);
	/* Signed on again: the administrator holds no clinical key now (the
	 * first session kept what init gave it until it ended). */
	session_logout(f->admin);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	assert_false(keyring_has(f->admin->kr, DOMAIN_CLIN));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	logout_all(f);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	sodium_memzero(f->recovery, sizeof f->recovery);
	free(f->cfg);
	free(f);
	return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

static int64_t q(fixture_t *f, const char *sql)
{
	return tu_sql_int(f->db, sql);
}

static int count_one(const chart_item_t *it, void *arg)
{
	(void)it;
	(*(int *)arg)++;
	return 0;
}

/* Every chart reads whole: demographics, the encounter with its reason,
 * the clinical items and the signed note. */
static void charts_read(fixture_t *f, session_t *s)
{
	msg_t m;
	for (int i = 0; i < NCHARTS; i++) {
		patient_t p;
		encounter_info_t e;
		int n = 0;
		assert_int_equal(patient_open(s, f->mrn[i], NULL, &p, &m), STATUS_OK);
		assert_string_equal(p.f[PF_FIRST], "Ivy");
		if (session_role(s) == ROLE_FRONTDESK)
			continue;
		if (encounter_get(s, f->erow[i], &e, &m) != STATUS_OK)
			fail_msg("encounter %d: %s", i, m.text);
		assert_string_equal(e.reason, "Headache since Monday");
		assert_string_equal(e.location, "Room 5");
		for (int k = CHART_ALLERGY; k <= CHART_PROBLEM; k++)
			assert_int_equal(chart_items(s, f->pid[i], (chart_kind_t)k, count_one, &n, &m),
					 STATUS_OK);
		assert_int_equal(n, 3);
	}
}

/* Every patient is found by name prefix, MRN and phone. */
static void searches_find(fixture_t *f, session_t *s)
{
	static const char *const q3[NCHARTS] = {"rotaw", "keytu", "versh"};
	msg_t m;
	for (int i = 0; i < NCHARTS; i++) {
		patient_list_t *l = NULL;
		char phone[32];
		const char *queries[3] = {q3[i], f->mrn[i], phone};
		snprintf(phone, sizeof phone, "61755501%02d", 40 + i);
		for (int k = 0; k < 3; k++) {
			if (patient_search(s, queries[k], 20, &l, &m) != STATUS_OK)
				fail_msg("search %s: %s", queries[k], m.text);
			if (patient_list_count(l) != 1)
				fail_msg("search %s found %d", queries[k], patient_list_count(l));
			assert_string_equal(patient_list_row(l, 0)->id, f->pid[i]);
			patient_list_free(l);
		}
	}
	/* The new token families: a whole hyphenated name, its part with
	 * the first name, one CJK character, diacritics, a run of parts. */
	{
		static const char *const nq[][2] = {
			{"martin-zamora", "0"}, {"zamora, juan", "0"}, {"王", "1"}, {"王, 小", "1"},
			{"muller", "2"},        {"müller, jurgen", "2"}, {"la cruz", "3"},
			{"cruz, ana", "3"}};
		for (size_t k = 0; k < sizeof nq / sizeof nq[0]; k++) {
			patient_list_t *l = NULL;
			if (patient_search(s, nq[k][0], 20, &l, &m) != STATUS_OK)
				fail_msg("search %s: %s", nq[k][0], m.text);
			if (patient_list_count(l) != 1)
				fail_msg("search %s found %d", nq[k][0], patient_list_count(l));
			assert_string_equal(patient_list_row(l, 0)->id, f->nid[nq[k][1][0] - '0']);
			patient_list_free(l);
		}
	}
}

/* Every patient row holds exactly this generation's tokens under the
 * newest index key version (tu_index.h). */
static void index_current(fixture_t *f, session_t *s)
{
	int64_t prows[NCHARTS + NNAMES + NSYNTH + 8];
	int n = 0;
	msg_t m;
	assert_int_equal(db_patients_after(f->c->db, 0, prows, NCHARTS + NNAMES + NSYNTH + 8, &n, &m),
			 STATUS_OK);
	assert_true(n >= NCHARTS + NNAMES + NSYNTH);
	for (int i = 0; i < n; i++)
		tu_index_current(s, prows[i]);
}

static void verify_ok(fixture_t *f)
{
	int64_t n = 0, bad = 0;
	msg_t m;
	if (audit_verify(f->admin, NULL, &n, &bad, &m) != STATUS_OK)
		fail_msg("audit verify: %s", m.text);
	assert_true(tu_has(m.text, "chart heads OK"));
}

typedef struct stopper {
	int steps, stop_at;
} stopper_t;

static int stop_after(const rotate_progress_t *p, void *arg)
{
	stopper_t *st = arg;
	(void)p;
	return ++st->steps >= st->stop_at;
}

/* Nothing of version v of `domain` is left: no wrap (but an audit
 * version kept under a newer audit key, "audit:N"), no grant, and its row
 * is retired. */
static void gone(fixture_t *f, const char *domain, int v)
{
	char sql[320];
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT count(*) FROM key_wraps WHERE domain = '%s' AND version = %d AND "
		 "holder NOT LIKE 'audit:%%') + (SELECT count(*) FROM key_grants WHERE domain = "
		 "'%s' AND version = %d)",
		 domain, v, domain, v);
	assert_int_equal(q(f, sql), 0);
	snprintf(sql, sizeof sql, "SELECT active FROM domain_keys WHERE domain = '%s' AND version = %d",
		 domain, v);
	assert_int_equal(q(f, sql), 0);
}

/* ---- tests ---------------------------------------------------------------------- */

/* The demo key: the patients rows, locations, every row MAC and chart
 * head re-made, in batches; sessions signed on before it began read and
 * write through it (a value written meanwhile is under the new version);
 * at the end nothing is under version 1 and its wraps are gone. */
static void test_demo_rotation(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	patient_t np;
	msg_t m;
	memset(&o, 0, sizeof o);
	o.batch = 2;
	o.max_batches = 1;
	assert_int_equal(rotate_key(f->admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_true(p.started && p.paused && !p.done);
	assert_int_equal(p.from, 1);
	assert_int_equal(p.to, 2);
	/* Half-way: rows of both versions, read by sessions opened before. */
	assert_true(q(f, "SELECT count(*) FROM patients WHERE substr(ident, 2, 1) = x'02'") == 2);
	assert_true(q(f, "SELECT count(*) FROM patients WHERE substr(ident, 2, 1) = x'01'") > 2);
	charts_read(f, f->nurse);
	charts_read(f, f->fd);
	searches_find(f, f->fd);
	/* A write now is under the new version (the session took it in). */
	tu_patient(&np, "Midrotation", "Meg", "1999-09-09", "F");
	tu_register(f->fd, &np, 1);
	assert_int_equal(q(f, "SELECT substr(ident, 2, 1) = x'02' FROM patients ORDER BY prow DESC "
			      "LIMIT 1"),
			 1);
	verify_ok(f);
	/* The rest. */
	o.max_batches = 0;
	o.batch = 0;
	assert_int_equal(rotate_key(f->admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_true(p.done && !p.started);
	gone(f, "demo", 1);
	assert_int_equal(q(f, "SELECT count(*) FROM patients WHERE substr(ident, 2, 1) <> x'02' OR "
			      "substr(details, 2, 1) <> x'02'"),
			 0);
	assert_int_equal(q(f, "SELECT count(*) FROM chart_heads WHERE substr(mac, 2, 1) <> x'02'"),
			 0);
	assert_int_equal(q(f, "SELECT count(*) FROM notes WHERE substr(mac, 2, 1) <> x'02'"), 0);
	/* Every chart once, in the trail, with the head it left. */
	assert_int_equal(tu_audit_count(f->db, "key_rotate_chart", NULL), NCHARTS);
	assert_int_equal(tu_audit_count(f->db, "key_rotate_start", NULL), 1);
	assert_int_equal(tu_audit_count(f->db, AUDIT_KEY_RETIRED, NULL), 1);
	charts_read(f, f->nurse);
	charts_read(f, f->prov);
	searches_find(f, f->fd);
	verify_ok(f);
	/* Signing on afterwards: the grant taken in, the old wrap never used. */
	logout_all(f);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	f->nurse = tu_login(f->c, "nurse1", NURSE_PW);
	f->fd = tu_login(f->c, "fd1", FD_PW);
	charts_read(f, f->nurse);
	assert_int_equal(q(f, "SELECT count(*) FROM key_wraps w JOIN users u ON u.id = w.holder "
			      "WHERE u.name = 'nurse1' AND w.domain = 'demo' AND w.version = 2"),
			 1);
}

/* The clinical key: the administrator (no clin key) cannot, with the
 * recovery key can; every clinical value and reason for visit is under
 * version 2 afterwards, and clinical users read as before. A clinical
 * user granted key_manage can too. */
static void test_clin_rotation(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	msg_t m;
	memset(&o, 0, sizeof o);
	assert_int_equal(rotate_key(f->admin, DOMAIN_CLIN, &o, &p, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "recovery key"));
	assert_int_equal(rotate_key(f->nurse, DOMAIN_CLIN, &o, &p, &m), STATUS_DENIED);
	o.recovery = f->recovery;
	assert_int_equal(rotate_key(f->admin, DOMAIN_CLIN, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	gone(f, "clin", 1);
	assert_int_equal(q(f, "SELECT count(*) FROM encounters WHERE reason IS NOT NULL AND "
			      "(substr(reason, 1, 1) <> x'07' OR substr(reason, 2, 1) <> x'02')"),
			 0);
	assert_int_equal(q(f, "SELECT count(*) FROM notes WHERE substr(body, 2, 1) <> x'02'"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM medications WHERE substr(frequency_ct, 2, 1) <> "
			      "x'02'"),
			 0);
	assert_int_equal(tu_audit_count(f->db, "recovery_key_used", NULL), 1);
	charts_read(f, f->nurse);
	charts_read(f, f->prov);
	verify_ok(f);
	/* A clinical user with key_manage, without the recovery key. */
	assert_int_equal(policy_role_set(f->admin, "provider", "+key_manage", &m), STATUS_OK);
	session_logout(f->prov);
	f->prov = tu_login(f->c, "prov1", PROV_PW);
	o.recovery = NULL;
	assert_int_equal(rotate_key(f->prov, DOMAIN_CLIN, &o, &p, &m), STATUS_OK);
	assert_int_equal(p.to, 3);
	gone(f, "clin", 2);
	charts_read(f, f->nurse);
	verify_ok(f);
}

/* The index key: searches find everyone before, half-way and after; the
 * duplicate check still warns; the old tokens are gone (as many index rows
 * as before, every match set carries the new mark). */
static void test_index_rotation(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	patient_t dup;
	patient_match_t found[PATIENT_MATCH_MAX];
	int n = 0;
	int64_t tokens = q(f, "SELECT count(*) FROM patient_tokens");
	msg_t m;
	searches_find(f, f->fd);
	memset(&o, 0, sizeof o);
	o.batch = 2;
	o.max_batches = 1;
	assert_int_equal(rotate_key(f->admin, DOMAIN_INDEX, &o, &p, &m), STATUS_OK);
	assert_true(p.paused);
	searches_find(f, f->fd);
	/* The duplicate check across versions: chart 2 is not re-made yet. */
	tu_patient(&dup, "Vershift", "Ivy", "1970-03-12", "F");
	assert_int_equal(patient_find_duplicates(f->fd, &dup, found, PATIENT_MATCH_MAX, &n, &m),
			 STATUS_OK);
	assert_true(n >= 1);
	assert_string_equal(found[0].id, f->pid[2]);
	o.max_batches = 0;
	assert_int_equal(rotate_key(f->admin, DOMAIN_INDEX, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	gone(f, "index", 1);
	assert_int_equal(q(f, "SELECT count(*) FROM patient_tokens"), tokens);
	assert_int_equal(q(f, "SELECT count(*) FROM patients WHERE match IS NULL"), 0);
	index_current(f, f->fd);
	searches_find(f, f->fd);
	searches_find(f, f->nurse);
	assert_int_equal(patient_find_duplicates(f->fd, &dup, found, PATIENT_MATCH_MAX, &n, &m),
			 STATUS_OK);
	assert_true(n >= 1);
	assert_string_equal(found[0].id, f->pid[2]);
	verify_ok(f);
}

/* The index key over rows the index's first generation made (a database
 * from before schema 010, some rows not yet re-made, one from before
 * match sets): each is re-tokenised from what it holds (nothing of the
 * old left) into this generation under the new version, and the re-index
 * then has nothing left to do. */
static void test_index_rotation_over_generation_1(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	reindex_progress_t rp;
	int64_t prows[NCHARTS + NNAMES + NSYNTH + 8], tokens = q(f, "SELECT count(*) FROM patient_tokens");
	int n = 0;
	msg_t m;
	assert_int_equal(db_patients_after(f->c->db, 0, prows, NCHARTS + NNAMES + NSYNTH + 8, &n, &m),
			 STATUS_OK);
	for (int i = 0; i < n; i += 2)
		tu_index_legacy(f->fd, prows[i], i == 0);
	assert_true(q(f, "SELECT count(*) FROM patient_tokens") != tokens);
	memset(&o, 0, sizeof o);
	o.batch = 5;
	o.max_batches = 2;
	assert_int_equal(rotate_key(f->admin, DOMAIN_INDEX, &o, &p, &m), STATUS_OK);
	assert_true(p.paused);
	o.max_batches = 0;
	assert_int_equal(rotate_key(f->admin, DOMAIN_INDEX, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	gone(f, "index", 1);
	assert_int_equal(q(f, "SELECT count(*) FROM patient_tokens"), tokens);
	searches_find(f, f->fd); /* the session takes the new version in */
	index_current(f, f->fd);
	assert_int_equal(reindex_all(f->admin, 0, 0, &rp, &m), STATUS_OK);
	assert_true(rp.done);
	assert_int_equal(rp.changed, 0);
	index_current(f, f->fd);
	verify_ok(f);
}

/* The audit key: entries are not rewritten (the old ones keep version 1
 * and verify), new ones are under version 2; the policy and the accounts
 * verify under it (everyone signs on); version 1 is kept only wrapped
 * under version 2. */
static void test_audit_rotation(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	session_t *s;
	msg_t m;
	memset(&o, 0, sizeof o);
	assert_int_equal(rotate_key(f->admin, DOMAIN_AUDIT, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	gone(f, "audit", 1);
	assert_int_equal(q(f, "SELECT count(*) FROM key_wraps WHERE holder = 'audit:2' AND domain = "
			      "'audit' AND version = 1"),
			 1);
	assert_int_equal(q(f, "SELECT count(DISTINCT key_version) FROM audit WHERE seq <= (SELECT "
			      "max(seq) FROM audit WHERE action = 'key_rotate_start') - 1"),
			 1);
	/* Sessions opened before go on writing (under version 2). */
	charts_read(f, f->nurse);
	assert_int_equal(q(f, "SELECT key_version FROM audit ORDER BY seq DESC LIMIT 1"), 2);
	verify_ok(f);
	/* Everyone signs on afterwards: accounts and policy verify. */
	s = tu_login(f->c, "him1", HIM_PW);
	session_logout(s);
	logout_all(f);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	verify_ok(f);
	/* An entry that names the retired version after its retirement:
	 * the chain says so. */
	tu_sql(f->db, "UPDATE audit SET key_version = 1 WHERE seq = (SELECT max(seq) FROM audit)");
	{
		int64_t n = 0, bad = 0;
		assert_int_equal(audit_verify(f->admin, NULL, &n, &bad, &m), STATUS_INTEGRITY);
		assert_true(bad > 0);
	}
}

/* Stopped after two batches, then run again by another process (a new
 * clinic handle and session, as after kill -9): it resumes where the
 * committed progress says, and every chart is done exactly once. */
static void test_resume(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	stopper_t st = {0, 3}; /* the start, then two batches */
	clinic_t *c2;
	session_t *a2;
	msg_t m;
	memset(&o, 0, sizeof o);
	o.batch = 1;
	o.on_step = stop_after;
	o.arg = &st;
	assert_int_equal(rotate_key(f->admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_true(p.paused);
	assert_int_equal(p.batches, 2);
	{
		char job[96];
		tu_sql_text(f->db, "SELECT value FROM meta WHERE key = 'rotate_job'", job, sizeof job);
		assert_true(tu_has(job, "demo 1 2"));
	}
	/* Another rotation cannot start meanwhile. */
	o.on_step = NULL;
	assert_int_equal(rotate_key(f->admin, DOMAIN_AUDIT, &o, &p, &m), STATUS_CONFLICT);
	/* A new process. */
	c2 = tu_clinic_open(f->db, f->cfg);
	a2 = tu_login(c2, TU_ADMIN, TU_ADMIN_PW);
	o.batch = 5;
	assert_int_equal(rotate_key(a2, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_true(p.done && !p.started);
	assert_int_equal(p.pass, 1);
	session_logout(a2);
	clinic_close(c2);
	assert_int_equal(tu_audit_count(f->db, "key_rotate_chart", NULL), NCHARTS);
	assert_int_equal(q(f, "SELECT count(*) FROM patients WHERE substr(ident, 2, 1) <> x'02'"), 0);
	gone(f, "demo", 1);
	charts_read(f, f->nurse);
	verify_ok(f);
}

/* A value written under the old version after the walk passed it (a
 * session that had not taken the new version in) is found by the count at
 * the end: the walk goes once more and the version is destroyed after. */
static void test_second_pass(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	stopper_t st = {0, 2};
	msg_t m;
	memset(&o, 0, sizeof o);
	o.batch = 1000;
	o.on_step = stop_after; /* start, one batch (everyone), then stop */
	o.arg = &st;
	assert_int_equal(rotate_key(f->admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_true(p.paused);
	/* A session that had not taken the new version in writes a patient
	 * under version 1, at a row the walk has passed (the walk is made to
	 * have passed every row there will be). */
	tu_sql(f->db, "UPDATE meta SET value = 'demo 1 2 1 100000 1' WHERE key = 'rotate_job'");
	{
		/* A session that holds only version 1 (made from the recovery
		 * wraps of version 1 before they go). */
		keyring_t *old = NULL;
		session_t *stale = NULL;
		db_user_t u;
		patient_t np;
		pfield_t bad = PF_COUNT;
		assert_int_equal(db_user_get_by_name(f->c->db, "fd1", &u, &m), STATUS_OK);
		tu_patient(&np, "Latewriter", "Lou", "1988-08-08", "M");
		/* One that sees the rotation but cannot take the new version in
		 * (no grant for it) is refused, and must sign on again. */
		assert_int_equal(clinic_recovery_keyring(f->c, f->recovery, &old, &m), STATUS_OK);
		keyring_drop(old, DOMAIN_DEMO, 2);
		assert_int_equal(session_new_internal(f->c, &u, old, &stale, &m), STATUS_OK);
		stale->key_epoch = 0;
		assert_int_equal(patient_register(stale, &np, 1, &bad, &m), STATUS_DENIED);
		assert_true(tu_has(m.text, "keys were rotated"));
		keyring_free(stale->kr);
		free(stale);
		/* One that has not looked since (the moment between its check and
		 * its write): its value is under version 1. */
		assert_int_equal(clinic_recovery_keyring(f->c, f->recovery, &old, &m), STATUS_OK);
		keyring_drop(old, DOMAIN_DEMO, 2);
		assert_int_equal(session_new_internal(f->c, &u, old, &stale, &m), STATUS_OK);
		assert_int_equal(session_key_epoch(f->c->db, &stale->key_epoch, &m), STATUS_OK);
		tu_patient(&np, "Latewriter", "Lou", "1988-08-08", "M");
		tu_register(stale, &np, 1);
		keyring_free(stale->kr);
		free(stale);
	}
	assert_int_equal(q(f, "SELECT count(*) FROM patients WHERE substr(ident, 2, 1) = x'01'"), 1);
	o.on_step = NULL;
	assert_int_equal(rotate_key(f->admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	assert_int_equal(p.pass, 2);
	assert_int_equal(q(f, "SELECT count(*) FROM patients WHERE substr(ident, 2, 1) = x'01'"), 0);
	gone(f, "demo", 1);
	verify_ok(f);
}

/* A chart changed outside Chartroom stops the rotation (exit 5 naming
 * it); nothing of it is sealed over, and the old version stays. */
static void test_tampered_chart_stops_it(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	msg_t m;
	tu_sql(f->db, "UPDATE allergies SET severity = 'mild' WHERE arow = 2");
	memset(&o, 0, sizeof o);
	assert_int_equal(rotate_key(f->admin, DOMAIN_DEMO, &o, &p, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "allergies record 2"));
	assert_false(p.done);
	assert_int_equal(q(f, "SELECT active FROM domain_keys WHERE domain = 'demo' AND version = 1"),
			 1);
	assert_int_equal(q(f, "SELECT substr(mac, 2, 1) = x'01' FROM allergies WHERE arow = 2"), 1);
}

/* The recovery key: a new one opens everything (every current version),
 * the old one nothing; without it, a session must hold every key. */
static void test_recovery_rotation(void **state)
{
	fixture_t *f = *state;
	char fresh[CRYPTO_RECOVERY_TEXT];
	keyring_t *kr = NULL;
	rotate_opts_t o;
	rotate_progress_t p;
	msg_t m;
	memset(&o, 0, sizeof o);
	/* After a rotation the recovery key holds the new version, sealed. */
	assert_int_equal(rotate_key(f->admin, DOMAIN_DEMO, &o, &p, &m), STATUS_OK);
	assert_int_equal(q(f, "SELECT length(wrap) FROM key_wraps WHERE holder = 'recovery' AND "
			      "domain = 'demo'"),
			 CRYPTO_SEALED_LEN);
	assert_int_equal(clinic_recovery_keyring(f->c, f->recovery, &kr, &m), STATUS_OK);
	assert_int_equal(keyring_version(kr, DOMAIN_DEMO), 2);
	keyring_free(kr);
	/* The administrator holds no clin key: not without the old key. */
	assert_int_equal(rotate_recovery(f->admin, NULL, fresh, &m), STATUS_DENIED);
	assert_int_equal(rotate_recovery(f->admin, f->recovery, fresh, &m), STATUS_OK);
	assert_true(strlen(fresh) > 60);
	assert_int_equal(clinic_recovery_keyring(f->c, f->recovery, &kr, &m), STATUS_AUTH);
	assert_int_equal(clinic_recovery_keyring(f->c, fresh, &kr, &m), STATUS_OK);
	assert_int_equal(keyring_domains(kr), DOMAIN_ALL);
	assert_int_equal(keyring_version(kr, DOMAIN_DEMO), 2);
	keyring_free(kr);
	assert_int_equal(tu_audit_count(f->db, "recovery_key_rotate", NULL), 1);
	/* A provider granted key_manage holds every key: no recovery key. */
	assert_int_equal(policy_role_set(f->admin, "provider", "+key_manage", &m), STATUS_OK);
	session_logout(f->prov);
	f->prov = tu_login(f->c, "prov1", PROV_PW);
	assert_int_equal(rotate_recovery(f->prov, NULL, fresh, &m), STATUS_OK);
	assert_int_equal(clinic_recovery_keyring(f->c, fresh, &kr, &m), STATUS_OK);
	keyring_free(kr);
	sodium_memzero(fresh, sizeof fresh);
}

/* A higher Argon2id cost in the policy is applied to each account at its
 * next sign-on (once), audited; the account signs on after as before. */
static void test_kdf_upgrade(void **state)
{
	fixture_t *f = *state;
	session_t *s;
	msg_t m;
	assert_int_equal(q(f, "SELECT kdf_ops FROM users WHERE name = 'him1'"), 2);
	assert_int_equal(policy_set(f->admin, "security.argon2_passes", "3", &m), STATUS_OK);
	s = tu_login(f->c, "him1", HIM_PW);
	session_logout(s);
	assert_int_equal(q(f, "SELECT kdf_ops FROM users WHERE name = 'him1'"), 3);
	assert_int_equal(tu_audit_count(f->db, "kdf_upgrade", "him1"), 1);
	s = tu_login(f->c, "him1", HIM_PW);
	assert_int_equal(tu_audit_count(f->db, "kdf_upgrade", "him1"), 1);
	assert_true(keyring_has(s->kr, DOMAIN_DEMO) && keyring_has(s->kr, DOMAIN_CLIN));
	session_logout(s);
	/* Not yet signed on: still the old cost. */
	assert_int_equal(q(f, "SELECT kdf_ops FROM users WHERE name = 'nurse1'"), 2);
	/* Memory too. */
	assert_int_equal(policy_set(f->admin, "security.argon2_memory_mib", "96", &m), STATUS_OK);
	s = tu_login(f->c, "nurse1", NURSE_PW);
	session_logout(s);
	assert_int_equal(q(f, "SELECT kdf_ops FROM users WHERE name = 'nurse1'"), 3);
	assert_int_equal(q(f, "SELECT kdf_mem FROM users WHERE name = 'nurse1'"), 96 << 20);
	verify_ok(f);
}

/* ---- the audit key and the audit journal ------------------------------------ */

/* Searches made through another clinic handle (another connection and
 * another descriptor of the journal, as another process has), in a
 * thread, until told to stop. */
typedef struct reader {
	session_t *s;
	volatile int stop;
	volatile int ok, failed;
	char why[sizeof(msg_t)];
} reader_t;

static void *read_loop(void *arg)
{
	reader_t *r = arg;
	while (!r->stop) {
		patient_list_t *l = NULL;
		msg_t m;
		if (patient_search(r->s, "rotaw", 20, &l, &m) == STATUS_OK && patient_list_count(l) == 1) {
			r->ok++;
		} else {
			r->failed++;
			snprintf(r->why, sizeof r->why, "%s", m.text);
		}
		patient_list_free(l);
	}
	return NULL;
}

/* The audit searches of fd1 in the trail: ids of journal events recorded
 * with search entries (a search entry may group several). */
static int64_t searches_chained(fixture_t *f)
{
	return q(f, "SELECT count(*) FROM audit_events WHERE seq IN (SELECT seq FROM audit WHERE "
		    "action = 'patient_search' AND user_name = 'fd1')");
}

/* Rotating the audit key while others read: their events wait in the
 * audit journal under the old version (and the new one once they take it
 * in); every one of them reaches the trail exactly once, none is
 * rejected, none is left behind; the readers never fail. Twice, so the
 * second rotation retires a version sessions took in mid-way. */
static void test_audit_rotation_with_readers(void **state)
{
	fixture_t *f = *state;
	clinic_t *c2 = tu_clinic_open(f->db, f->cfg);
	reader_t r;
	pthread_t t;
	rotate_opts_t o;
	rotate_progress_t p;
	int64_t waiting = 0;
	msg_t m;
	memset(&r, 0, sizeof r);
	memset(&o, 0, sizeof o);
	r.s = tu_login(c2, "fd1", FD_PW);
	/* Three searches under version 1 wait in the journal. */
	for (int i = 0; i < 3; i++) {
		patient_list_t *l = NULL;
		assert_int_equal(patient_search(r.s, "keytu", 20, &l, &m), STATUS_OK);
		patient_list_free(l);
	}
	assert_int_equal(db_journal_count(c2->db, &waiting, &m), STATUS_OK);
	assert_true(waiting >= 3);
	assert_int_equal(keyring_version(r.s->kr, DOMAIN_AUDIT), 1);
	assert_int_equal(pthread_create(&t, NULL, read_loop, &r), 0);
	for (int turn = 0; turn < 2; turn++) {
		/* Let the reader append under the version in use first. */
		int before = r.ok;
		while (r.ok < before + 3 && !r.failed)
			sched_yield();
		assert_int_equal(rotate_key(f->admin, DOMAIN_AUDIT, &o, &p, &m), STATUS_OK);
		assert_true(p.done);
	}
	{
		int before = r.ok;
		while (r.ok < before + 3 && !r.failed)
			sched_yield();
	}
	r.stop = 1;
	assert_int_equal(pthread_join(t, NULL), 0);
	if (r.failed)
		fail_msg("%d of %d searches failed during the rotations: %s", r.failed,
			 r.ok + r.failed, r.why);
	/* The reader went on with the newest version. */
	assert_int_equal(keyring_version(r.s->kr, DOMAIN_AUDIT), 3);
	/* Chained, then (by the next step, which finds them chained) removed
	 * from the journal: nothing left behind there. */
	tu_audit_flush(f->admin);
	tu_audit_flush(f->admin);
	assert_int_equal(db_journal_count(f->c->db, &waiting, &m), STATUS_OK);
	assert_int_equal(waiting, 0);
	assert_int_equal(searches_chained(f), 3 + r.ok);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'audit_journal_rejected'"), 0);
	/* Versions 1 and 2 retired, each kept under version 3 to verify. */
	gone(f, "audit", 1);
	gone(f, "audit", 2);
	verify_ok(f);
	session_logout(r.s);
	clinic_close(c2);
}

/* While a retirement holds the journal's lock, another handle's append
 * waits for it (it is neither lost nor refused), then goes in. */
typedef struct appender {
	session_t *s;
	volatile int done;
	status_t ret;
} appender_t;

static void *append_one(void *arg)
{
	appender_t *a = arg;
	patient_list_t *l = NULL;
	msg_t m;
	a->ret = patient_search(a->s, "versh", 20, &l, &m);
	patient_list_free(l);
	a->done = 1;
	return NULL;
}

static void test_journal_hold_makes_appends_wait(void **state)
{
	fixture_t *f = *state;
	clinic_t *c2 = tu_clinic_open(f->db, f->cfg);
	appender_t a = {tu_login(c2, "fd1", FD_PW), 0, STATUS_ERR};
	struct timespec pause = {0, 300 * 1000000L};
	pthread_t t;
	int64_t before = searches_chained(f);
	msg_t m;
	assert_int_equal(db_begin(f->c->db, &m), STATUS_OK);
	assert_int_equal(db_journal_hold(f->c->db, &m), STATUS_OK);
	assert_int_equal(pthread_create(&t, NULL, append_one, &a), 0);
	nanosleep(&pause, NULL);
	assert_false(a.done); /* waiting on the journal's lock */
	db_rollback(f->c->db);
	db_journal_release(f->c->db);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(a.done);
	assert_int_equal(a.ret, STATUS_OK);
	tu_audit_flush(f->admin);
	assert_int_equal(searches_chained(f), before + 1);
	session_logout(a.s);
	clinic_close(c2);
}

/* After the audit key's retirement, an event under the retired version
 * cannot join the journal (a session that could not take the new version
 * in is told to sign on again, and shows nothing); one put there anyway
 * (made with the old key, which the rotation meant to take out of use) is
 * rejected when chained, not taken as the trail's. */
static void test_retired_audit_version_refused(void **state)
{
	fixture_t *f = *state;
	clinic_t *c2 = tu_clinic_open(f->db, f->cfg);
	session_t *old = tu_login(c2, "fd1", FD_PW);
	rotate_opts_t o;
	rotate_progress_t p;
	patient_list_t *l = NULL;
	long long epoch = 0;
	int64_t before, waiting = 0;
	msg_t m;
	memset(&o, 0, sizeof o);
	assert_int_equal(rotate_key(f->admin, DOMAIN_AUDIT, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	/* As a session that has not looked since (it cannot take version 2
	 * in: its secret key is gone), holding version 1 only. */
	secret_free(&old->sk);
	assert_int_equal(session_key_epoch(c2->db, &epoch, &m), STATUS_OK);
	old->key_epoch = epoch;
	assert_int_equal(keyring_version(old->kr, DOMAIN_AUDIT), 1);
	before = searches_chained(f);
	assert_int_equal(db_journal_count(c2->db, &waiting, &m), STATUS_OK);
	assert_int_equal(waiting, 0);
	assert_int_not_equal(patient_search(old, "rotaw", 20, &l, &m), STATUS_OK);
	assert_null(l);
	assert_true(tu_has(m.text, "sign on again"));
	assert_int_equal(db_journal_count(c2->db, &waiting, &m), STATUS_OK);
	assert_int_equal(waiting, 0);
	/* Forged past the check (the version marked in use for a moment): an
	 * event under version 1 in the file. */
	tu_sql(f->db, "UPDATE domain_keys SET active = 1 WHERE domain = 'audit' AND version = 1");
	assert_int_equal(patient_search(old, "rotaw", 20, &l, &m), STATUS_OK);
	patient_list_free(l);
	tu_sql(f->db, "UPDATE domain_keys SET active = 0 WHERE domain = 'audit' AND version = 1");
	assert_int_equal(db_journal_count(c2->db, &waiting, &m), STATUS_OK);
	assert_int_equal(waiting, 1);
	tu_audit_flush(f->admin);
	assert_int_equal(searches_chained(f), before);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'audit_journal_rejected' "
			      "AND user_name = 'fd1'"),
			 1);
	{
		char detail[512];
		assert_int_equal(tu_audit_find(f->admin, "audit_journal_rejected", NULL, "fd1", detail,
					       sizeof detail),
				 1);
		assert_true(tu_has(detail, "retired audit key version"));
	}
	verify_ok(f);
	session_logout(old);
	clinic_close(c2);
}

/* An appender remembers that its audit key version was in use (it then
 * appends without reading the database: db_journal.c, names_retired);
 * a retirement moves the journal's retirement generation on before it
 * commits, so the same appender, searching again under the retired
 * version, is refused as one that never appended. */
static void test_retired_audit_version_refused_after_appending(void **state)
{
	fixture_t *f = *state;
	clinic_t *c2 = tu_clinic_open(f->db, f->cfg);
	session_t *old = tu_login(c2, "fd1", FD_PW);
	rotate_opts_t o;
	rotate_progress_t p;
	patient_list_t *l = NULL;
	long long epoch = 0;
	int64_t waiting = 0;
	msg_t m;
	memset(&o, 0, sizeof o);
	/* Appended under version 1, twice: remembered as in use. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(patient_search(old, "rotaw", 20, &l, &m), STATUS_OK);
		patient_list_free(l);
		l = NULL;
	}
	assert_int_equal(rotate_key(f->admin, DOMAIN_AUDIT, &o, &p, &m), STATUS_OK);
	assert_true(p.done);
	secret_free(&old->sk);
	assert_int_equal(session_key_epoch(c2->db, &epoch, &m), STATUS_OK);
	old->key_epoch = epoch;
	assert_int_equal(keyring_version(old->kr, DOMAIN_AUDIT), 1);
	assert_int_equal(db_journal_count(c2->db, &waiting, &m), STATUS_OK);
	assert_int_equal(waiting, 0);
	assert_int_not_equal(patient_search(old, "rotaw", 20, &l, &m), STATUS_OK);
	assert_null(l);
	assert_true(tu_has(m.text, "sign on again"));
	assert_int_equal(db_journal_count(c2->db, &waiting, &m), STATUS_OK);
	assert_int_equal(waiting, 0);
	verify_ok(f);
	session_logout(old);
	clinic_close(c2);
}

/* Many rotations over the years: twenty of the audit key (every retired
 * version kept, under the newest, to verify its entries) and six each of
 * the demo and index keys: far more versions than two per domain. The
 * whole chain still verifies, every chart reads, every search finds, and
 * everyone signs on. */
static void test_many_rotations(void **state)
{
	fixture_t *f = *state;
	rotate_opts_t o;
	rotate_progress_t p;
	session_t *s;
	msg_t m;
	memset(&o, 0, sizeof o);
	o.batch = 20;
	for (int i = 0; i < 20; i++) {
		if (rotate_key(f->admin, DOMAIN_AUDIT, &o, &p, &m) != STATUS_OK || !p.done)
			fail_msg("audit rotation %d: %s", i + 1, m.text);
		if (i < 6 && (rotate_key(f->admin, DOMAIN_DEMO, &o, &p, &m) != STATUS_OK || !p.done))
			fail_msg("demo rotation %d: %s", i + 1, m.text);
		if (i < 6 && (rotate_key(f->admin, DOMAIN_INDEX, &o, &p, &m) != STATUS_OK || !p.done))
			fail_msg("index rotation %d: %s", i + 1, m.text);
	}
	assert_int_equal(q(f, "SELECT count(*) FROM domain_keys"), 4 + 20 + 6 + 6);
	assert_int_equal(q(f, "SELECT count(DISTINCT key_version) FROM audit"), 21);
	/* Versions 1 to 20 kept under version 21, nowhere else. */
	assert_int_equal(q(f, "SELECT count(*) FROM key_wraps WHERE domain = 'audit' AND holder = "
			      "'audit:21' AND version BETWEEN 1 AND 20"),
			 20);
	verify_ok(f);
	logout_all(f);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	f->fd = tu_login(f->c, "fd1", FD_PW);
	f->nurse = tu_login(f->c, "nurse1", NURSE_PW);
	f->prov = tu_login(f->c, "prov1", PROV_PW);
	assert_int_equal(keyring_version(f->nurse->kr, DOMAIN_AUDIT), 21);
	assert_int_equal(keyring_version(f->nurse->kr, DOMAIN_DEMO), 7);
	charts_read(f, f->nurse);
	searches_find(f, f->fd);
	s = tu_login(f->c, "him1", HIM_PW);
	session_logout(s);
	verify_ok(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_demo_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clin_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_index_rotation_over_generation_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_rotation_with_readers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_hold_makes_appends_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retired_audit_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retired_audit_version_refused_after_appending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_many_rotations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_chart_stops_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kdf_upgrade, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
