/* audit_journal.c - the audit journal (db/db_journal.h): recording the
 * events of actions that change nothing in the database without its write
 * lock, and every event while the database cannot be written, and
 * chaining them into the audit trail exactly once (internal.h has the
 * contract, README "Many users at once" the argument). */
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/lpbuf.h"
#include "core/audit.h"
#include "core/internal.h"
#include "db/db_audit.h"
#include "db/db_journal.h"
#include "db/db_keys.h"
#include "db/db_users.h"

/* Events taken from the journal per chain step: a writer that finds a
 * long backlog (hours of reading with no write) chains it in pieces. */
#define CHAIN_STEP 1024
/* Searches of one session chained as one trail entry, at most this much
 * detail (kind:token pairs, 20 to 32 bytes each): what a reviewer's
 * listing shows whole (audit_entry_t). */
/* Ids of chained events are kept for this many trail entries. */
#define AUDIT_EVENT_HORIZON 100000
#define SEARCH_GROUP_BYTES (sizeof(((audit_entry_t *)0)->detail) - 1)

static const char JTABLE[] = "audit_journal";

/* ---- the event's MAC ---------------------------------------------------- */

/* Keyed with the audit key's chain subkey over every field (length
 * prefixed, after a tag no trail row starts with): an event altered or
 * forged in the journal file is found when it is chained. */
static status_t event_mac(const keyring_t *kr, const db_jevent_t *e, unsigned char mac[32],
			  msg_t *m)
{
	lpbuf_t b = {0};
	char num[16];
	status_t ret;
	/* One allocation: the fields (at most ~450 bytes with their prefixes),
	 * the detail and the listed row numbers. */
	lpbuf_reserve(&b, 640 + e->detail_len + (size_t)(e->nlisted > 0 ? e->nlisted : 0) *
						       sizeof e->listed[0]);
	lpbuf_str(&b, "chartroom-journal:1");
	lpbuf_str(&b, e->event_id);
	lpbuf_str(&b, e->session_id);
	lpbuf_str(&b, e->ts);
	lpbuf_str(&b, e->user_id);
	lpbuf_str(&b, e->user_name);
	lpbuf_str(&b, e->os_user);
	lpbuf_str(&b, e->source);
	lpbuf_str(&b, e->action);
	lpbuf_str(&b, e->target);
	lpbuf_str(&b, e->outcome);
	lpbuf_put(&b, e->has_detail ? "D" : "N", 1);
	lpbuf_put(&b, e->detail, e->detail_len);
	snprintf(num, sizeof num, "%d", e->key_version);
	lpbuf_str(&b, num);
	snprintf(num, sizeof num, "%d", e->flags);
	lpbuf_str(&b, num);
	/* The patients a search listed (journal format 2): after a tag, so
	 * events without any serialise as before. */
	if (e->nlisted > 0) {
		lpbuf_str(&b, "listed");
		lpbuf_put(&b, e->listed, (size_t)e->nlisted * sizeof e->listed[0]);
	}
	if (b.bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
	else
		ret = crypto_audit_mac(kr, e->key_version, b.p, b.len, mac, m);
	lpbuf_free(&b);
	return ret;
}

static int event_mac_ok(const keyring_t *kr, const db_jevent_t *e)
{
	unsigned char mac[32];
	msg_t ignore;
	if (e->mac_len != DB_AUDIT_MAC_LEN || e->key_version <= 0 ||
	    !keyring_has_version(kr, DOMAIN_AUDIT, e->key_version) ||
	    event_mac(kr, e, mac, &ignore) != STATUS_OK)
		return 0;
	return crypto_memcmp(mac, e->mac, sizeof mac) == 0;
}

/* ---- sending ------------------------------------------------------------ */

/* Is there a journal to write to? */
static int have_journal(const clinic_t *c)
{
	return db_journal_why(c->db)[0] == '\0';
}

void audit_journal_close(clinic_t *c)
{
	msg_t ignore;
	audit_resend(c, &ignore);
	if (c->unsent) {
		sodium_memzero(c->unsent, (size_t)c->unsent_cap * sizeof *c->unsent);
		free(c->unsent);
	}
	c->unsent = NULL;
	c->nunsent = c->unsent_cap = 0;
}

static status_t no_journal(clinic_t *c, msg_t *m)
{
	return msg_fail(m, STATUS_DB, "The audit journal is not available (%s)",
			db_journal_why(c->db));
}

static void unsent_drop(clinic_t *c, int i)
{
	memmove(&c->unsent[i], &c->unsent[i + 1], (size_t)(c->nunsent - i - 1) * sizeof *c->unsent);
	c->nunsent--;
	sodium_memzero(&c->unsent[c->nunsent], sizeof *c->unsent);
}

status_t audit_resend(clinic_t *c, msg_t *m)
{
	status_t ret;
	if (!c->nunsent)
		return STATUS_OK;
	if (!have_journal(c))
		return no_journal(c, m);
	int kept = 0;
	for (int i = 0; i < c->nunsent;) {
		/* Same event id as the first attempt: if that one reached the
		 * file after all, the chain takes it once (the ids). */
		ret = db_journal_add(c->db, &c->unsent[i], m);
		if (ret == STATUS_CONFLICT) {
			int seen = 0;
			msg_t ignore;
			/* Chained from here already (audit_chain_kept). */
			if (db_audit_event_seen(c->db, c->unsent[i].event_id, &seen, &ignore) ==
				    STATUS_OK &&
			    seen) {
				unsent_drop(c, i);
				continue;
			}
			/* Made under an audit key version retired since (a
			 * rotation, core/rotate.h): the journal no longer takes
			 * it, so it stays here and this process's next change
			 * chains it (chain_step takes the unsent events, which no
			 * file could have altered, under the version they name). */
			i++;
			kept++;
			continue;
		}
		if (ret != STATUS_OK)
			return ret;
		unsent_drop(c, i);
	}
	if (kept)
		return msg_fail(m, STATUS_CONFLICT,
				"made under an audit key version retired since, they wait for this "
				"program's next change");
	return STATUS_OK;
}

void audit_chain_kept(session_t *s)
{
	db_t *db = s->c->db;
	msg_t ignore;
	if (!s->c->nunsent || s->locked || s->unaudited || !keyring_has(s->kr, DOMAIN_AUDIT) ||
	    db_readonly(db) != DB_RW || db_in_transaction(db) || db_begin(db, &ignore) != STATUS_OK)
		return;
	if (audit_chain(s, &ignore) == STATUS_OK && db_commit(db, &ignore) == STATUS_OK) {
		audit_resend(s->c, &ignore); /* forgets those now chained */
		return;
	}
	db_rollback(db);
}

static status_t keep_unsent(clinic_t *c, const db_jevent_t *e, msg_t *m)
{
	if (c->nunsent == c->unsent_cap) {
		int cap = c->unsent_cap ? c->unsent_cap * 2 : 8;
		db_jevent_t *n = calloc((size_t)cap, sizeof *n);
		if (!n)
			return msg_fail(m, STATUS_NOMEM, "Out of memory keeping an audit event.");
		if (c->unsent) {
			memcpy(n, c->unsent, (size_t)c->nunsent * sizeof *n);
			sodium_memzero(c->unsent, (size_t)c->unsent_cap * sizeof *c->unsent);
			free(c->unsent);
		}
		c->unsent = n;
		c->unsent_cap = cap;
	}
	c->unsent[c->nunsent++] = *e;
	return STATUS_OK;
}

/* src into dst, cut to size - 1 bytes as snprintf would (without its
 * formatting: an event copies ten of these). */
static void copy_field(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void row_from_event(db_audit_row_t *r, const db_jevent_t *e)
{
	memset(r, 0, sizeof *r);
	copy_field(r->ts, sizeof r->ts, e->ts);
	copy_field(r->user_id, sizeof r->user_id, e->user_id);
	copy_field(r->user_name, sizeof r->user_name, e->user_name);
	copy_field(r->os_user, sizeof r->os_user, e->os_user);
	copy_field(r->source, sizeof r->source, e->source);
	copy_field(r->action, sizeof r->action, e->action);
	copy_field(r->target, sizeof r->target, e->target);
	copy_field(r->outcome, sizeof r->outcome, e->outcome);
}

/* The event straight into the trail, with what waits before it. */
static status_t append_alone(session_t *s, const db_jevent_t *e, const char *detail, msg_t *m)
{
	db_t *db = s->c->db;
	status_t ret = db_begin(db, m);
	if (ret != STATUS_OK)
		return ret;
	if ((ret = audit_chain(s, m)) == STATUS_OK) {
		db_audit_row_t *r = malloc(sizeof *r);
		if (!r) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
		} else {
			row_from_event(r, e);
			/* Made here a moment ago: its listed patients are ours. */
			if (e->nlisted > 0 && audit_listed_format(e->listed, e->nlisted, r->listed,
								  sizeof r->listed) < 0)
				ret = msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
			else
				ret = audit_chain_row(s, r, detail && *detail ? detail : NULL, m);
			if (ret == STATUS_OK)
				ret = db_audit_event_add(db, e->event_id, r->seq, m);
			if (ret == STATUS_OK && strcmp(e->action, "login") == 0)
				ret = db_user_seen(db, e->user_id, e->ts, e->source, m);
			free(r);
		}
	}
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK)
		db_rollback(db);
	return ret;
}

/* An event made empty: its named fields and counts zeroed, not its 4 KB
 * of detail and 200 listed row numbers, of which only the first
 * detail_len bytes and nlisted numbers are ever read (MAC, encoding,
 * chaining) or written. */
static void event_clear(db_jevent_t *e)
{
	memset(e, 0, offsetof(db_jevent_t, detail));
	e->detail_len = 0;
	e->has_detail = 0;
	e->key_version = 0;
	e->flags = 0;
	memset(e->mac, 0, sizeof e->mac);
	e->mac_len = 0;
	e->nlisted = 0;
}

/* What event_make wrote into e, wiped: every byte of it that was ever
 * set (the parts event_clear leaves alone are never written beyond the
 * lengths). */
static void event_wipe(db_jevent_t *e)
{
	size_t dl = e->detail_len < sizeof e->detail ? e->detail_len : sizeof e->detail;
	int nl = e->nlisted > 0 && e->nlisted <= DB_JOURNAL_LISTED_MAX ? e->nlisted : 0;
	sodium_memzero(e->detail, dl);
	sodium_memzero(e->listed, (size_t)nl * sizeof e->listed[0]);
	sodium_memzero(e, offsetof(db_jevent_t, detail));
	sodium_memzero(e->mac, sizeof e->mac);
	event_clear(e);
}

/* An event of session s, its detail encrypted (bound to the event's id;
 * re-encrypted under its sequence number when chained) and its MAC set.
 * ts: when it happened (NULL: now). */
static status_t event_make(session_t *s, const char *ts, const char *action, const char *target,
			   const char *outcome, const char *detail, int flags,
			   const int64_t *listed, int nlisted, db_jevent_t *e, msg_t *m)
{
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	status_t ret = STATUS_OK;

	event_clear(e);
	crypto_random_id(e->event_id);
	copy_field(e->session_id, sizeof e->session_id, s->sid);
	if (ts && *ts)
		copy_field(e->ts, sizeof e->ts, ts);
	else
		core_now(e->ts);
	copy_field(e->user_id, sizeof e->user_id, s->user.id);
	copy_field(e->user_name, sizeof e->user_name, s->user.name);
	copy_field(e->os_user, sizeof e->os_user, s->os_user);
	copy_field(e->source, sizeof e->source, s->source);
	copy_field(e->action, sizeof e->action, action);
	copy_field(e->target, sizeof e->target, target);
	copy_field(e->outcome, sizeof e->outcome, outcome);
	e->key_version = keyring_version(s->kr, DOMAIN_AUDIT);
	e->flags = flags;
	if (nlisted > DB_JOURNAL_LISTED_MAX)
		return msg_fail(m, STATUS_INVALID, "A search may list at most %d patients.",
				DB_JOURNAL_LISTED_MAX);
	if (nlisted > 0) {
		memcpy(e->listed, listed, (size_t)nlisted * sizeof *listed);
		e->nlisted = nlisted;
	}
	if (detail && *detail) {
		ret = crypto_field_encrypt(s->kr, DOMAIN_AUDIT, JTABLE, "detail", e->event_id, detail,
					   strlen(detail), 1, &blob, &blob_len, m);
		if (ret != STATUS_OK)
			goto cleanup;
		if (blob_len > sizeof e->detail) {
			ret = msg_fail(m, STATUS_INVALID, "Audit detail too long.");
			goto cleanup;
		}
		memcpy(e->detail, blob, blob_len);
		e->detail_len = blob_len;
		e->has_detail = 1;
	}
	if ((ret = event_mac(s->kr, e, e->mac, m)) == STATUS_OK)
		e->mac_len = DB_AUDIT_MAC_LEN;
cleanup:
	free(blob);
	return ret;
}

status_t audit_note(session_t *s, const char *action, const char *target, const char *outcome,
		    const char *detail, int keep, msg_t *m)
{
	return audit_note_listed(s, action, target, outcome, detail, NULL, 0, keep, m);
}

status_t audit_note_listed(session_t *s, const char *action, const char *target,
			   const char *outcome, const char *detail, const int64_t *listed, int n,
			   int keep, msg_t *m)
{
	clinic_t *c = s->c;
	db_jevent_t *e;
	status_t ret;
	int ro = db_readonly(c->db) != DB_RW;
	msg_t why;

	if (!keyring_has(s->kr, DOMAIN_AUDIT))
		return msg_fail(m, STATUS_CRYPTO, "The audit key is not available; nothing recorded.");
	/* A read-only database with nowhere to record (README "When the disk
	 * is full or the database is read-only"): only audit roles got here. */
	if (s->unaudited)
		return STATUS_OK;
	if (!(e = malloc(sizeof *e)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
	event_clear(e);
	/* Key versions granted by a rotation since this session last looked
	 * are taken in first, so the event is made under the audit key in
	 * use (core/rotate.h); a session that cannot take them in is found
	 * stale by its next check and signs on again. */
	if (!s->keys_checked)
		session_keys_fresh(s, NULL, &why);
	s->keys_checked = 0;
	for (int tries = 0;; tries++) {
		if ((ret = event_make(s, NULL, action, target, outcome, detail,
				      ro ? DB_JEV_READONLY : 0, listed, n, e, m)) != STATUS_OK)
			goto cleanup;
		/* Earlier events that could not be sent go first, in order.
		 * Without a journal (it could not be made), or when it cannot be
		 * written, the event goes into the trail in a write of its own,
		 * waiting in line like any change (its id recorded there too:
		 * should the failed append reach the file after all, it is found
		 * chained). */
		if (!have_journal(c)) {
			ret = ro ? no_journal(c, &why) : append_alone(s, e, detail, &why);
			break;
		}
		/* Earlier events kept because their audit key version was
		 * retired (audit_resend) go into the trail in a write of their
		 * own, and do not hold this one back. */
		db_journal_set_sync(c->db, c->cfg->journal_sync == 0);
		if ((ret = audit_resend(c, &why)) == STATUS_CONFLICT) {
			audit_chain_kept(s);
			ret = STATUS_OK;
		}
		if (ret == STATUS_OK)
			ret = db_journal_add(c->db, e, &why);
		/* The audit key version it was made under was retired meanwhile
		 * (the journal refuses it under its lock, which the retirement
		 * held): made anew under the version now in use. */
		if (ret == STATUS_CONFLICT && tries < 2) {
			int stale = 0, before = keyring_version(s->kr, DOMAIN_AUDIT);
			msg_t why2;
			if (session_keys_fresh(s, &stale, &why2) == STATUS_OK && !stale &&
			    keyring_version(s->kr, DOMAIN_AUDIT) != before)
				continue;
			ret = msg_fail(&why, STATUS_CONFLICT,
				       "The keys were rotated while this session was open: sign on "
				       "again to continue");
		}
		if (ret != STATUS_OK && ret != STATUS_CONFLICT && !ro) {
			msg_t why2;
			if (append_alone(s, e, detail, &why2) == STATUS_OK)
				ret = STATUS_OK;
		}
		break;
	}
	if (ret != STATUS_OK) {
		if (keep && keep_unsent(c, e, m) != STATUS_OK)
			goto cleanup;
		ret = msg_fail(m, ret, "%s%s", why.text,
			       keep ? "; it is kept and will be written with the next change" : "");
	}
cleanup:
	event_wipe(e);
	free(e);
	return ret;
}

status_t audit_journal_row(session_t *s, const db_audit_row_t *r, const char *detail, msg_t *m)
{
	db_jevent_t *e;
	status_t ret;
	int64_t *listed = NULL;
	int n = 0;
	if (s->unaudited)
		return STATUS_OK;
	if (!(e = malloc(sizeof *e)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
	event_clear(e);
	if (r->listed[0]) {
		if (!(listed = malloc(DB_JOURNAL_LISTED_MAX * sizeof *listed))) {
			free(e);
			return msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
		}
		if ((n = audit_listed_parse(r->listed, listed, DB_JOURNAL_LISTED_MAX)) < 0) {
			free(listed);
			free(e);
			return msg_fail(m, STATUS_ERR, "Too many listed patients for the journal.");
		}
	}
	ret = event_make(s, r->ts, r->action, r->target, r->outcome, detail, DB_JEV_READONLY,
			 listed, n, e, m);
	free(listed);
	if (ret == STATUS_OK)
		ret = db_journal_add(s->c->db, e, m);
	event_wipe(e);
	free(e);
	return ret;
}

status_t audit_journal_pending(clinic_t *c, const db_audit_row_t *r, msg_t *m)
{
	db_jevent_t *e = calloc(1, sizeof *e);
	status_t ret;
	if (!e)
		return msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
	crypto_random_id(e->event_id);
	copy_field(e->ts, sizeof e->ts, r->ts);
	copy_field(e->user_id, sizeof e->user_id, r->user_id);
	copy_field(e->user_name, sizeof e->user_name, r->user_name);
	copy_field(e->os_user, sizeof e->os_user, r->os_user);
	copy_field(e->source, sizeof e->source, r->source);
	copy_field(e->action, sizeof e->action, r->action);
	copy_field(e->target, sizeof e->target, r->target);
	copy_field(e->outcome, sizeof e->outcome, r->outcome);
	e->flags = DB_JEV_PENDING | (db_readonly(c->db) != DB_RW ? DB_JEV_READONLY : 0);
	ret = db_journal_add(c->db, e, m);
	free(e);
	return ret;
}

/* ---- chaining ----------------------------------------------------------- */

typedef struct chain {
	session_t *s;
	db_jevent_t *ev; /* taken from the journal (and the clinic), to chain */
	int n, cap;
	int njournal; /* ev[0 .. njournal) came from the journal file */
	/* Audit key versions looked up: 0 not yet, 1 in use, 2 retired. */
	signed char vstate[256];
	status_t ret;
	msg_t *m;
} chain_t;

static int chain_push(chain_t *ch, const db_jevent_t *e)
{
	if (ch->n == ch->cap) {
		int cap = ch->cap ? ch->cap * 2 : 64;
		db_jevent_t *n = realloc(ch->ev, (size_t)cap * sizeof *n);
		if (!n)
			return -1;
		ch->ev = n;
		ch->cap = cap;
	}
	ch->ev[ch->n++] = *e;
	return 0;
}

/* Under the journal's lock: an event already chained may be removed
 * there; the others are copied out to be chained once the lock is
 * released. */
static int take_one(const db_jevent_t *e, void *arg)
{
	chain_t *ch = arg;
	int seen = 0;
	if ((ch->ret = db_audit_event_seen(ch->s->c->db, e->event_id, &seen, ch->m)) != STATUS_OK)
		return -1;
	if (seen)
		return 1;
	if (chain_push(ch, e) != 0) {
		ch->ret = msg_fail(ch->m, STATUS_NOMEM, "Out of memory.");
		return -1;
	}
	return 0;
}


/* The event's detail in plaintext (*out malloc'd, "" when none), or
 * STATUS_INTEGRITY. */
static status_t event_detail(session_t *s, const db_jevent_t *e, char **out, size_t *len,
			     msg_t *m)
{
	*out = NULL;
	*len = 0;
	if (!e->has_detail) {
		if (!(*out = calloc(1, 1)))
			return msg_fail(m, STATUS_NOMEM, "Out of memory.");
		return STATUS_OK;
	}
	return crypto_field_decrypt(s->kr, DOMAIN_AUDIT, JTABLE, "detail", e->event_id, e->detail,
				    e->detail_len, out, len, m);
}

/* Is ch->ev[i], read from the journal file, MAC'd with an audit key
 * version the database has retired? Nothing honest can be: the
 * retirement chained what the journal held while it held the journal's
 * lock, and the journal refuses events under a retired version after it
 * (db_journal_add). An event made under a retired key (which may be the
 * key a rotation meant to take out of use) is rejected, not chained. The
 * clinic's own unsent events come from memory, not the file: they are
 * judged by their MAC alone. */
static int retired_in_file(chain_t *ch, int i)
{
	const db_jevent_t *e = &ch->ev[i];
	int v = e->key_version, retired = 0;
	msg_t ignore;
	if (i >= ch->njournal || v < 0 || v > 255)
		return 0;
	if (!ch->vstate[v]) {
		if (db_domain_key_retired(ch->s->c->db, "audit", v, &retired, &ignore) != STATUS_OK)
			retired = 0; /* the MAC still decides */
		ch->vstate[v] = retired ? 2 : 1;
	}
	return ch->vstate[v] == 2;
}

/* An event whose MAC or detail does not check: the trail says so (who it
 * claims, what it claimed to be) instead of taking it or dropping it. */
static status_t chain_rejected(chain_t *ch, const db_jevent_t *e, db_audit_row_t *r, int retired)
{
	char detail[200];
	status_t ret;
	row_from_event(r, e);
	copy_field(r->action, sizeof r->action, "audit_journal_rejected");
	copy_field(r->target, sizeof r->target, e->event_id);
	copy_field(r->outcome, sizeof r->outcome, "integrity");
	snprintf(detail, sizeof detail, "claimed action=%.40s outcome=%.24s%s", e->action,
		 e->outcome, retired ? "; made under a retired audit key version" : "");
	if ((ret = audit_chain_row(ch->s, r, detail, ch->m)) != STATUS_OK)
		return ret;
	return db_audit_event_add(ch->s->c->db, e->event_id, r->seq, ch->m);
}

#define NOTE_READONLY "recorded while the database was read-only"
#define NOTE_PENDING "recorded while no one was signed on"

/* An event with no key holder present (a failed sign-on while the
 * database could not be written) or the stand-in for a damaged record: no
 * MAC to check, chained as the pending table's rows are, with a note. */
static status_t chain_pending(chain_t *ch, const db_jevent_t *e, db_audit_row_t *r)
{
	char detail[160];
	status_t ret;
	row_from_event(r, e);
	if (!r->ts[0])
		core_now(r->ts);
	if (strcmp(e->action, "audit_journal_damaged") == 0)
		snprintf(detail, sizeof detail, "a damaged record in the audit journal (%s)",
			 e->event_id);
	else
		snprintf(detail, sizeof detail, "%s%s", NOTE_PENDING,
			 (e->flags & DB_JEV_READONLY) ? "; " NOTE_READONLY : "");
	if ((ret = audit_chain_row(ch->s, r, detail, ch->m)) != STATUS_OK)
		return ret;
	return db_audit_event_add(ch->s->c->db, e->event_id, r->seq, ch->m);
}

/* Chain ev[i] (and, for a search, the same session's later searches in
 * this step, marked in used[]) as one trail entry. */
static status_t chain_event(chain_t *ch, int i, char *used, db_audit_row_t *r)
{
	session_t *s = ch->s;
	db_t *db = s->c->db;
	const db_jevent_t *e = &ch->ev[i];
	status_t ret = STATUS_OK;
	char *detail = NULL, *plain = NULL;
	size_t dlen = 0, plen = 0;
	int group[128], ng = 0, seen = 0, nl = 0;
	int64_t *lst = NULL; /* the group's listed patients */

	used[i] = 1;
	/* Twice in one step (a resent copy of a journal event): once only. */
	if ((ret = db_audit_event_seen(db, e->event_id, &seen, ch->m)) != STATUS_OK || seen)
		return ret;
	if (e->flags & DB_JEV_PENDING)
		return chain_pending(ch, e, r);
	if (retired_in_file(ch, i))
		return chain_rejected(ch, e, r, 1);
	if (!event_mac_ok(s->kr, e) || event_detail(s, e, &detail, &dlen, ch->m) != STATUS_OK)
		return chain_rejected(ch, e, r, 0);
	group[ng++] = i;
	if (e->nlisted > 0) {
		if (!(lst = malloc(DB_AUDIT_LISTED_MAX * sizeof *lst))) {
			ret = msg_fail(ch->m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
		memcpy(lst, e->listed, (size_t)e->nlisted * sizeof *lst);
		nl = e->nlisted;
	}
	if (strcmp(e->action, "patient_search") == 0) {
		size_t cap = SEARCH_GROUP_BYTES + 64;
		char *joined = malloc(cap);
		if (!joined) {
			ret = msg_fail(ch->m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
		snprintf(joined, cap, "%s", detail);
		for (int j = i + 1; j < ch->n && ng < (int)(sizeof group / sizeof group[0]); j++) {
			const db_jevent_t *f = &ch->ev[j];
			int dup = 0;
			if (used[j] || strcmp(f->action, "patient_search") != 0 ||
			    f->flags != e->flags || strcmp(f->session_id, e->session_id) != 0 ||
			    strcmp(f->user_id, e->user_id) != 0 || strcmp(f->source, e->source) != 0 ||
			    strcmp(f->os_user, e->os_user) != 0 ||
			    strcmp(f->user_name, e->user_name) != 0)
				continue;
			if ((ret = db_audit_event_seen(db, f->event_id, &dup, ch->m)) != STATUS_OK) {
				free(joined);
				goto cleanup;
			}
			if (dup) {
				used[j] = 1;
				continue;
			}
			if (retired_in_file(ch, j) || !event_mac_ok(s->kr, f) ||
			    event_detail(s, f, &plain, &plen, ch->m) != STATUS_OK) {
				crypto_free_plain(plain, plen);
				plain = NULL;
				continue; /* chained as rejected in its own turn */
			}
			/* The entry's detail and its listed patients are bounded:
			 * a search past either starts an entry of its own. */
			if (strlen(joined) + 1 + plen > SEARCH_GROUP_BYTES ||
			    nl + f->nlisted > DB_AUDIT_LISTED_MAX) {
				crypto_free_plain(plain, plen);
				plain = NULL;
				break;
			}
			if (f->nlisted > 0) {
				if (!lst && !(lst = malloc(DB_AUDIT_LISTED_MAX * sizeof *lst))) {
					crypto_free_plain(plain, plen);
					free(joined);
					ret = msg_fail(ch->m, STATUS_NOMEM, "Out of memory.");
					goto cleanup;
				}
				memcpy(lst + nl, f->listed, (size_t)f->nlisted * sizeof *lst);
				nl += f->nlisted;
			}
			strcat(joined, " ");
			strcat(joined, plain);
			crypto_free_plain(plain, plen);
			plain = NULL;
			used[j] = 1;
			group[ng++] = j;
		}
		crypto_free_plain(detail, dlen);
		detail = joined;
		dlen = cap;
	}
	/* Recorded while the database could not be written: the trail says
	 * so with the event. */
	if (e->flags & DB_JEV_READONLY) {
		size_t n = strlen(detail) + sizeof NOTE_READONLY + 3;
		char *noted = malloc(n);
		if (!noted) {
			ret = msg_fail(ch->m, STATUS_NOMEM, "Out of memory.");
			goto cleanup;
		}
		snprintf(noted, n, "%s%s%s", detail, *detail ? "; " : "", NOTE_READONLY);
		sodium_memzero(detail, strlen(detail));
		free(detail);
		detail = noted;
	}
	row_from_event(r, e);
	/* The patients the group's searches listed, each once (its MAC and
	 * audit_listed's pairs: audit_chain_row). */
	if (nl > 0 && audit_listed_format(lst, nl, r->listed, sizeof r->listed) < 0) {
		ret = msg_fail(ch->m, STATUS_NOMEM, "Out of memory writing the audit trail.");
		goto cleanup;
	}
	ret = audit_chain_row(s, r, *detail ? detail : NULL, ch->m);
	for (int k = 0; k < ng && ret == STATUS_OK; k++)
		ret = db_audit_event_add(db, ch->ev[group[k]].event_id, r->seq, ch->m);
	/* A sign-on read nothing into the users table when it happened:
	 * its time and place become the account's last sign-on now. */
	if (ret == STATUS_OK && strcmp(e->action, "login") == 0 && strcmp(e->outcome, "ok") == 0)
		ret = db_user_seen(db, e->user_id, e->ts, e->source, ch->m);
cleanup:
	free(lst);
	if (detail) {
		sodium_memzero(detail, strlen(detail));
		free(detail);
	}
	return ret;
}

/* One step: take up to CHAIN_STEP journal events, then the clinic's
 * unsent ones, chain them, then the failed sign-ons. *more: the journal
 * holds more. Journal trouble is returned in *jret (events stay). */
static status_t chain_step(session_t *s, int limit, int *more, status_t *jret, msg_t *jm,
			   msg_t *m)
{
	clinic_t *c = s->c;
	chain_t ch;
	char *used = NULL;
	db_audit_row_t *r = NULL;
	status_t ret = STATUS_OK;
	int trimmed = 0, stale = 0;

	*more = 0;
	*jret = STATUS_OK;
	if (!keyring_has(s->kr, DOMAIN_AUDIT))
		return msg_fail(m, STATUS_CRYPTO, "The audit key is not available; nothing saved.");
	/* Every audit key version in use, to check the events' MACs with
	 * (a rotation's new one is granted while sessions are open); a
	 * session whose own version was retired meanwhile writes nothing. */
	if ((ret = session_keys_fresh(s, &stale, m)) != STATUS_OK)
		return ret;
	if (stale)
		return msg_fail(m, STATUS_CONFLICT,
				"The keys were rotated while this was being saved; nothing was "
				"saved. Try again.");
	memset(&ch, 0, sizeof ch);
	ch.s = s;
	ch.m = m;
	ch.ret = STATUS_OK;
	if (have_journal(c)) {
		*jret = db_journal_take(c->db, limit, take_one, &ch, more, &trimmed, jm);
		ch.njournal = ch.n;
		if (ch.ret != STATUS_OK) { /* the clinic database failed under it */
			ret = ch.ret;
			goto cleanup;
		}
		if (*jret != STATUS_OK) {
			/* Nothing removed there; chain what was read all the same:
			 * the ids make a later step skip them. */
			*more = 0;
			trimmed = 0;
		}
	}
	/* Events removed from the journal: the ids of long-chained ones are
	 * forgotten (kept for AUDIT_EVENT_HORIZON entries, so an old copy of
	 * the journal put back is still known). */
	if (trimmed > 0) {
		int64_t last = 0;
		unsigned char mac[DB_AUDIT_MAC_LEN];
		if ((ret = db_audit_last(c->db, &last, mac, m)) == STATUS_OK &&
		    last > AUDIT_EVENT_HORIZON)
			ret = db_audit_events_prune(c->db, last - AUDIT_EVENT_HORIZON, m);
	}
	/* This process's unsent events: those in the trail already are done
	 * with; the others are chained now and kept until sent or seen. */
	for (int i = 0; i < c->nunsent && ret == STATUS_OK;) {
		int seen = 0;
		if ((ret = db_audit_event_seen(c->db, c->unsent[i].event_id, &seen, m)) != STATUS_OK)
			break;
		if (seen) {
			unsent_drop(c, i);
			continue;
		}
		if (chain_push(&ch, &c->unsent[i]) != 0)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		i++;
	}
	if (ret == STATUS_OK && ch.n) {
		used = calloc((size_t)ch.n, 1);
		r = malloc(sizeof *r);
		if (!used || !r)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit trail.");
	}
	for (int i = 0; i < ch.n && ret == STATUS_OK; i++)
		if (!used[i])
			ret = chain_event(&ch, i, used, r);
	if (ret == STATUS_OK)
		ret = audit_drain_pending(s, m);
cleanup:
	free(used);
	free(r);
	if (ch.ev) {
		sodium_memzero(ch.ev, (size_t)ch.cap * sizeof *ch.ev);
		free(ch.ev);
	}
	return ret;
}

status_t audit_chain(session_t *s, msg_t *m)
{
	unsigned long serial = db_txn_serial(s->c->db);
	status_t ret, jret;
	msg_t jm;
	int more;
	/* Nothing can be chained while the database cannot be written: what
	 * waits stays in the journal, and new events join it. */
	if (s->chained_txn == serial || db_readonly(s->c->db) != DB_RW)
		return STATUS_OK;
	ret = chain_step(s, CHAIN_STEP, &more, &jret, &jm, m);
	if (ret == STATUS_OK)
		s->chained_txn = serial;
	return ret;
}

status_t audit_chain_all(session_t *s, msg_t *m)
{
	status_t ret, jret;
	msg_t jm;
	int more = 0;
	if (db_readonly(s->c->db) != DB_RW)
		return msg_fail(m, STATUS_READONLY,
				"the database cannot be written (%s): events wait in the audit "
				"journal",
				db_readonly_text(db_readonly(s->c->db)));
	/* One step with no limit: a second step in this transaction would find
	 * the first one's events chained (their ids are in audit_events, not
	 * yet committed) and remove them from the journal. */
	ret = chain_step(s, INT_MAX, &more, &jret, &jm, m);
	if (ret == STATUS_OK && jret != STATUS_OK)
		ret = msg_fail(m, jret, "%s", jm.text);
	if (ret == STATUS_OK)
		s->chained_txn = db_txn_serial(s->c->db);
	return ret;
}

status_t audit_flush(session_t *s, msg_t *m)
{
	status_t ret = STATUS_OK, jret = STATUS_OK;
	msg_t jm;
	int more = 1;
	if (db_readonly(s->c->db) != DB_RW)
		return msg_fail(m, STATUS_READONLY,
				"the database cannot be written (%s): events wait in the audit "
				"journal",
				db_readonly_text(db_readonly(s->c->db)));
	/* A step per transaction, until the journal is empty (bounded: others
	 * may keep appending; what they add after the last step is theirs to
	 * chain with their next write, or the next flush's). */
	for (int steps = 0; more && steps < 64 && ret == STATUS_OK; steps++) {
		if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
			break;
		ret = chain_step(s, CHAIN_STEP, &more, &jret, &jm, m);
		if (ret == STATUS_OK)
			ret = db_commit(s->c->db, m);
		if (ret != STATUS_OK)
			db_rollback(s->c->db);
		else
			s->chained_txn = db_txn_serial(s->c->db);
	}
	if (ret == STATUS_OK && jret != STATUS_OK)
		ret = msg_fail(m, jret, "%s", jm.text);
	return ret;
}

struct check_ctx {
	session_t *s;
	int in_file; /* read from the journal file (not this process's memory) */
	int64_t ok, bad;
};

static int check_one(const db_jevent_t *e, void *arg)
{
	struct check_ctx *k = arg;
	int retired = 0;
	msg_t ignore;
	/* As the chain step judges them: under a retired audit key version
	 * is bad (db_journal_add refuses such an event after retirement). */
	if (k->in_file && !(e->flags & DB_JEV_PENDING) &&
	    db_domain_key_retired(k->s->c->db, "audit", e->key_version, &retired, &ignore) !=
		    STATUS_OK)
		retired = 0;
	if ((e->flags & DB_JEV_PENDING) || (!retired && event_mac_ok(k->s->kr, e)))
		k->ok++;
	else
		k->bad++;
	return 0;
}

status_t audit_journal_check(session_t *s, int64_t *ok, int64_t *bad, msg_t *m)
{
	struct check_ctx k = {s, 1, 0, 0};
	status_t ret = STATUS_OK;
	*ok = *bad = 0;
	ret = db_journal_each(s->c->db, NULL, NULL, 0, check_one, &k, m);
	k.in_file = 0;
	for (int i = 0; i < s->c->nunsent; i++)
		check_one(&s->c->unsent[i], &k);
	*ok = k.ok;
	*bad = k.bad;
	return ret;
}

struct scan_ctx {
	int (*fn)(const char *event_id, const char *action, const char *user_name, int flags,
		  void *arg);
	void *arg;
};

static int scan_one(const db_jevent_t *e, void *arg)
{
	struct scan_ctx *k = arg;
	return k->fn(e->event_id, e->action, e->user_name, e->flags, k->arg);
}

status_t audit_journal_scan(const char *db_path,
			    int (*fn)(const char *event_id, const char *action,
				      const char *user_name, int flags, void *arg),
			    void *arg, msg_t *m)
{
	struct scan_ctx k = {fn, arg};
	return db_journal_scan(db_path, scan_one, &k, m);
}
