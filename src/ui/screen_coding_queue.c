/* screen_coding_queue.c - the coding queue: closed encounters whose coding
 * is not final, oldest first, with days waiting, provider, type and coding
 * status; those waiting longer than [codes] late_after_days are marked
 * LATE (in words as well as colour) and counted in the heading. Enter
 * opens the encounter's coding; coming back reads the queue again, so a
 * finalised encounter leaves it.
 *
 * Holds a copy of the queue from coding_queue (core checks
 * ACT_CODING_QUEUE), dropped on close and on idle lock. */
#include "ui/screen_coding_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/coding.h"
#include "ui/draw.h"
#include "ui/screen_coding.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

typedef struct queue {
	ui_t *ui;
	coding_queue_row_t *rows;
	int n, cap;
	int late;
	int incomplete; /* ran out of memory while reading */
	int loaded;
	ui_list_t list;
} queue_t;

static int queue_count(void *arg)
{
	return ((queue_t *)arg)->n;
}

/* Column layout shared by the heading and the rows. */
enum {
	C_MARK = 0,
	C_ENC = 1,
	C_DATE = 10,
	C_DAYS = 22,
	C_PROV = 28,
	C_TYPE = 44,
	C_STATUS = 64,
	C_LATE = 74
};

static void queue_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	queue_t *q = arg;
	const coding_queue_row_t *r = &q->rows[i];
	char enc[24], date[24], days[16];
	snprintf(enc, sizeof enc, "%lld", (long long)r->erow);
	screen_coding_date(q->ui, date, sizeof date, r->date);
	snprintf(days, sizeof days, "%4d", r->days_waiting);
	if (r->late && !selected)
		wattron(w, theme_attr(TH_WARN));
	if (r->late)
		draw_text(w, y, x + C_MARK, 1, "!", 0);
	draw_text(w, y, x + C_ENC, C_DATE - C_ENC - 1, enc, 0);
	draw_text(w, y, x + C_DATE, C_DAYS - C_DATE - 1, date, 0);
	draw_text(w, y, x + C_DAYS, C_PROV - C_DAYS - 1, days, 0);
	draw_text(w, y, x + C_PROV, C_TYPE - C_PROV - 1, r->provider, 0);
	draw_text(w, y, x + C_TYPE, C_STATUS - C_TYPE - 1, r->type, 0);
	draw_text(w, y, x + C_STATUS, C_LATE - C_STATUS - 1, r->status, 0);
	if (r->late)
		draw_text(w, y, x + C_LATE, width - C_LATE, "LATE", 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
}

static int take_row(const coding_queue_row_t *r, void *arg)
{
	queue_t *q = arg;
	if (q->n == q->cap) {
		int cap = q->cap ? q->cap * 2 : 64;
		coding_queue_row_t *p = realloc(q->rows, (size_t)cap * sizeof *p);
		if (!p) {
			q->incomplete = 1; /* stop; the screen says so */
			return 1;
		}
		q->rows = p;
		q->cap = cap;
	}
	q->rows[q->n++] = *r;
	return 0;
}

static void queue_forget(ui_t *ui, void *priv)
{
	queue_t *q = priv;
	(void)ui;
	if (q->rows)
		explicit_bzero(q->rows, (size_t)q->cap * sizeof *q->rows);
	free(q->rows);
	q->rows = NULL;
	q->n = q->cap = q->late = 0;
	q->incomplete = 0;
	q->loaded = 0;
}

static status_t queue_reload(ui_t *ui, void *priv, msg_t *m)
{
	queue_t *q = priv;
	status_t ret;
	int cur = q->list.cur;
	queue_forget(ui, priv);
	ret = coding_queue(ui_session(ui), take_row, q, &q->late, m);
	q->loaded = ret == STATUS_OK;
	q->list.cur = cur; /* stay near where one was */
	list_clamp(&q->list);
	return ret;
}

static status_t queue_open(ui_t *ui, void *priv, msg_t *m)
{
	queue_t *q = priv;
	status_t ret;
	q->ui = ui;
	q->list.count = queue_count;
	q->list.draw_row = queue_row;
	q->list.arg = q;
	q->list.empty = "No closed encounters are waiting for coding.";
	if ((ret = queue_reload(ui, priv, m)) != STATUS_OK)
		queue_forget(ui, priv);
	return ret;
}

static void queue_close(ui_t *ui, void *priv)
{
	queue_forget(ui, priv);
}

static void queue_draw(ui_t *ui, void *priv, WINDOW *w)
{
	queue_t *q = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char line[160], pos[48];
	if (!q->loaded)
		return; /* forgotten (locked); read again after the unlock */
	snprintf(line, sizeof line, "%d encounter%s waiting for coding, oldest first; ", q->n,
	         q->n == 1 ? "" : "s");
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 0, 1, W - 2, line, 0);
	snprintf(line + strlen(line), sizeof line - strlen(line), "%d waiting over %d days",
	         q->late, ui_config(ui)->late_after_days);
	if (q->late)
		wattrset(w, theme_attr(TH_WARN));
	draw_text(w, 0, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 2, C_ENC, "Enc");
	mvwaddstr(w, 2, C_DATE, "Service");
	mvwaddstr(w, 2, C_DAYS, "Days");
	mvwaddstr(w, 2, C_PROV, "Provider");
	mvwaddstr(w, 2, C_TYPE, "Type");
	mvwaddstr(w, 2, C_STATUS, "Coding");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&q->list, w, 3, 0, H - 4, W);
	list_position(&q->list, pos, sizeof pos);
	snprintf(line, sizeof line, "%s; days since the encounter was closed%s", pos,
	         q->incomplete ? " (incomplete: out of memory reading the queue)" : "");
	draw_text(w, H - 1, 1, W - 2, line, 0);
}

static unsigned queue_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	queue_t *q = priv;
	unsigned r = list_handle(&q->list, ev->action);
	if (r != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_SELECT:
		if (q->n == 0)
			return UI_HANDLED;
		screen_coding_open(ui, q->rows[q->list.cur].erow);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint queue_hints[] = {
    {KA_SELECT, "code it"}, {KA_RELOAD, "reload"}, {KA_BACK, "back"},
    {KA_HELP, "help"},      {KA_NONE, NULL},
};

const struct screen_ops screen_coding_queue = {
    .title = "Coding queue",
    .private_size = sizeof(queue_t),
    .hints = queue_hints,
    .open = queue_open,
    .close = queue_close,
    .draw = queue_draw,
    .handle = queue_handle,
    .reload = queue_reload,
    .forget = queue_forget,
};
