/* chart_track.c - paper-chart tracking (core/chart_track.h). */
#include "core/chart_track.h"

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
#include "core/notsame.h"
#include "core/precord.h"
#include "core/request.h"
#include "core/rights.h"
#include "db/db_patients.h"
#include "db/db_tracking.h"

#define TRACK_MAC_FORMAT 1
#define TRACK_MAC_LEN (2 + CRYPTO_IMAC_LEN)
#define VOLUMES_MAX 99

static status_t track_mac(session_t *s, const db_track_t *t, const char *pid,
			  const unsigned char *prev, size_t prev_len, int version,
			  unsigned char out[TRACK_MAC_LEN], msg_t *m)
{
	lpbuf_t b = {0};
	char num[48];
	status_t ret;
	if (version <= 0)
		version = keyring_version(s->kr, DOMAIN_DEMO);
	if (!keyring_has(s->kr, DOMAIN_DEMO))
		return msg_fail(m, STATUS_DENIED,
				"Your account does not hold the demo key charts are checked with.");
	lpbuf_str(&b, "chartroom:chart_tracking:1");
	snprintf(num, sizeof num, "%lld/%d", (long long)t->trow, t->volume);
	lpbuf_str(&b, num);
	lpbuf_str(&b, pid);
	lpbuf_str(&b, t->event);
	lpbuf_put(&b, t->place, t->place_len);
	lpbuf_str(&b, t->due);
	lpbuf_str(&b, t->at);
	lpbuf_str(&b, t->by);
	lpbuf_put(&b, prev, prev_len);
	if (b.bad) {
		lpbuf_free(&b);
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	out[0] = TRACK_MAC_FORMAT;
	out[1] = (unsigned char)version;
	ret = crypto_integrity_mac(s->kr, version, b.p, b.len, out + 2, NULL, m);
	lpbuf_free(&b);
	return ret;
}

static void bind_of(crypto_bind_t *b, const char *pid, const char *rowid)
{
	memset(b, 0, sizeof *b);
	b->table = "chart_tracking";
	b->column = "place";
	b->row_id = rowid;
	b->patient_id = pid;
}

/* A chart's events as stored, each checked against the chain. */
typedef struct chain {
	session_t *s;
	const char *pid;
	db_track_t *v;
	int n, cap;
	unsigned char prev[TRACK_MAC_LEN];
	size_t prev_len;
	status_t ret;
	msg_t *m;
} chain_t;

static int chain_each(const db_track_t *t, void *arg)
{
	chain_t *c = arg;
	unsigned char mac[TRACK_MAC_LEN];
	int version = 0;
	if (t->mac_len == TRACK_MAC_LEN && t->mac[0] == TRACK_MAC_FORMAT && t->mac[1] &&
	    keyring_has_version(c->s->kr, DOMAIN_DEMO, t->mac[1]))
		version = t->mac[1];
	if ((c->ret = track_mac(c->s, t, c->pid, c->prev, c->prev_len, version, mac, c->m)) !=
	    STATUS_OK)
		return 1;
	if (t->toolong || t->mac_len != TRACK_MAC_LEN ||
	    sodium_memcmp(mac, t->mac, TRACK_MAC_LEN) != 0 || t->volume < 1 ||
	    t->volume > VOLUMES_MAX) {
		c->ret = integrity_fail(c->m, "chart_tracking", t->trow,
					"does not match its MAC or the events before it");
		return 1;
	}
	memcpy(c->prev, t->mac, TRACK_MAC_LEN);
	c->prev_len = TRACK_MAC_LEN;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		db_track_t *v = realloc(c->v, (size_t)cap * sizeof *v);
		if (!v) {
			c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory.");
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *t;
	return 0;
}

static status_t chain_read(session_t *s, int64_t prow, const char *pid, chain_t *c, msg_t *m)
{
	status_t ret;
	memset(c, 0, sizeof *c);
	c->s = s;
	c->pid = pid;
	c->m = m;
	if ((ret = db_track_list(s->c->db, prow, chain_each, c, m)) == STATUS_OK)
		ret = c->ret;
	return ret;
}

static void chain_free(chain_t *c)
{
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

/* The place of event t, decrypted into out. */
static status_t place_open(session_t *s, const char *pid, const db_track_t *t, char *out,
			   size_t size, msg_t *m)
{
	crypto_bind_t b;
	char rowid[24], *plain = NULL;
	size_t n = 0;
	status_t ret;
	out[0] = '\0';
	if (!t || !t->place_len)
		return STATUS_OK;
	snprintf(rowid, sizeof rowid, "%lld", (long long)t->trow);
	bind_of(&b, pid, rowid);
	ret = crypto_field_open(s->kr, DOMAIN_DEMO, &b, 0, t->place, t->place_len, &plain, &n, m);
	if (ret == STATUS_INTEGRITY || ret == STATUS_CRYPTO)
		return integrity_fail(m, "chart_tracking", t->trow, "has a place that fails to open");
	if (ret != STATUS_OK)
		return ret;
	text_copy(out, size, plain);
	crypto_free_plain(plain, n);
	return STATUS_OK;
}

/* The latest event of volume v in c, or NULL; *home: its home's event. */
static const db_track_t *latest(const chain_t *c, int v, const db_track_t **home)
{
	const db_track_t *l = NULL;
	if (home)
		*home = NULL;
	for (int i = 0; i < c->n; i++)
		if (c->v[i].volume == v) {
			l = &c->v[i];
			if (home && strcmp(l->event, "home") == 0)
				*home = l;
		}
	return l;
}

/* Characters (not bytes) in n bytes of UTF-8. */
static size_t utf8_chars(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static status_t clean_place(const char *label, const char *in, char *out, size_t size, msg_t *m)
{
	size_t n;
	if (!in)
		in = "";
	while (*in == ' ')
		in++;
	n = strlen(in);
	while (n && in[n - 1] == ' ')
		n--;
	if (!n)
		return msg_fail(m, STATUS_INVALID, "%s is required.", label);
	if (n >= size || utf8_chars(in, n) > TRACK_PLACE_MAX)
		return msg_fail(m, STATUS_INVALID, "%s is too long (at most %d characters).",
				label, TRACK_PLACE_MAX);
	if (text_check(label, in, n, 0, m) != STATUS_OK)
		return STATUS_INVALID;
	memcpy(out, in, n);
	out[n] = '\0';
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

/* Append one event to the chart's chain (inside the transaction, c read
 * in it). */
static status_t append(session_t *s, int64_t prow, const char *pid, chain_t *c, int volume,
		       const char *event, const char *place, const char *due, msg_t *m)
{
	db_track_t t;
	crypto_bind_t b;
	char rowid[24];
	unsigned char *ct = NULL;
	size_t ctn = 0;
	status_t ret;
	memset(&t, 0, sizeof t);
	if ((ret = db_track_next(s->c->db, &t.trow, m)) != STATUS_OK)
		return ret;
	t.prow = prow;
	t.volume = volume;
	text_copy(t.event, sizeof t.event, event);
	if (place && *place) {
		snprintf(rowid, sizeof rowid, "%lld", (long long)t.trow);
		bind_of(&b, pid, rowid);
		if ((ret = crypto_field_seal(s->kr, DOMAIN_DEMO, &b, place, strlen(place), 1, &ct,
					     &ctn, m)) != STATUS_OK)
			return ret;
		if (ctn > sizeof t.place) {
			free(ct);
			return msg_fail(m, STATUS_INVALID, "The place is too long.");
		}
		memcpy(t.place, ct, ctn);
		t.place_len = ctn;
		free(ct);
	}
	text_copy(t.due, sizeof t.due, due ? due : "");
	core_now(t.at);
	text_copy(t.by, sizeof t.by, session_user_name(s));
	if ((ret = track_mac(s, &t, pid, c->prev, c->prev_len, 0, t.mac, m)) != STATUS_OK)
		return ret;
	t.mac_len = TRACK_MAC_LEN;
	if ((ret = db_track_insert(s->c->db, &t, m)) != STATUS_OK)
		return ret;
	memcpy(c->prev, t.mac, TRACK_MAC_LEN);
	c->prev_len = TRACK_MAC_LEN;
	return STATUS_OK;
}

static status_t locate(session_t *s, const char *patient, int64_t *prow, char pid[33], msg_t *m)
{
	int conf = 0;
	status_t ret;
	if ((ret = session_require(s, ACT_HIM_RECORDS, m)) != STATUS_OK)
		return ret;
	return patient_locate(s, patient, prow, pid, &conf, m);
}

static status_t check_volume(int volume, msg_t *m)
{
	if (volume < 1 || volume > VOLUMES_MAX)
		return msg_fail(m, STATUS_INVALID, "The volume is a number from 1 to %d.",
				VOLUMES_MAX);
	return STATUS_OK;
}

typedef enum { OP_HOME, OP_OUT, OP_IN } op_t;

static status_t change(session_t *s, op_t op, const char *patient, int volume, const char *text,
		       const char *due_in, msg_t *m)
{
	int64_t prow = 0;
	char pid[33] = "", place[TRACK_PLACE_MAX * 4 + 1] = "", due[DATE_ISO_SIZE] = "";
	char today[24], detail[160], who[TRACK_PLACE_MAX * 4 + 1] = "";
	chain_t c;
	const db_track_t *last, *home;
	status_t ret;
	memset(&c, 0, sizeof c);
	if ((ret = check_volume(volume, m)) != STATUS_OK)
		return ret;
	if (op == OP_HOME && (ret = clean_place("The home location", text, place, sizeof place,
						m)) != STATUS_OK)
		return ret;
	if (op == OP_OUT) {
		if ((ret = clean_place("Who it goes to", text, place, sizeof place, m)) != STATUS_OK)
			return ret;
		core_now(today);
		today[10] = '\0';
		if (!due_in || !*due_in)
			return msg_fail(m, STATUS_INVALID, "The due date is required (YYYY-MM-DD).");
		if ((ret = date_parse_msg("Due date", due_in, today, "2099-12-31", due, m)) !=
		    STATUS_OK)
			return ret;
	}
	if ((ret = locate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = chain_read(s, prow, pid, &c, m)) != STATUS_OK)
		goto done;
	last = latest(&c, volume, &home);
	switch (op) {
	case OP_HOME:
		ret = append(s, prow, pid, &c, volume, "home", place, NULL, m);
		snprintf(detail, sizeof detail, "volume %d home set", volume);
		break;
	case OP_OUT:
		if (last && strcmp(last->event, "out") == 0) {
			if ((ret = place_open(s, pid, last, who, sizeof who, m)) == STATUS_OK)
				ret = msg_fail(m, STATUS_CONFLICT,
					       "Volume %d is already out to %s (due %s); check it "
					       "in first.",
					       volume, who, last->due);
			goto done;
		}
		if (!last && (ret = append(s, prow, pid, &c, volume, "home", "File room", NULL,
					   m)) != STATUS_OK)
			goto done;
		ret = append(s, prow, pid, &c, volume, "out", place, due, m);
		snprintf(detail, sizeof detail, "volume %d charged out, due %s", volume, due);
		break;
	case OP_IN:
		if (!last || strcmp(last->event, "out") != 0) {
			ret = msg_fail(m, STATUS_INVALID, "Volume %d is not charged out.", volume);
			goto done;
		}
		ret = append(s, prow, pid, &c, volume, "in", NULL, NULL, m);
		snprintf(detail, sizeof detail, "volume %d returned", volume);
		break;
	}
	if (ret == STATUS_OK)
		ret = audit_append(s, op == OP_OUT ? "chart_out" : op == OP_IN ? "chart_in" : "chart_home",
				   pid, "ok", detail, m);
done:
	ret = finish(s, ret, m);
	chain_free(&c);
	if (ret == STATUS_INTEGRITY)
		integrity_report(s, pid, ret, m);
	if (ret == STATUS_OK) {
		if (op == OP_OUT)
			msg_set(m, "Volume %d charged out to %s, due %s.", volume, place, due);
		else if (op == OP_IN)
			msg_set(m, "Volume %d returned.", volume);
		else
			msg_set(m, "Volume %d's home is %s.", volume, place);
	}
	sodium_memzero(place, sizeof place);
	sodium_memzero(who, sizeof who);
	return ret;
}

status_t track_home(session_t *s, const char *patient, int volume, const char *home, msg_t *m)
{
	return change(s, OP_HOME, patient, volume, home, NULL, m);
}

status_t track_out(session_t *s, const char *patient, int volume, const char *to, const char *due,
		   msg_t *m)
{
	return change(s, OP_OUT, patient, volume, to, due, m);
}

status_t track_in(session_t *s, const char *patient, int volume, msg_t *m)
{
	return change(s, OP_IN, patient, volume, NULL, NULL, m);
}

/* The events of chart prow (id pid), oldest first, each marked with
 * from_mrn ("" for the chart asked for). *stop when fn stopped. */
static status_t history_of(session_t *s, int64_t prow, const char *pid, const char *from_mrn,
			   int (*fn)(const track_event_t *e, void *arg), void *arg, int *stop,
			   msg_t *m)
{
	chain_t c;
	status_t ret;
	int reading = 0;
	memset(&c, 0, sizeof c);
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
		ret = chain_read(s, prow, pid, &c, m);
	db_read_end(s->c->db, reading);
	for (int i = 0; ret == STATUS_OK && i < c.n && !*stop; i++) {
		track_event_t e;
		memset(&e, 0, sizeof e);
		e.trow = c.v[i].trow;
		e.volume = c.v[i].volume;
		text_copy(e.event, sizeof e.event, c.v[i].event);
		text_copy(e.due, sizeof e.due, c.v[i].due);
		text_copy(e.at, sizeof e.at, c.v[i].at);
		text_copy(e.by, sizeof e.by, c.v[i].by);
		text_copy(e.from_mrn, sizeof e.from_mrn, from_mrn);
		if ((ret = place_open(s, pid, &c.v[i], e.place, sizeof e.place, m)) != STATUS_OK)
			break;
		*stop = fn(&e, arg) != 0;
	}
	chain_free(&c);
	return ret;
}

status_t track_history(session_t *s, const char *patient,
		       int (*fn)(const track_event_t *e, void *arg), void *arg, msg_t *m)
{
	int64_t prow = 0, merged[REQ_MERGED_MAX];
	char pid[33] = "", mpid[33] = "";
	status_t ret;
	int stop = 0, nmerged = 0;
	if ((ret = locate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "chart_track_view", pid, "ok", "history", 0, m)) != STATUS_OK ||
	    (ret = req_merged_into(s, prow, "chart_track_view", merged, REQ_MERGED_MAX, &nmerged,
				   m)) != STATUS_OK)
		return ret;
	ret = history_of(s, prow, pid, "", fn, arg, &stop, m);
	if (ret != STATUS_OK)
		return integrity_report(s, pid, ret, m);
	/* The paper volumes of every chart merged into this one (their
	 * events are append-only and stay with that chart), each marked. */
	for (int k = 0; ret == STATUS_OK && k < nmerged && !stop; k++) {
		char mrn[24], name[128];
		rights_patient_label(s, merged[k], mrn, name);
		sodium_memzero(name, sizeof name);
		if ((ret = notsame_patient_id(s, merged[k], mpid, m)) == STATUS_OK)
			ret = history_of(s, merged[k], mpid, mrn, fn, arg, &stop, m);
	}
	return integrity_report(s, mpid, ret, m);
}

static int days_between(const char *a, const char *b);

status_t track_where(session_t *s, const char *patient,
		     int (*fn)(const track_event_t *e, const char *home, void *arg), void *arg,
		     msg_t *m)
{
	int64_t prow = 0;
	char pid[33] = "", home[TRACK_PLACE_MAX * 4 + 1];
	chain_t c;
	status_t ret;
	int reading = 0;
	memset(&c, 0, sizeof c);
	if ((ret = locate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK)
		ret = chain_read(s, prow, pid, &c, m);
	db_read_end(s->c->db, reading);
	for (int v = 1; ret == STATUS_OK && v <= VOLUMES_MAX; v++) {
		const db_track_t *h, *l = latest(&c, v, &h);
		track_event_t e;
		if (!l)
			continue;
		memset(&e, 0, sizeof e);
		e.trow = l->trow;
		e.volume = v;
		text_copy(e.event, sizeof e.event, l->event);
		text_copy(e.due, sizeof e.due, l->due);
		text_copy(e.at, sizeof e.at, l->at);
		text_copy(e.by, sizeof e.by, l->by);
		if ((ret = place_open(s, pid, l, e.place, sizeof e.place, m)) != STATUS_OK ||
		    (ret = place_open(s, pid, h, home, sizeof home, m)) != STATUS_OK)
			break;
		if (strcmp(e.event, "out") == 0) {
			char now[24];
			core_now(now);
			now[10] = '\0';
			e.days_overdue = days_between(e.due, now);
		}
		if (fn(&e, home, arg))
			break;
	}
	chain_free(&c);
	return integrity_report(s, pid, ret, m);
}

/* Every chart's chain, one chart at a time. */
struct all_ctx {
	session_t *s;
	int overdue_only;
	char today[DATE_ISO_SIZE];
	track_out_t *v;
	int n, cap;
	db_track_t *rows;
	int nrows, rcap;
	status_t ret;
	msg_t *m;
};

static int collect(const db_track_t *t, void *arg)
{
	struct all_ctx *a = arg;
	if (a->nrows == a->rcap) {
		int cap = a->rcap ? a->rcap * 2 : 64;
		db_track_t *v = realloc(a->rows, (size_t)cap * sizeof *v);
		if (!v) {
			a->ret = msg_fail(a->m, STATUS_NOMEM, "Out of memory.");
			return 1;
		}
		a->rows = v;
		a->rcap = cap;
	}
	a->rows[a->nrows++] = *t;
	return 0;
}

static int days_between(const char *a, const char *b)
{
	struct tm ta, tb;
	memset(&ta, 0, sizeof ta);
	memset(&tb, 0, sizeof tb);
	if (date_split_iso(a, &ta.tm_year, &ta.tm_mon, &ta.tm_mday) != 0 ||
	    date_split_iso(b, &tb.tm_year, &tb.tm_mon, &tb.tm_mday) != 0)
		return 0;
	ta.tm_year -= 1900;
	tb.tm_year -= 1900;
	ta.tm_mon--;
	tb.tm_mon--;
	return (int)((timegm(&tb) - timegm(&ta)) / 86400);
}

/* One chart's rows rows[from..to): check the chain, add its volumes out. */
static status_t one_chart(struct all_ctx *a, int from, int to)
{
	session_t *s = a->s;
	int64_t prow = a->rows[from].prow;
	db_patient_row_t *row = NULL;
	patient_t *p = NULL;
	chain_t c;
	status_t ret;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.m = a->m;
	if (!(row = malloc(sizeof *row)) || !(p = malloc(sizeof *p))) {
		ret = msg_fail(a->m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = db_patient_get(s->c->db, prow, row, a->m)) != STATUS_OK ||
	    (ret = precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), a->m)) != STATUS_OK)
		goto cleanup;
	c.pid = row->id;
	for (int i = from; i < to; i++)
		if (chain_each(&a->rows[i], &c))
			break;
	if ((ret = c.ret) != STATUS_OK)
		goto cleanup;
	for (int v = 1; v <= VOLUMES_MAX; v++) {
		const db_track_t *h, *l = latest(&c, v, &h);
		track_out_t *o;
		char today_due[DATE_ISO_SIZE];
		int late;
		if (!l || strcmp(l->event, "out") != 0)
			continue;
		text_copy(today_due, sizeof today_due, l->due);
		late = days_between(today_due, a->today);
		if (a->overdue_only && late <= 0)
			continue;
		if (a->n == a->cap) {
			int cap = a->cap ? a->cap * 2 : 32;
			track_out_t *nv = realloc(a->v, (size_t)cap * sizeof *nv);
			if (!nv) {
				ret = msg_fail(a->m, STATUS_NOMEM, "Out of memory.");
				goto cleanup;
			}
			a->v = nv;
			a->cap = cap;
		}
		o = &a->v[a->n++];
		memset(o, 0, sizeof *o);
		text_copy(o->patient_id, sizeof o->patient_id, row->id);
		text_copy(o->mrn, sizeof o->mrn, p->f[PF_MRN]);
		snprintf(o->name, sizeof o->name, "%.70s, %.70s", p->f[PF_LAST], p->f[PF_FIRST]);
		o->volume = v;
		text_copy(o->due, sizeof o->due, l->due);
		text_copy(o->since, sizeof o->since, l->at);
		text_copy(o->by, sizeof o->by, l->by);
		o->days_overdue = late;
		if ((ret = place_open(s, row->id, l, o->to, sizeof o->to, a->m)) != STATUS_OK ||
		    (ret = place_open(s, row->id, h, o->home, sizeof o->home, a->m)) != STATUS_OK)
			goto cleanup;
	}
cleanup:
	if (ret == STATUS_INTEGRITY && row)
		integrity_report(s, row->id, ret, a->m);
	chain_free(&c);
	if (p)
		sodium_memzero(p, sizeof *p);
	if (row)
		sodium_memzero(row, sizeof *row);
	free(p);
	free(row);
	return ret;
}

static int most_overdue(const void *x, const void *y)
{
	const track_out_t *a = x, *b = y;
	if (a->days_overdue != b->days_overdue)
		return a->days_overdue > b->days_overdue ? -1 : 1;
	return strcmp(a->mrn, b->mrn);
}

status_t track_list_out(session_t *s, int overdue_only,
			int (*fn)(const track_out_t *o, void *arg), void *arg, msg_t *m)
{
	struct all_ctx a;
	status_t ret;
	char now[24];
	int reading = 0;
	memset(&a, 0, sizeof a);
	if ((ret = session_require(s, ACT_HIM_RECORDS, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "chart_track_view", "", "ok",
			      overdue_only ? "charts out, overdue" : "charts out", 0, m)) !=
	    STATUS_OK)
		return ret;
	a.s = s;
	a.overdue_only = overdue_only;
	a.m = m;
	core_now(now);
	snprintf(a.today, sizeof a.today, "%.10s", now);
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK &&
	    (ret = db_track_list(s->c->db, 0, collect, &a, m)) == STATUS_OK)
		ret = a.ret;
	for (int i = 0; ret == STATUS_OK && i < a.nrows;) {
		int j = i;
		while (j < a.nrows && a.rows[j].prow == a.rows[i].prow)
			j++;
		ret = one_chart(&a, i, j);
		i = j;
	}
	db_read_end(s->c->db, reading);
	if (ret == STATUS_OK && a.n > 1)
		qsort(a.v, (size_t)a.n, sizeof *a.v, most_overdue);
	for (int i = 0; ret == STATUS_OK && i < a.n; i++)
		if (fn(&a.v[i], arg))
			break;
	if (a.v)
		sodium_memzero(a.v, (size_t)a.cap * sizeof *a.v);
	free(a.v);
	free(a.rows);
	return ret;
}

status_t track_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m)
{
	db_patient_row_t *row;
	chain_t c;
	status_t ret;
	int newest = keyring_version(s->kr, DOMAIN_DEMO), old = 0;
	unsigned char prev[TRACK_MAC_LEN];
	size_t prev_len = 0;
	if (rows)
		*rows = 0;
	memset(&c, 0, sizeof c);
	if (!(row = malloc(sizeof *row)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_patient_get_ident(s->c->db, prow, row, m)) != STATUS_OK ||
	    (ret = chain_read(s, prow, row->id, &c, m)) != STATUS_OK)
		goto cleanup;
	for (int i = 0; i < c.n; i++)
		if (c.v[i].mac[1] != newest ||
		    (c.v[i].place_len &&
		     crypto_blob_version(c.v[i].place, c.v[i].place_len) != newest))
			old = 1;
	for (int i = 0; old && i < c.n && ret == STATUS_OK; i++) {
		db_track_t *t = &c.v[i];
		char place[TRACK_PLACE_MAX * 4 + 1] = "";
		if ((ret = place_open(s, row->id, t, place, sizeof place, m)) != STATUS_OK)
			break;
		if (t->place_len) {
			crypto_bind_t b;
			char rowid[24];
			unsigned char *ct = NULL;
			size_t ctn = 0;
			snprintf(rowid, sizeof rowid, "%lld", (long long)t->trow);
			bind_of(&b, row->id, rowid);
			ret = crypto_field_seal(s->kr, DOMAIN_DEMO, &b, place, strlen(place), 1, &ct,
						&ctn, m);
			sodium_memzero(place, sizeof place);
			if (ret != STATUS_OK)
				break;
			if (ctn > sizeof t->place) {
				free(ct);
				ret = msg_fail(m, STATUS_INVALID, "The place is too long.");
				break;
			}
			memcpy(t->place, ct, ctn);
			t->place_len = ctn;
			free(ct);
		}
		if ((ret = track_mac(s, t, row->id, prev, prev_len, 0, t->mac, m)) != STATUS_OK)
			break;
		t->mac_len = TRACK_MAC_LEN;
		memcpy(prev, t->mac, TRACK_MAC_LEN);
		prev_len = TRACK_MAC_LEN;
		if ((ret = db_track_reseal(s->c->db, t, m)) != STATUS_OK)
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
