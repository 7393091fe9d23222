/* chart_sections.c - reading and drawing the chart's clinical sections. */
#include "ui/chart_sections.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/patient.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_keys.h"

#define VITALS_READ 60 /* rows read for the table and the trend */

const char *const chart_section_name[SEC_COUNT] = {
    "Demographics", "Encounters", "Vitals", "Allergies", "Medications", "Problems", "Notes",
};

int sections_item_kind(int sec)
{
	return sec == SEC_ALLERGY ? CHART_ALLERGY
	       : sec == SEC_MED   ? CHART_MEDICATION
	                          : CHART_PROBLEM;
}

/* ---- rows ---------------------------------------------------------------- */

static void *rows_add(chart_rows_t *r)
{
	if (r->n == r->cap) {
		int cap = r->cap ? r->cap * 2 : 16;
		void *v = realloc(r->v, (size_t)cap * r->size);
		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	return (char *)r->v + (size_t)r->n++ * r->size;
}

static void rows_drop(chart_rows_t *r)
{
	if (r->v)
		explicit_bzero(r->v, (size_t)r->cap * r->size);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

#define ROW(r, type, i) (&((type *)(r).v)[i])

/* ---- reading ------------------------------------------------------------- */

static int take_enc(const encounter_info_t *e, void *arg)
{
	encounter_info_t *d = rows_add(arg);
	if (!d)
		return 1;
	*d = *e;
	return 0;
}

static int take_vit(const vitals_row_t *v, void *arg)
{
	vitals_row_t *d = rows_add(arg);
	if (!d)
		return 1;
	*d = *v;
	return 0;
}

static int take_item(const chart_item_t *it, void *arg)
{
	chart_item_t *d = rows_add(arg);
	if (!d)
		return 1;
	*d = *it;
	return 0;
}

/* The first line of a note's text, for the list. */
static void first_line(const char *body, char *out, size_t size)
{
	char line[160];
	size_t n = 0;
	while (body && (*body == '\n' || *body == ' '))
		body++;
	while (body && body[n] && body[n] != '\n' && n + 1 < sizeof line) {
		line[n] = body[n];
		n++;
	}
	line[n] = '\0';
	draw_clean(out, size, line);
	explicit_bzero(line, sizeof line);
}

struct note_ctx {
	chart_sections_t *c;
	const config_t *cfg;
};

static int take_note(const note_info_t *n, void *arg)
{
	struct note_ctx *nc = arg;
	note_line_t *d = rows_add(&nc->c->notes);
	char when[40], preview[100], author[72];
	if (!d)
		return 1;
	memset(d, 0, sizeof *d);
	d->erow = n->erow;
	d->nrow = n->nrow;
	d->addendum_of = n->addendum_of;
	d->draft = strcmp(n->status, "signed") != 0;
	draw_time(when, sizeof when, n->created, nc->cfg, "");
	first_line(n->body, preview, sizeof preview);
	draw_clean(author, sizeof author, n->author);
	snprintf(d->text, sizeof d->text, "%s %lld  %-6s  %-10.30s %.24s  %.80s",
	         n->addendum_of ? "    Addendum" : "  Note", (long long)n->nrow,
	         d->draft ? "DRAFT" : "signed", author, when, preview);
	explicit_bzero(preview, sizeof preview);
	return 0;
}

static status_t load_encounters(ui_t *ui, chart_sections_t *c, msg_t *m)
{
	rows_drop(&c->enc);
	c->enc.size = sizeof(encounter_info_t);
	return encounter_list(ui_session(ui), c->id, take_enc, &c->enc, m);
}

static status_t load_notes(ui_t *ui, chart_sections_t *c, msg_t *m)
{
	const config_t *cfg = ui_config(ui);
	struct note_ctx nc = {c, cfg};
	status_t ret = STATUS_OK;
	rows_drop(&c->notes);
	c->notes.size = sizeof(note_line_t);
	if (!c->loaded[SEC_ENC]) {
		if ((ret = load_encounters(ui, c, m)) != STATUS_OK)
			return ret;
		c->loaded[SEC_ENC] = 1;
	}
	for (int i = 0; i < c->enc.n && ret == STATUS_OK; i++) {
		const encounter_info_t *e = ROW(c->enc, encounter_info_t, i);
		note_line_t *d = rows_add(&c->notes);
		char when[40], type[48], prov[72];
		if (!d)
			return msg_fail(m, STATUS_NOMEM, "Out of memory reading the notes.");
		memset(d, 0, sizeof *d);
		d->erow = e->erow;
		draw_time(when, sizeof when, e->start, cfg, "");
		draw_clean(type, sizeof type, e->type);
		draw_clean(prov, sizeof prov, *e->provider_name ? e->provider_name : e->provider);
		snprintf(d->text, sizeof d->text, "Encounter %lld  %.24s  %.40s  %.40s  (%.12s)",
		         (long long)e->erow, when, type, prov, e->status);
		ret = note_list(ui_session(ui), e->erow, take_note, &nc, m);
	}
	return ret;
}

/* Read section `sec` from core (each read is audited by core). */
void sections_load(chart_sections_t *c, int sec)
{
	ui_t *ui = c->ui;
	session_t *s = ui_session(ui);
	status_t st = STATUS_OK;
	msg_t m;
	msg_clear(&m);
	c->failed[sec][0] = '\0';
	switch (sec) {
	case SEC_DEMO:
		break;
	case SEC_ENC:
		st = load_encounters(ui, c, &m);
		break;
	case SEC_VITALS:
		rows_drop(&c->vit);
		c->vit.size = sizeof(vitals_row_t);
		st = vitals_list(s, c->id, VITALS_READ, take_vit, &c->vit, &m);
		break;
	case SEC_ALLERGY:
	case SEC_MED:
	case SEC_PROBLEM: {
		int k = sections_item_kind(sec);
		rows_drop(&c->item[k]);
		c->item[k].size = sizeof(chart_item_t);
		st = chart_items(s, c->id, (chart_kind_t)k, take_item, &c->item[k], &m);
		/* The procedure history (SNOMED CT) below the problems. */
		if (st == STATUS_OK && sec == SEC_PROBLEM)
			st = chart_items(s, c->id, CHART_PROCEDURE, take_item, &c->item[k], &m);
		break;
	}
	case SEC_NOTES:
		st = load_notes(ui, c, &m);
		break;
	}
	c->loaded[sec] = 1;
	if (st != STATUS_OK) {
		snprintf(c->failed[sec], sizeof c->failed[sec], "%s", m.text);
		keys_tell(ui, UI_MSG_ERROR, m.text);
	}
	if (sec == c->shown) /* the list counts the section shown */
		list_clamp(&c->list[sec]);
}

void sections_drop(chart_sections_t *c)
{
	rows_drop(&c->enc);
	rows_drop(&c->vit);
	for (int k = 0; k < 3; k++)
		rows_drop(&c->item[k]);
	rows_drop(&c->notes);
	memset(c->loaded, 0, sizeof c->loaded);
}

int sections_count(const chart_sections_t *c, int sec)
{
	switch (sec) {
	case SEC_ENC:
		return c->enc.n;
	case SEC_VITALS:
		return c->vit.n;
	case SEC_ALLERGY:
	case SEC_MED:
	case SEC_PROBLEM:
		return c->item[sections_item_kind(sec)].n;
	case SEC_NOTES:
		return c->notes.n;
	default:
		return 0;
	}
}

static int sec_count(void *arg)
{
	chart_sections_t *c = arg;
	return sections_count(c, c->shown);
}

const encounter_info_t *sections_encounter(const chart_sections_t *c, int i)
{
	return i >= 0 && i < c->enc.n ? ROW(c->enc, encounter_info_t, i) : NULL;
}

const chart_item_t *sections_item(const chart_sections_t *c, int sec, int i)
{
	int k = sections_item_kind(sec);
	return i >= 0 && i < c->item[k].n ? ROW(c->item[k], chart_item_t, i) : NULL;
}

const note_line_t *sections_note(const chart_sections_t *c, int i)
{
	return i >= 0 && i < c->notes.n ? ROW(c->notes, note_line_t, i) : NULL;
}

/* ---- drawing --------------------------------------------------------------- */

/* A stored date or time shown as a date in the display format. */
static void day(const chart_sections_t *c, const char *iso, char *out, size_t size)
{
	char d[11];
	if (!iso || !iso[0]) {
		out[0] = '\0';
		return;
	}
	snprintf(d, sizeof d, "%.10s", iso);
	patient_date_display(ui_config(c->ui), d, out, size);
}

static void vit_text(const chart_sections_t *c, const vitals_row_t *v, int which, char *b, size_t n)
{
	sections_vital_text(ui_config(c->ui), v, which, b, n);
}

void sections_vital_text(const config_t *cfg, const vitals_row_t *v, int which, char *b, size_t n)
{
	b[0] = '\0';
	switch (which) {
	case 0:
		if (v->systolic >= 0)
			snprintf(b, n, "%d/%d", v->systolic, v->diastolic);
		break;
	case 1:
		if (v->pulse >= 0)
			snprintf(b, n, "%d", v->pulse);
		break;
	case 2:
		if (v->resp >= 0)
			snprintf(b, n, "%d", v->resp);
		break;
	case 3:
		if (v->temp_c >= 0)
			snprintf(b, n, "%.1f%s",
			         cfg->temp_fahrenheit ? v->temp_c * 9 / 5 + 32 : v->temp_c,
			         cfg->temp_fahrenheit ? "F" : "C");
		break;
	case 4:
		if (v->spo2 >= 0)
			snprintf(b, n, "%d%%", v->spo2);
		break;
	case 5:
		if (v->height_cm >= 0)
			snprintf(b, n, "%.1f%s",
			         cfg->height_inches ? v->height_cm / 2.54 : v->height_cm,
			         cfg->height_inches ? "in" : "cm");
		break;
	case 6:
		if (v->weight_kg >= 0)
			snprintf(b, n, "%.1f%s",
			         cfg->weight_pounds ? v->weight_kg / 0.45359237 : v->weight_kg,
			         cfg->weight_pounds ? "lb" : "kg");
		break;
	case 7:
		if (v->bmi >= 0)
			snprintf(b, n, "%.1f", v->bmi);
		break;
	}
}

/* Column starts of each section's table, and where the last one ends. */
/* A time takes 20 columns: "2026-11-25 14:02 CST" (the clinic's zone). */
static const int enc_col[] = {1, 22, 36, 50, 64, 71, 80};
static const int vit_col[] = {1, 22, 30, 36, 41, 48, 54, 62, 71, 77};
static const int alg_col[] = {1, 27, 49, 59, 77};
static const int med_col[] = {1, 22, 33, 40, 50, 61, 72, 80};
static const int pro_col[] = {1, 11, 49, 61, 78};

static void cell(WINDOW *w, int y, int x, const int *col, int k, int width, const char *text)
{
	int end = col[k + 1] - 1;
	if (x + col[k] >= x + width)
		return;
	if (end > width)
		end = width;
	draw_text(w, y, x + col[k], end - col[k], text, 0);
}

static void sec_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	chart_sections_t *c = arg;
	char b[64];
	(void)selected;
	switch (c->shown) {
	case SEC_ENC: {
		const encounter_info_t *e = ROW(c->enc, encounter_info_t, i);
		draw_time(b, sizeof b, e->start, ui_config(c->ui), "");
		cell(w, y, x, enc_col, 0, width, b);
		cell(w, y, x, enc_col, 1, width, e->type);
		/* An imported visit: its provider record's name. */
		cell(w, y, x, enc_col, 2, width, *e->provider_name ? e->provider_name : e->provider);
		cell(w, y, x, enc_col, 3, width, e->location);
		if (strcmp(e->status, "open") == 0 && !selected)
			wattron(w, theme_attr(TH_OK));
		cell(w, y, x, enc_col, 4, width, e->status);
		if (!selected)
			wattrset(w, theme_attr(TH_NORMAL));
		draw_text(w, y, x + enc_col[5], width - enc_col[5], e->coding_status, 0);
		break;
	}
	case SEC_VITALS: {
		const vitals_row_t *v = ROW(c->vit, vitals_row_t, i);
		draw_time(b, sizeof b, v->taken, ui_config(c->ui), "");
		cell(w, y, x, vit_col, 0, width, b);
		for (int k = 0; k < 8; k++) {
			vit_text(c, v, k, b, sizeof b);
			cell(w, y, x, vit_col, k + 1, width, b);
		}
		break;
	}
	case SEC_ALLERGY:
	case SEC_MED:
	case SEC_PROBLEM: {
		int k = sections_item_kind(c->shown);
		const chart_item_t *it = ROW(c->item[k], chart_item_t, i);
		int inactive = strcmp(it->status, "active") != 0;
		if (inactive && !selected)
			wattron(w, A_DIM);
		if (k == CHART_ALLERGY) {
			cell(w, y, x, alg_col, 0, width, it->text);
			cell(w, y, x, alg_col, 1, width, it->text2[0] ? it->text2 : "-");
			cell(w, y, x, alg_col, 2, width, it->code);
			cell(w, y, x, alg_col, 3, width, it->status);
		} else if (k == CHART_MEDICATION) {
			cell(w, y, x, med_col, 0, width, it->text);
			cell(w, y, x, med_col, 1, width, it->text2);
			cell(w, y, x, med_col, 2, width, it->code);
			cell(w, y, x, med_col, 3, width, it->extra);
			day(c, it->date1, b, sizeof b);
			cell(w, y, x, med_col, 4, width, b);
			day(c, it->date2, b, sizeof b);
			cell(w, y, x, med_col, 5, width, b);
			draw_text(w, y, x + med_col[6], width - med_col[6], it->status, 0);
		} else {
			cell(w, y, x, pro_col, 0, width, it->code[0] ? it->code : "-");
			cell(w, y, x, pro_col, 1, width, it->text);
			day(c, it->date1, b, sizeof b);
			cell(w, y, x, pro_col, 2, width, b);
			cell(w, y, x, pro_col, 3, width, it->status);
		}
		if (inactive && !selected)
			wattrset(w, theme_attr(TH_NORMAL));
		break;
	}
	case SEC_NOTES: {
		const note_line_t *n = ROW(c->notes, note_line_t, i);
		if (!n->nrow && !selected)
			wattron(w, theme_attr(TH_HEADING));
		else if (n->draft && !selected)
			wattron(w, theme_attr(TH_WARN));
		draw_text(w, y, x + 1, width - 2, n->text, 0);
		if (!selected)
			wattrset(w, theme_attr(TH_NORMAL));
		break;
	}
	default:
		break;
	}
}

static void headings(WINDOW *w, int y, int sec)
{
	static const char *const enc_h[] = {"Date",     "Type",   "Provider",
	                                    "Location", "Status", "Coding"};
	static const char *const vit_h[] = {"Taken", "BP",     "Pulse",  "Resp", "Temp",
	                                    "SpO2",  "Height", "Weight", "BMI"};
	static const char *const alg_h[] = {"Substance", "Reaction", "Severity", "Status"};
	static const char *const med_h[] = {"Medication", "Dose", "Route", "Frequency",
	                                    "Start",      "Stop", "Status"};
	static const char *const pro_h[] = {"ICD-10-CM", "Problem", "Onset", "Status"};
	const char *const *h = NULL;
	const int *col = NULL;
	int n = 0;
	switch (sec) {
	case SEC_ENC:
		h = enc_h, col = enc_col, n = 6;
		break;
	case SEC_VITALS:
		h = vit_h, col = vit_col, n = 9;
		break;
	case SEC_ALLERGY:
		h = alg_h, col = alg_col, n = 4;
		break;
	case SEC_MED:
		h = med_h, col = med_col, n = 7;
		break;
	case SEC_PROBLEM:
		h = pro_h, col = pro_col, n = 4;
		break;
	case SEC_NOTES:
		wattrset(w, theme_attr(TH_HEADING));
		draw_text(w, y, 1, getmaxx(w) - 2,
		          "Encounters newest first; notes with their addenda", 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	default:
		return;
	}
	wattrset(w, theme_attr(TH_HEADING));
	for (int k = 0; k < n; k++)
		draw_text(w, y, col[k], col[k + 1] - col[k] - 1, h[k], 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

/* A sparkline of up to `max` values (oldest first) into out: block
 * characters in a UTF-8 locale, ASCII otherwise; no colour needed. */
static void sparkline(const double *v, int n, char *out, size_t size)
{
	static const char *const uni[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
	                                  "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	                                  "\xe2\x96\x87", "\xe2\x96\x88"};
	static const char *const ascii[] = {"_", ".", "-", "~", "=", "+", "*", "#"};
	const char *const *g = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 ? uni : ascii;
	double lo = v[0], hi = v[0];
	size_t o = 0;
	for (int i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		int k = hi > lo ? (int)((v[i] - lo) / (hi - lo) * 7 + 0.5) : 3;
		size_t len = strlen(g[k]);
		if (o + len + 1 > size)
			break;
		memcpy(out + o, g[k], len);
		o += len;
	}
	out[o] = '\0';
}

/* One trend line: label, lowest, the sparkline, highest, latest. */
static void trend(chart_sections_t *c, WINDOW *w, int y, const char *label, int which,
                  const char *unit)
{
	const config_t *cfg = ui_config(c->ui);
	int W = getmaxx(w), max = W - 48, n = 0;
	double v[VITALS_READ], lo = 0, hi = 0;
	char line[600], spark[VITALS_READ * 3 + 1];
	if (max > VITALS_READ)
		max = VITALS_READ;
	/* The rows are newest first; the line runs oldest to newest. */
	for (int i = c->vit.n - 1; i >= 0; i--) {
		const vitals_row_t *r = ROW(c->vit, vitals_row_t, i);
		double x =
		    which == 0
		        ? (r->weight_kg >= 0
		               ? (cfg->weight_pounds ? r->weight_kg / 0.45359237 : r->weight_kg)
		               : -1)
		    : which == 1 ? r->systolic
		                 : r->diastolic;
		if (x < 0)
			continue;
		if (n == max) {
			memmove(v, v + 1, (size_t)(n - 1) * sizeof v[0]);
			n--;
		}
		v[n++] = x;
	}
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y, 1, 16, label, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	if (n == 0) {
		draw_text(w, y, 18, W - 19, "no values yet", 0);
		return;
	}
	lo = hi = v[0];
	for (int i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	sparkline(v, n, spark, sizeof spark);
	snprintf(line, sizeof line, "%6.*f %s %-6.*f latest %.*f %s (%d)", which ? 0 : 1, lo, spark,
	         which ? 0 : 1, hi, which ? 0 : 1, v[n - 1], unit, n);
	draw_text(w, y, 18, W - 19, line, 0);
}

void sections_init(chart_sections_t *c, ui_t *ui, const char *id)
{
	static const char *const empty[SEC_COUNT] = {
	    "",
	    "No encounters yet.",
	    "No vitals recorded.",
	    "No allergies recorded.",
	    "No medications recorded.",
	    "No problems recorded.",
	    "No encounters, so no notes yet.",
	};
	memset(c, 0, sizeof *c);
	c->ui = ui;
	snprintf(c->id, sizeof c->id, "%s", id);
	for (int s = 0; s < SEC_COUNT; s++) {
		c->list[s].count = sec_count;
		c->list[s].draw_row = sec_row;
		c->list[s].arg = c;
		c->list[s].empty = empty[s];
	}
}

void sections_draw(chart_sections_t *c, WINDOW *w, int y, int h)
{
	const config_t *cfg = ui_config(c->ui);
	int W = getmaxx(w), sec = c->shown;
	if (sec <= SEC_DEMO || sec >= SEC_COUNT || h < 2)
		return;
	headings(w, y, sec);
	if (c->failed[sec][0]) {
		wattrset(w, theme_attr(TH_ERROR));
		draw_text(w, y + 1, 1, W - 2, c->failed[sec], 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	if (sec != SEC_VITALS || h < 8) {
		list_draw(&c->list[sec], w, y + 1, 0, h - 1, W);
		return;
	}
	list_draw(&c->list[sec], w, y + 1, 0, h - 5, W);
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y + h - 4, 1, W - 2, "Trend, oldest to newest", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	trend(c, w, y + h - 3, "Weight", 0, cfg->weight_pounds ? "lb" : "kg");
	trend(c, w, y + h - 2, "Systolic BP", 1, "mmHg");
	trend(c, w, y + h - 1, "Diastolic BP", 2, "mmHg");
}
