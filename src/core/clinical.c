/* clinical.c - encounters, vitals, allergies, medications, problems,
 * notes. */
#include "core/clinical.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/date.h"
#include "base/tz.h"
#include "base/text.h"
#include "core/audit.h"
#include "core/coding.h"
#include "core/crypto.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/patient.h"
#include "core/provider.h"
#include "db/db_clinical.h"
#include "db/db_patients.h"
#include "db/db_users.h"

/* ---- shared helpers --------------------------------------------------- */

static status_t finish(session_t *s, status_t ret, msg_t *m)
{
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

/* Find the patient and check the session may see their chart. */
static status_t gate(session_t *s, const char *patient, int64_t *prow, char id[33], msg_t *m)
{
	int conf = 0;
	status_t ret = patient_locate(s, patient, prow, id, &conf, m);
	if (ret != STATUS_OK)
		return ret;
	if (!session_may_see(s, *prow, conf))
		return msg_fail(m, STATUS_BTG_REQUIRED,
				"This chart is confidential: open it with a reason first "
				"(break-the-glass).");
	return STATUS_OK;
}

/* The same for a patient known by row number (from an encounter). */
static status_t gate_prow(session_t *s, int64_t prow, char id[33], msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	status_t ret;
	if (!row)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = db_patient_get_ident(s->c->db, prow, row, m);
	if (ret == STATUS_OK) {
		text_copy(id, 33, row->id);
		if (!session_may_see(s, prow, row->confidential))
			ret = msg_fail(m, STATUS_BTG_REQUIRED,
				       "This chart is confidential: open it with a reason first "
				       "(break-the-glass).");
	}
	free(row);
	return ret;
}

/* Audit a view of a clinical section: a read, so in the audit journal
 * (no write lock), before the section is shown. */
static status_t audit_view(session_t *s, const char *patient_id, const char *section, msg_t *m)
{
	return audit_note(s, "chart_view", patient_id, "ok", section, 0, m);
}

/* ---- reading and writing a chart -------------------------------------- *
 * SECURITY: every read and every write of a chart happens against the
 * chart as verified (core/integrity.h): a read opens a snapshot, loads the
 * chart, checks every row of the section and the section as a set, and
 * only then decrypts and hands rows out, so a failure shows no row at all;
 * a write checks what it changes inside its transaction, then stores the
 * rows with their MACs, the new chart head and the audit entry recording
 * it, together. */

static status_t read_begin(session_t *s, int64_t prow, chart_t *ch, int *reading, msg_t *m)
{
	status_t ret;
	memset(ch, 0, sizeof *ch);
	if ((ret = db_read_begin(s->c->db, reading, m)) != STATUS_OK)
		return ret;
	return chart_load(s, prow, ch, m);
}

static status_t read_end(session_t *s, chart_t *ch, const char *pid, int reading, status_t ret,
			 msg_t *m)
{
	db_read_end(s->c->db, reading);
	chart_free(ch);
	return integrity_report(s, pid, ret, m);
}

static status_t write_begin(session_t *s, int64_t prow, chart_t *ch, msg_t *m)
{
	status_t ret;
	memset(ch, 0, sizeof *ch);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	return chart_load(s, prow, ch, m);
}

/* Commit (ret OK) or roll back, then report a failed check. */
static status_t write_end(session_t *s, chart_t *ch, const char *pid, status_t ret, msg_t *m)
{
	ret = finish(s, ret, m);
	chart_free(ch);
	return integrity_report(s, pid, ret, m);
}

/* A row's blobs copied out of the statement that read it (they are valid
 * only during the callback). */
typedef struct held {
	unsigned char *own[4];
	int n, found, oom;
} held_t;

static void hold(held_t *h, db_blob_t *b)
{
	unsigned char *p;
	if (!b->n || h->n == 4) {
		b->p = NULL;
		b->n = 0;
		return;
	}
	if (!(p = malloc(b->n))) {
		h->oom = 1;
		b->p = NULL;
		b->n = 0;
		return;
	}
	memcpy(p, b->p, b->n);
	b->p = p;
	h->own[h->n++] = p;
}

static void held_free(held_t *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->own[i]);
	memset(h, 0, sizeof *h);
}

static status_t held_status(const held_t *h, const char *what, int64_t row, msg_t *m)
{
	if (h->oom)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if (!h->found)
		return msg_fail(m, STATUS_NOTFOUND, "There is no %s %lld.", what, (long long)row);
	return STATUS_OK;
}

typedef struct enc_held {
	held_t h;
	db_encounter_t e;
} enc_held_t;

static int hold_enc(const db_encounter_t *e, void *arg)
{
	enc_held_t *x = arg;
	x->e = *e;
	hold(&x->h, &x->e.location_ct);
	hold(&x->h, &x->e.reason);
	hold(&x->h, &x->e.mac);
	hold(&x->h, &x->e.coding_mac);
	x->h.found = 1;
	return 1;
}

/* Encounter erow as stored, checked against the chart (its own MAC, its
 * coding's, the head's entries). */
static status_t encounter_read(session_t *s, chart_t *ch, int64_t erow, enc_held_t *x, msg_t *m)
{
	status_t ret;
	memset(x, 0, sizeof *x);
	if ((ret = db_encounter_get(s->c->db, erow, hold_enc, x, m)) != STATUS_OK)
		return ret;
	if ((ret = held_status(&x->h, "encounter", erow, m)) != STATUS_OK)
		return ret;
	return chart_verify_encounter(s, ch, &x->e, m);
}

static status_t clin_seal(session_t *s, chart_t *ch, const char *table, const char *column,
			  const char *id, const char *eid, const char *text, db_blob_t *out,
			  msg_t *m)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	status_t ret = chart_seal_text(s, ch, DOMAIN_CLIN, table, column, id, eid, text, &blob,
				       &len, m);
	out->p = blob;
	out->n = len;
	return ret;
}

/* Decrypt a clinical text into out (cut to size). A value that fails its
 * check is an integrity error naming the record; without the key, the
 * session is told it holds no clin key. */
static status_t clin_open(session_t *s, chart_t *ch, const char *table, const char *column,
			  int64_t row, const char *id, const char *eid, db_blob_t b, char *out,
			  size_t size, msg_t *m)
{
	char *plain = NULL;
	size_t plen = 0;
	status_t ret;
	out[0] = '\0';
	if (!b.p || !b.n)
		return STATUS_OK;
	ret = chart_open_text(s, ch, DOMAIN_CLIN, table, column, row, id, eid, b, &plain, &plen, m);
	if (ret == STATUS_OK)
		text_copy(out, size, plain);
	crypto_free_plain(plain, plen);
	return ret;
}

/* Free text typed by staff: trimmed, and safe to show (base/text.h: no
 * control characters, C1 controls, bidi controls or broken UTF-8). Notes
 * (multiline) keep line breaks and tabs, a Windows line end becoming a
 * plain one; short fields are one line without tabs. */
static status_t clean_free_text(const char *label, const char *in, int multiline, size_t max,
				int required, char *out, size_t size, msg_t *m)
{
	size_t n, o = 0;
	const char *a = in ? in : "";
	status_t ret;
	while (*a == ' ' || *a == '\t' || (multiline && (*a == '\n' || *a == '\r')))
		a++;
	n = strlen(a);
	while (n && (a[n - 1] == ' ' || a[n - 1] == '\t' || a[n - 1] == '\n' || a[n - 1] == '\r'))
		n--;
	if (!n && required)
		return msg_fail(m, STATUS_INVALID, "%s is required.", label);
	if (n > max || n >= size)
		return msg_fail(m, STATUS_INVALID, "%s is too long (at most %zu characters).", label,
				max);
	for (size_t i = 0; i < n; i++)
		if (!(multiline && a[i] == '\r' && i + 1 < n && a[i + 1] == '\n'))
			out[o++] = a[i];
	out[o] = '\0';
	if ((ret = text_check(label, out, o, multiline ? TEXT_ALLOW_NEWLINE | TEXT_ALLOW_TAB : 0,
			      m)) != STATUS_OK)
		out[0] = '\0';
	return ret;
}

static int one_of(const char *v, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strcasecmp(v, list[i]) == 0)
			return i;
	return -1;
}

/* ---- encounters ------------------------------------------------------- */

int encounter_type(const config_t *cfg, int i, char *buf, size_t size)
{
	const char *p = cfg->encounter_types;
	for (int k = 0; *p; k++) {
		size_t n;
		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ",");
		while (n && p[n - 1] == ' ')
			n--;
		if (!n)
			break;
		if (k == i) {
			if (n >= size)
				n = size - 1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return 1;
		}
		p += strcspn(p, ",");
	}
	return 0;
}

/* The clin key's public half, for sealing reasons for visit, and the
 * key version it is the half of. Written to meta as "VERSION:HEX" by any
 * session that holds the clin key (again when it holds a newer version:
 * a rotation writes it at its start), read by everyone. A database from
 * before versions has "HEX" (version 0: format-6 boxes). */
static status_t seal_pk(session_t *s, unsigned char pk[32], int *version, msg_t *m)
{
	char val[100];
	const char *hex = val, *colon;
	size_t len = 0;
	status_t ret;
	*version = 0;
	if (db_meta_get(s->c->db, "clin_seal_pk", val, sizeof val, m) == STATUS_OK) {
		if ((colon = strchr(val, ':')) != NULL) {
			*version = atoi(val);
			hex = colon + 1;
		}
		if (sodium_hex2bin(pk, 32, hex, strlen(hex), NULL, &len, NULL) == 0 && len == 32 &&
		    (!keyring_has(s->kr, DOMAIN_CLIN) ||
		     *version >= keyring_version(s->kr, DOMAIN_CLIN)))
			return STATUS_OK;
	}
	if (!keyring_has(s->kr, DOMAIN_CLIN))
		return msg_fail(m, STATUS_ERR,
				"Check-in cannot record a reason for visit yet: a nurse, provider or "
				"administrator must sign on once first.");
	if ((ret = crypto_seal_public_at(s->kr, DOMAIN_CLIN, CRYPTO_CURRENT, pk, version, m)) !=
	    STATUS_OK)
		return ret;
	return clinical_seal_key_write(s->c->db, pk, *version, m);
}

status_t clinical_seal_key_write(db_t *db, const unsigned char pk[32], int version, msg_t *m)
{
	char hex[65], val[100];
	sodium_bin2hex(hex, sizeof hex, pk, 32);
	snprintf(val, sizeof val, "%d:%s", version, hex);
	return db_meta_set(db, "clin_seal_pk", val, m);
}

status_t clinical_publish_seal_key(session_t *s, msg_t *m)
{
	unsigned char pk[32];
	int version = 0;
	if (!keyring_has(s->kr, DOMAIN_CLIN))
		return STATUS_OK;
	return seal_pk(s, pk, &version, m);
}

/* Where an encounter's prow is, before its chart is loaded: the number
 * only (checked again against the chart once loaded). */
static int enc_prow(const db_encounter_t *e, void *arg)
{
	*(int64_t *)arg = e->prow;
	return 1;
}

static status_t encounter_prow(session_t *s, int64_t erow, int64_t *prow, msg_t *m)
{
	*prow = 0;
	return db_encounter_get(s->c->db, erow, enc_prow, prow, m);
}

/* An encounter for the UI: the location decrypted (demo key), the reason
 * unsealed if this session holds the clin key. */
static status_t enc_fill(session_t *s, chart_t *ch, const db_encounter_t *e, encounter_info_t *o,
			 msg_t *m)
{
	status_t ret = STATUS_OK;
	memset(o, 0, sizeof *o);
	o->erow = e->erow;
	text_copy(o->patient_id, sizeof o->patient_id, ch->pid);
	text_copy(o->start, sizeof o->start, e->start);
	text_copy(o->type, sizeof o->type, e->type);
	text_copy(o->provider, sizeof o->provider, e->provider);
	text_copy(o->status, sizeof o->status, e->status);
	text_copy(o->closed_at, sizeof o->closed_at, e->closed_at);
	text_copy(o->closed_by, sizeof o->closed_by, e->closed_by);
	text_copy(o->coding_status, sizeof o->coding_status, e->coding_status);
	text_copy(o->created_by, sizeof o->created_by, e->created_by);
	text_copy(o->source, sizeof o->source, e->source);
	if (*e->provider_ref) {
		provider_t pr;
		text_copy(o->provider_ref, sizeof o->provider_ref, e->provider_ref);
		ret = provider_get(s, e->provider_ref, &pr, m);
		if (ret == STATUS_NOTFOUND)
			ret = msg_fail(m, STATUS_INTEGRITY,
				       "Integrity check failed: encounter %lld names a provider record "
				       "that is not there (deleted outside Chartroom).",
				       (long long)e->erow);
		if (ret != STATUS_OK)
			return ret;
		text_copy(o->provider_name, sizeof o->provider_name, pr.name);
	}
	if (e->location_ct.n) {
		char *plain = NULL;
		size_t plen = 0;
		ret = chart_open_text(s, ch, DOMAIN_DEMO, "encounters", "location", e->erow, e->id,
				      e->id, e->location_ct, &plain, &plen, m);
		if (ret == STATUS_OK)
			text_copy(o->location, sizeof o->location, plain);
		crypto_free_plain(plain, plen);
	} else if (!ch->sealed) {
		text_copy(o->location, sizeof o->location, e->location); /* not re-sealed yet */
	}
	if (ret == STATUS_OK && e->reason.n && keyring_has(s->kr, DOMAIN_CLIN)) {
		char *plain = NULL;
		size_t plen = 0;
		crypto_bind_t bind = {"encounters", "reason", e->id, ch->pid, e->id, NULL};
		ret = crypto_unseal_text(s->kr, DOMAIN_CLIN, &bind, CLINIC_OPEN_FLAGS(s->c), e->reason.p,
					 e->reason.n, &plain, &plen, m);
		if (ret == STATUS_INTEGRITY)
			ret = integrity_fail(m, "encounters", e->erow,
					     "cannot be decrypted: its reason for visit was altered "
					     "or moved");
		if (ret == STATUS_OK)
			text_copy(o->reason, sizeof o->reason, plain);
		crypto_free_plain(plain, plen);
	}
	if (ret != STATUS_OK)
		sodium_memzero(o, sizeof *o);
	return ret;
}

static int provider_check(const db_user_t *u, void *arg)
{
	const char *want = ((const char **)arg)[0];
	if (strcmp(u->name, want) == 0 && strcmp(u->role, "provider") == 0 && !u->disabled)
		((const char **)arg)[1] = "ok";
	return 0;
}

status_t encounter_checkin(session_t *s, const char *patient, const char *type,
			   const char *provider, const char *location, const char *reason,
			   int64_t *erow, msg_t *m)
{
	return encounter_checkin_at(s, patient, type, provider, location, reason, NULL, erow, m);
}

/* "DATE[ HH:MM]", a date and time in the clinic's zone (noon without a
 * time), -> the stored UTC time (base/tz.h); the date as base/date.c reads
 * every date; not in the future. */
static status_t service_time(const char *zone, const char *in, char out[24], msg_t *m)
{
	char day[DATE_ISO_SIZE], part[16], now[24];
	const char *sp = strchr(in, ' ');
	size_t dl = sp ? (size_t)(sp - in) : strlen(in);
	int h = 12, mi = 0;
	status_t ret;
	if (dl >= sizeof part)
		return msg_fail(m, STATUS_INVALID,
				"Date of service '%.40s' must be a date (YYYY-MM-DD or MM/DD/YYYY), "
				"optionally followed by HH:MM.",
				in);
	memcpy(part, in, dl);
	part[dl] = '\0';
	if ((ret = date_parse_msg("Date of service", part, SERVICE_DATE_MIN, NULL, day, m)) !=
	    STATUS_OK)
		return ret;
	if (sp) {
		const char *t = sp + 1;
		if (strlen(t) != 5 || t[2] != ':' || !isdigit((unsigned char)t[0]) ||
		    !isdigit((unsigned char)t[1]) || !isdigit((unsigned char)t[3]) ||
		    !isdigit((unsigned char)t[4]))
			return msg_fail(m, STATUS_INVALID,
					"Date of service '%.40s': the time must be HH:MM.", in);
		h = (t[0] - '0') * 10 + (t[1] - '0');
		mi = (t[3] - '0') * 10 + (t[4] - '0');
		if (h > 23 || mi > 59)
			return msg_fail(m, STATUS_INVALID,
					"Date of service '%.40s': %.5s is not a time of day.", in, t);
	}
	if ((ret = tz_to_utc(zone, day, h, mi, out, m)) != STATUS_OK)
		return ret;
	core_now(now);
	if (strcmp(out, now) > 0)
		return msg_fail(m, STATUS_INVALID, "Date of service %s is in the future.", in);
	return STATUS_OK;
}

void encounter_site(const config_t *cfg, const char *loc, char *out, size_t size)
{
	size_t best = 0;
	if (size)
		out[0] = '\0';
	for (const char *p = cfg->sites; *p;) {
		size_t n = strcspn(p, ","), lead = strspn(p, " "), len;
		const char *name = p + (lead < n ? lead : n);
		len = n - (size_t)(name - p);
		while (len && name[len - 1] == ' ')
			len--;
		if (len > best && strncasecmp(loc, name, len) == 0 &&
		    (!loc[len] || !isalnum((unsigned char)loc[len]))) {
			best = len;
			snprintf(out, size, "%.*s", (int)len, name);
		}
		p += n;
		p += strspn(p, ",");
	}
}

static status_t checkin(session_t *s, const char *patient, const char *type,
			const char *provider, const char *location, const char *reason,
			const char *when, const char *provider_ref, const char *source,
			int64_t *erow, msg_t *m);

status_t encounter_checkin_at(session_t *s, const char *patient, const char *type,
			      const char *provider, const char *location, const char *reason,
			      const char *when, int64_t *erow, msg_t *m)
{
	return checkin(s, patient, type, provider, location, reason, when, NULL, NULL, erow, m);
}

status_t encounter_checkin_imported(session_t *s, const char *patient, const char *type,
				    const char *provider, const char *location,
				    const char *reason, const char *when,
				    const char *provider_ref, const char *source, int64_t *erow,
				    msg_t *m)
{
	provider_t pr;
	status_t ret;
	if (!source || (strcmp(source, "synthea") != 0 && strcmp(source, "fhir") != 0))
		return msg_fail(m, STATUS_INVALID, "An imported visit's source is synthea or fhir.");
	if (provider_ref && *provider_ref &&
	    (ret = provider_get(s, provider_ref, &pr, m)) != STATUS_OK)
		return ret;
	return checkin(s, patient, type, provider, location, reason, when, provider_ref, source,
		       erow, m);
}

static status_t checkin(session_t *s, const char *patient, const char *type,
			const char *provider, const char *location, const char *reason,
			const char *when, const char *provider_ref, const char *source,
			int64_t *erow, msg_t *m)
{
	status_t ret;
	db_encounter_t e;
	int64_t prow;
	chart_t ch;
	char pid[33], t[48], loc[72], why[CLIN_TEXT_MAX], known[48];
	const char *probe[2] = {provider, NULL};
	unsigned char pk[32], *blob = NULL, *locb = NULL;
	unsigned char mac[INTEGRITY_MAC_LEN], cmac[INTEGRITY_MAC_LEN];
	size_t blen = 0, loclen = 0;
	int ok = 0;

	*erow = 0;
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_ENCOUNTER_CHECKIN, m)) != STATUS_OK)
		return ret;
	for (int i = 0; encounter_type(s->c->cfg, i, known, sizeof known); i++)
		if (type && strcasecmp(type, known) == 0) {
			text_copy(t, sizeof t, known);
			ok = 1;
		}
	if (!ok)
		return msg_fail(m, STATUS_INVALID,
				"'%s' is not an encounter type here (see [clinical] encounter_types).",
				type ? type : "");
	if (!provider || !*provider)
		return msg_fail(m, STATUS_INVALID, "Choose the provider.");
	if ((ret = db_user_each(s->c->db, provider_check, probe, m)) != STATUS_OK)
		return ret;
	if (!probe[1])
		return msg_fail(m, STATUS_INVALID, "%s is not an active provider.", provider);
	if ((ret = clean_free_text("Location", location, 0, 60, 1, loc, sizeof loc, m)) != STATUS_OK)
		return ret;
	if ((ret = clean_free_text("Reason for visit", reason, 0, 400, 0, why, sizeof why, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	memset(&e, 0, sizeof e);
	crypto_random_id(e.id);
	e.prow = prow;
	core_now(e.start);
	if (when && *when &&
	    (ret = service_time(s->c->cfg->clinic_tz, when, e.start, m)) != STATUS_OK)
		return ret;
	text_copy(e.type, sizeof e.type, t);
	text_copy(e.provider, sizeof e.provider, provider);
	text_copy(e.status, sizeof e.status, "open");
	text_copy(e.coding_status, sizeof e.coding_status, "uncoded");
	core_now(e.created);
	text_copy(e.created_by, sizeof e.created_by, s->user.name);
	encounter_site(s->c->cfg, loc, e.site, sizeof e.site);
	text_copy(e.provider_ref, sizeof e.provider_ref, provider_ref ? provider_ref : "");
	text_copy(e.source, sizeof e.source, source ? source : "");
	if ((ret = write_begin(s, prow, &ch, m)) != STATUS_OK)
		goto done;
	if ((ret = db_row_next(s->c->db, DB_CT_ENCOUNTERS, &e.erow, m)) != STATUS_OK ||
	    (ret = chart_add_encounter(&ch, e.erow, e.id, m)) != STATUS_OK)
		goto done;
	/* The location is typed by staff: encrypted under the demo key, which
	 * the front desk that writes it holds. */
	if ((ret = chart_seal_text(s, &ch, DOMAIN_DEMO, "encounters", "location", e.id, e.id, loc,
				   &locb, &loclen, m)) != STATUS_OK)
		goto done;
	e.location_ct.p = locb;
	e.location_ct.n = loclen;
	if (*why) {
		crypto_bind_t bind = {"encounters", "reason", e.id, ch.pid, e.id, NULL};
		int pkv = 0;
		if ((ret = seal_pk(s, pk, &pkv, m)) == STATUS_OK)
			ret = crypto_seal_text_version(pk, pkv, &bind, why, &blob, &blen, m);
		if (ret != STATUS_OK)
			goto done;
		e.reason.p = blob;
		e.reason.n = blen;
	}
	if ((ret = rowmac_encounter(s, &ch, &e, mac, m)) != STATUS_OK ||
	    (ret = rowmac_coding(s, &ch, e.erow, e.coding_status, NULL, 0, NULL, 0, cmac, m)) !=
		    STATUS_OK)
		goto done;
	e.mac.p = mac;
	e.mac.n = sizeof mac;
	e.coding_mac.p = cmac;
	e.coding_mac.n = sizeof cmac;
	if ((ret = db_encounter_insert(s->c->db, &e, m)) == STATUS_OK &&
	    (ret = chart_put(&ch, DB_CT_ENCOUNTERS, e.erow, mac, m)) == STATUS_OK &&
	    (ret = chart_put(&ch, DB_CT_CODING, e.erow, cmac, m)) == STATUS_OK &&
	    (ret = chart_store(s, &ch, m)) == STATUS_OK) {
		char detail[96];
		snprintf(detail, sizeof detail, "encounter %lld checked in", (long long)e.erow);
		ret = chart_audit(s, &ch, "encounter_checkin", detail, m);
	}
done:
	free(blob);
	free(locb);
	sodium_memzero(why, sizeof why);
	sodium_memzero(loc, sizeof loc);
	if ((ret = write_end(s, &ch, pid, ret, m)) == STATUS_OK) {
		*erow = e.erow;
		msg_set(m, "Checked in: encounter %lld (%s with %s).", (long long)e.erow, t, provider);
	}
	return ret;
}

status_t encounter_close(session_t *s, int64_t erow, msg_t *m)
{
	return encounter_close_at(s, erow, NULL, m);
}

status_t encounter_close_at(session_t *s, int64_t erow, const char *when, msg_t *m)
{
	status_t ret;
	enc_held_t x;
	chart_t ch;
	int64_t prow;
	char pid[33] = "", at[24], detail[64];
	unsigned char mac[INTEGRITY_MAC_LEN];
	memset(&x, 0, sizeof x);
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_ENCOUNTER_CLOSE, m)) != STATUS_OK)
		return ret;
	core_now(at);
	if (when && *when && (ret = service_time(s->c->cfg->clinic_tz, when, at, m)) != STATUS_OK)
		return ret;
	if ((ret = encounter_prow(s, erow, &prow, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = write_begin(s, prow, &ch, m)) != STATUS_OK ||
	    (ret = encounter_read(s, &ch, erow, &x, m)) != STATUS_OK)
		goto done;
	if (strcmp(x.e.status, "open") != 0) {
		ret = msg_fail(m, STATUS_CONFLICT, "Encounter %lld is not open.", (long long)erow);
		goto done;
	}
	if (strcmp(at, x.e.start) < 0) {
		char started[TZ_TEXT_MAX];
		tz_format(s->c->cfg->clinic_tz, x.e.start, 0, started, sizeof started);
		ret = msg_fail(m, STATUS_INVALID,
		               "Encounter %lld cannot close before it started (%s).",
		               (long long)erow, started);
		goto done;
	}
	text_copy(x.e.status, sizeof x.e.status, "closed");
	text_copy(x.e.closed_at, sizeof x.e.closed_at, at);
	text_copy(x.e.closed_by, sizeof x.e.closed_by, s->user.name);
	if ((ret = rowmac_encounter(s, &ch, &x.e, mac, m)) != STATUS_OK)
		goto done;
	ret = db_encounter_close(s->c->db, erow, at, s->user.name, mac, sizeof mac, m);
	if (ret == STATUS_OK && (ret = chart_put(&ch, DB_CT_ENCOUNTERS, erow, mac, m)) == STATUS_OK &&
	    (ret = chart_store(s, &ch, m)) == STATUS_OK) {
		snprintf(detail, sizeof detail, "encounter %lld closed", (long long)erow);
		ret = chart_audit(s, &ch, "encounter_close", detail, m);
	}
done:
	held_free(&x.h);
	if ((ret = write_end(s, &ch, pid, ret, m)) == STATUS_OK)
		msg_set(m, "Encounter %lld closed.", (long long)erow);
	return ret;
}

status_t encounter_get(session_t *s, int64_t erow, encounter_info_t *out, msg_t *m)
{
	status_t ret;
	enc_held_t x;
	chart_t ch;
	int64_t prow;
	char pid[33] = "";
	int reading = 0;
	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = encounter_prow(s, erow, &prow, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = read_begin(s, prow, &ch, &reading, m)) == STATUS_OK &&
	    (ret = encounter_read(s, &ch, erow, &x, m)) == STATUS_OK)
		ret = enc_fill(s, &ch, &x.e, out, m);
	held_free(&x.h);
	return read_end(s, &ch, pid, reading, ret, m);
}

/* The encounters are decrypted into a list inside the snapshot and handed
 * out after it ends: a caller may read each encounter's notes from its
 * callback (chart show does), which opens snapshots and writes audit
 * entries of its own. */
struct enc_list {
	session_t *s;
	chart_t *ch;
	encounter_info_t *v;
	int n, cap;
	status_t ret;
	msg_t *m;
};

static int enc_each(const db_encounter_t *e, void *arg)
{
	struct enc_list *l = arg;
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		encounter_info_t *nv = malloc((size_t)cap * sizeof *nv);
		if (!nv) {
			l->ret = msg_fail(l->m, STATUS_NOMEM, "Out of memory.");
			return 1;
		}
		if (l->v) {
			memcpy(nv, l->v, (size_t)l->n * sizeof *nv);
			sodium_memzero(l->v, (size_t)l->n * sizeof *l->v);
			free(l->v);
		}
		l->v = nv;
		l->cap = cap;
	}
	if ((l->ret = enc_fill(l->s, l->ch, e, &l->v[l->n], l->m)) != STATUS_OK)
		return 1;
	l->n++;
	return 0;
}

status_t encounter_list(session_t *s, const char *patient,
			int (*fn)(const encounter_info_t *e, void *arg), void *arg, msg_t *m)
{
	status_t ret;
	int64_t prow;
	char pid[33];
	struct enc_list l;
	chart_t ch;
	int reading = 0;
	memset(&ch, 0, sizeof ch);
	memset(&l, 0, sizeof l);
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_view(s, pid, "encounters", m)) != STATUS_OK)
		return ret;
	l.s = s;
	l.ch = &ch;
	l.m = m;
	if ((ret = read_begin(s, prow, &ch, &reading, m)) == STATUS_OK &&
	    (ret = chart_verify(s, &ch, DB_CT_ENCOUNTERS, m)) == STATUS_OK &&
	    (ret = db_encounter_list(s->c->db, prow, enc_each, &l, m)) == STATUS_OK)
		ret = l.ret;
	ret = read_end(s, &ch, pid, reading, ret, m);
	for (int i = 0; ret == STATUS_OK && i < l.n; i++)
		if (fn(&l.v[i], arg))
			break;
	if (l.v) {
		sodium_memzero(l.v, (size_t)l.cap * sizeof *l.v);
		free(l.v);
	}
	return ret;
}

/* ---- vitals ----------------------------------------------------------- */

/* Parse a number with an optional unit suffix. Returns 0, or -1 if not a
 * number; *unit gets the suffix folded to lower case without spaces. */
static int parse_measure(const char *in, double *v, char *unit, size_t usize)
{
	char *end;
	size_t o = 0;
	while (*in == ' ')
		in++;
	if (!*in)
		return -1;
	*v = strtod(in, &end);
	if (end == in || !isfinite(*v))
		return -1;
	for (; *end && o + 1 < usize; end++)
		if (*end != ' ' && *end != '.')
			unit[o++] = (char)tolower((unsigned char)*end);
	unit[o] = '\0';
	return *end ? -1 : 0;
}

static status_t range_check(const char *label, double v, double lo, double hi, const char *unit,
			    msg_t *m)
{
	if (v < lo || v > hi)
		return msg_fail(m, STATUS_INVALID, "%s %g%s is not plausible (%g to %g%s); check it.",
				label, v, unit, lo, hi, unit);
	return STATUS_OK;
}

static status_t parse_int_field(const char *label, const char *in, int lo, int hi, int *out,
				msg_t *m)
{
	double v;
	char unit[16];
	if (parse_measure(in, &v, unit, sizeof unit) != 0 || (*unit && strcmp(unit, "%") != 0 &&
							      strcmp(unit, "bpm") != 0 &&
							      strcmp(unit, "/min") != 0) ||
	    v != floor(v))
		return msg_fail(m, STATUS_INVALID, "%s '%s' is not a whole number.", label, in);
	if (range_check(label, v, lo, hi, "", m) != STATUS_OK)
		return STATUS_INVALID;
	*out = (int)v;
	return STATUS_OK;
}

/* The newest recorded height (rows come newest first). */
static int last_height(const db_vitals_t *v, void *arg)
{
	if (v->height_cm <= 0)
		return 0;
	*(double *)arg = v->height_cm;
	return 1;
}

status_t vitals_record(session_t *s, int64_t erow, const vitals_input_t *in, const char **bad,
		       msg_t *m)
{
	return vitals_record_at(s, erow, in, NULL, bad, m);
}

/* "YYYY-MM-DDTHH:MM:SSZ", a real date and time, not after now. */
static int taken_valid(const char *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	char day[11], iso[DATE_ISO_SIZE], now[24];
	int hh, mi, ss;
	if (strlen(t) != sizeof shape - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)t[i]) : t[i] != shape[i])
			return 0;
	memcpy(day, t, 10);
	day[10] = 0;
	if (date_parse(day, NULL, NULL, iso) != DATE_OK)
		return 0;
	hh = atoi(t + 11);
	mi = atoi(t + 14);
	ss = atoi(t + 17);
	if (hh > 23 || mi > 59 || ss > 59)
		return 0;
	core_now(now);
	return strcmp(t, now) <= 0;
}

status_t vitals_record_at(session_t *s, int64_t erow, const vitals_input_t *in, const char *taken,
			  const char **bad, msg_t *m)
{
	status_t ret;
	db_vitals_t v;
	enc_held_t eh;
	chart_t ch;
	int64_t prow;
	char pid[33] = "", unit[16], detail[200];
	unsigned char mac[INTEGRITY_MAC_LEN];
	double x;
	const config_t *cfg = s->c->cfg;
	int any = 0;

	*bad = NULL;
	memset(&eh, 0, sizeof eh);
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_VITALS_RECORD, m)) != STATUS_OK)
		return ret;
	if (taken && *taken && !taken_valid(taken)) {
		*bad = "taken";
		return msg_fail(m, STATUS_INVALID,
				"Time taken must be a past UTC time, YYYY-MM-DDTHH:MM:SSZ.");
	}
	memset(&v, 0, sizeof v);
	v.systolic = v.diastolic = v.pulse = v.resp = v.spo2 = -1;
	v.temp_c = v.height_cm = v.weight_kg = v.bmi = -1;
#define EMPTY(p) (!(p) || !*(p))
	if (!EMPTY(in->bp)) {
		int sy, di, n = 0;
		*bad = "bp";
		if (sscanf(in->bp, " %d / %d %n", &sy, &di, &n) != 2 || in->bp[n])
			return msg_fail(m, STATUS_INVALID,
					"Blood pressure '%s' must be systolic/diastolic, e.g. 120/80.",
					in->bp);
		if (range_check("Systolic pressure", sy, 50, 300, "", m) != STATUS_OK ||
		    range_check("Diastolic pressure", di, 20, 200, "", m) != STATUS_OK)
			return STATUS_INVALID;
		if (di >= sy)
			return msg_fail(m, STATUS_INVALID,
					"Blood pressure %d/%d: the diastolic must be below the "
					"systolic.",
					sy, di);
		v.systolic = sy;
		v.diastolic = di;
		any = 1;
	}
	if (!EMPTY(in->pulse)) {
		*bad = "pulse";
		if (parse_int_field("Pulse", in->pulse, 20, 250, &v.pulse, m) != STATUS_OK)
			return STATUS_INVALID;
		any = 1;
	}
	if (!EMPTY(in->resp)) {
		*bad = "resp";
		if (parse_int_field("Respiratory rate", in->resp, 4, 80, &v.resp, m) != STATUS_OK)
			return STATUS_INVALID;
		any = 1;
	}
	if (!EMPTY(in->spo2)) {
		*bad = "spo2";
		if (parse_int_field("SpO2", in->spo2, 50, 100, &v.spo2, m) != STATUS_OK)
			return STATUS_INVALID;
		any = 1;
	}
	if (!EMPTY(in->temp)) {
		int f;
		*bad = "temp";
		if (parse_measure(in->temp, &x, unit, sizeof unit) != 0 ||
		    (*unit && strcmp(unit, "f") && strcmp(unit, "c") && strcmp(unit, "°f") &&
		     strcmp(unit, "°c")))
			return msg_fail(m, STATUS_INVALID,
					"Temperature '%s' must be a number, optionally with F or C.",
					in->temp);
		f = *unit ? (strchr(unit, 'f') != NULL) : cfg->temp_fahrenheit;
		if (f && range_check("Temperature", x, 85, 110, "F", m) != STATUS_OK)
			return STATUS_INVALID;
		if (!f && range_check("Temperature", x, 29.5, 43.5, "C", m) != STATUS_OK)
			return STATUS_INVALID;
		v.temp_c = f ? (x - 32) * 5 / 9 : x;
		any = 1;
	}
	if (!EMPTY(in->height)) {
		int ft, inch, n = 0;
		*bad = "height";
		if (sscanf(in->height, " %d'%d%n", &ft, &inch, &n) == 2 &&
		    (in->height[n] == '"' || in->height[n] == '\0' ||
		     (in->height[n] == '\'' && in->height[n + 1] == '\''))) {
			x = ft * 12 + inch;
			if (inch > 11)
				return msg_fail(m, STATUS_INVALID, "Height %s: inches must be 0 to 11.",
						in->height);
			strcpy(unit, "in");
		} else if (parse_measure(in->height, &x, unit, sizeof unit) != 0 ||
			   (*unit && strcmp(unit, "in") && strcmp(unit, "cm") && strcmp(unit, "\""))) {
			return msg_fail(m, STATUS_INVALID,
					"Height '%s' must be a number in inches or cm (70in, 178cm, "
					"5'10\").",
					in->height);
		}
		if (strcmp(unit, "cm") == 0 || (!*unit && !cfg->height_inches)) {
			if (range_check("Height", x, 25, 250, " cm", m) != STATUS_OK)
				return STATUS_INVALID;
			v.height_cm = x;
		} else {
			if (range_check("Height", x, 10, 100, " in", m) != STATUS_OK)
				return STATUS_INVALID;
			v.height_cm = x * 2.54;
		}
		any = 1;
	}
	if (!EMPTY(in->weight)) {
		*bad = "weight";
		if (parse_measure(in->weight, &x, unit, sizeof unit) != 0 ||
		    (*unit && strcmp(unit, "lb") && strcmp(unit, "lbs") && strcmp(unit, "kg")))
			return msg_fail(m, STATUS_INVALID,
					"Weight '%s' must be a number in lb or kg.", in->weight);
		if (strcmp(unit, "kg") == 0 || (!*unit && !cfg->weight_pounds)) {
			if (range_check("Weight", x, 0.3, 450, " kg", m) != STATUS_OK)
				return STATUS_INVALID;
			v.weight_kg = x;
		} else {
			if (range_check("Weight", x, 0.6, 1000, " lb", m) != STATUS_OK)
				return STATUS_INVALID;
			v.weight_kg = x * 0.45359237;
		}
		any = 1;
	}
#undef EMPTY
	*bad = NULL;
	if (!any)
		return msg_fail(m, STATUS_INVALID, "Enter at least one vital sign.");
	if ((ret = encounter_prow(s, erow, &prow, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = write_begin(s, prow, &ch, m)) != STATUS_OK ||
	    (ret = encounter_read(s, &ch, erow, &eh, m)) != STATUS_OK)
		goto done;
	/* BMI from this height or the latest one recorded, read from the
	 * chart as checked. */
	if (v.weight_kg > 0) {
		double h = v.height_cm;
		if (h < 0 && (ret = chart_verify(s, &ch, DB_CT_VITALS, m)) == STATUS_OK)
			ret = db_vitals_list(s->c->db, prow, -1, last_height, &h, m);
		if (ret != STATUS_OK)
			goto done;
		if (h > 0)
			v.bmi = round(v.weight_kg / ((h / 100) * (h / 100)) * 10) / 10;
	}
	if ((ret = db_row_next(s->c->db, DB_CT_VITALS, &v.vrow, m)) != STATUS_OK)
		goto done;
	crypto_random_id(v.id);
	v.erow = erow;
	v.prow = prow;
	if (taken && *taken)
		text_copy(v.taken, sizeof v.taken, taken);
	else
		core_now(v.taken);
	text_copy(v.recorded_by, sizeof v.recorded_by, s->user.name);
	if ((ret = rowmac_vitals(s, &ch, &v, mac, m)) != STATUS_OK)
		goto done;
	v.mac.p = mac;
	v.mac.n = sizeof mac;
	if ((ret = db_vitals_insert(s->c->db, &v, m)) == STATUS_OK &&
	    (ret = chart_put(&ch, DB_CT_VITALS, v.vrow, mac, m)) == STATUS_OK &&
	    (ret = chart_store(s, &ch, m)) == STATUS_OK) {
		snprintf(detail, sizeof detail, "vitals on encounter %lld", (long long)erow);
		ret = chart_audit(s, &ch, "vitals_record", detail, m);
	}
done:
	held_free(&eh.h);
	if ((ret = write_end(s, &ch, pid, ret, m)) == STATUS_OK)
		msg_set(m, "Vitals saved%s.", v.bmi > 0 ? " (BMI computed)" : "");
	return ret;
}

struct vit_list {
	int (*fn)(const vitals_row_t *v, void *arg);
	void *arg;
};

static int vit_each(const db_vitals_t *v, void *arg)
{
	struct vit_list *l = arg;
	vitals_row_t r;
	memset(&r, 0, sizeof r);
	r.vrow = v->vrow;
	r.erow = v->erow;
	text_copy(r.taken, sizeof r.taken, v->taken);
	text_copy(r.recorded_by, sizeof r.recorded_by, v->recorded_by);
	r.systolic = v->systolic;
	r.diastolic = v->diastolic;
	r.pulse = v->pulse;
	r.resp = v->resp;
	r.spo2 = v->spo2;
	r.temp_c = v->temp_c;
	r.height_cm = v->height_cm;
	r.weight_kg = v->weight_kg;
	r.bmi = v->bmi;
	return l->fn(&r, l->arg);
}

status_t vitals_list(session_t *s, const char *patient, int limit,
		     int (*fn)(const vitals_row_t *v, void *arg), void *arg, msg_t *m)
{
	status_t ret;
	int64_t prow;
	char pid[33];
	struct vit_list l = {fn, arg};
	chart_t ch;
	int reading = 0;
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_view(s, pid, "vitals", m)) != STATUS_OK)
		return ret;
	if ((ret = read_begin(s, prow, &ch, &reading, m)) == STATUS_OK &&
	    (ret = chart_verify(s, &ch, DB_CT_VITALS, m)) == STATUS_OK)
		ret = db_vitals_list(s->c->db, prow, limit, vit_each, &l, m);
	return read_end(s, &ch, pid, reading, ret, m);
}

/* ---- allergies, medications, problems ---------------------------------- */

static const char *const severities[] = {"mild", "moderate", "severe", "unknown", NULL};
static const char *const routes[] = {"PO",      "IV",    "IM",         "SC",   "SL",
				     "PR",      "topical", "inhaled",  "nasal", "ophthalmic",
				     "otic",    "transdermal", "other", NULL};
static const char *const item_tables[] = {"allergies", "medications", "problems",
					  "procedure_history"};
static const char *const item_names[] = {"allergy", "medication", "problem", "procedure"};

int medication_route_valid(const char *route)
{
	return route && one_of(route, routes) >= 0;
}

/* ICD-10-CM shape: letter, digit, letter-or-digit, then up to 4 more
 * letters or digits after an optional dot. Stored without the dot. */
static int icd10_shape(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = in; *p; p++) {
		if (*p == '.' && o == 3)
			continue;
		if (!isalnum((unsigned char)*p) || o + 1 >= size)
			return 0;
		out[o++] = (char)toupper((unsigned char)*p);
	}
	out[o] = '\0';
	return o >= 3 && o <= 7 && isalpha((unsigned char)out[0]) && isdigit((unsigned char)out[1]) &&
	       isalnum((unsigned char)out[2]);
}

/* A SNOMED CT concept id: 6 to 18 digits, no leading zero, the partition
 * of a concept (00 or 10: the second and third digits from the right) and
 * a valid Verhoeff check digit (so a mistyped digit is caught). Stored as
 * the digits: an ICD-10-CM code always starts with a letter. */
int clinical_snomed_valid(const char *code)
{
	static const unsigned char d[10][10] = {
	    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
	    {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
	    {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
	    {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
	    {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
	static const unsigned char p[8][10] = {
	    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
	    {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
	    {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
	    {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
	size_t n = code ? strlen(code) : 0;
	int c = 0;
	if (n < 6 || n > 18 || code[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)code[i]))
			return 0;
	if (code[n - 2] != '0' || (code[n - 3] != '0' && code[n - 3] != '1'))
		return 0;
	for (size_t i = 0; i < n; i++)
		c = d[c][p[i % 8][code[n - 1 - i] - '0']];
	return c == 0;
}

/* Set the "no known allergies" statement (nka 0 or 1) with its MAC, in
 * the chart's write transaction, after checking the one it replaces. */
static status_t nka_write(session_t *s, chart_t *ch, int nka, const char *when, msg_t *m)
{
	db_nka_t n;
	status_t ret = db_nka_get(s->c->db, ch->prow, &n, m);
	if (ret == STATUS_OK)
		ret = chart_verify_nka(s, ch, &n, m);
	if (ret != STATUS_OK)
		return ret;
	n.nka = nka;
	text_copy(n.reviewed, sizeof n.reviewed, when);
	text_copy(n.reviewed_by, sizeof n.reviewed_by, s->user.name);
	n.toolong = 0;
	n.mac_len = INTEGRITY_MAC_LEN;
	if ((ret = rowmac_nka(s, ch, &n, n.mac, m)) == STATUS_OK &&
	    (ret = db_nka_set(s->c->db, &n, m)) == STATUS_OK)
		ret = chart_put(ch, DB_CT_ALLERGY_REVIEW, ch->prow, n.mac, m);
	return ret;
}

/* Insert an allergy, medication or problem: texts a, b, c (b and c may be
 * NULL or "") encrypted under clin and bound to the chart. */
static status_t item_insert(session_t *s, const char *patient, db_item_t *it, const char *a,
			    const char *b, const char *c, int64_t *row, msg_t *m)
{
	static const db_chart_table_t tables[] = {DB_CT_ALLERGIES, DB_CT_MEDICATIONS,
						  DB_CT_PROBLEMS, DB_CT_PROCEDURES};
	status_t ret;
	int64_t prow;
	chart_t ch;
	char pid[33] = "", detail[96];
	unsigned char mac[INTEGRITY_MAC_LEN];
	const char *table = item_tables[it->kind];
	memset(&ch, 0, sizeof ch);
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	crypto_random_id(it->id);
	it->prow = prow;
	core_now(it->recorded);
	text_copy(it->recorded_by, sizeof it->recorded_by, s->user.name);
	if (it->kind == DB_ALLERGY) {
		text_copy(it->updated, sizeof it->updated, it->recorded);
		text_copy(it->updated_by, sizeof it->updated_by, it->recorded_by);
	}
	if ((ret = write_begin(s, prow, &ch, m)) != STATUS_OK ||
	    (ret = db_row_next(s->c->db, tables[it->kind], &it->row, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = clin_seal(s, &ch, table, "a", it->id, NULL, a, &it->a, m)) != STATUS_OK)
		goto cleanup;
	if (b && *b && (ret = clin_seal(s, &ch, table, "b", it->id, NULL, b, &it->b, m)) != STATUS_OK)
		goto cleanup;
	if (c && *c && (ret = clin_seal(s, &ch, table, "c", it->id, NULL, c, &it->c, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = rowmac_item(s, &ch, it, mac, m)) != STATUS_OK)
		goto cleanup;
	it->mac.p = mac;
	it->mac.n = sizeof mac;
	ret = db_item_insert(s->c->db, it, m);
	if (ret == STATUS_OK)
		ret = chart_put(&ch, tables[it->kind], it->row, mac, m);
	/* Recording an allergy withdraws "no known allergies". */
	if (ret == STATUS_OK && it->kind == DB_ALLERGY)
		ret = nka_write(s, &ch, 0, it->recorded, m);
	if (ret == STATUS_OK)
		ret = chart_store(s, &ch, m);
	snprintf(detail, sizeof detail, "%s %lld added", item_names[it->kind], (long long)it->row);
	if (ret == STATUS_OK)
		ret = chart_audit(s, &ch, "chart_add", detail, m);
cleanup:
	free((void *)it->a.p);
	free((void *)it->b.p);
	free((void *)it->c.p);
	it->a.p = it->b.p = it->c.p = NULL;
	it->mac.p = NULL;
	if ((ret = write_end(s, &ch, pid, ret, m)) == STATUS_OK) {
		*row = it->row;
		msg_set(m, "Saved %s %lld.", item_names[it->kind], (long long)it->row);
	}
	return ret;
}

status_t allergy_add(session_t *s, const char *patient, const char *substance,
		     const char *reaction, const char *severity, int64_t *row, msg_t *m)
{
	status_t ret;
	db_item_t it;
	char a[CLIN_TEXT_MAX], b[CLIN_TEXT_MAX];
	int sev;
	*row = 0;
	if ((ret = session_require(s, ACT_ALLERGY_RECORD, m)) != STATUS_OK)
		return ret;
	if ((ret = clean_free_text("Substance", substance, 0, 120, 1, a, sizeof a, m)) != STATUS_OK ||
	    (ret = clean_free_text("Reaction", reaction, 0, 200, 0, b, sizeof b, m)) != STATUS_OK)
		return ret;
	sev = one_of(severity && *severity ? severity : "unknown", severities);
	if (sev < 0)
		return msg_fail(m, STATUS_INVALID,
				"Severity must be mild, moderate, severe or unknown.");
	memset(&it, 0, sizeof it);
	it.kind = DB_ALLERGY;
	text_copy(it.code, sizeof it.code, severities[sev]);
	text_copy(it.status, sizeof it.status, "active");
	return item_insert(s, patient, &it, a, b, NULL, row, m);
}

static int count_active(const db_item_t *it, void *arg)
{
	if (strcmp(it->status, "active") == 0)
		(*(int *)arg)++;
	return 0;
}

status_t allergy_none_known(session_t *s, const char *patient, msg_t *m)
{
	status_t ret;
	int64_t prow;
	chart_t ch;
	char pid[33] = "", when[24];
	int active = 0;
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_ALLERGY_RECORD, m)) != STATUS_OK)
		return ret;
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = write_begin(s, prow, &ch, m)) == STATUS_OK &&
	    (ret = chart_verify(s, &ch, DB_CT_ALLERGIES, m)) == STATUS_OK)
		ret = db_item_list(s->c->db, DB_ALLERGY, prow, count_active, &active, m);
	if (ret == STATUS_OK && active)
		ret = msg_fail(m, STATUS_INVALID,
			       "The patient has %d active allerg%s; mark them inactive or entered "
			       "in error before recording no known allergies.",
			       active, active == 1 ? "y" : "ies");
	core_now(when);
	if (ret == STATUS_OK)
		ret = nka_write(s, &ch, 1, when, m);
	if (ret == STATUS_OK)
		ret = chart_store(s, &ch, m);
	if (ret == STATUS_OK)
		ret = chart_audit(s, &ch, "chart_add", "no known allergies", m);
	if ((ret = write_end(s, &ch, pid, ret, m)) == STATUS_OK)
		msg_set(m, "Recorded: no known allergies.");
	return ret;
}

static int valid_iso_or_empty(const session_t *s, const char *in, char out[24], msg_t *m,
			      const char *label)
{
	char today[DATE_ISO_SIZE];
	out[0] = '\0';
	if (!in || !*in)
		return 1;
	/* The same date rules as a date of death: real, not in the future,
	 * not before 1880. */
	tz_today(s->c->cfg->clinic_tz, today);
	return date_parse_msg(label, in, "1880-01-01", today, out, m) == STATUS_OK;
}

status_t medication_add(session_t *s, const char *patient, const char *name, const char *dose,
			const char *route, const char *frequency, const char *start, int64_t *row,
			msg_t *m)
{
	status_t ret;
	db_item_t it;
	char a[CLIN_TEXT_MAX], b[CLIN_TEXT_MAX], freq[48];
	int r;
	*row = 0;
	if ((ret = session_require(s, ACT_MEDICATION_RECORD, m)) != STATUS_OK)
		return ret;
	if ((ret = clean_free_text("Medication", name, 0, 120, 1, a, sizeof a, m)) != STATUS_OK ||
	    (ret = clean_free_text("Dose", dose, 0, 80, 0, b, sizeof b, m)) != STATUS_OK ||
	    (ret = clean_free_text("Frequency", frequency, 0, 40, 1, freq, sizeof freq, m)) !=
		    STATUS_OK)
		return ret;
	r = one_of(route ? route : "", routes);
	if (r < 0)
		return msg_fail(m, STATUS_INVALID,
				"Route must be one of PO, IV, IM, SC, SL, PR, topical, inhaled, "
				"nasal, ophthalmic, otic, transdermal, other.");
	memset(&it, 0, sizeof it);
	it.kind = DB_MEDICATION;
	if (!valid_iso_or_empty(s, start, it.date1, m, "Start date"))
		return STATUS_INVALID;
	text_copy(it.code, sizeof it.code, routes[r]);
	text_copy(it.status, sizeof it.status, "active");
	/* The frequency is free text ("q6h PRN, with food"): encrypted as c. */
	return item_insert(s, patient, &it, a, b, freq, row, m);
}

status_t problem_add(session_t *s, const char *patient, const char *code,
		     const char *description, const char *onset, int64_t *row, msg_t *m)
{
	status_t ret;
	db_item_t it;
	char a[CLIN_TEXT_MAX];
	*row = 0;
	if ((ret = session_require(s, ACT_PROBLEM_RECORD, m)) != STATUS_OK)
		return ret;
	if ((ret = clean_free_text("Problem", description, 0, 250, 1, a, sizeof a, m)) != STATUS_OK)
		return ret;
	memset(&it, 0, sizeof it);
	it.kind = DB_PROBLEM;
	if (code && *code && strspn(code, "0123456789") == strlen(code)) {
		/* A SNOMED CT concept (Synthea's conditions, other systems'
		 * problem lists): kept with its description as typed. */
		if (!clinical_snomed_valid(code))
			return msg_fail(m, STATUS_INVALID,
					"'%s' is not a SNOMED CT concept id (6 to 18 digits ending "
					"in a partition 00 or 10 and a check digit, e.g. 44054006).",
					code);
		text_copy(it.code, sizeof it.code, code);
	} else if (code && *code && !icd10_shape(code, it.code, sizeof it.code)) {
		return msg_fail(m, STATUS_INVALID,
				"'%s' is not an ICD-10-CM code (a letter, two digits, then up to "
				"four more, e.g. E11.9) or a SNOMED CT concept id (digits, e.g. "
				"44054006).",
				code);
	}
	if (!valid_iso_or_empty(s, onset, it.date1, m, "Onset date"))
		return STATUS_INVALID;
	/* Once an ICD-10-CM code set is loaded, a problem's ICD-10-CM code must
	 * be a billable code of the version in effect today. */
	if (*it.code && !isdigit((unsigned char)it.code[0])) {
		code_hit_t h;
		msg_t why;
		status_t chk = codes_check(s, CS_ICD10CM, it.code, NULL, &h, &why);
		if (chk != STATUS_OK && chk != STATUS_NOTFOUND)
			return msg_fail(m, chk, "%s", why.text);
	}
	text_copy(it.status, sizeof it.status, "active");
	return item_insert(s, patient, &it, a, NULL, NULL, row, m);
}

status_t procedure_add(session_t *s, const char *patient, const char *code,
		       const char *description, const char *performed, int64_t *row, msg_t *m)
{
	status_t ret;
	db_item_t it;
	char a[CLIN_TEXT_MAX];
	*row = 0;
	if ((ret = session_require(s, ACT_PROBLEM_RECORD, m)) != STATUS_OK)
		return ret;
	if ((ret = clean_free_text("Procedure", description, 0, 250, 1, a, sizeof a, m)) !=
	    STATUS_OK)
		return ret;
	if (!code || !clinical_snomed_valid(code))
		return msg_fail(m, STATUS_INVALID,
				"'%.30s' is not a SNOMED CT concept id (6 to 18 digits ending in a "
				"partition 00 or 10 and a check digit, e.g. 73761001).",
				code ? code : "");
	memset(&it, 0, sizeof it);
	it.kind = DB_PROCEDURE;
	text_copy(it.code, sizeof it.code, code);
	if (!valid_iso_or_empty(s, performed, it.date1, m, "Date performed"))
		return STATUS_INVALID;
	text_copy(it.status, sizeof it.status, "completed");
	return item_insert(s, patient, &it, a, NULL, NULL, row, m);
}

static const char *const statuses[4][4] = {
	{"active", "inactive", "entered-in-error", NULL},
	{"active", "stopped", "entered-in-error", NULL},
	{"active", "resolved", "entered-in-error", NULL},
	{"completed", "entered-in-error", NULL, NULL},
};

static int item_prow(const db_item_t *it, void *arg)
{
	*(int64_t *)arg = it->prow;
	return 1;
}

typedef struct item_held {
	held_t h;
	db_item_t it;
} item_held_t;

static int hold_item(const db_item_t *it, void *arg)
{
	item_held_t *x = arg;
	x->it = *it;
	hold(&x->h, &x->it.a);
	hold(&x->h, &x->it.b);
	hold(&x->h, &x->it.c);
	hold(&x->h, &x->it.mac);
	x->h.found = 1;
	return 1;
}

static const db_chart_table_t item_ct[] = {DB_CT_ALLERGIES, DB_CT_MEDICATIONS, DB_CT_PROBLEMS,
					   DB_CT_PROCEDURES};

status_t chart_item_set_status(session_t *s, chart_kind_t kind, int64_t row, const char *status,
			       msg_t *m)
{
	static const action_t need[] = {ACT_ALLERGY_RECORD, ACT_MEDICATION_RECORD,
					ACT_PROBLEM_RECORD, ACT_PROBLEM_RECORD};
	status_t ret;
	int64_t prow = 0;
	item_held_t x;
	chart_t ch;
	char pid[33] = "", when[24], detail[96];
	unsigned char mac[INTEGRITY_MAC_LEN];
	int st;
	memset(&x, 0, sizeof x);
	memset(&ch, 0, sizeof ch);
	if ((unsigned)kind > CHART_PROCEDURE)
		return msg_fail(m, STATUS_INVALID, "Unknown chart section.");
	if ((ret = session_require(s, need[kind], m)) != STATUS_OK)
		return ret;
	st = one_of(status ? status : "", (const char *const *)statuses[kind]);
	if (st < 0 && kind == CHART_PROCEDURE)
		return msg_fail(m, STATUS_INVALID, "Status must be %s or %s.", statuses[kind][0],
				statuses[kind][1]);
	if (st < 0)
		return msg_fail(m, STATUS_INVALID, "Status must be %s, %s or %s.", statuses[kind][0],
				statuses[kind][1], statuses[kind][2]);
	if ((ret = db_item_get(s->c->db, (db_item_kind_t)kind, row, item_prow, &prow, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		return ret;
	core_now(when);
	if ((ret = write_begin(s, prow, &ch, m)) != STATUS_OK ||
	    (ret = db_item_get(s->c->db, (db_item_kind_t)kind, row, hold_item, &x, m)) != STATUS_OK ||
	    (ret = held_status(&x.h, item_names[kind], row, m)) != STATUS_OK ||
	    (ret = chart_verify_item(s, &ch, &x.it, m)) != STATUS_OK)
		goto done;
	text_copy(x.it.status, sizeof x.it.status, statuses[kind][st]);
	if (kind == CHART_MEDICATION && st == 1 && !x.it.date2[0])
		snprintf(x.it.date2, sizeof x.it.date2, "%.10s", when); /* stopped today */
	if (kind == CHART_ALLERGY) {
		text_copy(x.it.updated, sizeof x.it.updated, when);
		text_copy(x.it.updated_by, sizeof x.it.updated_by, s->user.name);
	}
	if ((ret = rowmac_item(s, &ch, &x.it, mac, m)) != STATUS_OK)
		goto done;
	x.it.mac.p = mac;
	x.it.mac.n = sizeof mac;
	if ((ret = db_item_update(s->c->db, &x.it, m)) == STATUS_OK &&
	    (ret = chart_put(&ch, item_ct[kind], row, mac, m)) == STATUS_OK &&
	    (ret = chart_store(s, &ch, m)) == STATUS_OK) {
		snprintf(detail, sizeof detail, "%s %lld -> %s", item_names[kind], (long long)row,
			 statuses[kind][st]);
		ret = chart_audit(s, &ch, "chart_status", detail, m);
	}
done:
	held_free(&x.h);
	if ((ret = write_end(s, &ch, pid, ret, m)) == STATUS_OK)
		msg_set(m, "The %s is now %s.", item_names[kind], statuses[kind][st]);
	return ret;
}

struct item_list {
	session_t *s;
	chart_t *ch;
	int (*fn)(const chart_item_t *it, void *arg);
	void *arg;
	status_t ret;
	msg_t *m;
	chart_item_t out;
};

static void code_display(const char *code, char *out, size_t size)
{
	if (isdigit((unsigned char)code[0]))
		snprintf(out, size, "SNOMED %.18s", code); /* at most 18 digits */
	else if (strlen(code) > 3)
		snprintf(out, size, "%.3s.%s", code, code + 3);
	else
		text_copy(out, size, code);
}

static int item_each(const db_item_t *it, void *arg)
{
	struct item_list *l = arg;
	chart_item_t *o = &l->out;
	const char *table = item_tables[it->kind];
	int r;
	memset(o, 0, sizeof *o);
	o->kind = (chart_kind_t)it->kind;
	o->row = it->row;
	if ((l->ret = clin_open(l->s, l->ch, table, "a", it->row, it->id, NULL, it->a, o->text,
				sizeof o->text, l->m)) != STATUS_OK ||
	    (l->ret = clin_open(l->s, l->ch, table, "b", it->row, it->id, NULL, it->b, o->text2,
				sizeof o->text2, l->m)) != STATUS_OK ||
	    (l->ret = clin_open(l->s, l->ch, table, "c", it->row, it->id, NULL, it->c, o->extra,
				sizeof o->extra, l->m)) != STATUS_OK) {
		sodium_memzero(o, sizeof *o);
		return 1;
	}
	if (!it->c.n && !l->ch->sealed)
		text_copy(o->extra, sizeof o->extra, it->extra); /* not re-sealed yet */
	if (it->kind == DB_PROBLEM || it->kind == DB_PROCEDURE)
		code_display(it->code, o->code, sizeof o->code);
	else
		text_copy(o->code, sizeof o->code, it->code);
	text_copy(o->date1, sizeof o->date1, it->date1);
	text_copy(o->date2, sizeof o->date2, it->date2);
	text_copy(o->status, sizeof o->status, it->status);
	text_copy(o->recorded, sizeof o->recorded, it->recorded);
	text_copy(o->recorded_by, sizeof o->recorded_by, it->recorded_by);
	r = l->fn(o, l->arg);
	sodium_memzero(o, sizeof *o);
	return r;
}

status_t chart_items(session_t *s, const char *patient, chart_kind_t kind,
		     int (*fn)(const chart_item_t *it, void *arg), void *arg, msg_t *m)
{
	static const char *const sections[] = {"allergies", "medications", "problems",
					       "procedures"};
	status_t ret;
	int64_t prow;
	char pid[33];
	struct item_list *l;
	chart_t ch;
	int reading = 0;
	memset(&ch, 0, sizeof ch);
	if ((unsigned)kind > CHART_PROCEDURE)
		return msg_fail(m, STATUS_INVALID, "Unknown chart section.");
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_view(s, pid, sections[kind], m)) != STATUS_OK)
		return ret;
	if (!(l = calloc(1, sizeof *l)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	l->s = s;
	l->ch = &ch;
	l->fn = fn;
	l->arg = arg;
	l->m = m;
	if ((ret = read_begin(s, prow, &ch, &reading, m)) == STATUS_OK &&
	    (ret = chart_verify(s, &ch, item_ct[kind], m)) == STATUS_OK &&
	    (ret = db_item_list(s->c->db, (db_item_kind_t)kind, prow, item_each, l, m)) ==
		    STATUS_OK)
		ret = l->ret;
	free(l);
	return read_end(s, &ch, pid, reading, ret, m);
}

struct banner {
	session_t *s;
	chart_t *ch;
	char *out;
	size_t size, o;
	int n;
	status_t ret;
	msg_t *m;
};

static int banner_each(const db_item_t *it, void *arg)
{
	struct banner *b = arg;
	char sub[CLIN_TEXT_MAX];
	int k;
	if (strcmp(it->status, "active") != 0)
		return 0;
	if ((b->ret = clin_open(b->s, b->ch, "allergies", "a", it->row, it->id, NULL, it->a, sub,
				sizeof sub, b->m)) != STATUS_OK)
		return 1;
	k = snprintf(b->out + b->o, b->size - b->o, "%s%s%s%s%s", b->n ? ", " : "ALLERGIES: ", sub,
		     strcmp(it->code, "unknown") ? " (" : "",
		     strcmp(it->code, "unknown") ? it->code : "",
		     strcmp(it->code, "unknown") ? ")" : "");
	sodium_memzero(sub, sizeof sub);
	if (k > 0 && (size_t)k < b->size - b->o)
		b->o += (size_t)k;
	b->n++;
	return 0;
}

status_t clinical_banner(session_t *s, const char *patient, char *out, size_t size, msg_t *m)
{
	status_t ret;
	int64_t prow;
	char pid[33];
	db_nka_t nka;
	chart_t ch;
	int reading = 0;
	struct banner b = {s, &ch, out, size, 0, 0, STATUS_OK, m};
	memset(&ch, 0, sizeof ch);
	out[0] = '\0';
	if (!session_can(s, ACT_CLINICAL_VIEW))
		return msg_fail(m, STATUS_DENIED, "No clinical access.");
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = read_begin(s, prow, &ch, &reading, m)) == STATUS_OK &&
	    (ret = chart_verify(s, &ch, DB_CT_ALLERGIES, m)) == STATUS_OK &&
	    (ret = chart_verify(s, &ch, DB_CT_ALLERGY_REVIEW, m)) == STATUS_OK &&
	    (ret = db_item_list(s->c->db, DB_ALLERGY, prow, banner_each, &b, m)) == STATUS_OK)
		ret = b.ret;
	if (ret == STATUS_OK && !b.n && (ret = db_nka_get(s->c->db, prow, &nka, m)) == STATUS_OK)
		text_copy(out, size,
			  nka.nka == 1 ? "NKA (no known allergies)" : "Allergies not recorded");
	if (ret != STATUS_OK)
		sodium_memzero(out, size);
	return read_end(s, &ch, pid, reading, ret, m);
}

/* ---- notes ------------------------------------------------------------ */

void note_info_clear(note_info_t *n)
{
	if (!n)
		return;
	crypto_free_plain(n->body, n->body_len);
	memset(n, 0, sizeof *n);
}

typedef struct note_held {
	held_t h;
	db_note_t n;
} note_held_t;

static int hold_note(const db_note_t *n, void *arg)
{
	note_held_t *x = arg;
	x->n = *n;
	hold(&x->h, &x->n.body);
	hold(&x->h, &x->n.mac);
	x->h.found = 1;
	return 1;
}

static int note_prow(const db_note_t *n, void *arg)
{
	*(int64_t *)arg = n->prow;
	return 1;
}

/* Note nrow as stored, checked against the chart. */
static status_t note_read(session_t *s, chart_t *ch, int64_t nrow, note_held_t *x, msg_t *m)
{
	status_t ret;
	memset(x, 0, sizeof *x);
	if ((ret = db_note_get(s->c->db, nrow, hold_note, x, m)) != STATUS_OK ||
	    (ret = held_status(&x->h, "note", nrow, m)) != STATUS_OK)
		return ret;
	return chart_verify_note(s, ch, &x->n, m);
}

/* A note for the UI; its text decrypted when with_body. */
static status_t note_fill(session_t *s, chart_t *ch, const db_note_t *n, int with_body,
			  note_info_t *o, msg_t *m)
{
	status_t ret = STATUS_OK;
	memset(o, 0, sizeof *o);
	o->nrow = n->nrow;
	o->erow = n->erow;
	o->addendum_of = n->addendum_of;
	text_copy(o->author, sizeof o->author, n->author);
	text_copy(o->created, sizeof o->created, n->created);
	text_copy(o->updated, sizeof o->updated, n->updated);
	text_copy(o->status, sizeof o->status, n->status);
	text_copy(o->signed_by, sizeof o->signed_by, n->signed_by);
	text_copy(o->signed_at, sizeof o->signed_at, n->signed_at);
	o->version = n->version;
	if (with_body) {
		char eid[33];
		chart_encounter_id(s, ch, n->erow, eid);
		ret = chart_open_text(s, ch, DOMAIN_CLIN, "notes", "body", n->nrow, n->id, eid,
				      n->body, &o->body, &o->body_len, m);
		if (ret != STATUS_OK)
			note_info_clear(o);
	}
	return ret;
}

static status_t note_text(const char *body, char **out, msg_t *m)
{
	size_t n = body ? strlen(body) : 0;
	char *buf;
	if (n > NOTE_MAX)
		return msg_fail(m, STATUS_INVALID, "The note is too long (at most %d characters).",
				NOTE_MAX);
	if (!(buf = malloc(n + 1)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if (clean_free_text("The note", body, 1, NOTE_MAX, 1, buf, n + 1, m) != STATUS_OK) {
		free(buf);
		return STATUS_INVALID;
	}
	*out = buf;
	return STATUS_OK;
}

status_t note_create(session_t *s, int64_t erow, int64_t addendum_of, const char *body,
		     int64_t *nrow, msg_t *m)
{
	status_t ret;
	db_note_t n;
	note_held_t orig;
	enc_held_t e;
	chart_t ch;
	int64_t prow = 0;
	char pid[33] = "", detail[96], *text = NULL;
	unsigned char mac[INTEGRITY_MAC_LEN];
	db_blob_t blob = {NULL, 0};

	*nrow = 0;
	memset(&orig, 0, sizeof orig);
	memset(&e, 0, sizeof e);
	memset(&ch, 0, sizeof ch);
	memset(&n, 0, sizeof n);
	if ((ret = session_require(s, ACT_NOTE_WRITE, m)) != STATUS_OK)
		return ret;
	if ((ret = note_text(body, &text, m)) != STATUS_OK)
		return ret;
	if (addendum_of &&
	    (ret = db_note_get(s->c->db, addendum_of, note_prow, &prow, m)) != STATUS_OK)
		goto cleanup;
	if (!addendum_of && (ret = encounter_prow(s, erow, &prow, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = write_begin(s, prow, &ch, m)) != STATUS_OK)
		goto done;
	if (addendum_of) {
		if ((ret = note_read(s, &ch, addendum_of, &orig, m)) != STATUS_OK)
			goto done;
		if (strcmp(orig.n.status, "signed") != 0) {
			ret = msg_fail(m, STATUS_INVALID,
				       "Note %lld is still a draft: edit it instead of adding an "
				       "addendum.",
				       (long long)addendum_of);
			goto done;
		}
		if (orig.n.addendum_of) {
			ret = msg_fail(m, STATUS_INVALID,
				       "Note %lld is itself an addendum; add to the original note "
				       "%lld.",
				       (long long)addendum_of, (long long)orig.n.addendum_of);
			goto done;
		}
		erow = orig.n.erow;
	}
	/* The encounter must be this chart's, as stored. */
	if ((ret = encounter_read(s, &ch, erow, &e, m)) != STATUS_OK)
		goto done;
	if ((ret = db_row_next(s->c->db, DB_CT_NOTES, &n.nrow, m)) != STATUS_OK)
		goto done;
	crypto_random_id(n.id);
	n.erow = erow;
	n.prow = prow;
	n.addendum_of = addendum_of;
	text_copy(n.author, sizeof n.author, s->user.name);
	core_now(n.created);
	text_copy(n.updated, sizeof n.updated, n.created);
	text_copy(n.status, sizeof n.status, "draft");
	n.version = 1;
	if ((ret = clin_seal(s, &ch, "notes", "body", n.id, e.e.id, text, &blob, m)) != STATUS_OK)
		goto done;
	n.body = blob;
	if ((ret = rowmac_note(s, &ch, &n, mac, m)) != STATUS_OK)
		goto done;
	n.mac.p = mac;
	n.mac.n = sizeof mac;
	if ((ret = db_note_insert(s->c->db, &n, m)) != STATUS_OK ||
	    (ret = chart_put(&ch, DB_CT_NOTES, n.nrow, mac, m)) != STATUS_OK ||
	    (ret = chart_store(s, &ch, m)) != STATUS_OK)
		goto done;
	if (addendum_of)
		snprintf(detail, sizeof detail, "addendum %lld to note %lld", (long long)n.nrow,
			 (long long)addendum_of);
	else
		snprintf(detail, sizeof detail, "note %lld drafted on encounter %lld",
			 (long long)n.nrow, (long long)erow);
	ret = chart_audit(s, &ch, "note_create", detail, m);
done:
	if ((ret = write_end(s, &ch, pid, ret, m)) == STATUS_OK) {
		*nrow = n.nrow;
		msg_set(m, "%s %lld saved as a draft.", addendum_of ? "Addendum" : "Note",
			(long long)n.nrow);
	}
cleanup:
	held_free(&orig.h);
	held_free(&e.h);
	free((void *)blob.p);
	crypto_free_plain(text, 0);
	return ret;
}

status_t note_save(session_t *s, int64_t nrow, const char *body, int version, msg_t *m)
{
	status_t ret;
	note_held_t x;
	chart_t ch;
	int64_t prow = 0;
	char pid[33] = "", when[24], detail[64], *text = NULL, eid[33];
	unsigned char mac[INTEGRITY_MAC_LEN];
	db_blob_t blob = {NULL, 0};
	memset(&x, 0, sizeof x);
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_NOTE_WRITE, m)) != STATUS_OK)
		return ret;
	if ((ret = db_note_get(s->c->db, nrow, note_prow, &prow, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = note_text(body, &text, m)) != STATUS_OK)
		return ret;
	core_now(when);
	if ((ret = write_begin(s, prow, &ch, m)) != STATUS_OK ||
	    (ret = note_read(s, &ch, nrow, &x, m)) != STATUS_OK)
		goto done;
	if (strcmp(x.n.status, "signed") == 0) {
		char at[TZ_TEXT_MAX];
		tz_format(s->c->cfg->clinic_tz, x.n.signed_at, TZ_SECONDS, at, sizeof at);
		ret = msg_fail(m, STATUS_INVALID,
		               "Note %lld was signed by %s at %s: signed notes cannot be changed; "
		               "add an addendum.",
		               (long long)nrow, x.n.signed_by, at);
		goto done;
	}
	if (strcmp(x.n.author, s->user.name) != 0) {
		ret = msg_fail(m, STATUS_DENIED, "Only %s, who wrote this draft, may change it.",
			       x.n.author);
		goto done;
	}
	if (x.n.version != version) {
		char at[TZ_TEXT_MAX];
		tz_format(s->c->cfg->clinic_tz, x.n.updated, TZ_SECONDS, at, sizeof at);
		ret = msg_fail(m, STATUS_CONFLICT,
		               "Note %lld was saved again at %s since you opened it; reopen it.",
		               (long long)nrow, at);
		goto done;
	}
	chart_encounter_id(s, &ch, x.n.erow, eid);
	if ((ret = clin_seal(s, &ch, "notes", "body", x.n.id, eid, text, &blob, m)) != STATUS_OK)
		goto done;
	x.n.body = blob;
	text_copy(x.n.updated, sizeof x.n.updated, when);
	x.n.version = version + 1;
	if ((ret = rowmac_note(s, &ch, &x.n, mac, m)) != STATUS_OK)
		goto done;
	if ((ret = db_note_update(s->c->db, nrow, blob.p, blob.n, version, when, mac, sizeof mac,
				  m)) == STATUS_OK &&
	    (ret = chart_put(&ch, DB_CT_NOTES, nrow, mac, m)) == STATUS_OK &&
	    (ret = chart_store(s, &ch, m)) == STATUS_OK) {
		snprintf(detail, sizeof detail, "note %lld edited", (long long)nrow);
		ret = chart_audit(s, &ch, "note_edit", detail, m);
	}
done:
	held_free(&x.h);
	free((void *)blob.p);
	crypto_free_plain(text, 0);
	if ((ret = write_end(s, &ch, pid, ret, m)) == STATUS_OK)
		msg_set(m, "Draft %lld saved.", (long long)nrow);
	return ret;
}

status_t note_sign(session_t *s, int64_t nrow, int version, msg_t *m)
{
	status_t ret;
	note_held_t x;
	chart_t ch;
	int64_t prow = 0;
	char pid[33] = "", when[24], detail[64];
	unsigned char mac[INTEGRITY_MAC_LEN];
	int was;
	memset(&x, 0, sizeof x);
	memset(&ch, 0, sizeof ch);
	/* Authentication: a note is signed by its author, whoever may write
	 * notes (a nurse signs her nursing note); another author's draft is
	 * never signed for them (checked against the row as stored, below). */
	if (!session_can(s, ACT_NOTE_SIGN) && !session_can(s, ACT_NOTE_WRITE))
		return session_require(s, ACT_NOTE_SIGN, m);
	if ((ret = db_note_get(s->c->db, nrow, note_prow, &prow, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		return ret;
	core_now(when);
	if ((ret = write_begin(s, prow, &ch, m)) != STATUS_OK ||
	    (ret = note_read(s, &ch, nrow, &x, m)) != STATUS_OK)
		goto done;
	if (strcmp(x.n.status, "signed") == 0) {
		char at[TZ_TEXT_MAX];
		tz_format(s->c->cfg->clinic_tz, x.n.signed_at, TZ_SECONDS, at, sizeof at);
		ret = msg_fail(m, STATUS_INVALID, "Note %lld was already signed by %s at %s.",
		               (long long)nrow, x.n.signed_by, at);
		goto done;
	}
	if (strcmp(x.n.author, s->user.name) != 0) {
		ret = msg_fail(m, STATUS_DENIED,
			       "Only %s, who wrote note %lld, may sign it; once it is signed you "
			       "may countersign it or add an addendum.",
			       x.n.author, (long long)nrow);
		goto done;
	}
	if (version && x.n.version != version) {
		char at[TZ_TEXT_MAX];
		tz_format(s->c->cfg->clinic_tz, x.n.updated, TZ_SECONDS, at, sizeof at);
		ret = msg_fail(m, STATUS_CONFLICT,
		               "Note %lld changed since you read it (saved %s); read it again "
		               "before signing.",
		               (long long)nrow, at);
		goto done;
	}
	was = x.n.version;
	text_copy(x.n.status, sizeof x.n.status, "signed");
	text_copy(x.n.signed_by, sizeof x.n.signed_by, s->user.name);
	text_copy(x.n.signed_at, sizeof x.n.signed_at, when);
	x.n.version = was + 1;
	if ((ret = rowmac_note(s, &ch, &x.n, mac, m)) != STATUS_OK)
		goto done;
	if ((ret = db_note_sign(s->c->db, nrow, was, s->user.name, when, mac, sizeof mac, m)) ==
		    STATUS_OK &&
	    (ret = chart_put(&ch, DB_CT_NOTES, nrow, mac, m)) == STATUS_OK &&
	    (ret = chart_store(s, &ch, m)) == STATUS_OK) {
		snprintf(detail, sizeof detail, "note %lld signed", (long long)nrow);
		ret = chart_audit(s, &ch, "note_sign", detail, m);
	}
done:
	held_free(&x.h);
	if ((ret = write_end(s, &ch, pid, ret, m)) == STATUS_OK)
		msg_set(m, "Note %lld signed by %s.", (long long)nrow, s->user.name);
	return ret;
}

struct author_ctx {
	char author[72];
	int addendum;
};

static int note_author(const db_note_t *n, void *arg)
{
	struct author_ctx *a = arg;
	text_copy(a->author, sizeof a->author, n->author);
	a->addendum = n->addendum_of != 0;
	return 1;
}

status_t note_countersign(session_t *s, int64_t nrow, int64_t *addendum, msg_t *m)
{
	status_t ret;
	struct author_ctx a;
	char text[128];
	int64_t add = 0;
	*addendum = 0;
	memset(&a, 0, sizeof a);
	if ((ret = session_require(s, ACT_NOTE_SIGN, m)) != STATUS_OK)
		return ret;
	if ((ret = db_note_get(s->c->db, nrow, note_author, &a, m)) != STATUS_OK)
		return ret;
	if (!a.author[0])
		return msg_fail(m, STATUS_NOTFOUND, "There is no note %lld.", (long long)nrow);
	if (strcmp(a.author, s->user.name) == 0)
		return msg_fail(m, STATUS_INVALID,
				"You wrote note %lld: a countersignature is another clinician's.",
				(long long)nrow);
	if (a.addendum)
		return msg_fail(m, STATUS_INVALID,
				"Note %lld is an addendum; countersign the original note.",
				(long long)nrow);
	snprintf(text, sizeof text, "Countersigned by %s.", s->user.name);
	if ((ret = note_create(s, 0, nrow, text, &add, m)) != STATUS_OK)
		return ret;
	if ((ret = note_sign(s, add, 1, m)) != STATUS_OK)
		return ret;
	*addendum = add;
	msg_set(m, "Note %lld countersigned by %s (addendum %lld).", (long long)nrow, s->user.name,
		(long long)add);
	return STATUS_OK;
}

status_t note_get(session_t *s, int64_t nrow, note_info_t *out, msg_t *m)
{
	status_t ret;
	note_held_t x;
	chart_t ch;
	int64_t prow = 0;
	char pid[33] = "", detail[48];
	int reading = 0;
	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	/* Check access before decrypting anything. */
	if ((ret = db_note_get(s->c->db, nrow, note_prow, &prow, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		return ret;
	snprintf(detail, sizeof detail, "note %lld", (long long)nrow);
	if ((ret = audit_view(s, pid, detail, m)) != STATUS_OK)
		return ret;
	if ((ret = read_begin(s, prow, &ch, &reading, m)) == STATUS_OK &&
	    (ret = note_read(s, &ch, nrow, &x, m)) == STATUS_OK)
		ret = note_fill(s, &ch, &x.n, 1, out, m);
	held_free(&x.h);
	return read_end(s, &ch, pid, reading, ret, m);
}

struct note_list_ctx {
	session_t *s;
	chart_t *ch;
	int (*fn)(const note_info_t *n, void *arg);
	void *arg;
	int with_body;
	status_t ret;
	msg_t *m;
};

static int note_each(const db_note_t *n, void *arg)
{
	struct note_list_ctx *l = arg;
	note_info_t info;
	int r;
	if ((l->ret = note_fill(l->s, l->ch, n, l->with_body, &info, l->m)) != STATUS_OK)
		return 1;
	r = l->fn(&info, l->arg);
	note_info_clear(&info);
	return r;
}

status_t note_list(session_t *s, int64_t erow, int (*fn)(const note_info_t *n, void *arg),
		   void *arg, msg_t *m)
{
	status_t ret;
	enc_held_t e;
	chart_t ch;
	int64_t prow = 0;
	struct note_list_ctx l = {s, &ch, fn, arg, 1, STATUS_OK, m};
	char pid[33] = "", detail[48];
	int reading = 0;
	memset(&e, 0, sizeof e);
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = encounter_prow(s, erow, &prow, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		return ret;
	snprintf(detail, sizeof detail, "notes of encounter %lld", (long long)erow);
	if ((ret = audit_view(s, pid, detail, m)) != STATUS_OK)
		return ret;
	if ((ret = read_begin(s, prow, &ch, &reading, m)) == STATUS_OK &&
	    (ret = encounter_read(s, &ch, erow, &e, m)) == STATUS_OK &&
	    (ret = chart_verify(s, &ch, DB_CT_NOTES, m)) == STATUS_OK &&
	    (ret = db_note_list(s->c->db, erow, note_each, &l, m)) == STATUS_OK)
		ret = l.ret;
	held_free(&e.h);
	return read_end(s, &ch, pid, reading, ret, m);
}

/* Deficiencies span charts: each draft is checked against its own chart
 * (the one loaded last is kept for the next draft of the same patient). */
struct drafts_ctx {
	session_t *s;
	chart_t ch;
	int loaded;
	int (*fn)(const note_info_t *n, void *arg);
	void *arg;
	status_t ret;
	msg_t *m;
	char pid[33];
};

static int draft_each(const db_note_t *n, void *arg)
{
	struct drafts_ctx *d = arg;
	note_info_t info;
	int r;
	if (!d->loaded || d->ch.prow != n->prow) {
		chart_free(&d->ch);
		d->loaded = 1;
		if ((d->ret = chart_load(d->s, n->prow, &d->ch, d->m)) != STATUS_OK)
			return 1;
		text_copy(d->pid, sizeof d->pid, d->ch.pid);
	}
	if ((d->ret = chart_verify_note(d->s, &d->ch, n, d->m)) != STATUS_OK ||
	    (d->ret = note_fill(d->s, &d->ch, n, 0, &info, d->m)) != STATUS_OK)
		return 1;
	r = d->fn(&info, d->arg);
	note_info_clear(&info);
	return r;
}

status_t note_deficiencies(session_t *s, int (*fn)(const note_info_t *n, void *arg), void *arg,
			   msg_t *m)
{
	status_t ret;
	struct drafts_ctx *d;
	char before[24];
	time_t t = time(NULL) - (time_t)s->c->cfg->draft_deficiency_days * 86400;
	struct tm tm;
	int reading = 0;
	if (!session_can(s, ACT_HIM_RECORDS) && !session_can(s, ACT_NOTE_SIGN))
		return session_require(s, ACT_HIM_RECORDS, m);
	gmtime_r(&t, &tm);
	strftime(before, sizeof before, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!(d = calloc(1, sizeof *d)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	d->s = s;
	d->fn = fn;
	d->arg = arg;
	d->m = m;
	if ((ret = db_read_begin(s->c->db, &reading, m)) == STATUS_OK &&
	    (ret = db_note_drafts(s->c->db, before, draft_each, d, m)) == STATUS_OK)
		ret = d->ret;
	db_read_end(s->c->db, reading);
	chart_free(&d->ch);
	ret = integrity_report(s, d->pid, ret, m);
	free(d);
	return ret;
}
