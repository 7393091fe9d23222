/* draw.h - putting text on the screen safely: every string that may come
 * from the database or the environment goes through here, which strips
 * control characters (C0, DEL, C1, escapes), shows bytes that are not
 * valid UTF-8 as '?', and clips to a width in screen columns so wide
 * characters never overrun a field. Also the app's date display. */
#ifndef CHARTROOM_UI_DRAW_H
#define CHARTROOM_UI_DRAW_H

#include <stddef.h>

#include "core/config.h"
#include "ui/curses.h"

/* Copy src to dst (size bytes, always NUL-terminated) without control
 * characters; invalid UTF-8 becomes '?'. Never cuts a character in two. */
void draw_clean(char *dst, size_t size, const char *src);

/* Screen columns the cleaned text would take. */
int draw_width(const char *text);

/* Draw text at (y, x) in at most `width` columns, cleaned, with the
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
 * line (a cleaned, NUL-terminated copy). '\n' forces a break. Returns the
 * number of lines. fn may be NULL to count only. */
int draw_wrap(const char *text, int width, void (*fn)(const char *line, int n, void *arg),
              void *arg);

/* A stored UTC time "YYYY-MM-DDTHH:MM:SSZ" for display in the configured
 * date format: "2026-11-25 14:02 UTC" or "11/25/2026 14:02 UTC".
 * `none` is written when iso is empty. */
void draw_time(char *buf, size_t size, const char *iso, date_format_t f, const char *none);

#endif
