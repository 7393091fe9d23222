/* pmatch.c - the duplicate check's scoring: against registered patients
 * (their index tokens and match sets) and within an import file. */
#include "core/pmatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/internal.h"
#include "core/notsame.h"
#include "core/precord.h"
#include "db/db_patients.h"

/* Features scored against a candidate: one token family each, with its
 * weight from [matching]. A candidate holds the feature when it has the
 * same token as the new record. */
typedef struct feature {
	pfamily_t fam;
	const char *label;
} feature_t;

static const feature_t features[] = {
	{PFAM_SDX_LAST, "last name sound"}, {PFAM_LAST, "last name"},
	{PFAM_SDX_FIRST, "first name sound"}, {PFAM_FIRST, "first name"},
	{PFAM_DOB, "DOB"},         {PFAM_DOB_YM, "DOB year+month"},
	{PFAM_DOB_YD, "DOB year+day"}, {PFAM_DOB_MD, "DOB month+day"},
	{PFAM_SEX, "sex"},         {PFAM_PHONE, "phone"},
	{PFAM_SSN4, "SSN last 4"}, {PFAM_ZIP, "ZIP"},
};
#define NFEATURES (sizeof features / sizeof features[0])
#define F_DOB 4 /* features[4] */

static int feature_weight(const config_t *cfg, pfamily_t fam)
{
	switch (fam) {
	case PFAM_SDX_LAST: return cfg->match_w_last_sound;
	case PFAM_LAST: return cfg->match_w_last;
	case PFAM_SDX_FIRST: return cfg->match_w_first_sound;
	case PFAM_FIRST: return cfg->match_w_first;
	case PFAM_DOB: return cfg->match_w_dob;
	case PFAM_DOB_YM:
	case PFAM_DOB_YD:
	case PFAM_DOB_MD: return cfg->match_w_dob_part;
	case PFAM_SEX: return cfg->match_w_sex;
	case PFAM_PHONE: return cfg->match_w_phone;
	case PFAM_SSN4: return cfg->match_w_ssn4;
	case PFAM_ZIP: return cfg->match_w_zip;
	default: return 0;
	}
}

/* The feature a family is scored as, or -1. */
static int feature_of(int fam)
{
	for (size_t f = 0; f < NFEATURES; f++)
		if ((int)features[f].fam == fam)
			return (int)f;
	return -1;
}

static int is_dob_part(pfamily_t fam)
{
	return fam == PFAM_DOB_YM || fam == PFAM_DOB_YD || fam == PFAM_DOB_MD;
}

/* Families whose tokens propose candidates (a bounded number each). */
static int proposes(int fam)
{
	return fam == PFAM_DOB || fam == PFAM_SDX_PAIR || fam == PFAM_PHONE || fam == PFAM_SSN4;
}
#define CANDIDATES_PER_TOKEN 400

/* The score of a candidate sharing the features in `matched` (bit i:
 * features[i]). A date of birth counts once: whole, or two of three parts
 * (a typo in one part), never both. Family-level features (last name,
 * phone, ZIP, sex) are shared by a whole household: a candidate needs at
 * least one feature of the person (first name, date of birth, SSN) to be
 * a likely duplicate, so a parent registering a child is not warned about
 * the parent. */
static int score_of(const config_t *cfg, unsigned matched)
{
	int score = 0, dob_parts = 0;
	unsigned person = 0;
	for (size_t f = 0; f < NFEATURES; f++) {
		pfamily_t fam = features[f].fam;
		if (fam == PFAM_SDX_FIRST || fam == PFAM_FIRST || fam == PFAM_DOB ||
		    is_dob_part(fam) || fam == PFAM_SSN4)
			person |= 1u << f;
		if (!(matched & (1u << f)) || fam == PFAM_DOB)
			continue;
		if (is_dob_part(fam))
			dob_parts++;
		else
			score += feature_weight(cfg, fam);
	}
	if (matched & (1u << F_DOB))
		score += feature_weight(cfg, PFAM_DOB);
	else if (dob_parts >= 1)
		score += feature_weight(cfg, PFAM_DOB_YM);
	return matched & person ? score : 0;
}

/* For an import, where no one at the desk looks the pair over before the
 * row is held back, a name is not enough: two different people with the
 * same full name and sex reach the threshold. The candidate must also
 * share the date of birth (whole, or two of its three parts: one of the
 * year+month, year+day, month+day tokens) or the SSN's last four. */
static int import_score_of(const config_t *cfg, unsigned matched)
{
	unsigned need = 0;
	for (size_t f = 0; f < NFEATURES; f++)
		if (features[f].fam == PFAM_DOB || is_dob_part(features[f].fam) ||
		    features[f].fam == PFAM_SSN4)
			need |= 1u << f;
	return matched & need ? score_of(cfg, matched) : 0;
}

static int rule_score(const config_t *cfg, unsigned matched, int import_rule)
{
	return import_rule ? import_score_of(cfg, matched) : score_of(cfg, matched);
}

/* What matched, in words ("last name sound, DOB, phone"). */
static void why_of(unsigned matched, char *out, size_t size)
{
	size_t w = 0;
	if (!size)
		return;
	out[0] = '\0';
	for (size_t f = 0; f < NFEATURES; f++)
		if ((matched & (1u << f)) &&
		    !(is_dob_part(features[f].fam) && (matched & (1u << F_DOB)))) {
			int k = snprintf(out + w, size - w, "%s%s", w ? ", " : "", features[f].label);
			if (k > 0 && (size_t)k < size - w)
				w += (size_t)k;
		}
}

static int tok_cmp(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

void pmatch_rec_make(const ptokens_t *t, pmatch_rec_t *r)
{
	r->n = 0;
	for (int i = 0; i < t->n && r->n < PMATCH_REC_MAX; i++) {
		int k;
		if (feature_of(t->fam[i]) < 0 && !proposes(t->fam[i]))
			continue;
		/* Insertion in token order (a couple of dozen at most). */
		for (k = r->n; k > 0 && tok_cmp(r->tok[k - 1], t->tok[i]) > 0; k--) {
			r->tok[k] = r->tok[k - 1];
			r->fam[k] = r->fam[k - 1];
		}
		r->tok[k] = t->tok[i];
		r->fam[k] = t->fam[i];
		r->n++;
	}
}

/* ---- against registered patients -------------------------------------- */

typedef struct cand {
	int64_t prow;
	int score;
	unsigned matched; /* bit i: features[i] */
} cand_t;

static int cand_cmp(const void *a, const void *b)
{
	const cand_t *x = a, *y = b;
	if (x->score != y->score)
		return y->score - x->score;
	return x->prow < y->prow ? -1 : x->prow > y->prow;
}

static int prow_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- the cache of an import's reads ------------------------------------ */

#define CACHE_TOKENS (1u << 18)   /* token slots (a power of two) */
#define CACHE_POOL (8u << 20)     /* prows kept for them, at most */
#define CACHE_SETS (1u << 16)     /* match sets, direct-mapped by prow */

typedef struct ctoken {
	int64_t token;
	uint32_t off; /* in pool */
	uint32_t n;   /* UINT32_MAX: free slot */
} ctoken_t;

typedef struct cset {
	int64_t prow; /* 0: empty (prows start at 1) */
	uint16_t len;
	unsigned char set[DB_PATIENT_MATCH_MAX];
} cset_t;

struct pmatch_cache {
	ctoken_t *tok;
	size_t ntok;
	int64_t *pool;
	size_t npool, cappool;
	cset_t *sets;
};

pmatch_cache_t *pmatch_cache_new(void)
{
	pmatch_cache_t *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->tok = malloc(CACHE_TOKENS * sizeof *c->tok);
	c->sets = calloc(CACHE_SETS, sizeof *c->sets);
	if (!c->tok || !c->sets) {
		pmatch_cache_free(c);
		return NULL;
	}
	for (size_t i = 0; i < CACHE_TOKENS; i++)
		c->tok[i].n = UINT32_MAX;
	return c;
}

void pmatch_cache_free(pmatch_cache_t *c)
{
	if (!c)
		return;
	if (c->sets)
		sodium_memzero(c->sets, CACHE_SETS * sizeof *c->sets);
	free(c->sets);
	free(c->tok);
	free(c->pool);
	free(c);
}

/* The slot of token (its own, or the free one where it would go). */
static ctoken_t *ctoken_slot(pmatch_cache_t *c, int64_t token)
{
	size_t i = (size_t)(((uint64_t)token * 0x9E3779B97F4A7C15ull) >> 20) & (CACHE_TOKENS - 1);
	while (c->tok[i].n != UINT32_MAX && c->tok[i].token != token)
		i = (i + 1) & (CACHE_TOKENS - 1);
	return &c->tok[i];
}

/* The patients holding token, through the cache. */
static status_t lookup(db_t *db, pmatch_cache_t *c, int64_t token, int64_t *prows, int *found,
		       msg_t *m)
{
	ctoken_t *t = c ? ctoken_slot(c, token) : NULL;
	status_t ret;
	if (t && t->n != UINT32_MAX) {
		if (t->n)
			memcpy(prows, c->pool + t->off, t->n * sizeof *prows);
		*found = (int)t->n;
		return STATUS_OK;
	}
	if ((ret = db_token_lookup(db, token, prows, CANDIDATES_PER_TOKEN, found, m)) !=
	    STATUS_OK)
		return ret;
	/* Kept while there is room (the table at most half full). */
	if (t && c->ntok < CACHE_TOKENS / 2 && c->npool + (size_t)*found <= CACHE_POOL) {
		if (c->npool + (size_t)*found > c->cappool) {
			size_t cap = c->cappool ? c->cappool * 2 : 65536;
			int64_t *np;
			while (cap < c->npool + (size_t)*found)
				cap *= 2;
			if (!(np = realloc(c->pool, cap * sizeof *np)))
				return STATUS_OK; /* not kept; the answer stands */
			c->pool = np;
			c->cappool = cap;
		}
		if (*found)
			memcpy(c->pool + c->npool, prows, (size_t)*found * sizeof *prows);
		t->token = token;
		t->off = (uint32_t)c->npool;
		t->n = (uint32_t)*found;
		c->npool += (size_t)*found;
		c->ntok++;
	}
	return STATUS_OK;
}

/* A candidate's match set, through the cache. */
static status_t match_set(db_t *db, pmatch_cache_t *c, int64_t prow, unsigned char *set,
			  size_t cap, size_t *len, msg_t *m)
{
	cset_t *e = c ? &c->sets[(uint64_t)prow & (CACHE_SETS - 1)] : NULL;
	status_t ret;
	if (e && e->prow == prow) {
		memcpy(set, e->set, e->len);
		*len = e->len;
		return STATUS_OK;
	}
	if ((ret = db_patient_get_match(db, prow, set, cap, len, m)) != STATUS_OK)
		return ret;
	if (e && *len <= sizeof e->set) {
		e->prow = prow;
		e->len = (uint16_t)*len;
		memcpy(e->set, set, *len);
	}
	return STATUS_OK;
}

/* Score the registered candidates for one record's tokens, excluding
 * self_prow. Fills out with up to max matches over the threshold;
 * candidates are described after decrypting their ident. */
static status_t score_registered(session_t *s, const pmatch_rec_t *r, int64_t self_prow,
				 patient_match_t *out, int max, int *n, pmatch_cache_t *cache,
				 int import_rule, msg_t *m)
{
	const config_t *cfg = s->c->cfg;
	db_t *db = s->c->db;
	cand_t *c = NULL;
	int64_t *prows = NULL;
	int nc = 0, np = 0;
	status_t ret = STATUS_OK;

	*n = 0;
	for (int i = 0; i < r->n; i++)
		np += proposes(r->fam[i]);
	if (!np)
		return STATUS_OK;
	if (!(prows = malloc((size_t)np * CANDIDATES_PER_TOKEN * sizeof *prows))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory matching.");
		goto cleanup;
	}
	np = 0;
	for (int i = 0; i < r->n; i++) {
		int found = 0;
		if (!proposes(r->fam[i]))
			continue;
		if ((ret = lookup(db, cache, r->tok[i], prows + np, &found, m)) != STATUS_OK)
			goto cleanup;
		np += found;
	}
	/* Each candidate once. */
	if (np > 1)
		qsort(prows, (size_t)np, sizeof *prows, prow_cmp);
	if (np && !(c = malloc((size_t)np * sizeof *c))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory matching.");
		goto cleanup;
	}
	for (int k = 0; k < np; k++) {
		if (prows[k] == self_prow || (k && prows[k] == prows[k - 1]))
			continue;
		c[nc].prow = prows[k];
		c[nc].score = 0;
		c[nc].matched = 0;
		nc++;
	}
	/* Score: does the candidate hold the same token for each feature? Its
	 * match set says; a row from before match sets has its tokens in the
	 * index instead. */
	for (int j = 0; j < nc; j++) {
		unsigned char set[DB_PATIENT_MATCH_MAX];
		size_t set_len = 0;
		ret = match_set(db, cache, c[j].prow, set, sizeof set, &set_len, m);
		if (ret == STATUS_NOTFOUND) {
			ret = STATUS_OK; /* an index row left by a chart merged away */
			continue;
		}
		if (ret != STATUS_OK)
			goto cleanup;
		for (int i = 0; i < r->n; i++) {
			int f = feature_of(r->fam[i]), exists = 0;
			if (f < 0 || (c[j].matched & (1u << f)))
				continue;
			if (set_len)
				exists = pindex_match_has(set, set_len, r->tok[i]);
			else if ((ret = db_token_exists(db, r->tok[i], c[j].prow, &exists, m)) !=
				 STATUS_OK)
				goto cleanup;
			if (exists)
				c[j].matched |= 1u << f;
		}
		c[j].score = rule_score(cfg, c[j].matched, import_rule);
	}
	if (nc > 1)
		qsort(c, (size_t)nc, sizeof *c, cand_cmp);
	for (int j = 0; j < nc && *n < max && c[j].score >= cfg->match_threshold; j++) {
		patient_match_t *o = &out[*n];
		db_patient_row_t *row;
		patient_t *p;
		int silenced = 0;
		/* A pair marked "not the same person" (core/notsame.h) is not
		 * warned about again when either chart is edited. */
		if (self_prow > 0 &&
		    (ret = notsame_holds(s, self_prow, c[j].prow, &silenced, m)) != STATUS_OK)
			goto cleanup;
		if (silenced)
			continue;
		row = malloc(sizeof *row);
		p = malloc(sizeof *p);
		if (!row || !p) {
			free(row);
			free(p);
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory matching.");
			goto cleanup;
		}
		memset(o, 0, sizeof *o);
		ret = db_patient_get_ident(db, c[j].prow, row, m);
		if (ret == STATUS_OK)
			ret = precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), m);
		if (ret == STATUS_OK) {
			snprintf(o->id, sizeof o->id, "%s", p->id);
			o->prow = p->prow;
			o->score = c[j].score;
			text_copy(o->mrn, sizeof o->mrn, p->f[PF_MRN]);
			snprintf(o->name, sizeof o->name, "%s, %s%s%s", p->f[PF_LAST], p->f[PF_FIRST],
				 *p->f[PF_MIDDLE] ? " " : "", p->f[PF_MIDDLE]);
			text_copy(o->dob, sizeof o->dob, p->f[PF_DOB]);
			text_copy(o->sex, sizeof o->sex, p->f[PF_SEX]);
			why_of(c[j].matched, o->why, sizeof o->why);
			(*n)++;
		}
		sodium_memzero(p, sizeof *p);
		free(p);
		free(row);
		if (ret != STATUS_OK)
			goto cleanup;
	}
cleanup:
	free(prows);
	free(c);
	return ret;
}

status_t pmatch_registered(session_t *s, const pmatch_rec_t *recs, int nrecs, int64_t self_prow,
			   patient_match_t *out, int max, int *n, msg_t *m)
{
	return pmatch_registered_cached(s, recs, nrecs, self_prow, out, max, n, NULL, 0, m);
}

status_t pmatch_registered_cached(session_t *s, const pmatch_rec_t *recs, int nrecs,
				  int64_t self_prow, patient_match_t *out, int max, int *n,
				  pmatch_cache_t *cache, int import_rule, msg_t *m)
{
	status_t ret;
	*n = 0;
	if (nrecs < 1)
		return STATUS_OK;
	if ((ret = score_registered(s, &recs[0], self_prow, out, max, n, cache, import_rule, m)) != STATUS_OK)
		return ret;
	/* While the index key is rotated, a registered patient's tokens are
	 * of either version: scored under the older one too, the better
	 * score kept. */
	for (int i = 1; i < nrecs && ret == STATUS_OK; i++) {
		patient_match_t more[PATIENT_MATCH_MAX];
		int k = 0;
		if ((ret = score_registered(s, &recs[i], self_prow, more, PATIENT_MATCH_MAX, &k,
					    cache, import_rule, m)) != STATUS_OK)
			break;
		for (int j = 0; j < k; j++) {
			int at = -1;
			for (int o = 0; o < *n; o++)
				if (out[o].prow == more[j].prow)
					at = o;
			if (at >= 0) { /* found under both: the better score */
				if (out[at].score < more[j].score)
					out[at] = more[j];
				continue;
			}
			if (*n < max) {
				out[(*n)++] = more[j];
				continue;
			}
			for (int o = 0; o < *n; o++) /* full: over the weakest, if better */
				if (out[o].score < more[j].score &&
				    (at < 0 || out[o].score < out[at].score))
					at = o;
			if (at >= 0)
				out[at] = more[j];
		}
		sodium_memzero(more, sizeof more);
	}
	for (int i = 1; i < *n; i++) /* best first, as score_registered gives them */
		for (int j = i; j > 0 && out[j - 1].score < out[j].score; j--) {
			patient_match_t x = out[j];
			out[j] = out[j - 1];
			out[j - 1] = x;
		}
	return ret;
}

status_t patient_find_duplicates(session_t *s, const patient_t *p, patient_match_t *out, int max,
				 int *n, msg_t *m)
{
	ptokens_t t;
	pmatch_rec_t recs[4];
	int v[4], nv, nrecs = 0;
	status_t ret = STATUS_OK;
	*n = 0;
	if (!session_can(s, ACT_PATIENT_REGISTER) && !session_can(s, ACT_PATIENT_EDIT))
		return session_require(s, ACT_PATIENT_REGISTER, m);
	if ((ret = pindex_patient(s->kr, s->c->cfg->blind_index_bytes, p, &t, m)) != STATUS_OK)
		return ret;
	pmatch_rec_make(&t, &recs[nrecs++]);
	nv = keyring_versions(s->kr, DOMAIN_INDEX, v, 4);
	for (int i = 1; i < nv && ret == STATUS_OK; i++)
		if ((ret = pindex_patient_at(s->kr, v[i], s->c->cfg->blind_index_bytes, p, &t, m)) ==
		    STATUS_OK)
			pmatch_rec_make(&t, &recs[nrecs++]);
	if (ret == STATUS_OK)
		ret = pmatch_registered(s, recs, nrecs, p->prow, out, max, n, m);
	sodium_memzero(&t, sizeof t);
	return ret;
}

/* ---- within a file ------------------------------------------------------ */

/* Records in the order added; the proposing tokens in an open-addressing
 * table, each slot the newest entry for its token, entries chained to
 * older ones. */
struct pmatch_set {
	pmatch_rec_t *recs;
	size_t n, cap;
	int64_t *htok;
	int32_t *hhead; /* -1: free slot */
	size_t hcap, hused;
	int32_t *enext, *erec;
	size_t en, ecap;
	uint32_t *seen; /* per record: the last query that looked at it */
	uint32_t query;
};

pmatch_set_t *pmatch_set_new(void)
{
	return calloc(1, sizeof(pmatch_set_t));
}

void pmatch_set_free(pmatch_set_t *set)
{
	if (!set)
		return;
	if (set->recs)
		sodium_memzero(set->recs, set->cap * sizeof *set->recs);
	free(set->recs);
	free(set->htok);
	free(set->hhead);
	free(set->enext);
	free(set->erec);
	free(set->seen);
	free(set);
}

const pmatch_rec_t *pmatch_set_rec(const pmatch_set_t *set, long i)
{
	return &set->recs[i];
}

static size_t slot_of(const pmatch_set_t *set, int64_t tok)
{
	uint64_t h = (uint64_t)tok * 0x9E3779B97F4A7C15ull;
	size_t i = (size_t)(h >> 17) & (set->hcap - 1);
	while (set->hhead[i] >= 0 && set->htok[i] != tok)
		i = (i + 1) & (set->hcap - 1);
	return i;
}

static int grow_table(pmatch_set_t *set)
{
	size_t ncap = set->hcap ? set->hcap * 2 : 4096;
	int64_t *ot = set->htok;
	int32_t *oh = set->hhead;
	size_t ocap = set->hcap;
	set->htok = malloc(ncap * sizeof *set->htok);
	set->hhead = malloc(ncap * sizeof *set->hhead);
	if (!set->htok || !set->hhead) {
		free(set->htok);
		free(set->hhead);
		set->htok = ot;
		set->hhead = oh;
		return -1;
	}
	set->hcap = ncap;
	for (size_t i = 0; i < ncap; i++)
		set->hhead[i] = -1;
	for (size_t i = 0; i < ocap; i++)
		if (oh[i] >= 0) {
			size_t k = slot_of(set, ot[i]);
			set->htok[k] = ot[i];
			set->hhead[k] = oh[i];
		}
	free(ot);
	free(oh);
	return 0;
}

/* Which features a and b share (both sorted by token). */
static unsigned shared(const pmatch_rec_t *a, const pmatch_rec_t *b)
{
	unsigned matched = 0;
	int i = 0, j = 0;
	while (i < a->n && j < b->n) {
		int c = tok_cmp(a->tok[i], b->tok[j]);
		if (c < 0)
			i++;
		else if (c > 0)
			j++;
		else {
			int f = feature_of(a->fam[i]);
			if (f >= 0)
				matched |= 1u << f;
			i++;
			j++;
		}
	}
	return matched;
}

static status_t set_join(pmatch_set_t *set, const pmatch_rec_t *r, msg_t *m);

status_t pmatch_set_add(pmatch_set_t *set, const config_t *cfg, const pmatch_rec_t *r, long *best,
			int *score, char *why, size_t why_size, msg_t *m)
{
	unsigned best_matched = 0;
	*best = -1;
	*score = 0;
	if (why_size)
		why[0] = '\0';
	if (set->n >= (size_t)INT32_MAX)
		return msg_fail(m, STATUS_NOMEM, "Too many rows to check for duplicates.");
	/* Against the records before it. */
	if (++set->query == 0) {
		memset(set->seen, 0, set->n * sizeof *set->seen);
		set->query = 1;
	}
	for (int i = 0; set->hcap && i < r->n; i++) {
		size_t k;
		int visited = 0;
		if (!proposes(r->fam[i]))
			continue;
		k = slot_of(set, r->tok[i]);
		for (int32_t e = set->hhead[k]; e >= 0 && visited < CANDIDATES_PER_TOKEN;
		     e = set->enext[e], visited++) {
			int32_t j = set->erec[e];
			unsigned matched;
			int sc;
			if (set->seen[j] == set->query)
				continue;
			set->seen[j] = set->query;
			matched = shared(r, &set->recs[j]);
			sc = import_score_of(cfg, matched);
			/* The best; between equals the earliest row. */
			if (sc >= cfg->match_threshold && (sc > *score || (sc == *score && j < *best))) {
				*best = j;
				*score = sc;
				best_matched = matched;
			}
		}
	}
	if (*best >= 0)
		why_of(best_matched, why, why_size);
	/* Then it joins the set. */
	return set_join(set, r, m);
}

void pmatch_why(unsigned matched, char *out, size_t size)
{
	why_of(matched, out, size);
}

status_t pmatch_set_pairs(pmatch_set_t *set, const config_t *cfg, const pmatch_rec_t *r,
			  int import_rule, pmatch_pair_fn fn, void *arg, msg_t *m)
{
	if (set->n >= (size_t)INT32_MAX)
		return msg_fail(m, STATUS_NOMEM, "Too many records to check for duplicates.");
	if (++set->query == 0) {
		memset(set->seen, 0, set->n * sizeof *set->seen);
		set->query = 1;
	}
	/* The same blocks and the same cap per block as pmatch_set_add. */
	for (int i = 0; set->hcap && i < r->n; i++) {
		size_t k;
		int visited = 0;
		if (!proposes(r->fam[i]))
			continue;
		k = slot_of(set, r->tok[i]);
		for (int32_t e = set->hhead[k]; e >= 0 && visited < CANDIDATES_PER_TOKEN;
		     e = set->enext[e], visited++) {
			int32_t j = set->erec[e];
			unsigned matched;
			int sc;
			if (set->seen[j] == set->query)
				continue;
			set->seen[j] = set->query;
			matched = shared(r, &set->recs[j]);
			sc = rule_score(cfg, matched, import_rule);
			if (sc >= cfg->match_threshold && fn(j, sc, matched, arg))
				return msg_fail(m, STATUS_NOMEM, "Out of memory checking for duplicates.");
		}
	}
	return set_join(set, r, m);
}

static status_t set_join(pmatch_set_t *set, const pmatch_rec_t *r, msg_t *m)
{
	int32_t me;
	if (set->n == set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 1024;
		pmatch_rec_t *nr = malloc(ncap * sizeof *nr);
		uint32_t *ns = realloc(set->seen, ncap * sizeof *ns);
		if (ns)
			set->seen = ns;
		if (!nr || !ns) {
			free(nr);
			return msg_fail(m, STATUS_NOMEM, "Out of memory checking for duplicates.");
		}
		if (set->recs) {
			memcpy(nr, set->recs, set->n * sizeof *nr);
			sodium_memzero(set->recs, set->cap * sizeof *set->recs);
			free(set->recs);
		}
		set->recs = nr;
		set->cap = ncap;
	}
	me = (int32_t)set->n;
	set->recs[set->n] = *r;
	set->seen[set->n] = 0;
	set->n++;
	for (int i = 0; i < r->n; i++) {
		size_t k;
		if (!proposes(r->fam[i]))
			continue;
		if ((set->hused + 1) * 2 > set->hcap && grow_table(set) != 0)
			return msg_fail(m, STATUS_NOMEM, "Out of memory checking for duplicates.");
		if (set->en == set->ecap) {
			size_t ncap = set->ecap ? set->ecap * 2 : 4096;
			int32_t *nn = realloc(set->enext, ncap * sizeof *nn);
			int32_t *nrw;
			if (nn)
				set->enext = nn;
			nrw = nn ? realloc(set->erec, ncap * sizeof *nrw) : NULL;
			if (!nrw)
				return msg_fail(m, STATUS_NOMEM, "Out of memory checking for duplicates.");
			set->erec = nrw;
			set->ecap = ncap;
		}
		k = slot_of(set, r->tok[i]);
		if (set->hhead[k] < 0) {
			set->htok[k] = r->tok[i];
			set->hhead[k] = -1;
			set->hused++;
		}
		set->erec[set->en] = me;
		set->enext[set->en] = set->hhead[k];
		set->hhead[k] = (int32_t)set->en;
		set->en++;
	}
	return STATUS_OK;
}
