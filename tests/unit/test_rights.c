/* test_rights.c - patients' rights in core (issue 12 items 3-6): the
 * legal clocks at their edges (day 30/31, 60/61, an extension to day 90,
 * leap years, a request received just before local midnight) with this
 * test's own clock; the accounting of disclosures (six years, excluded
 * kinds, strikes, an oversight suspension that ends); append-only tables
 * and MAC'd rows caught when edited or moved with SQL; ROI and amendment
 * permissions; no free text in the database file. */
#include "testutil.h"

#include <time.h>

#include "base/date.h"
#include "core/amendment.h"
#include "core/disclosure.h"
#include "core/internal.h"
#include "core/rights.h"
#include "core/roi.h"

/* The clock: real time unless a test sets fake_now (UTC, core_now's form). */
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
} fixture_t;

static int group_setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_clinic_prepare(&f->t);
	snprintf(f->t.cfg->clinic_tz, sizeof f->t.cfg->clinic_tz, "America/Chicago");
	tu_clinic_start(&f->t, TU_R_FD | TU_R_HIM | TU_R_PRIV);
	*state = f;
	return 0;
}

static void new_patient(fixture_t *f, const char *last, char id[33])
{
	patient_t p;
	tu_patient(&p, last, "Rita", "1966-06-06", "F");
	tu_register(f->t.fd, &p, 1);
	snprintf(id, 33, "%s", p.id);
}

/* ---- dates and clocks ---- */

static void test_date_arithmetic(void **state)
{
	char out[DATE_ISO_SIZE];
	int ok;
	(void)state;
	assert_int_equal(date_add_days("2024-01-30", 30, out), 0);
	assert_string_equal(out, "2024-02-29"); /* leap year */
	assert_int_equal(date_add_days("2023-01-30", 30, out), 0);
	assert_string_equal(out, "2023-03-01");
	assert_int_equal(date_add_days("2024-01-01", 60, out), 0);
	assert_string_equal(out, "2024-03-01");
	assert_int_equal(date_add_days("2023-01-01", 60, out), 0);
	assert_string_equal(out, "2023-03-02");
	assert_int_equal(date_add_days("2100-02-28", 1, out), 0);
	assert_string_equal(out, "2100-03-01"); /* 2100 is not a leap year */
	assert_int_equal(date_add_days("2000-02-28", 1, out), 0);
	assert_string_equal(out, "2000-02-29"); /* 2000 is */
	assert_int_equal(date_add_days("2025-12-15", 30, out), 0);
	assert_string_equal(out, "2026-01-14");
	assert_int_equal(date_add_days("2026-03-01", -1, out), 0);
	assert_string_equal(out, "2026-02-28");
	assert_int_equal(date_add_days("2025-02-30", 1, out), -1);
	assert_int_equal(date_add_days("9999-12-31", 1, out), -1);
	assert_int_equal(date_diff_days("2024-02-28", "2024-03-01", &ok), 2);
	assert_true(ok);
	assert_int_equal(date_diff_days("2023-02-28", "2023-03-01", &ok), 1);
	assert_int_equal(date_diff_days("2026-01-01", "2025-12-01", &ok), -31);
	date_diff_days("soon", "2025-12-01", &ok);
	assert_false(ok);
}

static void test_days_text(void **state)
{
	char buf[40];
	(void)state;
	assert_int_equal(rights_days_left("2026-01-31", "2026-03-02"), 30);
	assert_int_equal(rights_days_left("2026-03-03", "2026-03-02"), -1);
	rights_days_text(30, buf, sizeof buf);
	assert_string_equal(buf, "30 days left");
	rights_days_text(0, buf, sizeof buf);
	assert_string_equal(buf, "due today");
	rights_days_text(-1, buf, sizeof buf);
	assert_string_equal(buf, "OVERDUE 1 day");
	rights_days_text(-12, buf, sizeof buf);
	assert_string_equal(buf, "OVERDUE 12 days");
}

typedef struct roi_seen {
	char status[24], received[11], due[11];
	long days_left;
	int overdue, extended;
	char recipient[128];
} roi_seen_t;

static int roi_take(const roi_info_t *r, void *arg)
{
	roi_seen_t *o = arg;
	snprintf(o->status, sizeof o->status, "%s", r->status);
	snprintf(o->received, sizeof o->received, "%s", r->received);
	snprintf(o->due, sizeof o->due, "%s", r->due);
	snprintf(o->recipient, sizeof o->recipient, "%s", r->recipient_name);
	o->days_left = r->days_left;
	o->overdue = r->overdue;
	o->extended = r->extended;
	return 0;
}

/* Received at 23:30 local time (05:30 UTC the next day): the clock counts
 * from the local date; due day 30, overdue from day 31, in local days. */
static void test_roi_clock_local_midnight(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t n = 0;
	roi_seen_t o;
	msg_t m;
	roi_input_t in = {0};
	new_patient(f, "Midnighter", pid);
	in.requester_kind = "patient";
	in.recipient_name = "Rita Midnighter";
	fake_now = "2026-02-01T05:30:00Z"; /* 2026-01-31 23:30 CST */
	assert_int_equal(roi_add(f->t.him, pid, &in, &n, &m), STATUS_OK);
	assert_int_equal(roi_get(f->t.him, n, roi_take, &o, &m), STATUS_OK);
	assert_string_equal(o.received, "2026-01-31");
	assert_string_equal(o.due, "2026-03-02");
	assert_string_equal(o.status, "logged"); /* the patient's own access: no authorization */
	assert_int_equal(o.days_left, 30);
	fake_now = "2026-03-03T05:59:00Z"; /* 2026-03-02 23:59 CST: day 30 */
	assert_int_equal(roi_get(f->t.him, n, roi_take, &o, &m), STATUS_OK);
	assert_int_equal(o.days_left, 0);
	assert_false(o.overdue);
	fake_now = "2026-03-03T06:00:00Z"; /* 2026-03-03 00:00 CST: day 31 */
	assert_int_equal(roi_get(f->t.him, n, roi_take, &o, &m), STATUS_OK);
	assert_int_equal(o.days_left, -1);
	assert_true(o.overdue);
	/* too late to extend now */
	assert_int_equal(roi_extend(f->t.him, n, "records off site", &m), STATUS_CONFLICT);
	fake_now = NULL;
}

static void test_roi_extension_once(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t n = 0;
	roi_seen_t o;
	msg_t m;
	roi_input_t in = {0};
	new_patient(f, "Extender", pid);
	in.requester_kind = "representative";
	in.recipient_name = "Sam Extender";
	in.received = "2024-01-30";
	fake_now = "2024-02-29T18:00:00Z"; /* day 30, a leap day */
	assert_int_equal(roi_add(f->t.him, pid, &in, &n, &m), STATUS_OK);
	assert_int_equal(roi_get(f->t.him, n, roi_take, &o, &m), STATUS_OK);
	assert_string_equal(o.due, "2024-02-29");
	assert_int_equal(roi_extend(f->t.him, n, "", &m), STATUS_INVALID); /* a reason is required */
	assert_int_equal(roi_extend(f->t.him, n, "Records are archived off site", &m), STATUS_OK);
	assert_int_equal(roi_get(f->t.him, n, roi_take, &o, &m), STATUS_OK);
	assert_string_equal(o.due, "2024-03-30");
	assert_true(o.extended);
	assert_int_equal(roi_extend(f->t.him, n, "again", &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "one extension only"));
	fake_now = NULL;
}

typedef struct am_seen {
	char status[16], due[11], disagreement[256];
	long days_left;
	int overdue, extended;
} am_seen_t;

static int am_take(const amendment_info_t *a, void *arg)
{
	am_seen_t *o = arg;
	snprintf(o->status, sizeof o->status, "%s", a->status);
	snprintf(o->due, sizeof o->due, "%s", a->due);
	snprintf(o->disagreement, sizeof o->disagreement, "%s", a->disagreement);
	o->days_left = a->days_left;
	o->overdue = a->overdue;
	o->extended = a->extended;
	return 0;
}

/* 60 days, one extension of at most 30 days only before day 60; overdue
 * from day 61 (91 once extended). 2024 is a leap year. */
static void test_amendment_clock(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t a = 0, b = 0, c = 0;
	am_seen_t o;
	msg_t m;
	amendment_input_t in = {"allergies", "", "2024-01-01", "Remove the latex allergy", ""};
	new_patient(f, "Amender", pid);
	fake_now = "2024-01-01T12:00:00Z";
	assert_int_equal(amendment_add(f->t.him, pid, &in, &a, &m), STATUS_OK);
	assert_int_equal(amendment_add(f->t.him, pid, &in, &b, &m), STATUS_OK);
	assert_int_equal(amendment_add(f->t.him, pid, &in, &c, &m), STATUS_OK);
	assert_int_equal(amendment_get(f->t.him, a, am_take, &o, &m), STATUS_OK);
	assert_string_equal(o.due, "2024-03-01"); /* day 60 */
	fake_now = "2024-03-01T12:00:00Z";         /* day 60: due today */
	assert_int_equal(amendment_get(f->t.him, a, am_take, &o, &m), STATUS_OK);
	assert_int_equal(o.days_left, 0);
	assert_false(o.overdue);
	assert_int_equal(amendment_extend(f->t.him, b, 30, "waiting for records", &m),
			 STATUS_CONFLICT); /* day 60: too late */
	assert_true(tu_has(m.text, "before day 60"));
	fake_now = "2024-03-02T12:00:00Z"; /* day 61 */
	assert_int_equal(amendment_get(f->t.him, a, am_take, &o, &m), STATUS_OK);
	assert_true(o.overdue);
	/* c: extended on day 59 (the leap day) */
	fake_now = "2024-02-29T12:00:00Z";
	assert_int_equal(amendment_extend(f->t.him, c, 31, "waiting", &m), STATUS_INVALID);
	assert_int_equal(amendment_extend(f->t.him, c, 30, "", &m), STATUS_INVALID);
	assert_int_equal(amendment_extend(f->t.him, c, 30, "Waiting for the allergist", &m),
			 STATUS_OK);
	assert_int_equal(amendment_extend(f->t.him, c, 10, "again", &m), STATUS_CONFLICT);
	assert_int_equal(amendment_get(f->t.him, c, am_take, &o, &m), STATUS_OK);
	assert_string_equal(o.due, "2024-03-31"); /* day 90 */
	fake_now = "2024-03-31T12:00:00Z";
	assert_int_equal(amendment_get(f->t.him, c, am_take, &o, &m), STATUS_OK);
	assert_false(o.overdue);
	fake_now = "2024-04-01T12:00:00Z"; /* day 91 */
	assert_int_equal(amendment_get(f->t.him, c, am_take, &o, &m), STATUS_OK);
	assert_true(o.overdue);
	/* decisions: privacy only; a denial from the rule's list; statements */
	assert_int_equal(amendment_deny(f->t.him, c, "accurate_complete", "", &m), STATUS_DENIED);
	assert_int_equal(amendment_deny(f->t.priv, c, "too_busy", "", &m), STATUS_INVALID);
	assert_int_equal(amendment_disagree(f->t.him, c, "I disagree", &m), STATUS_CONFLICT);
	assert_int_equal(amendment_deny(f->t.priv, c, "accurate_complete", "Testing confirmed it",
					&m),
			 STATUS_OK);
	assert_int_equal(amendment_accept(f->t.priv, c, NULL, "", &m), STATUS_CONFLICT);
	assert_int_equal(amendment_rebut(f->t.him, c, "No", &m), STATUS_CONFLICT);
	assert_int_equal(amendment_disagree(f->t.him, c, "Canarydisagreement never reacted", &m),
			 STATUS_OK);
	assert_int_equal(amendment_rebut(f->t.priv, c, "Skin test positive", &m), STATUS_OK);
	assert_int_equal(amendment_get(f->t.priv, c, am_take, &o, &m), STATUS_OK);
	assert_string_equal(o.status, "denied");
	assert_string_equal(o.disagreement, "Canarydisagreement never reacted");
	assert_false(o.overdue); /* decided */
	fake_now = NULL;
}

typedef struct marks {
	int n;
	char last[64];
} marks_t;

static int mark_take(const amendment_info_t *a, void *arg)
{
	marks_t *k = arg;
	k->n++;
	snprintf(k->last, sizeof k->last, "%s %s", a->section, a->status);
	return 0;
}

static void test_amendment_marks_on_chart(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t a = 0;
	marks_t k = {0, ""};
	msg_t m;
	amendment_input_t in = {"problems", "", "", "Add my asthma", ""};
	new_patient(f, "Marker", pid);
	assert_int_equal(amendment_add(f->t.him, pid, &in, &a, &m), STATUS_OK);
	assert_int_equal(amendment_chart_marks(f->t.him, pid, mark_take, &k, &m), STATUS_OK);
	assert_int_equal(k.n, 0); /* pending: nothing on the chart yet */
	assert_int_equal(amendment_accept(f->t.priv, a, "Asthma since childhood", "Dr Who", &m),
			 STATUS_OK);
	assert_int_equal(amendment_chart_marks(f->t.fd, pid, mark_take, &k, &m), STATUS_OK);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.last, "problems accepted");
}

/* ---- disclosures ---- */

typedef struct acc {
	int n;
	char names[512];
} acc_t;

static int acc_take(const disclosure_info_t *d, void *arg)
{
	acc_t *a = arg;
	size_t l = strlen(a->names);
	a->n++;
	snprintf(a->names + l, sizeof a->names - l, "%s;", d->recipient_name);
	return 0;
}

static void test_accounting(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t n = 0, wrong = 0;
	acc_t a;
	disclosure_summary_t sum;
	msg_t m;
	disclosure_t d = {0};
	new_patient(f, "Accountable", pid);
	fake_now = "2026-06-15T15:00:00Z";
	d.category = "public_health";
	d.recipient_name = "County Health";
	d.description = "Measles report";
	d.purpose = "Reportable disease";
	assert_int_equal(disclosure_record(f->t.fd, pid, &d, &n, &m), STATUS_DENIED);
	assert_int_equal(disclosure_record(f->t.priv, pid, &d, &n, &m), STATUS_OK);
	d.recipient_name = "Six Years Ago";
	d.date = "2020-06-15"; /* the first day of the period */
	assert_int_equal(disclosure_record(f->t.priv, pid, &d, &n, &m), STATUS_OK);
	d.recipient_name = "Too Old";
	d.date = "2020-06-14";
	assert_int_equal(disclosure_record(f->t.priv, pid, &d, &n, &m), STATUS_OK);
	d.date = NULL;
	d.recipient_name = "Dr Treating";
	d.category = "treatment";
	assert_int_equal(disclosure_record(f->t.him, pid, &d, &n, &m), STATUS_OK);
	d.recipient_name = "Oversight Agency";
	d.category = "oversight";
	d.suspended_until = "2026-07-01";
	assert_int_equal(disclosure_record(f->t.priv, pid, &d, &n, &m), STATUS_OK);
	d.suspended_until = NULL;
	d.recipient_name = "Wrong Entry";
	d.category = "law_enforcement";
	assert_int_equal(disclosure_record(f->t.priv, pid, &d, &wrong, &m), STATUS_OK);
	assert_int_equal(disclosure_strike(f->t.priv, wrong, "", NULL, &m), STATUS_INVALID);
	{
		/* From another patient's accounting (the screen): refused. */
		char other[33];
		new_patient(f, "Elsewhere", other);
		assert_int_equal(disclosure_strike_of(f->t.priv, other, wrong, "wrong chart", NULL, &m),
				 STATUS_NOTFOUND);
		assert_true(tu_has(m.text, "not this patient's"));
	}
	assert_int_equal(disclosure_strike_of(f->t.priv, pid, wrong, "wrong chart", NULL, &m),
			 STATUS_OK);
	d.category = "gossip";
	assert_int_equal(disclosure_record(f->t.priv, pid, &d, &n, &m), STATUS_INVALID);
	d.category = "other";
	d.recipient_name = "Evil\x1b[2JName";
	assert_int_equal(disclosure_record(f->t.priv, pid, &d, &n, &m), STATUS_INVALID);
	d.recipient_name = "Future";
	d.date = "2026-06-16";
	assert_int_equal(disclosure_record(f->t.priv, pid, &d, &n, &m), STATUS_INVALID);

	memset(&a, 0, sizeof a);
	assert_int_equal(disclosure_accounting(f->t.fd, pid, NULL, 0, acc_take, &a, &sum, &m),
			 STATUS_DENIED);
	assert_int_equal(disclosure_accounting(f->t.priv, pid, NULL, 0, acc_take, &a, &sum, &m),
			 STATUS_OK);
	assert_string_equal(sum.from, "2020-06-15");
	assert_string_equal(sum.to, "2026-06-15");
	assert_int_equal(a.n, 2);
	assert_true(tu_has(a.names, "County Health;"));
	assert_true(tu_has(a.names, "Six Years Ago;"));
	assert_int_equal(sum.excluded, 1);
	assert_int_equal(sum.struck, 1);
	assert_int_equal(sum.suspended, 1);
	assert_int_equal(sum.older, 1);
	/* the suspension ends: on 2026-07-02 the entry is in the accounting */
	fake_now = "2026-07-02T15:00:00Z";
	memset(&a, 0, sizeof a);
	assert_int_equal(disclosure_accounting(f->t.him, pid, NULL, 0, acc_take, &a, &sum, &m),
			 STATUS_OK);
	assert_true(tu_has(a.names, "Oversight Agency;"));
	/* --since narrows */
	memset(&a, 0, sizeof a);
	assert_int_equal(disclosure_accounting(f->t.him, pid, "2026-01-01", 0, acc_take, &a, &sum, &m),
			 STATUS_OK);
	assert_false(tu_has(a.names, "Six Years Ago"));
	/* all: every entry, the strike too */
	memset(&a, 0, sizeof a);
	assert_int_equal(disclosure_accounting(f->t.him, pid, NULL, 1, acc_take, &a, &sum, &m),
			 STATUS_OK);
	assert_int_equal(a.n, 7);
	fake_now = NULL;
}

static void test_append_only_and_tamper(void **state)
{
	fixture_t *f = *state;
	char pid[33], pid2[33], err[256], sql[256];
	int64_t n = 0, r = 0;
	acc_t a = {0, ""};
	msg_t m;
	roi_seen_t o;
	disclosure_t d = {0};
	roi_input_t in = {0};
	new_patient(f, "Tampered", pid);
	new_patient(f, "Bystander", pid2);
	d.category = "public_health";
	d.recipient_name = "Canaryrecipientname";
	d.recipient_address = "Canaryaddressline";
	d.description = "Canarydescription";
	d.purpose = "Canarypurposeword";
	assert_int_equal(disclosure_record(f->t.priv, pid, &d, &n, &m), STATUS_OK);
	in.requester_kind = "attorney";
	in.requester_name = "Canaryrequestername";
	in.recipient_name = "Canaryroirecipient";
	in.auth = "pending";
	assert_int_equal(roi_add(f->t.him, pid, &in, &r, &m), STATUS_OK);
	snprintf(sql, sizeof sql, "DELETE FROM disclosures WHERE n = %lld", (long long)n);
	assert_int_not_equal(tu_sql_try(f->t.db, sql, err, sizeof err), SQLITE_OK);
	assert_true(tu_has(err, "append-only"));
	snprintf(sql, sizeof sql, "UPDATE disclosures SET category = 'treatment' WHERE n = %lld",
		 (long long)n);
	assert_int_not_equal(tu_sql_try(f->t.db, sql, err, sizeof err), SQLITE_OK);
	assert_int_not_equal(tu_sql_try(f->t.db, "DELETE FROM rights_requests", err, sizeof err),
			     SQLITE_OK);
	/* no free text in the file */
	{
		static const char *const canaries[] = {"Canaryrecipientname", "Canaryaddressline",
						       "Canarydescription", "Canarypurposeword",
						       "Canaryrequestername", "Canaryroirecipient",
						       "Canarydisagreement"};
		size_t len = 0;
		unsigned char *file;
		tu_sql(f->t.db, "PRAGMA wal_checkpoint(TRUNCATE)");
		file = tu_read_file(f->t.db, &len);
		for (size_t i = 0; i < sizeof canaries / sizeof canaries[0]; i++)
			if (tu_contains(file, len, canaries[i], strlen(canaries[i])))
				fail_msg("%s is in the database file", canaries[i]);
		free(file);
	}
	/* moved to another chart with the trigger dropped */
	tu_sql(f->t.db, "DROP TRIGGER disclosures_no_update");
	snprintf(sql, sizeof sql,
		 "UPDATE disclosures SET prow = (SELECT prow FROM patients WHERE id = '%s') "
		 "WHERE n = %lld",
		 pid2, (long long)n);
	tu_sql(f->t.db, sql);
	assert_int_equal(disclosure_accounting(f->t.priv, pid2, NULL, 1, acc_take, &a, NULL, &m),
			 STATUS_INTEGRITY);
	assert_int_equal(a.n, 0); /* nothing shown */
	snprintf(sql, sizeof sql,
		 "UPDATE disclosures SET prow = (SELECT prow FROM patients WHERE id = '%s'), "
		 "suspended_until = '2099-01-01' WHERE n = %lld",
		 pid, (long long)n);
	tu_sql(f->t.db, sql);
	assert_int_equal(disclosure_accounting(f->t.priv, pid, NULL, 1, acc_take, &a, NULL, &m),
			 STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "disclosures record"));
	snprintf(sql, sizeof sql, "UPDATE disclosures SET suspended_until = '' WHERE n = %lld",
		 (long long)n);
	tu_sql(f->t.db, sql);
	assert_int_equal(disclosure_accounting(f->t.priv, pid, NULL, 1, acc_take, &a, NULL, &m),
			 STATUS_OK);
	/* an ROI event's status edited */
	tu_sql(f->t.db, "DROP TRIGGER rights_requests_no_update");
	snprintf(sql, sizeof sql,
		 "UPDATE rights_requests SET auth = 'on_file' WHERE kind = 'roi' AND req = %lld",
		 (long long)r);
	tu_sql(f->t.db, sql);
	assert_int_equal(roi_get(f->t.him, r, roi_take, &o, &m), STATUS_INTEGRITY);
	snprintf(sql, sizeof sql,
		 "UPDATE rights_requests SET auth = 'pending' WHERE kind = 'roi' AND req = %lld",
		 (long long)r);
	tu_sql(f->t.db, sql);
	assert_int_equal(roi_get(f->t.him, r, roi_take, &o, &m), STATUS_OK);
	assert_string_equal(o.recipient, "Canaryroirecipient");
	/* put the triggers back for the tests after */
	tu_sql(f->t.db, "CREATE TRIGGER disclosures_no_update BEFORE UPDATE ON disclosures BEGIN "
		      "SELECT RAISE(ABORT, 'disclosures are append-only'); END");
	tu_sql(f->t.db, "CREATE TRIGGER rights_requests_no_update BEFORE UPDATE ON rights_requests "
		      "BEGIN SELECT RAISE(ABORT, 'append-only'); END");
}

static void test_roi_permissions_and_input(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t n = 0;
	msg_t m;
	roi_input_t in = {0};
	new_patient(f, "Permitted", pid);
	in.requester_kind = "payer";
	in.recipient_name = "Acme Insurance";
	assert_int_equal(roi_add(f->t.fd, pid, &in, &n, &m), STATUS_DENIED);
	assert_int_equal(roi_add(f->t.priv, pid, &in, &n, &m), STATUS_DENIED);
	in.fee = "12.345";
	assert_int_equal(roi_add(f->t.him, pid, &in, &n, &m), STATUS_INVALID);
	in.fee = "6.5";
	in.auth = "not_required"; /* a payer without an authorization needs the legal basis */
	assert_int_equal(roi_add(f->t.him, pid, &in, &n, &m), STATUS_INVALID);
	in.auth = "on_file"; /* and an authorization on file its signing date */
	assert_int_equal(roi_add(f->t.him, pid, &in, &n, &m), STATUS_INVALID);
	in.auth_signed = "2026-01-01";
	in.auth_expires = "2025-01-01";
	assert_int_equal(roi_add(f->t.him, pid, &in, &n, &m), STATUS_INVALID);
	in.auth_expires = NULL;
	in.from_date = "2026-02-01";
	in.to_date = "2026-01-01";
	assert_int_equal(roi_add(f->t.him, pid, &in, &n, &m), STATUS_INVALID);
	in.to_date = NULL;
	assert_int_equal(roi_add(f->t.him, pid, &in, &n, &m), STATUS_OK);
	assert_int_equal(roi_update(f->t.him, n, NULL, "released", &m), STATUS_INVALID);
	assert_int_equal(roi_update(f->t.him, n, NULL, "withdrawn", &m), STATUS_OK);
	assert_int_equal(roi_update(f->t.him, n, NULL, "in_process", &m), STATUS_CONFLICT);
	assert_int_equal(roi_deny(f->t.him, n, "x", &m), STATUS_CONFLICT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_arithmetic),
		cmocka_unit_test(test_days_text),
		cmocka_unit_test(test_roi_clock_local_midnight),
		cmocka_unit_test(test_roi_extension_once),
		cmocka_unit_test(test_amendment_clock),
		cmocka_unit_test(test_amendment_marks_on_chart),
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_append_only_and_tamper),
		cmocka_unit_test(test_roi_permissions_and_input),
	};
	return cmocka_run_group_tests_name("rights", tests, group_setup, tu_clinic_teardown);
}
