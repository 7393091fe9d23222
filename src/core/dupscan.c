/* dupscan.c - the duplicate-chart worklist (core/dupscan.h). */
#include "core/dupscan.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/date.h"
#include "base/lpbuf.h"
#include "base/text.h"
#include "core/audit.h"
#include "core/crypto.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/notsame.h"
#include "core/pair_mac.h"
#include "core/pindex.h"
#include "core/pmatch.h"
#include "core/precord.h"
#include "db/db_merge.h"
#include "db/db_dups.h"
#include "db/db_patients.h"

#define DUP_MAC_LEN PAIR_MAC_LEN
#define CHUNK 1024 /* rows read, then tokenised by the workers, at a time */
#define THREADS_MAX 8
#define THREADS_DEFAULT 2

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- MACs ------------------------------------------------------------- */

static void dup_more(lpbuf_t *b, const void *arg)
{
	lpbuf_str(b, ((const db_dup_t *)arg)->found_at);
}

/* What a candidate's MAC covers (core/pair_mac.h); num is the caller's. */
static void dup_in(const db_dup_t *d, char num[96], pair_mac_in_t *in)
{
	snprintf(num, 96, "%lld/%d/%lld", (long long)d->crow, d->score, (long long)d->matched);
	*in = (pair_mac_in_t){"chartroom:dup_candidates:1", "the duplicate worklist", num,
			      dup_more, d};
}

static status_t dup_mac(session_t *s, const db_dup_t *d, const char *pa, const char *pb,
			int version, unsigned char out[DUP_MAC_LEN], msg_t *m)
{
	char num[96];
	pair_mac_in_t in;
	dup_in(d, num, &in);
	return pair_mac(s, &in, pa, pb, version, out, m);
}

static status_t dup_check(session_t *s, const db_dup_t *d, char pa[33], char pb[33], msg_t *m)
{
	char num[96];
	pair_mac_in_t in;
	pair_row_t r = {"dup_candidates", d->crow, d->prow_a, d->prow_b, d->mac, d->mac_len,
			d->toolong};
	dup_in(d, num, &in);
	return pair_check(s, &in, &r, pa, pb, m);
}

/* ---- tokenising every record (threads) -------------------------------- */

typedef struct scan {
	session_t *s;
	double read_s;
	int64_t n, cap;
	int64_t *prow;
	char (*pid)[33];
	pmatch_rec_t *rec;
	/* the chunk being tokenised */
	db_patient_row_t *rows;
	int nrows;
	int64_t base; /* index of rows[0] */
} scan_t;

typedef struct worker {
	scan_t *sc;
	keyring_t *kr;
	pindex_memo_t *memo;
	patient_t *p;
	int from, to; /* rows[from..to) */
	status_t ret;
	msg_t m;
} worker_t;

static status_t token_one(const config_t *cfg, const keyring_t *kr, pindex_memo_t *memo,
			  unsigned flags, const db_patient_row_t *row, patient_t *p, pmatch_rec_t *out,
			  msg_t *m)
{
	ptokens_t t;
	status_t ret = precord_open(kr, row, p, 0, flags, m);
	if (ret == STATUS_OK)
		ret = pindex_patient_memo(kr, cfg->blind_index_bytes, p, memo, &t, m);
	if (ret == STATUS_OK)
		pmatch_rec_make(&t, out);
	sodium_memzero(&t, sizeof t);
	sodium_memzero(p, sizeof *p);
	return ret;
}

static void *work(void *arg)
{
	worker_t *w = arg;
	scan_t *sc = w->sc;
	unsigned flags = CLINIC_OPEN_FLAGS(sc->s->c);
	for (int i = w->from; i < w->to && w->ret == STATUS_OK; i++)
		w->ret = token_one(sc->s->c->cfg, w->kr, w->memo, flags, &sc->rows[i], w->p,
				   &sc->rec[sc->base + i], &w->m);
	return NULL;
}

static int take_row(const db_patient_row_t *row, void *arg)
{
	scan_t *sc = arg;
	sc->rows[sc->nrows++] = *row;
	return 0;
}

static status_t grow(scan_t *sc, int64_t need, msg_t *m)
{
	int64_t cap = sc->cap ? sc->cap : 4096;
	void *a, *b, *c;
	if (need <= sc->cap)
		return STATUS_OK;
	while (cap < need)
		cap *= 2;
	a = realloc(sc->prow, (size_t)cap * sizeof *sc->prow);
	if (a)
		sc->prow = a;
	b = a ? realloc(sc->pid, (size_t)cap * sizeof *sc->pid) : NULL;
	if (b)
		sc->pid = b;
	c = b ? realloc(sc->rec, (size_t)cap * sizeof *sc->rec) : NULL;
	if (!c)
		return msg_fail(m, STATUS_NOMEM, "Out of memory scanning for duplicates.");
	sc->rec = c;
	sc->cap = cap;
	return STATUS_OK;
}

static void scan_free(scan_t *sc)
{
	if (sc->rec)
		sodium_memzero(sc->rec, (size_t)sc->cap * sizeof *sc->rec);
	if (sc->rows)
		sodium_memzero(sc->rows, CHUNK * sizeof *sc->rows);
	free(sc->rec);
	free(sc->rows);
	free(sc->prow);
	free(sc->pid);
	memset(sc, 0, sizeof *sc);
}

/* Every patients row read (in row order) and tokenised. */
static status_t tokenise_all(session_t *s, const dupscan_opts_t *o, scan_t *sc, msg_t *m)
{
	int nthreads = o && o->threads > 0 ? o->threads : THREADS_DEFAULT;
	worker_t w[THREADS_MAX];
	int64_t total = 0, after = 0;
	char(*ids)[33] = NULL;
	int64_t *prows = NULL;
	status_t ret;
	int reading = 0, nw = 0;

	if (nthreads > THREADS_MAX)
		nthreads = THREADS_MAX;
	sc->s = s;
	memset(w, 0, sizeof w);
	if (!(sc->rows = malloc(CHUNK * sizeof *sc->rows)) ||
	    !(ids = malloc(CHUNK * sizeof *ids)) || !(prows = malloc(CHUNK * sizeof *prows))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory scanning for duplicates.");
		goto cleanup;
	}
	/* Each worker its own ring (a ring caches derived keys) and memo;
	 * the calling thread is worker 0. */
	for (nw = 0; nw < nthreads; nw++) {
		w[nw].sc = sc;
		if ((ret = keyring_copy(s->kr, DOMAIN_BIT(DOMAIN_DEMO), &w[nw].kr, m)) != STATUS_OK)
			goto cleanup;
		w[nw].memo = pindex_memo_new();
		w[nw].p = malloc(sizeof *w[nw].p);
		if (!w[nw].memo || !w[nw].p) {
			nw++;
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory scanning for duplicates.");
			goto cleanup;
		}
	}
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_patient_count(s->c->db, &total, m)) != STATUS_OK)
		goto cleanup;
	for (;;) {
		int n = 0, per;
		pthread_t th[THREADS_MAX];
		int started = 0;
		double r0 = now_s();
		if ((ret = db_patient_page(s->c->db, after, ids, prows, CHUNK, &n, m)) != STATUS_OK)
			goto cleanup;
		if (!n)
			break;
		if ((ret = grow(sc, sc->n + n, m)) != STATUS_OK)
			goto cleanup;
		sc->nrows = 0;
		sc->base = sc->n;
		for (int i = 0; i < n; i += DB_PATIENT_EACH_MAX) {
			int k = n - i < DB_PATIENT_EACH_MAX ? n - i : DB_PATIENT_EACH_MAX;
			db_patient_row_t *buf = malloc(sizeof *buf);
			if (!buf) {
				ret = msg_fail(m, STATUS_NOMEM, "Out of memory scanning for duplicates.");
				goto cleanup;
			}
			ret = db_patient_each(s->c->db, prows + i, k, 1, buf, take_row, sc, m);
			sodium_memzero(buf, sizeof *buf);
			free(buf);
			if (ret != STATUS_OK)
				goto cleanup;
		}
		sc->read_s += now_s() - r0;
		for (int i = 0; i < sc->nrows; i++) {
			sc->prow[sc->n + i] = sc->rows[i].prow;
			memcpy(sc->pid[sc->n + i], sc->rows[i].id, 33);
		}
		/* Split the chunk; worker 0 is this thread. */
		per = (sc->nrows + nthreads - 1) / nthreads;
		for (int t = 0; t < nthreads; t++) {
			w[t].from = t * per < sc->nrows ? t * per : sc->nrows;
			w[t].to = (t + 1) * per < sc->nrows ? (t + 1) * per : sc->nrows;
		}
		for (int t = 1; t < nthreads; t++, started++)
			if (pthread_create(&th[t], NULL, work, &w[t]) != 0)
				break;
		work(&w[0]);
		for (int t = 1; t <= started; t++)
			pthread_join(th[t], NULL);
		for (int t = started + 1; t < nthreads; t++)
			work(&w[t]); /* a thread that did not start: done here */
		for (int t = 0; t < nthreads; t++)
			if (w[t].ret != STATUS_OK) {
				*m = w[t].m;
				ret = w[t].ret;
				goto cleanup;
			}
		sc->n += sc->nrows;
		after = prows[n - 1];
		if (o && o->progress)
			o->progress(sc->n, total > sc->n ? total : sc->n, o->arg);
		if (n < CHUNK)
			break;
	}
cleanup:
	db_read_end(s->c->db, reading);
	for (int t = 0; t < nw; t++) {
		keyring_free(w[t].kr);
		pindex_memo_free(w[t].memo);
		if (w[t].p) {
			sodium_memzero(w[t].p, sizeof *w[t].p);
			free(w[t].p);
		}
	}
	if (ids)
		sodium_memzero(ids, CHUNK * sizeof *ids);
	free(ids);
	free(prows);
	return ret;
}

/* ---- pairing ---------------------------------------------------------- */

typedef struct pairs {
	dup_pair_t *v;
	int64_t n, cap;
	const scan_t *sc;
	int64_t me;
} pairs_t;

static int add_pair(long j, int score, unsigned matched, void *arg)
{
	pairs_t *p = arg;
	if (p->n == p->cap) {
		int64_t cap = p->cap ? p->cap * 2 : 1024;
		dup_pair_t *v = realloc(p->v, (size_t)cap * sizeof *v);
		if (!v)
			return 1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n].prow_a = p->sc->prow[j]; /* added before: a smaller row number */
	p->v[p->n].prow_b = p->sc->prow[p->me];
	p->v[p->n].score = score;
	p->v[p->n].matched = matched;
	p->n++;
	return 0;
}

static int pair_cmp(const void *a, const void *b)
{
	const dup_pair_t *x = a, *y = b;
	if (x->prow_a != y->prow_a)
		return x->prow_a < y->prow_a ? -1 : 1;
	return x->prow_b < y->prow_b ? -1 : x->prow_b > y->prow_b;
}

static status_t find(session_t *s, const dupscan_opts_t *o, scan_t *sc, pairs_t *pr,
		     dupscan_result_t *r, msg_t *m)
{
	pmatch_set_t *set = NULL;
	status_t ret;
	double t0 = now_s(), t1;
	memset(pr, 0, sizeof *pr);
	pr->sc = sc;
	if ((ret = tokenise_all(s, o, sc, m)) != STATUS_OK)
		return ret;
	t1 = now_s();
	if (!(set = pmatch_set_new()))
		return msg_fail(m, STATUS_NOMEM, "Out of memory scanning for duplicates.");
	for (int64_t i = 0; i < sc->n && ret == STATUS_OK; i++) {
		pr->me = i;
		ret = pmatch_set_pairs(set, s->c->cfg, &sc->rec[i], !(o && o->name_rule), add_pair,
				       pr, m);
	}
	pmatch_set_free(set);
	if (ret == STATUS_OK && pr->n > 1)
		qsort(pr->v, (size_t)pr->n, sizeof *pr->v, pair_cmp);
	if (r) {
		r->patients = sc->n;
		r->pairs = pr->n;
		r->tokens_s = t1 - t0;
		r->read_s = sc->read_s;
		r->pairs_s = now_s() - t1;
	}
	return ret;
}

status_t dupscan_find(session_t *s, const dupscan_opts_t *o, dup_pair_t **pairs,
		      int64_t *npairs, dupscan_result_t *r, msg_t *m)
{
	scan_t sc;
	pairs_t pr;
	status_t ret;
	memset(&sc, 0, sizeof sc);
	*pairs = NULL;
	*npairs = 0;
	if (r)
		memset(r, 0, sizeof *r);
	if ((ret = session_require(s, ACT_CHART_MERGE, m)) != STATUS_OK)
		return ret;
	ret = find(s, o, &sc, &pr, r, m);
	scan_free(&sc);
	if (ret != STATUS_OK) {
		free(pr.v);
		return ret;
	}
	*pairs = pr.v;
	*npairs = pr.n;
	return STATUS_OK;
}

/* The worklist as it stands: (a, b) -> number, time first found. */
typedef struct old {
	db_dup_t *v;
	int64_t n, cap;
	int oom;
} old_t;

static int take_old(const db_dup_t *d, void *arg)
{
	old_t *o = arg;
	if (o->n == o->cap) {
		int64_t cap = o->cap ? o->cap * 2 : 256;
		db_dup_t *v = realloc(o->v, (size_t)cap * sizeof *v);
		if (!v) {
			o->oom = 1;
			return 1;
		}
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = *d;
	return 0;
}

static int old_cmp(const void *a, const void *b)
{
	const db_dup_t *x = a, *y = b;
	if (x->prow_a != y->prow_a)
		return x->prow_a < y->prow_a ? -1 : 1;
	return x->prow_b < y->prow_b ? -1 : x->prow_b > y->prow_b;
}

/* The id of prow among the scanned (sorted by prow), or NULL. */
static const char *pid_of(const scan_t *sc, int64_t prow)
{
	int64_t lo = 0, hi = sc->n;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (sc->prow[mid] < prow)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sc->n && sc->prow[lo] == prow ? sc->pid[lo] : NULL;
}

status_t dupscan_run(session_t *s, const dupscan_opts_t *o, dupscan_result_t *r, msg_t *m)
{
	scan_t sc;
	pairs_t pr;
	old_t old;
	dupscan_result_t res;
	status_t ret;
	int64_t next = 1;
	char now[24], detail[200];
	memset(&sc, 0, sizeof sc);
	memset(&pr, 0, sizeof pr);
	memset(&old, 0, sizeof old);
	memset(&res, 0, sizeof res);
	if ((ret = session_require(s, ACT_CHART_MERGE, m)) != STATUS_OK)
		return ret;
	if ((ret = find(s, o, &sc, &pr, &res, m)) != STATUS_OK)
		goto cleanup;
	core_now(now);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_dup_list(s->c->db, 0, take_old, &old, m)) != STATUS_OK)
		goto done;
	if (old.oom) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto done;
	}
	for (int64_t i = 0; i < old.n; i++)
		if (old.v[i].crow >= next)
			next = old.v[i].crow + 1;
	if (old.n > 1)
		qsort(old.v, (size_t)old.n, sizeof *old.v, old_cmp);
	if ((ret = db_dup_clear(s->c->db, m)) != STATUS_OK)
		goto done;
	for (int64_t i = 0; i < pr.n && ret == STATUS_OK; i++) {
		dup_pair_t *p = &pr.v[i];
		db_dup_t d, key, *was;
		const char *pa = pid_of(&sc, p->prow_a), *pb = pid_of(&sc, p->prow_b);
		int skip = 0;
		if ((ret = notsame_holds(s, p->prow_a, p->prow_b, &skip, m)) != STATUS_OK)
			break;
		if (skip) {
			res.not_same++;
			continue;
		}
		memset(&d, 0, sizeof d);
		d.prow_a = p->prow_a;
		d.prow_b = p->prow_b;
		d.score = p->score;
		d.matched = p->matched;
		key.prow_a = p->prow_a;
		key.prow_b = p->prow_b;
		was = old.n ? bsearch(&key, old.v, (size_t)old.n, sizeof *old.v, old_cmp) : NULL;
		if (was) {
			d.crow = was->crow;
			text_copy(d.found_at, sizeof d.found_at, was->found_at);
			res.was_listed++;
		} else {
			d.crow = next++;
			text_copy(d.found_at, sizeof d.found_at, now);
		}
		if ((ret = dup_mac(s, &d, pa ? pa : "", pb ? pb : "", 0, d.mac, m)) != STATUS_OK)
			break;
		d.mac_len = DUP_MAC_LEN;
		if ((ret = db_dup_insert(s->c->db, &d, m)) != STATUS_OK)
			break;
		res.kept++;
	}
	if (ret == STATUS_OK) {
		snprintf(detail, sizeof detail,
			 "%lld patients scanned, %lld pairs found, %lld listed (%lld new), %lld "
			 "marked not the same person",
			 (long long)res.patients, (long long)res.pairs, (long long)res.kept,
			 (long long)(res.kept - res.was_listed), (long long)res.not_same);
		ret = audit_append(s, "dup_scan", "", "ok", detail, m);
	}
done:
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
cleanup:
	scan_free(&sc);
	free(pr.v);
	free(old.v);
	if (r)
		*r = res;
	if (ret == STATUS_OK)
		msg_set(m, "%lld patients scanned: %lld duplicate candidate%s on the worklist.",
			(long long)res.patients, (long long)res.kept, res.kept == 1 ? "" : "s");
	return ret;
}

/* ---- listing ---------------------------------------------------------- */

static status_t describe(session_t *s, int64_t prow, char id[33], char mrn[24], char name[160],
			 char dob[11], char sex[2], msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	status_t ret;
	if (!row || !p) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = db_patient_get_ident(s->c->db, prow, row, m)) == STATUS_OK &&
	    (ret = precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), m)) == STATUS_OK) {
		size_t k;
		text_copy(id, 33, row->id);
		text_copy(mrn, 24, p->f[PF_MRN]);
		k = text_copy(name, 160, p->f[PF_LAST]);
		if (k + 3 < 160) {
			memcpy(name + k, ", ", 3);
			text_copy(name + k + 2, 160 - k - 2, p->f[PF_FIRST]);
		}
		text_copy(dob, 11, p->f[PF_DOB]);
		text_copy(sex, 2, p->f[PF_SEX]);
	}
cleanup:
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	return ret;
}

static status_t fill(session_t *s, const db_dup_t *d, const char *today, dup_candidate_t *c,
		     msg_t *m)
{
	char pa[33], pb[33];
	int ok = 0;
	status_t ret;
	memset(c, 0, sizeof *c);
	if ((ret = dup_check(s, d, pa, pb, m)) != STATUS_OK)
		return ret;
	c->id = d->crow;
	c->score = d->score;
	pmatch_why((unsigned)d->matched, c->why, sizeof c->why);
	text_copy(c->found_at, sizeof c->found_at, d->found_at);
	c->age_days = date_diff_days(d->found_at, today, &ok);
	if (!ok || c->age_days < 0)
		c->age_days = 0;
	if ((ret = describe(s, d->prow_a, c->id_a, c->mrn_a, c->name_a, c->dob_a, c->sex_a, m)) ==
	    STATUS_OK)
		ret = describe(s, d->prow_b, c->id_b, c->mrn_b, c->name_b, c->dob_b, c->sex_b, m);
	return ret;
}

static void today_of(char out[DATE_ISO_SIZE])
{
	char now[24];
	core_now(now);
	text_copy(out, DATE_ISO_SIZE, now);
	if (strlen(out) > 10)
		out[10] = '\0';
}

status_t dup_candidates_list(session_t *s, int (*fn)(const dup_candidate_t *c, void *arg),
			     void *arg, msg_t *m)
{
	old_t l;
	status_t ret;
	int reading = 0;
	char today[DATE_ISO_SIZE];
	memset(&l, 0, sizeof l);
	if ((ret = session_require(s, ACT_CHART_MERGE, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "dup_list", "", "ok", "duplicate worklist", 0, m)) != STATUS_OK)
		return ret;
	today_of(today);
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
		ret = db_dup_list(s->c->db, 0, take_old, &l, m);
	if (ret == STATUS_OK && l.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (int64_t i = 0; ret == STATUS_OK && i < l.n; i++) {
		dup_candidate_t c;
		int stop;
		db_merge_t *g = NULL;
		/* A pair with a chart merged away (a merge in force) is done
		 * with: off the worklist until the merge is undone. */
		if (!(g = malloc(sizeof *g))) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			break;
		}
		ret = db_merge_in_force(s->c->db, l.v[i].prow_a, g, m);
		if (ret == STATUS_NOTFOUND)
			ret = db_merge_in_force(s->c->db, l.v[i].prow_b, g, m);
		free(g);
		if (ret == STATUS_OK)
			continue;
		if (ret != STATUS_NOTFOUND)
			break;
		if ((ret = fill(s, &l.v[i], today, &c, m)) != STATUS_OK)
			break;
		stop = fn(&c, arg);
		sodium_memzero(&c, sizeof c);
		if (stop)
			break;
	}
	db_read_end(s->c->db, reading);
	free(l.v);
	return integrity_report(s, "", ret, m);
}

status_t dup_candidate_get(session_t *s, int64_t id, dup_candidate_t *out, msg_t *m)
{
	db_dup_t d;
	status_t ret;
	int reading = 0;
	char today[DATE_ISO_SIZE];
	memset(out, 0, sizeof *out);
	if ((ret = session_require(s, ACT_CHART_MERGE, m)) != STATUS_OK)
		return ret;
	today_of(today);
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK &&
	    (ret = db_dup_get(s->c->db, id, &d, m)) == STATUS_OK &&
	    (ret = fill(s, &d, today, out, m)) == STATUS_OK &&
	    (ret = db_dup_chart_counts(s->c->db, d.prow_a, out->count_a, m)) == STATUS_OK)
		ret = db_dup_chart_counts(s->c->db, d.prow_b, out->count_b, m);
	db_read_end(s->c->db, reading);
	if (ret == STATUS_OK &&
	    ((ret = audit_note(s, "dup_view", out->id_a, "ok", out->id_b, 0, m)) != STATUS_OK ||
	     (ret = audit_note(s, "dup_view", out->id_b, "ok", out->id_a, 0, m)) != STATUS_OK))
		sodium_memzero(out, sizeof *out);
	return integrity_report(s, "", ret, m);
}

_Static_assert(DB_DC_COUNT <= 16, "dup_candidate_t holds 16 counts");

int dup_counts(void)
{
	return DB_DC_COUNT;
}

const char *dup_count_label(int i)
{
	return db_dup_count_label(i);
}

status_t dup_candidates_count(session_t *s, int64_t *n, msg_t *m)
{
	status_t ret;
	*n = 0;
	if ((ret = session_require(s, ACT_CHART_MERGE, m)) != STATUS_OK)
		return ret;
	return db_dup_count(s->c->db, n, m);
}

status_t dups_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m)
{
	old_t l;
	status_t ret;
	int newest = keyring_version(s->kr, DOMAIN_DEMO);
	int64_t ns = 0;
	memset(&l, 0, sizeof l);
	if (rows)
		*rows = 0;
	if ((ret = db_dup_list(s->c->db, prow, take_old, &l, m)) != STATUS_OK)
		goto cleanup;
	if (l.oom) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	for (int64_t i = 0; i < l.n && ret == STATUS_OK; i++) {
		db_dup_t *d = &l.v[i];
		char pa[33], pb[33];
		if (d->prow_a != prow)
			continue; /* done with its first chart */
		if ((ret = dup_check(s, d, pa, pb, m)) != STATUS_OK)
			break;
		if (d->mac[1] == newest)
			continue;
		if ((ret = dup_mac(s, d, pa, pb, 0, d->mac, m)) == STATUS_OK &&
		    (ret = db_dup_set_mac(s->c->db, d->crow, d->mac, DUP_MAC_LEN, m)) == STATUS_OK &&
		    rows)
			(*rows)++;
	}
	if (ret == STATUS_OK && (ret = notsame_rekey(s, prow, &ns, m)) == STATUS_OK && rows)
		*rows += ns;
cleanup:
	free(l.v);
	return ret;
}
