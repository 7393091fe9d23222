/* screen_duplicates.c - the duplicate-chart worklist (HIM): the pairs the
 * last scan found, best score first, with both MRNs and names and the days
 * since first found. F5 scans again (a percentage on the message line).
 * Enter shows the pair side by side, the differences marked; there n marks
 * the two charts not the same person, with a reason typed on the line
 * below (Enter saves, Esc cancels), and the pair leaves the list; m
 * merges chart B into chart A (core/merge.h) with a reason typed the same
 * way, and the pair leaves the list while the merge is in force. M opens
 * the list of merges (screen_merges.c), where one is undone.
 *
 * Holds a copy of the list from dup_candidates_list (core checks the
 * permission and every row's MAC), dropped on close and on idle lock. */
#include "ui/screen_duplicates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dupscan.h"
#include "core/merge.h"
#include "core/notsame.h"
#include "ui/draw.h"
#include "ui/screen_merges.h"
#include "ui/theme.h"
#include "ui/widget_field.h"
#include "ui/widget_keys.h"
#include "ui/widget_list.h"

typedef enum { M_LIST, M_PAIR, M_REASON, M_MERGE } dmode_t;

typedef struct dups {
	ui_t *ui;
	dup_candidate_t *rows;
	int n, cap;
	int incomplete, loaded;
	dmode_t mode;
	dup_candidate_t pair; /* the pair shown side by side */
	ui_field_t reason;
	ui_list_t list;
	int last_pct;
} dups_t;

static int dups_count(void *arg)
{
	return ((dups_t *)arg)->n;
}

enum { C_ID = 1, C_SCORE = 6, C_MRN_A = 12, C_NAME_A = 23, C_MRN_B = 42, C_NAME_B = 53, C_DAYS = 74 };

static void dups_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	dups_t *d = arg;
	const dup_candidate_t *r = &d->rows[i];
	char num[24];
	(void)selected;
	snprintf(num, sizeof num, "%lld", (long long)r->id);
	draw_text(w, y, x + C_ID, C_SCORE - C_ID - 1, num, 0);
	snprintf(num, sizeof num, "%d", r->score);
	draw_text(w, y, x + C_SCORE, C_MRN_A - C_SCORE - 1, num, 0);
	draw_text(w, y, x + C_MRN_A, C_NAME_A - C_MRN_A - 1, r->mrn_a, 0);
	draw_text(w, y, x + C_NAME_A, C_MRN_B - C_NAME_A - 1, r->name_a, 0);
	draw_text(w, y, x + C_MRN_B, C_NAME_B - C_MRN_B - 1, r->mrn_b, 0);
	draw_text(w, y, x + C_NAME_B, C_DAYS - C_NAME_B - 1, r->name_b, 0);
	if (width > C_DAYS) {
		snprintf(num, sizeof num, "%4ld", r->age_days);
		draw_text(w, y, x + C_DAYS, width - C_DAYS, num, 0);
	}
}

static int take_row(const dup_candidate_t *r, void *arg)
{
	dups_t *d = arg;
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 64;
		dup_candidate_t *p = realloc(d->rows, (size_t)cap * sizeof *p);
		if (!p) {
			d->incomplete = 1;
			return 1;
		}
		d->rows = p;
		d->cap = cap;
	}
	d->rows[d->n++] = *r;
	return 0;
}

static void dups_forget(ui_t *ui, void *priv)
{
	dups_t *d = priv;
	(void)ui;
	if (d->rows)
		explicit_bzero(d->rows, (size_t)d->cap * sizeof *d->rows);
	free(d->rows);
	d->rows = NULL;
	d->n = d->cap = 0;
	d->incomplete = d->loaded = 0;
	d->mode = M_LIST;
	explicit_bzero(&d->pair, sizeof d->pair);
	tfield_clear(&d->reason);
}

static status_t dups_reload(ui_t *ui, void *priv, msg_t *m)
{
	dups_t *d = priv;
	status_t ret;
	int cur = d->list.cur;
	dups_forget(ui, priv);
	ret = dup_candidates_list(ui_session(ui), take_row, d, m);
	d->loaded = ret == STATUS_OK;
	d->list.cur = cur;
	list_clamp(&d->list);
	return ret;
}

static status_t dups_open(ui_t *ui, void *priv, msg_t *m)
{
	dups_t *d = priv;
	status_t ret;
	d->ui = ui;
	d->list.count = dups_count;
	d->list.draw_row = dups_row;
	d->list.arg = d;
	d->list.empty = "No duplicate candidates. F5 scans every chart.";
	if ((ret = tfield_init(&d->reason, NOTSAME_REASON_MAX * 4 + 1, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = dups_reload(ui, priv, m)) != STATUS_OK) {
		dups_forget(ui, priv);
		tfield_free(&d->reason);
	}
	return ret;
}

static void dups_close(ui_t *ui, void *priv)
{
	dups_t *d = priv;
	dups_forget(ui, priv);
	tfield_free(&d->reason);
}

#define LABEL_W 21

/* One line of the side-by-side view; a * marks a difference. */
static void side(WINDOW *w, int y, int W, const char *label, const char *a, const char *b)
{
	int differs = strcmp(a, b) != 0, half = (W - LABEL_W) / 2;
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y, 1, LABEL_W - 2, label, 0);
	wattrset(w, theme_attr(differs ? TH_WARN : TH_NORMAL));
	draw_text(w, y, LABEL_W, half - 1, a, 0);
	draw_text(w, y, LABEL_W + half, half - 3, b, 0);
	if (differs)
		draw_text(w, y, W - 2, 1, "*", 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static void draw_pair(ui_t *ui, dups_t *d, WINDOW *w)
{
	const dup_candidate_t *p = &d->pair;
	int W = getmaxx(w), H = getmaxy(w), half = (W - LABEL_W) / 2;
	char line[300];
	snprintf(line, sizeof line, "Pair %lld: score %d, first found %.10s (%ld day%s ago)",
	         (long long)p->id, p->score, p->found_at, p->age_days, p->age_days == 1 ? "" : "s");
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 0, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	snprintf(line, sizeof line, "Matched: %s", p->why);
	/* Two lines when it is long: cut after the last comma that fits. */
	if ((int)strlen(line) > W - 2 && W > 12) {
		int cut = W - 2;
		while (cut > 10 && line[cut] != ',')
			cut--;
		if (line[cut] == ',') {
			draw_text(w, 2, 10, W - 11, line + cut + 2, 0);
			line[cut + 1] = '\0';
		}
	}
	draw_text(w, 1, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 3, LABEL_W, half - 1, "Chart A", 0);
	draw_text(w, 3, LABEL_W + half, half - 1, "Chart B", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	side(w, 4, W, "MRN", p->mrn_a, p->mrn_b);
	side(w, 5, W, "Name", p->name_a, p->name_b);
	side(w, 6, W, "Date of birth", p->dob_a, p->dob_b);
	side(w, 7, W, "Sex", p->sex_a, p->sex_b);
	for (int i = 0; i < dup_counts() && 8 + i < H - 4; i++) {
		char a[24], b[24], label[32];
		snprintf(a, sizeof a, "%lld", (long long)p->count_a[i]);
		snprintf(b, sizeof b, "%lld", (long long)p->count_b[i]);
		snprintf(label, sizeof label, "%s", dup_count_label(i));
		label[0] = (char)(label[0] - ('a' <= label[0] && label[0] <= 'z' ? 32 : 0));
		side(w, 8 + i, W, label, a, b);
	}
	draw_text(w, H - 4, 1, W - 2, "* the two charts differ here.", 0);
	if (d->mode == M_REASON) {
		draw_text(w, H - 3, 1, W - 2,
		          "Why are these not the same person? (Enter saves, Esc cancels)", 0);
		tfield_draw(ui, w, H - 2, 1, W - 2, &d->reason, 1);
		return;
	}
	if (d->mode == M_MERGE) {
		snprintf(line, sizeof line,
		         "Merge B (%s) into A (%s)? Why (Enter merges, Esc cancels):", p->mrn_b,
		         p->mrn_a);
		draw_text(w, H - 3, 1, W - 2, line, 0);
		tfield_draw(ui, w, H - 2, 1, W - 2, &d->reason, 1);
		return;
	}
	draw_text(w, H - 1, 1, W - 2,
	          "n: not the same person; m: merge B into A; Esc: back to the list", 0);
}

static void dups_draw(ui_t *ui, void *priv, WINDOW *w)
{
	dups_t *d = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char line[200], pos[48];
	if (!d->loaded)
		return;
	if (d->mode != M_LIST) {
		draw_pair(ui, d, w);
		return;
	}
	snprintf(line, sizeof line, "Duplicate charts: %d pair%s to review", d->n,
	         d->n == 1 ? "" : "s");
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 0, 1, W - 2, line, 0);
	mvwaddstr(w, 2, C_ID, "Id");
	mvwaddstr(w, 2, C_SCORE, "Score");
	mvwaddstr(w, 2, C_MRN_A, "MRN");
	mvwaddstr(w, 2, C_NAME_A, "Patient");
	mvwaddstr(w, 2, C_MRN_B, "MRN");
	mvwaddstr(w, 2, C_NAME_B, "Patient");
	if (W > C_DAYS + 4)
		mvwaddstr(w, 2, C_DAYS, "Days");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&d->list, w, 3, 0, H - 4, W);
	list_position(&d->list, pos, sizeof pos);
	snprintf(line, sizeof line, "%s; Enter compares the two charts; F5 scans; M: merges%s",
	         pos, d->incomplete ? " (incomplete: out of memory)" : "");
	draw_text(w, H - 1, 1, W - 2, line, 0);
}

static void on_progress(int64_t done, int64_t total, void *arg)
{
	dups_t *d = arg;
	int pct = total > 0 ? (int)(done * 100 / total) : 100;
	char text[80];
	if (pct / 5 == d->last_pct / 5 && done < total)
		return;
	d->last_pct = pct;
	snprintf(text, sizeof text, "Scanning every chart for duplicates: %d%%", pct);
	ui_busy(d->ui, text);
}

static unsigned scan(ui_t *ui, dups_t *d)
{
	dupscan_opts_t o = {0, on_progress, d, 0};
	dupscan_result_t r;
	msg_t m;
	status_t st;
	d->last_pct = -5;
	ui_busy(ui, "Scanning every chart for duplicates: 0%");
	st = dupscan_run(ui_session(ui), &o, &r, &m);
	keys_tell(ui, st == STATUS_OK ? UI_MSG_OK : UI_MSG_ERROR, m.text);
	return UI_RELOAD | UI_REDRAW;
}

static unsigned handle_reason(ui_t *ui, dups_t *d, const ui_event_t *ev)
{
	unsigned r;
	msg_t m;
	status_t st;
	if (ev->action == KA_BACK) {
		tfield_clear(&d->reason);
		d->mode = M_PAIR;
		ui_cursor(ui, -1, -1);
		return UI_REDRAW;
	}
	if (ev->action == KA_SELECT || ev->action == KA_SAVE) {
		if (d->mode == M_MERGE) {
			merge_result_t res;
			st = merge_charts(ui_session(ui), d->pair.id_a, d->pair.id_b,
			                  tfield_text(&d->reason), &res, &m);
		} else
			st = notsame_mark(ui_session(ui), d->pair.id_a, d->pair.id_b,
			                  tfield_text(&d->reason), &m);
		keys_tell(ui, st == STATUS_OK ? UI_MSG_OK : UI_MSG_ERROR, m.text);
		if (st != STATUS_OK)
			return UI_REDRAW;
		tfield_clear(&d->reason);
		d->mode = M_LIST;
		ui_cursor(ui, -1, -1);
		return UI_RELOAD | UI_REDRAW;
	}
	if ((r = tfield_handle(ui, &d->reason, ev)) != UI_IGNORED)
		return r;
	return UI_HANDLED; /* nothing else while typing */
}

static unsigned dups_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	dups_t *d = priv;
	unsigned r;
	msg_t m;
	if (d->mode == M_REASON || d->mode == M_MERGE)
		return handle_reason(ui, d, ev);
	if (d->mode == M_PAIR) {
		switch (ev->action) {
		case KA_NO:
			d->mode = M_REASON;
			return UI_REDRAW;
		case KA_MAKE_PRIMARY: /* m: merge */
			d->mode = M_MERGE;
			return UI_REDRAW;
		case KA_BACK:
		case KA_QUIT:
			d->mode = M_LIST;
			explicit_bzero(&d->pair, sizeof d->pair);
			return UI_REDRAW;
		default:
			return UI_HANDLED;
		}
	}
	if ((r = list_handle(&d->list, ev->action)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_RELOAD:
		return scan(ui, d);
	case KA_MERGES:
		ui_open(ui, &screen_merges);
		return UI_REDRAW;
	case KA_SELECT:
		if (d->n == 0)
			return UI_HANDLED;
		if (dup_candidate_get(ui_session(ui), d->rows[d->list.cur].id, &d->pair, &m) !=
		    STATUS_OK) {
			keys_tell(ui, UI_MSG_ERROR, m.text);
			return UI_REDRAW;
		}
		d->mode = M_PAIR;
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

/* While the reason is typed, keys are text, not actions. */
static int dups_typing(const void *priv)
{
	dmode_t mode = ((const dups_t *)priv)->mode;
	return mode == M_REASON || mode == M_MERGE;
}

static const struct screen_hint dups_hints[] = {
    {KA_SELECT, "compare"}, {KA_RELOAD, "scan"}, {KA_MERGES, "merges"},
    {KA_BACK, "back"},      {KA_HELP, "help"},   {KA_NONE, NULL},
};

const struct screen_ops screen_duplicates = {
    .title = "Duplicate charts",
    .private_size = sizeof(dups_t),
    .hints = dups_hints,
    .open = dups_open,
    .close = dups_close,
    .draw = dups_draw,
    .handle = dups_handle,
    .typing = dups_typing,
    .reload = dups_reload,
    .forget = dups_forget,
};
