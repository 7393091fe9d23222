/* screen_passwd.h - changing one's own password (screen_passwd.c). */
#ifndef CHARTROOM_UI_SCREEN_PASSWD_H
#define CHARTROOM_UI_SCREEN_PASSWD_H

#include "ui/screen.h"

extern const struct screen_ops screen_passwd;

#endif
