/* screen_welcome.c - the banner after a sign-on (VistA style): when and
 * from where this user last signed on, and how many failed attempts there
 * were since, so that someone guessing at an account is noticed by its
 * owner; a clinician also sees "You have N deficiencies" and the
 * reminders HIM sent (marked seen once shown). Any key goes on to the main
 * menu. Holds the counts and the reminded deficiency ids, no PHI. */
#include "ui/screen_welcome.h"

#include <stdio.h>
#include <string.h>

#include "core/deficiency.h"
#include "core/perm.h"
#include "ui/draw.h"
#include "ui/screen_menu.h"
#include "ui/theme.h"

/* What a clinician is told at sign-on about their chart deficiencies
 * (core/deficiency.h) and HIM's reminders waiting for them. */
typedef struct welcome {
	int ndef, ndel, nrem;
	char ids[120];
	char err[200];
} welcome_t;

static status_t welcome_open(ui_t *ui, void *priv, msg_t *m)
{
	welcome_t *wl = priv;
	session_t *s = ui_session(ui);
	msg_t why;
	(void)m;
	/* Trouble here never keeps anyone from signing on: it is shown. */
	if (deficiency_count_mine(s, &wl->ndef, &wl->ndel, &why) != STATUS_OK)
		snprintf(wl->err, sizeof wl->err, "Deficiencies: %.180s", why.text);
	else if (!session_readonly(s) &&
		 deficiency_reminders_take(s, &wl->nrem, wl->ids, sizeof wl->ids, &why) !=
		     STATUS_OK)
		snprintf(wl->err, sizeof wl->err, "Reminders: %.180s", why.text);
	return STATUS_OK;
}

struct wrap_at {
	WINDOW *w;
	int y;
};

static void center_line(const char *text, int n, void *arg)
{
	struct wrap_at *a = arg;
	draw_center(a->w, a->y + n, getmaxx(a->w), text);
}

static void welcome_draw(ui_t *ui, void *priv, WINDOW *w)
{
	const login_info_t *li = ui_login_info(ui);
	session_t *s = ui_session(ui);
	int W = getmaxx(w), y = 3;
	char line[256], when[40], from[80];
	const welcome_t *wl = priv;

	wattrset(w, theme_attr(TH_HEADING));
	snprintf(line, sizeof line, "Welcome, %s.", session_user_name(s));
	draw_center(w, y, W, line);
	wattrset(w, theme_attr(TH_NORMAL));
	snprintf(line, sizeof line, "Signed on as %s: %s", perm_role_name(session_role(s)),
	         perm_role_desc(session_role(s)));
	{
		/* Wrapped on a narrow terminal (two lines at most at 60). */
		struct wrap_at at = {w, y + 1};
		draw_wrap(line, W - 2, center_line, &at);
	}

	if (!li->last_login[0]) {
		snprintf(line, sizeof line, "This is your first sign-on.");
	} else {
		draw_time(when, sizeof when, li->last_login, ui_config(ui), "");
		draw_clean(from, sizeof from,
		           li->last_from[0] ? li->last_from : "an unknown place");
		snprintf(line, sizeof line, "Last sign-on %s from %s", when, from);
	}
	{
		struct wrap_at at = {w, y + 4};
		y += draw_wrap(line, W - 2, center_line, &at) - 1;
	}
	if (li->failures_since > 0)
		snprintf(line, sizeof line, "%d failed sign-on attempt%s %s.", li->failures_since,
		         li->failures_since == 1 ? "" : "s",
		         li->last_login[0] ? "since then" : "before this one");
	else
		snprintf(line, sizeof line, "No failed sign-on attempts %s.",
		         li->last_login[0] ? "since then" : "before this one");
	draw_center(w, y + 5, W, line);
	if (li->failures_since > 0) {
		wattrset(w, theme_attr(TH_ALERT));
		snprintf(line, sizeof line,
		         " WARNING: %d failed sign-on attempt%s on your account. ",
		         li->failures_since, li->failures_since == 1 ? "" : "s");
		draw_center(w, y + 7, W, line);
		wattrset(w, theme_attr(TH_WARN));
		draw_center(w, y + 8, W,
		            "If that was not you, tell your administrator or privacy officer.");
		wattrset(w, theme_attr(TH_NORMAL));
	}
	if (session_readonly(s)) {
		wattrset(w, theme_attr(TH_ALERT));
		snprintf(line, sizeof line, " READ-ONLY: %s. Nothing can be saved. ",
		         session_readonly(s));
		draw_center(w, y + 10, W, line);
		wattrset(w, theme_attr(TH_WARN));
		draw_center(w, y + 11, W,
		            session_unaudited(s)
		                ? "This access could NOT be audited: there is nowhere to record it."
		                : "Your access is recorded and joins the audit trail later.");
		wattrset(w, theme_attr(TH_NORMAL));
		draw_center(w, y + 13, W, "Press any key to continue.");
		return;
	}
	if (wl->ndef > 0) {
		char del[40] = "";
		if (wl->ndel)
			snprintf(del, sizeof del, ", %d delinquent", wl->ndel);
		wattrset(w, theme_attr(wl->ndel ? TH_ALERT : TH_WARN));
		snprintf(line, sizeof line, " You have %d deficienc%s%s (main menu: Deficiencies). ",
		         wl->ndef, wl->ndef == 1 ? "y" : "ies", del);
		draw_center(w, y + 9, W, line);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	if (wl->nrem > 0) {
		char ids[120];
		draw_clean(ids, sizeof ids, wl->ids);
		wattrset(w, theme_attr(TH_WARN));
		snprintf(line, sizeof line, "HIM reminded you of: %s", ids);
		draw_center(w, y + 10, W, line);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	if (wl->err[0]) {
		char err[200];
		draw_clean(err, sizeof err, wl->err);
		wattrset(w, theme_attr(TH_WARN));
		draw_center(w, y + 13, W, err);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	draw_center(w, y + 11, W, "Press any key to continue.");
}

static unsigned welcome_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	(void)priv;
	(void)ev;
	ui_replace(ui, &screen_menu);
	return UI_REDRAW;
}

const struct screen_ops screen_welcome = {
    .title = "Welcome",
    .private_size = sizeof(welcome_t),
    .open = welcome_open,
    .draw = welcome_draw,
    .handle = welcome_handle,
};
