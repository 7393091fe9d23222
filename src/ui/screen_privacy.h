/* screen_privacy.h - the Privacy menu (screen_privacy.c) and the screens
 * it opens: the access report (screen_access.c) and the break-the-glass
 * review queue (screen_btg.c). */
#ifndef CHARTROOM_UI_SCREEN_PRIVACY_H
#define CHARTROOM_UI_SCREEN_PRIVACY_H

#include <stdint.h>

#include "ui/screen.h"

extern const struct screen_ops screen_privacy;
/* Who opened a chart: opened with no argument it asks for the MRN; with
 * a screen_access_arg_t, for that patient (from the chart). */
extern const struct screen_ops screen_access;
typedef struct screen_access_arg {
	char patient[40]; /* MRN or patient id */
} screen_access_arg_t;
/* The break-the-glass review queue and its finding form. Opened with a
 * screen_btg_arg_t (the work queue's Enter), it opens on that access:
 * the list positioned on it and its review form open (Esc: the list). */
extern const struct screen_ops screen_btg;
typedef struct screen_btg_arg {
	int64_t access; /* the access's number (btg_item_t.id) */
} screen_btg_arg_t;

#endif
