/* screen_users.c - the staff accounts, read-only: name, role, status,
 * last sign-on, failed attempts and the keys each holds. Enter shows one
 * account in full. Holds a copy of the list from users_list (core checks
 * ACT_USER_MANAGE), dropped on close and on idle lock. */
#include "ui/screen_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/users.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

typedef struct users {
	ui_t *ui;
	user_info_t *rows;
	int n, cap;
	int incomplete; /* ran out of memory while reading */
	ui_list_t list;
} users_t;

static int users_count(void *arg)
{
	return ((users_t *)arg)->n;
}

static const char *status_of(const user_info_t *u)
{
	return u->damaged ? "DAMAGED" : u->disabled ? "disabled" : u->locked ? "LOCKED" : "active";
}

static void keys_of(const user_info_t *u, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int d = 0; d < DOMAIN_COUNT; d++) {
		int n;
		if (!(u->domains & DOMAIN_BIT(d)))
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? "," : "",
		             crypto_domain_name((domain_t)d));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	if (!used)
		snprintf(buf, size, "none");
	/* Keys the role needs that a holder has yet to grant: "+clin?". */
	used = strlen(buf);
	for (int d = 0; d < DOMAIN_COUNT; d++) {
		int n;
		if (!(u->missing & DOMAIN_BIT(d)))
			continue;
		n = snprintf(buf + used, size - used, " +%s?", crypto_domain_name((domain_t)d));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

/* Column layout shared by the heading and the rows. */
enum { C_NAME = 1, C_ROLE = 16, C_STATUS = 27, C_LAST = 37, C_FAIL = 59, C_KEYS = 65 };

static void users_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	users_t *us = arg;
	const user_info_t *u = &us->rows[i];
	char when[40], fails[16], keys[48];

	draw_time(when, sizeof when, u->last_login, ui_config(us->ui)->date_format, "never");
	snprintf(fails, sizeof fails, "%d", u->failed_count);
	keys_of(u, keys, sizeof keys);
	draw_text(w, y, x + C_NAME, C_ROLE - C_NAME - 1, u->name, 0);
	draw_text(w, y, x + C_ROLE, C_STATUS - C_ROLE - 1, u->role, 0);
	if ((u->locked || u->disabled) && !selected)
		wattron(w, theme_attr(TH_WARN));
	draw_text(w, y, x + C_STATUS, C_LAST - C_STATUS - 1, status_of(u), 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
	draw_text(w, y, x + C_LAST, C_FAIL - C_LAST - 1, when, 0);
	if (u->failed_count > 0 && !selected)
		wattron(w, theme_attr(TH_WARN));
	draw_text(w, y, x + C_FAIL, C_KEYS - C_FAIL - 1, fails, 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
	draw_text(w, y, x + C_KEYS, width - C_KEYS, keys, 0);
}

static int take_user(const user_info_t *u, void *arg)
{
	users_t *us = arg;
	if (us->n == us->cap) {
		int cap = us->cap ? us->cap * 2 : 16;
		user_info_t *p = realloc(us->rows, (size_t)cap * sizeof *p);
		if (!p) {
			us->incomplete = 1; /* stop; the screen says so */
			return 1;
		}
		us->rows = p;
		us->cap = cap;
	}
	us->rows[us->n++] = *u;
	return 0;
}

static void users_forget(ui_t *ui, void *priv)
{
	users_t *us = priv;
	(void)ui;
	if (us->rows)
		explicit_bzero(us->rows, (size_t)us->cap * sizeof *us->rows);
	free(us->rows);
	us->rows = NULL;
	us->n = us->cap = 0;
	us->incomplete = 0;
}

static status_t users_reload(ui_t *ui, void *priv, msg_t *m)
{
	users_t *us = priv;
	status_t ret;
	users_forget(ui, priv);
	ret = users_list(ui_session(ui), take_user, us, m);
	list_clamp(&us->list);
	return ret;
}

static status_t users_open(ui_t *ui, void *priv, msg_t *m)
{
	users_t *us = priv;
	status_t ret;
	us->ui = ui;
	us->list.count = users_count;
	us->list.draw_row = users_row;
	us->list.arg = us;
	us->list.empty = "No users.";
	if ((ret = users_reload(ui, priv, m)) != STATUS_OK)
		users_forget(ui, priv);
	return ret;
}

static void users_close(ui_t *ui, void *priv)
{
	users_forget(ui, priv);
}

static void users_draw(ui_t *ui, void *priv, WINDOW *w)
{
	users_t *us = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char pos[48], foot[96];
	(void)ui;
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 0, C_NAME, "Name");
	mvwaddstr(w, 0, C_ROLE, "Role");
	mvwaddstr(w, 0, C_STATUS, "Status");
	mvwaddstr(w, 0, C_LAST, "Last sign-on");
	mvwaddstr(w, 0, C_FAIL, "Fails");
	mvwaddstr(w, 0, C_KEYS, "Keys");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&us->list, w, 1, 0, H - 2, W);
	list_position(&us->list, pos, sizeof pos);
	snprintf(foot, sizeof foot, "%s%s", pos,
	         us->incomplete ? " (incomplete: out of memory reading the list)" : "");
	draw_text(w, H - 1, 1, W - 2, foot, 0);
}

static unsigned users_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	users_t *us = priv;
	unsigned r = list_handle(&us->list, ev->action);
	const user_info_t *u;
	char text[640], when[40], created[40], from[80], keys[48], name[80], role[32];
	if (r != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_SELECT:
		if (us->n == 0)
			return UI_HANDLED;
		u = &us->rows[us->list.cur];
		draw_time(when, sizeof when, u->last_login, ui_config(ui)->date_format, "never");
		draw_time(created, sizeof created, u->created, ui_config(ui)->date_format, "?");
		draw_clean(from, sizeof from, u->last_from[0] ? u->last_from : "-");
		keys_of(u, keys, sizeof keys);
		draw_clean(name, sizeof name, u->name);
		draw_clean(role, sizeof role, u->role);
		snprintf(text, sizeof text,
		         "User:          %s\nRole:          %s\nStatus:        %s\n"
		         "Last sign-on:  %s\nFrom:          %s\nFailed tries:  %d\n"
		         "Keys held:     %s\nCreated:       %s",
		         name, role, status_of(u), when, from, u->failed_count, keys, created);
		ui_notice(ui, text);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint users_hints[] = {
    {KA_SELECT, "details"}, {KA_RELOAD, "reload"}, {KA_BACK, "back"},
    {KA_HELP, "help"},      {KA_NONE, NULL},
};

const struct screen_ops screen_users = {
    .title = "Users",
    .private_size = sizeof(users_t),
    .hints = users_hints,
    .open = users_open,
    .close = users_close,
    .draw = users_draw,
    .handle = users_handle,
    .reload = users_reload,
    .forget = users_forget,
};
