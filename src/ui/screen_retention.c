/* screen_retention.c - retention and destruction (screen_retention.h).
 * Two lists, one per side of the two-person rule: "Charts due" (HIM,
 * ACT_RETENTION_PROPOSE: each chart due for destruction, its rule, due
 * date and state: due, on legal hold, proposed) and "Proposals" (privacy,
 * ACT_RETENTION_APPROVE: each proposal waiting, who proposed it and why);
 * Tab goes to the next list. Enter opens the selected line:
 * the chart's details; HIM types the reason and F10 (or Enter) asks the
 * question on screen, naming the MRN and patient; the privacy officer's
 * Enter asks whether to destroy the chart (x on a proposal: reject it,
 * with a reason). Only y goes ahead. Core checks every permission, the hold and
 * the two-person rule again.
 * Two more lists (Tab cycles every list the role may see): "Legal holds"
 * (ACT_LEGAL_HOLD: each hold in force, its chart, who placed it and when;
 * Enter shows its reason and lifts it, with a reason and a question; `a`
 * places a hold on a chart typed by MRN, or the selected chart due, with a
 * reason and a question naming the patient) and "Destruction
 * certificates" (each certificate: the record's random id, its dates, the
 * method, who proposed and approved; never a name or an MRN; Enter shows
 * one). Holds copies of names and reasons: wiped on close, on idle lock
 * and before each reload. */
#include "ui/screen_retention.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "base/tz.h"
#include "core/retention.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_form.h"
#include "ui/widget_list.h"

enum { F_REASON, F_COUNT };
enum { H_MRN, H_REASON, H_COUNT }; /* placing a legal hold */
typedef enum { V_DUE, V_PROPOSALS, V_HOLDS, V_CERTS, V_COUNT } view_t;
typedef enum { ASK_NONE, ASK_PROPOSE, ASK_APPROVE, ASK_REJECT, ASK_HOLD, ASK_RELEASE } ask_t;

static const char *const view_names[V_COUNT] = {"Charts due", "Proposals", "Legal holds",
                                                "Destruction certificates"};

typedef struct ret_screen {
	ui_t *ui;
	view_t view;
	retention_proposal_t *rows; /* V_DUE: chart only (id 0, no reason) */
	int n, cap;
	retention_hold_info_t *holds; /* V_HOLDS */
	int nh, caph;
	retention_cert_t *certs; /* V_CERTS */
	int nc, capc;
	ui_list_t list;
	int detail;    /* the detail of the selected line is open */
	int rejecting; /* ... to reject the proposal (x), with a reason */
	int placing;   /* the form placing a legal hold is open */
	ask_t ask;     /* the question asked, waiting for y or n */
	int approve_merged; /* ASK_APPROVE: charts merged into it, destroyed with it */
	retention_item_t hold_chart; /* placing: the chart the MRN found */
	ui_form_item_t items[F_COUNT];
	ui_form_t form;
	ui_form_item_t hitems[H_COUNT];
	ui_form_t hform;
} ret_screen_t;

static int can_propose(ui_t *ui)
{
	return session_can(ui_session(ui), ACT_RETENTION_PROPOSE);
}

static int can_approve(ui_t *ui)
{
	return session_can(ui_session(ui), ACT_RETENTION_APPROVE);
}

static int can_hold(ui_t *ui)
{
	return session_can(ui_session(ui), ACT_LEGAL_HOLD);
}

/* May the role see list v? (core checks again when it is read) */
static int view_ok(ui_t *ui, view_t v)
{
	switch (v) {
	case V_DUE:
		return can_propose(ui);
	case V_PROPOSALS:
		return can_approve(ui);
	case V_HOLDS:
		return can_hold(ui);
	case V_CERTS:
		return can_propose(ui) || can_approve(ui) ||
		       session_can(ui_session(ui), ACT_AUDIT_VIEW);
	default:
		return 0;
	}
}

/* The next list the role may see after v (v itself if none). */
static view_t next_view(ui_t *ui, view_t v)
{
	for (int i = 1; i <= V_COUNT; i++) {
		view_t n = (view_t)((v + i) % V_COUNT);
		if (view_ok(ui, n))
			return n;
	}
	return v;
}

static int views_ok(ui_t *ui)
{
	int n = 0;
	for (int v = 0; v < V_COUNT; v++)
		n += view_ok(ui, (view_t)v);
	return n;
}

static int ret_count(void *arg)
{
	const ret_screen_t *q = arg;
	return q->view == V_HOLDS ? q->nh : q->view == V_CERTS ? q->nc : q->n;
}

static const char *state_of(const retention_item_t *c, char *buf, size_t size)
{
	if (c->held)
		return "ON HOLD";
	if (c->proposal) {
		snprintf(buf, size, "proposed %" PRId64, c->proposal);
		return buf;
	}
	return "due";
}

enum { C_MRN = 0, C_NAME = 12, C_RULE = 40, C_DUE = 49, C_STATE = 61 };

enum { CH_HOLD = 40, CH_AT = 46, CH_BY = 64 };
enum { CC_N = 0, CC_AT = 5, CC_ID = 23, CC_DATES = 37, CC_BY = 62 };

/* Column text from `from` up to the next column `to`, cut at the
 * list's width (a narrow terminal must not wrap a row). */
static void cell(WINDOW *w, int y, int x, int width, int from, int to, const char *text)
{
	int n = (to <= width ? to - 1 : width) - from;
	if (n > 0)
		draw_text(w, y, x + from, n, text, 0);
}

static void hold_row(ret_screen_t *q, WINDOW *w, int y, int x, int width, int i)
{
	const retention_hold_info_t *h = &q->holds[i];
	char num[24], at[TZ_TEXT_MAX];
	snprintf(num, sizeof num, "%" PRId64, h->id);
	draw_time(at, sizeof at, h->at, ui_config(q->ui), "");
	cell(w, y, x, width, C_MRN, C_NAME, h->mrn);
	cell(w, y, x, width, C_NAME, CH_HOLD, h->name);
	cell(w, y, x, width, CH_HOLD, CH_AT, num);
	cell(w, y, x, width, CH_AT, CH_BY, at);
	cell(w, y, x, width, CH_BY, width + 1, h->by);
}

static void cert_row(ret_screen_t *q, WINDOW *w, int y, int x, int width, int i)
{
	const retention_cert_t *c = &q->certs[i];
	char num[24], at[TZ_TEXT_MAX], dates[2 * DATE_ISO_SIZE + 8];
	snprintf(num, sizeof num, "%4" PRId64, c->n);
	draw_time(at, sizeof at, c->destroyed_at, ui_config(q->ui), "");
	snprintf(dates, sizeof dates, "%s to %s", c->first, c->last);
	cell(w, y, x, width, CC_N, CC_AT, num);
	cell(w, y, x, width, CC_AT, CC_ID, at);
	cell(w, y, x, width, CC_ID, CC_DATES - 1, c->patient_id);
	cell(w, y, x, width, CC_DATES, CC_BY, dates);
	cell(w, y, x, width, CC_BY, width + 1, c->approved_by);
}

static void ret_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	ret_screen_t *q = arg;
	const retention_proposal_t *r;
	char st[48], num[112];
	if (q->view == V_HOLDS) {
		hold_row(q, w, y, x, width, i);
		return;
	}
	if (q->view == V_CERTS) {
		cert_row(q, w, y, x, width, i);
		return;
	}
	r = &q->rows[i];
	draw_text(w, y, x + C_MRN, C_NAME - C_MRN - 1, r->chart.mrn, 0);
	draw_text(w, y, x + C_NAME, C_RULE - C_NAME - 1, r->chart.name, 0);
	draw_text(w, y, x + C_RULE, C_DUE - C_RULE - 1, r->chart.rule, 0);
	draw_text(w, y, x + C_DUE, C_STATE - C_DUE - 1, r->chart.due, 0);
	if (q->view == V_PROPOSALS) {
		snprintf(num, sizeof num, "%" PRId64 " %s", r->id, r->chart.proposed_by);
		draw_text(w, y, x + C_STATE, width - C_STATE, num, 0);
		return;
	}
	if (!selected && r->chart.held)
		wattron(w, theme_attr(TH_WARN));
	draw_text(w, y, x + C_STATE, width - C_STATE, state_of(&r->chart, st, sizeof st), 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
}

static int ret_match(void *arg, int i, const char *text)
{
	const ret_screen_t *q = arg;
	const retention_proposal_t *r;
	if (q->view == V_HOLDS)
		return strcasestr(q->holds[i].mrn, text) || strcasestr(q->holds[i].name, text) ||
		       strcasestr(q->holds[i].by, text) || strcasestr(q->holds[i].reason, text);
	if (q->view == V_CERTS)
		return strcasestr(q->certs[i].patient_id, text) ||
		       strcasestr(q->certs[i].approved_by, text) ||
		       strcasestr(q->certs[i].proposed_by, text) ||
		       strcasestr(q->certs[i].destroyed_at, text);
	r = &q->rows[i];
	return strcasestr(r->chart.mrn, text) || strcasestr(r->chart.name, text) ||
	       strcasestr(r->chart.rule, text) || strcasestr(r->chart.due, text);
}

/* Room for one more of *n elements of `size` bytes in *v. */
static int grow_any(void **v, int n, int *cap, size_t size)
{
	if (n == *cap) {
		int c = *cap ? *cap * 2 : 32;
		void *p = realloc(*v, (size_t)c * size);
		if (!p)
			return 0;
		*v = p;
		*cap = c;
	}
	return 1;
}

static int grow(ret_screen_t *q)
{
	return grow_any((void **)&q->rows, q->n, &q->cap, sizeof *q->rows);
}

static void clean_chart(retention_item_t *d, const retention_item_t *s)
{
	*d = *s;
	draw_clean(d->mrn, sizeof d->mrn, s->mrn);
	draw_clean(d->name, sizeof d->name, s->name);
	draw_clean(d->proposed_by, sizeof d->proposed_by, s->proposed_by);
}

static int take_due(const retention_item_t *it, void *arg)
{
	ret_screen_t *q = arg;
	if (!grow(q))
		return 1;
	memset(&q->rows[q->n], 0, sizeof q->rows[0]);
	clean_chart(&q->rows[q->n].chart, it);
	q->n++;
	return 0;
}

static int take_proposal(const retention_proposal_t *p, void *arg)
{
	ret_screen_t *q = arg;
	if (!grow(q))
		return 1;
	memset(&q->rows[q->n], 0, sizeof q->rows[0]);
	q->rows[q->n].id = p->id;
	clean_chart(&q->rows[q->n].chart, &p->chart);
	draw_clean(q->rows[q->n].reason, sizeof q->rows[0].reason, p->reason);
	q->n++;
	return 0;
}

static int take_hold(const retention_hold_info_t *h, void *arg)
{
	ret_screen_t *q = arg;
	retention_hold_info_t *d;
	if (!grow_any((void **)&q->holds, q->nh, &q->caph, sizeof *q->holds))
		return 1;
	d = &q->holds[q->nh++];
	memset(d, 0, sizeof *d);
	d->id = h->id;
	text_copy(d->patient_id, sizeof d->patient_id, h->patient_id);
	draw_clean(d->mrn, sizeof d->mrn, h->mrn);
	draw_clean(d->name, sizeof d->name, h->name);
	draw_clean(d->at, sizeof d->at, h->at);
	draw_clean(d->by, sizeof d->by, h->by);
	draw_clean(d->reason, sizeof d->reason, h->reason);
	return 0;
}

static int take_cert(const retention_cert_t *c, void *arg)
{
	ret_screen_t *q = arg;
	retention_cert_t *d;
	if (!grow_any((void **)&q->certs, q->nc, &q->capc, sizeof *q->certs))
		return 1;
	d = &q->certs[q->nc++];
	*d = *c;
	draw_clean(d->patient_id, sizeof d->patient_id, c->patient_id);
	draw_clean(d->method, sizeof d->method, c->method);
	draw_clean(d->proposed_by, sizeof d->proposed_by, c->proposed_by);
	draw_clean(d->approved_by, sizeof d->approved_by, c->approved_by);
	draw_clean(d->proposed_at, sizeof d->proposed_at, c->proposed_at);
	draw_clean(d->destroyed_at, sizeof d->destroyed_at, c->destroyed_at);
	return 0;
}

static void rows_forget(ret_screen_t *q)
{
	if (q->rows)
		explicit_bzero(q->rows, (size_t)q->cap * sizeof *q->rows);
	free(q->rows);
	q->rows = NULL;
	q->n = q->cap = 0;
	if (q->holds)
		explicit_bzero(q->holds, (size_t)q->caph * sizeof *q->holds);
	free(q->holds);
	q->holds = NULL;
	q->nh = q->caph = 0;
	free(q->certs); /* no PHI */
	q->certs = NULL;
	q->nc = q->capc = 0;
	explicit_bzero(&q->hold_chart, sizeof q->hold_chart);
}

static void ret_forget(ui_t *ui, void *priv)
{
	ret_screen_t *q = priv;
	(void)ui;
	rows_forget(q);
	form_clear(&q->form, 1);
	form_clear(&q->hform, 1);
	q->detail = 0;
	q->rejecting = 0;
	q->placing = 0;
	q->ask = ASK_NONE;
}

static status_t ret_reload(ui_t *ui, void *priv, msg_t *m)
{
	ret_screen_t *q = priv;
	status_t ret;
	rows_forget(q);
	q->detail = 0;
	q->ask = ASK_NONE;
	ui_busy(ui, "Reading the retention register...");
	if (q->view == V_DUE)
		ret = retention_list(ui_session(ui), take_due, q, m);
	else if (q->view == V_PROPOSALS)
		ret = retention_proposals(ui_session(ui), take_proposal, q, m);
	else if (q->view == V_HOLDS)
		ret = retention_holds(ui_session(ui), take_hold, q, m);
	else
		ret = retention_certificates(ui_session(ui), 0, take_cert, q, m);
	ui_message(ui, UI_MSG_INFO, "%s", "");
	if (ret != STATUS_OK)
		rows_forget(q);
	q->list.empty = q->view == V_DUE         ? "No chart is due for destruction."
	                : q->view == V_PROPOSALS ? "No proposal is waiting for approval."
	                : q->view == V_HOLDS     ? "No chart is under a legal hold (a: place one)."
	                                         : "No chart has been destroyed: no certificate.";
	list_clamp(&q->list);
	return ret;
}

static status_t ret_open(ui_t *ui, void *priv, msg_t *m)
{
	ret_screen_t *q = priv;
	status_t ret;
	q->ui = ui;
	q->view = can_approve(ui) && !can_propose(ui) ? V_PROPOSALS : V_DUE;
	if (!view_ok(ui, q->view))
		q->view = next_view(ui, q->view);
	q->list.count = ret_count;
	q->list.draw_row = ret_row;
	q->list.match = ret_match;
	q->list.arg = q;
	q->form.items = q->items;
	q->form.n = F_COUNT;
	q->form.label_w = 8;
	q->hform.items = q->hitems;
	q->hform.n = H_COUNT;
	q->hform.label_w = 8;
	if ((ret = form_text_item(&q->items[F_REASON], "Reason", RETENTION_REASON_MAX + 1, 0, m)) !=
	        STATUS_OK ||
	    (ret = form_text_item(&q->hitems[H_MRN], "MRN", 40, 1, m)) != STATUS_OK ||
	    (ret = form_text_item(&q->hitems[H_REASON], "Reason", RETENTION_REASON_MAX + 1, 1, m)) !=
	        STATUS_OK) {
		form_free(&q->form);
		form_free(&q->hform);
		return ret;
	}
	if ((ret = ret_reload(ui, priv, m)) != STATUS_OK) {
		form_free(&q->form);
		form_free(&q->hform);
	}
	return ret;
}

static void ret_close(ui_t *ui, void *priv)
{
	ret_screen_t *q = priv;
	(void)ui;
	rows_forget(q);
	form_free(&q->form);
	form_free(&q->hform);
}

/* The Reason field is shown (and typed in): proposing or rejecting. */
static int with_reason(const ret_screen_t *q)
{
	return q->view == V_DUE || q->view == V_HOLDS || q->rejecting;
}

static int ret_typing(const void *priv)
{
	const ret_screen_t *q = priv;
	if (q->placing)
		return q->ask == ASK_NONE;
	return q->detail && q->ask == ASK_NONE && with_reason(q);
}

struct wrap_ctx {
	WINDOW *w;
	int y, max;
};

static void wrap_line(const char *line, int n, void *arg)
{
	struct wrap_ctx *c = arg;
	if (n < c->max)
		draw_text(c->w, c->y + n, 16, getmaxx(c->w) - 17, line, 0);
}

/* A label and its text from line y, wrapped (a reason, the method) but
 * not past max_y; returns the next line. */
static int field(WINDOW *w, int y, int max_y, const char *label, const char *text)
{
	struct wrap_ctx c = {w, y, max_y - y};
	int n;
	if (y >= max_y)
		return y;
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, y, 1, label);
	wattrset(w, theme_attr(TH_NORMAL));
	n = draw_wrap(text[0] ? text : "-", getmaxx(w) - 17, wrap_line, &c);
	return y + (n < 1 ? 1 : n > c.max ? c.max : n);
}

static void hold_detail_draw(ui_t *ui, ret_screen_t *q, WINDOW *w)
{
	const retention_hold_info_t *h = &q->holds[q->list.cur];
	int H = getmaxy(w), W = getmaxx(w), y = 0, form_y = H - 6;
	char line[RETENTION_REASON_MAX * 4 + 64], at[TZ_TEXT_MAX];
	snprintf(line, sizeof line, "%s  %s", h->mrn, h->name);
	y = field(w, y, form_y, "Chart", line);
	snprintf(line, sizeof line, "%" PRId64 ", in force: the chart cannot be proposed or destroyed",
	         h->id);
	y = field(w, y, form_y, "Legal hold", line);
	draw_time(at, sizeof at, h->at, ui_config(ui), "");
	snprintf(line, sizeof line, "%s by %s", at, h->by);
	y = field(w, y, form_y, "Placed", line);
	y = field(w, y, form_y, "Why", h->reason);
	(void)y;
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, form_y, 1, W - 2, "Lift the hold, with a reason; F10:", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	form_draw(ui, &q->form, w, form_y + 1, 1, F_COUNT, W - 2);
	if (q->ask == ASK_RELEASE) {
		wattron(w, theme_attr(TH_WARN));
		snprintf(line, sizeof line,
		         "Lift legal hold %" PRId64 " on MRN %s (%s)? (y/n)",
		         h->id, h->mrn, h->name);
		draw_text(w, form_y + 3, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
	}
}

static void cert_detail_draw(ui_t *ui, ret_screen_t *q, WINDOW *w)
{
	const retention_cert_t *c = &q->certs[q->list.cur];
	int H = getmaxy(w), y = 0;
	char line[400], at[TZ_TEXT_MAX];
	snprintf(line, sizeof line, "%" PRId64 " (no name or MRN is kept)", c->n);
	y = field(w, y, H, "Certificate", line);
	y = field(w, y, H, "Record id", c->patient_id);
	snprintf(line, sizeof line, "%s to %s", c->first, c->last);
	y = field(w, y, H, "Record dates", line);
	snprintf(line, sizeof line, "%s, due for destruction %s", c->rule, c->due);
	y = field(w, y, H, "Rule", line);
	y = field(w, y, H, "Method", c->method);
	snprintf(line, sizeof line, "%" PRId64, c->rows);
	y = field(w, y, H, "Rows removed", line);
	draw_time(at, sizeof at, c->proposed_at, ui_config(ui), "");
	snprintf(line, sizeof line, "%s, %s (proposal %" PRId64 ")", c->proposed_by, at,
	         c->proposal);
	y = field(w, y, H, "Proposed by", line);
	y = field(w, y, H, "Approved by", c->approved_by);
	draw_time(at, sizeof at, c->destroyed_at, ui_config(ui), "");
	y = field(w, y, H, "Destroyed", at);
	(void)y;
}

static void placing_draw(ui_t *ui, ret_screen_t *q, WINDOW *w)
{
	int W = getmaxx(w);
	char line[RETENTION_REASON_MAX * 4 + 64];
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 0, 1, W - 2, "Place a legal hold", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	draw_text(w, 1, 1, W - 2,
	          "The chart cannot be proposed or destroyed until the hold is lifted.", 0);
	draw_text(w, 2, 1, W - 2, "Type the chart's MRN and why (litigation, audit...); F10:", 0);
	form_draw(ui, &q->hform, w, 4, 1, H_COUNT, W - 2);
	if (q->ask == ASK_HOLD) {
		wattron(w, theme_attr(TH_WARN));
		snprintf(line, sizeof line, "Place a legal hold on MRN %s (%s)? (y/n)",
		         q->hold_chart.mrn, q->hold_chart.name);
		draw_text(w, 7, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
	}
}

static void detail_draw(ui_t *ui, ret_screen_t *q, WINDOW *w)
{
	const retention_proposal_t *r;
	const retention_item_t *c;
	int H = getmaxy(w), W = getmaxx(w), y = 0, form_y = H - 6;
	char line[RETENTION_REASON_MAX * 4 + 64], st[48];
	if (q->view == V_HOLDS) {
		hold_detail_draw(ui, q, w);
		return;
	}
	if (q->view == V_CERTS) {
		cert_detail_draw(ui, q, w);
		return;
	}
	r = &q->rows[q->list.cur];
	c = &r->chart;
	snprintf(line, sizeof line, "%s  %s", c->mrn, c->name);
	y = field(w, y, form_y, "Chart", line);
	snprintf(line, sizeof line, "%s to %s", c->first, c->last);
	y = field(w, y, form_y, "Record dates", line);
	snprintf(line, sizeof line, "%s: due for destruction %s (%ld days ago)", c->rule, c->due,
	         c->days_past);
	y = field(w, y, form_y, "Rule", line);
	y = field(w, y, form_y, "State", state_of(c, st, sizeof st));
	if (r->id) {
		snprintf(line, sizeof line, "%" PRId64 " by %s", r->id, c->proposed_by);
		y = field(w, y, form_y, "Proposal", line);
		y = field(w, y, form_y, "Why", r->reason);
	}
	(void)y;
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, form_y, 1, W - 2,
	          q->view == V_DUE ? "Propose its destruction (the privacy officer approves); F10:"
	          : q->rejecting   ? "Reject the proposal and keep the chart, with a reason; F10:"
	                           : "Approve: Enter destroys the chart, after a question.",
	          0);
	wattrset(w, theme_attr(TH_NORMAL));
	if (with_reason(q))
		form_draw(ui, &q->form, w, form_y + 1, 1, F_COUNT, W - 2);
	if (q->ask != ASK_NONE) {
		wattron(w, theme_attr(q->ask == ASK_APPROVE ? TH_ALERT : TH_WARN));
		if (q->ask == ASK_PROPOSE)
			snprintf(line, sizeof line, "Propose MRN %s (%s) for destruction? (y/n)",
			         c->mrn, c->name);
		else if (q->ask == ASK_APPROVE)
			snprintf(line, sizeof line,
			         "DESTROY MRN %s (%s) for good? It cannot be undone. (y/n)", c->mrn,
			         c->name);
		else
			snprintf(line, sizeof line,
			         "Reject proposal %" PRId64 " and keep MRN %s? (y/n)", r->id,
			         c->mrn);
		draw_text(w, form_y + 3, 1, W - 2, line, 0);
		if (q->ask == ASK_APPROVE && q->approve_merged > 0) {
			snprintf(line, sizeof line,
			         "%d chart%s merged into it %s destroyed with it, each with a certificate.",
			         q->approve_merged, q->approve_merged == 1 ? "" : "s",
			         q->approve_merged == 1 ? "is" : "are");
			draw_text(w, form_y + 4, 1, W - 2, line, 0);
		}
		wattrset(w, theme_attr(TH_NORMAL));
	}
}

static void ret_draw(ui_t *ui, void *priv, WINDOW *w)
{
	ret_screen_t *q = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char pos[48], foot[200];
	if (q->placing) {
		placing_draw(ui, q, w);
		return;
	}
	if (q->detail && ret_count(q)) {
		detail_draw(ui, q, w);
		return;
	}
	wattrset(w, theme_attr(TH_HEADING));
	if (q->view == V_HOLDS) {
		mvwaddstr(w, 0, C_MRN, "MRN");
		mvwaddstr(w, 0, C_NAME, "Patient");
		mvwaddstr(w, 0, CH_HOLD, "Hold");
		mvwaddstr(w, 0, CH_AT, "Placed");
		mvwaddstr(w, 0, CH_BY, "By");
	} else if (q->view == V_CERTS) {
		mvwaddstr(w, 0, CC_N, "No.");
		mvwaddstr(w, 0, CC_AT, "Destroyed");
		mvwaddstr(w, 0, CC_ID, "Record id");
		mvwaddstr(w, 0, CC_DATES, "Record dates");
		mvwaddstr(w, 0, CC_BY, "Approved by");
	} else {
		mvwaddstr(w, 0, C_MRN, "MRN");
		mvwaddstr(w, 0, C_NAME, "Patient");
		mvwaddstr(w, 0, C_RULE, "Rule");
		mvwaddstr(w, 0, C_DUE, "Due");
		mvwaddstr(w, 0, C_STATE, q->view == V_DUE ? "State" : "Proposal");
	}
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&q->list, w, 1, 0, H - 2, W);
	list_position(&q->list, pos, sizeof pos);
	snprintf(foot, sizeof foot, "%s: %s%s%s", view_names[q->view], pos,
	         views_ok(ui) > 1 ? "; Tab: next list" : "",
	         (q->view == V_DUE || q->view == V_HOLDS) && can_hold(ui) ? "; a: legal hold" : "");
	draw_text(w, H - 1, 1, W - 2, foot, 0);
}

static void after(ui_t *ui, ret_screen_t *q, status_t st, msg_t *m)
{
	char done[sizeof m->text];
	if (st != STATUS_OK) {
		ui_message(ui, UI_MSG_ERROR, "%s", m->text);
		if (strncmp(m->text, "The reason", 10) == 0)
			form_focus_bad(&q->form, F_REASON);
		return;
	}
	snprintf(done, sizeof done, "%s", m->text);
	form_clear(&q->form, 1);
	q->detail = 0;
	q->rejecting = 0;
	if (ret_reload(ui, q, m) != STATUS_OK)
		ui_message(ui, UI_MSG_ERROR, "%s", m->text);
	else
		ui_message(ui, UI_MSG_OK, "%s", done);
	explicit_bzero(done, sizeof done);
}

/* The question answered y: do it. */
static void answer_yes(ui_t *ui, ret_screen_t *q, ask_t a)
{
	session_t *s = ui_session(ui);
	msg_t m;
	status_t st;
	if (a == ASK_HOLD) {
		st = retention_hold(s, q->hold_chart.patient_id, form_text(&q->hform, H_REASON), NULL,
		                    &m);
		if (st != STATUS_OK) {
			ui_message(ui, UI_MSG_ERROR, "%s", m.text);
			if (strncmp(m.text, "The reason", 10) == 0)
				form_focus_bad(&q->hform, H_REASON);
			return;
		}
		/* Show it among the holds. */
		form_clear(&q->hform, 1);
		q->placing = 0;
		q->view = V_HOLDS;
		q->list.cur = q->list.top = 0;
		after(ui, q, st, &m);
		return;
	}
	if (a == ASK_RELEASE)
		st = retention_release(s, q->holds[q->list.cur].id, form_text(&q->form, F_REASON), &m);
	else if (a == ASK_PROPOSE)
		st = retention_propose(s, q->rows[q->list.cur].chart.patient_id,
		                       form_text(&q->form, F_REASON), NULL, &m);
	else if (a == ASK_APPROVE)
		st = retention_approve(s, q->rows[q->list.cur].id, NULL, &m);
	else
		st = retention_reject(s, q->rows[q->list.cur].id, form_text(&q->form, F_REASON), &m);
	after(ui, q, st, &m);
}

/* A question is on screen: y does it, n or Esc changes nothing. */
static unsigned ask_handle(ui_t *ui, ret_screen_t *q, const ui_event_t *ev)
{
	ask_t a = q->ask;
	if (ev->action == KA_NO || ev->action == KA_BACK) {
		q->ask = ASK_NONE;
		ui_message(ui, UI_MSG_INFO, "%s", "Nothing was changed.");
		return UI_REDRAW;
	}
	if (ev->action != KA_YES)
		return UI_HANDLED;
	q->ask = ASK_NONE;
	answer_yes(ui, q, a);
	return UI_REDRAW;
}

/* The form placing a legal hold: F10 (or Enter on the last input) finds
 * the chart by its MRN (core checks the permission and audits the
 * look-up) and asks, naming the patient. */
static unsigned placing_handle(ui_t *ui, ret_screen_t *q, const ui_event_t *ev)
{
	unsigned res;
	msg_t m;
	if (q->ask != ASK_NONE)
		return ask_handle(ui, q, ev);
	if (ev->action == KA_BACK) {
		q->placing = 0;
		form_clear(&q->hform, 1);
		explicit_bzero(&q->hold_chart, sizeof q->hold_chart);
		return UI_REDRAW;
	}
	if (ev->action == KA_SELECT && (res = form_handle(ui, &q->hform, ev)) != UI_IGNORED)
		return res;
	if (ev->action != KA_SAVE && ev->action != KA_SELECT)
		return form_handle(ui, &q->hform, ev);
	if (!form_text(&q->hform, H_MRN)[0]) {
		ui_message(ui, UI_MSG_ERROR, "%s", "MRN: type the chart's MRN.");
		form_focus_bad(&q->hform, H_MRN);
		return UI_REDRAW;
	}
	if (!form_text(&q->hform, H_REASON)[0]) {
		ui_message(ui, UI_MSG_ERROR, "%s", "The reason for the hold is required.");
		form_focus_bad(&q->hform, H_REASON);
		return UI_REDRAW;
	}
	explicit_bzero(&q->hold_chart, sizeof q->hold_chart);
	if (retention_show(ui_session(ui), form_text(&q->hform, H_MRN), &q->hold_chart, &m) !=
	    STATUS_OK) {
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		form_focus_bad(&q->hform, H_MRN);
		return UI_REDRAW;
	}
	draw_clean(q->hold_chart.mrn, sizeof q->hold_chart.mrn, q->hold_chart.mrn);
	draw_clean(q->hold_chart.name, sizeof q->hold_chart.name, q->hold_chart.name);
	q->ask = ASK_HOLD;
	return UI_REDRAW;
}

/* Open the form placing a legal hold, with the MRN of the selected chart
 * due (if any). */
static unsigned placing_open(ui_t *ui, ret_screen_t *q)
{
	if (!can_hold(ui)) {
		ui_message(ui, UI_MSG_ERROR, "%s", "Your role does not place legal holds.");
		return UI_REDRAW;
	}
	form_clear(&q->hform, 1);
	q->placing = 1;
	q->ask = ASK_NONE;
	q->hform.focus = H_MRN;
	if (q->view == V_DUE && q->n) {
		form_set(&q->hform, H_MRN, q->rows[q->list.cur].chart.mrn);
		q->hform.focus = H_REASON;
	}
	return UI_REDRAW;
}

static unsigned detail_handle(ui_t *ui, ret_screen_t *q, const ui_event_t *ev)
{
	unsigned res;
	if (q->ask != ASK_NONE)
		return ask_handle(ui, q, ev);
	if (ev->action == KA_BACK) {
		q->detail = 0;
		q->rejecting = 0;
		form_clear(&q->form, 1);
		return UI_REDRAW;
	}
	if (q->view == V_CERTS)
		return ev->action == KA_QUIT ? (q->detail = 0, UI_REDRAW) : UI_IGNORED;
	if (with_reason(q)) {
		if (ev->action == KA_SELECT && (res = form_handle(ui, &q->form, ev)) != UI_IGNORED)
			return res;
		if (ev->action != KA_SAVE && ev->action != KA_SELECT)
			return form_handle(ui, &q->form, ev);
		if (q->view == V_DUE && q->rows[q->list.cur].chart.held) {
			ui_message(ui, UI_MSG_ERROR,
			           "MRN %s is under a legal hold: release it before proposing.",
			           q->rows[q->list.cur].chart.mrn);
			return UI_REDRAW;
		}
		if (!form_text(&q->form, F_REASON)[0]) {
			ui_message(ui, UI_MSG_ERROR, "The reason for the %s is required.",
			           q->view == V_HOLDS ? "release"
			           : q->rejecting     ? "rejection"
			                              : "proposal");
			form_focus_bad(&q->form, F_REASON);
			return UI_REDRAW;
		}
		q->ask = q->view == V_HOLDS ? ASK_RELEASE : q->rejecting ? ASK_REJECT : ASK_PROPOSE;
		return UI_REDRAW;
	}
	if (ev->action != KA_SAVE && ev->action != KA_SELECT)
		return UI_IGNORED;
	{ /* the question names the charts merged into this one, which go with it */
		retention_item_t it;
		msg_t m;
		memset(&it, 0, sizeof it);
		msg_clear(&m);
		if (retention_show(ui_session(ui), q->rows[q->list.cur].chart.mrn, &it, &m) !=
		    STATUS_OK) {
			ui_message(ui, UI_MSG_ERROR, "%s", m.text);
			return UI_REDRAW;
		}
		q->approve_merged = it.merged_charts;
		sodium_memzero(&it, sizeof it);
	}
	q->ask = ASK_APPROVE;
	return UI_REDRAW;
}

static unsigned ret_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	ret_screen_t *q = priv;
	unsigned r;
	if (q->placing)
		return placing_handle(ui, q, ev);
	if (q->detail && ret_count(q))
		return detail_handle(ui, q, ev);
	if ((r = list_handle(&q->list, ev->action)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SET_STATUS:
		if (q->view != V_PROPOSALS)
			return UI_IGNORED;
		/* The detail, to reject. */
		__attribute__((fallthrough));
	case KA_SELECT:
		if (ret_count(q)) {
			q->detail = 1;
			q->rejecting = ev->action == KA_SET_STATUS;
			q->ask = ASK_NONE;
			form_clear(&q->form, 1);
			q->form.focus = F_REASON;
		}
		return UI_REDRAW;
	case KA_ADD:
		if (q->view != V_DUE && q->view != V_HOLDS)
			return UI_IGNORED;
		return placing_open(ui, q);
	case KA_NEXT_FIELD: {
		view_t v = next_view(ui, q->view);
		if (v == q->view)
			return UI_HANDLED;
		q->view = v;
		q->list.cur = q->list.top = 0;
		return UI_RELOAD | UI_REDRAW;
	}
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		return UI_BACK;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint ret_hints[] = {
    {KA_SELECT, "open"},       {KA_SAVE, "submit"},
    {KA_NEXT_FIELD, "list"},   {KA_ADD, "hold"},
    {KA_SET_STATUS, "reject"}, {KA_YES, "confirm"},
    {KA_RELOAD, "reload"},     {KA_BACK, "back"},
    {KA_HELP, "help"},         {KA_NONE, NULL},
};

const struct screen_ops screen_retention = {
    .title = "Retention and destruction",
    .private_size = sizeof(ret_screen_t),
    .hints = ret_hints,
    .open = ret_open,
    .close = ret_close,
    .draw = ret_draw,
    .handle = ret_handle,
    .reload = ret_reload,
    .forget = ret_forget,
    .typing = ret_typing,
};
