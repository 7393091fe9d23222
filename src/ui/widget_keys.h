/* widget_keys.h - a line of key hints ("a add  x close  Esc back") built
 * from the keymap as configured, for screens whose keys change with what
 * is selected or with the role (the loop's hint line is fixed per
 * screen); and core's longer answers shown whole. */
#ifndef CHARTROOM_UI_WIDGET_KEYS_H
#define CHARTROOM_UI_WIDGET_KEYS_H

#include <stddef.h>

#include "ui/screen.h"

/* Append "KEY label" for action a to buf (size bytes, NUL-terminated),
 * separated by two spaces; an action without a key is left out. */
void keys_add(ui_t *ui, char *buf, size_t size, keyact_t a, const char *label);

/* "(y/n)" as configured, into buf. */
void keys_yes_no(ui_t *ui, char *buf, size_t size);

/* Tell the user core's answer: on the message line when it fits there,
 * else in a box (any key closes it) so that nothing of it is cut off. */
void keys_tell(ui_t *ui, ui_msg_kind_t kind, const char *text);

#endif
