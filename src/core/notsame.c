/* notsame.c - the do-not-link list (core/notsame.h). */
#include "core/notsame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/lpbuf.h"
#include "base/text.h"
#include "core/audit.h"
#include "core/crypto.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/pair_mac.h"
#include "core/precord.h"
#include "db/db_dups.h"
#include "db/db_patients.h"

#define NS_MAC_LEN PAIR_MAC_LEN

status_t notsame_patient_id(session_t *s, int64_t prow, char pid[33], msg_t *m)
{
	return pair_patient_id(s, prow, pid, m);
}

static void ns_more(lpbuf_t *b, const void *arg)
{
	const db_notsame_t *n = arg;
	lpbuf_put(b, n->reason, n->reason_len);
	lpbuf_str(b, n->set_at);
	lpbuf_str(b, n->set_by);
}

/* What a row's MAC covers (core/pair_mac.h); num is the caller's. */
static void ns_in(const db_notsame_t *n, char num[24], pair_mac_in_t *in)
{
	snprintf(num, 24, "%lld", (long long)n->lrow);
	*in = (pair_mac_in_t){"chartroom:dup_not_same:1", "the do-not-link list", num, ns_more, n};
}

static status_t ns_mac(session_t *s, const db_notsame_t *n, const char *pa, const char *pb,
		       int version, unsigned char out[NS_MAC_LEN], msg_t *m)
{
	char num[24];
	pair_mac_in_t in;
	ns_in(n, num, &in);
	return pair_mac(s, &in, pa, pb, version, out, m);
}

static void bind_of(crypto_bind_t *b, const char *pa, const char *pb, const char *rowid)
{
	memset(b, 0, sizeof *b);
	b->table = "dup_not_same";
	b->column = "reason";
	b->row_id = rowid;
	b->patient_id = pa;
	b->state = pb;
}

/* Check n against its MAC (the ids of both charts looked up). */
static status_t ns_check(session_t *s, const db_notsame_t *n, char pa[33], char pb[33], msg_t *m)
{
	char num[24];
	pair_mac_in_t in;
	pair_row_t r = {"dup_not_same", n->lrow, n->prow_a, n->prow_b, n->mac, n->mac_len,
			n->toolong};
	ns_in(n, num, &in);
	return pair_check(s, &in, &r, pa, pb, m);
}

static status_t reason_open(session_t *s, const db_notsame_t *n, const char *pa, const char *pb,
			    char *out, size_t size, msg_t *m)
{
	crypto_bind_t b;
	char rowid[24], *plain = NULL;
	size_t pn = 0;
	status_t ret;
	snprintf(rowid, sizeof rowid, "%lld", (long long)n->lrow);
	bind_of(&b, pa, pb, rowid);
	ret = crypto_field_open(s->kr, DOMAIN_DEMO, &b, 0, n->reason, n->reason_len, &plain, &pn, m);
	if (ret == STATUS_INTEGRITY || ret == STATUS_CRYPTO)
		return integrity_fail(m, "dup_not_same", n->lrow, "has a reason that fails to open");
	if (ret != STATUS_OK)
		return ret;
	text_copy(out, size, plain);
	crypto_free_plain(plain, pn);
	return STATUS_OK;
}

/* Seal reason into n (n->lrow, prows set) and MAC the row. */
static status_t ns_seal(session_t *s, db_notsame_t *n, const char *pa, const char *pb,
			const char *reason, msg_t *m)
{
	crypto_bind_t b;
	char rowid[24];
	unsigned char *ct = NULL;
	size_t ctn = 0;
	status_t ret;
	snprintf(rowid, sizeof rowid, "%lld", (long long)n->lrow);
	bind_of(&b, pa, pb, rowid);
	if ((ret = crypto_field_seal(s->kr, DOMAIN_DEMO, &b, reason, strlen(reason), 1, &ct, &ctn,
				     m)) != STATUS_OK)
		return ret;
	if (ctn > sizeof n->reason) {
		free(ct);
		return msg_fail(m, STATUS_INVALID, "The reason is too long.");
	}
	memcpy(n->reason, ct, ctn);
	n->reason_len = ctn;
	free(ct);
	if ((ret = ns_mac(s, n, pa, pb, 0, n->mac, m)) == STATUS_OK)
		n->mac_len = NS_MAC_LEN;
	return ret;
}

status_t notsame_holds(session_t *s, int64_t prow_a, int64_t prow_b, int *yes, msg_t *m)
{
	db_notsame_t n;
	char pa[33], pb[33];
	msg_t ignore;
	status_t ret;
	*yes = 0;
	if (prow_a == prow_b || prow_a <= 0 || prow_b <= 0)
		return STATUS_OK;
	if (prow_a > prow_b) {
		int64_t t = prow_a;
		prow_a = prow_b;
		prow_b = t;
	}
	ret = db_notsame_get_pair(s->c->db, prow_a, prow_b, &n, m);
	if (ret == STATUS_NOTFOUND)
		return STATUS_OK;
	if (ret != STATUS_OK)
		return ret;
	/* A row that fails its check silences nothing. */
	*yes = ns_check(s, &n, pa, pb, &ignore) == STATUS_OK;
	return STATUS_OK;
}

/* Characters (code points) in valid UTF-8 text. */
static size_t chars_of(const char *t)
{
	size_t n = 0;
	for (; *t; t++)
		n += ((unsigned char)*t & 0xC0) != 0x80;
	return n;
}

static status_t finish(session_t *s, status_t ret, msg_t *m)
{
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

status_t notsame_mark(session_t *s, const char *a, const char *b, const char *reason, msg_t *m)
{
	int64_t pa_row = 0, pb_row = 0;
	char pa[33] = "", pb[33] = "", detail[NOTSAME_REASON_MAX * 4 + 120];
	int conf = 0, removed = 0;
	db_notsame_t n;
	status_t ret;
	size_t len;
	if ((ret = session_require(s, ACT_CHART_MERGE, m)) != STATUS_OK)
		return ret;
	if (!reason || !*reason)
		return msg_fail(m, STATUS_INVALID,
				"Reason: say why these are not the same person (required).");
	if ((ret = text_check("Reason", reason, strlen(reason), 0, m)) != STATUS_OK)
		return ret;
	if ((len = chars_of(reason)) > NOTSAME_REASON_MAX)
		return msg_fail(m, STATUS_INVALID, "Reason: at most %d characters (this has %zu).",
				NOTSAME_REASON_MAX, len);
	if ((ret = patient_locate(s, a, &pa_row, pa, &conf, m)) != STATUS_OK ||
	    (ret = patient_locate(s, b, &pb_row, pb, &conf, m)) != STATUS_OK)
		return ret;
	if (pa_row == pb_row)
		return msg_fail(m, STATUS_INVALID, "Both MRNs name the same chart.");
	if (pa_row > pb_row) {
		int64_t t = pa_row;
		char tid[33];
		pa_row = pb_row;
		pb_row = t;
		memcpy(tid, pa, sizeof tid);
		memcpy(pa, pb, sizeof tid);
		memcpy(pb, tid, sizeof tid);
	}
	memset(&n, 0, sizeof n);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = db_notsame_get_pair(s->c->db, pa_row, pb_row, &n, m);
	if (ret == STATUS_OK) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "These two charts are already marked not the same person (by %s, "
			       "%s).",
			       n.set_by, n.set_at);
		goto done;
	}
	if (ret != STATUS_NOTFOUND)
		goto done;
	memset(&n, 0, sizeof n);
	n.prow_a = pa_row;
	n.prow_b = pb_row;
	core_now(n.set_at);
	text_copy(n.set_by, sizeof n.set_by, s->user.name);
	if ((ret = db_notsame_next(s->c->db, &n.lrow, m)) != STATUS_OK ||
	    (ret = ns_seal(s, &n, pa, pb, reason, m)) != STATUS_OK ||
	    (ret = db_notsame_insert(s->c->db, &n, m)) != STATUS_OK ||
	    (ret = db_dup_remove_pair(s->c->db, pa_row, pb_row, &removed, m)) != STATUS_OK)
		goto done;
	snprintf(detail, sizeof detail, "not the same person as %s: %s", pb, reason);
	if ((ret = audit_append(s, "dup_not_same", pa, "ok", detail, m)) != STATUS_OK)
		goto done;
	snprintf(detail, sizeof detail, "not the same person as %s: %s", pa, reason);
	ret = audit_append(s, "dup_not_same", pb, "ok", detail, m);
done:
	ret = finish(s, ret, m);
	sodium_memzero(detail, sizeof detail);
	if (ret == STATUS_OK)
		msg_set(m, "Marked not the same person%s.",
			removed ? "; the pair left the duplicate worklist" : "");
	return ret;
}

typedef struct ns_rows {
	db_notsame_t *v;
	int n, cap, oom;
} ns_rows_t;

static int ns_take(const db_notsame_t *n, void *arg)
{
	ns_rows_t *r = arg;
	if (r->n == r->cap) {
		int cap = r->cap ? r->cap * 2 : 16;
		db_notsame_t *v = realloc(r->v, (size_t)cap * sizeof *v);
		if (!v) {
			r->oom = 1;
			return 1;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *n;
	return 0;
}

/* MRN and "Last, First" of a chart. */
static status_t names_of(session_t *s, int64_t prow, char *mrn, size_t msz, char *name,
			 size_t nsz, msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	status_t ret;
	if (!row || !p) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = db_patient_get_ident(s->c->db, prow, row, m)) == STATUS_OK &&
	    (ret = precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), m)) == STATUS_OK) {
		text_copy(mrn, msz, p->f[PF_MRN]);
		size_t k = text_copy(name, nsz, p->f[PF_LAST]);
		if (k + 3 < nsz) {
			memcpy(name + k, ", ", 3);
			text_copy(name + k + 2, nsz - k - 2, p->f[PF_FIRST]);
		}
	}
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

status_t notsame_list(session_t *s, int (*fn)(const notsame_entry_t *e, void *arg), void *arg,
		      msg_t *m)
{
	ns_rows_t r;
	status_t ret;
	int reading = 0;
	memset(&r, 0, sizeof r);
	if ((ret = session_require(s, ACT_CHART_MERGE, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "dup_not_same_view", "", "ok", "do-not-link list", 0, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
		ret = db_notsame_list(s->c->db, 0, ns_take, &r, m);
	if (ret == STATUS_OK && r.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (int i = 0; ret == STATUS_OK && i < r.n; i++) {
		notsame_entry_t e;
		char pa[33], pb[33];
		memset(&e, 0, sizeof e);
		e.id = r.v[i].lrow;
		if ((ret = ns_check(s, &r.v[i], pa, pb, m)) != STATUS_OK ||
		    (ret = reason_open(s, &r.v[i], pa, pb, e.reason, sizeof e.reason, m)) !=
			STATUS_OK ||
		    (ret = names_of(s, r.v[i].prow_a, e.mrn_a, sizeof e.mrn_a, e.name_a,
				    sizeof e.name_a, m)) != STATUS_OK ||
		    (ret = names_of(s, r.v[i].prow_b, e.mrn_b, sizeof e.mrn_b, e.name_b,
				    sizeof e.name_b, m)) != STATUS_OK)
			break;
		text_copy(e.set_at, sizeof e.set_at, r.v[i].set_at);
		text_copy(e.set_by, sizeof e.set_by, r.v[i].set_by);
		int stop = fn(&e, arg);
		sodium_memzero(&e, sizeof e);
		if (stop)
			break;
	}
	db_read_end(s->c->db, reading);
	free(r.v);
	return integrity_report(s, "", ret, m);
}

status_t notsame_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m)
{
	ns_rows_t r;
	status_t ret;
	int newest = keyring_version(s->kr, DOMAIN_DEMO);
	memset(&r, 0, sizeof r);
	if (rows)
		*rows = 0;
	if ((ret = db_notsame_list(s->c->db, prow, ns_take, &r, m)) != STATUS_OK)
		goto cleanup;
	if (r.oom) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	for (int i = 0; i < r.n && ret == STATUS_OK; i++) {
		db_notsame_t *n = &r.v[i];
		char pa[33], pb[33], reason[NOTSAME_REASON_MAX * 4 + 1];
		if (n->prow_a != prow)
			continue; /* done with its first chart */
		if ((ret = ns_check(s, n, pa, pb, m)) != STATUS_OK)
			break;
		if (n->mac[1] == newest && crypto_blob_version(n->reason, n->reason_len) == newest)
			continue;
		if ((ret = reason_open(s, n, pa, pb, reason, sizeof reason, m)) == STATUS_OK &&
		    (ret = ns_seal(s, n, pa, pb, reason, m)) == STATUS_OK &&
		    (ret = db_notsame_reseal(s->c->db, n, m)) == STATUS_OK && rows)
			(*rows)++;
		sodium_memzero(reason, sizeof reason);
	}
cleanup:
	free(r.v);
	return ret;
}
