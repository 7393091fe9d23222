/* users.c - staff accounts and the key wraps that follow their roles. */
#include "core/users.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/embedded.h"
#include "core/audit.h"
#include "core/internal.h"
#include "core/keys.h"
#include "core/password.h"
#include "db/db_keys.h"

int users_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 2 || n > 32 || !islower((unsigned char)name[0]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (!(islower(ch) || isdigit(ch) || ch == '.' || ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

status_t users_password_check(const config_t *cfg, const char *name, const char *password,
			      msg_t *m)
{
	return password_check(cfg, name, password, m);
}

/* ---- the account row's MAC ---------------------------------------- */

static void lp(crypto_generichash_state *st, const void *p, size_t n)
{
	unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
				(unsigned char)(n >> 8), (unsigned char)n};
	crypto_generichash_update(st, len, sizeof len);
	if (n)
		crypto_generichash_update(st, p, n);
}

status_t users_row_mac(const keyring_t *kr, const db_user_t *u, unsigned char mac[32], msg_t *m)
{
	/* The fields in a fixed, length-prefixed layout; then keyed. Hashing
	 * them first keeps the key-holding code in crypto.c. */
	crypto_generichash_state st;
	unsigned char digest[32];
	status_t ret;
	crypto_generichash_init(&st, NULL, 0, sizeof digest);
	lp(&st, "chartroom-user-1", 16);
	lp(&st, u->id, strlen(u->id));
	lp(&st, u->name, strlen(u->name));
	lp(&st, u->role, strlen(u->role));
	lp(&st, u->disabled ? "1" : "0", 1);
	lp(&st, u->public_key, sizeof u->public_key);
	crypto_generichash_final(&st, digest, sizeof digest);
	ret = crypto_audit_keyed_mac(kr, CRYPTO_MAC_USERS, digest, sizeof digest, mac, m);
	sodium_memzero(digest, sizeof digest);
	return ret;
}

status_t users_row_check(const keyring_t *kr, const db_user_t *u, msg_t *m)
{
	unsigned char mac[32];
	status_t ret = users_row_mac(kr, u, mac, m);
	if (ret != STATUS_OK)
		return ret;
	if (u->mac_len != sizeof mac || crypto_memcmp(mac, u->mac, sizeof mac) != 0)
		return msg_fail(m, STATUS_INTEGRITY,
				"The account record of %s (role %s) was changed outside Chartroom "
				"(users table); it is refused until an administrator checks it.",
				u->name, u->role);
	return STATUS_OK;
}

status_t users_row_seal(clinic_t *c, const keyring_t *kr, const char *user_id, msg_t *m)
{
	db_user_t u;
	unsigned char mac[32];
	status_t ret = db_user_get_by_id(c->db, user_id, &u, m);
	if (ret == STATUS_OK)
		ret = users_row_mac(kr, &u, mac, m);
	if (ret == STATUS_OK)
		ret = db_user_set_mac(c->db, user_id, mac, m);
	return ret;
}

status_t users_set_credentials(clinic_t *c, db_user_t *u, const char *password,
			       const keyring_t *kr, unsigned domains, int insert_row, msg_t *m)
{
	status_t ret;
	secret_t kek = {0}, sk = {0};
	db_wrap_t w;

	u->kdf_ops = config_argon_ops(c->cfg);
	u->kdf_mem = config_argon_mem(c->cfg);
	crypto_salt(u->kdf_salt);
	core_now(u->updated);
	if ((ret = secret_new(&kek, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = secret_new(&sk, 0, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = crypto_kek_derive(&kek, password, u->kdf_salt, u->kdf_ops, u->kdf_mem, m)) !=
	    STATUS_OK)
		goto cleanup;
	if ((ret = crypto_user_keypair(u->public_key, &sk, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = crypto_wrap(kek.bytes, u->id, "user-secret", 1, sk.bytes, u->secret_wrap, m)) !=
	    STATUS_OK)
		goto cleanup;
	u->secret_wrap_len = CRYPTO_WRAP_LEN;
	if (insert_row) {
		if ((ret = users_row_mac(kr, u, u->mac, m)) != STATUS_OK)
			goto cleanup;
		u->mac_len = sizeof u->mac;
		ret = db_user_insert(c->db, u, m);
	} else {
		ret = db_user_set_credentials(c->db, u, m);
		if (ret == STATUS_OK)
			ret = users_row_seal(c, kr, u->id, m); /* a new public key */
	}
	if (ret != STATUS_OK)
		goto cleanup;
	if ((ret = db_wrap_delete(c->db, u->id, NULL, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_grant_delete(c->db, u->id, NULL, m)) != STATUS_OK)
		goto cleanup;
	for (int d = 0; d < DOMAIN_COUNT; d++) {
		int v[KEYS_VERSIONS_MAX], nv;
		/* A key the granter does not hold is left for a holder to grant
		 * (core/keys.h). Every version in use: two while it is rotated. */
		if (!(domains & DOMAIN_BIT(d)) || !keyring_has(kr, (domain_t)d))
			continue;
		nv = keys_wrappable(c->db, kr, (domain_t)d, v, KEYS_VERSIONS_MAX, m);
		if (nv < 0) {
			ret = STATUS_DB;
			goto cleanup;
		}
		for (int i = 0; i < nv; i++) {
			memset(&w, 0, sizeof w);
			snprintf(w.holder, sizeof w.holder, "%s", u->id);
			snprintf(w.domain, sizeof w.domain, "%s", crypto_domain_name((domain_t)d));
			w.version = v[i];
			w.blob_len = CRYPTO_WRAP_LEN;
			ret = crypto_wrap(kek.bytes, u->id, w.domain, w.version,
					  keyring_key_at(kr, (domain_t)d, v[i]), w.blob, m);
			if (ret == STATUS_OK)
				ret = db_wrap_put(c->db, &w, m);
			if (ret != STATUS_OK)
				goto cleanup;
		}
	}
cleanup:
	secret_free(&sk);
	secret_free(&kek);
	return ret;
}

/* ---- raising the Argon2id cost at sign-on -------------------------- */

typedef struct rewrap {
	db_wrap_t w[KEYS_VERSIONS_MAX * DOMAIN_COUNT];
	int n;
} rewrap_t;

static int take_wrap(const db_wrap_t *w, void *arg)
{
	rewrap_t *r = arg;
	if (r->n < (int)(sizeof r->w / sizeof r->w[0]))
		r->w[r->n++] = *w;
	return 0;
}

status_t users_kdf_upgrade(session_t *s, const char *password, const unsigned char *old_kek,
			   const unsigned char *sk, int *upgraded, msg_t *m)
{
	clinic_t *c = s->c;
	db_user_t u, now;
	uint64_t ops = config_argon_ops(c->cfg), mem = config_argon_mem(c->cfg);
	uint64_t old_ops, old_mem;
	unsigned char old_salt[CRYPTO_SALT_LEN];
	secret_t kek = {0}, key = {0};
	rewrap_t *r = NULL;
	status_t ret;
	int in_tx = 0;
	char detail[128];

	*upgraded = 0;
	if ((ret = db_user_get_by_id(c->db, s->user.id, &u, m)) != STATUS_OK)
		return ret;
	old_ops = u.kdf_ops;
	old_mem = u.kdf_mem;
	/* Only ever raised: a cost lowered in the policy leaves accounts as
	 * they are until their next password change. */
	if (u.kdf_ops >= ops && u.kdf_mem >= mem)
		return STATUS_OK;
	if (ops < u.kdf_ops)
		ops = u.kdf_ops;
	if (mem < u.kdf_mem)
		mem = u.kdf_mem;
	if (!(r = calloc(1, sizeof *r)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = secret_new(&kek, 0, m)) != STATUS_OK || (ret = secret_new(&key, 0, m)) != STATUS_OK)
		goto cleanup;
	/* The expensive part outside any transaction: others write meanwhile. */
	memcpy(old_salt, u.kdf_salt, sizeof old_salt);
	crypto_salt(u.kdf_salt);
	if ((ret = crypto_kek_derive(&kek, password, u.kdf_salt, ops, mem, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_begin(c->db, m)) != STATUS_OK)
		goto cleanup;
	in_tx = 1;
	/* The password changed meanwhile: this KEK is of no use. */
	if ((ret = db_user_get_by_id(c->db, s->user.id, &now, m)) != STATUS_OK ||
	    memcmp(now.kdf_salt, old_salt, sizeof old_salt) != 0)
		goto cleanup;
	if ((ret = db_wrap_each(c->db, u.id, take_wrap, r, m)) != STATUS_OK)
		goto cleanup;
	u.kdf_ops = ops;
	u.kdf_mem = mem;
	memcpy(u.public_key, now.public_key, sizeof u.public_key);
	core_now(u.updated);
	/* The same secret key (grants sealed to the public key stay good)
	 * and the same keys, under the new KEK. */
	if ((ret = crypto_wrap(kek.bytes, u.id, "user-secret", 1, sk, u.secret_wrap, m)) !=
	    STATUS_OK)
		goto cleanup;
	u.secret_wrap_len = CRYPTO_WRAP_LEN;
	for (int i = 0; i < r->n && ret == STATUS_OK; i++) {
		db_wrap_t *w = &r->w[i];
		ret = crypto_unwrap(old_kek, u.id, w->domain, w->version, w->blob, w->blob_len,
				    key.bytes, m);
		if (ret == STATUS_OK)
			ret = crypto_wrap(kek.bytes, u.id, w->domain, w->version, key.bytes, w->blob, m);
		w->blob_len = CRYPTO_WRAP_LEN;
		if (ret == STATUS_OK)
			ret = db_wrap_put(c->db, w, m);
	}
	if (ret == STATUS_OK)
		ret = db_user_set_credentials(c->db, &u, m);
	snprintf(detail, sizeof detail,
		 "Argon2id cost raised: passes %llu -> %llu, memory %llu -> %llu MiB",
		 (unsigned long long)old_ops, (unsigned long long)ops,
		 (unsigned long long)(old_mem >> 20), (unsigned long long)(mem >> 20));
	if (ret == STATUS_OK)
		ret = audit_append(s, "kdf_upgrade", u.name, "ok", detail, m);
	if (ret == STATUS_OK && (ret = db_commit(c->db, m)) == STATUS_OK)
		*upgraded = 1;
cleanup:
	if (in_tx && !*upgraded)
		db_rollback(c->db);
	secret_free(&key);
	secret_free(&kek);
	if (r) {
		sodium_memzero(r, sizeof *r);
		free(r);
	}
	return ret;
}

/* Run body inside a transaction with its audit row; roll back on failure. */
static status_t finish(session_t *s, status_t ret, msg_t *m)
{
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

/* The account to act on; one whose record fails its integrity check is
 * refused (STATUS_INTEGRITY), except where `damaged_ok` (disabling it is
 * always safe). */
static status_t get_target_checked(session_t *s, const char *name, db_user_t *u, int damaged_ok,
				   int *damaged, msg_t *m)
{
	status_t ret = db_user_get_by_name(s->c->db, name, u, m);
	msg_t why;
	if (damaged)
		*damaged = 0;
	if (ret == STATUS_NOTFOUND)
		return msg_fail(m, STATUS_NOTFOUND, "There is no user named %s.", name);
	if (ret != STATUS_OK)
		return ret;
	if (users_row_check(s->kr, u, &why) != STATUS_OK) {
		if (!damaged_ok)
			return msg_fail(m, STATUS_INTEGRITY, "%s", why.text);
		if (damaged)
			*damaged = 1;
	}
	return STATUS_OK;
}

static status_t get_target(session_t *s, const char *name, db_user_t *u, msg_t *m)
{
	return get_target_checked(s, name, u, 0, NULL, m);
}

/* After an account got keys from this session: grant what others wait for
 * and drop this account's own wraps it does not need any more (the first
 * administrator's clinical key, once a clinical account holds it). The
 * session keeps its keys until it ends. Then say which keys the account
 * still waits for. */
static status_t settle_and_note(session_t *s, const db_user_t *u, unsigned want, msg_t *note,
				msg_t *m)
{
	unsigned wrapped = 0, granted = 0, missing;
	char keys[64] = "";
	status_t ret = keys_settle(s, 0, m);
	if (ret == STATUS_OK)
		ret = keys_held(s->c->db, u->id, &wrapped, &granted, m);
	if (ret != STATUS_OK)
		return ret;
	missing = want & ~(wrapped | granted);
	for (int d = 0; d < DOMAIN_COUNT; d++)
		if (missing & DOMAIN_BIT(d))
			snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s",
				 keys[0] ? " and " : "", crypto_domain_name((domain_t)d));
	if (missing)
		msg_set(note,
			" The %s key%s will be granted at the next sign-on of a user who holds %s.",
			keys, strchr(keys, ' ') ? "s" : "", strchr(keys, ' ') ? "them" : "it");
	else
		msg_clear(note);
	return STATUS_OK;
}

static int count_active_admin(const db_user_t *u, void *arg)
{
	if (strcmp(u->role, "admin") == 0 && !u->disabled)
		(*(int *)arg)++;
	return 0;
}

/* Refuse a change that would leave no administrator able to sign on. */
static status_t keep_an_admin(session_t *s, const db_user_t *target, msg_t *m)
{
	int active = 0;
	status_t ret;
	if (strcmp(target->role, "admin") != 0 || target->disabled)
		return STATUS_OK;
	if ((ret = db_user_each(s->c->db, count_active_admin, &active, m)) != STATUS_OK)
		return ret;
	if (active <= 1)
		return msg_fail(m, STATUS_INVALID,
				"%s is the last active administrator; add another one first.",
				target->name);
	return STATUS_OK;
}

status_t users_add(session_t *s, const char *name, const char *role, const char *password,
		   msg_t *m)
{
	status_t ret;
	db_user_t u;
	role_t r = perm_role_from_name(role);
	char detail[64];
	unsigned want;
	msg_t note;

	msg_clear(&note);
	if ((ret = session_require(s, ACT_USER_MANAGE, m)) != STATUS_OK)
		return ret;
	if (!users_name_valid(name))
		return msg_fail(m, STATUS_INVALID,
				"'%s' is not a valid user name: 2 to 32 characters, lower-case "
				"letters, digits, '.', '_' or '-', starting with a letter.",
				name ? name : "");
	if (r == ROLE_COUNT)
		return msg_fail(m, STATUS_INVALID,
				"'%s' is not a role. Roles: frontdesk, nurse, provider, him, privacy, "
				"admin.",
				role ? role : "");
	if ((ret = users_password_check(s->c->cfg, name, password, m)) != STATUS_OK)
		return ret;
	memset(&u, 0, sizeof u);
	crypto_random_id(u.id);
	snprintf(u.name, sizeof u.name, "%s", name);
	snprintf(u.role, sizeof u.role, "%s", role);
	core_now(u.created);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	want = perm_role_domains(&s->c->cfg->perms, r);
	ret = users_set_credentials(s->c, &u, password, s->kr, want, 1, m);
	snprintf(detail, sizeof detail, "role=%s", role);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_add", name, "ok", detail, m);
	if (ret == STATUS_OK)
		ret = settle_and_note(s, &u, want, &note, m);
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "User %s added with role %s.%s", name, role, note.text);
	return ret;
}

struct list_ctx {
	session_t *s;
	db_t *db;
	int (*fn)(const user_info_t *u, void *arg);
	void *arg;
};

static int wrap_domain(const db_wrap_t *w, void *arg)
{
	domain_t d = crypto_domain_from_name(w->domain);
	if (d != DOMAIN_COUNT)
		*(unsigned *)arg |= DOMAIN_BIT(d);
	return 0;
}

static int list_one(const db_user_t *u, void *arg)
{
	struct list_ctx *l = arg;
	user_info_t info;
	msg_t ignore;
	memset(&info, 0, sizeof info);
	snprintf(info.name, sizeof info.name, "%s", u->name);
	snprintf(info.role, sizeof info.role, "%s", u->role);
	info.disabled = u->disabled;
	info.locked = u->locked;
	info.failed_count = u->failed_count;
	snprintf(info.last_login, sizeof info.last_login, "%s", u->last_login);
	snprintf(info.last_from, sizeof info.last_from, "%s", u->last_from);
	snprintf(info.created, sizeof info.created, "%s", u->created);
	db_wrap_each(l->db, u->id, wrap_domain, &info.domains, &ignore);
	db_grant_each(l->db, u->id, wrap_domain, &info.domains, &ignore);
	if (!u->disabled && perm_role_from_name(u->role) != ROLE_COUNT)
		info.missing = perm_role_domains(&l->s->c->cfg->perms, perm_role_from_name(u->role)) &
			       ~info.domains;
	info.damaged = users_row_check(l->s->kr, u, &ignore) != STATUS_OK;
	return l->fn(&info, l->arg);
}

status_t users_list(session_t *s, int (*fn)(const user_info_t *u, void *arg), void *arg,
		    msg_t *m)
{
	struct list_ctx l = {s, s->c->db, fn, arg};
	status_t ret = session_require(s, ACT_USER_MANAGE, m);
	if (ret != STATUS_OK)
		return ret;
	return db_user_each(s->c->db, list_one, &l, m);
}

status_t users_disable(session_t *s, const char *name, msg_t *m)
{
	status_t ret;
	db_user_t u;
	char when[24];
	int damaged = 0;
	if ((ret = session_require(s, ACT_USER_MANAGE, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = get_target_checked(s, name, &u, 1, &damaged, m)) != STATUS_OK)
		goto done;
	if (strcmp(u.id, s->user.id) == 0) {
		ret = msg_fail(m, STATUS_INVALID, "You cannot disable your own account.");
		goto done;
	}
	if (u.disabled) {
		ret = msg_fail(m, STATUS_INVALID, "%s is already disabled.", name);
		goto done;
	}
	if ((ret = keep_an_admin(s, &u, m)) != STATUS_OK)
		goto done;
	core_now(when);
	/* Disabling removes the user's keys: even with the file and their old
	 * password they can read nothing. */
	ret = db_user_set_disabled(s->c->db, u.id, 1, when, m);
	if (ret == STATUS_OK)
		ret = db_wrap_delete(s->c->db, u.id, NULL, m);
	if (ret == STATUS_OK)
		ret = db_grant_delete(s->c->db, u.id, NULL, m);
	if (ret == STATUS_OK)
		ret = users_row_seal(s->c, s->kr, u.id, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_disable", name, "ok",
				   damaged ? "keys removed; the account record had been changed "
					     "outside Chartroom"
					   : "keys removed",
				   m);
done:
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "User %s disabled; their keys were removed.", name);
	return ret;
}

status_t users_enable(session_t *s, const char *name, const char *new_password, msg_t *m)
{
	status_t ret;
	db_user_t u;
	char when[24];
	unsigned want;
	msg_t note;

	msg_clear(&note);
	if ((ret = session_require(s, ACT_USER_MANAGE, m)) != STATUS_OK)
		return ret;
	if ((ret = users_password_check(s->c->cfg, name, new_password, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = get_target(s, name, &u, m)) != STATUS_OK)
		goto done;
	if (!u.disabled) {
		ret = msg_fail(m, STATUS_INVALID, "%s is not disabled.", name);
		goto done;
	}
	core_now(when);
	want = perm_role_domains(&s->c->cfg->perms, perm_role_from_name(u.role));
	ret = users_set_credentials(s->c, &u, new_password, s->kr, want, 0, m);
	if (ret == STATUS_OK)
		ret = db_user_set_disabled(s->c->db, u.id, 0, when, m);
	if (ret == STATUS_OK)
		ret = db_user_unlock(s->c->db, u.id, when, m);
	if (ret == STATUS_OK)
		ret = users_row_seal(s->c, s->kr, u.id, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_enable", name, "ok", NULL, m);
	if (ret == STATUS_OK)
		ret = settle_and_note(s, &u, want, &note, m);
done:
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "User %s enabled with a new password.%s", name, note.text);
	return ret;
}

status_t users_unlock(session_t *s, const char *name, msg_t *m)
{
	status_t ret;
	db_user_t u;
	char when[24];
	if ((ret = session_require(s, ACT_USER_MANAGE, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = get_target(s, name, &u, m)) != STATUS_OK)
		goto done;
	core_now(when);
	ret = db_user_unlock(s->c->db, u.id, when, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_unlock", name, "ok", NULL, m);
done:
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "User %s unlocked.", name);
	return ret;
}

status_t users_passwd(session_t *s, const char *name, const char *new_password, msg_t *m)
{
	status_t ret;
	db_user_t u;
	int self = strcmp(name, s->user.name) == 0;
	unsigned want;
	msg_t note;

	msg_clear(&note);
	if (!self && (ret = session_require(s, ACT_USER_MANAGE, m)) != STATUS_OK)
		return ret;
	if (s->locked)
		return msg_fail(m, STATUS_DENIED, "The session is locked; sign on again.");
	if ((ret = users_password_check(s->c->cfg, name, new_password, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = get_target(s, name, &u, m)) != STATUS_OK)
		goto done;
	if (u.disabled) {
		ret = msg_fail(m, STATUS_INVALID, "%s is disabled; use 'user enable' instead.", name);
		goto done;
	}
	want = perm_role_domains(&s->c->cfg->perms, perm_role_from_name(u.role));
	/* One's own password: re-wrap what one holds now (a key kept only to
	 * hand on stays too); another's: what their role needs, of what this
	 * session holds (the rest is granted by a holder later). */
	ret = users_set_credentials(s->c, &u, new_password, s->kr,
				    self ? keyring_domains(s->kr) : want, 0, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_passwd", name, "ok", self ? "own password" : "reset",
				   m);
	if (ret == STATUS_OK && !self)
		ret = settle_and_note(s, &u, want, &note, m);
done:
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "Password for %s changed.%s", name, note.text);
	return ret;
}

status_t users_set_role(session_t *s, const char *name, const char *role, msg_t *m)
{
	status_t ret;
	db_user_t u;
	role_t r = perm_role_from_name(role);
	unsigned want, have = 0;
	char when[24], detail[96];
	msg_t note;

	msg_clear(&note);

	if ((ret = session_require(s, ACT_USER_MANAGE, m)) != STATUS_OK)
		return ret;
	if (r == ROLE_COUNT)
		return msg_fail(m, STATUS_INVALID,
				"'%s' is not a role. Roles: frontdesk, nurse, provider, him, privacy, "
				"admin.",
				role ? role : "");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = get_target(s, name, &u, m)) != STATUS_OK)
		goto done;
	if (strcmp(u.role, role) == 0) {
		ret = msg_fail(m, STATUS_INVALID, "%s already has the role %s.", name, role);
		goto done;
	}
	if (r != ROLE_ADMIN && (ret = keep_an_admin(s, &u, m)) != STATUS_OK)
		goto done;
	core_now(when);
	want = perm_role_domains(&s->c->cfg->perms, r);
	if ((ret = db_user_set_role(s->c->db, u.id, role, when, m)) != STATUS_OK)
		goto done;
	if ((ret = db_wrap_each(s->c->db, u.id, wrap_domain, &have, m)) != STATUS_OK)
		goto done;
	/* Take away the keys the new role does not need (wrapped, or granted
	 * by an earlier change and not yet taken in at a sign-on); grant the
	 * new ones sealed to the user's public key (we do not know their
	 * password). */
	for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++) {
		const char *dn = crypto_domain_name((domain_t)d);
		if (!(want & DOMAIN_BIT(d))) {
			ret = db_wrap_delete(s->c->db, u.id, dn, m);
			if (ret == STATUS_OK)
				ret = db_grant_delete(s->c->db, u.id, dn, m);
		} else if (!(have & DOMAIN_BIT(d)) && (want & DOMAIN_BIT(d)) && !u.disabled &&
			   keyring_has(s->kr, (domain_t)d)) {
			/* A key this session does not hold is granted later by a
			 * holder (core/keys.h); every version in use. */
			int v[KEYS_VERSIONS_MAX];
			int nv = keys_wrappable(s->c->db, s->kr, (domain_t)d, v, KEYS_VERSIONS_MAX, m);
			if (nv < 0)
				ret = STATUS_DB;
			for (int i = 0; i < nv && ret == STATUS_OK; i++)
				ret = keys_grant_one(s->c->db, s->kr, &u, (domain_t)d, v[i], m);
		}
	}
	if (ret == STATUS_OK)
		ret = users_row_seal(s->c, s->kr, u.id, m);
	snprintf(detail, sizeof detail, "role %s -> %s", u.role, role);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_role", name, "ok", detail, m);
	if (ret == STATUS_OK && !u.disabled)
		ret = settle_and_note(s, &u, want, &note, m);
done:
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "%s now has the role %s.%s", name, role, note.text);
	return ret;
}

status_t users_passwd_self(session_t *s, const char *current, const char *new_password,
			   msg_t *m)
{
	status_t ret;
	if (s->locked)
		return msg_fail(m, STATUS_DENIED, "The session is locked; sign on again.");
	if ((ret = users_password_check(s->c->cfg, s->user.name, new_password, m)) != STATUS_OK)
		return ret;
	if (current && new_password && strcmp(current, new_password) == 0)
		return msg_fail(m, STATUS_INVALID, "The new password is the same as the current one.");
	if ((ret = session_verify_password(s, current, m)) != STATUS_OK)
		return ret;
	return users_passwd(s, s->user.name, new_password, m);
}
