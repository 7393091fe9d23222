/* policy.c - the database's policy: verifying and applying it at sign-on,
 * sealing a database that has none yet, and the audited changes. */
#include "core/policy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/lpbuf.h"
#include "base/tz.h"
#include "core/audit.h"
#include "core/internal.h"
#include "db/db_policy.h"

/* ---- MACs ------------------------------------------------------------- */

/* Over length-prefixed fields (base/lpbuf.h), so no two rows serialise
 * alike; b is freed. */
static status_t mb_mac(const keyring_t *kr, lpbuf_t *b, unsigned char mac[32], msg_t *m)
{
	status_t ret;
	if (b->bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory checking the policy.");
	else
		ret = crypto_audit_keyed_mac(kr, CRYPTO_MAC_POLICY, b->p, b->len, mac, m);
	lpbuf_free(b);
	return ret;
}

static status_t row_mac(const keyring_t *kr, const db_policy_row_t *r, unsigned char mac[32],
			msg_t *m)
{
	lpbuf_t b = {0};
	lpbuf_str(&b, "chartroom-policy-row-1");
	lpbuf_str(&b, r->key);
	lpbuf_str(&b, r->value);
	lpbuf_str(&b, r->set_by);
	lpbuf_str(&b, r->set_at);
	return mb_mac(kr, &b, mac, m);
}

/* The rows of the table, seal apart. */
typedef struct rowset {
	db_policy_row_t *rows;
	int n, cap;
	db_policy_row_t seal;
	int has_seal;
	int oom;
} rowset_t;

static int collect(const db_policy_row_t *r, void *arg)
{
	rowset_t *rs = arg;
	if (strcmp(r->key, DB_POLICY_SEAL_KEY) == 0) {
		rs->seal = *r;
		rs->has_seal = 1;
		return 0;
	}
	if (rs->n == rs->cap) {
		int cap = rs->cap ? rs->cap * 2 : 16;
		db_policy_row_t *np = realloc(rs->rows, (size_t)cap * sizeof *np);
		if (!np) {
			rs->oom = 1;
			return 1;
		}
		rs->rows = np;
		rs->cap = cap;
	}
	rs->rows[rs->n++] = *r;
	return 0;
}

static void rowset_free(rowset_t *rs)
{
	free(rs->rows);
	memset(rs, 0, sizeof *rs);
}

static status_t rowset_read(db_t *db, rowset_t *rs, msg_t *m)
{
	status_t ret;
	memset(rs, 0, sizeof *rs);
	ret = db_policy_each(db, collect, rs, m);
	if (ret == STATUS_OK && rs->oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the policy.");
	if (ret != STATUS_OK)
		rowset_free(rs);
	return ret;
}

/* The seal: its own fields and every row's key and MAC, in key order. */
static status_t seal_mac(const keyring_t *kr, const db_policy_row_t *seal, const rowset_t *rs,
			 unsigned char mac[32], msg_t *m)
{
	lpbuf_t b = {0};
	lpbuf_str(&b, "chartroom-policy-seal-1");
	lpbuf_str(&b, seal->value);
	lpbuf_str(&b, seal->set_by);
	lpbuf_str(&b, seal->set_at);
	for (int i = 0; i < rs->n; i++) {
		lpbuf_str(&b, rs->rows[i].key);
		lpbuf_put(&b, rs->rows[i].mac, DB_POLICY_MAC_LEN);
	}
	return mb_mac(kr, &b, mac, m);
}

static const char TAMPERED[] =
	"Chartroom will not run on a policy changed outside it: restore the database from a "
	"backup, or reset the policy with the recovery key ('chartroom policy reset').";

/* What the seal keeps of the audit entry of the last change: how many
 * policy entries the trail holds, and the last one's time, user and
 * target (not its sequence number, which a renumbered trail changes: that
 * is the audit chain's to report). */
static void event_text(const db_policy_event_t *ev, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRId64 "|%s|%s|%s", ev->count, ev->ts, ev->user_name, ev->target);
}

/* Check every row and the seal against the session's keys and the audit
 * trail. */
static status_t verify(session_t *s, const rowset_t *rs, msg_t *m)
{
	db_t *db = s->c->db;
	const keyring_t *kr = s->kr;
	unsigned char mac[32];
	status_t ret;
	db_policy_event_t ev;
	char expect[200];

	if (!rs->has_seal)
		return msg_fail(m, STATUS_INTEGRITY,
				"The database's policy has lost its seal (row '*' of the policy "
				"table is missing). %s",
				TAMPERED);
	for (int i = 0; i < rs->n; i++) {
		const db_policy_row_t *r = &rs->rows[i];
		if ((ret = row_mac(kr, r, mac, m)) != STATUS_OK)
			return ret;
		if (r->truncated || r->mac_len != DB_POLICY_MAC_LEN ||
		    crypto_memcmp(mac, r->mac, sizeof mac) != 0)
			return msg_fail(m, STATUS_INTEGRITY,
					"The database's policy setting %.60s fails its integrity "
					"check (policy table). %s",
					r->key, TAMPERED);
	}
	if ((ret = seal_mac(kr, &rs->seal, rs, mac, m)) != STATUS_OK)
		return ret;
	if (rs->seal.truncated || rs->seal.mac_len != DB_POLICY_MAC_LEN ||
	    crypto_memcmp(mac, rs->seal.mac, sizeof mac) != 0)
		return msg_fail(m, STATUS_INTEGRITY,
				"The database's policy fails its integrity check: settings were "
				"added or removed outside Chartroom (policy table). %s",
				TAMPERED);
	/* The seal names the audit entry of the last change: an older copy of
	 * the whole table, seal and all, names an older one. */
	if ((ret = db_policy_last_audit(db, &ev, m)) != STATUS_OK)
		return ret;
	event_text(&ev, expect, sizeof expect);
	if (strcmp(rs->seal.value, expect) != 0) {
		/* Either the table is an older copy or the trail was edited:
		 * name the trail's first bad entry if it has one, since nobody
		 * can sign on to run 'audit verify' now. */
		int64_t bad = 0;
		char why[160];
		if (audit_chain_check(s, &bad, why, sizeof why, m) == STATUS_OK && bad)
			return msg_fail(m, STATUS_INTEGRITY,
					"audit chain BROKEN at sequence %" PRId64
					": %s; the database's policy cannot be matched to its "
					"audit trail. %s",
					bad, why, TAMPERED);
		return msg_fail(m, STATUS_INTEGRITY,
				"The database's policy is not the one its audit trail last recorded "
				"(audit entry %" PRId64
				"): an older copy of the policy table, or an edited trail? %s",
				ev.seq, TAMPERED);
	}
	return STATUS_OK;
}

/* ---- applying --------------------------------------------------------- */

/* "security.lockout_after" or "security:lockout_after" -> the
 * configuration's "security:lockout_after"; "roles.nurse" -> role. Returns
 * the setting index, or -1 with *role set for a roles row, or -2 when it
 * names nothing. */
static int parse_key(const char *key, char norm[64], role_t *role)
{
	size_t n = strcspn(key, ".:");
	*role = ROLE_COUNT;
	if (!key[n] || n == 0 || strlen(key) >= 64)
		return -2;
	snprintf(norm, 64, "%.*s:%s", (int)n, key, key + n + 1);
	if (strncmp(norm, "roles:", 6) == 0) {
		*role = perm_role_from_name(norm + 6);
		return *role == ROLE_COUNT ? -2 : -1;
	}
	{
		int i = config_setting_index(norm);
		return i >= 0 && config_setting_is_policy(i) ? i : -2;
	}
}

/* out = trusted + the rows (validated as a configuration file would be). */
static status_t apply_rows(const config_t *trusted, const db_policy_row_t *rows, int n,
			   config_t *out, msg_t *m)
{
	status_t ret = STATUS_OK;
	*out = *trusted;
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		char norm[64];
		role_t role;
		config_origin_t o;
		int si = parse_key(rows[i].key, norm, &role);
		memset(&o, 0, sizeof o);
		o.from = CONFIG_FROM_DB;
		snprintf(o.by, sizeof o.by, "%s", rows[i].set_by);
		snprintf(o.at, sizeof o.at, "%s", rows[i].set_at);
		if (si == -1)
			ret = config_set_role(out, role, rows[i].value, &o, "database", m);
		else if (si >= 0)
			ret = config_set(out, norm, rows[i].value, &o, "database", m);
		else
			ret = msg_fail(m, STATUS_CONFIG,
				       "database:%.60s: not a policy setting this Chartroom knows",
				       rows[i].key);
	}
	if (ret == STATUS_OK)
		ret = config_check_relations(out, "database", m);
	return ret;
}

/* Write the seal over what the table holds now, naming audit entry seq. */
static status_t write_seal(session_t *s, const char *when, msg_t *m)
{
	rowset_t rs;
	db_policy_row_t seal;
	db_policy_event_t ev;
	status_t ret;

	if ((ret = db_policy_last_audit(s->c->db, &ev, m)) != STATUS_OK)
		return ret;
	if ((ret = rowset_read(s->c->db, &rs, m)) != STATUS_OK)
		return ret;
	memset(&seal, 0, sizeof seal);
	snprintf(seal.key, sizeof seal.key, "%s", DB_POLICY_SEAL_KEY);
	event_text(&ev, seal.value, sizeof seal.value);
	snprintf(seal.set_by, sizeof seal.set_by, "%s", s->user.name);
	snprintf(seal.set_at, sizeof seal.set_at, "%s", when);
	ret = seal_mac(s->kr, &seal, &rs, seal.mac, m);
	if (ret == STATUS_OK)
		ret = db_policy_put(s->c->db, &seal, m);
	rowset_free(&rs);
	return ret;
}

struct seal_users {
	session_t *s;
	int sealed;
	status_t ret;
	msg_t *m;
};

static int seal_user(const db_user_t *u, void *arg)
{
	struct seal_users *su = arg;
	if (u->mac_len != 0)
		return 0;
	su->ret = users_row_seal(su->s->c, su->s->kr, u->id, su->m);
	su->sealed++;
	return su->ret != STATUS_OK;
}

status_t policy_seal_new(session_t *s, msg_t *m)
{
	struct seal_users su = {s, 0, STATUS_OK, m};
	char when[24], detail[96];
	status_t ret;

	/* The accounts as they are now are taken as true: this runs once, at
	 * init or at the first sign-on after the upgrade that added MACs. */
	if ((ret = db_user_each(s->c->db, seal_user, &su, m)) != STATUS_OK)
		return ret;
	if ((ret = su.ret) != STATUS_OK)
		return ret;
	snprintf(detail, sizeof detail, "%d account%s sealed", su.sealed, su.sealed == 1 ? "" : "s");
	if ((ret = audit_append(s, "policy_sealed", "", "ok", detail, m)) != STATUS_OK)
		return ret;
	core_now(when);
	return write_seal(s, when, m);
}

status_t policy_check(session_t *s, msg_t *m)
{
	rowset_t rs;
	status_t ret = rowset_read(s->c->db, &rs, m);
	if (ret != STATUS_OK)
		return ret;
	ret = verify(s, &rs, m);
	rowset_free(&rs);
	return ret;
}

status_t policy_remac(session_t *s, msg_t *m)
{
	rowset_t rs;
	status_t ret = rowset_read(s->c->db, &rs, m);
	if (ret != STATUS_OK)
		return ret;
	/* Every row, then the seal over the rows' new MACs; the rows' values
	 * and the seal's fields stay as they are. */
	for (int i = 0; i < rs.n && ret == STATUS_OK; i++) {
		if ((ret = row_mac(s->kr, &rs.rows[i], rs.rows[i].mac, m)) == STATUS_OK) {
			rs.rows[i].mac_len = DB_POLICY_MAC_LEN;
			ret = db_policy_put(s->c->db, &rs.rows[i], m);
		}
	}
	if (ret == STATUS_OK && rs.has_seal &&
	    (ret = seal_mac(s->kr, &rs.seal, &rs, rs.seal.mac, m)) == STATUS_OK) {
		rs.seal.mac_len = DB_POLICY_MAC_LEN;
		ret = db_policy_put(s->c->db, &rs.seal, m);
	}
	rowset_free(&rs);
	return ret;
}

status_t policy_load(session_t *s, msg_t *m)
{
	int needs_seal = 0;
	return policy_load_read(s, db_readonly(s->c->db) == DB_RW, &needs_seal, m);
}

status_t policy_load_read(session_t *s, int may_seal, int *needs_seal, msg_t *m)
{
	clinic_t *c = s->c;
	rowset_t rs;
	config_t *next = NULL;
	status_t ret;
	db_policy_event_t last;

	*needs_seal = 0;
	if (!c->eff)
		return STATUS_OK; /* init: no database policy yet */
	if ((ret = rowset_read(c->db, &rs, m)) != STATUS_OK)
		return ret;
	if (!rs.has_seal && rs.n == 0) {
		/* Never sealed: the first sign-on after the upgrade. Unless the
		 * audit trail says it was sealed once (then the table was
		 * emptied behind our back). */
		if ((ret = db_policy_last_audit(c->db, &last, m)) != STATUS_OK)
			goto cleanup;
		if (last.seq != 0) {
			ret = msg_fail(m, STATUS_INTEGRITY,
				       "The database's policy table was emptied outside Chartroom "
				       "(the audit trail records a policy at entry %" PRId64 "). %s",
				       last.seq, TAMPERED);
			goto cleanup;
		}
		/* Not to be written now (a read-only database, or a sign-on that
		 * reads only): nothing in the table to apply; the trusted
		 * configuration stays in force until a sign-on that writes seals
		 * it. */
		if (!may_seal) {
			*needs_seal = 1;
			goto cleanup;
		}
		if ((ret = policy_seal_new(s, m)) != STATUS_OK)
			goto cleanup;
		rowset_free(&rs);
		if ((ret = rowset_read(c->db, &rs, m)) != STATUS_OK)
			return ret;
	}
	if ((ret = verify(s, &rs, m)) != STATUS_OK)
		goto cleanup;
	if (!(next = malloc(sizeof *next))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the policy.");
		goto cleanup;
	}
	if ((ret = apply_rows(c->trusted, rs.rows, rs.n, next, m)) != STATUS_OK)
		goto cleanup;
	*c->eff = *next;
cleanup:
	free(next);
	rowset_free(&rs);
	return ret;
}

int policy_lockout_before_signon(clinic_t *c)
{
	char value[32];
	msg_t ignore;
	char *end = NULL;
	long v;
	int have = c->cfg->lockout_after;
	/* Before anyone has signed on nothing can check the policy's MACs:
	 * an unchecked value is used only where it is stricter, and the next
	 * sign-on checks it. */
	if (!c->eff || db_policy_peek(c->db, "security.lockout_after", value, sizeof value,
				      &ignore) != STATUS_OK)
		return have;
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || !*value || *end || v < 3 || v > 50)
		return have;
	return (int)v < have ? (int)v : have;
}

/* ---- changes ---------------------------------------------------------- */

static status_t finish(session_t *s, status_t ret, msg_t *m)
{
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

/* Inside a transaction: verify the policy as it is now (another process
 * may have changed it since sign-on), build the configuration the change
 * gives, write the row and the seal, audit. new_value NULL deletes. */
static status_t change(session_t *s, const char *key, const char *new_value, const char *detail,
		       config_t *next, msg_t *m)
{
	rowset_t rs;
	db_policy_row_t row;
	char when[24];
	status_t ret;
	int at = -1;

	if ((ret = rowset_read(s->c->db, &rs, m)) != STATUS_OK)
		return ret;
	if ((ret = verify(s, &rs, m)) != STATUS_OK)
		goto cleanup;
	core_now(when);
	memset(&row, 0, sizeof row);
	snprintf(row.key, sizeof row.key, "%s", key);
	if (new_value)
		snprintf(row.value, sizeof row.value, "%s", new_value);
	snprintf(row.set_by, sizeof row.set_by, "%s", s->user.name);
	snprintf(row.set_at, sizeof row.set_at, "%s", when);
	for (int i = 0; i < rs.n; i++)
		if (strcmp(rs.rows[i].key, key) == 0)
			at = i;
	if (new_value && at < 0) {
		/* collect() grows the array; reuse it to append. */
		if ((collect(&row, &rs), rs.oom)) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory changing the policy.");
			goto cleanup;
		}
	} else if (new_value) {
		rs.rows[at] = row;
	} else if (at >= 0) {
		memmove(&rs.rows[at], &rs.rows[at + 1], (size_t)(rs.n - at - 1) * sizeof rs.rows[0]);
		rs.n--;
	}
	if ((ret = apply_rows(s->c->trusted, rs.rows, rs.n, next, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = audit_append(s, "policy_set", key, "ok", detail, m)) != STATUS_OK)
		goto cleanup;
	if (new_value) {
		if ((ret = row_mac(s->kr, &row, row.mac, m)) == STATUS_OK)
			ret = db_policy_put(s->c->db, &row, m);
	} else {
		ret = db_policy_delete(s->c->db, key, m);
	}
	if (ret == STATUS_OK)
		ret = write_seal(s, when, m);
cleanup:
	rowset_free(&rs);
	return ret;
}

static const char *origin_word(const config_origin_t *o)
{
	switch (o->from) {
	case CONFIG_FROM_SYSTEM:
		return "system file";
	case CONFIG_FROM_DB:
		return "database";
	case CONFIG_FROM_USER:
		return "user file";
	default:
		return "default";
	}
}

status_t policy_set(session_t *s, const char *key, const char *value, msg_t *m)
{
	char norm[64], dbkey[64], old[256], detail[600];
	role_t role;
	int si;
	config_t *next = NULL;
	status_t ret;
	msg_t why;

	if ((ret = session_require(s, ACT_POLICY_MANAGE, m)) != STATUS_OK)
		return ret;
	si = key ? parse_key(key, norm, &role) : -2;
	if (si == -1)
		return msg_fail(m, STATUS_INVALID,
				"Use 'chartroom roles set|grant|revoke' to change what a role may "
				"do.");
	if (si < 0) {
		char sec[32];
		size_t n = key ? strcspn(key, ".:") : 0;
		snprintf(sec, sizeof sec, "%.*s", (int)(n < 31 ? n : 31), key ? key : "");
		if (strcmp(sec, "ui") == 0 || strcmp(sec, "database") == 0)
			return msg_fail(m, STATUS_INVALID,
					"%.60s is a preference, not policy: set it in your own "
					"configuration file.",
					key);
		return msg_fail(m, STATUS_INVALID,
				"'%.60s' is not a policy setting ('chartroom policy show' lists "
				"them).",
				key ? key : "");
	}
	if (strcmp(norm, "security:blind_index_bytes") == 0)
		return msg_fail(m, STATUS_INVALID,
				"security.blind_index_bytes is fixed for a database's life (its "
				"search tokens are stored at that length).");
	/* A new zone must be one this server has (loading an old one is
	 * lenient: config_set). */
	if (value && strcmp(norm, "clinic:timezone") == 0 && tz_check(value, &why) != STATUS_OK)
		return msg_fail(m, STATUS_CONFIG, "database:clinic:timezone: %s", why.text);
	/* "security:lockout_after" -> the row's key "security.lockout_after" */
	snprintf(dbkey, sizeof dbkey, "%s", norm);
	dbkey[strcspn(dbkey, ":")] = '.';
	config_setting_value(s->c->cfg, si, old, sizeof old);
	snprintf(detail, sizeof detail, "%.200s (%s) -> %.200s", old,
		 origin_word(&s->c->cfg->setting_origin[si]), value ? value : "(removed)");
	if (!(next = malloc(sizeof *next)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory changing the policy.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	ret = change(s, dbkey, value, detail, next, m);
	if ((ret = finish(s, ret, m)) != STATUS_OK)
		goto cleanup;
	*s->c->eff = *next;
	config_setting_value(s->c->cfg, si, old, sizeof old);
	if (value)
		msg_set(m, "%s is now %s (database policy).", dbkey, old);
	else
		msg_set(m, "%s is now %s (from the %s).", dbkey, old,
			origin_word(&s->c->cfg->setting_origin[si]));
cleanup:
	free(next);
	return ret;
}

/* The names of the actions in bits, ", " between them, or "-". */
static void action_names(unsigned long long bits, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int a = 0; a < ACT_COUNT; a++) {
		int n;
		if (!(bits >> a & 1))
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
			     perm_action_name((action_t)a));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	if (!used)
		snprintf(buf, size, "-");
}

/* Somebody must still be able to manage users and the policy. */
static status_t keep_administration(const perm_matrix_t *pm, msg_t *m)
{
	static const action_t needed[] = {ACT_USER_MANAGE, ACT_POLICY_MANAGE};
	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
		int any = 0;
		for (int r = 0; r < ROLE_COUNT; r++)
			any |= perm_allowed(pm, (role_t)r, needed[i]);
		if (!any)
			return msg_fail(m, STATUS_INVALID,
					"No role would keep %s, so nobody could administer the "
					"clinic; refused.",
					perm_action_name(needed[i]));
	}
	return STATUS_OK;
}

status_t policy_role_set(session_t *s, const char *role_name, const char *list, msg_t *m)
{
	role_t role = perm_role_from_name(role_name);
	perm_matrix_t want;
	unsigned long long before, after;
	char dbkey[64], value[DB_POLICY_VALUE_MAX], added[600], removed[600], detail[1300];
	config_t *next = NULL;
	msg_t why;
	status_t ret;

	if ((ret = session_require(s, ACT_POLICY_MANAGE, m)) != STATUS_OK)
		return ret;
	if (role == ROLE_COUNT)
		return msg_fail(m, STATUS_INVALID,
				"'%.40s' is not a role. Roles: frontdesk, nurse, provider, him, "
				"privacy, admin.",
				role_name ? role_name : "");
	snprintf(dbkey, sizeof dbkey, "roles.%s", perm_role_name(role));
	if (!(next = malloc(sizeof *next)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory changing the policy.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	/* Work from the policy as it is in the database now, verified. */
	if ((ret = policy_load(s, m)) != STATUS_OK)
		goto done;
	want = s->c->cfg->perms;
	before = want.allowed[role];
	if (list) {
		if (perm_apply_change(&want, role, list, &why) != STATUS_OK) {
			ret = msg_fail(m, STATUS_INVALID, "%s", why.text);
			goto done;
		}
	} else {
		/* Back to the system file's or the default's. */
		want.allowed[role] = s->c->trusted->perms.allowed[role];
	}
	after = want.allowed[role];
	if (list && after == before) {
		ret = STATUS_OK;
		msg_set(m, "Nothing changed: the %s role already has exactly these actions.",
			perm_role_name(role));
		db_rollback(s->c->db);
		goto cleanup;
	}
	if ((ret = keep_administration(&want, m)) != STATUS_OK)
		goto done;
	perm_role_list(&want, role, value, sizeof value);
	action_names(after & ~before, added, sizeof added);
	action_names(before & ~after, removed, sizeof removed);
	snprintf(detail, sizeof detail, "%s added: %s; removed: %s", list ? "set" : "reset", added,
		 removed);
	ret = change(s, dbkey, list ? value : NULL, detail, next, m);
done:
	if ((ret = finish(s, ret, m)) != STATUS_OK)
		goto cleanup;
	*s->c->eff = *next;
	perm_role_list(&s->c->cfg->perms, role, value, sizeof value);
	msg_set(m, "The %s role may now: %.400s.", perm_role_name(role), value);
cleanup:
	free(next);
	return ret;
}

status_t policy_reset_recovery(clinic_t *c, const char *recovery_text, const char *admin_name,
			       msg_t *m)
{
	keyring_t *kr = NULL;
	session_t *s = NULL;
	rowset_t rs;
	db_user_t u;
	char detail[1500], when[24];
	size_t used = 0;
	status_t ret;

	memset(&rs, 0, sizeof rs);
	if ((ret = clinic_recovery_keyring(c, recovery_text, &kr, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(c->db, m)) != STATUS_OK)
		goto cleanup;
	ret = db_user_get_by_name(c->db, admin_name, &u, m);
	if (ret == STATUS_NOTFOUND)
		ret = msg_fail(m, STATUS_INVALID, "There is no user named %s.", admin_name);
	if (ret == STATUS_OK && (strcmp(u.role, "admin") != 0 || users_row_check(kr, &u, m) != STATUS_OK))
		ret = msg_fail(m, STATUS_INVALID,
			       "%s is not an administrator (or the account record is damaged).",
			       admin_name);
	if (ret == STATUS_OK) {
		ret = session_new_internal(c, &u, kr, &s, m);
		kr = NULL;
	}
	if (ret == STATUS_OK)
		ret = rowset_read(c->db, &rs, m);
	used = (size_t)snprintf(detail, sizeof detail, "reset with the recovery key; removed:");
	for (int i = 0; ret == STATUS_OK && i < rs.n; i++) {
		if (used < sizeof detail)
			used += (size_t)snprintf(detail + used, sizeof detail - used, " %.60s=%.80s",
						 rs.rows[i].key, rs.rows[i].value);
		ret = db_policy_delete(c->db, rs.rows[i].key, m);
	}
	if (ret == STATUS_OK && rs.n == 0)
		snprintf(detail + used, sizeof detail - used, " nothing");
	if (ret == STATUS_OK)
		ret = audit_append(s, "policy_set", "*", "ok", detail, m);
	core_now(when);
	if (ret == STATUS_OK)
		ret = write_seal(s, when, m);
	if (ret == STATUS_OK)
		ret = db_commit(c->db, m);
	if (ret != STATUS_OK)
		db_rollback(c->db);
	else
		msg_set(m, "The database's policy was reset (%d setting%s removed); the system file "
			   "and the defaults apply.",
			rs.n, rs.n == 1 ? "" : "s");
cleanup:
	rowset_free(&rs);
	if (s) {
		keyring_free(s->kr);
		free(s);
	}
	keyring_free(kr);
	return ret;
}
