/* screen_coding_search.c - adding a diagnosis or a procedure to an
 * encounter's coding: the code search box (widget_codesearch.h) over the
 * code set in effect on the date of service; for a procedure, then a small
 * form for modifiers, units and the diagnoses it points to. Core adds the
 * code (coding_add_dx, coding_add_px) or refuses it by rule, and the
 * refusal is shown where the code was chosen.
 *
 * Holds the encounter's coding as read on open (for the date of service
 * and, in the procedure form, the diagnoses to point to), the search and
 * the form's text; all of it is wiped on close and on idle lock, and read
 * again (core checking the permission again) after an unlock. */
#include "ui/screen_coding.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/coding.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_codesearch.h"
#include "ui/widget_field.h"

enum { F_MODS, F_UNITS, F_PTRS, F_COUNT };

typedef struct add {
	int64_t erow;
	int px;      /* adding a procedure (else a diagnosis) */
	coding_t *k; /* the encounter's coding; NULL after forget */
	ui_codesearch_t box;
	/* The procedure form, once a code is chosen. */
	int form;
	code_hit_t chosen;
	codesys_t chosen_cs;
	ui_field_t f[F_COUNT];
	int focus;
	char note[600]; /* core's refusal of the form */
} add_t;

static const struct screen_ops screen_coding_dx, screen_coding_px;

void screen_coding_add_dx(ui_t *ui, int64_t erow)
{
	ui_open_arg(ui, &screen_coding_dx, &erow, sizeof erow);
}

void screen_coding_add_px(ui_t *ui, int64_t erow)
{
	ui_open_arg(ui, &screen_coding_px, &erow, sizeof erow);
}

static void form_clear(add_t *a)
{
	for (int i = 0; i < F_COUNT; i++)
		tfield_clear(&a->f[i]);
	explicit_bzero(&a->chosen, sizeof a->chosen);
	explicit_bzero(a->note, sizeof a->note);
	a->form = 0;
	a->focus = 0;
}

static void add_forget(ui_t *ui, void *priv)
{
	add_t *a = priv;
	(void)ui;
	csearch_clear(&a->box);
	form_clear(a);
	if (a->k) {
		explicit_bzero(a->k, sizeof *a->k);
		free(a->k);
		a->k = NULL;
	}
}

static status_t add_reload(ui_t *ui, void *priv, msg_t *m)
{
	add_t *a = priv;
	status_t ret;
	if (!a->k && !(a->k = malloc(sizeof *a->k)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading the coding.");
	if ((ret = coding_get(ui_session(ui), a->erow, a->k, m)) != STATUS_OK) {
		explicit_bzero(a->k, sizeof *a->k);
		free(a->k);
		a->k = NULL;
		return ret;
	}
	csearch_set(ui, &a->box, a->box.cs, a->k->date);
	return STATUS_OK;
}

static status_t open_common(ui_t *ui, add_t *a, int px, msg_t *m)
{
	static const size_t caps[F_COUNT] = {32, 16, 64};
	status_t ret;
	a->erow = screen_coding_arg(ui);
	a->px = px;
	if (a->erow == 0)
		return msg_fail(m, STATUS_INVALID, "No encounter was chosen.");
	if ((ret = csearch_init(&a->box, m)) != STATUS_OK)
		return ret;
	a->box.cs = px ? CS_HCPCS : CS_ICD10CM;
	for (int i = 0; i < F_COUNT && ret == STATUS_OK; i++)
		ret = tfield_init(&a->f[i], caps[i], 0, m);
	if (ret == STATUS_OK)
		ret = add_reload(ui, a, m);
	if (ret != STATUS_OK) {
		add_forget(ui, a);
		csearch_free(&a->box);
		for (int i = 0; i < F_COUNT; i++)
			tfield_free(&a->f[i]);
	}
	return ret;
}

static status_t dx_open(ui_t *ui, void *priv, msg_t *m)
{
	return open_common(ui, priv, 0, m);
}

static status_t px_open(ui_t *ui, void *priv, msg_t *m)
{
	return open_common(ui, priv, 1, m);
}

static void add_close(ui_t *ui, void *priv)
{
	add_t *a = priv;
	add_forget(ui, priv);
	csearch_free(&a->box);
	for (int i = 0; i < F_COUNT; i++)
		tfield_free(&a->f[i]);
}

static int add_typing(const void *priv)
{
	(void)priv;
	return 1; /* the search field or a form field always has the focus */
}

static const char *system_label(codesys_t cs)
{
	return cs == CS_HCPCS ? "HCPCS" : cs == CS_CPT ? "CPT" : "ICD-10-CM";
}

/* Typed text to a positive number; 0 (which core refuses, saying what
 * units may be) for anything else. */
static int units_of(const char *t)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(t, &end, 10);
	while (*end == ' ')
		end++;
	if (end == t || *end || errno || v < 1 || v > 100000)
		return 0;
	return (int)v;
}

/* ---- drawing ---------------------------------------------------------- */

struct wrap_at {
	WINDOW *w;
	int y, x, width, max;
};

static void wrap_line(const char *line, int n, void *arg)
{
	struct wrap_at *wa = arg;
	if (n < wa->max)
		draw_text(wa->w, wa->y + n, wa->x, wa->width, line, 0);
}

static void draw_title_line(ui_t *ui, add_t *a, WINDOW *w, int W)
{
	char date[24], line[200];
	screen_coding_date(ui, date, sizeof date, a->k->date);
	if (a->px)
		snprintf(line, sizeof line, "Add a procedure to encounter %lld (service %s): %s",
		         (long long)a->erow, date, system_label(a->box.cs));
	else
		snprintf(line, sizeof line, "Add a diagnosis to encounter %lld (service %s): %s",
		         (long long)a->erow, date, system_label(a->box.cs));
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 0, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static void draw_form(ui_t *ui, add_t *a, WINDOW *w, int W, int H)
{
	static const char *const labels[F_COUNT] = {"Modifiers:", "Units:", "Diagnoses:"};
	static const char *const help[F_COUNT] = {"up to 4, e.g. 25 or 25,LT", "1 to 999",
	                                          "numbers below, e.g. 1 or 1,2"};
	char line[sizeof a->chosen.desc + 40];
	int y = 2, fw = W - 46 > 12 ? 20 : 12;
	snprintf(line, sizeof line, "%s %s  %s", system_label(a->chosen_cs), a->chosen.code,
	         a->chosen.desc);
	draw_text(w, y, 1, W - 2, line, 0);
	for (int i = 0; i < F_COUNT; i++) {
		mvwaddstr(w, y + 2 + i, 1, labels[i]);
		draw_text(w, y + 2 + i, 14 + fw + 2, W - 14 - fw - 3, help[i], 0);
	}
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y + 6, 1, W - 2, "The encounter's diagnoses", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	y += 7;
	if (a->k->ndx == 0)
		draw_text(w, y++, 3, W - 4, "(none yet: add a diagnosis first)", 0);
	for (int i = 0; i < a->k->ndx && y < H - 4; i++, y++) {
		snprintf(line, sizeof line, "%2d. %-8s %s", i + 1, a->k->dx[i].code,
		         a->k->dx[i].desc);
		draw_text(w, y, 1, W - 2, line, 0);
	}
	if (a->note[0]) {
		struct wrap_at wa = {w, H - 3, 1, W - 2, 3};
		wattrset(w, theme_attr(TH_ERROR));
		draw_wrap(a->note, W - 2, wrap_line, &wa);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	/* Fields last: the focused one places the terminal cursor. */
	for (int i = 0; i < F_COUNT; i++)
		if (i != a->focus)
			tfield_draw(ui, w, 4 + i, 14, fw, &a->f[i], 0);
	tfield_draw(ui, w, 4 + a->focus, 14, fw, &a->f[a->focus], 1);
}

static void add_draw(ui_t *ui, void *priv, WINDOW *w)
{
	add_t *a = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char keys[32], line[120];
	if (!a->k)
		return; /* forgotten (locked); reloaded after the unlock */
	draw_title_line(ui, a, w, W);
	if (a->form) {
		draw_form(ui, a, w, W, H);
		return;
	}
	if (a->px) {
		keymap_keys(ui_keymap(ui), KA_NEXT_FIELD, keys, sizeof keys);
		keys[strcspn(keys, " ")] = '\0';
		snprintf(line, sizeof line, "%s: search %s instead", keys,
		         a->box.cs == CS_HCPCS ? "CPT" : "HCPCS");
		draw_text(w, 1, 1, W - 2, line, 0);
	}
	csearch_draw(ui, &a->box, w, 2, 0, H - 2, W);
}

/* ---- actions ---------------------------------------------------------- */

static unsigned add_dx(ui_t *ui, add_t *a)
{
	msg_t m;
	msg_clear(&m);
	if (coding_add_dx(ui_session(ui), a->erow, a->box.chosen, &m) != STATUS_OK) {
		csearch_note(&a->box, 1, m.text);
		return UI_REDRAW;
	}
	ui_message(ui, UI_MSG_OK, "%s", m.text);
	return UI_BACK | UI_RELOAD | UI_REDRAW;
}

static void start_form(ui_t *ui, add_t *a)
{
	code_hit_t h;
	msg_t m;
	msg_clear(&m);
	/* The code chosen from the hits, or the typed text when nothing
	 * matched: core says which rule refuses the latter. */
	if (codes_check(ui_session(ui), a->box.cs, a->box.chosen, a->k->date, &h, &m) !=
	    STATUS_OK) {
		csearch_note(&a->box, 1, m.text);
		return;
	}
	form_clear(a);
	a->chosen = h;
	draw_clean(a->chosen.desc, sizeof a->chosen.desc, h.desc);
	a->chosen_cs = a->box.cs;
	a->form = 1;
	/* What a coder fills in most often: one unit, for the primary. */
	tfield_handle(ui, &a->f[F_UNITS], &(ui_event_t){KA_NONE, L'1'});
	if (a->k->ndx > 0)
		tfield_handle(ui, &a->f[F_PTRS], &(ui_event_t){KA_NONE, L'1'});
	a->focus = F_MODS;
}

static unsigned add_px(ui_t *ui, add_t *a)
{
	msg_t m;
	msg_clear(&m);
	if (coding_add_px(ui_session(ui), a->erow, a->chosen_cs, a->chosen.code,
	                  tfield_text(&a->f[F_MODS]), units_of(tfield_text(&a->f[F_UNITS])),
	                  tfield_text(&a->f[F_PTRS]), &m) != STATUS_OK) {
		draw_clean(a->note, sizeof a->note, m.text);
		return UI_REDRAW;
	}
	ui_message(ui, UI_MSG_OK, "%s", m.text);
	return UI_BACK | UI_RELOAD | UI_REDRAW;
}

static unsigned form_handle(ui_t *ui, add_t *a, const ui_event_t *ev)
{
	unsigned r = tfield_handle(ui, &a->f[a->focus], ev);
	if (r != UI_IGNORED) {
		if (r & UI_REDRAW)
			a->note[0] = '\0';
		return r;
	}
	switch (ev->action) {
	case KA_NEXT_FIELD:
	case KA_DOWN:
		a->focus = (a->focus + 1) % F_COUNT;
		return UI_REDRAW;
	case KA_PREV_FIELD:
	case KA_UP:
		a->focus = (a->focus + F_COUNT - 1) % F_COUNT;
		return UI_REDRAW;
	case KA_SELECT:
		return add_px(ui, a);
	case KA_BACK:
		/* Back to the search, its text and hits as they were. */
		form_clear(a);
		return UI_REDRAW;
	default:
		return UI_HANDLED; /* nothing else while the form is open */
	}
}

static unsigned add_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	add_t *a = priv;
	csearch_result_t res;
	unsigned r;
	if (!a->k)
		return ev->action == KA_BACK ? UI_BACK : UI_HANDLED;
	if (a->form)
		return form_handle(ui, a, ev);
	if (a->px && (ev->action == KA_NEXT_FIELD || ev->action == KA_PREV_FIELD)) {
		csearch_set(ui, &a->box, a->box.cs == CS_HCPCS ? CS_CPT : CS_HCPCS, a->k->date);
		return UI_REDRAW;
	}
	r = csearch_handle(ui, &a->box, ev, &res);
	if (res == CSEARCH_CANCEL)
		return UI_BACK;
	if (res == CSEARCH_CHOSEN) {
		if (!a->px)
			return add_dx(ui, a);
		start_form(ui, a);
		return UI_REDRAW;
	}
	/* While typing, other keys do nothing (Esc and F1 still work). */
	return r != UI_IGNORED ? r : UI_HANDLED;
}

static const struct screen_hint dx_hints[] = {
    {KA_SELECT, "add / open a header"},
    {KA_DOWN, "hits"},
    {KA_BACK, "back"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

static const struct screen_hint px_hints[] = {
    {KA_SELECT, "choose / add"},
    {KA_NEXT_FIELD, "HCPCS-CPT / next field"},
    {KA_BACK, "back"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

static const struct screen_ops screen_coding_dx = {
    .title = "Add a diagnosis",
    .private_size = sizeof(add_t),
    .hints = dx_hints,
    .open = dx_open,
    .close = add_close,
    .draw = add_draw,
    .handle = add_handle,
    .reload = add_reload,
    .forget = add_forget,
    .typing = add_typing,
};

static const struct screen_ops screen_coding_px = {
    .title = "Add a procedure",
    .private_size = sizeof(add_t),
    .hints = px_hints,
    .open = px_open,
    .close = add_close,
    .draw = add_draw,
    .handle = add_handle,
    .reload = add_reload,
    .forget = add_forget,
    .typing = add_typing,
};
