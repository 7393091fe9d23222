/* fhir_import.c - FHIR R4 resources into charts (core/fhir.h
 * fhir_import): every resource validated first (fhir_validate.c), then
 * written through the same core functions a clerk's screens use, so each
 * write is checked, sealed and audited as any other. A chart matched by
 * its MRN gets only what it does not hold yet. */
#include "core/fhir_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/tz.h"
#include "core/perm.h"

/* ---- writing ---- */

static status_t write_patient(ctx_t *c, imp_t *v, msg_t *m)
{
	pfield_t bad;
	status_t st = STATUS_OK;
	if (v->existing) {
		if (!v->ids_only)
			st = patient_update(c->s, v->p, &bad, m);
	} else if ((st = patient_register(c->s, v->p, 0, &bad, m)) == STATUS_OK)
		memcpy(v->pid, v->p->id, sizeof v->pid);
	/* Its identifiers of other systems, those the chart lacks. */
	for (int k = 0; k < v->nx && st == STATUS_OK; k++)
		st = extid_add(c->s, v->pid, v->xsys[k], v->xval[k], NULL, m);
	return st;
}

static status_t write_encounter(ctx_t *c, imp_t *v, msg_t *m)
{
	const char *zone = s_cfg(c->s)->clinic_tz;
	char when[TZ_TEXT_MAX];
	status_t st;
	tz_format(zone, v->start, 0, when, sizeof when);
	when[16] = 0; /* "YYYY-MM-DD HH:MM" in the clinic's zone */
	/* An imported history: marked with its source, and naming the
	 * provider record of its Practitioner (written before it). */
	st = encounter_checkin_imported(c->s, c->v[v->pat].pid, v->type, v->provider,
					v->location ? v->location : "", v->reason, when,
					v->prac >= 0 ? c->v[v->prac].prid : NULL,
					c->o->encounter_source ? c->o->encounter_source : "fhir",
					&v->erow, m);
	if (st == STATUS_OK && *v->end) {
		tz_format(zone, v->end, 0, when, sizeof when);
		when[16] = 0;
		st = encounter_close_at(c->s, v->erow, when, m);
	}
	return st;
}

/* Observations of one encounter taken at one time are one vitals row:
 * the items idx[0..cnt). */
static status_t write_vitals(ctx_t *c, const int *idx, int cnt, msg_t *m)
{
	char buf[7][32];
	vitals_input_t in;
	const char *bad;
	memset(&in, 0, sizeof in);
	for (int k = 0; k < cnt; k++) {
		imp_t *v = &c->v[idx[k]];
		if (!strcmp(v->loinc, "85354-9")) {
			snprintf(buf[0], sizeof buf[0], "%.0f/%.0f", v->value, v->value2);
			in.bp = buf[0];
		} else if (!strcmp(v->loinc, "8867-4")) {
			snprintf(buf[1], sizeof buf[1], "%.0f", v->value);
			in.pulse = buf[1];
		} else if (!strcmp(v->loinc, "9279-1")) {
			snprintf(buf[2], sizeof buf[2], "%.0f", v->value);
			in.resp = buf[2];
		} else if (!strcmp(v->loinc, "8310-5")) {
			snprintf(buf[3], sizeof buf[3], "%.2f%s", v->value,
				 strcmp(v->extra, "Cel") ? "F" : "C");
			in.temp = buf[3];
		} else if (!strcmp(v->loinc, "59408-5")) {
			snprintf(buf[4], sizeof buf[4], "%.0f", v->value);
			in.spo2 = buf[4];
		} else if (!strcmp(v->loinc, "8302-2")) {
			snprintf(buf[5], sizeof buf[5], "%.3f%s", v->value,
				 strcmp(v->extra, "cm") ? "in" : "cm");
			in.height = buf[5];
		} else if (!strcmp(v->loinc, "29463-7")) {
			snprintf(buf[6], sizeof buf[6], "%.4f%s", v->value,
				 strcmp(v->extra, "kg") ? "lb" : "kg");
			in.weight = buf[6];
		} /* BMI: computed from weight and height, as on screen */
	}
	if (!in.bp && !in.pulse && !in.resp && !in.temp && !in.spo2 && !in.height && !in.weight)
		return STATUS_OK;
	return vitals_record_at(c->s, c->v[c->v[idx[0]].enc].erow, &in, c->v[idx[0]].taken, &bad,
				m);
}

static status_t set_status(ctx_t *c, chart_kind_t kind, int64_t row, const char *st,
			   const char *usual, msg_t *m)
{
	if (!strcmp(st, usual))
		return STATUS_OK;
	return chart_item_set_status(c->s, kind, row, st, m);
}

static status_t write_item(ctx_t *c, int i, msg_t *m)
{
	imp_t *v = &c->v[i];
	const char *pid = v->pat >= 0 ? c->v[v->pat].pid : "";
	int64_t row = 0;
	status_t st = STATUS_OK;
	switch (v->t) {
	case FHIR_CONDITION:
		if (v->kind) {
			st = coding_add_dx(c->s, c->v[v->enc].erow, v->code, m);
			break;
		}
		if ((st = problem_add(c->s, pid, v->code, v->text, v->date, &row, m)) == STATUS_OK)
			st = set_status(c, CHART_PROBLEM, row, v->status, "active", m);
		break;
	case FHIR_ALLERGY:
		if (v->kind) {
			st = allergy_none_known(c->s, pid, m);
			break;
		}
		if ((st = allergy_add(c->s, pid, v->text, v->text2, v->code, &row, m)) == STATUS_OK)
			st = set_status(c, CHART_ALLERGY, row, v->status, "active", m);
		break;
	case FHIR_MEDICATION:
		if ((st = medication_add(c->s, pid, v->text, v->text2, v->code, v->extra, v->date,
					 &row, m)) == STATUS_OK)
			st = set_status(c, CHART_MEDICATION, row, v->status, "active", m);
		break;
	case FHIR_PROCEDURE: {
		char ptr[3 * CODING_MAX_DX + 1] = "";
		if (v->kind) { /* the history (SNOMED CT) */
			if ((st = procedure_add(c->s, pid, v->code, v->text, v->date, &row, m)) ==
			    STATUS_OK)
				st = set_status(c, CHART_PROCEDURE, row, v->status, "completed", m);
			break;
		}
		size_t o = 0;
		for (int k = 0; k < v->nreasons; k++)
			o += (size_t)snprintf(ptr + o, sizeof ptr - o, "%s%d", k ? "," : "",
					      c->v[v->reasons[k]].dxseq);
		st = coding_add_px(c->s, c->v[v->enc].erow,
				   strcmp(v->extra, "cpt") ? CS_HCPCS : CS_CPT, v->code, "", 1, ptr,
				   m);
		break;
	}
	case FHIR_DOCUMENT:
		st = note_create(c->s, c->v[v->enc].erow, v->appends >= 0 ? c->v[v->appends].nrow : 0,
				 v->body, &v->nrow, m);
		if (st == STATUS_OK && v->final)
			st = note_sign(c->s, v->nrow, 0, m);
		break;
	default:
		break;
	}
	return st;
}

/* ---- a matched chart: what it holds already is not added again ---- */

/* The number after the last '-' of a reference's id ("Encounter/enc-12"). */
static int64_t ref_row(const char *ref)
{
	const char *d = ref ? strrchr(ref, '-') : NULL;
	return d ? atoll(d + 1) : 0;
}

/* A resource's content without its id, meta and references' targets, and
 * the encounter it belongs to (erow; 0 for a chart-level resource): two
 * resources with the same fingerprint say the same thing. malloc'd. */
static void strip_refs(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;
	if (json_is_object(j)) {
		if (json_object_get(j, "reference"))
			json_object_set_new(j, "reference", json_string("-"));
		json_object_foreach(j, k, v) strip_refs(v);
	} else if (json_is_array(j))
		json_array_foreach(j, i, v) strip_refs(v);
}

static char *fingerprint(json_t *res, int64_t erow)
{
	json_t *c = json_deep_copy(res);
	char *dump, *out = NULL;
	if (!c)
		return NULL;
	json_object_del(c, "id");
	json_object_del(c, "meta");
	strip_refs(c);
	dump = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(c);
	if (dump && (out = malloc(strlen(dump) + 24)))
		sprintf(out, "%lld|%s", (long long)erow, dump);
	if (dump) {
		sodium_memzero(dump, strlen(dump));
		free(dump);
	}
	return out;
}

/* The encounter a resource names (its reference's row), 0 if none. */
static int64_t enc_row_of(json_t *r)
{
	const char *ref = fhir_str_at(r, "encounter.reference");
	if (!ref)
		ref = fhir_str_at(r, "context.encounter.0.reference");
	return ref ? ref_row(ref) : 0;
}

static status_t mark_same(ctx_t *c, int pi, msg_t *m)
{
	json_t *have = json_array(), *x;
	char **fps = NULL;
	size_t n = 0, k;
	status_t ret;
	if (!have)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = fhir_chart_read(c->s, c->v[pi].pid, have, m)) != STATUS_OK)
		goto cleanup;
	msg_clear(m);
	if (!(fps = calloc(json_array_size(have) + 1, sizeof *fps))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	/* Encounters: the same start, type, provider and location is the
	 * same visit; what belongs to it is compared under its row. */
	json_array_foreach(have, k, x)
	{
		const char *t = fhir_str_at(x, "resourceType");
		if (t && !strcmp(t, "Encounter")) {
			for (int i = 0; i < c->n; i++) {
				imp_t *v = &c->v[i];
				const char *st = fhir_str_at(x, "period.start");
				if (v->bad || v->same || v->t != FHIR_ENCOUNTER || v->pat != pi || !st)
					continue;
				if (!strncmp(st, v->start, 16) &&
				    !strcmp(fhir_str_at(x, "type.0.text") ? fhir_str_at(x, "type.0.text") : "",
					    v->type) &&
				    !strcmp(fhir_str_at(x, "participant.0.individual.display")
						? fhir_str_at(x, "participant.0.individual.display")
						: "",
					    v->provider) &&
				    !strcmp(fhir_str_at(x, "location.0.location.display")
						? fhir_str_at(x, "location.0.location.display")
						: "",
					    v->location)) {
					v->same = 1;
					v->erow = ref_row(fhir_str_at(x, "id") ? fhir_str_at(x, "id") : "");
					break;
				}
			}
		} else if (t && strcmp(t, "Patient") != 0)
			fps[n++] = fingerprint(x, enc_row_of(x));
	}
	for (int i = 0; i < c->n; i++) {
		imp_t *v = &c->v[i];
		char *fp;
		int64_t erow = 0;
		if (v->bad || v->same || v->pat != pi || v->t == FHIR_ENCOUNTER)
			continue;
		if (v->enc >= 0) {
			if (!c->v[v->enc].same)
				continue; /* a new visit: all it holds is new */
			erow = c->v[v->enc].erow;
		}
		if (!(fp = fingerprint(c->items[i].res, erow))) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
		for (size_t j = 0; j < n; j++)
			if (fps[j] && !strcmp(fps[j], fp)) {
				v->same = 1;
				free(fps[j]); /* one incoming for one held */
				fps[j] = NULL;
				break;
			}
		free(fp);
	}
cleanup:
	for (size_t j = 0; fps && j < n; j++)
		free(fps[j]);
	free(fps);
	json_decref(have);
	return ret;
}

/* The actions the writes need; the first missing one's name, or NULL. */
static const char *missing_action(ctx_t *c)
{
	for (int i = 0; i < c->n; i++) {
		imp_t *v = &c->v[i];
		action_t need[2] = {ACT_COUNT, ACT_COUNT};
		if (v->bad || v->same)
			continue;
		switch (v->t) {
		case FHIR_PATIENT:
			need[0] = v->existing ? ACT_PATIENT_EDIT : ACT_PATIENT_REGISTER;
			break;
		case FHIR_ENCOUNTER:
			need[0] = ACT_ENCOUNTER_CHECKIN;
			if (*v->end)
				need[1] = ACT_ENCOUNTER_CLOSE;
			break;
		case FHIR_CONDITION:
			need[0] = v->kind ? ACT_CODING_EDIT : ACT_PROBLEM_RECORD;
			break;
		case FHIR_ALLERGY:
			need[0] = ACT_ALLERGY_RECORD;
			break;
		case FHIR_MEDICATION:
			need[0] = ACT_MEDICATION_RECORD;
			break;
		case FHIR_OBSERVATION:
			need[0] = ACT_VITALS_RECORD;
			break;
		case FHIR_PROCEDURE:
			need[0] = v->kind ? ACT_PROBLEM_RECORD : ACT_CODING_EDIT;
			break;
		case FHIR_DOCUMENT:
			need[0] = ACT_NOTE_WRITE;
			if (v->final)
				need[1] = ACT_NOTE_SIGN;
			break;
		default:
			break;
		}
		for (int k = 0; k < 2; k++)
			if (need[k] != ACT_COUNT && !session_can(c->s, need[k]))
				return perm_action_name(need[k]);
	}
	return NULL;
}

static void free_all(ctx_t *c)
{
	for (int i = 0; c->v && i < c->n; i++) {
		if (c->v[i].p) {
			sodium_memzero(c->v[i].p, sizeof *c->v[i].p);
			free(c->v[i].p);
		}
		if (c->v[i].body) {
			sodium_memzero(c->v[i].body, NOTE_MAX + 1);
			free(c->v[i].body);
		}
	}
	free(c->v);
}

status_t fhir_import(session_t *s, const fhir_item_t *items, int n, int skip_bad,
		     void (*on_bad)(const char *where, const char *why, void *arg), void *arg,
		     fhir_import_report_t *rep, msg_t *m)
{
	return fhir_import_with(s, items, n, skip_bad, on_bad, arg, NULL, rep, m);
}

status_t fhir_import_with(session_t *s, const fhir_item_t *items, int n, int skip_bad,
			  void (*on_bad)(const char *where, const char *why, void *arg), void *arg,
			  const fhir_import_opts_t *o, fhir_import_report_t *rep, msg_t *m)
{
	static const fhir_import_opts_t plain = {"fhir_import", "FHIR R4", NULL, NULL, "fhir"};
	ctx_t c;
	status_t ret;
	int *order = NULL, written = 0;
	char detail[200];
	const char *miss;
	memset(rep, 0, sizeof *rep);
	memset(&c, 0, sizeof c);
	if ((ret = session_require(s, ACT_PATIENT_IMPORT, m)) != STATUS_OK)
		return ret;
	c.s = s;
	c.items = items;
	c.n = n;
	c.skip_bad = skip_bad;
	c.on_bad = on_bad;
	c.arg = arg;
	c.o = o ? o : &plain;
	if (n <= 0)
		return msg_fail(m, STATUS_INVALID, "There are no resources to import.");
	if (!(c.v = calloc((size_t)n, sizeof *c.v)) || !(order = malloc((size_t)n * sizeof *order))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	fhir_validate(&c);
	rep->bad = c.nbad;
	if (c.nbad && !skip_bad) {
		ret = msg_fail(m, STATUS_INVALID,
			       "%d of %d resources are not valid; nothing was imported (--skip-bad "
			       "imports the others).",
			       c.nbad, n);
		goto cleanup;
	}
	/* What a matched chart holds already is not added again. */
	for (int i = 0; i < n; i++)
		if (!c.v[i].bad && c.v[i].t == FHIR_PATIENT && c.v[i].existing &&
		    (ret = mark_same(&c, i, m)) != STATUS_OK)
			goto cleanup;
	for (int i = 0; i < n; i++)
		rep->same += !c.v[i].bad && c.v[i].same;
	if ((miss = missing_action(&c))) {
		ret = msg_fail(m, STATUS_DENIED,
			       "Permission denied: importing these resources needs %s, which the %s "
			       "role does not have; nothing was imported.",
			       miss, perm_role_name(session_role(s)));
		goto cleanup;
	}
	/* Write in type order (stable): Patient, Encounter, Condition, ... */
	{
		int k = 0;
		for (int t = 0; t < FHIR_TYPE_COUNT; t++)
			for (int i = 0; i < n; i++)
				if (c.v[i].t == (fhir_type_t)t)
					order[k++] = i;
		n = k;
	}
	/* Drop the refused (skip_bad) from the order. */
	{
		int k = 0;
		for (int j = 0; j < n; j++)
			if (!c.v[order[j]].bad && !c.v[order[j]].same)
				order[k++] = order[j];
		n = k;
	}
	for (int k = 0; k < n; k++) {
		int i = order[k], cnt = 1;
		imp_t *v = &c.v[i];
		switch (v->t) {
		case FHIR_PATIENT:
			ret = write_patient(&c, v, m);
			if (ret == STATUS_OK)
				(*(v->existing ? &rep->charts_updated : &rep->charts_new))++;
			break;
		case FHIR_PRACTITIONER: {
			/* A record held already (by its identifier) is not made
			 * again: counted as held. */
			int created = 0;
			ret = provider_ensure(s, &v->prv, v->prid, &created, m);
			if (ret == STATUS_OK && !created) {
				rep->same++;
				cnt = 0;
			}
			break;
		}
		case FHIR_ENCOUNTER:
			ret = write_encounter(&c, v, m);
			break;
		case FHIR_OBSERVATION:
			while (k + cnt < n && c.v[order[k + cnt]].t == FHIR_OBSERVATION &&
			       c.v[order[k + cnt]].enc == v->enc &&
			       !strcmp(c.v[order[k + cnt]].taken, v->taken))
				cnt++;
			ret = write_vitals(&c, order + k, cnt, m);
			break;
		default:
			ret = write_item(&c, i, m);
			break;
		}
		if (ret != STATUS_OK) {
			char why[sizeof m->text];
			snprintf(why, sizeof why, "%s", m->text);
			msg_fail(m, ret, "%s: %.300s (%d resources were imported before it.)",
				 items[i].where, why, written);
			goto audit;
		}
		rep->count[v->t] += cnt;
		written += cnt;
		k += cnt ? cnt - 1 : 0;
		if (c.o->progress)
			c.o->progress(k + 1, n, c.o->progress_arg);
	}
	msg_set(m, "Imported %d resources (%d new charts, %d updated; %d already in them).", written,
		rep->charts_new, rep->charts_updated, rep->same);
audit:
	snprintf(detail, sizeof detail, "%.40s: %d of %d resources imported, %d refused, %d already held",
		 c.o->source ? c.o->source : "FHIR R4", written, c.n, c.nbad, rep->same);
	{
		msg_t am;
		status_t a = audit_note(s, c.o->audit_action ? c.o->audit_action : "fhir_import", "",
					ret == STATUS_OK ? "ok" : "failed",
					detail, 0, &am);
		if (ret == STATUS_OK && a != STATUS_OK) {
			ret = a;
			*m = am;
		}
	}
cleanup:
	free(order);
	free_all(&c);
	return ret;
}
