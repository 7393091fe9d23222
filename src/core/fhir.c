/* fhir.c - a chart as FHIR R4 resources (the mapping) and the export of
 * one chart or every chart (core/fhir.h). The import is fhir_import.c. */
#include "core/fhir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/audit.h"
#include "core/disclosure.h"
#include "core/extid.h"
#include "core/internal.h"
#include "core/perm.h"
#include "db/db_patients.h"

static const char *const type_names[] = {
#define FHIR_TYPE_NAME(id, name) name,
    FHIR_TYPES(FHIR_TYPE_NAME)
#undef FHIR_TYPE_NAME
};

const char *fhir_type_name(fhir_type_t t)
{
	return (unsigned)t < FHIR_TYPE_COUNT ? type_names[t] : "?";
}

fhir_type_t fhir_type_from_name(const char *name)
{
	for (int t = 0; name && t < FHIR_TYPE_COUNT; t++)
		if (strcmp(name, type_names[t]) == 0)
			return (fhir_type_t)t;
	return FHIR_TYPE_COUNT;
}

/* ---- small builders: each records a failure in *bad and goes on, so a
 * resource is built in straight lines and checked once at the end ---- */

static void put(json_t *o, const char *k, json_t *v, int *bad)
{
	if (!o || !v || json_object_set_new(o, k, v) != 0)
		*bad = 1;
}

/* A string member, left out when empty. */
static void put_s(json_t *o, const char *k, const char *v, int *bad)
{
	if (v && *v)
		put(o, k, json_string(v), bad);
}

static void push(json_t *a, json_t *v, int *bad)
{
	if (!a || !v || json_array_append_new(a, v) != 0)
		*bad = 1;
}

static json_t *ref(const char *type, const char *id)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s/%s", type, id);
	return json_pack("{s:s}", "reference", buf);
}

/* {"coding":[{"system":..,"code":..,"display":..}],"text":..}: parts left
 * out when empty. */
static json_t *concept(const char *system, const char *code, const char *display,
		       const char *text, int *bad)
{
	json_t *c = json_object();
	if (code && *code) {
		json_t *cd = json_object(), *arr = json_array();
		put_s(cd, "system", system, bad);
		put_s(cd, "code", code, bad);
		put_s(cd, "display", display, bad);
		push(arr, cd, bad);
		put(c, "coding", arr, bad);
	}
	put_s(c, "text", text, bad);
	return c;
}

static json_t *one(json_t *v, int *bad)
{
	json_t *a = json_array();
	push(a, v, bad);
	return a;
}

static json_t *finish(json_t *r, int bad)
{
	if (bad) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* A resource of type with the id prefix-n (n < 0: the prefix alone). */
static json_t *resource(const char *type, const char *prefix, int64_t n, int *bad)
{
	char id[80];
	json_t *r = json_object();
	if (n < 0)
		snprintf(id, sizeof id, "%s", prefix);
	else
		snprintf(id, sizeof id, "%s-%lld", prefix, (long long)n);
	put(r, "resourceType", json_string(type), bad);
	put(r, "id", json_string(id), bad);
	return r;
}

/* A stored time to the minute ("YYYY-MM-DDTHH:MM:00Z"): check-in and
 * closing times are taken to the minute, so this is what survives an
 * import. */
static void minute(const char *t, char out[24])
{
	snprintf(out, 24, "%.16s:00Z", t);
}

/* ---- Patient ---- */

int fhir_patient_add_identifier(json_t *patient, const char *system, const char *value)
{
	json_t *ids = json_object_get(patient, "identifier");
	json_t *x = json_pack("{s:s,s:s,s:s}", "use", "secondary", "system", system, "value", value);
	if (!x)
		return -1;
	if (!json_is_array(ids)) {
		if (json_object_set_new(patient, "identifier", json_array()) != 0) {
			json_decref(x);
			return -1;
		}
		ids = json_object_get(patient, "identifier");
	}
	return json_array_append_new(ids, x);
}

static int ident_each(const char *system, const char *value, void *arg)
{
	return fhir_patient_add_identifier(arg, system, value) != 0;
}

json_t *fhir_patient(const patient_t *p)
{
	int bad = 0;
	json_t *r = resource("Patient", p->id, -1, &bad);
	json_t *ident = json_object(), *name = json_object(), *given = json_array();
	json_t *telecom = json_array();
	put(ident, "use", json_string("usual"), &bad);
	put(ident, "type", concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR",
				   "Medical record number", NULL, &bad),
	    &bad);
	put(ident, "system", json_string(FHIR_SYS_MRN), &bad);
	put_s(ident, "value", p->f[PF_MRN], &bad);
	put(r, "identifier", one(ident, &bad), &bad);
	if (p->confidential) {
		json_t *meta = json_object();
		put(meta, "security",
		    one(json_pack("{s:s,s:s,s:s}", "system",
				  "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code",
				  "R", "display", "restricted"),
			&bad),
		    &bad);
		put(r, "meta", meta, &bad);
	}
	put(name, "use", json_string("official"), &bad);
	put_s(name, "family", p->f[PF_LAST], &bad);
	if (*p->f[PF_FIRST])
		push(given, json_string(p->f[PF_FIRST]), &bad);
	if (*p->f[PF_MIDDLE])
		push(given, json_string(p->f[PF_MIDDLE]), &bad);
	if (json_array_size(given))
		put(name, "given", given, &bad);
	else
		json_decref(given);
	if (*p->f[PF_SUFFIX])
		put(name, "suffix", one(json_string(p->f[PF_SUFFIX]), &bad), &bad);
	put(r, "name", one(name, &bad), &bad);
	{
		static const struct {
			pfield_t f;
			const char *system, *use;
		} tel[] = {{PF_PHONE_HOME, "phone", "home"},
			   {PF_PHONE_MOBILE, "phone", "mobile"},
			   {PF_EMAIL, "email", "home"}};
		for (size_t i = 0; i < sizeof tel / sizeof tel[0]; i++)
			if (*p->f[tel[i].f])
				push(telecom,
				     json_pack("{s:s,s:s,s:s}", "system", tel[i].system, "value",
					       p->f[tel[i].f], "use", tel[i].use),
				     &bad);
	}
	if (json_array_size(telecom))
		put(r, "telecom", telecom, &bad);
	else
		json_decref(telecom);
	{
		const char *g = p->f[PF_SEX];
		put(r, "gender",
		    json_string(!strcmp(g, "F")   ? "female"
				: !strcmp(g, "M") ? "male"
				: !strcmp(g, "X") ? "other"
						  : "unknown"),
		    &bad);
	}
	put_s(r, "birthDate", p->f[PF_DOB], &bad);
	put_s(r, "deceasedDateTime", p->f[PF_DEATH], &bad);
	if (*p->f[PF_ADDR1] || *p->f[PF_ADDR2] || *p->f[PF_CITY] || *p->f[PF_STATE] ||
	    *p->f[PF_ZIP]) {
		json_t *a = json_object(), *lines = json_array();
		if (*p->f[PF_ADDR1])
			push(lines, json_string(p->f[PF_ADDR1]), &bad);
		if (*p->f[PF_ADDR2])
			push(lines, json_string(p->f[PF_ADDR2]), &bad);
		if (json_array_size(lines))
			put(a, "line", lines, &bad);
		else
			json_decref(lines);
		put_s(a, "city", p->f[PF_CITY], &bad);
		put_s(a, "state", p->f[PF_STATE], &bad);
		put_s(a, "postalCode", p->f[PF_ZIP], &bad);
		put(r, "address", one(a, &bad), &bad);
	}
	if (*p->f[PF_EC_NAME] || *p->f[PF_EC_PHONE]) {
		json_t *c = json_object();
		if (*p->f[PF_EC_RELATION])
			put(c, "relationship",
			    one(concept(NULL, NULL, NULL, p->f[PF_EC_RELATION], &bad), &bad), &bad);
		if (*p->f[PF_EC_NAME])
			put(c, "name", json_pack("{s:s}", "text", p->f[PF_EC_NAME]), &bad);
		if (*p->f[PF_EC_PHONE])
			put(c, "telecom",
			    one(json_pack("{s:s,s:s}", "system", "phone", "value", p->f[PF_EC_PHONE]),
				&bad),
			    &bad);
		put(r, "contact", one(c, &bad), &bad);
	}
	if (*p->f[PF_LANGUAGE]) {
		json_t *c = json_object();
		put(c, "language", concept(NULL, NULL, NULL, p->f[PF_LANGUAGE], &bad), &bad);
		put(r, "communication", one(c, &bad), &bad);
	}
	return finish(r, bad);
}

/* ---- Encounter ---- */

json_t *fhir_encounter(const encounter_info_t *e, const char *patient_id)
{
	int bad = 0;
	char t[24];
	json_t *r = resource("Encounter", "enc", e->erow, &bad);
	json_t *period = json_object();
	put(r, "status", json_string(strcmp(e->status, "closed") == 0 ? "finished" : "in-progress"),
	    &bad);
	put(r, "class",
	    json_pack("{s:s,s:s,s:s}", "system", "http://terminology.hl7.org/CodeSystem/v3-ActCode",
		      "code", "AMB", "display", "ambulatory"),
	    &bad);
	put(r, "type", one(concept(NULL, NULL, NULL, e->type, &bad), &bad), &bad);
	put(r, "subject", ref("Patient", patient_id), &bad);
	if (*e->provider || *e->provider_ref) {
		json_t *parts = json_array();
		/* The provider user first (what the import matches a visit by),
		 * then the provider record the visit names. */
		if (*e->provider)
			push(parts, json_pack("{s:{s:s}}", "individual", "display", e->provider), &bad);
		if (*e->provider_ref) {
			char id[80];
			snprintf(id, sizeof id, "Practitioner/prv-%s", e->provider_ref);
			json_t *ind = json_pack("{s:s}", "reference", id);
			put_s(ind, "display", e->provider_name, &bad);
			push(parts, json_pack("{s:o}", "individual", ind), &bad);
		}
		put(r, "participant", parts, &bad);
	}
	minute(e->start, t);
	put(period, "start", json_string(t), &bad);
	if (*e->closed_at) {
		minute(e->closed_at, t);
		put(period, "end", json_string(t), &bad);
	}
	put(r, "period", period, &bad);
	if (*e->reason)
		put(r, "reasonCode", one(concept(NULL, NULL, NULL, e->reason, &bad), &bad), &bad);
	if (*e->location)
		put(r, "location",
		    one(json_pack("{s:{s:s}}", "location", "display", e->location), &bad), &bad);
	return finish(r, bad);
}

/* ---- Practitioner: a provider record ---- */

json_t *fhir_practitioner(const provider_t *p)
{
	int bad = 0;
	char id[48];
	json_t *r;
	snprintf(id, sizeof id, "prv-%s", p->id);
	r = resource("Practitioner", id, -1, &bad);
	put(r, "identifier",
	    one(json_pack("{s:s,s:s}", "system", p->system, "value", p->value), &bad), &bad);
	put(r, "name", one(json_pack("{s:s}", "text", p->name), &bad), &bad);
	if (*p->organization)
		put(r, "extension",
		    one(json_pack("{s:s,s:s}", "url", FHIR_EXT_ORGANIZATION, "valueString",
				  p->organization),
			&bad),
		    &bad);
	put_s(r, "gender", p->gender, &bad);
	if (*p->location)
		put(r, "address", one(json_pack("{s:s}", "text", p->location), &bad), &bad);
	if (*p->speciality)
		put(r, "qualification",
		    one(json_pack("{s:o}", "code", concept(NULL, NULL, NULL, p->speciality, &bad)),
			&bad),
		    &bad);
	return finish(r, bad);
}

/* ---- Observation: vital signs ---- */

static json_t *quantity(double value, const char *unit, int *bad)
{
	json_t *q = json_object();
	put(q, "value", json_real(value), bad);
	put(q, "unit", json_string(unit), bad);
	put(q, "system", json_string(FHIR_SYS_UCUM), bad);
	put(q, "code", json_string(unit), bad);
	return q;
}

static json_t *vital(const vitals_row_t *v, const char *patient_id, const char *kind,
		     const char *loinc, const char *display, int *bad)
{
	char id[80];
	json_t *r = json_object();
	snprintf(id, sizeof id, "vit-%lld-%s", (long long)v->vrow, kind);
	put(r, "resourceType", json_string("Observation"), bad);
	put(r, "id", json_string(id), bad);
	put(r, "status", json_string("final"), bad);
	put(r, "category",
	    one(concept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs",
			"Vital Signs", NULL, bad),
		bad),
	    bad);
	put(r, "code", concept(FHIR_SYS_LOINC, loinc, display, display, bad), bad);
	put(r, "subject", ref("Patient", patient_id), bad);
	snprintf(id, sizeof id, "enc-%lld", (long long)v->erow);
	put(r, "encounter", ref("Encounter", id), bad);
	put(r, "effectiveDateTime", json_string(v->taken), bad);
	return r;
}

/* Rounded to what is kept meaningfully (and what an import gives back). */
static double round_to(double x, double step)
{
	return round(x / step) * step;
}

int fhir_vitals(const vitals_row_t *v, const char *patient_id, json_t *out)
{
	int bad = 0;
	json_t *r;
	if (v->systolic >= 0 && v->diastolic >= 0) {
		json_t *comp = json_array();
		r = vital(v, patient_id, "bp", "85354-9", "Blood pressure panel", &bad);
		push(comp,
		     json_pack("{s:o,s:o}", "code",
			       concept(FHIR_SYS_LOINC, "8480-6", "Systolic blood pressure", NULL, &bad),
			       "valueQuantity", quantity(v->systolic, "mm[Hg]", &bad)),
		     &bad);
		push(comp,
		     json_pack("{s:o,s:o}", "code",
			       concept(FHIR_SYS_LOINC, "8462-4", "Diastolic blood pressure", NULL,
				       &bad),
			       "valueQuantity", quantity(v->diastolic, "mm[Hg]", &bad)),
		     &bad);
		put(r, "component", comp, &bad);
		push(out, r, &bad);
	}
#define ONE(cond, kind, loinc, disp, val, unit)                                                    \
	if (cond) {                                                                                \
		r = vital(v, patient_id, kind, loinc, disp, &bad);                                 \
		put(r, "valueQuantity", quantity(val, unit, &bad), &bad);                          \
		push(out, r, &bad);                                                                \
	}
	ONE(v->pulse >= 0, "hr", "8867-4", "Heart rate", v->pulse, "/min")
	ONE(v->resp >= 0, "rr", "9279-1", "Respiratory rate", v->resp, "/min")
	ONE(v->temp_c >= 0, "temp", "8310-5", "Body temperature", round_to(v->temp_c, 0.1), "Cel")
	ONE(v->spo2 >= 0, "spo2", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry",
	    v->spo2, "%")
	ONE(v->height_cm >= 0, "height", "8302-2", "Body height", round_to(v->height_cm, 0.01),
	    "cm")
	ONE(v->weight_kg >= 0, "weight", "29463-7", "Body weight", round_to(v->weight_kg, 0.001),
	    "kg")
	ONE(v->bmi >= 0, "bmi", "39156-5", "Body mass index (BMI) [Ratio]", round_to(v->bmi, 0.1),
	    "kg/m2")
#undef ONE
	return bad ? -1 : 0;
}

/* ---- allergies, medications, problems ---- */

static json_t *status_concept(const char *system, const char *code, int *bad)
{
	return concept(system, code, NULL, NULL, bad);
}

#define CS_ALLERGY_CLIN "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
#define CS_ALLERGY_VER "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
#define CS_COND_CLIN "http://terminology.hl7.org/CodeSystem/condition-clinical"
#define CS_COND_VER "http://terminology.hl7.org/CodeSystem/condition-ver-status"
#define CS_COND_CAT "http://terminology.hl7.org/CodeSystem/condition-category"

json_t *fhir_chart_item(const chart_item_t *it, const char *patient_id)
{
	int bad = 0;
	int eie = strcmp(it->status, "entered-in-error") == 0;
	json_t *r;
	switch (it->kind) {
	case CHART_ALLERGY:
		r = resource("AllergyIntolerance", "alg", it->row, &bad);
		if (!eie)
			put(r, "clinicalStatus", status_concept(CS_ALLERGY_CLIN, it->status, &bad),
			    &bad);
		put(r, "verificationStatus",
		    status_concept(CS_ALLERGY_VER, eie ? "entered-in-error" : "confirmed", &bad),
		    &bad);
		put(r, "code", concept(NULL, NULL, NULL, it->text, &bad), &bad);
		put(r, "patient", ref("Patient", patient_id), &bad);
		if (*it->text2 || (*it->code && strcmp(it->code, "unknown") != 0)) {
			json_t *re = json_object();
			put(re, "manifestation",
			    one(concept(NULL, NULL, NULL, *it->text2 ? it->text2 : FHIR_NO_REACTION,
					&bad),
				&bad),
			    &bad);
			if (*it->code && strcmp(it->code, "unknown") != 0)
				put(re, "severity", json_string(it->code), &bad);
			put(r, "reaction", one(re, &bad), &bad);
		}
		break;
	case CHART_MEDICATION: {
		json_t *d = json_object();
		r = resource("MedicationStatement", "med", it->row, &bad);
		put(r, "status", json_string(it->status), &bad);
		put(r, "medicationCodeableConcept", concept(NULL, NULL, NULL, it->text, &bad),
		    &bad);
		put(r, "subject", ref("Patient", patient_id), &bad);
		put_s(r, "effectiveDateTime", it->date1, &bad);
		put_s(d, "text", it->text2, &bad);
		if (*it->extra)
			put(d, "timing", json_pack("{s:{s:s}}", "code", "text", it->extra), &bad);
		put(d, "route", concept(NULL, NULL, NULL, it->code, &bad), &bad);
		put(r, "dosage", one(d, &bad), &bad);
		break;
	}
	case CHART_PROCEDURE:
		/* The history: SNOMED CT, no encounter, no claim line. */
		r = resource("Procedure", "phx", it->row, &bad);
		put(r, "status", json_string(eie ? "entered-in-error" : "completed"), &bad);
		put(r, "code",
		    concept(FHIR_SYS_SNOMED, !strncmp(it->code, "SNOMED ", 7) ? it->code + 7 : it->code,
			    NULL, it->text, &bad),
		    &bad);
		put(r, "subject", ref("Patient", patient_id), &bad);
		put_s(r, "performedDateTime", it->date1, &bad);
		break;
	default: /* CHART_PROBLEM */
		r = resource("Condition", "prb", it->row, &bad);
		if (!eie)
			put(r, "clinicalStatus", status_concept(CS_COND_CLIN, it->status, &bad),
			    &bad);
		put(r, "verificationStatus",
		    status_concept(CS_COND_VER, eie ? "entered-in-error" : "confirmed", &bad), &bad);
		put(r, "category",
		    one(concept(CS_COND_CAT, "problem-list-item", "Problem List Item", NULL, &bad),
			&bad),
		    &bad);
		if (!strncmp(it->code, "SNOMED ", 7))
			put(r, "code", concept(FHIR_SYS_SNOMED, it->code + 7, NULL, it->text, &bad),
			    &bad);
		else
			put(r, "code", concept(FHIR_SYS_ICD10CM, it->code, NULL, it->text, &bad),
			    &bad);
		put(r, "subject", ref("Patient", patient_id), &bad);
		put_s(r, "onsetDateTime", it->date1, &bad);
		break;
	}
	return finish(r, bad);
}

json_t *fhir_nka(const char *patient_id)
{
	int bad = 0;
	char id[48];
	json_t *r;
	snprintf(id, sizeof id, "nka-%s", patient_id);
	r = resource("AllergyIntolerance", id, -1, &bad);
	put(r, "clinicalStatus", status_concept(CS_ALLERGY_CLIN, "active", &bad), &bad);
	put(r, "verificationStatus", status_concept(CS_ALLERGY_VER, "confirmed", &bad), &bad);
	put(r, "code",
	    concept(FHIR_SYS_SNOMED, FHIR_NKA_CODE, "No known allergy (situation)",
		    "No known allergies", &bad),
	    &bad);
	put(r, "patient", ref("Patient", patient_id), &bad);
	return finish(r, bad);
}

/* ---- coding: encounter diagnoses and procedures ---- */

json_t *fhir_encounter_dx(const coding_t *c, int seq, const char *patient_id)
{
	int bad = 0;
	char id[64];
	const coding_dx_t *d = &c->dx[seq - 1];
	json_t *r;
	snprintf(id, sizeof id, "dx-%lld-%d", (long long)c->erow, seq);
	r = resource("Condition", id, -1, &bad);
	put(r, "verificationStatus", status_concept(CS_COND_VER, "confirmed", &bad), &bad);
	put(r, "category",
	    one(concept(CS_COND_CAT, "encounter-diagnosis", "Encounter Diagnosis", NULL, &bad),
		&bad),
	    &bad);
	put(r, "code", concept(FHIR_SYS_ICD10CM, d->code, d->desc[0] ? d->desc : NULL, NULL, &bad),
	    &bad);
	put(r, "subject", ref("Patient", patient_id), &bad);
	snprintf(id, sizeof id, "enc-%lld", (long long)c->erow);
	put(r, "encounter", ref("Encounter", id), &bad);
	return finish(r, bad);
}

json_t *fhir_procedure(const coding_t *c, int line, const char *patient_id)
{
	int bad = 0;
	char id[64];
	const coding_px_t *p = &c->px[line - 1];
	json_t *r, *why = json_array();
	snprintf(id, sizeof id, "px-%lld-%d", (long long)c->erow, line);
	r = resource("Procedure", id, -1, &bad);
	put(r, "status", json_string("completed"), &bad);
	put(r, "code",
	    concept(strcmp(p->system, "cpt") == 0 ? FHIR_SYS_CPT : FHIR_SYS_HCPCS, p->code,
		    p->desc[0] ? p->desc : NULL, NULL, &bad),
	    &bad);
	put(r, "subject", ref("Patient", patient_id), &bad);
	snprintf(id, sizeof id, "enc-%lld", (long long)c->erow);
	put(r, "encounter", ref("Encounter", id), &bad);
	put_s(r, "performedDateTime", c->date, &bad);
	for (int i = 0; i < p->npointers; i++) {
		snprintf(id, sizeof id, "dx-%lld-%d", (long long)c->erow, p->pointers[i]);
		push(why, ref("Condition", id), &bad);
	}
	if (json_array_size(why))
		put(r, "reasonReference", why, &bad);
	else
		json_decref(why);
	return finish(r, bad);
}

/* ---- DocumentReference: signed notes ---- */

json_t *fhir_document(const note_info_t *n, const char *patient_id)
{
	int bad = 0;
	char id[64];
	size_t b64len = sodium_base64_ENCODED_LEN(n->body_len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len);
	json_t *r = resource("DocumentReference", "doc", n->nrow, &bad), *att;
	put(r, "status", json_string("current"), &bad);
	put(r, "docStatus", json_string("final"), &bad);
	put(r, "type",
	    concept(FHIR_SYS_LOINC, n->addendum_of ? "55107-7" : "11506-3",
		    n->addendum_of ? "Addendum Document" : "Progress note", NULL, &bad),
	    &bad);
	put(r, "subject", ref("Patient", patient_id), &bad);
	if (n->addendum_of) {
		snprintf(id, sizeof id, "doc-%lld", (long long)n->addendum_of);
		put(r, "relatesTo", one(json_pack("{s:s,s:o}", "code", "appends", "target",
						  ref("DocumentReference", id)),
					&bad),
		    &bad);
	}
	att = json_object();
	put(att, "contentType", json_string("text/plain; charset=utf-8"), &bad);
	if (!b64)
		bad = 1;
	else {
		sodium_bin2base64(b64, b64len, (const unsigned char *)(n->body ? n->body : ""),
				  n->body_len, sodium_base64_VARIANT_ORIGINAL);
		put(att, "data", json_string(b64), &bad);
		sodium_memzero(b64, b64len);
		free(b64);
	}
	put(att, "size", json_integer((json_int_t)n->body_len), &bad);
	put(r, "content", one(json_pack("{s:o}", "attachment", att), &bad), &bad);
	snprintf(id, sizeof id, "enc-%lld", (long long)n->erow);
	put(r, "context", json_pack("{s:[o]}", "encounter", ref("Encounter", id)), &bad);
	return finish(r, bad);
}

/* ---- the export ---- */

/* A chart's resources as read, before any is handed out. */
struct gather {
	session_t *s;
	const char *pid;
	json_t *out;    /* array of resources */
	json_t *rows;   /* vitals: an array of each row's observations */
	encounter_info_t *enc;
	int nenc, cap;
	status_t ret;
	msg_t *m;
};

static status_t add(struct gather *g, json_t *r)
{
	if (!r || json_array_append_new(g->out, r) != 0)
		return msg_fail(g->m, STATUS_NOMEM, "Could not build a FHIR resource.");
	return STATUS_OK;
}

static int enc_each(const encounter_info_t *e, void *arg)
{
	struct gather *g = arg;
	if (g->nenc == g->cap) {
		int cap = g->cap ? g->cap * 2 : 16;
		encounter_info_t *n = realloc(g->enc, (size_t)cap * sizeof *n);
		if (!n) {
			g->ret = msg_fail(g->m, STATUS_NOMEM, "Out of memory.");
			return 1;
		}
		g->enc = n;
		g->cap = cap;
	}
	g->enc[g->nenc++] = *e;
	return 0;
}

/* Each vitals row's observations as one array in g->rows (rows come
 * newest first; they are written oldest first). */
static int vit_each(const vitals_row_t *v, void *arg)
{
	struct gather *g = arg;
	json_t *row = json_array();
	if (!row || json_array_append_new(g->rows, row) != 0 || fhir_vitals(v, g->pid, row) != 0) {
		g->ret = msg_fail(g->m, STATUS_NOMEM, "Could not build a FHIR resource.");
		return 1;
	}
	return 0;
}

static int item_each(const chart_item_t *it, void *arg)
{
	struct gather *g = arg;
	return (g->ret = add(g, fhir_chart_item(it, g->pid))) != STATUS_OK;
}

static int note_each(const note_info_t *n, void *arg)
{
	struct gather *g = arg;
	if (strcmp(n->status, "signed") != 0)
		return 0; /* drafts are not part of the record yet */
	return (g->ret = add(g, fhir_document(n, g->pid))) != STATUS_OK;
}

/* Resources of one type, oldest first: reads via fn into g->out from
 * position `from` (items come active first, so they are kept in row
 * order instead). */
static int by_id_row(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "id"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "id"));
	const char *dx = x ? strchr(x, '-') : NULL, *dy = y ? strchr(y, '-') : NULL;
	long long i = dx ? atoll(dx + 1) : 0, j = dy ? atoll(dy + 1) : 0;
	return (i > j) - (i < j);
}

static void sort_rows(json_t *a, size_t from)
{
	size_t n = json_array_size(a) - from;
	json_t **v;
	if (n < 2 || !(v = malloc(n * sizeof *v)))
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(a, from + i));
	qsort(v, n, sizeof *v, by_id_row);
	for (size_t i = 0; i < n; i++)
		json_array_set_new(a, from + i, v[i]);
	free(v);
}

static status_t gather_chart(session_t *s, const char *patient, json_t *out, char pid[33],
			     msg_t *m)
{
	status_t ret;
	patient_t *p = calloc(1, sizeof *p);
	struct gather g;
	char banner[600];
	size_t from;
	memset(&g, 0, sizeof g);
	if (!p)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = patient_open(s, patient, NULL, p, m)) != STATUS_OK)
		goto cleanup;
	memcpy(pid, p->id, 33);
	g.s = s;
	g.pid = pid;
	g.out = out;
	g.m = m;
	{
		json_t *pr = fhir_patient(p);
		/* Its identifiers in other systems (core/extid.h) after the MRN. */
		if (pr && (ret = extid_list(s, pid, ident_each, pr, m)) != STATUS_OK) {
			json_decref(pr);
			goto cleanup;
		}
		if ((ret = add(&g, pr)) != STATUS_OK)
			goto cleanup;
	}
	/* Encounters, oldest first. */
	if ((ret = encounter_list(s, pid, enc_each, &g, m)) != STATUS_OK ||
	    (ret = g.ret) != STATUS_OK)
		goto cleanup;
	/* The provider records the encounters name, once each, before them. */
	for (int i = g.nenc - 1; i >= 0; i--) {
		provider_t pr;
		int seen = 0;
		if (!*g.enc[i].provider_ref)
			continue;
		for (int k = g.nenc - 1; k > i; k--)
			seen |= !strcmp(g.enc[k].provider_ref, g.enc[i].provider_ref);
		if (seen)
			continue;
		if ((ret = provider_get(s, g.enc[i].provider_ref, &pr, m)) != STATUS_OK ||
		    (ret = add(&g, fhir_practitioner(&pr))) != STATUS_OK)
			goto cleanup;
	}
	for (int i = g.nenc - 1; i >= 0; i--)
		if ((ret = add(&g, fhir_encounter(&g.enc[i], pid))) != STATUS_OK)
			goto cleanup;
	/* Conditions: the problem list, then each encounter's diagnoses. */
	from = json_array_size(out);
	if ((ret = chart_items(s, pid, CHART_PROBLEM, item_each, &g, m)) != STATUS_OK ||
	    (ret = g.ret) != STATUS_OK)
		goto cleanup;
	sort_rows(out, from);
	{
		json_t *px = json_array();
		int coding = session_can(s, ACT_CODING_EDIT) || session_can(s, ACT_CODING_QUEUE);
		if (!px) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
		for (int i = g.nenc - 1; coding && i >= 0; i--) {
			coding_t *c = calloc(1, sizeof *c);
			if (!c) {
				ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
				break;
			}
			if ((ret = coding_get(s, g.enc[i].erow, c, m)) == STATUS_OK) {
				for (int k = 1; ret == STATUS_OK && k <= c->ndx; k++)
					ret = add(&g, fhir_encounter_dx(c, k, pid));
				for (int k = 1; ret == STATUS_OK && k <= c->npx; k++) {
					json_t *r = fhir_procedure(c, k, pid);
					if (!r || json_array_append_new(px, r) != 0)
						ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
				}
			}
			free(c);
			if (ret != STATUS_OK)
				break;
		}
		if (ret != STATUS_OK) {
			json_decref(px);
			goto cleanup;
		}
		/* Allergies (or the "no known allergy" statement), medications,
		 * vital signs, procedures, notes. */
		from = json_array_size(out);
		ret = chart_items(s, pid, CHART_ALLERGY, item_each, &g, m);
		if (ret == STATUS_OK && (ret = g.ret) == STATUS_OK) {
			sort_rows(out, from);
			ret = clinical_banner(s, pid, banner, sizeof banner, m);
		}
		if (ret == STATUS_OK && strncmp(banner, "NKA", 3) == 0)
			ret = add(&g, fhir_nka(pid));
		from = json_array_size(out);
		if (ret == STATUS_OK &&
		    (ret = chart_items(s, pid, CHART_MEDICATION, item_each, &g, m)) == STATUS_OK &&
		    (ret = g.ret) == STATUS_OK)
			sort_rows(out, from);
		if (ret == STATUS_OK && !(g.rows = json_array()))
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		if (ret == STATUS_OK && (ret = vitals_list(s, pid, -1, vit_each, &g, m)) == STATUS_OK &&
		    (ret = g.ret) == STATUS_OK)
			for (size_t i = json_array_size(g.rows); ret == STATUS_OK && i > 0; i--)
				if (json_array_extend(out, json_array_get(g.rows, i - 1)) != 0)
					ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		if (ret == STATUS_OK && json_array_extend(out, px) != 0)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		/* Then the procedure history (SNOMED CT), oldest row first. */
		from = json_array_size(out);
		if (ret == STATUS_OK &&
		    (ret = chart_items(s, pid, CHART_PROCEDURE, item_each, &g, m)) == STATUS_OK &&
		    (ret = g.ret) == STATUS_OK)
			sort_rows(out, from);
		json_decref(px);
		if (ret != STATUS_OK)
			goto cleanup;
	}
	for (int i = g.nenc - 1; i >= 0; i--)
		if ((ret = note_list(s, g.enc[i].erow, note_each, &g, m)) != STATUS_OK ||
		    (ret = g.ret) != STATUS_OK)
			goto cleanup;
	msg_clear(m);
cleanup:
	json_decref(g.rows);
	free(g.enc);
	sodium_memzero(p, sizeof *p);
	free(p);
	return ret;
}

status_t fhir_chart_read(session_t *s, const char *patient, json_t *out, msg_t *m)
{
	char pid[33];
	return gather_chart(s, patient, out, pid, m);
}

static const char *or_default(const char *v, const char *dflt)
{
	return v && *v ? v : dflt;
}

status_t fhir_disclosure_check(const fhir_disclosure_t *d, msg_t *m)
{
	const char *cat = or_default(d ? d->category : NULL, FHIR_DISCLOSURE_CATEGORY);
	if (!disclosure_category_valid(cat) || !strcmp(cat, "strike"))
		return msg_fail(m, STATUS_INVALID,
				"Category '%.40s' is not a disclosure category (see 'chartroom "
				"disclosure categories').",
				cat);
	return STATUS_OK;
}

/* The accounting entry of one chart's export: what was disclosed, in
 * words ("FHIR R4 export: 23 resources (Patient 1, Encounter 5, ...)"). */
static status_t record_disclosure(session_t *s, const char *pid, json_t *out,
				  const fhir_disclosure_t *fd, msg_t *m)
{
	disclosure_t d;
	int64_t count[FHIR_TYPE_COUNT] = {0}, n = 0;
	char desc[400];
	size_t o;
	for (size_t i = 0; i < json_array_size(out); i++) {
		fhir_type_t t = fhir_type_from_name(
		    json_string_value(json_object_get(json_array_get(out, i), "resourceType")));
		if (t < FHIR_TYPE_COUNT)
			count[t]++;
	}
	o = (size_t)snprintf(desc, sizeof desc, "FHIR R4 export of the chart: %zu resources",
			     json_array_size(out));
	for (int t = 0, first = 1; t < FHIR_TYPE_COUNT && o < sizeof desc; t++)
		if (count[t]) {
			o += (size_t)snprintf(desc + o, sizeof desc - o, "%s%s %lld",
					      first ? " (" : ", ", fhir_type_name((fhir_type_t)t),
					      (long long)count[t]);
			first = 0;
		}
	if (o < sizeof desc - 1 && json_array_size(out))
		snprintf(desc + o, sizeof desc - o, ")");
	memset(&d, 0, sizeof d);
	d.category = or_default(fd ? fd->category : NULL, FHIR_DISCLOSURE_CATEGORY);
	d.recipient_name = or_default(fd ? fd->recipient_name : NULL, FHIR_DISCLOSURE_NOT_STATED);
	d.recipient_address = or_default(fd ? fd->recipient_address : NULL, "");
	d.purpose = or_default(fd ? fd->purpose : NULL, FHIR_DISCLOSURE_NOT_STATED);
	d.description = desc;
	return disclosure_record_for(s, pid, &d, "export", 0, &n, m);
}

/* Read, audit, record the disclosure, then hand out one chart. */
static status_t export_one(session_t *s, const char *patient, const fhir_disclosure_t *d,
			   fhir_emit_fn fn, void *arg, int64_t *count, json_t *seen, msg_t *m)
{
	status_t ret;
	json_t *out = json_array();
	char pid[33] = "", detail[96];
	if (!out)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = gather_chart(s, patient, out, pid, m)) != STATUS_OK)
		goto cleanup;
	snprintf(detail, sizeof detail, "FHIR R4, %zu resources", json_array_size(out));
	if ((ret = record_disclosure(s, pid, out, d, m)) != STATUS_OK ||
	    (ret = audit_note(s, "export_fhir", pid, "ok", detail, 0, m)) != STATUS_OK)
		goto cleanup;
	msg_clear(m);
	for (size_t i = 0; i < json_array_size(out); i++) {
		json_t *r = json_array_get(out, i);
		/* A bulk export writes each Practitioner once, however many
		 * charts' visits name it. */
		const char *rt = json_string_value(json_object_get(r, "resourceType"));
		if (seen && rt && !strcmp(rt, "Practitioner")) {
			const char *id = json_string_value(json_object_get(r, "id"));
			if (!id || json_object_get(seen, id))
				continue;
			if (json_object_set_new(seen, id, json_true()) != 0) {
				ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
				goto cleanup;
			}
		}
		if (count) {
			fhir_type_t t = fhir_type_from_name(
			    json_string_value(json_object_get(r, "resourceType")));
			if (t < FHIR_TYPE_COUNT)
				count[t]++;
		}
		if ((ret = fn(r, arg, m)) != STATUS_OK)
			goto cleanup;
	}
cleanup:
	json_decref(out);
	return ret;
}

status_t fhir_export_chart(session_t *s, const char *patient, const fhir_disclosure_t *d,
			   fhir_emit_fn fn, void *arg, msg_t *m)
{
	status_t ret;
	if ((ret = session_require(s, ACT_EXPORT_FHIR, m)) != STATUS_OK ||
	    (ret = fhir_disclosure_check(d, m)) != STATUS_OK)
		return ret;
	return export_one(s, patient, d, fn, arg, NULL, NULL, m);
}

status_t fhir_export_all(session_t *s, const fhir_disclosure_t *d, fhir_emit_fn fn, void *arg,
			 void (*progress)(int64_t done, int64_t total, void *arg),
			 fhir_bulk_report_t *rep, msg_t *m)
{
	enum { PAGE = 64 };
	status_t ret;
	char ids[PAGE][33];
	int64_t prows[PAGE], after = 0, total = 0;
	int n;
	json_t *seen = NULL;
	memset(rep, 0, sizeof *rep);
	if ((ret = session_require(s, ACT_EXPORT_FHIR, m)) != STATUS_OK ||
	    (ret = fhir_disclosure_check(d, m)) != STATUS_OK)
		return ret;
	if ((ret = db_patient_count(s->c->db, &total, m)) != STATUS_OK)
		return ret;
	if (!(seen = json_object()))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (;;) {
		if ((ret = db_patient_page(s->c->db, after, ids, prows, PAGE, &n, m)) != STATUS_OK)
			goto cleanup;
		if (n == 0)
			break;
		for (int i = 0; i < n; i++) {
			ret = export_one(s, ids[i], d, fn, arg, rep->count, seen, m);
			if (ret == STATUS_BTG_REQUIRED) {
				rep->skipped++; /* no break-the-glass for a bulk disclosure */
				msg_clear(m);
			} else if (ret != STATUS_OK)
				goto cleanup;
			else
				rep->charts++;
			if (progress)
				progress(rep->charts + rep->skipped, total, arg);
		}
		after = prows[n - 1];
	}
	for (int t = 0; t < FHIR_TYPE_COUNT; t++)
		rep->resources += rep->count[t];
	ret = STATUS_OK;
cleanup:
	json_decref(seen);
	return ret;
}
