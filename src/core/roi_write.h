/* roi_write.h - inside core: the plain-text release of a chart for an ROI
 * request (core/roi.h): the sections asked for, in the date range, each
 * followed by the amendments, statements of disagreement and rebuttals
 * that concern it (core/amendment.h). Reading each section is audited
 * as its view is. */
#ifndef CHARTROOM_ROI_WRITE_H
#define CHARTROOM_ROI_WRITE_H

#include <stdio.h>

#include "core/request.h"

status_t roi_write_release(session_t *s, const req_state_t *st, FILE *f, msg_t *m);

#endif
