/* rights.c - the legal clocks, sealing and MACs shared by disclosures, ROI
 * and amendments (core/rights.h). */
#include "core/rights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/lpbuf.h"
#include "base/text.h"
#include "base/tz.h"
#include "core/crypto.h"
#include "core/internal.h"
#include "core/patient.h"
#include "core/precord.h"
#include "db/db_patients.h"

void rights_local_date(session_t *s, const char *utc, char out[DATE_ISO_SIZE])
{
	char buf[TZ_TEXT_MAX];
	const char *zone = s && s->c && s->c->cfg ? s->c->cfg->clinic_tz : "UTC";
	if (tz_format(zone, utc, TZ_DATE, buf, sizeof buf) != 0 || strlen(buf) != 10)
		text_copy(buf, sizeof buf, utc ? utc : "");
	text_copy(out, DATE_ISO_SIZE, buf);
}

void rights_today(session_t *s, char out[DATE_ISO_SIZE])
{
	char now[24];
	core_now(now);
	rights_local_date(s, now, out);
}

status_t rights_due(const char *received, int days, char out[DATE_ISO_SIZE], msg_t *m)
{
	if (date_add_days(received, days, out) != 0)
		return msg_fail(m, STATUS_INVALID, "Received date '%.20s' is not a date.",
				received ? received : "");
	return STATUS_OK;
}

long rights_days_left(const char *today, const char *due)
{
	int ok;
	long d = date_diff_days(today, due, &ok);
	return ok ? d : 0;
}

void rights_days_text(long left, char *buf, size_t size)
{
	if (left > 1)
		snprintf(buf, size, "%ld days left", left);
	else if (left == 1)
		snprintf(buf, size, "1 day left");
	else if (left == 0)
		snprintf(buf, size, "due today");
	else if (left == -1)
		snprintf(buf, size, "OVERDUE 1 day");
	else
		snprintf(buf, size, "OVERDUE %ld days", -left);
}

status_t rights_date(session_t *s, const char *label, const char *in, int future,
		     char out[DATE_ISO_SIZE], msg_t *m)
{
	char today[DATE_ISO_SIZE];
	rights_today(s, today);
	if (!in || !*in) {
		memcpy(out, today, DATE_ISO_SIZE);
		return STATUS_OK;
	}
	return date_parse_msg(label, in, "1900-01-01", future ? NULL : today, out, m);
}

status_t rights_text(const char *label, const char *s, int multiline, msg_t *m)
{
	size_t n = s ? strlen(s) : 0;
	if (n > RIGHTS_TEXT_MAX)
		return msg_fail(m, STATUS_INVALID, "%s is too long (at most %d characters).", label,
				RIGHTS_TEXT_MAX);
	return text_check(label, s ? s : "", n, multiline ? TEXT_ALLOW_NEWLINE : 0, m);
}

void rights_patient_label(session_t *s, int64_t prow, char mrn[24], char name[128])
{
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	msg_t ignore;
	text_copy(mrn, 24, "?");
	text_copy(name, 128, "?");
	if (row && p && db_patient_get_ident(s->c->db, prow, row, &ignore) == STATUS_OK &&
	    precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), &ignore) == STATUS_OK) {
		text_copy(mrn, 24, p->f[PF_MRN]);
		char tmp[2 * PATIENT_FIELD_MAX + 4];
		snprintf(tmp, sizeof tmp, "%s, %s", p->f[PF_LAST], p->f[PF_FIRST]);
		text_copy(name, 128, tmp);
	}
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
}

status_t rights_seal(session_t *s, const char *table, const char *row_id, const char *pid,
		     const char *const *f, int n, unsigned char **out, size_t *out_len, msg_t *m)
{
	lpbuf_t b = {0};
	crypto_bind_t bind = {table, "body", row_id, pid, NULL, NULL};
	status_t ret;
	for (int i = 0; i < n; i++)
		lpbuf_str(&b, f[i] ? f[i] : "");
	if (b.bad) {
		lpbuf_free(&b);
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	ret = crypto_field_seal(s->kr, DOMAIN_DEMO, &bind, b.p, b.len, 1, out, out_len, m);
	lpbuf_free(&b);
	return ret;
}

void rights_fields_free(char **f, int n)
{
	for (int i = 0; i < n; i++) {
		if (f[i]) {
			sodium_memzero(f[i], strlen(f[i]));
			free(f[i]);
		}
		f[i] = NULL;
	}
}

status_t rights_open(session_t *s, const char *table, const char *row_id, const char *pid,
		     const unsigned char *blob, size_t len, char **f, int n, msg_t *m)
{
	crypto_bind_t bind = {table, "body", row_id, pid, NULL, NULL};
	char *plain = NULL;
	size_t plen = 0, at = 0;
	status_t ret;
	for (int i = 0; i < n; i++)
		f[i] = NULL;
	ret = crypto_field_open(s->kr, DOMAIN_DEMO, &bind, 0, blob, len, &plain, &plen, m);
	if (ret != STATUS_OK)
		return ret;
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		uint32_t k;
		const unsigned char *p = (const unsigned char *)plain + at;
		if (plen - at < 4) {
			ret = msg_fail(m, STATUS_INTEGRITY, "Integrity check failed: %s record %s "
							    "has a damaged body.", table, row_id);
			break;
		}
		k = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		at += 4;
		if (k > plen - at) {
			ret = msg_fail(m, STATUS_INTEGRITY, "Integrity check failed: %s record %s "
							    "has a damaged body.", table, row_id);
			break;
		}
		if (!(f[i] = malloc((size_t)k + 1))) {
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
			break;
		}
		memcpy(f[i], plain + at, k);
		f[i][k] = '\0';
		at += k;
	}
	crypto_free_plain(plain, plen);
	if (ret != STATUS_OK)
		rights_fields_free(f, n);
	return ret;
}

status_t rights_mac(session_t *s, const void *data, size_t len, unsigned char out[RIGHTS_MAC_LEN],
		    msg_t *m)
{
	int ver = 0;
	status_t ret = crypto_integrity_mac(s->kr, CRYPTO_CURRENT, data, len, out + 2, &ver, m);
	out[0] = 1;
	out[1] = (unsigned char)ver;
	return ret;
}

status_t rights_mac_check(session_t *s, const void *data, size_t len, const unsigned char *stored,
			  size_t stored_len, const char *table, int64_t n, msg_t *m)
{
	unsigned char mac[CRYPTO_IMAC_LEN];
	status_t ret;
	if (!stored || stored_len != RIGHTS_MAC_LEN || stored[0] != 1)
		return msg_fail(m, STATUS_INTEGRITY,
				"Integrity check failed: %s record %lld has no valid MAC (changed "
				"outside Chartroom).",
				table, (long long)n);
	ret = crypto_integrity_mac(s->kr, stored[1], data, len, mac, NULL, m);
	if (ret == STATUS_CRYPTO || (ret == STATUS_OK && crypto_memcmp(mac, stored + 2, sizeof mac)))
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "Integrity check failed: %s record %lld was changed outside Chartroom.",
			       table, (long long)n);
	sodium_memzero(mac, sizeof mac);
	return ret;
}
