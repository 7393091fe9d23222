/* rights_view.h - pieces the patients'-rights screens share
 * (screen_roi.c, screen_disclosures.c, screen_amendments.c): a page of
 * text lines drawn through a list (a request's details, an accounting),
 * and the argument that names a request. The lines are copies escaped
 * for drawing; rv_clear wipes them (they hold PHI). */
#ifndef CHARTROOM_UI_RIGHTS_VIEW_H
#define CHARTROOM_UI_RIGHTS_VIEW_H

#include <stdint.h>

#include "ui/curses.h"
#include "ui/screen.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

#define RV_LINES 240
#define RV_WIDTH 160

typedef struct rv_page {
	char line[RV_LINES][RV_WIDTH];
	theme_role_t role[RV_LINES];
	int n;
	ui_list_t list;
} rv_page_t;

typedef struct rv_arg {
	int64_t n;    /* the request */
	char mrn[24]; /* a patient (the disclosures screen) */
} rv_arg_t;

void rv_init(rv_page_t *p);
/* One line (escaped); its role's attributes when drawn. */
void rv_add(rv_page_t *p, theme_role_t role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "Label: text", wrapped to the width, following lines indented. Nothing
 * when text is empty. */
void rv_wrap(rv_page_t *p, const char *label, const char *text);
/* Wipe every line. */
void rv_clear(rv_page_t *p);
void rv_draw(rv_page_t *p, WINDOW *w, int y, int h, int width);

#endif
