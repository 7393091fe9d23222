/* test_retention.c - core/retention.h and db/db_retention.h: the rules at
 * their edges (the day before due and the day itself, minors, the
 * deceased, 29 February), by this test's clock; a legal hold blocks the
 * proposal and the approval; the proposer cannot approve, whatever role
 * they hold; permissions; the destruction removes every row of the chart
 * and the other chart stays whole, audit verify passes and the MRN answers
 * "destroyed"; a retention event edited, moved to another chart or
 * deleted with SQL is an integrity error; the one list of patient-bound
 * tables covers every table of the schema (a table added without it is
 * named); a merged survivor is destroyed with the chart merged into it,
 * a merged chart alone is refused, an unmerged one destroyed alone. */
#include "testutil.h"

#include <time.h>

#include "core/audit.h"
#include "core/clinical.h"
#include "core/config.h"
#include "core/chart_track.h"
#include "core/internal.h"
#include "core/merge.h"
#include "core/policy.h"
#include "core/retention.h"
#include "db/db_retention.h"

#define HIM2_PW  "second him clerk password retention"

/* The clock: real time unless a test sets fake_now (UTC, core_now's form).
 * Fake times are after the real one, so the trail's times never run
 * backwards. */
static const char *fake_now;

void core_now(char buf[24])
{
	time_t t = time(NULL);
	struct tm tm;
	if (fake_now) {
		snprintf(buf, 24, "%s", fake_now);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct fixture {
	tu_clinic_t t;
	session_t *him2;
	char a[33], b[33], amrn[24], bmrn[24];
} fixture_t;

static void reg(fixture_t *f, const char *last, const char *dob, char id[33], char mrn[24])
{
	patient_t p;
	tu_patient(&p, last, "Pat", dob, "F");
	tu_register(f->t.fd, &p, 1);
	snprintf(id, 33, "%s", p.id);
	snprintf(mrn, 24, "%.23s", p.f[PF_MRN]);
}

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_PROV | TU_R_HIM | TU_R_PRIV);
	tu_add_user(f->t.admin, "him2", "him", HIM2_PW);
	f->him2 = tu_login(f->t.c, "him2", HIM2_PW);
	/* Registered on 15 June 2030 (an adult, and a child born 2025). */
	fake_now = "2030-06-15T12:00:00Z";
	reg(f, "Archive", "1960-01-02", f->a, f->amrn);
	reg(f, "Youngling", "2025-03-04", f->b, f->bmrn);
	fake_now = NULL;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	fake_now = NULL;
	session_logout(f->him2);
	tu_clinic_down(&f->t);
	free(f);
	return 0;
}

static void test_rule_edges(void **state)
{
	fixture_t *f = *state;
	char due[DATE_ISO_SIZE], rule[12];
	msg_t m;
	/* Adult: 10 years after the last activity. */
	assert_int_equal(retention_rule(f->t.cfg, "1960-01-02", "", "2020-05-05", due, rule, &m),
	                 STATUS_OK);
	assert_string_equal(due, "2030-05-05");
	assert_string_equal(rule, "adult");
	/* A minor: until 18 + 10 (28), later than the adult rule. */
	assert_int_equal(retention_rule(f->t.cfg, "2010-02-28", "", "2012-01-01", due, rule, &m),
	                 STATUS_OK);
	assert_string_equal(due, "2038-02-28");
	assert_string_equal(rule, "minor");
	/* Seen again at 27: the adult rule is later. */
	assert_int_equal(retention_rule(f->t.cfg, "2010-02-28", "", "2037-06-01", due, rule, &m),
	                 STATUS_OK);
	assert_string_equal(due, "2047-06-01");
	assert_string_equal(rule, "adult");
	/* 29 February lands on 1 March in a common year, never earlier. */
	assert_int_equal(retention_rule(f->t.cfg, "1960-01-02", "", "2024-02-29", due, rule, &m),
	                 STATUS_OK);
	assert_string_equal(due, "2034-03-01");
	assert_int_equal(retention_rule(f->t.cfg, "1960-01-02", "", "2020-02-29", due, rule, &m),
	                 STATUS_OK);
	assert_string_equal(due, "2030-03-01");
	/* Deceased: 10 years after death, or after the last activity if later. */
	assert_int_equal(
	    retention_rule(f->t.cfg, "2010-01-01", "2015-07-08", "2015-07-01", due, rule, &m),
	    STATUS_OK);
	assert_string_equal(due, "2025-07-08");
	assert_string_equal(rule, "deceased");
	assert_int_equal(
	    retention_rule(f->t.cfg, "2010-01-01", "2015-07-08", "2016-01-01", due, rule, &m),
	    STATUS_OK);
	assert_string_equal(due, "2026-01-01");
	/* The policy's values are used. */
	f->t.cfg->retention_adult_years = 7;
	f->t.cfg->retention_majority_age = 21;
	f->t.cfg->retention_minor_years = 3;
	assert_int_equal(retention_rule(f->t.cfg, "2010-02-28", "", "2012-01-01", due, rule, &m),
	                 STATUS_OK);
	assert_string_equal(due, "2034-02-28");
	assert_int_equal(retention_rule(f->t.cfg, "1960-01-02", "", "2020-05-05", due, rule, &m),
	                 STATUS_OK);
	assert_string_equal(due, "2027-05-05");
	assert_int_equal(retention_rule(f->t.cfg, "soon", "", "2020-05-05", due, rule, &m),
	                 STATUS_INVALID);
	/* [retention] is policy: a user's own file never sets it. */
	assert_true(config_section_is_policy("retention"));
}

typedef struct items {
	retention_item_t v[8];
	int n;
} items_t;

static int take(const retention_item_t *it, void *arg)
{
	items_t *l = arg;
	if (l->n < 8)
		l->v[l->n++] = *it;
	return 0;
}

static int listed(items_t *l, const char *mrn)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->v[i].mrn, mrn) == 0)
			return i + 1;
	return 0;
}

static void test_list_by_the_clock(void **state)
{
	fixture_t *f = *state;
	items_t l;
	msg_t m;
	/* The day before the tenth anniversary: nothing due. */
	fake_now = "2040-06-14T23:59:00Z";
	memset(&l, 0, sizeof l);
	assert_int_equal(retention_list(f->t.him, take, &l, &m), STATUS_OK);
	assert_int_equal(l.n, 0);
	/* On it: the adult is due (day 0), the child not until 28. */
	fake_now = "2040-06-15T00:01:00Z";
	memset(&l, 0, sizeof l);
	assert_int_equal(retention_list(f->t.him, take, &l, &m), STATUS_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].mrn, f->amrn);
	assert_string_equal(l.v[0].rule, "adult");
	assert_string_equal(l.v[0].due, "2040-06-15");
	assert_int_equal(l.v[0].days_past, 0);
	assert_true(tu_has(l.v[0].name, "Archive"));
	/* A visit in 2035 moves the adult's date on. */
	fake_now = "2035-01-10T10:00:00Z";
	{
		int64_t erow = 0;
		assert_int_equal(encounter_checkin(f->t.fd, f->a, "office visit", "prov1", "Room 1",
		                                   "", &erow, &m),
		                 STATUS_OK);
	}
	fake_now = "2040-06-15T00:01:00Z";
	memset(&l, 0, sizeof l);
	assert_int_equal(retention_list(f->t.him, take, &l, &m), STATUS_OK);
	assert_int_equal(l.n, 0);
	fake_now = "2045-01-10T00:01:00Z";
	memset(&l, 0, sizeof l);
	assert_int_equal(retention_list(f->t.priv, take, &l, &m), STATUS_OK);
	assert_int_equal(l.n, 1);
	/* The child: 2025-03-04 + 28 = 2053-03-04. */
	fake_now = "2053-03-03T12:00:00Z";
	memset(&l, 0, sizeof l);
	assert_int_equal(retention_list(f->t.him, take, &l, &m), STATUS_OK);
	assert_false(listed(&l, f->bmrn));
	fake_now = "2053-03-04T12:00:00Z";
	memset(&l, 0, sizeof l);
	assert_int_equal(retention_list(f->t.him, take, &l, &m), STATUS_OK);
	assert_int_equal(listed(&l, f->bmrn) ? l.v[listed(&l, f->bmrn) - 1].due[0] : 0, '2');
	assert_string_equal(l.v[listed(&l, f->bmrn) - 1].rule, "minor");
	/* Permissions: a nurse and the front desk may not list. */
	assert_int_equal(retention_list(f->t.nurse, take, &l, &m), STATUS_DENIED);
	assert_int_equal(retention_list(f->t.fd, take, &l, &m), STATUS_DENIED);
	fake_now = NULL;
}

static void test_hold_blocks_and_two_people(void **state)
{
	fixture_t *f = *state;
	int64_t hold = 0, prop = 0, cert = 0;
	msg_t m;
	fake_now = "2041-01-01T10:00:00Z";
	/* Not due yet: the child cannot be proposed. */
	assert_int_equal(retention_propose(f->t.him, f->b, "past retention", &prop, &m),
	                 STATUS_INVALID);
	assert_true(tu_has(m.text, "not due"));
	/* Bad reasons are refused, naming the field. */
	assert_int_equal(retention_hold(f->t.him, f->a, "", &hold, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "reason"));
	assert_int_equal(retention_hold(f->t.him, f->a, "bad\x1b[2J", &hold, &m), STATUS_INVALID);
	assert_int_equal(retention_hold(f->t.fd, f->a, "litigation", &hold, &m), STATUS_DENIED);
	/* A hold blocks the proposal. */
	assert_int_equal(retention_hold(f->t.him, f->a, "litigation pending", &hold, &m), STATUS_OK);
	assert_int_equal(retention_propose(f->t.him, f->a, "past retention", &prop, &m),
	                 STATUS_CONFLICT);
	assert_true(tu_has(m.text, "legal hold"));
	assert_int_equal(retention_release(f->t.priv, hold, "case closed", &m), STATUS_OK);
	assert_int_equal(retention_release(f->t.priv, hold, "again", &m), STATUS_INVALID);
	/* Proposed; a second proposal refused; the nurse may not propose. */
	assert_int_equal(retention_propose(f->t.nurse, f->a, "x", &prop, &m), STATUS_DENIED);
	assert_int_equal(retention_propose(f->t.him, f->a, "past retention", &prop, &m), STATUS_OK);
	assert_int_equal(retention_propose(f->him2, f->a, "again", NULL, &m), STATUS_CONFLICT);
	/* HIM may not approve; a hold placed after the proposal blocks it. */
	assert_int_equal(retention_approve(f->him2, prop, &cert, &m), STATUS_DENIED);
	assert_int_equal(retention_hold(f->t.priv, f->a, "subpoena received", &hold, &m), STATUS_OK);
	assert_int_equal(retention_approve(f->t.priv, prop, &cert, &m), STATUS_CONFLICT);
	assert_int_equal(retention_release(f->t.him, hold, "subpoena answered", &m), STATUS_OK);
	/* Another clerk may not withdraw it; its proposer may. */
	assert_int_equal(retention_reject(f->him2, prop, "mine now", &m), STATUS_DENIED);
	assert_int_equal(retention_reject(f->t.him, prop, "proposed too soon", &m), STATUS_OK);
	assert_int_equal(retention_approve(f->t.priv, prop, &cert, &m), STATUS_INVALID);
	/* The same person may not propose and approve, whatever their role:
	 * the privacy officer given retention_propose too. */
	assert_int_equal(policy_role_set(f->t.admin, "privacy", "+retention_propose", &m), STATUS_OK);
	session_logout(f->t.priv);
	f->t.priv = tu_login(f->t.c, "priv1", TU_PRIV_PW);
	assert_int_equal(retention_propose(f->t.priv, f->a, "my own", &prop, &m), STATUS_OK);
	assert_int_equal(retention_approve(f->t.priv, prop, &cert, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "another person"));
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM patients"), 2);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM destruction_certificates"), 0);
	fake_now = NULL;
}

typedef struct waits {
	retention_waiting_t v[4];
	int n;
} waits_t;

static int take_wait(const retention_waiting_t *w, void *arg)
{
	waits_t *l = arg;
	if (l->n < 4)
		l->v[l->n++] = *w;
	return 0;
}

static int take_cert(const retention_cert_t *c, void *arg)
{
	*(retention_cert_t *)arg = *c;
	return 0;
}

static void test_destroy(void **state)
{
	fixture_t *f = *state;
	int64_t prop = 0, cert = 0, erow = 0, nrow = 0, count = 0, bad = 0, prow;
	waits_t w;
	retention_cert_t c;
	char pid[33];
	int conf = 0;
	msg_t m;
	fake_now = "2031-02-03T10:00:00Z";
	assert_int_equal(
	    encounter_checkin(f->t.fd, f->a, "office visit", "prov1", "Room 1", "cough", &erow, &m),
	    STATUS_OK);
	assert_int_equal(note_create(f->t.prov, erow, 0, "Seen for a cough.", &nrow, &m), STATUS_OK);
	/* Signed, with an addendum: both go (the addendum points at it). */
	assert_int_equal(note_sign(f->t.prov, nrow, 1, &m), STATUS_OK);
	{
		int64_t add = 0;
		assert_int_equal(note_create(f->t.prov, erow, nrow, "Cough better.", &add, &m),
		                 STATUS_OK);
	}
	assert_int_equal(
	    encounter_checkin(f->t.fd, f->b, "office visit", "prov1", "Room 1", "", &erow, &m),
	    STATUS_OK);
	fake_now = "2041-03-01T10:00:00Z";
	/* The work queue: HIM sees the chart due, privacy nothing yet. */
	memset(&w, 0, sizeof w);
	assert_int_equal(retention_waiting(f->t.him, take_wait, &w, &m), STATUS_OK);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.v[0].kind, "eligible");
	assert_string_equal(w.v[0].mrn, f->amrn);
	assert_string_equal(w.v[0].due, "2041-02-03");
	assert_int_equal(w.v[0].age_days, 26);
	assert_int_equal(retention_waiting(f->t.nurse, take_wait, &w, &m), STATUS_DENIED);
	assert_int_equal(retention_propose(f->t.him, f->a, "past retention", &prop, &m), STATUS_OK);
	memset(&w, 0, sizeof w);
	assert_int_equal(retention_waiting(f->t.him, take_wait, &w, &m), STATUS_OK);
	assert_int_equal(w.n, 0);
	memset(&w, 0, sizeof w);
	assert_int_equal(retention_waiting(f->t.priv, take_wait, &w, &m), STATUS_OK);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.v[0].kind, "approval");
	assert_int_equal(w.v[0].proposal, prop);
	prow = tu_sql_int(f->t.db, "SELECT prow FROM encounters ORDER BY erow LIMIT 1");
	assert_int_equal(retention_approve(f->t.priv, prop, &cert, &m), STATUS_OK);
	assert_int_equal(cert, 1);
	assert_true(tu_has(m.text, "destroyed on 2041-03-01"));
	/* Every row of the chart is gone; the other chart's stay. */
	{
		char sql[256];
		snprintf(
		    sql, sizeof sql,
		    "SELECT (SELECT count(*) FROM patients WHERE prow = %lld) + (SELECT count(*) "
		    "FROM encounters WHERE prow = %lld) + (SELECT count(*) FROM notes WHERE prow = "
		    "%lld) + (SELECT count(*) FROM patient_tokens WHERE prow = %lld)",
		    (long long)prow, (long long)prow, (long long)prow, (long long)prow);
		assert_int_equal(tu_sql_int(f->t.db, sql), 0);
	}
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM patients"), 1);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM encounters"), 1);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM meta WHERE key = "
	                                   "'chart_destroying'"),
	                 0);
	/* The certificate. */
	memset(&c, 0, sizeof c);
	assert_int_equal(retention_certificates(f->t.him, 1, take_cert, &c, &m), STATUS_OK);
	assert_string_equal(c.patient_id, f->a);
	assert_string_equal(c.proposed_by, "him1");
	assert_string_equal(c.approved_by, "priv1");
	assert_string_equal(c.first, "2030-06-15");
	assert_string_equal(c.last, "2031-02-03");
	assert_int_equal(retention_certificates(f->t.nurse, 1, take_cert, &c, &m), STATUS_DENIED);
	/* The MRN answers "destroyed"; the other chart is found. */
	assert_int_equal(patient_locate(f->t.him, f->amrn, &prow, pid, &conf, &m), STATUS_NOTFOUND);
	assert_true(tu_has(m.text, "destroyed on 2041-03-01"));
	assert_true(tu_has(m.text, "certificate 1"));
	assert_int_equal(patient_locate(f->t.him, f->bmrn, &prow, pid, &conf, &m), STATUS_OK);
	/* The trail and the chart heads verify. */
	assert_int_equal(audit_verify(f->t.priv, NULL, &count, &bad, &m), STATUS_OK);
	assert_int_equal(tu_audit_count(f->t.db, "chart_destroyed", "priv1"), 1);
	/* A certificate deleted with SQL (its trigger dropped) fails audit
	 * verify, which expects the one the destruction entry names. */
	tu_sql(f->t.db, "CREATE TABLE cert_bak AS SELECT * FROM destruction_certificates;"
	              "DROP TRIGGER destruction_certificates_no_delete;"
	              "DELETE FROM destruction_certificates");
	assert_int_equal(audit_verify(f->t.priv, NULL, &count, &bad, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "destruction certificate 1"));
	tu_sql(f->t.db, "INSERT INTO destruction_certificates SELECT * FROM cert_bak");
	assert_int_equal(audit_verify(f->t.priv, NULL, &count, &bad, &m), STATUS_OK);
	/* A certificate edited with SQL (its trigger dropped) is refused. */
	tu_sql(f->t.db, "DROP TRIGGER destruction_certificates_no_update; UPDATE "
	              "destruction_certificates SET approved_by = 'him1'");
	assert_int_equal(retention_certificates(f->t.him, 0, take_cert, &c, &m), STATUS_INTEGRITY);
	fake_now = NULL;
}

static int take_hold(const retention_hold_info_t *h, void *arg)
{
	(*(int *)arg)++;
	(void)h;
	return 0;
}

static void test_events_tampered(void **state)
{
	fixture_t *f = *state;
	int64_t hold = 0, hold2 = 0;
	retention_item_t it;
	int n = 0;
	msg_t m;
	char err[256];
	assert_int_equal(retention_hold(f->t.him, f->a, "litigation pending", &hold, &m), STATUS_OK);
	assert_int_equal(retention_hold(f->t.him, f->b, "another case", &hold2, &m), STATUS_OK);
	assert_int_equal(retention_holds(f->t.priv, take_hold, &n, &m), STATUS_OK);
	assert_int_equal(n, 2);
	/* Not in plaintext in the file. */
	tu_sql(f->t.db, "PRAGMA wal_checkpoint(TRUNCATE)");
	{
		size_t len = 0;
		unsigned char *file = tu_read_file(f->t.db, &len);
		assert_false(tu_contains(file, len, "litigation", 10));
		free(file);
	}
	/* The triggers refuse changes and deletions. */
	assert_int_not_equal(
	    tu_sql_try(f->t.db, "UPDATE retention_events SET kind = 'release'", err, sizeof err), 0);
	assert_int_not_equal(tu_sql_try(f->t.db, "DELETE FROM retention_events", err, sizeof err), 0);
	/* Edited: the reason swapped for the other chart's. */
	tu_sql(f->t.db, "CREATE TABLE bak AS SELECT * FROM retention_events");
	tu_sql(f->t.db,
	       "UPDATE retention_events SET reason = (SELECT reason FROM bak WHERE rrow = 2) "
	       "WHERE rrow = 1");
	assert_int_equal(retention_show(f->t.him, f->amrn, &it, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "retention_events"));
	/* Moved to another chart. */
	tu_sql(f->t.db, "DELETE FROM meta WHERE key = 'x'; DROP TRIGGER retention_events_append_only;"
	              "DROP TRIGGER retention_events_kept; DELETE FROM retention_events;"
	              "INSERT INTO retention_events SELECT * FROM bak");
	assert_int_equal(retention_show(f->t.him, f->amrn, &it, &m), STATUS_OK);
	tu_sql(f->t.db, "UPDATE retention_events SET prow = (SELECT prow FROM retention_events WHERE "
	              "rrow = 2) WHERE rrow = 1");
	assert_int_equal(retention_show(f->t.him, f->bmrn, &it, &m), STATUS_INTEGRITY);
	/* Deleted (a hold made to vanish): the trail counts it. */
	tu_sql(f->t.db,
	       "DELETE FROM retention_events; INSERT INTO retention_events SELECT * FROM bak;"
	       "DELETE FROM retention_events WHERE rrow = 1");
	assert_int_equal(retention_show(f->t.him, f->amrn, &it, &m), STATUS_INTEGRITY);
	assert_int_equal(retention_propose(f->t.him, f->amrn, "now it is free", NULL, &m),
	                 STATUS_INTEGRITY);
	/* Replayed: the hold put back after its release. */
	tu_sql(f->t.db,
	       "DELETE FROM retention_events; INSERT INTO retention_events SELECT * FROM bak");
	assert_int_equal(retention_release(f->t.him, hold2, "case closed", &m), STATUS_OK);
	tu_sql(f->t.db,
	       "DELETE FROM retention_events WHERE prow = (SELECT prow FROM bak WHERE rrow = "
	       "2); INSERT INTO retention_events SELECT * FROM bak WHERE rrow = 2");
	assert_int_equal(retention_show(f->t.him, f->bmrn, &it, &m), STATUS_INTEGRITY);
}

/* A survivor of a merge is destroyed with the chart merged into it (its
 * patient row, tokens and the rows that stay linked), each under its own
 * certificate; the merge journal goes with them, leaving the number of
 * the certificate, so the unmerge is refused saying why; the merged chart
 * alone is refused, naming the survivor; a hold on it blocks both. */
static void test_destroy_merged(void **state)
{
	fixture_t *f = *state;
	int64_t prop = 0, cert = 0, erow = 0, hold = 0, count = 0, bad = 0, prow, rprow, mid;
	char r[33], rmrn[24], pid[33];
	merge_result_t mr;
	int conf = 0;
	msg_t m;
	fake_now = "2031-02-01T10:00:00Z";
	reg(f, "Archive", "1960-01-02", r, rmrn);
	assert_int_equal(
	    encounter_checkin(f->t.fd, r, "office visit", "prov1", "Room 1", "wheeze", &erow, &m),
	    STATUS_OK);
	assert_int_equal(track_out(f->t.him, rmrn, 1, "Cardiology", "2031-03-01", &m), STATUS_OK);
	assert_int_equal(
	    encounter_checkin(f->t.fd, f->a, "office visit", "prov1", "Room 1", "cough", &erow, &m),
	    STATUS_OK);
	fake_now = "2031-02-03T10:00:00Z";
	rprow = tu_sql_int(f->t.db, "SELECT max(prow) FROM patients");
	assert_int_equal(merge_charts(f->t.him, f->amrn, rmrn, "same person", &mr, &m), STATUS_OK);
	mid = mr.id;
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM chart_tracking"), 2);
	fake_now = "2041-03-01T10:00:00Z";
	/* Shown as such (a screen may warn). */
	{
		retention_item_t it;
		assert_int_equal(retention_show(f->t.him, rmrn, &it, &m), STATUS_OK);
		assert_string_equal(it.merged_into, f->amrn);
		assert_int_equal(it.merged_charts, 0);
		assert_int_equal(retention_show(f->t.him, f->amrn, &it, &m), STATUS_OK);
		assert_string_equal(it.merged_into, "");
		assert_int_equal(it.merged_charts, 1);
	}
	/* The merged chart alone: refused, naming the survivor. */
	assert_int_equal(retention_propose(f->t.him, rmrn, "past retention", &prop, &m),
	                 STATUS_CONFLICT);
	assert_true(tu_has(m.text, "destroy the survivor"));
	assert_true(tu_has(m.text, f->amrn));
	/* A hold on the merged chart blocks the survivor's destruction. */
	assert_int_equal(retention_propose(f->t.him, f->amrn, "past retention", &prop, &m), STATUS_OK);
	assert_int_equal(retention_hold(f->t.him, rmrn, "litigation", &hold, &m), STATUS_OK);
	assert_int_equal(retention_approve(f->t.priv, prop, &cert, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "legal hold"));
	assert_int_equal(retention_release(f->t.him, hold, "case closed", &m), STATUS_OK);
	prow = tu_sql_int(f->t.db, "SELECT keep_prow FROM merges");
	assert_int_equal(retention_approve(f->t.priv, prop, &cert, &m), STATUS_OK);
	assert_true(tu_has(m.text, "With the chart merged into it (certificate 2"));
	/* Both charts gone from every table, the journal with them; the
	 * other patient stays. */
	{
		char sql[512];
		snprintf(sql, sizeof sql,
		         "SELECT (SELECT count(*) FROM patients WHERE prow IN (%lld, %lld)) + (SELECT "
		         "count(*) FROM patient_tokens WHERE prow IN (%lld, %lld)) + (SELECT count(*) "
		         "FROM chart_tracking) + (SELECT count(*) FROM retention_events WHERE prow IN "
		         "(%lld, %lld)) + (SELECT count(*) FROM merges) + (SELECT count(*) FROM "
		         "merge_rows) + (SELECT count(*) FROM encounters)",
		         (long long)prow, (long long)rprow, (long long)prow, (long long)rprow,
		         (long long)prow, (long long)rprow);
		assert_int_equal(tu_sql_int(f->t.db, sql), 0);
	}
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM patients"), 1);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM destruction_certificates"), 2);
	/* Both MRNs answer "destroyed"; the trail and heads verify. */
	assert_int_equal(patient_locate(f->t.him, f->amrn, &prow, pid, &conf, &m), STATUS_NOTFOUND);
	assert_true(tu_has(m.text, "certificate 1"));
	assert_int_equal(patient_locate(f->t.him, rmrn, &prow, pid, &conf, &m), STATUS_NOTFOUND);
	assert_true(tu_has(m.text, "certificate 2"));
	assert_int_equal(audit_verify(f->t.priv, NULL, &count, &bad, &m), STATUS_OK);
	assert_int_equal(tu_audit_count(f->t.db, "chart_destroyed", "priv1"), 2);
	/* The unmerge is refused, saying why. */
	assert_int_equal(merge_undo(f->t.him, mid, "undo", &mr, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "destroyed"));
	assert_true(tu_has(m.text, "certificate 1"));
}

/* A chart whose merge was undone is its own chart again: destroyed like
 * any other, the journal's copies of its rows with it; the other chart of
 * the merge stays whole. */
static void test_destroy_unmerged(void **state)
{
	fixture_t *f = *state;
	int64_t prop = 0, cert = 0, erow = 0, count = 0, bad = 0, prow;
	char r[33], rmrn[24], pid[33];
	merge_result_t mr;
	int conf = 0;
	msg_t m;
	fake_now = "2031-02-01T10:00:00Z";
	reg(f, "Archive", "1960-01-02", r, rmrn);
	assert_int_equal(
	    encounter_checkin(f->t.fd, r, "office visit", "prov1", "Room 1", "wheeze", &erow, &m),
	    STATUS_OK);
	assert_int_equal(merge_charts(f->t.him, f->amrn, rmrn, "same person", &mr, &m), STATUS_OK);
	assert_int_equal(merge_undo(f->t.him, mr.id, "two people", &mr, &m), STATUS_OK);
	assert_true(tu_sql_int(f->t.db, "SELECT count(*) FROM merge_rows") > 0);
	fake_now = "2041-03-01T10:00:00Z";
	assert_int_equal(retention_propose(f->t.him, rmrn, "past retention", &prop, &m), STATUS_OK);
	assert_int_equal(retention_approve(f->t.priv, prop, &cert, &m), STATUS_OK);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM merges") +
	                     tu_sql_int(f->t.db, "SELECT count(*) FROM merge_rows"),
	                 0);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM patients"), 2);
	assert_int_equal(patient_locate(f->t.him, f->amrn, &prow, pid, &conf, &m), STATUS_OK);
	assert_int_equal(patient_locate(f->t.him, rmrn, &prow, pid, &conf, &m), STATUS_NOTFOUND);
	assert_int_equal(audit_verify(f->t.priv, NULL, &count, &bad, &m), STATUS_OK);
	assert_int_equal(merge_undo(f->t.him, mr.id, "again", &mr, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "destroyed"));
}

static void test_patient_tables_listed(void **state)
{
	fixture_t *f = *state;
	char out[512];
	msg_t m;
	/* Every patient-bound table of the schema is in DB_PATIENT_REGISTRY:
	 * a migration that adds one must add it there (destruction and merge
	 * are driven by that list). */
	assert_int_equal(db_patient_tables_unlisted(f->t.c->db, out, sizeof out, &m), STATUS_OK);
	if (out[0])
		fail_msg("patient-bound tables missing from DB_PATIENT_REGISTRY: %s", out);
	/* And the check finds one. */
	tu_sql(f->t.db, "CREATE TABLE later_notes (id INTEGER PRIMARY KEY, prow INTEGER);"
	              "CREATE TABLE later_links (id INTEGER PRIMARY KEY, e INTEGER REFERENCES "
	              "encounters(erow))");
	assert_int_equal(db_patient_tables_unlisted(f->t.c->db, out, sizeof out, &m), STATUS_OK);
	assert_string_equal(out, "later_links, later_notes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_rule_edges), T(test_list_by_the_clock), T(test_hold_blocks_and_two_people),
	    T(test_destroy),    T(test_events_tampered),   T(test_patient_tables_listed),
	    T(test_destroy_merged), T(test_destroy_unmerged),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
