/* screen_menu.c - the main menu: only what the signed-on user's role may
 * do (core answers session_can; core checks again when the work is done),
 * plus changing one's password, locking the screen and signing off.
 * Holds the list of items shown, recomputed after an unlock because the
 * role may have changed meanwhile. */
#include "ui/screen_menu.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/btg_review.h"
#include "core/perm.h"
#include "core/queue.h"
#include "ui/draw.h"
#include "ui/screen_audit.h"
#include "ui/screen_coding_queue.h"
#include "ui/screen_deficiency.h"
#include "ui/screen_duplicates.h"
#include "ui/screen_config.h"
#include "ui/screen_passwd.h"
#include "ui/screen_privacy.h"
#include "ui/screen_queue.h"
#include "ui/screen_register.h"
#include "ui/screen_report.h"
#include "ui/screen_retention.h"
#include "ui/screen_search.h"
#include "ui/screen_users.h"
#include "ui/screen_verify.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

#define ALWAYS ACT_COUNT /* shown to everyone */

typedef enum { GO_SCREEN, GO_NOT_YET, GO_LOCK, GO_SIGNOFF } go_t;

/* An item is shown when the role may do `needs`, or `or_needs` (ALWAYS:
 * no second action). */
static const struct item {
	const char *label;
	action_t needs, or_needs;
	go_t go;
	const struct screen_ops *screen;
} items[] = {
    {"Find a patient", ACT_PATIENT_SEARCH, ALWAYS, GO_SCREEN, &screen_search},
    {"Register a patient", ACT_PATIENT_REGISTER, ALWAYS, GO_SCREEN, &screen_register},
    {"Check a patient in", ACT_ENCOUNTER_CHECKIN, ALWAYS, GO_SCREEN, &screen_search_checkin},
    {"Coding queue", ACT_CODING_QUEUE, ALWAYS, GO_SCREEN, &screen_coding_queue},
    {"HIM work queue", ACT_HIM_RECORDS, ALWAYS, GO_SCREEN, &screen_queue},
    {"Deficiencies", ACT_NOTE_WRITE, ACT_HIM_RECORDS, GO_SCREEN, &screen_deficiency},
    {"Duplicate charts", ACT_CHART_MERGE, ALWAYS, GO_SCREEN, &screen_duplicates},
    {"Audit review", ACT_AUDIT_VIEW, ALWAYS, GO_SCREEN, &screen_audit},
    {"Verify audit chain", ACT_AUDIT_VERIFY, ALWAYS, GO_SCREEN, &screen_verify},
    /* The Privacy menu (screen_privacy.c): access report, break-the-glass
     * review, release of information, disclosures, amendment requests;
     * HIM reads the access report and works ROI and amendments there. */
    {"Privacy review", ACT_PRIVACY_REVIEW, ACT_AUDIT_REVIEW, GO_SCREEN, &screen_privacy},
    /* The same queue for the privacy officer (break-the-glass reviews,
     * amendments due: core shows each role its kinds), after Privacy
     * review so her menu keeps its first items where they were. */
    {"Privacy work queue", ACT_BTG_REVIEW, ALWAYS, GO_SCREEN, &screen_queue},
    /* HIM proposes, the privacy officer approves (screen_retention.c). */
    {"Retention and destruction", ACT_RETENTION_PROPOSE, ACT_RETENTION_APPROVE, GO_SCREEN,
     &screen_retention},
    {"Users", ACT_USER_MANAGE, ALWAYS, GO_SCREEN, &screen_users},
    /* After Users: the administrator's menu keeps its first items where
     * they were. */
    {"Reports", ACT_REPORTS_VIEW, ALWAYS, GO_SCREEN, &screen_report},
    /* The policy in force: for those who set it and those who review
     * what the clinic does (the administrator and the privacy officer by
     * default). Read-only; `chartroom policy show` prints the same. */
    {"Configuration", ACT_POLICY_MANAGE, ACT_AUDIT_VIEW, GO_SCREEN, &screen_config},
    {"Change my password", ALWAYS, ALWAYS, GO_SCREEN, &screen_passwd},
    {"Lock the screen", ALWAYS, ALWAYS, GO_LOCK, NULL},
    {"Sign off", ALWAYS, ALWAYS, GO_SIGNOFF, NULL},
};
#define NITEMS (sizeof items / sizeof items[0])

typedef struct menu {
	ui_t *ui;
	int shown[NITEMS]; /* indexes into items[] */
	int n;
	ui_list_t list;
	char work[160]; /* "Work queue: 12 coding, ..." ("" none) */
} menu_t;

static int menu_count(void *arg)
{
	return ((menu_t *)arg)->n;
}

static void menu_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	menu_t *mn = arg;
	const struct item *it = &items[mn->shown[i]];
	session_t *s = ui_session(mn->ui);
	int64_t unreviewed = 0, overdue = 0;
	msg_t why;
	(void)selected;
	/* The privacy officer sees the break-the-glass accesses waiting for
	 * review from sign-on on. */
	if (it->screen == &screen_privacy && session_can(s, ACT_BTG_REVIEW) &&
	    btg_unreviewed(s, &unreviewed, &overdue, &why) == STATUS_OK && unreviewed) {
		char line[96];
		if (overdue)
			snprintf(line, sizeof line, "%s (%" PRId64 " to review, %" PRId64 " overdue)",
			         it->label, unreviewed, overdue);
		else
			snprintf(line, sizeof line, "%s (%" PRId64 " to review)", it->label, unreviewed);
		draw_text(w, y, x + 2, width - 2, line, 0);
		return;
	}
	draw_text(w, y, x + 2, width - 2, it->label, 0);
}

static status_t menu_reload(ui_t *ui, void *priv, msg_t *m)
{
	menu_t *mn = priv;
	session_t *s = ui_session(ui);
	(void)m;
	mn->n = 0;
	/* What waits in the work queue, counted at sign-on (and after an
	 * unlock): clear columns only, nothing decrypted, not audited. */
	mn->work[0] = '\0';
	if (queue_may_open(s)) {
		int counts[QK_COUNT];
		char text[140];
		msg_t why;
		if (queue_counts(s, counts, &why) == STATUS_OK) {
			queue_counts_text(counts, text, sizeof text);
			snprintf(mn->work, sizeof mn->work, "Work queue: %s", text);
		}
	}
	for (size_t i = 0; i < NITEMS; i++)
		if (items[i].needs == ALWAYS || session_can(s, items[i].needs) ||
		    (items[i].or_needs != ALWAYS && session_can(s, items[i].or_needs)))
			mn->shown[mn->n++] = (int)i;
	list_clamp(&mn->list);
	return STATUS_OK;
}

static status_t menu_open(ui_t *ui, void *priv, msg_t *m)
{
	menu_t *mn = priv;
	mn->ui = ui;
	mn->list.count = menu_count;
	mn->list.draw_row = menu_row;
	mn->list.arg = mn;
	return menu_reload(ui, priv, m);
}

static void menu_draw(ui_t *ui, void *priv, WINDOW *w)
{
	menu_t *mn = priv;
	session_t *s = ui_session(ui);
	int W = getmaxx(w), H = getmaxy(w), x = (W - 46) / 2;
	char line[160];

	wattrset(w, theme_attr(TH_HEADING));
	snprintf(line, sizeof line, "Main menu for %s (%s)", session_user_name(s),
	         perm_role_name(session_role(s)));
	draw_center(w, 1, W, line);
	wattrset(w, theme_attr(TH_NORMAL));
	if (mn->work[0])
		draw_center(w, 2, W, mn->work);
	list_draw(&mn->list, w, 3, x, H - 4 < mn->n ? H - 4 : mn->n, 46);
}

static unsigned menu_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	menu_t *mn = priv;
	const struct item *it;
	unsigned r = list_handle(&mn->list, ev->action);
	if (r != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		if (mn->n == 0)
			return UI_HANDLED;
		it = &items[mn->shown[mn->list.cur]];
		switch (it->go) {
		case GO_SCREEN:
			ui_open(ui, it->screen);
			return UI_REDRAW;
		case GO_NOT_YET: {
			char text[160];
			snprintf(text, sizeof text, "%s\n\nNot yet available in this version.",
			         it->label);
			ui_notice(ui, text);
			return UI_REDRAW;
		}
		case GO_LOCK:
			return UI_LOCK | UI_REDRAW;
		case GO_SIGNOFF:
			ui_message(ui, UI_MSG_INFO, "%s signed off.",
			           session_user_name(ui_session(ui)));
			return UI_SIGNOFF;
		}
		return UI_HANDLED;
	case KA_QUIT:
		ui_ask_quit(ui);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint menu_hints[] = {
    {KA_SELECT, "open"}, {KA_QUIT, "quit"}, {KA_LOCK, "lock"}, {KA_HELP, "help"}, {KA_NONE, NULL},
};

const struct screen_ops screen_menu = {
    .title = "Main menu",
    .private_size = sizeof(menu_t),
    .hints = menu_hints,
    .open = menu_open,
    .draw = menu_draw,
    .handle = menu_handle,
    .reload = menu_reload,
};
