/* screen_amendments.c - amendment requests (45 CFR 164.526): the list
 * (Tab cycles open, overdue, all), a new request (a), the details of the
 * selected one (Enter) and its actions (x): extend with a reason, accept
 * with the amendment and the people to notify, deny with one of the rule's
 * reasons, the patient's statement of disagreement, the rebuttal. Through
 * core/amendment.h, which checks amendment_manage and amendment_decide.
 * Overdue requests are drawn in the alert colour and say OVERDUE. */
#include "ui/screen_amendments.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/amendment.h"
#include "core/rights.h"
#include "ui/draw.h"
#include "ui/rights_view.h"
#include "ui/widget_form.h"
#include "ui/widget_keys.h"

#define ROWS_MAX 500

static const char *const filters[] = {"open", "overdue", ""};
static const char *const filter_names[] = {"open requests", "overdue requests", "all requests"};

typedef struct row {
	int64_t n;
	char mrn[24], name[64], status[16], section[24], due[11], days[32];
	int overdue;
} row_t;

typedef struct am_screen {
	row_t rows[ROWS_MAX];
	int nrows, filter;
	ui_list_t list;
} am_screen_t;

static int rows_count(void *arg)
{
	return ((am_screen_t *)arg)->nrows;
}

static void rows_draw(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	am_screen_t *r = arg;
	row_t *o = &r->rows[i];
	char line[256];
	snprintf(line, sizeof line, "%4" PRId64 " %-10.10s %-15.15s %-8.8s %-10.10s %-10s %s", o->n,
		 o->mrn, o->name, o->status, o->section, o->due, o->days);
	if (o->overdue && !selected)
		wattrset(w, theme_attr(TH_ALERT));
	draw_text(w, y, x, width, line, 0);
	if (o->overdue && !selected)
		wattrset(w, theme_attr(TH_NORMAL));
}

static int take_row(const amendment_info_t *i, void *arg)
{
	am_screen_t *r = arg;
	row_t *o;
	if (r->nrows >= ROWS_MAX)
		return 1;
	o = &r->rows[r->nrows++];
	o->n = i->n;
	text_copy(o->mrn, sizeof o->mrn, i->mrn);
	text_copy(o->name, sizeof o->name, i->patient_name);
	text_copy(o->status, sizeof o->status, i->status);
	text_copy(o->section, sizeof o->section, i->section);
	text_copy(o->due, sizeof o->due, i->due);
	if (strcmp(i->status, "pending") == 0)
		rights_days_text(i->days_left, o->days, sizeof o->days);
	else
		snprintf(o->days, sizeof o->days, "decided %s", i->decided);
	o->overdue = i->overdue;
	return 0;
}

static status_t am_reload(ui_t *ui, void *priv, msg_t *m)
{
	am_screen_t *r = priv;
	status_t st;
	sodium_memzero(r->rows, sizeof r->rows);
	r->nrows = 0;
	st = amendment_list(ui_session(ui), NULL, filters[r->filter], take_row, r, m);
	list_clamp(&r->list);
	return st;
}

static status_t am_open(ui_t *ui, void *priv, msg_t *m)
{
	am_screen_t *r = priv;
	r->list.count = rows_count;
	r->list.draw_row = rows_draw;
	r->list.arg = r;
	r->list.empty = "No requests. a: log a new one.";
	return am_reload(ui, priv, m);
}

static void am_forget(ui_t *ui, void *priv)
{
	am_screen_t *r = priv;
	(void)ui;
	sodium_memzero(r->rows, sizeof r->rows);
	r->nrows = 0;
}

static void am_draw(ui_t *ui, void *priv, WINDOW *w)
{
	am_screen_t *r = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char head[160];
	wattrset(w, theme_attr(TH_HEADING));
	snprintf(head, sizeof head, "Amendment requests: %s (%d)", filter_names[r->filter],
		 r->nrows);
	draw_text(w, 0, 1, W - 2, head, 0);
	draw_text(w, 1, 1, W - 2,
		  "   # MRN        Patient         Status   Part       Due        Days",
		  0);
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&r->list, w, 2, 1, H - 4, W - 2);
	rv_list_footer(ui, w, "decide/extend/statements");
}

extern const struct screen_ops screen_amendment_new, screen_amendment_detail,
	screen_amendment_act;

static unsigned am_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	am_screen_t *r = priv;
	msg_t m;
	unsigned f = list_handle(&r->list, ev->action);
	if (f != UI_IGNORED)
		return f;
	if (ev->action == KA_NEXT_FIELD) {
		r->filter = (r->filter + 1) % 3;
		if (am_reload(ui, priv, &m) != STATUS_OK)
			ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		return UI_REDRAW;
	}
	return rv_list_keys(ui, ev->action, r->nrows ? &r->rows[r->list.cur].n : NULL,
			    &screen_amendment_new, &screen_amendment_detail, &screen_amendment_act);
}

const struct screen_ops screen_amendments = {
	.title = "Amendment requests",
	.private_size = sizeof(am_screen_t),
	.hints = rv_list_hints,
	.open = am_open,
	.draw = am_draw,
	.handle = am_handle,
	.reload = am_reload,
	.forget = am_forget,
	.close = am_forget,
};

/* ---- a new request ---- */

static const char *const sections[] = {AMENDMENT_SECTIONS};
enum { N_MRN, N_SECTION, N_RECORD, N_RECEIVED, N_REQUEST, N_PART, N_COUNT };

typedef struct am_new {
	ui_form_t form; /* first: rv_form_close, rv_form_forget */
	ui_form_item_t items[N_COUNT];
} am_new_t;

static status_t new_open(ui_t *ui, void *priv, msg_t *m)
{
	am_new_t *p = priv;
	status_t ret;
	(void)ui;
	form_choice_item(&p->items[N_SECTION], "Part of the record", sections,
			 (int)(sizeof sections / sizeof sections[0]), 0);
	if ((ret = form_text_item(&p->items[N_MRN], "Patient MRN", 24, 1, m)) != STATUS_OK ||
	    (ret = form_text_item(&p->items[N_RECORD], "Record number (or none)", 20, 0, m)) !=
		    STATUS_OK ||
	    (ret = form_text_item(&p->items[N_RECEIVED], "Received (today)", 12, 0, m)) !=
		    STATUS_OK ||
	    (ret = form_text_item(&p->items[N_REQUEST], "What the patient asks", RIGHTS_TEXT_MAX, 1,
				  m)) != STATUS_OK ||
	    (ret = form_text_item(&p->items[N_PART], "Part, in their words", RIGHTS_TEXT_MAX, 0,
				  m)) != STATUS_OK) {
		p->form.items = p->items;
		p->form.n = N_COUNT;
		form_free(&p->form);
		return ret;
	}
	p->form.items = p->items;
	p->form.n = N_COUNT;
	p->form.label_w = 25;
	form_clear(&p->form, 1);
	return STATUS_OK;
}

static void new_draw(ui_t *ui, void *priv, WINDOW *w)
{
	am_new_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char foot[200] = "";
	rv_heading(w, "Log an amendment request (decision due in 60 days)");
	form_draw(ui, &p->form, w, 2, 1, H - 4, W - 2);
	keys_add(ui, foot, sizeof foot, KA_SAVE, "log it");
	keys_add(ui, foot, sizeof foot, KA_RIGHT, "next part");
	rv_footer(w, foot);
}

static unsigned new_submit(ui_t *ui, void *priv)
{
	am_new_t *p = priv;
	amendment_input_t in;
	int64_t n = 0;
	msg_t m;
	in.section = sections[form_choice(&p->form, N_SECTION)];
	in.ref = form_text(&p->form, N_RECORD);
	in.received = form_text(&p->form, N_RECEIVED);
	in.request = form_text(&p->form, N_REQUEST);
	in.part = form_text(&p->form, N_PART);
	ui_busy(ui, "Saving...");
	return rv_saved(ui, amendment_add(ui_session(ui), form_text(&p->form, N_MRN), &in, &n, &m),
			&m);
}

static unsigned new_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	am_new_t *p = priv;
	return rv_form_keys(ui, &p->form, ev, new_submit, p, NULL, "Not logged.");
}

const struct screen_ops screen_amendment_new = {
	.title = "New amendment request",
	.private_size = sizeof(am_new_t),
	.hints = rv_form_hints,
	.open = new_open,
	.close = rv_form_close,
	.draw = new_draw,
	.handle = new_handle,
	.forget = rv_form_forget,
	.typing = rv_typing,
};

/* ---- details ---- */

static int detail_take(const amendment_info_t *a, void *arg)
{
	rv_page_t *p = arg;
	char days[32];
	int pending = strcmp(a->status, "pending") == 0;
	rights_days_text(a->days_left, days, sizeof days);
	rv_add(p, TH_HEADING, "Amendment request %" PRId64 " - %s", a->n, a->status);
	rv_add(p, TH_NORMAL, "Patient: %s (MRN %s)", a->patient_name, a->mrn);
	rv_add(p, TH_NORMAL, "Part of the record: %s%s%s", a->section, a->ref[0] ? " record " : "",
	       a->ref);
	rv_wrap(p, "In their words", a->part);
	rv_wrap(p, "Request", a->request);
	rv_add(p, TH_NORMAL, "Received: %s", a->received);
	rv_add(p, a->overdue ? TH_ALERT : TH_NORMAL, "Decision due: %s (%s)%s", a->due,
	       pending ? days : "decided", a->extended ? " - extended" : "");
	rv_wrap(p, "Extension reason", a->extension_reason);
	if (a->decided[0])
		rv_add(p, TH_NORMAL, "Decided: %s", a->decided);
	rv_wrap(p, "Amendment appended", a->amendment);
	rv_wrap(p, "Notify", a->notify);
	if (a->denial[0])
		rv_add(p, TH_WARN, "Denied: %s", amendment_denial_desc(a->denial));
	rv_wrap(p, "Explanation", a->explanation);
	rv_wrap(p, "Statement of disagreement", a->disagreement);
	rv_wrap(p, "Rebuttal", a->rebuttal);
	rv_add(p, TH_NORMAL, "Logged %.10s by %s", a->logged_at, a->logged_by);
	return 0;
}

static status_t detail_reload(ui_t *ui, void *priv, msg_t *m)
{
	rv_detail_t *d = priv;
	rv_clear(&d->page);
	return amendment_get(ui_session(ui), d->a.n, detail_take, &d->page, m);
}

static status_t detail_open(ui_t *ui, void *priv, msg_t *m)
{
	status_t ret = rv_detail_open(ui, priv, "No request.", m);
	return ret != STATUS_OK ? ret : detail_reload(ui, priv, m);
}

static void detail_draw(ui_t *ui, void *priv, WINDOW *w)
{
	rv_detail_draw(ui, priv, w, "decide/extend/statements");
}

static unsigned detail_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	return rv_detail_handle(ui, priv, ev, &screen_amendment_act);
}

const struct screen_ops screen_amendment_detail = {
	.title = "Amendment request",
	.private_size = sizeof(rv_detail_t),
	.hints = rv_detail_hints,
	.open = detail_open,
	.draw = detail_draw,
	.handle = detail_handle,
	.reload = detail_reload,
	.forget = rv_detail_forget,
	.close = rv_detail_forget,
};

/* ---- actions ---- */

static const char *const actions[] = {"deny", "accept", "extend", "disagreement", "rebuttal"};
static const char *const denials[] = {
#define DENIAL_CODE(c, d) c,
	AMENDMENT_DENIALS(DENIAL_CODE)
#undef DENIAL_CODE
};
enum { A_ACTION, A_REASON, A_TEXT, A_NOTIFY, A_DAYS, A_COUNT };

typedef struct am_act {
	ui_form_t form; /* first: rv_form_close, rv_form_forget */
	rv_arg_t a;
	int armed; /* a denial asked once: asked again to confirm */
	ui_form_item_t items[A_COUNT];
} am_act_t;

static status_t act_open(ui_t *ui, void *priv, msg_t *m)
{
	am_act_t *p = priv;
	status_t ret;
	if ((ret = rv_take_arg(ui, &p->a, "No request.", m)) != STATUS_OK)
		return ret;
	form_choice_item(&p->items[A_ACTION], "Action", actions, 5, 0);
	form_choice_item(&p->items[A_REASON], "Denial reason", denials,
			 (int)(sizeof denials / sizeof denials[0]), 0);
	p->form.items = p->items;
	p->form.n = A_COUNT;
	p->form.label_w = 16;
	if ((ret = form_text_item(&p->items[A_TEXT], "Text", RIGHTS_TEXT_MAX, 0, m)) != STATUS_OK ||
	    (ret = form_text_item(&p->items[A_NOTIFY], "Notify (accept)", RIGHTS_TEXT_MAX, 0, m)) !=
		    STATUS_OK ||
	    (ret = form_text_item(&p->items[A_DAYS], "Days (extend)", 3, 0, m)) != STATUS_OK) {
		form_free(&p->form);
		return ret;
	}
	form_clear(&p->form, 1);
	return STATUS_OK;
}

static void act_draw(ui_t *ui, void *priv, WINDOW *w)
{
	am_act_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char head[120], foot[200] = "";
	snprintf(head, sizeof head, "Amendment request %" PRId64 ": what to do", p->a.n);
	rv_heading(w, head);
	draw_text(w, 1, 1, W - 2,
		  "Text: the explanation (deny), the amendment (accept; empty: the request's "
		  "words),", 0);
	draw_text(w, 2, 1, W - 2,
		  "the written reason (extend: by Days, 1-30, before day 60), the patient's "
		  "statement, or the rebuttal.", 0);
	form_draw(ui, &p->form, w, 4, 1, H - 6, W - 2);
	keys_add(ui, foot, sizeof foot, KA_SAVE, "do it");
	keys_add(ui, foot, sizeof foot, KA_RIGHT, "next choice");
	rv_footer(w, foot);
}

static unsigned act_submit(ui_t *ui, void *priv)
{
	am_act_t *p = priv;
	session_t *s = ui_session(ui);
	const char *t = form_text(&p->form, A_TEXT);
	msg_t m;
	status_t st;
	int act = form_choice(&p->form, A_ACTION);
	if (act <= 1 && p->armed != act + 1) {
		p->armed = act + 1;
		ui_message(ui, UI_MSG_WARN, "%s amendment request %" PRId64 " is final: save again to "
					    "confirm.",
			   act == 0 ? "Denying" : "Accepting", p->a.n);
		return UI_REDRAW;
	}
	p->armed = 0;
	ui_busy(ui, "Working...");
	switch (act) {
	case 0:
		st = amendment_deny(s, p->a.n, denials[form_choice(&p->form, A_REASON)], t, &m);
		break;
	case 1:
		st = amendment_accept(s, p->a.n, t, form_text(&p->form, A_NOTIFY), &m);
		break;
	case 2: {
		/* The number of days is asked, never assumed (core checks 1-30
		 * and that it is before day 60). */
		const char *d = form_text(&p->form, A_DAYS);
		if (!*d || strspn(d, "0123456789") != strlen(d) || atoi(d) < 1 || atoi(d) > 30) {
			st = msg_fail(&m, STATUS_INVALID,
				      "Days (extend): type the number of days, 1 to 30.");
			break;
		}
		st = amendment_extend(s, p->a.n, atoi(d), t, &m);
		break;
	}
	case 3:
		st = amendment_disagree(s, p->a.n, t, &m);
		break;
	default:
		st = amendment_rebut(s, p->a.n, t, &m);
		break;
	}
	return rv_saved(ui, st, &m);
}

static unsigned act_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	am_act_t *p = priv;
	return rv_form_keys(ui, &p->form, ev, act_submit, p, &p->armed, NULL);
}

const struct screen_ops screen_amendment_act = {
	.title = "Amendment request: action",
	.private_size = sizeof(am_act_t),
	.hints = rv_form_hints,
	.open = act_open,
	.close = rv_form_close,
	.draw = act_draw,
	.handle = act_handle,
	.forget = rv_form_forget,
	.typing = rv_typing,
};
