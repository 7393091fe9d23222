/* precord.c - stored form of a patient record; the bulk writer. */
#include "core/precord.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sodium.h>

#include "base/text.h"
#include "core/audit.h"
#include "core/internal.h"
#include "core/porder.h"

/* Each group is a sequence of (1-byte length, bytes) in field order.
 * The ident group (what a search list decrypts) ends with one more: a
 * copy of the date of death (a details field), so that a list can show
 * a deceased patient's age at death without opening the details. Rows
 * sealed before it have no such element: read as "not known here". */
static int put_value(unsigned char *buf, size_t cap, size_t *o, const char *v)
{
	size_t n = strlen(v);
	if (n > 255 || *o + 1 + n > cap)
		return -1;
	buf[(*o)++] = (unsigned char)n;
	memcpy(buf + *o, v, n);
	*o += n;
	return 0;
}

static size_t serialise(const patient_t *p, int group, unsigned char *buf, size_t cap)
{
	size_t o = 0;
	for (int f = 0; f < PF_COUNT; f++) {
		if (precord_field_group((pfield_t)f) != group)
			continue;
		if (put_value(buf, cap, &o, p->f[f]) != 0)
			return 0;
	}
	if (group == 0 && put_value(buf, cap, &o, p->f[PF_DEATH]) != 0)
		return 0;
	return o;
}

static int get_value(char *out, const char *buf, size_t len, size_t *o)
{
	size_t n;
	if (*o >= len)
		return -1;
	n = (unsigned char)buf[(*o)++];
	if (*o + n > len || n >= PATIENT_FIELD_MAX)
		return -1;
	memcpy(out, buf + *o, n);
	out[n] = '\0';
	*o += n;
	return 0;
}

static int deserialise(patient_t *p, int group, const char *buf, size_t len)
{
	size_t o = 0;
	for (int f = 0; f < PF_COUNT; f++) {
		if (precord_field_group((pfield_t)f) != group)
			continue;
		if (get_value(p->f[f], buf, len, &o) != 0)
			return -1;
	}
	/* The ident's copy of the date of death, when the row has one (the
	 * details, if opened next, hold the same value). */
	if (group == 0 && o < len && get_value(p->f[PF_DEATH], buf, len, &o) != 0)
		return -1;
	return o == len ? 0 : -1;
}

/* The clear state bound into the ciphertexts, so none of it can be
 * changed in the file without the row failing to decrypt: the ident blob
 * (what the search path opens, at no extra cost) binds the confidential
 * flag and the version; the details blob binds them too, and who saved the
 * row when (shown as "saved ... by ..."). Timestamps and user names hold
 * no '|'. */
#define STATE_MAX 200
static void patient_state(const db_patient_row_t *row, int group, int confidential, int version,
			  char out[STATE_MAX])
{
	if (group == 0) {
		/* Without printf: this runs for every row a search decrypts. */
		char digits[12];
		size_t o = 0, n = 0;
		unsigned v = (unsigned)version;
		out[o++] = 'c';
		out[o++] = confidential == 0 ? '0' : confidential == 1 ? '1' : 'x';
		out[o++] = 'v';
		if (version < 0)
			out[o++] = '-';
		v = version < 0 ? 0u - v : v;
		do {
			digits[n++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (n)
			out[o++] = digits[--n];
		out[o] = '\0';
	} else
		snprintf(out, STATE_MAX, "c%dv%d;%s;%s;%s;%s", confidential, version, row->created,
			 row->created_by, row->updated, row->updated_by);
}

static int all_same(const char *d)
{
	for (const char *c = d; *c; c++)
		if (*c != d[0])
			return 0;
	return 1;
}

static int zip_bad(const char *zip)
{
	char d[16];
	size_t n;
	if (strspn(zip, "0123456789- ") != strlen(zip))
		return 1;
	pindex_digits(zip, d, sizeof d);
	n = strlen(d);
	return (n != 5 && n != 9) || (all_same(d) && (d[0] == '0' || d[0] == '9'));
}

static int phone_bad(const char *phone)
{
	char d[24];
	size_t n;
	if (strspn(phone, "0123456789()-. +") != strlen(phone))
		return 1;
	pindex_digits(phone, d, sizeof d);
	n = strlen(d);
	if (n == 11 && d[0] == '1')
		memmove(d, d + 1, n--);
	return n != 10 || d[0] < '2' || d[3] < '2' || all_same(d) || strcmp(d, "1234567890") == 0;
}

int precord_quality(const patient_t *p)
{
	int q = 0;
	const char *home = p->f[PF_PHONE_HOME], *mobile = p->f[PF_PHONE_MOBILE];
	if (!home[0] && !mobile[0])
		q |= PQ_NO_PHONE;
	if (!p->f[PF_ADDR1][0] || !p->f[PF_CITY][0] || !p->f[PF_STATE][0] || !p->f[PF_ZIP][0])
		q |= PQ_NO_ADDRESS;
	if (p->f[PF_ZIP][0] && zip_bad(p->f[PF_ZIP]))
		q |= PQ_BAD_ZIP;
	if ((home[0] && phone_bad(home)) || (mobile[0] && phone_bad(mobile)))
		q |= PQ_BAD_PHONE;
	return q;
}

status_t precord_seal(const keyring_t *kr, const patient_t *p, int version, db_patient_row_t *row,
		      msg_t *m)
{
	unsigned char buf[PF_COUNT * 256];
	unsigned char *ct = NULL;
	size_t n, ct_len = 0;
	status_t ret = STATUS_OK;
	static const char *const cols[2] = {"ident", "details"};
	char state[STATE_MAX];
	crypto_bind_t b = {"patients", NULL, p->id, p->id, NULL, state};

	snprintf(row->id, sizeof row->id, "%s", p->id);
	row->confidential = p->confidential;
	row->version = version;
	row->quality = precord_quality(p);
	for (int g = 0; g < 2 && ret == STATUS_OK; g++) {
		n = serialise(p, g, buf, sizeof buf);
		b.column = cols[g];
		patient_state(row, g, p->confidential, version, state);
		ret = crypto_field_seal(kr, DOMAIN_DEMO, &b, buf, n, 1, &ct, &ct_len, m);
		if (ret == STATUS_OK && ct_len > DB_PATIENT_BLOB_MAX)
			ret = msg_fail(m, STATUS_INVALID, "The record is too large.");
		if (ret == STATUS_OK) {
			memcpy(g ? row->details : row->ident, ct, ct_len);
			if (g)
				row->details_len = ct_len;
			else
				row->ident_len = ct_len;
		}
		free(ct);
		ct = NULL;
	}
	sodium_memzero(buf, sizeof buf);
	return ret;
}

status_t precord_open(const keyring_t *kr, const db_patient_row_t *row, patient_t *p,
		      int ident_only, unsigned flags, msg_t *m)
{
	static const char *const cols[2] = {"ident", "details"};
	status_t ret = STATUS_OK;
	char state[STATE_MAX];
	crypto_bind_t b = {"patients", NULL, row->id, row->id, NULL, state};
	/* Only the fields of the groups decrypted below need clearing: this
	 * runs for every row of a search page. */
	for (int f = 0; f < PF_COUNT; f++)
		p->f[f][0] = '\0';
	text_copy(p->id, sizeof p->id, row->id);
	p->prow = row->prow;
	p->version = row->version;
	p->confidential = row->confidential;
	text_copy(p->created, sizeof p->created, row->created);
	text_copy(p->created_by, sizeof p->created_by, row->created_by);
	text_copy(p->updated, sizeof p->updated, row->updated);
	text_copy(p->updated_by, sizeof p->updated_by, row->updated_by);
	if (row->toolong)
		return msg_fail(m, STATUS_INTEGRITY,
				"Integrity check failed: patients record %lld was altered (changed "
				"outside Chartroom).",
				(long long)row->prow);
	for (int g = 0; g < (ident_only ? 1 : 2) && ret == STATUS_OK; g++) {
		char *plain = NULL;
		size_t plen = 0;
		b.column = cols[g];
		patient_state(row, g, row->confidential, row->version, state);
		ret = crypto_field_open(kr, DOMAIN_DEMO, &b, flags, g ? row->details : row->ident,
					g ? row->details_len : row->ident_len, &plain, &plen, m);
		if (ret == STATUS_OK && deserialise(p, g, plain, plen) != 0)
			ret = STATUS_INTEGRITY;
		if (ret == STATUS_INTEGRITY)
			ret = msg_fail(m, STATUS_INTEGRITY,
				       "Integrity check failed: patients record %lld was altered "
				       "(changed outside Chartroom).",
				       (long long)row->prow);
		crypto_free_plain(plain, plen);
	}
	return ret;
}

/* ---- bulk ------------------------------------------------------------- */

/* Index tokens are collected in 256 buckets by their top byte (in SQLite's
 * signed order), so that at commit each bucket is sorted on its own, on a
 * second thread, while the previous one is being written. */
#define TOK_BUCKETS 256

typedef struct tokrow {
	int64_t token;
	int64_t prow;
} tokrow_t;

typedef struct tokbucket {
	tokrow_t *v;
	size_t n, cap;
} tokbucket_t;

/* A sealed row waiting for the batch's commit, when its rank is known and
 * it is inserted with it (core/porder.h): its blobs are in the batch's
 * byte arena. Ciphertexts and ids only, nothing in the clear. */
typedef struct pend {
	int64_t prow;
	size_t off;
	uint16_t ident_len, details_len, match_len;
	uint16_t key_len; /* a batch sealed ahead: its order key follows the blobs */
	signed char confidential;
	int quality;
	char id[33];
} pend_t;

/* A batch's sealed rows, waiting for its commit. The batch being
 * written has its rows numbered as they come (the next row number read
 * once, inside its transaction) and their order keys in the run
 * (porder_run_add). A batch sealed ahead, while the one before commits
 * (pbulk_load), cannot read the database: its rows are numbered from 0
 * and keep their order keys beside their blobs, until it becomes the
 * batch being written (adopt_ahead). */
typedef struct bstate {
	pend_t *pend;
	size_t npend, cappend;
	unsigned char *bytes; /* blobs (and, ahead, order keys: wiped) */
	size_t nbytes, capbytes;
	int64_t prow_next; /* the next row number; 0: not read yet this batch */
	char pend_when[24], pend_by[72]; /* who and when, the same for a batch */
	tokbucket_t bucket[TOK_BUCKETS];
	size_t ntoks;
	int64_t count, first_prow, last_prow;
	int ahead;    /* numbered from 0, keys kept here */
	int has_keys; /* bytes hold order keys: wipe them */
} bstate_t;

typedef struct feedbuf feedbuf_t;

struct pbulk {
	session_t *s;
	feedbuf_t *fb; /* the feeds' buffers (feed_run) */
	bstate_t cur;   /* the batch being written */
	bstate_t ahead; /* the next one, sealed while cur commits (pbulk_load) */
	char what[160];
	int64_t mrn_next, mrn_left; /* MRNs reserved in blocks (pbulk_add, pbulk_load) */
	/* Each feed worker's memo of tokens, kept from one feed to the next
	 * (a load in batches feeds many times); wiped when b is freed. */
	pindex_memo_t *memo[8];
	char when[24];
	db_patient_row_t row;
	pbulk_row_fn on_row;
	void *on_row_arg;
	porder_run_t *order; /* the rows' places in the name order */
	/* What the open transaction holds (its batches written, not yet
	 * committed): its audit entry's count and row range. */
	int64_t txn_count, txn_first, txn_last;
	/* A load (pbulk_load) keeps the open transaction's token rows here,
	 * each bucket in the table's key order, and inserts them all at its
	 * commit (defer_flush): one pass in key order builds the index
	 * B-tree from its left edge to its right, where a pass per part
	 * would insert into the middle of the index the parts before built. */
	int defer;
	int direct; /* this load writes the file directly (db_direct_write) */
	struct triple *defer_v[TOK_BUCKETS];
	size_t defer_n[TOK_BUCKETS];
	size_t deferred; /* rows held, all buckets */
};

void pbulk_on_row(pbulk_t *b, pbulk_row_fn fn, void *arg)
{
	b->on_row = fn;
	b->on_row_arg = arg;
}

static unsigned bucket_of(int64_t token)
{
	return (unsigned)((((uint64_t)token) ^ (1ull << 63)) >> 56);
}

status_t pbulk_begin(session_t *s, const char *what, pbulk_t **out, msg_t *m)
{
	pbulk_t *b = calloc(1, sizeof *b);
	status_t ret;
	*out = NULL;
	if (!b)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	b->s = s;
	if (!(b->order = porder_run_new())) {
		free(b);
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	snprintf(b->what, sizeof b->what, "%s", what);
	core_now(b->when);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK) {
		porder_run_free(b->order);
		free(b);
		return ret;
	}
	db_bulk_mode(s->c->db, 1, m);
	*out = b;
	return STATUS_OK;
}

/* Add one patient's lookup tokens for prow to the batch (the others are
 * in the row's match set). */
static status_t collect_tokens(bstate_t *b, const ptokens_t *t, int64_t prow, msg_t *m)
{
	for (int i = 0; i < t->n; i++) {
		tokbucket_t *k;
		if (!pindex_family_indexed((pfamily_t)t->fam[i]))
			continue;
		k = &b->bucket[bucket_of(t->tok[i])];
		if (k->n == k->cap) {
			size_t cap = k->cap ? k->cap * 2 : 1024;
			tokrow_t *nv = realloc(k->v, cap * sizeof *nv);
			if (!nv)
				return msg_fail(m, STATUS_NOMEM, "Out of memory collecting index tokens.");
			k->v = nv;
			k->cap = cap;
		}
		k->v[k->n].token = t->tok[i];
		k->v[k->n].prow = prow;
		k->n++;
		b->ntoks++;
	}
	if (!b->count)
		b->first_prow = prow;
	b->last_prow = prow;
	b->count++;
	return STATUS_OK;
}

/* Take a sealed row into the batch: it gets the next row number now (its
 * tokens and place in the order refer to it) and is inserted, with its
 * rank, at the batch's commit (insert_pending). */
static status_t defer_row(pbulk_t *pb, bstate_t *b, db_patient_row_t *row, const char *key,
			  const ptokens_t *t, msg_t *m)
{
	status_t ret;
	pend_t *x;
	size_t key_len = b->ahead ? strlen(key) + 1 : 0;
	size_t need = row->ident_len + row->details_len + row->match_len + key_len;
	if (b->ahead && !b->npend) {
		b->prow_next = 0; /* numbered from 0 until adopted */
		text_copy(b->pend_when, sizeof b->pend_when, row->created);
		text_copy(b->pend_by, sizeof b->pend_by, row->created_by);
	} else if (!b->ahead && !b->prow_next) {
		if ((ret = db_patient_next_prow(pb->s->c->db, &b->prow_next, m)) != STATUS_OK)
			return ret;
		text_copy(b->pend_when, sizeof b->pend_when, row->created);
		text_copy(b->pend_by, sizeof b->pend_by, row->created_by);
	}
	/* Who and when are bound into the ciphertext; a batch has one of each
	 * (pbulk_next_batch sets the time between batches). */
	if (strcmp(b->pend_when, row->created) != 0 || strcmp(b->pend_by, row->created_by) != 0)
		return msg_fail(m, STATUS_ERR, "A bulk load's batch changed its time of saving.");
	if (b->npend == b->cappend) {
		size_t cap = b->cappend ? b->cappend * 2 : 1024;
		pend_t *np = realloc(b->pend, cap * sizeof *np);
		if (!np)
			return msg_fail(m, STATUS_NOMEM, "Out of memory.");
		b->pend = np;
		b->cappend = cap;
	}
	if (b->nbytes + need > b->capbytes) {
		size_t cap = b->capbytes ? b->capbytes : 1 << 20;
		unsigned char *nb;
		while (b->nbytes + need > cap)
			cap *= 2;
		/* Order keys are PHI: never left behind by realloc. */
		if (!(nb = malloc(cap)))
			return msg_fail(m, STATUS_NOMEM, "Out of memory.");
		if (b->bytes) {
			memcpy(nb, b->bytes, b->nbytes);
			if (b->has_keys)
				sodium_memzero(b->bytes, b->nbytes);
			free(b->bytes);
		}
		b->bytes = nb;
		b->capbytes = cap;
	}
	row->prow = b->prow_next++;
	x = &b->pend[b->npend++];
	x->prow = row->prow;
	x->off = b->nbytes;
	x->ident_len = (uint16_t)row->ident_len;
	x->details_len = (uint16_t)row->details_len;
	x->match_len = (uint16_t)row->match_len;
	x->key_len = (uint16_t)key_len;
	x->confidential = (signed char)row->confidential;
	x->quality = row->quality;
	text_copy(x->id, sizeof x->id, row->id);
	memcpy(b->bytes + b->nbytes, row->ident, row->ident_len);
	memcpy(b->bytes + b->nbytes + row->ident_len, row->details, row->details_len);
	memcpy(b->bytes + b->nbytes + row->ident_len + row->details_len, row->match,
	       row->match_len);
	if (key_len) {
		memcpy(b->bytes + b->nbytes + need - key_len, key, key_len);
		b->has_keys = 1;
	} else if ((ret = porder_run_add(pb->order, row->prow, key, m)) != STATUS_OK)
		return ret;
	b->nbytes += need;
	return collect_tokens(b, t, row->prow, m);
}

static void pending_clear(bstate_t *b)
{
	if (b->has_keys && b->bytes)
		sodium_memzero(b->bytes, b->nbytes);
	b->has_keys = 0;
	b->npend = 0;
	b->nbytes = 0;
	b->prow_next = 0;
	b->count = b->first_prow = b->last_prow = 0;
	b->ntoks = 0;
	for (int k = 0; k < TOK_BUCKETS; k++)
		b->bucket[k].n = 0;
}

static void bstate_free(bstate_t *b)
{
	pending_clear(b);
	free(b->pend);
	free(b->bytes);
	for (int k = 0; k < TOK_BUCKETS; k++)
		free(b->bucket[k].v);
	memset(b, 0, sizeof *b);
}

/* Insert the batch's rows, each with its rank when known (else 0, placed
 * next by porder_run_place), in row order, calling on_row for each. */
static status_t insert_pending(pbulk_t *b, int known, msg_t *m)
{
	db_t *db = b->s->c->db;
	db_patient_row_t *row = &b->row;
	bstate_t *st = &b->cur;
	status_t ret = STATUS_OK;
	memset(row, 0, offsetof(db_patient_row_t, ident));
	text_copy(row->created, sizeof row->created, st->pend_when);
	text_copy(row->created_by, sizeof row->created_by, st->pend_by);
	text_copy(row->updated, sizeof row->updated, st->pend_when);
	text_copy(row->updated_by, sizeof row->updated_by, st->pend_by);
	row->version = 1;
	for (size_t i = 0; i < st->npend && ret == STATUS_OK; i++) {
		const pend_t *x = &st->pend[i];
		const unsigned char *src = st->bytes + x->off;
		row->prow = x->prow;
		text_copy(row->id, sizeof row->id, x->id);
		row->confidential = x->confidential;
		row->quality = x->quality;
		row->ident_len = x->ident_len;
		row->details_len = x->details_len;
		row->match_len = x->match_len;
		memcpy(row->ident, src, x->ident_len);
		memcpy(row->details, src + x->ident_len, x->details_len);
		memcpy(row->match, src + x->ident_len + x->details_len, x->match_len);
		ret = db_patient_insert_ranked(db, row, known ? porder_run_rank_of(b->order, x->prow) : 0,
					       m);
		if (ret == STATUS_OK && b->on_row)
			ret = b->on_row(b->on_row_arg, row, m);
	}
	return ret;
}

/* Give p its MRN and compute its stored form (p->id is already set);
 * memo may be NULL. */
static status_t seal_one(const config_t *cfg, const keyring_t *kr, pindex_memo_t *memo,
			 int64_t mrn_seq, const char *when, const char *by, patient_t *p,
			 db_patient_row_t *row, ptokens_t *t, char *key, msg_t *m)
{
	status_t ret;
	patient_mrn_format(cfg, mrn_seq, p->f[PF_MRN], sizeof p->f[PF_MRN]);
	porder_key(p, key, PORDER_KEY_MAX); /* its place is found at commit */
	/* The blobs are filled to their length; clear only the rest. */
	memset(row, 0, offsetof(db_patient_row_t, ident));
	/* Who and when are bound into the ciphertexts: set before sealing. */
	text_copy(row->created, sizeof row->created, when);
	text_copy(row->created_by, sizeof row->created_by, by);
	text_copy(row->updated, sizeof row->updated, when);
	text_copy(row->updated_by, sizeof row->updated_by, by);
	row->toolong = 0;
	if ((ret = precord_seal(kr, p, 1, row, m)) != STATUS_OK)
		return ret;
	if ((ret = pindex_patient_memo(kr, cfg->blind_index_bytes, p, memo, t, m)) != STATUS_OK)
		return ret;
	row->match_len = pindex_match_set(t, row->match, sizeof row->match);
	return STATUS_OK;
}

status_t pbulk_add(pbulk_t *b, patient_t *p, msg_t *m)
{
	status_t ret;
	ptokens_t t;
	session_t *s = b->s;
	db_t *db = s->c->db;
	char key[PORDER_KEY_MAX];

	if (!b->mrn_left) {
		if ((ret = db_mrn_reserve(db, 1024, &b->mrn_next, m)) != STATUS_OK)
			return ret;
		b->mrn_left = 1024;
	}
	b->mrn_left--;
	crypto_random_id(p->id);
	ret = seal_one(s->c->cfg, s->kr, NULL, b->mrn_next++, b->when, s->user.name, p, &b->row, &t,
		       key, m);
	if (ret == STATUS_OK)
		ret = defer_row(b, &b->cur, &b->row, key, &t, m);
	sodium_memzero(key, sizeof key);
	if (ret != STATUS_OK)
		return ret;
	p->prow = b->row.prow;
	p->version = 1;
	return STATUS_OK;
}

/* ---- the feed: workers encrypt, this thread writes ---------------------- */

/* Patients pass from the workers to the writer a batch at a time, so the
 * threads meet once per BATCH patients, not once per patient. There is a
 * worker for every core but one, and the writer (this thread) encrypts a
 * batch itself whenever the one it must write next is not ready yet: every
 * core stays busy and no thread waits on another that shares its core. */
#define BATCH 64
#define SLOTS 8 /* batches in flight */
#define WORKERS_MAX 7
_Static_assert(WORKERS_MAX + 1 <= 8, "a memo for each worker and the writer (pbulk.memo)");
/* Record ids are drawn this many at a time, in ascending order, so rows
 * enter the id index near one another instead of all over it. */
#define ID_BLOCK 65536

/* The match set a row stores must hold all of a patient's match tokens. */
_Static_assert(PINDEX_MATCH_MAX == DB_PATIENT_MATCH_MAX, "match set sizes agree");
#define PFAM_ADD_MATCHED(id, tag, indexed, matched) +(matched)
_Static_assert(2 * (0 PINDEX_FAMILIES(PFAM_ADD_MATCHED)) * 8 <= PINDEX_MATCH_MAX,
	       "a patient's match tokens fit the set (at most two of a family: phones)");
#undef PFAM_ADD_MATCHED

typedef struct item {
	db_patient_row_t row;
	ptokens_t tokens;
	char key[PORDER_KEY_MAX]; /* its order key (PHI: wiped with the item) */
} item_t;

enum { B_FREE, B_FILLING, B_READY };

typedef struct batch {
	int state;
	int n;
	int64_t seq;
	item_t *items; /* BATCH of them */
} batch_t;

typedef struct feed {
	const config_t *cfg;
	const char *when, *by; /* the rows' created/updated, bound into them */
	pbulk_producer_fn producer;
	void *arg;
	int64_t max, mrn_first;
	/* Under mu: */
	int64_t produced;  /* patients taken from the producer */
	char (*ids)[CRYPTO_ID_HEX + 1]; /* the current block of sorted ids */
	size_t ids_n, ids_used;
	int64_t next_seq;  /* the next batch a worker fills */
	int64_t nbatches;  /* once exhausted: how many batches there are */
	int exhausted;     /* the producer has no more, or max reached */
	int stop;          /* a failure: everyone stops */
	int workers;       /* workers still running */
	status_t wret;     /* the first worker failure */
	msg_t wmsg;
	batch_t slot[SLOTS];
	pthread_mutex_t mu;
	pthread_cond_t ready, freed;
} feed_t;

/* A feed's buffers, kept by the load from one feed to the next (a load
 * feeds every PBULK_BATCH_ROWS patients: fresh buffers each time cost
 * more in page faults than the work they hold). Their contents are wiped
 * at the end of each feed. Only one feed runs at a time. */
struct feedbuf {
	char (*ids)[CRYPTO_ID_HEX + 1];
	item_t *items[SLOTS];
	patient_t *p[WORKERS_MAX + 1];
};

static void feedbuf_free(feedbuf_t *fb)
{
	if (!fb)
		return;
	for (int i = 0; i < SLOTS; i++)
		free(fb->items[i]);
	for (int i = 0; i <= WORKERS_MAX; i++)
		free(fb->p[i]);
	free(fb->ids);
	free(fb);
}

typedef struct worker {
	feed_t *f;
	keyring_t *kr; /* its own copy of the demo key */
	patient_t *p;  /* BATCH of them: plaintext, wiped at the end */
	pindex_memo_t *memo; /* tokens of values seen before (wiped at the end) */
} worker_t;

static void feed_fail(feed_t *f, status_t ret, const msg_t *m)
{
	if (f->wret == STATUS_OK) {
		f->wret = ret;
		f->wmsg = *m;
	}
	f->stop = 1;
	pthread_cond_broadcast(&f->ready);
	pthread_cond_broadcast(&f->freed);
}

/* Take the next free batch and fill it from the producer (in order, one
 * thread at a time); the caller holds mu. Returns the batch, or NULL when
 * there is nothing more to do, or (unless may_wait) no free slot now: the
 * writer must never wait for a slot, since it is the one that frees them. */
static batch_t *take_batch(feed_t *f, worker_t *w, int64_t *base, int may_wait, msg_t *m)
{
	for (;;) {
		int64_t seq = f->next_seq;
		batch_t *b = &f->slot[seq % SLOTS];
		int n = 0;
		if (f->stop || f->exhausted)
			return NULL;
		if (b->state != B_FREE) {
			if (!may_wait)
				return NULL;
			pthread_cond_wait(&f->freed, &f->mu);
			continue; /* look again: another worker may have taken seq */
		}
		f->next_seq++;
		b->state = B_FILLING;
		b->seq = seq;
		*base = f->produced;
		while (n < BATCH && f->produced < f->max) {
			int r = f->producer(f->arg, &w->p[n], m);
			if (r < 0) {
				b->state = B_FREE;
				feed_fail(f, STATUS_INVALID, m);
				return NULL;
			}
			if (r == 0) {
				f->exhausted = 1;
				break;
			}
			if (f->ids_used == f->ids_n) {
				int64_t left = f->max - f->produced;
				f->ids_n = left < ID_BLOCK ? (size_t)left : ID_BLOCK;
				f->ids_used = 0;
				if (crypto_random_ids_sorted(f->ids, f->ids_n, m) != STATUS_OK) {
					b->state = B_FREE;
					feed_fail(f, STATUS_NOMEM, m);
					return NULL;
				}
			}
			text_copy(w->p[n].id, sizeof w->p[n].id, f->ids[f->ids_used++]);
			n++;
			f->produced++;
		}
		if (f->produced >= f->max)
			f->exhausted = 1;
		if (f->exhausted)
			f->nbatches = n ? seq + 1 : seq;
		if (!n) {
			b->state = B_FREE;
			pthread_cond_broadcast(&f->ready); /* the writer may be waiting for it */
			return NULL;
		}
		b->n = n;
		return b;
	}
}

/* Fill and encrypt one batch; called and returns with mu held. 0 when
 * there was none to take. */
static int work_one(feed_t *f, worker_t *w, int may_wait, msg_t *m)
{
	int64_t base = 0;
	status_t ret = STATUS_OK;
	batch_t *b = take_batch(f, w, &base, may_wait, m);
	if (!b)
		return 0;
	pthread_mutex_unlock(&f->mu);
	/* The expensive part, outside the lock: encryption and tokens. */
	for (int i = 0; i < b->n && ret == STATUS_OK; i++)
		ret = seal_one(f->cfg, w->kr, w->memo, f->mrn_first + base + i, f->when, f->by,
			       &w->p[i], &b->items[i].row, &b->items[i].tokens, b->items[i].key, m);
	pthread_mutex_lock(&f->mu);
	if (ret != STATUS_OK) {
		b->state = B_FREE;
		feed_fail(f, ret, m);
		return 0;
	}
	b->state = B_READY;
	pthread_cond_broadcast(&f->ready);
	return 1;
}

static void *feed_worker(void *arg)
{
	worker_t *w = arg;
	feed_t *f = w->f;
	msg_t m;
	msg_clear(&m);
	(void)pthread_setname_np(pthread_self(), "chartroom-seal");
	pthread_mutex_lock(&f->mu);
	while (work_one(f, w, 1, &m))
		;
	f->workers--;
	pthread_cond_broadcast(&f->ready);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

/* The writer's wait for batch seq: while it is not ready, encrypt the next
 * free batch itself. NULL when there is none (the end, or a failure). */
static batch_t *next_ready(feed_t *f, worker_t *self, int64_t seq, msg_t *m)
{
	batch_t *b = &f->slot[seq % SLOTS];
	pthread_mutex_lock(&f->mu);
	for (;;) {
		if (b->state == B_READY && b->seq == seq)
			break;
		if (f->stop || (f->exhausted && seq >= f->nbatches)) {
			b = NULL;
			break;
		}
		if (work_one(f, self, 0, m) || f->stop)
			continue;
		/* Nothing to take and not ready: a worker is on it. With no
		 * worker left it would have been ready: the feed is over. */
		if (f->workers == 0) {
			b = NULL;
			break;
		}
		pthread_cond_wait(&f->ready, &f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return b;
}

static int worker_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (int)n;
}

/* Feed st (the batch being written, or one sealed ahead) from the
 * producer: MRNs mrn_first onwards, `when` bound into every row. Touches
 * the database only through defer_row for the batch being written (its
 * first row number), never for a batch sealed ahead. */
static status_t feed_run(pbulk_t *b, bstate_t *st, const keyring_t *kr_src, const char *when,
			 pbulk_producer_fn producer, void *arg, int64_t max, int64_t mrn_first,
			 int64_t *added, msg_t *m)
{
	feed_t f;
	worker_t w[WORKERS_MAX + 1]; /* the last is the writer's own */
	pthread_t th[WORKERS_MAX];
	int nworkers = worker_count(), started = 0;
	status_t ret = STATUS_OK;
	feedbuf_t *fb;

	*added = 0;
	if (max <= 0)
		return STATUS_OK;
	memset(&f, 0, sizeof f);
	memset(w, 0, sizeof w);
	f.cfg = b->s->c->cfg;
	f.when = when;
	f.mrn_first = mrn_first;
	f.by = b->s->user.name;
	f.producer = producer;
	f.arg = arg;
	f.max = max;
	f.wret = STATUS_OK;
	/* Default attributes: these cannot fail on Linux (glibc returns 0). */
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.ready, NULL);
	pthread_cond_init(&f.freed, NULL);
	if (!b->fb && !(b->fb = calloc(1, sizeof *b->fb))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	fb = b->fb;
	if (!fb->ids && !(fb->ids = calloc(ID_BLOCK, sizeof *fb->ids))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	f.ids = fb->ids;
	for (int i = 0; i < SLOTS; i++) {
		if (!fb->items[i] && !(fb->items[i] = calloc(BATCH, sizeof *fb->items[i]))) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
		f.slot[i].items = fb->items[i];
	}
	for (int i = 0; i <= nworkers; i++) {
		w[i].f = &f;
		if (!b->memo[i])
			b->memo[i] = pindex_memo_new();
		w[i].memo = b->memo[i];
		if (!fb->p[i] && !(fb->p[i] = calloc(BATCH, sizeof *fb->p[i]))) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
		w[i].p = fb->p[i];
		if (!w[i].memo) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
		/* The workers need the demo key only, each in a ring of its own. */
		if ((ret = keyring_copy(kr_src, DOMAIN_BIT(DOMAIN_DEMO), &w[i].kr, m)) != STATUS_OK)
			goto cleanup;
	}
	/* Fewer workers than asked for (or none) still works: the writer
	 * encrypts what they do not. */
	f.workers = nworkers;
	for (; started < nworkers; started++)
		if (pthread_create(&th[started], NULL, feed_worker, &w[started]) != 0)
			break;
	pthread_mutex_lock(&f.mu);
	f.workers -= nworkers - started; /* those never started (some may be done) */
	pthread_mutex_unlock(&f.mu);
	for (int64_t seq = 0;; seq++) {
		batch_t *bt = next_ready(&f, &w[nworkers], seq, m);
		if (!bt)
			break;
		for (int i = 0; i < bt->n && ret == STATUS_OK; i++) {
			item_t *it = &bt->items[i];
			ret = defer_row(b, st, &it->row, it->key, &it->tokens, m);
			if (ret == STATUS_OK)
				(*added)++;
		}
		pthread_mutex_lock(&f.mu);
		bt->state = B_FREE;
		if (ret != STATUS_OK)
			f.stop = 1;
		pthread_cond_broadcast(&f.freed);
		pthread_mutex_unlock(&f.mu);
		if (ret != STATUS_OK)
			break;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (ret == STATUS_OK && f.wret != STATUS_OK) {
		ret = f.wret;
		*m = f.wmsg;
	}
	if (ret == STATUS_OK && *added != f.produced)
		ret = msg_fail(m, STATUS_ERR, "The import stopped early (%lld of %lld written).",
			       (long long)*added, (long long)f.produced);
cleanup:
	/* Plaintext patients, order keys: wiped; the buffers are kept. */
	for (int i = 0; i <= nworkers; i++) {
		if (w[i].p)
			sodium_memzero(w[i].p, BATCH * sizeof *w[i].p);
		keyring_free(w[i].kr);
	}
	for (int i = 0; i < SLOTS; i++)
		if (f.slot[i].items)
			sodium_memzero(f.slot[i].items, BATCH * sizeof *f.slot[i].items);
	pthread_cond_destroy(&f.freed);
	pthread_cond_destroy(&f.ready);
	pthread_mutex_destroy(&f.mu);
	return ret;
}

status_t pbulk_feed(pbulk_t *b, pbulk_producer_fn producer, void *arg, int64_t max,
		    int64_t *added, msg_t *m)
{
	int64_t mrn_first = 0;
	status_t ret;
	*added = 0;
	if (max <= 0)
		return STATUS_OK;
	if ((ret = db_mrn_reserve(b->s->c->db, max, &mrn_first, m)) != STATUS_OK)
		return ret;
	return feed_run(b, &b->cur, b->s->kr, b->when, producer, arg, max, mrn_first, added, m);
}

/* ---- commit: sort each bucket on a helper thread, write in order -------- */

/* Sort one bucket by token as SQLite orders signed integers: LSD radix
 * sort on the 7 low bytes of the token (the top byte is the bucket's). */
static int bucket_sort(tokbucket_t *k)
{
	tokrow_t *tmp;
	size_t count[256];
	if (k->n < 2)
		return 0;
	if (!(tmp = malloc(k->n * sizeof *tmp)))
		return -1;
	for (int pass = 0; pass < 7; pass++) {
		int shift = pass * 8;
		size_t sum = 0;
		tokrow_t *src = pass % 2 ? tmp : k->v, *dst = pass % 2 ? k->v : tmp;
		memset(count, 0, sizeof count);
		for (size_t i = 0; i < k->n; i++)
			count[((uint64_t)src[i].token >> shift) & 0xff]++;
		for (int c = 0; c < 256; c++) {
			size_t n = count[c];
			count[c] = sum;
			sum += n;
		}
		for (size_t i = 0; i < k->n; i++)
			dst[count[((uint64_t)src[i].token >> shift) & 0xff]++] = src[i];
	}
	/* Seven passes end in tmp. */
	memcpy(k->v, tmp, k->n * sizeof *tmp);
	free(tmp);
	return 0;
}

/* A token row as stored: (token, rank, prow), the table's key order. */
typedef struct triple {
	int64_t token, rank, prow;
} triple_t;

/* x sorts before y in the table's key order (token, rank, prow). */
static int triple_before(const triple_t *x, const triple_t *y)
{
	if (x->token != y->token)
		return x->token < y->token;
	if (x->rank != y->rank)
		return x->rank < y->rank;
	return x->prow < y->prow;
}

/* Merge the sorted rows t[0..n) into bucket k's deferred rows (sorted),
 * from the back, in place: 0, or -1 out of memory (nothing changed). */
static int defer_merge(pbulk_t *b, int k, const triple_t *t, size_t n)
{
	size_t i = b->defer_n[k], j = n, o = b->defer_n[k] + n;
	triple_t *v;
	if (!n)
		return 0;
	if (!(v = realloc(b->defer_v[k], o * sizeof *v)))
		return -1;
	b->defer_v[k] = v;
	while (j > 0) {
		if (i > 0 && triple_before(&t[j - 1], &v[i - 1]))
			v[--o] = v[--i];
		else
			v[--o] = t[--j];
	}
	b->defer_n[k] += n;
	b->deferred += n;
	return 0;
}

/* Forget the deferred rows (their transaction rolled back, or they are
 * written). They hold tokens, ranks and row numbers: no plaintext. */
static void defer_drop(pbulk_t *b)
{
	for (int k = 0; k < TOK_BUCKETS; k++) {
		free(b->defer_v[k]);
		b->defer_v[k] = NULL;
		b->defer_n[k] = 0;
	}
	b->deferred = 0;
}

/* Insert the deferred token rows, in the table's key order. */
static status_t defer_flush(pbulk_t *b, msg_t *m)
{
	status_t ret = STATUS_OK;
	_Static_assert(sizeof(triple_t) == 3 * sizeof(int64_t), "triples are packed");
	for (int k = 0; k < TOK_BUCKETS && ret == STATUS_OK && b->deferred; k++)
		ret = db_token_insert_ranked(b->s->c->db, (const int64_t *)b->defer_v[k],
					     b->defer_n[k], m);
	defer_drop(b);
	return ret;
}

static int triple_cmp(const void *a, const void *b)
{
	const triple_t *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->prow < y->prow ? -1 : x->prow > y->prow;
}

/* Each of the batch's rows' place in its name order (0 .. npend-1, by
 * row: pos[prow - first_prow]), so that a bucket's rows can be put in
 * rank order by a counting sort on 18 bits instead of a comparison sort
 * of each token's rows (a two-letter prefix's thousands). NULL when the
 * batch's rows are not numbered one after another (or out of memory):
 * bucket_triples then compares. */
#define POS_BITS 9 /* two passes of 9 bits: parts of up to 2^18 rows */

static uint32_t *batch_positions(const bstate_t *c, const porder_run_t *order)
{
	typedef struct {
		uint64_t rank;
		uint32_t i;
	} ri_t;
	size_t n = c->npend;
	ri_t *a = NULL, *tmp = NULL;
	uint32_t *pos = NULL;
	if (!n || n > ((size_t)1 << (2 * POS_BITS)))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (c->pend[i].prow != c->first_prow + (int64_t)i)
			return NULL;
	if (!(a = malloc(n * sizeof *a)) || !(tmp = malloc(n * sizeof *tmp)) ||
	    !(pos = malloc(n * sizeof *pos)))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		a[i].rank = (uint64_t)porder_run_rank_of(order, c->first_prow + (int64_t)i);
		a[i].i = (uint32_t)i;
	}
	/* Ranks lie below 2^62 and are distinct: LSD radix, 8 bits a pass. */
	for (int pass = 0; pass < 8; pass++) {
		size_t count[256], sum = 0;
		ri_t *src = pass % 2 ? tmp : a, *dst = pass % 2 ? a : tmp;
		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[(src[i].rank >> (pass * 8)) & 0xff]++;
		for (int d = 0; d < 256; d++) {
			size_t x = count[d];
			count[d] = sum;
			sum += x;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].rank >> (pass * 8)) & 0xff]++] = src[i];
	}
	for (size_t i = 0; i < n; i++) /* eight passes end in a */
		pos[a[i].i] = (uint32_t)i;
cleanup:
	free(a);
	free(tmp);
	return pos;
}

/* The bucket's token rows in rank order (a stable counting sort on their
 * places), then by token (bucket_sort is stable): in the table's key
 * order. */
static triple_t *bucket_triples_by_pos(tokbucket_t *k, const porder_run_t *order,
				       const uint32_t *pos, int64_t first, size_t np)
{
	size_t n = k->n;
	tokrow_t *v = k->v, *tv = NULL;
	uint32_t *p = NULL, *tp = NULL;
	triple_t *t = NULL;
	int ok = 0;
	if (!(p = malloc((n ? n : 1) * sizeof *p)) || !(tp = malloc((n ? n : 1) * sizeof *tp)) ||
	    !(tv = malloc((n ? n : 1) * sizeof *tv)))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		int64_t r = v[i].prow - first;
		if (r < 0 || (size_t)r >= np)
			goto cleanup; /* not this batch's row: compare instead */
		p[i] = pos[r];
	}
	for (int pass = 0; pass < 2; pass++) {
		size_t count[1 << POS_BITS], sum = 0;
		int shift = pass * POS_BITS;
		tokrow_t *sv = pass ? tv : v, *dv = pass ? v : tv;
		uint32_t *sp = pass ? tp : p, *dp = pass ? p : tp;
		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[(sp[i] >> shift) & ((1u << POS_BITS) - 1)]++;
		for (size_t d = 0; d < ((size_t)1 << POS_BITS); d++) {
			size_t x = count[d];
			count[d] = sum;
			sum += x;
		}
		for (size_t i = 0; i < n; i++) {
			size_t o = count[(sp[i] >> shift) & ((1u << POS_BITS) - 1)]++;
			dv[o] = sv[i];
			dp[o] = sp[i];
		}
	}
	/* Two passes end back in k->v: in rank order. */
	if (bucket_sort(k) != 0 || !(t = malloc((n ? n : 1) * sizeof *t)))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		t[i].token = v[i].token;
		t[i].rank = porder_run_rank_of(order, v[i].prow);
		t[i].prow = v[i].prow;
		if (i && !triple_before(&t[i - 1], &t[i]))
			goto cleanup; /* ranks not as placed: compare instead */
	}
	ok = 1;
cleanup:
	free(p);
	free(tp);
	free(tv);
	if (!ok) {
		free(t);
		return NULL;
	}
	return t;
}

/* The bucket's token rows in the table's key order: sorted by token,
 * each token's rows by rank. Written in that order, consecutive rows of
 * a common token (a name prefix held by thousands) land on the same or
 * the next leaf page instead of all over the token's range. */
static triple_t *bucket_triples(tokbucket_t *k, const porder_run_t *order, const uint32_t *pos,
				int64_t first, size_t np)
{
	triple_t *t;
	if (pos && (t = bucket_triples_by_pos(k, order, pos, first, np)) != NULL)
		return t;
	if (bucket_sort(k) != 0 || !(t = malloc((k->n ? k->n : 1) * sizeof *t)))
		return NULL;
	for (size_t i = 0; i < k->n; i++) {
		t[i].token = k->v[i].token;
		t[i].rank = porder_run_rank_of(order, k->v[i].prow);
		t[i].prow = k->v[i].prow;
	}
	for (size_t i = 0; i < k->n;) {
		size_t j = i + 1;
		while (j < k->n && t[j].token == t[i].token)
			j++;
		if (j - i > 1)
			qsort(t + i, j - i, sizeof *t, triple_cmp);
		i = j;
	}
	return t;
}

typedef struct sorter {
	pbulk_t *b;
	triple_t *out[TOK_BUCKETS]; /* each bucket's rows once done */
	int done;   /* buckets sorted so far, under mu */
	int failed; /* out of memory */
	int stop;   /* the writer gave up */
	pthread_mutex_t mu;
	pthread_cond_t cv;
} sorter_t;

/* The ranks are known (porder_run_rank_of reads them; nothing changes
 * them until the batch is written). A load's rows are merged into its
 * deferred rows here (the writer reads them only after the join). */
static void *sort_buckets(void *arg)
{
	sorter_t *so = arg;
	pbulk_t *b = so->b;
	uint32_t *pos = batch_positions(&b->cur, b->order);
	for (int k = 0; k < TOK_BUCKETS; k++) {
		triple_t *t = bucket_triples(&b->cur.bucket[k], b->order, pos, b->cur.first_prow,
					     b->cur.npend);
		int stop, ok = t != NULL;
		if (t && b->defer) {
			ok = defer_merge(b, k, t, b->cur.bucket[k].n) == 0;
			free(t);
			t = NULL; /* nothing for the writer */
		}
		pthread_mutex_lock(&so->mu);
		if (!ok)
			so->failed = 1;
		else {
			so->out[k] = t;
			so->done = k + 1;
		}
		stop = so->stop || !ok;
		pthread_cond_signal(&so->cv);
		pthread_mutex_unlock(&so->mu);
		if (stop)
			break;
	}
	free(pos);
	return NULL;
}

static void *sort_thread(void *arg)
{
	(void)pthread_setname_np(pthread_self(), "chartroom-sort");
	return sort_buckets(arg);
}

/* Rank the batch, insert its rows and its token rows (inside the open
 * transaction; a load's token rows wait for its commit). */
static status_t write_rows_tokens(pbulk_t *b, msg_t *m)
{
	db_t *db = b->s->c->db;
	sorter_t so;
	pthread_t th;
	int threaded = 0, known = 0;
	status_t ret;

	memset(&so, 0, sizeof so);
	so.b = b;
	pthread_mutex_init(&so.mu, NULL);
	pthread_cond_init(&so.cv, NULL);
	/* The batch's places in the name order first: its rows are inserted
	 * with them, and its token rows carry them. When they are known now,
	 * the buckets are sorted (by token, then rank) on a second thread
	 * while this one inserts the rows; else once the rows are placed. */
	if ((ret = porder_run_rank(b->s, b->order, &known, m)) != STATUS_OK)
		goto cleanup;
	/* Rows placed one by one may renumber neighbours' token rows, the
	 * deferred ones too: those go in first, and this batch's with it. */
	if (!known && b->defer) {
		if ((ret = defer_flush(b, m)) != STATUS_OK)
			goto cleanup;
		b->defer = 0; /* for the rest of the load */
	}
	if (known)
		threaded = pthread_create(&th, NULL, sort_thread, &so) == 0;
	if ((ret = insert_pending(b, known, m)) != STATUS_OK)
		goto cleanup;
	if (!known && (ret = porder_run_place(b->s, b->order, m)) != STATUS_OK)
		goto cleanup;
	if (!threaded)
		sort_buckets(&so); /* no thread (or ranks placed only now) */
	if (b->defer) {
		pthread_mutex_lock(&so.mu);
		while (so.done < TOK_BUCKETS && !so.failed)
			pthread_cond_wait(&so.cv, &so.mu);
		if (so.failed)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory sorting index tokens.");
		pthread_mutex_unlock(&so.mu);
		for (int k = 0; k < TOK_BUCKETS; k++)
			b->cur.bucket[k].n = 0;
	}
	for (int k = 0; k < TOK_BUCKETS && ret == STATUS_OK && !b->defer; k++) {
		tokbucket_t *bk = &b->cur.bucket[k];
		triple_t *t;
		pthread_mutex_lock(&so.mu);
		while (so.done <= k && !so.failed)
			pthread_cond_wait(&so.cv, &so.mu);
		t = so.done > k ? so.out[k] : NULL;
		pthread_mutex_unlock(&so.mu);
		if (!t) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory sorting index tokens.");
			break;
		}
		_Static_assert(sizeof(triple_t) == 3 * sizeof(int64_t), "triples are packed");
		ret = db_token_insert_ranked(db, (const int64_t *)t, bk->n, m);
		bk->n = 0; /* its array is kept for the next part */
	}
cleanup:
	pthread_mutex_lock(&so.mu);
	so.stop = 1;
	pthread_mutex_unlock(&so.mu);
	if (threaded)
		pthread_join(th, NULL);
	for (int k = 0; k < TOK_BUCKETS; k++)
		free(so.out[k]);
	pthread_cond_destroy(&so.cv);
	pthread_mutex_destroy(&so.mu);
	return ret;
}

static void free_buckets(pbulk_t *b)
{
	defer_drop(b);
	feedbuf_free(b->fb);
	bstate_free(&b->cur);
	bstate_free(&b->ahead);
	porder_run_free(b->order);
	for (size_t i = 0; i < sizeof b->memo / sizeof b->memo[0]; i++)
		pindex_memo_free(b->memo[i]);
	free(b);
}

/* Write the batch's rows and tokens in the open transaction, without
 * committing: its rows join the order kept in memory, and the
 * transaction's count and row range (its audit entry's) grow. */
static status_t flush_batch(pbulk_t *b, msg_t *m)
{
	status_t ret = write_rows_tokens(b, m);
	if (ret == STATUS_OK && b->cur.count) {
		porder_run_next(b->order);
		if (!b->txn_count)
			b->txn_first = b->cur.first_prow;
		b->txn_last = b->cur.last_prow;
		b->txn_count += b->cur.count;
	}
	pending_clear(&b->cur);
	return ret;
}

/* Audit and commit what the open transaction holds (or roll it back on
 * failure: the order kept in memory counted its rows, so it is read
 * again). */
static status_t commit_txn(pbulk_t *b, status_t ret, int64_t *count, msg_t *m)
{
	char detail[256];
	db_t *db = b->s->c->db;
	snprintf(detail, sizeof detail, "%s: %" PRId64 " patients, rows %" PRId64 "..%" PRId64,
		 b->what, b->txn_count, b->txn_first, b->txn_last);
	if (ret == STATUS_OK && b->deferred)
		ret = defer_flush(b, m);
	if (ret == STATUS_OK)
		ret = audit_append(b->s, "patient_import", "", "ok", detail, m);
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK) {
		db_rollback(db);
		defer_drop(b);
		porder_run_free(b->order);
		b->order = porder_run_new();
		if (!b->order && ret == STATUS_OK)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	if (count)
		*count = ret == STATUS_OK ? b->txn_count : 0;
	b->txn_count = b->txn_first = b->txn_last = 0;
	return ret;
}

status_t pbulk_commit_batch(pbulk_t *b, int64_t *count, msg_t *m)
{
	return commit_txn(b, flush_batch(b, m), count, m);
}


status_t pbulk_feed_batch(pbulk_t *b, pbulk_producer_fn producer, void *arg, int64_t left,
			  int64_t chunk, int64_t max_rows, msg_t *m, int64_t *added)
{
	db_t *db = b->s->c->db;
	status_t ret = STATUS_OK;
	*added = 0;
	if (max_rows > left)
		max_rows = left;
	while (*added < max_rows) {
		int64_t want = max_rows - *added < chunk ? max_rows - *added : chunk, got = 0;
		if ((ret = pbulk_feed(b, producer, arg, want, &got, m)) != STATUS_OK)
			break;
		*added += got;
		/* The producer ended, or someone waits for the lock: commit now. */
		if (got < want || db_writers_waiting(db))
			break;
	}
	return ret;
}

status_t pbulk_next_batch(pbulk_t *b, msg_t *m)
{
	db_t *db = b->s->c->db;
	/* Whoever waits for the write lock goes first: the batches of an
	 * import and other users' changes take turns. */
	db_yield_to_writers(db, PBULK_YIELD_MS);
	core_now(b->when);
	return db_begin(db, m);
}

/* ---- a load that seals the next batch while one commits ---------------- */

/* The next batch, sealed on a thread of its own while this one writes and
 * commits: `want` patients at most, `chunk` at a time, ending early (as
 * pbulk_feed_batch does) when another connection waits for the write
 * lock, so that a writer in line never waits for more than before. It
 * reads nothing from the database: MRNs come from b's reserved block,
 * rows are numbered from 0 (adopt_ahead numbers them). */
typedef struct aheadjob {
	pbulk_t *b;
	keyring_t *kr; /* the demo key, copied for it (the session's ring is the writer's) */
	int own_thread; /* yield the cores to the writer */
	pbulk_producer_fn producer;
	void *arg;
	int64_t want, chunk, got;
	char when[24];
	status_t ret;
	msg_t m;
} aheadjob_t;

static void *seal_ahead(void *arg)
{
	aheadjob_t *j = arg;
	pbulk_t *b = j->b;
	msg_clear(&j->m);
	j->ret = STATUS_OK;
	/* The writer's SQL is the load's critical path (and what a writer in
	 * line waits for): this thread and its workers (which inherit it)
	 * take the cores only when it does not need them. */
	if (j->own_thread) {
		(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 5);
		(void)pthread_setname_np(pthread_self(), "chartroom-ahead");
	}
	while (j->got < j->want) {
		int64_t n = j->want - j->got < j->chunk ? j->want - j->got : j->chunk, added = 0;
		j->ret = feed_run(b, &b->ahead, j->kr, j->when, j->producer, j->arg, n, b->mrn_next,
				  &added, &j->m);
		b->mrn_next += added;
		b->mrn_left -= added;
		j->got += added;
		if (j->ret != STATUS_OK || added < n || db_writers_waiting(b->s->c->db))
			break;
	}
	return NULL;
}

/* At least `want` MRNs in one block, reserved in the open transaction
 * (committed with the batch being written; what a batch sealed ahead does
 * not use is used by the next). */
static status_t mrn_block(pbulk_t *b, int64_t want, msg_t *m)
{
	db_t *db = b->s->c->db;
	int64_t first = 0, more = want - b->mrn_left;
	status_t ret;
	if (more <= 0)
		return STATUS_OK;
	if ((ret = db_mrn_reserve(db, more, &first, m)) != STATUS_OK)
		return ret;
	if (b->mrn_left && first == b->mrn_next + b->mrn_left) {
		b->mrn_left += more;
		return STATUS_OK;
	}
	/* Another user took MRNs after the block left: start a new one (the
	 * rest of the old one is never used). */
	b->mrn_next = first;
	b->mrn_left = more;
	if (more < want) {
		if ((ret = db_mrn_reserve(db, want - more, &first, m)) != STATUS_OK)
			return ret;
		if (first != b->mrn_next + more)
			return msg_fail(m, STATUS_ERR, "Medical record numbers were reserved out of order.");
		b->mrn_left = want;
	}
	return STATUS_OK;
}

/* The batch sealed ahead becomes the batch being written, inside its
 * transaction: its rows get their numbers (after the database's last,
 * which another user's change may have moved) and their keys go to the
 * name order. */
static status_t adopt_ahead(pbulk_t *b, msg_t *m)
{
	bstate_t t;
	bstate_t *c = &b->cur;
	int64_t base = 0;
	status_t ret;
	if ((ret = db_patient_next_prow(b->s->c->db, &base, m)) != STATUS_OK)
		return ret;
	t = b->cur;
	b->cur = b->ahead;
	b->ahead = t;
	c->ahead = 0;
	b->ahead.ahead = 1;
	for (size_t i = 0; i < c->npend; i++) {
		pend_t *x = &c->pend[i];
		const char *key = (const char *)c->bytes + x->off + x->ident_len + x->details_len +
				  x->match_len;
		x->prow += base;
		if ((ret = porder_run_add(b->order, x->prow, key, m)) != STATUS_OK)
			return ret;
	}
	for (int k = 0; k < TOK_BUCKETS; k++)
		for (size_t i = 0; i < c->bucket[k].n; i++)
			c->bucket[k].v[i].prow += base;
	c->first_prow += base;
	c->last_prow += base;
	c->prow_next = base + (int64_t)c->npend;
	return STATUS_OK;
}

/* A load into a database without patients, in one transaction, that no
 * other connection has open writes the database file directly: through
 * the log, each page would be written twice (to the log at commit, then
 * copied into the file), 1.1 GB each way at a million patients. The
 * empty transaction pbulk_begin opened is closed for the switch (the
 * journal cannot change inside one) and opened again. */
static status_t direct_begin(pbulk_t *b, int64_t n, int64_t max_rows, msg_t *m)
{
	db_t *db = b->s->c->db;
	int64_t have = -1;
	msg_t ignore;
	status_t ret;
	if (n > max_rows || b->txn_count || b->cur.npend ||
	    db_patient_count(db, &have, &ignore) != STATUS_OK || have != 0)
		return STATUS_OK;
	db_rollback(db);
	if (db_direct_write(db, 1, &b->direct, &ignore) != STATUS_OK)
		b->direct = 0;
	if ((ret = db_begin(db, m)) != STATUS_OK && b->direct) {
		db_direct_write(db, 0, NULL, &ignore);
		b->direct = 0;
	}
	return ret;
}

/* Back to the log once the load's transaction is over (committed, or
 * rolled back: then *m keeps the load's own message). */
static void direct_end(pbulk_t *b, status_t ret, msg_t *m)
{
	msg_t ignore;
	if (b->direct)
		db_direct_write(b->s->c->db, 0, NULL, ret == STATUS_OK ? m : &ignore);
}

/* A load streams: the next part of `step` patients is sealed on other
 * threads while this one writes the part before into the open
 * transaction, which commits every max_rows patients (each commit
 * rewrites much of the search index: few commits keep the load fast),
 * when another connection waits for the write lock, and at the end. The
 * first part is sealed before anything can be written: `step` is small
 * beside max_rows, so the writer (the load's critical path) starts
 * early, and sealing (faster on a core than writing) keeps ahead of it. */
status_t pbulk_load(pbulk_t *b, pbulk_producer_fn producer, void *arg, int64_t n, int64_t chunk,
		    int64_t max_rows, int64_t *done, msg_t *m)
{
	status_t ret;
	db_t *db = b->s->c->db;
	int64_t fed = 0, added = 0, step = max_rows / PBULK_PARTS;
	int open = 1; /* a transaction is open (pbulk_begin opened the first) */
	db_ckpt_t *ck = NULL;
	*done = 0;
	b->ahead.ahead = 1;
	if (n <= 0)
		return STATUS_OK;
	b->defer = 1;
	if ((ret = direct_begin(b, n, max_rows, m)) != STATUS_OK)
		return ret;
	if (step > PBULK_PART_MAX)
		step = PBULK_PART_MAX;
	if (step < chunk)
		step = chunk;
	if ((ret = pbulk_feed_batch(b, producer, arg, n, chunk, step, m, &added)) != STATUS_OK)
		return ret;
	fed = added;
	if (!b->direct)
		db_ckpt_start(db, &ck);
	for (;;) {
		aheadjob_t j;
		pthread_t th;
		int threaded = 0, sealing = 0;
		int64_t saved = 0, want = n - fed < step ? n - fed : step;
		memset(&j, 0, sizeof j);
		j.ret = STATUS_OK;
		if (want > 0 && added > 0) {
			if ((ret = mrn_block(b, want, m)) != STATUS_OK)
				break;
			if ((ret = keyring_copy(b->s->kr, DOMAIN_BIT(DOMAIN_DEMO), &j.kr, m)) !=
			    STATUS_OK)
				break;
			j.b = b;
			j.producer = producer;
			j.arg = arg;
			j.want = want;
			j.chunk = chunk;
			core_now(j.when);
			sealing = 1;
			j.own_thread = 1;
			threaded = pthread_create(&th, NULL, seal_ahead, &j) == 0;
			if (!threaded)
				j.own_thread = 0; /* sealed on this thread, after the write */
		}
		ret = flush_batch(b, m);
		/* Commit now at the end, before the next part would take the
		 * transaction past max_rows, or for a writer in line (which
		 * the part sealed ahead also stops for). */
		if (ret == STATUS_OK &&
		    (!sealing || b->txn_count + want > max_rows || db_writers_waiting(db))) {
			ret = commit_txn(b, STATUS_OK, &saved, m);
			open = 0;
			if (ret == STATUS_OK) {
				db_ckpt_kick(ck);
				*done += saved;
			}
		}
		if (threaded)
			pthread_join(th, NULL);
		else if (sealing && ret == STATUS_OK)
			seal_ahead(&j); /* no thread: seal it after the write */
		keyring_free(j.kr);
		if (ret != STATUS_OK)
			break;
		if (!sealing)
			break; /* all written and committed */
		if (j.ret != STATUS_OK) {
			ret = j.ret;
			*m = j.m;
			break;
		}
		added = j.got;
		fed += added;
		if (!added) {
			/* The producer had no more: commit what is written. */
			if (open && (ret = commit_txn(b, STATUS_OK, &saved, m)) == STATUS_OK) {
				open = 0;
				*done += saved;
			}
			break;
		}
		if (!open) {
			if ((ret = pbulk_next_batch(b, m)) != STATUS_OK)
				break;
			open = 1;
		}
		if ((ret = adopt_ahead(b, m)) != STATUS_OK)
			break;
	}
	/* A failure leaves the open transaction (if any) to roll back: what
	 * it wrote is not counted in *done. */
	if (ret != STATUS_OK && open)
		db_rollback(db);
	defer_drop(b);
	b->defer = 0;
	pending_clear(&b->ahead);
	db_ckpt_stop(ck);
	direct_end(b, ret, m);
	return ret;
}

int pbulk_wrote_direct(const pbulk_t *b)
{
	return b->direct;
}

status_t pbulk_commit(pbulk_t *b, int64_t *count, msg_t *m)
{
	msg_t ignore;
	status_t ret = pbulk_commit_batch(b, count, m);
	db_bulk_mode(b->s->c->db, 0, ret == STATUS_OK ? m : &ignore);
	free_buckets(b);
	return ret;
}

void pbulk_end(pbulk_t *b)
{
	pbulk_abort(b); /* nothing is open after the last pbulk_commit_batch */
}

void pbulk_abort(pbulk_t *b)
{
	if (!b)
		return;
	msg_t ignore;
	db_rollback(b->s->c->db);
	db_bulk_mode(b->s->c->db, 0, &ignore);
	free_buckets(b);
}
