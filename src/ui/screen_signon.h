/* screen_signon.h - the sign-on screen (screen_signon.c). */
#ifndef CHARTROOM_UI_SCREEN_SIGNON_H
#define CHARTROOM_UI_SCREEN_SIGNON_H

#include "ui/screen.h"

extern const struct screen_ops screen_signon;

#endif
