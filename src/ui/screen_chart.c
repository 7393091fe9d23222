/* screen_chart.c - a patient's chart: the banner, and sections chosen with
 * Tab/BTab or Left/Right: Demographics (viewed, and edited in place with
 * the same checks as registration), and for roles with clinical access
 * Encounters, Vitals (a table and a trend), Allergies, Medications,
 * Problems and Notes. Opening goes through core's patient_open (audited);
 * a confidential chart first asks for a break-the-glass reason, and Esc
 * there opens nothing. Each clinical section is read from core when first
 * shown (core audits the view) and again after a change.
 *
 * Holds the opened record, the banner, the sections' rows and any typed
 * text (edits, the reason); all of it is wiped on close and on idle lock,
 * and read again after the unlock. Which sections and keys are offered
 * follows session_can; core checks every action again. */
#include "ui/screen_chart.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clinical.h"
#include "core/patient.h"
#include "ui/draw.h"
#include "ui/screen_checkin.h"
#include "ui/screen_encounter.h"
#include "ui/screen_item.h"
#include "ui/screen_note.h"
#include "ui/screen_vitals.h"
#include "ui/theme.h"
#include "ui/widget_keys.h"
#include "ui/widget_field.h"
#include "ui/widget_list.h"
#include "ui/widget_pform.h"

#define REASON_CAP  256
#define VITALS_READ 60 /* rows read for the table and the trend */

enum { SEC_DEMO, SEC_ENC, SEC_VITALS, SEC_ALLERGY, SEC_MED, SEC_PROBLEM, SEC_NOTES, SEC_COUNT };
static const char *const sec_name[SEC_COUNT] = {
    "Demographics", "Encounters", "Vitals", "Allergies", "Medications", "Problems", "Notes",
};

typedef enum { CH_VIEW, CH_BTG, CH_EDIT, CH_ASK, CH_STATUS } chart_mode_t;
typedef enum { ASK_NONE, ASK_CLOSE_ENC, ASK_NKA, ASK_DISCARD } ask_t;

/* A line of the Notes section: an encounter, or a note under it. */
typedef struct note_line {
	int64_t erow, nrow, addendum_of; /* nrow 0: the encounter's own line */
	char text[200];
	int draft;
} note_line_t;

/* A growable array of fixed-size rows, wiped when dropped. */
typedef struct rows {
	void *v;
	int n, cap;
	size_t size;
} rows_t;

typedef struct chart {
	ui_t *ui;
	char id[33];
	int checkin;  /* open the check-in form once the chart is open */
	patient_t *p; /* the opened record; NULL until opened and after a lock */
	ui_banner_t banner;
	chart_mode_t mode;
	msg_t btg_why;     /* core's explanation */
	ui_field_t reason; /* break-the-glass */

	int secs[SEC_COUNT], nsecs; /* the sections this role sees */
	int sec;                    /* index into secs */
	int loaded[SEC_COUNT];
	char failed[SEC_COUNT][512]; /* why a section could not be read */
	ui_list_t list[SEC_COUNT];
	rows_t enc, vit, item[3], notes;

	ui_pform_t form; /* demographics editing */
	int form_ready;

	ask_t ask;
	char ask_text[200];
	int64_t ask_row;
	int st_kind; /* the status chooser */
	int64_t st_row;
	int st_choice;
} chart_t;

static const char *const statuses[3][3] = {
    {"active", "inactive", "entered-in-error"},
    {"active", "stopped", "entered-in-error"},
    {"active", "resolved", "entered-in-error"},
};

/* ---- rows --------------------------------------------------------------- */

static void *rows_add(rows_t *r)
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

static void rows_drop(rows_t *r)
{
	if (r->v)
		explicit_bzero(r->v, (size_t)r->cap * r->size);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

#define ROW(r, type, i) (&((type *)(r).v)[i])

static int cur_sec(const chart_t *c)
{
	return c->secs[c->sec];
}

static int item_kind(int sec)
{
	return sec == SEC_ALLERGY ? CHART_ALLERGY
	       : sec == SEC_MED   ? CHART_MEDICATION
	                          : CHART_PROBLEM;
}

/* ---- reading sections --------------------------------------------------- */

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
	chart_t *c;
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
	draw_time(when, sizeof when, n->created, nc->cfg->date_format, "");
	first_line(n->body, preview, sizeof preview);
	draw_clean(author, sizeof author, n->author);
	snprintf(d->text, sizeof d->text, "%s %lld  %-6s  %-10.30s %.24s  %.80s",
	         n->addendum_of ? "    Addendum" : "  Note", (long long)n->nrow,
	         d->draft ? "DRAFT" : "signed", author, when, preview);
	explicit_bzero(preview, sizeof preview);
	return 0;
}

static status_t load_encounters(ui_t *ui, chart_t *c, msg_t *m)
{
	rows_drop(&c->enc);
	c->enc.size = sizeof(encounter_info_t);
	return encounter_list(ui_session(ui), c->id, take_enc, &c->enc, m);
}

static status_t load_notes(ui_t *ui, chart_t *c, msg_t *m)
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
		draw_time(when, sizeof when, e->start, cfg->date_format, "");
		draw_clean(type, sizeof type, e->type);
		draw_clean(prov, sizeof prov, e->provider);
		snprintf(d->text, sizeof d->text, "Encounter %lld  %.24s  %.40s  %.40s  (%.12s)",
		         (long long)e->erow, when, type, prov, e->status);
		ret = note_list(ui_session(ui), e->erow, take_note, &nc, m);
	}
	return ret;
}

/* Read section `sec` from core (each read is audited by core). */
static void load_section(ui_t *ui, chart_t *c, int sec)
{
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
		int k = item_kind(sec);
		rows_drop(&c->item[k]);
		c->item[k].size = sizeof(chart_item_t);
		st = chart_items(s, c->id, (chart_kind_t)k, take_item, &c->item[k], &m);
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
	list_clamp(&c->list[sec]);
}

static void drop_sections(chart_t *c)
{
	rows_drop(&c->enc);
	rows_drop(&c->vit);
	for (int k = 0; k < 3; k++)
		rows_drop(&c->item[k]);
	rows_drop(&c->notes);
	memset(c->loaded, 0, sizeof c->loaded);
}

/* ---- opening ------------------------------------------------------------ */

static void open_checkin(ui_t *ui, chart_t *c)
{
	chart_arg_t a;
	memset(&a, 0, sizeof a);
	a.banner = c->banner;
	ui_open_arg(ui, &screen_checkin, &a, sizeof a);
	explicit_bzero(&a, sizeof a);
}

/* The record is open: show it. */
static void opened(ui_t *ui, chart_t *c)
{
	c->mode = CH_VIEW;
	banner_set(ui, &c->banner, c->p);
	if (c->checkin) {
		c->checkin = 0;
		open_checkin(ui, c);
	}
}

/* patient_open with the reason (NULL at first). */
static status_t try_open(ui_t *ui, chart_t *c, const char *reason, msg_t *m)
{
	status_t st;
	if (!c->p && !(c->p = calloc(1, sizeof *c->p)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory opening the chart.");
	st = patient_open(ui_session(ui), c->id, reason, c->p, m);
	if (st == STATUS_OK) {
		opened(ui, c);
		return st;
	}
	explicit_bzero(c->p, sizeof *c->p);
	free(c->p);
	c->p = NULL;
	return st;
}

static int chart_count(void *arg);
static void chart_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected);

static void choose_sections(ui_t *ui, chart_t *c)
{
	c->nsecs = 0;
	c->secs[c->nsecs++] = SEC_DEMO;
	/* Clinical sections only for roles that may see them; core refuses
	 * the others anyway. */
	if (session_can(ui_session(ui), ACT_CLINICAL_VIEW))
		for (int s = SEC_ENC; s < SEC_COUNT; s++)
			c->secs[c->nsecs++] = s;
	if (c->sec >= c->nsecs)
		c->sec = 0;
}

static status_t chart_open_screen(ui_t *ui, void *priv, msg_t *m)
{
	chart_t *c = priv;
	chart_arg_t a;
	status_t st;
	c->ui = ui;
	if (!chart_arg_get(ui, &a))
		return msg_fail(m, STATUS_INVALID, "No patient to open.");
	snprintf(c->id, sizeof c->id, "%s", a.banner.id);
	c->checkin = a.checkin;
	explicit_bzero(&a, sizeof a);
	snprintf(c->banner.id, sizeof c->banner.id, "%s", c->id);
	for (int s = 0; s < SEC_COUNT; s++) {
		c->list[s].count = chart_count;
		c->list[s].draw_row = chart_row;
		c->list[s].arg = c;
	}
	c->list[SEC_ENC].empty = "No encounters yet.";
	c->list[SEC_VITALS].empty = "No vitals recorded.";
	c->list[SEC_ALLERGY].empty = "No allergies recorded.";
	c->list[SEC_MED].empty = "No medications recorded.";
	c->list[SEC_PROBLEM].empty = "No problems recorded.";
	c->list[SEC_NOTES].empty = "No encounters, so no notes yet.";
	choose_sections(ui, c);
	if ((st = tfield_init(&c->reason, REASON_CAP, 0, m)) != STATUS_OK)
		return st;
	st = try_open(ui, c, NULL, m);
	if (st == STATUS_BTG_REQUIRED) {
		/* Nothing of the chart is shown until a reason is given. */
		c->btg_why = *m;
		c->mode = CH_BTG;
		msg_clear(m);
		return STATUS_OK;
	}
	if (st != STATUS_OK)
		tfield_free(&c->reason);
	return st;
}

void chart_open(ui_t *ui, const char *id, int checkin)
{
	chart_arg_t a;
	memset(&a, 0, sizeof a);
	snprintf(a.banner.id, sizeof a.banner.id, "%s", id);
	a.checkin = checkin;
	ui_open_arg(ui, &screen_chart, &a, sizeof a);
}

int chart_arg_get(ui_t *ui, chart_arg_t *out)
{
	size_t size;
	const void *a = ui_arg(ui, &size);
	memset(out, 0, sizeof *out);
	if (!a || size != sizeof *out)
		return 0;
	memcpy(out, a, sizeof *out);
	out->banner.id[sizeof out->banner.id - 1] = '\0';
	return out->banner.id[0] != '\0';
}

static void chart_forget(ui_t *ui, void *priv)
{
	chart_t *c = priv;
	(void)ui;
	if (c->p) {
		explicit_bzero(c->p, sizeof *c->p);
		free(c->p);
		c->p = NULL;
	}
	banner_clear(&c->banner);
	drop_sections(c);
	if (c->form_ready)
		pform_clear(&c->form);
	tfield_clear(&c->reason);
	explicit_bzero(c->ask_text, sizeof c->ask_text);
	explicit_bzero(c->failed, sizeof c->failed);
	if (c->mode != CH_BTG)
		c->mode = CH_VIEW; /* edits are dropped with the rest */
	c->ask = ASK_NONE;
}

static void chart_close(ui_t *ui, void *priv)
{
	chart_t *c = priv;
	chart_forget(ui, priv);
	if (c->form_ready)
		pform_free(&c->form);
	tfield_free(&c->reason);
}

/* After a change made on a screen opened from here, and after an unlock:
 * read the record again if it was dropped, else only the allergy line, and
 * the sections again as they are shown. */
static status_t chart_reload(ui_t *ui, void *priv, msg_t *m)
{
	chart_t *c = priv;
	status_t st;
	choose_sections(ui, c);
	if (c->mode == CH_BTG)
		return STATUS_OK;
	if (!c->p) {
		if ((st = try_open(ui, c, NULL, m)) != STATUS_OK)
			return st;
	} else {
		banner_allergies(ui, &c->banner);
	}
	drop_sections(c);
	load_section(ui, c, cur_sec(c));
	return STATUS_OK;
}

/* ---- drawing ------------------------------------------------------------ */

static int chart_count(void *arg)
{
	chart_t *c = arg;
	switch (cur_sec(c)) {
	case SEC_ENC:
		return c->enc.n;
	case SEC_VITALS:
		return c->vit.n;
	case SEC_ALLERGY:
	case SEC_MED:
	case SEC_PROBLEM:
		return c->item[item_kind(cur_sec(c))].n;
	case SEC_NOTES:
		return c->notes.n;
	default:
		return 0;
	}
}

/* A stored date or time shown as a date in the display format. */
static void day(const chart_t *c, const char *iso, char *out, size_t size)
{
	char d[11];
	if (!iso || !iso[0]) {
		out[0] = '\0';
		return;
	}
	snprintf(d, sizeof d, "%.10s", iso);
	patient_date_display(ui_config(c->ui), d, out, size);
}

static void vit_text(const chart_t *c, const vitals_row_t *v, int which, char *b, size_t n)
{
	const config_t *cfg = ui_config(c->ui);
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
static const int enc_col[] = {1, 19, 36, 50, 64, 71, 80};
static const int vit_col[] = {1, 19, 27, 33, 38, 45, 51, 59, 68, 74};
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

static void chart_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	chart_t *c = arg;
	char b[64];
	(void)selected;
	switch (cur_sec(c)) {
	case SEC_ENC: {
		const encounter_info_t *e = ROW(c->enc, encounter_info_t, i);
		draw_time(b, sizeof b, e->start, ui_config(c->ui)->date_format, "");
		b[16] = '\0';
		cell(w, y, x, enc_col, 0, width, b);
		cell(w, y, x, enc_col, 1, width, e->type);
		cell(w, y, x, enc_col, 2, width, e->provider);
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
		draw_time(b, sizeof b, v->taken, ui_config(c->ui)->date_format, "");
		b[16] = '\0';
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
		int k = item_kind(cur_sec(c));
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
	static const char *const enc_h[] = {"Date (UTC)", "Type",   "Provider",
	                                    "Location",   "Status", "Coding"};
	static const char *const vit_h[] = {"Taken (UTC)", "BP",     "Pulse",  "Resp", "Temp",
	                                    "SpO2",        "Height", "Weight", "BMI"};
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

static void draw_tabs(chart_t *c, WINDOW *w, int y)
{
	int x = 1, W = getmaxx(w);
	for (int i = 0; i < c->nsecs && x < W - 1; i++) {
		const char *name = sec_name[c->secs[i]];
		int sel = i == c->sec;
		wattrset(w, theme_attr(sel ? TH_SELECTED : TH_NORMAL) | (sel ? A_BOLD : 0));
		mvwaddch(w, y, x, sel ? '[' : ' ');
		x += 1 + draw_text(w, y, x + 1, W - 2 - x, name, 0);
		mvwaddch(w, y, x, sel ? ']' : ' ');
		x += 1;
	}
	wattrset(w, theme_attr(TH_NORMAL));
}

/* The Demographics section, read-only: a line per kind of information. */
static void draw_demo(chart_t *c, WINDOW *w, int y, int h)
{
	const patient_t *p = c->p;
	const config_t *cfg = ui_config(c->ui);
	int W = getmaxx(w), line = 0;
	char v[4 * PATIENT_FIELD_MAX], d1[32], d2[48], ssn[16];
	struct {
		const char *label;
		char *text;
	} lines[12];
	int n = 0;
	char buf[12][8 * PATIENT_FIELD_MAX];

#define LINE(lbl, ...)                                                                             \
	do {                                                                                       \
		snprintf(buf[n], sizeof buf[n], __VA_ARGS__);                                      \
		lines[n].label = lbl;                                                              \
		lines[n].text = buf[n];                                                            \
		n++;                                                                               \
	} while (0)
	banner_name(p->f[PF_LAST], p->f[PF_FIRST], p->f[PF_MIDDLE], p->f[PF_SUFFIX], v, sizeof v);
	LINE("Name", "%s", v);
	patient_date_display(cfg, p->f[PF_DOB], d1, sizeof d1);
	LINE("Born", "%s   Sex %s   Language %s", d1, p->f[PF_SEX],
	     p->f[PF_LANGUAGE][0] ? p->f[PF_LANGUAGE] : "-");
	{
		/* The parts there are, joined: "12 Elm St, Apt 4, Cambridge, MA 02139". */
		const char *part[] = {p->f[PF_ADDR1], p->f[PF_ADDR2], p->f[PF_CITY],
		                      p->f[PF_STATE]};
		size_t o = 0;
		v[0] = '\0';
		for (int i = 0; i < 4; i++)
			if (part[i][0] && o < sizeof v)
				o += (size_t)snprintf(v + o, sizeof v - o, "%s%s", o ? ", " : "",
				                      part[i]);
		if (p->f[PF_ZIP][0] && o < sizeof v)
			snprintf(v + o, sizeof v - o, "%s%s", o ? " " : "", p->f[PF_ZIP]);
		LINE("Address", "%s", v[0] ? v : "-");
	}
	LINE("Phones", "home %s   mobile %s", p->f[PF_PHONE_HOME][0] ? p->f[PF_PHONE_HOME] : "-",
	     p->f[PF_PHONE_MOBILE][0] ? p->f[PF_PHONE_MOBILE] : "-");
	LINE("Email", "%s", p->f[PF_EMAIL][0] ? p->f[PF_EMAIL] : "-");
	/* The SSN masked but for the last four, as everywhere. */
	if (strlen(p->f[PF_SSN]) >= 4)
		snprintf(ssn, sizeof ssn, "***-**-%s", p->f[PF_SSN] + strlen(p->f[PF_SSN]) - 4);
	else
		snprintf(ssn, sizeof ssn, "-");
	LINE("SSN", "%s", ssn);
	LINE("Insurance", "%s%s%s", p->f[PF_PAYER][0] ? p->f[PF_PAYER] : "-",
	     p->f[PF_MEMBER_ID][0] ? "   member " : "", p->f[PF_MEMBER_ID]);
	LINE("Emergency", "%s%s%s%s %s", p->f[PF_EC_NAME][0] ? p->f[PF_EC_NAME] : "-",
	     p->f[PF_EC_RELATION][0] ? " (" : "", p->f[PF_EC_RELATION],
	     p->f[PF_EC_RELATION][0] ? ")" : "", p->f[PF_EC_PHONE]);
	patient_date_display(cfg, p->f[PF_DEATH], d1, sizeof d1);
	LINE("Died", "%s", p->f[PF_DEATH][0] ? d1 : "-");
	LINE("Confidential", "%s",
	     p->confidential ? "yes (break-the-glass for roles without access)" : "no");
	draw_time(d2, sizeof d2, p->updated, cfg->date_format, "?");
	LINE("Record", "version %d, saved %s by %s", p->version, d2, p->updated_by);
#undef LINE
	for (int i = 0; i < n && line < h; i++, line++) {
		wattrset(w, theme_attr(TH_HEADING));
		draw_text(w, y + line, 1, 14, lines[i].label, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		draw_text(w, y + line, 16, W - 17, lines[i].text, 0);
	}
	explicit_bzero(buf, sizeof buf);
	explicit_bzero(v, sizeof v);
	explicit_bzero(ssn, sizeof ssn);
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
static void trend(chart_t *c, WINDOW *w, int y, const char *label, int which, const char *unit)
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

/* What each section offers: the key, its label, and the permission
 * that shows it (ACT_COUNT: everyone). Only session_can decides what is
 * shown; core checks each action again. */
static const struct offer {
	int sec; /* -1: every section */
	keyact_t a;
	const char *label;
	action_t needs;
} offers[] = {
    {-1, KA_NEXT_FIELD, "next section", ACT_COUNT},
    {SEC_DEMO, KA_EDIT, "edit", ACT_PATIENT_EDIT},
    {SEC_ENC, KA_SELECT, "details and notes", ACT_COUNT},
    {SEC_ENC, KA_SET_STATUS, "close", ACT_ENCOUNTER_CLOSE},
    {SEC_VITALS, KA_ADD, "record vitals", ACT_VITALS_RECORD},
    {SEC_ALLERGY, KA_ADD, "add", ACT_ALLERGY_RECORD},
    {SEC_ALLERGY, KA_SET_STATUS, "status", ACT_ALLERGY_RECORD},
    {SEC_ALLERGY, KA_NO_ALLERGIES, "none known", ACT_ALLERGY_RECORD},
    {SEC_MED, KA_ADD, "add", ACT_MEDICATION_RECORD},
    {SEC_MED, KA_SET_STATUS, "status", ACT_MEDICATION_RECORD},
    {SEC_PROBLEM, KA_ADD, "add", ACT_PROBLEM_RECORD},
    {SEC_PROBLEM, KA_SET_STATUS, "status", ACT_PROBLEM_RECORD},
    {SEC_NOTES, KA_SELECT, "read", ACT_COUNT},
    {SEC_NOTES, KA_ADD, "new note", ACT_NOTE_WRITE},
    {-1, KA_CHECK_IN, "check in", ACT_ENCOUNTER_CHECKIN},
    {-1, KA_BACK, "back", ACT_COUNT},
};
#define NOFFERS (sizeof offers / sizeof offers[0])

/* 1: offered here to this role; 0: offered here, not to this role;
 * -1: not a key of this section. */
static int offered(ui_t *ui, const chart_t *c, keyact_t a)
{
	for (size_t i = 0; i < NOFFERS; i++)
		if (offers[i].a == a && (offers[i].sec == -1 || offers[i].sec == cur_sec(c)))
			return offers[i].needs == ACT_COUNT ||
			       session_can(ui_session(ui), offers[i].needs);
	return -1;
}

/* The keys this section offers, "a add  x status  ...", for the footer. */
static void section_keys(ui_t *ui, chart_t *c, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < NOFFERS; i++) {
		const struct offer *o = &offers[i];
		if (o->sec != -1 && o->sec != cur_sec(c))
			continue;
		if (o->a == KA_NEXT_FIELD && c->nsecs < 2)
			continue;
		if (offered(ui, c, o->a) == 1)
			keys_add(ui, buf, size, o->a, o->label);
	}
}

struct wrap_at {
	WINDOW *w;
	int y, x, width;
};

static void wrap_line(const char *line, int n, void *arg)
{
	struct wrap_at *a = arg;
	draw_text(a->w, a->y + n, a->x, a->width, line, 0);
}

static void draw_btg_screen(ui_t *ui, chart_t *c, WINDOW *w)
{
	static const char warning[] =
	    "Only give a reason if you have one: the access is recorded in the audit trail "
	    "with your reason and your name, and the privacy officer reviews it.";
	int W = getmaxx(w), x = 4, y = 2;
	char keys[160] = "";
	struct wrap_at at = {w, y + 2, x, W - 2 * x};
	wattrset(w, theme_attr(TH_ALERT));
	draw_text(w, y, x, W - 2 * x, " Confidential chart: break the glass ", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	at.y += draw_wrap(c->btg_why.text, at.width, wrap_line, &at) + 1;
	at.y += draw_wrap(warning, at.width, wrap_line, &at) + 1;
	y = at.y;
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y, x, 20, "Reason for access:", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	tfield_draw(ui, w, y + 1, x, W - 2 * x, &c->reason, 1);
	keys_add(ui, keys, sizeof keys, KA_SELECT, "open the chart with this reason  ");
	keys_add(ui, keys, sizeof keys, KA_BACK, "cancel, open nothing");
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, y + 3, x, W - 2 * x, keys, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static void chart_draw(ui_t *ui, void *priv, WINDOW *w)
{
	chart_t *c = priv;
	int W = getmaxx(w), H = getmaxy(w), sec = cur_sec(c), top = BANNER_LINES + 2;
	char foot[400], pos[48];

	if (sec < 0 || sec >= SEC_COUNT)
		return;
	if (c->mode == CH_BTG) {
		draw_btg_screen(ui, c, w);
		return;
	}
	if (!c->p)
		return;
	banner_draw(ui, w, 0, &c->banner);
	draw_tabs(c, w, BANNER_LINES);
	if (c->mode == CH_EDIT) {
		snprintf(foot, sizeof foot, "Editing:");
		keys_add(ui, foot, sizeof foot, KA_SAVE, "save");
		keys_add(ui, foot, sizeof foot, KA_NEXT_FIELD, "next");
		keys_add(ui, foot, sizeof foot, KA_CLEAR_FIELD, "clear field");
		keys_add(ui, foot, sizeof foot, KA_BACK, "cancel");
		form_draw(ui, &c->form.form, w, top, 0, H - top - 1, W - 1);
		wattrset(w, theme_attr(TH_HINT));
		draw_text(w, H - 1, 1, W - 2, foot, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	if (sec == SEC_DEMO) {
		draw_demo(c, w, top, H - top - 1);
	} else {
		int h = H - top - 2;
		headings(w, top, sec);
		if (c->failed[sec][0]) {
			wattrset(w, theme_attr(TH_ERROR));
			draw_text(w, top + 1, 1, W - 2, c->failed[sec], 0);
			wattrset(w, theme_attr(TH_NORMAL));
		} else {
			if (sec == SEC_VITALS)
				h -= 4;
			list_draw(&c->list[sec], w, top + 1, 0, h, W);
			if (sec == SEC_VITALS) {
				const config_t *cfg = ui_config(ui);
				wattrset(w, theme_attr(TH_HEADING));
				draw_text(w, H - 5, 1, W - 2, "Trend, oldest to newest", 0);
				wattrset(w, theme_attr(TH_NORMAL));
				trend(c, w, H - 4, "Weight", 0, cfg->weight_pounds ? "lb" : "kg");
				trend(c, w, H - 3, "Systolic BP", 1, "mmHg");
				trend(c, w, H - 2, "Diastolic BP", 2, "mmHg");
			}
		}
	}
	/* The footer: a question, the status chooser, or the keys. */
	if (c->mode == CH_ASK) {
		wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
		mvwhline(w, H - 1, 0, ' ', W);
		draw_text(w, H - 1, 1, W - 2, c->ask_text, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	if (c->mode == CH_STATUS) {
		int x = 1;
		wattrset(w, theme_attr(TH_DIALOG));
		mvwhline(w, H - 1, 0, ' ', W);
		x += draw_text(w, H - 1, x, W - 2, "Mark as: ", 0);
		for (int i = 0; i < 3; i++) {
			int sel = i == c->st_choice;
			wattrset(w, theme_attr(sel ? TH_SELECTED : TH_DIALOG) | (sel ? A_BOLD : 0));
			snprintf(pos, sizeof pos, sel ? "[%s]" : " %s ", statuses[c->st_kind][i]);
			x += draw_text(w, H - 1, x, W - 1 - x, pos, 0) + 1;
		}
		foot[0] = '\0';
		keys_add(ui, foot, sizeof foot, KA_SELECT, "mark");
		keys_add(ui, foot, sizeof foot, KA_BACK, "cancel");
		wattrset(w, theme_attr(TH_DIALOG));
		draw_text(w, H - 1, x + 1, W - 2 - x, foot, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	section_keys(ui, c, foot, sizeof foot);
	if (sec != SEC_DEMO && !c->failed[sec][0]) {
		size_t used = strlen(foot);
		list_position(&c->list[sec], pos, sizeof pos);
		snprintf(foot + used, sizeof foot - used, "   (%s)", pos);
	}
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, H - 1, 1, W - 2, foot, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

/* ---- acting ------------------------------------------------------------- */

static void sub_arg(chart_t *c, chart_arg_t *a)
{
	memset(a, 0, sizeof *a);
	a->banner = c->banner;
}

static unsigned start_edit(ui_t *ui, chart_t *c)
{
	msg_t m;
	if (!c->form_ready) {
		if (pform_init(&c->form, ui_config(ui), &m) != STATUS_OK) {
			keys_tell(ui, UI_MSG_ERROR, m.text);
			return UI_REDRAW;
		}
		c->form_ready = 1;
	}
	pform_clear(&c->form);
	pform_from_patient(&c->form, c->p);
	c->mode = CH_EDIT;
	return UI_REDRAW;
}

/* Have the edits changed anything? */
static int edited(chart_t *c)
{
	patient_t *e = malloc(sizeof *e);
	int changed = 1;
	if (!e)
		return 1;
	*e = *c->p;
	pform_to_patient(&c->form, e);
	/* Compare as core would store them: normalised. */
	changed = e->confidential != c->p->confidential;
	for (int f = 0; f < PF_COUNT && !changed; f++) {
		char out[PATIENT_FIELD_MAX];
		msg_t m;
		const char *v = e->f[f];
		if (patient_normalize_field(ui_config(c->ui), (pfield_t)f, v, out, &m) == STATUS_OK)
			v = out;
		changed = strcmp(v, c->p->f[f]) != 0;
		explicit_bzero(out, sizeof out);
	}
	explicit_bzero(e, sizeof *e);
	free(e);
	return changed;
}

static unsigned save_edit(ui_t *ui, chart_t *c)
{
	patient_t *e;
	pfield_t bad = PF_COUNT;
	msg_t m;
	status_t st;
	if (form_check(ui, &c->form.form))
		return UI_REDRAW;
	if (!(e = malloc(sizeof *e))) {
		ui_message(ui, UI_MSG_ERROR, "Out of memory.");
		return UI_REDRAW;
	}
	*e = *c->p;
	pform_to_patient(&c->form, e);
	ui_busy(ui, "Saving...");
	st = patient_update(ui_session(ui), e, &bad, &m);
	switch (st) {
	case STATUS_OK:
		*c->p = *e;
		banner_set(ui, &c->banner, c->p);
		c->mode = CH_VIEW;
		pform_clear(&c->form);
		ui_message(ui, UI_MSG_OK, "Saved: version %d of the record.", c->p->version);
		break;
	case STATUS_CONFLICT:
		/* Someone saved first: their record stays, these edits stay on
		 * screen for the user to compare and enter again. */
		keys_tell(ui, UI_MSG_ERROR, m.text);
		break;
	default:
		if (bad != PF_COUNT)
			pform_focus_field(&c->form, bad);
		keys_tell(ui, UI_MSG_ERROR, m.text);
		break;
	}
	explicit_bzero(e, sizeof *e);
	free(e);
	return UI_REDRAW;
}

static unsigned edit_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	unsigned r;
	if (ev->action == KA_SAVE)
		return save_edit(ui, c);
	if ((r = form_handle(ui, &c->form.form, ev)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		return save_edit(ui, c);
	case KA_BACK:
	case KA_QUIT:
		if (edited(c)) {
			char y[16], n[16];
			keymap_keys(ui_keymap(ui), KA_YES, y, sizeof y);
			keymap_keys(ui_keymap(ui), KA_NO, n, sizeof n);
			y[strcspn(y, " ")] = n[strcspn(n, " ")] = '\0';
			snprintf(c->ask_text, sizeof c->ask_text,
			         "Discard your changes to the demographics? (%s/%s)", y, n);
			c->ask = ASK_DISCARD;
			c->mode = CH_ASK;
			return UI_REDRAW;
		}
		c->mode = CH_VIEW;
		pform_clear(&c->form);
		return UI_REDRAW;
	case KA_RELOAD:
		ui_message(ui, UI_MSG_WARN, "Save or cancel (Esc) the edits first.");
		return UI_REDRAW;
	default:
		return UI_HANDLED; /* nothing else while editing */
	}
}

static unsigned btg_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	unsigned r;
	msg_t m;
	status_t st;
	if ((r = tfield_handle(ui, &c->reason, ev)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		if (!tfield_text(&c->reason)[0]) {
			ui_message(ui, UI_MSG_ERROR,
			           "Type the reason for opening this chart, or Esc.");
			return UI_REDRAW;
		}
		ui_busy(ui, "Opening the chart...");
		st = try_open(ui, c, tfield_text(&c->reason), &m);
		if (st == STATUS_OK) {
			tfield_clear(&c->reason);
			load_section(ui, c, cur_sec(c));
			ui_message(
			    ui, UI_MSG_WARN,
			    "Opened by break-the-glass; the access and reason are recorded.");
			return UI_REDRAW;
		}
		/* Too short a reason: say so and let it be completed. */
		if (st == STATUS_BTG_REQUIRED) {
			char text[600];
			snprintf(text, sizeof text, "Reason not accepted. %s", m.text);
			keys_tell(ui, UI_MSG_ERROR, text);
		} else {
			keys_tell(ui, UI_MSG_ERROR, m.text);
		}
		return UI_REDRAW;
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO, "Cancelled: the chart was not opened.");
		return UI_BACK;
	default:
		return UI_HANDLED;
	}
}

static void ask(ui_t *ui, chart_t *c, ask_t what, int64_t row, const char *question)
{
	char y[16], n[16];
	keymap_keys(ui_keymap(ui), KA_YES, y, sizeof y);
	keymap_keys(ui_keymap(ui), KA_NO, n, sizeof n);
	y[strcspn(y, " ")] = n[strcspn(n, " ")] = '\0';
	snprintf(c->ask_text, sizeof c->ask_text, "%s (%s/%s)", question, y, n);
	c->ask = what;
	c->ask_row = row;
	c->mode = CH_ASK;
}

static unsigned ask_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	session_t *s = ui_session(ui);
	msg_t m;
	status_t st = STATUS_OK;
	ask_t what = c->ask;
	if (ev->action != KA_YES) {
		if (ev->action == KA_NO || ev->action == KA_BACK) {
			c->mode = what == ASK_DISCARD ? CH_EDIT : CH_VIEW;
			c->ask = ASK_NONE;
			return UI_REDRAW;
		}
		return UI_HANDLED;
	}
	c->mode = CH_VIEW;
	c->ask = ASK_NONE;
	switch (what) {
	case ASK_DISCARD:
		pform_clear(&c->form);
		ui_message(ui, UI_MSG_INFO, "Changes discarded.");
		return UI_REDRAW;
	case ASK_CLOSE_ENC:
		st = encounter_close(s, c->ask_row, &m);
		break;
	case ASK_NKA:
		st = allergy_none_known(s, c->id, &m);
		break;
	default:
		return UI_REDRAW;
	}
	keys_tell(ui, st == STATUS_OK ? UI_MSG_OK : UI_MSG_ERROR,
	          st == STATUS_OK && !m.text[0] ? "Done." : m.text);
	if (st == STATUS_OK) {
		banner_allergies(ui, &c->banner);
		drop_sections(c);
		load_section(ui, c, cur_sec(c));
	}
	return UI_REDRAW;
}

static unsigned status_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	msg_t m;
	status_t st;
	switch (ev->action) {
	case KA_LEFT:
	case KA_UP:
		c->st_choice = (c->st_choice + 2) % 3;
		return UI_REDRAW;
	case KA_RIGHT:
	case KA_DOWN:
	case KA_NEXT_FIELD:
		c->st_choice = (c->st_choice + 1) % 3;
		return UI_REDRAW;
	case KA_BACK:
		c->mode = CH_VIEW;
		return UI_REDRAW;
	case KA_SELECT:
		c->mode = CH_VIEW;
		st = chart_item_set_status(ui_session(ui), (chart_kind_t)c->st_kind, c->st_row,
		                           statuses[c->st_kind][c->st_choice], &m);
		keys_tell(ui, st == STATUS_OK ? UI_MSG_OK : UI_MSG_ERROR,
		          st == STATUS_OK && !m.text[0] ? "Status changed." : m.text);
		if (st == STATUS_OK) {
			int sec = cur_sec(c);
			banner_allergies(ui, &c->banner);
			load_section(ui, c, sec);
		}
		return UI_REDRAW;
	default:
		return UI_HANDLED;
	}
}

static void switch_section(ui_t *ui, chart_t *c, int delta)
{
	c->sec = (c->sec + delta + c->nsecs) % c->nsecs;
	if (!c->loaded[cur_sec(c)])
		load_section(ui, c, cur_sec(c));
}

static unsigned view_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	session_t *s = ui_session(ui);
	int sec = cur_sec(c), n;
	unsigned r;
	chart_arg_t a;

	if (sec != SEC_DEMO && (r = list_handle(&c->list[sec], ev->action)) != UI_IGNORED)
		return r;
	if (offered(ui, c, ev->action) == 0) {
		ui_message(ui, UI_MSG_WARN, "Not for your role (%s).",
		           perm_role_name(session_role(s)));
		return UI_REDRAW;
	}
	n = chart_count(c);
	switch (ev->action) {
	case KA_NEXT_FIELD:
	case KA_RIGHT:
		switch_section(ui, c, 1);
		return UI_REDRAW;
	case KA_PREV_FIELD:
	case KA_LEFT:
		switch_section(ui, c, -1);
		return UI_REDRAW;
	case KA_RELOAD:
		/* Read everything again, the record included (audited). */
		if (c->p) {
			explicit_bzero(c->p, sizeof *c->p);
			free(c->p);
			c->p = NULL;
		}
		return UI_RELOAD | UI_REDRAW;
	case KA_EDIT:
		if (sec == SEC_DEMO)
			return start_edit(ui, c);
		return UI_HANDLED;
	case KA_CHECK_IN:
		open_checkin(ui, c);
		return UI_REDRAW;
	default:
		break;
	}
	switch (sec) {
	case SEC_ENC:
		if (ev->action == KA_SELECT && n > 0) {
			sub_arg(c, &a);
			a.erow = ROW(c->enc, encounter_info_t, c->list[sec].cur)->erow;
			ui_open_arg(ui, &screen_encounter, &a, sizeof a);
			explicit_bzero(&a, sizeof a);
			return UI_REDRAW;
		}
		if (ev->action == KA_SET_STATUS && n > 0) {
			const encounter_info_t *e = ROW(c->enc, encounter_info_t, c->list[sec].cur);
			char q[160];
			if (strcmp(e->status, "open") != 0) {
				ui_message(ui, UI_MSG_WARN, "Encounter %lld is already %s.",
				           (long long)e->erow, e->status);
				return UI_REDRAW;
			}
			snprintf(q, sizeof q, "Close encounter %lld?", (long long)e->erow);
			ask(ui, c, ASK_CLOSE_ENC, e->erow, q);
			return UI_REDRAW;
		}
		break;
	case SEC_VITALS:
		if (ev->action == KA_ADD) {
			sub_arg(c, &a);
			ui_open_arg(ui, &screen_vitals, &a, sizeof a);
			explicit_bzero(&a, sizeof a);
			return UI_REDRAW;
		}
		break;
	case SEC_ALLERGY:
	case SEC_MED:
	case SEC_PROBLEM:
		if (ev->action == KA_ADD) {
			sub_arg(c, &a);
			a.kind = item_kind(sec);
			ui_open_arg(ui, &screen_item, &a, sizeof a);
			explicit_bzero(&a, sizeof a);
			return UI_REDRAW;
		}
		if (ev->action == KA_SET_STATUS && n > 0) {
			const chart_item_t *it =
			    ROW(c->item[item_kind(sec)], chart_item_t, c->list[sec].cur);
			c->st_kind = item_kind(sec);
			c->st_row = it->row;
			c->st_choice = 0;
			for (int i = 0; i < 3; i++)
				if (strcmp(statuses[c->st_kind][i], it->status) == 0)
					c->st_choice = (i + 1) % 3;
			c->mode = CH_STATUS;
			return UI_REDRAW;
		}
		if (ev->action == KA_NO_ALLERGIES && sec == SEC_ALLERGY) {
			ask(ui, c, ASK_NKA, 0, "Record \"no known allergies\" for this patient?");
			return UI_REDRAW;
		}
		break;
	case SEC_NOTES:
		if (n > 0 && (ev->action == KA_SELECT || ev->action == KA_ADD)) {
			const note_line_t *l = ROW(c->notes, note_line_t, c->list[sec].cur);
			sub_arg(c, &a);
			a.erow = l->erow;
			a.nrow = ev->action == KA_SELECT ? l->nrow : 0;
			if (ev->action == KA_SELECT && !l->nrow) {
				ui_open_arg(ui, &screen_encounter, &a, sizeof a);
			} else {
				ui_open_arg(ui, &screen_note, &a, sizeof a);
			}
			explicit_bzero(&a, sizeof a);
			return UI_REDRAW;
		}
		if (ev->action == KA_ADD) {
			ui_message(ui, UI_MSG_WARN,
			           "A note belongs to an encounter: check the patient in first.");
			return UI_REDRAW;
		}
		break;
	default:
		break;
	}
	return UI_IGNORED;
}

static unsigned chart_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	chart_t *c = priv;
	switch (c->mode) {
	case CH_BTG:
		return btg_handle(ui, c, ev);
	case CH_EDIT:
		return edit_handle(ui, c, ev);
	case CH_ASK:
		return ask_handle(ui, c, ev);
	case CH_STATUS:
		return status_handle(ui, c, ev);
	default:
		if (!c->p)
			return UI_IGNORED;
		return view_handle(ui, c, ev);
	}
}

static int chart_typing(const void *priv)
{
	const chart_t *c = priv;
	return c->mode == CH_BTG || c->mode == CH_EDIT;
}

/* The section's own keys are drawn in the chart's last line. */
static const struct screen_hint chart_hints[] = {
    {KA_RELOAD, "read again"},
    {KA_LOCK, "lock"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_chart = {
    .title = "Chart",
    .private_size = sizeof(chart_t),
    .hints = chart_hints,
    .open = chart_open_screen,
    .close = chart_close,
    .draw = chart_draw,
    .handle = chart_handle,
    .reload = chart_reload,
    .forget = chart_forget,
    .typing = chart_typing,
};
