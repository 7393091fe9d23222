/* roi_write.c - the text of a release (core/roi_write.h). */
#include "core/roi_write.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/amendment.h"
#include "core/clinical.h"
#include "core/patient.h"

typedef struct wctx {
	session_t *s;
	FILE *f;
	const db_request_t *r;
	int count;
	status_t ret;
	msg_t *m;
} wctx_t;

/* Text from the database as one clean line. */
static void put(FILE *f, const char *label, const char *v)
{
	if (!v || !*v)
		return;
	text_fprintf(f, TEXT_LINE, "  %s: %s\n", label, v);
}

static int in_range(const wctx_t *c, const char *when)
{
	char d[11];
	if (!when || !*when)
		return 1;
	text_copy(d, sizeof d, when);
	if (c->r->from_date[0] && strcmp(d, c->r->from_date) < 0)
		return 0;
	if (c->r->to_date[0] && strcmp(d, c->r->to_date) > 0)
		return 0;
	return 1;
}

static int want(const wctx_t *c, const char *section)
{
	char list[200], *tok, *save = NULL;
	text_copy(list, sizeof list, c->r->parts);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, section) == 0)
			return 1;
	return 0;
}

static int item_one(const chart_item_t *it, void *arg)
{
	wctx_t *c = arg;
	if (!in_range(c, it->recorded))
		return 0;
	c->count++;
	text_fprintf(c->f, TEXT_LINE, "- %s", it->text);
	if (it->text2[0])
		text_fprintf(c->f, TEXT_LINE, "; %s", it->text2);
	if (it->code[0])
		text_fprintf(c->f, TEXT_LINE, " [%s]", it->code);
	if (it->extra[0])
		text_fprintf(c->f, TEXT_LINE, " %s", it->extra);
	text_fprintf(c->f, TEXT_LINE, " (%s, recorded %.10s)\n", it->status, it->recorded);
	return 0;
}

static int vitals_one(const vitals_row_t *v, void *arg)
{
	wctx_t *c = arg;
	if (!in_range(c, v->taken))
		return 0;
	c->count++;
	fprintf(c->f, "- %.10s:", v->taken);
	if (v->systolic >= 0)
		fprintf(c->f, " BP %d/%d", v->systolic, v->diastolic);
	if (v->pulse >= 0)
		fprintf(c->f, " pulse %d", v->pulse);
	if (v->resp >= 0)
		fprintf(c->f, " resp %d", v->resp);
	if (v->temp_c >= 0)
		fprintf(c->f, " temp %.1f C", v->temp_c);
	if (v->spo2 >= 0)
		fprintf(c->f, " SpO2 %d%%", v->spo2);
	if (v->height_cm >= 0)
		fprintf(c->f, " height %.1f cm", v->height_cm);
	if (v->weight_kg >= 0)
		fprintf(c->f, " weight %.1f kg", v->weight_kg);
	fputc('\n', c->f);
	return 0;
}

static int note_one(const note_info_t *n, void *arg)
{
	wctx_t *c = arg;
	note_info_t full;
	memset(&full, 0, sizeof full);
	if (c->ret != STATUS_OK)
		return 1;
	c->ret = note_get(c->s, n->nrow, &full, c->m);
	if (c->ret != STATUS_OK)
		return 1;
	text_fprintf(c->f, TEXT_LINE, "  Note %" PRId64 "%s (%s, %s%s%s)\n", full.nrow,
		     full.addendum_of ? " (addendum)" : "", full.author, full.status,
		     full.signed_at[0] ? " " : "", full.signed_at);
	if (full.body)
		text_fprintf(c->f, TEXT_MULTILINE, "%s\n", full.body);
	note_info_clear(&full);
	return 0;
}

static int enc_one(const encounter_info_t *e, void *arg)
{
	wctx_t *c = arg;
	if (c->ret != STATUS_OK)
		return 1;
	if (!in_range(c, e->start))
		return 0;
	c->count++;
	text_fprintf(c->f, TEXT_LINE, "- Encounter %" PRId64 " %.10s %s with %s (%s)\n",
		     e->erow, e->start, e->type, e->provider, e->status);
	if (e->reason[0] && want(c, "encounters"))
		put(c->f, "Reason for visit", e->reason);
	if (want(c, "notes"))
		note_list(c->s, e->erow, note_one, c, c->m);
	return c->ret != STATUS_OK;
}

static status_t after(wctx_t *c, const char *section)
{
	if (!c->count)
		fprintf(c->f, "  (none)\n");
	c->count = 0;
	return amendment_release_notes(c->s, c->r->prow, section, c->f, c->m);
}

status_t roi_write_release(session_t *s, const req_state_t *st, FILE *f, msg_t *m)
{
	wctx_t c = {s, f, &st->r, 0, STATUS_OK, m};
	static const struct {
		const char *section, *title;
		chart_kind_t kind;
	} items[] = {{"allergies", "ALLERGIES", CHART_ALLERGY},
		     {"medications", "MEDICATIONS", CHART_MEDICATION},
		     {"problems", "PROBLEMS", CHART_PROBLEM}};
	patient_t *p = calloc(1, sizeof *p);
	status_t ret;
	if (!p)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = patient_open(s, st->pid, NULL, p, m);
	if (ret != STATUS_OK)
		goto out;
	fprintf(f, "RELEASE OF INFORMATION - request %" PRId64 "\n", st->r.req);
	text_fprintf(f, TEXT_LINE, "Patient: %s, %s  MRN %s  DOB %s\n", p->f[PF_LAST],
		     p->f[PF_FIRST], p->f[PF_MRN], p->f[PF_DOB]);
	text_fprintf(f, TEXT_LINE, "Recipient: %s\n", st->f[1]);
	if (st->f[2][0])
		text_fprintf(f, TEXT_MULTILINE, "Address: %s\n", st->f[2]);
	if (st->f[3][0])
		text_fprintf(f, TEXT_MULTILINE, "Purpose: %s\n", st->f[3]);
	fprintf(f, "Sections: %s\n", st->r.parts);
	if (st->r.from_date[0] || st->r.to_date[0])
		fprintf(f, "Period: %s to %s\n", st->r.from_date[0] ? st->r.from_date : "start",
			st->r.to_date[0] ? st->r.to_date : "now");
	if (want(&c, "demographics")) {
		fprintf(f, "\nDEMOGRAPHICS\n");
		for (int i = 0; i < PF_COUNT; i++)
			put(f, patient_field_label((pfield_t)i), p->f[i]);
		c.count = 1;
		if ((ret = after(&c, "demographics")) != STATUS_OK)
			goto out;
	}
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
		if (!want(&c, items[i].section))
			continue;
		fprintf(f, "\n%s\n", items[i].title);
		if ((ret = chart_items(s, st->pid, items[i].kind, item_one, &c, m)) != STATUS_OK ||
		    (ret = after(&c, items[i].section)) != STATUS_OK)
			goto out;
	}
	if (want(&c, "vitals")) {
		fprintf(f, "\nVITALS\n");
		if ((ret = vitals_list(s, st->pid, 10000, vitals_one, &c, m)) != STATUS_OK ||
		    (ret = after(&c, "vitals")) != STATUS_OK)
			goto out;
	}
	if (want(&c, "encounters") || want(&c, "notes")) {
		fprintf(f, "\nENCOUNTERS%s\n", want(&c, "notes") ? " AND NOTES" : "");
		ret = encounter_list(s, st->pid, enc_one, &c, m);
		if (ret == STATUS_OK)
			ret = c.ret;
		if (ret == STATUS_OK)
			ret = after(&c, want(&c, "notes") ? "notes" : "encounters");
		if (ret == STATUS_OK && want(&c, "notes") && want(&c, "encounters"))
			ret = amendment_release_notes(s, st->r.prow, "encounters", f, m);
		if (ret != STATUS_OK)
			goto out;
	}
	fprintf(f, "\nEnd of release.\n");
out:
	sodium_memzero(p, sizeof *p);
	free(p);
	return ret;
}
