/* widget_editor.h - a multi-line text editor for notes: word wrap to the
 * width drawn, scrolling, insert and delete anywhere, Enter for a new
 * line, UTF-8. Pasted text arrives as typed characters and is inserted
 * like them.
 *
 * The text lives only in guarded memory (crypto_secure_text), is wiped on
 * editor_clear and editor_free, and is never copied elsewhere by this
 * module except into a line buffer while drawing, which is wiped. The
 * editor can be read-only: the arrows then scroll. */
#ifndef CHARTROOM_UI_WIDGET_EDITOR_H
#define CHARTROOM_UI_WIDGET_EDITOR_H

#include <stddef.h>

#include "base/status.h"
#include "ui/curses.h"
#include "ui/screen.h"

typedef struct ui_editor {
	char *buf;    /* UTF-8, NUL-terminated; guarded memory */
	size_t cap;   /* bytes in buf, the NUL included */
	size_t len;   /* bytes used */
	size_t cur;   /* cursor: a byte offset on a character boundary */
	int readonly; /* arrows scroll; nothing is typed */
	int dirty;    /* changed since editor_set or editor_saved */
	int top;      /* first line shown */
	int goal;     /* column kept while moving up and down; -1: none */
	int page;     /* lines shown at the last draw */
	int width;    /* wrap width at the last layout */
	size_t *ls;   /* start of each wrapped line */
	int nl, lcap; /* lines, and room in ls */
	int laid;     /* ls matches the text and width */
} ui_editor_t;

/* Allocate for up to cap-1 bytes of text. */
status_t editor_init(ui_editor_t *e, size_t cap, msg_t *m);
/* Wipe and free. Safe on a zeroed or freed editor. */
void editor_free(ui_editor_t *e);
/* Wipe the text, keep the editor. */
void editor_clear(ui_editor_t *e);
/* Replace the text (cut at a character if it does not fit; non-zero then),
 * cursor at the start, not dirty. */
int editor_set(ui_editor_t *e, const char *text);
/* The text (borrowed; valid until the next change). */
const char *editor_text(const ui_editor_t *e);
/* The text was saved: not dirty any more. */
void editor_saved(ui_editor_t *e);

/* Draw in h lines from (y, x), `width` columns; with focus the terminal
 * cursor goes to the editing position. */
void editor_draw(ui_t *ui, ui_editor_t *e, WINDOW *w, int y, int x, int h, int width, int focus);

/* Typing, Enter (a new line), Backspace, Del, arrows, Home/End (of the
 * line), PgUp/PgDn. Returns UI_* flags; UI_IGNORED for anything else
 * (Esc, the save key). */
unsigned editor_handle(ui_t *ui, ui_editor_t *e, const ui_event_t *ev);

/* "line 3 of 10" for the cursor (or the first line shown, read-only). */
void editor_position(const ui_editor_t *e, char *buf, size_t size);

#endif
