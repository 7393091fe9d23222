/* reindex.c - re-making generation-1 search tokens (reindex.h). */
#include "core/reindex.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/audit.h"
#include "core/internal.h"
#include "core/pindex.h"
#include "core/porder.h"
#include "core/precord.h"
#include "db/db_integrity.h"
#include "db/db_patients.h"

#define META_KEY "reindex_after"
#define META_STARTED "reindex_started" /* its start is in the trail */

int reindex_pending(clinic_t *c)
{
	char buf[32];
	msg_t ignore;
	return db_meta_get(c->db, META_KEY, buf, sizeof buf, &ignore) == STATUS_OK;
}

/* (token, prow) pairs, written in the index's order at the batch's end. */
typedef struct pairs {
	int64_t *v; /* 2 * n */
	size_t n, cap;
} pairs_t;

typedef struct rx {
	session_t *s;
	int bytes;
	int nv, v[4];                 /* index key versions held, newest first */
	int64_t mark[4], legacy[4];   /* each one's marks: generation 2, 1 */
	pairs_t del, ins;
	db_patient_row_t *row;
	patient_t *p;
	reindex_progress_t *prog;
	msg_t *m;
} rx_t;

static status_t pairs_add(pairs_t *l, int64_t tok, int64_t prow, msg_t *m)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		int64_t *nv = realloc(l->v, cap * 2 * sizeof *nv);
		if (!nv)
			return msg_fail(m, STATUS_NOMEM, "Out of memory re-making the search index.");
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n * 2] = tok;
	l->v[l->n * 2 + 1] = prow;
	l->n++;
	return STATUS_OK;
}

static int pair_cmp(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

static int64_t mark_tok(const unsigned char mk[8])
{
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t = (t << 8) | mk[i];
	return (int64_t)t;
}

static int has(const ptokens_t *t, int64_t tok, int indexed_only)
{
	for (int i = 0; i < t->n; i++)
		if (t->tok[i] == tok && (!indexed_only || pindex_family_indexed((pfamily_t)t->fam[i])))
			return 1;
	return 0;
}

/* One patient: its generation-1 tokens out, generation 2's in; and its
 * report flags (core/precord.h) when it has none yet (rows from before
 * migration 011, which asks for this pass). */
static status_t remake(rx_t *r, int64_t prow)
{
	session_t *s = r->s;
	db_patient_row_t *row = r->row;
	ptokens_t *old = NULL, *neu = NULL;
	int version = -1; /* the version its generation-1 tokens are under; -1 unknown */
	int made = 0;     /* its tokens are generation 2's already */
	status_t ret, st;
	msg_t why;

	if ((ret = db_patient_get(s->c->db, prow, row, r->m)) != STATUS_OK)
		return ret == STATUS_NOTFOUND ? STATUS_OK : ret;
	r->prog->patients++;
	for (int i = 0; i < r->nv; i++) {
		if (row->match_len && pindex_match_has(row->match, row->match_len, r->mark[i]))
			made = 1; /* made by generation 2 already */
		if (version < 0 && row->match_len &&
		    pindex_match_has(row->match, row->match_len, r->legacy[i]))
			version = r->v[i];
	}
	if (made && row->quality >= 0)
		return STATUS_OK;
	st = precord_open(s->kr, row, r->p, 0, CLINIC_OPEN_FLAGS(s->c), &why);
	if (st != STATUS_OK) {
		/* On record and left as it is (read later, it is an integrity
		 * error); only other errors stop the run. */
		if (st != STATUS_INTEGRITY)
			return msg_fail(r->m, st, "%s", why.text);
		r->prog->failed++;
		return audit_append(s, "integrity_fail", row->id, "failed", why.text, r->m);
	}
	if (row->quality < 0 &&
	    (ret = db_patient_set_quality(s->c->db, prow, precord_quality(r->p), r->m)) != STATUS_OK)
		goto cleanup;
	if (made) {
		ret = STATUS_OK;
		goto cleanup;
	}
	old = malloc(sizeof *old);
	neu = malloc(sizeof *neu);
	if (!old || !neu) {
		ret = msg_fail(r->m, STATUS_NOMEM, "Out of memory re-making the search index.");
		goto cleanup;
	}
	if (version >= 0) {
		/* Under one version: what both generations share stays. */
		if ((ret = pindex_patient_gen(s->kr, version, r->bytes, PINDEX_GEN_LEGACY, r->p, old,
					      r->m)) != STATUS_OK ||
		    (ret = pindex_patient_gen(s->kr, version, r->bytes, PINDEX_GEN, r->p, neu, r->m)) !=
			    STATUS_OK)
			goto cleanup;
		for (int i = 0; i < old->n && ret == STATUS_OK; i++)
			if (!has(neu, old->tok[i], 1))
				ret = pairs_add(&r->del, old->tok[i], prow, r->m);
		for (int i = 0; i < neu->n && ret == STATUS_OK; i++)
			if (pindex_family_indexed((pfamily_t)neu->fam[i]) && !has(old, neu->tok[i], 0))
				ret = pairs_add(&r->ins, neu->tok[i], prow, r->m);
	} else {
		/* A row from before match sets: its tokens (all families) under
		 * whichever version made them all go; the newest version's come. */
		for (int i = 0; i < r->nv && ret == STATUS_OK; i++) {
			if ((ret = pindex_patient_gen(s->kr, r->v[i], r->bytes, PINDEX_GEN_LEGACY, r->p, old,
						      r->m)) != STATUS_OK)
				break;
			for (int k = 0; k < old->n && ret == STATUS_OK; k++)
				ret = pairs_add(&r->del, old->tok[k], prow, r->m);
		}
		version = r->v[0];
		if (ret == STATUS_OK)
			ret = pindex_patient_gen(s->kr, version, r->bytes, PINDEX_GEN, r->p, neu, r->m);
		for (int i = 0; i < neu->n && ret == STATUS_OK; i++)
			if (pindex_family_indexed((pfamily_t)neu->fam[i]))
				ret = pairs_add(&r->ins, neu->tok[i], prow, r->m);
	}
	if (ret != STATUS_OK)
		goto cleanup;
	row->match_len = pindex_match_set(neu, row->match, sizeof row->match);
	if ((ret = db_patient_set_match(s->c->db, prow, row->match, row->match_len, r->m)) ==
	    STATUS_OK)
		r->prog->changed++;
cleanup:
	if (old) {
		sodium_memzero(old, sizeof *old);
		free(old);
	}
	if (neu) {
		sodium_memzero(neu, sizeof *neu);
		free(neu);
	}
	sodium_memzero(r->p, sizeof *r->p);
	return ret;
}

/* The batch's deletions, then insertions, each in the index's order (the
 * B-tree walked once instead of at random). A pair both deleted and
 * inserted (a row from before match sets) ends inserted. */
static status_t write_pairs(rx_t *r)
{
	status_t ret = STATUS_OK;
	if (r->del.n)
		qsort(r->del.v, r->del.n, 2 * sizeof *r->del.v, pair_cmp);
	if (r->ins.n)
		qsort(r->ins.v, r->ins.n, 2 * sizeof *r->ins.v, pair_cmp);
	for (size_t i = 0; i < r->del.n && ret == STATUS_OK; i++)
		ret = db_token_delete(r->s->c->db, r->del.v[i * 2], r->del.v[i * 2 + 1], r->m);
	if (ret == STATUS_OK && r->ins.n)
		ret = db_token_insert_many(r->s->c->db, r->ins.v, r->ins.n, r->m);
	r->del.n = r->ins.n = 0;
	return ret;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One batch in its own transaction; *end when nothing was left. */
static status_t batch_one(rx_t *r, int size, int64_t *prows, int *end)
{
	db_t *db = r->s->c->db;
	char buf[32];
	int64_t after;
	int n = 0;
	msg_t ignore;
	status_t ret;
	*end = 0;
	if ((ret = db_begin(db, r->m)) != STATUS_OK)
		return ret;
	/* The progress as committed (another process may be at it too). */
	if (db_meta_get(db, META_KEY, buf, sizeof buf, &ignore) != STATUS_OK) {
		db_rollback(db);
		*end = 1;
		return STATUS_OK;
	}
	after = strtoll(buf, NULL, 10);
	ret = db_patients_after(db, after, prows, size, &n, r->m);
	for (int i = 0; i < n && ret == STATUS_OK; i++)
		ret = remake(r, prows[i]);
	if (ret == STATUS_OK)
		ret = write_pairs(r);
	if (ret == STATUS_OK && n) {
		snprintf(buf, sizeof buf, "%" PRId64, prows[n - 1]);
		r->prog->after = prows[n - 1];
		ret = db_meta_set(db, META_KEY, buf, r->m);
	}
	if (ret == STATUS_OK && !n) {
		ret = audit_append(r->s, "index_rebuild_done", "", "ok",
				   "every patient's search tokens re-made (schema 010)", r->m);
		if (ret == STATUS_OK)
			ret = db_meta_delete(db, META_KEY, r->m);
		if (ret == STATUS_OK)
			ret = db_meta_delete(db, META_STARTED, r->m);
		*end = 1;
	}
	if (ret == STATUS_OK)
		ret = db_commit(db, r->m);
	if (ret != STATUS_OK) {
		db_rollback(db);
		r->del.n = r->ins.n = 0;
		*end = 0;
	}
	return ret;
}

status_t reindex_run(session_t *s, int batch, int max_batches, double seconds,
		     reindex_progress_t *p, msg_t *m)
{
	status_t ret = STATUS_OK;
	db_t *db = s->c->db;
	rx_t r;
	int64_t *prows = NULL;
	int batches = 0, end = 0;
	char buf[32];
	msg_t ignore;
	double t0 = now_s();

	memset(p, 0, sizeof *p);
	memset(&r, 0, sizeof r);
	if (!reindex_pending(s->c)) {
		s->c->reindexing = 0;
		p->done = 1;
		return STATUS_OK;
	}
	r.nv = keyring_versions(s->kr, DOMAIN_INDEX, r.v, 4);
	if (!keyring_has(s->kr, DOMAIN_DEMO) || r.nv == 0)
		return STATUS_OK;
	if (batch < 1)
		batch = REINDEX_BATCH;
	r.s = s;
	r.m = m;
	r.prog = p;
	r.bytes = s->c->cfg->blind_index_bytes;
	for (int i = 0; i < r.nv && ret == STATUS_OK; i++) {
		unsigned char mk[8];
		if ((ret = pindex_mark_gen(s->kr, r.v[i], r.bytes, PINDEX_GEN, mk, m)) == STATUS_OK)
			r.mark[i] = mark_tok(mk);
		if (ret == STATUS_OK &&
		    (ret = pindex_mark_gen(s->kr, r.v[i], r.bytes, PINDEX_GEN_LEGACY, mk, m)) ==
			    STATUS_OK)
			r.legacy[i] = mark_tok(mk);
	}
	if (ret != STATUS_OK)
		return ret;
	r.row = malloc(sizeof *r.row);
	r.p = malloc(sizeof *r.p);
	prows = malloc((size_t)batch * sizeof *prows);
	if (!r.row || !r.p || !prows) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory re-making the search index.");
		goto cleanup;
	}
	/* The start is on record before anything is rewritten. */
	if ((ret = db_begin(db, m)) != STATUS_OK)
		goto cleanup;
	if (db_meta_get(db, META_STARTED, buf, sizeof buf, &ignore) != STATUS_OK) {
		ret = audit_append(s, "index_rebuild_start", "", "ok",
				   "re-making every patient's search tokens (schema 010)", m);
		if (ret == STATUS_OK)
			ret = db_meta_set(db, META_STARTED, "1", m);
	}
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK) {
		db_rollback(db);
		goto cleanup;
	}
	while (!end && ret == STATUS_OK) {
		if ((max_batches && batches == max_batches) || (seconds > 0 && now_s() - t0 >= seconds))
			break;
		ret = batch_one(&r, batch, prows, &end);
		batches++;
	}
	if (ret == STATUS_OK && end) {
		s->c->reindexing = 0;
		p->done = 1;
	}
cleanup:
	free(r.del.v);
	free(r.ins.v);
	if (r.row) {
		sodium_memzero(r.row, sizeof *r.row);
		free(r.row);
	}
	if (r.p) {
		sodium_memzero(r.p, sizeof *r.p);
		free(r.p);
	}
	free(prows);
	return ret;
}

status_t reindex_all(session_t *s, int batch, int max_batches, reindex_progress_t *p, msg_t *m)
{
	status_t ret;
	memset(p, 0, sizeof *p);
	if ((ret = session_require(s, ACT_KEY_MANAGE, m)) != STATUS_OK)
		return ret;
	if ((ret = reindex_run(s, batch, max_batches, 0, p, m)) != STATUS_OK)
		return ret;
	/* Then the name order of a database from before migration 011
	 * (core/porder.h): every patient ranked, the token rows rewritten. */
	if (p->done && porder_pending(s) && keyring_has(s->kr, DOMAIN_DEMO)) {
		int64_t ranked = 0;
		if ((ret = porder_rank_all(s, &ranked, m)) != STATUS_OK)
			return ret;
		p->ranked = ranked;
	}
	if (!p->done && !max_batches)
		return msg_fail(m, STATUS_DENIED,
				"Re-making the search index needs the demo and index keys, which "
				"this account does not hold.");
	return STATUS_OK;
}
