/* screen_help.h - the help screen (screen_help.c). */
#ifndef CHARTROOM_UI_SCREEN_HELP_H
#define CHARTROOM_UI_SCREEN_HELP_H

#include "ui/screen.h"

extern const struct screen_ops screen_help;

#endif
