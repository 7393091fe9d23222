/* screen_access.c - who opened this chart: the access report for one
 * patient, newest first, with filters (a range of days in the clinic's
 * zone, one user), one line per access drawn on demand, Enter for the
 * whole access. Opened from the Privacy menu (the MRN is asked) or from a
 * chart (that patient). Core checks ACT_AUDIT_REVIEW and records each
 * report viewed. Holds a copy of the report (names, reasons): wiped on
 * close, on idle lock and before each new report. */
#include "ui/screen_privacy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "core/access.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_form.h"
#include "ui/widget_list.h"

/* A chart's report is short; this bounds a pathological one. */
#define ACCESS_SHOW_MAX 20000

enum { F_MRN, F_SINCE, F_UNTIL, F_USER, F_COUNT };

typedef struct access {
	ui_t *ui;
	ui_form_item_t items[F_COUNT];
	ui_form_t form;
	int in_form; /* the filters have the focus */
	access_entry_t *rows;
	int n, cap, truncated, ran;
	char label[200]; /* "MRN Last, First" of the report shown */
	ui_list_t list;
} access_t;

static int access_count(void *arg)
{
	return ((access_t *)arg)->n;
}

enum { C_TIME = 0, C_USER = 21, C_ROLE = 32, C_WHAT = 42 };

static void access_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	access_t *a = arg;
	const access_entry_t *e = &a->rows[i];
	char when[TZ_TEXT_MAX], what[512];
	draw_time(when, sizeof when, e->ts, ui_config(a->ui), "");
	draw_text(w, y, x + C_TIME, C_USER - C_TIME - 1, when, 0);
	draw_text(w, y, x + C_USER, C_ROLE - C_USER - 1, e->user_name, 0);
	draw_text(w, y, x + C_ROLE, C_WHAT - C_ROLE - 1, e->role[0] ? e->role : "?", 0);
	if (e->reason[0]) {
		/* A break-the-glass access stands out (and reads in mono). */
		if (!selected)
			wattron(w, theme_attr(TH_WARN));
		snprintf(what, sizeof what, "BREAK-THE-GLASS: %s", e->reason);
	} else {
		snprintf(what, sizeof what, "%s", e->what);
	}
	draw_text(w, y, x + C_WHAT, width - C_WHAT, what, 0);
}

static int access_match(void *arg, int i, const char *text)
{
	const access_entry_t *e = &((access_t *)arg)->rows[i];
	return strcasestr(e->user_name, text) || strcasestr(e->what, text) ||
	       strcasestr(e->reason, text) || strcasestr(e->source, text) ||
	       strcasestr(e->role, text);
}

static int take(const access_entry_t *e, void *arg)
{
	access_t *a = arg;
	if (a->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 64;
		access_entry_t *p = realloc(a->rows, (size_t)cap * sizeof *p);
		if (!p) {
			a->truncated = 1;
			return 1;
		}
		a->rows = p;
		a->cap = cap;
	}
	{
		/* Drawn and shown in notices: every text cleaned once here. */
		access_entry_t *r = &a->rows[a->n++];
		r->seq = e->seq;
		draw_clean(r->ts, sizeof r->ts, e->ts);
		draw_clean(r->user_name, sizeof r->user_name, e->user_name);
		draw_clean(r->role, sizeof r->role, e->role);
		draw_clean(r->action, sizeof r->action, e->action);
		draw_clean(r->what, sizeof r->what, e->what);
		draw_clean(r->reason, sizeof r->reason, e->reason);
		draw_clean(r->source, sizeof r->source, e->source);
		draw_clean(r->outcome, sizeof r->outcome, e->outcome);
		draw_clean(r->mrn, sizeof r->mrn, e->mrn);
		draw_clean(r->name, sizeof r->name, e->name);
	}
	if (a->n >= ACCESS_SHOW_MAX) {
		a->truncated = 1;
		return 1;
	}
	return 0;
}

static void rows_forget(access_t *a)
{
	if (a->rows)
		explicit_bzero(a->rows, (size_t)a->cap * sizeof *a->rows);
	free(a->rows);
	a->rows = NULL;
	a->n = a->cap = a->truncated = a->ran = 0;
	explicit_bzero(a->label, sizeof a->label);
	a->list.cur = a->list.top = 0;
}

/* Run the report for the filters as typed. */
static status_t run(ui_t *ui, access_t *a, msg_t *m)
{
	access_query_t q = {form_text(&a->form, F_SINCE), form_text(&a->form, F_UNTIL), 0,
	                    form_text(&a->form, F_USER)};
	status_t ret;
	rows_forget(a);
	if (!form_text(&a->form, F_MRN)[0]) {
		form_focus_bad(&a->form, F_MRN);
		return msg_fail(m, STATUS_INVALID, "MRN: type the patient's MRN.");
	}
	ui_busy(ui, "Reading the audit trail...");
	{
		char label[sizeof a->label];
		ret = access_patient(ui_session(ui), form_text(&a->form, F_MRN), &q, take, a, label,
		                     sizeof label, m);
		draw_clean(a->label, sizeof a->label, label);
		explicit_bzero(label, sizeof label);
		ui_message(ui, UI_MSG_INFO, "%s", "");
	}
	if (ret != STATUS_OK) {
		rows_forget(a);
		return ret;
	}
	a->ran = 1;
	list_clamp(&a->list);
	return STATUS_OK;
}

static void access_forget(ui_t *ui, void *priv)
{
	access_t *a = priv;
	(void)ui;
	rows_forget(a);
	form_clear(&a->form, 1);
	a->in_form = 1;
}

static status_t access_open(ui_t *ui, void *priv, msg_t *m)
{
	access_t *a = priv;
	static const char *const labels[F_COUNT] = {"MRN", "Since (YYYY-MM-DD)",
	                                            "Until (YYYY-MM-DD)", "User"};
	static const int widths[F_COUNT] = {16, 12, 12, 32};
	size_t size = 0;
	const screen_access_arg_t *arg = ui_arg(ui, &size);
	status_t ret = STATUS_OK;
	a->ui = ui;
	a->list.count = access_count;
	a->list.draw_row = access_row;
	a->list.match = access_match;
	a->list.arg = a;
	a->list.empty = "No access in this range.";
	a->form.items = a->items;
	a->form.n = F_COUNT;
	a->form.label_w = 20;
	for (int i = 0; i < F_COUNT && ret == STATUS_OK; i++) {
		ret = form_text_item(&a->items[i], labels[i], i == F_USER ? 72 : 40, i == F_MRN, m);
		a->items[i].width = widths[i];
	}
	if (ret != STATUS_OK) {
		form_free(&a->form);
		return ret;
	}
	a->in_form = 1;
	if (arg && size == sizeof *arg && arg->patient[0]) {
		/* From a chart: that patient's report at once. */
		form_set(&a->form, F_MRN, arg->patient);
		if ((ret = run(ui, a, m)) != STATUS_OK) {
			rows_forget(a);
			form_free(&a->form);
			return ret;
		}
		a->in_form = 0;
	}
	return STATUS_OK;
}

static void access_close(ui_t *ui, void *priv)
{
	access_t *a = priv;
	(void)ui;
	rows_forget(a);
	form_free(&a->form);
}

static int access_typing(const void *priv)
{
	return ((const access_t *)priv)->in_form;
}

static status_t access_reload(ui_t *ui, void *priv, msg_t *m)
{
	access_t *a = priv;
	/* After an unlock the report was wiped; the filters too. */
	if (!a->ran)
		return STATUS_OK;
	return run(ui, a, m);
}

static void access_draw(ui_t *ui, void *priv, WINDOW *w)
{
	access_t *a = priv;
	int W = getmaxx(w), H = getmaxy(w), y;
	char line[320], pos[48];
	form_draw(ui, &a->form, w, 0, 1, F_COUNT, W - 2);
	y = F_COUNT + 1;
	wattrset(w, theme_attr(TH_HEADING));
	if (a->ran)
		snprintf(line, sizeof line, "Who opened the chart of %s, newest first", a->label);
	else
		snprintf(line, sizeof line, "Type the MRN (and a range or a user), then Enter");
	draw_text(w, y, 1, W - 2, line, 0);
	mvwaddstr(w, y + 1, C_TIME + 1, "When");
	mvwaddstr(w, y + 1, C_USER + 1, "User");
	mvwaddstr(w, y + 1, C_ROLE + 1, "Role");
	mvwaddstr(w, y + 1, C_WHAT + 1, "What");
	wattrset(w, theme_attr(TH_NORMAL));
	if (a->ran)
		list_draw(&a->list, w, y + 2, 1, H - y - 3, W - 2);
	list_position(&a->list, pos, sizeof pos);
	snprintf(line, sizeof line, "%s%s", a->ran ? pos : "",
	         a->truncated ? " (only the newest are read; chartroom audit patient has all)"
	                      : "");
	draw_text(w, H - 1, 1, W - 2, line, 0);
	if (a->in_form)
		form_draw(ui, &a->form, w, 0, 1, F_COUNT, W - 2); /* the cursor in the field */
}

static void show_entry(ui_t *ui, const access_t *a)
{
	const access_entry_t *e = &a->rows[a->list.cur];
	char when[TZ_TEXT_MAX], text[1400];
	draw_time(when, sizeof when, e->ts, ui_config(ui), "");
	snprintf(text, sizeof text,
	         "Patient: %s\nWhen:    %s\nUser:    %s (%s)\nWhat:    %s\n"
	         "Reason:  %s\nOrigin:  %s\nOutcome: %s\nEntry:   %" PRId64,
	         a->label, when, e->user_name, e->role[0] ? e->role : "?", e->what,
	         e->reason[0] ? e->reason : "-", e->source, e->outcome, e->seq);
	ui_notice(ui, text);
}

static unsigned access_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	access_t *a = priv;
	unsigned r;
	msg_t m;
	if (a->in_form) {
		if (ev->action == KA_BACK) {
			if (!a->ran)
				return UI_BACK;
			a->in_form = 0;
			return UI_REDRAW;
		}
		if (ev->action == KA_SAVE || ev->action == KA_SELECT) {
			if (ev->action == KA_SELECT &&
			    (r = form_handle(ui, &a->form, ev)) != UI_IGNORED)
				return r; /* Enter moves to the next filter; on the last, runs */
			if (form_check(ui, &a->form))
				return UI_REDRAW;
			if (run(ui, a, &m) != STATUS_OK) {
				ui_message(ui, UI_MSG_ERROR, "%s", m.text);
				return UI_REDRAW;
			}
			a->in_form = 0;
			ui_message(ui, UI_MSG_OK, "%d access%s.", a->n, a->n == 1 ? "" : "es");
			return UI_REDRAW;
		}
		return form_handle(ui, &a->form, ev);
	}
	if ((r = list_handle(&a->list, ev->action)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		if (a->n)
			show_entry(ui, a);
		return UI_REDRAW;
	case KA_NEXT_FIELD:
	case KA_PREV_FIELD:
	case KA_EDIT:
		/* To the filters, from the first. */
		a->in_form = 1;
		a->form.focus = F_MRN;
		return UI_REDRAW;
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		return UI_BACK;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint access_hints[] = {
    {KA_SELECT, "details / run"},
    {KA_NEXT_FIELD, "filters"},
    {KA_PAGE_DOWN, "page"},
    {KA_RELOAD, "again"},
    {KA_BACK, "back"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_access = {
    .title = "Access report",
    .private_size = sizeof(access_t),
    .hints = access_hints,
    .open = access_open,
    .close = access_close,
    .draw = access_draw,
    .handle = access_handle,
    .reload = access_reload,
    .forget = access_forget,
    .typing = access_typing,
};
