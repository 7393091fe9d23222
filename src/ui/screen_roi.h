/* screen_roi.h - release of information on screen (screen_roi.c): the
 * request list with filters, a new request's form, a request's details and
 * its actions (release to a file, extend, deny, withdraw). */
#ifndef CHARTROOM_UI_SCREEN_ROI_H
#define CHARTROOM_UI_SCREEN_ROI_H

#include "ui/screen.h"

extern const struct screen_ops screen_roi;
/* One request's details, opened with an rv_arg_t (ui/rights_view.h)
 * naming it (from the list, and from the HIM work queue). */
extern const struct screen_ops screen_roi_detail;

#endif
