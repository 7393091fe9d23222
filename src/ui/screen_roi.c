/* screen_roi.c - release of information: the list of requests (Tab
 * cycles the filter: open, overdue, all), a form for a new one (a), the
 * details of the selected one (Enter) and its actions (x: release to a
 * file, extend with a reason, deny with a reason, withdraw), and from the
 * details (e) an edit of what it says, as `roi update` changes it. Everything
 * goes through core/roi.h, which checks roi_manage. Overdue requests are
 * drawn in the alert colour and say OVERDUE (monochrome too). Rows and
 * details are copies, wiped on close and at the idle lock. */
#include "ui/screen_roi.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/rights.h"
#include "core/roi.h"
#include "ui/draw.h"
#include "ui/rights_view.h"
#include "ui/widget_form.h"
#include "ui/widget_keys.h"

#define ROWS_MAX 500

extern const struct screen_ops screen_roi_edit;

static const char *const filters[] = {"open", "overdue", ""};
static const char *const filter_names[] = {"open requests", "overdue requests", "all requests"};

typedef struct row {
	int64_t n;
	char mrn[24], name[64], status[24], requester[24], due[11], days[32];
	int overdue, open;
} row_t;

typedef struct roi_screen {
	row_t rows[ROWS_MAX];
	int nrows, filter;
	ui_list_t list;
} roi_screen_t;

static int rows_count(void *arg)
{
	return ((roi_screen_t *)arg)->nrows;
}

static void rows_draw(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	roi_screen_t *r = arg;
	row_t *o = &r->rows[i];
	char line[256];
	snprintf(line, sizeof line, "%4" PRId64 " %-10.10s %-17.17s %-14.14s %-10s %s", o->n,
		 o->mrn, o->name, o->status, o->due, o->days);
	if (o->overdue && !selected)
		wattrset(w, theme_attr(TH_ALERT));
	draw_text(w, y, x, width, line, 0);
	if (o->overdue && !selected)
		wattrset(w, theme_attr(TH_NORMAL));
}

static int take_row(const roi_info_t *i, void *arg)
{
	roi_screen_t *r = arg;
	row_t *o;
	if (r->nrows >= ROWS_MAX)
		return 1;
	o = &r->rows[r->nrows++];
	o->n = i->n;
	text_copy(o->mrn, sizeof o->mrn, i->mrn);
	text_copy(o->name, sizeof o->name, i->patient_name);
	text_copy(o->status, sizeof o->status, i->status);
	text_copy(o->requester, sizeof o->requester, i->requester_kind);
	text_copy(o->due, sizeof o->due, i->due);
	if (i->open)
		rights_days_text(i->days_left, o->days, sizeof o->days);
	else
		snprintf(o->days, sizeof o->days, "closed %s", i->closed_on);
	o->overdue = i->overdue;
	o->open = i->open;
	return 0;
}

static status_t roi_reload(ui_t *ui, void *priv, msg_t *m)
{
	roi_screen_t *r = priv;
	sodium_memzero(r->rows, sizeof r->rows);
	r->nrows = 0;
	status_t st = roi_list(ui_session(ui), NULL, filters[r->filter], take_row, r, m);
	list_clamp(&r->list);
	return st;
}

static status_t roi_open(ui_t *ui, void *priv, msg_t *m)
{
	roi_screen_t *r = priv;
	r->list.count = rows_count;
	r->list.draw_row = rows_draw;
	r->list.arg = r;
	r->list.empty = "No requests. a: log a new one.";
	return roi_reload(ui, priv, m);
}

static void roi_forget(ui_t *ui, void *priv)
{
	roi_screen_t *r = priv;
	(void)ui;
	sodium_memzero(r->rows, sizeof r->rows);
	r->nrows = 0;
}

static void roi_draw(ui_t *ui, void *priv, WINDOW *w)
{
	roi_screen_t *r = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char head[160];
	wattrset(w, theme_attr(TH_HEADING));
	snprintf(head, sizeof head, "Release of information: %s (%d)", filter_names[r->filter],
		 r->nrows);
	draw_text(w, 0, 1, W - 2, head, 0);
	draw_text(w, 1, 1, W - 2,
		  "   # MRN        Patient           Status         Due        Days",
		  0);
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&r->list, w, 2, 1, H - 4, W - 2);
	rv_list_footer(ui, w, "release/extend/deny");
}

extern const struct screen_ops screen_roi_new, screen_roi_detail, screen_roi_act;

static unsigned roi_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	roi_screen_t *r = priv;
	msg_t m;
	unsigned f = list_handle(&r->list, ev->action);
	if (f != UI_IGNORED)
		return f;
	if (ev->action == KA_NEXT_FIELD) {
		r->filter = (r->filter + 1) % 3;
		if (roi_reload(ui, priv, &m) != STATUS_OK)
			ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		return UI_REDRAW;
	}
	return rv_list_keys(ui, ev->action, r->nrows ? &r->rows[r->list.cur].n : NULL,
			    &screen_roi_new, &screen_roi_detail, &screen_roi_act);
}

const struct screen_ops screen_roi = {
	.title = "Release of information",
	.private_size = sizeof(roi_screen_t),
	.hints = rv_list_hints,
	.open = roi_open,
	.draw = roi_draw,
	.handle = roi_handle,
	.reload = roi_reload,
	.forget = roi_forget,
	.close = roi_forget,
};

/* ---- a new request ---- */

static const char *const requesters[] = {ROI_REQUESTERS};
static const char *const auths[] = {"pending", "on_file", "not_required"};
enum {
	N_MRN, N_KIND, N_RNAME, N_RECIP, N_ADDR, N_PURPOSE, N_AUTH, N_SIGNED, N_EXPIRES, N_BASIS,
	N_SECTIONS, N_START, N_END, N_RECEIVED, N_FEE, N_COUNT
};

typedef struct roi_new {
	ui_form_t form; /* first: rv_form_close, rv_form_forget */
	ui_form_item_t items[N_COUNT];
} roi_new_t;

static status_t new_open(ui_t *ui, void *priv, msg_t *m)
{
	roi_new_t *p = priv;
	static const struct {
		int i;
		const char *label;
		size_t cap;
		int req;
	} t[] = {{N_MRN, "Patient MRN", 24, 1},
		 {N_RNAME, "Requester name", RIGHTS_TEXT_MAX, 0},
		 {N_RECIP, "Recipient name", RIGHTS_TEXT_MAX, 1},
		 {N_ADDR, "Recipient address", RIGHTS_TEXT_MAX, 0},
		 {N_PURPOSE, "Purpose", RIGHTS_TEXT_MAX, 0},
		 {N_SIGNED, "Authorization signed", 12, 0},
		 {N_EXPIRES, "Authorization expires", 12, 0},
		 {N_BASIS, "Legal basis (no auth.)", RIGHTS_TEXT_MAX, 0},
		 {N_SECTIONS, "Sections (or all)", 120, 0},
		 {N_START, "Period from", 12, 0},
		 {N_END, "Period to", 12, 0},
		 {N_RECEIVED, "Received (today)", 12, 0},
		 {N_FEE, "Fee", 12, 0}};
	status_t ret = STATUS_OK;
	(void)ui;
	form_choice_item(&p->items[N_KIND], "Requester kind", requesters,
			 (int)(sizeof requesters / sizeof requesters[0]), 0);
	form_choice_item(&p->items[N_AUTH], "Authorization", auths, 3, 0);
	for (size_t i = 0; i < sizeof t / sizeof t[0] && ret == STATUS_OK; i++)
		ret = form_text_item(&p->items[t[i].i], t[i].label, t[i].cap, t[i].req, m);
	p->form.items = p->items;
	p->form.n = N_COUNT;
	p->form.label_w = 24;
	if (ret != STATUS_OK) {
		form_free(&p->form);
		return ret;
	}
	form_clear(&p->form, 1);
	form_set(&p->form, N_SECTIONS, "all");
	return STATUS_OK;
}

static void new_draw(ui_t *ui, void *priv, WINDOW *w)
{
	roi_new_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char foot[200] = "";
	rv_heading(w, "Log a release-of-information request (due in 30 days)");
	form_draw(ui, &p->form, w, 2, 1, H - 4, W - 2);
	keys_add(ui, foot, sizeof foot, KA_SAVE, "log it");
	keys_add(ui, foot, sizeof foot, KA_RIGHT, "next choice");
	rv_footer(w, foot);
}

static const char *opt(const ui_form_t *f, int i)
{
	const char *t = form_text(f, i);
	return t && *t ? t : NULL;
}

static unsigned new_submit(ui_t *ui, void *priv)
{
	roi_new_t *p = priv;
	roi_input_t in;
	int64_t n = 0;
	msg_t m;
	memset(&in, 0, sizeof in);
	in.requester_kind = requesters[form_choice(&p->form, N_KIND)];
	in.auth = auths[form_choice(&p->form, N_AUTH)];
	in.requester_name = form_text(&p->form, N_RNAME);
	in.recipient_name = form_text(&p->form, N_RECIP);
	in.recipient_address = form_text(&p->form, N_ADDR);
	in.purpose = form_text(&p->form, N_PURPOSE);
	in.auth_signed = opt(&p->form, N_SIGNED);
	in.auth_expires = opt(&p->form, N_EXPIRES);
	in.legal_basis = form_text(&p->form, N_BASIS);
	in.sections = opt(&p->form, N_SECTIONS);
	in.from_date = opt(&p->form, N_START);
	in.to_date = opt(&p->form, N_END);
	in.received = opt(&p->form, N_RECEIVED);
	in.fee = opt(&p->form, N_FEE);
	ui_busy(ui, "Saving...");
	return rv_saved(ui, roi_add(ui_session(ui), form_text(&p->form, N_MRN), &in, &n, &m), &m);
}

static unsigned new_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	roi_new_t *p = priv;
	return rv_form_keys(ui, &p->form, ev, new_submit, p, NULL, "Not logged.");
}

const struct screen_ops screen_roi_new = {
	.title = "New ROI request",
	.private_size = sizeof(roi_new_t),
	.hints = rv_form_hints,
	.open = new_open,
	.close = rv_form_close,
	.draw = new_draw,
	.handle = new_handle,
	.forget = rv_form_forget,
	.typing = rv_typing,
};

/* ---- details ---- */

static int detail_take(const roi_info_t *r, void *arg)
{
	rv_page_t *p = arg;
	char days[32];
	rights_days_text(r->days_left, days, sizeof days);
	rv_add(p, TH_HEADING, "ROI request %" PRId64 " - %s", r->n, r->status);
	rv_add(p, TH_NORMAL, "Patient: %s (MRN %s)", r->patient_name, r->mrn);
	rv_add(p, TH_NORMAL, "Requester: %s  %s", r->requester_kind, r->requester_name);
	rv_wrap(p, "Recipient", r->recipient_name);
	rv_wrap(p, "Address", r->recipient_address);
	rv_wrap(p, "Purpose", r->purpose);
	rv_add(p, TH_NORMAL, "Authorization: %s %s%s %s%s", r->auth,
	       r->auth_signed[0] ? "signed " : "", r->auth_signed,
	       r->auth_expires[0] ? "expires " : "", r->auth_expires);
	rv_wrap(p, "Legal basis", r->legal_basis);
	rv_add(p, TH_NORMAL, "Sections: %s", r->sections);
	if (r->from_date[0] || r->to_date[0])
		rv_add(p, TH_NORMAL, "Period: %s to %s", r->from_date[0] ? r->from_date : "start",
		       r->to_date[0] ? r->to_date : "now");
	rv_add(p, TH_NORMAL, "Received: %s", r->received);
	rv_add(p, r->overdue ? TH_ALERT : TH_NORMAL, "Due: %s (%s)%s", r->due,
	       r->open ? days : "closed", r->extended ? " - extended" : "");
	rv_wrap(p, "Extension reason", r->extension_reason);
	rv_wrap(p, "Denial reason", r->denial_reason);
	rv_add(p, TH_NORMAL, "Fee: %" PRId64 ".%02" PRId64 "   Accounting category: %s",
	       r->fee_cents / 100, r->fee_cents % 100, r->category);
	if (r->disclosure)
		rv_add(p, TH_OK, "Released %s to %s; disclosure %" PRId64, r->closed_on, r->file,
		       r->disclosure);
	rv_add(p, TH_NORMAL, "Logged %.10s by %s", r->logged_at, r->logged_by);
	return 0;
}

static status_t detail_reload(ui_t *ui, void *priv, msg_t *m)
{
	rv_detail_t *d = priv;
	rv_clear(&d->page);
	return roi_get(ui_session(ui), d->a.n, detail_take, &d->page, m);
}

static status_t detail_open(ui_t *ui, void *priv, msg_t *m)
{
	status_t ret = rv_detail_open(ui, priv, "No request.", m);
	return ret != STATUS_OK ? ret : detail_reload(ui, priv, m);
}

static void detail_draw(ui_t *ui, void *priv, WINDOW *w)
{
	rv_detail_draw(ui, priv, w, "release/extend/deny/withdraw; e edit");
}

static unsigned detail_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	rv_detail_t *d = priv;
	/* e: change what the request says (roi update). */
	if (ev->action == KA_EDIT) {
		ui_open_arg(ui, &screen_roi_edit, &d->a, sizeof d->a);
		return UI_REDRAW;
	}
	return rv_detail_handle(ui, priv, ev, &screen_roi_act);
}

static const struct screen_hint detail_hints[] = {
    {KA_SET_STATUS, "act"}, {KA_EDIT, "edit"}, {KA_BACK, "back"}, {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_roi_detail = {
	.title = "ROI request",
	.private_size = sizeof(rv_detail_t),
	.hints = detail_hints,
	.open = detail_open,
	.draw = detail_draw,
	.handle = detail_handle,
	.reload = detail_reload,
	.forget = rv_detail_forget,
	.close = rv_detail_forget,
};

/* ---- actions ---- */

static const char *const actions[] = {"release", "extend", "deny", "withdraw", "in_process"};
enum { A_ACTION, A_TEXT, A_COUNT };

typedef struct roi_act {
	ui_form_t form; /* first: rv_form_close, rv_form_forget */
	rv_arg_t a;
	int armed; /* 1 + the closing action asked once (deny, withdraw): asked again to confirm */
	ui_form_item_t items[A_COUNT];
} roi_act_t;

static status_t act_open(ui_t *ui, void *priv, msg_t *m)
{
	roi_act_t *p = priv;
	status_t ret;
	if ((ret = rv_take_arg(ui, &p->a, "No request.", m)) != STATUS_OK)
		return ret;
	form_choice_item(&p->items[A_ACTION], "Action", actions, 5, 0);
	if ((ret = form_text_item(&p->items[A_TEXT], "File (release) or reason", RIGHTS_TEXT_MAX, 0,
				  m)) != STATUS_OK)
		return ret;
	p->form.items = p->items;
	p->form.n = A_COUNT;
	p->form.label_w = 26;
	form_clear(&p->form, 1);
	return STATUS_OK;
}

static void act_draw(ui_t *ui, void *priv, WINDOW *w)
{
	roi_act_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char head[120], foot[200] = "";
	snprintf(head, sizeof head, "ROI request %" PRId64 ": what to do", p->a.n);
	rv_heading(w, head);
	draw_text(w, 1, 1, W - 2,
		  "release: the sections go to a new file (0600) and the disclosure is recorded",
		  0);
	form_draw(ui, &p->form, w, 3, 1, H - 5, W - 2);
	keys_add(ui, foot, sizeof foot, KA_SAVE, "do it");
	keys_add(ui, foot, sizeof foot, KA_RIGHT, "next action");
	rv_footer(w, foot);
}

static unsigned act_submit(ui_t *ui, void *priv)
{
	roi_act_t *p = priv;
	session_t *s = ui_session(ui);
	const char *t = form_text(&p->form, A_TEXT);
	int64_t dn = 0;
	msg_t m;
	status_t st;
	int act = form_choice(&p->form, A_ACTION);
	if ((act == 2 || act == 3) && p->armed != act + 1) {
		p->armed = act + 1;
		ui_message(ui, UI_MSG_WARN, "%s request %" PRId64 " closes it for good: save again to "
					    "confirm.",
			   act == 2 ? "Denying" : "Withdrawing", p->a.n);
		return UI_REDRAW;
	}
	p->armed = 0;
	ui_busy(ui, "Working...");
	switch (act) {
	case 0:
		st = roi_release(s, p->a.n, t, &dn, &m);
		break;
	case 1:
		st = roi_extend(s, p->a.n, t, &m);
		break;
	case 2:
		st = roi_deny(s, p->a.n, t, &m);
		break;
	case 3:
		st = roi_update(s, p->a.n, NULL, "withdrawn", &m);
		break;
	default:
		st = roi_update(s, p->a.n, NULL, "in_process", &m);
		break;
	}
	return rv_saved(ui, st, &m);
}

static unsigned act_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	roi_act_t *p = priv;
	return rv_form_keys(ui, &p->form, ev, act_submit, p, &p->armed, NULL);
}

const struct screen_ops screen_roi_act = {
	.title = "ROI request: action",
	.private_size = sizeof(roi_act_t),
	.hints = rv_form_hints,
	.open = act_open,
	.close = rv_form_close,
	.draw = act_draw,
	.handle = act_handle,
	.forget = rv_form_forget,
	.typing = rv_typing,
};

/* ---- edit a request (what `roi update` changes) ---- */

typedef struct roi_edit {
	/* roi_new_t's layout first: new_open makes the same inputs. */
	ui_form_t form; /* first: rv_form_close, rv_form_forget */
	ui_form_item_t items[N_COUNT];
	rv_arg_t a;
	char status[24], mrn[24];
} roi_edit_t;
_Static_assert(offsetof(roi_edit_t, items) == offsetof(roi_new_t, items),
	       "new_open fills an edit form as a new one");

static int choice_of(const char *const *list, int n, const char *v)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], v) == 0)
			return i;
	return 0;
}

/* The request as it stands, into the form. */
static int edit_fill(const roi_info_t *r, void *arg)
{
	roi_edit_t *p = arg;
	char fee[32];
	text_copy(p->status, sizeof p->status, r->status);
	text_copy(p->mrn, sizeof p->mrn, r->mrn);
	form_set(&p->form, N_MRN, r->mrn);
	p->items[N_KIND].choice = choice_of(requesters, (int)(sizeof requesters / sizeof requesters[0]),
					    r->requester_kind);
	p->items[N_AUTH].choice = choice_of(auths, 3, r->auth);
	form_set(&p->form, N_RNAME, r->requester_name);
	form_set(&p->form, N_RECIP, r->recipient_name);
	form_set(&p->form, N_ADDR, r->recipient_address);
	form_set(&p->form, N_PURPOSE, r->purpose);
	form_set(&p->form, N_SIGNED, r->auth_signed);
	form_set(&p->form, N_EXPIRES, r->auth_expires);
	form_set(&p->form, N_BASIS, r->legal_basis);
	form_set(&p->form, N_SECTIONS, r->sections);
	form_set(&p->form, N_START, r->from_date);
	form_set(&p->form, N_END, r->to_date);
	form_set(&p->form, N_RECEIVED, r->received);
	snprintf(fee, sizeof fee, "%" PRId64 ".%02" PRId64, r->fee_cents / 100, r->fee_cents % 100);
	form_set(&p->form, N_FEE, fee);
	return 0;
}

static status_t edit_open(ui_t *ui, void *priv, msg_t *m)
{
	roi_edit_t *p = priv;
	status_t ret;
	if ((ret = rv_take_arg(ui, &p->a, "No request.", m)) != STATUS_OK)
		return ret;
	/* The same inputs as a new request; the patient is shown, not changed. */
	if ((ret = new_open(ui, priv, m)) != STATUS_OK)
		return ret;
	if ((ret = roi_get(ui_session(ui), p->a.n, edit_fill, p, m)) != STATUS_OK) {
		form_free(&p->form);
		return ret;
	}
	p->form.focus = N_KIND;
	return STATUS_OK;
}

static void edit_draw(ui_t *ui, void *priv, WINDOW *w)
{
	roi_edit_t *p = priv;
	int W = getmaxx(w), H = getmaxy(w);
	char head[120], foot[200] = "";
	snprintf(head, sizeof head, "Edit ROI request %" PRId64 " (%s)", p->a.n, p->status);
	rv_heading(w, head);
	form_draw(ui, &p->form, w, 2, 1, H - 4, W - 2);
	keys_add(ui, foot, sizeof foot, KA_SAVE, "save the changes");
	keys_add(ui, foot, sizeof foot, KA_RIGHT, "next choice");
	keys_add(ui, foot, sizeof foot, KA_BACK, "back, unchanged");
	rv_footer(w, foot);
}

static unsigned edit_submit(ui_t *ui, void *priv)
{
	roi_edit_t *p = priv;
	roi_input_t in;
	msg_t m;
	/* The patient is not the request's to change. */
	if (strcmp(form_text(&p->form, N_MRN), p->mrn) != 0) {
		ui_message(ui, UI_MSG_ERROR, "Patient MRN: a request stays with its patient.");
		return UI_REDRAW;
	}
	memset(&in, 0, sizeof in);
	in.requester_kind = requesters[form_choice(&p->form, N_KIND)];
	in.auth = auths[form_choice(&p->form, N_AUTH)];
	in.requester_name = form_text(&p->form, N_RNAME);
	in.recipient_name = form_text(&p->form, N_RECIP);
	in.recipient_address = form_text(&p->form, N_ADDR);
	in.purpose = form_text(&p->form, N_PURPOSE);
	in.auth_signed = opt(&p->form, N_SIGNED);
	in.auth_expires = opt(&p->form, N_EXPIRES);
	in.legal_basis = form_text(&p->form, N_BASIS);
	in.sections = opt(&p->form, N_SECTIONS);
	in.from_date = opt(&p->form, N_START);
	in.to_date = opt(&p->form, N_END);
	in.received = opt(&p->form, N_RECEIVED);
	in.fee = opt(&p->form, N_FEE);
	ui_busy(ui, "Saving...");
	return rv_saved(ui, roi_update(ui_session(ui), p->a.n, &in, NULL, &m), &m);
}

static unsigned edit_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	roi_edit_t *p = priv;
	return rv_form_keys(ui, &p->form, ev, edit_submit, p, NULL, "Not changed.");
}

const struct screen_ops screen_roi_edit = {
	.title = "Edit ROI request",
	.private_size = sizeof(roi_edit_t),
	.hints = rv_form_hints,
	.open = edit_open,
	.close = rv_form_close,
	.draw = edit_draw,
	.handle = edit_handle,
	.forget = rv_form_forget,
	.typing = rv_typing,
};
