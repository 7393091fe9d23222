/* screen_retention.h - retention and destruction on screen
 * (core/retention.h): HIM lists the charts due and proposes one, with a
 * reason; the privacy officer lists the proposals and approves (which
 * destroys the chart) or rejects one. */
#ifndef CHARTROOM_SCREEN_RETENTION_H
#define CHARTROOM_SCREEN_RETENTION_H

#include "ui/screen.h"

extern const struct screen_ops screen_retention;

#endif
