/* text.h - small string helpers shared by every layer. */
#ifndef CHARTROOM_TEXT_H
#define CHARTROOM_TEXT_H

#include <stddef.h>

/* Copy src into dst (size bytes), always NUL-terminated, cut at a UTF-8
 * character boundary when too long. Returns the bytes copied. */
size_t text_copy(char *dst, size_t size, const char *src);

/* Replace control characters (C0, DEL, C1) and broken UTF-8 with '?', so
 * stored text can never move a terminal's cursor or change its state. */
void text_sanitize(char *s);

#endif
