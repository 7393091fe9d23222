/* screen_encounter.h - one encounter with its notes (screen_encounter.c). */
#ifndef CHARTROOM_UI_SCREEN_ENCOUNTER_H
#define CHARTROOM_UI_SCREEN_ENCOUNTER_H

#include "ui/screen.h"

extern const struct screen_ops screen_encounter;

#endif
