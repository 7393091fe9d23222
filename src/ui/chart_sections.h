/* chart_sections.h - the clinical sections of a chart (Encounters,
 * Vitals, Allergies, Medications, Problems, Notes): the rows read from
 * core for each, and how each is drawn (a table; for Vitals also a trend
 * of weight and blood pressure). The chart screen (screen_chart.c) owns
 * one, says when a section is read (core audits every read) and when the
 * rows are dropped (on idle lock, after a change); this module asks no
 * questions and decides no permissions. */
#ifndef CHARTROOM_UI_CHART_SECTIONS_H
#define CHARTROOM_UI_CHART_SECTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/clinical.h"
#include "ui/screen.h"
#include "ui/widget_list.h"

enum { SEC_DEMO, SEC_ENC, SEC_VITALS, SEC_ALLERGY, SEC_MED, SEC_PROBLEM, SEC_NOTES, SEC_COUNT };

/* "Demographics", "Encounters", ... */
extern const char *const chart_section_name[SEC_COUNT];

/* A line of the Notes section: an encounter, or a note under it. */
typedef struct note_line {
	int64_t erow, nrow, addendum_of; /* nrow 0: the encounter's own line */
	char text[200];
	int draft;
} note_line_t;

/* A growable array of fixed-size rows, wiped when dropped. */
typedef struct chart_rows {
	void *v;
	int n, cap;
	size_t size;
} chart_rows_t;

typedef struct chart_sections {
	ui_t *ui;
	char id[33];                 /* the patient */
	int shown;                   /* the section being drawn (SEC_*) */
	int loaded[SEC_COUNT];       /* read since the last drop */
	char failed[SEC_COUNT][512]; /* why a section could not be read */
	ui_list_t list[SEC_COUNT];   /* cursor and scroll of each */
	chart_rows_t enc, vit, item[3], notes;
} chart_sections_t;

/* Set up for patient `id` (nothing read yet). */
void sections_init(chart_sections_t *cs, ui_t *ui, const char *id);
/* Read section `sec` from core again; a refusal is kept in failed[sec]
 * and put on the message line. */
void sections_load(chart_sections_t *cs, int sec);
/* Wipe and free every row; nothing is loaded after. */
void sections_drop(chart_sections_t *cs);

int sections_count(const chart_sections_t *cs, int sec);
/* CHART_ALLERGY, _MEDICATION or _PROBLEM for those sections. */
int sections_item_kind(int sec);
/* Row i of a section (NULL when out of range). Borrowed until the next
 * load or drop. */
const encounter_info_t *sections_encounter(const chart_sections_t *cs, int i);
const chart_item_t *sections_item(const chart_sections_t *cs, int sec, int i);
const note_line_t *sections_note(const chart_sections_t *cs, int i);

/* Draw section cs->shown in h lines from line y of w: its column
 * headings, its rows (or why it could not be read), and for Vitals the
 * trend under the table. */
void sections_draw(chart_sections_t *cs, WINDOW *w, int y, int h);

/* One vital sign of v as the Vitals section shows it, in the configured
 * units: which 0 BP, 1 pulse, 2 respiration, 3 temperature, 4 SpO2,
 * 5 height, 6 weight, 7 BMI; "" when not taken. */
void sections_vital_text(const config_t *cfg, const vitals_row_t *v, int which, char *b,
                         size_t n);

#endif
