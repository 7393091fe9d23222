/* screen_coding_queue.h - the coding queue (screen_coding_queue.c). */
#ifndef CHARTROOM_UI_SCREEN_CODING_QUEUE_H
#define CHARTROOM_UI_SCREEN_CODING_QUEUE_H

#include "ui/screen.h"

extern const struct screen_ops screen_coding_queue;

#endif
