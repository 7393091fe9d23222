/* widget_codesearch.h - a code search box: one text field whose every
 * change asks core for the codes matching it (codes_search, in the code
 * set in effect on a date of service), the hits listed under it with code,
 * header or billable, and description. Enter on a header opens its codes
 * (codes_children) with core's reason it cannot be chosen itself; Enter on
 * a billable code chooses it; Enter when nothing matches hands over the
 * typed text, so that core can say which rule refuses it.
 *
 * The box owns its field and a copy of the hits (code-set text only), and
 * wipes both on csearch_clear and csearch_free. What a chosen code is used
 * for is the caller's business; core checks it again when it is used. */
#ifndef CHARTROOM_UI_WIDGET_CODESEARCH_H
#define CHARTROOM_UI_WIDGET_CODESEARCH_H

#include "base/status.h"
#include "core/coding.h"
#include "ui/screen.h"
#include "ui/widget_field.h"
#include "ui/widget_list.h"

#define CSEARCH_HITS      200 /* hits kept per search; more means "type more" */
#define CSEARCH_DEPTH     6   /* headers opened one inside another */
#define CSEARCH_QUERY_CAP 128 /* bytes of search text, the NUL included */

typedef enum {
	CSEARCH_NONE,   /* nothing for the caller */
	CSEARCH_CHOSEN, /* c->chosen holds a code to use */
	CSEARCH_CANCEL, /* Esc with no header open: the caller goes back */
} csearch_result_t;

typedef struct ui_codesearch {
	codesys_t cs;
	char date[11]; /* date of service: the code set in effect on it */
	ui_field_t query;
	code_hit_t *hits; /* CSEARCH_HITS of them */
	int n;
	int more; /* the search stopped at CSEARCH_HITS */
	ui_list_t list;
	char path[CSEARCH_DEPTH][16]; /* the headers opened, innermost last */
	int depth;
	char note[600]; /* core's word on the last search or choice */
	int note_error;
	char chosen[CSEARCH_QUERY_CAP]; /* after CSEARCH_CHOSEN */
} ui_codesearch_t;

/* Allocate the field and the hit table. On failure nothing is held. */
status_t csearch_init(ui_codesearch_t *c, msg_t *m);
/* Wipe and free. Safe on a zeroed or already freed box. */
void csearch_free(ui_codesearch_t *c);
/* Wipe the text, the hits, the note and the open headers. */
void csearch_clear(ui_codesearch_t *c);
/* Search code system cs as of date (YYYY-MM-DD) from now on, and run the
 * search again with the text as it is. */
void csearch_set(ui_t *ui, ui_codesearch_t *c, codesys_t cs, const char *date);
/* Show a note under the field (core's message on a refused choice, say);
 * error draws it as a refusal. The next change of the text removes it. */
void csearch_note(ui_codesearch_t *c, int error, const char *text);

/* React to an event: typing (searches again), Up/Down/PgUp/PgDn in the
 * hits, Enter, Esc. Returns UI_* flags and sets *res. */
unsigned csearch_handle(ui_t *ui, ui_codesearch_t *c, const ui_event_t *ev, csearch_result_t *res);

/* Draw the box in h lines of w from (y, x), width columns wide: the field
 * (with the cursor), the note, the hits and their count. */
void csearch_draw(ui_t *ui, ui_codesearch_t *c, WINDOW *w, int y, int x, int h, int width);

#endif
