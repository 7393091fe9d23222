/* draw.h - putting text on the screen safely: every string that may come
 * from the database or the environment goes through here, which shows
 * what base/text.h calls unsafe (C0 controls, DEL, C1 controls, bidi
 * overrides and isolates, bytes that are not valid UTF-8) as escapes such
 * as "\x1b" and "\u202e" instead of writing it, and clips to a width in
 * screen columns so wide characters never overrun a field. Also the app's
 * date display. */
#ifndef CHARTROOM_UI_DRAW_H
#define CHARTROOM_UI_DRAW_H

#include <stddef.h>

#include "core/config.h"
#include "ui/curses.h"

/* Copy src to dst (size bytes, always NUL-terminated) with every unsafe
 * unit escaped (one line: a newline is "\n"). Never cuts a character or
 * an escape in two. Drawing the copy again shows the same text. */
void draw_clean(char *dst, size_t size, const char *src);

/* Screen columns the text takes as draw_text shows it. */
int draw_width(const char *text);

/* The character at s (n bytes) as draw_text shows it: returns the bytes
 * it takes and sets *cols to its columns (an escape's length for an
 * unsafe one). For editors that place a cursor over drawn text. */
size_t draw_char(const char *s, size_t n, int *cols);

/* Draw text at (y, x) in at most `width` columns, escaped, with the
 * window's current attributes. With `pad`, fill the rest of the width with
 * spaces. Returns the columns written (padding included). */
int draw_text(WINDOW *w, int y, int x, int width, const char *text, int pad);

/* Draw text centred on row y of a window `width` columns wide. */
void draw_center(WINDOW *w, int y, int width, const char *text);

/* A border around the window: Unicode box lines in a UTF-8 locale, else
 * plain ASCII. (Not the terminal's alternate character set, which some
 * terminals and multiplexers show as letters.) */
void draw_box(WINDOW *w);

/* Word-wrap text into lines of at most `width` columns; calls fn for each
 * line (an escaped, NUL-terminated copy). '\n' forces a break and a tab
 * is a space (multi-line text such as a note); anything else unsafe is
 * escaped. Returns the number of lines. fn may be NULL to count only. */
int draw_wrap(const char *text, int width, void (*fn)(const char *line, int n, void *arg),
              void *arg);

/* A stored UTC time "YYYY-MM-DDTHH:MM:SSZ" for display in the clinic's
 * zone (cfg's [clinic] timezone) and date format, with the zone's
 * abbreviation: "2026-11-25 08:02 CST" or "11/25/2026 08:02 CST"
 * (base/tz.h). `none` is written when iso is empty. */
void draw_time(char *buf, size_t size, const char *iso, const config_t *cfg, const char *none);

#endif
