/* rights_view.h - pieces the patients'-rights screens share
 * (screen_roi.c, screen_disclosures.c, screen_amendments.c): a page of
 * text lines drawn through a list (a request's details, an accounting),
 * the argument that names a request, the details screen around such a
 * page, and the small parts of their forms (hints, typing, heading and
 * footer lines). The lines are copies escaped for drawing; rv_clear
 * wipes them (they hold PHI). */
#ifndef CHARTROOM_UI_RIGHTS_VIEW_H
#define CHARTROOM_UI_RIGHTS_VIEW_H

#include <stdint.h>

#include "ui/curses.h"
#include "ui/screen.h"
#include "ui/theme.h"
#include "ui/widget_form.h"
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

/* The hints of the form screens; their .typing (always typing). */
extern const struct screen_hint rv_form_hints[];
int rv_typing(const void *priv);
/* .close and .forget of a form screen whose private data begins with its
 * ui_form_t: the form freed, or its fields wiped. */
void rv_form_close(ui_t *ui, void *priv);
void rv_form_forget(ui_t *ui, void *priv);

/* A form screen's keys: save submits; the form takes what it handles
 * (then *armed, when armed is not NULL, is 0: a confirmation asked is
 * forgotten); Enter past the form submits; back goes back (saying
 * back_msg when not NULL); the rest is swallowed. */
unsigned rv_form_keys(ui_t *ui, ui_form_t *f, const ui_event_t *ev,
                      unsigned (*submit)(ui_t *ui, void *priv), void *priv, int *armed,
                      const char *back_msg);
/* The end of a submit that did st: the error told (the form stays), or
 * the message and back to the screen before, reloaded. */
unsigned rv_saved(ui_t *ui, status_t st, const msg_t *m);

/* The screen's argument (an rv_arg_t) copied to *a; STATUS_INVALID with
 * `missing` when there is none. */
status_t rv_take_arg(ui_t *ui, rv_arg_t *a, const char *missing, msg_t *m);

/* text on the top line in the heading colour; foot (keys) on the last
 * line in the hint colour. */
void rv_heading(WINDOW *w, const char *text);
void rv_footer(WINDOW *w, const char *foot);

/* A list of requests (screen_roi.c, screen_amendments.c): its hints; its
 * footer (details, new request, act_label, filter); its keys past the
 * list's own and the filter: Enter the details screen and the set-status
 * key the actions screen of request *n (nothing when n is NULL: none),
 * add the new-request screen, back or quit back. UI_IGNORED otherwise. */
extern const struct screen_hint rv_list_hints[];
void rv_list_footer(ui_t *ui, WINDOW *w, const char *act_label);
unsigned rv_list_keys(ui_t *ui, keyact_t action, const int64_t *n, const struct screen_ops *add,
                      const struct screen_ops *detail, const struct screen_ops *act);

/* A page about one request or patient: the first member of the screen's
 * private data (the details screens, the accounting). */
typedef struct rv_detail {
	rv_arg_t a;
	rv_page_t page;
} rv_detail_t;

/* Take the argument (`missing` when none) and start an empty page; the
 * screen then fills it (its reload). */
status_t rv_detail_open(ui_t *ui, rv_detail_t *d, const char *missing, msg_t *m);
/* The hints of a request's details screen. */
extern const struct screen_hint rv_detail_hints[];
/* .forget and .close of such a screen (priv begins with an rv_detail_t):
 * the page wiped. */
void rv_detail_forget(ui_t *ui, void *priv);
/* A request's details screen: the page, and a footer naming `act` (the
 * actions screen) and back; the page scrolls, the set-status key opens
 * act with the request, back (or quit) goes back and reloads. */
void rv_detail_draw(ui_t *ui, rv_detail_t *d, WINDOW *w, const char *act_label);
unsigned rv_detail_handle(ui_t *ui, rv_detail_t *d, const ui_event_t *ev,
                          const struct screen_ops *act);

#endif
