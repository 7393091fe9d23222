/* integrity.c - row MACs, chart heads and their checks (integrity.h). */
#include "core/integrity.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/text.h"
#include "core/audit.h"
#include "core/precord.h"
#include "db/db_audit.h"
#include "db/db_retention.h"

#define MAC_FORMAT 1
#define PREFIX_LEN 16 /* of a row MAC, in a head entry */

/* ---- the encoding MACs cover ------------------------------------------- */

/* Each field: a type byte, a 4-byte big-endian length, the bytes. Types:
 * T text, B blob, I 64-bit integer, R IEEE double (both big-endian), N
 * NULL. Nothing two different rows hold can encode alike. */
typedef struct enc {
	unsigned char *p;
	size_t len, cap;
	int oom;
} enc_t;

static void put(enc_t *e, char tag, const void *data, size_t n)
{
	if (e->oom)
		return;
	if (e->len + n + 5 > e->cap) {
		size_t cap = (e->cap + n + 5) * 2;
		unsigned char *np = realloc(e->p, cap);
		if (!np) {
			e->oom = 1;
			return;
		}
		e->p = np;
		e->cap = cap;
	}
	e->p[e->len++] = (unsigned char)tag;
	e->p[e->len++] = (unsigned char)(n >> 24);
	e->p[e->len++] = (unsigned char)(n >> 16);
	e->p[e->len++] = (unsigned char)(n >> 8);
	e->p[e->len++] = (unsigned char)n;
	if (n)
		memcpy(e->p + e->len, data, n);
	e->len += n;
}

static void put_text(enc_t *e, const char *s)
{
	put(e, 'T', s ? s : "", s ? strlen(s) : 0);
}

static void put_int(enc_t *e, int64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
	put(e, 'I', b, 8);
}

/* Vitals: < 0 is "not taken" (SQL NULL). */
static void put_opt_int(enc_t *e, int v)
{
	if (v < 0)
		put(e, 'N', NULL, 0);
	else
		put_int(e, v);
}

static void put_opt_real(enc_t *e, double v)
{
	unsigned char b[8];
	uint64_t bits;
	if (v < 0) {
		put(e, 'N', NULL, 0);
		return;
	}
	memcpy(&bits, &v, sizeof bits);
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(bits >> (56 - 8 * i));
	put(e, 'R', b, 8);
}

static void put_blob(enc_t *e, db_blob_t b)
{
	if (!b.n)
		put(e, 'N', NULL, 0);
	else
		put(e, 'B', b.p, b.n);
}

/* The MAC of what e holds under demo key version `version` (0: the
 * newest held), stored form into out; frees e. */
static status_t seal_enc(session_t *s, int version, enc_t *e, unsigned char *out, msg_t *m)
{
	status_t ret;
	if (version <= 0)
		version = keyring_version(s->kr, DOMAIN_DEMO);
	if (!keyring_has(s->kr, DOMAIN_DEMO)) {
		free(e->p);
		return msg_fail(m, STATUS_DENIED,
				"Your account does not hold the demo key that charts are checked "
				"with.");
	}
	put_int(e, version);
	if (e->oom) {
		free(e->p);
		return msg_fail(m, STATUS_NOMEM, "Out of memory checking the chart.");
	}
	out[0] = MAC_FORMAT;
	out[1] = (unsigned char)version;
	ret = crypto_integrity_mac(s->kr, version, e->p, e->len, out + 2, NULL, m);
	free(e->p);
	return ret;
}

/* The demo key version a stored MAC was made with, when this session
 * holds it (a check recomputes with it: while the key is rotated, rows
 * under either version verify); 0 (the newest) otherwise, and the check
 * then says which version is missing. */
static int stored_version(session_t *s, const unsigned char *stored, size_t len)
{
	if (stored && len == INTEGRITY_MAC_LEN && stored[0] == MAC_FORMAT && stored[1] &&
	    keyring_has_version(s->kr, DOMAIN_DEMO, stored[1]))
		return stored[1];
	return 0;
}

/* Every row MAC starts the same way: what it is, where it lives, whose
 * chart and which encounter. */
static void row_head(enc_t *e, const char *label, const char *table, int64_t row,
		     const char *id, const char *pid, const char *eid)
{
	put_text(e, label);
	put_text(e, table);
	put_int(e, row);
	put_text(e, id);
	put_text(e, pid);
	if (eid && *eid)
		put_text(e, eid);
	else
		put(e, 'N', NULL, 0);
}

/* ---- messages ------------------------------------------------------------ */

status_t integrity_fail(msg_t *m, const char *table, int64_t row, const char *what)
{
	return msg_fail(m, STATUS_INTEGRITY,
			"Integrity check failed: %s record %" PRId64 " %s (changed outside "
			"Chartroom).",
			table, row, what);
}

status_t integrity_report(session_t *s, const char *patient_id, status_t st, const msg_t *m)
{
	msg_t ignore;
	if (st != STATUS_INTEGRITY || !s || s->locked || db_in_transaction(s->c->db) ||
	    !keyring_has(s->kr, DOMAIN_AUDIT))
		return st;
	if (db_begin(s->c->db, &ignore) != STATUS_OK)
		return st;
	if (audit_append(s, "integrity_fail", patient_id ? patient_id : "", "failed",
			 m ? m->text : NULL, &ignore) == STATUS_OK &&
	    db_commit(s->c->db, &ignore) == STATUS_OK)
		return st;
	db_rollback(s->c->db);
	return st;
}

void integrity_patient_state(int confidential, int version, char out[32])
{
	snprintf(out, 32, "c%dv%d", confidential, version);
}

/* ---- chart loading ------------------------------------------------------- */

void chart_free(chart_t *ch)
{
	if (!ch)
		return;
	free(ch->rows);
	if (ch->patient) {
		sodium_memzero(ch->patient, sizeof *ch->patient);
		free(ch->patient);
	}
	free(ch->enc);
	memset(ch, 0, sizeof *ch);
}

static int take_enc(const db_encounter_t *e, void *arg)
{
	chart_t *ch = arg;
	chart_enc_t *n;
	if (ch->nenc % 16 == 0) {
		n = realloc(ch->enc, (size_t)(ch->nenc + 16) * sizeof *n);
		if (!n) {
			ch->nenc = -1; /* out of memory: chart_load says so */
			return 1;
		}
		ch->enc = n;
	}
	ch->enc[ch->nenc].erow = e->erow;
	text_copy(ch->enc[ch->nenc].id, sizeof ch->enc[0].id, e->id);
	ch->nenc++;
	return 0;
}

static int enc_id_of(const db_encounter_t *e, void *arg)
{
	text_copy(arg, 33, e->id);
	return 1;
}

status_t chart_add_encounter(chart_t *ch, int64_t erow, const char *id, msg_t *m)
{
	db_encounter_t e;
	memset(&e, 0, sizeof e);
	e.erow = erow;
	text_copy(e.id, sizeof e.id, id);
	if (take_enc(&e, ch) || ch->nenc < 0) {
		ch->nenc = 0;
		return msg_fail(m, STATUS_NOMEM, "Out of memory saving the chart.");
	}
	return STATUS_OK;
}

void chart_encounter_id(session_t *s, chart_t *ch, int64_t erow, char id[33])
{
	msg_t ignore;
	id[0] = '\0';
	for (int i = 0; i < ch->nenc; i++)
		if (ch->enc[i].erow == erow) {
			text_copy(id, 33, ch->enc[i].id);
			return;
		}
	db_encounter_get(s->c->db, erow, enc_id_of, id, &ignore);
}

static status_t head_mac(session_t *s, const chart_t *ch, const unsigned char *rows,
			 size_t rows_len, int64_t seq, unsigned char *out, msg_t *m)
{
	enc_t e = {0};
	db_blob_t ident = {ch->patient->ident, ch->patient->ident_len};
	db_blob_t details = {ch->patient->details, ch->patient->details_len};
	db_blob_t list = {rows, rows_len};
	put_text(&e, "chartroom-head:1");
	put_text(&e, ch->pid);
	put_int(&e, ch->prow);
	put_int(&e, seq);
	put_int(&e, ch->patient->version);
	put_int(&e, ch->patient->confidential);
	put_blob(&e, ident);
	put_blob(&e, details);
	put(&e, 'B', list.p, list.n);
	return seal_enc(s, ch->mac_version, &e, out, m);
}

static void head_text(const unsigned char *mac, int64_t seq, char out[INTEGRITY_HEAD_TEXT])
{
	char hex[2 * PREFIX_LEN + 1];
	sodium_bin2hex(hex, sizeof hex, mac + 2, PREFIX_LEN);
	snprintf(out, INTEGRITY_HEAD_TEXT, "%" PRId64 ":%s", seq, hex);
}

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 9);
}

static void entry_key(unsigned char *k, db_chart_table_t t, int64_t row)
{
	k[0] = (unsigned char)t;
	for (int i = 0; i < 8; i++)
		k[1 + i] = (unsigned char)((uint64_t)row >> (56 - 8 * i));
}

static int64_t entry_row(const unsigned char *k)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | k[1 + i];
	return (int64_t)v;
}

static unsigned char *entry_find(const chart_t *ch, db_chart_table_t t, int64_t row)
{
	unsigned char key[INTEGRITY_ENTRY_LEN];
	entry_key(key, t, row);
	return ch->n ? bsearch(key, ch->rows, ch->n, INTEGRITY_ENTRY_LEN, entry_cmp) : NULL;
}

/* A list as stored must be whole entries in strictly ascending order. */
static int list_well_formed(const unsigned char *rows, size_t len)
{
	if (len % INTEGRITY_ENTRY_LEN)
		return 0;
	for (size_t i = INTEGRITY_ENTRY_LEN; i < len; i += INTEGRITY_ENTRY_LEN)
		if (memcmp(rows + i - INTEGRITY_ENTRY_LEN, rows + i, 9) >= 0)
			return 0;
	return 1;
}

status_t integrity_sealed(clinic_t *c, int *sealed, msg_t *m)
{
	int64_t seq = 0;
	status_t ret = db_audit_mark(c->db, "integrity_on", &seq, m);
	*sealed = 0;
	if (ret != STATUS_OK)
		return ret;
	if (seq) {
		*sealed = 1;
		return STATUS_OK;
	}
	/* The mark is gone from the trail (audit verify says so) but the
	 * re-sealing recorded its end in meta too: still sealed. */
	{
		char done[16];
		msg_t ignore;
		if (db_meta_get(c->db, "reseal_after", done, sizeof done, &ignore) == STATUS_OK &&
		    strcmp(done, "done") == 0) {
			*sealed = 1;
			return STATUS_OK;
		}
	}
	/* Neither: a database from before schema 007 whose rows are not all
	 * re-sealed yet (core/reseal.h). Removing both marks to make a sealed
	 * database look like that is possible for anyone with the file, and is
	 * what `audit verify` (the entry is missing from the chain) and the
	 * anchors kept outside the database catch. */
	return STATUS_OK;
}

status_t chart_load(session_t *s, int64_t prow, chart_t *ch, msg_t *m)
{
	status_t ret;
	patient_t *p = NULL;
	db_chart_head_t h;
	char recorded[INTEGRITY_HEAD_TEXT], expect[INTEGRITY_HEAD_TEXT];
	unsigned char mac[INTEGRITY_MAC_LEN];

	memset(ch, 0, sizeof *ch);
	memset(&h, 0, sizeof h);
	ch->prow = prow;
	ch->sealed = s->c->sealed;
	if (!keyring_has(s->kr, DOMAIN_DEMO))
		return msg_fail(m, STATUS_DENIED,
				"Your account does not hold the demo key that charts are read with.");
	if (!(ch->patient = calloc(1, sizeof *ch->patient)) || !(p = malloc(sizeof *p))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the chart.");
		goto cleanup;
	}
	if ((ret = db_patient_get(s->c->db, prow, ch->patient, m)) != STATUS_OK)
		goto cleanup;
	text_copy(ch->pid, sizeof ch->pid, ch->patient->id);
	ch->version = ch->patient->version;
	ch->confidential = ch->patient->confidential;
	/* The ciphertexts are bound to the id, the version and the flag: a
	 * flag or version changed in the file fails here. */
	if ((ret = precord_open(s->kr, ch->patient, p, 0, ch->sealed ? 0 : CRYPTO_OPEN_LEGACY, m)) !=
	    STATUS_OK)
		goto cleanup;
	if ((ret = db_audit_chart_head(s->c->db, ch->pid, recorded, sizeof recorded, m)) !=
	    STATUS_OK)
		goto cleanup;
	ret = db_chart_head_get(s->c->db, prow, &h, m);
	if (ret == STATUS_NOTFOUND) {
		ret = STATUS_OK;
		if (recorded[0])
			ret = integrity_fail(m, "chart_heads", prow,
					     "is missing: the chart's rows were deleted or rolled back");
		goto encounters;
	}
	if (ret != STATUS_OK)
		goto cleanup;
	if (h.toolong || h.mac_len != INTEGRITY_MAC_LEN || !list_well_formed(h.rows, h.rows_len)) {
		ret = integrity_fail(m, "chart_heads", prow, "was altered");
		goto cleanup;
	}
	/* While the demo key is rotated, a head may still be under the older
	 * version (core/rotate.h): it is checked with the version it names.
	 * A version this session does not hold is a missing key, unless the
	 * head is not the one the trail recorded (edited bytes that only look
	 * like another version). */
	head_text(h.mac, h.seq, expect);
	if (!keyring_has_version(s->kr, DOMAIN_DEMO, h.mac[1]) && strcmp(expect, recorded) != 0) {
		ret = integrity_fail(m, "chart_heads", prow,
				     "differs from the last change recorded in the audit trail: "
				     "the chart was rolled back or replayed");
		goto cleanup;
	}
	if (!keyring_has_version(s->kr, DOMAIN_DEMO, h.mac[1])) {
		ret = msg_fail(m, STATUS_CRYPTO,
			       "Chart %" PRId64 " was sealed with demo key version %d, which this "
			       "session does not hold.",
			       prow, h.mac[1]);
		goto cleanup;
	}
	ch->mac_version = h.mac[1];
	ret = head_mac(s, ch, h.rows, h.rows_len, h.seq, mac, m);
	ch->mac_version = 0;
	if (ret != STATUS_OK)
		goto cleanup;
	if (crypto_memcmp(mac, h.mac, INTEGRITY_MAC_LEN) != 0) {
		ret = integrity_fail(m, "chart_heads", prow,
				     "does not match the patients record or the rows it lists: "
				     "one of them was altered or put back from an older copy");
		goto cleanup;
	}
	head_text(h.mac, h.seq, expect);
	if (strcmp(expect, recorded) != 0) {
		ret = integrity_fail(m, "chart_heads", prow,
				     "differs from the last change recorded in the audit trail: "
				     "the chart was rolled back or replayed");
		goto cleanup;
	}
	ch->has_head = 1;
	ch->head_version = h.mac[1];
	ch->seq = h.seq;
	ch->rows = h.rows;
	ch->n = ch->cap = h.rows_len / INTEGRITY_ENTRY_LEN;
	h.rows = NULL;
encounters:
	if (ret == STATUS_OK && (ret = db_encounter_list(s->c->db, prow, take_enc, ch, m)) ==
				       STATUS_OK &&
	    ch->nenc < 0) {
		ch->nenc = 0;
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the chart.");
	}
cleanup:
	free(h.rows);
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	return ret;
}

/* ---- row MACs -------------------------------------------------------------- */

status_t rowmac_encounter(session_t *s, chart_t *ch, const db_encounter_t *e, unsigned char *out,
			  msg_t *m)
{
	enc_t x = {0};
	row_head(&x, "chartroom-row:1", "encounters", e->erow, e->id, ch->pid, e->id);
	put_text(&x, e->start);
	put_text(&x, e->type);
	put_text(&x, e->provider);
	put_text(&x, e->location);
	put_blob(&x, e->location_ct);
	put_blob(&x, e->reason);
	put_text(&x, e->status);
	put_text(&x, e->closed_at);
	put_text(&x, e->closed_by);
	put_text(&x, e->created);
	put_text(&x, e->created_by);
	/* The clear site (018) when set; rows without one keep their MAC. */
	if (*e->site) {
		put_text(&x, "site");
		put_text(&x, e->site);
	}
	/* Its provider record and an import's mark (022), when set. */
	if (*e->provider_ref) {
		put_text(&x, "provider_ref");
		put_text(&x, e->provider_ref);
	}
	if (*e->source) {
		put_text(&x, "source");
		put_text(&x, e->source);
	}
	return seal_enc(s, ch->mac_version, &x, out, m);
}

status_t rowmac_coding(session_t *s, chart_t *ch, int64_t erow, const char *coding_status,
		       const db_dx_t *dx, int ndx, const db_px_t *px, int npx, unsigned char *out,
		       msg_t *m)
{
	enc_t x = {0};
	char eid[33];
	chart_encounter_id(s, ch, erow, eid);
	row_head(&x, "chartroom-coding:1", "encounter_dx/encounter_px", erow, eid, ch->pid, eid);
	put_text(&x, coding_status);
	put_int(&x, ndx);
	for (int i = 0; i < ndx; i++) {
		put_int(&x, dx[i].seq);
		put_text(&x, dx[i].code);
	}
	put_int(&x, npx);
	for (int i = 0; i < npx; i++) {
		put_int(&x, px[i].line);
		put_text(&x, px[i].system);
		put_text(&x, px[i].code);
		put_text(&x, px[i].modifiers);
		put_int(&x, px[i].units);
		put_text(&x, px[i].pointers);
	}
	return seal_enc(s, ch->mac_version, &x, out, m);
}

status_t rowmac_vitals(session_t *s, chart_t *ch, const db_vitals_t *v, unsigned char *out,
		       msg_t *m)
{
	enc_t x = {0};
	char eid[33];
	chart_encounter_id(s, ch, v->erow, eid);
	row_head(&x, "chartroom-row:1", "vitals", v->vrow, v->id, ch->pid, eid);
	put_text(&x, v->taken);
	put_opt_int(&x, v->systolic);
	put_opt_int(&x, v->diastolic);
	put_opt_int(&x, v->pulse);
	put_opt_int(&x, v->resp);
	put_opt_real(&x, v->temp_c);
	put_opt_int(&x, v->spo2);
	put_opt_real(&x, v->height_cm);
	put_opt_real(&x, v->weight_kg);
	put_opt_real(&x, v->bmi);
	put_text(&x, v->recorded_by);
	return seal_enc(s, ch->mac_version, &x, out, m);
}

static const char *const item_tables[] = {"allergies", "medications", "problems",
					  "procedure_history"};

status_t rowmac_item(session_t *s, chart_t *ch, const db_item_t *it, unsigned char *out,
		     msg_t *m)
{
	enc_t x = {0};
	row_head(&x, "chartroom-row:1", item_tables[it->kind], it->row, it->id, ch->pid, NULL);
	put_blob(&x, it->a);
	put_blob(&x, it->b);
	put_blob(&x, it->c);
	put_text(&x, it->code);
	put_text(&x, it->extra);
	put_text(&x, it->date1);
	put_text(&x, it->date2);
	put_text(&x, it->status);
	put_text(&x, it->recorded);
	put_text(&x, it->recorded_by);
	put_text(&x, it->updated);
	put_text(&x, it->updated_by);
	return seal_enc(s, ch->mac_version, &x, out, m);
}

status_t rowmac_nka(session_t *s, chart_t *ch, const db_nka_t *n, unsigned char *out, msg_t *m)
{
	enc_t x = {0};
	row_head(&x, "chartroom-row:1", "allergy_review", n->prow, ch->pid, ch->pid, NULL);
	put_int(&x, n->nka);
	put_text(&x, n->reviewed);
	put_text(&x, n->reviewed_by);
	return seal_enc(s, ch->mac_version, &x, out, m);
}

status_t rowmac_note(session_t *s, chart_t *ch, const db_note_t *n, unsigned char *out, msg_t *m)
{
	enc_t x = {0};
	char eid[33];
	chart_encounter_id(s, ch, n->erow, eid);
	row_head(&x, "chartroom-row:1", "notes", n->nrow, n->id, ch->pid, eid);
	put_int(&x, n->addendum_of);
	put_text(&x, n->author);
	put_text(&x, n->created);
	put_text(&x, n->updated);
	put_blob(&x, n->body);
	put_text(&x, n->status);
	put_text(&x, n->signed_by);
	put_text(&x, n->signed_at);
	put_int(&x, n->version);
	return seal_enc(s, ch->mac_version, &x, out, m);
}

status_t rowmac_btg(session_t *s, chart_t *ch, const db_btg_t *b, unsigned char *out, msg_t *m)
{
	enc_t x = {0};
	row_head(&x, "chartroom-row:1", "btg_queue", b->id, "", ch->pid, NULL);
	put_int(&x, b->audit_seq);
	put_text(&x, b->user_name);
	put_text(&x, b->ts);
	put_int(&x, b->reviewed);
	put_text(&x, b->reviewed_by);
	put_text(&x, b->reviewed_at);
	return seal_enc(s, ch->mac_version, &x, out, m);
}

status_t rowmac_extid(session_t *s, chart_t *ch, const db_extid_t *x, unsigned char *out,
		      msg_t *m)
{
	enc_t e = {0};
	db_blob_t v = {x->value_ct, x->value_len};
	row_head(&e, "chartroom-row:1", "patient_identifiers", x->xrow, x->id, ch->pid, NULL);
	put_text(&e, x->system);
	put_blob(&e, v);
	put_text(&e, x->created);
	put_text(&e, x->created_by);
	return seal_enc(s, ch->mac_version, &e, out, m);
}

/* ---- checks ---------------------------------------------------------------- */

status_t chart_check_row(session_t *s, chart_t *ch, db_chart_table_t t, int64_t row,
			 const unsigned char *computed, const unsigned char *stored, size_t len,
			 int toolong, msg_t *m)
{
	const char *table = db_chart_table_name(t);
	const unsigned char *entry = entry_find(ch, t, row);
	int verifies;
	(void)s;
	if (!len && !toolong) {
		if (!ch->sealed && !entry)
			return STATUS_OK; /* not re-sealed yet (core/reseal.c) */
		return integrity_fail(m, table, row, "carries no integrity seal");
	}
	/* Sealed under a key version this session does not hold: unless the
	 * chart's head, which lists each row's MAC, says this is not the MAC
	 * it recorded (then the bytes were edited, and only looked like a
	 * version by chance). */
	if (len == INTEGRITY_MAC_LEN && stored[0] == MAC_FORMAT && stored[1] != computed[1] &&
	    !(entry && crypto_memcmp(entry + 9, stored + 2, PREFIX_LEN) != 0))
		return msg_fail(m, STATUS_CRYPTO,
				"%s record %" PRId64 " was sealed with demo key version %d, which "
				"this session does not hold.",
				table, row, stored[1]);
	verifies = !toolong && len == INTEGRITY_MAC_LEN &&
		   crypto_memcmp(computed, stored, INTEGRITY_MAC_LEN) == 0;
	if (!verifies)
		return integrity_fail(m, table, row,
				      entry ? "was altered" : "does not belong to this chart");
	if (!entry)
		return integrity_fail(m, table, row, "is not part of this chart's record");
	if (crypto_memcmp(entry + 9, stored + 2, PREFIX_LEN) != 0)
		return integrity_fail(m, table, row,
				      "is an older copy put back in its place");
	return STATUS_OK;
}

struct set_ctx {
	chart_t *ch;
	db_chart_table_t t;
	unsigned char *seen; /* one flag per head entry */
	status_t ret;
	msg_t *m;
};

static int set_one(int64_t row, const unsigned char *mac, size_t len, void *arg)
{
	struct set_ctx *c = arg;
	const char *table = db_chart_table_name(c->t);
	unsigned char *entry = entry_find(c->ch, c->t, row);
	if (!len && !c->ch->sealed && !entry)
		return 0;
	if (!entry) {
		c->ret = integrity_fail(c->m, table, row, "does not belong to this chart");
		return 1;
	}
	c->seen[(size_t)(entry - c->ch->rows) / INTEGRITY_ENTRY_LEN] = 1;
	if (len != INTEGRITY_MAC_LEN || !mac ||
	    crypto_memcmp(entry + 9, mac + 2, PREFIX_LEN) != 0) {
		c->ret = integrity_fail(c->m, table, row,
					"is an older copy put back in its place");
		return 1;
	}
	return 0;
}

status_t chart_check_set(session_t *s, chart_t *ch, db_chart_table_t t, msg_t *m)
{
	struct set_ctx c = {ch, t, NULL, STATUS_OK, m};
	status_t ret;
	if (!(c.seen = calloc(ch->n ? ch->n : 1, 1)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory checking the chart.");
	ret = db_chart_rows(s->c->db, t, ch->prow, set_one, &c, m);
	if (ret == STATUS_OK)
		ret = c.ret;
	for (size_t i = 0; ret == STATUS_OK && i < ch->n; i++)
		if (ch->rows[i * INTEGRITY_ENTRY_LEN] == (unsigned char)t && !c.seen[i])
			ret = integrity_fail(m, db_chart_table_name(t),
					     entry_row(ch->rows + i * INTEGRITY_ENTRY_LEN),
					     "is missing: deleted or moved to another chart");
	free(c.seen);
	return ret;
}

/* ---- writing --------------------------------------------------------------- */

status_t chart_put(chart_t *ch, db_chart_table_t t, int64_t row, const unsigned char *mac,
		   msg_t *m)
{
	unsigned char *e = entry_find(ch, t, row);
	if (!e) {
		if (ch->n == ch->cap) {
			size_t cap = ch->cap ? ch->cap * 2 : 16;
			unsigned char *nr = realloc(ch->rows, cap * INTEGRITY_ENTRY_LEN);
			if (!nr)
				return msg_fail(m, STATUS_NOMEM, "Out of memory saving the chart.");
			ch->rows = nr;
			ch->cap = cap;
		}
		e = ch->rows + ch->n * INTEGRITY_ENTRY_LEN;
		entry_key(e, t, row);
		memcpy(e + 9, mac + 2, PREFIX_LEN);
		ch->n++;
		qsort(ch->rows, ch->n, INTEGRITY_ENTRY_LEN, entry_cmp);
		return STATUS_OK;
	}
	memcpy(e + 9, mac + 2, PREFIX_LEN);
	return STATUS_OK;
}

void chart_drop(chart_t *ch, db_chart_table_t t, int64_t row)
{
	unsigned char *e = entry_find(ch, t, row);
	if (!e)
		return;
	size_t i = (size_t)(e - ch->rows) / INTEGRITY_ENTRY_LEN;
	memmove(e, e + INTEGRITY_ENTRY_LEN, (ch->n - i - 1) * INTEGRITY_ENTRY_LEN);
	ch->n--;
}

status_t chart_store(session_t *s, chart_t *ch, msg_t *m)
{
	db_chart_head_t h;
	status_t ret;
	memset(&h, 0, sizeof h);
	h.prow = ch->prow;
	h.seq = ch->seq + 1;
	h.rows = ch->rows;
	h.rows_len = ch->n * INTEGRITY_ENTRY_LEN;
	h.mac_len = INTEGRITY_MAC_LEN;
	if ((ret = head_mac(s, ch, h.rows, h.rows_len, h.seq, h.mac, m)) != STATUS_OK)
		return ret;
	if ((ret = db_chart_head_put(s->c->db, &h, m)) != STATUS_OK)
		return ret;
	ch->seq = h.seq;
	ch->has_head = 1;
	ch->head_version = h.mac[1];
	head_text(h.mac, h.seq, ch->head_text);
	return STATUS_OK;
}

status_t chart_audit(session_t *s, chart_t *ch, const char *action, const char *detail,
		     msg_t *m)
{
	return audit_append_head(s, action, ch->pid, "ok", detail,
				 ch->head_text[0] ? ch->head_text : NULL, m);
}

/* ---- values ----------------------------------------------------------------- */

status_t chart_open_text(session_t *s, chart_t *ch, domain_t d, const char *table,
			 const char *column, int64_t row, const char *row_id,
			 const char *encounter_id, db_blob_t b, char **out, size_t *out_len,
			 msg_t *m)
{
	crypto_bind_t bind = {table, column, row_id, ch->pid, encounter_id, NULL};
	status_t ret = crypto_field_open(s->kr, d, &bind, ch->sealed ? 0 : CRYPTO_OPEN_LEGACY, b.p,
					 b.n, out, out_len, m);
	if (ret == STATUS_INTEGRITY)
		return integrity_fail(m, table, row, "cannot be decrypted: its text was altered or moved");
	return ret;
}

status_t chart_seal_text(session_t *s, chart_t *ch, domain_t d, const char *table,
			 const char *column, const char *row_id, const char *encounter_id,
			 const char *text, unsigned char **out, size_t *out_len, msg_t *m)
{
	crypto_bind_t bind = {table, column, row_id, ch->pid, encounter_id, NULL};
	return crypto_field_seal(s->kr, d, &bind, text, strlen(text), 1, out, out_len, m);
}

struct btg_ctx {
	session_t *s;
	chart_t *ch;
	status_t ret;
	msg_t *m;
};

static int btg_one(const db_btg_t *b, void *arg)
{
	struct btg_ctx *c = arg;
	unsigned char mac[INTEGRITY_MAC_LEN];
	c->ch->mac_version = stored_version(c->s, b->mac, b->mac_len);
	c->ret = rowmac_btg(c->s, c->ch, b, mac, c->m);
	c->ch->mac_version = 0;
	if (c->ret == STATUS_OK)
		c->ret = chart_check_row(c->s, c->ch, DB_CT_BTG, b->id, mac, b->mac, b->mac_len,
					 b->toolong, c->m);
	return c->ret != STATUS_OK;
}

status_t chart_check_btg(session_t *s, chart_t *ch, msg_t *m)
{
	struct btg_ctx c = {s, ch, STATUS_OK, m};
	status_t ret = db_btg_list(s->c->db, ch->prow, btg_one, &c, m);
	if (ret == STATUS_OK)
		ret = c.ret;
	if (ret == STATUS_OK)
		ret = chart_check_set(s, ch, DB_CT_BTG, m);
	return ret;
}

static int extid_one(const db_extid_t *x, void *arg)
{
	struct btg_ctx *c = arg;
	unsigned char mac[INTEGRITY_MAC_LEN];
	c->ch->mac_version = stored_version(c->s, x->mac, x->mac_len);
	c->ret = rowmac_extid(c->s, c->ch, x, mac, c->m);
	c->ch->mac_version = 0;
	if (c->ret == STATUS_OK)
		c->ret = chart_check_row(c->s, c->ch, DB_CT_IDENTIFIERS, x->xrow, mac, x->mac,
					 x->mac_len, x->toolong, c->m);
	return c->ret != STATUS_OK;
}

status_t chart_check_extid(session_t *s, chart_t *ch, msg_t *m)
{
	struct btg_ctx c = {s, ch, STATUS_OK, m};
	status_t ret = db_extid_list(s->c->db, ch->prow, extid_one, &c, m);
	if (ret == STATUS_OK)
		ret = c.ret;
	if (ret == STATUS_OK)
		ret = chart_check_set(s, ch, DB_CT_IDENTIFIERS, m);
	return ret;
}

/* ---- whole sections -------------------------------------------------------- */

status_t chart_verify_encounter(session_t *s, chart_t *ch, const db_encounter_t *e, msg_t *m)
{
	unsigned char mac[INTEGRITY_MAC_LEN];
	db_dx_t dx[CODING_ROWS_MAX];
	db_px_t px[CODING_ROWS_MAX];
	int ndx = 0, npx = 0;
	status_t ret;
	ch->mac_version = stored_version(s, e->mac.p, e->mac.n);
	ret = rowmac_encounter(s, ch, e, mac, m);
	ch->mac_version = 0;
	if (ret == STATUS_OK)
		ret = chart_check_row(s, ch, DB_CT_ENCOUNTERS, e->erow, mac, e->mac.p, e->mac.n,
				      e->toolong, m);
	if (ret == STATUS_OK)
		ret = db_dx_load(s->c->db, e->erow, dx, CODING_ROWS_MAX, &ndx, m);
	if (ret == STATUS_OK)
		ret = db_px_load(s->c->db, e->erow, px, CODING_ROWS_MAX, &npx, m);
	if (ret != STATUS_OK)
		return ret;
	/* More rows than read, or a value Chartroom never writes. */
	if (ndx > CODING_ROWS_MAX || npx > CODING_ROWS_MAX)
		return msg_fail(m, STATUS_INTEGRITY,
				"Integrity check failed: the coding (encounter_dx, encounter_px) of "
				"encounters record %" PRId64 " was altered (changed outside Chartroom).",
				e->erow);
	ch->mac_version = stored_version(s, e->coding_mac.p, e->coding_mac.n);
	ret = rowmac_coding(s, ch, e->erow, e->coding_status, dx, ndx, px, npx, mac, m);
	ch->mac_version = 0;
	if (ret != STATUS_OK)
		return ret;
	ret = chart_check_row(s, ch, DB_CT_CODING, e->erow, mac, e->coding_mac.p, e->coding_mac.n,
			      e->toolong, m);
	if (ret == STATUS_INTEGRITY)
		msg_set(m,
			"Integrity check failed: the coding (encounter_dx, encounter_px) of "
			"encounters record %" PRId64 " was altered or replayed (changed outside "
			"Chartroom).",
			e->erow);
	return ret;
}

status_t chart_verify_vitals(session_t *s, chart_t *ch, const db_vitals_t *v, msg_t *m)
{
	unsigned char mac[INTEGRITY_MAC_LEN];
	status_t ret;
	ch->mac_version = stored_version(s, v->mac.p, v->mac.n);
	ret = rowmac_vitals(s, ch, v, mac, m);
	ch->mac_version = 0;
	if (ret == STATUS_OK)
		ret = chart_check_row(s, ch, DB_CT_VITALS, v->vrow, mac, v->mac.p, v->mac.n,
				      v->toolong, m);
	return ret;
}

static const db_chart_table_t item_table[] = {DB_CT_ALLERGIES, DB_CT_MEDICATIONS, DB_CT_PROBLEMS,
					      DB_CT_PROCEDURES};

status_t chart_verify_item(session_t *s, chart_t *ch, const db_item_t *it, msg_t *m)
{
	unsigned char mac[INTEGRITY_MAC_LEN];
	status_t ret;
	ch->mac_version = stored_version(s, it->mac.p, it->mac.n);
	ret = rowmac_item(s, ch, it, mac, m);
	ch->mac_version = 0;
	if (ret == STATUS_OK)
		ret = chart_check_row(s, ch, item_table[it->kind], it->row, mac, it->mac.p, it->mac.n,
				      it->toolong, m);
	return ret;
}

status_t chart_verify_note(session_t *s, chart_t *ch, const db_note_t *n, msg_t *m)
{
	unsigned char mac[INTEGRITY_MAC_LEN];
	status_t ret;
	ch->mac_version = stored_version(s, n->mac.p, n->mac.n);
	ret = rowmac_note(s, ch, n, mac, m);
	ch->mac_version = 0;
	if (ret == STATUS_OK)
		ret = chart_check_row(s, ch, DB_CT_NOTES, n->nrow, mac, n->mac.p, n->mac.n,
				      n->toolong, m);
	return ret;
}

status_t chart_verify_nka(session_t *s, chart_t *ch, const db_nka_t *n, msg_t *m)
{
	unsigned char mac[INTEGRITY_MAC_LEN];
	status_t ret = STATUS_OK;
	if (n->nka != -1) {
		ch->mac_version = stored_version(s, n->mac, n->mac_len);
		ret = rowmac_nka(s, ch, n, mac, m);
		ch->mac_version = 0;
		if (ret == STATUS_OK)
			ret = chart_check_row(s, ch, DB_CT_ALLERGY_REVIEW, ch->prow, mac, n->mac,
					      n->mac_len, n->toolong, m);
	}
	if (ret == STATUS_OK)
		ret = chart_check_set(s, ch, DB_CT_ALLERGY_REVIEW, m);
	return ret;
}

struct section_ctx {
	session_t *s;
	chart_t *ch;
	status_t ret;
	msg_t *m;
};

static int sec_enc(const db_encounter_t *e, void *arg)
{
	struct section_ctx *c = arg;
	c->ret = chart_verify_encounter(c->s, c->ch, e, c->m);
	return c->ret != STATUS_OK;
}

static int sec_vit(const db_vitals_t *v, void *arg)
{
	struct section_ctx *c = arg;
	c->ret = chart_verify_vitals(c->s, c->ch, v, c->m);
	return c->ret != STATUS_OK;
}

static int sec_item(const db_item_t *it, void *arg)
{
	struct section_ctx *c = arg;
	c->ret = chart_verify_item(c->s, c->ch, it, c->m);
	return c->ret != STATUS_OK;
}

static int sec_note(const db_note_t *n, void *arg)
{
	struct section_ctx *c = arg;
	c->ret = chart_verify_note(c->s, c->ch, n, c->m);
	return c->ret != STATUS_OK;
}

status_t chart_verify(session_t *s, chart_t *ch, db_chart_table_t t, msg_t *m)
{
	struct section_ctx c = {s, ch, STATUS_OK, m};
	db_t *db = s->c->db;
	status_t ret;
	db_nka_t nka;
	switch (t) {
	case DB_CT_ENCOUNTERS:
	case DB_CT_CODING:
		ret = db_encounter_list(db, ch->prow, sec_enc, &c, m);
		if (ret == STATUS_OK && (ret = c.ret) == STATUS_OK &&
		    (ret = chart_check_set(s, ch, DB_CT_ENCOUNTERS, m)) == STATUS_OK)
			ret = chart_check_set(s, ch, DB_CT_CODING, m);
		return ret;
	case DB_CT_VITALS:
		ret = db_vitals_list(db, ch->prow, -1, sec_vit, &c, m);
		break;
	case DB_CT_ALLERGIES:
		ret = db_item_list(db, DB_ALLERGY, ch->prow, sec_item, &c, m);
		break;
	case DB_CT_MEDICATIONS:
		ret = db_item_list(db, DB_MEDICATION, ch->prow, sec_item, &c, m);
		break;
	case DB_CT_PROBLEMS:
		ret = db_item_list(db, DB_PROBLEM, ch->prow, sec_item, &c, m);
		break;
	case DB_CT_PROCEDURES:
		ret = db_item_list(db, DB_PROCEDURE, ch->prow, sec_item, &c, m);
		break;
	case DB_CT_NOTES:
		ret = db_note_list_patient(db, ch->prow, sec_note, &c, m);
		break;
	case DB_CT_ALLERGY_REVIEW:
		if ((ret = db_nka_get(db, ch->prow, &nka, m)) == STATUS_OK)
			ret = chart_verify_nka(s, ch, &nka, m);
		return ret;
	case DB_CT_BTG:
		return chart_check_btg(s, ch, m);
	case DB_CT_IDENTIFIERS:
		return chart_check_extid(s, ch, m);
	default:
		return msg_fail(m, STATUS_ERR, "Unknown chart table.");
	}
	if (ret == STATUS_OK)
		ret = c.ret;
	if (ret == STATUS_OK)
		ret = chart_check_set(s, ch, t, m);
	return ret;
}

/* ---- the whole database against the audit trail (audit verify) ---------- */

typedef struct recorded {
	char target[72];
	char head[80];
	int seen;
} recorded_t;

struct heads_ctx {
	session_t *s;
	recorded_t *rec;
	size_t nrec, cap;
	int64_t *prows; /* prows that have a head */
	size_t nprows, pcap;
	int64_t checked;
	int oom;
	status_t ret;
	msg_t *m;
};

static int take_recorded(const char *target, const char *head, void *arg)
{
	struct heads_ctx *c = arg;
	if (c->nrec == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		recorded_t *n = realloc(c->rec, cap * sizeof *n);
		if (!n) {
			c->oom = 1;
			return 1;
		}
		c->rec = n;
		c->cap = cap;
	}
	text_copy(c->rec[c->nrec].target, sizeof c->rec[0].target, target);
	text_copy(c->rec[c->nrec].head, sizeof c->rec[0].head, head);
	c->rec[c->nrec].seen = 0;
	c->nrec++;
	return 0;
}

static int rec_cmp(const void *a, const void *b)
{
	return strcmp(((const recorded_t *)a)->target, ((const recorded_t *)b)->target);
}

static int check_head(const db_chart_head_t *h, const char *pid, void *arg)
{
	struct heads_ctx *c = arg;
	recorded_t key, *r;
	char text[INTEGRITY_HEAD_TEXT];
	chart_t ch;
	static const db_chart_table_t tables[] = {
		DB_CT_ENCOUNTERS,     DB_CT_CODING, DB_CT_VITALS, DB_CT_ALLERGIES,
		DB_CT_ALLERGY_REVIEW, DB_CT_MEDICATIONS, DB_CT_PROBLEMS, DB_CT_NOTES, DB_CT_BTG,
		DB_CT_IDENTIFIERS, DB_CT_PROCEDURES};
	if (c->nprows == c->pcap) {
		size_t cap = c->pcap ? c->pcap * 2 : 64;
		int64_t *n = realloc(c->prows, cap * sizeof *n);
		if (!n) {
			c->oom = 1;
			return 1;
		}
		c->prows = n;
		c->pcap = cap;
	}
	c->prows[c->nprows++] = h->prow;
	c->checked++;
	text_copy(key.target, sizeof key.target, pid);
	r = c->nrec ? bsearch(&key, c->rec, c->nrec, sizeof *c->rec, rec_cmp) : NULL;
	if (r)
		r->seen = 1;
	if (h->toolong || h->mac_len != INTEGRITY_MAC_LEN || !list_well_formed(h->rows, h->rows_len)) {
		c->ret = integrity_fail(c->m, "chart_heads", h->prow, "was altered");
		return 1;
	}
	if (r && strncmp(r->head, "destroyed:", 10) == 0) {
		c->ret = integrity_fail(c->m, "chart_heads", h->prow,
					"belongs to a chart the audit trail records as destroyed "
					"(put back outside Chartroom)");
		return 1;
	}
	head_text(h->mac, h->seq, text);
	if (!r || strcmp(r->head, text) != 0) {
		c->ret = integrity_fail(c->m, "chart_heads", h->prow,
					"differs from the last change recorded in the audit trail: "
					"the chart was rolled back or replayed");
		return 1;
	}
	/* With the demo key, the head's own MAC (over the list and the
	 * patients row) too. */
	if (keyring_has(c->s->kr, DOMAIN_DEMO)) {
		c->ret = chart_load(c->s, h->prow, &ch, c->m);
		chart_free(&ch);
		if (c->ret != STATUS_OK)
			return 1;
	}
	/* Every row of the chart as the head lists it: none missing, none
	 * added, none an older copy (no key needed: stored MACs compared). */
	memset(&ch, 0, sizeof ch);
	ch.prow = h->prow;
	ch.sealed = c->s->c->sealed;
	ch.rows = h->rows;
	ch.n = h->rows_len / INTEGRITY_ENTRY_LEN;
	text_copy(ch.pid, sizeof ch.pid, pid);
	for (size_t i = 0; i < sizeof tables / sizeof tables[0] && c->ret == STATUS_OK; i++)
		c->ret = chart_check_set(c->s, &ch, tables[i], c->m);
	return c->ret != STATUS_OK;
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int check_headless(int64_t prow, void *arg)
{
	struct heads_ctx *c = arg;
	if (c->nprows && bsearch(&prow, c->prows, c->nprows, sizeof *c->prows, i64_cmp))
		return 0;
	if (!c->s->c->sealed)
		return 0; /* rows from before 007, not re-sealed yet */
	c->ret = integrity_fail(c->m, "patients", prow,
				"has chart rows but no chart head (chart_heads deleted)");
	return 1;
}

status_t integrity_verify_all(session_t *s, int64_t *charts, msg_t *m)
{
	struct heads_ctx c;
	status_t ret;
	int reading = 0;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.m = m;
	*charts = 0;
	/* One snapshot: a change committed meanwhile moves a head and its
	 * record together, never one without the other. */
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	ret = db_audit_chart_heads(s->c->db, take_recorded, &c, m);
	if (ret == STATUS_OK && c.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory checking the charts.");
	if (ret == STATUS_OK) {
		if (c.nrec)
			qsort(c.rec, c.nrec, sizeof *c.rec, rec_cmp);
		ret = db_chart_head_each(s->c->db, check_head, &c, m);
	}
	if (ret == STATUS_OK && c.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory checking the charts.");
	if (ret == STATUS_OK)
		ret = c.ret;
	/* A change on record whose chart has no head any more. */
	/* A destroyed chart (core/retention.h) has no head, by design, and
	 * has the certificate its destruction entry names. */
	for (size_t i = 0; ret == STATUS_OK && i < c.nrec; i++) {
		int found = 0;
		if (strncmp(c.rec[i].head, "destroyed:", 10) != 0)
			continue;
		ret = db_cert_exists(s->c->db, strtoll(c.rec[i].head + 10, NULL, 10),
				     c.rec[i].target, &found, m);
		if (ret == STATUS_OK && !found)
			ret = msg_fail(m, STATUS_INTEGRITY,
				       "Integrity check failed: destruction certificate %.20s, "
				       "recorded in the audit trail for patient %.32s, is missing "
				       "(deleted outside Chartroom).",
				       c.rec[i].head + 10, c.rec[i].target);
	}
	for (size_t i = 0; ret == STATUS_OK && i < c.nrec; i++)
		if (!c.rec[i].seen && strncmp(c.rec[i].head, "destroyed:", 10) != 0)
			ret = msg_fail(m, STATUS_INTEGRITY,
				       "Integrity check failed: the chart head of patient %.32s is "
				       "missing, though the audit trail records changes to it "
				       "(deleted outside Chartroom).",
				       c.rec[i].target);
	if (ret == STATUS_OK) {
		if (c.nprows)
			qsort(c.prows, c.nprows, sizeof *c.prows, i64_cmp);
		ret = db_chart_patients_with_rows(s->c->db, check_headless, &c, m);
		if (ret == STATUS_OK)
			ret = c.ret;
	}
	db_read_end(s->c->db, reading);
	*charts = c.checked;
	free(c.rec);
	free(c.prows);
	return ret;
}
