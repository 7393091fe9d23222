/* screen_note.h - one note: reading, writing, signing, addenda (screen_note.c). */
#ifndef CHARTROOM_UI_SCREEN_NOTE_H
#define CHARTROOM_UI_SCREEN_NOTE_H

#include "ui/screen.h"

extern const struct screen_ops screen_note;

#endif
