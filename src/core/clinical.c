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

#include "base/text.h"
#include "core/audit.h"
#include "core/coding.h"
#include "core/crypto.h"
#include "core/internal.h"
#include "core/patient.h"
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

static status_t clin_encrypt(session_t *s, const char *table, const char *column, const char *id,
			     const char *text, unsigned char **blob, size_t *len, msg_t *m)
{
	return crypto_field_encrypt(s->kr, DOMAIN_CLIN, table, column, id, text, strlen(text), 1,
				    blob, len, m);
}

static void clin_decrypt(session_t *s, const char *table, const char *column, const char *id,
			 db_blob_t b, char *out, size_t size)
{
	char *plain = NULL;
	size_t plen = 0;
	msg_t why;
	out[0] = '\0';
	if (!b.p || !b.n)
		return;
	if (crypto_field_decrypt(s->kr, DOMAIN_CLIN, table, column, id, b.p, b.n, &plain, &plen,
				 &why) == STATUS_OK)
		text_copy(out, size, plain);
	else
		text_copy(out, size, "[unreadable: failed its integrity check]");
	crypto_free_plain(plain, plen);
}

/* Free text typed by staff: trimmed, no control characters but newlines
 * (notes) or none at all (short fields). */
static status_t clean_free_text(const char *label, const char *in, int multiline, size_t max,
				int required, char *out, size_t size, msg_t *m)
{
	size_t n;
	const char *a = in ? in : "";
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
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)a[i];
		if ((ch < 0x20 && !(multiline && (ch == '\n' || ch == '\t' || ch == '\r'))) ||
		    ch == 0x7f)
			return msg_fail(m, STATUS_INVALID, "%s contains a control character.", label);
		if (ch == '\t' && !multiline)
			return msg_fail(m, STATUS_INVALID, "%s contains a tab.", label);
	}
	memcpy(out, a, n);
	out[n] = '\0';
	return STATUS_OK;
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

/* The clin key's public half, for sealing reasons for visit. Written to
 * meta by any session that holds the clin key, read by everyone. */
static status_t seal_pk(session_t *s, unsigned char pk[32], msg_t *m)
{
	char hex[80];
	size_t len = 0;
	status_t ret;
	if (db_meta_get(s->c->db, "clin_seal_pk", hex, sizeof hex, m) == STATUS_OK &&
	    sodium_hex2bin(pk, 32, hex, strlen(hex), NULL, &len, NULL) == 0 && len == 32)
		return STATUS_OK;
	if (!keyring_has(s->kr, DOMAIN_CLIN))
		return msg_fail(m, STATUS_ERR,
				"Check-in cannot record a reason for visit yet: a nurse, provider or "
				"administrator must sign on once first.");
	if ((ret = crypto_seal_public(s->kr, DOMAIN_CLIN, pk, m)) != STATUS_OK)
		return ret;
	sodium_bin2hex(hex, sizeof hex, pk, 32);
	return db_meta_set(s->c->db, "clin_seal_pk", hex, m);
}

status_t clinical_publish_seal_key(session_t *s, msg_t *m)
{
	unsigned char pk[32];
	if (!keyring_has(s->kr, DOMAIN_CLIN))
		return STATUS_OK;
	return seal_pk(s, pk, m);
}

struct enc_copy {
	session_t *s;
	encounter_info_t *out;
	int64_t prow;
};

static void enc_fill(session_t *s, const db_encounter_t *e, encounter_info_t *o)
{
	memset(o, 0, sizeof *o);
	o->erow = e->erow;
	text_copy(o->start, sizeof o->start, e->start);
	text_copy(o->type, sizeof o->type, e->type);
	text_copy(o->provider, sizeof o->provider, e->provider);
	text_copy(o->location, sizeof o->location, e->location);
	text_copy(o->status, sizeof o->status, e->status);
	text_copy(o->closed_at, sizeof o->closed_at, e->closed_at);
	text_copy(o->closed_by, sizeof o->closed_by, e->closed_by);
	text_copy(o->coding_status, sizeof o->coding_status, e->coding_status);
	text_copy(o->created_by, sizeof o->created_by, e->created_by);
	if (e->reason.n && keyring_has(s->kr, DOMAIN_CLIN)) {
		char *plain = NULL;
		size_t plen = 0;
		msg_t why;
		if (crypto_unseal_text(s->kr, DOMAIN_CLIN, e->id, e->reason.p, e->reason.n, &plain,
				       &plen, &why) == STATUS_OK)
			text_copy(o->reason, sizeof o->reason, plain);
		else
			text_copy(o->reason, sizeof o->reason,
				  "[unreadable: failed its integrity check]");
		crypto_free_plain(plain, plen);
	}
}

static int enc_one(const db_encounter_t *e, void *arg)
{
	struct enc_copy *c = arg;
	enc_fill(c->s, e, c->out);
	c->prow = e->prow;
	return 1;
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

/* "YYYY-MM-DD[ HH:MM]" -> "YYYY-MM-DDTHH:MM:00Z"; not in the future. */
static status_t service_time(const char *in, char out[24], msg_t *m)
{
	int y, mo, d, h = 12, mi = 0, n = 0;
	char now[24];
	int n2 = 0, bad = sscanf(in, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10;
	if (!bad && in[n])
		bad = sscanf(in + n, " %2d:%2d%n", &h, &mi, &n2) != 2 || in[n + n2] != '\0';
	if (bad)
		return msg_fail(m, STATUS_INVALID,
				"Date of service '%s' must be YYYY-MM-DD or YYYY-MM-DD HH:MM.", in);
	{
		static const int md[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		if (y < 1990 || mo < 1 || mo > 12 || d < 1 || d > md[mo - 1] || h > 23 || mi > 59 ||
		    h < 0 || mi < 0 || (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100) || y % 400 == 0)))
			return msg_fail(m, STATUS_INVALID, "Date of service '%s' is not a real date.",
					in);
	}
	snprintf(out, 24, "%04d-%02d-%02dT%02d:%02d:00Z", y % 10000, mo % 100, d % 100, h % 100,
		 mi % 100);
	core_now(now);
	if (strcmp(out, now) > 0)
		return msg_fail(m, STATUS_INVALID, "Date of service %s is in the future.", in);
	return STATUS_OK;
}

status_t encounter_checkin_at(session_t *s, const char *patient, const char *type,
			      const char *provider, const char *location, const char *reason,
			      const char *when, int64_t *erow, msg_t *m)
{
	status_t ret;
	db_encounter_t e;
	int64_t prow;
	char pid[33], t[48], loc[72], why[CLIN_TEXT_MAX], known[48];
	const char *probe[2] = {provider, NULL};
	unsigned char pk[32], *blob = NULL;
	size_t blen = 0;
	int ok = 0;

	*erow = 0;
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
	if (when && *when && (ret = service_time(when, e.start, m)) != STATUS_OK)
		return ret;
	text_copy(e.type, sizeof e.type, t);
	text_copy(e.provider, sizeof e.provider, provider);
	text_copy(e.location, sizeof e.location, loc);
	core_now(e.created);
	text_copy(e.created_by, sizeof e.created_by, s->user.name);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	if (*why) {
		if ((ret = seal_pk(s, pk, m)) == STATUS_OK)
			ret = crypto_seal_text(pk, e.id, why, &blob, &blen, m);
		e.reason.p = blob;
		e.reason.n = blen;
	}
	if (ret == STATUS_OK)
		ret = db_encounter_insert(s->c->db, &e, m);
	if (ret == STATUS_OK) {
		char detail[96];
		snprintf(detail, sizeof detail, "encounter %lld checked in", (long long)e.erow);
		ret = audit_append(s, "encounter_checkin", pid, "ok", detail, m);
	}
	free(blob);
	if ((ret = finish(s, ret, m)) == STATUS_OK) {
		*erow = e.erow;
		msg_set(m, "Checked in: encounter %lld (%s with %s).", (long long)e.erow, t, provider);
	}
	return ret;
}

status_t encounter_close(session_t *s, int64_t erow, msg_t *m)
{
	status_t ret;
	encounter_info_t info;
	struct enc_copy c = {s, &info, 0};
	char pid[33], when[24], detail[64];
	if ((ret = session_require(s, ACT_ENCOUNTER_CLOSE, m)) != STATUS_OK)
		return ret;
	if ((ret = db_encounter_get(s->c->db, erow, enc_one, &c, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, c.prow, pid, m)) != STATUS_OK)
		return ret;
	core_now(when);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = db_encounter_close(s->c->db, erow, when, s->user.name, m);
	snprintf(detail, sizeof detail, "encounter %lld closed", (long long)erow);
	if (ret == STATUS_OK)
		ret = audit_append(s, "encounter_close", pid, "ok", detail, m);
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "Encounter %lld closed.", (long long)erow);
	return ret;
}

status_t encounter_get(session_t *s, int64_t erow, encounter_info_t *out, msg_t *m)
{
	status_t ret;
	struct enc_copy c = {s, out, 0};
	char pid[33];
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = db_encounter_get(s->c->db, erow, enc_one, &c, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, c.prow, pid, m)) != STATUS_OK) {
		memset(out, 0, sizeof *out);
		return ret;
	}
	text_copy(out->patient_id, sizeof out->patient_id, pid);
	return STATUS_OK;
}

struct enc_list {
	session_t *s;
	const char *pid;
	int (*fn)(const encounter_info_t *e, void *arg);
	void *arg;
	encounter_info_t info;
};

static int enc_each(const db_encounter_t *e, void *arg)
{
	struct enc_list *l = arg;
	int r;
	enc_fill(l->s, e, &l->info);
	text_copy(l->info.patient_id, sizeof l->info.patient_id, l->pid);
	r = l->fn(&l->info, l->arg);
	sodium_memzero(&l->info, sizeof l->info);
	return r;
}

status_t encounter_list(session_t *s, const char *patient,
			int (*fn)(const encounter_info_t *e, void *arg), void *arg, msg_t *m)
{
	status_t ret;
	int64_t prow;
	char pid[33];
	struct enc_list *l;
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_view(s, pid, "encounters", m)) != STATUS_OK)
		return ret;
	if (!(l = calloc(1, sizeof *l)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	l->s = s;
	l->pid = pid;
	l->fn = fn;
	l->arg = arg;
	ret = db_encounter_list(s->c->db, prow, enc_each, l, m);
	free(l);
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

status_t vitals_record(session_t *s, int64_t erow, const vitals_input_t *in, const char **bad,
		       msg_t *m)
{
	status_t ret;
	db_vitals_t v;
	encounter_info_t info;
	struct enc_copy c = {s, &info, 0};
	char pid[33], unit[16], detail[200];
	double x;
	const config_t *cfg = s->c->cfg;
	int any = 0;

	*bad = NULL;
	if ((ret = session_require(s, ACT_VITALS_RECORD, m)) != STATUS_OK)
		return ret;
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
	if ((ret = db_encounter_get(s->c->db, erow, enc_one, &c, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, c.prow, pid, m)) != STATUS_OK)
		return ret;
	if (v.weight_kg > 0) {
		double h = v.height_cm;
		if (h < 0 && db_vitals_last_height(s->c->db, c.prow, &h, m) != STATUS_OK)
			h = -1;
		if (h > 0)
			v.bmi = round(v.weight_kg / ((h / 100) * (h / 100)) * 10) / 10;
	}
	v.erow = erow;
	v.prow = c.prow;
	core_now(v.taken);
	text_copy(v.recorded_by, sizeof v.recorded_by, s->user.name);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = db_vitals_insert(s->c->db, &v, m);
	snprintf(detail, sizeof detail, "vitals on encounter %lld", (long long)erow);
	if (ret == STATUS_OK)
		ret = audit_append(s, "vitals_record", pid, "ok", detail, m);
	if ((ret = finish(s, ret, m)) == STATUS_OK)
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
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_view(s, pid, "vitals", m)) != STATUS_OK)
		return ret;
	return db_vitals_list(s->c->db, prow, limit, vit_each, &l, m);
}

/* ---- allergies, medications, problems ---------------------------------- */

static const char *const severities[] = {"mild", "moderate", "severe", "unknown", NULL};
static const char *const routes[] = {"PO",      "IV",    "IM",         "SC",   "SL",
				     "PR",      "topical", "inhaled",  "nasal", "ophthalmic",
				     "otic",    "transdermal", "other", NULL};
static const char *const item_tables[] = {"allergies", "medications", "problems"};
static const char *const item_names[] = {"allergy", "medication", "problem"};

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

static status_t item_insert(session_t *s, const char *patient, db_item_t *it, const char *a,
			    const char *b, int64_t *row, msg_t *m)
{
	status_t ret;
	int64_t prow;
	char pid[33], detail[96];
	unsigned char *ba = NULL, *bb = NULL;
	size_t na = 0, nb = 0;
	const char *table = item_tables[it->kind];
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	crypto_random_id(it->id);
	it->prow = prow;
	core_now(it->recorded);
	text_copy(it->recorded_by, sizeof it->recorded_by, s->user.name);
	if ((ret = clin_encrypt(s, table, "a", it->id, a, &ba, &na, m)) != STATUS_OK)
		goto cleanup;
	if (b && *b && (ret = clin_encrypt(s, table, "b", it->id, b, &bb, &nb, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	ret = db_item_insert(s->c->db, it, ba, na, bb, nb, m);
	if (ret == STATUS_OK && it->kind == DB_ALLERGY)
		ret = db_nka_set(s->c->db, prow, 0, it->recorded, s->user.name, m);
	snprintf(detail, sizeof detail, "%s %lld added", item_names[it->kind], (long long)it->row);
	if (ret == STATUS_OK)
		ret = audit_append(s, "chart_add", pid, "ok", detail, m);
	if ((ret = finish(s, ret, m)) == STATUS_OK) {
		*row = it->row;
		msg_set(m, "Saved %s %lld.", item_names[it->kind], (long long)it->row);
	}
cleanup:
	free(ba);
	free(bb);
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
	return item_insert(s, patient, &it, a, b, row, m);
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
	char pid[33], when[24];
	int active = 0;
	if ((ret = session_require(s, ACT_ALLERGY_RECORD, m)) != STATUS_OK)
		return ret;
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = db_item_list(s->c->db, DB_ALLERGY, prow, count_active, &active, m);
	if (ret == STATUS_OK && active)
		ret = msg_fail(m, STATUS_INVALID,
			       "The patient has %d active allerg%s; mark them inactive or entered "
			       "in error before recording no known allergies.",
			       active, active == 1 ? "y" : "ies");
	core_now(when);
	if (ret == STATUS_OK)
		ret = db_nka_set(s->c->db, prow, 1, when, s->user.name, m);
	if (ret == STATUS_OK)
		ret = audit_append(s, "chart_add", pid, "ok", "no known allergies", m);
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "Recorded: no known allergies.");
	return ret;
}

static int valid_iso_or_empty(const session_t *s, const char *in, char out[24], msg_t *m,
			      const char *label)
{
	char buf[PATIENT_FIELD_MAX];
	out[0] = '\0';
	if (!in || !*in)
		return 1;
	/* The same date rules as a date of death: real, not in the future. */
	if (patient_normalize_field(s->c->cfg, PF_DEATH, in, buf, m) != STATUS_OK) {
		char why[400];
		const char *was = patient_field_label(PF_DEATH);
		size_t wl = strlen(was);
		text_copy(why, sizeof why, m->text);
		/* "Date of death<rest>" -> "<label><rest>", whatever the rest
		 * says ("...: not a real date", "... is in the future"). */
		msg_set(m, "%s%s", label, strncmp(why, was, wl) == 0 ? why + wl : " is not a date.");
		return 0;
	}
	text_copy(out, 24, buf);
	return 1;
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
	text_copy(it.extra, sizeof it.extra, freq);
	text_copy(it.status, sizeof it.status, "active");
	return item_insert(s, patient, &it, a, b, row, m);
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
	if (code && *code && !icd10_shape(code, it.code, sizeof it.code))
		return msg_fail(m, STATUS_INVALID,
				"'%s' is not an ICD-10-CM code (a letter, two digits, then up to "
				"four more, e.g. E11.9).",
				code);
	if (!valid_iso_or_empty(s, onset, it.date1, m, "Onset date"))
		return STATUS_INVALID;
	/* Once an ICD-10-CM code set is loaded, a problem's code must be a
	 * billable code of the version in effect today. */
	if (*it.code) {
		code_hit_t h;
		msg_t why;
		status_t chk = codes_check(s, CS_ICD10CM, it.code, NULL, &h, &why);
		if (chk != STATUS_OK && chk != STATUS_NOTFOUND)
			return msg_fail(m, chk, "%s", why.text);
	}
	text_copy(it.status, sizeof it.status, "active");
	return item_insert(s, patient, &it, a, NULL, row, m);
}

static const char *const statuses[3][4] = {
	{"active", "inactive", "entered-in-error", NULL},
	{"active", "stopped", "entered-in-error", NULL},
	{"active", "resolved", "entered-in-error", NULL},
};

static int item_prow(const db_item_t *it, void *arg)
{
	*(int64_t *)arg = it->prow;
	return 1;
}

status_t chart_item_set_status(session_t *s, chart_kind_t kind, int64_t row, const char *status,
			       msg_t *m)
{
	static const action_t need[] = {ACT_ALLERGY_RECORD, ACT_MEDICATION_RECORD,
					ACT_PROBLEM_RECORD};
	status_t ret;
	int64_t prow = 0;
	char pid[33], when[24], detail[96];
	int st;
	if ((unsigned)kind > CHART_PROBLEM)
		return msg_fail(m, STATUS_INVALID, "Unknown chart section.");
	if ((ret = session_require(s, need[kind], m)) != STATUS_OK)
		return ret;
	st = one_of(status ? status : "", (const char *const *)statuses[kind]);
	if (st < 0)
		return msg_fail(m, STATUS_INVALID, "Status must be %s, %s or %s.", statuses[kind][0],
				statuses[kind][1], statuses[kind][2]);
	if ((ret = db_item_get(s->c->db, (db_item_kind_t)kind, row, item_prow, &prow, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, prow, pid, m)) != STATUS_OK)
		return ret;
	core_now(when);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = db_item_set_status(s->c->db, (db_item_kind_t)kind, row, statuses[kind][st], when,
				 s->user.name, m);
	snprintf(detail, sizeof detail, "%s %lld -> %s", item_names[kind], (long long)row,
		 statuses[kind][st]);
	if (ret == STATUS_OK)
		ret = audit_append(s, "chart_status", pid, "ok", detail, m);
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "The %s is now %s.", item_names[kind], statuses[kind][st]);
	return ret;
}

struct item_list {
	session_t *s;
	int (*fn)(const chart_item_t *it, void *arg);
	void *arg;
	chart_item_t out;
};

static void code_display(const char *code, char *out, size_t size)
{
	if (strlen(code) > 3)
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
	clin_decrypt(l->s, table, "a", it->id, it->a, o->text, sizeof o->text);
	clin_decrypt(l->s, table, "b", it->id, it->b, o->text2, sizeof o->text2);
	if (it->kind == DB_PROBLEM)
		code_display(it->code, o->code, sizeof o->code);
	else
		text_copy(o->code, sizeof o->code, it->code);
	text_copy(o->extra, sizeof o->extra, it->extra);
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
	static const char *const sections[] = {"allergies", "medications", "problems"};
	status_t ret;
	int64_t prow;
	char pid[33];
	struct item_list *l;
	if ((unsigned)kind > CHART_PROBLEM)
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
	l->fn = fn;
	l->arg = arg;
	ret = db_item_list(s->c->db, (db_item_kind_t)kind, prow, item_each, l, m);
	free(l);
	return ret;
}

struct banner {
	session_t *s;
	char *out;
	size_t size, o;
	int n;
};

static int banner_each(const db_item_t *it, void *arg)
{
	struct banner *b = arg;
	char sub[CLIN_TEXT_MAX];
	int k;
	if (strcmp(it->status, "active") != 0)
		return 0;
	clin_decrypt(b->s, "allergies", "a", it->id, it->a, sub, sizeof sub);
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
	char pid[33], when[24], by[72];
	int nka;
	struct banner b = {s, out, size, 0, 0};
	out[0] = '\0';
	if (!session_can(s, ACT_CLINICAL_VIEW))
		return msg_fail(m, STATUS_DENIED, "No clinical access.");
	if ((ret = gate(s, patient, &prow, pid, m)) != STATUS_OK)
		return ret;
	if ((ret = db_item_list(s->c->db, DB_ALLERGY, prow, banner_each, &b, m)) != STATUS_OK)
		return ret;
	if (b.n)
		return STATUS_OK;
	if ((ret = db_nka_get(s->c->db, prow, &nka, when, by, m)) != STATUS_OK)
		return ret;
	text_copy(out, size, nka == 1 ? "NKA (no known allergies)" : "Allergies not recorded");
	return STATUS_OK;
}

/* ---- notes ------------------------------------------------------------ */

void note_info_clear(note_info_t *n)
{
	if (!n)
		return;
	crypto_free_plain(n->body, n->body_len);
	memset(n, 0, sizeof *n);
}

struct note_copy {
	session_t *s;
	note_info_t *out;
	int64_t prow;
	char id[33];
	int with_body;
	status_t ret;
	msg_t *m;
};

static int note_fill(const db_note_t *n, void *arg)
{
	struct note_copy *c = arg;
	note_info_t *o = c->out;
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
	c->prow = n->prow;
	text_copy(c->id, sizeof c->id, n->id);
	if (c->with_body) {
		msg_t why;
		if (crypto_field_decrypt(c->s->kr, DOMAIN_CLIN, "notes", "body", n->id, n->body.p,
					 n->body.n, &o->body, &o->body_len, &why) != STATUS_OK) {
			o->body = strdup("[unreadable: this note failed its integrity check]");
			o->body_len = o->body ? strlen(o->body) : 0;
		}
	}
	return 1;
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
	encounter_info_t einfo;
	struct enc_copy ec = {s, &einfo, 0};
	db_note_t n;
	char pid[33], detail[96], *text = NULL;
	unsigned char *blob = NULL;
	size_t blen = 0;

	*nrow = 0;
	if ((ret = session_require(s, ACT_NOTE_WRITE, m)) != STATUS_OK)
		return ret;
	if ((ret = note_text(body, &text, m)) != STATUS_OK)
		return ret;
	if (addendum_of) {
		note_info_t orig;
		struct note_copy c = {s, &orig, 0, "", 0, STATUS_OK, m};
		if ((ret = db_note_get(s->c->db, addendum_of, note_fill, &c, m)) != STATUS_OK)
			goto cleanup;
		if (strcmp(orig.status, "signed") != 0) {
			ret = msg_fail(m, STATUS_INVALID,
				       "Note %lld is still a draft: edit it instead of adding an "
				       "addendum.",
				       (long long)addendum_of);
			goto cleanup;
		}
		if (orig.addendum_of) {
			ret = msg_fail(m, STATUS_INVALID,
				       "Note %lld is itself an addendum; add to the original note "
				       "%lld.",
				       (long long)addendum_of, (long long)orig.addendum_of);
			goto cleanup;
		}
		erow = orig.erow;
	}
	if ((ret = db_encounter_get(s->c->db, erow, enc_one, &ec, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = gate_prow(s, ec.prow, pid, m)) != STATUS_OK)
		goto cleanup;
	memset(&n, 0, sizeof n);
	crypto_random_id(n.id);
	n.erow = erow;
	n.prow = ec.prow;
	n.addendum_of = addendum_of;
	text_copy(n.author, sizeof n.author, s->user.name);
	core_now(n.created);
	if ((ret = crypto_field_encrypt(s->kr, DOMAIN_CLIN, "notes", "body", n.id, text,
					strlen(text), 1, &blob, &blen, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto cleanup;
	ret = db_note_insert(s->c->db, &n, blob, blen, m);
	if (addendum_of)
		snprintf(detail, sizeof detail, "addendum %lld to note %lld", (long long)n.nrow,
			 (long long)addendum_of);
	else
		snprintf(detail, sizeof detail, "note %lld drafted on encounter %lld",
			 (long long)n.nrow, (long long)erow);
	if (ret == STATUS_OK)
		ret = audit_append(s, "note_create", pid, "ok", detail, m);
	if ((ret = finish(s, ret, m)) == STATUS_OK) {
		*nrow = n.nrow;
		msg_set(m, "%s %lld saved as a draft.", addendum_of ? "Addendum" : "Note",
			(long long)n.nrow);
	}
cleanup:
	free(blob);
	crypto_free_plain(text, 0);
	return ret;
}

status_t note_save(session_t *s, int64_t nrow, const char *body, int version, msg_t *m)
{
	status_t ret;
	note_info_t cur;
	struct note_copy c = {s, &cur, 0, "", 0, STATUS_OK, m};
	char pid[33], when[24], detail[64], *text = NULL;
	unsigned char *blob = NULL;
	size_t blen = 0;
	if ((ret = session_require(s, ACT_NOTE_WRITE, m)) != STATUS_OK)
		return ret;
	if ((ret = db_note_get(s->c->db, nrow, note_fill, &c, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, c.prow, pid, m)) != STATUS_OK)
		return ret;
	if (strcmp(cur.status, "signed") == 0)
		return msg_fail(m, STATUS_INVALID,
				"Note %lld was signed by %s at %s: signed notes cannot be changed; "
				"add an addendum.",
				(long long)nrow, cur.signed_by, cur.signed_at);
	if (strcmp(cur.author, s->user.name) != 0)
		return msg_fail(m, STATUS_DENIED, "Only %s, who wrote this draft, may change it.",
				cur.author);
	if (cur.version != version)
		return msg_fail(m, STATUS_CONFLICT,
				"Note %lld was saved again at %s since you opened it; reopen it.",
				(long long)nrow, cur.updated);
	if ((ret = note_text(body, &text, m)) != STATUS_OK)
		return ret;
	ret = crypto_field_encrypt(s->kr, DOMAIN_CLIN, "notes", "body", c.id, text, strlen(text), 1,
				   &blob, &blen, m);
	core_now(when);
	if (ret == STATUS_OK && (ret = db_begin(s->c->db, m)) == STATUS_OK) {
		ret = db_note_update(s->c->db, nrow, blob, blen, version, when, m);
		snprintf(detail, sizeof detail, "note %lld edited", (long long)nrow);
		if (ret == STATUS_OK)
			ret = audit_append(s, "note_edit", pid, "ok", detail, m);
		if ((ret = finish(s, ret, m)) == STATUS_OK)
			msg_set(m, "Draft %lld saved.", (long long)nrow);
	}
	free(blob);
	crypto_free_plain(text, 0);
	return ret;
}

status_t note_sign(session_t *s, int64_t nrow, int version, msg_t *m)
{
	status_t ret;
	note_info_t cur;
	struct note_copy c = {s, &cur, 0, "", 0, STATUS_OK, m};
	char pid[33], when[24], detail[64];
	if ((ret = session_require(s, ACT_NOTE_SIGN, m)) != STATUS_OK)
		return ret;
	if ((ret = db_note_get(s->c->db, nrow, note_fill, &c, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, c.prow, pid, m)) != STATUS_OK)
		return ret;
	if (strcmp(cur.status, "signed") == 0)
		return msg_fail(m, STATUS_INVALID, "Note %lld was already signed by %s at %s.",
				(long long)nrow, cur.signed_by, cur.signed_at);
	if (version && cur.version != version)
		return msg_fail(m, STATUS_CONFLICT,
				"Note %lld changed since you read it (saved %s); read it again "
				"before signing.",
				(long long)nrow, cur.updated);
	core_now(when);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = db_note_sign(s->c->db, nrow, cur.version, s->user.name, when, m);
	snprintf(detail, sizeof detail, "note %lld signed", (long long)nrow);
	if (ret == STATUS_OK)
		ret = audit_append(s, "note_sign", pid, "ok", detail, m);
	if ((ret = finish(s, ret, m)) == STATUS_OK)
		msg_set(m, "Note %lld signed by %s.", (long long)nrow, s->user.name);
	return ret;
}

status_t note_get(session_t *s, int64_t nrow, note_info_t *out, msg_t *m)
{
	status_t ret;
	struct note_copy c = {s, out, 0, "", 1, STATUS_OK, m};
	char pid[33], detail[48];
	memset(out, 0, sizeof *out);
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	/* Check access before decrypting anything. */
	c.with_body = 0;
	if ((ret = db_note_get(s->c->db, nrow, note_fill, &c, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, c.prow, pid, m)) != STATUS_OK) {
		memset(out, 0, sizeof *out);
		return ret;
	}
	snprintf(detail, sizeof detail, "note %lld", (long long)nrow);
	if ((ret = audit_view(s, pid, detail, m)) != STATUS_OK)
		return ret;
	c.with_body = 1;
	return db_note_get(s->c->db, nrow, note_fill, &c, m);
}

struct note_list_ctx {
	session_t *s;
	int (*fn)(const note_info_t *n, void *arg);
	void *arg;
	int with_body;
};

static int note_each(const db_note_t *n, void *arg)
{
	struct note_list_ctx *l = arg;
	note_info_t info;
	struct note_copy c = {l->s, &info, 0, "", l->with_body, STATUS_OK, NULL};
	int r;
	note_fill(n, &c);
	r = l->fn(&info, l->arg);
	note_info_clear(&info);
	return r;
}

status_t note_list(session_t *s, int64_t erow, int (*fn)(const note_info_t *n, void *arg),
		   void *arg, msg_t *m)
{
	status_t ret;
	encounter_info_t einfo;
	struct enc_copy ec = {s, &einfo, 0};
	struct note_list_ctx l = {s, fn, arg, 1};
	char pid[33], detail[48];
	if ((ret = session_require(s, ACT_CLINICAL_VIEW, m)) != STATUS_OK)
		return ret;
	if ((ret = db_encounter_get(s->c->db, erow, enc_one, &ec, m)) != STATUS_OK)
		return ret;
	if ((ret = gate_prow(s, ec.prow, pid, m)) != STATUS_OK)
		return ret;
	snprintf(detail, sizeof detail, "notes of encounter %lld", (long long)erow);
	if ((ret = audit_view(s, pid, detail, m)) != STATUS_OK)
		return ret;
	return db_note_list(s->c->db, erow, note_each, &l, m);
}

status_t note_deficiencies(session_t *s, int (*fn)(const note_info_t *n, void *arg), void *arg,
			   msg_t *m)
{
	status_t ret;
	struct note_list_ctx l = {s, fn, arg, 0};
	char before[24];
	time_t t = time(NULL) - (time_t)s->c->cfg->draft_deficiency_days * 86400;
	struct tm tm;
	if (!session_can(s, ACT_HIM_RECORDS) && !session_can(s, ACT_NOTE_SIGN))
		return session_require(s, ACT_HIM_RECORDS, m);
	gmtime_r(&t, &tm);
	strftime(before, sizeof before, "%Y-%m-%dT%H:%M:%SZ", &tm);
	ret = db_note_drafts(s->c->db, before, note_each, &l, m);
	return ret;
}
