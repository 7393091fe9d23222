/* screen_users_add.c - an administrator adds a user: the log-in name, the
 * role picked from the list of roles, and the first password typed twice
 * (never shown). The name and the password are checked as the focus
 * leaves them, with core's rules (users_name_valid, the password policy's
 * users_password_check), and again by core when the user is added
 * (users_add: user_manage, audited). Owns the typed passwords, in guarded
 * memory, wiped after each attempt, on close and on idle lock. */
#include "ui/screen_users.h"

#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "core/perm.h"
#include "core/users.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_form.h"

#define NAME_CAP     40
#define PASSWORD_CAP 1100

enum { F_NAME, F_ROLE, F_PW, F_AGAIN, F_COUNT };

typedef struct add {
	ui_form_item_t items[F_COUNT];
	ui_form_t form;
	const char *roles[ROLE_COUNT];
	char note[600]; /* the last refusal, shown in full under the form */
} add_t;

static const struct screen_ops screen_add;

void screen_users_add(ui_t *ui)
{
	ui_open(ui, &screen_add);
}

/* A refusal: on the message line and, whole, under the form. */
static void refuse(ui_t *ui, add_t *a, const char *text)
{
	ui_message(ui, UI_MSG_ERROR, "%s", text);
	draw_clean(a->note, sizeof a->note, text);
}

static int add_leave(ui_t *ui, ui_form_t *f, int i, void *arg)
{
	add_t *a = arg;
	const char *name = form_text(f, F_NAME);
	msg_t m;
	a->note[0] = '\0';
	if (i == F_NAME && name[0] && !users_name_valid(name)) {
		refuse(ui, a,
		       "A user name is 2 to 32 characters: lower-case letters, digits, '.', '_' "
		       "or '-', starting with a letter.");
		return 1;
	}
	if (i == F_PW && form_text(f, F_PW)[0] &&
	    users_password_check(ui_config(ui), name, form_text(f, F_PW), &m) != STATUS_OK) {
		refuse(ui, a, m.text);
		return 1;
	}
	return 0;
}

static status_t add_open(ui_t *ui, void *priv, msg_t *m)
{
	add_t *a = priv;
	status_t ret;
	(void)ui;
	for (int r = 0; r < ROLE_COUNT; r++)
		a->roles[r] = perm_role_name((role_t)r);
	a->form.items = a->items;
	a->form.n = F_COUNT;
	a->form.label_w = 22;
	a->form.leave = add_leave;
	a->form.arg = a;
	if ((ret = form_text_item(&a->items[F_NAME], "User name", NAME_CAP, 1, m)) != STATUS_OK)
		goto cleanup;
	a->items[F_NAME].width = 32;
	form_choice_item(&a->items[F_ROLE], "Role", a->roles, ROLE_COUNT, ROLE_FRONTDESK);
	if ((ret = form_secret_item(&a->items[F_PW], "First password", PASSWORD_CAP, 1, m)) !=
	    STATUS_OK)
		goto cleanup;
	a->items[F_PW].width = 36;
	if ((ret = form_secret_item(&a->items[F_AGAIN], "Repeat the password", PASSWORD_CAP, 1,
	                            m)) != STATUS_OK)
		goto cleanup;
	a->items[F_AGAIN].width = 36;
cleanup:
	if (ret != STATUS_OK)
		form_free(&a->form);
	return ret;
}

static void add_close(ui_t *ui, void *priv)
{
	add_t *a = priv;
	(void)ui;
	form_free(&a->form);
	explicit_bzero(a->note, sizeof a->note);
}

static void add_forget(ui_t *ui, void *priv)
{
	add_t *a = priv;
	(void)ui;
	form_clear(&a->form, 1);
	explicit_bzero(a->note, sizeof a->note);
}

static int add_typing(const void *priv)
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

static void add_draw(ui_t *ui, void *priv, WINDOW *w)
{
	add_t *a = priv;
	const config_t *cfg = ui_config(ui);
	int W = getmaxx(w), H = getmaxy(w), x = W > 72 ? (W - 72) / 2 : 0, width = W - 2 * x;
	int role = form_choice(&a->form, F_ROLE);
	char line[800], acts[600];
	struct wrap_at p = {w, 0, x + 1, width - 2, 0};

	wattrset(w, theme_attr(TH_HEADING));
	draw_center(w, 1, W, "Add a user");
	wattrset(w, theme_attr(TH_NORMAL));
	form_draw(ui, &a->form, w, 3, x, F_COUNT, width);
	/* What the role chosen may do, from the matrix in force. */
	perm_role_list(&cfg->perms, (role_t)(role >= 0 ? role : 0), acts, sizeof acts);
	snprintf(line, sizeof line, "%s. May: %s", perm_role_desc((role_t)(role >= 0 ? role : 0)),
	         acts);
	p.y = 8;
	p.max = 4;
	draw_wrap(line, p.width, wrap_line, &p);
	p.y = 13;
	p.max = H - 13 > 0 ? H - 13 : 0;
	if (a->note[0]) {
		wattrset(w, theme_attr(TH_ERROR));
		draw_wrap(a->note, p.width, wrap_line, &p);
		wattrset(w, theme_attr(TH_NORMAL));
	} else {
		snprintf(line, sizeof line,
		         "The password: at least %d characters; a few unrelated words make a good "
		         "one. Give it to the user in person; they can change it from the main "
		         "menu.",
		         cfg->password_min_length);
		draw_wrap(line, p.width, wrap_line, &p);
	}
}

static unsigned submit(ui_t *ui, add_t *a)
{
	const char *name = form_text(&a->form, F_NAME), *pw = form_text(&a->form, F_PW),
	           *again = form_text(&a->form, F_AGAIN);
	const char *role = a->roles[form_choice(&a->form, F_ROLE)];
	size_t n1 = strlen(pw), n2 = strlen(again);
	char busy[96];
	msg_t m;
	status_t st;

	if (form_check(ui, &a->form))
		return UI_REDRAW;
	if (!name[0]) {
		form_focus_bad(&a->form, F_NAME);
		refuse(ui, a, "Type the new user's name.");
		return UI_REDRAW;
	}
	if (!users_name_valid(name)) {
		form_focus_bad(&a->form, F_NAME);
		refuse(ui, a,
		       "A user name is 2 to 32 characters: lower-case letters, digits, '.', '_' "
		       "or '-', starting with a letter.");
		return UI_REDRAW;
	}
	if (!n1) {
		form_focus_bad(&a->form, F_PW);
		refuse(ui, a, "Type the first password, then the same again.");
		return UI_REDRAW;
	}
	if (n1 != n2 || crypto_memcmp(pw, again, n1) != 0) {
		tfield_clear(&a->items[F_PW].text);
		tfield_clear(&a->items[F_AGAIN].text);
		form_focus_bad(&a->form, F_PW);
		refuse(ui, a, "The two passwords differ; type them again.");
		return UI_REDRAW;
	}
	snprintf(busy, sizeof busy, "Adding %s...", name);
	ui_busy(ui, busy);
	msg_clear(&m);
	st = users_add(ui_session(ui), name, role, pw, &m);
	tfield_clear(&a->items[F_PW].text);
	tfield_clear(&a->items[F_AGAIN].text);
	if (st != STATUS_OK) {
		unsigned r = screen_users_refused(ui, &m);
		draw_clean(a->note, sizeof a->note, m.text);
		/* A name taken or refused: back to the name; else the password. */
		form_focus_bad(&a->form, st == STATUS_EXISTS ? F_NAME : F_PW);
		return r;
	}
	ui_message(ui, UI_MSG_OK, "%s", m.text);
	return UI_BACK | UI_RELOAD | UI_REDRAW;
}

static unsigned add_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	add_t *a = priv;
	unsigned r = form_handle(ui, &a->form, ev);
	if (r != UI_IGNORED) {
		if (r == UI_REDRAW && ev->action == KA_NONE)
			a->note[0] = '\0'; /* typing again: the old refusal is stale */
		return r;
	}
	switch (ev->action) {
	case KA_SELECT:
	case KA_SAVE:
		return submit(ui, a);
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO, "No user was added.");
		return UI_BACK;
	default:
		return UI_HANDLED;
	}
}

static const struct screen_hint add_hints[] = {
    {KA_NEXT_FIELD, "next field"},
    {KA_SAVE, "add the user"},
    {KA_BACK, "cancel"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

static const struct screen_ops screen_add = {
    .title = "Users: add a user",
    .private_size = sizeof(add_t),
    .hints = add_hints,
    .open = add_open,
    .close = add_close,
    .draw = add_draw,
    .handle = add_handle,
    .forget = add_forget,
    .typing = add_typing,
};
