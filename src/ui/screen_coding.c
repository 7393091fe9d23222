/* screen_coding.c - one encounter's coding: date of service, coding
 * status, the diagnoses in sequence (the first is the primary) and the
 * procedure lines (code, modifiers, units, diagnosis pointers), each with
 * its description. The coder adds (screen_coding_search.c), removes and
 * reorders them and steps the status: complete, verify, finalise (asks
 * first), reopen (asks the reason: screen_coding_reopen.c). Every step is
 * core's (coding_*), which checks the permission and the rules and says
 * which rule refuses; final coding is shown locked and core refuses edits.
 *
 * Above the lists, the patient as core shows them to this role (name,
 * MRN, DOB, sex) and the encounter. One key (chart_panel, t) shows the
 * encounter's chart read-only (coding_chart.h: reason for visit, notes in
 * full, problems, vitals; each read audited by core): beside the coding
 * on a terminal of SPLIT_COLS columns or more, where it opens shown, and
 * instead of the lists at 80x24, where the same key brings the lists back.
 *
 * Holds a copy of the coding from coding_get and the chart text, wiped on
 * close and on idle lock and read again after the unlock. */
#include "ui/screen_coding.h"

#include <langinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/text.h"
#include "core/coding.h"
#include "ui/coding_chart.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

typedef enum { ASK_NONE, ASK_FINALIZE, ASK_REMOVE_DX, ASK_REMOVE_PX } ask_t;

/* From this width the chart opens beside the coding. */
#define SPLIT_COLS 140

typedef struct coding_screen {
	int64_t erow;
	coding_t *k; /* NULL after forget */
	coding_chart_t cc;
	int chart;       /* the chart is wanted (beside or instead of the lists) */
	int chart_auto;  /* wanted because the terminal was wide, not by a key */
	int split;       /* as last drawn: beside */
	int ch_h, ch_w;  /* the chart's size as last drawn, for scrolling */
	ui_list_t dx, px;
	int on_px; /* the procedure list has the cursor */
	ask_t ask; /* a yes/no question on the screen */
	int ask_line;
	char ask_text[360];
} coding_screen_t;

static const struct screen_ops screen_coding;

void screen_coding_open(ui_t *ui, int64_t erow)
{
	ui_open_arg(ui, &screen_coding, &erow, sizeof erow);
}

int64_t screen_coding_arg(const ui_t *ui)
{
	size_t n;
	const void *a = ui_arg(ui, &n);
	int64_t erow = 0;
	if (a && n == sizeof erow)
		memcpy(&erow, a, sizeof erow); /* the loop's copy need not be aligned */
	return erow > 0 ? erow : 0;
}

void screen_coding_date(ui_t *ui, char *buf, size_t size, const char *ymd)
{
	int y, mo, d;
	char day[DATE_ISO_SIZE];
	text_copy(day, sizeof day, ymd); /* a stored date, or the date of a time */
	if (date_split_iso(day, &y, &mo, &d) != 0)
		draw_clean(buf, size, ymd);
	else if (ui_config(ui)->date_format == DATE_US)
		snprintf(buf, size, "%02d/%02d/%04d", mo, d, y);
	else
		snprintf(buf, size, "%04d-%02d-%02d", y, mo, d);
}

/* The first key bound to an action ("F1" of "F1 ?"). */
static const char *key_of(ui_t *ui, keyact_t a, char *buf, size_t size)
{
	keymap_keys(ui_keymap(ui), a, buf, size);
	buf[strcspn(buf, " ")] = '\0';
	return buf;
}

static int is_final(const coding_screen_t *c)
{
	return c->k && strcmp(c->k->status, "final") == 0;
}

/* ---- the two lists ---------------------------------------------------- */

static int dx_count(void *arg)
{
	const coding_screen_t *c = arg;
	return c->k ? c->k->ndx : 0;
}

static int px_count(void *arg)
{
	const coding_screen_t *c = arg;
	return c->k ? c->k->npx : 0;
}

/* Columns shared by headings and rows. */
enum { C_SEQ = 1, C_CODE = 5, C_DESC = 15 };
enum { P_MODS = 13, P_UNITS = 26, P_PTRS = 32, P_DESC = 45 };

/* Only the list with the cursor shows its selected line. */
static void unselect(WINDOW *w, int y, int x, int width)
{
	wattrset(w, theme_attr(TH_NORMAL));
	mvwhline(w, y, x, ' ', width);
}

static void dx_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	const coding_screen_t *c = arg;
	const coding_dx_t *d = &c->k->dx[i];
	char seq[16], desc[sizeof d->desc + 16];
	if (selected && c->on_px)
		unselect(w, y, x, width);
	snprintf(seq, sizeof seq, "%2d.", i + 1);
	snprintf(desc, sizeof desc, "%s%s", i == 0 ? "(primary) " : "", d->desc);
	draw_text(w, y, x + C_SEQ, 3, seq, 0);
	draw_text(w, y, x + C_CODE, C_DESC - C_CODE - 1, d->code, 0);
	draw_text(w, y, x + C_DESC, width - C_DESC, desc, 0);
}

static void mods_of(const coding_px_t *p, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int k = 0; k < p->nmod && o + 1 < size; k++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", k ? "," : "", p->modifiers[k]);
}

static void ptrs_of(const coding_px_t *p, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int k = 0; k < p->npointers && o + 1 < size; k++)
		o += (size_t)snprintf(buf + o, size - o, "%s%d", k ? "," : "", p->pointers[k]);
}

static void px_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	const coding_screen_t *c = arg;
	const coding_px_t *p = &c->k->px[i];
	char seq[16], mods[24], units[16], ptrs[64];
	if (selected && !c->on_px)
		unselect(w, y, x, width);
	snprintf(seq, sizeof seq, "%2d.", i + 1);
	mods_of(p, mods, sizeof mods);
	snprintf(units, sizeof units, "%d", p->units);
	ptrs_of(p, ptrs, sizeof ptrs);
	draw_text(w, y, x + C_SEQ, 3, seq, 0);
	draw_text(w, y, x + C_CODE, P_MODS - C_CODE - 1, p->code, 0);
	draw_text(w, y, x + P_MODS, P_UNITS - P_MODS - 1, mods[0] ? mods : "-", 0);
	draw_text(w, y, x + P_UNITS, P_PTRS - P_UNITS - 1, units, 0);
	draw_text(w, y, x + P_PTRS, P_DESC - P_PTRS - 1, ptrs[0] ? ptrs : "none", 0);
	draw_text(w, y, x + P_DESC, width - P_DESC,
	          p->desc[0] ? p->desc : "(not valid on this date)", 0);
}

/* ---- data ------------------------------------------------------------- */

static void coding_forget(ui_t *ui, void *priv)
{
	coding_screen_t *c = priv;
	(void)ui;
	if (c->k) {
		explicit_bzero(c->k, sizeof *c->k);
		free(c->k);
		c->k = NULL;
	}
	c->ask = ASK_NONE;
	explicit_bzero(c->ask_text, sizeof c->ask_text);
	coding_chart_forget(&c->cc);
}

/* Read the chart (core audits each section read) unless it is held. */
static status_t chart_read(ui_t *ui, coding_screen_t *c, msg_t *m)
{
	if (c->cc.text || !c->k)
		return STATUS_OK;
	return coding_chart_load(ui, &c->cc, c->k->patient_id, c->erow, m);
}

/* Is the chart on screen (as last drawn)? */
static int chart_shown(const coding_screen_t *c)
{
	return c->chart && (c->split || !c->chart_auto);
}

static status_t coding_reload(ui_t *ui, void *priv, msg_t *m)
{
	coding_screen_t *c = priv;
	status_t ret;
	if (!c->k && !(c->k = malloc(sizeof *c->k)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading the coding.");
	if ((ret = coding_view(ui_session(ui), c->erow, c->k, m)) != STATUS_OK) {
		coding_forget(ui, priv);
		return ret;
	}
	for (int i = 0; i < c->k->ndx; i++)
		draw_clean(c->k->dx[i].desc, sizeof c->k->dx[i].desc, c->k->dx[i].desc);
	for (int i = 0; i < c->k->npx; i++)
		draw_clean(c->k->px[i].desc, sizeof c->k->px[i].desc, c->k->px[i].desc);
	list_clamp(&c->dx);
	list_clamp(&c->px);
	if (c->on_px && c->k->npx == 0)
		c->on_px = 0;
	if (c->chart && (ret = chart_read(ui, c, m)) != STATUS_OK) {
		c->chart = 0; /* the coding shows; the message says why not the chart */
		ui_message(ui, UI_MSG_WARN, "%s", m->text);
	}
	return STATUS_OK;
}

static status_t coding_open(ui_t *ui, void *priv, msg_t *m)
{
	coding_screen_t *c = priv;
	if ((c->erow = screen_coding_arg(ui)) == 0)
		return msg_fail(m, STATUS_INVALID, "No encounter was chosen.");
	c->dx.count = dx_count;
	c->dx.draw_row = dx_row;
	c->dx.arg = c;
	c->dx.empty = "     No diagnoses yet.";
	c->px.count = px_count;
	c->px.draw_row = px_row;
	c->px.arg = c;
	c->px.empty = "     No procedures.";
	/* Room beside the coding: shown from the start (and only while there
	 * is room: narrowed to 80 columns, the lists come first again). */
	c->split = COLS >= SPLIT_COLS;
	c->chart = c->chart_auto = c->split;
	return coding_reload(ui, priv, m);
}

static void coding_close(ui_t *ui, void *priv)
{
	coding_forget(ui, priv);
}

/* ---- drawing ---------------------------------------------------------- */

/* What comes next for this status, with the keys as configured. */
static void next_step(ui_t *ui, const coding_screen_t *c, char *buf, size_t size)
{
	char k1[16], k2[16], k3[16];
	const char *st = c->k->status;
	if (strcmp(st, "final") == 0)
		snprintf(buf, size, "FINAL: the coding is locked. %s reopens it, with a reason.",
		         key_of(ui, KA_REOPEN, k1, sizeof k1));
	else if (strcmp(st, "verified") == 0)
		snprintf(buf, size, "Verified. %s finalises; %s reopens.",
		         key_of(ui, KA_FINALIZE, k1, sizeof k1),
		         key_of(ui, KA_REOPEN, k2, sizeof k2));
	else if (strcmp(st, "coded") == 0 && c->k->coders[0])
		snprintf(buf, size, "Coded by %s. %s verifies, %s finalises; a change uncodes it.",
		         c->k->coders, key_of(ui, KA_VERIFY, k1, sizeof k1),
		         key_of(ui, KA_FINALIZE, k2, sizeof k2));
	else if (strcmp(st, "coded") == 0)
		snprintf(
		    buf, size, "Coded. %s verifies, %s finalises; any change makes it uncoded.",
		    key_of(ui, KA_VERIFY, k1, sizeof k1), key_of(ui, KA_FINALIZE, k2, sizeof k2));
	else if (c->k->coders[0])
		snprintf(buf, size, "Changed by %s. %s adds a diagnosis, %s a procedure; %s completes.",
		         c->k->coders, key_of(ui, KA_ADD, k1, sizeof k1),
		         key_of(ui, KA_ADD_PROCEDURE, k2, sizeof k2),
		         key_of(ui, KA_COMPLETE, k3, sizeof k3));
	else
		snprintf(
		    buf, size, "%s adds a diagnosis, %s a procedure; %s completes (rules checked).",
		    key_of(ui, KA_ADD, k1, sizeof k1), key_of(ui, KA_ADD_PROCEDURE, k2, sizeof k2),
		    key_of(ui, KA_COMPLETE, k3, sizeof k3));
}

/* The patient line: what core showed this role, or that it shows none. */
static void patient_line(ui_t *ui, const coding_screen_t *c, char *buf, size_t size)
{
	const coding_patient_t *p = &c->k->patient;
	char name[sizeof p->name], mrn[sizeof p->mrn], dob[24];
	if (!p->shown) {
		snprintf(buf, size, "Patient: not shown to your role");
		return;
	}
	draw_clean(name, sizeof name, p->name);
	draw_clean(mrn, sizeof mrn, p->mrn);
	screen_coding_date(ui, dob, sizeof dob, p->dob);
	snprintf(buf, size, "Patient %s   MRN %s   DOB %s   Sex %s", name, mrn, dob, p->sex);
	explicit_bzero(name, sizeof name);
}

static void coding_draw(ui_t *ui, void *priv, WINDOW *w)
{
	coding_screen_t *c = priv;
	int W = getmaxx(w), H = getmaxy(w), avail, dxh, pxh, y, full = getmaxx(w);
	char date[24], prov[80], line[400], k1[16], k2[16], k3[16], k4[16], k5[16], k6[16];
	if (!c->k)
		return; /* forgotten (locked); read again after the unlock */
	c->split = full >= SPLIT_COLS;
	if (chart_shown(c) && c->split)
		W = full / 2 > 78 ? full / 2 : 78; /* the coding on the left */
	patient_line(ui, c, line, sizeof line);
	wattrset(w, theme_attr(TH_HEADING) | A_BOLD);
	draw_text(w, 0, 1, W - 2, line, 0);
	explicit_bzero(line, sizeof line);
	screen_coding_date(ui, date, sizeof date, c->k->date);
	draw_clean(prov, sizeof prov, c->k->provider);
	snprintf(line, sizeof line, "Encounter %lld   Service %s   Provider %s   Coding: %s",
	         (long long)c->erow, date, prov, c->k->status);
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 1, 1, W - 2, line, 0);
	next_step(ui, c, line, sizeof line);
	wattrset(w, theme_attr(is_final(c) ? TH_ALERT : TH_INFO));
	draw_text(w, 2, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));

	if (chart_shown(c) && c->split) {
		/* Beside: a rule, then the chart to the right edge. */
		const char *rule = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 ? "\u2502" : "|";
		wattrset(w, theme_attr(TH_NORMAL));
		for (y = 0; y < H - 1; y++)
			draw_text(w, y, W, 1, rule, 0);
		c->ch_h = H - 1;
		c->ch_w = full - W - 2;
		coding_chart_draw(ui, &c->cc, w, 0, W + 2, c->ch_h, c->ch_w);
	} else if (chart_shown(c)) {
		/* Instead of the lists (80x24): the chart under the heading. */
		c->ch_h = H - 5;
		c->ch_w = W - 2;
		coding_chart_draw(ui, &c->cc, w, 4, 1, c->ch_h, c->ch_w);
		snprintf(line, sizeof line,
		         "%s the coding   Up/Down %s/%s scroll   %s diagnosis   %s complete   %s "
		         "verify",
		         key_of(ui, KA_CHART_PANEL, k1, sizeof k1),
		         key_of(ui, KA_PAGE_UP, k2, sizeof k2), key_of(ui, KA_PAGE_DOWN, k3, sizeof k3),
		         key_of(ui, KA_ADD, k4, sizeof k4), key_of(ui, KA_COMPLETE, k5, sizeof k5),
		         key_of(ui, KA_VERIFY, k6, sizeof k6));
		wattrset(w, theme_attr(TH_HINT));
		draw_text(w, H - 1, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}

	/* Lines besides the two lists: 5 above the diagnoses, a gap and a
	 * heading above the procedures, the question and the keys below. */
	avail = H - 9;
	dxh = c->k->ndx > 0 ? c->k->ndx : 1;
	pxh = c->k->npx > 0 ? c->k->npx : 1;
	if (dxh + pxh > avail) {
		int half = avail / 2;
		if (dxh > half && pxh > avail - half)
			dxh = half;
		else if (dxh > half)
			dxh = avail - pxh;
		pxh = avail - dxh;
	}
	y = 4;
	snprintf(line, sizeof line, "Diagnoses (ICD-10-CM), %d of %d", c->k->ndx, CODING_MAX_DX);
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y, C_SEQ, C_DESC - C_SEQ, "#   Code", 0);
	draw_text(w, y, C_DESC, W - C_DESC - 1, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&c->dx, w, y + 1, 0, dxh, W);
	y += 1 + dxh + 1;
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y, C_SEQ, P_MODS - C_SEQ, "#   Code", 0);
	draw_text(w, y, P_MODS, P_UNITS - P_MODS, "Modifiers", 0);
	draw_text(w, y, P_UNITS, P_PTRS - P_UNITS, "Units", 0);
	draw_text(w, y, P_PTRS, P_DESC - P_PTRS, "Diagnoses", 0);
	draw_text(w, y, P_DESC, W - P_DESC - 1, "Procedures (HCPCS, CPT)", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&c->px, w, y + 1, 0, pxh, W);

	if (c->ask != ASK_NONE) {
		wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
		mvwhline(w, H - 2, 0, ' ', W);
		draw_text(w, H - 2, 1, W - 2, c->ask_text, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	snprintf(line, sizeof line,
	         "%s chart   %s remove   %s primary   %s verify   %s details   %s next list",
	         key_of(ui, KA_CHART_PANEL, k6, sizeof k6), key_of(ui, KA_REMOVE, k1, sizeof k1),
	         key_of(ui, KA_MAKE_PRIMARY, k2, sizeof k2), key_of(ui, KA_VERIFY, k3, sizeof k3),
	         key_of(ui, KA_SELECT, k4, sizeof k4), key_of(ui, KA_NEXT_FIELD, k5, sizeof k5));
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, H - 1, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

/* ---- actions ---------------------------------------------------------- */

/* Show what core said: a success on the message line, a refusal (which
 * names its rule, often at length) in a box. Returns the flags. */
static unsigned said(ui_t *ui, status_t st, const msg_t *m)
{
	if (st == STATUS_OK) {
		ui_message(ui, UI_MSG_OK, "%s", m->text);
	} else {
		char text[sizeof m->text + 32];
		snprintf(text, sizeof text, "Refused.\n\n%s", m->text);
		ui_notice(ui, text);
	}
	return UI_RELOAD | UI_REDRAW;
}

static void ask(ui_t *ui, coding_screen_t *c, ask_t what, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void ask(ui_t *ui, coding_screen_t *c, ask_t what, int line, const char *fmt, ...)
{
	char q[300], yes[16], no[16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof q, fmt, ap);
	va_end(ap);
	snprintf(c->ask_text, sizeof c->ask_text, "%s (%s/%s)", q,
	         key_of(ui, KA_YES, yes, sizeof yes), key_of(ui, KA_NO, no, sizeof no));
	c->ask = what;
	c->ask_line = line;
}

static unsigned answer(ui_t *ui, coding_screen_t *c, const ui_event_t *ev)
{
	session_t *s = ui_session(ui);
	ask_t what = c->ask;
	msg_t m;
	status_t st;
	if (ev->action == KA_NO || ev->action == KA_BACK) {
		c->ask = ASK_NONE;
		ui_message(ui, UI_MSG_INFO, "Nothing was changed.");
		return UI_REDRAW;
	}
	if (ev->action != KA_YES)
		return UI_HANDLED; /* the question waits for its answer */
	c->ask = ASK_NONE;
	msg_clear(&m);
	switch (what) {
	case ASK_FINALIZE:
		st = coding_finalize(s, c->erow, &m);
		break;
	case ASK_REMOVE_DX:
		st = coding_remove_dx(s, c->erow, c->ask_line, &m);
		break;
	case ASK_REMOVE_PX:
		st = coding_remove_px(s, c->erow, c->ask_line, &m);
		break;
	default:
		return UI_REDRAW;
	}
	return said(ui, st, &m);
}

/* Final coding refuses every edit, and core says so (and how to reopen).
 * Asking core with a code that can never be added gets its word without
 * opening a search first: the refusal comes before any change. */
static unsigned refuse_if_final(ui_t *ui, coding_screen_t *c, int procedure)
{
	msg_t m;
	status_t st;
	if (!is_final(c))
		return UI_IGNORED;
	msg_clear(&m);
	st = procedure ? coding_add_px(ui_session(ui), c->erow, CS_HCPCS, "", "", 1, "", &m)
	               : coding_add_dx(ui_session(ui), c->erow, "", &m);
	return said(ui, st, &m);
}

static unsigned details(ui_t *ui, coding_screen_t *c)
{
	char text[900], mods[24], ptrs[64];
	if (c->on_px && c->k->npx > 0) {
		const coding_px_t *p = &c->k->px[c->px.cur];
		mods_of(p, mods, sizeof mods);
		ptrs_of(p, ptrs, sizeof ptrs);
		snprintf(text, sizeof text,
		         "Procedure line %d\n\nCode:       %s (%s)\nModifiers:  %s\nUnits:      "
		         "%d\nDiagnoses:  %s\n\n%s",
		         c->px.cur + 1, p->code, strcmp(p->system, "cpt") == 0 ? "CPT" : "HCPCS",
		         mods[0] ? mods : "none", p->units, ptrs[0] ? ptrs : "none", p->desc);
	} else if (!c->on_px && c->k->ndx > 0) {
		const coding_dx_t *d = &c->k->dx[c->dx.cur];
		snprintf(text, sizeof text, "Diagnosis %d%s\n\nCode:  %s (ICD-10-CM)\n\n%s",
		         c->dx.cur + 1, c->dx.cur == 0 ? " (primary)" : "", d->code, d->desc);
	} else {
		return UI_HANDLED;
	}
	ui_notice(ui, text);
	return UI_REDRAW;
}

/* Up and Down run through both lists as one. */
static unsigned move_cursor(coding_screen_t *c, keyact_t a)
{
	ui_list_t *l = c->on_px ? &c->px : &c->dx;
	unsigned r;
	if (a == KA_DOWN && !c->on_px && c->k->npx > 0 &&
	    (c->k->ndx == 0 || c->dx.cur == c->k->ndx - 1)) {
		c->on_px = 1;
		c->px.cur = 0;
		return UI_REDRAW;
	}
	if (a == KA_UP && c->on_px && c->px.cur == 0 && c->k->ndx > 0) {
		c->on_px = 0;
		c->dx.cur = c->k->ndx - 1;
		return UI_REDRAW;
	}
	r = list_handle(l, a);
	return r;
}

static unsigned coding_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	coding_screen_t *c = priv;
	session_t *s = ui_session(ui);
	msg_t m;
	status_t st;
	unsigned r;
	if (!c->k)
		return ev->action == KA_BACK ? UI_BACK : UI_HANDLED;
	if (c->ask != ASK_NONE)
		return answer(ui, c, ev);
	msg_clear(&m);
	if (ev->action == KA_CHART_PANEL) {
		c->chart = !chart_shown(c);
		c->chart_auto = 0;
		if (c->chart && (st = chart_read(ui, c, &m)) != STATUS_OK) {
			c->chart = 0;
			return said(ui, st, &m);
		}
		return UI_REDRAW;
	}
	if (chart_shown(c) && !c->split) {
		/* The chart instead of the lists: it scrolls; Esc brings the
		 * lists back; the steps that need no selected line still work. */
		if ((r = coding_chart_scroll(&c->cc, ev->action, c->ch_h, c->ch_w)) != UI_IGNORED)
			return r;
		if (ev->action == KA_BACK) {
			c->chart = 0;
			return UI_REDRAW;
		}
		if (ev->action == KA_REMOVE || ev->action == KA_MAKE_PRIMARY ||
		    ev->action == KA_SELECT || ev->action == KA_NEXT_FIELD ||
		    ev->action == KA_PREV_FIELD) {
			char k[16];
			ui_message(ui, UI_MSG_WARN, "Back to the coding first (%s) to choose a line.",
			           key_of(ui, KA_CHART_PANEL, k, sizeof k));
			return UI_REDRAW;
		}
	} else if (chart_shown(c) && ev->action != KA_UP && ev->action != KA_DOWN &&
	           (r = coding_chart_scroll(&c->cc, ev->action, c->ch_h, c->ch_w)) != UI_IGNORED) {
		return r; /* beside: the pages scroll the chart, the lines move in the lists */
	}
	if ((r = move_cursor(c, ev->action)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_NEXT_FIELD:
	case KA_PREV_FIELD:
		c->on_px = !c->on_px && c->k->npx > 0;
		return UI_REDRAW;
	case KA_SELECT:
		return details(ui, c);
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_ADD:
		if ((r = refuse_if_final(ui, c, 0)) != UI_IGNORED)
			return r;
		screen_coding_add_dx(ui, c->erow);
		return UI_REDRAW;
	case KA_ADD_PROCEDURE:
		if ((r = refuse_if_final(ui, c, 1)) != UI_IGNORED)
			return r;
		screen_coding_add_px(ui, c->erow);
		return UI_REDRAW;
	case KA_REMOVE:
		if (c->on_px && c->k->npx > 0) {
			const coding_px_t *p = &c->k->px[c->px.cur];
			ask(ui, c, ASK_REMOVE_PX, c->px.cur + 1, "Remove procedure line %d, %s?",
			    c->px.cur + 1, p->code);
		} else if (!c->on_px && c->k->ndx > 0) {
			const coding_dx_t *d = &c->k->dx[c->dx.cur];
			ask(ui, c, ASK_REMOVE_DX, c->dx.cur + 1,
			    "Remove diagnosis %d, %s, and the pointers to it?", c->dx.cur + 1,
			    d->code);
		} else {
			ui_message(ui, UI_MSG_WARN, "There is nothing to remove.");
		}
		return UI_REDRAW;
	case KA_MAKE_PRIMARY:
		if (c->on_px || c->k->ndx == 0) {
			char k[16];
			ui_message(ui, UI_MSG_WARN,
			           "Choose a diagnosis first (%s moves between lists).",
			           key_of(ui, KA_NEXT_FIELD, k, sizeof k));
			return UI_REDRAW;
		}
		st = coding_make_primary(s, c->erow, c->dx.cur + 1, &m);
		if (st == STATUS_OK)
			c->dx.cur = 0; /* the cursor follows the diagnosis to the top */
		return said(ui, st, &m);
	case KA_COMPLETE:
		return said(ui, coding_complete(s, c->erow, &m), &m);
	case KA_VERIFY:
		return said(ui, coding_verify(s, c->erow, &m), &m);
	case KA_FINALIZE:
		ask(ui, c, ASK_FINALIZE, 0,
		    "Finalise the coding of encounter %lld? Final coding is locked.",
		    (long long)c->erow);
		return UI_REDRAW;
	case KA_REOPEN:
		screen_coding_reopen(ui, c->erow);
		return UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		/* The list below (the queue) may have changed: read it again. */
		return UI_BACK | UI_RELOAD | UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint coding_hints[] = {
    {KA_ADD, "diagnosis"},     {KA_ADD_PROCEDURE, "procedure"}, {KA_COMPLETE, "complete"},
    {KA_FINALIZE, "finalise"}, {KA_REOPEN, "reopen"},           {KA_BACK, "back"},
    {KA_NONE, NULL},
};

static const struct screen_ops screen_coding = {
    .title = "Encounter coding",
    .private_size = sizeof(coding_screen_t),
    .hints = coding_hints,
    .open = coding_open,
    .close = coding_close,
    .draw = coding_draw,
    .handle = coding_handle,
    .reload = coding_reload,
    .forget = coding_forget,
};
