/* report.c - the reports (core/report.h): checks the request, turns the
 * clinic's dates into a UTC range, runs db/db_report.h's aggregates and
 * assembles the table: headings, percentiles from the turnaround
 * histogram, the backlog's buckets, every period of a time series. */
#include "core/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/text.h"
#include "base/tz.h"
#include "core/audit.h"
#include "core/deficiency.h"
#include "core/internal.h"
#include "db/db_report.h"

enum { R_VISITS, R_DIAGNOSES, R_TURNAROUND, R_BACKLOG, R_QUALITY, R_ACCESS, R_DEFICIENCIES };

static const struct {
	const char *name, *desc, *bys;
} defs[] = {
    {"visits", "Visits by type, provider, day, week, month or location",
     "type provider day week month location"},
    {"diagnoses", "Diagnoses coded: top ICD-10-CM codes, or by chapter", "code chapter"},
    {"turnaround", "Date of service to final coding: median and 90th percentile",
     "coder provider type month week"},
    {"backlog", "Closed encounters not yet final-coded, by age in days", "age provider type"},
    {"quality", "Missing or invalid demographics, duplicates, allergy status, vitals", "measure"},
    {"access", "Break-the-glass, refusals and failed sign-ons, by user or period",
     "user day week month"},
    {"deficiencies", "Deficiencies and the delinquency rate, by provider or month", "provider month"},
};
#define NDEFS ((int)(sizeof defs / sizeof defs[0]))

int report_count(void)
{
	return NDEFS;
}

const char *report_name(int i)
{
	return i >= 0 && i < NDEFS ? defs[i].name : "";
}

const char *report_describe(int i)
{
	return i >= 0 && i < NDEFS ? defs[i].desc : "";
}

const char *report_groupings(int i)
{
	return i >= 0 && i < NDEFS ? defs[i].bys : "";
}

static int find(const char *name)
{
	for (int i = 0; name && i < NDEFS; i++)
		if (strcmp(name, defs[i].name) == 0)
			return i;
	return -1;
}

/* Is word one of the space-separated words of list? */
static int in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;
	if (!n)
		return 0;
	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* The default grouping: the list's first word. */
static void first_word(const char *list, char *out, size_t size)
{
	size_t n = strcspn(list, " ");
	snprintf(out, size, "%.*s", (int)n, list);
}

/* ---- dates ----------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms,
 * proleptic Gregorian). */
static long days_from_civil(int y, int mo, int d)
{
	long yy = y - (mo <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *mo, int *d)
{
	long era, doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*mo <= 2));
}

static void iso_of(long z, char out[DATE_ISO_SIZE])
{
	int y, mo, d;
	civil_from_days(z, &y, &mo, &d);
	char buf[48];
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, mo, d);
	text_copy(out, DATE_ISO_SIZE, buf);
}

/* An ISO date as days; -1 on a bad shape (callers pass checked dates). */
static long days_of(const char *iso, long *z)
{
	int y, mo, d;
	if (date_split_iso(iso, &y, &mo, &d) != 0)
		return -1;
	*z = days_from_civil(y, mo, d);
	return 0;
}

/* The period key of a local date for grouping g: the date, its Monday, or
 * "YYYY-MM". */
static void period_of(const char *iso, int by_week, int by_month, char *out, size_t size)
{
	long z;
	if (by_month) {
		snprintf(out, size, "%.7s", iso);
	} else if (by_week && days_of(iso, &z) == 0) {
		long wd = ((z % 7) + 7 + 3) % 7; /* 0 Monday (1970-01-01 was a Thursday) */
		char buf[DATE_ISO_SIZE];
		iso_of(z - wd, buf);
		snprintf(out, size, "%s", buf);
	} else {
		snprintf(out, size, "%.10s", iso);
	}
}

/* The period after key. */
static void period_next(const char *key, int by_week, int by_month, char *out, size_t size)
{
	long z;
	char buf[48];
	if (by_month) {
		int y = atoi(key), mo = atoi(key + 5);
		if (++mo > 12) {
			mo = 1;
			y++;
		}
		snprintf(buf, sizeof buf, "%04d-%02d", y, mo);
		text_copy(out, size, buf);
	} else if (days_of(key, &z) == 0) {
		iso_of(z + (by_week ? 7 : 1), buf);
		text_copy(out, size, buf);
	} else {
		snprintf(out, size, "9999-12-31");
	}
}

/* ---- checking -------------------------------------------------------------- */

typedef struct req {
	int kind;
	char by[16];
	char from[DATE_ISO_SIZE], to[DATE_ISO_SIZE];
} req_t;

static status_t check(const report_req_t *q, req_t *r, msg_t *m)
{
	status_t ret;
	msg_t why;
	memset(r, 0, sizeof *r);
	r->kind = find(q->name);
	if (r->kind < 0) {
		char list[160];
		size_t o = 0;
		list[0] = '\0';
		for (int i = 0; i < NDEFS && o < sizeof list; i++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
			                      defs[i].name);
		return msg_fail(m, STATUS_USAGE, "No report '%s'. The reports are %s.",
		                q->name ? q->name : "", list);
	}
	if (q->by && *q->by) {
		if (!in_list(defs[r->kind].bys, q->by))
			return msg_fail(
			    m, STATUS_USAGE,
			    "The %s report cannot be grouped by '%s'; it takes --by %s.",
			    defs[r->kind].name, q->by, defs[r->kind].bys);
		snprintf(r->by, sizeof r->by, "%s", q->by);
	} else {
		first_word(defs[r->kind].bys, r->by, sizeof r->by);
	}
	if (q->from && *q->from &&
	    (ret = date_parse_msg("From date", q->from, "1900-01-01", "9998-12-31", r->from,
	                          &why)) != STATUS_OK)
		return msg_fail(m, STATUS_USAGE, "%s", why.text);
	if (q->to && *q->to &&
	    (ret = date_parse_msg("To date", q->to, "1900-01-01", "9998-12-31", r->to, &why)) !=
	        STATUS_OK)
		return msg_fail(m, STATUS_USAGE, "%s", why.text);
	if (r->from[0] && r->to[0] && strcmp(r->from, r->to) > 0)
		return msg_fail(m, STATUS_USAGE, "The range ends (%s) before it starts (%s).",
		                r->to, r->from);
	/* A series longer than can be listed is refused before anything runs
	 * (an open end is checked once the data says where it is). */
	if (r->from[0] && r->to[0] &&
	    (strcmp(r->by, "day") == 0 || strcmp(r->by, "week") == 0 ||
	     strcmp(r->by, "month") == 0)) {
		long a = 0, b = 0, n;
		(void)days_of(r->from, &a);
		(void)days_of(r->to, &b);
		n = strcmp(r->by, "day") == 0    ? b - a + 1
		    : strcmp(r->by, "week") == 0 ? (b - a) / 7 + 2
		                                 : (b - a) / 28 + 2;
		if (n > REPORT_MAX_PERIODS)
			return msg_fail(
			    m, STATUS_USAGE,
			    "The range holds more than %d %ss; choose a shorter range or a "
			    "longer period.",
			    REPORT_MAX_PERIODS, r->by);
	}
	return STATUS_OK;
}

status_t report_check(const report_req_t *q, msg_t *m)
{
	req_t r;
	return check(q, &r, m);
}

/* ---- assembling ------------------------------------------------------------ */

static status_t add_row(report_t *r, const char *key, const char *label, const double *v, msg_t *m)
{
	report_row_t *row;
	if (r->nrows == r->cap) {
		int cap = r->cap ? r->cap * 2 : 32;
		report_row_t *n = realloc(r->rows, (size_t)cap * sizeof *n);
		if (!n)
			return msg_fail(m, STATUS_NOMEM, "Out of memory making the report.");
		r->rows = n;
		r->cap = cap;
	}
	row = &r->rows[r->nrows++];
	memset(row, 0, sizeof *row);
	text_copy(row->key, sizeof row->key, key);
	text_copy(row->label, sizeof row->label, label ? label : "");
	if (v)
		memcpy(row->v, v, sizeof row->v);
	return STATUS_OK;
}

typedef struct build {
	report_t *r;
	msg_t *m;
	status_t st;
	/* turnaround: the histogram rows of the whole result */
	db_report_row_t *h;
	size_t nh, caph;
} build_t;

static int take_row(const db_report_row_t *d, void *arg)
{
	build_t *b = arg;
	double v[REPORT_COLS];
	memset(v, 0, sizeof v);
	for (int i = 0; i < REPORT_COLS && i < DBR_VALUES; i++)
		v[i] = d->v[i];
	b->st = add_row(b->r, d->key, d->label, v, b->m);
	return b->st != STATUS_OK;
}

static int take_hist(const db_report_row_t *d, void *arg)
{
	build_t *b = arg;
	if (b->nh == b->caph) {
		size_t cap = b->caph ? b->caph * 2 : 256;
		db_report_row_t *n = realloc(b->h, cap * sizeof *n);
		if (!n) {
			b->st = msg_fail(b->m, STATUS_NOMEM, "Out of memory making the report.");
			return 1;
		}
		b->h = n;
		b->caph = cap;
	}
	b->h[b->nh++] = *d;
	return 0;
}

/* Every period from the first to the last (or the range's ends), zeros
 * where there were no rows. */
static status_t fill_series(report_t *r, const req_t *q, msg_t *m)
{
	int week = strcmp(q->by, "week") == 0, month = strcmp(q->by, "month") == 0;
	char first[16], last[16], k[16];
	report_row_t *old = r->rows;
	int nold = r->nrows, j = 0, count = 0;
	status_t ret = STATUS_OK;
	if (q->from[0])
		period_of(q->from, week, month, first, sizeof first);
	else if (nold)
		text_copy(first, sizeof first, old[0].key);
	else
		return STATUS_OK;
	if (q->to[0])
		period_of(q->to, week, month, last, sizeof last);
	else if (nold)
		text_copy(last, sizeof last, old[nold - 1].key);
	else
		text_copy(last, sizeof last, first);
	if (nold && strcmp(old[0].key, first) < 0)
		text_copy(first, sizeof first, old[0].key);
	if (nold && strcmp(old[nold - 1].key, last) > 0)
		text_copy(last, sizeof last, old[nold - 1].key);
	for (text_copy(k, sizeof k, first); strcmp(k, last) <= 0;
	     period_next(k, week, month, k, sizeof k))
		if (++count > REPORT_MAX_PERIODS)
			return msg_fail(
			    m, STATUS_USAGE,
			    "The range holds more than %d %ss; choose a shorter range or "
			    "a longer period.",
			    REPORT_MAX_PERIODS, q->by);
	r->rows = NULL;
	r->nrows = r->cap = 0;
	for (text_copy(k, sizeof k, first); ret == STATUS_OK && strcmp(k, last) <= 0;
	     period_next(k, week, month, k, sizeof k)) {
		while (j < nold && strcmp(old[j].key, k) < 0)
			j++;
		if (j < nold && strcmp(old[j].key, k) == 0)
			ret = add_row(r, k, old[j].label, old[j].v, m);
		else
			ret = add_row(r, k, "", NULL, m);
	}
	free(old);
	return ret;
}

/* Nearest-rank percentile p of a histogram of whole hours (sorted). */
static double pct(const db_report_row_t *h, size_t n, double total, int p)
{
	double rank = (double)(((long long)total * p + 99) / 100), cum = 0;
	for (size_t i = 0; i < n; i++) {
		cum += h[i].v[1];
		if (cum >= rank)
			return h[i].v[0];
	}
	return n ? h[n - 1].v[0] : 0;
}

/* One turnaround row from histogram rows h[0..n) (sorted by hours). */
static status_t turn_row(report_t *r, const char *key, db_report_row_t *h, size_t n, msg_t *m)
{
	double total = 0, sum = 0, v[REPORT_COLS];
	for (size_t i = 0; i < n; i++) {
		total += h[i].v[1];
		sum += h[i].v[0] * h[i].v[1];
	}
	memset(v, 0, sizeof v);
	v[0] = total;
	if (total > 0) {
		v[1] = pct(h, n, total, 50) / 24.0;
		v[2] = pct(h, n, total, 90) / 24.0;
		v[3] = sum / total / 24.0;
	}
	return add_row(r, key, "", v, m);
}

static int by_hours(const void *a, const void *b)
{
	double x = ((const db_report_row_t *)a)->v[0], y = ((const db_report_row_t *)b)->v[0];
	return x < y ? -1 : x > y;
}

static status_t turnaround(report_t *r, build_t *b, int grouped, msg_t *m)
{
	status_t ret = STATUS_OK;
	size_t i = 0, j;
	db_report_row_t *all = NULL;
	size_t nall = 0;
	while (ret == STATUS_OK && i < b->nh) {
		for (j = i; j < b->nh && strcmp(b->h[j].key, b->h[i].key) == 0; j++)
			;
		ret = turn_row(r, grouped ? b->h[i].key : "All", b->h + i, j - i, m);
		i = j;
	}
	if (ret != STATUS_OK || !grouped || r->series)
		return ret;
	/* All coders together: the histograms merged. */
	all = malloc((b->nh ? b->nh : 1) * sizeof *all);
	if (!all)
		return msg_fail(m, STATUS_NOMEM, "Out of memory making the report.");
	memcpy(all, b->h, b->nh * sizeof *all);
	qsort(all, b->nh, sizeof *all, by_hours);
	for (i = 0; i < b->nh; i = j) {
		all[nall] = all[i];
		for (j = i + 1; j < b->nh && all[j].v[0] == all[i].v[0]; j++)
			all[nall].v[1] += all[j].v[1];
		nall++;
	}
	if (b->nh)
		ret = turn_row(r, "All", all, nall, m);
	free(all);
	return ret;
}

static const char *const bucket_names[] = {"0-3 days", "4-7 days", "8-14 days", "15-30 days",
                                           "over 30 days"};

static status_t backlog(report_t *r, const report_t *raw, int grouped, msg_t *m)
{
	status_t ret = STATUS_OK;
	double v[REPORT_COLS];
	if (!grouped) {
		for (int k = 0; k < 5 && ret == STATUS_OK; k++) {
			memset(v, 0, sizeof v);
			for (int i = 0; i < raw->nrows; i++)
				if (atoi(raw->rows[i].key) == k + 1)
					memcpy(v, raw->rows[i].v, sizeof v);
			ret = add_row(r, bucket_names[k], "", v, m);
		}
		return ret;
	}
	for (int i = 0; i < raw->nrows && ret == STATUS_OK;) {
		int j = i;
		memset(v, 0, sizeof v);
		for (; j < raw->nrows && strcmp(raw->rows[j].key, raw->rows[i].key) == 0; j++) {
			int k = atoi(raw->rows[j].label) - 1;
			if (k >= 0 && k < 5)
				v[k] += raw->rows[j].v[0];
			v[5] += raw->rows[j].v[0];
		}
		ret = add_row(r, raw->rows[i].key, "", v, m);
		i = j;
	}
	return ret;
}

static const struct {
	const char *key, *text;
} measures[] = {
    {"no_phone", "Patients with no phone"},
    {"no_address", "Patients with no full address"},
    {"bad_zip", "Patients with an invalid ZIP"},
    {"bad_phone", "Patients with an invalid phone"},
    {"duplicates", "Suspected duplicates (registered anyway)"},
    {"no_allergy_status", "Patients with no allergy status"},
    {"no_vitals", "Encounters without vitals"},
};

static status_t quality(report_t *r, const report_t *raw, msg_t *m)
{
	status_t ret = STATUS_OK;
	double v[REPORT_COLS], patients = 0, unchecked = 0;
	for (int i = 0; i < raw->nrows; i++) {
		if (strcmp(raw->rows[i].key, "patients") == 0)
			patients = raw->rows[i].v[0];
		if (strcmp(raw->rows[i].key, "unchecked") == 0)
			unchecked = raw->rows[i].v[0];
	}
	for (size_t k = 0; k < sizeof measures / sizeof measures[0] && ret == STATUS_OK; k++) {
		memset(v, 0, sizeof v);
		for (int i = 0; i < raw->nrows; i++)
			if (strcmp(raw->rows[i].key, measures[k].key) == 0) {
				v[0] = raw->rows[i].v[0];
				v[1] = raw->rows[i].v[1];
			}
		v[2] = v[1] > 0 ? 100.0 * v[0] / v[1] : 0;
		ret = add_row(r, measures[k].text, measures[k].key, v, m);
	}
	if (unchecked > 0)
		snprintf(
		    r->note, sizeof r->note,
		    "%.0f of %.0f patient records were saved before the report flags existed and "
		    "are not counted in the first four measures: `chartroom keys reindex` computes "
		    "them.",
		    unchecked, patients);
	else
		snprintf(
		    r->note, sizeof r->note,
		    "Duplicates: patients registered over a likely-duplicate warning. Dates apply "
		    "to encounters only.");
	return ret;
}

static const char *const chapter_titles[] = {
    "",
    "Infectious and parasitic diseases",
    "Neoplasms",
    "Blood and immune mechanism",
    "Endocrine, nutritional and metabolic",
    "Mental and behavioral",
    "Nervous system",
    "Eye and adnexa",
    "Ear and mastoid process",
    "Circulatory system",
    "Respiratory system",
    "Digestive system",
    "Skin and subcutaneous tissue",
    "Musculoskeletal and connective tissue",
    "Genitourinary system",
    "Pregnancy and childbirth",
    "Perinatal period",
    "Congenital malformations",
    "Symptoms, signs, abnormal findings",
    "Injury and poisoning",
    "External causes",
    "Factors influencing health status",
    "Codes for special purposes",
};

static void setup(report_t *r, int kind, const req_t *q)
{
	static const char *const by_head[][2] = {
	    {"type", "Type"},    {"provider", "Provider"}, {"day", "Day"},
	    {"week", "Week of"}, {"month", "Month"},       {"coder", "Coder"},
	    {"code", "Code"},    {"chapter", "Chapter"},   {"user", "User"},
	    {"age", "Age"},      {"measure", "Measure"}, {"location", "Location"}};
	r->name = defs[kind].name;
	text_copy(r->by, sizeof r->by, q->by);
	text_copy(r->from, sizeof r->from, q->from);
	text_copy(r->to, sizeof r->to, q->to);
	r->key_head = "";
	for (size_t i = 0; i < sizeof by_head / sizeof by_head[0]; i++)
		if (strcmp(by_head[i][0], q->by) == 0)
			r->key_head = by_head[i][1];
	r->series =
	    strcmp(q->by, "day") == 0 || strcmp(q->by, "week") == 0 || strcmp(q->by, "month") == 0;
	switch (kind) {
	case R_VISITS:
		r->ncols = 3;
		r->cols[0] = "Visits";
		r->cols[1] = "Closed";
		r->cols[2] = "Final coded";
		break;
	case R_DIAGNOSES:
		r->label_head = strcmp(q->by, "code") == 0 ? "Description" : "Chapter title";
		r->ncols = 2;
		r->cols[0] = "Diagnoses";
		r->cols[1] = "As primary";
		break;
	case R_TURNAROUND:
		r->ncols = 4;
		r->cols[0] = "Encounters";
		r->cols[1] = "Median days";
		r->cols[2] = "90th pct days";
		r->cols[3] = "Mean days";
		r->decimals[1] = r->decimals[2] = r->decimals[3] = 1;
		r->chart_col = 1;
		break;
	case R_BACKLOG:
		if (strcmp(q->by, "age") == 0) {
			r->ncols = 4;
			r->cols[0] = "Encounters";
			r->cols[1] = "Uncoded";
			r->cols[2] = "Coded";
			r->cols[3] = "Verified";
		} else {
			r->ncols = 6;
			for (int i = 0; i < 5; i++)
				r->cols[i] = bucket_names[i];
			r->cols[5] = "Total";
			r->chart_col = 5;
		}
		break;
	case R_QUALITY:
		r->ncols = 3;
		r->cols[0] = "Count";
		r->cols[1] = "Of";
		r->cols[2] = "Percent";
		r->decimals[2] = 1;
		r->chart_col = 2;
		break;
	case R_DEFICIENCIES:
		if (strcmp(q->by, "provider") == 0) {
			r->ncols = 4;
			r->cols[0] = "Deficiencies";
			r->cols[1] = "Delinquent";
			r->cols[2] = "Discharges/mo";
			r->cols[3] = "Rate %";
			r->decimals[2] = r->decimals[3] = 1;
			r->chart_col = 3;
		} else {
			r->ncols = 2;
			r->cols[0] = "Deficiencies";
			r->cols[1] = "Delinquent";
		}
		break;
	case R_ACCESS:
		r->ncols = 4;
		r->cols[0] = "Break-glass";
		r->cols[1] = "Refusals";
		r->cols[2] = "Failed sign-ons";
		r->cols[3] = "Total";
		r->chart_col = 3;
		break;
	default:
		break;
	}
	r->title = defs[kind].desc;
}

static db_group_t group_of(const char *by)
{
	static const struct {
		const char *by;
		db_group_t g;
	} map[] = {{"type", DBR_TYPE},       {"provider", DBR_PROVIDER}, {"day", DBR_DAY},
	           {"week", DBR_WEEK},       {"month", DBR_MONTH},       {"code", DBR_CODE},
	           {"chapter", DBR_CHAPTER}, {"coder", DBR_CODER},       {"age", DBR_BUCKET},
	           {"user", DBR_USER},       {"location", DBR_SITE}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].by, by) == 0)
			return map[i].g;
	return DBR_NONE;
}

/* ---- deficiencies (core/deficiency.h computes them from the charts) ---- */

typedef struct defb {
	report_t *r;
	const req_t *q;
	msg_t *m;
	status_t st;
	int no_discharges; /* providers with no discharges in the months */
} defb_t;

static int take_delinquency(const delinquency_row_t *d, void *arg)
{
	defb_t *b = arg;
	double v[REPORT_COLS] = {0};
	v[0] = d->deficiencies;
	v[1] = d->delinquent_records;
	v[2] = d->avg_discharges;
	v[3] = d->rate < 0 ? 0 : d->rate;
	b->no_discharges += d->rate < 0;
	b->st = add_row(b->r, d->provider, NULL, v, b->m);
	return b->st != STATUS_OK;
}

/* Rows come by user then month: summed per month, within the range. */
static int take_def_month(const deficiency_month_t *d, void *arg)
{
	defb_t *b = arg;
	report_t *r = b->r;
	if ((b->q->from[0] && strncmp(d->month, b->q->from, 7) < 0) ||
	    (b->q->to[0] && strncmp(d->month, b->q->to, 7) > 0))
		return 0;
	for (int i = 0; i < r->nrows; i++)
		if (strcmp(r->rows[i].key, d->month) == 0) {
			r->rows[i].v[0] += d->deficiencies;
			r->rows[i].v[1] += d->delinquent_records;
			return 0;
		}
	double v[REPORT_COLS] = {0};
	v[0] = d->deficiencies;
	v[1] = d->delinquent_records;
	b->st = add_row(r, d->month, NULL, v, b->m);
	return b->st != STATUS_OK;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const report_row_t *)a)->key, ((const report_row_t *)b)->key);
}

/* The months a range spans (1 to 24; 3 when open: the Joint Commission's
 * average over the last three months). */
static int range_months(const req_t *q)
{
	int y1, m1, y2, m2, n;
	if (!q->from[0] || !q->to[0] || sscanf(q->from, "%d-%d", &y1, &m1) != 2 ||
	    sscanf(q->to, "%d-%d", &y2, &m2) != 2)
		return 3;
	n = (y2 - y1) * 12 + (m2 - m1) + 1;
	return n < 1 ? 1 : n > 24 ? 24 : n;
}

static status_t run_deficiencies(session_t *s, const req_t *q, report_t *r, msg_t *m)
{
	defb_t b = {r, q, m, STATUS_OK, 0};
	status_t ret;
	if (strcmp(q->by, "provider") == 0) {
		int months = range_months(q);
		ret = deficiency_delinquency(s, months, take_delinquency, &b, m);
		snprintf(r->note, sizeof r->note,
		         "Deficiencies open now; delinquent records as a share of the average monthly "
		         "discharges (closed encounters) over the last %d full month%s.%s",
		         months, months == 1 ? "" : "s",
		         b.no_discharges ? " A rate of 0 with no discharges: nothing to divide by." : "");
	} else {
		ret = deficiency_by_month(s, take_def_month, &b, m);
		if (ret == STATUS_OK && r->nrows > 1)
			qsort(r->rows, (size_t)r->nrows, sizeof *r->rows, by_key);
		snprintf(r->note, sizeof r->note,
		         "Deficiencies open now, by the month their cause began.");
	}
	return ret == STATUS_OK ? b.st : ret;
}

status_t report_run(session_t *s, const report_req_t *q, report_t **out, msg_t *m)
{
	req_t rq;
	report_t *r = NULL, raw;
	build_t b;
	status_t ret;
	const char *zone = s->c->cfg->clinic_tz;
	char from_utc[24], to_utc[24], today[DATE_ISO_SIZE], next[DATE_ISO_SIZE], detail[160];
	db_report_range_t range = {NULL, NULL, today};
	db_group_t g;
	int began = 0;
	long z;

	*out = NULL;
	memset(&raw, 0, sizeof raw);
	memset(&b, 0, sizeof b);
	if ((ret = check(q, &rq, m)) != STATUS_OK)
		return ret;
	if ((ret = session_require(s, ACT_REPORTS_VIEW, m)) != STATUS_OK)
		return ret;
	if (rq.kind == R_ACCESS && (ret = session_require(s, ACT_AUDIT_VIEW, m)) != STATUS_OK)
		return ret;
	if (rq.from[0]) {
		if ((ret = tz_to_utc(zone, rq.from, 0, 0, from_utc, m)) != STATUS_OK)
			return ret;
		range.from_utc = from_utc;
	}
	if (rq.to[0]) {
		if (days_of(rq.to, &z) != 0)
			return msg_fail(m, STATUS_USAGE, "To date: '%s' is not a date.", rq.to);
		iso_of(z + 1, next);
		if ((ret = tz_to_utc(zone, next, 0, 0, to_utc, m)) != STATUS_OK)
			return ret;
		range.to_utc = to_utc;
	}
	tz_today(zone, today);
	snprintf(detail, sizeof detail, "by %s, from %s to %s", rq.by, rq.from[0] ? rq.from : "any",
	         rq.to[0] ? rq.to : "any");
	/* The access report counts refusals and failed sign-ons still waiting
	 * in the journal too: chained first (best effort on a read-only
	 * database, where they stay uncounted). */
	if (rq.kind == R_ACCESS) {
		msg_t ignore;
		(void)audit_flush(s, &ignore);
	}
	if ((ret = audit_note(s, "report_run", rq.kind >= 0 ? defs[rq.kind].name : "", "ok", detail,
	                      0, m)) != STATUS_OK)
		return ret;
	r = calloc(1, sizeof *r);
	if (!r)
		return msg_fail(m, STATUS_NOMEM, "Out of memory making the report.");
	setup(r, rq.kind, &rq);
	tz_apply(zone); /* SQLite's 'localtime' is the clinic's zone */
	g = group_of(rq.by);
	b.m = m;
	b.st = STATUS_OK;
	b.r = (rq.kind == R_VISITS || rq.kind == R_DIAGNOSES || rq.kind == R_ACCESS) ? r : &raw;
	if (rq.kind == R_DEFICIENCIES) {
		/* Computed from the charts (each checked whole) by core. */
		ret = run_deficiencies(s, &rq, r, m);
		if (ret == STATUS_OK && r->series)
			ret = fill_series(r, &rq, m);
		goto cleanup;
	}
	if ((ret = db_read_begin(s->c->db, &began, m)) != STATUS_OK)
		goto cleanup;
	switch (rq.kind) {
	case R_VISITS:
		ret = db_report_visits(s->c->db, &range, g, take_row, &b, m);
		break;
	case R_DIAGNOSES:
		ret = db_report_diagnoses(s->c->db, &range, g, take_row, &b, m);
		break;
	case R_TURNAROUND:
		ret = db_report_turnaround(s->c->db, &range, g, take_hist, &b, m);
		break;
	case R_BACKLOG:
		ret = db_report_backlog(s->c->db, &range, g, take_row, &b, m);
		break;
	case R_QUALITY:
		ret = db_report_quality(s->c->db, &range, take_row, &b, m);
		break;
	case R_ACCESS:
		ret = db_report_access(s->c->db, &range, g, take_row, &b, m);
		break;
	default:
		ret = msg_fail(m, STATUS_ERR, "No such report.");
		break;
	}
	db_read_end(s->c->db, began);
	if (ret == STATUS_OK)
		ret = b.st;
	if (ret != STATUS_OK)
		goto cleanup;
	if (rq.kind == R_TURNAROUND)
		ret = turnaround(r, &b, g != DBR_NONE, m);
	else if (rq.kind == R_BACKLOG)
		ret = backlog(r, &raw, g != DBR_BUCKET, m);
	else if (rq.kind == R_QUALITY)
		ret = quality(r, &raw, m);
	if (ret == STATUS_OK && rq.kind == R_DIAGNOSES && g == DBR_CHAPTER)
		for (int i = 0; i < r->nrows; i++) {
			int c = atoi(r->rows[i].key);
			text_copy(r->rows[i].label, sizeof r->rows[i].label,
			          c > 0 && c <= 22 ? chapter_titles[c] : "Not an ICD-10-CM code");
		}
	if (ret == STATUS_OK && rq.kind == R_ACCESS)
		for (int i = 0; i < r->nrows; i++)
			r->rows[i].v[3] = r->rows[i].v[0] + r->rows[i].v[1] + r->rows[i].v[2];
	if (ret == STATUS_OK && r->series)
		ret = fill_series(r, &rq, m);
	if (ret == STATUS_OK && rq.kind == R_TURNAROUND)
		snprintf(r->note, sizeof r->note,
		         "Days from the start of service to final coding (whole hours); encounters "
		         "finalised before this version have no time and are not counted.");
cleanup:
	free(raw.rows);
	free(b.h);
	if (ret != STATUS_OK) {
		report_free(r);
		r = NULL;
	}
	*out = r;
	return ret;
}

void report_free(report_t *r)
{
	if (!r)
		return;
	free(r->rows);
	free(r);
}

void report_value_text(const report_t *r, int row, int c, char *buf, size_t size)
{
	if (!r || row < 0 || row >= r->nrows || c < 0 || c >= r->ncols) {
		snprintf(buf, size, "%s", "");
		return;
	}
	snprintf(buf, size, "%.*f", r->decimals[c], r->rows[row].v[c]);
}

static const char *const presets[] = {"Last 30 days", "Last 90 days", "Last 12 months",
                                      "This year",    "Last year",    "All time"};

int report_preset_count(void)
{
	return (int)(sizeof presets / sizeof presets[0]);
}

const char *report_preset_name(int i)
{
	return i >= 0 && i < report_preset_count() ? presets[i] : "";
}

void report_preset_range(const char *zone, int i, char from[11], char to[11])
{
	char today[DATE_ISO_SIZE], buf[48];
	long z = 0;
	int y = 0;
	tz_today(zone, today);
	(void)days_of(today, &z);
	y = atoi(today);
	text_copy(to, 11, today);
	switch (i) {
	case 0:
	case 1:
		iso_of(z - (i == 0 ? 29 : 89), from);
		break;
	case 2:
		snprintf(buf, sizeof buf, "%04d-%.5s", y - 1, today + 5);
		if (strcmp(today + 5, "02-29") == 0)
			snprintf(buf, sizeof buf, "%04d-03-01", y - 1);
		text_copy(from, 11, buf);
		break;
	case 3:
		snprintf(buf, sizeof buf, "%04d-01-01", y);
		text_copy(from, 11, buf);
		break;
	case 4:
		snprintf(buf, sizeof buf, "%04d-01-01", y - 1);
		text_copy(from, 11, buf);
		snprintf(buf, sizeof buf, "%04d-12-31", y - 1);
		text_copy(to, 11, buf);
		break;
	default:
		from[0] = to[0] = '\0';
		break;
	}
}
