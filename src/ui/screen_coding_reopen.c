/* screen_coding_reopen.c - reopening final (or verified) coding: asks the
 * reason, which core requires (a few words) and keeps in the audit trail
 * with the change (coding_reopen). Holds only the typed reason, wiped on
 * close and on idle lock. */
#include "ui/screen_coding.h"

#include <stdio.h>
#include <string.h>

#include "core/coding.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_field.h"

#define REASON_CAP 400

typedef struct reopen {
	int64_t erow;
	ui_field_t why;
	char note[600]; /* core's refusal */
} reopen_t;

static const struct screen_ops screen_reopen;

void screen_coding_reopen(ui_t *ui, int64_t erow)
{
	ui_open_arg(ui, &screen_reopen, &erow, sizeof erow);
}

static status_t reopen_open(ui_t *ui, void *priv, msg_t *m)
{
	reopen_t *r = priv;
	if ((r->erow = screen_coding_arg(ui)) == 0)
		return msg_fail(m, STATUS_INVALID, "No encounter was chosen.");
	return tfield_init(&r->why, REASON_CAP, 0, m);
}

static void reopen_forget(ui_t *ui, void *priv)
{
	reopen_t *r = priv;
	(void)ui;
	tfield_clear(&r->why);
	explicit_bzero(r->note, sizeof r->note);
}

static void reopen_close(ui_t *ui, void *priv)
{
	reopen_t *r = priv;
	reopen_forget(ui, priv);
	tfield_free(&r->why);
}

static int reopen_typing(const void *priv)
{
	(void)priv;
	return 1;
}

struct wrap_at {
	WINDOW *w;
	int y, x, width, max;
};

static void wrap_line(const char *line, int n, void *arg)
{
	struct wrap_at *wa = arg;
	if (n < wa->max)
		draw_text(wa->w, wa->y + n, wa->x, wa->width, line, 0);
}

static void reopen_draw(ui_t *ui, void *priv, WINDOW *w)
{
	reopen_t *r = priv;
	int W = getmaxx(w);
	char line[200];
	struct wrap_at wa = {w, 3, 2, W - 4, 3};
	wattrset(w, theme_attr(TH_HEADING));
	snprintf(line, sizeof line, "Reopen the coding of encounter %lld", (long long)r->erow);
	draw_text(w, 1, 2, W - 4, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	draw_wrap("Reopened coding goes back to \"coded\" and can be changed, then verified and "
	          "finalised again. Say why in a few words (a corrected diagnosis, a late "
	          "result, a payer's query); the reason is kept in the audit trail.",
	          W - 4, wrap_line, &wa);
	mvwaddstr(w, 7, 2, "Reason:");
	if (r->note[0]) {
		struct wrap_at na = {w, 9, 2, W - 4, 4};
		wattrset(w, theme_attr(TH_ERROR));
		draw_wrap(r->note, W - 4, wrap_line, &na);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	tfield_draw(ui, w, 7, 10, W - 12, &r->why, 1);
}

static unsigned reopen_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	reopen_t *r = priv;
	msg_t m;
	unsigned f = tfield_handle(ui, &r->why, ev);
	if (f != UI_IGNORED) {
		if (f & UI_REDRAW)
			r->note[0] = '\0';
		return f;
	}
	switch (ev->action) {
	case KA_SELECT:
		msg_clear(&m);
		if (coding_reopen(ui_session(ui), r->erow, tfield_text(&r->why), &m) != STATUS_OK) {
			draw_clean(r->note, sizeof r->note, m.text);
			return UI_REDRAW;
		}
		ui_message(ui, UI_MSG_OK, "%s", m.text);
		return UI_BACK | UI_RELOAD | UI_REDRAW;
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO, "The coding was not reopened.");
		return UI_BACK;
	default:
		return UI_HANDLED;
	}
}

static const struct screen_hint reopen_hints[] = {
    {KA_SELECT, "reopen"},
    {KA_BACK, "cancel"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

static const struct screen_ops screen_reopen = {
    .title = "Reopen coding",
    .private_size = sizeof(reopen_t),
    .hints = reopen_hints,
    .open = reopen_open,
    .close = reopen_close,
    .draw = reopen_draw,
    .handle = reopen_handle,
    .forget = reopen_forget,
    .typing = reopen_typing,
};
