/* widget_pform.c - the patient record's inputs and their checks. */
#include "ui/widget_pform.h"

#include <stdio.h>
#include <string.h>

#include "core/crypto.h"

static const char *const yes_no[] = {"no", "yes"};

/* Input i shows field i + 1 (the MRN, field 0, is never typed). */
static pfield_t field_of(int i)
{
	return i >= 0 && i < PFORM_CONFIDENTIAL ? (pfield_t)(i + 1) : PF_COUNT;
}

static const char *heading_of(pfield_t f)
{
	switch (f) {
	case PF_LAST:
		return "Patient";
	case PF_ADDR1:
		return "Address";
	case PF_PHONE_HOME:
		return "Contact";
	case PF_SSN:
		return "Other";
	case PF_PAYER:
		return "Insurance";
	case PF_EC_NAME:
		return "Emergency contact";
	case PF_DEATH:
		return "Record";
	default:
		return NULL;
	}
}

/* Show a stored ISO date in the display format (as typed otherwise). */
static void shown(const ui_pform_t *pf, pfield_t f, const char *value, char *out, size_t size)
{
	if ((f == PF_DOB || f == PF_DEATH) && value[0])
		patient_date_display(pf->cfg, value, out, size);
	else
		snprintf(out, size, "%s", value);
}

/* The leave check: core validates and normalises one field. Empty passes
 * here; a required field left empty is named when saving. */
static int pform_leave(ui_t *ui, ui_form_t *f, int i, void *arg)
{
	ui_pform_t *pf = arg;
	pfield_t fld = field_of(i);
	char out[PATIENT_FIELD_MAX], disp[PATIENT_FIELD_MAX];
	msg_t m;
	int refused = 0;
	if (fld == PF_COUNT || !form_text(f, i)[0])
		return 0;
	if (patient_normalize_field(pf->cfg, fld, form_text(f, i), out, &m) != STATUS_OK) {
		ui_message(ui, UI_MSG_ERROR, "%s", m.text);
		refused = 1;
	} else {
		shown(pf, fld, out, disp, sizeof disp);
		if (strcmp(disp, form_text(f, i)) != 0)
			form_set(f, i, disp);
	}
	explicit_bzero(out, sizeof out);
	explicit_bzero(disp, sizeof disp);
	return refused;
}

status_t pform_init(ui_pform_t *pf, const config_t *cfg, msg_t *m)
{
	status_t ret;
	memset(pf, 0, sizeof *pf);
	pf->cfg = cfg;
	for (int i = 0; i < PFORM_CONFIDENTIAL; i++) {
		pfield_t f = field_of(i);
		if ((ret = form_text_item(&pf->items[i], patient_field_label(f), PATIENT_FIELD_MAX,
		                          patient_field_required(f), m)) != STATUS_OK) {
			pf->form.items = pf->items;
			pf->form.n = i;
			form_free(&pf->form);
			return ret;
		}
		pf->items[i].heading = heading_of(f);
		pf->items[i].width = patient_field_max(f);
		pf->items[i].mask = f == PF_SSN;
	}
	form_choice_item(&pf->items[PFORM_CONFIDENTIAL], "Confidential", yes_no, 2, 0);
	pf->form.items = pf->items;
	pf->form.n = PFORM_N;
	pf->form.label_w = 19;
	pf->form.leave = pform_leave;
	pf->form.arg = pf;
	return STATUS_OK;
}

void pform_free(ui_pform_t *pf)
{
	form_free(&pf->form);
}

void pform_clear(ui_pform_t *pf)
{
	form_clear(&pf->form, 1);
}

void pform_from_patient(ui_pform_t *pf, const patient_t *p)
{
	char disp[PATIENT_FIELD_MAX];
	for (int i = 0; i < PFORM_CONFIDENTIAL; i++) {
		pfield_t f = field_of(i);
		shown(pf, f, p->f[f], disp, sizeof disp);
		form_set(&pf->form, i, disp);
		pf->items[i].bad = 0;
	}
	pf->items[PFORM_CONFIDENTIAL].choice = p->confidential ? 1 : 0;
	explicit_bzero(disp, sizeof disp);
}

void pform_to_patient(const ui_pform_t *pf, patient_t *p)
{
	for (int i = 0; i < PFORM_CONFIDENTIAL; i++) {
		pfield_t f = field_of(i);
		snprintf(p->f[f], sizeof p->f[f], "%s", form_text(&pf->form, i));
	}
	p->confidential = pf->items[PFORM_CONFIDENTIAL].choice == 1;
}

void pform_focus_field(ui_pform_t *pf, pfield_t f)
{
	if (f == PF_COUNT || f == PF_MRN)
		return;
	form_focus_bad(&pf->form, (int)f - 1);
}

/* The stash: the user's name, then each input's text, NUL-terminated,
 * then the flag and the focus. */
#define STASH_SIZE (96 + PFORM_CONFIDENTIAL * PATIENT_FIELD_MAX + 16)

char *pform_stash(ui_pform_t *pf, const char *user)
{
	char *st = NULL;
	size_t o = 0;
	int typed = pf->items[PFORM_CONFIDENTIAL].choice != 0;
	for (int i = 0; i < PFORM_CONFIDENTIAL; i++)
		typed |= form_text(&pf->form, i)[0] != '\0';
	if (typed && strlen(user) < 96 && (st = crypto_secure_text(STASH_SIZE))) {
		o = strlen(user) + 1;
		memcpy(st, user, o);
		for (int i = 0; i < PFORM_CONFIDENTIAL; i++) {
			size_t n = strlen(form_text(&pf->form, i)) + 1;
			memcpy(st + o, form_text(&pf->form, i), n); /* < PATIENT_FIELD_MAX */
			o += n;
		}
		st[o++] = (char)pf->items[PFORM_CONFIDENTIAL].choice;
		st[o++] = (char)pf->form.focus;
		if (crypto_secure_text_hide(st) != 0) {
			crypto_secure_text_free(st);
			st = NULL;
		}
	}
	pform_clear(pf);
	return st;
}

int pform_unstash(ui_pform_t *pf, char *stash, const char *user)
{
	size_t o;
	int ok;
	if (!stash)
		return 0;
	ok = crypto_secure_text_show(stash) == 0 && strcmp(stash, user) == 0;
	if (ok) {
		pform_clear(pf);
		o = strlen(stash) + 1;
		for (int i = 0; i < PFORM_CONFIDENTIAL; i++) {
			form_set(&pf->form, i, stash + o);
			o += strlen(stash + o) + 1;
		}
		pf->items[PFORM_CONFIDENTIAL].choice = stash[o++] ? 1 : 0;
		pf->form.focus = stash[o] >= 0 && stash[o] < PFORM_N ? stash[o] : 0;
	}
	crypto_secure_text_free(stash);
	return ok;
}
