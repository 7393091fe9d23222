/* screen_retention.c - retention and destruction (screen_retention.h).
 * Two lists, one per side of the two-person rule: "Charts due" (HIM,
 * ACT_RETENTION_PROPOSE: each chart due for destruction, its rule, due
 * date and state: due, on legal hold, proposed) and "Proposals" (privacy,
 * ACT_RETENTION_APPROVE: each proposal waiting, who proposed it and why);
 * Tab switches when the role holds both. Enter opens the selected line:
 * the chart's details; HIM types the reason and F10 (or Enter) asks the
 * question on screen, naming the MRN and patient; the privacy officer's
 * Enter asks whether to destroy the chart (x on a proposal: reject it,
 * with a reason). Only y goes ahead. Core checks every permission, the hold and
 * the two-person rule again. Holds copies of names and reasons: wiped on
 * close, on idle lock and before each reload. */
#include "ui/screen_retention.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/retention.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_form.h"
#include "ui/widget_list.h"

enum { F_REASON, F_COUNT };
typedef enum { V_DUE, V_PROPOSALS } view_t;
typedef enum { ASK_NONE, ASK_PROPOSE, ASK_APPROVE, ASK_REJECT } ask_t;

typedef struct ret_screen {
	ui_t *ui;
	view_t view;
	retention_proposal_t *rows; /* V_DUE: chart only (id 0, no reason) */
	int n, cap;
	ui_list_t list;
	int detail;    /* the detail of rows[list.cur] is open */
	int rejecting; /* ... to reject the proposal (x), with a reason */
	ask_t ask;     /* the question asked, waiting for y or n */
	ui_form_item_t items[F_COUNT];
	ui_form_t form;
} ret_screen_t;

static int can_propose(ui_t *ui)
{
	return session_can(ui_session(ui), ACT_RETENTION_PROPOSE);
}

static int can_approve(ui_t *ui)
{
	return session_can(ui_session(ui), ACT_RETENTION_APPROVE);
}

static int ret_count(void *arg)
{
	return ((ret_screen_t *)arg)->n;
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

static void ret_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	ret_screen_t *q = arg;
	const retention_proposal_t *r = &q->rows[i];
	char st[48], num[112];
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
	const retention_proposal_t *r = &((ret_screen_t *)arg)->rows[i];
	return strcasestr(r->chart.mrn, text) || strcasestr(r->chart.name, text) ||
	       strcasestr(r->chart.rule, text) || strcasestr(r->chart.due, text);
}

static int grow(ret_screen_t *q)
{
	if (q->n == q->cap) {
		int cap = q->cap ? q->cap * 2 : 32;
		retention_proposal_t *p = realloc(q->rows, (size_t)cap * sizeof *p);
		if (!p)
			return 0;
		q->rows = p;
		q->cap = cap;
	}
	return 1;
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

static void rows_forget(ret_screen_t *q)
{
	if (q->rows)
		explicit_bzero(q->rows, (size_t)q->cap * sizeof *q->rows);
	free(q->rows);
	q->rows = NULL;
	q->n = q->cap = 0;
}

static void ret_forget(ui_t *ui, void *priv)
{
	ret_screen_t *q = priv;
	(void)ui;
	rows_forget(q);
	form_clear(&q->form, 1);
	q->detail = 0;
	q->rejecting = 0;
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
	else
		ret = retention_proposals(ui_session(ui), take_proposal, q, m);
	ui_message(ui, UI_MSG_INFO, "%s", "");
	if (ret != STATUS_OK)
		rows_forget(q);
	q->list.empty = q->view == V_DUE ? "No chart is due for destruction."
	                                 : "No proposal is waiting for approval.";
	list_clamp(&q->list);
	return ret;
}

static status_t ret_open(ui_t *ui, void *priv, msg_t *m)
{
	ret_screen_t *q = priv;
	status_t ret;
	q->ui = ui;
	q->view = can_approve(ui) && !can_propose(ui) ? V_PROPOSALS : V_DUE;
	q->list.count = ret_count;
	q->list.draw_row = ret_row;
	q->list.match = ret_match;
	q->list.arg = q;
	q->form.items = q->items;
	q->form.n = F_COUNT;
	q->form.label_w = 8;
	if ((ret = form_text_item(&q->items[F_REASON], "Reason", RETENTION_REASON_MAX + 1, 0, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = ret_reload(ui, priv, m)) != STATUS_OK)
		form_free(&q->form);
	return ret;
}

static void ret_close(ui_t *ui, void *priv)
{
	ret_screen_t *q = priv;
	(void)ui;
	rows_forget(q);
	form_free(&q->form);
}

/* The Reason field is shown (and typed in): proposing or rejecting. */
static int with_reason(const ret_screen_t *q)
{
	return q->view == V_DUE || q->rejecting;
}

static int ret_typing(const void *priv)
{
	const ret_screen_t *q = priv;
	return q->detail && q->ask == ASK_NONE && with_reason(q);
}

/* A label and its text on line y; returns the next line. */
static int field(WINDOW *w, int y, int max_y, const char *label, const char *text)
{
	if (y >= max_y)
		return y;
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, y, 1, label);
	wattrset(w, theme_attr(TH_NORMAL));
	draw_text(w, y, 16, getmaxx(w) - 17, text[0] ? text : "-", 0);
	return y + 1;
}

static void detail_draw(ui_t *ui, ret_screen_t *q, WINDOW *w)
{
	const retention_proposal_t *r = &q->rows[q->list.cur];
	const retention_item_t *c = &r->chart;
	int H = getmaxy(w), W = getmaxx(w), y = 0, form_y = H - 6;
	char line[RETENTION_REASON_MAX * 4 + 64], st[48];
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
		wattrset(w, theme_attr(TH_NORMAL));
	}
}

static void ret_draw(ui_t *ui, void *priv, WINDOW *w)
{
	ret_screen_t *q = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char pos[48], foot[160];
	if (q->detail && q->n) {
		detail_draw(ui, q, w);
		return;
	}
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 0, C_MRN, "MRN");
	mvwaddstr(w, 0, C_NAME, "Patient");
	mvwaddstr(w, 0, C_RULE, "Rule");
	mvwaddstr(w, 0, C_DUE, "Due");
	mvwaddstr(w, 0, C_STATE, q->view == V_DUE ? "State" : "Proposal");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&q->list, w, 1, 0, H - 2, W);
	list_position(&q->list, pos, sizeof pos);
	snprintf(foot, sizeof foot, "%s: %s%s", q->view == V_DUE ? "Charts due" : "Proposals", pos,
	         can_propose(ui) && can_approve(ui) ? "; Tab: the other list" : "");
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

static unsigned detail_handle(ui_t *ui, ret_screen_t *q, const ui_event_t *ev)
{
	const retention_proposal_t *r = &q->rows[q->list.cur];
	session_t *s = ui_session(ui);
	unsigned res;
	msg_t m;
	status_t st;
	if (q->ask != ASK_NONE) {
		ask_t a = q->ask;
		if (ev->action == KA_NO || ev->action == KA_BACK) {
			q->ask = ASK_NONE;
			ui_message(ui, UI_MSG_INFO, "%s", "Nothing was changed.");
			return UI_REDRAW;
		}
		if (ev->action != KA_YES)
			return UI_HANDLED;
		q->ask = ASK_NONE;
		if (a == ASK_PROPOSE)
			st = retention_propose(s, r->chart.patient_id,
			                       form_text(&q->form, F_REASON), NULL, &m);
		else if (a == ASK_APPROVE)
			st = retention_approve(s, r->id, NULL, &m);
		else
			st = retention_reject(s, r->id, form_text(&q->form, F_REASON), &m);
		after(ui, q, st, &m);
		return UI_REDRAW;
	}
	if (ev->action == KA_BACK) {
		q->detail = 0;
		q->rejecting = 0;
		form_clear(&q->form, 1);
		return UI_REDRAW;
	}
	if (with_reason(q)) {
		if (ev->action == KA_SELECT && (res = form_handle(ui, &q->form, ev)) != UI_IGNORED)
			return res;
		if (ev->action != KA_SAVE && ev->action != KA_SELECT)
			return form_handle(ui, &q->form, ev);
		if (q->view == V_DUE && r->chart.held) {
			ui_message(ui, UI_MSG_ERROR,
			           "MRN %s is under a legal hold: release it before proposing.",
			           r->chart.mrn);
			return UI_REDRAW;
		}
		if (!form_text(&q->form, F_REASON)[0]) {
			ui_message(ui, UI_MSG_ERROR, "The reason for the %s is required.",
			           q->rejecting ? "rejection" : "proposal");
			form_focus_bad(&q->form, F_REASON);
			return UI_REDRAW;
		}
		q->ask = q->rejecting ? ASK_REJECT : ASK_PROPOSE;
		return UI_REDRAW;
	}
	if (ev->action != KA_SAVE && ev->action != KA_SELECT)
		return UI_IGNORED;
	q->ask = ASK_APPROVE;
	return UI_REDRAW;
}

static unsigned ret_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	ret_screen_t *q = priv;
	unsigned r;
	if (q->detail && q->n)
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
		if (q->n) {
			q->detail = 1;
			q->rejecting = ev->action == KA_SET_STATUS;
			q->ask = ASK_NONE;
			form_clear(&q->form, 1);
			q->form.focus = F_REASON;
		}
		return UI_REDRAW;
	case KA_NEXT_FIELD:
		if (!(can_propose(ui) && can_approve(ui)))
			return UI_HANDLED;
		q->view = q->view == V_DUE ? V_PROPOSALS : V_DUE;
		return UI_RELOAD | UI_REDRAW;
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
    {KA_SELECT, "open"},       {KA_SAVE, "propose/approve"},
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
