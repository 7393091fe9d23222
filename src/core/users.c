/* users.c - staff accounts and the key wraps that follow their roles. */
#include "core/users.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/internal.h"
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
	ret = insert_row ? db_user_insert(c->db, u, m) : db_user_set_credentials(c->db, u, m);
	if (ret != STATUS_OK)
		goto cleanup;
	if ((ret = db_wrap_delete(c->db, u->id, NULL, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_grant_delete(c->db, u->id, NULL, m)) != STATUS_OK)
		goto cleanup;
	for (int d = 0; d < DOMAIN_COUNT; d++) {
		if (!(domains & DOMAIN_BIT(d)))
			continue;
		if (!keyring_has(kr, (domain_t)d)) {
			ret = msg_fail(m, STATUS_DENIED,
				       "You do not hold the %s key, so you cannot grant it.",
				       crypto_domain_name((domain_t)d));
			goto cleanup;
		}
		memset(&w, 0, sizeof w);
		snprintf(w.holder, sizeof w.holder, "%s", u->id);
		snprintf(w.domain, sizeof w.domain, "%s", crypto_domain_name((domain_t)d));
		w.version = keyring_version(kr, (domain_t)d);
		w.blob_len = CRYPTO_WRAP_LEN;
		ret = crypto_wrap(kek.bytes, u->id, w.domain, w.version, keyring_key(kr, (domain_t)d),
				  w.blob, m);
		if (ret == STATUS_OK)
			ret = db_wrap_put(c->db, &w, m);
		if (ret != STATUS_OK)
			goto cleanup;
	}
cleanup:
	secret_free(&sk);
	secret_free(&kek);
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

static status_t get_target(session_t *s, const char *name, db_user_t *u, msg_t *m)
{
	status_t ret = db_user_get_by_name(s->c->db, name, u, m);
	if (ret == STATUS_NOTFOUND)
		return msg_fail(m, STATUS_NOTFOUND, "There is no user named %s.", name);
	return ret;
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
	ret = users_set_credentials(s->c, &u, password, s->kr,
				    perm_role_domains(&s->c->cfg->perms, r), 1, m);
	snprintf(detail, sizeof detail, "role=%s", role);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_add", name, "ok", detail, m);
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "User %s added with role %s.", name, role);
	return ret;
}

struct list_ctx {
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
	return l->fn(&info, l->arg);
}

status_t users_list(session_t *s, int (*fn)(const user_info_t *u, void *arg), void *arg,
		    msg_t *m)
{
	struct list_ctx l = {s->c->db, fn, arg};
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
	if ((ret = session_require(s, ACT_USER_MANAGE, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if ((ret = get_target(s, name, &u, m)) != STATUS_OK)
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
		ret = audit_append(s, "user_disable", name, "ok", "keys removed", m);
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
	ret = users_set_credentials(s->c, &u, new_password, s->kr,
				    perm_role_domains(&s->c->cfg->perms, perm_role_from_name(u.role)),
				    0, m);
	if (ret == STATUS_OK)
		ret = db_user_set_disabled(s->c->db, u.id, 0, when, m);
	if (ret == STATUS_OK)
		ret = db_user_unlock(s->c->db, u.id, when, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_enable", name, "ok", NULL, m);
done:
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "User %s enabled with a new password.", name);
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
	ret = users_set_credentials(s->c, &u, new_password, s->kr,
				    perm_role_domains(&s->c->cfg->perms, perm_role_from_name(u.role)),
				    0, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_passwd", name, "ok", self ? "own password" : "reset",
				   m);
done:
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "Password for %s changed.", name);
	return ret;
}

status_t users_set_role(session_t *s, const char *name, const char *role, msg_t *m)
{
	status_t ret;
	db_user_t u;
	role_t r = perm_role_from_name(role);
	unsigned want, have = 0;
	char when[24], detail[96];

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
		} else if (!(have & DOMAIN_BIT(d)) && (want & DOMAIN_BIT(d)) && !u.disabled) {
			db_wrap_t g;
			if (!keyring_has(s->kr, (domain_t)d)) {
				ret = msg_fail(m, STATUS_DENIED,
					       "You do not hold the %s key, so you cannot grant it.",
					       dn);
				break;
			}
			memset(&g, 0, sizeof g);
			snprintf(g.holder, sizeof g.holder, "%s", u.id);
			snprintf(g.domain, sizeof g.domain, "%s", dn);
			g.version = keyring_version(s->kr, (domain_t)d);
			g.blob_len = CRYPTO_SEALED_LEN;
			ret = crypto_seal(u.public_key, keyring_key(s->kr, (domain_t)d), g.blob, m);
			if (ret == STATUS_OK)
				ret = db_grant_put(s->c->db, &g, m);
		}
	}
	snprintf(detail, sizeof detail, "role %s -> %s", u.role, role);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_role", name, "ok", detail, m);
done:
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "%s now has the role %s.", name, role);
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
