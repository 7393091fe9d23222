/* porder.c - the name order of patients: order keys, ranks for one
 * patient (binary search, window renumbering) and for a bulk load (sort
 * and merge), and ranking a database from before migration 011. */
#include "core/porder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/audit.h"
#include "core/internal.h"
#include "core/pindex.h"
#include "core/precord.h"
#include "db/db.h"
#include "db/db_integrity.h"
#include "db/db_patients.h"

/* Past the last ranked patient (or before the first) a new one is placed
 * this far away, not half-way to the end of the range: names registered
 * in alphabetical order then take 2^30 places before a renumbering. */
#define EDGE_STEP (INT64_C(1) << 32)
/* Neighbours on each side a renumbering starts with (doubled while the
 * window's range is too tight to spread them). */
#define WINDOW 16
#define META_PENDING "rank_pending"

void porder_key(const patient_t *p, char *out, size_t size)
{
	char last[PATIENT_FIELD_MAX], first[PATIENT_FIELD_MAX], mid[PATIENT_FIELD_MAX];
	pindex_fold(p->f[PF_LAST], last, sizeof last);
	pindex_fold(p->f[PF_FIRST], first, sizeof first);
	pindex_fold(p->f[PF_MIDDLE], mid, sizeof mid);
	{
		/* As snprintf "%s %s %s\1%s\1%s" would, without its cost (a bulk
		 * load makes one a patient). */
		const char *part[5] = {last, first, mid, p->f[PF_DOB], p->f[PF_MRN]};
		static const char sep[5] = {' ', ' ', '\x01', '\x01', '\0'};
		size_t o = 0;
		for (int i = 0; i < 5 && size; i++) {
			size_t n = strlen(part[i]);
			if (o + n + 1 > size)
				n = size - o - 1;
			memcpy(out + o, part[i], n);
			o += n;
			if (i < 4 && o + 1 < size)
				out[o++] = sep[i];
		}
		if (size)
			out[o < size ? o : size - 1] = '\0';
	}
	sodium_memzero(last, sizeof last);
	sodium_memzero(first, sizeof first);
	sodium_memzero(mid, sizeof mid);
}

/* The order key of registered patient prow (its ident decrypted). */
static status_t key_of(session_t *s, int64_t prow, db_patient_row_t *row, patient_t *p, char *key,
		       msg_t *m)
{
	status_t ret;
	msg_t why;
	if ((ret = db_patient_get_ident(s->c->db, prow, row, m)) != STATUS_OK)
		return ret;
	if ((ret = precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), &why)) != STATUS_OK)
		return msg_fail(m, ret, "%s", why.text);
	porder_key(p, key, PORDER_KEY_MAX);
	sodium_memzero(p, sizeof *p);
	return STATUS_OK;
}

/* Give registered patient prow rank `to` (from `from`): its token rows
 * (every token it holds under every index key version held: the same set
 * its edit deletes) and its patients row. */
static status_t rerank(session_t *s, int64_t prow, int64_t from, int64_t to, db_patient_row_t *row,
		       patient_t *p, msg_t *m)
{
	status_t ret;
	msg_t why;
	ptokens_t *t = NULL;
	int v[4], nv = keyring_versions(s->kr, DOMAIN_INDEX, v, 4);
	if (from == to)
		return STATUS_OK;
	if ((ret = db_patient_get(s->c->db, prow, row, m)) != STATUS_OK)
		return ret;
	if ((ret = precord_open(s->kr, row, p, 0, CLINIC_OPEN_FLAGS(s->c), &why)) != STATUS_OK) {
		ret = msg_fail(m, ret, "%s", why.text);
		goto cleanup;
	}
	if (!(t = malloc(sizeof *t))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
		goto cleanup;
	}
	for (int i = 0; i < nv && ret == STATUS_OK; i++) {
		if ((ret = pindex_patient_stored(s->kr, v[i], s->c->cfg->blind_index_bytes, row->match,
						 row->match_len, p, t, m)) != STATUS_OK)
			break;
		for (int k = 0; k < t->n && ret == STATUS_OK; k++)
			ret = db_token_rerank(s->c->db, t->tok[k], prow, from, to, m);
	}
	if (ret == STATUS_OK)
		ret = db_patient_set_rank(s->c->db, prow, to, m);
cleanup:
	if (t) {
		sodium_memzero(t, sizeof *t);
		free(t);
	}
	sodium_memzero(p, sizeof *p);
	return ret;
}

/* Spread the ranked patients around the gap (lo, hi) and one new place
 * between lo's and hi's patients evenly over a wider range; *rank gets
 * the new place. */
static status_t renumber(session_t *s, int64_t lo, int64_t hi, int64_t self_prow, int64_t *rank,
			 db_patient_row_t *row, patient_t *p, msg_t *m)
{
	status_t ret = STATUS_OK;
	int64_t *bp = NULL, *br = NULL, *ap = NULL, *ar = NULL;
	for (int w = WINDOW;; w *= 2) {
		int nb = 0, na = 0, count;
		int64_t a, b, step;
		free(bp);
		free(br);
		free(ap);
		free(ar);
		bp = malloc((size_t)(w + 1) * sizeof *bp);
		br = malloc((size_t)(w + 1) * sizeof *br);
		ap = malloc((size_t)(w + 1) * sizeof *ap);
		ar = malloc((size_t)(w + 1) * sizeof *ar);
		if (!bp || !br || !ap || !ar) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
			break;
		}
		/* lo's patient and w-1 before it; hi's and w-1 after; one more
		 * on each side is the window's bound (none: the range's end). */
		if ((ret = db_rank_near(s->c->db, lo, 0, self_prow, w + 1, bp, br, &nb, m)) != STATUS_OK ||
		    (ret = db_rank_near(s->c->db, hi, 1, self_prow, w + 1, ap, ar, &na, m)) != STATUS_OK)
			break;
		a = nb == w + 1 ? br[--nb] : 0;
		b = na == w + 1 ? ar[--na] : PORDER_TOP;
		count = nb + na + 1;
		step = (b - a) / (count + 1);
		if (step < 2 && (nb == w || na == w))
			continue; /* too tight: a wider window */
		if (step < 1) {
			ret = msg_fail(m, STATUS_ERR, "The name order is full here; run `chartroom "
						     "keys reindex` to renumber it.");
			break;
		}
		/* Before: nb of them, descending from lo; they take the first
		 * places, the new one the next, those after the rest. Moved
		 * upwards first from the top, downwards from the bottom, so no
		 * two ever share a rank on the way. */
		for (int i = 0; i < nb && ret == STATUS_OK; i++) {
			int64_t to = a + (int64_t)(nb - i) * step;
			ret = rerank(s, bp[i], br[i], to, row, p, m);
		}
		*rank = a + (int64_t)(nb + 1) * step;
		for (int i = 0; i < na && ret == STATUS_OK; i++) {
			int64_t to = a + (int64_t)(nb + 2 + i) * step;
			ret = rerank(s, ap[i], ar[i], to, row, p, m);
		}
		break;
	}
	free(bp);
	free(br);
	free(ap);
	free(ar);
	return ret;
}

status_t porder_place(session_t *s, const char *key, int64_t self_prow, int64_t *rank, msg_t *m)
{
	status_t ret = STATUS_OK;
	int64_t lo = 0, hi = PORDER_TOP;
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	char *k = malloc(PORDER_KEY_MAX);
	*rank = 0;
	if (!row || !p || !k) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
		goto cleanup;
	}
	/* Narrow (lo, hi) to two neighbours in rank: probe a ranked patient
	 * near the middle of the range, compare, keep the side key is on. */
	while (hi - lo >= 2) { /* else no rank lies between */
		int64_t mid = lo + (hi - lo) / 2, pr = 0, rk = 0;
		int n = 0;
		if ((ret = db_rank_near(s->c->db, mid, 1, self_prow, 1, &pr, &rk, &n, m)) != STATUS_OK)
			goto cleanup;
		if (!n || rk >= hi) {
			if ((ret = db_rank_near(s->c->db, mid, 0, self_prow, 1, &pr, &rk, &n, m)) !=
			    STATUS_OK)
				goto cleanup;
			if (!n || rk <= lo)
				break; /* nobody between lo and hi */
		}
		if ((ret = key_of(s, pr, row, p, k, m)) != STATUS_OK) {
			/* A neighbour this session cannot open (sealed under a key
			 * version it does not hold yet, mid-rotation, or damaged):
			 * no place now. The patient is saved unranked and placed by
			 * the next sign-on that can (porder_fix); until then its
			 * searches list it, sorted, on the first page. */
			if (ret != STATUS_NOMEM) {
				*rank = 0;
				ret = STATUS_OK;
			}
			goto cleanup;
		}
		if (strcmp(k, key) < 0)
			lo = rk;
		else
			hi = rk;
	}
	if (hi - lo >= 2) {
		int64_t gap = (hi - lo) / 2;
		if (hi == PORDER_TOP && lo > 0 && gap > EDGE_STEP)
			*rank = lo + EDGE_STEP;
		else if (lo == 0 && hi < PORDER_TOP && gap > EDGE_STEP)
			*rank = hi - EDGE_STEP;
		else
			*rank = lo + gap;
	} else
		ret = renumber(s, lo, hi, self_prow, rank, row, p, m);
cleanup:
	if (k) {
		sodium_memzero(k, PORDER_KEY_MAX);
		free(k);
	}
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	return ret;
}

/* ---- bulk loads ------------------------------------------------------- */

/* Keys live in one growing arena; entries point into it by offset. */
typedef struct arena {
	char *buf;
	size_t n, cap;
} arena_t;

typedef struct entry {
	int64_t rank;
	size_t key; /* offset in the arena */
} entry_t;

typedef struct newrow {
	int64_t prow, rank;
	size_t key;
} newrow_t;

struct porder_run {
	arena_t ar;
	entry_t *known; /* every ranked patient, in rank (and key) order */
	size_t nknown, capknown;
	int loaded;     /* known is read (or found not worth reading) */
	int direct;     /* place each row on its own (few rows, many patients) */
	newrow_t *rows; /* this batch, in prow order */
	size_t nrows, caprows;
	int unsorted; /* rows not added in prow order */
	int64_t dv;   /* the database's data_version when known was last right */
};

porder_run_t *porder_run_new(void)
{
	return calloc(1, sizeof(porder_run_t));
}

static void known_drop(porder_run_t *r)
{
	free(r->known);
	r->known = NULL;
	r->nknown = r->capknown = 0;
	r->loaded = 0;
	if (r->ar.buf)
		sodium_memzero(r->ar.buf, r->ar.n);
	r->ar.n = 0;
}

void porder_run_free(porder_run_t *r)
{
	if (!r)
		return;
	known_drop(r);
	free(r->ar.buf);
	if (r->rows)
		sodium_memzero(r->rows, r->caprows * sizeof *r->rows);
	free(r->rows);
	free(r);
}

static int arena_put(arena_t *a, const char *key, size_t *off)
{
	size_t n = strlen(key) + 1;
	if (a->n + n > a->cap) {
		size_t cap = a->cap ? a->cap : 1 << 16;
		char *nb;
		while (a->n + n > cap)
			cap *= 2;
		if (!(nb = malloc(cap)))
			return -1;
		if (a->buf) {
			memcpy(nb, a->buf, a->n);
			sodium_memzero(a->buf, a->n);
			free(a->buf);
		}
		a->buf = nb;
		a->cap = cap;
	}
	memcpy(a->buf + a->n, key, n);
	*off = a->n;
	a->n += n;
	return 0;
}

status_t porder_run_add(porder_run_t *r, int64_t prow, const char *key, msg_t *m)
{
	newrow_t *x;
	if (!r)
		return msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
	if (r->nrows == r->caprows) {
		size_t cap = r->caprows ? r->caprows * 2 : 1024;
		newrow_t *nr = realloc(r->rows, cap * sizeof *nr);
		if (!nr)
			return msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
		r->rows = nr;
		r->caprows = cap;
	}
	x = &r->rows[r->nrows];
	if (r->nrows && prow <= r->rows[r->nrows - 1].prow)
		r->unsorted = 1;
	x->prow = prow;
	x->rank = 0;
	if (arena_put(&r->ar, key, &x->key) != 0)
		return msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
	r->nrows++;
	return STATUS_OK;
}

typedef struct loader {
	session_t *s;
	porder_run_t *r;
	patient_t *p;
	int64_t rank;
	status_t ret;
	msg_t *m;
} loader_t;

static int load_one(const db_patient_row_t *row, void *arg)
{
	loader_t *l = arg;
	porder_run_t *r = l->r;
	char key[PORDER_KEY_MAX];
	msg_t why;
	if ((l->ret = precord_open(l->s->kr, row, l->p, 1, CLINIC_OPEN_FLAGS(l->s->c), &why)) !=
	    STATUS_OK) {
		l->ret = msg_fail(l->m, l->ret, "%s", why.text);
		return 1;
	}
	porder_key(l->p, key, sizeof key);
	sodium_memzero(l->p, sizeof *l->p);
	if (r->nknown == r->capknown) {
		size_t cap = r->capknown ? r->capknown * 2 : 4096;
		entry_t *nk = realloc(r->known, cap * sizeof *nk);
		if (!nk) {
			l->ret = msg_fail(l->m, STATUS_NOMEM, "Out of memory ordering names.");
			return 1;
		}
		r->known = nk;
		r->capknown = cap;
	}
	r->known[r->nknown].rank = l->rank;
	if (arena_put(&r->ar, key, &r->known[r->nknown].key) != 0) {
		sodium_memzero(key, sizeof key);
		l->ret = msg_fail(l->m, STATUS_NOMEM, "Out of memory ordering names.");
		return 1;
	}
	sodium_memzero(key, sizeof key);
	r->nknown++;
	return 0;
}

/* Read every ranked patient's key, in rank order. The batch's own keys
 * are in the arena already: they are copied after the known ones. */
static status_t load_known(session_t *s, porder_run_t *r, msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	arena_t batch = r->ar;
	loader_t l = {s, r, p, 0, STATUS_OK, m};
	status_t ret;
	memset(&r->ar, 0, sizeof r->ar);
	if (!row || !p) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
		goto cleanup;
	}
	ret = db_patient_each_ranked(s->c->db, row, &l.rank, load_one, &l, m);
	if (ret == STATUS_OK)
		ret = l.ret;
	/* The batch's keys after them. */
	for (size_t i = 0; i < r->nrows && ret == STATUS_OK; i++)
		if (arena_put(&r->ar, batch.buf + r->rows[i].key, &r->rows[i].key) != 0)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
	r->loaded = 1;
cleanup:
	if (batch.buf) {
		sodium_memzero(batch.buf, batch.n);
		free(batch.buf);
	}
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

static const char *sort_arena; /* for qsort: single-threaded, set around the call */

static int row_key_cmp(const void *a, const void *b)
{
	const newrow_t *x = *(newrow_t *const *)a, *y = *(newrow_t *const *)b;
	return strcmp(sort_arena + x->key, sort_arena + y->key);
}

static int row_prow_cmp(const void *a, const void *b)
{
	const newrow_t *x = a, *y = b;
	return x->prow < y->prow ? -1 : x->prow > y->prow;
}

/* Each row on its own, through the database (porder_place): the rows are
 * stored, unranked. A later row's place may renumber a window holding an
 * earlier one, so every rank is read back once all are placed. */
status_t porder_run_place(session_t *s, porder_run_t *r, msg_t *m)
{
	status_t ret = STATUS_OK;
	if (!r)
		return msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
	for (size_t i = 0; i < r->nrows && ret == STATUS_OK; i++) {
		if ((ret = porder_place(s, r->ar.buf + r->rows[i].key, r->rows[i].prow,
					&r->rows[i].rank, m)) == STATUS_OK)
			ret = db_patient_set_rank(s->c->db, r->rows[i].prow, r->rows[i].rank, m);
	}
	for (size_t i = 0; i < r->nrows && ret == STATUS_OK; i++)
		ret = db_patient_rank(s->c->db, r->rows[i].prow, &r->rows[i].rank, m);
	if (r->direct)
		return ret;
	/* Placed after a gap was too small: the known order is read again by
	 * the next batch. */
	known_drop(r);
	return ret;
}

status_t porder_run_rank(session_t *s, porder_run_t *r, int *known, msg_t *m)
{
	status_t ret = STATUS_OK;
	newrow_t **order = NULL;
	entry_t *merged = NULL;
	size_t nm = 0, j = 0;
	int fits = 1;
	*known = 0;
	if (!r)
		return msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
	if (!r->nrows) {
		*known = 1;
		return STATUS_OK;
	}
	if (r->unsorted) {
		qsort(r->rows, r->nrows, sizeof *r->rows, row_prow_cmp);
		r->unsorted = 0;
	}
	if (r->loaded && !r->direct) {
		/* Another connection committed since the last batch (a
		 * registration between two batches, a renumbering): the order
		 * kept in memory may be out of date. The rest of the load places
		 * each row through the database, which is always right. */
		int64_t dv = 0;
		if ((ret = db_data_version(s->c->db, &dv, m)) != STATUS_OK)
			return ret;
		if (dv != r->dv) {
			free(r->known);
			r->known = NULL;
			r->nknown = r->capknown = 0;
			r->direct = 1;
		}
	}
	if (!r->loaded && !r->direct) {
		/* Reading every ranked patient once pays when the load is not
		 * tiny against them; a few rows are placed one by one. */
		int64_t count = 0;
		if ((ret = db_patient_count(s->c->db, &count, m)) != STATUS_OK)
			return ret;
		if ((int64_t)r->nrows * 64 < count - (int64_t)r->nrows)
			r->direct = 1;
		else if ((ret = load_known(s, r, m)) != STATUS_OK ||
			 (ret = db_data_version(s->c->db, &r->dv, m)) != STATUS_OK)
			return ret;
	}
	if (r->direct)
		return STATUS_OK; /* porder_run_place, once stored */
	if (!(order = malloc(r->nrows * sizeof *order)) ||
	    !(merged = malloc((r->nknown + r->nrows) * sizeof *merged))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
		goto cleanup;
	}
	for (size_t i = 0; i < r->nrows; i++)
		order[i] = &r->rows[i];
	sort_arena = r->ar.buf;
	qsort(order, r->nrows, sizeof *order, row_key_cmp);
	sort_arena = NULL;
	/* Merge: each run of new rows between two known neighbours is spread
	 * evenly over their gap. */
	for (size_t i = 0; i < r->nrows && fits;) {
		size_t run = 0;
		int64_t lo, hi, step;
		while (j < r->nknown &&
		       strcmp(r->ar.buf + r->known[j].key, r->ar.buf + order[i]->key) < 0)
			merged[nm++] = r->known[j++];
		while (i + run < r->nrows &&
		       (j == r->nknown || strcmp(r->ar.buf + order[i + run]->key,
						 r->ar.buf + r->known[j].key) < 0))
			run++;
		lo = j ? r->known[j - 1].rank : 0;
		hi = j < r->nknown ? r->known[j].rank : PORDER_TOP;
		step = (hi - lo) / (int64_t)(run + 1);
		if (step < 1) {
			fits = 0;
			break;
		}
		/* Before the first known patient or after the last (not both):
		 * close to it, leaving room beyond. */
		if (lo == 0 && hi < PORDER_TOP && step > EDGE_STEP) {
			step = EDGE_STEP;
			lo = hi - (int64_t)(run + 1) * step;
		} else if (lo > 0 && hi == PORDER_TOP && step > EDGE_STEP)
			step = EDGE_STEP;
		for (size_t k = 0; k < run; k++) {
			newrow_t *x = order[i + k];
			x->rank = lo + (int64_t)(k + 1) * step;
			merged[nm].rank = x->rank;
			merged[nm++].key = x->key;
		}
		i += run;
	}
	if (!fits) {
		/* A gap too small for its run (rare): each row through the
		 * database (porder_run_place), which renumbers windows. */
		for (size_t i = 0; i < r->nrows; i++)
			r->rows[i].rank = 0;
		goto cleanup;
	}
	while (j < r->nknown)
		merged[nm++] = r->known[j++];
	free(r->known);
	r->known = merged;
	r->nknown = r->capknown = nm;
	merged = NULL;
	*known = 1;
cleanup:
	free(order);
	free(merged);
	return ret;
}

int64_t porder_run_rank_of(const porder_run_t *r, int64_t prow)
{
	size_t lo = 0, hi = r ? r->nrows : 0;
	if (!r || !r->nrows)
		return 0;
	/* A batch's rows are mostly consecutive rows: try there first. */
	if (prow >= r->rows[0].prow && (uint64_t)(prow - r->rows[0].prow) < r->nrows &&
	    r->rows[prow - r->rows[0].prow].prow == prow)
		return r->rows[prow - r->rows[0].prow].rank;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->rows[mid].prow < prow)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nrows && r->rows[lo].prow == prow ? r->rows[lo].rank : 0;
}

void porder_run_next(porder_run_t *r)
{
	/* The rows' keys stay in the arena, referenced by the known order. */
	if (!r)
		return;
	r->nrows = 0;
	if (r->direct) {
		/* Placed through the database: nothing kept in memory. */
		sodium_memzero(r->ar.buf, r->ar.n);
		r->ar.n = 0;
	}
}

/* ---- databases from before migration 011 ------------------------------ */

int porder_pending(session_t *s)
{
	char buf[8];
	msg_t ignore;
	if (!s->c->rank_pending)
		return 0;
	if (db_meta_get(s->c->db, META_PENDING, buf, sizeof buf, &ignore) != STATUS_OK)
		s->c->rank_pending = 0;
	return s->c->rank_pending;
}

typedef struct all {
	int64_t prow;
	size_t key;
} all_t;

static int all_cmp(const void *a, const void *b)
{
	const all_t *x = a, *y = b;
	return strcmp(sort_arena + x->key, sort_arena + y->key);
}

status_t porder_rank_all(session_t *s, int64_t *ranked, msg_t *m)
{
	enum { CHUNK = 1000 };
	db_t *db = s->c->db;
	status_t ret;
	arena_t ar = {0};
	all_t *all = NULL;
	size_t n = 0, cap = 0;
	int64_t after = 0, prows[CHUNK], step;
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	char *key = malloc(PORDER_KEY_MAX);
	int k = 0;
	*ranked = 0;
	if (!row || !p || !key) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
		goto out;
	}
	if ((ret = db_begin(db, m)) != STATUS_OK)
		goto out;
	do {
		if ((ret = db_patients_after(db, after, prows, CHUNK, &k, m)) != STATUS_OK)
			goto cleanup;
		for (int i = 0; i < k; i++) {
			if ((ret = key_of(s, prows[i], row, p, key, m)) != STATUS_OK)
				goto cleanup;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 4096;
				all_t *na = realloc(all, nc * sizeof *na);
				if (!na) {
					ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
					goto cleanup;
				}
				all = na;
				cap = nc;
			}
			all[n].prow = prows[i];
			if (arena_put(&ar, key, &all[n].key) != 0) {
				ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
				goto cleanup;
			}
			n++;
		}
		if (k)
			after = prows[k - 1];
	} while (k == CHUNK);
	sort_arena = ar.buf;
	if (n > 1)
		qsort(all, n, sizeof *all, all_cmp);
	sort_arena = NULL;
	step = PORDER_TOP / (int64_t)(n + 1);
	for (size_t i = 0; i < n && ret == STATUS_OK; i++)
		ret = db_patient_set_rank(db, all[i].prow, (int64_t)(i + 1) * step, m);
	if (ret == STATUS_OK)
		ret = db_token_ranks_refresh(db, m);
	if (ret == STATUS_OK) {
		char detail[64];
		snprintf(detail, sizeof detail, "%zu patients put in name order (schema 011)", n);
		ret = audit_append(s, "index_order_done", "", "ok", detail, m);
	}
	if (ret == STATUS_OK)
		ret = db_meta_delete(db, META_PENDING, m);
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
cleanup:
	if (ret != STATUS_OK)
		db_rollback(db);
	else {
		s->c->rank_pending = 0;
		*ranked = (int64_t)n;
	}
out:
	if (ar.buf) {
		sodium_memzero(ar.buf, ar.n);
		free(ar.buf);
	}
	free(all);
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	if (key) {
		sodium_memzero(key, PORDER_KEY_MAX);
		free(key);
	}
	return ret;
}

status_t porder_fix(session_t *s, int max, int *fixed, msg_t *m)
{
	enum { FEW = 64 };
	int64_t prows[FEW], ranks[FEW];
	int n = 0;
	status_t ret;
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	char *key = malloc(PORDER_KEY_MAX);
	*fixed = 0;
	if (!row || !p || !key) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory ordering names.");
		goto out;
	}
	if (max > FEW)
		max = FEW;
	/* Mostly there are none: looked for before any write lock. */
	if ((ret = db_rank_unplaced(s->c->db, prows, max, &n, m)) != STATUS_OK || !n)
		goto out;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto out;
	if ((ret = db_rank_unplaced(s->c->db, prows, max, &n, m)) != STATUS_OK)
		goto cleanup;
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		int64_t rank = 0;
		if ((ret = key_of(s, prows[i], row, p, key, m)) != STATUS_OK)
			break;
		if ((ret = porder_place(s, key, prows[i], &rank, m)) != STATUS_OK || !rank)
			break;
		ranks[i] = rank;
		if ((ret = rerank(s, prows[i], 0, rank, row, p, m)) == STATUS_OK)
			(*fixed)++;
	}
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
cleanup:
	if (ret != STATUS_OK) {
		db_rollback(s->c->db);
		*fixed = 0;
	}
out:
	(void)ranks;
	if (key) {
		sodium_memzero(key, PORDER_KEY_MAX);
		free(key);
	}
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	return ret;
}
