/* screen_users.h - the list of staff accounts (screen_users.c). */
#ifndef CHARTROOM_UI_SCREEN_USERS_H
#define CHARTROOM_UI_SCREEN_USERS_H

#include "ui/screen.h"

extern const struct screen_ops screen_users;

#endif
