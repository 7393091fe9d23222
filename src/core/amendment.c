/* amendment.c - amendment requests (core/amendment.h). */
#include "core/amendment.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "core/audit.h"
#include "core/request.h"

enum { F_REQUEST, F_PART, F_EXTEND, F_AMEND, F_NOTIFY, F_EXPLAIN, F_DISAGREE, F_REBUT };

static const struct {
	const char *code, *desc;
} denials[] = {
#define DENIAL_ROW(c, d) {c, d},
	AMENDMENT_DENIALS(DENIAL_ROW)
#undef DENIAL_ROW
};
static const char *const sections[] = {AMENDMENT_SECTIONS, NULL};

const char *amendment_denial_desc(const char *code)
{
	for (size_t i = 0; code && i < sizeof denials / sizeof denials[0]; i++)
		if (strcmp(denials[i].code, code) == 0)
			return denials[i].desc;
	return "";
}

static status_t finish(session_t *s, status_t ret, msg_t *m)
{
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

status_t amendment_add(session_t *s, const char *patient, const amendment_input_t *in, int64_t *n,
		       msg_t *m)
{
	req_state_t st;
	int conf, ok = 0;
	char detail[120];
	status_t ret = session_require(s, ACT_AMENDMENT_MANAGE, m);
	if (ret != STATUS_OK)
		return ret;
	memset(&st, 0, sizeof st);
	for (int i = 0; sections[i]; i++)
		ok |= in->section && strcmp(in->section, sections[i]) == 0;
	if (!ok)
		return msg_fail(m, STATUS_INVALID,
				"Section: '%.30s' is not a part of the record (demographics, "
				"allergies, medications, problems, vitals, encounters, notes).",
				in->section ? in->section : "");
	if (in->ref && *in->ref && strspn(in->ref, "0123456789") != strlen(in->ref))
		return msg_fail(m, STATUS_INVALID, "Record: '%.20s' is not a record number.", in->ref);
	if (in->ref && strlen(in->ref) > 18)
		return msg_fail(m, STATUS_INVALID, "Record: too long.");
	if (!in->request || !*in->request)
		return msg_fail(m, STATUS_INVALID, "What the patient asks (request) is required.");
	if ((ret = rights_text("Request", in->request, 1, m)) != STATUS_OK ||
	    (ret = rights_text("Part of the record", in->part, 1, m)) != STATUS_OK)
		return ret;
	for (int i = 0; i < REQ_FIELDS; i++)
		if ((ret = req_set(&st, i, "", m)) != STATUS_OK)
			goto out;
	if ((ret = req_set(&st, F_REQUEST, in->request, m)) != STATUS_OK ||
	    (ret = req_set(&st, F_PART, in->part, m)) != STATUS_OK)
		goto out;
	text_copy(st.r.kind, sizeof st.r.kind, "amendment");
	text_copy(st.r.status, sizeof st.r.status, "pending");
	text_copy(st.r.category, sizeof st.r.category, in->section);
	text_copy(st.r.parts, sizeof st.r.parts, in->ref ? in->ref : "");
	if ((ret = rights_date(s, "Received date", in->received, 0, st.r.received, m)) != STATUS_OK ||
	    (ret = rights_due(st.r.received, RIGHTS_AMEND_DAYS, st.r.due, m)) != STATUS_OK)
		goto out;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto out;
	ret = patient_locate(s, patient, &st.r.prow, st.pid, &conf, m);
	if (ret == STATUS_OK) {
		snprintf(detail, sizeof detail, "amendment request, %s, due %s", st.r.category,
			 st.r.due);
		ret = req_append(s, &st, "add", "amendment_add", detail, m);
	}
	ret = finish(s, ret, m);
	if (ret == STATUS_OK) {
		*n = st.r.req;
		msg_fail(m, STATUS_OK, "Amendment request %" PRId64 " logged; decision due %s.",
			 st.r.req, st.r.due);
	}
out:
	req_state_free(&st);
	return ret;
}

/* Load n for a change in a new transaction. */
static status_t change_begin(session_t *s, action_t a, int64_t n, req_state_t *st, msg_t *m)
{
	status_t ret = session_require(s, a, m);
	memset(st, 0, sizeof *st);
	if (ret != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = req_load(s, "amendment", n, st, m)) != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

static status_t change_end(session_t *s, req_state_t *st, status_t ret, const char *ev,
			   const char *action, const char *detail, msg_t *m)
{
	if (ret == STATUS_OK)
		ret = req_append(s, st, ev, action, detail, m);
	ret = finish(s, ret, m);
	req_state_free(st);
	return ret;
}

static status_t need_text(const char *label, const char *t, msg_t *m)
{
	if (!t || !*t)
		return msg_fail(m, STATUS_INVALID, "%s is required.", label);
	return rights_text(label, t, 1, m);
}

status_t amendment_extend(session_t *s, int64_t n, int days, const char *reason, msg_t *m)
{
	req_state_t st;
	char today[DATE_ISO_SIZE], detail[120];
	long elapsed;
	status_t ret;
	if (days == 0)
		days = RIGHTS_AMEND_EXTEND;
	if (days < 1 || days > RIGHTS_AMEND_EXTEND)
		return msg_fail(m, STATUS_INVALID, "An extension is 1 to %d days.",
				RIGHTS_AMEND_EXTEND);
	if ((ret = need_text("The written reason for the delay", reason, m)) != STATUS_OK)
		return ret;
	if ((ret = change_begin(s, ACT_AMENDMENT_MANAGE, n, &st, m)) != STATUS_OK)
		return ret;
	rights_today(s, today);
	elapsed = -rights_days_left(today, st.r.received);
	if (strcmp(st.r.status, "pending") != 0)
		ret = msg_fail(m, STATUS_CONFLICT, "Amendment request %" PRId64 " was %s already.", n,
			       st.r.status);
	else if (st.r.extended)
		ret = msg_fail(m, STATUS_CONFLICT,
			       "Amendment request %" PRId64 " was extended already (one extension "
			       "only).",
			       n);
	else if (elapsed >= RIGHTS_AMEND_DAYS)
		ret = msg_fail(m, STATUS_CONFLICT,
			       "Amendment request %" PRId64 " is on day %ld: an extension must be "
			       "taken before day %d.",
			       n, elapsed, RIGHTS_AMEND_DAYS);
	if (ret == STATUS_OK) {
		st.r.extended = days;
		ret = rights_due(st.r.received, RIGHTS_AMEND_DAYS + days, st.r.due, m);
	}
	if (ret == STATUS_OK)
		ret = req_set(&st, F_EXTEND, reason, m);
	snprintf(detail, sizeof detail, "amendment %" PRId64 " extended %d days to %s", n, days,
		 st.r.due);
	ret = change_end(s, &st, ret, "extend", "amendment_extend", detail, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK, "Amendment request %" PRId64 " extended by %d days; now due %s.",
			 n, days, st.r.due);
	return ret;
}

status_t amendment_accept(session_t *s, int64_t n, const char *text, const char *notify,
			  msg_t *m)
{
	req_state_t st;
	char detail[120];
	status_t ret;
	if ((text && (ret = rights_text("Amendment", text, 1, m)) != STATUS_OK) ||
	    (ret = rights_text("People to notify", notify, 1, m)) != STATUS_OK)
		return ret;
	if ((ret = change_begin(s, ACT_AMENDMENT_DECIDE, n, &st, m)) != STATUS_OK)
		return ret;
	if (strcmp(st.r.status, "pending") != 0)
		ret = msg_fail(m, STATUS_CONFLICT, "Amendment request %" PRId64 " was %s already.", n,
			       st.r.status);
	if (ret == STATUS_OK)
		ret = req_set(&st, F_AMEND, text && *text ? text : st.f[F_REQUEST], m);
	if (ret == STATUS_OK)
		ret = req_set(&st, F_NOTIFY, notify, m);
	if (ret == STATUS_OK) {
		text_copy(st.r.status, sizeof st.r.status, "accepted");
		rights_today(s, st.r.closed_on);
	}
	snprintf(detail, sizeof detail, "amendment %" PRId64 " accepted", n);
	ret = change_end(s, &st, ret, "accept", "amendment_accept", detail, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK, "Amendment request %" PRId64 " accepted; the amendment is "
				       "appended to the chart.",
			 n);
	return ret;
}

status_t amendment_deny(session_t *s, int64_t n, const char *code, const char *explanation,
			msg_t *m)
{
	req_state_t st;
	char detail[120];
	status_t ret;
	if (!*amendment_denial_desc(code))
		return msg_fail(m, STATUS_INVALID,
				"Reason: '%.30s' is not one of the rule's reasons (not_created, "
				"not_in_record_set, not_open_to_inspection, accurate_complete).",
				code ? code : "");
	if ((ret = rights_text("Explanation", explanation, 1, m)) != STATUS_OK)
		return ret;
	if ((ret = change_begin(s, ACT_AMENDMENT_DECIDE, n, &st, m)) != STATUS_OK)
		return ret;
	if (strcmp(st.r.status, "pending") != 0)
		ret = msg_fail(m, STATUS_CONFLICT, "Amendment request %" PRId64 " was %s already.", n,
			       st.r.status);
	if (ret == STATUS_OK)
		ret = req_set(&st, F_EXPLAIN, explanation, m);
	if (ret == STATUS_OK) {
		text_copy(st.r.status, sizeof st.r.status, "denied");
		text_copy(st.r.code, sizeof st.r.code, code);
		rights_today(s, st.r.closed_on);
	}
	snprintf(detail, sizeof detail, "amendment %" PRId64 " denied: %s", n, code);
	ret = change_end(s, &st, ret, "deny", "amendment_deny", detail, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK, "Amendment request %" PRId64 " denied (%s).", n, code);
	return ret;
}

status_t amendment_disagree(session_t *s, int64_t n, const char *statement, msg_t *m)
{
	req_state_t st;
	char detail[120];
	status_t ret;
	if ((ret = need_text("The statement of disagreement", statement, m)) != STATUS_OK)
		return ret;
	if ((ret = change_begin(s, ACT_AMENDMENT_MANAGE, n, &st, m)) != STATUS_OK)
		return ret;
	if (strcmp(st.r.status, "denied") != 0)
		ret = msg_fail(m, STATUS_CONFLICT,
			       "Amendment request %" PRId64 " is %s: a statement of disagreement "
			       "follows a denial.",
			       n, st.r.status);
	else if (st.f[F_DISAGREE][0])
		ret = msg_fail(m, STATUS_CONFLICT,
			       "Amendment request %" PRId64 " has its statement of disagreement.", n);
	if (ret == STATUS_OK)
		ret = req_set(&st, F_DISAGREE, statement, m);
	snprintf(detail, sizeof detail, "amendment %" PRId64 " statement of disagreement", n);
	ret = change_end(s, &st, ret, "disagree", "amendment_disagree", detail, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK,
			 "Statement of disagreement attached to amendment request %" PRId64
			 "; the chart marks the part.",
			 n);
	return ret;
}

status_t amendment_rebut(session_t *s, int64_t n, const char *rebuttal, msg_t *m)
{
	req_state_t st;
	char detail[120];
	status_t ret;
	if ((ret = need_text("The rebuttal", rebuttal, m)) != STATUS_OK)
		return ret;
	if ((ret = change_begin(s, ACT_AMENDMENT_MANAGE, n, &st, m)) != STATUS_OK)
		return ret;
	if (strcmp(st.r.status, "denied") != 0 || !st.f[F_DISAGREE][0])
		ret = msg_fail(m, STATUS_CONFLICT,
			       "Amendment request %" PRId64 " has no statement of disagreement to "
			       "rebut.",
			       n);
	else if (st.f[F_REBUT][0])
		ret = msg_fail(m, STATUS_CONFLICT, "Amendment request %" PRId64 " has its rebuttal.",
			       n);
	if (ret == STATUS_OK)
		ret = req_set(&st, F_REBUT, rebuttal, m);
	snprintf(detail, sizeof detail, "amendment %" PRId64 " rebuttal", n);
	ret = change_end(s, &st, ret, "rebut", "amendment_rebut", detail, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK, "Rebuttal attached to amendment request %" PRId64 ".", n);
	return ret;
}

/* ---- reading ---- */

static void fill_info(session_t *s, const req_state_t *st, amendment_info_t *o, const char *today)
{
	const db_request_t *r = &st->r;
	memset(o, 0, sizeof *o);
	o->n = r->req;
	rights_patient_label(s, r->prow, o->mrn, o->patient_name);
	text_copy(o->status, sizeof o->status, r->status);
	text_copy(o->section, sizeof o->section, r->category);
	text_copy(o->ref, sizeof o->ref, r->parts);
	text_copy(o->received, sizeof o->received, r->received);
	text_copy(o->due, sizeof o->due, r->due);
	text_copy(o->decided, sizeof o->decided, r->closed_on);
	text_copy(o->denial, sizeof o->denial, r->code);
	o->extended = r->extended;
	o->days_left = rights_days_left(today, r->due);
	o->overdue = strcmp(r->status, "pending") == 0 && o->days_left < 0;
	text_copy(o->last_event, sizeof o->last_event, r->ev);
	text_copy(o->updated_at, sizeof o->updated_at, r->at);
	text_copy(o->updated_by, sizeof o->updated_by, r->by_user);
	text_copy(o->logged_at, sizeof o->logged_at, st->opened_at);
	text_copy(o->logged_by, sizeof o->logged_by, st->opened_by);
	o->request = st->f[F_REQUEST];
	o->part = st->f[F_PART];
	o->extension_reason = st->f[F_EXTEND];
	o->amendment = st->f[F_AMEND];
	o->notify = st->f[F_NOTIFY];
	o->explanation = st->f[F_EXPLAIN];
	o->disagreement = st->f[F_DISAGREE];
	o->rebuttal = st->f[F_REBUT];
}

typedef struct view_ctx {
	session_t *s;
	int (*fn)(const amendment_info_t *a, void *arg);
	void *arg;
	char today[DATE_ISO_SIZE];
	int64_t asked; /* a list of one chart: its prow (rows of others are merged in) */
	const char *filter, *section;
	int marks;
	amendment_info_t info;
} view_ctx_t;

static int view_one(const req_state_t *st, void *arg)
{
	view_ctx_t *c = arg;
	fill_info(c->s, st, &c->info, c->today);
	return c->fn(&c->info, c->arg);
}

static int list_one(req_state_t *st, void *arg)
{
	view_ctx_t *c = arg;
	fill_info(c->s, st, &c->info, c->today);
	c->info.merged_in = c->asked && st->r.prow != c->asked;
	if (c->marks && !(strcmp(c->info.status, "accepted") == 0 ||
			  (strcmp(c->info.status, "denied") == 0 && c->info.disagreement[0])))
		return 0;
	if (c->section && strcmp(c->section, c->info.section) != 0)
		return 0;
	if (c->filter && *c->filter &&
	    (strcmp(c->filter, "open") == 0 ? strcmp(c->info.status, "pending") != 0
	     : strcmp(c->filter, "overdue") == 0 ? !c->info.overdue
						  : strcmp(c->filter, c->info.status) != 0))
		return 0;
	return c->fn(&c->info, c->arg);
}

static status_t view(session_t *s, int64_t n, int history,
		     int (*fn)(const amendment_info_t *a, void *arg), void *arg, msg_t *m)
{
	view_ctx_t c;
	status_t ret = STATUS_OK;
	if (!session_can(s, ACT_AMENDMENT_DECIDE))
		ret = session_require(s, ACT_AMENDMENT_MANAGE, m);
	if (ret != STATUS_OK)
		return ret;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.fn = fn;
	c.arg = arg;
	rights_today(s, c.today);
	return req_view(s, "amendment", n, history, view_one, &c, m);
}

status_t amendment_get(session_t *s, int64_t n,
		       int (*fn)(const amendment_info_t *a, void *arg), void *arg, msg_t *m)
{
	return view(s, n, 0, fn, arg, m);
}

status_t amendment_history(session_t *s, int64_t n,
			   int (*fn)(const amendment_info_t *a, void *arg), void *arg, msg_t *m)
{
	return view(s, n, 1, fn, arg, m);
}

static status_t list(session_t *s, const char *patient, view_ctx_t *c, const char *what,
		     msg_t *m)
{
	int64_t prow = 0, merged[REQ_MERGED_MAX];
	int reading = 0, conf, nmerged = 0;
	char pid[33] = "";
	status_t ret = STATUS_OK;
	rights_today(s, c->today);
	if (patient && *patient &&
	    (ret = patient_locate(s, patient, &prow, pid, &conf, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, what, pid, "ok", c->filter ? c->filter : "", 0, m)) != STATUS_OK)
		return ret;
	c->asked = prow;
	if ((ret = req_merged_into(s, prow, what, merged, REQ_MERGED_MAX, &nmerged, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	ret = req_each(s, "amendment", prow, list_one, c, m);
	/* and the requests of every chart merged into it, each marked */
	for (int k = 0; ret == STATUS_OK && k < nmerged; k++)
		ret = req_each(s, "amendment", merged[k], list_one, c, m);
	db_read_end(s->c->db, reading);
	return ret;
}

status_t amendment_list(session_t *s, const char *patient, const char *filter,
			int (*fn)(const amendment_info_t *a, void *arg), void *arg, msg_t *m)
{
	view_ctx_t c;
	status_t ret = STATUS_OK;
	if (!session_can(s, ACT_AMENDMENT_DECIDE))
		ret = session_require(s, ACT_AMENDMENT_MANAGE, m);
	if (ret != STATUS_OK)
		return ret;
	if (filter && *filter && strcmp(filter, "open") && strcmp(filter, "overdue") &&
	    strcmp(filter, "pending") && strcmp(filter, "accepted") && strcmp(filter, "denied"))
		return msg_fail(m, STATUS_INVALID,
				"Filter: '%.30s' is not open, overdue, pending, accepted or denied.",
				filter);
	memset(&c, 0, sizeof c);
	c.s = s;
	c.fn = fn;
	c.arg = arg;
	c.filter = filter;
	return list(s, patient, &c, "amendment_list", m);
}

status_t amendment_chart_marks(session_t *s, const char *patient,
			       int (*fn)(const amendment_info_t *a, void *arg), void *arg,
			       msg_t *m)
{
	view_ctx_t c;
	status_t ret = session_require(s, ACT_PATIENT_VIEW, m);
	if (ret != STATUS_OK)
		return ret;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.fn = fn;
	c.arg = arg;
	c.marks = 1;
	return list(s, patient, &c, "amendment_marks_view", m);
}

typedef struct rel_ctx {
	FILE *f;
	int any;
} rel_ctx_t;

static int release_one(const amendment_info_t *a, void *arg)
{
	rel_ctx_t *r = arg;
	if (!r->any)
		fprintf(r->f, "  -- amendments and statements concerning this section --\n");
	r->any = 1;
	if (strcmp(a->status, "accepted") == 0) {
		text_fprintf(r->f, TEXT_LINE, "  AMENDED (request %" PRId64 ", %s%s%s): ", a->n,
			     a->decided, a->ref[0] ? ", record " : "", a->ref);
		text_fprintf(r->f, TEXT_MULTILINE, "%s\n", a->amendment);
	} else {
		text_fprintf(r->f, TEXT_LINE,
			     "  AMENDMENT DENIED (request %" PRId64 ", %s%s%s): %s\n", a->n,
			     a->decided, a->ref[0] ? ", record " : "", a->ref,
			     amendment_denial_desc(a->denial));
		text_fprintf(r->f, TEXT_MULTILINE, "  Patient's request: %s\n", a->request);
		text_fprintf(r->f, TEXT_MULTILINE, "  Statement of disagreement: %s\n",
			     a->disagreement);
		if (a->rebuttal[0])
			text_fprintf(r->f, TEXT_MULTILINE, "  Rebuttal: %s\n", a->rebuttal);
	}
	return 0;
}

status_t amendment_release_notes(session_t *s, int64_t prow, const char *section, FILE *f,
				 msg_t *m)
{
	view_ctx_t c;
	rel_ctx_t r = {f, 0};
	int reading = 0;
	status_t ret;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.fn = release_one;
	c.arg = &r;
	c.marks = 1;
	c.section = section;
	rights_today(s, c.today);
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	ret = req_each(s, "amendment", prow, list_one, &c, m);
	db_read_end(s->c->db, reading);
	return ret;
}
