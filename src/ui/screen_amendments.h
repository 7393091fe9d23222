/* screen_amendments.h - amendment requests on screen
 * (screen_amendments.c): the list with days left (overdue marked), a new
 * request's form, details, and the actions (extend, accept, deny,
 * statement of disagreement, rebuttal). */
#ifndef CHARTROOM_UI_SCREEN_AMENDMENTS_H
#define CHARTROOM_UI_SCREEN_AMENDMENTS_H

#include "ui/screen.h"

extern const struct screen_ops screen_amendments;
/* One request's details, opened with an rv_arg_t (ui/rights_view.h)
 * naming it (from the list, and from the HIM work queue). */
extern const struct screen_ops screen_amendment_detail;

#endif
