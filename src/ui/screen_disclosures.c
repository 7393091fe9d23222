/* screen_disclosures.c - the accounting of disclosures (45 CFR 164.528):
 * asks for the patient's MRN, then shows the statement the patient is
 * entitled to (six years; excluded kinds left out, and said so) or, with
 * Tab, every entry kept with why it is or is not in the statement; a
 * records a disclosure made outside Chartroom. Through core/disclosure.h
 * (disclosure_view, disclosure_add); d strikes an entry recorded in
 * error, with a reason and a confirmation (disclosure_strike: a new entry,
 * nothing is changed or removed). The page is a copy, wiped on close
 * and at the idle lock. */
#include "ui/screen_disclosures.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "core/disclosure.h"
#include "core/rights.h"
#include "ui/draw.h"
#include "ui/rights_view.h"
#include "ui/widget_form.h"
#include "ui/widget_keys.h"

extern const struct screen_ops screen_disclosure_list, screen_disclosure_add,
    screen_disclosure_strike;

/* ---- which patient ---- */

typedef struct ask {
	ui_form_t form; /* first: rv_form_close, rv_form_forget */
	ui_form_item_t items[1];
} ask_t;

static status_t ask_open(ui_t *ui, void *priv, msg_t *m)
{
	ask_t *p = priv;
	status_t ret;
	(void)ui;
	p->form.items = p->items;
	p->form.n = 1;
	p->form.label_w = 14;
	if ((ret = form_text_item(&p->items[0], "Patient MRN", 24, 1, m)) != STATUS_OK)
		return ret;
	form_clear(&p->form, 1);
	return STATUS_OK;
}

static void ask_draw(ui_t *ui, void *priv, WINDOW *w)
{
	ask_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w);
	rv_heading(w, "Accounting of disclosures: whose?");
	form_draw(ui, &p->form, w, 2, 1, H - 4, W - 2);
}

static unsigned ask_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	ask_t *p = priv;
	rv_arg_t a;
	unsigned r;
	if (ev->action == KA_SAVE || ev->action == KA_SELECT) {
		memset(&a, 0, sizeof a);
		text_copy(a.mrn, sizeof a.mrn, form_text(&p->form, 0));
		if (!a.mrn[0]) {
			ui_message(ui, UI_MSG_ERROR, "Type the patient's MRN.");
			return UI_REDRAW;
		}
		ui_replace_arg(ui, &screen_disclosure_list, &a, sizeof a);
		return UI_REDRAW;
	}
	if ((r = form_handle(ui, &p->form, ev)) != UI_IGNORED)
		return r;
	if (ev->action == KA_BACK)
		return UI_BACK;
	return UI_HANDLED;
}

const struct screen_ops screen_disclosures = {
	.title = "Disclosures",
	.private_size = sizeof(ask_t),
	.hints = rv_form_hints,
	.open = ask_open,
	.close = rv_form_close,
	.draw = ask_draw,
	.handle = ask_handle,
	.forget = rv_form_forget,
	.typing = rv_typing,
};

/* ---- the accounting ---- */

typedef struct dlist {
	rv_detail_t v; /* first: rv_detail_forget */
	int all;
} dlist_t;

static int take(const disclosure_info_t *d, void *arg)
{
	dlist_t *l = arg;
	rv_page_t *p = &l->v.page;
	int strike = strcmp(d->category, "strike") == 0;
	rv_add(p, TH_HEADING, "%s  #%" PRId64 "  %s", d->date, d->n,
	       strike ? "Correction" : disclosure_category_desc(d->category));
	if (strike) {
		rv_add(p, TH_NORMAL, "    strikes entry %" PRId64, d->strikes);
		rv_wrap(p, "    Reason", d->description);
		return 0;
	}
	rv_wrap(p, "    Recipient", d->recipient_name);
	rv_wrap(p, "    Address", d->recipient_address);
	rv_wrap(p, "    Disclosed", d->description);
	rv_wrap(p, "    Purpose", d->purpose);
	if (l->all)
		rv_add(p, d->in_statement ? TH_OK : TH_WARN, "    [%s%s%s%s%s; %s]",
		       d->in_statement ? "in the accounting" : "not in the accounting",
		       d->excluded ? ", excluded kind" : "", d->struck_by ? ", struck" : "",
		       d->suspended ? ", suspended until " : "",
		       d->suspended ? d->suspended_until : "", d->source);
	return 0;
}

static status_t list_reload(ui_t *ui, void *priv, msg_t *m)
{
	dlist_t *l = priv;
	disclosure_summary_t sum;
	status_t st;
	rv_clear(&l->v.page);
	st = disclosure_accounting(ui_session(ui), l->v.a.mrn, NULL, l->all, take, l, &sum, m);
	if (st != STATUS_OK)
		return st;
	if (!l->all) {
		rv_add(&l->v.page, TH_NORMAL, "%s", "");
		rv_add(&l->v.page, TH_NORMAL, "Period %s to %s: %d disclosure%s listed.", sum.from,
		       sum.to, sum.shown, sum.shown == 1 ? "" : "s");
		rv_add(&l->v.page, TH_NORMAL,
		       "Disclosures for treatment, payment, operations, to the patient, under an");
		rv_add(&l->v.page, TH_NORMAL,
		       "authorization and the other kinds 164.528(a)(1) lists are not shown.");
	}
	return STATUS_OK;
}

static status_t list_open(ui_t *ui, void *priv, msg_t *m)
{
	status_t ret = rv_detail_open(ui, &((dlist_t *)priv)->v, "No patient.", m);
	return ret != STATUS_OK ? ret : list_reload(ui, priv, m);
}

static void list_draw_(ui_t *ui, void *priv, WINDOW *w)
{
	dlist_t *l = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char head[120], foot[200] = "";
	snprintf(head, sizeof head, "MRN %s: %s", l->v.a.mrn,
		 l->all ? "every disclosure kept" : "accounting of disclosures (the statement)");
	rv_heading(w, head);
	rv_draw(&l->v.page, w, 2, H - 4, W - 2);
	keys_add(ui, foot, sizeof foot, KA_NEXT_FIELD, l->all ? "the statement" : "every entry");
	keys_add(ui, foot, sizeof foot, KA_ADD, "record a disclosure");
	keys_add(ui, foot, sizeof foot, KA_REMOVE, "strike an entry");
	keys_add(ui, foot, sizeof foot, KA_BACK, "back");
	rv_footer(w, foot);
}

static unsigned list_handle_(ui_t *ui, void *priv, const ui_event_t *ev)
{
	dlist_t *l = priv;
	msg_t m;
	unsigned f = list_handle(&l->v.page.list, ev->action);
	if (f != UI_IGNORED)
		return f;
	switch (ev->action) {
	case KA_NEXT_FIELD:
		l->all = !l->all;
		if (list_reload(ui, priv, &m) != STATUS_OK)
			ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		return UI_REDRAW;
	case KA_ADD:
		ui_open_arg(ui, &screen_disclosure_add, &l->v.a, sizeof l->v.a);
		return UI_REDRAW;
	case KA_REMOVE:
		ui_open_arg(ui, &screen_disclosure_strike, &l->v.a, sizeof l->v.a);
		return UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		return UI_BACK;
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint list_hints[] = {
	{KA_ADD, "record"}, {KA_REMOVE, "strike"}, {KA_BACK, "back"}, {KA_HELP, "help"},
	{KA_NONE, NULL},
};

const struct screen_ops screen_disclosure_list = {
	.title = "Accounting of disclosures",
	.private_size = sizeof(dlist_t),
	.hints = list_hints,
	.open = list_open,
	.draw = list_draw_,
	.handle = list_handle_,
	.reload = list_reload,
	.forget = rv_detail_forget,
	.close = rv_detail_forget,
};

/* ---- record one ---- */

enum { D_CATEGORY, D_DATE, D_NAME, D_ADDR, D_DESC, D_PURPOSE, D_SUSPEND, D_COUNT };
#define NCAT_MAX 40

typedef struct dadd {
	ui_form_t form; /* first: rv_form_close, rv_form_forget */
	rv_arg_t a;
	const char *cats[NCAT_MAX];
	ui_form_item_t items[D_COUNT];
} dadd_t;

static status_t add_open(ui_t *ui, void *priv, msg_t *m)
{
	dadd_t *p = priv;
	int n = 0;
	status_t ret = STATUS_OK;
	if ((ret = rv_take_arg(ui, &p->a, "No patient.", m)) != STATUS_OK)
		return ret;
	while (n < NCAT_MAX && disclosure_category_name(n)) {
		p->cats[n] = disclosure_category_name(n);
		n++;
	}
	form_choice_item(&p->items[D_CATEGORY], "Kind", p->cats, n, 0);
	p->form.items = p->items;
	p->form.n = D_COUNT;
	p->form.label_w = 22;
	if ((ret = form_text_item(&p->items[D_DATE], "Date (today)", 12, 0, m)) != STATUS_OK ||
	    (ret = form_text_item(&p->items[D_NAME], "Recipient name", RIGHTS_TEXT_MAX, 1, m)) !=
		    STATUS_OK ||
	    (ret = form_text_item(&p->items[D_ADDR], "Recipient address", RIGHTS_TEXT_MAX, 0, m)) !=
		    STATUS_OK ||
	    (ret = form_text_item(&p->items[D_DESC], "What was disclosed", RIGHTS_TEXT_MAX, 1, m)) !=
		    STATUS_OK ||
	    (ret = form_text_item(&p->items[D_PURPOSE], "Purpose", RIGHTS_TEXT_MAX, 0, m)) !=
		    STATUS_OK ||
	    (ret = form_text_item(&p->items[D_SUSPEND], "Suspended until", 12, 0, m)) != STATUS_OK) {
		form_free(&p->form);
		return ret;
	}
	form_clear(&p->form, 1);
	return STATUS_OK;
}

static void add_draw(ui_t *ui, void *priv, WINDOW *w)
{
	dadd_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char head[120], foot[200] = "";
	snprintf(head, sizeof head, "Record a disclosure made outside Chartroom (MRN %s)",
		 p->a.mrn);
	rv_heading(w, head);
	form_draw(ui, &p->form, w, 2, 1, H - 4, W - 2);
	keys_add(ui, foot, sizeof foot, KA_SAVE, "record it");
	keys_add(ui, foot, sizeof foot, KA_RIGHT, "next kind");
	rv_footer(w, foot);
}

static unsigned add_submit(ui_t *ui, void *priv)
{
	dadd_t *p = priv;
	disclosure_t d;
	int64_t n = 0;
	msg_t m;
	memset(&d, 0, sizeof d);
	d.category = p->cats[form_choice(&p->form, D_CATEGORY)];
	d.date = form_text(&p->form, D_DATE);
	d.recipient_name = form_text(&p->form, D_NAME);
	d.recipient_address = form_text(&p->form, D_ADDR);
	d.description = form_text(&p->form, D_DESC);
	d.purpose = form_text(&p->form, D_PURPOSE);
	d.suspended_until = form_text(&p->form, D_SUSPEND);
	ui_busy(ui, "Saving...");
	return rv_saved(ui, disclosure_record(ui_session(ui), p->a.mrn, &d, &n, &m), &m);
}

static unsigned add_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	dadd_t *p = priv;
	return rv_form_keys(ui, &p->form, ev, add_submit, p, NULL, NULL);
}

const struct screen_ops screen_disclosure_add = {
	.title = "Record a disclosure",
	.private_size = sizeof(dadd_t),
	.hints = rv_form_hints,
	.open = add_open,
	.close = rv_form_close,
	.draw = add_draw,
	.handle = add_handle,
	.forget = rv_form_forget,
	.typing = rv_typing,
};

/* ---- strike one (recorded in error) ---- */

enum { S_ENTRY, S_REASON, S_COUNT };

typedef struct dstrike {
	ui_form_t form; /* first: rv_form_close, rv_form_forget */
	rv_arg_t a;
	int armed; /* asked once: saved again to confirm */
	ui_form_item_t items[S_COUNT];
} dstrike_t;

static status_t strike_open(ui_t *ui, void *priv, msg_t *m)
{
	dstrike_t *p = priv;
	status_t ret;
	if ((ret = rv_take_arg(ui, &p->a, "No patient.", m)) != STATUS_OK)
		return ret;
	p->form.items = p->items;
	p->form.n = S_COUNT;
	p->form.label_w = 22;
	if ((ret = form_text_item(&p->items[S_ENTRY], "Entry number (#)", 20, 1, m)) != STATUS_OK ||
	    (ret = form_text_item(&p->items[S_REASON], "Why it was in error", RIGHTS_TEXT_MAX, 1,
				  m)) != STATUS_OK) {
		form_free(&p->form);
		return ret;
	}
	form_clear(&p->form, 1);
	return STATUS_OK;
}

static void strike_draw(ui_t *ui, void *priv, WINDOW *w)
{
	dstrike_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char head[120], foot[200] = "";
	snprintf(head, sizeof head, "Strike a disclosure recorded in error (MRN %s)", p->a.mrn);
	rv_heading(w, head);
	draw_text(w, 1, 1, W - 2,
		  "Nothing is removed: a correction entry is added that strikes the one named.", 0);
	form_draw(ui, &p->form, w, 3, 1, H - 5, W - 2);
	keys_add(ui, foot, sizeof foot, KA_SAVE, "strike it (asks to confirm)");
	keys_add(ui, foot, sizeof foot, KA_BACK, "back");
	rv_footer(w, foot);
}

static unsigned strike_submit(ui_t *ui, void *priv)
{
	dstrike_t *p = priv;
	const char *e = form_text(&p->form, S_ENTRY);
	char *end = NULL;
	long long n;
	int64_t new_n = 0;
	msg_t m;
	if (*e == '#')
		e++;
	n = strtoll(e, &end, 10);
	if (!*e || !end || *end || n <= 0) {
		p->armed = 0;
		ui_message(ui, UI_MSG_ERROR, "Entry number: type the # of the entry to strike.");
		return UI_REDRAW;
	}
	if (!*form_text(&p->form, S_REASON)) {
		p->armed = 0;
		ui_message(ui, UI_MSG_ERROR, "Why it was in error: a reason is required.");
		return UI_REDRAW;
	}
	if (p->armed != 1) {
		p->armed = 1;
		ui_message(ui, UI_MSG_WARN,
			   "Striking disclosure #%lld is final: save again to confirm.",
			   n);
		return UI_REDRAW;
	}
	p->armed = 0;
	ui_busy(ui, "Saving...");
	return rv_saved(ui,
			disclosure_strike_of(ui_session(ui), p->a.mrn, (int64_t)n,
					     form_text(&p->form, S_REASON), &new_n, &m),
			&m);
}

static unsigned strike_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	dstrike_t *p = priv;
	return rv_form_keys(ui, &p->form, ev, strike_submit, p, &p->armed, "Nothing struck.");
}

const struct screen_ops screen_disclosure_strike = {
	.title = "Strike a disclosure",
	.private_size = sizeof(dstrike_t),
	.hints = rv_form_hints,
	.open = strike_open,
	.close = rv_form_close,
	.draw = strike_draw,
	.handle = strike_handle,
	.forget = rv_form_forget,
	.typing = rv_typing,
};
