/* screen_help.c - the help screen, generated from the keymap table: every
 * action's keys (as configured), its config name for `[ui] key.NAME`, and
 * what it does. Holds only the list position. */
#include "ui/screen_help.h"

#include <stdio.h>

#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

typedef struct help {
	ui_t *ui;
	ui_list_t list;
} help_t;

static int help_count(void *arg)
{
	(void)arg;
	return KA_COUNT - 1;
}

static void help_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	help_t *h = arg;
	keyact_t a = (keyact_t)(i + 1);
	char keys[64];
	(void)selected;
	keymap_keys(ui_keymap(h->ui), a, keys, sizeof keys);
	draw_text(w, y, x + 1, 14, keys[0] ? keys : "(none)", 0);
	draw_text(w, y, x + 16, 13, keymap_name(a), 0);
	draw_text(w, y, x + 30, width - 31, keymap_help(a), 0);
}

static status_t help_open(ui_t *ui, void *priv, msg_t *m)
{
	help_t *h = priv;
	(void)m;
	h->ui = ui;
	h->list.count = help_count;
	h->list.draw_row = help_row;
	h->list.arg = h;
	return STATUS_OK;
}

static void help_draw(ui_t *ui, void *priv, WINDOW *w)
{
	help_t *h = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char pos[48];
	(void)ui;
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 0, 1, "Keys");
	mvwaddstr(w, 0, 16, "Action");
	mvwaddstr(w, 0, 30, "What it does");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&h->list, w, 1, 0, H - 4, W);
	draw_text(w, H - 2, 1, W - 2,
	          "Rebind keys in the configuration: [ui] key.ACTION = KEY, e.g. key.quit = Q", 0);
	list_position(&h->list, pos, sizeof pos);
	draw_text(w, H - 1, 1, W - 2, pos, 0);
}

static unsigned help_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	help_t *h = priv;
	(void)ui;
	return list_handle(&h->list, ev->action);
}

static const struct screen_hint help_hints[] = {
    {KA_BACK, "back"},
    {KA_DOWN, "scroll"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_help = {
    .title = "Help: keys",
    .private_size = sizeof(help_t),
    .flags = SCREEN_NO_SESSION,
    .hints = help_hints,
    .open = help_open,
    .draw = help_draw,
    .handle = help_handle,
};
