/* precord.c - stored form of a patient record; the bulk writer. */
#include "core/precord.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/audit.h"
#include "core/internal.h"

/* Each group is a sequence of (1-byte length, bytes) in field order. */
static size_t serialise(const patient_t *p, int group, unsigned char *buf, size_t cap)
{
	size_t o = 0;
	for (int f = 0; f < PF_COUNT; f++) {
		size_t n;
		if (precord_field_group((pfield_t)f) != group)
			continue;
		n = strlen(p->f[f]);
		if (n > 255 || o + 1 + n > cap)
			return 0;
		buf[o++] = (unsigned char)n;
		memcpy(buf + o, p->f[f], n);
		o += n;
	}
	return o;
}

static int deserialise(patient_t *p, int group, const char *buf, size_t len)
{
	size_t o = 0;
	for (int f = 0; f < PF_COUNT; f++) {
		size_t n;
		if (precord_field_group((pfield_t)f) != group)
			continue;
		if (o >= len)
			return -1;
		n = (unsigned char)buf[o++];
		if (o + n > len || n >= PATIENT_FIELD_MAX)
			return -1;
		memcpy(p->f[f], buf + o, n);
		p->f[f][n] = '\0';
		o += n;
	}
	return o == len ? 0 : -1;
}

status_t precord_seal(const keyring_t *kr, const patient_t *p, db_patient_row_t *row, msg_t *m)
{
	unsigned char buf[PF_COUNT * 256];
	unsigned char *ct = NULL;
	size_t n, ct_len = 0;
	status_t ret = STATUS_OK;
	static const char *const cols[2] = {"ident", "details"};

	snprintf(row->id, sizeof row->id, "%s", p->id);
	row->confidential = p->confidential;
	for (int g = 0; g < 2 && ret == STATUS_OK; g++) {
		n = serialise(p, g, buf, sizeof buf);
		ret = crypto_field_encrypt(kr, DOMAIN_DEMO, "patients", cols[g], p->id, buf, n, 1,
					   &ct, &ct_len, m);
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
		      int ident_only, msg_t *m)
{
	static const char *const cols[2] = {"ident", "details"};
	status_t ret = STATUS_OK;
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
	for (int g = 0; g < (ident_only ? 1 : 2) && ret == STATUS_OK; g++) {
		char *plain = NULL;
		size_t plen = 0;
		ret = crypto_field_decrypt(kr, DOMAIN_DEMO, "patients", cols[g], row->id,
					   g ? row->details : row->ident,
					   g ? row->details_len : row->ident_len, &plain, &plen, m);
		if (ret == STATUS_OK && deserialise(p, g, plain, plen) != 0)
			ret = msg_fail(m, STATUS_INTEGRITY,
				       "Patient record %.8s is damaged (bad field layout).", row->id);
		crypto_free_plain(plain, plen);
	}
	return ret;
}

/* ---- bulk ------------------------------------------------------------- */

typedef struct tokrow {
	int64_t token;
	int64_t prow;
} tokrow_t;

struct pbulk {
	session_t *s;
	char what[160];
	tokrow_t *toks;
	size_t ntoks, cap;
	int64_t count, first_prow, last_prow;
	int64_t mrn_next, mrn_left; /* MRNs reserved in blocks */
	char when[24];
	db_patient_row_t row;
};

status_t pbulk_begin(session_t *s, const char *what, pbulk_t **out, msg_t *m)
{
	pbulk_t *b = calloc(1, sizeof *b);
	status_t ret;
	*out = NULL;
	if (!b)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	b->s = s;
	snprintf(b->what, sizeof b->what, "%s", what);
	core_now(b->when);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK) {
		free(b);
		return ret;
	}
	db_bulk_mode(s->c->db, 1, m);
	*out = b;
	return STATUS_OK;
}

static status_t collect_tokens(pbulk_t *b, const ptokens_t *t, int64_t prow, msg_t *m);

status_t pbulk_add(pbulk_t *b, patient_t *p, msg_t *m)
{
	status_t ret;
	int64_t seq;
	ptokens_t t;
	session_t *s = b->s;
	db_t *db = s->c->db;

	if (!b->mrn_left) {
		if ((ret = db_mrn_reserve(db, 1024, &b->mrn_next, m)) != STATUS_OK)
			return ret;
		b->mrn_left = 1024;
	}
	seq = b->mrn_next++;
	b->mrn_left--;
	patient_mrn_format(s->c->cfg, seq, p->f[PF_MRN], sizeof p->f[PF_MRN]);
	crypto_random_id(p->id);
	memset(&b->row, 0, sizeof b->row);
	if ((ret = precord_seal(s->kr, p, &b->row, m)) != STATUS_OK)
		return ret;
	snprintf(b->row.created, sizeof b->row.created, "%s", b->when);
	snprintf(b->row.created_by, sizeof b->row.created_by, "%s", s->user.name);
	if ((ret = db_patient_insert(db, &b->row, m)) != STATUS_OK)
		return ret;
	p->prow = b->row.prow;
	p->version = 1;
	if ((ret = pindex_patient(s->kr, s->c->cfg->blind_index_bytes, p, &t, m)) != STATUS_OK)
		return ret;
	return collect_tokens(b, &t, p->prow, m);
}

/* Sort by (token, prow) as SQLite orders signed integers: LSD radix sort
 * on the token with the sign bit flipped. Rows arrive in prow order and
 * radix sorting is stable, so prows stay ascending within a token. Much
 * faster than qsort on millions of rows. */
/* Add one patient's tokens for prow to the batch. */
static status_t collect_tokens(pbulk_t *b, const ptokens_t *t, int64_t prow, msg_t *m)
{
	if (b->ntoks + (size_t)t->n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		tokrow_t *nt;
		while (cap < b->ntoks + (size_t)t->n)
			cap *= 2;
		if (!(nt = realloc(b->toks, cap * sizeof *nt)))
			return msg_fail(m, STATUS_NOMEM, "Out of memory collecting index tokens.");
		b->toks = nt;
		b->cap = cap;
	}
	for (int i = 0; i < t->n; i++) {
		b->toks[b->ntoks].token = t->tok[i];
		b->toks[b->ntoks].prow = prow;
		b->ntoks++;
	}
	if (!b->count)
		b->first_prow = prow;
	b->last_prow = prow;
	b->count++;
	return STATUS_OK;
}

/* ---- the two-thread feed ----------------------------------------------- */

#define RING 128

typedef struct item {
	db_patient_row_t row;
	ptokens_t tokens;
} item_t;

typedef struct feed {
	pbulk_t *b;
	pbulk_producer_fn producer;
	void *arg;
	int64_t max, mrn_first;
	item_t *ring;
	int head, tail, count; /* ring state, under mu */
	int done, stop;        /* worker finished / main asks it to stop */
	status_t wret;
	msg_t wmsg;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
} feed_t;

static void *feed_worker(void *arg)
{
	feed_t *f = arg;
	session_t *s = f->b->s;
	patient_t *p = malloc(sizeof *p);
	status_t ret = STATUS_OK;
	msg_t m;
	msg_clear(&m);
	if (!p)
		ret = msg_fail(&m, STATUS_NOMEM, "Out of memory.");
	for (int64_t i = 0; ret == STATUS_OK && i < f->max; i++) {
		item_t *it;
		int r = f->producer(f->arg, p, &m);
		if (r == 0)
			break;
		if (r < 0) {
			ret = STATUS_INVALID;
			break;
		}
		pthread_mutex_lock(&f->mu);
		while (f->count == RING && !f->stop)
			pthread_cond_wait(&f->not_full, &f->mu);
		if (f->stop) {
			pthread_mutex_unlock(&f->mu);
			break;
		}
		it = &f->ring[f->tail];
		pthread_mutex_unlock(&f->mu);
		/* Only this thread writes the slot at tail until it is counted. */
		patient_mrn_format(s->c->cfg, f->mrn_first + i, p->f[PF_MRN], sizeof p->f[PF_MRN]);
		crypto_random_id(p->id);
		memset(&it->row, 0, offsetof(db_patient_row_t, ident));
		ret = precord_seal(s->kr, p, &it->row, &m);
		if (ret == STATUS_OK)
			ret = pindex_patient(s->kr, s->c->cfg->blind_index_bytes, p, &it->tokens, &m);
		if (ret != STATUS_OK)
			break;
		pthread_mutex_lock(&f->mu);
		f->tail = (f->tail + 1) % RING;
		/* Wake the writer only if it may be waiting (the ring was
		 * empty): a signal per row costs a system call. */
		if (f->count++ == 0)
			pthread_cond_signal(&f->not_empty);
		pthread_mutex_unlock(&f->mu);
	}
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	pthread_mutex_lock(&f->mu);
	f->wret = ret;
	f->wmsg = m;
	f->done = 1;
	pthread_cond_signal(&f->not_empty);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

status_t pbulk_feed(pbulk_t *b, pbulk_producer_fn producer, void *arg, int64_t max,
		    int64_t *added, msg_t *m)
{
	feed_t f;
	pthread_t th;
	status_t ret = STATUS_OK;
	db_t *db = b->s->c->db;
	*added = 0;
	if (max <= 0)
		return STATUS_OK;
	memset(&f, 0, sizeof f);
	f.b = b;
	f.producer = producer;
	f.arg = arg;
	f.max = max;
	if ((ret = db_mrn_reserve(db, max, &f.mrn_first, m)) != STATUS_OK)
		return ret;
	if (!(f.ring = calloc(RING, sizeof *f.ring)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	pthread_mutex_init(&f.mu, NULL);
	pthread_cond_init(&f.not_empty, NULL);
	pthread_cond_init(&f.not_full, NULL);
	if (pthread_create(&th, NULL, feed_worker, &f) != 0) {
		ret = msg_fail(m, STATUS_ERR, "Could not start the import worker.");
		goto cleanup;
	}
	for (;;) {
		item_t *it;
		pthread_mutex_lock(&f.mu);
		while (f.count == 0 && !f.done)
			pthread_cond_wait(&f.not_empty, &f.mu);
		if (f.count == 0 && f.done) {
			pthread_mutex_unlock(&f.mu);
			break;
		}
		it = &f.ring[f.head];
		pthread_mutex_unlock(&f.mu);
		text_copy(it->row.created, sizeof it->row.created, b->when);
		text_copy(it->row.created_by, sizeof it->row.created_by, b->s->user.name);
		ret = db_patient_insert(db, &it->row, m);
		if (ret == STATUS_OK)
			ret = collect_tokens(b, &it->tokens, it->row.prow, m);
		if (ret == STATUS_OK)
			(*added)++;
		pthread_mutex_lock(&f.mu);
		f.head = (f.head + 1) % RING;
		if (ret != STATUS_OK)
			f.stop = 1;
		if (f.count-- == RING || f.stop)
			pthread_cond_signal(&f.not_full);
		pthread_mutex_unlock(&f.mu);
		if (ret != STATUS_OK)
			break;
	}
	pthread_join(th, NULL);
	if (ret == STATUS_OK && f.wret != STATUS_OK) {
		ret = f.wret;
		*m = f.wmsg;
	}
cleanup:
	pthread_cond_destroy(&f.not_full);
	pthread_cond_destroy(&f.not_empty);
	pthread_mutex_destroy(&f.mu);
	sodium_memzero(f.ring, RING * sizeof *f.ring);
	free(f.ring);
	return ret;
}

static int tok_sort(tokrow_t *a, size_t n)
{
	tokrow_t *tmp = malloc(n * sizeof *tmp);
	size_t count[256];
	if (!tmp)
		return -1;
	for (int pass = 0; pass < 8; pass++) {
		int shift = pass * 8;
		size_t sum = 0;
		memset(count, 0, sizeof count);
		for (size_t i = 0; i < n; i++)
			count[(((uint64_t)a[i].token ^ (1ull << 63)) >> shift) & 0xff]++;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(((uint64_t)a[i].token ^ (1ull << 63)) >> shift) & 0xff]++] = a[i];
		memcpy(a, tmp, n * sizeof *a);
	}
	free(tmp);
	return 0;
}

status_t pbulk_commit(pbulk_t *b, int64_t *count, msg_t *m)
{
	status_t ret = STATUS_OK;
	char detail[256];
	db_t *db = b->s->c->db;
	if (tok_sort(b->toks, b->ntoks) != 0)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory sorting index tokens.");
	_Static_assert(sizeof(tokrow_t) == 2 * sizeof(int64_t), "token rows are pairs");
	if (ret == STATUS_OK)
		ret = db_token_insert_many(db, (const int64_t *)b->toks, b->ntoks, m);
	snprintf(detail, sizeof detail, "%s: %" PRId64 " patients, rows %" PRId64 "..%" PRId64,
		 b->what, b->count, b->first_prow, b->last_prow);
	if (ret == STATUS_OK)
		ret = audit_append(b->s, "patient_import", "", "ok", detail, m);
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK)
		db_rollback(db);
	db_bulk_mode(db, 0, m);
	if (count)
		*count = ret == STATUS_OK ? b->count : 0;
	free(b->toks);
	free(b);
	return ret;
}

void pbulk_abort(pbulk_t *b)
{
	if (!b)
		return;
	msg_t ignore;
	db_rollback(b->s->c->db);
	db_bulk_mode(b->s->c->db, 0, &ignore);
	free(b->toks);
	free(b);
}
