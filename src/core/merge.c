/* merge.c - merging a duplicate chart and undoing it (core/merge.h). */
#include "core/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/lpbuf.h"
#include "base/text.h"
#include "core/audit.h"
#include "core/crypto.h"
#include "core/extid.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/merge_internal.h"
#include "core/precord.h"
#include "db/db_clinical.h"
#include "db/db_codes.h"
#include "db/db_extid.h"
#include "db/db_integrity.h"
#include "db/db_merge.h"
#include "db/db_patients.h"

#define MG_MAC_FORMAT 1
#define MG_MAC_LEN (2 + CRYPTO_IMAC_LEN)

/* The chart tables whose rows a merge moves, encounters first (the rows
 * of an encounter are bound to its id). allergy_review is handled apart:
 * one per chart. */
static const db_chart_table_t moved_tables[] = {
	DB_CT_ENCOUNTERS, DB_CT_VITALS, DB_CT_ALLERGIES,   DB_CT_MEDICATIONS,
	DB_CT_PROBLEMS,   DB_CT_NOTES,  DB_CT_PROCEDURES, DB_CT_IDENTIFIERS};
#define N_MOVED (sizeof moved_tables / sizeof moved_tables[0])
static const db_chart_table_t all_tables[] = {
	DB_CT_ENCOUNTERS, DB_CT_VITALS, DB_CT_ALLERGIES,      DB_CT_MEDICATIONS,
	DB_CT_PROBLEMS,   DB_CT_NOTES,  DB_CT_ALLERGY_REVIEW, DB_CT_BTG,
	DB_CT_PROCEDURES, DB_CT_IDENTIFIERS,
};
static const char *const item_tables[] = {"allergies", "medications", "problems",
					  "procedure_history"};

/* ---- MACs and the reason ------------------------------------------------------ */

static status_t mac_of(session_t *s, lpbuf_t *b, int version, unsigned char out[MG_MAC_LEN],
		       msg_t *m)
{
	status_t ret;
	if (b->bad)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if (version <= 0)
		version = keyring_version(s->kr, DOMAIN_DEMO);
	out[0] = MG_MAC_FORMAT;
	out[1] = (unsigned char)version;
	ret = crypto_integrity_mac(s->kr, version, b->p, b->len, out + 2, NULL, m);
	return ret;
}

/* The version a stored MAC names, if this keyring holds it (else 0). */
static int mac_version(session_t *s, const unsigned char *mac, size_t len)
{
	if (len == MG_MAC_LEN && mac[0] == MG_MAC_FORMAT && mac[1] &&
	    keyring_has_version(s->kr, DOMAIN_DEMO, mac[1]))
		return mac[1];
	return 0;
}

static void merge_fields(lpbuf_t *b, const db_merge_t *g, const char *kpid, const char *rpid,
			 int undo)
{
	char num[48];
	lpbuf_str(b, undo ? "chartroom:merges:undo:1" : "chartroom:merges:1");
	snprintf(num, sizeof num, "%lld/%lld", (long long)g->mrow, (long long)g->moved);
	lpbuf_str(b, num);
	lpbuf_str(b, kpid);
	lpbuf_str(b, rpid);
	lpbuf_str(b, g->merged_at);
	lpbuf_str(b, g->merged_by);
	lpbuf_put(b, g->reason, g->reason_len);
	if (undo) {
		lpbuf_str(b, g->undone_at);
		lpbuf_str(b, g->undone_by);
		lpbuf_put(b, g->undo_reason, g->undo_reason_len);
	}
}

static status_t merge_mac(session_t *s, const db_merge_t *g, const char *kpid, const char *rpid,
			  int undo, int version, unsigned char out[MG_MAC_LEN], msg_t *m)
{
	lpbuf_t b = {0};
	status_t ret;
	merge_fields(&b, g, kpid, rpid, undo);
	ret = mac_of(s, &b, version, out, m);
	lpbuf_free(&b);
	return ret;
}

static status_t row_mac(session_t *s, int64_t mrow, const char *kpid, const char *rpid,
			db_chart_table_t t, int64_t row, const unsigned char *before, size_t blen,
			const unsigned char *after, size_t alen, int version,
			unsigned char out[MG_MAC_LEN], msg_t *m)
{
	lpbuf_t b = {0};
	char num[80];
	status_t ret;
	lpbuf_str(&b, "chartroom:merge_rows:1");
	snprintf(num, sizeof num, "%lld/%d/%lld", (long long)mrow, (int)t, (long long)row);
	lpbuf_str(&b, num);
	lpbuf_str(&b, kpid);
	lpbuf_str(&b, rpid);
	lpbuf_put(&b, before, blen);
	lpbuf_put(&b, after, alen);
	ret = mac_of(s, &b, version, out, m);
	lpbuf_free(&b);
	return ret;
}

static void reason_bind(crypto_bind_t *b, const char *column, const char *rowid, const char *kpid,
			const char *rpid)
{
	memset(b, 0, sizeof *b);
	b->table = "merges";
	b->column = column;
	b->row_id = rowid;
	b->patient_id = kpid;
	b->state = rpid;
}

static status_t reason_seal(session_t *s, int64_t mrow, const char *column, const char *kpid,
			    const char *rpid, const char *reason, unsigned char *out, size_t *len,
			    msg_t *m)
{
	crypto_bind_t b;
	char rowid[24];
	unsigned char *ct = NULL;
	size_t ctn = 0;
	status_t ret;
	snprintf(rowid, sizeof rowid, "%lld", (long long)mrow);
	reason_bind(&b, column, rowid, kpid, rpid);
	if ((ret = crypto_field_seal(s->kr, DOMAIN_DEMO, &b, reason, strlen(reason), 1, &ct, &ctn,
				     m)) != STATUS_OK)
		return ret;
	if (ctn > DB_MERGE_REASON_MAX)
		ret = msg_fail(m, STATUS_INVALID, "Reason: too long.");
	else {
		memcpy(out, ct, ctn);
		*len = ctn;
	}
	free(ct);
	return ret;
}

static status_t check_reason(const char *reason, msg_t *m)
{
	size_t n = 0;
	status_t ret;
	if (!reason || !*reason)
		return msg_fail(m, STATUS_INVALID, "Reason: say why (required).");
	if ((ret = text_check("Reason", reason, strlen(reason), 0, m)) != STATUS_OK)
		return ret;
	for (const char *t = reason; *t; t++)
		n += ((unsigned char)*t & 0xC0) != 0x80;
	if (n > MERGE_REASON_MAX)
		return msg_fail(m, STATUS_INVALID, "Reason: at most %d characters (this has %zu).",
				MERGE_REASON_MAX, n);
	return STATUS_OK;
}

static status_t need_keys(session_t *s, msg_t *m)
{
	status_t ret = session_require(s, ACT_CHART_MERGE, m);
	if (ret == STATUS_OK && (!keyring_has(s->kr, DOMAIN_DEMO) || !keyring_has(s->kr, DOMAIN_CLIN)))
		ret = msg_fail(m, STATUS_DENIED,
			       "A merge re-binds clinical records: your account needs the demo and "
			       "clinical keys.");
	return ret;
}

/* Id and MRN of chart prow. */
static status_t ident_of(session_t *s, int64_t prow, char pid[33], char mrn[32], msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	status_t ret;
	if (!row || !p) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = db_patient_get_ident(s->c->db, prow, row, m)) != STATUS_OK)
		goto cleanup;
	if (pid)
		text_copy(pid, 33, row->id);
	if (mrn && (ret = precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), m)) == STATUS_OK)
		text_copy(mrn, 32, p->f[PF_MRN]);
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

/* ---- moving one row between charts --------------------------------------------- */

typedef struct mv {
	session_t *s;
	chart_t *from, *to;
	unsigned char pk[32];
	int pkv;
	unsigned char mac[INTEGRITY_MAC_LEN], cmac[INTEGRITY_MAC_LEN];
	char eid[33]; /* an encounter moved: its id */
	status_t ret;
	msg_t *m;
} mv_t;

/* A value of the row: opened as bound to `from`, sealed bound to `to`. */
static status_t rebind_value(mv_t *v, domain_t d, const char *table, const char *column,
			     int64_t row, const char *id, const char *eid, db_blob_t in,
			     db_blob_t *out)
{
	char *plain = NULL;
	size_t plen = 0, blen = 0;
	unsigned char *blob = NULL;
	status_t ret;
	out->p = NULL;
	out->n = 0;
	if (!in.n)
		return STATUS_OK;
	ret = chart_open_text(v->s, v->from, d, table, column, row, id, eid, in, &plain, &plen,
			      v->m);
	if (ret == STATUS_OK)
		ret = chart_seal_text(v->s, v->to, d, table, column, id, eid, plain, &blob, &blen,
				      v->m);
	crypto_free_plain(plain, plen);
	out->p = blob;
	out->n = blen;
	return ret;
}

static int enc_one(const db_encounter_t *in, void *arg)
{
	mv_t *v = arg;
	db_encounter_t e = *in;
	db_blob_t loc = {NULL, 0}, reason = {NULL, 0};
	db_dx_t dx[CODING_ROWS_MAX];
	db_px_t px[CODING_ROWS_MAX];
	int ndx = 0, npx = 0;
	status_t ret;
	msg_t *m = v->m;

	text_copy(v->eid, sizeof v->eid, e.id);
	ret = rebind_value(v, DOMAIN_DEMO, "encounters", "location", e.erow, e.id, e.id,
			   e.location_ct, &loc);
	if (e.location_ct.n)
		e.location_ct = loc;
	if (ret == STATUS_OK && e.reason.n) {
		char *plain = NULL;
		size_t plen = 0, blen = 0;
		unsigned char *blob = NULL;
		crypto_bind_t bf = {"encounters", "reason", e.id, v->from->pid, e.id, NULL};
		crypto_bind_t bt = {"encounters", "reason", e.id, v->to->pid, e.id, NULL};
		ret = crypto_unseal_text(v->s->kr, DOMAIN_CLIN, &bf, CLINIC_OPEN_FLAGS(v->s->c),
					 e.reason.p, e.reason.n, &plain, &plen, m);
		if (ret == STATUS_INTEGRITY)
			ret = integrity_fail(m, "encounters", e.erow,
					     "cannot be decrypted: its reason for visit was altered "
					     "or moved");
		if (ret == STATUS_OK)
			ret = crypto_seal_text_version(v->pk, v->pkv, &bt, plain, &blob, &blen, m);
		crypto_free_plain(plain, plen);
		reason.p = blob;
		reason.n = blen;
		e.reason = reason;
	}
	if (ret == STATUS_OK && (ret = db_dx_load(v->s->c->db, e.erow, dx, CODING_ROWS_MAX, &ndx,
						  m)) == STATUS_OK &&
	    (ret = db_px_load(v->s->c->db, e.erow, px, CODING_ROWS_MAX, &npx, m)) == STATUS_OK &&
	    (ret = chart_add_encounter(v->to, e.erow, e.id, m)) == STATUS_OK &&
	    (ret = rowmac_encounter(v->s, v->to, &e, v->mac, m)) == STATUS_OK &&
	    (ret = rowmac_coding(v->s, v->to, e.erow, e.coding_status, dx, ndx, px, npx, v->cmac,
				 m)) == STATUS_OK) {
		db_blob_t bm = {v->mac, sizeof v->mac}, bc = {v->cmac, sizeof v->cmac};
		ret = db_encounter_reseal(v->s->c->db, e.erow, e.location_ct, e.reason, bm, bc, m);
	}
	free((void *)loc.p);
	free((void *)reason.p);
	v->ret = ret;
	return ret != STATUS_OK;
}

static int vit_one(const db_vitals_t *in, void *arg)
{
	mv_t *v = arg;
	db_blob_t bm = {v->mac, sizeof v->mac};
	status_t ret = rowmac_vitals(v->s, v->to, in, v->mac, v->m);
	if (ret == STATUS_OK)
		ret = db_vitals_reseal(v->s->c->db, in->vrow, in->id, bm, v->m);
	v->ret = ret;
	return ret != STATUS_OK;
}

static int item_one(const db_item_t *in, void *arg)
{
	mv_t *v = arg;
	db_item_t it = *in;
	const char *table = item_tables[in->kind];
	db_blob_t a = {NULL, 0}, b = {NULL, 0}, c = {NULL, 0};
	status_t ret;
	if ((ret = rebind_value(v, DOMAIN_CLIN, table, "a", it.row, it.id, NULL, in->a, &a)) ==
		    STATUS_OK &&
	    (ret = rebind_value(v, DOMAIN_CLIN, table, "b", it.row, it.id, NULL, in->b, &b)) ==
		    STATUS_OK &&
	    (ret = rebind_value(v, DOMAIN_CLIN, table, "c", it.row, it.id, NULL, in->c, &c)) ==
		    STATUS_OK) {
		db_blob_t bm = {v->mac, sizeof v->mac};
		if (in->a.n)
			it.a = a;
		if (in->b.n)
			it.b = b;
		if (in->c.n)
			it.c = c;
		if ((ret = rowmac_item(v->s, v->to, &it, v->mac, v->m)) == STATUS_OK)
			ret = db_item_reseal(v->s->c->db, it.kind, it.row, it.a, it.b, it.c, bm,
					     v->m);
	}
	free((void *)a.p);
	free((void *)b.p);
	free((void *)c.p);
	v->ret = ret;
	return ret != STATUS_OK;
}

static int note_one(const db_note_t *in, void *arg)
{
	mv_t *v = arg;
	db_note_t n = *in;
	db_blob_t body = {NULL, 0};
	char eid[33];
	status_t ret;
	chart_encounter_id(v->s, v->from, n.erow, eid);
	ret = rebind_value(v, DOMAIN_CLIN, "notes", "body", n.nrow, n.id, eid, in->body, &body);
	if (in->body.n)
		n.body = body;
	if (ret == STATUS_OK && (ret = rowmac_note(v->s, v->to, &n, v->mac, v->m)) == STATUS_OK) {
		/* A signed note too: the same text, bound to the chart it now
		 * belongs to (the database's refusal is lifted for this
		 * statement only). */
		db_blob_t bm = {v->mac, sizeof v->mac};
		ret = db_note_reseal(v->s->c->db, n.nrow, n.body, bm, v->m);
	}
	free((void *)body.p);
	v->ret = ret;
	return ret != STATUS_OK;
}

typedef struct extmv {
	mv_t *v;
	int64_t xrow;
	int found;
} extmv_t;

/* An external identifier: its value re-bound to the survivor, its MAC
 * made for it (the blind token is over system|value only: unchanged). */
static int ext_one(const db_extid_t *in, void *arg)
{
	extmv_t *e = arg;
	mv_t *v = e->v;
	db_extid_t *x;
	db_blob_t val = {in->value_ct, in->value_len}, out = {NULL, 0};
	status_t ret;
	if (in->xrow != e->xrow)
		return 0;
	e->found = 1;
	if (!(x = malloc(sizeof *x))) {
		v->ret = msg_fail(v->m, STATUS_NOMEM, "Out of memory.");
		return 1;
	}
	*x = *in;
	ret = rebind_value(v, DOMAIN_DEMO, "patient_identifiers", "value", x->xrow, x->id, NULL,
			   val, &out);
	if (ret == STATUS_OK && out.n > sizeof x->value_ct)
		ret = msg_fail(v->m, STATUS_ERR, "A re-bound identifier is too long.");
	if (ret == STATUS_OK) {
		memcpy(x->value_ct, out.p, out.n);
		x->value_len = out.n;
		x->prow = v->to->prow;
		if ((ret = rowmac_extid(v->s, v->to, x, v->mac, v->m)) == STATUS_OK) {
			memcpy(x->mac, v->mac, sizeof v->mac);
			x->mac_len = sizeof v->mac;
			ret = db_extid_reseal(v->s->c->db, x, v->m);
		}
	}
	free((void *)out.p);
	sodium_memzero(x, sizeof *x);
	free(x);
	v->ret = ret;
	return 1;
}

/* Move row `row` of table t from v->from to v->to: re-bound, re-MAC'd,
 * its patient set, both heads updated. v->mac (and v->cmac for an
 * encounter) get the MACs written. allergy_review: row is from's prow. */
static status_t move_row(mv_t *v, db_chart_table_t t, int64_t row)
{
	db_t *db = v->s->c->db;
	status_t ret;
	msg_t *m = v->m;
	v->ret = STATUS_OK;
	switch (t) {
	case DB_CT_ENCOUNTERS:
		ret = db_encounter_get(db, row, enc_one, v, m);
		break;
	case DB_CT_VITALS:
		ret = db_vitals_get(db, row, vit_one, v, m);
		break;
	case DB_CT_ALLERGIES:
		ret = db_item_get(db, DB_ALLERGY, row, item_one, v, m);
		break;
	case DB_CT_MEDICATIONS:
		ret = db_item_get(db, DB_MEDICATION, row, item_one, v, m);
		break;
	case DB_CT_PROBLEMS:
		ret = db_item_get(db, DB_PROBLEM, row, item_one, v, m);
		break;
	case DB_CT_NOTES:
		ret = db_note_get(db, row, note_one, v, m);
		break;
	case DB_CT_PROCEDURES:
		ret = db_item_get(db, DB_PROCEDURE, row, item_one, v, m);
		break;
	case DB_CT_IDENTIFIERS: {
		extmv_t e = {v, row, 0};
		ret = db_extid_list(db, v->from->prow, ext_one, &e, m);
		if (ret == STATUS_OK && !e.found)
			ret = msg_fail(m, STATUS_INTEGRITY,
				       "Integrity check failed: patient_identifiers record %lld is "
				       "not on the chart it is moved from.",
				       (long long)row);
		break;
	}
	case DB_CT_ALLERGY_REVIEW: {
		db_nka_t n;
		if ((ret = db_nka_get(db, v->from->prow, &n, m)) != STATUS_OK)
			break;
		n.prow = v->to->prow;
		if ((ret = rowmac_nka(v->s, v->to, &n, v->mac, m)) == STATUS_OK &&
		    (ret = db_merge_set_prow(db, t, v->from->prow, v->to->prow, m)) == STATUS_OK)
			ret = db_merge_nka_mac(db, v->to->prow, v->mac, sizeof v->mac, m);
		if (ret == STATUS_OK) {
			chart_drop(v->from, t, v->from->prow);
			ret = chart_put(v->to, t, v->to->prow, v->mac, m);
		}
		return ret;
	}
	default:
		return msg_fail(m, STATUS_ERR, "A merge does not move that table.");
	}
	if (ret == STATUS_OK)
		ret = v->ret;
	if (ret == STATUS_OK)
		ret = db_merge_set_prow(db, t, row, v->to->prow, m);
	if (ret != STATUS_OK)
		return ret;
	chart_drop(v->from, t, row);
	if ((ret = chart_put(v->to, t, row, v->mac, m)) == STATUS_OK && t == DB_CT_ENCOUNTERS) {
		chart_drop(v->from, DB_CT_CODING, row);
		ret = chart_put(v->to, DB_CT_CODING, row, v->cmac, m);
	}
	return ret;
}

/* ---- rows of a chart ------------------------------------------------------------- */

typedef struct rowmacs {
	int64_t *row;
	unsigned char (*mac)[INTEGRITY_MAC_LEN];
	int *bad; /* the stored MAC was not of the written length */
	int n, cap, oom;
} rowmacs_t;

static int take_row(int64_t row, const unsigned char *mac, size_t len, void *arg)
{
	rowmacs_t *l = arg;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		int64_t *r = realloc(l->row, (size_t)cap * sizeof *r);
		unsigned char(*mc)[INTEGRITY_MAC_LEN];
		int *b;
		if (r)
			l->row = r;
		mc = r ? realloc(l->mac, (size_t)cap * sizeof *mc) : NULL;
		if (mc)
			l->mac = mc;
		b = mc ? realloc(l->bad, (size_t)cap * sizeof *b) : NULL;
		if (!b) {
			l->oom = 1;
			return 1;
		}
		l->bad = b;
		l->cap = cap;
	}
	l->row[l->n] = row;
	l->bad[l->n] = len != INTEGRITY_MAC_LEN;
	memset(l->mac[l->n], 0, INTEGRITY_MAC_LEN);
	if (len == INTEGRITY_MAC_LEN)
		memcpy(l->mac[l->n], mac, len);
	l->n++;
	return 0;
}

static void rowmacs_free(rowmacs_t *l)
{
	free(l->row);
	free(l->mac);
	free(l->bad);
	memset(l, 0, sizeof *l);
}

static int take_follower(int64_t row, void *arg)
{
	return take_row(row, NULL, 0, arg);
}

static status_t rows_of(session_t *s, db_chart_table_t t, int64_t prow, rowmacs_t *l, msg_t *m)
{
	status_t ret;
	memset(l, 0, sizeof *l);
	ret = db_chart_rows(s->c->db, t, prow, take_row, l, m);
	if (ret == STATUS_OK && l->oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	return ret;
}

static int find_row(const rowmacs_t *l, int64_t row)
{
	for (int i = 0; i < l->n; i++)
		if (l->row[i] == row)
			return i;
	return -1;
}

static status_t verify_chart(session_t *s, chart_t *ch, msg_t *m)
{
	status_t ret = STATUS_OK;
	for (size_t i = 0; i < sizeof all_tables / sizeof all_tables[0] && ret == STATUS_OK; i++)
		ret = chart_verify(s, ch, all_tables[i], m);
	return ret;
}

static status_t finish(session_t *s, status_t ret, msg_t *m)
{
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

/* ---- merge ----------------------------------------------------------------------- */

typedef struct xlist {
	db_extid_t x[2 * EXTID_PER_PATIENT];
	int n;
} xlist_t;

static int take_x(const db_extid_t *x, void *arg)
{
	xlist_t *l = arg;
	if (l->n < (int)(sizeof l->x / sizeof l->x[0]))
		l->x[l->n++] = *x;
	return 0;
}

static status_t x_open(session_t *s, chart_t *ch, const db_extid_t *x, char **plain, size_t *n,
		       msg_t *m)
{
	db_blob_t b = {x->value_ct, x->value_len};
	return chart_open_text(s, ch, DOMAIN_DEMO, "patient_identifiers", "value", x->xrow, x->id,
			       NULL, b, plain, n, m);
}

/* Does the survivor hold the retired chart's identifier xrow already
 * (the same system and value)? Such a row is not moved: it stays with
 * the retired chart (README "Merging duplicate charts"). */
static status_t extid_dup(session_t *s, chart_t *ck, chart_t *cr, int64_t xrow, int *dup,
			  msg_t *m)
{
	xlist_t *k = calloc(1, sizeof *k), *r = calloc(1, sizeof *r);
	char *rv = NULL;
	size_t rn = 0;
	const db_extid_t *mine = NULL;
	status_t ret = STATUS_OK;
	*dup = 0;
	if (!k || !r) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = db_extid_list(s->c->db, ck->prow, take_x, k, m)) != STATUS_OK ||
	    (ret = db_extid_list(s->c->db, cr->prow, take_x, r, m)) != STATUS_OK)
		goto cleanup;
	for (int i = 0; i < r->n; i++)
		if (r->x[i].xrow == xrow)
			mine = &r->x[i];
	if (!mine)
		goto cleanup;
	for (int i = 0; i < k->n && ret == STATUS_OK && !*dup; i++) {
		char *kv = NULL;
		size_t kn = 0;
		if (strcmp(k->x[i].system, mine->system) != 0)
			continue;
		if (!rv && (ret = x_open(s, cr, mine, &rv, &rn, m)) != STATUS_OK)
			break;
		if ((ret = x_open(s, ck, &k->x[i], &kv, &kn, m)) == STATUS_OK)
			*dup = kn == rn && sodium_memcmp(kv, rv, kn) == 0;
		crypto_free_plain(kv, kn);
	}
cleanup:
	crypto_free_plain(rv, rn);
	if (k)
		sodium_memzero(k, sizeof *k);
	if (r)
		sodium_memzero(r, sizeof *r);
	free(k);
	free(r);
	return ret;
}

/* Move one row and journal it. */
static status_t move_journaled(mv_t *v, int64_t mrow, db_chart_table_t t, int64_t row,
			       int64_t *moved)
{
	unsigned char *before = NULL, after[2 * INTEGRITY_MAC_LEN], jm[MG_MAC_LEN];
	size_t blen = 0, alen = INTEGRITY_MAC_LEN;
	status_t ret = db_merge_snapshot(v->s->c->db, t, row, &before, &blen, v->m);
	if (ret == STATUS_OK)
		ret = move_row(v, t, row);
	if (ret == STATUS_OK) {
		memcpy(after, v->mac, INTEGRITY_MAC_LEN);
		if (t == DB_CT_ENCOUNTERS) {
			memcpy(after + INTEGRITY_MAC_LEN, v->cmac, INTEGRITY_MAC_LEN);
			alen += INTEGRITY_MAC_LEN;
		}
		ret = row_mac(v->s, mrow, v->to->pid, v->from->pid, t, row, before, blen, after,
			      alen, 0, jm, v->m);
	}
	if (ret == STATUS_OK)
		ret = db_merge_row_insert(v->s->c->db, mrow, t, row, before, blen, after, alen, jm,
					  sizeof jm, v->m);
	if (ret == STATUS_OK)
		(*moved)++;
	free(before);
	return ret;
}

status_t merge_charts(session_t *s, const char *keep, const char *retire, const char *reason,
		      merge_result_t *out, msg_t *m)
{
	chart_t ck, cr;
	db_merge_t *g = NULL;
	mv_t v;
	int64_t kprow = 0, rprow = 0;
	char kpid[33] = "", rpid[33] = "", detail[MERGE_REASON_MAX * 4 + 200];
	int conf = 0, involved = 0;
	status_t ret;

	memset(&ck, 0, sizeof ck);
	memset(&cr, 0, sizeof cr);
	memset(out, 0, sizeof *out);
	memset(&v, 0, sizeof v);
	if ((ret = need_keys(s, m)) != STATUS_OK || (ret = check_reason(reason, m)) != STATUS_OK)
		return ret;
	if ((ret = patient_locate(s, keep, &kprow, kpid, &conf, m)) != STATUS_OK ||
	    (ret = patient_locate(s, retire, &rprow, rpid, &conf, m)) != STATUS_OK)
		return ret;
	if (kprow == rprow)
		return msg_fail(m, STATUS_INVALID, "Both MRNs name the same chart.");
	if (!(g = calloc(1, sizeof *g)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup_nodb;
	if ((ret = ident_of(s, kprow, NULL, out->keep_mrn, m)) != STATUS_OK ||
	    (ret = ident_of(s, rprow, NULL, out->retire_mrn, m)) != STATUS_OK)
		goto done;
	ret = db_merge_in_force(s->c->db, kprow, g, m);
	if (ret == STATUS_OK) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "MRN %s was itself merged into another chart (merge %lld): merge "
			       "into that chart instead.",
			       out->keep_mrn, (long long)g->mrow);
		goto done;
	}
	if (ret != STATUS_NOTFOUND)
		goto done;
	if ((ret = db_merge_involved(s->c->db, rprow, &involved, m)) != STATUS_OK)
		goto done;
	if (involved) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "MRN %s is part of a merge in force (merged into another chart, or "
			       "kept by one): undo that merge first.",
			       out->retire_mrn);
		goto done;
	}
	/* Both charts as they stand must hold before anything is re-bound:
	 * a merge never seals over a change made outside Chartroom. */
	if ((ret = chart_load(s, kprow, &ck, m)) != STATUS_OK ||
	    (ret = chart_load(s, rprow, &cr, m)) != STATUS_OK ||
	    (ret = verify_chart(s, &ck, m)) != STATUS_OK ||
	    (ret = verify_chart(s, &cr, m)) != STATUS_OK)
		goto done;
	memset(g, 0, sizeof *g);
	g->keep_prow = kprow;
	g->retire_prow = rprow;
	if ((ret = db_merge_next(s->c->db, &g->mrow, m)) != STATUS_OK ||
	    (ret = crypto_seal_public_at(s->kr, DOMAIN_CLIN, CRYPTO_CURRENT, v.pk, &v.pkv, m)) !=
		    STATUS_OK)
		goto done;
	v.s = s;
	v.from = &cr;
	v.to = &ck;
	v.m = m;
	for (size_t i = 0; i < N_MOVED && ret == STATUS_OK; i++) {
		rowmacs_t l;
		if ((ret = rows_of(s, moved_tables[i], rprow, &l, m)) != STATUS_OK)
			break;
		for (int k = 0; k < l.n && ret == STATUS_OK; k++) {
			int dup = 0;
			if (moved_tables[i] == DB_CT_IDENTIFIERS &&
			    ((ret = extid_dup(s, &ck, &cr, l.row[k], &dup, m)) != STATUS_OK || dup)) {
				out->ids_kept += dup;
				continue;
			}
			ret = move_journaled(&v, g->mrow, moved_tables[i], l.row[k], &g->moved);
		}
		rowmacs_free(&l);
	}
	if (ret == STATUS_OK) {
		db_nka_t nk, nr;
		if ((ret = db_nka_get(s->c->db, kprow, &nk, m)) == STATUS_OK &&
		    (ret = db_nka_get(s->c->db, rprow, &nr, m)) == STATUS_OK && nr.nka != -1) {
			if (nk.nka == -1)
				ret = move_journaled(&v, g->mrow, DB_CT_ALLERGY_REVIEW, rprow,
						     &g->moved);
			else
				out->review_kept = 1;
		}
	}
	if (ret != STATUS_OK)
		goto done;
	core_now(g->merged_at);
	text_copy(g->merged_by, sizeof g->merged_by, s->user.name);
	if ((ret = reason_seal(s, g->mrow, "reason", kpid, rpid, reason, g->reason, &g->reason_len,
			       m)) != STATUS_OK ||
	    (ret = merge_mac(s, g, kpid, rpid, 0, 0, g->mac, m)) != STATUS_OK)
		goto done;
	g->mac_len = MG_MAC_LEN;
	if ((ret = db_merge_insert(s->c->db, g, m)) != STATUS_OK ||
	    (ret = chart_store(s, &ck, m)) != STATUS_OK ||
	    (ret = chart_store(s, &cr, m)) != STATUS_OK)
		goto done;
	/* What both charts hold now must verify before it is committed. */
	if ((ret = verify_chart(s, &ck, m)) != STATUS_OK ||
	    (ret = verify_chart(s, &cr, m)) != STATUS_OK)
		goto done;
	snprintf(detail, sizeof detail,
		 "merge %lld: MRN %s merged into MRN %s, %lld records moved%s%s; reason: %s",
		 (long long)g->mrow, out->retire_mrn, out->keep_mrn, (long long)g->moved,
		 out->review_kept ? " (both had an allergy review: the survivor's kept)" : "",
		 out->ids_kept ? " (an external identifier the survivor holds already stays with "
				 "the retired chart)"
			       : "",
		 reason);
	if ((ret = chart_audit(s, &ck, "chart_merge", detail, m)) == STATUS_OK)
		ret = chart_audit(s, &cr, "chart_merge", detail, m);
done:
	ret = finish(s, ret, m);
	sodium_memzero(detail, sizeof detail);
	if (ret == STATUS_OK) {
		out->id = g->mrow;
		out->moved = g->moved;
		msg_set(m, "Merge %lld: MRN %s merged into MRN %s (%lld records moved).",
			(long long)g->mrow, out->retire_mrn, out->keep_mrn, (long long)g->moved);
	} else
		integrity_report(s, rpid, ret, m);
cleanup_nodb:
	chart_free(&ck);
	chart_free(&cr);
	sodium_memzero(v.pk, sizeof v.pk);
	free(g);
	return ret;
}

/* ---- unmerge --------------------------------------------------------------------- */

typedef struct jrow {
	db_chart_table_t t;
	int64_t row;
	unsigned char *before;
	size_t blen;
	unsigned char after[2 * INTEGRITY_MAC_LEN];
	size_t alen;
	unsigned char mac[MG_MAC_LEN];
	size_t mlen;
	int bad;
} jrow_t;

typedef struct jlist {
	jrow_t *v;
	int n, cap, oom;
} jlist_t;

static int take_j(db_chart_table_t t, int64_t row, const unsigned char *before, size_t blen,
		  const unsigned char *after, size_t alen, const unsigned char *mac, size_t mlen,
		  void *arg)
{
	jlist_t *l = arg;
	jrow_t *j;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		jrow_t *nv = realloc(l->v, (size_t)cap * sizeof *nv);
		if (!nv) {
			l->oom = 1;
			return 1;
		}
		l->v = nv;
		l->cap = cap;
	}
	j = &l->v[l->n];
	memset(j, 0, sizeof *j);
	j->t = t;
	j->row = row;
	if (!(j->before = malloc(blen ? blen : 1))) {
		l->oom = 1;
		return 1;
	}
	l->n++;
	memcpy(j->before, before, blen);
	j->blen = blen;
	if (alen > sizeof j->after || mlen > sizeof j->mac)
		j->bad = 1;
	else {
		memcpy(j->after, after, alen);
		j->alen = alen;
		memcpy(j->mac, mac, mlen);
		j->mlen = mlen;
	}
	return 0;
}

static void jlist_free(jlist_t *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i].before);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static status_t journal_bad(msg_t *m, int64_t mrow)
{
	return msg_fail(m, STATUS_INTEGRITY,
			"Integrity check failed: the journal of merge %lld does not match its MAC "
			"(changed outside Chartroom). Nothing was changed.",
			(long long)mrow);
}

/* Put one journaled row back on the retired chart. */
static status_t put_back(mv_t *v, const db_merge_t *g, const jrow_t *j, rowmacs_t *cur,
			 rowmacs_t *ccur, merge_result_t *out)
{
	msg_t *m = v->m;
	int64_t key = j->t == DB_CT_ALLERGY_REVIEW ? g->keep_prow : j->row;
	int i = find_row(&cur[j->t], key), k = -1, same;
	status_t ret;
	if (i < 0 || cur[j->t].bad[i])
		return msg_fail(m, STATUS_INTEGRITY,
				"Integrity check failed: %s record %lld, moved by merge %lld, is "
				"no longer on the survivor's chart. Nothing was changed.",
				db_chart_table_name(j->t), (long long)j->row, (long long)g->mrow);
	same = sodium_memcmp(cur[j->t].mac[i], j->after, INTEGRITY_MAC_LEN) == 0;
	if (j->t == DB_CT_ENCOUNTERS) {
		k = find_row(ccur, j->row);
		same = same && k >= 0 && !ccur->bad[k] && j->alen == 2 * INTEGRITY_MAC_LEN &&
		       sodium_memcmp(ccur->mac[k], j->after + INTEGRITY_MAC_LEN,
				     INTEGRITY_MAC_LEN) == 0;
	}
	if (!same) {
		/* Changed on the survivor since the merge (coded, signed,
		 * edited): its current content goes back, re-bound. */
		out->rebound++;
		return move_row(v, j->t, j->t == DB_CT_ALLERGY_REVIEW ? g->keep_prow : j->row);
	}
	if ((ret = db_merge_restore(v->s->c->db, j->t, key, j->before, j->blen, m)) != STATUS_OK)
		return ret;
	chart_drop(v->from, j->t, key);
	if (j->t == DB_CT_ENCOUNTERS)
		chart_drop(v->from, DB_CT_CODING, j->row);
	return STATUS_OK;
}

status_t merge_undo(session_t *s, int64_t id, const char *reason, merge_result_t *out, msg_t *m)
{
	chart_t ck, cr;
	db_merge_t *g = NULL;
	mv_t v;
	jlist_t jl;
	rowmacs_t cur[DB_CT_END], ccur;
	unsigned char mac[MG_MAC_LEN];
	char kpid[33] = "", rpid[33] = "", detail[MERGE_REASON_MAX * 4 + 200];
	status_t ret;

	memset(&ck, 0, sizeof ck);
	memset(&cr, 0, sizeof cr);
	memset(out, 0, sizeof *out);
	memset(&v, 0, sizeof v);
	memset(&jl, 0, sizeof jl);
	memset(cur, 0, sizeof cur);
	memset(&ccur, 0, sizeof ccur);
	memset(detail, 0, sizeof detail);
	if ((ret = need_keys(s, m)) != STATUS_OK || (ret = check_reason(reason, m)) != STATUS_OK)
		return ret;
	if (!(g = calloc(1, sizeof *g)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup_nodb;
	if ((ret = db_merge_get(s->c->db, id, g, m)) != STATUS_OK) {
		int64_t cert = 0;
		msg_t ignore;
		/* Its charts destroyed since (core/retention.c): the journal
		 * went with them. */
		if (ret == STATUS_NOTFOUND &&
		    db_merge_destroyed(s->c->db, id, &cert, &ignore) == STATUS_OK)
			ret = msg_fail(m, STATUS_CONFLICT,
				       "Merge %lld cannot be undone: its charts were destroyed "
				       "(destruction certificate %lld), and its journal with them.",
				       (long long)id, (long long)cert);
		goto done;
	}
	if ((ret = ident_of(s, g->keep_prow, kpid, out->keep_mrn, m)) != STATUS_OK ||
	    (ret = ident_of(s, g->retire_prow, rpid, out->retire_mrn, m)) != STATUS_OK)
		goto done;
	if ((ret = merge_mac(s, g, kpid, rpid, 0, mac_version(s, g->mac, g->mac_len), mac, m)) !=
		    STATUS_OK)
		goto done;
	if (g->toolong || g->mac_len != MG_MAC_LEN || sodium_memcmp(mac, g->mac, MG_MAC_LEN) != 0) {
		ret = integrity_fail(m, "merges", g->mrow, "does not match its MAC");
		goto done;
	}
	if (g->undone) {
		ret = msg_fail(m, STATUS_CONFLICT, "Merge %lld was undone already (by %s, %s).",
			       (long long)g->mrow, g->undone_by, g->undone_at);
		goto done;
	}
	if ((ret = db_merge_rows(s->c->db, g->mrow, take_j, &jl, m)) != STATUS_OK)
		goto done;
	if (jl.oom) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto done;
	}
	if (jl.n != g->moved) {
		ret = journal_bad(m, g->mrow);
		goto done;
	}
	for (int i = 0; i < jl.n; i++) {
		jrow_t *j = &jl.v[i];
		if (j->bad || j->mlen != MG_MAC_LEN) {
			ret = journal_bad(m, g->mrow);
			goto done;
		}
		if ((ret = row_mac(s, g->mrow, kpid, rpid, j->t, j->row, j->before, j->blen, j->after,
				   j->alen, mac_version(s, j->mac, j->mlen), mac, m)) != STATUS_OK)
			goto done;
		if (sodium_memcmp(mac, j->mac, MG_MAC_LEN) != 0) {
			ret = journal_bad(m, g->mrow);
			goto done;
		}
	}
	if ((ret = chart_load(s, g->keep_prow, &ck, m)) != STATUS_OK ||
	    (ret = chart_load(s, g->retire_prow, &cr, m)) != STATUS_OK ||
	    (ret = verify_chart(s, &ck, m)) != STATUS_OK ||
	    (ret = verify_chart(s, &cr, m)) != STATUS_OK)
		goto done;
	for (size_t i = 0; i < N_MOVED && ret == STATUS_OK; i++)
		ret = rows_of(s, moved_tables[i], g->keep_prow, &cur[moved_tables[i]], m);
	if (ret == STATUS_OK)
		ret = rows_of(s, DB_CT_ALLERGY_REVIEW, g->keep_prow, &cur[DB_CT_ALLERGY_REVIEW], m);
	if (ret == STATUS_OK)
		ret = rows_of(s, DB_CT_CODING, g->keep_prow, &ccur, m);
	if (ret != STATUS_OK ||
	    (ret = crypto_seal_public_at(s->kr, DOMAIN_CLIN, CRYPTO_CURRENT, v.pk, &v.pkv, m)) !=
		    STATUS_OK)
		goto done;
	v.s = s;
	v.from = &ck;
	v.to = &cr;
	v.m = m;
	for (int i = 0; i < jl.n && ret == STATUS_OK; i++)
		ret = put_back(&v, g, &jl.v[i], cur, &ccur, out);
	/* Vitals and notes added since the merge to a visit that came from
	 * the retired chart go back with their visit: an encounter's rows
	 * are always its patient's. */
	for (int k = 0; k < 2 && ret == STATUS_OK; k++) {
		db_chart_table_t t = k ? DB_CT_NOTES : DB_CT_VITALS;
		rowmacs_t l;
		memset(&l, 0, sizeof l);
		ret = db_merge_followers(s->c->db, t, g->keep_prow, g->retire_prow, take_follower, &l,
					 m);
		if (ret == STATUS_OK && l.oom)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		for (int i = 0; i < l.n && ret == STATUS_OK; i++) {
			ret = move_row(&v, t, l.row[i]);
			out->followed++;
		}
		rowmacs_free(&l);
	}
	/* The rows put back byte for byte carry their MACs as they were:
	 * the retired chart's head lists them again. */
	for (size_t i = 0; i <= N_MOVED && ret == STATUS_OK; i++) {
		db_chart_table_t t = i < N_MOVED ? moved_tables[i] : DB_CT_ALLERGY_REVIEW;
		rowmacs_t l;
		if ((ret = rows_of(s, t, g->retire_prow, &l, m)) != STATUS_OK)
			break;
		for (int k = 0; k < l.n && ret == STATUS_OK; k++)
			ret = l.bad[k] ? integrity_fail(m, db_chart_table_name(t), l.row[k],
							"does not match its MAC")
				       : chart_put(&cr, t, l.row[k], l.mac[k], m);
		rowmacs_free(&l);
		if (ret == STATUS_OK && t == DB_CT_ENCOUNTERS) {
			if ((ret = rows_of(s, DB_CT_CODING, g->retire_prow, &l, m)) != STATUS_OK)
				break;
			for (int k = 0; k < l.n && ret == STATUS_OK; k++)
				ret = l.bad[k] ? integrity_fail(m, "encounter_dx/encounter_px",
								l.row[k], "does not match its MAC")
					       : chart_put(&cr, DB_CT_CODING, l.row[k], l.mac[k], m);
			rowmacs_free(&l);
		}
	}
	if (ret != STATUS_OK)
		goto done;
	core_now(g->undone_at);
	text_copy(g->undone_by, sizeof g->undone_by, s->user.name);
	if ((ret = reason_seal(s, g->mrow, "undo_reason", kpid, rpid, reason, g->undo_reason,
			       &g->undo_reason_len, m)) != STATUS_OK ||
	    (ret = merge_mac(s, g, kpid, rpid, 1, 0, g->undo_mac, m)) != STATUS_OK)
		goto done;
	g->undo_mac_len = MG_MAC_LEN;
	if ((ret = db_merge_set_undone(s->c->db, g, m)) != STATUS_OK ||
	    (ret = chart_store(s, &ck, m)) != STATUS_OK ||
	    (ret = chart_store(s, &cr, m)) != STATUS_OK ||
	    (ret = verify_chart(s, &ck, m)) != STATUS_OK ||
	    (ret = verify_chart(s, &cr, m)) != STATUS_OK)
		goto done;
	out->moved = jl.n;
	snprintf(detail, sizeof detail,
		 "merge %lld undone: MRN %s taken back out of MRN %s, %lld records put back "
		 "(%lld changed since, re-bound; %lld added since to its visits went with them); "
		 "reason: %s",
		 (long long)g->mrow, out->retire_mrn, out->keep_mrn, (long long)out->moved,
		 (long long)out->rebound, (long long)out->followed, reason);
	if ((ret = chart_audit(s, &ck, "chart_unmerge", detail, m)) == STATUS_OK)
		ret = chart_audit(s, &cr, "chart_unmerge", detail, m);
done:
	ret = finish(s, ret, m);
	sodium_memzero(detail, sizeof detail);
	if (ret == STATUS_OK) {
		out->id = g->mrow;
		msg_set(m, "Merge %lld undone: MRN %s is its own chart again (%lld records put back).",
			(long long)g->mrow, out->retire_mrn, (long long)out->moved);
	} else
		integrity_report(s, kpid, ret, m);
cleanup_nodb:
	for (int i = 0; i < DB_CT_END; i++)
		rowmacs_free(&cur[i]);
	rowmacs_free(&ccur);
	jlist_free(&jl);
	chart_free(&ck);
	chart_free(&cr);
	sodium_memzero(v.pk, sizeof v.pk);
	free(g);
	return ret;
}

status_t merge_into(session_t *s, int64_t prow, int64_t *into, char keep_mrn[32], int64_t *id,
		    msg_t *m)
{
	db_merge_t *g = calloc(1, sizeof *g);
	status_t ret;
	*into = 0;
	*id = 0;
	keep_mrn[0] = '\0';
	if (!g)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = db_merge_in_force(s->c->db, prow, g, m);
	if (ret == STATUS_NOTFOUND)
		ret = STATUS_OK;
	else if (ret == STATUS_OK && (ret = ident_of(s, g->keep_prow, NULL, keep_mrn, m)) ==
					     STATUS_OK) {
		*into = g->keep_prow;
		*id = g->mrow;
	}
	free(g);
	return ret;
}

status_t merge_notice(session_t *s, const char *key, char *out, size_t size, msg_t *m)
{
	int64_t prow = 0, into = 0, id = 0;
	char pid[33], mrn[32];
	int conf = 0;
	status_t ret;
	out[0] = '\0';
	if ((ret = patient_locate(s, key, &prow, pid, &conf, m)) != STATUS_OK ||
	    (ret = merge_into(s, prow, &into, mrn, &id, m)) != STATUS_OK)
		return ret;
	if (into)
		snprintf(out, size,
			 "Merged into MRN %s (merge %lld): this chart's records are on that chart.",
			 mrn, (long long)id);
	return STATUS_OK;
}

/* ---- a demo key rotation ------------------------------------------------------- */

typedef struct glist {
	db_merge_t *v;
	int n, cap, oom;
} glist_t;

static int take_g(const db_merge_t *g, void *arg)
{
	glist_t *l = arg;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		db_merge_t *nv = realloc(l->v, (size_t)cap * sizeof *nv);
		if (!nv) {
			l->oom = 1;
			return 1;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *g;
	return 0;
}

/* The reason in column `column` of g, opened and sealed again under the
 * newest demo version. */
static status_t reason_reseal(session_t *s, const db_merge_t *g, const char *column,
			      const char *kpid, const char *rpid, unsigned char *buf, size_t *len,
			      msg_t *m)
{
	crypto_bind_t b;
	char rowid[24], *plain = NULL;
	size_t pn = 0;
	status_t ret;
	snprintf(rowid, sizeof rowid, "%lld", (long long)g->mrow);
	reason_bind(&b, column, rowid, kpid, rpid);
	ret = crypto_field_open(s->kr, DOMAIN_DEMO, &b, 0, buf, *len, &plain, &pn, m);
	if (ret == STATUS_INTEGRITY || ret == STATUS_CRYPTO)
		return integrity_fail(m, "merges", g->mrow, "has a reason that fails to open");
	if (ret == STATUS_OK)
		ret = reason_seal(s, g->mrow, column, kpid, rpid, plain, buf, len, m);
	crypto_free_plain(plain, pn);
	return ret;
}

status_t merge_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m)
{
	glist_t gl;
	int newest = keyring_version(s->kr, DOMAIN_DEMO);
	unsigned char mac[MG_MAC_LEN];
	status_t ret;
	memset(&gl, 0, sizeof gl);
	if (rows)
		*rows = 0;
	if ((ret = db_merge_each_retired(s->c->db, prow, take_g, &gl, m)) != STATUS_OK)
		goto cleanup;
	if (gl.oom) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	for (int i = 0; i < gl.n && ret == STATUS_OK; i++) {
		db_merge_t *g = &gl.v[i];
		char kpid[33], rpid[33];
		jlist_t jl;
		memset(&jl, 0, sizeof jl);
		if ((ret = ident_of(s, g->keep_prow, kpid, NULL, m)) != STATUS_OK ||
		    (ret = ident_of(s, g->retire_prow, rpid, NULL, m)) != STATUS_OK ||
		    (ret = merge_mac(s, g, kpid, rpid, 0, mac_version(s, g->mac, g->mac_len), mac,
				     m)) != STATUS_OK)
			break;
		if (g->toolong || g->mac_len != MG_MAC_LEN ||
		    sodium_memcmp(mac, g->mac, MG_MAC_LEN) != 0) {
			ret = integrity_fail(m, "merges", g->mrow, "does not match its MAC");
			break;
		}
		if (g->undone) {
			if ((ret = merge_mac(s, g, kpid, rpid, 1,
					     mac_version(s, g->undo_mac, g->undo_mac_len), mac, m)) !=
			    STATUS_OK)
				break;
			if (g->undo_mac_len != MG_MAC_LEN ||
			    sodium_memcmp(mac, g->undo_mac, MG_MAC_LEN) != 0) {
				ret = integrity_fail(m, "merges", g->mrow, "does not match its MAC");
				break;
			}
		}
		if (g->mac[1] != newest || (g->undone && g->undo_mac[1] != newest)) {
			if ((ret = reason_reseal(s, g, "reason", kpid, rpid, g->reason, &g->reason_len,
						 m)) != STATUS_OK ||
			    (g->undone &&
			     (ret = reason_reseal(s, g, "undo_reason", kpid, rpid, g->undo_reason,
						  &g->undo_reason_len, m)) != STATUS_OK) ||
			    (ret = merge_mac(s, g, kpid, rpid, 0, 0, g->mac, m)) != STATUS_OK ||
			    (g->undone &&
			     (ret = merge_mac(s, g, kpid, rpid, 1, 0, g->undo_mac, m)) != STATUS_OK) ||
			    (ret = db_merge_rekey(s->c->db, g, m)) != STATUS_OK)
				break;
			if (rows)
				(*rows)++;
		}
		if ((ret = db_merge_rows(s->c->db, g->mrow, take_j, &jl, m)) == STATUS_OK && jl.oom)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		for (int k = 0; k < jl.n && ret == STATUS_OK; k++) {
			jrow_t *j = &jl.v[k];
			if (j->bad || j->mlen != MG_MAC_LEN) {
				ret = journal_bad(m, g->mrow);
				break;
			}
			if ((ret = row_mac(s, g->mrow, kpid, rpid, j->t, j->row, j->before, j->blen,
					   j->after, j->alen, mac_version(s, j->mac, j->mlen), mac,
					   m)) != STATUS_OK)
				break;
			if (sodium_memcmp(mac, j->mac, MG_MAC_LEN) != 0) {
				ret = journal_bad(m, g->mrow);
				break;
			}
			if (j->mac[1] == newest)
				continue;
			if ((ret = row_mac(s, g->mrow, kpid, rpid, j->t, j->row, j->before, j->blen,
					   j->after, j->alen, 0, mac, m)) == STATUS_OK &&
			    (ret = db_merge_row_set_mac(s->c->db, g->mrow, j->t, j->row, mac,
							sizeof mac, m)) == STATUS_OK &&
			    rows)
				(*rows)++;
		}
		jlist_free(&jl);
	}
cleanup:
	for (int i = 0; i < gl.n; i++)
		sodium_memzero(&gl.v[i], sizeof gl.v[i]);
	free(gl.v);
	return ret;
}

/* ---- one merge row checked (core/merge_internal.h) --------------------------- */

status_t merge_check(session_t *s, const db_merge_t *g, merge_ids_t *ids, msg_t *m)
{
	unsigned char mac[MG_MAC_LEN];
	status_t ret;
	memset(ids, 0, sizeof *ids);
	if ((ret = ident_of(s, g->keep_prow, ids->keep_pid, ids->keep_mrn, m)) != STATUS_OK ||
	    (ret = ident_of(s, g->retire_prow, ids->retire_pid, ids->retire_mrn, m)) != STATUS_OK)
		return ret;
	if ((ret = merge_mac(s, g, ids->keep_pid, ids->retire_pid, 0,
			     mac_version(s, g->mac, g->mac_len), mac, m)) != STATUS_OK)
		return ret;
	if (g->toolong || g->mac_len != MG_MAC_LEN || sodium_memcmp(mac, g->mac, MG_MAC_LEN) != 0)
		return integrity_fail(m, "merges", g->mrow, "does not match its MAC");
	if (!g->undone)
		return STATUS_OK;
	if ((ret = merge_mac(s, g, ids->keep_pid, ids->retire_pid, 1,
			     mac_version(s, g->undo_mac, g->undo_mac_len), mac, m)) != STATUS_OK)
		return ret;
	if (g->undo_mac_len != MG_MAC_LEN || sodium_memcmp(mac, g->undo_mac, MG_MAC_LEN) != 0)
		return integrity_fail(m, "merges", g->mrow, "does not match its MAC");
	return STATUS_OK;
}
