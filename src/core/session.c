/* session.c - sign-on, idle lock, unlock, sign-off, permission checks. */
#include "core/session.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/internal.h"
#include "db/db_audit.h"
#include "db/db_keys.h"

void core_now(char buf[24])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

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
	status_t ret;
	msg_t *m;
};

/* A key granted while the user was away: open it, keep it, re-wrap it
 * under the user's own KEK so the grant can go. */
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
	if (gc->ret == STATUS_OK) {
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

/* With the account opened (kek, sk), load the domain keys the role needs
 * into kr, taking in any grants. Call inside a transaction. */
static status_t load_keys(clinic_t *c, const db_user_t *u, const secret_t *kek,
			  const secret_t *sk, keyring_t *kr, msg_t *m)
{
	status_t ret;
	role_t role = perm_role_from_name(u->role);
	struct unlock_ctx uc;
	struct grant_ctx gc;

	uc = (struct unlock_ctx){kek->bytes, u->id, kr, perm_role_domains(&c->cfg->perms, role),
				 STATUS_OK, m};
	ret = db_wrap_each(c->db, u->id, unwrap_one, &uc, m);
	if (ret == STATUS_OK)
		ret = uc.ret;
	if (ret != STATUS_OK)
		return ret;
	gc = (struct grant_ctx){u, sk->bytes, kek->bytes, kr, c->db, uc.wanted, STATUS_OK, m};
	ret = db_grant_each(c->db, u->id, grant_one, &gc, m);
	if (ret == STATUS_OK)
		ret = gc.ret;
	if (ret == STATUS_OK)
		ret = db_grant_delete(c->db, u->id, NULL, m);
	return ret;
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
 * audit key is present). Best effort: a sign-on refusal stays a refusal. */
static void pending_alone(clinic_t *c, const char *user_id, const char *user_name,
			  const char *action, const char *outcome)
{
	msg_t dbm;
	if (db_begin(c->db, &dbm) == STATUS_OK &&
	    audit_pending(c, user_id, user_name, action, outcome, &dbm) == STATUS_OK)
		db_commit(c->db, &dbm);
	else
		db_rollback(c->db);
}

/* Record a wrong password outside any key holder's presence: the failure
 * counts towards lockout. STATUS_AUTH, or STATUS_ACCOUNT_LOCKED when this
 * failure locked the account; either way with the one sign-on message
 * (the reason is in the audit trail, not on the screen). */
static status_t record_failure(clinic_t *c, const db_user_t *u, msg_t *m)
{
	status_t ret;
	int count = 0, locked = 0;
	msg_t dbm;
	if ((ret = db_begin(c->db, &dbm)) != STATUS_OK)
		return msg_fail(m, ret, "%s", dbm.text);
	ret = db_user_login_failed(c->db, u->id, c->cfg->lockout_after, &count, &locked, &dbm);
	if (ret == STATUS_OK)
		ret = audit_pending(c, u->id, u->name, "login_failed", "denied", &dbm);
	if (ret == STATUS_OK && locked && !u->locked)
		ret = audit_pending(c, u->id, u->name, "account_locked", "locked", &dbm);
	if (ret == STATUS_OK)
		ret = db_commit(c->db, &dbm);
	if (ret != STATUS_OK) {
		db_rollback(c->db);
		return msg_fail(m, ret, "%s", dbm.text);
	}
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

/* ---- signing on without the write lock --------------------------------
 *
 * Most sign-ons change nothing in the database: the account's keys are
 * only read, and the event goes to the audit journal (audit_note). Only a
 * sign-on that must write waits in line for the write lock: one that
 * resets a lockout counter after failed attempts, chains its own failed
 * attempts still pending (to count them in order), takes keys granted by
 * a role change, or publishes the clinical sealing key (below). */

static int count_grant(const db_wrap_t *g, void *arg)
{
	(void)g;
	(*(int *)arg)++;
	return 0;
}

/* The newest sign-on event of a user still in the journal. */
typedef struct jlast {
	int found;
	char event_id[CRYPTO_ID_HEX + 1];
	char ts[24];
	char source[72];
} jlast_t;

static int take_newest(const db_jevent_t *e, void *arg)
{
	jlast_t *l = arg;
	if (strcmp(e->outcome, "ok") != 0)
		return 0;
	l->found = 1;
	snprintf(l->event_id, sizeof l->event_id, "%s", e->event_id);
	snprintf(l->ts, sizeof l->ts, "%s", e->ts);
	snprintf(l->source, sizeof l->source, "%s", e->source);
	return 1;
}

/* In one read snapshot: the account as it is now (*now), the role's keys
 * unwrapped into kr, and whether this sign-on can go without writing
 * (*quick). When it can, info gets the banner: the last sign-on and the
 * failures since it. It cannot when the user has failed sign-ons waiting
 * in audit_pending (the write path chains them first, in order). Why the
 * count is then exact: failed sign-ons are written to audit_pending, in
 * the database; successful ones to the journal. Each chain step
 * (core/audit_journal.c) reads the journal under its lock, then the
 * pending table, and chains the journal first. A failure that came after
 * a journal sign-on was committed after it, so any step that chained the
 * failure chained the sign-on too, before it. Hence:
 *  - if the user's newest journal sign-on is not chained yet, no failure
 *    after it is chained, and none is pending: there are none;
 *  - otherwise the last sign-on is in the trail, and so is every failure
 *    since it: the trail's count after it.
 * *refused: the account was disabled or locked meanwhile. */
static status_t signon_read(clinic_t *c, const db_user_t *u, const secret_t *kek, keyring_t *kr,
			    db_user_t *now, const char **refused, int *quick, login_info_t *info,
			    msg_t *m)
{
	status_t ret;
	jlast_t last;
	struct unlock_ctx uc;
	int reading = 0, grants = 0, chained = 0, failures = 0;
	int64_t pending = 0;
	char hex[80];
	msg_t ignore;

	*quick = 0;
	*refused = NULL;
	memset(&last, 0, sizeof last);
	/* Without the journal the write path records the sign-on in the
	 * trail itself. Read before the snapshot: an event it finds chained
	 * here is chained in the snapshot too. */
	if (!c->jr || db_journal_each(c->jr, u->id, "login", 1, take_newest, &last, &ignore) !=
			      STATUS_OK)
		return STATUS_OK;
	if ((ret = db_read_begin(c->db, &reading, m)) != STATUS_OK)
		return ret;
	if ((ret = db_user_get_by_id(c->db, u->id, now, m)) != STATUS_OK)
		goto cleanup;
	if ((*refused = account_refusal(now)) != NULL)
		goto cleanup;
	if (memcmp(now->kdf_salt, u->kdf_salt, sizeof u->kdf_salt) != 0) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "The account was changed while you were signing on; try again.");
		goto cleanup;
	}
	uc = (struct unlock_ctx){kek->bytes, u->id, kr,
				 perm_role_domains(&c->cfg->perms, perm_role_from_name(now->role)),
				 STATUS_OK, m};
	if ((ret = db_wrap_each(c->db, u->id, unwrap_one, &uc, m)) == STATUS_OK)
		ret = uc.ret;
	if (ret == STATUS_OK)
		ret = db_grant_each(c->db, u->id, count_grant, &grants, m);
	if (ret == STATUS_OK && last.found)
		ret = db_audit_event_seen(c->db, last.event_id, &chained, m);
	if (ret == STATUS_OK)
		ret = db_audit_pending_count(c->db, u->id, u->name, &pending, m);
	if (ret == STATUS_OK && !(last.found && !chained))
		ret = db_audit_failures_since_login(c->db, u->id, u->name, &failures, m);
	if (ret != STATUS_OK)
		goto cleanup;
	if (now->failed_count > 0 || grants > 0 || pending > 0)
		goto cleanup; /* the write path */
	if (keyring_has(kr, DOMAIN_CLIN) &&
	    db_meta_get(c->db, "clin_seal_pk", hex, sizeof hex, &ignore) != STATUS_OK)
		goto cleanup;
	*quick = 1;
	if (last.found && !chained) {
		snprintf(info->last_login, sizeof info->last_login, "%s", last.ts);
		snprintf(info->last_from, sizeof info->last_from, "%.63s", last.source);
		info->failures_since = 0;
	} else {
		snprintf(info->last_login, sizeof info->last_login, "%s", now->last_login);
		snprintf(info->last_from, sizeof info->last_from, "%s", now->last_from);
		info->failures_since = failures;
	}
cleanup:
	db_read_end(c->db, reading);
	return ret;
}

status_t session_login(clinic_t *c, const char *name, const char *password, session_t **out,
		       login_info_t *info, msg_t *m)
{
	status_t ret;
	db_user_t u, now;
	keyring_t *kr = NULL;
	session_t *s = NULL;
	secret_t kek = {0}, sk = {0};
	msg_t dbm;
	char when[24];
	const char *refused;
	int in_tx = 0;

	*out = NULL;
	memset(info, 0, sizeof *info);
	if (!name || !password || !*name || !*password)
		return msg_fail(m, STATUS_AUTH, "Enter your user name and password.");
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
	if (!(kr = keyring_new())) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
		goto cleanup;
	}

	{
		int quick = 0;
		char detail[96];
		if ((ret = signon_read(c, &u, &kek, kr, &now, &refused, &quick, info, m)) !=
		    STATUS_OK)
			goto cleanup;
		if (refused) {
			pending_alone(c, u.id, u.name, "login_refused", refused);
			ret = msg_fail(m, STATUS_AUTH, "%s", SESSION_SIGNON_FAILED);
			goto cleanup;
		}
		if (quick) {
			if (!keyring_has(kr, DOMAIN_AUDIT)) {
				ret = msg_fail(m, STATUS_INTEGRITY,
					       "Your account holds no audit key, so nothing you do "
					       "could be recorded. Ask your administrator to reset "
					       "your password.");
				goto cleanup;
			}
			ret = session_new_internal(c, &now, kr, &s, m);
			kr = NULL; /* taken, even on failure */
			if (ret != STATUS_OK)
				goto cleanup;
			/* Durable in the journal before the session is handed out:
			 * no sign-on without its audit event. */
			snprintf(detail, sizeof detail, "role=%s failures_since=%d", now.role,
				 info->failures_since);
			ret = audit_note(s, "login", u.name, "ok", detail, 0, m);
			goto cleanup;
		}
		keyring_wipe(kr); /* loaded again below, with the grants */
	}

	/* Everything from here to the commit is one transaction: the account
	 * read again (an administrator or another sign-on may have changed it
	 * during the key derivation), the grants converted, pending events
	 * chained, the banner's figures read, the sign-on recorded. */
	if ((ret = db_begin(c->db, m)) != STATUS_OK)
		goto cleanup;
	in_tx = 1;
	if ((ret = db_user_get_by_id(c->db, u.id, &now, m)) != STATUS_OK)
		goto cleanup;
	if ((refused = account_refusal(&now)) != NULL) {
		db_rollback(c->db);
		in_tx = 0;
		pending_alone(c, u.id, u.name, "login_refused", refused);
		ret = msg_fail(m, STATUS_AUTH, "%s", SESSION_SIGNON_FAILED);
		goto cleanup;
	}
	if (memcmp(now.kdf_salt, u.kdf_salt, sizeof u.kdf_salt) != 0) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "The account was changed while you were signing on; try again.");
		goto cleanup;
	}
	if ((ret = load_keys(c, &now, &kek, &sk, kr, m)) != STATUS_OK)
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
	core_now(when);
	/* The journal (earlier sign-ons among it) and the pending failures
	 * into the trail first; the account's last sign-on is read after. */
	if ((ret = audit_chain(s, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_user_get_by_id(c->db, u.id, &now, m)) != STATUS_OK)
		goto cleanup;
	snprintf(info->last_login, sizeof info->last_login, "%s", now.last_login);
	snprintf(info->last_from, sizeof info->last_from, "%s", now.last_from);
	/* The banner's count comes from the trail, not users.failed_count
	 * (the lockout counter, which an unlock resets): every wrong password,
	 * refusal of the locked or disabled account and wrong password at the
	 * lock screen since the last
	 * successful sign-on, whoever made it and whatever session was open.
	 * Read in this transaction, after the drain, so no failure can fall
	 * between the count and the sign-on it is shown at. */
	if ((ret = db_audit_failures_since_login(c->db, u.id, u.name, &info->failures_since,
						 m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_user_login_ok(c->db, u.id, when, s->source, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = clinical_publish_seal_key(s, m)) != STATUS_OK)
		goto cleanup;
	{
		char detail[96];
		snprintf(detail, sizeof detail, "role=%s failures_since=%d", now.role,
			 info->failures_since);
		ret = audit_append(s, "login", u.name, "ok", detail, m);
	}
	if (ret == STATUS_OK)
		ret = db_commit(c->db, m);
cleanup:
	if (ret != STATUS_OK && in_tx)
		db_rollback(c->db);
	secret_free(&sk);
	secret_free(&kek);
	keyring_free(kr);
	if (ret != STATUS_OK) {
		if (s) {
			keyring_free(s->kr);
			free(s);
		}
		memset(info, 0, sizeof *info);
		return ret;
	}
	*out = s;
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
	/* As at sign-on: without a lockout counter to reset or granted keys
	 * to take, unlocking only reads, and its event goes to the journal. */
	if (u.failed_count == 0) {
		int grants = 0, reading = 0;
		struct unlock_ctx uc = {kek.bytes, u.id, kr,
					perm_role_domains(&s->c->cfg->perms, perm_role_from_name(u.role)),
					STATUS_OK, m};
		if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
			goto cleanup;
		if ((ret = db_grant_each(s->c->db, u.id, count_grant, &grants, m)) == STATUS_OK &&
		    grants == 0 && (ret = db_wrap_each(s->c->db, u.id, unwrap_one, &uc, m)) == STATUS_OK)
			ret = uc.ret;
		db_read_end(s->c->db, reading);
		if (ret != STATUS_OK)
			goto cleanup;
		if (grants == 0) {
			keyring_t *old = s->kr;
			s->kr = kr;
			kr = NULL;
			s->locked = 0;
			s->role = perm_role_from_name(u.role);
			snprintf(s->user.role, sizeof s->user.role, "%s", u.role);
			ret = audit_note(s, "unlock", s->user.name, "ok", NULL, 0, m);
			if (ret != STATUS_OK) {
				/* Not recorded: not unlocked. */
				keyring_wipe(s->kr);
				s->locked = 1;
			}
			keyring_free(old);
			goto cleanup;
		}
		keyring_wipe(kr);
	}
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	in_tx = 1;
	if ((ret = load_keys(s->c, &u, &kek, &sk, kr, m)) != STATUS_OK)
		goto cleanup;
	keyring_free(s->kr);
	s->kr = kr;
	kr = NULL;
	s->locked = 0;
	s->role = perm_role_from_name(u.role); /* the role may have changed */
	snprintf(s->user.role, sizeof s->user.role, "%s", u.role);
	ret = audit_chain(s, m);
	/* Resets the lockout counter; last_login stays that of the sign-on. */
	if (ret == STATUS_OK)
		ret = db_user_login_ok(s->c->db, u.id, u.last_login[0] ? u.last_login : "",
				       u.last_from, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "unlock", s->user.name, "ok", NULL, m);
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
cleanup:
	if (ret != STATUS_OK && in_tx)
		db_rollback(s->c->db);
	keyring_free(kr);
	secret_free(&sk);
	secret_free(&kek);
	return ret;
}

status_t session_idle(session_t *s, msg_t *m)
{
	/* Searches are in the journal already; what may wait is an event this
	 * process could not write when it happened. */
	if (!s)
		return STATUS_OK;
	return audit_resend(s->c, m);
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
	keyring_free(s->kr);
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
	return s && !s->locked && perm_allowed(&s->c->cfg->perms, s->role, a);
}

/* An administrator may have disabled the account or changed its role
 * while this session was open: the change takes effect at the next action,
 * not at the next sign-on. The session is locked (keys wiped); signing on
 * again loads what the account may now hold. */
/* Can the account still act? STATUS_OK with *why NULL: yes. STATUS_OK
 * with *why set: it was disabled or its role changed. Another status: it
 * could not be read, and the caller refuses (it fails closed) without
 * locking. Reads only. */
static status_t account_state(session_t *s, const char **why, msg_t *m)
{
	char role[DB_ROLE_MAX + 1];
	int disabled = 0;
	status_t ret = db_user_status(s->c->db, s->user.id, &disabled, role, m);
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
	status_t ret = account_state(s, &why, m);
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
	if (perm_allowed(&s->c->cfg->perms, s->role, a))
		return STATUS_OK;
	audit_alone(s, "denied", "denied", perm_action_name(a), &ignore);
	return msg_fail(m, STATUS_DENIED, "Permission denied: the %s role may not do this (%s).",
			perm_role_name(s->role), perm_action_name(a));
}

status_t session_require_reading(session_t *s, action_t a, int *reading, msg_t *m)
{
	const char *why = NULL;
	msg_t ignore;
	if (!s->locked && perm_allowed(&s->c->cfg->perms, s->role, a) &&
	    account_state(s, &why, &ignore) == STATUS_OK && !why)
		return STATUS_OK;
	db_read_end(s->c->db, *reading);
	*reading = 0;
	return session_require(s, a, m);
}
