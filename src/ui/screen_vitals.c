/* screen_vitals.c - record a set of vitals on an encounter: blood
 * pressure, pulse, respiratory rate, temperature, SpO2, height and weight,
 * typed with or without units (the configured ones apply). Core's
 * vitals_record checks every value against its plausibility limits; a
 * refusal comes back with the reason and the field, and the cursor goes
 * there. Holds the banner, the patient's encounters for the choice, and
 * the typed values; all wiped on close and on idle lock. */
#include "ui/screen_vitals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clinical.h"
#include "ui/draw.h"
#include "ui/screen_chart.h"
#include "ui/theme.h"
#include "ui/widget_keys.h"
#include "ui/widget_form.h"

#define ENC_MAX 40 /* the newest encounters offered */

enum { VI_ENC, VI_BP, VI_PULSE, VI_RESP, VI_TEMP, VI_SPO2, VI_HEIGHT, VI_WEIGHT, VI_COUNT };

/* core's names for the fields (vitals_record's *bad) */
static const char *const field_name[VI_COUNT] = {
    "", "bp", "pulse", "resp", "temp", "spo2", "height", "weight",
};

typedef struct vitals {
	ui_banner_t banner;
	int64_t want_erow; /* the encounter asked for, if any */
	int64_t erow[ENC_MAX];
	char enc_buf[ENC_MAX][96];
	const char *encs[ENC_MAX];
	int nenc;
	char labels[3][40];
	ui_form_item_t items[VI_COUNT];
	ui_form_t form;
} vitals_t;

struct enc_ctx {
	vitals_t *v;
	const config_t *cfg;
	int first_open;
};

static int take_enc(const encounter_info_t *e, void *arg)
{
	struct enc_ctx *c = arg;
	vitals_t *v = c->v;
	char when[40], type[48];
	if (v->nenc == ENC_MAX)
		return 1;
	draw_time(when, sizeof when, e->start, c->cfg, "");
	draw_clean(type, sizeof type, e->type);
	snprintf(v->enc_buf[v->nenc], sizeof v->enc_buf[0], "%lld  %.24s  %.30s (%.11s)",
	         (long long)e->erow, when, type, e->status);
	v->encs[v->nenc] = v->enc_buf[v->nenc];
	v->erow[v->nenc] = e->erow;
	if (c->first_open < 0 && strcmp(e->status, "open") == 0)
		c->first_open = v->nenc;
	v->nenc++;
	return 0;
}

/* The encounters to choose from (core audits the listing). */
static status_t read_encounters(ui_t *ui, vitals_t *v, msg_t *m)
{
	struct enc_ctx c = {v, ui_config(ui), -1};
	int sel;
	status_t ret;
	v->nenc = 0;
	if ((ret = encounter_list(ui_session(ui), v->banner.id, take_enc, &c, m)) != STATUS_OK)
		return ret;
	if (v->nenc == 0)
		return msg_fail(m, STATUS_NOTFOUND,
		                "No encounter to record vitals on: check the patient in first.");
	sel = c.first_open >= 0 ? c.first_open : 0;
	for (int i = 0; i < v->nenc; i++)
		if (v->erow[i] == v->want_erow)
			sel = i;
	form_choice_item(&v->items[VI_ENC], "Encounter", v->encs, v->nenc, sel);
	v->items[VI_ENC].required = 1;
	return STATUS_OK;
}

static status_t vitals_open(ui_t *ui, void *priv, msg_t *m)
{
	vitals_t *v = priv;
	const config_t *cfg = ui_config(ui);
	chart_arg_t a;
	status_t ret = STATUS_OK;
	static const char *const label[VI_COUNT] = {
	    "Encounter", "Blood pressure", "Pulse (/min)", "Resp. rate (/min)",
	    NULL,        "SpO2 (%)",       NULL,           NULL,
	};
	if (!chart_arg_get(ui, &a))
		return msg_fail(m, STATUS_INVALID, "No patient.");
	v->banner = a.banner;
	v->want_erow = a.erow;
	explicit_bzero(&a, sizeof a);
	snprintf(v->labels[0], sizeof v->labels[0], "Temperature (%s)",
	         cfg->temp_fahrenheit ? "F" : "C");
	snprintf(v->labels[1], sizeof v->labels[1], "Height (%s)",
	         cfg->height_inches ? "in" : "cm");
	snprintf(v->labels[2], sizeof v->labels[2], "Weight (%s)",
	         cfg->weight_pounds ? "lb" : "kg");
	for (int i = VI_BP; i < VI_COUNT && ret == STATUS_OK; i++) {
		const char *l = label[i]         ? label[i]
		                : i == VI_TEMP   ? v->labels[0]
		                : i == VI_HEIGHT ? v->labels[1]
		                                 : v->labels[2];
		ret = form_text_item(&v->items[i], l, 24, 0, m);
		v->items[i].width = 12;
	}
	v->form.items = v->items;
	v->form.n = VI_COUNT;
	v->form.label_w = 19;
	if (ret == STATUS_OK)
		ret = read_encounters(ui, v, m);
	if (ret != STATUS_OK) {
		form_free(&v->form);
		banner_clear(&v->banner);
	}
	return ret;
}

static void vitals_forget(ui_t *ui, void *priv)
{
	vitals_t *v = priv;
	(void)ui;
	banner_clear(&v->banner);
	form_clear(&v->form, 0);
	explicit_bzero(v->enc_buf, sizeof v->enc_buf);
	v->items[VI_ENC].nchoices = 0;
	v->nenc = 0;
}

static void vitals_close(ui_t *ui, void *priv)
{
	vitals_t *v = priv;
	vitals_forget(ui, priv);
	form_free(&v->form);
}

static status_t vitals_reload(ui_t *ui, void *priv, msg_t *m)
{
	vitals_t *v = priv;
	status_t ret;
	if (!v->banner.loaded && (ret = banner_load(ui, &v->banner, m)) != STATUS_OK)
		return ret;
	return read_encounters(ui, v, m);
}

static int vitals_typing(const void *priv)
{
	(void)priv;
	return 1;
}

static void vitals_draw(ui_t *ui, void *priv, WINDOW *w)
{
	vitals_t *v = priv;
	int W = getmaxx(w), H = getmaxy(w);
	banner_draw(ui, w, 0, &v->banner);
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, BANNER_LINES + 1, 1, W - 2, "Record vitals (leave blank what was not taken)",
	          0);
	wattrset(w, theme_attr(TH_NORMAL));
	form_draw(ui, &v->form, w, BANNER_LINES + 3, 1, H - BANNER_LINES - 5, W - 2);
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, H - 1, 1, W - 2,
	          "Units may be typed: 98.6F 37C 180lb 82kg 70in 178cm 5'10\"; BP as 120/80", 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static unsigned submit(ui_t *ui, vitals_t *v)
{
	vitals_input_t in;
	const char *bad = NULL;
	msg_t m;
	status_t st;
	int any = 0;
	for (int i = VI_BP; i < VI_COUNT; i++)
		any |= form_text(&v->form, i)[0] != '\0';
	if (!any) {
		ui_message(ui, UI_MSG_ERROR, "Nothing to record: type at least one value.");
		return UI_REDRAW;
	}
	in.bp = form_text(&v->form, VI_BP);
	in.pulse = form_text(&v->form, VI_PULSE);
	in.resp = form_text(&v->form, VI_RESP);
	in.temp = form_text(&v->form, VI_TEMP);
	in.spo2 = form_text(&v->form, VI_SPO2);
	in.height = form_text(&v->form, VI_HEIGHT);
	in.weight = form_text(&v->form, VI_WEIGHT);
	ui_busy(ui, "Recording...");
	st = vitals_record(ui_session(ui), v->erow[form_choice(&v->form, VI_ENC)], &in, &bad, &m);
	if (st != STATUS_OK) {
		/* Nothing was saved; the cursor goes to the value core refused. */
		for (int i = VI_BP; bad && i < VI_COUNT; i++)
			if (strcmp(bad, field_name[i]) == 0) {
				v->form.focus = i;
				v->items[i].bad = 1;
			}
		keys_tell(ui, UI_MSG_ERROR, m.text);
		return UI_REDRAW;
	}
	ui_message(ui, UI_MSG_OK, "%s", m.text[0] ? m.text : "Vitals recorded.");
	return UI_BACK | UI_RELOAD;
}

static unsigned vitals_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	vitals_t *v = priv;
	unsigned r;
	if (ev->action == KA_SAVE)
		return submit(ui, v);
	if ((r = form_handle(ui, &v->form, ev)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		return submit(ui, v);
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO, "No vitals recorded.");
		return UI_BACK;
	default:
		return UI_HANDLED;
	}
}

static const struct screen_hint vitals_hints[] = {
    {KA_SAVE, "save"}, {KA_NEXT_FIELD, "next field"}, {KA_BACK, "cancel"}, {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_vitals = {
    .title = "Record vitals",
    .private_size = sizeof(vitals_t),
    .hints = vitals_hints,
    .open = vitals_open,
    .close = vitals_close,
    .draw = vitals_draw,
    .handle = vitals_handle,
    .reload = vitals_reload,
    .forget = vitals_forget,
    .typing = vitals_typing,
};
