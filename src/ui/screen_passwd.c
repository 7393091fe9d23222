/* screen_passwd.c - the signed-on user changes their own password: the
 * current one (proved again, NIST SP 800-63B), then the new one twice,
 * checked by core against the policy (users_passwd_self), which re-wraps
 * the user's keys. Owns the three typed passwords, in guarded memory,
 * wiped after the attempt, on close and on idle lock. */
#include "ui/screen_passwd.h"

#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/users.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_field.h"

#define PASSWORD_CAP 1100

typedef struct passwd {
	ui_field_t cur, pw, again;
	int focus; /* 0 current, 1 new, 2 repeat */
} passwd_t;

static ui_field_t *field(passwd_t *p, int i)
{
	return i == 0 ? &p->cur : i == 1 ? &p->pw : &p->again;
}

static status_t passwd_open(ui_t *ui, void *priv, msg_t *m)
{
	passwd_t *p = priv;
	status_t ret;
	(void)ui;
	if ((ret = tfield_init(&p->cur, PASSWORD_CAP, 1, m)) != STATUS_OK)
		return ret;
	if ((ret = tfield_init(&p->pw, PASSWORD_CAP, 1, m)) != STATUS_OK) {
		tfield_free(&p->cur);
		return ret;
	}
	if ((ret = tfield_init(&p->again, PASSWORD_CAP, 1, m)) != STATUS_OK) {
		tfield_free(&p->cur);
		tfield_free(&p->pw);
	}
	return ret;
}

static void passwd_close(ui_t *ui, void *priv)
{
	passwd_t *p = priv;
	(void)ui;
	tfield_free(&p->cur);
	tfield_free(&p->pw);
	tfield_free(&p->again);
}

static void passwd_forget(ui_t *ui, void *priv)
{
	passwd_t *p = priv;
	(void)ui;
	tfield_clear(&p->cur);
	tfield_clear(&p->pw);
	tfield_clear(&p->again);
	p->focus = 0;
}

static int passwd_typing(const void *priv)
{
	(void)priv;
	return 1;
}

static void passwd_draw(ui_t *ui, void *priv, WINDOW *w)
{
	passwd_t *p = priv;
	const config_t *cfg = ui_config(ui);
	int W = getmaxx(w), x = (W - 60) / 2;
	char line[200];

	wattrset(w, theme_attr(TH_HEADING));
	snprintf(line, sizeof line, "New password for %s", session_user_name(ui_session(ui)));
	draw_center(w, 1, W, line);
	wattrset(w, theme_attr(TH_NORMAL));
	snprintf(line, sizeof line,
	         "At least %d characters. A few unrelated words make a good one; common "
	         "passwords and your user name are refused.",
	         cfg->password_min_length);
	{
		int y = 3;
		char buf[200];
		/* Two short lines are enough; wrap by hand at the last space. */
		size_t cut = strlen(line);
		if (draw_width(line) > W - 4) {
			cut = (size_t)(W - 4);
			while (cut > 0 && line[cut] != ' ')
				cut--;
		}
		snprintf(buf, sizeof buf, "%.*s", (int)cut, line);
		draw_center(w, y, W, buf);
		if (line[cut])
			draw_center(w, y + 1, W, line + cut + 1);
	}
	mvwaddstr(w, 6, x, "Current password:");
	tfield_draw(ui, w, 6, x + 22, 36, &p->cur, p->focus == 0);
	mvwaddstr(w, 8, x, "New password:");
	tfield_draw(ui, w, 8, x + 22, 36, &p->pw, p->focus == 1);
	mvwaddstr(w, 10, x, "Repeat new password:");
	tfield_draw(ui, w, 10, x + 22, 36, &p->again, p->focus == 2);
}

static unsigned submit(ui_t *ui, passwd_t *p)
{
	session_t *s = ui_session(ui);
	msg_t m;
	status_t st;
	size_t n1 = strlen(tfield_text(&p->pw)), n2 = strlen(tfield_text(&p->again));

	if (!tfield_text(&p->cur)[0]) {
		ui_message(ui, UI_MSG_ERROR, "Type your current password.");
		p->focus = 0;
		return UI_REDRAW;
	}
	if (!n1) {
		ui_message(ui, UI_MSG_ERROR, "Type the new password.");
		p->focus = 1;
		return UI_REDRAW;
	}
	if (n1 != n2 || crypto_memcmp(tfield_text(&p->pw), tfield_text(&p->again), n1) != 0) {
		passwd_forget(ui, p);
		ui_message(ui, UI_MSG_ERROR, "The two passwords differ; nothing was changed.");
		return UI_REDRAW;
	}
	ui_busy(ui, "Changing your password...");
	st = users_passwd_self(s, tfield_text(&p->cur), tfield_text(&p->pw), &m);
	passwd_forget(ui, p);
	if (st != STATUS_OK) {
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		return UI_REDRAW;
	}
	ui_message(ui, UI_MSG_OK, "%s", m.text);
	return UI_BACK;
}

static unsigned passwd_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	passwd_t *p = priv;
	unsigned r = tfield_handle(ui, field(p, p->focus), ev);
	if (r != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_NEXT_FIELD:
	case KA_DOWN:
		p->focus = (p->focus + 1) % 3;
		return UI_REDRAW;
	case KA_PREV_FIELD:
	case KA_UP:
		p->focus = (p->focus + 2) % 3;
		return UI_REDRAW;
	case KA_SELECT:
		/* Enter in a filled field moves on to the next empty one. */
		if (p->focus < 2 && tfield_text(field(p, p->focus))[0] &&
		    !tfield_text(field(p, p->focus + 1))[0]) {
			p->focus++;
			return UI_REDRAW;
		}
		return submit(ui, p);
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO, "Password not changed.");
		return UI_BACK;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint passwd_hints[] = {
    {KA_SELECT, "change"}, {KA_NEXT_FIELD, "next field"}, {KA_BACK, "cancel"}, {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_passwd = {
    .title = "Change my password",
    .private_size = sizeof(passwd_t),
    .hints = passwd_hints,
    .open = passwd_open,
    .close = passwd_close,
    .draw = passwd_draw,
    .handle = passwd_handle,
    .forget = passwd_forget,
    .typing = passwd_typing,
};
