/* deid.c - the Safe Harbor de-identified export (see deid.h). Patients
 * are decrypted only for their date of birth, sex, ZIP, state and date of
 * death; everything else comes from clear columns (db/db_deid.h). Every
 * value written passes a whitelist of characters a code, number, year or
 * status has, so nothing else can reach a file even from an altered row. */
#include "core/deid.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/date.h"
#include "base/text.h"
#include "base/userfile.h"
#include "core/audit.h"
#include "core/internal.h"
#include "core/precord.h"
#include "db/db_deid.h"
#include "db/db_patients.h"

/* ---- the rules ----------------------------------------------------------- */

/* 45 CFR 164.514(b)(2)(i)(B), with the Census figures HHS publishes. */
static const char *const restricted_zip3[] = {"036", "059", "063", "102", "203", "556",
					      "692", "790", "821", "823", "830", "831",
					      "878", "879", "884", "890", "893", NULL};

static int digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int deid_zip3(const char *zip, char out[4])
{
	out[0] = '\0';
	if (!zip || strlen(zip) < 5 || !digits(zip, 5))
		return 0;
	if (zip[5] && !(zip[5] == '-' && strlen(zip) == 10 && digits(zip + 6, 4)))
		return 0;
	memcpy(out, zip, 3);
	out[3] = '\0';
	for (int i = 0; restricted_zip3[i]; i++)
		if (strcmp(out, restricted_zip3[i]) == 0) {
			memcpy(out, "000", 4);
			return 1;
		}
	return 0;
}

void deid_age(int age, char *out, size_t size)
{
	if (age < 0)
		text_copy(out, size, "");
	else if (age > 89)
		text_copy(out, size, "90+");
	else
		snprintf(out, size, "%d", age);
}

int deid_year(const char *date, char out[5])
{
	out[0] = '\0';
	if (!date || strlen(date) < 4 || !digits(date, 4) || (date[4] && date[4] != '-'))
		return 0;
	memcpy(out, date, 4);
	out[4] = '\0';
	return atoi(out);
}

int deid_age_on(int y, int m, int d, int ey, int em, int ed)
{
	int a = ey - y;
	if (em < m || (em == m && ed < d))
		a--;
	return a < 0 ? -1 : a;
}

/* ---- the export ------------------------------------------------------------ */

typedef struct dpat {
	int64_t prow;
	uint64_t sid;
	int by, bm, bd; /* date of birth; by 0: unknown */
	int age;        /* today, or at death; -1 unknown */
	int death_year; /* 0: alive (or not recorded) */
	char sex[2];
	char zip3[4];
	char state[3];
	int included;
} dpat_t;

typedef struct denc {
	int64_t erow;
	uint64_t sid;
	size_t pi;
	char year[5];
} denc_t;

typedef struct dline {
	uint64_t k1, k2, k3;
	char *text;
} dline_t;

enum { F_PATIENTS, F_ENCOUNTERS, F_DIAGNOSES, F_PROCEDURES, F_VITALS, F_MEDS, F_ALLERGIES, NFILES };

static const struct {
	const char *name, *header;
} files[NFILES] = {
    {"patients.csv", "patient_id,sex,birth_year,age,zip3,state,deceased,death_year"},
    {"encounters.csv", "encounter_id,patient_id,year,age,type,status,coding_status"},
    {"diagnoses.csv", "patient_id,encounter_id,year,source,position,system,code,status"},
    {"procedures.csv", "patient_id,encounter_id,year,system,code,modifiers,units"},
    {"vitals.csv", "patient_id,encounter_id,year,systolic,diastolic,pulse,resp,temp_c,spo2,"
                   "height_cm,weight_kg,bmi"},
    {"medications.csv", "patient_id,start_year,stop_year,route,status"},
    {"allergies.csv", "patient_id,year,severity,status"},
};

typedef struct dfile {
	dline_t *v;
	size_t n, cap;
} dfile_t;

#define LINE_MAX_BYTES 512
#define CELL_MAX 48

typedef struct ctx {
	session_t *s;
	deid_report_t *rep;
	msg_t *m;
	status_t ret;
	dpat_t *p;
	size_t np, pcap;
	denc_t *e;
	size_t ne, ecap;
	int ranged;
	char today[DATE_ISO_SIZE];
	dfile_t f[NFILES];
	patient_t *pt; /* scratch for one decrypted record (guarded memory) */
	char line[LINE_MAX_BYTES];
	size_t len;
} ctx_t;

static uint64_t study_id(void)
{
	uint64_t v;
	randombytes_buf(&v, sizeof v);
	return v;
}

static void sid_text(uint64_t sid, char out[18])
{
	snprintf(out, 18, "%016" PRIx64, sid);
}

/* What a cell may hold: a code, number, year, status, sex, state. */
static int cell_ok(const char *v)
{
	size_t n = 0;
	for (; v[n]; n++) {
		char ch = v[n];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == ' ' || ch == '.' || ch == '+' || ch == '-' || ch == '_' || ch == '/'))
			return 0;
	}
	return n <= CELL_MAX;
}

static void line_begin(ctx_t *c)
{
	c->len = 0;
	c->line[0] = '\0';
}

static void put(ctx_t *c, const char *v)
{
	size_t n;
	if (!v)
		v = "";
	if (!cell_ok(v)) {
		c->rep->withheld++;
		v = "";
	}
	n = strlen(v);
	if (c->len + n + 2 >= sizeof c->line)
		return; /* cannot happen: at most 12 cells of CELL_MAX */
	if (c->len)
		c->line[c->len++] = ',';
	memcpy(c->line + c->len, v, n + 1);
	c->len += n;
}

static void put_sid(ctx_t *c, uint64_t sid)
{
	char t[18];
	sid_text(sid, t);
	put(c, t);
}

static int line_end(ctx_t *c, int file, uint64_t k1, uint64_t k2, uint64_t k3)
{
	dfile_t *f = &c->f[file];
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		dline_t *v = realloc(f->v, cap * sizeof *v);
		if (!v)
			goto nomem;
		f->v = v;
		f->cap = cap;
	}
	if (!(f->v[f->n].text = strdup(c->line)))
		goto nomem;
	f->v[f->n].k1 = k1;
	f->v[f->n].k2 = k2;
	f->v[f->n].k3 = k3;
	f->n++;
	return 0;
nomem:
	c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory while exporting.");
	return 1;
}

static dpat_t *find_patient(ctx_t *c, int64_t prow)
{
	size_t lo = 0, hi = c->np;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->p[mid].prow == prow)
			return &c->p[mid];
		if (c->p[mid].prow < prow)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static denc_t *find_encounter(ctx_t *c, int64_t erow)
{
	size_t lo = 0, hi = c->ne;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->e[mid].erow == erow)
			return &c->e[mid];
		if (c->e[mid].erow < erow)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int pat_row(const db_patient_row_t *row, void *arg)
{
	ctx_t *c = arg;
	dpat_t *d;
	int y, mo, dd;
	status_t st = precord_open(c->s->kr, row, c->pt, 0, CLINIC_OPEN_FLAGS(c->s->c), c->m);
	if (st != STATUS_OK) {
		c->ret = st;
		return 1;
	}
	if (c->np == c->pcap) {
		size_t cap = c->pcap ? c->pcap * 2 : 256;
		dpat_t *v = realloc(c->p, cap * sizeof *v);
		if (!v) {
			c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory while exporting.");
			return 1;
		}
		c->p = v;
		c->pcap = cap;
	}
	d = &c->p[c->np++];
	memset(d, 0, sizeof *d);
	d->prow = row->prow;
	d->sid = study_id();
	d->included = !c->ranged;
	if (date_split_iso(c->pt->f[PF_DOB], &y, &mo, &dd) == 0) {
		d->by = y;
		d->bm = mo;
		d->bd = dd;
	}
	d->age = patient_shown_age(c->pt->f[PF_DOB], c->pt->f[PF_DEATH][0] ? c->pt->f[PF_DEATH] : NULL,
				   c->today, NULL);
	/* Someone born over 89 years ago is 90+ even if they died younger:
	 * a birth year (or an age at death with the year of death) would
	 * say how old they would be now. */
	{
		int now = patient_age(c->pt->f[PF_DOB], c->today);
		if (now > 89)
			d->age = now;
	}
	if (date_split_iso(c->pt->f[PF_DEATH], &y, &mo, &dd) == 0)
		d->death_year = y;
	text_copy(d->sex, sizeof d->sex, c->pt->f[PF_SEX]);
	deid_zip3(c->pt->f[PF_ZIP], d->zip3);
	text_copy(d->state, sizeof d->state, c->pt->f[PF_STATE]);
	sodium_memzero(c->pt, sizeof *c->pt);
	return 0;
}

static status_t read_patients(ctx_t *c)
{
	int64_t prows[DB_PATIENT_EACH_MAX], after = 0;
	db_patient_row_t *buf = malloc(sizeof *buf);
	status_t ret = STATUS_OK;
	int n;

	if (!buf)
		return msg_fail(c->m, STATUS_NOMEM, "Out of memory while exporting.");
	for (;;) {
		if ((ret = db_deid_patient_page(c->s->c->db, after, prows, DB_PATIENT_EACH_MAX, &n,
						c->m)) != STATUS_OK || n == 0)
			break;
		ret = db_patient_each(c->s->c->db, prows, n, 1, buf, pat_row, c, c->m);
		if (ret == STATUS_OK && c->ret != STATUS_OK)
			ret = c->ret;
		if (ret != STATUS_OK)
			break;
		after = prows[n - 1];
	}
	sodium_memzero(buf, sizeof *buf);
	free(buf);
	return ret;
}

/* An age on the day of an encounter. For a patient exported as 90+, any
 * age under 90 would give away the birth year (year of the visit less the
 * age): left blank. */
static void encounter_age(const dpat_t *p, const char *start, char *out, size_t size)
{
	int y, mo, d, a;
	char day[DATE_ISO_SIZE];
	text_copy(day, sizeof day, start);
	if (!p->by || date_split_iso(day, &y, &mo, &d) != 0) {
		text_copy(out, size, "");
		return;
	}
	a = deid_age_on(p->by, p->bm, p->bd, y, mo, d);
	if (p->age > 89 && a <= 89)
		text_copy(out, size, "");
	else
		deid_age(a, out, size);
}

static int enc_row(const db_deid_row_t *r, void *arg)
{
	ctx_t *c = arg;
	dpat_t *p = find_patient(c, r->b);
	denc_t *e;
	char age[8];
	if (!p)
		return 0;
	if (c->ne == c->ecap) {
		size_t cap = c->ecap ? c->ecap * 2 : 256;
		denc_t *v = realloc(c->e, cap * sizeof *v);
		if (!v) {
			c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory while exporting.");
			return 1;
		}
		c->e = v;
		c->ecap = cap;
	}
	e = &c->e[c->ne++];
	e->erow = r->a;
	e->sid = study_id();
	e->pi = (size_t)(p - c->p);
	deid_year(r->t[0], e->year);
	p->included = 1;
	encounter_age(p, r->t[0], age, sizeof age);
	line_begin(c);
	put_sid(c, e->sid);
	put_sid(c, p->sid);
	put(c, e->year);
	put(c, age);
	put(c, r->t[1]);
	put(c, r->t[2]);
	put(c, r->t[3]);
	c->rep->encounters++;
	return line_end(c, F_ENCOUNTERS, p->sid, e->sid, 0);
}

/* A code as stored: letters and digits (ICD-10-CM without its dot,
 * HCPCS, CPT: at most 8), or the digits of a SNOMED CT id (at most 18). */
static const char *code_or_blank(ctx_t *c, const char *code)
{
	size_t n = strlen(code);
	if (n < 3 || n > (code[0] >= '0' && code[0] <= '9' ? 18u : 8u))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!((code[i] >= 'A' && code[i] <= 'Z') || (code[i] >= '0' && code[i] <= '9')))
			goto bad;
	return code;
bad:
	c->rep->withheld++;
	return "";
}

static int dx_row(const db_deid_row_t *r, void *arg)
{
	ctx_t *c = arg;
	denc_t *e = find_encounter(c, r->a);
	char pos[12];
	if (!e)
		return 0;
	snprintf(pos, sizeof pos, "%" PRId64, r->b);
	line_begin(c);
	put_sid(c, c->p[e->pi].sid);
	put_sid(c, e->sid);
	put(c, e->year);
	put(c, "encounter");
	put(c, pos);
	put(c, "icd10cm");
	put(c, code_or_blank(c, r->t[0]));
	put(c, "");
	c->rep->diagnoses++;
	return line_end(c, F_DIAGNOSES, c->p[e->pi].sid, e->sid, (uint64_t)r->b);
}

static int problem_row(const db_deid_row_t *r, void *arg)
{
	ctx_t *c = arg;
	dpat_t *p = find_patient(c, r->b);
	char year[5];
	if (!p || !p->included)
		return 0;
	if (!deid_year(r->t[1], year))
		deid_year(r->t[3], year);
	line_begin(c);
	put_sid(c, p->sid);
	put(c, "");
	put(c, year);
	put(c, "problem");
	put(c, "");
	/* A problem's code is ICD-10-CM (a letter first) or SNOMED CT (digits). */
	put(c, r->t[0][0] >= '0' && r->t[0][0] <= '9' ? "snomed" : "icd10cm");
	put(c, code_or_blank(c, r->t[0]));
	put(c, r->t[2]);
	c->rep->diagnoses++;
	return line_end(c, F_DIAGNOSES, p->sid, 0, study_id());
}

static int px_row(const db_deid_row_t *r, void *arg)
{
	ctx_t *c = arg;
	denc_t *e = find_encounter(c, r->a);
	char mods[CELL_MAX + 1];
	if (!e)
		return 0;
	/* "25,59" -> "25 59": no commas inside a cell. */
	text_copy(mods, sizeof mods, r->t[2]);
	for (char *q = mods; *q; q++)
		if (*q == ',')
			*q = ' ';
	line_begin(c);
	put_sid(c, c->p[e->pi].sid);
	put_sid(c, e->sid);
	put(c, e->year);
	put(c, r->t[0]);
	put(c, code_or_blank(c, r->t[1]));
	put(c, mods);
	put(c, r->t[3]);
	c->rep->procedures++;
	return line_end(c, F_PROCEDURES, c->p[e->pi].sid, e->sid, (uint64_t)r->b);
}

static int vitals_row(const db_deid_row_t *r, void *arg)
{
	ctx_t *c = arg;
	denc_t *e = find_encounter(c, r->a);
	char year[5];
	if (!e)
		return 0;
	deid_year(r->t[0], year);
	line_begin(c);
	put_sid(c, c->p[e->pi].sid);
	put_sid(c, e->sid);
	put(c, year);
	for (int i = 1; i <= 9; i++)
		put(c, r->t[i]);
	c->rep->vitals++;
	return line_end(c, F_VITALS, c->p[e->pi].sid, e->sid, study_id());
}

static int med_row(const db_deid_row_t *r, void *arg)
{
	ctx_t *c = arg;
	dpat_t *p = find_patient(c, r->b);
	char y1[5], y2[5];
	if (!p || !p->included)
		return 0;
	if (!deid_year(r->t[1], y1))
		deid_year(r->t[4], y1);
	deid_year(r->t[2], y2);
	line_begin(c);
	put_sid(c, p->sid);
	put(c, y1);
	put(c, y2);
	put(c, r->t[0]);
	put(c, r->t[3]);
	c->rep->medications++;
	return line_end(c, F_MEDS, p->sid, study_id(), 0);
}

static int allergy_row(const db_deid_row_t *r, void *arg)
{
	ctx_t *c = arg;
	dpat_t *p = find_patient(c, r->b);
	char year[5];
	if (!p || !p->included)
		return 0;
	deid_year(r->t[2], year);
	line_begin(c);
	put_sid(c, p->sid);
	put(c, year);
	put(c, r->t[0]);
	put(c, r->t[1]);
	c->rep->allergies++;
	return line_end(c, F_ALLERGIES, p->sid, study_id(), 0);
}

static int nka_row(const db_deid_row_t *r, void *arg)
{
	ctx_t *c = arg;
	dpat_t *p = find_patient(c, r->a);
	char year[5];
	if (!p || !p->included)
		return 0;
	deid_year(r->t[0], year);
	line_begin(c);
	put_sid(c, p->sid);
	put(c, year);
	put(c, "");
	put(c, "no known allergies");
	c->rep->allergies++;
	return line_end(c, F_ALLERGIES, p->sid, study_id(), 0);
}

static status_t patient_lines(ctx_t *c)
{
	for (size_t i = 0; i < c->np; i++) {
		dpat_t *p = &c->p[i];
		char by[12], age[8], dy[12];
		if (!p->included)
			continue;
		deid_age(p->age, age, sizeof age);
		/* No birth year for anyone over 89 (it would tell the age). */
		if (p->by && p->age <= 89)
			snprintf(by, sizeof by, "%d", p->by);
		else
			by[0] = '\0';
		if (p->death_year)
			snprintf(dy, sizeof dy, "%d", p->death_year);
		else
			dy[0] = '\0';
		line_begin(c);
		put_sid(c, p->sid);
		put(c, p->sex);
		put(c, by);
		put(c, age);
		put(c, p->zip3);
		put(c, p->state);
		put(c, p->death_year ? "yes" : "no");
		put(c, dy);
		c->rep->patients++;
		if (p->age > 89)
			c->rep->over89++;
		if (line_end(c, F_PATIENTS, p->sid, 0, 0))
			return c->ret;
	}
	return STATUS_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The smallest group of patients sharing (birth year, sex, ZIP3) as
 * exported: 90+ patients, without a birth year, form their own year. */
static status_t group_sizes(ctx_t *c)
{
	uint64_t *k = malloc((c->np ? c->np : 1) * sizeof *k);
	size_t n = 0;
	if (!k)
		return msg_fail(c->m, STATUS_NOMEM, "Out of memory while exporting.");
	for (size_t i = 0; i < c->np; i++) {
		const dpat_t *p = &c->p[i];
		uint64_t year = p->age > 89 ? 1 : (uint64_t)p->by;
		uint64_t zip = p->zip3[0] ? (uint64_t)atoi(p->zip3) : 1000;
		if (!p->included)
			continue;
		k[n++] = (year << 24) | ((uint64_t)(unsigned char)p->sex[0] << 12) | zip;
	}
	qsort(k, n, sizeof *k, cmp_u64);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && k[j] == k[i])
			j++;
		c->rep->groups++;
		if (!c->rep->smallest_group || (long)(j - i) < c->rep->smallest_group)
			c->rep->smallest_group = (long)(j - i);
		if (j - i < DEID_SMALL_GROUP)
			c->rep->small_groups++;
		i = j;
	}
	free(k);
	return STATUS_OK;
}

static int cmp_line(const void *a, const void *b)
{
	const dline_t *x = a, *y = b;
	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2 ? -1 : 1;
	return x->k3 < y->k3 ? -1 : x->k3 > y->k3;
}

static void remove_files(const char *dir, int made)
{
	char path[4096];
	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
		userfile_unlink(path);
	}
	if (made)
		userfile_rmdir(dir);
}

static status_t write_files(ctx_t *c, const char *dir)
{
	char path[4096];
	status_t ret = STATUS_OK;

	for (int i = 0; i < NFILES && ret == STATUS_OK; i++) {
		dfile_t *f = &c->f[i];
		FILE *out = NULL;
		int fd = -1, bad;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, files[i].name) >= sizeof path)
			return msg_fail(c->m, STATUS_INVALID, "The directory's name is too long.");
		ret = userfile_open(path, O_WRONLY | O_CREAT | O_EXCL, 0600, &fd, c->m);
		if (ret != STATUS_OK)
			break;
		if (fchmod(fd, 0600) != 0 || !(out = fdopen(fd, "w"))) {
			close(fd);
			ret = msg_fail(c->m, STATUS_ERR, "Cannot write %s.", path);
			break;
		}
		if (f->n) /* qsort of no rows: v may be NULL */
			qsort(f->v, f->n, sizeof *f->v, cmp_line);
		bad = fprintf(out, "%s\n", files[i].header) < 0;
		for (size_t j = 0; j < f->n && !bad; j++)
			bad = fprintf(out, "%s\n", f->v[j].text) < 0;
		bad |= fflush(out) != 0 || fsync(fileno(out)) != 0;
		bad |= fclose(out) != 0;
		if (bad)
			ret = msg_fail(c->m, STATUS_ERR, "Cannot write %s (is the disk full?).", path);
	}
	return ret;
}

static status_t record(session_t *s, const char *outcome, const char *detail, msg_t *m)
{
	status_t ret = db_begin(s->c->db, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "export_deid", "", outcome, detail, m);
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

status_t deid_export(session_t *s, const char *from, const char *to, const char *dir,
		     deid_report_t *rep, msg_t *m)
{
	char from_iso[DATE_ISO_SIZE] = "", to_iso[DATE_ISO_SIZE] = "", detail[256];
	ctx_t c;
	status_t ret;
	int reading = 0, made = 0;
	static const struct {
		db_deid_set_t set;
		int (*fn)(const db_deid_row_t *r, void *arg);
	} passes[] = {{DB_DEID_ENCOUNTERS, enc_row}, {DB_DEID_DX, dx_row},
		      {DB_DEID_PX, px_row},          {DB_DEID_VITALS, vitals_row},
		      {DB_DEID_PROBLEMS, problem_row}, {DB_DEID_MEDS, med_row},
		      {DB_DEID_ALLERGIES, allergy_row}, {DB_DEID_NKA, nka_row}};

	memset(rep, 0, sizeof *rep);
	memset(&c, 0, sizeof c);
	c.s = s;
	c.rep = rep;
	c.m = m;
	if ((ret = session_require(s, ACT_EXPORT_DEID, m)) != STATUS_OK)
		return ret;
	if (!dir || !*dir)
		return msg_fail(m, STATUS_USAGE, "Name a new directory for the export (--out DIR).");
	if (from && *from &&
	    (ret = date_parse_msg("From date", from, NULL, NULL, from_iso, m)) != STATUS_OK)
		return ret;
	if (to && *to && (ret = date_parse_msg("To date", to, NULL, NULL, to_iso, m)) != STATUS_OK)
		return ret;
	if (*from_iso && *to_iso && strcmp(from_iso, to_iso) > 0)
		return msg_fail(m, STATUS_INVALID, "From date %s is after to date %s.", from_iso,
				to_iso);
	c.ranged = *from_iso || *to_iso;
	date_today(c.today);
	if (!(c.pt = sodium_malloc(sizeof *c.pt))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory while exporting.");
		goto cleanup;
	}

	/* One snapshot for every read. */
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = read_patients(&c)) != STATUS_OK)
		goto cleanup;
	for (size_t i = 0; i < sizeof passes / sizeof passes[0]; i++) {
		ret = db_deid_each(s->c->db, passes[i].set, from_iso, to_iso, passes[i].fn, &c, m);
		if (ret == STATUS_OK)
			ret = c.ret;
		if (ret != STATUS_OK)
			goto cleanup;
	}
	db_read_end(s->c->db, reading);
	reading = 0;
	if ((ret = patient_lines(&c)) != STATUS_OK || (ret = group_sizes(&c)) != STATUS_OK)
		goto cleanup;

	if ((ret = userfile_mkdir_new(dir, 0700, m)) != STATUS_OK)
		goto cleanup;
	made = 1;
	if ((ret = write_files(&c, dir)) != STATUS_OK)
		goto cleanup;
	snprintf(detail, sizeof detail,
		 "from %s to %s: %ld patients, %ld encounters, %ld diagnoses, %ld procedures, "
		 "%ld vitals, %ld medications, %ld allergies; smallest group %ld",
		 *from_iso ? from_iso : "the start", *to_iso ? to_iso : "now", rep->patients,
		 rep->encounters, rep->diagnoses, rep->procedures, rep->vitals, rep->medications,
		 rep->allergies, rep->smallest_group);
	/* A disclosure that cannot be recorded is not made. */
	if ((ret = record(s, "ok", detail, m)) != STATUS_OK)
		goto cleanup;
	msg_set(m, "Exported %ld patients (de-identified, Safe Harbor) to %s.", rep->patients, dir);

cleanup:
	if (reading)
		db_read_end(s->c->db, reading);
	if (ret != STATUS_OK && made)
		remove_files(dir, 1);
	for (int i = 0; i < NFILES; i++) {
		for (size_t j = 0; j < c.f[i].n; j++)
			free(c.f[i].v[j].text);
		free(c.f[i].v);
	}
	if (c.p) {
		sodium_memzero(c.p, c.pcap * sizeof *c.p);
		free(c.p);
	}
	free(c.e);
	if (c.pt)
		sodium_free(c.pt);
	return ret;
}
