/* provider.c - provider records that are not user accounts (core/provider.h):
 * their checks, row MACs, lookup by identifier and listing. */
#include "core/provider.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/lpbuf.h"
#include "base/text.h"
#include "core/audit.h"
#include "core/internal.h"
#include "core/perm.h"
#include "db/db_providers.h"

#define TABLE "providers"
#define MAC_FORMAT 1
#define MAC_LEN 33 /* format byte, 32 bytes */

static status_t row_mac(session_t *s, const db_provider_t *p, unsigned char out[MAC_LEN],
			msg_t *m)
{
	lpbuf_t b = {0};
	char n[24];
	status_t ret;
	snprintf(n, sizeof n, "%lld", (long long)p->prvrow);
	lpbuf_str(&b, "chartroom-provider-row-1");
	lpbuf_str(&b, n);
	lpbuf_str(&b, p->id);
	lpbuf_str(&b, p->system);
	lpbuf_str(&b, p->value);
	lpbuf_str(&b, p->name);
	lpbuf_str(&b, p->gender);
	lpbuf_str(&b, p->speciality);
	lpbuf_str(&b, p->organization);
	lpbuf_str(&b, p->location);
	lpbuf_str(&b, p->created);
	lpbuf_str(&b, p->created_by);
	out[0] = MAC_FORMAT;
	if (b.bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	else
		ret = crypto_audit_keyed_mac(s->kr, CRYPTO_MAC_REFERENCE, b.p, b.len, out + 1, m);
	lpbuf_free(&b);
	return ret;
}

static status_t row_check(session_t *s, const db_provider_t *p, msg_t *m)
{
	unsigned char mac[MAC_LEN];
	status_t ret;
	if (p->toolong || p->mac_len != MAC_LEN || p->mac[0] != MAC_FORMAT)
		return msg_fail(m, STATUS_INTEGRITY,
				"Integrity check failed: %s record %lld has no valid MAC (changed "
				"outside Chartroom).",
				TABLE, (long long)p->prvrow);
	if ((ret = row_mac(s, p, mac, m)) != STATUS_OK)
		return ret;
	if (sodium_memcmp(mac, p->mac, MAC_LEN) != 0)
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "Integrity check failed: %s record %lld was changed outside Chartroom.",
			       TABLE, (long long)p->prvrow);
	sodium_memzero(mac, sizeof mac);
	return ret;
}

static void to_public(const db_provider_t *d, provider_t *p)
{
	memset(p, 0, sizeof *p);
	p->row = d->prvrow;
	memcpy(p->id, d->id, sizeof p->id);
	text_copy(p->system, sizeof p->system, d->system);
	text_copy(p->value, sizeof p->value, d->value);
	text_copy(p->name, sizeof p->name, d->name);
	text_copy(p->gender, sizeof p->gender, d->gender);
	text_copy(p->speciality, sizeof p->speciality, d->speciality);
	text_copy(p->organization, sizeof p->organization, d->organization);
	text_copy(p->location, sizeof p->location, d->location);
	text_copy(p->created, sizeof p->created, d->created);
	text_copy(p->created_by, sizeof p->created_by, d->created_by);
}

static status_t field(const char *label, const char *v, size_t max, int required, msg_t *m)
{
	if (!v || !*v)
		return required ? msg_fail(m, STATUS_INVALID, "%s is empty.", label) : STATUS_OK;
	if (strlen(v) > max)
		return msg_fail(m, STATUS_INVALID, "%s is longer than %zu bytes.", label, max);
	if (text_check(label, v, strlen(v), 0, m) != STATUS_OK)
		return STATUS_INVALID;
	if (v[0] == ' ' || v[strlen(v) - 1] == ' ')
		return msg_fail(m, STATUS_INVALID, "%s begins or ends with a space.", label);
	return STATUS_OK;
}

status_t provider_input_check(const provider_input_t *in, msg_t *m)
{
	static const char *const genders[] = {"", "M", "F", "male", "female", "other", "unknown"};
	status_t ret;
	int ok = 0;
	if (!in)
		return msg_fail(m, STATUS_INVALID, "No provider record.");
	if ((ret = field("Identifier system", in->system, PROVIDER_SYSTEM_MAX, 1, m)) != STATUS_OK ||
	    (ret = field("Identifier", in->value, PROVIDER_VALUE_MAX, 1, m)) != STATUS_OK ||
	    (ret = field("Name", in->name, PROVIDER_NAME_MAX, 1, m)) != STATUS_OK ||
	    (ret = field("Speciality", in->speciality, PROVIDER_TEXT_MAX, 0, m)) != STATUS_OK ||
	    (ret = field("Organization", in->organization, PROVIDER_TEXT_MAX, 0, m)) !=
		STATUS_OK ||
	    (ret = field("Location", in->location, PROVIDER_TEXT_MAX, 0, m)) != STATUS_OK)
		return ret;
	for (size_t i = 0; i < sizeof genders / sizeof genders[0]; i++)
		if (!strcmp(in->gender ? in->gender : "", genders[i]))
			ok = 1;
	if (!ok)
		return msg_fail(m, STATUS_INVALID, "Gender '%.10s' is not M, F, male, female, other "
						  "or unknown.",
				text_is_clean(in->gender, 0) ? in->gender : "?");
	return STATUS_OK;
}

/* M/F as FHIR spells them. */
static const char *gender_word(const char *g)
{
	if (!g || !*g)
		return "";
	if (!strcmp(g, "M"))
		return "male";
	if (!strcmp(g, "F"))
		return "female";
	return g;
}

status_t provider_ensure(session_t *s, const provider_input_t *in, char id[33], int *created,
			 msg_t *m)
{
	db_provider_t *p = NULL;
	status_t ret;
	int began = 0;
	char detail[200];
	*created = 0;
	if ((ret = session_require(s, ACT_PATIENT_IMPORT, m)) != STATUS_OK ||
	    (ret = provider_input_check(in, m)) != STATUS_OK)
		return ret;
	if (!(p = calloc(1, sizeof *p)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto done;
	began = 1;
	ret = db_provider_find(s->c->db, in->system, in->value, p, m);
	if (ret == STATUS_OK) {
		if ((ret = row_check(s, p, m)) == STATUS_OK)
			memcpy(id, p->id, 33);
		goto done;
	}
	if (ret != STATUS_NOTFOUND)
		goto done;
	msg_clear(m);
	memset(p, 0, sizeof *p);
	crypto_random_id(p->id);
	text_copy(p->system, sizeof p->system, in->system);
	text_copy(p->value, sizeof p->value, in->value);
	text_copy(p->name, sizeof p->name, in->name);
	text_copy(p->gender, sizeof p->gender, gender_word(in->gender));
	text_copy(p->speciality, sizeof p->speciality, in->speciality ? in->speciality : "");
	text_copy(p->organization, sizeof p->organization, in->organization ? in->organization : "");
	text_copy(p->location, sizeof p->location, in->location ? in->location : "");
	core_now(p->created);
	text_copy(p->created_by, sizeof p->created_by, s->user.name);
	if ((ret = db_provider_next(s->c->db, &p->prvrow, m)) != STATUS_OK ||
	    (ret = row_mac(s, p, p->mac, m)) != STATUS_OK)
		goto done;
	p->mac_len = MAC_LEN;
	snprintf(detail, sizeof detail, "provider record %lld (%.60s)", (long long)p->prvrow,
		 p->system);
	if ((ret = db_provider_insert(s->c->db, p, m)) == STATUS_OK &&
	    (ret = audit_append(s, "provider_add", p->id, "ok", detail, m)) == STATUS_OK) {
		memcpy(id, p->id, 33);
		*created = 1;
	}
done:
	if (began) {
		if (ret == STATUS_OK)
			ret = db_commit(s->c->db, m);
		if (ret != STATUS_OK)
			db_rollback(s->c->db);
	}
	free(p);
	if (ret != STATUS_OK && *created)
		*created = 0;
	return ret;
}

status_t provider_get(session_t *s, const char *id, provider_t *out, msg_t *m)
{
	db_provider_t d;
	status_t ret;
	if (!s || !s->kr)
		return msg_fail(m, STATUS_DENIED, "Sign on first.");
	if ((ret = db_provider_get(s->c->db, id, &d, m)) != STATUS_OK ||
	    (ret = row_check(s, &d, m)) != STATUS_OK)
		return ret;
	to_public(&d, out);
	return STATUS_OK;
}

typedef struct walk {
	session_t *s;
	int (*fn)(const provider_t *p, void *arg);
	void *arg;
	status_t ret;
	msg_t *m;
	/* provider_remac: the rows, rewritten after the read. */
	db_provider_t *rows;
	size_t n, cap;
} walk_t;

static int walk_each(const db_provider_t *d, void *arg)
{
	walk_t *w = arg;
	provider_t p;
	if ((w->ret = row_check(w->s, d, w->m)) != STATUS_OK)
		return 1;
	if (!w->fn)
		return 0;
	to_public(d, &p);
	return w->fn(&p, w->arg);
}

status_t provider_list(session_t *s, int (*fn)(const provider_t *p, void *arg), void *arg,
		       msg_t *m)
{
	walk_t w;
	status_t ret;
	if ((ret = session_require(s, ACT_REPORTS_VIEW, m)) != STATUS_OK)
		return ret;
	memset(&w, 0, sizeof w);
	w.s = s;
	w.fn = fn;
	w.arg = arg;
	w.m = m;
	if ((ret = db_provider_each(s->c->db, walk_each, &w, m)) != STATUS_OK)
		return ret;
	return w.ret;
}

status_t provider_check_all(session_t *s, msg_t *m)
{
	walk_t w;
	status_t ret;
	memset(&w, 0, sizeof w);
	w.s = s;
	w.m = m;
	if ((ret = db_provider_each(s->c->db, walk_each, &w, m)) != STATUS_OK)
		return ret;
	return w.ret;
}

static int collect_raw(const db_provider_t *d, void *arg)
{
	walk_t *w = arg;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		db_provider_t *nr = realloc(w->rows, cap * sizeof *nr);
		if (!nr) {
			w->ret = msg_fail(w->m, STATUS_NOMEM, "Out of memory.");
			return 1;
		}
		w->rows = nr;
		w->cap = cap;
	}
	w->rows[w->n++] = *d;
	return 0;
}

/* The key ring's current audit key is the new one: each row (checked
 * under the old one by provider_check_all before the rotation began) is
 * MAC'd again. The rows are read whole first, then rewritten; a row whose
 * stored MAC was never valid keeps it (it stays an integrity error). */
status_t provider_remac(session_t *s, msg_t *m)
{
	walk_t w;
	status_t ret;
	memset(&w, 0, sizeof w);
	w.s = s;
	w.m = m;
	if ((ret = db_provider_each(s->c->db, collect_raw, &w, m)) == STATUS_OK)
		ret = w.ret;
	for (size_t i = 0; i < w.n && ret == STATUS_OK; i++) {
		unsigned char mac[MAC_LEN];
		if (w.rows[i].toolong || w.rows[i].mac_len != MAC_LEN)
			continue;
		if ((ret = row_mac(s, &w.rows[i], mac, m)) == STATUS_OK)
			ret = db_provider_set_mac(s->c->db, w.rows[i].prvrow, mac, MAC_LEN, m);
	}
	free(w.rows);
	return ret;
}
