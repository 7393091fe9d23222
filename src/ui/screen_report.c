/* screen_report.c - the Reports screen: choose a report, its grouping and
 * a range (Tab moves between the three, Left/Right changes one, Enter
 * runs it; a custom range's From and To are typed), then read it as a table with a horizontal bar
 * per row, or, for days, weeks and months, as a time series drawn above the table. Bars and columns
 * use Unicode block elements (partial blocks for the eighths) in a UTF-8 locale, '#' otherwise or
 * when NO_COLOR is set. The layout follows the window: at 80x24 the columns that do not fit are
 * left out (the charted one never), a wider terminal shows them all and
 * longer bars. Holds the report (aggregates only, no PHI), dropped on
 * idle lock and run again after. Core checks the permission and audits
 * each run. */
#include "ui/screen_report.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_field.h"
#include "ui/widget_list.h"

/* The choices Tab moves through; From and To only for a custom range. */
enum { F_REPORT, F_BY, F_RANGE, F_FROM, F_TO, F_COUNT };

typedef struct layout {
	int key_w, label_w;
	int show[REPORT_COLS];
	int col_w[REPORT_COLS];
	int bar_x, bar_w;
} layout_t;

typedef struct rep {
	ui_t *ui;
	int kind, by, range; /* indexes: report, its grouping, the range preset
	                        (report_preset_count(): custom, typed) */
	int focus;           /* F_* */
	int stale;           /* the choices changed since the last run */
	int utf8;            /* block elements, else ASCII */
	char from[11], to[11];
	report_t *r;
	double max; /* of the charted column */
	layout_t lay;
	ui_list_t list;
	ui_field_t from_f, to_f; /* a custom range's dates, as typed */
} rep_t;

static int custom(const rep_t *p)
{
	return p->range == report_preset_count();
}

/* The nth space-separated word of list. */
static void nth_word(const char *list, int n, char *out, size_t size)
{
	const char *p = list;
	size_t len;
	for (int i = 0; i < n && *p; i++) {
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	len = strcspn(p, " ");
	snprintf(out, size, "%.*s", (int)len, p);
}

static int word_count(const char *list)
{
	int n = 0;
	for (const char *p = list; *p;) {
		p += strspn(p, " ");
		if (*p) {
			n++;
			p += strcspn(p, " ");
		}
	}
	return n;
}

static int rep_count(void *arg)
{
	const rep_t *p = arg;
	return p->r ? p->r->nrows : 0;
}

/* A horizontal bar of v/max over width cells, in eighths. */
static void hbar(const rep_t *p, WINDOW *w, int y, int x, int width, double v)
{
	static const char *const part[8] = {"",       "\u258f", "\u258e", "\u258d",
	                                    "\u258c", "\u258b", "\u258a", "\u2589"};
	long eighths;
	if (p->max <= 0 || v <= 0 || width <= 0)
		return;
	eighths = (long)(v / p->max * width * 8 + 0.5);
	if (eighths < 1)
		eighths = 1; /* something, however small, shows */
	wmove(w, y, x);
	if (p->utf8) {
		for (long i = 0; i < eighths / 8; i++)
			waddstr(w, "\u2588");
		waddstr(w, part[eighths % 8]);
	} else {
		long cells = (eighths + 4) / 8;
		for (long i = 0; i < (cells ? cells : 1); i++)
			waddch(w, '#');
	}
}

static void rep_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	rep_t *p = arg;
	const report_t *r = p->r;
	const layout_t *l = &p->lay;
	char v[48];
	int cx = x + 1;
	(void)selected;
	(void)width;
	draw_text(w, y, cx, l->key_w, r->rows[i].key, 0);
	cx += l->key_w + 1;
	if (l->label_w) {
		draw_text(w, y, cx, l->label_w, r->rows[i].label, 0);
		cx += l->label_w + 1;
	}
	for (int c = 0; c < r->ncols; c++) {
		if (!l->show[c])
			continue;
		report_value_text(r, i, c, v, sizeof v);
		draw_text(w, y, cx + l->col_w[c] - (int)strlen(v), (int)strlen(v), v, 0);
		cx += l->col_w[c] + 1;
	}
	if (!r->series)
		hbar(p, w, y, l->bar_x, l->bar_w, r->rows[i].v[r->chart_col]);
}

/* Which columns fit in W, and where the bars go. */
static void lay_out(rep_t *p, int W)
{
	const report_t *r = p->r;
	layout_t *l = &p->lay;
	char v[48];
	int used, bar_min = r->series ? 0 : 12;
	memset(l, 0, sizeof *l);
	l->key_w = draw_width(r->key_head);
	for (int i = 0; i < r->nrows; i++) {
		int kw = draw_width(r->rows[i].key);
		if (kw > l->key_w)
			l->key_w = kw;
	}
	if (l->key_w > 24)
		l->key_w = 24;
	for (int c = 0; c < r->ncols; c++) {
		l->col_w[c] = draw_width(r->cols[c]);
		for (int i = 0; i < r->nrows; i++) {
			report_value_text(r, i, c, v, sizeof v);
			if ((int)strlen(v) > l->col_w[c])
				l->col_w[c] = (int)strlen(v);
		}
	}
	used = 1 + l->key_w + 1;
	l->show[r->chart_col] = 1;
	used += l->col_w[r->chart_col] + 1;
	for (int c = 0; c < r->ncols; c++)
		if (!l->show[c] &&
		    used + l->col_w[c] + 1 + bar_min + (r->label_head ? 12 : 0) <= W) {
			l->show[c] = 1;
			used += l->col_w[c] + 1;
		}
	if (r->label_head) {
		int room = W - used - bar_min - 1;
		int want = draw_width(r->label_head);
		for (int i = 0; i < r->nrows; i++) {
			int lw = draw_width(r->rows[i].label);
			if (lw > want)
				want = lw;
		}
		l->label_w = want < room ? want : room;
		if (l->label_w > 40)
			l->label_w = 40;
		if (l->label_w < 6)
			l->label_w = 0;
		used += l->label_w ? l->label_w + 1 : 0;
	}
	l->bar_x = used + 1;
	l->bar_w = W - l->bar_x - 1;
}

static void forget(ui_t *ui, void *priv)
{
	rep_t *p = priv;
	(void)ui;
	report_free(p->r);
	p->r = NULL;
	p->max = 0;
}

static status_t run(ui_t *ui, void *priv, msg_t *m)
{
	rep_t *p = priv;
	char by[16];
	report_req_t q;
	status_t ret;
	forget(ui, priv);
	nth_word(report_groupings(p->kind), p->by, by, sizeof by);
	if (custom(p)) {
		snprintf(p->from, sizeof p->from, "%.10s", tfield_text(&p->from_f));
		snprintf(p->to, sizeof p->to, "%.10s", tfield_text(&p->to_f));
	} else {
		report_preset_range(ui_config(ui)->clinic_tz, p->range, p->from, p->to);
	}
	q.name = report_name(p->kind);
	q.from = p->from;
	q.to = p->to;
	q.by = by;
	ui_busy(ui, "Counting...");
	ret = report_run(ui_session(ui), &q, &p->r, m);
	ui_message(ui, UI_MSG_INFO, "%s", "");
	p->stale = 0;
	if (ret != STATUS_OK)
		return ret;
	for (int i = 0; i < p->r->nrows; i++)
		if (p->r->rows[i].v[p->r->chart_col] > p->max)
			p->max = p->r->rows[i].v[p->r->chart_col];
	p->list.cur = p->r->series && p->r->nrows ? p->r->nrows - 1 : 0;
	p->list.top = 0;
	list_clamp(&p->list);
	return STATUS_OK;
}

/* A report whose run fails (a chart that fails its check) leaves the
 * screen open with the reason shown. */
static status_t reload(ui_t *ui, void *priv, msg_t *m)
{
	msg_t why;
	(void)m;
	if (run(ui, priv, &why) != STATUS_OK)
		ui_message(ui, UI_MSG_ERROR, "%s", why.text);
	return STATUS_OK;
}

static status_t rep_open(ui_t *ui, void *priv, msg_t *m)
{
	rep_t *p = priv;
	const char *nc = getenv("NO_COLOR");
	p->ui = ui;
	p->range = 1; /* the last 90 days */
	p->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 && !(nc && *nc);
	p->list.count = rep_count;
	p->list.draw_row = rep_row;
	p->list.arg = p;
	p->list.empty = "Nothing in this range.";
	if (tfield_init(&p->from_f, 16, 0, m) != STATUS_OK ||
	    tfield_init(&p->to_f, 16, 0, m) != STATUS_OK) {
		tfield_free(&p->from_f);
		return STATUS_NOMEM;
	}
	return reload(ui, priv, m);
}

static void rep_close(ui_t *ui, void *priv)
{
	rep_t *p = priv;
	forget(ui, priv);
	tfield_free(&p->from_f);
	tfield_free(&p->to_f);
}

static int rep_typing(const void *priv)
{
	const rep_t *p = priv;
	return custom(p) && (p->focus == F_FROM || p->focus == F_TO);
}

/* "label <value>", the value highlighted when its chooser has the focus. */
static int chooser(const rep_t *p, WINDOW *w, int y, int x, const char *label, const char *value,
                   int field)
{
	char text[96];
	wattrset(w, theme_attr(TH_HEADING));
	x += draw_text(w, y, x, 10, label, 0);
	wattrset(w, theme_attr(p->focus == field ? TH_FIELD_FOCUS : TH_FIELD));
	snprintf(text, sizeof text, "< %s >", value);
	x += draw_text(w, y, x + 1, 40, text, 0) + 1;
	wattrset(w, theme_attr(TH_NORMAL));
	return x + 2;
}

/* The time series: a column per period (wider when there is room),
 * heights in eighths of a line, the selected period highlighted; when
 * the periods outnumber the columns, the ones up to the selected one. */
static void series(rep_t *p, WINDOW *w, int y0, int h, int W)
{
	static const char *const up[9] = {" ",      "\u2581", "\u2582", "\u2583", "\u2584",
	                                  "\u2585", "\u2586", "\u2587", "\u2588"};
	const report_t *r = p->r;
	char axis[32], a[16], b[16];
	int aw, cw, n = r->nrows, first, shown, colw;
	snprintf(axis, sizeof axis, "%.*f", r->decimals[r->chart_col], p->max);
	aw = (int)strlen(axis) + 1;
	cw = W - aw - 2;
	if (cw < 4 || n == 0)
		return;
	colw = cw / n >= 3 ? 3 : cw / n >= 2 ? 2 : 1;
	shown = cw / colw < n ? cw / colw : n;
	first = p->list.cur - shown + 1;
	if (first < 0)
		first = 0;
	if (first + shown > n)
		first = n - shown;
	mvwaddstr(w, y0, 0, axis);
	mvwaddstr(w, y0 + h - 1, aw - 2, "0");
	for (int k = 0; k < shown; k++) {
		int i = first + k;
		long e = p->max > 0 ? (long)(r->rows[i].v[r->chart_col] / p->max * h * 8 + 0.5) : 0;
		if (e == 0 && r->rows[i].v[r->chart_col] > 0)
			e = 1;
		if (i == p->list.cur)
			wattrset(w, theme_attr(TH_SELECTED));
		for (int line = 0; line < h; line++) {
			long level = e - (long)(h - 1 - line) * 8; /* eighths in this cell */
			int x = aw + k * colw;
			for (int c = 0; c < (colw > 1 ? colw - 1 : 1); c++) {
				wmove(w, y0 + line, x + c);
				if (p->utf8)
					waddstr(w, up[level >= 8 ? 8 : level > 0 ? level : 0]);
				else
					waddch(w, level >= 4 ? '#' : i == p->list.cur ? '.' : ' ');
			}
		}
		wattrset(w, theme_attr(TH_NORMAL));
	}
	snprintf(a, sizeof a, "%.15s", r->rows[first].key);
	snprintf(b, sizeof b, "%.15s", r->rows[first + shown - 1].key);
	draw_text(w, y0 + h, aw, 12, a, 0);
	if (shown * colw > 26)
		draw_text(w, y0 + h, aw + shown * colw - (int)strlen(b) - 1, 12, b, 0);
}

static void rep_draw(ui_t *ui, void *priv, WINDOW *w)
{
	rep_t *p = priv;
	const report_t *r = p->r;
	int W = getmaxx(w), H = getmaxy(w), x, y, ch = 0, cx;
	char by[16], line[400], k1[24], k2[24], k3[24], k4[24], pos[48];
	const keymap_t *km = ui_keymap(ui);
	nth_word(report_groupings(p->kind), p->by, by, sizeof by);
	x = chooser(p, w, 0, 1, "Report", report_name(p->kind), F_REPORT);
	draw_text(w, 0, x, W - x - 1, report_describe(p->kind), 0);
	x = chooser(p, w, 1, 1, "By", by[0] ? by : "-", F_BY);
	x = chooser(p, w, 1, x, "Range", custom(p) ? "Custom" : report_preset_name(p->range),
	            F_RANGE);
	if (custom(p)) {
		wattrset(w, theme_attr(TH_HEADING));
		mvwaddstr(w, 1, x, "From");
		mvwaddstr(w, 1, x + 17, "to");
		wattrset(w, theme_attr(TH_NORMAL));
		tfield_draw(ui, w, 1, x + 5, 11, &p->from_f, p->focus == F_FROM);
		tfield_draw(ui, w, 1, x + 20, 11, &p->to_f, p->focus == F_TO);
	} else if (p->range != report_preset_count() - 1) {
		char from[11], to[11];
		report_preset_range(ui_config(ui)->clinic_tz, p->range, from, to);
		snprintf(line, sizeof line, "%s to %s", from, to);
		draw_text(w, 1, x, W - x - 1, line, 0);
	}
	snprintf(line, sizeof line, "%s: next choice  %s %s: change  %s: run  %s: rows",
	         keymap_keys(km, KA_NEXT_FIELD, k1, sizeof k1),
	         keymap_keys(km, KA_LEFT, k2, sizeof k2), keymap_keys(km, KA_RIGHT, k3, sizeof k3),
	         keymap_keys(km, KA_SELECT, k4, sizeof k4), "Up/Down/PgUp/PgDn");
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, 2, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	if (p->stale) {
		wattrset(w, theme_attr(TH_WARN));
		draw_text(w, 3, 1, W - 2, "Changed: press Enter to run the report.", 0);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	if (!r)
		return;
	lay_out(p, W);
	if (!p->stale) {
		if (r->from[0] || r->to[0])
			snprintf(line, sizeof line, "%s by %s, %s to %s", r->name, r->by,
			         r->from[0] ? r->from : "the first", r->to[0] ? r->to : "the last");
		else
			snprintf(line, sizeof line, "%s by %s, all time", r->name, r->by);
		wattrset(w, theme_attr(TH_HEADING));
		draw_text(w, 3, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	y = 4;
	if (r->series) {
		ch = (H - 8) / 2;
		ch = ch < 3 ? 3 : ch > 12 ? 12 : ch;
		series(p, w, y, ch, W);
		y += ch + 1;
	}
	wattrset(w, theme_attr(TH_HEADING));
	cx = 1;
	draw_text(w, y, cx, p->lay.key_w, r->key_head, 0);
	cx += p->lay.key_w + 1;
	if (p->lay.label_w) {
		draw_text(w, y, cx, p->lay.label_w, r->label_head, 0);
		cx += p->lay.label_w + 1;
	}
	for (int c = 0; c < r->ncols; c++)
		if (p->lay.show[c]) {
			int cw = draw_width(r->cols[c]);
			draw_text(w, y, cx + p->lay.col_w[c] - cw, cw, r->cols[c], 0);
			cx += p->lay.col_w[c] + 1;
		}
	if (!r->series && p->lay.bar_w > 0)
		draw_text(w, y, p->lay.bar_x, p->lay.bar_w, r->cols[r->chart_col], 0);
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&p->list, w, y + 1, 0, H - y - 2, W);
	list_position(&p->list, pos, sizeof pos);
	snprintf(line, sizeof line, "%s%s%s", pos, r->note[0] ? ". " : "", r->note);
	draw_text(w, H - 1, 1, W - 2, line, 0);
}

static unsigned rep_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	rep_t *p = priv;
	unsigned r;
	int step = 0, n, nf = custom(p) ? F_COUNT : F_FROM;
	msg_t m;
	if (rep_typing(p)) {
		ui_field_t *f = p->focus == F_FROM ? &p->from_f : &p->to_f;
		if ((r = tfield_handle(ui, f, ev)) != UI_IGNORED) {
			p->stale = 1;
			return r | UI_REDRAW;
		}
	}
	switch (ev->action) {
	case KA_NEXT_FIELD:
		p->focus = (p->focus + 1) % nf;
		return UI_REDRAW;
	case KA_PREV_FIELD:
		p->focus = (p->focus + nf - 1) % nf;
		return UI_REDRAW;
	case KA_LEFT:
		step = -1;
		break;
	case KA_RIGHT:
		step = 1;
		break;
	case KA_SELECT:
	case KA_RELOAD:
		if (run(ui, priv, &m) != STATUS_OK)
			ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		return UI_REDRAW;
	case KA_QUIT:
		return UI_BACK;
	default:
		if (p->r && (r = list_handle(&p->list, ev->action)) != UI_IGNORED)
			return r | UI_REDRAW;
		return UI_IGNORED;
	}
	if (p->focus == F_REPORT) {
		n = report_count();
		p->kind = (p->kind + n + step) % n;
		p->by = 0;
	} else if (p->focus == F_BY) {
		n = word_count(report_groupings(p->kind));
		if (n <= 1)
			return UI_HANDLED;
		p->by = (p->by + n + step) % n;
	} else if (p->focus == F_RANGE) {
		n = report_preset_count() + 1; /* and custom */
		p->range = (p->range + n + step) % n;
	} else {
		return UI_HANDLED;
	}
	p->stale = 1;
	return UI_REDRAW;
}

static const struct screen_hint rep_hints[] = {
    {KA_SELECT, "run"},     {KA_NEXT_FIELD, "next choice"},
    {KA_PAGE_DOWN, "page"}, {KA_BACK, "back"},
    {KA_HELP, "help"},      {KA_NONE, NULL},
};

const struct screen_ops screen_report = {
    .title = "Reports",
    .private_size = sizeof(rep_t),
    .hints = rep_hints,
    .open = rep_open,
    .close = rep_close,
    .draw = rep_draw,
    .handle = rep_handle,
    .reload = reload,
    .forget = forget,
    .typing = rep_typing,
};
