/* screen_queue.h - the HIM work queue on screen (screen_queue.c). */
#ifndef CHARTROOM_UI_SCREEN_QUEUE_H
#define CHARTROOM_UI_SCREEN_QUEUE_H

#include "ui/screen.h"

extern const struct screen_ops screen_queue;

#endif
