/* rights_view.c - text pages, the details screen and form parts for the
 * patients'-rights screens (rights_view.h). */
#include "ui/rights_view.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ui/draw.h"
#include "ui/widget_keys.h"

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

const struct screen_hint rv_form_hints[] = {
    {KA_SAVE, "save"}, {KA_NEXT_FIELD, "next field"}, {KA_BACK, "cancel"}, {KA_HELP, "help"},
    {KA_NONE, NULL},
};

int rv_typing(const void *priv)
{
	(void)priv;
	return 1;
}

void rv_form_close(ui_t *ui, void *priv)
{
	(void)ui;
	form_free((ui_form_t *)priv);
}

void rv_form_forget(ui_t *ui, void *priv)
{
	(void)ui;
	form_clear((ui_form_t *)priv, 1);
}

unsigned rv_form_keys(ui_t *ui, ui_form_t *f, const ui_event_t *ev,
                      unsigned (*submit)(ui_t *ui, void *priv), void *priv, int *armed,
                      const char *back_msg)
{
	unsigned r;
	if (ev->action == KA_SAVE)
		return submit(ui, priv);
	if ((r = form_handle(ui, f, ev)) != UI_IGNORED) {
		if (armed)
			*armed = 0;
		return r;
	}
	if (ev->action == KA_SELECT)
		return submit(ui, priv);
	if (ev->action == KA_BACK) {
		if (back_msg)
			ui_message(ui, UI_MSG_INFO, "%s", back_msg);
		return UI_BACK;
	}
	return UI_HANDLED;
}

unsigned rv_saved(ui_t *ui, status_t st, const msg_t *m)
{
	if (st != STATUS_OK) {
		keys_tell(ui, UI_MSG_ERROR, m->text);
		return UI_REDRAW;
	}
	ui_message(ui, UI_MSG_OK, "%s", m->text);
	return UI_BACK | UI_RELOAD;
}

status_t rv_take_arg(ui_t *ui, rv_arg_t *a, const char *missing, msg_t *m)
{
	size_t size = 0;
	const rv_arg_t *arg = ui_arg(ui, &size);
	if (!arg || size != sizeof *arg)
		return msg_fail(m, STATUS_INVALID, "%s", missing);
	*a = *arg;
	return STATUS_OK;
}

void rv_heading(WINDOW *w, const char *text)
{
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 0, 1, getmaxx(w) - 2, text, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

void rv_footer(WINDOW *w, const char *foot)
{
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, getmaxy(w) - 1, 1, getmaxx(w) - 2, foot, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

status_t rv_detail_open(ui_t *ui, rv_detail_t *d, const char *missing, msg_t *m)
{
	status_t ret = rv_take_arg(ui, &d->a, missing, m);
	if (ret == STATUS_OK)
		rv_init(&d->page);
	return ret;
}

const struct screen_hint rv_list_hints[] = {
    {KA_SELECT, "details"}, {KA_ADD, "new"}, {KA_BACK, "back"}, {KA_HELP, "help"}, {KA_NONE, NULL},
};

void rv_list_footer(ui_t *ui, WINDOW *w, const char *act_label)
{
	char foot[240] = "";
	keys_add(ui, foot, sizeof foot, KA_SELECT, "details");
	keys_add(ui, foot, sizeof foot, KA_ADD, "new request");
	keys_add(ui, foot, sizeof foot, KA_SET_STATUS, act_label);
	keys_add(ui, foot, sizeof foot, KA_NEXT_FIELD, "filter");
	rv_footer(w, foot);
}

unsigned rv_list_keys(ui_t *ui, keyact_t action, const int64_t *n, const struct screen_ops *add,
                      const struct screen_ops *detail, const struct screen_ops *act)
{
	rv_arg_t a;
	memset(&a, 0, sizeof a);
	if (n)
		a.n = *n;
	switch (action) {
	case KA_ADD:
		ui_open(ui, add);
		return UI_REDRAW;
	case KA_SELECT:
		if (n)
			ui_open_arg(ui, detail, &a, sizeof a);
		return UI_REDRAW;
	case KA_SET_STATUS:
		if (n)
			ui_open_arg(ui, act, &a, sizeof a);
		return UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		return UI_BACK;
	default:
		return UI_IGNORED;
	}
}

const struct screen_hint rv_detail_hints[] = {
    {KA_SET_STATUS, "act"},
    {KA_BACK, "back"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

void rv_detail_forget(ui_t *ui, void *priv)
{
	(void)ui;
	rv_clear(&((rv_detail_t *)priv)->page);
}

void rv_detail_draw(ui_t *ui, rv_detail_t *d, WINDOW *w, const char *act_label)
{
	char foot[200] = "";
	rv_draw(&d->page, w, 0, getmaxy(w) - 2, getmaxx(w) - 2);
	keys_add(ui, foot, sizeof foot, KA_SET_STATUS, act_label);
	keys_add(ui, foot, sizeof foot, KA_BACK, "back");
	rv_footer(w, foot);
}

unsigned rv_detail_handle(ui_t *ui, rv_detail_t *d, const ui_event_t *ev,
                          const struct screen_ops *act)
{
	unsigned f = list_handle(&d->page.list, ev->action);
	if (f != UI_IGNORED)
		return f;
	switch (ev->action) {
	case KA_SET_STATUS:
		ui_open_arg(ui, act, &d->a, sizeof d->a);
		return UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		return UI_BACK | UI_RELOAD;
	default:
		return UI_IGNORED;
	}
}
