/* draw.c - escaped, clipped text output and date display. Every unit of
 * text is classified by base/text.h: what is unsafe for a terminal is
 * drawn as its escape ("\x1b", "\u202e"), never written raw. */
#include "ui/draw.h"

#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "base/tz.h"

#include "base/text.h"

/* One unit of text as it is drawn: a character with its columns, or the
 * ASCII escape that stands for it (base/text.h decides what is unsafe).
 * A character the locale cannot convert or the terminal cannot print
 * (wcwidth < 0) is shown as its "\uXXXX" escape too. In multi-line text
 * a tab is drawn as one space. */
typedef struct drawn {
	size_t used; /* bytes of the source */
	wchar_t wc;  /* when esc_len == 0 */
	int cols;
	char esc[12];
	size_t esc_len;
} drawn_t;

static void next_drawn(const char *s, size_t n, int multiline, drawn_t *d)
{
	text_unit_t u;
	text_unit(s, n, &u);
	d->used = u.len;
	d->esc_len = 0;
	if (u.cls == TEXT_PRINT) {
		if (u.cp < 0x80) {
			d->wc = (wchar_t)u.cp;
			d->cols = 1;
			return;
		} else {
			mbstate_t st;
			wchar_t wc;
			memset(&st, 0, sizeof st);
			if (mbrtowc(&wc, s, u.len, &st) == u.len && wcwidth(wc) >= 0) {
				d->wc = wc;
				d->cols = wcwidth(wc);
				return;
			}
			d->esc_len = text_escape_cp(u.cp, d->esc);
		}
	} else if (multiline && u.cls == TEXT_TAB) {
		d->wc = L' ';
		d->cols = 1;
		return;
	} else {
		d->esc_len = text_unit_show(&u, s, TEXT_LINE, d->esc);
	}
	d->cols = (int)d->esc_len;
}

size_t draw_char(const char *s, size_t n, int *cols)
{
	drawn_t d;
	next_drawn(s, n, 0, &d);
	*cols = d.cols;
	return d.used;
}

void draw_clean(char *dst, size_t size, const char *src)
{
	text_escape(dst, size, src, TEXT_LINE);
}

int draw_width(const char *text)
{
	int cols = 0;
	size_t n = text ? strlen(text) : 0;
	while (text && n > 0) {
		drawn_t d;
		next_drawn(text, n, 0, &d);
		cols += d.cols;
		text += d.used;
		n -= d.used;
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
		drawn_t d;
		next_drawn(text, n, 0, &d);
		text += d.used;
		n -= d.used;
		if (cols + d.cols > width)
			break;
		if (d.esc_len) {
			waddnstr(w, d.esc, (int)d.esc_len); /* ASCII only */
		} else {
			if (d.cols == 0 && cols == 0)
				continue; /* a combining mark with nothing to combine with */
			waddnwstr(w, &d.wc, 1);
		}
		cols += d.cols;
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
			drawn_t d;
			size_t k;
			next_drawn(text + i, n - i, 1, &d);
			k = d.esc_len ? d.esc_len : d.wc == L' ' ? 1 : d.used;
			if (cols + d.cols > width || o + k + 1 >= sizeof line)
				break;
			if (d.esc_len)
				memcpy(line + o, d.esc, d.esc_len);
			else if (d.wc == L' ')
				line[o] = ' '; /* a space, or a tab drawn as one */
			else
				memcpy(line + o, text + i, d.used);
			o += k;
			cols += d.cols;
			i += d.used;
			if (!d.esc_len && d.wc == L' ') {
				brk_in = i;
				brk_out = o - 1;
			}
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
			if (i == 0) { /* a character wider than the line: drop it */
				drawn_t d;
				next_drawn(text, n, 1, &d);
				i = d.used;
			}
			while (i < n && (text[i] == ' ' || text[i] == '\t'))
				i++; /* no leading blanks on a wrapped line */
		}
		text += i;
		n -= i;
	}
	return lines;
}

void draw_time(char *buf, size_t size, const char *iso, const config_t *cfg, const char *none)
{
	if (!iso || !*iso) {
		snprintf(buf, size, "%s", none ? none : "");
		return;
	}
	/* The one formatter (base/tz.h), in the clinic's zone; anything that
	 * is not a stored time is shown as it is, cleaned. */
	if (tz_format(cfg->clinic_tz, iso, cfg->date_format == DATE_US ? TZ_US : 0, buf, size) != 0)
		draw_clean(buf, size, iso);
}
