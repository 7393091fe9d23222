/* screen_signon.c - the sign-on screen: the clinic's name, the user and
 * password fields, and the reason when a sign-on is refused. Owns what is
 * typed (the password in guarded memory) until it goes to session_login,
 * and wipes it right after. */
#include "ui/screen_signon.h"

#include <stdio.h>

#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_field.h"

#define NAME_CAP     65   /* log-in names are at most 64 bytes */
#define PASSWORD_CAP 1100 /* more than any accepted password, so core can say "too long" */

typedef struct signon {
	ui_field_t user, pw;
	int focus; /* 0 user, 1 password */
} signon_t;

static status_t signon_open(ui_t *ui, void *priv, msg_t *m)
{
	signon_t *so = priv;
	status_t ret;
	(void)ui;
	if ((ret = tfield_init(&so->user, NAME_CAP, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = tfield_init(&so->pw, PASSWORD_CAP, 1, m)) != STATUS_OK)
		tfield_free(&so->user);
	return ret;
}

static void signon_close(ui_t *ui, void *priv)
{
	signon_t *so = priv;
	(void)ui;
	tfield_free(&so->user);
	tfield_free(&so->pw);
}

static void signon_forget(ui_t *ui, void *priv)
{
	signon_t *so = priv;
	(void)ui;
	tfield_clear(&so->user);
	tfield_clear(&so->pw);
	so->focus = 0;
}

static int signon_typing(const void *priv)
{
	(void)priv;
	return 1;
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

static void signon_draw(ui_t *ui, void *priv, WINDOW *w)
{
	signon_t *so = priv;
	int W = getmaxx(w), H = getmaxy(w);
	int y = H > 16 ? (H - 16) / 2 : 0, x = (W - 50) / 2;

	wattrset(w, theme_attr(TH_HEADING));
	draw_center(w, y + 1, W, clinic_name(ui_clinic(ui)));
	wattrset(w, theme_attr(TH_NORMAL));
	draw_center(w, y + 2, W, "Chartroom clinic records");
	{
		/* Two lines at 80 columns, three on a narrow terminal. */
		struct wrap_at at = {w, y + 4};
		draw_wrap("Authorized use only. Every sign-on and every record you open is "
		          "recorded in the audit trail.",
		          W > 68 ? 64 : W - 2, center_line, &at);
	}

	mvwaddstr(w, y + 8, x, "User:");
	tfield_draw(ui, w, y + 8, x + 11, 36, &so->user, so->focus == 0);
	mvwaddstr(w, y + 10, x, "Password:");
	tfield_draw(ui, w, y + 10, x + 11, 36, &so->pw, so->focus == 1);
}

static unsigned submit(ui_t *ui, signon_t *so)
{
	session_t *s = NULL;
	login_info_t info;
	msg_t m;
	status_t st;

	if (!tfield_text(&so->user)[0]) {
		ui_message(ui, UI_MSG_ERROR, "Enter your user name.");
		so->focus = 0;
		return UI_REDRAW;
	}
	if (!tfield_text(&so->pw)[0]) {
		ui_message(ui, UI_MSG_ERROR, "Enter your password.");
		so->focus = 1;
		return UI_REDRAW;
	}
	ui_busy(ui, "Checking your password...");
	st = session_login(ui_clinic(ui), tfield_text(&so->user), tfield_text(&so->pw), &s, &info,
	                   &m);
	tfield_clear(&so->pw); /* not needed a moment longer */
	if (st != STATUS_OK) {
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		so->focus = 1;
		return UI_REDRAW;
	}
	tfield_clear(&so->user);
	so->focus = 0;
	ui_message(ui, UI_MSG_INFO, "%s", "");
	ui_signed_on(ui, s, &info);
	return UI_REDRAW;
}

static unsigned signon_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	signon_t *so = priv;
	unsigned r = tfield_handle(ui, so->focus ? &so->pw : &so->user, ev);
	if (r != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_NEXT_FIELD:
	case KA_PREV_FIELD:
	case KA_UP:
	case KA_DOWN:
		so->focus = !so->focus;
		return UI_REDRAW;
	case KA_SELECT:
		if (so->focus == 0 && !tfield_text(&so->pw)[0] && tfield_text(&so->user)[0]) {
			so->focus = 1; /* Enter after the name goes on to the password */
			return UI_REDRAW;
		}
		return submit(ui, so);
	case KA_BACK:
		ui_ask_quit(ui);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint signon_hints[] = {
    {KA_SELECT, "sign on"}, {KA_NEXT_FIELD, "next field"}, {KA_BACK, "quit"}, {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_signon = {
    .title = "Sign on",
    .private_size = sizeof(signon_t),
    .flags = SCREEN_NO_SESSION,
    .hints = signon_hints,
    .open = signon_open,
    .close = signon_close,
    .draw = signon_draw,
    .handle = signon_handle,
    .forget = signon_forget,
    .typing = signon_typing,
};
