/* screen_menu.h - the main menu (screen_menu.c). */
#ifndef CHARTROOM_UI_SCREEN_MENU_H
#define CHARTROOM_UI_SCREEN_MENU_H

#include "ui/screen.h"

extern const struct screen_ops screen_menu;

#endif
