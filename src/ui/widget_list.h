/* widget_list.h - a scrolling list that owns no data (STYLE.md 5).
 *
 * The list keeps only a cursor and the first visible line. To draw, it
 * asks its owner for the number of rows and has the owner draw row i; so
 * the rows can come from anywhere (an array, a page of a query). */
#ifndef CHARTROOM_UI_WIDGET_LIST_H
#define CHARTROOM_UI_WIDGET_LIST_H

#include "ui/curses.h"
#include "ui/keymap.h"

typedef struct ui_list {
	/* Number of rows now. */
	int (*count)(void *arg);
	/* Draw row i on line y of w, `width` columns from column x. The
	 * list has set the attributes (reverse for the selected row) and
	 * blanked the line; the callback writes text (draw_text) and may add
	 * attributes of its own. */
	void (*draw_row)(void *arg, WINDOW *w, int y, int x, int width, int i, int selected);
	/* Does row i contain text? (for list_find; may be NULL) */
	int (*match)(void *arg, int i, const char *text);
	void *arg;
	const char *empty; /* shown when there are no rows */
	int cur;           /* selected row */
	int top;           /* first row shown */
	int page;          /* rows shown at the last draw */
} ui_list_t;

/* Draw the rows that fit in h lines from (y, x), `width` wide, keeping the
 * selected row visible. */
void list_draw(ui_list_t *l, WINDOW *w, int y, int x, int h, int width);

/* Move for a list action (Up, Down, PgUp, PgDn, Home, End). Returns the
 * UI_* flags: UI_REDRAW when it moved, UI_HANDLED when it was a list key
 * that changed nothing, UI_IGNORED for other actions. */
unsigned list_handle(ui_list_t *l, keyact_t a);

/* Move the cursor to the next row after the current one that matches
 * text, wrapping round to the top. Returns 1 when one was found. */
int list_find(ui_list_t *l, const char *text);

/* Keep the cursor inside the rows after the count changed. */
void list_clamp(ui_list_t *l);

/* "rows 1-18 of 250" for the rows shown at the last draw. */
void list_position(const ui_list_t *l, char *buf, size_t size);

#endif
