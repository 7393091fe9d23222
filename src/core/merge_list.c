/* merge_list.c - the list of merges and the "merged into" redirect
 * (core/merge_list.h). Reads only; each merge's MACs are checked by
 * core/merge.c (merge_check). */
#include "core/merge_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/merge_internal.h"
#include "db/db_journal.h"
#include "db/db_merge.h"

typedef struct collect {
	session_t *s;
	merge_entry_t *v;
	int64_t *prows; /* both charts of each merge, for the audit event */
	int n, cap, oom;
	int bad;          /* merges whose MACs failed */
	char bad_pid[33]; /* the retired chart of the first, for the report */
	msg_t bad_msg;
	status_t ret; /* a failure other than a MAC's */
	msg_t *m;
} collect_t;

static int take(const db_merge_t *g, void *arg)
{
	collect_t *c = arg;
	merge_entry_t *e;
	merge_ids_t ids;
	msg_t why;
	status_t st;
	const char *zone = c->s->c->cfg->clinic_tz;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 32;
		merge_entry_t *nv = realloc(c->v, (size_t)cap * sizeof *nv);
		int64_t *np = nv ? realloc(c->prows, (size_t)cap * 2 * sizeof *np) : NULL;
		if (nv)
			c->v = nv;
		if (!np) {
			c->oom = 1;
			return 1;
		}
		c->prows = np;
		c->cap = cap;
	}
	e = &c->v[c->n];
	memset(e, 0, sizeof *e);
	e->id = g->mrow;
	e->moved = g->moved;
	tz_format(zone, g->merged_at, 0, e->merged_at, sizeof e->merged_at);
	text_copy(e->merged_by, sizeof e->merged_by, g->merged_by);
	e->undone = g->undone;
	if (g->undone) {
		tz_format(zone, g->undone_at, 0, e->undone_at, sizeof e->undone_at);
		text_copy(e->undone_by, sizeof e->undone_by, g->undone_by);
	}
	st = merge_check(c->s, g, &ids, &why);
	if (st == STATUS_OK) {
		e->intact = 1;
		text_copy(e->keep_mrn, sizeof e->keep_mrn, ids.keep_mrn);
		text_copy(e->retire_mrn, sizeof e->retire_mrn, ids.retire_mrn);
	} else if (st == STATUS_INTEGRITY || st == STATUS_NOTFOUND) {
		/* Listed, marked, never undone from here (merge_undo checks
		 * again and refuses). A chart the row names that does not
		 * exist is the same tampering. */
		e->intact = 0;
		text_copy(e->keep_mrn, sizeof e->keep_mrn, ids.keep_mrn);
		text_copy(e->retire_mrn, sizeof e->retire_mrn, ids.retire_mrn);
		if (st == STATUS_NOTFOUND)
			integrity_fail(&why, "merges", g->mrow,
			               "names a chart that does not exist");
		text_copy(e->problem, sizeof e->problem, why.text);
		if (!c->bad++) {
			text_copy(c->bad_pid, sizeof c->bad_pid, ids.retire_pid);
			c->bad_msg = why;
		}
	} else {
		c->ret = st;
		*c->m = why;
		sodium_memzero(&ids, sizeof ids);
		return 1;
	}
	c->prows[2 * c->n] = g->keep_prow;
	c->prows[2 * c->n + 1] = g->retire_prow;
	c->n++;
	sodium_memzero(&ids, sizeof ids);
	return 0;
}

status_t merge_list(session_t *s, int (*fn)(const merge_entry_t *e, void *arg), void *arg, msg_t *m)
{
	collect_t c;
	status_t ret;
	int reading = 0, k = 0;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.m = m;
	if ((ret = session_require(s, ACT_CHART_MERGE, m)) != STATUS_OK)
		return ret;
	if (!keyring_has(s->kr, DOMAIN_DEMO))
		return msg_fail(m, STATUS_DENIED,
		                "The list of merges shows MRNs: your account needs the demo key.");
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
		ret = db_merge_each(s->c->db, MERGE_LIST_MAX, take, &c, m);
	db_read_end(s->c->db, reading);
	if (ret == STATUS_OK && c.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if (ret == STATUS_OK)
		ret = c.ret;
	if (ret != STATUS_OK)
		goto cleanup;
	if (c.bad)
		integrity_report(s, c.bad_pid, STATUS_INTEGRITY, &c.bad_msg);
	/* Recorded before anything is shown, each chart listed by its row
	 * number (its access report shows the list), in events of at most
	 * DB_JOURNAL_LISTED_MAX. */
	do {
		int chunk =
		    2 * c.n - k < DB_JOURNAL_LISTED_MAX ? 2 * c.n - k : DB_JOURNAL_LISTED_MAX;
		ret = audit_note_listed(s, "merge_list", "", "ok", "list of merges", c.prows + k,
		                        chunk, 0, m);
		k += chunk;
	} while (ret == STATUS_OK && k < 2 * c.n);
	if (ret != STATUS_OK)
		goto cleanup;
	for (int i = 0; i < c.n; i++)
		if (fn(&c.v[i], arg))
			break;
	msg_set(m, "%d merge%s%s.", c.n, c.n == 1 ? "" : "s",
	        c.bad ? "; some fail their integrity check (marked)" : "");
cleanup:
	if (c.v)
		sodium_memzero(c.v, (size_t)c.cap * sizeof *c.v);
	free(c.v);
	free(c.prows);
	return ret;
}

status_t merge_redirect_prow(session_t *s, int64_t prow, merge_redirect_t *out, msg_t *m)
{
	db_merge_t *g = NULL;
	merge_ids_t ids;
	status_t ret;
	memset(out, 0, sizeof *out);
	memset(&ids, 0, sizeof ids);
	if (!keyring_has(s->kr, DOMAIN_DEMO))
		return msg_fail(m, STATUS_DENIED, "Your account does not hold the demo key.");
	if (!(g = malloc(sizeof *g)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = db_merge_in_force(s->c->db, prow, g, m);
	if (ret == STATUS_NOTFOUND) {
		msg_clear(m);
		ret = STATUS_OK;
		goto cleanup;
	}
	if (ret != STATUS_OK)
		goto cleanup;
	ret = merge_check(s, g, &ids, m);
	if (ret == STATUS_NOTFOUND)
		ret = integrity_fail(m, "merges", g->mrow, "names a chart that does not exist");
	if (ret != STATUS_OK) {
		integrity_report(s, ids.retire_pid, ret, m);
		goto cleanup;
	}
	out->id = g->mrow;
	text_copy(out->survivor_id, sizeof out->survivor_id, ids.keep_pid);
	text_copy(out->survivor_mrn, sizeof out->survivor_mrn, ids.keep_mrn);
	text_copy(out->retired_mrn, sizeof out->retired_mrn, ids.retire_mrn);
	tz_format(s->c->cfg->clinic_tz, g->merged_at, TZ_DATE, out->merged_on,
	          sizeof out->merged_on);
cleanup:
	sodium_memzero(&ids, sizeof ids);
	free(g);
	return ret;
}

status_t merge_redirect(session_t *s, const char *key, merge_redirect_t *out, msg_t *m)
{
	int64_t prow = 0;
	char pid[33];
	int conf = 0;
	status_t ret;
	memset(out, 0, sizeof *out);
	if ((ret = patient_locate(s, key, &prow, pid, &conf, m)) != STATUS_OK)
		return ret;
	return merge_redirect_prow(s, prow, out, m);
}
