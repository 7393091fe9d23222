/* screen_register.c - register a patient: every field of the record but
 * the MRN (Chartroom assigns it) and the confidential flag, in a form that
 * scrolls (widget_pform.h); each field is checked by core as the focus
 * leaves it and all of them again on saving. When core finds likely
 * duplicates (patient_register: STATUS_CONFLICT) the screen shows them with
 * their scores and what matched: Enter opens an existing chart, the add key
 * registers anyway (asks first; core audits the choice), Esc goes back to
 * the form with nothing lost. A registered patient's chart opens in place
 * of the form.
 *
 * Holds what was typed, the record built from it and the candidates; all
 * wiped on close. On idle lock what was typed moves into guarded memory
 * (pform_stash: unreadable while locked) and the rest is wiped; after the
 * same user unlocks it is put back, and on signing off (another user
 * signing on) it is wiped and freed. */
#include "ui/screen_register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/patient.h"
#include "ui/draw.h"
#include "ui/screen_chart.h"
#include "ui/theme.h"
#include "ui/widget_keys.h"
#include "ui/widget_list.h"
#include "ui/widget_pform.h"

typedef enum { RG_FORM, RG_DUPS, RG_ASK_ANYWAY, RG_ASK_CANCEL } reg_mode_t;

typedef struct reg {
	ui_t *ui;
	ui_pform_t form;
	patient_t *p; /* built from the form when saving */
	patient_match_t dups[PATIENT_MATCH_MAX];
	int ndups;
	msg_t why; /* core's words about the duplicates */
	reg_mode_t mode;
	ui_list_t list;
	char *stash; /* what was typed, kept through an idle lock */
} reg_t;

static int dup_count(void *arg)
{
	return ((reg_t *)arg)->ndups;
}

enum { D_SCORE = 1, D_MRN = 8, D_NAME = 20, D_DOB = 46, D_SEX = 58, D_WHY = 62 };

static void dup_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	reg_t *r = arg;
	const patient_match_t *d = &r->dups[i];
	char score[16], dob[32];
	(void)selected;
	snprintf(score, sizeof score, "%5d", d->score);
	patient_date_display(ui_config(r->ui), d->dob, dob, sizeof dob);
	draw_text(w, y, x + D_SCORE, D_MRN - D_SCORE - 1, score, 0);
	draw_text(w, y, x + D_MRN, D_NAME - D_MRN - 1, d->mrn, 0);
	draw_text(w, y, x + D_NAME, D_DOB - D_NAME - 1, d->name, 0);
	draw_text(w, y, x + D_DOB, D_SEX - D_DOB - 1, dob, 0);
	draw_text(w, y, x + D_SEX, D_WHY - D_SEX - 1, d->sex, 0);
	draw_text(w, y, x + D_WHY, width - D_WHY - 1, d->why, 0);
}

static void drop_record(reg_t *r)
{
	if (r->p)
		explicit_bzero(r->p, sizeof *r->p);
	explicit_bzero(r->dups, sizeof r->dups);
	explicit_bzero(&r->why, sizeof r->why);
	r->ndups = 0;
}

static status_t reg_open(ui_t *ui, void *priv, msg_t *m)
{
	reg_t *r = priv;
	status_t ret;
	r->ui = ui;
	r->list.count = dup_count;
	r->list.draw_row = dup_row;
	r->list.arg = r;
	if (!(r->p = calloc(1, sizeof *r->p)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = pform_init(&r->form, ui_config(ui), m)) != STATUS_OK) {
		free(r->p);
		r->p = NULL;
	}
	return ret;
}

/* The idle lock: a half-typed registration is kept (guarded memory),
 * everything else is wiped. */
static void reg_forget(ui_t *ui, void *priv)
{
	reg_t *r = priv;
	session_t *s = ui_session(ui);
	crypto_secure_text_free(r->stash);
	r->stash = s ? pform_stash(&r->form, session_user_name(s)) : NULL;
	pform_clear(&r->form);
	drop_record(r);
	r->mode = RG_FORM;
}

/* After the unlock (the same user: only they can unlock). */
static status_t reg_reload(ui_t *ui, void *priv, msg_t *m)
{
	reg_t *r = priv;
	session_t *s = ui_session(ui);
	char *st = r->stash;
	(void)m;
	r->stash = NULL;
	if (st && s && pform_unstash(&r->form, st, session_user_name(s)))
		ui_message(ui, UI_MSG_OK, "Welcome back, %s: what you typed was kept.",
		           session_user_name(s));
	return STATUS_OK;
}

static void reg_close(ui_t *ui, void *priv)
{
	reg_t *r = priv;
	(void)ui;
	crypto_secure_text_free(r->stash);
	r->stash = NULL;
	pform_clear(&r->form);
	drop_record(r);
	pform_free(&r->form);
	free(r->p);
	r->p = NULL;
}

static int reg_typing(const void *priv)
{
	return ((const reg_t *)priv)->mode == RG_FORM;
}

struct wrap_at {
	WINDOW *w;
	int y, x, width;
};

static void wrap_line(const char *line, int n, void *arg)
{
	struct wrap_at *a = arg;
	draw_text(a->w, a->y + n, a->x, a->width, line, 0);
}

static void reg_draw(ui_t *ui, void *priv, WINDOW *w)
{
	reg_t *r = priv;
	int W = getmaxx(w), H = getmaxy(w), n;
	char line[600], yn[40];
	struct wrap_at at = {w, 0, 1, W - 2};

	if (r->mode == RG_FORM || r->mode == RG_ASK_CANCEL) {
		wattrset(w, theme_attr(TH_HEADING));
		draw_text(w, 0, 1, W - 2,
		          "New patient  (* required; the MRN is assigned on saving)", 0);
		wattrset(w, theme_attr(TH_NORMAL));
		form_draw(ui, &r->form.form, w, 1, 0, H - 2, W - 1);
		line[0] = '\0';
		if (r->mode == RG_ASK_CANCEL) {
			keys_yes_no(ui, yn, sizeof yn);
			snprintf(line, sizeof line,
			         "Cancel this registration and forget what was typed? %s", yn);
			wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
			mvwhline(w, H - 1, 0, ' ', W);
		} else if (form_held(&r->form.form)) {
			/* Refused as it was left: say where the cursor is. */
			char key[16];
			const char *label = form_held(&r->form.form);
			keymap_keys(ui_keymap(ui), KA_NEXT_FIELD, key, sizeof key);
			key[strcspn(key, " ")] = '\0';
			snprintf(line, sizeof line,
			         "Still in %.*s: fix it, or %s again to leave it for now.",
			         strstr(label, " (") ? (int)(strstr(label, " (") - label)
			                             : (int)strlen(label),
			         label, key[0] ? key : "Tab");
			wattrset(w, theme_attr(TH_WARN));
		} else {
			keys_add(ui, line, sizeof line, KA_SAVE, "register");
			keys_add(ui, line, sizeof line, KA_NEXT_FIELD, "next");
			keys_add(ui, line, sizeof line, KA_CLEAR_FIELD, "clear field");
			keys_add(ui, line, sizeof line, KA_BACK, "cancel");
			wattrset(w, theme_attr(TH_HINT));
		}
		draw_text(w, H - 1, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	/* The duplicate warning. */
	wattrset(w, theme_attr(TH_WARN) | A_BOLD);
	draw_text(w, 0, 1, W - 2, "Possible duplicate: is this patient already registered?", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	at.y = 1;
	n = draw_wrap(r->why.text, W - 2, wrap_line, &at);
	banner_name(r->p->f[PF_LAST], r->p->f[PF_FIRST], r->p->f[PF_MIDDLE], r->p->f[PF_SUFFIX],
	            line, sizeof line);
	{
		char dob[32], who[900];
		patient_date_display(ui_config(ui), r->p->f[PF_DOB], dob, sizeof dob);
		snprintf(who, sizeof who, "New: %s  DOB %s  Sex %s", line, dob, r->p->f[PF_SEX]);
		draw_text(w, 1 + n, 1, W - 2, who, 0);
		explicit_bzero(who, sizeof who);
	}
	wattrset(w, theme_attr(TH_HEADING));
	mvwaddstr(w, 3 + n, D_SCORE, "Score");
	mvwaddstr(w, 3 + n, D_MRN, "MRN");
	mvwaddstr(w, 3 + n, D_NAME, "Name");
	mvwaddstr(w, 3 + n, D_DOB, "DOB");
	mvwaddstr(w, 3 + n, D_SEX, "Sex");
	mvwaddstr(w, 3 + n, D_WHY, "Matched on");
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&r->list, w, 4 + n, 0, H - 8 - n, W);
	if (r->ndups > 0) {
		/* What matched, whole, for the selected candidate. */
		snprintf(line, sizeof line, "%s matched on: %s", r->dups[r->list.cur].mrn,
		         r->dups[r->list.cur].why);
		at.y = H - 3;
		wattrset(w, theme_attr(TH_HEADING));
		draw_wrap(line, W - 2, wrap_line, &at);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	line[0] = '\0';
	if (r->mode == RG_ASK_ANYWAY) {
		keys_yes_no(ui, yn, sizeof yn);
		snprintf(line, sizeof line,
		         "Register as a new patient anyway? The choice is recorded. %s", yn);
		wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
		mvwhline(w, H - 1, 0, ' ', W);
	} else {
		keys_add(ui, line, sizeof line, KA_SELECT, "open that chart");
		keys_add(ui, line, sizeof line, KA_ADD, "register anyway");
		keys_add(ui, line, sizeof line, KA_BACK, "back to the form");
		wattrset(w, theme_attr(TH_HINT));
	}
	draw_text(w, H - 1, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

/* Registered: the new chart replaces the form. */
static unsigned registered(ui_t *ui, reg_t *r, const msg_t *m)
{
	chart_arg_t a;
	memset(&a, 0, sizeof a);
	snprintf(a.banner.id, sizeof a.banner.id, "%s", r->p->id);
	ui_message(ui, UI_MSG_OK, "%s", m->text);
	ui_replace_arg(ui, &screen_chart, &a, sizeof a);
	drop_record(r);
	return UI_REDRAW;
}

static unsigned submit(ui_t *ui, reg_t *r, int anyway)
{
	session_t *s = ui_session(ui);
	pfield_t bad = PF_COUNT;
	msg_t m, m2;
	status_t st;
	if (!anyway) {
		if (form_check(ui, &r->form.form))
			return UI_REDRAW;
		memset(r->p, 0, sizeof *r->p);
		pform_to_patient(&r->form, r->p);
	}
	ui_busy(ui, "Registering...");
	st = patient_register(s, r->p, anyway, &bad, &m);
	switch (st) {
	case STATUS_OK:
		return registered(ui, r, &m);
	case STATUS_CONFLICT:
		r->why = m;
		r->ndups = 0;
		if (patient_find_duplicates(s, r->p, r->dups, PATIENT_MATCH_MAX, &r->ndups, &m2) !=
		    STATUS_OK) {
			keys_tell(ui, UI_MSG_ERROR, m2.text);
			return UI_REDRAW;
		}
		r->list.cur = r->list.top = 0;
		r->mode = RG_DUPS;
		ui_message(ui, UI_MSG_WARN, "%s", m.text);
		return UI_REDRAW;
	default:
		r->mode = RG_FORM;
		if (bad != PF_COUNT)
			pform_focus_field(&r->form, bad);
		keys_tell(ui, UI_MSG_ERROR, m.text);
		return UI_REDRAW;
	}
}

static int anything_typed(const reg_t *r)
{
	for (int i = 0; i < PFORM_CONFIDENTIAL; i++)
		if (form_text(&r->form.form, i)[0])
			return 1;
	return r->form.items[PFORM_CONFIDENTIAL].choice != 0;
}

static unsigned reg_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	reg_t *r = priv;
	unsigned res;
	switch (r->mode) {
	case RG_FORM:
		if (ev->action == KA_SAVE)
			return submit(ui, r, 0);
		if ((res = form_handle(ui, &r->form.form, ev)) != UI_IGNORED)
			return res;
		if (ev->action == KA_SELECT)
			return submit(ui, r, 0);
		if (ev->action == KA_BACK) {
			if (!anything_typed(r)) {
				ui_message(ui, UI_MSG_INFO, "Nobody was registered.");
				return UI_BACK;
			}
			r->mode = RG_ASK_CANCEL;
			return UI_REDRAW;
		}
		return UI_HANDLED;
	case RG_ASK_CANCEL:
		if (ev->action == KA_YES) {
			ui_message(ui, UI_MSG_INFO, "Nobody was registered.");
			return UI_BACK;
		}
		if (ev->action == KA_NO || ev->action == KA_BACK)
			r->mode = RG_FORM;
		return UI_REDRAW;
	case RG_ASK_ANYWAY:
		if (ev->action == KA_YES)
			return submit(ui, r, 1);
		if (ev->action == KA_NO || ev->action == KA_BACK)
			r->mode = RG_DUPS;
		return UI_REDRAW;
	case RG_DUPS:
		if ((res = list_handle(&r->list, ev->action)) != UI_IGNORED)
			return res;
		switch (ev->action) {
		case KA_SELECT:
			if (r->ndups > 0)
				chart_open(ui, r->dups[r->list.cur].id, 0);
			return UI_REDRAW;
		case KA_ADD:
			r->mode = RG_ASK_ANYWAY;
			return UI_REDRAW;
		case KA_BACK:
		case KA_QUIT:
			r->mode = RG_FORM;
			ui_message(ui, UI_MSG_INFO, "Back to the form; nothing was registered.");
			return UI_REDRAW;
		default:
			return UI_HANDLED;
		}
	}
	return UI_IGNORED;
}

static const struct screen_hint reg_hints[] = {
    {KA_SAVE, "register"}, {KA_NEXT_FIELD, "next field"}, {KA_BACK, "cancel"}, {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_register = {
    .title = "Register a patient",
    .private_size = sizeof(reg_t),
    .hints = reg_hints,
    .open = reg_open,
    .close = reg_close,
    .draw = reg_draw,
    .handle = reg_handle,
    .reload = reg_reload,
    .forget = reg_forget,
    .typing = reg_typing,
};
