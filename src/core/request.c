/* request.c - the event history of rights requests (core/request.h). */
#include "core/request.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/lpbuf.h"
#include "base/text.h"
#include "core/audit.h"
#include "core/notsame.h"
#include "db/db_merge.h"
#include "db/db_patients.h"

#define TABLE "rights_requests"

void req_state_free(req_state_t *st)
{
	rights_fields_free(st->f, REQ_FIELDS);
}

status_t req_set(req_state_t *st, int i, const char *text, msg_t *m)
{
	char *p = strdup(text ? text : "");
	if (!p)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if (st->f[i]) {
		sodium_memzero(st->f[i], strlen(st->f[i]));
		free(st->f[i]);
	}
	st->f[i] = p;
	return STATUS_OK;
}

static void mac_input(lpbuf_t *b, const db_request_t *r, const char *pid, const unsigned char *prev)
{
	char num[6][24];
	snprintf(num[0], sizeof num[0], "%" PRId64, r->req);
	snprintf(num[1], sizeof num[1], "%" PRId64, r->seq);
	snprintf(num[2], sizeof num[2], "%d", r->extended);
	snprintf(num[3], sizeof num[3], "%" PRId64, r->fee_cents);
	snprintf(num[4], sizeof num[4], "%" PRId64, r->disclosure);
	lpbuf_str(b, "chartroom-request:1");
	lpbuf_str(b, TABLE);
	lpbuf_str(b, r->id);
	lpbuf_str(b, r->kind);
	lpbuf_str(b, num[0]);
	lpbuf_str(b, num[1]);
	lpbuf_str(b, pid);
	lpbuf_str(b, r->ev);
	lpbuf_str(b, r->at);
	lpbuf_str(b, r->by_user);
	lpbuf_str(b, r->status);
	lpbuf_str(b, r->received);
	lpbuf_str(b, r->due);
	lpbuf_str(b, num[2]);
	lpbuf_str(b, r->closed_on);
	lpbuf_str(b, r->category);
	lpbuf_str(b, r->parts);
	lpbuf_str(b, r->from_date);
	lpbuf_str(b, r->to_date);
	lpbuf_str(b, r->auth);
	lpbuf_str(b, r->auth_signed);
	lpbuf_str(b, r->auth_expires);
	lpbuf_str(b, r->code);
	lpbuf_str(b, num[3]);
	lpbuf_str(b, num[4]);
	lpbuf_put(b, r->body.p, r->body.n);
	lpbuf_put(b, prev, prev ? RIGHTS_MAC_LEN : 0);
}

/* ---- reading: the events copied out, then checked ---- */

typedef struct ev_held {
	db_request_t r;
	unsigned char *body, *mac;
} ev_held_t;

typedef struct evs {
	ev_held_t *e;
	int n, cap, oom;
} evs_t;

static int hold_ev(const db_request_t *r, void *arg)
{
	evs_t *c = arg;
	ev_held_t *h;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		ev_held_t *p = realloc(c->e, (size_t)cap * sizeof *p);
		if (!p) {
			c->oom = 1;
			return 1;
		}
		c->e = p;
		c->cap = cap;
	}
	h = &c->e[c->n];
	h->r = *r;
	h->body = malloc(r->body.n ? r->body.n : 1);
	h->mac = malloc(r->mac.n ? r->mac.n : 1);
	if (!h->body || !h->mac) {
		free(h->body);
		free(h->mac);
		c->oom = 1;
		return 1;
	}
	if (r->body.n)
		memcpy(h->body, r->body.p, r->body.n);
	if (r->mac.n)
		memcpy(h->mac, r->mac.p, r->mac.n);
	h->r.body.p = h->body;
	h->r.mac.p = h->mac;
	c->n++;
	return 0;
}

static void evs_free(evs_t *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->e[i].body);
		free(c->e[i].mac);
	}
	free(c->e);
	memset(c, 0, sizeof *c);
}

static status_t pid_of(session_t *s, int64_t prow, char pid[33], msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	status_t ret;
	if (!row)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = db_patient_get_ident(s->c->db, prow, row, m);
	if (ret == STATUS_OK)
		text_copy(pid, 33, row->id);
	else if (ret == STATUS_NOTFOUND)
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "Integrity check failed: rights_requests names a patient that does "
			       "not exist (changed outside Chartroom).");
	sodium_memzero(row, sizeof *row);
	free(row);
	return ret;
}

static status_t bad(msg_t *m, const char *kind, int64_t req)
{
	return msg_fail(m, STATUS_INTEGRITY,
			"Integrity check failed: %s request %" PRId64
			" was changed outside Chartroom.",
			strcmp(kind, "roi") == 0 ? "ROI" : "amendment", req);
}

/* Check events e[0..n) of one request; fill st from the last (and, with
 * each, call fn for every event as it stood). */
static status_t check_group(session_t *s, ev_held_t *e, int n, req_state_t *st,
			    int (*each)(const req_state_t *ev, void *arg), void *arg, msg_t *m)
{
	unsigned char *prev = NULL;
	status_t ret = STATUS_OK;
	memset(st, 0, sizeof *st);
	if ((ret = pid_of(s, e[0].r.prow, st->pid, m)) != STATUS_OK)
		return ret;
	text_copy(st->opened_at, sizeof st->opened_at, e[0].r.at);
	text_copy(st->opened_by, sizeof st->opened_by, e[0].r.by_user);
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		lpbuf_t b = {0};
		if (e[i].r.seq != i + 1 || e[i].r.prow != e[0].r.prow || e[i].r.toolong)
			return bad(m, e[0].r.kind, e[0].r.req);
		mac_input(&b, &e[i].r, st->pid, prev);
		if (b.bad)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		else
			ret = rights_mac_check(s, b.p, b.len, e[i].r.mac.p, e[i].r.mac.n, TABLE,
					       e[i].r.req, m);
		lpbuf_free(&b);
		if (ret == STATUS_INTEGRITY)
			return bad(m, e[0].r.kind, e[0].r.req);
		prev = e[i].mac;
		if (ret == STATUS_OK && (each || i == n - 1)) {
			rights_fields_free(st->f, REQ_FIELDS);
			ret = rights_open(s, TABLE, e[i].r.id, st->pid, e[i].r.body.p, e[i].r.body.n,
					  st->f, REQ_FIELDS, m);
			if (ret == STATUS_INTEGRITY)
				return bad(m, e[0].r.kind, e[0].r.req);
			st->r = e[i].r;
			st->r.body.p = st->r.mac.p = NULL;
			st->r.body.n = st->r.mac.n = 0;
			st->nevents = i + 1;
			if (ret == STATUS_OK && each && each(st, arg))
				break;
		}
	}
	if (ret == STATUS_OK)
		memcpy(st->last_mac, e[n - 1].mac, RIGHTS_MAC_LEN);
	if (ret != STATUS_OK)
		req_state_free(st);
	return ret;
}

static status_t collect(session_t *s, const char *kind, int64_t req, int64_t prow, evs_t *c,
			msg_t *m)
{
	status_t ret = db_request_events(s->c->db, kind, req, prow, hold_ev, c, m);
	if (ret == STATUS_OK && c->oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (int i = 0; ret == STATUS_OK && i < c->n; i++)
		if (c->e[i].r.mac.n != RIGHTS_MAC_LEN)
			ret = bad(m, kind, c->e[i].r.req);
	return ret;
}

status_t req_load(session_t *s, const char *kind, int64_t req, req_state_t *st, msg_t *m)
{
	evs_t c = {0};
	status_t ret = collect(s, kind, req, 0, &c, m);
	memset(st, 0, sizeof *st);
	if (ret == STATUS_OK && !c.n)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no %s request %" PRId64 ".",
			       strcmp(kind, "roi") == 0 ? "ROI" : "amendment", req);
	if (ret == STATUS_OK)
		ret = check_group(s, c.e, c.n, st, NULL, NULL, m);
	evs_free(&c);
	return ret;
}

status_t req_history(session_t *s, const char *kind, int64_t req,
		     int (*fn)(const req_state_t *ev, void *arg), void *arg, msg_t *m)
{
	evs_t c = {0};
	req_state_t st;
	status_t ret = collect(s, kind, req, 0, &c, m);
	if (ret == STATUS_OK && !c.n)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no %s request %" PRId64 ".",
			       strcmp(kind, "roi") == 0 ? "ROI" : "amendment", req);
	if (ret == STATUS_OK && (ret = check_group(s, c.e, c.n, &st, fn, arg, m)) == STATUS_OK)
		req_state_free(&st);
	evs_free(&c);
	return ret;
}

status_t req_each(session_t *s, const char *kind, int64_t prow,
		  int (*fn)(req_state_t *st, void *arg), void *arg, msg_t *m)
{
	evs_t c = {0};
	req_state_t *all = NULL;
	int ngroups = 0, stop = 0;
	status_t ret = collect(s, kind, 0, prow, &c, m);
	if (ret == STATUS_OK && c.n && !(all = calloc((size_t)c.n, sizeof *all)))
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (int i = 0; ret == STATUS_OK && i < c.n;) {
		int j = i;
		while (j < c.n && c.e[j].r.req == c.e[i].r.req)
			j++;
		ret = check_group(s, c.e + i, j - i, &all[ngroups], NULL, NULL, m);
		if (ret == STATUS_OK)
			ngroups++;
		i = j;
	}
	for (int g = 0; g < ngroups; g++) {
		if (ret == STATUS_OK && !stop && fn(&all[g], arg))
			stop = 1;
		req_state_free(&all[g]);
	}
	free(all);
	evs_free(&c);
	return ret;
}

status_t req_merged_into(session_t *s, int64_t prow, const char *action, int64_t *out, int max,
			 int *n, msg_t *m)
{
	status_t ret = STATUS_OK;
	*n = 0;
	if (prow > 0)
		ret = db_merge_retired_into(s->c->db, prow, out, max, n, m);
	for (int k = 0; ret == STATUS_OK && k < *n; k++) {
		char pid[33];
		if ((ret = notsame_patient_id(s, out[k], pid, m)) == STATUS_OK)
			ret = audit_note(s, action, pid, "ok", "merged into the chart asked for", 0, m);
	}
	return ret;
}

status_t req_append(session_t *s, req_state_t *st, const char *ev, const char *action,
		    const char *detail, msg_t *m)
{
	db_request_t *r = &st->r;
	unsigned char *body = NULL, mac[RIGHTS_MAC_LEN];
	size_t blen = 0;
	lpbuf_t b = {0};
	const char *f[REQ_FIELDS];
	status_t ret = STATUS_OK;
	if (st->nevents == 0 && (ret = db_request_next(s->c->db, r->kind, &r->req, m)) != STATUS_OK)
		return ret;
	r->seq = st->nevents + 1;
	crypto_random_id(r->id);
	text_copy(r->ev, sizeof r->ev, ev);
	core_now(r->at);
	text_copy(r->by_user, sizeof r->by_user, session_user_name(s));
	for (int i = 0; i < REQ_FIELDS; i++)
		f[i] = st->f[i] ? st->f[i] : "";
	if ((ret = rights_seal(s, TABLE, r->id, st->pid, f, REQ_FIELDS, &body, &blen, m)) !=
	    STATUS_OK)
		return ret;
	r->body.p = body;
	r->body.n = blen;
	mac_input(&b, r, st->pid, st->nevents ? st->last_mac : NULL);
	if (b.bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	else
		ret = rights_mac(s, b.p, b.len, mac, m);
	lpbuf_free(&b);
	if (ret == STATUS_OK) {
		r->mac.p = mac;
		r->mac.n = sizeof mac;
		ret = db_request_add(s->c->db, r, m);
	}
	if (ret == STATUS_OK)
		ret = audit_append(s, action, st->pid, "ok", detail, m);
	if (ret == STATUS_OK) {
		memcpy(st->last_mac, mac, sizeof mac);
		st->nevents++;
	}
	r->body.p = r->mac.p = NULL;
	r->body.n = r->mac.n = 0;
	free(body);
	return ret;
}

static status_t rekey_group(session_t *s, ev_held_t *e, int cnt, int64_t *n, msg_t *m)
{
	req_state_t st;
	unsigned char prev[RIGHTS_MAC_LEN];
	status_t ret = check_group(s, e, cnt, &st, NULL, NULL, m);
	if (ret != STATUS_OK)
		return ret;
	req_state_free(&st);
	for (int i = 0; i < cnt && ret == STATUS_OK; i++) {
		char *f[REQ_FIELDS];
		const char *cf[REQ_FIELDS];
		unsigned char *body = NULL, mac[RIGHTS_MAC_LEN];
		size_t blen = 0;
		lpbuf_t b = {0};
		if ((ret = rights_open(s, TABLE, e[i].r.id, st.pid, e[i].r.body.p, e[i].r.body.n, f,
				       REQ_FIELDS, m)) != STATUS_OK)
			break;
		for (int k = 0; k < REQ_FIELDS; k++)
			cf[k] = f[k];
		ret = rights_seal(s, TABLE, e[i].r.id, st.pid, cf, REQ_FIELDS, &body, &blen, m);
		rights_fields_free(f, REQ_FIELDS);
		if (ret != STATUS_OK)
			break;
		e[i].r.body.p = body;
		e[i].r.body.n = blen;
		mac_input(&b, &e[i].r, st.pid, i ? prev : NULL);
		ret = b.bad ? msg_fail(m, STATUS_NOMEM, "Out of memory.")
			    : rights_mac(s, b.p, b.len, mac, m);
		lpbuf_free(&b);
		if (ret == STATUS_OK) {
			db_blob_t mb = {mac, sizeof mac};
			ret = db_request_rekey(s->c->db, e[i].r.id, &e[i].r.body, &mb, m);
			memcpy(prev, mac, sizeof prev);
		}
		e[i].r.body.p = e[i].body;
		free(body);
		if (ret == STATUS_OK)
			(*n)++;
	}
	return ret;
}

status_t req_rekey(session_t *s, int64_t prow, int to, int64_t *n, msg_t *m)
{
	static const char *const kinds[] = {"roi", "amendment"};
	status_t ret = STATUS_OK;
	*n = 0;
	for (int k = 0; k < 2 && ret == STATUS_OK; k++) {
		evs_t c = {0};
		ret = collect(s, kinds[k], 0, prow, &c, m);
		for (int i = 0; ret == STATUS_OK && i < c.n;) {
			int j = i, old = 0;
			while (j < c.n && c.e[j].r.req == c.e[i].r.req) {
				old |= crypto_blob_version(c.e[j].r.body.p, c.e[j].r.body.n) != to ||
				       c.e[j].r.mac.p[1] != to;
				j++;
			}
			if (old)
				ret = rekey_group(s, c.e + i, j - i, n, m);
			i = j;
		}
		evs_free(&c);
	}
	return ret;
}

status_t req_view(session_t *s, const char *kind, int64_t req, int history,
		  int (*fn)(const req_state_t *st, void *arg), void *arg, msg_t *m)
{
	req_state_t st;
	int reading = 0;
	char action[40], detail[48];
	status_t ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	ret = req_load(s, kind, req, &st, m);
	db_read_end(s->c->db, reading);
	if (ret != STATUS_OK)
		return ret;
	snprintf(action, sizeof action, "%s_view", kind);
	snprintf(detail, sizeof detail, "%s %" PRId64, kind, req);
	ret = audit_note(s, action, st.pid, "ok", detail, 0, m);
	if (ret == STATUS_OK && !history)
		fn(&st, arg);
	req_state_free(&st);
	if (ret == STATUS_OK && history) {
		if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
			return ret;
		ret = req_history(s, kind, req, fn, arg, m);
		db_read_end(s->c->db, reading);
	}
	return ret;
}
