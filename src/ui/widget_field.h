/* widget_field.h - a one-line text field: typing, cursor movement,
 * horizontal scrolling, UTF-8.
 *
 * Chartroom's own rather than formw's: a secret field (a password) keeps
 * its text only in guarded memory from crypto_secure_text and wipes it on
 * clear and free, while formw keeps field text in ordinary heap buffers it
 * frees without wiping. A secret field is drawn as one '*' per character
 * and is never copied anywhere else by this module. */
#ifndef CHARTROOM_UI_WIDGET_FIELD_H
#define CHARTROOM_UI_WIDGET_FIELD_H

#include <stddef.h>

#include "base/status.h"
#include "ui/curses.h"
#include "ui/screen.h"

typedef struct ui_field {
	char *buf;    /* UTF-8, NUL-terminated; guarded memory when secret */
	size_t cap;   /* bytes in buf, the NUL included */
	size_t len;   /* bytes used */
	size_t cur;   /* cursor: byte offset on a character boundary */
	size_t first; /* first byte shown (horizontal scroll) */
	int secret;
} ui_field_t;

/* Allocate a field for up to cap-1 bytes of text. */
status_t tfield_init(ui_field_t *f, size_t cap, int secret, msg_t *m);
/* Wipe and free. Safe on a zeroed or already freed field. */
void tfield_free(ui_field_t *f);
/* Wipe the text, keep the field. */
void tfield_clear(ui_field_t *f);
/* The text (borrowed; valid until the next change). "" for an unallocated
 * field. */
const char *tfield_text(const ui_field_t *f);

/* Edit for an event: a character (inserted), or Left, Right, Home, End,
 * Backspace, Delete, Clear. Returns UI_REDRAW when the text or cursor
 * changed, UI_HANDLED when it was an editing key that changed nothing
 * (with a message when the field is full), UI_IGNORED otherwise. */
unsigned tfield_handle(ui_t *ui, ui_field_t *f, const ui_event_t *ev);

/* Draw the field at (y, x), `width` columns, underlined; `focus` marks the
 * field with the cursor and places the terminal cursor in it. */
void tfield_draw(ui_t *ui, WINDOW *w, int y, int x, int width, ui_field_t *f, int focus);

#endif
