/* keys.c - key needs granted by holders, wraps a role no longer needs
 * dropped. */
#include "core/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/internal.h"
#include "db/db_keys.h"

/* ---- key versions ------------------------------------------------------ */

void keys_under_holder(domain_t d, int version, char out[40])
{
	snprintf(out, 40, "%s:%d", crypto_domain_name(d), version);
}

/* Every domain_keys row (every version of every domain: none may be
 * left out, however many rotations there were). */
typedef struct dklist {
	db_domain_key_t *k;
	int n, cap, oom;
} dklist_t;

static int take_dk(const db_domain_key_t *k, void *arg)
{
	dklist_t *l = arg;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		db_domain_key_t *nk = realloc(l->k, (size_t)cap * sizeof *nk);
		if (!nk) {
			l->oom = 1;
			return 1;
		}
		l->k = nk;
		l->cap = cap;
	}
	l->k[l->n++] = *k;
	return 0;
}

/* The rows into l (dks_free after, whatever is returned). */
static status_t read_dks(db_t *db, dklist_t *l, msg_t *m)
{
	status_t ret;
	memset(l, 0, sizeof *l);
	ret = db_domain_key_each(db, take_dk, l, m);
	if (ret == STATUS_OK && l->oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the key versions.");
	return ret;
}

static void dks_free(dklist_t *l)
{
	free(l->k);
	memset(l, 0, sizeof *l);
}

int keys_versions_active(db_t *db, domain_t d, int *out, int max, msg_t *m)
{
	dklist_t l;
	int n = 0;
	if (read_dks(db, &l, m) != STATUS_OK) {
		dks_free(&l);
		return -1;
	}
	for (int i = l.n - 1; i >= 0 && n < max; i--)
		if (l.k[i].active && strcmp(l.k[i].domain, crypto_domain_name(d)) == 0)
			out[n++] = l.k[i].version;
	dks_free(&l);
	return n;
}

int keys_wrappable(db_t *db, const keyring_t *kr, domain_t d, int *out, int max, msg_t *m)
{
	int active[KEYS_VERSIONS_MAX], na = keys_versions_active(db, d, active, KEYS_VERSIONS_MAX, m),
					     n = 0;
	if (na < 0)
		return -1;
	for (int i = 0; i < na && n < max; i++)
		if (keyring_has_version(kr, d, active[i]))
			out[n++] = active[i];
	return n;
}

struct under_ctx {
	keyring_t *kr;
	domain_t under; /* the key they are wrapped under, this version: */
	int uversion;
	domain_t what;
	char holder[40];
	status_t ret;
	msg_t *m;
};

static int under_one(const db_wrap_t *w, void *arg)
{
	struct under_ctx *c = arg;
	secret_t key = {0};
	if (strcmp(w->domain, crypto_domain_name(c->what)) != 0)
		return 0;
	if ((c->ret = secret_new(&key, 0, c->m)) != STATUS_OK)
		return 1;
	c->ret = crypto_unwrap_under(c->kr, c->under, c->uversion, c->holder, w->domain,
				     w->version, w->blob, w->blob_len, key.bytes, c->m);
	if (c->ret == STATUS_OK)
		c->ret = keyring_set(c->kr, c->what, w->version, key.bytes, c->m);
	else
		c->ret = msg_fail(c->m, STATUS_INTEGRITY,
				  "The %s key version %d kept under the %s key could not be "
				  "unlocked; the key store is damaged.",
				  w->domain, w->version, crypto_domain_name(c->under));
	secret_free(&key);
	return c->ret != STATUS_OK;
}

/* Load every key of `what` wrapped under a version of `under` in kr. */
static status_t load_under(db_t *db, keyring_t *kr, domain_t under, domain_t what, msg_t *m)
{
	int v[KEYS_VERSIONS_MAX], n = keyring_versions(kr, under, v, KEYS_VERSIONS_MAX);
	status_t ret = STATUS_OK;
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		struct under_ctx c = {kr, under, v[i], what, "", STATUS_OK, m};
		keys_under_holder(under, v[i], c.holder);
		ret = db_wrap_each(db, c.holder, under_one, &c, m);
		if (ret == STATUS_OK)
			ret = c.ret;
	}
	return ret;
}

status_t keys_load_derived(db_t *db, keyring_t *kr, msg_t *m)
{
	dklist_t l;
	status_t ret;
	int any_index = 0, legacy_active = 0;
	ret = read_dks(db, &l, m);
	for (int i = 0; ret == STATUS_OK && i < l.n; i++)
		if (strcmp(l.k[i].domain, "index") == 0) {
			any_index = 1;
			if (l.k[i].version == 0 && l.k[i].active)
				legacy_active = 1;
		}
	dks_free(&l);
	if (ret != STATUS_OK)
		return ret;
	if (keyring_has(kr, DOMAIN_DEMO)) {
		if ((ret = load_under(db, kr, DOMAIN_DEMO, DOMAIN_INDEX, m)) != STATUS_OK)
			return ret;
		/* A database from before the index key: its tokens come from the
		 * demo key (as version 0 of the index key) until the index key's
		 * first rotation has re-made them. The demo key is never rotated
		 * before that (core/rotate.c), so the demo key is the one they
		 * were made with. */
		if (!any_index || legacy_active)
			ret = keyring_set(kr, DOMAIN_INDEX, 0, keyring_key(kr, DOMAIN_DEMO), m);
		if (ret != STATUS_OK)
			return ret;
	}
	if (keyring_has(kr, DOMAIN_AUDIT))
		ret = load_under(db, kr, DOMAIN_AUDIT, DOMAIN_AUDIT, m);
	return ret;
}

status_t keys_drop_retired(db_t *db, keyring_t *kr, msg_t *m)
{
	dklist_t l;
	status_t ret = read_dks(db, &l, m);
	for (int i = 0; ret == STATUS_OK && i < l.n; i++) {
		domain_t d = strcmp(l.k[i].domain, "index") == 0
				     ? DOMAIN_INDEX
				     : crypto_domain_from_name(l.k[i].domain);
		/* Retired audit versions stay: they verify the entries made
		 * with them. */
		if (l.k[i].active || d == DOMAIN_COUNT || d == DOMAIN_AUDIT)
			continue;
		keyring_drop(kr, d, l.k[i].version);
	}
	dks_free(&l);
	return ret;
}

static int domain_bit_of(const db_wrap_t *w, void *arg)
{
	domain_t d = crypto_domain_from_name(w->domain);
	if (d != DOMAIN_COUNT)
		*(unsigned *)arg |= DOMAIN_BIT(d);
	return 0;
}

status_t keys_held(db_t *db, const char *user_id, unsigned *wrapped, unsigned *granted,
		   msg_t *m)
{
	status_t ret;
	*wrapped = *granted = 0;
	if ((ret = db_wrap_each(db, user_id, domain_bit_of, wrapped, m)) != STATUS_OK)
		return ret;
	return db_grant_each(db, user_id, domain_bit_of, granted, m);
}

status_t keys_grant_one(db_t *db, const keyring_t *kr, const db_user_t *u, domain_t d,
			int version, msg_t *m)
{
	db_wrap_t g;
	const unsigned char *key = keyring_key_at(kr, d, version);
	status_t ret;
	if (!key)
		return msg_fail(m, STATUS_DENIED, "This session does not hold %s key version %d.",
				crypto_domain_name(d), version);
	memset(&g, 0, sizeof g);
	snprintf(g.holder, sizeof g.holder, "%s", u->id);
	snprintf(g.domain, sizeof g.domain, "%s", crypto_domain_name(d));
	g.version = version;
	g.blob_len = CRYPTO_SEALED_LEN;
	ret = crypto_seal(u->public_key, key, g.blob, m);
	if (ret == STATUS_OK)
		ret = db_grant_put(db, &g, m);
	return ret;
}

/* Every account, read first: the grants are written after the read ends. */
typedef struct userlist {
	db_user_t *u;
	int n, cap;
	int oom;
} userlist_t;

static int add_user(const db_user_t *u, void *arg)
{
	userlist_t *l = arg;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		db_user_t *np = realloc(l->u, (size_t)cap * sizeof *np);
		if (!np) {
			l->oom = 1;
			return 1;
		}
		l->u = np;
		l->cap = cap;
	}
	l->u[l->n++] = *u;
	return 0;
}

static status_t read_users(db_t *db, userlist_t *l, msg_t *m)
{
	status_t ret;
	memset(l, 0, sizeof *l);
	ret = db_user_each(db, add_user, l, m);
	if (ret == STATUS_OK && l->oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the users.");
	if (ret != STATUS_OK) {
		free(l->u);
		memset(l, 0, sizeof *l);
	}
	return ret;
}

/* What account u's role needs and does not hold (wrapped or granted). */
static status_t missing_of(session_t *s, const db_user_t *u, unsigned *missing, msg_t *m)
{
	role_t r = perm_role_from_name(u->role);
	unsigned wrapped, granted;
	status_t ret;
	*missing = 0;
	if (u->disabled || r == ROLE_COUNT)
		return STATUS_OK;
	if ((ret = keys_held(s->c->db, u->id, &wrapped, &granted, m)) != STATUS_OK)
		return ret;
	*missing = perm_role_domains(&s->c->cfg->perms, r) & ~(wrapped | granted);
	return STATUS_OK;
}

/* Inside a transaction: seal each key this session holds to the accounts
 * whose role needs it and who hold it in no form. dry: write nothing,
 * count what would be granted. */
static status_t grant_needs(session_t *s, int dry, int *granted, msg_t *m)
{
	userlist_t l;
	status_t ret;
	*granted = 0;
	if ((ret = read_users(s->c->db, &l, m)) != STATUS_OK)
		return ret;
	for (int i = 0; i < l.n && ret == STATUS_OK; i++) {
		const db_user_t *u = &l.u[i];
		unsigned missing = 0, give;
		msg_t why;
		if (strcmp(u->id, s->user.id) == 0)
			continue;
		if ((ret = missing_of(s, u, &missing, m)) != STATUS_OK)
			break;
		give = missing & keyring_domains(s->kr);
		if (!give)
			continue;
		/* A key goes only to an account whose role and public key are
		 * the ones the app wrote: a row edited to name another role or
		 * someone else's public key gets nothing. */
		if (users_row_check(s->kr, u, &why) != STATUS_OK)
			continue;
		if (dry) {
			(*granted)++;
			continue;
		}
		for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++) {
			char detail[192];
			int v[KEYS_VERSIONS_MAX], nv;
			if (!(give & DOMAIN_BIT(d)))
				continue;
			/* Every version in use (two while the key is rotated). */
			nv = keys_wrappable(s->c->db, s->kr, (domain_t)d, v, KEYS_VERSIONS_MAX, m);
			if (nv < 0) {
				ret = STATUS_DB;
				break;
			}
			for (int k = 0; k < nv && ret == STATUS_OK; k++)
				ret = keys_grant_one(s->c->db, s->kr, u, (domain_t)d, v[k], m);
			snprintf(detail, sizeof detail,
				 "%s key version %d for the %s role, from %s",
				 crypto_domain_name((domain_t)d), nv ? v[0] : 0, u->role,
				 s->user.name);
			if (ret == STATUS_OK && nv)
				ret = audit_append(s, "key_grant", u->name, "ok", detail, m);
			if (ret == STATUS_OK && nv)
				(*granted)++;
		}
	}
	free(l.u);
	return ret;
}

/* Inside a transaction: delete this session's own wraps of keys its role
 * does not need, where another account holds them. Returns in *kept the
 * unneeded keys it still holds (nobody else does). dry: delete nothing,
 * count in *dropped what would go. */
static status_t drop_unneeded(session_t *s, int dry, unsigned *kept, int *dropped, msg_t *m)
{
	unsigned want = perm_role_domains(&s->c->cfg->perms, s->role), wrapped = 0, granted = 0;
	status_t ret;
	*kept = 0;
	if ((ret = keys_held(s->c->db, s->user.id, &wrapped, &granted, m)) != STATUS_OK)
		return ret;
	for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++) {
		const char *dn = crypto_domain_name((domain_t)d);
		int holders = 0;
		char detail[128];
		if ((want & DOMAIN_BIT(d)) || !((wrapped | granted) & DOMAIN_BIT(d)))
			continue;
		if ((ret = db_key_holders(s->c->db, dn, s->user.id, &holders, m)) != STATUS_OK)
			break;
		if (holders == 0) {
			*kept |= DOMAIN_BIT(d);
			continue;
		}
		(*dropped)++;
		if (dry)
			continue;
		ret = db_wrap_delete(s->c->db, s->user.id, dn, m);
		if (ret == STATUS_OK)
			ret = db_grant_delete(s->c->db, s->user.id, dn, m);
		snprintf(detail, sizeof detail,
			 "%s key removed: the %s role does not need it; %d other account%s hold%s "
			 "it",
			 dn, perm_role_name(s->role), holders, holders == 1 ? "" : "s",
			 holders == 1 ? "s" : "");
		if (ret == STATUS_OK)
			ret = audit_append(s, "key_drop", s->user.name, "ok", detail, m);
	}
	return ret;
}

/* keys_settle and keys_settle_read: dry leaves the database as it is and
 * sets *writes when granting or dropping would write. */
static status_t settle(session_t *s, int at_signon, int dry, int *writes, msg_t *m)
{
	unsigned want, kept = 0, keep;
	int granted = 0, dropped = 0;
	status_t ret;

	*writes = 0;
	if ((ret = grant_needs(s, dry, &granted, m)) != STATUS_OK)
		return ret;
	if ((ret = drop_unneeded(s, dry, &kept, &dropped, m)) != STATUS_OK)
		return ret;
	*writes = dry && (granted || dropped);
	if (!at_signon)
		return STATUS_OK; /* the session keeps what it has until it ends */
	/* A session holds the keys its role needs, and a key it is the last
	 * account to hold (to hand on). */
	want = perm_role_domains(&s->c->cfg->perms, s->role);
	keep = keyring_domains(s->kr) & (want | kept);
	if (keep != keyring_domains(s->kr)) {
		keyring_t *kr = NULL;
		if ((ret = keyring_copy(s->kr, keep, &kr, m)) != STATUS_OK)
			return ret;
		keyring_free(s->kr);
		s->kr = kr;
	}
	return STATUS_OK;
}

status_t keys_settle(session_t *s, int at_signon, msg_t *m)
{
	int writes = 0;
	/* Granting and dropping write: not while the database cannot be
	 * written (the next sign-on that can does them). */
	return settle(s, at_signon, db_readonly(s->c->db) != DB_RW, &writes, m);
}

status_t keys_settle_read(session_t *s, int *writes, msg_t *m)
{
	return settle(s, 1, 1, writes, m);
}

status_t keys_grant_now(session_t *s, int *granted, msg_t *m)
{
	status_t ret;
	*granted = 0;
	if (s->locked)
		return msg_fail(m, STATUS_DENIED, "The session is locked; sign on again.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = grant_needs(s, 0, granted, m);
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	else if (*granted)
		msg_set(m, "%d key grant%s made.", *granted, *granted == 1 ? "" : "s");
	else
		msg_set(m, "No account is waiting for a key you hold (a sign-on grants them).");
	return ret;
}

status_t keys_needs(session_t *s, int (*fn)(const keys_need_t *n, void *arg), void *arg,
		    msg_t *m)
{
	userlist_t l;
	status_t ret;
	if ((ret = session_require(s, ACT_USER_MANAGE, m)) != STATUS_OK)
		return ret;
	if ((ret = read_users(s->c->db, &l, m)) != STATUS_OK)
		return ret;
	for (int i = 0; i < l.n && ret == STATUS_OK; i++) {
		keys_need_t n;
		unsigned missing = 0;
		if ((ret = missing_of(s, &l.u[i], &missing, m)) != STATUS_OK || !missing)
			continue;
		memset(&n, 0, sizeof n);
		snprintf(n.user, sizeof n.user, "%s", l.u[i].name);
		snprintf(n.role, sizeof n.role, "%s", l.u[i].role);
		n.missing = missing;
		if (fn(&n, arg))
			break;
	}
	free(l.u);
	return ret;
}
