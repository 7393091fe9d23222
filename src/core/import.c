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
#include "base/text.h"
#include "core/audit.h"
#include "core/pmatch.h"
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

/* The good rows of the file, by their number among them (ordinal): where
 * each starts, and those held back as likely duplicates. */
typedef struct goodrows {
	long *line;
	unsigned char *held; /* 1: a likely duplicate not imported */
	size_t n, cap;
	pmatch_rec_t *older; /* while the index key is rotated: each row's
				tokens under the older version, else NULL */
} goodrows_t;

/* A likely duplicate within the file, found in the first pass. */
typedef struct filedup {
	long ord, other; /* row `ord` resembles the earlier row `other` */
	int score;
	char why[120];
} filedup_t;

/* What the audit entry of a row registered anyway names. */
typedef struct anyway {
	long ord;
	long other_line; /* a row of the file, or 0 */
	int nids;
	char ids[3][33]; /* registered patients */
} anyway_t;

/* The second pass, on the bulk writer's worker thread: the next good row
 * to save (bad ones were reported in the first pass and are skipped, and
 * so are those an earlier run went through and those held back). */
struct feed_src {
	session_t *s;
	csv_t *csv;
	const mapping_t *map;
	import_report_t *rep;
	const goodrows_t *rows;
	long ord;  /* the ordinal of the next good row read */
	long from; /* rows before this one were done by an earlier run */
};

static int next_good_row(void *arg, patient_t *p, msg_t *m)
{
	struct feed_src *f = arg;
	char **v;
	int n, dropped;
	long line, g;
	msg_t why;
	(void)m;
	for (;;) {
		status_t r = csv_next(f->csv, &v, &n, &line, &why);
		if (r == STATUS_NOTFOUND)
			return 0;
		if (r != STATUS_OK ||
		    row_to_patient(f->s, f->map, v, n, p, &dropped, &why) != STATUS_OK)
			continue;
		g = f->ord++;
		if (g < f->from || ((size_t)g < f->rows->n && f->rows->held[g]))
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

/* Room for one more good row. */
static status_t rows_grow(goodrows_t *r, int older, msg_t *m)
{
	size_t cap;
	long *nl;
	unsigned char *nh;
	if (r->n < r->cap)
		return STATUS_OK;
	cap = r->cap ? r->cap * 2 : 4096;
	if ((nl = realloc(r->line, cap * sizeof *nl)))
		r->line = nl;
	if ((nh = realloc(r->held, cap)))
		r->held = nh;
	if (!nl || !nh)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if (older) {
		pmatch_rec_t *no = realloc(r->older, cap * sizeof *no);
		if (!no)
			return msg_fail(m, STATUS_NOMEM, "Out of memory.");
		r->older = no;
	}
	r->cap = cap;
	return STATUS_OK;
}

/* The rows the import will save: good ones from `from` on, but those held
 * back. */
static long rows_to_save(const goodrows_t *r, long from)
{
	long n = 0;
	for (size_t g = (size_t)(from > 0 ? from : 0); g < r->n; g++)
		n += !r->held[g];
	return n;
}

/* The rows held back, for their audit entry: "lines 3, 7 and 12". */
static void held_lines(const goodrows_t *r, long from, char *out, size_t size)
{
	size_t o = 0;
	long shown = 0, total = 0;
	out[0] = '\0';
	for (size_t g = (size_t)from; g < r->n; g++)
		total += r->held[g];
	for (size_t g = (size_t)from; g < r->n && o + 40 < size; g++) {
		if (!r->held[g])
			continue;
		o += (size_t)snprintf(out + o, size - o, "%s%ld", shown ? ", " : "", r->line[g]);
		shown++;
	}
	if (shown < total)
		snprintf(out + o, size - o, " and %ld more", total - shown);
}

/* During the writes, for a run with register_anyway: the audit entry of
 * each row registered despite a likely duplicate, in the batch's
 * transaction (rows arrive in the file's order: the k-th one saved by this
 * run is good row from + k, none being held back). */
struct anyway_audit {
	session_t *s;
	int64_t import_id;
	const goodrows_t *rows;
	const anyway_t *list;
	size_t n, next;
	long from, saved;
};

static status_t audit_anyway_row(void *arg, const db_patient_row_t *row, msg_t *m)
{
	struct anyway_audit *a = arg;
	long ord = a->from + a->saved++;
	char detail[256];
	size_t o;
	const anyway_t *w;
	while (a->next < a->n && a->list[a->next].ord < ord)
		a->next++;
	if (a->next >= a->n || a->list[a->next].ord != ord)
		return STATUS_OK;
	w = &a->list[a->next++];
	o = (size_t)snprintf(detail, sizeof detail,
			     "import %lld line %ld: registered despite likely duplicate(s):",
			     (long long)a->import_id, a->rows->line[ord]);
	for (int i = 0; i < w->nids && o < sizeof detail; i++)
		o += (size_t)snprintf(detail + o, sizeof detail - o, " %s", w->ids[i]);
	if (w->other_line && o < sizeof detail)
		snprintf(detail + o, sizeof detail - o, " line %ld of the file", w->other_line);
	return audit_append(a->s, "patient_register_anyway", row->id, "ok", detail, m);
}

/* One audit entry naming the rows held back (none is saved: the entry is
 * all that is written), in a transaction of its own. */
static status_t audit_held(session_t *s, const goodrows_t *rows, long from, long held,
			   const char *what, msg_t *m)
{
	char lines[400], detail[600];
	status_t ret;
	if (!held)
		return STATUS_OK;
	held_lines(rows, from, lines, sizeof lines);
	snprintf(detail, sizeof detail, "%s: %ld row%s held back as likely duplicates: line%s %s",
		 what, held, held == 1 ? "" : "s", held == 1 ? "" : "s", lines);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = audit_append(s, "patient_import_duplicates", "", "ok", detail, m);
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

status_t import_patients(session_t *s, const char *path, int skip_bad, import_report_t *rep,
			 import_bad_fn on_bad, import_start_fn on_start, void *arg, msg_t *m)
{
	import_opts_t o;
	memset(&o, 0, sizeof o);
	o.skip_bad = skip_bad;
	o.on_bad = on_bad;
	o.on_start = on_start;
	o.arg = arg;
	return import_patients_with(s, path, &o, rep, m);
}

status_t import_patients_with(session_t *s, const char *path, const import_opts_t *o,
			      import_report_t *rep, msg_t *m)
{
	status_t ret;
	FILE *f = NULL;
	csv_t *csv = NULL;
	mapping_t *map = NULL;
	patient_t *p = NULL;
	pbulk_t *bulk = NULL;
	pindex_memo_t *memo = NULL;
	pmatch_set_t *set = NULL;
	pmatch_cache_t *cache = NULL;
	patient_match_t *matches = NULL;
	goodrows_t rows;
	filedup_t *fdups = NULL;
	size_t nfd = 0, capfd = 0, fdi = 0;
	anyway_t *anyway = NULL;
	size_t nany = 0, capany = 0;
	char **v;
	int n, dropped, nv, ver[4], reading = 0;
	long line;
	msg_t why;
	char what[200];
	unsigned char digest[DB_IMPORT_DIGEST_LEN];
	db_import_t imp, pre;
	int64_t max_rows, good, done, to_save, saved_total = 0, batch = batch_rows(&max_rows);
	long from = 0, finished_before = 0;
	db_t *db = s->c->db;
	const config_t *cfg = s->c->cfg;

	memset(rep, 0, sizeof *rep);
	memset(&rows, 0, sizeof rows);
	if ((ret = session_require(s, ACT_PATIENT_IMPORT, m)) != STATUS_OK)
		return ret;
	/* With the user's own ids in a shared install (base/userfile.h). */
	if ((ret = userfile_fopen(path, "rb", &f, m)) != STATUS_OK)
		return ret;
	map = calloc(1, sizeof *map);
	p = malloc(sizeof *p);
	memo = pindex_memo_new();
	set = pmatch_set_new();
	matches = calloc(PATIENT_MATCH_MAX, sizeof *matches);
	if (!map || !p || !memo || !set || !matches) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	/* While the index key is rotated, registered patients' tokens are of
	 * either version: each row is looked up under both. */
	nv = keyring_versions(s->kr, DOMAIN_INDEX, ver, 4);
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

	/* Pass 1: validate everything, report every bad row; each good row's
	 * tokens are compared with the good rows before it. */
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
			if (o->on_bad)
				o->on_bad(line, why.text, o->arg);
			continue;
		}
		{
			ptokens_t t;
			pmatch_rec_t rec;
			long best;
			int score;
			char fwhy[120];
			if ((ret = rows_grow(&rows, nv > 1, m)) != STATUS_OK)
				goto cleanup;
			if ((ret = pindex_patient_memo(s->kr, cfg->blind_index_bytes, p, memo, &t, m)) !=
			    STATUS_OK)
				goto cleanup;
			pmatch_rec_make(&t, &rec);
			if (nv > 1) {
				if ((ret = pindex_patient_at(s->kr, ver[1], cfg->blind_index_bytes, p,
							     &t, m)) != STATUS_OK)
					goto cleanup;
				pmatch_rec_make(&t, &rows.older[rows.n]);
			}
			sodium_memzero(&t, sizeof t);
			if ((ret = pmatch_set_add(set, cfg, &rec, &best, &score, fwhy, sizeof fwhy,
						  m)) != STATUS_OK)
				goto cleanup;
			if (best >= 0) {
				if (nfd == capfd) {
					size_t cap = capfd ? capfd * 2 : 64;
					filedup_t *nf = realloc(fdups, cap * sizeof *nf);
					if (!nf) {
						ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
						goto cleanup;
					}
					fdups = nf;
					capfd = cap;
				}
				fdups[nfd].ord = (long)rows.n;
				fdups[nfd].other = best;
				fdups[nfd].score = score;
				text_copy(fdups[nfd].why, sizeof fdups[nfd].why, fwhy);
				nfd++;
			}
			rows.line[rows.n] = line;
			rows.held[rows.n] = 0;
			rows.n++;
		}
	}
	ret = STATUS_OK;
	if (rep->bad && !o->skip_bad) {
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

	/* An earlier run of this file: finished (nothing to check), or
	 * stopped after `from` rows (those are not checked again: the
	 * patients it saved would be found as duplicates of themselves). */
	ret = db_import_find(db, digest, &pre, m);
	if (ret == STATUS_OK && pre.rows_total == good) {
		finished_before = pre.finished[0] != '\0';
		from = (long)pre.rows_done;
	}
	if (ret != STATUS_OK && ret != STATUS_NOTFOUND)
		goto cleanup;
	ret = STATUS_OK;

	/* The duplicate check against the registered patients, in one read
	 * snapshot, and what it and the first pass found reported in the
	 * file's order. */
	if (!finished_before) {
		if ((ret = db_read_begin(db, &reading, m)) != STATUS_OK)
			goto cleanup;
		/* Rows sharing a date of birth or a name's sound share
		 * candidates: each read once (NULL without memory: all read). */
		cache = pmatch_cache_new();
		while (fdi < nfd && fdups[fdi].ord < from)
			fdi++;
		for (long g = from; g < good; g++) {
			pmatch_rec_t recs[2];
			int k = 0;
			const filedup_t *fd = fdi < nfd && fdups[fdi].ord == g ? &fdups[fdi++] : NULL;
			import_dup_t d;
			recs[0] = *pmatch_set_rec(set, g);
			if (nv > 1)
				recs[1] = rows.older[g];
			if ((ret = pmatch_registered_cached(s, recs, nv > 1 ? 2 : 1, 0, matches, 3, &k,
							    cache, 1, m)) != STATUS_OK)
				break;
			if (!k && !fd)
				continue;
			rep->dups++;
			rows.held[g] = !o->register_anyway;
			rep->held += rows.held[g];
			memset(&d, 0, sizeof d);
			d.line = rows.line[g];
			d.match = k ? &matches[0] : NULL;
			d.score = k ? matches[0].score : fd->score;
			d.other_line = fd ? rows.line[fd->other] : 0;
			d.why = k ? matches[0].why : fd->why;
			d.imported = o->register_anyway;
			if (o->on_dup)
				o->on_dup(&d, o->arg);
			if (o->register_anyway) {
				anyway_t *w;
				if (nany == capany) {
					size_t cap = capany ? capany * 2 : 64;
					anyway_t *na = realloc(anyway, cap * sizeof *na);
					if (!na) {
						ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
						break;
					}
					anyway = na;
					capany = cap;
				}
				w = &anyway[nany++];
				memset(w, 0, sizeof *w);
				w->ord = g;
				w->other_line = fd ? rows.line[fd->other] : 0;
				for (int i = 0; i < k && i < 3; i++)
					text_copy(w->ids[w->nids++], sizeof w->ids[0], matches[i].id);
			}
		}
		db_read_end(db, reading);
		reading = 0;
		pmatch_cache_free(cache);
		cache = NULL;
		sodium_memzero(matches, PATIENT_MATCH_MAX * sizeof *matches);
		if (ret != STATUS_OK)
			goto cleanup;
	}
	/* The tokens are no longer needed: the memory goes back before the
	 * writes, which need plenty. */
	pmatch_set_free(set);
	set = NULL;

	snprintf(what, sizeof what, "import of %s%s",
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path, map->synthea ? " (Synthea)" : "");
	if (!finished_before && from == 0 && rows_to_save(&rows, 0) == 0) {
		/* Every row resembles a registered patient or a row before it:
		 * there is nothing to save and no import to resume. */
		if ((ret = audit_held(s, &rows, 0, rep->held, what, m)) != STATUS_OK)
			goto cleanup;
		rep->total = good;
		msg_set(m,
			"Nothing was imported: %s %ld row%s %s likely duplicate%s of patients already "
			"registered or of rows before them (listed above). Open those charts, or "
			"import with --register-anyway if they are different people.",
			good == 1 ? "the" : "all", good, good == 1 ? "" : "s",
			good == 1 ? "is a" : "are", good == 1 ? "" : "s");
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
	if (rep->already) {
		rep->dups = rep->held = 0;
	} else if ((long)imp.rows_done != from) {
		/* Another run of this file moved on meanwhile: what it went
		 * through is done. */
		from = (long)imp.rows_done;
		rep->held = 0;
		for (long g = from; g < good; g++)
			rep->held += rows.held[g];
	}
	if (o->on_start)
		o->on_start(rep, o->arg);
	if (rep->already) {
		msg_set(m,
			"Import %lld of this file finished on %s (%lld rows, by %s); nothing "
			"was imported again.",
			(long long)imp.id, imp.finished, (long long)imp.rows_done, imp.started_by);
		goto cleanup;
	}
	snprintf(what, sizeof what, "import %lld of %s%s", (long long)imp.id,
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path, map->synthea ? " (Synthea)" : "");
	if ((ret = audit_held(s, &rows, from, rep->held, what, m)) != STATUS_OK)
		goto cleanup;
	to_save = rows_to_save(&rows, from);
	done = from;
	if (to_save == 0) {
		/* What is left of the file is held back: the import is done. */
		char when[24];
		core_now(when);
		if ((ret = db_begin(db, m)) != STATUS_OK)
			goto cleanup;
		ret = db_import_progress(db, imp.id, done, good, when, m);
		if (ret == STATUS_OK)
			ret = db_commit(db, m);
		if (ret != STATUS_OK) {
			db_rollback(db);
			goto cleanup;
		}
		msg_set(m, "Import %lld finished: the rows left were likely duplicates; nothing more "
			   "was imported.", (long long)imp.id);
		goto cleanup;
	}

	/* Pass 2: the same rows again, the ones to save saved in batches; the
	 * ones an earlier run went through and those held back are skipped. */
	rewind(f);
	csv_free(csv);
	if (!(csv = csv_new(f))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	csv_next(csv, &v, &n, &line, &why); /* header */
	{
		struct feed_src src = {s, csv, map, rep, &rows, 0, from};
		struct anyway_audit aa = {s, imp.id, &rows, anyway, nany, 0, from, 0};
		if ((ret = pbulk_begin(s, what, &bulk, m)) != STATUS_OK)
			goto cleanup;
		if (nany)
			pbulk_on_row(bulk, audit_anyway_row, &aa);
		for (int64_t k = 1; saved_total < to_save; k++) {
			int64_t added = 0, saved = 0, to;
			char when[24];
			if (k > 1 && (ret = pbulk_next_batch(bulk, m)) != STATUS_OK)
				goto cleanup;
			/* Fed 2,000 rows at a time, so a writer in line waits for
			 * at most that many (and their place in name order) before
			 * the batch commits and lets it in. */
			if ((ret = pbulk_feed_batch(bulk, next_good_row, &src, to_save - saved_total,
						    batch < 2000 ? batch : 2000, max_rows, m,
						    &added)) != STATUS_OK)
				goto cleanup;
			if (added == 0) {
				ret = msg_fail(m, STATUS_ERR,
					       "%s changed while it was being imported; nothing more "
					       "was saved (import %lld stopped at row %lld of %lld).",
					       path, (long long)imp.id, (long long)done, (long long)good);
				goto cleanup;
			}
			core_now(when);
			/* The progress moves in the batch's own transaction, in rows
			 * of the file gone through (saved or held back); with the
			 * last patient saved, the rest are held back: all done. */
			to = saved_total + added == to_save ? good : src.ord;
			if ((ret = db_import_progress(db, imp.id, done, to, to == good ? when : NULL,
						      m)) != STATUS_OK)
				goto cleanup;
			if ((ret = pbulk_commit_batch(bulk, &saved, m)) != STATUS_OK)
				goto cleanup;
			done = to;
			saved_total += saved;
			rep->imported += saved;
			after_batch(k);
		}
	}
	pbulk_end(bulk);
	bulk = NULL;
	{
		char held[120] = "";
		if (rep->held)
			snprintf(held, sizeof held, "; %ld likely duplicate%s not imported", rep->held,
				 rep->held == 1 ? "" : "s");
		else if (rep->dups)
			snprintf(held, sizeof held, "; %ld likely duplicate%s imported anyway",
				 rep->dups, rep->dups == 1 ? "" : "s");
		msg_set(m, "Imported %ld patient%s (import %lld%s%s%s)%s.", rep->imported,
			rep->imported == 1 ? "" : "s", (long long)imp.id,
			rep->resumed_from ? "; resumed" : "", rep->bad ? "; bad rows skipped" : "", held,
			rep->ssn_dropped ? "; Synthea test SSNs left blank" : "");
	}
cleanup:
	if (reading)
		db_read_end(db, reading);
	pbulk_abort(bulk);
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	if (matches) {
		sodium_memzero(matches, PATIENT_MATCH_MAX * sizeof *matches);
		free(matches);
	}
	pindex_memo_free(memo);
	pmatch_set_free(set);
	pmatch_cache_free(cache);
	free(rows.line);
	free(rows.held);
	free(rows.older);
	free(fdups);
	free(anyway);
	csv_free(csv);
	free(map);
	if (f)
		fclose(f);
	return ret;
}
