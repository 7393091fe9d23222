/* screen_duplicates.h - the duplicate-chart worklist (core/dupscan.h). */
#ifndef CHARTROOM_SCREEN_DUPLICATES_H
#define CHARTROOM_SCREEN_DUPLICATES_H

#include "ui/screen.h"

extern const struct screen_ops screen_duplicates;

#endif
