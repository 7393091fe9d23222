/* screen_merges.c - the list of chart merges (HIM; opened with M from the
 * Duplicate charts screen): merge id, when, who, the MRN kept and the MRN
 * retired, in force or undone, newest first; the selected merge in words
 * on the last line. u on a merge in force asks why (an empty reason is
 * refused, naming the field), then asks to confirm naming both MRNs, and
 * undoes it through core (merge_undo), which checks chart_merge, the
 * journal's MACs and both charts again; the answer is shown whole.
 *
 * Holds a copy of core's list (merge_list: permission, MACs and the audit
 * are core's) and the typed reason; both are wiped on close and on idle
 * lock. */
#include "ui/screen_merges.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/merge.h"
#include "core/merge_list.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_field.h"
#include "ui/widget_keys.h"
#include "ui/widget_list.h"

typedef enum { MG_LIST, MG_REASON, MG_CONFIRM } mg_mode_t;

typedef struct merges {
	ui_t *ui;
	merge_entry_t *rows;
	int n, cap, incomplete, loaded;
	mg_mode_t mode;
	merge_entry_t sel; /* the merge being undone */
	ui_field_t reason;
	ui_list_t list;
} merges_t;

enum { C_ID = 1, C_AT = 6, C_BY = 27, C_KEEP = 38, C_RETIRE = 50, C_STATE = 63 };

static int merges_count(void *arg)
{
	return ((merges_t *)arg)->n;
}

static const char *state_of(const merge_entry_t *e)
{
	if (!e->intact)
		return "ALTERED";
	return e->undone ? "undone" : "in force";
}

static void merges_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	merges_t *g = arg;
	const merge_entry_t *e = &g->rows[i];
	char num[24];
	snprintf(num, sizeof num, "%lld", (long long)e->id);
	draw_text(w, y, x + C_ID, C_AT - C_ID - 1, num, 0);
	draw_text(w, y, x + C_AT, C_BY - C_AT - 1, e->merged_at, 0);
	draw_text(w, y, x + C_BY, C_KEEP - C_BY - 1, e->merged_by, 0);
	draw_text(w, y, x + C_KEEP, C_RETIRE - C_KEEP - 1, e->keep_mrn, 0);
	draw_text(w, y, x + C_RETIRE, C_STATE - C_RETIRE - 1, e->retire_mrn, 0);
	if (width > C_STATE) {
		if (!selected && !e->intact)
			wattron(w, theme_attr(TH_WARN));
		draw_text(w, y, x + C_STATE, width - C_STATE - 1, state_of(e), 0);
		if (!selected && !e->intact)
			wattrset(w, theme_attr(TH_NORMAL));
	}
}

static int take_row(const merge_entry_t *e, void *arg)
{
	merges_t *g = arg;
	if (g->n == g->cap) {
		int cap = g->cap ? g->cap * 2 : 32;
		merge_entry_t *p = realloc(g->rows, (size_t)cap * sizeof *p);
		if (!p) {
			g->incomplete = 1;
			return 1;
		}
		g->rows = p;
		g->cap = cap;
	}
	g->rows[g->n++] = *e;
	return 0;
}

static void merges_forget(ui_t *ui, void *priv)
{
	merges_t *g = priv;
	if (g->rows)
		explicit_bzero(g->rows, (size_t)g->cap * sizeof *g->rows);
	free(g->rows);
	g->rows = NULL;
	g->n = g->cap = 0;
	g->incomplete = g->loaded = 0;
	g->mode = MG_LIST;
	sodium_memzero(&g->sel, sizeof g->sel);
	tfield_clear(&g->reason);
	ui_cursor(ui, -1, -1);
}

static status_t merges_reload(ui_t *ui, void *priv, msg_t *m)
{
	merges_t *g = priv;
	int cur = g->list.cur;
	status_t ret;
	merges_forget(ui, priv);
	ret = merge_list(ui_session(ui), take_row, g, m);
	g->loaded = ret == STATUS_OK;
	g->list.cur = cur;
	list_clamp(&g->list);
	return ret;
}

static status_t merges_open(ui_t *ui, void *priv, msg_t *m)
{
	merges_t *g = priv;
	status_t ret;
	g->ui = ui;
	g->list.count = merges_count;
	g->list.draw_row = merges_row;
	g->list.arg = g;
	g->list.empty = "No merges yet: m on a compared pair of Duplicate charts merges one.";
	if ((ret = tfield_init(&g->reason, MERGE_REASON_MAX * 4 + 1, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = merges_reload(ui, priv, m)) != STATUS_OK) {
		merges_forget(ui, priv);
		tfield_free(&g->reason);
	}
	return ret;
}

static void merges_close(ui_t *ui, void *priv)
{
	merges_t *g = priv;
	merges_forget(ui, priv);
	tfield_free(&g->reason);
}

/* The selected merge in words, for the last line. */
static void describe(const merge_entry_t *e, char *out, size_t size)
{
	if (!e->intact)
		snprintf(out, size, "Merge %lld: %s", (long long)e->id, e->problem);
	else if (e->undone)
		snprintf(out, size, "Merge %lld (%s into %s) undone %s by %s.", (long long)e->id,
		         e->retire_mrn, e->keep_mrn, e->undone_at, e->undone_by);
	else
		snprintf(out, size, "Merge %lld: MRN %s into MRN %s by %s, %lld record%s moved.",
		         (long long)e->id, e->retire_mrn, e->keep_mrn, e->merged_by,
		         (long long)e->moved, e->moved == 1 ? "" : "s");
}

static void merges_draw(ui_t *ui, void *priv, WINDOW *w)
{
	merges_t *g = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char line[600], pos[48], yn[32];
	if (!g->loaded)
		return;
	snprintf(line, sizeof line, "Merges: %d, newest first%s", g->n,
	         g->incomplete ? " (incomplete: out of memory)" : "");
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 0, 1, W - 2, line, 0);
	mvwaddstr(w, 2, C_ID, "Id");
	mvwaddstr(w, 2, C_AT, "Merged");
	mvwaddstr(w, 2, C_BY, "By");
	mvwaddstr(w, 2, C_KEEP, "Kept MRN");
	mvwaddstr(w, 2, C_RETIRE, "Retired MRN");
	if (W > C_STATE + 5)
		mvwaddstr(w, 2, C_STATE, "State");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&g->list, w, 3, 0, H - 6, W);
	if (g->mode == MG_REASON) {
		snprintf(line, sizeof line,
		         "Why undo merge %lld (MRN %s out of MRN %s)? Esc cancels:",
		         (long long)g->sel.id, g->sel.retire_mrn, g->sel.keep_mrn);
		draw_text(w, H - 3, 1, W - 2, line, 0);
		tfield_draw(ui, w, H - 2, 1, W - 2, &g->reason, 1);
	} else if (g->mode == MG_CONFIRM) {
		keys_yes_no(ui, yn, sizeof yn);
		snprintf(line, sizeof line,
		         "Undo merge %lld: its records go back from MRN %s to MRN %s?",
		         (long long)g->sel.id, g->sel.keep_mrn, g->sel.retire_mrn);
		wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
		mvwhline(w, H - 3, 0, ' ', W);
		draw_text(w, H - 3, 1, W - 2, line, 0);
		mvwhline(w, H - 2, 0, ' ', W);
		snprintf(line, sizeof line, "Records added to MRN %s since stay with it. %s",
		         g->sel.keep_mrn, yn);
		draw_text(w, H - 2, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	if (g->n > 0 && g->list.cur < g->n) {
		describe(&g->rows[g->list.cur], line, sizeof line);
		if (!g->rows[g->list.cur].intact)
			wattrset(w, theme_attr(TH_WARN));
		draw_text(w, H - 1, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
	} else {
		list_position(&g->list, pos, sizeof pos);
		draw_text(w, H - 1, 1, W - 2, pos, 0);
	}
}

static unsigned start_undo(ui_t *ui, merges_t *g)
{
	const merge_entry_t *e;
	if (g->n == 0 || g->list.cur >= g->n) {
		ui_message(ui, UI_MSG_WARN, "No merge selected.");
		return UI_REDRAW;
	}
	e = &g->rows[g->list.cur];
	if (!e->intact) {
		keys_tell(ui, UI_MSG_ERROR, e->problem);
		return UI_REDRAW;
	}
	if (e->undone) {
		ui_message(ui, UI_MSG_WARN, "Merge %lld was undone already (by %s, %s).",
		           (long long)e->id, e->undone_by, e->undone_at);
		return UI_REDRAW;
	}
	g->sel = *e;
	tfield_clear(&g->reason);
	g->mode = MG_REASON;
	return UI_REDRAW;
}

static unsigned handle_reason(ui_t *ui, merges_t *g, const ui_event_t *ev)
{
	unsigned r;
	if (ev->action == KA_BACK) {
		tfield_clear(&g->reason);
		sodium_memzero(&g->sel, sizeof g->sel);
		g->mode = MG_LIST;
		ui_cursor(ui, -1, -1);
		return UI_REDRAW;
	}
	if (ev->action == KA_SELECT || ev->action == KA_SAVE) {
		/* core refuses it too; asked here before the confirmation */
		const char *t = tfield_text(&g->reason);
		while (*t == ' ')
			t++;
		if (!*t) {
			ui_message(ui, UI_MSG_ERROR,
			           "Reason: say why the merge is undone (required).");
			return UI_REDRAW;
		}
		g->mode = MG_CONFIRM;
		ui_cursor(ui, -1, -1);
		return UI_REDRAW;
	}
	if ((r = tfield_handle(ui, &g->reason, ev)) != UI_IGNORED)
		return r;
	return UI_HANDLED; /* nothing else while typing */
}

static unsigned handle_confirm(ui_t *ui, merges_t *g, const ui_event_t *ev)
{
	merge_result_t res;
	msg_t m;
	status_t st;
	char text[sizeof m.text + 300];
	if (ev->action == KA_NO || ev->action == KA_BACK) {
		tfield_clear(&g->reason);
		sodium_memzero(&g->sel, sizeof g->sel);
		g->mode = MG_LIST;
		ui_message(ui, UI_MSG_INFO, "Not undone: nothing was changed.");
		return UI_REDRAW;
	}
	if (ev->action != KA_YES)
		return UI_HANDLED;
	ui_busy(ui, "Undoing the merge...");
	st = merge_undo(ui_session(ui), g->sel.id, tfield_text(&g->reason), &res, &m);
	if (st != STATUS_OK) {
		/* Back to the reason (a refused text can be mended); core's
		 * words whole. */
		g->mode = st == STATUS_INVALID ? MG_REASON : MG_LIST;
		if (g->mode == MG_LIST) {
			tfield_clear(&g->reason);
			sodium_memzero(&g->sel, sizeof g->sel);
		}
		keys_tell(ui, UI_MSG_ERROR, m.text);
		return UI_RELOAD | UI_REDRAW;
	}
	snprintf(text, sizeof text, "%s", m.text);
	if (res.followed)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		         " %lld vital sign or note record%s added since to its visits went back "
		         "with them.",
		         (long long)res.followed, res.followed == 1 ? "" : "s");
	if (res.rebound)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		         " %lld had changed on the kept chart and went back as they are now.",
		         (long long)res.rebound);
	tfield_clear(&g->reason);
	sodium_memzero(&g->sel, sizeof g->sel);
	g->mode = MG_LIST;
	keys_tell(ui, UI_MSG_OK, text);
	return UI_RELOAD | UI_REDRAW;
}

static unsigned merges_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	merges_t *g = priv;
	unsigned r;
	if (g->mode == MG_REASON)
		return handle_reason(ui, g, ev);
	if (g->mode == MG_CONFIRM)
		return handle_confirm(ui, g, ev);
	if ((r = list_handle(&g->list, ev->action)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_UNLOCK: /* u: undo */
		return start_undo(ui, g);
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		/* The Duplicate charts worklist below is read again: a pair
		 * whose merge was undone is back on it. */
		return UI_BACK | UI_RELOAD | UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

/* While the reason is typed, keys are text, not actions. */
static int merges_typing(const void *priv)
{
	return ((const merges_t *)priv)->mode == MG_REASON;
}

static const struct screen_hint merges_hints[] = {
    {KA_UNLOCK, "undo merge"}, {KA_RELOAD, "read again"}, {KA_BACK, "back"},
    {KA_HELP, "help"},         {KA_NONE, NULL},
};

const struct screen_ops screen_merges = {
    .title = "Merges",
    .private_size = sizeof(merges_t),
    .hints = merges_hints,
    .open = merges_open,
    .close = merges_close,
    .draw = merges_draw,
    .handle = merges_handle,
    .typing = merges_typing,
    .reload = merges_reload,
    .forget = merges_forget,
};
