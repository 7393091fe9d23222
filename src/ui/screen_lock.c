/* screen_lock.c - the idle-lock screen. The loop has already had every
 * screen drop what it showed and core has wiped the session's keys; this
 * screen shows nothing but whose session it is, and takes that user's
 * password (guarded memory, wiped after the check) to unlock, or F2 to
 * sign off so someone else can sign on. */
#include "ui/screen_lock.h"

#include <stdio.h>
#include <string.h>

#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_field.h"

#define PASSWORD_CAP 1100

typedef struct lockscr {
	ui_field_t pw;
} lockscr_t;

static status_t lock_open(ui_t *ui, void *priv, msg_t *m)
{
	lockscr_t *l = priv;
	(void)ui;
	return tfield_init(&l->pw, PASSWORD_CAP, 1, m);
}

static void lock_close(ui_t *ui, void *priv)
{
	lockscr_t *l = priv;
	(void)ui;
	tfield_free(&l->pw);
}

static void lock_forget(ui_t *ui, void *priv)
{
	lockscr_t *l = priv;
	(void)ui;
	tfield_clear(&l->pw);
}

static int lock_typing(const void *priv)
{
	(void)priv;
	return 1;
}

struct wrap_at {
	WINDOW *w;
	int y;
};

static void center_line(const char *line, int n, void *arg)
{
	struct wrap_at *a = arg;
	draw_center(a->w, a->y + n, getmaxx(a->w), line);
}

static void lock_draw(ui_t *ui, void *priv, WINDOW *w)
{
	lockscr_t *l = priv;
	int W = getmaxx(w), H = getmaxy(w), y = H / 2 - 4, n;
	char text[160], key[16];
	struct wrap_at at = {w, y};

	keymap_keys(ui_keymap(ui), KA_SWITCH_USER, key, sizeof key);
	key[strcspn(key, " ")] = '\0';
	snprintf(text, sizeof text, "Screen locked for %s - enter your password to continue",
	         session_user_name(ui_session(ui)));
	wattrset(w, theme_attr(TH_HEADING));
	n = draw_wrap(text, W - 4, center_line, &at);
	wattrset(w, theme_attr(TH_NORMAL));
	snprintf(text, sizeof text, "(%s: sign on as a different user)",
	         key[0] ? key : "switch_user");
	draw_center(w, y + n, W, text);
	mvwaddstr(w, y + n + 3, (W - 48) / 2, "Password:");
	tfield_draw(ui, w, y + n + 3, (W - 48) / 2 + 11, 36, &l->pw, 1);
}

static unsigned unlock(ui_t *ui, lockscr_t *l)
{
	msg_t m;
	status_t st;
	if (!tfield_text(&l->pw)[0]) {
		ui_message(ui, UI_MSG_ERROR, "Enter your password to continue.");
		return UI_REDRAW;
	}
	ui_busy(ui, "Checking your password...");
	st = session_unlock(ui_session(ui), tfield_text(&l->pw), &m);
	tfield_clear(&l->pw);
	switch (st) {
	case STATUS_OK:
		ui_message(ui, UI_MSG_OK, "Welcome back, %s.", session_user_name(ui_session(ui)));
		return UI_UNLOCKED | UI_REDRAW;
	case STATUS_ACCOUNT_LOCKED:
	case STATUS_ACCOUNT_DISABLED:
		/* Nothing more can be done here: back to the sign-on screen. */
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		return UI_SIGNOFF;
	case STATUS_AUTH:
		ui_message(ui, UI_MSG_ERROR, "Wrong password; try again.");
		return UI_REDRAW;
	default:
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		return UI_REDRAW;
	}
}

static unsigned lock_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	lockscr_t *l = priv;
	unsigned r = tfield_handle(ui, &l->pw, ev);
	if (r != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		return unlock(ui, l);
	case KA_SWITCH_USER:
		ui_message(ui, UI_MSG_INFO, "%s was signed off.",
		           session_user_name(ui_session(ui)));
		return UI_SIGNOFF;
	default:
		/* Esc and the rest: there is nowhere to go from here. */
		return UI_HANDLED;
	}
}

static const struct screen_hint lock_hints[] = {
    {KA_SELECT, "unlock"},
    {KA_SWITCH_USER, "sign on as someone else"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_lock = {
    .title = "Locked",
    .private_size = sizeof(lockscr_t),
    .hints = lock_hints,
    .open = lock_open,
    .close = lock_close,
    .draw = lock_draw,
    .handle = lock_handle,
    .forget = lock_forget,
    .typing = lock_typing,
};
