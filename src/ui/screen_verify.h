/* screen_verify.h - the audit chain check (screen_verify.c). */
#ifndef CHARTROOM_UI_SCREEN_VERIFY_H
#define CHARTROOM_UI_SCREEN_VERIFY_H

#include "ui/screen.h"

extern const struct screen_ops screen_verify;

#endif
