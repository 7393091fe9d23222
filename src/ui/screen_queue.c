/* screen_queue.c - the HIM work queue (core/queue.h): everything waiting
 * for HIM or the privacy officer, by due date, overdue first (OVERDUE in
 * words and in the warning colour). Rows are drawn on demand: a row's
 * patient is decrypted by core (queue_resolve) only when the row is first
 * shown. Tab cycles the kind shown (all, then each kind the role sees),
 * Shift-Tab the assignee (anyone, then each user the queue assigns work
 * to); both filter the list as opened, so opening is one audited view.
 * Enter opens the item's own screen: the coding screen, the note or
 * encounter of a deficiency, the chart of a chart out, the ROI or
 * amendment request's details, the break-the-glass review.
 *
 * Holds the queue core returned (names of the rows shown): freed and
 * wiped on close and on idle lock. */
#include "ui/screen_queue.h"
#include "ui/screen_duplicates.h"
#include "ui/screen_retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/queue.h"
#include "ui/draw.h"
#include "ui/rights_view.h"
#include "ui/screen_amendments.h"
#include "ui/screen_chart.h"
#include "ui/screen_coding.h"
#include "ui/screen_encounter.h"
#include "ui/screen_note.h"
#include "ui/screen_privacy.h"
#include "ui/screen_roi.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

#define MAX_ASSIGNEES 64

typedef struct qscreen {
	ui_t *ui;
	queue_t *q;
	int *shown; /* indexes into q of the rows passing the filters */
	int n;
	int kind;   /* -1: every kind */
	int who;    /* 0: anyone; i: assignees[i - 1] */
	char assignees[MAX_ASSIGNEES][72];
	int nassignees;
	int loaded;
	ui_list_t list;
} qscreen_t;

/* Columns: due, days left, kind, MRN, patient, assigned to; what is
 * waiting from 100 columns on (the selected item's line above the keys
 * always says it in full). */
enum { C_DUE = 1, C_LEFT = 12, C_KIND = 23, C_MRN = 34, C_NAME = 46, C_WHO = 69, C_WHAT = 81 };
#define WIDE_WHAT 100

static int q_count(void *arg)
{
	return ((qscreen_t *)arg)->n;
}

static const queue_item_t *item_at(qscreen_t *p, int i)
{
	return i >= 0 && i < p->n ? queue_item(p->q, p->shown[i]) : NULL;
}

static void q_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	qscreen_t *p = arg;
	const queue_item_t *it = item_at(p, i);
	char left[48];
	msg_t m;
	if (!it)
		return;
	/* The patient is decrypted when the row is first shown. */
	if (!it->resolved && queue_resolve(ui_session(p->ui), p->q, p->shown[i], &m) != STATUS_OK)
		ui_message(p->ui, UI_MSG_ERROR, "%s", m.text);
	if (it->days_left < 0)
		snprintf(left, sizeof left, "OVERDUE");
	else if (it->days_left == 0)
		snprintf(left, sizeof left, "due today");
	else
		snprintf(left, sizeof left, "%ld d left", it->days_left);
	if (it->days_left < 0 && !selected)
		wattron(w, theme_attr(TH_WARN));
	draw_text(w, y, x + C_DUE, C_LEFT - C_DUE - 1, it->due, 0);
	draw_text(w, y, x + C_LEFT, C_KIND - C_LEFT - 1, left, 0);
	draw_text(w, y, x + C_KIND, C_MRN - C_KIND - 1, queue_kind_label(it->kind), 0);
	draw_text(w, y, x + C_MRN, C_NAME - C_MRN - 1, it->resolved ? it->mrn : "?", 0);
	draw_text(w, y, x + C_NAME, C_WHO - C_NAME - 1, it->resolved ? it->name : "?", 0);
	if (width > C_WHO)
		draw_text(w, y, x + C_WHO, (width >= WIDE_WHAT ? C_WHAT - 1 : width) - C_WHO,
		          it->assigned[0] ? it->assigned : "-", 0);
	if (width >= WIDE_WHAT)
		draw_text(w, y, x + C_WHAT, width - C_WHAT, it->what, 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
}

static int q_match(void *arg, int i, const char *text)
{
	qscreen_t *p = arg;
	const queue_item_t *it = item_at(p, i);
	return it && (strstr(it->what, text) || strstr(it->assigned, text) ||
	              (it->resolved && (strstr(it->mrn, text) || strstr(it->name, text))));
}

/* The rows passing the kind and assignee filters. */
static void refilter(qscreen_t *p)
{
	int total = queue_count(p->q);
	p->n = 0;
	for (int i = 0; i < total; i++) {
		const queue_item_t *it = queue_item(p->q, i);
		if (p->kind >= 0 && (int)it->kind != p->kind)
			continue;
		if (p->who > 0 && strcmp(it->assigned, p->assignees[p->who - 1]) != 0)
			continue;
		p->shown[p->n++] = i;
	}
	list_clamp(&p->list);
}

static void q_forget(ui_t *ui, void *priv)
{
	qscreen_t *p = priv;
	(void)ui;
	queue_free(p->q);
	p->q = NULL;
	free(p->shown);
	p->shown = NULL;
	p->n = p->nassignees = 0;
	p->loaded = 0;
}

static status_t q_reload(ui_t *ui, void *priv, msg_t *m)
{
	qscreen_t *p = priv;
	queue_filter_t f = {-1, NULL};
	status_t ret;
	int total;
	q_forget(ui, priv);
	if ((ret = queue_open(ui_session(ui), &f, &p->q, m)) != STATUS_OK)
		return ret;
	total = queue_count(p->q);
	if (!(p->shown = malloc((size_t)(total ? total : 1) * sizeof *p->shown))) {
		q_forget(ui, priv);
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	for (int i = 0; i < total && p->nassignees < MAX_ASSIGNEES; i++) {
		const queue_item_t *it = queue_item(p->q, i);
		int seen = !it->assigned[0];
		for (int j = 0; j < p->nassignees && !seen; j++)
			seen = strcmp(p->assignees[j], it->assigned) == 0;
		if (!seen)
			snprintf(p->assignees[p->nassignees++], sizeof p->assignees[0], "%s",
			         it->assigned);
	}
	if (p->who > p->nassignees)
		p->who = 0;
	p->loaded = 1;
	refilter(p);
	return STATUS_OK;
}

static status_t q_open(ui_t *ui, void *priv, msg_t *m)
{
	qscreen_t *p = priv;
	p->ui = ui;
	p->kind = -1;
	p->list.count = q_count;
	p->list.draw_row = q_row;
	p->list.match = q_match;
	p->list.arg = p;
	p->list.empty = "Nothing is waiting here.";
	return q_reload(ui, priv, m);
}

static void q_close(ui_t *ui, void *priv)
{
	q_forget(ui, priv);
}

static void q_draw(ui_t *ui, void *priv, WINDOW *w)
{
	qscreen_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char line[400], pos[48];
	(void)ui;
	if (!p->loaded)
		return;
	snprintf(line, sizeof line, "Work queue: %d item%s, %s, assigned to %s; by due date", p->n,
	         p->n == 1 ? "" : "s", p->kind >= 0 ? queue_kind_label(p->kind) : "every kind",
	         p->who > 0 ? p->assignees[p->who - 1] : "anyone");
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 0, 1, W - 2, line, 0);
	mvwaddstr(w, 2, C_DUE, "Due");
	mvwaddstr(w, 2, C_KIND, "Kind");
	mvwaddstr(w, 2, C_MRN, "MRN");
	mvwaddstr(w, 2, C_NAME, "Patient");
	if (W > C_WHO + 8)
		mvwaddstr(w, 2, C_WHO, "Assigned");
	if (W >= WIDE_WHAT)
		mvwaddstr(w, 2, C_WHAT, "What");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&p->list, w, 3, 0, H - 5, W);
	/* The selected item in full. */
	{
		const queue_item_t *it = item_at(p, p->list.cur);
		if (it) {
			char due[64];
			if (it->days_left < 0)
				snprintf(due, sizeof due, "OVERDUE by %ld day%s", -it->days_left,
				         it->days_left == -1 ? "" : "s");
			else
				snprintf(due, sizeof due, "due %s", it->due);
			snprintf(line, sizeof line, "%s, waiting %d day%s: %s%s%s", due, it->age_days,
			         it->age_days == 1 ? "" : "s", it->what,
			         it->assigned[0] ? " - assigned to " : "", it->assigned);
			wattrset(w, theme_attr(TH_INFO));
			draw_text(w, H - 2, 1, W - 2, line, 0);
			wattrset(w, theme_attr(TH_NORMAL));
		}
	}
	list_position(&p->list, pos, sizeof pos);
	snprintf(line, sizeof line, "%s; Tab: kind; Shift-Tab: assignee; Enter opens the item", pos);
	draw_text(w, H - 1, 1, W - 2, line, 0);
}

/* The item's own screen. */
static void open_item(ui_t *ui, qscreen_t *p, int i)
{
	const queue_item_t *it = item_at(p, i);
	msg_t m;
	if (!it)
		return;
	if (!it->resolved && queue_resolve(ui_session(ui), p->q, p->shown[i], &m) != STATUS_OK) {
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		return;
	}
	switch (it->kind) {
	case QK_CODING:
		screen_coding_open(ui, it->erow);
		break;
	case QK_DEFICIENCY: {
		/* D A C: a note; O X: an encounter (as the deficiency list does). */
		chart_arg_t a;
		int note = it->ref[0] == 'D' || it->ref[0] == 'A' || it->ref[0] == 'C';
		memset(&a, 0, sizeof a);
		snprintf(a.banner.id, sizeof a.banner.id, "%s", it->patient_id);
		a.erow = it->erow;
		a.nrow = note ? it->num : 0;
		ui_open_arg(ui, note ? &screen_note : &screen_encounter, &a, sizeof a);
		explicit_bzero(&a, sizeof a);
		break;
	}
	case QK_CHART_OUT:
		chart_open(ui, it->patient_id, 0);
		break;
	case QK_ROI:
	case QK_AMENDMENT: {
		rv_arg_t a;
		memset(&a, 0, sizeof a);
		a.n = it->num;
		ui_open_arg(ui, it->kind == QK_ROI ? &screen_roi_detail : &screen_amendment_detail,
		            &a, sizeof a);
		break;
	}
	case QK_BTG: {
		/* That access's review, not the whole queue. */
		screen_btg_arg_t a = {it->num};
		ui_open_arg(ui, &screen_btg, &a, sizeof a);
		break;
	}
	case QK_DUPLICATE:
		ui_open(ui, &screen_duplicates);
		break;
	case QK_RETENTION:
		/* Charts due (HIM) or the proposals (privacy): the screen shows
		 * the list this role acts on first. */
		ui_open(ui, &screen_retention);
		break;
	default:
		break;
	}
}

static unsigned q_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	qscreen_t *p = priv;
	unsigned r = list_handle(&p->list, ev->action);
	if (r != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_NEXT_FIELD:
		/* every kind, then each kind that has items, in the table's order */
		do {
			p->kind = p->kind + 1 >= QK_COUNT ? -1 : p->kind + 1;
		} while (p->kind >= 0 && queue_count_kind(p->q, (queue_kind_t)p->kind) == 0);
		p->list.cur = p->list.top = 0;
		refilter(p);
		return UI_REDRAW;
	case KA_PREV_FIELD:
		p->who = p->who >= p->nassignees ? 0 : p->who + 1;
		p->list.cur = p->list.top = 0;
		refilter(p);
		return UI_REDRAW;
	case KA_SELECT:
		if (p->n)
			open_item(ui, p, p->list.cur);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint q_hints[] = {
    {KA_SELECT, "open"},      {KA_NEXT_FIELD, "kind"}, {KA_PREV_FIELD, "assignee"},
    {KA_RELOAD, "reload"},    {KA_BACK, "back"},       {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_queue = {
    .title = "HIM work queue",
    .private_size = sizeof(qscreen_t),
    .hints = q_hints,
    .open = q_open,
    .close = q_close,
    .draw = q_draw,
    .handle = q_handle,
    .reload = q_reload,
    .forget = q_forget,
};
