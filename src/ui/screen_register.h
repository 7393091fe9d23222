/* screen_register.h - registering a patient (screen_register.c). */
#ifndef CHARTROOM_UI_SCREEN_REGISTER_H
#define CHARTROOM_UI_SCREEN_REGISTER_H

#include "ui/screen.h"

extern const struct screen_ops screen_register;

#endif
