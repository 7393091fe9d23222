/* screen_deficiency.h - the deficiency list (core/deficiency.h). */
#ifndef CHARTROOM_SCREEN_DEFICIENCY_H
#define CHARTROOM_SCREEN_DEFICIENCY_H

#include "ui/screen.h"

extern const struct screen_ops screen_deficiency;

#endif
