/* coding_chart.h - the chart beside an encounter's coding (coding_chart.c):
 * the encounter's reason for visit, its notes in full (each original with
 * its addenda), the patient's problem list and the vitals taken at the
 * encounter, read-only, as one scrollable text the coding screen shows
 * beside its lists on a wide terminal or instead of them at 80x24.
 *
 * Every piece is read through core (encounter_list, note_list,
 * chart_items, vitals_list), which checks the permission and records each
 * view as the chart's section views are recorded (chart_view). A piece
 * core refuses (no clinical key, a confidential chart without
 * break-the-glass) is replaced by core's words; the rest still shows. The
 * text is wiped when dropped. */
#ifndef CHARTROOM_UI_CODING_CHART_H
#define CHARTROOM_UI_CODING_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "ui/keymap.h"
#include "ui/screen.h"

typedef struct coding_chart {
	char *text; /* lines separated by '\n'; NULL when not read */
	size_t len, cap;
	int top;    /* the first wrapped line shown */
} coding_chart_t;

/* Read encounter erow's chart (patient_id's) into cc, replacing what it
 * held. STATUS_OK when anything could be read; a refused piece says why
 * in its place. */
status_t coding_chart_load(ui_t *ui, coding_chart_t *cc, const char *patient_id, int64_t erow,
                           msg_t *m);

/* Wipe and free the text. */
void coding_chart_forget(coding_chart_t *cc);

/* Draw it in the h lines from (y, x), `width` columns: a title line, then
 * the text wrapped to the width, from cc->top. */
void coding_chart_draw(ui_t *ui, coding_chart_t *cc, WINDOW *w, int y, int x, int h, int width);

/* Up, Down (a line), PgUp, PgDn, Home, End scroll the text drawn h lines high and
 * `width` wide; UI_IGNORED for other actions. */
unsigned coding_chart_scroll(coding_chart_t *cc, keyact_t a, int h, int width);

#endif
