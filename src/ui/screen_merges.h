/* screen_merges.h - the list of chart merges, where HIM undoes one
 * (core/merge_list.h, core/merge.h). */
#ifndef CHARTROOM_SCREEN_MERGES_H
#define CHARTROOM_SCREEN_MERGES_H

#include "ui/screen.h"

extern const struct screen_ops screen_merges;

#endif
