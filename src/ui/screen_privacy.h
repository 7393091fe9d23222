/* screen_privacy.h - the Privacy menu (screen_privacy.c) and the screens
 * it opens: the access report (screen_access.c) and the break-the-glass
 * review queue (screen_btg.c). */
#ifndef CHARTROOM_UI_SCREEN_PRIVACY_H
#define CHARTROOM_UI_SCREEN_PRIVACY_H

#include "ui/screen.h"

extern const struct screen_ops screen_privacy;
/* Who opened a chart: opened with no argument it asks for the MRN; with
 * a screen_access_arg_t, for that patient (from the chart). */
extern const struct screen_ops screen_access;
typedef struct screen_access_arg {
	char patient[40]; /* MRN or patient id */
} screen_access_arg_t;
/* The break-the-glass review queue and its finding form. */
extern const struct screen_ops screen_btg;

#endif
