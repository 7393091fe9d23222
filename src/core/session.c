/* session.c - sign-on, idle lock, unlock, sign-off, permission checks. */
#include "core/session.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/degrade.h"
#include "core/internal.h"
#include "core/keys.h"
#include "core/policy.h"
#include "core/porder.h"
#include "core/reindex.h"
#include "core/reseal.h"
#include "db/db_audit.h"
#include "db/db_journal.h"
#include "db/db_keys.h"

/* Keep only printable ASCII: provenance comes from the environment and must
 * not smuggle control characters into the trail or onto a screen. */
static void clean_copy(char *dst, size_t size, const char *src)
{
	size_t o = 0;
	for (; src && *src && o + 1 < size; src++)
		if (*src >= 0x20 && *src < 0x7f)
			dst[o++] = *src;
	dst[o] = '\0';
}

void core_provenance(char os_user[40], char source[72])
{
	struct passwd *pw = getpwuid(getuid());
	const char *ssh = getenv("SSH_CONNECTION");
	char tmp[72];
	/* SSH_CLIENT ("client_ip client_port server_port") where a server
	 * passes only that: the same client address first. */
	if (!ssh || !*ssh)
		ssh = getenv("SSH_CLIENT");
	clean_copy(os_user, 40, pw ? pw->pw_name : "?");
	if (ssh && *ssh) {
		/* "client_ip client_port server_ip server_port": keep the client. */
		size_t n = strcspn(ssh, " ");
		if (n >= sizeof tmp)
			n = sizeof tmp - 1;
		memcpy(tmp, ssh, n);
		tmp[n] = '\0';
		clean_copy(source, 72, tmp);
	} else {
		const char *tty = ttyname(STDIN_FILENO);
		snprintf(tmp, sizeof tmp, "local%s%s", tty ? " " : "", tty ? tty : "");
		clean_copy(source, 72, tmp);
	}
}

status_t session_new_internal(clinic_t *c, const db_user_t *u, keyring_t *kr, session_t **out,
			      msg_t *m)
{
	session_t *s = calloc(1, sizeof *s);
	if (!s) {
		keyring_free(kr);
		return msg_fail(m, STATUS_NOMEM, "Out of memory signing on.");
	}
	s->c = c;
	s->user = *u;
	memset(s->user.secret_wrap, 0, sizeof s->user.secret_wrap);
	s->role = perm_role_from_name(u->role);
	s->kr = kr;
	core_provenance(s->os_user, s->source);
	crypto_random_id(s->sid);
	/* Its keys are as of now (a sign-on sets it in its read snapshot or
	 * its transaction). */
	session_key_epoch(c->db, &s->key_epoch, m);
	*out = s;
	return STATUS_OK;
}

struct unlock_ctx {
	const unsigned char *kek;
	const char *holder;
	keyring_t *kr;
	unsigned wanted;
	status_t ret;
	msg_t *m;
};

static int unwrap_one(const db_wrap_t *w, void *arg)
{
	struct unlock_ctx *u = arg;
	domain_t d = crypto_domain_from_name(w->domain);
	secret_t key = {0};
	if (d == DOMAIN_COUNT || !(u->wanted & DOMAIN_BIT(d)))
		return 0; /* a key the role no longer needs: leave it unused */
	if ((u->ret = secret_new(&key, 0, u->m)) != STATUS_OK)
		return 1;
	u->ret = crypto_unwrap(u->kek, u->holder, w->domain, w->version, w->blob, w->blob_len,
			       key.bytes, u->m);
	if (u->ret == STATUS_OK && w->version >= keyring_version(u->kr, d))
		u->ret = keyring_set(u->kr, d, w->version, key.bytes, u->m);
	secret_free(&key);
	if (u->ret != STATUS_OK)
		u->ret = msg_fail(u->m, STATUS_INTEGRITY,
				  "Your %s key could not be unlocked; the key store is damaged.",
				  w->domain);
	return u->ret != STATUS_OK;
}

struct grant_ctx {
	const db_user_t *u;
	const unsigned char *sk;
	const unsigned char *kek;
	keyring_t *kr;
	db_t *db;
	unsigned wanted;
	int save; /* 0: a read-only database: use the grant, keep it */
	status_t ret;
	msg_t *m;
};

/* A key granted while the user was away: open it, keep it, re-wrap it
 * under the user's own KEK so the grant can go (only used, and kept, on a
 * database that cannot be written). */
static int grant_one(const db_wrap_t *g, void *arg)
{
	struct grant_ctx *gc = arg;
	domain_t d = crypto_domain_from_name(g->domain);
	secret_t key = {0};
	db_wrap_t w;
	if (d == DOMAIN_COUNT || !(gc->wanted & DOMAIN_BIT(d)))
		return 0; /* the role no longer needs it: not taken (grants go below) */
	if ((gc->ret = secret_new(&key, 0, gc->m)) != STATUS_OK)
		return 1;
	gc->ret = crypto_unseal(gc->u->public_key, gc->sk, g->blob, g->blob_len, key.bytes, gc->m);
	if (gc->ret == STATUS_OK)
		gc->ret = keyring_set(gc->kr, d, g->version, key.bytes, gc->m);
	if (gc->ret == STATUS_OK && gc->save) {
		memset(&w, 0, sizeof w);
		snprintf(w.holder, sizeof w.holder, "%s", gc->u->id);
		snprintf(w.domain, sizeof w.domain, "%s", g->domain);
		w.version = g->version;
		w.blob_len = CRYPTO_WRAP_LEN;
		gc->ret = crypto_wrap(gc->kek, gc->u->id, g->domain, g->version, key.bytes, w.blob,
				      gc->m);
		if (gc->ret == STATUS_OK)
			gc->ret = db_wrap_put(gc->db, &w, gc->m);
	}
	secret_free(&key);
	return gc->ret != STATUS_OK;
}

/* Derive the user's KEK from the password (Argon2id with the user's own
 * parameters: the expensive part of every sign-on) and check it by
 * unwrapping the user's secret key into sk. STATUS_AUTH: wrong password. */
static status_t open_account(const db_user_t *u, const char *password, secret_t *kek,
			     secret_t *sk, msg_t *m)
{
	status_t ret = crypto_kek_derive(kek, password, u->kdf_salt, u->kdf_ops, u->kdf_mem, m);
	if (ret != STATUS_OK)
		return ret;
	return crypto_unwrap(kek->bytes, u->id, "user-secret", 1, u->secret_wrap,
			     u->secret_wrap_len, sk->bytes, m);
}

struct peek_ctx {
	const db_user_t *u;
	const unsigned char *sk;
	keyring_t *kr;
	int only_new; /* versions the ring does not hold yet only */
	status_t ret;
	msg_t *m;
};

/* A key granted while the user was away, into the ring only (written
 * under the user's KEK later, by take_grants, if the role needs it). */
static int grant_peek(const db_wrap_t *g, void *arg)
{
	struct peek_ctx *p = arg;
	domain_t d = crypto_domain_from_name(g->domain);
	secret_t key = {0};
	if (d == DOMAIN_COUNT || (p->only_new && keyring_has_version(p->kr, d, g->version)))
		return 0;
	if ((p->ret = secret_new(&key, 0, p->m)) != STATUS_OK)
		return 1;
	p->ret = crypto_unseal(p->u->public_key, p->sk, g->blob, g->blob_len, key.bytes, p->m);
	if (p->ret == STATUS_OK)
		p->ret = keyring_set(p->kr, d, g->version, key.bytes, p->m);
	secret_free(&key);
	return p->ret != STATUS_OK;
}

static status_t peek_grants(db_t *db, const db_user_t *u, const unsigned char *sk, keyring_t *kr,
			    int only_new, msg_t *m)
{
	struct peek_ctx p = {u, sk, kr, only_new, STATUS_OK, m};
	status_t ret = db_grant_each(db, u->id, grant_peek, &p, m);
	return ret == STATUS_OK ? p.ret : ret;
}

/* With the account opened (kek, sk), load every domain key the user has a
 * wrap or a grant of into kr (every version: two while a key is rotated,
 * and a new version is a grant until the user's next sign-on), and the
 * keys kept under them. Which of them the role needs is decided after the
 * policy is verified (settle_session), with the audit key among them.
 * Call inside a transaction. */
static status_t load_keys(clinic_t *c, const db_user_t *u, const secret_t *kek,
			  const secret_t *sk, keyring_t *kr, msg_t *m)
{
	struct unlock_ctx uc = {kek->bytes, u->id, kr, DOMAIN_ALL, STATUS_OK, m};
	status_t ret = db_wrap_each(c->db, u->id, unwrap_one, &uc, m);
	if (ret == STATUS_OK)
		ret = uc.ret;
	if (ret == STATUS_OK)
		ret = peek_grants(c->db, u, sk->bytes, kr, 0, m);
	if (ret == STATUS_OK)
		ret = keys_load_derived(c->db, kr, m);
	return ret;
}

/* ---- key rotation seen from an open session --------------------------- */

status_t session_key_epoch(db_t *db, long long *epoch, msg_t *m)
{
	char buf[32];
	msg_t why;
	status_t ret = db_meta_get(db, "key_epoch", buf, sizeof buf, &why);
	*epoch = 0;
	if (ret == STATUS_NOTFOUND)
		return STATUS_OK;
	if (ret != STATUS_OK)
		return msg_fail(m, ret, "%s", why.text);
	*epoch = strtoll(buf, NULL, 10);
	return STATUS_OK;
}

status_t session_key_epoch_bump(db_t *db, long long *epoch, msg_t *m)
{
	char buf[32];
	status_t ret = session_key_epoch(db, epoch, m);
	if (ret != STATUS_OK)
		return ret;
	(*epoch)++;
	snprintf(buf, sizeof buf, "%lld", *epoch);
	return db_meta_set(db, "key_epoch", buf, m);
}

/* session_keys_fresh, with the key epoch already read in the caller's
 * snapshot when `known` (session_require_reading reads it with the
 * account). */
static status_t keys_fresh(session_t *s, const long long *known, int *stale, msg_t *m)
{
	int in_write = s && db_in_transaction(s->c->db);
	long long epoch = 0;
	int before[DOMAIN_COUNT + 1];
	int reading = 0, bad = 0;
	status_t ret = STATUS_OK;
	if (stale)
		*stale = 0;
	if (!s || s->locked)
		return STATUS_OK;
	if (known)
		epoch = *known;
	else if ((ret = session_key_epoch(s->c->db, &epoch, m)) != STATUS_OK)
		return ret;
	if (epoch == s->key_epoch)
		return ret;
	for (int d = 0; d < DOMAIN_COUNT; d++)
		before[d] = keyring_version(s->kr, (domain_t)d);
	before[DOMAIN_COUNT] = keyring_has(s->kr, DOMAIN_INDEX) ? keyring_version(s->kr, DOMAIN_INDEX)
							       : -1;
	/* One snapshot for the grants, the versions and the keys kept under
	 * others (inside the caller's transaction if there is one). */
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	if (s->sk.bytes)
		ret = peek_grants(s->c->db, &s->user, s->sk.bytes, s->kr, 1, m);
	for (int v = 0; v <= 255 && ret == STATUS_OK; v++)
		keyring_drop(s->kr, DOMAIN_INDEX, v); /* reloaded: the versions in use now */
	if (ret == STATUS_OK)
		ret = keys_load_derived(s->c->db, s->kr, m);
	if (ret == STATUS_OK)
		ret = keys_drop_retired(s->c->db, s->kr, m);
	db_read_end(s->c->db, reading);
	if (ret != STATUS_OK)
		return ret;
	/* Stale: inside a write (in_write), a version this session wrote with
	 * is gone now (nothing it encrypted with it may be committed: the
	 * caller's transaction fails); or the session could not take in the
	 * newest version of a key it holds (it must not go on writing with an
	 * older one: until it signs on again it is looked at afresh every
	 * time). A session that slept through a whole rotation and has
	 * written nothing yet just goes on with the new version. */
	for (int d = 0; in_write && d < DOMAIN_COUNT; d++)
		if (before[d] && !keyring_has_version(s->kr, (domain_t)d, before[d]))
			bad = 1;
	if (in_write && before[DOMAIN_COUNT] >= 0 &&
	    !keyring_has_version(s->kr, DOMAIN_INDEX, before[DOMAIN_COUNT]))
		bad = 1;
	for (int d = 0; d < DOMAIN_COUNT && !bad; d++) {
		int v[KEYS_VERSIONS_MAX];
		msg_t why;
		if (keyring_has(s->kr, (domain_t)d) &&
		    keys_versions_active(s->c->db, (domain_t)d, v, KEYS_VERSIONS_MAX, &why) > 0 &&
		    v[0] > keyring_version(s->kr, (domain_t)d))
			bad = 1;
	}
	if (stale)
		*stale = bad;
	if (!bad)
		s->key_epoch = epoch;
	return STATUS_OK;
}

status_t session_keys_fresh(session_t *s, int *stale, msg_t *m)
{
	return keys_fresh(s, NULL, stale, m);
}

/* Take in the grants of keys the role needs (re-wrapped under the user's
 * KEK); all grants go. On a database that cannot be written they are
 * used for this session and kept for the next sign-on. */
static status_t take_grants(clinic_t *c, const db_user_t *u, const secret_t *kek,
			    const secret_t *sk, keyring_t *kr, unsigned wanted, msg_t *m)
{
	int save = db_readonly(c->db) == DB_RW;
	struct grant_ctx gc = {u, sk->bytes, kek->bytes, kr, c->db, wanted, save, STATUS_OK, m};
	status_t ret = db_grant_each(c->db, u->id, grant_one, &gc, m);
	if (ret == STATUS_OK)
		ret = gc.ret;
	if (ret == STATUS_OK && save)
		ret = db_grant_delete(c->db, u->id, NULL, m);
	return ret;
}

/* With the keys unwrapped (inside the sign-on or unlock transaction):
 * verify and apply the database's policy, check the account's own record,
 * take in grants, grant others what they wait for, and keep only the keys
 * the role needs. */
static status_t settle_session(session_t *s, const secret_t *kek, const secret_t *sk, msg_t *m)
{
	db_user_t u;
	status_t ret;
	role_t role;

	if ((ret = policy_load(s, m)) != STATUS_OK)
		return ret;
	/* Read again: the policy's first seal may have just sealed it. */
	if ((ret = db_user_get_by_id(s->c->db, s->user.id, &u, m)) != STATUS_OK)
		return ret;
	if ((ret = users_row_check(s->kr, &u, m)) != STATUS_OK)
		return ret;
	role = perm_role_from_name(u.role);
	ret = take_grants(s->c, &u, kek, sk, s->kr, perm_role_domains(&s->c->cfg->perms, role), m);
	if (ret == STATUS_OK)
		ret = keys_settle(s, 1, m);
	return ret;
}

static int count_grant(const db_wrap_t *g, void *arg)
{
	(void)g;
	(*(int *)arg)++;
	return 0;
}

/* settle_session without writing, in a read snapshot: for a sign-on or an
 * unlock that only reads, and for any on a database that cannot be
 * written (whose grants are then used for the session and kept). *writes
 * is set when something due would write: the policy to seal, grants to
 * take in, keys to grant others or to drop; the caller then takes the
 * path that writes (when the database can be written). */
static status_t settle_read(session_t *s, const secret_t *kek, const secret_t *sk, int *writes,
			    msg_t *m)
{
	db_user_t u;
	status_t ret;
	int seal = 0, grants = 0, keys = 0, ro = db_readonly(s->c->db) != DB_RW;

	*writes = 0;
	if ((ret = policy_load_read(s, 0, &seal, m)) != STATUS_OK)
		return ret;
	/* Never sealed (the first sign-on after the upgrade): the path that
	 * writes seals the policy and the accounts first. Read-only, the
	 * accounts are taken as they are until then. */
	if (seal && !ro) {
		*writes = 1;
		return STATUS_OK;
	}
	if ((ret = db_user_get_by_id(s->c->db, s->user.id, &u, m)) != STATUS_OK)
		return ret;
	if (!seal && (ret = users_row_check(s->kr, &u, m)) != STATUS_OK)
		return ret;
	if ((ret = db_grant_each(s->c->db, u.id, count_grant, &grants, m)) != STATUS_OK)
		return ret;
	if (grants && ro &&
	    (ret = take_grants(s->c, &u, kek, sk, s->kr,
			       perm_role_domains(&s->c->cfg->perms, perm_role_from_name(u.role)),
			       m)) != STATUS_OK)
		return ret;
	if ((ret = keys_settle_read(s, &keys, m)) != STATUS_OK)
		return ret;
	*writes = seal || grants || keys;
	return STATUS_OK;
}

/* Same cost as a real check, so a wrong user name takes as long as a
 * wrong password: Argon2id with the parameters a new account gets. */
static void dummy_kdf(const config_t *cfg, const char *password)
{
	secret_t kek = {0};
	unsigned char salt[CRYPTO_SALT_LEN] = {0};
	msg_t ignore;
	if (secret_new(&kek, 0, &ignore) != STATUS_OK)
		return;
	crypto_kek_derive(&kek, password, salt, config_argon_ops(cfg), config_argon_mem(cfg),
			  &ignore);
	secret_free(&kek);
}

/* One pending audit event in a transaction of its own (nobody holding the
 * audit key is present). Best effort: a sign-on refusal stays a refusal.
 * A disk found full by this very write: once more, to the journal. */
static void pending_alone(clinic_t *c, const char *user_id, const char *user_name,
			  const char *action, const char *outcome)
{
	msg_t dbm;
	for (int tries = 0; tries < 2; tries++) {
		int ro = db_readonly(c->db) != DB_RW;
		if (db_begin(c->db, &dbm) == STATUS_OK &&
		    audit_pending(c, user_id, user_name, action, outcome, &dbm) == STATUS_OK &&
		    db_commit(c->db, &dbm) == STATUS_OK)
			return;
		db_rollback(c->db);
		if (ro || db_readonly(c->db) == DB_RW)
			return;
	}
}

/* Record a wrong password outside any key holder's presence: the failure
 * counts towards lockout. STATUS_AUTH, or STATUS_ACCOUNT_LOCKED when this
 * failure locked the account; either way with the one sign-on message
 * (the reason is in the audit trail, not on the screen). */
static status_t record_failure(clinic_t *c, const db_user_t *u, msg_t *m)
{
	status_t ret = STATUS_OK;
	int count = 0, locked = 0;
	msg_t dbm;
	for (int tries = 0; tries < 2; tries++) {
		/* A read-only database: the failure goes to the journal; the
		 * lockout counter cannot move (README, Known limits). */
		int ro = db_readonly(c->db) != DB_RW;
		if ((ret = db_begin(c->db, &dbm)) != STATUS_OK)
			break;
		if (!ro)
			ret = db_user_login_failed(c->db, u->id, policy_lockout_before_signon(c),
						   &count, &locked, &dbm);
		if (ret == STATUS_OK)
			ret = audit_pending(c, u->id, u->name, "login_failed", "denied", &dbm);
		if (ret == STATUS_OK && locked && !u->locked)
			ret = audit_pending(c, u->id, u->name, "account_locked", "locked", &dbm);
		if (ret == STATUS_OK)
			ret = db_commit(c->db, &dbm);
		if (ret == STATUS_OK)
			break;
		db_rollback(c->db);
		if (ro || db_readonly(c->db) == DB_RW)
			break; /* retried only when this write found the disk full */
	}
	/* Nowhere to record it on a read-only database: still just a refusal. */
	if (ret != STATUS_OK && ret != STATUS_READONLY)
		return msg_fail(m, ret, "%s", dbm.text);
	return msg_fail(m, locked ? STATUS_ACCOUNT_LOCKED : STATUS_AUTH, "%s",
			SESSION_SIGNON_FAILED);
}

static int name_printable(const char *name)
{
	if (!*name || strlen(name) > DB_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

/* Why this account may not sign on whatever the password: "disabled",
 * "locked", or NULL. */
static const char *account_refusal(const db_user_t *u)
{
	return u->disabled ? "disabled" : u->locked ? "locked" : NULL;
}
static status_t audit_alone(session_t *s, const char *action, const char *outcome,
			    const char *detail, msg_t *m);

/* A read-only database (README "When the disk is full or the database is
 * read-only"): the sign-on and what follows are recorded in the audit
 * journal, chained at the first sign-on once the database can be written
 * again. With no journal to write (a read-only file system, a copy kept
 * as evidence), nothing this session does can be recorded: only a role
 * that checks the audit trail (audit_verify: the privacy officer, an
 * administrator) may sign on, to read, verify and back up, and syslog
 * gets a line. */
static status_t readonly_admit(session_t *s, msg_t *m)
{
	const char *why = db_readonly_text(db_readonly(s->c->db));
	if (db_journal_ready(s->c->db))
		return STATUS_OK;
	openlog("chartroom", LOG_PID, LOG_AUTHPRIV);
	if (perm_allowed(&s->c->cfg->perms, s->role, ACT_AUDIT_VERIFY)) {
		s->unaudited = 1;
		syslog(LOG_WARNING, "unaudited read-only sign-on by %s (%s) to %s (%s)", s->user.name,
		       s->os_user, clinic_path(s->c), why);
		closelog();
		return STATUS_OK;
	}
	syslog(LOG_WARNING, "refused read-only sign-on by %s (%s) to %s (%s): cannot be audited",
	       s->user.name, s->os_user, clinic_path(s->c), why);
	closelog();
	return msg_fail(m, STATUS_READONLY,
			"This database is read-only (%s) and your access cannot be recorded, so "
			"only the privacy officer or an administrator may sign on to it now. Nothing "
			"was changed.",
			why);
}

/* ---- signing on without the write lock ----------------------------------
 *
 * Most sign-ons change nothing in the database: the account's keys and the
 * policy are only read, and the sign-on's event goes to the audit journal
 * (audit_note). Only a sign-on that must write waits in line for the
 * write lock (signon_tx): one that resets a lockout counter after failed
 * attempts, takes keys granted to it, grants keys others wait for, drops
 * a key its role no longer needs, seals a policy never sealed, publishes
 * the clinical sealing key, or cannot tell its failure count without
 * chaining first (below). On a database that cannot be written every
 * sign-on takes the reading path (README "When the disk is full or the
 * database is read-only"). */

/* What the journal holds of one user's sign-ons and failures. */
typedef struct jscan {
	int found; /* the newest successful sign-on (or unlock) of the user */
	char event_id[CRYPTO_ID_HEX + 1];
	char ts[24];
	char source[72];
	int failures_after; /* failed sign-ons journaled after it */
	int failures;       /* failed sign-ons journaled at all */
} jscan_t;

static int scan_user(const db_jevent_t *e, void *arg)
{
	jscan_t *j = arg;
	if ((e->flags & DB_JEV_PENDING) &&
	    (strcmp(e->action, "login_failed") == 0 || strcmp(e->action, "login_refused") == 0)) {
		j->failures++;
		j->failures_after++;
	} else if (strcmp(e->action, "login") == 0 && strcmp(e->outcome, "ok") == 0) {
		j->found = 1;
		j->failures_after = 0;
		snprintf(j->event_id, sizeof j->event_id, "%s", e->event_id);
		snprintf(j->ts, sizeof j->ts, "%s", e->ts);
		snprintf(j->source, sizeof j->source, "%s", e->source);
	}
	return 0;
}

/* The sign-on that only reads, after the password was checked (kek, sk):
 * in one read snapshot the account read again, its keys unwrapped, the
 * policy verified and applied, the account's record checked; then, if
 * nothing due must write, the session with its banner (info) and its
 * sign-on event in the journal (*out set). Otherwise *out stays NULL and
 * the caller writes (signon_tx); on a read-only database nothing is
 * written whatever is due. Why the banner's count is exact on the reading
 * path: failed sign-ons are written to audit_pending in the database
 * (journaled, pending, only while it cannot be written, and then every
 * sign-on reads), successful ones to the journal. Each chain step
 * (core/audit_journal.c) reads the journal under its lock, then the
 * pending table, and chains the journal first. A failure that came after
 * a journal sign-on was committed after it, so any step that chained the
 * failure chained the sign-on too, before it. Hence: if the user's newest
 * journal sign-on is not chained yet, no failure after it is chained, and
 * none is pending (else this path is not taken): there are none;
 * otherwise the last sign-on is in the trail, and so is every failure
 * since it: the trail's count after it. *refused: the account was
 * disabled or locked meanwhile; *integrity_refused: its record or the
 * policy failed a check. */
static status_t signon_read(clinic_t *c, const db_user_t *u, const secret_t *kek,
			    const secret_t *sk, int ro, login_info_t *info, session_t **out,
			    const char **refused, int *integrity_refused, msg_t *m)
{
	status_t ret;
	db_user_t now;
	keyring_t *kr = NULL;
	session_t *s = NULL;
	jscan_t js;
	int reading = 0, writes = 0, chained = 0, failures = 0;
	int64_t pending = 0;
	char hex[80], detail[160];
	msg_t ignore;

	*out = NULL;
	*refused = NULL;
	*integrity_refused = 0;
	memset(&js, 0, sizeof js);
	/* Without a journal the writing path records the sign-on in the
	 * trail itself. Read before the snapshot: an event found chained
	 * here is chained in the snapshot too. */
	if (!ro && !db_journal_ready(c->db))
		return STATUS_OK;
	if (db_journal_each(c->db, u->id, NULL, 0, scan_user, &js, &ignore) != STATUS_OK && !ro)
		return STATUS_OK;
	if (!(kr = keyring_new()))
		return msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
	if ((ret = db_read_begin(c->db, &reading, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_user_get_by_id(c->db, u->id, &now, m)) != STATUS_OK)
		goto cleanup;
	if ((*refused = account_refusal(&now)) != NULL)
		goto cleanup;
	if (memcmp(now.kdf_salt, u->kdf_salt, sizeof u->kdf_salt) != 0) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "The account was changed while you were signing on; try again.");
		goto cleanup;
	}
	if ((ret = load_keys(c, &now, kek, sk, kr, m)) != STATUS_OK)
		goto cleanup;
	if (!keyring_has(kr, DOMAIN_AUDIT)) {
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "Your account holds no audit key, so nothing you do could be "
			       "recorded. Ask your administrator to reset your password.");
		goto cleanup;
	}
	ret = session_new_internal(c, &now, kr, &s, m);
	kr = NULL; /* taken, even on failure */
	if (ret != STATUS_OK)
		goto cleanup;
	if ((ret = settle_read(s, kek, sk, &writes, m)) != STATUS_OK) {
		*integrity_refused = ret == STATUS_INTEGRITY;
		goto cleanup;
	}
	if (js.found)
		ret = db_audit_event_seen(c->db, js.event_id, &chained, m);
	if (ret == STATUS_OK)
		ret = db_audit_pending_count(c->db, u->id, u->name, &pending, m);
	if (ret == STATUS_OK && !(js.found && !chained))
		ret = db_audit_failures_since_login(c->db, u->id, u->name, &failures, m);
	if (ret != STATUS_OK)
		goto cleanup;
	if (keyring_has(s->kr, DOMAIN_CLIN) &&
	    db_meta_get(c->db, "clin_seal_pk", hex, sizeof hex, &ignore) != STATUS_OK)
		writes = 1;
	if (!ro && (now.failed_count > 0 || writes || pending > 0 || js.failures > 0))
		goto cleanup; /* the path that writes */
	if (js.found && !chained) {
		snprintf(info->last_login, sizeof info->last_login, "%s", js.ts);
		snprintf(info->last_from, sizeof info->last_from, "%.63s", js.source);
		info->failures_since = js.failures_after;
	} else {
		snprintf(info->last_login, sizeof info->last_login, "%s", now.last_login);
		snprintf(info->last_from, sizeof info->last_from, "%s", now.last_from);
		info->failures_since = failures + js.failures;
	}
	db_read_end(c->db, reading);
	reading = 0;
	if (ro && (ret = readonly_admit(s, m)) != STATUS_OK)
		goto cleanup;
	/* Durable in the journal before the session is handed out: no
	 * sign-on without its audit event. */
	snprintf(detail, sizeof detail, "role=%s failures_since=%d%s%s", now.role,
		 info->failures_since, ro ? " read-only: " : "",
		 ro ? db_readonly_text(db_readonly(c->db)) : "");
	if ((ret = audit_note(s, "login", u->name, "ok", detail, 0, m)) != STATUS_OK)
		goto cleanup;
	*out = s;
	s = NULL;
cleanup:
	db_read_end(c->db, reading);
	keyring_free(kr);
	if (s) {
		keyring_free(s->kr);
		free(s);
	}
	return ret;
}

/* The sign-on's transaction (the path that writes), after the password
 * was checked (kek, sk): the account read again, the policy verified (and
 * sealed if it never was), the grants converted, the journal's and the
 * pending events chained, the banner's figures read, the lockout counter
 * reset, the sign-on recorded. *integrity_refused: the account record or
 * the policy failed its check. */
static status_t signon_tx(clinic_t *c, const db_user_t *u, const secret_t *kek,
			  const secret_t *sk, login_info_t *info, session_t **out,
			  int *integrity_refused, msg_t *m)
{
	status_t ret;
	db_user_t now;
	keyring_t *kr = NULL;
	session_t *s = NULL;
	char when[24];
	const char *refused;
	int in_tx = 0;

	*out = NULL;
	*integrity_refused = 0;
	if (!(kr = keyring_new()))
		return msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
	if ((ret = db_begin(c->db, m)) != STATUS_OK)
		goto cleanup;
	in_tx = 1;
	if ((ret = db_user_get_by_id(c->db, u->id, &now, m)) != STATUS_OK)
		goto cleanup;
	if ((refused = account_refusal(&now)) != NULL) {
		db_rollback(c->db);
		in_tx = 0;
		pending_alone(c, u->id, u->name, "login_refused", refused);
		ret = msg_fail(m, STATUS_AUTH, "%s", SESSION_SIGNON_FAILED);
		goto cleanup;
	}
	if (memcmp(now.kdf_salt, u->kdf_salt, sizeof u->kdf_salt) != 0) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "The account was changed while you were signing on; try again.");
		goto cleanup;
	}
	if ((ret = load_keys(c, &now, kek, sk, kr, m)) != STATUS_OK)
		goto cleanup;
	if (!keyring_has(kr, DOMAIN_AUDIT)) {
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "Your account holds no audit key, so nothing you do could be "
			       "recorded. Ask your administrator to reset your password.");
		goto cleanup;
	}
	ret = session_new_internal(c, &now, kr, &s, m);
	kr = NULL; /* taken, even on failure */
	if (ret != STATUS_OK)
		goto cleanup;
	if ((ret = settle_session(s, kek, sk, m)) != STATUS_OK) {
		*integrity_refused = ret == STATUS_INTEGRITY;
		goto cleanup;
	}
	core_now(when);
	/* The journal (earlier sign-ons among it) and the pending failures
	 * into the trail first, so the trail is in the order things happened;
	 * the account's last sign-on is read after. */
	if ((ret = audit_chain(s, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_user_get_by_id(c->db, u->id, &now, m)) != STATUS_OK)
		goto cleanup;
	snprintf(info->last_login, sizeof info->last_login, "%s", now.last_login);
	snprintf(info->last_from, sizeof info->last_from, "%s", now.last_from);
	/* The banner's count comes from the trail, not users.failed_count
	 * (the lockout counter, which an unlock resets): every wrong password,
	 * refusal of the locked or disabled account and wrong password at the
	 * lock screen since the last
	 * successful sign-on, whoever made it and whatever session was open.
	 * Read in this transaction, after the chaining, so no failure can fall
	 * between the count and the sign-on it is shown at. */
	if ((ret = db_audit_failures_since_login(c->db, u->id, u->name, &info->failures_since,
						 m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_user_login_ok(c->db, u->id, when, s->source, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = clinical_publish_seal_key(s, m)) != STATUS_OK)
		goto cleanup;
	{
		char detail[96];
		snprintf(detail, sizeof detail, "role=%s failures_since=%d", now.role,
			 info->failures_since);
		ret = audit_append(s, "login", u->name, "ok", detail, m);
	}
	if (ret == STATUS_OK)
		ret = db_commit(c->db, m);
	in_tx = ret != STATUS_OK;
cleanup:
	if (ret != STATUS_OK && in_tx)
		db_rollback(c->db);
	keyring_free(kr);
	if (ret != STATUS_OK) {
		if (s) {
			keyring_free(s->kr);
			free(s);
		}
		return ret;
	}
	*out = s;
	return STATUS_OK;
}

status_t session_login(clinic_t *c, const char *name, const char *password, session_t **out,
		       login_info_t *info, msg_t *m)
{
	status_t ret;
	db_user_t u;
	secret_t kek = {0}, sk = {0};
	msg_t dbm;
	const char *refused;
	int ro, integrity_refused = 0, upgraded = 0;

	*out = NULL;
	memset(info, 0, sizeof *info);
	if (!name || !password || !*name || !*password)
		return msg_fail(m, STATUS_AUTH, "Enter your user name and password.");
	/* A disk that was full may have room again: each sign-on tries. */
	db_retry_writes(c->db);
	ret = db_user_get_by_name(c->db, name, &u, &dbm);
	if (ret == STATUS_NOTFOUND) {
		/* Log the attempted name only if it could be a name at all, so a
		 * password typed into the name field never reaches the trail. */
		dummy_kdf(c->cfg, password);
		pending_alone(c, "", name_printable(name) ? name : "(unreadable name)",
			      "login_failed", "unknown user");
		return msg_fail(m, STATUS_AUTH, "%s", SESSION_SIGNON_FAILED);
	}
	if (ret != STATUS_OK)
		return msg_fail(m, ret, "%s", dbm.text);
	if (perm_role_from_name(u.role) == ROLE_COUNT)
		return msg_fail(m, STATUS_INTEGRITY, "Account %s has an unknown role '%s'.", u.name,
				u.role);
	if ((ret = secret_new(&kek, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = secret_new(&sk, 0, m)) != STATUS_OK)
		goto cleanup;
	/* The full Argon2id work first, whatever the account's state: a
	 * locked or disabled account answers as late as a wrong password, and
	 * with the same message (the reason goes to the audit trail only). */
	ret = open_account(&u, password, &kek, &sk, m);
	if (ret != STATUS_OK && ret != STATUS_AUTH)
		goto cleanup;
	if ((refused = account_refusal(&u)) != NULL) {
		pending_alone(c, u.id, u.name, "login_refused", refused);
		ret = msg_fail(m, STATUS_AUTH, "%s", SESSION_SIGNON_FAILED);
		goto cleanup;
	}
	if (ret == STATUS_AUTH) {
		ret = record_failure(c, &u, m);
		if (ret == STATUS_ACCOUNT_LOCKED)
			ret = STATUS_AUTH; /* the caller learns no more than the person */
		goto cleanup;
	}
	/* The path that only reads first; the one that writes if something
	 * due must write. A disk that fills under the writing sign-on: the
	 * reading one, read-only. */
	ro = db_readonly(c->db) != DB_RW;
	ret = signon_read(c, &u, &kek, &sk, ro, info, out, &refused, &integrity_refused, m);
	if (ret == STATUS_OK && refused) {
		pending_alone(c, u.id, u.name, "login_refused", refused);
		ret = msg_fail(m, STATUS_AUTH, "%s", SESSION_SIGNON_FAILED);
	}
	if (ret == STATUS_OK && !*out && !ro) {
		ret = signon_tx(c, &u, &kek, &sk, info, out, &integrity_refused, m);
		if (ret == STATUS_READONLY && db_readonly(c->db) != DB_RW) {
			memset(info, 0, sizeof *info);
			ret = signon_read(c, &u, &kek, &sk, 1, info, out, &refused,
					  &integrity_refused, m);
		}
	}
	/* A sign-on refused because the account record or the policy was
	 * changed outside the app is in the trail (as pending: the
	 * transaction that would have chained it is gone). */
	if (ret != STATUS_OK && integrity_refused)
		pending_alone(c, u.id, u.name, "login_refused", "integrity");
	if (ret == STATUS_OK && !*out)
		ret = msg_fail(m, STATUS_ERR, "The sign-on could not be completed; try again.");
cleanup:
	if (ret != STATUS_OK) {
		secret_free(&sk);
		secret_free(&kek);
		memset(info, 0, sizeof *info);
		return ret;
	}
	(*out)->sk = sk; /* kept: key versions granted while it is open */
	/* A cost raised in the policy since the account's KEK was made is
	 * applied now, while the password is at hand (a failure is tried again
	 * at the next sign-on); not while the database cannot be written. */
	if (db_readonly(c->db) == DB_RW) {
		msg_t km;
		users_kdf_upgrade(*out, password, kek.bytes, sk.bytes, &upgraded, &km);
	}
	secret_free(&kek);
	/* A database from before schema 007 is re-sealed by the first
	 * sign-on that holds the keys for it (core/reseal.h); a failure is on
	 * record and the next such sign-on resumes. Not while it cannot be
	 * written. */
	if (!c->sealed && db_readonly(c->db) == DB_RW) {
		msg_t rm;
		int done = 0;
		if (reseal_run(*out, RESEAL_BATCH, 0, &done, &rm) != STATUS_OK)
			audit_alone(*out, "integrity_migration_failed", "failed", rm.text, &rm);
	}
	/* A database from before schema 010 has its search tokens re-made by
	 * the sign-ons that hold the demo and index keys, a few seconds each
	 * (core/reindex.h; `chartroom patient reindex` runs it to the end). A
	 * failure is on record and the next sign-on resumes. */
	if (c->reindexing && db_readonly(c->db) == DB_RW) {
		msg_t rm;
		reindex_progress_t rp;
		if (reindex_run(*out, REINDEX_BATCH, 0, REINDEX_SIGNON_SECONDS, &rp, &rm) != STATUS_OK)
			audit_alone(*out, "index_rebuild_failed", "failed", rm.text, &rm);
	}
	/* Patients saved without a place in the name order (core/porder.h)
	 * are placed by the next sign-on that can open their neighbours. */
	if (!c->reindexing && !c->rank_pending && db_readonly(c->db) == DB_RW &&
	    keyring_has((*out)->kr, DOMAIN_DEMO) && keyring_has((*out)->kr, DOMAIN_INDEX)) {
		msg_t rm;
		int fixed = 0;
		if (porder_fix(*out, 64, &fixed, &rm) != STATUS_OK)
			audit_alone(*out, "index_order_failed", "failed", rm.text, &rm);
	}
	return STATUS_OK;
}

/* An event of the session's own (a lock, a sign-off, a refusal), in the
 * audit journal: no write lock needed. The action goes ahead whatever
 * the disk says; an event that cannot be written now is kept and written
 * later (audit_note's keep). */
static status_t audit_alone(session_t *s, const char *action, const char *outcome,
			    const char *detail, msg_t *m)
{
	return audit_note(s, action, s->user.name, outcome, detail, 1, m);
}

status_t session_lock(session_t *s, msg_t *m)
{
	status_t ret = STATUS_OK;
	if (s->locked)
		return STATUS_OK;
	ret = audit_alone(s, "idle_lock", "ok", NULL, m);
	/* Wipe the keys even if the audit write failed: locking must not
	 * depend on the disk. */
	keyring_wipe(s->kr);
	secret_free(&s->sk);
	s->locked = 1;
	return ret;
}

status_t session_unlock(session_t *s, const char *password, msg_t *m)
{
	status_t ret;
	db_user_t u;
	keyring_t *kr = NULL;
	secret_t kek = {0}, sk = {0};
	const char *refused;
	int in_tx = 0;
	long long epoch = 0;

	if (!s->locked)
		return STATUS_OK;
	if (!password || !*password)
		return msg_fail(m, STATUS_AUTH, "Enter your password to continue.");
	if ((ret = db_user_get_by_name(s->c->db, s->user.name, &u, m)) != STATUS_OK)
		return ret;
	if ((ret = secret_new(&kek, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = secret_new(&sk, 0, m)) != STATUS_OK)
		goto cleanup;
	/* As at sign-on: the full key derivation whatever the account's state. */
	ret = open_account(&u, password, &kek, &sk, m);
	if (ret != STATUS_OK && ret != STATUS_AUTH)
		goto cleanup;
	if ((refused = account_refusal(&u)) != NULL) {
		pending_alone(s->c, u.id, u.name, "login_refused", refused);
		ret = msg_fail(m, u.disabled ? STATUS_ACCOUNT_DISABLED : STATUS_ACCOUNT_LOCKED, "%s",
			       SESSION_SIGNON_FAILED);
		goto cleanup;
	}
	if (ret == STATUS_AUTH) {
		ret = record_failure(s->c, &u, m);
		goto cleanup;
	}
	if (!(kr = keyring_new())) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
		goto cleanup;
	}
	/* As at sign-on: without a lockout counter to reset or anything else
	 * due that writes (settle_read), unlocking only reads, and its event
	 * goes to the journal; on a database that cannot be written, always. */
	if (db_readonly(s->c->db) != DB_RW || u.failed_count == 0) {
		int reading = 0, writes = 0, ro = db_readonly(s->c->db) != DB_RW;
		keyring_t *old = s->kr;
		role_t old_role = s->role;
		char old_name[sizeof s->user.role];
		snprintf(old_name, sizeof old_name, "%s", s->user.role);
		if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
			goto cleanup;
		if ((ret = load_keys(s->c, &u, &kek, &sk, kr, m)) == STATUS_OK &&
		    (ret = session_key_epoch(s->c->db, &epoch, m)) == STATUS_OK) {
			s->kr = kr;
			kr = NULL;
			s->role = perm_role_from_name(u.role); /* the role may have changed */
			snprintf(s->user.role, sizeof s->user.role, "%s", u.role);
			/* The policy and the grants read again: an administrator may
			 * have changed either while the screen was locked. */
			ret = settle_read(s, &kek, &sk, &writes, m);
		}
		db_read_end(s->c->db, reading);
		if (ret == STATUS_OK && (ro || !writes)) {
			s->locked = 0;
			s->key_epoch = epoch;
			ret = audit_note(s, "unlock", s->user.name, "ok", NULL, 0, m);
			if (ret != STATUS_OK) {
				/* Not recorded: not unlocked. */
				keyring_wipe(s->kr);
				s->locked = 1;
			} else {
				secret_free(&s->sk);
				s->sk = sk; /* kept: key versions granted while it is open */
				sk.bytes = NULL;
			}
			keyring_free(old);
			goto cleanup;
		}
		/* Back as it was, still locked; then the path that writes. */
		if (s->kr != old) {
			keyring_free(kr);
			kr = s->kr;
			keyring_wipe(kr);
			s->kr = old;
		}
		s->role = old_role;
		snprintf(s->user.role, sizeof s->user.role, "%s", old_name);
		if (ret != STATUS_OK)
			goto cleanup;
	}
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	in_tx = 1;
	if ((ret = load_keys(s->c, &u, &kek, &sk, kr, m)) != STATUS_OK ||
	    (ret = session_key_epoch(s->c->db, &s->key_epoch, m)) != STATUS_OK)
		goto cleanup;
	keyring_free(s->kr);
	s->kr = kr;
	kr = NULL;
	s->role = perm_role_from_name(u.role); /* the role may have changed */
	snprintf(s->user.role, sizeof s->user.role, "%s", u.role);
	/* The policy and the grants are read again: an administrator may
	 * have changed either while the screen was locked. */
	ret = settle_session(s, &kek, &sk, m);
	if (ret == STATUS_OK)
		ret = audit_chain(s, m);
	/* Resets the lockout counter; last_login stays that of the sign-on. */
	if (ret == STATUS_OK)
		ret = db_user_login_ok(s->c->db, u.id, u.last_login[0] ? u.last_login : "",
				       u.last_from, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "unlock", s->user.name, "ok", NULL, m);
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret == STATUS_OK) {
		s->locked = 0;
		secret_free(&s->sk);
		s->sk = sk;
		sk.bytes = NULL;
	}
cleanup:
	if (ret != STATUS_OK && in_tx) {
		db_rollback(s->c->db);
		keyring_wipe(s->kr); /* stays locked */
	}
	keyring_free(kr);
	secret_free(&sk);
	secret_free(&kek);
	return ret;
}

status_t session_idle(session_t *s, msg_t *m)
{
	/* Searches are in the journal already; what may wait is an event this
	 * process could not write when it happened. */
	status_t ret;
	if (!s)
		return STATUS_OK;
	/* Made under an audit key version retired since: chained from
	 * memory, in a write of their own. */
	if ((ret = audit_resend(s->c, m)) == STATUS_CONFLICT) {
		audit_chain_kept(s);
		ret = audit_resend(s->c, m);
	}
	return ret;
}

int session_may_see(session_t *s, int64_t prow, int confidential)
{
	if (!confidential || session_can(s, ACT_VIEW_CONFIDENTIAL))
		return 1;
	for (int i = 0; i < s->nbtg; i++)
		if (s->btg[i] == prow)
			return 1;
	return 0;
}

void session_broke_glass(session_t *s, int64_t prow)
{
	if (session_may_see(s, prow, 1))
		return;
	if (s->nbtg == (int)(sizeof s->btg / sizeof s->btg[0])) {
		memmove(s->btg, s->btg + 1, sizeof s->btg - sizeof s->btg[0]);
		s->nbtg--;
	}
	s->btg[s->nbtg++] = prow;
}

status_t session_verify_password(session_t *s, const char *password, msg_t *m)
{
	status_t ret;
	db_user_t u;
	secret_t kek = {0}, sk = {0};
	if (!password || !*password)
		return msg_fail(m, STATUS_AUTH, "Enter your current password.");
	if ((ret = db_user_get_by_id(s->c->db, s->user.id, &u, m)) != STATUS_OK)
		return ret;
	if ((ret = secret_new(&kek, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = secret_new(&sk, 0, m)) == STATUS_OK &&
	    (ret = crypto_kek_derive(&kek, password, u.kdf_salt, u.kdf_ops, u.kdf_mem, m)) ==
		    STATUS_OK)
		ret = crypto_unwrap(kek.bytes, u.id, "user-secret", 1, u.secret_wrap,
				    u.secret_wrap_len, sk.bytes, m);
	secret_free(&sk);
	secret_free(&kek);
	if (ret == STATUS_AUTH) {
		/* A wrong current password counts like a failed sign-on. */
		ret = record_failure(s->c, &u, m);
		if (ret == STATUS_AUTH)
			msg_set(m, "The current password is wrong.");
		else if (ret == STATUS_ACCOUNT_LOCKED)
			msg_set(m, "The current password is wrong; after too many failed attempts "
				   "the account is now locked. Ask an administrator to unlock it.");
	}
	return ret;
}

int session_is_locked(const session_t *s)
{
	return s->locked;
}

void session_logout(session_t *s)
{
	msg_t ignore;
	if (!s)
		return;
	if (!s->locked)
		audit_alone(s, "logout", "ok", NULL, &ignore);
	else /* the keys are gone: chained at the next sign-on, like a failure */
		audit_pending(s->c, s->user.id, s->user.name, "logout", "locked", &ignore);
	keyring_free(s->kr);
	secret_free(&s->sk);
	free(s);
}

const char *session_user_name(const session_t *s)
{
	return s->user.name;
}

role_t session_role(const session_t *s)
{
	return s->role;
}

clinic_t *session_clinic(const session_t *s)
{
	return s->c;
}

int session_can(const session_t *s, action_t a)
{
	return s && !s->locked && perm_allowed(&s->c->cfg->perms, s->role, a) &&
	       (db_readonly(s->c->db) == DB_RW || degrade_reads_only(a));
}

const char *session_readonly(const session_t *s)
{
	db_ro_t why = db_readonly(s->c->db);
	return why == DB_RW ? NULL : db_readonly_text(why);
}

int session_unaudited(const session_t *s)
{
	return s->unaudited;
}

/* An administrator may have disabled the account or changed its role
 * while this session was open: the change takes effect at the next action,
 * not at the next sign-on. The session is locked (keys wiped); signing on
 * again loads what the account may now hold. */
/* Can the account still act? STATUS_OK with *why NULL: yes. STATUS_OK
 * with *why set: it was disabled or its role changed. Another status: it
 * could not be read, and the caller refuses (it fails closed) without
 * locking. Reads only. */
/* Is the account still as it was at sign-on (*why NULL) or not (*why says
 * how)? With epoch, the key epoch is read in the same statement. */
static status_t account_state(session_t *s, const char **why, long long *epoch, msg_t *m)
{
	char role[DB_ROLE_MAX + 1];
	int disabled = 0;
	status_t ret = epoch ? db_user_status_epoch(s->c->db, s->user.id, &disabled, role, epoch, m)
			     : db_user_status(s->c->db, s->user.id, &disabled, role, m);
	*why = NULL;
	if (ret == STATUS_NOTFOUND || (ret == STATUS_OK && disabled))
		*why = "This account was disabled by an administrator.";
	else if (ret == STATUS_OK && strcmp(role, s->user.role) != 0)
		*why = "Your role was changed by an administrator: sign on again to continue.";
	else if (ret != STATUS_OK)
		return msg_fail(m, ret, "Your account could not be checked (%s); try again.",
				status_str(ret));
	return STATUS_OK;
}

static status_t still_valid(session_t *s, msg_t *m)
{
	msg_t ignore;
	const char *why;
	status_t ret = account_state(s, &why, NULL, m);
	if (ret != STATUS_OK || !why)
		return ret;
	session_lock(s, &ignore);
	return msg_fail(m, STATUS_DENIED, "%s", why);
}

status_t session_require(session_t *s, action_t a, msg_t *m)
{
	msg_t ignore;
	status_t ret;
	if (s->locked)
		return msg_fail(m, STATUS_DENIED, "The session is locked; sign on again.");
	if ((ret = still_valid(s, m)) != STATUS_OK)
		return ret;
	/* Every entry point: keys rotated meanwhile are taken in first; a
	 * session that cannot take them in signs on again. */
	{
		int stale = 0;
		if ((ret = session_keys_fresh(s, &stale, m)) != STATUS_OK)
			return ret;
		if (stale) {
			session_lock(s, &ignore);
			return msg_fail(m, STATUS_DENIED,
					"The keys were rotated while this session was open: sign on "
					"again to continue.");
		}
	}
	if (perm_allowed(&s->c->cfg->perms, s->role, a)) {
		/* Named now, so that a change refused on a read-only database
		 * says what was not saved. */
		db_set_loss(s->c->db, degrade_loss(a));
		if (db_readonly(s->c->db) != DB_RW && !degrade_reads_only(a))
			return db_refuse_write(s->c->db, m);
		return STATUS_OK;
	}
	audit_alone(s, "denied", "denied", perm_action_name(a), &ignore);
	return msg_fail(m, STATUS_DENIED, "Permission denied: the %s role may not do this (%s).",
			perm_role_name(s->role), perm_action_name(a));
}

status_t session_require_reading(session_t *s, action_t a, int *reading, msg_t *m)
{
	const char *why = NULL;
	msg_t ignore;
	int stale = 0;
	long long epoch = 0;
	/* The account and the key epoch in one statement (the first of the
	 * caller's snapshot), then the keys only if the epoch moved. */
	if (!s->locked && perm_allowed(&s->c->cfg->perms, s->role, a) &&
	    (db_readonly(s->c->db) == DB_RW || degrade_reads_only(a)) &&
	    account_state(s, &why, &epoch, &ignore) == STATUS_OK && !why &&
	    keys_fresh(s, &epoch, &stale, &ignore) == STATUS_OK && !stale) {
		db_set_loss(s->c->db, degrade_loss(a));
		s->keys_checked = 1;
		return STATUS_OK;
	}
	db_read_end(s->c->db, *reading);
	*reading = 0;
	return session_require(s, a, m);
}

status_t session_confirm_password(session_t *s, const char *password, msg_t *m)
{
	status_t ret;
	db_user_t u;
	secret_t kek = {0}, sk = {0};
	const char *refused;
	if (s->locked)
		return msg_fail(m, STATUS_AUTH, "The screen is locked.");
	if (!password || !*password)
		return msg_fail(m, STATUS_AUTH, "Enter your password to sign.");
	if ((ret = db_user_get_by_name(s->c->db, s->user.name, &u, m)) != STATUS_OK)
		return ret;
	if ((ret = secret_new(&kek, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = secret_new(&sk, 0, m)) != STATUS_OK)
		goto cleanup;
	/* The full key derivation, as at sign-on. */
	ret = open_account(&u, password, &kek, &sk, m);
	if (ret != STATUS_OK && ret != STATUS_AUTH)
		goto cleanup;
	if ((refused = account_refusal(&u)) != NULL) {
		pending_alone(s->c, u.id, u.name, "login_refused", refused);
		ret = msg_fail(m, u.disabled ? STATUS_ACCOUNT_DISABLED : STATUS_ACCOUNT_LOCKED, "%s",
			       SESSION_SIGNON_FAILED);
		goto cleanup;
	}
	if (ret == STATUS_AUTH) {
		/* Counts toward the lockout like any wrong password. */
		if ((ret = record_failure(s->c, &u, m)) == STATUS_AUTH)
			msg_fail(m, STATUS_AUTH, "Wrong password: not signed.");
		goto cleanup;
	}
	msg_clear(m);
cleanup:
	secret_free(&sk);
	secret_free(&kek);
	return ret;
}
