/* screen_search.h - chart lookup (screen_search.c): find a patient to open
 * the chart, or to check in. */
#ifndef CHARTROOM_UI_SCREEN_SEARCH_H
#define CHARTROOM_UI_SCREEN_SEARCH_H

#include "ui/screen.h"

extern const struct screen_ops screen_search;
extern const struct screen_ops screen_search_checkin;

#endif
