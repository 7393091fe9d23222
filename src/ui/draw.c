/* draw.c - cleaned, clipped text output and date display. */
#include "ui/draw.h"

#include <langinfo.h>
#include <stdio.h>
#include <string.h>

/* Decode the next character of s (at most n bytes). Returns the bytes
 * used (>= 1) and sets *wc; an invalid or cut sequence uses one byte and
 * gives '?'. *skip is set for characters that must not be shown. */
static size_t next_char(const char *s, size_t n, wchar_t *wc, int *skip)
{
	mbstate_t st;
	size_t used;
	memset(&st, 0, sizeof st);
	used = mbrtowc(wc, s, n, &st);
	*skip = 0;
	if (used == (size_t)-1 || used == (size_t)-2 || used == 0) {
		*wc = L'?';
		return 1;
	}
	/* Controls (C0, DEL, C1) and anything the terminal cannot print. */
	if (*wc < 0x20 || (*wc >= 0x7f && *wc < 0xa0) || iswcntrl((wint_t)*wc) || wcwidth(*wc) < 0)
		*skip = 1;
	return used;
}

void draw_clean(char *dst, size_t size, const char *src)
{
	size_t o = 0, n = src ? strlen(src) : 0;
	if (!size)
		return;
	while (src && n > 0) {
		wchar_t wc;
		int skip;
		size_t used = next_char(src, n, &wc, &skip);
		if (!skip) {
			/* A replaced byte becomes one '?'; a good one is copied. */
			int bad = (wc == L'?' && *src != '?');
			size_t len = bad ? 1 : used;
			if (o + len + 1 > size)
				break;
			if (bad)
				dst[o] = '?';
			else
				memcpy(dst + o, src, used);
			o += len;
		}
		src += used;
		n -= used;
	}
	dst[o] = '\0';
}

int draw_width(const char *text)
{
	int cols = 0;
	size_t n = text ? strlen(text) : 0;
	while (text && n > 0) {
		wchar_t wc;
		int skip;
		size_t used = next_char(text, n, &wc, &skip);
		if (!skip)
			cols += wcwidth(wc) > 0 ? wcwidth(wc) : 0;
		text += used;
		n -= used;
	}
	return cols;
}

int draw_text(WINDOW *w, int y, int x, int width, const char *text, int pad)
{
	int cols = 0;
	size_t n = text ? strlen(text) : 0;
	if (width <= 0)
		return 0;
	if (wmove(w, y, x) == ERR)
		return 0;
	while (text && n > 0) {
		wchar_t wc;
		int skip, cw;
		size_t used = next_char(text, n, &wc, &skip);
		text += used;
		n -= used;
		if (skip)
			continue;
		cw = wcwidth(wc);
		if (cw < 0)
			continue;
		if (cols + cw > width)
			break;
		if (cw == 0 && cols == 0)
			continue; /* a combining mark with nothing to combine with */
		waddnwstr(w, &wc, 1);
		cols += cw;
	}
	while (pad && cols < width) {
		waddch(w, ' ');
		cols++;
	}
	return cols;
}

void draw_center(WINDOW *w, int y, int width, const char *text)
{
	int tw = draw_width(text);
	int x = tw >= width ? 0 : (width - tw) / 2;
	draw_text(w, y, x, width - x, text, 0);
}

void draw_box(WINDOW *w)
{
	static const wchar_t uni[] = {0x2502, 0x2500, 0x250c, 0x2510, 0x2514, 0x2518};
	static const wchar_t ascii[] = {L'|', L'-', L'+', L'+', L'+', L'+'};
	const wchar_t *g = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 ? uni : ascii;
	cchar_t c[6];
	attr_t a;
	short pair;
	wattr_get(w, &a, &pair, NULL);
	for (int i = 0; i < 6; i++) {
		wchar_t s[2] = {g[i], L'\0'};
		setcchar(&c[i], s, a, pair, NULL);
	}
	wborder_set(w, &c[0], &c[0], &c[1], &c[1], &c[2], &c[3], &c[4], &c[5]);
}

int draw_wrap(const char *text, int width, void (*fn)(const char *line, int n, void *arg),
              void *arg)
{
	char line[1024];
	int lines = 0;
	size_t n = text ? strlen(text) : 0;

	if (width < 1)
		width = 1;
	while (text && n > 0) {
		/* Take characters up to the width; remember the last space. */
		size_t o = 0, brk_in = 0, brk_out = 0, i = 0;
		int cols = 0;
		while (i < n && text[i] != '\n') {
			wchar_t wc;
			int skip, cw;
			size_t used = next_char(text + i, n - i, &wc, &skip);
			cw = skip ? 0 : wcwidth(wc);
			if (cw < 0)
				cw = 0;
			if (cols + cw > width || o + used + 1 >= sizeof line)
				break;
			if (!skip) {
				if (wc == L'?' && text[i] != '?')
					line[o++] = '?';
				else {
					memcpy(line + o, text + i, used);
					o += used;
				}
				cols += cw;
				if (wc == L' ') {
					brk_in = i + used;
					brk_out = o - 1;
				}
			}
			i += used;
		}
		if (i < n && text[i] != '\n' && brk_in > 0) {
			/* Break at the last space instead of inside a word. */
			i = brk_in;
			o = brk_out;
		}
		line[o] = '\0';
		if (fn)
			fn(line, lines, arg);
		lines++;
		if (i < n && text[i] == '\n') {
			i++; /* a hard break keeps the next line's indentation */
		} else {
			if (i == 0) /* a character wider than the line: drop it */
				i = 1;
			while (i < n && text[i] == ' ')
				i++; /* no leading blanks on a wrapped line */
		}
		text += i;
		n -= i;
	}
	return lines;
}

void draw_time(char *buf, size_t size, const char *iso, date_format_t f, const char *none)
{
	int y, mo, d, h, mi;
	if (!iso || !*iso) {
		snprintf(buf, size, "%s", none ? none : "");
		return;
	}
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) != 5) {
		draw_clean(buf, size, iso);
		return;
	}
	if (f == DATE_US)
		snprintf(buf, size, "%02d/%02d/%04d %02d:%02d UTC", mo, d, y, h, mi);
	else
		snprintf(buf, size, "%04d-%02d-%02d %02d:%02d UTC", y, mo, d, h, mi);
}
