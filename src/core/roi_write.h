/* roi_write.h - inside core: the release (plain text or FHIR R4) of a chart for an ROI
 * request (core/roi.h): the sections asked for, in the date range, each
 * followed by the amendments, statements of disagreement and rebuttals
 * that concern it (core/amendment.h). Reading each section is audited
 * as its view is. */
#ifndef CHARTROOM_ROI_WRITE_H
#define CHARTROOM_ROI_WRITE_H

#include <stdio.h>

#include "core/request.h"

status_t roi_write_release(session_t *s, const req_state_t *st, FILE *f, msg_t *m);

/* The same release as a FHIR R4 Bundle (type collection): the resources
 * of the sections asked for (core/fhir.h's mapping), those of an
 * encounter in the period with it, the Patient always but reduced to
 * name, identifiers and birth date when demographics were not asked for,
 * and each section's amendments, statements of disagreement and
 * rebuttals as a DocumentReference of their text. */
status_t roi_write_release_fhir(session_t *s, const req_state_t *st, FILE *f, msg_t *m);

#endif
