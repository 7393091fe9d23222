/* screen_coding.h - one encounter's coding (screen_coding.c): the
 * diagnoses in sequence and the procedure lines, with the coder's actions
 * on them; and the pieces of it that are screens of their own (adding a
 * diagnosis or a procedure: screen_coding_search.c; reopening final
 * coding: screen_coding_reopen.c). */
#ifndef CHARTROOM_UI_SCREEN_CODING_H
#define CHARTROOM_UI_SCREEN_CODING_H

#include <stddef.h>
#include <stdint.h>

#include "ui/screen.h"

/* Open the coding screen of encounter erow on top of the current screen
 * (after the handler returns, like ui_open_arg). For any screen that lists
 * encounters: the coding queue, a chart's encounter list ("Code this
 * encounter"). Core decides whether this user may read and code it (an
 * HIM clerk any encounter, a provider their own); a refusal is shown on
 * the message line and the screen does not open. When the coding screen
 * is left, the screen below is asked to reload (its list may have
 * changed). */
void screen_coding_open(ui_t *ui, int64_t erow);

/* The screens that add a diagnosis (ICD-10-CM search) or a procedure
 * (HCPCS or CPT search, then modifiers, units and pointers) to encounter
 * erow. Opened from the coding screen; on success they go back to it with
 * a reload. */
void screen_coding_add_dx(ui_t *ui, int64_t erow);
void screen_coding_add_px(ui_t *ui, int64_t erow);

/* The screen asking the reason for reopening erow's final coding. */
void screen_coding_reopen(ui_t *ui, int64_t erow);

/* Inside a coding screen's .open: the encounter number it was opened
 * with (ui_open_arg), 0 when none was given. */
int64_t screen_coding_arg(const ui_t *ui);

/* A date of service (YYYY-MM-DD) in the configured date format. */
void screen_coding_date(ui_t *ui, char *buf, size_t size, const char *ymd);

#endif
