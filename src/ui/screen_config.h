/* screen_config.h - the policy in force, read-only (screen_config.c). */
#ifndef CHARTROOM_UI_SCREEN_CONFIG_H
#define CHARTROOM_UI_SCREEN_CONFIG_H

#include "ui/screen.h"

extern const struct screen_ops screen_config;

#endif
