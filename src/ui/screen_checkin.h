/* screen_checkin.h - check-in form (screen_checkin.c), opened from a chart. */
#ifndef CHARTROOM_UI_SCREEN_CHECKIN_H
#define CHARTROOM_UI_SCREEN_CHECKIN_H

#include "ui/screen.h"

extern const struct screen_ops screen_checkin;

#endif
