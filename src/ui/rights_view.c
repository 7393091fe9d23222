/* rights_view.c - text pages for the patients'-rights screens
 * (rights_view.h). */
#include "ui/rights_view.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ui/draw.h"

static int page_count(void *arg)
{
	return ((rv_page_t *)arg)->n;
}

static void page_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	rv_page_t *p = arg;
	if (!selected)
		wattrset(w, theme_attr(p->role[i]));
	draw_text(w, y, x, width, p->line[i], 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
}

static int page_match(void *arg, int i, const char *text)
{
	return strstr(((rv_page_t *)arg)->line[i], text) != NULL;
}

void rv_init(rv_page_t *p)
{
	rv_clear(p);
	p->list.count = page_count;
	p->list.draw_row = page_row;
	p->list.match = page_match;
	p->list.arg = p;
	p->list.empty = "(nothing)";
}

void rv_add(rv_page_t *p, theme_role_t role, const char *fmt, ...)
{
	char raw[RV_WIDTH * 2];
	va_list ap;
	if (p->n >= RV_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	draw_clean(p->line[p->n], RV_WIDTH, raw);
	p->role[p->n++] = role;
	sodium_memzero(raw, sizeof raw);
}

typedef struct wrap_ctx {
	rv_page_t *p;
	const char *label;
	int first;
} wrap_ctx_t;

static void wrap_line(const char *line, int n, void *arg)
{
	wrap_ctx_t *c = arg;
	(void)n;
	if (c->p->n >= RV_LINES)
		return;
	snprintf(c->p->line[c->p->n], RV_WIDTH, "%s%s", c->first ? c->label : "    ", line);
	c->p->role[c->p->n++] = TH_NORMAL;
	c->first = 0;
}

void rv_wrap(rv_page_t *p, const char *label, const char *text)
{
	char head[64];
	wrap_ctx_t c = {p, head, 1};
	if (!text || !*text)
		return;
	snprintf(head, sizeof head, "%s: ", label);
	draw_wrap(text, 74 - (int)strlen(head), wrap_line, &c);
}

void rv_clear(rv_page_t *p)
{
	sodium_memzero(p->line, sizeof p->line);
	p->n = 0;
	p->list.cur = p->list.top = 0;
}

void rv_draw(rv_page_t *p, WINDOW *w, int y, int h, int width)
{
	list_draw(&p->list, w, y, 1, h, width);
}
