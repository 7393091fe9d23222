/* queue.c - the HIM work queue (core/queue.h): the table of kinds, the
 * collection from clear columns, the sort, and the patients decrypted on
 * demand. */
#include "core/queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "base/tz.h"
#include "core/deficiency.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/precord.h"
#include "core/retention.h"
#include "core/rights.h"
#include "db/db_codes.h"
#include "db/db_deficiency.h"
#include "db/db_dups.h"
#include "db/db_queue.h"

struct queue {
	queue_item_t *v; /* in the order collected */
	int *order;      /* v's indexes by due date: the items are sorted here,
			  * not moved (qsort moving 7,000 items of 460 bytes
			  * was a third of the open) */
	int n, cap;
	int per_kind[QK_COUNT];
};

/* What one collection run needs: where items go, today, the filter. */
typedef struct collect {
	session_t *s;
	queue_t *q;
	const char *assignee; /* NULL: anyone's */
	int count_only;       /* queue_counts: per_kind only, no items kept */
	char today[DATE_ISO_SIZE];
	long today_n; /* today as a day number */
	/* The zone's offset on each UTC day met (see local_day), by day
	 * number modulo DAY_SLOTS: 22 years of days without two sharing a
	 * slot (the backlog spans a few). */
	struct day_offset {
		long day;
		long off;  /* seconds east of UTC all that day */
		int state; /* 0 not looked up, 1 one offset all day, 2 it changes that day */
	} *days;
	status_t ret;
	msg_t *m;
} collect_t;

typedef status_t (*collect_fn)(collect_t *c);

static status_t collect_coding(collect_t *c);
static status_t collect_deficiency(collect_t *c);
static status_t collect_chart_out(collect_t *c);
static status_t collect_roi(collect_t *c);
static status_t collect_amendment(collect_t *c);
static status_t collect_btg(collect_t *c);
static status_t collect_duplicate(collect_t *c);
static status_t collect_retention(collect_t *c);

/* One row per kind, in QUEUE_KINDS order (its names come from there):
 * the permissions that let a role see it (either), and its collecting
 * function. */
static const struct kind {
	action_t needs, or_needs;
	collect_fn collect;
} kinds[QK_COUNT] = {
    [QK_CODING] = {ACT_CODING_QUEUE, ACT_CODING_QUEUE, collect_coding},
    [QK_DEFICIENCY] = {ACT_HIM_RECORDS, ACT_HIM_RECORDS, collect_deficiency},
    [QK_CHART_OUT] = {ACT_HIM_RECORDS, ACT_HIM_RECORDS, collect_chart_out},
    [QK_ROI] = {ACT_ROI_MANAGE, ACT_ROI_MANAGE, collect_roi},
    [QK_AMENDMENT] = {ACT_AMENDMENT_MANAGE, ACT_AMENDMENT_DECIDE, collect_amendment},
    [QK_BTG] = {ACT_BTG_REVIEW, ACT_BTG_REVIEW, collect_btg},
    [QK_DUPLICATE] = {ACT_CHART_MERGE, ACT_CHART_MERGE, collect_duplicate},
    [QK_RETENTION] = {ACT_RETENTION_PROPOSE, ACT_RETENTION_APPROVE, collect_retention},
};

static const struct kind_names {
	const char *name, *label, *one, *many;
} names[QK_COUNT] = {
#define QK_NAMES(id, name, label, one, many) [QK_##id] = {name, label, one, many},
    QUEUE_KINDS(QK_NAMES)
#undef QK_NAMES
};

const char *queue_kind_name(queue_kind_t k)
{
	return k < QK_COUNT ? names[k].name : "?";
}

const char *queue_kind_label(queue_kind_t k)
{
	return k < QK_COUNT ? names[k].label : "?";
}

queue_kind_t queue_kind_from_name(const char *name)
{
	for (int k = 0; name && k < QK_COUNT; k++)
		if (strcmp(name, names[k].name) == 0)
			return (queue_kind_t)k;
	return QK_COUNT;
}

const char *queue_kind_names(void)
{
#define QK_NAME(id, name, label, one, many) name ", "
	static const char all[] = QUEUE_KINDS(QK_NAME);
#undef QK_NAME
	static char buf[sizeof all];
	if (!buf[0]) {
		memcpy(buf, all, sizeof all);
		buf[sizeof all - 3] = '\0'; /* the last ", " */
	}
	return buf;
}

static int kind_visible(session_t *s, int k)
{
	return session_can(s, kinds[k].needs) || session_can(s, kinds[k].or_needs);
}

int queue_may_open(session_t *s)
{
	for (int k = 0; k < QK_COUNT; k++)
		if (kind_visible(s, k))
			return 1;
	return 0;
}

/* ---- collecting -------------------------------------------------------- */

/* ---- dates ----------------------------------------------------------------
 * Thousands of items each need a clinic-local date from a stored UTC
 * time and two differences in days; done with sscanf, printf and
 * localtime per item they were a third of the queue's time. Dates are day
 * numbers here (days since 1970-01-01, the proleptic Gregorian calendar),
 * and the zone is asked once per UTC day met: its offset at the day's
 * first and last second; when they differ (a change of daylight saving
 * time that day) each time of that day is converted by base/tz itself. */

#define NO_DAY (-1000000000L)
/* A possible duplicate is due this many days after a scan found it. */
#define DUP_DECIDE_DAYS 30
/* A chart past retention is due for HIM's decision this many days after
 * its retention date; a destruction proposal for the privacy officer's
 * this many days after it was made. */
#define RET_DECIDE_DAYS 90
#define RET_APPROVE_DAYS 30
#define DAY_SLOTS 8192

static long civil_days(long y, long mo, long d)
{
	long era, yoe, doy, doe;
	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void day_text(long z, char out[DATE_ISO_SIZE])
{
	long era, doe, yoe, y, doy, mp, d, mo;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	mo = mp + (mp < 10 ? 3 : -9);
	y += mo <= 2;
	if (y < 0 || y > 9999) {
		out[0] = '\0';
		return;
	}
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + mo / 10);
	out[6] = (char)('0' + mo % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

/* n digits at s as a number, -1 if any is not a digit. */
static long digits(const char *s, int n)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DD..." as a day number; NO_DAY when it is not a date. */
static long ymd_day(const char *s)
{
	long y, mo, d;
	if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
		return NO_DAY;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > date_days_in((int)y, (int)mo))
		return NO_DAY;
	return civil_days(y, mo, d);
}

/* The zone's offset at a stored UTC time, from base/tz's ISO form
 * ("...-05:00"); 0 with *ok 0 when it cannot say. */
static long zone_offset(collect_t *c, const char *utc, int *ok)
{
	char buf[64];
	size_t n;
	long hh, mm;
	*ok = 0;
	if (tz_format(c->s->c->cfg->clinic_tz, utc, TZ_ISO, buf, sizeof buf) != 0 ||
	    (n = strlen(buf)) < 6 || (buf[n - 6] != '+' && buf[n - 6] != '-') || buf[n - 3] != ':')
		return 0;
	hh = digits(buf + n - 5, 2);
	mm = digits(buf + n - 2, 2);
	if (hh < 0 || mm < 0)
		return 0;
	*ok = 1;
	return (buf[n - 6] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
}

/* The clinic-local day of a stored UTC time ("YYYY-MM-DDTHH:MM:SSZ"), as
 * rights_local_date gives it; NO_DAY when it is not such a time. */
static long local_day(collect_t *c, const char *utc)
{
	struct day_offset *e;
	long day, secs, h, mi, sec;
	char local[DATE_ISO_SIZE];
	if (!utc || strlen(utc) != 20 || utc[10] != 'T' || utc[13] != ':' || utc[16] != ':' ||
	    utc[19] != 'Z' || (day = ymd_day(utc)) == NO_DAY || (h = digits(utc + 11, 2)) < 0 ||
	    h > 23 || (mi = digits(utc + 14, 2)) < 0 || mi > 59 || (sec = digits(utc + 17, 2)) < 0 ||
	    sec > 60)
		return NO_DAY;
	secs = h * 3600 + mi * 60 + sec;
	e = &c->days[(unsigned long)day % DAY_SLOTS];
	if (e->state == 0 || e->day != day) {
		char first[21], last[21];
		long a, b;
		int oka, okb;
		day_text(day, first);
		memcpy(last, first, 10);
		memcpy(first + 10, "T00:00:00Z", 11);
		memcpy(last + 10, "T23:59:59Z", 11);
		a = zone_offset(c, first, &oka);
		b = zone_offset(c, last, &okb);
		e->day = day;
		e->off = a;
		e->state = oka && okb && a == b ? 1 : 2;
	}
	if (e->state == 1) {
		long t = secs + e->off;
		return day + (t < 0 ? -1 : t >= 86400 ? 1 : 0);
	}
	rights_local_date(c->s, utc, local);
	return ymd_day(local);
}

/* Add an item (c->ret set on failure; returns nonzero to stop). since
 * and due are clinic-local day numbers. */
static int add(collect_t *c, queue_kind_t k, const char *ref, int64_t num, int64_t prow,
	       int64_t erow, const char *what, const char *assigned, long since, long due)
{
	queue_t *q = c->q;
	queue_item_t *it;
	if (c->assignee && strcmp(assigned ? assigned : "", c->assignee) != 0)
		return 0;
	q->per_kind[k]++;
	if (q->n == q->cap) {
		int cap = q->cap ? q->cap * 2 : 256;
		queue_item_t *v = realloc(q->v, (size_t)cap * sizeof *v);
		if (!v) {
			c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory.");
			return 1;
		}
		q->v = v;
		q->cap = cap;
	}
	it = &q->v[q->n++];
	memset(it, 0, sizeof *it);
	it->kind = k;
	text_copy(it->ref, sizeof it->ref, ref);
	it->num = num;
	it->prow = prow;
	it->erow = erow;
	text_copy(it->what, sizeof it->what, what);
	text_copy(it->assigned, sizeof it->assigned, assigned ? assigned : "");
	/* A date that is not one (only by tampering with a clear column)
	 * shows as "" and sorts first, never dropped. */
	if (since != NO_DAY) {
		day_text(since, it->since);
		it->age_days = (int)(c->today_n - since);
	}
	if (due != NO_DAY) {
		day_text(due, it->due);
		it->days_left = due - c->today_n;
	}
	return 0;
}

/* A stored UTC time's clinic-local day, and that day plus days. */
static void local_plus(collect_t *c, const char *utc, int days, long *since, long *due)
{
	*since = local_day(c, utc);
	*due = *since == NO_DAY ? NO_DAY : *since + days;
}

/* queue_counts: a kind's item counted, nothing else computed. */
#define COUNT_ONLY(c, k)                      \
	do {                                  \
		if ((c)->count_only) {        \
			(c)->q->per_kind[k]++; \
			return 0;             \
		}                             \
	} while (0)

static int coding_one(const db_queue_row_t *r, void *arg)
{
	collect_t *c = arg;
	char ref[24], what[96];
	long since, due;
	COUNT_ONLY(c, QK_CODING);
	/* The wait counts from the date of service (issue 13 item 2); it is
	 * late after [codes] late_after_days. */
	local_plus(c, r->start, c->s->c->cfg->late_after_days, &since, &due);
	snprintf(ref, sizeof ref, "%lld", (long long)r->erow);
	snprintf(what, sizeof what, "Code encounter %lld (%s): %.40s", (long long)r->erow,
		 r->coding_status, r->type);
	return add(c, QK_CODING, ref, r->erow, r->prow, r->erow, what, "", since, due);
}

static status_t collect_coding(collect_t *c)
{
	status_t ret = db_coding_queue(c->s->c->db, coding_one, c, c->m);
	return ret == STATUS_OK ? c->ret : ret;
}

static int deficiency_one(const db_deficiency_t *d, const char *text, void *arg)
{
	collect_t *c = arg;
	char ref[24], what[96];
	long since, due;
	COUNT_ONLY(c, QK_DEFICIENCY);
	/* Due: the day it makes its record delinquent. */
	local_plus(c, d->since, c->s->c->cfg->delinquent_days, &since, &due);
	snprintf(ref, sizeof ref, "%c%lld", d->kind, (long long)d->row);
	snprintf(what, sizeof what, "%s (%s)", text, ref);
	return add(c, QK_DEFICIENCY, ref, d->row, d->prow, d->erow, what, d->who, since, due);
}

static status_t collect_deficiency(collect_t *c)
{
	status_t ret = deficiency_scan_clear(c->s, deficiency_one, c, c->m);
	return ret == STATUS_OK ? c->ret : ret;
}

static int chart_out_one(const db_queue_out_t *o, void *arg)
{
	collect_t *c = arg;
	char ref[24], what[96];
	long since, due;
	COUNT_ONLY(c, QK_CHART_OUT);
	since = local_day(c, o->at);
	due = o->due[0] ? ymd_day(o->due) : since;
	snprintf(ref, sizeof ref, "%d", o->volume);
	snprintf(what, sizeof what, "Paper chart volume %d due back", o->volume);
	/* Assigned to the clerk who charged it out: who follows it up. */
	return add(c, QK_CHART_OUT, ref, o->volume, o->prow, 0, what, o->by, since, due);
}

static status_t collect_chart_out(collect_t *c)
{
	status_t ret = db_queue_charts_out(c->s->c->db, chart_out_one, c, c->m);
	return ret == STATUS_OK ? c->ret : ret;
}

static int request_one(collect_t *c, queue_kind_t k, const char *label,
		       const db_queue_req_t *r)
{
	char ref[24], what[96];
	COUNT_ONLY(c, k);
	snprintf(ref, sizeof ref, "%lld", (long long)r->req);
	snprintf(what, sizeof what, "%s request %lld (%s)", label, (long long)r->req, r->status);
	return add(c, k, ref, r->req, r->prow, 0, what, "", ymd_day(r->received), ymd_day(r->due));
}

static int roi_one(const db_queue_req_t *r, void *arg)
{
	return request_one(arg, QK_ROI, "ROI", r);
}

static int amendment_one(const db_queue_req_t *r, void *arg)
{
	return request_one(arg, QK_AMENDMENT, "Amendment", r);
}

static status_t collect_roi(collect_t *c)
{
	status_t ret = db_queue_requests(c->s->c->db, "roi", roi_one, c, c->m);
	return ret == STATUS_OK ? c->ret : ret;
}

static status_t collect_amendment(collect_t *c)
{
	status_t ret = db_queue_requests(c->s->c->db, "amendment", amendment_one, c, c->m);
	return ret == STATUS_OK ? c->ret : ret;
}

static int btg_one(const db_queue_btg_t *b, void *arg)
{
	collect_t *c = arg;
	char ref[24], what[96];
	long since, due;
	COUNT_ONLY(c, QK_BTG);
	/* Due: [privacy] btg_review_days after the access. */
	local_plus(c, b->ts, c->s->c->cfg->btg_review_days, &since, &due);
	snprintf(ref, sizeof ref, "%lld", (long long)b->id);
	snprintf(what, sizeof what, "Review break-the-glass %lld by %.40s", (long long)b->id,
		 b->user_name);
	return add(c, QK_BTG, ref, b->id, b->prow, 0, what, "", since, due);
}

static status_t collect_btg(collect_t *c)
{
	status_t ret = db_queue_btg(c->s->c->db, btg_one, c, c->m);
	return ret == STATUS_OK ? c->ret : ret;
}

static int duplicate_one(const db_dup_t *d, void *arg)
{
	collect_t *c = arg;
	char ref[24], what[96];
	long since, due;
	COUNT_ONLY(c, QK_DUPLICATE);
	/* Found by a scan; HIM decides within DUP_DECIDE_DAYS whether the two
	 * charts are one person (the worklist screen compares them). */
	local_plus(c, d->found_at, DUP_DECIDE_DAYS, &since, &due);
	snprintf(ref, sizeof ref, "%lld", (long long)d->crow);
	snprintf(what, sizeof what, "Possible duplicate chart (pair %lld, score %d)",
		 (long long)d->crow, d->score);
	return add(c, QK_DUPLICATE, ref, d->crow, d->prow_a, 0, what, "", since, due);
}

static status_t collect_duplicate(collect_t *c)
{
	status_t ret = db_dup_list(c->s->c->db, 0, duplicate_one, c, c->m);
	return ret == STATUS_OK ? c->ret : ret;
}

static int retention_one(const retention_waiting_t *w, void *arg)
{
	collect_t *c = arg;
	char ref[24], what[96];
	long since, due;
	COUNT_ONLY(c, QK_RETENTION);
	/* HIM: a chart past its retention date, to propose (or hold); the
	 * wait counts from that date, due RET_DECIDE_DAYS after it. Privacy:
	 * a proposal to approve or reject, waiting since it was made, due
	 * RET_APPROVE_DAYS after it. Neither is urgent: keeping a chart
	 * longer is never the harm destroying it early would be. */
	since = ymd_day(w->due);
	due = since == NO_DAY ? NO_DAY : since + (w->proposal ? RET_APPROVE_DAYS : RET_DECIDE_DAYS);
	if (w->proposal) {
		snprintf(ref, sizeof ref, "%lld", (long long)w->proposal);
		snprintf(what, sizeof what, "Approve or reject destruction proposal %lld",
			 (long long)w->proposal);
	} else {
		snprintf(ref, sizeof ref, "%s", "due");
		snprintf(what, sizeof what, "%s", "Past retention: propose destruction or hold");
	}
	return add(c, QK_RETENTION, ref, w->proposal, w->prow, 0, what, "", since, due);
}

static status_t collect_retention(collect_t *c)
{
	status_t ret = retention_waiting(c->s, retention_one, c, c->m);
	return ret == STATUS_OK ? c->ret : ret;
}

/* Run the collection of every kind visible and asked for, in one read
 * snapshot. */
static status_t collect_all(session_t *s, const queue_filter_t *f, int count_only, queue_t *q,
			    msg_t *m)
{
	collect_t c;
	status_t ret;
	int reading = 0;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.q = q;
	c.count_only = count_only;
	c.assignee = f && f->assignee && *f->assignee ? f->assignee : NULL;
	c.m = m;
	rights_today(s, c.today);
	c.today_n = ymd_day(c.today);
	if (!count_only && !(c.days = calloc(DAY_SLOTS, sizeof *c.days)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK) {
		free(c.days);
		return ret;
	}
	for (int k = 0; k < QK_COUNT && ret == STATUS_OK; k++) {
		if (!kind_visible(s, k) || (f && f->kind >= 0 && f->kind != k))
			continue;
		c.ret = STATUS_OK;
		ret = kinds[k].collect(&c);
	}
	db_read_end(s->c->db, reading);
	free(c.days);
	return ret;
}

static int by_due(const void *a, const void *b, void *arg)
{
	const queue_item_t *v = arg, *x = &v[*(const int *)a], *y = &v[*(const int *)b];
	int r = strcmp(x->due, y->due);
	if (r)
		return r;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return strcmp(x->ref, y->ref);
}

status_t queue_open(session_t *s, const queue_filter_t *f, queue_t **out, msg_t *m)
{
	queue_t *q = NULL;
	status_t ret;
	char detail[160];
	int kind = f ? f->kind : -1;
	*out = NULL;
	if (kind >= QK_COUNT)
		return msg_fail(m, STATUS_INVALID, "Kind: not one of %s.", queue_kind_names());
	if (!queue_may_open(s) || (kind >= 0 && !kind_visible(s, kind)))
		return msg_fail(m, STATUS_DENIED,
				kind >= 0 ? "Your role may not see the work queue's %s items."
					  : "Your role may not open the HIM work queue.%s",
				kind >= 0 ? names[kind].name : "");
	if (f && f->assignee && *f->assignee &&
	    (ret = rights_text("Assignee", f->assignee, 0, m)) != STATUS_OK)
		return ret;
	snprintf(detail, sizeof detail, "work queue: %s, assigned to %.70s",
		 kind >= 0 ? names[kind].name : "every kind",
		 f && f->assignee && *f->assignee ? f->assignee : "anyone");
	if ((ret = audit_note(s, "queue_view", "", "ok", detail, 0, m)) != STATUS_OK)
		return ret;
	if (!(q = calloc(1, sizeof *q)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = collect_all(s, f, 0, q, m)) != STATUS_OK) {
		queue_free(q);
		return ret;
	}
	if (!(q->order = malloc((size_t)(q->n ? q->n : 1) * sizeof *q->order))) {
		queue_free(q);
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	for (int i = 0; i < q->n; i++)
		q->order[i] = i;
	if (q->n > 1)
		qsort_r(q->order, (size_t)q->n, sizeof *q->order, by_due, q->v);
	*out = q;
	return STATUS_OK;
}

int queue_count(const queue_t *q)
{
	return q ? q->n : 0;
}

int queue_count_kind(const queue_t *q, queue_kind_t k)
{
	return q && k < QK_COUNT ? q->per_kind[k] : 0;
}

const queue_item_t *queue_item(const queue_t *q, int i)
{
	return q && q->order && i >= 0 && i < q->n ? &q->v[q->order[i]] : NULL;
}

status_t queue_resolve(session_t *s, queue_t *q, int i, msg_t *m)
{
	queue_item_t *it;
	db_patient_row_t *row = NULL;
	patient_t *p = NULL;
	status_t ret;
	if (!q || !q->order || i < 0 || i >= q->n)
		return msg_fail(m, STATUS_INVALID, "There is no item %d in the queue.", i + 1);
	it = &q->v[q->order[i]];
	if (it->resolved)
		return STATUS_OK;
	/* The session could see this kind when the queue was opened; a role
	 * changed meanwhile is caught here. */
	if (!kind_visible(s, it->kind))
		return msg_fail(m, STATUS_DENIED, "Your role may not see the work queue's %s items.",
				names[it->kind].name);
	if (!(row = malloc(sizeof *row)) || !(p = malloc(sizeof *p))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = db_patient_get_ident(s->c->db, it->prow, row, m)) != STATUS_OK) {
		if (ret == STATUS_NOTFOUND)
			ret = integrity_fail(m, "patients", it->prow,
					     "is missing (a work queue item names it)");
		goto cleanup;
	}
	if ((ret = precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), m)) != STATUS_OK)
		goto cleanup;
	text_copy(it->patient_id, sizeof it->patient_id, row->id);
	text_copy(it->mrn, sizeof it->mrn, p->f[PF_MRN]);
	{
		char tmp[2 * PATIENT_FIELD_MAX + 4];
		snprintf(tmp, sizeof tmp, "%s, %s", p->f[PF_LAST], p->f[PF_FIRST]);
		text_copy(it->name, sizeof it->name, tmp);
		sodium_memzero(tmp, sizeof tmp);
	}
	it->resolved = 1;
cleanup:
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	if (ret == STATUS_INTEGRITY)
		ret = integrity_report(s, "", ret, m);
	return ret;
}

void queue_free(queue_t *q)
{
	if (!q)
		return;
	if (q->v)
		sodium_memzero(q->v, (size_t)q->cap * sizeof *q->v);
	free(q->v);
	free(q->order);
	sodium_memzero(q, sizeof *q);
	free(q);
}

status_t queue_counts(session_t *s, int counts[QK_COUNT], msg_t *m)
{
	queue_t q;
	status_t ret;
	memset(&q, 0, sizeof q);
	for (int k = 0; k < QK_COUNT; k++)
		counts[k] = 0;
	if (!queue_may_open(s))
		return msg_fail(m, STATUS_DENIED, "Your role may not open the HIM work queue.");
	if ((ret = collect_all(s, NULL, 1, &q, m)) == STATUS_OK)
		for (int k = 0; k < QK_COUNT; k++)
			counts[k] = q.per_kind[k];
	return ret;
}

void queue_counts_text(const int counts[QK_COUNT], char *buf, size_t size)
{
	size_t used = 0;
	if (size == 0)
		return;
	buf[0] = '\0';
	for (int k = 0; k < QK_COUNT; k++) {
		int w;
		if (!counts[k])
			continue;
		w = snprintf(buf + used, size - used, "%s%d %s", used ? ", " : "", counts[k],
			     counts[k] == 1 ? names[k].one : names[k].many);
		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
	if (!used)
		snprintf(buf, size, "nothing waiting");
}
