/* patient_search.c - the lookup box: classify, look up tokens, decrypt,
 * filter, sort; every candidate checked or "type more" (never a wrong
 * "not found"). */
#include "core/patient_search.h"

#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/text.h"
#include "base/tz.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/pindex.h"
#include "core/porder.h"
#include "core/precord.h"
#include "db/db_clinical.h"
#include "db/db_patients.h"

/* Candidates one search decrypts, at most. A query whose token has more
 * candidates that do not match (a name longer than the longest prefix
 * token, a first name longer than the "last, first" token's) stops there
 * and says so ("type more"): never a wrong "not found". */
#define CHECK_MAX 2000
#define PAGE 256

/* A row's sort key: folded "last first middle" (made once, when the row is
 * added, from the names already folded to match it). */
typedef struct sortkey {
	char key[3 * PATIENT_FIELD_MAX];
} sortkey_t;

struct patient_list {
	pquery_kind_t kind;
	int n, cap, more;
	int page; /* 1 the first; 0 after a given row */
	patient_row_t *rows;
	sortkey_t *keys; /* cap of them, parallel to rows; PHI, wiped on free */
};

int patient_list_count(const patient_list_t *l)
{
	return l ? l->n : 0;
}

const patient_row_t *patient_list_row(const patient_list_t *l, int i)
{
	return l && i >= 0 && i < l->n ? &l->rows[i] : NULL;
}

int patient_list_page(const patient_list_t *l)
{
	return l ? l->page : 0;
}

int patient_list_more(const patient_list_t *l)
{
	return l ? l->more : 0;
}

pquery_kind_t patient_list_kind(const patient_list_t *l)
{
	return l ? l->kind : PQ_INCOMPLETE;
}

void patient_list_free(patient_list_t *l)
{
	if (!l)
		return;
	/* All cap of them: a later page drops the rows before it, leaving
	 * copies past n. */
	if (l->rows) {
		sodium_memzero(l->rows, (size_t)l->cap * sizeof *l->rows);
		free(l->rows);
	}
	if (l->keys) {
		sodium_memzero(l->keys, (size_t)l->cap * sizeof *l->keys);
		free(l->keys);
	}
	free(l);
}

/* Working state of one search. */
typedef struct ctx {
	session_t *s;
	patient_list_t *l;
	int limit;  /* matches wanted: the page's and those of the pages skipped */
	int skip;   /* matches of the pages before (dropped once sorted) */
	int ordered; /* tokens carry the name order: candidates come in it */
	int base;   /* matches listed before this key version's scan */
	int64_t after_rank, after_prow; /* where the page starts (exclusive) */
	int64_t cur_rank;               /* the rank of the candidate considered */
	int check_max;
	int checked; /* candidates decrypted by this scan */
	int capped;  /* it stopped at CHECK_MAX with candidates left */
	int probe;   /* only whether one matches (unit_exists): nothing listed */
	int probed;
	patient_t p;
	/* filters */
	char want_last[PATIENT_FIELD_MAX];  /* folded prefix of the name or a run, or a unit */
	char want_first[PATIENT_FIELD_MAX]; /* folded prefix of first name */
	char want_exact[PATIENT_FIELD_MAX]; /* exact value for MRN/DOB/phone */
	pfield_t exact_field;
	int unit_last; /* want_last must be one of the name's units, whole */
	pname_t name;  /* of the row being considered, */
	char folded_first[PATIENT_FIELD_MAX]; /* when matches() folded them */
	int folded;
	char today[11];
	/* Last, and neither zeroed nor wiped: each candidate's stored row is
	 * read into it (ciphertext and bookkeeping, 8 KB mostly unused). */
	db_patient_row_t row;
} ctx_t;

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Does the decrypted ident match what was typed? */
static int matches(ctx_t *c)
{
	patient_t *p = &c->p;
	c->folded = 0;
	if (c->exact_field != PF_COUNT) {
		if (c->exact_field == PF_PHONE_HOME) {
			char d1[32], d2[32];
			int hit;
			size_t n = strlen(c->want_exact);
			pindex_digits(p->f[PF_PHONE_HOME], d1, sizeof d1);
			pindex_digits(p->f[PF_PHONE_MOBILE], d2, sizeof d2);
			hit = (strlen(d1) >= n && strcmp(d1 + strlen(d1) - n, c->want_exact) == 0) ||
			      (strlen(d2) >= n && strcmp(d2 + strlen(d2) - n, c->want_exact) == 0);
			sodium_memzero(d1, sizeof d1);
			sodium_memzero(d2, sizeof d2);
			return hit;
		}
		return strcmp(p->f[c->exact_field], c->want_exact) == 0;
	}
	/* A name: its units as the index made them (core/pindex.h). */
	pindex_name(p->f[PF_LAST], &c->name);
	pindex_fold(p->f[PF_FIRST], c->folded_first, sizeof c->folded_first);
	c->folded = 1;
	if (c->unit_last ? !pindex_name_has_unit(&c->name, c->want_last)
			 : !pindex_name_has_prefix(&c->name, c->want_last))
		return 0;
	return !*c->want_first || starts_with(c->folded_first, c->want_first);
}

/* The sort key of the row in c->p, reusing what matches() folded. */
static void make_key(ctx_t *c, sortkey_t *k)
{
	char mid[PATIENT_FIELD_MAX];
	size_t o = 0;
	const char *parts[3];
	if (!c->folded) {
		pindex_fold(c->p.f[PF_LAST], c->name.whole, sizeof c->name.whole);
		pindex_fold(c->p.f[PF_FIRST], c->folded_first, sizeof c->folded_first);
	}
	pindex_fold(c->p.f[PF_MIDDLE], mid, sizeof mid);
	parts[0] = c->name.whole;
	parts[1] = c->folded_first;
	parts[2] = mid;
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(parts[i]);
		if (o + n + 2 > sizeof k->key)
			n = sizeof k->key - o - 2;
		memcpy(k->key + o, parts[i], n);
		o += n;
		k->key[o++] = i < 2 ? ' ' : '\0';
	}
	k->key[sizeof k->key - 1] = '\0';
	sodium_memzero(mid, sizeof mid);
}

static status_t add_row(ctx_t *c)
{
	patient_list_t *l = c->l;
	patient_row_t *r;
	patient_t *p = &c->p;
	for (int i = 0; i < l->n; i++)
		if (l->rows[i].prow == p->prow)
			return STATUS_OK;
	if (l->n == l->cap) {
		/* Small at first: most searches list a row or a few, and every
		 * slot allocated is wiped when the list is freed. */
		int cap = l->cap ? l->cap * 2 : 8;
		patient_row_t *nr = malloc((size_t)cap * sizeof *nr);
		sortkey_t *nk = malloc((size_t)cap * sizeof *nk);
		if (!nr || !nk) {
			free(nr);
			free(nk);
			return STATUS_NOMEM;
		}
		if (l->rows) {
			memcpy(nr, l->rows, (size_t)l->n * sizeof *nr);
			memcpy(nk, l->keys, (size_t)l->n * sizeof *nk);
			sodium_memzero(l->rows, (size_t)l->n * sizeof *l->rows);
			sodium_memzero(l->keys, (size_t)l->n * sizeof *l->keys);
			free(l->rows);
			free(l->keys);
		}
		l->rows = nr;
		l->keys = nk;
		l->cap = cap;
	}
	make_key(c, &l->keys[l->n]);
	r = &l->rows[l->n++];
	memset(r, 0, sizeof *r);
	text_copy(r->id, sizeof r->id, p->id);
	r->prow = p->prow;
	text_copy(r->mrn, sizeof r->mrn, p->f[PF_MRN]);
	text_copy(r->last, sizeof r->last, p->f[PF_LAST]);
	text_copy(r->first, sizeof r->first, p->f[PF_FIRST]);
	text_copy(r->middle, sizeof r->middle, p->f[PF_MIDDLE]);
	text_copy(r->suffix, sizeof r->suffix, p->f[PF_SUFFIX]);
	text_copy(r->dob, sizeof r->dob, p->f[PF_DOB]);
	text_copy(r->sex, sizeof r->sex, p->f[PF_SEX]);
	r->age = patient_shown_age(p->f[PF_DOB], p->f[PF_DEATH], c->today, &r->deceased);
	text_copy(r->death, sizeof r->death, p->f[PF_DEATH]);
	r->confidential = p->confidential;
	r->rank = c->cur_rank;
	return STATUS_OK;
}

/* Decrypt the candidate in c->row; add it if it really matches (or,
 * probing, note that one does). A record that fails its integrity check
 * is reported, not shown. */
static status_t consider_row(ctx_t *c, int details, msg_t *m)
{
	status_t ret;
	msg_t why;
	if ((ret = precord_open(c->s->kr, &c->row, &c->p, !details, CLINIC_OPEN_FLAGS(c->s->c),
				&why)) != STATUS_OK)
		return msg_fail(m, ret, "%s", why.text);
	if (!matches(c))
		return STATUS_OK;
	if (c->probe)
		c->probed = 1;
	else if (add_row(c) != STATUS_OK)
		return msg_fail(m, STATUS_NOMEM, "Out of memory searching.");
	return STATUS_OK;
}

/* Read one candidate by prow, then as consider_row. */
static status_t consider(ctx_t *c, int64_t prow, int details, msg_t *m)
{
	status_t ret = details ? db_patient_get(c->s->c->db, prow, &c->row, m)
			       : db_patient_get_ident(c->s->c->db, prow, &c->row, m);
	if (ret == STATUS_NOTFOUND)
		return STATUS_OK; /* index row for a patient merged away: skip */
	if (ret != STATUS_OK)
		return ret;
	return consider_row(c, details, m);
}

/* Has the scan what it needs: one more match than the limit (there are
 * more), the first match when probing, or every candidate it may
 * decrypt? */
static int scan_done(const ctx_t *c)
{
	return c->l->n - c->base > c->limit || c->capped || (c->probe && c->probed);
}

/* The walk over one token's candidates (db_token_rows). */
typedef struct walk {
	ctx_t *c;
	int details;
	status_t ret;
	msg_t *m;
} walk_t;

/* One candidate, in name order (or, before the name order exists, in
 * prow order): the scan stops at one match more than the limit (the
 * candidates after it come later in that order), when probing at the
 * first match, and at CHECK_MAX. */
static int walk_row(const db_patient_row_t *row, int64_t rank, void *arg)
{
	walk_t *w = arg;
	(void)row; /* it is w->c->row */
	if (scan_done(w->c))
		return 1;
	if (w->c->checked >= w->c->check_max) {
		/* Candidates are left that were not checked: say "more", never
		 * "not found". */
		w->c->capped = 1;
		return 1;
	}
	w->c->cur_rank = rank;
	w->c->checked++;
	w->ret = consider_row(w->c, w->details, w->m);
	return w->ret != STATUS_OK || scan_done(w->c);
}

/* Walk the patients holding `tok` in pages (each one statement joining
 * the index to the patients) until one match more than the limit, or
 * CHECK_MAX candidates. */
static status_t scan(ctx_t *c, int64_t tok, int details, msg_t *m)
{
	int64_t arank = c->after_rank, aprow = c->after_prow;
	int n, want;
	/* Most candidates match: the first page asks for a little more than
	 * the limit, later ones for a full page. */
	int ask = c->limit + c->limit / 4 + 2 < PAGE ? c->limit + c->limit / 4 + 2 : PAGE;
	status_t ret;
	if (c->probe)
		ask = 8;
	do {
		walk_t w = {c, details, STATUS_OK, m};
		want = ask;
		ask = PAGE;
		if ((ret = db_token_rows(c->s->c->db, tok, arank, aprow, want, details, &c->row,
					 walk_row, &w, &n, &arank, &aprow, m)) != STATUS_OK)
			return ret;
		if (w.ret != STATUS_OK)
			return w.ret;
		if (scan_done(c))
			return STATUS_OK;
	} while (n == want);
	return STATUS_OK;
}

/* Scan the candidates of `value` in family fam under every version of
 * the index key held: while that key is rotated (core/rotate.h) a
 * patient's tokens are of one version or the other, and either finds
 * them (a patient found twice is listed once). *tok gets the newest
 * version's token (what the audit trail records). */
static status_t scan_value(ctx_t *c, pfamily_t fam, const char *value, int details, int64_t *tok,
			   msg_t *m)
{
	int v[4], n = keyring_versions(c->s->kr, DOMAIN_INDEX, v, 4);
	int bytes = c->s->c->cfg->blind_index_bytes;
	status_t ret = STATUS_OK;
	if (n == 0)
		return pindex_token(c->s->kr, bytes, fam, value, tok, m); /* says which key */
	for (int i = 0; i < n && ret == STATUS_OK && !scan_done(c); i++) {
		int64_t t = 0;
		if ((ret = pindex_token_at(c->s->kr, v[i], bytes, fam, value, &t, m)) != STATUS_OK)
			break;
		if (i == 0)
			*tok = t;
		c->base = c->l->n; /* each version's own first page */
		ret = scan(c, t, details, m);
	}
	return ret;
}

/* Sort by folded "last first middle", then date of birth, then MRN (two
 * namesakes born the same day keep one order), on the keys made as the
 * rows were added. */
typedef struct order {
	const sortkey_t *k;
	int i;
} order_t;

static int key_cmp(const void *a, const void *b, void *arg)
{
	const order_t *x = a, *y = b;
	const patient_row_t *rows = arg;
	int r = strcmp(x->k->key, y->k->key);
	if (!r)
		r = strcmp(rows[x->i].dob, rows[y->i].dob);
	return r ? r : strcmp(rows[x->i].mrn, rows[y->i].mrn);
}

static int sort_list(patient_list_t *l)
{
	order_t *o;
	patient_row_t *sorted;
	if (l->n < 2)
		return 0;
	o = malloc((size_t)l->n * sizeof *o);
	sorted = malloc((size_t)l->cap * sizeof *sorted);
	if (!o || !sorted) {
		free(o);
		free(sorted);
		return -1;
	}
	for (int i = 0; i < l->n; i++) {
		o[i].k = &l->keys[i];
		o[i].i = i;
	}
	qsort_r(o, (size_t)l->n, sizeof *o, key_cmp, l->rows);
	for (int i = 0; i < l->n; i++)
		sorted[i] = l->rows[o[i].i];
	/* The keys stay in their old order: they are not used again. */
	sodium_memzero(l->rows, (size_t)l->n * sizeof *l->rows);
	free(l->rows);
	free(o);
	l->rows = sorted;
	return 0;
}

static int letters(const char *folded)
{
	int n = 0;
	for (; *folded; folded++)
		if (((unsigned char)*folded & 0xC0) != 0x80)
			n++;
	return n;
}

/* Prefix of a folded name cut to PINDEX_PREFIX_MAX letters. */
static void cut_letters(const char *in, int max, char *out, size_t size)
{
	size_t i = 0;
	int n = 0;
	while (in[i] && n < max) {
		i++;
		while (((unsigned char)in[i] & 0xC0) == 0x80)
			i++;
		n++;
	}
	if (i >= size)
		i = size - 1;
	memcpy(out, in, i);
	out[i] = '\0';
}

/* One to four letters and then only digits (at least one): what an MRN
 * looks like while it is typed, when MRNs have a letter prefix. */
static int mrn_shaped(const config_t *cfg, const char *q)
{
	size_t letters_n = 0;
	if (!*cfg->mrn_prefix)
		return 0;
	while (isalpha((unsigned char)q[letters_n]))
		letters_n++;
	return letters_n >= 1 && letters_n <= 4 && q[letters_n] &&
	       strspn(q + letters_n, "0123456789") == strlen(q + letters_n);
}

/* The match past the limit (found to know there are more) is not shown. */
static void trim(ctx_t *c)
{
	patient_list_t *l = c->l;
	if (l->n <= c->limit)
		return;
	sodium_memzero(l->rows + c->limit, (size_t)(l->n - c->limit) * sizeof *l->rows);
	sodium_memzero(l->keys + c->limit, (size_t)(l->n - c->limit) * sizeof *l->keys);
	l->n = c->limit;
	l->more = 1;
}

/* A new scan with its own CHECK_MAX (the list so far kept). */
static void scan_reset(ctx_t *c)
{
	c->checked = 0;
	c->capped = 0;
}

/* Is `unit` one of some patient's name units, whole (the last name of
 * "smith, jo")? Found through its token. With full 8-byte tokens (the
 * default) a token that is there is taken as the unit's: another value
 * with the same token is a 64-bit collision. With shorter ones a holder
 * is decrypted and checked. */
static status_t unit_exists(ctx_t *c, const char *unit, int *exists, msg_t *m)
{
	char keep[PATIENT_FIELD_MAX];
	int64_t tok = 0;
	status_t ret;
	int bytes = c->s->c->cfg->blind_index_bytes;
	if (bytes >= 8) {
		int v[4], n = keyring_versions(c->s->kr, DOMAIN_INDEX, v, 4);
		*exists = 0;
		for (int i = 0; i < n && !*exists; i++) {
			int64_t prow = 0;
			int found = 0;
			if ((ret = pindex_token_at(c->s->kr, v[i], bytes, PFAM_LAST_UNIT, unit, &tok, m)) !=
				    STATUS_OK ||
			    (ret = db_token_lookup(c->s->c->db, tok, &prow, 1, &found, m)) != STATUS_OK)
				return ret;
			*exists = found > 0;
		}
		return STATUS_OK;
	}
	text_copy(keep, sizeof keep, c->want_first);
	c->want_first[0] = '\0';
	c->unit_last = 1;
	c->probe = 1;
	c->probed = 0;
	scan_reset(c);
	text_copy(c->want_last, sizeof c->want_last, unit);
	ret = scan_value(c, PFAM_LAST_UNIT, unit, 0, &tok, m);
	/* Too many collisions to check: taken as there (the answer is then
	 * "not found" for that last name, as for one that exists). */
	*exists = c->probed || c->capped;
	c->probe = 0;
	c->capped = 0;
	text_copy(c->want_first, sizeof c->want_first, keep);
	sodium_memzero(keep, sizeof keep);
	return ret;
}

/* Is the index still being re-made for this generation (core/reindex.h)?
 * Read in the search's snapshot; once done, remembered. */
static int reindexing(session_t *s)
{
	char buf[32];
	msg_t ignore;
	if (!s->c->reindexing)
		return 0;
	if (db_meta_get(s->c->db, "reindex_after", buf, sizeof buf, &ignore) != STATUS_OK)
		s->c->reindexing = 0;
	return s->c->reindexing;
}

static status_t search_recent(ctx_t *c, msg_t *m)
{
	int64_t prows[50];
	int n = 0;
	status_t ret = db_recent_list(c->s->c->db, c->s->user.id, prows, 50, &n, m);
	c->exact_field = PF_COUNT;
	c->want_last[0] = c->want_first[0] = '\0';
	for (int i = 0; i < n && ret == STATUS_OK && c->l->n < c->limit; i++)
		ret = consider(c, prows[i], 0, m);
	return ret;
}

/* The patient whose MRN is `mrn` (as typed): its place (rank, prow), in
 * the caller's read snapshot. */
static status_t place_of_mrn(session_t *s, const char *mrn, int64_t *rank, int64_t *prow, msg_t *m)
{
	char norm[PATIENT_FIELD_MAX];
	int64_t tok = 0, prows[16];
	int n = 0;
	msg_t why;
	status_t ret;
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	*rank = *prow = 0;
	if (!row || !p) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory searching.");
		goto cleanup;
	}
	if (patient_normalize_field(s->c->cfg, PF_MRN, mrn, norm, &why) != STATUS_OK || !*norm) {
		ret = msg_fail(m, STATUS_INVALID, "--after: %s", why.text);
		goto cleanup;
	}
	if ((ret = pindex_token(s->kr, s->c->cfg->blind_index_bytes, PFAM_MRN, norm, &tok, m)) !=
		    STATUS_OK ||
	    (ret = db_token_lookup(s->c->db, tok, prows, 16, &n, m)) != STATUS_OK)
		goto cleanup;
	ret = msg_fail(m, STATUS_NOTFOUND, "--after: no patient has MRN %s.", norm);
	for (int i = 0; i < n; i++) {
		if (db_patient_get_ident(s->c->db, prows[i], row, &why) != STATUS_OK ||
		    precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), &why) != STATUS_OK)
			continue;
		if (strcmp(p->f[PF_MRN], norm) == 0) {
			*prow = prows[i];
			ret = db_patient_rank(s->c->db, prows[i], rank, m);
			break;
		}
	}
cleanup:
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	free(row);
	return ret;
}

static status_t search(session_t *s, const char *query, int limit, int64_t after_rank,
		       int64_t after_prow, const char *after_mrn, int skip, int page,
		       patient_list_t **out, msg_t *m);

/* m = the parts in order, cut to fit (msg_set's result for "%s%s%s"
 * without vsnprintf, which would otherwise run for every search's
 * outcome line). */
static void say(msg_t *m, const char *const *parts, int n)
{
	size_t o = 0;
	for (int i = 0; i < n; i++) {
		size_t k = strlen(parts[i]);
		if (o + k >= sizeof m->text)
			k = sizeof m->text - 1 - o;
		memcpy(m->text + o, parts[i], k);
		o += k;
	}
	m->text[o] = '\0';
}

/* "N match(es) by WHAT": what msg_set(m, "%d match%s by %s", ...) says. */
static void say_matches(msg_t *m, int n, const char *what)
{
	char num[16];
	int k = (int)sizeof num - 1;
	unsigned v = n < 0 ? 0u : (unsigned)n;
	num[k] = '\0';
	do
		num[--k] = (char)('0' + v % 10);
	while ((v /= 10) && k > 0);
	{
		const char *parts[] = {num + k, n == 1 ? " match by " : " matches by ", what};
		say(m, parts, 3);
	}
}

/* The audit detail of a search, "KIND:TOKEN" (the token in 16 hex
 * digits), as snprintf's "%s:%016" PRIx64 would write it; by hand, since
 * it is made for every search. */
static void search_detail(char *out, size_t size, const char *what, int64_t tok)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t t = (uint64_t)tok;
	size_t n = strlen(what);
	if (size < 18) {
		if (size)
			out[0] = '\0';
		return;
	}
	if (n + 18 > size)
		n = size - 18;
	memcpy(out, what, n);
	out[n++] = ':';
	for (int i = 15; i >= 0; i--, t >>= 4)
		out[n + (size_t)i] = hex[t & 15];
	out[n + 16] = '\0';
}

status_t patient_search(session_t *s, const char *query, int limit, patient_list_t **out,
			msg_t *m)
{
	return search(s, query, limit, 0, 0, NULL, 0, 1, out, m);
}

status_t patient_search_next(session_t *s, const char *query, int limit,
			     const patient_list_t *prev, patient_list_t **out, msg_t *m)
{
	int64_t rank = 0, prow = 0;
	/* After the last row shown (the greatest place: the last in name
	 * order). */
	for (int i = 0; prev && i < prev->n; i++)
		if (prev->rows[i].rank > rank ||
		    (prev->rows[i].rank == rank && prev->rows[i].prow > prow)) {
			rank = prev->rows[i].rank;
			prow = prev->rows[i].prow;
		}
	return search(s, query, limit, rank, prow, NULL, 0, prev ? prev->page + (prev->page > 0) : 0,
		      out, m);
}

status_t patient_search_page(session_t *s, const char *query, int limit, int page,
			     const char *after_mrn, patient_list_t **out, msg_t *m)
{
	if (limit < 1)
		limit = 1;
	if (page < 1 || page > 1000000 / limit) {
		*out = NULL;
		return msg_fail(m, STATUS_INVALID, "--page: give a page number from 1 to %d.",
				1000000 / limit);
	}
	return search(s, query, limit, 0, 0, after_mrn && *after_mrn ? after_mrn : NULL,
		      (page - 1) * limit, after_mrn && *after_mrn ? 0 : page, out, m);
}

static status_t search(session_t *s, const char *query, int limit, int64_t after_rank,
		       int64_t after_prow, const char *after_mrn, int skip, int page,
		       patient_list_t **out, msg_t *m)
{
	status_t ret;
	ctx_t *c = NULL;
	char q[PATIENT_FIELD_MAX], tmp[PATIENT_FIELD_MAX], digits[32];
	int64_t tok = 0;
	const char *what = "";
	msg_t ignore;
	int reading = 0, legacy = 0, pmax = PINDEX_PREFIX_MAX, prefix = 0;

	*out = NULL;
	/* One read snapshot for the permission check, the token lookups, the
	 * candidate rows and their last visits: the database's locks are taken
	 * once instead of once per statement. */
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	if ((ret = session_require_reading(s, ACT_PATIENT_SEARCH, &reading, m)) != STATUS_OK) {
		db_read_end(s->c->db, reading);
		return ret;
	}
	if (limit < 1)
		limit = 1;
	if ((c = malloc(sizeof *c))) {
		memset(c, 0, offsetof(ctx_t, row));
		c->row.id[0] = '\0';
	}
	if (!c || !(c->l = calloc(1, sizeof *c->l))) {
		free(c);
		db_read_end(s->c->db, reading);
		return msg_fail(m, STATUS_NOMEM, "Out of memory searching.");
	}
	c->s = s;
	c->limit = limit + skip;
	c->skip = skip;
	c->check_max = CHECK_MAX + skip;
	c->l->page = page;
	c->after_rank = after_rank;
	c->after_prow = after_prow;
	c->ordered = !reindexing(s) && !porder_pending(s);
	if ((after_rank || after_prow || after_mrn || skip) && !c->ordered) {
		ret = msg_fail(m, STATUS_INVALID,
			       "Later pages need the name order, which this database does not have "
			       "yet: run `chartroom keys reindex`, then ask again.");
		goto done;
	}
	if (after_mrn &&
	    (ret = place_of_mrn(s, after_mrn, &c->after_rank, &c->after_prow, m)) != STATUS_OK)
		goto done;
	tz_today(s->c->cfg->clinic_tz, c->today); /* ages as of the clinic's today */
	c->exact_field = PF_COUNT;
	text_copy(q, sizeof q, query ? query : "");
	/* trim */
	{
		char *a = q, *e;
		while (*a == ' ' || *a == '\t')
			a++;
		memmove(q, a, strlen(a) + 1);
		e = q + strlen(q);
		while (e > q && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
	}
	pindex_digits(q, digits, sizeof digits);

	/* Every date of birth and every MRN has an ASCII digit (patient.c
	 * takes only those in both): a query without one is neither, and is
	 * not put through their parsers, whose refusal messages alone cost a
	 * cheap search a tenth of its time. */
	if (!*q) {
		c->l->kind = PQ_RECENT;
		ret = search_recent(c, m);
		what = "recently opened";
	} else if (*digits && (strchr(q, '-') || strchr(q, '/')) &&
		   patient_normalize_field(s->c->cfg, PF_DOB, q, tmp, &ignore) == STATUS_OK && *tmp) {
		c->l->kind = PQ_DOB;
		c->exact_field = PF_DOB;
		text_copy(c->want_exact, sizeof c->want_exact, tmp);
		ret = scan_value(c, PFAM_DOB, tmp, 0, &tok, m);
		what = "date of birth";
	} else if (*digits &&
		   patient_normalize_field(s->c->cfg, PF_MRN, q, tmp, &ignore) == STATUS_OK && *tmp) {
		c->l->kind = PQ_MRN;
		c->exact_field = PF_MRN;
		text_copy(c->want_exact, sizeof c->want_exact, tmp);
		ret = scan_value(c, PFAM_MRN, tmp, 0, &tok, m);
		what = "MRN";
	} else if (*digits && strspn(q, "0123456789()-. +") == strlen(q)) {
		size_t nd = strlen(digits);
		if (nd == 11 && digits[0] == '1')
			memmove(digits, digits + 1, nd--);
		if (nd == 4 || nd == 10) {
			c->l->kind = nd == 4 ? PQ_PHONE4 : PQ_PHONE;
			c->exact_field = PF_PHONE_HOME; /* home or mobile, by digits */
			text_copy(c->want_exact, sizeof c->want_exact, digits);
			ret = scan_value(c, nd == 4 ? PFAM_PHONE4 : PFAM_PHONE, digits, 1, &tok, m);
			what = nd == 4 ? "phone ending" : "phone";
		} else {
			c->l->kind = PQ_INCOMPLETE;
			msg_set(m, "Type a whole MRN, a 10-digit phone number or its last 4 digits, "
				   "or a date of birth.");
			goto done;
		}
	} else if (mrn_shaped(s->c->cfg, q)) {
		/* Letters then digits: an MRN being typed, or mistyped. Never a
		 * name (names have no digits), so no list of names. */
		c->l->kind = PQ_INCOMPLETE;
		if ((int)strlen(digits) <= s->c->cfg->mrn_digits) {
			char rule[96];
			patient_mrn_rule(s->c->cfg, rule, sizeof rule);
			msg_set(m, "Keep typing: %s.", rule);
		} else
			patient_normalize_field(s->c->cfg, PF_MRN, q, tmp, m);
		goto done;
	} else {
		char *comma = strchr(q, ',');
		char lastpart[PATIENT_FIELD_MAX], firstpart[PATIENT_FIELD_MAX] = "";
		if (comma) {
			*comma = '\0';
			pindex_fold(comma + 1, firstpart, sizeof firstpart);
		}
		pindex_fold(q, lastpart, sizeof lastpart);
		if (letters(lastpart) < pindex_min_letters(lastpart)) {
			c->l->kind = PQ_INCOMPLETE;
			msg_set(m, "Type at least 2 letters of the last name (1 of a Chinese, Japanese "
				   "or Korean name), or an MRN, date of birth or phone number.");
			goto done;
		}
		/* Until the index is re-made (core/reindex.h), the rows not yet
		 * done have prefix tokens of up to 6 letters only, and no units:
		 * a longer name is found through its 6-letter prefix (and
		 * filtered), and "last, first" always falls back to a prefix. */
		legacy = reindexing(s);
		pmax = legacy ? PINDEX_LEGACY_PREFIX_MAX : PINDEX_PREFIX_MAX;
		text_copy(c->want_last, sizeof c->want_last, lastpart);
		text_copy(c->want_first, sizeof c->want_first, firstpart);
		c->l->kind = *firstpart ? PQ_LAST_FIRST : PQ_NAME;
		what = *firstpart ? "last, first" : "name";
		ret = STATUS_OK;
		if (*firstpart) {
			/* A whole last name (or a part of one, or a run of parts to
			 * its end) and a first-name prefix: one compound token. */
			char key[PATIENT_FIELD_MAX * 2], fp[PATIENT_FIELD_MAX];
			cut_letters(firstpart,
				    legacy ? PINDEX_LEGACY_FIRST_PREFIX_MAX : PINDEX_FIRST_PREFIX_MAX, fp,
				    sizeof fp);
			snprintf(key, sizeof key, "%s|%s", lastpart, fp);
			c->unit_last = 1;
			ret = scan_value(c, PFAM_LAST_FIRST, key, 0, &tok, m);
			sodium_memzero(key, sizeof key);
			sodium_memzero(fp, sizeof fp);
			/* "smith, jo" means the Smiths when there are any; only when
			 * no patient has that last name is it taken as a prefix
			 * ("smi, jo"). */
			if (ret == STATUS_OK && c->l->n == 0 && !c->capped) {
				int exists = 0;
				if (!legacy)
					ret = unit_exists(c, lastpart, &exists, m);
				prefix = !exists;
			}
		}
		if (ret == STATUS_OK && (!*firstpart || prefix)) {
			/* The name's (or a run's) prefix: its own token up to pmax
			 * letters; longer, that token and a filter. */
			char pre[PATIENT_FIELD_MAX];
			cut_letters(lastpart, pmax, pre, sizeof pre);
			text_copy(c->want_last, sizeof c->want_last, lastpart);
			c->unit_last = 0;
			scan_reset(c);
			ret = scan_value(c, PFAM_LAST_PREFIX, pre, 0, &tok, m);
			sodium_memzero(pre, sizeof pre);
		}
		sodium_memzero(lastpart, sizeof lastpart);
		sodium_memzero(firstpart, sizeof firstpart);
	}
	if (ret != STATUS_OK)
		goto done;
	/* Sorted, then cut: in name order the candidates came in it, and the
	 * sort only puts each chunk's (read by prow) back in place. */
	if (c->l->kind != PQ_RECENT && sort_list(c->l) != 0) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory searching.");
		goto done;
	}
	trim(c);
	if (c->capped)
		c->l->more = 1;
	if (c->skip) {
		/* The pages before this one. */
		int drop = c->skip < c->l->n ? c->skip : c->l->n;
		sodium_memzero(c->l->rows, (size_t)drop * sizeof *c->l->rows);
		memmove(c->l->rows, c->l->rows + drop, (size_t)(c->l->n - drop) * sizeof *c->l->rows);
		c->l->n -= drop;
	}
	/* Last visit: the date of the latest encounter (dates are not
	 * encrypted; they are what reports count). */
	for (int i = 0; i < c->l->n; i += DB_ENCOUNTER_LAST_MANY) {
		int64_t prows[DB_ENCOUNTER_LAST_MANY];
		char last[DB_ENCOUNTER_LAST_MANY][11];
		int k = c->l->n - i < DB_ENCOUNTER_LAST_MANY ? c->l->n - i : DB_ENCOUNTER_LAST_MANY;
		for (int j = 0; j < k; j++)
			prows[j] = c->l->rows[i + j].prow;
		if (db_encounter_last_many(s->c->db, prows, k, last, &ignore) == STATUS_OK)
			for (int j = 0; j < k; j++)
				memcpy(c->l->rows[i + j].last_visit, last[j], 11);
	}
	db_read_end(s->c->db, reading);
	reading = 0;
	if (c->l->kind != PQ_RECENT) {
		/* Recorded (kind and blind token, never the text) before anything
		 * is shown, in the audit journal: no write lock to wait for. A
		 * search that cannot be recorded shows nothing.
		 * The patients it lists go with it, by row number, so each
		 * one's access report shows the search ("searched and listed").
		 */
		char detail[64];
		int64_t *listed = malloc((size_t)(c->l->n ? c->l->n : 1) * sizeof *listed);
		int k = 0;
		if (!listed) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory searching.");
			goto done;
		}
		for (int i = 0; i < c->l->n; i++)
			listed[i] = c->l->rows[i].prow;
		search_detail(detail, sizeof detail, what, tok);
		/* A page (the screen's and the command line's 200) in one
		 * event; a caller's longer list in events of that many. */
		do {
			int chunk = c->l->n - k < DB_JOURNAL_LISTED_MAX ? c->l->n - k
									: DB_JOURNAL_LISTED_MAX;
			ret = audit_note_listed(s, "patient_search", "", "ok", detail, listed + k, chunk,
						0, m);
			k += chunk;
		} while (ret == STATUS_OK && k < c->l->n);
		free(listed);
		if (ret != STATUS_OK)
			goto done;
	}
	if (c->capped)
		/* Not every candidate was checked: never "not found". */
		msg_set(m,
			"%d match%s by %s among the first %d candidates checked; there are more "
			"to check - type more to narrow.",
			c->l->n, c->l->n == 1 ? "" : "es", what, c->check_max);
	else if (c->l->page != 1 && c->l->kind != PQ_RECENT) {
		/* A later page (PgDn, --page, --after): which, and whether more
		 * follow. */
		char which[32] = "";
		if (c->l->page > 1)
			snprintf(which, sizeof which, "Page %d: ", c->l->page);
		if (c->l->n == 0)
			msg_set(m, "%sno more matches by %s.", *which ? which : "After it: ", what);
		else
			msg_set(m, "%s%d match%s by %s%s", *which ? which : "After it: ", c->l->n,
				c->l->n == 1 ? "" : "es", what,
				c->l->more ? " - more follow (next page)." : " - the last of them.");
	} else if (c->l->more)
		msg_set(m, "More than %d matches by %s - type more to narrow.", c->l->n, what);
	else if (c->l->n == 0) {
		/* An MRN whose chart was destroyed says so (core/retention.h). */
		msg_t gone;
		if (c->l->kind != PQ_MRN ||
		    patient_destroyed_notice(s, c->want_exact, &gone) == STATUS_OK) {
			const char *parts[] = {"No patient found by ", what, "."};
			say(m, parts, 3);
		} else
			msg_set(m, "%s", gone.text);
	}
	else
		say_matches(m, c->l->n, what);
done:
	db_read_end(s->c->db, reading);
	s->keys_checked = 0; /* only for this search's own event */
	/* A candidate that failed its check: on record, by its id. */
	integrity_report(s, c->row.id, ret, m);
	sodium_memzero(q, sizeof q);
	sodium_memzero(tmp, sizeof tmp);
	sodium_memzero(digits, sizeof digits);
	if (ret == STATUS_OK) {
		*out = c->l;
	} else {
		patient_list_free(c->l);
	}
	/* The decrypted record, the folded names and what was typed. */
	sodium_memzero(c, offsetof(ctx_t, row));
	free(c);
	return ret;
}
