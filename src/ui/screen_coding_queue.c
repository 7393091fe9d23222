/* screen_coding_queue.c - the coding queue: closed encounters whose coding
 * is not final, oldest date of service first, with the patient (MRN and
 * name; DOB and sex on a wider terminal, as core shows them to this
 * role), the days since the date of service and their DNFB aging bucket
 * (counted per bucket under the heading), provider, type and coding
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

/* Columns shared by the heading and the rows, laid out for the window's
 * width: at 80 columns the encounter, service date, days, aging bucket,
 * MRN, patient and coding status; wider, also DOB, sex, provider and
 * type. The patient column takes what is left. */
enum { K_ENC, K_DATE, K_DAYS, K_AGE, K_MRN, K_NAME, K_DOB, K_SEX, K_PROV, K_TYPE, K_STATUS,
       K_LATE, K_COUNT };

static const struct col {
	const char *head;
	int width;     /* the patient's: its least */
	int min_cols;  /* shown from this window width */
} cols[K_COUNT] = {
    [K_ENC] = {"Enc", 7, 0},         [K_DATE] = {"Service", 10, 0},
    [K_DAYS] = {"Days", 4, 0},       [K_AGE] = {"Aging", 5, 0},
    [K_MRN] = {"MRN", 12, 0},        [K_NAME] = {"Patient", 14, 0},
    [K_DOB] = {"DOB", 10, 110},      [K_SEX] = {"Sex", 3, 110},
    [K_PROV] = {"Provider", 14, 130}, [K_TYPE] = {"Type", 18, 150},
    [K_STATUS] = {"Coding", 8, 0},   [K_LATE] = {"", 4, 0},
};

/* x of each column (-1: not shown) and its width, for width W. */
static void layout(int W, int x[K_COUNT], int w[K_COUNT])
{
	int used = 1, name = 0;
	for (int k = 0; k < K_COUNT; k++) {
		x[k] = -1;
		w[k] = 0;
		if (W >= cols[k].min_cols) {
			w[k] = cols[k].width;
			used += w[k] + 1;
		}
	}
	if (W - used > 0)
		name = W - used > 30 ? 30 : W - used; /* a long name, not a long gap */
	w[K_NAME] += name;
	used = 1;
	for (int k = 0; k < K_COUNT; k++)
		if (w[k]) {
			x[k] = used;
			used += w[k] + 1;
		}
}

static void cell(WINDOW *w, int y, int x0, const int *x, const int *wd, int k, const char *text)
{
	if (x[k] >= 0)
		draw_text(w, y, x0 + x[k], wd[k], text, 0);
}

static void queue_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	queue_t *q = arg;
	const coding_queue_row_t *r = &q->rows[i];
	const coding_patient_t *p = &r->patient;
	char enc[24], date[24], days[16], dob[24], name[sizeof p->name], mrn[sizeof p->mrn];
	int cx[K_COUNT], cw[K_COUNT];
	layout(width, cx, cw);
	snprintf(enc, sizeof enc, "%lld", (long long)r->erow);
	screen_coding_date(q->ui, date, sizeof date, r->date);
	snprintf(days, sizeof days, "%4d", r->days_waiting);
	draw_clean(name, sizeof name, p->shown ? p->name : "-");
	draw_clean(mrn, sizeof mrn, p->shown ? p->mrn : "-");
	if (p->shown)
		screen_coding_date(q->ui, dob, sizeof dob, p->dob);
	else
		snprintf(dob, sizeof dob, "-");
	if (r->late && !selected)
		wattron(w, theme_attr(TH_WARN));
	if (r->late)
		draw_text(w, y, x, 1, "!", 0);
	cell(w, y, x, cx, cw, K_ENC, enc);
	cell(w, y, x, cx, cw, K_DATE, date);
	cell(w, y, x, cx, cw, K_DAYS, days);
	cell(w, y, x, cx, cw, K_AGE, coding_age_label(r->bucket));
	cell(w, y, x, cx, cw, K_MRN, mrn);
	cell(w, y, x, cx, cw, K_NAME, name);
	cell(w, y, x, cx, cw, K_DOB, dob);
	cell(w, y, x, cx, cw, K_SEX, p->shown ? p->sex : "-");
	cell(w, y, x, cx, cw, K_PROV, r->provider);
	cell(w, y, x, cx, cw, K_TYPE, r->type);
	cell(w, y, x, cx, cw, K_STATUS, r->status);
	if (r->late)
		cell(w, y, x, cx, cw, K_LATE, "LATE");
	explicit_bzero(name, sizeof name);
	explicit_bzero(mrn, sizeof mrn);
	explicit_bzero(dob, sizeof dob);
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
	{
		int b[CODING_AGE_BUCKETS] = {0}, cx[K_COUNT], cw[K_COUNT];
		for (int i = 0; i < q->n; i++)
			b[q->rows[i].bucket]++;
		snprintf(line, sizeof line,
		         "Aging from the date of service: 0-3 days %d | 4-7 %d | 8-14 %d | "
		         "15-30 %d | >30 %d",
		         b[CODING_AGE_0_3], b[CODING_AGE_4_7], b[CODING_AGE_8_14],
		         b[CODING_AGE_15_30], b[CODING_AGE_OVER_30]);
		wattrset(w, theme_attr(TH_INFO));
		draw_text(w, 1, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_HEADING));
		layout(W, cx, cw);
		for (int k = 0; k < K_COUNT; k++)
			cell(w, 2, 0, cx, cw, k, cols[k].head);
	}
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&q->list, w, 3, 0, H - 4, W);
	list_position(&q->list, pos, sizeof pos);
	snprintf(line, sizeof line, "%s; days since the date of service%s", pos,
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
