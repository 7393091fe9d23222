/* tui.c - the full-screen app's event loop. It owns the terminal (start,
 * restore on every path), the stack of open screens, the title bar, the
 * message line and the status bar, the yes/no and notice boxes, the idle
 * lock, resizing (KEY_RESIZE only), the termination signals (a flag, no
 * more) and, in test builds only (CHARTROOM_TEST_HOOKS, the binary
 * build/chartroom-test), the screen dump (CHARTROOM_SCREEN_DUMP): a release
 * binary has no code that writes the screen to a file. */
#include "ui/tui.h"

#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/privsep.h"
#include "base/text.h"
#include "base/userfile.h"
#include "core/clinic.h"
#include "core/perm.h"
#include "core/session.h"
#include "ui/curses.h"
#include "ui/draw.h"
#include "ui/keymap.h"
#include "ui/screen.h"
#include "ui/screen_help.h"
#include "ui/screen_lock.h"
#include "ui/screen_menu.h"
#include "ui/screen_signon.h"
#include "ui/screen_welcome.h"
#include "ui/theme.h"

#define MIN_COLS  60
#define MIN_LINES 20
#define STACK_MAX 12
#define TICK_MS   1000
#define PAUSE_MS  2000 /* no key for this long: the user has paused */

enum { DLG_NONE, DLG_NOTICE, DLG_CONFIRM };

/* Set by the handler, read by the loop: the only thing a handler does. */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

typedef struct frame {
	const struct screen_ops *ops;
	void *priv;
} frame_t;

struct ui {
	const config_t *cfg;
	clinic_t *clinic;
	keymap_t *km;
	session_t *session;
	login_info_t login;

	frame_t stack[STACK_MAX];
	int depth;
	const struct screen_ops *want; /* opened after the handler returns */
	int want_replace;
	unsigned char want_arg[UI_ARG_MAX]; /* its argument (ui_open_arg) */
	size_t want_arg_size;
	const void *arg; /* during .open: the argument */
	size_t arg_size;

	char msg[512];
	ui_msg_kind_t msg_kind;

	int dlg;
	char dlg_text[1024];
	unsigned dlg_yes;

	SCREEN *term;
	WINDOW *body;
	WINDOW *dlg_win;
	int too_small;
	int cur_on, cur_y, cur_x; /* terminal cursor in the body, if on */

	struct timespec last_key;
	int paused; /* this pause's session_idle is done (reset by a key) */
#ifdef CHARTROOM_TEST_HOOKS
	const char *dump_path;
#endif
	int quit;
	int fatal;
	msg_t fatal_msg;
};

/* ---- services for screens -------------------------------------------- */

const config_t *ui_config(const ui_t *ui)
{
	return ui->cfg;
}

clinic_t *ui_clinic(const ui_t *ui)
{
	return ui->clinic;
}

session_t *ui_session(const ui_t *ui)
{
	return ui->session;
}

const keymap_t *ui_keymap(const ui_t *ui)
{
	return ui->km;
}

const login_info_t *ui_login_info(const ui_t *ui)
{
	return &ui->login;
}

void ui_message(ui_t *ui, ui_msg_kind_t kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
	va_end(ap);
	ui->msg_kind = kind;
}

static void draw_all(ui_t *ui);

void ui_busy(ui_t *ui, const char *text)
{
	ui_message(ui, UI_MSG_INFO, "%s", text);
	draw_all(ui);
}

/* A change waiting in line for another user's (after two seconds, then
 * each second): said on the status line instead of an error. */
static void tui_wait_notice(void *arg, int seconds)
{
	ui_t *ui = arg;
	char text[96];
	if (!seconds || isendwin())
		return;
	snprintf(text, sizeof text, "Waiting for another user's change to finish (%d s)...",
		 seconds);
	ui_busy(ui, text);
}

void ui_open(ui_t *ui, const struct screen_ops *ops)
{
	ui_open_arg(ui, ops, NULL, 0);
}

void ui_replace(ui_t *ui, const struct screen_ops *ops)
{
	ui_replace_arg(ui, ops, NULL, 0);
}

void ui_open_arg(ui_t *ui, const struct screen_ops *ops, const void *arg, size_t size)
{
	if (size > sizeof ui->want_arg)
		size = 0; /* a programming error; the screen's .open sees no argument */
	ui->want = ops;
	ui->want_replace = 0;
	explicit_bzero(ui->want_arg, sizeof ui->want_arg);
	if (arg && size)
		memcpy(ui->want_arg, arg, size);
	ui->want_arg_size = arg ? size : 0;
}

void ui_replace_arg(ui_t *ui, const struct screen_ops *ops, const void *arg, size_t size)
{
	ui_open_arg(ui, ops, arg, size);
	ui->want_replace = 1;
}

const void *ui_arg(const ui_t *ui, size_t *size)
{
	if (size)
		*size = ui->arg ? ui->arg_size : 0;
	return ui->arg;
}

void ui_signed_on(ui_t *ui, session_t *s, const login_info_t *info)
{
	ui->session = s;
	ui->login = *info;
	ui_replace(ui, &screen_welcome);
}

void ui_notice(ui_t *ui, const char *text)
{
	snprintf(ui->dlg_text, sizeof ui->dlg_text, "%s", text);
	ui->dlg = DLG_NOTICE;
	ui->dlg_yes = 0;
}

void ui_confirm(ui_t *ui, const char *question, unsigned on_yes)
{
	snprintf(ui->dlg_text, sizeof ui->dlg_text, "%s", question);
	ui->dlg = DLG_CONFIRM;
	ui->dlg_yes = on_yes;
}

/* The first key bound to an action, for hints ("F1" of "F1 ?"). */
static void first_key(const ui_t *ui, keyact_t a, char *buf, size_t size)
{
	keymap_keys(ui->km, a, buf, size);
	buf[strcspn(buf, " ")] = '\0';
}

void ui_ask_quit(ui_t *ui)
{
	char q[64], yes[16], no[16];
	first_key(ui, KA_YES, yes, sizeof yes);
	first_key(ui, KA_NO, no, sizeof no);
	snprintf(q, sizeof q, "Quit Chartroom? (%s/%s)", yes, no);
	ui_confirm(ui, q, UI_QUIT);
}

void ui_cursor(ui_t *ui, int y, int x)
{
	ui->cur_on = 1;
	ui->cur_y = y;
	ui->cur_x = x;
}

/* ---- time ------------------------------------------------------------ */

static void now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

static long ms_since(const struct timespec *t)
{
	struct timespec n;
	now(&n);
	return (long)(n.tv_sec - t->tv_sec) * 1000 + (n.tv_nsec - t->tv_nsec) / 1000000;
}

/* Milliseconds until the idle lock, or -1 when no lock is pending. */
static long ms_to_lock(const ui_t *ui)
{
	long left;
	if (!ui->session || session_is_locked(ui->session))
		return -1;
	left = (long)ui->cfg->idle_lock_seconds * 1000 - ms_since(&ui->last_key);
	return left > 0 ? left : 0;
}

/* ---- the screen stack ------------------------------------------------ */

static frame_t *top(ui_t *ui)
{
	return ui->depth > 0 ? &ui->stack[ui->depth - 1] : NULL;
}

static void free_priv(const struct screen_ops *ops, void *priv)
{
	if (!priv)
		return;
	explicit_bzero(priv, ops->private_size ? ops->private_size : 1);
	free(priv);
}

/* Open a screen and put it on the stack (in place of the top one when
 * `replace`). On failure the stack is unchanged and m says why. */
static status_t push(ui_t *ui, const struct screen_ops *ops, int replace, msg_t *m)
{
	status_t ret;
	void *priv;
	if (!(ops->flags & SCREEN_NO_SESSION) && !ui->session)
		return msg_fail(m, STATUS_DENIED, "Sign on first.");
	/* The last slot is kept for the lock screen, which must always open. */
	if (!replace && ui->depth >= (ops == &screen_lock ? STACK_MAX : STACK_MAX - 1))
		return msg_fail(m, STATUS_INVALID, "Too many screens open; close one first.");
	if (!(priv = calloc(1, ops->private_size ? ops->private_size : 1)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory opening %s.", ops->title);
	msg_clear(m);
	if ((ret = ops->open(ui, priv, m)) != STATUS_OK) {
		free_priv(ops, priv);
		return ret;
	}
	if (replace && ui->depth > 0) {
		frame_t *t = top(ui);
		if (t->ops->close)
			t->ops->close(ui, t->priv);
		free_priv(t->ops, t->priv);
		ui->depth--;
	}
	ui->stack[ui->depth].ops = ops;
	ui->stack[ui->depth].priv = priv;
	ui->depth++;
	return STATUS_OK;
}

static void pop(ui_t *ui)
{
	frame_t *t = top(ui);
	if (!t)
		return;
	if (t->ops->close)
		t->ops->close(ui, t->priv);
	free_priv(t->ops, t->priv);
	t->ops = NULL;
	t->priv = NULL;
	ui->depth--;
}

static void close_all(ui_t *ui)
{
	while (ui->depth > 0)
		pop(ui);
}

static void fatal(ui_t *ui, const char *text)
{
	if (ui->fatal)
		return;
	ui->fatal = 1;
	msg_set(&ui->fatal_msg, "%s", text);
}

/* Sign off (if signed on) and show the sign-on screen. */
static void go_signon(ui_t *ui)
{
	msg_t m;
	close_all(ui);
	ui->dlg = DLG_NONE;
	explicit_bzero(ui->dlg_text, sizeof ui->dlg_text);
	session_logout(ui->session);
	ui->session = NULL;
	memset(&ui->login, 0, sizeof ui->login);
	if (push(ui, &screen_signon, 0, &m) != STATUS_OK)
		fatal(ui, m.text);
}

/* Reload every open screen (after an unlock: the role may have changed
 * and the screens dropped their data when the lock came). */
static void reload_all(ui_t *ui)
{
	msg_t m;
	for (int i = 0; i < ui->depth; i++) {
		frame_t *f = &ui->stack[i];
		if (!f->ops->reload || f->ops->reload(ui, f->priv, &m) == STATUS_OK)
			continue;
		/* Refused now (the role changed while locked, say): close this
		 * screen and those above it, but never the first one. */
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		while (ui->depth > (i > 0 ? i : 1))
			pop(ui);
		break;
	}
}

static void lock_now(ui_t *ui)
{
	msg_t m;
	ui->dlg = DLG_NONE;
	explicit_bzero(ui->dlg_text, sizeof ui->dlg_text); /* it may show an audit detail */
	/* Screens drop what they read before anything else happens. */
	for (int i = 0; i < ui->depth; i++) {
		frame_t *f = &ui->stack[i];
		if (f->ops->forget)
			f->ops->forget(ui, f->priv);
	}
	ui->msg[0] = '\0';
	if (session_lock(ui->session, &m) != STATUS_OK)
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
	if (push(ui, &screen_lock, 0, &m) != STATUS_OK) {
		/* No lock screen (out of memory): the safe way out is to sign off. */
		go_signon(ui);
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
	}
	clearok(curscr, TRUE); /* repaint everything: nothing old stays visible */
}

/* Open the screen a handler (or a screen's .open) asked for, with its
 * argument; repeat while an .open asks for another (a bounded chain). */
static void open_wanted(ui_t *ui, const struct screen_ops *want, int replace)
{
	unsigned char arg[UI_ARG_MAX];
	msg_t m;
	for (int k = 0; want && k < 4; k++) {
		size_t size = ui->want_arg_size;
		memcpy(arg, ui->want_arg, size);
		explicit_bzero(ui->want_arg, sizeof ui->want_arg);
		ui->want_arg_size = 0;
		ui->want = NULL;
		ui->arg = size ? arg : NULL;
		ui->arg_size = size;
		if (push(ui, want, replace, &m) != STATUS_OK) {
			ui->want = NULL; /* nothing more from a screen that did not open */
			ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		}
		ui->arg = NULL;
		ui->arg_size = 0;
		want = ui->want;
		replace = ui->want_replace;
	}
	ui->want = NULL;
	explicit_bzero(arg, sizeof arg);
	explicit_bzero(ui->want_arg, sizeof ui->want_arg);
	ui->want_arg_size = 0;
}

/* Act on a handler's flags. */
static void apply(ui_t *ui, unsigned flags)
{
	msg_t m;
	const struct screen_ops *want = ui->want;
	int replace = ui->want_replace;

	ui->want = NULL;
	if (!want || (flags & (UI_QUIT | UI_LOCK | UI_SIGNOFF))) {
		/* Not opened: its argument (a chart's id) is not kept. */
		explicit_bzero(ui->want_arg, sizeof ui->want_arg);
		ui->want_arg_size = 0;
	}
	if (flags & UI_QUIT) {
		ui->quit = 1;
		return;
	}
	if ((flags & UI_LOCK) && ui->session && !session_is_locked(ui->session)) {
		lock_now(ui);
		return;
	}
	if (flags & UI_SIGNOFF) {
		char keep[sizeof ui->msg];
		ui_msg_kind_t kind = ui->msg_kind;
		snprintf(keep, sizeof keep, "%s", ui->msg);
		go_signon(ui);
		ui_message(ui, kind, "%s", keep);
		return;
	}
	if (flags & UI_UNLOCKED) {
		if (top(ui) && top(ui)->ops == &screen_lock)
			pop(ui);
		reload_all(ui);
		clearok(curscr, TRUE);
	}
	if ((flags & UI_BACK) && ui->depth > 1)
		pop(ui);
	if (want)
		open_wanted(ui, want, replace);
	if ((flags & UI_RELOAD) && top(ui) && top(ui)->ops->reload &&
	    top(ui)->ops->reload(ui, top(ui)->priv, &m) != STATUS_OK)
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
	if (ui->depth == 0)
		go_signon(ui);
}

/* ---- drawing --------------------------------------------------------- */

#ifdef CHARTROOM_TEST_HOOKS
/* Test builds: write the screen as text to $CHARTROOM_SCREEN_DUMP after
 * every refresh (tests read it instead of guessing when drawing is done). */
static void dump_screen(const ui_t *ui)
{
	char tmp[PATH_MAX];
	wchar_t *line = NULL;
	FILE *f = NULL;
	msg_t ignore;
	int fd, y0, x0;

	if (!ui->dump_path)
		return;
	if (snprintf(tmp, sizeof tmp, "%s.tmp", ui->dump_path) >= (int)sizeof tmp)
		return;
	if (!(line = calloc((size_t)COLS + 1, sizeof *line)))
		return;
	/* A path from the environment: opened with the user's own ids. */
	if (userfile_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600, &fd, &ignore) !=
		    STATUS_OK ||
	    !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		goto cleanup;
	}
	getyx(curscr, y0, x0);
	for (int y = 0; y < LINES; y++) {
		int n = mvwinnwstr(curscr, y, 0, line, COLS);
		if (n == ERR)
			n = 0;
		line[n] = L'\0';
		while (n > 0 && line[n - 1] == L' ')
			line[--n] = L'\0';
		fprintf(f, "%ls\n", line);
	}
	wmove(curscr, y0, x0);
	if (fclose(f) == 0)
		rename(tmp, ui->dump_path);
cleanup:
	free(line);
}
#else
static void dump_screen(const ui_t *ui)
{
	(void)ui; /* release builds never write the screen anywhere */
}
#endif

static void draw_title(ui_t *ui)
{
	const frame_t *t = top(ui);
	char left[160], right[48], key[16], ro[96];
	const char *why = clinic_readonly(ui->clinic);
	int rw;
	first_key(ui, KA_HELP, key, sizeof key);
	snprintf(left, sizeof left, " Chartroom | %s", t ? t->ops->title : "");
	snprintf(right, sizeof right, "%s%s ", key, key[0] ? " help" : "");
	wattrset(stdscr, theme_attr(TH_TITLE));
	mvwhline(stdscr, 0, 0, ' ', COLS);
	rw = draw_width(right);
	draw_text(stdscr, 0, 0, COLS - rw - 1, left, 0);
	draw_text(stdscr, 0, COLS - rw, rw, right, 0);
	/* The database cannot be written: on every screen, in the alert
	 * colour, before the help key (README "When the disk is full or the
	 * database is read-only"). */
	if (why) {
		int w;
		snprintf(ro, sizeof ro, " READ-ONLY: %s%s ", why,
		         ui->session && session_unaudited(ui->session) ? ", NOT AUDITED" : "");
		w = draw_width(ro);
		if (w > COLS - rw - 2)
			w = COLS - rw - 2;
		/* over the end of the title if it must: this matters more */
		wattrset(stdscr, theme_attr(TH_ALERT));
		draw_text(stdscr, 0, COLS - rw - w - 1, w, ro, 0);
	}
}

static void draw_message(ui_t *ui)
{
	static const theme_role_t roles[] = {TH_INFO, TH_OK, TH_WARN, TH_ERROR};
	int y = LINES - 2;
	wattrset(stdscr, theme_attr(TH_NORMAL));
	mvwhline(stdscr, y, 0, ' ', COLS);
	if (ui->msg[0]) {
		wattrset(stdscr, theme_attr(roles[ui->msg_kind]));
		draw_text(stdscr, y, 1, COLS - 2, ui->msg, 0);
	} else if (top(ui) && top(ui)->ops->hints) {
		char line[256], key[16];
		size_t used = 0;
		for (const struct screen_hint *h = top(ui)->ops->hints; h->action != KA_NONE; h++) {
			int n;
			first_key(ui, h->action, key, sizeof key);
			if (!key[0])
				continue;
			n = snprintf(line + used, sizeof line - used, "%s%s %s", used ? "   " : "",
			             key, h->label);
			if (n < 0 || (size_t)n >= sizeof line - used)
				break;
			used += (size_t)n;
		}
		if (used) {
			wattrset(stdscr, theme_attr(TH_HINT));
			draw_text(stdscr, y, 1, COLS - 2, line, 0);
		}
	}
	wattrset(stdscr, theme_attr(TH_NORMAL));
}

static void draw_status(ui_t *ui)
{
	char left[160], mid[400], right[32];
	const char *db = clinic_path(ui->clinic), *slash = strrchr(db, '/');
	long left_ms = ms_to_lock(ui);
	int lw, rw;

	if (ui->session)
		snprintf(left, sizeof left, " %s (%s) ", session_user_name(ui->session),
		         perm_role_name(session_role(ui->session)));
	else
		snprintf(left, sizeof left, " not signed on ");
	snprintf(mid, sizeof mid, "| %s | %s ", clinic_name(ui->clinic), slash ? slash + 1 : db);
	if (ui->session && session_is_locked(ui->session)) {
		snprintf(right, sizeof right, " locked ");
	} else if (left_ms >= 0) {
		long s = (left_ms + 999) / 1000;
		snprintf(right, sizeof right, " lock %ld:%02ld ", s / 60, s % 60);
	} else {
		right[0] = '\0';
	}
	wattrset(stdscr, theme_attr(TH_STATUS));
	mvwhline(stdscr, LINES - 1, 0, ' ', COLS);
	rw = draw_width(right);
	lw = draw_text(stdscr, LINES - 1, 0, COLS - rw, left, 0);
	draw_text(stdscr, LINES - 1, lw, COLS - rw - lw, mid, 0);
	draw_text(stdscr, LINES - 1, COLS - rw, rw, right, 0);
	wattrset(stdscr, theme_attr(TH_NORMAL));
}

struct dlg_lines {
	WINDOW *w;
	int y0;
};

static void dlg_line(const char *line, int n, void *arg)
{
	struct dlg_lines *d = arg;
	draw_text(d->w, d->y0 + n, 2, getmaxx(d->w) - 4, line, 0);
}

static void center_line(const char *line, int n, void *arg)
{
	struct dlg_lines *d = arg;
	if (d->y0 + n < getmaxy(d->w))
		draw_center(d->w, d->y0 + n, getmaxx(d->w), line);
}

static void draw_dialog(ui_t *ui)
{
	int width = COLS - 8 < 66 ? COLS - 8 : 66, lines, height;
	struct dlg_lines dl;
	const char *foot;
	char yes[16], no[16], buf[64];

	if (ui->dlg_win) {
		delwin(ui->dlg_win);
		ui->dlg_win = NULL;
	}
	if (ui->dlg == DLG_NONE || ui->too_small)
		return;
	lines = draw_wrap(ui->dlg_text, width - 4, NULL, NULL);
	if (lines > LINES - 8)
		lines = LINES - 8;
	height = lines + 4;
	if (!(ui->dlg_win = newwin(height, width, (LINES - height) / 2, (COLS - width) / 2))) {
		fatal(ui, "Out of memory drawing a dialog.");
		return;
	}
	wbkgdset(ui->dlg_win, ' ' | theme_attr(TH_DIALOG));
	werase(ui->dlg_win);
	wattrset(ui->dlg_win, theme_attr(TH_DIALOG));
	draw_box(ui->dlg_win);
	dl.w = ui->dlg_win;
	dl.y0 = 1;
	draw_wrap(ui->dlg_text, width - 4, dlg_line, &dl);
	if (ui->dlg == DLG_CONFIRM) {
		first_key(ui, KA_YES, yes, sizeof yes);
		first_key(ui, KA_NO, no, sizeof no);
		snprintf(buf, sizeof buf, "%s: yes   %s: no", yes, no);
		foot = buf;
	} else {
		foot = "Press any key";
	}
	wattron(ui->dlg_win, A_BOLD);
	draw_text(ui->dlg_win, height - 2, 2, width - 4, foot, 0);
	wattrset(ui->dlg_win, theme_attr(TH_NORMAL));
}

static void draw_all(ui_t *ui)
{
	const frame_t *t = top(ui);

	ui->cur_on = 0;
	wattrset(stdscr, theme_attr(TH_NORMAL));
	werase(stdscr);
	if (ui->too_small) {
		char text[96];
		struct dlg_lines dl = {stdscr, 0};
		int n;
		snprintf(text, sizeof text, "Terminal too small: need %dx%d (now %dx%d)", MIN_COLS,
		         MIN_LINES, COLS, LINES);
		n = draw_wrap(text, COLS, NULL, NULL);
		dl.y0 = LINES > n ? (LINES - n) / 2 : 0;
		wattrset(stdscr, A_BOLD);
		draw_wrap(text, COLS, center_line, &dl);
		wattrset(stdscr, theme_attr(TH_NORMAL));
		draw_dialog(ui); /* takes a dialog box off the screen */
		curs_set(0);
		wnoutrefresh(stdscr);
		doupdate();
		dump_screen(ui);
		return;
	}
	draw_title(ui);
	draw_message(ui);
	draw_status(ui);
	wattrset(ui->body, theme_attr(TH_NORMAL));
	werase(ui->body);
	if (t)
		t->ops->draw(ui, t->priv, ui->body);
	draw_dialog(ui);
	/* Three windows, refreshed bottom to top: the bars (stdscr), the body,
	 * and a box over them. Simple enough not to need libpanel, whose
	 * per-screen bookkeeping ncurses never frees. */
	wnoutrefresh(stdscr);
	wnoutrefresh(ui->body);
	if (ui->dlg_win) {
		touchwin(ui->dlg_win);
		wnoutrefresh(ui->dlg_win);
	}
	if (ui->cur_on && ui->dlg == DLG_NONE) {
		curs_set(1);
		wmove(stdscr, 1 + ui->cur_y, ui->cur_x);
		wnoutrefresh(stdscr);
	} else {
		curs_set(0);
	}
	doupdate();
	dump_screen(ui);
}

/* Size the windows to the terminal; too small shows a notice instead. */
static void layout(ui_t *ui)
{
	if (ui->body) {
		delwin(ui->body);
		ui->body = NULL;
	}
	ui->too_small = COLS < MIN_COLS || LINES < MIN_LINES;
	if (ui->too_small)
		return;
	if (!(ui->body = newwin(LINES - 3, COLS, 1, 0))) {
		fatal(ui, "Out of memory laying out the screen.");
		ui->too_small = 1;
	}
	clearok(curscr, TRUE);
}

/* ---- input ----------------------------------------------------------- */

static void dialog_key(ui_t *ui, const ui_event_t *ev)
{
	if (ui->dlg == DLG_NOTICE) {
		ui->dlg = DLG_NONE;
		return;
	}
	if (ev->action == KA_YES) {
		unsigned yes = ui->dlg_yes;
		ui->dlg = DLG_NONE;
		apply(ui, yes);
	} else if (ev->action == KA_NO || ev->action == KA_BACK) {
		ui->dlg = DLG_NONE;
	}
}

static void dispatch(ui_t *ui, int r, wint_t wch)
{
	frame_t *t = top(ui);
	ui_event_t ev = {KA_NONE, 0};
	unsigned flags;
	/* A box takes actions (y/n), so nothing is typed while one is open. */
	int typing = ui->dlg == DLG_NONE && t && t->ops->typing && t->ops->typing(t->priv);

	if (r == OK && typing && iswprint(wch)) {
		ev.ch = wch; /* text for the field, whatever it is bound to */
	} else {
		ev.action = keymap_action(ui->km, r == KEY_CODE_YES, wch);
		if (r == OK)
			ev.ch = wch;
	}
	ui->msg[0] = '\0';
	if (ui->dlg != DLG_NONE) {
		dialog_key(ui, &ev);
		return;
	}
	if (!t)
		return;
	switch (ev.action) {
	case KA_HELP:
		if (t->ops != &screen_help) {
			ui_open(ui, &screen_help);
			apply(ui, 0);
		}
		return;
	case KA_REDRAW:
		clearok(curscr, TRUE);
		return;
	case KA_LOCK:
		if (ui->session && !session_is_locked(ui->session)) {
			lock_now(ui);
			return;
		}
		break;
	default:
		break;
	}
	flags = t->ops->handle(ui, t->priv, &ev);
	/* Esc and q close any screen that has no use for them, except the
	 * first one (the main menu or the sign-on screen). */
	if (flags == UI_IGNORED && (ev.action == KA_BACK || ev.action == KA_QUIT) && ui->depth > 1)
		flags = UI_BACK;
	apply(ui, flags);
}

/* ---- start and stop --------------------------------------------------- */

/* Home and End as other terminals send them (tmux and screen send the
 * VT220 codes even under TERM=xterm, rxvt its own): teach curses those
 * the terminfo entry does not already know. */
static void extra_keys(void)
{
	static const struct {
		const char *seq;
		int key;
	} extra[] = {
	    {"\033[1~", KEY_HOME}, {"\033[4~", KEY_END}, {"\033[7~", KEY_HOME},
	    {"\033[8~", KEY_END},  {"\033[H", KEY_HOME}, {"\033[F", KEY_END},
	    {"\033OH", KEY_HOME},  {"\033OF", KEY_END},
	};
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		if (key_defined(extra[i].seq) == 0)
			define_key(extra[i].seq, extra[i].key);
}

static int start_terminal(ui_t *ui, msg_t *m)
{
	char *home = NULL;
	/* A shared install runs with the user's ids after start-up, so
	 * ncurses would read a terminal description from $HOME/.terminfo; a
	 * damaged one must not be parsed by a process that can take the
	 * chartroom group back. Only the system's terminfo (the environment
	 * cleaning dropped TERMINFO and TERMINFO_DIRS already). */
	if (privsep_shared()) {
		const char *h = getenv("HOME");
		if (h && !(home = strdup(h))) {
			msg_set(m, "out of memory");
			return -1;
		}
		unsetenv("HOME");
	}
	ui->term = newterm(NULL, stdout, stdin);
	if (home) {
		setenv("HOME", home, 1);
		free(home);
	}
	if (!ui->term) {
		const char *term = getenv("TERM");
		msg_set(m, "cannot drive this terminal (TERM=%s)", term ? term : "unset");
		return -1;
	}
	set_term(ui->term);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	meta(stdscr, TRUE);
	set_escdelay(50);
	extra_keys();
	curs_set(0);
	theme_init(ui->cfg);
	return 0;
}

static void stop_terminal(ui_t *ui)
{
	if (!ui->term)
		return;
	if (ui->dlg_win)
		delwin(ui->dlg_win);
	if (ui->body)
		delwin(ui->body);
	ui->dlg_win = NULL;
	ui->body = NULL;
	curs_set(1);
	endwin();
	delscreen(ui->term);
	ui->term = NULL;
}

int tui_run(const config_t *cfg, const char *db_path)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa, old[3];
	ui_t *ui = NULL;
	msg_t m;
	status_t st;
	int rc = 1, handlers = 0;
#ifdef CHARTROOM_TEST_HOOKS
	const char *dump = getenv("CHARTROOM_SCREEN_DUMP");
#endif

	setlocale(LC_ALL, "");
	if (!(ui = calloc(1, sizeof *ui))) {
		fprintf(stderr, "chartroom: out of memory\n");
		return 1;
	}
	ui->cfg = cfg;
#ifdef CHARTROOM_TEST_HOOKS
	ui->dump_path = dump && *dump ? dump : NULL;
#endif
	/* Everything that can be wrong with the set-up is reported before
	 * curses takes the screen. */
	if ((st = keymap_new(cfg, &ui->km, &m)) != STATUS_OK) {
		text_fprintf(stderr, TEXT_LINE, "chartroom: %s\n", m.text);
		rc = status_exit_code(st);
		goto cleanup;
	}
	/* No terminal (ssh -T, a ForceCommand session given a command, a
	 * pipe): refuse before the database is opened, and say what to do. */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "chartroom: the full-screen app needs a terminal on standard input "
				"and output (over SSH: ssh -t); for the command line see "
				"'chartroom --help'\n");
		goto cleanup;
	}
	if ((st = clinic_open(db_path, cfg, &ui->clinic, &m)) != STATUS_OK) {
		text_fprintf(stderr, TEXT_LINE, "chartroom: %s\n", m.text);
		rc = status_exit_code(st);
		goto cleanup;
	}
	/* From here the clinic's configuration: the same preferences, and the
	 * database's policy once a sign-on has checked it. */
	ui->cfg = clinic_config(ui->clinic);
	clinic_set_wait_notice(ui->clinic, tui_wait_notice, ui);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: let a signal cut the key wait short */
	for (handlers = 0; handlers < 3; handlers++)
		sigaction(sigs[handlers], &sa, &old[handlers]);
	if (start_terminal(ui, &m) != 0) {
		text_fprintf(stderr, TEXT_LINE, "chartroom: %s\n", m.text);
		rc = 2;
		goto cleanup;
	}
	layout(ui);
	if (push(ui, &screen_signon, 0, &m) != STATUS_OK)
		fatal(ui, m.text);
	now(&ui->last_key);

	while (!ui->quit && !ui->fatal && !got_signal) {
		wint_t wch = 0;
		int r;
		long left;

		draw_all(ui);
		left = ms_to_lock(ui);
		/* Wake at least every second for the countdown, and exactly when
		 * the lock is due. */
		wtimeout(stdscr, left >= 0 && left < TICK_MS ? (int)left : TICK_MS);
		r = wget_wch(stdscr, &wch);
		if (got_signal)
			break;
		if (r == ERR) {
			long idle = ms_since(&ui->last_key);
			/* A pause: what waits for the audit trail (searches typed
			 * since the last audited action) is written now, once a
			 * pause. It never waits for another writer: if the database
			 * is busy, the next pause or audited action writes it. */
			if (idle >= PAUSE_MS && ui->session && !ui->paused) {
				msg_t ignore;
				ui->paused = 1;
				session_idle(ui->session, &ignore);
			}
			if (idle < (long)ui->cfg->idle_lock_seconds * 1000)
				continue;
			if (ui->session && !session_is_locked(ui->session)) {
				lock_now(ui);
			} else if (top(ui) && top(ui)->ops->forget) {
				/* Nobody signed on (or locked): do not leave half-typed
				 * text, a password perhaps, waiting in a field. */
				top(ui)->ops->forget(ui, top(ui)->priv);
				now(&ui->last_key);
			}
			continue;
		}
		if (r == KEY_CODE_YES && wch == KEY_RESIZE) {
			layout(ui);
			continue;
		}
		now(&ui->last_key);
		ui->paused = 0;
		if (ui->too_small)
			continue; /* nothing to see what one types into */
		dispatch(ui, r, wch);
	}
	rc = ui->fatal ? 1 : got_signal ? 128 + got_signal : 0;

cleanup:
	close_all(ui);
	session_logout(ui->session);
	ui->session = NULL;
	stop_terminal(ui);
	/* The terminal is ours again: now a fatal message can be read. */
	if (ui->fatal)
		text_fprintf(stderr, TEXT_LINE, "chartroom: %s\n", ui->fatal_msg.text);
	for (int i = 0; i < handlers; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (ui->clinic && clinic_flush_audit(ui->clinic, &m) != STATUS_OK)
		text_fprintf(stderr, TEXT_LINE, "chartroom: %s\n", m.text);
	clinic_close(ui->clinic);
	keymap_free(ui->km);
	explicit_bzero(ui, sizeof *ui);
	free(ui);
	return rc;
}
