/* screen_chart.h - a patient's chart (screen_chart.c), and the argument
 * the chart and the screens it opens (check-in, vitals, chart items,
 * encounter, note) are opened with (ui_open_arg). */
#ifndef CHARTROOM_UI_SCREEN_CHART_H
#define CHARTROOM_UI_SCREEN_CHART_H

#include <stdint.h>

#include "ui/screen.h"
#include "ui/widget_banner.h"

typedef struct chart_arg {
	/* banner.id names the patient; the rest is the banner as the chart
	 * shows it (not loaded when a chart itself is being opened). */
	ui_banner_t banner;
	int checkin;         /* chart: open the check-in form once it is open */
	int64_t erow;        /* an encounter */
	int64_t nrow;        /* a note; 0: a new one */
	int64_t addendum_of; /* a new addendum to this signed note */
	int kind;            /* chart items: CHART_ALLERGY, _MEDICATION, _PROBLEM */
} chart_arg_t;

extern const struct screen_ops screen_chart;

/* Open the chart of patient `id` on top of this screen (asking for a
 * break-the-glass reason first when core wants one); with `checkin`, the
 * check-in form opens over it. */
void chart_open(ui_t *ui, const char *id, int checkin);

/* Copy the argument a chart screen was opened with into *out; non-zero
 * when there was one. For the .open of the chart's screens. */
int chart_arg_get(ui_t *ui, chart_arg_t *out);

#endif
