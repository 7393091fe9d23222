/* btg_review.c - the break-the-glass review queue and its append-only
 * findings (btg_review.h). */
#include "core/btg_review.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/lpbuf.h"
#include "base/text.h"
#include "core/access.h"
#include "core/audit.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "db/db_audit.h"
#include "db/db_btg_review.h"
#include "db/db_patients.h"

static const char *const findings[] = {"appropriate", "inappropriate", "follow-up", NULL};

const char *const *btg_findings(void)
{
	return findings;
}

const char *btg_finding_name(const char *typed)
{
	if (!typed)
		return NULL;
	for (int i = 0; findings[i]; i++)
		if (strcmp(typed, findings[i]) == 0)
			return findings[i];
	if (strcmp(typed, "follow_up") == 0 || strcmp(typed, "followup") == 0 ||
	    strcmp(typed, "needs-follow-up") == 0)
		return findings[2];
	return NULL;
}

/* The MAC of a review row: its fields and the id of the patient its prow
 * names, under audit key version r->key_version (kept as long as the
 * trail is, so rotations leave it verifiable). */
static status_t review_mac(session_t *s, const db_btg_review_t *r, const char *pid,
                           unsigned char mac[32], msg_t *m)
{
	lpbuf_t b = {0};
	char num[32];
	status_t ret;
	lpbuf_str(&b, "chartroom-btg-review:1");
	snprintf(num, sizeof num, "%" PRId64, r->id);
	lpbuf_str(&b, num);
	snprintf(num, sizeof num, "%" PRId64, r->btg_id);
	lpbuf_str(&b, num);
	lpbuf_str(&b, pid);
	lpbuf_str(&b, r->reviewer);
	lpbuf_str(&b, r->ts);
	lpbuf_str(&b, r->finding);
	snprintf(num, sizeof num, "%" PRId64, r->audit_seq);
	lpbuf_str(&b, num);
	if (b.bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory checking a review.");
	else
		ret = crypto_audit_mac(s->kr, r->key_version, b.p, b.len, mac, m);
	lpbuf_free(&b);
	return ret;
}

static status_t review_fail(msg_t *m, int64_t id, const char *what)
{
	return integrity_fail(m, "btg_review", id, what);
}

/* The decrypted detail of audit entry seq, which must be `action` about
 * target. */
static status_t entry_detail(session_t *s, int64_t seq, const char *action, const char *target,
                             char *out, size_t size, int *ok, msg_t *m)
{
	db_audit_row_t *r = malloc(sizeof *r);
	char *plain = NULL;
	size_t plen = 0;
	char rowid[32];
	status_t ret;
	msg_t why;
	*ok = 0;
	out[0] = '\0';
	if (!r)
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit trail.");
	ret = db_audit_get(s->c->db, seq, r, m);
	if (ret == STATUS_NOTFOUND) {
		ret = STATUS_OK;
		goto cleanup;
	}
	if (ret != STATUS_OK)
		goto cleanup;
	if (strcmp(r->action, action) != 0 || strcmp(r->target, target) != 0)
		goto cleanup;
	*ok = 1;
	if (r->has_detail) {
		snprintf(rowid, sizeof rowid, "%" PRId64, r->seq);
		if (crypto_field_decrypt(s->kr, DOMAIN_AUDIT, "audit", "detail", rowid, r->detail,
		                         r->detail_len, &plain, &plen, &why) == STATUS_OK)
			snprintf(out, size, "%s", plain);
		else
			*ok = 0;
		crypto_free_plain(plain, plen);
	}
cleanup:
	free(r);
	return ret;
}

/* A review row checked (MAC, its audit entry), with its comment. */
typedef struct review {
	db_btg_review_t row;
	char comment[BTG_COMMENT_MAX + 1];
} review_t;

typedef struct reviews {
	session_t *s;
	review_t *v;
	size_t n, cap;
	status_t ret;
	msg_t *m;
} reviews_t;

static int review_one(const db_btg_review_t *r, void *arg)
{
	reviews_t *c = arg;
	db_patient_row_t *p = NULL;
	unsigned char mac[32];
	char detail[BTG_COMMENT_MAX + 96], want[96];
	int ok = 0;
	review_t *rv;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		review_t *v = realloc(c->v, cap * sizeof *v);
		if (!v) {
			c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory reading the reviews.");
			return 1;
		}
		c->v = v;
		c->cap = cap;
	}
	rv = &c->v[c->n];
	memset(rv, 0, sizeof *rv);
	rv->row = *r;
	if (r->toolong || r->mac_len != 32 || !btg_finding_name(r->finding) ||
	    strcmp(btg_finding_name(r->finding), r->finding) != 0) {
		c->ret = review_fail(c->m, r->id, "holds values Chartroom never wrote");
		return 1;
	}
	if (!(p = malloc(sizeof *p))) {
		c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory reading the reviews.");
		return 1;
	}
	if ((c->ret = db_patient_get(c->s->c->db, r->prow, p, c->m)) == STATUS_NOTFOUND)
		c->ret = review_fail(c->m, r->id, "names a patient that does not exist");
	if (c->ret == STATUS_OK && !keyring_has_version(c->s->kr, DOMAIN_AUDIT, r->key_version))
		c->ret = review_fail(c->m, r->id, "names an audit key version that does not exist");
	if (c->ret == STATUS_OK)
		c->ret = review_mac(c->s, r, p->id, mac, c->m);
	if (c->ret == STATUS_OK && crypto_memcmp(mac, r->mac, 32) != 0)
		c->ret = review_fail(c->m, r->id,
		                     "does not match its MAC or does not belong to this chart");
	if (c->ret == STATUS_OK)
		c->ret = entry_detail(c->s, r->audit_seq, "btg_review", p->id, detail,
		                      sizeof detail, &ok, c->m);
	snprintf(want, sizeof want, "access %" PRId64 ": %s\n", r->btg_id, r->finding);
	if (c->ret == STATUS_OK && (!ok || strncmp(detail, want, strlen(want)) != 0))
		c->ret =
		    review_fail(c->m, r->id, "does not match its audit entry (copied or replayed)");
	if (c->ret == STATUS_OK) {
		snprintf(rv->comment, sizeof rv->comment, "%s", detail + strlen(want));
		c->n++;
	}
	sodium_memzero(detail, sizeof detail);
	sodium_memzero(p, sizeof *p);
	free(p);
	return c->ret != STATUS_OK;
}

static void reviews_free(reviews_t *c)
{
	if (c->v) {
		sodium_memzero(c->v, c->cap * sizeof *c->v);
		free(c->v);
	}
	c->v = NULL;
	c->n = c->cap = 0;
}

struct seen_ctx {
	reviews_t *rv;
	int64_t missing;
};

static int seen_one(int64_t seq, const char *target, void *arg)
{
	struct seen_ctx *c = arg;
	(void)target;
	for (size_t i = 0; i < c->rv->n; i++)
		if (c->rv->v[i].row.audit_seq == seq)
			return 0;
	c->missing = seq;
	return 1;
}

/* Every finding, checked, and none missing against the trail. In a read
 * snapshot or transaction. */
static status_t reviews_load(session_t *s, reviews_t *c, msg_t *m)
{
	struct seen_ctx sc = {c, 0};
	status_t ret;
	memset(c, 0, sizeof *c);
	c->s = s;
	c->m = m;
	c->ret = STATUS_OK;
	if ((ret = db_btg_review_each(s->c->db, 0, review_one, c, m)) == STATUS_OK)
		ret = c->ret;
	if (ret == STATUS_OK)
		ret = db_audit_btg_reviews(s->c->db, seen_one, &sc, m);
	if (ret == STATUS_OK && sc.missing)
		ret =
		    msg_fail(m, STATUS_INTEGRITY,
		             "Integrity check failed: the break-the-glass review recorded in audit "
		             "entry %" PRId64 " is missing from btg_review (deleted outside "
		             "Chartroom).",
		             sc.missing);
	return ret;
}

/* The latest finding on access id, or NULL; *count how many. */
static const review_t *latest(const reviews_t *c, int64_t id, int *count)
{
	const review_t *r = NULL;
	*count = 0;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].row.btg_id == id) {
			r = &c->v[i];
			(*count)++;
		}
	return r;
}

/* "YYYY-MM-DDTHH:MM:SSZ" days before now (core_now). */
static void overdue_cutoff(session_t *s, char out[24])
{
	char now[24];
	struct tm tm;
	time_t t;
	core_now(now);
	memset(&tm, 0, sizeof tm);
	if (sscanf(now, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	           &tm.tm_min, &tm.tm_sec) != 6) {
		snprintf(out, 24, "%s", now);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) - (time_t)s->c->cfg->btg_review_days * 86400;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct after_ctx {
	session_t *s;
	const char *user;
	int64_t from_seq;
	char *out;
	size_t size;
	char last[160];
	int n;
};

/* The entries come newest first: each one of the user's after the access
 * is put in front, so the text reads in time order; a later
 * break-the-glass of the same user on the chart starts another access,
 * so what was gathered until then (after it) is dropped. */
static int after_one(const db_audit_row_t *r, void *arg)
{
	struct after_ctx *c = arg;
	char what[160], detail[128] = "", tmp[sizeof((btg_item_t *)0)->after];
	if (r->seq <= c->from_seq)
		return 1;
	if (strcmp(r->user_name, c->user) != 0 || strcmp(r->action, "access_report") == 0)
		return 0;
	if (strcmp(r->action, "break_the_glass") == 0) {
		c->out[0] = '\0';
		c->last[0] = '\0';
		c->n = 0;
		return 0;
	}
	/* A section viewed, an item added: the detail says which (never a
	 * reason: those are break_the_glass's, skipped above). */
	if (r->has_detail) {
		char *plain = NULL;
		size_t plen = 0;
		char rowid[32];
		msg_t why;
		snprintf(rowid, sizeof rowid, "%" PRId64, r->seq);
		if (crypto_field_decrypt(c->s->kr, DOMAIN_AUDIT, "audit", "detail", rowid,
		                         r->detail, r->detail_len, &plain, &plen,
		                         &why) == STATUS_OK)
			snprintf(detail, sizeof detail, "%s", plain);
		crypto_free_plain(plain, plen);
	}
	access_describe(r->action, detail, what, sizeof what);
	sodium_memzero(detail, sizeof detail);
	if (strcmp(what, c->last) == 0)
		return 0;
	snprintf(c->last, sizeof c->last, "%s", what);
	snprintf(tmp, sizeof tmp, "%s%s%s", what, c->n ? "; " : "", c->out);
	snprintf(c->out, c->size, "%s", tmp);
	c->n++;
	return 0;
}

/* Fill it from access b of patient pid (its chart checked). */
static status_t fill_item(session_t *s, const db_btg_t *b, const char *pid, const reviews_t *rv,
                          const char *cutoff, btg_item_t *it, msg_t *m)
{
	status_t ret;
	chart_t ch;
	int ok = 0, n = 0;
	const review_t *r;
	struct after_ctx ac;
	char label[200];
	memset(it, 0, sizeof *it);
	memset(&ch, 0, sizeof ch);
	/* The queue row as its chart's head lists it. */
	if ((ret = chart_load(s, b->prow, &ch, m)) == STATUS_OK)
		ret = chart_check_btg(s, &ch, m);
	chart_free(&ch);
	if (ret != STATUS_OK)
		return ret;
	it->id = b->id;
	snprintf(it->ts, sizeof it->ts, "%s", b->ts);
	snprintf(it->user_name, sizeof it->user_name, "%s", b->user_name);
	if ((ret = entry_detail(s, b->audit_seq, "break_the_glass", pid, it->reason,
	                        sizeof it->reason, &ok, m)) != STATUS_OK)
		return ret;
	if (!ok)
		return integrity_fail(m, "btg_queue", b->id,
		                      "does not match its audit entry (changed outside Chartroom)");
	access_target_label(s, pid, label, sizeof label);
	{
		char *sp = strchr(label, ' ');
		if (sp && strcmp(label, pid) != 0) {
			*sp = '\0';
			text_copy(it->mrn, sizeof it->mrn, label);
			text_copy(it->name, sizeof it->name, sp + 1);
		} else {
			text_copy(it->name, sizeof it->name, pid);
		}
		sodium_memzero(label, sizeof label);
	}
	memset(&ac, 0, sizeof ac);
	ac.s = s;
	ac.user = b->user_name;
	ac.from_seq = b->audit_seq;
	ac.out = it->after;
	ac.size = sizeof it->after;
	if ((ret = db_audit_for_target(s->c->db, pid, NULL, NULL, 0, after_one, &ac, m)) !=
	    STATUS_OK)
		return ret;
	if ((r = latest(rv, b->id, &n)) != NULL) {
		it->reviews = n;
		snprintf(it->finding, sizeof it->finding, "%s", r->row.finding);
		snprintf(it->reviewer, sizeof it->reviewer, "%s", r->row.reviewer);
		snprintf(it->reviewed_at, sizeof it->reviewed_at, "%s", r->row.ts);
		snprintf(it->comment, sizeof it->comment, "%s", r->comment);
	} else {
		it->overdue = strcmp(b->ts, cutoff) < 0;
	}
	return STATUS_OK;
}

typedef struct queue {
	db_btg_t *v;
	char (*pid)[33];
	size_t n, cap;
	int failed;
} queue_t;

static int queue_one(const db_btg_t *b, const char *pid, void *arg)
{
	queue_t *q = arg;
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 32;
		db_btg_t *v = realloc(q->v, cap * sizeof *v);
		char(*p)[33];
		if (v)
			q->v = v;
		p = v ? realloc(q->pid, cap * sizeof *p) : NULL;
		if (!v || !p) {
			q->failed = 1;
			return 1;
		}
		q->pid = p;
		q->cap = cap;
	}
	q->v[q->n] = *b;
	snprintf(q->pid[q->n], 33, "%s", pid);
	q->n++;
	return 0;
}

struct access_seen {
	const queue_t *q;
	int64_t missing;
};

static int access_seen_one(int64_t seq, const char *target, void *arg)
{
	struct access_seen *c = arg;
	for (size_t i = 0; i < c->q->n; i++)
		if (c->q->v[i].audit_seq == seq && strcmp(c->q->pid[i], target) == 0)
			return 0;
	c->missing = seq;
	return 1;
}

status_t btg_list(session_t *s, int unreviewed_only, int (*fn)(const btg_item_t *it, void *arg),
                  void *arg, msg_t *m)
{
	status_t ret;
	reviews_t rv;
	queue_t q = {0};
	btg_item_t *it = NULL;
	char cutoff[24];
	int reading = 0;

	memset(&rv, 0, sizeof rv);
	if ((ret = session_require(s, ACT_BTG_REVIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "btg_queue_view", "", "ok", unreviewed_only ? "unreviewed" : "all",
	                      0, m)) != STATUS_OK)
		return ret;
	if (db_readonly(s->c->db) == DB_RW && (ret = audit_flush(s, m)) != STATUS_OK)
		return ret;
	if (!(it = malloc(sizeof *it)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading the queue.");
	overdue_cutoff(s, cutoff);
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = reviews_load(s, &rv, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_btg_all(s->c->db, queue_one, &q, m)) != STATUS_OK)
		goto cleanup;
	if (q.failed) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the queue.");
		goto cleanup;
	}
	/* Every break-the-glass access the trail recorded is in the queue: a
	 * row deleted to hide one is an integrity error, not a shorter list. */
	{
		struct access_seen as = {&q, 0};
		if ((ret = db_audit_btg_accesses(s->c->db, access_seen_one, &as, m)) != STATUS_OK)
			goto cleanup;
		if (as.missing) {
			ret =
			    msg_fail(m, STATUS_INTEGRITY,
			             "Integrity check failed: the break-the-glass access recorded "
			             "in audit entry %" PRId64 " is missing from btg_queue "
			             "(deleted outside Chartroom).",
			             as.missing);
			goto cleanup;
		}
	}
	for (size_t i = 0; i < q.n; i++) {
		int n = 0;
		if (unreviewed_only && latest(&rv, q.v[i].id, &n))
			continue;
		if ((ret = fill_item(s, &q.v[i], q.pid[i], &rv, cutoff, it, m)) != STATUS_OK)
			break;
		if (fn(it, arg))
			break;
	}
cleanup:
	db_read_end(s->c->db, reading);
	reviews_free(&rv);
	free(q.v);
	free(q.pid);
	if (it) {
		sodium_memzero(it, sizeof *it);
		free(it);
	}
	return ret;
}

status_t btg_get(session_t *s, int64_t id, btg_item_t *out, msg_t *m)
{
	status_t ret;
	reviews_t rv;
	db_btg_t b;
	char pid[33], cutoff[24], detail[32];
	int reading = 0;

	memset(&rv, 0, sizeof rv);
	memset(out, 0, sizeof *out);
	if ((ret = session_require(s, ACT_BTG_REVIEW, m)) != STATUS_OK)
		return ret;
	snprintf(detail, sizeof detail, "access %" PRId64, id);
	if ((ret = db_btg_get(s->c->db, id, &b, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "btg_queue_view", pid, "ok", detail, 0, m)) != STATUS_OK)
		return ret;
	overdue_cutoff(s, cutoff);
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = reviews_load(s, &rv, m)) == STATUS_OK)
		ret = fill_item(s, &b, pid, &rv, cutoff, out, m);
cleanup:
	db_read_end(s->c->db, reading);
	reviews_free(&rv);
	return ret;
}

status_t btg_review(session_t *s, int64_t id, const char *finding, const char *comment, msg_t *m)
{
	status_t ret;
	reviews_t rv;
	db_btg_t b;
	db_btg_review_t r;
	chart_t ch;
	char pid[33], *detail = NULL;
	const char *f = btg_finding_name(finding);
	unsigned char last_mac[DB_AUDIT_MAC_LEN];
	size_t clen = comment ? strlen(comment) : 0;
	int began = 0;

	memset(&rv, 0, sizeof rv);
	memset(&r, 0, sizeof r);
	memset(&ch, 0, sizeof ch);
	pid[0] = '\0';
	if ((ret = session_require(s, ACT_BTG_REVIEW, m)) != STATUS_OK)
		return ret;
	if (!f)
		return msg_fail(
		    m, STATUS_INVALID,
		    "Finding: '%s' is not one of appropriate, inappropriate, follow-up.",
		    finding ? finding : "");
	if (comment && (ret = text_check("Comment", comment, clen, 0, m)) != STATUS_OK)
		return ret;
	if (clen > BTG_COMMENT_MAX)
		return msg_fail(m, STATUS_INVALID, "Comment: at most %d characters.",
		                BTG_COMMENT_MAX);
	if (strcmp(f, "appropriate") != 0 && clen == 0)
		return msg_fail(m, STATUS_INVALID, "Comment: say why the access is %s (required).",
		                f);
	if (!(detail = malloc(BTG_COMMENT_MAX + 96)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	began = 1;
	if ((ret = db_btg_get(s->c->db, id, &b, pid, m)) != STATUS_OK)
		goto cleanup;
	/* The access as its chart lists it, and every earlier finding sound. */
	if ((ret = chart_load(s, b.prow, &ch, m)) != STATUS_OK ||
	    (ret = chart_check_btg(s, &ch, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = reviews_load(s, &rv, m)) != STATUS_OK)
		goto cleanup;
	snprintf(detail, BTG_COMMENT_MAX + 96, "access %" PRId64 ": %s\n%s", id, f,
	         comment ? comment : "");
	if ((ret = audit_append(s, "btg_review", pid, "ok", detail, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_audit_last(s->c->db, &r.audit_seq, last_mac, m)) != STATUS_OK ||
	    (ret = db_btg_review_next(s->c->db, &r.id, m)) != STATUS_OK)
		goto cleanup;
	r.btg_id = id;
	r.prow = b.prow;
	snprintf(r.reviewer, sizeof r.reviewer, "%s", s->user.name);
	core_now(r.ts);
	snprintf(r.finding, sizeof r.finding, "%s", f);
	r.key_version = keyring_version(s->kr, DOMAIN_AUDIT);
	r.mac_len = 32;
	if ((ret = review_mac(s, &r, pid, r.mac, m)) != STATUS_OK ||
	    (ret = db_btg_review_add(s->c->db, &r, m)) != STATUS_OK)
		goto cleanup;
	ret = db_commit(s->c->db, m);
	if (ret == STATUS_OK) {
		began = 0;
		msg_set(m, "Access %" PRId64 " marked %s.", id, f);
	}
cleanup:
	if (began)
		db_rollback(s->c->db);
	chart_free(&ch);
	reviews_free(&rv);
	if (detail) {
		sodium_memzero(detail, BTG_COMMENT_MAX + 96);
		free(detail);
	}
	if (ret == STATUS_INTEGRITY)
		integrity_report(s, pid, ret, m);
	return ret;
}

status_t btg_unreviewed(session_t *s, int64_t *count, int64_t *overdue, msg_t *m)
{
	status_t ret;
	char cutoff[24];
	*count = *overdue = 0;
	if ((ret = session_require(s, ACT_BTG_REVIEW, m)) != STATUS_OK)
		return ret;
	overdue_cutoff(s, cutoff);
	return db_btg_unreviewed(s->c->db, cutoff, count, overdue, m);
}
