/* screen_welcome.h - the banner shown after sign-on (screen_welcome.c). */
#ifndef CHARTROOM_UI_SCREEN_WELCOME_H
#define CHARTROOM_UI_SCREEN_WELCOME_H

#include "ui/screen.h"

extern const struct screen_ops screen_welcome;

#endif
