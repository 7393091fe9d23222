/* screen_lock.h - the idle-lock screen (screen_lock.c). */
#ifndef CHARTROOM_UI_SCREEN_LOCK_H
#define CHARTROOM_UI_SCREEN_LOCK_H

#include "ui/screen.h"

extern const struct screen_ops screen_lock;

#endif
