/* screen_item.c - add an allergy (substance, reaction, severity), a
 * medication (name, dose, route, frequency, start date) or a problem
 * (description, ICD-10-CM code, onset) to the chart: one small form, the
 * kind given by the chart. Core checks and records it (allergy_add,
 * medication_add, problem_add). Holds the banner and what was typed; both
 * wiped on close and on idle lock. */
#include "ui/screen_item.h"

#include <stdio.h>
#include <string.h>

#include "core/clinical.h"
#include "ui/draw.h"
#include "ui/screen_chart.h"
#include "ui/theme.h"
#include "ui/widget_keys.h"
#include "ui/widget_form.h"

#define ITEM_INPUTS 5

/* The values core accepts (clinical.h), offered as choices. */
static const char *const severities[] = {"unknown", "mild", "moderate", "severe"};
static const char *const routes[] = {"PO",   "IV",          "IM",      "SC",    "SL",
                                     "PR",   "topical",     "inhaled", "nasal", "ophthalmic",
                                     "otic", "transdermal", "other"};

typedef struct item {
	ui_banner_t banner;
	int kind; /* chart_kind_t */
	ui_form_item_t items[ITEM_INPUTS];
	ui_form_t form;
} item_t;

static const char *const title[] = {"New allergy", "New medication", "New problem"};

static status_t item_open(ui_t *ui, void *priv, msg_t *m)
{
	item_t *it = priv;
	chart_arg_t a;
	status_t ret = STATUS_OK;
	ui_form_item_t *f = it->items;
	if (!chart_arg_get(ui, &a))
		return msg_fail(m, STATUS_INVALID, "No patient.");
	it->banner = a.banner;
	it->kind = a.kind >= CHART_ALLERGY && a.kind <= CHART_PROBLEM ? a.kind : CHART_ALLERGY;
	explicit_bzero(&a, sizeof a);
	it->form.items = it->items;
	switch (it->kind) {
	case CHART_ALLERGY:
		if ((ret = form_text_item(&f[0], "Substance", CLIN_TEXT_MAX, 1, m)) == STATUS_OK)
			ret = form_text_item(&f[1], "Reaction", CLIN_TEXT_MAX, 0, m);
		form_choice_item(&f[2], "Severity", severities, 4, 0);
		it->form.n = 3;
		break;
	case CHART_MEDICATION:
		if ((ret = form_text_item(&f[0], "Medication", CLIN_TEXT_MAX, 1, m)) == STATUS_OK)
			ret = form_text_item(&f[1], "Dose", CLIN_TEXT_MAX, 0, m);
		form_choice_item(&f[2], "Route", routes, (int)(sizeof routes / sizeof routes[0]),
		                 0);
		f[2].required = 1;
		if (ret == STATUS_OK)
			ret = form_text_item(&f[3], "Frequency", 48, 1, m);
		if (ret == STATUS_OK)
			ret = form_text_item(&f[4], "Start date", 16, 0, m);
		f[4].width = 12;
		it->form.n = 5;
		break;
	default:
		if ((ret = form_text_item(&f[0], "Problem", CLIN_TEXT_MAX, 1, m)) == STATUS_OK)
			ret = form_text_item(&f[1], "ICD-10-CM code", 16, 0, m);
		f[1].width = 10;
		if (ret == STATUS_OK)
			ret = form_text_item(&f[2], "Onset date", 16, 0, m);
		f[2].width = 12;
		it->form.n = 3;
		break;
	}
	it->form.label_w = 16;
	if (ret != STATUS_OK) {
		form_free(&it->form);
		banner_clear(&it->banner);
	}
	return ret;
}

static void item_forget(ui_t *ui, void *priv)
{
	item_t *it = priv;
	(void)ui;
	banner_clear(&it->banner);
	form_clear(&it->form, 1);
}

static void item_close(ui_t *ui, void *priv)
{
	item_t *it = priv;
	item_forget(ui, priv);
	form_free(&it->form);
}

static status_t item_reload(ui_t *ui, void *priv, msg_t *m)
{
	item_t *it = priv;
	return it->banner.loaded ? STATUS_OK : banner_load(ui, &it->banner, m);
}

static int item_typing(const void *priv)
{
	(void)priv;
	return 1;
}

static void item_draw(ui_t *ui, void *priv, WINDOW *w)
{
	item_t *it = priv;
	int W = getmaxx(w), H = getmaxy(w);
	banner_draw(ui, w, 0, &it->banner);
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, BANNER_LINES + 1, 1, W - 2, title[it->kind], 0);
	wattrset(w, theme_attr(TH_NORMAL));
	form_draw(ui, &it->form, w, BANNER_LINES + 3, 1, H - BANNER_LINES - 5, W - 2);
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, H - 1, 1, W - 2,
	          it->kind == CHART_ALLERGY ? "Left/Right or Space: severity"
	          : it->kind == CHART_MEDICATION
	              ? "Left/Right or Space: route; dates as YYYY-MM-DD "
	                "or MM/DD/YYYY"
	              : "The code is optional (E11.9, S72.001A); the "
	                "onset a date",
	          0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static unsigned submit(ui_t *ui, item_t *it)
{
	session_t *s = ui_session(ui);
	const ui_form_t *f = &it->form;
	int64_t row = 0;
	msg_t m;
	status_t st;
	msg_clear(&m);
	ui_busy(ui, "Saving...");
	switch (it->kind) {
	case CHART_ALLERGY:
		st = allergy_add(s, it->banner.id, form_text(f, 0), form_text(f, 1),
		                 severities[form_choice(f, 2)], &row, &m);
		break;
	case CHART_MEDICATION:
		st = medication_add(s, it->banner.id, form_text(f, 0), form_text(f, 1),
		                    routes[form_choice(f, 2)], form_text(f, 3), form_text(f, 4),
		                    &row, &m);
		break;
	default:
		st = problem_add(s, it->banner.id, form_text(f, 1), form_text(f, 0),
		                 form_text(f, 2), &row, &m);
		break;
	}
	if (st != STATUS_OK) {
		keys_tell(ui, UI_MSG_ERROR, m.text);
		return UI_REDRAW;
	}
	if (m.text[0])
		ui_message(ui, UI_MSG_OK, "%s", m.text);
	else
		ui_message(ui, UI_MSG_OK, "%s recorded.",
		           it->kind == CHART_ALLERGY      ? "Allergy"
		           : it->kind == CHART_MEDICATION ? "Medication"
		                                          : "Problem");
	return UI_BACK | UI_RELOAD;
}

static unsigned item_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	item_t *it = priv;
	unsigned r;
	if (ev->action == KA_SAVE)
		return submit(ui, it);
	if ((r = form_handle(ui, &it->form, ev)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		return submit(ui, it);
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO, "Nothing added.");
		return UI_BACK;
	default:
		return UI_HANDLED;
	}
}

static const struct screen_hint item_hints[] = {
    {KA_SAVE, "save"}, {KA_NEXT_FIELD, "next field"}, {KA_BACK, "cancel"}, {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_item = {
    .title = "Add to the chart",
    .private_size = sizeof(item_t),
    .hints = item_hints,
    .open = item_open,
    .close = item_close,
    .draw = item_draw,
    .handle = item_handle,
    .reload = item_reload,
    .forget = item_forget,
    .typing = item_typing,
};
