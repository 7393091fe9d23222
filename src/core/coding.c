/* coding.c - code sets, code search, encounter coding (the coding queue:
 * coding_queue.c; who coded an encounter: coding_duty.c). */
#include "core/coding.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/date.h"
#include "base/tz.h"
#include "base/text.h"
#include "base/userfile.h"
#include "core/audit.h"
#include "core/crypto.h"
#include "core/csv.h"
#include "core/coding_internal.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/patient.h"
#include "core/precord.h"
#include "db/db_clinical.h"
#include "db/db_codes.h"
#include "db/db_patients.h"

static const char *const sys_names[] = {"icd10cm", "hcpcs", "cpt"};
static const char *const sys_labels[] = {"ICD-10-CM", "HCPCS", "CPT"};

const char *codesys_name(codesys_t cs)
{
	return (unsigned)cs < CS_COUNT ? sys_names[cs] : "?";
}

codesys_t codesys_from_name(const char *name)
{
	for (int i = 0; i < CS_COUNT; i++)
		if (name && strcasecmp(name, sys_names[i]) == 0)
			return (codesys_t)i;
	return CS_COUNT;
}

/* Code-set effective dates: from ICD-10-CM's start in the US to far
 * enough ahead for any version announced in advance. */
#define CODES_DATE_MIN "1990-01-01"
#define CODES_DATE_MAX "2200-12-31"

/* "E119" -> "E11.9" for ICD-10-CM; others unchanged. */
static void dotted(codesys_t cs, const char *code, char *out, size_t size)
{
	size_t n = strlen(code);
	if (cs == CS_ICD10CM && n > 3 && n + 2 <= size) {
		memcpy(out, code, 3);
		out[3] = '.';
		memcpy(out + 4, code + 3, n - 2); /* the rest and its NUL */
	} else {
		text_copy(out, size, code);
	}
}

/* Typed code -> stored form: dots and spaces out, upper case. 0 if it has
 * anything but letters and digits. */
static int undotted(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (; *in; in++) {
		if (*in == '.' || *in == ' ')
			continue;
		if (!isalnum((unsigned char)*in) || o + 1 >= size)
			return 0;
		out[o++] = (char)toupper((unsigned char)*in);
	}
	out[o] = '\0';
	return o > 0;
}

/* ---- import ----------------------------------------------------------- */

/* The digest of the whole file, then back to its start: the file loaded
 * is the file digested (one open, not two). */
static status_t file_digest(FILE *f, const char *path, char hex[65], msg_t *m)
{
	crypto_generichash_state st;
	unsigned char buf[65536], h[32];
	size_t n;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		crypto_generichash_update(&st, buf, n);
	if (ferror(f) || fseek(f, 0, SEEK_SET) != 0)
		return msg_fail(m, STATUS_ERR, "Cannot read %s: %s.", path, strerror(errno));
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(hex, 65, h, sizeof h);
	return STATUS_OK;
}

static void rstrip(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
}

/* Copy columns [from, to] (1-based, inclusive) of line, trimmed. */
static void cols(const char *line, size_t len, int from, int to, char *out, size_t size)
{
	size_t a = (size_t)from - 1, b = to < 0 ? len : (size_t)to;
	size_t o = 0;
	if (b > len)
		b = len;
	for (size_t i = a; i < b && o + 1 < size; i++)
		out[o++] = line[i];
	out[o] = '\0';
	rstrip(out);
	while (out[0] == ' ')
		memmove(out, out + 1, strlen(out));
}

static int code_shape(codesys_t cs, const char *c)
{
	size_t n = strlen(c);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)c[i]) || islower((unsigned char)c[i]))
			return 0;
	if (cs == CS_ICD10CM) /* a letter, then 2 to 6 letters or digits (FY2026 has QA0) */
		return n >= 3 && n <= 7 && isalpha((unsigned char)c[0]);
	if (cs == CS_HCPCS)
		return n == 5 && isalpha((unsigned char)c[0]) && isdigit((unsigned char)c[1]) &&
		       isdigit((unsigned char)c[2]) && isdigit((unsigned char)c[3]) &&
		       isdigit((unsigned char)c[4]);
	/* CPT: five digits, or four digits and F, T or U */
	return n == 5 && isdigit((unsigned char)c[0]) && isdigit((unsigned char)c[1]) &&
	       isdigit((unsigned char)c[2]) && isdigit((unsigned char)c[3]) &&
	       (isdigit((unsigned char)c[4]) || strchr("FTU", c[4]));
}

typedef struct loader {
	db_t *db;
	const char *path; /* for "FILE:LINE: why" */
	int64_t vid;
	int64_t codes, billable;
	/* HCPCS continuation lines build up the long description. */
	char pend_code[16], pend_short[64];
	char pend_long[1024];
	int pending;
} loader_t;

/* A bad line of a code file: "FILE:LINE: why". The whole import is then
 * rolled back. */
static status_t bad_line(const loader_t *l, long line, msg_t *m, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static status_t bad_line(const loader_t *l, long line, msg_t *m, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return msg_fail(m, STATUS_INVALID, "%s:%ld: %s", l->path, line, why);
}

/* A description from a code file must be text that is safe to show
 * (base/text.h): no control characters, no bidi controls, valid UTF-8. */
static status_t check_desc(const loader_t *l, long line, const char *label, const char *d,
			   msg_t *m)
{
	msg_t why;
	if (text_check(label, d, strlen(d), 0, &why) != STATUS_OK)
		return bad_line(l, line, m, "%s", why.text);
	return STATUS_OK;
}

/* The next physical line of a fixed-width code file, without its line
 * end: STATUS_OK with *len set, STATUS_NOTFOUND at the end, else an error
 * in m. getline, not fgets: a NUL byte inside a line must refuse the
 * line, not cut it short. */
#define CODE_LINE_MAX 1024
static status_t next_line(const loader_t *l, FILE *f, char **buf, size_t *cap, long *n,
			  size_t *len, msg_t *m)
{
	ssize_t got = getline(buf, cap, f);
	if (got < 0)
		return ferror(f) ? msg_fail(m, STATUS_ERR, "%s: cannot be read.", l->path)
				 : STATUS_NOTFOUND;
	(*n)++;
	if ((size_t)got != strlen(*buf))
		return bad_line(l, *n, m, "contains a NUL byte (U+0000); the line is refused");
	if (got > CODE_LINE_MAX)
		return bad_line(l, *n, m, "longer than %d bytes", CODE_LINE_MAX);
	rstrip(*buf);
	*len = strlen(*buf);
	return STATUS_OK;
}

static status_t put_words(loader_t *l, const char *code, int billable, const char *shortd,
			  const char *longd, const char *words, msg_t *m)
{
	status_t ret = db_code_insert(l->db, l->vid, code, billable, shortd, longd, words, m);
	if (ret == STATUS_EXISTS)
		return STATUS_EXISTS;
	if (ret == STATUS_OK) {
		l->codes++;
		l->billable += billable;
	}
	return ret;
}

static status_t put(loader_t *l, const char *code, int billable, const char *shortd,
		    const char *longd, msg_t *m)
{
	status_t ret = db_code_insert(l->db, l->vid, code, billable, shortd, longd, longd, m);
	if (ret == STATUS_EXISTS)
		return STATUS_EXISTS;
	if (ret == STATUS_OK) {
		l->codes++;
		l->billable += billable;
	}
	return ret;
}

/* The tabular list is a tree by code prefix (E11 > E11.2 > E11.21), and
 * the file lists parents before children. A code is found by its own words
 * and its ancestors': "diab 2 kidn" finds E11.21 "...with diabetic
 * nephropathy" under E11.2 "...with kidney complications". */
#define ICD_DEPTH 8
typedef struct ancestry {
	int n;
	char code[ICD_DEPTH][16];
	char desc[ICD_DEPTH][512];
} ancestry_t;

static void words_with_ancestors(ancestry_t *a, const char *code, const char *longd, char *words,
				 size_t size)
{
	size_t o;
	while (a->n && strncmp(code, a->code[a->n - 1], strlen(a->code[a->n - 1])) != 0)
		a->n--;
	o = text_copy(words, size, longd);
	for (int i = a->n - 1; i >= 0 && o + 2 < size; i--) {
		words[o++] = ' ';
		o += text_copy(words + o, size - o, a->desc[i]);
	}
	if (a->n < ICD_DEPTH) {
		text_copy(a->code[a->n], sizeof a->code[0], code);
		text_copy(a->desc[a->n], sizeof a->desc[0], longd);
		a->n++;
	}
}

static status_t load_icd10(loader_t *l, FILE *f, msg_t *m)
{
	char order[8], code[16], flag[4], shortd[128], longd[512], words[4096];
	char *line = NULL;
	size_t cap = 0, len;
	long n = 0;
	status_t ret;
	ancestry_t anc = {0};
	while ((ret = next_line(l, f, &line, &cap, &n, &len, m)) == STATUS_OK) {
		if (!len)
			continue;
		if (len < 78 || line[5] != ' ' || line[13] != ' ' || line[15] != ' ') {
			ret = bad_line(l, n,
				       m, "not an ICD-10-CM order-file line (fixed columns 1-5 order, "
					  "7-13 code, 15 billable, 17-76 short, 78- long)");
			break;
		}
		cols(line, len, 1, 5, order, sizeof order);
		cols(line, len, 7, 13, code, sizeof code);
		cols(line, len, 15, 15, flag, sizeof flag);
		cols(line, len, 17, 76, shortd, sizeof shortd);
		cols(line, len, 78, -1, longd, sizeof longd);
		if (strspn(order, "0123456789") != strlen(order) || !*order) {
			ret = bad_line(l, n, m, "order number '%s' is not a number", order);
			break;
		}
		if (!code_shape(CS_ICD10CM, code)) {
			ret = bad_line(l, n, m, "'%s' is not an ICD-10-CM code", code);
			break;
		}
		if (strcmp(flag, "0") != 0 && strcmp(flag, "1") != 0) {
			ret = bad_line(l, n, m, "billable flag must be 0 or 1, not '%s'", flag);
			break;
		}
		if (!*longd) {
			ret = bad_line(l, n, m, "no description");
			break;
		}
		if ((ret = check_desc(l, n, "The short description", shortd, m)) != STATUS_OK ||
		    (ret = check_desc(l, n, "The long description", longd, m)) != STATUS_OK)
			break;
		words_with_ancestors(&anc, code, longd, words, sizeof words);
		ret = put_words(l, code, flag[0] == '1', shortd, longd, words, m);
		if (ret == STATUS_EXISTS)
			ret = bad_line(l, n, m, "code %s appears twice", code);
		if (ret != STATUS_OK)
			break;
	}
	free(line);
	return ret == STATUS_NOTFOUND ? STATUS_OK : ret;
}

static status_t flush_hcpcs(loader_t *l, msg_t *m)
{
	status_t ret;
	if (!l->pending)
		return STATUS_OK;
	l->pending = 0;
	ret = put(l, l->pend_code, 1, l->pend_short, l->pend_long, m);
	if (ret == STATUS_EXISTS)
		return msg_fail(m, STATUS_INVALID, "code %s appears twice", l->pend_code);
	return ret;
}

/* CMS HCPCS fixed-width file: 1-5 code, 11 record id (3 first line of a
 * procedure, 4 its continuation, 7/8 modifiers), 12-91 long description,
 * 92-119 short description. Level II codes are all billable. */
static status_t load_hcpcs(loader_t *l, FILE *f, msg_t *m)
{
	char code[16], ric[4], longd[128], shortd[64];
	char *line = NULL;
	size_t cap = 0, len;
	long n = 0;
	status_t ret;
	while ((ret = next_line(l, f, &line, &cap, &n, &len, m)) == STATUS_OK) {
		if (!len)
			continue;
		if (len < 12) {
			ret = bad_line(l, n, m, "too short for the HCPCS fixed-width layout");
			break;
		}
		cols(line, len, 1, 5, code, sizeof code);
		cols(line, len, 11, 11, ric, sizeof ric);
		cols(line, len, 12, 91, longd, sizeof longd);
		cols(line, len, 92, 119, shortd, sizeof shortd);
		if (strcmp(ric, "7") == 0 || strcmp(ric, "8") == 0)
			continue; /* modifiers: checked by shape when coding */
		if (strcmp(ric, "3") != 0 && strcmp(ric, "4") != 0) {
			ret = bad_line(l, n, m,
				       "record identification code '%s' is not 3, 4, 7 or 8", ric);
			break;
		}
		if (!code_shape(CS_HCPCS, code)) {
			ret = bad_line(l, n, m, "'%s' is not a HCPCS code", code);
			break;
		}
		if ((ret = check_desc(l, n, "The long description", longd, m)) != STATUS_OK ||
		    (ret = check_desc(l, n, "The short description", shortd, m)) != STATUS_OK)
			break;
		if (strcmp(ric, "4") == 0) {
			if (!l->pending || strcmp(code, l->pend_code) != 0) {
				ret = bad_line(l, n, m, "continuation of %s without its first line",
					       code);
				break;
			}
			if (strlen(l->pend_long) + strlen(longd) + 2 < sizeof l->pend_long) {
				strcat(l->pend_long, " ");
				strcat(l->pend_long, longd);
			}
			continue;
		}
		if ((ret = flush_hcpcs(l, m)) != STATUS_OK) {
			ret = bad_line(l, n, m, "%s", m->text);
			break;
		}
		text_copy(l->pend_code, sizeof l->pend_code, code);
		text_copy(l->pend_short, sizeof l->pend_short, shortd);
		text_copy(l->pend_long, sizeof l->pend_long, longd);
		l->pending = 1;
	}
	free(line);
	if (ret != STATUS_NOTFOUND)
		return ret;
	return flush_hcpcs(l, m);
}

static status_t load_cpt(loader_t *l, FILE *f, msg_t *m)
{
	csv_t *csv = csv_new(f);
	char **v;
	int n;
	long line;
	status_t ret = STATUS_OK;
	if (!csv)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (;;) {
		char code[16], desc[512];
		status_t r = csv_next(csv, &v, &n, &line, m);
		if (r == STATUS_NOTFOUND)
			break;
		if (r != STATUS_OK) {
			/* csv.c says "line N: why" */
			const char *why = strstr(m->text, ": ");
			char text[sizeof m->text];
			text_copy(text, sizeof text, why ? why + 2 : m->text);
			ret = bad_line(l, line, m, "%s", text);
			break;
		}
		if (line == 1 && n >= 1 && strcasecmp(v[0], "code") == 0)
			continue; /* header */
		if (n != 2) {
			ret = bad_line(l, line, m, "expected code,description (%d fields)", n);
			break;
		}
		text_copy(code, sizeof code, v[0]);
		rstrip(code);
		text_copy(desc, sizeof desc, v[1]);
		rstrip(desc);
		if (!code_shape(CS_CPT, code)) {
			ret = bad_line(l, line, m, "'%s' is not a CPT code", code);
			break;
		}
		if (!*desc) {
			ret = bad_line(l, line, m, "no description");
			break;
		}
		if ((ret = check_desc(l, line, "The description", desc, m)) != STATUS_OK)
			break;
		r = put(l, code, 1, desc, desc, m);
		if (r == STATUS_EXISTS)
			r = bad_line(l, line, m, "code %s appears twice", code);
		if ((ret = r) != STATUS_OK)
			break;
	}
	csv_free(csv);
	return ret;
}

status_t codes_import(session_t *s, codesys_t cs, const char *path, const char *version,
		      const char *effective, codes_import_report_t *rep, msg_t *m)
{
	status_t ret;
	db_codeset_t v, have;
	loader_t l;
	FILE *f = NULL;
	char detail[200], eff[DATE_ISO_SIZE];
	msg_t ignore;

	memset(rep, 0, sizeof *rep);
	if ((ret = session_require(s, ACT_CODESET_MANAGE, m)) != STATUS_OK)
		return ret;
	if ((unsigned)cs >= CS_COUNT)
		return msg_fail(m, STATUS_INVALID, "Unknown code system.");
	if (!version || !*version || strlen(version) >= sizeof v.version)
		return msg_fail(m, STATUS_INVALID, "Give the version (e.g. FY2026).");
	if ((ret = text_check("The version", version, strlen(version), 0, m)) != STATUS_OK)
		return ret;
	if (!effective || !*effective)
		return msg_fail(m, STATUS_INVALID,
				"Give the date the version takes effect as YYYY-MM-DD.");
	if ((ret = date_parse_msg("Effective date", effective, CODES_DATE_MIN, CODES_DATE_MAX, eff,
				  m)) != STATUS_OK)
		return ret;
	effective = eff;
	memset(&v, 0, sizeof v);
	text_copy(v.system, sizeof v.system, sys_names[cs]);
	text_copy(v.version, sizeof v.version, version);
	text_copy(v.effective, sizeof v.effective, effective);
	core_now(v.imported);
	text_copy(v.imported_by, sizeof v.imported_by, s->user.name);
	/* With the user's own ids in a shared install (base/userfile.h). */
	if ((ret = userfile_fopen(path, "rb", &f, m)) != STATUS_OK)
		return ret;
	if ((ret = file_digest(f, path, v.digest, m)) != STATUS_OK)
		goto cleanup;
	if (db_codeset_get(s->c->db, v.system, version, &have, &ignore) == STATUS_OK) {
		if (strcmp(have.digest, v.digest) != 0) {
			ret = msg_fail(m, STATUS_CONFLICT,
				       "%s %s is already loaded from a different file; give the new "
				       "file another version name.",
				       sys_labels[cs], version);
			goto cleanup;
		}
		rep->already_loaded = 1;
		rep->codes = have.codes;
		rep->billable = have.billable;
		ret = msg_fail(m, STATUS_OK, "%s %s is already loaded (%lld codes); nothing to do.",
			       sys_labels[cs], version, (long long)have.codes);
		goto cleanup;
	}
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	db_bulk_mode(s->c->db, 1, &ignore);
	ret = db_codeset_create(s->c->db, &v, m);
	memset(&l, 0, sizeof l);
	l.db = s->c->db;
	l.path = path;
	l.vid = v.vid;
	if (ret == STATUS_EXISTS)
		ret = msg_fail(m, STATUS_CONFLICT, "%s %s is already loaded.", sys_labels[cs], version);
	if (ret == STATUS_OK)
		ret = cs == CS_ICD10CM ? load_icd10(&l, f, m)
		      : cs == CS_HCPCS ? load_hcpcs(&l, f, m)
				       : load_cpt(&l, f, m);
	if (ret == STATUS_OK && l.codes == 0)
		ret = msg_fail(m, STATUS_INVALID, "%s holds no codes.", path);
	if (ret == STATUS_OK)
		ret = db_codeset_set_counts(s->c->db, v.vid, l.codes, l.billable, m);
	snprintf(detail, sizeof detail, "%s %s effective %s: %lld codes", sys_labels[cs], version,
		 effective, (long long)l.codes);
	if (ret == STATUS_OK)
		ret = audit_append(s, "codes_import", "", "ok", detail, m);
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	db_bulk_mode(s->c->db, 0, &ignore);
	if (ret == STATUS_OK) {
		rep->codes = l.codes;
		rep->billable = l.billable;
		msg_set(m, "Loaded %s %s effective %s: %lld codes (%lld billable, %lld headers).",
			sys_labels[cs], version, effective, (long long)l.codes,
			(long long)l.billable, (long long)(l.codes - l.billable));
	}
cleanup:
	if (f)
		fclose(f);
	return ret;
}

struct versions_ctx {
	int (*fn)(const codeset_info_t *v, void *arg);
	void *arg;
	db_codeset_t all[256];
	int n;
};

static int collect_set(const db_codeset_t *v, void *arg)
{
	struct versions_ctx *c = arg;
	if (c->n < 256)
		c->all[c->n++] = *v;
	return 0;
}

status_t codes_versions(session_t *s, int (*fn)(const codeset_info_t *v, void *arg), void *arg,
			msg_t *m)
{
	status_t ret;
	struct versions_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if (!session_can(s, ACT_CODESET_MANAGE) && !session_can(s, ACT_CODING_EDIT)) {
		free(c);
		return session_require(s, ACT_CODESET_MANAGE, m);
	}
	ret = db_codeset_each(s->c->db, collect_set, c, m);
	for (int i = 0; ret == STATUS_OK && i < c->n; i++) {
		codeset_info_t o;
		memset(&o, 0, sizeof o);
		text_copy(o.system, sizeof o.system, c->all[i].system);
		text_copy(o.version, sizeof o.version, c->all[i].version);
		text_copy(o.effective, sizeof o.effective, c->all[i].effective);
		/* The next version of the same system ends this one. */
		if (i + 1 < c->n && strcmp(c->all[i + 1].system, c->all[i].system) == 0)
			text_copy(o.until, sizeof o.until, c->all[i + 1].effective);
		text_copy(o.imported, sizeof o.imported, c->all[i].imported);
		text_copy(o.imported_by, sizeof o.imported_by, c->all[i].imported_by);
		o.codes = c->all[i].codes;
		o.billable = c->all[i].billable;
		if (fn(&o, arg))
			break;
	}
	free(c);
	return ret;
}

/* ---- search ----------------------------------------------------------- */

struct hits {
	codesys_t cs;
	int (*fn)(const code_hit_t *h, void *arg);
	void *arg;
	int n;
};

static int hit_each(const db_code_t *c, void *arg)
{
	struct hits *h = arg;
	code_hit_t o;
	dotted(h->cs, c->code, o.code, sizeof o.code);
	o.billable = c->billable;
	text_copy(o.desc, sizeof o.desc, c->desc);
	h->n++;
	return h->fn(&o, h->arg);
}

static status_t version_on(session_t *s, codesys_t cs, const char *date, db_codeset_t *v,
			   msg_t *m)
{
	char d[DATE_ISO_SIZE];
	status_t ret;
	if (!date || !*date)
		tz_today(s->c->cfg->clinic_tz, d);
	else if ((ret = date_parse_msg("Date", date, NULL, NULL, d, m)) != STATUS_OK)
		return ret;
	date = d;
	if (db_codeset_on(s->c->db, sys_names[cs], date, v, m) != STATUS_OK)
		return msg_fail(m, STATUS_NOTFOUND,
				"No %s code set is in effect on %s; load one with 'chartroom codes "
				"import'.",
				sys_labels[cs], date);
	return STATUS_OK;
}

static int looks_like_code(codesys_t cs, const char *q)
{
	char c[16];
	if (!undotted(q, c, sizeof c) || strchr(q, ' '))
		return 0;
	if (cs == CS_ICD10CM)
		return isalpha((unsigned char)c[0]) && (!c[1] || isdigit((unsigned char)c[1]));
	return isdigit((unsigned char)c[0]) || (isalpha((unsigned char)c[0]) &&
						  (!c[1] || isdigit((unsigned char)c[1])));
}

/* Words -> FTS5 query: every word a quoted prefix, all required. */
static int fts_query(const char *q, char *out, size_t size)
{
	size_t o = 0;
	int words = 0;
	while (*q) {
		char w[64];
		size_t n = 0;
		while (*q && !isalnum((unsigned char)*q) && !((unsigned char)*q & 0x80))
			q++;
		while (*q && (isalnum((unsigned char)*q) || ((unsigned char)*q & 0x80)) &&
		       n + 1 < sizeof w)
			w[n++] = (char)tolower((unsigned char)*q++);
		while (*q && (isalnum((unsigned char)*q) || ((unsigned char)*q & 0x80)))
			q++;
		if (!n)
			continue;
		w[n] = '\0';
		if (o + n + 12 >= size)
			break;
		o += (size_t)snprintf(out + o, size - o, "%swords:\"%s\"*", words ? " AND " : "", w);
		words++;
	}
	out[o] = '\0';
	return words;
}

status_t codes_search(session_t *s, codesys_t cs, const char *query, const char *date, int limit,
		      int (*fn)(const code_hit_t *h, void *arg), void *arg, msg_t *m)
{
	status_t ret;
	db_codeset_t v;
	struct hits h = {cs, fn, arg, 0};
	char fts[512], code[16];
	if ((unsigned)cs >= CS_COUNT)
		return msg_fail(m, STATUS_INVALID, "Unknown code system.");
	if (!session_can(s, ACT_CODING_EDIT) && !session_can(s, ACT_PROBLEM_RECORD) &&
	    !session_can(s, ACT_CODESET_MANAGE))
		return session_require(s, ACT_CODING_EDIT, m);
	if ((ret = version_on(s, cs, date, &v, m)) != STATUS_OK)
		return ret;
	if (!query || !*query)
		return STATUS_OK;
	if (looks_like_code(cs, query) && undotted(query, code, sizeof code)) {
		if ((ret = db_code_prefix(s->c->db, v.vid, code, limit, hit_each, &h, m)) != STATUS_OK)
			return ret;
		if (h.n)
			return STATUS_OK;
	}
	if (!fts_query(query, fts, sizeof fts))
		return STATUS_OK;
	return db_code_search(s->c->db, &v, fts, limit, hit_each, &h, m);
}

status_t codes_children(session_t *s, codesys_t cs, const char *header, const char *date,
			int limit, int (*fn)(const code_hit_t *h, void *arg), void *arg, msg_t *m)
{
	status_t ret;
	db_codeset_t v;
	struct hits h = {cs, fn, arg, 0};
	char code[16];
	if ((unsigned)cs >= CS_COUNT)
		return msg_fail(m, STATUS_INVALID, "Unknown code system.");
	if ((ret = version_on(s, cs, date, &v, m)) != STATUS_OK)
		return ret;
	if (!undotted(header ? header : "", code, sizeof code))
		return msg_fail(m, STATUS_INVALID, "'%s' is not a code.", header ? header : "");
	return db_code_prefix(s->c->db, v.vid, code, limit, hit_each, &h, m);
}

struct one {
	int found;
	db_code_t c;
	char desc[256];
};

static int one_code(const db_code_t *c, void *arg)
{
	struct one *o = arg;
	o->found = 1;
	o->c = *c;
	text_copy(o->desc, sizeof o->desc, c->desc);
	o->c.desc = o->desc;
	return 1;
}

struct kids {
	char list[160];
	size_t o;
	int n;
	const char *self;
	codesys_t cs;
};

static int kid_each(const db_code_t *c, void *arg)
{
	struct kids *k = arg;
	char d[16];
	int w;
	if (strcmp(c->code, k->self) == 0 || !c->billable)
		return 0;
	dotted(k->cs, c->code, d, sizeof d);
	w = snprintf(k->list + k->o, sizeof k->list - k->o, "%s%s", k->n ? ", " : "", d);
	if (w < 0 || (size_t)w >= sizeof k->list - k->o) {
		strcpy(k->list + k->o, ", ...");
		return 1;
	}
	k->o += (size_t)w;
	return ++k->n >= 6;
}

struct other_ctx {
	session_t *s;
	codesys_t cs;
	const char *code;
	int64_t skip;
	char where[160];
};

static int other_version(const db_codeset_t *v, void *arg)
{
	struct other_ctx *o = arg;
	struct one one = {0};
	msg_t ignore;
	if (v->vid == o->skip || strcmp(v->system, sys_names[o->cs]) != 0)
		return 0;
	if (db_code_get(o->s->c->db, v->vid, o->code, one_code, &one, &ignore) == STATUS_OK &&
	    one.found) {
		size_t n = strlen(o->where);
		snprintf(o->where + n, sizeof o->where - n, "%s%s %s (from %s)", n ? ", " : "",
			 one.c.billable ? "billable in" : "a header in", v->version, v->effective);
	}
	return 0;
}

status_t codes_check(session_t *s, codesys_t cs, const char *code, const char *date,
		     code_hit_t *out, msg_t *m)
{
	status_t ret;
	db_codeset_t v;
	struct one one = {0};
	char c[16], d[16], day[11];
	msg_t ignore;
	memset(out, 0, sizeof *out);
	if ((unsigned)cs >= CS_COUNT)
		return msg_fail(m, STATUS_INVALID, "Unknown code system.");
	if (!date || !*date) {
		tz_today(s->c->cfg->clinic_tz, day);
		date = day;
	}
	if (!undotted(code ? code : "", c, sizeof c) || !code_shape(cs, c))
		return msg_fail(m, STATUS_INVALID, "Rule 'code exists': '%s' is not a code of %s.",
				code ? code : "", sys_labels[cs]);
	dotted(cs, c, d, sizeof d);
	if ((ret = version_on(s, cs, date, &v, m)) != STATUS_OK)
		return ret;
	if ((ret = db_code_get(s->c->db, v.vid, c, one_code, &one, &ignore)) != STATUS_OK &&
	    ret != STATUS_NOTFOUND)
		return msg_fail(m, ret, "%s", ignore.text);
	if (!one.found) {
		struct other_ctx o = {s, cs, c, v.vid, ""};
		db_codeset_each(s->c->db, other_version, &o, &ignore);
		if (*o.where)
			return msg_fail(m, STATUS_INVALID,
					"Rule 'valid on the date of service': %s is not in %s %s, in "
					"effect on %s; it is %s.",
					d, sys_labels[cs], v.version, date, o.where);
		return msg_fail(m, STATUS_INVALID, "Rule 'code exists': %s is not a code of %s %s.",
				d, sys_labels[cs], v.version);
	}
	if (!one.c.billable) {
		struct kids k = {"", 0, 0, c, cs};
		struct other_ctx o = {s, cs, c, v.vid, ""};
		db_code_prefix(s->c->db, v.vid, c, 64, kid_each, &k, &ignore);
		db_codeset_each(s->c->db, other_version, &o, &ignore);
		return msg_fail(m, STATUS_INVALID,
				"Rule 'billable code': %s is a header in %s %s (in effect on %s), "
				"not codable%s%s%s. Choose a more specific code: %s.",
				d, sys_labels[cs], v.version, date, *o.where ? "; it is " : "",
				o.where, "", k.n ? k.list : "(none listed)");
	}
	text_copy(out->code, sizeof out->code, d);
	out->billable = 1;
	text_copy(out->desc, sizeof out->desc, one.desc);
	return STATUS_OK;
}

/* ---- encounter coding ------------------------------------------------- */

static int enc_cb(const db_encounter_t *e, void *arg)
{
	struct enc_info *i = arg;
	i->prow = e->prow;
	text_copy(i->start, sizeof i->start, e->start);
	text_copy(i->provider, sizeof i->provider, e->provider);
	text_copy(i->status, sizeof i->status, e->status);
	text_copy(i->coding, sizeof i->coding, e->coding_status);
	text_copy(i->id, sizeof i->id, e->id);
	i->coding_mac_len = e->coding_mac.n <= sizeof i->coding_mac ? e->coding_mac.n : 0;
	if (i->coding_mac_len)
		memcpy(i->coding_mac, e->coding_mac.p, i->coding_mac_len);
	i->found = 1;
	return 1;
}

/* Read encounter erow and check it (and its coding) against chart ch:
 * inside the callback, while its blobs are valid. */
struct enc_check {
	session_t *s;
	chart_t *ch;
	struct enc_info *ei;
	status_t ret;
	msg_t *m;
};

static int enc_check_cb(const db_encounter_t *e, void *arg)
{
	struct enc_check *c = arg;
	enc_cb(e, c->ei);
	c->ret = chart_verify_encounter(c->s, c->ch, e, c->m);
	return 1;
}

status_t coding_enc_checked(session_t *s, chart_t *ch, int64_t erow, struct enc_info *ei,
			   msg_t *m)
{
	struct enc_check c = {s, ch, ei, STATUS_OK, m};
	status_t ret = db_encounter_get(s->c->db, erow, enc_check_cb, &c, m);
	return ret != STATUS_OK ? ret : c.ret;
}

status_t coding_fill_patient(session_t *s, const chart_t *ch, coding_patient_t *out, msg_t *m)
{
	patient_t *p;
	status_t ret;
	memset(out, 0, sizeof *out);
	if (!session_can(s, ACT_PATIENT_VIEW))
		return STATUS_OK;
	if (!(p = malloc(sizeof *p)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = precord_open(s->kr, ch->patient, p, 1, CLINIC_OPEN_FLAGS(s->c), m);
	if (ret == STATUS_OK) {
		out->shown = 1;
		text_copy(out->mrn, sizeof out->mrn, p->f[PF_MRN]);
		snprintf(out->name, sizeof out->name, "%.60s, %.60s%s%.30s", p->f[PF_LAST],
			 p->f[PF_FIRST], p->f[PF_MIDDLE][0] ? " " : "", p->f[PF_MIDDLE]);
		text_copy(out->dob, sizeof out->dob, p->f[PF_DOB]);
		text_copy(out->sex, sizeof out->sex, p->f[PF_SEX]);
	}
	sodium_memzero(p, sizeof *p);
	free(p);
	return ret;
}

/* The encounter's coding as stored, checked against its chart (the
 * encounter's and the coding's MACs and the chart head); with its patient
 * when `patient` is set. */
static status_t load_with(session_t *s, int64_t erow, coding_t *c, struct enc_info *ei,
			  int patient, msg_t *m)
{
	status_t ret;
	db_dx_t dx[CODING_MAX_DX];
	db_px_t px[CODING_MAX_PX];
	int ndx = 0, npx = 0, reading = 0;
	chart_t ch;
	char pid[33];
	memset(c, 0, sizeof *c);
	memset(ei, 0, sizeof *ei);
	memset(&ch, 0, sizeof ch);
	if ((ret = db_encounter_get(s->c->db, erow, enc_cb, ei, m)) != STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK &&
	    (ret = chart_load(s, ei->prow, &ch, m)) == STATUS_OK &&
	    (ret = coding_enc_checked(s, &ch, erow, ei, m)) == STATUS_OK &&
	    (ret = db_dx_load(s->c->db, erow, dx, CODING_MAX_DX, &ndx, m)) == STATUS_OK &&
	    (ret = db_px_load(s->c->db, erow, px, CODING_MAX_PX, &npx, m)) == STATUS_OK && patient)
		ret = coding_fill_patient(s, &ch, &c->patient, m);
	db_read_end(s->c->db, reading);
	text_copy(pid, sizeof pid, ch.pid);
	text_copy(c->patient_id, sizeof c->patient_id, ch.pid);
	chart_free(&ch);
	if ((ret = integrity_report(s, pid, ret, m)) != STATUS_OK)
		return ret;
	if (ndx > CODING_MAX_DX || npx > CODING_MAX_PX) /* checked above; never more */
		return msg_fail(m, STATUS_INTEGRITY, "Integrity check failed: the coding of "
						     "encounters record %lld is too long.",
				(long long)erow);
	c->erow = erow;
	/* The date of service: the day the encounter started in the clinic's
	 * zone (an evening visit in Chicago is on that day, not on the UTC
	 * day after); codes are checked against the version in effect then. */
	tz_format(s->c->cfg->clinic_tz, ei->start, TZ_DATE, c->date, sizeof c->date);
	text_copy(c->status, sizeof c->status, ei->coding);
	text_copy(c->provider, sizeof c->provider, ei->provider);
	for (int i = 0; i < ndx; i++)
		dotted(CS_ICD10CM, dx[i].code, c->dx[i].code, sizeof c->dx[i].code);
	c->ndx = ndx;
	for (int i = 0; i < npx; i++) {
		coding_px_t *p = &c->px[i];
		const char *q;
		text_copy(p->system, sizeof p->system, px[i].system);
		text_copy(p->code, sizeof p->code, px[i].code);
		p->units = px[i].units;
		for (q = px[i].modifiers; *q && p->nmod < 4;) {
			size_t n = strcspn(q, ",");
			if (n == 2) {
				memcpy(p->modifiers[p->nmod], q, 2);
				p->modifiers[p->nmod++][2] = '\0';
			}
			q += n;
			if (*q)
				q++;
		}
		for (q = px[i].pointers; *q && p->npointers < CODING_MAX_DX;) {
			p->pointers[p->npointers++] = atoi(q);
			q += strcspn(q, ",");
			if (*q)
				q++;
		}
	}
	c->npx = npx;
	return STATUS_OK;
}

static status_t load(session_t *s, int64_t erow, coding_t *c, struct enc_info *ei, msg_t *m)
{
	return load_with(s, erow, c, ei, 0, m);
}

/* Descriptions for display (not stored: they come from the code set in
 * effect on the date of service). */
static void describe(session_t *s, coding_t *c)
{
	msg_t ignore;
	code_hit_t h;
	for (int i = 0; i < c->ndx; i++)
		if (codes_check(s, CS_ICD10CM, c->dx[i].code, c->date, &h, &ignore) == STATUS_OK)
			text_copy(c->dx[i].desc, sizeof c->dx[i].desc, h.desc);
		else
			text_copy(c->dx[i].desc, sizeof c->dx[i].desc, "(not valid on this date)");
	for (int i = 0; i < c->npx; i++)
		if (codes_check(s, codesys_from_name(c->px[i].system), c->px[i].code, c->date, &h,
				&ignore) == STATUS_OK)
			text_copy(c->px[i].desc, sizeof c->px[i].desc, h.desc);
}

/* May this session code this encounter? HIM any; a provider their own. */
static status_t may_code(session_t *s, const struct enc_info *ei, msg_t *m)
{
	char pid[33];
	status_t ret;
	if ((ret = session_require(s, ACT_CODING_EDIT, m)) != STATUS_OK)
		return ret;
	if (!session_can(s, ACT_CODING_QUEUE) && strcmp(ei->provider, s->user.name) != 0)
		return msg_fail(m, STATUS_DENIED,
				"Providers code only their own encounters (this one is %s's).",
				ei->provider);
	(void)pid;
	return STATUS_OK;
}

static void summary(const coding_t *c, char *out, size_t size)
{
	size_t o = (size_t)snprintf(out, size, "dx:");
	for (int i = 0; i < c->ndx && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? "," : " ", c->dx[i].code);
	if (o < size)
		o += (size_t)snprintf(out + o, size - o, " px:");
	for (int i = 0; i < c->npx && o < size; i++) {
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? "," : " ", c->px[i].code);
		for (int k = 0; k < c->px[i].nmod && o < size; k++)
			o += (size_t)snprintf(out + o, size - o, "-%s", c->px[i].modifiers[k]);
	}
}

/* Save c (and status) with an audit entry holding before and after. The
 * coding must still be what `ei` read (STATUS_CONFLICT otherwise), and the
 * chart as stored; the coding's new MAC and the chart head are written
 * with it. */
static status_t store(session_t *s, const coding_t *before, const coding_t *after,
		      const struct enc_info *ei, const char *status, const char *action,
		      const char *why, msg_t *m)
{
	status_t ret;
	db_dx_t dx[CODING_MAX_DX];
	db_px_t px[CODING_MAX_PX];
	char b[400], a[400], detail[1024];
	struct enc_info now;
	unsigned char mac[INTEGRITY_MAC_LEN];
	chart_t ch;
	char when[24];
	int is_final = strcmp(status, "final") == 0;
	memset(&ch, 0, sizeof ch);
	core_now(when);
	for (int i = 0; i < after->ndx; i++) {
		dx[i].seq = i + 1;
		undotted(after->dx[i].code, dx[i].code, sizeof dx[i].code);
	}
	for (int i = 0; i < after->npx; i++) {
		const coding_px_t *p = &after->px[i];
		size_t o = 0;
		memset(&px[i], 0, sizeof px[i]);
		px[i].line = i + 1;
		text_copy(px[i].system, sizeof px[i].system, p->system);
		undotted(p->code, px[i].code, sizeof px[i].code);
		for (int k = 0; k < p->nmod; k++)
			o += (size_t)snprintf(px[i].modifiers + o, sizeof px[i].modifiers - o, "%s%s",
					      k ? "," : "", p->modifiers[k]);
		o = 0;
		for (int k = 0; k < p->npointers; k++)
			o += (size_t)snprintf(px[i].pointers + o, sizeof px[i].pointers - o, "%s%d",
					      k ? "," : "", p->pointers[k]);
		px[i].units = p->units;
	}
	summary(before, b, sizeof b);
	summary(after, a, sizeof a);
	snprintf(detail, sizeof detail, "encounter %lld %s -> %s; before [%s] after [%s]%s%s",
		 (long long)after->erow, before->status, status, b, a, why ? "; reason: " : "",
		 why ? why : "");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = chart_load(s, ei->prow, &ch, m)) != STATUS_OK ||
	    (ret = coding_enc_checked(s, &ch, after->erow, &now, m)) != STATUS_OK)
		goto done;
	if (now.coding_mac_len != ei->coding_mac_len ||
	    crypto_memcmp(now.coding_mac, ei->coding_mac, ei->coding_mac_len) != 0) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "Encounter %lld's coding was changed by someone else since you read "
			       "it; not saved. Open it again.",
			       (long long)after->erow);
		goto done;
	}
	if ((ret = db_coding_store(s->c->db, after->erow, dx, after->ndx, px, after->npx, m)) !=
		    STATUS_OK ||
	    (ret = rowmac_coding(s, &ch, after->erow, status, dx, after->ndx, px, after->npx, mac,
				 m)) != STATUS_OK ||
	    (ret = db_coding_status_set(s->c->db, after->erow, status, mac, sizeof mac,
					is_final ? when : NULL, is_final ? s->user.name : NULL,
					m)) != STATUS_OK ||
	    (ret = chart_put(&ch, DB_CT_CODING, after->erow, mac, m)) != STATUS_OK ||
	    (ret = chart_store(s, &ch, m)) != STATUS_OK)
		goto done;
	ret = chart_audit(s, &ch, action, detail, m);
done:
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	ret = integrity_report(s, ch.pid, ret, m);
	chart_free(&ch);
	return ret;
}

/* Load for an edit: permission, not final. */
static status_t begin_edit(session_t *s, int64_t erow, coding_t *c, struct enc_info *ei, msg_t *m)
{
	status_t ret = load(s, erow, c, ei, m);
	if (ret != STATUS_OK)
		return ret;
	if ((ret = may_code(s, ei, m)) != STATUS_OK)
		return ret;
	if (strcmp(c->status, "final") == 0)
		return msg_fail(m, STATUS_INVALID,
				"Encounter %lld's coding is final: reopen it with a reason to change "
				"it.",
				(long long)erow);
	return STATUS_OK;
}

/* coding_get, and for coding_view (view) also the patient, the coders and
 * the audit entry of the view. */
static status_t get(session_t *s, int64_t erow, coding_t *out, int view, msg_t *m)
{
	struct enc_info ei;
	status_t ret;
	char detail[48];
	memset(out, 0, sizeof *out); /* a refusal leaves nothing of an earlier read */
	if (!session_can(s, ACT_CODING_EDIT) && !session_can(s, ACT_CODING_QUEUE))
		return session_require(s, ACT_CODING_EDIT, m);
	if ((ret = load_with(s, erow, out, &ei, view, m)) != STATUS_OK)
		goto fail;
	/* A provider reads the coding of their own encounters only, as they
	 * edit only those. */
	if (!session_can(s, ACT_CODING_QUEUE) && strcmp(ei.provider, s->user.name) != 0) {
		ret = msg_fail(m, STATUS_DENIED,
			       "Providers see the coding of their own encounters only (this one is "
			       "%s's).",
			       ei.provider);
		goto fail;
	}
	if (view) {
		if ((ret = coding_coders(s, out->patient_id, erow, out->coders,
					 sizeof out->coders, NULL, m)) != STATUS_OK)
			goto fail;
		/* The patient is shown: the view is recorded before it is. */
		snprintf(detail, sizeof detail, "encounter %lld", (long long)erow);
		if ((ret = audit_note(s, "coding_view", out->patient_id, "ok", detail, 0, m)) !=
		    STATUS_OK)
			goto fail;
	}
	describe(s, out);
	return STATUS_OK;
fail:
	sodium_memzero(out, sizeof *out);
	return ret;
}

status_t coding_get(session_t *s, int64_t erow, coding_t *out, msg_t *m)
{
	return get(s, erow, out, 0, m);
}

status_t coding_view(session_t *s, int64_t erow, coding_t *out, msg_t *m)
{
	return get(s, erow, out, 1, m);
}

/* One edit of an encounter's coding: load it (permission, not final),
 * let `change` modify it and say what it did in m, then store it with the
 * audit entry of before and after. Stored coding goes back to uncoded: it
 * must be completed again. */
typedef status_t (*coding_change_fn)(session_t *s, coding_t *c, void *arg, msg_t *m);

static status_t edit(session_t *s, int64_t erow, coding_change_fn change, void *arg, msg_t *m)
{
	coding_t *c = malloc(sizeof *c), *before = malloc(sizeof *before);
	struct enc_info ei;
	status_t ret;
	if (!c || !before) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = begin_edit(s, erow, c, &ei, m)) != STATUS_OK)
		goto cleanup;
	*before = *c;
	if ((ret = change(s, c, arg, m)) != STATUS_OK)
		goto cleanup;
	/* On success store() leaves m (change's message) as it is. */
	ret = store(s, before, c, &ei, "uncoded", "coding_change", NULL, m);
cleanup:
	free(c);
	free(before);
	return ret;
}

static status_t add_dx(session_t *s, coding_t *c, void *arg, msg_t *m)
{
	code_hit_t h;
	status_t ret = codes_check(s, CS_ICD10CM, arg, c->date, &h, m);
	if (ret != STATUS_OK)
		return ret;
	for (int i = 0; i < c->ndx; i++)
		if (strcmp(c->dx[i].code, h.code) == 0)
			return msg_fail(m, STATUS_INVALID,
					"Rule 'no duplicates': %s is already diagnosis %d.", h.code,
					i + 1);
	if (c->ndx == CODING_MAX_DX)
		return msg_fail(m, STATUS_INVALID, "Rule 'at most %d diagnoses': remove one first.",
				CODING_MAX_DX);
	text_copy(c->dx[c->ndx].code, sizeof c->dx[0].code, h.code);
	c->ndx++;
	msg_set(m, "Diagnosis %d: %s %s.", c->ndx, h.code, h.desc);
	return STATUS_OK;
}

status_t coding_add_dx(session_t *s, int64_t erow, const char *code, msg_t *m)
{
	return edit(s, erow, add_dx, (void *)(uintptr_t)code, m);
}

static status_t remove_dx(session_t *s, coding_t *c, void *arg, msg_t *m)
{
	int seq = *(const int *)arg;
	(void)s;
	if (seq < 1 || seq > c->ndx)
		return msg_fail(m, STATUS_INVALID, "There is no diagnosis %d.", seq);
	memmove(&c->dx[seq - 1], &c->dx[seq], (size_t)(c->ndx - seq) * sizeof c->dx[0]);
	c->ndx--;
	/* Pointers follow: the removed one goes, later ones shift down. */
	for (int i = 0; i < c->npx; i++) {
		coding_px_t *p = &c->px[i];
		int k = 0;
		for (int j = 0; j < p->npointers; j++)
			if (p->pointers[j] != seq)
				p->pointers[k++] = p->pointers[j] > seq ? p->pointers[j] - 1
									: p->pointers[j];
		p->npointers = k;
	}
	msg_set(m, "Diagnosis removed.");
	return STATUS_OK;
}

status_t coding_remove_dx(session_t *s, int64_t erow, int seq, msg_t *m)
{
	return edit(s, erow, remove_dx, &seq, m);
}

static status_t make_primary(session_t *s, coding_t *c, void *arg, msg_t *m)
{
	int seq = *(const int *)arg;
	coding_dx_t moved;
	(void)s;
	if (seq < 1 || seq > c->ndx)
		return msg_fail(m, STATUS_INVALID, "There is no diagnosis %d.", seq);
	moved = c->dx[seq - 1];
	memmove(&c->dx[1], &c->dx[0], (size_t)(seq - 1) * sizeof c->dx[0]);
	c->dx[0] = moved;
	for (int i = 0; i < c->npx; i++)
		for (int j = 0; j < c->px[i].npointers; j++) {
			int *p = &c->px[i].pointers[j];
			*p = *p == seq ? 1 : *p < seq ? *p + 1 : *p;
		}
	msg_set(m, "%s is now the primary diagnosis.", moved.code);
	return STATUS_OK;
}

status_t coding_make_primary(session_t *s, int64_t erow, int seq, msg_t *m)
{
	return edit(s, erow, make_primary, &seq, m);
}

static int modifier_shape(const char *s)
{
	return strlen(s) == 2 && isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[1]);
}

struct px_args {
	codesys_t cs;
	const char *code, *modifiers, *pointers;
	int units;
};

static status_t add_px(session_t *s, coding_t *c, void *arg, msg_t *m)
{
	const struct px_args *a = arg;
	code_hit_t h;
	coding_px_t p;
	status_t ret;
	const char *q;
	if ((ret = codes_check(s, a->cs, a->code, c->date, &h, m)) != STATUS_OK)
		return ret;
	memset(&p, 0, sizeof p);
	text_copy(p.system, sizeof p.system, sys_names[a->cs]);
	text_copy(p.code, sizeof p.code, h.code);
	for (q = a->modifiers ? a->modifiers : ""; *q;) {
		char mod[8];
		size_t n;
		while (*q == ',' || *q == ' ')
			q++;
		n = strcspn(q, ", ");
		if (!n)
			break;
		if (n >= sizeof mod || p.nmod == 4)
			return msg_fail(m, STATUS_INVALID,
					"Rule 'modifiers': at most 4 modifiers of 2 characters.");
		memcpy(mod, q, n);
		mod[n] = '\0';
		for (char *x = mod; *x; x++)
			*x = (char)toupper((unsigned char)*x);
		if (!modifier_shape(mod))
			return msg_fail(m, STATUS_INVALID,
					"Rule 'modifiers': '%s' is not a modifier (2 letters or "
					"digits, e.g. 25, LT).",
					mod);
		text_copy(p.modifiers[p.nmod++], 3, mod);
		q += n;
	}
	if (a->units < 1 || a->units > 999)
		return msg_fail(m, STATUS_INVALID, "Rule 'units': units must be 1 to 999.");
	p.units = a->units;
	for (q = a->pointers ? a->pointers : ""; *q;) {
		char *end;
		long v;
		while (*q == ',' || *q == ' ')
			q++;
		if (!*q)
			break;
		v = strtol(q, &end, 10);
		if (end == q || v < 1 || v > c->ndx || p.npointers == 4)
			return msg_fail(m, STATUS_INVALID,
					"Rule 'procedure points to a diagnosis': pointer '%.*s' must "
					"be a diagnosis number 1 to %d (at most 4).",
					(int)strcspn(q, ", "), q, c->ndx);
		p.pointers[p.npointers++] = (int)v;
		q = end;
	}
	if (!p.npointers)
		return msg_fail(m, STATUS_INVALID,
				"Rule 'procedure points to a diagnosis': say which diagnosis "
				"(1 to %d) this procedure treats.",
				c->ndx);
	for (int i = 0; i < c->npx; i++)
		if (strcmp(c->px[i].code, p.code) == 0 && c->px[i].nmod == p.nmod &&
		    (p.nmod == 0 || strcmp(c->px[i].modifiers[0], p.modifiers[0]) == 0))
			return msg_fail(m, STATUS_INVALID,
					"Rule 'no duplicates': %s is already procedure line %d (add "
					"units or a modifier instead).",
					p.code, i + 1);
	if (c->npx == CODING_MAX_PX)
		return msg_fail(m, STATUS_INVALID, "At most %d procedure lines.", CODING_MAX_PX);
	c->px[c->npx++] = p;
	msg_set(m, "Procedure line %d: %s %s.", c->npx, h.code, h.desc);
	return STATUS_OK;
}

status_t coding_add_px(session_t *s, int64_t erow, codesys_t cs, const char *code,
		       const char *modifiers, int units, const char *pointers, msg_t *m)
{
	struct px_args a = {cs, code, modifiers, pointers, units};
	status_t ret;
	if (cs != CS_HCPCS && cs != CS_CPT)
		return msg_fail(m, STATUS_INVALID, "Procedures are HCPCS or CPT codes.");
	if (modifiers && (ret = text_check("Rule 'modifiers': the modifiers", modifiers,
					   strlen(modifiers), 0, m)) != STATUS_OK)
		return ret; /* they are audited with the change */
	return edit(s, erow, add_px, &a, m);
}

static status_t remove_px(session_t *s, coding_t *c, void *arg, msg_t *m)
{
	int line = *(const int *)arg;
	(void)s;
	if (line < 1 || line > c->npx)
		return msg_fail(m, STATUS_INVALID, "There is no procedure line %d.", line);
	memmove(&c->px[line - 1], &c->px[line], (size_t)(c->npx - line) * sizeof c->px[0]);
	c->npx--;
	msg_set(m, "Procedure line removed.");
	return STATUS_OK;
}

status_t coding_remove_px(session_t *s, int64_t erow, int line, msg_t *m)
{
	return edit(s, erow, remove_px, &line, m);
}

/* Every rule again, for completion and finalising. */
static status_t validate_all(session_t *s, const coding_t *c, msg_t *m)
{
	code_hit_t h;
	status_t ret;
	if (c->ndx == 0)
		return msg_fail(m, STATUS_INVALID,
				"Rule 'at least one diagnosis': encounter %lld has none.",
				(long long)c->erow);
	for (int i = 0; i < c->ndx; i++) {
		if ((ret = codes_check(s, CS_ICD10CM, c->dx[i].code, c->date, &h, m)) != STATUS_OK)
			return msg_fail(m, ret, "Diagnosis %d: %s", i + 1, m->text);
		for (int j = 0; j < i; j++)
			if (strcmp(c->dx[i].code, c->dx[j].code) == 0)
				return msg_fail(m, STATUS_INVALID,
						"Rule 'no duplicates': %s appears twice.",
						c->dx[i].code);
	}
	for (int i = 0; i < c->npx; i++) {
		const coding_px_t *p = &c->px[i];
		if ((ret = codes_check(s, codesys_from_name(p->system), p->code, c->date, &h, m)) !=
		    STATUS_OK)
			return msg_fail(m, ret, "Procedure line %d: %s", i + 1, m->text);
		if (!p->npointers)
			return msg_fail(m, STATUS_INVALID,
					"Rule 'procedure points to a diagnosis': line %d (%s) points "
					"to none.",
					i + 1, p->code);
		for (int k = 0; k < p->npointers; k++)
			if (p->pointers[k] < 1 || p->pointers[k] > c->ndx)
				return msg_fail(m, STATUS_INVALID,
						"Rule 'procedure points to a diagnosis': line %d "
						"points to diagnosis %d, which does not exist.",
						i + 1, p->pointers[k]);
	}
	return STATUS_OK;
}

static status_t step(session_t *s, int64_t erow, action_t need, const char *const *from,
		     const char *to, const char *action, const char *why, int check, msg_t *m)
{
	coding_t *c = malloc(sizeof *c);
	struct enc_info ei;
	status_t ret;
	int ok = 0;
	if (!c)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = session_require(s, need, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = load(s, erow, c, &ei, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = may_code(s, &ei, m)) != STATUS_OK)
		goto cleanup;
	for (int i = 0; from[i]; i++)
		ok |= strcmp(c->status, from[i]) == 0;
	if (!ok) {
		ret = msg_fail(m, STATUS_INVALID, "Encounter %lld's coding is %s; it cannot become %s "
						  "from there.",
			       (long long)erow, c->status, to);
		goto cleanup;
	}
	if (check && (ret = validate_all(s, c, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = coding_may_verify(s, c, to, m)) != STATUS_OK)
		goto cleanup;
	ret = store(s, c, c, &ei, to, action, why, m);
	if (ret == STATUS_OK)
		msg_set(m, "Encounter %lld's coding is now %s.", (long long)erow, to);
cleanup:
	free(c);
	return ret;
}

status_t coding_complete(session_t *s, int64_t erow, msg_t *m)
{
	static const char *const from[] = {"uncoded", "coded", NULL};
	return step(s, erow, ACT_CODING_EDIT, from, "coded", "coding_complete", NULL, 1, m);
}

status_t coding_verify(session_t *s, int64_t erow, msg_t *m)
{
	static const char *const from[] = {"coded", NULL};
	return step(s, erow, ACT_CODING_FINALIZE, from, "verified", "coding_verify", NULL, 1, m);
}

status_t coding_finalize(session_t *s, int64_t erow, msg_t *m)
{
	static const char *const from[] = {"coded", "verified", NULL};
	return step(s, erow, ACT_CODING_FINALIZE, from, "final", "coding_finalize", NULL, 1, m);
}

status_t coding_reopen(session_t *s, int64_t erow, const char *reason, msg_t *m)
{
	static const char *const from[] = {"final", "verified", NULL};
	int words = 0, in = 0;
	status_t ret;
	if (reason && (ret = text_check("The reason for reopening", reason, strlen(reason), 0, m)) !=
			      STATUS_OK)
		return ret; /* it is audited */
	for (const char *p = reason ? reason : ""; *p; p++) {
		if (*p == ' ')
			in = 0;
		else if (!in++)
			words++;
	}
	if (words < 2 || strlen(reason) < 8)
		return msg_fail(m, STATUS_INVALID,
				"Give the reason for reopening the coding (a few words); it is "
				"audited.");
	return step(s, erow, ACT_CODING_FINALIZE, from, "coded", "coding_reopen", reason, 0, m);
}
