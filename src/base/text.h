/* text.h - string helpers shared by every layer, and the one place that
 * decides which text is safe for a terminal.
 *
 * Text that can reach a terminal (anything from the database, a file, an
 * argument or the environment) can attack it: an ESC or CSI starts a
 * control sequence, C1 controls do the same on terminals that honour them
 * (raw bytes 0x80-0x9F, or U+0080-U+009F encoded in UTF-8), a broken UTF-8
 * sequence can swallow the bytes after it, and bidirectional overrides and
 * isolates (U+202A-U+202E, U+2066-U+2069) make text read in another order
 * than it is stored. This module classifies text by those classes, with a
 * strict UTF-8 decoder (no overlong forms, no surrogates, nothing above
 * U+10FFFF, no cut sequences):
 *
 *  - on output, text_escape / text_fputs / text_fprintf show every unsafe
 *    unit escaped ("\x1b", "\u0085", "\u202e", "\xff"), never raw;
 *  - on input, text_check refuses the same classes with a message naming
 *    the field and the code point.
 *
 * Escapes: a C0 control, DEL or a byte that is not valid UTF-8 is "\xHH";
 * newline, tab and carriage return are "\n", "\t", "\r"; a C1 control or a
 * bidi control is "\uHHHH". Valid UTF-8 (accents, CJK, emoji) passes
 * through unchanged. */
#ifndef CHARTROOM_TEXT_H
#define CHARTROOM_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"

/* Copy src into dst (size bytes), always NUL-terminated, cut at a UTF-8
 * character boundary when too long. Returns the bytes copied. */
size_t text_copy(char *dst, size_t size, const char *src);

/* ---- classifying ------------------------------------------------------- */

typedef enum text_class {
	TEXT_PRINT,   /* a valid character that is safe to show as it is */
	TEXT_NEWLINE, /* U+000A */
	TEXT_TAB,     /* U+0009 */
	TEXT_C0,      /* any other U+0000-U+001F (ESC, BEL, CR, NUL, ...) */
	TEXT_DEL,     /* U+007F */
	TEXT_C1,      /* U+0080-U+009F, validly encoded (C2 80 - C2 9F) */
	TEXT_BIDI,    /* U+202A-U+202E, U+2066-U+2069 */
	TEXT_BAD      /* one byte that does not start a valid UTF-8 sequence */
} text_class_t;

/* One unit of text: a character, or one bad byte. */
typedef struct text_unit {
	size_t len;  /* bytes it takes (1 to 4; 1 for a bad byte) */
	uint32_t cp; /* the code point, or the byte value for TEXT_BAD */
	text_class_t cls;
} text_unit_t;

/* Decode the unit at s, of which n >= 1 bytes may be read (a NUL byte
 * inside n is a unit like any other: U+0000, TEXT_C0). */
void text_unit(const char *s, size_t n, text_unit_t *u);

/* The class of a code point (as if validly encoded). */
text_class_t text_cp_class(uint32_t cp);

/* ---- output ------------------------------------------------------------ */

/* How text is shown. */
#define TEXT_LINE      0u /* one line: newline and tab escaped too */
#define TEXT_MULTILINE 1u /* newline and tab written as they are (note bodies) */
#define TEXT_TSV       2u /* one tab-separated value: "\t", "\n", "\r" and "\\" */

/* Write the shown form of one unit into out (at most 12 bytes, not
 * NUL-terminated): the unit's own bytes when safe, else its escape.
 * Returns the length. s is the unit's first byte. */
size_t text_unit_show(const text_unit_t *u, const char *s, unsigned mode, char out[12]);

/* "\u00e9" style escape of any code point (for a character a terminal's
 * locale cannot show). Returns the length (at most 11). */
size_t text_escape_cp(uint32_t cp, char out[12]);

/* The size a buffer needs for n bytes shown escaped, with the NUL: no
 * unit's shown form is more than 4 times its bytes ("\x1b" for 1 byte). */
#define TEXT_ESCAPED_MAX(n) (4 * (n) + 1)

/* Copy the first n bytes of src into dst (size bytes, NUL-terminated),
 * escaped for mode. When dst is too small the copy ends before the first
 * unit whose shown form does not fit (never half an escape or half a
 * character). Returns the bytes written. */
size_t text_escape_n(char *dst, size_t size, const char *src, size_t n, unsigned mode);

/* The same for a NUL-terminated src (NULL is the empty string). */
size_t text_escape(char *dst, size_t size, const char *src, unsigned mode);

/* Write s (NULL: nothing) to f escaped for mode. Returns 0, or EOF on a
 * write error. */
int text_fputs(const char *s, unsigned mode, FILE *f);

/* fprintf in which the argument of every %s is escaped for mode (the
 * format itself is the program's and is written as it is). A %s
 * precision counts bytes of the original text, cut at a character
 * boundary; a width pads the escaped text. %n is not supported. Returns
 * 0, or EOF on a write error. */
int text_fprintf(FILE *f, unsigned mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int text_vfprintf(FILE *f, unsigned mode, const char *fmt, va_list ap);

/* ---- input ------------------------------------------------------------- */

/* What a field allows beyond safe characters. */
#define TEXT_ALLOW_NEWLINE 1u
#define TEXT_ALLOW_TAB     2u

/* Check the n bytes of s (use strlen(s) for a C string; a larger n finds a
 * NUL byte inside the data) for a field called label: STATUS_OK, or
 * STATUS_INVALID with a sentence such as "Reaction contains a control
 * character (U+001B)." or "Reaction is not valid UTF-8 text (byte 0xFF)."
 * Refuses C0 controls (newline and tab unless allowed), DEL, C1
 * controls, bidi overrides and isolates, and invalid UTF-8. */
status_t text_check(const char *label, const char *s, size_t n, unsigned allow, msg_t *m);

/* 1 if text_check would accept the C string s (NULL counts as clean). */
int text_is_clean(const char *s, unsigned allow);

#endif
