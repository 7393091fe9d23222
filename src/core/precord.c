/* precord.c - stored form of a patient record; the bulk writer. */
#include "core/precord.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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
	memset(p, 0, sizeof *p);
	snprintf(p->id, sizeof p->id, "%s", row->id);
	p->prow = row->prow;
	p->version = row->version;
	p->confidential = row->confidential;
	snprintf(p->created, sizeof p->created, "%s", row->created);
	snprintf(p->created_by, sizeof p->created_by, "%s", row->created_by);
	snprintf(p->updated, sizeof p->updated, "%s", row->updated);
	snprintf(p->updated_by, sizeof p->updated_by, "%s", row->updated_by);
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
	*out = b;
	return STATUS_OK;
}

status_t pbulk_add(pbulk_t *b, patient_t *p, msg_t *m)
{
	status_t ret;
	int64_t seq;
	ptokens_t t;
	session_t *s = b->s;
	db_t *db = s->c->db;

	if ((ret = db_mrn_next(db, &seq, m)) != STATUS_OK)
		return ret;
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
	if (b->ntoks + (size_t)t.n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		tokrow_t *nt;
		while (cap < b->ntoks + (size_t)t.n)
			cap *= 2;
		if (!(nt = realloc(b->toks, cap * sizeof *nt)))
			return msg_fail(m, STATUS_NOMEM, "Out of memory collecting index tokens.");
		b->toks = nt;
		b->cap = cap;
	}
	for (int i = 0; i < t.n; i++) {
		b->toks[b->ntoks].token = t.tok[i];
		b->toks[b->ntoks].prow = p->prow;
		b->ntoks++;
	}
	if (!b->count)
		b->first_prow = p->prow;
	b->last_prow = p->prow;
	b->count++;
	return STATUS_OK;
}

static int tok_cmp(const void *a, const void *b)
{
	const tokrow_t *x = a, *y = b;
	if (x->token != y->token)
		return x->token < y->token ? -1 : 1;
	return x->prow < y->prow ? -1 : x->prow > y->prow;
}

status_t pbulk_commit(pbulk_t *b, int64_t *count, msg_t *m)
{
	status_t ret = STATUS_OK;
	char detail[256];
	db_t *db = b->s->c->db;
	qsort(b->toks, b->ntoks, sizeof *b->toks, tok_cmp);
	for (size_t i = 0; i < b->ntoks && ret == STATUS_OK; i++)
		ret = db_token_insert(db, b->toks[i].token, b->toks[i].prow, m);
	snprintf(detail, sizeof detail, "%s: %" PRId64 " patients, rows %" PRId64 "..%" PRId64,
		 b->what, b->count, b->first_prow, b->last_prow);
	if (ret == STATUS_OK)
		ret = audit_append(b->s, "patient_import", "", "ok", detail, m);
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK)
		db_rollback(db);
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
	db_rollback(b->s->c->db);
	free(b->toks);
	free(b);
}
