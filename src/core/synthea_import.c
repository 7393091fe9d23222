/* synthea_import.c - a Synthea CSV export into charts (core/synthea_import.h):
 * the rows synthea_read passes are turned into the FHIR R4 resources the
 * export writes for the same records, and imported by fhir_import_with,
 * the one writer of imported charts. Owns the mapping only. */
#include "core/synthea_import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "base/text.h"
#include "core/clinical.h"
#include "core/extid.h"
#include "core/internal.h"
#include "core/perm.h"
#include "core/pmatch.h"

#define NV 12 /* values handed per row (synthea.c's MAXCOLS) */
#define SYN_LOCATION "Synthea import"
#define SYN_FREQUENCY "recorded elsewhere"

typedef struct row {
	syn_file_t f;
	long line;
	char *v[NV];
} row_t;

typedef struct gather {
	row_t *r;
	size_t n, cap;
} gather_t;

static int keep_row(syn_file_t f, long line, const char *const *vals, void *arg)
{
	gather_t *g = arg;
	row_t *r;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		row_t *nr = realloc(g->r, cap * sizeof *nr);
		if (!nr)
			return -1;
		g->r = nr;
		g->cap = cap;
	}
	r = &g->r[g->n];
	memset(r, 0, sizeof *r);
	r->f = f;
	r->line = line;
	g->n++;
	for (int k = 0; k < NV; k++)
		if (!(r->v[k] = strdup(vals[k] ? vals[k] : "")))
			return -1;
	return 0;
}

static void gather_free(gather_t *g)
{
	for (size_t i = 0; i < g->n; i++)
		for (int k = 0; k < NV; k++)
			if (g->r[i].v[k]) {
				sodium_memzero(g->r[i].v[k], strlen(g->r[i].v[k]));
				free(g->r[i].v[k]);
			}
	free(g->r);
}

/* The TYPE the map names for class cls ("*": the default), trimmed, or
 * 0 when it names none. */
static int map_lookup(const char *map, const char *cls, char *out, size_t size)
{
	for (const char *p = map; *p;) {
		size_t n = strcspn(p, ","), k = strcspn(p, "=");
		const char *c = p + strspn(p, " "), *t;
		size_t cn = strcspn(c, " =");
		if (k < n && cn == strlen(cls) && !strncmp(c, cls, cn)) {
			t = p + k + 1 + strspn(p + k + 1, " ");
			n -= (size_t)(t - p);
			while (n && t[n - 1] == ' ')
				n--;
			snprintf(out, size, "%.*s", (int)n, t);
			return 1;
		}
		p += n;
		p += strspn(p, ", ");
	}
	return 0;
}

/* The clinic's spelling of type, or 0 when it is not one of its types. */
static int known_type(const config_t *cfg, const char *type, char *out, size_t size)
{
	char buf[48];
	for (int k = 0; encounter_type(cfg, k, buf, sizeof buf); k++)
		if (!strcasecmp(buf, type)) {
			snprintf(out, size, "%s", buf);
			return 1;
		}
	return 0;
}

status_t synthea_classes_check(const config_t *cfg, msg_t *m)
{
	char t[64], one[48];
	for (const char *p = cfg->synthea_classes; *p;) {
		size_t n = strcspn(p, ","), k = strcspn(p, "=");
		const char *c = p + strspn(p, " ");
		size_t cn = strcspn(c, " =");
		if (k < n) {
			snprintf(one, sizeof one, "%.*s", (int)(cn < 40 ? cn : 40), c);
			map_lookup(p, one, t, sizeof t);
			if (!known_type(cfg, t, t, sizeof t))
				return msg_fail(m, STATUS_CONFIG,
						"[clinical] synthea_classes: %s = '%s' is not one of "
						"[clinical] encounter_types (%s); nothing was imported.",
						one, t, cfg->encounter_types);
		}
		p += n;
		p += strspn(p, ", ");
	}
	if (!encounter_type(cfg, 0, one, sizeof one))
		return msg_fail(m, STATUS_CONFIG, "[clinical] encounter_types is empty.");
	return STATUS_OK;
}

void synthea_type(const config_t *cfg, const char *cls, char *out, size_t size)
{
	char t[64];
	if ((map_lookup(cfg->synthea_classes, cls ? cls : "", t, sizeof t) ||
	     map_lookup(cfg->synthea_classes, "*", t, sizeof t)) &&
	    known_type(cfg, t, out, size))
		return;
	if (!encounter_type(cfg, 0, out, size) && size)
		out[0] = '\0';
}

/* ---- the provider every encounter is recorded with ---- */

struct prov {
	const char *want;
	char name[DB_NAME_MAX + 1];
	int n, found;
};

static int prov_each(const db_user_t *u, void *arg)
{
	struct prov *p = arg;
	if (strcmp(u->role, "provider") != 0 || u->disabled)
		return 0;
	p->n++;
	if (!p->want) {
		snprintf(p->name, sizeof p->name, "%s", u->name);
	} else if (!strcmp(p->want, u->name)) {
		snprintf(p->name, sizeof p->name, "%s", u->name);
		p->found = 1;
	}
	return 0;
}

static status_t pick_provider(session_t *s, const char *want, char *out, size_t size, msg_t *m)
{
	struct prov p;
	status_t st;
	memset(&p, 0, sizeof p);
	p.want = want && *want ? want : NULL;
	if ((st = db_user_each(s->c->db, prov_each, &p, m)) != STATUS_OK)
		return st;
	if (p.want && !p.found)
		return msg_fail(m, STATUS_INVALID,
				"--provider: '%.60s' is not an active user with the provider role.",
				want);
	if (!p.want && p.n != 1)
		return msg_fail(m, STATUS_USAGE,
				"The clinic has %d provider users: name the one Synthea's encounters "
				"are recorded with (--provider USER).",
				p.n);
	snprintf(out, size, "%s", p.name);
	return STATUS_OK;
}

/* ---- ids ---- */

typedef struct idx {
	const char *id;
	int k;
} idx_t;

static int by_id(const void *a, const void *b)
{
	return strcmp(((const idx_t *)a)->id, ((const idx_t *)b)->id);
}

static int find(const idx_t *t, size_t n, const char *id)
{
	idx_t key = {id, 0};
	const idx_t *hit = n ? bsearch(&key, t, n, sizeof *t, by_id) : NULL;
	return hit ? hit->k : -1;
}

/* Synthea appends digits to generated names ("Maria684"). */
static void strip_digits(char *s)
{
	char *o = s;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			*o++ = *s;
	*o = '\0';
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* ---- building the resources ---- */

typedef struct build {
	session_t *s;
	gather_t *g;
	fhir_item_t *items;
	int n, cap;
	idx_t *pats, *encs, *provs;
	size_t npat, nenc, nprov;
	char provider[DB_NAME_MAX + 1];
	/* The new patients' duplicate check among themselves: pset's record
	 * r is patient pline[r]'s row; pbad[k]: patient k refused. */
	pmatch_set_t *pset;
	long *pline;
	size_t nset;
	unsigned char *pbad;
	long nbad[SYN_NFILES];
	syn_bad_fn on_bad;
	void *arg;
} build_t;

static void refuse_row(build_t *b, const row_t *r, const char *why)
{
	b->nbad[r->f]++;
	if (b->on_bad)
		b->on_bad(synthea_file_name(r->f), r->line, why, b->arg);
}

/* A new patient against the new patients of the export before it, under
 * the import rule of the duplicate check (import.c's): 1 when it is a
 * likely duplicate of one (reported, refused), -1 when the check failed. */
static int batch_duplicate(build_t *b, const row_t *r, const patient_t *p)
{
	ptokens_t t;
	pmatch_rec_t rec;
	long best = -1;
	int score = 0;
	char why[120], msg[200];
	msg_t m;
	if (pindex_patient(b->s->kr, b->s->c->cfg->blind_index_bytes, p, &t, &m) != STATUS_OK)
		return 0; /* the import's own checks will say why */
	pmatch_rec_make(&t, &rec);
	sodium_memzero(&t, sizeof t);
	if (pmatch_set_add(b->pset, b->s->c->cfg, &rec, &best, &score, why, sizeof why, &m) !=
	    STATUS_OK)
		return -1;
	sodium_memzero(&rec, sizeof rec);
	if (best < 0) {
		b->pline[b->nset++] = r->line;
		return 0;
	}
	snprintf(msg, sizeof msg,
		 "a likely duplicate of the patient of patients.csv:%ld in this export (score %d: %s)",
		 b->pline[best], score, why);
	b->pline[b->nset++] = r->line; /* the set holds it now */
	refuse_row(b, r, msg);
	return 1;
}

static int add_item(build_t *b, json_t *res, const row_t *r)
{
	if (!res)
		return -1;
	if (b->n == b->cap) {
		int cap = b->cap ? b->cap * 2 : 256;
		fhir_item_t *ni = realloc(b->items, (size_t)cap * sizeof *ni);
		if (!ni) {
			json_decref(res);
			return -1;
		}
		b->items = ni;
		b->cap = cap;
	}
	b->items[b->n].res = res;
	snprintf(b->items[b->n].where, sizeof b->items[b->n].where, "%s:%ld",
		 synthea_file_name(r->f), r->line);
	b->n++;
	return 0;
}

/* A chart of the same name, birth date and sex: its MRN into p. */
static void match_chart(build_t *b, patient_t *p)
{
	patient_match_t *d = calloc(PATIENT_MATCH_MAX, sizeof *d);
	char name[sizeof d->name];
	int nd = 0;
	msg_t m;
	if (!d)
		return;
	snprintf(name, sizeof name, "%s, %s", p->f[PF_LAST], p->f[PF_FIRST]);
	if (patient_find_duplicates(b->s, p, d, PATIENT_MATCH_MAX, &nd, &m) == STATUS_OK)
		for (int i = 0; i < nd; i++)
			if (!strcmp(d[i].dob, p->f[PF_DOB]) && !strcmp(d[i].sex, p->f[PF_SEX]) &&
			    !strcmp(d[i].name, name)) {
				text_copy(p->f[PF_MRN], PATIENT_FIELD_MAX, d[i].mrn);
				break;
			}
	sodium_memzero(d, PATIENT_MATCH_MAX * sizeof *d);
	free(d);
	sodium_memzero(name, sizeof name);
}

static int build_patient(build_t *b, const row_t *r, int k)
{
	patient_t *p = calloc(1, sizeof *p);
	pfield_t bad;
	msg_t m;
	json_t *res;
	static const pfield_t cols[] = {PF_COUNT, PF_DOB,  PF_DEATH, PF_FIRST, PF_LAST,
					PF_SEX,   PF_ADDR1, PF_CITY, PF_STATE, PF_ZIP};
	if (!p)
		return -1;
	for (size_t c = 1; c < sizeof cols / sizeof cols[0]; c++) {
		const char *v = r->v[c];
		if (cols[c] == PF_DOB || cols[c] == PF_DEATH) {
			text_copy(p->f[cols[c]], 11, v);
			continue;
		}
		text_copy(p->f[cols[c]], PATIENT_FIELD_MAX, v);
		if (cols[c] == PF_FIRST || cols[c] == PF_LAST)
			strip_digits(p->f[cols[c]]);
	}
	/* Normalised as a registration would (the state's name to its code);
	 * a refusal is the import's to report, with the row's place. */
	if (patient_validate(b->s->c->cfg, p, &bad, &m) == STATUS_OK) {
		int dup, byid = 0;
		char pid[33];
		/* A chart holding this Synthea Id is this patient's (the FHIR
		 * import finds it by the identifier); otherwise one of the
		 * same name, birth date and sex (an import from before the Id
		 * was kept). */
		if (extid_find(b->s, EXTID_SYSTEM_SYNTHEA, r->v[0], pid, &m) == STATUS_NOTFOUND)
			match_chart(b, p);
		else
			p->f[PF_MRN][0] = '\0', byid = 1;
		if (!*p->f[PF_MRN] && !byid && (dup = batch_duplicate(b, r, p)) != 0) {
			sodium_memzero(p, sizeof *p);
			free(p);
			if (dup < 0)
				return -1;
			b->pbad[k] = 1;
			return 0;
		}
	}
	snprintf(p->id, sizeof p->id, "p%d", k);
	res = fhir_patient(p);
	/* Synthea's Id, kept with the chart (core/extid.h). */
	if (res && fhir_patient_add_identifier(res, EXTID_SYSTEM_SYNTHEA, r->v[0]) != 0) {
		json_decref(res);
		res = NULL;
	}
	sodium_memzero(p, sizeof *p);
	free(p);
	return add_item(b, res, r);
}

/* A provider of providers.csv as a Practitioner ("prv-s<k>"): a provider
 * record identified by Synthea's provider Id (core/provider.h). */
static int build_practitioner(build_t *b, const row_t *r, int k)
{
	provider_t p;
	json_t *res;
	memset(&p, 0, sizeof p);
	snprintf(p.id, sizeof p.id, "s%d", k);
	text_copy(p.system, sizeof p.system, PROVIDER_SYSTEM_SYNTHEA);
	text_copy(p.value, sizeof p.value, r->v[0]);
	text_copy(p.name, sizeof p.name, r->v[1]);
	strip_digits(p.name); /* "Alice891 Tran263" */
	text_copy(p.gender, sizeof p.gender,
		  !strcmp(r->v[2], "M") ? "male" : !strcmp(r->v[2], "F") ? "female" : "");
	text_copy(p.speciality, sizeof p.speciality, r->v[3]);
	text_copy(p.organization, sizeof p.organization, r->v[4]);
	if (*r->v[5] || *r->v[6])
		snprintf(p.location, sizeof p.location, "%.48s%s%.40s", r->v[5],
			 *r->v[5] && *r->v[6] ? ", " : "", r->v[6]);
	res = fhir_practitioner(&p);
	return add_item(b, res, r);
}

static int build_encounter(build_t *b, const row_t *r, int k, const char *pid)
{
	encounter_info_t e;
	char a[24];
	int ret, pk;
	memset(&e, 0, sizeof e);
	/* Its provider's record, when providers.csv holds them. */
	if ((pk = find(b->provs, b->nprov, r->v[4])) >= 0) {
		snprintf(e.provider_ref, sizeof e.provider_ref, "s%d", pk);
	}
	e.erow = k + 1;
	synthea_when(r->v[1], e.start);
	synthea_type(b->s->c->cfg, r->v[5], e.type, sizeof e.type);
	snprintf(e.provider, sizeof e.provider, "%s", b->provider);
	snprintf(e.location, sizeof e.location, "%s", SYN_LOCATION);
	text_copy(e.reason, sizeof e.reason, r->v[7]);
	if (*r->v[2] && synthea_when(r->v[2], a)) {
		snprintf(e.status, sizeof e.status, "closed");
		memcpy(e.closed_at, a, sizeof e.closed_at);
	} else
		snprintf(e.status, sizeof e.status, "open");
	ret = add_item(b, fhir_encounter(&e, pid), r);
	sodium_memzero(&e, sizeof e);
	return ret;
}

static int build_item(build_t *b, const row_t *r, int k, const char *pid)
{
	chart_item_t it;
	int ret;
	memset(&it, 0, sizeof it);
	it.row = k + 1;
	switch (r->f) {
	case SYN_CONDITIONS:
		it.kind = CHART_PROBLEM;
		text_copy(it.text, sizeof it.text, r->v[5]);
		snprintf(it.code, sizeof it.code, "SNOMED %.30s", r->v[4]);
		snprintf(it.date1, sizeof it.date1, "%.10s", r->v[0]);
		snprintf(it.status, sizeof it.status, "%s", *r->v[1] ? "resolved" : "active");
		break;
	case SYN_ALLERGIES:
		it.kind = CHART_ALLERGY;
		text_copy(it.text, sizeof it.text, r->v[5]);
		text_copy(it.text2, sizeof it.text2, r->v[6]);
		snprintf(it.code, sizeof it.code, "%s", *r->v[7] ? r->v[7] : "unknown");
		lower(it.code);
		snprintf(it.status, sizeof it.status, "%s", *r->v[1] ? "inactive" : "active");
		break;
	case SYN_PROCEDURES:
		/* The procedure history, with its SNOMED CT code and display. */
		it.kind = CHART_PROCEDURE;
		text_copy(it.text, sizeof it.text, r->v[5]);
		snprintf(it.code, sizeof it.code, "SNOMED %.30s", r->v[4]);
		snprintf(it.date1, sizeof it.date1, "%.10s", r->v[0]);
		snprintf(it.status, sizeof it.status, "completed");
		break;
	default: /* SYN_MEDICATIONS */
		it.kind = CHART_MEDICATION;
		text_copy(it.text, sizeof it.text, r->v[5]);
		snprintf(it.code, sizeof it.code, "other");
		snprintf(it.extra, sizeof it.extra, "%s", SYN_FREQUENCY);
		snprintf(it.date1, sizeof it.date1, "%.10s", r->v[0]);
		snprintf(it.status, sizeof it.status, "%s", *r->v[1] ? "stopped" : "active");
		break;
	}
	ret = add_item(b, fhir_chart_item(&it, pid), r);
	sodium_memzero(&it, sizeof it);
	return ret;
}

/* Observations: by encounter, then time. */
static const row_t *obs_base;
static int by_enc_time(const void *a, const void *b)
{
	const row_t *x = &obs_base[*(const size_t *)a], *y = &obs_base[*(const size_t *)b];
	int c = strcmp(x->v[2], y->v[2]);
	return c ? c : strcmp(x->v[0], y->v[0]);
}

static int build_vitals(build_t *b, const size_t *grp, size_t cnt, int k, const char *pid)
{
	const row_t *r0 = &b->g->r[grp[0]];
	vitals_row_t v;
	json_t *arr = json_array(), *x;
	size_t i;
	int ret = 0;
	if (!arr)
		return -1;
	memset(&v, 0, sizeof v);
	v.vrow = k + 1;
	v.erow = find(b->encs, b->nenc, r0->v[2]) + 1;
	synthea_when(r0->v[0], v.taken);
	v.systolic = v.diastolic = v.pulse = v.resp = v.spo2 = -1;
	v.temp_c = v.height_cm = v.weight_kg = v.bmi = -1;
	for (i = 0; i < cnt; i++) {
		const row_t *r = &b->g->r[grp[i]];
		double val = strtod(r->v[6], NULL);
		switch (synthea_vital(r->v[4], NULL)) {
		case SYN_V_SYSTOLIC: v.systolic = (int)lround(val); break;
		case SYN_V_DIASTOLIC: v.diastolic = (int)lround(val); break;
		case SYN_V_PULSE: v.pulse = (int)lround(val); break;
		case SYN_V_RESP: v.resp = (int)lround(val); break;
		case SYN_V_SPO2: v.spo2 = (int)lround(val); break;
		case SYN_V_TEMP: v.temp_c = val; break;
		case SYN_V_HEIGHT: v.height_cm = val; break;
		case SYN_V_WEIGHT: v.weight_kg = val; break;
		default: break; /* BMI: computed from weight and height, as on screen */
		}
	}
	/* A pressure needs both values; one alone is left out. */
	if (v.systolic < 0 || v.diastolic < 0)
		v.systolic = v.diastolic = -1;
	if (v.weight_kg > 0 && v.height_cm > 0)
		v.bmi = round(v.weight_kg / ((v.height_cm / 100) * (v.height_cm / 100)) * 10) / 10;
	if (fhir_vitals(&v, pid, arr) != 0)
		ret = -1;
	json_array_foreach(arr, i, x)
	{
		if (ret == 0 && add_item(b, json_incref(x), r0) != 0)
			ret = -1;
	}
	json_decref(arr);
	return ret;
}

static int build_all(build_t *b)
{
	gather_t *g = b->g;
	size_t *obs = NULL, nobs = 0;
	char pid[24];
	int ret = -1, kind = 0, pk;
	if (!(b->pset = pmatch_set_new()) || !(b->pline = calloc(g->n + 1, sizeof *b->pline)) ||
	    !(b->pbad = calloc(g->n + 1, 1)) ||
	    !(b->pats = calloc(g->n + 1, sizeof *b->pats)) ||
	    !(b->encs = calloc(g->n + 1, sizeof *b->encs)) ||
	    !(b->provs = calloc(g->n + 1, sizeof *b->provs)) ||
	    !(obs = calloc(g->n + 1, sizeof *obs)))
		goto done;
	for (size_t i = 0; i < g->n; i++) {
		if (g->r[i].f == SYN_PATIENTS)
			b->pats[b->npat] = (idx_t){g->r[i].v[0], (int)b->npat}, b->npat++;
		else if (g->r[i].f == SYN_ENCOUNTERS)
			b->encs[b->nenc] = (idx_t){g->r[i].v[0], (int)b->nenc}, b->nenc++;
		else if (g->r[i].f == SYN_OBSERVATIONS)
			obs[nobs++] = i;
		else if (g->r[i].f == SYN_PROVIDERS)
			b->provs[b->nprov] = (idx_t){g->r[i].v[0], (int)b->nprov}, b->nprov++;
	}
	qsort(b->provs, b->nprov, sizeof *b->provs, by_id);
	qsort(b->pats, b->npat, sizeof *b->pats, by_id);
	qsort(b->encs, b->nenc, sizeof *b->encs, by_id);
	for (size_t i = 0, p = 0, e = 0, v = 0; i < g->n; i++) {
		const row_t *r = &g->r[i];
		if (r->f == SYN_PATIENTS) {
			if (build_patient(b, r, (int)p++) != 0)
				goto done;
			continue;
		}
		if (r->f == SYN_PROVIDERS) {
			if (build_practitioner(b, r, (int)v++) != 0)
				goto done;
			continue;
		}
		if (r->f == SYN_OBSERVATIONS)
			continue;
		pk = find(b->pats, b->npat, r->f == SYN_ENCOUNTERS ? r->v[3] : r->v[2]);
		if (pk >= 0 && b->pbad[pk]) {
			refuse_row(b, r, "its patient is refused");
			if (r->f == SYN_ENCOUNTERS)
				e++;
			continue;
		}
		snprintf(pid, sizeof pid, "p%d", pk);
		if (r->f == SYN_ENCOUNTERS) {
			if (build_encounter(b, r, (int)e++, pid) != 0)
				goto done;
		} else if (build_item(b, r, kind++, pid) != 0)
			goto done;
	}
	obs_base = g->r;
	qsort(obs, nobs, sizeof *obs, by_enc_time);
	for (size_t i = 0, k = 0; i < nobs; k++) {
		size_t j = i + 1;
		while (j < nobs && !by_enc_time(&obs[i], &obs[j]))
			j++;
		pk = find(b->pats, b->npat, g->r[obs[i]].v[1]);
		if (pk >= 0 && b->pbad[pk]) {
			for (size_t x = i; x < j; x++)
				refuse_row(b, &g->r[obs[x]], "its patient is refused");
			i = j;
			continue;
		}
		snprintf(pid, sizeof pid, "p%d", pk);
		if (build_vitals(b, obs + i, j - i, (int)k, pid) != 0)
			goto done;
		i = j;
	}
	ret = 0;
done:
	free(obs);
	return ret;
}

/* ---- the import ---- */

typedef struct relay {
	const synthea_import_opts_t *o;
	synthea_import_report_t *rep;
} relay_t;

static void relay_bad(const char *where, const char *why, void *arg)
{
	relay_t *r = arg;
	const char *colon = strrchr(where, ':');
	char file[48];
	size_t n = colon ? (size_t)(colon - where) : strlen(where);
	snprintf(file, sizeof file, "%.*s", (int)(n < sizeof file ? n : sizeof file - 1), where);
	for (int f = 0; f < SYN_NFILES; f++)
		if (!strcmp(file, synthea_file_name((syn_file_t)f)))
			r->rep->refused[f]++;
	if (r->o->on_bad)
		r->o->on_bad(file, colon ? atol(colon + 1) : 0, why, r->o->arg);
}

status_t synthea_import(session_t *s, const char *dir, const synthea_import_opts_t *o,
		       synthea_import_report_t *rep, msg_t *m)
{
	gather_t g;
	build_t b;
	relay_t rl = {o, rep};
	fhir_import_opts_t fo = {"synthea_import", "Synthea CSV", o->progress, o->progress_arg,
				 "synthea"};
	status_t ret;
	long bad = 0;
	memset(&g, 0, sizeof g);
	memset(&b, 0, sizeof b);
	memset(rep, 0, sizeof *rep);
	if ((ret = session_require(s, ACT_PATIENT_IMPORT, m)) != STATUS_OK)
		return ret;
	if ((ret = synthea_classes_check(s->c->cfg, m)) != STATUS_OK)
		return ret;
	if ((ret = pick_provider(s, o->provider, b.provider, sizeof b.provider, m)) != STATUS_OK)
		return ret;
	ret = synthea_read(dir, &rep->rows, o->on_bad, keep_row, &g, m);
	for (int f = 0; f < SYN_NFILES; f++)
		bad += rep->rows.f[f].bad;
	if (ret == STATUS_INVALID && bad > 0) {
		if (!o->skip_bad) {
			ret = msg_fail(m, STATUS_INVALID,
				       "%ld bad row%s; nothing was imported (--skip-bad imports the "
				       "good rows and leaves out the bad ones and what depends on "
				       "them).",
				       bad, bad == 1 ? "" : "s");
			goto cleanup;
		}
		ret = STATUS_OK;
	}
	if (ret != STATUS_OK)
		goto cleanup;
	b.s = s;
	b.g = &g;
	b.on_bad = o->on_bad;
	b.arg = o->arg;
	if (build_all(&b) != 0) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	for (int f = 0; f < SYN_NFILES; f++) {
		rep->rows.f[f].bad += b.nbad[f];
		rep->rows.f[f].good -= b.nbad[f];
		bad += b.nbad[f];
	}
	if (bad > 0 && !o->skip_bad) {
		ret = msg_fail(m, STATUS_INVALID,
			       "%ld bad row%s; nothing was imported (--skip-bad imports the good rows "
			       "and leaves out the bad ones and what depends on them).",
			       bad, bad == 1 ? "" : "s");
		goto cleanup;
	}
	if (b.n == 0) {
		ret = msg_fail(m, STATUS_INVALID, "The export holds no rows to import.");
		goto cleanup;
	}
	ret = fhir_import_with(s, b.items, b.n, o->skip_bad, relay_bad, &rl, &fo, &rep->fhir, m);
cleanup:
	for (int i = 0; i < b.n; i++)
		json_decref(b.items[i].res);
	free(b.items);
	free(b.pats);
	free(b.encs);
	free(b.provs);
	free(b.pline);
	free(b.pbad);
	pmatch_set_free(b.pset);
	gather_free(&g);
	return ret;
}
