/* retention.c - retention and destruction of charts (core/retention.h). */
#include "core/retention.h"

#include <inttypes.h>
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
#include "core/merge.h"
#include "core/patient.h"
#include "core/precord.h"
#include "core/rights.h"
#include "db/db_merge.h"
#include "db/db_patients.h"
#include "db/db_retention.h"

#define EV_TABLE "retention_events"
/* Charts merged into one survivor, at most (merges in force). */
#define RET_MERGED_MAX 16

#define METHOD                                                                                     \
	"rows deleted from every patient-bound table with SQLite secure_delete; "                  \
	"WAL checkpointed (TRUNCATE)"

/* ---- the rule ----------------------------------------------------------- */

/* iso + years; 29 February lands on 1 March in a common year. */
static int add_years(const char *iso, int years, char out[DATE_ISO_SIZE])
{
	int y, mo, d;
	if (date_split_iso(iso, &y, &mo, &d) != 0)
		return 0;
	y += years;
	if (mo == 2 && d == 29 && !date_leap(y)) {
		mo = 3;
		d = 1;
	}
	snprintf(out, DATE_ISO_SIZE, "%04d-%02d-%02d", y, mo, d);
	return 1;
}

status_t retention_rule(const config_t *cfg, const char *dob, const char *death, const char *last,
                        char due[DATE_ISO_SIZE], char rule[12], msg_t *m)
{
	char a[DATE_ISO_SIZE], b[DATE_ISO_SIZE];
	int y, mo, d;
	if (!last || date_split_iso(last, &y, &mo, &d) != 0)
		return msg_fail(m, STATUS_INVALID, "The last activity is not a date.");
	if (death && *death) {
		const char *base = strcmp(death, last) > 0 ? death : last;
		if (date_split_iso(death, &y, &mo, &d) != 0)
			return msg_fail(m, STATUS_INVALID, "The date of death is not a date.");
		add_years(base, cfg->retention_deceased_years, due);
		text_copy(rule, 12, "deceased");
		return STATUS_OK;
	}
	add_years(last, cfg->retention_adult_years, a);
	if (!dob || !add_years(dob, cfg->retention_majority_age + cfg->retention_minor_years, b))
		return msg_fail(m, STATUS_INVALID, "The date of birth is not a date.");
	if (strcmp(b, a) > 0) {
		text_copy(due, DATE_ISO_SIZE, b);
		text_copy(rule, 12, "minor");
	} else {
		text_copy(due, DATE_ISO_SIZE, a);
		text_copy(rule, 12, "adult");
	}
	return STATUS_OK;
}

/* ---- events: append-only, chained per chart ------------------------------ */

static status_t event_mac_data(const db_ret_event_t *e, const char *pid, const unsigned char *prev,
                               size_t prev_len, lpbuf_t *b, msg_t *m)
{
	char num[64];
	lpbuf_str(b, "chartroom:retention_events:1");
	snprintf(num, sizeof num, "%" PRId64 "/%" PRId64, e->rrow, e->ref);
	lpbuf_str(b, num);
	lpbuf_str(b, pid);
	lpbuf_str(b, e->kind);
	lpbuf_str(b, e->due);
	lpbuf_str(b, e->at);
	lpbuf_str(b, e->by);
	lpbuf_put(b, e->reason, e->reason_len);
	lpbuf_put(b, prev, prev_len);
	if (b->bad)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	return STATUS_OK;
}

typedef struct chain {
	session_t *s;
	const char *pid;
	db_ret_event_t *v;
	int n, cap;
	unsigned char prev[RIGHTS_MAC_LEN];
	size_t prev_len;
	status_t ret;
	msg_t *m;
} chain_t;

static int chain_each(const db_ret_event_t *e, void *arg)
{
	chain_t *c = arg;
	lpbuf_t b = {0};
	if (e->toolong) {
		c->ret = integrity_fail(c->m, EV_TABLE, e->rrow, "was altered");
		return 1;
	}
	if ((c->ret = event_mac_data(e, c->pid, c->prev, c->prev_len, &b, c->m)) == STATUS_OK)
		c->ret =
		    rights_mac_check(c->s, b.p, b.len, e->mac, e->mac_len, EV_TABLE, e->rrow, c->m);
	lpbuf_free(&b);
	if (c->ret != STATUS_OK) {
		if (c->ret == STATUS_INTEGRITY)
			c->ret = integrity_fail(c->m, EV_TABLE, e->rrow,
			                        "does not match its MAC or the events before it");
		return 1;
	}
	memcpy(c->prev, e->mac, RIGHTS_MAC_LEN);
	c->prev_len = RIGHTS_MAC_LEN;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 8;
		db_ret_event_t *v = realloc(c->v, (size_t)cap * sizeof *v);
		if (!v) {
			c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory.");
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *e;
	return 0;
}

static void chain_free(chain_t *c)
{
	if (c->v)
		sodium_memzero(c->v, (size_t)c->cap * sizeof *c->v);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

/* The chart's events, each checked against the chain, and as many as the
 * audit trail recorded (a deleted one is an integrity error). */
static status_t chain_read(session_t *s, int64_t prow, const char *pid, chain_t *c, msg_t *m)
{
	status_t ret;
	int64_t audited = 0;
	memset(c, 0, sizeof *c);
	c->s = s;
	c->pid = pid;
	c->m = m;
	c->ret = STATUS_OK;
	if ((ret = db_retention_events(s->c->db, prow, chain_each, c, m)) == STATUS_OK)
		ret = c->ret;
	if (ret == STATUS_OK &&
	    (ret = db_retention_audit_count(s->c->db, pid, &audited, m)) == STATUS_OK &&
	    audited != c->n)
		ret = msg_fail(m, STATUS_INTEGRITY,
		               "Integrity check failed: the audit trail records %" PRId64
		               " retention events of this chart but retention_events holds %d "
		               "(deleted or added outside Chartroom).",
		               audited, c->n);
	return ret;
}

/* Holds in force, and the open proposal (0 none) with its event. */
static int holds_in_force(const chain_t *c)
{
	int n = 0;
	for (int i = 0; i < c->n; i++) {
		if (strcmp(c->v[i].kind, "hold") != 0)
			continue;
		int released = 0;
		for (int j = i + 1; j < c->n; j++)
			if (strcmp(c->v[j].kind, "release") == 0 && c->v[j].ref == c->v[i].rrow)
				released = 1;
		n += !released;
	}
	return n;
}

static const db_ret_event_t *open_proposal(const chain_t *c)
{
	for (int i = c->n - 1; i >= 0; i--) {
		if (strcmp(c->v[i].kind, "propose") != 0)
			continue;
		for (int j = i + 1; j < c->n; j++)
			if (strcmp(c->v[j].kind, "reject") == 0 && c->v[j].ref == c->v[i].rrow)
				return NULL;
		return &c->v[i];
	}
	return NULL;
}

static const db_ret_event_t *find_event(const chain_t *c, int64_t rrow)
{
	for (int i = 0; i < c->n; i++)
		if (c->v[i].rrow == rrow)
			return &c->v[i];
	return NULL;
}

static status_t clean_reason(const char *label, const char *in, msg_t *m)
{
	size_t n = in ? strlen(in) : 0, chars = 0;
	const char *p = in;
	while (p && *p == ' ')
		p++;
	if (!p || !*p)
		return msg_fail(m, STATUS_INVALID, "%s is required.", label);
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)in[i] & 0xC0) != 0x80)
			chars++;
	if (chars > RETENTION_REASON_MAX || n > RETENTION_REASON_MAX * 4)
		return msg_fail(m, STATUS_INVALID, "%s is too long (at most %d characters).", label,
		                RETENTION_REASON_MAX);
	return text_check(label, in, n, 0, m);
}

static status_t reason_open(session_t *s, const char *pid, const db_ret_event_t *e, char *out,
                            size_t size, msg_t *m)
{
	char rowid[24], *f[1] = {NULL};
	status_t ret;
	snprintf(rowid, sizeof rowid, "%" PRId64, e->rrow);
	ret = rights_open(s, EV_TABLE, rowid, pid, e->reason, e->reason_len, f, 1, m);
	if (ret == STATUS_INTEGRITY || ret == STATUS_CRYPTO)
		return integrity_fail(m, EV_TABLE, e->rrow, "has a reason that fails to open");
	if (ret == STATUS_OK)
		text_copy(out, size, f[0] ? f[0] : "");
	rights_fields_free(f, 1);
	return ret;
}

static status_t append(session_t *s, int64_t prow, const char *pid, chain_t *c, const char *kind,
                       int64_t ref, const char *due, const char *reason, int64_t *rrow, msg_t *m)
{
	db_ret_event_t *e = calloc(1, sizeof *e);
	char rowid[24];
	const char *f[1] = {reason};
	unsigned char *ct = NULL;
	size_t ctn = 0;
	lpbuf_t b = {0};
	status_t ret;
	if (!e)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_retention_next(s->c->db, &e->rrow, m)) != STATUS_OK)
		goto cleanup;
	e->prow = prow;
	e->ref = ref;
	text_copy(e->kind, sizeof e->kind, kind);
	text_copy(e->due, sizeof e->due, due ? due : "");
	core_now(e->at);
	text_copy(e->by, sizeof e->by, session_user_name(s));
	snprintf(rowid, sizeof rowid, "%" PRId64, e->rrow);
	if ((ret = rights_seal(s, EV_TABLE, rowid, pid, f, 1, &ct, &ctn, m)) != STATUS_OK)
		goto cleanup;
	if (ctn > sizeof e->reason) {
		ret = msg_fail(m, STATUS_INVALID, "The reason is too long.");
		goto cleanup;
	}
	memcpy(e->reason, ct, ctn);
	e->reason_len = ctn;
	if ((ret = event_mac_data(e, pid, c->prev, c->prev_len, &b, m)) != STATUS_OK ||
	    (ret = rights_mac(s, b.p, b.len, e->mac, m)) != STATUS_OK)
		goto cleanup;
	e->mac_len = RIGHTS_MAC_LEN;
	if ((ret = db_retention_insert(s->c->db, e, m)) != STATUS_OK)
		goto cleanup;
	memcpy(c->prev, e->mac, RIGHTS_MAC_LEN);
	c->prev_len = RIGHTS_MAC_LEN;
	if (rrow)
		*rrow = e->rrow;
cleanup:
	lpbuf_free(&b);
	free(ct);
	sodium_memzero(e, sizeof *e);
	free(e);
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

/* The first of acts the role holds, checked (keys too); the refusal of
 * acts[0] when it holds none (audited once, as every refusal). */
static status_t require_any(session_t *s, const action_t *acts, int n, msg_t *m)
{
	for (int i = 0; i < n; i++)
		if (perm_allowed(&s->c->cfg->perms, s->role, acts[i]))
			return session_require(s, acts[i], m);
	return session_require(s, acts[0], m);
}

/* ---- a chart's state ------------------------------------------------------ */

/* The chart's MRN, name, dates and rule (decrypting its identity), with
 * today's date; chain c read (holds and proposal). */
static status_t chart_state(session_t *s, int64_t prow, const char *pid, const chain_t *c,
                            retention_item_t *it, msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	char first[24] = "", last[24] = "", today[DATE_ISO_SIZE];
	const db_ret_event_t *pr;
	status_t ret;
	int ok = 0;
	memset(it, 0, sizeof *it);
	if (!row || !p) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	text_copy(it->patient_id, sizeof it->patient_id, pid);
	it->prow = prow;
	/* The whole row, both blobs: the details blob binds the registration
	 * time, on which the retention date rests (db_retention.c
	 * LAST_ACTIVITY), so a `created` backdated with sqlite3 is an integrity
	 * error, never a chart made due for destruction. */
	if ((ret = db_patient_get(s->c->db, prow, row, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = precord_open(s->kr, row, p, 0, CLINIC_OPEN_FLAGS(s->c), m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_retention_span(s->c->db, prow, first, last, m)) != STATUS_OK)
		goto cleanup;
	rights_local_date(s, first, it->first);
	rights_local_date(s, last, it->last);
	text_copy(it->mrn, sizeof it->mrn, p->f[PF_MRN]);
	{
		char tmp[2 * PATIENT_FIELD_MAX + 4];
		snprintf(tmp, sizeof tmp, "%s, %s", p->f[PF_LAST], p->f[PF_FIRST]);
		text_copy(it->name, sizeof it->name, tmp);
	}
	if ((ret = retention_rule(s->c->cfg, p->f[PF_DOB], p->f[PF_DEATH], it->last, it->due,
	                          it->rule, m)) != STATUS_OK)
		goto cleanup;
	rights_today(s, today);
	it->days_past = date_diff_days(it->due, today, &ok);
	if (!ok)
		it->days_past = -1;
	if (c) {
		it->held = holds_in_force(c);
		if ((pr = open_proposal(c))) {
			it->proposal = pr->rrow;
			text_copy(it->proposed_by, sizeof it->proposed_by, pr->by);
			text_copy(it->proposed_at, sizeof it->proposed_at, pr->at);
		}
	}
cleanup:
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	return ret;
}

/* ---- the list of charts due ----------------------------------------------- */

typedef struct prows {
	int64_t *v;
	size_t n, cap;
	int oom;
} prows_t;

static int take_prow(int64_t prow, void *arg)
{
	prows_t *p = arg;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		int64_t *v = realloc(p->v, cap * sizeof *v);
		if (!v) {
			p->oom = 1;
			return 1;
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = prow;
	return 0;
}

/* Sorted sets of prows and of patient ids (filled in order by the db). */
static int has_prow(const prows_t *p, int64_t prow)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->v[mid] == prow)
			return 1;
		if (p->v[mid] < prow)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

typedef struct targets {
	char (*v)[33];
	size_t n, cap;
	int oom;
} targets_t;

static int take_target(const char *target, void *arg)
{
	targets_t *t = arg;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char(*v)[33] = realloc(t->v, cap * sizeof *v);
		if (!v) {
			t->oom = 1;
			return 1;
		}
		t->v = v;
		t->cap = cap;
	}
	text_copy(t->v[t->n++], 33, target);
	return 0;
}

static int has_target(const targets_t *t, const char *id)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->v[mid], id);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

typedef struct cand {
	int64_t prow;
	char id[33];
} cand_t;

typedef struct cands {
	cand_t *v;
	size_t n, cap;
	int oom;
} cands_t;

static int take_cand(int64_t prow, const char *id, const char *first, const char *last, void *arg)
{
	cands_t *c = arg;
	(void)first;
	(void)last;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		cand_t *v = realloc(c->v, cap * sizeof *v);
		if (!v) {
			c->oom = 1;
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].prow = prow;
	text_copy(c->v[c->n].id, sizeof c->v[0].id, id);
	c->n++;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const retention_item_t *x = a, *y = b;
	int c = strcmp(x->due, y->due);
	return c ? c : strcmp(x->mrn, y->mrn);
}

/* Every chart due today, sorted by due date, into *out (malloc'd). Only
 * the charts whose last activity is older than the shortest rule allows
 * are decrypted. Inside a read snapshot. */
static status_t due_charts(session_t *s, retention_item_t **out, size_t *nout, msg_t *m)
{
	const config_t *cfg = s->c->cfg;
	char today[DATE_ISO_SIZE], cutoff[DATE_ISO_SIZE], before[DATE_ISO_SIZE];
	int years = cfg->retention_adult_years < cfg->retention_deceased_years
	                ? cfg->retention_adult_years
	                : cfg->retention_deceased_years;
	cands_t c = {0};
	prows_t with = {0};
	targets_t audited = {0};
	retention_item_t *v = NULL;
	size_t n = 0;
	status_t ret;
	*out = NULL;
	*nout = 0;
	rights_today(s, today);
	/* A day's margin for the clinic's zone: the exact rule follows. */
	add_years(today, -years, cutoff);
	date_add_days(cutoff, 2, before);
	if ((ret = db_retention_candidates(s->c->db, before, take_cand, &c, m)) != STATUS_OK)
		goto cleanup;
	if (c.oom) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory listing charts.");
		goto cleanup;
	}
	if (c.n && !(v = calloc(c.n, sizeof *v))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory listing charts.");
		goto cleanup;
	}
	/* The few charts with retention events, or with retention entries on
	 * the trail: only theirs are read (and checked) one by one. */
	if ((ret = db_retention_event_prows(s->c->db, take_prow, &with, m)) != STATUS_OK ||
	    (ret = db_retention_audited(s->c->db, take_target, &audited, m)) != STATUS_OK)
		goto cleanup;
	if (with.oom || audited.oom) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory listing charts.");
		goto cleanup;
	}
	for (size_t i = 0; i < c.n; i++) {
		chain_t ch;
		memset(&ch, 0, sizeof ch);
		if (!has_prow(&with, c.v[i].prow) && !has_target(&audited, c.v[i].id))
			ret = STATUS_OK; /* no events, none on record: an empty chain */
		else
			ret = chain_read(s, c.v[i].prow, c.v[i].id, &ch, m);
		if (ret == STATUS_OK)
			ret = chart_state(s, c.v[i].prow, c.v[i].id, &ch, &v[n], m);
		chain_free(&ch);
		if (ret == STATUS_INTEGRITY)
			integrity_report(s, c.v[i].id, ret, m);
		if (ret != STATUS_OK)
			goto cleanup;
		if (v[n].days_past >= 0)
			n++;
	}
	if (n)
		qsort(v, n, sizeof *v, item_cmp);
	*out = v;
	*nout = n;
	v = NULL;
cleanup:
	if (v) {
		sodium_memzero(v, c.n * sizeof *v);
		free(v);
	}
	free(c.v);
	free(with.v);
	free(audited.v);
	return ret;
}

static void items_free(retention_item_t *v, size_t n)
{
	if (v) {
		sodium_memzero(v, n * sizeof *v);
		free(v);
	}
}

status_t retention_list(session_t *s, int (*fn)(const retention_item_t *it, void *arg), void *arg,
                        msg_t *m)
{
	static const action_t acts[] = {ACT_RETENTION_PROPOSE, ACT_RETENTION_APPROVE};
	retention_item_t *v = NULL;
	size_t n = 0;
	int reading = 0;
	status_t ret;
	if ((ret = require_any(s, acts, 2, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "retention_list", "", "ok", "charts due for destruction", 0, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
		ret = due_charts(s, &v, &n, m);
	db_read_end(s->c->db, reading);
	for (size_t i = 0; ret == STATUS_OK && i < n; i++)
		if (fn(&v[i], arg))
			break;
	items_free(v, n);
	return ret;
}

status_t retention_show(session_t *s, const char *patient, retention_item_t *out, msg_t *m)
{
	static const action_t acts[] = {ACT_RETENTION_PROPOSE, ACT_RETENTION_APPROVE,
	                                ACT_LEGAL_HOLD};
	int64_t prow = 0;
	char pid[33] = "";
	int conf = 0, reading = 0;
	chain_t c;
	status_t ret;
	memset(&c, 0, sizeof c);
	if ((ret = require_any(s, acts, 3, m)) != STATUS_OK)
		return ret;
	if ((ret = patient_locate(s, patient, &prow, pid, &conf, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "retention_view", pid, "ok", NULL, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK &&
	    (ret = chain_read(s, prow, pid, &c, m)) == STATUS_OK)
		ret = chart_state(s, prow, pid, &c, out, m);
	if (ret == STATUS_OK) {
		int64_t into = 0, id = 0, rp[RET_MERGED_MAX];
		char keep[32] = "";
		if ((ret = merge_into(s, prow, &into, keep, &id, m)) == STATUS_OK) {
			text_copy(out->merged_into, sizeof out->merged_into, into ? keep : "");
			ret = db_merge_retired_into(s->c->db, prow, rp, RET_MERGED_MAX,
			                            &out->merged_charts, m);
		}
	}
	db_read_end(s->c->db, reading);
	chain_free(&c);
	if (ret == STATUS_INTEGRITY)
		integrity_report(s, pid, ret, m);
	return ret;
}

/* ---- holds ---------------------------------------------------------------- */

status_t retention_hold(session_t *s, const char *patient, const char *reason, int64_t *id,
                        msg_t *m)
{
	int64_t prow = 0, rrow = 0;
	char pid[33] = "", detail[64];
	int conf = 0;
	chain_t c;
	status_t ret;
	memset(&c, 0, sizeof c);
	if ((ret = session_require(s, ACT_LEGAL_HOLD, m)) != STATUS_OK)
		return ret;
	if ((ret = clean_reason("The reason for the hold", reason, m)) != STATUS_OK)
		return ret;
	if ((ret = patient_locate(s, patient, &prow, pid, &conf, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = chain_read(s, prow, pid, &c, m)) != STATUS_OK)
		goto done;
	if ((ret = append(s, prow, pid, &c, "hold", 0, NULL, reason, &rrow, m)) != STATUS_OK)
		goto done;
	snprintf(detail, sizeof detail, "legal hold %" PRId64 " placed", rrow);
	ret = audit_append(s, "legal_hold", pid, "ok", detail, m);
done:
	ret = finish(s, ret, m);
	chain_free(&c);
	if (ret == STATUS_INTEGRITY)
		integrity_report(s, pid, ret, m);
	if (ret == STATUS_OK) {
		if (id)
			*id = rrow;
		msg_set(m,
		        "Legal hold %" PRId64 " placed: the chart cannot be destroyed until it "
		        "is released.",
		        rrow);
	}
	return ret;
}

status_t retention_release(session_t *s, int64_t id, const char *reason, msg_t *m)
{
	int64_t prow = 0;
	char pid[33] = "", detail[64];
	db_patient_row_t *row = NULL;
	const db_ret_event_t *h;
	chain_t c;
	status_t ret;
	memset(&c, 0, sizeof c);
	if ((ret = session_require(s, ACT_LEGAL_HOLD, m)) != STATUS_OK)
		return ret;
	if ((ret = clean_reason("The reason for the release", reason, m)) != STATUS_OK)
		return ret;
	if (!(row = malloc(sizeof *row)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto out;
	if ((ret = db_retention_event_prow(s->c->db, id, &prow, m)) != STATUS_OK ||
	    (ret = db_patient_get_ident(s->c->db, prow, row, m)) != STATUS_OK)
		goto done;
	text_copy(pid, sizeof pid, row->id);
	if ((ret = chain_read(s, prow, pid, &c, m)) != STATUS_OK)
		goto done;
	h = find_event(&c, id);
	if (!h || strcmp(h->kind, "hold") != 0) {
		ret = msg_fail(m, STATUS_NOTFOUND, "%" PRId64 " is not a legal hold.", id);
		goto done;
	}
	for (int i = 0; i < c.n; i++)
		if (strcmp(c.v[i].kind, "release") == 0 && c.v[i].ref == id) {
			ret = msg_fail(m, STATUS_INVALID,
			               "Legal hold %" PRId64 " is already released.", id);
			goto done;
		}
	if ((ret = append(s, prow, pid, &c, "release", id, NULL, reason, NULL, m)) != STATUS_OK)
		goto done;
	snprintf(detail, sizeof detail, "legal hold %" PRId64 " released", id);
	ret = audit_append(s, "legal_hold_release", pid, "ok", detail, m);
done:
	ret = finish(s, ret, m);
out:
	chain_free(&c);
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	if (ret == STATUS_INTEGRITY)
		integrity_report(s, pid, ret, m);
	if (ret == STATUS_OK)
		msg_set(m, "Legal hold %" PRId64 " released.", id);
	return ret;
}

/* Each chart that has events of `kind`, with its chain read and checked:
 * fn(prow, pid, chain). Inside a read snapshot. */
static status_t each_chart_with(session_t *s, const char *kind,
                                status_t (*fn)(session_t *s, int64_t prow, const char *pid,
                                               const chain_t *c, void *arg, msg_t *m),
                                void *arg, msg_t *m)
{
	prows_t p = {0};
	db_patient_row_t *row = malloc(sizeof *row);
	status_t ret;
	if (!row)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = db_retention_prows_with(s->c->db, kind, take_prow, &p, m);
	if (ret == STATUS_OK && p.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (size_t i = 0; ret == STATUS_OK && i < p.n; i++) {
		chain_t c;
		char pid[33];
		if ((ret = db_patient_get_ident(s->c->db, p.v[i], row, m)) != STATUS_OK)
			break;
		text_copy(pid, sizeof pid, row->id);
		if ((ret = chain_read(s, p.v[i], pid, &c, m)) == STATUS_OK)
			ret = fn(s, p.v[i], pid, &c, arg, m);
		chain_free(&c);
		if (ret == STATUS_INTEGRITY)
			integrity_report(s, pid, ret, m);
	}
	free(p.v);
	sodium_memzero(row, sizeof *row);
	free(row);
	return ret;
}

typedef struct holds_ctx {
	int (*fn)(const retention_hold_info_t *h, void *arg);
	void *arg;
	int stop;
} holds_ctx_t;

static status_t hold_one(session_t *s, int64_t prow, const char *pid, const chain_t *c, void *arg,
                         msg_t *m)
{
	holds_ctx_t *h = arg;
	retention_hold_info_t *hi;
	status_t ret = STATUS_OK;
	if (h->stop)
		return STATUS_OK;
	if (!(hi = calloc(1, sizeof *hi)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (int i = 0; i < c->n && ret == STATUS_OK && !h->stop; i++) {
		int released = 0;
		if (strcmp(c->v[i].kind, "hold") != 0)
			continue;
		for (int j = i + 1; j < c->n; j++)
			if (strcmp(c->v[j].kind, "release") == 0 && c->v[j].ref == c->v[i].rrow)
				released = 1;
		if (released)
			continue;
		memset(hi, 0, sizeof *hi);
		hi->id = c->v[i].rrow;
		text_copy(hi->patient_id, sizeof hi->patient_id, pid);
		rights_patient_label(s, prow, hi->mrn, hi->name);
		text_copy(hi->at, sizeof hi->at, c->v[i].at);
		text_copy(hi->by, sizeof hi->by, c->v[i].by);
		if ((ret = reason_open(s, pid, &c->v[i], hi->reason, sizeof hi->reason, m)) !=
		    STATUS_OK)
			break;
		if (h->fn(hi, h->arg))
			h->stop = 1;
	}
	sodium_memzero(hi, sizeof *hi);
	free(hi);
	return ret;
}

status_t retention_holds(session_t *s, int (*fn)(const retention_hold_info_t *h, void *arg),
                         void *arg, msg_t *m)
{
	holds_ctx_t h = {fn, arg, 0};
	int reading = 0;
	status_t ret;
	if ((ret = session_require(s, ACT_LEGAL_HOLD, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "retention_list", "", "ok", "legal holds", 0, m)) != STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
		ret = each_chart_with(s, "hold", hold_one, &h, m);
	db_read_end(s->c->db, reading);
	return ret;
}

/* ---- proposals ------------------------------------------------------------ */

/* A chart merged into another (a merge in force) is refused on its own:
 * its records are on the survivor, and it goes when the survivor is
 * destroyed (retention_approve). */
static status_t merged_refused(session_t *s, int64_t prow, const char *mrn, msg_t *m)
{
	int64_t into = 0, id = 0;
	char keep[32] = "";
	status_t ret = merge_into(s, prow, &into, keep, &id, m);
	if (ret == STATUS_OK && into)
		ret = msg_fail(m, STATUS_CONFLICT,
		               "MRN %s was merged into MRN %s (merge %" PRId64 "): destroy the survivor.",
		               mrn, keep, id);
	return ret;
}

/* The charts merged into a survivor that is being destroyed: each is
 * destroyed with it (its patient row, tokens and the rows that stay
 * linked), under a certificate of its own. */
typedef struct merged_chart {
	int64_t prow;
	char pid[33];
	retention_item_t it;
} merged_chart_t;

static status_t merged_charts(session_t *s, int64_t prow, merged_chart_t *out, int *n, msg_t *m)
{
	int64_t rp[RET_MERGED_MAX];
	status_t ret = db_merge_retired_into(s->c->db, prow, rp, RET_MERGED_MAX, n, m);
	for (int k = 0; ret == STATUS_OK && k < *n; k++) {
		db_patient_row_t *row = malloc(sizeof *row);
		chain_t c;
		memset(&c, 0, sizeof c);
		out[k].prow = rp[k];
		if (!row)
			return msg_fail(m, STATUS_NOMEM, "Out of memory.");
		if ((ret = db_patient_get_ident(s->c->db, rp[k], row, m)) == STATUS_OK) {
			text_copy(out[k].pid, sizeof out[k].pid, row->id);
			if ((ret = chain_read(s, rp[k], out[k].pid, &c, m)) == STATUS_OK)
				ret = chart_state(s, rp[k], out[k].pid, &c, &out[k].it, m);
		}
		sodium_memzero(row, sizeof *row);
		free(row);
		chain_free(&c);
		if (ret == STATUS_OK && out[k].it.held)
			ret = msg_fail(m, STATUS_CONFLICT,
			               "MRN %s, merged into this chart, is under a legal hold: neither "
			               "can be destroyed.",
			               out[k].it.mrn);
	}
	return ret;
}

status_t retention_propose(session_t *s, const char *patient, const char *reason, int64_t *id,
                           msg_t *m)
{
	int64_t prow = 0, rrow = 0;
	char pid[33] = "", detail[96];
	int conf = 0;
	chain_t c;
	retention_item_t *it = NULL;
	status_t ret;
	memset(&c, 0, sizeof c);
	if ((ret = session_require(s, ACT_RETENTION_PROPOSE, m)) != STATUS_OK)
		return ret;
	if ((ret = clean_reason("The reason for the proposal", reason, m)) != STATUS_OK)
		return ret;
	if ((ret = patient_locate(s, patient, &prow, pid, &conf, m)) != STATUS_OK)
		return ret;
	if (!(it = malloc(sizeof *it)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto out;
	if ((ret = chain_read(s, prow, pid, &c, m)) != STATUS_OK ||
	    (ret = chart_state(s, prow, pid, &c, it, m)) != STATUS_OK)
		goto done;
	if (it->held) {
		ret =
		    msg_fail(m, STATUS_CONFLICT,
		             "MRN %s is under a legal hold: release it before proposing.", it->mrn);
		goto done;
	}
	if ((ret = merged_refused(s, prow, it->mrn, m)) != STATUS_OK)
		goto done;
	if (it->days_past < 0) {
		ret = msg_fail(m, STATUS_INVALID,
		               "MRN %s is not due for destruction until %s (%s rule, last activity "
		               "%s).",
		               it->mrn, it->due, it->rule, it->last);
		goto done;
	}
	if (it->proposal) {
		ret = msg_fail(m, STATUS_CONFLICT,
		               "MRN %s is already proposed for destruction (proposal %" PRId64
		               " by %s).",
		               it->mrn, it->proposal, it->proposed_by);
		goto done;
	}
	if ((ret = append(s, prow, pid, &c, "propose", 0, it->due, reason, &rrow, m)) != STATUS_OK)
		goto done;
	snprintf(detail, sizeof detail, "destruction proposal %" PRId64 " (%s rule, due %s)", rrow,
	         it->rule, it->due);
	ret = audit_append(s, "retention_propose", pid, "ok", detail, m);
done:
	ret = finish(s, ret, m);
out:
	chain_free(&c);
	if (ret == STATUS_INTEGRITY)
		integrity_report(s, pid, ret, m);
	if (ret == STATUS_OK) {
		if (id)
			*id = rrow;
		msg_set(m,
		        "Proposal %" PRId64 ": MRN %s proposed; waiting for the privacy officer.",
		        rrow, it->mrn);
	}
	sodium_memzero(it, sizeof *it);
	free(it);
	return ret;
}

/* The chart of proposal id, its chain, and the proposal's event (inside a
 * transaction or snapshot). */
static status_t proposal_chart(session_t *s, int64_t id, int64_t *prow, char pid[33], chain_t *c,
                               const db_ret_event_t **pr, msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	status_t ret;
	*pr = NULL;
	memset(c, 0, sizeof *c);
	if (!row)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_retention_event_prow(s->c->db, id, prow, m)) == STATUS_OK &&
	    (ret = db_patient_get_ident(s->c->db, *prow, row, m)) == STATUS_OK) {
		text_copy(pid, 33, row->id);
		ret = chain_read(s, *prow, pid, c, m);
	}
	if (ret == STATUS_NOTFOUND)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no proposal %" PRId64 ".", id);
	sodium_memzero(row, sizeof *row);
	free(row);
	if (ret != STATUS_OK)
		return ret;
	if (!(*pr = find_event(c, id)) || strcmp((*pr)->kind, "propose") != 0)
		return msg_fail(m, STATUS_NOTFOUND, "%" PRId64 " is not a destruction proposal.",
		                id);
	if (open_proposal(c) != *pr)
		return msg_fail(m, STATUS_INVALID,
		                "Proposal %" PRId64
		                " was rejected or withdrawn; HIM may propose the "
		                "chart again.",
		                id);
	return STATUS_OK;
}

status_t retention_reject(session_t *s, int64_t id, const char *reason, msg_t *m)
{
	int64_t prow = 0;
	char pid[33] = "", detail[64];
	chain_t c;
	const db_ret_event_t *pr = NULL;
	status_t ret;
	/* The privacy officer rejects; the proposer may withdraw. */
	int approver = perm_allowed(&s->c->cfg->perms, s->role, ACT_RETENTION_APPROVE);
	if ((ret = session_require(s, approver ? ACT_RETENTION_APPROVE : ACT_RETENTION_PROPOSE,
	                           m)) != STATUS_OK)
		return ret;
	if ((ret = clean_reason("The reason for the rejection", reason, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = proposal_chart(s, id, &prow, pid, &c, &pr, m)) != STATUS_OK)
		goto done;
	if (!approver && strcmp(pr->by, session_user_name(s)) != 0) {
		ret = msg_fail(m, STATUS_DENIED,
		               "Only the privacy officer, or %s who proposed it, may withdraw "
		               "proposal %" PRId64 ".",
		               pr->by, id);
		goto done;
	}
	if ((ret = append(s, prow, pid, &c, "reject", id, NULL, reason, NULL, m)) != STATUS_OK)
		goto done;
	snprintf(detail, sizeof detail, "destruction proposal %" PRId64 " %s", id,
	         approver ? "rejected" : "withdrawn");
	ret = audit_append(s, "retention_reject", pid, "ok", detail, m);
done:
	ret = finish(s, ret, m);
	chain_free(&c);
	if (ret == STATUS_INTEGRITY)
		integrity_report(s, pid, ret, m);
	if (ret == STATUS_OK)
		msg_set(m, "Proposal %" PRId64 " %s: the chart is kept.", id,
		        approver ? "rejected" : "withdrawn");
	return ret;
}

static status_t fill_proposal(session_t *s, int64_t prow, const char *pid, const chain_t *c,
                              const db_ret_event_t *pr, retention_proposal_t *out, msg_t *m)
{
	status_t ret;
	memset(out, 0, sizeof *out);
	out->id = pr->rrow;
	if ((ret = chart_state(s, prow, pid, c, &out->chart, m)) != STATUS_OK)
		return ret;
	return reason_open(s, pid, pr, out->reason, sizeof out->reason, m);
}

status_t retention_proposal(session_t *s, int64_t id, retention_proposal_t *out, msg_t *m)
{
	static const action_t acts[] = {ACT_RETENTION_APPROVE, ACT_RETENTION_PROPOSE};
	int64_t prow = 0;
	char pid[33] = "";
	chain_t c;
	const db_ret_event_t *pr = NULL;
	int reading = 0;
	status_t ret;
	memset(&c, 0, sizeof c);
	if ((ret = require_any(s, acts, 2, m)) != STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK &&
	    (ret = proposal_chart(s, id, &prow, pid, &c, &pr, m)) == STATUS_OK)
		ret = fill_proposal(s, prow, pid, &c, pr, out, m);
	db_read_end(s->c->db, reading);
	chain_free(&c);
	if (ret == STATUS_OK)
		ret = audit_note(s, "retention_view", pid, "ok", "proposal", 0, m);
	if (ret == STATUS_INTEGRITY)
		integrity_report(s, pid, ret, m);
	return ret;
}

typedef struct props_ctx {
	int (*fn)(const retention_proposal_t *p, void *arg);
	void *arg;
	int stop;
	retention_proposal_t *p;
} props_ctx_t;

static status_t proposal_one(session_t *s, int64_t prow, const char *pid, const chain_t *c,
                             void *arg, msg_t *m)
{
	props_ctx_t *x = arg;
	const db_ret_event_t *pr = open_proposal(c);
	status_t ret;
	if (x->stop || !pr)
		return STATUS_OK;
	if ((ret = fill_proposal(s, prow, pid, c, pr, x->p, m)) != STATUS_OK)
		return ret;
	if (x->fn(x->p, x->arg))
		x->stop = 1;
	return STATUS_OK;
}

status_t retention_proposals(session_t *s, int (*fn)(const retention_proposal_t *p, void *arg),
                             void *arg, msg_t *m)
{
	static const action_t acts[] = {ACT_RETENTION_APPROVE, ACT_RETENTION_PROPOSE};
	props_ctx_t x = {fn, arg, 0, NULL};
	int reading = 0;
	status_t ret;
	if ((ret = require_any(s, acts, 2, m)) != STATUS_OK)
		return ret;
	if (!(x.p = malloc(sizeof *x.p)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = audit_note(s, "retention_list", "", "ok", "destruction proposals", 0, m)) ==
	        STATUS_OK &&
	    (ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
		ret = each_chart_with(s, "propose", proposal_one, &x, m);
	db_read_end(s->c->db, reading);
	sodium_memzero(x.p, sizeof *x.p);
	free(x.p);
	return ret;
}

/* ---- destruction ---------------------------------------------------------- */

static status_t cert_mac(session_t *s, const db_ret_cert_t *c, unsigned char mac[32], msg_t *m)
{
	lpbuf_t b = {0};
	char num[160];
	status_t ret;
	lpbuf_str(&b, "chartroom:destruction_certificates:1");
	snprintf(num, sizeof num, "%" PRId64 "/%d/%" PRId64 "/%" PRId64 "/%d", c->n, c->key_version,
	         c->proposal, c->rows_removed, c->audit_version);
	lpbuf_str(&b, num);
	lpbuf_str(&b, c->patient_id);
	lpbuf_put(&b, c->mrn_token, c->mrn_token_len);
	lpbuf_str(&b, c->first_date);
	lpbuf_str(&b, c->last_date);
	lpbuf_str(&b, c->rule);
	lpbuf_str(&b, c->due);
	lpbuf_str(&b, c->method);
	lpbuf_str(&b, c->proposed_by);
	lpbuf_str(&b, c->proposed_at);
	lpbuf_str(&b, c->approved_by);
	lpbuf_str(&b, c->destroyed_at);
	if (b.bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	else
		ret = crypto_audit_mac(s->kr, c->audit_version, b.p, b.len, mac, m);
	lpbuf_free(&b);
	return ret;
}

status_t retention_approve(session_t *s, int64_t id, int64_t *cert, msg_t *m)
{
	int64_t prow = 0, rows = 0, rows_merged = 0;
	merged_chart_t *mc = NULL;
	int nmc = 0;
	char pid[33] = "", detail[160], head[48], mrn[24] = "";
	chain_t c;
	const db_ret_event_t *pr = NULL;
	retention_item_t *it = NULL;
	db_ret_cert_t *dc = NULL;
	int version = 0;
	msg_t cp;
	status_t ret;
	memset(&c, 0, sizeof c);
	if ((ret = session_require(s, ACT_RETENTION_APPROVE, m)) != STATUS_OK)
		return ret;
	if (!(it = malloc(sizeof *it)) || !(dc = calloc(1, sizeof *dc)) ||
	    !(mc = calloc(RET_MERGED_MAX, sizeof *mc))) {
		free(it);
		free(dc);
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto out;
	if ((ret = proposal_chart(s, id, &prow, pid, &c, &pr, m)) != STATUS_OK)
		goto done;
	/* Two people: whoever proposed it cannot approve it, whatever role
	 * they hold now. */
	if (strcmp(pr->by, session_user_name(s)) == 0) {
		ret = msg_fail(m, STATUS_DENIED,
		               "You proposed this destruction: another person must approve it.");
		goto done;
	}
	if ((ret = chart_state(s, prow, pid, &c, it, m)) != STATUS_OK)
		goto done;
	text_copy(mrn, sizeof mrn, it->mrn);
	if (it->held) {
		ret = msg_fail(m, STATUS_CONFLICT,
		               "MRN %s is under a legal hold: it cannot be destroyed.", it->mrn);
		goto done;
	}
	if ((ret = merged_refused(s, prow, it->mrn, m)) != STATUS_OK ||
	    (ret = merged_charts(s, prow, mc, &nmc, m)) != STATUS_OK)
		goto done;
	/* Still due: a visit since the proposal restarts the clock. */
	if (it->days_past < 0) {
		ret = msg_fail(m, STATUS_INVALID,
		               "MRN %s is no longer due for destruction (now due %s, last activity "
		               "%s): reject the proposal.",
		               it->mrn, it->due, it->last);
		goto done;
	}
	/* The certificate, before the rows go. */
	if ((ret = db_cert_next(s->c->db, &dc->n, m)) != STATUS_OK)
		goto done;
	text_copy(dc->patient_id, sizeof dc->patient_id, pid);
	if ((ret = patient_destroyed_token(s->kr, 0, it->mrn, dc->mrn_token, &version, m)) !=
	    STATUS_OK)
		goto done;
	dc->mrn_token_len = PATIENT_DESTROYED_TOKEN_LEN;
	dc->key_version = version;
	text_copy(dc->first_date, sizeof dc->first_date, it->first);
	text_copy(dc->last_date, sizeof dc->last_date, it->last);
	text_copy(dc->rule, sizeof dc->rule, it->rule);
	text_copy(dc->due, sizeof dc->due, it->due);
	text_copy(dc->method, sizeof dc->method, METHOD);
	dc->proposal = id;
	text_copy(dc->proposed_by, sizeof dc->proposed_by, pr->by);
	text_copy(dc->proposed_at, sizeof dc->proposed_at, pr->at);
	text_copy(dc->approved_by, sizeof dc->approved_by, session_user_name(s));
	core_now(dc->destroyed_at);
	/* The merge journal names the charts and keeps copies of their rows:
	 * every merge of this chart or of one merged into it goes first,
	 * leaving only the certificate's number (no PHI) for the unmerge to
	 * cite. */
	if ((ret = db_merge_forget(s->c->db, prow, dc->n, NULL, m)) != STATUS_OK)
		goto done;
	for (int k = 0; k < nmc; k++)
		if ((ret = db_merge_forget(s->c->db, mc[k].prow, dc->n, NULL, m)) != STATUS_OK)
			goto done;
	if ((ret = db_chart_destroy(s->c->db, prow, &rows, m)) != STATUS_OK)
		goto done;
	dc->rows_removed = rows;
	dc->audit_version = keyring_version(s->kr, DOMAIN_AUDIT);
	if ((ret = cert_mac(s, dc, dc->mac, m)) != STATUS_OK)
		goto done;
	dc->mac_len = 32;
	if ((ret = db_cert_insert(s->c->db, dc, m)) != STATUS_OK)
		goto done;
	/* The chart's head is closed on the trail: audit verify expects no
	 * head for it from now on, and a head that comes back is an error. */
	snprintf(head, sizeof head, "destroyed:%" PRId64, dc->n);
	snprintf(detail, sizeof detail,
	         "chart destroyed: certificate %" PRId64 ", proposal %" PRId64 " by %s, %" PRId64
	         " rows",
	         dc->n, id, pr->by, rows);
	if ((ret = audit_append_head(s, "chart_destroyed", pid, "ok", detail, head, m)) != STATUS_OK)
		goto done;
	/* Each chart merged into it: destroyed under a certificate of its own
	 * (its MRN then answers "destroyed"), its head closed on the trail. */
	for (int k = 0; k < nmc; k++) {
		db_ret_cert_t *rc = calloc(1, sizeof *rc);
		int64_t rrows = 0;
		if (!rc) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			goto done;
		}
		*rc = *dc;
		text_copy(rc->patient_id, sizeof rc->patient_id, mc[k].pid);
		text_copy(rc->first_date, sizeof rc->first_date, mc[k].it.first);
		text_copy(rc->last_date, sizeof rc->last_date, mc[k].it.last);
		snprintf(rc->method, sizeof rc->method, "%s; merged into the chart of certificate %" PRId64,
		         "rows deleted with SQLite secure_delete; WAL checkpointed", dc->n);
		if ((ret = db_cert_next(s->c->db, &rc->n, m)) == STATUS_OK &&
		    (ret = patient_destroyed_token(s->kr, 0, mc[k].it.mrn, rc->mrn_token, &version,
		                                   m)) == STATUS_OK) {
			rc->key_version = version;
			if ((ret = db_chart_destroy(s->c->db, mc[k].prow, &rrows, m)) == STATUS_OK) {
				rc->rows_removed = rrows;
				if ((ret = cert_mac(s, rc, rc->mac, m)) == STATUS_OK) {
					rc->mac_len = 32;
					ret = db_cert_insert(s->c->db, rc, m);
				}
			}
		}
		if (ret == STATUS_OK) {
			snprintf(head, sizeof head, "destroyed:%" PRId64, rc->n);
			snprintf(detail, sizeof detail,
			         "chart destroyed: certificate %" PRId64 ", merged into the chart of "
			         "certificate %" PRId64 ", %" PRId64 " rows",
			         rc->n, dc->n, rrows);
			ret = audit_append_head(s, "chart_destroyed", mc[k].pid, "ok", detail, head, m);
			rows_merged += rrows;
		}
		sodium_memzero(rc, sizeof *rc);
		free(rc);
		if (ret != STATUS_OK)
			goto done;
	}
done:
	ret = finish(s, ret, m);
out:
	chain_free(&c);
	if (ret == STATUS_INTEGRITY)
		integrity_report(s, pid, ret, m);
	if (ret == STATUS_OK) {
		char day[DATE_ISO_SIZE];
		if (cert)
			*cert = dc->n;
		rights_local_date(s, dc->destroyed_at, day);
		/* Empty the log now, so no copy of a destroyed page is left in
		 * it. Another session's open read can keep it from emptying. */
		char extra[200] = "";
		if (nmc == 1)
			snprintf(extra, sizeof extra,
			         " With the chart merged into it (certificate %" PRId64 ", %" PRId64
			         " rows).",
			         dc->n + 1, rows_merged);
		else if (nmc)
			snprintf(extra, sizeof extra,
			         " With %d charts merged into it (certificates %" PRId64 "-%" PRId64
			         ", %" PRId64 " rows).",
			         nmc, dc->n + 1, dc->n + nmc, rows_merged);
		if (db_checkpoint(s->c->db, &cp) == STATUS_OK)
			msg_set(m,
			        "MRN %s destroyed on %s: certificate %" PRId64 " (%" PRId64
			        " rows removed).%s",
			        mrn, day, dc->n, dc->rows_removed, extra);
		else
			msg_set(m,
			        "MRN %s destroyed on %s: certificate %" PRId64 " (%" PRId64
			        " rows removed).%s The database log could not be emptied yet (%s); "
			        "it will be at the next checkpoint.",
			        mrn, day, dc->n, dc->rows_removed, extra, cp.text);
	}
	sodium_memzero(mrn, sizeof mrn);
	if (it) {
		sodium_memzero(it, sizeof *it);
		free(it);
	}
	if (mc) {
		sodium_memzero(mc, RET_MERGED_MAX * sizeof *mc);
		free(mc);
	}
	free(dc);
	return ret;
}

/* ---- certificates --------------------------------------------------------- */

typedef struct certs_ctx {
	session_t *s;
	int (*fn)(const retention_cert_t *c, void *arg);
	void *arg;
	int found;
	status_t ret;
	msg_t *m;
} certs_ctx_t;

static int cert_one(const db_ret_cert_t *c, void *arg)
{
	certs_ctx_t *x = arg;
	unsigned char mac[32];
	retention_cert_t out;
	x->found = 1;
	if (c->toolong || c->mac_len != 32 ||
	    (x->ret = cert_mac(x->s, c, mac, x->m)) != STATUS_OK ||
	    sodium_memcmp(mac, c->mac, 32) != 0) {
		if (x->ret == STATUS_OK || x->ret == STATUS_CRYPTO)
			x->ret = integrity_fail(x->m, "destruction_certificates", c->n,
			                        "does not match its MAC");
		return 1;
	}
	memset(&out, 0, sizeof out);
	out.n = c->n;
	text_copy(out.patient_id, sizeof out.patient_id, c->patient_id);
	text_copy(out.first, sizeof out.first, c->first_date);
	text_copy(out.last, sizeof out.last, c->last_date);
	text_copy(out.rule, sizeof out.rule, c->rule);
	text_copy(out.due, sizeof out.due, c->due);
	text_copy(out.method, sizeof out.method, c->method);
	out.proposal = c->proposal;
	text_copy(out.proposed_by, sizeof out.proposed_by, c->proposed_by);
	text_copy(out.proposed_at, sizeof out.proposed_at, c->proposed_at);
	text_copy(out.approved_by, sizeof out.approved_by, c->approved_by);
	text_copy(out.destroyed_at, sizeof out.destroyed_at, c->destroyed_at);
	out.rows = c->rows_removed;
	return x->fn(&out, x->arg);
}

status_t retention_certificates(session_t *s, int64_t n,
                                int (*fn)(const retention_cert_t *c, void *arg), void *arg,
                                msg_t *m)
{
	static const action_t acts[] = {ACT_RETENTION_PROPOSE, ACT_RETENTION_APPROVE,
	                                ACT_AUDIT_VIEW};
	certs_ctx_t x = {s, fn, arg, 0, STATUS_OK, m};
	status_t ret;
	if ((ret = require_any(s, acts, 3, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "retention_list", "", "ok", "destruction certificates", 0, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = db_cert_each(s->c->db, n, cert_one, &x, m)) == STATUS_OK)
		ret = x.ret;
	if (ret == STATUS_OK && n && !x.found)
		ret = msg_fail(m, STATUS_NOTFOUND,
		               "There is no destruction certificate %" PRId64 ".", n);
	return ret;
}

/* ---- the work queue ------------------------------------------------------- */

typedef struct wait_ctx {
	int (*fn)(const retention_waiting_t *w, void *arg);
	void *arg;
	int stop;
	char today[DATE_ISO_SIZE];
} wait_ctx_t;

static int prop_waiting(const retention_proposal_t *p, void *arg)
{
	wait_ctx_t *x = arg;
	retention_waiting_t w;
	int ok = 0;
	memset(&w, 0, sizeof w);
	text_copy(w.kind, sizeof w.kind, "approval");
	w.proposal = p->id;
	w.prow = p->chart.prow;
	text_copy(w.patient_id, sizeof w.patient_id, p->chart.patient_id);
	text_copy(w.mrn, sizeof w.mrn, p->chart.mrn);
	text_copy(w.name, sizeof w.name, p->chart.name);
	text_copy(w.due, sizeof w.due, p->chart.proposed_at);
	w.due[10] = '\0';
	w.age_days = date_diff_days(w.due, x->today, &ok);
	if (!ok)
		w.age_days = 0;
	x->stop = x->fn(&w, x->arg);
	sodium_memzero(&w, sizeof w);
	return x->stop;
}

status_t retention_waiting(session_t *s, int (*fn)(const retention_waiting_t *w, void *arg),
                           void *arg, msg_t *m)
{
	wait_ctx_t x;
	status_t ret;
	memset(&x, 0, sizeof x);
	x.fn = fn;
	x.arg = arg;
	rights_today(s, x.today);
	if (perm_allowed(&s->c->cfg->perms, s->role, ACT_RETENTION_APPROVE))
		return retention_proposals(s, prop_waiting, &x, m);
	if ((ret = session_require(s, ACT_RETENTION_PROPOSE, m)) != STATUS_OK)
		return ret;
	{
		retention_item_t *v = NULL;
		size_t n = 0;
		int reading = 0;
		if ((ret = audit_note(s, "retention_list", "", "ok", "charts due for destruction",
		                      0, m)) != STATUS_OK)
			return ret;
		if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
			ret = due_charts(s, &v, &n, m);
		db_read_end(s->c->db, reading);
		for (size_t i = 0; ret == STATUS_OK && i < n; i++) {
			retention_waiting_t w;
			if (v[i].held || v[i].proposal)
				continue;
			memset(&w, 0, sizeof w);
			text_copy(w.kind, sizeof w.kind, "eligible");
			w.prow = v[i].prow;
			text_copy(w.patient_id, sizeof w.patient_id, v[i].patient_id);
			text_copy(w.mrn, sizeof w.mrn, v[i].mrn);
			text_copy(w.name, sizeof w.name, v[i].name);
			text_copy(w.due, sizeof w.due, v[i].due);
			w.age_days = v[i].days_past;
			int stop = fn(&w, arg);
			sodium_memzero(&w, sizeof w);
			if (stop)
				break;
		}
		items_free(v, n);
	}
	return ret;
}

/* ---- key rotation --------------------------------------------------------- */

status_t retention_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m)
{
	db_patient_row_t *row;
	chain_t c;
	status_t ret;
	int newest = keyring_version(s->kr, DOMAIN_DEMO), old = 0;
	unsigned char prev[RIGHTS_MAC_LEN];
	size_t prev_len = 0;
	if (rows)
		*rows = 0;
	memset(&c, 0, sizeof c);
	if (!(row = malloc(sizeof *row)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_patient_get_ident(s->c->db, prow, row, m)) != STATUS_OK)
		goto cleanup;
	/* The events as they stand, checked under the versions they name. */
	memset(&c, 0, sizeof c);
	c.s = s;
	c.pid = row->id;
	c.m = m;
	if ((ret = db_retention_events(s->c->db, prow, chain_each, &c, m)) == STATUS_OK)
		ret = c.ret;
	if (ret != STATUS_OK)
		goto cleanup;
	for (int i = 0; i < c.n; i++)
		if (c.v[i].mac[1] != newest ||
		    crypto_blob_version(c.v[i].reason, c.v[i].reason_len) != newest)
			old = 1;
	for (int i = 0; old && i < c.n && ret == STATUS_OK; i++) {
		db_ret_event_t *e = &c.v[i];
		char rowid[24], *f[1] = {NULL};
		unsigned char *ct = NULL;
		size_t ctn = 0;
		lpbuf_t b = {0};
		snprintf(rowid, sizeof rowid, "%" PRId64, e->rrow);
		if ((ret = rights_open(s, EV_TABLE, rowid, row->id, e->reason, e->reason_len, f, 1,
		                       m)) != STATUS_OK)
			break;
		ret = rights_seal(s, EV_TABLE, rowid, row->id, (const char *const *)f, 1, &ct, &ctn,
		                  m);
		rights_fields_free(f, 1);
		if (ret == STATUS_OK && ctn > sizeof e->reason)
			ret = msg_fail(m, STATUS_INVALID, "The reason is too long.");
		if (ret == STATUS_OK) {
			memcpy(e->reason, ct, ctn);
			e->reason_len = ctn;
		}
		free(ct);
		if (ret == STATUS_OK &&
		    (ret = event_mac_data(e, row->id, prev, prev_len, &b, m)) == STATUS_OK)
			ret = rights_mac(s, b.p, b.len, e->mac, m);
		lpbuf_free(&b);
		if (ret != STATUS_OK)
			break;
		e->mac_len = RIGHTS_MAC_LEN;
		memcpy(prev, e->mac, RIGHTS_MAC_LEN);
		prev_len = RIGHTS_MAC_LEN;
		if ((ret = db_retention_reseal(s->c->db, e, m)) != STATUS_OK)
			break;
		if (rows)
			(*rows)++;
	}
cleanup:
	chain_free(&c);
	sodium_memzero(row, sizeof *row);
	free(row);
	return ret;
}
