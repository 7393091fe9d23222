/* rotate.c - key rotation and the recovery key's rotation (rotate.h). */
#include "core/rotate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/audit.h"
#include "core/disclosure.h"
#include "core/chart_track.h"
#include "core/retention.h"
#include "core/deficiency.h"
#include "core/dupscan.h"
#include "core/extid.h"
#include "core/integrity.h"
#include "core/merge.h"
#include "core/internal.h"
#include "core/pindex.h"
#include "core/provider.h"
#include "core/precord.h"
#include "core/request.h"
#include "db/db_journal.h"
#include "db/db_keys.h"
#include "db/db_rights.h"

/* The rotation in progress, as meta keeps it. */
typedef struct job {
	domain_t d;
	int from, to;
	int pass;
	int64_t after;
	int64_t batches; /* since it started, all runs */
} job_t;

/* (token, prow) pairs. */
typedef struct toklist {
	int64_t *v; /* 2 * n */
	size_t n, cap;
} toklist_t;

/* What one run carries from patient to patient. */
typedef struct rot {
	session_t *s;
	job_t j;
	chart_t ch;
	unsigned char pk[32];   /* clin: the new version's sealing half */
	unsigned char mark[8];  /* index: the new version's mark */
	int64_t mark_tok;
	int chart_changed;      /* rows of this chart rewritten */
	int64_t rows;           /* this chart's */
	toklist_t del, ins;     /* index: the batch's token changes */
	msg_t *m;
} rot_t;

static const char *dname(domain_t d)
{
	return crypto_domain_name(d);
}

/* ---- the job in meta ------------------------------------------------------ */

static status_t job_read(db_t *db, job_t *j, int *exists, msg_t *m)
{
	char buf[96], dom[16];
	msg_t why;
	status_t ret = db_meta_get(db, "rotate_job", buf, sizeof buf, &why);
	long long after = 0, batches = 0;
	int pass = 1;
	memset(j, 0, sizeof *j);
	*exists = 0;
	if (ret == STATUS_NOTFOUND)
		return STATUS_OK;
	if (ret != STATUS_OK)
		return msg_fail(m, ret, "%s", why.text);
	if (sscanf(buf, "%15s %d %d %d %lld %lld", dom, &j->from, &j->to, &pass, &after, &batches) <
	    3)
		return msg_fail(m, STATUS_INTEGRITY,
				"The record of the key rotation in progress (meta rotate_job) is "
				"damaged.");
	j->d = strcmp(dom, "index") == 0 ? DOMAIN_INDEX : crypto_domain_from_name(dom);
	if (j->d == DOMAIN_COUNT)
		return msg_fail(m, STATUS_INTEGRITY,
				"The record of the key rotation in progress names no key.");
	j->pass = pass;
	j->after = after;
	j->batches = batches;
	*exists = 1;
	return STATUS_OK;
}

/* One row of meta, written in the step's own transaction: a step that is
 * killed leaves the job as the last committed one said. */
static status_t job_write(db_t *db, const job_t *j, msg_t *m)
{
	char buf[96];
	snprintf(buf, sizeof buf, "%s %d %d %d %" PRId64 " %" PRId64, dname(j->d), j->from, j->to,
		 j->pass, j->after, j->batches);
	return db_meta_set(db, "rotate_job", buf, m);
}

/* ---- keys ------------------------------------------------------------------- */

/* The versions in use of d: *from the newest active one (0 for an index
 * still derived from the demo key), *legacy for that case. */
static status_t current_version(session_t *s, domain_t d, int *from, int *legacy, msg_t *m)
{
	int v[KEYS_VERSIONS_MAX], n = keys_versions_active(s->c->db, d, v, KEYS_VERSIONS_MAX, m);
	*legacy = 0;
	if (n < 0)
		return STATUS_DB;
	if (n == 0 && d == DOMAIN_INDEX) {
		*legacy = 1;
		*from = 0;
		return STATUS_OK;
	}
	if (n == 0)
		return msg_fail(m, STATUS_INTEGRITY, "The database has no %s key.", dname(d));
	*from = v[0];
	*legacy = d == DOMAIN_INDEX && v[0] == 0;
	return STATUS_OK;
}

/* What the session must hold to rotate d from version `from`. */
static status_t need_keys(session_t *s, domain_t d, int from, msg_t *m)
{
	domain_t need[3] = {d, DOMAIN_AUDIT, DOMAIN_COUNT};
	if (d == DOMAIN_INDEX || d == DOMAIN_CLIN)
		need[2] = DOMAIN_DEMO; /* patients are decrypted; charts re-MAC'd */
	if (!keyring_has_version(s->kr, d, from))
		return msg_fail(m, STATUS_DENIED,
				"Rotating the %s key needs a session that holds it (version %d). %s",
				dname(d), from,
				d == DOMAIN_CLIN
					? "Sign on as a clinical user granted key_manage, or give the "
					  "recovery key (--recovery)."
					: "Sign on as a user who holds it, or give the recovery key "
					  "(--recovery).");
	for (int i = 1; i < 3; i++)
		if (need[i] != DOMAIN_COUNT && !keyring_has(s->kr, need[i]))
			return msg_fail(m, STATUS_DENIED,
					"Rotating the %s key needs the %s key too; this session does "
					"not hold it.",
					dname(d), dname(need[i]));
	return STATUS_OK;
}

/* With the recovery key: every key it opens joins the session's ring. */
static status_t join_recovery(session_t *s, const char *text, msg_t *m)
{
	keyring_t *rk = NULL;
	status_t ret = clinic_recovery_keyring(s->c, text, &rk, m);
	if (ret != STATUS_OK)
		return ret;
	for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++) {
		int v[KEYS_VERSIONS_MAX], n = keyring_versions(rk, (domain_t)d, v, KEYS_VERSIONS_MAX);
		for (int i = 0; i < n && ret == STATUS_OK; i++)
			ret = keyring_set(s->kr, (domain_t)d, v[i], keyring_key_at(rk, (domain_t)d, v[i]),
					  m);
	}
	if (ret == STATUS_OK)
		ret = keys_load_derived(s->c->db, s->kr, m);
	keyring_free(rk);
	return ret;
}

/* Grant version `to` of d to every enabled account that holds `from`,
 * whose record passes its check. */
typedef struct holders {
	db_user_t *u;
	int n, cap, oom;
} holders_t;

static int take_user(const db_user_t *u, void *arg)
{
	holders_t *h = arg;
	if (h->n == h->cap) {
		int cap = h->cap ? h->cap * 2 : 32;
		db_user_t *nu = realloc(h->u, (size_t)cap * sizeof *nu);
		if (!nu) {
			h->oom = 1;
			return 1;
		}
		h->u = nu;
		h->cap = cap;
	}
	h->u[h->n++] = *u;
	return 0;
}

static status_t grant_holders(session_t *s, domain_t d, int from, int to, int *granted,
			      int *skipped, msg_t *m)
{
	holders_t h = {0};
	status_t ret = db_user_each(s->c->db, take_user, &h, m);
	*granted = *skipped = 0;
	if (ret == STATUS_OK && h.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the accounts.");
	for (int i = 0; i < h.n && ret == STATUS_OK; i++) {
		int has = 0;
		msg_t why;
		if (h.u[i].disabled)
			continue;
		if ((ret = db_key_has(s->c->db, h.u[i].id, dname(d), from, &has, m)) != STATUS_OK ||
		    !has)
			continue;
		/* An account whose record was changed outside Chartroom gets no
		 * key (its public key may not be its own): it keeps the old
		 * version until that is destroyed, and is counted. */
		if (users_row_check(s->kr, &h.u[i], &why) != STATUS_OK) {
			(*skipped)++;
			continue;
		}
		if ((ret = keys_grant_one(s->c->db, s->kr, &h.u[i], d, to, m)) == STATUS_OK)
			(*granted)++;
	}
	free(h.u);
	return ret;
}

/* ---- start ---------------------------------------------------------------- */

/* The audit key's rotation: the policy and the accounts' MACs checked
 * under the old version, then made under the new one (ring: new current). */
typedef struct accounts {
	holders_t h;
	unsigned char *ok; /* passes its check under the old version */
} accounts_t;

static status_t audit_check_old(session_t *s, accounts_t *a, msg_t *m)
{
	status_t ret = policy_check(s, m);
	memset(a, 0, sizeof *a);
	/* The provider records (reference rows) too: MAC'd again below. */
	if (ret == STATUS_OK)
		ret = provider_check_all(s, m);
	if (ret == STATUS_OK)
		ret = db_user_each(s->c->db, take_user, &a->h, m);
	if (ret == STATUS_OK && a->h.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the accounts.");
	if (ret == STATUS_OK && !(a->ok = calloc((size_t)a->h.n + 1, 1)))
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the accounts.");
	for (int i = 0; i < a->h.n && ret == STATUS_OK; i++) {
		msg_t why;
		a->ok[i] = users_row_check(s->kr, &a->h.u[i], &why) == STATUS_OK;
	}
	return ret;
}

static status_t audit_remac(session_t *s, const accounts_t *a, int *damaged, msg_t *m)
{
	status_t ret = policy_remac(s, m);
	*damaged = 0;
	if (ret == STATUS_OK)
		ret = provider_remac(s, m);
	/* A damaged account stays damaged: its MAC is not made anew. */
	for (int i = 0; i < a->h.n && ret == STATUS_OK; i++) {
		if (a->ok[i])
			ret = users_row_seal(s->c, s->kr, a->h.u[i].id, m);
		else
			(*damaged)++;
	}
	return ret;
}

/* Version `to` of the demo key keeps every index key version too. */
static status_t index_under_demo(session_t *s, int to, msg_t *m)
{
	int v[KEYS_VERSIONS_MAX], n = keyring_versions(s->kr, DOMAIN_INDEX, v, KEYS_VERSIONS_MAX);
	status_t ret = STATUS_OK;
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		db_wrap_t w;
		if (v[i] == 0)
			continue; /* the demo key itself: nothing to keep */
		memset(&w, 0, sizeof w);
		keys_under_holder(DOMAIN_DEMO, to, w.holder);
		snprintf(w.domain, sizeof w.domain, "index");
		w.version = v[i];
		w.blob_len = CRYPTO_WRAP_LEN;
		ret = crypto_wrap_under(s->kr, DOMAIN_DEMO, to, w.holder, "index", v[i],
					keyring_key_at(s->kr, DOMAIN_INDEX, v[i]), w.blob, m);
		if (ret == STATUS_OK)
			ret = db_wrap_put(s->c->db, &w, m);
	}
	return ret;
}

static status_t start(session_t *s, domain_t d, const unsigned char *rk, job_t *j, msg_t *m)
{
	db_t *db = s->c->db;
	secret_t key = {0};
	accounts_t acc;
	char when[24], detail[256];
	int legacy = 0, granted = 0, skipped = 0, damaged = 0, exists = 0, added = 0;
	long long epoch = 0;
	status_t ret;

	memset(&acc, 0, sizeof acc);
	if ((ret = db_begin(db, m)) != STATUS_OK)
		return ret;
	/* Another run may have started it meanwhile: then this one resumes. */
	if ((ret = job_read(db, j, &exists, m)) != STATUS_OK || exists)
		goto done;
	memset(j, 0, sizeof *j);
	j->d = d;
	j->pass = 1;
	/* What waits in the audit journal goes into the trail first, under
	 * the keys as they were (the new version is not in the ring yet). */
	if ((ret = audit_chain(s, m)) != STATUS_OK)
		goto done;
	if ((ret = current_version(s, d, &j->from, &legacy, m)) != STATUS_OK ||
	    (ret = need_keys(s, d, j->from, m)) != STATUS_OK ||
	    (ret = db_domain_key_next(db, d == DOMAIN_INDEX ? "index" : dname(d), &j->to, m)) !=
		    STATUS_OK)
		goto done;
	if (j->to > 255) {
		ret = msg_fail(m, STATUS_INVALID, "The %s key has had 255 versions; no more fit.",
			       dname(d));
		goto done;
	}
	core_now(when);
	if (d == DOMAIN_AUDIT && (ret = audit_check_old(s, &acc, m)) != STATUS_OK)
		goto done;
	if (d == DOMAIN_INDEX) {
		/* The index of a database from before the index key: version 0
		 * (the demo key) is recorded so that sessions keep searching
		 * with it until every patient is re-tokenised. */
		if (legacy && j->to == 1 && (ret = db_domain_key_add(db, "index", 0, when, m)) != STATUS_OK)
			goto done;
		ret = index_key_create(db, s->kr, j->to, when, m);
		added = ret == STATUS_OK;
		if (ret != STATUS_OK)
			goto done;
	} else {
		if ((ret = secret_new(&key, 1, m)) != STATUS_OK ||
		    (ret = db_domain_key_add(db, dname(d), j->to, when, m)) != STATUS_OK ||
		    (ret = keyring_set(s->kr, d, j->to, key.bytes, m)) != STATUS_OK)
			goto done;
		added = 1;
		/* The accounts' and the policy's MACs under the new audit key
		 * first: the grants below go only to accounts that pass their
		 * check under the key in force. */
		if (d == DOMAIN_AUDIT && (ret = audit_remac(s, &acc, &damaged, m)) != STATUS_OK)
			goto done;
		/* Every holder of the old version gets the new one sealed to
		 * them; the recovery key too. */
		if ((ret = grant_holders(s, d, j->from, j->to, &granted, &skipped, m)) != STATUS_OK)
			goto done;
		if (!granted) {
			ret = msg_fail(m, STATUS_INTEGRITY,
				       "No account could be given the new %s key (every holder's "
				       "record fails its check); nothing was changed.",
				       dname(d));
			goto done;
		}
		if (rk) {
			ret = recovery_wrap_all(db, s->kr, rk, m);
		} else {
			ret = recovery_seal(db, s->kr, d, j->from, j->to, m);
		}
		if (ret != STATUS_OK)
			goto done;
	}
	if (d == DOMAIN_DEMO)
		ret = index_under_demo(s, j->to, m);
	else if (d == DOMAIN_CLIN) {
		unsigned char pk[32];
		int v = 0;
		if ((ret = crypto_seal_public_at(s->kr, DOMAIN_CLIN, j->to, pk, &v, m)) == STATUS_OK)
			ret = clinical_seal_key_write(db, pk, j->to, m);
	}
	if (ret == STATUS_OK)
		ret = job_write(db, j, m);
	if (ret == STATUS_OK)
		ret = session_key_epoch_bump(db, &epoch, m);
	if (ret == STATUS_OK) {
		s->key_epoch = epoch; /* this session holds the new version already */
		if (d == DOMAIN_INDEX)
			snprintf(detail, sizeof detail,
				 "index key version %d -> %d (kept under the demo key); every "
				 "patient's search tokens are re-made",
				 j->from, j->to);
		else
			snprintf(detail, sizeof detail,
				 "%s key version %d -> %d; granted to %d account%s%s; recovery key: "
				 "%s%s",
				 dname(d), j->from, j->to, granted, granted == 1 ? "" : "s",
				 skipped ? " (some skipped: account record damaged)" : "",
				 rk ? "wrapped" : "sealed to its public half",
				 damaged ? "; damaged account records left unsealed" : "");
		ret = audit_append(s, "key_rotate_start", dname(d), "ok", detail, m);
	}
done:
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK) {
		db_rollback(db);
		if (added)
			keyring_drop(s->kr, d, j->to); /* never stored */
	}
	secret_free(&key);
	free(acc.h.u);
	free(acc.ok);
	return ret;
}

/* ---- a chart (demo, clin) ------------------------------------------------------ */

/* Is a stored value under the old version (to be re-made)? */
static int old_blob(const rot_t *r, db_blob_t b)
{
	return b.n && crypto_blob_version(b.p, b.n) != r->j.to;
}

static int old_mac(const rot_t *r, const unsigned char *mac, size_t len)
{
	return r->j.d == DOMAIN_DEMO && len && crypto_blob_version(mac, len) != r->j.to;
}

/* Re-encrypt one value under the newest version of d. */
static status_t reseal_value(rot_t *r, domain_t d, const char *table, const char *column,
			     int64_t row, const char *id, const char *eid, db_blob_t in,
			     db_blob_t *out, msg_t *m)
{
	char *plain = NULL;
	size_t plen = 0, blen = 0;
	unsigned char *blob = NULL;
	status_t ret = chart_open_text(r->s, &r->ch, d, table, column, row, id, eid, in, &plain,
				       &plen, m);
	if (ret == STATUS_OK)
		ret = chart_seal_text(r->s, &r->ch, d, table, column, id, eid, plain, &blob, &blen, m);
	crypto_free_plain(plain, plen);
	out->p = blob;
	out->n = blen;
	return ret;
}

typedef struct rowctx {
	rot_t *r;
	status_t ret;
} rowctx_t;

static int enc_one(const db_encounter_t *in, void *arg)
{
	rowctx_t *c = arg;
	rot_t *r = c->r;
	db_encounter_t e = *in;
	db_blob_t loc = {NULL, 0}, reason = {NULL, 0};
	db_dx_t dx[CODING_ROWS_MAX];
	db_px_t px[CODING_ROWS_MAX];
	int ndx = 0, npx = 0, redo = 0;
	unsigned char mac[INTEGRITY_MAC_LEN], cmac[INTEGRITY_MAC_LEN];
	status_t ret = STATUS_OK;
	msg_t *m = r->m;

	if (r->j.d == DOMAIN_DEMO && old_blob(r, e.location_ct)) {
		ret = reseal_value(r, DOMAIN_DEMO, "encounters", "location", e.erow, e.id, e.id,
				   e.location_ct, &loc, m);
		e.location_ct = loc;
		redo = 1;
	}
	if (ret == STATUS_OK && r->j.d == DOMAIN_CLIN && e.reason.n &&
	    crypto_sealed_version(e.reason.p, e.reason.n) != r->j.to) {
		char *plain = NULL;
		size_t plen = 0, blen = 0;
		unsigned char *blob = NULL;
		crypto_bind_t bind = {"encounters", "reason", e.id, r->ch.pid, e.id, NULL};
		ret = crypto_unseal_text(r->s->kr, DOMAIN_CLIN, &bind, 0, e.reason.p, e.reason.n, &plain,
					 &plen, m);
		if (ret == STATUS_INTEGRITY)
			ret = integrity_fail(m, "encounters", e.erow,
					     "cannot be decrypted: its reason for visit was altered "
					     "or moved");
		if (ret == STATUS_OK)
			ret = crypto_seal_text_version(r->pk, r->j.to, &bind, plain, &blob, &blen, m);
		crypto_free_plain(plain, plen);
		reason.p = blob;
		reason.n = blen;
		e.reason = reason;
		redo = 1;
	}
	if (ret == STATUS_OK && (redo || old_mac(r, e.mac.p, e.mac.n) ||
				 old_mac(r, e.coding_mac.p, e.coding_mac.n))) {
		if ((ret = db_dx_load(r->s->c->db, e.erow, dx, CODING_ROWS_MAX, &ndx, m)) == STATUS_OK &&
		    (ret = db_px_load(r->s->c->db, e.erow, px, CODING_ROWS_MAX, &npx, m)) == STATUS_OK &&
		    (ret = rowmac_encounter(r->s, &r->ch, &e, mac, m)) == STATUS_OK)
			ret = rowmac_coding(r->s, &r->ch, e.erow, e.coding_status, dx, ndx, px, npx, cmac,
					    m);
		if (ret == STATUS_OK) {
			db_blob_t bm = {mac, sizeof mac}, bc = {cmac, sizeof cmac};
			if ((ret = db_encounter_reseal(r->s->c->db, e.erow, e.location_ct, e.reason, bm,
						       bc, m)) == STATUS_OK &&
			    (ret = chart_put(&r->ch, DB_CT_ENCOUNTERS, e.erow, mac, m)) == STATUS_OK)
				ret = chart_put(&r->ch, DB_CT_CODING, e.erow, cmac, m);
			r->chart_changed = 1;
			r->rows++;
		}
	}
	free((void *)loc.p);
	free((void *)reason.p);
	c->ret = ret;
	return ret != STATUS_OK;
}

static int vit_one(const db_vitals_t *v, void *arg)
{
	rowctx_t *c = arg;
	rot_t *r = c->r;
	unsigned char mac[INTEGRITY_MAC_LEN];
	status_t ret = STATUS_OK;
	if (old_mac(r, v->mac.p, v->mac.n)) {
		db_blob_t bm = {mac, sizeof mac};
		if ((ret = rowmac_vitals(r->s, &r->ch, v, mac, r->m)) == STATUS_OK &&
		    (ret = db_vitals_reseal(r->s->c->db, v->vrow, v->id, bm, r->m)) == STATUS_OK)
			ret = chart_put(&r->ch, DB_CT_VITALS, v->vrow, mac, r->m);
		r->chart_changed = 1;
		r->rows++;
	}
	c->ret = ret;
	return ret != STATUS_OK;
}

static const char *const item_tables[] = {"allergies", "medications", "problems",
					  "procedure_history"};
static const db_chart_table_t item_ct[] = {DB_CT_ALLERGIES, DB_CT_MEDICATIONS, DB_CT_PROBLEMS,
					   DB_CT_PROCEDURES};

static int item_one(const db_item_t *in, void *arg)
{
	rowctx_t *c = arg;
	rot_t *r = c->r;
	db_item_t it = *in;
	const char *table = item_tables[in->kind];
	db_blob_t a = {NULL, 0}, b = {NULL, 0}, cc = {NULL, 0};
	unsigned char mac[INTEGRITY_MAC_LEN];
	status_t ret = STATUS_OK;
	int redo = 0;
	if (r->j.d == DOMAIN_CLIN) {
		if (old_blob(r, it.a) &&
		    (ret = reseal_value(r, DOMAIN_CLIN, table, "a", it.row, it.id, NULL, it.a, &a,
					r->m)) == STATUS_OK)
			it.a = a, redo = 1;
		if (ret == STATUS_OK && old_blob(r, it.b) &&
		    (ret = reseal_value(r, DOMAIN_CLIN, table, "b", it.row, it.id, NULL, it.b, &b,
					r->m)) == STATUS_OK)
			it.b = b, redo = 1;
		if (ret == STATUS_OK && old_blob(r, it.c) &&
		    (ret = reseal_value(r, DOMAIN_CLIN, table, "c", it.row, it.id, NULL, it.c, &cc,
					r->m)) == STATUS_OK)
			it.c = cc, redo = 1;
	}
	if (ret == STATUS_OK && (redo || old_mac(r, it.mac.p, it.mac.n))) {
		db_blob_t bm = {mac, sizeof mac};
		if ((ret = rowmac_item(r->s, &r->ch, &it, mac, r->m)) == STATUS_OK &&
		    (ret = db_item_reseal(r->s->c->db, it.kind, it.row, it.a, it.b, it.c, bm, r->m)) ==
			    STATUS_OK)
			ret = chart_put(&r->ch, item_ct[it.kind], it.row, mac, r->m);
		r->chart_changed = 1;
		r->rows++;
	}
	free((void *)a.p);
	free((void *)b.p);
	free((void *)cc.p);
	c->ret = ret;
	return ret != STATUS_OK;
}

static int note_one(const db_note_t *in, void *arg)
{
	rowctx_t *c = arg;
	rot_t *r = c->r;
	db_note_t n = *in;
	db_blob_t body = {NULL, 0};
	unsigned char mac[INTEGRITY_MAC_LEN];
	char eid[33];
	status_t ret = STATUS_OK;
	int redo = 0;
	if (r->j.d == DOMAIN_CLIN && old_blob(r, n.body)) {
		chart_encounter_id(r->s, &r->ch, n.erow, eid);
		ret = reseal_value(r, DOMAIN_CLIN, "notes", "body", n.nrow, n.id, eid, n.body, &body,
				   r->m);
		n.body = body;
		redo = 1;
	}
	if (ret == STATUS_OK && (redo || old_mac(r, n.mac.p, n.mac.n))) {
		db_blob_t bm = {mac, sizeof mac};
		/* A signed note too: the same text under the new key (the
		 * database's refusal is lifted for this statement only). */
		if ((ret = rowmac_note(r->s, &r->ch, &n, mac, r->m)) == STATUS_OK &&
		    (ret = db_note_reseal(r->s->c->db, n.nrow, n.body, bm, r->m)) == STATUS_OK)
			ret = chart_put(&r->ch, DB_CT_NOTES, n.nrow, mac, r->m);
		r->chart_changed = 1;
		r->rows++;
	}
	free((void *)body.p);
	c->ret = ret;
	return ret != STATUS_OK;
}

static int btg_one(const db_btg_t *b, void *arg)
{
	rowctx_t *c = arg;
	rot_t *r = c->r;
	unsigned char mac[INTEGRITY_MAC_LEN];
	status_t ret = STATUS_OK;
	if (old_mac(r, b->mac, b->mac_len)) {
		if ((ret = rowmac_btg(r->s, &r->ch, b, mac, r->m)) == STATUS_OK &&
		    (ret = db_btg_set_mac(r->s->c->db, b->id, mac, sizeof mac, r->m)) == STATUS_OK)
			ret = chart_put(&r->ch, DB_CT_BTG, b->id, mac, r->m);
		r->chart_changed = 1;
		r->rows++;
	}
	c->ret = ret;
	return ret != STATUS_OK;
}

static status_t nka_do(rot_t *r)
{
	db_nka_t n;
	unsigned char mac[INTEGRITY_MAC_LEN];
	status_t ret = db_nka_get(r->s->c->db, r->ch.prow, &n, r->m);
	if (ret != STATUS_OK || n.nka == -1 || !old_mac(r, n.mac, n.mac_len))
		return ret;
	if ((ret = rowmac_nka(r->s, &r->ch, &n, mac, r->m)) != STATUS_OK)
		return ret;
	memcpy(n.mac, mac, sizeof mac);
	n.mac_len = sizeof mac;
	r->chart_changed = 1;
	r->rows++;
	if ((ret = db_nka_set(r->s->c->db, &n, r->m)) == STATUS_OK)
		ret = chart_put(&r->ch, DB_CT_ALLERGY_REVIEW, r->ch.prow, mac, r->m);
	return ret;
}

/* A table's rows by number, collected first: rows are rewritten as they
 * are walked, never while a statement reads them. */
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

static status_t each_row(rot_t *r, db_chart_table_t t)
{
	rowlist_t l = {0};
	db_t *db = r->s->c->db;
	status_t ret = db_chart_rows(db, t, r->ch.prow, collect, &l, r->m);
	if (ret == STATUS_OK && l.oom)
		ret = msg_fail(r->m, STATUS_NOMEM, "Out of memory rotating the chart's key.");
	for (int i = 0; i < l.n && ret == STATUS_OK; i++) {
		rowctx_t c = {r, STATUS_OK};
		switch (t) {
		case DB_CT_ENCOUNTERS:
			ret = db_encounter_get(db, l.v[i], enc_one, &c, r->m);
			break;
		case DB_CT_VITALS:
			ret = db_vitals_get(db, l.v[i], vit_one, &c, r->m);
			break;
		case DB_CT_ALLERGIES:
			ret = db_item_get(db, DB_ALLERGY, l.v[i], item_one, &c, r->m);
			break;
		case DB_CT_MEDICATIONS:
			ret = db_item_get(db, DB_MEDICATION, l.v[i], item_one, &c, r->m);
			break;
		case DB_CT_PROBLEMS:
			ret = db_item_get(db, DB_PROBLEM, l.v[i], item_one, &c, r->m);
			break;
		case DB_CT_PROCEDURES:
			ret = db_item_get(db, DB_PROCEDURE, l.v[i], item_one, &c, r->m);
			break;
		case DB_CT_NOTES:
			ret = db_note_get(db, l.v[i], note_one, &c, r->m);
			break;
		default:
			ret = msg_fail(r->m, STATUS_ERR, "Unknown chart table.");
		}
		if (ret == STATUS_OK)
			ret = c.ret;
	}
	free(l.v);
	return ret;
}

static const db_chart_table_t all_tables[] = {
	DB_CT_ENCOUNTERS, DB_CT_VITALS, DB_CT_ALLERGIES, DB_CT_MEDICATIONS,
	DB_CT_PROBLEMS,   DB_CT_NOTES,  DB_CT_PROCEDURES, DB_CT_ALLERGY_REVIEW, DB_CT_BTG,
	DB_CT_IDENTIFIERS,
};

/* One patient, demo or clin: *changed when anything was rewritten. */
static status_t chart_do(rot_t *r, int64_t prow, int *changed)
{
	session_t *s = r->s;
	db_patient_row_t *row = NULL;
	patient_t *p = NULL;
	int any = 0, patient_old;
	status_t ret;
	char detail[96];

	*changed = 0;
	memset(&r->ch, 0, sizeof r->ch);
	r->chart_changed = 0;
	r->rows = 0;
	if (!(row = malloc(sizeof *row)) || !(p = malloc(sizeof *p))) {
		ret = msg_fail(r->m, STATUS_NOMEM, "Out of memory rotating the key.");
		goto cleanup;
	}
	if ((ret = db_patient_get(s->c->db, prow, row, r->m)) != STATUS_OK) {
		if (ret == STATUS_NOTFOUND)
			ret = STATUS_OK; /* merged away meanwhile */
		goto cleanup;
	}
	patient_old = r->j.d == DOMAIN_DEMO &&
		      (crypto_blob_version(row->ident, row->ident_len) != r->j.to ||
		       crypto_blob_version(row->details, row->details_len) != r->j.to);
	if ((ret = db_chart_has_rows(s->c->db, prow, &any, r->m)) != STATUS_OK)
		goto cleanup;
	/* Disclosures and rights requests (issue 12) are under the demo key
	 * too: checked and re-sealed here, outside the chart head. */
	if (r->j.d == DOMAIN_DEMO) {
		int64_t nd = 0, nr = 0;
		if ((ret = db_rights_rekeying(s->c->db, 1, r->m)) != STATUS_OK)
			goto cleanup;
		ret = disclosure_rekey(s, prow, row->id, r->j.to, &nd, r->m);
		if (ret == STATUS_OK)
			ret = req_rekey(s, prow, r->j.to, &nr, r->m);
		if (ret == STATUS_OK)
			ret = db_rights_rekeying(s->c->db, 0, r->m);
		if (ret != STATUS_OK)
			goto cleanup;
		if (nd || nr)
			*changed = 1;
	}
	/* Paper-chart tracking and deficiency reminders carry demo-key MACs
	 * (and ciphertexts) of their own, outside the chart head. */
	if (r->j.d == DOMAIN_DEMO) {
		int64_t n1 = 0, n2 = 0, n3 = 0, n4 = 0;
		if ((ret = track_rekey(s, prow, &n1, r->m)) != STATUS_OK ||
		    (ret = deficiency_reminders_rekey(s, prow, &n2, r->m)) != STATUS_OK ||
		    (ret = retention_rekey(s, prow, &n3, r->m)) != STATUS_OK)
			goto cleanup;
		/* The duplicate worklist and the do-not-link list (issue 13):
		 * demo-key MACs, and the reasons under the demo key. */
		if ((ret = dups_rekey(s, prow, &n4, r->m)) != STATUS_OK)
			goto cleanup;
		/* The merge journal (issue 13): reasons and MACs under demo. */
		{
			int64_t n5 = 0;
			if ((ret = merge_rekey(s, prow, &n5, r->m)) != STATUS_OK)
				goto cleanup;
			n4 += n5;
		}
		if (n1 || n2 || n3 || n4)
			*changed = 1;
	}
	if (!any && !patient_old)
		goto cleanup;
	/* The chart as it stands must hold (under whichever version each part
	 * names) before anything of it is made anew: a rotation never seals
	 * over a change made outside Chartroom. */
	if ((ret = chart_load(s, prow, &r->ch, r->m)) != STATUS_OK)
		goto cleanup;
	for (size_t i = 0; any && i < sizeof all_tables / sizeof all_tables[0] && ret == STATUS_OK;
	     i++)
		ret = chart_verify(s, &r->ch, all_tables[i], r->m);
	if (ret != STATUS_OK)
		goto cleanup;
	if (patient_old) {
		if ((ret = precord_open(s->kr, row, p, 0, 0, r->m)) != STATUS_OK ||
		    (ret = precord_seal(s->kr, p, row->version, row, r->m)) != STATUS_OK ||
		    (ret = db_patient_reseal(s->c->db, row, r->m)) != STATUS_OK)
			goto cleanup;
		*r->ch.patient = *row;
		*changed = 1;
	}
	for (size_t i = 0; any && i < 7 && ret == STATUS_OK; i++)
		ret = each_row(r, all_tables[i]);
	if (ret == STATUS_OK && any)
		ret = nka_do(r);
	if (ret == STATUS_OK && any) {
		rowctx_t c = {r, STATUS_OK};
		ret = db_btg_list(s->c->db, prow, btg_one, &c, r->m);
		if (ret == STATUS_OK)
			ret = c.ret;
	}
	/* External identifiers (issue 14): value, lookup token and MAC under
	 * the demo key. */
	if (ret == STATUS_OK && any && r->j.d == DOMAIN_DEMO) {
		int64_t nx = 0;
		ret = extid_rekey(s, &r->ch, r->j.to, &nx, r->m);
		if (nx) {
			r->chart_changed = 1;
			r->rows += nx;
		}
	}
	if (ret != STATUS_OK)
		goto cleanup;
	/* A chart with a head gets a new one (recorded in the trail) when a
	 * row or the patients row changed, or its MAC is under the old demo
	 * version. */
	if (r->ch.has_head &&
	    (r->chart_changed || *changed ||
	     (r->j.d == DOMAIN_DEMO && r->ch.head_version != r->j.to))) {
		if ((ret = chart_store(s, &r->ch, r->m)) != STATUS_OK)
			goto cleanup;
		snprintf(detail, sizeof detail, "%s key version %d -> %d: %" PRId64 " rows re-sealed",
			 dname(r->j.d), r->j.from, r->j.to, r->rows);
		ret = chart_audit(s, &r->ch, "key_rotate_chart", detail, r->m);
		*changed = 1;
	}
cleanup:
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

/* ---- a patient's search tokens (index) ------------------------------------- */

static status_t toklist_add(toklist_t *l, int64_t tok, int64_t prow, msg_t *m)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		int64_t *nv = realloc(l->v, cap * 2 * sizeof *nv);
		if (!nv)
			return msg_fail(m, STATUS_NOMEM, "Out of memory rotating the index key.");
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

/* The batch's token changes, in the index's order: deletions, then
 * insertions. */
static status_t toklist_write(rot_t *r, msg_t *m)
{
	status_t ret = STATUS_OK;
	/* Nothing collected (a batch of patients done before): no list to
	 * sort, and qsort must not be given its NULL. */
	if (r->del.n)
		qsort(r->del.v, r->del.n, 2 * sizeof *r->del.v, pair_cmp);
	if (r->ins.n)
		qsort(r->ins.v, r->ins.n, 2 * sizeof *r->ins.v, pair_cmp);
	for (size_t i = 0; i < r->del.n && ret == STATUS_OK; i++)
		ret = db_token_delete(r->s->c->db, r->del.v[i * 2], r->del.v[i * 2 + 1], m);
	if (ret == STATUS_OK && r->ins.n)
		ret = db_token_insert_many(r->s->c->db, r->ins.v, r->ins.n, m);
	r->del.n = r->ins.n = 0;
	return ret;
}

static status_t tokens_do(rot_t *r, int64_t prow, int *changed)
{
	session_t *s = r->s;
	int bytes = s->c->cfg->blind_index_bytes;
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	ptokens_t t;
	status_t ret = STATUS_OK;
	*changed = 0;
	if (!row || !p) {
		ret = msg_fail(r->m, STATUS_NOMEM, "Out of memory rotating the index key.");
		goto cleanup;
	}
	if ((ret = db_patient_get(s->c->db, prow, row, r->m)) != STATUS_OK) {
		if (ret == STATUS_NOTFOUND)
			ret = STATUS_OK;
		goto cleanup;
	}
	/* Made under the new version already (registered or edited since it
	 * started, or done by an earlier run). */
	if (row->match_len && pindex_match_has(row->match, row->match_len, r->mark_tok))
		goto cleanup;
	if ((ret = precord_open(s->kr, row, p, 0, 0, r->m)) != STATUS_OK)
		goto cleanup;
	/* The old tokens go (all of them: a row from before match sets has
	 * its comparison tokens in the index too), the new ones come: both
	 * collected for the batch, written in token order at its end (the
	 * index B-tree is then walked once instead of at random). */
	/* As the generation that made them (core/reindex.h): its mark says. */
	if ((ret = pindex_patient_stored(s->kr, r->j.from, bytes, row->match, row->match_len, p, &t,
					 r->m)) != STATUS_OK)
		goto cleanup;
	for (int i = 0; i < t.n && ret == STATUS_OK; i++)
		ret = toklist_add(&r->del, t.tok[i], prow, r->m);
	if (ret == STATUS_OK)
		ret = pindex_patient_at(s->kr, r->j.to, bytes, p, &t, r->m);
	for (int i = 0; i < t.n && ret == STATUS_OK; i++)
		if (pindex_family_indexed((pfamily_t)t.fam[i]))
			ret = toklist_add(&r->ins, t.tok[i], prow, r->m);
	if (ret == STATUS_OK) {
		row->match_len = pindex_match_set(&t, row->match, sizeof row->match);
		ret = db_patient_set_match(s->c->db, prow, row->match, row->match_len, r->m);
	}
	if (ret == STATUS_OK)
		*changed = 1;
cleanup:
	sodium_memzero(&t, sizeof t);
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

/* ---- batches and the end ------------------------------------------------------- */

static status_t prepare(rot_t *r, msg_t *m)
{
	int v = 0;
	if (r->j.d == DOMAIN_CLIN)
		return crypto_seal_public_at(r->s->kr, DOMAIN_CLIN, r->j.to, r->pk, &v, m);
	if (r->j.d == DOMAIN_INDEX) {
		status_t ret = pindex_mark(r->s->kr, r->j.to, r->s->c->cfg->blind_index_bytes, r->mark,
					   m);
		uint64_t t = 0;
		for (int i = 0; i < 8; i++)
			t = (t << 8) | r->mark[i];
		r->mark_tok = (int64_t)t;
		return ret;
	}
	return STATUS_OK;
}

/* One batch in its own transaction. *end when no patient is left. */
static status_t batch(rot_t *r, int size, int *end, rotate_progress_t *p, msg_t *m)
{
	db_t *db = r->s->c->db;
	int64_t *prows = malloc((size_t)size * sizeof *prows);
	int n = 0, exists = 0;
	status_t ret;
	*end = 0;
	if (!prows)
		return msg_fail(m, STATUS_NOMEM, "Out of memory rotating the key.");
	if ((ret = db_begin(db, m)) != STATUS_OK) {
		free(prows);
		return ret;
	}
	/* The job as committed (another run may have moved it). */
	if ((ret = job_read(db, &r->j, &exists, m)) == STATUS_OK && !exists)
		ret = msg_fail(m, STATUS_CONFLICT, "The key rotation was finished by another run.");
	if (ret == STATUS_OK)
		ret = db_patients_after(db, r->j.after, prows, size, &n, m);
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		int changed = 0;
		ret = r->j.d == DOMAIN_INDEX ? tokens_do(r, prows[i], &changed)
					     : chart_do(r, prows[i], &changed);
		p->patients++;
		p->changed += changed;
	}
	if (ret == STATUS_OK && r->j.d == DOMAIN_INDEX)
		ret = toklist_write(r, m);
	else
		r->del.n = r->ins.n = 0;
	if (ret == STATUS_OK && n) {
		r->j.after = prows[n - 1];
		r->j.batches++;
		ret = job_write(db, &r->j, m);
		if (ret == STATUS_OK && r->j.batches % ROTATE_PROGRESS_EVERY == 0) {
			char detail[128];
			snprintf(detail, sizeof detail,
				 "%s key version %d -> %d: patients up to row %" PRId64
				 " done (pass %d, batch %" PRId64 ")",
				 dname(r->j.d), r->j.from, r->j.to, r->j.after, r->j.pass, r->j.batches);
			ret = audit_append(r->s, "key_rotate_progress", dname(r->j.d), "ok", detail, m);
		}
	}
	if (ret == STATUS_OK && n)
		ret = db_commit(db, m);
	if (ret != STATUS_OK || !n)
		db_rollback(db);
	if (ret == STATUS_OK && !n)
		*end = 1;
	free(prows);
	return ret;
}

/* The audit key's old version stays, wrapped under the new one (with the
 * versions retired before it), to verify the entries made with it. */
static status_t keep_audit_versions(session_t *s, const job_t *j, int64_t *kept, msg_t *m)
{
	int v[KEYS_VERSIONS_MAX], n = keyring_versions(s->kr, DOMAIN_AUDIT, v, KEYS_VERSIONS_MAX);
	char old_holder[40];
	status_t ret = STATUS_OK;
	*kept = 0;
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		db_wrap_t w;
		if (v[i] >= j->to)
			continue;
		memset(&w, 0, sizeof w);
		keys_under_holder(DOMAIN_AUDIT, j->to, w.holder);
		snprintf(w.domain, sizeof w.domain, "audit");
		w.version = v[i];
		w.blob_len = CRYPTO_WRAP_LEN;
		ret = crypto_wrap_under(s->kr, DOMAIN_AUDIT, j->to, w.holder, "audit", v[i],
					keyring_key_at(s->kr, DOMAIN_AUDIT, v[i]), w.blob, m);
		if (ret == STATUS_OK)
			ret = db_wrap_put(s->c->db, &w, m);
		(*kept)++;
	}
	keys_under_holder(DOMAIN_AUDIT, j->from, old_holder);
	if (ret == STATUS_OK)
		ret = db_wrap_delete(s->c->db, old_holder, NULL, m);
	return ret;
}

/* The end: count what the old version still holds; start over if
 * anything was written under it meanwhile, else destroy it. */
static status_t finish(rot_t *r, int *again, rotate_progress_t *p, msg_t *m)
{
	session_t *s = r->s;
	db_t *db = s->c->db;
	job_t *j = &r->j;
	const char *dn = j->d == DOMAIN_INDEX ? "index" : dname(j->d);
	int64_t left = 0, wraps = 0, grants = 0, kept = 0;
	long long epoch = 0;
	int exists = 0, held = 0;
	char detail[320], holder[40];
	status_t ret;

	*again = 0;
	/* The audit key: events wait in the audit journal under the old
	 * version (sessions that read record there, without the write lock).
	 * Most of them are chained now, in steps; the rest in the
	 * retirement's own transaction, under the journal's lock, which it
	 * holds until it commits: no event is appended meanwhile, and the
	 * journal refuses events under the old version after it
	 * (db_journal_add), so none is left unverifiable or lost. Each
	 * journal event names its version, so one made under the new version
	 * since the start is chained as it is. */
	if (j->d == DOMAIN_AUDIT && db_readonly(db) == DB_RW &&
	    (ret = audit_flush(s, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(db, m)) != STATUS_OK)
		return ret;
	if ((ret = job_read(db, j, &exists, m)) != STATUS_OK)
		goto done;
	if (!exists) {
		ret = msg_fail(m, STATUS_CONFLICT, "The key rotation was finished by another run.");
		goto done;
	}
	if (j->d == DOMAIN_AUDIT) {
		if ((ret = db_journal_hold(db, m)) != STATUS_OK)
			goto done;
		held = 1;
		if ((ret = audit_chain_all(s, m)) != STATUS_OK)
			goto done;
	}
	if (j->d != DOMAIN_AUDIT &&
	    (ret = db_key_version_uses(db, dn, j->from, r->mark, sizeof r->mark, &left, m)) !=
		    STATUS_OK)
		goto done;
	if (left) {
		/* Written under the old version after the walk passed them (a
		 * session that had not taken the new version in yet): once
		 * more, skipping what is done. */
		if (j->pass >= 5) {
			ret = msg_fail(m, STATUS_ERR,
				       "%" PRId64 " values are still under %s key version %d after %d "
				       "passes; the version is kept. Run the rotation again.",
				       left, dn, j->from, j->pass);
			goto done;
		}
		j->pass++;
		j->after = 0;
		snprintf(detail, sizeof detail,
			 "%s key version %d -> %d: %" PRId64 " values written under version %d "
			 "meanwhile; pass %d",
			 dn, j->from, j->to, left, j->from, j->pass);
		if ((ret = job_write(db, j, m)) == STATUS_OK)
			ret = audit_append(s, "key_rotate_progress", dn, "ok", detail, m);
		*again = 1;
		goto done;
	}
	/* Someone must hold the new version before the old one goes (every
	 * holder of the old one was granted it at the start). */
	if (j->d != DOMAIN_INDEX) {
		int64_t holders = 0;
		if ((ret = db_key_version_holders(db, dn, j->to, &holders, m)) != STATUS_OK)
			goto done;
		if (!holders) {
			ret = msg_fail(m, STATUS_ERR,
				       "No account holds %s key version %d; version %d is kept.", dn,
				       j->to, j->from);
			goto done;
		}
	}
	/* Nothing refers to the old version any more: its wraps and grants
	 * go, for every holder and the recovery key, and it is retired. */
	if (j->d == DOMAIN_DEMO) {
		keys_under_holder(DOMAIN_DEMO, j->from, holder); /* index keys kept under it */
		ret = db_wrap_delete(db, holder, NULL, m);
	}
	if (ret == STATUS_OK)
		ret = db_key_version_delete(db, dn, j->from, &wraps, &grants, m);
	if (ret == STATUS_OK && j->d == DOMAIN_AUDIT)
		ret = keep_audit_versions(s, j, &kept, m);
	if (ret == STATUS_OK)
		ret = db_domain_key_retire(db, dn, j->from, m);
	if (ret == STATUS_OK && j->d != DOMAIN_AUDIT) {
		/* The check the issue asks for: nothing of it is left. */
		int64_t still = 0;
		if ((ret = db_key_version_count(db, dn, j->from, &still, m)) == STATUS_OK && still)
			ret = msg_fail(m, STATUS_ERR, "%" PRId64 " wraps of %s key version %d remain.",
				       still, dn, j->from);
	}
	if (ret == STATUS_OK)
		ret = db_meta_delete(db, "rotate_job", m);
	if (ret == STATUS_OK)
		ret = session_key_epoch_bump(db, &epoch, m);
	if (ret != STATUS_OK)
		goto done;
	s->key_epoch = epoch;
	if (j->d == DOMAIN_AUDIT)
		snprintf(detail, sizeof detail,
			 "audit key version %d retired: %" PRId64 " wraps and %" PRId64
			 " grants deleted; kept only wrapped under version %d, to verify the "
			 "entries made with it (%" PRId64 " older version%s kept so)",
			 j->from, wraps, grants, j->to, kept, kept == 1 ? "" : "s");
	else
		snprintf(detail, sizeof detail,
			 "%s key version %d destroyed: no value left under it; %" PRId64
			 " wraps and %" PRId64 " grants deleted; version %d in use (%d pass%s)",
			 dn, j->from, wraps, grants, j->to, j->pass, j->pass == 1 ? "" : "es");
	ret = audit_append(s, AUDIT_KEY_RETIRED, dn, "ok", detail, m);
	if (ret == STATUS_OK)
		p->done = 1;
done:
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK) {
		db_rollback(db);
		*again = 0;
		p->done = 0;
	} else if (p->done && j->d != DOMAIN_AUDIT) {
		keyring_drop(s->kr, j->d, j->from);
	}
	if (held)
		db_journal_release(db);
	return ret;
}

static void progress_of(const job_t *j, rotate_progress_t *p)
{
	snprintf(p->domain, sizeof p->domain, "%s", j->d == DOMAIN_INDEX ? "index" : dname(j->d));
	p->from = j->from;
	p->to = j->to;
	p->pass = j->pass;
	p->after = j->after;
}

/* Run the job in meta (or start one for d) to its end or its limit. */
static status_t run_job(session_t *s, domain_t d, const rotate_opts_t *o, const unsigned char *rk,
			rotate_progress_t *p, msg_t *m)
{
	rot_t *r = calloc(1, sizeof *r);
	int exists = 0, end = 0, again = 0, size = o && o->batch > 0 ? o->batch : 0;
	status_t ret;
	msg_t ignore;

	if (!r)
		return msg_fail(m, STATUS_NOMEM, "Out of memory rotating the key.");
	r->s = s;
	r->m = m;
	if ((ret = job_read(s->c->db, &r->j, &exists, m)) != STATUS_OK)
		goto cleanup;
	if (!exists) {
		if ((ret = start(s, d, rk, &r->j, m)) != STATUS_OK)
			goto cleanup;
		p->started = 1;
	} else if ((ret = need_keys(s, r->j.d, r->j.from, m)) != STATUS_OK) {
		goto cleanup;
	} else if (!keyring_has_version(s->kr, r->j.d, r->j.to)) {
		ret = msg_fail(m, STATUS_DENIED,
			       "This session does not hold %s key version %d that the rotation in "
			       "progress writes with: sign on again (it is granted to every holder), "
			       "or give the recovery key.",
			       dname(r->j.d), r->j.to);
		goto cleanup;
	}
	/* Each batch of the index's rotation rewrites most of the index's
	 * pages whatever its size (tokens are random): fewer, larger ones. */
	if (!size)
		size = r->j.d == DOMAIN_INDEX ? ROTATE_INDEX_BATCH : ROTATE_BATCH;
	progress_of(&r->j, p);
	if (o && o->on_step && o->on_step(p, o->arg)) {
		p->paused = 1;
		goto cleanup;
	}
	if ((ret = prepare(r, m)) != STATUS_OK)
		goto cleanup;
	/* A large page cache for the walk (the index B-tree, the charts),
	 * as a bulk import has; back to the default at the end. */
	db_bulk_mode(s->c->db, 1, &ignore);
	for (;;) {
		if (r->j.d != DOMAIN_AUDIT) {
			if (o && o->max_batches && p->batches >= o->max_batches) {
				p->paused = 1;
				break;
			}
			if ((ret = batch(r, size, &end, p, m)) != STATUS_OK)
				break;
			progress_of(&r->j, p);
			if (!end) {
				p->batches++;
				if (o && o->on_step && o->on_step(p, o->arg)) {
					p->paused = 1;
					break;
				}
				continue;
			}
		}
		if ((ret = finish(r, &again, p, m)) != STATUS_OK)
			break;
		progress_of(&r->j, p);
		if (o && o->on_step && o->on_step(p, o->arg) && !p->done) {
			p->paused = 1;
			break;
		}
		if (!again)
			break;
	}
cleanup:
	db_bulk_mode(s->c->db, 0, &ignore);
	free(r->del.v);
	free(r->ins.v);
	sodium_memzero(r, sizeof *r);
	free(r);
	return ret;
}

status_t rotate_key(session_t *s, domain_t d, const rotate_opts_t *o, rotate_progress_t *p,
		    msg_t *m)
{
	job_t j;
	secret_t rk = {0};
	int exists = 0, legacy = 0, from = 0;
	status_t ret;

	memset(p, 0, sizeof *p);
	if (d != DOMAIN_DEMO && d != DOMAIN_CLIN && d != DOMAIN_AUDIT && d != DOMAIN_INDEX)
		return msg_fail(m, STATUS_USAGE, "Keys that rotate: demo, clin, audit, index.");
	if ((ret = session_require(s, ACT_KEY_MANAGE, m)) != STATUS_OK)
		return ret;
	if (!s->c->sealed)
		return msg_fail(m, STATUS_CONFLICT,
				"This database is still being re-sealed (schema 007); keys can be "
				"rotated once every chart is sealed.");
	if (o && o->recovery) {
		if ((ret = secret_new(&rk, 0, m)) != STATUS_OK ||
		    (ret = crypto_recovery_parse(o->recovery, rk.bytes, m)) != STATUS_OK ||
		    (ret = join_recovery(s, o->recovery, m)) != STATUS_OK)
			goto cleanup;
		if ((ret = db_begin(s->c->db, m)) == STATUS_OK &&
		    (ret = audit_append(s, "recovery_key_used", dname(d), "ok",
					"keys rotate: the recovery key's keys joined the session",
					m)) == STATUS_OK)
			ret = db_commit(s->c->db, m);
		if (ret != STATUS_OK) {
			db_rollback(s->c->db);
			goto cleanup;
		}
	}
	if ((ret = job_read(s->c->db, &j, &exists, m)) != STATUS_OK)
		goto cleanup;
	if (exists && j.d != d && !(d == DOMAIN_DEMO && j.d == DOMAIN_INDEX)) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "The rotation of the %s key (version %d -> %d) is not finished: run "
			       "'chartroom keys rotate %s' to finish it first.",
			       dname(j.d), j.from, j.to, dname(j.d));
		goto cleanup;
	}
	/* The demo key of a database whose index is still keyed by it: the
	 * index gets a key of its own first (its tokens would otherwise be
	 * lost with the old demo key). */
	if (d == DOMAIN_DEMO && (!exists || j.d == DOMAIN_INDEX)) {
		if (!exists && (ret = current_version(s, DOMAIN_INDEX, &from, &legacy, m)) != STATUS_OK)
			goto cleanup;
		if (exists || legacy) {
			ret = run_job(s, DOMAIN_INDEX, o, rk.bytes, p, m);
			if (ret != STATUS_OK || !p->done)
				goto cleanup;
			memset(p, 0, sizeof *p);
		}
	}
	ret = run_job(s, d, o, rk.bytes, p, m);
cleanup:
	secret_free(&rk);
	return ret;
}

/* ---- the recovery key -------------------------------------------------------------- */

status_t rotate_recovery(session_t *s, const char *old_recovery, char out[CRYPTO_RECOVERY_TEXT],
			 msg_t *m)
{
	keyring_t *kr = NULL;
	secret_t rk = {0};
	db_t *db = s->c->db;
	const keyring_t *use = s->kr;
	status_t ret;
	char detail[160];

	out[0] = '\0';
	if ((ret = session_require(s, ACT_KEY_MANAGE, m)) != STATUS_OK)
		return ret;
	if (old_recovery && (ret = clinic_recovery_keyring(s->c, old_recovery, &kr, m)) != STATUS_OK)
		return ret;
	if (kr)
		use = kr;
	if ((ret = secret_new(&rk, 1, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_begin(db, m)) != STATUS_OK)
		goto cleanup;
	/* Every active version of every key must be wrapped for the new
	 * recovery key: the session holds them all, or the old recovery key
	 * opened them. */
	for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++) {
		int v[KEYS_VERSIONS_MAX],
			n = keys_versions_active(db, (domain_t)d, v, KEYS_VERSIONS_MAX, m);
		if (n < 0)
			ret = STATUS_DB;
		for (int i = 0; i < n && ret == STATUS_OK; i++)
			if (!keyring_has_version(use, (domain_t)d, v[i]))
				ret = msg_fail(m, STATUS_DENIED,
					       "A new recovery key must receive every key: this "
					       "session does not hold %s key version %d. Give the "
					       "current recovery key (--recovery).",
					       dname((domain_t)d), v[i]);
	}
	if (ret == STATUS_OK)
		ret = db_wrap_delete(db, "recovery", NULL, m);
	if (ret == STATUS_OK)
		ret = db_wrap_delete(db, "recovery-pk", NULL, m);
	if (ret == STATUS_OK)
		ret = recovery_wrap_all(db, use, rk.bytes, m);
	snprintf(detail, sizeof detail,
		 "a new recovery key wraps every key; the old one opens nothing now (%s)",
		 old_recovery ? "with the old recovery key" : "with the session's keys");
	if (ret == STATUS_OK)
		ret = audit_append(s, "recovery_key_rotate", "", "ok", detail, m);
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK)
		db_rollback(db);
	else
		crypto_recovery_format(rk.bytes, out);
cleanup:
	secret_free(&rk);
	keyring_free(kr);
	return ret;
}

/* ---- status ---------------------------------------------------------------------------- */

typedef struct status_ctx {
	db_t *db;
	int (*fn)(const rotate_key_info_t *k, void *arg);
	void *arg;
	status_t ret;
	msg_t *m;
} status_ctx_t;

static int status_one(const db_domain_key_t *k, void *arg)
{
	status_ctx_t *c = arg;
	rotate_key_info_t info;
	memset(&info, 0, sizeof info);
	text_copy(info.domain, sizeof info.domain, k->domain);
	info.version = k->version;
	info.active = k->active;
	text_copy(info.created, sizeof info.created, k->created);
	if ((c->ret = db_key_version_count(c->db, k->domain, k->version, &info.holders, c->m)) !=
	    STATUS_OK)
		return 1;
	return c->fn(&info, c->arg);
}

status_t rotate_status(session_t *s, int (*fn)(const rotate_key_info_t *k, void *arg), void *arg,
		       char *job, size_t job_size, msg_t *m)
{
	status_ctx_t c = {s->c->db, fn, arg, STATUS_OK, m};
	job_t j;
	int exists = 0;
	status_t ret;
	job[0] = '\0';
	/* Only reads: on a database that cannot be written too (key_manage
	 * is otherwise refused there before any work, as a change). */
	if (db_readonly(s->c->db) != DB_RW && !s->locked &&
	    perm_allowed(&s->c->cfg->perms, session_role(s), ACT_KEY_MANAGE))
		ret = STATUS_OK;
	else
		ret = session_require(s, ACT_KEY_MANAGE, m);
	if (ret != STATUS_OK)
		return ret;
	if ((ret = db_domain_key_each(s->c->db, status_one, &c, m)) != STATUS_OK)
		return ret;
	if (c.ret != STATUS_OK)
		return c.ret;
	if ((ret = job_read(s->c->db, &j, &exists, m)) == STATUS_OK && exists)
		snprintf(job, job_size, "%s %d -> %d, patients up to row %" PRId64 " done, pass %d",
			 j.d == DOMAIN_INDEX ? "index" : dname(j.d), j.from, j.to, j.after, j.pass);
	return ret;
}
