/* synthea.c - the first pass over a Synthea CSV export (see synthea.h). */
#include "core/synthea.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/date.h"
#include "base/text.h"
#include "base/userfile.h"
#include "core/csv.h"

static const char *const file_names[SYN_NFILES] = {
    "patients.csv",  "providers.csv",   "encounters.csv",   "conditions.csv",
    "allergies.csv", "medications.csv", "observations.csv", "procedures.csv"};

const char *synthea_file_name(syn_file_t f)
{
	return (unsigned)f < SYN_NFILES ? file_names[f] : "?";
}

static const struct {
	const char *loinc, *unit;
	syn_vital_t v;
} vitals[] = {
    {"8480-6", "mm[Hg]", SYN_V_SYSTOLIC}, {"8462-4", "mm[Hg]", SYN_V_DIASTOLIC},
    {"8867-4", "/min", SYN_V_PULSE},      {"9279-1", "/min", SYN_V_RESP},
    {"8310-5", "Cel", SYN_V_TEMP},        {"59408-5", "%", SYN_V_SPO2},
    {"2708-6", "%", SYN_V_SPO2},          {"8302-2", "cm", SYN_V_HEIGHT},
    {"29463-7", "kg", SYN_V_WEIGHT},      {"39156-5", "kg/m2", SYN_V_BMI},
};

syn_vital_t synthea_vital(const char *loinc, const char **unit)
{
	for (size_t i = 0; loinc && i < sizeof vitals / sizeof vitals[0]; i++)
		if (strcmp(loinc, vitals[i].loinc) == 0) {
			if (unit)
				*unit = vitals[i].unit;
			return vitals[i].v;
		}
	if (unit)
		*unit = NULL;
	return SYN_V_NONE;
}

/* ---- a set of UUIDs, each with the index of its patient ------------------ */

#define UUID_LEN 36

typedef struct idset {
	char (*id)[UUID_LEN + 1];
	int32_t *owner;
	size_t cap, n;
} idset_t;

static uint64_t id_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void idset_free(idset_t *t)
{
	if (t->id)
		sodium_memzero(t->id, t->cap * sizeof *t->id);
	free(t->id);
	free(t->owner);
	memset(t, 0, sizeof *t);
}

/* The slot of id: where it is, or where it would go. */
static size_t idset_slot(const idset_t *t, const char *id)
{
	size_t i = (size_t)id_hash(id) & (t->cap - 1);
	while (t->id[i][0] && strcmp(t->id[i], id) != 0)
		i = (i + 1) & (t->cap - 1);
	return i;
}

/* -1 when absent, else its owner. */
static int32_t idset_get(const idset_t *t, const char *id)
{
	size_t i;
	if (!t->cap)
		return -1;
	i = idset_slot(t, id);
	return t->id[i][0] ? t->owner[i] : -1;
}

/* 1 added, 0 already there, -1 out of memory. */
static int idset_add(idset_t *t, const char *id, int32_t owner)
{
	size_t i;
	if ((t->n + 1) * 2 > t->cap) {
		idset_t g = {0};
		g.cap = t->cap ? t->cap * 2 : 1024;
		g.id = calloc(g.cap, sizeof *g.id);
		g.owner = calloc(g.cap, sizeof *g.owner);
		if (!g.id || !g.owner) {
			free(g.id);
			free(g.owner);
			return -1;
		}
		for (size_t k = 0; k < t->cap; k++)
			if (t->id[k][0]) {
				size_t j = idset_slot(&g, t->id[k]);
				memcpy(g.id[j], t->id[k], UUID_LEN + 1);
				g.owner[j] = t->owner[k];
			}
		g.n = t->n;
		idset_free(t);
		*t = g;
	}
	i = idset_slot(t, id);
	if (t->id[i][0])
		return 0;
	memcpy(t->id[i], id, UUID_LEN + 1);
	t->owner[i] = owner;
	t->n++;
	return 1;
}

/* ---- value shapes --------------------------------------------------------- */

static int is_uuid(const char *s)
{
	if (strlen(s) != UUID_LEN)
		return 0;
	for (int i = 0; i < UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

/* A date (2022-07-20) or a timestamp (2022-07-20T07:13:55Z, optional
 * fraction); out gets "YYYY-MM-DDTHH:MM:SSZ" (a date at midnight). */
static int is_when(const char *s, char out[24])
{
	char in[DATE_ISO_SIZE], day[DATE_ISO_SIZE];
	size_t n = strlen(s);
	int hh, mm, ss;
	if (n < 10)
		return 0;
	memcpy(in, s, 10);
	in[10] = '\0';
	if (in[4] != '-' || date_parse(in, "1800-01-01", "2200-12-31", day) != DATE_OK)
		return 0;
	if (n == 10) {
		snprintf(out, 24, "%sT00:00:00Z", day);
		return 1;
	}
	if (n < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
		return 0;
	for (int i = 11; i < 19; i++)
		if (i != 13 && i != 16 && !isdigit((unsigned char)s[i]))
			return 0;
	if (n > 20) { /* a fraction: .123Z */
		if (s[19] != '.')
			return 0;
		for (size_t i = 20; i < n - 1; i++)
			if (!isdigit((unsigned char)s[i]))
				return 0;
	}
	hh = atoi(s + 11);
	mm = atoi(s + 14);
	ss = atoi(s + 17);
	if (hh > 23 || mm > 59 || ss > 60)
		return 0;
	snprintf(out, 24, "%sT%.8sZ", day, s + 11);
	return 1;
}

int synthea_when(const char *s, char out[24])
{
	return s && is_when(s, out);
}

/* SNOMED CT and RxNorm codes are digits. */
static int is_digits_code(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 18)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* LOINC: digits, a hyphen, a check digit. */
static int is_loinc(const char *s)
{
	const char *h = strchr(s, '-');
	size_t n = strlen(s);
	if (!h || h == s || n - (size_t)(h - s) != 2 || n > 10 || !isdigit((unsigned char)h[1]))
		return 0;
	for (const char *p = s; p < h; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

static int is_number(const char *s, double *v)
{
	char *end;
	if (!*s || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	return errno == 0 && *end == '\0' && isfinite(*v);
}

/* ---- the files ------------------------------------------------------------ */

/* The columns each file needs, by name ("" ends; a leading '?' marks a
 * column older exports lack). */
#define MAXCOLS 12
static const char *const needed[SYN_NFILES][MAXCOLS] = {
    [SYN_PATIENTS] = {"Id", "BIRTHDATE", "DEATHDATE", "FIRST", "LAST", "GENDER", "?ADDRESS",
                      "?CITY", "?STATE", "?ZIP", ""},
    [SYN_PROVIDERS] = {"Id", "NAME", "GENDER", "SPECIALITY", "?ORGANIZATION", "?CITY", "?STATE",
                       ""},
    [SYN_ENCOUNTERS] = {"Id", "START", "STOP", "PATIENT", "PROVIDER", "ENCOUNTERCLASS", "CODE",
                        "DESCRIPTION", "REASONCODE", "REASONDESCRIPTION", ""},
    [SYN_CONDITIONS] = {"START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION", ""},
    [SYN_ALLERGIES] = {"START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION",
                       "DESCRIPTION1", "SEVERITY1", ""},
    [SYN_MEDICATIONS] = {"START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION", ""},
    [SYN_OBSERVATIONS] = {"DATE", "PATIENT", "ENCOUNTER", "?CATEGORY", "CODE", "DESCRIPTION",
                          "VALUE", "UNITS", ""},
    [SYN_PROCEDURES] = {"START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION", ""},
};

typedef struct pass {
	syn_report_t *rep;
	syn_bad_fn on_bad;
	syn_row_fn on_row;
	void *arg;
	idset_t patients, providers, encounters; /* encounters: owner = patient */
	int col[MAXCOLS];                        /* needed[f][k]'s column, -1 absent */
	int ncols;
} pass_t;

/* The value of needed column k ("" for an optional one absent). */
static const char *val(const pass_t *p, char **v, int k)
{
	return p->col[k] >= 0 ? v[p->col[k]] : "";
}

static status_t map_columns(pass_t *p, syn_file_t f, char **h, int n, msg_t *m)
{
	p->ncols = n;
	for (int k = 0; k < MAXCOLS; k++) {
		const char *name = needed[f][k];
		int opt;
		p->col[k] = -1;
		if (!name || !*name)
			break;
		opt = name[0] == '?';
		name += opt;
		for (int i = 0; i < n; i++)
			if (strcmp(h[i], name) == 0)
				p->col[k] = i;
		if (p->col[k] < 0 && !opt)
			return msg_fail(m, STATUS_INVALID, "%s:1: column %s is missing (see Synthea's CSV "
							   "data dictionary)",
					file_names[f], name);
	}
	return STATUS_OK;
}

/* Clean one-line text of at most max bytes; required unless may_be_empty. */
static const char *text_problem(const char *label, const char *s, size_t max, int may_be_empty,
				char *why, size_t size)
{
	msg_t tm;
	if (!*s && !may_be_empty) {
		snprintf(why, size, "%s is empty", label);
		return why;
	}
	if (strlen(s) > max) {
		snprintf(why, size, "%s is longer than %zu bytes", label, max);
		return why;
	}
	if (text_check(label, s, strlen(s), 0, &tm) != STATUS_OK) {
		snprintf(why, size, "%.200s", tm.text);
		return why;
	}
	return NULL;
}

/* A row's patient (known, or why not) and its encounter (known and the
 * same patient's; "" allowed when may_lack). */
static const char *link_problem(pass_t *p, const char *patient, const char *enc, int may_lack,
				int32_t *pi, char *why, size_t size)
{
	int32_t owner;
	if (!is_uuid(patient)) {
		snprintf(why, size, "PATIENT '%.40s' is not a Synthea id", patient);
		return why;
	}
	if ((*pi = idset_get(&p->patients, patient)) < 0) {
		snprintf(why, size, "PATIENT %s is not in patients.csv", patient);
		return why;
	}
	if (!*enc && may_lack)
		return NULL;
	if (!is_uuid(enc)) {
		snprintf(why, size, "ENCOUNTER '%.40s' is not a Synthea id", enc);
		return why;
	}
	if ((owner = idset_get(&p->encounters, enc)) < 0) {
		snprintf(why, size, "ENCOUNTER %s is not in encounters.csv", enc);
		return why;
	}
	if (owner != *pi) {
		snprintf(why, size, "ENCOUNTER %s is another patient's", enc);
		return why;
	}
	return NULL;
}

/* START and STOP: a date or timestamp, STOP (optional) not before START. */
static const char *span_problem(const char *start, const char *stop, const char *label,
				char *why, size_t size)
{
	char a[24], b[24];
	if (!is_when(start, a)) {
		snprintf(why, size, "%s '%.30s' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
			 label, start);
		return why;
	}
	if (*stop && !is_when(stop, b)) {
		snprintf(why, size, "STOP '%.30s' is not a date", stop);
		return why;
	}
	if (*stop && strcmp(b, a) < 0) {
		snprintf(why, size, "STOP %.30s is before %s %.30s", stop, label, start);
		return why;
	}
	return NULL;
}

static const char *code_problem(const char *code, char *why, size_t size)
{
	if (!is_digits_code(code)) {
		snprintf(why, size, "CODE '%.30s' is not a SNOMED CT or RxNorm code", code);
		return why;
	}
	return NULL;
}

/* Check one row of file f; NULL when good. May add to p's sets. */
static const char *row_problem(pass_t *p, syn_file_t f, char **v, char *why, size_t size,
			       int *other, int *oom)
{
	const char *w;
	int32_t pi = -1;
	char a[24], b[24];
	double x;
	int r;

	switch (f) {
	case SYN_PATIENTS:
		if (!is_uuid(val(p, v, 0)))
			return snprintf(why, size, "Id '%.40s' is not a Synthea id", val(p, v, 0)), why;
		if (!is_when(val(p, v, 1), a))
			return snprintf(why, size, "BIRTHDATE '%.30s' is not a date", val(p, v, 1)), why;
		if (*val(p, v, 2) && (!is_when(val(p, v, 2), b) || strcmp(b, a) < 0))
			return snprintf(why, size, "DEATHDATE '%.30s' is not a date after the birth",
					val(p, v, 2)),
			       why;
		if (strcmp(val(p, v, 5), "M") != 0 && strcmp(val(p, v, 5), "F") != 0)
			return snprintf(why, size, "GENDER '%.10s' is not M or F", val(p, v, 5)), why;
		if ((r = idset_add(&p->patients, val(p, v, 0), (int32_t)p->patients.n)) < 0)
			return *oom = 1, "out of memory";
		if (r == 0)
			return snprintf(why, size, "patient %s appears twice", val(p, v, 0)), why;
		return NULL;
	case SYN_PROVIDERS:
		if (!is_uuid(val(p, v, 0)))
			return snprintf(why, size, "Id '%.40s' is not a Synthea id", val(p, v, 0)), why;
		if ((w = text_problem("NAME", val(p, v, 1), 100, 0, why, size)) ||
		    (w = text_problem("SPECIALITY", val(p, v, 3), 60, 1, why, size)) ||
		    (w = text_problem("CITY", val(p, v, 5), 60, 1, why, size)) ||
		    (w = text_problem("STATE", val(p, v, 6), 30, 1, why, size)))
			return w;
		if (strcmp(val(p, v, 2), "M") != 0 && strcmp(val(p, v, 2), "F") != 0 &&
		    *val(p, v, 2))
			return snprintf(why, size, "GENDER '%.10s' is not M or F", val(p, v, 2)), why;
		if (*val(p, v, 4) && !is_uuid(val(p, v, 4)))
			return snprintf(why, size, "ORGANIZATION '%.40s' is not a Synthea id",
					val(p, v, 4)),
			       why;
		if ((r = idset_add(&p->providers, val(p, v, 0), 0)) < 0)
			return *oom = 1, "out of memory";
		if (r == 0)
			return snprintf(why, size, "provider %s appears twice", val(p, v, 0)), why;
		return NULL;
	case SYN_ENCOUNTERS:
		if (!is_uuid(val(p, v, 0)))
			return snprintf(why, size, "Id '%.40s' is not a Synthea id", val(p, v, 0)), why;
		if ((w = span_problem(val(p, v, 1), val(p, v, 2), "START", why, size)) ||
		    (w = link_problem(p, val(p, v, 3), "", 1, &pi, why, size)))
			return w;
		if (p->rep->present[SYN_PROVIDERS] && idset_get(&p->providers, val(p, v, 4)) < 0)
			return snprintf(why, size, "PROVIDER '%.40s' is not in providers.csv",
					val(p, v, 4)),
			       why;
		{
			const char *c = val(p, v, 5);
			size_t n = strlen(c);
			if (n == 0 || n > 30)
				return snprintf(why, size, "ENCOUNTERCLASS '%.40s' is not a class",
						c),
				       why;
			for (size_t i = 0; i < n; i++)
				if (!islower((unsigned char)c[i]) && c[i] != '_')
					return snprintf(why, size,
							"ENCOUNTERCLASS '%.40s' is not a class", c),
					       why;
		}
		if ((w = code_problem(val(p, v, 6), why, size)) ||
		    (w = text_problem("DESCRIPTION", val(p, v, 7), 255, 0, why, size)) ||
		    (w = text_problem("REASONDESCRIPTION", val(p, v, 9), 255, 1, why, size)))
			return w;
		if (*val(p, v, 8) && !is_digits_code(val(p, v, 8)))
			return snprintf(why, size, "REASONCODE '%.30s' is not a SNOMED CT code",
					val(p, v, 8)),
			       why;
		if ((r = idset_add(&p->encounters, val(p, v, 0), pi)) < 0)
			return *oom = 1, "out of memory";
		if (r == 0)
			return snprintf(why, size, "encounter %s appears twice", val(p, v, 0)), why;
		return NULL;
	case SYN_CONDITIONS:
	case SYN_MEDICATIONS:
	case SYN_PROCEDURES:
	case SYN_ALLERGIES:
		if ((w = span_problem(val(p, v, 0), val(p, v, 1), "START", why, size)) ||
		    (w = link_problem(p, val(p, v, 2), val(p, v, 3), 0, &pi, why, size)) ||
		    (w = code_problem(val(p, v, 4), why, size)) ||
		    (w = text_problem("DESCRIPTION", val(p, v, 5), 255, 0, why, size)))
			return w;
		if (f == SYN_ALLERGIES) {
			const char *sev = val(p, v, 7);
			if ((w = text_problem("DESCRIPTION1", val(p, v, 6), 200, 1, why, size)))
				return w;
			if (*sev && strcmp(sev, "MILD") != 0 && strcmp(sev, "MODERATE") != 0 &&
			    strcmp(sev, "SEVERE") != 0)
				return snprintf(why, size,
						"SEVERITY1 '%.20s' is not MILD, MODERATE or SEVERE",
						sev),
				       why;
		}
		return NULL;
	case SYN_OBSERVATIONS: {
		const char *unit;
		syn_vital_t vt;
		if ((w = link_problem(p, val(p, v, 1), val(p, v, 2), 1, &pi, why, size)))
			return w;
		if (!is_when(val(p, v, 0), a))
			return snprintf(why, size, "DATE '%.30s' is not a date", val(p, v, 0)), why;
		if (!is_loinc(val(p, v, 4)))
			return snprintf(why, size, "CODE '%.30s' is not a LOINC code", val(p, v, 4)),
			       why;
		if ((vt = synthea_vital(val(p, v, 4), &unit)) == SYN_V_NONE) {
			*other = 1; /* not a vital sign: skipped */
			return NULL;
		}
		if (!*val(p, v, 2))
			return snprintf(why, size, "a vital sign without its ENCOUNTER"), why;
		if (!is_number(val(p, v, 6), &x))
			return snprintf(why, size, "VALUE '%.30s' of %s is not a number", val(p, v, 6),
					val(p, v, 4)),
			       why;
		if (strcmp(val(p, v, 7), unit) != 0)
			return snprintf(why, size, "UNITS '%.20s' of %s: expected %s", val(p, v, 7),
					val(p, v, 4), unit),
			       why;
		return NULL;
	}
	default:
		return "unknown file";
	}
}

static status_t check_file(pass_t *p, const char *dir, syn_file_t f, msg_t *m)
{
	char path[4096], why[320];
	FILE *fp = NULL;
	csv_t *csv = NULL;
	char **v;
	int n;
	long line;
	msg_t cm;
	status_t ret;
	syn_count_t *c = &p->rep->f[f];

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file_names[f]) >= sizeof path)
		return msg_fail(m, STATUS_INVALID, "The directory's name is too long.");
	ret = userfile_fopen(path, "rb", &fp, m);
	if (ret == STATUS_NOTFOUND && f != SYN_PATIENTS)
		return STATUS_OK; /* absent: nothing of that kind */
	if (ret != STATUS_OK)
		return ret;
	p->rep->present[f] = 1;
	if (!(csv = csv_new(fp))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	ret = csv_next(csv, &v, &n, &line, &cm);
	if (ret == STATUS_NOTFOUND) {
		ret = msg_fail(m, STATUS_INVALID, "%s is empty: it has no header row.", file_names[f]);
		goto cleanup;
	}
	if (ret != STATUS_OK) {
		ret = msg_fail(m, STATUS_INVALID, "%s: %s", file_names[f], cm.text);
		goto cleanup;
	}
	if ((ret = map_columns(p, f, v, n, m)) != STATUS_OK)
		goto cleanup;
	for (;;) {
		const char *w;
		int other = 0, oom = 0;
		ret = csv_next(csv, &v, &n, &line, &cm);
		if (ret == STATUS_NOTFOUND) {
			ret = STATUS_OK;
			break;
		}
		c->rows++;
		if (ret != STATUS_OK) {
			/* The reader's message names the line already. */
			snprintf(why, sizeof why, "%.300s", cm.text);
			w = why;
		} else if (n != p->ncols) {
			snprintf(why, sizeof why, "has %d fields; the header has %d", n, p->ncols);
			w = why;
		} else {
			w = row_problem(p, f, v, why, sizeof why, &other, &oom);
		}
		if (oom) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
		if (w) {
			c->bad++;
			if (p->on_bad)
				p->on_bad(file_names[f], line, w, p->arg);
		} else if (other) {
			c->other++;
		} else {
			c->good++;
			if (p->on_row) {
				const char *vals[MAXCOLS];
				int k = 0;
				for (; k < MAXCOLS && needed[f][k] && *needed[f][k]; k++)
					vals[k] = val(p, v, k);
				for (; k < MAXCOLS; k++)
					vals[k] = "";
				if (p->on_row(f, line, vals, p->arg) != 0) {
					ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
					goto cleanup;
				}
			}
		}
	}
cleanup:
	csv_free(csv);
	if (fp)
		fclose(fp);
	return ret;
}

status_t synthea_check(const char *dir, syn_report_t *rep, syn_bad_fn on_bad, void *arg,
		       msg_t *m)
{
	return synthea_read(dir, rep, on_bad, NULL, arg, m);
}

status_t synthea_read(const char *dir, syn_report_t *rep, syn_bad_fn on_bad, syn_row_fn on_row,
		      void *arg, msg_t *m)
{
	pass_t p;
	status_t ret = STATUS_OK;
	long bad = 0;
	int files = 0;

	memset(rep, 0, sizeof *rep);
	memset(&p, 0, sizeof p);
	p.rep = rep;
	p.on_bad = on_bad;
	p.on_row = on_row;
	p.arg = arg;
	if (!dir || !*dir)
		return msg_fail(m, STATUS_USAGE, "Name the directory of the Synthea export.");
	/* patients and providers before the encounters that name them, and
	 * the encounters before the rows that name those. */
	for (int f = 0; f < SYN_NFILES && ret == STATUS_OK; f++)
		ret = check_file(&p, dir, (syn_file_t)f, m);
	idset_free(&p.patients);
	idset_free(&p.providers);
	idset_free(&p.encounters);
	if (ret != STATUS_OK)
		return ret;
	for (int f = 0; f < SYN_NFILES; f++) {
		bad += rep->f[f].bad;
		files += rep->f[f].bad > 0;
	}
	if (bad)
		return msg_fail(m, STATUS_INVALID, "%ld bad row%s in %d file%s.", bad,
				bad == 1 ? "" : "s", files, files == 1 ? "" : "s");
	msg_set(m, "Every row is good.");
	return STATUS_OK;
}
