/* theme.h - how things look: one attribute per kind of thing drawn, in
 * colour or, for NO_COLOR, `[ui] color = never` and terminals without
 * colour, in plain reverse/bold/underline. Screens ask for a role's
 * attribute and never pick colours themselves. */
#ifndef CHARTROOM_UI_THEME_H
#define CHARTROOM_UI_THEME_H

#include "core/config.h"
#include "ui/curses.h"

typedef enum {
	TH_NORMAL,
	TH_TITLE,       /* the title bar */
	TH_STATUS,      /* the status bar */
	TH_SELECTED,    /* the highlighted line of a list */
	TH_HEADING,     /* column headings, section titles */
	TH_FIELD,       /* a text field */
	TH_FIELD_FOCUS, /* the text field with the focus */
	TH_INFO,        /* an ordinary message */
	TH_OK,          /* a good result ("audit chain OK") */
	TH_WARN,        /* something to notice (failed attempts since) */
	TH_ERROR,       /* a refusal or failure message */
	TH_ALERT,       /* must not be missed (broken audit chain) */
	TH_DIALOG,      /* a question or notice box */
	TH_HINT,        /* the key hints on the message line */
	TH_COUNT
} theme_role_t;

/* Decide colour or monochrome (after curses has started) and set up the
 * colour pairs. Colour is used when the terminal has it, unless NO_COLOR
 * is set (non-empty) or the configuration says never. */
void theme_init(const config_t *cfg);

/* The attribute for a role. */
attr_t theme_attr(theme_role_t r);

/* Non-zero when colours are in use. */
int theme_has_color(void);

#endif
