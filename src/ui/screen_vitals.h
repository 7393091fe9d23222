/* screen_vitals.h - recording vitals (screen_vitals.c), opened from a chart. */
#ifndef CHARTROOM_UI_SCREEN_VITALS_H
#define CHARTROOM_UI_SCREEN_VITALS_H

#include "ui/screen.h"

extern const struct screen_ops screen_vitals;

#endif
