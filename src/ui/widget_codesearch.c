/* widget_codesearch.c - the code search box: a field, core's hits under
 * it, headers opened on Enter. */
#include "ui/widget_codesearch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/draw.h"
#include "ui/theme.h"

#define NOTE_MAX 3 /* lines of note shown */

static int hits_count(void *arg)
{
	return ((ui_codesearch_t *)arg)->n;
}

static void hits_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	ui_codesearch_t *c = arg;
	const code_hit_t *h = &c->hits[i];
	char line[sizeof h->desc + 16];
	(void)selected;
	draw_text(w, y, x + 1, 9, h->code, 0);
	snprintf(line, sizeof line, "%s%s", h->billable ? "" : "[header] ", h->desc);
	draw_text(w, y, x + 11, width - 12, line, 0);
}

struct take {
	ui_codesearch_t *c;
	const char *skip; /* the header itself, among its children */
};

static int take_hit(const code_hit_t *h, void *arg)
{
	struct take *t = arg;
	ui_codesearch_t *c = t->c;
	if (t->skip && strcmp(h->code, t->skip) == 0)
		return 0;
	if (c->n == CSEARCH_HITS) {
		c->more = 1;
		return 1;
	}
	c->hits[c->n] = *h;
	draw_clean(c->hits[c->n].desc, sizeof c->hits[c->n].desc, h->desc);
	c->n++;
	return 0;
}

static void drop_hits(ui_codesearch_t *c)
{
	if (c->hits)
		explicit_bzero(c->hits, CSEARCH_HITS * sizeof *c->hits);
	c->n = 0;
	c->more = 0;
	c->list.cur = c->list.top = 0;
}

void csearch_note(ui_codesearch_t *c, int error, const char *text)
{
	draw_clean(c->note, sizeof c->note, text ? text : "");
	c->note_error = error;
}

/* Fill the hits: the innermost open header's codes, else the search. */
static void run(ui_t *ui, ui_codesearch_t *c)
{
	msg_t m;
	status_t st;
	/* One more than shown, so that "more" is known without a count. */
	struct take t = {c, NULL};
	drop_hits(c);
	msg_clear(&m);
	if (c->depth > 0) {
		t.skip = c->path[c->depth - 1];
		st = codes_children(ui_session(ui), c->cs, t.skip, c->date, CSEARCH_HITS + 2,
		                    take_hit, &t, &m);
	} else {
		st = codes_search(ui_session(ui), c->cs, tfield_text(&c->query), c->date,
		                  CSEARCH_HITS + 1, take_hit, &t, &m);
	}
	if (st != STATUS_OK)
		csearch_note(c, 1, m.text);
	list_clamp(&c->list);
}

status_t csearch_init(ui_codesearch_t *c, msg_t *m)
{
	status_t ret;
	memset(c, 0, sizeof *c);
	if ((ret = tfield_init(&c->query, CSEARCH_QUERY_CAP, 0, m)) != STATUS_OK)
		return ret;
	if (!(c->hits = calloc(CSEARCH_HITS, sizeof *c->hits))) {
		tfield_free(&c->query);
		return msg_fail(m, STATUS_NOMEM, "Out of memory for the code search.");
	}
	c->list.count = hits_count;
	c->list.draw_row = hits_row;
	c->list.arg = c;
	return STATUS_OK;
}

void csearch_clear(ui_codesearch_t *c)
{
	tfield_clear(&c->query);
	drop_hits(c);
	explicit_bzero(c->path, sizeof c->path);
	c->depth = 0;
	explicit_bzero(c->note, sizeof c->note);
	explicit_bzero(c->chosen, sizeof c->chosen);
	c->note_error = 0;
}

void csearch_free(ui_codesearch_t *c)
{
	csearch_clear(c);
	tfield_free(&c->query);
	free(c->hits);
	c->hits = NULL;
}

void csearch_set(ui_t *ui, ui_codesearch_t *c, codesys_t cs, const char *date)
{
	c->cs = cs;
	snprintf(c->date, sizeof c->date, "%s", date ? date : "");
	c->depth = 0;
	csearch_note(c, 0, "");
	run(ui, c);
}

/* Enter on a header: core says why it cannot be chosen (its rule, with the
 * codes under it), and the box lists those codes. */
static void open_header(ui_t *ui, ui_codesearch_t *c, const code_hit_t *h)
{
	code_hit_t ignore;
	msg_t m;
	msg_clear(&m);
	if (c->depth == CSEARCH_DEPTH) {
		csearch_note(c, 1, "Too many headers open; Esc goes back one.");
		return;
	}
	if (codes_check(ui_session(ui), c->cs, h->code, c->date, &ignore, &m) != STATUS_OK)
		csearch_note(c, 1, m.text);
	else
		csearch_note(c, 0, "");
	snprintf(c->path[c->depth++], sizeof c->path[0], "%s", h->code);
	run(ui, c);
	if (c->n == 0 && !c->note[0])
		csearch_note(c, 1, "No codes under this header.");
}

/* The typed text, without blanks around it. */
static void typed_code(const ui_codesearch_t *c, char *out, size_t size)
{
	const char *t = tfield_text(&c->query);
	size_t n;
	while (*t == ' ')
		t++;
	n = strlen(t);
	while (n > 0 && t[n - 1] == ' ')
		n--;
	snprintf(out, size, "%.*s", (int)n, t);
}

unsigned csearch_handle(ui_t *ui, ui_codesearch_t *c, const ui_event_t *ev, csearch_result_t *res)
{
	unsigned r;
	int edit = ev->action == KA_NONE || ev->action == KA_BACKSPACE || ev->action == KA_DELETE ||
	           ev->action == KA_CLEAR_FIELD;
	*res = CSEARCH_NONE;
	if ((r = tfield_handle(ui, &c->query, ev)) != UI_IGNORED) {
		if (r & UI_REDRAW && edit) {
			/* A changed text searches again, from the top. */
			c->depth = 0;
			csearch_note(c, 0, "");
			run(ui, c);
		}
		return r;
	}
	switch (ev->action) {
	case KA_UP:
	case KA_DOWN:
	case KA_PAGE_UP:
	case KA_PAGE_DOWN:
		return list_handle(&c->list, ev->action);
	case KA_SELECT:
		if (c->n > 0) {
			const code_hit_t *h = &c->hits[c->list.cur];
			if (!h->billable) {
				open_header(ui, c, h);
				return UI_REDRAW;
			}
			snprintf(c->chosen, sizeof c->chosen, "%s", h->code);
			*res = CSEARCH_CHOSEN;
			return UI_REDRAW;
		}
		typed_code(c, c->chosen, sizeof c->chosen);
		if (c->depth > 0 || !c->chosen[0]) {
			csearch_note(c, 1, "Type a code or words of its description.");
			return UI_REDRAW;
		}
		/* Nothing matches in this code set: let core say why. */
		*res = CSEARCH_CHOSEN;
		return UI_REDRAW;
	case KA_BACK:
		if (c->depth > 0) {
			explicit_bzero(c->path[--c->depth], sizeof c->path[0]);
			csearch_note(c, 0, "");
			run(ui, c);
			return UI_REDRAW;
		}
		*res = CSEARCH_CANCEL;
		return UI_REDRAW;
	default:
		return UI_IGNORED;
	}
}

struct note_lines {
	WINDOW *w;
	int y, x, width, max;
};

static void note_line(const char *line, int n, void *arg)
{
	struct note_lines *nl = arg;
	if (n < nl->max)
		draw_text(nl->w, nl->y + n, nl->x, nl->width, line, 0);
}

void csearch_draw(ui_t *ui, ui_codesearch_t *c, WINDOW *w, int y, int x, int h, int width)
{
	int notes = 0, rows;
	char line[160], pos[48];
	if (h < 4 || width < 30)
		return;
	wattrset(w, theme_attr(TH_NORMAL));
	mvwaddstr(w, y, x + 1, "Search:");
	if (c->note[0]) {
		struct note_lines nl = {w, y + 1, x + 1, width - 2, NOTE_MAX};
		notes = draw_wrap(c->note, width - 2, NULL, NULL);
		if (notes > NOTE_MAX)
			notes = NOTE_MAX;
		wattrset(w, theme_attr(c->note_error ? TH_ERROR : TH_INFO));
		draw_wrap(c->note, width - 2, note_line, &nl);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	wattrset(w, theme_attr(TH_HEADING));
	if (c->depth > 0)
		snprintf(line, sizeof line, "Codes under %s (Esc: back to the search)",
		         c->path[c->depth - 1]);
	else
		snprintf(line, sizeof line, "Code       Description");
	draw_text(w, y + 1 + notes, x + 1, width - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	rows = h - notes - 3;
	if (c->depth > 0)
		c->list.empty = "No codes under this header.";
	else if (tfield_text(&c->query)[0])
		c->list.empty = "No code matches; Enter checks the typed code.";
	else if (c->cs == CS_ICD10CM)
		c->list.empty = "Type a code (e11, E11.6) or words in any order (diab 2 kidn).";
	else
		c->list.empty = "Type a code (G0008, J11) or words in any order (influenza vacc).";
	list_draw(&c->list, w, y + 2 + notes, x, rows, width);
	list_position(&c->list, pos, sizeof pos);
	snprintf(line, sizeof line, "%s%s", c->n ? pos : "",
	         c->more ? " (the first ones only: type more to narrow)" : "");
	draw_text(w, y + h - 1, x + 1, width - 2, line, 0);
	/* The field last, so the terminal cursor ends up in it. */
	tfield_draw(ui, w, y, x + 9, width - 10, &c->query, 1);
}
