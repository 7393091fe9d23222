/* deficiency.c - chart deficiencies computed from the chart, HIM's
 * reminders, the delinquency measure (core/deficiency.h). */
#include "core/deficiency.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/date.h"
#include "base/lpbuf.h"
#include "base/text.h"
#include "core/audit.h"
#include "core/crypto.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/precord.h"
#include "db/db_deficiency.h"

#define REMINDER_MAC_FORMAT 1
#define REMINDER_MAC_LEN (2 + CRYPTO_IMAC_LEN)

static const char *kind_text(char k)
{
	switch (k) {
	case 'D':
		return "Draft note not signed";
	case 'A':
		return "Addendum not signed";
	case 'O':
		return "Encounter still open";
	case 'X':
		return "Closed without a diagnosis";
	case 'C':
		return "Countersignature needed";
	default:
		return "?";
	}
}

/* Whole days from a stored time to another (their dates). */
static int days_between(const char *a, const char *b)
{
	struct tm ta, tb;
	char da[DATE_ISO_SIZE], db_[DATE_ISO_SIZE];
	memset(&ta, 0, sizeof ta);
	memset(&tb, 0, sizeof tb);
	text_copy(da, sizeof da, a);
	text_copy(db_, sizeof db_, b);
	if (date_split_iso(da, &ta.tm_year, &ta.tm_mon, &ta.tm_mday) != 0 ||
	    date_split_iso(db_, &tb.tm_year, &tb.tm_mon, &tb.tm_mday) != 0)
		return 0;
	ta.tm_year -= 1900;
	tb.tm_year -= 1900;
	ta.tm_mon--;
	tb.tm_mon--;
	return (int)((timegm(&tb) - timegm(&ta)) / 86400);
}

/* now minus days, stored form. */
static void days_before(const char *now, int days, char out[24])
{
	struct tm tm;
	time_t t;
	memset(&tm, 0, sizeof tm);
	if (sscanf(now, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
		text_copy(out, 24, now);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon--;
	t = timegm(&tm) - (time_t)days * 86400;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ",nurse,student," from "nurse, student". */
static void role_set(const char *list, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	if (size < 2)
		return;
	out[used++] = ',';
	for (const char *p = list; *p && used + 2 < size; p++) {
		if (*p == ' ')
			continue;
		if (*p == ',' && out[used - 1] == ',')
			continue;
		out[used++] = *p;
	}
	if (out[used - 1] != ',')
		out[used++] = ',';
	out[used] = '\0';
	if (used == 1)
		out[0] = '\0';
}

/* ---- the scan -------------------------------------------------------- */

typedef struct found {
	deficiency_t *v;
	int n, cap;
} found_t;

struct scan_ctx {
	session_t *s;
	chart_t ch;
	int loaded;
	found_t *out;
	char now[24];
	int delinquent_days;
	char mrn[24], name[160];
	status_t ret;
	msg_t *m;
	int verified; /* the last row checked against its chart */
};

static int verify_note(const db_note_t *n, void *arg)
{
	struct scan_ctx *c = arg;
	if ((c->ret = chart_verify_note(c->s, &c->ch, n, c->m)) == STATUS_OK)
		c->verified = 1;
	return 1;
}

static int verify_enc(const db_encounter_t *e, void *arg)
{
	struct scan_ctx *c = arg;
	if ((c->ret = chart_verify_encounter(c->s, &c->ch, e, c->m)) == STATUS_OK)
		c->verified = 1;
	return 1;
}

/* Load (and so check) the chart of prow, and read its MRN and name. */
static status_t load_chart(struct scan_ctx *c, int64_t prow)
{
	patient_t *p;
	status_t ret;
	chart_free(&c->ch);
	memset(&c->ch, 0, sizeof c->ch);
	c->loaded = 1;
	if ((ret = chart_load(c->s, prow, &c->ch, c->m)) != STATUS_OK)
		return ret;
	/* The sets a deficiency is decided from, each checked whole against
	 * the chart head: a note, encounter or diagnosis added, removed or put
	 * back outside Chartroom would otherwise make or clear one. */
	if ((ret = chart_verify(c->s, &c->ch, DB_CT_NOTES, c->m)) != STATUS_OK ||
	    (ret = chart_verify(c->s, &c->ch, DB_CT_ENCOUNTERS, c->m)) != STATUS_OK ||
	    (ret = chart_verify(c->s, &c->ch, DB_CT_CODING, c->m)) != STATUS_OK)
		return ret;
	if (!(p = malloc(sizeof *p)))
		return msg_fail(c->m, STATUS_NOMEM, "Out of memory.");
	ret = precord_open(c->s->kr, c->ch.patient, p, 1, CLINIC_OPEN_FLAGS(c->s->c), c->m);
	if (ret == STATUS_OK) {
		text_copy(c->mrn, sizeof c->mrn, p->f[PF_MRN]);
		snprintf(c->name, sizeof c->name, "%.70s, %.70s", p->f[PF_LAST], p->f[PF_FIRST]);
	}
	sodium_memzero(p, sizeof *p);
	free(p);
	return ret;
}

static int scan_each(const db_deficiency_t *d, void *arg)
{
	struct scan_ctx *c = arg;
	deficiency_t *o;
	if (!c->loaded || c->ch.prow != d->prow)
		if ((c->ret = load_chart(c, d->prow)) != STATUS_OK)
			return 1;
	/* The row the deficiency comes from, checked against its chart. */
	c->verified = 0;
	if (d->kind == 'O' || d->kind == 'X')
		c->ret = db_encounter_get(c->s->c->db, d->row, verify_enc, c, c->m);
	else
		c->ret = db_note_get(c->s->c->db, d->row, verify_note, c, c->m);
	if (c->ret == STATUS_OK && !c->verified)
		c->ret = integrity_fail(c->m, d->kind == 'O' || d->kind == 'X' ? "encounters" : "notes",
					d->row, "is missing");
	if (c->ret != STATUS_OK)
		return 1;
	if (c->out->n == c->out->cap) {
		int cap = c->out->cap ? c->out->cap * 2 : 32;
		deficiency_t *v = realloc(c->out->v, (size_t)cap * sizeof *v);
		if (!v) {
			c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory.");
			return 1;
		}
		c->out->v = v;
		c->out->cap = cap;
	}
	o = &c->out->v[c->out->n++];
	memset(o, 0, sizeof *o);
	snprintf(o->id, sizeof o->id, "%c%lld", d->kind, (long long)d->row);
	o->kind = d->kind;
	o->what = kind_text(d->kind);
	o->note = (d->kind == 'O' || d->kind == 'X') ? 0 : d->row;
	o->erow = d->erow;
	text_copy(o->patient_id, sizeof o->patient_id, c->ch.pid);
	text_copy(o->mrn, sizeof o->mrn, c->mrn);
	text_copy(o->name, sizeof o->name, c->name);
	text_copy(o->assigned, sizeof o->assigned, d->who);
	text_copy(o->since, sizeof o->since, d->since);
	o->age_days = days_between(d->since, c->now);
	o->delinquent = o->age_days > c->delinquent_days;
	return 0;
}

static int by_since(const void *a, const void *b)
{
	const deficiency_t *x = a, *y = b;
	int r = strcmp(x->since, y->since);
	return r ? r : strcmp(x->id, y->id);
}

static void found_free(found_t *f)
{
	if (f->v)
		sodium_memzero(f->v, (size_t)f->cap * sizeof *f->v);
	free(f->v);
	memset(f, 0, sizeof *f);
}

/* ---- reminders ------------------------------------------------------- */

static status_t reminder_mac(session_t *s, const db_reminder_t *r, const char *pid, int version,
			     unsigned char out[REMINDER_MAC_LEN], msg_t *m)
{
	lpbuf_t b = {0};
	char num[24];
	status_t ret;
	if (version <= 0)
		version = keyring_version(s->kr, DOMAIN_DEMO);
	if (!keyring_has(s->kr, DOMAIN_DEMO))
		return msg_fail(m, STATUS_DENIED,
				"Your account does not hold the demo key reminders are checked "
				"with.");
	snprintf(num, sizeof num, "%lld", (long long)r->rrow);
	lpbuf_str(&b, "chartroom:deficiency_reminders:1");
	lpbuf_str(&b, num);
	lpbuf_str(&b, pid);
	lpbuf_str(&b, r->deficiency);
	lpbuf_str(&b, r->to_user);
	lpbuf_str(&b, r->sent_at);
	lpbuf_str(&b, r->sent_by);
	lpbuf_str(&b, r->seen_at);
	if (b.bad) {
		lpbuf_free(&b);
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	out[0] = REMINDER_MAC_FORMAT;
	out[1] = (unsigned char)version;
	ret = crypto_integrity_mac(s->kr, version, b.p, b.len, out + 2, NULL, m);
	lpbuf_free(&b);
	return ret;
}

/* The patient id of prow (for the MAC), as stored. */
static status_t patient_id_of(session_t *s, int64_t prow, char pid[33], msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	status_t ret;
	if (!row)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_patient_get_ident(s->c->db, prow, row, m)) == STATUS_OK)
		text_copy(pid, 33, row->id);
	free(row);
	return ret;
}

static status_t reminder_check(session_t *s, const db_reminder_t *r, msg_t *m)
{
	unsigned char mac[REMINDER_MAC_LEN];
	char pid[33] = "";
	int version = 0;
	status_t ret;
	if (r->mac_len == REMINDER_MAC_LEN && r->mac[0] == REMINDER_MAC_FORMAT && r->mac[1] &&
	    keyring_has_version(s->kr, DOMAIN_DEMO, r->mac[1]))
		version = r->mac[1];
	if ((ret = patient_id_of(s, r->prow, pid, m)) != STATUS_OK && ret != STATUS_NOTFOUND)
		return ret;
	if (ret == STATUS_OK &&
	    (ret = reminder_mac(s, r, pid, version, mac, m)) != STATUS_OK)
		return ret;
	if (ret != STATUS_OK || r->toolong || r->mac_len != REMINDER_MAC_LEN ||
	    sodium_memcmp(mac, r->mac, REMINDER_MAC_LEN) != 0)
		return integrity_fail(m, "deficiency_reminders", r->rrow, "does not match its MAC");
	return STATUS_OK;
}

struct rem_ctx {
	session_t *s;
	db_reminder_t *v;
	int n, cap;
	status_t ret;
	msg_t *m;
};

static int rem_each(const db_reminder_t *r, void *arg)
{
	struct rem_ctx *c = arg;
	if ((c->ret = reminder_check(c->s, r, c->m)) != STATUS_OK)
		return 1;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		db_reminder_t *v = realloc(c->v, (size_t)cap * sizeof *v);
		if (!v) {
			c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory.");
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *r;
	return 0;
}

/* ---- computing ------------------------------------------------------- */

static int may_list(session_t *s)
{
	return session_can(s, ACT_HIM_RECORDS) || session_can(s, ACT_REPORTS_VIEW) ||
	       session_can(s, ACT_NOTE_WRITE) || session_can(s, ACT_NOTE_SIGN);
}

static int sees_all(session_t *s)
{
	return session_can(s, ACT_HIM_RECORDS) || session_can(s, ACT_REPORTS_VIEW);
}

/* Every deficiency now, checked, oldest first, with its reminder count;
 * inside one read snapshot. */
static status_t compute(session_t *s, const char *who, found_t *out, msg_t *m)
{
	struct scan_ctx *c;
	struct rem_ctx r;
	db_deficiency_query_t q;
	char drafts_before[24], open_before[24], roles[160];
	status_t ret;
	int reading = 0;
	const config_t *cfg = s->c->cfg;
	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	if (!(c = calloc(1, sizeof *c)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	c->s = s;
	c->out = out;
	c->m = m;
	c->delinquent_days = cfg->delinquent_days;
	core_now(c->now);
	days_before(c->now, cfg->draft_deficiency_days, drafts_before);
	days_before(c->now, cfg->open_encounter_days, open_before);
	role_set(cfg->countersign_roles, roles, sizeof roles);
	q.drafts_before = drafts_before;
	q.open_before = open_before;
	q.cosign_roles = roles;
	q.who = who;
	r.s = s;
	r.m = m;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK &&
	    (ret = db_deficiency_scan(s->c->db, &q, scan_each, c, m)) == STATUS_OK &&
	    (ret = c->ret) == STATUS_OK &&
	    (ret = db_reminder_list(s->c->db, NULL, 0, rem_each, &r, m)) == STATUS_OK)
		ret = r.ret;
	db_read_end(s->c->db, reading);
	if (ret == STATUS_OK) {
		for (int i = 0; i < out->n; i++)
			for (int j = 0; j < r.n; j++)
				if (strcmp(out->v[i].id, r.v[j].deficiency) == 0)
					out->v[i].reminders++;
		if (out->n > 1)
			qsort(out->v, (size_t)out->n, sizeof *out->v, by_since);
	} else {
		ret = integrity_report(s, c->ch.pid, ret, m);
		found_free(out);
	}
	chart_free(&c->ch);
	free(r.v);
	sodium_memzero(c, sizeof *c);
	free(c);
	return ret;
}

struct clear_ctx {
	int (*fn)(const struct db_deficiency *d, const char *what, void *arg);
	void *arg;
};

static int clear_each(const db_deficiency_t *d, void *arg)
{
	struct clear_ctx *c = arg;
	return c->fn(d, kind_text(d->kind), c->arg);
}

status_t deficiency_scan_clear(session_t *s,
			       int (*fn)(const struct db_deficiency *d, const char *what, void *arg),
			       void *arg, msg_t *m)
{
	db_deficiency_query_t q;
	char now[24], drafts_before[24], open_before[24], roles[160];
	struct clear_ctx c = {fn, arg};
	const config_t *cfg = s->c->cfg;
	core_now(now);
	days_before(now, cfg->draft_deficiency_days, drafts_before);
	days_before(now, cfg->open_encounter_days, open_before);
	role_set(cfg->countersign_roles, roles, sizeof roles);
	q.drafts_before = drafts_before;
	q.open_before = open_before;
	q.cosign_roles = roles;
	q.who = NULL;
	return db_deficiency_scan(s->c->db, &q, clear_each, &c, m);
}

status_t deficiency_list(session_t *s, const char *assignee,
			 int (*fn)(const deficiency_t *d, void *arg), void *arg, msg_t *m)
{
	found_t f;
	status_t ret;
	char detail[120];
	if (!may_list(s))
		return session_require(s, ACT_HIM_RECORDS, m);
	if (!sees_all(s)) {
		if (assignee && *assignee && strcmp(assignee, s->user.name) != 0)
			return msg_fail(m, STATUS_DENIED,
					"You may list only your own deficiencies; HIM lists "
					"everyone's.");
		assignee = s->user.name;
	}
	snprintf(detail, sizeof detail, "deficiencies of %s",
		 assignee && *assignee ? assignee : "everyone");
	if ((ret = audit_note(s, "deficiency_list", "", "ok", detail, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = compute(s, assignee, &f, m)) != STATUS_OK)
		return ret;
	for (int i = 0; i < f.n; i++) {
		if (assignee && *assignee && strcmp(f.v[i].assigned, assignee) != 0)
			continue;
		if (fn(&f.v[i], arg))
			break;
	}
	found_free(&f);
	return STATUS_OK;
}

/* "d12" or "D12" -> "D12"; 0 when it is not an id. */
static int parse_id(const char *in, char out[24])
{
	char k;
	const char *p;
	if (!in || !*in)
		return 0;
	k = (char)toupper((unsigned char)in[0]);
	if (!strchr("DAOXC", k))
		return 0;
	for (p = in + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	if (p - in < 2 || p - in > 19 || in[1] == '0')
		return 0;
	snprintf(out, 24, "%c%s", k, in + 1);
	return 1;
}

static status_t find_one(session_t *s, const char *id, deficiency_t *out, msg_t *m)
{
	found_t f;
	status_t ret;
	char want[24];
	if (!parse_id(id, want))
		return msg_fail(m, STATUS_INVALID,
				"'%.24s' is not a deficiency id (a letter D A O X C and a number, "
				"as deficiency list shows).",
				id ? id : "");
	if ((ret = compute(s, NULL, &f, m)) != STATUS_OK)
		return ret;
	ret = msg_fail(m, STATUS_NOTFOUND,
		       "There is no deficiency %s (it may have been resolved).", want);
	for (int i = 0; i < f.n; i++)
		if (strcmp(f.v[i].id, want) == 0) {
			*out = f.v[i];
			msg_clear(m);
			ret = STATUS_OK;
			break;
		}
	found_free(&f);
	return ret;
}

status_t deficiency_get(session_t *s, const char *id, deficiency_t *out, msg_t *m)
{
	status_t ret;
	memset(out, 0, sizeof *out);
	if (!may_list(s))
		return session_require(s, ACT_HIM_RECORDS, m);
	if ((ret = find_one(s, id, out, m)) != STATUS_OK)
		return ret;
	if (!sees_all(s) && strcmp(out->assigned, s->user.name) != 0) {
		memset(out, 0, sizeof *out);
		return msg_fail(m, STATUS_DENIED, "Deficiency %s is not yours.", id);
	}
	return audit_note(s, "deficiency_view", out->patient_id, "ok", out->id, 0, m);
}

status_t deficiency_count_mine(session_t *s, int *count, int *delinquent, msg_t *m)
{
	found_t f;
	status_t ret;
	*count = 0;
	if (delinquent)
		*delinquent = 0;
	if (!session_can(s, ACT_NOTE_WRITE) && !session_can(s, ACT_NOTE_SIGN))
		return STATUS_OK;
	if ((ret = compute(s, s->user.name, &f, m)) != STATUS_OK)
		return ret;
	for (int i = 0; i < f.n; i++)
		if (strcmp(f.v[i].assigned, s->user.name) == 0) {
			(*count)++;
			if (delinquent && f.v[i].delinquent)
				(*delinquent)++;
		}
	found_free(&f);
	return STATUS_OK;
}

static status_t finish(session_t *s, status_t ret, msg_t *m)
{
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

status_t deficiency_remind(session_t *s, const char *id, msg_t *m)
{
	deficiency_t d;
	db_reminder_t r;
	int64_t prow = 0;
	status_t ret;
	char detail[160], pid[33];
	int conf = 0;
	if ((ret = session_require(s, ACT_HIM_RECORDS, m)) != STATUS_OK)
		return ret;
	if ((ret = find_one(s, id, &d, m)) != STATUS_OK)
		return ret;
	memset(&r, 0, sizeof r);
	if ((ret = patient_locate(s, d.patient_id, &prow, pid, &conf, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	r.prow = prow;
	text_copy(r.deficiency, sizeof r.deficiency, d.id);
	text_copy(r.to_user, sizeof r.to_user, d.assigned);
	core_now(r.sent_at);
	text_copy(r.sent_by, sizeof r.sent_by, s->user.name);
	if ((ret = db_reminder_next(s->c->db, &r.rrow, m)) == STATUS_OK &&
	    (ret = reminder_mac(s, &r, d.patient_id, 0, r.mac, m)) == STATUS_OK) {
		r.mac_len = REMINDER_MAC_LEN;
		snprintf(detail, sizeof detail, "reminder %lld to %s about %s", (long long)r.rrow,
			 d.assigned, d.id);
		if ((ret = db_reminder_insert(s->c->db, &r, m)) == STATUS_OK)
			ret = audit_append(s, "deficiency_remind", d.patient_id, "ok", detail, m);
	}
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "%s will be reminded of %s (%s) at their next sign-on.", d.assigned,
			d.id, d.what);
	return ret;
}

status_t deficiency_reminders_take(session_t *s, int *count, char *ids, size_t size, msg_t *m)
{
	struct rem_ctx r;
	found_t f;
	status_t ret;
	size_t used = 0;
	memset(&r, 0, sizeof r);
	memset(&f, 0, sizeof f);
	*count = 0;
	if (ids && size)
		ids[0] = '\0';
	r.s = s;
	r.m = m;
	if ((ret = db_reminder_list(s->c->db, s->user.name, 1, rem_each, &r, m)) != STATUS_OK ||
	    (ret = r.ret) != STATUS_OK || !r.n)
		goto cleanup;
	if ((ret = compute(s, s->user.name, &f, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	for (int i = 0; i < r.n && ret == STATUS_OK; i++) {
		db_reminder_t *x = &r.v[i];
		char pid[33] = "";
		int open = 0;
		for (int j = 0; j < f.n; j++)
			if (strcmp(f.v[j].id, x->deficiency) == 0)
				open = 1;
		core_now(x->seen_at);
		if ((ret = patient_id_of(s, x->prow, pid, m)) != STATUS_OK ||
		    (ret = reminder_mac(s, x, pid, 0, x->mac, m)) != STATUS_OK ||
		    (ret = db_reminder_seen(s->c->db, x->rrow, x->seen_at, x->mac, REMINDER_MAC_LEN,
					    m)) != STATUS_OK)
			break;
		if (open) {
			(*count)++;
			if (ids && size > used + 1) {
				int n = snprintf(ids + used, size - used, "%s%s", used ? ", " : "",
						 x->deficiency);
				if (n > 0 && (size_t)n < size - used)
					used += (size_t)n;
			}
		}
	}
	if (ret == STATUS_OK && r.n)
		ret = audit_append(s, "deficiency_reminders_seen", "", "ok", ids ? ids : "", m);
	ret = finish(s, ret, m);
cleanup:
	found_free(&f);
	free(r.v);
	return ret;
}

status_t deficiency_reminders_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m)
{
	struct rem_ctx r;
	status_t ret;
	char pid[33] = "";
	int newest = keyring_version(s->kr, DOMAIN_DEMO);
	memset(&r, 0, sizeof r);
	r.s = s;
	r.m = m;
	if (rows)
		*rows = 0;
	if ((ret = db_reminder_list_chart(s->c->db, prow, rem_each, &r, m)) != STATUS_OK ||
	    (ret = r.ret) != STATUS_OK || !r.n)
		goto cleanup;
	if ((ret = patient_id_of(s, prow, pid, m)) != STATUS_OK)
		goto cleanup;
	for (int i = 0; i < r.n && ret == STATUS_OK; i++) {
		db_reminder_t *x = &r.v[i];
		if (x->mac[1] == newest)
			continue;
		if ((ret = reminder_mac(s, x, pid, 0, x->mac, m)) == STATUS_OK &&
		    (ret = db_reminder_set_mac(s->c->db, x->rrow, x->mac, REMINDER_MAC_LEN, m)) ==
			STATUS_OK &&
		    rows)
			(*rows)++;
	}
cleanup:
	free(r.v);
	return ret;
}

/* ---- reports --------------------------------------------------------- */

static int may_report(session_t *s)
{
	return session_can(s, ACT_HIM_RECORDS) || session_can(s, ACT_REPORTS_VIEW);
}

/* Delinquent records (distinct encounters) among f's rows of user; when
 * month is given only the deficiencies of that month count. */
static int delinquent_records(const found_t *f, const char *user, const char *month)
{
	int n = 0;
	for (int i = 0; i < f->n; i++) {
		const deficiency_t *d = &f->v[i];
		int seen = 0;
		if (!d->delinquent || strcmp(d->assigned, user) != 0 ||
		    (month && strncmp(d->since, month, 7) != 0))
			continue;
		for (int j = 0; j < i && !seen; j++) {
			const deficiency_t *e = &f->v[j];
			seen = e->delinquent && e->erow == d->erow && strcmp(e->assigned, user) == 0 &&
			       (!month || strncmp(e->since, month, 7) == 0);
		}
		if (!seen)
			n++;
	}
	return n;
}

static int by_user_month(const void *a, const void *b)
{
	const deficiency_t *x = a, *y = b;
	int r = strcmp(x->assigned, y->assigned);
	return r ? r : strncmp(x->since, y->since, 7);
}

status_t deficiency_by_month(session_t *s, int (*fn)(const deficiency_month_t *r, void *arg),
			     void *arg, msg_t *m)
{
	found_t f;
	status_t ret;
	if (!may_report(s))
		return session_require(s, ACT_REPORTS_VIEW, m);
	if ((ret = audit_note(s, "deficiency_report", "", "ok", "by month", 0, m)) != STATUS_OK)
		return ret;
	if ((ret = compute(s, NULL, &f, m)) != STATUS_OK)
		return ret;
	if (f.n > 1)
		qsort(f.v, (size_t)f.n, sizeof *f.v, by_user_month);
	for (int i = 0; i < f.n;) {
		deficiency_month_t r;
		int j = i;
		memset(&r, 0, sizeof r);
		text_copy(r.user, sizeof r.user, f.v[i].assigned);
		snprintf(r.month, sizeof r.month, "%.7s", f.v[i].since);
		while (j < f.n && strcmp(f.v[j].assigned, r.user) == 0 &&
		       strncmp(f.v[j].since, r.month, 7) == 0)
			j++;
		r.deficiencies = j - i;
		r.delinquent_records = delinquent_records(&f, r.user, r.month);
		i = j;
		if (fn(&r, arg))
			break;
	}
	found_free(&f);
	return STATUS_OK;
}

struct dis_ctx {
	delinquency_row_t *v;
	int n, cap;
	int oom;
};

static delinquency_row_t *row_for(struct dis_ctx *c, const char *who)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->v[i].provider, who) == 0)
			return &c->v[i];
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		delinquency_row_t *v = realloc(c->v, (size_t)cap * sizeof *v);
		if (!v) {
			c->oom = 1;
			return NULL;
		}
		c->v = v;
		c->cap = cap;
	}
	memset(&c->v[c->n], 0, sizeof c->v[c->n]);
	text_copy(c->v[c->n].provider, sizeof c->v[c->n].provider, who);
	return &c->v[c->n++];
}

static int dis_each(const char *who, const char *month, int64_t n, void *arg)
{
	struct dis_ctx *c = arg;
	delinquency_row_t *r = row_for(c, who);
	(void)month;
	if (!r)
		return 1;
	r->avg_discharges += (double)n; /* the total until divided */
	return 0;
}

static int by_provider(const void *a, const void *b)
{
	return strcmp(((const delinquency_row_t *)a)->provider,
		      ((const delinquency_row_t *)b)->provider);
}

status_t deficiency_delinquency(session_t *s, int months,
				int (*fn)(const delinquency_row_t *r, void *arg), void *arg,
				msg_t *m)
{
	struct dis_ctx c;
	found_t f;
	status_t ret;
	char now[24], from[40], to[40];
	int y, mo, reading = 0;
	memset(&c, 0, sizeof c);
	memset(&f, 0, sizeof f);
	if (!may_report(s))
		return session_require(s, ACT_REPORTS_VIEW, m);
	if (months < 1 || months > 24)
		return msg_fail(m, STATUS_INVALID, "--months must be 1 to 24 (got %d).", months);
	if ((ret = audit_note(s, "deficiency_report", "", "ok", "delinquency", 0, m)) != STATUS_OK)
		return ret;
	/* The last `months` full months: [first of (this month - months), first of this month). */
	core_now(now);
	if (sscanf(now, "%4d-%2d", &y, &mo) != 2 || y < 1000 || y > 9999 || mo < 1 || mo > 12)
		return msg_fail(m, STATUS_INVALID, "The clock reads no date.");
	snprintf(to, sizeof to, "%04d-%02d-01T00:00:00Z", y, mo);
	mo -= months;
	while (mo < 1) {
		mo += 12;
		y--;
	}
	snprintf(from, sizeof from, "%04d-%02d-01T00:00:00Z", y, mo);
	if ((ret = compute(s, NULL, &f, m)) != STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
		ret = db_discharges(s->c->db, from, to, dis_each, &c, m);
	db_read_end(s->c->db, reading);
	if (ret == STATUS_OK && c.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (int i = 0; ret == STATUS_OK && i < f.n; i++) {
		delinquency_row_t *r = row_for(&c, f.v[i].assigned);
		if (!r) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			break;
		}
		r->deficiencies++;
	}
	if (ret != STATUS_OK)
		goto cleanup;
	if (c.n > 1)
		qsort(c.v, (size_t)c.n, sizeof *c.v, by_provider);
	for (int i = 0; i < c.n; i++) {
		delinquency_row_t *r = &c.v[i];
		r->avg_discharges /= months;
		r->delinquent_records = delinquent_records(&f, r->provider, NULL);
		r->rate = r->avg_discharges > 0 ? 100.0 * r->delinquent_records / r->avg_discharges
						: -1;
		if (fn(r, arg))
			break;
	}
cleanup:
	found_free(&f);
	free(c.v);
	return ret;
}
