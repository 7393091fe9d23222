/* widget_field.c - one-line text entry over a plain or guarded buffer. */
#include "ui/widget_field.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "core/crypto.h"
#include "ui/draw.h"
#include "ui/theme.h"

status_t tfield_init(ui_field_t *f, size_t cap, int secret, msg_t *m)
{
	memset(f, 0, sizeof *f);
	f->buf = secret ? crypto_secure_text(cap) : calloc(1, cap);
	if (!f->buf)
		return msg_fail(m, STATUS_NOMEM, "Out of memory for a text field.");
	f->cap = cap;
	f->secret = secret;
	return STATUS_OK;
}

void tfield_free(ui_field_t *f)
{
	if (!f->buf)
		return;
	if (f->secret) {
		crypto_secure_text_free(f->buf);
	} else {
		explicit_bzero(f->buf, f->cap);
		free(f->buf);
	}
	memset(f, 0, sizeof *f);
}

void tfield_clear(ui_field_t *f)
{
	if (f->buf)
		explicit_bzero(f->buf, f->cap);
	f->len = f->cur = f->first = 0;
}

const char *tfield_text(const ui_field_t *f)
{
	return f->buf ? f->buf : "";
}

/* Length in bytes of the character starting at s (1 for a bad byte). */
static size_t char_len(const char *s, size_t n)
{
	mbstate_t st;
	wchar_t wc;
	size_t used;
	memset(&st, 0, sizeof st);
	used = mbrtowc(&wc, s, n, &st);
	return (used == 0 || used > n) ? 1 : used;
}

/* Byte offset of the character before offset `at`. */
static size_t prev_char(const ui_field_t *f, size_t at)
{
	size_t p = 0, last = 0;
	while (p < at) {
		last = p;
		p += char_len(f->buf + p, f->len - p);
	}
	return last;
}

/* Screen columns of buf[from, to). */
static int cols_between(const ui_field_t *f, size_t from, size_t to)
{
	int cols = 0;
	while (from < to) {
		size_t n = char_len(f->buf + from, f->len - from);
		if (f->secret) {
			cols++;
		} else {
			mbstate_t st;
			wchar_t wc;
			memset(&st, 0, sizeof st);
			if (mbrtowc(&wc, f->buf + from, n, &st) <= n && wcwidth(wc) > 0)
				cols += wcwidth(wc);
			else
				cols++;
		}
		from += n;
	}
	return cols;
}

static unsigned insert(ui_t *ui, ui_field_t *f, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;
	unsigned ret = UI_REDRAW;

	if (!f->secret && ch >= 0x80 &&
	    text_cp_class((uint32_t)ch) != TEXT_PRINT) {
		/* A C1 or bidi control, pasted or typed: refused here as core
		 * refuses it on save (a C0 control is a key, ignored below). */
		ui_message(ui, UI_MSG_WARN,
			   "U+%04X cannot be typed: it is a control or bidirectional character.",
			   (unsigned)ch);
		return UI_HANDLED;
	}
	if (!iswprint(ch) || (!f->secret && wcwidth((wchar_t)ch) < 1))
		return UI_HANDLED;
	memset(&st, 0, sizeof st);
	n = wcrtomb(mb, (wchar_t)ch, &st);
	if (n == (size_t)-1 || n == 0)
		return UI_HANDLED;
	if (f->len + n + 1 > f->cap) {
		ui_message(ui, UI_MSG_WARN, "That is as much as this field can hold.");
		ret = UI_HANDLED;
		goto cleanup;
	}
	memmove(f->buf + f->cur + n, f->buf + f->cur, f->len - f->cur + 1);
	memcpy(f->buf + f->cur, mb, n);
	f->len += n;
	f->cur += n;
cleanup:
	explicit_bzero(mb, sizeof mb); /* it may be a password's character */
	return ret;
}

unsigned tfield_handle(ui_t *ui, ui_field_t *f, const ui_event_t *ev)
{
	size_t n;
	if (!f->buf)
		return UI_IGNORED;
	if (ev->action == KA_NONE)
		return ev->ch ? insert(ui, f, ev->ch) : UI_IGNORED;
	switch (ev->action) {
	case KA_LEFT:
		if (f->cur == 0)
			return UI_HANDLED;
		f->cur = prev_char(f, f->cur);
		return UI_REDRAW;
	case KA_RIGHT:
		if (f->cur >= f->len)
			return UI_HANDLED;
		f->cur += char_len(f->buf + f->cur, f->len - f->cur);
		return UI_REDRAW;
	case KA_HOME:
		f->cur = 0;
		return UI_REDRAW;
	case KA_END:
		f->cur = f->len;
		return UI_REDRAW;
	case KA_BACKSPACE:
		if (f->cur == 0)
			return UI_HANDLED;
		n = f->cur - prev_char(f, f->cur);
		memmove(f->buf + f->cur - n, f->buf + f->cur, f->len - f->cur + 1);
		f->cur -= n;
		f->len -= n;
		explicit_bzero(f->buf + f->len, f->cap - f->len);
		return UI_REDRAW;
	case KA_DELETE:
		if (f->cur >= f->len)
			return UI_HANDLED;
		n = char_len(f->buf + f->cur, f->len - f->cur);
		memmove(f->buf + f->cur, f->buf + f->cur + n, f->len - f->cur - n + 1);
		f->len -= n;
		explicit_bzero(f->buf + f->len, f->cap - f->len);
		return UI_REDRAW;
	case KA_CLEAR_FIELD:
		tfield_clear(f);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

void tfield_draw(ui_t *ui, WINDOW *w, int y, int x, int width, ui_field_t *f, int focus)
{
	int col = 0;
	size_t p;
	if (width < 2)
		return;
	/* Scroll so the cursor is visible, keeping one column for it at the
	 * end of the text. */
	if (f->cur < f->first)
		f->first = f->cur;
	while (f->first < f->cur && cols_between(f, f->first, f->cur) > width - 1)
		f->first += char_len(f->buf + f->first, f->len - f->first);
	wattrset(w, theme_attr(focus ? TH_FIELD_FOCUS : TH_FIELD));
	mvwhline(w, y, x, ' ', width);
	if (f->secret) {
		for (p = f->first; p < f->len && col < width; p += char_len(f->buf + p, f->len - p))
			mvwaddch(w, y, x + col++, '*');
	} else if (f->buf) {
		draw_text(w, y, x, width, f->buf + f->first, 0);
	}
	if (f->first > 0)
		mvwaddch(w, y, x, '<'); /* there is more to the left */
	wattrset(w, theme_attr(TH_NORMAL));
	if (focus)
		ui_cursor(ui, y, x + cols_between(f, f->first, f->cur));
}
