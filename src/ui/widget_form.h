/* widget_form.h - a form: a column of labelled one-line inputs, each a
 * text field (widget_field.h) or a choice among fixed values, with
 * optional headings between groups; it scrolls when it does not fit.
 *
 * The screen owns the items (an array it declares) and the choices'
 * strings; the form keeps only the focus and the scroll position. Tab,
 * Down and Enter go to the next input, BTab and Up to the previous, PgUp
 * and PgDn by a page. When the focus leaves an input the screen's `leave`
 * callback checks it (and may rewrite it, normalised); a refusal keeps the
 * focus there, with the reason (naming the field) on the message line.
 * The focus then moves on only when the user moves it again (the input
 * stays marked refused, and is checked again on saving); until the user
 * edits it or moves, typed characters are not added to the refused value
 * (someone typing the next field's value without looking would otherwise
 * append it): each says the reason again. Left, Right and Space change a choice, and typing its first
 * letter picks it. Text lives in ordinary memory (a secret input's in
 * guarded memory) that is wiped when cleared or freed (form_clear,
 * form_free). */
#ifndef CHARTROOM_UI_WIDGET_FORM_H
#define CHARTROOM_UI_WIDGET_FORM_H

#include "base/status.h"
#include "ui/curses.h"
#include "ui/screen.h"
#include "ui/widget_field.h"

typedef enum { FORM_TEXT, FORM_CHOICE } form_kind_t;

typedef struct ui_form_item {
	const char *label;
	const char *heading; /* a line of its own before this input, or NULL */
	form_kind_t kind;
	int required;               /* marked with '*' */
	int mask;                   /* digits but the last four shown as '*' unless focused */
	int width;                  /* columns for the input; 0: all that fits */
	ui_field_t text;            /* FORM_TEXT */
	const char *const *choices; /* FORM_CHOICE: nchoices labels, not owned */
	int nchoices;
	int choice;
	int bad; /* refused at the last check: marked with '!' */
} ui_form_item_t;

typedef struct ui_form ui_form_t;
struct ui_form {
	ui_form_item_t *items; /* the screen's array */
	int n;
	int focus;
	int top;     /* first line shown */
	int label_w; /* columns for the labels */
	int held;    /* 1 + the input whose refusal holds typed characters, or 0 */
	/* Check input i as the focus leaves it; may rewrite its text. Return
	 * 0 to let the focus go, non-zero to keep it there (having put the
	 * reason on the message line). NULL: no checks. */
	int (*leave)(ui_t *ui, ui_form_t *f, int i, void *arg);
	void *arg;
};

/* A text input for up to cap-1 bytes. */
status_t form_text_item(ui_form_item_t *it, const char *label, size_t cap, int required, msg_t *m);
/* A text input for a secret (a password): its text lives in guarded
 * memory (widget_field.h), is drawn as '*', and is wiped on clear and
 * free like any input. */
status_t form_secret_item(ui_form_item_t *it, const char *label, size_t cap, int required,
                          msg_t *m);
/* A choice among n labels (borrowed), `sel` chosen. */
void form_choice_item(ui_form_item_t *it, const char *label, const char *const *choices, int n,
                      int sel);

/* Wipe and free every text input. Safe on a zeroed form. */
void form_free(ui_form_t *f);
/* Wipe what was typed (choices go back to their first value only when
 * `choices_too`), focus the first input. */
void form_clear(ui_form_t *f, int choices_too);

const char *form_text(const ui_form_t *f, int i);
/* Replace input i's text (cut to what it holds, at a character). */
void form_set(ui_form_t *f, int i, const char *text);
int form_choice(const ui_form_t *f, int i);

/* Move the focus to input i and mark it refused (core named it bad). */
void form_focus_bad(ui_form_t *f, int i);

/* Run the leave check on the focused input (before saving). Non-zero
 * when it was refused. */
int form_check(ui_t *ui, ui_form_t *f);

/* The focused input was just refused and holds typing: its label (for the
 * screen's hint line: "Still in Email: ..."), else NULL. */
const char *form_held(const ui_form_t *f);

/* Draw in h lines from (y, x), `width` wide; the focused input gets the
 * terminal cursor. On a terminal at least 150 columns wide a form with
 * headings is drawn in two columns (split before a heading), each input
 * still as wide as its value may be. */
void form_draw(ui_t *ui, ui_form_t *f, WINDOW *w, int y, int x, int h, int width);

/* Typing and moving. Returns UI_* flags; UI_IGNORED for what the form does
 * not use: Esc, the save key, and Enter on the last input (submit). */
unsigned form_handle(ui_t *ui, ui_form_t *f, const ui_event_t *ev);

#endif
