/* widget_list.c - cursor and scrolling for a list drawn row on demand. */
#include "ui/widget_list.h"

#include <stdio.h>

#include "ui/draw.h"
#include "ui/screen.h"
#include "ui/theme.h"

void list_clamp(ui_list_t *l)
{
	int n = l->count(l->arg);
	if (l->cur >= n)
		l->cur = n - 1;
	if (l->cur < 0)
		l->cur = 0;
	if (l->top > l->cur)
		l->top = l->cur;
	if (l->top < 0)
		l->top = 0;
}

void list_draw(ui_list_t *l, WINDOW *w, int y, int x, int h, int width)
{
	int n = l->count(l->arg);
	if (h <= 0 || width <= 0)
		return;
	l->page = h;
	list_clamp(l);
	if (l->cur >= l->top + h)
		l->top = l->cur - h + 1;
	if (l->top > 0 && l->top + h > n) /* no blank space after the end */
		l->top = n - h > 0 ? n - h : 0;
	if (n == 0) {
		wattrset(w, theme_attr(TH_NORMAL));
		draw_text(w, y, x, width, l->empty ? l->empty : "(nothing to show)", 0);
		return;
	}
	for (int r = 0; r < h && l->top + r < n; r++) {
		int i = l->top + r;
		int sel = i == l->cur;
		wattrset(w, theme_attr(sel ? TH_SELECTED : TH_NORMAL));
		mvwhline(w, y + r, x, ' ', width);
		l->draw_row(l->arg, w, y + r, x, width, i, sel);
	}
	wattrset(w, theme_attr(TH_NORMAL));
}

unsigned list_handle(ui_list_t *l, keyact_t a)
{
	int n = l->count(l->arg), old = l->cur, page = l->page > 1 ? l->page - 1 : 1;
	switch (a) {
	case KA_UP:
		l->cur--;
		break;
	case KA_DOWN:
		l->cur++;
		break;
	case KA_PAGE_UP:
		l->cur -= page;
		l->top -= page;
		break;
	case KA_PAGE_DOWN:
		l->cur += page;
		l->top += page;
		break;
	case KA_HOME:
		l->cur = 0;
		break;
	case KA_END:
		l->cur = n - 1;
		break;
	default:
		return UI_IGNORED;
	}
	if (l->cur >= n)
		l->cur = n - 1;
	if (l->cur < 0)
		l->cur = 0;
	if (l->top > l->cur)
		l->top = l->cur;
	if (l->top < 0)
		l->top = 0;
	if (l->page > 0 && l->top + l->page <= l->cur)
		l->top = l->cur - l->page + 1;
	return l->cur != old ? UI_REDRAW : UI_HANDLED;
}

void list_position(const ui_list_t *l, char *buf, size_t size)
{
	int n = l->count(l->arg);
	int last = l->top + l->page < n ? l->top + l->page : n;
	if (n == 0)
		snprintf(buf, size, "no rows");
	else
		snprintf(buf, size, "rows %d-%d of %d", l->top + 1, last, n);
}

int list_find(ui_list_t *l, const char *text)
{
	int n = l->count(l->arg);
	if (!l->match || !text || !*text || n == 0)
		return 0;
	for (int k = 1; k <= n; k++) {
		int i = (l->cur + k) % n;
		if (l->match(l->arg, i, text)) {
			l->cur = i;
			if (l->top > i || (l->page > 0 && i >= l->top + l->page))
				l->top = i; /* list_draw settles the top */
			return 1;
		}
	}
	return 0;
}
