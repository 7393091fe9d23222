/* screen_checkin.c - the front desk checks a patient in: a small form of
 * the visit type (one of the configured [clinical] encounter_types), the
 * provider (a user name; core checks the user is a provider), the location
 * and the reason for visit (sealed by core to the clinical key: the front
 * desk can write it but never read it back). Core's encounter_checkin does
 * the work and the checks. Holds the banner and the typed values; both
 * are wiped on close and on idle lock. */
#include "ui/screen_checkin.h"

#include <stdio.h>
#include <string.h>

#include "core/clinical.h"
#include "ui/draw.h"
#include "ui/screen_chart.h"
#include "ui/theme.h"
#include "ui/widget_keys.h"
#include "ui/widget_form.h"

#define TYPES_MAX        24
#define DEFAULT_LOCATION "Main clinic"

enum { CI_TYPE, CI_PROVIDER, CI_LOCATION, CI_REASON, CI_COUNT };

typedef struct checkin {
	ui_banner_t banner;
	char type_buf[TYPES_MAX][48];
	const char *types[TYPES_MAX];
	int ntypes;
	ui_form_item_t items[CI_COUNT];
	ui_form_t form;
} checkin_t;

static void checkin_defaults(checkin_t *ci)
{
	form_clear(&ci->form, 1);
	form_set(&ci->form, CI_LOCATION, DEFAULT_LOCATION);
}

static status_t checkin_open(ui_t *ui, void *priv, msg_t *m)
{
	checkin_t *ci = priv;
	chart_arg_t a;
	status_t ret;
	if (!chart_arg_get(ui, &a))
		return msg_fail(m, STATUS_INVALID, "No patient to check in.");
	ci->banner = a.banner;
	explicit_bzero(&a, sizeof a);
	while (ci->ntypes < TYPES_MAX &&
	       encounter_type(ui_config(ui), ci->ntypes, ci->type_buf[ci->ntypes],
	                      sizeof ci->type_buf[0])) {
		ci->types[ci->ntypes] = ci->type_buf[ci->ntypes];
		ci->ntypes++;
	}
	if (ci->ntypes == 0) {
		banner_clear(&ci->banner);
		return msg_fail(m, STATUS_CONFIG,
		                "No encounter types are configured ([clinical] encounter_types).");
	}
	form_choice_item(&ci->items[CI_TYPE], "Visit type", ci->types, ci->ntypes, 0);
	ci->items[CI_TYPE].required = 1;
	if ((ret = form_text_item(&ci->items[CI_PROVIDER], "Provider (user name)", 72, 1, m)) !=
	        STATUS_OK ||
	    (ret = form_text_item(&ci->items[CI_LOCATION], "Location", 72, 1, m)) != STATUS_OK ||
	    (ret = form_text_item(&ci->items[CI_REASON], "Reason for visit", CLIN_TEXT_MAX, 0,
	                          m)) != STATUS_OK) {
		for (int i = CI_PROVIDER; i < CI_COUNT; i++)
			tfield_free(&ci->items[i].text);
		banner_clear(&ci->banner);
		return ret;
	}
	ci->form.items = ci->items;
	ci->form.n = CI_COUNT;
	ci->form.label_w = 21;
	checkin_defaults(ci);
	return STATUS_OK;
}

static void checkin_forget(ui_t *ui, void *priv)
{
	checkin_t *ci = priv;
	(void)ui;
	banner_clear(&ci->banner);
	checkin_defaults(ci);
}

static void checkin_close(ui_t *ui, void *priv)
{
	checkin_t *ci = priv;
	checkin_forget(ui, priv);
	form_free(&ci->form);
}

/* After an unlock: the banner again (core audits the chart open). */
static status_t checkin_reload(ui_t *ui, void *priv, msg_t *m)
{
	checkin_t *ci = priv;
	return ci->banner.loaded ? STATUS_OK : banner_load(ui, &ci->banner, m);
}

static int checkin_typing(const void *priv)
{
	(void)priv;
	return 1;
}

static void checkin_draw(ui_t *ui, void *priv, WINDOW *w)
{
	checkin_t *ci = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char foot[200];
	banner_draw(ui, w, 0, &ci->banner);
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, BANNER_LINES + 1, 1, W - 2, "Check in: a new encounter, now", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	form_draw(ui, &ci->form, w, BANNER_LINES + 3, 1, H - BANNER_LINES - 5, W - 2);
	foot[0] = '\0';
	keys_add(ui, foot, sizeof foot, KA_SAVE, "check in (or Enter on the last field)");
	keys_add(ui, foot, sizeof foot, KA_RIGHT, "next visit type");
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, H - 1, 1, W - 2, foot, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static unsigned submit(ui_t *ui, checkin_t *ci)
{
	msg_t m;
	int64_t erow = 0;
	status_t st;
	ui_busy(ui, "Checking in...");
	st = encounter_checkin(ui_session(ui), ci->banner.id,
	                       ci->types[form_choice(&ci->form, CI_TYPE)],
	                       form_text(&ci->form, CI_PROVIDER), form_text(&ci->form, CI_LOCATION),
	                       form_text(&ci->form, CI_REASON), &erow, &m);
	if (st != STATUS_OK) {
		/* Point at the field core's message is about. */
		if (strstr(m.text, "rovider"))
			form_focus_bad(&ci->form, CI_PROVIDER);
		else if (strstr(m.text, "ocation"))
			form_focus_bad(&ci->form, CI_LOCATION);
		else if (strstr(m.text, "eason"))
			form_focus_bad(&ci->form, CI_REASON);
		keys_tell(ui, UI_MSG_ERROR, m.text);
		return UI_REDRAW;
	}
	(void)erow;
	ui_message(ui, UI_MSG_OK, "%s", m.text);
	return UI_BACK | UI_RELOAD;
}

static unsigned checkin_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	checkin_t *ci = priv;
	unsigned r;
	if (ev->action == KA_SAVE)
		return submit(ui, ci);
	if ((r = form_handle(ui, &ci->form, ev)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		return submit(ui, ci);
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO, "Not checked in.");
		return UI_BACK;
	default:
		return UI_HANDLED;
	}
}

static const struct screen_hint checkin_hints[] = {
    {KA_SAVE, "check in"}, {KA_NEXT_FIELD, "next field"}, {KA_BACK, "cancel"}, {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_checkin = {
    .title = "Check in",
    .private_size = sizeof(checkin_t),
    .hints = checkin_hints,
    .open = checkin_open,
    .close = checkin_close,
    .draw = checkin_draw,
    .handle = checkin_handle,
    .reload = checkin_reload,
    .forget = checkin_forget,
    .typing = checkin_typing,
};
