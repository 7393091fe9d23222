/* screen_audit.c - audit review: the audit trail newest first, one line
 * per entry drawn on demand, Enter for the whole entry. Holds a copy of
 * the newest AUDIT_SHOW_MAX entries from audit_list (core checks
 * ACT_AUDIT_VIEW and records the review itself in the trail); the details
 * may name patients, so the copy is wiped on close and on idle lock, and
 * so is the text of a search (/), which may be a name too. */
#include "ui/screen_audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "base/tz.h"
#include "core/access.h"
#include "core/audit.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_field.h"
#include "ui/widget_list.h"

/* audit_list offers no paging, and each call is itself audited, so the
 * screen reads one bounded batch when it opens (and on F5). */
#define AUDIT_SHOW_MAX 5000

typedef struct arow {
	int64_t seq;
	char ts[24];            /* as stored, UTC */
	char when[TZ_TEXT_MAX]; /* in the clinic's zone, to the second */
	char user[72];
	char os_user[40];
	char source[72];
	char action[40];
	char target[160]; /* a patient as MRN and name, or as recorded */
	char outcome[24];
	char *detail; /* malloc'd, cleaned */
	size_t detail_len;
} arow_t;

typedef struct audit {
	ui_t *ui;
	arow_t *rows;
	int n, cap;
	int truncated;
	ui_list_t list;
	ui_field_t find; /* the search text (/) */
	int finding;     /* the search field has the focus */
} audit_t;

static int audit_count(void *arg)
{
	return ((audit_t *)arg)->n;
}

/* A stored time in the clinic's zone and date format (base/tz.h):
 * "2026-11-25 08:02 CST", or with seconds. */
static void stamp(char *buf, size_t size, const char *iso, const config_t *cfg, int seconds)
{
	int flags = (cfg->date_format == DATE_US ? TZ_US : 0) | (seconds ? TZ_SECONDS : 0);
	if (tz_format(cfg->clinic_tz, iso, flags, buf, size) != 0)
		draw_clean(buf, size, iso);
}

/* The time column holds "2026-11-25 14:02 CST" (20 columns). */
enum { C_SEQ = 0, C_TIME = 8, C_USER = 29, C_ACTION = 40, C_OUTCOME = 60, C_TARGET = 69 };

static void audit_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	audit_t *a = arg;
	const arow_t *r = &a->rows[i];
	char seq[24], ts[32];
	int bad = strcmp(r->outcome, "ok") != 0;

	snprintf(seq, sizeof seq, "%7" PRId64, r->seq);
	stamp(ts, sizeof ts, r->ts, ui_config(a->ui), 0);
	draw_text(w, y, x + C_SEQ, C_TIME - C_SEQ - 1, seq, 0);
	draw_text(w, y, x + C_TIME, C_USER - C_TIME - 1, ts, 0);
	draw_text(w, y, x + C_USER, C_ACTION - C_USER - 1, r->user, 0);
	if (bad && !selected)
		wattron(w, theme_attr(TH_WARN));
	draw_text(w, y, x + C_ACTION, C_OUTCOME - C_ACTION - 1, r->action, 0);
	draw_text(w, y, x + C_OUTCOME, C_TARGET - C_OUTCOME - 1, r->outcome, 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
	draw_text(w, y, x + C_TARGET, width - C_TARGET, r->target, 0);
}

static int audit_match(void *arg, int i, const char *text)
{
	const arow_t *r = &((audit_t *)arg)->rows[i];
	char seq[24];
	snprintf(seq, sizeof seq, "%" PRId64, r->seq);
	return strcmp(seq, text) == 0 || strcasestr(r->ts, text) || strcasestr(r->when, text) ||
	       strcasestr(r->user, text) || strcasestr(r->os_user, text) ||
	       strcasestr(r->source, text) || strcasestr(r->action, text) ||
	       strcasestr(r->target, text) || strcasestr(r->outcome, text) ||
	       (r->detail && strcasestr(r->detail, text));
}

static int take_entry(const audit_entry_t *e, void *arg)
{
	audit_t *a = arg;
	arow_t *r;
	if (a->n == a->cap) {
		int cap = a->cap ? a->cap * 2 : 64;
		arow_t *p = realloc(a->rows, (size_t)cap * sizeof *p);
		if (!p) {
			a->truncated = 1;
			return 1;
		}
		a->rows = p;
		a->cap = cap;
	}
	r = &a->rows[a->n];
	memset(r, 0, sizeof *r);
	r->seq = e->seq;
	draw_clean(r->ts, sizeof r->ts, e->ts);
	stamp(r->when, sizeof r->when, e->ts, ui_config(a->ui), 1);
	draw_clean(r->user, sizeof r->user, e->user_name);
	draw_clean(r->os_user, sizeof r->os_user, e->os_user);
	draw_clean(r->source, sizeof r->source, e->source);
	draw_clean(r->action, sizeof r->action, e->action);
	{
		/* A patient's id as "MRN Last, First" to roles that may see it. */
		char target[200];
		access_target_label(ui_session(a->ui), e->target, target, sizeof target);
		draw_clean(r->target, sizeof r->target, target);
		explicit_bzero(target, sizeof target);
	}
	draw_clean(r->outcome, sizeof r->outcome, e->outcome);
	if (e->detail[0]) {
		r->detail_len = TEXT_ESCAPED_MAX(strlen(e->detail)); /* room for every escape */
		if ((r->detail = malloc(r->detail_len)))
			draw_clean(r->detail, r->detail_len, e->detail);
	}
	a->n++;
	if (a->n >= AUDIT_SHOW_MAX)
		a->truncated = 1;
	return 0;
}

static void audit_forget(ui_t *ui, void *priv)
{
	audit_t *a = priv;
	(void)ui;
	for (int i = 0; i < a->n; i++)
		if (a->rows[i].detail) {
			explicit_bzero(a->rows[i].detail, a->rows[i].detail_len);
			free(a->rows[i].detail);
		}
	if (a->rows)
		explicit_bzero(a->rows, (size_t)a->cap * sizeof *a->rows);
	free(a->rows);
	a->rows = NULL;
	a->n = a->cap = 0;
	a->truncated = 0;
	tfield_clear(&a->find);
	a->finding = 0;
}

static status_t audit_reload(ui_t *ui, void *priv, msg_t *m)
{
	audit_t *a = priv;
	audit_query_t q = {NULL, NULL, NULL, AUDIT_SHOW_MAX, 1};
	status_t ret;
	audit_forget(ui, priv);
	ui_busy(ui, "Reading the audit trail...");
	ret = audit_list(ui_session(ui), &q, take_entry, a, m);
	ui_message(ui, UI_MSG_INFO, "%s", "");
	list_clamp(&a->list);
	return ret;
}

static status_t audit_open(ui_t *ui, void *priv, msg_t *m)
{
	audit_t *a = priv;
	status_t ret;
	a->ui = ui;
	a->list.count = audit_count;
	a->list.draw_row = audit_row;
	a->list.match = audit_match;
	a->list.arg = a;
	if ((ret = tfield_init(&a->find, 128, 0, m)) != STATUS_OK)
		return ret;
	a->list.empty = "The audit trail is empty.";
	if ((ret = audit_reload(ui, priv, m)) != STATUS_OK) {
		audit_forget(ui, priv);
		tfield_free(&a->find);
	}
	return ret;
}

static void audit_close(ui_t *ui, void *priv)
{
	audit_t *a = priv;
	audit_forget(ui, priv);
	tfield_free(&a->find);
}

static int audit_typing(const void *priv)
{
	return ((const audit_t *)priv)->finding;
}

static void audit_draw(ui_t *ui, void *priv, WINDOW *w)
{
	audit_t *a = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char pos[48], foot[128];
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 0, C_SEQ + 4, "Seq");
	mvwaddstr(w, 0, C_TIME, "Time");
	mvwaddstr(w, 0, C_USER, "User");
	mvwaddstr(w, 0, C_ACTION, "Action");
	mvwaddstr(w, 0, C_OUTCOME, "Outcome");
	mvwaddstr(w, 0, C_TARGET, "Target");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&a->list, w, 1, 0, H - 2, W);
	if (a->finding) {
		mvwaddstr(w, H - 1, 1, "Find:");
		tfield_draw(ui, w, H - 1, 7, W - 8, &a->find, 1);
		return;
	}
	list_position(&a->list, pos, sizeof pos);
	snprintf(foot, sizeof foot, "%s, newest first%s", pos,
	         a->truncated ? " (only the newest are read; use 'chartroom audit list' for all)"
	                      : "");
	draw_text(w, H - 1, 1, W - 2, foot, 0);
}

static unsigned audit_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	audit_t *a = priv;
	unsigned r;
	const arow_t *e;
	char text[1024], ts[TZ_TEXT_MAX + 32];
	if (a->finding) {
		if ((r = tfield_handle(ui, &a->find, ev)) != UI_IGNORED)
			return r;
		if (ev->action == KA_SELECT && tfield_text(&a->find)[0]) {
			a->finding = 0;
			if (!list_find(&a->list, tfield_text(&a->find)))
				ui_message(ui, UI_MSG_WARN, "No entry contains \"%s\".",
				           tfield_text(&a->find));
			return UI_REDRAW;
		}
		if (ev->action == KA_BACK || ev->action == KA_SELECT)
			a->finding = 0;
		return UI_REDRAW; /* nothing else while the search field is open */
	}
	if ((r = list_handle(&a->list, ev->action)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SEARCH:
		a->finding = 1;
		return UI_REDRAW;
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_SELECT:
		if (a->n == 0)
			return UI_HANDLED;
		e = &a->rows[a->list.cur];
		/* The clinic's time, and the time as stored. */
		snprintf(ts, sizeof ts, "%s (%s)", e->when, e->ts);
		snprintf(text, sizeof text,
		         "Sequence:  %" PRId64 "\nTime:      %s\nUser:      %s\n"
		         "Unix user: %s\nFrom:      %s\nAction:    %s\nTarget:    %s\n"
		         "Outcome:   %s\nDetail:    %s",
		         e->seq, ts, e->user, e->os_user, e->source, e->action,
		         e->target[0] ? e->target : "-", e->outcome, e->detail ? e->detail : "-");
		ui_notice(ui, text);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint audit_hints[] = {
    {KA_SELECT, "details"}, {KA_SEARCH, "find"}, {KA_PAGE_DOWN, "page"}, {KA_RELOAD, "reload"},
    {KA_BACK, "back"},      {KA_HELP, "help"},   {KA_NONE, NULL},
};

const struct screen_ops screen_audit = {
    .title = "Audit review",
    .private_size = sizeof(audit_t),
    .hints = audit_hints,
    .open = audit_open,
    .close = audit_close,
    .draw = audit_draw,
    .handle = audit_handle,
    .reload = audit_reload,
    .forget = audit_forget,
    .typing = audit_typing,
};
