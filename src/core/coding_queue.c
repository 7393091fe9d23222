/* coding_queue.c - the coding queue: closed encounters whose coding is
 * not final, oldest date of service first, each checked against its chart
 * and named with its patient (for roles that see demographics), with the
 * days since the date of service in the clinic's days (core's clock) and
 * their DNFB aging bucket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/date.h"
#include "base/text.h"
#include "base/tz.h"
#include "core/coding_internal.h"
#include "core/internal.h"
#include "db/db_codes.h"

static int days_between(const char *a, const char *b)
{
	struct tm ta, tb;
	char da[DATE_ISO_SIZE], db_[DATE_ISO_SIZE];
	memset(&ta, 0, sizeof ta);
	memset(&tb, 0, sizeof tb);
	/* Stored dates and times: their first 10 characters are the date. */
	text_copy(da, sizeof da, a);
	text_copy(db_, sizeof db_, b);
	if (date_split_iso(da, &ta.tm_year, &ta.tm_mon, &ta.tm_mday) != 0 ||
	    date_split_iso(db_, &tb.tm_year, &tb.tm_mon, &tb.tm_mday) != 0)
		return 0;
	ta.tm_year -= 1900;
	tb.tm_year -= 1900;
	ta.tm_mon--;
	tb.tm_mon--;
	return (int)((timegm(&tb) - timegm(&ta)) / 86400);
}

struct queue_ctx {
	session_t *s;
	int (*fn)(const coding_queue_row_t *q, void *arg);
	void *arg;
	int late;
	char today[11];
	/* Each row is checked against its chart (the last one loaded kept
	 * for the next row of the same patient). */
	chart_t ch;
	int loaded;
	coding_patient_t patient; /* ch's */
	status_t ret;
	msg_t *m;
};

static int queue_each(const db_queue_row_t *q, void *arg)
{
	struct queue_ctx *c = arg;
	coding_queue_row_t o;
	struct enc_info ei;
	if (!c->loaded || c->ch.prow != q->prow) {
		chart_free(&c->ch);
		c->loaded = 1;
		if ((c->ret = chart_load(c->s, q->prow, &c->ch, c->m)) != STATUS_OK ||
		    (c->ret = coding_fill_patient(c->s, &c->ch, &c->patient, c->m)) != STATUS_OK)
			return 1;
	}
	if ((c->ret = coding_enc_checked(c->s, &c->ch, q->erow, &ei, c->m)) != STATUS_OK)
		return 1;
	memset(&o, 0, sizeof o);
	o.erow = q->erow;
	text_copy(o.patient_id, sizeof o.patient_id, c->ch.pid);
	/* Days in the clinic's zone (see load). */
	tz_format(c->s->c->cfg->clinic_tz, q->start, TZ_DATE, o.date, sizeof o.date);
	tz_format(c->s->c->cfg->clinic_tz, q->closed_at, TZ_DATE, o.closed, sizeof o.closed);
	/* Days from the date of service, as a DNFB report counts them. */
	o.days_waiting = days_between(o.date, c->today);
	o.bucket = coding_age_bucket(o.days_waiting);
	o.patient = c->patient;
	text_copy(o.type, sizeof o.type, q->type);
	text_copy(o.provider, sizeof o.provider, q->provider);
	text_copy(o.status, sizeof o.status, q->coding_status);
	o.late = o.days_waiting > c->s->c->cfg->late_after_days;
	c->late += o.late;
	{
		int stop = c->fn ? c->fn(&o, c->arg) : 0;
		sodium_memzero(&o.patient, sizeof o.patient);
		return stop;
	}
}

int coding_age_bucket(int days)
{
	return days <= 3 ? CODING_AGE_0_3
	       : days <= 7 ? CODING_AGE_4_7
	       : days <= 14 ? CODING_AGE_8_14
	       : days <= 30 ? CODING_AGE_15_30
	                    : CODING_AGE_OVER_30;
}

const char *coding_age_label(int bucket)
{
	static const char *const labels[CODING_AGE_BUCKETS] = {"0-3", "4-7", "8-14", "15-30", ">30"};
	return bucket >= 0 && bucket < CODING_AGE_BUCKETS ? labels[bucket] : "?";
}

status_t coding_queue(session_t *s, int (*fn)(const coding_queue_row_t *q, void *arg), void *arg,
		      int *late, msg_t *m)
{
	struct queue_ctx *c;
	status_t ret;
	int reading = 0;
	char pid[33];
	*late = 0;
	if ((ret = session_require(s, ACT_CODING_QUEUE, m)) != STATUS_OK)
		return ret;
	/* The list names patients: recorded before anything is shown. */
	if ((ret = audit_note(s, "coding_queue_view", "", "ok", "", 0, m)) != STATUS_OK)
		return ret;
	if (!(c = calloc(1, sizeof *c)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	c->s = s;
	c->fn = fn;
	c->arg = arg;
	c->m = m;
	/* The clinic's today by core's clock (the test build's can be set). */
	{
		char now[24];
		core_now(now);
		tz_format(s->c->cfg->clinic_tz, now, TZ_DATE, c->today, sizeof c->today);
	}
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK &&
	    (ret = db_coding_queue(s->c->db, queue_each, c, m)) == STATUS_OK)
		ret = c->ret;
	db_read_end(s->c->db, reading);
	*late = c->late;
	text_copy(pid, sizeof pid, c->ch.pid);
	chart_free(&c->ch);
	sodium_memzero(c, sizeof *c);
	free(c);
	return integrity_report(s, pid, ret, m);
}
