/* import.c - patient CSV import (own format and Synthea). */
#include "core/import.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/userfile.h"
#include "core/csv.h"
#include "core/internal.h"
#include "core/patient.h"
#include "core/precord.h"
#include "db/db_imports.h"

#define COL_IGNORE -1
#define COL_CONFIDENTIAL -2
#define COL_SYN_SSN -3

typedef struct mapping {
	int ncols;
	int col[CSV_MAX_FIELDS]; /* pfield_t, or COL_* */
	int synthea;
} mapping_t;

static status_t map_header(char **h, int n, mapping_t *map, msg_t *m)
{
	int seen[PF_COUNT] = {0};
	memset(map, 0, sizeof *map);
	map->ncols = n;
	for (int i = 0; i < n; i++)
		if (strcmp(h[i], "BIRTHDATE") == 0)
			map->synthea = 1;
	for (int i = 0; i < n; i++) {
		const char *name = h[i];
		pfield_t f;
		map->col[i] = COL_IGNORE;
		if (map->synthea) {
			static const struct {
				const char *col;
				int f;
			} syn[] = {{"BIRTHDATE", PF_DOB}, {"DEATHDATE", PF_DEATH}, {"SSN", COL_SYN_SSN},
				   {"FIRST", PF_FIRST},   {"MIDDLE", PF_MIDDLE},  {"LAST", PF_LAST},
				   {"SUFFIX", PF_SUFFIX}, {"GENDER", PF_SEX},     {"ADDRESS", PF_ADDR1},
				   {"CITY", PF_CITY},     {"STATE", PF_STATE},    {"ZIP", PF_ZIP}};
			for (size_t k = 0; k < sizeof syn / sizeof syn[0]; k++)
				if (strcmp(name, syn[k].col) == 0)
					map->col[i] = syn[k].f;
			continue;
		}
		if (strcmp(name, "confidential") == 0) {
			map->col[i] = COL_CONFIDENTIAL;
			continue;
		}
		f = patient_field_from_name(name);
		if (f == PF_COUNT)
			return msg_fail(m, STATUS_INVALID,
					"line 1: unknown column '%.60s' (columns are the field names "
					"in the README, e.g. last_name, first_name, dob, sex)",
					name);
		if (f == PF_MRN)
			return msg_fail(m, STATUS_INVALID,
					"line 1: column 'mrn': Chartroom assigns medical record numbers; "
					"remove the column");
		if (seen[f]++)
			return msg_fail(m, STATUS_INVALID, "line 1: column '%s' appears twice", name);
		map->col[i] = f;
	}
	if (!map->synthea)
		for (int f = 0; f < PF_COUNT; f++)
			if (patient_field_required((pfield_t)f) && f != PF_MRN && !seen[f])
				return msg_fail(m, STATUS_INVALID,
						"line 1: required column '%s' is missing",
						patient_field_name((pfield_t)f));
	return STATUS_OK;
}

/* Synthea appends digits to generated names ("Abe604"). */
static void strip_digits(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && isdigit((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Build a patient from one record; STATUS_INVALID with the reason. */
static status_t row_to_patient(session_t *s, const mapping_t *map, char **v, int n, patient_t *p,
			       int *ssn_dropped, msg_t *m)
{
	status_t ret;
	pfield_t bad;
	memset(p, 0, sizeof *p);
	*ssn_dropped = 0;
	if (n != map->ncols)
		return msg_fail(m, STATUS_INVALID, "has %d fields; the header has %d", n,
				map->ncols);
	for (int i = 0; i < n; i++) {
		int c = map->col[i];
		if (c == COL_IGNORE)
			continue;
		if (c == COL_CONFIDENTIAL) {
			if (!*v[i] || !strcasecmp(v[i], "no") || !strcmp(v[i], "0") ||
			    !strcasecmp(v[i], "false"))
				p->confidential = 0;
			else if (!strcasecmp(v[i], "yes") || !strcmp(v[i], "1") ||
				 !strcasecmp(v[i], "true"))
				p->confidential = 1;
			else
				return msg_fail(m, STATUS_INVALID,
						"confidential must be yes or no, not '%.20s'", v[i]);
			continue;
		}
		if (c == COL_SYN_SSN) {
			/* Synthea's SSNs are 999-xx-xxxx test numbers: keep a
			 * real-looking one, drop a test one (counted). */
			msg_t why;
			char out[PATIENT_FIELD_MAX];
			if (*v[i] && patient_normalize_field(s->c->cfg, PF_SSN, v[i], out, &why) ==
					     STATUS_OK)
				snprintf(p->f[PF_SSN], sizeof p->f[PF_SSN], "%s", out);
			else if (*v[i])
				*ssn_dropped = 1;
			continue;
		}
		if (strlen(v[i]) >= PATIENT_FIELD_MAX)
			return msg_fail(m, STATUS_INVALID, "%s is too long",
					patient_field_label((pfield_t)c));
		/* A line break inside a quoted value (an address typed on two
		 * lines) becomes ", ": fields are single-line. */
		{
			/* All of it or nothing: a value cut to fit could end
			 * inside a UTF-8 character or lose its end silently. */
			size_t o = 0;
			const char *q;
			for (q = v[i]; *q; q++) {
				if (*q == '\r')
					continue;
				if (*q == '\n') {
					while (o && p->f[c][o - 1] == ' ')
						o--;
					if (o + 2 >= PATIENT_FIELD_MAX)
						break;
					p->f[c][o++] = ',';
					p->f[c][o++] = ' ';
					continue;
				}
				if (o + 1 >= PATIENT_FIELD_MAX)
					break;
				p->f[c][o++] = *q;
			}
			p->f[c][o] = '\0';
			if (*q)
				return msg_fail(m, STATUS_INVALID, "%s is too long",
						patient_field_label((pfield_t)c));
		}
		if (map->synthea && (c == PF_FIRST || c == PF_LAST || c == PF_MIDDLE))
			strip_digits(p->f[c]);
	}
	ret = patient_validate(s->c->cfg, p, &bad, m);
	return ret;
}

/* The second pass, on the bulk writer's worker thread: the next good row
 * (bad ones were reported in the first pass and are skipped). */
struct feed_src {
	session_t *s;
	csv_t *csv;
	const mapping_t *map;
	import_report_t *rep;
};

static int next_good_row(void *arg, patient_t *p, msg_t *m)
{
	struct feed_src *f = arg;
	char **v;
	int n, dropped;
	long line;
	msg_t why;
	(void)m;
	for (;;) {
		status_t r = csv_next(f->csv, &v, &n, &line, &why);
		if (r == STATUS_NOTFOUND)
			return 0;
		if (r != STATUS_OK ||
		    row_to_patient(f->s, f->map, v, n, p, &dropped, &why) != STATUS_OK)
			continue;
		f->rep->ssn_dropped += dropped;
		return 1;
	}
}

/* The file's BLAKE2b-256 digest (what identifies an import to resume;
 * the name is not kept). Reads f to its end; the caller rewinds. */
static status_t file_digest(FILE *f, unsigned char out[DB_IMPORT_DIGEST_LEN], msg_t *m)
{
	crypto_generichash_state st;
	unsigned char buf[65536];
	size_t n;
	if (crypto_generichash_init(&st, NULL, 0, DB_IMPORT_DIGEST_LEN) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not hash the import file.");
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		crypto_generichash_update(&st, buf, n);
	if (ferror(f))
		return msg_fail(m, STATUS_ERR, "Could not read the import file.");
	crypto_generichash_final(&st, out, DB_IMPORT_DIGEST_LEN);
	sodium_memzero(buf, sizeof buf);
	return STATUS_OK;
}

/* Find this file's import or start one (in one write transaction, so two
 * runs of one file started together share one import id). */
static status_t import_claim(session_t *s, const unsigned char digest[DB_IMPORT_DIGEST_LEN],
			     int64_t good, db_import_t *imp, msg_t *m)
{
	db_t *db = s->c->db;
	status_t ret = db_begin(db, m);
	if (ret != STATUS_OK)
		return ret;
	ret = db_import_find(db, digest, imp, m);
	if (ret == STATUS_OK && imp->rows_total != good) {
		/* The same bytes give the same good rows: a different count
		 * means other --skip-bad rules; start afresh. */
		ret = STATUS_NOTFOUND;
	}
	if (ret == STATUS_NOTFOUND) {
		memset(imp, 0, sizeof *imp);
		memcpy(imp->digest, digest, DB_IMPORT_DIGEST_LEN);
		imp->rows_total = good;
		core_now(imp->started);
		snprintf(imp->started_by, sizeof imp->started_by, "%s", s->user.name);
		ret = db_import_add(db, imp, m);
	}
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK)
		db_rollback(db);
	return ret;
}

/* Test builds only: stop the way kill -9 does right after batch k has
 * committed (before anything is printed), and batches of a fixed small
 * size, so the resume test needs no big file. */
static int64_t batch_rows(int64_t *max_rows)
{
	*max_rows = PBULK_BATCH_MAX;
#ifdef CHARTROOM_TEST_HOOKS
	const char *v = getenv("CHARTROOM_TEST_IMPORT_BATCH");
	if (v && atoll(v) > 0) {
		*max_rows = atoll(v);
		return atoll(v);
	}
#endif
	return PBULK_BATCH_ROWS;
}

static void after_batch(int64_t k)
{
#ifdef CHARTROOM_TEST_HOOKS
	const char *v = getenv("CHARTROOM_TEST_IMPORT_KILL_AFTER");
	if (v && atoll(v) == k)
		raise(SIGKILL);
#else
	(void)k;
#endif
}

status_t import_patients(session_t *s, const char *path, int skip_bad, import_report_t *rep,
			 import_bad_fn on_bad, import_start_fn on_start, void *arg, msg_t *m)
{
	status_t ret;
	FILE *f = NULL;
	csv_t *csv = NULL;
	mapping_t *map = NULL;
	patient_t *p = NULL;
	pbulk_t *bulk = NULL;
	char **v;
	int n, dropped;
	long line;
	msg_t why;
	char what[200];
	unsigned char digest[DB_IMPORT_DIGEST_LEN];
	db_import_t imp;
	int64_t max_rows, good, done, batch = batch_rows(&max_rows);

	memset(rep, 0, sizeof *rep);
	if ((ret = session_require(s, ACT_PATIENT_IMPORT, m)) != STATUS_OK)
		return ret;
	/* With the user's own ids in a shared install (base/userfile.h). */
	if ((ret = userfile_fopen(path, "rb", &f, m)) != STATUS_OK)
		return ret;
	map = calloc(1, sizeof *map);
	p = malloc(sizeof *p);
	if (!map || !p) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = file_digest(f, digest, m)) != STATUS_OK)
		goto cleanup;
	rewind(f);
	if (!(csv = csv_new(f))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	ret = csv_next(csv, &v, &n, &line, m);
	if (ret == STATUS_NOTFOUND)
		ret = msg_fail(m, STATUS_INVALID, "%s is empty.", path);
	if (ret != STATUS_OK)
		goto cleanup;
	if ((ret = map_header(v, n, map, m)) != STATUS_OK)
		goto cleanup;
	rep->synthea = map->synthea;

	/* Pass 1: validate everything, report every bad row. */
	for (;;) {
		ret = csv_next(csv, &v, &n, &line, &why);
		if (ret == STATUS_NOTFOUND)
			break;
		rep->rows++;
		if (ret == STATUS_OK)
			ret = row_to_patient(s, map, v, n, p, &dropped, &why);
		else
			memmove(why.text, strchr(why.text, ':') ? strchr(why.text, ':') + 2 : why.text,
				strlen(why.text) + 1);
		if (ret != STATUS_OK) {
			rep->bad++;
			if (on_bad)
				on_bad(line, why.text, arg);
		}
	}
	if (rep->bad && !skip_bad) {
		ret = msg_fail(m, STATUS_INVALID,
			       "%ld of %ld rows %s bad; nothing was imported. Fix them, or use "
			       "--skip-bad to import the %ld good row%s.",
			       rep->bad, rep->rows, rep->bad == 1 ? "is" : "are", rep->rows - rep->bad,
			       rep->rows - rep->bad == 1 ? "" : "s");
		goto cleanup;
	}
	good = rep->rows - rep->bad;
	if (good == 0) {
		ret = msg_fail(m, STATUS_INVALID, "No rows to import.");
		goto cleanup;
	}

	/* The import's id before anything is saved: a run stopped at any
	 * point is resumed by running it again (same file, same rows). */
	if ((ret = import_claim(s, digest, good, &imp, m)) != STATUS_OK)
		goto cleanup;
	rep->import_id = imp.id;
	rep->total = good;
	rep->resumed_from = imp.rows_done;
	rep->already = imp.finished[0] != '\0';
	if (on_start)
		on_start(rep, arg);
	if (rep->already) {
		msg_set(m,
			"Import %lld of this file finished on %s (%lld patients, by %s); nothing "
			"was imported again.",
			(long long)imp.id, imp.finished, (long long)imp.rows_done, imp.started_by);
		goto cleanup;
	}

	/* Pass 2: the same rows again, the good ones saved in batches; the
	 * ones an earlier run committed are skipped. */
	rewind(f);
	csv_free(csv);
	if (!(csv = csv_new(f))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	csv_next(csv, &v, &n, &line, &why); /* header */
	{
		struct feed_src src = {s, csv, map, rep};
		for (done = 0; done < imp.rows_done && next_good_row(&src, p, &why) == 1; done++)
			;
	}
	snprintf(what, sizeof what, "import %lld of %s%s", (long long)imp.id,
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path, map->synthea ? " (Synthea)" : "");
	if ((ret = pbulk_begin(s, what, &bulk, m)) != STATUS_OK)
		goto cleanup;
	for (int64_t k = 1; done < good; k++) {
		struct feed_src src = {s, csv, map, rep};
		int64_t added = 0, saved = 0;
		char when[24];
		if (k > 1 && (ret = pbulk_next_batch(bulk, m)) != STATUS_OK)
			goto cleanup;
		if ((ret = pbulk_feed_batch(bulk, next_good_row, &src, good - done, batch, max_rows, m,
					    &added)) != STATUS_OK)
			goto cleanup;
		if (added == 0) {
			ret = msg_fail(m, STATUS_ERR,
				       "%s changed while it was being imported; nothing more was "
				       "saved (import %lld stopped at %lld of %lld).",
				       path, (long long)imp.id, (long long)done, (long long)good);
			goto cleanup;
		}
		core_now(when);
		/* The progress moves in the batch's own transaction. */
		if ((ret = db_import_progress(s->c->db, imp.id, done, done + added,
					      done + added == good ? when : NULL, m)) != STATUS_OK)
			goto cleanup;
		if ((ret = pbulk_commit_batch(bulk, &saved, m)) != STATUS_OK)
			goto cleanup;
		done += saved;
		rep->imported += saved;
		after_batch(k);
	}
	pbulk_end(bulk);
	bulk = NULL;
	msg_set(m, "Imported %ld patient%s (import %lld%s%s)%s.", rep->imported,
		rep->imported == 1 ? "" : "s", (long long)imp.id,
		rep->resumed_from ? "; resumed" : "", rep->bad ? "; bad rows skipped" : "",
		rep->ssn_dropped ? "; Synthea test SSNs left blank" : "");
cleanup:
	pbulk_abort(bulk);
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	csv_free(csv);
	free(map);
	if (f)
		fclose(f);
	return ret;
}
