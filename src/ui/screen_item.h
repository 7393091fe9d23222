/* screen_item.h - adding an allergy, a medication or a problem (screen_item.c). */
#ifndef CHARTROOM_UI_SCREEN_ITEM_H
#define CHARTROOM_UI_SCREEN_ITEM_H

#include "ui/screen.h"

extern const struct screen_ops screen_item;

#endif
