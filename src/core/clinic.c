/* clinic.c - creating, opening and recovering a clinic's database. */
#include "core/clinic.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/text.h"
#include "base/userfile.h"
#include "core/audit.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/reindex.h"
#include "core/users.h"
#include "db/db_journal.h"
#include "db/db_keys.h"

static const char RECOVERY_HOLDER[] = "recovery";

status_t clinic_open(const char *path, const config_t *cfg, clinic_t **out, msg_t *m)
{
	status_t ret;
	clinic_t *c = calloc(1, sizeof *c);
	msg_t ignore;
	*out = NULL;
	if (!c || !(c->eff = malloc(sizeof *c->eff))) {
		free(c);
		return msg_fail(m, STATUS_NOMEM, "Out of memory opening the database.");
	}
	/* Until a sign-on has checked the database's policy, the trusted
	 * configuration alone is in force. */
	*c->eff = *cfg;
	c->trusted = cfg;
	c->cfg = c->eff;
	ret = db_open(path, DB_OPEN_EXISTING, cfg->busy_timeout_ms, &c->db, m);
	if (ret != STATUS_OK) {
		free(c->eff);
		free(c);
		return ret;
	}
	if (db_meta_get(c->db, "clinic_name", c->name, sizeof c->name, &ignore) != STATUS_OK)
		snprintf(c->name, sizeof c->name, "Chartroom");
	/* Sealed (every chart row under a MAC) unless an old database is
	 * still being re-sealed: core/integrity.h. */
	if ((ret = integrity_sealed(c, &c->sealed, m)) != STATUS_OK) {
		db_close(c->db);
		free(c);
		return ret;
	}
	c->reindexing = reindex_pending(c);
	{
		char rp[8];
		msg_t rpm;
		c->rank_pending = db_meta_get(c->db, "rank_pending", rp, sizeof rp, &rpm) == STATUS_OK;
	}
	*out = c;
	return STATUS_OK;
}

status_t clinic_open_copy(const char *path, const config_t *cfg, clinic_t **out, msg_t *m)
{
	status_t ret;
	clinic_t *c;
	msg_t ignore;
	int fd;
	*out = NULL;
	if ((ret = userfile_open(path, O_RDONLY, 0, &fd, m)) != STATUS_OK)
		return ret;
	if (!(c = calloc(1, sizeof *c)) || !(c->eff = malloc(sizeof *c->eff))) {
		free(c);
		close(fd);
		return msg_fail(m, STATUS_NOMEM, "Out of memory opening %s.", path);
	}
	*c->eff = *cfg;
	c->trusted = cfg;
	c->cfg = c->eff;
	if ((ret = db_copy_open(path, fd, DB_COPY_CHECK, &c->db, m)) != STATUS_OK) {
		free(c->eff);
		free(c);
		return ret;
	}
	if (db_meta_get(c->db, "clinic_name", c->name, sizeof c->name, &ignore) != STATUS_OK)
		snprintf(c->name, sizeof c->name, "Chartroom");
	/* Sealed as the copy says: its charts are checked as they were kept. */
	if ((ret = integrity_sealed(c, &c->sealed, m)) != STATUS_OK) {
		clinic_close(c);
		return ret;
	}
	c->reindexing = reindex_pending(c);
	{
		char rp[8];
		msg_t rpm;
		c->rank_pending = db_meta_get(c->db, "rank_pending", rp, sizeof rp, &rpm) == STATUS_OK;
	}
	*out = c;
	return STATUS_OK;
}

void clinic_close(clinic_t *c)
{
	if (!c)
		return;
	audit_journal_close(c);
	db_close(c->db);
	free(c->eff);
	free(c);
}

const char *clinic_readonly(const clinic_t *c)
{
	db_ro_t why = db_readonly(c->db);
	return why == DB_RW ? NULL : db_readonly_text(why);
}

void clinic_set_wait_notice(clinic_t *c, void (*fn)(void *arg, int seconds), void *arg)
{
	db_set_wait_notice(c->db, fn, arg);
}

status_t clinic_flush_audit(clinic_t *c, msg_t *m)
{
	msg_t why;
	int n = c->nunsent;
	if (!n || audit_resend(c, &why) == STATUS_OK)
		return STATUS_OK;
	return msg_fail(m, STATUS_DB,
			"%d audit event%s of this session (a sign-off, a lock or a refusal) could "
			"not be written and %s lost: %s",
			c->nunsent, c->nunsent == 1 ? "" : "s", c->nunsent == 1 ? "is" : "are",
			why.text);
}

const char *clinic_name(const clinic_t *c)
{
	return c->name;
}

const char *clinic_path(const clinic_t *c)
{
	return db_path(c->db);
}

const config_t *clinic_config(const clinic_t *c)
{
	return c->cfg;
}

static const char RECOVERY_PK_HOLDER[] = "recovery-pk";

/* The recovery key's public half, vouched for by version `version` of d:
 * a key_wraps row (RECOVERY_PK_HOLDER, d, version) holding the public key
 * and a tag over it under that key version (crypto_key_tag). Only a
 * holder of that version could have written it, so a rotation of d can
 * trust it: someone who can write the file but does not hold d cannot
 * make a new version of d be sealed to a key of theirs. */
static status_t pk_row(const keyring_t *kr, domain_t d, int version, const unsigned char pk[32],
		       db_wrap_t *w, msg_t *m)
{
	unsigned char tag[32];
	status_t ret = crypto_key_tag(kr, d, version, pk, 32, tag, m);
	memset(w, 0, sizeof *w);
	snprintf(w->holder, sizeof w->holder, "%s", RECOVERY_PK_HOLDER);
	snprintf(w->domain, sizeof w->domain, "%s", crypto_domain_name(d));
	w->version = version;
	memcpy(w->blob, pk, 32);
	memcpy(w->blob + 32, tag, 32);
	w->blob_len = 64;
	return ret;
}

status_t recovery_publish(db_t *db, const keyring_t *kr, const unsigned char *rk, msg_t *m)
{
	unsigned char pk[32];
	status_t ret = crypto_recovery_public(rk, pk, m);
	for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++) {
		int v[KEYS_VERSIONS_MAX], nv = keys_wrappable(db, kr, (domain_t)d, v, KEYS_VERSIONS_MAX,
							      m);
		if (nv < 0)
			ret = STATUS_DB;
		for (int i = 0; i < nv && ret == STATUS_OK; i++) {
			db_wrap_t w;
			if ((ret = pk_row(kr, (domain_t)d, v[i], pk, &w, m)) == STATUS_OK)
				ret = db_wrap_put(db, &w, m);
		}
	}
	return ret;
}

struct pk_find {
	const char *domain;
	int version;
	db_wrap_t w;
	int found;
};

static int pk_one(const db_wrap_t *w, void *arg)
{
	struct pk_find *f = arg;
	if (strcmp(w->domain, f->domain) == 0 && w->version == f->version) {
		f->w = *w;
		f->found = 1;
		return 1;
	}
	return 0;
}

status_t recovery_seal(db_t *db, const keyring_t *kr, domain_t d, int trusted_version,
		       int new_version, msg_t *m)
{
	struct pk_find f;
	db_wrap_t w, row;
	unsigned char tag[32];
	const unsigned char *key = keyring_key_at(kr, d, new_version);
	status_t ret;
	memset(&f, 0, sizeof f);
	f.domain = crypto_domain_name(d);
	f.version = trusted_version;
	if (!key)
		return msg_fail(m, STATUS_DENIED, "This session does not hold %s key version %d.",
				f.domain, new_version);
	if ((ret = db_wrap_each(db, RECOVERY_PK_HOLDER, pk_one, &f, m)) != STATUS_OK)
		return ret;
	if (!f.found)
		return msg_fail(m, STATUS_NOTFOUND,
				"The recovery key of this database cannot receive a new %s key yet "
				"(it was made before key rotation): give the recovery key with "
				"--recovery, or run 'chartroom keys rotate recovery' once.",
				f.domain);
	if ((ret = crypto_key_tag(kr, d, trusted_version, f.w.blob, 32, tag, m)) != STATUS_OK)
		return ret;
	if (f.w.blob_len != 64 || crypto_memcmp(tag, f.w.blob + 32, 32) != 0)
		return msg_fail(m, STATUS_INTEGRITY,
				"The recovery key's public half stored for the %s key was changed "
				"outside Chartroom; no key is sealed to it.",
				f.domain);
	memset(&w, 0, sizeof w);
	snprintf(w.holder, sizeof w.holder, "%s", RECOVERY_HOLDER);
	snprintf(w.domain, sizeof w.domain, "%s", f.domain);
	w.version = new_version;
	w.blob_len = CRYPTO_SEALED_LEN;
	if ((ret = crypto_seal(f.w.blob, key, w.blob, m)) == STATUS_OK &&
	    (ret = db_wrap_put(db, &w, m)) == STATUS_OK &&
	    (ret = pk_row(kr, d, new_version, f.w.blob, &row, m)) == STATUS_OK)
		ret = db_wrap_put(db, &row, m);
	return ret;
}

status_t recovery_wrap_all(db_t *db, const keyring_t *kr, const unsigned char *rk, msg_t *m)
{
	status_t ret = STATUS_OK;
	for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++) {
		int v[KEYS_VERSIONS_MAX], nv = keys_wrappable(db, kr, (domain_t)d, v, KEYS_VERSIONS_MAX,
							      m);
		if (nv < 0)
			ret = STATUS_DB;
		for (int i = 0; i < nv && ret == STATUS_OK; i++) {
			db_wrap_t w;
			memset(&w, 0, sizeof w);
			snprintf(w.holder, sizeof w.holder, "%s", RECOVERY_HOLDER);
			snprintf(w.domain, sizeof w.domain, "%s", crypto_domain_name((domain_t)d));
			w.version = v[i];
			w.blob_len = CRYPTO_WRAP_LEN;
			ret = crypto_wrap(rk, RECOVERY_HOLDER, w.domain, w.version,
					  keyring_key_at(kr, (domain_t)d, v[i]), w.blob, m);
			if (ret == STATUS_OK)
				ret = db_wrap_put(db, &w, m);
		}
	}
	if (ret == STATUS_OK)
		ret = recovery_publish(db, kr, rk, m);
	return ret;
}

/* A new random key version of the blind-index key, wrapped under each
 * demo key version kr holds (crypto_wrap_under), and put in kr. */
status_t index_key_create(db_t *db, keyring_t *kr, int version, const char *when, msg_t *m)
{
	secret_t k = {0};
	int dv[KEYS_VERSIONS_MAX], n = keyring_versions(kr, DOMAIN_DEMO, dv, KEYS_VERSIONS_MAX);
	status_t ret = secret_new(&k, 1, m);
	if (ret == STATUS_OK)
		ret = db_domain_key_add(db, "index", version, when, m);
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		db_wrap_t w;
		memset(&w, 0, sizeof w);
		keys_under_holder(DOMAIN_DEMO, dv[i], w.holder);
		snprintf(w.domain, sizeof w.domain, "index");
		w.version = version;
		w.blob_len = CRYPTO_WRAP_LEN;
		ret = crypto_wrap_under(kr, DOMAIN_DEMO, dv[i], w.holder, "index", version, k.bytes,
					w.blob, m);
		if (ret == STATUS_OK)
			ret = db_wrap_put(db, &w, m);
	}
	if (ret == STATUS_OK)
		ret = keyring_set(kr, DOMAIN_INDEX, version, k.bytes, m);
	secret_free(&k);
	return ret;
}

status_t clinic_init(const char *path, const config_t *cfg, const char *admin_name,
		     const char *password, const char *name, char recovery_out[CRYPTO_RECOVERY_TEXT],
		     msg_t *m)
{
	status_t ret;
	clinic_t c = {0};
	keyring_t *kr = NULL;
	session_t *s = NULL;
	secret_t rk = {0}, dk = {0};
	db_user_t u;
	char when[24];
	int created = 0;

	recovery_out[0] = '\0';
	if (!users_name_valid(admin_name))
		return msg_fail(m, STATUS_INVALID,
				"'%s' is not a valid user name: 2 to 32 characters, lower-case "
				"letters, digits, '.', '_' or '-', starting with a letter.",
				admin_name ? admin_name : "");
	if ((ret = users_password_check(cfg, admin_name, password, m)) != STATUS_OK)
		return ret;
	if (!name || !*name || strlen(name) >= sizeof c.name)
		return msg_fail(m, STATUS_INVALID, "The clinic name must be 1 to %zu characters.",
				sizeof c.name - 1);
	if ((ret = text_check("The clinic name", name, strlen(name), 0, m)) != STATUS_OK)
		return ret; /* it is on every screen's status bar */
	c.cfg = cfg;
	c.trusted = cfg;
	snprintf(c.name, sizeof c.name, "%s", name);
	if ((ret = db_open(path, DB_OPEN_CREATE, cfg->busy_timeout_ms, &c.db, m)) != STATUS_OK)
		return ret; /* never touched an existing file */
	created = 1;
	if (!(kr = keyring_new())) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
		goto cleanup;
	}
	if ((ret = secret_new(&rk, 1, m)) != STATUS_OK || (ret = secret_new(&dk, 0, m)) != STATUS_OK)
		goto cleanup;
	core_now(when);
	if ((ret = db_begin(c.db, m)) != STATUS_OK)
		goto cleanup;
	for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++) {
		/* A fresh random 32-byte domain key (two 16-byte draws). */
		crypto_salt(dk.bytes);
		crypto_salt(dk.bytes + 16);
		ret = keyring_set(kr, (domain_t)d, 1, dk.bytes, m);
		if (ret == STATUS_OK)
			ret = db_domain_key_add(c.db, crypto_domain_name((domain_t)d), 1, when, m);
	}
	/* The blind-index key, its own key from the start (kept under the
	 * demo key). */
	if (ret == STATUS_OK)
		ret = index_key_create(c.db, kr, 1, when, m);
	if (ret == STATUS_OK)
		ret = recovery_wrap_all(c.db, kr, rk.bytes, m);
	if (ret == STATUS_OK)
		ret = db_meta_set(c.db, "clinic_name", name, m);
	if (ret == STATUS_OK)
		ret = db_meta_set(c.db, "created", when, m);
	memset(&u, 0, sizeof u);
	crypto_random_id(u.id);
	snprintf(u.name, sizeof u.name, "%s", admin_name);
	snprintf(u.role, sizeof u.role, "admin");
	snprintf(u.created, sizeof u.created, "%s", when);
	if (ret == STATUS_OK)
		ret = users_set_credentials(&c, &u, password, kr, DOMAIN_ALL, 1, m);
	if (ret != STATUS_OK)
		goto cleanup;
	/* The first entries of the chain: the clinic, its keys, its admin. */
	if ((ret = session_new_internal(&c, &u, kr, &s, m)) != STATUS_OK) {
		kr = NULL;
		goto cleanup;
	}
	kr = NULL;
	ret = audit_append(s, "db_init", "", "ok", name, m);
	if (ret == STATUS_OK)
		ret = clinical_publish_seal_key(s, m);
	for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++)
		ret = audit_append(s, "key_create", crypto_domain_name((domain_t)d), "ok", "version 1",
				   m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "recovery_key_create", "", "ok", NULL, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "user_add", admin_name, "ok", "role=admin", m);
	/* The policy table starts sealed and empty: the system file and the
	 * defaults apply until an administrator changes something. */
	if (ret == STATUS_OK)
		ret = policy_seal_new(s, m);
	/* Born sealed: every chart row this database will hold carries its
	 * MAC, and one without is an integrity error (core/integrity.h). */
	if (ret == STATUS_OK)
		ret = audit_append(s, "integrity_on", "", "ok", "chart rows sealed from creation", m);
	if (ret == STATUS_OK)
		ret = db_meta_set(c.db, "reseal_after", "done", m);
	if (ret == STATUS_OK)
		ret = db_commit(c.db, m);
	if (ret == STATUS_OK)
		crypto_recovery_format(rk.bytes, recovery_out);
cleanup:
	if (ret != STATUS_OK)
		db_rollback(c.db);
	if (s) {
		keyring_free(s->kr);
		free(s);
	}
	keyring_free(kr);
	secret_free(&rk);
	secret_free(&dk);
	if (c.db) {
		if (ret == STATUS_OK)
			db_checkpoint(c.db, m);
		db_close(c.db);
	}
	if (ret != STATUS_OK && created) {
		/* A half-made database is worse than none: remove what we made. */
		char side[4096];
		unlink(path);
		snprintf(side, sizeof side, "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", path);
		unlink(side);
		db_journal_path(path, side, sizeof side);
		unlink(side);
	}
	if (ret == STATUS_OK)
		msg_set(m, "Created %s for %s with administrator %s.", path, name, admin_name);
	return ret;
}

struct rec_ctx {
	const unsigned char *rk;
	keyring_t *kr;
	status_t ret;
	msg_t *m;
};

static int recover_one(const db_wrap_t *w, void *arg)
{
	struct rec_ctx *r = arg;
	domain_t d = crypto_domain_from_name(w->domain);
	secret_t key = {0};
	if (d == DOMAIN_COUNT)
		return 0;
	if ((r->ret = secret_new(&key, 0, r->m)) != STATUS_OK)
		return 1;
	/* A version made by a rotation is sealed to the recovery key's
	 * public half; the others are wrapped under the recovery key. */
	if (w->blob_len == CRYPTO_SEALED_LEN)
		r->ret = crypto_recovery_unseal(r->rk, w->blob, w->blob_len, key.bytes, r->m);
	else
		r->ret = crypto_unwrap(r->rk, RECOVERY_HOLDER, w->domain, w->version, w->blob,
				       w->blob_len, key.bytes, r->m);
	if (r->ret == STATUS_OK)
		r->ret = keyring_set(r->kr, d, w->version, key.bytes, r->m);
	secret_free(&key);
	return r->ret != STATUS_OK;
}

status_t clinic_recovery_keyring(clinic_t *c, const char *recovery_text, keyring_t **out,
				 msg_t *m)
{
	status_t ret;
	secret_t rk = {0};
	keyring_t *kr = NULL;
	struct rec_ctx rc;

	*out = NULL;
	if ((ret = secret_new(&rk, 0, m)) != STATUS_OK)
		return ret;
	if ((ret = crypto_recovery_parse(recovery_text, rk.bytes, m)) != STATUS_OK)
		goto cleanup;
	if (!(kr = keyring_new())) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
		goto cleanup;
	}
	rc = (struct rec_ctx){rk.bytes, kr, STATUS_OK, m};
	ret = db_wrap_each(c->db, RECOVERY_HOLDER, recover_one, &rc, m);
	if (ret == STATUS_OK)
		ret = rc.ret;
	if (ret == STATUS_AUTH)
		ret = msg_fail(m, STATUS_AUTH, "That recovery key does not open this database.");
	if (ret == STATUS_OK && keyring_domains(kr) != DOMAIN_ALL)
		ret = msg_fail(m, STATUS_INTEGRITY, "The recovery key store is incomplete.");
	if (ret == STATUS_OK)
		ret = keys_load_derived(c->db, kr, m);
	if (ret == STATUS_OK) {
		*out = kr;
		kr = NULL;
	}
cleanup:
	keyring_free(kr);
	secret_free(&rk);
	return ret;
}

status_t clinic_recover(clinic_t *c, const char *recovery_text, const char *admin_name,
			const char *new_password, msg_t *m)
{
	status_t ret;
	keyring_t *kr = NULL;
	session_t *s = NULL;
	db_user_t u;
	int exists;
	unsigned domains = 0;

	if (!users_name_valid(admin_name))
		return msg_fail(m, STATUS_INVALID, "'%s' is not a valid user name.", admin_name);
	if ((ret = users_password_check(c->cfg, admin_name, new_password, m)) != STATUS_OK)
		return ret;
	if ((ret = clinic_recovery_keyring(c, recovery_text, &kr, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_begin(c->db, m)) != STATUS_OK)
		goto cleanup;
	ret = db_user_get_by_name(c->db, admin_name, &u, m);
	exists = ret == STATUS_OK;
	if (ret == STATUS_NOTFOUND) {
		memset(&u, 0, sizeof u);
		crypto_random_id(u.id);
		snprintf(u.name, sizeof u.name, "%s", admin_name);
		core_now(u.created);
		ret = STATUS_OK;
	}
	if (ret == STATUS_OK && exists && strcmp(u.role, "admin") != 0)
		ret = msg_fail(m, STATUS_INVALID,
			       "%s is not an administrator; recovery only resets administrators.",
			       admin_name);
	snprintf(u.role, sizeof u.role, "admin");
	if (ret == STATUS_OK) {
		ret = session_new_internal(c, &u, kr, &s, m);
		kr = NULL;
	}
	/* The policy in force decides what the administrator holds, and a
	 * key no other account holds stays with them (as after init). */
	if (ret == STATUS_OK)
		ret = policy_load(s, m);
	if (ret == STATUS_OK) {
		domains = perm_role_domains(&c->cfg->perms, ROLE_ADMIN);
		for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++) {
			int holders = 0;
			if (domains & DOMAIN_BIT(d))
				continue;
			ret = db_key_holders(c->db, crypto_domain_name((domain_t)d), u.id, &holders,
					     m);
			if (holders == 0)
				domains |= DOMAIN_BIT(d);
		}
	}
	if (ret == STATUS_OK)
		ret = users_set_credentials(c, &u, new_password, s->kr, domains, !exists, m);
	if (ret == STATUS_OK && exists) {
		char when[24];
		core_now(when);
		ret = db_user_set_disabled(c->db, u.id, 0, when, m);
		if (ret == STATUS_OK)
			ret = db_user_unlock(c->db, u.id, when, m);
		if (ret == STATUS_OK)
			ret = users_row_seal(c, s->kr, u.id, m);
	}
	if (ret == STATUS_OK)
		ret = audit_append(s, "recovery_key_used", admin_name, "ok",
				   exists ? "administrator password reset" : "administrator created", m);
	/* Holding every key, grant what accounts are waiting for (a clinical
	 * key nobody else holds any more). */
	if (ret == STATUS_OK)
		ret = keys_settle(s, 0, m);
	if (ret == STATUS_OK)
		ret = db_commit(c->db, m);
	if (ret != STATUS_OK)
		db_rollback(c->db);
	else
		msg_set(m, "Recovery key accepted: administrator %s can sign on with the new password.",
			admin_name);
cleanup:
	if (s) {
		keyring_free(s->kr);
		free(s);
	}
	keyring_free(kr);
	return ret;
}
