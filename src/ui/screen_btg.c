/* screen_btg.c - the break-the-glass review queue: every access, newest
 * first, one line each drawn on demand (who, when, patient, state: the
 * latest finding, "unreviewed", or "OVERDUE" past [privacy]
 * btg_review_days, in the warning colour and in words for a mono
 * terminal), and a detail form (Enter) that shows the reason and what the
 * user did afterwards in the chart and records a finding with a comment.
 * Core checks ACT_BTG_REVIEW, audits the queue's views and keeps the
 * findings append-only. Holds a copy of the queue (names, reasons,
 * comments): wiped on close, on idle lock and before each reload. */
#include "ui/screen_privacy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/btg_review.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_form.h"
#include "ui/widget_list.h"

enum { F_FINDING, F_COMMENT, F_COUNT };

static const char *const finding_labels[] = {"appropriate", "inappropriate", "follow-up"};

typedef struct btgq {
	ui_t *ui;
	btg_item_t *rows;
	int n, cap, unreviewed_only;
	ui_list_t list;
	int detail; /* the detail form is open for rows[list.cur] */
	ui_form_item_t items[F_COUNT];
	ui_form_t form;
} btgq_t;

static int btg_count(void *arg)
{
	return ((btgq_t *)arg)->n;
}

static const char *state_of(const btg_item_t *it)
{
	return it->finding[0] ? it->finding : it->overdue ? "OVERDUE" : "unreviewed";
}

enum { C_NUM = 0, C_TIME = 5, C_USER = 26, C_STATE = 36, C_PATIENT = 50 };

static void btg_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	btgq_t *q = arg;
	const btg_item_t *it = &q->rows[i];
	char num[24], when[TZ_TEXT_MAX], who[200];
	snprintf(num, sizeof num, "%4" PRId64, it->id);
	draw_time(when, sizeof when, it->ts, ui_config(q->ui), "");
	snprintf(who, sizeof who, "%s %s", it->mrn, it->name);
	draw_text(w, y, x + C_NUM, C_TIME - C_NUM - 1, num, 0);
	draw_text(w, y, x + C_TIME, C_USER - C_TIME - 1, when, 0);
	draw_text(w, y, x + C_USER, C_STATE - C_USER - 1, it->user_name, 0);
	if (!selected && !it->finding[0])
		wattron(w, theme_attr(it->overdue ? TH_ALERT : TH_WARN));
	draw_text(w, y, x + C_STATE, C_PATIENT - C_STATE - 1, state_of(it), 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
	draw_text(w, y, x + C_PATIENT, width - C_PATIENT, who, 0);
}

static int btg_match(void *arg, int i, const char *text)
{
	const btg_item_t *it = &((btgq_t *)arg)->rows[i];
	return strcasestr(it->user_name, text) || strcasestr(it->mrn, text) ||
	       strcasestr(it->name, text) || strcasestr(it->reason, text) ||
	       strcasestr(state_of(it), text);
}

static void clean_item(btg_item_t *d, const btg_item_t *s)
{
	memset(d, 0, sizeof *d);
	d->id = s->id;
	d->reviews = s->reviews;
	d->overdue = s->overdue;
	draw_clean(d->ts, sizeof d->ts, s->ts);
	draw_clean(d->user_name, sizeof d->user_name, s->user_name);
	draw_clean(d->mrn, sizeof d->mrn, s->mrn);
	draw_clean(d->name, sizeof d->name, s->name);
	draw_clean(d->reason, sizeof d->reason, s->reason);
	draw_clean(d->after, sizeof d->after, s->after);
	draw_clean(d->finding, sizeof d->finding, s->finding);
	draw_clean(d->reviewer, sizeof d->reviewer, s->reviewer);
	draw_clean(d->reviewed_at, sizeof d->reviewed_at, s->reviewed_at);
	draw_clean(d->comment, sizeof d->comment, s->comment);
}

static int take(const btg_item_t *it, void *arg)
{
	btgq_t *q = arg;
	if (q->n == q->cap) {
		int cap = q->cap ? q->cap * 2 : 32;
		btg_item_t *p = realloc(q->rows, (size_t)cap * sizeof *p);
		if (!p)
			return 1;
		q->rows = p;
		q->cap = cap;
	}
	clean_item(&q->rows[q->n++], it);
	return 0;
}

static void rows_forget(btgq_t *q)
{
	if (q->rows)
		explicit_bzero(q->rows, (size_t)q->cap * sizeof *q->rows);
	free(q->rows);
	q->rows = NULL;
	q->n = q->cap = 0;
}

static void btg_forget(ui_t *ui, void *priv)
{
	btgq_t *q = priv;
	(void)ui;
	rows_forget(q);
	form_clear(&q->form, 1);
	q->detail = 0;
}

static status_t btg_reload(ui_t *ui, void *priv, msg_t *m)
{
	btgq_t *q = priv;
	status_t ret;
	rows_forget(q);
	q->detail = 0;
	ui_busy(ui, "Reading the break-the-glass queue...");
	ret = btg_list(ui_session(ui), q->unreviewed_only, take, q, m);
	ui_message(ui, UI_MSG_INFO, "%s", "");
	if (ret != STATUS_OK)
		rows_forget(q);
	list_clamp(&q->list);
	return ret;
}

/* Opened for one access (screen_btg_arg_t): the list positioned on it
 * and its review form open; an access no longer listed is said so. */
static void at_access(ui_t *ui, btgq_t *q)
{
	size_t size = 0;
	const screen_btg_arg_t *a = ui_arg(ui, &size);
	if (!a || size != sizeof *a)
		return;
	for (int i = 0; i < q->n; i++)
		if (q->rows[i].id == a->access) {
			q->list.cur = i;
			q->list.top = i;
			q->detail = 1;
			form_clear(&q->form, 1);
			q->form.focus = F_FINDING;
			return;
		}
	ui_message(ui, UI_MSG_ERROR, "Break-the-glass access %" PRId64 " is not in the queue.",
	           a->access);
}

static status_t btg_open(ui_t *ui, void *priv, msg_t *m)
{
	btgq_t *q = priv;
	status_t ret;
	q->ui = ui;
	q->list.count = btg_count;
	q->list.draw_row = btg_row;
	q->list.match = btg_match;
	q->list.arg = q;
	q->list.empty = "No break-the-glass access to review.";
	q->form.items = q->items;
	q->form.n = F_COUNT;
	q->form.label_w = 10;
	form_choice_item(&q->items[F_FINDING], "Finding", finding_labels, 3, 0);
	if ((ret = form_text_item(&q->items[F_COMMENT], "Comment", BTG_COMMENT_MAX + 1, 0, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = btg_reload(ui, priv, m)) != STATUS_OK) {
		form_free(&q->form);
		return ret;
	}
	at_access(ui, q);
	return ret;
}

static void btg_close(ui_t *ui, void *priv)
{
	btgq_t *q = priv;
	(void)ui;
	rows_forget(q);
	form_free(&q->form);
}

static int btg_typing(const void *priv)
{
	return ((const btgq_t *)priv)->detail;
}

struct wrap_ctx {
	WINDOW *w;
	int y, x, max;
};

static void wrap_line(const char *line, int n, void *arg)
{
	struct wrap_ctx *c = arg;
	if (n < c->max)
		draw_text(c->w, c->y + n, c->x, getmaxx(c->w) - c->x - 1, line, 0);
}

/* A label and wrapped text from line y; returns the next free line. */
static int field(WINDOW *w, int y, int max_y, const char *label, const char *text)
{
	struct wrap_ctx c = {w, y, 13, max_y - y};
	int n;
	if (y >= max_y)
		return y;
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, y, 1, label);
	wattrset(w, theme_attr(TH_NORMAL));
	n = draw_wrap(text[0] ? text : "-", getmaxx(w) - 14, wrap_line, &c);
	return y + (n > c.max ? c.max : n);
}

static void detail_draw(ui_t *ui, btgq_t *q, WINDOW *w)
{
	const btg_item_t *it = &q->rows[q->list.cur];
	int H = getmaxy(w), W = getmaxx(w), y = 0, form_y = H - F_COUNT - 2;
	char when[TZ_TEXT_MAX], line[BTG_COMMENT_MAX + 300];
	draw_time(when, sizeof when, it->ts, ui_config(ui), "");
	snprintf(line, sizeof line, "Access %" PRId64 ": %s", it->id, state_of(it));
	y = field(w, y, form_y, "Access", line);
	y = field(w, y, form_y, "When", when);
	y = field(w, y, form_y, "Who", it->user_name);
	snprintf(line, sizeof line, "%s %s", it->mrn, it->name);
	y = field(w, y, form_y, "Patient", line);
	y = field(w, y, form_y, "Reason", it->reason);
	y = field(w, y, form_y, "Afterwards", it->after);
	if (it->finding[0]) {
		draw_time(when, sizeof when, it->reviewed_at, ui_config(ui), "");
		snprintf(line, sizeof line, "%s by %s at %s: %s%s", it->finding, it->reviewer, when,
		         it->comment[0] ? it->comment : "(no comment)",
		         it->reviews > 1 ? " (supersedes earlier findings)" : "");
		y = field(w, y, form_y, "Finding", line);
	}
	(void)y;
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, form_y, 1, W - 2,
	          it->finding[0] ? "Record a new finding (the earlier one is kept):"
	                         : "Record the finding:",
	          0);
	wattrset(w, theme_attr(TH_NORMAL));
	form_draw(ui, &q->form, w, form_y + 1, 1, F_COUNT, W - 2);
}

static void btg_draw(ui_t *ui, void *priv, WINDOW *w)
{
	btgq_t *q = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char pos[48], foot[160];
	int64_t unreviewed = 0;
	if (q->detail && q->n) {
		detail_draw(ui, q, w);
		return;
	}
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 0, C_NUM + 1, "No.");
	mvwaddstr(w, 0, C_TIME, "When");
	mvwaddstr(w, 0, C_USER, "User");
	mvwaddstr(w, 0, C_STATE, "State");
	mvwaddstr(w, 0, C_PATIENT, "Patient");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&q->list, w, 1, 0, H - 2, W);
	for (int i = 0; i < q->n; i++)
		unreviewed += !q->rows[i].finding[0];
	list_position(&q->list, pos, sizeof pos);
	snprintf(foot, sizeof foot, "%s, newest first; %" PRId64 " unreviewed%s", pos, unreviewed,
	         q->unreviewed_only ? " (only those shown)" : "");
	draw_text(w, H - 1, 1, W - 2, foot, 0);
}

static unsigned detail_handle(ui_t *ui, btgq_t *q, const ui_event_t *ev)
{
	unsigned r;
	msg_t m;
	const btg_item_t *it = &q->rows[q->list.cur];
	if (ev->action == KA_BACK) {
		q->detail = 0;
		form_clear(&q->form, 1);
		return UI_REDRAW;
	}
	if (ev->action == KA_SELECT && (r = form_handle(ui, &q->form, ev)) != UI_IGNORED)
		return r;
	if (ev->action != KA_SAVE && ev->action != KA_SELECT)
		return form_handle(ui, &q->form, ev);
	if (btg_review(ui_session(ui), it->id, finding_labels[form_choice(&q->form, F_FINDING)],
	               form_text(&q->form, F_COMMENT), &m) != STATUS_OK) {
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		if (strncmp(m.text, "Comment", 7) == 0)
			form_focus_bad(&q->form, F_COMMENT);
		return UI_REDRAW;
	}
	form_clear(&q->form, 1);
	q->detail = 0;
	{
		char done[sizeof m.text];
		snprintf(done, sizeof done, "%s", m.text);
		if (btg_reload(ui, q, &m) != STATUS_OK)
			ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		else
			ui_message(ui, UI_MSG_OK, "%s", done);
	}
	return UI_REDRAW;
}

static unsigned btg_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	btgq_t *q = priv;
	unsigned r;
	if (q->detail && q->n)
		return detail_handle(ui, q, ev);
	if ((r = list_handle(&q->list, ev->action)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		if (q->n) {
			q->detail = 1;
			form_clear(&q->form, 1);
			q->form.focus = F_FINDING;
		}
		return UI_REDRAW;
	case KA_SET_STATUS:
		/* All accesses, or only those waiting for a finding. */
		q->unreviewed_only = !q->unreviewed_only;
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

static const struct screen_hint btg_hints[] = {
    {KA_SELECT, "review"}, {KA_SAVE, "save finding"}, {KA_SET_STATUS, "all/unreviewed"},
    {KA_RELOAD, "reload"}, {KA_BACK, "back"},         {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_btg = {
    .title = "Break-the-glass review",
    .private_size = sizeof(btgq_t),
    .hints = btg_hints,
    .open = btg_open,
    .close = btg_close,
    .draw = btg_draw,
    .handle = btg_handle,
    .reload = btg_reload,
    .forget = btg_forget,
    .typing = btg_typing,
};
