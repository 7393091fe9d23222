/* coding_chart.c - the chart beside an encounter's coding: reason for
 * visit, notes, problems and the encounter's vitals as one read-only,
 * scrollable text (see coding_chart.h). Reads only through core; owns the
 * text and wipes it. */
#include "ui/coding_chart.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clinical.h"
#include "ui/chart_sections.h"
#include "ui/draw.h"
#include "ui/theme.h"

/* ---- the text ----------------------------------------------------------- */

/* Append; a failed allocation leaves the text as it was (and says so at
 * its end once). Growing copies into a new block and wipes the old one,
 * so no clinical text is left behind in freed memory. */
static void put(coding_chart_t *cc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(coding_chart_t *cc, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (cc->len + (size_t)n + 1 > cc->cap) {
		size_t cap = cc->cap ? cc->cap : 4096;
		char *p;
		while (cap < cc->len + (size_t)n + 1)
			cap *= 2;
		if (!(p = malloc(cap)))
			return;
		if (cc->text) {
			memcpy(p, cc->text, cc->len + 1);
			explicit_bzero(cc->text, cc->cap);
			free(cc->text);
		} else {
			p[0] = '\0';
		}
		cc->text = p;
		cc->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(cc->text + cc->len, cc->cap - cc->len, fmt, ap);
	va_end(ap);
	cc->len += (size_t)n;
}

void coding_chart_forget(coding_chart_t *cc)
{
	if (cc->text) {
		explicit_bzero(cc->text, cc->cap);
		free(cc->text);
	}
	memset(cc, 0, sizeof *cc);
}

/* ---- reading through core -------------------------------------------- */

struct reading {
	ui_t *ui;
	coding_chart_t *cc;
	int64_t erow;
	int n;
};

static void when(ui_t *ui, const char *iso, char *buf, size_t size)
{
	draw_time(buf, size, iso, ui_config(ui), "-");
}

static int take_encounter(const encounter_info_t *e, void *arg)
{
	struct reading *r = arg;
	char t[48];
	if (e->erow != r->erow)
		return 0;
	when(r->ui, e->start, t, sizeof t);
	put(r->cc, "Encounter %lld: %s, %s, %s\n", (long long)e->erow, e->type, t, e->provider);
	put(r->cc, "Reason for visit: %s\n", e->reason[0] ? e->reason : "(none recorded)");
	r->n++;
	return 1;
}

static int take_note(const note_info_t *n, void *arg)
{
	struct reading *r = arg;
	char t[48];
	put(r->cc, "\n");
	if (n->addendum_of)
		put(r->cc, "-- Addendum %lld to note %lld by %s", (long long)n->nrow,
		    (long long)n->addendum_of, n->author);
	else
		put(r->cc, "-- Note %lld by %s", (long long)n->nrow, n->author);
	if (strcmp(n->status, "signed") == 0) {
		when(r->ui, n->signed_at, t, sizeof t);
		if (strcmp(n->signed_by, n->author) == 0)
			put(r->cc, ", signed %s --\n", t);
		else
			put(r->cc, ", signed by %s %s --\n", n->signed_by, t);
	} else {
		when(r->ui, n->created, t, sizeof t);
		put(r->cc, ", DRAFT (not signed), %s --\n", t);
	}
	put(r->cc, "%.*s\n", (int)n->body_len, n->body ? n->body : "");
	r->n++;
	return 0;
}

static int take_problem(const chart_item_t *it, void *arg)
{
	struct reading *r = arg;
	put(r->cc, "  %-10s %s (%s%s%s)\n", it->code[0] ? it->code : "-", it->text, it->status,
	    it->date1[0] ? ", onset " : "", it->date1);
	r->n++;
	return 0;
}

static int take_vitals(const vitals_row_t *v, void *arg)
{
	static const char *const label[] = {"BP", "Pulse", "Resp", "Temp",
	                                    "SpO2", "Height", "Weight", "BMI"};
	struct reading *r = arg;
	char t[48], b[32];
	if (v->erow != r->erow)
		return 0;
	when(r->ui, v->taken, t, sizeof t);
	put(r->cc, "  %s:", t);
	for (int k = 0; k < 8; k++) {
		sections_vital_text(ui_config(r->ui), v, k, b, sizeof b);
		if (b[0])
			put(r->cc, " %s %s", label[k], b);
	}
	put(r->cc, " (%s)\n", v->recorded_by);
	r->n++;
	return 0;
}

/* A piece core refused: its words in its place. */
static void refused(coding_chart_t *cc, const char *what, const msg_t *m)
{
	put(cc, "(%s not shown: %s)\n", what, m->text[0] ? m->text : "refused");
}

status_t coding_chart_load(ui_t *ui, coding_chart_t *cc, const char *patient_id, int64_t erow,
                           msg_t *m)
{
	session_t *s = ui_session(ui);
	struct reading r = {ui, cc, erow, 0};
	int shown = 0;
	msg_t why;
	coding_chart_forget(cc);
	put(cc, "%s", "");
	if (!cc->text)
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading the chart.");

	msg_clear(&why);
	if (encounter_list(s, patient_id, take_encounter, &r, &why) != STATUS_OK)
		refused(cc, "The reason for visit", &why);
	else if (!r.n)
		put(cc, "Encounter %lld: not found in this chart.\n", (long long)erow);
	else
		shown++;

	put(cc, "\nNOTES\n");
	r.n = 0;
	msg_clear(&why);
	if (note_list(s, erow, take_note, &r, &why) != STATUS_OK)
		refused(cc, "The notes", &why);
	else if (shown++, !r.n)
		put(cc, "  No notes on this encounter.\n");

	put(cc, "\nPROBLEMS\n");
	r.n = 0;
	msg_clear(&why);
	if (chart_items(s, patient_id, CHART_PROBLEM, take_problem, &r, &why) != STATUS_OK)
		refused(cc, "The problem list", &why);
	else if (shown++, !r.n)
		put(cc, "  No problems recorded.\n");

	put(cc, "\nVITALS AT THIS ENCOUNTER\n");
	r.n = 0;
	msg_clear(&why);
	if (vitals_list(s, patient_id, -1, take_vitals, &r, &why) != STATUS_OK)
		refused(cc, "The vitals", &why);
	else if (shown++, !r.n)
		put(cc, "  No vitals taken at this encounter.\n");

	if (!shown)
		return msg_fail(m, STATUS_DENIED, "%s",
		                why.text[0] ? why.text : "The chart cannot be shown.");
	return STATUS_OK;
}

/* ---- drawing and scrolling --------------------------------------------- */

struct drawing {
	WINDOW *w;
	int y, x, h, width, top;
};

static void draw_line(const char *line, int n, void *arg)
{
	struct drawing *d = arg;
	if (n < d->top || n >= d->top + d->h)
		return;
	draw_text(d->w, d->y + n - d->top, d->x, d->width, line, 0);
}

static int lines_of(const coding_chart_t *cc, int width)
{
	return cc->text ? draw_wrap(cc->text, width, NULL, NULL) : 0;
}

static void clamp(coding_chart_t *cc, int h, int width)
{
	int max = lines_of(cc, width) - h;
	if (cc->top > max)
		cc->top = max;
	if (cc->top < 0)
		cc->top = 0;
}

void coding_chart_draw(ui_t *ui, coding_chart_t *cc, WINDOW *w, int y, int x, int h, int width)
{
	struct drawing d = {w, y + 1, x, h - 1, width, 0};
	char title[160], k1[16], k2[16];
	int total;
	if (h < 2 || width < 10)
		return;
	keymap_keys(ui_keymap(ui), KA_CHART_PANEL, k1, sizeof k1);
	k1[strcspn(k1, " ")] = '\0';
	keymap_keys(ui_keymap(ui), KA_PAGE_DOWN, k2, sizeof k2);
	k2[strcspn(k2, " ")] = '\0';
	clamp(cc, h - 1, width);
	total = lines_of(cc, width);
	snprintf(title, sizeof title, "Chart, read-only: lines %d-%d of %d (%s scrolls, %s hides)",
	         total ? cc->top + 1 : 0,
	         cc->top + h - 1 < total ? cc->top + h - 1 : total, total, k2, k1);
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y, x, width, title, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	d.top = cc->top;
	if (cc->text)
		draw_wrap(cc->text, width, draw_line, &d);
}

unsigned coding_chart_scroll(coding_chart_t *cc, keyact_t a, int h, int width)
{
	int page = h - 2 > 1 ? h - 2 : 1;
	switch (a) {
	case KA_DOWN:
		cc->top++;
		break;
	case KA_UP:
		cc->top--;
		break;
	case KA_PAGE_DOWN:
		cc->top += page;
		break;
	case KA_PAGE_UP:
		cc->top -= page;
		break;
	case KA_HOME:
		cc->top = 0;
		break;
	case KA_END:
		cc->top = lines_of(cc, width);
		break;
	default:
		return UI_IGNORED;
	}
	clamp(cc, h - 1, width);
	return UI_REDRAW;
}
