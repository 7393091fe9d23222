/* screen_users.c - the staff accounts: name, role, status, last sign-on,
 * failed attempts and the keys each holds; Enter shows one account in
 * full. An administrator (user_manage) adds a user, changes a role,
 * disables and enables, unlocks and sets a new password from here (the
 * forms are screens of their own, screen_users.h); what changes an
 * account asks y/n first, naming it. Core checks the permission and audits
 * every change; a role without user_manage sees the list read-only and
 * core's refusal if it tries, and on a database that cannot be written
 * (a full disk) the list is shown and every change refused up front. Holds a copy of the list from users_list,
 * the pending question and the name it is about, all dropped on close and
 * on idle lock. */
#include "ui/screen_users.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/perm.h"
#include "core/users.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

/* The question waiting for y/n, and what yes does. */
typedef enum { ASK_NONE, ASK_DISABLE, ASK_ENABLE, ASK_UNLOCK, ASK_PASSWORD } ask_t;

typedef struct users {
	ui_t *ui;
	user_info_t *rows;
	int n, cap;
	int incomplete; /* ran out of memory while reading */
	int may_manage; /* session_can(user_manage) at the last reload */
	ui_list_t list;
	ask_t ask;
	char ask_name[72]; /* the account the question is about */
	char ask_text[300];
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

	draw_time(when, sizeof when, u->last_login, ui_config(us->ui), "never");
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
	us->ask = ASK_NONE;
	explicit_bzero(us->ask_name, sizeof us->ask_name);
	explicit_bzero(us->ask_text, sizeof us->ask_text);
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
	us->may_manage = session_can(ui_session(ui), ACT_USER_MANAGE);
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
	/* Above the footer: the question waiting for its answer (two lines,
	 * for a long name), or why the keys that change accounts do nothing
	 * here. */
	if (us->ask != ASK_NONE) {
		struct wrap_at at = {w, H - 3, 1, W - 2, 2};
		list_draw(&us->list, w, 1, 0, H - 4, W);
		wattrset(w, theme_attr(TH_WARN));
		draw_wrap(us->ask_text, W - 2, wrap_line, &at);
		wattrset(w, theme_attr(TH_NORMAL));
	} else {
		list_draw(&us->list, w, 1, 0, H - 3, W);
	}
	if (us->ask == ASK_NONE && session_readonly(ui_session(ui))) {
		char line[160];
		snprintf(line, sizeof line, "Read-only: %s; no change to a user can be saved now.",
		         session_readonly(ui_session(ui)));
		draw_text(w, H - 2, 1, W - 2, line, 0);
	} else if (us->ask == ASK_NONE && !us->may_manage) {
		draw_text(w, H - 2, 1, W - 2,
		          "Read-only: your role may not add or change users (user_manage).", 0);
	}
	list_position(&us->list, pos, sizeof pos);
	snprintf(foot, sizeof foot, "%s%s", pos,
	         us->incomplete ? " (incomplete: out of memory reading the list)" : "");
	draw_text(w, H - 1, 1, W - 2, foot, 0);
}

/* ---- changes ------------------------------------------------------------ */

/* The first key of an action, for questions ("y"). */
static const char *key_of(ui_t *ui, keyact_t a, char *buf, size_t size)
{
	keymap_keys(ui_keymap(ui), a, buf, size);
	buf[strcspn(buf, " ")] = '\0';
	return buf;
}

unsigned screen_users_refused(ui_t *ui, const msg_t *m)
{
	session_t *s = ui_session(ui);
	ui_message(ui, UI_MSG_ERROR, "%s", m->text);
	/* Core locks a session whose account changed under it: the person
	 * must sign on again, so go there with the reason on show. */
	if (s && session_is_locked(s))
		return UI_SIGNOFF;
	return UI_REDRAW;
}

/* Before a change is begun (a form opened, a question asked): may this
 * session manage users now? Core answers, audits a refusal and notices an
 * account changed meanwhile; the screen decides nothing itself. Returns
 * UI_IGNORED when the change may go on, else the flags for the refusal. */
static unsigned may_change(ui_t *ui)
{
	session_t *s = ui_session(ui);
	msg_t m;
	msg_clear(&m);
	if (session_require(s, ACT_USER_MANAGE, &m) != STATUS_OK)
		return screen_users_refused(ui, &m) | UI_RELOAD;
	/* The list is a read, allowed on a database that cannot be written;
	 * say so before a form is typed into for nothing. */
	if (session_readonly(s)) {
		ui_message(ui, UI_MSG_ERROR, "Read-only: %s; no change to a user can be saved now.",
		           session_readonly(s));
		return UI_REDRAW;
	}
	return UI_IGNORED;
}

static void ask(ui_t *ui, users_t *us, ask_t what, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void ask(ui_t *ui, users_t *us, ask_t what, const char *name, const char *fmt, ...)
{
	char q[240], yes[16], no[16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof q, fmt, ap);
	va_end(ap);
	snprintf(us->ask_text, sizeof us->ask_text, "%s (%s/%s)", q,
	         key_of(ui, KA_YES, yes, sizeof yes), key_of(ui, KA_NO, no, sizeof no));
	snprintf(us->ask_name, sizeof us->ask_name, "%s", name);
	us->ask = what;
}

static unsigned answer(ui_t *ui, users_t *us, const ui_event_t *ev)
{
	session_t *s = ui_session(ui);
	ask_t what = us->ask;
	char name[sizeof us->ask_name];
	msg_t m;
	status_t st;
	if (ev->action == KA_NO || ev->action == KA_BACK) {
		us->ask = ASK_NONE;
		ui_message(ui, UI_MSG_INFO, "Nothing was changed.");
		return UI_REDRAW;
	}
	if (ev->action != KA_YES)
		return UI_HANDLED; /* the question waits for its answer */
	us->ask = ASK_NONE;
	snprintf(name, sizeof name, "%s", us->ask_name);
	msg_clear(&m);
	switch (what) {
	case ASK_DISABLE:
		ui_busy(ui, "Disabling the account...");
		st = users_disable(s, name, &m);
		break;
	case ASK_UNLOCK:
		st = users_unlock(s, name, &m);
		break;
	case ASK_ENABLE:
		screen_users_password(ui, name, 1);
		return UI_REDRAW;
	case ASK_PASSWORD:
		screen_users_password(ui, name, 0);
		return UI_REDRAW;
	default:
		return UI_REDRAW;
	}
	if (st != STATUS_OK)
		return screen_users_refused(ui, &m) | UI_RELOAD;
	ui_message(ui, UI_MSG_OK, "%s", m.text);
	return UI_RELOAD | UI_REDRAW;
}

/* The selected account, or NULL (with a message) when the list is empty. */
static const user_info_t *selected(ui_t *ui, users_t *us)
{
	if (us->n == 0) {
		ui_message(ui, UI_MSG_WARN, "There is no user to change.");
		return NULL;
	}
	return &us->rows[us->list.cur];
}

static unsigned details(ui_t *ui, users_t *us)
{
	const user_info_t *u;
	char text[640], when[40], created[40], from[80], keys[48], name[80], role[32];
	if (us->n == 0)
		return UI_HANDLED;
	u = &us->rows[us->list.cur];
	draw_time(when, sizeof when, u->last_login, ui_config(ui), "never");
	draw_time(created, sizeof created, u->created, ui_config(ui), "?");
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
}

/* An action that changes the selected account: core's word first, then
 * the question or the form. */
static unsigned change(ui_t *ui, users_t *us, keyact_t a)
{
	const user_info_t *u;
	unsigned r;
	char pw[16];
	if ((r = may_change(ui)) != UI_IGNORED)
		return r;
	if (a == KA_ADD) {
		screen_users_add(ui);
		return UI_REDRAW;
	}
	if (!(u = selected(ui, us)))
		return UI_REDRAW;
	switch (a) {
	case KA_ROLE:
		screen_users_role(ui, u->name, u->role);
		return UI_REDRAW;
	case KA_SET_STATUS:
		if (u->disabled)
			ask(ui, us, ASK_ENABLE, u->name,
			    "Enable %s? Next you set a new password for them.", u->name);
		else
			ask(ui, us, ASK_DISABLE, u->name,
			    "Disable %s? They can no longer sign on; their keys are removed.",
			    u->name);
		return UI_REDRAW;
	case KA_UNLOCK:
		if (!u->locked) {
			ui_message(ui, UI_MSG_WARN, "%s is not locked out.", u->name);
			return UI_REDRAW;
		}
		ask(ui, us, ASK_UNLOCK, u->name, "Unlock %s (%d failed sign-ons)?", u->name,
		    u->failed_count);
		return UI_REDRAW;
	case KA_NEW_PASSWORD:
		if (strcmp(u->name, session_user_name(ui_session(ui))) == 0) {
			ui_message(ui, UI_MSG_WARN,
			           "Your own password: \"Change my password\" on the main menu (it "
			           "asks for the current one).");
			return UI_REDRAW;
		}
		if (u->disabled) {
			ui_message(ui, UI_MSG_WARN,
			           "%s is disabled: %s enables them with a new password.", u->name,
			           key_of(ui, KA_SET_STATUS, pw, sizeof pw));
			return UI_REDRAW;
		}
		ask(ui, us, ASK_PASSWORD, u->name,
		    "Set a new password for %s? Their current one stops working.", u->name);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static unsigned users_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	users_t *us = priv;
	unsigned r;
	if (us->ask != ASK_NONE)
		return answer(ui, us, ev);
	if ((r = list_handle(&us->list, ev->action)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_SELECT:
		return details(ui, us);
	case KA_ADD:
	case KA_ROLE:
	case KA_SET_STATUS:
	case KA_UNLOCK:
	case KA_NEW_PASSWORD:
		return change(ui, us, ev->action);
	default:
		return UI_IGNORED;
	}
}

/* Every key of this screen is in the help (F1, ?); the line shows the
 * changes, which fit at 80 columns. */
static const struct screen_hint users_hints[] = {
    {KA_ADD, "add"},
    {KA_ROLE, "role"},
    {KA_SET_STATUS, "disable/enable"},
    {KA_UNLOCK, "unlock"},
    {KA_NEW_PASSWORD, "password"},
    {KA_SELECT, "details"},
    {KA_NONE, NULL},
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
