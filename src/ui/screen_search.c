/* screen_search.c - chart lookup: one search box; the results follow every
 * key typed (core's patient_search understands a name prefix, "last,
 * first", an MRN, a date of birth, a phone number or its last four; an
 * empty box lists the user's recent patients). Enter opens the chart, or,
 * opened as "Check a patient in", the chart with the check-in form over
 * it. A chart merged into another (a merge in force, core/merge_list.h)
 * is listed marked "merged into MRN X"; Enter on it opens the chart it
 * was merged into, which says so (screen_chart.c). Holds the typed query
 * and core's decrypted result list; both are wiped on close and on idle
 * lock. */
#include "ui/screen_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/merge_list.h"
#include "core/patient.h"
#include "core/patient_search.h"
#include "ui/draw.h"
#include "ui/screen_chart.h"
#include "ui/theme.h"
#include "ui/widget_banner.h"
#include "ui/widget_field.h"
#include "ui/widget_list.h"

#define SEARCH_LIMIT 200
#define QUERY_CAP    128

typedef struct search {
	ui_t *ui;
	int checkin; /* opened as "Check a patient in" */
	ui_field_t box;
	patient_list_t *found;
	char about[512]; /* core's words about the result */
	/* Per row of found: where a chart merged away went (id 0: not
	 * merged; bad: its merge record fails its check). */
	struct merged_mark {
		merge_redirect_t rd;
		int bad;
	} * merged;
	int nmerged;
	int failed;      /* the last search was refused */
	ui_list_t list;
} search_t;

static int search_count(void *arg)
{
	search_t *sr = arg;
	return sr->found ? patient_list_count(sr->found) : 0;
}

/* Columns: fixed on the left and right, the name takes the rest. Below
 * 80 columns the last visit goes; from SEARCH_WIDE on, the name is split
 * into last, first and middle and the date of death has a column. A
 * column that is not shown has x < 0. The marks (CONF, DIED) are words,
 * visible without colour. */
#define SEARCH_WIDE 110
typedef struct cols {
	int mrn, name, name_w, dob, age, sex, marks, marks_w, visit, died;
	int first, first_w, middle, middle_w; /* wide only: name is the last name */
} cols_t;

static cols_t columns(int width)
{
	cols_t c;
	int wide = width >= SEARCH_WIDE;
	c.mrn = 1;
	c.name = 13;
	c.visit = width >= 79 ? width - 11 : -1;
	/* "CONF DIED" from 90 columns; below, one word ("C+D" for both). */
	c.marks_w = width >= 90 ? 9 : 4;
	c.marks = (c.visit >= 0 ? c.visit : width) - c.marks_w - 1;
	c.died = wide ? c.marks - 11 : -1;
	c.sex = (wide ? c.died : c.marks) - 4;
	c.age = c.sex - 4;
	c.dob = c.age - 11;
	c.name_w = c.dob - c.name - 1;
	c.first = c.middle = -1;
	c.first_w = c.middle_w = 0;
	if (wide) {
		/* Last 40 %, first 35 %, middle the rest of the name's room. */
		int room = c.name_w;
		c.name_w = room * 40 / 100 - 1;
		c.first = c.name + c.name_w + 1;
		c.first_w = room * 35 / 100 - 1;
		c.middle = c.first + c.first_w + 1;
		c.middle_w = c.dob - c.middle - 1;
	}
	return c;
}

static void search_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	search_t *sr = arg;
	const patient_row_t *r = patient_list_row(sr->found, i);
	const config_t *cfg = ui_config(sr->ui);
	cols_t c = columns(width);
	char name[3 * PATIENT_FIELD_MAX + 24], date[32], age[16];
	int mx;

	if (!r)
		return;
	draw_text(w, y, x + c.mrn, c.name - c.mrn - 1, r->mrn, 0);
	if (c.first >= 0) {
		/* Each part of the name in its column (cleaned as drawn). */
		char last[PATIENT_FIELD_MAX + 16];
		snprintf(last, sizeof last, "%s%s%s", r->last, r->suffix[0] ? " " : "", r->suffix);
		draw_text(w, y, x + c.name, c.name_w, last, 0);
		draw_text(w, y, x + c.first, c.first_w, r->first, 0);
		draw_text(w, y, x + c.middle, c.middle_w, r->middle, 0);
		explicit_bzero(last, sizeof last);
	} else {
		banner_name(r->last, r->first, r->middle, r->suffix, name, sizeof name);
		draw_text(w, y, x + c.name, c.name_w, name, 0);
		explicit_bzero(name, sizeof name);
	}
	if (sr->merged && (sr->merged[i].rd.id || sr->merged[i].bad)) {
		/* Merged away: the name and date of birth, then where it went
		 * (in words; the message line has the whole sentence). */
		const struct merged_mark *mk = &sr->merged[i];
		char note[96];
		int room = width - c.age - 1;
		patient_date_display(cfg, r->dob, date, sizeof date);
		draw_text(w, y, x + c.dob, 10, date, 0);
		if (mk->bad)
			snprintf(note, sizeof note, "MERGE RECORD ALTERED");
		else {
			snprintf(note, sizeof note, "merged into MRN %s", mk->rd.survivor_mrn);
			if ((int)strlen(note) > room)
				snprintf(note, sizeof note, "merged into %s", mk->rd.survivor_mrn);
			if ((int)strlen(note) > room)
				snprintf(note, sizeof note, "MERGED");
		}
		if (!selected)
			wattron(w, theme_attr(TH_WARN));
		draw_text(w, y, x + c.age, room, note, 0);
		if (!selected)
			wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	patient_date_display(cfg, r->dob, date, sizeof date);
	draw_text(w, y, x + c.dob, 10, date, 0);
	if (r->age >= 0) {
		/* A deceased patient's age is the age at death. */
		snprintf(age, sizeof age, "%3d", r->age);
		draw_text(w, y, x + c.age, 3, age, 0);
	}
	draw_text(w, y, x + c.sex + 1, 1, r->sex, 0);
	if (c.died >= 0 && r->death[0]) {
		patient_date_display(cfg, r->death, date, sizeof date);
		draw_text(w, y, x + c.died, 10, date, 0);
	}
	mx = c.marks;
	if (!selected && (r->confidential || r->deceased))
		wattron(w, theme_attr(TH_WARN));
	if (r->confidential && r->deceased && c.marks_w < 9) {
		draw_text(w, y, x + mx, c.marks_w, "C+D", 0);
	} else {
		if (r->confidential)
			mx += 1 + draw_text(w, y, x + mx, 4, "CONF", 0);
		if (r->deceased)
			draw_text(w, y, x + mx, 4, "DIED", 0);
	}
	if (!selected && (r->confidential || r->deceased))
		wattrset(w, theme_attr(TH_NORMAL));
	if (c.visit >= 0 && r->last_visit[0]) {
		patient_date_display(cfg, r->last_visit, date, sizeof date);
		draw_text(w, y, x + c.visit, 10, date, 0);
	}
}

static void drop_results(search_t *sr)
{
	patient_list_free(sr->found);
	sr->found = NULL;
	if (sr->merged)
		explicit_bzero(sr->merged,
		               (size_t)(sr->nmerged > 0 ? sr->nmerged : 0) * sizeof *sr->merged);
	free(sr->merged);
	sr->merged = NULL;
	sr->nmerged = 0;
	explicit_bzero(sr->about, sizeof sr->about);
	sr->failed = 0;
}

/* For each row found: was its chart merged into another? (core checks
 * each merge's record; one that fails is marked, never followed.) */
static void mark_merged(ui_t *ui, search_t *sr)
{
	int n = sr->found ? patient_list_count(sr->found) : 0;
	msg_t m;
	if (n <= 0 || !(sr->merged = calloc((size_t)n, sizeof *sr->merged)))
		return;
	sr->nmerged = n;
	for (int i = 0; i < n; i++) {
		const patient_row_t *r = patient_list_row(sr->found, i);
		if (r && merge_redirect_prow(ui_session(ui), r->prow, &sr->merged[i].rd, &m) ==
		             STATUS_INTEGRITY)
			sr->merged[i].bad = 1;
	}
}

/* Search for what the box holds now; `say` puts core's words on the
 * message line too (not after an unlock, where "welcome back" is). */
static void run_search(ui_t *ui, search_t *sr, int say)
{
	msg_t m;
	patient_list_t *found = NULL;
	status_t st =
	    patient_search(ui_session(ui), tfield_text(&sr->box), SEARCH_LIMIT, &found, &m);
	drop_results(sr);
	snprintf(sr->about, sizeof sr->about, "%s", m.text);
	if (st != STATUS_OK) {
		patient_list_free(found);
		sr->failed = 1;
		if (say)
			ui_message(ui, UI_MSG_ERROR, "%s", m.text);
	} else {
		sr->found = found;
		mark_merged(ui, sr);
		/* An incomplete query (one letter, an MRN half typed) has not
		 * been searched: the list says what to type, not "not found". */
		sr->list.empty = patient_list_kind(found) == PQ_RECENT
		                     ? "No recently opened charts: type a name, MRN, DOB or phone."
		                 : patient_list_kind(found) == PQ_INCOMPLETE ? sr->about
		                 /* more to check than were: never "not found" */
		                 : patient_list_more(found) ? sr->about
		                                            : "No patient found.";
		/* core's words say when there are more ("type more"); the
		 * message line also how to see the next page */
		if (say && patient_list_more(found) && patient_list_kind(found) != PQ_RECENT)
			ui_message(ui, UI_MSG_WARN,
			           "More than %d matches - type more to narrow, or PgDn at the end: "
			           "next page.",
			           patient_list_count(found));
		else if (say && patient_list_more(found))
			ui_message(ui, UI_MSG_WARN, "%s", m.text);
		else if (say)
			ui_message(ui, patient_list_count(found) ? UI_MSG_INFO : UI_MSG_WARN, "%s",
			           m.text);
	}
	sr->list.cur = sr->list.top = 0;
	list_clamp(&sr->list);
}

/* PgDn on the last row of a page with more after it: the next page, in
 * name order (core's patient_search_next); PgUp on the first row of a
 * later page: the page before. Each is a search of its own (audited). */
static unsigned turn_page(ui_t *ui, search_t *sr, int down)
{
	msg_t m;
	patient_list_t *found = NULL;
	status_t st;
	int page = patient_list_page(sr->found);
	if (down)
		st = patient_search_next(ui_session(ui), tfield_text(&sr->box), SEARCH_LIMIT,
		                         sr->found, &found, &m);
	else
		st = patient_search_page(ui_session(ui), tfield_text(&sr->box), SEARCH_LIMIT,
		                         page - 1, NULL, &found, &m);
	if (st != STATUS_OK) {
		patient_list_free(found);
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		return UI_REDRAW;
	}
	drop_results(sr);
	sr->found = found;
	mark_merged(ui, sr);
	snprintf(sr->about, sizeof sr->about, "%s", m.text);
	if (patient_list_page(found) > 1 && strlen(sr->about) + 48 < sizeof sr->about)
		strcat(sr->about, " PgUp at the first row: the page before.");
	sr->list.empty = sr->about;
	ui_message(ui, UI_MSG_INFO, "%s", m.text);
	sr->list.top = 0;
	sr->list.cur = down ? 0 : patient_list_count(found) - 1;
	list_clamp(&sr->list);
	return UI_REDRAW;
}

static void search_forget(ui_t *ui, void *priv)
{
	search_t *sr = priv;
	(void)ui;
	tfield_clear(&sr->box);
	drop_results(sr);
	sr->list.cur = sr->list.top = 0;
}

static status_t search_reload(ui_t *ui, void *priv, msg_t *m)
{
	search_t *sr = priv;
	int cur = sr->list.cur, top = sr->list.top;
	(void)m;
	run_search(ui, sr, 0);
	sr->list.cur = cur; /* the same row selected */
	sr->list.top = top;
	list_clamp(&sr->list);
	return STATUS_OK;
}

static status_t open_common(ui_t *ui, search_t *sr, int checkin, msg_t *m)
{
	status_t ret;
	sr->ui = ui;
	sr->checkin = checkin;
	sr->list.count = search_count;
	sr->list.draw_row = search_row;
	sr->list.arg = sr;
	sr->list.empty = "No patient found.";
	if ((ret = tfield_init(&sr->box, QUERY_CAP, 0, m)) != STATUS_OK)
		return ret;
	run_search(ui, sr, 1);
	return STATUS_OK;
}

static status_t search_open(ui_t *ui, void *priv, msg_t *m)
{
	return open_common(ui, priv, 0, m);
}

static status_t checkin_open(ui_t *ui, void *priv, msg_t *m)
{
	return open_common(ui, priv, 1, m);
}

static void search_close(ui_t *ui, void *priv)
{
	search_t *sr = priv;
	search_forget(ui, priv);
	tfield_free(&sr->box);
}

static int search_typing(const void *priv)
{
	(void)priv;
	return 1;
}

static void search_draw(ui_t *ui, void *priv, WINDOW *w)
{
	search_t *sr = priv;
	int W = getmaxx(w), H = getmaxy(w);
	cols_t c = columns(W);
	char pos[48], foot[700];

	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 0, 1, "Find:");
	wattrset(w, theme_attr(TH_NORMAL));
	tfield_draw(ui, w, 0, 7, W - 8, &sr->box, 1);
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, 1, 7, W - 8,
	          "name, last, first, MRN, DOB, phone or its last 4; empty: recent charts", 0);
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 2, c.mrn, "MRN");
	mvwaddstr(w, 2, c.name, c.first >= 0 ? "Last name" : "Name");
	if (c.first >= 0) {
		mvwaddstr(w, 2, c.first, "First name");
		mvwaddstr(w, 2, c.middle, "Middle");
	}
	mvwaddstr(w, 2, c.dob, "DOB");
	mvwaddstr(w, 2, c.age, "Age");
	mvwaddstr(w, 2, c.sex, "Sex");
	if (c.died >= 0)
		mvwaddstr(w, 2, c.died, "Died");
	if (c.visit >= 0)
		mvwaddstr(w, 2, c.visit, "Last visit");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&sr->list, w, 3, 0, H - 4, W);
	list_position(&sr->list, pos, sizeof pos);
	snprintf(foot, sizeof foot, "%s%s%s", pos, sr->about[0] ? " - " : "", sr->about);
	if (sr->merged && sr->list.cur >= 0 && sr->list.cur < sr->nmerged &&
	    (sr->merged[sr->list.cur].rd.id || sr->merged[sr->list.cur].bad)) {
		const struct merged_mark *mk = &sr->merged[sr->list.cur];
		if (mk->bad)
			snprintf(foot, sizeof foot,
			         "%s - this chart's merge record fails its integrity check.", pos);
		else /* the sentence whole at 80 columns: no position */
			snprintf(foot, sizeof foot,
			         "MRN %s was merged into MRN %s (merge %lld): Enter opens it.",
			         mk->rd.retired_mrn, mk->rd.survivor_mrn, (long long)mk->rd.id);
		wattrset(w, theme_attr(TH_WARN));
	} else if (sr->failed || (sr->found && patient_list_more(sr->found)))
		wattrset(w, theme_attr(TH_WARN));
	draw_text(w, H - 1, 1, W - 2, foot, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static unsigned search_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	search_t *sr = priv;
	const patient_row_t *r;
	unsigned res;

	/* Left/Right/Home/End edit the query; Up/Down/PgUp/PgDn move in the
	 * list. Home and End go to the list when the box is empty. */
	if (ev->action == KA_HOME || ev->action == KA_END) {
		if (!tfield_text(&sr->box)[0])
			return list_handle(&sr->list, ev->action);
	}
	res = tfield_handle(ui, &sr->box, ev);
	if (res != UI_IGNORED) {
		if (res == UI_REDRAW && (ev->action == KA_NONE || ev->action == KA_BACKSPACE ||
		                         ev->action == KA_DELETE || ev->action == KA_CLEAR_FIELD))
			run_search(ui, sr, 1);
		return res;
	}
	if (sr->found && patient_list_kind(sr->found) != PQ_RECENT &&
	    patient_list_kind(sr->found) != PQ_INCOMPLETE) {
		int n = patient_list_count(sr->found);
		if (ev->action == KA_PAGE_DOWN && patient_list_more(sr->found) && n &&
		    sr->list.cur >= n - 1 && patient_list_page(sr->found) >= 1)
			return turn_page(ui, sr, 1);
		if (ev->action == KA_PAGE_UP && sr->list.cur == 0 && patient_list_page(sr->found) > 1)
			return turn_page(ui, sr, 0);
	}
	if ((res = list_handle(&sr->list, ev->action)) != UI_IGNORED)
		return res;
	switch (ev->action) {
	case KA_SELECT:
		if (!(r = sr->found ? patient_list_row(sr->found, sr->list.cur) : NULL)) {
			ui_message(ui, UI_MSG_WARN,
			           "No patient selected: type a name, MRN, DOB or phone.");
			return UI_REDRAW;
		}
		chart_open(ui, r->id, sr->checkin);
		return UI_REDRAW;
	case KA_RELOAD:
		run_search(ui, sr, 1);
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint search_hints[] = {
    {KA_SELECT, "open chart"}, {KA_DOWN, "choose"}, {KA_CLEAR_FIELD, "clear"},
    {KA_BACK, "back"},         {KA_HELP, "help"},   {KA_NONE, NULL},
};

static const struct screen_hint checkin_hints[] = {
    {KA_SELECT, "check in"}, {KA_DOWN, "choose"}, {KA_CLEAR_FIELD, "clear"},
    {KA_BACK, "back"},       {KA_HELP, "help"},   {KA_NONE, NULL},
};

const struct screen_ops screen_search = {
    .title = "Find a patient",
    .private_size = sizeof(search_t),
    .hints = search_hints,
    .open = search_open,
    .close = search_close,
    .draw = search_draw,
    .handle = search_handle,
    .reload = search_reload,
    .forget = search_forget,
    .typing = search_typing,
};

const struct screen_ops screen_search_checkin = {
    .title = "Check a patient in",
    .private_size = sizeof(search_t),
    .hints = checkin_hints,
    .open = checkin_open,
    .close = search_close,
    .draw = search_draw,
    .handle = search_handle,
    .reload = search_reload,
    .forget = search_forget,
    .typing = search_typing,
};
