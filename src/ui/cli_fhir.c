/* cli_fhir.c - FHIR R4 on the command line (core/fhir.h): `export fhir`
 * (one chart as a Bundle, or every chart as NDJSON files in the Bulk
 * Data layout) and `import fhir` (a Bundle or NDJSON; cli.c's import
 * command hands the verb here). Files written are mode 0600, written
 * under a temporary name and renamed when complete. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "base/userfile.h"
#include "core/fhir.h"
#include "core/rights.h"
#include "ui/cli_input.h"
#include "ui/cli_internal.h"

/* jansson writes reals with 17 digits unless told: 36.7 stays 36.7. */
#define DUMP_FLAGS (JSON_REAL_PRECISION(12) | JSON_ENSURE_ASCII)

/* ---- writing files ---- */

typedef struct outfile {
	char path[4096], tmp[4200];
	FILE *f;
} outfile_t;

/* An export never replaces a file (checked again at the rename): said
 * before anything is read, so a refused export discloses nothing. */
static status_t out_new(const char *path, msg_t *m)
{
	if (access(path, F_OK) == 0)
		return msg_fail(m, STATUS_EXISTS,
				"%s exists: remove it or name another file (an export never "
				"replaces one).",
				path);
	return STATUS_OK;
}

static status_t out_open(outfile_t *o, const char *path, msg_t *m)
{
	int fd;
	status_t st;
	memset(o, 0, sizeof *o);
	if (snprintf(o->path, sizeof o->path, "%s", path) >= (int)sizeof o->path)
		return msg_fail(m, STATUS_INVALID, "The file name is too long.");
	if ((st = out_new(path, m)) != STATUS_OK)
		return st;
	snprintf(o->tmp, sizeof o->tmp, "%s.%ld.part", path, (long)getpid());
	if ((st = userfile_open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0600, &fd, m)) != STATUS_OK)
		return st;
	if (!(o->f = fdopen(fd, "w"))) {
		close(fd);
		userfile_unlink(o->tmp);
		return msg_fail(m, STATUS_ERR, "Cannot write %s.", o->tmp);
	}
	return STATUS_OK;
}

/* Flush, sync and rename into place (or, with st not OK, remove). */
static status_t out_close(outfile_t *o, status_t st, msg_t *m)
{
	int bad;
	if (!o->f)
		return st;
	bad = fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
	bad |= fclose(o->f) != 0;
	o->f = NULL;
	if (st == STATUS_OK && bad)
		st = msg_fail(m, STATUS_ERR, "Cannot write %s: %s.", o->path, strerror(errno));
	if (st == STATUS_OK)
		st = userfile_rename(o->tmp, o->path, 0, m);
	if (st != STATUS_OK)
		userfile_unlink(o->tmp);
	return st;
}

/* ---- export fhir MRN ---- */

static status_t keep(json_t *res, void *arg, msg_t *m)
{
	json_t *entry = json_pack("{s:O}", "resource", res);
	if (!entry || json_array_append_new((json_t *)arg, entry) != 0)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	return STATUS_OK;
}

static status_t export_chart(session_t *s, const char *mrn, const fhir_disclosure_t *d,
			     const char *out, int *nres, msg_t *m)
{
	status_t st;
	json_t *entries = json_array(), *bundle = NULL;
	outfile_t o;
	memset(&o, 0, sizeof o);
	if (!entries)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if (out && (st = out_new(out, m)) != STATUS_OK)
		goto cleanup;
	if ((st = fhir_export_chart(s, mrn, d, keep, entries, m)) != STATUS_OK)
		goto cleanup;
	*nres = (int)json_array_size(entries);
	bundle = json_pack("{s:s,s:s,s:O}", "resourceType", "Bundle", "type", "collection", "entry",
			   entries);
	if (!bundle) {
		st = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if (!out) {
		if (json_dumpf(bundle, stdout, DUMP_FLAGS | JSON_INDENT(1)) != 0 ||
		    fputc('\n', stdout) == EOF || fflush(stdout) != 0)
			st = msg_fail(m, STATUS_ERR, "Cannot write the standard output.");
		goto cleanup;
	}
	if ((st = out_open(&o, out, m)) != STATUS_OK)
		goto cleanup;
	if (json_dumpf(bundle, o.f, DUMP_FLAGS | JSON_INDENT(1)) != 0 || fputc('\n', o.f) == EOF)
		st = msg_fail(m, STATUS_ERR, "Cannot write %s.", out);
	st = out_close(&o, st, m);
cleanup:
	json_decref(bundle);
	json_decref(entries);
	return st;
}

/* ---- export fhir --all --out DIR ---- */

typedef struct bulk {
	const char *dir;
	outfile_t o[FHIR_TYPE_COUNT];
	int tty;
	int shown; /* the progress line is on the screen */
} bulk_t;

static status_t bulk_emit(json_t *res, void *arg, msg_t *m)
{
	bulk_t *b = arg;
	status_t st;
	char *line;
	fhir_type_t t = fhir_type_from_name(json_string_value(json_object_get(res, "resourceType")));
	if (t == FHIR_TYPE_COUNT)
		return msg_fail(m, STATUS_ERR, "An unknown resource type was built.");
	if (!b->o[t].f) {
		char path[4096];
		if (snprintf(path, sizeof path, "%s/%s.ndjson", b->dir, fhir_type_name(t)) >=
		    (int)sizeof path)
			return msg_fail(m, STATUS_INVALID, "The directory name is too long.");
		if ((st = out_open(&b->o[t], path, m)) != STATUS_OK)
			return st;
	}
	if (!(line = json_dumps(res, DUMP_FLAGS | JSON_COMPACT)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	st = fputs(line, b->o[t].f) == EOF || fputc('\n', b->o[t].f) == EOF
		 ? msg_fail(m, STATUS_ERR, "Cannot write %s.", b->o[t].tmp)
		 : STATUS_OK;
	sodium_memzero(line, strlen(line));
	free(line);
	return st;
}

/* A progress bar on standard error when it is a terminal. */
static void bulk_progress(int64_t done, int64_t total, void *arg)
{
	bulk_t *b = arg;
	enum { WIDTH = 30 };
	int fill;
	if (!b->tty)
		return;
	fill = total > 0 ? (int)(done * WIDTH / total) : WIDTH;
	if (fill > WIDTH)
		fill = WIDTH;
	fprintf(stderr, "\rExporting [%.*s%*s] %lld/%lld charts", fill,
		"##############################", WIDTH - fill, "", (long long)done,
		(long long)total);
	fflush(stderr);
	b->shown = 1;
}

static status_t export_all(session_t *s, const fhir_disclosure_t *d, const char *dir,
			   fhir_bulk_report_t *rep, msg_t *m)
{
	status_t st;
	bulk_t b;
	memset(&b, 0, sizeof b);
	b.dir = dir;
	b.tty = isatty(STDERR_FILENO);
	if ((st = userfile_mkdir(dir, 0700, m)) != STATUS_OK)
		return st;
	for (int t = 0; t < FHIR_TYPE_COUNT; t++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.ndjson", dir, fhir_type_name((fhir_type_t)t));
		if ((st = out_new(path, m)) != STATUS_OK)
			return st;
	}
	st = fhir_export_all(s, d, bulk_emit, &b, bulk_progress, rep, m);
	if (b.shown)
		fputc('\n', stderr);
	for (int t = 0; t < FHIR_TYPE_COUNT; t++) {
		status_t c = out_close(&b.o[t], st, m);
		if (st == STATUS_OK)
			st = c;
	}
	return st;
}

static const char fhir_usage[] = "[--user ACTOR] export fhir MRN [--out FILE] [--category C]\n"
				 "           [--disclosure FILE|-]\n"
				 "       export fhir --all --out DIR [--category C] [--disclosure FILE|-]";

/* export fhir: called by cli_export.c's export command. */
int cli_export_fhir(cli_t *c)
{
	static const char *const usage = fhir_usage;
	const char *out = cli_val(c, "out");
	int all = cli_val(c, "all") != NULL;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int n = 0;
	fhir_bulk_report_t rep;
	fhir_disclosure_t d;
	static const char *const dnames[3] = {"recipient_name", "recipient_address", "purpose"};
	const char *dfrom = cli_val(c, "disclosure");
	char dbuf[3][RIGHTS_TEXT_MAX + 1];
	cli_field_t df[3];

	if (c->argc < 2 || strcmp(c->argv[1], "fhir") != 0)
		return cli_usage_error(usage, NULL);
	if (all ? c->argc != 2 : c->argc != 3)
		return cli_usage_error(usage, all ? "--all takes no MRN" : "give one MRN, or --all");
	if (all && !out)
		return cli_usage_error(usage, "--all needs --out DIR");
	/* The recipient, address and purpose are free text (the recipient may
	 * be the patient): from --disclosure input, never from arguments. */
	memset(&d, 0, sizeof d);
	d.category = cli_val(c, "category");
	if ((st = fhir_disclosure_check(&d, &m)) != STATUS_OK)
		return cli_usage_error(usage, m.text);
	for (int i = 0; i < 3; i++) {
		dbuf[i][0] = '\0';
		df[i] = (cli_field_t){dnames[i], dnames[i], dbuf[i], sizeof dbuf[i], NULL, 0, 0};
	}
	if (cli_from_file(dfrom) && (st = cli_fields_read(c, dfrom, df, 3, &m)) != STATUS_OK)
		goto wipe;
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		goto wipe;
	msg_clear(&m);
	if (dfrom && !cli_from_file(dfrom))
		st = cli_fields_read(c, dfrom, df, 3, &m);
	d.recipient_name = df[0].given ? dbuf[0] : NULL;
	d.recipient_address = df[1].given ? dbuf[1] : NULL;
	d.purpose = df[2].given ? dbuf[2] : NULL;
	if (st == STATUS_OK)
		st = all ? export_all(s, &d, out, &rep, &m)
			 : export_chart(s, c->argv[2], &d, out, &n, &m);
	cli_sign_off(clinic, s);
wipe:
	sodium_memzero(dbuf, sizeof dbuf);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (all) {
		cli_eprintf("Exported %lld charts, %lld resources to %s", (long long)rep.charts,
			(long long)rep.resources, out);
		for (int t = 0; t < FHIR_TYPE_COUNT; t++)
			if (rep.count[t])
				fprintf(stderr, "%s %s %lld", t ? "," : ":", fhir_type_name(t),
					(long long)rep.count[t]);
		fprintf(stderr, ".\n");
		if (rep.skipped)
			fprintf(stderr,
				"%lld confidential charts were not exported (view_confidential "
				"needed).\n",
				(long long)rep.skipped);
	} else if (out)
		cli_eprintf("Exported %d resources to %s.\n", n, out);
	return 0;
}

/* ---- import fhir FILE... ---- */

/* The most a file may hold: a whole clinic's NDJSON split per type stays
 * well under it, and it is read into memory. */
#define IMPORT_FILE_MAX (256L * 1024 * 1024)

typedef struct loaded {
	json_t **roots; /* parsed documents, for json_decref */
	int nroots, caproots;
	fhir_item_t *items;
	int n, cap;
	int bad; /* files or lines that are not JSON */
} loaded_t;

static int push_root(loaded_t *l, json_t *j)
{
	if (l->nroots == l->caproots) {
		int cap = l->caproots ? l->caproots * 2 : 64;
		json_t **r = realloc(l->roots, (size_t)cap * sizeof *r);
		if (!r)
			return -1;
		l->roots = r;
		l->caproots = cap;
	}
	l->roots[l->nroots++] = j;
	return 0;
}

static int push_item(loaded_t *l, json_t *res, const char *fmt, const char *path, long n)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		fhir_item_t *it = realloc(l->items, (size_t)cap * sizeof *it);
		if (!it)
			return -1;
		l->items = it;
		l->cap = cap;
	}
	l->items[l->n].res = res;
	snprintf(l->items[l->n].where, sizeof l->items[l->n].where, fmt, path, n);
	l->n++;
	return 0;
}

/* jansson's error text quotes the input near the error: say what is
 * wrong without it (the input is PHI). */
static const char *json_why(const json_error_t *e)
{
	switch (json_error_code(e)) {
	case json_error_premature_end_of_input: return "the JSON ends too early (truncated?)";
	case json_error_invalid_utf8: return "not valid UTF-8";
	case json_error_null_character: return "a NUL character";
	case json_error_duplicate_key: return "a key given twice in one object";
	case json_error_end_of_input_expected: return "more text after the JSON value";
	case json_error_numeric_overflow: return "a number too large";
	case json_error_invalid_syntax: return "not valid JSON syntax";
	default: return "not valid JSON";
	}
}

static void bad_input(loaded_t *l, const char *path, long line, const char *why)
{
	l->bad++;
	if (line > 0)
		cli_eprintf("%s:%ld: %s\n", path, line, why);
	else
		cli_eprintf("%s: %s\n", path, why);
}

static int is_bundle(json_t *j)
{
	const char *t = json_string_value(json_object_get(j, "resourceType"));
	return t && strcmp(t, "Bundle") == 0;
}

/* One file: a Bundle (its entries), or NDJSON (a resource a line). */
static status_t load_file(loaded_t *l, const char *path, msg_t *m)
{
	status_t st;
	FILE *f = NULL;
	char *buf = NULL, *p, *nl;
	struct stat sb;
	size_t len = 0;
	json_error_t err;
	json_t *first = NULL;
	long line = 1;
	if ((st = userfile_fopen(path, "rb", &f, m)) != STATUS_OK)
		return st;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		st = msg_fail(m, STATUS_INVALID, "%s is not a regular file.", path);
		goto cleanup;
	}
	if (sb.st_size > IMPORT_FILE_MAX) {
		st = msg_fail(m, STATUS_INVALID,
			      "%s is larger than %ld MiB; export and import NDJSON per resource type "
			      "instead.",
			      path, IMPORT_FILE_MAX / (1024 * 1024));
		goto cleanup;
	}
	if (!(buf = malloc((size_t)sb.st_size + 1))) {
		st = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	len = fread(buf, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		st = msg_fail(m, STATUS_ERR, "Cannot read %s.", path);
		goto cleanup;
	}
	buf[len] = 0;
	/* NDJSON when the first line is a whole resource other than a Bundle. */
	p = buf + strspn(buf, " \t\r\n");
	nl = strchr(p, '\n');
	first = json_loadb(p, nl ? (size_t)(nl - p) : strlen(p), JSON_REJECT_DUPLICATES, &err);
	if (first && json_is_object(first) && !is_bundle(first)) {
		json_decref(first);
		first = NULL;
		for (p = buf; *p; line++) {
			size_t n = strcspn(p, "\n");
			json_t *j;
			if (strspn(p, " \t\r") < n) {
				j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &err);
				if (!j)
					bad_input(l, path, line, json_why(&err));
				else if (push_root(l, j) != 0 || push_item(l, j, "%s:%ld", path, line)) {
					json_decref(j);
					st = msg_fail(m, STATUS_NOMEM, "Out of memory.");
					goto cleanup;
				}
			}
			p += n + (p[n] == '\n');
		}
		goto cleanup;
	}
	json_decref(first);
	first = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!first) {
		char why[160];
		snprintf(why, sizeof why, "%s (line %d, column %d)", json_why(&err), err.line,
			 err.column);
		bad_input(l, path, 0, why);
		goto cleanup;
	}
	if (push_root(l, first) != 0) {
		json_decref(first);
		st = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if (!json_is_object(first) || !is_bundle(first) ||
	    !json_is_array(json_object_get(first, "entry"))) {
		bad_input(l, path, 0, "neither a Bundle with entries nor NDJSON (a resource a line)");
		goto cleanup;
	}
	{
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(first, "entry"), i, e)
		{
			json_t *res = json_object_get(e, "resource");
			if (push_item(l, res ? res : e, "%s entry[%ld]", path, (long)i) != 0) {
				st = msg_fail(m, STATUS_NOMEM, "Out of memory.");
				goto cleanup;
			}
		}
	}
cleanup:
	if (buf) {
		sodium_memzero(buf, len);
		free(buf);
	}
	if (f)
		fclose(f);
	return st;
}

static void report_bad(const char *where, const char *why, void *arg)
{
	(void)arg;
	cli_eprintf("%s: %s\n", where, why);
}

int cli_import_fhir(cli_t *c)
{
	loaded_t l;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	fhir_import_report_t rep;
	msg_t m;
	status_t st = STATUS_OK;
	int skip = cli_val(c, "skip-bad") != NULL;
	memset(&l, 0, sizeof l);
	msg_clear(&m);
	if (c->argc < 3)
		return cli_usage_error("[--user ACTOR] import fhir FILE... [--skip-bad]",
				       "name a Bundle or NDJSON file");
	for (int i = 2; i < c->argc && st == STATUS_OK; i++)
		st = load_file(&l, c->argv[i], &m);
	if (st == STATUS_OK && l.bad && !skip)
		st = msg_fail(&m, STATUS_INVALID, "%d part%s of the input %s not JSON; nothing was "
				  "imported (--skip-bad imports the rest).",
			      l.bad, l.bad == 1 ? "" : "s", l.bad == 1 ? "is" : "are");
	if (st == STATUS_OK && (st = cli_sign_on(c, &clinic, &s, &m)) == STATUS_OK) {
		msg_clear(&m);
		st = fhir_import(s, l.items, l.n, skip, report_bad, NULL, &rep, &m);
	}
	cli_sign_off(clinic, s);
	for (int i = 0; i < l.nroots; i++)
		json_decref(l.roots[i]);
	free(l.roots);
	free(l.items);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (rep.bad || l.bad)
		cli_eprintf("%d resources refused and left out (--skip-bad).\n", rep.bad + l.bad);
	for (int t = 0; t < FHIR_TYPE_COUNT; t++)
		if (rep.count[t])
			printf("%s\t%lld\n", fhir_type_name((fhir_type_t)t), (long long)rep.count[t]);
	cli_say(m.text);
	return 0;
}
