/* screen_privacy.c - the Privacy menu: the privacy officer's and the HIM
 * clerk's rights-of-the-patient work, each entry shown only to a role that
 * may do it (core checks again). The entries are one table: a module
 * adds its screen with one line (disclosures, amendments, release of
 * information). The break-the-glass entry carries the unreviewed and
 * overdue counts, read when the menu opens and after each return to it. */
#include "ui/screen_privacy.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/btg_review.h"
#include "core/perm.h"
#include "ui/draw.h"
#include "ui/screen_amendments.h"
#include "ui/screen_disclosures.h"
#include "ui/screen_roi.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

typedef enum { PX_PLAIN, PX_BTG_COUNT } px_extra_t;

static const struct pitem {
	const char *label;
	action_t needs;
	const struct screen_ops *screen;
	px_extra_t extra;
} pitems[] = {
    {"Access report: who opened a chart", ACT_AUDIT_REVIEW, &screen_access, PX_PLAIN},
    {"Break-the-glass review", ACT_BTG_REVIEW, &screen_btg, PX_BTG_COUNT},
    {"Release of information", ACT_ROI_MANAGE, &screen_roi, PX_PLAIN},
    {"Disclosures: a patient's accounting", ACT_DISCLOSURE_VIEW, &screen_disclosures, PX_PLAIN},
    {"Amendment requests", ACT_AMENDMENT_MANAGE, &screen_amendments, PX_PLAIN},
};
#define NPITEMS (sizeof pitems / sizeof pitems[0])

typedef struct privacy {
	ui_t *ui;
	int shown[NPITEMS];
	int n;
	int64_t unreviewed, overdue;
	int counted;
	ui_list_t list;
} privacy_t;

static int privacy_count(void *arg)
{
	return ((privacy_t *)arg)->n;
}

static void privacy_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	privacy_t *p = arg;
	const struct pitem *it = &pitems[p->shown[i]];
	char line[160];
	if (it->extra == PX_BTG_COUNT && p->counted) {
		snprintf(line, sizeof line, "%s (%" PRId64 " unreviewed%s%" PRId64 " overdue%s)",
		         it->label, p->unreviewed, p->overdue ? ", " : "", p->overdue,
		         p->overdue ? "!" : "");
		if (!p->overdue)
			snprintf(line, sizeof line, "%s (%" PRId64 " unreviewed)", it->label,
			         p->unreviewed);
		if (p->overdue && !selected)
			wattron(w, theme_attr(TH_WARN));
		draw_text(w, y, x + 2, width - 2, line, 0);
		return;
	}
	draw_text(w, y, x + 2, width - 2, it->label, 0);
}

static status_t privacy_reload(ui_t *ui, void *priv, msg_t *m)
{
	privacy_t *p = priv;
	session_t *s = ui_session(ui);
	msg_t why;
	(void)m;
	p->n = 0;
	for (size_t i = 0; i < NPITEMS; i++)
		if (session_can(s, pitems[i].needs))
			p->shown[p->n++] = (int)i;
	p->counted = session_can(s, ACT_BTG_REVIEW) &&
	             btg_unreviewed(s, &p->unreviewed, &p->overdue, &why) == STATUS_OK;
	list_clamp(&p->list);
	return STATUS_OK;
}

static status_t privacy_open(ui_t *ui, void *priv, msg_t *m)
{
	privacy_t *p = priv;
	p->ui = ui;
	p->list.count = privacy_count;
	p->list.draw_row = privacy_row;
	p->list.arg = p;
	p->list.empty = "Nothing here for your role.";
	return privacy_reload(ui, priv, m);
}

static void privacy_draw(ui_t *ui, void *priv, WINDOW *w)
{
	privacy_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w), width = W - 4 < 60 ? W - 4 : 60, x = (W - width) / 2;
	session_t *s = ui_session(ui);
	msg_t why;
	/* The counts as they are now (a review just recorded lowers them). */
	p->counted = session_can(s, ACT_BTG_REVIEW) &&
	             btg_unreviewed(s, &p->unreviewed, &p->overdue, &why) == STATUS_OK;
	wattrset(w, theme_attr(TH_HEADING));
	draw_center(w, 1, W, "Privacy");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&p->list, w, 3, x, H - 4 < p->n ? H - 4 : p->n, width);
}

static unsigned privacy_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	privacy_t *p = priv;
	unsigned r = list_handle(&p->list, ev->action);
	if (r != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		if (p->n == 0)
			return UI_HANDLED;
		ui_open(ui, pitems[p->shown[p->list.cur]].screen);
		return UI_REDRAW;
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		return UI_BACK;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint privacy_hints[] = {
    {KA_SELECT, "open"}, {KA_RELOAD, "counts"}, {KA_BACK, "back"},
    {KA_HELP, "help"},   {KA_NONE, NULL},
};

const struct screen_ops screen_privacy = {
    .title = "Privacy",
    .private_size = sizeof(privacy_t),
    .hints = privacy_hints,
    .open = privacy_open,
    .draw = privacy_draw,
    .handle = privacy_handle,
    .reload = privacy_reload,
};
