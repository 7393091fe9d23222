/* reseal.c - re-sealing a database from before schema 007 (reseal.h). */
#include "core/reseal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/audit.h"
#include "core/integrity.h"
#include "core/precord.h"
#include "db/db_audit.h"

typedef struct reseal {
	session_t *s;
	chart_t ch;  /* as loaded and checked: its head's list checks rows */
	chart_t acc; /* the list being rebuilt (only rows/n/cap used) */
	unsigned char pk[32]; /* the clin key's sealing half, for reasons for visit */
	int64_t rows, failed; /* this patient's */
	status_t ret;
	msg_t *m;
} reseal_t;

/* A legacy value that does not open: on record, and the row left as it is
 * (read later, it is an integrity error). Only errors other than a failed
 * check stop the run. */
static status_t legacy_failed(reseal_t *r, status_t st, msg_t *why)
{
	if (st != STATUS_INTEGRITY)
		return msg_fail(r->m, st, "%s", why->text);
	r->failed++;
	return audit_append(r->s, "integrity_fail", r->ch.pid, "failed", why->text, r->m);
}

/* Open a legacy (or already current) value and seal it in the current
 * form bound to the chart. *out NULL for an empty value. */
static status_t reseal_text(reseal_t *r, domain_t d, const char *table, const char *column,
			    int64_t row, const char *id, const char *eid, db_blob_t in,
			    db_blob_t *out, msg_t *why)
{
	char *plain = NULL;
	size_t plen = 0;
	unsigned char *blob = NULL;
	size_t blen = 0;
	status_t ret;
	out->p = NULL;
	out->n = 0;
	if (!in.n)
		return STATUS_OK;
	ret = chart_open_text(r->s, &r->ch, d, table, column, row, id, eid, in, &plain, &plen, why);
	if (ret == STATUS_OK)
		ret = chart_seal_text(r->s, &r->ch, d, table, column, id, eid, plain, &blob, &blen,
				      why);
	crypto_free_plain(plain, plen);
	out->p = blob;
	out->n = blen;
	return ret;
}

static status_t seal_plain(reseal_t *r, domain_t d, const char *table, const char *column,
			   const char *id, const char *eid, const char *text, db_blob_t *out,
			   msg_t *why)
{
	unsigned char *blob = NULL;
	size_t blen = 0;
	status_t ret = STATUS_OK;
	out->p = NULL;
	out->n = 0;
	if (text && *text)
		ret = chart_seal_text(r->s, &r->ch, d, table, column, id, eid, text, &blob, &blen,
				      why);
	out->p = blob;
	out->n = blen;
	return ret;
}

/* ---- each table --------------------------------------------------------- */

static int enc_one(const db_encounter_t *in, void *arg)
{
	reseal_t *r = arg;
	db_encounter_t e = *in;
	db_blob_t loc = {NULL, 0}, reason = {NULL, 0};
	db_dx_t dx[CODING_ROWS_MAX];
	db_px_t px[CODING_ROWS_MAX];
	int ndx = 0, npx = 0;
	unsigned char mac[INTEGRITY_MAC_LEN], cmac[INTEGRITY_MAC_LEN];
	msg_t why;
	status_t st;
	if (in->mac.n) { /* written since 007 (checked already): kept */
		if ((r->ret = chart_put(&r->acc, DB_CT_ENCOUNTERS, in->erow, in->mac.p, r->m)) ==
			    STATUS_OK &&
		    in->coding_mac.n == INTEGRITY_MAC_LEN)
			r->ret = chart_put(&r->acc, DB_CT_CODING, in->erow, in->coding_mac.p, r->m);
		return r->ret != STATUS_OK;
	}
	st = seal_plain(r, DOMAIN_DEMO, "encounters", "location", e.id, e.id, e.location, &loc, &why);
	if (st == STATUS_OK && e.reason.n) {
		char *plain = NULL;
		size_t plen = 0;
		unsigned char *blob = NULL;
		size_t blen = 0;
		crypto_bind_t bind = {"encounters", "reason", e.id, r->ch.pid, e.id, NULL};
		st = crypto_unseal_text(r->s->kr, DOMAIN_CLIN, &bind, CRYPTO_OPEN_LEGACY, e.reason.p,
					e.reason.n, &plain, &plen, &why);
		if (st == STATUS_INTEGRITY)
			integrity_fail(&why, "encounters", e.erow,
				       "cannot be decrypted: its reason for visit was altered");
		if (st == STATUS_OK)
			st = crypto_seal_text(r->pk, &bind, plain, &blob, &blen, &why);
		crypto_free_plain(plain, plen);
		reason.p = blob;
		reason.n = blen;
	}
	if (st == STATUS_OK)
		st = db_dx_load(r->s->c->db, e.erow, dx, CODING_ROWS_MAX, &ndx, &why);
	if (st == STATUS_OK)
		st = db_px_load(r->s->c->db, e.erow, px, CODING_ROWS_MAX, &npx, &why);
	if (st == STATUS_OK && (e.toolong || ndx > CODING_ROWS_MAX || npx > CODING_ROWS_MAX))
		st = integrity_fail(&why, "encounters", e.erow, "holds values Chartroom never wrote");
	if (st == STATUS_OK) {
		e.location[0] = '\0';
		e.location_ct = loc;
		e.reason = reason;
		if ((st = rowmac_encounter(r->s, &r->ch, &e, mac, &why)) == STATUS_OK)
			st = rowmac_coding(r->s, &r->ch, e.erow, e.coding_status, dx, ndx, px, npx,
					   cmac, &why);
	}
	if (st == STATUS_OK) {
		db_blob_t bm = {mac, sizeof mac}, bc = {cmac, sizeof cmac};
		if ((r->ret = db_encounter_reseal(r->s->c->db, e.erow, loc, reason, bm, bc, r->m)) ==
			    STATUS_OK &&
		    (r->ret = chart_put(&r->acc, DB_CT_ENCOUNTERS, e.erow, mac, r->m)) == STATUS_OK)
			r->ret = chart_put(&r->acc, DB_CT_CODING, e.erow, cmac, r->m);
		r->rows++;
	} else {
		r->ret = legacy_failed(r, st, &why);
	}
	free((void *)loc.p);
	free((void *)reason.p);
	return r->ret != STATUS_OK;
}

static int vit_one(const db_vitals_t *in, void *arg)
{
	reseal_t *r = arg;
	db_vitals_t v = *in;
	unsigned char mac[INTEGRITY_MAC_LEN];
	msg_t why;
	status_t st;
	if (in->mac.n) {
		r->ret = chart_put(&r->acc, DB_CT_VITALS, in->vrow, in->mac.p, r->m);
		return r->ret != STATUS_OK;
	}
	if (!v.id[0])
		crypto_random_id(v.id);
	st = v.toolong ? integrity_fail(&why, "vitals", v.vrow, "holds values Chartroom never wrote")
		       : rowmac_vitals(r->s, &r->ch, &v, mac, &why);
	if (st == STATUS_OK) {
		db_blob_t bm = {mac, sizeof mac};
		if ((r->ret = db_vitals_reseal(r->s->c->db, v.vrow, v.id, bm, r->m)) == STATUS_OK)
			r->ret = chart_put(&r->acc, DB_CT_VITALS, v.vrow, mac, r->m);
		r->rows++;
	} else {
		r->ret = legacy_failed(r, st, &why);
	}
	return r->ret != STATUS_OK;
}

static const char *const item_tables[] = {"allergies", "medications", "problems",
					  "procedure_history"};
static const db_chart_table_t item_ct[] = {DB_CT_ALLERGIES, DB_CT_MEDICATIONS, DB_CT_PROBLEMS,
					   DB_CT_PROCEDURES};

static int item_one(const db_item_t *in, void *arg)
{
	reseal_t *r = arg;
	db_item_t it = *in;
	const char *table = item_tables[in->kind];
	db_blob_t a = {NULL, 0}, b = {NULL, 0}, c = {NULL, 0};
	unsigned char mac[INTEGRITY_MAC_LEN];
	msg_t why;
	status_t st;
	if (in->mac.n) {
		r->ret = chart_put(&r->acc, item_ct[in->kind], in->row, in->mac.p, r->m);
		return r->ret != STATUS_OK;
	}
	st = it.toolong ? integrity_fail(&why, table, it.row, "holds values Chartroom never wrote")
			: reseal_text(r, DOMAIN_CLIN, table, "a", it.row, it.id, NULL, it.a, &a, &why);
	if (st == STATUS_OK)
		st = reseal_text(r, DOMAIN_CLIN, table, "b", it.row, it.id, NULL, it.b, &b, &why);
	/* A medication's frequency was clear text: encrypted now. */
	if (st == STATUS_OK && it.kind == DB_MEDICATION)
		st = seal_plain(r, DOMAIN_CLIN, table, "c", it.id, NULL, it.extra, &c, &why);
	if (st == STATUS_OK) {
		it.a = a;
		it.b = b;
		it.c = c;
		it.extra[0] = '\0';
		st = rowmac_item(r->s, &r->ch, &it, mac, &why);
	}
	if (st == STATUS_OK) {
		db_blob_t bm = {mac, sizeof mac};
		if ((r->ret = db_item_reseal(r->s->c->db, it.kind, it.row, a, b, c, bm, r->m)) ==
		    STATUS_OK)
			r->ret = chart_put(&r->acc, item_ct[it.kind], it.row, mac, r->m);
		r->rows++;
	} else {
		r->ret = legacy_failed(r, st, &why);
	}
	free((void *)a.p);
	free((void *)b.p);
	free((void *)c.p);
	return r->ret != STATUS_OK;
}

static int note_one(const db_note_t *in, void *arg)
{
	reseal_t *r = arg;
	db_note_t n = *in;
	db_blob_t body = {NULL, 0};
	unsigned char mac[INTEGRITY_MAC_LEN];
	char eid[33];
	msg_t why;
	status_t st;
	if (in->mac.n) {
		r->ret = chart_put(&r->acc, DB_CT_NOTES, in->nrow, in->mac.p, r->m);
		return r->ret != STATUS_OK;
	}
	chart_encounter_id(r->s, &r->ch, n.erow, eid);
	st = n.toolong ? integrity_fail(&why, "notes", n.nrow, "holds values Chartroom never wrote")
		       : reseal_text(r, DOMAIN_CLIN, "notes", "body", n.nrow, n.id, eid, n.body, &body,
				     &why);
	if (st == STATUS_OK) {
		n.body = body;
		st = rowmac_note(r->s, &r->ch, &n, mac, &why);
	}
	if (st == STATUS_OK) {
		db_blob_t bm = {mac, sizeof mac};
		if ((r->ret = db_note_reseal(r->s->c->db, n.nrow, body, bm, r->m)) == STATUS_OK)
			r->ret = chart_put(&r->acc, DB_CT_NOTES, n.nrow, mac, r->m);
		r->rows++;
	} else {
		r->ret = legacy_failed(r, st, &why);
	}
	free((void *)body.p);
	return r->ret != STATUS_OK;
}

static int btg_one(const db_btg_t *in, void *arg)
{
	reseal_t *r = arg;
	unsigned char mac[INTEGRITY_MAC_LEN];
	msg_t why;
	status_t st;
	if (in->mac_len) {
		r->ret = chart_put(&r->acc, DB_CT_BTG, in->id, in->mac, r->m);
		return r->ret != STATUS_OK;
	}
	st = in->toolong ? integrity_fail(&why, "btg_queue", in->id, "holds values Chartroom never wrote")
			 : rowmac_btg(r->s, &r->ch, in, mac, &why);
	if (st == STATUS_OK) {
		if ((r->ret = db_btg_set_mac(r->s->c->db, in->id, mac, sizeof mac, r->m)) == STATUS_OK)
			r->ret = chart_put(&r->acc, DB_CT_BTG, in->id, mac, r->m);
		r->rows++;
	} else {
		r->ret = legacy_failed(r, st, &why);
	}
	return r->ret != STATUS_OK;
}

/* ---- a table's rows, by number (collected first: rows are rewritten as
 * they are re-sealed, never while a statement walks them) ---- */

typedef struct rowlist {
	int64_t *v;
	int n, cap, oom;
} rowlist_t;

static int collect(int64_t row, const unsigned char *mac, size_t len, void *arg)
{
	rowlist_t *l = arg;
	(void)mac;
	(void)len;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		int64_t *nv = realloc(l->v, (size_t)cap * sizeof *nv);
		if (!nv) {
			l->oom = 1;
			return 1;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = row;
	return 0;
}

static status_t each_row(reseal_t *r, db_chart_table_t t)
{
	rowlist_t l = {0};
	db_t *db = r->s->c->db;
	status_t ret = db_chart_rows(db, t, r->ch.prow, collect, &l, r->m);
	if (ret == STATUS_OK && l.oom)
		ret = msg_fail(r->m, STATUS_NOMEM, "Out of memory re-sealing the chart.");
	for (int i = 0; i < l.n && ret == STATUS_OK; i++) {
		r->ret = STATUS_OK;
		switch (t) {
		case DB_CT_ENCOUNTERS:
			ret = db_encounter_get(db, l.v[i], enc_one, r, r->m);
			break;
		case DB_CT_VITALS:
			ret = db_vitals_get(db, l.v[i], vit_one, r, r->m);
			break;
		case DB_CT_ALLERGIES:
			ret = db_item_get(db, DB_ALLERGY, l.v[i], item_one, r, r->m);
			break;
		case DB_CT_MEDICATIONS:
			ret = db_item_get(db, DB_MEDICATION, l.v[i], item_one, r, r->m);
			break;
		case DB_CT_PROBLEMS:
			ret = db_item_get(db, DB_PROBLEM, l.v[i], item_one, r, r->m);
			break;
		case DB_CT_NOTES:
			ret = db_note_get(db, l.v[i], note_one, r, r->m);
			break;
		default:
			ret = msg_fail(r->m, STATUS_ERR, "Unknown chart table.");
		}
		if (ret == STATUS_OK)
			ret = r->ret;
	}
	free(l.v);
	return ret;
}

static status_t nka_one(reseal_t *r)
{
	db_nka_t n;
	unsigned char mac[INTEGRITY_MAC_LEN];
	msg_t why;
	status_t st, ret = db_nka_get(r->s->c->db, r->ch.prow, &n, r->m);
	if (ret != STATUS_OK || n.nka == -1)
		return ret;
	if (n.mac_len)
		return chart_put(&r->acc, DB_CT_ALLERGY_REVIEW, r->ch.prow, n.mac, r->m);
	st = n.toolong ? integrity_fail(&why, "allergy_review", n.prow,
					"holds values Chartroom never wrote")
		       : rowmac_nka(r->s, &r->ch, &n, mac, &why);
	if (st != STATUS_OK)
		return legacy_failed(r, st, &why);
	memcpy(n.mac, mac, sizeof mac);
	n.mac_len = sizeof mac;
	r->rows++;
	if ((ret = db_nka_set(r->s->c->db, &n, r->m)) == STATUS_OK)
		ret = chart_put(&r->acc, DB_CT_ALLERGY_REVIEW, r->ch.prow, mac, r->m);
	return ret;
}

/* ---- a patient ---------------------------------------------------------- */

static const db_chart_table_t all_tables[] = {
	DB_CT_ENCOUNTERS, DB_CT_VITALS, DB_CT_ALLERGIES, DB_CT_MEDICATIONS,
	DB_CT_PROBLEMS,   DB_CT_NOTES,  DB_CT_ALLERGY_REVIEW, DB_CT_BTG, DB_CT_IDENTIFIERS,
	DB_CT_PROCEDURES,
};

/* External identifiers and procedure history (018) are born sealed:
 * checked above with the rest, their entries carried into the rebuilt
 * list as they are. */
static db_chart_table_t keep_table;
static int keep_entry(int64_t row, const unsigned char *mac, size_t len, void *arg)
{
	reseal_t *r = arg;
	if (len != INTEGRITY_MAC_LEN) {
		r->ret = integrity_fail(r->m, db_chart_table_name(keep_table), row,
					"carries no integrity seal");
		return 1;
	}
	r->ret = chart_put(&r->acc, keep_table, row, mac, r->m);
	return r->ret != STATUS_OK;
}

static status_t reseal_patient(reseal_t *r, int64_t prow)
{
	session_t *s = r->s;
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	status_t ret, st = STATUS_OK;
	int any = 0, chart_ok = 0;
	msg_t why;
	char detail[96];
	memset(&r->ch, 0, sizeof r->ch);
	memset(&r->acc, 0, sizeof r->acc);
	r->rows = r->failed = 0;
	if (!row || !p) {
		ret = msg_fail(r->m, STATUS_NOMEM, "Out of memory re-sealing the chart.");
		goto cleanup;
	}
	if ((ret = db_patient_get(s->c->db, prow, row, r->m)) != STATUS_OK ||
	    (ret = db_chart_has_rows(s->c->db, prow, &any, r->m)) != STATUS_OK)
		goto cleanup;
	/* Its chart as it stands: rows written since 007 (and the head they
	 * left) must hold, or nothing of it is sealed over. Rows from before
	 * carry no MAC and are passed over by these checks. */
	if (any) {
		if ((st = chart_load(s, prow, &r->ch, &why)) == STATUS_OK)
			for (size_t i = 0; i < sizeof all_tables / sizeof all_tables[0] && st == STATUS_OK;
			     i++)
				st = chart_verify(s, &r->ch, all_tables[i], &why);
		chart_ok = st == STATUS_OK;
		if (!chart_ok) {
			text_copy(r->ch.pid, sizeof r->ch.pid, row->id);
			if ((ret = legacy_failed(r, st, &why)) != STATUS_OK)
				goto cleanup;
		}
	}
	/* The patients row: its ciphertexts in the current form, bound to its
	 * id, version and flag. */
	if (crypto_blob_is_legacy(row->ident, row->ident_len) ||
	    crypto_blob_is_legacy(row->details, row->details_len)) {
		st = precord_open(s->kr, row, p, 0, CRYPTO_OPEN_LEGACY, &why);
		if (st != STATUS_OK) {
			text_copy(r->ch.pid, sizeof r->ch.pid, row->id);
			ret = legacy_failed(r, st, &why);
			goto cleanup; /* a chart cannot be bound to it */
		}
		if ((ret = precord_seal(s->kr, p, row->version, row, r->m)) != STATUS_OK ||
		    (ret = db_patient_reseal(s->c->db, row, r->m)) != STATUS_OK)
			goto cleanup;
		if (r->ch.patient)
			*r->ch.patient = *row;
	}
	if (!any || !chart_ok)
		goto cleanup;
	/* The list is rebuilt from the rows as re-sealed (and those kept). */
	for (size_t i = 0; i < 6 && ret == STATUS_OK; i++)
		ret = each_row(r, all_tables[i]);
	if (ret == STATUS_OK)
		ret = nka_one(r);
	if (ret == STATUS_OK) {
		r->ret = STATUS_OK;
		ret = db_btg_list(s->c->db, prow, btg_one, r, r->m);
		if (ret == STATUS_OK)
			ret = r->ret;
	}
	for (int k = 0; k < 2 && ret == STATUS_OK; k++) {
		keep_table = k ? DB_CT_PROCEDURES : DB_CT_IDENTIFIERS;
		r->ret = STATUS_OK;
		ret = db_chart_rows(s->c->db, keep_table, prow, keep_entry, r, r->m);
		if (ret == STATUS_OK)
			ret = r->ret;
	}
	if (ret != STATUS_OK)
		goto cleanup;
	free(r->ch.rows);
	r->ch.rows = r->acc.rows;
	r->ch.n = r->acc.n;
	r->ch.cap = r->acc.cap;
	r->acc.rows = NULL;
	if ((ret = chart_store(s, &r->ch, r->m)) != STATUS_OK)
		goto cleanup;
	snprintf(detail, sizeof detail,
		 "re-sealed %" PRId64 " rows of the chart; %" PRId64 " failed their check", r->rows,
		 r->failed);
	ret = chart_audit(s, &r->ch, "integrity_reseal", detail, r->m);
cleanup:
	free(r->acc.rows);
	memset(&r->acc, 0, sizeof r->acc);
	chart_free(&r->ch);
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

status_t reseal_run(session_t *s, int batch, int max_batches, int *done, msg_t *m)
{
	status_t ret = STATUS_OK;
	db_t *db = s->c->db;
	int64_t seq = 0, after = 0, *prows = NULL;
	int n = 0, batches = 0;
	char buf[32];
	msg_t ignore;
	reseal_t *r = NULL;

	*done = s->c->sealed;
	if (s->c->sealed || !keyring_has(s->kr, DOMAIN_DEMO) || !keyring_has(s->kr, DOMAIN_CLIN) ||
	    !keyring_has(s->kr, DOMAIN_AUDIT))
		return STATUS_OK;
	if (batch < 1)
		batch = RESEAL_BATCH;
	if (!(r = calloc(1, sizeof *r)) || !(prows = malloc((size_t)batch * sizeof *prows))) {
		free(r);
		return msg_fail(m, STATUS_NOMEM, "Out of memory re-sealing the charts.");
	}
	r->s = s;
	r->m = m;
	if ((ret = crypto_seal_public(s->kr, DOMAIN_CLIN, r->pk, m)) != STATUS_OK)
		goto cleanup;
	/* The start is on record before anything is rewritten. */
	if ((ret = db_begin(db, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_audit_mark(db, "integrity_migration_start", &seq, m)) == STATUS_OK && !seq) {
		ret = audit_append(s, "integrity_migration_start", "", "ok",
				   "re-sealing every chart row (schema 007)", m);
		if (ret == STATUS_OK)
			ret = db_meta_set(db, "reseal_after", "0", m);
	}
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK) {
		db_rollback(db);
		goto cleanup;
	}
	for (;;) {
		if (max_batches && batches == max_batches)
			break;
		if ((ret = db_begin(db, m)) != STATUS_OK)
			goto cleanup;
		after = 0;
		if (db_meta_get(db, "reseal_after", buf, sizeof buf, &ignore) == STATUS_OK)
			after = strtoll(buf, NULL, 10);
		ret = db_patients_after(db, after, prows, batch, &n, m);
		for (int i = 0; i < n && ret == STATUS_OK; i++)
			ret = reseal_patient(r, prows[i]);
		if (ret == STATUS_OK && n) {
			snprintf(buf, sizeof buf, "%" PRId64, prows[n - 1]);
			ret = db_meta_set(db, "reseal_after", buf, m);
		}
		if (ret == STATUS_OK && !n) {
			/* Done: from now on the clinic is sealed. */
			ret = audit_append(s, "integrity_on", "", "ok",
					   "every chart row re-sealed (schema 007)", m);
			if (ret == STATUS_OK)
				ret = db_meta_set(db, "reseal_after", "done", m);
		}
		if (ret == STATUS_OK)
			ret = db_commit(db, m);
		if (ret != STATUS_OK) {
			db_rollback(db);
			goto cleanup;
		}
		batches++;
		if (!n) {
			s->c->sealed = 1;
			*done = 1;
			break;
		}
	}
cleanup:
	free(prows);
	if (r) {
		sodium_memzero(r->pk, sizeof r->pk);
		free(r);
	}
	return ret;
}
