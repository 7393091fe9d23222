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
#include "core/keys.h"
#include "db/db_audit.h"
#include "core/reseal.h"
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
	/* Its keys are as of now (a sign-on sets it again inside its
	 * transaction). */
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

status_t session_keys_fresh(session_t *s, int *stale, msg_t *m)
{
	int in_write = s && db_in_transaction(s->c->db);
	long long epoch = 0;
	int before[DOMAIN_COUNT + 1];
	int reading = 0, bad = 0;
	status_t ret;
	if (stale)
		*stale = 0;
	if (!s || s->locked)
		return STATUS_OK;
	if ((ret = session_key_epoch(s->c->db, &epoch, m)) != STATUS_OK || epoch == s->key_epoch)
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

/* Take in the grants of keys the role needs (re-wrapped under the user's
 * KEK); all grants go. */
static status_t take_grants(clinic_t *c, const db_user_t *u, const secret_t *kek,
			    const secret_t *sk, keyring_t *kr, unsigned wanted, msg_t *m)
{
	struct grant_ctx gc = {u, sk->bytes, kek->bytes, kr, c->db, wanted, STATUS_OK, m};
	status_t ret = db_grant_each(c->db, u->id, grant_one, &gc, m);
	if (ret == STATUS_OK)
		ret = gc.ret;
	if (ret == STATUS_OK)
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
	ret = db_user_login_failed(c->db, u->id, policy_lockout_before_signon(c), &count, &locked,
				   &dbm);
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
static status_t audit_alone(session_t *s, const char *action, const char *outcome,
			    const char *detail, msg_t *m);

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
	int in_tx = 0, integrity_refused = 0, upgraded = 0;
	long long epoch = 0;

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
	if ((ret = load_keys(c, &now, &kek, &sk, kr, m)) != STATUS_OK ||
	    (ret = session_key_epoch(c->db, &epoch, m)) != STATUS_OK)
		goto cleanup;
	if (!keyring_has(kr, DOMAIN_AUDIT)) {
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "Your account holds no audit key, so nothing you do could be "
			       "recorded. Ask your administrator to reset your password.");
		goto cleanup;
	}
	snprintf(info->last_login, sizeof info->last_login, "%s", now.last_login);
	snprintf(info->last_from, sizeof info->last_from, "%s", now.last_from);
	ret = session_new_internal(c, &now, kr, &s, m);
	kr = NULL; /* taken, even on failure */
	if (ret != STATUS_OK)
		goto cleanup;
	s->key_epoch = epoch;
	if ((ret = settle_session(s, &kek, &sk, m)) != STATUS_OK) {
		integrity_refused = ret == STATUS_INTEGRITY;
		goto cleanup;
	}

	core_now(when);
	if ((ret = audit_drain_pending(s, m)) != STATUS_OK)
		goto cleanup;
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
	if (ret != STATUS_OK && in_tx) {
		db_rollback(c->db);
		/* A sign-on refused because the account record or the policy
		 * was changed outside the app is in the trail (as pending: the
		 * transaction that would have chained it is gone). */
		if (integrity_refused)
			pending_alone(c, u.id, u.name, "login_refused", "integrity");
	}
	keyring_free(kr);
	if (ret != STATUS_OK) {
		secret_free(&kek);
		secret_free(&sk);
		if (s) {
			keyring_free(s->kr);
			free(s);
		}
		memset(info, 0, sizeof *info);
		return ret;
	}
	s->sk = sk; /* kept: key versions granted while it is open */
	*out = s;
	/* A cost raised in the policy since the account's KEK was made is
	 * applied now, while the password is at hand (a failure is tried again
	 * at the next sign-on). */
	{
		msg_t km;
		users_kdf_upgrade(s, password, kek.bytes, sk.bytes, &upgraded, &km);
	}
	secret_free(&kek);
	/* A database from before schema 007 is re-sealed by the first
	 * sign-on that holds the keys for it (core/reseal.h); a failure is on
	 * record and the next such sign-on resumes. */
	if (!c->sealed) {
		msg_t rm;
		int done = 0;
		if (reseal_run(s, RESEAL_BATCH, 0, &done, &rm) != STATUS_OK)
			audit_alone(s, "integrity_migration_failed", "failed", rm.text, &rm);
	}
	return STATUS_OK;
}

static status_t audit_alone(session_t *s, const char *action, const char *outcome,
			    const char *detail, msg_t *m)
{
	status_t ret;
	/* A session idle through a key rotation takes the new audit key in
	 * before it writes (nothing else is written here). */
	if ((ret = session_keys_fresh(s, NULL, m)) != STATUS_OK)
		return ret;
	ret = db_begin(s->c->db, m);
	if (ret != STATUS_OK)
		return ret;
	ret = audit_append(s, action, s->user.name, outcome, detail, m);
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
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
		ret = audit_drain_pending(s, m);
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

/* Write the noted searches in a transaction of their own; without waiting
 * for another writer when `wait` is 0. */
static status_t write_searches(session_t *s, int wait, msg_t *m)
{
	status_t ret;
	if (s->nsearch == 0)
		return STATUS_OK;
	if ((ret = session_keys_fresh(s, NULL, m)) != STATUS_OK)
		return ret;
	ret = wait ? db_begin(s->c->db, m) : db_begin_nowait(s->c->db, m);
	if (ret != STATUS_OK)
		return ret;
	if ((ret = audit_flush_searches(s, m)) == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

status_t session_search_room(session_t *s, msg_t *m)
{
	msg_t why;
	/* A locked session's search is refused by its permission check. */
	if (s->locked || s->nsearch == 0)
		return STATUS_OK;
	/* Full, or the oldest has waited long enough (no screen is pausing
	 * to write them: a script, a long lookup session). */
	if (s->nsearch < SESSION_SEARCH_LOG &&
	    time(NULL) - s->search_since < SESSION_SEARCH_WAIT)
		return STATUS_OK;
	if (write_searches(s, 1, &why) != STATUS_OK)
		return msg_fail(m, STATUS_DB,
				"Searching is paused: the audit trail could not be written (%s).",
				why.text);
	return STATUS_OK;
}

void session_note_search(session_t *s, const char *what, int64_t tok)
{
	if (s->nsearch == SESSION_SEARCH_LOG)
		return; /* not reached: session_search_room made room first */
	if (s->nsearch == 0)
		s->search_since = time(NULL);
	snprintf(s->searches[s->nsearch].what, sizeof s->searches[0].what, "%s", what);
	s->searches[s->nsearch].tok = tok;
	s->nsearch++;
}

status_t session_idle(session_t *s, msg_t *m)
{
	if (!s || s->locked)
		return STATUS_OK;
	return write_searches(s, 0, m);
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
	int stale = 0;
	if (!s->locked && perm_allowed(&s->c->cfg->perms, s->role, a) &&
	    account_state(s, &why, &ignore) == STATUS_OK && !why &&
	    session_keys_fresh(s, &stale, &ignore) == STATUS_OK && !stale)
		return STATUS_OK;
	db_read_end(s->c->db, *reading);
	*reading = 0;
	return session_require(s, a, m);
}
