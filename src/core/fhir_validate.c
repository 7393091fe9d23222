/* fhir_validate.c - the FHIR import's checks (core/fhir_internal.h): every
 * resource's shape, codes, units and values, the patient fields as a
 * registration checks them, and the references between resources, before
 * anything is written.
 *
 * Messages name the resource's place and what is wrong, never a value
 * from it (the values are PHI). */
#include "core/fhir_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/date.h"
#include "base/text.h"
#include "base/tz.h"
#include "core/perm.h"
#include "db/db_users.h"

static void refuse(ctx_t *c, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(ctx_t *c, int i, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	if (c->v[i].bad)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	c->v[i].bad = 1;
	c->nbad++;
	if (c->on_bad)
		c->on_bad(c->items[i].where, why, c->arg);
}

/* ---- reading JSON ---- */

/* The string at a path of object keys and array indexes: "name.0.family".
 * NULL when absent or not a string. */
const char *fhir_str_at(json_t *j, const char *path)
{
	char key[64];
	const char *p = path;
	while (j && *p) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = 0;
		p += n + (p[n] == '.');
		if (isdigit((unsigned char)key[0]))
			j = json_is_array(j) ? json_array_get(j, (size_t)atoi(key)) : NULL;
		else
			j = json_is_object(j) ? json_object_get(j, key) : NULL;
	}
	return json_is_string(j) ? json_string_value(j) : NULL;
}

static json_t *at(json_t *j, const char *path)
{
	char key[64];
	const char *p = path;
	while (j && *p) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = 0;
		p += n + (p[n] == '.');
		if (isdigit((unsigned char)key[0]))
			j = json_is_array(j) ? json_array_get(j, (size_t)atoi(key)) : NULL;
		else
			j = json_is_object(j) ? json_object_get(j, key) : NULL;
	}
	return j;
}

/* The code of a CodeableConcept's coding in system (NULL: any). */
static const char *code_in(json_t *concept, const char *system)
{
	json_t *codings = json_object_get(concept, "coding"), *cd;
	size_t i;
	json_array_foreach(codings, i, cd)
	{
		const char *sys = fhir_str_at(cd, "system");
		if (!system || (sys && strcmp(sys, system) == 0))
			return fhir_str_at(cd, "code");
	}
	return NULL;
}

/* Every string in the resource is text without control characters
 * (C0, C1, DEL, bidi overrides) and valid UTF-8; no key is one either. */
static int all_clean(json_t *j, int depth)
{
	const char *k;
	json_t *v;
	size_t i;
	if (depth > 32)
		return 0;
	if (json_is_string(j))
		return text_is_clean(json_string_value(j), 0) &&
		       strlen(json_string_value(j)) == json_string_length(j);
	if (json_is_object(j)) {
		json_object_foreach(j, k, v)
		{
			if (!text_is_clean(k, 0) || !all_clean(v, depth + 1))
				return 0;
		}
	}
	if (json_is_array(j))
		json_array_foreach(j, i, v)
		{
			if (!all_clean(v, depth + 1))
				return 0;
		}
	return 1;
}

/* A FHIR date or dateTime -> the stored UTC "YYYY-MM-DDTHH:MM:SSZ" (a
 * date alone: midnight UTC). Offsets are applied. 0 if not one. */
static int instant(const char *in, char out[24])
{
	struct tm tm;
	char day[11], iso[DATE_ISO_SIZE];
	int hh = 0, mi = 0, ss = 0, off = 0;
	size_t n = in ? strlen(in) : 0;
	time_t t;
	if (n < 10)
		return 0;
	memcpy(day, in, 10);
	day[10] = 0;
	if (day[4] != '-' || day[7] != '-' || date_parse(day, NULL, NULL, iso) != DATE_OK)
		return 0;
	if (n > 10) {
		const char *r = in + 10;
		char sign;
		int oh, om, used = 0;
		if (sscanf(r, "T%2d:%2d:%2d%n", &hh, &mi, &ss, &used) != 3 || hh > 23 || mi > 59 ||
		    ss > 60)
			return 0;
		r += used;
		if (*r == '.')
			for (r++; isdigit((unsigned char)*r); r++)
				;
		if (strcmp(r, "Z") == 0)
			off = 0;
		else if (sscanf(r, "%c%2d:%2d%n", &sign, &oh, &om, &used) == 3 && !r[used] &&
			 (sign == '+' || sign == '-') && oh <= 14 && om <= 59)
			off = (sign == '-' ? -1 : 1) * (oh * 60 + om);
		else
			return 0;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = atoi(day) - 1900;
	tm.tm_mon = atoi(day + 5) - 1;
	tm.tm_mday = atoi(day + 8);
	tm.tm_hour = hh;
	tm.tm_min = mi;
	tm.tm_sec = ss > 59 ? 59 : ss;
	t = timegm(&tm) - (time_t)off * 60;
	if (!gmtime_r(&t, &tm))
		return 0;
	return strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20;
}

/* A FHIR date (or dateTime) -> "YYYY-MM-DD" as written (no zone shift). */
static int date_of(const char *in, char out[11])
{
	char tmp[24], iso[DATE_ISO_SIZE];
	if (!in || strlen(in) < 10 || !instant(in, tmp))
		return 0;
	memcpy(out, in, 10);
	out[10] = 0;
	return date_parse(out, NULL, NULL, iso) == DATE_OK;
}

/* "Type/id" among the items: the index of that item, or -1. */
static int resolve(ctx_t *c, const char *ref, fhir_type_t want)
{
	const char *slash;
	if (!ref || !(slash = strchr(ref, '/')))
		return -1;
	if ((size_t)(slash - ref) != strlen(fhir_type_name(want)) ||
	    strncmp(ref, fhir_type_name(want), (size_t)(slash - ref)) != 0)
		return -1;
	for (int i = 0; i < c->n; i++)
		if (c->v[i].t == want && c->v[i].id && strcmp(c->v[i].id, slash + 1) == 0)
			return i;
	return -1;
}

/* A code as coding would take it on the encounter's date of service (in
 * the clinic's zone): 0 and the rule in why when refused. */
static int code_ok(ctx_t *c, codesys_t cs, const char *code, int enc, char *why, size_t size)
{
	char day[TZ_TEXT_MAX];
	code_hit_t hit;
	msg_t m;
	if (enc < 0)
		return 1;
	tz_format(s_cfg(c->s)->clinic_tz, c->v[enc].start, TZ_DATE, day, sizeof day);
	if (codes_check(c->s, cs, code, day, &hit, &m) == STATUS_INVALID) {
		snprintf(why, size, "%s", m.text);
		return 0;
	}
	return 1;
}

/* ---- validation, one function per type ---- */

struct held_ids {
	const imp_t *v;
	int other;
	char system[EXTID_SYSTEM_MAX + 1];
};

static int held_other(const char *system, const char *value, void *arg)
{
	struct held_ids *h = arg;
	for (int j = 0; j < h->v->nx; j++)
		if (!strcmp(h->v->xsys[j], system) && strcmp(h->v->xval[j], value) != 0) {
			h->other = 1;
			text_copy(h->system, sizeof h->system, system);
			return 1;
		}
	return 0;
}

/* The chart `key` (an MRN or a patient id) names, if it is the same
 * patient (birth date and sex): the Patient updates it. `how` says what
 * named it, for the refusal. */
static void match_chart(ctx_t *c, int i, const char *key_in, const char *how)
{
	imp_t *v = &c->v[i];
	patient_t *p = v->p, *here = calloc(1, sizeof *here);
	char key[PATIENT_FIELD_MAX];
	status_t st;
	msg_t m;
	if (!here) {
		refuse(c, i, "out of memory");
		return;
	}
	text_copy(key, sizeof key, key_in);
	st = patient_open(c->s, key, NULL, here, &m);
	if (st == STATUS_OK) {
		if (strcmp(here->f[PF_DOB], p->f[PF_DOB]) != 0 ||
		    strcmp(here->f[PF_SEX], p->f[PF_SEX]) != 0)
			refuse(c, i,
			       "Patient: %s names a chart here whose date of birth or sex differs; "
			       "not the same patient",
			       how);
		else {
			int fk = 0;
			v->existing = 1;
			memcpy(v->pid, here->id, sizeof v->pid);
			p->version = here->version;
			memcpy(p->id, here->id, sizeof p->id);
			p->prow = here->prow;
			/* Found by another identifier: the chart keeps its MRN. */
			text_copy(p->f[PF_MRN], PATIENT_FIELD_MAX, here->f[PF_MRN]);
			/* Nothing to change: the chart is left as it is. */
			while (fk < PF_COUNT && strcmp(here->f[fk], p->f[fk]) == 0)
				fk++;
			v->same = fk == PF_COUNT && here->confidential == p->confidential;
		}
	} else if (st != STATUS_NOTFOUND)
		refuse(c, i, "Patient: the chart %s names cannot be opened (%s)", how,
		       status_str(st));
	sodium_memzero(here, sizeof *here);
	sodium_memzero(key, sizeof key);
	free(here);
}

static void check_patient(ctx_t *c, int i, json_t *r)
{
	imp_t *v = &c->v[i];
	const config_t *cfg = s_cfg(c->s);
	patient_t *p;
	pfield_t badf = PF_COUNT;
	msg_t m;
	json_t *ident, *tel, *x;
	size_t k;
	const char *g = fhir_str_at(r, "gender");
	if (!(p = v->p = calloc(1, sizeof *p))) {
		refuse(c, i, "out of memory");
		return;
	}
#define SET(fld, val)                                                                                \
	do {                                                                                       \
		const char *val_ = (val);                                                  \
		if (val_ && strlen(val_) >= PATIENT_FIELD_MAX) {                           \
			refuse(c, i, "Patient %s is too long", patient_field_name(fld));     \
			return;                                                            \
		}                                                                          \
		if (val_)                                                                  \
			text_copy(p->f[fld], PATIENT_FIELD_MAX, val_);                       \
	} while (0)
	SET(PF_LAST, fhir_str_at(r, "name.0.family"));
	SET(PF_FIRST, fhir_str_at(r, "name.0.given.0"));
	SET(PF_MIDDLE, fhir_str_at(r, "name.0.given.1"));
	SET(PF_SUFFIX, fhir_str_at(r, "name.0.suffix.0"));
	SET(PF_DOB, fhir_str_at(r, "birthDate"));
	if (!g) {
		refuse(c, i, "Patient has no gender");
		return;
	}
	SET(PF_SEX, !strcmp(g, "female")  ? "F"
		    : !strcmp(g, "male")  ? "M"
		    : !strcmp(g, "other") ? "X"
		    : !strcmp(g, "unknown") ? "U"
					    : "?");
	if (fhir_str_at(r, "deceasedDateTime")) {
		char d[11];
		if (!date_of(fhir_str_at(r, "deceasedDateTime"), d)) {
			refuse(c, i, "Patient deceasedDateTime is not a date");
			return;
		}
		SET(PF_DEATH, d);
	}
	SET(PF_ADDR1, fhir_str_at(r, "address.0.line.0"));
	SET(PF_ADDR2, fhir_str_at(r, "address.0.line.1"));
	SET(PF_CITY, fhir_str_at(r, "address.0.city"));
	SET(PF_STATE, fhir_str_at(r, "address.0.state"));
	SET(PF_ZIP, fhir_str_at(r, "address.0.postalCode"));
	tel = json_object_get(r, "telecom");
	json_array_foreach(tel, k, x)
	{
		const char *sys = fhir_str_at(x, "system"), *use = fhir_str_at(x, "use");
		const char *val = fhir_str_at(x, "value");
		if (!sys || !val)
			continue;
		if (!strcmp(sys, "email"))
			SET(PF_EMAIL, val);
		else if (!strcmp(sys, "phone") && use && !strcmp(use, "mobile"))
			SET(PF_PHONE_MOBILE, val);
		else if (!strcmp(sys, "phone") && !*p->f[PF_PHONE_HOME])
			SET(PF_PHONE_HOME, val);
	}
	SET(PF_LANGUAGE, fhir_str_at(r, "communication.0.language.text"));
	SET(PF_EC_NAME, fhir_str_at(r, "contact.0.name.text"));
	SET(PF_EC_RELATION, fhir_str_at(r, "contact.0.relationship.0.text"));
	SET(PF_EC_PHONE, fhir_str_at(r, "contact.0.telecom.0.value"));
	json_array_foreach(json_object_get(json_object_get(r, "meta"), "security"), k, x)
	{
		const char *code = fhir_str_at(x, "code");
		if (code && (!strcmp(code, "R") || !strcmp(code, "V")))
			p->confidential = 1;
	}
	ident = json_object_get(r, "identifier");
	json_array_foreach(ident, k, x)
	{
		const char *sys = fhir_str_at(x, "system"), *val = fhir_str_at(x, "value");
		if (sys && !strcmp(sys, FHIR_SYS_MRN)) {
			SET(PF_MRN, val);
			continue;
		}
		/* Another system's (Synthea's Id, ...): kept with the chart. */
		if (extid_check(sys, val, &m) != STATUS_OK) {
			refuse(c, i, "Patient.identifier[%zu]: %s", k, m.text);
			return;
		}
		for (int j = 0; j < v->nx; j++)
			if (!strcmp(v->xsys[j], sys)) {
				refuse(c, i, "Patient.identifier[%zu]: a second identifier of %s", k,
				       sys);
				return;
			}
		if (v->nx == EXTID_PER_PATIENT) {
			refuse(c, i, "Patient has more than %d identifiers of other systems",
			       EXTID_PER_PATIENT);
			return;
		}
		v->xsys[v->nx] = sys;
		v->xval[v->nx++] = val;
	}
#undef SET
	msg_clear(&m);
	if (patient_validate(cfg, p, &badf, &m) != STATUS_OK) {
		/* The message quotes the value: name the field only. */
		refuse(c, i, "Patient %s is not valid (%s)",
		       badf < PF_COUNT ? patient_field_name(badf) : "record",
		       badf < PF_COUNT ? patient_field_label(badf) : "fields");
		return;
	}
	if (*p->f[PF_MRN] && patient_mrn_valid(cfg, p->f[PF_MRN]))
		match_chart(c, i, p->f[PF_MRN], "its MRN identifier");
	/* Else by an identifier of another system a chart holds. */
	for (int j = 0; j < v->nx && !v->existing && !v->bad; j++) {
		char pid[33];
		status_t st = extid_find(c->s, v->xsys[j], v->xval[j], pid, &m);
		if (st == STATUS_OK)
			match_chart(c, i, pid, "its identifier");
		else if (st != STATUS_NOTFOUND)
			refuse(c, i, "Patient.identifier: the chart it names cannot be opened (%s)",
			       status_str(st));
	}
	if (v->existing && !v->bad) {
		/* A chart holding another value of one of its systems is another
		 * patient's (Synthea's Id says so even when names agree). */
		struct held_ids h = {v, 0, ""};
		if (extid_list(c->s, v->pid, held_other, &h, &m) != STATUS_OK)
			refuse(c, i, "Patient: the chart it names cannot be read (%s)", m.text);
		else if (h.other)
			refuse(c, i,
			       "Patient: the chart it names holds another %s identifier; not the "
			       "same patient",
			       h.system);
	}
	if (v->existing && !v->bad && v->same)
		/* The chart as it is; what it lacks is its identifiers. */
		for (int j = 0; j < v->nx && v->same; j++) {
			char pid[33];
			if (extid_find(c->s, v->xsys[j], v->xval[j], pid, &m) != STATUS_OK ||
			    strcmp(pid, v->pid) != 0)
				v->same = 0, v->ids_only = 1;
		}
	if (!v->existing && !v->bad) {
		/* A registration's duplicate check, before anything is written. */
		patient_match_t *d = calloc(PATIENT_MATCH_MAX, sizeof *d);
		int nd = 0;
		*p->f[PF_MRN] = 0; /* MRNs are assigned here */
		if (!d)
			refuse(c, i, "out of memory");
		else if (patient_find_duplicates(c->s, p, d, PATIENT_MATCH_MAX, &nd, &m) ==
				 STATUS_OK &&
			 nd > 0)
			refuse(c, i,
			       "Patient is a likely duplicate of %s here (score %d): give it that MRN "
			       "as its identifier to update that chart",
			       d[0].mrn, d[0].score);
		if (d) {
			sodium_memzero(d, PATIENT_MATCH_MAX * sizeof *d);
			free(d);
		}
	}
}

static int patient_of(ctx_t *c, int i, json_t *r, const char *key)
{
	int pi = resolve(c, fhir_str_at(r, key), FHIR_PATIENT);
	if (pi < 0)
		refuse(c, i, "%s.%s must refer to a Patient in the file",
		       fhir_type_name(c->v[i].t), key);
	return pi;
}

static int encounter_of(ctx_t *c, int i, json_t *r, const char *path, int pat)
{
	int ei = resolve(c, fhir_str_at(r, path), FHIR_ENCOUNTER);
	if (ei < 0)
		refuse(c, i, "%s.%s must refer to an Encounter in the file",
		       fhir_type_name(c->v[i].t), path);
	else if (c->v[ei].pat != pat)
		refuse(c, i, "its Encounter belongs to another Patient");
	return ei;
}

struct prov_probe {
	const char *name;
	int found;
};

static int prov_each(const db_user_t *u, void *arg)
{
	struct prov_probe *p = arg;
	if (strcmp(u->name, p->name) == 0 && strcmp(u->role, "provider") == 0 && !u->disabled)
		p->found = 1;
	return 0;
}

static void check_practitioner(ctx_t *c, int i, json_t *r)
{
	imp_t *v = &c->v[i];
	msg_t m;
	v->prv.system = fhir_str_at(r, "identifier.0.system");
	v->prv.value = fhir_str_at(r, "identifier.0.value");
	v->prv.name = fhir_str_at(r, "name.0.text");
	if (!v->prv.name)
		v->prv.name = fhir_str_at(r, "name.0.family");
	v->prv.gender = fhir_str_at(r, "gender");
	v->prv.speciality = fhir_str_at(r, "qualification.0.code.text");
	v->prv.location = fhir_str_at(r, "address.0.text");
	{
		json_t *ext = json_object_get(r, "extension"), *x;
		size_t k;
		json_array_foreach(ext, k, x)
		{
			const char *url = fhir_str_at(x, "url");
			if (url && !strcmp(url, FHIR_EXT_ORGANIZATION))
				v->prv.organization = fhir_str_at(x, "valueString");
		}
	}
	if (!v->prv.system || !v->prv.value) {
		refuse(c, i, "Practitioner needs identifier.0.system and identifier.0.value");
		return;
	}
	if (provider_input_check(&v->prv, &m) != STATUS_OK)
		refuse(c, i, "Practitioner: %.200s", m.text);
}

static void check_encounter(ctx_t *c, int i, json_t *r)
{
	imp_t *v = &c->v[i];
	const char *st = fhir_str_at(r, "status");
	char buf[48];
	int known = 0;
	v->pat = patient_of(c, i, r, "subject.reference");
	v->type = fhir_str_at(r, "type.0.text");
	if (!v->type)
		v->type = fhir_str_at(r, "type.0.coding.0.display");
	for (int k = 0; v->type && encounter_type(s_cfg(c->s), k, buf, sizeof buf); k++)
		known |= strcmp(buf, v->type) == 0;
	if (!known) {
		refuse(c, i, "Encounter.type is not one of this clinic's encounter types");
		return;
	}
	v->provider = fhir_str_at(r, "participant.0.individual.display");
	if (!v->provider) {
		refuse(c, i, "Encounter has no participant (its provider's user name)");
		return;
	}
	{
		struct prov_probe pp = {v->provider, 0};
		msg_t m;
		if (db_user_each(c->s->c->db, prov_each, &pp, &m) != STATUS_OK || !pp.found) {
			refuse(c, i,
			       "Encounter.participant is not the user name of a provider here");
			return;
		}
	}
	/* A participant referring to a Practitioner: the provider record the
	 * visit names (one). */
	{
		json_t *parts = json_object_get(r, "participant"), *p;
		size_t k;
		json_array_foreach(parts, k, p)
		{
			const char *ref = fhir_str_at(p, "individual.reference");
			if (!ref)
				continue;
			if (v->prac >= 0 || (v->prac = resolve(c, ref, FHIR_PRACTITIONER)) < 0) {
				refuse(c, i, "Encounter.participant must refer to one Practitioner in "
					     "the file");
				return;
			}
		}
	}
	v->location = fhir_str_at(r, "location.0.location.display");
	if (!v->location || !*v->location) {
		refuse(c, i, "Encounter needs location.0.location.display (where the visit was)");
		return;
	}
	v->reason = fhir_str_at(r, "reasonCode.0.text");
	if (!instant(fhir_str_at(r, "period.start"), v->start)) {
		refuse(c, i, "Encounter.period.start is not a dateTime");
		return;
	}
	{
		/* As check-in takes a date of service (from 1900: an imported
		 * history reaches back decades), not ahead, and not before the
		 * patient was born. */
		char now[24];
		const char *dob = v->pat >= 0 && c->v[v->pat].p ? c->v[v->pat].p->f[PF_DOB] : "";
		core_now(now);
		if (strcmp(v->start, SERVICE_DATE_MIN "T00:00:00Z") < 0 || strcmp(v->start, now) > 0) {
			refuse(c, i, "Encounter.period.start is before " SERVICE_DATE_MIN
				     " or in the future");
			return;
		}
		if (*dob && strncmp(v->start, dob, 10) < 0) {
			refuse(c, i, "Encounter.period.start is before the patient's birth date");
			return;
		}
	}
	if (!st || (strcmp(st, "finished") && strcmp(st, "in-progress") && strcmp(st, "arrived") &&
		    strcmp(st, "triaged"))) {
		refuse(c, i, "Encounter.status must be finished, in-progress, arrived or triaged");
		return;
	}
	if (!strcmp(st, "finished")) {
		char now[24];
		core_now(now);
		if (!instant(fhir_str_at(r, "period.end"), v->end) || strcmp(v->end, v->start) < 0 ||
		    strcmp(v->end, now) > 0)
			refuse(c, i,
			       "a finished Encounter needs period.end, not before its start nor in "
			       "the future");
	}
}

static const char *status_code(json_t *r, const char *key)
{
	return code_in(json_object_get(r, key), NULL);
}

static void check_condition(ctx_t *c, int i, json_t *r)
{
	imp_t *v = &c->v[i];
	const char *cat = code_in(at(r, "category.0"), NULL);
	const char *clin = status_code(r, "clinicalStatus"), *ver = status_code(r, "verificationStatus");
	v->pat = patient_of(c, i, r, "subject.reference");
	v->code = code_in(json_object_get(r, "code"), FHIR_SYS_ICD10CM);
	v->text = fhir_str_at(r, "code.text");
	if (!cat || (strcmp(cat, "problem-list-item") && strcmp(cat, "encounter-diagnosis"))) {
		refuse(c, i, "Condition.category must be problem-list-item or encounter-diagnosis");
		return;
	}
	v->kind = strcmp(cat, "encounter-diagnosis") == 0;
	if (v->kind) {
		if (!v->code) {
			refuse(c, i, "an encounter diagnosis needs an ICD-10-CM code");
			return;
		}
		char why[sizeof(msg_t)];
		v->enc = encounter_of(c, i, r, "encounter.reference", v->pat);
		if (v->enc >= 0 && !code_ok(c, CS_ICD10CM, v->code, v->enc, why, sizeof why)) {
			refuse(c, i, "%.300s", why);
			return;
		}
		if (v->enc >= 0) {
			int seq = 0;
			for (int k = 0; k <= i; k++)
				seq += c->v[k].t == FHIR_CONDITION && c->v[k].kind == 1 &&
				       c->v[k].enc == v->enc;
			v->dxseq = seq;
			if (seq > CODING_MAX_DX)
				refuse(c, i, "an encounter has at most %d diagnoses", CODING_MAX_DX);
		}
		return;
	}
	if (!v->text || !*v->text) {
		refuse(c, i, "a problem needs its description in Condition.code.text");
		return;
	}
	if (!v->code && (v->code = code_in(json_object_get(r, "code"), FHIR_SYS_SNOMED)) &&
	    !clinical_snomed_valid(v->code)) {
		refuse(c, i, "Condition.code's SNOMED CT code is not a concept id");
		return;
	} else if (v->code && code_in(json_object_get(r, "code"), FHIR_SYS_ICD10CM)) {
		/* As problem_add: once a code set is loaded, a code of the
		 * version in effect today. */
		code_hit_t h;
		msg_t why;
		status_t chk = codes_check(c->s, CS_ICD10CM, v->code, NULL, &h, &why);
		if (chk != STATUS_OK && chk != STATUS_NOTFOUND) {
			refuse(c, i, "%.300s", why.text);
			return;
		}
	}
	if (fhir_str_at(r, "onsetDateTime") && !date_of(fhir_str_at(r, "onsetDateTime"), v->date)) {
		refuse(c, i, "Condition.onsetDateTime is not a date");
		return;
	}
	if (ver && !strcmp(ver, "entered-in-error"))
		v->status = "entered-in-error";
	else if (!clin || !strcmp(clin, "active") || !strcmp(clin, "recurrence") ||
		 !strcmp(clin, "relapse"))
		v->status = "active";
	else if (!strcmp(clin, "resolved") || !strcmp(clin, "inactive") ||
		 !strcmp(clin, "remission"))
		v->status = "resolved";
	else
		refuse(c, i, "Condition.clinicalStatus is not a known code");
}

static void check_allergy(ctx_t *c, int i, json_t *r)
{
	imp_t *v = &c->v[i];
	const char *clin = status_code(r, "clinicalStatus"), *ver = status_code(r, "verificationStatus");
	const char *sev = fhir_str_at(r, "reaction.0.severity");
	v->pat = patient_of(c, i, r, "patient.reference");
	if (code_in(json_object_get(r, "code"), FHIR_SYS_SNOMED) &&
	    !strcmp(code_in(json_object_get(r, "code"), FHIR_SYS_SNOMED), FHIR_NKA_CODE)) {
		v->kind = 1;
		return;
	}
	v->text = fhir_str_at(r, "code.text");
	if (!v->text || !*v->text) {
		refuse(c, i, "an allergy needs its substance in AllergyIntolerance.code.text");
		return;
	}
	v->text2 = fhir_str_at(r, "reaction.0.manifestation.0.text");
	if (v->text2 && !strcmp(v->text2, FHIR_NO_REACTION))
		v->text2 = NULL;
	if (sev && strcmp(sev, "mild") && strcmp(sev, "moderate") && strcmp(sev, "severe")) {
		refuse(c, i, "AllergyIntolerance.reaction.severity must be mild, moderate or severe");
		return;
	}
	v->code = sev ? sev : "unknown";
	if (ver && !strcmp(ver, "entered-in-error"))
		v->status = "entered-in-error";
	else if (!clin || !strcmp(clin, "active"))
		v->status = "active";
	else if (!strcmp(clin, "inactive") || !strcmp(clin, "resolved"))
		v->status = "inactive";
	else
		refuse(c, i, "AllergyIntolerance.clinicalStatus is not a known code");
}

static void check_medication(ctx_t *c, int i, json_t *r)
{
	imp_t *v = &c->v[i];
	const char *st = fhir_str_at(r, "status");
	v->pat = patient_of(c, i, r, "subject.reference");
	v->text = fhir_str_at(r, "medicationCodeableConcept.text");
	if (!v->text || !*v->text) {
		refuse(c, i, "MedicationStatement needs medicationCodeableConcept.text");
		return;
	}
	v->text2 = fhir_str_at(r, "dosage.0.text");
	v->extra = fhir_str_at(r, "dosage.0.timing.code.text");
	v->code = fhir_str_at(r, "dosage.0.route.text");
	if (!medication_route_valid(v->code)) {
		refuse(c, i,
		       "MedicationStatement.dosage.route.text must be one of PO, IV, IM, SC, SL, PR, "
		       "topical, inhaled, nasal, ophthalmic, otic, transdermal, other");
		return;
	}
	if (fhir_str_at(r, "effectiveDateTime") && !date_of(fhir_str_at(r, "effectiveDateTime"), v->date)) {
		refuse(c, i, "MedicationStatement.effectiveDateTime is not a date");
		return;
	}
	if (!st || (strcmp(st, "active") && strcmp(st, "stopped") && strcmp(st, "completed") &&
		    strcmp(st, "entered-in-error")))
		refuse(c, i,
		       "MedicationStatement.status must be active, stopped, completed or "
		       "entered-in-error");
	else
		v->status = !strcmp(st, "completed") ? "stopped" : st;
}

/* The vital signs Chartroom records, by LOINC code, with the UCUM units
 * it reads. */
static const struct vsign {
	const char *loinc, *unit, *unit2;
} vsigns[] = {
    {"85354-9", "mm[Hg]", NULL}, {"8867-4", "/min", NULL},      {"9279-1", "/min", NULL},
    {"8310-5", "Cel", "[degF]"}, {"59408-5", "%", NULL},        {"8302-2", "cm", "[in_i]"},
    {"29463-7", "kg", "[lb_av]"}, {"39156-5", "kg/m2", NULL},
};

static int quantity_of(json_t *q, const struct vsign *vs, double *val, const char **unit)
{
	json_t *value = json_object_get(q, "value");
	const char *code = fhir_str_at(q, "code");
	if (!json_is_number(value) || !code)
		return 0;
	if (strcmp(code, vs->unit) && !(vs->unit2 && !strcmp(code, vs->unit2)))
		return 0;
	*val = json_number_value(value);
	*unit = code;
	return *val >= 0 && *val < 100000;
}

static void check_observation(ctx_t *c, int i, json_t *r)
{
	imp_t *v = &c->v[i];
	const char *cat = code_in(at(r, "category.0"), NULL), *unit = NULL;
	const struct vsign *vs = NULL;
	v->pat = patient_of(c, i, r, "subject.reference");
	if (!cat || strcmp(cat, "vital-signs")) {
		refuse(c, i, "only vital-signs Observations are imported");
		return;
	}
	v->loinc = code_in(json_object_get(r, "code"), FHIR_SYS_LOINC);
	for (size_t k = 0; v->loinc && k < sizeof vsigns / sizeof vsigns[0]; k++)
		if (!strcmp(vsigns[k].loinc, v->loinc))
			vs = &vsigns[k];
	if (!vs) {
		refuse(c, i, "Observation.code is not a LOINC vital sign Chartroom records");
		return;
	}
	v->enc = encounter_of(c, i, r, "encounter.reference", v->pat);
	if (!instant(fhir_str_at(r, "effectiveDateTime"), v->taken)) {
		refuse(c, i, "Observation.effectiveDateTime is not a dateTime");
		return;
	}
	if (!strcmp(vs->loinc, "85354-9")) {
		json_t *comp = json_object_get(r, "component"), *x;
		size_t k;
		int got = 0;
		json_array_foreach(comp, k, x)
		{
			const char *cc = code_in(json_object_get(x, "code"), FHIR_SYS_LOINC);
			double val;
			if (!cc || !quantity_of(json_object_get(x, "valueQuantity"), vs, &val, &unit))
				continue;
			if (!strcmp(cc, "8480-6"))
				v->value = val, got |= 1;
			else if (!strcmp(cc, "8462-4"))
				v->value2 = val, got |= 2;
		}
		if (got != 3)
			refuse(c, i,
			       "a blood pressure panel needs its 8480-6 and 8462-4 components in "
			       "mm[Hg]");
		return;
	}
	if (!quantity_of(json_object_get(r, "valueQuantity"), vs, &v->value, &unit)) {
		refuse(c, i, "Observation.valueQuantity needs a number in %s%s%s", vs->unit,
		       vs->unit2 ? " or " : "", vs->unit2 ? vs->unit2 : "");
		return;
	}
	v->extra = unit;
}

static void check_procedure(ctx_t *c, int i, json_t *r)
{
	imp_t *v = &c->v[i];
	json_t *why = json_object_get(r, "reasonReference"), *x;
	size_t k;
	v->pat = patient_of(c, i, r, "subject.reference");
	/* A SNOMED CT procedure is the patient's history (kind 1), not a
	 * line of an encounter's coding. */
	if ((v->code = code_in(json_object_get(r, "code"), FHIR_SYS_SNOMED))) {
		const char *st = fhir_str_at(r, "status");
		v->kind = 1;
		v->enc = -1;
		v->text = fhir_str_at(r, "code.text");
		if (!clinical_snomed_valid(v->code)) {
			refuse(c, i, "Procedure.code is not a SNOMED CT concept id");
			return;
		}
		if (!v->text || !*v->text) {
			refuse(c, i, "a procedure of the history needs its description in "
				     "Procedure.code.text");
			return;
		}
		if (!st || (strcmp(st, "completed") && strcmp(st, "entered-in-error"))) {
			refuse(c, i, "a SNOMED CT Procedure's status must be completed or "
				     "entered-in-error");
			return;
		}
		v->status = st;
		if (fhir_str_at(r, "performedDateTime") &&
		    !date_of(fhir_str_at(r, "performedDateTime"), v->date)) {
			refuse(c, i, "Procedure.performedDateTime is not a date");
			return;
		}
		return;
	}
	v->enc = encounter_of(c, i, r, "encounter.reference", v->pat);
	if ((v->code = code_in(json_object_get(r, "code"), FHIR_SYS_HCPCS)))
		v->extra = "hcpcs";
	else if ((v->code = code_in(json_object_get(r, "code"), FHIR_SYS_CPT)))
		v->extra = "cpt";
	else {
		refuse(c, i, "Procedure.code needs a HCPCS or CPT coding (or SNOMED CT, for the "
			     "patient's procedure history)");
		return;
	}
	{
		char rule[sizeof(msg_t)];
		if (!code_ok(c, strcmp(v->extra, "cpt") ? CS_HCPCS : CS_CPT, v->code, v->enc, rule,
			     sizeof rule)) {
			refuse(c, i, "%.300s", rule);
			return;
		}
	}
	json_array_foreach(why, k, x)
	{
		int d = resolve(c, fhir_str_at(x, "reference"), FHIR_CONDITION);
		if (d < 0 || c->v[d].kind != 1 || c->v[d].enc != v->enc || d > i) {
			refuse(c, i,
			       "Procedure.reasonReference must name diagnoses of its Encounter in "
			       "the file");
			return;
		}
		if (v->nreasons < CODING_MAX_DX)
			v->reasons[v->nreasons++] = d;
	}
	if (!v->nreasons)
		refuse(c, i, "a Procedure needs reasonReference to its Encounter's diagnoses");
}

static void check_document(ctx_t *c, int i, json_t *r)
{
	imp_t *v = &c->v[i];
	const char *data = fhir_str_at(r, "content.0.attachment.data");
	const char *ctype = fhir_str_at(r, "content.0.attachment.contentType");
	const char *ds = fhir_str_at(r, "docStatus");
	json_t *size = at(r, "content.0.attachment.size");
	size_t max = NOTE_MAX, len;
	msg_t m;
	v->pat = patient_of(c, i, r, "subject.reference");
	v->enc = encounter_of(c, i, r, "context.encounter.0.reference", v->pat);
	v->appends = -1;
	if (!ctype || strncmp(ctype, "text/plain", 10) != 0 || !data) {
		refuse(c, i, "DocumentReference needs a text/plain attachment with its data");
		return;
	}
	if (size && (!json_is_integer(size) || json_integer_value(size) < 0 ||
		     json_integer_value(size) > (json_int_t)NOTE_MAX)) {
		refuse(c, i, "the attachment's size is not a note's (at most %d bytes)", NOTE_MAX);
		return;
	}
	len = strlen(data);
	if (len > sodium_base64_ENCODED_LEN(max, sodium_base64_VARIANT_ORIGINAL)) {
		refuse(c, i, "the note is longer than %d bytes", NOTE_MAX);
		return;
	}
	if (!(v->body = malloc(max + 1))) {
		refuse(c, i, "out of memory");
		return;
	}
	if (sodium_base642bin((unsigned char *)v->body, max, data, len, NULL, &v->body_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		refuse(c, i, "the attachment's data is not base64 (or longer than a note)");
		return;
	}
	v->body[v->body_len] = 0;
	if (size && (size_t)json_integer_value(size) != v->body_len) {
		refuse(c, i, "the attachment's size does not match its data");
		return;
	}
	if (text_check("The note", v->body, v->body_len, TEXT_ALLOW_NEWLINE | TEXT_ALLOW_TAB, &m) !=
	    STATUS_OK) {
		refuse(c, i, "%s", m.text);
		return;
	}
	v->final = !ds || !strcmp(ds, "final") || !strcmp(ds, "amended");
	if (fhir_str_at(r, "relatesTo.0.code")) {
		int t = resolve(c, fhir_str_at(r, "relatesTo.0.target.reference"), FHIR_DOCUMENT);
		if (strcmp(fhir_str_at(r, "relatesTo.0.code"), "appends") != 0 || t < 0 || t >= i ||
		    c->v[t].appends >= 0 || c->v[t].enc != v->enc) {
			refuse(c, i,
			       "relatesTo must be 'appends' to an earlier note of the same "
			       "Encounter in the file");
			return;
		}
		v->appends = t;
	}
}

void fhir_validate(ctx_t *c)
{
	int n = c->n;
	/* Types and ids first: references are resolved against them. */
	for (int i = 0; i < n; i++) {
		json_t *r = c->items[i].res;
		const char *rt = fhir_str_at(r, "resourceType");
		imp_t *v = &c->v[i];
		v->pat = v->enc = v->appends = v->prac = -1;
		v->t = rt ? fhir_type_from_name(rt) : FHIR_TYPE_COUNT;
		v->id = fhir_str_at(r, "id");
		if (!json_is_object(r))
			refuse(c, i, "not a JSON object");
		else if (!all_clean(r, 0))
			refuse(c, i,
			       "a value holds a control character or is not valid UTF-8 text");
		else if (v->t == FHIR_TYPE_COUNT)
			refuse(c, i, "resourceType is missing or not one Chartroom imports");
		else if (!v->id || !*v->id || strlen(v->id) > 64)
			refuse(c, i, "id is missing or longer than 64 characters");
		else
			for (int k = 0; k < i; k++)
				if (c->v[k].t == v->t && c->v[k].id && !strcmp(c->v[k].id, v->id)) {
					refuse(c, i, "a second %s with the same id", rt);
					break;
				}
	}
	/* Patients, then encounters, then the rest: a reference is to a
	 * resource checked before it. */
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < n; i++) {
			imp_t *v = &c->v[i];
			json_t *r = c->items[i].res;
			int want = v->t == FHIR_PATIENT || v->t == FHIR_PRACTITIONER ? 0
				   : v->t == FHIR_ENCOUNTER                         ? 1
										    : 2;
			if (v->bad || want != pass)
				continue;
			switch (v->t) {
			case FHIR_PATIENT: check_patient(c, i, r); break;
			case FHIR_PRACTITIONER: check_practitioner(c, i, r); break;
			case FHIR_ENCOUNTER: check_encounter(c, i, r); break;
			case FHIR_CONDITION: check_condition(c, i, r); break;
			case FHIR_ALLERGY: check_allergy(c, i, r); break;
			case FHIR_MEDICATION: check_medication(c, i, r); break;
			case FHIR_OBSERVATION: check_observation(c, i, r); break;
			case FHIR_PROCEDURE: check_procedure(c, i, r); break;
			case FHIR_DOCUMENT: check_document(c, i, r); break;
			default: break;
			}
		}
	/* What depends on a refused resource is left out with it. */
	for (int changed = 1; changed;) {
		changed = 0;
		for (int i = 0; i < n; i++) {
			imp_t *v = &c->v[i];
			int dep = (v->pat >= 0 && c->v[v->pat].bad) || (v->enc >= 0 && c->v[v->enc].bad) ||
				  (v->appends >= 0 && c->v[v->appends].bad) ||
				  (v->prac >= 0 && c->v[v->prac].bad);
			for (int k = 0; k < v->nreasons; k++)
				dep |= c->v[v->reasons[k]].bad;
			if (!v->bad && dep) {
				refuse(c, i, "refers to a resource that is refused");
				changed = 1;
			}
		}
	}
}
