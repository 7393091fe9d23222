/* disclosure.c - the accounting of disclosures (core/disclosure.h). */
#include "core/disclosure.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/lpbuf.h"
#include "base/text.h"
#include "core/audit.h"
#include "core/internal.h"
#include "core/notsame.h"
#include "core/rights.h"
#include "db/db_merge.h"
#include "db/db_patients.h"
#include "db/db_rights.h"

#define TABLE "disclosures"
#define NFIELDS 4 /* recipient name, address, description, purpose */

static const struct {
	const char *name;
	int excluded;
	const char *desc;
} categories[] = {
#define CAT_ROW(n, x, d) {n, x, d},
	DISCLOSURE_CATEGORIES(CAT_ROW)
#undef CAT_ROW
};
#define NCAT (sizeof categories / sizeof categories[0])

static int cat_find(const char *name)
{
	for (size_t i = 0; name && i < NCAT; i++)
		if (strcmp(categories[i].name, name) == 0)
			return (int)i;
	return -1;
}

int disclosure_category_valid(const char *name)
{
	return cat_find(name) >= 0;
}

int disclosure_category_excluded(const char *name)
{
	int i = cat_find(name);
	return i >= 0 && categories[i].excluded;
}

const char *disclosure_category_desc(const char *name)
{
	int i = cat_find(name);
	if (name && strcmp(name, "strike") == 0)
		return "Strikes an entry recorded in error";
	return i >= 0 ? categories[i].desc : "";
}

const char *disclosure_category_name(int i)
{
	return i >= 0 && (size_t)i < NCAT ? categories[i].name : NULL;
}

/* The MAC input of a row. */
static void mac_input(lpbuf_t *b, const db_disclosure_t *d, const char *pid)
{
	char num[3][24];
	snprintf(num[0], sizeof num[0], "%" PRId64, d->n);
	snprintf(num[1], sizeof num[1], "%" PRId64, d->roi);
	snprintf(num[2], sizeof num[2], "%" PRId64, d->strikes);
	lpbuf_str(b, "chartroom-disclosure:1");
	lpbuf_str(b, TABLE);
	lpbuf_str(b, d->id);
	lpbuf_str(b, num[0]);
	lpbuf_str(b, pid);
	lpbuf_str(b, d->disclosed_on);
	lpbuf_str(b, d->category);
	lpbuf_str(b, d->source);
	lpbuf_str(b, num[1]);
	lpbuf_str(b, num[2]);
	lpbuf_str(b, d->suspended_until);
	lpbuf_str(b, d->recorded_at);
	lpbuf_str(b, d->recorded_by);
	lpbuf_put(b, d->body.p, d->body.n);
}

static status_t finish(session_t *s, int began, status_t ret, msg_t *m)
{
	if (!began)
		return ret;
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

/* Write one entry (inside the transaction). */
static status_t write_entry(session_t *s, int64_t prow, const char *pid, db_disclosure_t *d,
			    const char *const *f, int64_t *n, msg_t *m)
{
	unsigned char *body = NULL, mac[RIGHTS_MAC_LEN];
	size_t blen = 0;
	lpbuf_t b = {0};
	char detail[160];
	status_t ret;
	d->prow = prow;
	crypto_random_id(d->id);
	core_now(d->recorded_at);
	text_copy(d->recorded_by, sizeof d->recorded_by, session_user_name(s));
	if ((ret = db_disclosure_next(s->c->db, &d->n, m)) != STATUS_OK)
		return ret;
	if ((ret = rights_seal(s, TABLE, d->id, pid, f, NFIELDS, &body, &blen, m)) != STATUS_OK)
		return ret;
	d->body.p = body;
	d->body.n = blen;
	mac_input(&b, d, pid);
	if (b.bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	else
		ret = rights_mac(s, b.p, b.len, mac, m);
	lpbuf_free(&b);
	if (ret == STATUS_OK) {
		d->mac.p = mac;
		d->mac.n = sizeof mac;
		ret = db_disclosure_add(s->c->db, d, m);
	}
	if (ret == STATUS_OK) {
		snprintf(detail, sizeof detail, "disclosure %" PRId64 " %s %s%s", d->n, d->category,
			 d->disclosed_on, d->strikes ? " (strikes an entry)" : "");
		ret = audit_append(s, d->strikes && strcmp(d->category, "strike") == 0
					      ? "disclosure_strike"
					      : "disclosure_add",
				   pid, "ok", detail, m);
	}
	free(body);
	if (ret == STATUS_OK && n)
		*n = d->n;
	return ret;
}

typedef struct find_ctx {
	int64_t prow;
	char category[24];
	int found;
} find_ctx_t;

static int find_one(const db_disclosure_t *d, void *arg)
{
	find_ctx_t *c = arg;
	c->prow = d->prow;
	text_copy(c->category, sizeof c->category, d->category);
	c->found = 1;
	return 1;
}

status_t disclosure_record_for(session_t *s, const char *patient, const disclosure_t *d,
			       const char *source, int64_t roi, int64_t *n, msg_t *m)
{
	db_disclosure_t row;
	char pid[33];
	int64_t prow = 0;
	int conf, began = 0;
	const char *f[NFIELDS];
	status_t ret;
	memset(&row, 0, sizeof row);
	f[0] = d->recipient_name;
	f[1] = d->recipient_address;
	f[2] = d->description;
	f[3] = d->purpose;
	if (!disclosure_category_valid(d->category))
		return msg_fail(m, STATUS_INVALID,
				"Category: '%.30s' is not a kind of disclosure (see 'chartroom "
				"disclosure categories').",
				d->category ? d->category : "");
	if (!d->recipient_name || !*d->recipient_name)
		return msg_fail(m, STATUS_INVALID, "Recipient name is required.");
	if (!d->description || !*d->description)
		return msg_fail(m, STATUS_INVALID,
				"Description of what was disclosed is required.");
	if ((ret = rights_text("Recipient name", f[0], 0, m)) != STATUS_OK ||
	    (ret = rights_text("Recipient address", f[1], 1, m)) != STATUS_OK ||
	    (ret = rights_text("Description", f[2], 1, m)) != STATUS_OK ||
	    (ret = rights_text("Purpose", f[3], 1, m)) != STATUS_OK)
		return ret;
	if ((ret = rights_date(s, "Date disclosed", d->date, 0, row.disclosed_on, m)) != STATUS_OK)
		return ret;
	if (d->suspended_until && *d->suspended_until &&
	    (ret = date_parse_msg("Suspended until", d->suspended_until, row.disclosed_on, NULL,
				  row.suspended_until, m)) != STATUS_OK)
		return ret;
	text_copy(row.category, sizeof row.category, d->category);
	text_copy(row.source, sizeof row.source, source ? source : "manual");
	row.roi = roi;
	row.strikes = d->corrects;
	if (!db_in_transaction(s->c->db)) {
		if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
			return ret;
		began = 1;
	}
	ret = patient_locate(s, patient, &prow, pid, &conf, m);
	if (ret == STATUS_OK && d->corrects) {
		find_ctx_t fc = {0, "", 0};
		ret = db_disclosure_list(s->c->db, 0, d->corrects, find_one, &fc, m);
		if (ret == STATUS_OK && (!fc.found || fc.prow != prow))
			ret = msg_fail(m, STATUS_NOTFOUND, "This patient has no disclosure %" PRId64 ".",
				       d->corrects);
		else if (ret == STATUS_OK && strcmp(fc.category, "strike") == 0)
			ret = msg_fail(m, STATUS_INVALID,
				       "Disclosure %" PRId64 " is itself a correction.", d->corrects);
	}
	if (ret == STATUS_OK)
		ret = write_entry(s, prow, pid, &row, f, n, m);
	ret = finish(s, began, ret, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK, "Disclosure %" PRId64 " recorded.", row.n);
	return ret;
}

status_t disclosure_record(session_t *s, const char *patient, const disclosure_t *d, int64_t *n,
			   msg_t *m)
{
	status_t ret = session_require(s, ACT_DISCLOSURE_ADD, m);
	if (ret != STATUS_OK)
		return ret;
	return disclosure_record_for(s, patient, d, "manual", 0, n, m);
}

status_t disclosure_strike(session_t *s, int64_t n, const char *reason, int64_t *new_n, msg_t *m)
{
	return disclosure_strike_of(s, NULL, n, reason, new_n, m);
}

status_t disclosure_strike_of(session_t *s, const char *patient, int64_t n, const char *reason,
			      int64_t *new_n, msg_t *m)
{
	db_disclosure_t row;
	find_ctx_t fc = {0, "", 0};
	char pid[33];
	const char *f[NFIELDS] = {"", "", reason, ""};
	int64_t want = 0;
	status_t ret = session_require(s, ACT_DISCLOSURE_ADD, m);
	if (ret != STATUS_OK)
		return ret;
	if (patient && *patient) {
		int conf = 0;
		if ((ret = patient_locate(s, patient, &want, pid, &conf, m)) != STATUS_OK)
			return ret;
	}
	if (!reason || !*reason)
		return msg_fail(m, STATUS_INVALID, "Reason for striking the entry is required.");
	if ((ret = rights_text("Reason", reason, 1, m)) != STATUS_OK)
		return ret;
	memset(&row, 0, sizeof row);
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = db_disclosure_list(s->c->db, 0, n, find_one, &fc, m);
	if (ret == STATUS_OK && !fc.found)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no disclosure %" PRId64 ".", n);
	else if (ret == STATUS_OK && want && fc.prow != want)
		ret = msg_fail(m, STATUS_NOTFOUND, "Disclosure %" PRId64 " is not this patient's.", n);
	else if (ret == STATUS_OK && strcmp(fc.category, "strike") == 0)
		ret = msg_fail(m, STATUS_INVALID, "Disclosure %" PRId64 " is itself a correction.", n);
	if (ret == STATUS_OK) {
		/* the patient's id for the binding, through the row number */
		db_patient_row_t *pr = malloc(sizeof *pr);
		if (!pr)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		else if ((ret = db_patient_get_ident(s->c->db, fc.prow, pr, m)) == STATUS_OK)
			text_copy(pid, sizeof pid, pr->id);
		free(pr);
	}
	if (ret == STATUS_OK) {
		rights_today(s, row.disclosed_on);
		text_copy(row.category, sizeof row.category, "strike");
		text_copy(row.source, sizeof row.source, "manual");
		row.strikes = n;
		ret = write_entry(s, fc.prow, pid, &row, f, new_n, m);
	}
	ret = finish(s, 1, ret, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK, "Disclosure %" PRId64 " struck by entry %" PRId64 ".", n, row.n);
	return ret;
}

/* ---- the accounting ---- */

typedef struct held_row {
	db_disclosure_t d;
	unsigned char *body, *mac;
	char *f[NFIELDS];
	int chart; /* index into the charts read: the survivor 0, merged-in ones after */
} held_row_t;

/* The charts whose disclosures make one patient's accounting: the chart
 * asked for and every chart merged into it (a merge in force; README
 * "Merging duplicate charts"): disclosures are append-only and stay with
 * the chart they were made from. */
#define ACC_CHARTS 16

typedef struct acc_ctx {
	held_row_t *rows;
	int n, cap, oom;
} acc_ctx_t;

static int hold_row(const db_disclosure_t *d, void *arg)
{
	acc_ctx_t *c = arg;
	held_row_t *h;
	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		held_row_t *p = realloc(c->rows, (size_t)cap * sizeof *p);
		if (!p) {
			c->oom = 1;
			return 1;
		}
		c->rows = p;
		c->cap = cap;
	}
	h = &c->rows[c->n];
	memset(h, 0, sizeof *h);
	h->d = *d;
	h->body = malloc(d->body.n ? d->body.n : 1);
	h->mac = malloc(d->mac.n ? d->mac.n : 1);
	if (!h->body || !h->mac) {
		free(h->body);
		free(h->mac);
		c->oom = 1;
		return 1;
	}
	if (d->body.n)
		memcpy(h->body, d->body.p, d->body.n);
	if (d->mac.n)
		memcpy(h->mac, d->mac.p, d->mac.n);
	h->d.body.p = h->body;
	h->d.mac.p = h->mac;
	c->n++;
	return 0;
}

/* Oldest first, by date and then number, across the charts read. */
static int held_cmp(const void *a, const void *b)
{
	const held_row_t *x = a, *y = b;
	int c = strcmp(x->d.disclosed_on, y->d.disclosed_on);
	if (c)
		return c;
	return x->d.n < y->d.n ? -1 : x->d.n > y->d.n;
}

static void acc_free(acc_ctx_t *c)
{
	for (int i = 0; i < c->n; i++) {
		rights_fields_free(c->rows[i].f, NFIELDS);
		free(c->rows[i].body);
		free(c->rows[i].mac);
	}
	free(c->rows);
	memset(c, 0, sizeof *c);
}

static status_t check_row(session_t *s, const char *pid, held_row_t *h, msg_t *m)
{
	lpbuf_t b = {0};
	status_t ret;
	if (h->d.toolong)
		return msg_fail(m, STATUS_INTEGRITY,
				"Integrity check failed: disclosures record %" PRId64
				" was changed outside Chartroom.",
				h->d.n);
	mac_input(&b, &h->d, pid);
	if (b.bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	else
		ret = rights_mac_check(s, b.p, b.len, h->d.mac.p, h->d.mac.n, TABLE, h->d.n, m);
	lpbuf_free(&b);
	if (ret == STATUS_OK)
		ret = rights_open(s, TABLE, h->d.id, pid, h->d.body.p, h->d.body.n, h->f, NFIELDS,
				  m);
	if (ret == STATUS_INTEGRITY)
		msg_fail(m, STATUS_INTEGRITY,
			 "Integrity check failed: disclosures record %" PRId64
			 " does not belong to this chart (changed outside Chartroom).",
			 h->d.n);
	return ret;
}

status_t disclosure_accounting(session_t *s, const char *patient, const char *since, int all,
			       int (*fn)(const disclosure_info_t *d, void *arg), void *arg,
			       disclosure_summary_t *sum, msg_t *m)
{
	acc_ctx_t c = {0};
	int64_t charts[ACC_CHARTS];
	char pids[ACC_CHARTS][33], mrns[ACC_CHARTS][24], names[ACC_CHARTS][128];
	int ncharts = 0;
	disclosure_summary_t local;
	disclosure_info_t info;
	char pid[33], today[DATE_ISO_SIZE], from[DATE_ISO_SIZE], mrn[24], name[128];
	int64_t prow;
	int conf, reading = 0, y, mo, d;
	status_t ret = session_require(s, ACT_DISCLOSURE_VIEW, m);
	if (!sum)
		sum = &local;
	memset(sum, 0, sizeof *sum);
	if (ret != STATUS_OK)
		return ret;
	rights_today(s, today);
	/* six years back: the same day of the month, 29 February -> 1 March */
	if (date_split_iso(today, &y, &mo, &d) != 0)
		return msg_fail(m, STATUS_ERR, "The clinic's date is unreadable.");
	{
		char tmp[48];
		int fy = (y - RIGHTS_ACCOUNT_YEARS) % 10000;
		if (mo == 2 && d == 29 && !date_leap(fy))
			snprintf(tmp, sizeof tmp, "%04d-03-01", fy);
		else
			snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", fy, mo % 13, d % 32);
		text_copy(from, sizeof from, tmp);
	}
	if (since && *since) {
		char sd[DATE_ISO_SIZE];
		if ((ret = date_parse_msg("--since", since, "1900-01-01", NULL, sd, m)) != STATUS_OK)
			return ret;
		if (strcmp(sd, from) > 0)
			memcpy(from, sd, sizeof from);
	}
	memcpy(sum->from, from, sizeof sum->from);
	memcpy(sum->to, today, sizeof sum->to);
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	ret = patient_locate(s, patient, &prow, pid, &conf, m);
	charts[0] = prow;
	memcpy(pids[0], pid, sizeof pid);
	if (ret == STATUS_OK)
		ret = db_merge_retired_into(s->c->db, prow, charts + 1, ACC_CHARTS - 1, &ncharts, m);
	ncharts++;
	for (int k = 1; ret == STATUS_OK && k < ncharts; k++)
		ret = notsame_patient_id(s, charts[k], pids[k], m);
	for (int k = 0; ret == STATUS_OK && k < ncharts; k++) {
		int first = c.n;
		ret = db_disclosure_list(s->c->db, charts[k], 0, hold_row, &c, m);
		for (int i = first; i < c.n; i++)
			c.rows[i].chart = k;
		if (ret == STATUS_OK && c.oom)
			ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	for (int i = 0; ret == STATUS_OK && i < c.n; i++)
		ret = check_row(s, pids[c.rows[i].chart], &c.rows[i], m);
	db_read_end(s->c->db, reading);
	if (ncharts > 1 && ret == STATUS_OK)
		qsort(c.rows, (size_t)c.n, sizeof *c.rows, held_cmp);
	for (int k = 0; ret == STATUS_OK && k < ncharts; k++)
		ret = audit_note(s, "disclosures_view", pids[k], "ok",
				 k ? "merged into the chart asked for"
				 : all ? "all entries" : "accounting",
				 0, m);
	for (int k = 0; ret == STATUS_OK && k < ncharts; k++)
		rights_patient_label(s, charts[k], mrns[k], names[k]);
	if (ret == STATUS_OK) {
		text_copy(mrn, sizeof mrn, mrns[0]);
		text_copy(name, sizeof name, names[0]);
	}
	for (int i = 0; ret == STATUS_OK && i < c.n; i++) {
		held_row_t *h = &c.rows[i];
		int struck = 0, strike = strcmp(h->d.category, "strike") == 0;
		memset(&info, 0, sizeof info);
		for (int j = 0; j < c.n; j++)
			if (c.rows[j].d.strikes == h->d.n) {
				struck = 1;
				info.struck_by = c.rows[j].d.n;
			}
		info.n = h->d.n;
		/* an entry made from a chart merged into this one names that
		 * chart's MRN */
		text_copy(info.mrn, sizeof info.mrn, h->chart ? mrns[h->chart] : mrn);
		info.merged_in = h->chart != 0;
		text_copy(info.patient_name, sizeof info.patient_name, name);
		text_copy(info.date, sizeof info.date, h->d.disclosed_on);
		text_copy(info.category, sizeof info.category, h->d.category);
		text_copy(info.source, sizeof info.source, h->d.source);
		info.roi = h->d.roi;
		info.strikes = h->d.strikes;
		text_copy(info.suspended_until, sizeof info.suspended_until, h->d.suspended_until);
		text_copy(info.recorded_at, sizeof info.recorded_at, h->d.recorded_at);
		text_copy(info.recorded_by, sizeof info.recorded_by, h->d.recorded_by);
		info.recipient_name = h->f[0];
		info.recipient_address = h->f[1];
		info.description = h->f[2];
		info.purpose = h->f[3];
		info.excluded = disclosure_category_excluded(h->d.category);
		info.suspended = h->d.suspended_until[0] && strcmp(today, h->d.suspended_until) <= 0;
		if (strike || struck)
			sum->struck += !strike;
		else if (strcmp(h->d.disclosed_on, from) < 0 || strcmp(h->d.disclosed_on, today) > 0)
			sum->older++;
		else if (info.excluded)
			sum->excluded++;
		else if (info.suspended)
			sum->suspended++;
		else {
			info.in_statement = 1;
			sum->shown++;
		}
		if ((all || info.in_statement) && fn && fn(&info, arg))
			break;
	}
	acc_free(&c);
	return ret;
}

status_t disclosure_rekey(session_t *s, int64_t prow, const char *pid, int to, int64_t *n,
			  msg_t *m)
{
	acc_ctx_t c = {0};
	status_t ret = db_disclosure_list(s->c->db, prow, 0, hold_row, &c, m);
	*n = 0;
	if (ret == STATUS_OK && c.oom)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
	for (int i = 0; ret == STATUS_OK && i < c.n; i++) {
		held_row_t *h = &c.rows[i];
		unsigned char *body = NULL, mac[RIGHTS_MAC_LEN];
		size_t blen = 0;
		lpbuf_t b = {0};
		const char *f[NFIELDS];
		if (crypto_blob_version(h->d.body.p, h->d.body.n) == to && h->d.mac.n == RIGHTS_MAC_LEN &&
		    h->d.mac.p[1] == to)
			continue;
		if ((ret = check_row(s, pid, h, m)) != STATUS_OK)
			break;
		for (int k = 0; k < NFIELDS; k++)
			f[k] = h->f[k];
		if ((ret = rights_seal(s, TABLE, h->d.id, pid, f, NFIELDS, &body, &blen, m)) !=
		    STATUS_OK)
			break;
		h->d.body.p = body;
		h->d.body.n = blen;
		mac_input(&b, &h->d, pid);
		ret = b.bad ? msg_fail(m, STATUS_NOMEM, "Out of memory.")
			    : rights_mac(s, b.p, b.len, mac, m);
		lpbuf_free(&b);
		if (ret == STATUS_OK) {
			db_blob_t mb = {mac, sizeof mac};
			ret = db_disclosure_rekey(s->c->db, h->d.id, &h->d.body, &mb, m);
		}
		h->d.body.p = h->body;
		free(body);
		if (ret == STATUS_OK)
			(*n)++;
	}
	acc_free(&c);
	return ret;
}
