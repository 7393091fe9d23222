/* audit.c - append, verify, anchor and list the audit chain. */
#include "core/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/date.h"
#include "base/lpbuf.h"
#include "base/tz.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "db/db_audit.h"
#include "db/db_journal.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int audit_listed_format(const int64_t *prows, int n, char *out, size_t size)
{
	int64_t *v;
	size_t used = 0;
	int k = 0;
	if (size)
		out[0] = '\0';
	if (n <= 0)
		return 0;
	if (!(v = malloc((size_t)n * sizeof *v)))
		return -1;
	memcpy(v, prows, (size_t)n * sizeof *v);
	qsort(v, (size_t)n, sizeof *v, cmp_i64);
	for (int i = 0; i < n; i++) {
		int w;
		if (v[i] <= 0 || (i > 0 && v[i] == v[i - 1]))
			continue;
		w = snprintf(out + used, size - used, "%s%" PRId64, k ? " " : "", v[i]);
		if (w < 0 || (size_t)w >= size - used) {
			free(v);
			out[0] = '\0';
			return -1;
		}
		used += (size_t)w;
		k++;
	}
	free(v);
	return k;
}

int audit_listed_parse(const char *text, int64_t *out, int max)
{
	const char *p = text;
	int n = 0;
	while (*p) {
		int64_t v = 0;
		const char *start = p;
		if (n > 0) {
			if (*p != ' ')
				return -1;
			start = ++p;
		}
		if (*p < '1' || *p > '9')
			return -1; /* no sign, no leading zero, no empty item */
		while (*p >= '0' && *p <= '9') {
			if (p - start >= 18)
				return -1;
			v = v * 10 + (*p++ - '0');
		}
		if (n == max || (n > 0 && v <= out[n - 1]))
			return -1; /* ascending, each once: one text per set */
		out[n++] = v;
	}
	return n;
}

/* The bytes a row's MAC cover: every field, length-prefixed (base/lpbuf.h),
 * then the previous row's MAC. */
static status_t row_mac(const keyring_t *kr, const db_audit_row_t *r,
			const unsigned char prev[DB_AUDIT_MAC_LEN], unsigned char mac[32], msg_t *m)
{
	lpbuf_t b = {0};
	char num[32];
	status_t ret;
	snprintf(num, sizeof num, "%" PRId64, r->seq);
	lpbuf_str(&b, num);
	lpbuf_str(&b, r->ts);
	lpbuf_str(&b, r->user_id);
	lpbuf_str(&b, r->user_name);
	lpbuf_str(&b, r->os_user);
	lpbuf_str(&b, r->source);
	lpbuf_str(&b, r->action);
	lpbuf_str(&b, r->target);
	lpbuf_str(&b, r->outcome);
	lpbuf_put(&b, r->has_detail ? "D" : "N", 1);
	lpbuf_put(&b, r->detail, r->detail_len);
	snprintf(num, sizeof num, "%d", r->key_version);
	lpbuf_str(&b, num);
	/* Entries that record a chart head (from 007 on) cover it too; the
	 * others serialise as before, so older chains still verify. Every
	 * field is length-prefixed, so the two forms never read alike. */
	if (r->chart_head[0])
		lpbuf_str(&b, r->chart_head);
	/* A search entry covers the patients it listed (from 016 on), after
	 * a tag no chart head is ("SEQ:MACHEX"): the others as before. */
	if (r->listed[0]) {
		lpbuf_str(&b, "listed");
		lpbuf_str(&b, r->listed);
	}
	lpbuf_put(&b, prev, DB_AUDIT_MAC_LEN);
	if (b.bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory computing the audit chain.");
	else
		ret = crypto_audit_mac(kr, r->key_version, b.p, b.len, mac, m);
	lpbuf_free(&b);
	return ret;
}

static void copy_field(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Encrypt detail (if any) into r under the audit key, bound to the table
 * and row id it is stored under. */
static status_t seal_detail(session_t *s, db_audit_row_t *r, const char *detail, msg_t *m)
{
	status_t ret;
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	char rowid[32];

	r->key_version = keyring_version(s->kr, DOMAIN_AUDIT);
	r->has_detail = 0;
	r->detail_len = 0;
	if (detail && *detail) {
		snprintf(rowid, sizeof rowid, "%" PRId64, r->seq);
		ret = crypto_field_encrypt(s->kr, DOMAIN_AUDIT, "audit", "detail", rowid, detail,
					   strlen(detail), 1, &blob, &blob_len, m);
		if (ret != STATUS_OK)
			return ret;
		if (blob_len > sizeof r->detail) {
			free(blob);
			return msg_fail(m, STATUS_INVALID, "Audit detail too long.");
		}
		memcpy(r->detail, blob, blob_len);
		r->detail_len = blob_len;
		r->has_detail = 1;
		free(blob);
	}
	return STATUS_OK;
}

/* Append a fully filled row (seq, mac and key version set here). On a
 * database that cannot be written the row goes to the audit journal as an
 * event instead (core/audit_journal.c; held until the commit), or, for a
 * session that may act unaudited, nowhere (session_unaudited). */
static status_t chain_row(session_t *s, db_audit_row_t *r, const char *detail, msg_t *m)
{
	status_t ret;
	unsigned char prev[DB_AUDIT_MAC_LEN];

	if (!keyring_has(s->kr, DOMAIN_AUDIT))
		return msg_fail(m, STATUS_CRYPTO, "The audit key is not available; nothing saved.");
	if (db_readonly(s->c->db) != DB_RW)
		return audit_journal_row(s, r, detail, m);
	/* Every write transaction ends with its audit entry: if a key this
	 * session wrote with was retired meanwhile (a rotation ended since the
	 * session last looked), what it wrote could not be read; nothing of
	 * it is kept. Otherwise the entry is made with the newest audit key. */
	{
		int stale = 0;
		if ((ret = session_keys_fresh(s, &stale, m)) != STATUS_OK)
			return ret;
		if (stale)
			return msg_fail(m, STATUS_CONFLICT,
					"The keys were rotated while this was being saved; nothing "
					"was saved. Try again.");
	}
	if ((ret = db_audit_last(s->c->db, &r->seq, prev, m)) != STATUS_OK)
		return ret;
	r->seq++;
	if ((ret = seal_detail(s, r, detail, m)) != STATUS_OK)
		return ret;
	if ((ret = row_mac(s->kr, r, prev, r->mac, m)) != STATUS_OK)
		return ret;
	if ((ret = db_audit_insert(s->c->db, r, m)) != STATUS_OK)
		return ret;
	/* The patients a search listed, indexed by patient in the same
	 * transaction (the access report's "searched and listed"). */
	if (r->listed[0]) {
		int64_t *prows = malloc(DB_AUDIT_LISTED_MAX * sizeof *prows);
		int n;
		if (!prows)
			return msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
		n = audit_listed_parse(r->listed, prows, DB_AUDIT_LISTED_MAX);
		ret = n < 0 ? msg_fail(m, STATUS_ERR, "The patients a search listed are malformed.")
			    : db_audit_listed_add(s->c->db, r->seq, prows, n, m);
		free(prows);
	}
	return ret;
}

status_t audit_chain_row(session_t *s, db_audit_row_t *r, const char *detail, msg_t *m)
{
	return chain_row(s, r, detail, m);
}

status_t audit_append(session_t *s, const char *action, const char *target,
		      const char *outcome, const char *detail, msg_t *m)
{
	return audit_append_head(s, action, target, outcome, detail, NULL, m);
}

status_t audit_append_head(session_t *s, const char *action, const char *target,
			   const char *outcome, const char *detail, const char *chart_head,
			   msg_t *m)
{
	db_audit_row_t *r;
	status_t ret;
	/* What waits in the journal goes first: the trail stays in the
	 * order things happened, as nearly as one writer at a time allows. */
	if ((ret = audit_chain(s, m)) != STATUS_OK)
		return ret;
	r = calloc(1, sizeof *r);
	if (!r)
		return msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
	core_now(r->ts);
	copy_field(r->user_id, sizeof r->user_id, s->user.id);
	copy_field(r->user_name, sizeof r->user_name, s->user.name);
	copy_field(r->os_user, sizeof r->os_user, s->os_user);
	copy_field(r->source, sizeof r->source, s->source);
	copy_field(r->action, sizeof r->action, action);
	copy_field(r->target, sizeof r->target, target);
	copy_field(r->outcome, sizeof r->outcome, outcome);
	copy_field(r->chart_head, sizeof r->chart_head, chart_head);
	ret = chain_row(s, r, detail, m);
	free(r);
	return ret;
}

status_t audit_pending(clinic_t *c, const char *user_id, const char *user_name,
		       const char *action, const char *outcome, msg_t *m)
{
	db_audit_row_t *r = calloc(1, sizeof *r);
	status_t ret;
	if (!r)
		return msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
	core_now(r->ts);
	copy_field(r->user_id, sizeof r->user_id, user_id);
	copy_field(r->user_name, sizeof r->user_name, user_name);
	core_provenance(r->os_user, r->source);
	copy_field(r->action, sizeof r->action, action);
	copy_field(r->target, sizeof r->target, user_name);
	copy_field(r->outcome, sizeof r->outcome, outcome);
	/* Read-only: to the journal, flagged pending (no key holder). */
	if (db_readonly(c->db) != DB_RW) {
		ret = audit_journal_pending(c, r, m);
	} else {
		ret = db_audit_pending_add(c->db, r, m);
	}
	free(r);
	return ret;
}

struct drain_ctx {
	session_t *s;
	status_t ret;
	msg_t *m;
};

static int drain_one(const db_audit_row_t *row, void *arg)
{
	struct drain_ctx *d = arg;
	db_audit_row_t *r;
	if (d->ret != STATUS_OK)
		return 1;
	r = malloc(sizeof *r);
	if (!r) {
		d->ret = msg_fail(d->m, STATUS_NOMEM, "Out of memory writing the audit trail.");
		return 1;
	}
	*r = *row;
	/* The pending row keeps its own time and actor; the chain adds the
	 * note that it was chained late. */
	d->ret = chain_row(d->s, r, "recorded while no one was signed on", d->m);
	free(r);
	return d->ret != STATUS_OK;
}

status_t audit_drain_pending(session_t *s, msg_t *m)
{
	struct drain_ctx d = {s, STATUS_OK, m};
	status_t ret = db_audit_pending_drain(s->c->db, drain_one, &d, m);
	return d.ret != STATUS_OK ? d.ret : ret;
}

struct verify_ctx {
	session_t *s;
	db_t *db;
	int64_t listed;  /* (patient, entry) pairs the entries list */
	int64_t *prows; /* scratch, DB_AUDIT_LISTED_MAX */
	unsigned char prev[DB_AUDIT_MAC_LEN];
	int64_t expect;
	int64_t bad;
	int min_version; /* since the last retirement of an audit key version */
	int64_t anchor_seq;
	unsigned char anchor_mac[DB_AUDIT_MAC_LEN];
	int anchor_seen;
	status_t ret;
	msg_t *m;
	char why[160];
};

static int verify_one(const db_audit_row_t *r, void *arg)
{
	struct verify_ctx *v = arg;
	unsigned char mac[32];
	if (r->seq != v->expect) {
		v->bad = v->expect;
		snprintf(v->why, sizeof v->why,
			 r->seq > v->expect ? "entry %" PRId64 " is missing (deleted or renumbered)"
					    : "entry %" PRId64 " is out of order",
			 v->expect);
		return 1;
	}
	/* Each entry is MAC'd with the audit key version it names: older
	 * versions are kept (under the current key) to verify the entries
	 * made with them (core/rotate.h). Once the trail records that a
	 * version was retired, no later entry may use it or an older one: a
	 * retired key can no longer add to the trail. */
	if (r->key_version < v->min_version || r->key_version <= 0 ||
	    r->key_version > keyring_version(v->s->kr, DOMAIN_AUDIT)) {
		v->bad = r->seq;
		snprintf(v->why, sizeof v->why,
			 "entry %" PRId64 " names audit key version %d, which %s", r->seq,
			 r->key_version,
			 r->key_version > 0 && r->key_version < v->min_version
				 ? "was retired before it (written with an old key)"
				 : "does not exist (altered)");
		return 1;
	}
	if (!keyring_has_version(v->s->kr, DOMAIN_AUDIT, r->key_version)) {
		v->ret = msg_fail(v->m, STATUS_CRYPTO,
				  "Entry %" PRId64 " was made with audit key version %d, which this "
				  "session does not hold; sign on again.",
				  r->seq, r->key_version);
		return 1;
	}
	if ((v->ret = row_mac(v->s->kr, r, v->prev, mac, v->m)) != STATUS_OK)
		return 1;
	if (r->mac_len != DB_AUDIT_MAC_LEN || crypto_memcmp(mac, r->mac, sizeof mac) != 0) {
		v->bad = r->seq;
		snprintf(v->why, sizeof v->why,
			 "entry %" PRId64 " does not match its MAC (altered, inserted or reordered)",
			 r->seq);
		return 1;
	}
	/* The patients a search entry listed are indexed in audit_listed:
	 * each pair must be there (one removed or moved is named here; one
	 * added is counted against the total at the end). */
	if (r->listed[0]) {
		int n = audit_listed_parse(r->listed, v->prows, DB_AUDIT_LISTED_MAX);
		if (n < 0) {
			v->bad = r->seq;
			snprintf(v->why, sizeof v->why,
				 "entry %" PRId64 " records its listed patients malformed", r->seq);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int found = 0;
			if ((v->ret = db_audit_listed_has(v->db, v->prows[i], r->seq, &found, v->m)) !=
			    STATUS_OK)
				return 1;
			if (!found) {
				v->bad = r->seq;
				snprintf(v->why, sizeof v->why,
					 "entry %" PRId64 " listed patient row %" PRId64
					 ", which audit_listed no longer records (removed or moved)",
					 r->seq, v->prows[i]);
				return 1;
			}
		}
		v->listed += n;
	}
	if (v->anchor_seq == r->seq) {
		if (crypto_memcmp(v->anchor_mac, r->mac, DB_AUDIT_MAC_LEN) != 0) {
			v->bad = r->seq;
			snprintf(v->why, sizeof v->why,
				 "entry %" PRId64
				 " differs from the saved anchor (the trail was rewritten)",
				 r->seq);
			return 1;
		}
		v->anchor_seen = 1;
	}
	if (strcmp(r->action, AUDIT_KEY_RETIRED) == 0 && strcmp(r->target, "audit") == 0)
		v->min_version = r->key_version;
	memcpy(v->prev, r->mac, DB_AUDIT_MAC_LEN);
	v->expect++;
	return 0;
}

static status_t parse_anchor(const char *anchor, int64_t *seq, unsigned char mac[32], msg_t *m)
{
	char *end = NULL;
	size_t len = 0;
	long long n = strtoll(anchor, &end, 10);
	if (n <= 0 || !end || *end != ':' ||
	    sodium_hex2bin(mac, DB_AUDIT_MAC_LEN, end + 1, strlen(end + 1), NULL, &len, NULL) != 0 ||
	    len != DB_AUDIT_MAC_LEN)
		return msg_fail(m, STATUS_USAGE,
				"'%s' is not an anchor; use the SEQ:MAC text that 'audit anchor' "
				"printed.",
				anchor);
	*seq = (int64_t)n;
	return STATUS_OK;
}

/* Every entry of db's chain through verify_one, then audit_listed
 * against the pairs the entries list, in one read snapshot (a concurrent
 * append cannot tear it). v->bad and v->why say what broke. */
static status_t chain_pass(db_t *db, struct verify_ctx *v, msg_t *m)
{
	status_t ret;
	int reading = 0;
	int64_t have = 0;
	v->db = db;
	if (!(v->prows = malloc(DB_AUDIT_LISTED_MAX * sizeof *v->prows)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory verifying the audit trail.");
	if ((ret = db_read_begin(db, &reading, m)) != STATUS_OK)
		goto cleanup;
	ret = db_audit_each(db, NULL, verify_one, v, m);
	if (ret == STATUS_OK)
		ret = v->ret;
	if (ret != STATUS_OK || v->bad)
		goto cleanup;
	if ((ret = db_audit_listed_count(db, INT64_MAX, &have, m)) != STATUS_OK)
		goto cleanup;
	if (have != v->listed) {
		v->bad = v->expect;
		snprintf(v->why, sizeof v->why,
			 "audit_listed records %" PRId64 " searches' listed patients where the "
			 "entries list %" PRId64 " (added, copied or moved)",
			 have, v->listed);
	}
cleanup:
	db_read_end(db, reading);
	free(v->prows);
	v->prows = NULL;
	return ret;
}

status_t audit_chain_check(session_t *s, int64_t *bad_seq, char *why, size_t size, msg_t *m)
{
	struct verify_ctx *v = calloc(1, sizeof *v);
	status_t ret;
	*bad_seq = 0;
	if (!v)
		return msg_fail(m, STATUS_NOMEM, "Out of memory verifying the audit trail.");
	v->s = s;
	v->expect = 1;
	v->m = m;
	ret = chain_pass(s->c->db, v, m);
	if (ret == STATUS_OK && v->bad) {
		*bad_seq = v->bad;
		snprintf(why, size, "%s", v->why);
	}
	free(v);
	return ret;
}

/* The charts of db against its trail, as integrity_verify_all checks s's
 * own database: a copy (a backup) through a view of s on it, holding the
 * same keys, whose clinic is the copy (sealed as the copy says). */
static status_t verify_charts(session_t *s, db_t *db, int64_t *charts, msg_t *m)
{
	clinic_t *view = NULL;
	session_t *sv = NULL;
	status_t ret;
	if (db == s->c->db)
		return integrity_verify_all(s, charts, m);
	*charts = 0;
	if (!(view = malloc(sizeof *view)) || !(sv = malloc(sizeof *sv))) {
		free(view);
		return msg_fail(m, STATUS_NOMEM, "Out of memory checking the charts.");
	}
	*view = *s->c;
	view->db = db;
	*sv = *s;
	sv->c = view;
	if ((ret = integrity_sealed(view, &view->sealed, m)) == STATUS_OK)
		ret = integrity_verify_all(sv, charts, m);
	free(sv);
	free(view);
	return ret;
}

status_t audit_verify_db(session_t *s, db_t *db, const char *anchor, int64_t *count,
			 int64_t *bad_seq, msg_t *m)
{
	struct verify_ctx *v = NULL;
	status_t ret = STATUS_OK;

	*count = 0;
	*bad_seq = 0;
	if (!(v = calloc(1, sizeof *v)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory verifying the audit trail.");
	v->s = s;
	v->expect = 1;
	v->m = m;
	if (anchor && *anchor &&
	    (ret = parse_anchor(anchor, &v->anchor_seq, v->anchor_mac, m)) != STATUS_OK)
		goto cleanup;
	/* One read snapshot: a concurrent append cannot tear it. */
	if ((ret = chain_pass(db, v, m)) != STATUS_OK)
		goto cleanup;
	if (v->bad) {
		*bad_seq = v->bad;
		ret = msg_fail(m, STATUS_INTEGRITY, "audit chain BROKEN at sequence %" PRId64 ": %s",
			       v->bad, v->why);
		goto cleanup;
	}
	*count = v->expect - 1;
	if (v->anchor_seq && !v->anchor_seen) {
		*bad_seq = *count + 1;
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "audit chain BROKEN: the saved anchor is at sequence %" PRId64
			       " but the chain ends at %" PRId64 " (truncated or an old copy)",
			       v->anchor_seq, *count);
		goto cleanup;
	}
	/* The charts against the trail: a chart rolled back, a row put back
	 * from an old copy or deleted no longer matches what was recorded. */
	{
		int64_t charts = 0;
		msg_t why;
		if ((ret = verify_charts(s, db, &charts, &why)) != STATUS_OK) {
			ret = msg_fail(m, ret, "audit chain OK: %" PRId64 " entries\ncharts FAILED: %s",
				       *count, why.text);
			goto cleanup;
		}
		msg_set(m, "audit chain OK: %" PRId64 " entries\nchart heads OK: %" PRId64
			   " charts match the trail",
			*count, charts);
	}
cleanup:
	free(v);
	return ret;
}

status_t audit_verify(session_t *s, const char *anchor, int64_t *count, int64_t *bad_seq,
		      msg_t *m)
{
	status_t ret;
	*count = 0;
	*bad_seq = 0;
	status_t flushed = STATUS_OK;
	int64_t jok = 0, jbad = 0;
	msg_t fm;
	char report[sizeof m->text];

	if ((ret = session_require(s, ACT_AUDIT_VERIFY, m)) != STATUS_OK)
		return ret;
	/* Events waiting in the journal are chained first, so the check
	 * covers them; if they cannot be (a read-only database, a full disk),
	 * their MACs are checked where they are, below. A session that may
	 * not record anything (session_unaudited) changes nothing. */
	if (s->unaudited)
		flushed = msg_fail(&fm, STATUS_READONLY, "this access is not audited");
	else
		flushed = audit_flush(s, &fm);
	if ((ret = audit_verify_db(s, s->c->db, anchor, count, bad_seq, m)) != STATUS_OK)
		return ret;
	if (flushed == STATUS_OK)
		return STATUS_OK;
	snprintf(report, sizeof report, "%s", m->text);
	if ((ret = audit_journal_check(s, &jok, &jbad, m)) != STATUS_OK)
		return ret;
	if (jbad)
		return msg_fail(m, STATUS_INTEGRITY,
				"%s\naudit journal FAILED: %" PRId64 " of the %" PRId64
				" events waiting do not match their MAC (altered or forged); not "
				"chained: %s",
				report, jbad, jok + jbad, fm.text);
	msg_set(m, "%s\naudit journal OK: %" PRId64 " events wait to be chained (%s)", report,
		jok, fm.text);
	return STATUS_OK;
}

status_t audit_last_anchor(db_t *db, char *buf, size_t size, msg_t *m)
{
	int64_t seq;
	unsigned char mac[DB_AUDIT_MAC_LEN];
	char hex[DB_AUDIT_MAC_LEN * 2 + 1];
	status_t ret = db_audit_last(db, &seq, mac, m);
	if (ret != STATUS_OK)
		return ret;
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	snprintf(buf, size, "%" PRId64 ":%s", seq, hex);
	return STATUS_OK;
}

status_t audit_anchor(session_t *s, char *buf, size_t size, msg_t *m)
{
	status_t ret;
	int64_t seq;
	unsigned char mac[DB_AUDIT_MAC_LEN];
	char hex[DB_AUDIT_MAC_LEN * 2 + 1];

	if ((ret = session_require(s, ACT_AUDIT_VERIFY, m)) != STATUS_OK)
		return ret;
	/* What waits in the journal first, so the anchor covers it (not
	 * while the database cannot be written: the trail's last entry). */
	if (db_readonly(s->c->db) == DB_RW && (ret = audit_flush(s, m)) != STATUS_OK)
		return ret;
	/* Audit the request first, so the anchor covers it. */
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_append(s, "audit_anchor", "", "ok", NULL, m)) == STATUS_OK)
		ret = db_audit_last(s->c->db, &seq, mac, m);
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK) {
		db_rollback(s->c->db);
		return ret;
	}
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	snprintf(buf, size, "%" PRId64 ":%s", seq, hex);
	return STATUS_OK;
}

struct list_ctx {
	session_t *s;
	int (*fn)(const audit_entry_t *e, void *arg);
	void *arg;
	audit_entry_t e;
};

static int list_one(const db_audit_row_t *r, void *arg)
{
	struct list_ctx *l = arg;
	audit_entry_t *e = &l->e;
	memset(e, 0, sizeof *e);
	e->seq = r->seq;
	copy_field(e->ts, sizeof e->ts, r->ts);
	copy_field(e->user_name, sizeof e->user_name, r->user_name);
	copy_field(e->os_user, sizeof e->os_user, r->os_user);
	copy_field(e->source, sizeof e->source, r->source);
	copy_field(e->action, sizeof e->action, r->action);
	copy_field(e->target, sizeof e->target, r->target);
	copy_field(e->outcome, sizeof e->outcome, r->outcome);
	if (r->has_detail) {
		char *plain = NULL;
		size_t plen = 0;
		char rowid[32];
		msg_t why;
		snprintf(rowid, sizeof rowid, "%" PRId64, r->seq);
		if (crypto_field_decrypt(l->s->kr, DOMAIN_AUDIT, "audit", "detail", rowid, r->detail,
					 r->detail_len, &plain, &plen, &why) == STATUS_OK)
			copy_field(e->detail, sizeof e->detail, plain);
		else
			copy_field(e->detail, sizeof e->detail, "(detail failed its integrity check)");
		crypto_free_plain(plain, plen);
	}
	return l->fn(e, l->arg);
}

status_t audit_list(session_t *s, const audit_query_t *q,
		    int (*fn)(const audit_entry_t *e, void *arg), void *arg, msg_t *m)
{
	status_t ret;
	struct list_ctx *l;
	db_audit_filter_t f = {0};
	char detail[160], since[DATE_ISO_SIZE], from[24];

	if ((ret = session_require(s, ACT_AUDIT_VIEW, m)) != STATUS_OK)
		return ret;
	if (q) {
		f.user_name = q->user_name;
		if (q->since && *q->since) {
			if ((ret = date_parse_msg("Since", q->since, NULL, NULL, since, m)) !=
			    STATUS_OK)
				return ret;
			/* The day starts at midnight in the clinic's zone. */
			if ((ret = tz_to_utc(s->c->cfg->clinic_tz, since, 0, 0, from, m)) !=
			    STATUS_OK)
				return ret;
			f.since = from;
		}
		f.target = q->target;
		f.limit = q->limit;
		f.newest_first = q->newest_first;
	}
	snprintf(detail, sizeof detail, "user=%s since=%s", f.user_name ? f.user_name : "*",
	         f.since ? since : "*");
	/* Everything waiting in the journal first, so the review shows it
	 * (while the database cannot be written, the trail as it is). */
	if (db_readonly(s->c->db) == DB_RW && (ret = audit_flush(s, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_append(s, "audit_view", f.target ? f.target : "", "ok", detail, m)) ==
	    STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK) {
		db_rollback(s->c->db);
		return ret;
	}
	if (!(l = calloc(1, sizeof *l)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit trail.");
	l->s = s;
	l->fn = fn;
	l->arg = arg;
	ret = db_audit_each(s->c->db, &f, list_one, l, m);
	free(l);
	return ret;
}
