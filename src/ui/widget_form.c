/* widget_form.c - labelled inputs in a scrolling column. */
#include "ui/widget_form.h"

#include <string.h>
#include <wctype.h>

#include "ui/draw.h"
#include "ui/theme.h"

status_t form_text_item(ui_form_item_t *it, const char *label, size_t cap, int required, msg_t *m)
{
	memset(it, 0, sizeof *it);
	it->label = label;
	it->kind = FORM_TEXT;
	it->required = required;
	return tfield_init(&it->text, cap, 0, m);
}

status_t form_secret_item(ui_form_item_t *it, const char *label, size_t cap, int required, msg_t *m)
{
	memset(it, 0, sizeof *it);
	it->label = label;
	it->kind = FORM_TEXT;
	it->required = required;
	return tfield_init(&it->text, cap, 1, m);
}

void form_choice_item(ui_form_item_t *it, const char *label, const char *const *choices, int n,
                      int sel)
{
	memset(it, 0, sizeof *it);
	it->label = label;
	it->kind = FORM_CHOICE;
	it->choices = choices;
	it->nchoices = n;
	it->choice = sel >= 0 && sel < n ? sel : 0;
}

void form_free(ui_form_t *f)
{
	for (int i = 0; f->items && i < f->n; i++)
		if (f->items[i].kind == FORM_TEXT)
			tfield_free(&f->items[i].text);
}

void form_clear(ui_form_t *f, int choices_too)
{
	for (int i = 0; i < f->n; i++) {
		ui_form_item_t *it = &f->items[i];
		if (it->kind == FORM_TEXT)
			tfield_clear(&it->text);
		else if (choices_too)
			it->choice = 0;
		it->bad = 0;
	}
	f->focus = 0;
	f->top = 0;
	f->held = 0;
}

const char *form_text(const ui_form_t *f, int i)
{
	if (i < 0 || i >= f->n || f->items[i].kind != FORM_TEXT)
		return "";
	return tfield_text(&f->items[i].text);
}

/* Bytes of the UTF-8 character at s (1 for a bad byte). */
static size_t char_len(const char *s, size_t n)
{
	mbstate_t st;
	wchar_t wc;
	size_t used;
	memset(&st, 0, sizeof st);
	used = mbrtowc(&wc, s, n, &st);
	return (used == 0 || used > n) ? 1 : used;
}

void form_set(ui_form_t *f, int i, const char *text)
{
	ui_field_t *t;
	size_t n = 0, len = text ? strlen(text) : 0;
	if (i < 0 || i >= f->n || f->items[i].kind != FORM_TEXT)
		return;
	t = &f->items[i].text;
	if (!t->buf)
		return;
	tfield_clear(t);
	while (n < len) {
		size_t c = char_len(text + n, len - n);
		if (n + c + 1 > t->cap)
			break;
		n += c;
	}
	memcpy(t->buf, text, n);
	t->buf[n] = '\0';
	t->len = t->cur = n;
	t->first = 0;
}

int form_choice(const ui_form_t *f, int i)
{
	return i >= 0 && i < f->n && f->items[i].kind == FORM_CHOICE ? f->items[i].choice : -1;
}

void form_focus_bad(ui_form_t *f, int i)
{
	if (i < 0 || i >= f->n)
		return;
	f->focus = i;
	f->items[i].bad = 1;
	/* A value there is held as a refusal on leaving is; an empty one
	 * (a required field) waits for its text. */
	f->held = form_text(f, i)[0] ? i + 1 : 0;
}

const char *form_held(const ui_form_t *f)
{
	return f->n && f->held == f->focus + 1 ? f->items[f->focus].label : NULL;
}

int form_check(ui_t *ui, ui_form_t *f)
{
	int refused;
	if (!f->leave || f->n == 0)
		return 0;
	refused = f->leave(ui, f, f->focus, f->arg) != 0;
	f->items[f->focus].bad = refused;
	return refused;
}

/* Move the focus to `to` if the current input lets it go: a refused one
 * keeps it, and lets it go when the user moves again. */
static unsigned move_to(ui_t *ui, ui_form_t *f, int to)
{
	if (to < 0)
		to = 0;
	if (to >= f->n)
		to = f->n - 1;
	if (to == f->focus)
		return UI_HANDLED;
	if (f->held == f->focus + 1) {
		/* Moved again after the refusal: the user's choice. The
		 * value stays marked, and saving stops at it. */
		ui_message(ui, UI_MSG_WARN, "%s still needs fixing; it is checked again on saving.",
		           f->items[f->focus].label);
		f->held = 0;
		f->focus = to;
		return UI_REDRAW;
	}
	if (form_check(ui, f)) {
		f->held = f->focus + 1; /* the reason is on the message line */
		return UI_REDRAW;
	}
	f->held = 0;
	f->focus = to;
	return UI_REDRAW;
}

/* The line of input i, counting heading lines. */
static int line_of(const ui_form_t *f, int i)
{
	int line = 0;
	for (int k = 0; k < i && k < f->n; k++)
		line += 1 + (f->items[k].heading != NULL);
	return line + (i < f->n && f->items[i].heading != NULL);
}

static int lines_total(const ui_form_t *f)
{
	return f->n ? line_of(f, f->n - 1) + 1 : 0;
}

/* The text drawn for a masked input: digits but the last four as '*'. */
static void masked(const char *in, char *out, size_t size)
{
	size_t n = strlen(in), digits = 0, seen = 0, o = 0;
	for (size_t i = 0; i < n; i++)
		digits += in[i] >= '0' && in[i] <= '9';
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		int d = in[i] >= '0' && in[i] <= '9';
		seen += d;
		out[o++] = d && seen + 4 <= digits ? '*' : in[i];
	}
	out[o] = '\0';
}

static void draw_item(ui_t *ui, ui_form_t *f, WINDOW *w, int y, int x, int width, int i)
{
	ui_form_item_t *it = &f->items[i];
	int focus = i == f->focus;
	int fx = x + 3 + f->label_w + 1, fw = width - (fx - x);
	char buf[160];

	/* As wide as the value may be, but never so narrow it cannot show
	 * what was typed too much (a refused value). */
	if (it->width > 0 && (it->width < 8 ? 9 : it->width + 1) < fw)
		fw = it->width < 8 ? 9 : it->width + 1;
	if (it->bad) {
		wattrset(w, theme_attr(TH_ERROR));
		mvwaddch(w, y, x, '!');
	}
	wattrset(w, theme_attr(focus ? TH_HEADING : TH_NORMAL));
	if (it->required)
		mvwaddch(w, y, x + 1, '*');
	draw_text(w, y, x + 3, f->label_w, it->label, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	if (fw < 2)
		return;
	if (it->kind == FORM_CHOICE) {
		const char *v = it->nchoices > 0 ? it->choices[it->choice] : "";
		snprintf(buf, sizeof buf, "< %s >", v);
		wattrset(w, theme_attr(focus ? TH_FIELD_FOCUS : TH_FIELD));
		draw_text(w, y, fx, fw, buf, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		if (focus)
			ui_cursor(ui, y, fx + 2);
		return;
	}
	if (it->mask && !focus) {
		char text[256];
		masked(tfield_text(&it->text), text, sizeof text);
		wattrset(w, theme_attr(TH_FIELD));
		mvwhline(w, y, fx, ' ', fw);
		draw_text(w, y, fx, fw, text, 0);
		explicit_bzero(text, sizeof text);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	tfield_draw(ui, w, y, fx, fw, &it->text, focus);
}

/* Inputs from..to-1 with their headings, `line0` being their first line
 * and `top` the first line shown, in h lines. */
static void draw_range(ui_t *ui, ui_form_t *f, WINDOW *w, int y, int x, int h, int width,
                       int from, int to, int line0, int top)
{
	int line = line0;
	for (int i = from; i < to; i++) {
		if (f->items[i].heading) {
			if (line >= top && line < top + h) {
				wattrset(w, theme_attr(TH_HEADING));
				draw_text(w, y + line - top, x + 1, width - 1, f->items[i].heading, 0);
				wattrset(w, theme_attr(TH_NORMAL));
			}
			line++;
		}
		if (line >= top && line < top + h)
			draw_item(ui, f, w, y + line - top, x, width, i);
		line++;
	}
}

/* On a wide terminal a form with headings is drawn in two columns, split
 * before a heading so that both fit the height (no scrolling) and are as
 * even as can be: the index of the first input of the second column, or
 * 0 for one column. */
#define FORM_TWO_COLUMNS 150
static int split_of(const ui_form_t *f, int h, int width)
{
	int total = lines_total(f), best = 0, best_tall = 0;
	if (width < FORM_TWO_COLUMNS)
		return 0;
	for (int i = 1; i < f->n; i++) {
		int left, tall;
		if (!f->items[i].heading)
			continue;
		left = line_of(f, i) - 1;
		tall = left > total - left ? left : total - left;
		if (tall <= h && (!best || tall < best_tall)) {
			best = i;
			best_tall = tall;
		}
	}
	return best;
}

void form_draw(ui_t *ui, ui_form_t *f, WINDOW *w, int y, int x, int h, int width)
{
	int total = lines_total(f), fl, split;
	if (h <= 0 || f->n == 0)
		return;
	if ((split = split_of(f, h, width)) > 0) {
		int half = width / 2;
		f->top = 0;
		draw_range(ui, f, w, y, x, h, half - 1, 0, split, 0, 0);
		draw_range(ui, f, w, y, x + half, h, width - half, split, f->n, 0, 0);
		return;
	}
	/* Keep the focused input, and its heading, in view. */
	fl = line_of(f, f->focus);
	if (fl - (f->items[f->focus].heading != NULL) < f->top)
		f->top = fl - (f->items[f->focus].heading != NULL);
	if (fl >= f->top + h)
		f->top = fl - h + 1;
	if (f->top > total - h)
		f->top = total - h > 0 ? total - h : 0;
	if (f->top < 0)
		f->top = 0;
	draw_range(ui, f, w, y, x, h, width, 0, f->n, 0, f->top);
	wattrset(w, theme_attr(TH_HINT));
	if (f->top > 0)
		draw_text(w, y, x + width - 7, 7, "^ more", 0);
	if (f->top + h < total)
		draw_text(w, y + h - 1, x + width - 7, 7, "v more", 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

/* A typed character on a choice: the next choice starting with it. */
static unsigned choose_by_letter(ui_form_item_t *it, wint_t ch)
{
	for (int k = 1; k <= it->nchoices; k++) {
		int c = (it->choice + k) % it->nchoices;
		wchar_t first;
		mbstate_t st;
		memset(&st, 0, sizeof st);
		if (mbrtowc(&first, it->choices[c], strlen(it->choices[c]), &st) > 0 &&
		    towlower((wint_t)first) == towlower(ch)) {
			it->choice = c;
			return UI_REDRAW;
		}
	}
	return UI_HANDLED;
}

unsigned form_handle(ui_t *ui, ui_form_t *f, const ui_event_t *ev)
{
	ui_form_item_t *it;
	unsigned r;
	if (f->n == 0)
		return UI_IGNORED;
	it = &f->items[f->focus];
	if (f->held == f->focus + 1 && it->kind == FORM_TEXT) {
		/* Just refused: a character is not added to the refused value
		 * (it was meant for the next field); the reason is said again.
		 * An editing key means the user is fixing it. */
		if (ev->action == KA_NONE && ev->ch) {
			form_check(ui, f);
			return UI_REDRAW;
		} else if (ev->action == KA_LEFT || ev->action == KA_RIGHT ||
		           ev->action == KA_HOME || ev->action == KA_END ||
		           ev->action == KA_BACKSPACE || ev->action == KA_DELETE ||
		           ev->action == KA_CLEAR_FIELD) {
			f->held = 0;
		}
	}
	if (it->kind == FORM_TEXT) {
		if ((r = tfield_handle(ui, &it->text, ev)) != UI_IGNORED) {
			if (r == UI_REDRAW)
				it->bad = 0;
			return r;
		}
	} else if (it->nchoices > 0) {
		switch (ev->action) {
		case KA_NONE:
			if (ev->ch == L' ') {
				it->choice = (it->choice + 1) % it->nchoices;
				return UI_REDRAW;
			}
			return ev->ch ? choose_by_letter(it, ev->ch) : UI_IGNORED;
		case KA_RIGHT:
			it->choice = (it->choice + 1) % it->nchoices;
			return UI_REDRAW;
		case KA_LEFT:
			it->choice = (it->choice + it->nchoices - 1) % it->nchoices;
			return UI_REDRAW;
		case KA_HOME:
		case KA_END:
		case KA_BACKSPACE:
		case KA_DELETE:
		case KA_CLEAR_FIELD:
			return UI_HANDLED;
		default:
			break;
		}
	}
	switch (ev->action) {
	case KA_SELECT:
		if (f->focus == f->n - 1)
			return UI_IGNORED; /* the screen submits */
		return move_to(ui, f, f->focus + 1);
	case KA_NEXT_FIELD:
	case KA_DOWN:
		return move_to(ui, f, f->focus + 1);
	case KA_PREV_FIELD:
	case KA_UP:
		return move_to(ui, f, f->focus - 1);
	case KA_PAGE_DOWN:
		return move_to(ui, f, f->focus + 8);
	case KA_PAGE_UP:
		return move_to(ui, f, f->focus - 8);
	default:
		return UI_IGNORED;
	}
}
