/* widget_editor.c - wrapped multi-line editing over a guarded buffer. */
#include "ui/widget_editor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "core/crypto.h"
#include "ui/draw.h"
#include "ui/theme.h"

#define TAB_SPACES 4

status_t editor_init(ui_editor_t *e, size_t cap, msg_t *m)
{
	memset(e, 0, sizeof *e);
	e->lcap = 64; /* the first line always has room */
	if (!(e->ls = malloc((size_t)e->lcap * sizeof *e->ls)) ||
	    !(e->buf = crypto_secure_text(cap))) {
		free(e->ls);
		memset(e, 0, sizeof *e);
		return msg_fail(m, STATUS_NOMEM, "Out of memory for the note editor.");
	}
	e->cap = cap;
	e->goal = -1;
	return STATUS_OK;
}

void editor_free(ui_editor_t *e)
{
	crypto_secure_text_free(e->buf); /* wipes */
	free(e->ls);
	memset(e, 0, sizeof *e);
}

void editor_clear(ui_editor_t *e)
{
	if (e->buf)
		explicit_bzero(e->buf, e->cap);
	e->len = e->cur = 0;
	e->top = 0;
	e->goal = -1;
	e->dirty = 0;
	e->laid = 0;
}

/* Bytes and screen width of the character at s, as draw_text shows it
 * (an unsafe one as its escape, so the cursor lands where it is drawn). */
static size_t char_at(const char *s, size_t n, int *cols)
{
	return draw_char(s, n, cols);
}

int editor_set(ui_editor_t *e, const char *text)
{
	size_t n = 0, len = text ? strlen(text) : 0;
	int cols;
	editor_clear(e);
	if (!e->buf)
		return 1;
	while (n < len) {
		size_t c = char_at(text + n, len - n, &cols);
		if (n + c + 1 > e->cap)
			break;
		n += c;
	}
	memcpy(e->buf, text, n);
	e->buf[n] = '\0';
	/* A tab (a note written elsewhere) is edited as a space, as the Tab
	 * key types spaces. */
	for (size_t i = 0; i < n; i++)
		if (e->buf[i] == '\t')
			e->buf[i] = ' ';
	e->len = n;
	return n < len;
}

const char *editor_text(const ui_editor_t *e)
{
	return e->buf ? e->buf : "";
}

void editor_saved(ui_editor_t *e)
{
	e->dirty = 0;
}

/* ---- layout: where each wrapped line starts ------------------------------ */

static int add_line(ui_editor_t *e, size_t at)
{
	if (e->nl == e->lcap) {
		int cap = e->lcap ? e->lcap * 2 : 64;
		size_t *p = realloc(e->ls, (size_t)cap * sizeof *p);
		if (!p)
			return -1;
		e->ls = p;
		e->lcap = cap;
	}
	e->ls[e->nl++] = at;
	return 0;
}

#define NO_LINE ((size_t)-1)

/* Where the line after the one starting at pos starts (NO_LINE: that
 * line is the last). Wraps at the last space that fits (a space that does
 * not fit hangs at the end), a word longer than the line where the line
 * ends, and always after a '\n'. Depends only on the text from pos on. */
static size_t next_start(const ui_editor_t *e, size_t pos, int width)
{
	size_t i = pos, after_space = 0;
	int cols = 0, cw;
	while (i < e->len && e->buf[i] != '\n') {
		size_t n = char_at(e->buf + i, e->len - i, &cw);
		if (cols + cw > width)
			break;
		cols += cw;
		i += n;
		if (e->buf[i - n] == ' ')
			after_space = i;
	}
	if (i >= e->len)
		return NO_LINE;
	if (e->buf[i] == '\n' || e->buf[i] == ' ')
		return i + 1;
	if (after_space > pos)
		return after_space;
	return i > pos ? i : i + char_at(e->buf + i, e->len - i, &cw);
}

static void layout(ui_editor_t *e, int width)
{
	size_t pos = 0;
	if (width < 2)
		width = 2;
	if (e->laid && e->width == width)
		return;
	e->nl = 0;
	e->width = width;
	if (add_line(e, 0) != 0)
		return;
	while ((pos = next_start(e, pos, width)) != NO_LINE)
		if (add_line(e, pos) != 0)
			return;
	e->laid = 1;
}

static int line_of(const ui_editor_t *e, size_t at);

/* The text changed at byte `at`: `removed` bytes gave way to `inserted`.
 * Wrap again from a few lines before the change (a line's wrap looks ahead
 * as far as the start of the line after next, so a word may now fit two
 * lines up) until a line starts where an old one did, shifted: from there
 * on the old lines hold. Typing and pasting cost a few lines, not the
 * whole note. */
static void relayout(ui_editor_t *e, size_t at, size_t removed, size_t inserted)
{
	size_t *old = e->ls, p;
	int oldn = e->nl, oldcap = e->lcap, k, j, start;
	if (!e->laid)
		return;
	k = line_of(e, at);
	start = k > 3 ? k - 3 : 0;
	e->ls = NULL;
	e->nl = e->lcap = 0;
	for (int i = 0; i <= start; i++)
		if (add_line(e, old[i]) != 0)
			goto fail;
	p = old[start];
	j = start + 1;
	while ((p = next_start(e, p, e->width)) != NO_LINE) {
		/* Old starts past the changed bytes, shifted, may match. */
		while (j < oldn && (old[j] <= at + removed || old[j] - removed + inserted < p))
			j++;
		if (j < oldn && old[j] > at + removed && old[j] - removed + inserted == p) {
			for (; j < oldn; j++)
				if (add_line(e, old[j] - removed + inserted) != 0)
					goto fail;
			break;
		}
		if (add_line(e, p) != 0)
			goto fail;
	}
	free(old);
	return;
fail:
	free(e->ls);
	e->ls = old; /* a full layout at the next draw */
	e->nl = oldn;
	e->lcap = oldcap;
	e->laid = 0;
}

/* The line holding byte offset at. */
static int line_of(const ui_editor_t *e, size_t at)
{
	int lo = 0, hi = e->nl - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (e->ls[mid] <= at)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* The last cursor position on line k: before its '\n', before its last
 * character when it wraps softly, the end of the text on the last line. */
static size_t line_end(const ui_editor_t *e, int k)
{
	size_t next, p, last;
	int cw;
	if (k + 1 >= e->nl)
		return e->len;
	next = e->ls[k + 1];
	if (next > 0 && e->buf[next - 1] == '\n')
		return next - 1;
	for (p = last = e->ls[k]; p < next; p += char_at(e->buf + p, e->len - p, &cw))
		last = p;
	return last;
}

static int cols_between(const ui_editor_t *e, size_t from, size_t to)
{
	int cols = 0, cw;
	while (from < to) {
		from += char_at(e->buf + from, e->len - from, &cw);
		cols += cw;
	}
	return cols;
}

/* The offset on line k nearest column `goal`. */
static size_t at_column(const ui_editor_t *e, int k, int goal)
{
	size_t p = e->ls[k], end = line_end(e, k);
	int cols = 0, cw;
	while (p < end) {
		size_t n = char_at(e->buf + p, e->len - p, &cw);
		if (cols + cw > goal)
			break;
		cols += cw;
		p += n;
	}
	return p;
}

/* ---- editing ------------------------------------------------------------ */

static unsigned insert(ui_t *ui, ui_editor_t *e, const char *mb, size_t n)
{
	if (e->len + n + 1 > e->cap) {
		ui_message(ui, UI_MSG_WARN, "The note is as long as a note may be (%zu bytes).",
		           e->cap - 1);
		return UI_HANDLED;
	}
	memmove(e->buf + e->cur + n, e->buf + e->cur, e->len - e->cur + 1);
	memcpy(e->buf + e->cur, mb, n);
	e->len += n;
	relayout(e, e->cur, 0, n);
	e->cur += n;
	e->dirty = 1;
	e->goal = -1;
	return UI_REDRAW;
}

static unsigned insert_char(ui_t *ui, ui_editor_t *e, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;
	unsigned r;
	if (ch >= 0x80 && text_cp_class((uint32_t)ch) != TEXT_PRINT) {
		/* A C1 or bidi control, pasted or typed: refused here as core
		 * refuses it on save (a C0 control is a key, ignored below). */
		ui_message(ui, UI_MSG_WARN,
			   "U+%04X cannot be typed: it is a control or bidirectional character.",
			   (unsigned)ch);
		return UI_HANDLED;
	}
	if (!iswprint(ch) || wcwidth((wchar_t)ch) < 0)
		return UI_HANDLED;
	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)ch, &st);
	if (n == (size_t)-1 || n == 0)
		return UI_HANDLED;
	r = insert(ui, e, mb, n);
	explicit_bzero(mb, sizeof mb);
	return r;
}

static void remove_range(ui_editor_t *e, size_t from, size_t to)
{
	memmove(e->buf + from, e->buf + to, e->len - to + 1);
	e->len -= to - from;
	explicit_bzero(e->buf + e->len, e->cap - e->len);
	relayout(e, from, to - from, 0);
	e->cur = from;
	e->dirty = 1;
	e->goal = -1;
}

/* The start of the character before offset at (UTF-8 continuation bytes
 * are 10xxxxxx). */
static size_t prev_char(const ui_editor_t *e, size_t at)
{
	size_t p = at;
	while (p > 0) {
		p--;
		if (((unsigned char)e->buf[p] & 0xc0) != 0x80)
			break;
	}
	return p;
}

/* Move the cursor up or down `n` lines (negative: up). */
static void move_lines(ui_editor_t *e, int n)
{
	int k = line_of(e, e->cur), t = k + n;
	if (e->goal < 0)
		e->goal = cols_between(e, e->ls[k], e->cur);
	if (t < 0)
		t = 0;
	if (t >= e->nl)
		t = e->nl - 1;
	e->cur = at_column(e, t, e->goal);
}

static unsigned scroll_view(ui_editor_t *e, keyact_t a)
{
	int page = e->page > 1 ? e->page - 1 : 1, old = e->top, max = e->nl - e->page;
	switch (a) {
	case KA_UP:
		e->top--;
		break;
	case KA_DOWN:
		e->top++;
		break;
	case KA_PAGE_UP:
		e->top -= page;
		break;
	case KA_PAGE_DOWN:
		e->top += page;
		break;
	case KA_HOME:
		e->top = 0;
		break;
	case KA_END:
		e->top = max;
		break;
	default:
		return UI_IGNORED;
	}
	if (e->top > max)
		e->top = max;
	if (e->top < 0)
		e->top = 0;
	return e->top != old ? UI_REDRAW : UI_HANDLED;
}

unsigned editor_handle(ui_t *ui, ui_editor_t *e, const ui_event_t *ev)
{
	int k, page;
	if (!e->buf)
		return UI_IGNORED;
	layout(e, e->width > 0 ? e->width : 80);
	if (e->readonly)
		return scroll_view(e, ev->action);
	if (ev->action == KA_NONE)
		return ev->ch ? insert_char(ui, e, ev->ch) : UI_IGNORED;
	page = e->page > 1 ? e->page - 1 : 1;
	switch (ev->action) {
	case KA_SELECT:
		return insert(ui, e, "\n", 1);
	case KA_NEXT_FIELD:
		return insert(ui, e, "    ", TAB_SPACES);
	case KA_BACKSPACE:
		if (e->cur == 0)
			return UI_HANDLED;
		remove_range(e, prev_char(e, e->cur), e->cur);
		return UI_REDRAW;
	case KA_DELETE: {
		int cw;
		if (e->cur >= e->len)
			return UI_HANDLED;
		remove_range(e, e->cur, e->cur + char_at(e->buf + e->cur, e->len - e->cur, &cw));
		return UI_REDRAW;
	}
	case KA_LEFT:
		if (e->cur == 0)
			return UI_HANDLED;
		e->cur = prev_char(e, e->cur);
		e->goal = -1;
		return UI_REDRAW;
	case KA_RIGHT: {
		int cw;
		if (e->cur >= e->len)
			return UI_HANDLED;
		e->cur += char_at(e->buf + e->cur, e->len - e->cur, &cw);
		e->goal = -1;
		return UI_REDRAW;
	}
	case KA_UP:
		move_lines(e, -1);
		return UI_REDRAW;
	case KA_DOWN:
		move_lines(e, 1);
		return UI_REDRAW;
	case KA_PAGE_UP:
		move_lines(e, -page);
		return UI_REDRAW;
	case KA_PAGE_DOWN:
		move_lines(e, page);
		return UI_REDRAW;
	case KA_HOME:
		k = line_of(e, e->cur);
		e->cur = e->ls[k];
		e->goal = -1;
		return UI_REDRAW;
	case KA_END:
		k = line_of(e, e->cur);
		e->cur = line_end(e, k);
		e->goal = -1;
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

void editor_draw(ui_t *ui, ui_editor_t *e, WINDOW *w, int y, int x, int h, int width, int focus)
{
	char line[1024];
	int cl;
	if (h <= 0 || width < 2 || !e->buf)
		return;
	layout(e, width - 1); /* a column for the cursor at the end of a line */
	e->page = h;
	cl = line_of(e, e->cur);
	if (!e->readonly) {
		if (cl < e->top)
			e->top = cl;
		if (cl >= e->top + h)
			e->top = cl - h + 1;
	}
	if (e->top > e->nl - 1)
		e->top = e->nl - 1;
	if (e->top < 0)
		e->top = 0;
	wattrset(w, theme_attr(TH_NORMAL));
	for (int r = 0; r < h && e->top + r < e->nl; r++) {
		int k = e->top + r;
		size_t from = e->ls[k], to = k + 1 < e->nl ? e->ls[k + 1] : e->len, n = to - from;
		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, e->buf + from, n);
		if (n && line[n - 1] == '\n')
			n--; /* the line's break is not drawn */
		line[n] = '\0';
		draw_text(w, y + r, x, width, line, 0);
	}
	explicit_bzero(line, sizeof line);
	if (focus && !e->readonly && cl >= e->top && cl < e->top + h)
		ui_cursor(ui, y + cl - e->top, x + cols_between(e, e->ls[cl], e->cur));
}

void editor_position(const ui_editor_t *e, char *buf, size_t size)
{
	int k = e->readonly ? e->top : (e->nl ? line_of(e, e->cur) : 0);
	snprintf(buf, size, "line %d of %d", k + 1, e->nl > 0 ? e->nl : 1);
}
