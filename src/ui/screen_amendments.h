/* screen_amendments.h - amendment requests on screen
 * (screen_amendments.c): the list with days left (overdue marked), a new
 * request's form, details, and the actions (extend, accept, deny,
 * statement of disagreement, rebuttal). */
#ifndef CHARTROOM_UI_SCREEN_AMENDMENTS_H
#define CHARTROOM_UI_SCREEN_AMENDMENTS_H

#include "ui/screen.h"

extern const struct screen_ops screen_amendments;

#endif
