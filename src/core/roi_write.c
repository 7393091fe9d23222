/* roi_write.c - the text of a release (core/roi_write.h). */
#include "core/roi_write.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/amendment.h"
#include "core/clinical.h"
#include "core/fhir.h"
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

/* ---- the release as FHIR R4 ---- */

/* The chart section a resource belongs to (roi.h's section names). */
static const char *fhir_section(json_t *r)
{
	const char *type = json_string_value(json_object_get(r, "resourceType"));
	const char *id = json_string_value(json_object_get(r, "id"));
	if (!type)
		return NULL;
	if (!strcmp(type, "Patient"))
		return "demographics";
	if (!strcmp(type, "Encounter"))
		return "encounters";
	if (!strcmp(type, "Condition")) {
		/* an encounter's diagnosis is part of the encounter (its coding) */
		json_t *cat = json_array_get(json_object_get(r, "category"), 0);
		json_t *code = json_array_get(json_object_get(cat, "coding"), 0);
		const char *c = json_string_value(json_object_get(code, "code"));
		return c && !strcmp(c, "encounter-diagnosis") ? "encounters" : "problems";
	}
	if (!strcmp(type, "AllergyIntolerance"))
		return "allergies";
	if (!strcmp(type, "MedicationStatement"))
		return "medications";
	if (!strcmp(type, "Observation"))
		return "vitals";
	if (!strcmp(type, "Procedure"))
		/* the procedure history sits with the problems; a coded
		 * procedure with its encounter */
		return id && !strncmp(id, "phx-", 4) ? "problems" : "encounters";
	if (!strcmp(type, "DocumentReference"))
		return "notes";
	return NULL;
}

/* The encounter a resource belongs to ("Encounter/enc-3"), or NULL. */
static const char *fhir_encounter_of(json_t *r)
{
	json_t *e = json_object_get(r, "encounter");
	if (!e) /* a DocumentReference: context.encounter[0] */
		e = json_array_get(json_object_get(json_object_get(r, "context"), "encounter"), 0);
	return json_string_value(json_object_get(e, "reference"));
}

/* The resource's own date, as the text release dates each kind. */
static const char *fhir_date(json_t *r)
{
	static const char *const keys[] = {"recordedDate", "effectiveDateTime", "dateAsserted",
					    "onsetDateTime", "performedDateTime", "date"};
	const char *v = json_string_value(
	    json_object_get(json_object_get(r, "period"), "start"));
	for (size_t i = 0; !v && i < sizeof keys / sizeof keys[0]; i++)
		v = json_string_value(json_object_get(r, keys[i]));
	if (!v)
		v = json_string_value(
		    json_object_get(json_object_get(r, "effectivePeriod"), "start"));
	return v;
}

/* The Patient reduced to who it is (as the text release's heading shows:
 * name, MRN, date of birth) when demographics were not asked for. */
static status_t fhir_patient_heading(json_t *p, msg_t *m)
{
	static const char *const keep[] = {"resourceType", "id", "identifier", "name",
					   "birthDate", "meta"};
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(p, tmp, key, v)
	{
		size_t i;
		for (i = 0; i < sizeof keep / sizeof keep[0] && strcmp(key, keep[i]); i++)
			;
		if (i == sizeof keep / sizeof keep[0] && json_object_del(p, key) != 0)
			return msg_fail(m, STATUS_ERR, "Cannot shape the Patient resource.");
	}
	return STATUS_OK;
}

/* The amendments, statements of disagreement and rebuttals concerning a
 * section, as a DocumentReference of their text, when there are any. */
static status_t fhir_amendments(session_t *s, const req_state_t *st, const char *section,
				json_t *entries, msg_t *m)
{
	char *buf = NULL, id[48], desc[160], *b64 = NULL;
	size_t len = 0, b64len;
	FILE *mf = open_memstream(&buf, &len);
	json_t *r = NULL;
	status_t ret;
	if (!mf)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = amendment_release_notes(s, st->r.prow, section, mf, m);
	if (fclose(mf) != 0 && ret == STATUS_OK)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if (ret != STATUS_OK || !len)
		goto cleanup;
	b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	if (!(b64 = malloc(b64len))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	sodium_bin2base64(b64, b64len, (const unsigned char *)buf, len,
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(id, sizeof id, "amendments-%s", section);
	snprintf(desc, sizeof desc,
		 "Amendments, statements of disagreement and rebuttals concerning the %s", section);
	r = json_pack("{s:s,s:s,s:s,s:s,s:{s:s},s:[{s:{s:s,s:s,s:I}}]}", "resourceType",
		      "DocumentReference", "id", id, "status", "current", "description", desc,
		      "subject", "reference", "", "content", "attachment", "contentType",
		      "text/plain; charset=utf-8", "data", b64, "size", (json_int_t)len);
	if (r) {
		char pref[64];
		snprintf(pref, sizeof pref, "Patient/%s", st->pid);
		json_object_set_new(json_object_get(r, "subject"), "reference", json_string(pref));
	}
	if (!r || json_array_append_new(entries, json_pack("{s:o}", "resource", r)) != 0)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
cleanup:
	if (b64) {
		sodium_memzero(b64, strlen(b64));
		free(b64);
	}
	if (buf) {
		sodium_memzero(buf, len);
		free(buf);
	}
	return ret;
}

status_t roi_write_release_fhir(session_t *s, const req_state_t *st, FILE *f, msg_t *m)
{
	wctx_t c = {s, f, &st->r, 0, STATUS_OK, m};
	static const char *const sections[] = {"demographics", "allergies", "medications",
					       "problems",     "vitals",    "encounters", "notes"};
	json_t *all = json_array(), *entries = json_array(), *in_range_enc = json_object();
	json_t *bundle = NULL, *r;
	size_t i;
	status_t ret = STATUS_OK;
	if (!all || !entries || !in_range_enc) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	/* every section read through the chart's own functions, each view
	 * audited as the text release's */
	if ((ret = fhir_chart_read(s, st->pid, all, m)) != STATUS_OK)
		goto cleanup;
	/* the encounters in the period, which carry their diagnoses and notes */
	json_array_foreach(all, i, r)
	{
		const char *type = json_string_value(json_object_get(r, "resourceType"));
		const char *id = json_string_value(json_object_get(r, "id"));
		if (type && id && !strcmp(type, "Encounter") && in_range(&c, fhir_date(r))) {
			char ref[80];
			snprintf(ref, sizeof ref, "Encounter/%s", id);
			json_object_set_new(in_range_enc, ref, json_true());
		}
	}
	json_array_foreach(all, i, r)
	{
		const char *sec = fhir_section(r), *enc = fhir_encounter_of(r);
		int inside;
		if (!sec)
			continue;
		if (!strcmp(sec, "demographics")) {
			/* whose record it is, always; the rest only when asked */
			if (!want(&c, "demographics") &&
			    (ret = fhir_patient_heading(r, m)) != STATUS_OK)
				goto cleanup;
		} else {
			if (!want(&c, sec))
				continue;
			inside = enc ? json_object_get(in_range_enc, enc) != NULL
				     : in_range(&c, fhir_date(r));
			if (!inside)
				continue;
		}
		if (json_array_append_new(entries, json_pack("{s:O}", "resource", r)) != 0) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
	}
	for (i = 0; i < sizeof sections / sizeof sections[0]; i++)
		if (want(&c, sections[i]) &&
		    (ret = fhir_amendments(s, st, sections[i], entries, m)) != STATUS_OK)
			goto cleanup;
	bundle = json_pack("{s:s,s:s,s:O}", "resourceType", "Bundle", "type", "collection", "entry",
			   entries);
	if (!bundle) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if (json_dumpf(bundle, f, JSON_INDENT(1) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(12)) != 0 || fputc('\n', f) == EOF)
		ret = msg_fail(m, STATUS_ERR, "Cannot write the release.");
cleanup:
	json_decref(bundle);
	json_decref(all);
	json_decref(entries);
	json_decref(in_range_enc);
	return ret;
}
