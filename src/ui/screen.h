/* screen.h - what a screen is, and what the event loop offers screens.
 *
 * Each screen is one file, screen_<name>.c, ending in a
 * `const struct screen_ops` (STYLE.md 1). The loop (tui.c) keeps a stack
 * of open screens, gives the top one the key events as actions, and
 * redraws after every event according to the flags the handler returns.
 * Screens never call refresh(), never read keys and never touch another
 * screen: they ask the loop through the ui_* functions below. */
#ifndef CHARTROOM_UI_SCREEN_H
#define CHARTROOM_UI_SCREEN_H

#include <stddef.h>

#include "base/status.h"
#include "core/clinic.h"
#include "core/config.h"
#include "core/session.h"
#include "ui/curses.h"
#include "ui/keymap.h"

typedef struct ui ui_t; /* the loop's state; opaque to screens */

/* One input event: an action from the keymap, or a character typed into
 * a text field (action KA_NONE, ch set). A key bound to nothing arrives
 * as KA_NONE with ch set when it was a character, 0 otherwise. */
typedef struct ui_event {
	keyact_t action;
	wint_t ch;
} ui_event_t;

/* What a handler asks of the loop (bits). */
enum {
	UI_IGNORED = 0,       /* not for this screen */
	UI_HANDLED = 1 << 0,  /* used; nothing changed on screen */
	UI_REDRAW = 1 << 1,   /* draw again */
	UI_RELOAD = 1 << 2,   /* fetch the data again (calls .reload), then draw */
	UI_BACK = 1 << 3,     /* close this screen, back to the one below */
	UI_QUIT = 1 << 4,     /* leave Chartroom (signs off first) */
	UI_SIGNOFF = 1 << 5,  /* sign off, back to the sign-on screen */
	UI_UNLOCKED = 1 << 6, /* the lock screen's session is unlocked again */
	UI_LOCK = 1 << 7,     /* lock the screen now, as the idle lock would */
};

/* Screen flags. */
enum {
	SCREEN_NO_SESSION = 1 << 0, /* may be open with nobody signed on */
};

struct screen_ops {
	const char *title;   /* shown in the title bar */
	size_t private_size; /* the loop allocates this much, zeroed, per open */
	unsigned flags;
	/* Actions offered in the hint line (KA_NONE-terminated), with a label. */
	const struct screen_hint {
		keyact_t action;
		const char *label;
	} * hints;
	/* Prepare priv (zeroed). On failure fill m and return non-OK: the
	 * screen is not opened and m is shown. close is not called then. */
	status_t (*open)(ui_t *ui, void *priv, msg_t *m);
	/* Release what priv holds (wipe anything sensitive). Optional. */
	void (*close)(ui_t *ui, void *priv);
	/* Draw into w (already erased), which is the whole body between the
	 * title bar and the message line. */
	void (*draw)(ui_t *ui, void *priv, WINDOW *w);
	/* React to one event; return UI_* flags. */
	unsigned (*handle)(ui_t *ui, void *priv, const ui_event_t *ev);
	/* Fetch data again (UI_RELOAD, and after an idle lock). Optional. */
	status_t (*reload)(ui_t *ui, void *priv, msg_t *m);
	/* The screen is about to be hidden by the idle lock: drop anything
	 * read from the database and any typed text. Optional. */
	void (*forget)(ui_t *ui, void *priv);
	/* Non-zero while a text field has the focus: printable keys are then
	 * text, not actions. Optional (never typing). */
	int (*typing)(const void *priv);
};

/* Message kinds for ui_message. */
typedef enum { UI_MSG_INFO, UI_MSG_OK, UI_MSG_WARN, UI_MSG_ERROR } ui_msg_kind_t;

/* ---- what the loop offers screens ------------------------------------ */

const config_t *ui_config(const ui_t *ui);
clinic_t *ui_clinic(const ui_t *ui);
/* The signed-on session, NULL on the sign-on screen. Borrowed. */
session_t *ui_session(const ui_t *ui);
const keymap_t *ui_keymap(const ui_t *ui);
/* The sign-on banner of the current session. */
const login_info_t *ui_login_info(const ui_t *ui);

/* Show a message on the message line until the next key. */
void ui_message(ui_t *ui, ui_msg_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Show text now (before slow work such as a password check), with the
 * screen as it is. */
void ui_busy(ui_t *ui, const char *text);

/* Open a screen on top of this one after the handler returns. */
void ui_open(ui_t *ui, const struct screen_ops *ops);
/* Close this screen and open another in its place after the handler
 * returns. */
void ui_replace(ui_t *ui, const struct screen_ops *ops);

/* The same, handing the new screen's .open a copy of `arg` (size bytes,
 * at most UI_ARG_MAX): which chart, which encounter. The screen defines
 * the struct; .open reads it with ui_arg(). The loop wipes its copy once
 * .open has returned. A screen's .open may itself open one on top (a
 * chart opened for check-in opens the check-in form). */
#define UI_ARG_MAX 2048
void ui_open_arg(ui_t *ui, const struct screen_ops *ops, const void *arg, size_t size);
void ui_replace_arg(ui_t *ui, const struct screen_ops *ops, const void *arg, size_t size);
/* Inside .open: the argument and its size; NULL (size 0) when the screen
 * was opened without one. Borrowed until .open returns. */
const void *ui_arg(const ui_t *ui, size_t *size);

/* The sign-on screen hands over a new session (taken) and its banner; the
 * loop shows the welcome screen. */
void ui_signed_on(ui_t *ui, session_t *s, const login_info_t *info);

/* A box with a notice; any key closes it. */
void ui_notice(ui_t *ui, const char *text);
/* A yes/no question; on yes the loop acts on `on_yes` (UI_* flags) as if
 * the screen had returned them. */
void ui_confirm(ui_t *ui, const char *question, unsigned on_yes);

/* Ask "Quit Chartroom? (y/n)"; yes quits (signing off first). */
void ui_ask_quit(ui_t *ui);

/* Put the terminal cursor at (y, x) of the body window after drawing
 * (for a text field with the focus). Call from .draw. */
void ui_cursor(ui_t *ui, int y, int x);

#endif
