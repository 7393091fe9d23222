/* screen_users_password.c - an administrator sets a new password for
 * another user, typed twice and never shown: a reset (users_passwd) or, for
 * a disabled account, enabling it again, which needs one because disabling
 * removed the user's keys (users_enable). Core checks user_manage and the
 * password policy and audits the change; its refusal is shown in full.
 * Owns the two typed passwords, in guarded memory, wiped after each
 * attempt, on close and on idle lock. */
#include "ui/screen_users.h"

#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/users.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_field.h"

#define PASSWORD_CAP 1100

typedef struct pw_arg {
	char name[72];
	int enable;
} pw_arg_t;

typedef struct pw_screen {
	pw_arg_t who;
	ui_field_t pw, again;
	int focus;      /* 0 the password, 1 the repeat */
	char note[600]; /* the last refusal, in full */
} pw_screen_t;

static const struct screen_ops screen_pw;

void screen_users_password(ui_t *ui, const char *name, int enable)
{
	pw_arg_t a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	a.enable = enable != 0;
	ui_open_arg(ui, &screen_pw, &a, sizeof a);
}

static status_t pw_open(ui_t *ui, void *priv, msg_t *m)
{
	pw_screen_t *p = priv;
	size_t size = 0;
	const void *arg = ui_arg(ui, &size);
	status_t ret;
	if (!arg || size != sizeof p->who)
		return msg_fail(m, STATUS_INVALID, "No user was chosen.");
	memcpy(&p->who, arg, sizeof p->who);
	if ((ret = tfield_init(&p->pw, PASSWORD_CAP, 1, m)) != STATUS_OK)
		return ret;
	if ((ret = tfield_init(&p->again, PASSWORD_CAP, 1, m)) != STATUS_OK)
		tfield_free(&p->pw);
	return ret;
}

static void pw_forget(ui_t *ui, void *priv)
{
	pw_screen_t *p = priv;
	(void)ui;
	tfield_clear(&p->pw);
	tfield_clear(&p->again);
	explicit_bzero(p->note, sizeof p->note);
	p->focus = 0;
}

static void pw_close(ui_t *ui, void *priv)
{
	pw_screen_t *p = priv;
	pw_forget(ui, priv);
	tfield_free(&p->pw);
	tfield_free(&p->again);
}

static int pw_typing(const void *priv)
{
	(void)priv;
	return 1;
}

struct wrap_at {
	WINDOW *w;
	int y, x, width, max;
};

static void wrap_line(const char *line, int n, void *arg)
{
	struct wrap_at *p = arg;
	if (n < p->max)
		draw_text(p->w, p->y + n, p->x, p->width, line, 0);
}

static void pw_draw(ui_t *ui, void *priv, WINDOW *w)
{
	pw_screen_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w), x = W > 64 ? (W - 64) / 2 : 0;
	char line[400];
	struct wrap_at at = {w, 9, x, W - 2 * x, 0};

	wattrset(w, theme_attr(TH_HEADING));
	snprintf(line, sizeof line,
	         p->who.enable ? "Enable %s: a new password" : "New password for %s", p->who.name);
	draw_center(w, 1, W, line);
	wattrset(w, theme_attr(TH_NORMAL));
	snprintf(line, sizeof line,
	         p->who.enable ? "Disabling removed their keys: they sign on with this password, "
	                         "and get their keys back from it."
	                       : "Their current password stops working. Give them this one in "
	                         "person; they can change it from the main menu.");
	at.y = 3;
	at.max = 2;
	draw_wrap(line, at.width, wrap_line, &at);
	mvwaddstr(w, 6, x, "New password:");
	tfield_draw(ui, w, 6, x + 24, 36, &p->pw, p->focus == 0);
	mvwaddstr(w, 8, x, "Repeat the password:");
	tfield_draw(ui, w, 8, x + 24, 36, &p->again, p->focus == 1);
	at.y = 10;
	at.max = H - 10 > 0 ? H - 10 : 0;
	if (p->note[0]) {
		wattrset(w, theme_attr(TH_ERROR));
		draw_wrap(p->note, at.width, wrap_line, &at);
		wattrset(w, theme_attr(TH_NORMAL));
	} else {
		snprintf(line, sizeof line,
		         "At least %d characters; a few unrelated words make a good one. Common "
		         "passwords and the user name are refused.",
		         ui_config(ui)->password_min_length);
		draw_wrap(line, at.width, wrap_line, &at);
	}
}

static unsigned refuse(ui_t *ui, pw_screen_t *p, const msg_t *m)
{
	unsigned r = screen_users_refused(ui, m);
	draw_clean(p->note, sizeof p->note, m->text);
	return r;
}

static unsigned submit(ui_t *ui, pw_screen_t *p)
{
	size_t n1 = strlen(tfield_text(&p->pw)), n2 = strlen(tfield_text(&p->again));
	msg_t m;
	status_t st;

	msg_clear(&m);
	if (!n1) {
		msg_set(&m, "Type the new password, then the same again.");
		p->focus = 0;
		return refuse(ui, p, &m);
	}
	if (n1 != n2 || crypto_memcmp(tfield_text(&p->pw), tfield_text(&p->again), n1) != 0) {
		tfield_clear(&p->pw);
		tfield_clear(&p->again);
		p->focus = 0;
		msg_set(&m, "The two passwords differ; nothing was changed. Type them again.");
		return refuse(ui, p, &m);
	}
	ui_busy(ui, p->who.enable ? "Enabling the account..." : "Setting the password...");
	st = p->who.enable ? users_enable(ui_session(ui), p->who.name, tfield_text(&p->pw), &m)
	                   : users_passwd(ui_session(ui), p->who.name, tfield_text(&p->pw), &m);
	tfield_clear(&p->pw);
	tfield_clear(&p->again);
	p->focus = 0;
	if (st != STATUS_OK)
		return refuse(ui, p, &m);
	ui_message(ui, UI_MSG_OK, "%s", m.text);
	return UI_BACK | UI_RELOAD | UI_REDRAW;
}

static unsigned pw_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	pw_screen_t *p = priv;
	unsigned r = tfield_handle(ui, p->focus == 0 ? &p->pw : &p->again, ev);
	if (r != UI_IGNORED) {
		if (r == UI_REDRAW)
			p->note[0] = '\0';
		return r;
	}
	switch (ev->action) {
	case KA_NEXT_FIELD:
	case KA_PREV_FIELD:
	case KA_DOWN:
	case KA_UP:
		p->focus = !p->focus;
		return UI_REDRAW;
	case KA_SELECT:
		/* Enter in the first field moves to the repeat. */
		if (p->focus == 0 && tfield_text(&p->pw)[0]) {
			p->focus = 1;
			return UI_REDRAW;
		}
		return submit(ui, p);
	case KA_SAVE:
		return submit(ui, p);
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO,
		           p->who.enable ? "%s was not enabled."
		                         : "The password of %s was not changed.",
		           p->who.name);
		return UI_BACK;
	default:
		return UI_HANDLED;
	}
}

static const struct screen_hint pw_hints[] = {
    {KA_SELECT, "next / set"}, {KA_NEXT_FIELD, "next field"},
    {KA_BACK, "cancel"},       {KA_HELP, "help"},
    {KA_NONE, NULL},
};

static const struct screen_ops screen_pw = {
    .title = "Users: new password",
    .private_size = sizeof(pw_screen_t),
    .hints = pw_hints,
    .open = pw_open,
    .close = pw_close,
    .draw = pw_draw,
    .handle = pw_handle,
    .forget = pw_forget,
    .typing = pw_typing,
};
