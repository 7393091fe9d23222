/* screen_deficiency.c - chart deficiencies: a clinician's own (HIM:
 * everyone's), oldest first, with patient, what is missing, who must act,
 * days and DELINQUENT. Enter opens the note or the encounter to fix it;
 * coming back reads the list again, so a resolved deficiency leaves it
 * (deficiencies are computed from the chart, core/deficiency.h). HIM sends
 * a reminder with r (asks first).
 *
 * Holds a copy of the list from deficiency_list (core checks who may see
 * what), dropped on close and on idle lock. */
#include "ui/screen_deficiency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/deficiency.h"
#include "ui/draw.h"
#include "ui/screen_chart.h"
#include "ui/screen_encounter.h"
#include "ui/screen_note.h"
#include "ui/theme.h"
#include "ui/widget_keys.h"
#include "ui/widget_list.h"

typedef struct defs {
	ui_t *ui;
	deficiency_t *rows;
	int n, cap;
	int delinquent;
	int incomplete;
	int loaded;
	int asking; /* "Remind ...? y/n" */
	ui_list_t list;
} defs_t;

static int defs_count(void *arg)
{
	return ((defs_t *)arg)->n;
}

enum { C_ID = 1, C_WHAT = 9, C_MRN = 37, C_NAME = 48, C_WHO = 64, C_DAYS = 74 };

static void defs_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	defs_t *d = arg;
	const deficiency_t *r = &d->rows[i];
	char days[16];
	snprintf(days, sizeof days, "%4d%s", r->age_days, r->delinquent ? "!" : "");
	if (r->delinquent && !selected)
		wattron(w, theme_attr(TH_WARN));
	draw_text(w, y, x + C_ID, C_WHAT - C_ID - 1, r->id, 0);
	draw_text(w, y, x + C_WHAT, C_MRN - C_WHAT - 1, r->what, 0);
	draw_text(w, y, x + C_MRN, C_NAME - C_MRN - 1, r->mrn, 0);
	draw_text(w, y, x + C_NAME, C_WHO - C_NAME - 1, r->name, 0);
	draw_text(w, y, x + C_WHO, C_DAYS - C_WHO - 1, r->assigned, 0);
	if (width > C_DAYS)
		draw_text(w, y, x + C_DAYS, width - C_DAYS, days, 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
}

static int take_row(const deficiency_t *r, void *arg)
{
	defs_t *d = arg;
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 64;
		deficiency_t *p = realloc(d->rows, (size_t)cap * sizeof *p);
		if (!p) {
			d->incomplete = 1;
			return 1;
		}
		d->rows = p;
		d->cap = cap;
	}
	d->rows[d->n++] = *r;
	if (r->delinquent)
		d->delinquent++;
	return 0;
}

static void defs_forget(ui_t *ui, void *priv)
{
	defs_t *d = priv;
	(void)ui;
	if (d->rows)
		explicit_bzero(d->rows, (size_t)d->cap * sizeof *d->rows);
	free(d->rows);
	d->rows = NULL;
	d->n = d->cap = d->delinquent = 0;
	d->incomplete = d->loaded = d->asking = 0;
}

static status_t defs_reload(ui_t *ui, void *priv, msg_t *m)
{
	defs_t *d = priv;
	status_t ret;
	int cur = d->list.cur;
	defs_forget(ui, priv);
	ret = deficiency_list(ui_session(ui), NULL, take_row, d, m);
	d->loaded = ret == STATUS_OK;
	d->list.cur = cur;
	list_clamp(&d->list);
	return ret;
}

static status_t defs_open(ui_t *ui, void *priv, msg_t *m)
{
	defs_t *d = priv;
	status_t ret;
	d->ui = ui;
	d->list.count = defs_count;
	d->list.draw_row = defs_row;
	d->list.arg = d;
	d->list.empty = "No deficiencies: every record is complete.";
	if ((ret = defs_reload(ui, priv, m)) != STATUS_OK)
		defs_forget(ui, priv);
	return ret;
}

static void defs_close(ui_t *ui, void *priv)
{
	defs_forget(ui, priv);
}

static int him(ui_t *ui)
{
	return session_can(ui_session(ui), ACT_HIM_RECORDS);
}

static void defs_draw(ui_t *ui, void *priv, WINDOW *w)
{
	defs_t *d = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char line[200], pos[48];
	if (!d->loaded)
		return;
	snprintf(line, sizeof line, "%s: %d deficienc%s, %d delinquent (over %d days)",
	         him(ui) ? "Chart deficiencies" : "Your deficiencies", d->n,
	         d->n == 1 ? "y" : "ies", d->delinquent, ui_config(ui)->delinquent_days);
	wattrset(w, theme_attr(d->delinquent ? TH_WARN : TH_HEADING));
	draw_text(w, 0, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 2, C_ID, "Id");
	mvwaddstr(w, 2, C_WHAT, "Deficiency");
	mvwaddstr(w, 2, C_MRN, "MRN");
	mvwaddstr(w, 2, C_NAME, "Patient");
	mvwaddstr(w, 2, C_WHO, "Assigned");
	if (W > C_DAYS + 4)
		mvwaddstr(w, 2, C_DAYS, "Days");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&d->list, w, 3, 0, H - 4, W);
	if (d->asking && d->n) {
		char yn[40];
		keys_yes_no(ui, yn, sizeof yn);
		snprintf(line, sizeof line, "Remind %s of %s at their next sign-on? %s",
		         d->rows[d->list.cur].assigned, d->rows[d->list.cur].id, yn);
		wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
		mvwhline(w, H - 1, 0, ' ', W);
		draw_text(w, H - 1, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	list_position(&d->list, pos, sizeof pos);
	snprintf(line, sizeof line, "%s; Enter opens it to fix it%s%s", pos,
	         him(ui) ? "; a reminds the assigned user" : "",
	         d->incomplete ? " (incomplete: out of memory)" : "");
	draw_text(w, H - 1, 1, W - 2, line, 0);
}

static void open_row(ui_t *ui, const deficiency_t *r)
{
	chart_arg_t a;
	memset(&a, 0, sizeof a);
	snprintf(a.banner.id, sizeof a.banner.id, "%s", r->patient_id);
	a.erow = r->erow;
	a.nrow = r->note;
	ui_open_arg(ui, r->note ? &screen_note : &screen_encounter, &a, sizeof a);
	explicit_bzero(&a, sizeof a);
}

static unsigned defs_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	defs_t *d = priv;
	unsigned r;
	msg_t m;
	if (d->asking) {
		if (ev->action == KA_YES && d->n) {
			status_t st = deficiency_remind(ui_session(ui), d->rows[d->list.cur].id, &m);
			keys_tell(ui, st == STATUS_OK ? UI_MSG_OK : UI_MSG_ERROR, m.text);
			d->asking = 0;
			return UI_RELOAD | UI_REDRAW;
		}
		if (ev->action == KA_NO || ev->action == KA_BACK)
			d->asking = 0;
		return UI_REDRAW;
	}
	if ((r = list_handle(&d->list, ev->action)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_SELECT:
		if (d->n == 0)
			return UI_HANDLED;
		open_row(ui, &d->rows[d->list.cur]);
		return UI_REDRAW;
	case KA_ADD:
		if (!d->n)
			return UI_HANDLED;
		if (!him(ui)) {
			ui_message(ui, UI_MSG_WARN, "HIM sends reminders.");
			return UI_REDRAW;
		}
		d->asking = 1;
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint defs_hints[] = {
    {KA_SELECT, "open"}, {KA_RELOAD, "reload"}, {KA_BACK, "back"},
    {KA_HELP, "help"},   {KA_NONE, NULL},
};

const struct screen_ops screen_deficiency = {
    .title = "Deficiencies",
    .private_size = sizeof(defs_t),
    .hints = defs_hints,
    .open = defs_open,
    .close = defs_close,
    .draw = defs_draw,
    .handle = defs_handle,
    .reload = defs_reload,
    .forget = defs_forget,
};
