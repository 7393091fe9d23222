/* extid.c - a patient's identifiers in other systems (extid.h): recorded
 * in the chart, found by blind index, listed for the export, re-sealed
 * by a key rotation. */
#include "core/extid.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/perm.h"
#include "db/db_extid.h"
#include "db/db_merge.h"

#define TABLE "patient_identifiers"
#define VERSIONS_MAX 4

status_t extid_check(const char *system, const char *value, msg_t *m)
{
	msg_t why;
	size_t n = system ? strlen(system) : 0;
	const char *colon = system ? strchr(system, ':') : NULL;
	if (!n || n > EXTID_SYSTEM_MAX || !colon || colon == system ||
	    strcspn(system, " \t") != n ||
	    text_check("The identifier's system", system, n, 0, &why) != STATUS_OK)
		return msg_fail(m, STATUS_INVALID,
				"The identifier's system must be an absolute URI (scheme:...), one "
				"line of at most %d characters.",
				EXTID_SYSTEM_MAX);
	n = value ? strlen(value) : 0;
	if (!n || n > EXTID_VALUE_MAX)
		return msg_fail(m, STATUS_INVALID,
				"The identifier's value must be 1 to %d characters.", EXTID_VALUE_MAX);
	if (text_check("The identifier's value", value, n, 0, &why) != STATUS_OK)
		return msg_fail(m, STATUS_INVALID,
				"The identifier's value holds a control character or is not "
				"UTF-8.");
	return STATUS_OK;
}

/* "system|value" under demo key version v (0: the newest held). */
static status_t token_at(session_t *s, int v, const char *system, const char *value,
			 unsigned char tok[DB_EXTID_TOKEN_LEN], msg_t *m)
{
	char buf[EXTID_SYSTEM_MAX + EXTID_VALUE_MAX + 2];
	status_t ret;
	snprintf(buf, sizeof buf, "%s|%s", system, value);
	ret = crypto_blind_token_at(s->kr, DOMAIN_DEMO, v > 0 ? v : CRYPTO_CURRENT, TABLE, "value",
				    buf, DB_EXTID_TOKEN_LEN, tok, m);
	sodium_memzero(buf, sizeof buf);
	return ret;
}

/* ---- one chart's rows, checked and opened ---- */

typedef struct held {
	db_extid_t *x;
	int n, cap, oom;
} held_t;

static int keep(const db_extid_t *x, void *arg)
{
	held_t *h = arg;
	if (h->n == h->cap) {
		int cap = h->cap ? h->cap * 2 : 4;
		db_extid_t *nx = realloc(h->x, (size_t)cap * sizeof *nx);
		if (!nx) {
			h->oom = 1;
			return 1;
		}
		h->x = nx;
		h->cap = cap;
	}
	h->x[h->n++] = *x;
	return 0;
}

static void held_free(held_t *h)
{
	if (h->x)
		sodium_memzero(h->x, (size_t)h->cap * sizeof *h->x);
	free(h->x);
	memset(h, 0, sizeof *h);
}

/* The chart's rows after chart_check_extid, into h. */
static status_t rows_of(session_t *s, chart_t *ch, held_t *h, msg_t *m)
{
	status_t ret = chart_check_extid(s, ch, m);
	if (ret == STATUS_OK)
		ret = db_extid_list(s->c->db, ch->prow, keep, h, m);
	if (ret == STATUS_OK && h->oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	return ret;
}

static status_t open_value(session_t *s, chart_t *ch, const db_extid_t *x, char **plain,
			   size_t *plen, msg_t *m)
{
	db_blob_t b = {x->value_ct, x->value_len};
	return chart_open_text(s, ch, DOMAIN_DEMO, TABLE, "value", x->xrow, x->id, NULL, b, plain,
			       plen, m);
}

/* ---- recording ---- */

status_t extid_add(session_t *s, const char *patient, const char *system, const char *value,
		   int *added, msg_t *m)
{
	chart_t ch;
	held_t h = {0};
	db_extid_t *x = NULL;
	int64_t prow = 0;
	char pid[33] = "", other[33] = "", detail[200];
	unsigned char *blob = NULL, mac[INTEGRITY_MAC_LEN];
	size_t blen = 0;
	int conf = 0, began = 0;
	status_t ret;

	if (added)
		*added = 0;
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_PATIENT_IMPORT, m)) != STATUS_OK ||
	    (ret = extid_check(system, value, m)) != STATUS_OK)
		return ret;
	/* Another chart's already: an identifier names one patient. */
	ret = extid_find(s, system, value, other, m);
	if (ret != STATUS_OK && ret != STATUS_NOTFOUND)
		return ret;
	msg_clear(m);
	if ((ret = patient_locate(s, patient, &prow, pid, &conf, m)) != STATUS_OK)
		return ret;
	if (*other && strcmp(other, pid) != 0)
		return msg_fail(m, STATUS_CONFLICT,
				"Another chart holds this %s identifier already; not recorded.",
				system);
	if (*other) { /* this chart's already */
		msg_set(m, "The chart holds this identifier already.");
		return STATUS_OK;
	}
	if (!(x = calloc(1, sizeof *x)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto done;
	began = 1;
	if ((ret = chart_load(s, prow, &ch, m)) != STATUS_OK ||
	    (ret = rows_of(s, &ch, &h, m)) != STATUS_OK)
		goto done;
	if (h.n >= EXTID_PER_PATIENT) {
		ret = msg_fail(m, STATUS_INVALID, "The chart holds %d identifiers of other systems "
						  "already, the most it may.",
			       EXTID_PER_PATIENT);
		goto done;
	}
	for (int i = 0; i < h.n; i++)
		if (!strcmp(h.x[i].system, system)) {
			ret = msg_fail(m, STATUS_CONFLICT,
				       "The chart holds another %s identifier (%s record %" PRId64
				       "); not recorded.",
				       system, TABLE, h.x[i].xrow);
			goto done;
		}
	crypto_random_id(x->id);
	x->prow = prow;
	text_copy(x->system, sizeof x->system, system);
	core_now(x->created);
	text_copy(x->created_by, sizeof x->created_by, s->user.name);
	if ((ret = db_row_next(s->c->db, DB_CT_IDENTIFIERS, &x->xrow, m)) != STATUS_OK ||
	    (ret = chart_seal_text(s, &ch, DOMAIN_DEMO, TABLE, "value", x->id, NULL, value, &blob,
				   &blen, m)) != STATUS_OK)
		goto done;
	if (blen > sizeof x->value_ct) {
		ret = msg_fail(m, STATUS_INVALID, "The identifier is too long.");
		goto done;
	}
	memcpy(x->value_ct, blob, blen);
	x->value_len = blen;
	x->token_version = keyring_version(s->kr, DOMAIN_DEMO);
	x->token_len = DB_EXTID_TOKEN_LEN;
	if ((ret = token_at(s, x->token_version, system, value, x->token, m)) != STATUS_OK ||
	    (ret = rowmac_extid(s, &ch, x, mac, m)) != STATUS_OK)
		goto done;
	memcpy(x->mac, mac, sizeof mac);
	x->mac_len = sizeof mac;
	snprintf(detail, sizeof detail, "identifier %" PRId64 " recorded (%.120s)", x->xrow, system);
	if ((ret = db_extid_insert(s->c->db, x, m)) == STATUS_OK &&
	    (ret = chart_put(&ch, DB_CT_IDENTIFIERS, x->xrow, mac, m)) == STATUS_OK &&
	    (ret = chart_store(s, &ch, m)) == STATUS_OK)
		ret = chart_audit(s, &ch, "identifier_add", detail, m);
done:
	if (began) {
		if (ret == STATUS_OK)
			ret = db_commit(s->c->db, m);
		if (ret != STATUS_OK)
			db_rollback(s->c->db);
	}
	if (ret == STATUS_OK) {
		if (added)
			*added = 1;
		msg_set(m, "Identifier recorded.");
	}
	free(blob);
	held_free(&h);
	if (x) {
		sodium_memzero(x, sizeof *x);
		free(x);
	}
	chart_free(&ch);
	return integrity_report(s, pid, ret, m);
}

/* ---- finding ---- */

typedef struct cand {
	int64_t prow[16];
	int n;
} cand_t;

static int note_cand(const db_extid_t *x, void *arg)
{
	cand_t *c = arg;
	for (int i = 0; i < c->n; i++)
		if (c->prow[i] == x->prow)
			return 0;
	if (c->n < 16)
		c->prow[c->n++] = x->prow;
	return 0;
}

status_t extid_find(session_t *s, const char *system, const char *value, char pid[33],
		    msg_t *m)
{
	unsigned char tok[VERSIONS_MAX * DB_EXTID_TOKEN_LEN];
	int v[VERSIONS_MAX], nv, reading = 0;
	cand_t c = {{0}, 0};
	status_t ret;
	pid[0] = '\0';
	if ((ret = session_require(s, ACT_PATIENT_IMPORT, m)) != STATUS_OK ||
	    (ret = extid_check(system, value, m)) != STATUS_OK)
		return ret;
	/* Under each version of the demo key held (two while it is rotated). */
	nv = keyring_versions(s->kr, DOMAIN_DEMO, v, VERSIONS_MAX);
	if (nv <= 0)
		return msg_fail(m, STATUS_DENIED, "Your account does not hold the demo key.");
	for (int i = 0; i < nv; i++)
		if ((ret = token_at(s, v[i], system, value, tok + (size_t)i * DB_EXTID_TOKEN_LEN, m)) !=
		    STATUS_OK)
			return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	ret = db_extid_find(s->c->db, system, tok, nv, note_cand, &c, m);
	/* A chart merged away comes last: a merge moves its identifiers to
	 * the survivor, and one it leaves behind is held by the survivor too
	 * (core/merge.c), so the survivor is the chart found. */
	for (int i = 0, last = c.n; i < last && ret == STATUS_OK; i++) {
		int gone = 0;
		if ((ret = db_merge_is_retired(s->c->db, c.prow[i], &gone, m)) == STATUS_OK && gone) {
			int64_t p = c.prow[i];
			memmove(&c.prow[i], &c.prow[i + 1], (size_t)(c.n - i - 1) * sizeof p);
			c.prow[c.n - 1] = p;
			i--;
			last--;
		}
	}
	for (int i = 0; i < c.n && ret == STATUS_OK && !*pid; i++) {
		chart_t ch;
		held_t h = {0};
		memset(&ch, 0, sizeof ch);
		if ((ret = chart_load(s, c.prow[i], &ch, m)) == STATUS_OK &&
		    (ret = rows_of(s, &ch, &h, m)) == STATUS_OK)
			for (int k = 0; k < h.n && ret == STATUS_OK && !*pid; k++) {
				char *plain = NULL;
				size_t plen = 0;
				if (strcmp(h.x[k].system, system) != 0)
					continue;
				if ((ret = open_value(s, &ch, &h.x[k], &plain, &plen, m)) == STATUS_OK &&
				    plen == strlen(value) && sodium_memcmp(plain, value, plen) == 0)
					text_copy(pid, 33, ch.pid);
				crypto_free_plain(plain, plen);
			}
		if (ret != STATUS_OK)
			text_copy(pid, 33, ch.pid); /* whose chart failed, for the report */
		held_free(&h);
		chart_free(&ch);
	}
	db_read_end(s->c->db, reading);
	sodium_memzero(tok, sizeof tok);
	if (ret != STATUS_OK) {
		char failed[33];
		text_copy(failed, sizeof failed, pid);
		pid[0] = '\0';
		return integrity_report(s, failed, ret, m);
	}
	if (!*pid)
		return msg_fail(m, STATUS_NOTFOUND, "No chart holds this %s identifier.", system);
	return STATUS_OK;
}

/* ---- listing ---- */

status_t extid_list(session_t *s, const char *patient,
		    int (*fn)(const char *system, const char *value, void *arg), void *arg,
		    msg_t *m)
{
	chart_t ch;
	held_t h = {0};
	int64_t prow = 0;
	char pid[33] = "";
	int conf = 0, reading = 0;
	status_t ret;
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_PATIENT_VIEW, m)) != STATUS_OK ||
	    (ret = patient_locate(s, patient, &prow, pid, &conf, m)) != STATUS_OK)
		return ret;
	if (!session_may_see(s, prow, conf))
		return msg_fail(m, STATUS_BTG_REQUIRED,
				"This chart is confidential: open it with a reason first "
				"(break-the-glass).");
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	if ((ret = chart_load(s, prow, &ch, m)) == STATUS_OK)
		ret = rows_of(s, &ch, &h, m);
	for (int k = 0; k < h.n && ret == STATUS_OK; k++) {
		char *plain = NULL;
		size_t plen = 0;
		int stop = 0;
		if ((ret = open_value(s, &ch, &h.x[k], &plain, &plen, m)) == STATUS_OK)
			stop = fn(h.x[k].system, plain, arg);
		crypto_free_plain(plain, plen);
		if (stop)
			break;
	}
	db_read_end(s->c->db, reading);
	held_free(&h);
	chart_free(&ch);
	return integrity_report(s, pid, ret, m);
}

/* ---- a key rotation ---- */

status_t extid_rekey(session_t *s, struct chart *ch, int to, int64_t *n, msg_t *m)
{
	held_t h = {0};
	status_t ret;
	*n = 0;
	if ((ret = rows_of(s, ch, &h, m)) != STATUS_OK)
		goto done;
	for (int k = 0; k < h.n && ret == STATUS_OK; k++) {
		db_extid_t *x = &h.x[k];
		char *plain = NULL;
		size_t plen = 0, blen = 0;
		unsigned char *blob = NULL, mac[INTEGRITY_MAC_LEN];
		if (crypto_blob_version(x->value_ct, x->value_len) == to &&
		    crypto_blob_version(x->mac, x->mac_len) == to && x->token_version == to)
			continue;
		if ((ret = open_value(s, ch, x, &plain, &plen, m)) == STATUS_OK &&
		    (ret = chart_seal_text(s, ch, DOMAIN_DEMO, TABLE, "value", x->id, NULL, plain,
					   &blob, &blen, m)) == STATUS_OK) {
			if (blen > sizeof x->value_ct)
				ret = msg_fail(m, STATUS_ERR, "A re-sealed identifier is too long.");
			else {
				memcpy(x->value_ct, blob, blen);
				x->value_len = blen;
				x->token_version = to;
				ret = token_at(s, to, x->system, plain, x->token, m);
			}
		}
		if (ret == STATUS_OK && (ret = rowmac_extid(s, ch, x, mac, m)) == STATUS_OK) {
			memcpy(x->mac, mac, sizeof mac);
			x->mac_len = sizeof mac;
			if ((ret = db_extid_reseal(s->c->db, x, m)) == STATUS_OK)
				ret = chart_put(ch, DB_CT_IDENTIFIERS, x->xrow, mac, m);
		}
		if (ret == STATUS_OK)
			(*n)++;
		crypto_free_plain(plain, plen);
		free(blob);
	}
done:
	held_free(&h);
	return ret;
}
