/* screen_users_role.c - an administrator picks a user's new role from the
 * list of roles (each with what it may do under the matrix in force),
 * confirms it (y/n, naming the user and both roles), and core changes it
 * (users_set_role: user_manage, audited; the keys the user holds follow
 * the role). Holds the user's name and role, and the pending question. */
#include "ui/screen_users.h"

#include <stdio.h>
#include <string.h>

#include "core/perm.h"
#include "core/users.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

typedef struct role_arg {
	char name[72];
	char role[24];
} role_arg_t;

typedef struct role_screen {
	ui_t *ui;
	role_arg_t who;
	ui_list_t list;
	int asking; /* the y/n question is on show */
	char ask_text[300];
} role_screen_t;

static const struct screen_ops screen_role;

void screen_users_role(ui_t *ui, const char *name, const char *role)
{
	role_arg_t a;
	memset(&a, 0, sizeof a);
	snprintf(a.name, sizeof a.name, "%s", name);
	snprintf(a.role, sizeof a.role, "%s", role);
	ui_open_arg(ui, &screen_role, &a, sizeof a);
}

static int role_count(void *arg)
{
	(void)arg;
	return ROLE_COUNT;
}

static void role_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	role_screen_t *r = arg;
	int now = strcmp(perm_role_name((role_t)i), r->who.role) == 0;
	(void)selected;
	draw_text(w, y, x + 2, 11, perm_role_name((role_t)i), 0);
	draw_text(w, y, x + 14, width - 14 - 8, perm_role_desc((role_t)i), 0);
	if (now)
		draw_text(w, y, x + width - 7, 6, "(now)", 0);
}

static status_t role_open(ui_t *ui, void *priv, msg_t *m)
{
	role_screen_t *r = priv;
	size_t size = 0;
	const void *arg = ui_arg(ui, &size);
	role_t now;
	if (!arg || size != sizeof r->who)
		return msg_fail(m, STATUS_INVALID, "No user was chosen.");
	memcpy(&r->who, arg, sizeof r->who);
	r->ui = ui;
	r->list.count = role_count;
	r->list.draw_row = role_row;
	r->list.arg = r;
	now = perm_role_from_name(r->who.role);
	r->list.cur = now == ROLE_COUNT ? 0 : (int)now;
	return STATUS_OK;
}

static void role_forget(ui_t *ui, void *priv)
{
	role_screen_t *r = priv;
	(void)ui;
	r->asking = 0;
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

static void role_draw(ui_t *ui, void *priv, WINDOW *w)
{
	role_screen_t *r = priv;
	int W = getmaxx(w), H = getmaxy(w), x = W > 76 ? (W - 76) / 2 : 0, width = W - 2 * x;
	char line[200], acts[600];
	struct wrap_at p = {w, 4 + ROLE_COUNT + 1, x + 1, width - 2, 0};

	wattrset(w, theme_attr(TH_HEADING));
	snprintf(line, sizeof line, "New role for %s (now %s)", r->who.name, r->who.role);
	draw_center(w, 1, W, line);
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&r->list, w, 3, x, ROLE_COUNT, width);
	/* What the highlighted role may do under the matrix in force. */
	perm_role_list(&ui_config(ui)->perms, (role_t)r->list.cur, acts, sizeof acts);
	snprintf(line, sizeof line, "%s may:", perm_role_name((role_t)r->list.cur));
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, p.y - 1, p.x, p.width, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	p.max = H - p.y - 2;
	draw_wrap(acts, p.width, wrap_line, &p);
	if (r->asking) {
		wattrset(w, theme_attr(TH_WARN));
		p.y = H - 2;
		p.max = 2;
		draw_wrap(r->ask_text, p.width, wrap_line, &p);
		wattrset(w, theme_attr(TH_NORMAL));
	}
}

static const char *key_of(ui_t *ui, keyact_t a, char *buf, size_t size)
{
	keymap_keys(ui_keymap(ui), a, buf, size);
	buf[strcspn(buf, " ")] = '\0';
	return buf;
}

static unsigned role_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	role_screen_t *r = priv;
	const char *want = perm_role_name((role_t)r->list.cur);
	char yes[16], no[16];
	msg_t m;
	unsigned f;
	if (r->asking) {
		if (ev->action == KA_NO || ev->action == KA_BACK) {
			r->asking = 0;
			ui_message(ui, UI_MSG_INFO, "Nothing was changed.");
			return UI_REDRAW;
		}
		if (ev->action != KA_YES)
			return UI_HANDLED;
		r->asking = 0;
		ui_busy(ui, "Changing the role...");
		msg_clear(&m);
		if (users_set_role(ui_session(ui), r->who.name, want, &m) != STATUS_OK)
			return screen_users_refused(ui, &m);
		ui_message(ui, UI_MSG_OK, "%s", m.text);
		return UI_BACK | UI_RELOAD | UI_REDRAW;
	}
	if ((f = list_handle(&r->list, ev->action)) != UI_IGNORED)
		return f;
	switch (ev->action) {
	case KA_SELECT:
		if (strcmp(want, r->who.role) == 0) {
			ui_message(ui, UI_MSG_WARN, "%s already has the role %s; choose another.",
			           r->who.name, want);
			return UI_REDRAW;
		}
		snprintf(r->ask_text, sizeof r->ask_text,
		         "Change %s's role from %s to %s? The keys they hold follow the new "
		         "role. (%s/%s)",
		         r->who.name, r->who.role, want, key_of(ui, KA_YES, yes, sizeof yes),
		         key_of(ui, KA_NO, no, sizeof no));
		r->asking = 1;
		return UI_REDRAW;
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO, "The role was not changed.");
		return UI_BACK;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint role_hints[] = {
    {KA_SELECT, "choose"},
    {KA_BACK, "cancel"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

static const struct screen_ops screen_role = {
    .title = "Users: change a role",
    .private_size = sizeof(role_screen_t),
    .hints = role_hints,
    .open = role_open,
    .draw = role_draw,
    .handle = role_handle,
    .forget = role_forget,
};
